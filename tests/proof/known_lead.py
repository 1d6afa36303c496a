"""Understood failures in the lead's modules under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

KNOWN: dict[str, tuple[str, str]] = {
    "twisted.application.test.test_internet.ClientServiceTests.test_clientConnected": (
        "private",
        "reads the private _protocol of Twisted's _RestartableProtocolProxy: twistio's "
        "ClientService hooks the application's protocol in place (no proxy object between "
        "the transport and the protocol)",
    ),
}
