"""Scheduling helpers: ``Clock``, ``LoopingCall``, ``deferLater``, ``Cooperator`` and ``react``.

Everything here that needs time takes it from a clock: any object with ``seconds()`` and
``callLater(delay, f, *args, **kw)``, such as the reactor, a ``Clock`` or a
``MemoryReactorClock``. The reactor is only imported when no clock is given.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Coroutine, Iterable, Iterator, Sequence
from typing import (
    Any,
    Callable,
    Generic,
    NoReturn,
    TypeVar,
    cast,
    overload,
)

from twistio.internet._delayedcall import DelayedCall
from twistio.internet.defer import Deferred, ensureDeferred, maybeDeferred
from twistio.internet.interfaces import IReactorTime
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
_log = logging.getLogger(__name__)


def _the_reactor() -> Any:
    from twistio.internet import reactor

    return reactor


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
        self, delay: float, callable: Callable[..., object], *args: object, **kw: object
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

    call: Any = None
    running: bool = False
    interval: float | None = None
    starttime: float | None = None
    _deferred: Deferred[LoopingCall] | None = None
    _runAtStart: bool = False
    _realLastTime: float | None = None
    _clock: IReactorTime | None = None

    def __init__(self, f: Callable[..., object], *a: object, **kw: object) -> None:
        self.f = f
        self.a = a
        self.kw = kw

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
        """The Deferred ``start`` returned, while the loop runs; None otherwise."""
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
        self.running = True
        # A first call that fails clears self._deferred, so keep a reference to return.
        finished: Deferred[LoopingCall] = Deferred()
        self._deferred = finished
        self.starttime = self.clock.seconds()
        self.interval = interval
        self._runAtStart = now
        if now:
            self()
        else:
            self._scheduleFrom(self.starttime)
        return finished

    def stop(self) -> None:
        """Stop the loop.

        If a call's Deferred is pending, the loop's Deferred fires once that one has.
        """
        if not (self.running):
            raise AssertionError("Tried to stop a LoopingCall that was not running.")
        self.running = False
        if self.call is not None:
            self.call.cancel()
            self.call = None
            self._finish()

    def reset(self) -> None:
        """Skip the next call and restart the interval from now."""
        if not (self.running):
            raise AssertionError("Tried to reset a LoopingCall that was not running.")
        if self.call is not None:
            self.call.cancel()
            self.call = None
            self.starttime = self.clock.seconds()
            self._scheduleFrom(self.starttime)

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
    clock: IReactorTime, delay: float, callable: Callable[..., _T], *args: object, **kw: object
) -> Deferred[_T]: ...


def deferLater(
    clock: IReactorTime,
    delay: float,
    callable: Callable[..., Any] | None = None,
    *args: object,
    **kw: object,
) -> Deferred[Any]:
    """A Deferred that fires with ``callable(*args, **kw)`` after ``delay`` seconds on ``clock``.

    With no callable it fires with None. Cancelling it before then unschedules the call and
    fails it with ``CancelledError``.
    """

    def cancel_call(d: Deferred[Any]) -> None:
        scheduled.cancel()

    def call(ignored: object) -> Any:
        if callable is None:
            return None
        return callable(*args, **kw)

    d: Deferred[Any] = Deferred(cancel_call)
    d.addCallback(call)
    scheduled = clock.callLater(delay, d.callback, None)
    return d


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


class _Timer:
    # A tick's time budget: true once MAX_SLICE seconds have passed since creation.
    MAX_SLICE = 0.01

    def __init__(self) -> None:
        self.end = time.monotonic() + self.MAX_SLICE

    def __call__(self) -> bool:
        return time.monotonic() >= self.end


_EPSILON = 0.00000001


def _defaultScheduler(callable: Callable[[], None]) -> Any:
    return _the_reactor().callLater(_EPSILON, callable)


_TaskIteratorT = TypeVar("_TaskIteratorT", bound=Iterator[object])


class CooperativeTask(Generic[_TaskIteratorT]):
    """An iterator being run by a ``Cooperator``: one ``next()`` per work unit.

    Yielding a Deferred pauses the task until it fires; if it fails, the task fails.
    Create one with ``Cooperator.cooperate`` or ``task.cooperate``.
    """

    def __init__(self, iterator: _TaskIteratorT, cooperator: Cooperator) -> None:
        self._iterator = iterator
        self._cooperator = cooperator
        self._deferreds: list[Deferred[_TaskIteratorT]] = []
        self._pauseCount = 0
        self._completionState: SchedulerError | None = None
        self._completionResult: _TaskIteratorT | Failure | None = None
        cooperator._addTask(self)

    def whenDone(self) -> Deferred[_TaskIteratorT]:
        """A new Deferred for the end of the task.

        It fires with the iterator when it is exhausted, and fails with the iterator's error,
        ``TaskStopped`` or ``SchedulerStopped`` otherwise.
        """
        d: Deferred[_TaskIteratorT] = Deferred()
        if self._completionState is None:
            self._deferreds.append(d)
        else:
            d.callback(cast(_TaskIteratorT, self._completionResult))
        return d

    def pause(self) -> None:
        """Stop doing work until ``resume``; pauses nest. Raises ``TaskFinished`` if finished."""
        self._checkFinish()
        self._pauseCount += 1
        if self._pauseCount == 1:
            self._cooperator._removeTask(self)

    def resume(self) -> None:
        """Undo one ``pause``. Raises ``NotPaused`` if the task is not paused."""
        if not self._pauseCount:
            raise NotPaused()
        self._pauseCount -= 1
        if not self._pauseCount and self._completionState is None:
            self._cooperator._addTask(self)

    def stop(self) -> None:
        """Stop the task for good: ``whenDone`` Deferreds fail with ``TaskStopped``.

        Raises ``TaskFinished`` (the subclass saying how) if the task already finished.
        """
        self._checkFinish()
        self._completeWith(TaskStopped(), Failure(TaskStopped()))

    def _checkFinish(self) -> None:
        if self._completionState is not None:
            raise self._completionState

    def _completeWith(
        self, state: SchedulerError, result: _TaskIteratorT | Failure, scheduled: bool = True
    ) -> None:
        # scheduled=False: the Cooperator has already dropped the task from its list.
        self._completionState = state
        self._completionResult = result
        if scheduled and not self._pauseCount:
            self._cooperator._removeTask(self)
        waiting, self._deferreds = self._deferreds, []
        for d in waiting:
            d.callback(cast(_TaskIteratorT, result))

    def _oneWorkUnit(self) -> None:
        try:
            produced = next(self._iterator)
        except StopIteration:
            self._completeWith(TaskDone(), self._iterator)
        except BaseException:
            self._completeWith(TaskFailed(), Failure())
        else:
            if isinstance(produced, Deferred):
                self.pause()
                produced.addCallbacks(self._yielded_succeeded, self._yielded_failed)

    def _yielded_succeeded(self, result: object) -> None:
        self.resume()

    def _yielded_failed(self, reason: Failure) -> None:
        if self._completionState is None:
            self._completeWith(TaskFailed(), reason)
        # Stopped while waiting: nobody is listening for this error any more.


class Cooperator:
    """Runs iterators as cooperative tasks, a slice of work at a time.

    Each tick runs one ``next()`` per task in turn, round-robin, until
    ``terminationPredicateFactory()``'s predicate says the tick's time is up (by default after
    10 ms), then asks ``scheduler`` to run the next tick (by default on the reactor, at once).
    With ``started=False`` nothing runs until ``start()``.
    """

    def __init__(
        self,
        terminationPredicateFactory: Callable[[], Callable[[], bool]] = _Timer,
        scheduler: Callable[[Callable[[], None]], Any] = _defaultScheduler,
        started: bool = True,
    ) -> None:
        self._tasks: list[CooperativeTask[Any]] = []
        self._next_index = 0
        self._terminationPredicateFactory = terminationPredicateFactory
        self._scheduler = scheduler
        self._delayedCall: Any = None
        self._stopped = False
        self._started = started
        self._mustScheduleOnStart = False

    def coiterate(
        self, iterator: _TaskIteratorT, doneDeferred: Deferred[_TaskIteratorT] | None = None
    ) -> Deferred[_TaskIteratorT]:
        """Run ``iterator`` as a task; the Deferred (``doneDeferred`` if given) fires when it ends."""
        if doneDeferred is None:
            doneDeferred = Deferred()
        CooperativeTask(iterator, self).whenDone().chainDeferred(doneDeferred)
        return doneDeferred

    def cooperate(self, iterator: _TaskIteratorT) -> CooperativeTask[_TaskIteratorT]:
        """Run ``iterator`` as a task that can be paused, resumed, stopped and waited on."""
        return CooperativeTask(iterator, self)

    def _addTask(self, task: CooperativeTask[Any]) -> None:
        self._tasks.append(task)
        if self._stopped:
            task._completeWith(SchedulerStopped(), Failure(SchedulerStopped()))
        else:
            self._reschedule()

    def _removeTask(self, task: CooperativeTask[Any]) -> None:
        self._tasks.remove(task)
        if not self._tasks and self._delayedCall is not None:
            self._delayedCall.cancel()
            self._delayedCall = None

    def _tick(self) -> None:
        # Rounds over the task list, resuming where the last tick stopped. _next_index
        # behaves as a list iterator would: tasks removed before it shift the rest back.
        self._delayedCall = None
        out_of_time = self._terminationPredicateFactory()
        while self._tasks:
            while self._next_index < len(self._tasks):
                task = self._tasks[self._next_index]
                self._next_index += 1
                task._oneWorkUnit()
                if out_of_time():
                    self._reschedule()
                    return
            self._next_index = 0
        self._reschedule()

    def _reschedule(self) -> None:
        if not self._started:
            self._mustScheduleOnStart = True
            return
        if self._delayedCall is None and self._tasks:
            self._delayedCall = self._scheduler(self._tick)

    def start(self) -> None:
        """Start running tasks (after ``started=False`` or ``stop()``)."""
        self._stopped = False
        self._started = True
        if self._mustScheduleOnStart:
            self._mustScheduleOnStart = False
            self._reschedule()

    def stop(self) -> None:
        """Stop running tasks: every task ends with ``SchedulerStopped``, as do tasks added later.

        Every task is stopped (Twisted's ``stop`` misses every other unpaused task).
        """
        self._stopped = True
        tasks, self._tasks = self._tasks, []
        self._next_index = 0
        for task in tasks:
            if task._completionState is None:
                task._completeWith(SchedulerStopped(), Failure(SchedulerStopped()), False)
        if self._delayedCall is not None:
            self._delayedCall.cancel()
            self._delayedCall = None

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
    main: Callable[..., Deferred[Any] | Coroutine[Any, Any, Any]],
    argv: Iterable[object] = (),
    _reactor: Any = None,
) -> NoReturn:
    """Run the reactor until ``main(reactor, *argv)``'s Deferred or coroutine finishes, then exit.

    The exit status is 0 on success, the code of a ``SystemExit`` it fails with, or 1 for any
    other error, which is logged (to the ``twistio.internet.task`` stdlib logger).
    """
    reactor = _the_reactor() if _reactor is None else _reactor
    from twistio.internet.error import ReactorNotRunning

    finished = ensureDeferred(main(reactor, *argv))
    exit_code: str | int | None = 0
    shutting_down = False

    def on_shutdown() -> None:
        nonlocal shutting_down
        shutting_down = True

    reactor.addSystemEventTrigger("before", "shutdown", on_shutdown)

    def conclude(result: object, stop_reactor: bool) -> None:
        nonlocal exit_code
        if stop_reactor:
            try:
                reactor.stop()
            except ReactorNotRunning:
                pass
        if isinstance(result, Failure):
            if result.check(SystemExit) is not None:
                exit_code = cast(SystemExit, result.value).code
            else:
                _log.error("main function encountered error", exc_info=result.value)
                exit_code = 1

    def on_finished(result: object) -> None:
        if shutting_down:
            conclude(result, False)
        else:
            reactor.callWhenRunning(conclude, result, True)

    finished.addBoth(on_finished)
    reactor.run()
    sys.exit(exit_code)
