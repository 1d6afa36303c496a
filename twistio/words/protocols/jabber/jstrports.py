"""Client connection descriptions for Jabber: ``tcp:host:port``, ``ssl:host:port``,
``unix:path`` (the older ``strports`` syntax; new code uses ``clientFromString``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.internet.endpoints import _parse as _split

__all__ = ["client", "parse"]


def _parseTCPSSL(factory: Any, domain: str, port: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (domain, int(port), factory), {}


def _parseUNIX(factory: Any, address: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (address, factory), {}


_funcs: dict[str, Callable[..., tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "tcp": _parseTCPSSL,
    "unix": _parseUNIX,
    "ssl": _parseTCPSSL,
}


def parse(description: str, factory: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """``(KIND, args, kwargs)`` for the ``KINDClient`` service of ``description``."""
    args, kw = _split(description)
    kind = args[0]
    made_args, made_kw = _funcs[kind](factory, *args[1:], **kw)
    return (kind.upper(), made_args, made_kw)


def client(description: str, factory: Any) -> Any:
    """The ``application.internet`` client service connecting ``factory`` as described."""
    from twistio.application import internet

    kind, args, kw = parse(description, factory)
    return getattr(internet, kind + "Client")(*args, **kw)
