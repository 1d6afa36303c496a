"""Logging helpers: ``formatTrace``."""

from __future__ import annotations

from typing import Any

from twistio.logger._interfaces import LogTrace

__all__ = ["formatTrace"]


def _label(obj: Any) -> str:
    name = getattr(obj, "name", None)
    return f"{obj} ({name})" if name is not None else str(obj)


def formatTrace(trace: LogTrace) -> str:
    """An event's ``log_trace`` as a tree: the first sender, then each observer it reached,
    indented under whoever passed the event on (``  -> observer``, ``(name)`` when the
    observer has a ``name``)."""
    if not trace:
        return ""
    root = trace[0][0]
    depth = {id(root): 0}
    lines = [_label(root)]
    for sender, observer in trace:
        level = depth.get(id(sender), 0) + 1
        depth[id(observer)] = level
        lines.append("  " * level + "-> " + _label(observer))
    return "\n".join(lines) + "\n"
