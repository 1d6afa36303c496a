"""Endpoint internals Twisted code relies on: systemd socket activation (``ListenFDs`` and
the ``systemd:`` parser), ``_parseServer``, ``_SimpleHostnameResolver``, the process
endpoint's wrapper and transport. ``ListenFDs`` and ``_parseServer`` are compared with
Twisted's on the same inputs."""

from __future__ import annotations

import importlib
import os
import socket
from typing import Any

import pytest

from twistio.internet import endpoints, error
from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred
from twistio.internet.protocol import Factory, Protocol
from twistio.internet.testing import MemoryReactor
from twistio.plugin import getPlugins
from twistio.python.failure import Failure
from twistio.python.systemd import ListenFDs

try:
    importlib.import_module("twisted.python.systemd")
    PACKAGES = ["twistio", "twisted"]
except ImportError:  # pragma: no cover - Twisted is in the test extra
    PACKAGES = ["twistio"]


def _environments() -> list[dict[str, str]]:
    pid = str(os.getpid())
    return [
        {},
        {"LISTEN_PID": pid, "LISTEN_FDS": "3"},
        {"LISTEN_PID": pid, "LISTEN_FDS": "3", "LISTEN_FDNAMES": "a:b:c"},
        {"LISTEN_PID": "1", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "a:b:c"},
        {"LISTEN_PID": pid, "LISTEN_FDS": "x"},
        {"LISTEN_PID": pid, "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:b:c"},
        {"LISTEN_PID": pid, "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:"},
    ]


def listen_fds_record(package: str) -> list[object]:
    mod = importlib.import_module(f"{package}.python.systemd")
    record: list[object] = []
    for env in _environments():
        left = dict(env)
        found = mod.ListenFDs.fromEnvironment(left, start=5)
        record.append(
            (found.inheritedDescriptors(), found.inheritedNamedDescriptors(), sorted(left))
        )
    record.append(mod.ListenFDs([1, 2], ["x", "y"]) == mod.ListenFDs([1, 2], ["x", "y"]))
    record.append(repr(mod.ListenFDs([1], ("n",))))
    return record


@pytest.mark.parametrize("package", PACKAGES)
def test_listen_fds(package: str) -> None:
    record = listen_fds_record(package)
    assert record == listen_fds_record("twistio")
    assert record[2] == ([5, 6, 7], {"a": 5, "b": 6, "c": 7}, ["LISTEN_FDNAMES"])
    assert record[3][2] == ["LISTEN_FDNAMES", "LISTEN_FDS", "LISTEN_PID"]  # another pid's


def parse_server_record(package: str) -> list[object]:
    mod = importlib.import_module(f"{package}.internet.endpoints")
    record: list[object] = []
    for description in (
        "tcp:80",
        "tcp:port=80:interface=lo:backlog=3",
        "unix:/a\\:b:mode=600:lockfile=0",
        "unix:address=x=y",
        "tcp6:80",
        "bogus:1",
    ):
        try:
            kind, args, kw = mod._parseServer(description, "F")
        except ValueError as e:
            record.append(("ValueError", str(e)))
            continue
        record.append((kind if isinstance(kind, str) else kind.prefix, tuple(args), kw))
    return record


@pytest.mark.parametrize("package", PACKAGES)
def test_parse_server(package: str) -> None:
    record = parse_server_record(package)
    assert record == parse_server_record("twistio")
    assert record[0] == ("TCP", (80, "F"), {"interface": "", "backlog": 50})
    assert record[2] == ("UNIX", ("/a:b", "F"), {"mode": 0o600, "backlog": 50, "wantPID": False})


def test_builtin_parsers_are_plugins() -> None:
    from twistio.internet.interfaces import IStreamServerEndpointStringParser

    prefixes = {p.prefix for p in getPlugins(IStreamServerEndpointStringParser)}
    assert {"systemd", "tcp6", "stdio"} <= prefixes


def test_systemd_parser() -> None:
    parser = endpoints._SystemdParser()
    parser._sddaemon = ListenFDs([5, 6, 7], ["a", "web", "c"])
    reactor = MemoryReactor()
    by_index = parser.parseStreamServer(reactor, domain="INET6", index="2")
    assert (by_index.reactor, by_index.fileno, by_index.addressFamily) == (
        reactor, 7, socket.AF_INET6,
    )  # fmt: skip
    from twistio.plugins.endpoint_builtin import systemdEndpointParser

    saved = vars(systemdEndpointParser).get("_sddaemon")
    systemdEndpointParser._sddaemon = parser._sddaemon
    try:
        by_name = endpoints.serverFromString(reactor, "systemd:domain=UNIX:name=web")
    finally:
        if saved is None:
            del systemdEndpointParser._sddaemon
        else:
            systemdEndpointParser._sddaemon = saved
    assert isinstance(by_name, endpoints.AdoptedStreamServerEndpoint)
    assert (by_name.fileno, by_name.addressFamily) == (6, socket.AF_UNIX)
    with pytest.raises(ValueError):
        parser.parseStreamServer(reactor, domain="INET", index="0", name="web")
    with pytest.raises(ValueError):
        parser.parseStreamServer(reactor, domain="INET")


def test_adopted_endpoint_hooks() -> None:
    reactor = MemoryReactor()
    ep = endpoints.AdoptedStreamServerEndpoint(reactor, 99, socket.AF_INET)
    events: list[tuple[str, int, int]] = []
    ep._setNonBlocking = lambda fd: events.append(("nonblocking", fd, len(reactor.adoptedPorts)))  # type: ignore[method-assign]
    ep._close = lambda fd: events.append(("close", fd, len(reactor.adoptedPorts)))  # type: ignore[method-assign]
    ep.listen(Factory.forProtocol(Protocol))
    assert events == [("nonblocking", 99, 0), ("close", 99, 1)]


def test_simple_hostname_resolver() -> None:
    lookups: list[tuple[str, int]] = []
    answer: Deferred[Any] = Deferred()

    def lookup(host: str, port: int) -> Deferred[Any]:
        lookups.append((host, port))
        return answer

    events: list[object] = []

    class Receiver:
        def resolutionBegan(self, resolution: Any) -> None:
            events.append(("began", resolution.name))

        def addressResolved(self, address: Any) -> None:
            events.append(address)

        def resolutionComplete(self) -> None:
            events.append("complete")

    resolver = endpoints._SimpleHostnameResolver(lookup)
    resolver.resolveHostName(Receiver(), "example.com", 80)  # type: ignore[arg-type]
    answer.callback(
        [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("1.2.3.4", 80)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::5", 80, 0, 0)),
        ]
    )
    assert lookups == [("example.com", 80)]
    assert events == [
        ("began", "example.com"),
        IPv4Address("TCP", "1.2.3.4", 80),
        IPv6Address("TCP", "::5", 80, 0, 0),
        "complete",
    ]


class _Recorder(Protocol):
    reason: Failure | None = None

    def connectionLost(self, reason: Failure | None = None) -> None:  # type: ignore[override]
        self.reason = reason


@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        (error.ProcessDone(0), error.ConnectionDone),
        (error.ProcessTerminated(1), error.ConnectionLost),
    ],
)
def test_process_wrapper_maps_the_end(ended: Exception, expected: type[Exception]) -> None:
    proto = _Recorder()
    wrapper = endpoints._WrapIProtocol(proto, b"/bin/true", endpoints.StandardErrorBehavior.DROP)
    wrapper.processEnded(Failure(ended))
    assert proto.reason is not None and proto.reason.check(expected)


def test_process_endpoint_transport_offers_only_the_transport_interfaces() -> None:
    class Process:
        pid = 42
        pipes: list[object] = []

        def closeStdin(self) -> None:
            events.append("closeStdin")

    events: list[str] = []
    transport = endpoints._ProcessEndpointTransport(Process())  # type: ignore[arg-type]
    assert transport.pid == 42  # type: ignore[attr-defined]
    transport.closeStdin()  # type: ignore[attr-defined]
    assert events == ["closeStdin"]
    with pytest.raises(AttributeError):
        transport.pipes  # type: ignore[attr-defined]  # noqa: B018
