"""Understood failures of twistio's TLS under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

_DIFF = "difference"
_PRIVATE = "private"
_BUG = "bug"

_SV = "twisted.test.test_sslverify"
_PYOPENSSL_CONTEXT = (
    _PRIVATE,
    "setUp patches _sslverify._ChooseDiffieHellmanEllipticCurve and the tests inspect the "
    "pyOpenSSL Context that CertificateOptions configures; twistio's CertificateOptions "
    "builds an ssl.SSLContext (docs/differences.md, 'TLS is the stdlib ssl module')",
)

KNOWN: dict[str, tuple[str, str]] = {
    f"{_SV}.OpenSSLOptionsTests.": _PYOPENSSL_CONTEXT,
    f"{_SV}.ChooseDiffieHellmanEllipticCurveTests.": _PYOPENSSL_CONTEXT,
    **{
        f"{_SV}.TrustRootTests.{name}": _PYOPENSSL_CONTEXT
        for name in (
            "test_caCertsPlatformDefaults",
            "test_trustRootPlatformRejectsUntrustedCA",
            "test_trustRootSpecificCertificate",
        )
    },
    f"{_SV}.ServiceIdentityTests.": (
        _BUG,
        "CertificateOptions(contextForServerName=...), a server's context chosen by SNI, is "
        "not implemented (the stdlib's sni_callback could carry it)",
    ),
    "twisted.protocols.test.test_tls.TLSMemoryBIOTests.test_handshakeFailure": (
        _DIFF,
        "the server side uses twistio's CertificateOptions (the standard library's ssl), so "
        "its handshake failure is ssl.SSLError; the test traps pyOpenSSL's Error "
        "(docs/differences.md, 'TLS as a protocol')",
    ),
}
