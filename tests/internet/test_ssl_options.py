"""internet.ssl's option, name and key classes, compared with Twisted's where they can be."""

from __future__ import annotations

import asyncio
import socket
import ssl as stdlib_ssl
from typing import Any

import pytest

from tests.internet.test_ssl import OPENSSL, Certs, Client, Server
from twistio.internet import defer, error, ssl

needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("tls-options"))


def _twisted_ssl() -> Any:
    pytest.importorskip("OpenSSL")
    from twisted.internet import ssl as tssl

    return tssl


@pytest.mark.parametrize("kw", [
    {"raiseMinimumTo": "TLSv1_3", "insecurelyLowerMinimumTo": "TLSv1_0"},
    {"lowerMaximumSecurityTo": "TLSv1_1", "raiseMinimumTo": "TLSv1_2"},
    {"insecurelyLowerMinimumTo": "TLSv1_3", "lowerMaximumSecurityTo": "TLSv1_2"},
    {"verify": True},
    {"privateKey": "x"},
    {"raiseMinimumTo": "TLSv1_0"},
    {"insecurelyLowerMinimumTo": "TLSv1_1"},
])
def test_certificate_options_errors_as_twisted(kw: dict[str, Any]) -> None:
    tssl = _twisted_ssl()

    def outcome(mod: Any) -> str:
        args = {k: getattr(mod.TLSVersion, v) if k.endswith("To") else v for k, v in kw.items()}
        try:
            mod.CertificateOptions(**args)
        except (TypeError, ValueError) as e:
            return f"{type(e).__name__}: {str(e).replace('twisted.internet._sslverify.OpenSSL', 'X').replace('twistio.internet.ssl.', 'X')}"
        return "ok"

    assert outcome(ssl) == outcome(tssl)


def test_method_and_versions_are_exclusive() -> None:
    with pytest.raises(TypeError, match="mutually exclusive"):
        ssl.CertificateOptions(method=6, raiseMinimumTo=ssl.TLSVersion.TLSv1_3)


def test_tls_version_and_negotiation_constants() -> None:
    tssl = _twisted_ssl()
    assert [c.name for c in ssl.TLSVersion.iterconstants()] == \
        [c.name for c in tssl.TLSVersion.iterconstants()]
    assert repr(ssl.TLSVersion.TLSv1_2) == repr(tssl.TLSVersion.TLSv1_2)
    assert ssl.TLSVersion.lookupByName("TLSv1_3") is ssl.TLSVersion.TLSv1_3
    assert ssl.TLSVersion.TLSv1_0 < ssl.TLSVersion.TLSv1_3
    assert ssl.protocolNegotiationMechanisms().name == "ALPN"
    assert ssl.ContextFactory.isClient == 0 and ssl.ClientContextFactory.isClient == 1
    with pytest.raises(NotImplementedError):
        ssl.ContextFactory().getContext()


def test_distinguished_name_as_twisted() -> None:
    tssl = _twisted_ssl()
    for mod in (ssl, tssl):
        dn = mod.DN(commonName=b"example.com", O=b"Example", localityName=b"Here")
        with pytest.raises(AttributeError):
            dn.foo = 1
        with pytest.raises(AttributeError):
            dn.unknownField  # noqa: B018
    a = ssl.DN(commonName=b"example.com", O=b"Example", localityName=b"Here")
    b = tssl.DN(commonName=b"example.com", O=b"Example", localityName=b"Here")
    assert dict(a) == dict(b)
    assert repr(a) == repr(b)
    assert a.inspect() == b.inspect()
    assert a.CN == a.commonName == b"example.com"


def test_keys_certificates_requests() -> None:
    pytest.importorskip("cryptography")
    tssl = _twisted_ssl()
    key = ssl.KeyPair.generate(size=1024)
    cert = key.selfSignedCert(7, commonName="ca.example")
    assert cert.getSubject() == cert.getIssuer() == {"commonName": b"ca.example"}
    assert cert.serialNumber() == 7
    assert cert.getPublicKey().matches(key)
    # Twisted reads what twistio wrote, and the other way round.
    theirs = tssl.Certificate.loadPEM(cert.dumpPEM())
    assert theirs.serialNumber() == 7
    assert theirs.digest() == cert.digest()
    assert theirs.inspect().splitlines()[:8] == cert.inspect().splitlines()[:8]
    assert tssl.KeyPair.load(key.dump(), 2).inspect().split(":")[0] \
        == key.inspect().split(":")[0]
    assert ssl.PrivateCertificate.loadPEM(cert.dumpPEM()).privateKey.keyHash() == key.keyHash()
    # A request, signed by the CA after the subject check.
    leaf = ssl.KeyPair.generate(size=1024)
    request = leaf.certificateRequest(ssl.DN(commonName=b"leaf.example"))
    assert ssl.CertificateRequest.load(request).getSubject() == {"commonName": b"leaf.example"}
    # As in Twisted: a callback answering at once gives the certificate at once (or raises
    # VerifyError); one answering with a Deferred gives a Deferred.
    signedNow = cert.signCertificateRequest(request, lambda dn: dn.commonName == b"leaf.example", 8)
    assert isinstance(signedNow, bytes)
    issued = leaf.newCertificate(signedNow)
    assert issued.getIssuer() == cert.getSubject() and issued.serialNumber() == 8
    signed: list[bytes] = []
    cert.signCertificateRequest(request, lambda dn: defer.succeed(True), 10) \
        .addCallback(signed.append)
    assert leaf.newCertificate(signed[0]).serialNumber() == 10
    with pytest.raises(ssl.VerifyError):
        cert.signCertificateRequest(request, lambda dn: False, 9)
    refused: list[Any] = []
    cert.signCertificateRequest(request, lambda dn: defer.succeed(False), 9) \
        .addErrback(refused.append)
    assert refused[0].check(ssl.VerifyError)


@needs_openssl
def test_twisted_objects_accepted(certs: Certs) -> None:
    tssl = _twisted_ssl()
    theirs = tssl.PrivateCertificate.loadPEM(
        (certs.root / "server.key").read_bytes() + (certs.root / "server.pem").read_bytes())
    options = ssl.CertificateOptions(privateKey=theirs.privateKey.original,
                                     certificate=theirs.original)
    assert isinstance(options.getContext(), stdlib_ssl.SSLContext)
    assert ssl.Certificate(theirs.original) == certs.server


def _serve(reactor: Any, certs: Certs, **kw: Any) -> Any:
    return reactor.listenSSL(0, Server(), ssl.CertificateOptions(
        privateKey=certs.server.privateKey, certificate=certs.server, **kw),
        interface="127.0.0.1")


@needs_openssl
async def test_version_bounds_meet(reactor: Any, certs: Certs) -> None:
    port = _serve(reactor, certs, lowerMaximumSecurityTo=ssl.TLSVersion.TLSv1_2)
    client = Client()
    options = ssl.optionsForClientTLS(
        "localhost", trustRoot=certs.ca,
        extraCertificateOptions={"raiseMinimumTo": ssl.TLSVersion.TLSv1_3})
    reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
    (reason,) = await asyncio.wait_for(client.failed.asFuture(asyncio.get_running_loop()), 2)
    assert reason.check(error.SSLError)
    client = Client()
    reactor.connectSSL("127.0.0.1", port.getHost().port, client,
                       ssl.optionsForClientTLS("localhost", trustRoot=certs.ca))
    proto = await asyncio.wait_for(client.connected.asFuture(asyncio.get_running_loop()), 2)
    assert proto.transport._transport.get_extra_info("ssl_object").version() == "TLSv1.2"
    server_proto = await asyncio.wait_for(
        port.factory.built.asFuture(asyncio.get_running_loop()), 2)
    assert ssl.Certificate.hostFromTransport(server_proto.transport) == certs.server
    proto.transport.loseConnection()
    await port.stopListening()


def test_options_for_client_tls_rejects_what_it_sets() -> None:
    with pytest.raises(TypeError):
        ssl.optionsForClientTLS("example.com", extraCertificateOptions={"trustRoot": None})
    with pytest.raises(TypeError):
        ssl.optionsForClientTLS(b"example.com")  # type: ignore[arg-type]
    ciphers = ssl.AcceptableCiphers.fromOpenSSLCipherString("ECDHE+AESGCM")
    assert ciphers.selectCiphers(["ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA"]) == \
        ("ECDHE-RSA-AES128-GCM-SHA256",)
    with pytest.raises(ValueError):
        ssl.AcceptableCiphers.fromOpenSSLCipherString("NO-SUCH-CIPHER")
    ssl.optionsForClientTLS("example.com", extraCertificateOptions={"acceptableCiphers": ciphers})


@needs_openssl
async def test_server_handshake_timeout(reactor: Any, certs: Certs) -> None:
    port = reactor.listenSSL(0, Server(), certs.server.options(), interface="127.0.0.1",
                             handshakeTimeout=0.2)
    loop = asyncio.get_running_loop()
    sock = socket.create_connection(("127.0.0.1", port.getHost().port))
    sock.setblocking(False)
    try:
        # A client that never says hello is dropped once the timeout passes.
        data = await asyncio.wait_for(loop.sock_recv(sock, 10), 3)
        assert data == b""
    finally:
        sock.close()
    assert not port.factory.built.called
    await port.stopListening()


@needs_openssl
async def test_client_handshake_timeout(reactor: Any) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = Client()
    try:
        reactor.connectSSL("127.0.0.1", listener.getsockname()[1], client,
                           ssl.ClientContextFactory(), handshakeTimeout=0.2)
        (reason,) = await asyncio.wait_for(client.failed.asFuture(asyncio.get_running_loop()), 3)
        assert reason.check(error.TimeoutError)
    finally:
        listener.close()


@needs_openssl
async def test_half_close_over_listen_ssl(reactor: Any, certs: Certs) -> None:
    from twistio.internet import protocol
    from twistio.internet.defer import Deferred
    from twistio.internet.interfaces import IHalfCloseableProtocol, implementer

    got: Deferred[bytes] = Deferred()

    @implementer(IHalfCloseableProtocol)
    class HalfServer(protocol.Protocol):
        buf = b""

        def dataReceived(self, data: bytes) -> None:
            self.buf += data

        def readConnectionLost(self) -> None:
            self.transport.write(b"got:" + self.buf)
            self.transport.loseConnection()

        def writeConnectionLost(self) -> None:
            pass

    class Asker(protocol.Protocol):
        answer = b""

        def connectionMade(self) -> None:
            self.transport.write(b"question")
            self.transport.loseWriteConnection()

        def dataReceived(self, data: bytes) -> None:
            self.answer += data

        def connectionLost(self, reason: Any) -> None:
            got.callback(self.answer)

    @implementer(IHalfCloseableProtocol)
    class HalfAsker(Asker):
        def readConnectionLost(self) -> None:
            self.transport.loseConnection()

        def writeConnectionLost(self) -> None:
            pass

    port = reactor.listenSSL(0, protocol.Factory.forProtocol(HalfServer),
                             certs.server.options(), interface="127.0.0.1")
    reactor.connectSSL("127.0.0.1", port.getHost().port,
                       protocol.ClientFactory.forProtocol(HalfAsker), ssl.CertificateOptions())
    assert await asyncio.wait_for(got.asFuture(asyncio.get_running_loop()), 2) == b"got:question"
    await port.stopListening()


def test_connections_offer_start_tls(reactor: Any) -> None:
    from twistio.internet._adapter import Connection
    from twistio.internet.interfaces import ISSLTransport, ITLSTransport
    from twistio.protocols.tls import TLSMemoryBIOProtocol

    assert ITLSTransport.implementedBy(Connection)
    assert ISSLTransport.implementedBy(TLSMemoryBIOProtocol)


@needs_openssl
async def test_alpn_on_reactor_connections(reactor: Any, certs: Certs) -> None:
    port = reactor.listenSSL(0, Server(), ssl.CertificateOptions(
        privateKey=certs.server.privateKey, certificate=certs.server,
        acceptableProtocols=[b"h2", b"http/1.1"]), interface="127.0.0.1")
    client = Client()
    reactor.connectSSL("127.0.0.1", port.getHost().port, client, ssl.optionsForClientTLS(
        "localhost", trustRoot=certs.ca, acceptableProtocols=[b"http/1.1"]))
    loop = asyncio.get_running_loop()
    proto = await asyncio.wait_for(client.connected.asFuture(loop), 2)
    server_proto = await asyncio.wait_for(port.factory.built.asFuture(loop), 2)
    assert proto.transport.negotiatedProtocol == b"http/1.1"
    assert server_proto.transport.negotiatedProtocol == b"http/1.1"
    from twistio.internet.interfaces import ISSLTransport

    assert ISSLTransport.providedBy(proto.transport)
    assert ISSLTransport.providedBy(server_proto.transport)
    proto.transport.loseConnection()
    await port.stopListening()
