"""A resolver answering A and AAAA queries from a hosts file (``/etc/hosts``)."""

from __future__ import annotations

import socket
from typing import Any

from twistio.internet.defer import Deferred, fail, succeed
from twistio.names import dns
from twistio.names.common import ResolverBase
from twistio.names.error import DomainError

__all__ = ["Resolver", "searchFileFor", "searchFileForAll"]


def _valid(address: str, family: int) -> bool:
    try:
        socket.inet_pton(family, address)
    except (OSError, ValueError):
        return False
    return True


def _path_of(hostsFile: Any) -> Any:
    path = getattr(hostsFile, "path", hostsFile)
    return path


def searchFileForAll(hostsFile: Any, name: bytes | str) -> list[str]:
    """Every address listed for ``name`` in ``hostsFile`` (a ``FilePath`` or a path).

    Names match case-insensitively; a missing file gives an empty list.
    """
    wanted = dns.domainString(name).lower()
    try:
        with open(_path_of(hostsFile), "rb") as f:
            lines = f.readlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split(b"#", 1)[0].split()
        if len(fields) < 2 or wanted not in (n.lower() for n in fields[1:]):
            continue
        address = fields[0].decode("ascii", "replace")
        if _valid(address, socket.AF_INET) or _valid(address, socket.AF_INET6):
            found.append(address)
    return found


def searchFileFor(file: Any, name: bytes | str) -> str | None:
    """The first address listed for ``name`` in the hosts file at ``file``, or None."""
    found = searchFileForAll(file, name)
    return found[0] if found else None


class Resolver(ResolverBase):
    """Answers from a hosts file, read anew on each query; other types are not implemented.

    Answers are not authoritative, and fail with ``DomainError`` for names not listed.
    """

    def __init__(self, file: bytes | str = b"/etc/hosts", ttl: int = 3600) -> None:
        ResolverBase.__init__(self)
        self.file = file
        self.ttl = ttl

    def _records(self, name: bytes, family: int, rtype: int, record: Any) -> tuple[Any, ...]:
        return tuple(
            dns.RRHeader(name, rtype, dns.IN, self.ttl, record(address, self.ttl))
            for address in searchFileForAll(self.file, name)
            if _valid(address, family)
        )

    def _aRecords(self, name: bytes) -> tuple[Any, ...]:
        return self._records(name, socket.AF_INET, dns.A, dns.Record_A)

    def _aaaaRecords(self, name: bytes) -> tuple[Any, ...]:
        return self._records(name, socket.AF_INET6, dns.AAAA, dns.Record_AAAA)

    def _respond(self, name: bytes, records: tuple[Any, ...]) -> Deferred[Any]:
        if records:
            return succeed((records, (), ()))
        return fail(DomainError(name))

    def lookupAddress(self, name: str | bytes, timeout: Any = None) -> Deferred[Any]:
        """A records of ``name``."""
        raw = dns.domainString(name)
        return self._respond(raw, self._aRecords(raw))

    def lookupIPV6Address(self, name: str | bytes, timeout: Any = None) -> Deferred[Any]:
        """AAAA records of ``name``."""
        raw = dns.domainString(name)
        return self._respond(raw, self._aaaaRecords(raw))

    lookupAllRecords = lookupAddress
