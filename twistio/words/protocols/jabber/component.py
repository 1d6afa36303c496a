"""External server-side components (XEP-0114) and a component router.

The component side: ``componentFactory`` connects and authenticates with the shared
secret (a SHA-1 handshake over the stream id); ``ServiceManager`` keeps that connection for
``Service``s (``ijabber.IService``) and queues what they send while it is down.

The server side: ``XMPPComponentServerFactory`` accepts components
(``ListenComponentAuthenticator`` checks the handshake) and puts each authenticated one in a
``Router``, which passes every stanza to the stream serving the host of its ``to``
address (or the default route, ``None``).
"""

from __future__ import annotations

from typing import Any

from twistio.application import service
from twistio.internet import defer
from twistio.internet.interfaces import implementer
from twistio.python import log
from twistio.words.protocols.jabber import error, ijabber, jid, jstrports, xmlstream
from twistio.words.protocols.jabber.jid import JID as JID
from twistio.words.xish import domish

__all__ = [
    "NS_COMPONENT_ACCEPT",
    "ComponentInitiatingInitializer",
    "ConnectComponentAuthenticator",
    "ListenComponentAuthenticator",
    "Router",
    "Service",
    "ServiceManager",
    "XMPPComponentServerFactory",
    "buildServiceManager",
    "componentFactory",
]

NS_COMPONENT_ACCEPT = "jabber:component:accept"


def componentFactory(componentid: str, password: str) -> xmlstream.XmlStreamFactory:
    """A client factory of component streams for ``componentid``."""
    return xmlstream.XmlStreamFactory(ConnectComponentAuthenticator(componentid, password))


class ComponentInitiatingInitializer:
    """Sends the handshake (SHA-1 of stream id and secret) and waits for its answer."""

    def __init__(self, xs: Any) -> None:
        self.xmlstream = xs
        self._deferred: defer.Deferred[None] | None = None

    def initialize(self) -> defer.Deferred[None]:
        xs = self.xmlstream
        handshake = domish.Element((self.xmlstream.namespace, "handshake"))
        handshake.addContent(xmlstream.hashPassword(xs.sid, xs.authenticator.password))
        self._deferred = defer.Deferred()
        xs.addOnetimeObserver("/handshake", self._cbHandshake)
        xs.send(handshake)
        return self._deferred

    def _cbHandshake(self, _: object) -> None:
        self.xmlstream.thisEntity = self.xmlstream.otherEntity
        deferred, self._deferred = self._deferred, None
        if deferred is not None:
            deferred.callback(None)


class ConnectComponentAuthenticator(xmlstream.ConnectAuthenticator):
    """Sets up a component's stream to its server (stream version 0.0, handshake)."""

    namespace = NS_COMPONENT_ACCEPT

    def __init__(self, componentjid: str, password: str) -> None:
        xmlstream.ConnectAuthenticator.__init__(self, componentjid)
        self.password = password

    def associateWithStream(self, xs: Any) -> None:
        xs.version = (0, 0)
        xmlstream.ConnectAuthenticator.associateWithStream(self, xs)
        xs.initializers = [ComponentInitiatingInitializer(xs)]


class ListenComponentAuthenticator(xmlstream.ListenAuthenticator):
    """Accepts a component that knows ``secret``; answers anything else with a stream
    error (``invalid-namespace``, ``improper-addressing``, ``not-authorized``)."""

    namespace = NS_COMPONENT_ACCEPT

    def __init__(self, secret: str) -> None:
        self.secret = secret
        xmlstream.ListenAuthenticator.__init__(self)

    def associateWithStream(self, xs: Any) -> None:
        """XEP-0114 predates XMPP 1.0: the stream's version is 0.0."""
        xs.version = (0, 0)
        xmlstream.ListenAuthenticator.associateWithStream(self, xs)

    def streamStarted(self, rootElement: domish.Element) -> None:
        xmlstream.ListenAuthenticator.streamStarted(self, rootElement)
        xs = self.xmlstream
        if xs.namespace != self.namespace:
            xs.sendStreamError(error.StreamError("invalid-namespace"))
            return
        if not xs.thisEntity:
            xs.sendStreamError(error.StreamError("improper-addressing"))
            return
        xs.sendHeader()
        xs.addOnetimeObserver("/*", self.onElement)

    def onElement(self, element: domish.Element) -> None:
        """The component's first stanza must be its handshake."""
        if (element.uri, element.name) == (self.namespace, "handshake"):
            self.onHandshake(str(element))
        else:
            self.xmlstream.sendStreamError(error.StreamError("not-authorized"))

    def onHandshake(self, handshake: str) -> None:
        """Check the handshake's hash; authorise the stream or refuse it."""
        xs = self.xmlstream
        if handshake != xmlstream.hashPassword(xs.sid, self.secret):
            xs.sendStreamError(error.StreamError("not-authorized", text="Invalid hash"))
            return
        xs.send("<handshake/>")
        xs.dispatch(xs, xmlstream.STREAM_AUTHD_EVENT)


@implementer(ijabber.IService)
class Service(service.Service):
    """A component's service: override the hooks, ``send`` through the manager."""

    def componentConnected(self, xs: Any) -> None:
        pass

    def componentDisconnected(self) -> None:
        pass

    def transportConnected(self, xs: Any) -> None:
        pass

    def send(self, obj: Any) -> None:
        """Send through the parent ``ServiceManager`` (queued while disconnected)."""
        self.parent.send(obj)


class ServiceManager(service.MultiService):
    """Keeps a component's connection for its child services (``IService``)."""

    def __init__(self, jid: str, password: str) -> None:
        service.MultiService.__init__(self)
        self.jabberId = jid
        self.xmlstream: Any = None
        self._packetQueue: list[Any] = []
        self._xsFactory = componentFactory(self.jabberId, password)
        self._xsFactory.addBootstrap(xmlstream.STREAM_CONNECTED_EVENT, self._connected)
        self._xsFactory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, self._authd)
        self._xsFactory.addBootstrap(xmlstream.STREAM_END_EVENT, self._disconnected)
        self._xsFactory.addBootstrap(
            xmlstream.INIT_FAILED_EVENT, lambda reason: self._xsFactory.stopTrying()
        )

    def getFactory(self) -> xmlstream.XmlStreamFactory:
        """The client factory of the component's stream."""
        return self._xsFactory

    def _services(self) -> list[Any]:
        return [child for child in self if ijabber.IService.providedBy(child)]

    def _connected(self, xs: Any) -> None:
        self.xmlstream = xs
        for child in self._services():
            child.transportConnected(xs)

    def _authd(self, xs: Any) -> None:
        queued, self._packetQueue = self._packetQueue, []
        for packet in queued:
            xs.send(packet)
        for child in self._services():
            child.componentConnected(xs)

    def _disconnected(self, _: object) -> None:
        self.xmlstream = None
        for child in self._services():
            child.componentDisconnected()

    def send(self, obj: Any) -> None:
        """Send now when connected, else once the stream is back."""
        if self.xmlstream is not None:
            self.xmlstream.send(obj)
        else:
            self._packetQueue.append(obj)


def buildServiceManager(jid: str, password: str, strport: str) -> ServiceManager:
    """A ``ServiceManager`` with its client service connecting as ``strport`` says
    (``tcp:host:port``, see ``jstrports``)."""
    manager = ServiceManager(jid, password)
    jstrports.client(strport, manager.getFactory()).setServiceParent(manager)
    return manager


class Router:
    """Routes stanzas between connected streams by the host of their ``to`` address.

    ``routes`` maps host names to streams; the key None is the default route, for hosts
    with no route of their own. Connected streams are trusted to address correctly.
    """

    def __init__(self) -> None:
        self.routes: dict[str | None, Any] = {}

    def addRoute(self, destination: str | None, xs: Any) -> None:
        """Route traffic for ``destination`` to ``xs``, and what ``xs`` sends through us."""
        self.routes[destination] = xs
        xs.addObserver("/*", self.route)

    def removeRoute(self, destination: str | None, xs: Any) -> None:
        """Undo ``addRoute`` (only if ``xs`` still serves ``destination``)."""
        xs.removeObserver("/*", self.route)
        if self.routes.get(destination) is xs:
            del self.routes[destination]

    def route(self, stanza: domish.Element) -> None:
        """Pass ``stanza`` to the stream serving the host it is addressed to."""
        destination = jid.JID(stanza["to"])
        log.msg(f"Routing to {destination.full()}: {stanza.toXml()!r}")
        target = self.routes.get(destination.host, self.routes.get(None))
        if target is not None:
            target.send(stanza)


class XMPPComponentServerFactory(xmlstream.XmlStreamServerFactory):
    """Accepts external components knowing ``secret`` and routes their traffic through
    ``router`` (a component serves the host it named in its stream header).
    ``logTraffic`` logs every byte of every component stream."""

    logTraffic = False

    def __init__(self, router: Router, secret: str = "secret") -> None:
        self.router = router
        self.secret = secret

        def authenticatorFactory() -> ListenComponentAuthenticator:
            return ListenComponentAuthenticator(self.secret)

        xmlstream.XmlStreamServerFactory.__init__(self, authenticatorFactory)
        self.addBootstrap(xmlstream.STREAM_CONNECTED_EVENT, self.onConnectionMade)
        self.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, self.onAuthenticated)
        self.serial = 0

    def onConnectionMade(self, xs: Any) -> None:
        """A component connected: number its stream, log its traffic if asked."""
        xs.serial = self.serial
        self.serial += 1

        def logDataIn(buf: bytes) -> None:
            log.msg(f"RECV ({xs.serial}): {buf!r}")

        def logDataOut(buf: bytes) -> None:
            log.msg(f"SEND ({xs.serial}): {buf!r}")

        if self.logTraffic:
            xs.rawDataInFn = logDataIn
            xs.rawDataOutFn = logDataOut
        xs.addObserver(xmlstream.STREAM_ERROR_EVENT, self.onError)

    def onAuthenticated(self, xs: Any) -> None:
        """A component authenticated: route its host to it until it goes away."""
        destination = xs.thisEntity.host
        self.router.addRoute(destination, xs)
        xs.addObserver(xmlstream.STREAM_END_EVENT, self.onConnectionLost, 0, destination, xs)

    def onError(self, reason: Any) -> None:
        log.err(reason, "Stream Error")

    def onConnectionLost(self, destination: str, xs: Any, reason: Any) -> None:
        self.router.removeRoute(destination, xs)
