"""Protocol, Factory and friends without sockets, plus implementer/providedBy."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

from twistio.internet import error
from twistio.internet.interfaces import (
    IHalfCloseableProtocol,
    IProtocol,
    IProtocolFactory,
    implementedBy,
    implementer,
    providedBy,
)
from twistio.internet.protocol import (
    BaseProtocol,
    ClientFactory,
    Factory,
    Protocol,
    ReconnectingClientFactory,
    ServerFactory,
    connectionDone,
)
from twistio.internet.task import Clock
from twistio.python.failure import Failure


def test_connection_done() -> None:
    assert connectionDone.check(error.ConnectionDone)
    assert str(connectionDone.value) == "Connection was closed cleanly."


def test_make_connection() -> None:
    made: list[Any] = []

    class P(Protocol):
        def connectionMade(self) -> None:
            made.append(self.transport)

    p = P()
    assert p.connected == 0 and p.transport is None
    p.makeConnection("transport")
    assert p.connected == 1 and made == ["transport"]
    assert isinstance(p, BaseProtocol) and IProtocol.providedBy(p)
    p.connectionLost()  # the default reason is connectionDone


def test_factory_for_protocol_and_build() -> None:
    class P(Protocol):
        pass

    class F(ServerFactory):
        def __init__(self, tag: str) -> None:
            self.tag = tag

    f = F.forProtocol(P, "x")
    assert isinstance(f, F) and f.tag == "x" and f.protocol is P
    p = f.buildProtocol(None)
    assert isinstance(p, P) and p.factory is f
    assert IProtocolFactory.providedBy(f)


def test_do_start_do_stop_counted() -> None:
    calls: list[str] = []

    class F(Factory):
        noisy = False

        def startFactory(self) -> None:
            calls.append("start")

        def stopFactory(self) -> None:
            calls.append("stop")

    f = F()
    f.doStop()  # unbalanced: ignored
    f.doStart()
    f.doStart()
    f.doStop()
    assert calls == ["start"] and f.numPorts == 1
    f.doStop()
    assert calls == ["start", "stop"] and f.numPorts == 0


class FakeConnector:
    def __init__(self) -> None:
        self.connects = 0
        self.stopped = 0

    def connect(self) -> None:
        self.connects += 1

    def stopConnecting(self) -> None:
        self.stopped += 1
        raise error.NotConnectingError()


def test_reconnecting_backoff() -> None:
    clock = Clock()
    f = ReconnectingClientFactory()
    f.clock = clock
    f.jitter = 0
    f.noisy = False
    connector = FakeConnector()
    reason = connectionDone
    waits = []
    for _ in range(4):
        f.clientConnectionFailed(connector, reason)
        (call,) = clock.getDelayedCalls()
        waits.append(call.getTime() - clock.seconds())
        clock.advance(waits[-1])
    assert connector.connects == 4
    # Each retry waits the delay reached so far (initialDelay first), as Twisted's does.
    assert waits == pytest.approx([f.factor ** i for i in range(4)])
    f.maxDelay = 10
    f.clientConnectionLost(connector, reason)
    assert f.delay == 10
    (call,) = clock.getDelayedCalls()
    clock.advance(call.getTime() - clock.seconds())
    f.resetDelay()
    assert f.delay == f.initialDelay and f.retries == 0
    f.maxRetries = 1
    f.clientConnectionLost(connector, reason)
    clock.advance(f.delay)
    f.clientConnectionLost(connector, reason)  # over maxRetries: abandoned
    assert clock.getDelayedCalls() == []
    f.resetDelay()
    f.clientConnectionLost(connector, reason)
    assert len(clock.getDelayedCalls()) == 1
    f.stopTrying()
    assert clock.getDelayedCalls() == [] and connector.stopped == 1
    f.clientConnectionLost(connector, reason)
    assert clock.getDelayedCalls() == []
    assert "connector" not in f.__getstate__()


def test_reconnecting_jitter() -> None:
    clock = Clock()
    f = ReconnectingClientFactory()
    f.clock = clock
    f.noisy = False
    f.retry(FakeConnector())
    assert f.delay != f.initialDelay * f.factor or f.jitter == 0
    with pytest.raises(ValueError):
        ReconnectingClientFactory().retry()


def test_client_factory_hooks_exist() -> None:
    f = ClientFactory()
    f.startedConnecting(None)  # type: ignore[arg-type]
    f.clientConnectionFailed(None, connectionDone)  # type: ignore[arg-type]
    f.clientConnectionLost(None, connectionDone)  # type: ignore[arg-type]


def test_implementer_without_zope_records_interfaces() -> None:
    @implementer(IHalfCloseableProtocol)
    class Half(Protocol):
        def readConnectionLost(self) -> None: ...

        def writeConnectionLost(self) -> None: ...

    class Sub(Half):
        pass

    assert IHalfCloseableProtocol.providedBy(Sub())
    assert IProtocol.providedBy(Sub())
    assert not IHalfCloseableProtocol.providedBy(Protocol())
    assert IHalfCloseableProtocol in implementedBy(Half)
    assert IHalfCloseableProtocol.implementedBy(Sub)
    assert providedBy(Sub(), IHalfCloseableProtocol)


def test_zope_implementer_with_twistio_interface() -> None:
    zope = pytest.importorskip("zope.interface")

    @zope.implementer(IHalfCloseableProtocol)
    class Half(Protocol):
        pass

    assert IHalfCloseableProtocol.providedBy(Half())
    assert not IHalfCloseableProtocol.providedBy(Protocol())


def test_twistio_implementer_with_zope_interface() -> None:
    zope = pytest.importorskip("zope.interface")

    class IThing(zope.Interface):
        pass

    @implementer(IThing, IProtocol)
    class Thing:
        pass

    assert IThing.providedBy(Thing())
    assert IProtocol.providedBy(Thing())


def test_interfaces_work_without_zope() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["zope"] = None
        sys.modules["zope.interface"] = None
        from twistio.internet.interfaces import implementer, IHalfCloseableProtocol
        from twistio.internet.protocol import Protocol
        @implementer(IHalfCloseableProtocol)
        class P(Protocol):
            pass
        assert IHalfCloseableProtocol.providedBy(P())
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20)
    assert out.stdout.strip() == "ok", out.stderr


# -- adapters, factory log events, ClientCreator cancelled between connection and firing ------


def test_protocol_and_consumer_adapt_to_each_other() -> None:
    from twistio.internet.interfaces import IConsumer
    from twistio.internet.protocol import ConsumerToProtocolAdapter, ProtocolToConsumerAdapter

    got: list[bytes] = []
    p = Protocol()
    p.dataReceived = got.append  # type: ignore[method-assign]
    consumer = IConsumer(p)
    assert isinstance(consumer, ProtocolToConsumerAdapter)
    consumer.write(b"to the protocol")

    @implementer(IConsumer)
    class Consumer:
        def write(self, data: bytes) -> None:
            got.append(data)

    protocol = IProtocol(Consumer())
    assert isinstance(protocol, ConsumerToProtocolAdapter)
    protocol.dataReceived(b"to the consumer")
    assert got == [b"to the protocol", b"to the consumer"]


def test_factory_start_and_stop_are_log_events() -> None:
    from twistio.logger import LogLevel, globalLogPublisher

    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:
        f = Factory()
        f.doStart()
        f.doStop()
    finally:
        globalLogPublisher.removeObserver(events.append)
    mine = [e for e in events if e.get("factory") is f]
    assert [e["log_format"] for e in mine] == [
        "Starting factory {factory!r}",
        "Stopping factory {factory!r}",
    ]
    assert all(e["log_level"] == LogLevel.info for e in mine)


@pytest.mark.parametrize("failed", [False, True])
def test_client_creator_cancelled_before_it_fires(failed: bool) -> None:
    from twistio.internet.defer import CancelledError
    from twistio.internet.protocol import ClientCreator
    from twistio.internet.testing import MemoryReactorClock, StringTransport

    reactor = MemoryReactorClock()
    d = ClientCreator(reactor, Protocol).connectTCP("example.com", 1234)
    factory = reactor.tcpClients.pop()[2]
    connector = reactor.connectors.pop()
    if failed:
        factory.clientConnectionFailed(connector, Failure(Exception("no")))
    else:
        factory.buildProtocol(None).makeConnection(StringTransport())
    assert len(reactor.getDelayedCalls()) == 1
    d.cancel()
    assert reactor.getDelayedCalls() == []
    assert connector._disconnected
    errors: list[Failure] = []
    d.addErrback(errors.append)
    assert errors and errors[0].check(CancelledError)
    reactor.advance(1)  # nothing left to fire the Deferred a second time
