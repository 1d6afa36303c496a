"""Secondary authorities: zones copied from a primary server by zone transfer (AXFR)."""

from __future__ import annotations

import logging
from typing import Any

from twistio.application import service
from twistio.internet.defer import Deferred, fail
from twistio.names import client, common, dns, resolve
from twistio.names.authority import FileAuthority
from twistio.names.error import DomainError

__all__ = ["SecondaryAuthority", "SecondaryAuthorityService"]

_log = logging.getLogger("twistio.names")


class SecondaryAuthorityService(service.Service):
    """Keeps secondary authorities for ``domains`` up to date from ``primary``: each is
    transferred when the service starts (one a second) and then every hour."""

    calls: list[Any] | None = None
    _port = 53

    def __init__(self, primary: str | bytes, domains: list[str | bytes]) -> None:
        # The primary's address is text (bytes are decoded, as Twisted does).
        self.primary = primary.decode("ascii") if isinstance(primary, bytes) else primary
        self.domains = [SecondaryAuthority(self.primary, d) for d in domains]

    @classmethod
    def fromServerAddressAndDomains(
        cls, serverAddress: tuple[str, int], domains: list[str | bytes]
    ) -> SecondaryAuthorityService:
        """A service for ``domains`` from the primary at ``(host, port)``."""
        svc = cls.__new__(cls)
        svc.primary, svc._port = serverAddress
        svc.domains = [
            SecondaryAuthority.fromServerAddressAndDomain(serverAddress, d) for d in domains
        ]
        return svc

    def getAuthority(self) -> resolve.ResolverChain:
        """One resolver for every domain of this service."""
        return resolve.ResolverChain(self.domains)

    def startService(self) -> None:
        """Start the hourly transfers, staggered by a second."""
        from twistio.internet import task

        service.Service.startService(self)
        reactor = _reactor()
        self.calls = []
        for delay, authority in enumerate(self.domains):
            call = task.LoopingCall(authority.transfer)
            call.clock = reactor
            self.calls.append(call)
            reactor.callLater(delay, call.start, 60 * 60)

    def stopService(self) -> None:
        """Stop the transfers."""
        service.Service.stopService(self)
        for call in self.calls or ():
            if call.running:
                call.stop()
        self.calls = None


def _reactor() -> Any:
    from twistio.internet import reactor

    return reactor


class SecondaryAuthority(FileAuthority):
    """An authority for ``domain`` whose records come from a transfer from ``primaryIP``.

    Until the first transfer succeeds it knows nothing (``DomainError``).
    """

    _port = 53
    _reactor: Any = None
    transferring = False

    def __init__(self, primaryIP: str, domain: str | bytes) -> None:
        common.ResolverBase.__init__(self)
        self.primary = primaryIP
        self.domain = dns.domainString(domain)
        self.soa = None
        self.records = {}

    @classmethod
    def fromServerAddressAndDomain(
        cls, serverAddress: tuple[str, int], domain: str | bytes
    ) -> SecondaryAuthority:
        """An authority for ``domain`` from the primary at ``(host, port)``."""
        secondary = cls(serverAddress[0], domain)
        secondary._port = serverAddress[1]
        return secondary

    def loadFile(self, filename: Any) -> None:
        """Nothing to load: the records come by transfer."""

    def transfer(self) -> Deferred[Any] | None:
        """Ask the primary for the zone (once at a time)."""
        if self.transferring:
            return None
        self.transferring = True
        reactor = self._reactor if self._reactor is not None else _reactor()
        resolver = client.Resolver(servers=[(self.primary, self._port)], reactor=reactor)
        resolver._stop_reading_config()
        d = resolver.lookupZone(self.domain)
        d.addCallbacks(self._cbZone, self._ebZone)
        return d

    def _cbZone(self, zone: Any) -> None:
        self.transferring = False
        answers = zone[0]
        records: dict[bytes, list[Any]] = {}
        soa = None
        for rr in answers:
            owner = rr.name.name.lower()
            if rr.type == dns.SOA:
                if soa is None:
                    soa = (owner, rr.payload)
                    records.setdefault(owner, []).append(rr.payload)
                continue
            records.setdefault(owner, []).append(rr.payload)
        self.soa, self.records = soa, records

    def _ebZone(self, failure: Any) -> None:
        self.transferring = False
        _log.error("zone transfer of %s from %s failed: %s", self.domain, self.primary,
                   failure.getErrorMessage())

    def update(self) -> Deferred[Any] | None:
        """Transfer the zone again."""
        d = self.transfer()
        if d is not None:
            d.addCallbacks(self._cbTransferred, self._ebTransferred)
        return d

    def _cbTransferred(self, result: Any) -> Any:
        return result

    def _ebTransferred(self, failure: Any) -> None:
        _log.error("updating %s failed: %s", self.domain, failure.getErrorMessage())

    def _lookup(self, name: bytes, cls: int, type: int, timeout: Any = None) -> Deferred[Any]:
        if not self.soa or not self.records:
            return fail(DomainError(name))
        return FileAuthority._lookup(self, name, cls, type, timeout)
