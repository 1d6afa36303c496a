"""XMPP streams (RFC 3920): the stream protocol, its set-up, IQ requests and handlers.

An ``XmlStream`` is given an *authenticator* that runs the stream's set-up. On the
initiating side, ``ConnectAuthenticator`` sends the stream header, waits for the peer's
header (and, from version 1.0 on, its ``<stream:features/>``), then runs the stream's
``initializers`` in order (TLS, SASL, resource binding...). Each returns a value or a
Deferred; the special ``Reset`` means "done, and the stream restarted" (after TLS or SASL,
which exchange new headers): the remaining initializers run when the new stream starts.
``STREAM_AUTHD_EVENT`` is dispatched when every initializer has run, ``INIT_FAILED_EVENT``
with the failure when one fails. On the receiving side, a ``ListenAuthenticator`` takes the
peer's header.

``IQ`` sends a request and returns a Deferred of its response (a ``StanzaError`` failure
for an error response, ``TimeoutError`` after ``timeout`` seconds, ``ConnectionLost``
when the stream ends first). ``StreamManager`` keeps one stream for a set of
``XMPPHandler``s and queues what they send until the stream is initialised.
"""

from __future__ import annotations

from binascii import hexlify
from collections.abc import Callable, Iterator
from hashlib import sha1
from typing import Any

from twistio.internet import defer, protocol
from twistio.internet.error import ConnectionLost
from twistio.internet.interfaces import implementer
from twistio.python import failure, log, randbytes
from twistio.words.protocols.jabber import error, ijabber, jid
from twistio.words.xish import domish, xmlstream
from twistio.words.xish.xmlstream import STREAM_CONNECTED_EVENT as STREAM_CONNECTED_EVENT
from twistio.words.xish.xmlstream import STREAM_END_EVENT as STREAM_END_EVENT
from twistio.words.xish.xmlstream import STREAM_ERROR_EVENT as STREAM_ERROR_EVENT
from twistio.words.xish.xmlstream import STREAM_START_EVENT as STREAM_START_EVENT

try:
    from twistio.internet import ssl as _ssl_module

    ssl: Any = _ssl_module
except ImportError:  # pragma: no cover - the standard library's ssl is missing
    ssl = None

STREAM_AUTHD_EVENT = "//event/stream/authd"
INIT_FAILED_EVENT = "//event/xmpp/initfailed"

NS_STREAMS = "http://etherx.jabber.org/streams"
NS_XMPP_TLS = "urn:ietf:params:xml:ns:xmpp-tls"

#: Returned by an initializer that restarted the stream (see the module).
Reset = object()


def hashPassword(sid: str, password: str) -> str:
    """The hex SHA-1 of ``sid + password`` (component handshakes, legacy digest auth)."""
    if not isinstance(sid, str):
        raise TypeError("The session identifier must be a unicode object")
    if not isinstance(password, str):
        raise TypeError("The password must be a unicode object")
    return sha1((sid + password).encode("utf-8")).hexdigest()


class Authenticator:
    """Runs the set-up of one ``XmlStream`` (see the module).

    It must dispatch ``STREAM_AUTHD_EVENT`` once the stream is ready for stanzas.
    """

    xmlstream: Any = None

    def __init__(self) -> None:
        pass

    def connectionMade(self) -> None:
        """The connection is up: an initiating authenticator sends its header here."""

    def streamStarted(self, rootElement: domish.Element) -> None:
        """The peer's stream header arrived: agree on the lower of the two versions (a
        header without one is version 0.0)."""
        version = (0, 0)
        text = rootElement.getAttribute("version")
        if text is not None:
            parts = text.split(".")
            try:
                version = (int(parts[0]), int(parts[1]))
            except (IndexError, ValueError):
                version = (0, 0)
        self.xmlstream.version = min(self.xmlstream.version, version)

    def associateWithStream(self, xmlstream: Any) -> None:
        """``xmlstream`` is the stream this authenticator sets up."""
        self.xmlstream = xmlstream


class ConnectAuthenticator(Authenticator):
    """The set-up of an initiating stream, to the server ``otherHost``."""

    namespace: str | None = None

    def __init__(self, otherHost: str) -> None:
        self.otherHost = otherHost

    def connectionMade(self) -> None:
        self.xmlstream.namespace = self.namespace
        self.xmlstream.otherEntity = jid.internJID(self.otherHost)
        self.xmlstream.sendHeader()

    def initializeStream(self) -> None:
        """Run the stream's remaining initializers in order (see the module)."""
        xs = self.xmlstream

        def failed(reason: failure.Failure) -> None:
            xs.dispatch(reason, INIT_FAILED_EVENT)

        def resume(result: object, initializer: object) -> None:
            if finish(result, initializer):
                run()

        def finish(result: object, initializer: object) -> bool:
            """Drop a completed initializer; whether to go on with the next."""
            if initializer in xs.initializers:
                xs.initializers.remove(initializer)
            return result is not Reset  # after a reset, the new stream's start resumes

        def run() -> None:
            while xs.initializers:
                initializer = xs.initializers[0]
                try:
                    result = initializer.initialize()
                except BaseException:
                    failed(failure.Failure())
                    return
                if isinstance(result, defer.Deferred):
                    result.addCallback(resume, initializer)
                    result.addErrback(failed)
                    return
                if not finish(result, initializer):
                    return
            xs.dispatch(xs, STREAM_AUTHD_EVENT)

        run()

    def streamStarted(self, rootElement: domish.Element) -> None:
        xs = self.xmlstream
        if rootElement.hasAttribute("id"):
            xs.sid = rootElement["id"]
        if rootElement.hasAttribute("from"):
            xs.otherEntity = jid.internJID(rootElement["from"])
        Authenticator.streamStarted(self, rootElement)
        if xs.version >= (1, 0):

            def onFeatures(element: domish.Element) -> None:
                xs.features = {
                    (feature.uri, feature.name): feature for feature in element.elements()
                }
                self.initializeStream()

            xs.addOnetimeObserver(f"/features[@xmlns='{NS_STREAMS}']", onFeatures)
        else:
            self.initializeStream()


class ListenAuthenticator(Authenticator):
    """The set-up of a receiving stream: takes namespace, addressee and prefixes from the
    peer's header and gives the stream a fresh session id."""

    namespace: str | None = None

    def associateWithStream(self, xmlstream: Any) -> None:
        Authenticator.associateWithStream(self, xmlstream)
        xmlstream.initiating = False

    def streamStarted(self, rootElement: domish.Element) -> None:
        Authenticator.streamStarted(self, rootElement)
        xs = self.xmlstream
        xs.namespace = rootElement.defaultUri
        if rootElement.hasAttribute("to"):
            xs.thisEntity = jid.internJID(rootElement["to"])
        xs.prefixes = {}
        for prefix, uri in rootElement.localPrefixes.items():
            xs.prefixes[uri] = prefix
        xs.sid = hexlify(randbytes.secureRandom(8)).decode("ascii")


class FeatureNotAdvertized(Exception):
    """A required stream feature was not offered by the receiving entity."""


@implementer(ijabber.IInitiatingInitializer)
class BaseFeatureInitiatingInitializer:
    """An initializer run only when the peer offers its stream ``feature`` ((uri, name));
    with ``required`` true, a missing feature is ``FeatureNotAdvertized``."""

    feature: tuple[str, str] | None = None

    def __init__(self, xs: Any, required: bool = False) -> None:
        self.xmlstream = xs
        self.required = required

    def initialize(self) -> Any:
        if self.feature in self.xmlstream.features:
            return self.start()
        if self.required:
            raise FeatureNotAdvertized()
        return None

    def start(self) -> Any:
        """Negotiate the feature: a value, or a Deferred."""


class TLSError(Exception):
    """Base of the TLS errors."""


class TLSFailed(TLSError):
    """The peer refused or failed TLS negotiation."""


class TLSRequired(TLSError):
    """The peer requires TLS, which this entity does not want."""


class TLSNotSupported(TLSError):
    """TLS is wanted and required but this Python has no ``ssl``."""


class TLSInitiatingInitializer(BaseFeatureInitiatingInitializer):
    """STARTTLS (RFC 3920 section 5). Set ``wanted`` false to refuse TLS (the peer
    requiring it is then ``TLSRequired``) rather than dropping this initializer.

    ``configurationForTLS`` is what ``transport.startTLS`` gets; by default the peer's
    certificate is verified for the domain, against the platform's trust roots.
    """

    feature = (NS_XMPP_TLS, "starttls")
    wanted = True
    _deferred: defer.Deferred[Any] | None = None
    _configurationForTLS: Any = None

    def __init__(self, xs: Any, required: bool = True, configurationForTLS: Any = None) -> None:
        BaseFeatureInitiatingInitializer.__init__(self, xs, required)
        self._configurationForTLS = configurationForTLS

    def onProceed(self, obj: domish.Element) -> None:
        """The peer agreed: start TLS and restart the stream."""
        xs = self.xmlstream
        xs.removeObserver("/failure", self.onFailure)
        configuration = self._configurationForTLS
        if configuration is None:
            configuration = ssl.optionsForClientTLS(str(xs.otherEntity.host))
        xs.transport.startTLS(configuration)
        xs.reset()
        xs.sendHeader()
        deferred, self._deferred = self._deferred, None
        if deferred is not None:
            deferred.callback(Reset)

    def onFailure(self, obj: domish.Element) -> None:
        self.xmlstream.removeObserver("/proceed", self.onProceed)
        deferred, self._deferred = self._deferred, None
        if deferred is not None:
            deferred.errback(TLSFailed())

    def start(self) -> defer.Deferred[Any]:
        feature = self.xmlstream.features.get(self.feature)
        peer_requires = feature is not None and any(
            child.name == "required" for child in feature.elements()
        )
        # Going without TLS is fine unless the side that does not want to go without
        # it is the one asking: the peer (TLSRequired) or us, lacking ssl (TLSNotSupported).
        refusal: Exception | None = None
        if not self.wanted:
            refusal = TLSRequired() if peer_requires else None
        elif ssl is None:
            refusal = TLSNotSupported() if self.required else None
        else:
            return self._negotiate()
        return defer.fail(refusal) if refusal is not None else defer.succeed(None)

    def _negotiate(self) -> defer.Deferred[Any]:
        self._deferred = defer.Deferred()
        self.xmlstream.addOnetimeObserver("/proceed", self.onProceed)
        self.xmlstream.addOnetimeObserver("/failure", self.onFailure)
        self.xmlstream.send(domish.Element((NS_XMPP_TLS, "starttls")))
        return self._deferred


class TimeoutError(Exception):
    """No response to an IQ request within its timeout."""


class XmlStream(xmlstream.XmlStream):
    """An XMPP stream: ``authenticator`` runs its set-up.

    ``version`` is the stream version agreed with the peer, ``namespace`` the stream's
    default namespace (``jabber:client``...), ``thisEntity`` and ``otherEntity`` the JIDs
    of both ends, ``sid`` the session id, ``features`` the peer's stream features by
    ``(uri, name)``, ``prefixes`` the namespace prefixes declared on our header, and
    ``initializers`` the set-up steps still to run.
    """

    version = (1, 0)
    namespace: Any = "invalid"
    thisEntity: Any = None
    otherEntity: Any = None
    sid: Any = None
    initiating = True
    _headerSent = False

    def __init__(self, authenticator: Any) -> None:
        xmlstream.XmlStream.__init__(self)
        self.prefixes: dict[str, str] = {NS_STREAMS: "stream"}
        self.authenticator = authenticator
        self.initializers: list[Any] = []
        self.features: dict[tuple[str, str], domish.Element] = {}
        authenticator.associateWithStream(self)

    def _callLater(self, *args: Any, **kwargs: Any) -> Any:
        from twistio.internet import reactor

        return reactor.callLater(*args, **kwargs)

    def reset(self) -> None:
        """Start parsing a new stream from the peer (after TLS or SASL); observers stay."""
        self._headerSent = False
        self._initializeStream()

    def onStreamError(self, errelem: domish.Element) -> None:
        """A ``<stream:error/>`` arrived: dispatch it as a ``StreamError`` and hang up."""
        self.dispatch(failure.Failure(error.exceptionFromStreamError(errelem)), STREAM_ERROR_EVENT)
        if self.transport is not None:
            self.transport.loseConnection()

    def sendHeader(self) -> None:
        """Send our ``<stream:stream>`` start tag."""
        extra = {prefix: uri for uri, prefix in self.prefixes.items() if uri != NS_STREAMS}
        root = domish.Element((NS_STREAMS, "stream"), self.namespace, localPrefixes=extra)
        if self.otherEntity is not None:
            root["to"] = self.otherEntity.userhost()
        if self.thisEntity is not None:
            root["from"] = self.thisEntity.userhost()
        if not self.initiating and self.sid:
            root["id"] = self.sid
        if self.version >= (1, 0):
            root["version"] = "{}.{}".format(*self.version)
        self.send(root.toXml(prefixes=self.prefixes, closeElement=0))
        self._headerSent = True

    def sendFooter(self) -> None:
        """Send the ``</stream:stream>`` end tag."""
        self.send("</stream:stream>")

    def sendStreamError(self, streamError: error.StreamError) -> None:
        """Send ``streamError``, end the stream and drop the connection (a receiving
        entity that has not sent its header sends it first)."""
        if not self._headerSent and not self.initiating:
            self.sendHeader()
        if self._headerSent:
            self.send(streamError.getElement())
            self.sendFooter()
        if self.transport is not None:
            self.transport.loseConnection()

    def send(self, obj: Any) -> None:
        """Send ``obj``; an element is serialized as a child of our stream's root."""
        if domish.IElement.providedBy(obj):
            # The header declared our prefixes and default namespace: rely on them.
            declared = list(self.prefixes.values())
            obj = obj.toXml(self.prefixes, 1, self.namespace, declared)
        xmlstream.XmlStream.send(self, obj)

    def connectionMade(self) -> None:
        xmlstream.XmlStream.connectionMade(self)
        self.authenticator.connectionMade()

    def onDocumentStart(self, rootElement: domish.Element) -> None:
        """The peer's header arrived: watch for stream errors, dispatch the stream start,
        and let the authenticator go on."""
        self.addOnetimeObserver(f"/error[@xmlns='{NS_STREAMS}']", self.onStreamError)
        self.authenticator.streamStarted(rootElement)
        xmlstream.XmlStream.onDocumentStart(self, rootElement)


class XmlStreamFactory(xmlstream.XmlStreamFactory):
    """A reconnecting client factory of XMPP streams sharing one ``authenticator``."""

    protocol = XmlStream  # type: ignore[assignment]

    def __init__(self, authenticator: Any) -> None:
        xmlstream.XmlStreamFactory.__init__(self, authenticator)
        self.authenticator = authenticator


class XmlStreamServerFactory(xmlstream.BootstrapMixin, protocol.ServerFactory):
    """A server factory of XMPP streams, each with a fresh ``authenticatorFactory()``."""

    protocol = XmlStream  # type: ignore[assignment]

    def __init__(self, authenticatorFactory: Callable[[], Any]) -> None:
        xmlstream.BootstrapMixin.__init__(self)
        self.authenticatorFactory = authenticatorFactory

    def buildProtocol(self, addr: Any) -> Any:
        xs = self.protocol(self.authenticatorFactory())
        xs.factory = self
        self.installBootstraps(xs)
        return xs


def toResponse(stanza: domish.Element, stanzaType: str | None = None) -> domish.Element:
    """A new, empty reply to ``stanza``: addresses swapped, same id, ``stanzaType``."""
    response = domish.Element((None, stanza.name))
    if stanza.hasAttribute("from"):
        response["to"] = stanza["from"]
    if stanza.hasAttribute("to"):
        response["from"] = stanza["to"]
    if stanza.hasAttribute("id"):
        response["id"] = stanza["id"]
    if stanzaType:
        response["type"] = stanzaType
    return response


def upgradeWithIQResponseTracker(xs: Any) -> None:
    """Make ``xs`` track IQ responses (``iqDeferreds``, ``iqDefaultTimeout``): results fire
    the request's Deferred, errors fail it with ``StanzaError``, the stream's end fails
    every pending one with ``ConnectionLost``."""

    def callback(iq: domish.Element) -> None:
        if getattr(iq, "handled", False):
            return
        pending = xs.iqDeferreds.pop(iq.getAttribute("id"), None)
        if pending is None:
            return
        iq.handled = True  # type: ignore[attr-defined]
        if iq["type"] == "error":
            pending.errback(error.exceptionFromStanza(iq))
        else:
            pending.callback(iq)

    def disconnected(_: object) -> None:
        pending = list(xs.iqDeferreds.values())
        xs.iqDeferreds = {}
        for d in pending:
            d.errback(ConnectionLost())

    xs.iqDeferreds = {}
    xs.iqDefaultTimeout = getattr(xs, "iqDefaultTimeout", None)
    xs.addObserver(STREAM_END_EVENT, disconnected)
    xs.addObserver('/iq[@type="result"]', callback)
    xs.addObserver('/iq[@type="error"]', callback)
    implementer(ijabber.IIQResponseTracker)(xs)


class IQ(domish.Element):
    """An IQ request on ``xmlstream`` with a fresh id; ``send`` returns its response.

    ``timeout`` (seconds, else the stream's ``iqDefaultTimeout``) fails the Deferred with
    ``TimeoutError`` when no response comes in time.
    """

    timeout: float | None = None

    def __init__(self, xmlstream: Any, stanzaType: str = "set") -> None:
        domish.Element.__init__(self, (None, "iq"))
        self.addUniqueId()
        self["type"] = stanzaType
        self._xmlstream = xmlstream

    def send(self, to: str | None = None) -> defer.Deferred[Any]:
        """Send the request (to ``to``, if given); a Deferred of the response."""
        xs = self._xmlstream
        if to is not None:
            self["to"] = to
        if not ijabber.IIQResponseTracker.providedBy(xs):
            upgradeWithIQResponseTracker(xs)
        d: defer.Deferred[Any] = defer.Deferred()
        ident = self["id"]
        xs.iqDeferreds[ident] = d
        timeout = self.timeout or xs.iqDefaultTimeout
        if timeout is not None:

            def onTimeout() -> None:
                del xs.iqDeferreds[ident]
                d.errback(TimeoutError("IQ timed out"))

            call = xs._callLater(timeout, onTimeout)

            def cancelTimeout(result: object) -> object:
                if call.active():
                    call.cancel()
                return result

            d.addBoth(cancelTimeout)
        xs.send(self)
        return d


@implementer(ijabber.IXMPPHandler)
class XMPPHandler:
    """A handler of (part of) an XMPP protocol, living on a ``StreamManager``."""

    def __init__(self) -> None:
        self.parent: Any = None
        self.xmlstream: Any = None

    def setHandlerParent(self, parent: Any) -> None:
        self.parent = parent
        self.parent.addHandler(self)

    def disownHandlerParent(self, parent: Any) -> None:
        self.parent.removeHandler(self)
        self.parent = None

    def makeConnection(self, xs: Any) -> None:
        self.xmlstream = xs
        self.connectionMade()

    def connectionMade(self) -> None:
        """The connection is up; the stream is not initialised yet."""

    def connectionInitialized(self) -> None:
        """The stream is initialised: add observers, start talking."""

    def connectionLost(self, reason: Any) -> None:
        """The stream is gone."""
        self.xmlstream = None

    def send(self, obj: Any) -> None:
        """Send through the parent (which queues while the stream is not initialised)."""
        self.parent.send(obj)


@implementer(ijabber.IXMPPHandlerCollection)
class XMPPHandlerCollection:
    """A collection of handlers (``handlers``), not a handler itself."""

    def __init__(self) -> None:
        self.handlers: list[Any] = []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.handlers)

    def addHandler(self, handler: Any) -> None:
        self.handlers.append(handler)

    def removeHandler(self, handler: Any) -> None:
        self.handlers.remove(handler)


class StreamManager(XMPPHandlerCollection):
    """Keeps the XMPP stream of a client factory for its handlers.

    What is sent while no stream is initialised waits in a queue and goes out, in order,
    once the next stream is. ``logTraffic`` logs every byte both ways.
    """

    logTraffic = False

    def __init__(self, factory: Any) -> None:
        XMPPHandlerCollection.__init__(self)
        self.factory = factory
        self.xmlstream: Any = None
        self._initialized = False
        self._packetQueue: list[Any] = []
        for event, observer in (
            (STREAM_CONNECTED_EVENT, self._connected),
            (STREAM_AUTHD_EVENT, self._authd),
            (INIT_FAILED_EVENT, self.initializationFailed),
            (STREAM_END_EVENT, self._disconnected),
        ):
            factory.addBootstrap(event, observer)

    def addHandler(self, handler: Any) -> None:
        """Add ``handler``, bringing it up to date with the current stream."""
        XMPPHandlerCollection.addHandler(self, handler)
        if self.xmlstream is not None:
            handler.makeConnection(self.xmlstream)
        if self._initialized:
            handler.connectionInitialized()

    def _connected(self, xs: Any) -> None:
        self.xmlstream = xs
        if self.logTraffic:
            xs.rawDataInFn = lambda data: log.msg(f"RECV: {data!r}")
            xs.rawDataOutFn = lambda data: log.msg(f"SEND: {data!r}")
        for handler in list(self):
            handler.makeConnection(xs)

    def _authd(self, xs: Any) -> None:
        queued, self._packetQueue = self._packetQueue, []
        for packet in queued:
            xs.send(packet)
        self._initialized = True
        for handler in list(self):
            handler.connectionInitialized()

    def initializationFailed(self, reason: failure.Failure) -> None:
        """The stream's set-up failed with ``reason`` (the authenticator may retry)."""

    def _disconnected(self, reason: Any) -> None:
        self.xmlstream = None
        self._initialized = False
        for handler in list(self):
            handler.connectionLost(reason)

    def send(self, obj: Any) -> None:
        """Send ``obj`` now if the stream is initialised, else once it is."""
        if self._initialized:
            self.xmlstream.send(obj)
        else:
            self._packetQueue.append(obj)
