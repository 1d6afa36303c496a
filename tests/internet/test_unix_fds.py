"""File descriptors over UNIX stream connections: ``sendFileDescriptor`` and
``IFileDescriptorReceiver``, on every loop of conftest (on the loop without ``add_reader``,
standing in for Windows' Proactor, sending raises ``NotImplementedError``)."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NoReaderEventLoop
from twistio.internet import error, unix
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import IFileDescriptorReceiver, IUNIXTransport, implementer
from twistio.internet.protocol import ClientCreator, Factory, Protocol
from twistio.python import log, sendmsg

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no UNIX sockets")

TIMEOUT = 3.0


def run(
    loop_factory: Callable[[], asyncio.AbstractEventLoop], body: Callable[[], Awaitable[Any]]
) -> Any:
    loop = loop_factory()
    try:
        return loop.run_until_complete(asyncio.wait_for(body(), TIMEOUT))
    finally:
        loop.close()


def inode(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return (st.st_dev, st.st_ino)


class Sender(Protocol):
    """Sends what ``script`` says at connectionMade: ("fd", n) or ("data", bytes) or "close"."""

    script: list[Any] = []

    def __init__(self) -> None:
        self.lost: Deferred[Any] = Deferred()

    def connectionMade(self) -> None:
        for step in self.script:
            if step == "close":
                self.transport.loseConnection()
            elif step[0] == "fd":
                self.transport.sendFileDescriptor(step[1])
            else:
                self.transport.write(step[1])

    def connectionLost(self, reason: Any) -> None:
        self.lost.callback([reason])  # in a list: a Failure result would be an error


@implementer(IFileDescriptorReceiver)
class Receiver(Protocol):
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.lost: Deferred[Any] = Deferred()

    def fileDescriptorReceived(self, descriptor: int) -> None:
        self.events.append(("fd", inode(descriptor)))
        os.close(descriptor)

    def dataReceived(self, data: bytes) -> None:
        self.events.append(data)

    def connectionLost(self, reason: Any) -> None:
        self.lost.callback([reason])  # in a list: a Failure result would be an error


async def pair(reactor: Any, path: Path, script: list[Any], receiver: Any = Receiver) -> Any:
    factory = Factory.forProtocol(Sender)
    senders: list[Sender] = []

    def build(addr: Any) -> Any:
        p = Sender()
        p.script = script
        senders.append(p)
        return p

    factory.buildProtocol = build  # type: ignore[method-assign]
    port = reactor.listenUNIX(str(path), factory)
    client = await ClientCreator(reactor, receiver).connectUNIX(str(path))
    return port, senders, client


def data_of(events: list[Any]) -> bytes:
    return b"".join(e for e in events if isinstance(e, bytes))


def test_descriptor_arrives_before_the_bytes_it_rides_on(
    loop_factory: Any, reactor: Any, tmp_path: Path
) -> None:
    r, w = os.pipe()
    path = tmp_path / "s"

    async def body() -> None:
        if isinstance(asyncio.get_running_loop(), NoReaderEventLoop):
            port, senders, client = await pair(reactor, path, [("data", b"x")], Protocol)
            with pytest.raises(NotImplementedError):
                senders[0].transport.sendFileDescriptor(r)
            senders[0].transport.loseConnection()
            await port.stopListening()
            return
        port, senders, client = await pair(
            reactor, path, [("fd", r), ("data", b"example data"), "close"]
        )
        (reason,) = await client.lost
        assert reason.check(error.ConnectionDone)
        assert client.events[0] == ("fd", inode(r))
        assert data_of(client.events) == b"example data"
        assert IUNIXTransport.providedBy(senders[0].transport)
        await port.stopListening()

    try:
        run(loop_factory, body)
    finally:
        os.close(r)
        os.close(w)


def test_bytes_written_before_the_switch_keep_their_order(
    loop_factory: Any, reactor: Any, tmp_path: Path
) -> None:
    """Written on asyncio's transport (more than the socket takes at once), then a
    descriptor: asyncio's transport sends what it holds before the new one sends anything."""
    if loop_factory is NoReaderEventLoop:
        pytest.skip("no FD set on this loop")
    first = os.urandom(1_000_000)
    r, w = os.pipe()

    async def body() -> None:
        port, senders, client = await pair(
            reactor, tmp_path / "s", [("data", first), ("fd", r), ("data", b"after"), "close"]
        )
        await client.lost
        assert data_of(client.events) == first + b"after"
        fds = [e for e in client.events if not isinstance(e, bytes)]
        assert fds == [("fd", inode(r))]
        await port.stopListening()

    try:
        run(loop_factory, body)
    finally:
        os.close(r)
        os.close(w)


def test_more_descriptors_than_bytes_is_an_overrun(
    loop_factory: Any, reactor: Any, tmp_path: Path
) -> None:
    if loop_factory is NoReaderEventLoop:
        pytest.skip("no FD set on this loop")
    r, w = os.pipe()

    async def body() -> None:
        port, senders, client = await pair(reactor, tmp_path / "s", [("fd", r), "close"])
        (reason,) = await senders[0].lost
        assert reason.check(error.FileDescriptorOverrun)
        assert (await client.lost)[0].check(error.ConnectionClosed)
        assert client.events == []
        await port.stopListening()

    try:
        run(loop_factory, body)
    finally:
        os.close(r)
        os.close(w)


class _FakeReceiver(unix._SendmsgMixin):
    bufferSize = 1024

    def __init__(self, sock: socket.socket, protocol: Any) -> None:
        self.socket = sock
        self.protocol = protocol
        self.data: list[bytes] = []

    def _dataReceived(self, data: bytes) -> None:
        self.data.append(data)

    def getHost(self) -> str:
        return "host"

    def getPeer(self) -> str:
        return "peer"


@pytest.mark.parametrize("split", [False, True])
def test_sendmsg_mixin_reads_every_descriptor(split: bool, tmp_path: Path) -> None:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    files = [os.open(tmp_path / name, os.O_CREAT | os.O_RDWR) for name in ("one", "two")]
    try:
        receiver = Receiver()
        if split:  # one control message per descriptor
            ancillary = [
                (socket.SOL_SOCKET, sendmsg.SCM_RIGHTS, struct.pack("i", f)) for f in files
            ]
        else:
            ancillary = [(socket.SOL_SOCKET, sendmsg.SCM_RIGHTS, struct.pack("ii", *files))]
        sendmsg.sendmsg(a, b"payload", ancillary)
        reader = _FakeReceiver(b, receiver)
        reader.doRead()
        assert receiver.events == [("fd", inode(f)) for f in files]
        assert reader.data == [b"payload"]
    finally:
        for f in files:
            os.close(f)
        a.close()
        b.close()


def test_sendmsg_mixin_closes_and_logs_what_it_cannot_deliver(monkeypatch: Any) -> None:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    probe, other = socket.socketpair()
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:
        sendmsg.sendmsg(
            a, b"x", [(socket.SOL_SOCKET, sendmsg.SCM_RIGHTS, struct.pack("i", probe.fileno()))]
        )
        probe.close()  # the only copy left is the one in flight
        reader = _FakeReceiver(b, Protocol())  # not an IFileDescriptorReceiver
        reader.doRead()
        other.setblocking(False)
        assert other.recv(10) == b""  # the received copy was closed: the peer sees EOF
        assert any(
            "does not provide IFileDescriptorReceiver" in e.get("format", "") for e in events
        )

        def odd(sock: Any, *args: Any, **kwargs: Any) -> Any:
            return sendmsg.ReceivedMessage(b"data", [(None, None, b"")], 0)

        monkeypatch.setattr(sendmsg, "recvmsg", odd)
        reader.doRead()
        assert any("received unsupported ancillary data" in e.get("format", "") for e in events)
        assert reader.data == [b"x", b"data"]
    finally:
        log.removeObserver(events.append)
        a.close()
        b.close()
        other.close()


def test_queued_descriptors_pause_a_producer(
    loop_factory: Any, reactor: Any, tmp_path: Path
) -> None:
    """The peer does not read: descriptors queue up, and past the limit the producer is
    paused, as it is by a full write buffer."""
    if loop_factory is NoReaderEventLoop:
        pytest.skip("no FD set on this loop")
    carried = socket.socket()

    class NotReading(Protocol):
        def connectionMade(self) -> None:
            self.transport.pauseProducing()

    class Flood(Protocol):
        def connectionMade(self) -> None:
            self.paused: Deferred[None] = Deferred()
            self.transport.registerProducer(self, True)

        def pauseProducing(self) -> None:
            if not self.paused.called:
                self.paused.callback(None)

        def resumeProducing(self) -> None:
            pass

        def stopProducing(self) -> None:
            pass

    async def body() -> None:
        floods: list[Flood] = []

        def build(addr: Any) -> Flood:
            floods.append(Flood())
            return floods[-1]

        factory = Factory()
        factory.buildProtocol = build  # type: ignore[method-assign]
        port = reactor.listenUNIX(str(tmp_path / "s"), factory)
        client = await ClientCreator(reactor, NotReading).connectUNIX(str(tmp_path / "s"))
        await asyncio.sleep(0)
        flood = floods[0]
        for _ in range(20_000):  # bounded: the kernel's buffer fills long before
            if flood.paused.called:
                break
            flood.transport.sendFileDescriptor(carried.fileno())
            flood.transport.write(b"x")
        assert flood.paused.called
        flood.transport.abortConnection()
        client.transport.abortConnection()
        await port.stopListening()

    try:
        run(loop_factory, body)
    finally:
        carried.close()
