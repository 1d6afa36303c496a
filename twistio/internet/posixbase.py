"""``PosixReactorBase``: the base of twistio's reactor, kept at Twisted's path.

In Twisted it is the select-style reactor base that builds TCP, UDP and UNIX on
``addReader``; twistio's reactor (a subclass of this) builds them on asyncio instead, so a
class deriving from ``PosixReactorBase`` to supply its own ``doIteration`` gets
``ReactorBase``'s contract but not Twisted's socket machinery.
"""

from __future__ import annotations

import socket

from twistio.internet.base import ReactorBase

__all__ = ["PosixReactorBase", "processEnabled", "sslEnabled", "unixEnabled"]

#: Whether ``spawnProcess`` works here.
processEnabled = True
#: Whether UNIX sockets work here.
unixEnabled = hasattr(socket, "AF_UNIX")
#: Whether TLS works here (the standard library's ``ssl``).
sslEnabled = True


class PosixReactorBase(ReactorBase):
    """A reactor for POSIX-like systems (twistio's reactor derives from it)."""

    _supportedAddressFamilies: tuple[int, ...] = tuple(
        f for f in (socket.AF_INET, socket.AF_INET6, getattr(socket, "AF_UNIX", None)) if f
    )


def __getattr__(name: str) -> object:
    # Twisted's posixbase names its TLS modules ``ssl`` and ``tls``: twistio's, on demand.
    if name == "ssl":
        from twistio.internet import ssl

        return ssl
    if name == "tls":
        from twistio.protocols import tls  # type: ignore[attr-defined,unused-ignore]

        return tls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
