"""TCP over real sockets on 127.0.0.1: listenTCP, connectTCP, transports, producers."""

from __future__ import annotations

import asyncio
import errno
import socket
import struct
from typing import Any

import pytest

from twistio.internet import error
from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import IHalfCloseableProtocol, implementer
from twistio.internet.protocol import ClientFactory, Factory, Protocol

TIMEOUT = 2.0


async def wait(d: Any) -> Any:
    """Await a Deferred or future, bounded in time."""
    return await asyncio.wait_for(asyncio.ensure_future(_as_awaitable(d)), TIMEOUT)


async def _as_awaitable(d: Any) -> Any:
    return await d


class Recorder(Protocol):
    """Records events; ``lost`` fires with the reason's exception type."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.data = b""
        self.made: Deferred[None] = Deferred()
        self.lost: Deferred[Any] = Deferred()
        self.reason: Any = None

    def connectionMade(self) -> None:
        self.events.append("made")
        self.made.callback(None)

    def dataReceived(self, data: bytes) -> None:
        self.data += data
        self.events.append("data")

    def connectionLost(self, reason: Any) -> None:
        self.events.append(("lost", reason.type))
        self.reason = reason
        self.lost.callback(reason.type)


class Echo(Recorder):
    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        self.transport.write(data)


class Collect(Factory):
    """Builds ``proto`` and remembers the instances."""

    def __init__(self, proto: type[Protocol] = Recorder) -> None:
        self.protocol = proto
        self.built: list[Any] = []
        self.next_built: Deferred[Any] = Deferred()
        self.addrs: list[Any] = []

    def buildProtocol(self, addr: Any) -> Any:
        self.addrs.append(addr)
        p = Factory.buildProtocol(self, addr)
        self.built.append(p)
        d, self.next_built = self.next_built, Deferred()
        d.callback(p)
        return p


class Client(ClientFactory):
    def __init__(self, proto: type[Protocol] = Recorder) -> None:
        self.protocol = proto
        self.events: list[Any] = []
        self.built: list[Any] = []
        self.done: Deferred[Any] = Deferred()
        self.connected: Deferred[Any] = Deferred()

    def startedConnecting(self, connector: Any) -> None:
        self.events.append("started")

    def buildProtocol(self, addr: Any) -> Any:
        p = ClientFactory.buildProtocol(self, addr)
        self.built.append(p)
        self.connected.callback(p)
        return p

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        self.events.append(("failed", reason.type))
        self.reason = reason
        self.done.callback(None)

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:
        self.events.append(("lost", reason.type))
        self.reason = reason
        self.done.callback(None)


async def connected_pair(reactor: Any, server_proto: type = Recorder, client_proto: type = Recorder):
    sf = Collect(server_proto)
    port = reactor.listenTCP(0, sf, interface="127.0.0.1")
    cf = Client(client_proto)
    connector = reactor.connectTCP("127.0.0.1", port.getHost().port, cf)
    client = await wait(cf.connected)
    server = await wait(sf.next_built) if not sf.built else sf.built[0]
    await wait(client.made)
    await wait(server.made)
    return port, sf, cf, connector, server, client


async def test_echo_roundtrip_and_clean_close(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor, Echo, Recorder)
    client.transport.write(b"hello")
    while client.data != b"hello":
        await asyncio.sleep(0)
        if client.lost.called:
            break
    assert client.data == b"hello"
    client.transport.loseConnection()
    assert await wait(client.lost) is error.ConnectionDone
    assert await wait(server.lost) is error.ConnectionDone
    assert server.events == ["made", "data", ("lost", error.ConnectionDone)]
    assert cf.events == ["started", ("lost", error.ConnectionDone)]
    assert server.connected == 0 and client.connected == 0
    await wait(port.stopListening())


async def test_client_replacing_data_received_once_connected(reactor: Any) -> None:
    # Twisted looks dataReceived up at each read, and its examples replace it on the client
    # instance after connecting: the first read after that must reach the replacement.
    port, sf, cf, connector, server, client = await connected_pair(reactor, Echo, Recorder)
    got: list[bytes] = []
    client.dataReceived = got.append
    client.transport.write(b"to the replacement")
    for _ in range(200):  # bounded: up to 2 s
        if b"".join(got) == b"to the replacement" or client.data:
            break
        await asyncio.sleep(0.01)
    assert b"".join(got) == b"to the replacement" and client.data == b""
    client.transport.loseConnection()
    await wait(server.lost)
    await wait(port.stopListening())


async def test_addresses(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    host = port.getHost()
    assert isinstance(host, IPv4Address)
    assert host.type == "TCP" and host.host == "127.0.0.1" and host.port > 0
    assert server.transport.getHost() == host
    assert client.transport.getPeer() == host
    assert server.transport.getPeer() == client.transport.getHost()
    assert sf.addrs == [server.transport.getPeer()]
    assert connector.getDestination() == IPv4Address("TCP", "127.0.0.1", host.port)
    client.transport.loseConnection()
    await wait(server.lost)
    await wait(port.stopListening())


async def test_port_known_at_once_and_cannot_listen(reactor: Any) -> None:
    port = reactor.listenTCP(0, Collect(), interface="127.0.0.1")
    number = port.getHost().port
    assert number != 0
    with pytest.raises(error.CannotListenError) as info:
        reactor.listenTCP(number, Collect(), interface="127.0.0.1")
    assert info.value.port == number
    assert isinstance(info.value.socketError, OSError)
    await wait(port.stopListening())


async def test_ipv6(reactor: Any) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    sf = Collect(Echo)
    try:
        port = reactor.listenTCP(0, sf, interface="::1")
    except error.CannotListenError:
        pytest.skip("cannot bind ::1")
    host = port.getHost()
    assert isinstance(host, IPv6Address) and host.host == "::1"
    cf = Client()
    reactor.connectTCP("::1", host.port, cf)
    client = await wait(cf.connected)
    await wait(client.made)
    assert isinstance(client.transport.getPeer(), IPv6Address)
    client.transport.loseConnection()
    await wait(client.lost)
    await wait(port.stopListening())


async def test_stop_listening_and_factory_counting(reactor: Any) -> None:
    calls: list[str] = []

    class Counted(Collect):
        def startFactory(self) -> None:
            calls.append("start")

        def stopFactory(self) -> None:
            calls.append("stop")

    f = Counted()
    p1 = reactor.listenTCP(0, f, interface="127.0.0.1")
    p2 = reactor.listenTCP(0, f, interface="127.0.0.1")
    assert calls == ["start"] and f.numPorts == 2
    await wait(p1.stopListening())
    assert calls == ["start"]
    number = p2.getHost().port
    await wait(p2.stopListening())
    assert calls == ["start", "stop"] and f.numPorts == 0
    cf = Client()
    reactor.connectTCP("127.0.0.1", number, cf)
    await wait(cf.done)
    reason = cf.reason
    assert reason.type is error.ConnectionRefusedError
    # Stopping again is harmless.
    await wait(p2.stopListening())


async def test_stop_listening_before_serving(reactor: Any) -> None:
    # Before the loop ran the port's serving task: the socket still closes.
    port = reactor.listenTCP(0, Collect(), interface="127.0.0.1")
    number = port.getHost().port
    d = port.stopListening()
    await wait(d)
    s = socket.socket()
    with pytest.raises(ConnectionRefusedError):
        s.connect(("127.0.0.1", number))
    s.close()


async def test_build_protocol_none_closes(reactor: Any) -> None:
    class Refuse(Factory):
        def buildProtocol(self, addr: Any) -> Any:
            return None

    port = reactor.listenTCP(0, Refuse(), interface="127.0.0.1")
    cf = Client()
    reactor.connectTCP("127.0.0.1", port.getHost().port, cf)
    client = await wait(cf.connected)
    assert await wait(client.lost) is error.ConnectionDone
    await wait(port.stopListening())


async def test_client_build_protocol_none(reactor: Any) -> None:
    port = reactor.listenTCP(0, Collect(), interface="127.0.0.1")

    class NoProto(Client):
        def buildProtocol(self, addr: Any) -> Any:
            self.events.append("build")
            return None

    cf = NoProto()
    reactor.connectTCP("127.0.0.1", port.getHost().port, cf)
    await wait(cf.done)
    reason = cf.reason
    assert reason.type is error.ConnectionDone
    assert cf.events == ["started", "build", ("lost", error.ConnectionDone)]
    await wait(port.stopListening())


async def test_write_rejects_str_and_write_sequence(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    with pytest.raises(TypeError):
        client.transport.write("text")
    with pytest.raises(TypeError):
        client.transport.writeSequence(["a", "b"])
    client.transport.writeSequence([b"a", b"b", b"c"])
    client.transport.loseConnection()
    await wait(server.lost)
    assert server.data == b"abc"
    # Writes after the connection is gone are ignored, as in Twisted.
    client.transport.write(b"ignored")
    await wait(port.stopListening())


async def test_lose_connection_flushes(reactor: Any) -> None:
    big = bytes(range(256)) * 8192  # 2 MiB

    class SendAndClose(Recorder):
        def connectionMade(self) -> None:
            super().connectionMade()
            self.transport.write(big)
            self.transport.loseConnection()

    port, sf, cf, connector, server, client = await connected_pair(reactor, SendAndClose)
    assert await wait(client.lost) is error.ConnectionDone
    assert client.data == big
    await wait(port.stopListening())


async def test_abort_connection(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    server.transport.write(b"x" * 100)
    server.transport.abortConnection()
    assert await wait(server.lost) is error.ConnectionAborted
    assert await wait(client.lost) is error.ConnectionLost
    await wait(port.stopListening())


async def test_peer_reset_is_connection_lost(reactor: Any) -> None:
    sf = Collect()
    port = reactor.listenTCP(0, sf, interface="127.0.0.1")
    s = socket.create_connection(("127.0.0.1", port.getHost().port))
    server = await wait(sf.next_built)
    await wait(server.made)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()  # RST
    assert await wait(server.lost) is error.ConnectionLost
    await wait(port.stopListening())


async def test_peer_half_close_not_half_closeable(reactor: Any) -> None:
    sf = Collect()
    port = reactor.listenTCP(0, sf, interface="127.0.0.1")
    s = socket.create_connection(("127.0.0.1", port.getHost().port))
    server = await wait(sf.next_built)
    s.sendall(b"bye")
    s.shutdown(socket.SHUT_WR)
    assert await wait(server.lost) is error.ConnectionDone
    assert server.data == b"bye"
    s.close()
    await wait(port.stopListening())


@implementer(IHalfCloseableProtocol)
class HalfCloser(Recorder):
    def readConnectionLost(self) -> None:
        self.events.append("readLost")
        self.transport.write(b"reply:" + self.data)
        self.transport.loseWriteConnection()

    def writeConnectionLost(self) -> None:
        self.events.append("writeLost")
        self.transport.loseConnection()


async def test_half_close(reactor: Any) -> None:
    assert IHalfCloseableProtocol.providedBy(HalfCloser())
    sf = Collect(HalfCloser)
    port = reactor.listenTCP(0, sf, interface="127.0.0.1")
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
    writer.write(b"question")
    writer.write_eof()
    got = await asyncio.wait_for(reader.read(), TIMEOUT)  # until EOF
    assert got == b"reply:question"
    server = sf.built[0]
    assert await wait(server.lost) is error.ConnectionDone
    assert server.events == ["made", "data", "readLost", "writeLost", ("lost", error.ConnectionDone)]
    writer.close()
    del loop
    await wait(port.stopListening())


async def test_half_close_with_buffered_data(reactor: Any) -> None:
    big = b"z" * (4 * 1024 * 1024)

    @implementer(IHalfCloseableProtocol)
    class BigHalf(Recorder):
        def connectionMade(self) -> None:
            super().connectionMade()
            self.transport.write(big)
            self.transport.loseWriteConnection()
            self.transport.write(b"dropped")  # ignored once the write side is closed

        def readConnectionLost(self) -> None:
            self.events.append("readLost")
            self.transport.loseConnection()

        def writeConnectionLost(self) -> None:
            self.events.append("writeLost")

    port, sf, cf, connector, server, client = await connected_pair(reactor, BigHalf, Recorder)
    # The client gets all data then EOF: it is not half-closeable, so it closes.
    assert await wait(client.lost) is error.ConnectionDone
    assert client.data == big
    assert await wait(server.lost) is error.ConnectionDone
    assert server.events[:2] == ["made", "writeLost"]
    await wait(port.stopListening())


async def test_exception_in_data_received(reactor: Any) -> None:
    class Boom(Recorder):
        def dataReceived(self, data: bytes) -> None:
            raise ZeroDivisionError("boom")

    port, sf, cf, connector, server, client = await connected_pair(reactor, Boom)
    client.transport.write(b"x")
    assert await wait(server.lost) is ZeroDivisionError
    assert await wait(client.lost) is error.ConnectionDone
    await wait(port.stopListening())


async def test_exception_in_connection_made_keeps_connection(reactor: Any) -> None:
    class Boom(Echo):
        def connectionMade(self) -> None:
            super().connectionMade()
            raise ZeroDivisionError("boom")

    port, sf, cf, connector, server, client = await connected_pair(reactor, Boom)
    client.transport.write(b"ping")
    for _ in range(1000):
        if client.data == b"ping":
            break
        await asyncio.sleep(0)
    assert client.data == b"ping"
    client.transport.loseConnection()
    await wait(server.lost)
    await wait(port.stopListening())


class StreamingProducer:
    """Writes 64 KiB chunks whenever resumed, until ``limit`` bytes."""

    def __init__(self, transport: Any, limit: int) -> None:
        self.transport = transport
        self.limit = limit
        self.sent = 0
        self.paused = False
        self.events: list[str] = []
        self.stopped = False

    def produce(self) -> None:
        while not self.paused and self.sent < self.limit:
            chunk = b"p" * 65536
            self.sent += len(chunk)
            self.transport.write(chunk)
        if self.sent >= self.limit and not self.stopped:
            self.stopped = True
            self.transport.unregisterProducer()
            self.transport.loseConnection()

    def pauseProducing(self) -> None:
        self.events.append("pause")
        self.paused = True

    def resumeProducing(self) -> None:
        self.events.append("resume")
        self.paused = False
        self.produce()

    def stopProducing(self) -> None:
        self.events.append("stop")


async def test_streaming_producer_paused_and_resumed(reactor: Any) -> None:
    limit = 8 * 1024 * 1024
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    # The client stops reading, so the server's buffer fills and its producer is paused.
    client.transport.pauseProducing()
    producer = StreamingProducer(server.transport, limit)
    server.transport.registerProducer(producer, True)
    with pytest.raises(RuntimeError):
        server.transport.registerProducer(producer, True)
    producer.produce()
    assert producer.paused and producer.sent < limit
    client.transport.resumeProducing()
    assert await wait(client.lost) is error.ConnectionDone
    assert len(client.data) == limit
    assert producer.events[0] == "pause" and "resume" in producer.events
    await wait(port.stopListening())


async def test_streaming_producer_stopped_on_connection_lost(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    producer = StreamingProducer(server.transport, 0)
    server.transport.registerProducer(producer, True)
    client.transport.loseConnection()
    await wait(server.lost)
    assert producer.events == ["stop"]
    # Registering on a closed transport stops the producer at once.
    other = StreamingProducer(server.transport, 0)
    server.transport.registerProducer(other, True)
    assert other.events == ["stop"]
    await wait(port.stopListening())


async def test_pull_producer(reactor: Any) -> None:
    chunks = 50

    class Pull:
        def __init__(self, transport: Any) -> None:
            self.transport = transport
            self.count = 0

        def resumeProducing(self) -> None:
            self.count += 1
            self.transport.write(b"%05d" % self.count)
            if self.count == chunks:
                self.transport.unregisterProducer()

        def stopProducing(self) -> None:
            pass

    port, sf, cf, connector, server, client = await connected_pair(reactor)
    pull = Pull(server.transport)
    server.transport.registerProducer(pull, False)
    # loseConnection waits for the pull producer to unregister.
    server.transport.loseConnection()
    assert await wait(client.lost) is error.ConnectionDone
    assert client.data == b"".join(b"%05d" % i for i in range(1, chunks + 1))
    await wait(port.stopListening())


async def test_tcp_options(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    t = server.transport
    t.setTcpNoDelay(False)
    assert t.getTcpNoDelay() is False
    t.setTcpNoDelay(True)
    assert t.getTcpNoDelay() is True
    t.setTcpKeepAlive(True)
    assert t.getTcpKeepAlive() is True
    t.setTcpKeepAlive(False)
    assert t.getTcpKeepAlive() is False
    assert t.fileno() > 0
    client.transport.loseConnection()
    await wait(server.lost)
    await wait(port.stopListening())


async def test_connect_refused(reactor: Any) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    number = s.getsockname()[1]
    s.close()
    started: list[int] = []

    class Counted(Client):
        def startFactory(self) -> None:
            started.append(1)

        def stopFactory(self) -> None:
            started.append(-1)

    cf = Counted()
    connector = reactor.connectTCP("127.0.0.1", number, cf)
    assert connector.state == "connecting"
    await wait(cf.done)
    reason = cf.reason
    assert reason.type is error.ConnectionRefusedError
    assert reason.value.osError == errno.ECONNREFUSED
    assert cf.events == ["started", ("failed", error.ConnectionRefusedError)]
    assert started == [1, -1]
    assert connector.state == "disconnected"


async def test_connect_dns_failure(reactor: Any) -> None:
    cf = Client()
    reactor.connectTCP("nonexistent.invalid", 80, cf)
    await wait(cf.done)
    reason = cf.reason
    assert reason.type is error.DNSLookupError


async def test_connect_timeout(reactor: Any) -> None:
    # A listener whose accept queue is full drops further SYNs: connecting hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = []
    for _ in range(4):
        f = socket.socket()
        f.setblocking(False)
        f.connect_ex(address)
        fillers.append(f)
    try:
        cf = Client()
        reactor.connectTCP("127.0.0.1", address[1], cf, timeout=0.2)
        await wait(cf.done)
        reason = cf.reason
        if reason.type is not error.TimeoutError:
            pytest.skip(f"kernel did not drop the SYN ({reason.type.__name__})")
        assert cf.events == ["started", ("failed", error.TimeoutError)]
    finally:
        for f in fillers:
            f.close()
        listener.close()


async def test_stop_connecting_and_reconnect(reactor: Any) -> None:
    sf = Collect(Echo)
    port = reactor.listenTCP(0, sf, interface="127.0.0.1")
    cf = Client()
    connector = reactor.connectTCP("127.0.0.1", port.getHost().port, cf)
    connector.stopConnecting()
    await wait(cf.done)
    reason = cf.reason
    assert reason.type is error.UserError
    with pytest.raises(error.NotConnectingError):
        connector.stopConnecting()
    assert connector.state == "disconnected"
    # The same connector connects again.
    cf.done = Deferred()
    connector.connect()
    with pytest.raises(RuntimeError):
        connector.connect()
    client = await wait(cf.connected)
    await wait(client.made)
    assert connector.state == "connected"
    connector.disconnect()
    await wait(cf.done)
    reason = cf.reason
    assert reason.type is error.ConnectionDone
    assert cf.events == ["started", ("failed", error.UserError), "started", ("lost", error.ConnectionDone)]
    await wait(port.stopListening())


async def test_stop_connecting_in_started_connecting(reactor: Any) -> None:
    class Impatient(Client):
        def startedConnecting(self, connector: Any) -> None:
            super().startedConnecting(connector)
            connector.stopConnecting()

    port = reactor.listenTCP(0, Collect(), interface="127.0.0.1")
    cf = Impatient()
    reactor.connectTCP("127.0.0.1", port.getHost().port, cf)
    assert cf.events == ["started", ("failed", error.UserError)]
    # Give a would-be connection time to show up: none must reach the factory.
    for _ in range(20):
        await asyncio.sleep(0)
    assert cf.built == []
    await wait(port.stopListening())


async def test_bind_address(reactor: Any) -> None:
    sf = Collect()
    port = reactor.listenTCP(0, sf, interface="127.0.0.1")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    local = s.getsockname()
    s.close()
    cf = Client()
    reactor.connectTCP("127.0.0.1", port.getHost().port, cf, bindAddress=local)
    client = await wait(cf.connected)
    await wait(client.made)
    assert client.transport.getHost().port == local[1]
    client.transport.loseConnection()
    await wait(client.lost)
    await wait(port.stopListening())


async def test_switch_protocol(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    other = Recorder()
    server.transport.protocol = other
    client.transport.write(b"to the other one")
    for _ in range(1000):
        if other.data:
            break
        await asyncio.sleep(0)
    assert other.data == b"to the other one" and server.data == b""
    client.transport.loseConnection()
    await wait(other.lost)
    await wait(port.stopListening())


# --------------------------------------------------------------- the examples

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


def test_example_echo_server_with_plain_socket() -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "echo_server.py"), "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(EXAMPLES.parent),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        number = int(line.rsplit(" ", 1)[1])
        with socket.create_connection(("127.0.0.1", number), timeout=TIMEOUT) as s:
            for message in (b"hello", b"x" * 100_000):
                s.sendall(message)
                got = b""
                while len(got) < len(message):
                    chunk = s.recv(65536)
                    assert chunk
                    got += chunk
                assert got == message
        client = subprocess.run(
            [sys.executable, str(EXAMPLES / "echo_client.py"), "127.0.0.1", str(number)],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert "Server said: hello, world!" in client.stdout
        assert "Connection lost: Connection was closed cleanly." in client.stdout
    finally:
        proc.terminate()  # SIGTERM: the reactor stops cleanly
        assert proc.wait(timeout=10) == 0, proc.stderr.read() if proc.stderr else ""


async def test_a_refused_client_connection_leaves_no_socket_holding_its_descriptor(
    reactor: Any,
) -> None:
    """A client factory refusing the connection (``buildProtocol`` gives None) closes it
    at once; the socket object twistio made for it must not keep the descriptor number
    (uvloop closes the descriptor without detaching the object, which, once collected,
    would close that number again: by then another connection's)."""

    class Refusing(Client):
        def startedConnecting(self, connector: Any) -> None:
            super().startedConnecting(connector)
            self.attempt = connector.transport

        def buildProtocol(self, addr: Any) -> Any:
            return None

    port = reactor.listenTCP(0, Collect(), interface="127.0.0.1")
    cf = Refusing()
    reactor.connectTCP("127.0.0.1", port.getHost().port, cf)
    await wait(cf.done)
    for _ in range(100):
        if cf.attempt.pending_socket.fileno() == -1:
            break
        await asyncio.sleep(0.001)
    assert cf.attempt.pending_socket.fileno() == -1
    await wait(port.stopListening())
