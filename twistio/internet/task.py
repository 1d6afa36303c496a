"""Scheduling helpers: ``Clock``, ``LoopingCall``, ``deferLater``, ``Cooperator`` and ``react``.

Everything here that needs time takes it from a clock: any object with ``seconds()`` and
``callLater(delay, f, *args, **kw)``, such as the reactor, a ``Clock`` or a
``MemoryReactorClock``. The reactor is only imported when no clock is given.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from collections.abc import Coroutine, Iterable, Iterator, Sequence
from typing import (
    Callable,
    Generic,
    NoReturn,
    Protocol,
    TypeVar,
    cast,
    overload,
)

from typing_extensions import ParamSpec

from twistio._typing import StoredCall, StoredCallOf
from twistio.internet._delayedcall import DelayedCall
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.defer import Deferred, ensureDeferred, maybeDeferred
from twistio.internet.error import ReactorNotRunning
from twistio.internet.interfaces import IDelayedCall as IDelayedCall
from twistio.internet.interfaces import IReactorCore as IReactorCore
from twistio.internet.interfaces import IReactorTime, implementer
from twistio.python import _spelling
from twistio.python.failure import Failure

__all__ = [
    "Clock",
    "CooperativeTask",
    "Cooperator",
    "LoopingCall",
    "NotPaused",
    "SchedulerError",
    "SchedulerStopped",
    "TaskDone",
    "TaskFailed",
    "TaskFinished",
    "TaskStopped",
    "coiterate",
    "cooperate",
    "deferLater",
    "react",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")
_log = logging.getLogger(__name__)


def _the_reactor() -> ITwistioReactor:
    return installed_reactor()


def _callable_name(f: object) -> str:
    name = getattr(f, "__qualname__", None)
    if not isinstance(name, str):
        name = getattr(f, "__name__", None)
    if not isinstance(name, str):
        try:
            name = repr(f)
        except BaseException:
            name = f"<{type(f).__name__} object>"
    return name


def _safe_repr(obj: object) -> str:
    try:
        return repr(obj)
    except BaseException as e:
        return f"<{type(obj).__name__} instance, repr() raised {type(e).__name__}>"


# --------------------------------------------------------------------- Clock


@implementer(IReactorTime)
class Clock:
    """A deterministic clock for tests: time only moves when ``advance`` is called.

    Calls due at the same time run in the order they were scheduled. An exception raised by a
    call propagates out of ``advance``; the calls still due stay scheduled. Each call runs in
    the ``contextvars`` context it was scheduled from, as on twistio's reactor (Twisted's
    ``Clock`` runs it in the caller's context of ``advance``).
    """

    rightNow: float = 0.0

    def __init__(self) -> None:
        self.rightNow = 0.0
        self.calls: list[DelayedCall] = []

    def seconds(self) -> float:
        """The current time: 0.0 at creation, plus every ``advance``."""
        return self.rightNow

    def _sort_calls(self) -> None:
        self.calls.sort(key=DelayedCall.getTime)

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        """Schedule ``callable(*args, **kw)`` to run ``delay`` seconds from now."""
        call = DelayedCall(
            self.rightNow + delay,
            callable,
            args,
            kw,
            self.calls.remove,
            _ignore,
            self.seconds,
        )
        self.calls.append(call)
        self._sort_calls()
        return call

    def getDelayedCalls(self) -> Sequence[DelayedCall]:
        """The calls still scheduled (the live list, ordered by time at the last change)."""
        return self.calls

    def advance(self, amount: float) -> None:
        """Move time forward by ``amount`` seconds and run every call that is now due."""
        self.rightNow += amount
        calls = self.calls
        self._sort_calls()
        while calls and calls[0].getTime() <= self.rightNow:
            calls.pop(0).run()
            self._sort_calls()

    def pump(self, timings: Iterable[float]) -> None:
        """``advance`` by each amount in turn."""
        for amount in timings:
            self.advance(amount)


def _ignore(call: DelayedCall) -> None:
    return None


# --------------------------------------------------------------- LoopingCall


class LoopingCall:
    """Call ``f(*a, **kw)`` every ``interval`` seconds, on ``clock``.

    If ``f`` returns a Deferred, the next call is scheduled only once it has fired. Calls are
    aligned on ``start time + n * interval``: when a call runs late, the intervals missed are
    skipped, not made up (``withCount`` reports how many passed).
    """

    # Class-level defaults, as Twisted's attributes read before the first start.
    running: bool = False
    interval: float | None = None
    starttime: float | None = None
    call: IDelayedCall | None = None
    _clock: IReactorTime | None = None
    _deferred: Deferred[LoopingCall] | None = None
    _realLastTime: float | None = None
    _runAtStart: bool = False
    f: StoredCall
    a: tuple[object, ...]
    kw: dict[str, object]

    def __init__(self, f: StoredCall, *a: object, **kw: object) -> None:
        self.f, self.a, self.kw = f, a, kw

    @property
    def clock(self) -> IReactorTime:
        """The clock calls are scheduled on; the reactor unless set (set it before ``start``)."""
        if self._clock is None:
            self._clock = cast(IReactorTime, _the_reactor())
        return self._clock

    @clock.setter
    def clock(self, value: IReactorTime) -> None:
        self._clock = value

    @property
    def deferred(self) -> Deferred[LoopingCall] | None:
        """The Deferred ``start`` returned, while the loop runs; None otherwise (deprecated,
        as in Twisted: keep what ``start`` returns)."""
        warnings.warn(
            f"{_spelling.spelled(__name__)}.LoopingCall.deferred was deprecated in Twisted "
            "16.0.0; "
            "please use the deferred returned by start() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._deferred

    @classmethod
    def withCount(cls, countCallable: Callable[[int], object]) -> LoopingCall:
        """A LoopingCall calling ``countCallable(n)``, ``n`` the intervals passed since the last call.

        ``n`` is 1 when the loop keeps time and more when the clock skipped intervals (a
        blocked process, a sleeping machine). With an interval of 0, ``n`` is always 1.
        """
        loop: LoopingCall

        def count_intervals() -> object:
            now = loop.clock.seconds()
            interval = loop.interval
            if interval == 0:
                loop._realLastTime = now
                return countCallable(1)
            assert interval is not None and loop.starttime is not None
            previous = loop._realLastTime
            if previous is None:
                previous = loop.starttime
                if loop._runAtStart:
                    # The call made at start counts for the interval ending then.
                    previous -= interval
            passed = loop._intervalOf(now) - loop._intervalOf(previous)
            if passed <= 0:
                return None
            loop._realLastTime = now
            return countCallable(passed)

        loop = cls(count_intervals)
        return loop

    def _intervalOf(self, t: float) -> int:
        # Whole intervals from the start time to t, truncated toward zero.
        assert self.starttime is not None and self.interval is not None
        return int((t - self.starttime) / self.interval)

    def start(self, interval: float, now: bool = True) -> Deferred[LoopingCall]:
        """Start calling every ``interval`` seconds, at once too if ``now``.

        The Deferred returned fires with this LoopingCall when ``stop`` is called, or fails with
        the error when ``f`` raises or its Deferred fails (the loop stops then).
        """
        if self.running:
            raise AssertionError("Tried to start an already running LoopingCall.")
        if interval < 0:
            raise ValueError("interval must be >= 0")
        ended: Deferred[LoopingCall] = Deferred()
        self.interval, self._runAtStart, self._deferred = interval, now, ended
        self.starttime, self.running = self.clock.seconds(), True
        if not now:
            self._scheduleFrom(self.starttime)
        else:
            # May fail at once, which clears self._deferred: ``ended`` is still returned.
            self()
        return ended

    def stop(self) -> None:
        """Stop the loop.

        If a call's Deferred is pending, the loop's Deferred fires once that one has.
        """
        self._mustBeRunning("stop")
        self.running = False
        if self._unschedule():
            self._finish()

    def reset(self) -> None:
        """Skip the next call and restart the interval from now."""
        self._mustBeRunning("reset")
        if self._unschedule():
            now = self.clock.seconds()
            self.starttime = now
            self._scheduleFrom(now)

    def _mustBeRunning(self, verb: str) -> None:
        if not self.running:
            raise AssertionError(f"Tried to {verb} a LoopingCall that was not running.")

    def _unschedule(self) -> bool:
        # Cancel the next call; False when there is none (``f`` or its Deferred is running).
        pending, self.call = self.call, None
        if pending is None:
            return False
        pending.cancel()
        return True

    def _finish(self) -> None:
        finished, self._deferred = self._deferred, None
        assert finished is not None
        finished.callback(self)

    def _after_call(self, result: object) -> None:
        if self.running:
            self._scheduleFrom(self.clock.seconds())
        else:
            self._finish()

    def _call_failed(self, reason: Failure) -> None:
        self.running = False
        finished, self._deferred = self._deferred, None
        assert finished is not None
        finished.errback(reason)

    def __call__(self) -> None:
        self.call = None
        d = maybeDeferred(self.f, *self.a, **self.kw)
        d.addCallback(self._after_call)
        d.addErrback(self._call_failed)

    def _scheduleFrom(self, when: float) -> None:
        interval = self.interval
        assert interval is not None and self.starttime is not None
        if interval == 0:
            delay: float = 0
        else:
            delay = interval - (when - self.starttime) % interval
            if when + delay == when:
                # Too small to move the clock at all: that boundary is now, take the next one.
                delay = interval
        self.call = self.clock.callLater(delay, self)

    def __repr__(self) -> str:
        return (
            f"LoopingCall<{self.interval!r}>({_callable_name(self.f)}, "
            f"*{_safe_repr(self.a)}, **{_safe_repr(self.kw)})"
        )


# ----------------------------------------------------------------- deferLater


@overload
def deferLater(clock: IReactorTime, delay: float) -> Deferred[None]: ...


@overload
def deferLater(
    clock: IReactorTime,
    delay: float,
    callable: Callable[_P, _T],
    *args: _P.args,
    **kw: _P.kwargs,
) -> Deferred[_T]: ...


def deferLater(
    clock: IReactorTime,
    delay: float,
    callable: StoredCallOf[_T] | None = None,
    *args: object,
    **kw: object,
) -> Deferred[_T] | Deferred[None]:
    """A Deferred that fires with ``callable(*args, **kw)`` after ``delay`` seconds on ``clock``.

    With no callable it fires with None. Cancelling it before then unschedules the call and
    fails it with ``CancelledError``.
    """

    def cancel_call(d: Deferred[_T | None]) -> None:
        scheduled.cancel()

    def call(ignored: object) -> _T | None:
        if callable is None:
            return None
        return callable(*args, **kw)

    d: Deferred[_T | None] = Deferred(cancel_call)
    d.addCallback(call)
    scheduled = clock.callLater(delay, d.callback, None)
    # Fires with callable's result, or with None when there is no callable.
    return cast("Deferred[_T] | Deferred[None]", d)


# ----------------------------------------------------------------- Cooperator


class SchedulerError(Exception):
    """Base of the errors about a task's or a scheduler's state."""


class SchedulerStopped(SchedulerError):
    """The Cooperator running the task was stopped."""


class TaskFinished(SchedulerError):
    """The task is already finished, one way or another."""


class TaskDone(TaskFinished):
    """The task finished: its iterator was exhausted."""


class TaskStopped(TaskFinished):
    """The task was stopped with ``stop()``."""


class TaskFailed(TaskFinished):
    """The task's iterator raised, or a Deferred it yielded failed."""


class NotPaused(SchedulerError):
    """``resume()`` was called on a task that is not paused."""


_SLICE_SECONDS = 0.01


def _timeSlice() -> Callable[[], bool]:
    """A tick's budget: the predicate turns true once 10 ms have passed since it was made."""
    deadline = time.monotonic() + _SLICE_SECONDS
    return lambda: time.monotonic() >= deadline


class _Cancellable(Protocol):
    """What a Cooperator's scheduler returns: a scheduled call it can cancel."""

    def cancel(self) -> None: ...


def _defaultScheduler(work: Callable[[], None]) -> IDelayedCall:
    """Run the next tick on the reactor as soon as it has looked at I/O once more."""
    return _the_reactor().callLater(0, work)


_TaskIteratorT = TypeVar("_TaskIteratorT", bound=Iterator[object])

# What next() gives back for an exhausted iterator (no iterator yields this object).
_EXHAUSTED = object()


class CooperativeTask(Generic[_TaskIteratorT]):
    """An iterator being run by a ``Cooperator``: one ``next()`` per work unit.

    Yielding a Deferred pauses the task until it fires; if it fails, the task fails.
    Create one with ``Cooperator.cooperate`` or ``task.cooperate``.
    """

    def __init__(self, iterator: _TaskIteratorT, cooperator: Cooperator) -> None:
        self._iterator = iterator
        self._cooperator = cooperator
        self._pauseCount = 0
        self._waiting: list[Deferred[_TaskIteratorT]] = []
        # Once the task has ended: why (raised by pause/stop from then on) and what
        # whenDone gives (the iterator, or a Failure).
        self._ended: tuple[SchedulerError, object] | None = None
        cooperator._addTask(self)

    def whenDone(self) -> Deferred[_TaskIteratorT]:
        """A new Deferred for the end of the task.

        It fires with the iterator when it is exhausted, and fails with the iterator's error,
        ``TaskStopped`` or ``SchedulerStopped`` otherwise.
        """
        d: Deferred[_TaskIteratorT] = Deferred()
        if self._ended is None:
            self._waiting.append(d)
        else:
            _settle(d, self._ended[1])
        return d

    def pause(self) -> None:
        """Stop doing work until ``resume``; pauses nest. Raises ``TaskFinished`` if finished."""
        self._raiseIfEnded()
        self._pauseCount += 1
        if self._pauseCount == 1:
            self._cooperator._removeTask(self)

    def resume(self) -> None:
        """Undo one ``pause``. Raises ``NotPaused`` if the task is not paused."""
        if self._pauseCount == 0:
            raise NotPaused()
        self._pauseCount -= 1
        if self._pauseCount == 0 and self._ended is None:
            self._cooperator._addTask(self)

    def stop(self) -> None:
        """Stop the task for good: ``whenDone`` Deferreds fail with ``TaskStopped``.

        Raises ``TaskFinished`` (the subclass saying how) if the task already finished.
        """
        self._raiseIfEnded()
        self._end(TaskStopped(), Failure(TaskStopped()))

    def _raiseIfEnded(self) -> None:
        if self._ended is not None:
            raise self._ended[0]

    def _end(self, why: SchedulerError, result: object, listed: bool = True) -> None:
        # listed=False: the Cooperator has already taken the task off its list.
        self._ended = (why, result)
        if listed and self._pauseCount == 0:
            self._cooperator._removeTask(self)
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            _settle(d, result)

    def _oneWorkUnit(self) -> None:
        try:
            step = next(self._iterator, _EXHAUSTED)
        except BaseException:
            self._end(TaskFailed(), Failure())
            return
        if step is _EXHAUSTED:
            self._end(TaskDone(), self._iterator)
        elif isinstance(step, Deferred):
            # Wait for it: no more work units until it has fired.
            self.pause()
            step.addCallbacks(self._gateOpened, self._gateFailed)

    def _gateOpened(self, result: object) -> None:
        self.resume()

    def _gateFailed(self, reason: Failure) -> None:
        # A task stopped meanwhile has no one left to tell.
        if self._ended is None:
            self._end(TaskFailed(), reason)


def _settle(d: Deferred[_T], result: object) -> None:
    if isinstance(result, Failure):
        d.errback(result)
    else:
        d.callback(cast(_T, result))  # what the task ended with: its iterator


class _Task(Protocol):
    """What a ``Cooperator`` asks of the tasks it runs (``CooperativeTask``)."""

    _ended: tuple[SchedulerError, object] | None

    def _oneWorkUnit(self) -> None: ...

    def _end(self, why: SchedulerError, result: object, listed: bool = True) -> None: ...


class Cooperator:
    """Runs iterators as cooperative tasks, a slice of work at a time.

    Each tick runs one ``next()`` per task in turn, round-robin, until
    ``terminationPredicateFactory()``'s predicate says the tick's time is up (by default after
    10 ms), then asks ``scheduler`` to run the next tick (by default on the reactor, at once).
    With ``started=False`` nothing runs until ``start()``.
    """

    def __init__(
        self,
        terminationPredicateFactory: Callable[[], Callable[[], bool]] = _timeSlice,
        scheduler: Callable[[Callable[[], None]], _Cancellable] = _defaultScheduler,
        started: bool = True,
    ) -> None:
        self._budget = terminationPredicateFactory
        self._scheduler = scheduler
        self._started = started
        self._stopped = False
        # The tasks that want work, and the position of the next one to get a unit. The
        # position is a plain index kept across ticks: a task leaving the list shifts the
        # ones after it without moving the position (Twisted's order, which code can see).
        self._tasks: list[_Task] = []
        self._position = 0
        self._delayedCall: _Cancellable | None = None

    def coiterate(
        self, iterator: _TaskIteratorT, doneDeferred: Deferred[_TaskIteratorT] | None = None
    ) -> Deferred[_TaskIteratorT]:
        """Run ``iterator`` as a task; the Deferred (``doneDeferred`` if given) fires when it ends."""
        done: Deferred[_TaskIteratorT] = Deferred() if doneDeferred is None else doneDeferred
        self.cooperate(iterator).whenDone().chainDeferred(done)
        return done

    def cooperate(self, iterator: _TaskIteratorT) -> CooperativeTask[_TaskIteratorT]:
        """Run ``iterator`` as a task that can be paused, resumed, stopped and waited on."""
        return CooperativeTask(iterator, self)

    def _addTask(self, task: _Task) -> None:
        self._tasks.append(task)
        if not self._stopped:
            self._wantTick()
            return
        stopped = SchedulerStopped()
        task._end(stopped, Failure(stopped))

    def _removeTask(self, task: _Task) -> None:
        self._tasks.remove(task)
        if not self._tasks:
            self._cancelTick()

    def _wantTick(self) -> None:
        if self._started and self._delayedCall is None and self._tasks:
            self._delayedCall = self._scheduler(self._tick)

    def _cancelTick(self) -> None:
        pending, self._delayedCall = self._delayedCall, None
        if pending is not None:
            pending.cancel()

    def _tick(self) -> None:
        self._delayedCall = None
        spent = self._budget()
        tasks = self._tasks
        while tasks:
            if self._position < len(tasks):
                chosen = tasks[self._position]
                self._position += 1
                chosen._oneWorkUnit()
                if spent():
                    break
                if self._position < len(tasks):
                    continue
            self._position = 0  # the round is over
        self._wantTick()

    def start(self) -> None:
        """Start running tasks (after ``started=False`` or ``stop()``)."""
        self._started, self._stopped = True, False
        self._wantTick()

    def stop(self) -> None:
        """Stop running tasks: every task ends with ``SchedulerStopped``, as do tasks added later.

        Every task is stopped (Twisted's ``stop`` misses every other unpaused task).
        """
        self._stopped = True
        dropped, self._tasks, self._position = self._tasks, [], 0
        for task in dropped:
            if task._ended is None:
                stopped = SchedulerStopped()
                task._end(stopped, Failure(stopped), listed=False)
        self._cancelTick()

    @property
    def running(self) -> bool:
        """Whether the Cooperator is started and not stopped."""
        return self._started and not self._stopped


_theCooperator = Cooperator()


def coiterate(iterator: _TaskIteratorT) -> Deferred[_TaskIteratorT]:
    """Run ``iterator`` on the global Cooperator; the Deferred fires when it ends."""
    return _theCooperator.coiterate(iterator)


def cooperate(iterator: _TaskIteratorT) -> CooperativeTask[_TaskIteratorT]:
    """Run ``iterator`` as a task on the global Cooperator."""
    return _theCooperator.cooperate(iterator)


# ---------------------------------------------------------------------- react


def react(
    main: StoredCallOf[Deferred[_T] | Coroutine[object, object, _T]],
    argv: Iterable[object] = (),
    _reactor: ITwistioReactor | None = None,
) -> NoReturn:
    """Run the reactor until ``main(reactor, *argv)``'s Deferred or coroutine finishes, then exit.

    The exit status is 0 on success, the code of a ``SystemExit`` it fails with, or 1 for any
    other error, which is logged (to the ``twistio.internet.task`` stdlib logger).
    """
    reactor = _the_reactor() if _reactor is None else _reactor

    finished = ensureDeferred(main(reactor, *argv))
    status: list[str | int | None] = []  # main's exit status, once it has finished
    shutdown_begun: list[bool] = []
    reactor.addSystemEventTrigger("before", "shutdown", shutdown_begun.append, True)

    def record(result: object) -> None:
        code: str | int | None = 0
        if isinstance(result, Failure):
            if result.check(SystemExit) is None:
                _log.error("main function encountered error", exc_info=result.value)
                code = 1
            else:
                code = cast(SystemExit, result.value).code
        status.append(code)

    def stop_then_record(result: object) -> None:
        try:
            reactor.stop()
        except ReactorNotRunning:
            pass
        record(result)

    def main_finished(result: object) -> None:
        if shutdown_begun:
            record(result)
        else:
            reactor.callWhenRunning(stop_then_record, result)

    finished.addBoth(main_finished)
    reactor.run()
    exit_code = status[0] if status else 0
    sys.exit(exit_code)
