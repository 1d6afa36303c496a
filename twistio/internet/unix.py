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
from typing import Any, Union

from twistio.internet import error, tcp
from twistio.internet._adapter import Connection, unix_address
from twistio.internet.address import UNIXAddress
from twistio.internet.defer import Deferred

__all__ = ["Connector", "Port", "isLocked"]

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


class Port(tcp.Port):
    """A listening UNIX socket serving connections with a factory."""

    _kind = "UNIX"
    lockFile: _PIDLock | None = None

    def __init__(
        self,
        fileName: Union[str, bytes],
        factory: Any,
        backlog: int = 50,
        mode: int = 0o666,
        reactor: Any = None,
        wantPID: int = 0,
    ) -> None:
        super().__init__(0, factory, backlog, "", reactor)
        self._bindPath = os.fsencode(fileName)
        self.mode = mode
        self.wantPID = wantPID
        self._abstract = self._bindPath.startswith(b"\0")

    def _cannot(self, reason: Any) -> error.CannotListenError:
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
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
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
        self._unix_host = unix_address(sock.getsockname())
        self.socket = sock
        _log.info("%s starting on %r", tcp._log_prefix(self.factory), path)
        self.factory.doStart()
        self.connected = True
        self.disconnecting = False
        loop = self.reactor._get_loop()
        self._loop = loop
        self._task = loop.create_task(self._serve(loop, sock))
        self.reactor._track_port(self)

    async def _create_server(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> Any:
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
            _log.info("(UNIX Port %r Closed)", self._bindPath)
        super()._stopped(d)

    def getHost(self) -> UNIXAddress:  # type: ignore[override]
        """The socket's name (``UNIXAddress``, name as bytes)."""
        return self._unix_host

    def __repr__(self) -> str:
        state = f"on {self._bindPath!r}" if self.connected else "(not listening)"
        return f"<{tcp._log_prefix(self.factory)} {state}>"


class Connector(tcp.Connector):
    """An outgoing UNIX socket connection for a ``ClientFactory``.

    With ``checkPID``, connecting fails with ``BadFileError`` unless a live process holds
    ``<path>.lock`` (the server listened with ``wantPID``).
    """

    _kind = "UNIX"

    def __init__(
        self,
        address: Union[str, bytes],
        factory: Any,
        timeout: float | None = 30,
        reactor: Any = None,
        checkPID: int = 0,
    ) -> None:
        super().__init__("", 0, factory, timeout, None, reactor)
        self.address = os.fsencode(address)
        self.checkPID = checkPID

    async def _open(self, loop: asyncio.AbstractEventLoop, conn: Connection) -> Any:
        abstract = self.address.startswith(b"\0")
        if self.checkPID and not abstract and not isLocked(self.address + b".lock"):
            raise error.BadFileError(string=f"{self.address!r}: no process holds its lock file")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, self.address)
        except BaseException:
            sock.close()
            raise
        return await loop.create_unix_connection(lambda: conn, sock=sock)

    def getDestination(self) -> UNIXAddress:  # type: ignore[override]
        """The socket name this connects to."""
        return UNIXAddress(self.address)

    def __repr__(self) -> str:
        return f"<Connector to {self.address!r} {self.state}>"
