"""Tests for twistio.python.threadpool and twistio.internet.threads."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest

from twistio.internet.defer import Deferred
from twistio.internet.threads import blockingCallFromThread, deferToThreadPool
from twistio.python.failure import Failure
from twistio.python.threadpool import ThreadPool

WAIT = 5.0  # upper bound for waits that normally end at once


@pytest.fixture
def pool() -> Iterator[ThreadPool]:
    p = ThreadPool(0, 4, name="test")
    yield p
    p.stop()


class Results:
    """Collects onResult calls from worker threads; ``wait(n)`` blocks until n arrived."""

    def __init__(self) -> None:
        self.items: list[tuple[bool, Any, str]] = []
        self._cond = threading.Condition()

    def __call__(self, ok: bool, result: Any) -> None:
        with self._cond:
            self.items.append((ok, result, threading.current_thread().name))
            self._cond.notify_all()

    def wait(self, n: int) -> list[tuple[bool, Any, str]]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.items) >= n, WAIT)
            return list(self.items)


def until(predicate: Callable[[], bool], pool: ThreadPool) -> None:
    """Wait for worker threads to reach a state, by joining them briefly in turn."""
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline
        for t in list(pool.threads):
            t.join(0.001)


# ----------------------------------------------------------------- ThreadPool


def test_pool_runs_work_and_reports_results(pool: ThreadPool) -> None:
    pool.start()
    results = Results()
    pool.callInThreadWithCallback(results, lambda a, b: a * b, 6, b=7)
    pool.callInThreadWithCallback(results, lambda: 1 / 0)
    got = results.wait(2)
    by_ok = {ok: result for ok, result, _ in got}
    assert by_ok[True] == 42
    assert isinstance(by_ok[False], Failure)
    assert by_ok[False].check(ZeroDivisionError)
    assert all(name.startswith("PoolThread-test-") for _, _, name in got)
    assert all(name != threading.current_thread().name for _, _, name in got)


def test_pool_queues_work_until_started() -> None:
    p = ThreadPool(0, 2)
    results = Results()
    p.callInThreadWithCallback(results, lambda: "early")
    assert p.workers == 0 and p._queue.qsize() == 1 and not p.started
    p.start()
    try:
        assert results.wait(1)[0][:2] == (True, "early")
    finally:
        p.stop()


def test_pool_starts_min_workers() -> None:
    p = ThreadPool(2, 5)
    p.start()
    try:
        assert p.workers == 2 and len(p.threads) == 2
        until(lambda: len(p.waiters) == 2, p)
        assert p.working == []
    finally:
        p.stop()
    assert p.workers == 0 and p.threads == []


def test_pool_never_exceeds_max() -> None:
    p = ThreadPool(0, 2)
    p.start()
    release = threading.Event()
    started = threading.Semaphore(0)

    def job() -> None:
        started.release()
        release.wait(WAIT)

    for _ in range(5):
        p.callInThread(job)
    try:
        assert started.acquire(timeout=WAIT) and started.acquire(timeout=WAIT)
        assert p.workers == 2 and len(p.working) == 2 and p._queue.qsize() == 3
    finally:
        release.set()
        p.stop()
    assert p._queue.qsize() == 0


def test_pool_stop_finishes_queued_work_then_drops_new_work() -> None:
    p = ThreadPool(0, 1)
    p.start()
    done: list[int] = []
    gate = threading.Event()
    p.callInThread(gate.wait, WAIT)
    for i in range(5):
        p.callInThread(done.append, i)
    gate.set()
    p.stop()
    assert done == [0, 1, 2, 3, 4]
    assert p.joined and not p.started and p.workers == 0
    p.callInThread(done.append, 99)
    assert p._queue.qsize() == 0
    # Unlike Twisted's, a stopped pool can start again.
    p.start()
    results = Results()
    p.callInThreadWithCallback(results, lambda: "again")
    assert results.wait(1)[0][:2] == (True, "again")
    p.stop()


def test_pool_adjust_size(pool: ThreadPool) -> None:
    with pytest.raises(AssertionError, match="minimum is negative"):
        pool.adjustPoolsize(-1, 3)
    with pytest.raises(AssertionError, match="minimum is greater than maximum"):
        pool.adjustPoolsize(4, 3)
    with pytest.raises(AssertionError):
        ThreadPool(3, 2)
    pool.adjustPoolsize(maxthreads=1)
    assert (pool.min, pool.max) == (0, 1)

    release = threading.Event()
    started = threading.Semaphore(0)

    def job() -> None:
        started.release()
        release.wait(WAIT)

    pool.start()
    for _ in range(3):
        pool.callInThread(job)
    assert started.acquire(timeout=WAIT)
    assert pool.workers == 1
    pool.adjustPoolsize(maxthreads=3)  # grows at once for the queued work
    assert started.acquire(timeout=WAIT) and started.acquire(timeout=WAIT)
    assert pool.workers == 3
    release.set()
    until(lambda: len(pool.working) == 0, pool)
    pool.adjustPoolsize(1, 1)  # idle workers beyond the maximum leave
    until(lambda: pool.workers == 1, pool)
    assert pool.workers == 1
    pool.adjustPoolsize(3, 4)  # and the minimum is started at once
    assert pool.workers == 3


def test_pool_stop_and_start_a_worker(pool: ThreadPool) -> None:
    pool.start()
    pool.startAWorker()
    assert pool.workers == 1
    pool.stopAWorker()
    until(lambda: pool.workers == 0, pool)


def test_pool_logs_unhandled_errors(pool: ThreadPool, caplog: pytest.LogCaptureFixture) -> None:
    def bad_callback(ok: bool, result: object) -> None:
        raise ValueError("from the callback")

    pool.start()
    with caplog.at_level(logging.ERROR, logger="twistio.python.threadpool"):
        pool.callInThread(lambda: 1 / 0)
        pool.callInThreadWithCallback(bad_callback, lambda: 1)
        pool.stop()
    assert "ZeroDivisionError" in caplog.text
    assert "from the callback" in caplog.text


def test_pool_work_runs_in_callers_context(pool: ThreadPool) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("caller")
    results = Results()
    pool.start()
    pool.callInThreadWithCallback(results, var.get)
    assert results.wait(1)[0][:2] == (True, "caller")


def test_pool_introspection(pool: ThreadPool) -> None:
    assert pool.name == "test" and pool.min == 0 and pool.max == 4
    with pytest.warns(
        DeprecationWarning,
        match="deprecated in Twisted 22.1.0; please use threading.current_thread instead",
    ):
        assert pool.currentThread() is threading.current_thread()
    assert "test" in repr(pool)
    pool.dumpStats()


# ---------------------------------------------------------- deferToThreadPool


class LoopReactor:
    """The part of a reactor deferToThreadPool and blockingCallFromThread use."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def callFromThread(self, f: Callable[..., Any], *args: Any, **kw: Any) -> None:
        self.loop.call_soon_threadsafe(functools.partial(f, *args, **kw))


async def test_defer_to_thread_pool_result(pool: ThreadPool) -> None:
    pool.start()
    reactor = LoopReactor(asyncio.get_running_loop())
    loop_thread = threading.current_thread()

    def work(a: int, b: int) -> tuple[int, bool]:
        return a + b, threading.current_thread() is loop_thread

    d = deferToThreadPool(reactor, pool, work, 1, b=2)
    assert isinstance(d, Deferred)
    assert await d == (3, False)


async def test_defer_to_thread_pool_error(pool: ThreadPool) -> None:
    pool.start()
    reactor = LoopReactor(asyncio.get_running_loop())

    def work() -> None:
        raise KeyError("in thread")

    with pytest.raises(KeyError, match="in thread"):
        await deferToThreadPool(reactor, pool, work)


async def test_defer_to_thread_pool_fires_on_loop_thread(pool: ThreadPool) -> None:
    pool.start()
    reactor = LoopReactor(asyncio.get_running_loop())
    seen: list[threading.Thread] = []
    d = deferToThreadPool(reactor, pool, int, "5")
    d.addCallback(lambda r: seen.append(threading.current_thread()) or r)
    assert await d == 5
    assert seen == [threading.current_thread()]


# ------------------------------------------------------- blockingCallFromThread


async def in_thread(pool: ThreadPool, f: Callable[[], Any]) -> Any:
    return await deferToThreadPool(LoopReactor(asyncio.get_running_loop()), pool, f)


async def test_blocking_call_from_thread_value(pool: ThreadPool) -> None:
    pool.start()
    reactor = LoopReactor(asyncio.get_running_loop())
    loop_thread = threading.current_thread()

    def on_loop(x: int) -> tuple[int, bool]:
        return x * 2, threading.current_thread() is loop_thread

    assert await in_thread(pool, lambda: blockingCallFromThread(reactor, on_loop, 21)) == (42, True)


async def test_blocking_call_from_thread_waits_for_deferred(pool: ThreadPool) -> None:
    pool.start()
    loop = asyncio.get_running_loop()
    reactor = LoopReactor(loop)

    def on_loop() -> Deferred[str]:
        d: Deferred[str] = Deferred()
        loop.call_soon(d.callback, "later")
        return d

    assert await in_thread(pool, lambda: blockingCallFromThread(reactor, on_loop)) == "later"


async def test_blocking_call_from_thread_coroutine(pool: ThreadPool) -> None:
    pool.start()
    reactor = LoopReactor(asyncio.get_running_loop())

    async def on_loop() -> str:
        await asyncio.sleep(0)
        return "awaited"

    assert await in_thread(pool, lambda: blockingCallFromThread(reactor, on_loop)) == "awaited"


async def test_blocking_call_from_thread_raises(pool: ThreadPool) -> None:
    pool.start()
    reactor = LoopReactor(asyncio.get_running_loop())

    def on_loop() -> None:
        raise LookupError("on the loop")

    with pytest.raises(LookupError, match="on the loop"):
        await in_thread(pool, lambda: blockingCallFromThread(reactor, on_loop))


async def test_blocking_call_from_loop_thread_refuses() -> None:
    reactor = LoopReactor(asyncio.get_running_loop())
    with pytest.raises(RuntimeError):
        blockingCallFromThread(reactor, int)


# ------------------------------------------------------- with the real reactor


async def test_defer_to_thread_uses_the_reactor_pool() -> None:
    from twistio.internet import reactor
    from twistio.internet.threads import deferToThread

    loop_thread = threading.current_thread()
    result = await deferToThread(lambda x: (x, threading.current_thread() is loop_thread), 3)
    assert result == (3, False)
    with pytest.raises(ZeroDivisionError):
        await deferToThread(lambda: 1 / 0)
    assert reactor.getThreadPool() is reactor.getThreadPool()


async def test_call_multiple_in_thread_runs_in_order_in_one_thread() -> None:
    from twistio.internet import reactor
    from twistio.internet.threads import callMultipleInThread

    done: Deferred[None] = Deferred()
    seen: list[tuple[str, str]] = []

    def record(tag: str, *, end: bool = False) -> None:
        seen.append((tag, threading.current_thread().name))
        if end:
            reactor.callFromThread(done.callback, None)

    callMultipleInThread(
        [(record, ("a",), {}), (record, ("b",), {}), (record, ("c",), {"end": True})]
    )
    await done
    assert [tag for tag, _ in seen] == ["a", "b", "c"]
    assert len({name for _, name in seen}) == 1
    assert seen[0][1] != threading.current_thread().name


async def test_blocking_call_from_thread_with_the_reactor() -> None:
    from twistio.internet import reactor
    from twistio.internet.threads import deferToThread

    def on_loop() -> Deferred[str]:
        d: Deferred[str] = Deferred()
        reactor.callLater(0, d.callback, "via reactor")
        return d

    assert await deferToThread(blockingCallFromThread, reactor, on_loop) == "via reactor"


def _loop_factories() -> list[Any]:
    factories: list[Any] = [pytest.param(asyncio.new_event_loop, id="asyncio")]
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a test dependency off Windows
        return factories
    factories.append(pytest.param(uvloop.new_event_loop, id="uvloop"))
    return factories


@pytest.mark.parametrize("new_loop", _loop_factories())
def test_threads_and_task_on_each_loop(new_loop: Callable[[], asyncio.AbstractEventLoop]) -> None:
    from twistio.internet import reactor, task
    from twistio.internet.threads import deferToThread

    async def main() -> list[Any]:
        name = await deferToThread(lambda: threading.current_thread().name)
        later = await deferToThread(
            blockingCallFromThread, reactor, lambda: task.deferLater(reactor, 0, lambda: "later")
        )
        it = iter(range(3))
        done = await task.coiterate(it)
        ticks: list[int] = []
        lc = task.LoopingCall(lambda: ticks.append(1) or (len(ticks) == 3 and lc.stop()))
        await lc.start(0)
        return [name.startswith("PoolThread-"), later, done is it, len(ticks)]

    loop = new_loop()
    try:
        assert loop.run_until_complete(main()) == [True, "later", True, 3]
    finally:
        loop.close()
