"""RFC 7617 ``Basic`` HTTP authentication: ``BasicCredentialFactory``."""

from __future__ import annotations

import binascii

from twistio.cred import error
from twistio.cred.credentials import UsernamePassword
from twistio.internet.interfaces import implementer
from twistio.web.iweb import ICredentialFactory, IRequest

__all__ = ["BasicCredentialFactory"]


@implementer(ICredentialFactory)
class BasicCredentialFactory:
    """RFC 7617 ``Basic`` authentication: gives ``UsernamePassword`` credentials."""

    scheme = b"basic"

    def __init__(self, authenticationRealm: bytes | str) -> None:
        self.authenticationRealm = authenticationRealm

    def getChallenge(self, request: IRequest) -> dict[str, bytes | str]:
        """``realm`` only."""
        return {"realm": self.authenticationRealm}

    def decode(self, response: bytes, request: IRequest) -> UsernamePassword:
        """``user:password`` from base64 (lenient about padding, as Twisted is)."""
        response = b" ".join(response.splitlines())
        try:
            creds = binascii.a2b_base64(response + b"===")
        except binascii.Error:
            raise error.LoginFailed("Invalid credentials") from None
        parts = creds.split(b":", 1)
        if len(parts) != 2:
            raise error.LoginFailed("Invalid credentials")
        return UsernamePassword(parts[0], parts[1])
