"""The value a PROXY header parses to."""

from __future__ import annotations

from dataclasses import dataclass

from twistio.internet.interfaces import IAddress, implementer
from twistio.protocols.haproxy._interfaces import IProxyInfo


@implementer(IProxyInfo)
@dataclass(frozen=True, order=True)
class ProxyInfo:
    """A parsed header: its raw ``header`` bytes, and the ``source`` and ``destination``
    addresses it gives (``None`` when it gives none)."""

    __slots__ = ("__weakref__", "destination", "header", "source")

    header: bytes
    source: IAddress | None
    destination: IAddress | None
