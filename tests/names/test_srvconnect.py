"""``names.srvconnect.SRVConnector`` beside Twisted's: server choice (priority, then weight,
with the same random draws), the look-up and connection events a factory sees, failures."""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

import pytest

from twistio.names import srvconnect as ours_module

theirs_module = pytest.importorskip("twisted.names.srvconnect")


def _modules(srvconnect: ModuleType) -> tuple[Any, Any, Any, Any]:
    if srvconnect is ours_module:
        from twistio.internet import defer
        from twistio.names import client, dns, error
    else:
        from twisted.internet import defer  # type: ignore[no-redef]
        from twisted.names import client, dns, error  # type: ignore[no-redef]
    return defer, client, dns, error


def _records(dns: Any) -> list[Any]:
    return [
        dns.Record_SRV(10, 0, 1, b"a.example"),
        dns.Record_SRV(5, 0, 2, b"b.example"),
        dns.Record_SRV(5, 10, 3, b"c.example"),
        dns.Record_SRV(5, 30, 4, b"d.example"),
        dns.Record_SRV(20, 5, 5, b"e.example"),
    ]


def _picks(srvconnect: ModuleType, seed: int) -> list[object]:
    _, _, dns, _ = _modules(srvconnect)
    connector = srvconnect.SRVConnector(None, "ldap", "example.com", None)
    seen: list[object] = [connector.domain, connector.servers, connector.orderedServers]
    connector.servers, connector.orderedServers = [], []
    seen.append(connector.pickServer())  # no records: the domain, on the service's port
    random.seed(seed)
    connector.orderedServers = _records(dns)
    for _ in range(15):  # three rounds
        seen.append(connector.pickServer())
        seen.append([(r.priority, r.weight, r.port) for r in connector.servers])
    return seen


@pytest.mark.parametrize("seed", [0, 1, 7, 1234])
def test_server_choice_matches_twisted(seed: int) -> None:
    assert _picks(ours_module, seed) == _picks(theirs_module, seed)


def _connect_events(srvconnect: ModuleType, answer: str) -> list[object]:
    defer, client, dns, error = _modules(srvconnect)
    events: list[object] = []

    class Factory:
        def doStart(self) -> None:
            events.append("doStart")

        def doStop(self) -> None:
            events.append("doStop")

        def startedConnecting(self, connector: Any) -> None:
            events.append(("startedConnecting", connector is srv))

        def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
            events.append(("failed", connector is srv, type(reason.value).__name__))

        def clientConnectionLost(self, connector: Any, reason: Any) -> None:
            events.append(("lost", connector is srv, str(reason.value)))

    class Connector:
        def getDestination(self) -> str:
            return "destination"

        def stopConnecting(self) -> None:
            events.append("stopConnecting")

        def disconnect(self) -> None:
            events.append("disconnect")

    class Reactor:
        def connectTCP(self, host: str, port: object, factory: Any, *a: Any, **kw: Any) -> Any:
            events.append(("connectTCP", host, port, a, kw))
            factory.startedConnecting(Connector())
            return Connector()

    def lookupService(name: str, *args: Any) -> Any:
        events.append(("lookupService", name))
        if answer == "records":
            rr = dns.RRHeader(
                name=name, type=dns.SRV, payload=dns.Record_SRV(1, 0, 389, b"s.example")
            )
            return defer.succeed(([rr], [], []))
        if answer == "none":
            return defer.fail(error.DNSNameError())
        rr = dns.RRHeader(name=name, type=dns.SRV, payload=dns.Record_SRV(0, 0, 0, b"."))
        return defer.succeed(([rr], [], []))

    saved = client.lookupService
    client.lookupService = lookupService
    try:
        srv = srvconnect.SRVConnector(
            Reactor(), "ldap", "example.com", Factory(), connectFuncKwArgs={"bindAddress": None}
        )
        srv.connect()
        if answer != "dot":
            events.append(srv.getDestination())
            events.append((srv.host, srv.port))
            srv.stopConnecting()
            srv.disconnect()
            wrapper_factory = [e for e in events if e[0] == "connectTCP"]
            assert wrapper_factory
            srv.connectionLost(_failure(srvconnect, ValueError("gone")))
            srv.connect()  # a reconnection: another look-up, another server
    finally:
        client.lookupService = saved
    return events


def _failure(srvconnect: ModuleType, exc: BaseException) -> Any:
    if srvconnect is ours_module:
        from twistio.python.failure import Failure
    else:
        from twisted.python.failure import Failure  # type: ignore[no-redef]
    return Failure(exc)


@pytest.mark.parametrize("answer", ["records", "none", "dot"])
def test_connection_events_match_twisted(answer: str) -> None:
    assert _connect_events(ours_module, answer) == _connect_events(theirs_module, answer)
