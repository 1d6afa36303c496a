"""``SRVConnector``: connect to a service found through DNS SRV records (RFC 2782).

``SRVConnector(reactor, "ldap", "example.com", factory).connect()`` looks up
``_ldap._tcp.example.com`` and connects (``reactor.connectTCP`` by default) to one of the
servers listed, chosen by priority and then at random by weight; each later ``connect()``
(from a reconnecting factory) tries the next one of the round. With no SRV records it
connects to the domain itself, on the service's port (the service name, which the reactor
looks up).
"""

from __future__ import annotations

import random
from typing import Any

from twistio.internet import error
from twistio.internet.interfaces import IConnector, implementer
from twistio.names import client, dns
from twistio.names.error import DNSNameError
from twistio.python.failure import Failure

__all__ = ["SRVConnector"]


class _SRVConnector_ClientFactoryWrapper:
    """What the reactor's connector gets as its factory: the connection events go to the
    ``SRVConnector`` (which tells the real factory, naming itself as the connector)."""

    def __init__(self, connector: SRVConnector, wrappedFactory: Any) -> None:
        self.__connector = connector
        self.__wrappedFactory = wrappedFactory

    def startedConnecting(self, connector: Any) -> None:
        self.__wrappedFactory.startedConnecting(self.__connector)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.__connector.connectionFailed(reason)

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        self.__connector.connectionLost(reason)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__wrappedFactory, name)


@implementer(IConnector)
class SRVConnector:
    """A connector to ``service`` of ``domain``, wherever its SRV records point.

    ``servers`` holds the records not yet tried in this round, ``orderedServers`` those
    already tried (both None before the first look-up). ``connectFuncName`` names the
    reactor method that connects (``connectTCP``; ``connectSSL`` with the context factory
    in ``connectFuncArgs``).
    """

    stopAfterDNS = 0

    def __init__(
        self,
        reactor: Any,
        service: str,
        domain: str | bytes | None,
        factory: Any,
        protocol: str = "tcp",
        connectFuncName: str = "connectTCP",
        connectFuncArgs: tuple[Any, ...] = (),
        connectFuncKwArgs: dict[str, Any] | None = None,
        defaultPort: int | None = None,
    ) -> None:
        self.reactor = reactor
        self.service = service
        self.domain = domain.encode("idna") if isinstance(domain, str) else domain
        self.factory = factory
        self.protocol = protocol
        self.connectFuncName = connectFuncName
        self.connectFuncArgs = connectFuncArgs
        self.connectFuncKwArgs = {} if connectFuncKwArgs is None else connectFuncKwArgs
        self._defaultPort = defaultPort
        self.connector: Any = None
        self.servers: list[dns.Record_SRV] | None = None
        self.orderedServers: list[dns.Record_SRV] | None = None

    def connect(self) -> None:
        """Look the servers up if none is left to try, then connect to the next one."""
        self.stopAfterDNS = 0
        self.factory.doStart()
        self.factory.startedConnecting(self)
        if self.servers:
            self._reallyConnect()
            return
        if self.domain is None:
            self.connectionFailed(Failure(error.DNSLookupError("Domain is not defined.")))
            return
        name = f"_{self.service}._{self.protocol}.{self.domain.decode('idna')}"
        d = client.lookupService(name)
        d.addCallbacks(self._cbGotServers, self._ebGotServers)
        d.addCallback(lambda _: self._reallyConnect())
        if self._defaultPort:
            d.addErrback(self._ebServiceUnknown)
        d.addErrback(self.connectionFailed)

    def _cbGotServers(self, result: tuple[list[Any], list[Any], list[Any]]) -> None:
        answers = result[0]
        if (
            len(answers) == 1
            and answers[0].type == dns.SRV
            and answers[0].payload is not None
            and answers[0].payload.target == dns.Name(b".")
        ):
            # RFC 2782: a single record whose target is "." says there is no such service.
            raise error.DNSLookupError(
                f"Service {self.service!r} not available for domain {self.domain!r}."
            )
        self.servers = []
        self.orderedServers = [
            a.payload for a in answers if a.type == dns.SRV and a.payload is not None
        ]

    def _ebGotServers(self, failure: Failure) -> None:
        failure.trap(DNSNameError)
        # No SRV records: pickServer then gives the domain itself, on the service's port.
        self.servers = []
        self.orderedServers = []

    def _ebServiceUnknown(self, failure: Failure) -> None:
        """The service has no port number the system knows: use ``defaultPort``."""
        failure.trap(error.ServiceNameUnknownError)
        assert self.domain is not None and self._defaultPort is not None
        self.servers = [dns.Record_SRV(0, 0, self._defaultPort, self.domain)]
        self.orderedServers = []
        self.connect()

    def pickServer(self) -> tuple[str, Any]:
        """``(host, port)`` of the next server to try.

        A round starts with every record as a candidate; each pick takes, among the
        candidates of the lowest priority, one at random with odds proportional to its
        weight (a zero weight is picked only by a zero draw), and moves it to
        ``orderedServers``. Without records: ``(domain, service)``.
        """
        assert self.servers is not None and self.orderedServers is not None
        if not self.servers and not self.orderedServers:
            assert self.domain is not None
            return self.domain.decode("idna"), self.service
        if not self.servers:
            self.servers, self.orderedServers = self.orderedServers, []
        self.servers.sort(key=lambda r: (r.priority, r.weight))
        lowest = self.servers[0].priority
        candidates = [r for r in self.servers if r.priority == lowest]
        draw = random.randint(0, sum(r.weight for r in candidates))
        running = 0
        chosen = candidates[-1]
        for record in candidates:
            running += record.weight
            if running >= draw:
                chosen = record
                break
        self.servers.remove(chosen)
        self.orderedServers.append(chosen)
        return chosen.target.name.decode("idna"), chosen.port

    def _reallyConnect(self) -> None:
        if self.stopAfterDNS:  # stopConnecting() came while the look-up ran
            self.stopAfterDNS = 0
            return
        host, port = self.pickServer()
        self.host, self.port = host, port
        method = getattr(self.reactor, self.connectFuncName)
        wrapper = _SRVConnector_ClientFactoryWrapper(self, self.factory)
        self.connector = method(
            host, port, wrapper, *self.connectFuncArgs, **self.connectFuncKwArgs
        )

    def stopConnecting(self) -> None:
        """Stop: after the look-up if it is still running, else the connection attempt."""
        if self.connector is None:
            self.stopAfterDNS = 1
        else:
            self.connector.stopConnecting()

    def disconnect(self) -> None:
        """Drop the connection (or the attempt), if there is one."""
        if self.connector is not None:
            self.connector.disconnect()

    def getDestination(self) -> Any:
        """The address being connected to (the reactor connector's)."""
        assert self.connector is not None
        return self.connector.getDestination()

    def connectionFailed(self, reason: Failure) -> None:
        self.factory.clientConnectionFailed(self, reason)
        self.factory.doStop()

    def connectionLost(self, reason: Failure) -> None:
        self.factory.clientConnectionLost(self, reason)
        self.factory.doStop()
