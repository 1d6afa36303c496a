"""In-memory connections for protocol tests: two protocols joined by ``FakeTransport``s and an
``IOPump`` that moves bytes between them when told to, with Twisted's names.

``connectedServerAndClient(ServerClass, ClientClass)`` gives ``(client, server, pump)``;
``pump.pump()`` moves what each side wrote to the other once (returning whether anything
moved) and ``pump.flush()`` repeats until nothing moves. A ``loseConnection`` takes two
pumps to reach both sides, as in Twisted: the peer's ``connectionLost`` first, then the
closing side's. ``startTLS`` is pretended: once both sides called it, a negotiation token
crosses in two pumps, each side's context factory may check the other's (``iosimVerify``),
and both transports then provide ``ISSLTransport``.
"""

from __future__ import annotations

import itertools
import ssl
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, Union

from twistio.internet import error
from twistio.internet.endpoints import TCP4ClientEndpoint
from twistio.internet.interfaces import (
    IConsumer,
    IPushProducer,
    ISSLTransport,
    ITCPTransport,
    ITransport,
    implementer,
)
from twistio.internet.protocol import Factory, Protocol
from twistio.internet.task import Clock
from twistio.internet.testing import MemoryReactor, MemoryReactorClock
from twistio.python.failure import Failure

__all__ = [
    "ConnectionCompleter",
    "FakeAddress",
    "FakeTransport",
    "IOPump",
    "NativeOpenSSLError",
    "TLSNegotiation",
    "connect",
    "connectableEndpoint",
    "connectedServerAndClient",
    "makeFakeClient",
    "makeFakeServer",
]

_TServer = TypeVar("_TServer")
_TClient = TypeVar("_TClient")


#: The error a refused pretend handshake closes the connection with: twistio's TLS is the
#: standard library's, so it is ``ssl.SSLError`` (Twisted's is pyOpenSSL's ``SSL.Error``).
NativeOpenSSLError = ssl.SSLError


class FakeAddress:
    """The address of either end of a ``FakeTransport`` (each one is distinct)."""


class TLSNegotiation:
    """The token two ``FakeTransport``s exchange to pretend to negotiate TLS.

    ``obj`` is the context factory given to ``startTLS``; ``connectState`` is True on the
    side that speaks first (the client, normally).
    """

    def __init__(self, obj: Any, connectState: bool) -> None:
        self.obj = obj
        self.connectState = connectState
        self.sent = False
        self.readyToSend = connectState

    def __repr__(self) -> str:
        return f"TLSNegotiation({self.obj!r})"

    def pretendToVerify(self, other: TLSNegotiation, tpt: FakeTransport) -> None:
        """Let our context factory check the peer's (``iosimVerify``); on refusal, close
        ``tpt`` with an ``ssl.SSLError``."""
        verify = getattr(self.obj, "iosimVerify", None)
        if verify is not None and not verify(other.obj):
            tpt.disconnectReason = NativeOpenSSLError("certificate verify failed (iosim)")
            tpt.loseConnection()


@implementer(ITransport, ITCPTransport, IConsumer, IPushProducer)
class FakeTransport:
    """One end of an in-memory connection: it keeps what its protocol writes until an
    ``IOPump`` takes it (``getOutBuffer``) and hands the other side's bytes to the protocol
    (``bufferReceived``)."""

    _serials = itertools.count()
    closed = 0
    disconnecting = 0
    disconnected = 0
    disconnectReason: BaseException = error.ConnectionDone("Connection done")
    producer: Any = None
    streamingProducer = 0
    tls: TLSNegotiation | None = None

    def __init__(
        self,
        protocol: Any,
        isServer: bool,
        hostAddress: Any = None,
        peerAddress: Any = None,
    ) -> None:
        self.protocol = protocol
        self.isServer = isServer
        self.stream: list[bytes] = []
        self.serial = next(self._serials)
        self.hostAddress = FakeAddress() if hostAddress is None else hostAddress
        self.peerAddress = FakeAddress() if peerAddress is None else peerAddress
        self.tlsbuf: list[bytes] | None = None

    def __repr__(self) -> str:
        side = "S" if self.isServer else "C"
        name = type(self.protocol).__name__
        return f"FakeTransport<{side},{self.serial},{name}>"

    # -- ITransport ---------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Keep ``data`` for the pump (held back while TLS is being negotiated)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if self.disconnecting or self.disconnected:
            return  # as Twisted's: nothing written after loseConnection is sent
        if self.tls is not None and self.tlsbuf is not None:
            self.tlsbuf.append(bytes(data))
        else:
            self.stream.append(bytes(data))

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        """Keep each of ``iovec``."""
        for data in iovec:
            self.write(data)

    def loseConnection(self) -> None:
        """Close: the pump tells the peer, then this side."""
        self.disconnecting = True

    def abortConnection(self) -> None:
        """The same as ``loseConnection`` here (nothing buffered is dropped)."""
        self.loseConnection()

    def reportDisconnect(self) -> None:
        """Tell the protocol its connection is lost (``disconnectReason``)."""
        reason: BaseException = self.disconnectReason
        self.protocol.connectionLost(Failure(reason))

    def logPrefix(self) -> str:
        """``'iosim'``."""
        return "iosim"

    def getPeer(self) -> Any:
        """The peer's ``FakeAddress`` (or the address given)."""
        return self.peerAddress

    def getHost(self) -> Any:
        """This side's ``FakeAddress`` (or the address given)."""
        return self.hostAddress

    # -- ITCPTransport: nothing to set --------------------------------------------------------

    def loseWriteConnection(self) -> None:
        """Nothing (half-close is not simulated)."""

    def getTcpNoDelay(self) -> bool:
        """False: there is no socket."""
        return False

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Nothing: there is no socket."""

    def getTcpKeepAlive(self) -> bool:
        """False: there is no socket."""
        return False

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Nothing: there is no socket."""

    # -- consumer and producer ----------------------------------------------------------------

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Attach ``producer``; a pull producer is asked for data now and at each pump."""
        self.producer = producer
        self.streamingProducer = streaming
        if not streaming:
            producer.resumeProducing()

    def unregisterProducer(self) -> None:
        """Detach the producer."""
        self.producer = None

    def stopConsuming(self) -> None:
        """Detach the producer and close."""
        self.unregisterProducer()
        self.loseConnection()

    def _checkProducer(self) -> None:
        # Called by the pump: a pull producer gets one more chance to write.
        if self.producer is not None and not self.streamingProducer:
            self.producer.resumeProducing()

    def pauseProducing(self) -> None:
        """Nothing: the pump only moves data when told to."""

    def resumeProducing(self) -> None:
        """Nothing: the pump only moves data when told to."""

    def stopProducing(self) -> None:
        """Close."""
        self.loseConnection()

    # -- TLS ----------------------------------------------------------------------------------

    def startTLS(self, contextFactory: Any, beNormal: bool = True) -> None:
        """Pretend to start TLS: writes wait until both sides have negotiated.

        With ``beNormal=False`` a server acts as the TLS client and a client as the server.
        """
        speaks_first = bool(self.isServer) ^ bool(beNormal)
        self.tls = TLSNegotiation(contextFactory, speaks_first)
        self.tlsbuf = []

    # -- the pump's side ----------------------------------------------------------------------

    def getOutBuffer(self) -> bytes | TLSNegotiation | None:
        """What to deliver to the peer now (taken away): the bytes written, else a TLS
        negotiation token when it is this side's turn, else None."""
        if self.stream:
            data = b"".join(self.stream)
            self.stream = []
            return data
        tls = self.tls
        if tls is not None and tls.readyToSend:
            tls.sent = True
            return tls
        return None

    def bufferReceived(self, buf: bytes | TLSNegotiation) -> None:
        """Take what the peer sent: bytes for the protocol, or its TLS token."""
        if isinstance(buf, TLSNegotiation):
            tls = self.tls
            if tls is None:
                raise RuntimeError("the peer negotiates TLS but startTLS was not called here")
            if tls.sent:
                tls.pretendToVerify(buf, self)
                self.tls = None
                held, self.tlsbuf = self.tlsbuf or [], None
                self.writeSequence(held)
                self.__twistio_provides__ = (ISSLTransport,)
                _zope_also_provides(self, ISSLTransport)
            else:
                tls.readyToSend = True
            return
        self.protocol.dataReceived(buf)


def _zope_also_provides(obj: object, iface: Any) -> None:
    """Declare ``iface`` on ``obj`` to zope.interface too, when it is installed."""
    try:
        from zope.interface import alsoProvides
    except ImportError:  # pragma: no cover
        return
    alsoProvides(obj, iface)  # zope flattens it to its stand-in


def makeFakeClient(clientProtocol: Any) -> FakeTransport:
    """A ``FakeTransport`` for the connecting side."""
    return FakeTransport(clientProtocol, isServer=False)


def makeFakeServer(serverProtocol: Any) -> FakeTransport:
    """A ``FakeTransport`` for the accepting side."""
    return FakeTransport(serverProtocol, isServer=True)


class IOPump:
    """Moves bytes between two ``FakeTransport``s when asked; runs ``clock``'s due calls
    (``advance(0)``) at each pump."""

    def __init__(
        self,
        client: Any,
        server: Any,
        clientIO: FakeTransport,
        serverIO: FakeTransport,
        debug: bool,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.server = server
        self.clientIO = clientIO
        self.serverIO = serverIO
        self.debug = debug
        self.clock = Clock() if clock is None else clock

    def flush(self, debug: bool = False, advanceClock: bool = True) -> bool:
        """Pump until nothing moves; whether anything did."""
        moved = False
        for _ in range(10000):
            if not self.pump(debug, advanceClock):
                return moved
            moved = True
        raise RuntimeError("IOPump.flush: the protocols never stopped talking (10000 pumps)")

    def pump(self, debug: bool = False, advanceClock: bool = True) -> bool:
        """Move what each side wrote to the other, once; else move one step of a
        disconnection. Whether anything happened."""
        if advanceClock:
            self.clock.advance(0)
        fromClient = self.clientIO.getOutBuffer()
        fromServer = self.serverIO.getOutBuffer()
        self.clientIO._checkProducer()
        self.serverIO._checkProducer()
        if self.debug or debug:
            print("-- pump --")
            if fromClient:
                print(f"C: {fromClient!r}")
            if fromServer:
                print(f"S: {fromServer!r}")
        if fromClient:
            self.serverIO.bufferReceived(fromClient)
        if fromServer:
            self.clientIO.bufferReceived(fromServer)
        if fromClient or fromServer:
            return True
        for closing, peer in ((self.serverIO, self.clientIO), (self.clientIO, self.serverIO)):
            if closing.disconnecting and not closing.disconnected:
                closing.disconnected = True
                peer.disconnecting = True
                peer.reportDisconnect()
                return True
        return False


def connect(
    serverProtocol: Any,
    serverTransport: FakeTransport,
    clientProtocol: Any,
    clientTransport: FakeTransport,
    debug: bool = False,
    greet: bool = True,
    clock: Clock | None = None,
) -> IOPump:
    """Connect the two protocols to their transports (server first) and return the pump
    between them; with ``greet``, flush what ``connectionMade`` wrote."""
    serverProtocol.makeConnection(serverTransport)
    clientProtocol.makeConnection(clientTransport)
    pump = IOPump(clientProtocol, serverProtocol, clientTransport, serverTransport, debug, clock)
    if greet:
        pump.flush()
    return pump


def connectedServerAndClient(
    ServerClass: Callable[[], _TServer],
    ClientClass: Callable[[], _TClient],
    clientTransportFactory: Callable[[_TClient], FakeTransport] = makeFakeClient,
    serverTransportFactory: Callable[[_TServer], FakeTransport] = makeFakeServer,
    debug: bool = False,
    greet: bool = True,
    clock: Clock | None = None,
) -> tuple[_TClient, _TServer, IOPump]:
    """A server and a client protocol, connected: ``(client, server, pump)``."""
    server = ServerClass()
    client = ClientClass()
    pump = connect(
        server,
        serverTransportFactory(server),
        client,
        clientTransportFactory(client),
        debug,
        greet,
        clock,
    )
    return client, server, pump


class ConnectionCompleter:
    """Completes, or fails, the connections a ``MemoryReactor`` was asked to make, one at
    a time, oldest first."""

    def __init__(self, memoryReactor: MemoryReactor) -> None:
        self._reactor = memoryReactor

    def succeedOnce(self, debug: bool = False, greet: bool = True) -> IOPump | None:
        """Connect the oldest pending ``connectTCP`` to the ``listenTCP`` factory on its
        port (a plain ``Protocol`` if there is none); the pump, or None if nothing is
        pending."""
        reactor = self._reactor
        if not reactor.tcpClients:
            return None
        _host, port, clientFactory, _timeout, _bind = reactor.tcpClients.pop(0)
        if reactor.connectors:
            reactor.connectors.pop(0)
        serverFactory: Any = None
        for entry in reactor.tcpServers:
            if entry[0] == port:
                serverFactory = entry[1]
                break
        if serverFactory is None:
            serverFactory = Factory.forProtocol(Protocol)
        serverProtocol = serverFactory.buildProtocol(None)
        clientProtocol = clientFactory.buildProtocol(None)
        return connect(
            serverProtocol,
            makeFakeServer(serverProtocol),
            clientProtocol,
            makeFakeClient(clientProtocol),
            debug,
            greet,
            reactor if isinstance(reactor, Clock) else None,
        )

    def failOnce(self, reason: Union[Failure, None] = None) -> None:
        """Fail the oldest pending ``connectTCP`` (``ConnectionRefusedError`` by default)."""
        reactor = self._reactor
        if reason is None:
            reason = Failure(error.ConnectionRefusedError())
        _host, _port, clientFactory, _timeout, _bind = reactor.tcpClients.pop(0)
        connector = reactor.connectors.pop(0) if reactor.connectors else None
        clientFactory.clientConnectionFailed(connector, reason)  # type: ignore[arg-type]  # None as Twisted's


def connectableEndpoint(debug: bool = False) -> tuple[TCP4ClientEndpoint, ConnectionCompleter]:
    """A client endpoint on a ``MemoryReactorClock`` and the ``ConnectionCompleter`` that
    decides how each of its connections goes."""
    reactor = MemoryReactorClock()
    endpoint = TCP4ClientEndpoint(reactor, "0.0.0.0", 4321)
    return endpoint, ConnectionCompleter(reactor)
