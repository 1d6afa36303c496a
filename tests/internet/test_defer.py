"""Deferred: the callback engine, the helpers, and the asyncio bridges."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import sys
import warnings
from typing import Any

import pytest

from twistio.internet import defer
from twistio.internet.defer import (
    AlreadyCalledError,
    CancelledError,
    Deferred,
    DeferredList,
    DeferredLock,
    DeferredQueue,
    DeferredSemaphore,
    FailureGroup,
    FirstError,
    QueueOverflow,
    QueueUnderflow,
    ensureDeferred,
    fail,
    gatherResults,
    inlineCallbacks,
    maybeDeferred,
    race,
    succeed,
)
from twistio.python.failure import Failure


class FakeClock:
    """Just enough of IReactorTime for addTimeout."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[list[Any]] = []

    def seconds(self) -> float:
        return self.now

    def callLater(self, delay: float, f: Any, *a: Any, **kw: Any) -> Any:
        clock = self
        entry = [self.now + delay, f, a, kw, True]

        class Call:
            def active(self) -> bool:
                return bool(entry[4])

            def cancel(self) -> None:
                entry[4] = False
                clock.calls.remove(entry)

        self.calls.append(entry)
        return Call()

    def advance(self, by: float) -> None:
        self.now += by
        for entry in sorted(self.calls, key=lambda e: e[0]):
            if entry[0] <= self.now and entry[4]:
                entry[4] = False
                self.calls.remove(entry)
                entry[1](*entry[2], **entry[3])


def result_of(d: Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, f"{d!r} has no result"
    r = out[0]
    if isinstance(r, Failure):
        r.raiseException()
    return r


def failure_of(d: Deferred[Any]) -> Failure:
    out: list[Any] = []
    d.addBoth(out.append)
    assert out and isinstance(out[0], Failure), out
    return out[0]  # type: ignore[no-any-return]


# -- the engine ------------------------------------------------------------------------


def test_callbacks_flow_and_switch_sides() -> None:
    seen: list[Any] = []
    d: Deferred[int] = Deferred()
    d.addCallback(lambda r: r + 1)
    d.addCallback(lambda r: 1 / 0)
    d.addCallback(lambda r: seen.append("skipped"))
    d.addErrback(lambda f: (seen.append(f.type), "recovered")[1])
    d.addCallbacks(lambda r, a, k=None: seen.append((r, a, k)), lambda f: None,
                   callbackArgs=(1,), callbackKeywords={"k": 2})
    d.callback(1)
    assert seen == [ZeroDivisionError, ("recovered", 1, 2)]
    assert d.called and d.result is None


def test_returning_failure_goes_to_errbacks() -> None:
    d = succeed(1)
    d.addCallback(lambda r: Failure(KeyError("x")))
    assert failure_of(d).check(KeyError)


def test_errback_forms() -> None:
    assert failure_of(fail(ValueError("a"))).getErrorMessage() == "a"
    f = Failure(KeyError("b"))
    assert failure_of(fail(f)) is f
    try:
        raise IndexError("c")
    except IndexError:
        d = fail()
    got = failure_of(d)
    assert got.type is IndexError and got.tb is not None


def test_already_called() -> None:
    d: Deferred[int] = Deferred()
    d.callback(1)
    with pytest.raises(AlreadyCalledError):
        d.callback(2)
    with pytest.raises(AlreadyCalledError):
        d.errback(ValueError())
    defer.setDebugging(True)
    try:
        d2: Deferred[int] = Deferred()
        d2.callback(1)
        with pytest.raises(AlreadyCalledError) as info:
            d2.callback(1)
        assert "C: Deferred was created" in str(info.value)
        assert "I: First Invoker was" in str(info.value)
        assert defer.getDebugging()
    finally:
        defer.setDebugging(False)
    assert not defer.getDebugging()


def test_callback_returning_unfired_deferred_pauses_chain() -> None:
    inner: Deferred[str] = Deferred()
    outer: Deferred[int] = Deferred()
    seen: list[Any] = []
    outer.addCallback(lambda _: inner).addCallback(seen.append)
    outer.callback(0)
    assert seen == [] and outer.paused == 1
    assert "waiting on Deferred at" in repr(outer)
    inner.callback("x")
    assert seen == ["x"] and outer.paused == 0
    assert inner.result is None  # handed over, as in Twisted


def test_callback_returning_fired_deferred_takes_its_result() -> None:
    inner = succeed("now")
    seen: list[Any] = []
    succeed(0).addCallback(lambda _: inner).addCallback(seen.append)
    assert seen == ["now"] and inner.result is None


def test_deep_nesting_does_not_recurse() -> None:
    n = 10_000
    ds: list[Deferred[Any]] = [Deferred() for _ in range(n)]
    for a, b in zip(ds, ds[1:], strict=False):
        a.addCallback(lambda _, b=b: b)
    for d in ds[:-1]:
        d.callback(None)
    ds[-1].callback("deep")
    assert result_of(ds[0]) == "deep"


def test_deep_returned_fired_chain() -> None:
    d: Deferred[Any] = succeed(0)
    for i in range(10_000):
        d.addCallback(lambda r, i=i: succeed(i))
    assert result_of(d) == 9_999


def test_pause_unpause() -> None:
    d: Deferred[int] = Deferred()
    seen: list[int] = []
    d.pause()
    d.addCallback(seen.append)
    d.callback(1)
    assert seen == [] and d.paused == 1
    d.pause()
    d.unpause()
    assert seen == []
    d.unpause()
    assert seen == [1]


def test_reentrant_add_callback_runs_in_order() -> None:
    d: Deferred[int] = Deferred()
    seen: list[Any] = []

    def first(r: int) -> int:
        d.addCallback(lambda r: seen.append(("late", r)))
        seen.append(("first", r))
        return r + 1

    d.addCallback(first)
    d.addCallback(lambda r: seen.append(("second", r)) or r)
    d.callback(1)
    assert seen == [("first", 1), ("second", 2), ("late", 2)]


def test_cancel_without_canceller() -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    assert failure_of(d).check(CancelledError)
    d.callback(1)  # the late firing is swallowed, once
    with pytest.raises(AlreadyCalledError):
        d.callback(2)


def test_cancel_with_canceller() -> None:
    calls: list[Any] = []
    d: Deferred[int] = Deferred(calls.append)
    d.cancel()
    assert calls == [d]
    assert failure_of(d).check(CancelledError)
    with pytest.raises(AlreadyCalledError):
        d.callback(1)
    d2: Deferred[str] = Deferred(lambda d: d.callback("instead"))
    d2.cancel()
    assert result_of(d2) == "instead"


def test_cancel_reaches_waited_on_deferred() -> None:
    inner: Deferred[int] = Deferred()
    outer = succeed(0).addCallback(lambda _: inner)
    outer.cancel()
    assert failure_of(outer).check(CancelledError)
    assert inner.called and inner.result is None  # handed over to outer


def test_cancel_after_fire_is_noop() -> None:
    d = succeed(3)
    d.cancel()
    assert result_of(d) == 3


def test_chain_deferred() -> None:
    a: Deferred[int] = Deferred()
    b: Deferred[int] = Deferred()
    a.chainDeferred(b)
    assert "waiting on" in repr(b)
    a.callback(5)
    assert result_of(b) == 5
    assert result_of(a) is None


def test_repr() -> None:
    d: Deferred[int] = Deferred()
    assert repr(d) == f"<Deferred at 0x{id(d):x}>"
    d.callback(7)
    assert repr(d) == f"<Deferred at 0x{id(d):x} current result: 7>"


def test_self_return_warns() -> None:
    d: Deferred[Any] = Deferred()
    d.addCallback(lambda r: d)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d.callback(1)
    assert any("returned the Deferred it was attached to" in str(w.message) for w in caught)


def test_base_exception_in_callback_is_caught() -> None:
    d = succeed(1).addCallback(lambda r: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert failure_of(d).check(KeyboardInterrupt)


def test_deferred_subclass_returned_from_callback_is_chained() -> None:
    class MyDeferred(Deferred[Any]):
        pass

    inner: MyDeferred = MyDeferred()
    outer = succeed(0).addCallback(lambda _: inner)
    assert outer.paused
    inner.callback(9)
    assert result_of(outer) == 9


def test_failure_subclass_goes_to_errbacks() -> None:
    class MyFailure(Failure):
        pass

    d = succeed(0).addCallback(lambda _: MyFailure(KeyError("k")))
    assert failure_of(d).check(KeyError)


def test_callbacks_property_has_twisted_shape() -> None:
    d: Deferred[int] = Deferred()
    f = lambda r: r  # noqa: E731
    d.addCallback(f, 1, k=2)
    [(cb, eb)] = d.callbacks
    assert cb == (f, (1,), {"k": 2})
    assert eb[0] is defer.passthru


# -- timeouts --------------------------------------------------------------------------


def test_add_timeout_fires_time_out() -> None:
    clock = FakeClock()
    d: Deferred[int] = Deferred()
    d.addTimeout(10, clock)
    clock.advance(9)
    assert not d.called
    clock.advance(1)
    f = failure_of(d)
    assert f.check(defer.TimeoutError)
    assert f.value.args == (10, "Deferred")


def test_add_timeout_cancelled_when_fired() -> None:
    clock = FakeClock()
    d: Deferred[int] = Deferred()
    d.addTimeout(10, clock)
    d.callback(1)
    assert clock.calls == []
    assert result_of(d) == 1


def test_add_timeout_custom_handler_and_plain_cancel() -> None:
    clock = FakeClock()
    d: Deferred[int] = Deferred()
    d.addTimeout(2, clock, onTimeoutCancel=lambda result, t: ("timed out", t))
    clock.advance(2)
    assert result_of(d) == ("timed out", 2)
    d2: Deferred[int] = Deferred()
    d2.addTimeout(2, clock)
    d2.cancel()
    assert failure_of(d2).check(CancelledError)


# -- helpers ---------------------------------------------------------------------------


def test_maybe_deferred() -> None:
    assert result_of(maybeDeferred(lambda: 3)) == 3
    d = succeed(4)
    assert maybeDeferred(lambda: d) is d
    assert failure_of(maybeDeferred(lambda: 1 / 0)).check(ZeroDivisionError)
    assert failure_of(maybeDeferred(lambda: Failure(KeyError()))).check(KeyError)

    async def coro() -> int:
        return 5

    assert result_of(maybeDeferred(coro)) == 5
    assert result_of(defer.execute(lambda x: x * 2, 4)) == 8


def test_deferred_list() -> None:
    a: Deferred[int] = Deferred()
    b: Deferred[int] = Deferred()
    dl = DeferredList([a, b])
    b.errback(KeyError("k"))
    assert not dl.called
    a.callback(1)
    res = result_of(dl)
    assert res[0] == (True, 1)
    assert res[1][0] is False and res[1][1].check(KeyError)
    # without consumeErrors, the failure stays in b
    assert failure_of(b).check(KeyError)


def test_deferred_list_options() -> None:
    assert result_of(DeferredList([])) == []
    a: Deferred[int] = Deferred()
    b: Deferred[int] = Deferred()
    dl = DeferredList([a, b], fireOnOneCallback=True)
    b.callback("b")
    assert result_of(dl) == ("b", 1)
    c: Deferred[int] = Deferred()
    dl2 = DeferredList([c, Deferred()], fireOnOneErrback=True, consumeErrors=True)
    c.errback(ValueError("v"))
    f = failure_of(dl2)
    assert f.check(FirstError)
    assert f.value.index == 0 and f.value.subFailure.check(ValueError)
    assert result_of(c) is None  # consumed
    assert repr(f.value).startswith("FirstError[#0, ValueError('v')")


def test_deferred_list_cancel() -> None:
    a: Deferred[int] = Deferred()
    b: Deferred[int] = Deferred()
    dl = DeferredList([a, b], consumeErrors=True)
    dl.cancel()
    res = result_of(dl)
    assert [ok for ok, _ in res] == [False, False]


def test_gather_results() -> None:
    assert result_of(gatherResults([succeed(1), succeed(2)])) == [1, 2]
    bad: Deferred[int] = Deferred()
    g = gatherResults([succeed(1), bad], consumeErrors=True)
    bad.errback(KeyError())
    assert failure_of(g).value.subFailure.check(KeyError)
    pending: Deferred[int] = Deferred()
    g2 = gatherResults([pending])
    g2.cancel()
    assert failure_of(g2).value.subFailure.check(CancelledError)


def test_race() -> None:
    cancelled: list[Any] = []
    a: Deferred[int] = Deferred(cancelled.append)
    b: Deferred[int] = Deferred()
    r = race([a, b])
    b.callback(2)
    assert result_of(r) == (1, 2)
    assert cancelled == [a]
    c: Deferred[int] = Deferred()
    e: Deferred[int] = Deferred()
    r2 = race([c, e])
    e.errback(KeyError())
    c.errback(ValueError())
    f = failure_of(r2)
    assert f.check(FailureGroup)
    assert [x.type for x in f.value.failures] == [ValueError, KeyError]
    x: Deferred[int] = Deferred(cancelled.append)
    r3 = race([x])
    r3.cancel()
    assert cancelled == [a, x]
    assert failure_of(r3).check(FailureGroup)


# -- locks and queues ------------------------------------------------------------------


def test_lock() -> None:
    lock = DeferredLock()
    first = lock.acquire()
    assert result_of(first) is lock and lock.locked
    second = lock.acquire()
    third = lock.acquire()
    assert not second.called
    third.cancel()
    assert failure_of(third).check(CancelledError)
    lock.release()
    assert result_of(second) is lock
    lock.release()
    assert not lock.locked
    with pytest.raises(AssertionError):
        lock.release()
    order: list[str] = []
    gate: Deferred[None] = Deferred()
    lock.run(lambda: gate)
    lock.run(lambda: order.append("second"))
    assert order == []
    gate.callback(None)
    assert order == ["second"] and not lock.locked


def test_semaphore() -> None:
    with pytest.raises(ValueError):
        DeferredSemaphore(0)
    sem = DeferredSemaphore(2)
    a, b, c = sem.acquire(), sem.acquire(), sem.acquire()
    assert a.called and b.called and not c.called and sem.tokens == 0
    sem.release()
    assert c.called
    sem.release()
    sem.release()
    assert sem.tokens == 2
    with pytest.raises(AssertionError):
        sem.release()


def test_queue() -> None:
    q: DeferredQueue[int] = DeferredQueue(size=1, backlog=1)
    g = q.get()
    with pytest.raises(QueueUnderflow):
        q.get()
    q.put(1)
    assert result_of(g) == 1
    q.put(2)
    with pytest.raises(QueueOverflow):
        q.put(3)
    assert result_of(q.get()) == 2
    g2 = q.get()
    g2.cancel()
    assert q.waiting == []


async def test_lock_as_async_context_manager() -> None:
    lock = DeferredLock()
    async with lock:
        assert lock.locked
    assert not lock.locked


# -- inlineCallbacks and coroutines ----------------------------------------------------


def test_inline_callbacks() -> None:
    gate: Deferred[int] = Deferred()

    @inlineCallbacks
    def work(x: int) -> Any:
        a = yield succeed(x)
        b = yield gate
        try:
            yield fail(KeyError("k"))
        except KeyError:
            pass
        c = yield "plain"
        return (a, b, c)

    d = work(1)
    assert not d.called
    gate.callback(2)
    assert result_of(d) == (1, 2, "plain")


def test_inline_callbacks_return_value_and_errors() -> None:
    @inlineCallbacks
    def rv() -> Any:
        yield succeed(1)
        defer.returnValue(5)

    assert result_of(rv()) == 5

    @inlineCallbacks
    def boom() -> Any:
        yield succeed(1)
        raise ValueError("x")

    assert failure_of(boom()).check(ValueError)

    def notgen() -> int:
        return 1

    with pytest.raises(TypeError):
        inlineCallbacks(notgen)()  # type: ignore[arg-type]


def test_inline_callbacks_cancel() -> None:
    cancelled: list[Any] = []
    waited: Deferred[int] = Deferred(cancelled.append)

    @inlineCallbacks
    def work() -> Any:
        yield waited

    d = work()
    d.cancel()
    assert cancelled == [waited]
    assert failure_of(d).check(CancelledError)


def test_inline_callbacks_cancel_caught_and_continued() -> None:
    first: Deferred[int] = Deferred()
    second: Deferred[int] = Deferred()

    @inlineCallbacks
    def work() -> Any:
        try:
            yield first
        except CancelledError:
            pass
        v = yield second
        return v

    d = work()
    d.cancel()
    assert d.called and d.paused  # waits on the generator, which goes on
    second.callback(7)
    assert result_of(d) == 7


def test_inline_callbacks_deep_synchronous() -> None:
    @inlineCallbacks
    def work() -> Any:
        total = 0
        for i in range(5000):
            total += yield succeed(i)
        return total

    assert result_of(work()) == sum(range(5000))


def test_ensure_deferred_runs_synchronously() -> None:
    gate: Deferred[int] = Deferred()
    trace: list[str] = []

    async def co() -> int:
        trace.append("start")
        a = await succeed(1)
        b = await gate
        return a + b

    d = ensureDeferred(co())
    assert trace == ["start"] and not d.called
    gate.callback(2)
    assert result_of(d) == 3
    assert ensureDeferred(d) is d
    with pytest.raises(defer.NotACoroutineError):
        ensureDeferred(1)  # type: ignore[arg-type]


def test_from_coroutine_cancel() -> None:
    cancelled: list[Any] = []
    gate: Deferred[int] = Deferred(cancelled.append)

    async def co() -> int:
        return await gate

    d = Deferred.fromCoroutine(co())
    d.cancel()
    assert cancelled == [gate]
    assert failure_of(d).check(CancelledError)
    with pytest.raises(defer.NotACoroutineError):
        Deferred.fromCoroutine(1)  # type: ignore[arg-type]


def test_contextvars_inside_coroutine_are_its_own() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="outer")
    gate: Deferred[None] = Deferred()

    async def co() -> str:
        var.set("inner")
        await gate
        return var.get()

    d = ensureDeferred(co())
    assert var.get() == "outer"
    gate.callback(None)
    assert result_of(d) == "inner"


def test_contextvars_seen_by_callbacks_added_before_fire() -> None:
    # twisted#9807: the context current at addCallback is the one the callback sees.
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var9807", default="none")
    d: Deferred[None] = Deferred()
    seen: list[str] = []

    def register() -> None:
        var.set("request-1")
        d.addCallback(lambda _: seen.append(var.get()))

    contextvars.copy_context().run(register)
    assert var.get() == "none"
    d.callback(None)
    assert seen == ["request-1"]


def test_debug_on_one_deferred() -> None:
    assert Deferred.debug is False and Deferred().debug is False
    d: Deferred[int] = Deferred()
    d.debug = True
    other: Deferred[int] = Deferred()
    assert d.debug and not other.debug and Deferred.debug is False
    d.callback(1)
    with pytest.raises(AlreadyCalledError) as info:
        d.callback(2)
    assert "I: First Invoker was" in str(info.value)
    assert "C: Deferred was created" not in str(info.value)  # switched on after creation
    other.callback(1)
    with pytest.raises(AlreadyCalledError) as info:
        other.callback(2)
    assert str(info.value) == ""
    defer.setDebugging(True)
    try:
        assert Deferred.debug is True and other.debug is True
    finally:
        defer.setDebugging(False)


def test_debug_on_one_deferred_logs_its_invoker(caplog: pytest.LogCaptureFixture) -> None:
    def make() -> None:
        d: Deferred[int] = Deferred()
        d.debug = True
        d.addCallback(lambda r: 1 // r)
        d.callback(0)

    with caplog.at_level(logging.ERROR, logger="twistio.internet.defer"):
        make()
        gc.collect()
    assert "(debug:  I: First Invoker was" in caplog.text


# -- unhandled errors ------------------------------------------------------------------


def test_unhandled_failure_is_logged_on_gc(caplog: pytest.LogCaptureFixture) -> None:
    def make() -> None:
        d: Deferred[int] = Deferred()
        d.addCallback(lambda r: 1 / r)
        d.callback(0)

    with caplog.at_level(logging.ERROR, logger="twistio.internet.defer"):
        make()
        gc.collect()
    assert "Unhandled error in Deferred" in caplog.text
    assert "ZeroDivisionError" in caplog.text
    assert "1 / r" in caplog.text


def test_handled_failure_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="twistio.internet.defer"):
        fail(KeyError()).addErrback(lambda f: None)
        gc.collect()
    assert "Unhandled" not in caplog.text


# -- asyncio bridges -------------------------------------------------------------------


@pytest.fixture(params=["asyncio", "uvloop"])
def loop_factory(request: pytest.FixtureRequest) -> Any:
    if request.param == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        return uvloop.new_event_loop
    return asyncio.new_event_loop


def run(loop_factory: Any, coro: Any) -> Any:
    loop = loop_factory()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def test_await_deferred_in_task(loop_factory: Any) -> None:
    async def main() -> Any:
        loop = asyncio.get_running_loop()
        d: Deferred[str] = Deferred()
        loop.call_soon(d.callback, "hi")
        a = await d
        b = await succeed("now")
        e: Deferred[str] = Deferred()
        loop.call_soon(e.errback, KeyError("k"))
        with pytest.raises(KeyError):
            await e
        return a, b

    assert run(loop_factory, main()) == ("hi", "now")


def test_gather_and_wait_for_deferreds(loop_factory: Any) -> None:
    # twisted#9806: Deferreds awaited from plain Tasks, gather and wait_for.
    async def main() -> Any:
        loop = asyncio.get_running_loop()
        a: Deferred[int] = Deferred()
        b: Deferred[int] = Deferred()
        loop.call_soon(a.callback, 1)
        loop.call_soon(b.callback, 2)

        async def aw(d: Deferred[int]) -> int:
            return await d

        got = await asyncio.gather(aw(a), aw(b), asyncio.create_task(aw(succeed(3))))
        cancelled: list[Any] = []
        slow: Deferred[int] = Deferred(cancelled.append)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(aw(slow), 0.01)
        await asyncio.sleep(0)
        assert cancelled == [slow]
        return got

    assert run(loop_factory, main()) == [1, 2, 3]


def test_awaiting_from_a_task_does_not_consume_the_result(loop_factory: Any) -> None:
    """Issue 16 item 10: ``a = await d; b = await d`` in a plain asyncio Task gives the result
    twice, as under ``ensureDeferred``; ``gather(d)`` and later callbacks see it too."""

    async def main() -> Any:
        loop = asyncio.get_running_loop()
        d: Deferred[str] = Deferred()
        loop.call_soon(d.callback, "fired")

        async def twice() -> tuple[str, str]:
            a = await d
            b = await d
            return a, b

        pair = await asyncio.create_task(twice())
        again = await asyncio.gather(d)
        later: list[Any] = []
        d.addCallback(later.append)
        return pair, again, later, d.result

    assert run(loop_factory, main()) == (("fired", "fired"), ["fired"], ["fired"], None)


def test_awaited_failure_raises_each_time_and_is_not_reported(
    loop_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        d: Deferred[str] = Deferred()
        loop.call_soon(d.errback, KeyError("k"))
        seen = []

        async def twice() -> None:
            for _ in range(2):
                try:
                    await d
                except KeyError as e:
                    seen.append(repr(e))

        await asyncio.create_task(twice())
        assert isinstance(d.result, Failure)  # still there for callbacks added later
        return seen

    with caplog.at_level(logging.ERROR, logger="twistio.internet.defer"):
        assert run(loop_factory, main()) == ["KeyError('k')", "KeyError('k')"]
        gc.collect()
    assert "Unhandled" not in caplog.text


def test_failure_the_task_never_saw_is_still_reported(
    loop_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The awaiting Task was cancelled before it could take the error: still unhandled."""

    async def main() -> None:
        d: Deferred[str] = Deferred(lambda d: None)

        async def waiter() -> None:
            await d

        task = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        d.errback(KeyError("too late"))  # fires before the Task notices
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.ERROR, logger="twistio.internet.defer"):
        run(loop_factory, main())
        gc.collect()
    assert "Unhandled error in Deferred" in caplog.text and "too late" in caplog.text


def test_task_cancel_cancels_awaited_deferred(loop_factory: Any) -> None:
    async def main() -> None:
        cancelled: list[Any] = []
        d: Deferred[int] = Deferred(cancelled.append)

        async def aw() -> int:
            return await d

        t = asyncio.ensure_future(aw())
        await asyncio.sleep(0)
        t.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t
        assert cancelled == [d]

    run(loop_factory, main())


def test_deferred_cancel_cancels_awaiting_task(loop_factory: Any) -> None:
    async def main() -> None:
        d: Deferred[int] = Deferred()

        async def aw() -> int:
            return await d

        t = asyncio.ensure_future(aw())
        await asyncio.sleep(0)
        d.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t

    run(loop_factory, main())


def test_ensure_deferred_awaits_asyncio(loop_factory: Any) -> None:
    # twisted#11841: asyncio awaitables inside an ensureDeferred coroutine.
    async def co() -> Any:
        await asyncio.sleep(0.001)
        task = asyncio.current_task()
        value = await asyncio.to_thread(lambda: "threaded")
        fut = asyncio.ensure_future(asyncio.sleep(0, "fut"))
        got = await fut
        gate: Deferred[str] = Deferred()
        asyncio.get_running_loop().call_soon(gate.callback, "deferred")
        after = await gate
        async with asyncio.timeout(1) if sys.version_info >= (3, 11) else _null():
            await asyncio.sleep(0)
        return task is not None and task is asyncio.current_task(), value, got, after

    async def main() -> Any:
        return await ensureDeferred(co())

    assert run(loop_factory, main()) == (True, "threaded", "fut", "deferred")


class _null:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *a: Any) -> None:
        return None


def test_cancel_ensure_deferred_waiting_on_asyncio(loop_factory: Any) -> None:
    async def main() -> None:
        reached: list[str] = []

        async def co() -> None:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                reached.append("cancelled inside")
                raise

        d = ensureDeferred(co())
        await asyncio.sleep(0)
        d.cancel()
        with pytest.raises(CancelledError):
            await asyncio.wait_for(_settled(d), 1)
        assert reached == ["cancelled inside"]

    run(loop_factory, main())


async def _settled(d: Deferred[Any]) -> Any:
    out: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    d.addBoth(lambda r: out.set_result(r))
    r = await out
    if isinstance(r, Failure):
        r.raiseException()
    return r


def test_from_future(loop_factory: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        d = Deferred.fromFuture(fut)
        fut.set_result(5)
        assert await d == 5
        bad = loop.create_future()
        d2 = Deferred.fromFuture(bad)
        bad.set_exception(KeyError("k"))
        with pytest.raises(KeyError):
            await d2
        c = loop.create_future()
        d3 = Deferred.fromFuture(c)
        c.cancel()
        await asyncio.sleep(0)
        assert failure_of(d3).check(CancelledError)

    run(loop_factory, main())


def test_cancel_from_future_before_task_runs_leaves_nothing(loop_factory: Any) -> None:
    # twisted#12470: no unhandled asyncio.CancelledError, whenever the cancel comes.
    errors: list[Any] = []

    async def work() -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, ctx: errors.append(ctx))
        for delay in (None, 0, 1):
            task = asyncio.ensure_future(work())
            if delay is not None:
                for _ in range(delay):
                    await asyncio.sleep(0)
            d = Deferred.fromFuture(task)
            d.cancel()
            assert failure_of(d).check(CancelledError)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            assert task.cancelled()

    run(loop_factory, main())
    gc.collect()
    assert errors == []


def test_as_future(loop_factory: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        d: Deferred[int] = Deferred()
        fut = d.asFuture(loop)
        d.callback(4)
        assert await fut == 4
        assert result_of(d) is None  # consumed, as in Twisted
        e: Deferred[int] = Deferred()
        efut = e.asFuture(loop)
        e.errback(KeyError("k"))
        with pytest.raises(KeyError):
            await efut
        c: Deferred[int] = Deferred()
        cfut = c.asFuture(loop)
        c.cancel()
        assert cfut.cancelled()
        cancelled: list[Any] = []
        x: Deferred[int] = Deferred(cancelled.append)
        xfut = x.asFuture(loop)
        xfut.cancel()
        await asyncio.sleep(0)
        assert cancelled == [x]

    run(loop_factory, main())


def test_contextvars_in_await_from_task(loop_factory: Any) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("task_var", default="-")

    async def main() -> str:
        var.set("task")
        d: Deferred[None] = Deferred()
        asyncio.get_running_loop().call_soon(d.callback, None)
        await d
        return var.get()

    assert run(loop_factory, main()) == "task"


def test_ensure_deferred_takes_any_coroutine_like_twisted() -> None:
    """An async generator's ``__anext__()`` is a Coroutine (not a native coroutine): Twisted's
    ensureDeferred runs it, and so does twistio's (pytest-twisted's async fixtures)."""
    from twistio.internet import defer as ours

    async def numbers():  # type: ignore[no-untyped-def]
        yield 1

    results: list[object] = []
    ours.ensureDeferred(numbers().__anext__()).addCallback(results.append)
    assert results == [1]

    class OnlyAwaitable:
        def __await__(self):  # type: ignore[no-untyped-def]
            return iter([])

    with pytest.raises(ours.NotACoroutineError):
        ours.ensureDeferred(OnlyAwaitable())  # type: ignore[arg-type]
    twisted_defer = pytest.importorskip("twisted.internet.defer")
    theirs: list[object] = []
    twisted_defer.ensureDeferred(numbers().__anext__()).addCallback(theirs.append)
    assert theirs == results
