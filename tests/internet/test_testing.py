"""Tests for twistio.internet.testing: the transport and reactor fakes.

Where the fakes have observable state, the same steps run on Twisted's fakes and ours.
"""

from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any, Callable

import pytest
import twisted.internet.protocol as tw_protocol
import twisted.internet.testing as tw_testing

import twistio.internet.protocol as tio_protocol
import twistio.internet.testing as tio_testing
from twistio.internet import error
from twistio.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twistio.internet.defer import Deferred
from twistio.internet.protocol import ClientFactory, Factory, Protocol
from twistio.internet.task import Clock, LoopingCall
from twistio.internet.testing import (
    AccumulatingProtocol,
    MemoryReactor,
    MemoryReactorClock,
    NonStreamingProducer,
    RaisingMemoryReactor,
    StringIOWithoutClosing,
    StringTransport,
    StringTransportWithDisconnection,
    waitUntilAllDisconnected,
)
from twistio.python.failure import Failure

TWISTED = SimpleNamespace(testing=tw_testing, protocol=tw_protocol)
TWISTIO = SimpleNamespace(testing=tio_testing, protocol=tio_protocol)


def differential(scenario: Callable[[SimpleNamespace], Any]) -> Any:
    expected = scenario(TWISTED)
    actual = scenario(TWISTIO)
    assert actual == expected
    return actual


def addr(a: Any) -> tuple[Any, ...]:
    """An address as plain data, comparable across Twisted and twistio."""
    if hasattr(a, "host"):
        return (type(a).__name__, a.type, a.host, a.port)
    name = a.name.decode() if isinstance(a.name, bytes) else a.name  # Twisted keeps bytes
    return (type(a).__name__, name)


# ---------------------------------------------------------------- StringTransport


def test_string_transport_records_writes() -> None:
    t = StringTransport()
    t.write(b"abc")
    t.writeSequence([b"d", b"ef"])
    t.write(bytearray(b"g"))
    assert t.value() == b"abcdefg"
    t.clear()
    assert t.value() == b""
    t.write(b"h")
    assert t.value() == b"h"


def test_string_transport_rejects_text() -> None:
    t = StringTransport()
    with pytest.raises(TypeError):
        t.write("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        t.writeSequence(["text"])  # type: ignore[list-item]
    assert t.value() == b""


def test_string_transport_connection_state() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        t = impl.testing.StringTransport()
        out = [t.connected, t.disconnecting, t.disconnected]
        t.loseConnection()
        out += [t.connected, t.disconnecting, t.disconnected]
        t2 = impl.testing.StringTransport()
        t2.abortConnection()
        out += [t2.connected, t2.disconnecting, t2.disconnected]
        return out

    assert differential(scenario) == [True, False, False, True, True, False, True, True, True]


def test_string_transport_addresses() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        t = impl.testing.StringTransport()
        return [addr(t.getHost()), addr(t.getPeer())]

    assert differential(scenario) == [
        ("IPv4Address", "TCP", "10.0.0.1", 12345),
        ("IPv4Address", "TCP", "192.168.1.1", 54321),
    ]
    host = IPv6Address("TCP", "::1", 80)
    peer = IPv4Address("TCP", "127.0.0.1", 9)
    t = StringTransport(hostAddress=host, peerAddress=peer)
    assert t.getHost() is host and t.getPeer() is peer
    assert t.hostAddr is host and t.peerAddr is peer


def test_string_transport_as_consumer() -> None:
    t = StringTransport()
    producer = object()
    t.registerProducer(producer, True)
    assert t.producer is producer and t.streaming is True
    with pytest.raises(RuntimeError):
        t.registerProducer(object(), False)
    t.unregisterProducer()
    assert t.producer is None and t.streaming is None
    with pytest.raises(RuntimeError):
        t.unregisterProducer()


def producer_steps(impl: SimpleNamespace, lenient: bool, steps: list[str]) -> list[Any]:
    t = impl.testing.StringTransport(lenient=lenient)
    out: list[Any] = [t.producerState]
    for step in steps:
        try:
            getattr(t, step)()
        except RuntimeError as e:
            out.append(("RuntimeError", str(e)))
        out.append(t.producerState)
    return out


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize(
    "steps",
    [
        ["pauseProducing", "resumeProducing", "stopProducing", "resumeProducing", "pauseProducing"],
        ["loseConnection", "pauseProducing", "resumeProducing", "stopProducing"],
        ["pauseProducing", "loseConnection", "resumeProducing"],
    ],
)
def test_string_transport_as_producer_matches_twisted(lenient: bool, steps: list[str]) -> None:
    differential(lambda impl: producer_steps(impl, lenient, steps))


def test_string_transport_with_disconnection_tells_protocol_once() -> None:
    p = AccumulatingProtocol()
    t = StringTransportWithDisconnection()
    t.protocol = p
    p.makeConnection(t)
    t.loseConnection()
    t.loseConnection()
    assert p.closed == 1 and not t.connected
    assert p.closedReason is not None
    assert p.closedReason.check(error.ConnectionDone)


def test_string_io_without_closing() -> None:
    f = StringIOWithoutClosing()
    f.write(b"kept")
    f.close()
    assert f.getvalue() == b"kept"


def test_echo_protocol_over_string_transport() -> None:
    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)
            if data == b"bye":
                self.transport.loseConnection()

    proto = Factory.forProtocol(Echo).buildProtocol(IPv4Address("TCP", "1.2.3.4", 5))
    assert proto is not None
    t = StringTransport()
    proto.makeConnection(t)
    proto.dataReceived(b"hello")
    assert t.value() == b"hello"
    proto.dataReceived(b"bye")
    assert t.value() == b"hellobye"
    assert t.disconnecting


# ------------------------------------------------------------------ MemoryReactor


def reactor_scenario(impl: SimpleNamespace) -> list[Any]:
    r = impl.testing.MemoryReactor()
    out: list[Any] = []

    class F(impl.protocol.ClientFactory):  # type: ignore[name-defined, misc]
        def startedConnecting(self, connector: Any) -> None:
            out.append(("startedConnecting", addr(connector.getDestination())))

    f = F()
    p1 = r.listenTCP(8080, f)
    p2 = r.listenTCP(0, f, backlog=5, interface="::1")
    p3 = r.listenTCP(1, f, interface="127.0.0.1")
    out.append([addr(p.getHost()) for p in (p1, p2, p3)])
    out.append([(port, fac is f, backlog, iface) for port, fac, backlog, iface in r.tcpServers])
    c1 = r.connectTCP("example.com", 80, f)
    c2 = r.connectTCP("fe80::1%lo", 443, f, timeout=5, bindAddress=("0.0.0.0", 0))
    out.append([(h, p, fac is f, t, b) for h, p, fac, t, b in r.tcpClients])
    out.append(r.connectors == [c1, c2])
    c1.stopConnecting()
    c1.disconnect()
    c1.connect()
    out.append((c1.stoppedConnecting, c2.stoppedConnecting, c1._disconnected))
    s = r.listenSSL(443, f, "ctx")
    r.connectSSL("h", 1, f, "ctx")
    out.append(
        (addr(s.getHost()), [x[2:] for x in r.sslServers], [x[:2] + x[3:] for x in r.sslClients])
    )
    u = r.listenUNIX("/tmp/sock", f)
    r.connectUNIX("/tmp/sock", f)
    out.append(
        (
            addr(u.getHost()),
            [x[:1] + x[2:] for x in r.unixServers],
            [x[:1] + x[2:] for x in r.unixClients],
        )
    )
    a = r.adoptStreamPort(3, socket.AF_INET6, f)
    b = r.adoptDatagramPort(4, socket.AF_INET, f)
    r.adoptStreamConnection(5, socket.AF_INET, f)
    out.append(
        (addr(a.getHost()), addr(b.getHost()), len(r.adoptedPorts), len(r.adoptedStreamConnections))
    )
    try:
        r.adoptStreamPort(3, socket.AF_UNIX, f)
    except Exception as e:
        out.append(type(e).__name__)
    p1.startListening()
    p1.stopListening()
    return out


def test_memory_reactor_records_like_twisted() -> None:
    out = differential(reactor_scenario)
    assert ("startedConnecting", ("IPv4Address", "TCP", "example.com", 80)) in out
    assert out[0][1] == ("IPv6Address", "TCP", "::1", 0)


def test_memory_reactor_connect_gives_a_testable_protocol() -> None:
    class Greeter(Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"hello")

    r = MemoryReactor()
    r.connectTCP("server", 25, ClientFactory.forProtocol(Greeter))
    host, port, factory, timeout, bind = r.tcpClients[0]
    assert (host, port, timeout, bind) == ("server", 25, 30, None)
    proto = factory.buildProtocol(None)
    t = StringTransport()
    proto.makeConnection(t)
    assert t.value() == b"hello"


def test_memory_reactor_lifecycle_matches_twisted() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        r = impl.testing.MemoryReactor()
        out: list[Any] = []
        r.callWhenRunning(out.append, "hook")
        r.addSystemEventTrigger("before", "shutdown", out.append, "never")
        out.append((r.running, r.hasRun, r.hasStopped, r.hasCrashed, r.hasInstalled))
        r.install()
        r.run()
        out.append((r.running, r.hasRun, r.hasStopped, r.hasCrashed, r.hasInstalled))
        r.callWhenRunning(out.append, "immediately")
        r.crash()
        out.append((r.running, r.hasCrashed))
        trig = r.triggers["before"]["shutdown"]
        out.append([(fn is out.append, args, kw) for fn, args, kw in trig])
        for name, args in [
            ("resolve", ("x",)),
            ("iterate", ()),
            ("fireSystemEvent", ("x",)),
            ("removeSystemEventTrigger", (1,)),
        ]:
            try:
                getattr(r, name)(*args)
            except NotImplementedError:
                out.append(name)
        return out

    differential(scenario)


def test_memory_reactor_fd_sets() -> None:
    r = MemoryReactor()
    r.addReader("a")
    r.addWriter("b")
    r.addWriter("a")
    assert sorted(r.getReaders()) == ["a"] and sorted(r.getWriters()) == ["a", "b"]
    r.removeReader("a")
    r.removeReader("missing")
    assert r.getReaders() == []
    assert sorted(r.removeAll()) == ["a", "b"]
    assert r.getWriters() == []


def test_memory_reactor_clock_is_a_clock() -> None:
    r = MemoryReactorClock()
    seen: list[float] = []
    r.callLater(2, lambda: seen.append(r.seconds()))
    r.advance(2)
    assert seen == [2]
    assert r.tcpServers == [] and r.getDelayedCalls() == []
    assert isinstance(r, Clock) and isinstance(r, MemoryReactor)


def test_raising_memory_reactor() -> None:
    listen_err = error.CannotListenError("", 80, OSError("in use"))
    connect_err = error.ConnectionRefusedError()
    r = RaisingMemoryReactor(listen_err, connect_err)
    f = Factory()
    for call in (
        lambda: r.listenTCP(80, f),
        lambda: r.listenSSL(1, f, None),
        lambda: r.listenUNIX("x", f),
        lambda: r.adoptStreamPort(1, 2, f),
    ):
        with pytest.raises(error.CannotListenError):
            call()
    for call in (
        lambda: r.connectTCP("h", 1, f),
        lambda: r.connectSSL("h", 1, f, None),
        lambda: r.connectUNIX("x", f),
        lambda: r.adoptStreamConnection(1, 2, f),
        lambda: r.adoptDatagramPort(1, 2, f, 10),
    ):
        with pytest.raises(error.ConnectionRefusedError):
            call()


# ------------------------------------------------------------------- protocols


def test_accumulating_protocol() -> None:
    factory = Factory.forProtocol(AccumulatingProtocol)
    made: Deferred[AccumulatingProtocol] = Deferred()
    factory.protocolConnectionMade = made  # type: ignore[attr-defined]
    p = factory.buildProtocol(None)
    assert isinstance(p, AccumulatingProtocol)
    closed: Deferred[None] = Deferred()
    p.closedDeferred = closed
    assert (p.made, p.closed, p.data) == (0, 0, b"")
    p.makeConnection(StringTransport())
    assert p.made == 1
    got: list[Any] = []
    made.addCallback(got.append)
    assert got == [p]
    assert factory.protocolConnectionMade is None  # type: ignore[attr-defined]
    p.dataReceived(b"ab")
    p.dataReceived(b"c")
    assert p.data == b"abc"
    reason = Failure(error.ConnectionLost())
    p.connectionLost(reason)
    assert p.closed == 1 and p.closedReason is reason
    closed.addCallback(got.append)
    assert got == [p, None]
    assert p.closedDeferred is None


def test_accumulating_protocol_without_factory_hooks() -> None:
    p = AccumulatingProtocol()
    p.makeConnection(StringTransport())
    p.factory = Factory()
    p.connectionMade()
    assert p.made == 1


def test_non_streaming_producer_writes_ten_digits() -> None:
    t = StringTransport()
    producer = NonStreamingProducer(t)
    t.registerProducer(producer, False)
    done = producer.result
    fired: list[Any] = []
    done.addCallback(fired.append)
    while t.producer is not None:
        t.producer.resumeProducing()
    assert t.value() == b"0123456789"
    assert fired == [None]
    with pytest.raises(RuntimeError):
        producer.resumeProducing()
    with pytest.raises(RuntimeError):
        producer.pauseProducing()


def test_non_streaming_producer_stop() -> None:
    producer = NonStreamingProducer(StringTransport())
    fired: list[Any] = []
    producer.result.addCallback(fired.append)
    producer.stopProducing()
    assert producer.stopped and fired == [None]


def test_wait_until_all_disconnected() -> None:
    clock = Clock()
    protos = []
    for _ in range(2):
        p = AccumulatingProtocol()
        t = StringTransportWithDisconnection()
        t.protocol = p
        p.makeConnection(t)
        protos.append(p)
    d = waitUntilAllDisconnected(clock, protos)
    fired: list[Any] = []
    d.addCallback(fired.append)
    protos[0].transport.loseConnection()
    clock.advance(0.01)
    assert fired == []
    protos[1].transport.loseConnection()
    clock.advance(0.01)
    assert len(fired) == 1 and isinstance(fired[0], LoopingCall)
    assert clock.getDelayedCalls() == []


def test_twisted_names_present() -> None:
    for name in (
        "StringTransport",
        "StringTransportWithDisconnection",
        "MemoryReactor",
        "MemoryReactorClock",
        "RaisingMemoryReactor",
        "AccumulatingProtocol",
        "NonStreamingProducer",
        "StringIOWithoutClosing",
        "waitUntilAllDisconnected",
    ):
        assert hasattr(tw_testing, name) and hasattr(tio_testing, name), name
    assert UNIXAddress("x") == UNIXAddress("x")


def test_proto_helpers_names_warn_and_point_to_internet_testing() -> None:
    import warnings

    from twistio.internet import testing
    from twistio.test import proto_helpers

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = proto_helpers.StringTransport
    assert got is testing.StringTransport
    [warning] = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert "19.7.0" in str(warning.message)
    assert "internet.testing.StringTransport" in str(warning.message)
