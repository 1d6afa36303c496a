"""Tests for twistio.internet.task: Clock, LoopingCall, deferLater, Cooperator, react.

Most scenarios run on Twisted's ``task`` module and on twistio's and compare what they saw.
"""

from __future__ import annotations

import contextvars
import logging
import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, Callable

import pytest
import twisted.internet.defer as tw_defer
import twisted.internet.error as tw_error
import twisted.internet.task as tw_task
from hypothesis import given, settings
from hypothesis import strategies as st

import twistio.internet.defer as tio_defer
import twistio.internet.error as tio_error
import twistio.internet.task as tio_task
from twistio.internet.defer import CancelledError, Deferred, succeed
from twistio.internet.task import (
    Clock,
    LoopingCall,
    NotPaused,
    SchedulerStopped,
    TaskDone,
    TaskFailed,
    TaskFinished,
    TaskStopped,
    deferLater,
)
from twistio.internet.testing import MemoryReactorClock
from twistio.python.failure import Failure

TWISTED = SimpleNamespace(name="twisted", task=tw_task, defer=tw_defer, error=tw_error)
TWISTIO = SimpleNamespace(name="twistio", task=tio_task, defer=tio_defer, error=tio_error)
BOTH = pytest.mark.parametrize("impl", [TWISTED, TWISTIO], ids=["twisted", "twistio"])


def differential(scenario: Callable[[SimpleNamespace], Any]) -> Any:
    """Run ``scenario`` on Twisted and on twistio; they must return equal traces."""
    expected = scenario(TWISTED)
    actual = scenario(TWISTIO)
    assert actual == expected
    return actual


_OUTCOMES: dict[int, tuple[Any, Any]] = {}


def outcome(d: Any) -> Any:
    """A Deferred's current result as plain data; a failure is consumed (and remembered)."""
    if id(d) in _OUTCOMES:
        return _OUTCOMES[id(d)][1]
    if not d.called or d.paused or isinstance(d.result, (tw_defer.Deferred, tio_defer.Deferred)):
        return ("pending",)
    box: list[Any] = []
    d.addCallbacks(
        lambda r: box.append(("ok", r)) or r,
        lambda f: box.append(("err", f.type.__name__, str(f.value))),
    )
    _OUTCOMES[id(d)] = (d, box[0])
    return box[0]


# ------------------------------------------------------------------------ Clock


def test_clock_starts_at_zero_and_advances() -> None:
    c = Clock()
    assert c.seconds() == 0.0
    c.advance(1.5)
    c.pump([0.5, 1, 2])
    assert c.seconds() == 5.0
    assert c.rightNow == 5.0


def test_clock_runs_due_calls_in_time_then_scheduling_order() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        c = impl.task.Clock()
        seen: list[Any] = []
        c.callLater(2, lambda: seen.append(("b", c.seconds())))
        c.callLater(1, lambda: seen.append(("a", c.seconds())))
        c.callLater(2, lambda: seen.append(("c", c.seconds())))
        c.callLater(0, lambda: seen.append(("zero", c.seconds())))
        c.advance(0)
        seen.append("--")
        c.advance(1.5)
        seen.append("--")
        c.advance(10)
        return seen

    assert differential(scenario) == [
        ("zero", 0.0),
        "--",
        ("a", 1.5),
        "--",
        ("b", 11.5),
        ("c", 11.5),
    ]


def test_clock_call_scheduled_during_advance_runs_if_due() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        c = impl.task.Clock()
        seen: list[Any] = []

        def first() -> None:
            seen.append("first")
            c.callLater(0, seen.append, "now")
            c.callLater(1, seen.append, "next")
            c.callLater(5, seen.append, "later")

        c.callLater(1, first)
        c.advance(3)
        seen.append(len(c.getDelayedCalls()))
        return seen

    assert differential(scenario) == ["first", "now", 2]


def test_clock_exception_propagates_and_keeps_remaining_calls() -> None:
    c = Clock()
    seen: list[str] = []

    def boom() -> None:
        raise ZeroDivisionError()

    c.callLater(1, boom)
    c.callLater(1, seen.append, "after")
    with pytest.raises(ZeroDivisionError):
        c.advance(1)
    assert seen == []
    assert len(c.getDelayedCalls()) == 1
    c.advance(0)
    assert seen == ["after"]


def test_delayed_call_api() -> None:
    c = Clock()
    calls: list[int] = []
    dc = c.callLater(5, calls.append, 1)
    assert dc.active() and not dc.called and not dc.cancelled
    assert dc.getTime() == 5
    assert list(c.getDelayedCalls()) == [dc]
    dc.delay(2)
    assert dc.getTime() == 7
    dc.reset(1)
    assert dc.getTime() == 1
    c.advance(1)
    assert calls == [1]
    assert dc.called and not dc.active()
    with pytest.raises(tio_error.AlreadyCalled):
        dc.cancel()
    with pytest.raises(tio_error.AlreadyCalled):
        dc.reset(1)
    with pytest.raises(tio_error.AlreadyCalled):
        dc.delay(1)

    dc2 = c.callLater(1, calls.append, 2)
    dc2.cancel()
    assert dc2.cancelled and not dc2.active()
    assert list(c.getDelayedCalls()) == []
    for method, arg in [("cancel", ()), ("reset", (1,)), ("delay", (1,))]:
        with pytest.raises(tio_error.AlreadyCancelled) as info:
            getattr(dc2, method)(*arg)
        assert isinstance(info.value, ValueError)
    c.advance(10)
    assert calls == [1]


def test_delayed_call_errors_match_twisted() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        c = impl.task.Clock()
        out: list[Any] = []
        done = c.callLater(0, int)
        c.advance(0)
        gone = c.callLater(1, int)
        gone.cancel()
        for dc in (done, gone):
            for method, args in [("cancel", ()), ("reset", (1,)), ("delay", (1,))]:
                try:
                    getattr(dc, method)(*args)
                except ValueError as e:
                    out.append((type(e).__name__, str(e), e.args))
        return out

    assert len(differential(scenario)) == 6


def test_delayed_call_times_match_twisted() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        c = impl.task.Clock()
        c.advance(10)
        dc = c.callLater(5, int)
        out = []
        for op, arg in [("delay", 2), ("reset", 1), ("reset", 20), ("delay", -30), ("delay", 3)]:
            getattr(dc, op)(arg)
            out.append((dc.getTime(), dc.time, dc.delayed_time))
        c.advance(1)
        out.append((dc.called, c.seconds()))
        return out

    differential(scenario)


def test_delayed_call_repr_matches_twisted() -> None:
    class Thing:
        def method(self, x: int) -> None:
            pass

        def __repr__(self) -> str:
            return "Thing()"

    def scenario(impl: SimpleNamespace) -> list[str]:
        c = impl.task.Clock()
        calls = [
            c.callLater(5, print, "hi", 1, sep="-"),
            c.callLater(1, Thing().method, 3),
            c.callLater(2, lambda: None),
            c.callLater(3, Thing.method, Thing(), 4),
        ]
        c.advance(1)
        calls[2].cancel()
        return [repr(dc).split(" ", 2)[2] for dc in calls]

    differential(scenario)


def test_clock_calls_run_in_their_scheduling_context() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    c = Clock()
    seen: list[str] = []
    token = var.set("at callLater")
    c.callLater(1, lambda: seen.append(var.get()))
    var.reset(token)
    c.advance(1)
    assert seen == ["at callLater"]
    assert var.get() == "unset"


operations = st.lists(
    st.one_of(
        st.tuples(st.just("later"), st.integers(0, 20)),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("reset"), st.integers(0, 30), st.integers(0, 20)),
        st.tuples(st.just("delay"), st.integers(0, 30), st.integers(-10, 10)),
        st.tuples(st.just("advance"), st.integers(0, 8)),
    ),
    max_size=40,
)


@settings(max_examples=int(os.environ.get("TWISTIO_EXAMPLES", 200)), deadline=None)
@given(operations)
def test_clock_random_schedules_match_twisted(ops: list[tuple[Any, ...]]) -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        c = impl.task.Clock()
        calls: list[Any] = []
        trace: list[Any] = []
        for op in ops:
            try:
                if op[0] == "later":
                    n = len(calls)
                    calls.append(c.callLater(op[1], lambda n=n: trace.append((n, c.seconds()))))
                elif op[0] == "advance":
                    c.advance(op[1])
                elif calls:
                    dc = calls[op[1] % len(calls)]
                    getattr(dc, op[0])(*op[2:])
            except ValueError as e:
                trace.append(type(e).__name__)
            trace.append(sorted(dc.getTime() for dc in c.getDelayedCalls()))
        return trace

    differential(scenario)


# ------------------------------------------------------------------ LoopingCall


def test_looping_call_runs_now_and_every_interval() -> None:
    c = Clock()
    times: list[float] = []
    lc = LoopingCall(lambda: times.append(c.seconds()))
    lc.clock = c
    d = lc.start(1.0)
    assert lc.running and lc.deferred is d and lc.interval == 1.0
    c.pump([0.5, 0.5, 1, 1])
    assert times == [0.0, 1.0, 2.0, 3.0]
    lc.stop()
    assert not lc.running and lc.deferred is None and lc.call is None
    assert outcome(d) == ("ok", lc)
    c.advance(5)
    assert times == [0.0, 1.0, 2.0, 3.0]
    assert c.getDelayedCalls() == []


def test_looping_call_now_false_waits_an_interval() -> None:
    c = Clock()
    times: list[float] = []
    lc = LoopingCall(lambda: times.append(c.seconds()))
    lc.clock = c
    lc.start(2, now=False)
    assert times == []
    c.advance(2)
    assert times == [2]


def test_looping_call_passes_arguments_and_has_twisted_repr() -> None:
    c = Clock()
    seen: list[Any] = []

    def f(a: int, b: int = 0) -> None:
        seen.append((a, b))

    lc = LoopingCall(f, 1, b=2)
    lc.clock = c
    lc.start(3)
    assert seen == [(1, 2)]
    assert lc.f is f and lc.a == (1,) and lc.kw == {"b": 2}

    def scenario(impl: SimpleNamespace) -> str:
        loop = impl.task.LoopingCall(f, 1, b=2)
        loop.clock = impl.task.Clock()
        loop.start(3)
        return repr(loop)

    assert differential(scenario).startswith("LoopingCall<3>(")


def test_looping_call_failure_stops_it_and_fails_the_deferred() -> None:
    c = Clock()
    n = [0]

    def f() -> None:
        n[0] += 1
        if n[0] == 3:
            raise ValueError("third")

    lc = LoopingCall(f)
    lc.clock = c
    d = lc.start(1)
    c.pump([1, 1, 1, 1])
    assert n[0] == 3
    assert not lc.running
    assert outcome(d) == ("err", "ValueError", "third")


def test_looping_call_failing_at_start_returns_failed_deferred() -> None:
    lc = LoopingCall(lambda: 1 / 0)
    lc.clock = Clock()
    d = lc.start(1)
    assert outcome(d)[:2] == ("err", "ZeroDivisionError")
    assert not lc.running and lc.deferred is None


def test_looping_call_waits_for_returned_deferred() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        c = impl.task.Clock()
        trace: list[Any] = []
        pending: list[Any] = []

        def f() -> Any:
            trace.append(("call", c.seconds()))
            d = impl.defer.Deferred()
            pending.append(d)
            return d

        lc = impl.task.LoopingCall(f)
        lc.clock = c
        done = lc.start(1)
        c.advance(3)
        trace.append(("scheduled", len(c.getDelayedCalls())))
        c.advance(0.5)
        pending[-1].callback(None)  # at 3.5: the next call is on the next boundary, 4.0
        c.pump([0.25, 0.25, 1])
        pending[-1].callback(None)  # at 5.0: next call at 6.0
        c.advance(1)
        # Stopping while the function's Deferred is pending: the loop ends when it fires.
        lc.stop()
        trace.append(outcome(done))
        pending[-1].callback(None)
        trace.append(outcome(done)[0])
        trace.append(len(c.getDelayedCalls()))
        return trace

    assert differential(scenario) == [
        ("call", 0.0),
        ("scheduled", 0),
        ("call", 4.0),
        ("call", 6.0),
        ("pending",),
        "ok",
        0,
    ]


def test_looping_call_deferred_failure_fails_loop() -> None:
    c = Clock()
    pending: Deferred[None] = Deferred()
    lc = LoopingCall(lambda: pending)
    lc.clock = c
    d = lc.start(1)
    pending.errback(KeyError("k"))
    assert outcome(d)[:2] == ("err", "KeyError")
    assert not lc.running


def test_looping_call_start_and_stop_misuse() -> None:
    lc = LoopingCall(int)
    lc.clock = Clock()
    with pytest.raises(ValueError):
        lc.start(-1)
    with pytest.raises(AssertionError):
        lc.stop()
    with pytest.raises(AssertionError):
        lc.reset()
    lc.start(1)
    with pytest.raises(AssertionError):
        lc.start(1)


def test_looping_call_reset_restarts_interval() -> None:
    def scenario(impl: SimpleNamespace) -> list[float]:
        c = impl.task.Clock()
        times: list[float] = []
        lc = impl.task.LoopingCall(lambda: times.append(c.seconds()))
        lc.clock = c
        lc.start(2)
        c.advance(1.5)
        lc.reset()
        c.pump([1, 1, 1, 1])
        return times

    assert differential(scenario) == [0.0, 3.5, 5.5]


def test_looping_call_skips_missed_intervals() -> None:
    def scenario(impl: SimpleNamespace) -> list[float]:
        c = impl.task.Clock()
        times: list[float] = []
        lc = impl.task.LoopingCall(lambda: times.append(c.seconds()))
        lc.clock = c
        lc.start(1)
        c.advance(3.5)
        c.advance(0.5)
        c.advance(0.2)
        return times

    assert differential(scenario) == [0.0, 3.5, 4.0]


def test_looping_call_zero_interval_runs_back_to_back() -> None:
    c = Clock()
    n = [0]

    def f() -> None:
        n[0] += 1
        if n[0] == 5:
            lc.stop()

    lc = LoopingCall(f)
    lc.clock = c
    d = lc.start(0)
    assert n[0] == 1
    c.advance(0)
    assert n[0] == 5
    assert outcome(d) == ("ok", lc)


def test_with_count_reports_skipped_intervals() -> None:
    c = Clock()
    counts: list[tuple[float, int]] = []
    lc = LoopingCall.withCount(lambda n: counts.append((c.seconds(), n)))
    lc.clock = c
    lc.start(1)
    c.advance(1)
    c.advance(3)
    c.advance(0.5)
    c.advance(0.5)
    assert counts == [(0, 1), (1, 1), (4, 3), (5, 1)]


@settings(max_examples=int(os.environ.get("TWISTIO_EXAMPLES", 300)), deadline=None)
@given(
    interval=st.sampled_from([0, 0.1, 0.25, 1, 1.5, 3]),
    now=st.booleans(),
    start_at=st.sampled_from([0, 0.3, 1e9, 1.7e9 + 0.123]),
    steps=st.lists(
        st.one_of(
            st.floats(0, 7, allow_nan=False).map(lambda x: round(x, 2)),
            st.just("reset"),
            st.just("stop-start"),
        ),
        max_size=25,
    ),
)
def test_with_count_matches_twisted(
    interval: float, now: bool, start_at: float, steps: list[Any]
) -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        c = impl.task.Clock()
        c.advance(start_at)
        trace: list[Any] = []
        calls = [0]

        def counted(n: int) -> None:
            calls[0] += 1
            trace.append((c.seconds(), n))
            if interval == 0 and calls[0] % 4 == 0:
                lc.stop()  # keep a zero interval from spinning forever

        lc = impl.task.LoopingCall.withCount(counted)
        lc.clock = c
        lc.start(interval, now=now)
        for step in steps:
            if step == "reset":
                if lc.running:
                    lc.reset()
            elif step == "stop-start":
                if lc.running:
                    lc.stop()
                lc.start(interval, now=now)
            else:
                c.advance(step)
            trace.append(("calls", len(c.getDelayedCalls()), lc.running))
        return trace

    differential(scenario)


def test_looping_call_clock_defaults_to_reactor_lazily() -> None:
    lc = LoopingCall(int)
    assert lc._clock is None  # constructing one does not touch the reactor
    mem = MemoryReactorClock()
    lc.clock = mem
    lc.start(1, now=False)
    assert len(mem.getDelayedCalls()) == 1


def test_looping_call_with_memory_reactor_clock() -> None:
    mem = MemoryReactorClock()
    seen: list[float] = []
    lc = LoopingCall(lambda: seen.append(mem.seconds()))
    lc.clock = mem
    lc.start(0.5)
    mem.advance(1)
    assert seen == [0.0, 1.0]


# ------------------------------------------------------------------- deferLater


def test_defer_later_fires_with_result_after_delay() -> None:
    c = Clock()
    d = deferLater(c, 3, lambda a, b: a + b, 1, b=2)
    c.advance(2.9)
    assert outcome(d) == ("pending",)
    c.advance(0.1)
    assert outcome(d) == ("ok", 3)


def test_defer_later_without_callable_fires_none() -> None:
    c = MemoryReactorClock()
    d = deferLater(c, 1)
    c.advance(1)
    assert outcome(d) == ("ok", None)


def test_defer_later_error_and_deferred_result() -> None:
    c = Clock()
    failing = deferLater(c, 1, lambda: 1 / 0)
    inner: Deferred[str] = Deferred()
    chained = deferLater(c, 1, lambda: inner)
    c.advance(1)
    assert outcome(failing)[:2] == ("err", "ZeroDivisionError")
    assert outcome(chained) == ("pending",)
    inner.callback("inner")
    assert outcome(chained) == ("ok", "inner")


def test_defer_later_cancel_unschedules() -> None:
    c = Clock()
    called: list[int] = []
    d = deferLater(c, 1, called.append, 1)
    d.cancel()
    assert c.getDelayedCalls() == []
    assert outcome(d)[:2] == ("err", "CancelledError")
    c.advance(2)
    assert called == []
    with pytest.raises(CancelledError):
        f = Failure(CancelledError())
        f.raiseException()


def test_defer_later_matches_twisted() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        c = impl.task.Clock()
        out = []
        ds = [
            impl.task.deferLater(c, 2, lambda: "two"),
            impl.task.deferLater(c, 1, lambda: "one"),
            impl.task.deferLater(c, 1.5),
        ]
        ds[2].cancel()
        for _ in range(3):
            c.advance(1)
            out.append([outcome(d) for d in ds])
        return out

    differential(scenario)


# ------------------------------------------------------------------- Cooperator


class Steps:
    """A deterministic Cooperator set-up: ticks scheduled on a Clock, N units per tick."""

    def __init__(self, impl: SimpleNamespace, per_tick: int = 3, started: bool = True) -> None:
        self.clock = impl.task.Clock()
        self.ticks = 0

        def predicate_factory() -> Callable[[], bool]:
            left = [per_tick]

            def out_of_time() -> bool:
                left[0] -= 1
                return left[0] <= 0

            return out_of_time

        def scheduler(f: Callable[[], None]) -> Any:
            self.ticks += 1
            return self.clock.callLater(1, f)

        self.coop = impl.task.Cooperator(
            terminationPredicateFactory=predicate_factory, scheduler=scheduler, started=started
        )

    def run(self, ticks: int = 1) -> None:
        for _ in range(ticks):
            self.clock.advance(1)


def numbers(name: str, n: int, trace: list[Any]) -> Iterator[None]:
    for i in range(n):
        trace.append((name, i))
        yield None


def test_coiterate_fires_with_iterator_when_exhausted() -> None:
    s = Steps(TWISTIO)
    trace: list[Any] = []
    it = numbers("a", 4, trace)
    d = s.coop.coiterate(it)
    s.run()
    assert outcome(d) == ("pending",)
    s.run()
    assert outcome(d) == ("ok", it)
    assert trace == [("a", i) for i in range(4)]


def test_cooperator_round_robin_matches_twisted() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        s = Steps(impl, per_tick=4)
        trace: list[Any] = []
        ends = [
            s.coop.coiterate(numbers(name, n, trace)) for name, n in [("a", 3), ("b", 6), ("c", 1)]
        ]
        for _ in range(5):
            s.run()
            trace.append("tick")
            if len(trace) == 6:
                s.coop.coiterate(numbers("late", 2, trace))
        trace.append([outcome(d)[0] for d in ends])
        trace.append(s.ticks)
        return trace

    differential(scenario)


coop_ops = st.lists(
    st.one_of(
        st.tuples(st.just("tick"), st.integers(1, 3)),
        st.tuples(st.just("add"), st.integers(0, 6), st.integers(0, 6)),
        st.tuples(st.sampled_from(["pause", "resume", "stop", "whenDone"]), st.integers(0, 9)),
        st.tuples(st.sampled_from(["open", "fail"]), st.integers(0, 9)),
    ),
    max_size=30,
)


@settings(max_examples=int(os.environ.get("TWISTIO_EXAMPLES", 200)), deadline=None)
@given(per_tick=st.integers(1, 4), ops=coop_ops)
def test_cooperator_random_programs_match_twisted(
    per_tick: int, ops: list[tuple[Any, ...]]
) -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        s = Steps(impl, per_tick=per_tick)
        trace: list[Any] = []
        tasks: list[Any] = []
        gates: list[tuple[int, Any]] = []
        finished: set[int] = set()

        def worker(n: int, length: int, gate_at: int) -> Iterator[Any]:
            for i in range(length):
                trace.append((n, i))
                if i == gate_at:
                    gate = impl.defer.Deferred()
                    gates.append((n, gate))
                    yield gate
                else:
                    yield None

        for op in ops:
            try:
                if op[0] == "tick":
                    s.run(op[1])
                elif op[0] == "add":
                    n = len(tasks)
                    t = s.coop.cooperate(worker(n, op[1], op[2]))
                    tasks.append(t)
                    d = t.whenDone()
                    d.addBoth(lambda r, n=n: finished.add(n))
                elif op[0] in ("open", "fail"):
                    if gates:
                        n, gate = gates[op[1] % len(gates)]
                        if not gate.called and not (op[0] == "fail" and n in finished):
                            if op[0] == "open":
                                gate.callback(None)
                            else:
                                gate.errback(RuntimeError("gate"))
                            trace.append((op[0], n))
                elif tasks:
                    n = op[1] % len(tasks)
                    result = getattr(tasks[n], op[0])()
                    if op[0] == "whenDone":
                        o = outcome(result)
                        trace.append(("whenDone", n, o[0], o[1] if o[0] == "err" else None))
                        result.addErrback(lambda f: None)
            except impl.task.SchedulerError as e:
                trace.append((op[0], type(e).__name__))
            trace.append(sorted(finished))
        return trace

    differential(scenario)


def test_task_pause_resume_and_not_paused() -> None:
    s = Steps(TWISTIO, per_tick=2)
    trace: list[Any] = []
    t = s.coop.cooperate(numbers("a", 10, trace))
    s.run()
    t.pause()
    t.pause()
    s.run(3)
    assert len(trace) == 2
    t.resume()
    s.run()
    assert len(trace) == 2
    t.resume()
    s.run()
    assert len(trace) == 4
    with pytest.raises(NotPaused):
        t.resume()


def test_task_stop_fails_when_done_and_raises_afterwards() -> None:
    s = Steps(TWISTIO)
    trace: list[Any] = []
    t = s.coop.cooperate(numbers("a", 10, trace))
    before = t.whenDone()
    t.stop()
    after = t.whenDone()
    assert outcome(before)[:2] == ("err", "TaskStopped")
    assert outcome(after)[:2] == ("err", "TaskStopped")
    for method in (t.stop, t.pause):
        with pytest.raises(TaskStopped):
            method()
    s.run()
    assert trace == []


def test_finished_task_raises_task_done() -> None:
    s = Steps(TWISTIO)
    t = s.coop.cooperate(iter([1, 2]))
    s.run()
    assert outcome(t.whenDone())[0] == "ok"
    with pytest.raises(TaskDone) as info:
        t.pause()
    assert isinstance(info.value, TaskFinished)


def test_task_failure_fails_when_done() -> None:
    def bad() -> Iterator[int]:
        yield 1
        raise KeyError("nope")

    s = Steps(TWISTIO)
    t = s.coop.cooperate(bad())
    d = t.whenDone()
    s.run()
    assert outcome(d)[:2] == ("err", "KeyError")
    with pytest.raises(TaskFailed):
        t.stop()


def test_yielded_deferred_pauses_task() -> None:
    def scenario(impl: SimpleNamespace) -> list[Any]:
        s = Steps(impl, per_tick=5)
        trace: list[Any] = []
        gates = [impl.defer.Deferred(), impl.defer.Deferred()]

        def waits() -> Iterator[Any]:
            trace.append("w0")
            yield gates[0]
            trace.append("w1")
            yield gates[1]
            trace.append("w2")

        done = s.coop.coiterate(waits())
        other = s.coop.coiterate(numbers("n", 6, trace))
        s.run(2)
        trace.append("open 0")
        gates[0].callback(None)
        s.run(2)
        trace.append("fail 1")
        gates[1].errback(RuntimeError("gate"))
        s.run(2)
        trace.append(outcome(done))
        trace.append(outcome(other)[0])
        return trace

    trace = differential(scenario)
    assert trace[-2] == ("err", "RuntimeError", "gate")


def test_cooperator_not_started_waits_for_start() -> None:
    s = Steps(TWISTIO, started=False)
    trace: list[Any] = []
    d = s.coop.coiterate(numbers("a", 2, trace))
    assert not s.coop.running
    s.run(3)
    assert trace == [] and s.ticks == 0
    s.coop.start()
    assert s.coop.running
    s.run()
    assert outcome(d)[0] == "ok"


def test_cooperator_removing_last_task_cancels_its_tick() -> None:
    s = Steps(TWISTIO)
    trace: list[Any] = []
    first = s.coop.cooperate(numbers("a", 10, trace))
    second = s.coop.cooperate(numbers("b", 10, trace))
    assert len(s.clock.getDelayedCalls()) == 1
    first.stop()
    assert len(s.clock.getDelayedCalls()) == 1
    second.stop()
    assert s.clock.getDelayedCalls() == []  # nothing left behind on the reactor
    s.coop.cooperate(numbers("c", 1, trace))
    assert len(s.clock.getDelayedCalls()) == 1


def test_cooperator_stop_stops_every_task() -> None:
    s = Steps(TWISTIO)
    trace: list[Any] = []
    ends = [s.coop.coiterate(numbers(str(i), 100, trace)) for i in range(4)]
    paused = s.coop.cooperate(numbers("p", 100, trace))
    paused.pause()
    paused_end = paused.whenDone()
    s.coop.stop()
    assert not s.coop.running
    # Twisted's Cooperator.stop misses every other task; twistio's stops them all.
    assert [outcome(d)[:2] for d in ends] == [("err", "SchedulerStopped")] * 4
    assert s.clock.getDelayedCalls() == []
    # A paused task ends when resumed; a task added after stop ends at once.
    assert outcome(paused_end) == ("pending",)
    paused.resume()
    assert outcome(paused_end)[:2] == ("err", "SchedulerStopped")
    late = s.coop.coiterate(iter([]))
    assert outcome(late)[:2] == ("err", "SchedulerStopped")
    s.coop.start()
    again = s.coop.coiterate(iter([1]))
    s.run()
    assert outcome(again)[0] == "ok"


def test_scheduler_errors_hierarchy() -> None:
    for cls in (SchedulerStopped, TaskFinished, NotPaused):
        assert issubclass(cls, tio_task.SchedulerError)
    for cls in (TaskDone, TaskStopped, TaskFailed):
        assert issubclass(cls, TaskFinished)


def test_coiterate_done_deferred_argument() -> None:
    s = Steps(TWISTIO)
    mine: Deferred[Any] = Deferred()
    it = iter([1])
    assert s.coop.coiterate(it, mine) is mine
    s.run()
    assert outcome(mine) == ("ok", it)


def test_default_budget_is_ten_milliseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(tio_task.time, "monotonic", lambda: now[0])
    spent = tio_task._timeSlice()
    assert spent() is False
    now[0] += 0.009
    assert spent() is False
    now[0] += 0.002
    assert spent() is True


def test_default_scheduler_runs_ticks_on_the_reactor(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = MemoryReactorClock()
    monkeypatch.setattr(tio_task, "_the_reactor", lambda: clock)
    coop = tio_task.Cooperator()
    trace: list[Any] = []
    d = coop.coiterate(numbers("a", 3, trace))
    assert [c.getTime() for c in clock.getDelayedCalls()] == [0]
    clock.advance(0)
    assert trace == [("a", 0), ("a", 1), ("a", 2)]
    assert outcome(d)[0] == "ok"
    assert clock.getDelayedCalls() == []


# ------------------------------------------------------------------------ react


class FakeReactor(MemoryReactorClock):
    """Enough of a reactor for react(): run() advances the clock until stop()."""

    def run(self) -> None:
        self.running = True
        self.hasRun = True
        for f, args, kw in self.whenRunningHooks:
            f(*args, **kw)
        while self.running:
            if not self.getDelayedCalls():
                raise AssertionError("would hang")
            self.advance(1)

    stopping = False

    def stop(self) -> None:
        if not self.running or self.stopping:
            raise tio_error.ReactorNotRunning()
        self.stopping = True
        for f, args, kw in self.triggers.get("before", {}).get("shutdown", []):
            f(*args, **kw)
        super().stop()


def run_react(main: Callable[..., Any], argv: tuple[Any, ...] = ()) -> tuple[Any, FakeReactor]:
    r = FakeReactor()
    with pytest.raises(SystemExit) as info:
        tio_task.react(main, argv, _reactor=r)
    return info.value.code, r


def test_react_exits_zero_when_main_succeeds() -> None:
    seen: list[Any] = []

    def main(reactor: FakeReactor, a: str, b: str) -> Deferred[None]:
        seen.append((reactor, a, b))
        return deferLater(reactor, 2)

    code, r = run_react(main, ("x", "y"))
    assert code == 0
    assert seen == [(r, "x", "y")]
    assert r.hasStopped and r.seconds() == 2


def test_react_accepts_coroutines() -> None:
    async def main(reactor: FakeReactor) -> int:
        await deferLater(reactor, 1)
        return 5

    code, _ = run_react(main)
    assert code == 0


def test_react_exit_code_on_failure_logs(caplog: pytest.LogCaptureFixture) -> None:
    def main(reactor: FakeReactor) -> Deferred[None]:
        return deferLater(reactor, 1, lambda: 1 / 0)

    with caplog.at_level(logging.ERROR):
        code, _ = run_react(main)
    assert code == 1
    assert "main function encountered error" in caplog.text
    assert "ZeroDivisionError" in caplog.text


def test_react_system_exit_code() -> None:
    def main(reactor: FakeReactor) -> Deferred[None]:
        return tio_defer.fail(SystemExit(7))

    code, _ = run_react(main)
    assert code == 7


def test_react_when_reactor_stopped_elsewhere() -> None:
    def main(reactor: FakeReactor) -> Deferred[None]:
        d: Deferred[None] = Deferred()
        # Someone else stops the reactor; the shutdown trigger fires main's Deferred.
        reactor.addSystemEventTrigger("before", "shutdown", d.callback, None)
        reactor.callLater(1, reactor.stop)
        return d

    code, r = run_react(main)
    assert code == 0
    assert r.hasStopped


def test_react_result_already_available() -> None:
    code, r = run_react(lambda reactor: succeed(1))
    assert code == 0 and r.hasStopped


def test_public_names() -> None:
    for name in tio_task.__all__:
        assert hasattr(tio_task, name)
    for name in (
        "Clock",
        "LoopingCall",
        "deferLater",
        "Cooperator",
        "coiterate",
        "cooperate",
        "react",
        "CooperativeTask",
        "SchedulerStopped",
        "TaskDone",
        "TaskFailed",
        "TaskStopped",
        "TaskFinished",
        "NotPaused",
        "SchedulerError",
    ):
        assert hasattr(tw_task, name) and hasattr(tio_task, name), name


# ------------------------------------------------ on the real reactor and loop


async def test_global_coiterate_runs_on_the_reactor() -> None:
    trace: list[Any] = []
    it = numbers("g", 5, trace)
    assert await tio_task.coiterate(it) is it
    task = tio_task.cooperate(numbers("h", 3, trace))
    assert await task.whenDone() is task._iterator
    assert len(trace) == 8


async def test_looping_call_on_the_reactor() -> None:
    from twistio.internet import reactor

    n = [0]

    def f() -> None:
        n[0] += 1
        if n[0] == 3:
            lc.stop()

    lc = LoopingCall(f)
    assert lc.clock is reactor
    assert await lc.start(0) is lc
    assert n[0] == 3


async def test_defer_later_on_the_reactor() -> None:
    from twistio.internet import reactor

    assert await deferLater(reactor, 0, lambda: "soon") == "soon"


REACT_SCRIPT = """
import sys
from twistio.internet import task, threads

async def main(reactor, mode):
    value = await threads.deferToThread(lambda: 40 + 2)
    await task.deferLater(reactor, 0.001)
    print("value", value, flush=True)
    if mode == "fail":
        raise ValueError("bad main")
    if mode == "exit":
        raise SystemExit(3)

task.react(main, sys.argv[1:])
"""


@pytest.mark.parametrize(("mode", "code"), [("ok", 0), ("fail", 1), ("exit", 3)])
def test_react_with_the_real_reactor(mode: str, code: int) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", REACT_SCRIPT, mode], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == code, proc.stderr
    assert "value 42" in proc.stdout
    if mode == "fail":
        assert "main function encountered error" in proc.stderr
        assert "ValueError: bad main" in proc.stderr
