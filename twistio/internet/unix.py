"""UNIX stream sockets: ``listenUNIX`` ports and ``connectUNIX`` connectors.

These are the TCP port and connector (``twistio.internet.tcp``) on an ``AF_UNIX`` socket:
the socket is bound and listening when ``listenUNIX`` returns, then served by
``loop.create_unix_server(sock=...)``; ``connectUNIX`` is ``loop.create_unix_connection``.
Names are bytes in ``UNIXAddress``, as in Twisted; a name starting with NUL is a Linux
abstract socket (no file, no mode, nothing to remove).

``wantPID`` keeps a ``<path>.lock`` symlink naming this process, in Twisted's format, and a
socket file left by a process that died holding the lock is replaced. Unlike Twisted, a
socket file that no process listens on is replaced even without ``wantPID`` (Twisted fails
with ``EADDRINUSE`` until someone deletes it): twistio probes it first, and a file some
process does listen on still gives ``CannotListenError``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import stat
from collections.abc import Iterable
from typing import Union, cast

from twistio.internet import error, tcp
from twistio.internet._adapter import Connection, StreamKind, unix_address
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.address import UNIXAddress
from twistio.internet.defer import Deferred, succeed
from twistio.internet.interfaces import (
    IListeningPort,
    ILoggingContext,
    IProtocolFactory,
    ISystemHandle,
    IUNIXDatagramConnectedTransport,
    IUNIXDatagramTransport,
    implementer,
)
from twistio.internet.protocol import ClientFactory, ConnectedDatagramProtocol, DatagramProtocol
from twistio.python import log as _python_log
from twistio.python.failure import Failure

__all__ = [
    "Client",
    "ConnectedDatagramPort",
    "Connector",
    "DatagramPort",
    "Port",
    "Server",
    "isLocked",
]

_log = logging.getLogger("twistio")


class _PIDLock:
    """A lock held by a process: a symlink whose target is the holder's PID (Twisted's format)."""

    def __init__(self, name: bytes) -> None:
        self.name = name
        self.locked = False
        self.clean = True

    def lock(self) -> bool:
        """Take the lock; False if a live process holds it. ``clean`` is False when a dead
        process's lock was broken to take it."""
        clean = True
        while True:
            try:
                os.symlink(str(os.getpid()).encode(), self.name)
            except FileExistsError:
                try:
                    pid = int(os.readlink(self.name))
                except FileNotFoundError:
                    continue
                except (OSError, ValueError):
                    return False
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    try:
                        os.remove(self.name)
                    except FileNotFoundError:
                        pass
                    clean = False
                    continue
                except PermissionError:
                    return False
                return False
            self.locked = True
            self.clean = clean
            return True

    def unlock(self) -> None:
        """Release the lock."""
        if self.locked:
            self.locked = False
            try:
                os.remove(self.name)
            except FileNotFoundError:
                pass


def isLocked(name: Union[str, bytes]) -> bool:
    """Whether a live process holds the lock file ``name``."""
    lock = _PIDLock(os.fsencode(name))
    if lock.lock():
        lock.unlock()
        return False
    return True


def _is_socket_file(path: bytes) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def _nobody_listens(path: bytes) -> bool:
    """Whether ``path`` is a socket file that refuses connections (left by a dead process)."""
    if not _is_socket_file(path):
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.setblocking(False)
        return probe.connect_ex(path) == errno.ECONNREFUSED
    finally:
        probe.close()


class Server(tcp.Server):
    """A connection a UNIX ``Port`` accepted."""


class Client(tcp.BaseClient):
    """A connection a UNIX ``Connector`` made."""


class Port(tcp.Port):
    """A listening UNIX socket serving connections with a factory."""

    transport = Server
    _kind: StreamKind = "UNIX"
    lockFile: _PIDLock | None = None

    def __init__(
        self,
        fileName: Union[str, bytes],
        factory: IProtocolFactory,
        backlog: int = 50,
        mode: int = 0o666,
        reactor: ITwistioReactor | None = None,
        wantPID: int = 0,
    ) -> None:
        super().__init__(0, factory, backlog, "", reactor)
        self._bindPath = os.fsencode(fileName)
        self.mode = mode
        self.wantPID = wantPID
        self._abstract = self._bindPath.startswith(b"\0")

    @classmethod
    def from_listening_descriptor(
        cls,
        reactor: ITwistioReactor,
        fileDescriptor: int,
        addressFamily: int,
        factory: IProtocolFactory,
    ) -> Port:
        """A port serving a duplicate of a listening UNIX socket (``adoptStreamPort``); its
        file belongs to whoever made it and is not removed when the port stops."""
        if addressFamily != socket.AF_UNIX:
            raise error.UnsupportedAddressFamily(addressFamily)
        sock = tcp.listening_socket(socket.AF_UNIX, os.dup(fileDescriptor))
        sock.setblocking(False)
        port = cls(sock.getsockname() or b"", factory, 50, reactor=reactor)
        port.serve_socket(sock, inherited=True)
        return port

    def _cannot(self, reason: object) -> error.CannotListenError:
        if self.lockFile is not None:
            self.lockFile.unlock()
            self.lockFile = None
        return error.CannotListenError("", self._bindPath, reason)  # type: ignore[arg-type]

    def startListening(self) -> None:
        """Bind and listen now (``CannotListenError`` on failure), then serve."""
        path = self._bindPath
        if self.wantPID and not self._abstract:
            lock = _PIDLock(path + b".lock")
            if not lock.lock():
                raise error.CannotListenError(
                    "", path, "Cannot acquire lock"  # type: ignore[arg-type]
                )
            self.lockFile = lock
            if not lock.clean and _is_socket_file(path):
                try:
                    os.remove(path)
                except OSError:
                    pass
        sock = tcp.listening_socket(socket.AF_UNIX)
        try:
            try:
                sock.bind(path)
            except OSError as e:
                if e.errno != errno.EADDRINUSE or self._abstract or not _nobody_listens(path):
                    raise
                os.remove(path)
                sock.bind(path)
            if not self._abstract:
                os.chmod(path, self.mode)
            sock.listen(self.backlog)
            sock.setblocking(False)
        except OSError as e:
            sock.close()
            raise self._cannot(e) from e
        self.serve_socket(sock)

    def serve_socket(self, sock: socket.socket, *, inherited: bool = False) -> None:
        """Serve ``sock``, a UNIX socket bound and listening already; ``inherited``: another
        process (the parent of ``twistio run --workers``) owns its path, never removed here."""
        if inherited:
            self._abstract = True  # as for an abstract name: no file of ours to remove
        self._unix_host = unix_address(sock.getsockname())
        _python_log.msg(f"{tcp.log_prefix(self.factory)} starting on {os.fsdecode(self._bindPath)!r}")
        self._start_serving(sock)

    async def _create_server(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket
    ) -> asyncio.AbstractServer:
        return await loop.create_unix_server(
            self._connection, sock=sock, backlog=self.backlog, start_serving=False
        )

    def _stopped(self, d: Deferred[None]) -> None:
        if self.disconnecting:
            if not self._abstract:
                try:
                    os.unlink(self._bindPath)
                except OSError:
                    pass
            if self.lockFile is not None:
                self.lockFile.unlock()
                self.lockFile = None
        super()._stopped(d)

    def _closed_message(self) -> str:
        return f"(UNIX Port {os.fsdecode(self._bindPath)} Closed)"

    def getHost(self) -> UNIXAddress:  # type: ignore[override]
        """The socket's name (``UNIXAddress``, name as bytes)."""
        return self._unix_host

    def __repr__(self) -> str:
        state = f"on {self._bindPath!r}" if self.connected else "(not listening)"
        return f"<{tcp.log_prefix(self.factory)} {state}>"


class Connector(tcp.Connector):
    """An outgoing UNIX socket connection for a ``ClientFactory``.

    With ``checkPID``, connecting fails with ``BadFileError`` unless a live process holds
    ``<path>.lock`` (the server listened with ``wantPID``).
    """

    _kind: StreamKind = "UNIX"
    _transport_class = Client

    def __init__(
        self,
        address: Union[str, bytes],
        factory: ClientFactory,
        timeout: float | None = 30,
        reactor: ITwistioReactor | None = None,
        checkPID: int = 0,
    ) -> None:
        super().__init__("", 0, factory, timeout, None, reactor)
        self.address = os.fsencode(address)
        self.checkPID = checkPID

    def _prepare(self, conn: Connection) -> None:
        # The socket is made before connectUNIX returns, as in Twisted (so running out of
        # descriptors afterwards does not fail the attempt).
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.setblocking(False)
        except OSError as e:
            self._early_error = e
        else:
            self._socket = sock

    async def _open(self, loop: asyncio.AbstractEventLoop, conn: Connection) -> object:
        if self._early_error is not None:
            raise self._early_error
        sock = self._socket
        assert sock is not None
        try:
            abstract = self.address.startswith(b"\0")
            if self.checkPID and not abstract and not isLocked(self.address + b".lock"):
                raise error.BadFileError(
                    string=f"{self.address!r}: no process holds its lock file"
                )
            await loop.sock_connect(sock, self.address)
        except BaseException:
            sock.close()
            raise
        return await loop.create_unix_connection(conn.enter_log_context, sock=sock)

    def getDestination(self) -> UNIXAddress:  # type: ignore[override]
        """The socket name this connects to."""
        return UNIXAddress(self.address)

    def __repr__(self) -> str:
        return f"<Connector to {self.address!r} {self.state}>"


# -- datagram sockets ------------------------------------------------------------------------------


class _DatagramAdapter(asyncio.DatagramProtocol):
    """The asyncio side of a UNIX datagram port."""

    def __init__(self, port: DatagramPort) -> None:
        self._port = port

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._port._transport_made(transport)  # type: ignore[arg-type]

    def datagram_received(  # type: ignore[override]  # a path, not an IP tuple
        self, data: bytes, addr: str | bytes | None
    ) -> None:
        self._port._received(data, addr)

    def error_received(self, exc: Exception) -> None:
        self._port._error(exc)


@implementer(IUNIXDatagramTransport, IListeningPort, ISystemHandle, ILoggingContext)
class DatagramPort:
    """A UNIX datagram socket bound at a path, the transport of a ``DatagramProtocol``.

    ``write(datagram, address)`` sends to the socket at ``address``; the protocol's
    ``datagramReceived(data, address)`` gets the sender's path (a str; None if the sender is
    not bound). Stopping removes the socket file.
    """

    connected = 0
    _transport: asyncio.DatagramTransport | None = None
    _task: asyncio.Task[object] | None = None
    _lost = False

    def __init__(
        self,
        addr: Union[str, bytes, None],
        proto: DatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        reactor: ITwistioReactor | None = None,
    ) -> None:
        self.port, self.protocol, self.mode = addr, proto, mode
        self.maxPacketSize = maxPacketSize
        self._path = None if addr is None else os.fsencode(addr)
        self._pending: list[tuple[bytes, bytes | None]] = []
        if reactor is None:
            reactor = installed_reactor()
        self.reactor = reactor

    def _bind(self, sock: socket.socket) -> None:
        path = self._path
        if path is None:
            return
        try:
            sock.bind(path)
        except OSError as e:
            if e.errno != errno.EADDRINUSE or path.startswith(b"\0") or not _is_socket_file(path):
                raise
            os.remove(path)  # a datagram socket file left behind: nobody can own it now
            sock.bind(path)
        if not path.startswith(b"\0"):
            os.chmod(path, self.mode)

    def startListening(self) -> None:
        """Bind now (``CannotListenError`` on failure), start the protocol, then read."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._bind(sock)
            sock.setblocking(False)
            self._connect_socket(sock)
        except OSError as e:
            sock.close()
            self._failed_to_start(e)
            return
        self.socket = sock
        self.connected = 1
        registry = self.reactor.transport_registry
        self._loop = loop = registry.get_loop()
        registry.ports.add(self)
        self._task = loop.create_task(
            loop.create_datagram_endpoint(lambda: _DatagramAdapter(self), sock=sock)
        )
        self._task.add_done_callback(self._endpoint_done)
        self._start_protocol()

    def _connect_socket(self, sock: socket.socket) -> None:
        """Nothing for an unconnected port."""

    def _failed_to_start(self, e: OSError) -> None:
        raise error.CannotListenError("", self._path, e) from e  # type: ignore[arg-type]

    def _start_protocol(self) -> None:
        self.protocol.makeConnection(self)

    def _endpoint_done(self, task: asyncio.Task[object]) -> None:
        if not task.cancelled() and task.exception() is not None:
            _log.error("UNIX datagram port %r could not start: %s", self._path, task.exception())

    def _transport_made(self, transport: asyncio.DatagramTransport) -> None:
        if not self.connected:
            transport.close()
            return
        self._transport = transport
        self._task = None
        pending, self._pending = self._pending, []
        for data, addr in pending:
            self._send(data, addr)

    def _received(self, data: bytes, addr: str | bytes | None) -> None:
        if addr is not None and not isinstance(addr, str):
            addr = os.fsdecode(addr) if addr else None
        self.protocol.datagramReceived(data, addr or None)

    def _error(self, exc: Exception) -> None:
        _log.error("UNIX datagram port %r: %s", self._path, exc)

    def _send(self, data: bytes, addr: bytes | None) -> None:
        transport = self._transport
        if transport is None:
            self._pending.append((data, addr))
        elif addr is None:
            transport.sendto(data)
        else:
            transport.sendto(data, addr)

    def write(self, datagram: bytes, address: Union[str, bytes]) -> None:
        """Send ``datagram`` to the socket at ``address``."""
        if not isinstance(datagram, bytes):
            raise TypeError(f"Data must be bytes, not {type(datagram).__name__}")
        if len(datagram) > self.maxPacketSize:
            raise error.MessageLengthError("message too long")
        if not self.connected:
            raise RuntimeError("the UNIX datagram port is not listening")
        self._send(datagram, os.fsencode(address))

    def writeSequence(self, seq: Iterable[bytes], address: Union[str, bytes]) -> None:
        """Send the concatenation of ``seq`` as one datagram."""
        self.write(b"".join(seq), address)

    def getHost(self) -> UNIXAddress:
        """The bound path (``UNIXAddress``, the name as bytes)."""
        return unix_address(self.socket.getsockname())

    def stopListening(self) -> Deferred[None]:
        """Close: the protocol's ``doStop``, then the socket (its file stays, as in
        Twisted); fires once done."""
        self._close()
        return succeed(None)

    loseConnection = stopListening

    def shutdown_now(self) -> None:
        self._close()

    def _close(self) -> None:
        if not self.connected:
            return
        self.connected = 0
        self.reactor.transport_registry.ports.discard(self)
        transport, self._transport = self._transport, None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        try:
            self.protocol.doStop()
        finally:
            if transport is not None:
                transport.close()
            # The socket file stays, as in Twisted (binding the path again replaces it).
            self.socket.close()

    def getHandle(self) -> socket.socket:
        """The socket."""
        return self.socket

    def fileno(self) -> int:
        """The socket's descriptor."""
        return self.socket.fileno()

    def logPrefix(self) -> str:
        """The protocol's log prefix."""
        return tcp.log_prefix(self.protocol)

    def __repr__(self) -> str:
        where = self.port if self.connected else "(not listening)"
        return f"<{tcp.log_prefix(self.protocol)} on {where!r}>"


@implementer(IUNIXDatagramConnectedTransport)
class ConnectedDatagramPort(DatagramPort):
    """A UNIX datagram socket connected to one peer, for a ``ConnectedDatagramProtocol``.

    ``write(datagram)`` sends to the peer and ``datagramReceived(data)`` gets what it sends.
    If connecting fails the protocol's ``connectionFailed`` is told instead of starting.
    """

    def __init__(
        self,
        addr: Union[str, bytes],
        proto: ConnectedDatagramProtocol,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: Union[str, bytes, None] = None,
        reactor: ITwistioReactor | None = None,
    ) -> None:
        super().__init__(bindAddress, proto, maxPacketSize, mode, reactor)
        self.remoteaddr = os.fsencode(addr)

    def _connected_protocol(self) -> ConnectedDatagramProtocol:
        return cast(ConnectedDatagramProtocol, self.protocol)  # what __init__ was given

    def _connect_socket(self, sock: socket.socket) -> None:
        sock.connect(self.remoteaddr)

    def _failed_to_start(self, e: OSError) -> None:
        self._connected_protocol().connectionFailed(Failure(error.ConnectError(string=str(e))))

    def _received(self, data: bytes, addr: str | bytes | None) -> None:
        self._connected_protocol().datagramReceived(data)

    def write(self, data: bytes) -> None:  # type: ignore[override]
        """Send ``data`` to the peer."""
        if not isinstance(data, bytes):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if len(data) > self.maxPacketSize:
            raise error.MessageLengthError("message too long")
        if not self.connected:
            raise RuntimeError("the UNIX datagram port is not connected")
        self._send(data, None)

    def writeSequence(self, seq: Iterable[bytes]) -> None:  # type: ignore[override]
        """Send the concatenation of ``seq`` as one datagram."""
        self.write(b"".join(seq))

    def getPeer(self) -> UNIXAddress:
        """The peer's path."""
        return UNIXAddress(self.remoteaddr)

    def connectionFailed(self, reason: Failure) -> None:
        """Close and tell the protocol's ``connectionFailed``."""
        self._close()
        self._connected_protocol().connectionFailed(reason)
