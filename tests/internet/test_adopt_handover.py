"""Handing a connection's descriptor over, as Twisted code does: ``removeReader`` and
``removeWriter`` of the transport, ``adoptStreamConnection`` of its descriptor, then
``transport.socket.close()``; and closing a socket still in the reactor."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from twistio.internet import error
from twistio.internet.defer import Deferred
from twistio.internet.protocol import ClientCreator, Factory, Protocol

TIMEOUT = 3.0


async def wait(d: Any) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


class Side(Protocol):
    def __init__(self) -> None:
        self.made: Deferred[Side] = Deferred()
        self.lost: Deferred[list[Any]] = Deferred()
        self.data = b""
        self.got: Deferred[bytes] | None = None

    def connectionMade(self) -> None:
        self.made.callback(self)

    def dataReceived(self, data: bytes) -> None:
        self.data += data
        if self.got is not None:
            d, self.got = self.got, None
            d.callback(self.data)

    def connectionLost(self, reason: Any) -> None:
        self.lost.callback([reason])


async def connected_pair(reactor: Any) -> tuple[Any, Side, Side]:
    servers: list[Side] = []

    def build(addr: Any) -> Side:
        servers.append(Side())
        return servers[-1]

    factory = Factory()
    factory.buildProtocol = build  # type: ignore[method-assign]
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    client = await wait(ClientCreator(reactor, Side).connectTCP("127.0.0.1", port.getHost().port))
    await wait(servers[0].made) if servers else None
    return port, servers[0], client


async def test_a_connection_handed_over_to_adopt_stream_connection(reactor: Any) -> None:
    port, first, client = await connected_pair(reactor)
    reactor.removeReader(first.transport)
    reactor.removeWriter(first.transport)
    adopted = Side()
    reactor.adoptStreamConnection(
        first.transport.fileno(), socket.AF_INET, Factory.forProtocol(lambda: adopted)
    )
    first.transport.socket.close()
    await wait(adopted.made)
    assert first.transport not in reactor.transport_registry.connections
    assert not first.lost.called  # out of the reactor: it lets go quietly, as in Twisted
    client.got = Deferred()
    adopted.transport.write(b"from the adopted side")
    assert await wait(client.got) == b"from the adopted side"
    adopted.got = Deferred()
    client.transport.write(b"to it")
    assert await wait(adopted.got) == b"to it"
    assert first.data == b""  # the first protocol stopped reading at removeReader
    adopted.transport.loseConnection()
    await wait(client.lost)
    await port.stopListening()


async def test_remove_reader_pauses_and_add_reader_resumes(reactor: Any) -> None:
    port, server, client = await connected_pair(reactor)
    reactor.removeReader(server.transport)
    client.transport.write(b"held")
    for _ in range(5):
        await asyncio.sleep(0)
    assert server.data == b""
    server.got = Deferred()
    reactor.addReader(server.transport)
    assert await wait(server.got) == b"held"
    client.transport.loseConnection()
    await wait(server.lost)
    await port.stopListening()


async def test_closing_the_socket_of_a_watched_connection_loses_it(reactor: Any) -> None:
    port, server, client = await connected_pair(reactor)
    server.transport.socket.close()
    (reason,) = await wait(server.lost)
    assert reason.check(error.ConnectionLost)
    (reason,) = await wait(client.lost)  # the only descriptor is gone: the peer sees it
    assert reason.check(error.ConnectionDone, error.ConnectionLost)
    await port.stopListening()
