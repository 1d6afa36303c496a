"""twistio.protocols.policies, with timings compared against Twisted's on a task.Clock."""

from __future__ import annotations

from typing import Any

import pytest
from twisted.internet import protocol as tprotocol
from twisted.internet import task as ttask
from twisted.internet import testing as ttesting
from twisted.protocols import policies as tpolicies

from twistio.internet import protocol, task, testing
from twistio.internet.address import IPv4Address
from twistio.protocols import policies

# Each "world" is a module set: Twisted's or twistio's, driven by the same test code.
WORLDS = {
    "twistio": (policies, protocol, task, testing),
    "twisted": (tpolicies, tprotocol, ttask, ttesting),
}


def _worlds() -> Any:
    return pytest.mark.parametrize("world", list(WORLDS))


class _Recorder:
    """A plain protocol recording what happens to it (works under either world)."""

    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.made = 0
        self.lost: list[Any] = []
        self.transport: Any = None

    def makeConnection(self, transport: Any) -> None:
        self.transport = transport
        self.made += 1

    def dataReceived(self, data: bytes) -> None:
        self.data.append(data)

    def connectionLost(self, reason: Any) -> None:
        self.lost.append(reason)


class _RecorderFactory:
    def __init__(self) -> None:
        self.built: list[_Recorder] = []
        self.started = self.stopped = 0

    def doStart(self) -> None:
        self.started += 1

    def doStop(self) -> None:
        self.stopped += 1

    def buildProtocol(self, addr: Any) -> _Recorder:
        p = _Recorder()
        self.built.append(p)
        return p


# -- TimeoutMixin ------------------------------------------------------------------------


def _timeout_proto(world: str) -> tuple[Any, Any]:
    pol, proto_mod, task_mod, testing_mod = WORLDS[world]
    clock = task_mod.Clock()

    class P(proto_mod.Protocol, pol.TimeoutMixin):
        timedOut = 0

        def timeoutConnection(self) -> None:
            self.timedOut += 1
            pol.TimeoutMixin.timeoutConnection(self)

    p = P()
    p.callLater = clock.callLater
    p.makeConnection(testing_mod.StringTransport())
    return p, clock


@_worlds()
def test_timeout_mixin_schedule(world: str) -> None:
    p, clock = _timeout_proto(world)
    assert p.setTimeout(5) is None
    clock.advance(4)
    assert p.timedOut == 0
    p.resetTimeout()
    clock.advance(4)
    assert p.timedOut == 0
    clock.advance(1)
    assert p.timedOut == 1
    assert p.transport.disconnecting


def _trace_timeouts(world: str) -> list[Any]:
    p, clock = _timeout_proto(world)
    trace: list[Any] = []
    trace.append(p.setTimeout(3))
    clock.advance(2)
    trace.append(p.setTimeout(10))  # changes the running timer: 10 s from now
    clock.advance(9)
    trace.append(p.timedOut)
    trace.append(p.setTimeout(None))
    clock.advance(100)
    trace.append(p.timedOut)
    trace.append(len(clock.getDelayedCalls()))
    trace.append(p.setTimeout(1))
    p.resetTimeout()
    clock.advance(1)
    trace.append(p.timedOut)
    p.resetTimeout()  # after expiry: no timer, nothing happens
    trace.append(p.setTimeout(2))
    clock.advance(2)
    trace.append(p.timedOut)
    return trace


def test_timeout_mixin_like_twisted() -> None:
    assert _trace_timeouts("twistio") == _trace_timeouts("twisted")


def test_timeout_mixin_clock_attribute() -> None:
    clock = task.Clock()

    class P(protocol.Protocol, policies.TimeoutMixin):
        pass

    p = P()
    p.clock = clock
    p.makeConnection(testing.StringTransport())
    p.setTimeout(1)
    clock.advance(1)
    assert p.transport.disconnecting


# -- WrappingFactory / ProtocolWrapper ---------------------------------------------------


def test_wrapping_factory_passes_everything_through() -> None:
    inner = _RecorderFactory()
    factory = policies.WrappingFactory(inner)
    factory.doStart()
    assert inner.started == 1
    wrapper = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))
    transport = testing.StringTransport()
    wrapper.makeConnection(transport)
    (p,) = inner.built
    assert p.transport is wrapper
    assert factory.protocols == {wrapper: 1}
    wrapper.dataReceived(b"in")
    assert p.data == [b"in"]
    p.transport.write(b"out")
    p.transport.writeSequence([b"1", b"2"])
    assert transport.value() == b"out12"
    assert p.transport.getPeer() == transport.getPeer()
    assert p.transport.getHost() == transport.getHost()
    # Unknown attributes come from the real transport.
    assert p.transport.producerState == "producing"
    p.transport.loseConnection()
    assert wrapper.disconnecting and transport.disconnecting
    wrapper.connectionLost(protocol.connectionDone)
    assert p.lost and factory.protocols == {}
    assert wrapper.wrappedProtocol is None
    factory.doStop()
    assert inner.stopped == 1


def test_wrapper_log_prefix_like_twisted() -> None:
    class Named(protocol.Protocol):
        def logPrefix(self) -> str:
            return "Named!"

    class TNamed(tprotocol.Protocol):
        def logPrefix(self) -> str:
            return "Named!"

    ours = policies.ProtocolWrapper(policies.WrappingFactory(protocol.Factory()), Named())
    theirs = tpolicies.ProtocolWrapper(tpolicies.WrappingFactory(tprotocol.Factory()), TNamed())
    assert ours.logPrefix() == theirs.logPrefix()


def test_wrapper_provides_transport_interfaces() -> None:
    from twistio.internet.interfaces import ITransport, implementer

    @implementer(ITransport)
    class T(testing.StringTransport):
        pass

    wrapper = policies.WrappingFactory(_RecorderFactory()).buildProtocol(None)
    wrapper.makeConnection(T())
    assert ITransport.providedBy(wrapper)


# -- TimeoutFactory ----------------------------------------------------------------------


def _timeout_factory_trace(world: str) -> list[Any]:
    pol, proto_mod, task_mod, testing_mod = WORLDS[world]
    clock = task_mod.Clock()
    inner = _RecorderFactory()
    factory = pol.TimeoutFactory(inner, timeoutPeriod=3)
    factory.callLater = clock.callLater
    p = factory.buildProtocol(None)
    transport = testing_mod.StringTransport()
    p.makeConnection(transport)
    trace: list[Any] = []
    clock.advance(2)
    p.dataReceived(b"x")
    clock.advance(2)
    p.write(b"y")
    clock.advance(2.5)
    trace.append(transport.disconnecting)
    clock.advance(0.5)
    trace.append(transport.disconnecting)
    p.connectionLost(None)
    trace.append(len(clock.getDelayedCalls()))
    trace.append(inner.built[0].data)
    return trace


def test_timeout_factory_like_twisted() -> None:
    assert _timeout_factory_trace("twistio") == _timeout_factory_trace("twisted") == [
        False,
        True,
        0,
        [b"x"],
    ]


def test_timeout_protocol_cancel_on_loss() -> None:
    clock = task.Clock()
    factory = policies.TimeoutFactory(_RecorderFactory(), 5)
    factory.clock = clock
    p = factory.buildProtocol(None)
    p.makeConnection(testing.StringTransport())
    assert len(clock.getDelayedCalls()) == 1
    p.setTimeout(None)
    assert clock.getDelayedCalls() == []
    p.setTimeout(1)
    p.connectionLost(protocol.connectionDone)
    assert clock.getDelayedCalls() == []


# -- ThrottlingFactory -------------------------------------------------------------------


def _throttle_trace(world: str) -> list[Any]:
    pol, proto_mod, task_mod, testing_mod = WORLDS[world]
    clock = task_mod.Clock()
    factory = pol.ThrottlingFactory(
        _RecorderFactory(), maxConnectionCount=2, readLimit=10, writeLimit=20
    )
    factory.callLater = clock.callLater
    trace: list[Any] = []
    a = factory.buildProtocol(None)
    b = factory.buildProtocol(None)
    trace.append(factory.buildProtocol(None))
    ta, tb = testing_mod.StringTransport(), testing_mod.StringTransport()
    a.makeConnection(ta)
    b.makeConnection(tb)

    class Producer:
        state = "running"

        def pauseProducing(self) -> None:
            self.state = "paused"

        def resumeProducing(self) -> None:
            self.state = "running"

        def stopProducing(self) -> None:
            self.state = "stopped"

    producer = Producer()
    a.registerProducer(producer, True)
    # (Twisted's wrapper finds the transport's ``producer`` attribute, None here, if none
    # was registered, and fails; twistio only looks at a producer registered with it.)
    b.registerProducer(Producer(), True)
    a.dataReceived(b"x" * 15)
    b.write(b"y" * 30)
    trace.append((factory.readThisSecond, factory.writtenThisSecond))
    clock.advance(1)  # 15 > 10: reads paused for 0.5 s; 30 > 20: writes paused for 0.5 s
    trace.append((ta.producerState, tb.producerState, producer.state))
    clock.advance(0.5)
    trace.append((ta.producerState, tb.producerState, producer.state))
    b.writeSequence([b"z" * 5, b"z" * 5])
    trace.append(factory.writtenThisSecond)
    clock.advance(0.5)
    trace.append((ta.producerState, producer.state, factory.writtenThisSecond))
    a.connectionLost(None)
    trace.append((factory.connectionCount, len(clock.getDelayedCalls())))
    b.connectionLost(None)
    trace.append((factory.connectionCount, len(clock.getDelayedCalls())))
    trace.append(factory.buildProtocol(None) is not None)
    return trace


def test_throttling_like_twisted() -> None:
    ours = _throttle_trace("twistio")
    assert ours == _throttle_trace("twisted")
    assert ours[2] == ("paused", "paused", "paused")
    assert ours[3] == ("producing", "producing", "running")


def test_throttling_clock_attribute_and_logs() -> None:
    from twistio.logger import LogPublisher, formatEvent
    from twistio.protocols import policies as pol

    events: list[dict[str, Any]] = []
    old = pol._log
    pol._log = type(old)(namespace="x", observer=LogPublisher(events.append))
    try:
        clock = task.Clock()
        factory = policies.ThrottlingFactory(_RecorderFactory(), maxConnectionCount=1, readLimit=1)
        factory.clock = clock
        p = factory.buildProtocol(None)
        assert factory.buildProtocol(None) is None
        p.makeConnection(testing.StringTransport())
        p.dataReceived(b"abc")
        clock.advance(1)
        clock.advance(2)
        p.connectionLost(protocol.connectionDone)
        assert clock.getDelayedCalls() == []
    finally:
        pol._log = old
    assert [formatEvent(e).split(" on ")[0] for e in events] == [
        "Max connection count reached!",
        "Throttling reads",
        "Stopped throttling reads",
    ]


# -- connection limits -------------------------------------------------------------------


def test_limit_connections_by_peer() -> None:
    factory = policies.LimitConnectionsByPeer(_RecorderFactory())
    factory.maxConnectionsPerPeer = 2
    factory.startFactory()
    addr = IPv4Address("TCP", "10.0.0.1", 1000)
    other = IPv4Address("TCP", "10.0.0.2", 1000)
    protos = [factory.buildProtocol(addr) for _ in range(3)]
    assert protos[2] is None
    assert factory.buildProtocol(other) is not None
    transport = testing.StringTransport(peerAddress=addr)
    protos[0].makeConnection(transport)
    protos[0].connectionLost(protocol.connectionDone)
    assert factory.peerConnections == {"10.0.0.1": 1, "10.0.0.2": 1}
    assert factory.buildProtocol(addr) is not None
    assert factory.buildProtocol(addr) is None


def test_limit_total_connections() -> None:
    class Busy(protocol.Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"busy")
            self.transport.loseConnection()

    factory = policies.LimitTotalConnectionsFactory()
    factory.protocol = protocol.Protocol
    factory.connectionLimit = 1
    first = factory.buildProtocol(None)
    first.makeConnection(testing.StringTransport())
    assert factory.buildProtocol(None) is None
    factory.overflowProtocol = Busy
    overflow = factory.buildProtocol(None)
    t = testing.StringTransport()
    overflow.makeConnection(t)
    assert t.value() == b"busy" and factory.connectionCount == 2
    overflow.connectionLost(protocol.connectionDone)
    first.connectionLost(protocol.connectionDone)
    assert factory.connectionCount == 0
