"""TCP: listening ports (``listenTCP``) and outgoing connectors (``connectTCP``)."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
from typing import Any, Union

from twistio.internet import error
from twistio.internet._adapter import Connection, address_from_sockaddr
from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred, succeed
from twistio.internet.interfaces import IConnector, IListeningPort, implementer
from twistio.python.failure import Failure

__all__ = ["Connector", "Port", "isIPv6Address"]

_log = logging.getLogger("twistio")


def isIPv6Address(addr: str) -> bool:
    """Whether ``addr`` is an IPv6 address literal (a ``%scope`` suffix allowed)."""
    if "%" in addr:
        addr = addr.split("%", 1)[0]
    if not addr:
        return False
    try:
        socket.inet_pton(socket.AF_INET6, addr)
    except (OSError, ValueError):
        return False
    return True


def _log_prefix(obj: Any) -> str:
    prefix = getattr(obj, "logPrefix", None)
    return str(prefix()) if prefix is not None else type(obj).__name__


@implementer(IListeningPort)
class Port:
    """A listening TCP socket serving connections with a factory.

    The socket is bound and listening when ``startListening`` returns (errors raise
    ``CannotListenError`` there); asyncio starts accepting on it once the loop runs.
    """

    connected = False
    disconnecting = False
    _kind = "TCP"
    _server: Any = None
    _task: asyncio.Task[None] | None = None
    _realPortNumber: int | None = None

    def __init__(
        self, port: int, factory: Any, backlog: int = 50, interface: str = "", reactor: Any = None
    ) -> None:
        if reactor is None:
            from twistio.internet import reactor as the_reactor

            reactor = the_reactor
        self.port, self.factory, self.backlog = port, factory, backlog
        self.interface, self.reactor = interface, reactor
        self._family = socket.AF_INET6 if isIPv6Address(interface) else socket.AF_INET

    def startListening(self) -> None:
        """Bind and listen now, then serve on the reactor's loop; ``CannotListenError`` on failure."""
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        try:
            if os.name == "posix":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if os.environ.get("TWISTIO_REUSEPORT") and hasattr(socket, "SO_REUSEPORT"):
                    # a worker of `twistio run --workers N`: the workers share the port
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((self.interface, self.port))
            sock.listen(self.backlog)
            sock.setblocking(False)
        except OSError as e:
            sock.close()
            raise error.CannotListenError(self.interface, self.port, e) from e
        self._host = address_from_sockaddr(sock.getsockname())
        self._realPortNumber = self._host.port
        self.socket = sock
        _log.info("%s starting on %d", _log_prefix(self.factory), self._realPortNumber)
        self.factory.doStart()
        self.connected = True
        self.disconnecting = False
        loop = self.reactor._get_loop()
        self._loop = loop
        self._task = loop.create_task(self._serve(loop, sock))
        self.reactor._track_port(self)

    async def _serve(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        # With start_serving=False, create_server returns without suspending, so a
        # stopListening that ran before this step is seen just below.
        server = await self._create_server(loop, sock)
        if not self.connected:
            server.close()
            return
        self._server = server
        await server.start_serving()

    async def _create_server(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> Any:
        # UNIX and TLS ports override this.
        return await loop.create_server(
            self._connection, sock=sock, backlog=self.backlog, start_serving=False
        )

    def _connection(self) -> Connection:
        return Connection(self.reactor, self.factory.buildProtocol, None, self._kind)

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
        if server is not None:
            server.close()
        else:
            # _serve has not run its first step: it never will own the socket.
            if self._task is not None:
                self._task.cancel()
            self.socket.close()
        self._task = None
        self.reactor._untrack_port(self)
        d: Deferred[None] = Deferred()
        self._loop.call_soon(self._stopped, d)
        return d

    def _shutdown(self) -> None:
        """Stop listening and call ``factory.doStop`` now (reactor shutdown)."""
        if self.connected:
            self.stopListening()
            self._stopped(Deferred())

    loseConnection = stopListening

    def _stopped(self, d: Deferred[None]) -> None:
        if not self.disconnecting:
            d.callback(None)  # already done by _shutdown
            return
        self.disconnecting = False
        _log.info("(TCP Port %s Closed)", self._realPortNumber)
        try:
            self.factory.doStop()
        finally:
            d.callback(None)

    def getHost(self) -> Union[IPv4Address, IPv6Address]:
        """The bound address; its ``port`` is the real one when 0 was asked for."""
        return self._host

    def logPrefix(self) -> str:
        """The factory's log prefix."""
        return _log_prefix(self.factory)

    def __repr__(self) -> str:
        if self._realPortNumber is not None and self.connected:
            return f"<{_log_prefix(self.factory)} on {self._realPortNumber}>"
        return f"<{_log_prefix(self.factory)} (not listening)>"


_BIND_ERRNOS = {errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES}


def _connect_error(exc: BaseException, host: str, bindAddress: Any) -> BaseException:
    if isinstance(exc, socket.gaierror):
        return error.DNSLookupError(host)
    if isinstance(exc, OSError):
        if bindAddress is not None and exc.errno in _BIND_ERRNOS:
            return error.ConnectBindError(exc.errno, exc.strerror or str(exc))
        return error.getConnectError(exc)
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
        factory: Any,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | None = None,
        reactor: Any = None,
    ) -> None:
        if reactor is None:
            from twistio.internet import reactor as the_reactor

            reactor = the_reactor
        if isinstance(port, str):
            try:
                port = socket.getservbyname(port, "tcp")
            except OSError as e:
                raise error.ServiceNameUnknownError(string=f"{e} ({port!r})") from e
        self.host = host
        self.port = port
        self.factory = factory
        self.timeout = timeout
        self.bindAddress = bindAddress
        self.reactor = reactor
        self.state = "disconnected"
        self.factoryStarted = False
        self.transport: Connection | None = None
        self._attempt: Connection | None = None
        self._task: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def connect(self) -> None:
        """Start a connection attempt (again); the factory's ``startedConnecting`` is told."""
        if self.state != "disconnected":
            raise RuntimeError("can't connect in this state")
        self.state = "connecting"
        if not self.factoryStarted:  # once per connector, however often it reconnects
            self.factoryStarted = True
            self.factory.doStart()
        loop = self.reactor._get_loop()
        conn = Connection(self.reactor, self._build_protocol, None, self._kind)
        conn._on_lost = lambda reason: self._connection_lost(conn, reason)
        conn._server_side = False
        self._attempt = conn
        task = loop.create_task(self._open(loop, conn))
        self._task = task
        task.add_done_callback(lambda t: self._connect_done(t, conn))
        if self.timeout is not None:
            self._timer = loop.call_later(self.timeout, self._timed_out, conn)
        self.factory.startedConnecting(self)

    _kind = "TCP"

    async def _open(self, loop: asyncio.AbstractEventLoop, conn: Connection) -> Any:
        # UNIX and TLS connectors override this.
        family = socket.AF_INET6 if isIPv6Address(self.host) else socket.AF_INET
        return await loop.create_connection(
            lambda: conn, self.host, self.port, family=family, local_addr=self.bindAddress
        )

    def _build_protocol(self, addr: Any) -> Any:
        conn = self._attempt
        if self.state != "connecting" or conn is None:
            return None
        self.state = "connected"
        self.transport = conn
        self._task = None
        self._cancel_timer()
        return self.factory.buildProtocol(addr)

    def _connect_done(self, task: asyncio.Task[Any], conn: Connection) -> None:
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
        self.transport = None
        self.state = "disconnected"
        self.factory.clientConnectionFailed(self, reason)
        if self.state == "disconnected":
            self.factory.doStop()
            self.factoryStarted = False

    def _connection_lost(self, conn: Connection, reason: Failure) -> None:
        if conn is not self._attempt:
            return
        self._attempt = None
        self.transport = None
        self.state = "disconnected"
        self.factory.clientConnectionLost(self, reason)
        if self.state == "disconnected":
            self.factory.doStop()
            self.factoryStarted = False

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
