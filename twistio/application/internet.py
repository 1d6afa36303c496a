"""Services that listen, connect or call on a timer while the application runs.

``TCPServer(port, factory)`` and its kin call the reactor's ``listenTCP(port, factory)``
(``listenUNIX``, ``listenSSL``, ``listenUDP``; ``connect*`` for the clients) when started and
stop listening (or disconnect) when stopped. ``StreamServerEndpointService`` listens on an
endpoint; ``ClientService`` keeps one connection up through an endpoint, reconnecting after
a delay given by its retry policy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from twistio.application.service import Service
from twistio.internet.defer import CancelledError, Deferred, fail, maybeDeferred, succeed
from twistio.logger import Logger
from twistio.python import log
from twistio.python.failure import Failure

__all__ = [
    "ClientService",
    "MulticastServer",
    "SSLClient",
    "SSLServer",
    "StreamServerEndpointService",
    "TCPClient",
    "TCPServer",
    "TimerService",
    "UDPServer",
    "UNIXClient",
    "UNIXDatagramClient",
    "UNIXDatagramServer",
    "UNIXServer",
    "backoffPolicy",
]


def _maybeGlobalReactor(maybeReactor: Any) -> Any:
    """``maybeReactor``, or the global reactor when it is None."""
    if maybeReactor is None:
        from twistio.internet import reactor

        return reactor
    return maybeReactor


class _VolatileDataService(Service):
    """A service whose attributes named in ``volatile`` (live ports, connections, loops)
    are left out when it is pickled or copied."""

    volatile: list[str] = []

    def __getstate__(self) -> dict[str, Any]:
        state = Service.__getstate__(self)
        for name in self.volatile:
            state.pop(name, None)
        return state


class _AbstractServer(_VolatileDataService):
    """Listens with the reactor's ``listen<method>(*args, **kwargs)`` while running."""

    volatile = ["_port"]
    method: str = ""
    reactor: Any = None
    _port: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        if "reactor" in kwargs:
            self.reactor = kwargs.pop("reactor")
        self.kwargs = kwargs

    def privilegedStartService(self) -> None:
        """Listen now, so a privileged port is bound before privileges are dropped."""
        Service.privilegedStartService(self)
        self._port = self._getPort()

    def startService(self) -> None:
        Service.startService(self)
        if self._port is None:
            self._port = self._getPort()

    def stopService(self) -> Deferred[Any] | None:
        Service.stopService(self)
        if self._port is not None:
            port, self._port = self._port, None
            result: Deferred[Any] | None = port.stopListening()
            return result
        return None

    def _getPort(self) -> Any:
        reactor = _maybeGlobalReactor(self.reactor)
        return getattr(reactor, "listen" + self.method)(*self.args, **self.kwargs)


class _AbstractClient(_VolatileDataService):
    """Connects with the reactor's ``connect<method>(*args, **kwargs)`` while running."""

    volatile = ["_connection"]
    method: str = ""
    reactor: Any = None
    _connection: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        if "reactor" in kwargs:
            self.reactor = kwargs.pop("reactor")
        self.kwargs = kwargs

    def startService(self) -> None:
        Service.startService(self)
        self._connection = self._getConnection()

    def stopService(self) -> Deferred[Any] | None:
        Service.stopService(self)
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.disconnect()
        return None

    def _getConnection(self) -> Any:
        reactor = _maybeGlobalReactor(self.reactor)
        return getattr(reactor, "connect" + self.method)(*self.args, **self.kwargs)


class TCPServer(_AbstractServer):
    """``listenTCP(port, factory, backlog=50, interface='')`` while running."""

    method = "TCP"


class UNIXServer(_AbstractServer):
    """``listenUNIX(address, factory, backlog=50, mode=0o666, wantPID=0)`` while running."""

    method = "UNIX"


class SSLServer(_AbstractServer):
    """``listenSSL(port, factory, contextFactory, backlog=50, interface='')`` while running."""

    method = "SSL"


class UDPServer(_AbstractServer):
    """``listenUDP(port, protocol, interface='', maxPacketSize=8192)`` while running."""

    method = "UDP"


class UNIXDatagramServer(_AbstractServer):
    """A UNIX datagram socket, bound while running (``listenUNIXDatagram``)."""

    method = "UNIXDatagram"


class MulticastServer(_AbstractServer):
    """A multicast UDP port while running (``listenMulticast``)."""

    method = "Multicast"


class TCPClient(_AbstractClient):
    """``connectTCP(host, port, factory, timeout=30, bindAddress=None)`` while running."""

    method = "TCP"


class UNIXClient(_AbstractClient):
    """``connectUNIX(address, factory, timeout=30, checkPID=0)`` while running."""

    method = "UNIX"


class UNIXDatagramClient(_AbstractClient):
    """A connected UNIX datagram socket while running (``connectUNIXDatagram``)."""

    method = "UNIXDatagram"


class SSLClient(_AbstractClient):
    """``connectSSL(host, port, factory, contextFactory, timeout=30, bindAddress=None)``."""

    method = "SSL"


class TimerService(_VolatileDataService):
    """Call ``callable(*args, **kwargs)`` every ``step`` seconds while running, first at start.

    ``stopService`` returns a Deferred that fires once a call in progress (one that
    returned a Deferred) has finished.
    """

    volatile = ["_loop", "_loopFinished"]
    clock: Any = None
    # (No class defaults for these: a pickled or copied TimerService has none at all.)
    _loop: Any
    _loopFinished: Deferred[Any]

    def __init__(
        self, step: float, callable: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        self.step = step
        self.call = (callable, args, kwargs)

    def startService(self) -> None:
        from twistio.internet.task import LoopingCall

        Service.startService(self)
        callable, args, kwargs = self.call
        self._loop = LoopingCall(callable, *args, **kwargs)
        self._loop.clock = _maybeGlobalReactor(self.clock)
        self._loopFinished = self._loop.start(self.step, now=True)
        self._loopFinished.addErrback(self._failed)

    def _failed(self, why: Failure) -> None:
        # The call raised: the loop has stopped; log it, as Twisted does.
        self._loop.running = False
        log.err(why)

    def stopService(self) -> Deferred[Any]:
        loop = getattr(self, "_loop", None)
        if loop is not None and loop.running:
            loop.stop()
        finished = getattr(self, "_loopFinished", None) or succeed(None)
        finished.addCallback(lambda ignored: Service.stopService(self))
        return finished


class StreamServerEndpointService(Service):
    """Listen on ``endpoint`` with ``factory`` while running.

    A listening error is logged (``_raiseSynchronously`` set, as ``strports.service`` does:
    raised from ``privilegedStartService``/``startService`` when the endpoint fails at once).
    """

    _raiseSynchronously = False
    _waitingForPort: Deferred[Any] | None = None

    def __init__(self, endpoint: Any, factory: Any) -> None:
        self.endpoint = endpoint
        self.factory = factory

    def privilegedStartService(self) -> None:
        Service.privilegedStartService(self)
        self._waitingForPort = self.endpoint.listen(self.factory)
        raisedNow: list[Failure] = []

        def handleIt(err: Failure) -> None:
            if self._raiseSynchronously:
                raisedNow.append(err)
            elif not err.check(CancelledError):
                log.err(err)

        assert self._waitingForPort is not None
        self._waitingForPort.addErrback(handleIt)
        if raisedNow:
            raisedNow[0].raiseException()
        self._raiseSynchronously = False

    def startService(self) -> None:
        Service.startService(self)
        if self._waitingForPort is None:
            self.privilegedStartService()

    def stopService(self) -> Deferred[Any]:
        """Stop listening (or stop waiting to); the Deferred fires when the port is closed."""
        waiting = self._waitingForPort
        if waiting is None:
            Service.stopService(self)
            return succeed(None)
        waiting.cancel()

        def stopIt(port: Any) -> Any:
            if port is not None:
                return port.stopListening()
            return None

        def stopped(passthrough: Any) -> Any:
            self.running = 0
            return passthrough

        return waiting.addCallback(stopIt).addBoth(stopped)


def backoffPolicy(
    initialDelay: float = 1.0,
    maxDelay: float = 60.0,
    factor: float = 1.5,
    jitter: Callable[[], float] = random.random,
) -> Callable[[int], float]:
    """A retry policy: ``initialDelay * factor ** attempt``, capped at ``maxDelay``, plus ``jitter()``."""

    def policy(attempt: int) -> float:
        try:
            delay = min(initialDelay * factor ** min(100, attempt), maxDelay)
        except OverflowError:
            delay = maxDelay
        if math.isnan(delay):
            delay = maxDelay
        return delay + jitter()

    return policy


_defaultPolicy = backoffPolicy()
_clientServiceLog = Logger(namespace="twistio.application.internet.ClientService")


class ClientService(Service):
    """Keep a connection to ``endpoint`` up while running, reconnecting after failures.

    After a failed attempt or a lost connection it waits ``retryPolicy(n)`` seconds, ``n``
    the number of failures since the last success (1 after a lost connection).
    ``prepareConnection(protocol)``, if given, runs on each new connection; the connection
    counts as made once what it returns (maybe a Deferred) has succeeded.
    """

    def __init__(
        self,
        endpoint: Any,
        factory: Any,
        retryPolicy: Callable[[int], float] | None = None,
        clock: Any = None,
        prepareConnection: Callable[[Any], Any] | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._factory = factory
        self._timeoutForAttempt = _defaultPolicy if retryPolicy is None else retryPolicy
        self._clock = clock
        self._prepareConnection = prepareConnection
        # init, connecting, waiting, connected, disconnecting, restarting (started again
        # while disconnecting: connects once the old connection has closed), stopped
        self._state = "init"
        self._failedAttempts = 0
        self._connectionInProgress: Deferred[Any] | None = None
        self._retryCall: Any = None
        self._currentProtocol: Any = None
        self._currentConnection: Any = None
        self._awaiting: list[tuple[Deferred[Any], int | None, list[int]]] = []
        self._stopWaiters: list[Deferred[None]] = []

    # -- public -------------------------------------------------------------------------------

    def whenConnected(self, failAfterFailures: int | None = None) -> Deferred[Any]:
        """A Deferred firing with the protocol once connected.

        Fails with ``CancelledError`` if the service stops first, and, when
        ``failAfterFailures`` is given, with the last failure after that many failed attempts.
        """
        if self._state == "connected":
            return succeed(self._currentProtocol)
        if self._state == "stopped":
            return fail(CancelledError())
        # Also while a stop waits for the connection to close: a start before it has
        # closed reconnects and fires this; otherwise the close cancels it.
        d: Deferred[Any] = Deferred()
        self._awaiting.append((d, failAfterFailures, [0]))
        return d

    def startService(self) -> None:
        if self.running:
            _clientServiceLog.warn("Duplicate ClientService.startService {service}", service=self)
            return
        Service.startService(self)
        self._failedAttempts = 0
        if self._state == "disconnecting":
            self._state = "restarting"
        else:
            self._connect()

    def stopService(self) -> Deferred[None]:
        """Stop (re)connecting and close the connection; fires once it is closed."""
        Service.stopService(self)
        state = self._state
        self._state = "stopped"
        if state == "connecting":
            assert self._connectionInProgress is not None
            self._connectionInProgress.cancel()
        elif state == "waiting":
            self._retryCall.cancel()
            self._retryCall = None
        elif state in ("connected", "disconnecting", "restarting"):
            # Fires once the connection has closed; so do the earlier stops' Deferreds.
            done: Deferred[None] = Deferred()
            self._stopWaiters.append(done)
            self._state = "disconnecting"
            if state == "connected":
                self._currentConnection.transport.loseConnection()
            return done
        if state != "init":
            # As Twisted's: a service never started keeps its waiters (a later
            # startService may still connect them); later ones fail at once.
            self._cancelAwaiting()
        return succeed(None)

    # -- machinery ------------------------------------------------------------------------------

    def _clockNow(self) -> Any:
        return _maybeGlobalReactor(self._clock)

    def _connect(self, started: Callable[[], None] | None = None) -> None:
        self._state = "connecting"
        factory = _DisconnectNotifyingFactory(self._factory, self._clientDisconnected)
        d = self._endpoint.connect(factory)
        self._connectionInProgress = d
        if started is not None:
            started()
        d.addCallback(self._prepare)
        d.addCallbacks(self._connectionMade, self._connectionFailed)

    def _prepare(self, protocol: Any) -> Any:
        real = getattr(protocol, "_twistio_wrapped", protocol)
        self._currentConnection = real
        if self._prepareConnection is None:
            return real

        def prepareFailed(f: Failure) -> Failure:
            self._currentConnection = None
            transport = getattr(real, "transport", None)
            if transport is not None:
                transport.loseConnection()
            return f

        return (
            maybeDeferred(self._prepareConnection, real)
            .addCallback(lambda ignored: real)
            .addErrback(prepareFailed)
        )

    def _connectionMade(self, protocol: Any) -> None:
        self._connectionInProgress = None
        self._failedAttempts = 0
        if self._state != "connecting":
            # Stopped while preparing: drop it.
            protocol.transport.loseConnection()
            return
        self._state = "connected"
        self._currentProtocol = protocol
        awaiting, self._awaiting = self._awaiting, []
        for d, _, _ in awaiting:
            d.callback(protocol)

    def _connectionFailed(self, f: Failure) -> None:
        self._connectionInProgress = None
        if self._state != "connecting":
            return
        self._failedAttempts += 1
        still: list[tuple[Deferred[Any], int | None, list[int]]] = []
        failed: list[Deferred[Any]] = []
        for entry in self._awaiting:
            d, limit, count = entry
            count[0] += 1
            if limit is not None and count[0] >= limit:
                failed.append(d)
            else:
                still.append(entry)
        self._awaiting = still
        for d in failed:
            d.errback(f)
        self._wait()

    def _wait(self) -> None:
        self._state = "waiting"
        delay = self._timeoutForAttempt(self._failedAttempts)
        self._retryCall = self._clockNow().callLater(delay, self._reconnect)

    def _reconnect(self) -> None:
        self._retryCall = None
        if self._state == "waiting":
            self._connect()

    def _clientDisconnected(self, protocol: Any) -> None:
        if protocol is not self._currentConnection:
            return
        self._currentProtocol = None
        self._currentConnection = None
        if self._state in ("disconnecting", "restarting"):
            restart = self._state == "restarting"
            self._state = "stopped"
            waiters, self._stopWaiters = self._stopWaiters, []

            def stopped() -> None:
                for d in waiters:
                    d.callback(None)

            if restart:
                # As Twisted's: the new attempt starts, then the stops hear of the close,
                # then the attempt's outcome is handled.
                self._connect(stopped)
            else:
                stopped()
                self._cancelAwaiting()
        elif self._state == "connected":
            self._failedAttempts = 1
            self._wait()

    def _cancelAwaiting(self) -> None:
        awaiting, self._awaiting = self._awaiting, []
        for d, _, _ in awaiting:
            d.errback(CancelledError())


class _DisconnectNotifyingFactory:
    """Builds the user's protocol and hooks its ``connectionLost`` to tell the service."""

    def __init__(self, factory: Any, onLost: Callable[[Any], None]) -> None:
        self._factory = factory
        self._onLost = onLost

    def __getattr__(self, name: str) -> Any:
        return getattr(self._factory, name)

    def doStart(self) -> None:
        start = getattr(self._factory, "doStart", None)
        if start is not None:
            start()

    def doStop(self) -> None:
        stop = getattr(self._factory, "doStop", None)
        if stop is not None:
            stop()

    def buildProtocol(self, addr: Any) -> Any:
        protocol = self._factory.buildProtocol(addr)
        if protocol is None:
            return None
        # Wrapped in place (an instance attribute) rather than by a proxy object, so the
        # transport calls the protocol's own methods with nothing in between.
        original = protocol.connectionLost
        onLost = self._onLost

        def connectionLost(reason: Failure) -> None:
            try:
                original(reason)
            finally:
                onLost(protocol)

        protocol.connectionLost = connectionLost
        return protocol
