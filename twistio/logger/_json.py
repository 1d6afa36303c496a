"""Events as JSON: ``eventAsJSON``, ``eventFromJSON``, ``jsonFileLogObserver`` and reading back.

The format is Twisted's, so files written by either can be read by the other: a record
separator (``\\x1e``) before each event, values that cannot be kept written as
``{"unpersistable": true}``, levels and Failures marked by Twisted's class UUIDs, and the
formatted fields under ``log_flattened`` so that ``formatEvent`` still works on the copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from twistio.logger._file import FileLogObserver
from twistio.logger._flatten import flattenEvent
from twistio.logger._levels import LogLevel
from twistio.logger._logger import Logger
from twistio.logger._observer import LogEvent
from twistio.python.failure import Failure

__all__ = ["eventAsJSON", "eventFromJSON", "eventsFromJSONLogFile", "jsonFileLogObserver"]

_LEVEL_UUID = "02e59486-f24d-46ad-8224-3acdf2a5732a"
_FAILURE_UUID = "e76887e2-20ed-49bf-a8f8-ba25cc586f2d"
_UNPERSISTABLE = {"unpersistable": True}

#: Where reading a JSON log reports records it cannot read.
log = Logger(namespace="twistio.logger._json")


def _failureAsDict(failure: Failure) -> dict[str, Any]:
    state = failure.__getstate__()
    typ = failure.type
    out: dict[str, Any] = {
        "type": {
            "__module__": getattr(typ, "__module__", "builtins"),
            "__name__": getattr(typ, "__name__", str(typ)),
        },
        "value": _UNPERSISTABLE,
        "message": failure.getErrorMessage(),
        "count": state.get("count", 0),
        "tb": None,
        "parents": [str(p) for p in state.get("parents") or state.get("_parents") or ()],
        "frames": [[f[0], f[1], f[2], [], []] for f in state.get("_frames") or ()],
        "captureVars": False,
        "pickled": 1,
        "__class_uuid__": _FAILURE_UUID,
    }
    return out


def _failureFromDict(d: dict[str, Any]) -> Failure:
    info = d.get("type") or {}
    name = str(info.get("__name__", "Exception"))
    cls = type(name, (Exception,), {"__module__": info.get("__module__", "builtins")})
    failure = Failure.__new__(Failure)
    failure.__setstate__(
        {
            "count": d.get("count", 0),
            "type": cls,
            "value": cls(d["message"]) if "message" in d else d.get("value"),
            "tb": None,
            "parents": d.get("parents") or [],
            "frames": [(f[0], f[1], f[2], (), ()) for f in d.get("frames") or ()],
            "pickled": 1,
        }
    )
    return failure


def _default(obj: object) -> Any:
    if isinstance(obj, LogLevel):
        return {"name": obj.name, "__class_uuid__": _LEVEL_UUID}
    if isinstance(obj, Failure):
        return _failureAsDict(obj)
    if isinstance(obj, bytes):
        # As Twisted: each byte as the character of the same number (latin-1), so the
        # bytes come back with ``.encode("charmap")``.
        return obj.decode("charmap")
    if isinstance(obj, (tuple, list)):
        return list(obj)
    return _UNPERSISTABLE


def _object_hook(d: dict[str, Any]) -> Any:
    uuid = str(d.get("__class_uuid__", "")).lower()
    if uuid == _LEVEL_UUID:
        try:
            return LogLevel.lookupByName(d["name"])
        except (KeyError, ValueError):
            return None  # a level this version does not know
    if uuid == _FAILURE_UUID:
        return _failureFromDict(d)
    return d


def eventAsJSON(event: LogEvent) -> str:
    """The event as one line of JSON (the event itself is not changed)."""
    copy = dict(event)
    flattenEvent(copy)
    return json.dumps(copy, default=_default, skipkeys=True, check_circular=False)


def eventFromJSON(eventText: str) -> LogEvent:
    """The event written by ``eventAsJSON``."""
    loaded: LogEvent = json.loads(eventText, object_hook=_object_hook)
    return loaded


def jsonFileLogObserver(outFile: IO[Any], recordSeparator: str = "\x1e") -> FileLogObserver:
    """A ``FileLogObserver`` writing each event as ``recordSeparator`` + JSON + newline."""

    def format(event: LogEvent) -> str:
        return f"{recordSeparator}{eventAsJSON(event)}\n"

    return FileLogObserver(outFile, format)


def _chunks(inFile: IO[Any], bufferSize: int) -> Iterator[bytes]:
    while True:
        chunk = inFile.read(bufferSize)
        if not chunk:
            return
        yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def _records(
    inFile: IO[Any], recordSeparator: str | None, bufferSize: int
) -> Iterator[tuple[bytes, bool]]:
    """Each record's bytes, and whether it is complete (a separated record ends with a
    newline; the reader cannot tell a truncated line from a last one without)."""
    buffer = b""
    separator: bytes | None = None if recordSeparator is None else recordSeparator.encode()
    for chunk in _chunks(inFile, bufferSize):
        buffer += chunk
        if separator is None:
            separator = b"\x1e" if buffer[:1] == b"\x1e" else b""
        if separator:
            *records, buffer = buffer.split(separator)
            for record in records:
                if record:
                    yield record, record.endswith(b"\n")
        else:
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                yield line + b"\n", True
    if buffer:
        yield buffer, buffer.endswith(b"\n") if separator else True


def eventsFromJSONLogFile(
    inFile: IO[Any], recordSeparator: str | None = None, bufferSize: int = 4096
) -> Iterable[LogEvent]:
    """The events in a file written by ``jsonFileLogObserver``.

    With no ``recordSeparator``, a file starting with ``\\x1e`` is split on it, any other
    on newlines. A record that cannot be read (cut short, not UTF-8, not JSON) is skipped,
    with an error logged (``record``: its bytes).
    """
    for record, complete in _records(inFile, recordSeparator, bufferSize):
        if not record.strip():
            continue
        if not complete:
            log.error("Unable to read truncated JSON record: {record!r}", record=record)
            continue
        try:
            text = record.decode("utf-8")
        except UnicodeDecodeError:
            log.error("Unable to decode UTF-8 for JSON record: {record!r}", record=record)
            continue
        try:
            event = eventFromJSON(text)
        except ValueError:
            log.error("Unable to read JSON record: {record!r}", record=record)
            continue
        if isinstance(event, dict):
            yield event
        else:
            log.error("Not a JSON object: {record!r}", record=record)
