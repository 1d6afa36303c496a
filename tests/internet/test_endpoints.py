"""Endpoints on MemoryReactorClock and on real loopback sockets; the string grammar; plugins."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import endpoints, error
from twistio.internet.address import HostnameAddress, IPv4Address, IPv6Address
from twistio.internet.defer import Deferred, succeed
from twistio.internet.endpoints import (
    HostnameEndpoint,
    IStreamServerEndpointStringParser,
    SSL4ClientEndpoint,
    SSL4ServerEndpoint,
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    TCP6ClientEndpoint,
    TCP6ServerEndpoint,
    UNIXClientEndpoint,
    UNIXServerEndpoint,
    clientFromString,
    connectProtocol,
    quoteStringArgument,
    serverFromString,
)
from twistio.internet.protocol import Factory, Protocol
from twistio.internet.testing import (
    MemoryReactor,
    MemoryReactorClock,
    RaisingMemoryReactor,
    StringTransport,
)
from twistio.python.failure import Failure

TIMEOUT = 2.0


def result_of(d: Deferred[Any]) -> list[Any]:
    out: list[Any] = []
    d.addBoth(out.append)
    return out


async def wait(d: Any) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


class Recorder(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.made = 0
        self.lost: Deferred[Any] = Deferred()

    def connectionMade(self) -> None:
        self.made += 1

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Failure = None) -> None:  # type: ignore[assignment]
        if not self.lost.called:
            self.lost.callback(None if reason is None else type(reason.value))


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


# -- server endpoints on a MemoryReactor ------------------------------------------------------


def test_tcp4_server_listen_records_call() -> None:
    reactor = MemoryReactor()
    factory = Factory.forProtocol(Protocol)
    out = result_of(
        TCP4ServerEndpoint(reactor, 1234, backlog=7, interface="127.0.0.1").listen(factory)
    )
    assert reactor.tcpServers == [(1234, factory, 7, "127.0.0.1")]
    assert out[0].getHost().port == 1234


def test_tcp6_server_default_interface() -> None:
    reactor = MemoryReactor()
    TCP6ServerEndpoint(reactor, 80).listen(Factory())
    assert reactor.tcpServers[0][2:] == (50, "::")


def test_listen_failure_is_a_failed_deferred() -> None:
    reactor = RaisingMemoryReactor(listenException=error.CannotListenError("", 80, OSError()))
    out = result_of(TCP4ServerEndpoint(reactor, 80).listen(Factory()))
    assert isinstance(out[0], Failure) and out[0].check(error.CannotListenError)


def test_unix_and_ssl_servers_record_calls() -> None:
    reactor = MemoryReactor()
    f = Factory()
    UNIXServerEndpoint(reactor, "/tmp/s", backlog=3, mode=0o600, wantPID=1).listen(f)
    assert reactor.unixServers == [("/tmp/s", f, 3, 0o600, 1)]
    ctx = object()
    SSL4ServerEndpoint(reactor, 443, ctx, backlog=4, interface="127.0.0.1").listen(f)
    assert reactor.sslServers == [(443, f, ctx, 4, "127.0.0.1")]


# -- client endpoints on a MemoryReactor ------------------------------------------------------


def test_tcp4_client_connect_fires_with_user_protocol() -> None:
    reactor = MemoryReactorClock()
    d = TCP4ClientEndpoint(
        reactor, "127.0.0.1", 80, timeout=9, bindAddress=("127.0.0.1", 0)
    ).connect(Factory.forProtocol(Recorder))
    out = result_of(d)
    host, port, wf, timeout, bind = reactor.tcpClients[0]
    assert (host, port, timeout, bind) == ("127.0.0.1", 80, 9, ("127.0.0.1", 0))
    assert out == []
    wrapper = wf.buildProtocol(IPv4Address("TCP", "127.0.0.1", 80))
    wrapper.makeConnection(StringTransport())
    proto = out[0]
    assert isinstance(proto, Recorder) and proto.made == 1
    # the data path goes straight to the user's protocol
    assert wrapper.dataReceived == proto.dataReceived
    wrapper.dataReceived(b"hi")
    assert proto.data == b"hi"


def test_client_connection_failed_maps_to_errback() -> None:
    reactor = MemoryReactor()
    out = result_of(TCP4ClientEndpoint(reactor, "127.0.0.1", 80).connect(Factory()))
    wf = reactor.tcpClients[0][2]
    wf.clientConnectionFailed(reactor.connectors[0], Failure(error.ConnectionRefusedError()))
    assert out[0].check(error.ConnectionRefusedError)


def test_cancel_pending_connect() -> None:
    reactor = MemoryReactor()
    d = TCP4ClientEndpoint(reactor, "127.0.0.1", 80).connect(Factory())
    out = result_of(d)
    d.cancel()
    assert out[0].check(error.ConnectingCancelledError)
    assert out[0].value.address == IPv4Address("TCP", "127.0.0.1", 80)
    assert reactor.connectors[0].stoppedConnecting


def test_no_protocol() -> None:
    class NoneFactory(Factory):
        def buildProtocol(self, addr: Any) -> Any:
            return None

    reactor = MemoryReactor()
    out = result_of(TCP4ClientEndpoint(reactor, "127.0.0.1", 80).connect(NoneFactory()))
    assert reactor.tcpClients[0][2].buildProtocol(None) is None
    assert out[0].check(error.NoProtocol)


def test_half_close_is_forwarded() -> None:
    from twistio.internet.interfaces import IHalfCloseableProtocol, implementer

    @implementer(IHalfCloseableProtocol)
    class Half(Recorder):
        def readConnectionLost(self) -> None:
            self.data += b"<eof>"

        def writeConnectionLost(self) -> None:
            pass

    reactor = MemoryReactor()
    TCP4ClientEndpoint(reactor, "127.0.0.1", 80).connect(Factory.forProtocol(Half))
    wrapper = reactor.tcpClients[0][2].buildProtocol(None)
    assert IHalfCloseableProtocol.providedBy(wrapper)
    wrapper.makeConnection(StringTransport())
    wrapper.readConnectionLost()
    assert wrapper._wrappedProtocol.data == b"<eof>"
    plain = TCP4ClientEndpoint(reactor, "127.0.0.1", 80)
    plain.connect(Factory.forProtocol(Recorder))
    assert not IHalfCloseableProtocol.providedBy(reactor.tcpClients[1][2].buildProtocol(None))


def test_unix_and_ssl_clients_record_calls() -> None:
    reactor = MemoryReactor()
    UNIXClientEndpoint(reactor, "/tmp/s", timeout=3, checkPID=1).connect(Factory())
    assert reactor.unixClients[0][0] == "/tmp/s"
    assert reactor.unixClients[0][2:] == (3, 1)
    ctx = object()
    SSL4ClientEndpoint(reactor, "h", 443, ctx, timeout=4, bindAddress=("a", 0)).connect(Factory())
    assert reactor.sslClients[0][:2] == ("h", 443)
    assert reactor.sslClients[0][3:] == (ctx, 4, ("a", 0))


def test_connect_raising_reactor() -> None:
    reactor = RaisingMemoryReactor(connectException=error.ConnectError("nope"))
    out = result_of(TCP4ClientEndpoint(reactor, "h", 1).connect(Factory()))
    assert out[0].check(error.ConnectError)


def test_connectProtocol() -> None:
    reactor = MemoryReactor()
    proto = Recorder()
    out = result_of(connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", 80), proto))
    reactor.tcpClients[0][2].buildProtocol(None).makeConnection(StringTransport())
    assert out == [proto] and proto.made == 1


def test_tcp6_client_literal_and_resolved() -> None:
    # As in Twisted, a name is looked up with getaddrinfo(host, 0, AF_INET6) by way of
    # _deferToThread; the first IPv6 result is used.
    reactor = MemoryReactor()
    answers = {
        "v6.example": [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 0, 0, 0)),
        ],
        "v4only.example": [],
    }
    calls: list[tuple[object, ...]] = []

    def lookup(f: object, host: str, port: int, family: int) -> Deferred[object]:
        calls.append((f, host, port, family))
        return succeed(answers[host])

    def endpoint(host: str, port: int) -> TCP6ClientEndpoint:
        ep = TCP6ClientEndpoint(reactor, host, port)
        ep._deferToThread = lookup  # type: ignore[method-assign]
        return ep

    endpoint("::1", 80).connect(Factory())
    endpoint("v6.example", 81).connect(Factory())
    assert [c[:2] for c in reactor.tcpClients] == [("::1", 80), ("::1", 81)]
    assert calls == [(socket.getaddrinfo, "v6.example", 0, socket.AF_INET6)]
    out = result_of(endpoint("v4only.example", 80).connect(Factory()))
    assert out[0].check(error.DNSLookupError)


# -- HostnameEndpoint -------------------------------------------------------------------------


class _Resolver:
    """A Twisted-style IHostnameResolver with fixed answers."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    def resolveHostName(self, receiver: Any, hostName: str, portNumber: int = 0, *a: Any) -> Any:
        receiver.resolutionBegan(None)
        for host in self.answers.get(hostName, []):
            cls = IPv6Address if ":" in host else IPv4Address
            receiver.addressResolved(cls("TCP", host, portNumber))
        receiver.resolutionComplete()
        return None


class _ResolvingReactor(MemoryReactorClock):
    def __init__(self, answers: dict[str, list[str]]) -> None:
        super().__init__()
        self.nameResolver = _Resolver(answers)


def test_hostname_staggers_attempts_and_first_wins() -> None:
    reactor = _ResolvingReactor({"example.com": ["::1", "127.0.0.1", "127.0.0.2"]})
    d = HostnameEndpoint(reactor, b"example.com", 80, timeout=7).connect(
        Factory.forProtocol(Recorder)
    )
    out = result_of(d)
    assert [c[0] for c in reactor.tcpClients] == ["::1"]
    assert reactor.tcpClients[0][3] == 7
    reactor.advance(0.3)
    assert [c[0] for c in reactor.tcpClients] == ["::1", "127.0.0.1"]
    # the second attempt connects first: the first is cancelled, the third never starts
    reactor.tcpClients[1][2].buildProtocol(None).makeConnection(StringTransport())
    assert isinstance(out[0], Recorder)
    assert reactor.connectors[0].stoppedConnecting
    reactor.advance(1)
    assert len(reactor.tcpClients) == 2
    # a late connection on the loser builds nothing
    assert reactor.tcpClients[0][2].buildProtocol(None) is None


def test_hostname_failure_starts_next_at_once_and_last_failure_wins() -> None:
    reactor = _ResolvingReactor({"example.com": ["::1", "127.0.0.1"]})
    out = result_of(HostnameEndpoint(reactor, "example.com", 80).connect(Factory()))
    reactor.tcpClients[0][2].clientConnectionFailed(None, Failure(error.ConnectionRefusedError()))
    assert len(reactor.tcpClients) == 2 and out == []
    reactor.tcpClients[1][2].clientConnectionFailed(None, Failure(error.TimeoutError()))
    assert out[0].check(error.TimeoutError)
    assert reactor.getDelayedCalls() == []


class _RefusingReactor(_ResolvingReactor):
    def connectTCP(self, host: str, port: int, factory: Any, *a: Any, **kw: Any) -> Any:
        self.tcpClients.append((host, port, factory, 0, None))
        raise error.ConnectError(f"refused {host}")


def test_hostname_attempts_failing_at_once() -> None:
    reactor = _RefusingReactor({"example.com": ["::1", "127.0.0.1", "127.0.0.2"]})
    out = result_of(HostnameEndpoint(reactor, "example.com", 80).connect(Factory()))
    assert [c[0] for c in reactor.tcpClients] == ["::1", "127.0.0.1", "127.0.0.2"]
    assert out[0].check(error.ConnectError)
    assert "127.0.0.2" in str(out[0].value)
    assert reactor.getDelayedCalls() == []


def test_hostname_no_addresses() -> None:
    reactor = _ResolvingReactor({})
    out = result_of(HostnameEndpoint(reactor, "nowhere.example", 80).connect(Factory()))
    assert out[0].check(error.DNSLookupError)


def test_hostname_cancel() -> None:
    reactor = _ResolvingReactor({"example.com": ["127.0.0.1", "127.0.0.2"]})
    d = HostnameEndpoint(reactor, b"example.com", 80).connect(Factory())
    out = result_of(d)
    d.cancel()
    assert out[0].check(error.ConnectingCancelledError)
    assert out[0].value.address == HostnameAddress(b"example.com", 80)
    assert reactor.connectors[0].stoppedConnecting
    assert reactor.getDelayedCalls() == []


def test_hostname_literal_needs_no_resolver_and_bind_address() -> None:
    reactor = MemoryReactorClock()
    HostnameEndpoint(reactor, "127.0.0.1", 80, bindAddress="127.0.0.1").connect(Factory())
    assert reactor.tcpClients[0][0] == "127.0.0.1"
    assert reactor.tcpClients[0][4] == ("127.0.0.1", 0)


def test_hostname_invalid_and_idna() -> None:
    reactor = MemoryReactorClock()
    out = result_of(HostnameEndpoint(reactor, b"\xff", 80).connect(Factory()))
    assert out[0].check(ValueError)
    assert (
        repr(HostnameEndpoint(reactor, "ex\u00e9.com", 80))
        == "<HostnameEndpoint xn--ex-cja.com:80>"
    )


# -- real sockets -----------------------------------------------------------------------------


async def test_tcp_endpoints_real_roundtrip(reactor: Any) -> None:
    port = await wait(
        TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(Factory.forProtocol(Echo))
    )
    number = port.getHost().port
    proto = await wait(
        TCP4ClientEndpoint(reactor, "127.0.0.1", number).connect(Factory.forProtocol(Recorder))
    )
    proto.transport.write(b"ping")
    for _ in range(100):
        if proto.data == b"ping":
            break
        await asyncio.sleep(0)  # yields to the loop, no timing involved
    assert proto.data == b"ping"
    proto.transport.loseConnection()
    await wait(proto.lost)
    await wait(port.stopListening())


async def test_tcp_connection_refused(reactor: Any) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    number = sock.getsockname()[1]
    sock.close()
    with pytest.raises(error.ConnectionRefusedError):
        await wait(TCP4ClientEndpoint(reactor, "127.0.0.1", number).connect(Factory()))


async def test_cancel_real_pending_connect(reactor: Any) -> None:
    port = await wait(TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(Factory()))
    factory = Factory.forProtocol(Recorder)
    d = TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port).connect(factory)
    d.cancel()
    with pytest.raises(error.ConnectingCancelledError):
        await wait(d)
    await wait(port.stopListening())


async def test_listen_in_use_fails(reactor: Any) -> None:
    port = await wait(TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(Factory()))
    with pytest.raises(error.CannotListenError):
        await wait(
            TCP4ServerEndpoint(reactor, port.getHost().port, interface="127.0.0.1").listen(
                Factory()
            )
        )
    await wait(port.stopListening())


def _has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6(), reason="no IPv6 loopback")
async def test_tcp6_endpoints_real(reactor: Any) -> None:
    port = await wait(
        TCP6ServerEndpoint(reactor, 0, interface="::1").listen(Factory.forProtocol(Echo))
    )
    proto = await wait(
        TCP6ClientEndpoint(reactor, "::1", port.getHost().port).connect(
            Factory.forProtocol(Recorder)
        )
    )
    assert proto.transport.getPeer().host == "::1"
    proto.transport.loseConnection()
    await wait(proto.lost)
    await wait(port.stopListening())


async def test_hostname_endpoint_real_localhost(reactor: Any) -> None:
    # localhost may resolve to ::1 first: nothing listens there, so that attempt fails and
    # the IPv4 one wins.
    port = await wait(
        TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1").listen(Factory.forProtocol(Echo))
    )
    proto = await wait(
        HostnameEndpoint(reactor, b"localhost", port.getHost().port).connect(
            Factory.forProtocol(Recorder)
        )
    )
    assert proto.transport.getPeer().host == "127.0.0.1"
    proto.transport.loseConnection()
    await wait(proto.lost)
    await wait(port.stopListening())


async def test_hostname_endpoint_real_all_refused(reactor: Any) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    number = sock.getsockname()[1]
    sock.close()
    with pytest.raises(error.ConnectError):
        await wait(HostnameEndpoint(reactor, "127.0.0.1", number).connect(Factory()))


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no UNIX sockets")
async def test_unix_endpoints_real(reactor: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "sock")
    port = await wait(UNIXServerEndpoint(reactor, path).listen(Factory.forProtocol(Echo)))
    proto = await wait(UNIXClientEndpoint(reactor, path).connect(Factory.forProtocol(Recorder)))
    proto.transport.write(b"unix")
    for _ in range(100):
        if proto.data == b"unix":
            break
        await asyncio.sleep(0)
    assert proto.data == b"unix"
    proto.transport.loseConnection()
    await wait(proto.lost)
    await wait(port.stopListening())


# -- TLS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    key, cert = str(d / "key.pem"), str(d / "cert.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


def _tls_available() -> bool:
    try:
        import twistio.internet.ssl  # noqa: F401
    except ImportError:
        return False
    return True


def test_ssl_server_from_string(certificate: tuple[str, str]) -> None:
    import ssl

    key, cert = certificate
    reactor = MemoryReactor()
    description = f"ssl:0:privateKey={quoteStringArgument(key)}:certKey={quoteStringArgument(cert)}:interface=127.0.0.1:backlog=9"
    ep = serverFromString(reactor, description)
    assert isinstance(ep, SSL4ServerEndpoint)
    assert isinstance(ep._sslContextFactory, ssl.SSLContext)
    assert (ep._port, ep._backlog, ep._interface) == (0, 9, "127.0.0.1")
    # the key file also holding the certificate, and an extra chain
    both = os.path.join(os.path.dirname(key), "both.pem")
    with open(both, "w") as f:
        f.write(open(key).read() + open(cert).read())
    serverFromString(
        reactor, f"ssl:0:{quoteStringArgument(both)}:extraCertChain={quoteStringArgument(cert)}"
    )
    with pytest.raises(ValueError, match="privateKey"):
        serverFromString(reactor, "ssl:0:privateKey=/nonexistent.pem")


@pytest.mark.skipif(not _tls_available(), reason="twistio.internet.ssl is not there yet")
async def test_ssl_endpoints_real(reactor: Any, certificate: tuple[str, str]) -> None:
    key, cert = certificate
    server = serverFromString(
        reactor,
        f"ssl:0:privateKey={quoteStringArgument(key)}:certKey={quoteStringArgument(cert)}:interface=127.0.0.1",
    )
    port = await wait(server.listen(Factory.forProtocol(Echo)))
    client = clientFromString(reactor, f"ssl:127.0.0.1:{port.getHost().port}")
    proto = await wait(client.connect(Factory.forProtocol(Recorder)))
    proto.transport.write(b"secret")
    for _ in range(1000):
        if proto.data == b"secret":
            break
        await asyncio.sleep(0)
    assert proto.data == b"secret"
    proto.transport.loseConnection()
    await wait(proto.lost)
    await wait(port.stopListening())


@pytest.mark.skipif(not _tls_available(), reason="twistio.internet.ssl is not there yet")
async def test_tls_client_endpoint_real(reactor: Any, certificate: tuple[str, str]) -> None:
    key, cert = certificate
    server = serverFromString(
        reactor,
        f"ssl:0:privateKey={quoteStringArgument(key)}:certKey={quoteStringArgument(cert)}"
        ":interface=127.0.0.1",
    )
    port = await wait(server.listen(Factory.forProtocol(Echo)))
    roots = os.path.dirname(cert)
    client = clientFromString(
        reactor, f"tls:localhost:{port.getHost().port}:trustRoots={quoteStringArgument(roots)}"
    )
    proto = await wait(client.connect(Factory.forProtocol(Recorder)))
    assert isinstance(proto, Recorder)
    proto.transport.write(b"over tls")
    for _ in range(1000):
        if proto.data == b"over tls":
            break
        await asyncio.sleep(0)
    assert proto.data == b"over tls"
    proto.transport.loseConnection()
    await wait(proto.lost)
    await wait(port.stopListening())


def test_tls_client_from_string() -> None:
    reactor = MemoryReactorClock()
    ep = clientFromString(reactor, "tls:example.com:443:timeout=3:bindAddress=127.0.0.1")
    inner = ep._wrappedEndpoint
    assert isinstance(inner, HostnameEndpoint)
    assert (inner._hostText, inner._port, inner._timeout, inner._bindAddress) == (
        "example.com",
        443,
        3.0,
        ("127.0.0.1", 0),
    )
    ep2 = clientFromString(reactor, "tls:example.com:443:endpoint=tcp\\:127.0.0.1\\:8443")
    assert isinstance(ep2._wrappedEndpoint, TCP4ClientEndpoint)
    assert ep2._wrappedEndpoint._port == 8443


def test_wrap_client_tls_starts_tls_before_connection_made() -> None:
    calls: list[Any] = []

    class TLSTransport(StringTransport):
        def startTLS(self, ctx: Any) -> None:
            calls.append(("startTLS", ctx))

    class P(Recorder):
        def connectionMade(self) -> None:
            calls.append("made")

    reactor = MemoryReactor()
    creator = object()
    ep = endpoints.wrapClientTLS(creator, TCP4ClientEndpoint(reactor, "127.0.0.1", 443))
    out = result_of(ep.connect(Factory.forProtocol(P)))
    reactor.tcpClients[0][2].buildProtocol(None).makeConnection(TLSTransport())
    assert calls == [("startTLS", creator), "made"]
    assert isinstance(out[0], P)


def test_wrap_client_tls_without_start_tls_fails() -> None:
    reactor = MemoryReactor()
    ep = endpoints.wrapClientTLS(object(), TCP4ClientEndpoint(reactor, "127.0.0.1", 443))
    out = result_of(ep.connect(Factory.forProtocol(Recorder)))
    transport = StringTransport()
    reactor.tcpClients[0][2].buildProtocol(None).makeConnection(transport)
    assert out[0].check(NotImplementedError)
    assert "startTLS" in str(out[0].value)
    assert transport.disconnected


# -- the grammar ------------------------------------------------------------------------------


def test_server_from_string_values() -> None:
    reactor = MemoryReactor()
    ep = serverFromString(reactor, "tcp:8080:interface=127.0.0.1:backlog=12")
    assert isinstance(ep, TCP4ServerEndpoint)
    assert (ep._port, ep._interface, ep._backlog) == (8080, "127.0.0.1", 12)
    ep6 = serverFromString(reactor, "tcp6:80:interface=\\:\\:1")
    assert isinstance(ep6, TCP6ServerEndpoint) and ep6._interface == "::1"
    unix = serverFromString(reactor, "unix:/var/a\\:b:mode=600:lockfile=0")
    assert (unix._address, unix._mode, unix._wantPID) == ("/var/a:b", 0o600, False)


def test_client_from_string_values() -> None:
    reactor = MemoryReactor()
    ep = clientFromString(reactor, "tcp:host=example.com:port=80:timeout=5:bindAddress=127.0.0.1")
    assert isinstance(ep, TCP4ClientEndpoint)
    assert (ep._host, ep._port, ep._timeout, ep._bindAddress) == (
        "example.com",
        80,
        5,
        ("127.0.0.1", 0),
    )
    unix = clientFromString(reactor, "unix:/tmp/s:lockfile=1:timeout=2")
    assert (unix._path, unix._checkPID, unix._timeout) == ("/tmp/s", True, 2)


@pytest.mark.parametrize(
    ("description", "names"),
    [
        ("bogus:80", "Unknown endpoint type: 'bogus'"),
        ("80", "Unknown endpoint type: '80'"),
        ("tcp:abc", "port must be an integer"),
        ("tcp:80:backlog=x", "backlog"),
        ("tcp:80:foo=1", "foo"),
        ("tcp", "port"),
        ("unix:/x:mode=9", "mode"),
        ("tcp:80\\", "escape"),
        ("=", "type"),
    ],
)
def test_malformed_server_descriptions_name_the_problem(description: str, names: str) -> None:
    with pytest.raises(ValueError, match=names.replace("(", "\\(")):
        serverFromString(MemoryReactor(), description)


@pytest.mark.parametrize(
    ("description", "names"),
    [
        ("tcp:h", "port"),
        ("tcp:h:80:timeout=x", "timeout"),
        ("tcp:h:80:foo=bar", "foo"),
        ("unix", "path"),
        ("nosuch:x", "nosuch"),
    ],
)
def test_malformed_client_descriptions_name_the_problem(description: str, names: str) -> None:
    with pytest.raises(ValueError, match=names):
        clientFromString(MemoryReactor(), description)


def test_argument_errors_are_also_type_errors() -> None:
    with pytest.raises(TypeError):
        serverFromString(MemoryReactor(), "tcp:80:foo=1")


@pytest.mark.parametrize("value", ["plain", "a:b", "c\\d", "::", "\\\\:", ""])
def test_quote_string_argument_round_trips(value: str) -> None:
    ep = serverFromString(MemoryReactor(), f"unix:{quoteStringArgument(value)}:mode=600")
    assert ep._address == value


# -- plugins ----------------------------------------------------------------------------------

_FAKE_PLUGIN = textwrap.dedent(
    '''
    from zope.interface import Interface, implementer

    class IStreamServerEndpointStringParser(Interface):
        """Stands in for Twisted's interface object of the same name."""

    class IStreamClientEndpointStringParserWithReactor(Interface):
        """Stands in for Twisted's interface object of the same name."""

    class FakeEndpoint:
        def __init__(self, reactor, args, kwargs):
            self.reactor, self.args, self.kwargs = reactor, args, kwargs

    @implementer(IStreamServerEndpointStringParser)
    class _ServerParser:
        prefix = "fake"
        def parseStreamServer(self, reactor, *args, **kwargs):
            return FakeEndpoint(reactor, args, kwargs)

    @implementer(IStreamClientEndpointStringParserWithReactor)
    class _ClientParser:
        prefix = "fake"
        def parseStreamClient(self, reactor, *args, **kwargs):
            return FakeEndpoint(reactor, args, kwargs)

    class _DuckParser:
        prefix = "duck"
        def parseStreamServer(self, reactor, *args, **kwargs):
            return FakeEndpoint(reactor, args, kwargs)

    serverParser = _ServerParser()
    clientParser = _ClientParser()
    duckParser = _DuckParser()
    notAParser = object()
    '''
)


@pytest.fixture
def fake_plugin_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pytest.importorskip("zope.interface")
    plugins = tmp_path / "twisted" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "fake_endpoint_plugin.py").write_text(_FAKE_PLUGIN)
    (plugins / "broken_plugin.py").write_text("raise RuntimeError('broken on purpose')\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    return tmp_path


def test_third_party_server_plugin(fake_plugin_path: Path) -> None:
    reactor = MemoryReactor()
    ep = serverFromString(reactor, "fake:1:a\\:b:key=value")
    assert type(ep).__name__ == "FakeEndpoint"
    assert ep.reactor is reactor
    assert ep.args == ("1", "a:b") and ep.kwargs == {"key": "value"}
    # matched case-insensitively, as Twisted does for plugins
    assert type(serverFromString(reactor, "FAKE:1")).__name__ == "FakeEndpoint"
    # duck-typed: no interface declared at all
    assert type(serverFromString(reactor, "duck:1")).__name__ == "FakeEndpoint"


def test_third_party_client_plugin(fake_plugin_path: Path) -> None:
    reactor = MemoryReactor()
    ep = clientFromString(reactor, "fake:host:80:timeout=3")
    assert ep.args == ("host", "80") and ep.kwargs == {"timeout": "3"}
    # a server-only parser is not a client parser
    with pytest.raises(ValueError, match="duck"):
        clientFromString(reactor, "duck:1")


def test_get_plugins_skips_twisted_own_and_broken(fake_plugin_path: Path) -> None:
    from twistio.plugin import getPlugins

    found = list(getPlugins(IStreamServerEndpointStringParser))
    prefixes = sorted(p.prefix for p in found)
    assert {"duck", "fake"} <= set(prefixes)
    assert all(not type(p).__module__.startswith("twisted.") for p in found)
    by_name = list(getPlugins("IStreamClientEndpointStringParserWithReactor"))
    assert "fake" in [p.prefix for p in by_name] and "duck" not in [p.prefix for p in by_name]


def test_get_plugins_from_a_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio.internet.interfaces import implementer
    from twistio.plugin import getPlugins

    package = tmp_path / "myplugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mine.py").write_text(
        textwrap.dedent(
            """
            from twistio.internet.endpoints import IStreamServerEndpointStringParser
            from twistio.internet.interfaces import implementer

            @implementer(IStreamServerEndpointStringParser)
            class P:
                prefix = "mine"
                def parseStreamServer(self, reactor, *a, **kw):
                    return (a, kw)

            parser = P()
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    pkg = importlib.import_module("myplugins")
    found = list(getPlugins(IStreamServerEndpointStringParser, pkg))
    assert [p.prefix for p in found] == ["mine"]
    assert implementer is not None


def test_plugin_scan_does_not_import_twisted(fake_plugin_path: Path) -> None:
    program = textwrap.dedent(
        """
        import sys
        from twistio.internet.endpoints import serverFromString
        from twistio.internet.testing import MemoryReactor
        ep = serverFromString(MemoryReactor(), "fake:1")
        assert type(ep).__name__ == "FakeEndpoint", ep
        assert "twisted" not in sys.modules, "scanning imported Twisted"
        print("ok")
        """
    )
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([str(fake_plugin_path), root])
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=20
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
