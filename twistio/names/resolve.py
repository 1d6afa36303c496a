"""``ResolverChain``: ask several resolvers in turn."""

from __future__ import annotations

from typing import Any

from twistio.internet.defer import Deferred, fail
from twistio.names import common, dns
from twistio.names.error import DomainError

__all__ = ["FailureHandler", "ResolverChain"]


class FailureHandler:
    """An errback that asks the next resolver when the last one said ``DomainError``."""

    def __init__(self, resolver: Any, query: Any, timeout: Any) -> None:
        self.resolver = resolver
        self.query = query
        self.timeout = timeout

    def __call__(self, failure: Any) -> Any:
        failure.trap(DomainError, dns.DomainError)
        return self.resolver(self.query, self.timeout)


class ResolverChain(common.ResolverBase):
    """Asks each resolver in ``resolvers`` in order until one does not fail with
    ``DomainError`` (an ``AuthoritativeDomainError`` ends the search)."""

    def __init__(self, resolvers: list[Any]) -> None:
        common.ResolverBase.__init__(self)
        self.resolvers = resolvers

    def _lookup(self, name: bytes, cls: int, type: int, timeout: Any) -> Deferred[Any]:
        return self._ask(dns.Query(name, type, cls), timeout)

    def query(self, query: dns.Query, timeout: Any = None) -> Deferred[Any]:
        """Look up ``query`` in each resolver in turn (class IN, as ``lookup*`` would)."""
        if query.type in self._direct:
            if query.cls != dns.IN:
                query = dns.Query(query.name.name, query.type, dns.IN)
            return self._ask(query, timeout)
        return common.ResolverBase.query(self, query, timeout)

    def _ask(self, q: dns.Query, timeout: Any) -> Deferred[Any]:
        resolvers = self.resolvers
        if not resolvers:
            return fail(DomainError())
        d: Deferred[Any] = resolvers[0].query(q, timeout)
        for r in resolvers[1:]:
            d = d.addErrback(FailureHandler(r.query, q, timeout))
        return d

    def lookupAllRecords(self, name: str | bytes, timeout: Any = None) -> Deferred[Any]:
        """Every record of ``name``, from the first resolver that knows it."""
        if not self.resolvers:
            return fail(DomainError())
        d: Deferred[Any] = self.resolvers[0].lookupAllRecords(name, timeout)
        for r in self.resolvers[1:]:
            d = d.addErrback(FailureHandler(r.lookupAllRecords, name, timeout))
        return d
