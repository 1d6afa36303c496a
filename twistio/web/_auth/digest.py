"""RFC 7616 ``Digest`` HTTP authentication: ``DigestCredentialFactory``, the HTTP face of
``twistio.cred.credentials.DigestCredentialFactory``."""

from __future__ import annotations

from twistio.cred import credentials as _credentials
from twistio.cred import error
from twistio.internet.interfaces import IReactorTime, implementer
from twistio.web.iweb import ICredentialFactory, IRequest

__all__ = ["DigestCredentialFactory"]


def _client_host(request: IRequest) -> str | None:
    addr = request.getClientAddress()
    host: str | None = getattr(addr, "host", None)
    return host


@implementer(ICredentialFactory)
class DigestCredentialFactory:
    """RFC 7616 ``Digest`` authentication (see ``twistio.cred.credentials.DigestCredentialFactory``
    for algorithms, nonce expiry and replay rules; ``clock`` is twistio-only)."""

    scheme = b"digest"

    def __init__(
        self,
        algorithm: bytes | str,
        authenticationRealm: bytes | str,
        clock: IReactorTime | None = None,
    ) -> None:
        self.digest = _credentials.DigestCredentialFactory(algorithm, authenticationRealm, clock)

    def getChallenge(self, request: IRequest) -> dict[str, bytes]:
        """A fresh nonce and an opaque bound to the client's address."""
        return self.digest.getChallenge(_client_host(request))

    def decode(self, response: bytes, request: IRequest) -> _credentials.ICredentials:
        """``DigestedCredentials`` for this request's method and client.

        Unlike Twisted, the response's ``uri`` must be this request's target (RFC 7616
        3.4.6), so a captured response cannot authorise a different resource.
        """
        creds = self.digest.decode(response, request.method, _client_host(request))
        if isinstance(creds, _credentials.DigestedCredentials) and creds.fields.get(b"uri") != request.uri:
            raise error.LoginFailed("Invalid response, uri does not match the request")
        return creds
