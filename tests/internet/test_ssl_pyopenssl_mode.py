"""twistio's TLS options under ``pyopenssl_mode`` (code written for Twisted: the alias, with
pyOpenSSL installed; ``TWISTIO_TLS`` decides instead when set): ``getContext()`` gives a
pyOpenSSL ``Context`` configured as the options say, and the connections they make are
``TLSMemoryBIOProtocol``s on pyOpenSSL, as in Twisted, interoperating with the standard
library's TLS."""

from __future__ import annotations

import asyncio
import ssl as stdlib_ssl
from typing import Any

import pytest

from tests.internet.test_ssl import OPENSSL, Certs, Client, Server, run
from tests.internet.test_ssl_pyopenssl import HandshakingClient
from twistio.internet import _sslverify, ssl
from twistio.protocols.tls import TLSMemoryBIOProtocol

SSL = pytest.importorskip("OpenSSL.SSL")
crypto = pytest.importorskip("OpenSSL.crypto")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("tls-pyopenssl-mode"))


@pytest.fixture
def pyopenssl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWISTIO_TLS", "pyopenssl")


def test_the_mode_follows_the_alias_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio import compat

    monkeypatch.delenv("TWISTIO_TLS", raising=False)
    assert not compat.installed()
    assert not _sslverify.pyopenssl_mode()
    monkeypatch.setattr(compat, "installed", lambda: True)
    assert _sslverify.pyopenssl_mode()
    monkeypatch.setenv("TWISTIO_TLS", "stdlib")
    assert not _sslverify.pyopenssl_mode()
    monkeypatch.setenv("TWISTIO_TLS", "pyopenssl")
    monkeypatch.setattr(compat, "installed", lambda: False)
    assert _sslverify.pyopenssl_mode()


def test_options_give_a_configured_pyopenssl_context(pyopenssl: None, certs: Certs) -> None:
    options = ssl.CertificateOptions(
        privateKey=certs.server.privateKey.original,
        certificate=certs.server.original,
        verify=True,
        caCerts=[certs.ca.original],
        requireCertificate=False,
        acceptableProtocols=[b"h2", b"http/1.1"],
    )
    ctx = options.getContext()
    assert isinstance(ctx, SSL.Context)
    assert options.getContext() is ctx  # made once
    assert ctx.get_verify_mode() == SSL.VERIFY_PEER | SSL.VERIFY_CLIENT_ONCE
    assert ctx.set_options(0) & SSL.OP_NO_TICKET
    assert ctx.set_options(0) & SSL.OP_NO_COMPRESSION
    required = ssl.CertificateOptions(verify=True, caCerts=[certs.ca])
    assert required.getContext().get_verify_mode() & SSL.VERIFY_FAIL_IF_NO_PEER_CERT
    assert ssl.CertificateOptions().getContext().get_verify_mode() == SSL.VERIFY_NONE
    client = ssl.optionsForClientTLS("localhost", trustRoot=certs.ca)
    assert isinstance(client.getContext(), SSL.Context)


def test_stdlib_contexts_without_the_mode(monkeypatch: pytest.MonkeyPatch, certs: Certs) -> None:
    monkeypatch.setenv("TWISTIO_TLS", "stdlib")
    assert isinstance(certs.server.options().getContext(), stdlib_ssl.SSLContext)
    client = ssl.optionsForClientTLS("localhost", trustRoot=certs.ca)
    assert isinstance(client.getContext(), stdlib_ssl.SSLContext)


def test_connections_run_on_pyopenssl_with_channel_binding(
    pyopenssl: None, loop_factory: Any, reactor: Any, certs: Certs
) -> None:
    async def body() -> None:
        factory = Server()
        server_options = ssl.CertificateOptions(
            privateKey=certs.server.privateKey,
            certificate=certs.server,
            verify=True,
            caCerts=[certs.ca],
            requireCertificate=False,
            raiseMinimumTo=ssl.TLSVersion.TLSv1_3,
        )
        port = reactor.listenSSL(0, factory, server_options, interface="127.0.0.1")
        client = HandshakingClient()
        options = ssl.optionsForClientTLS("localhost", trustRoot=certs.ca,
                                          clientCertificate=certs.client)
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        proto = await client.connected
        await proto.handshake
        transport = proto.transport
        assert isinstance(transport, TLSMemoryBIOProtocol)
        handle = transport.getHandle()
        assert isinstance(handle, SSL.Connection)
        assert handle.get_protocol_version_name() == "TLSv1.3"
        assert transport.getPeerCertificate().to_cryptography() == certs.server.original
        transport.write(b"ping")
        assert await proto.until(b"ping") == b"ping"
        server = await factory.built
        server_handle = server.transport.getHandle()
        assert isinstance(server_handle, SSL.Connection)
        # The server saw the client's certificate; both ends agree on the Finished
        # messages (tls-unique).
        peer = server.transport.getPeerCertificate()
        assert peer.to_cryptography() == certs.client.original
        assert handle.get_finished() == server_handle.get_peer_finished()
        transport.loseConnection()
        await proto.lost
        await port.stopListening()

    run(loop_factory, body)


def test_a_name_mismatch_fails_the_connection(
    pyopenssl: None, loop_factory: Any, reactor: Any, certs: Certs
) -> None:
    async def body() -> None:
        port = reactor.listenSSL(0, Server(), certs.server.options(), interface="127.0.0.1")
        client = Client()
        options = ssl.optionsForClientTLS("wrong.example", trustRoot=certs.ca)
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        proto = await client.connected
        (reason,) = await proto.lost
        assert "wrong.example" in str(reason.value)
        await port.stopListening()

    run(loop_factory, body)


def test_an_untrusted_server_fails_the_connection(
    pyopenssl: None, loop_factory: Any, reactor: Any, certs: Certs
) -> None:
    async def body() -> None:
        port = reactor.listenSSL(0, Server(), certs.server.options(), interface="127.0.0.1")
        client = Client()
        options = ssl.optionsForClientTLS("localhost", trustRoot=certs.client)
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        proto = await client.connected
        (reason,) = await proto.lost
        assert reason.check(SSL.Error)
        await port.stopListening()

    run(loop_factory, body)


def test_python_client_against_a_server_on_pyopenssl(
    pyopenssl: None, loop_factory: Any, reactor: Any, certs: Certs
) -> None:
    async def body() -> None:
        factory = Server()
        port = reactor.listenSSL(0, factory, certs.server.options(), interface="127.0.0.1")
        ctx = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port.getHost().port, ssl=ctx, server_hostname="localhost"
        )
        writer.write(b"hello")
        assert await reader.readexactly(5) == b"hello"
        server = await factory.built
        assert isinstance(server.transport.getHandle(), SSL.Connection)
        writer.close()
        await port.stopListening()

    run(loop_factory, body)


def test_versions_mode_and_sessions_as_twisted_configures_them(
    pyopenssl: None, certs: Certs
) -> None:
    made: list[Any] = []

    class Recording(SSL.Context):  # type: ignore[misc]
        def __init__(self, method: int) -> None:
            self.modes: list[int] = []
            super().__init__(method)
            made.append(self)
            self.modes.clear()  # what pyOpenSSL sets itself

        def set_mode(self, mode: int) -> int:
            self.modes.append(mode)
            return int(super().set_mode(mode))

    options = ssl.CertificateOptions(
        raiseMinimumTo=ssl.TLSVersion.TLSv1_2, lowerMaximumSecurityTo=ssl.TLSVersion.TLSv1_2
    )
    options._contextFactory = Recording
    ctx = options.getContext()
    assert made == [ctx]
    flags = ctx.set_options(0)
    for off in (SSL.OP_NO_SSLv3, SSL.OP_NO_TLSv1, SSL.OP_NO_TLSv1_1,
                options._OP_NO_TLSv1_3):
        assert flags & off
    assert not flags & SSL.OP_NO_TLSv1_2
    assert ctx.modes == [SSL.MODE_RELEASE_BUFFERS]
    assert ctx.get_session_cache_mode() == SSL.SESS_CACHE_OFF
    sessions = ssl.CertificateOptions(enableSessions=True).getContext()
    assert sessions.get_session_cache_mode() == SSL.SESS_CACHE_SERVER


class _Lib:
    def __init__(self) -> None:
        self.auto: list[Any] = []

    def SSL_CTX_set_ecdh_auto(self, ctx: Any, on: bool) -> None:
        self.auto.append((ctx, on))


class _Crypto:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_elliptic_curve(self, name: str) -> str:
        self.asked.append(name)
        return "curve"


class _Ctx:
    _context = "raw"
    curve: Any = None

    def set_tmp_ecdh(self, curve: Any) -> None:
        self.curve = curve


@pytest.mark.parametrize(
    ("version", "auto", "asked"),
    [(0x30000000, [], []), (0x1010007F, [], []), (0x100020EF, [("raw", True)], []),
     (0x1000114F, [], ["prime256v1"])],
)
def test_ecdh_curve_by_openssl_version(version: int, auto: list[Any], asked: list[str]) -> None:
    from twistio.internet import _sslverify

    lib, crypto_, ctx = _Lib(), _Crypto(), _Ctx()
    _sslverify._ChooseDiffieHellmanEllipticCurve(version, lib, crypto_).configureECDHCurve(ctx)
    assert lib.auto == auto
    assert crypto_.asked == asked
    assert ctx.curve == ("curve" if asked else None)


def test_protocol_negotiation_names_are_deprecated_as_in_twisted_26_10() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flags = ssl.ProtocolNegotiationSupport
        supported = ssl.protocolNegotiationMechanisms()
    assert [w.category for w in caught] == [DeprecationWarning, DeprecationWarning]
    assert "There is no need to check for support" in str(caught[0].message)
    assert flags.ALPN in supported
    assert flags.NPN not in supported
