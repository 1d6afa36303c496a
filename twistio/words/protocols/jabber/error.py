"""XMPP errors as exceptions: ``StanzaError`` and ``StreamError`` (RFC 3920 sections 9.3
and 4.7), turned into elements with ``getElement`` and parsed back from received ones with
``exceptionFromStanza`` and ``exceptionFromStreamError``.

A stanza error carries a ``type`` and, for peers from before XMPP, a numeric ``code``; both
are taken from the condition when not given. A received error with only a legacy code gets
its condition from ``CODES_TO_CONDITIONS`` (XEP-0086).
"""

from __future__ import annotations

import copy
from typing import Any

from twistio.words.xish import domish

__all__ = [
    "CODES_TO_CONDITIONS",
    "NS_XML",
    "NS_XMPP_STANZAS",
    "NS_XMPP_STREAMS",
    "STANZA_CONDITIONS",
    "BaseError",
    "StanzaError",
    "StreamError",
    "exceptionFromStanza",
    "exceptionFromStreamError",
]

NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_XMPP_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"
NS_XMPP_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
_NS_STREAMS = "http://etherx.jabber.org/streams"

# RFC 3920 section 9.3.3's stanza error conditions: the error type the RFC gives each (``-``
# for none) and the legacy numeric code XEP-0086 maps it to.
_STANZA_TABLE = """
    bad-request 400 modify          conflict 409 cancel
    feature-not-implemented 501 cancel      forbidden 403 auth
    gone 302 modify                 internal-server-error 500 wait
    item-not-found 404 cancel       jid-malformed 400 modify
    not-acceptable 406 modify       not-allowed 405 cancel
    not-authorized 401 auth         payment-required 402 auth
    recipient-unavailable 404 wait  redirect 302 modify
    registration-required 407 auth  remote-server-not-found 404 cancel
    remote-server-timeout 504 wait  resource-constraint 500 wait
    service-unavailable 503 cancel  subscription-required 407 auth
    undefined-condition 500 -       unexpected-request 400 wait
"""

# XEP-0086: the condition and type a legacy error code stands for.
_LEGACY_TABLE = """
    302 gone modify                 400 bad-request modify
    401 not-authorized auth         402 payment-required auth
    403 forbidden auth              404 item-not-found cancel
    405 not-allowed cancel          406 not-acceptable modify
    407 registration-required auth  408 remote-server-timeout wait
    409 conflict cancel             500 internal-server-error wait
    501 feature-not-implemented cancel      502 service-unavailable wait
    503 service-unavailable cancel  504 remote-server-timeout wait
    510 service-unavailable cancel
"""


def _triples(table: str) -> list[list[str]]:
    words = table.split()
    return [words[i : i + 3] for i in range(0, len(words), 3)]


STANZA_CONDITIONS: dict[str, dict[str, str | None]] = {
    condition: {"code": code, "type": None if kind == "-" else kind}
    for condition, code, kind in _triples(_STANZA_TABLE)
}
CODES_TO_CONDITIONS: dict[str, tuple[str, str]] = {
    code: (condition, kind) for code, condition, kind in _triples(_LEGACY_TABLE)
}


class BaseError(Exception):
    """An XMPP error: a ``condition``, optional human ``text`` (in language ``textLang``)
    and an optional application-specific condition element ``appCondition``."""

    namespace: str | None = None

    def __init__(
        self,
        condition: str | None,
        text: str | None = None,
        textLang: str | None = None,
        appCondition: Any = None,
    ) -> None:
        Exception.__init__(self)
        self.condition, self.appCondition = condition, appCondition
        self.text, self.textLang = text, textLang

    def __str__(self) -> str:
        told = f"{type(self).__name__} with condition {self.condition!r}"
        return f"{told}: {self.text}" if self.text else told

    def getElement(self) -> domish.Element:
        """The ``<error/>`` element describing this error."""
        element = domish.Element((None, "error"))
        element.addElement((self.namespace, self.condition))
        if self.text:
            text = element.addElement((self.namespace, "text"), content=self.text)
            if self.textLang:
                text[(NS_XML, "lang")] = self.textLang
        if self.appCondition is not None:
            element.addChild(self.appCondition)
        return element


class StreamError(BaseError):
    """A stream-level error (the stream is closed after it is sent)."""

    namespace = NS_XMPP_STREAMS

    def getElement(self) -> domish.Element:
        """The ``<stream:error/>`` element."""
        element = BaseError.getElement(self)
        element.uri = _NS_STREAMS
        return element


class StanzaError(BaseError):
    """An error in reply to one stanza; ``type`` and ``code`` follow the condition."""

    namespace = NS_XMPP_STANZAS

    def __init__(
        self,
        condition: str | None,
        type: str | None = None,
        text: str | None = None,
        textLang: str | None = None,
        appCondition: Any = None,
    ) -> None:
        BaseError.__init__(self, condition, text, textLang, appCondition)
        known = STANZA_CONDITIONS.get(condition or "", {})
        self.type = known.get("type") if type is None else type
        self.code = known.get("code")
        self.children: list[Any] = []
        self.iq: Any = None

    def getElement(self) -> domish.Element:
        """The ``<error/>`` element, with its ``type`` and legacy ``code``."""
        element = BaseError.getElement(self)
        if self.type is not None:
            element["type"] = self.type
        if self.code:
            element["code"] = self.code
        return element

    def toResponse(self, stanza: domish.Element) -> domish.Element:
        """An error reply to ``stanza``: addresses swapped, its children (not copied
        themselves) and this error's element."""
        from twistio.words.protocols.jabber.xmlstream import toResponse

        response = toResponse(stanza, stanzaType="error")
        response.children = copy.copy(stanza.children)
        response.addChild(self.getElement())
        return response


def _parseError(error: domish.Element, errorNamespace: str) -> dict[str, Any]:
    """The condition, text, its language and the application condition of ``error``."""
    found: dict[str, Any] = {
        "condition": None,
        "text": None,
        "textLang": None,
        "appCondition": None,
    }
    for child in error.elements():
        if child.uri == errorNamespace:
            if child.name == "text":
                found["text"] = str(child)
                found["textLang"] = child.getAttribute((NS_XML, "lang"))
            else:
                found["condition"] = child.name
        else:
            found["appCondition"] = child
    return found


def exceptionFromStreamError(element: domish.Element) -> StreamError:
    """The ``StreamError`` a received ``<stream:error/>`` describes."""
    return StreamError(**_parseError(element, NS_XMPP_STREAMS))


def exceptionFromStanza(stanza: domish.Element) -> StanzaError:
    """The ``StanzaError`` a received error stanza describes (``stanza`` kept on it);
    a legacy numeric code alone gives its XEP-0086 condition and type."""
    children = []
    condition = text = textLang = appCondition = errorType = None
    found = None
    for child in stanza.elements():
        if child.name == "error" and child.uri == stanza.uri:
            found = child
        else:
            children.append(child)
    if found is None:
        exc = StanzaError(None)
        exc.children = children
        return exc
    parsed = _parseError(found, NS_XMPP_STANZAS)
    condition = parsed["condition"]
    text = parsed["text"]
    textLang = parsed["textLang"]
    appCondition = parsed["appCondition"]
    errorType = found.getAttribute("type")
    if not condition:
        code = found.getAttribute("code")
        if code in CODES_TO_CONDITIONS:
            condition, errorType = CODES_TO_CONDITIONS[code]
            text = str(found)
    exc = StanzaError(condition, errorType, text, textLang, appCondition)
    exc.children = children
    exc.stanza = stanza  # type: ignore[attr-defined]
    return exc
