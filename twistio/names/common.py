"""``ResolverBase``: every ``lookup*`` method, ``query`` and ``getHostByName`` on one ``_lookup``."""

from __future__ import annotations

import socket
from typing import Any

from twistio.internet.defer import Deferred, fail, succeed
from twistio.internet.error import DNSLookupError
from twistio.internet.interfaces import IResolver, implementer
from twistio.names import dns
from twistio.names import error as _errors

__all__ = ["EMPTY_RESULT", "ResolverBase", "extractRecord", "typeToMethod"]

EMPTY_RESULT: tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]] = ((), (), ())

_ANS, _AUTH, _ADD = range(3)

# The ResolverBase method that looks up each record type, grouped by what the records hold.
typeToMethod = {
    # addresses
    dns.A: "lookupAddress",
    dns.AAAA: "lookupIPV6Address",
    dns.A6: "lookupAddress6",
    # names pointing at other names
    dns.CNAME: "lookupCanonicalName",
    dns.PTR: "lookupPointer",
    dns.NS: "lookupNameservers",
    # mail routing and mailboxes
    dns.MX: "lookupMailExchange",
    dns.MB: "lookupMailBox",
    dns.MG: "lookupMailGroup",
    dns.MR: "lookupMailRename",
    dns.MINFO: "lookupMailboxInfo",
    # services
    dns.SRV: "lookupService",
    dns.NAPTR: "lookupNamingAuthorityPointer",
    dns.AFSDB: "lookupAFSDatabase",
    dns.WKS: "lookupWellKnownServices",
    # text about a host or a person
    dns.TXT: "lookupText",
    dns.SPF: "lookupSenderPolicy",
    dns.HINFO: "lookupHostInfo",
    dns.RP: "lookupResponsibility",
    # the zone: its authority, a transfer, everything, and the empty record
    dns.SOA: "lookupAuthority",
    dns.AXFR: "lookupZone",
    dns.ALL_RECORDS: "lookupAllRecords",
    dns.NULL: "lookupNull",
}

_Result = Deferred[Any]


@implementer(IResolver)
class ResolverBase:
    """A resolver whose subclasses implement ``_lookup(name, cls, type, timeout)`` only.

    Every ``lookup*`` method calls ``_lookup`` with its record type and class IN, the name
    as bytes (text is IDNA-encoded); ``query`` dispatches on the query's type.
    """

    # What each failing response code means (RFC 1035 section 4.1.1: codes 1 to 5, in order).
    _errormap: dict[int, type[Exception]] = dict(
        enumerate(
            (
                _errors.DNSFormatError,
                _errors.DNSServerError,
                _errors.DNSNameError,
                _errors.DNSNotImplementedError,
                _errors.DNSQueryRefusedError,
            ),
            start=dns.EFORMAT,
        )
    )

    typeToMethod: dict[int, Any]
    _direct: frozenset[int] = frozenset()

    def __init__(self) -> None:
        self.typeToMethod = {k: getattr(self, v) for k, v in typeToMethod.items()}
        # The types whose lookup method is ResolverBase's own: query() may go straight to
        # _lookup for them, as that method would.
        cls = type(self)
        self._direct = frozenset(
            k
            for k, v in typeToMethod.items()
            if k != dns.ALL_RECORDS and getattr(cls, v) is getattr(ResolverBase, v)
        )

    def exceptionForCode(self, responseCode: int) -> type[Exception]:
        """The exception class for a response code (``DNSUnknownError`` if unknown)."""
        return self._errormap.get(responseCode, _errors.DNSUnknownError)

    def query(self, query: dns.Query, timeout: Any = None) -> _Result:
        """Look up ``query`` (a ``dns.Query``) with the method for its type."""
        if query.type in self._direct:
            return self._lookup(query.name.name, dns.IN, query.type, timeout)
        method = self.typeToMethod.get(query.type)
        if method is not None:
            # Whatever the method gives (a Deferred, or a plain value) comes as a Deferred.
            try:
                result = method(query.name.name, timeout)
            except Exception:
                return fail()
            return result if isinstance(result, Deferred) else succeed(result)
        return self._lookup(query.name.name, query.cls, query.type, timeout)

    def _lookup(self, name: bytes, cls: int, type: int, timeout: Any) -> _Result:
        return fail(NotImplementedError("ResolverBase._lookup"))

    def _by_type(self, name: str | bytes, type: int, timeout: Any) -> _Result:
        return self._lookup(dns.domainString(name), dns.IN, type, timeout)

    def lookupAddress(self, name: str | bytes, timeout: Any = None) -> _Result:
        """A records."""
        return self._by_type(name, dns.A, timeout)

    def lookupIPV6Address(self, name: str | bytes, timeout: Any = None) -> _Result:
        """AAAA records."""
        return self._by_type(name, dns.AAAA, timeout)

    def lookupAddress6(self, name: str | bytes, timeout: Any = None) -> _Result:
        """A6 records."""
        return self._by_type(name, dns.A6, timeout)

    def lookupMailExchange(self, name: str | bytes, timeout: Any = None) -> _Result:
        """MX records."""
        return self._by_type(name, dns.MX, timeout)

    def lookupNameservers(self, name: str | bytes, timeout: Any = None) -> _Result:
        """NS records."""
        return self._by_type(name, dns.NS, timeout)

    def lookupCanonicalName(self, name: str | bytes, timeout: Any = None) -> _Result:
        """CNAME records."""
        return self._by_type(name, dns.CNAME, timeout)

    def lookupMailBox(self, name: str | bytes, timeout: Any = None) -> _Result:
        """MB records."""
        return self._by_type(name, dns.MB, timeout)

    def lookupMailGroup(self, name: str | bytes, timeout: Any = None) -> _Result:
        """MG records."""
        return self._by_type(name, dns.MG, timeout)

    def lookupMailRename(self, name: str | bytes, timeout: Any = None) -> _Result:
        """MR records."""
        return self._by_type(name, dns.MR, timeout)

    def lookupPointer(self, name: str | bytes, timeout: Any = None) -> _Result:
        """PTR records."""
        return self._by_type(name, dns.PTR, timeout)

    def lookupAuthority(self, name: str | bytes, timeout: Any = None) -> _Result:
        """SOA records."""
        return self._by_type(name, dns.SOA, timeout)

    def lookupNull(self, name: str | bytes, timeout: Any = None) -> _Result:
        """NULL records."""
        return self._by_type(name, dns.NULL, timeout)

    def lookupWellKnownServices(self, name: str | bytes, timeout: Any = None) -> _Result:
        """WKS records."""
        return self._by_type(name, dns.WKS, timeout)

    def lookupService(self, name: str | bytes, timeout: Any = None) -> _Result:
        """SRV records."""
        return self._by_type(name, dns.SRV, timeout)

    def lookupHostInfo(self, name: str | bytes, timeout: Any = None) -> _Result:
        """HINFO records."""
        return self._by_type(name, dns.HINFO, timeout)

    def lookupMailboxInfo(self, name: str | bytes, timeout: Any = None) -> _Result:
        """MINFO records."""
        return self._by_type(name, dns.MINFO, timeout)

    def lookupText(self, name: str | bytes, timeout: Any = None) -> _Result:
        """TXT records."""
        return self._by_type(name, dns.TXT, timeout)

    def lookupSenderPolicy(self, name: str | bytes, timeout: Any = None) -> _Result:
        """SPF records."""
        return self._by_type(name, dns.SPF, timeout)

    def lookupResponsibility(self, name: str | bytes, timeout: Any = None) -> _Result:
        """RP records."""
        return self._by_type(name, dns.RP, timeout)

    def lookupAFSDatabase(self, name: str | bytes, timeout: Any = None) -> _Result:
        """AFSDB records."""
        return self._by_type(name, dns.AFSDB, timeout)

    def lookupNamingAuthorityPointer(self, name: str | bytes, timeout: Any = None) -> _Result:
        """NAPTR records."""
        return self._by_type(name, dns.NAPTR, timeout)

    def lookupZone(self, name: str | bytes, timeout: Any = None) -> _Result:
        """The whole zone (AXFR)."""
        return self._by_type(name, dns.AXFR, timeout)

    def lookupAllRecords(self, name: str | bytes, timeout: Any = None) -> _Result:
        """Every record of the name (ALL_RECORDS)."""
        return self._by_type(name, dns.ALL_RECORDS, timeout)

    def getHostByName(self, name: str | bytes, timeout: Any = None, effort: int = 10) -> _Result:
        """An address of ``name`` as text (IPv6 preferred when the answer has both), following
        CNAMEs up to ``effort`` times; ``DNSLookupError`` when there is none."""
        raw = dns.domainString(name)
        d = self.lookupAllRecords(raw, timeout)
        d.addCallback(self._cbRecords, raw, effort)
        return d

    def _cbRecords(self, records: Any, name: bytes, effort: int) -> Any:
        answers, authority, additional = records
        found = extractRecord(self, dns.Name(name), [*answers, *authority, *additional], effort)
        if not found:
            raise DNSLookupError(name)
        return found


def extractRecord(resolver: Any, name: dns.Name, answers: list[Any], level: int = 10) -> Any:
    """The address for ``name`` in ``answers`` (text), a Deferred when a CNAME or NS record
    must be followed through ``resolver``, or None."""
    if not level:
        return None
    for rtype, family in ((dns.AAAA, socket.AF_INET6), (dns.A, socket.AF_INET)):
        for rr in answers:
            if rr.type == rtype and rr.name == name:
                return socket.inet_ntop(family, rr.payload.address)
    for rr in answers:
        if rr.type == dns.CNAME and rr.name == name:
            target = rr.payload.name
            found = extractRecord(resolver, target, answers, level - 1)
            if found:
                return found
            return resolver.getHostByName(target.name, effort=level - 1)
    for rr in answers:
        if rr.type == dns.NS:
            return _ask_nameserver(resolver, rr.payload.name.name, name, level - 1)
    return None


def _ask_nameserver(resolver: Any, server: bytes, name: dns.Name, level: int) -> Deferred[Any]:
    """Resolve the name server's address, then ask it for ``name``."""
    from twistio.names import client

    def ask(address: str) -> Deferred[Any]:
        asked = client.Resolver(servers=[(address, dns.PORT)])
        d = asked.lookupAddress(name.name)
        d.addCallback(
            lambda records: extractRecord(asked, name, [*records[0], *records[1], *records[2]], level)
        )
        return d

    return resolver.getHostByName(server).addCallback(ask)  # type: ignore[no-any-return]
