"""SASL PLAIN, LOGIN and CRAM-MD5 for SMTP and IMAP4: server credentials, client authenticators."""

from __future__ import annotations

import hmac

from twistio.cred.credentials import IUsernamePassword, UsernamePassword
from twistio.internet.interfaces import implementer
from twistio.mail._except import IllegalClientResponse
from twistio.mail.interfaces import IChallengeResponse, IClientAuthentication

__all__ = [
    "CramMD5ClientAuthenticator", "LOGINAuthenticator", "LOGINCredentials",
    "PLAINAuthenticator", "PLAINCredentials",
]


@implementer(IClientAuthentication)
class CramMD5ClientAuthenticator:
    """Client side of CRAM-MD5."""

    def __init__(self, user: bytes) -> None:
        self.user = user

    def getName(self) -> bytes:
        """``CRAM-MD5``."""
        return b"CRAM-MD5"

    def challengeResponse(self, secret: bytes, chal: bytes) -> bytes:
        """``user hex(hmac-md5(secret, chal))``."""
        return self.user + b" " + hmac.new(secret, chal, "md5").hexdigest().encode("ascii")


@implementer(IClientAuthentication)
class LOGINAuthenticator:
    """Client side of LOGIN: the user name, then the password."""

    def __init__(self, user: bytes) -> None:
        self.user = user
        self.challengeResponse = self.challengeUsername

    def getName(self) -> bytes:
        """``LOGIN``."""
        return b"LOGIN"

    def challengeUsername(self, secret: bytes, chal: bytes) -> bytes:
        """The user name; the next challenge gets the password."""
        self.challengeResponse = self.challengeSecret
        return self.user

    def challengeSecret(self, secret: bytes, chal: bytes) -> bytes:
        """The password."""
        return secret


@implementer(IClientAuthentication)
class PLAINAuthenticator:
    """Client side of PLAIN: ``\\0user\\0password`` in one go."""

    def __init__(self, user: bytes) -> None:
        self.user = user

    def getName(self) -> bytes:
        """``PLAIN``."""
        return b"PLAIN"

    def challengeResponse(self, secret: bytes, chal: bytes) -> bytes:
        """``\\0user\\0secret``."""
        return b"\0" + self.user + b"\0" + secret


@implementer(IUsernamePassword, IChallengeResponse)
class LOGINCredentials(UsernamePassword):
    """Server side of LOGIN: asks for the user name, then the password."""

    def __init__(self) -> None:
        UsernamePassword.__init__(self, None, None)
        self.challenges = [b"Password\0", b"User Name\0"]
        self.responses = [b"password", b"username"]

    def getChallenge(self) -> bytes:
        """The next prompt."""
        return self.challenges.pop()

    def setResponse(self, response: bytes) -> None:
        """Record the answer to the last prompt."""
        setattr(self, self.responses.pop().decode("ascii"), response)

    def moreChallenges(self) -> bool:
        """Whether a prompt is left."""
        return bool(self.challenges)


@implementer(IUsernamePassword, IChallengeResponse)
class PLAINCredentials(UsernamePassword):
    """Server side of PLAIN: one response ``authzid\\0user\\0password``."""

    def __init__(self) -> None:
        UsernamePassword.__init__(self, None, None)

    def getChallenge(self) -> bytes:
        """An empty challenge."""
        return b""

    def setResponse(self, response: bytes) -> None:
        """Split the response; ``IllegalClientResponse`` unless it has three parts."""
        parts = response.split(b"\0")
        if len(parts) != 3:
            raise IllegalClientResponse("Malformed Response - wrong number of parts")
        _authzid, self.username, self.password = parts

    def moreChallenges(self) -> bool:
        """PLAIN is a single round."""
        return False
