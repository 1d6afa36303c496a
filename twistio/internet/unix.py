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

import array
import asyncio
import collections
import errno
import logging
import os
import socket
import stat
import struct
from asyncio.trsock import TransportSocket
from collections.abc import Iterable
from typing import Union, cast

from twistio.internet import error, tcp
from twistio.internet._adapter import Connection, StreamKind, unix_address
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.address import UNIXAddress
from twistio.internet.defer import Deferred, succeed
from twistio.internet.interfaces import (
    IFileDescriptorReceiver,
    IListeningPort,
    ILoggingContext,
    IProtocolFactory,
    ISystemHandle,
    IUNIXDatagramConnectedTransport,
    IUNIXDatagramTransport,
    IUNIXTransport,
    implementer,
)
from twistio.internet.protocol import ClientFactory, ConnectedDatagramProtocol, DatagramProtocol
from twistio.python import log as _python_log
from twistio.python import sendmsg
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


# -- passing file descriptors ----------------------------------------------------------------------

#: Room for this many descriptors in one ``recvmsg`` (Linux's limit per message, SCM_MAX_FD).
_MAX_DESCRIPTORS_PER_READ = 253
_INT = array.array("i").itemsize


class _SendmsgMixin:
    """Reading a UNIX socket with ``recvmsg``: the descriptors that arrive go to the
    protocol's ``fileDescriptorReceived`` before the bytes they came with go to
    ``_dataReceived``.

    What it needs of the class using it: ``socket``, ``bufferSize`` (the most bytes one read
    takes), ``protocol``, ``_dataReceived(data)``, ``getHost()`` and ``getPeer()``. A
    protocol that does not provide ``IFileDescriptorReceiver`` gets none: each descriptor is
    closed, and that is logged.
    """

    socket: socket.socket
    bufferSize: int
    protocol: object

    def _dataReceived(self, data: bytes) -> object:
        raise NotImplementedError()

    def getHost(self) -> object:
        raise NotImplementedError()

    def getPeer(self) -> object:
        raise NotImplementedError()

    def doRead(self) -> object:
        """Read what is there (one ``recvmsg``); whatever ``_dataReceived`` returns, or the
        ``OSError`` that ended the connection."""
        try:
            data, ancillary, _flags = sendmsg.recvmsg(
                self.socket, self.bufferSize, _MAX_DESCRIPTORS_PER_READ * _INT
            )
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as e:
            return e
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == sendmsg.SCM_RIGHTS:
                whole = len(payload) - len(payload) % _INT
                for descriptor in array.array("i", payload[:whole]):
                    self._ancillaryDescriptorReceived(descriptor)
            else:
                _python_log.msg(
                    format="%(protocolName)s (on %(hostAddress)r) received unsupported "
                    "ancillary data (level %(cmsgLevel)r, type %(cmsgType)r) from "
                    "%(peerAddress)r; ignored.",
                    protocolName=type(self.protocol).__name__,
                    hostAddress=self.getHost(),
                    peerAddress=self.getPeer(),
                    cmsgLevel=level,
                    cmsgType=kind,
                )
        return self._dataReceived(data)

    def _ancillaryDescriptorReceived(self, descriptor: int) -> None:
        protocol = self.protocol
        if IFileDescriptorReceiver.providedBy(protocol):
            cast(IFileDescriptorReceiver, protocol).fileDescriptorReceived(descriptor)
            return
        os.close(descriptor)
        _python_log.msg(
            format="%(protocolName)s (on %(hostAddress)r) does not provide "
            "IFileDescriptorReceiver; closing file descriptor received (from "
            "%(peerAddress)r).",
            protocolName=type(protocol).__name__,
            hostAddress=self.getHost(),
            peerAddress=self.getPeer(),
        )


class _Handover(asyncio.Protocol):
    """What asyncio's transport serves once a ``_DescriptorTransport`` took its socket
    over: it flushes what it still holds, then closes its descriptor and says so here."""

    def __init__(self, successor: _DescriptorTransport) -> None:
        self._successor = successor

    def connection_lost(self, exc: Exception | None) -> None:
        self._successor._predecessor_gone(exc)


class _DescriptorTransport(_SendmsgMixin, asyncio.Transport):
    """An asyncio transport of a UNIX stream socket that can carry descriptors: reads with
    ``recvmsg`` and writes with ``sendmsg`` when descriptors are queued (each rides on one
    byte of what is written), on the loop's ``add_reader``/``add_writer``.

    A UNIX connection moves to one (``Connection.replace_transport``) when its protocol
    provides ``IFileDescriptorReceiver`` or it first calls ``sendFileDescriptor``: the
    socket is duplicated, and asyncio's transport closes its own descriptor once it has sent
    what it held (this one sends nothing before that, so the bytes keep their order).
    """

    bufferSize = 64 * 1024
    #: Descriptors queued beyond this pause a producer, as a full write buffer does.
    maxQueuedDescriptors = 64

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        connection: Connection,
        peername: object,
        reading: bool,
    ) -> None:
        super().__init__(
            {"socket": TransportSocket(sock), "sockname": sock.getsockname(), "peername": peername}
        )
        self._loop = loop
        self.socket = sock
        self._fd = sock.fileno()
        self._connection = connection
        self._buffer = bytearray()
        self._descriptors: collections.deque[int] = collections.deque()
        self._held = True  # until asyncio's transport has sent what it had
        self._reading = False
        self._writing = False
        self._closing = False
        self._eof_wanted = False
        self._gone = False
        self._high, self._low = 64 * 1024, 16 * 1024
        self._paused_protocol = False
        if reading:
            self.resume_reading()

    # -- what the mixin reads with --------------------------------------------------------------

    @property
    def protocol(self) -> object:  # type: ignore[override]
        """The Twisted protocol the descriptors are for."""
        return self._connection.protocol

    def getHost(self) -> UNIXAddress:
        return self._connection.getHost()  # type: ignore[return-value]

    def getPeer(self) -> UNIXAddress:
        return self._connection.getPeer()  # type: ignore[return-value]

    def _dataReceived(self, data: bytes) -> object:
        if not data:
            self._eof_received()
            return None
        try:
            self._connection.data_received(data)
        except Exception as e:
            self._callback_failed(e, "data_received")
        return None

    def _callback_failed(self, exc: Exception, what: str) -> None:
        # As asyncio's transports do: the loop's handler hears of it (twistio's logs it on
        # Twisted's log and makes it connectionLost's reason), and the connection ends.
        self._loop.call_exception_handler(
            {
                "message": f"Fatal error: protocol.{what}() call failed.",
                "exception": exc,
                "transport": self,
                "protocol": self._connection,
            }
        )
        self._force_close(exc)

    def _eof_received(self) -> None:
        self.pause_reading()
        try:
            keep_open = self._connection.eof_received()
        except Exception as e:
            self._callback_failed(e, "eof_received")
            return
        if not keep_open:
            self.close()

    def _on_readable(self) -> None:
        why = self.doRead()
        if isinstance(why, OSError):
            self._force_close(why)

    # -- asyncio.ReadTransport -----------------------------------------------------------------

    def is_reading(self) -> bool:
        return self._reading

    def pause_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self._fd)

    def resume_reading(self) -> None:
        if not self._reading and not self._closing:
            self._reading = True
            self._loop.add_reader(self._fd, self._on_readable)

    # -- asyncio.WriteTransport ----------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be a bytes-like object, not {type(data).__name__!r}")
        if not data or self._closing or self._eof_wanted:
            return
        self._buffer += data
        self._flush()

    def sendFileDescriptor(self, descriptor: int) -> None:
        """Queue ``descriptor``: it goes with the next byte to be sent."""
        if self._closing:
            return
        self._descriptors.append(descriptor)
        self._flush()

    def _flush(self) -> None:
        if self._held or self._gone:
            self._check_limits()
            return
        buffer, descriptors, sock = self._buffer, self._descriptors, self.socket
        try:
            while descriptors and buffer:
                sendmsg.sendmsg(
                    sock,
                    bytes(buffer[:1]),
                    [(socket.SOL_SOCKET, sendmsg.SCM_RIGHTS, struct.pack("i", descriptors[0]))],
                )
                descriptors.popleft()
                del buffer[:1]
            if buffer and not descriptors:
                del buffer[: sock.send(buffer)]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as e:
            self._force_close(e)
            return
        self._watch_writable(bool(buffer))
        self._check_limits()
        if buffer:
            return
        if self._closing:
            if descriptors:
                self._force_close(error.FileDescriptorOverrun())
            else:
                self._shut()
        elif self._eof_wanted:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def _watch_writable(self, wanted: bool) -> None:
        if wanted and not self._writing:
            self._writing = True
            self._loop.add_writer(self._fd, self._flush)
        elif not wanted and self._writing:
            self._writing = False
            self._loop.remove_writer(self._fd)

    def _check_limits(self) -> None:
        over = (
            len(self._buffer) > self._high
            or len(self._descriptors) > self.maxQueuedDescriptors
        )
        if over and not self._paused_protocol:
            self._paused_protocol = True
            self._connection.pause_writing()
        elif self._paused_protocol and not over and len(self._buffer) <= self._low:
            self._paused_protocol = False
            self._connection.resume_writing()

    def get_write_buffer_size(self) -> int:
        return len(self._buffer)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (self._low, self._high)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        if high is None:
            high = 64 * 1024 if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
        self._high, self._low = high, low
        self._check_limits()

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        if self._closing or self._eof_wanted:
            return
        self._eof_wanted = True
        self._flush()

    # -- closing -------------------------------------------------------------------------------

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self.pause_reading()
        self._flush()

    def abort(self) -> None:
        self._force_close(None)

    def _shut(self) -> None:
        """Everything is sent: close."""
        if not self._gone:
            self._gone = True
            self._loop.call_soon(self._call_connection_lost, None)

    def _force_close(self, exc: BaseException | None) -> None:
        if self._gone:
            return
        self._gone = self._closing = True
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self._fd)
        self._watch_writable(False)
        self._buffer.clear()
        self._descriptors.clear()
        self._loop.call_soon(self._call_connection_lost, exc)

    def _call_connection_lost(self, exc: BaseException | None) -> None:
        try:
            self._connection.connection_lost(exc)
        finally:
            self.socket.close()

    def _predecessor_gone(self, exc: Exception | None) -> None:
        """asyncio's transport sent what it had and closed its descriptor: send from now on
        (or end, if its last writes failed)."""
        self._held = False
        if exc is not None:
            self._force_close(exc)
        else:
            self._flush()

    # -- the rest of asyncio.Transport ------------------------------------------------------------

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._connection = cast(Connection, protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._connection

    def __repr__(self) -> str:
        return f"<{type(self).__name__} fd={self._fd}>"


def _probe_fd_set(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    """``NotImplementedError`` where the loop cannot watch descriptors (Windows' Proactor)."""
    loop.add_reader(fd, _nothing)
    loop.remove_reader(fd)


def _nothing() -> None:
    pass


@implementer(IUNIXTransport)
class _PassesDescriptors(Connection):
    """A UNIX stream connection: ``sendFileDescriptor``, and descriptors received for a
    protocol that provides ``IFileDescriptorReceiver``."""

    __slots__ = ()
    _passing: _DescriptorTransport | None = None  # once the socket is taken over
    # Whether the protocol paused reading (the new transport starts as it asked), and
    # whether asyncio's transport has started reading yet (uvloop's starts after
    # connection_made, and says it is not reading until then).
    _reads_paused = False
    _starting = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._starting = True
        try:
            super().connection_made(transport)
            if self.connected and IFileDescriptorReceiver.providedBy(self.protocol):
                try:
                    self._descriptor_transport()
                except NotImplementedError:
                    pass  # no FD set on this loop: descriptors sent here are dropped unread
        finally:
            self._starting = False

    def pauseProducing(self) -> None:
        """Stop reading until ``resumeProducing``."""
        self._reads_paused = True
        super().pauseProducing()

    def resumeProducing(self) -> None:
        """Read again."""
        self._reads_paused = False
        super().resumeProducing()

    stopReading = pauseProducing
    startReading = resumeProducing

    def sendFileDescriptor(self, descriptor: int) -> None:
        """Send a duplicate of ``descriptor`` to the peer, with the next byte written
        (write at least one byte per descriptor: descriptors left unsent when the
        connection closes end it with ``FileDescriptorOverrun``)."""
        if not self.connected:
            return
        self._descriptor_transport().sendFileDescriptor(descriptor)

    def _descriptor_transport(self) -> _DescriptorTransport:
        if self._passing is not None:
            return self._passing
        loop = self.reactor.transport_registry.get_loop()
        made: list[_DescriptorTransport] = []

        def take_over(old: asyncio.Transport) -> asyncio.Transport:
            handle = old.get_extra_info("socket")
            if handle is None or old.get_extra_info("sslcontext") is not None:
                raise NotImplementedError("file descriptors pass over plain UNIX sockets only")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=os.dup(handle.fileno()))
            try:
                sock.setblocking(False)
                _probe_fd_set(loop, sock.fileno())
                reading = not self._reads_paused and (self._starting or old.is_reading())
                new = _DescriptorTransport(loop, sock, self, old.get_extra_info("peername"), reading)
            except BaseException:
                sock.close()
                raise
            low, high = old.get_write_buffer_limits()
            new.set_write_buffer_limits(high, low)
            old.set_protocol(_Handover(new))
            old.close()
            made.append(new)
            return new

        self.replace_transport(take_over)
        self._passing = made[0]
        return made[0]


class Server(_PassesDescriptors, tcp.Server):
    """A connection a UNIX ``Port`` accepted."""

    __slots__ = ()
    _kind: StreamKind = "UNIX"


class Client(_PassesDescriptors, tcp.BaseClient):
    """A connection a UNIX ``Connector`` made."""

    __slots__ = ()
    _kind: StreamKind = "UNIX"


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

    def createInternetSocket(self) -> socket.socket:
        """The socket ``startListening`` binds: a new UNIX stream socket."""
        return tcp.listening_socket(socket.AF_UNIX)

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
        try:
            sock = self.createInternetSocket()
        except OSError as e:
            raise self._cannot(e) from e
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

    _accepts_itself = False  # create_unix_server serves

    async def _create_server(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket
    ) -> asyncio.AbstractServer:
        return await loop.create_unix_server(
            self._connection, sock=sock, backlog=self.backlog, start_serving=False
        )

    def _finish_stop(self) -> None:
        if not self._abstract:
            try:
                os.unlink(self._bindPath)
            except OSError:
                pass
        if self.lockFile is not None:
            self.lockFile.unlock()
            self.lockFile = None
        super()._finish_stop()

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
