"""twistio.protocols.loopback: two protocols connected in memory or over a socket."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from twistio.internet import error, protocol
from twistio.protocols import loopback
from twistio.python.failure import Failure


class Recorder(protocol.Protocol):
    def __init__(self, greeting: bytes = b"", closeOn: bytes | None = None) -> None:
        self.greeting = greeting
        self.closeOn = closeOn
        self.chunks: list[bytes] = []
        self.lost: list[Failure] = []

    def connectionMade(self) -> None:
        if self.greeting:
            self.transport.write(self.greeting)

    def dataReceived(self, data: bytes) -> None:
        self.chunks.append(data)
        if self.closeOn is not None and b"".join(self.chunks).endswith(self.closeOn):
            self.transport.loseConnection()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.lost.append(reason)


def test_identity_pump_delivers_each_write_and_closes_both() -> None:
    class Writer(Recorder):
        def connectionMade(self) -> None:
            self.transport.write(b"a")
            self.transport.writeSequence([b"b", b"c"])
            self.transport.write(b"d")
            self.transport.loseConnection()

    server, client = Writer(), Recorder()
    done = loopback.loopbackAsync(server, client)
    results: list[object] = []
    done.addCallback(results.append)
    assert client.chunks == [b"a", b"bc", b"d"]
    assert results == [None]
    assert [f.check(error.ConnectionDone) for f in server.lost + client.lost] == [
        error.ConnectionDone,
        error.ConnectionDone,
    ]


def test_collapsing_pump_joins_what_is_queued() -> None:
    class Writer(Recorder):
        def connectionMade(self) -> None:
            for piece in (b"x", b"y", b"z"):
                self.transport.write(piece)
            self.transport.loseConnection()

    client = Recorder()
    loopback.loopbackAsync(Writer(), client, loopback.collapsingPumpPolicy)
    assert client.chunks == [b"xyz"]


def test_write_of_text_is_refused() -> None:
    server, client = Recorder(), Recorder()
    loopback.loopbackAsync(server, client)
    with pytest.raises(TypeError):
        server.transport.write("text")  # type: ignore[arg-type]
    server.transport.loseConnection()


async def test_later_writes_are_pumped_on_a_later_turn(reactor: Any) -> None:
    server, client = Recorder(closeOn=b"bye"), Recorder()
    done = loopback.loopbackAsync(server, client)
    client.transport.write(b"hello ")
    assert server.chunks == []  # not re-entrant: delivered on a later turn
    client.transport.write(b"bye")
    await asyncio.wait_for(done.asFuture(asyncio.get_running_loop()), 5)
    assert b"".join(server.chunks) == b"hello bye"
    assert len(server.lost) == len(client.lost) == 1


async def test_loopback_tcp_runs_the_session_over_a_socket(reactor: Any) -> None:
    server = Recorder(greeting=b"hi", closeOn=b"done")

    class Client(Recorder):
        def dataReceived(self, data: bytes) -> None:
            super().dataReceived(data)
            if b"".join(self.chunks) == b"hi":
                self.transport.write(b"done")

    client = Client()
    done = loopback.loopbackTCP(server, client)
    await asyncio.wait_for(done.asFuture(asyncio.get_running_loop()), 10)
    assert b"".join(client.chunks) == b"hi"
    assert b"".join(server.chunks) == b"done"
    assert len(server.lost) == 1 and len(client.lost) == 1


def test_relay_buffers_until_cleared() -> None:
    target = Recorder()
    relay = loopback.LoopbackRelay(target)
    relay.write(b"ab")
    relay.writeSequence([b"c", b"d"])
    assert target.chunks == []
    relay.loseConnection()
    relay.clearBuffer()
    assert target.chunks == [b"abcd"]
    assert len(target.lost) == 1
    relay.clearBuffer()
    assert len(target.lost) == 1
