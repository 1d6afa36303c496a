"""``capturedLogs``: collect what is logged in a block."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from twistio.logger._global import globalLogPublisher
from twistio.logger._interfaces import LogEvent

__all__ = ["capturedLogs"]


@contextmanager
def capturedLogs() -> Iterator[Sequence[LogEvent]]:
    """A list that collects the events published to ``globalLogPublisher`` in the block."""
    events: list[LogEvent] = []
    globalLogPublisher.addObserver(events.append)
    try:
        yield events
    finally:
        globalLogPublisher.removeObserver(events.append)
