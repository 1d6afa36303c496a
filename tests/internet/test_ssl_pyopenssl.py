"""listenSSL, connectSSL, the SSL endpoints and startTLS with context factories driving
pyOpenSSL (code written for Twisted): such a connection is, as in Twisted, a
``TLSMemoryBIOProtocol`` over plain TCP, whose ``getHandle()`` is pyOpenSSL's ``Connection``
and whose ``getPeerCertificate()`` is pyOpenSSL's ``X509``. Contexts of the standard library
keep twistio's own TLS path. The other side is twistio on either engine, or Python's ``ssl``.
"""

from __future__ import annotations

import asyncio
import ssl as stdlib_ssl
from typing import Any

import pytest

from tests.internet.test_ssl import OPENSSL, Certs, Client, Recorder, Server, run
from twistio.internet import endpoints, interfaces, ssl
from twistio.internet.defer import Deferred
from twistio.protocols.tls import TLSMemoryBIOProtocol

SSL = pytest.importorskip("OpenSSL.SSL")
crypto = pytest.importorskip("OpenSSL.crypto")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("tls-pyopenssl"))


@interfaces.implementer(interfaces.IOpenSSLContextFactory)
class PyServerContext:
    """A server context factory as Twisted programs write them: pyOpenSSL underneath."""

    def __init__(self, certs: Certs) -> None:
        self.certs = certs

    def getContext(self) -> Any:
        ctx = SSL.Context(SSL.TLS_METHOD)
        ctx.use_certificate_file(self.certs.path("server.pem"))
        ctx.use_privatekey_file(self.certs.path("server.key"))
        return ctx


@interfaces.implementer(interfaces.IOpenSSLContextFactory)
class PyClientContext:
    """A client context factory verifying the server against the test CA."""

    def __init__(self, certs: Certs) -> None:
        self.certs = certs

    def getContext(self) -> Any:
        ctx = SSL.Context(SSL.TLS_METHOD)
        ctx.load_verify_locations(self.certs.path("ca.pem"))
        ctx.set_verify(SSL.VERIFY_PEER, lambda conn, cert, errno, depth, ok: bool(ok))
        return ctx


@interfaces.implementer(interfaces.IHandshakeListener)
class Handshaking(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.handshake: Deferred[None] = Deferred()
        self.order: list[str] = []

    def connectionMade(self) -> None:
        self.order.append("made")
        super().connectionMade()

    def handshakeCompleted(self) -> None:
        self.order.append("handshake")
        self.handshake.callback(None)


class HandshakingClient(Client):
    protocol = Handshaking


def test_listen_ssl_with_a_pyopenssl_context(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        factory = Server()
        port = reactor.listenSSL(0, factory, PyServerContext(certs), interface="127.0.0.1")
        assert port.factory is factory
        client = Client()
        options = ssl.optionsForClientTLS("localhost", trustRoot=certs.ca)
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        proto = await client.connected
        proto.transport.write(b"ping")
        assert await proto.until(b"ping") == b"ping"
        server = await factory.built
        transport = server.transport
        assert isinstance(transport, TLSMemoryBIOProtocol)
        assert isinstance(transport.getHandle(), SSL.Connection)
        assert interfaces.ISSLTransport.providedBy(transport)
        assert transport.getPeerCertificate() is None  # the client presented none
        assert proto.transport.getPeerCertificate() == ssl.Certificate(certs.server.der)
        proto.transport.loseConnection()
        await proto.lost
        await server.lost
        await port.stopListening()

    run(loop_factory, body)


def test_connect_ssl_with_a_pyopenssl_context(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        port = reactor.listenSSL(0, Server(), certs.server.options(), interface="127.0.0.1")
        client = HandshakingClient()
        connector = reactor.connectSSL(
            "127.0.0.1", port.getHost().port, client, PyClientContext(certs)
        )
        proto = await client.connected
        # Twisted's order: connectionMade with the TCP connection, then the handshake.
        assert proto.order == ["made"]
        await proto.handshake
        assert proto.order == ["made", "handshake"]
        assert connector.factory is client
        transport = proto.transport
        assert isinstance(transport, TLSMemoryBIOProtocol)
        peer = transport.getPeerCertificate()
        assert isinstance(peer, crypto.X509)
        assert peer.to_cryptography() == ssl.Certificate(certs.server.der).original
        transport.write(b"ping")
        assert await proto.until(b"ping") == b"ping"
        transport.loseConnection()
        await proto.lost
        await port.stopListening()

    run(loop_factory, body)


def test_pyopenssl_verification_failure_is_connection_lost(
    loop_factory: Any, reactor: Any, certs: Certs
) -> None:
    @interfaces.implementer(interfaces.IOpenSSLContextFactory)
    class TrustingNobody:
        def getContext(self) -> Any:
            ctx = SSL.Context(SSL.TLS_METHOD)
            ctx.set_verify(SSL.VERIFY_PEER, lambda conn, cert, errno, depth, ok: bool(ok))
            return ctx

    async def body() -> None:
        port = reactor.listenSSL(0, Server(), certs.server.options(), interface="127.0.0.1")
        client = Client()
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, TrustingNobody())
        proto = await client.connected  # connected over TCP, as in Twisted
        (reason,) = await proto.lost
        assert reason.check(SSL.Error)
        await port.stopListening()

    run(loop_factory, body)


def test_ssl_endpoints_with_pyopenssl_contexts(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        factory = Server()
        server_endpoint = endpoints.SSL4ServerEndpoint(
            reactor, 0, PyServerContext(certs), interface="127.0.0.1"
        )
        port = await server_endpoint.listen(factory)
        client_endpoint = endpoints.SSL4ClientEndpoint(
            reactor, "127.0.0.1", port.getHost().port, PyClientContext(certs)
        )
        proto = await client_endpoint.connect(HandshakingClient())
        await proto.handshake
        assert isinstance(proto.transport.getHandle(), SSL.Connection)
        proto.transport.write(b"over pyOpenSSL both ways")
        assert await proto.until(b"ways")
        server = await factory.built
        assert isinstance(server.transport.getHandle(), SSL.Connection)
        proto.transport.loseConnection()
        await proto.lost
        await port.stopListening()

    run(loop_factory, body)


def test_python_client_against_a_pyopenssl_server(
    loop_factory: Any, reactor: Any, certs: Certs
) -> None:
    async def body() -> None:
        port = reactor.listenSSL(0, Server(), PyServerContext(certs), interface="127.0.0.1")
        ctx = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port.getHost().port, ssl=ctx, server_hostname="localhost"
        )
        writer.write(b"hello")
        assert await reader.readexactly(5) == b"hello"
        writer.close()
        await port.stopListening()

    run(loop_factory, body)


def test_stdlib_contexts_keep_twistios_path(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        factory = Server()
        port = reactor.listenSSL(0, factory, certs.server.options(), interface="127.0.0.1")
        client = Client()
        options = ssl.optionsForClientTLS("localhost", trustRoot=certs.ca)
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        proto = await client.connected
        assert not isinstance(proto.transport, TLSMemoryBIOProtocol)
        server = await factory.built
        assert not isinstance(server.transport, TLSMemoryBIOProtocol)
        proto.transport.loseConnection()
        await proto.lost
        await port.stopListening()

    run(loop_factory, body)


class StartTLSLine(Recorder):
    """Plain text until ``STARTTLS``; then TLS with ``options`` and an echo of each line."""

    options: Any = None

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if self.data.endswith(b"STARTTLS\n"):
            self.transport.write(b"GO\n")
            self.transport.startTLS(self.options)
            self.data = b""
        elif self.data.endswith(b"\n"):
            self.transport.write(b"echo:" + self.data)
            self.data = b""


@pytest.mark.parametrize("client_engine", ["pyopenssl", "stdlib"])
def test_start_tls_with_a_pyopenssl_context(
    loop_factory: Any, reactor: Any, certs: Certs, client_engine: str
) -> None:
    async def body() -> None:
        StartTLSLine.options = PyServerContext(certs)
        factory = Server(StartTLSLine)
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        client = Client()
        reactor.connectTCP("127.0.0.1", port.getHost().port, client)
        proto = await client.connected
        transport = proto.transport
        transport.write(b"STARTTLS\n")
        await proto.until(b"GO\n")
        if client_engine == "pyopenssl":
            transport.startTLS(PyClientContext(certs))
        else:
            transport.startTLS(ssl.optionsForClientTLS("localhost", trustRoot=certs.ca))
        transport.write(b"secret\n")  # encrypted
        await proto.until(b"echo:secret\n")
        assert proto.transport is transport  # the same transport, now speaking TLS
        assert interfaces.ISSLTransport.providedBy(transport)
        peer = transport.getPeerCertificate()
        if client_engine == "pyopenssl":
            assert peer.to_cryptography() == ssl.Certificate(certs.server.der).original
        else:
            assert peer == ssl.Certificate(certs.server.der)
        server = await factory.built
        assert interfaces.ISSLTransport.providedBy(server.transport)
        assert server.transport.getPeerCertificate() is None
        transport.loseConnection()
        await proto.lost
        await server.lost
        await port.stopListening()

    run(loop_factory, body)
