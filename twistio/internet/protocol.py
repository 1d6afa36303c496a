"""``Protocol`` and ``Factory``: the base classes of stream protocols and what builds them.

Call order on a protocol: ``makeConnection(transport)`` (which calls ``connectionMade``), then
``dataReceived(data)`` any number of times, then ``connectionLost(reason)`` exactly once, with
``Failure(ConnectionDone())`` after a clean close and a ``ConnectionLost`` (or the exception a
callback raised) otherwise.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar, Union
from typing import Protocol as Protocol_

from twistio._typing import StoredCallOf
from twistio.internet import error
from twistio.internet._registry import installed_reactor
from twistio.internet.defer import CancelledError, Deferred
from twistio.internet.interfaces import (
    IConsumer,
    IDelayedCall,
    ILoggingContext,
    IProcessProtocol,
    IProcessTransport,
    IProducer,
    IProtocol,
    IProtocolFactory,
    IPullProducer,
    IPushProducer,
    IReactorSSL,
    IReactorTCP,
    IReactorTime,
    IReactorUNIX,
    ITransport,
    IUDPTransport,
    IUNIXDatagramTransport,
    implementer,
)
from twistio.logger import Logger
from twistio.python.components import registerAdapter
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio.internet.interfaces import IAddress, IConnector

__all__ = [
    "AbstractDatagramProtocol",
    "BaseProtocol",
    "ClientCreator",
    "ClientFactory",
    "ConnectedDatagramProtocol",
    "ConsumerToProtocolAdapter",
    "DatagramProtocol",
    "Factory",
    "FileWrapper",
    "ProcessProtocol",
    "Protocol",
    "ProtocolToConsumerAdapter",
    "ReconnectingClientFactory",
    "ServerFactory",
    "connectionDone",
]

_log = logging.getLogger("twistio")
_logger = Logger()  # Factory's start and stop, as Twisted's events (a ``factory`` key)

#: The reason given to ``connectionLost`` for a clean close.
connectionDone: Failure = Failure(error.ConnectionDone())
connectionDone.cleanFailure()

_F = TypeVar("_F", bound="Factory")
#: What a datagram protocol's port is: a UDP port, or a UNIX datagram socket.
_DatagramTransport = Union[IUDPTransport, IUNIXDatagramTransport]
_T = TypeVar("_T")


@implementer(IProtocolFactory, ILoggingContext)
class Factory:
    """Builds one ``protocol`` instance per connection and sets its ``factory``.

    ``doStart``/``doStop`` are called by every port and connector that uses the factory;
    ``startFactory`` runs on the first ``doStart`` and ``stopFactory`` on the matching last
    ``doStop``, so one factory can serve several ports.
    """

    protocol: Callable[[], Protocol] | None = None
    numPorts = 0
    noisy = True

    @classmethod
    def forProtocol(
        cls: type[_F], protocol: Callable[[], Protocol], *args: object, **kwargs: object
    ) -> _F:
        """A factory of this class (built with ``args``) whose ``protocol`` is ``protocol``."""
        factory = cls(*args, **kwargs)
        factory.protocol = protocol
        return factory

    def logPrefix(self) -> str:
        """The class name, used to prefix log lines."""
        return self.__class__.__name__

    def doStart(self) -> None:
        """Count one more user of the factory; the first one calls ``startFactory``."""
        if not self.numPorts:
            if self.noisy:
                _logger.info("Starting factory {factory!r}", factory=self)
            self.startFactory()
        self.numPorts += 1

    def doStop(self) -> None:
        """Count one user fewer; the last one calls ``stopFactory``."""
        if self.numPorts == 0:
            return
        self.numPorts -= 1
        if not self.numPorts:
            if self.noisy:
                _logger.info("Stopping factory {factory!r}", factory=self)
            self.stopFactory()

    def startFactory(self) -> None:
        """Override to set up shared state before the first connection."""

    def stopFactory(self) -> None:
        """Override to tear down shared state after the last port or connector is done."""

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        """A new ``self.protocol()`` with ``factory`` set; return None to refuse the connection."""
        assert self.protocol is not None, f"{self!r}.protocol is not set"
        p = self.protocol()
        p.factory = self
        return p


class ServerFactory(Factory):
    """A factory for servers (no extra behaviour, kept for Twisted's class hierarchy)."""


class ClientFactory(Factory):
    """A factory for ``connectTCP``, told how each connection attempt goes."""

    def startedConnecting(self, connector: IConnector) -> None:
        """A connection attempt has started; ``connector.stopConnecting()`` abandons it."""

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """The attempt failed: ``ConnectionRefusedError``, ``TimeoutError``, ``DNSLookupError`` ..."""

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        """An established connection closed; ``connector.connect()`` reconnects."""


class ReconnectingClientFactory(ClientFactory):
    """A client factory that reconnects after each lost or failed connection, backing off.

    The delay starts at ``initialDelay``, is multiplied by ``factor`` each retry up to
    ``maxDelay``, with normally distributed ``jitter``; ``maxRetries`` (None: no limit)
    bounds the attempts. Call ``resetDelay`` once connected (typically in ``buildProtocol``)
    and ``stopTrying`` to give up. ``clock`` (default: the reactor) schedules the retries.
    """

    maxDelay: float = 3600
    initialDelay: float = 1.0
    factor: float = 2.7182818284590451
    jitter: float = 0.11962656472
    delay: float = initialDelay
    retries = 0
    maxRetries: int | None = None
    _callID: IDelayedCall | None = None
    connector: IConnector | None = None
    clock: IReactorTime | None = None
    continueTrying = 1

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """Schedule a retry, unless ``stopTrying`` was called."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        """Schedule a reconnection, unless ``stopTrying`` was called."""
        if self.continueTrying:
            self.connector = connector
            self.retry()

    def retry(self, connector: IConnector | None = None) -> None:
        """Schedule ``connector.connect()`` after the next back-off delay."""
        if not self.continueTrying:
            if self.noisy:
                _log.info("Abandoning %s on explicit request", connector)
            return
        if connector is None:
            if self.connector is None:
                raise ValueError("no connector to retry")
            connector = self.connector
        self.retries += 1
        if self.maxRetries is not None and self.retries > self.maxRetries:
            if self.noisy:
                _log.info("Abandoning %s after %d retries.", connector, self.retries)
            return
        # This retry waits the current delay (``initialDelay`` the first time); the next
        # one backs off from it.
        wait = self.delay
        self.delay = min(self.delay * self.factor, self.maxDelay)
        if self.jitter:
            self.delay = random.normalvariate(self.delay, self.delay * self.jitter)
        if self.noisy:
            _log.info("%s will retry in %d seconds", connector, wait)

        def reconnector() -> None:
            self._callID = None
            connector.connect()

        clock = self.clock
        if clock is None:
            clock = installed_reactor()
        self._callID = clock.callLater(wait, reconnector)

    def stopTrying(self) -> None:
        """Cancel any scheduled retry and any attempt in progress, and stop retrying."""
        if self._callID is not None:
            self._callID.cancel()
            self._callID = None
        self.continueTrying = 0
        if self.connector is not None:
            try:
                self.connector.stopConnecting()
            except error.NotConnectingError:
                pass

    def resetDelay(self) -> None:
        """Start backing off from ``initialDelay`` again and allow retries."""
        self.delay = self.initialDelay
        self.retries = 0
        self._callID = None
        self.continueTrying = 1

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        for key in ("connector", "retries", "delay", "continueTrying", "_callID", "clock"):
            state.pop(key, None)
        return state


@implementer(ILoggingContext)
class BaseProtocol:
    """What every protocol has: ``connected``, ``transport`` and ``makeConnection``."""

    connected = 0
    #: The connection's transport, set by ``makeConnection``: None before it, but every
    #: callback runs after it, so it is typed as a transport. A protocol that needs more than
    #: ``ITransport`` declares its own (``transport: ConnectionTransport``, from twistio._typing).
    transport: ITransport = None  # type: ignore[assignment]

    def makeConnection(self, transport: ITransport) -> None:
        """Attach ``transport``, mark connected and call ``connectionMade``."""
        self.connected = 1
        self.transport = transport
        self.connectionMade()

    def connectionMade(self) -> None:
        """Override: the connection is up and ``self.transport`` is set."""

    def logPrefix(self) -> str:
        """The class name, used to prefix log lines."""
        return self.__class__.__name__


@implementer(IProtocol, ILoggingContext)
class Protocol(BaseProtocol):
    """A stream protocol; override ``dataReceived`` and ``connectionLost``."""

    #: The factory that built this protocol (``Factory.buildProtocol`` sets it), None for a
    #: protocol made without one. A protocol that its own kind of factory builds declares it
    #: (``factory: ItsFactory``).
    factory: Factory | None = None

    def dataReceived(self, data: bytes) -> None:
        """Override: bytes arrived, in chunks of arbitrary size."""

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Override: the connection closed for ``reason``."""


# The standard descriptors' handlers, by file descriptor; other descriptors are ignored.
_DATA_HANDLERS = {1: "outReceived", 2: "errReceived"}
_CLOSE_HANDLERS = {0: "inConnectionLost", 1: "outConnectionLost", 2: "errConnectionLost"}


@implementer(IProcessProtocol)
class ProcessProtocol(BaseProtocol):
    """A protocol for a child process (used by ``spawnProcess``)."""

    transport: IProcessTransport = None  # type: ignore[assignment]

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """Data from one of the child's file descriptors; dispatches 1 and 2."""
        handler = _DATA_HANDLERS.get(childFD)
        if handler is not None:
            getattr(self, handler)(data)

    def outReceived(self, data: bytes) -> None:
        """Data from the child's stdout."""

    def errReceived(self, data: bytes) -> None:
        """Data from the child's stderr."""

    def childConnectionLost(self, childFD: int) -> None:
        """One of the child's file descriptors closed; dispatches 0, 1 and 2."""
        handler = _CLOSE_HANDLERS.get(childFD)
        if handler is not None:
            getattr(self, handler)()

    def inConnectionLost(self) -> None:
        """The child's stdin closed."""

    def outConnectionLost(self) -> None:
        """The child closed its stdout."""

    def errConnectionLost(self) -> None:
        """The child closed its stderr."""

    def processExited(self, reason: Failure) -> None:
        """The child exited (its pipes may still be open)."""

    def processEnded(self, reason: Failure) -> None:
        """The child exited and all its pipes are closed."""


class AbstractDatagramProtocol:
    """Base of datagram protocols: started when a port uses it, stopped when it stops."""

    #: The port, set by ``makeConnection`` and unset by the last ``doStop``. A protocol
    #: written for one kind of port declares it (``transport: IUDPTransport``).
    transport: _DatagramTransport | None = None
    numPorts = 0
    noisy = True

    def logPrefix(self) -> str:
        """The class name, used to prefix log lines."""
        return self.__class__.__name__

    def doStart(self) -> None:
        """Count one more port; the first one calls ``startProtocol``."""
        if not self.numPorts:
            if self.noisy:
                _log.info("Starting protocol %r", self)
            self.startProtocol()
        self.numPorts += 1

    def doStop(self) -> None:
        """Count one port fewer; the last one calls ``stopProtocol``."""
        if not (self.numPorts > 0):
            raise AssertionError()
        self.numPorts -= 1
        self.transport = None
        if not self.numPorts:
            if self.noisy:
                _log.info("Stopping protocol %r", self)
            self.stopProtocol()

    def startProtocol(self) -> None:
        """Override: the protocol is attached to a port."""

    def stopProtocol(self) -> None:
        """Override: the protocol is detached from its last port."""

    def makeConnection(self, transport: _DatagramTransport) -> None:
        """Attach ``transport`` (the port) and call ``doStart``."""
        if self.transport is not None:
            raise AssertionError()
        self.transport = transport
        self.doStart()

    def datagramReceived(self, datagram: bytes, addr: object) -> None:
        """Override: a datagram arrived from ``addr``."""


class DatagramProtocol(AbstractDatagramProtocol):
    """A UDP protocol."""

    def connectionRefused(self) -> None:
        """Override: a connected UDP port's peer refused a datagram (ICMP)."""


class ConnectedDatagramProtocol(DatagramProtocol):
    """A UDP protocol on a connected port (kept for Twisted's class hierarchy)."""

    def datagramReceived(self, datagram: bytes) -> None:  # type: ignore[override]
        """Override: a datagram arrived from the peer (there is no address to give)."""

    def connectionFailed(self, failure: Failure) -> None:
        """Override: connecting the port failed."""



# -- connecting without a factory ----------------------------------------------------------------


class _InstanceFactory(ClientFactory):
    """Connects one protocol instance and fires a Deferred with it once connected."""

    noisy = False

    def __init__(
        self, reactor: IReactorTime, instance: Protocol, deferred: Deferred[Protocol]
    ) -> None:
        self.reactor = reactor
        self.instance = instance
        self.deferred: Deferred[Protocol] | None = deferred
        self._pending: IDelayedCall | None = None  # the call that will fire the Deferred

    def __repr__(self) -> str:
        return f"<ClientCreator factory: {self.instance!r}>"

    def buildProtocol(self, addr: IAddress) -> Protocol:
        """The instance; the Deferred fires with it just after ``connectionMade``."""
        deferred, self.deferred = self.deferred, None
        if deferred is not None:
            self._pending = self.reactor.callLater(0, self._fire, deferred.callback, self.instance)
        return self.instance

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """Fail the Deferred (on the next turn of the reactor, as the success is)."""
        deferred, self.deferred = self.deferred, None
        if deferred is not None:
            self._pending = self.reactor.callLater(0, self._fire, deferred.errback, reason)

    def _fire(self, fire: Callable[[_T], object], result: _T) -> None:
        self._pending = None
        fire(result)

    def _cancel(self) -> None:
        """The Deferred was cancelled: it must not fire again."""
        self.deferred = None
        pending, self._pending = self._pending, None
        if pending is not None and pending.active():
            pending.cancel()


class ClientCreator:
    """Connects one protocol instance, made from ``protocolClass(*args, **kwargs)``, without
    a factory of your own.

    Each ``connect*`` method takes ``reactor.connect*``'s arguments less the factory and
    returns a Deferred that fires with the connected protocol. Cancelling it while connecting
    abandons the attempt (``CancelledError``).
    """

    def __init__(
        self,
        reactor: _ClientCreatorReactor,
        protocolClass: StoredCallOf[Protocol],
        *args: object,
        **kwargs: object,
    ) -> None:
        self.reactor = reactor
        self.protocolClass = protocolClass
        self.args = args
        self.kwargs = kwargs

    def _connect(
        self, method: StoredCallOf[IConnector], *args: object, **kwargs: object
    ) -> Deferred[Protocol]:
        connector: list[IConnector] = []

        def cancel(d: Deferred[Protocol]) -> None:
            factory._cancel()
            if connector:
                connector[0].disconnect()
            d.errback(_cancelled())

        d: Deferred[Protocol] = Deferred(canceller=cancel)
        factory = _InstanceFactory(self.reactor, self.protocolClass(*self.args, **self.kwargs), d)
        connector.append(method(*args, factory=factory, **kwargs))
        return d

    def connectTCP(
        self, host: str, port: int, timeout: float = 30, bindAddress: tuple[str, int] | None = None
    ) -> Deferred[Protocol]:
        """Connect over TCP (``reactor.connectTCP``)."""
        return self._connect(
            self.reactor.connectTCP, host, port, timeout=timeout, bindAddress=bindAddress
        )

    def connectUNIX(
        self, address: str, timeout: float = 30, checkPID: bool = False
    ) -> Deferred[Protocol]:
        """Connect to a UNIX socket (``reactor.connectUNIX``)."""
        return self._connect(
            self.reactor.connectUNIX, address, timeout=timeout, checkPID=checkPID
        )

    def connectSSL(
        self,
        host: str,
        port: int,
        contextFactory: object,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Deferred[Protocol]:
        """Connect over TLS (``reactor.connectSSL``)."""
        options = {"contextFactory": contextFactory, "timeout": timeout, "bindAddress": bindAddress}
        return self._connect(self.reactor.connectSSL, host, port, **options)


class _ClientCreatorReactor(IReactorTCP, IReactorUNIX, IReactorSSL, IReactorTime, Protocol_):
    """What ``ClientCreator`` calls on its reactor."""


class _File(Protocol_):
    """What ``FileWrapper`` needs of its file."""

    def write(self, data: bytes, /) -> object: ...

    def close(self) -> object: ...


def _cancelled() -> BaseException:
    return CancelledError()


# -- file and consumer adapters --------------------------------------------------------------------


@implementer(ITransport)
class FileWrapper:
    """A transport that writes to a file object (for trying a protocol out, or debugging).

    Errors from the file are swallowed and end the transport, as in Twisted.
    """

    # the registered producer and whether it pushes (registerProducer sets both)
    producer: IPushProducer | IPullProducer | None = None
    streamingProducer = 0
    closed = disconnecting = 0  # loseConnection sets closed; disconnecting stays 0

    def __init__(self, file: _File) -> None:
        self.file = file

    def write(self, data: bytes) -> None:
        """Write ``data`` to the file (a failure goes to ``handleException``)."""
        target = self.file
        try:
            target.write(data)
        except BaseException:
            self.handleException()

    def registerProducer(self, producer: IPushProducer | IPullProducer, streaming: bool) -> None:
        """Attach ``producer``; a pull producer is asked for data at once."""
        self.producer = producer
        self.streamingProducer = streaming
        if not streaming:
            producer.resumeProducing()

    def unregisterProducer(self) -> None:
        """Detach the producer."""
        self.producer = None

    def _checkProducer(self) -> None:
        # What a reactor would do for a real transport: ask the registered producer for
        # more (tests drive a pull producer through a FileWrapper this way, as in Twisted).
        if self.producer is not None:
            self.producer.resumeProducing()

    def stopConsuming(self) -> None:
        """Detach the producer and close."""
        self.unregisterProducer()
        self.loseConnection()

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        """Write each of ``iovec``, as one write."""
        self.write(b"".join(iovec))

    def loseConnection(self) -> None:
        """Close the file."""
        self.closed = 1
        try:
            self.file.close()
        except OSError:
            self.handleException()

    def getPeer(self) -> tuple[str, str]:
        """``('file', 'file')``: there is no peer address."""
        return ("file", "file")

    def getHost(self) -> str:
        """``'file'``: there is no host address."""
        return "file"

    def handleException(self) -> None:
        """What to do when the file fails: nothing (override to log or re-raise)."""

    def resumeProducing(self) -> None:
        """Nothing: a file produces no data."""

    def pauseProducing(self) -> None:
        """Nothing: a file produces no data."""

    def stopProducing(self) -> None:
        """Close."""
        self.loseConnection()


@implementer(IProtocol)
class ConsumerToProtocolAdapter:
    """A protocol that writes what it receives to a consumer (``original``)."""

    def __init__(self, original: IConsumer) -> None:
        self.original = original

    def dataReceived(self, data: bytes) -> None:
        """Write ``data`` to the consumer."""
        self.original.write(data)

    def connectionLost(self, reason: Failure) -> None:
        """Nothing."""

    def makeConnection(self, transport: ITransport) -> None:
        """Nothing."""

    def connectionMade(self) -> None:
        """Nothing."""


@implementer(IConsumer)
class ProtocolToConsumerAdapter:
    """A consumer that hands what is written to it to a protocol's ``dataReceived``."""

    def __init__(self, original: IProtocol) -> None:
        self.original = original

    def write(self, data: bytes) -> None:
        """Give ``data`` to the protocol."""
        self.original.dataReceived(data)

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Nothing: the protocol has no flow control to offer."""

    def unregisterProducer(self) -> None:
        """Nothing."""


registerAdapter(ProtocolToConsumerAdapter, IProtocol, IConsumer)
registerAdapter(ConsumerToProtocolAdapter, IConsumer, IProtocol)
