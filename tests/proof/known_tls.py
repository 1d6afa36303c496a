"""Understood failures of twistio's TLS under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

_DIFF = "difference"
_PRIVATE = "private"
_BUG = "bug"

_SV = "twisted.test.test_sslverify"


KNOWN: dict[str, tuple[str, str]] = {
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
}
