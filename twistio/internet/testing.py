"""Fakes for testing protocols without sockets or real time, with Twisted's names.

``StringTransport`` records what a protocol writes; ``MemoryReactor`` records the listens and
connects asked of it; ``MemoryReactorClock`` is both that and a ``task.Clock``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO
from typing import TYPE_CHECKING, Callable, Literal, NoReturn, Protocol, Union, cast, overload

from typing_extensions import ParamSpec

from twistio._typing import StoredCall
from twistio.internet import error, protocol
from twistio.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twistio.internet.defer import Deferred

# The interfaces Twisted's testing module offers under its own name, offered here too.
from twistio.internet.interfaces import (
    Binding,
    IAddress,
    IProtocolFactory,
    IPullProducer,
    IReactorTime,
    IReadDescriptor,
    IWriteDescriptor,
    _AddressTypes,
    implementer,
)
from twistio.internet.interfaces import IConnector as IConnector
from twistio.internet.interfaces import IConsumer as IConsumer
from twistio.internet.interfaces import IHostnameResolver as IHostnameResolver
from twistio.internet.interfaces import IHostResolution as IHostResolution
from twistio.internet.interfaces import IListeningPort as IListeningPort
from twistio.internet.interfaces import IProtocol as IProtocol
from twistio.internet.interfaces import IPushProducer as IPushProducer
from twistio.internet.interfaces import IReactorCore as IReactorCore
from twistio.internet.interfaces import IReactorFDSet as IReactorFDSet
from twistio.internet.interfaces import (
    IReactorPluggableNameResolver as IReactorPluggableNameResolver,
)
from twistio.internet.interfaces import IReactorSocket as IReactorSocket
from twistio.internet.interfaces import IReactorSSL as IReactorSSL
from twistio.internet.interfaces import IReactorTCP as IReactorTCP
from twistio.internet.interfaces import IReactorUNIX as IReactorUNIX
from twistio.internet.interfaces import IResolutionReceiver as IResolutionReceiver
from twistio.internet.interfaces import ITransport as ITransport
from twistio.internet.interfaces import IUDPTransport as IUDPTransport
from twistio.internet.protocol import ClientFactory, DatagramProtocol
from twistio.internet.task import Clock, LoopingCall
from twistio.logger import ILogObserver, LogEvent
from twistio.protocols.basic import LineReceiver
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport

__all__ = [
    "AccumulatingProtocol",
    "EventLoggingObserver",
    "FakeDatagramTransport",
    "LineSendingProtocol",
    "LogEvent",
    "MemoryReactor",
    "MemoryReactorClock",
    "NonStreamingProducer",
    "RaisingMemoryReactor",
    "StringIOWithoutClosing",
    "StringTransport",
    "StringTransportWithDisconnection",
    "SynchronousResolver",
    "waitUntilAllDisconnected",
]


_P = ParamSpec("_P")
_Address = Union[IPv4Address, IPv6Address, UNIXAddress]
#: A call kept for later: ``(f, args, kwargs)``.
_Call = tuple[StoredCall, tuple[object, ...], dict[str, object]]
_BindAddress = Union[tuple[str, int], Binding, None]


def _is_ipv6(host: str) -> bool:
    # "fe80::1%eth0" counts too, as it does for Twisted.
    try:
        ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------ transports


@implementer(ITransport, IConsumer, IPushProducer)
class StringTransport:
    """A transport that keeps what is written to it in memory, for ``value()`` to return.

    It does nothing else: ``loseConnection`` only sets ``disconnecting``, ``abortConnection``
    also sets ``disconnected``, and ``registerProducer`` only records ``producer`` and
    ``streaming``. As a producer of reads, its state is in ``producerState``
    (``'producing'``, ``'paused'`` or ``'stopped'``); pausing or resuming it after
    ``loseConnection`` (unless ``lenient``) or after ``stopProducing`` is a ``RuntimeError``,
    to catch code that expects more data from a closed connection.

    ``write`` takes any bytes-like object (Twisted's takes ``bytes`` only); ``str`` is a
    ``TypeError`` in both.
    """

    disconnecting: bool = False
    disconnected: bool = False
    producer: IPushProducer | IPullProducer | None = None
    streaming: bool | None = None
    hostAddr: IAddress | None = None
    peerAddr: IAddress | None = None
    producerState: str = "producing"

    def __init__(
        self,
        hostAddress: IAddress | None = None,
        peerAddress: IAddress | None = None,
        lenient: bool = False,
    ) -> None:
        self.io = BytesIO()
        self.connected, self._lenient = True, lenient
        # Without addresses given, the class defaults stand.
        for attr, address in (("hostAddr", hostAddress), ("peerAddr", peerAddress)):
            if address is not None:
                setattr(self, attr, address)

    # -- for tests ------------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget what was written so far (not a transport method: for tests)."""
        self.io = BytesIO()

    def value(self) -> bytes:
        """Everything written since creation or the last ``clear`` (for tests)."""
        return self.io.getvalue()

    # -- ITransport -----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Record ``data``."""
        if isinstance(data, str) or not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        self.io.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Record each item of ``data``, in order."""
        for chunk in data:
            self.write(chunk)

    def loseConnection(self) -> None:
        """Set ``disconnecting``; nothing else happens."""
        self.disconnecting = True

    def abortConnection(self) -> None:
        """Set ``disconnected`` and ``disconnecting``; nothing else happens."""
        self.disconnected = True
        self.loseConnection()

    def getPeer(self) -> IAddress:
        """``peerAddress`` if given, else ``IPv4Address('TCP', '192.168.1.1', 54321)``."""
        if self.peerAddr is None:
            return IPv4Address("TCP", "192.168.1.1", 54321)
        return self.peerAddr

    def getHost(self) -> IAddress:
        """``hostAddress`` if given, else ``IPv4Address('TCP', '10.0.0.1', 12345)``."""
        if self.hostAddr is None:
            return IPv4Address("TCP", "10.0.0.1", 12345)
        return self.hostAddr

    # -- IConsumer ------------------------------------------------------------------------------

    def registerProducer(self, producer: IPushProducer | IPullProducer, streaming: bool) -> None:
        """Record the producer; a second one is a ``RuntimeError``."""
        if self.producer is not None:
            raise RuntimeError("Cannot register two producers")
        self.producer = producer
        self.streaming = streaming

    def unregisterProducer(self) -> None:
        """Forget the producer; without one it is a ``RuntimeError``."""
        if self.producer is None:
            raise RuntimeError("Cannot unregister a producer unless one is registered")
        self.producer = None
        self.streaming = None

    # -- IPushProducer --------------------------------------------------------------------------

    def _check_can_change(self) -> None:
        if self.disconnecting and not self._lenient:
            raise RuntimeError("Cannot resume producing after loseConnection")
        if self.producerState == "stopped":
            raise RuntimeError("Cannot resume a stopped producer")

    def pauseProducing(self) -> None:
        """Set ``producerState`` to ``'paused'``."""
        self._check_can_change()
        self.producerState = "paused"

    def resumeProducing(self) -> None:
        """Set ``producerState`` to ``'producing'``."""
        self._check_can_change()
        self.producerState = "producing"

    def stopProducing(self) -> None:
        """Set ``producerState`` to ``'stopped'``."""
        self.producerState = "stopped"


class StringTransportWithDisconnection(StringTransport):
    """A ``StringTransport`` whose ``loseConnection`` calls ``protocol.connectionLost``.

    Set ``protocol`` first. The reason is ``ConnectionDone``; only the first call does it.
    """

    protocol: IProtocol

    def loseConnection(self) -> None:
        """Mark the transport disconnected and tell the protocol, once."""
        if self.connected:
            self.connected = False
            self.protocol.connectionLost(Failure(error.ConnectionDone("Bye.")))


class StringIOWithoutClosing(BytesIO):
    """A ``BytesIO`` that stays readable after ``close()``."""

    def close(self) -> None:
        """Do nothing."""


# --------------------------------------------------------------------- reactors


@implementer(IHostResolution)
class _SynchronousResolution:
    """A resolution that is already over."""

    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Nothing: it is over."""

    def __repr__(self) -> str:
        return f"_SynchronousResolution(name={self.name!r})"


@implementer(IHostnameResolver)
class SynchronousResolver:
    """A resolver for tests: every name resolves, at once, to 127.0.0.1."""

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: _AddressTypes = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        """Report 127.0.0.1 (an ``IPv4Address`` of type TCP) and complete, before returning."""
        answer = _SynchronousResolution(hostName)
        receiver = resolutionReceiver
        receiver.resolutionBegan(answer)
        receiver.addressResolved(IPv4Address("TCP", "127.0.0.1", portNumber))
        receiver.resolutionComplete()
        return answer


@implementer(IListeningPort)
class _FakePort:
    """A listening port from ``MemoryReactor``: it only knows its address."""

    def __init__(self, hostAddress: IAddress) -> None:
        self._hostAddress = hostAddress

    def startListening(self) -> None:
        """Do nothing."""

    def stopListening(self) -> None:
        """Do nothing."""

    def getHost(self) -> IAddress:
        """The address given at creation."""
        return self._hostAddress


@implementer(IConnector)
class _FakeConnector:
    """A connector from ``MemoryReactor``: records ``stopConnecting`` and ``disconnect``."""

    _disconnected = False
    stoppedConnecting = False

    def __init__(self, address: IAddress) -> None:
        self._address = address

    def stopConnecting(self) -> None:
        """Set ``stoppedConnecting``."""
        self.stoppedConnecting = True

    def disconnect(self) -> None:
        """Record the call (in ``_disconnected``)."""
        self._disconnected = True

    def connect(self) -> None:
        """Do nothing."""

    def getDestination(self) -> IAddress:
        """The address connected to."""
        return self._address


@implementer(
    IReactorCore,
    IReactorTCP,
    IReactorUNIX,
    IReactorSSL,
    IReactorSocket,
    IReactorFDSet,
    IReactorPluggableNameResolver,
)
class MemoryReactor:
    """A reactor that records what it is asked to do and does none of it.

    ``listenTCP`` appends ``(port, factory, backlog, interface)`` to ``tcpServers``;
    ``connectTCP`` appends ``(host, port, factory, timeout, bindAddress)`` to ``tcpClients``,
    calls ``factory.startedConnecting(connector)`` and appends the connector to
    ``connectors``; SSL and UNIX likewise. No connection is ever made: a test builds the
    protocol from the recorded factory and gives it a ``StringTransport``.
    ``run()`` runs the ``callWhenRunning`` calls, then stops at once.
    """

    def __init__(self) -> None:
        self.hasInstalled = False
        self.running: bool | None = False
        self.hasRun = False
        self.hasStopped = False
        self.hasCrashed = False
        self.whenRunningHooks: list[_Call] = []
        self.triggers: dict[str, dict[str, list[_Call]]] = {}
        self.tcpClients: list[tuple[str, int, ClientFactory, float, _BindAddress]] = []
        self.tcpServers: list[tuple[int, IProtocolFactory, int, str]] = []
        self.sslClients: list[tuple[str, int, ClientFactory, object, float, _BindAddress]] = []
        self.sslServers: list[tuple[int, IProtocolFactory, object, int, str]] = []
        self.unixClients: list[tuple[str, ClientFactory, float, int]] = []
        self.unixServers: list[tuple[str, IProtocolFactory, int, int, int]] = []
        self.adoptedPorts: list[tuple[object, ...]] = []
        self.adoptedStreamConnections: list[tuple[int, int, IProtocolFactory]] = []
        self.connectors: list[_FakeConnector] = []
        self.readers: set[IReadDescriptor] = set()
        self.writers: set[IWriteDescriptor] = set()
        self.nameResolver: IHostnameResolver = SynchronousResolver()

    def installNameResolver(self, resolver: IHostnameResolver) -> IHostnameResolver:
        """Use ``resolver`` as ``nameResolver``; return the previous one."""
        old, self.nameResolver = self.nameResolver, resolver
        return old

    def install(self) -> None:
        """Record the call, in ``hasInstalled``."""
        self.hasInstalled = True

    def resolve(self, name: str, timeout: object = 10) -> Deferred[str]:
        """Not supported: raises ``NotImplementedError``."""
        raise NotImplementedError()

    # -- IReactorCore ------------------------------------------------------------------------------

    def run(self) -> None:
        """Set ``running`` and ``hasRun``, call the ``callWhenRunning`` calls, then ``stop``."""
        if self.running is not False:
            raise AssertionError()
        self.running = True
        self.hasRun = True
        for f, args, kw in self.whenRunningHooks:
            f(*args, **kw)
        self.stop()

    def stop(self) -> None:
        """Clear ``running``, set ``hasStopped``."""
        self.running = False
        self.hasStopped = True

    def crash(self) -> None:
        """Set ``running`` to None and ``hasCrashed``."""
        self.running = None
        self.hasCrashed = True

    def iterate(self, delay: float = 0) -> None:
        """Not supported: raises ``NotImplementedError``."""
        raise NotImplementedError()

    def fireSystemEvent(self, eventType: str) -> None:
        """Not supported: raises ``NotImplementedError``."""
        raise NotImplementedError()

    def addSystemEventTrigger(
        self, phase: str, eventType: str, callable: Callable[_P, object],
        *args: _P.args, **kw: _P.kwargs
    ) -> None:
        """Record the trigger in ``triggers[phase][eventType]``; it never runs."""
        self.triggers.setdefault(phase, {}).setdefault(eventType, []).append((callable, args, kw))

    def removeSystemEventTrigger(self, triggerID: object) -> None:
        """Not supported: raises ``NotImplementedError``."""
        raise NotImplementedError()

    def callWhenRunning(
        self, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> None:
        """Call at once if ``run`` was ever called, else keep for ``run``."""
        if self.running or self.hasRun:
            callable(*args, **kw)
        else:
            self.whenRunningHooks.append((callable, args, kw))

    # -- IReactorSocket -----------------------------------------------------------------------------

    def adoptStreamPort(
        self, fileno: int, addressFamily: int, factory: IProtocolFactory
    ) -> _FakePort:
        """Record ``(fileno, addressFamily, factory)`` in ``adoptedPorts``."""
        addr = self._adopted_address("TCP", addressFamily)
        self.adoptedPorts.append((fileno, addressFamily, factory))
        return _FakePort(addr)

    def adoptStreamConnection(
        self, fileDescriptor: int, addressFamily: int, factory: IProtocolFactory
    ) -> None:
        """Record ``(fileDescriptor, addressFamily, factory)`` in ``adoptedStreamConnections``."""
        self.adoptedStreamConnections.append((fileDescriptor, addressFamily, factory))

    def adoptDatagramPort(
        self, fileno: int, addressFamily: int, protocol: DatagramProtocol, maxPacketSize: int = 8192
    ) -> _FakePort:
        """Record ``(fileno, addressFamily, protocol, maxPacketSize)`` in ``adoptedPorts``."""
        addr = self._adopted_address("UDP", addressFamily)
        self.adoptedPorts.append((fileno, addressFamily, protocol, maxPacketSize))
        return _FakePort(addr)

    @staticmethod
    def _adopted_address(kind: Literal["TCP", "UDP"], family: int) -> _Address:
        if family == socket.AF_INET:
            return IPv4Address(kind, "0.0.0.0", 1234)
        if family == socket.AF_INET6:
            return IPv6Address(kind, "::", 1234)
        raise error.UnsupportedAddressFamily()

    # -- listening and connecting -----------------------------------------------------------------

    def listenTCP(
        self, port: int, factory: IProtocolFactory, backlog: int = 50, interface: str = ""
    ) -> _FakePort:
        """Record the call in ``tcpServers``; the port's address is the interface's."""
        self.tcpServers.append((port, factory, backlog, interface))
        if _is_ipv6(interface):
            return _FakePort(IPv6Address("TCP", interface, port))
        return _FakePort(IPv4Address("TCP", "0.0.0.0", port))

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        timeout: float = 30,
        bindAddress: _BindAddress = None,
    ) -> _FakeConnector:
        """Record the call in ``tcpClients`` and the connector in ``connectors``."""
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        if _is_ipv6(host):
            return self._connecting(factory, IPv6Address("TCP", host, port))
        return self._connecting(factory, IPv4Address("TCP", host, port))

    def listenSSL(
        self,
        port: int,
        factory: IProtocolFactory,
        contextFactory: object,
        backlog: int = 50,
        interface: str = "",
    ) -> _FakePort:
        """Record the call in ``sslServers``."""
        self.sslServers.append((port, factory, contextFactory, backlog, interface))
        return _FakePort(IPv4Address("TCP", "0.0.0.0", port))

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        contextFactory: object,
        timeout: float = 30,
        bindAddress: _BindAddress = None,
    ) -> _FakeConnector:
        """Record the call in ``sslClients`` and the connector in ``connectors``."""
        self.sslClients.append((host, port, factory, contextFactory, timeout, bindAddress))
        return self._connecting(factory, IPv4Address("TCP", host, port))

    def listenUNIX(
        self,
        address: str,
        factory: IProtocolFactory,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: int = 0,
    ) -> _FakePort:
        """Record the call in ``unixServers``."""
        self.unixServers.append((address, factory, backlog, mode, wantPID))
        return _FakePort(UNIXAddress(address))

    def connectUNIX(
        self, address: str, factory: ClientFactory, timeout: float = 30, checkPID: int = 0
    ) -> _FakeConnector:
        """Record the call in ``unixClients`` and the connector in ``connectors``."""
        self.unixClients.append((address, factory, timeout, checkPID))
        return self._connecting(factory, UNIXAddress(address))

    def _connecting(self, factory: ClientFactory, destination: _Address) -> _FakeConnector:
        connector = _FakeConnector(destination)
        factory.startedConnecting(connector)
        self.connectors.append(connector)
        return connector

    # -- IReactorFDSet ------------------------------------------------------------------------------

    def addReader(self, reader: IReadDescriptor) -> None:
        """Add to ``readers``."""
        self.readers.add(reader)

    def removeReader(self, reader: IReadDescriptor) -> None:
        """Remove from ``readers`` if there."""
        self.readers.discard(reader)

    def addWriter(self, writer: IWriteDescriptor) -> None:
        """Add to ``writers``."""
        self.writers.add(writer)

    def removeWriter(self, writer: IWriteDescriptor) -> None:
        """Remove from ``writers`` if there."""
        self.writers.discard(writer)

    def getReaders(self) -> list[IReadDescriptor]:
        """The readers, as a list."""
        return list(self.readers)

    def getWriters(self) -> list[IWriteDescriptor]:
        """The writers, as a list."""
        return list(self.writers)

    def removeAll(self) -> list[IReadDescriptor | IWriteDescriptor]:
        """Empty ``readers`` and ``writers``; return what they held."""
        both: set[IReadDescriptor | IWriteDescriptor] = set(self.readers)
        both.update(self.writers)
        everything = list(both)
        self.readers.clear()
        self.writers.clear()
        return everything


@implementer(IReactorTime)
class MemoryReactorClock(MemoryReactor, Clock):
    """A ``MemoryReactor`` that is also a ``task.Clock`` (``callLater``, ``advance``...)."""

    def __init__(self) -> None:
        MemoryReactor.__init__(self)
        Clock.__init__(self)


@implementer(IReactorTCP, IReactorSSL, IReactorUNIX, IReactorSocket, IReactorPluggableNameResolver)
class RaisingMemoryReactor:
    """A reactor whose listen calls raise ``listenException`` and connect calls ``connectException``."""

    def __init__(
        self,
        listenException: BaseException | None = None,
        connectException: BaseException | None = None,
    ) -> None:
        self._listenException = listenException
        self._connectException = connectException
        self.nameResolver: IHostnameResolver = SynchronousResolver()

    def installNameResolver(self, resolver: IHostnameResolver) -> IHostnameResolver:
        """Use ``resolver`` as ``nameResolver``; return the previous one."""
        old, self.nameResolver = self.nameResolver, resolver
        return old

    def _listen_fails(self) -> NoReturn:
        assert self._listenException is not None
        raise self._listenException

    def _connect_fails(self) -> NoReturn:
        assert self._connectException is not None
        raise self._connectException

    def adoptStreamPort(self, fileno: int, addressFamily: int, factory: object) -> NoReturn:
        """Raise ``listenException``."""
        self._listen_fails()

    def listenTCP(self, port: int, factory: object, backlog: int = 50, interface: str = "") -> NoReturn:
        """Raise ``listenException``."""
        self._listen_fails()

    def connectTCP(
        self, host: str, port: int, factory: object, timeout: float = 30, bindAddress: object = None
    ) -> NoReturn:
        """Raise ``connectException``."""
        self._connect_fails()

    def listenSSL(
        self, port: int, factory: object, contextFactory: object, backlog: int = 50, interface: str = ""
    ) -> NoReturn:
        """Raise ``listenException``."""
        self._listen_fails()

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: object,
        contextFactory: object,
        timeout: float = 30,
        bindAddress: object = None,
    ) -> NoReturn:
        """Raise ``connectException``."""
        self._connect_fails()

    def listenUNIX(
        self, address: str, factory: object, backlog: int = 50, mode: int = 0o666, wantPID: int = 0
    ) -> NoReturn:
        """Raise ``listenException``."""
        self._listen_fails()

    def connectUNIX(
        self, address: str, factory: object, timeout: float = 30, checkPID: int = 0
    ) -> NoReturn:
        """Raise ``connectException``."""
        self._connect_fails()

    def adoptDatagramPort(
        self, fileDescriptor: int, addressFamily: int, protocol: object, maxPacketSize: int
    ) -> NoReturn:
        """Raise ``connectException`` (as Twisted's does)."""
        self._connect_fails()

    def adoptStreamConnection(self, fileDescriptor: int, addressFamily: int, factory: object) -> NoReturn:
        """Raise ``connectException``."""
        self._connect_fails()


# -------------------------------------------------------------------- protocols


class LineSendingProtocol(LineReceiver):
    """Sends ``lines`` (CRLF-terminated) when connected, or, if ``start`` is false, after the
    first line it receives; keeps the lines it receives in ``response``."""

    lostConn = False

    def __init__(self, lines: Sequence[bytes], start: bool = True) -> None:
        self.lines = list(lines)
        self.response: list[bytes] = []
        self.start = start

    def connectionMade(self) -> None:
        """Send the lines now if ``start``."""
        if self.start:
            self._send_lines()

    def _send_lines(self) -> None:
        for line in self.lines:
            self.sendLine(line)
        self.lines = []

    def lineReceived(self, line: bytes) -> None:
        """Keep ``line``; send the lines now if they were waiting for it."""
        if not self.start:
            self.start = True
            self._send_lines()
        self.response.append(line)

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        """Set ``lostConn``."""
        self.lostConn = True


@implementer(IUDPTransport)
class FakeDatagramTransport:
    """A UDP transport that records what is written to it in ``written``, as
    ``(packet, addr)`` (``addr`` is ``noAddr`` when none was given)."""

    noAddr = object()

    def __init__(self) -> None:
        self.written: list[tuple[bytes, object]] = []

    def write(self, packet: bytes, addr: object = noAddr) -> None:
        """Record ``(packet, addr)``."""
        self.written.append((packet, addr))

    def connect(self, host: str, port: int) -> None:
        """Not supported: ``NotImplementedError``."""
        raise NotImplementedError()

    def getHost(self) -> IAddress:
        """Not supported: ``NotImplementedError``."""
        raise NotImplementedError()

    def stopListening(self) -> None:
        """Not supported: ``NotImplementedError``."""
        raise NotImplementedError()

    def setBroadcastAllowed(self, enabled: bool) -> None:
        """Not supported: ``NotImplementedError``."""
        raise NotImplementedError()

    def getBroadcastAllowed(self) -> bool:
        """Not supported: ``NotImplementedError``."""
        raise NotImplementedError()


@implementer(IProtocol)
class AccumulatingProtocol(protocol.Protocol):
    """A protocol that keeps what it receives and says when it connects and disconnects.

    ``made`` and ``closed`` become 1, ``data`` accumulates, ``closedReason`` keeps the
    reason. On connection it fires (and clears) ``factory.protocolConnectionMade`` if that is
    a Deferred; on disconnection it fires (and clears) its own ``closedDeferred``.
    """

    made: int = 0
    closed: int = 0
    closedReason: Failure | None = None
    closedDeferred: Deferred[None] | None = None
    data: bytes = b""
    factory: protocol.Factory | None = None

    def connectionMade(self) -> None:
        self.made = 1
        factory = self.factory
        # Any factory may carry a protocolConnectionMade Deferred, fired once with us.
        d: Deferred[AccumulatingProtocol] | None = getattr(factory, "protocolConnectionMade", None)
        if d is not None:
            setattr(factory, "protocolConnectionMade", None)  # noqa: B010
            d.callback(self)

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.closed = 1
        self.closedReason = reason
        d, self.closedDeferred = self.closedDeferred, None
        if d is not None:
            d.callback(None)


class NonStreamingProducer:
    """A pull producer that writes ``b'0'`` to ``b'9'``, one per ``resumeProducing``.

    After the tenth it unregisters itself and fires ``result``; ``stopProducing`` fires it too.
    """

    counter = 0
    stopped = False

    def __init__(self, consumer: IConsumer) -> None:
        self.consumer: IConsumer | None = consumer
        self.result: Deferred[None] = Deferred()

    def resumeProducing(self) -> None:
        """Write the next digit."""
        if self.consumer is None or self.counter >= 10:
            raise RuntimeError("BUG: resume after unregister/stop.")
        self.consumer.write(b"%d" % (self.counter,))
        self.counter += 1
        if self.counter == 10:
            self.consumer.unregisterProducer()
            self._done()

    def pauseProducing(self) -> None:
        """A pull producer is never paused: raises ``RuntimeError``."""
        raise RuntimeError("BUG: pause should never be called.")

    def stopProducing(self) -> None:
        """Stop and fire ``result``."""
        self.stopped = True
        self._done()

    def _done(self) -> None:
        self.consumer = None
        d = self.result
        del self.result
        d.callback(None)


def waitUntilAllDisconnected(
    reactor: IReactorTime, protocols: Sequence[protocol.Protocol]
) -> Deferred[LoopingCall]:
    """A Deferred that fires once no protocol's ``transport.connected`` is true.

    Checks every 10 ms on ``reactor`` (any clock).
    """

    def check() -> None:
        if not any(cast("ConnectionTransport", p.transport).connected for p in protocols):
            poll.stop()

    poll = LoopingCall(check)
    poll.clock = reactor
    return poll.start(0.01, now=True)


class _CleanupTarget(Protocol):
    """What ``createWithCleanup`` needs of a test case."""

    def addCleanup(
        self, function: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> None: ...


class _ObserverRegistry(Protocol):
    """What ``createWithCleanup`` needs of a log publisher."""

    def addObserver(self, observer: ILogObserver) -> None: ...

    def removeObserver(self, observer: ILogObserver) -> None: ...


@implementer(ILogObserver)
class EventLoggingObserver(Sequence[LogEvent]):
    """A log observer that keeps every event it sees, as a sequence (for tests).

    ``createWithCleanup(testCase, publisher)`` adds one to ``publisher`` and has
    ``testCase.addCleanup`` (trial's, unittest's, or anything with that method) remove it.
    """

    def __init__(self) -> None:
        self._events: list[LogEvent] = []

    def __len__(self) -> int:
        return len(self._events)

    # LogEvent is the logger's dict[str, Any]; mypy sees that Any when it is nested.
    @overload
    def __getitem__(self, index: int) -> LogEvent: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[LogEvent]: ...  # type: ignore[explicit-any]

    def __getitem__(  # type: ignore[explicit-any]
        self, index: int | slice
    ) -> LogEvent | Sequence[LogEvent]:
        return self._events[index]

    def __iter__(self) -> Iterator[LogEvent]:
        return iter(self._events)

    def __call__(self, event: LogEvent) -> None:
        self._events.append(event)

    @classmethod
    def createWithCleanup(
        cls, testInstance: _CleanupTarget, publisher: _ObserverRegistry
    ) -> EventLoggingObserver:
        """A new observer added to ``publisher``, removed by ``testInstance``'s cleanup."""
        observer = cls()
        publisher.addObserver(observer)
        testInstance.addCleanup(publisher.removeObserver, observer)
        return observer
