"""``CacheResolver``: answers from earlier answers until their TTLs run out."""

from __future__ import annotations

from typing import Any

from twistio.internet.defer import Deferred, fail, succeed
from twistio.names import common, dns
from twistio.names.error import DomainError

__all__ = ["CacheResolver"]


class CacheResolver(common.ResolverBase):
    """A cache of ``(answers, authority, additional)`` results keyed by ``dns.Query``.

    An entry lives for the smallest TTL among its records; answers from it carry TTLs
    decremented by the time spent in the cache. A miss fails with ``DomainError`` so that a
    ``ResolverChain`` (or a server) goes on to the next resolver.
    """

    cache: dict[dns.Query, tuple[float, Any]]
    cancel: dict[dns.Query, Any]

    def __init__(
        self,
        cache: dict[dns.Query, tuple[float, Any]] | None = None,
        verbose: int = 0,
        reactor: Any = None,
    ) -> None:
        common.ResolverBase.__init__(self)
        self.cache = {}
        self.verbose = verbose
        self.cancel = {}
        if reactor is None:
            from twistio.internet import reactor as the_reactor

            reactor = the_reactor
        self._reactor = reactor
        if cache:
            for query, (_when, payload) in cache.items():
                self.cacheResult(query, payload)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["cancel"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        now = self._reactor.seconds()
        for query, (_when, payload) in list(self.cache.items()):
            self.cacheResult(query, payload, now)

    def _lookup(self, name: bytes, cls: int, type: int, timeout: Any) -> Deferred[Any]:
        now = self._reactor.seconds()
        q = dns.Query(name, type, cls)
        entry = self.cache.get(q)
        if entry is None:
            return fail(DomainError(name))
        when, (answers, authority, additional) = entry
        elapsed = int(now - when)
        sections = []
        for section in (answers, authority, additional):
            fresh = []
            for rr in section:
                ttl = rr.ttl - elapsed
                if ttl < 0:
                    self.clearEntry(q)
                    return fail(DomainError(name))
                fresh.append(dns.RRHeader(rr.name.name, rr.type, rr.cls, ttl, rr.payload, rr.auth))
            sections.append(fresh)
        return succeed(tuple(sections))

    def lookupAllRecords(self, name: str | bytes, timeout: Any = None) -> Deferred[Any]:
        """Not cached: always a miss."""
        return fail(DomainError(name))

    def cacheResult(self, query: dns.Query, payload: Any, cacheTime: float | None = None) -> None:
        """Remember ``payload`` (answers, authority, additional) for ``query``."""
        now = self._reactor.seconds() if cacheTime is None else cacheTime
        self.cache[query] = (now, payload)
        ttls = [rr.ttl for section in payload for rr in section]
        lifetime = min(ttls) if ttls else 0
        old = self.cancel.pop(query, None)
        if old is not None and old.active():
            old.cancel()
        self.cancel[query] = self._reactor.callLater(lifetime, self.clearEntry, query)

    def clearEntry(self, query: dns.Query) -> None:
        """Forget ``query``."""
        self.cache.pop(query, None)
        call = self.cancel.pop(query, None)
        if call is not None and call.active():
            call.cancel()
