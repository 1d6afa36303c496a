"""``internet.base``: ReactorBase driven by a subclass, the resolvers, BaseConnector;
``internet.main``, ``posixbase`` and the names Twisted code imports from them."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from twistio.internet import base, error, main, posixbase
from twistio.internet._delayedcall import DelayedCall
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import (
    IReactorCore,
    IReactorPluggableNameResolver,
    IReactorThreads,
    IReactorTime,
    IResolverSimple,
)
from twistio.python.failure import Failure


class FakeTimeReactor(base.ReactorBase):
    """A reactor of its own: time is a number; ``doIteration`` moves it on by ``delay``."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.iterations: list[float | None] = []
        super().__init__()

    def seconds(self) -> float:  # type: ignore[override]
        return self.now

    def installWaker(self) -> None:
        self.waker = self
        self.woken = 0

    def wakeUp(self) -> None:
        self.woken += 1

    def doIteration(self, delay: float | None) -> None:
        self.iterations.append(delay)
        if len(self.iterations) > 100:
            raise AssertionError("the reactor never stopped")
        if delay:
            self.now += delay


def test_reactor_base_needs_a_waker() -> None:
    with pytest.raises(NotImplementedError):
        base.ReactorBase()


def test_reactor_base_runs_timers_and_system_events() -> None:
    reactor = FakeTimeReactor()
    assert IReactorCore.providedBy(reactor) and IReactorTime.providedBy(reactor)
    assert IReactorThreads.providedBy(reactor)
    assert IReactorPluggableNameResolver.providedBy(reactor)
    events: list[Any] = []
    reactor.addSystemEventTrigger("before", "startup", events.append, "before startup")
    reactor.callWhenRunning(lambda: events.append(("running", reactor.running)))
    call = reactor.callLater(5, events.append, "five")
    assert isinstance(call, DelayedCall) and call.getTime() == 1005.0
    cancelled = reactor.callLater(1, events.append, "never")
    cancelled.cancel()
    later = reactor.callLater(2, events.append, "moved")
    later.reset(7)
    assert sorted(c.getTime() for c in reactor.getDelayedCalls()) == [1005.0, 1007.0]
    reactor.callLater(10, reactor.stop)
    reactor.addSystemEventTrigger("during", "shutdown", events.append, "shutdown")
    reactor.run(installSignalHandlers=False)
    assert events == ["before startup", ("running", True), "five", "moved", "shutdown"]
    assert reactor.now == 1010.0
    assert not reactor.running
    with pytest.raises(error.ReactorNotRestartable):
        reactor.run()
    with pytest.raises(error.ReactorNotRunning):
        reactor.stop()


def test_reactor_base_timeout_and_run_until_current() -> None:
    reactor = FakeTimeReactor()
    assert reactor.timeout() is None
    ran: list[str] = []
    reactor.callLater(3, ran.append, "a")
    assert reactor.timeout() == 3.0
    reactor.now += 3
    reactor.runUntilCurrent()
    assert ran == ["a"]
    delayed = reactor.callLater(1, ran.append, "b")
    delayed.delay(2)
    reactor.now += 1
    reactor.runUntilCurrent()
    assert ran == ["a"] and reactor.timeout() == 2.0
    reactor.now += 2
    reactor.iterate()
    assert ran == ["a", "b"]


def test_reactor_base_calls_from_threads() -> None:
    reactor = FakeTimeReactor()
    done: list[int] = []
    thread = threading.Thread(target=reactor.callFromThread, args=(done.append, 1))
    thread.start()
    thread.join()
    assert reactor.woken == 1 and reactor.timeout() == 0.0
    reactor.runUntilCurrent()
    assert done == [1]
    with pytest.raises(AssertionError):
        reactor.callFromThread("not callable")  # type: ignore[arg-type]


def test_reactor_base_crash_and_restart() -> None:
    reactor = FakeTimeReactor()
    runs: list[int] = []
    reactor.callWhenRunning(lambda: (runs.append(1), reactor.crash()))
    reactor.run(installSignalHandlers=False)
    reactor.callLater(0, lambda: (runs.append(2), reactor.stop()))
    reactor.run(installSignalHandlers=False)
    assert runs == [1, 2]


def test_reactor_base_thread_pool() -> None:
    reactor = FakeTimeReactor()
    assert reactor.threadpool is None
    pool = reactor.getThreadPool()
    assert reactor.threadpool is pool and reactor.threadpoolShutdownID is not None
    ran = threading.Event()
    reactor.callInThread(ran.set)
    # As in Twisted, the pool starts when the reactor runs (the work waits till then).
    assert not pool.started and not ran.is_set()
    reactor.fireSystemEvent("startup")
    assert pool.started
    assert ran.wait(2)
    reactor.suggestThreadPoolSize(3)
    assert pool.max == 3
    reactor.fireSystemEvent("shutdown")
    assert reactor.threadpool is None


def test_reactor_base_descriptors_are_not_supported() -> None:
    reactor = FakeTimeReactor()
    with pytest.raises(NotImplementedError):
        reactor.addReader(object())  # type: ignore[arg-type]
    assert reactor.getReaders() == [] and reactor.removeAll() == []


# -------------------------------------------------------------------- resolvers


def test_resolve_shortcuts_and_pluggable_resolvers() -> None:
    reactor = FakeTimeReactor()
    results: list[Any] = []
    reactor.resolve("").addCallback(results.append)
    reactor.resolve("10.1.2.3").addCallback(results.append)
    assert results == ["0.0.0.0", "10.1.2.3"]

    class Simple:
        def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
            d: Deferred[str] = Deferred()
            d.callback("192.0.2.1")
            return d

    simple = Simple()
    old = reactor.installResolver(simple)  # type: ignore[arg-type]
    assert reactor.resolver is simple and old is not simple
    reactor.resolve("example.com").addCallback(results.append)
    got: list[Any] = []

    class Receiver:
        def resolutionBegan(self, r: Any) -> None:
            got.append(r.name)

        def addressResolved(self, a: Any) -> None:
            got.append((a.host, a.port))

        def resolutionComplete(self) -> None:
            got.append("done")

    reactor.nameResolver.resolveHostName(Receiver(), "example.com", 8080)
    assert results[-1] == "192.0.2.1"
    assert got == ["example.com", ("192.0.2.1", 8080), "done"]
    with pytest.raises(AssertionError):
        reactor.installResolver(object())  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        reactor.nameResolver = None  # type: ignore[misc]


def test_blocking_resolver() -> None:
    resolver = base.BlockingResolver()
    assert IResolverSimple.providedBy(resolver)
    out: list[Any] = []
    resolver.getHostByName("localhost").addCallback(out.append)
    resolver.getHostByName("no-such-host.invalid").addErrback(out.append)
    assert out[0] == "127.0.0.1"
    assert isinstance(out[1], Failure) and out[1].check(error.DNSLookupError)
    assert "not found" in str(out[1].value)


async def test_threaded_resolver_and_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio.internet._reactor import AsyncioReactor

    reactor = AsyncioReactor()
    gate = threading.Event()
    real = socket.gethostbyname

    def fake(name: str) -> str:
        if name == "slow.example":
            gate.wait(2)
            return "192.0.2.9"
        return real(name)

    monkeypatch.setattr(socket, "gethostbyname", fake)
    resolver = base.ThreadedResolver(reactor)
    try:
        assert await resolver.getHostByName("localhost") == "127.0.0.1"
        with pytest.raises(error.DNSLookupError, match="timeout error"):
            await resolver.getHostByName("slow.example", (0.05,))  # type: ignore[arg-type]
        with pytest.raises(error.DNSLookupError, match="not found"):
            await resolver.getHostByName("no-such-host.invalid")
    finally:
        gate.set()
        reactor._stopThreadPool()


# ---------------------------------------------------------------- BaseConnector


class FakeTransport:
    def __init__(self, connector: base.BaseConnector) -> None:
        self.connector = connector
        self.failed: list[Any] = []
        self.lost = False

    def failIfNotConnected(self, err: BaseException) -> None:
        self.failed.append(err)
        self.connector.connectionFailed(Failure(err))

    def loseConnection(self) -> None:
        self.lost = True


class Connector(base.BaseConnector):
    def _makeTransport(self) -> FakeTransport:
        return FakeTransport(self)

    def getDestination(self) -> Any:
        return "somewhere"


def test_base_connector_state_machine() -> None:
    from twistio.internet.protocol import ClientFactory, Protocol
    from twistio.internet.task import Clock

    events: list[Any] = []

    class Factory(ClientFactory):
        protocol = Protocol

        def startedConnecting(self, connector: Any) -> None:
            events.append(("started", connector.state))

        def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
            events.append(("failed", reason.type.__name__))

        def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
            events.append(("lost", reason.type.__name__))

    clock = Clock()
    factory = Factory()
    connector = Connector(factory, 5, clock)
    connector.connect()
    with pytest.raises(RuntimeError):
        connector.connect()
    clock.advance(5)
    assert events == [("started", "connecting"), ("failed", "TimeoutError")]
    assert connector.state == "disconnected" and factory.numPorts == 0
    connector.connect()
    connector.stopConnecting()
    assert events[-1] == ("failed", "UserError")
    with pytest.raises(error.NotConnectingError):
        connector.stopConnecting()
    connector.connect()
    proto = connector.buildProtocol(None)
    assert isinstance(proto, Protocol) and connector.state == "connected"
    assert not clock.getDelayedCalls()
    transport = connector.transport
    connector.disconnect()
    assert transport.lost
    connector.connectionLost(Failure(error.ConnectionDone()))
    assert events[-1] == ("lost", "ConnectionDone") and factory.numPorts == 0


def test_base_port_socket() -> None:
    port = base.BasePort(reactor=object())  # type: ignore[arg-type]
    sock = port.createInternetSocket()
    try:
        assert sock.family == socket.AF_INET and sock.type == socket.SOCK_STREAM
        assert not sock.getblocking() and not sock.get_inheritable()
    finally:
        sock.close()
    with pytest.raises(RuntimeError):
        port.doWrite()


def test_main_and_posixbase_names() -> None:
    assert isinstance(main.CONNECTION_DONE, error.ConnectionDone)
    assert isinstance(main.CONNECTION_LOST, error.ConnectionLost)
    from twistio.internet import fdesc
    from twistio.internet._reactor import AsyncioReactor

    assert fdesc.CONNECTION_DONE is main.CONNECTION_DONE
    assert issubclass(AsyncioReactor, posixbase.PosixReactorBase)
    assert issubclass(posixbase.PosixReactorBase, base.ReactorBase)
    assert posixbase.processEnabled and posixbase.unixEnabled
    assert base.DelayedCall is DelayedCall


def test_delayed_call_debug_remembers_its_creator(monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio.internet.base import DelayedCall

    def nothing() -> None:
        pass

    plain = DelayedCall(3, nothing, (), {}, lambda c: None, lambda c: None, lambda: 2)
    plain.debug = True  # too late to capture anything: nothing shown
    assert "traceback at creation" not in repr(plain)
    monkeypatch.setattr(DelayedCall, "debug", True)
    made = DelayedCall(12, nothing, (3,), {"A": 5}, lambda c: None, lambda c: None, lambda: 1.5)
    text = repr(made)
    assert text.startswith(f"<DelayedCall 0x{id(made):x} [10.5s] called=0 cancelled=0 ")
    assert "\n\ntraceback at creation:" in text and "test_delayed_call_debug" in text
    made.debug = False  # captured: still shown
    assert "traceback at creation" in repr(made)


# -- system events: the three-phase event under each reactor's triggers ----------------------------


def test_three_phase_event_runs_phases_in_order_once() -> None:
    event = base._ThreePhaseEvent()
    events: list[str] = []
    event.addTrigger("after", events.append, "after")
    event.addTrigger("during", events.append, "during")
    handle = event.addTrigger("before", events.append, "before")
    assert handle == ("before", events.append, ("before",), {})
    assert event.before == [(events.append, ("before",), {})]
    with pytest.raises(KeyError):
        event.addTrigger("sometime", events.append)
    event.fireEvent()
    event.fireEvent()
    assert events == ["before", "during", "after"]
    assert event.before == event.during == event.after == []


def test_three_phase_event_waits_for_before_deferreds_and_honours_removal() -> None:
    event = base._ThreePhaseEvent()
    events: list[str] = []
    held: Deferred[None] = Deferred()
    event.addTrigger("before", lambda: held)
    during = event.addTrigger("during", events.append, "during")
    event.addTrigger("after", events.append, "after")
    event.fireEvent()
    assert events == [] and event.state == "BEFORE"
    event.removeTrigger(during)  # removed while the before phase waits: never runs
    held.callback(None)
    assert events == ["after"] and event.state == "BASE" and event.finishedBefore == []


def test_three_phase_event_removal_errors_and_warning() -> None:
    event = base._ThreePhaseEvent()
    handle = event.addTrigger("during", print)
    event.removeTrigger(handle)
    with pytest.raises(ValueError):
        event.removeTrigger(handle)
    with pytest.raises(ValueError):
        event.removeTrigger(object())  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        event.removeTrigger(("sometime", print, (), {}))
    ran: list[int] = []
    first = event.addTrigger("before", ran.append, 1)
    event.addTrigger("before", lambda: event.removeTrigger(first))
    with pytest.warns(DeprecationWarning, match="already-fired"):
        event.fireEvent()
    assert ran == [1]


def test_remove_system_event_trigger_errors() -> None:
    reactor = FakeTimeReactor()
    trigger = reactor.addSystemEventTrigger("during", "test", lambda: None)
    reactor.removeSystemEventTrigger(trigger)
    with pytest.raises(TypeError):
        reactor.removeSystemEventTrigger(None)
    with pytest.raises(ValueError):
        reactor.removeSystemEventTrigger(trigger)
    with pytest.raises(KeyError):
        reactor.removeSystemEventTrigger((trigger[0], ("xxx", *trigger[1][1:])))


def test_asyncio_reactor_call_later_uses_its_seconds() -> None:
    from twistio.internet._reactor import AsyncioReactor

    reactor = AsyncioReactor()
    reactor.seconds = lambda: 100.0  # type: ignore[method-assign]
    call = reactor.callLater(5, lambda: None)
    try:
        assert call.getTime() == 105
        assert call.seconds() == 100
    finally:
        call.cancel()
