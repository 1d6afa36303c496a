"""Understood failures of Twisted's web client, WSGI and web tap tests under the alias (see
``classify`` in __main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

_DIFF = "difference"
_PRIVATE = "private"


def _each(prefix: str, names: str, why: tuple[str, str]) -> dict[str, tuple[str, str]]:
    return {f"{prefix}.{n}": why for n in names.split()}


_WSGI = "twisted.web.test.test_wsgi"
_FRAMES = (
    _DIFF,
    "the channel frames a response (docs/differences.md, 'The channel contract'): a Request "
    "on a bare DummyChannel writes no Transfer-Encoding: chunked header",
)

_AGENT = "twisted.web.test.test_agent"
_PYOPENSSL = (
    _DIFF,
    "the test drives pyOpenSSL connection objects (get_context(), a custom "
    "IOpenSSLClientConnectionCreator); twistio's TLS connections are the standard library's "
    "SSLObject (docs/differences.md, 'TLS is the stdlib ssl module')",
)
_TLS_CLOCK = (
    _PRIVATE,
    "patches protocols.tls._get_default_clock (the clock TLSMemoryBIOProtocol schedules on), "
    "which twistio's protocols/tls.py does not have; that module belongs to the TLS work, not "
    "to this area (the plain-HTTP variants would run once it exists)",
)

KNOWN: dict[str, tuple[str, str]] = {
    **_each(
        f"{_AGENT}.AgentHTTPSTests",
        "test_alternateTrustRoot test_connectHTTPSCustomConnectionCreator",
        _PYOPENSSL,
    ),
    f"{_AGENT}.HostnameCachingHTTPSPolicyTests.test_cacheIsUsed": _PYOPENSSL,
    **_each(
        f"{_AGENT}.AgentHTTPSTests",
        "test_integrationTestIPv4 test_integrationTestIPv4Address test_integrationTestIPv6 "
        "test_integrationTestIPv6Address",
        _TLS_CLOCK,
    ),
    **_each(
        f"{_AGENT}.AgentTests",
        "test_integrationTestIPv4 test_integrationTestIPv4Address test_integrationTestIPv6 "
        "test_integrationTestIPv6Address",
        _TLS_CLOCK,
    ),
    **_each(
        f"{_WSGI}.StartResponseTests",
        "test_headers test_applicationProvidedContentType test_applicationProvidedServerAndDate",
        _FRAMES,
    ),
    f"{_WSGI}.EnvironTests.test_headers": (
        _DIFF,
        "a request header value with CR or LF (an obsolete line fold) raises ValueError in "
        "Headers; Twisted keeps it (docs/differences.md, twisted.web)",
    ),
}
