"""TCP: listening ports (``listenTCP``) and outgoing connectors (``connectTCP``)."""

from __future__ import annotations

import asyncio
import errno
import functools
import logging
import os
import socket
from collections.abc import Callable
from errno import (
    EAGAIN,
    ECONNABORTED,
    EINPROGRESS,
    EMFILE,
    ENFILE,
    ENOBUFS,
    ENOMEM,
    EPERM,
    EWOULDBLOCK,
)
from typing import NoReturn, Union, cast
from typing import Protocol as _TypingProtocol

from twistio.internet import error
from twistio.internet._adapter import (
    Connection,
    ConnectionOrigin,
    StreamKind,
    address_from_sockaddr,
)
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.abstract import isIPAddress, isIPv6Address
from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred, succeed
from twistio.internet.interfaces import (
    Binding,
    IAddress,
    IConnector,
    IListeningPort,
    Interface,
    IProtocol,
    IProtocolFactory,
    _BindingSpec,
    implementer,
)
from twistio.internet.protocol import ClientFactory, Protocol
from twistio.logger import LogEvent, Logger, globalLogPublisher
from twistio.python import context as _context
from twistio.python import log as _python_log
from twistio.python.failure import Failure
from twistio.python.log import ILogContext
from twistio.python.reflect import qual

__all__ = [
    "EAGAIN",
    "ECONNABORTED",
    "EINPROGRESS",
    "EMFILE",
    "ENFILE",
    "ENOBUFS",
    "ENOMEM",
    "EPERM",
    "EWOULDBLOCK",
    "BaseClient",
    "Client",
    "Connection",
    "Connector",
    "Port",
    "Server",
    "isIPv6Address",
    "makeBinding",
]

_log = logging.getLogger("twistio")

# The loops a port accepts on by itself (see ``Port._start_accepting``): asyncio's selector
# loops, which build their socket transports with ``_make_socket_transport``.
_SELECTOR_LOOP = asyncio.selector_events.BaseSelectorEventLoop
# Its socket transport class (as in _adapter: looked up, in case a Python lacks it).
_SELECTOR_TRANSPORT: type = getattr(asyncio.selector_events, "_SelectorSocketTransport", type(None))
# How long a port stops accepting after running out of descriptors (asyncio's own delay).
_ACCEPT_RETRY_DELAY = 1.0


def makeBinding(
    interface: str = "", port: int = 0, reuseAddress: bool = False, reusePort: bool = False
) -> Binding:
    """Where and how to bind: give it to ``listenTCP`` as the port, or to ``connectTCP``
    (and the TCP client endpoints) as ``bindAddress``.

    ``reuseAddress`` sets ``SO_REUSEADDR`` and ``reusePort`` ``SO_REUSEPORT``, and only
    those are set (a port given by number alone gets ``SO_REUSEADDR`` on POSIX, as in
    Twisted). With a ``Binding``, ``listenTCP``'s ``interface`` must be left out or be
    the Binding's (``ValueError`` otherwise).
    """
    return Binding(_BindingSpec((interface, port), port, reuseAddress, reusePort))


def _set_reuse_port(sock: socket.socket) -> None:
    option = getattr(socket, "SO_REUSEPORT", None)
    if option is None:
        raise OSError(errno.ENOPROTOOPT, "SO_REUSEPORT is not available on this platform")
    sock.setsockopt(socket.SOL_SOCKET, option, 1)


def _bind_address(
    bindAddress: Binding | tuple[str, int] | None,
) -> tuple[tuple[str, int] | None, bool, bool]:
    """``(address, reuseAddress, reusePort)`` for a ``bindAddress`` tuple or ``Binding``."""
    if isinstance(bindAddress, _BindingSpec):
        return bindAddress.address, bindAddress.reuseAddress, bindAddress.reusePort
    return bindAddress, False, False


def log_prefix(obj: object) -> str:
    prefix = getattr(obj, "logPrefix", None)
    return str(prefix()) if prefix is not None else type(obj).__name__


#: ``getaddrinfo`` flags that forbid any lookup: the host must be an address literal and the
#: port a number (so resolving with them never blocks).
_NUMERIC_ONLY = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


def _resolveIPv6(ip: str, port: int) -> tuple[str, int, int, int]:
    """The whole socket address ``(host, port, flowinfo, scope_id)`` of an IPv6 literal
    (``fe80::1%eth0`` gets its interface's scope id); ``port`` comes back as given.

    Nothing is looked up: a name, or a service name as the port, raises ``socket.gaierror``
    (``EAI_NONAME``).
    """
    # getaddrinfo refuses some out-of-range ports and not others: ask with 0 (a text port
    # still goes through, to be refused), then give the caller's port back.
    service: int | str = 0 if isinstance(port, int) else port
    found = socket.getaddrinfo(ip, service, 0, 0, 0, _NUMERIC_ONLY)[0][4]
    host, _, flowinfo, scope_id = cast("tuple[str, int, int, int]", found)
    return host, port, flowinfo, scope_id


class _BuffersLogs:
    """``with _BuffersLogs(namespace, observer) as log:`` a ``Logger`` whose events reach
    ``observer`` only when the block ends (however it ends).

    For code that runs while the process may have no file descriptor to spare (a log file
    being written must not be the one to fail).
    """

    def __init__(self, namespace: str, observer: Callable[[LogEvent], object]) -> None:
        self._namespace = namespace
        self._observer = observer
        self._events: list[LogEvent] = []

    def __enter__(self) -> Logger:
        return Logger(namespace=self._namespace, observer=self._events.append)

    def __exit__(self, *excInfo: object) -> None:
        events, self._events = self._events, []
        for event in events:
            self._observer(event)


class _IFileDescriptorReservation(Interface, _TypingProtocol):
    """One file descriptor held back, to be let go of for a moment when the process has run
    out (``EMFILE``): a listening port then accepts the waiting client and closes it at once,
    instead of leaving it hanging in the backlog.

    ``with reservation:`` frees the descriptor for the block and takes it again afterwards.
    """

    def available(self) -> bool:
        """Whether the descriptor is held (so the block can use it)."""

    def reserve(self) -> None:
        """Take the descriptor, if not held yet; running out here is logged, not raised."""

    def __enter__(self) -> None:
        """Let the descriptor go (``RuntimeError`` if it is not held)."""

    def __exit__(self, *excInfo: object) -> None:
        """Take the descriptor again (a failure to is logged, and the block's own
        exception, if any, goes on)."""


class _Closable(_TypingProtocol):
    def close(self) -> object: ...


@implementer(_IFileDescriptorReservation)
class _FileDescriptorReservation:
    """A descriptor held by keeping a file open; ``fileFactory`` opens it (``os.devnull``
    for the listening ports)."""

    def __init__(self, fileFactory: Callable[[], _Closable]) -> None:
        self._fileFactory = fileFactory
        self._fileDescriptor: _Closable | None = None

    def available(self) -> bool:
        """Whether the descriptor is held."""
        return self._fileDescriptor is not None

    def reserve(self) -> None:
        """Open the file unless it is open; ``EMFILE`` is logged and leaves it unheld."""
        if self._fileDescriptor is not None:
            return
        try:
            self._fileDescriptor = self._fileFactory()
        except OSError as e:
            if e.errno != EMFILE:
                raise
            _log_failure(f"Could not reserve a file descriptor ({e})")

    def __enter__(self) -> None:
        held = self._fileDescriptor
        if held is None:
            raise RuntimeError("no file descriptor is reserved")
        self._fileDescriptor = None
        held.close()

    def __exit__(self, *excInfo: object) -> None:
        try:
            self.reserve()
        except Exception:
            _log_failure("Could not reserve a file descriptor again")


@implementer(_IFileDescriptorReservation)
class _NullFileDescriptorReservation:
    """A reservation holding nothing (where descriptors cannot run out that way): never
    available, and the block runs as it is."""

    def available(self) -> bool:
        """Never."""
        return False

    def reserve(self) -> None:
        """Nothing to take."""

    def __enter__(self) -> None:
        """Nothing to let go of."""

    def __exit__(self, *excInfo: object) -> None:
        """Nothing to take again."""


def _log_failure(why: str) -> None:
    """Log the exception being handled, as Twisted's ``log.err`` does (tests flush it)."""
    _python_log.err(None, why)


class _RawDescriptor:
    """A descriptor held open for the life of the process (no ResourceWarning at exit)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)


#: Errors of ``accept(2)`` that say the process or the system has run short (descriptors,
#: buffers, memory) or that the client gave up first: the port logs them and keeps listening.
_ACCEPT_ERRORS = (EMFILE, ENOBUFS, ENFILE, ENOMEM, ECONNABORTED)

#: The descriptor every listening TCP socket lets go of when ``accept`` meets ``EMFILE``.
_reservedFD: _FileDescriptorReservation | _NullFileDescriptorReservation = (
    _FileDescriptorReservation(lambda: _RawDescriptor(os.open(os.devnull, os.O_RDONLY)))
    if os.name == "posix"
    else _NullFileDescriptorReservation()
)


def _forget_closed_socket(transport: asyncio.BaseTransport, sock: socket.socket) -> None:
    """After ``create_connection(sock=sock)``: when the transport was closed already (the
    protocol refused, or closed in ``connectionMade``), uvloop has closed the descriptor
    without detaching ``sock`` from it, and ``sock``, once collected, would close that number
    again, whatever it is by then (another connection's, a listening socket's). Let go of it.
    asyncio's own transports close ``sock`` themselves."""
    if transport.is_closing() and type(transport).__module__.startswith("uvloop"):
        sock.detach()


class _ListeningSocket(socket.socket):
    """A listening socket whose ``accept``, when the process is out of descriptors, lets go
    of the reserved one for a moment to accept the first waiting client and close it (so it
    is refused at once, as Twisted's ports do, instead of waiting in the backlog).

    asyncio's selector loops call ``accept`` on the socket given to ``create_server``; the
    only cost is on that error path. (uvloop accepts by itself and does not use it.)
    """

    __slots__ = ()

    def accept(self) -> tuple[socket.socket, object]:
        try:
            return super().accept()
        except OSError as e:
            self.refuse_one(e)

    def refuse_one(self, e: OSError) -> NoReturn:
        """``accept`` failed with ``e``: if the process is out of descriptors, accept the
        first waiting client with the reserved one, close it, and raise
        ``ConnectionAbortedError`` ("nothing more to accept now"); else raise ``e``."""
        if e.errno not in (EMFILE, ENFILE) or not _reservedFD.available():
            raise e
        with _BuffersLogs(__name__, globalLogPublisher) as log:
            with _reservedFD:
                try:
                    client, _ = super().accept()
                except OSError:
                    raise e from None
                client.close()
            log.info(
                "Could not accept new connection ({acceptError}): refused it",
                acceptError=errno.errorcode[e.errno],
            )
        raise ConnectionAbortedError(ECONNABORTED, os.strerror(ECONNABORTED)) from None


class _AcceptedIPv4(socket.socket):
    """An accepted IPv4 TCP socket whose ``family`` and ``type`` are plain class values:
    asyncio's transport asks for both when it is made, and the base class converts each
    into its enum at every read."""

    __slots__ = ()
    family = socket.AF_INET
    type = socket.SOCK_STREAM


class _AcceptedIPv6(socket.socket):
    """``_AcceptedIPv4`` for IPv6."""

    __slots__ = ()
    family = socket.AF_INET6
    type = socket.SOCK_STREAM


_ACCEPTED_SOCKET: dict[int, type[socket.socket]] = {
    socket.AF_INET: _AcceptedIPv4,
    socket.AF_INET6: _AcceptedIPv6,
}


def listening_socket(family: int, fileno: int | None = None) -> socket.socket:
    """A stream socket to listen on (new, or the one open as ``fileno``) whose ``accept``,
    when the process has run out of descriptors, refuses the waiting client at once (see
    ``_ListeningSocket``); the descriptor it lets go of for that is reserved now. For the
    TCP and UNIX ports."""
    _reservedFD.reserve()
    return _ListeningSocket(family, socket.SOCK_STREAM, fileno=fileno)


class Server(Connection):
    """A connection a ``Port`` accepted (the transport its protocol gets).

    twistio builds these itself, on asyncio's transports; unlike Twisted's, the class is not
    made from a socket by hand. ``sessionno`` counts the connections of its port from 0;
    ``server`` is the port (None for an adopted connection).
    """

    __slots__ = ("sessionno",)

    sessionno: int

    @property
    def server(self) -> IListeningPort | None:
        """The port that accepted the connection (None for an adopted one)."""
        return self._origin.port

    def __repr__(self) -> str:
        host = self.getHost() if self._transport is not None else None
        name = type(self._protocol).__name__ if self._protocol is not None else "None"
        number = getattr(self, "sessionno", 0)
        return f"<{name} #{number} on {getattr(host, 'port', None)}>"


class BaseClient(Connection):
    """Base of outgoing connections."""

    __slots__ = ("_on_lost",)  # each is told to its connector


class Client(BaseClient):
    """A connection a ``Connector`` made (the transport its protocol gets); ``addr`` is
    the ``(host, port)`` it was asked to connect to, ``connector`` its connector."""

    __slots__ = ("addr", "connector", "pending_socket")

    addr: tuple[str, int]
    connector: IConnector
    #: The socket made by ``connectTCP``, until asyncio's transport owns it.
    pending_socket: socket.socket

    def __repr__(self) -> str:
        return f"<{type(self)} to {getattr(self, 'addr', None)} at {id(self):x}>"


def adopt_connection(
    reactor: ITwistioReactor, fileDescriptor: int, addressFamily: int, factory: IProtocolFactory
) -> None:
    """Run ``factory``'s protocol on a duplicate of a connected socket (``adoptStreamConnection``).

    The protocol is connected once the loop runs (Twisted connects it before returning).
    """
    if addressFamily not in (socket.AF_INET, socket.AF_INET6, getattr(socket, "AF_UNIX", None)):
        raise error.UnsupportedAddressFamily(addressFamily)
    sock = socket.socket(addressFamily, socket.SOCK_STREAM, fileno=os.dup(fileDescriptor))
    sock.setblocking(False)
    kind: StreamKind = "UNIX" if addressFamily == getattr(socket, "AF_UNIX", None) else "TCP"
    registry = reactor.transport_registry
    loop = registry.get_loop()
    conn = Server(registry, factory.buildProtocol, None, kind)
    conn.sessionno = 0

    async def adopt() -> None:
        try:
            await loop.connect_accepted_socket(conn.enter_log_context, sock)
        except BaseException:
            sock.close()
            raise

    task = loop.create_task(adopt())
    task.add_done_callback(_log_adoption_failure)


def _log_adoption_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("adoptStreamConnection failed: %s", task.exception())


@implementer(IListeningPort)
class Port:
    """A listening TCP socket serving connections with a factory.

    The socket is bound and listening when ``startListening`` returns (errors raise
    ``CannotListenError`` there); asyncio starts accepting on it once the loop runs.
    """

    connected = False
    disconnecting = False
    #: True once stopListening has completed (as Twisted's ports say).
    disconnected = False
    transport: type[Connection] = Server
    _kind: StreamKind = "TCP"
    _server: asyncio.AbstractServer | None = None
    _task: asyncio.Task[None] | None = None
    _realPortNumber: int | None = None
    _origin: ConnectionOrigin | None = None
    _sessionno = 0
    _accepting = False

    def __init__(
        self,
        port: int,
        factory: IProtocolFactory,
        backlog: int = 50,
        interface: str = "",
        reactor: ITwistioReactor | None = None,
    ) -> None:
        if reactor is None:
            reactor = installed_reactor()
        self._reuseAddress = os.name == "posix"
        # A worker of `twistio run --workers N` shares its ports with the other workers.
        self._reusePort = bool(os.environ.get("TWISTIO_REUSEPORT")) and hasattr(
            socket, "SO_REUSEPORT"
        )
        if isinstance(port, _BindingSpec):
            binding = port
            host, port = binding.address
            if interface and interface != host:
                raise ValueError("Inconsistent interface vs Binding specifiers")
            interface = host
            # A Binding says exactly which options to set (a bare port number gets
            # SO_REUSEADDR on POSIX, as in Twisted).
            self._reuseAddress = binding.reuseAddress
            self._reusePort = self._reusePort or binding.reusePort
        self.port, self.factory, self.backlog = port, factory, backlog
        self.interface, self.reactor = interface, reactor
        self._family = socket.AF_INET6 if isIPv6Address(interface) else socket.AF_INET

    def startListening(self) -> None:
        """Bind and listen now, then serve on the reactor's loop; ``CannotListenError`` on failure."""
        try:
            sock = self.createInternetSocket()
        except OSError as e:
            raise error.CannotListenError(self.interface, self.port, e) from e
        try:
            if self._reuseAddress:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if self._reusePort:
                _set_reuse_port(sock)
            where: tuple[str, int] | tuple[str, int, int, int] = (self.interface, self.port)
            if self._family == socket.AF_INET6:
                where = _resolveIPv6(self.interface, self.port)  # fe80::1%eth0 has a scope
            sock.bind(where)
            sock.listen(self.backlog)
            sock.setblocking(False)
        except OSError as e:
            sock.close()
            raise error.CannotListenError(self.interface, self.port, e) from e
        self.serve_socket(sock)

    def createInternetSocket(self) -> socket.socket:
        """The socket ``startListening`` binds: a new one of the port's address family
        (override to make it otherwise)."""
        return listening_socket(self._family)

    @classmethod
    def from_listening_descriptor(
        cls,
        reactor: ITwistioReactor,
        fileDescriptor: int,
        addressFamily: int,
        factory: IProtocolFactory,
    ) -> Port:
        """A port serving a duplicate of a listening socket (``adoptStreamPort``)."""
        if addressFamily not in (socket.AF_INET, socket.AF_INET6):
            raise error.UnsupportedAddressFamily(addressFamily)
        sock = listening_socket(addressFamily, os.dup(fileDescriptor))
        sock.setblocking(False)
        host = sock.getsockname()
        port = cls(host[1], factory, 50, host[0], reactor)
        port.serve_socket(sock)
        return port

    def serve_socket(self, sock: socket.socket) -> None:
        """Serve ``sock``, a socket bound and listening already (here, or by another
        process: the parent of ``twistio run --workers``)."""
        self._host = address_from_sockaddr(sock.getsockname())
        self._realPortNumber = self._host.port
        _python_log.msg(self._started_message())
        self._start_serving(sock)

    def _started_message(self) -> str:
        """What is logged (on Twisted's log) once the port listens."""
        return f"{log_prefix(self.factory)} starting on {self._realPortNumber}"

    def _start_serving(self, sock: socket.socket) -> None:
        self.socket = sock
        self.factory.doStart()
        self.connected = True
        self.disconnecting = False
        self.disconnected = False
        registry = self.reactor.transport_registry
        loop = registry.get_loop()
        self._loop = loop
        registry.ports.add(self)
        # What accepting runs (buildProtocol, connectionMade) has the port as its log
        # context, as in Twisted; each connection enters its own at its first read.
        entered = _context.enter_for_now(self)
        try:
            if self._accepts_itself and self._start_accepting(loop, sock):
                return
            self._task = loop.create_task(self._serve(loop, sock))
        finally:
            _context.leave(entered)

    # -- accepting on asyncio's selector loops ---------------------------------------------
    #
    # asyncio's create_server runs a Task per accepted connection, which waits for its
    # transport to say it is ready: about 45,000 instructions of a one-request connection's
    # 230,000 in a raw asyncio server. On asyncio's own selector loops a plain TCP port
    # accepts by itself (as the UDP port reads by itself): the listening socket is watched
    # with add_reader and each accepted socket gets asyncio's own socket transport at once.
    # Elsewhere (uvloop, loops without add_reader such as Windows' Proactor, UNIX and
    # stdlib-TLS ports) create_server serves.

    #: Whether this port may accept by itself on a selector loop (plain TCP only).
    _accepts_itself = True
    # Makes the asyncio transport of an accepted socket: (sock, protocol, waiter, extra).
    _make_transport: Callable[
        [socket.socket, Connection, None, dict[str, object]], asyncio.BaseTransport
    ]
    _accept_retry: asyncio.TimerHandle | None = None

    def _start_accepting(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bool:
        if not isinstance(loop, _SELECTOR_LOOP) or not hasattr(loop, "_make_socket_transport"):
            return False
        make = loop._make_socket_transport
        if _SELECTOR_TRANSPORT is not type(None) and getattr(make, "__func__", None) is getattr(
            _SELECTOR_LOOP, "_make_socket_transport", None
        ):
            # asyncio's own: its transport class, without the call around it.
            self._make_transport = functools.partial(_SELECTOR_TRANSPORT, loop)
        else:  # a loop of its own kind: through its method
            self._make_transport = lambda sock, protocol, waiter, extra: make(
                sock, protocol, waiter, extra=extra
            )
        try:
            loop.add_reader(sock.fileno(), self._accept_ready)
        except (NotImplementedError, RuntimeError):
            return False
        self._accepting = True
        family = sock.family
        self._accept_as = (_ACCEPTED_SOCKET.get(family, socket.socket), family, sock.type, sock.proto)
        return True

    def _accept_ready(self) -> None:
        """The listening socket is readable: accept what waits (up to the backlog)."""
        sock = self.socket
        accept = sock._accept  # type: ignore[attr-defined]  # socket.accept without the socket
        made, family, kind, proto = self._accept_as
        for _ in range(self.backlog):
            try:
                try:
                    fd, addr = accept()
                except OSError as e:
                    if isinstance(sock, _ListeningSocket):
                        sock.refuse_one(e)
                    raise
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as e:
                if e.errno in (EMFILE, ENFILE, ENOBUFS, ENOMEM):
                    # Out of descriptors or memory: the socket stays readable, so stop
                    # watching it for a while rather than spin (asyncio does the same).
                    _python_log.msg(
                        f"{self.logPrefix()}: could not accept a connection "
                        f"({errno.errorcode.get(e.errno, e.errno)}); retrying in "
                        f"{_ACCEPT_RETRY_DELAY} seconds"
                    )
                    self._loop.remove_reader(sock.fileno())
                    self._accept_retry = self._loop.call_later(
                        _ACCEPT_RETRY_DELAY, self._resume_accepting
                    )
                else:
                    _python_log.err(Failure(e), f"{self.logPrefix()}: accept failed")
                return
            conn = made(family, kind, proto, fd)
            conn.setblocking(False)
            try:
                self._make_transport(conn, self._connection(), None, {"peername": addr})
            except BaseException:
                conn.close()
                _log.exception("could not set up an accepted connection")

    def _resume_accepting(self) -> None:
        self._accept_retry = None
        if self.connected:
            self._loop.add_reader(self.socket.fileno(), self._accept_ready)

    def _stop_accepting(self) -> None:
        self._accepting = False
        retry = self._accept_retry
        if retry is not None:
            self._accept_retry = None
            retry.cancel()
        else:
            self._loop.remove_reader(self.socket.fileno())
        self.socket.close()

    async def _serve(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        # With start_serving=False, create_server returns without suspending, so a
        # stopListening that ran before this step is seen just below.
        server = await self._create_server(loop, sock)
        if not self.connected:
            server.close()
            return
        self._server = server
        await server.start_serving()

    async def _create_server(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket
    ) -> asyncio.AbstractServer:
        # UNIX and TLS ports override this.
        return await loop.create_server(
            self._connection, sock=sock, backlog=self.backlog, start_serving=False
        )

    def _buildProtocol(self, addr: IAddress) -> IProtocol | None:
        # ``factory.buildProtocol`` looked up at each connection, as Twisted's port does.
        return self.factory.buildProtocol(addr)

    def _connection(self) -> Connection:
        # What its connections share, made once: a bound ``factory.buildProtocol`` made
        # per connection would stay with each (64 bytes).
        origin = self._origin
        if origin is None:
            origin = self._origin = ConnectionOrigin(
                self.reactor.transport_registry, self._buildProtocol, self
            )
        conn = self.transport(origin.registry, origin.build, None, self._kind, True, origin)
        if isinstance(conn, Server):
            conn.sessionno = self._sessionno
        self._sessionno += 1
        return conn

    def stopListening(self) -> Deferred[None]:
        """Stop accepting; the Deferred fires, after ``factory.doStop()``, once closed.

        Connections already accepted stay open. Twisted returns None when not listening;
        twistio returns an already-fired Deferred.
        """
        if not self.connected:
            return succeed(None)
        self.connected = False
        self.disconnecting = True
        server = self._server
        self._server = None
        if self._accepting:
            self._stop_accepting()
        elif server is not None:
            server.close()
        else:
            # _serve has not run its first step: it never will own the socket.
            if self._task is not None:
                self._task.cancel()
            self.socket.close()
        self._task = None
        self.reactor.transport_registry.ports.discard(self)
        d: Deferred[None] = Deferred()
        self._loop.call_soon(self._stopped, d)
        return d

    def shutdown_now(self) -> None:
        """Stop listening and call ``factory.doStop`` now (reactor shutdown)."""
        if self.connected:
            self.stopListening()
            try:
                self._finish_stop()
            except Exception:
                _python_log.err(None, f"Error stopping {self!r}")

    def connectionLost(self, reason: object = None) -> None:
        """Stop listening and call ``factory.doStop`` now; what that raises goes to the
        caller (Twisted's reactor calls this on its ports at shutdown)."""
        if self.connected:
            self.stopListening()
            self._finish_stop()

    loseConnection = stopListening

    def _stopped(self, d: Deferred[None]) -> None:
        if not self.disconnecting:
            d.callback(None)  # done already (connectionLost, reactor shutdown)
            return
        try:
            self._finish_stop()
        except Exception:
            d.errback()  # factory.doStop raised: the port is closed all the same
        else:
            d.callback(None)

    def _finish_stop(self) -> None:
        """The socket is closed: say so, and stop the factory (which may raise)."""
        self.disconnecting = False
        self.disconnected = True
        _python_log.msg(self._closed_message())
        self.factory.doStop()

    def _closed_message(self) -> str:
        """What is logged (on Twisted's log, as Twisted does) once the port is closed."""
        return f"(TCP Port {self._realPortNumber} Closed)"

    def getHost(self) -> Union[IPv4Address, IPv6Address]:
        """The bound address; its ``port`` is the real one when 0 was asked for."""
        return self._host

    def logPrefix(self) -> str:
        """The qualified name of the factory's class, as in Twisted (the "starting on"
        message uses the factory's own log prefix)."""
        return qual(type(self.factory))

    def context_mapping(self) -> dict[object, dict[str, str]]:
        """The log context of what accepting runs (``python.context``): ``system`` is
        ``logPrefix()``, as in Twisted; made when something logs."""
        return {ILogContext: {"system": self.logPrefix()}}

    def __repr__(self) -> str:
        if self._realPortNumber is not None and self.connected:
            return f"<{log_prefix(self.factory)} on {self._realPortNumber}>"
        return f"<{log_prefix(self.factory)} (not listening)>"


_BIND_ERRNOS = {errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES}


def _check_port(host: str, port: int, family: int) -> None:
    """Refuse a port number outside 0-65535 as Twisted's connection attempt does: with
    the error of ``connect_ex`` (``OverflowError``), or of ``getaddrinfo`` where an IPv6
    address is resolved first (a ``socket.gaierror`` about the service)."""
    if 0 <= port <= 65535:
        return
    if family == socket.AF_INET6:
        socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, 0, _NUMERIC_ONLY)
    raise OverflowError("connect_ex(): port must be 0-65535.")


def _connect_error(exc: BaseException, host: str, bindAddress: object) -> BaseException:
    if isinstance(exc, error.DNSLookupError):
        return exc
    if isinstance(exc, socket.gaierror):
        if exc.errno == socket.EAI_SERVICE:
            return exc  # about the port, not the host
        return error.DNSLookupError(host)
    if isinstance(exc, OSError):
        if bindAddress is not None and exc.errno in _BIND_ERRNOS:
            return error.ConnectBindError(exc.errno, exc.strerror or str(exc))
        number = exc.errno
        if isinstance(number, int) and number > 0:
            # The system's words for the errno, as Twisted reports a failed connect_ex
            # (asyncio's message names the address instead).
            return error.getConnectError((number, os.strerror(number)))
        return error.getConnectError((None, exc.strerror or str(exc)))
    return exc


@implementer(IConnector)
class Connector:
    """An outgoing TCP connection attempt for a ``ClientFactory``; ``connect()`` retries it.

    ``state`` is ``'disconnected'``, ``'connecting'`` or ``'connected'``. A host name is
    resolved to IPv4 only, as in Twisted; give an IPv6 literal to connect over IPv6.
    """

    def __init__(
        self,
        host: str,
        port: Union[int, str],
        factory: ClientFactory,
        timeout: float | None = 30,
        bindAddress: Binding | tuple[str, int] | None = None,
        reactor: ITwistioReactor | None = None,
    ) -> None:
        if reactor is None:
            reactor = installed_reactor()
        if isinstance(port, str):
            try:
                port = socket.getservbyname(port, "tcp")
            except OSError as e:
                raise error.ServiceNameUnknownError(string=f"{e} ({port!r})") from e
        self.host = host
        self.port = port
        self.factory = factory
        self.timeout = timeout
        self.bindAddress, *reuse = _bind_address(bindAddress)
        self._reuseAddress, self._reusePort = reuse
        self.reactor = reactor
        self.state = "disconnected"
        self.factoryStarted = False
        self.transport: Connection | None = None
        self._attempt: Connection | None = None
        self._task: asyncio.Task[object] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def connect(self) -> None:
        """Start a connection attempt (again); the factory's ``startedConnecting`` is told."""
        if self.state != "disconnected":
            raise RuntimeError("can't connect in this state")
        self.state = "connecting"
        if not self.factoryStarted:  # once per connector, however often it reconnects
            self.factoryStarted = True
            self.factory.doStart()
        registry = self.reactor.transport_registry
        loop = registry.get_loop()
        origin = self._origin
        if origin is None or origin.registry is not registry:
            origin = self._origin = ConnectionOrigin(registry, self._build_protocol)
        conn = self._transport_class(
            registry, origin.build, self._connection_lost, self._kind, server_side=False,
            origin=origin,
        )
        if isinstance(conn, Client):
            conn.addr = (self.host, self.port)
            conn.connector = self
        self._attempt = conn
        self.transport = conn  # as in Twisted, the transport is there while connecting
        self._socket: socket.socket | None = None
        self._early_error: OSError | None = None
        self._prepare(conn)
        task = loop.create_task(self._open(loop, conn))
        self._task = task
        task.add_done_callback(lambda t: self._connect_done(t, conn))
        if self.timeout is not None:
            self._timer = loop.call_later(self.timeout, self._timed_out, conn)
        self.factory.startedConnecting(self)

    _kind: StreamKind = "TCP"
    _transport_class: type[Connection] = Client
    _origin: ConnectionOrigin | None = None  # what its connections share, made once

    async def _resolve_host(self) -> str:
        """The address to connect to: the host if it is an address literal, else what the
        reactor's ``resolve`` (its installed resolver) answers."""
        host = self.host
        if isIPAddress(host) or isIPv6Address(host):
            return host
        resolve = getattr(self.reactor, "resolve", None)
        if resolve is None:
            return host
        address: str = await resolve(host)
        return address

    def _prepare(self, conn: Connection) -> None:
        """What ``connect()`` does before it returns: make the socket (TLS connectors, whose
        ``_open`` makes its own, do not)."""
        if type(self)._open is Connector._open:
            self._make_socket(conn)

    def _make_socket(self, conn: Connection, family: int | None = None) -> socket.socket | None:
        """Make the socket now, bound if asked (as Twisted's connectTCP does before it
        returns: the transport's ``socket`` is there at once); a failure to is kept for
        the attempt to report. The family is the host's (IPv4 for a name, as in Twisted)."""
        if family is None:
            family = socket.AF_INET6 if isIPv6Address(self.host) else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            if self._reuseAddress:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if self._reusePort:
                _set_reuse_port(sock)
            if self.bindAddress is not None:
                local: tuple[str, int] | tuple[str, int, int, int] = self.bindAddress
                if family == socket.AF_INET6:
                    local = _resolveIPv6(*self.bindAddress)
                sock.bind(local)
        except OSError as e:
            sock.close()
            self._early_error = e
            return None
        self._socket = sock
        if isinstance(conn, Client):
            conn.pending_socket = sock
        return sock

    async def _open(self, loop: asyncio.AbstractEventLoop, conn: Connection) -> object:
        # UNIX and TLS connectors override this.
        if self._early_error is not None:
            raise self._early_error
        host = await self._resolve_host()
        family = socket.AF_INET6 if isIPv6Address(host) else socket.AF_INET
        sock = self._socket
        if sock is not None and sock.family != family:
            # A resolver answered with the other family: a socket of that one.
            sock.close()
            sock = self._make_socket(conn, family)
            if self._early_error is not None:
                raise self._early_error
        assert sock is not None
        try:
            _check_port(host, self.port, family)
            where: tuple[str, int] | tuple[str, int, int, int] = (host, self.port)
            if family == socket.AF_INET6:
                where = _resolveIPv6(host, self.port)
            await loop.sock_connect(sock, where)
        except BaseException:
            sock.close()
            raise
        made = await loop.create_connection(conn.enter_log_context, sock=sock)
        _forget_closed_socket(made[0], sock)
        return made

    def _build_protocol(self, addr: IAddress) -> Protocol | None:
        conn = self._attempt
        if self.state != "connecting" or conn is None:
            return None
        self.state = "connected"
        self.transport = conn
        self._task = None
        self._socket = None  # asyncio's transport owns it now
        self._cancel_timer()
        return self.factory.buildProtocol(addr)

    def _connect_done(self, task: asyncio.Task[object], conn: Connection) -> None:
        if task.cancelled() or conn is not self._attempt or self.state != "connecting":
            if not task.cancelled():
                task.exception()  # retrieved: nothing to report for a stale attempt
            return
        exc = task.exception()
        if exc is not None:
            self._failed(Failure(_connect_error(exc, self.host, self.bindAddress)))

    def _timed_out(self, conn: Connection) -> None:
        self._timer = None
        if self.state == "connecting" and conn is self._attempt:
            self._abandon()
            self._failed(Failure(error.TimeoutError()))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _abandon(self) -> None:
        task = self._task
        self._task = None
        self._attempt = None
        if task is not None:
            task.cancel()

    def _failed(self, reason: Failure) -> None:
        self._cancel_timer()
        self._attempt = None
        sock, self._socket = getattr(self, "_socket", None), None
        if sock is not None:
            sock.close()  # made by connect(), never handed to asyncio
        self._ended(self.factory.clientConnectionFailed, reason)

    def _ended(self, tell: Callable[[IConnector, Failure], object], reason: Failure) -> None:
        """Back to disconnected, and tell the factory; unless it connects again from its
        callback, the factory is stopped."""
        self.transport, self.state = None, "disconnected"
        tell(self, reason)
        if self.state == "disconnected":
            self.factory.doStop()
            self.factoryStarted = False

    def _connection_lost(self, conn: Connection, reason: Failure) -> None:
        if conn is not self._attempt:
            return
        self._attempt = None
        self._ended(self.factory.clientConnectionLost, reason)

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress: ``clientConnectionFailed`` gets ``UserError``."""
        if self.state != "connecting":
            raise error.NotConnectingError()
        self._abandon()
        self._failed(Failure(error.UserError()))

    def disconnect(self) -> None:
        """Stop connecting, or close the established connection."""
        if self.state == "connecting":
            self.stopConnecting()
        elif self.state == "connected" and self.transport is not None:
            self.transport.loseConnection()

    def getDestination(self) -> Union[IPv4Address, IPv6Address]:
        """Where this connects to (the host as given, not resolved)."""
        if isIPv6Address(self.host):
            return IPv6Address("TCP", self.host, int(self.port))
        return IPv4Address("TCP", self.host, int(self.port))

    def __repr__(self) -> str:
        return f"<Connector to {self.host}:{self.port} {self.state}>"
