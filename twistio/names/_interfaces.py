"""The resolver interfaces of Twisted Names (``twisted.internet.interfaces.IResolver``...)."""

from __future__ import annotations

from typing import Any, Protocol

from twistio.internet.interfaces import Interface

__all__ = ["IResolver", "IResolverSimple"]


class IResolverSimple(Interface, Protocol):
    """Resolves a host name to one address."""

    def getHostByName(self, name: str, timeout: Any = ...) -> Any:
        """A Deferred firing with an address of ``name`` as text."""


class IResolver(IResolverSimple, Protocol):
    """A full resolver: ``query`` and every ``lookup*`` method, each returning a Deferred
    firing with ``(answers, authority, additional)`` lists of ``RRHeader``."""

    def query(self, query: Any, timeout: Any = ...) -> Any:
        """Look up a ``dns.Query``."""

    def lookupAddress(self, name: str, timeout: Any = ...) -> Any:
        """A records."""

    def lookupAllRecords(self, name: str, timeout: Any = ...) -> Any:
        """All records."""
