"""Helpers of trial's test cases: warning suppression, attribute lookup along a list of
objects, ``Failure`` to ``exc_info``, the dirty-reactor error and the test log file."""

from __future__ import annotations

import functools
import profile
import pstats
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TextIO, TypeVar, Union

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
            lines.append(
                "DelayedCalls: (set twistio.internet.base.DelayedCall.debug = True to debug)"
            )
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
