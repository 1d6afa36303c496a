"""Flattening: the text of each field of an event's format, kept in the event (under
``log_flattened``) so that it formats the same after its values are gone, as after a round
trip through JSON."""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from twistio.logger._interfaces import LogEvent

__all__ = ["KeyFlattener", "aFormatter", "extractField", "flatFormat", "flattenEvent"]


class _CallingFormatter(string.Formatter):
    """``str.format`` over keyword arguments, where a field ending in ``()`` is called."""

    def get_field(self, field_name: str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if field_name.endswith("()"):
            obj, first = super().get_field(field_name[:-2], args, kwargs)
            return obj(), first
        return super().get_field(field_name, args, kwargs)


#: The formatter events are formatted with (``{name()}`` calls ``name``).
aFormatter = _CallingFormatter()


class KeyFlattener:
    """Names the fields of one format in a flattened event: ``name!conversion:spec``, then
    ``/2``, ``/3``... for the same field met again."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()

    def flatKey(self, fieldName: str, formatSpec: str | None, conversion: str | None) -> str:
        """The key of this occurrence of the field."""
        key = f"{fieldName}!{conversion or ''}:{formatSpec or ''}"
        self.keys[key] += 1
        seen = self.keys[key]
        return key if seen == 1 else f"{key}/{seen}"


def _fields(fmt: str) -> Iterator[tuple[str, str, str | None]]:
    for _literal, fieldName, spec, conversion in aFormatter.parse(fmt):
        if fieldName is not None:
            yield fieldName, spec or "", conversion


def flattenEvent(event: LogEvent) -> None:
    """Store the text of each field of the event's format under ``log_flattened``.

    Each occurrence of a field gets two keys (see ``KeyFlattener``): ``name!conv:spec``,
    its text (``str`` unless the field says ``!r``; twistio applies ``spec`` here already),
    and ``name!:spec``, its value. What is already flattened stays as it is, and a field
    that cannot be read or formatted is left out (formatting then reports the event).
    """
    fmt = event.get("log_format")
    if not isinstance(fmt, str) or ("{" not in fmt and "}" not in fmt):
        return
    try:
        fields = list(_fields(fmt))
    except ValueError:
        return
    if not fields:
        return
    flattened = event.get("log_flattened")
    if not isinstance(flattened, dict):
        flattened = event["log_flattened"] = {}
    keys = KeyFlattener()
    for fieldName, spec, conversion in fields:
        textKey = keys.flatKey(fieldName, spec, conversion or "s")
        rawKey = keys.flatKey(fieldName, spec, "")
        if textKey in flattened:
            continue
        try:
            value, _ = aFormatter.get_field(fieldName, (), event)
            converted = aFormatter.convert_field(value, conversion or "s")
            flattened[textKey] = aFormatter.format_field(converted, spec)
        except BaseException:
            continue
        flattened[rawKey] = value


def flatFormat(event: Mapping[str, Any]) -> str:
    """Format an event flattened by ``flattenEvent`` from its ``log_flattened`` alone."""
    flattened = event["log_flattened"]
    fmt = event["log_format"]
    keys = KeyFlattener()
    parts = []
    for literal, fieldName, spec, conversion in aFormatter.parse(fmt):
        parts.append(literal)
        if fieldName is not None:
            parts.append(str(flattened[keys.flatKey(fieldName, spec, conversion or "s")]))
    return "".join(parts)


def extractField(field: str, event: LogEvent) -> Any:
    """The value of ``field`` (as written in the event's format: ``"a.b"``, ``"x[0]"``,
    ``"y!r"``) in ``event``, from its flattened fields (flattening a copy of the event when
    it is not flattened yet).

    A conversion (``!r``, ``!s``) gives its text; without one, the value itself.
    ``KeyError`` when the format has no such field (``'log_flattened'`` when the event has
    no format to flatten).
    """
    ((fieldName, spec, conversion),) = _fields("{" + field + "}")
    key = KeyFlattener().flatKey(fieldName, spec, conversion or "")
    if "log_flattened" in event:
        return event["log_flattened"][key]
    copy = dict(event)
    flattenEvent(copy)
    return copy["log_flattened"][key]
