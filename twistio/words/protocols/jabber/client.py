"""XMPP clients: ``XMPPClientFactory`` (XMPP 1.0: TLS, SASL, resource binding, session)
and the pre-XMPP ``basicClientFactory`` (iq:auth, JEP-0078), with their initializers."""

from __future__ import annotations

from typing import Any

from twistio.internet import defer
from twistio.python import failure
from twistio.words.protocols.jabber import error, jid, sasl, xmlstream
from twistio.words.protocols.jabber.error import NS_XMPP_STREAMS as NS_XMPP_STREAMS
from twistio.words.protocols.jabber.jid import JID as JID
from twistio.words.protocols.jabber.xmlstream import hashPassword
from twistio.words.xish import domish, utility, xpath

# The stream features and payloads a client meets (RFC 3920, RFC 3921, JEP-0077/0078).
NS_XMPP_BIND, NS_XMPP_SESSION = (f"urn:ietf:params:xml:ns:xmpp-{n}" for n in ("bind", "session"))
NS_IQ_AUTH_FEATURE = "http://jabber.org/features/iq-auth"
_NS_IQ_AUTH, _NS_IQ_REGISTER = "jabber:iq:auth", "jabber:iq:register"


def basicClientFactory(jid: jid.JID, secret: str) -> xmlstream.XmlStreamFactory:
    """A client factory authenticating with iq:auth (servers from before XMPP 1.0)."""
    return xmlstream.XmlStreamFactory(BasicAuthenticator(jid, secret))


class IQ(domish.Element):
    """An IQ request with callbacks (the older API; ``xmlstream.IQ`` gives a Deferred).

    ``addCallback(fn)`` callbacks are called once with the response stanza.
    """

    def __init__(self, xmlstream: Any, type: str = "set") -> None:
        domish.Element.__init__(self, (None, "iq"))
        self.addUniqueId()
        self["type"] = type
        self._xmlstream = xmlstream
        self.callbacks: utility.CallbackList | None = utility.CallbackList()

    def addCallback(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        """Call ``fn(*args, response, **kwargs)`` when the response arrives."""
        assert self.callbacks is not None, "the response has already arrived"
        self.callbacks.addCallback(True, fn, *args, **kwargs)

    def send(self, to: str | None = None) -> None:
        """Send the request (to ``to``, if given)."""
        if to is not None:
            self["to"] = to
        self._xmlstream.addOnetimeObserver(f"/iq[@id='{self['id']}']", self._resultEvent)
        self._xmlstream.send(self)

    def _resultEvent(self, iq: domish.Element) -> None:
        callbacks, self.callbacks = self.callbacks, None
        if callbacks is not None:
            callbacks.callback(iq)


#: Whether an iq:auth query offers digest (or plain-text) passwords.
DigestAuthQry = xpath.internQuery("/iq/query/digest")
PlaintextAuthQry = xpath.internQuery("/iq/query/password")


class IQAuthInitializer:
    """Non-SASL authentication (iq:auth, JEP-0078), digest when the server offers it.

    A refusal dispatches ``INVALID_USER_EVENT`` (unknown user) or ``AUTH_FAILED_EVENT``
    (anything else) with the error stanza, and fails with the ``StanzaError``.
    """

    INVALID_USER_EVENT = "//event/client/basicauth/invaliduser"
    AUTH_FAILED_EVENT = "//event/client/basicauth/authfailed"

    def __init__(self, xs: Any) -> None:
        self.xmlstream = xs

    def initialize(self) -> defer.Deferred[Any]:
        iq = xmlstream.IQ(self.xmlstream, "get")
        query = iq.addElement((_NS_IQ_AUTH, "query"))
        query.addElement("username", content=self.xmlstream.authenticator.jid.user)
        d = iq.send()
        d.addCallbacks(self._cbAuthQuery, self._ebAuthQuery)
        return d

    def _cbAuthQuery(self, iq: domish.Element) -> defer.Deferred[Any]:
        authenticator = self.xmlstream.authenticator
        user_jid = authenticator.jid
        reply = xmlstream.IQ(self.xmlstream, "set")
        query = reply.addElement((_NS_IQ_AUTH, "query"))
        query.addElement("username", content=user_jid.user)
        query.addElement("resource", content=user_jid.resource)
        if DigestAuthQry.matches(iq):
            digest = hashPassword(self.xmlstream.sid, authenticator.password)
            query.addElement("digest", content=digest)
        else:
            query.addElement("password", content=authenticator.password)
        d = reply.send()
        d.addCallbacks(self._cbAuth, self._ebAuth)
        return d

    def _ebAuthQuery(self, failure: failure.Failure) -> failure.Failure:
        failure.trap(error.StanzaError)
        exc = failure.value
        event = (
            self.INVALID_USER_EVENT
            if getattr(exc, "condition", None) == "not-authorized"
            else self.AUTH_FAILED_EVENT
        )
        self.xmlstream.dispatch(getattr(exc, "stanza", None), event)
        return failure

    def _cbAuth(self, iq: domish.Element) -> None:
        pass

    def _ebAuth(self, failure: failure.Failure) -> failure.Failure:
        failure.trap(error.StanzaError)
        self.xmlstream.dispatch(getattr(failure.value, "stanza", None), self.AUTH_FAILED_EVENT)
        return failure


class BasicAuthenticator(xmlstream.ConnectAuthenticator):
    """Sets up a client stream with TLS when offered, then iq:auth (JEP-0078); offers
    in-band registration (JEP-0077) with ``registerAccount`` when authentication fails."""

    namespace = "jabber:client"

    INVALID_USER_EVENT = IQAuthInitializer.INVALID_USER_EVENT
    AUTH_FAILED_EVENT = IQAuthInitializer.AUTH_FAILED_EVENT
    REGISTER_FAILED_EVENT = "//event/client/basicauth/registerfailed"

    def __init__(self, jid: jid.JID, password: str) -> None:
        xmlstream.ConnectAuthenticator.__init__(self, jid.host)
        self.jid = jid
        self.password = password

    def associateWithStream(self, xs: Any) -> None:
        xs.version = (0, 0)
        xmlstream.ConnectAuthenticator.associateWithStream(self, xs)
        xs.initializers = [
            xmlstream.TLSInitiatingInitializer(xs, required=False),
            IQAuthInitializer(xs),
        ]

    def registerAccount(self, username: str | None = None, password: str | None = None) -> None:
        """Register the account (the JID's user, unless ``username``) in-band; the stream
        is then set up again, or ``REGISTER_FAILED_EVENT`` dispatched."""
        if username:
            self.jid.user = username
        if password:
            self.password = password
        iq = IQ(self.xmlstream, "set")
        query = iq.addElement((_NS_IQ_REGISTER, "query"))
        query.addElement("username", content=self.jid.user)
        query.addElement("password", content=self.password)
        iq.addCallback(self._registerResultEvent)
        iq.send()

    def _registerResultEvent(self, iq: domish.Element) -> None:
        if iq["type"] == "result":
            self.initializeStream()
        else:
            self.xmlstream.dispatch(iq, self.REGISTER_FAILED_EVENT)


class CheckVersionInitializer:
    """Refuses a stream whose agreed version is below 1.0 (``unsupported-version``)."""

    def __init__(self, xs: Any) -> None:
        self.xmlstream = xs

    def initialize(self) -> None:
        if self.xmlstream.version < (1, 0):
            raise error.StreamError("unsupported-version")


class BindInitializer(xmlstream.BaseFeatureInitiatingInitializer):
    """Resource binding (RFC 3920 section 7): the JID the server binds replaces the
    authenticator's ``jid``."""

    feature = (NS_XMPP_BIND, "bind")

    def start(self) -> defer.Deferred[Any]:
        request = xmlstream.IQ(self.xmlstream, "set")
        binding = request.addElement((NS_XMPP_BIND, "bind"))
        wanted = self.xmlstream.authenticator.jid.resource
        if wanted:  # else the server picks one
            binding.addElement("resource", content=wanted)
        return request.send().addCallback(self.onBind)

    def onBind(self, iq: domish.Element) -> None:
        bound = next(iq.elements(NS_XMPP_BIND, "bind"), None)
        if bound is not None:
            text = next(bound.elements(NS_XMPP_BIND, "jid"), None)
            if text is not None:
                self.xmlstream.authenticator.jid = jid.JID(str(text))


class SessionInitializer(xmlstream.BaseFeatureInitiatingInitializer):
    """Session establishment (RFC 3921 section 3)."""

    feature = (NS_XMPP_SESSION, "session")

    def start(self) -> defer.Deferred[Any]:
        iq = xmlstream.IQ(self.xmlstream, "set")
        iq.addElement((NS_XMPP_SESSION, "session"))
        return iq.send()


def XMPPClientFactory(
    jid: jid.JID, password: str, configurationForTLS: Any = None
) -> xmlstream.XmlStreamFactory:
    """A client factory for XMPP 1.0 servers (see ``XMPPAuthenticator``)."""
    return xmlstream.XmlStreamFactory(XMPPAuthenticator(jid, password, configurationForTLS))


class XMPPAuthenticator(xmlstream.ConnectAuthenticator):
    """Sets up an XMPP 1.0 client stream: version check, TLS, SASL, resource binding and
    session, then ``STREAM_AUTHD_EVENT`` (``INIT_FAILED_EVENT`` on failure; fix the cause,
    e.g. ``password``, and call ``initializeStream`` to go on from the failed step).

    ``jid`` may carry a resource to ask for; after binding it is the JID the server bound.
    ``configurationForTLS`` is handed to the TLS initializer.
    """

    namespace = "jabber:client"

    def __init__(self, jid: jid.JID, password: str, configurationForTLS: Any = None) -> None:
        xmlstream.ConnectAuthenticator.__init__(self, jid.host)
        self.jid = jid
        self.password = password
        self._configurationForTLS = configurationForTLS

    def associateWithStream(self, xs: Any) -> None:
        xmlstream.ConnectAuthenticator.associateWithStream(self, xs)
        tls = xmlstream.TLSInitiatingInitializer(xs, True, self._configurationForTLS)
        # Every step is required but the session (RFC 6121 made it optional).
        steps: list[Any] = [CheckVersionInitializer(xs), tls]
        for step, needed in (
            (sasl.SASLInitiatingInitializer, True),
            (BindInitializer, True),
            (SessionInitializer, False),
        ):
            steps.append(step(xs, required=needed))
        xs.initializers = steps
