"""twistio.protocols.portforward over real TCP: a forwarded echo, and a destination that is
not there."""

from __future__ import annotations

import asyncio
from typing import Any

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.protocol import Factory
from twistio.protocols import portforward, wire


async def test_forwards_both_ways_and_closes_together() -> None:
    reactor: Any = AsyncioReactor()
    echo = reactor.listenTCP(0, Factory.forProtocol(wire.Echo), interface="127.0.0.1")
    factory = portforward.ProxyFactory("127.0.0.1", echo.getHost().port)
    factory.protocol = type("Server", (portforward.ProxyServer,), {"reactor": reactor})
    front = reactor.listenTCP(0, factory, interface="127.0.0.1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", front.getHost().port)
        payload = bytes(range(256)) * 4096  # 1 MiB, more than any socket buffer
        writer.write(payload)
        got = await asyncio.wait_for(reader.readexactly(len(payload)), 10)
        assert got == payload
        writer.close()
    finally:
        await front.stopListening()
        await echo.stopListening()


async def test_unreachable_destination_closes_the_client() -> None:
    reactor: Any = AsyncioReactor()
    closed = reactor.listenTCP(0, Factory.forProtocol(wire.Echo), interface="127.0.0.1")
    number = closed.getHost().port
    await closed.stopListening()  # nothing listens there now
    factory = portforward.ProxyFactory("127.0.0.1", number)
    factory.protocol = type("Server", (portforward.ProxyServer,), {"reactor": reactor})
    front = reactor.listenTCP(0, factory, interface="127.0.0.1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", front.getHost().port)
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()
    finally:
        await front.stopListening()
