"""What every part of ``twistio.logger`` speaks: ``ILogObserver``, ``LogEvent``, ``LogTrace``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from twistio.internet.interfaces import Interface

if TYPE_CHECKING:
    from twistio.logger._logger import Logger

__all__ = ["ILogObserver", "LogEvent", "LogTrace"]

#: A log event: a dict of ``log_*`` keys (``log_format``, ``log_level``, ``log_time``...) and
#: the fields its format names.
LogEvent = dict[str, Any]


class ILogObserver(Interface, Protocol):
    """Something called with each log event (a dict); any callable taking one argument is one.

    An observer must not raise (a publisher reports and survives it) and should not keep
    the event beyond the call unless it copies what it needs: events may hold live objects.
    """

    def __call__(self, event: LogEvent) -> None: ...


#: An event's ``log_trace``: the (logger or publisher, observer) hops it took.
LogTrace = list[tuple["Logger", ILogObserver]]
