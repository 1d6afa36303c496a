"""The bridge between legacy observers (``twistio.python.log``'s event dicts, with
``message``, ``isError``, ``failure``...) and ``twistio.logger``'s events."""

from __future__ import annotations

import logging
from collections.abc import Callable

from twistio.internet.interfaces import implementer
from twistio.logger._format import formatEvent
from twistio.logger._interfaces import ILogObserver, LogEvent
from twistio.logger._levels import LogLevel

__all__ = ["LegacyLogObserverWrapper", "publishToNewObserver"]


def _safeStr(obj: object) -> str:
    try:
        return str(obj)
    except BaseException:
        try:
            return f"<{type(obj).__name__} instance with unprintable str>"
        except BaseException:
            return "<unprintable object>"


class _StringifiableFromEvent:
    """``str()`` gives the formatted event: what a legacy ``format`` shows of a new event."""

    __slots__ = ("event",)

    def __init__(self, event: LogEvent) -> None:
        self.event = event

    def __str__(self) -> str:
        return formatEvent(self.event)


def _toLegacy(event: LogEvent) -> LogEvent:
    """A legacy event dict for ``event`` (a copy; Twisted adds the keys to the event itself)."""
    legacy = dict(event)
    if "message" not in legacy:
        legacy["message"] = ()
    if "time" not in legacy:
        legacy["time"] = legacy.get("log_time")
    if "system" not in legacy:
        legacy["system"] = legacy.get("log_system", "-")
    if "format" not in legacy and legacy.get("log_format") is not None:
        legacy["format"] = "%(log_legacy)s"
        legacy["log_legacy"] = _StringifiableFromEvent(event)
    if not isinstance(legacy["message"], tuple):
        # A new-style ``message`` field is one of the format's values, not legacy text.
        legacy["message"] = ()
    if "log_failure" in legacy:
        legacy.setdefault("failure", legacy["log_failure"])
        legacy.setdefault("isError", 1)
        if "why" not in legacy:
            legacy["why"] = formatEvent(event)
    if "isError" not in legacy:
        level = legacy.get("log_level")
        legacy["isError"] = 1 if level in (LogLevel.error, LogLevel.critical) else 0
    return legacy


@implementer(ILogObserver)
class LegacyLogObserverWrapper:
    """A new-style observer handing legacy event dicts to ``legacyObserver``."""

    def __init__(self, legacyObserver: Callable[[LogEvent], object]) -> None:
        self.legacyObserver = legacyObserver

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.legacyObserver!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LegacyLogObserverWrapper):
            return bool(self.legacyObserver == other.legacyObserver)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.legacyObserver)

    def __call__(self, event: LogEvent) -> None:
        self.legacyObserver(_toLegacy(event))


def publishToNewObserver(
    observer: Callable[[LogEvent], object],
    eventDict: LogEvent,
    textFromEventDict: Callable[[LogEvent], str | None],
) -> None:
    """Add the ``log_*`` keys to a legacy event dict and send it to ``observer``
    (``textFromEventDict`` gives a legacy event's text).

    For an error, the Failure is the event's ``log_failure`` and the text is only ``why``
    (Twisted bakes the traceback into ``log_text``), so that new-style observers, the
    ``logging`` bridge and test collectors get the exception itself.
    """
    eventDict.setdefault("log_time", eventDict["time"])
    text = None if "log_format" in eventDict else _legacyText(eventDict, textFromEventDict)
    if text is not None:
        eventDict.update(log_text=text, log_format="{log_text}")
    if "log_level" not in eventDict:
        level = _legacyLevel(eventDict)
        if level is not None:
            eventDict["log_level"] = level
    eventDict.setdefault("system", "-")
    eventDict.setdefault("log_system", eventDict["system"])
    eventDict["log_namespace"] = "log_legacy"
    observer(eventDict)


def _legacyText(
    eventDict: LogEvent, textFromEventDict: Callable[[LogEvent], str | None]
) -> str | None:
    """The text of a legacy event; for an error without a message, only its ``why``."""
    failure = eventDict.get("failure")
    is_error_report = eventDict.get("isError") and failure is not None
    if not is_error_report or eventDict.get("message"):
        return textFromEventDict(eventDict)
    eventDict.setdefault("log_failure", failure)
    why = eventDict.get("why")
    return _safeStr(why) if why else "Unhandled Error"


def _legacyLevel(eventDict: LogEvent) -> LogLevel | None:
    """The level of a legacy event: its stdlib ``logLevel`` (None when that is no level),
    else by ``isError``."""
    if "logLevel" in eventDict:
        levelno = eventDict["logLevel"]
        if isinstance(levelno, str):  # a level's name, "WARNING"
            levelno = logging.getLevelName(levelno)
        if isinstance(levelno, int):
            return LogLevel._fromStdlib(levelno)
        return None
    return LogLevel.critical if eventDict.get("isError") else LogLevel.info
