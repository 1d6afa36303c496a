"""Adapting avatars to interfaces (``ISession(avatar)``)."""

from __future__ import annotations

from typing import Any


def adapt(interface: Any, obj: Any, default: Any = None) -> Any:
    """``interface(obj, default)``: ``obj`` if it provides the interface, else the adapter
    registered with ``twistio.python.components.registerAdapter``, else ``default``."""
    return interface(obj, default)
