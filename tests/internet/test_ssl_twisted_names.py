"""Twisted's longer names in internet._sslverify (OpenSSLCipher, OpenSSLAcceptableCiphers,
OpenSSLCertificateAuthorities, OpenSSLCertificateOptions, OpenSSLDiffieHellmanParameters)
and ClientTLSOptions._hostnameIsDnsName, compared with Twisted's where it is installed."""

from __future__ import annotations

import ssl as stdlib_ssl
from typing import Any

import pytest

from tests.internet.test_ssl import OPENSSL, Certs
from twistio.internet import _sslverify, ssl


def _twisted() -> Any:
    pytest.importorskip("OpenSSL")
    from twisted.internet import _sslverify as theirs

    return theirs


@pytest.mark.parametrize("side", ["twistio", "twisted"])
def test_cipher_values(side: str) -> None:
    m = _sslverify if side == "twistio" else _twisted()
    a, b = m.OpenSSLCipher("A"), m.OpenSSLCipher("B")
    assert repr(a) == "OpenSSLCipher(fullName='A')"
    assert a == m.OpenSSLCipher("A") and hash(a) == hash(m.OpenSSLCipher("A"))
    assert a < b
    chosen = m.OpenSSLAcceptableCiphers((a, b))
    assert chosen.selectCiphers([b, m.OpenSSLCipher("C")]) == (b,)
    assert m.OpenSSLAcceptableCiphers(()).selectCiphers([a]) == ()


def test_cipher_string_is_resolved() -> None:
    chosen = ssl.AcceptableCiphers.fromOpenSSLCipherString("ECDHE-RSA-AES128-GCM-SHA256")
    names = {c.fullName for c in chosen._ciphers or ()}
    assert "ECDHE-RSA-AES128-GCM-SHA256" in names
    assert chosen.selectCiphers(
        [_sslverify.OpenSSLCipher("ECDHE-RSA-AES128-GCM-SHA256"), _sslverify.OpenSSLCipher("X")]
    ) == (_sslverify.OpenSSLCipher("ECDHE-RSA-AES128-GCM-SHA256"),)


def test_long_names_are_the_classes() -> None:
    assert _sslverify.OpenSSLCertificateOptions is ssl.CertificateOptions
    assert _sslverify.OpenSSLAcceptableCiphers is ssl.AcceptableCiphers
    assert _sslverify.OpenSSLDiffieHellmanParameters is ssl.DiffieHellmanParameters


@pytest.mark.parametrize(
    ("host", "dns"), [("example.com", True), ("127.0.0.1", False), ("::1", False)]
)
def test_hostname_is_dns_name(host: str, dns: bool) -> None:
    assert ssl.optionsForClientTLS(host)._hostnameIsDnsName is dns


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")
def test_certificate_authorities_from_any_kind_of_certificate(tmp_path: Any) -> None:
    certs = Certs(tmp_path)
    crypto = pytest.importorskip("OpenSSL.crypto")
    as_pyopenssl = crypto.X509.from_cryptography(certs.ca.original)
    for given in (as_pyopenssl, certs.ca.original, certs.ca):
        root = _sslverify.OpenSSLCertificateAuthorities([given])
        context = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_CLIENT)
        root._addCACertsToContext(context)
        assert [c["subject"] for c in context.get_ca_certs()] == [
            ((("commonName", "twistio test CA"),),)
        ]


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")
def test_context_for_server_name_switches_the_server_context(tmp_path: Any) -> None:
    from pathlib import Path

    import twistio
    from twistio.internet import protocol
    from twistio.internet.task import Clock
    from twistio.internet.testing import StringTransport
    from twistio.protocols import tls

    certs = Certs(tmp_path)
    pem = (Path(twistio.__file__).parent / "test" / "server.pem").read_bytes()
    other = ssl.PrivateCertificate.loadPEM(pem)
    names: list[bytes | None] = []

    def choose(name: bytes | None) -> Any:
        names.append(name)
        return other.options().getContext()

    server_options = ssl.CertificateOptions(
        privateKey=certs.server.privateKey,
        certificate=certs.server,
        contextForServerName=choose,
    )
    # The client trusts only the certificate the callback switches to.
    client_options = ssl.optionsForClientTLS("localhost", trustRoot=ssl.Certificate.loadPEM(pem))
    got: list[bytes] = []

    class Sink(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            got.append(data)

    clock = Clock()
    c = tls.TLSMemoryBIOFactory(
        client_options, True, protocol.Factory.forProtocol(protocol.Protocol), clock
    ).buildProtocol(None)
    s = tls.TLSMemoryBIOFactory(
        server_options, False, protocol.Factory.forProtocol(Sink), clock
    ).buildProtocol(None)
    c.makeConnection(StringTransport())
    s.makeConnection(StringTransport())
    c.write(b"switched")
    for _ in range(10):
        clock.advance(0)
        a, b = c.transport.value(), s.transport.value()
        c.transport.clear()
        s.transport.clear()
        if a:
            s.dataReceived(a)
        if b:
            c.dataReceived(b)
    assert names == [b"localhost"]
    assert b"".join(got) == b"switched"
