"""Sending ``twistio.python.log`` events to the system log (Unix only)."""

from __future__ import annotations

import syslog
from typing import Any

from twistio.python import log

__all__ = ["DEFAULT_FACILITY", "DEFAULT_OPTIONS", "SyslogObserver", "startLogging"]

#: The syslog facility and ``openlog`` options used unless told otherwise.
DEFAULT_FACILITY = syslog.LOG_USER
DEFAULT_OPTIONS = 0


class SyslogObserver:
    """A legacy log observer (``emit``) writing each event to the system log, one call
    per line: ``[system] text``, continuation lines indented by a tab.

    The priority is ``LOG_INFO`` (``LOG_ALERT`` for an error), or the event's
    ``syslogPriority``; an event's ``syslogFacility`` is added to it.
    """

    # The syslog module's functions, as attributes so that they can be replaced (in tests).
    openlog = staticmethod(syslog.openlog)
    syslog = staticmethod(syslog.syslog)

    def __init__(
        self, prefix: str, options: int = DEFAULT_OPTIONS, facility: int = DEFAULT_FACILITY
    ) -> None:
        self.openlog(prefix, options, facility)

    def emit(self, eventDict: dict[str, Any]) -> None:
        """Write the event (nothing for an event without text)."""
        text = log.textFromEventDict(eventDict)
        if text is None:
            return
        priority = syslog.LOG_ALERT if eventDict.get("isError") else syslog.LOG_INFO
        if "syslogPriority" in eventDict:
            priority = int(eventDict["syslogPriority"])
        facility = int(eventDict.get("syslogFacility", 0))
        lines = text.split("\n")
        while lines and not lines[-1]:
            lines.pop()
        system = eventDict.get("system", "-")
        for i, line in enumerate(lines):
            self.syslog(priority | facility, f"[{system}] {chr(9) if i else ''}{line}")


def startLogging(
    prefix: str = "Twisted",
    options: int = DEFAULT_OPTIONS,
    facility: int = DEFAULT_FACILITY,
    setStdout: int = 1,
) -> None:
    """Begin logging to the system log (see ``log.startLoggingWithObserver``)."""
    observer = SyslogObserver(prefix, options, facility)
    log.startLoggingWithObserver(observer.emit, setStdout=setStdout)
