"""The endpoints added for Twisted parity: ProcessEndpoint, StandardIOEndpoint (and the
``stdio:`` description), AdoptedStreamServerEndpoint, wrapServerTLS, Binding arguments."""

from __future__ import annotations

import asyncio
import socket
import ssl as stdlib_ssl
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import endpoints, error, ssl
from twistio.internet.defer import Deferred
from twistio.internet.protocol import Factory, Protocol
from twistio.internet.tcp import makeBinding
from twistio.internet.testing import MemoryReactorClock

TIMEOUT = 5.0


async def wait(d: Any) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


class Collect(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.done: Deferred[list[Any]] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Any = None) -> None:
        self.done.callback([reason])


async def test_process_endpoint(reactor: Any) -> None:
    child = "import sys; data = sys.stdin.read(); sys.stderr.write('noise'); print(data.upper())"
    endpoint = endpoints.ProcessEndpoint(
        reactor,
        sys.executable,
        [sys.executable, "-c", child],
        env=None,
        errFlag=endpoints.StandardErrorBehavior.DROP,
    )
    proto = await wait(endpoint.connect(Factory.forProtocol(Collect)))
    assert isinstance(proto, Collect)
    proto.transport.write(b"hello")
    proto.transport.closeStdin()
    [reason] = await wait(proto.done)
    assert proto.data.strip() == b"HELLO"
    assert reason.check(error.ConnectionDone)  # exit status 0, as in Twisted
    failed = endpoints.ProcessEndpoint(reactor, "/no/such/program").connect(
        Factory.forProtocol(Collect)
    )
    with pytest.raises(OSError):
        await wait(failed)
    assert endpoints.StandardErrorBehavior.lookupByName("LOG") is (
        endpoints.StandardErrorBehavior.LOG
    )
    assert list(endpoints.StandardErrorBehavior.iterconstants()) == [
        endpoints.StandardErrorBehavior.LOG,
        endpoints.StandardErrorBehavior.DROP,
    ]


def test_stdio_endpoint_from_description() -> None:
    program = textwrap.dedent(
        """
        from twistio.internet import reactor
        from twistio.internet.endpoints import serverFromString
        from twistio.internet.protocol import Factory, Protocol

        class Shout(Protocol):
            def dataReceived(self, data):
                self.transport.write(data.upper())
            def connectionLost(self, reason):
                reactor.stop()

        endpoint = serverFromString(reactor, "stdio:")
        print(type(endpoint).__name__, flush=True)
        endpoint.listen(Factory.forProtocol(Shout))
        reactor.run()
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", program], input=b"quiet\n", capture_output=True, timeout=20
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [b"StandardIOEndpoint", b"QUIET"]
    reactor = MemoryReactorClock()
    assert isinstance(endpoints.serverFromString(reactor, "stdio:"), endpoints.StandardIOEndpoint)


async def test_adopted_stream_server_endpoint(reactor: Any) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    fd = sock.detach()
    endpoint = endpoints.AdoptedStreamServerEndpoint(reactor, fd, socket.AF_INET)

    class Hello(Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"adopted")
            self.transport.loseConnection()

    port = await wait(endpoint.listen(Factory.forProtocol(Hello)))
    with pytest.raises(error.AlreadyListened):
        await wait(endpoint.listen(Factory.forProtocol(Hello)))
    proto = await wait(
        endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port).connect(
            Factory.forProtocol(Collect)
        )
    )
    await wait(proto.done)
    assert proto.data == b"adopted"
    await wait(port.stopListening())
    with pytest.raises(OSError):
        socket.socket(fileno=fd)  # closed once adopted


def test_binding_arguments_reach_the_reactor() -> None:
    reactor = MemoryReactorClock()
    binding = makeBinding("127.0.0.1", 0, reuseAddress=True)
    endpoints.TCP4ClientEndpoint(reactor, "h", 1, bindAddress=binding).connect(Factory())
    endpoints.TCP6ClientEndpoint(reactor, "::1", 1, bindAddress="::1").connect(Factory())
    endpoints.HostnameEndpoint(reactor, "h", 1, bindAddress=binding).connect(Factory())
    assert reactor.tcpClients[0][4] is binding
    assert reactor.tcpClients[1][4] == ("::1", 0)
    assert reactor.tcpClients[2][4] is binding
    assert repr(endpoints.TCP6ClientEndpoint(reactor, "::1", 80)) == "<TCP6ClientEndpoint [::1]:80>"


async def test_wrap_server_tls(reactor: Any, tmp_path: Path) -> None:
    from tests.internet.test_ssl import OPENSSL, Certs

    if OPENSSL is None:
        pytest.skip("needs the openssl command")
    certs = Certs(tmp_path)
    options = ssl.CertificateOptions(privateKey=certs.server.privateKey, certificate=certs.server)

    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    tls = endpoints.wrapServerTLS(options, endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1"))
    port = await wait(tls.listen(Factory.forProtocol(Echo)))
    context = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(
            "127.0.0.1", port.getHost().port, ssl=context, server_hostname="localhost"
        ),
        TIMEOUT,
    )
    writer.write(b"secret")
    assert await asyncio.wait_for(reader.readexactly(6), TIMEOUT) == b"secret"
    writer.close()
    await wait(port.stopListening())


# -- HostnameEndpoint: reactors without a name resolver, odd resolutions, NFC; wrapping -----------


class _NoNameReactor:
    """A reactor without ``nameResolver`` (no ``IReactorPluggableNameResolver``)."""

    def __init__(self) -> None:
        from twistio.internet.task import Clock

        self._clock = Clock()
        self.callLater = self._clock.callLater
        self.tcpClients: list[tuple[Any, ...]] = []

    def connectTCP(self, host: str, port: int, factory: Any, timeout: float = 30, bindAddress: Any = None) -> Any:
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        from twistio.internet.address import IPv4Address
        from twistio.internet.testing import _FakeConnector

        return _FakeConnector(IPv4Address("TCP", host, port))


def test_hostname_endpoint_without_name_resolver_warns_and_looks_up_in_a_thread() -> None:
    reactor = _NoNameReactor()
    with pytest.warns(DeprecationWarning, match="does not provide IReactorPluggableNameResolver"):
        ep = endpoints.HostnameEndpoint(reactor, "example.com", 80)
    looked: list[tuple[Any, ...]] = []

    def in_thread(f: Any, *args: Any) -> Deferred[Any]:
        looked.append(args)
        return Deferred.fromCoroutine(_value(f(*args)))

    ep._deferToThread = in_thread  # type: ignore[method-assign]
    ep._getaddrinfo = lambda *a: [  # type: ignore[method-assign]
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 80))
    ]
    ep.connect(Factory.forProtocol(Protocol))
    assert looked == [("example.com", 80, 0, socket.SOCK_STREAM)]
    assert reactor.tcpClients[0][:2] == ("192.0.2.1", 80)


async def _value(v: Any) -> Any:
    return v


def test_hostname_endpoint_fallback_resolution_runs_getaddrinfo() -> None:
    ep = endpoints.HostnameEndpoint(MemoryReactorClock(), "ignored", 0)
    ep._deferToThread = lambda f, *a: Deferred.fromCoroutine(_value(f(*a)))  # type: ignore[method-assign]
    got: list[Any] = []
    ep._fallbackNameResolution("192.0.2.7", 1).addCallback(got.append)
    [(family, socktype, _, _, sockaddr)] = got[0]
    assert (family, socktype, sockaddr) == (socket.AF_INET, socket.SOCK_STREAM, ("192.0.2.7", 1))


def test_hostname_endpoint_normalises_text_to_nfc() -> None:
    ep = endpoints.HostnameEndpoint(MemoryReactorClock(), "bu\u0308cher.example", 80)
    assert ep._hostText == "b\u00fccher.example"
    assert ep._hostBytes == b"xn--bcher-kva.example"


def test_hostname_endpoint_skips_addresses_it_cannot_connect_to() -> None:
    from twistio.internet.address import IPv4Address, UNIXAddress

    reactor = MemoryReactorClock()

    class Odd:
        def resolveHostName(self, receiver: Any, name: str, port: int = 0, *a: Any) -> None:
            receiver.resolutionBegan(None)
            receiver.addressResolved(UNIXAddress(b"/nowhere"))
            receiver.addressResolved(object())
            receiver.addressResolved(IPv4Address("TCP", "192.0.2.3", port))
            receiver.resolutionComplete()

    reactor.installNameResolver(Odd())
    endpoints.HostnameEndpoint(reactor, "example.com", 80).connect(Factory.forProtocol(Protocol))
    assert [c[:2] for c in reactor.tcpClients] == [("192.0.2.3", 80)]


def test_wrapper_endpoint_fires_with_the_wrapped_protocol() -> None:
    from twistio.protocols import policies

    reactor = MemoryReactorClock()
    inner = endpoints.TCP4ClientEndpoint(reactor, "192.0.2.1", 80)
    wrapper = endpoints._WrapperEndpoint(inner, policies.WrappingFactory)
    d = wrapper.connect(Factory.forProtocol(Protocol))
    factory = reactor.tcpClients[0][2]
    built = factory.buildProtocol(None)
    from twistio.internet.testing import StringTransport

    built.makeConnection(StringTransport())
    got: list[Any] = []
    d.addCallback(got.append)
    assert type(got[0]) is Protocol
    assert isinstance(got[0].transport, policies.ProtocolWrapper)
