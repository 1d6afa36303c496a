"""The reactor, transport, protocol and producer interfaces, as ``typing.Protocol`` classes.

Each interface is a structural type for mypy and, at run time, answers
``IFoo.providedBy(obj)`` from what a class declared with ``@implementer(IFoo)``.
``implementer`` here is twistio's own and needs no zope.interface. Where zope.interface
is installed, ``zope.interface.implementer(IFoo)`` with a twistio interface works too:
zope sees a stand-in zope interface of the same name, and ``IFoo.providedBy`` consults it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from twistio.internet.defer import Deferred
    from twistio.python.failure import Failure

__all__ = [
    "IAddress",
    "IConnector",
    "IConsumer",
    "IDelayedCall",
    "IHalfCloseableProtocol",
    "IHandshakeListener",
    "IListeningPort",
    "ILoggingContext",
    "INegotiated",
    "IProducer",
    "IProtocol",
    "IProtocolFactory",
    "IPullProducer",
    "IPushProducer",
    "IReactorCore",
    "IReactorFromThreads",
    "IReactorInThreads",
    "IReactorPluggableResolver",
    "IReactorTCP",
    "IReactorThreads",
    "IReactorTime",
    "ISSLTransport",
    "IStreamClientEndpoint",
    "IStreamServerEndpoint",
    "ISystemHandle",
    "ITCPTransport",
    "ITLSTransport",
    "ITransport",
    "implementedBy",
    "implementer",
    "providedBy",
]

_C = TypeVar("_C", bound=type)

_ProtocolMeta: type = type(Protocol)

try:  # pragma: no cover - exercised when zope.interface is installed
    from zope.interface.interface import InterfaceClass as _ZopeInterfaceClass
except ImportError:  # pragma: no cover
    _ZopeInterfaceClass = None

_zope_shadows: dict[type, Any] = {}


def _zope_shadow(iface: type) -> Any:
    """The stand-in zope interface for a twistio interface (None without zope).

    It has the interface's name, its bases' stand-ins, and its public methods, so that
    ``zope.interface.verify.verifyObject`` checks what it checks under Twisted.
    """
    if _ZopeInterfaceClass is None:
        return None
    shadow = _zope_shadows.get(iface)
    if shadow is None:
        from zope.interface.interface import fromFunction

        bases = tuple(
            _zope_shadow(b)
            for b in iface.__bases__
            if isinstance(b, _InterfaceMeta) and b is not Interface
        )
        attrs = {
            name: fromFunction(value, None, 1, name)
            for name, value in vars(iface).items()
            if not name.startswith("_") and inspect.isfunction(value)
        }
        shadow = _ZopeInterfaceClass(iface.__name__, bases, attrs, __module__=iface.__module__)
        _zope_shadows[iface] = shadow
    return shadow


class _InterfaceMeta(_ProtocolMeta):  # type: ignore[misc]
    """Metaclass of twistio interfaces: adds ``providedBy``/``implementedBy`` like zope's."""

    def providedBy(cls, obj: object) -> bool:
        """Whether ``obj``'s class (or ``obj`` itself) declared this interface."""
        return providedBy(obj, cls)

    def implementedBy(cls, klass: type) -> bool:
        """Whether ``klass`` declared this interface."""
        return cls in implementedBy(klass) or _zope_implemented(cls, klass)

    def __getattr__(cls, name: str) -> Any:
        # The rest of zope's interface API (namesAndDescriptions, names, extends ...), so
        # that zope.interface.verify.verifyObject(IFoo, obj) works with twistio's IFoo.
        if not name.startswith("_"):
            shadow = _zope_shadow(cls)
            if shadow is not None:
                return getattr(shadow, name)
        raise AttributeError(name)

    def __iter__(cls) -> Iterator[Any]:
        # zope.interface flattens anything iterable it does not recognise; yielding the
        # stand-in lets ``zope.interface.implementer(IFoo)`` accept a twistio interface.
        shadow = _zope_shadow(cls)
        return iter(() if shadow is None else (shadow,))


def _zope_implemented(iface: type, klass: type) -> bool:
    shadow = _zope_shadows.get(iface)
    return shadow is not None and bool(shadow.implementedBy(klass))


def implementedBy(klass: type) -> tuple[type, ...]:
    """The twistio interfaces declared by ``klass`` and its bases with ``implementer``."""
    found: tuple[type, ...] = getattr(klass, "__twistio_implements__", ())
    return found


def providedBy(obj: object, iface: Any) -> bool:
    """Whether ``obj`` provides ``iface`` (a twistio interface, or a zope one if installed)."""
    if isinstance(iface, _InterfaceMeta):
        if iface in getattr(type(obj), "__twistio_implements__", ()):
            return True
        if iface in getattr(obj, "__twistio_provides__", ()):
            return True
        shadow = _zope_shadows.get(iface)
        return shadow is not None and bool(shadow.providedBy(obj))
    provided_by = getattr(iface, "providedBy", None)
    return bool(provided_by(obj)) if provided_by is not None else False


def implementer(*interfaces: Any) -> Callable[[_C], _C]:
    """Class decorator declaring that instances provide ``interfaces``.

    twistio interfaces are recorded on the class; zope interfaces, when zope.interface is
    installed, are handed to ``zope.interface.classImplements``.
    """

    def declare(klass: _C) -> _C:
        ours = [i for i in interfaces if isinstance(i, _InterfaceMeta)]
        others = [i for i in interfaces if not isinstance(i, _InterfaceMeta)]
        if ours:
            inherited: tuple[type, ...] = getattr(klass, "__twistio_implements__", ())
            merged = inherited + tuple(i for i in ours if i not in inherited)
            klass.__twistio_implements__ = merged  # type: ignore[attr-defined]
            if _ZopeInterfaceClass is not None:
                # Declared to zope as well, so zope's providedBy and verifyObject agree.
                from zope.interface import classImplements

                classImplements(klass, *(_zope_shadow(i) for i in ours))
        if others:
            from zope.interface import classImplements

            classImplements(klass, *others)
        return klass

    return declare


class Interface(Protocol, metaclass=_InterfaceMeta):
    """Base of twistio's interfaces."""


class IAddress(Interface, Protocol):
    """An address: ``IPv4Address``, ``IPv6Address``, ``UNIXAddress`` ..."""


class ILoggingContext(Interface, Protocol):
    """Something that names itself in log lines."""

    def logPrefix(self) -> str:
        """The prefix for log lines about this object."""


class IDelayedCall(Interface, Protocol):
    """A call scheduled with ``callLater``."""

    def getTime(self) -> float:
        """When it will run, in epoch seconds (``reactor.seconds()``)."""

    def cancel(self) -> None:
        """Unschedule it; ``AlreadyCancelled`` or ``AlreadyCalled`` when too late."""

    def delay(self, secondsLater: float) -> None:
        """Run it ``secondsLater`` seconds later than planned."""

    def reset(self, secondsFromNow: float) -> None:
        """Run it ``secondsFromNow`` seconds from now instead."""

    def active(self) -> bool:
        """Whether it has neither run nor been cancelled."""


class IReactorTime(Interface, Protocol):
    """Time and scheduling: what ``task.Clock`` also provides."""

    def seconds(self) -> float:
        """The current time in epoch seconds."""

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> IDelayedCall:
        """Call ``callable(*args, **kwargs)`` in ``delay`` seconds."""

    def getDelayedCalls(self) -> Sequence[IDelayedCall]:
        """The calls scheduled and not yet run or cancelled."""


class IReactorCore(Interface, Protocol):
    """Running, stopping, and the startup/shutdown system events."""

    running: bool

    def resolve(self, name: str, timeout: Sequence[int] = ...) -> Deferred[str]:
        """Resolve a host name to an IPv4 address string."""

    def run(self) -> None:
        """Run the event loop until ``stop``."""

    def stop(self) -> None:
        """Fire the shutdown event and stop the loop."""

    def crash(self) -> None:
        """Stop the loop at once, without the shutdown event."""

    def iterate(self, delay: float = 0) -> None:
        """Run one pass of the loop (for tests only)."""

    def fireSystemEvent(self, eventType: str) -> None:
        """Fire the triggers of ``eventType`` ('startup', 'shutdown' ...)."""

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Call ``callable`` in ``phase`` ('before', 'during', 'after') of ``eventType``."""

    def removeSystemEventTrigger(self, triggerID: Any) -> None:
        """Remove a trigger added with ``addSystemEventTrigger``."""

    def callWhenRunning(self, callable: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``callable`` now if running, else once the reactor starts."""


class IReactorFromThreads(Interface, Protocol):
    """Scheduling onto the reactor from another thread."""

    def callFromThread(self, callable: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Call ``callable`` soon in the reactor thread; safe from any thread."""


class IReactorInThreads(Interface, Protocol):
    """Running functions in the reactor's thread pool."""

    def callInThread(self, callable: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Call ``callable`` in a pool thread."""


class IReactorThreads(IReactorFromThreads, IReactorInThreads, Protocol):
    """The reactor's thread pool and thread scheduling."""

    def getThreadPool(self) -> Any:
        """The thread pool, created on first use and shut down with the reactor."""

    def suggestThreadPoolSize(self, size: int) -> None:
        """Set the maximum number of pool threads."""


class IReactorPluggableResolver(Interface, Protocol):
    """A reactor whose ``resolve`` can be replaced."""

    def installResolver(self, resolver: Any) -> Any:
        """Install ``resolver`` and return the previous one."""


class IProtocol(Interface, Protocol):
    """A stream protocol: ``makeConnection``, then ``dataReceived``*, then ``connectionLost``."""

    def makeConnection(self, transport: Any) -> None:
        """Attach ``transport`` and call ``connectionMade``."""

    def connectionMade(self) -> None:
        """The connection is up; ``self.transport`` is set."""

    def dataReceived(self, data: bytes) -> None:
        """Bytes arrived; chunk boundaries are arbitrary."""

    def connectionLost(self, reason: Failure) -> None:
        """The connection closed: ``ConnectionDone`` if cleanly, else ``ConnectionLost``."""


class IProtocolFactory(Interface, Protocol):
    """Builds a protocol per connection."""

    def buildProtocol(self, addr: Any) -> IProtocol | None:
        """A protocol for a connection with ``addr``, or None to refuse it."""

    def doStart(self) -> None:
        """Called when a port or connector starts using the factory."""

    def doStop(self) -> None:
        """Called when a port or connector stops using the factory."""


class IHalfCloseableProtocol(Interface, Protocol):
    """A protocol told separately when each direction of the connection closes."""

    def readConnectionLost(self) -> None:
        """The peer will send no more (it half-closed); writing still works."""

    def writeConnectionLost(self) -> None:
        """Our ``loseWriteConnection`` has completed: the write side is shut down."""


class IProducer(Interface, Protocol):
    """Produces data for a consumer."""

    def stopProducing(self) -> None:
        """Stop for good; no more writes after this."""


class IPushProducer(IProducer, Protocol):
    """Writes on its own until paused."""

    def pauseProducing(self) -> None:
        """Stop writing until ``resumeProducing``."""

    def resumeProducing(self) -> None:
        """Start writing again."""


class IPullProducer(IProducer, Protocol):
    """Writes one chunk each time it is asked."""

    def resumeProducing(self) -> None:
        """Write one chunk to the consumer."""


class IConsumer(Interface, Protocol):
    """Accepts data from a producer."""

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Attach a push (``streaming=True``) or pull producer."""

    def unregisterProducer(self) -> None:
        """Detach the producer."""

    def write(self, data: bytes) -> None:
        """Write bytes."""


class ITransport(Interface, Protocol):
    """A bidirectional byte stream as a protocol sees it."""

    def write(self, data: bytes) -> None:
        """Send bytes, buffering what cannot be sent at once; ``str`` is a TypeError."""

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Send each of a sequence of byte strings."""

    def loseConnection(self) -> None:
        """Close once buffered data is sent."""

    def getPeer(self) -> Any:
        """The remote address."""

    def getHost(self) -> Any:
        """The local address."""


class ITCPTransport(ITransport, Protocol):
    """A TCP connection's transport."""

    def loseWriteConnection(self) -> None:
        """Half-close: shut down the write side once buffered data is sent."""

    def abortConnection(self) -> None:
        """Close at once, dropping buffered data."""

    def getTcpNoDelay(self) -> bool:
        """Whether Nagle's algorithm is off."""

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Turn Nagle's algorithm off (True) or on."""

    def getTcpKeepAlive(self) -> bool:
        """Whether TCP keepalive is on."""

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn TCP keepalive on or off."""


class IListeningPort(Interface, Protocol):
    """A listening socket."""

    def startListening(self) -> None:
        """Bind and listen; ``CannotListenError`` if that fails."""

    def stopListening(self) -> Deferred[None] | None:
        """Stop accepting; the Deferred fires once the socket is closed."""

    def getHost(self) -> Any:
        """The bound address (with the real port when 0 was asked for)."""


class IConnector(Interface, Protocol):
    """An outgoing connection attempt, reusable with ``connect``."""

    def stopConnecting(self) -> None:
        """Abandon the attempt; the factory sees ``UserError``."""

    def disconnect(self) -> None:
        """Stop connecting, or close the connection."""

    def connect(self) -> None:
        """Connect (again)."""

    def getDestination(self) -> Any:
        """The address being connected to."""


class IReactorTCP(Interface, Protocol):
    """TCP servers and clients."""

    def listenTCP(
        self, port: int, factory: Any, backlog: int = 50, interface: str = ""
    ) -> IListeningPort:
        """Listen on ``port`` (0 for any) and serve connections with ``factory``."""

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> IConnector:
        """Connect to ``host:port``; ``factory`` is a ``ClientFactory``."""


class IStreamServerEndpoint(Interface, Protocol):
    """Somewhere to listen for stream connections."""

    def listen(self, protocolFactory: Any) -> Deferred[Any]:
        """Listen; fires with an ``IListeningPort``."""


class IStreamClientEndpoint(Interface, Protocol):
    """Somewhere to connect a stream to."""

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """Connect; fires with the connected protocol."""


# -- TLS (twistio.internet.ssl, twistio.protocols.tls) ---------------------------------------


class ISystemHandle(Interface, Protocol):
    """An object with a handle from the system or a library underneath it."""

    def getHandle(self) -> Any:
        """The handle (for a TLS transport, its ``ssl.SSLObject``)."""


class INegotiated(Interface, Protocol):
    """A connection that negotiated an application protocol (TLS ALPN)."""

    negotiatedProtocol: bytes | None


class IHandshakeListener(Interface, Protocol):
    """A protocol told when the TLS handshake of its transport has completed."""

    def handshakeCompleted(self) -> None:
        """The handshake is done: the peer's certificate and ALPN choice are known."""


class ISSLTransport(ITCPTransport, Protocol):
    """A TLS connection's transport."""

    def getPeerCertificate(self) -> Any:
        """The peer's certificate, or None."""


class ITLSTransport(ITCPTransport, Protocol):
    """A transport that can switch to TLS."""

    def startTLS(self, contextFactory: Any) -> None:
        """Speak TLS from now on, configured by ``contextFactory``."""
