"""SASL authentication of an XMPP stream (RFC 3920 section 6), as the initiating entity.

``SASLInitiatingInitializer`` picks DIGEST-MD5, else PLAIN, for a JID with a user part
(ANONYMOUS for one without), runs the challenge/response exchange and, on success,
restarts the stream (``xmlstream.Reset``). A refusal is ``SASLAuthError`` with the
server's condition; base64 that RFC 3920 forbids is ``SASLIncorrectEncodingError``.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from twistio.internet import defer
from twistio.words.protocols.jabber import sasl_mechanisms, xmlstream
from twistio.words.xish import domish

__all__ = [
    "NS_XMPP_SASL",
    "SASLAuthError",
    "SASLError",
    "SASLIncorrectEncodingError",
    "SASLInitiatingInitializer",
    "SASLNoAcceptableMechanism",
    "fromBase64",
    "get_mechanisms",
]

NS_XMPP_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"

# Base64 alphabet only, padding only in the last two places (RFC 3920 section 14.9).
base64Pattern = re.compile(r"\A[A-Za-z0-9+/]*(?:[A-Za-z0-9+/=]{0,2})\Z")


def get_mechanisms(xs: Any) -> list[str]:
    """The SASL mechanisms the receiving entity offers in its stream features."""
    feature = xs.features[(NS_XMPP_SASL, "mechanisms")]
    return [str(child) for child in feature.elements() if child.name == "mechanism"]


class SASLError(Exception):
    """Base of the SASL errors."""


class SASLNoAcceptableMechanism(SASLError):
    """The receiving entity offers no mechanism this side can use."""


class SASLAuthError(SASLError):
    """The receiving entity refused the authentication (``condition`` says why)."""

    def __init__(self, condition: str | None = None) -> None:
        super().__init__(condition)
        self.condition = condition

    def __str__(self) -> str:
        return f"SASLAuthError with condition {self.condition!r}"


class SASLIncorrectEncodingError(SASLError):
    """Base64 data that RFC 3920 rejects (foreign characters, misplaced padding) or that
    does not decode. A receiving entity answers it with ``incorrect-encoding``; an
    initiating one should drop the stream and not reconnect."""


def fromBase64(s: str | bytes) -> bytes:
    """``s`` decoded, holding it to RFC 3920's stricter base64 rules."""
    text = s.decode("ascii", "replace") if isinstance(s, bytes) else s
    if base64Pattern.match(text) is None:
        raise SASLIncorrectEncodingError()
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise SASLIncorrectEncodingError(str(e)) from None


def _sasl(name: str) -> str:
    return f"/{name}[@xmlns='{NS_XMPP_SASL}']"


class SASLInitiatingInitializer(xmlstream.BaseFeatureInitiatingInitializer):
    """Authenticates with the authenticator's ``jid`` and ``password`` (see the module)."""

    feature = (NS_XMPP_SASL, "mechanisms")
    _deferred: defer.Deferred[Any] | None = None
    mechanism: Any = None

    def setMechanism(self) -> None:
        """Choose the mechanism: ``SASLNoAcceptableMechanism`` when none will do."""
        authenticator = self.xmlstream.authenticator
        user_jid = authenticator.jid
        password: str = getattr(authenticator, "password", "")
        offered = get_mechanisms(self.xmlstream)
        # In order of preference; a JID without a user part can only be anonymous.
        if user_jid.user is None:
            choices: list[tuple[str, Any]] = [("ANONYMOUS", sasl_mechanisms.Anonymous)]
        else:
            choices = [
                (
                    "DIGEST-MD5",
                    lambda: sasl_mechanisms.DigestMD5(
                        "xmpp", user_jid.host, None, user_jid.user, password
                    ),
                ),
                ("PLAIN", lambda: sasl_mechanisms.Plain(None, user_jid.user, password)),
            ]
        for name, make in choices:
            if name in offered:
                self.mechanism = make()
                return
        raise SASLNoAcceptableMechanism()

    def start(self) -> defer.Deferred[Any]:
        """Start the exchange; a Deferred that fires with ``Reset`` on success."""
        self.setMechanism()
        self._deferred = defer.Deferred()
        xs = self.xmlstream
        xs.addObserver(_sasl("challenge"), self.onChallenge)
        xs.addOnetimeObserver(_sasl("success"), self.onSuccess)
        xs.addOnetimeObserver(_sasl("failure"), self.onFailure)
        self.sendAuth(self.mechanism.getInitialResponse())
        return self._deferred

    def sendAuth(self, data: bytes | None = None) -> None:
        """Select the mechanism, with the initial response ``data`` if any."""
        auth = domish.Element((NS_XMPP_SASL, "auth"))
        auth["mechanism"] = self.mechanism.name
        if data is not None:
            auth.addContent(base64.b64encode(data).decode("ascii") or "=")
        self.xmlstream.send(auth)

    def sendResponse(self, data: bytes = b"") -> None:
        """Answer a challenge with ``data``."""
        response = domish.Element((NS_XMPP_SASL, "response"))
        if data:
            response.addContent(base64.b64encode(data).decode("ascii"))
        self.xmlstream.send(response)

    def onChallenge(self, element: domish.Element) -> None:
        """A challenge: answer it, or fail on bad base64."""
        try:
            challenge = fromBase64(str(element))
        except SASLIncorrectEncodingError:
            self._finish().errback()
        else:
            self.sendResponse(self.mechanism.getResponse(challenge) or b"")

    def onSuccess(self, success: domish.Element) -> None:
        """Authenticated: restart the stream."""
        xs = self.xmlstream
        xs.removeObserver(_sasl("challenge"), self.onChallenge)
        xs.removeObserver(_sasl("failure"), self.onFailure)
        xs.reset()
        xs.sendHeader()
        self._finish().callback(xmlstream.Reset)

    def onFailure(self, failure: domish.Element) -> None:
        """Refused: fail with the condition the server gave."""
        xs = self.xmlstream
        xs.removeObserver(_sasl("challenge"), self.onChallenge)
        xs.removeObserver(_sasl("success"), self.onSuccess)
        child = failure.firstChildElement()
        self._finish().errback(SASLAuthError(child.name if child is not None else None))

    def _finish(self) -> defer.Deferred[Any]:
        deferred = self._deferred
        assert deferred is not None, "no SASL exchange is running"
        return deferred
