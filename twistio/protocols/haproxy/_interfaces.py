"""The interfaces of the PROXY protocol modules."""

from __future__ import annotations

from typing import Protocol

from twistio.internet.interfaces import IAddress, Interface


class IProxyInfo(Interface, Protocol):
    """What a PROXY header says: the ``header`` bytes, and the ``source`` and ``destination``
    addresses (``None`` for a LOCAL or UNKNOWN header)."""

    header: bytes
    source: IAddress | None
    destination: IAddress | None


class IProxyParser(Interface, Protocol):
    """A parser of PROXY headers, fed a connection's first bytes."""

    def feed(self, data: bytes) -> tuple[IProxyInfo, bytes] | tuple[None, None]:
        """Take more bytes: ``(info, bytes after the header)`` once a header is complete,
        ``(None, None)`` before; ``InvalidProxyHeader`` when the bytes cannot be one."""

    def parse(self, line: bytes) -> IProxyInfo:
        """The information in ``line``, one whole header; ``InvalidProxyHeader`` if it is
        not one."""
