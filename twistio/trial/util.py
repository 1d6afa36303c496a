"""Helpers of trial's test cases: warning suppression, attribute lookup along a list of
objects, ``Failure`` to ``exc_info``, the dirty-reactor error and the test log file."""

from __future__ import annotations

import functools
import os
import profile
import pstats
import random
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TextIO, TypeVar, Union

from twistio.python import _spelling
from twistio.python.failure import Failure

__all__ = [
    "DEFAULT_TIMEOUT_DURATION",
    "acquireAttribute",
    "excInfoOrFailureToExcInfo",
    "suppress",
]

_T = TypeVar("_T")
_ExcInfo = tuple[type[BaseException], BaseException, Union[TracebackType, None]]

#: A test case's default ``timeout``, in seconds.
DEFAULT_TIMEOUT_DURATION = 120.0
#: Marks "no default given" (``acquireAttribute``'s and trial's own default arguments).
DEFAULT_TIMEOUT = object()
_DEFAULT = object()


class DirtyReactorAggregateError(Exception):
    """A test left timers (``delayedCalls``) or connections (``selectables``) on the reactor."""

    def __init__(
        self, delayedCalls: Sequence[object], selectables: Sequence[object] | None = None
    ) -> None:
        self.delayedCalls = delayedCalls
        self.selectables = selectables

    def __str__(self) -> str:
        lines = ["Reactor was unclean."]
        if self.delayedCalls:
            where = _spelling.spelled("twistio.internet.base.DelayedCall")
            lines.append(f"DelayedCalls: (set {where}.debug = True to debug)")
            lines.extend(str(call) for call in self.delayedCalls)
        if self.selectables:
            lines.append("Selectables:")
            lines.extend(str(selectable) for selectable in self.selectables)
        return "\n".join(lines)


def suppress(action: str = "ignore", **kwarg: Any) -> tuple[tuple[str], dict[str, Any]]:
    """A warning filter for a test's ``suppress`` attribute: ``warnings.filterwarnings``'s
    arguments, e.g. ``suppress(category=DeprecationWarning, message="old")``."""
    return ((action,), kwarg)


def acquireAttribute(objects: Iterable[object], attr: str, default: Any = _DEFAULT) -> Any:
    """The value of ``attr`` on the first of ``objects`` that has it; ``default`` if none
    does, or ``AttributeError`` without a default."""
    candidates = list(objects)
    absent = object()
    for candidate in candidates:
        value = getattr(candidate, attr, absent)
        if value is not absent:
            return value
    if default is _DEFAULT:
        raise AttributeError(f"attribute {attr!r} not found in {candidates!r}")
    return default


def excInfoOrFailureToExcInfo(err: Failure | _ExcInfo) -> _ExcInfo:
    """``(type, value, traceback)`` for a ``Failure``; anything else is returned as is."""
    if isinstance(err, Failure):
        return (err.type, err.value, err.getTracebackObject())
    return err


def openTestLog(path: Any) -> TextIO:
    """``path`` (a ``FilePath`` or a path string) opened for appending log lines (UTF-8)."""
    name = getattr(path, "path", path)
    return open(name, "a", encoding="utf-8", errors="replace")


def profiled(f: Callable[..., _T], outputFile: str) -> Callable[..., _T]:
    """``f`` wrapped to run under the ``profile`` module: each call writes its statistics
    to ``outputFile`` and prints them."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> _T:
        profiler = profile.Profile()
        try:
            return profiler.runcall(f, *args, **kwargs)
        finally:
            profiler.dump_stats(outputFile)
            pstats.Stats(profiler).print_stats()

    return wrapper


class _NoTrialMarker(Exception):
    """A directory about to be removed as trial's temporary directory does not hold the
    ``_trial_marker`` file that trial leaves there, so it is not removed."""


class _WorkingDirectoryBusy(Exception):
    """trial's working directory is in use by another run (its lock is held)."""


def _removeSafely(path: Any) -> None:
    """Remove ``path`` (a ``FilePath``), trial's working directory of a previous run: only if
    it holds a ``_trial_marker`` file (else ``_NoTrialMarker``). When it cannot be removed
    it is renamed out of the way (``_trial_temp_old<N>``), saying so on stdout; when that
    fails too, the rename's error is raised."""
    if not path.child(b"_trial_marker" if isinstance(path.path, bytes) else "_trial_marker").exists():
        raise _NoTrialMarker(f"{path!r} is not a trial temporary path, refusing to remove it")
    try:
        path.remove()
    except OSError as e:
        print(f"could not remove {path!r}, caught OSError [Errno {e.errno}]: {e.strerror}")
        try:
            name = f"_trial_temp_old{random.randint(0, 99999999)}"
            newPath = path.sibling(os.fsencode(name) if isinstance(path.path, bytes) else name)
            path.moveTo(newPath)
        except OSError as e2:
            print(f"could not rename path, caught OSError [Errno {e2.errno}]: {e2.strerror}")
            raise


def _listToPhrase(things: Sequence[object], finalDelimiter: str, delimiter: str = ", ") -> str:
    """``things`` as an English phrase: ``"a"``, ``"a and b"``, ``"a, b, and c"`` (with
    ``finalDelimiter`` ``"and"``; ``delimiter`` separates the rest)."""
    if not isinstance(things, (list, tuple)):
        raise TypeError("Things must be a list or a tuple")
    words = [str(thing) for thing in things]
    if len(words) < 2:
        return "".join(words)
    if len(words) == 2:
        return f"{words[0]} {finalDelimiter} {words[1]}"
    return f"{delimiter.join(words[:-1])}{delimiter}{finalDelimiter} {words[-1]}"


class _Janitor:
    """Cleans the reactor after a test (``postCaseCleanup``) and after a class of tests
    (``postClassCleanup``), reporting what it had to clean as a ``DirtyReactorAggregateError``
    to ``result.addError(test, ...)``."""

    def __init__(self, test: Any, result: Any, reactor: Any = None) -> None:
        self.test = test
        self.result = result
        self.reactor = reactor

    def postCaseCleanup(self) -> bool:
        """Cancel the timed calls left pending; True if there were none."""
        calls = self._cleanPending()
        if calls:
            self.result.addError(self.test, Failure(DirtyReactorAggregateError(calls)))
            return False
        return True

    def postClassCleanup(self) -> None:
        """Cancel the timed calls, drop the connections and kill the processes left behind,
        and stop the reactor's thread pool."""
        calls = self._cleanPending()
        selectables = self._cleanReactor()
        if calls or selectables:
            self.result.addError(
                self.test, Failure(DirtyReactorAggregateError(calls, selectables))
            )
        self._cleanThreads()

    def _getReactor(self) -> Any:
        if self.reactor is not None:
            return self.reactor
        from twistio.internet._registry import installed_reactor

        return installed_reactor()

    def _cleanPending(self) -> list[str]:
        """Let the reactor run what is due (two instant iterations), then cancel every timed
        call still pending; their descriptions, taken before cancelling."""
        reactor = self._getReactor()
        reactor.iterate(0)
        reactor.iterate(0)
        described = []
        for call in reactor.getDelayedCalls():
            if call.active():
                described.append(str(call))
                call.cancel()
        return described

    def _cleanThreads(self) -> None:
        reactor = self._getReactor()
        if getattr(reactor, "threadpool", None) is None:
            return
        trigger = getattr(reactor, "threadpoolShutdownID", None)
        if trigger is not None:
            reactor.removeSystemEventTrigger(trigger)
        stop = getattr(reactor, "_stopThreadPool", None)
        if stop is not None:
            stop()  # a later callInThread starts a new pool
        else:
            pool, reactor.threadpool = reactor.threadpool, None
            pool.stop()

    def _cleanReactor(self) -> list[str]:
        """Remove every reader and writer from the reactor (killing process transports);
        their ``repr``s."""
        from twistio.internet.interfaces import IProcessTransport

        described = []
        for selectable in self._getReactor().removeAll():
            described.append(repr(selectable))
            if IProcessTransport.providedBy(selectable):
                selectable.signalProcess("KILL")
        return described
