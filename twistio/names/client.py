"""The DNS client: ``Resolver`` (UDP with retries, TCP on truncation, AXFR), ``createResolver``
and the module-level ``lookup*`` helpers that use one shared resolver.

Each UDP query goes out from a fresh socket on an ephemeral port chosen by the system (Twisted
picks a random port number itself) with a random message id; it is sent to every server in
turn for each timeout of the sequence, and a truncated answer is asked again over TCP. Identical lookups in flight at the same time share one query.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from twistio.internet import protocol
from twistio.internet.defer import Deferred, TimeoutError, fail
from twistio.internet.error import ConnectError
from twistio.names import cache, common, dns, resolve
from twistio.names import hosts as hostsModule
from twistio.names.error import DNSQueryTimeoutError
from twistio.python.failure import Failure

__all__ = [
    "AXFRController",
    "DNSClientFactory",
    "Resolver",
    "createResolver",
    "getHostByName",
    "getResolver",
    "lookupAFSDatabase",
    "lookupAddress",
    "lookupAddress6",
    "lookupAllRecords",
    "lookupAuthority",
    "lookupCanonicalName",
    "lookupHostInfo",
    "lookupIPV6Address",
    "lookupMailBox",
    "lookupMailExchange",
    "lookupMailGroup",
    "lookupMailRename",
    "lookupMailboxInfo",
    "lookupNameservers",
    "lookupNamingAuthorityPointer",
    "lookupNull",
    "lookupPointer",
    "lookupResponsibility",
    "lookupSenderPolicy",
    "lookupService",
    "lookupText",
    "lookupWellKnownServices",
    "lookupZone",
    "query",
]

_log = logging.getLogger("twistio.names")


class Resolver(common.ResolverBase):
    """Asks DNS servers: ``servers`` (a list of ``(host, port)``) and those of the
    ``resolv.conf``-style file ``resolv`` (re-read when it changes, checked every minute).

    ``timeout`` is the sequence of per-attempt timeouts in seconds.
    """

    index = 0
    timeout: Any = None
    factory: Any = None
    servers: list[tuple[str, int]]
    dynServers: list[tuple[str, int]] = []
    pending: list[Any]
    connections: list[Any]
    _lastResolvTime: float | None = None
    domain: bytes | None = None
    search: list[bytes] | None = None
    _resolvReadInterval = 60

    def __init__(
        self,
        resolv: Any = None,
        servers: Any = None,
        timeout: Any = (1, 3, 11, 45),
        reactor: Any = None,
    ) -> None:
        common.ResolverBase.__init__(self)
        if reactor is None:
            from twistio.internet import reactor as the_reactor

            reactor = the_reactor
        self._reactor = reactor
        self.timeout = timeout
        self.servers = [] if servers is None else list(servers)
        self.resolv = resolv
        if not len(self.servers) and not resolv:
            raise ValueError("No nameservers specified")
        self.factory = DNSClientFactory(self, timeout)
        self.factory.noisy = 0
        self.connections = []
        self.pending = []
        self._waiting: dict[tuple[bytes, int, int], list[Deferred[Any]]] = {}
        self._parseCall: Any = None
        self.maybeParseConfig()

    def __getstate__(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d["connections"] = []
        d["_parseCall"] = None
        return d

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.maybeParseConfig()

    def _openFile(self, path: Any) -> Any:
        return open(path, "rb")

    def maybeParseConfig(self) -> None:
        """Re-read ``resolv`` if it changed (a missing file means ``127.0.0.1:53``)."""
        if self.resolv is None:
            return
        try:
            mtime = os.path.getmtime(self.resolv)
        except OSError:
            self.dynServers = [("127.0.0.1", dns.PORT)]
            mtime = None
        if mtime is not None and mtime != self._lastResolvTime:
            try:
                with self._openFile(self.resolv) as f:
                    self.parseConfig(f)
            except OSError:
                self.dynServers = [("127.0.0.1", dns.PORT)]
            self._lastResolvTime = mtime
        self._parseCall = self._reactor.callLater(self._resolvReadInterval, self.maybeParseConfig)

    def parseConfig(self, resolvConf: Any) -> None:
        """Read ``nameserver`` lines (no servers means ``127.0.0.1:53``)."""
        servers = []
        for line in resolvConf:
            if isinstance(line, bytes):
                line = line.decode("utf-8", "replace")
            fields = line.split("#", 1)[0].split(";", 1)[0].split()
            if len(fields) >= 2 and fields[0] == "nameserver":
                servers.append((fields[1], dns.PORT))
            elif fields and fields[0] == "domain":
                # The local domain (b"" when the line names none); recorded, not used for lookups.
                self.domain = fields[1].encode("utf-8") if len(fields) > 1 else b""
            elif fields and fields[0] == "search":
                self.search = [f.encode("utf-8") for f in fields[1:]]
        self.dynServers = servers or [("127.0.0.1", dns.PORT)]

    def _stop_reading_config(self) -> None:
        call, self._parseCall = self._parseCall, None
        if call is not None and call.active():
            call.cancel()

    def pickServer(self) -> tuple[str, int]:
        """The next server, round robin over ``servers`` then ``dynServers`` (as Twisted's,
        the first pick is the second server)."""
        servers = self.servers + self.dynServers
        if not servers:
            raise ValueError("No nameservers specified")
        self.index = (self.index + 1) % len(servers)
        return servers[self.index]

    def _connectedProtocol(self, interface: str = "") -> dns.DNSDatagramProtocol:
        """A UDP DNS protocol on a new ephemeral port."""
        proto = dns.DNSDatagramProtocol(self, reactor=self._reactor)
        self._reactor.listenUDP(0, proto, interface=interface, maxPacketSize=65536)
        return proto

    def connectionMade(self, protocol: Any) -> None:
        """A TCP connection is up: send the queries waiting for it."""
        self.connections.append(protocol)
        pending, self.pending = self.pending, []
        for d, queries, timeout in pending:
            self.queryTCP(queries, timeout).chainDeferred(d)

    def connectionLost(self, protocol: Any) -> None:
        """Forget a TCP connection."""
        if protocol in self.connections:
            self.connections.remove(protocol)

    def messageReceived(self, message: dns.Message, protocol: Any, address: Any = None) -> None:
        """A message that answers no query of ours: ignored."""
        _log.debug("unexpected DNS message from %r: %r", address, message)

    def _query(self, address: tuple[str, int], queries: list[dns.Query], timeout: float, id: int | None = None) -> Deferred[Any]:
        try:
            # IPv6 servers need an IPv6 socket; otherwise the default (Twisted calls it so).
            proto = self._connectedProtocol(interface="::") if ":" in address[0] else self._connectedProtocol()
        except Exception as e:
            return fail(e)
        d = proto.query(address, queries, timeout, id)

        def close(result: Any) -> Any:
            transport = proto.transport
            if transport is not None:
                transport.stopListening()
            return result

        return d.addBoth(close)

    def queryUDP(self, queries: list[dns.Query], timeout: Any = None) -> Deferred[Any]:
        """Ask over UDP: every server in turn with the first timeout of the sequence, then
        every server with the next, and so on; a retry keeps the message id, so a late answer
        to an earlier attempt still counts.

        Fails with ``twistio.internet.defer.TimeoutError`` when every attempt timed out.
        """
        timeouts = tuple(self.timeout if timeout is None else timeout)
        servers = self.servers + self.dynServers
        if not servers:
            return fail(ValueError("No nameservers specified"))
        return self._attempt(queries, timeouts, servers, 0, None)

    def _attempt(
        self,
        queries: list[dns.Query],
        timeouts: tuple[float, ...],
        servers: list[tuple[str, int]],
        n: int,
        id: int | None,
    ) -> Deferred[Any]:
        rounds, which = divmod(n, len(servers))
        d = self._query(servers[which], queries, timeouts[rounds], id)

        def again(reason: Failure) -> Any:
            reason.trap(DNSQueryTimeoutError)
            if n + 1 == len(timeouts) * len(servers):
                return Failure(TimeoutError(queries))
            return self._attempt(queries, timeouts, servers, n + 1, reason.value.id)

        return d.addErrback(again)

    def queryTCP(self, queries: list[dns.Query], timeout: float = 10) -> Deferred[Any]:
        """Ask over TCP, on the open connection or a new one to the next server."""
        if not self.connections:
            d: Deferred[Any] = Deferred()
            self.pending.append((d, queries, timeout))
            host, port = self.pickServer()
            self._reactor.connectTCP(host, port, self.factory)
            return d
        return self.connections[0].query(queries, timeout)  # type: ignore[no-any-return]

    def filterAnswers(self, message: dns.Message) -> Any:
        """``(answers, authority, additional)`` of a response; the query again over TCP if it
        was truncated; the exception for its rcode if it is an error."""
        if message.trunc:
            return self.queryTCP(message.queries).addCallback(self.filterAnswers)
        if message.rCode != dns.OK:
            return Failure(self.exceptionForCode(message.rCode)(message))
        return (message.answers, message.authority, message.additional)

    def _lookup(self, name: bytes, cls: int, type: int, timeout: Any) -> Deferred[Any]:
        key = (name, type, cls)
        waiting = self._waiting.get(key)
        if waiting is not None:
            d: Deferred[Any] = Deferred()
            waiting.append(d)
            return d
        self._waiting[key] = []
        d = self.queryUDP([dns.Query(name, type, cls)], timeout)
        d.addCallback(self.filterAnswers)

        def share(result: Any) -> Any:
            for w in self._waiting.pop(key, ()):
                w.callback(result)
            return result

        d.addBoth(share)
        return d

    def lookupZone(self, name: str | bytes, timeout: float = 10) -> Deferred[Any]:
        """The zone's records by AXFR over TCP: ``(records, [], [])``."""
        address = self.pickServer()
        d: Deferred[Any] = Deferred()
        controller = AXFRController(dns.domainString(name), d)
        factory = DNSClientFactory(controller, timeout)
        factory.noisy = False
        connector = self._reactor.connectTCP(address[0], address[1], factory)
        self._timeoutZone(d, controller, connector, timeout or 10)
        return d.addCallback(self._cbLookupZone, connector)

    def _timeoutZone(self, d: Deferred[Any], controller: AXFRController, connector: Any, seconds: float) -> None:
        def expire() -> None:
            connector.disconnect()
            controller.timeoutCall = None
            if not d.called:
                d.errback(TimeoutError(f"Zone lookup timed out after {seconds} seconds"))

        controller.timeoutCall = self._reactor.callLater(seconds, expire)

    def _cbLookupZone(self, result: Any, connector: Any) -> Any:
        connector.disconnect()
        return (result, [], [])


class AXFRController:
    """Collects the records of a zone transfer until the closing SOA."""

    timeoutCall: Any = None

    def __init__(self, name: bytes, deferred: Deferred[Any]) -> None:
        self.name = name
        self.deferred = deferred
        self.soa: Any = None
        self.records: list[Any] = []
        self.pending = [(deferred,)]

    def connectionMade(self, protocol: Any) -> None:
        """Ask for the zone."""
        message = dns.Message(protocol.pickID(), recDes=0)
        message.queries = [dns.Query(self.name, dns.AXFR, dns.IN)]
        protocol.writeMessage(message)

    def connectionLost(self, protocol: Any) -> None:
        """Nothing to do: the timeout or the closing SOA ends the transfer."""

    def messageReceived(self, message: dns.Message, protocol: Any) -> None:
        """Collect records; fire with them at the second SOA."""
        if message.rCode != dns.OK:
            self._finish(Failure(common.ResolverBase().exceptionForCode(message.rCode)(message)))
            return
        self.records.extend(message.answers)
        if not self.records:
            return
        if self.records[0].type != dns.SOA:
            self._finish(Failure(ValueError("zone transfer did not start with an SOA record")))
            return
        if len(self.records) > 1 and self.records[-1].type == dns.SOA:
            self._finish(self.records)

    def _finish(self, result: Any) -> None:
        if self.timeoutCall is not None and self.timeoutCall.active():
            self.timeoutCall.cancel()
        self.timeoutCall = None
        if not self.deferred.called:
            if isinstance(result, Failure):
                self.deferred.errback(result)
            else:
                self.deferred.callback(result)


class DNSClientFactory(protocol.ClientFactory):
    """Makes the TCP DNS protocols of a client ``controller``."""

    def __init__(self, controller: Any, timeout: Any = 10) -> None:
        self.controller = controller
        self.timeout = timeout

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:
        """Nothing to do."""

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        """Fail the queries waiting for this connection."""
        pending = getattr(self.controller, "pending", None)
        if not pending:
            return
        waiting = list(pending)
        del pending[:]
        if not isinstance(reason, Failure):
            value = getattr(reason, "value", None)
            reason = Failure(value if isinstance(value, BaseException) else ConnectError())
        for entry in waiting:
            d = entry[0]
            if not d.called:
                d.errback(reason)  # the same Failure for each, as Twisted's

    def buildProtocol(self, addr: Any) -> Any:
        """A TCP DNS protocol for the controller."""
        p = dns.DNSProtocol(self.controller, reactor=getattr(self.controller, "_reactor", None))
        p.factory = self
        return p


def createResolver(servers: Any = None, resolvconf: Any = None, hosts: Any = None) -> Any:
    """A ``ResolverChain`` of the hosts file, a cache, and a ``Resolver`` for ``servers`` and
    ``resolvconf`` (``/etc/resolv.conf`` and ``/etc/hosts`` by default)."""
    if hosts is None:
        hosts = b"/etc/hosts"
    if resolvconf is None:
        resolvconf = b"/etc/resolv.conf"
    hostResolver = hostsModule.Resolver(hosts)
    theResolver = Resolver(resolvconf, servers)
    return resolve.ResolverChain([hostResolver, cache.CacheResolver(), theResolver])


theResolver: Any = None


def getResolver() -> Any:
    """The shared resolver made by ``createResolver`` on first use."""
    global theResolver
    if theResolver is not None:
        return theResolver
    made: Any
    try:
        made = createResolver()
    except ValueError:  # no name servers configured: ask the local one
        made = createResolver(servers=[("127.0.0.1", dns.PORT)])
    theResolver = made
    return made


def getHostByName(name: str | bytes, timeout: Any = None, effort: int = 10) -> Deferred[Any]:
    """An address of ``name``, from the shared resolver."""
    return getResolver().getHostByName(name, timeout, effort)  # type: ignore[no-any-return]


def query(query: dns.Query, timeout: Any = None) -> Deferred[Any]:
    """Look up ``query`` with the shared resolver."""
    return getResolver().query(query, timeout)  # type: ignore[no-any-return]


def _shared(method: str) -> Any:
    def lookup(name: str | bytes, timeout: Any = None) -> Deferred[Any]:
        return getattr(getResolver(), method)(name, timeout)  # type: ignore[no-any-return]

    lookup.__name__ = lookup.__qualname__ = method
    lookup.__doc__ = f"``{method}`` on the shared resolver."
    return lookup


lookupAddress = _shared("lookupAddress")
lookupIPV6Address = _shared("lookupIPV6Address")
lookupAddress6 = _shared("lookupAddress6")
lookupMailExchange = _shared("lookupMailExchange")
lookupNameservers = _shared("lookupNameservers")
lookupCanonicalName = _shared("lookupCanonicalName")
lookupMailBox = _shared("lookupMailBox")
lookupMailGroup = _shared("lookupMailGroup")
lookupMailRename = _shared("lookupMailRename")
lookupPointer = _shared("lookupPointer")
lookupAuthority = _shared("lookupAuthority")
lookupNull = _shared("lookupNull")
lookupWellKnownServices = _shared("lookupWellKnownServices")
lookupService = _shared("lookupService")
lookupHostInfo = _shared("lookupHostInfo")
lookupMailboxInfo = _shared("lookupMailboxInfo")
lookupText = _shared("lookupText")
lookupSenderPolicy = _shared("lookupSenderPolicy")
lookupResponsibility = _shared("lookupResponsibility")
lookupAFSDatabase = _shared("lookupAFSDatabase")
lookupZone = _shared("lookupZone")
lookupAllRecords = _shared("lookupAllRecords")
lookupNamingAuthorityPointer = _shared("lookupNamingAuthorityPointer")


def _declareModuleResolver() -> None:
    # The module's lookup functions (on the shared resolver) make it an IResolver, as
    # Twisted declares its names.client module.
    import sys

    from twistio.internet.interfaces import IResolver, zope_interface_for

    module = sys.modules[__name__]
    module.__twistio_provides__ = (IResolver,)  # type: ignore[attr-defined]
    shadow = zope_interface_for(IResolver)
    if shadow is not None:
        from zope.interface import alsoProvides

        alsoProvides(module, shadow)


_declareModuleResolver()
