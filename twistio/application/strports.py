"""``service(description, factory)``: a service listening on a strports description."""

from __future__ import annotations

from typing import Any

from twistio.application.internet import StreamServerEndpointService, _maybeGlobalReactor
from twistio.internet import endpoints

__all__ = ["service"]


def service(description: str, factory: Any, reactor: Any = None) -> StreamServerEndpointService:
    """A service listening on ``description`` (``"tcp:8080"``, ``"unix:/path"``, ``"ssl:..."``).

    ``ValueError`` at once for a malformed description; a listening error (port in use) is
    raised from ``startService``.
    """
    svc = StreamServerEndpointService(
        endpoints.serverFromString(_maybeGlobalReactor(reactor), description), factory
    )
    svc._raiseSynchronously = True
    return svc
