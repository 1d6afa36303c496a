"""Understood failures of twistio's TLS under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

_DIFF = "difference"

KNOWN: dict[str, tuple[str, str]] = {
    "twisted.protocols.test.test_tls.TLSMemoryBIOTests.test_handshakeFailure": (
        _DIFF,
        "the server side uses twistio's CertificateOptions (the standard library's ssl), so "
        "its handshake failure is ssl.SSLError; the test traps pyOpenSSL's Error "
        "(docs/differences.md, 'TLS as a protocol')",
    ),
}
