"""``ILogObserver`` and ``LogPublisher``, the observer that fans events out to others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.internet.interfaces import implementer
from twistio.logger._interfaces import ILogObserver, LogEvent

__all__ = ["ILogObserver", "LogEvent", "LogPublisher", "bitbucketLogObserver", "globalLogPublisher"]

# A publisher with no observers wants nothing: its floor is above every level's priority.
_NOTHING = 5


def _floor_of(observer: Any) -> tuple[int, bool]:
    """(lowest level priority ``observer`` wants, whether it asks the stdlib logger)."""
    if getattr(observer, "_twistio_stdlib_gate", False):
        return _NOTHING, True
    return getattr(observer, "_twistio_floor", 0), False


@implementer(ILogObserver)
class LogPublisher:
    """An observer that passes each event on to its observers, in the order they were added.

    An observer that raises does not stop the others; the error is logged, as a critical
    event, to every observer but the broken one.

    twistio keeps, for ``Logger``, the lowest level any of the observers wants: a ``Logger``
    whose observer is a publisher skips building events nobody would see (below that level,
    and below the ``logging`` level of its namespace when the publisher forwards to the
    standard library). An observer it does not know wants everything.
    """

    def __init__(self, *observers: Callable[[LogEvent], object]) -> None:
        self._observers: list[Callable[[LogEvent], object]] = list(observers)
        self._snapshot: tuple[Callable[[LogEvent], object], ...] = ()
        self._floor = _NOTHING
        self._stdlib = False
        self._changed()

    def _changed(self) -> None:
        self._snapshot = tuple(self._observers)
        floor, stdlib = _NOTHING, False
        for observer in self._snapshot:
            f, s = _floor_of(observer)
            floor = min(floor, f)
            stdlib = stdlib or s
        self._floor, self._stdlib = floor, stdlib

    def addObserver(self, observer: Callable[[LogEvent], object]) -> None:
        """Add ``observer`` (a no-op if it is already there); ``TypeError`` if not callable."""
        if not callable(observer):
            raise TypeError(f"Observer is not callable: {observer!r}")
        if observer not in self._observers:
            self._observers.append(observer)
            self._changed()

    def removeObserver(self, observer: Callable[[LogEvent], object]) -> None:
        """Remove ``observer``; a no-op if it is not there."""
        try:
            self._observers.remove(observer)
        except ValueError:
            return
        self._changed()

    def __call__(self, event: LogEvent) -> None:
        trace = event.get("log_trace") if "log_trace" in event else None
        broken: list[tuple[Callable[[LogEvent], object], BaseException]] = []
        for observer in self._snapshot:
            if trace is not None:
                trace.append((self, observer))
            try:
                observer(event)
            except Exception as e:
                broken.append((observer, e))
        if broken:
            self._reportBroken(broken)

    def _reportBroken(self, broken: list[tuple[Callable[[LogEvent], object], BaseException]]) -> None:
        from twistio.logger._logger import Logger
        from twistio.python.failure import Failure

        for observer, error in broken:
            others = LogPublisher(*[o for o in self._snapshot if o is not observer])
            Logger(namespace="twistio.logger", observer=others).failure(
                "Temporarily disabling observer {observer} due to exception",
                Failure(error),
                observer=observer,
            )


globalLogPublisher = LogPublisher()
"""The publisher every ``Logger`` sends to unless given an observer."""


@implementer(ILogObserver)
def bitbucketLogObserver(event: LogEvent) -> None:
    """An observer that drops every event."""
