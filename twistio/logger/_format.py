"""Turning events into text: ``formatEvent``, ``eventAsText``, the classic log line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from twistio.logger._flatten import aFormatter, extractField, flatFormat
from twistio.python.failure import Failure

__all__ = [
    "eventAsText",
    "extractField",
    "formatEvent",
    "formatEventAsClassicLogText",
    "formatTime",
    "formatUnformattableEvent",
    "formatWithCall",
    "timeFormatRFC3339",
]

timeFormatRFC3339 = "%Y-%m-%dT%H:%M:%S%z"


_formatter = aFormatter


def formatWithCall(formatString: str, mapping: Mapping[str, Any]) -> str:
    """``formatString.format_map(mapping)``, except that ``{name()}`` calls ``name``."""
    return _formatter.vformat(formatString, (), mapping)


def formatEvent(event: Mapping[str, Any]) -> str:
    """The event's ``log_format`` filled in from the event; never raises.

    An event without a format gives ``""``; one that cannot be formatted gives a message
    saying so, with the event's ``repr`` and the error.
    """
    try:
        if "log_flattened" in event:
            return flatFormat(event)
        fmt = event.get("log_format")
        if fmt is None:
            return ""
        if isinstance(fmt, bytes):
            fmt = fmt.decode("utf-8")
        elif not isinstance(fmt, str):
            raise TypeError(f"Log format must be str, not {fmt!r}")
        if "{" not in fmt and "}" not in fmt:
            return fmt
        return _formatter.vformat(fmt, (), event)
    except BaseException as e:
        return formatUnformattableEvent(event, e)


def _safe_repr(obj: object) -> str:
    try:
        return repr(obj)
    except BaseException:
        try:
            return f"<unrepresentable {type(obj).__name__} object at {id(obj):#x}>"
        except BaseException:
            return "<unrepresentable object>"


def formatUnformattableEvent(event: Mapping[str, Any], error: BaseException) -> str:
    """The text of an event whose format failed: its ``repr`` and the error."""
    try:
        return f"Unable to format event {event!r}: {error}"
    except BaseException as e:
        pairs = ", ".join(f"{_safe_repr(k)} = {_safe_repr(v)}" for k, v in event.items())
        try:
            during = str(Failure(e))
        except BaseException:
            during = _safe_repr(e)
        return (
            f"MESSAGE LOST: unformattable object logged: {_safe_repr(error)}\n"
            f"Recoverable data: {pairs}\n"
            f"Exception during formatting:\n{during}"
        )


def formatTime(
    when: float | None, timeFormat: str | None = timeFormatRFC3339, default: str = "-"
) -> str:
    """``when`` (a POSIX time) in local time as ``timeFormat``; ``default`` if either is None."""
    if timeFormat is None or when is None:
        return default
    return datetime.fromtimestamp(when).astimezone().strftime(timeFormat)


def _eventSystem(event: Mapping[str, Any]) -> str:
    system = event.get("log_system")
    if system is not None:
        try:
            return str(system)
        except BaseException:
            return "UNFORMATTABLE"
    namespace = event.get("log_namespace", "-")
    level = event.get("log_level")
    try:
        levelName = level.name if level is not None else "-"
    except AttributeError:
        levelName = "-"
    return f"{namespace}#{levelName}"


def _formatTraceback(failure: Any) -> str:
    try:
        if isinstance(failure, Failure):
            return failure.getTraceback()
        if isinstance(failure, BaseException):
            return Failure(failure).getTraceback()
        return str(failure.getTraceback())
    except BaseException:
        return "(UNABLE TO OBTAIN TRACEBACK FROM EVENT)\n"


def eventAsText(
    event: Mapping[str, Any],
    includeTraceback: bool = True,
    includeTimestamp: bool = True,
    includeSystem: bool = True,
    formatTime: Callable[[float | None], str] = formatTime,
) -> str:
    """The event as one text: time, ``[system]``, the formatted event, then any traceback.

    ``""`` when the event has no text and no traceback.
    """
    text = formatEvent(event)
    if includeTraceback and "log_failure" in event:
        text = f"{text}\n{_formatTraceback(event['log_failure'])}"
    if not text:
        return ""
    if includeSystem:
        text = f"[{_eventSystem(event)}] {text}"
    if includeTimestamp:
        text = f"{formatTime(event.get('log_time'))} {text}"
    return text


def formatEventAsClassicLogText(
    event: Mapping[str, Any], formatTime: Callable[[float | None], str] = formatTime
) -> str | None:
    """Twisted's classic log line: ``time [system] text``, continuation lines tab-indented.

    None for an event with no text at all (which a file observer then skips).
    """
    text = eventAsText(event, includeTimestamp=False, includeSystem=False)
    if not text:
        return None
    text = text.replace("\n", "\n\t")
    return f"{formatTime(event.get('log_time'))} [{_eventSystem(event)}] {text}\n"
