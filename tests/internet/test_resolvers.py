"""The reactor's resolvers honoured by ``connectTCP``, ``HostnameEndpoint`` and
``ClientCreator``; ``tcp.makeBinding``; UNIX datagram sockets. Run on every loop."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
from typing import Any

import pytest

from twistio.internet import error
from twistio.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twistio.internet.defer import Deferred, succeed
from twistio.internet.endpoints import HostnameEndpoint, TCP4ClientEndpoint
from twistio.internet.interfaces import (
    IHostnameResolver,
    IResolverSimple,
    IUNIXDatagramConnectedTransport,
    IUNIXDatagramTransport,
    implementer,
)
from twistio.internet.protocol import (
    ClientCreator,
    ClientFactory,
    ConnectedDatagramProtocol,
    DatagramProtocol,
    Factory,
    Protocol,
)
from twistio.internet.tcp import makeBinding

TIMEOUT = 2.0


async def wait(d: Any) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


class Greeter(Protocol):
    def connectionMade(self) -> None:
        self.transport.write(b"hello")
        self.transport.loseConnection()


class Collect(Protocol):
    def __init__(self) -> None:
        self.done: Deferred[bytes] = Deferred()
        self.data = b""

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Any = None) -> None:
        if not self.done.called:
            self.done.callback(self.data)


@implementer(IResolverSimple)
class MapResolver:
    """Every name resolves to 127.0.0.1; remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
        self.asked.append(name)
        if name.endswith(".invalid"):
            d: Deferred[str] = Deferred()
            d.errback(error.DNSLookupError(name))
            return d
        return succeed("127.0.0.1")


@implementer(IHostnameResolver)
class NameResolver:
    """An ``IHostnameResolver`` answering 127.0.0.1 for every name."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    def resolveHostName(
        self,
        receiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Any = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        from twistio.internet._resolver import HostResolution

        self.asked.append((hostName, portNumber))
        resolution = HostResolution(hostName)
        receiver.resolutionBegan(resolution)
        if not addressTypes or IPv4Address in addressTypes:
            receiver.addressResolved(IPv4Address("TCP", "127.0.0.1", portNumber))
        receiver.resolutionComplete()
        return resolution


async def listen(reactor: Any) -> Any:
    return reactor.listenTCP(0, Factory.forProtocol(Greeter), interface="127.0.0.1")


async def test_default_resolvers(reactor: Any) -> None:
    assert await wait(reactor.resolve("localhost")) == "127.0.0.1"
    assert await wait(reactor.resolve("::1")) == "::1"
    with pytest.raises(error.DNSLookupError):
        await wait(reactor.resolve("no-such-host.invalid"))
    found: list[Any] = []
    done: Deferred[None] = Deferred()

    class Receiver:
        def resolutionBegan(self, resolution: Any) -> None:
            found.append(resolution.name)

        def addressResolved(self, address: Any) -> None:
            found.append(address)

        def resolutionComplete(self) -> None:
            done.callback(None)

    reactor.nameResolver.resolveHostName(
        Receiver(), "localhost", 80, addressTypes=[IPv4Address], transportSemantics="UDP"
    )
    await wait(done)
    assert found == ["localhost", IPv4Address("UDP", "127.0.0.1", 80)]


async def test_connect_tcp_uses_the_installed_resolver(reactor: Any) -> None:
    port = await listen(reactor)
    resolver = MapResolver()
    reactor.installResolver(resolver)
    proto = Collect()
    d = ClientCreator(reactor, lambda: proto).connectTCP("service.example", port.getHost().port)
    assert await wait(d) is proto
    assert await wait(proto.done) == b"hello"
    assert resolver.asked == ["service.example"]
    failed: Deferred[Any] = Deferred()

    class Failing(ClientFactory):
        protocol = Protocol

        def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
            failed.callback([reason])

    reactor.connectTCP("nowhere.invalid", 1, Failing())
    [reason] = await wait(failed)
    assert reason.check(error.DNSLookupError)
    await wait(port.stopListening())


async def test_endpoints_use_the_installed_name_resolver(reactor: Any) -> None:
    port = await listen(reactor)
    resolver = NameResolver()
    reactor.installNameResolver(resolver)
    assert reactor.nameResolver is resolver
    proto = await wait(
        HostnameEndpoint(reactor, "web.example", port.getHost().port).connect(
            Factory.forProtocol(Collect)
        )
    )
    assert await wait(proto.done) == b"hello"
    proto = await wait(
        TCP4ClientEndpoint(reactor, "other.example", port.getHost().port).connect(
            Factory.forProtocol(Collect)
        )
    )
    assert await wait(proto.done) == b"hello"
    assert [name for name, _ in resolver.asked] == ["web.example", "other.example"]
    await wait(port.stopListening())


async def test_make_binding_reuse_port(reactor: Any) -> None:
    if not hasattr(socket, "SO_REUSEPORT"):
        pytest.skip("no SO_REUSEPORT here")
    port = reactor.listenTCP(
        makeBinding("127.0.0.1", 0, reusePort=True), Factory.forProtocol(Greeter)
    )
    number = port.getHost().port
    twin = reactor.listenTCP(
        makeBinding("127.0.0.1", number, reusePort=True), Factory.forProtocol(Greeter)
    )
    assert twin.getHost().port == number
    assert port.socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
    proto = Collect()
    await wait(
        ClientCreator(reactor, lambda: proto).connectTCP(
            "127.0.0.1", number, bindAddress=makeBinding("127.0.0.1", 0, reuseAddress=True)
        )
    )
    assert await wait(proto.done) == b"hello"
    await wait(port.stopListening())
    await wait(twin.stopListening())


async def test_client_creator_cancel(reactor: Any) -> None:
    unreachable = "10.255.255.1"  # a blackhole: the attempt stays pending
    d = ClientCreator(reactor, Protocol).connectTCP(unreachable, 9, timeout=5)
    d.cancel()
    with pytest.raises(Exception) as caught:
        await wait(d)
    assert type(caught.value).__name__ == "CancelledError"


# ---------------------------------------------------------------- UNIX datagram


async def test_unix_datagram_round_trip(reactor: Any) -> None:
    folder = tempfile.mkdtemp()
    server_path = os.path.join(folder, "s")
    client_path = os.path.join(folder, "c")
    got: Deferred[bytes] = Deferred()
    seen: list[Any] = []

    class Server(DatagramProtocol):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            seen.append(addr)
            self.transport.write(b"pong:" + datagram, addr)

    class Client(ConnectedDatagramProtocol):
        def startProtocol(self) -> None:
            self.transport.write(b"ping")

        def datagramReceived(self, datagram: bytes) -> None:  # type: ignore[override]
            got.callback(datagram)

    port = reactor.listenUNIXDatagram(server_path, Server())
    assert IUNIXDatagramTransport.providedBy(port)
    assert port.getHost() == UNIXAddress(server_path.encode())
    client = reactor.connectUNIXDatagram(server_path, Client(), bindAddress=client_path)
    assert IUNIXDatagramConnectedTransport.providedBy(client)
    assert client.getPeer() == UNIXAddress(server_path.encode())
    assert await wait(got) == b"pong:ping"
    assert seen == [client_path]
    failed: Deferred[Any] = Deferred()

    class Refused(ConnectedDatagramProtocol):
        def connectionFailed(self, failure: Any) -> None:
            failed.callback([failure])

    reactor.connectUNIXDatagram(os.path.join(folder, "nobody"), Refused())
    [failure] = await wait(failed)
    assert failure.check(error.ConnectError)
    await wait(client.stopListening())
    await wait(port.stopListening())
    assert os.path.exists(server_path)  # the socket file stays, as in Twisted
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)


def test_ipv6_address_is_reported_as_such() -> None:
    from twistio.internet._resolver import SimpleResolverComplexifier

    class V6:
        def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
            return succeed("::1")

    found: list[Any] = []

    class Receiver:
        def resolutionBegan(self, r: Any) -> None:
            pass

        def addressResolved(self, a: Any) -> None:
            found.append(a)

        def resolutionComplete(self) -> None:
            found.append("done")

    SimpleResolverComplexifier(V6()).resolveHostName(Receiver(), "h", 5)  # type: ignore[arg-type]
    assert found == [IPv6Address("TCP", "::1", 5), "done"]


class _Receiver:
    def __init__(self) -> None:
        self.addresses: list[Any] = []
        self.complete = False

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        self.complete = True


def test_gai_resolver_reports_each_result_by_its_socket_type() -> None:
    from twistio.internet._resolver import GAIResolver
    from twistio.python.failure import Failure

    class Inline:
        """A reactor and pool that run everything at once, in this thread."""

        def getThreadPool(self) -> Any:
            return self

        def callInThreadWithCallback(self, onResult: Any, f: Any, *a: Any, **kw: Any) -> None:
            try:
                onResult(True, f(*a, **kw))
            except Exception:
                onResult(False, Failure())

        def callFromThread(self, f: Any, *a: Any, **kw: Any) -> None:
            f(*a, **kw)

    def getaddrinfo(*args: Any) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.3", 0)),
            (socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("::1", 0, 1, 2)),
        ]

    receiver = _Receiver()
    GAIResolver(Inline(), getaddrinfo=getaddrinfo).resolveHostName(receiver, "example.com")  # type: ignore[arg-type]
    assert receiver.complete
    assert [(type(a).__name__, a.type) for a in receiver.addresses] == [
        ("IPv4Address", "TCP"),
        ("IPv6Address", "UDP"),
    ]


def test_complexifier_logs_an_unexpected_error(caplog: pytest.LogCaptureFixture) -> None:
    from twistio.internet._resolver import SimpleResolverComplexifier

    class Failing:
        def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
            d: Deferred[str] = Deferred()
            d.errback(ZeroDivisionError("zow"))
            return d

    receiver = _Receiver()
    SimpleResolverComplexifier(Failing()).resolveHostName(receiver, "example.com")  # type: ignore[arg-type]
    assert receiver.complete and receiver.addresses == []
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_reactor_declares_the_pluggable_resolver_interface() -> None:
    from twistio.internet.base import PluggableResolverMixin
    from twistio.internet.interfaces import IReactorPluggableNameResolver

    assert IReactorPluggableNameResolver.providedBy(PluggableResolverMixin())


def test_simple_resolver_gets_ascii_names() -> None:
    # As Twisted's: a non-ASCII name reaches an IResolverSimple in its IDNA form.
    from twistio.internet._resolver import SimpleResolverComplexifier

    calls: list[str] = []

    class Simple:
        def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:
            calls.append(name)
            return Deferred()

    class Receiver:
        def resolutionBegan(self, resolution: Any) -> None:
            pass

        def addressResolved(self, address: Any) -> None:
            pass

        def resolutionComplete(self) -> None:
            pass

    resolver = SimpleResolverComplexifier(Simple())  # type: ignore[arg-type]
    for name in ("example.example", "v\xe4\xe4ntynyt.example", "xn--p1ai.example"):
        resolver.resolveHostName(Receiver(), name)  # type: ignore[arg-type]
    assert calls == ["example.example", "xn--vntynyt-5waa.example", "xn--p1ai.example"]
