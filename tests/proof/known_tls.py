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

_ITLS = "twisted.internet.test.test_tls"
_REACTORS = ("AsyncioSelector", "EPoll", "Poll", "Select", "ThreadedSelect")

KNOWN: dict[str, tuple[str, str]] = {
    **{
        f"{_ITLS}.AbortSSLConnectionTests_{r}ReactorTests.test_dataReceivedThrows": (
            _BUG,
            "an exception from dataReceived under listenSSL/connectSSL's TLS transport is not "
            "logged and made the connectionLost reason as TCP's is (not analysed further)",
        )
        for r in _REACTORS
    },
    **{
        f"{_ITLS}.TLSPortTestsBuilder_{r}ReactorTests.test_closePeerOnEMFILE": (
            _BUG,
            "a TLS port out of file descriptors does not close the waiting peer as the TCP "
            "port does (not analysed further)",
        )
        for r in _REACTORS
    },
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
    **{
        f"{_SV}.ServiceIdentityTests.{name}": (
            _DIFF,
            "a failed verification or handshake is the standard library's ssl.SSLError "
            "(SSLCertVerificationError), where the test expects pyOpenSSL's Error, "
            "service_identity's VerificationError or ConnectionLost (docs/differences.md, "
            "'TLS is the stdlib ssl module')",
        )
        for name in (
            "test_clientPresentsBadCertificate",
            "test_invalidHostname",
            "test_realCAsBetterNotSignOurBogusTestCerts",
            "test_sniCallbackError",
            "test_validHostnameInvalidCertificate",
        )
    },
    f"{_SV}.ServiceIdentityTests.test_noSNICallback": (
        _BUG,
        "optionsForClientTLS(sendServerName=False) is not implemented: the standard "
        "library sends SNI with the name it checks",
    ),
    "twisted.protocols.test.test_tls.TLSMemoryBIOTests.test_handshakeFailure": (
        _DIFF,
        "the server side uses twistio's CertificateOptions (the standard library's ssl), so "
        "its handshake failure is ssl.SSLError; the test traps pyOpenSSL's Error "
        "(docs/differences.md, 'TLS as a protocol')",
    ),
}
