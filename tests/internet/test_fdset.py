"""``IReactorFDSet`` on the asyncio reactor, ``abstract.FileDescriptor`` and ``fdesc`` on it,
and sockets made elsewhere (``IReactorSocket``); run on every loop of tests/conftest.py.

On the loop without ``add_reader`` (standing in for Windows' Proactor) watching descriptors
raises a clear ``NotImplementedError``; everything else works there too.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

import pytest

from tests.conftest import NoReaderEventLoop
from twistio.internet import abstract, error, fdesc
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import IHalfCloseableDescriptor, implementer
from twistio.internet.protocol import DatagramProtocol, Factory, Protocol
from twistio.python.failure import Failure

TIMEOUT = 2.0


async def wait(d: Any) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


def no_add_reader() -> bool:
    return isinstance(asyncio.get_running_loop(), NoReaderEventLoop)


class SocketDescriptor(abstract.FileDescriptor):
    """One end of a socketpair, read and written through the reactor's FD set."""

    def __init__(self, reactor: Any, sock: socket.socket) -> None:
        super().__init__(reactor)
        self.sock = sock
        sock.setblocking(False)
        self.connected = 1
        self.received: list[bytes] = []
        self.lost: Deferred[list[Failure]] = Deferred()

    def fileno(self) -> int:
        return self.sock.fileno()

    def doRead(self) -> object:
        return fdesc.readFromFD(self.fileno(), self.received.append)

    def writeSomeData(self, data: bytes) -> int | BaseException:
        return fdesc.writeToFD(self.fileno(), data)

    def connectionLost(self, reason: Failure) -> None:
        super().connectionLost(reason)
        self.sock.close()
        self.lost.callback([reason])


async def test_file_descriptor_reads_writes_and_closes(reactor: Any) -> None:
    a, b = socket.socketpair()
    left = SocketDescriptor(reactor, a)
    right = SocketDescriptor(reactor, b)
    if no_add_reader():
        with pytest.raises(NotImplementedError, match="add_reader"):
            left.startReading()
        a.close()
        b.close()
        return
    left.startReading()
    right.startReading()
    assert set(reactor.getReaders()) == {left, right}
    payload = os.urandom(300_000)  # more than one doWrite's worth (SEND_LIMIT)
    left.write(payload[:1000])
    left.writeSequence([payload[1000:200_000], payload[200_000:]])
    assert left in reactor.getWriters()
    while sum(map(len, right.received)) < len(payload):
        await asyncio.sleep(0)  # a loop turn, not a timed wait: the FD set moves the bytes
    assert b"".join(right.received) == payload
    assert left not in reactor.getWriters()  # the buffer drained
    left.write(b"bye")
    left.loseConnection()
    reason = (await wait(left.lost))[0]
    assert reason.check(error.ConnectionDone)
    assert (await wait(right.lost))[0].check(error.ConnectionDone)
    assert b"".join(right.received).endswith(b"bye")
    assert reactor.getReaders() == [] and reactor.getWriters() == []


async def test_file_descriptor_producer_is_paused_and_resumed(reactor: Any) -> None:
    if no_add_reader():
        pytest.skip("needs add_reader")
    a, b = socket.socketpair()
    left = SocketDescriptor(reactor, a)
    events: list[str] = []

    class Producer:
        def pauseProducing(self) -> None:
            events.append("pause")

        def resumeProducing(self) -> None:
            events.append("resume")

        def stopProducing(self) -> None:
            events.append("stop")

    left.registerProducer(Producer(), True)
    with pytest.raises(RuntimeError):
        left.registerProducer(Producer(), True)
    left.write(b"x" * (left.bufferSize + 1))
    assert events == ["pause"]
    b.setblocking(False)
    drained = 0
    while events[-1] != "resume":
        await asyncio.sleep(0)
        try:
            drained += len(b.recv(1 << 20))
        except BlockingIOError:
            pass
    left.unregisterProducer()
    left.loseConnection()
    await wait(left.lost)
    b.close()
    assert events == ["pause", "resume"]


async def test_do_read_errors_and_half_close(reactor: Any) -> None:
    if no_add_reader():
        pytest.skip("needs add_reader")
    a, b = socket.socketpair()

    class Raising(SocketDescriptor):
        def doRead(self) -> object:
            raise ZeroDivisionError("boom")

    raising = Raising(reactor, a)
    raising.startReading()
    b.send(b"x")
    [reason] = await wait(raising.lost)
    assert reason.check(ZeroDivisionError)
    b.close()

    c, d = socket.socketpair()

    @implementer(IHalfCloseableDescriptor)
    class HalfCloseable(SocketDescriptor):
        def readConnectionLost(self, reason: Failure) -> None:
            self.readLost = reason
            self.reactor.callLater(0, self.loseConnection)  # type: ignore[attr-defined]

    half = HalfCloseable(reactor, c)
    half.startReading()
    d.shutdown(socket.SHUT_WR)
    [reason] = await wait(half.lost)
    assert half.readLost.check(error.ConnectionDone)
    assert reason.check(error.ConnectionDone)
    d.close()


async def test_closed_descriptor_and_remove_all(reactor: Any) -> None:
    if no_add_reader():
        with pytest.raises(NotImplementedError):
            reactor.addWriter(SocketDescriptor(reactor, socket.socket()))
        return
    closed = SocketDescriptor(reactor, socket.socket())
    closed.sock.close()
    reactor.addReader(closed)
    assert (await wait(closed.lost))[0].check(error.ConnectionFdescWentAway)
    a, b = socket.socketpair()
    one, two = SocketDescriptor(reactor, a), SocketDescriptor(reactor, b)
    reactor.addReader(one)
    reactor.addWriter(one)
    reactor.addWriter(two)
    reactor.addReader(one)  # twice: still once
    removed = reactor.removeAll()
    assert sorted(map(id, removed)) == sorted(map(id, [one, two]))
    assert reactor.getReaders() == [] == reactor.getWriters()
    reactor.removeReader(one)  # not watched: nothing
    a.close()
    b.close()


async def test_disconnect_all_on_shutdown(reactor: Any) -> None:
    if no_add_reader():
        pytest.skip("needs add_reader")
    a, b = socket.socketpair()
    watched = SocketDescriptor(reactor, a)
    watched.startReading()
    reactor.disconnectAll()
    assert (await wait(watched.lost))[0].check(error.ConnectionLost)
    b.close()


# --------------------------------------------------------------- adopted sockets


async def test_adopt_stream_port_and_connection(reactor: Any) -> None:
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    listening.listen(5)
    got: Deferred[bytes] = Deferred()

    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    port = reactor.adoptStreamPort(listening.fileno(), socket.AF_INET, Factory.forProtocol(Echo))
    listening.close()  # the reactor holds a duplicate
    assert port.getHost().port > 0

    class Client(Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"ping")

        def dataReceived(self, data: bytes) -> None:
            got.callback(data)
            self.transport.loseConnection()

    plain = socket.create_connection(("127.0.0.1", port.getHost().port))
    reactor.adoptStreamConnection(plain.fileno(), socket.AF_INET, Factory.forProtocol(Client))
    plain.close()
    assert await wait(got) == b"ping"
    await wait(port.stopListening())
    with pytest.raises(error.UnsupportedAddressFamily):
        reactor.adoptStreamPort(0, 12345, Factory.forProtocol(Echo))


async def test_adopt_datagram_port(reactor: Any) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    got: Deferred[tuple[bytes, Any]] = Deferred()

    class Catch(DatagramProtocol):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            got.callback((datagram, addr))

    port = reactor.adoptDatagramPort(sock.fileno(), socket.AF_INET, Catch())
    sock.close()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.sendto(b"hi", ("127.0.0.1", port.getHost().port))
    data, addr = await wait(got)
    assert data == b"hi" and addr == ("127.0.0.1", sender.getsockname()[1])
    sender.close()
    await wait(port.stopListening())


def test_close_on_exec_flag() -> None:
    import fcntl
    import os

    from twistio.internet import fdesc

    read, write = os.pipe()
    try:
        fdesc._unsetCloseOnExec(read)
        assert not fcntl.fcntl(read, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        fdesc._setCloseOnExec(read)
        assert fcntl.fcntl(read, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        fdesc._unsetCloseOnExec(read)
        assert not fcntl.fcntl(read, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    finally:
        os.close(read)
        os.close(write)


async def test_descriptor_whose_fileno_became_minus_one_is_lost(reactor: Any) -> None:
    # As Twisted's reactors: checked before each doRead, so it is not read again.
    if no_add_reader():
        pytest.skip("needs add_reader")
    a, b = socket.socketpair()
    lost: Deferred[None] = Deferred()
    reasons: list[Failure] = []

    class Disappearing(abstract.FileDescriptor):
        number = a.fileno()
        received = b""

        def fileno(self) -> int:
            return self.number

        def doRead(self) -> object:
            self.number = -1
            self.received += a.recv(1)
            b.send(b"y")
            return None

        def connectionLost(self, reason: Failure) -> None:
            reasons.append(reason)
            lost.callback(None)

    descriptor = Disappearing(reactor)
    reactor.addReader(descriptor)
    b.send(b"x")
    await wait(lost)
    assert [r.type for r in reasons] == [error.ConnectionFdescWentAway]
    assert descriptor.received == b"x"
    assert descriptor not in reactor.getReaders()
    a.close()
    b.close()
