"""Connect two protocols to each other in memory, or over a real socket (for tests).

``loopbackAsync(server, client, pumpPolicy=identityPumpPolicy)`` gives each protocol a
transport whose writes queue up for the other; the queues are emptied (by ``pumpPolicy``)
at once, and then whenever something new is written, on the next reactor turn (so a write
never re-enters the writer's ``dataReceived``). When either side loses the connection, what
it wrote is delivered, both sides get ``connectionLost(ConnectionDone)`` and the returned
Deferred fires with None.

A pump policy is called with ``(queue, protocol)``: ``queue.get()`` returns the next bytes
written, or None where the writer disconnected, and ``queue`` is true while items remain.
``identityPumpPolicy`` delivers each write as its own ``dataReceived``;
``collapsingPumpPolicy`` delivers everything queued as one.

``loopbackTCP``/``loopbackUNIX`` run the same session over a real socket on 127.0.0.1 or a
UNIX socket, firing when both sides have lost the connection. ``LoopbackRelay`` is the old
synchronous transport: writes gather in ``buffer`` until ``clearBuffer()`` hands them over.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from twistio.internet import defer, interfaces, main, protocol
from twistio.internet.interfaces import IAddress, implementer
from twistio.python.failure import Failure

__all__ = [
    "LoopbackClientFactory",
    "LoopbackRelay",
    "collapsingPumpPolicy",
    "identityPumpPolicy",
    "loopbackAsync",
    "loopbackTCP",
    "loopbackUNIX",
]


def _the_reactor() -> Any:
    from twistio.internet import reactor

    return reactor


class _LoopbackQueue:
    """Bytes written by one side for the other, and None where it disconnected.

    ``put`` fires ``_notificationDeferred`` (set while the pump waits for work)."""

    _notificationDeferred: defer.Deferred[None] | None = None
    disconnect = False

    def __init__(self) -> None:
        self._items: list[bytes | None] = []

    def put(self, v: bytes | None) -> None:
        self._items.append(v)
        waiting, self._notificationDeferred = self._notificationDeferred, None
        if waiting is not None:
            waiting.callback(None)

    def __bool__(self) -> bool:
        return bool(self._items)

    def get(self) -> bytes | None:
        return self._items.pop(0)


@implementer(IAddress)
class _LoopbackAddress:
    """The address both ends of an in-memory loopback connection report."""

    def __repr__(self) -> str:
        return "_LoopbackAddress()"


@implementer(interfaces.ITransport, interfaces.IConsumer)
class _LoopbackTransport:
    """The transport of one side of ``loopbackAsync``: writes go to its queue."""

    disconnecting = False
    producer: Any = None
    streamingProducer = False

    def __init__(self, q: _LoopbackQueue) -> None:
        self.q = q

    def write(self, data: bytes) -> None:
        if not isinstance(data, bytes):
            raise TypeError(f"Can only write bytes to a transport, not {data!r}")
        self.q.put(data)

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        self.write(b"".join(iovec))

    def loseConnection(self) -> None:
        if self.q.disconnect:
            return
        self.q.disconnect = True
        self.disconnecting = True
        self.q.put(None)

    def abortConnection(self) -> None:
        """Abort the connection: here, the same as ``loseConnection``."""
        self.loseConnection()

    def getPeer(self) -> _LoopbackAddress:
        return _LoopbackAddress()

    def getHost(self) -> _LoopbackAddress:
        return _LoopbackAddress()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        if self.producer is not None:
            raise RuntimeError("a producer is already registered")
        self.producer = producer
        self.streamingProducer = streaming
        self._pollProducer()

    def unregisterProducer(self) -> None:
        if self.producer is None:
            raise RuntimeError("no producer is registered")
        self.producer = None

    def _pollProducer(self) -> None:
        """Ask a pull producer for more, as a real transport would once its buffer drains."""
        if self.producer is not None and not self.streamingProducer:
            self.producer.resumeProducing()


def _pending(queue: _LoopbackQueue) -> Iterator[bytes]:
    """The writes waiting in ``queue``, up to the end of the queue or its writer's close."""
    while queue:
        chunk = queue.get()
        if chunk is None:
            return
        yield chunk


def identityPumpPolicy(queue: _LoopbackQueue, target: Any) -> None:
    """Deliver each queued write to ``target.dataReceived`` as it was written."""
    for chunk in _pending(queue):
        target.dataReceived(chunk)


def collapsingPumpPolicy(queue: _LoopbackQueue, target: Any) -> None:
    """Deliver everything queued to ``target.dataReceived`` as one string."""
    chunks = list(_pending(queue))
    if chunks:
        target.dataReceived(b"".join(chunks))


PumpPolicy = Callable[[_LoopbackQueue, Any], None]


def loopbackAsync(
    server: Any, client: Any, pumpPolicy: PumpPolicy = identityPumpPolicy
) -> defer.Deferred[None]:
    """Connect ``server`` and ``client`` in memory and move their bytes until one of them
    disconnects; the Deferred fires once both have been told of the loss."""
    toClient = _LoopbackQueue()
    toServer = _LoopbackQueue()
    server.makeConnection(_LoopbackTransport(toClient))
    client.makeConnection(_LoopbackTransport(toServer))
    return _Pump(server, toClient, client, toServer, pumpPolicy).run()


class _Pump:
    """Moves bytes both ways for ``loopbackAsync``."""

    def __init__(
        self,
        server: Any,
        toClient: _LoopbackQueue,
        client: Any,
        toServer: _LoopbackQueue,
        policy: PumpPolicy,
    ) -> None:
        self.server, self.toClient = server, toClient
        self.client, self.toServer = client, toServer
        self.policy = policy
        self.done: defer.Deferred[None] = defer.Deferred()

    def _move(self, writer: Any, queue: _LoopbackQueue, reader: Any) -> bool:
        if not queue:
            return False
        self.policy(queue, reader)
        if not queue:
            writer.transport._pollProducer()  # its "buffer" drained: a pull producer goes on
        return True

    def run(self) -> defer.Deferred[None]:
        self._step()
        return self.done

    def _step(self, ignored: object = None) -> None:
        while True:
            moved = self._move(self.server, self.toClient, self.client)
            moved = self._move(self.client, self.toServer, self.server) or moved
            if self.toClient.disconnect or self.toServer.disconnect:
                # Deliver what the disconnecting side wrote before it went, then close both.
                if self.toClient.disconnect:
                    self._move(self.server, self.toClient, self.client)
                else:
                    self._move(self.client, self.toServer, self.server)
                done = Failure(main.CONNECTION_DONE)
                self.server.connectionLost(done)
                self.client.connectionLost(done)
                self.done.callback(None)
                return
            if not moved:
                break
        wake: defer.Deferred[None] = defer.Deferred()
        self.toClient._notificationDeferred = wake
        self.toServer._notificationDeferred = wake
        wake.addCallback(self._later)

    def _later(self, ignored: object) -> None:
        # Both queues share one notification: the first put fired it, so clear the other.
        self.toClient._notificationDeferred = None
        self.toServer._notificationDeferred = None
        _the_reactor().callLater(0, self._step)


@implementer(interfaces.ITransport, interfaces.IConsumer)
class LoopbackRelay:
    """A transport that keeps what is written in ``buffer`` until ``clearBuffer()`` hands
    it to ``target.dataReceived`` (and, after ``loseConnection``, ``connectionLost``)."""

    buffer = b""
    shouldLose = 0
    disconnecting = 0
    producer: Any = None

    def __init__(self, target: Any, logFile: Any = None) -> None:
        self.target = target
        self.logFile = logFile

    def write(self, data: bytes) -> None:
        self.buffer = self.buffer + data
        if self.logFile is not None:
            self.logFile.write(f"loopback writing {data!r}\n")

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        self.write(b"".join(iovec))

    def clearBuffer(self) -> None:
        """Deliver the buffer to the target; then the loss of the connection, if asked."""
        if self.shouldLose == -1:
            return
        if self.producer is not None:
            self.producer.resumeProducing()
        if self.buffer:
            if self.logFile is not None:
                self.logFile.write(f"loopback receiving {self.buffer!r}\n")
            data, self.buffer = self.buffer, b""
            self.target.dataReceived(data)
        if self.shouldLose == 1:
            self.shouldLose = -1
            self.target.connectionLost(Failure(main.CONNECTION_DONE))

    def loseConnection(self) -> None:
        if self.shouldLose != -1:
            self.shouldLose = 1

    def getHost(self) -> str:
        return "loopback"

    def getPeer(self) -> str:
        return "loopback"

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.producer = producer

    def unregisterProducer(self) -> None:
        self.producer = None

    def logPrefix(self) -> str:
        return f"Loopback({self.target.__class__.__name__!r})"


class LoopbackClientFactory(protocol.ClientFactory):
    """Gives out one protocol instance; ``deferred`` fires when its connection ends."""

    def __init__(self, protocol: Any) -> None:
        self.disconnected = 0
        self.deferred: defer.Deferred[None] = defer.Deferred()
        self.protocol = protocol

    def buildProtocol(self, addr: Any) -> Any:
        return self.protocol

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        self.disconnected = 1
        self.deferred.callback(None)

    clientConnectionFailed = clientConnectionLost


class _FireOnClose:
    """Wraps the server protocol: ``deferred`` fires after its ``connectionLost``."""

    def __init__(self, protocol: Any, factory: Any) -> None:
        self._wrapped = protocol
        self.deferred: defer.Deferred[None] = defer.Deferred()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def makeConnection(self, transport: Any) -> None:
        self._wrapped.makeConnection(transport)

    def dataReceived(self, data: bytes) -> None:
        self._wrapped.dataReceived(data)

    def connectionLost(self, reason: Failure) -> None:
        self._wrapped.connectionLost(reason)
        self.deferred.callback(None)


class _OneServer(protocol.ServerFactory):
    def __init__(self, server: Any) -> None:
        self.wrapper = _FireOnClose(server, self)

    def buildProtocol(self, addr: Any) -> Any:
        return self.wrapper


def _session(listen: Callable[[Any], Any], connect: Callable[[Any, Any], Any],
             server: Any, client: Any, noisy: bool) -> defer.Deferred[None]:
    serverFactory = _OneServer(server)
    serverFactory.noisy = noisy
    port = listen(serverFactory)
    clientFactory = LoopbackClientFactory(client)
    clientFactory.noisy = noisy
    connect(port, clientFactory)
    both = defer.gatherResults([serverFactory.wrapper.deferred, clientFactory.deferred])

    def stop(result: object) -> Any:
        return port.stopListening()

    done: defer.Deferred[None] = both.addCallback(stop).addCallback(lambda _: None)
    return done


def loopbackTCP(server: Any, client: Any, port: int = 0, noisy: bool = True) -> defer.Deferred[None]:
    """Run a session between ``server`` and ``client`` over TCP on 127.0.0.1."""
    reactor = _the_reactor()
    return _session(
        lambda factory: reactor.listenTCP(port, factory, interface="127.0.0.1"),
        lambda p, factory: reactor.connectTCP("127.0.0.1", p.getHost().port, factory),
        server,
        client,
        noisy,
    )


def loopbackUNIX(server: Any, client: Any, noisy: bool = True) -> defer.Deferred[None]:
    """Run a session between ``server`` and ``client`` over a UNIX socket."""
    reactor = _the_reactor()
    path = os.path.join(tempfile.mkdtemp(prefix="twistio-loopback-"), "socket")
    return _session(
        lambda factory: reactor.listenUNIX(path, factory),
        lambda p, factory: reactor.connectUNIX(path, factory),
        server,
        client,
        noisy,
    )
