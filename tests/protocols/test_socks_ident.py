"""twistio.protocols.socks and twistio.protocols.ident over real TCP: a SOCKSv4 client
(asyncio streams) connects through the proxy to an echo server, by address and by name
(SOCKSv4a), and binds; an ident server answers from /proc/net/tcp and IdentClient asks it."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
from typing import Any

import pytest

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twistio.internet.protocol import Factory
from twistio.protocols import ident, socks, wire


def _request(code: int, port: int, ip: str, host: bytes | None = None) -> bytes:
    head = struct.pack("!BBH", 4, code, port) + socket.inet_aton(ip) + b"tester\0"
    return head + (host + b"\0" if host is not None else b"")


class _Proxy(socks.SOCKSv4Factory):
    def __init__(self, reactor: Any, log: str | None) -> None:
        super().__init__(log)
        self.reactor = reactor

    def buildProtocol(self, addr: Any) -> socks.SOCKSv4:
        return socks.SOCKSv4(self.logging, self.reactor)


async def _reply(reader: asyncio.StreamReader) -> tuple[int, int, int, str]:
    version, code, port, packed = struct.unpack("!BBH4s", await reader.readexactly(8))
    return version, code, port, socket.inet_ntoa(packed)


@pytest.mark.parametrize("byName", [False, True])
async def test_connect_through_the_proxy(byName: bool, tmp_path: Any) -> None:
    reactor: Any = AsyncioReactor()
    echo = reactor.listenTCP(0, Factory.forProtocol(wire.Echo), interface="127.0.0.1")
    logfile = str(tmp_path / "socks.log")
    proxy = reactor.listenTCP(0, _Proxy(reactor, logfile), interface="127.0.0.1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.getHost().port)
        port = echo.getHost().port
        if byName:
            writer.write(_request(1, port, "0.0.0.1", host=b"localhost"))
        else:
            writer.write(_request(1, port, "127.0.0.1"))
        assert await asyncio.wait_for(_reply(reader), 10) == (0, 90, port, "127.0.0.1")
        payload = bytes(range(256)) * 256
        writer.write(payload)
        assert await asyncio.wait_for(reader.readexactly(len(payload)), 10) == payload
        writer.close()
        await writer.wait_closed()
        with open(logfile) as log:
            first = log.readline()
        assert f"> 127.0.0.1:{port}" in first
    finally:
        await proxy.stopListening()
        await echo.stopListening()


async def test_refused_destination_and_unknown_name() -> None:
    reactor: Any = AsyncioReactor()
    closed = reactor.listenTCP(0, Factory.forProtocol(wire.Echo), interface="127.0.0.1")
    port = closed.getHost().port
    await closed.stopListening()
    proxy = reactor.listenTCP(0, _Proxy(reactor, None), interface="127.0.0.1")
    try:
        for request in [
            _request(1, port, "127.0.0.1"),
            _request(1, 80, "0.0.0.1", host=b"no-such-host.invalid"),
        ]:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.getHost().port)
            writer.write(request)
            assert (await asyncio.wait_for(_reply(reader), 30))[1] == 91
            assert await asyncio.wait_for(reader.read(), 10) == b""
            writer.close()
    finally:
        await proxy.stopListening()


async def test_bind() -> None:
    reactor: Any = AsyncioReactor()
    proxy = reactor.listenTCP(0, _Proxy(reactor, None), interface="127.0.0.1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.getHost().port)
        writer.write(_request(2, 0, "127.0.0.1"))
        _, code, port, _ = await asyncio.wait_for(_reply(reader), 10)
        assert code == 90 and port != 0
        remoteReader, remoteWriter = await asyncio.open_connection("127.0.0.1", port)
        assert (await asyncio.wait_for(_reply(reader), 10))[1] == 90
        remoteWriter.write(b"from the remote end")
        assert await asyncio.wait_for(reader.readexactly(19), 10) == b"from the remote end"
        writer.write(b"to the remote end")
        assert await asyncio.wait_for(remoteReader.readexactly(17), 10) == b"to the remote end"
        remoteWriter.close()
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()
    finally:
        await proxy.stopListening()


class _ProcIdent(ident.ProcServerMixin, ident.IdentServer):
    pass


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux's /proc/net/tcp")
async def test_ident_names_the_owner_of_a_real_connection() -> None:
    reactor: Any = AsyncioReactor()
    server = reactor.listenTCP(0, Factory.forProtocol(_ProcIdent), interface="127.0.0.1")
    # A connection to ask about: from `reader` (client port) to the ident server itself.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.getHost().port)
    try:
        clientPort = writer.get_extra_info("sockname")[1]
        serverPort = server.getHost().port
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", serverPort)
        client = await connectProtocol(endpoint, ident.IdentClient())
        kind, info = await asyncio.wait_for(
            client.lookup(serverPort, clientPort).asFuture(asyncio.get_running_loop()), 10
        )
        import pwd

        assert (kind, info) == ("USERID", f"LINUX : {pwd.getpwuid(os.getuid())[0]}")
        with pytest.raises(ident.NoUser):
            await client.lookup(serverPort, 1)
        with pytest.raises(ident.InvalidPort):
            await client.lookup(serverPort, 70000)
        client.transport.loseConnection()
    finally:
        writer.close()
        await server.stopListening()


async def test_ident_server_closes_on_a_garbled_query() -> None:
    reactor: Any = AsyncioReactor()
    server = reactor.listenTCP(0, Factory.forProtocol(ident.IdentServer), interface="127.0.0.1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.getHost().port)
        writer.write(b"80, 4242\r\nnonsense\r\n")
        answer = await asyncio.wait_for(reader.read(), 10)
        assert answer == b"80, 4242 : ERROR : UNKNOWN-ERROR\r\n"
        writer.close()
    finally:
        await server.stopListening()
