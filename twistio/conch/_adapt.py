"""Adapting avatars to interfaces (``ISession(avatar)``) with or without a registry."""

from __future__ import annotations

from typing import Any


def adapt(interface: Any, obj: Any, default: Any = None) -> Any:
    """``interface(obj, default)``: the object itself if it provides the interface, else an
    adapter registered with ``twistio.python.components.registerAdapter``, else ``default``."""
    try:
        return interface(obj, default)
    except TypeError:
        pass
    if interface.providedBy(obj):
        return obj
    try:
        from twistio.python import components
    except ImportError:
        return default
    factory = components.getAdapterFactory(obj, interface, None)
    if factory is None:
        return default
    return factory(obj)
