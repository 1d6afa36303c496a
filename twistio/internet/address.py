"""Address types returned by ``getHost``/``getPeer``, with Twisted's names and fields."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, Union

from twistio.internet.interfaces import IAddress, implementer

__all__ = ["HostnameAddress", "IPv4Address", "IPv6Address", "UNIXAddress"]


@implementer(IAddress)
@dataclass(unsafe_hash=True)
class IPv4Address:
    """An IPv4 socket address; ``type`` is ``'TCP'`` or ``'UDP'``."""

    type: Union[Literal["TCP"], Literal["UDP"]]
    host: str
    port: int


@implementer(IAddress)
@dataclass(unsafe_hash=True)
class IPv6Address:
    """An IPv6 socket address; ``type`` is ``'TCP'`` or ``'UDP'``."""

    type: Union[Literal["TCP"], Literal["UDP"]]
    host: str
    port: int
    flowInfo: int = 0
    scopeID: Union[str, int] = 0


@implementer(IAddress)
@dataclass(unsafe_hash=True)
class HostnameAddress:
    """A host name (bytes, as in Twisted) and port that has not been resolved."""

    hostname: bytes
    port: int


@implementer(IAddress)
class UNIXAddress:
    """A UNIX socket path; equal to another when both name the same file."""

    __slots__ = ("name",)

    def __init__(self, name: bytes | str | None) -> None:
        # Kept as bytes, as Twisted does (a str is encoded as the filesystem would).
        self.name = os.fsencode(name) if isinstance(name, str) else name

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UNIXAddress):
            return NotImplemented
        if self.name == other.name:
            return True
        if self.name is None or other.name is None:
            return False
        try:
            return os.path.samefile(self.name, other.name)
        except (OSError, ValueError):  # ValueError: an abstract name ("\0..."), no file
            return False

    def __hash__(self) -> int:
        if self.name is None:
            return hash((UNIXAddress, None))
        try:
            st = os.stat(self.name)
        except (OSError, ValueError):
            return hash(self.name)
        return hash((st.st_ino, st.st_dev))

    def __repr__(self) -> str:
        name = self.name.decode("utf-8", "replace") if isinstance(self.name, bytes) else self.name
        return f"UNIXAddress({name!r})"


@implementer(IAddress)
class _ProcessAddress:
    """The address of a process transport's ends: there is nothing to tell, so each is unique
    (compared by identity), as Twisted's is; endpoints and tests import it by this name."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_ProcessAddress()"
