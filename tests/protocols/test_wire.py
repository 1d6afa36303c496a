"""twistio.protocols.wire over real TCP: the peer sets chargen's pace, one-shot services close."""

from __future__ import annotations

import asyncio
from typing import Any

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.protocol import Factory
from twistio.protocols import wire


async def _read(port: int, want: int | None, send: bytes = b"") -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if send:
            writer.write(send)
        if want is None:
            return await asyncio.wait_for(reader.read(), 5)
        return await asyncio.wait_for(reader.readexactly(want), 5)
    finally:
        writer.close()


async def test_chargen_streams_its_pattern_as_the_peer_reads() -> None:
    reactor: Any = AsyncioReactor()
    served: list[Any] = []

    class Counted(wire.Chargen):
        def connectionMade(self) -> None:
            served.append(self)
            super().connectionMade()

    port = reactor.listenTCP(0, Factory.forProtocol(Counted), interface="127.0.0.1")
    try:
        data = await _read(port.getHost().port, 100_000)
        noise = wire.Chargen.noise
        assert data == (noise * (100_000 // len(noise) + 1))[:100_000]
        assert len(served) == 1
    finally:
        await port.stopListening()


async def test_one_shot_services_answer_and_close() -> None:
    reactor: Any = AsyncioReactor()
    ports = {
        name: reactor.listenTCP(0, Factory.forProtocol(getattr(wire, name)), interface="127.0.0.1")
        for name in ("QOTD", "Who", "Daytime", "Time", "Echo")
    }
    try:
        assert await _read(ports["QOTD"].getHost().port, None) == (
            b"An apple a day keeps the doctor away.\r\n"
        )
        assert await _read(ports["Who"].getHost().port, None) == b"root\r\n"
        assert (await _read(ports["Daytime"].getHost().port, None)).endswith(b"\r\n")
        assert len(await _read(ports["Time"].getHost().port, None)) == 4
        assert await _read(ports["Echo"].getHost().port, 5, b"hello") == b"hello"
    finally:
        for p in ports.values():
            await p.stopListening()
