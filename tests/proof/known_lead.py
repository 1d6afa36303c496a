"""Understood failures in the lead's modules under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

KNOWN: dict[str, tuple[str, str]] = {
    "twisted.names.test.test_names.BindAuthorityTests.test_invalidDirectives": (
        "difference",
        "twistio's BindAuthority reads $INCLUDE (Twisted's raises NotImplementedError): "
        "docs/differences.md, DNS",
    ),
    "twisted.test.test_policies.LoggingFactoryTests.test_thingsGetLogged": (
        "difference",
        "TrafficLoggingProtocol closes its log file when the connection is lost (Twisted's "
        "leaves it open); the test reads the file after: docs/differences.md, policies",
    ),
    "twisted.test.test_policies.ThrottlingTests.test_limit": (
        "bug",
        "timing-dependent (Twisted marks it flaky, ticket 10012): the third client's "
        "connections are still open when the test ends",
    ),
    "twisted.application.test.test_internet.ClientServiceTests.test_clientConnected": (
        "private",
        "reads the private _protocol of Twisted's _RestartableProtocolProxy: twistio's "
        "ClientService hooks the application's protocol in place (no proxy object between "
        "the transport and the protocol)",
    ),
}
