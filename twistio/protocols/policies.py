"""Protocol wrappers that add a policy to any protocol: timeouts, throttling, connection limits.

A ``WrappingFactory`` wraps another factory; each protocol it builds is a ``ProtocolWrapper``
standing between the transport and the wrapped protocol, which sees the wrapper as its
transport. Timers go through a ``callLater`` method on the factory (or protocol, for
``TimeoutMixin``): tests replace it, as in Twisted, or set twistio's ``clock`` attribute
to a ``task.Clock``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from twistio.internet.error import AlreadyCalled, AlreadyCancelled
from twistio.internet.interfaces import IAddress, IDelayedCall, ILoggingContext
from twistio.internet.protocol import ClientFactory, Protocol, ServerFactory, connectionDone
from twistio.logger import Logger
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport

__all__ = [
    "LimitConnectionsByPeer",
    "LimitTotalConnectionsFactory",
    "ProtocolWrapper",
    "SpewingFactory",
    "SpewingProtocol",
    "ThrottlingFactory",
    "ThrottlingProtocol",
    "TimeoutFactory",
    "TimeoutMixin",
    "TimeoutProtocol",
    "TrafficLoggingFactory",
    "TrafficLoggingProtocol",
    "WrappingFactory",
]

_log = Logger()

# Imported by Twisted's module too; kept at the same path for code that reaches them here.
_REEXPORTED = (IAddress, ILoggingContext)


def _reactorCallLater(clock: Any, period: float, func: Callable[..., object]) -> IDelayedCall:
    if clock is None:
        from twistio.internet import reactor

        clock = reactor
    call: IDelayedCall = clock.callLater(period, func)
    return call


def _interfacesOf(obj: object) -> tuple[type, ...]:
    return tuple(getattr(type(obj), "__twistio_implements__", ())) + tuple(
        getattr(obj, "__twistio_provides__", ())
    )


class ProtocolWrapper(Protocol):
    """A protocol that passes everything through to ``wrappedProtocol``, and is its transport.

    Attributes it does not have are looked up on the real transport. It provides the
    interfaces the real transport provides.
    """

    transport: ConnectionTransport
    factory: WrappingFactory
    disconnecting = 0

    def __init__(self, factory: WrappingFactory, wrappedProtocol: Any) -> None:
        self.wrappedProtocol = wrappedProtocol
        self.factory = factory

    def logPrefix(self) -> str:
        """The wrapped protocol's log prefix (or its class name), then ``" (class)"``."""
        if hasattr(self.wrappedProtocol, "logPrefix"):
            prefix = str(self.wrappedProtocol.logPrefix())
        else:
            prefix = type(self.wrappedProtocol).__name__
        return f"{prefix} ({type(self).__name__})"

    def makeConnection(self, transport: Any) -> None:
        """Connect, register with the factory, then connect the wrapped protocol to ``self``."""
        provided = _interfacesOf(transport)
        if provided:
            self.__twistio_provides__ = provided
        Protocol.makeConnection(self, transport)
        self.factory.registerProtocol(self)
        self.wrappedProtocol.makeConnection(self)

    def write(self, data: bytes) -> None:
        """Write to the real transport."""
        self.transport.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write to the real transport."""
        self.transport.writeSequence(data)

    def loseConnection(self) -> None:
        """Close the real transport (and mark ``disconnecting``)."""
        self.disconnecting = 1
        self.transport.loseConnection()

    def getPeer(self) -> Any:
        """The real transport's peer address."""
        return self.transport.getPeer()

    def getHost(self) -> Any:
        """The real transport's host address."""
        return self.transport.getHost()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Register ``producer`` with the real transport."""
        self.transport.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Unregister the producer from the real transport."""
        self.transport.unregisterProducer()

    def stopConsuming(self) -> None:
        """Unregister the producer (Twisted's name for it on a wrapper)."""
        self.transport.unregisterProducer()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("transport", "wrappedProtocol"):
            raise AttributeError(name)
        return getattr(self.transport, name)

    def dataReceived(self, data: bytes) -> None:
        """Pass ``data`` to the wrapped protocol."""
        self.wrappedProtocol.dataReceived(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Unregister from the factory, then tell the wrapped protocol."""
        self.factory.unregisterProtocol(self)
        self.wrappedProtocol.connectionLost(reason)
        # The wrapped protocol refers to us as its transport: break the cycle.
        self.wrappedProtocol = None


class WrappingFactory(ClientFactory):
    """A factory whose protocols are ``protocol(self, wrappedFactory.buildProtocol(addr))``.

    ``protocols`` holds the live wrappers. Start, stop and client callbacks are passed on.
    """

    protocol: Any = ProtocolWrapper

    def __init__(self, wrappedFactory: Any) -> None:
        self.wrappedFactory = wrappedFactory
        self.protocols: dict[ProtocolWrapper, int] = {}

    def logPrefix(self) -> str:
        """The wrapped factory's log prefix (or class name), then ``" (class)"``."""
        if hasattr(self.wrappedFactory, "logPrefix"):
            prefix = str(self.wrappedFactory.logPrefix())
        else:
            prefix = type(self.wrappedFactory).__name__
        return f"{prefix} ({type(self).__name__})"

    def doStart(self) -> None:
        """Start the wrapped factory, then this one."""
        self.wrappedFactory.doStart()
        ClientFactory.doStart(self)

    def doStop(self) -> None:
        """Stop the wrapped factory, then this one."""
        self.wrappedFactory.doStop()
        ClientFactory.doStop(self)

    def startedConnecting(self, connector: Any) -> None:
        """Passed on to the wrapped factory."""
        self.wrappedFactory.startedConnecting(connector)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        """Passed on to the wrapped factory."""
        self.wrappedFactory.clientConnectionFailed(connector, reason)

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        """Passed on to the wrapped factory."""
        self.wrappedFactory.clientConnectionLost(connector, reason)

    def buildProtocol(self, addr: Any) -> Any:
        """A wrapper around the wrapped factory's protocol for ``addr``."""
        return self.protocol(self, self.wrappedFactory.buildProtocol(addr))

    def registerProtocol(self, p: ProtocolWrapper) -> None:
        """Called by a wrapper when it connects."""
        self.protocols[p] = 1

    def unregisterProtocol(self, p: ProtocolWrapper) -> None:
        """Called by a wrapper when its connection is lost."""
        self.protocols.pop(p, None)


class SpewingProtocol(ProtocolWrapper):
    """A wrapper that logs every chunk received ("Received: ...") and sent ("Sending: ...")."""

    def dataReceived(self, data: bytes) -> None:
        """Log, then pass on."""
        _legacyMsg(f"Received: {data!r}")
        ProtocolWrapper.dataReceived(self, data)

    def write(self, data: bytes) -> None:
        """Log, then write."""
        _legacyMsg(f"Sending: {data!r}")
        ProtocolWrapper.write(self, data)


class SpewingFactory(WrappingFactory):
    """A ``WrappingFactory`` whose connections log all their traffic (``SpewingProtocol``)."""

    protocol = SpewingProtocol


def _legacyMsg(text: str) -> None:
    from twistio.python import log

    log.msg(text)


class TrafficLoggingProtocol(ProtocolWrapper):
    """A wrapper that writes a connection's traffic to ``logfile``, one line per event.

    Lines: ``*`` when the connection is made, ``C <number>: <data>`` for what the peer sent,
    ``S <number>: <data>`` for what was written (``SV`` for ``writeSequence``), ``S
    <number>: *`` for ``loseConnection`` and ``C <number>: <reason>`` when the connection is
    lost. Data is shown as its ``repr``, cut to ``lengthLimit`` characters with ``<...
    elided>`` when longer. The file is flushed after every line and, unlike Twisted's, closed
    once the connection is lost.
    """

    def __init__(
        self,
        factory: WrappingFactory,
        wrappedProtocol: Any,
        logfile: Any,
        lengthLimit: int | None = None,
        number: int = 0,
    ) -> None:
        ProtocolWrapper.__init__(self, factory, wrappedProtocol)
        self.logfile, self.lengthLimit, self._number = logfile, lengthLimit, number

    def _log(self, line: str) -> None:
        if self.logfile.closed:
            return
        self.logfile.write(line + "\n")
        self.logfile.flush()

    def _mungeData(self, data: Any) -> Any:
        limit = self.lengthLimit
        if limit is None or len(data) <= limit:
            return data
        marker: Any = b"<... elided>" if isinstance(data, bytes) else "<... elided>"
        return data[: max(limit - len(marker), 0)] + marker

    def _note(self, side: str, what: object) -> None:
        self._log(f"{side} {self._number}: {what!r}")

    def connectionMade(self) -> None:
        """Mark the start, then pass on."""
        self._log("*")
        ProtocolWrapper.connectionMade(self)

    def dataReceived(self, data: bytes) -> None:
        """Log what the peer sent, then pass it on."""
        self._note("C", self._mungeData(data))
        ProtocolWrapper.dataReceived(self, data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Log the reason, pass it on, and close the log file."""
        self._note("C", reason)
        try:
            ProtocolWrapper.connectionLost(self, reason)
        finally:
            self.logfile.close()

    def write(self, data: bytes) -> None:
        """Log what is sent, then write it."""
        self._note("S", self._mungeData(data))
        ProtocolWrapper.write(self, data)

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        """Log the pieces sent, then write them."""
        pieces = list(iovec)
        self._note("SV", [self._mungeData(piece) for piece in pieces])
        ProtocolWrapper.writeSequence(self, pieces)

    def loseConnection(self) -> None:
        """Log the close, then close."""
        self._log(f"S {self._number}: *")
        ProtocolWrapper.loseConnection(self)


class TrafficLoggingFactory(WrappingFactory):
    """Logs each connection's traffic to its own file, ``<logfilePrefix>-<n>`` (n from 1)."""

    protocol = TrafficLoggingProtocol
    _counter = 0

    def __init__(
        self, wrappedFactory: Any, logfilePrefix: str, lengthLimit: int | None = None
    ) -> None:
        WrappingFactory.__init__(self, wrappedFactory)
        self.logfilePrefix, self.lengthLimit = logfilePrefix, lengthLimit

    def open(self, name: str) -> Any:
        """Open the log file ``name`` for writing (override to log elsewhere)."""
        return open(name, "w")

    def buildProtocol(self, addr: Any) -> Any:
        """The next numbered connection, logging to its own file."""
        self._counter += 1
        logfile = self.open(f"{self.logfilePrefix}-{self._counter}")
        inner = self.wrappedFactory.buildProtocol(addr)
        if inner is None:
            logfile.close()
            return None
        return self.protocol(self, inner, logfile, self.lengthLimit, self._counter)

    def resetCounter(self) -> None:
        """Number the next connection 1 again."""
        self._counter = 0


class ThrottlingProtocol(ProtocolWrapper):
    """A wrapper that counts the bytes it moves, for ``ThrottlingFactory``."""

    factory: ThrottlingFactory

    def write(self, data: bytes) -> None:
        """Count, then write."""
        self.factory.registerWritten(len(data))
        ProtocolWrapper.write(self, data)

    def writeSequence(self, seq: Iterable[bytes]) -> None:
        """Count, then write."""
        seq = list(seq)
        self.factory.registerWritten(sum(map(len, seq)))
        ProtocolWrapper.writeSequence(self, seq)

    def dataReceived(self, data: bytes) -> None:
        """Count, then deliver."""
        self.factory.registerRead(len(data))
        ProtocolWrapper.dataReceived(self, data)

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Remember ``producer`` (to pause it when writes are throttled), then register it."""
        self.producer = producer
        ProtocolWrapper.registerProducer(self, producer, streaming)

    def unregisterProducer(self) -> None:
        """Forget the producer and unregister it."""
        self.__dict__.pop("producer", None)
        ProtocolWrapper.unregisterProducer(self)

    def throttleReads(self) -> None:
        """Pause reading from the transport."""
        self.transport.pauseProducing()

    def unthrottleReads(self) -> None:
        """Resume reading from the transport."""
        self.transport.resumeProducing()

    def throttleWrites(self) -> None:
        """Pause the registered producer, if any."""
        producer = self.__dict__.get("producer")
        if producer is not None:
            producer.pauseProducing()

    def unthrottleWrites(self) -> None:
        """Resume the registered producer, if any."""
        producer = self.__dict__.get("producer")
        if producer is not None:
            producer.resumeProducing()


class ThrottlingFactory(WrappingFactory):
    """Limits connections, and bytes read and written per second, across all its protocols.

    Each second it checks the bytes moved in the last one: over ``readLimit``, reading
    pauses on every connection for as long as the excess would take at the limit (over
    ``writeLimit``, registered producers are paused likewise). Beyond
    ``maxConnectionCount`` connections ``buildProtocol`` refuses (returns None). The checks
    run only while there is a connection. Timers use ``callLater``: the reactor's, or
    ``clock``'s when that twistio-only attribute is set.
    """

    protocol: Any = ThrottlingProtocol
    clock: Any = None

    def __init__(
        self,
        wrappedFactory: Any,
        maxConnectionCount: int = sys.maxsize,
        readLimit: float | None = None,
        writeLimit: float | None = None,
    ) -> None:
        WrappingFactory.__init__(self, wrappedFactory)
        self.connectionCount = 0
        self.maxConnectionCount = maxConnectionCount
        self.readLimit = readLimit
        self.writeLimit = writeLimit
        self.readThisSecond = 0
        self.writtenThisSecond = 0
        self.unthrottleReadsID: IDelayedCall | None = None
        self.checkReadBandwidthID: IDelayedCall | None = None
        self.unthrottleWritesID: IDelayedCall | None = None
        self.checkWriteBandwidthID: IDelayedCall | None = None

    def callLater(self, period: float, func: Callable[[], object]) -> IDelayedCall:
        """Schedule ``func`` in ``period`` seconds (override, or set ``clock``, in tests)."""
        return _reactorCallLater(self.clock, period, func)

    def registerWritten(self, length: int) -> None:
        """Count ``length`` bytes written."""
        self.writtenThisSecond += length

    def registerRead(self, length: int) -> None:
        """Count ``length`` bytes read."""
        self.readThisSecond += length

    def checkReadBandwidth(self) -> None:
        """Throttle reads if the last second read more than ``readLimit``; check again in 1 s."""
        assert self.readLimit is not None
        if self.readThisSecond > self.readLimit:
            self.throttleReads()
            throttleTime = float(self.readThisSecond) / self.readLimit - 1.0
            self.unthrottleReadsID = self.callLater(throttleTime, self.unthrottleReads)
        self.readThisSecond = 0
        self.checkReadBandwidthID = self.callLater(1, self.checkReadBandwidth)

    def checkWriteBandwidth(self) -> None:
        """Throttle writes if the last second wrote more than ``writeLimit``; check again in 1 s."""
        assert self.writeLimit is not None
        if self.writtenThisSecond > self.writeLimit:
            self.throttleWrites()
            throttleTime = float(self.writtenThisSecond) / self.writeLimit - 1.0
            self.unthrottleWritesID = self.callLater(throttleTime, self.unthrottleWrites)
        self.writtenThisSecond = 0
        self.checkWriteBandwidthID = self.callLater(1, self.checkWriteBandwidth)

    def throttleReads(self) -> None:
        """Pause reading on every connection."""
        _log.info("Throttling reads on {factory}", factory=self)
        for p in list(self.protocols):
            p.throttleReads()

    def unthrottleReads(self) -> None:
        """Resume reading on every connection."""
        self.unthrottleReadsID = None
        _log.info("Stopped throttling reads on {factory}", factory=self)
        for p in list(self.protocols):
            p.unthrottleReads()

    def throttleWrites(self) -> None:
        """Pause the producers of every connection."""
        _log.info("Throttling writes on {factory}", factory=self)
        for p in list(self.protocols):
            p.throttleWrites()

    def unthrottleWrites(self) -> None:
        """Resume the producers of every connection."""
        self.unthrottleWritesID = None
        _log.info("Stopped throttling writes on {factory}", factory=self)
        for p in list(self.protocols):
            p.unthrottleWrites()

    def buildProtocol(self, addr: Any) -> Any:
        """A throttled protocol, or None at ``maxConnectionCount``; the first starts the checks."""
        if not self.connectionCount:
            self._startChecks()
        if self.connectionCount >= self.maxConnectionCount:
            _log.info("Max connection count reached!")
            return None
        self.connectionCount += 1
        return WrappingFactory.buildProtocol(self, addr)

    def _startChecks(self) -> None:
        # Each limit that is set gets its once-a-second check.
        for limit, check in (
            (self.readLimit, self.checkReadBandwidth),
            (self.writeLimit, self.checkWriteBandwidth),
        ):
            if limit is not None:
                check()

    def unregisterProtocol(self, p: ProtocolWrapper) -> None:
        """Count the connection out; the last one stops the checks."""
        WrappingFactory.unregisterProtocol(self, p)
        self.connectionCount -= 1
        if self.connectionCount == 0:
            for name in (
                "unthrottleReadsID",
                "checkReadBandwidthID",
                "unthrottleWritesID",
                "checkWriteBandwidthID",
            ):
                call = getattr(self, name)
                if call is not None:
                    call.cancel()
                    setattr(self, name, None)


class TimeoutProtocol(ProtocolWrapper):
    """A wrapper that closes the connection after ``timeoutPeriod`` seconds without traffic."""

    factory: TimeoutFactory

    def __init__(self, factory: TimeoutFactory, wrappedProtocol: Any, timeoutPeriod: float | None) -> None:
        ProtocolWrapper.__init__(self, factory, wrappedProtocol)
        self.timeoutCall: IDelayedCall | None = None
        self.timeoutPeriod: float | None = None
        self.setTimeout(timeoutPeriod)

    def setTimeout(self, timeoutPeriod: float | None = None) -> None:
        """(Re)start the timer with ``timeoutPeriod``; None cancels it."""
        self.cancelTimeout()
        self.timeoutPeriod = timeoutPeriod
        if timeoutPeriod is not None:
            self.timeoutCall = self.factory.callLater(timeoutPeriod, self.timeoutFunc)

    def cancelTimeout(self) -> None:
        """Cancel the timer, if it is running."""
        self.timeoutPeriod = None
        call, self.timeoutCall = self.timeoutCall, None
        if call is not None:
            try:
                call.cancel()
            except (AlreadyCancelled, AlreadyCalled):
                pass

    def resetTimeout(self) -> None:
        """Restart the timer from now."""
        if self.timeoutCall is not None and self.timeoutPeriod is not None:
            self.timeoutCall.reset(self.timeoutPeriod)

    def write(self, data: bytes) -> None:
        """Reset the timer, then write."""
        self.resetTimeout()
        ProtocolWrapper.write(self, data)

    def writeSequence(self, seq: Iterable[bytes]) -> None:
        """Reset the timer, then write."""
        self.resetTimeout()
        ProtocolWrapper.writeSequence(self, seq)

    def dataReceived(self, data: bytes) -> None:
        """Reset the timer, then deliver."""
        self.resetTimeout()
        ProtocolWrapper.dataReceived(self, data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Cancel the timer, then pass the loss on."""
        self.cancelTimeout()
        ProtocolWrapper.connectionLost(self, reason)

    def timeoutFunc(self) -> None:
        """The timer ran out: close the connection."""
        self.timeoutCall = None
        self.loseConnection()


class TimeoutFactory(WrappingFactory):
    """Wraps each protocol in a ``TimeoutProtocol`` with ``timeoutPeriod`` (30 minutes)."""

    protocol: Any = TimeoutProtocol
    clock: Any = None

    def __init__(self, wrappedFactory: Any, timeoutPeriod: float = 30 * 60) -> None:
        self.timeoutPeriod = timeoutPeriod
        WrappingFactory.__init__(self, wrappedFactory)

    def buildProtocol(self, addr: Any) -> Any:
        """A ``TimeoutProtocol`` around the wrapped factory's protocol."""
        return self.protocol(
            self, self.wrappedFactory.buildProtocol(addr), timeoutPeriod=self.timeoutPeriod
        )

    def callLater(self, period: float, func: Callable[[], object]) -> IDelayedCall:
        """Schedule ``func`` in ``period`` seconds (override, or set ``clock``, in tests)."""
        return _reactorCallLater(self.clock, period, func)


def _peerHost(addr: Any) -> Any:
    host = getattr(addr, "host", None)
    if host is not None:
        return host
    return addr[0]


class LimitConnectionsByPeer(WrappingFactory):
    """Refuses (``buildProtocol`` returns None) more than ``maxConnectionsPerPeer`` per host.

    Twisted's version indexes addresses as tuples, which its own address objects no longer
    are; twistio uses ``addr.host`` (falling back to ``addr[0]``), so it works.
    """

    maxConnectionsPerPeer = 5

    def startFactory(self) -> None:
        """Start with no connections counted."""
        self.peerConnections: dict[Any, int] = {}

    def buildProtocol(self, addr: Any) -> Any:
        """A protocol, unless ``addr``'s host is at its limit."""
        if not hasattr(self, "peerConnections"):
            self.peerConnections = {}
        host = _peerHost(addr)
        count = self.peerConnections.get(host, 0)
        if count >= self.maxConnectionsPerPeer:
            return None
        self.peerConnections[host] = count + 1
        return WrappingFactory.buildProtocol(self, addr)

    def unregisterProtocol(self, p: ProtocolWrapper) -> None:
        """Count the connection out of its peer's."""
        WrappingFactory.unregisterProtocol(self, p)
        host = _peerHost(p.getPeer())
        remaining = self.peerConnections.get(host, 1) - 1
        if remaining <= 0:
            self.peerConnections.pop(host, None)
        else:
            self.peerConnections[host] = remaining


class LimitTotalConnectionsFactory(ServerFactory):
    """A factory refusing connections beyond ``connectionLimit`` (None: no limit).

    Past the limit it builds ``overflowProtocol`` if set (say, one that writes "busy"
    and closes), else refuses. ``connectionCount`` counts the live connections.
    """

    connectionCount = 0
    connectionLimit: int | None = None
    overflowProtocol: Callable[[], Any] | None = None

    def buildProtocol(self, addr: Any) -> Any:
        """A protocol, an overflow protocol, or None, counting the connection."""
        if self.connectionLimit is None or self.connectionCount < self.connectionLimit:
            wrappedProtocol = self.protocol() if self.protocol is not None else None
        elif self.overflowProtocol is None:
            return None
        else:
            wrappedProtocol = self.overflowProtocol()
        if wrappedProtocol is None:
            return None
        wrappedProtocol.factory = self
        protocol = ProtocolWrapper(self, wrappedProtocol)  # type: ignore[arg-type]
        self.connectionCount += 1
        return protocol

    def registerProtocol(self, p: ProtocolWrapper) -> None:
        """Nothing: counting happens in ``buildProtocol``."""

    def unregisterProtocol(self, p: ProtocolWrapper) -> None:
        """Count the connection out."""
        self.connectionCount -= 1


class TimeoutMixin:
    """Mix into a protocol to close idle connections: ``setTimeout(seconds)``.

    Call ``resetTimeout`` on activity (typically first thing in ``dataReceived``); when the
    time runs out, ``timeoutConnection`` is called (it closes the transport by default).
    Timers come from ``callLater``: the reactor's, or ``clock``'s when that twistio-only
    attribute is set; tests may also override ``callLater`` itself, as in Twisted.
    """

    timeOut: float | None = None
    clock: Any = None
    transport: Any

    __timeoutCall: IDelayedCall | None = None

    def callLater(self, period: float, func: Callable[[], object]) -> IDelayedCall:
        """Schedule ``func`` in ``period`` seconds."""
        return _reactorCallLater(self.clock, period, func)

    def resetTimeout(self) -> None:
        """Restart the timer from now (no-op if there is none)."""
        call = self.__timeoutCall
        if call is not None and self.timeOut is not None:
            call.reset(self.timeOut)

    def setTimeout(self, period: float | None) -> float | None:
        """Set the timeout to ``period`` seconds from now (None disables it); return the old one."""
        previous = self.timeOut
        self.timeOut = period
        call = self.__timeoutCall
        if call is not None:
            if period is None:
                try:
                    call.cancel()
                except (AlreadyCancelled, AlreadyCalled):
                    pass
                self.__timeoutCall = None
            else:
                call.reset(period)
        elif period is not None:
            self.__timeoutCall = self.callLater(period, self.__timedOut)
        return previous

    def __timedOut(self) -> None:
        self.__timeoutCall = None
        self.timeoutConnection()

    def timeoutConnection(self) -> None:
        """The timeout ran out: close the connection (override for something else)."""
        self.transport.loseConnection()
