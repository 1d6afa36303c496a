"""One object per connection: the asyncio protocol its transport calls, and the Twisted
transport its Twisted protocol sees.

asyncio calls ``connection_made``, then ``data_received``*, ``eof_received``?, and
``connection_lost`` once. ``connection_made`` builds the Twisted protocol (``build(peer)``,
None refuses the connection) and calls its ``makeConnection``; ``connection_lost`` calls its
``connectionLost`` once, with ``ConnectionDone`` after a clean close, ``ConnectionAborted``
after ``abortConnection``, ``ConnectionLost`` after a socket error, and the exception itself
when a protocol callback raised (asyncio then logs it and closes, as Twisted does).

On the hot path: reads have no code of ours (``data_received`` is the protocol's bound
``dataReceived``, bound at the first read); a write is one method of the class that passes it
to the asyncio transport's ``write`` (which itself rejects ``str`` with ``TypeError``) while
connected (Twisted ignores writes after the end; asyncio would warn). Keeping a bound
``write`` per connection would cost 72 bytes of every idle connection for about 400
instructions per write. ``write`` is set on the instance only to route writes elsewhere: to a
pull producer's wrapper, through TLS, or to a no-op once the write side is closed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
from asyncio import selector_events
from asyncio.trsock import TransportSocket
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Literal, cast

from twistio.internet import error
from twistio.internet._registry import ITwistioReactor, TransportRegistry
from twistio.internet._sslverify import (
    Certificate,
    TLSTransport,
    client_hostname,
    start_tls,
    stdlib_context,
)
from twistio.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twistio.internet.interfaces import (
    IAddress,
    IConsumer,
    IHalfCloseableProtocol,
    IListeningPort,
    ILoggingContext,
    INegotiated,
    IProtocol,
    IPullProducer,
    IPushProducer,
    ISSLTransport,
    ISystemHandle,
    ITCPTransport,
    ITLSTransport,
    implementer,
)
from twistio.internet.protocol import connectionDone
from twistio.python import context as _context
from twistio.python import log as _python_log
from twistio.python.failure import Failure
from twistio.python.log import ILogContext

if TYPE_CHECKING:
    from twistio.protocols.tls import TLSMemoryBIOProtocol

__all__ = ["Connection", "address_from_sockaddr", "watch_loop"]

_log = logging.getLogger("twistio")
_LINGER_RESET = struct.pack("ii", 1, 0)
_NUMERIC = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV

#: The ``type`` of an IP address; a stream connection is one of those, or a UNIX socket.
IPKind = Literal["TCP", "UDP"]
StreamKind = Literal["TCP", "UNIX"]


#: asyncio's socket transport on selector loops: it reads ``protocol.data_received`` at each
#: read, so rebinding the adapter's ``data_received`` needs no ``set_protocol`` there. (A
#: Python without that private class: ``set_protocol`` is always called, as before.)
_SELECTOR_TRANSPORT: type = getattr(selector_events, "_SelectorSocketTransport", type(None))


def _discard(data: bytes) -> None:
    """``write`` once the write side is closed: ignored, as in Twisted."""


def address_from_sockaddr(
    sockaddr: tuple[str, int] | tuple[str, int, int, int], kind: IPKind = "TCP"
) -> IPv4Address | IPv6Address:
    """The ``IPv4Address``/``IPv6Address`` for a socket address tuple."""
    if len(sockaddr) == 4:
        host, port, flowinfo, scopeid = sockaddr
        if scopeid:
            # A link-local address: its host names the interface too (fe80::1%eth0), so
            # that it can be connected or bound to again.
            host = socket.getnameinfo(sockaddr, _NUMERIC)[0]
        return IPv6Address(kind, host, port, flowinfo, scopeid)
    return IPv4Address(kind, sockaddr[0], sockaddr[1])


def unix_address(sockaddr: str | bytes | None) -> UNIXAddress:
    """The ``UNIXAddress`` for a UNIX socket address (its name as bytes, None if unnamed)."""
    return UNIXAddress(os.fsencode(sockaddr) if sockaddr else None)


def _reset_on_close(transport: asyncio.BaseTransport) -> None:
    """Make closing send a RST, as Twisted's abortConnection does (the peer sees ConnectionLost)."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        except OSError:
            pass


class _Abandoned(asyncio.Protocol):
    """What asyncio's transport serves once its connection let its descriptor go."""


class _ClosableSocket:
    """The socket asyncio's transport lends (``TransportSocket``, uvloop's own), plus
    ``close()``: closing a connection's socket by hand (Twisted code does, having handed
    the descriptor to ``adoptStreamConnection``)."""

    __slots__ = ("_connection", "_sock")

    def __init__(self, sock: TransportSocket, connection: Connection) -> None:
        self._sock = sock
        self._connection = connection

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)

    def fileno(self) -> int:
        return int(self._sock.fileno())

    def close(self) -> None:
        """Let the connection's descriptor go (see ``Connection.socket_closed``)."""
        self._connection.socket_closed()

    def __repr__(self) -> str:
        return repr(self._sock)


_ExceptionHandler = Callable[[asyncio.AbstractEventLoop, dict[str, object]], object]


def watch_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Have ``loop`` hand twistio what its transports catch from a connection's callbacks
    (``dataReceived`` raising): Twisted's log gets it, as in Twisted, instead of asyncio's
    logger, and ``connectionLost`` gets it as its reason. Every other report goes on to the
    handler the loop had (or its default). Done once per loop."""
    previous = loop.get_exception_handler()
    if getattr(previous, "twistio_handler", False):
        return

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        protocol = context.get("protocol")
        exc = context.get("exception")
        # A TLS link between the socket and the connection names the connection above it.
        protocol = getattr(protocol, "app_protocol", protocol)
        if isinstance(protocol, Connection) and isinstance(exc, Exception):
            protocol.report_callback_error(exc)
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    handler.twistio_handler = True  # type: ignore[attr-defined]
    loop.set_exception_handler(handler)


def _lost_reason(exc: BaseException | None, aborted: bool) -> Failure:
    if exc is None:
        if aborted:
            return Failure(error.ConnectionAborted())
        return connectionDone
    if isinstance(exc, OSError):
        lost = error.ConnectionLost(str(exc))
        lost.__cause__ = exc
        return Failure(lost)
    return Failure(exc)


class ConnectionOrigin:
    """Where connections come from, shared by all of a port's (or a connector's): the
    registry they join, what builds their protocol from the peer's address, and the port
    (None for a connector's or an adopted connection). One object per port rather than
    three references per connection."""

    __slots__ = ("build", "port", "registry")

    def __init__(
        self,
        registry: TransportRegistry,
        build: Callable[[IAddress], IProtocol | None],
        port: IListeningPort | None = None,
    ) -> None:
        self.registry = registry
        self.build = build
        self.port = port


@implementer(ITCPTransport, ITLSTransport, IConsumer, IPushProducer, ISystemHandle, ILoggingContext)
class Connection(asyncio.Protocol):
    """A TCP connection: an ``asyncio.Protocol`` outside, an ``ITCPTransport`` inside.

    ``connected``, ``disconnecting`` and ``disconnected`` mean what they mean in Twisted.
    Unlike Twisted, TCP_NODELAY is on by default (asyncio's choice); ``setTcpNoDelay(False)``
    turns Nagle back on.
    """

    # What every connection sets lives in slots, not an instance dict (a few hundred bytes
    # less per idle connection). The rest keep class defaults and go to ``__dict__`` (made
    # on first use) when a connection changes them: producers, TLS, closing. Other code may
    # hang attributes on a transport there too, as it may on Twisted's.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_origin",
        "_protocol",
        "_transport",
        "connected",
        "data_received",
    )

    # asyncio calls it: until connection_made binds the protocol's ``dataReceived`` here,
    # nothing can arrive.
    data_received: Callable[[bytes], None]  # type: ignore[assignment]
    connected: int
    _protocol: IProtocol | None
    # Set by connection_made, before anything can use it.
    _transport: asyncio.Transport
    # What connections of a kind share (a subclass or, rarely, the instance sets another).
    _kind: StreamKind = "TCP"
    _on_lost: Callable[[Connection, Failure], None] | None = None
    # Writes go to the asyncio transport through ``write``, unless ``_route_writes`` gave
    # them another route (TLS, a pull producer, a closed write side): then ``write`` is set
    # on the instance.
    _write_routed = False

    disconnecting = False
    disconnected = False
    _producer: IPushProducer | IPullProducer | None = None
    _streaming = False
    _writing_paused = False
    _pull_scheduled = False
    _write_closed = False
    _write_lost_pending = False
    _aborted = False
    _lost = False
    _close_after_producer = False
    _host: IPv4Address | IPv6Address | UNIXAddress | None = None
    _exception: BaseException | None = None
    _half_closeable_protocol: bool | None = None
    _server_side = True
    _tls_pending: list[bytes] | None = None
    # After a startTLS with a context factory driving pyOpenSSL: the TLSMemoryBIOProtocol
    # between this connection and its protocol (as in Twisted).
    _tls_layer: TLSMemoryBIOProtocol | None = None

    def __init__(
        self,
        registry: TransportRegistry,
        build: Callable[[IAddress], IProtocol | None],
        on_lost: Callable[[Connection, Failure], None] | None = None,
        kind: StreamKind = "TCP",
        server_side: bool = True,
        origin: ConnectionOrigin | None = None,
    ) -> None:
        # What the connections of a port (or connector) share comes as one object: ``origin``
        # (else one is made of ``registry`` and ``build``).
        self._origin = origin if origin is not None else ConnectionOrigin(registry, build)
        if on_lost is not None:
            self._on_lost = on_lost
        if kind != self._kind:
            self._kind = kind
        if not server_side:
            self._server_side = False
        self.data_received = _discard
        self.connected = 0
        self._protocol = None
        self._transport = None  # type: ignore[assignment]

    def enter_log_context(self) -> Connection:
        """Make this connection the log context (``system``: ``logstr``) of the asyncio
        task running, and so of every callback of the connection that asyncio schedules
        from it; call it where the task gives asyncio its protocol. Returns self.

        The connection itself is the context's base (``context_mapping``): the mapping is
        made only when something logs, nothing more is kept per connection."""
        _context.enter_context(self)
        return self

    def context_mapping(self) -> Mapping[object, dict[str, str]]:
        """The log context of the connection's callbacks (``python.context``): its only key,
        ``ILogContext``, gives ``{"system": logstr}``, made when asked for."""
        return {ILogContext: {"system": self.logstr}}

    @property
    def reactor(self) -> ITwistioReactor:
        """The reactor that made this connection."""
        return self._origin.registry.reactor

    # -- asyncio side ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Build the Twisted protocol for the peer and connect it; refuse if it is None."""
        self._transport = transport  # type: ignore[assignment]  # a stream transport
        peer = transport.get_extra_info("peername")
        kind = self._kind
        address: IPv4Address | IPv6Address | UNIXAddress | None
        if kind == "UNIX":
            address = unix_address(peer)
        elif not peer:
            address = None
        elif len(peer) == 2:
            address = IPv4Address(kind, peer[0], peer[1])
        else:
            address = address_from_sockaddr(peer, kind)
        try:
            protocol = self._origin.build(address)
        except BaseException:
            _log.exception("buildProtocol failed; closing the connection")
            protocol = None
        if protocol is None:
            transport.close()
            return
        self._bind(protocol, transport)  # type: ignore[arg-type]
        self.connected = 1
        self._origin.registry.connections[self] = None
        try:
            protocol.makeConnection(self)
        except BaseException:
            # Twisted logs it and keeps the connection.
            _log.exception("Unhandled error in %s.connectionMade", type(protocol).__name__)

    def _bind(self, protocol: IProtocol, transport: asyncio.Transport) -> None:
        self._protocol = protocol
        if self._half_closeable_protocol is not None:
            self._half_closeable_protocol = None  # asked again of the new protocol
        # Code may replace ``dataReceived`` on the instance once connected (Twisted's
        # examples do after ``endpoint.connect``, tests on the server's protocol); Twisted
        # looks it up at each read. Look it up again at the first read, then bind it: one
        # call more per connection, none per read.
        self.data_received = self._first_read
        if self._write_routed and not self._write_closed and self._producer is None:
            self._route_writes(None)
        # uvloop caches protocol.data_received when the protocol is set: set it again so
        # the binding above is the one it calls. asyncio's own socket transport looks it up
        # at each read (and this adapter is its protocol already): nothing to redo there.
        if type(transport) is not _SELECTOR_TRANSPORT:
            transport.set_protocol(self)

    def _first_read(self, data: bytes) -> None:
        protocol = self._protocol
        received = self.data_received = protocol.dataReceived  # type: ignore[union-attr]
        transport = self._transport
        if transport is not None and type(transport) is not _SELECTOR_TRANSPORT:
            transport.set_protocol(self)  # uvloop and the TLS layer cache data_received
        # From now on the connection is the log context (``system``) of its reads and of
        # what they schedule: the transport runs each read in a context of its own, which
        # keeps what is entered here (asyncio's and uvloop's alike). Until then its
        # callbacks have its port's, as in Twisted (connectionMade logs under the factory's
        # prefix); and an idle connection keeps no context entry.
        enter = _context.enter_base
        if enter is not None:
            enter(self)
        received(data)

    @property
    def _half_closeable(self) -> bool:
        """Whether the protocol is half-closeable (asked when first needed: a connection
        that never half-closes never pays for the interface check)."""
        half = self._half_closeable_protocol
        if half is None:
            half = self._half_closeable_protocol = IHalfCloseableProtocol.providedBy(self._protocol)
        return half

    def eof_received(self) -> bool:
        """The peer half-closed: tell a half-closeable protocol and stay open, else close."""
        protocol = self._protocol
        if protocol is None or not self._half_closeable:
            return False
        if getattr(self.data_received, "__self__", None) is self:  # never read (_first_read)
            _context.enter_context(self)
        try:
            cast(IHalfCloseableProtocol, protocol).readConnectionLost()
        except BaseException as e:
            _log.exception("Unhandled error in %s.readConnectionLost", type(protocol).__name__)
            self._exception = e
            self._transport.abort()
        return True

    def report_callback_error(self, exc: Exception) -> None:
        """asyncio's transport caught ``exc`` from a protocol callback and is closing the
        connection: log it on Twisted's log ("Unhandled Error", as Twisted does), and make
        it the reason ``connectionLost`` gets (even after ``abortConnection``)."""
        if self._exception is None:
            self._exception = exc
        _python_log.err(Failure(exc))

    def connection_lost(self, exc: BaseException | None, reason: Failure | None = None) -> None:
        """Deliver ``connectionLost`` once, stop the producer, tell the connector. asyncio
        gives ``exc`` (None: a clean close); twistio's own paths give the ``reason``."""
        if self._lost:
            return
        if getattr(self.data_received, "__self__", None) is self:  # never read (_first_read)
            _context.enter_context(self)  # as for a read: connectionLost logs as the connection
        if reason is None:
            exc = self._exception or exc
            if exc is None and not self._aborted:
                reason = connectionDone  # a clean close: the usual end
            else:
                reason = _lost_reason(exc, self._aborted)
        self._lost = True
        protocol = self._protocol
        if protocol is None:
            # Refused by buildProtocol.
            if self._on_lost is not None:
                self._on_lost(self, connectionDone)
            return
        self.connected = 0
        self.disconnecting = False
        self.disconnected = True
        if self._write_routed:
            self._route_writes(_discard)
        self._origin.registry.connections.pop(self, None)
        producer = self._producer
        if producer is not None:
            self._producer = None
            try:
                producer.stopProducing()
            except BaseException:
                _log.exception("Unhandled error in %r.stopProducing", producer)
        protocol.connected = 0  # type: ignore[attr-defined]  # every IProtocol has it
        try:
            protocol.connectionLost(reason)
        except BaseException:
            _log.exception("Unhandled error in %s.connectionLost", type(protocol).__name__)
        # As Twisted's transports do, forget the protocol once it is told: no transport <->
        # protocol cycle left, so the connection is freed at once, not by the cyclic GC.
        self._protocol = None
        self.data_received = _discard
        if self._on_lost is not None:
            self._on_lost(self, reason)

    def _finish(self, reason: Failure) -> None:
        self.connection_lost(None, reason)

    def pause_writing(self) -> None:
        """The write buffer passed its high-water mark: pause a streaming producer."""
        self._writing_paused = True
        producer = self._producer
        if producer is not None and self._streaming:
            cast(IPushProducer, producer).pauseProducing()

    def resume_writing(self) -> None:
        """The write buffer drained: resume the producer, finish a pending half-close."""
        self._writing_paused = False
        if self._write_lost_pending:
            self._write_lost_pending = False
            self._transport.set_write_buffer_limits()
            self._write_connection_lost()
        producer = self._producer
        if producer is not None:
            if self._streaming:
                producer.resumeProducing()
            else:
                self._schedule_pull()

    # -- Twisted side: ITransport ------------------------------------------------------------

    @property
    def protocol(self) -> IProtocol | None:
        """The Twisted protocol; assigning another one switches the connection over to it."""
        return self._protocol

    @protocol.setter
    def protocol(self, protocol: IProtocol) -> None:
        self._bind(protocol, self._transport)

    def write(self, data: bytes) -> None:
        """Send ``data`` (bytes); nothing once the connection is closed."""
        if self.connected:
            self._transport.write(data)

    def _route_writes(self, write: Callable[[bytes], None] | None) -> None:
        """Send what ``write`` is given to ``write`` from now on; None: to the asyncio
        transport (the usual route, kept in the class: no bound method per connection)."""
        if write is None:
            if self._write_routed:
                self._write_routed = False
                del self.write
        else:
            self._write_routed = True
            self.write = write  # type: ignore[method-assign,assignment]

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write the concatenation of ``data`` (bytes only: ``TypeError`` otherwise)."""
        try:
            joined = b"".join(data)
        except TypeError:
            raise TypeError("Data must be bytes") from None
        self.write(joined)

    def loseConnection(self) -> None:
        """Close once the buffered data is sent (and a pull producer has unregistered)."""
        if self._tls_layer is not None:
            self._tls_layer.loseConnection()
            return
        if (
            self.connected and not self.disconnecting and self._producer is None
            and self._tls_pending is None
        ):
            self.disconnecting = True  # the usual case, in one call (see _lose)
            self._transport.close()
            return
        self._lose()

    def _lose(self) -> None:
        if not self.connected or self.disconnecting:
            return
        self.disconnecting = True
        if self._producer is not None and not self._streaming:
            self._close_after_producer = True
            return
        if self._tls_pending is not None:
            return  # closed once the TLS handshake is done
        self._transport.close()

    def abortConnection(self) -> None:
        """Close at once, dropping buffered data; ``connectionLost`` gets ``ConnectionAborted``."""
        if self._tls_layer is not None:
            self._tls_layer.abortConnection()
            return
        self._abort()

    def _abort(self) -> None:
        if not self.connected or self._aborted:
            return
        self._aborted = True
        self.disconnecting = True
        _reset_on_close(self._transport)
        self._transport.abort()

    def loseWriteConnection(self) -> None:
        """Half-close: shut down the write side once the buffer is sent; reading goes on.

        A half-closeable protocol then gets ``writeConnectionLost``. As in Twisted, once both
        sides are closed the connection stays until ``loseConnection``.
        """
        if self._tls_layer is not None:
            self._tls_layer.loseWriteConnection()
            return
        if not self.connected or self._write_closed:
            return
        self._write_closed = True
        self._route_writes(_discard)
        transport = self._transport
        transport.write_eof()
        if self._half_closeable:
            if transport.get_write_buffer_size():
                # Be told when the buffer is empty: resume_writing at a low-water mark of 0.
                self._write_lost_pending = True
                transport.set_write_buffer_limits(high=0, low=0)
            else:
                self._origin.registry.get_loop().call_soon(self._write_connection_lost)

    def _write_connection_lost(self) -> None:
        if not self.connected:
            return
        try:
            cast(IHalfCloseableProtocol, self._protocol).writeConnectionLost()
        except BaseException as e:
            _log.exception(
                "Unhandled error in %s.writeConnectionLost", type(self._protocol).__name__
            )
            self._exception = e
            self._transport.abort()

    def getPeer(self) -> IPv4Address | IPv6Address | UNIXAddress:
        """The remote address (``IPv4Address`` or ``IPv6Address``, type ``'TCP'``): a new
        object each time, as in Twisted."""
        transport = self._transport
        peer: tuple[str, int] | tuple[str, int, int, int] | str | bytes | None = (
            None if transport is None else transport.get_extra_info("peername")
        )
        kind = self._kind
        if kind == "UNIX":
            return unix_address(peer)  # type: ignore[arg-type]
        if not peer:
            return None  # type: ignore[return-value]  # no peer (never connected)
        if len(peer) == 2:
            return IPv4Address(kind, *cast("tuple[str, int]", peer))
        return address_from_sockaddr(peer, kind)  # type: ignore[arg-type]

    def getHost(self) -> IPv4Address | IPv6Address | UNIXAddress:
        """The local address (``IPv4Address`` or ``IPv6Address``, type ``'TCP'``)."""
        if self._host is None:
            sockname = self._transport.get_extra_info("sockname")
            if self._kind == "UNIX":
                self._host = unix_address(sockname)
            else:
                self._host = address_from_sockaddr(sockname, self._kind)
        return self._host

    def get_extra_info(self, name: str, default: object = None) -> object:
        """asyncio's transport extra information (``peername``, ``socket``, ``ssl_object``...)."""
        transport = self._transport
        if type(transport) is _SELECTOR_TRANSPORT and name == "ssl_object":
            return default  # asked of every connection (is it TLS?): plain TCP, at once
        return default if transport is None else transport.get_extra_info(name, default)

    def sendfile_transport(self) -> asyncio.Transport | None:
        """The asyncio transport ``loop.sendfile`` may write to, while nothing stands
        between it and the socket: not TLS, not closing, no pull producer registered (a
        push producer, such as the HTTP channel, is only paused and resumed); else None.

        twistio's hook for ``web.static`` (zero-copy file bodies); not part of Twisted's API.
        """
        transport = self._transport
        if (
            transport is None
            or (self._producer is not None and not self._streaming)
            or self._tls_pending is not None
            or transport.is_closing()
            or transport.get_extra_info("sslcontext") is not None
        ):
            return None
        return transport

    @property
    def socket(self) -> TransportSocket | socket.socket:
        """The socket, as Twisted's transports have it: asyncio's ``TransportSocket``
        wrapper once connected (no I/O through it, please; ``close()`` it to let the
        connection's descriptor go), the socket being connected before
        (``AttributeError`` if there is none)."""
        transport = self._transport
        if transport is not None:
            sock: TransportSocket | None = transport.get_extra_info("socket")
            if sock is not None:
                return cast(TransportSocket, _ClosableSocket(sock, self))
        pending: socket.socket | None = getattr(self, "pending_socket", None)
        if pending is None:
            raise AttributeError("socket")
        return pending

    def getHandle(self) -> TransportSocket:
        """The socket (asyncio's ``TransportSocket`` wrapper: no I/O through it, please)."""
        sock: TransportSocket = self._transport.get_extra_info("socket")
        return sock

    def fileno(self) -> int:
        """The socket's file descriptor, or -1 once closed."""
        sock = self.getHandle()
        return -1 if sock is None else int(sock.fileno())

    def getTcpNoDelay(self) -> bool:
        """Whether Nagle's algorithm is off (it is by default, unlike Twisted)."""
        return bool(self.getHandle().getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Turn Nagle's algorithm off (True) or on (False)."""
        self.getHandle().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(enabled))

    def getTcpKeepAlive(self) -> bool:
        """Whether TCP keepalive is on."""
        return bool(self.getHandle().getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn TCP keepalive on or off."""
        self.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(enabled))

    @property
    def logstr(self) -> str:
        """The connection's log prefix, as Twisted's transports make it: on a server side
        ``"<protocol's prefix>,<session number>,<peer's host>"``, on a client side
        ``"<protocol's prefix>,client"``; ``"Uninitialized"`` until connected."""
        protocol = self._protocol
        if protocol is None:
            return "-" if self._lost else "Uninitialized"
        prefix = getattr(protocol, "logPrefix", None)
        name = str(prefix()) if prefix is not None else type(protocol).__name__
        if not self._server_side:
            return f"{name},client"
        return f"{name},{getattr(self, 'sessionno', 0)},{getattr(self.getPeer(), 'host', '')}"

    def logPrefix(self) -> str:
        """``logstr``: what log events from the connection's callbacks name as ``system``."""
        return self.logstr

    # -- TLS ---------------------------------------------------------------------------------

    def startTLS(self, contextFactory: object, normal: bool = True) -> None:
        """Upgrade to TLS now (STARTTLS): bytes written from here on are sent encrypted.

        The side is the connection's (a server port's connections are TLS servers); with
        ``normal=False`` the other one. ``contextFactory`` is an ``ssl.SSLContext`` or has
        ``getContext()``; a client checks the name in its options (``optionsForClientTLS``)
        if any. Data arriving after the handshake goes to the same protocol. A failed
        handshake closes the connection (``connectionLost`` gets the ``ssl.SSLError``).
        """
        if not self.connected or self._tls_pending is not None or self._tls_layer is not None:
            return
        server_side = self._server_side if normal else not self._server_side
        context = stdlib_context(contextFactory, server_side)
        if context is None:
            self._start_tls_layer(contextFactory, server_side)
            return
        hostname = (
            None if server_side
            else client_hostname(contextFactory, context, getattr(self.getPeer(), "host", None))
        )
        pending: list[bytes] = []
        self._tls_pending = pending
        if not self._write_closed:
            self._route_writes(pending.append)
        loop = asyncio.get_running_loop()
        # Bytes arriving from now on are TLS records: keep them from the protocol.
        self._transport.pause_reading()
        task = loop.create_task(
            start_tls(
                self._transport, self, context, server_side=server_side,
                server_hostname=hostname, on_handshake=self._tls_handshaken,
            )
        )
        task.add_done_callback(self._tls_started)

    def _start_tls_layer(self, contextFactory: object, server_side: bool) -> None:
        """startTLS for a context factory driving pyOpenSSL: from now on a
        ``TLSMemoryBIOProtocol`` stands between this connection and its protocol, as in
        Twisted; the protocol keeps this connection as its transport, whose writes, closing
        and producers now go through TLS."""
        from twistio.protocols.tls import TLSMemoryBIOFactory, TLSMemoryBIOProtocol

        factory = TLSMemoryBIOFactory(contextFactory, not server_side, None, self.reactor)
        layer = TLSMemoryBIOProtocol(factory, self._protocol, _connectWrapped=False)
        self._tls_layer = layer
        layer.makeConnection(_BelowTLS(self))
        self._bind(layer, self._transport)
        if not self._write_closed:
            self._route_writes(layer.write)

    def _tls_started(self, task: asyncio.Task[TLSTransport]) -> None:
        if task.cancelled() or self._tls_pending is None:
            return  # done: _tls_handshaken took over when the handshake completed
        self._tls_pending = None
        exc = task.exception()
        if exc is not None:
            if not self._lost:
                self._exception = exc
                self._transport.abort()
                # The old transport was handed over: deliver the loss ourselves.
                self._finish(_lost_reason(exc, False))
            return
        self._tls_handshaken(task.result())

    def _tls_handshaken(self, transport: TLSTransport) -> None:
        """The handshake is done: write through TLS from now on. Called before the first
        plaintext arrives, so the protocol already sees a TLS transport (its peer
        certificate, ``ISSLTransport``) when it does."""
        pending = self._tls_pending or []
        self._tls_pending = None
        self._transport = transport
        if self._write_closed:
            return
        self._route_writes(
            self._pull_write if self._producer is not None and not self._streaming else None
        )
        if pending:
            transport.write(b"".join(pending))
        if self.disconnecting:
            transport.close()

    @property
    def __twistio_provides__(self) -> tuple[type, ...]:
        # ISSLTransport once TLS is on (listenSSL/connectSSL, or after startTLS), as Twisted's
        # TLS transports provide it.
        transport = self._transport
        if self._tls_layer is not None or (
            transport is not None and transport.get_extra_info("ssl_object") is not None
        ):
            return (ISSLTransport, INegotiated)
        return ()

    @property
    def negotiatedProtocol(self) -> bytes | None:
        """The protocol TLS negotiated (ALPN), as bytes; None without TLS or agreement."""
        if self._tls_layer is not None:
            return self._tls_layer.negotiatedProtocol
        ssl_object = self._transport.get_extra_info("ssl_object") if self._transport else None
        if ssl_object is None:
            return None
        selected = ssl_object.selected_alpn_protocol()
        return None if selected is None else selected.encode("ascii")

    def getPeerCertificate(self) -> object:
        """The peer's TLS certificate (a ``twistio.internet.ssl.Certificate``; pyOpenSSL's
        ``X509`` after a ``startTLS`` driving pyOpenSSL), or None."""
        if self._tls_layer is not None:
            peer: object = self._tls_layer.getPeerCertificate()
            return peer
        ssl_object = self._transport.get_extra_info("ssl_object") if self._transport else None
        if ssl_object is None:
            return None
        der = ssl_object.getpeercert(binary_form=True)
        if not der:
            return None
        certificate: Certificate = Certificate.loadDER(der)
        return certificate

    # -- the reactor's FD set, asked about this connection ---------------------------------

    #: ``reactor.removeReader``/``removeWriter`` took the connection out (Twisted code does
    #: before handing its descriptor over, with ``adoptStreamConnection``).
    _left_reactor = False

    def leave_reactor(self, reading: bool) -> None:
        """``removeReader`` (``reading``) or ``removeWriter`` of this connection: stop
        reading (asyncio sends what is buffered whatever is asked), and from then on closing
        ``socket`` lets the connection go without telling the protocol, as when Twisted's
        reactor no longer watches a descriptor closed under it."""
        self._left_reactor = True
        if reading:
            self.pauseProducing()

    def rejoin_reactor(self) -> None:
        """``addReader`` of this connection: read again."""
        self._left_reactor = False
        self.resumeProducing()

    def socket_closed(self) -> None:
        """Its ``socket`` was closed by hand: the descriptor is gone. Out of the reactor
        (``leave_reactor``), the connection ends silently; else the protocol is told
        (``ConnectionLost``)."""
        if self._lost or self._transport is None:
            return
        silent = self._left_reactor
        transport = self._transport
        transport.set_protocol(_Abandoned())
        transport.abort()
        if silent:
            self._lost = True
            self.connected = 0
            self.disconnected = True
            if self._write_routed:
                self._route_writes(_discard)
            self._origin.registry.connections.pop(self, None)
        else:
            self._finish(Failure(error.ConnectionLost("the socket was closed")))

    # -- another transport taking the socket over ----------------------------------------

    def replace_transport(
        self, make: Callable[[asyncio.Transport], asyncio.Transport]
    ) -> asyncio.Transport:
        """Carry on over the transport ``make`` builds from the current one (which it takes
        the socket from): the hook UNIX connections use to pass file descriptors, which
        asyncio's transports cannot. Returns the new transport."""
        transport = make(self._transport)
        self._transport = transport
        if self.connected and not self._write_closed and self._tls_pending is None:
            pull = self._producer is not None and not self._streaming
            self._route_writes(self._pull_write if pull else None)
        return transport

    # -- Twisted side: the transport as a push producer of reads --------------------------

    def pauseProducing(self) -> None:
        """Stop reading until ``resumeProducing``."""
        if self.connected:
            self._transport.pause_reading()

    def resumeProducing(self) -> None:
        """Read again."""
        if self.connected:
            self._transport.resume_reading()

    def stopProducing(self) -> None:
        """Close the connection."""
        self.loseConnection()

    stopReading = pauseProducing
    startReading = resumeProducing

    # -- Twisted side: IConsumer -------------------------------------------------------------

    def registerProducer(self, producer: IPushProducer | IPullProducer, streaming: bool) -> None:
        """Attach a producer: a push producer (``streaming``) is paused while the write
        buffer is above its high-water mark; a pull producer is asked for data
        (``resumeProducing``) after each write, while the buffer is below it."""
        if self._tls_layer is not None:
            self._tls_layer.registerProducer(producer, streaming)
            return
        if streaming and self._producer is None and self.connected and not self._writing_paused:
            # The usual case (an HTTP channel registers itself), in one call.
            self._producer = producer
            self._streaming = True
            return
        self._register(producer, streaming)

    def _register(self, producer: IPushProducer | IPullProducer, streaming: bool) -> None:
        if self._producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}, because producer "
                f"{self._producer!r} was never unregistered."
            )
        if not self.connected:
            producer.stopProducing()
            return
        self._producer = producer
        self._streaming = bool(streaming)
        if streaming:
            if self._writing_paused:
                cast(IPushProducer, producer).pauseProducing()
        else:
            if not self._write_closed:
                self._route_writes(self._pull_write)
            producer.resumeProducing()
            # And once more when the loop next runs, as Twisted's does once what was
            # written before has gone out (it is resumed after each write it makes too).
            self._schedule_pull()

    def stopConsuming(self) -> None:
        """Unregister the producer and close the connection (once the data is sent)."""
        self.unregisterProducer()
        self.loseConnection()

    def unregisterProducer(self) -> None:
        """Detach the producer; a ``loseConnection`` waiting for it now proceeds."""
        if self._tls_layer is not None:
            self._tls_layer.unregisterProducer()
            return
        if self._streaming and not self._write_routed and not self._close_after_producer:
            self._producer = None  # the usual case, in one call (see _unregister)
            return
        self._unregister()

    def _unregister(self) -> None:
        if self._producer is None:
            return
        self._producer = None
        if self.connected and not self._write_closed:
            layer = self._tls_layer
            self._route_writes(None if layer is None else layer.write)
        if self._close_after_producer and self.connected:
            self._transport.close()

    def _pull_write(self, data: bytes) -> None:
        self._transport.write(data)
        self._schedule_pull()

    def _schedule_pull(self) -> None:
        if self._pull_scheduled or self._writing_paused:
            return
        self._pull_scheduled = True
        self._origin.registry.get_loop().call_soon(self._pull)

    def _pull(self) -> None:
        self._pull_scheduled = False
        producer = self._producer
        if producer is None or self._streaming or self._writing_paused or not self.connected:
            return
        try:
            producer.resumeProducing()
        except Exception as e:
            # As Twisted: logged, and the connection is lost with it as the reason.
            self.report_callback_error(e)
            self._transport.abort()

    # -- reactor shutdown ----------------------------------------------------------------------

    def shutdown_now(self) -> None:
        """Drop the connection now and deliver ``connectionLost`` at once (reactor stop)."""
        if self._lost:
            return
        self._aborted = True
        self._transport.abort()
        self._finish(Failure(error.ConnectionLost()))

    def __repr__(self) -> str:
        name = type(self._protocol).__name__ if self._protocol is not None else "None"
        return f"<{name} connection to {self.getPeer()}>"


class _BelowTLS:
    """What a ``TLSMemoryBIOProtocol`` put in by ``startTLS`` writes to: the connection
    itself, as it was before TLS (its raw writes, closing and producers)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def write(self, data: bytes) -> None:
        conn = self._conn
        if conn.connected and not conn._write_closed:
            conn._transport.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        self._conn._lose()

    def abortConnection(self) -> None:
        self._conn._abort()

    def registerProducer(self, producer: IPushProducer | IPullProducer, streaming: bool) -> None:
        self._conn._register(producer, streaming)

    def unregisterProducer(self) -> None:
        self._conn._unregister()

    def getPeer(self) -> IPv4Address | IPv6Address | UNIXAddress:
        return self._conn.getPeer()

    def getHost(self) -> IPv4Address | IPv6Address | UNIXAddress:
        return self._conn.getHost()

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._conn, name)
