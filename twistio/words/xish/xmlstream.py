"""The XML stream protocol: one XML document each way, dispatched a stanza at a time.

``XmlStream`` parses what arrives and dispatches events (it is an ``EventDispatcher``):
``STREAM_CONNECTED_EVENT`` (the connection is up), ``STREAM_START_EVENT`` (the root's start
tag arrived), each direct child of the root as an XPath event, ``STREAM_ERROR_EVENT`` (a
``Failure`` of ``ParserError``: the connection is then dropped) and ``STREAM_END_EVENT``
(the connection is gone, with its reason). Factories made with ``BootstrapMixin`` add
observers to each protocol before it sees a byte.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.internet import protocol
from twistio.python import failure
from twistio.words.xish import domish, utility

__all__ = [
    "STREAM_CONNECTED_EVENT",
    "STREAM_END_EVENT",
    "STREAM_ERROR_EVENT",
    "STREAM_START_EVENT",
    "BootstrapMixin",
    "XmlStream",
    "XmlStreamFactory",
    "XmlStreamFactoryMixin",
]

STREAM_CONNECTED_EVENT = "//event/stream/connected"
STREAM_START_EVENT = "//event/stream/start"
STREAM_END_EVENT = "//event/stream/end"
STREAM_ERROR_EVENT = "//event/stream/error"


class XmlStream(protocol.Protocol, utility.EventDispatcher):
    """Parses the peer's XML stream and dispatches its events; ``send`` writes ours.

    ``rawDataInFn`` and ``rawDataOutFn``, when set, see every chunk received and sent
    (bytes), for traffic logs.
    """

    def __init__(self) -> None:
        utility.EventDispatcher.__init__(self)
        self.stream: Any = None
        self.rawDataOutFn: Callable[[bytes], object] | None = None
        self.rawDataInFn: Callable[[bytes], object] | None = None

    def _initializeStream(self) -> None:
        """A fresh parser, its events wired to this protocol."""
        self.stream = domish.elementStream()
        self.stream.DocumentStartEvent = self.onDocumentStart
        self.stream.ElementEvent = self.onElement
        self.stream.DocumentEndEvent = self.onDocumentEnd

    def connectionMade(self) -> None:
        self._initializeStream()
        self.dispatch(self, STREAM_CONNECTED_EVENT)

    def dataReceived(self, data: bytes) -> None:
        try:
            if self.rawDataInFn is not None:
                self.rawDataInFn(data)
            self.stream.parse(data)
        except domish.ParserError:
            self.dispatch(failure.Failure(), STREAM_ERROR_EVENT)
            if self.transport is not None:
                self.transport.loseConnection()

    def connectionLost(self, reason: Any = None) -> None:
        self.dispatch(reason, STREAM_END_EVENT)
        self.stream = None

    def onDocumentStart(self, rootElement: domish.Element) -> None:
        """The root's start tag arrived."""
        self.dispatch(self, STREAM_START_EVENT)

    def onElement(self, element: domish.Element) -> None:
        """A stanza (a direct child of the root) arrived."""
        self.dispatch(element)

    def onDocumentEnd(self) -> None:
        """The root's end tag arrived: close the connection."""
        if self.transport is not None:
            self.transport.loseConnection()

    def setDispatchFn(self, fn: Callable[[domish.Element], object]) -> None:
        """Hand stanzas to ``fn`` instead of dispatching them."""
        self.stream.ElementEvent = fn

    def resetDispatchFn(self) -> None:
        """Dispatch stanzas again (undoes ``setDispatchFn``)."""
        self.stream.ElementEvent = self.onElement

    def send(self, obj: Any) -> None:
        """Write ``obj``: an element (serialized), text (UTF-8 encoded) or bytes."""
        if isinstance(obj, domish.Element):
            obj = obj.toXml()
        if isinstance(obj, str):
            obj = obj.encode("utf-8")
        if self.rawDataOutFn is not None:
            self.rawDataOutFn(obj)
        if self.transport is not None:
            self.transport.write(obj)


class BootstrapMixin:
    """For factories: observers (``bootstraps``) put on each protocol they build."""

    def __init__(self) -> None:
        self.bootstraps: list[tuple[Any, Callable[..., Any]]] = []

    def installBootstraps(self, dispatcher: utility.EventDispatcher) -> None:
        """Add every bootstrap observer to ``dispatcher``."""
        for event, fn in self.bootstraps:
            dispatcher.addObserver(event, fn)

    def addBootstrap(self, event: Any, fn: Callable[..., Any]) -> None:
        """Observe ``event`` with ``fn`` on each protocol built from now on."""
        self.bootstraps.append((event, fn))

    def removeBootstrap(self, event: Any, fn: Callable[..., Any]) -> None:
        """Undo ``addBootstrap``."""
        self.bootstraps.remove((event, fn))


class XmlStreamFactoryMixin(BootstrapMixin):
    """Builds ``self.protocol(*args, **kwargs)`` with the bootstraps installed."""

    protocol: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        BootstrapMixin.__init__(self)
        self.args = args
        self.kwargs = kwargs

    def buildProtocol(self, addr: Any) -> Any:
        xs = self.protocol(*self.args, **self.kwargs)
        xs.factory = self
        self.installBootstraps(xs)
        return xs


class XmlStreamFactory(XmlStreamFactoryMixin, protocol.ReconnectingClientFactory):
    """A reconnecting client factory of ``XmlStream``s (the delay resets on connection)."""

    protocol = XmlStream

    def buildProtocol(self, addr: Any) -> Any:
        self.resetDelay()
        return XmlStreamFactoryMixin.buildProtocol(self, addr)
