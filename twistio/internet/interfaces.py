"""The reactor, transport, protocol and producer interfaces, as ``typing.Protocol`` classes.

Each interface is a structural type for mypy and, at run time, answers
``IFoo.providedBy(obj)`` from what a class declared with ``@implementer(IFoo)``.
``implementer`` here is twistio's own and needs no zope.interface. Where zope.interface
is installed, ``zope.interface.implementer(IFoo)`` with a twistio interface works too:
zope sees a stand-in zope interface of the same name, and ``IFoo.providedBy`` consults it.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, NewType, Protocol, TypeAlias, TypeVar

from typing_extensions import ParamSpec

if TYPE_CHECKING:
    from twistio.internet.defer import Deferred
    from twistio.internet.protocol import (
        ClientFactory,
        ConnectedDatagramProtocol,
        DatagramProtocol,
    )
    from twistio.python.failure import Failure
    from twistio.python.threadpool import ThreadPool

__all__ = [
    "Binding",
    "IAcceptableCiphers",
    "IAddress",
    "ICipher",
    "IConnector",
    "IConsumer",
    "IDelayedCall",
    "IFileDescriptor",
    "IFileDescriptorReceiver",
    "IHalfCloseableDescriptor",
    "IHalfCloseableProtocol",
    "IHandshakeListener",
    "IHostResolution",
    "IHostnameResolver",
    "IListeningPort",
    "ILoggingContext",
    "IMulticastTransport",
    "INegotiated",
    "IOpenSSLClientConnectionCreator",
    "IOpenSSLContextFactory",
    "IOpenSSLServerConnectionCreator",
    "IOpenSSLTrustRoot",
    "IProcessProtocol",
    "IProcessTransport",
    "IProducer",
    "IProtocol",
    "IProtocolFactory",
    "IProtocolNegotiationFactory",
    "IPullProducer",
    "IPushProducer",
    "IReactorCore",
    "IReactorDaemonize",
    "IReactorFDSet",
    "IReactorFromThreads",
    "IReactorInThreads",
    "IReactorMulticast",
    "IReactorPluggableNameResolver",
    "IReactorPluggableResolver",
    "IReactorProcess",
    "IReactorSSL",
    "IReactorSocket",
    "IReactorTCP",
    "IReactorTCP2",
    "IReactorThreads",
    "IReactorTime",
    "IReactorUDP",
    "IReactorUNIX",
    "IReactorUNIXDatagram",
    "IReactorWin32Events",
    "IReadDescriptor",
    "IReadWriteDescriptor",
    "IResolutionReceiver",
    "IResolver",
    "IResolverSimple",
    "ISSLTransport",
    "IServiceCollection",
    "IStreamClientEndpoint",
    "IStreamClientEndpointStringParserWithReactor",
    "IStreamServerEndpoint",
    "IStreamServerEndpointStringParser",
    "ISystemHandle",
    "ITCPTransport",
    "ITLSTransport",
    "ITransport",
    "IUDPTransport",
    "IUNIXDatagramConnectedTransport",
    "IUNIXDatagramTransport",
    "IUNIXTransport",
    "IWriteDescriptor",
    "Interface",
    "implementedBy",
    "implementer",
    "is_twistio_interface",
    "providedBy",
    "zope_interface_for",
]

_C = TypeVar("_C")  # a class, or a function (an observer)
_P = ParamSpec("_P")

_ProtocolMeta: type = type(Protocol)

try:  # pragma: no cover - exercised when zope.interface is installed
    from zope.interface.interface import InterfaceClass as _ZopeInterfaceClass
except ImportError:  # pragma: no cover
    _ZopeInterfaceClass = None


class _ZopeInterface(Protocol):
    """What twistio asks of a zope interface (zope.interface has no type hints)."""

    def providedBy(self, obj: object) -> bool: ...

    def implementedBy(self, klass: type) -> bool: ...

    def setTaggedValue(self, key: str, value: object) -> None: ...


_zope_shadows: dict[type, _ZopeInterface] = {}


def _zope_shadow(iface: type) -> _ZopeInterface | None:
    """The stand-in zope interface for a twistio interface (None without zope).

    It has the interface's name, its bases' stand-ins, and its public methods, so that
    ``zope.interface.verify.verifyObject`` checks what it checks under Twisted.
    """
    if _ZopeInterfaceClass is None:
        return None
    shadow = _zope_shadows.get(iface)
    if shadow is None:
        from zope.interface.interface import Attribute, fromFunction

        bases = tuple(
            _zope_shadow(b)
            for b in iface.__bases__
            if isinstance(b, _InterfaceMeta) and b is not Interface
        )
        # Attributes: annotated names, and read-only ones declared as properties.
        attrs: dict[str, object] = {
            name: Attribute(name)
            for name in (
                *vars(iface).get("__annotations__", {}),
                *(n for n, v in vars(iface).items() if isinstance(v, property)),
            )
            if not name.startswith("_")
        }
        attrs.update(
            (name, fromFunction(value, None, 1, name))
            for name, value in vars(iface).items()
            if not name.startswith("_") and inspect.isfunction(value)
        )
        shadow = _ZopeInterfaceClass(iface.__name__, bases, attrs, __module__=iface.__module__)
        assert shadow is not None
        shadow.setTaggedValue("twistio.interface", iface)  # the way back, for adaptation
        _zope_shadows[iface] = shadow
    return shadow


def is_twistio_interface(obj: object) -> bool:
    """Whether ``obj`` is a twistio interface (not a class that merely implements one)."""
    return isinstance(obj, _InterfaceMeta) and bool(obj.__dict__.get("_is_protocol", False))


def zope_interface_for(iface: type) -> _ZopeInterface | None:
    """The zope.interface stand-in of a twistio interface (None without zope.interface).

    Its tagged value ``"twistio.interface"`` leads back to ``iface``.
    """
    return _zope_shadow(iface)


_components_module: ModuleType | None = None


def _components() -> ModuleType:
    """``twistio.python.components`` (imported on first use: it imports this module)."""
    global _components_module
    if _components_module is None:
        import twistio.python.components as module

        _components_module = module
    return _components_module


class _InterfaceMeta(_ProtocolMeta):  # type: ignore[misc]
    """Metaclass of twistio interfaces: adds ``providedBy``/``implementedBy`` like zope's."""

    def providedBy(cls, obj: object) -> bool:
        """Whether ``obj``'s class (or ``obj`` itself) declared this interface."""
        return providedBy(obj, cls)

    def implementedBy(cls, klass: type) -> bool:
        """Whether ``klass`` declared this interface."""
        return any(cls in declared.__mro__ for declared in implementedBy(klass)) or (
            _zope_implemented(cls, klass)
        )

    def __call__(cls, *args: object, **kwargs: object) -> object:
        """``IFoo(obj[, alternate])`` adapts ``obj`` to the interface, as zope.interface does.

        ``obj.__conform__(IFoo)``, else ``obj`` if it provides ``IFoo``, else what the
        adapter registered with ``twistio.python.components.registerAdapter`` makes of it;
        ``alternate`` or ``TypeError('Could not adapt', obj, IFoo)`` when nothing adapts.
        """
        if not cls.__dict__.get("_is_protocol", False):
            return super().__call__(*args, **kwargs)  # a concrete class: instantiate it
        return _components().adapt(cls, *args, **kwargs)

    def __adapt__(cls, obj: object) -> object:
        """``obj`` adapted to the interface without ``__conform__``, or None."""
        return _components().adaptTo(cls, obj)

    def __getattr__(cls, name: str) -> object:
        # The rest of zope's interface API (namesAndDescriptions, names, extends ...), so
        # that zope.interface.verify.verifyObject(IFoo, obj) works with twistio's IFoo.
        if not name.startswith("_"):
            shadow = _zope_shadow(cls)
            if shadow is not None:
                return getattr(shadow, name)
        raise AttributeError(name)

    # Interfaces order as zope's do: by name, then by module (sorted(), as in cred's
    # listCheckers, takes a mix of twistio's and zope's); None sorts after every interface.
    def _order(cls, other: object) -> tuple[tuple[str, str], tuple[str, str]] | None:
        if isinstance(other, _InterfaceMeta) or (
            _ZopeInterfaceClass is not None and isinstance(other, _ZopeInterfaceClass)
        ):
            theirs = (str(getattr(other, "__name__", "")), str(getattr(other, "__module__", "")))
            return (str(cls.__name__), cls.__module__), theirs
        return None

    def __lt__(cls, other: object) -> bool:
        if other is None:
            return True
        pair = cls._order(other)
        return NotImplemented if pair is None else pair[0] < pair[1]

    def __le__(cls, other: object) -> bool:
        if other is None or other is cls:
            return True
        pair = cls._order(other)
        return NotImplemented if pair is None else pair[0] <= pair[1]

    def __gt__(cls, other: object) -> bool:
        if other is None:
            return False
        pair = cls._order(other)
        return NotImplemented if pair is None else pair[0] > pair[1]

    def __ge__(cls, other: object) -> bool:
        if other is None:
            return False
        if other is cls:
            return True
        pair = cls._order(other)
        return NotImplemented if pair is None else pair[0] >= pair[1]

    def __iter__(cls) -> Iterator[object]:
        """The names the interface declares, as iterating a zope interface gives."""
        # zope.interface's declarations flatten anything iterable they do not recognise;
        # to them the stand-in is yielded, so that ``zope.interface.implementer(IFoo)``
        # accepts a twistio interface.
        if sys._getframe(1).f_globals.get("__name__", "").startswith("zope.interface"):
            shadow = _zope_shadow(cls)
            return iter(() if shadow is None else (shadow,))
        names: list[object] = []
        for klass in inspect.getmro(cls):
            if not isinstance(klass, _InterfaceMeta) or klass is Interface:
                continue
            declared = vars(klass)
            for name in (*declared.get("__annotations__", {}), *declared):
                if name.startswith("_") or name in names:
                    continue
                value = declared.get(name)
                if (
                    name in declared.get("__annotations__", {})
                    or inspect.isfunction(value)
                    or isinstance(value, property)
                ):
                    names.append(name)
        return iter(names)


def _zope_implemented(iface: type, klass: type) -> bool:
    shadow = _zope_shadows.get(iface)
    return shadow is not None and bool(shadow.implementedBy(klass))


def implementedBy(klass: type) -> tuple[type, ...]:
    """The twistio interfaces declared by ``klass`` and its bases with ``implementer``."""
    found: tuple[type, ...] = getattr(klass, "__twistio_implements__", ())
    return found


def providedBy(obj: object, iface: object) -> bool:
    """Whether ``obj`` provides ``iface`` (a twistio interface, or a zope one if installed)."""
    if isinstance(iface, _InterfaceMeta):
        for declared in (
            *getattr(type(obj), "__twistio_implements__", ()),
            *getattr(obj, "__twistio_provides__", ()),
        ):
            if iface in declared.__mro__:  # the interface or one extending it
                return True
        shadow = _zope_shadows.get(iface)
        return shadow is not None and bool(shadow.providedBy(obj))
    provided_by = getattr(iface, "providedBy", None)
    return bool(provided_by(obj)) if provided_by is not None else False


def implementer(*interfaces: object) -> Callable[[_C], _C]:
    """Class decorator declaring that instances provide ``interfaces`` (on a function, or
    any object that is not a class: that the object itself provides them).

    twistio interfaces are recorded on the class; zope interfaces, when zope.interface is
    installed, are handed to ``zope.interface.classImplements``.
    """

    def declare(klass: _C) -> _C:
        ours = [i for i in interfaces if isinstance(i, _InterfaceMeta)]
        others = [i for i in interfaces if not isinstance(i, _InterfaceMeta)]
        if not isinstance(klass, type):
            # A function (an observer, say): the object itself provides the interfaces.
            provided: tuple[type, ...] = getattr(klass, "__twistio_provides__", ())
            added = tuple(i for i in ours if i not in provided)
            klass.__twistio_provides__ = provided + added  # type: ignore[attr-defined]
            zope = [*(_zope_shadow(i) for i in ours if _ZopeInterfaceClass is not None), *others]
            if zope:
                from zope.interface import alsoProvides

                alsoProvides(klass, *zope)
            return klass
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


#: Which address classes a name lookup may report; ``None`` lets every class through.
_AddressTypes: TypeAlias = "Sequence[type[IAddress]] | None"


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
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs
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
        callable: Callable[_P, object],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> object:
        """Call ``callable`` in ``phase`` ('before', 'during', 'after') of ``eventType``."""

    def removeSystemEventTrigger(self, triggerID: object) -> None:
        """Remove a trigger added with ``addSystemEventTrigger``."""

    def callWhenRunning(
        self, callable: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs
    ) -> object:
        """Call ``callable`` now if running, else once the reactor starts."""


class IReactorFromThreads(Interface, Protocol):
    """Scheduling onto the reactor from another thread."""

    def callFromThread(
        self, callable: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None:
        """Call ``callable`` soon in the reactor thread; safe from any thread."""


class IReactorInThreads(Interface, Protocol):
    """Running functions in the reactor's thread pool."""

    def callInThread(
        self, callable: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None:
        """Call ``callable`` in a pool thread."""


class IReactorThreads(IReactorFromThreads, IReactorInThreads, Protocol):
    """The reactor's thread pool and thread scheduling."""

    def getThreadPool(self) -> ThreadPool:
        """The thread pool, created on first use and shut down with the reactor."""

    def suggestThreadPoolSize(self, size: int) -> None:
        """Set the maximum number of pool threads."""


class IReactorPluggableResolver(Interface, Protocol):
    """A reactor whose ``resolve`` can be replaced."""

    def installResolver(self, resolver: IResolverSimple) -> IResolverSimple:
        """Install ``resolver`` and return the previous one."""


class IProtocol(Interface, Protocol):
    """A stream protocol: ``makeConnection``, then ``dataReceived``*, then ``connectionLost``."""

    def makeConnection(self, transport: ITransport) -> None:
        """Attach ``transport`` and call ``connectionMade``."""

    def connectionMade(self) -> None:
        """The connection is up; ``self.transport`` is set."""

    def dataReceived(self, data: bytes) -> None:
        """Bytes arrived; chunk boundaries are arbitrary."""

    def connectionLost(self, reason: Failure) -> None:
        """The connection closed: ``ConnectionDone`` if cleanly, else ``ConnectionLost``."""


class IProtocolFactory(Interface, Protocol):
    """Builds a protocol per connection."""

    def buildProtocol(self, addr: IAddress) -> IProtocol | None:
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

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
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

    def getPeer(self) -> IAddress:
        """The remote address."""

    def getHost(self) -> IAddress:
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

    def getHost(self) -> IAddress:
        """The bound address (with the real port when 0 was asked for)."""


class IConnector(Interface, Protocol):
    """An outgoing connection attempt, reusable with ``connect``."""

    def stopConnecting(self) -> None:
        """Abandon the attempt; the factory sees ``UserError``."""

    def disconnect(self) -> None:
        """Stop connecting, or close the connection."""

    def connect(self) -> None:
        """Connect (again)."""

    def getDestination(self) -> IAddress:
        """The address being connected to."""


class IReactorTCP(Interface, Protocol):
    """TCP servers and clients."""

    def listenTCP(
        self, port: int, factory: IProtocolFactory, backlog: int = 50, interface: str = ""
    ) -> IListeningPort:
        """Listen on ``port`` (0 for any) and serve connections with ``factory``."""

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        timeout: float = 30,
        bindAddress: tuple[str, int] | Binding | None = None,
    ) -> IConnector:
        """Connect to ``host:port``; ``factory`` is a ``ClientFactory``."""


class IStreamServerEndpoint(Interface, Protocol):
    """Somewhere to listen for stream connections."""

    def listen(self, protocolFactory: IProtocolFactory) -> Deferred[IListeningPort]:
        """Listen; fires with an ``IListeningPort``."""


class IStreamClientEndpoint(Interface, Protocol):
    """Somewhere to connect a stream to."""

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """Connect; fires with the connected protocol."""


# -- the rest of Twisted's interfaces -----------------------------------------------------------


class _BindingSpec:
    """Where and how a port binds: made by ``tcp.makeBinding``, read by ``listenTCP`` and
    ``connectTCP`` (the ``Binding`` they are given)."""

    __slots__ = ("address", "port", "reuseAddress", "reusePort")

    def __init__(
        self, address: tuple[str, int], port: int, reuseAddress: bool, reusePort: bool
    ) -> None:
        self.address = address
        self.port = port
        self.reuseAddress = reuseAddress
        self.reusePort = reusePort

    def _key(self) -> tuple[tuple[str, int], int, bool, bool]:
        return (self.address, self.port, self.reuseAddress, self.reusePort)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _BindingSpec):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Binding(address={self.address!r}, reuseAddress={self.reuseAddress!r}, "
            f"reusePort={self.reusePort!r})"
        )


#: The type of ``tcp.makeBinding``'s result (``listenTCP``'s port, ``bindAddress``).
Binding = NewType("Binding", _BindingSpec)


class ISystemHandle(Interface, Protocol):
    """Something wrapping an operating system handle (a socket)."""

    def getHandle(self) -> object:
        """The handle; using it directly bypasses the transport."""


class IFileDescriptor(ILoggingContext, Protocol):
    """A file descriptor a reactor watches (``addReader``/``addWriter``)."""

    def fileno(self) -> int:
        """The descriptor number; -1 once closed."""

    def connectionLost(self, reason: Failure) -> None:
        """The descriptor was closed or failed; the reactor no longer watches it."""


class IReadDescriptor(IFileDescriptor, Protocol):
    """A descriptor told when it can be read."""

    def doRead(self) -> object:
        """Read what is there; a non-None result (an exception) closes the descriptor."""


class IWriteDescriptor(IFileDescriptor, Protocol):
    """A descriptor told when it can be written."""

    def doWrite(self) -> object:
        """Write what is pending; a non-None result (an exception) closes the descriptor."""


class IReadWriteDescriptor(IReadDescriptor, IWriteDescriptor, Protocol):
    """A descriptor that reads and writes."""


class IHalfCloseableDescriptor(Interface, Protocol):
    """A descriptor whose two directions close separately."""

    def writeConnectionLost(self, reason: Failure) -> None:
        """The write direction is closed."""

    def readConnectionLost(self, reason: Failure) -> None:
        """The read direction is closed."""


class IReactorFDSet(Interface, Protocol):
    """A reactor that watches ``IReadDescriptor``/``IWriteDescriptor`` objects."""

    def addReader(self, reader: IReadDescriptor) -> None:
        """Call ``reader.doRead()`` whenever its descriptor is readable."""

    def addWriter(self, writer: IWriteDescriptor) -> None:
        """Call ``writer.doWrite()`` whenever its descriptor is writable."""

    def removeReader(self, reader: IReadDescriptor) -> None:
        """Stop watching ``reader``."""

    def removeWriter(self, writer: IWriteDescriptor) -> None:
        """Stop watching ``writer``."""

    def removeAll(self) -> list[IReadDescriptor | IWriteDescriptor]:
        """Stop watching everything; return what was watched."""

    def getReaders(self) -> list[IReadDescriptor]:
        """The readers watched."""

    def getWriters(self) -> list[IWriteDescriptor]:
        """The writers watched."""


class IHostResolution(Interface, Protocol):
    """A host name resolution in progress."""

    name: str

    def cancel(self) -> None:
        """Stop the resolution."""


class IResolutionReceiver(Interface, Protocol):
    """Told what a host name resolves to: began, each address, complete."""

    def resolutionBegan(self, resolutionInProgress: IHostResolution) -> None:
        """The resolution started."""

    def addressResolved(self, address: IAddress) -> None:
        """One address (an ``IPv4Address`` or ``IPv6Address``) was found."""

    def resolutionComplete(self) -> None:
        """No more addresses will come."""


class IHostnameResolver(Interface, Protocol):
    """Resolves a host name and port to addresses, telling an ``IResolutionReceiver``."""

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: _AddressTypes = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """Start resolving ``hostName``; ``addressTypes`` restricts the address classes."""


class IResolverSimple(Interface, Protocol):
    """Resolves a name to one IPv4 address string."""

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        """The address; fails with ``DNSLookupError``."""


class IResolver(IResolverSimple, Protocol):
    """A DNS resolver: every record type (the ``names`` package implements it)."""

    def query(self, query: object, timeout: Sequence[int] = ...) -> Deferred[object]:
        """Answer a ``dns.Query``."""

    def lookupAddress(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """A records."""

    def lookupAddress6(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """A6 records."""

    def lookupIPV6Address(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """AAAA records."""

    def lookupMailExchange(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """MX records."""

    def lookupNameservers(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """NS records."""

    def lookupCanonicalName(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """CNAME records."""

    def lookupMailBox(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """MB records."""

    def lookupMailGroup(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """MG records."""

    def lookupMailRename(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """MR records."""

    def lookupPointer(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """PTR records."""

    def lookupAuthority(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """SOA records."""

    def lookupNull(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """NULL records."""

    def lookupWellKnownServices(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """WKS records."""

    def lookupHostInfo(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """HINFO records."""

    def lookupMailboxInfo(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """MINFO records."""

    def lookupText(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """TXT records."""

    def lookupResponsibility(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """RP records."""

    def lookupAFSDatabase(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """AFSDB records."""

    def lookupService(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """SRV records."""

    def lookupAllRecords(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """ALL_RECORDS records."""

    def lookupSenderPolicy(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """SPF records."""

    def lookupNamingAuthorityPointer(
        self, name: str, timeout: Sequence[int] = ...
    ) -> Deferred[object]:
        """NAPTR records."""

    def lookupZone(self, name: str, timeout: Sequence[int] = ...) -> Deferred[object]:
        """A zone transfer (AXFR)."""


class IReactorPluggableNameResolver(Interface, Protocol):
    """A reactor whose host name resolver (``nameResolver``) can be replaced."""

    nameResolver: IHostnameResolver

    def installNameResolver(self, resolver: IHostnameResolver) -> IHostnameResolver:
        """Use ``resolver`` from now on; return the previous one."""


class IReactorTCP2(IReactorTCP, Protocol):
    """``listenTCP`` taking a ``Binding`` (``tcp.makeBinding``) for its port."""


class IReactorUDP(Interface, Protocol):
    """UDP ports."""

    def listenUDP(
        self, port: int, protocol: DatagramProtocol, interface: str = "", maxPacketSize: int = 8192
    ) -> IListeningPort:
        """Bind ``port`` for a ``DatagramProtocol``."""


class IReactorMulticast(Interface, Protocol):
    """UDP ports that join multicast groups."""

    def listenMulticast(
        self,
        port: int,
        protocol: DatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        listenMultiple: bool = False,
    ) -> IListeningPort:
        """Bind ``port`` for a ``DatagramProtocol``; the port has ``joinGroup``."""


class IReactorUNIX(Interface, Protocol):
    """UNIX stream sockets."""

    def connectUNIX(
        self, address: str, factory: ClientFactory, timeout: float = 30, checkPID: int = 0
    ) -> IConnector:
        """Connect to the socket at ``address`` with a ``ClientFactory``."""

    def listenUNIX(
        self,
        address: str,
        factory: IProtocolFactory,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: int = 0,
    ) -> IListeningPort:
        """Listen on a socket file (or a Linux abstract name starting with NUL)."""


class IReactorUNIXDatagram(Interface, Protocol):
    """UNIX datagram sockets."""

    def connectUNIXDatagram(
        self,
        address: str,
        protocol: ConnectedDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: str | None = None,
    ) -> IListeningPort:
        """Connect a ``ConnectedDatagramProtocol`` to the datagram socket at ``address``
        (Twisted says it returns an ``IConnector``; its reactors, like twistio's, return the
        port)."""

    def listenUNIXDatagram(
        self, address: str, protocol: DatagramProtocol, maxPacketSize: int = 8192, mode: int = 0o666
    ) -> IListeningPort:
        """Bind a datagram socket at ``address`` for a ``DatagramProtocol``."""


class IReactorSSL(Interface, Protocol):
    """TLS over TCP."""

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        contextFactory: object,
        timeout: float = 30,
        bindAddress: tuple[str, int] | Binding | None = None,
    ) -> IConnector:
        """Connect over TLS with a ``ClientFactory``."""

    def listenSSL(
        self,
        port: int,
        factory: IProtocolFactory,
        contextFactory: object,
        backlog: int = 50,
        interface: str = "",
    ) -> IListeningPort:
        """Listen for TLS connections."""


class IReactorSocket(Interface, Protocol):
    """Sockets made elsewhere, handed to the reactor."""

    def adoptStreamPort(
        self, fileDescriptor: int, addressFamily: int, factory: IProtocolFactory
    ) -> IListeningPort:
        """Serve a listening stream socket (the descriptor is duplicated, not taken)."""

    def adoptStreamConnection(
        self, fileDescriptor: int, addressFamily: int, factory: IProtocolFactory
    ) -> None:
        """Run a protocol from ``factory`` on a connected stream socket (duplicated)."""

    def adoptDatagramPort(
        self,
        fileDescriptor: int,
        addressFamily: int,
        protocol: DatagramProtocol,
        maxPacketSize: int = 8192,
    ) -> IListeningPort:
        """Serve a bound datagram socket (duplicated) with a ``DatagramProtocol``."""


class IProcessProtocol(Interface, Protocol):
    """What ``spawnProcess`` talks to: the child's output, its pipes closing, its exit."""

    def makeConnection(self, process: IProcessTransport) -> None:
        """The process started; ``process`` is its transport."""

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """Bytes from the child's descriptor ``childFD``."""

    def childConnectionLost(self, childFD: int) -> None:
        """The child's descriptor ``childFD`` closed."""

    def processExited(self, reason: Failure) -> None:
        """The child exited (``ProcessDone`` or ``ProcessTerminated``)."""

    def processEnded(self, reason: Failure) -> None:
        """The child exited and every pipe closed."""


class IProcessTransport(ITransport, Protocol):
    """A child process as a transport."""

    pid: int | None

    def closeStdin(self) -> None:
        """Close the child's stdin once what was written is sent."""

    def closeStdout(self) -> None:
        """Close the child's stdout."""

    def closeStderr(self) -> None:
        """Close the child's stderr."""

    def closeChildFD(self, descriptor: int) -> None:
        """Close the pipe to the child's descriptor ``descriptor``."""

    def writeToChild(self, childFD: int, data: bytes) -> None:
        """Write to the child's descriptor ``childFD``; ``KeyError`` if there is no pipe."""

    def loseConnection(self) -> None:
        """Close stdin, stdout and stderr."""

    def signalProcess(self, signalID: str | int) -> None:
        """Send ``'KILL'``, ``'TERM'``, ``'INT'`` or a signal number; ``ProcessExitedAlready``."""


class IReactorProcess(Interface, Protocol):
    """Child processes."""

    def spawnProcess(
        self,
        processProtocol: IProcessProtocol,
        executable: str | bytes,
        args: Sequence[str | bytes],
        env: Mapping[str | bytes, str | bytes] | None = None,
        path: str | bytes | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool = False,
        childFDs: Mapping[int, int | str] | None = None,
    ) -> IProcessTransport:
        """Start ``executable`` with ``args`` connected to ``processProtocol``."""


class IReactorDaemonize(Interface, Protocol):
    """A reactor told before and after the process daemonizes."""

    def beforeDaemonize(self) -> None:
        """Called just before forking away."""

    def afterDaemonize(self) -> None:
        """Called just after, in the daemon."""


class _ISupportsExitSignalCapturing(Interface, Protocol):
    """A reactor that notes which signal, if any, made it stop (in ``_exitSignal``), so
    that a program running it can end by that same signal once it has cleaned up."""

    _exitSignal: int | None


class IReactorWin32Events(Interface, Protocol):
    """Win32 event objects in the event loop (Windows reactors only)."""

    def addEvent(self, event: object, fd: object, action: str) -> None:
        """Call ``getattr(fd, action)()`` when ``event`` is signalled."""

    def removeEvent(self, event: object) -> None:
        """Stop watching ``event``."""


class IUDPTransport(Interface, Protocol):
    """A UDP port as a ``DatagramProtocol`` sees it."""

    def write(self, packet: bytes, addr: tuple[str, int] | None = None) -> None:
        """Send ``packet`` to ``addr`` (omitted once connected)."""

    def connect(self, host: str, port: int) -> None:
        """Talk to ``(host, port)`` only; refusals call ``connectionRefused``."""

    def getHost(self) -> IAddress:
        """The bound address."""

    def stopListening(self) -> Deferred[None] | None:
        """Close the port."""

    def setBroadcastAllowed(self, enabled: bool) -> None:
        """Allow (or forbid) sending to broadcast addresses."""

    def getBroadcastAllowed(self) -> bool:
        """Whether broadcast is allowed."""


class IMulticastTransport(IUDPTransport, Protocol):
    """A UDP port that joins multicast groups."""

    def getOutgoingInterface(self) -> str | int:
        """The interface multicast datagrams leave by."""

    def setOutgoingInterface(self, addr: str | int) -> Deferred[int]:
        """Send multicast datagrams by the interface with this address."""

    def getLoopbackMode(self) -> bool:
        """Whether our own multicast datagrams come back to us."""

    def setLoopbackMode(self, mode: int) -> None:
        """Set whether our own multicast datagrams come back to us."""

    def getTTL(self) -> int:
        """The multicast time-to-live."""

    def setTTL(self, ttl: int) -> None:
        """Set the multicast time-to-live."""

    def joinGroup(self, addr: str, interface: str | int = "") -> Deferred[None]:
        """Join the group ``addr``."""

    def leaveGroup(self, addr: str, interface: str | int = "") -> Deferred[None]:
        """Leave the group ``addr``."""


class IUNIXDatagramTransport(Interface, Protocol):
    """A UNIX datagram socket."""

    def write(self, packet: bytes, addr: str) -> None:
        """Send ``packet`` to the socket at ``addr``."""

    def getHost(self) -> IAddress:
        """The bound address."""


class IUNIXDatagramConnectedTransport(Interface, Protocol):
    """A connected UNIX datagram socket."""

    def write(self, packet: bytes) -> None:
        """Send ``packet`` to the peer."""

    def getHost(self) -> IAddress:
        """The bound address."""

    def getPeer(self) -> IAddress:
        """The peer's address."""


class IUNIXTransport(ITransport, Protocol):
    """A UNIX stream connection, which can carry file descriptors."""

    def sendFileDescriptor(self, descriptor: int) -> None:
        """Send a duplicate of ``descriptor`` to the peer, in order with the bytes written."""


class IFileDescriptorReceiver(Interface, Protocol):
    """A protocol that receives file descriptors over a UNIX connection."""

    def fileDescriptorReceived(self, descriptor: int) -> None:
        """A descriptor arrived; it is now this process's to close."""


class ITLSTransport(ITCPTransport, Protocol):
    """A TCP transport that can switch to TLS."""

    def startTLS(self, contextFactory: object) -> None:
        """Start TLS now; what is written from here on is encrypted."""


class ISSLTransport(ITCPTransport, Protocol):
    """A TLS connection's transport."""

    def getPeerCertificate(self) -> object:
        """The peer's certificate, or None."""


class INegotiated(ISSLTransport, Protocol):
    """A TLS transport that negotiated an application protocol (ALPN)."""

    negotiatedProtocol: bytes | None


class IHandshakeListener(Interface, Protocol):
    """A protocol told when its TLS handshake completes."""

    def handshakeCompleted(self) -> None:
        """The handshake is done: the peer's certificate and ALPN result are known."""


class IProtocolNegotiationFactory(Interface, Protocol):
    """A factory that names the ALPN protocols it speaks."""

    def acceptableProtocols(self) -> list[bytes]:
        """The protocol names, most preferred first."""


class IOpenSSLContextFactory(Interface, Protocol):
    """Makes a TLS context."""

    def getContext(self) -> object:
        """The context."""


class IOpenSSLClientConnectionCreator(Interface, Protocol):
    """Makes the TLS object for one client connection."""

    def clientConnectionForTLS(self, tlsProtocol: object) -> object:
        """The TLS connection object for ``tlsProtocol``."""


class IOpenSSLServerConnectionCreator(Interface, Protocol):
    """Makes the TLS object for one server connection."""

    def serverConnectionForTLS(self, tlsProtocol: object) -> object:
        """The TLS connection object for ``tlsProtocol``."""


class ICipher(Interface, Protocol):
    """A TLS cipher suite."""

    fullName: str


class IAcceptableCiphers(Interface, Protocol):
    """Chooses the ciphers a TLS context allows."""

    def selectCiphers(self, availableCiphers: tuple[ICipher, ...]) -> tuple[ICipher, ...]:
        """The acceptable ones among ``availableCiphers``."""


class IStreamServerEndpointStringParser(Interface, Protocol):
    """A plugin that makes server endpoints from descriptions starting with ``prefix:``."""

    prefix: str

    def parseStreamServer(
        self, reactor: object, *args: object, **kwargs: object
    ) -> IStreamServerEndpoint:
        """The endpoint for the description's positional and keyword arguments."""


class IStreamClientEndpointStringParserWithReactor(Interface, Protocol):
    """A plugin that makes client endpoints from descriptions starting with ``prefix:``."""

    prefix: str

    def parseStreamClient(
        self, reactor: object, *args: object, **kwargs: object
    ) -> IStreamClientEndpoint:
        """The endpoint for the description's positional and keyword arguments."""


class IServiceCollection(Interface, Protocol):
    """A collection of named services (see ``application.service`` for the one in use)."""

    def getServiceNamed(self, serviceName: str) -> object:
        """The service called ``serviceName``; ``KeyError`` if none."""

    def addService(self, service: object) -> None:
        """Add ``service``."""

    def removeService(self, service: object) -> None:
        """Remove ``service``."""


class IOpenSSLTrustRoot(Interface, Protocol):
    """The authorities a TLS client trusts (``platformTrust``, ``trustRootFromCertificates``)."""
