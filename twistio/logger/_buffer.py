"""``LimitedHistoryLogObserver``: keeps the last N events to replay later."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from twistio.internet.interfaces import implementer
from twistio.logger._observer import ILogObserver, LogEvent

__all__ = ["LimitedHistoryLogObserver"]


@implementer(ILogObserver)
class LimitedHistoryLogObserver:
    """An observer keeping the most recent ``size`` events; older ones are dropped."""

    def __init__(self, size: int = 2**16) -> None:
        self._buffer: deque[LogEvent] = deque(maxlen=size)

    def __call__(self, event: LogEvent) -> None:
        self._buffer.append(event)

    def replayTo(self, otherObserver: Callable[[LogEvent], object]) -> None:
        """Pass every kept event, oldest first, to ``otherObserver``."""
        for event in self._buffer:
            otherObserver(event)
