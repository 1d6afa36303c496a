"""The reactor: timers, run/stop and system events, threads, resolve, installation."""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from twistio.internet import error
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.defer import Deferred
from twistio.internet.protocol import ClientFactory, Factory, Protocol

TIMEOUT = 2.0

try:
    import uvloop  # noqa: F401

    HAVE_UVLOOP = True
except ImportError:  # pragma: no cover
    HAVE_UVLOOP = False


async def wait(d: Any) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


# ----------------------------------------------------------------- timers


async def test_call_later_runs_with_epoch_time(reactor: Any) -> None:
    fired: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    before = time.time()
    call = reactor.callLater(0.01, lambda: fired.set_result(time.time()))
    assert before + 0.01 <= call.getTime() <= time.time() + 0.01
    assert call.active() and call in reactor.getDelayedCalls()
    ran_at = await wait(fired)
    assert ran_at >= call.getTime() - 0.005
    assert not call.active() and call.called
    assert call not in reactor.getDelayedCalls()
    with pytest.raises(error.AlreadyCalled):
        call.cancel()
    with pytest.raises(error.AlreadyCalled):
        call.reset(1)
    assert abs(reactor.seconds() - time.time()) < 0.1


async def test_call_later_args_and_cancel(reactor: Any) -> None:
    got: list[Any] = []
    call = reactor.callLater(0, got.append, 1)
    call.cancel()
    with pytest.raises(error.AlreadyCancelled):
        call.cancel()
    with pytest.raises(error.AlreadyCancelled):
        call.delay(1)
    assert not call.active() and reactor.getDelayedCalls() == []
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    reactor.callLater(0, lambda a, b=None: (got.append((a, b)), done.set_result(None)), 2, b=3)
    await wait(done)
    assert got == [(2, 3)]


async def test_reset_and_delay(reactor: Any) -> None:
    loop = asyncio.get_running_loop()
    order: list[str] = []
    done: asyncio.Future[None] = loop.create_future()
    late = reactor.callLater(0, order.append, "late")
    late.reset(0.05)  # later
    early = reactor.callLater(10, order.append, "early")
    early.reset(0)  # earlier
    later = reactor.callLater(0, order.append, "delayed")
    later.delay(0.08)
    assert later.getTime() > late.getTime()
    reactor.callLater(0.1, done.set_result, None)
    await wait(done)
    assert order == ["early", "late", "delayed"]


async def test_call_later_runs_in_callers_context(reactor: Any) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[str] = []
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def check() -> None:
        seen.append(var.get())
        if len(seen) == 2:
            done.set_result(None)

    def schedule() -> None:
        var.set("scheduler's")
        c = reactor.callLater(0.01, check)
        c.reset(0.02)
        reactor.callLater(0, check)

    contextvars.copy_context().run(schedule)
    var.set("test's")
    await wait(done)
    assert seen == ["scheduler's", "scheduler's"]


async def test_negative_delay_rejected(reactor: Any) -> None:
    with pytest.raises(ValueError):
        reactor.callLater(-1, print)


# ------------------------------------------------------- inside a running loop


async def test_running_inside_asyncio(reactor: Any) -> None:
    assert reactor.running
    assert reactor.loop is asyncio.get_running_loop()
    called: list[int] = []
    assert reactor.callWhenRunning(called.append, 1) is None
    assert called == [1]
    with pytest.raises(error.ReactorAlreadyRunning):
        reactor.run()


async def test_stop_inside_asyncio_fires_shutdown(reactor: Any) -> None:
    events: list[str] = []
    reactor.addSystemEventTrigger("before", "shutdown", events.append, "before")
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "after")

    class Rec(Protocol):
        lost: Deferred[Any]

        def connectionMade(self) -> None:
            events.append("made")

        def connectionLost(self, reason: Any) -> None:
            events.append(reason.type.__name__)

    f = Factory.forProtocol(Rec)
    port = reactor.listenTCP(0, f, interface="127.0.0.1")
    reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
    for _ in range(1000):
        if "made" in events:
            break
        await asyncio.sleep(0)
    pool = reactor.getThreadPool()
    reactor.stop()
    with pytest.raises(error.ReactorNotRunning):
        reactor.stop()
    assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
    for _ in range(1000):
        if "after" in events:
            break
        await asyncio.sleep(0)
    assert events == ["made", "before", "ConnectionLost", "after"]
    assert not pool.started and f.numPorts == 0
    assert not reactor.running
    assert asyncio.get_running_loop().is_running()
    writer.close()


# --------------------------------------------------------------- threads


async def test_call_from_thread_and_in_thread(reactor: Any) -> None:
    loop = asyncio.get_running_loop()
    result: asyncio.Future[Any] = loop.create_future()
    main = threading.get_ident()

    def in_thread(x: int) -> None:
        assert threading.get_ident() != main
        reactor.callFromThread(deliver, x * 2, extra="kw")

    def deliver(value: int, extra: str) -> None:
        assert threading.get_ident() == main
        result.set_result((value, extra))

    reactor.callInThread(in_thread, 21)
    assert await wait(result) == (42, "kw")


async def test_call_multiple_in_thread_and_pool_size(reactor: Any) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[list[int]] = loop.create_future()
    seen: list[int] = []
    threads: set[int] = set()

    def work(i: int) -> None:
        seen.append(i)
        threads.add(threading.get_ident())
        if i == 3:
            reactor.callFromThread(done.set_result, list(seen))

    reactor.suggestThreadPoolSize(3)
    assert reactor.getThreadPool().max == 3
    reactor.callMultipleInThread([(work, (1,), {}), (work, (2,), {}), (work, (3,), {})])
    assert await wait(done) == [1, 2, 3]
    assert len(threads) == 1
    reactor.getThreadPool().stop()


# ---------------------------------------------------------------- resolve


async def test_resolve(reactor: Any) -> None:
    assert await wait(reactor.resolve("127.0.0.1")) == "127.0.0.1"
    assert await wait(reactor.resolve("localhost")) == "127.0.0.1"
    with pytest.raises(error.DNSLookupError):
        await wait(reactor.resolve("nonexistent.invalid"))


# -------------------------------------------------- the classic reactor.run()


def make_reactor(loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> AsyncioReactor:
    return AsyncioReactor(loop_factory())


def close(reactor: AsyncioReactor) -> None:
    loop = reactor._loop
    assert loop is not None
    loop.close()


def run_bounded(reactor: AsyncioReactor, **kw: Any) -> None:
    """reactor.run(), crashed after TIMEOUT if the test forgot to stop it."""
    guard = reactor.callLater(TIMEOUT, reactor.crash)
    reactor.run(**kw)
    assert guard.active(), "the reactor had to be crashed"
    guard.cancel()


def test_run_phases_and_deferred_trigger(loop_factory: Any) -> None:
    reactor = make_reactor(loop_factory)
    events: list[Any] = []

    def before_startup() -> Deferred[None]:
        events.append(("before startup", reactor.running))
        d: Deferred[None] = Deferred()
        reactor.callLater(0.01, lambda: (events.append("deferred fired"), d.callback(None)))
        return d

    reactor.addSystemEventTrigger("before", "startup", before_startup)
    reactor.addSystemEventTrigger("during", "startup", events.append, "during startup")
    reactor.addSystemEventTrigger("after", "startup", events.append, "after startup")
    reactor.callWhenRunning(lambda: events.append(("running", reactor.running)))
    removed = reactor.addSystemEventTrigger("after", "startup", events.append, "removed")
    reactor.removeSystemEventTrigger(removed)
    with pytest.raises(ValueError):
        reactor.removeSystemEventTrigger(removed)
    with pytest.raises(KeyError):
        reactor.addSystemEventTrigger("sometime", "startup", print)
    reactor.addSystemEventTrigger("before", "shutdown", events.append, "before shutdown")
    reactor.addSystemEventTrigger("during", "shutdown", events.append, "during shutdown")
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "after shutdown")
    reactor.callWhenRunning(reactor.stop)
    with pytest.raises(error.ReactorNotRunning):
        reactor.stop()
    run_bounded(reactor)
    assert events == [
        ("before startup", False),
        "deferred fired",
        "during startup",
        "after startup",
        ("running", True),
        "before shutdown",
        "during shutdown",
        "after shutdown",
    ]
    assert not reactor.running
    with pytest.raises(error.ReactorNotRestartable):
        reactor.run()
    with pytest.raises(error.ReactorNotRunning):
        reactor.stop()
    close(reactor)


def test_crash_then_run_again(loop_factory: Any) -> None:
    reactor = make_reactor(loop_factory)
    runs: list[int] = []
    reactor.callWhenRunning(lambda: (runs.append(1), reactor.crash()))
    run_bounded(reactor)
    reactor.callLater(0, lambda: (runs.append(2), reactor.stop()))
    run_bounded(reactor)
    assert runs == [1, 2]
    close(reactor)


def test_classic_echo_and_shutdown_closes_everything(loop_factory: Any) -> None:
    reactor = make_reactor(loop_factory)
    events: list[Any] = []

    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

        def connectionLost(self, reason: Any) -> None:
            events.append(("server lost", reason.type.__name__))

    class Talker(Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"ping")

        def dataReceived(self, data: bytes) -> None:
            events.append(("client got", data))
            reactor.stop()

        def connectionLost(self, reason: Any) -> None:
            events.append(("client lost", reason.type.__name__))

    class Stopping(Factory):
        protocol = Echo

        def stopFactory(self) -> None:
            events.append("server factory stopped")

    port = reactor.listenTCP(0, Stopping(), interface="127.0.0.1")
    reactor.connectTCP("127.0.0.1", port.getHost().port, ClientFactory.forProtocol(Talker))
    pool = reactor.getThreadPool()
    run_bounded(reactor)
    assert events[0] == ("client got", b"ping")
    assert sorted(map(str, events[1:])) == sorted(map(str,
        [
            "server factory stopped",
            ("server lost", "ConnectionLost"),
            ("client lost", "ConnectionLost"),
        ]
    ))
    assert not pool.started
    close(reactor)


def test_sigterm_stops_cleanly(loop_factory: Any) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals need the main thread")
    reactor = make_reactor(loop_factory)
    events: list[str] = []
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "shut down")
    reactor.callWhenRunning(os.kill, os.getpid(), signal.SIGTERM)
    previous = signal.getsignal(signal.SIGTERM)
    run_bounded(reactor)
    assert events == ["shut down"]
    assert reactor._exitSignal == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == previous
    close(reactor)


def test_run_again_from_a_shutdown_trigger_is_not_restartable(loop_factory: Any) -> None:
    reactor = make_reactor(loop_factory)
    raised: list[type[BaseException]] = []

    def again() -> None:
        try:
            reactor.run()
        except BaseException as e:
            raised.append(type(e))

    reactor.callWhenRunning(reactor.stop)
    reactor.addSystemEventTrigger("after", "shutdown", again)
    run_bounded(reactor)
    assert raised == [error.ReactorNotRestartable]
    close(reactor)


def test_uninstall_handler_restores_the_signal_handlers(loop_factory: Any) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals need the main thread")
    reactor = make_reactor(loop_factory)
    before = signal.getsignal(signal.SIGTERM)
    seen: list[Any] = []

    def inside() -> None:
        # While running, SIGTERM is the reactor's; _uninstallHandler puts it back at once.
        seen.append(signal.getsignal(signal.SIGTERM) == before)
        reactor._uninstallHandler()
        seen.append(signal.getsignal(signal.SIGTERM) == before)
        reactor.stop()

    reactor.callWhenRunning(inside)
    run_bounded(reactor)
    assert seen == [False, True]
    reactor._uninstallHandler()  # again, with nothing installed: nothing to do
    assert signal.getsignal(signal.SIGTERM) == before
    close(reactor)


def test_own_loop_from_policy() -> None:
    reactor = AsyncioReactor()
    loop = reactor.loop
    assert reactor.loop is loop
    reactor.callWhenRunning(reactor.stop)
    run_bounded(reactor)
    loop.close()


# ------------------------------------------------ installation, in subprocesses


def run_script(source: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_reactor_module_is_the_reactor() -> None:
    out = run_script(
        """
        import sys
        from twistio.internet import reactor
        import twistio.internet.reactor as again
        from twistio.internet._reactor import AsyncioReactor
        from twistio.internet.main import installReactor
        from twistio.internet.error import ReactorAlreadyInstalledError
        from twistio.internet import asyncioreactor, default
        assert isinstance(reactor, AsyncioReactor) and again is reactor
        assert sys.modules["twistio.internet.reactor"] is reactor
        for attempt in (lambda: installReactor(AsyncioReactor()), asyncioreactor.install, default.install):
            try:
                attempt()
            except ReactorAlreadyInstalledError:
                pass
            else:
                raise SystemExit("installed twice")
        print("ok")
        """
    )
    assert out.strip() == "ok"


@pytest.mark.parametrize("use_uvloop", [False, True])
def test_asyncioreactor_install_with_loop_and_run(use_uvloop: bool) -> None:
    if use_uvloop and not HAVE_UVLOOP:
        pytest.skip("no uvloop")
    out = run_script(
        f"""
        import asyncio
        loop = __import__("uvloop").new_event_loop() if {use_uvloop} else asyncio.new_event_loop()
        from twistio.internet import asyncioreactor
        asyncioreactor.install(loop)
        from twistio.internet import reactor, protocol

        class Echo(protocol.Protocol):
            def dataReceived(self, data):
                self.transport.write(data)

        class Client(protocol.Protocol):
            def connectionMade(self):
                assert asyncio.get_running_loop() is loop
                self.transport.write(b"hi")
            def dataReceived(self, data):
                print(data.decode(), type(loop).__module__.split(".")[0])
                reactor.stop()

        port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
        reactor.connectTCP("127.0.0.1", port.getHost().port, protocol.ClientFactory.forProtocol(Client))
        reactor.callLater(5, reactor.stop)
        reactor.run()
        """
    )
    assert out.split() == ["hi", "uvloop" if use_uvloop else "asyncio"]


@pytest.mark.parametrize("use_uvloop", [False, True])
def test_inside_asyncio_run(use_uvloop: bool) -> None:
    if use_uvloop and not HAVE_UVLOOP:
        pytest.skip("no uvloop")
    out = run_script(
        f"""
        import asyncio
        from twistio.internet import reactor, protocol
        from twistio.internet.defer import Deferred

        class Echo(protocol.Protocol):
            def dataReceived(self, data):
                self.transport.write(data)

        class Client(protocol.Protocol):
            def connectionMade(self):
                self.transport.write(b"over asyncio")
            def dataReceived(self, data):
                self.factory.answer.callback(data)
                self.transport.loseConnection()

        async def main():
            port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
            f = protocol.ClientFactory.forProtocol(Client)
            f.answer = Deferred()
            reactor.connectTCP("127.0.0.1", port.getHost().port, f)
            data = await asyncio.wait_for(asyncio.ensure_future(f.answer.asFuture(asyncio.get_running_loop())), 5)
            d = Deferred()
            reactor.callLater(0.01, d.callback, "timer")
            timer = await d
            await asyncio.sleep(0)
            await port.stopListening()
            print(data.decode(), timer, type(asyncio.get_running_loop()).__module__.split(".")[0])

        if {use_uvloop}:
            import uvloop
            uvloop.run(main())
        else:
            asyncio.run(main())
        """
    )
    assert out.split() == ["over", "asyncio", "timer", "uvloop" if use_uvloop else "asyncio"]


def test_policy_loop_used_by_classic_run() -> None:
    if not HAVE_UVLOOP:
        pytest.skip("no uvloop")
    out = run_script(
        """
        import asyncio, uvloop, warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        from twistio.internet import reactor
        reactor.callWhenRunning(lambda: (print(type(asyncio.get_running_loop()).__module__), reactor.stop()))
        reactor.run()
        """
    )
    assert out.strip().startswith("uvloop")
