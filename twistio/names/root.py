"""Iterative resolution from the root servers: ``Resolver(hints)`` follows referrals itself.

``bootstrap(resolver)`` gives a resolver that first finds the root servers' addresses with
``resolver``, then resolves iteratively from them; calls made meanwhile wait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.internet.defer import Deferred, DeferredList, fail
from twistio.names import client, common, dns
from twistio.names.error import ResolverError
from twistio.python.failure import Failure

__all__ = ["DeferredResolver", "Resolver", "bootstrap", "makePlaceholder"]

_ROOT_NAMES = [f"{c}.root-servers.net" for c in "abcdefghijklm"]


class Resolver(common.ResolverBase):
    """Resolves by asking the root servers at ``hints`` (IP addresses), then the servers
    each answer refers to, until an answer, at most ``maximumQueries`` queries per lookup.

    ``resolverFactory(servers=..., reactor=...)`` makes the resolver for each step
    (``client.Resolver`` by default).
    """

    def __init__(
        self,
        hints: list[str],
        maximumQueries: int = 10,
        reactor: Any = None,
        resolverFactory: Callable[..., Any] | None = None,
    ) -> None:
        common.ResolverBase.__init__(self)
        self.hints = hints
        self._maximumQueries = maximumQueries
        self._reactor = reactor
        self._resolverFactory = resolverFactory or client.Resolver

    def _roots(self) -> list[tuple[str, int]]:
        return [(ip, dns.PORT) for ip in self.hints]

    def _query(
        self, query: dns.Query, servers: list[tuple[str, int]], timeout: Any, filter: bool
    ) -> Deferred[Any]:
        resolver = self._resolverFactory(servers=servers, reactor=self._reactor)
        d: Deferred[Any] = resolver.queryUDP([query], timeout)
        if filter:
            d.addCallback(resolver.filterAnswers)
        return d

    def _lookup(self, name: bytes, cls: int, type: int, timeout: Any) -> Deferred[Any]:
        if timeout is None:
            timeout = (1, 3, 11, 45)
        return self._discoverAuthority(
            dns.Query(name, type, cls), self._roots(), timeout, [self._maximumQueries]
        )

    def _discoverAuthority(
        self, query: dns.Query, servers: list[tuple[str, int]], timeout: Any,
        queriesLeft: list[int],
    ) -> Deferred[Any]:
        # ``queriesLeft`` is one lookup's budget, shared with the lookups it starts (for a
        # name server's address, an alias's target): every query counts against it.
        if queriesLeft[0] <= 0:
            return fail(ResolverError("Query limit reached without result"))
        queriesLeft[0] -= 1
        d = self._query(query, servers, timeout, False)
        d.addCallback(self._discoveredAuthority, query, timeout, queriesLeft)
        return d

    def _discoveredAuthority(
        self, response: dns.Message, query: dns.Query, timeout: Any, queriesLeft: list[int]
    ) -> Any:
        if response.rCode != dns.OK:
            return Failure(self.exceptionForCode(response.rCode)(response))
        by_name: dict[dns.Name, list[dns.RRHeader]] = {}
        for rr in [*response.answers, *response.authority, *response.additional]:
            by_name.setdefault(rr.name, []).append(rr)

        def answer_or_alias(name: dns.Name) -> dns.RRHeader | None:
            alias = None
            for rr in by_name.get(name, ()):
                if rr.cls != query.cls:
                    continue
                if rr.type == query.type:
                    return rr
                if rr.type == dns.CNAME:
                    alias = rr
            return alias

        # Follow CNAMEs within this response.
        name = query.name
        seen = {name}
        chain: list[dns.RRHeader] = []
        while True:
            found = answer_or_alias(name)
            if found is None:
                break
            if found.type == query.type:
                return (response.answers, response.authority, response.additional)
            chain.append(found)
            name = found.payload.name
            if name in seen:
                return Failure(ResolverError("Cycle in CNAME processing"))
            seen.add(name)
        if chain:
            # An alias whose target this response does not answer: start over for the target.
            d = self._discoverAuthority(
                dns.Query(name.name, query.type, query.cls), self._roots(), timeout, queriesLeft
            )

            def prepend(result: Any) -> Any:
                answers, authority, additional = result
                return ([*chain, *answers], authority, additional)

            return d.addCallback(prepend)
        # A referral: ask the name servers it names, at the addresses it gives or we find.
        servers = [rr.payload.name for rr in response.authority if rr.type == dns.NS]
        if not servers:
            return Failure(ResolverError("No answer or referral"))
        addresses = [
            rr.payload.dottedQuad()
            for ns in servers
            for rr in by_name.get(ns, ())
            if rr.type == dns.A
        ]
        if addresses:
            return self._discoverAuthority(
                query, [(a, dns.PORT) for a in addresses], timeout, queriesLeft
            )
        d = self._discoverAuthority(
            dns.Query(servers[0].name, dns.A, dns.IN), self._roots(), timeout, queriesLeft
        )

        def found_server(result: Any) -> Any:
            answers = [rr for rr in result[0] if rr.type == dns.A]
            if not answers:
                return Failure(ResolverError(f"No address for name server {servers[0]}"))
            return self._discoverAuthority(
                query, [(answers[0].payload.dottedQuad(), dns.PORT)], timeout, queriesLeft
            )

        return d.addCallback(found_server)


def makePlaceholder(deferred: Deferred[Any], name: str) -> Callable[..., Deferred[Any]]:
    """A stand-in for method ``name`` of the resolver ``deferred`` will give."""

    def placeholder(*args: Any, **kw: Any) -> Deferred[Any]:
        result: Deferred[Any] = Deferred()

        def call(resolver: Any) -> Any:
            getattr(resolver, name)(*args, **kw).chainDeferred(result)
            return resolver

        deferred.addCallback(call)
        return result

    return placeholder


class DeferredResolver:
    """Stands in for the resolver ``resolverDeferred`` will give; once it has, this object
    becomes that resolver (its class and state)."""

    def __init__(self, resolverDeferred: Deferred[Any]) -> None:
        self.waiting: list[Any] = []
        resolverDeferred.addCallback(self.gotRealResolver)

    def gotRealResolver(self, resolver: Any) -> Any:
        """Turn into ``resolver``, then run the calls that waited."""
        waiting = self.waiting
        self.__dict__ = resolver.__dict__
        self.__class__ = resolver.__class__
        for d in waiting:
            d.callback(resolver)
        return resolver

    def __getattr__(self, name: str) -> Any:
        if name.startswith("lookup") or name in ("getHostByName", "query"):
            d: Deferred[Any] = Deferred()
            self.waiting.append(d)
            return makePlaceholder(d, name)
        raise AttributeError(name)


def bootstrap(resolver: Any, resolverFactory: Callable[..., Any] | None = None) -> DeferredResolver:
    """A resolver from the root servers, whose addresses ``resolver`` looks up first."""
    lookups = [resolver.getHostByName(name) for name in _ROOT_NAMES]
    d: Deferred[Any] = DeferredList(lookups, consumeErrors=True)

    def build(results: list[tuple[bool, Any]]) -> Resolver:
        hints = [address for ok, address in results if ok]
        return Resolver(hints, resolverFactory=resolverFactory)

    d.addCallback(build)
    return DeferredResolver(d)



