"""SFTP, version 3 (draft-ietf-secsh-filexfer-02): the server over an avatar's ``ISFTPServer``
and the client.

``FileTransferServer`` runs as the ``sftp`` subsystem (``subsystemLookup[b'sftp']``): each
request goes to ``ISFTPServer(avatar)``, whose methods may return Deferreds, and failures
become STATUS answers (``OSError`` by errno, ``EOFError``, ``NotImplementedError``,
``SFTPError``). A packet may be at most 256 KiB, a read 255 KiB, and a session may hold 512
open files and directories; beyond that the answer is a failure, not more memory.
"""

from __future__ import annotations

import errno
import logging
import struct
import warnings
from collections.abc import Iterator
from itertools import islice
from typing import Any

from twistio.conch._adapt import adapt
from twistio.conch.interfaces import ISFTPFile, ISFTPServer
from twistio.conch.ssh.common import NS, getNS
from twistio.internet import defer, error, protocol
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import implementer
from twistio.python.failure import Failure

__all__ = [
    "FILEXFER_ATTR_ACMODTIME",
    "FILEXFER_ATTR_EXTENDED",
    "FILEXFER_ATTR_OWNERGROUP",
    "FILEXFER_ATTR_PERMISSIONS",
    "FILEXFER_ATTR_SIZE",
    "FILEXFER_ATTR_UIDGID",
    "FILEXFER_TYPE_DIRECTORY",
    "FILEXFER_TYPE_REGULAR",
    "FILEXFER_TYPE_SPECIAL",
    "FILEXFER_TYPE_SYMLINK",
    "FILEXFER_TYPE_UNKNOWN",
    "FXF_APPEND",
    "FXF_CREAT",
    "FXF_EXCL",
    "FXF_READ",
    "FXF_TEXT",
    "FXF_TRUNC",
    "FXF_WRITE",
    "FXP_ATTRS",
    "FXP_CLOSE",
    "FXP_DATA",
    "FXP_EXTENDED",
    "FXP_EXTENDED_REPLY",
    "FXP_FSETSTAT",
    "FXP_FSTAT",
    "FXP_HANDLE",
    "FXP_INIT",
    "FXP_LSTAT",
    "FXP_MKDIR",
    "FXP_NAME",
    "FXP_OPEN",
    "FXP_OPENDIR",
    "FXP_READ",
    "FXP_READDIR",
    "FXP_READLINK",
    "FXP_REALPATH",
    "FXP_REMOVE",
    "FXP_RENAME",
    "FXP_RMDIR",
    "FXP_SETSTAT",
    "FXP_STAT",
    "FXP_STATUS",
    "FXP_SYMLINK",
    "FXP_VERSION",
    "FXP_WRITE",
    "FX_BAD_MESSAGE",
    "FX_CONNECTION_LOST",
    "FX_EOF",
    "FX_FAILURE",
    "FX_FILE_ALREADY_EXISTS",
    "FX_FILE_IS_A_DIRECTORY",
    "FX_NOT_A_DIRECTORY",
    "FX_NO_CONNECTION",
    "FX_NO_SUCH_FILE",
    "FX_OK",
    "FX_OP_UNSUPPORTED",
    "FX_PERMISSION_DENIED",
    "ClientDirectory",
    "ClientFile",
    "FileTransferBase",
    "FileTransferClient",
    "FileTransferServer",
    "ISFTPFile",
    "ISFTPServer",
    "SFTPError",
]

_log = logging.getLogger("twistio.conch")

# Packet types (SFTP version 3, draft-ietf-secsh-filexfer-02): the client's requests are numbered
# from 1 (INIT) to 20 (SYMLINK), the server's replies from 101, extensions 200 and 201.
(
    FXP_INIT,
    FXP_VERSION,
    FXP_OPEN,
    FXP_CLOSE,
    FXP_READ,
    FXP_WRITE,
    FXP_LSTAT,
    FXP_FSTAT,
    FXP_SETSTAT,
    FXP_FSETSTAT,
    FXP_OPENDIR,
    FXP_READDIR,
    FXP_REMOVE,
    FXP_MKDIR,
    FXP_RMDIR,
    FXP_REALPATH,
    FXP_STAT,
    FXP_RENAME,
    FXP_READLINK,
    FXP_SYMLINK,
) = range(1, 21)
FXP_STATUS, FXP_HANDLE, FXP_DATA, FXP_NAME, FXP_ATTRS = range(101, 106)
FXP_EXTENDED, FXP_EXTENDED_REPLY = 200, 201

# Which fields an attribute block carries: one bit each (EXTENDED is the top bit).
FILEXFER_ATTR_SIZE, FILEXFER_ATTR_UIDGID, FILEXFER_ATTR_PERMISSIONS = 1 << 0, 1 << 1, 1 << 2
FILEXFER_ATTR_ACMODTIME, FILEXFER_ATTR_EXTENDED = 1 << 3, 1 << 31
FILEXFER_ATTR_OWNERGROUP = FILEXFER_ATTR_UIDGID  # a later version's name for the same bit

# File types (a later version's field; kept for its names).
(
    FILEXFER_TYPE_REGULAR,
    FILEXFER_TYPE_DIRECTORY,
    FILEXFER_TYPE_SYMLINK,
    FILEXFER_TYPE_SPECIAL,
    FILEXFER_TYPE_UNKNOWN,
) = range(1, 6)

# Open flags: bit 0 upwards in this order.
FXF_READ, FXF_WRITE, FXF_APPEND, FXF_CREAT, FXF_TRUNC, FXF_EXCL, FXF_TEXT = (
    1 << bit for bit in range(7)
)

# Status codes 0 to 8 of version 3; later versions' codes that twistio reports are named too
# (the two directory mismatches report the general failure).
(
    FX_OK,
    FX_EOF,
    FX_NO_SUCH_FILE,
    FX_PERMISSION_DENIED,
    FX_FAILURE,
    FX_BAD_MESSAGE,
    FX_NO_CONNECTION,
    FX_CONNECTION_LOST,
    FX_OP_UNSUPPORTED,
) = range(9)
FX_FILE_ALREADY_EXISTS = 11
FX_NOT_A_DIRECTORY = FX_FILE_IS_A_DIRECTORY = FX_FAILURE

_MAX_PACKET = 256 * 1024
_MAX_READ = 255 * 1024
_MAX_HANDLES = 512
_DIR_BATCH = 100
_u32 = struct.Struct(">L")
_u64 = struct.Struct(">Q")
_head = struct.Struct(">LB")
# STATUS codes the client reports as Python exceptions rather than SFTPError.
_STATUS_EXCEPTIONS: dict[int, type[Exception]] = {1: EOFError, 8: NotImplementedError}
_ERRNO_CODES = {errno.ENOENT: FX_NO_SUCH_FILE, errno.EACCES: FX_PERMISSION_DENIED,
                errno.EPERM: FX_PERMISSION_DENIED, errno.EEXIST: FX_FILE_ALREADY_EXISTS,
                errno.ENOTDIR: FX_NOT_A_DIRECTORY, errno.EISDIR: FX_FILE_IS_A_DIRECTORY}


class SFTPError(Exception):
    """An SFTP failure with a STATUS ``code``, a ``message`` and its ``lang``."""

    def __init__(self, errorCode: int, errorMessage: str | bytes, lang: str | bytes = "") -> None:
        Exception.__init__(self)
        self.code = errorCode
        self._message = errorMessage
        self.lang = lang

    @property
    def message(self) -> str | bytes:
        """The human-readable text of the failure."""
        return self._message

    def __str__(self) -> str:
        text = self._message
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return f"SFTPError {self.code}: {text}"


class FileTransferBase(protocol.Protocol):
    """SFTP framing: ``uint32 length, byte type, body`` packets to ``packet_<TYPE>``."""

    versions = (3,)
    packetTypes: dict[int, str] = {
        value: name[4:] for name, value in list(globals().items())
        if name.startswith("FXP_") and isinstance(value, int)
    }

    def __init__(self) -> None:
        self.buf = b""
        self.otherVersion: int | None = None

    def sendPacket(self, kind: int, data: bytes) -> None:
        """Send one packet of ``kind``."""
        self.transport.write(_head.pack(len(data) + 1, kind) + data)

    def dataReceived(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        pos = 0
        end = len(buf)
        while end - pos >= 5:
            (length,) = _u32.unpack_from(buf, pos)
            if length > _MAX_PACKET or length < 1:
                _log.info("SFTP packet of %d bytes refused", length)
                self.buf = b""
                self.transport.loseConnection()
                return
            if end - pos < 4 + length:
                break
            kind = buf[pos + 4]
            body = buf[pos + 5 : pos + 4 + length]
            pos += 4 + length
            self._dispatch(kind, body)
        self.buf = buf[pos:]

    def _dispatch(self, kind: int, body: bytes) -> None:
        name = self.packetTypes.get(kind)
        handler = getattr(self, "packet_" + name, None) if name else None
        if handler is None:
            _log.info("unhandled SFTP packet type %s", kind)
            if len(body) >= 4 and kind not in (FXP_INIT, FXP_VERSION):
                self._sendStatus(body[:4], FX_OP_UNSUPPORTED, b"don't understand "
                                 + str(kind).encode())
            return
        try:
            handler(body)
        except (struct.error, IndexError, ValueError) as e:
            _log.info("malformed SFTP %s packet: %s", name, e)
            if len(body) >= 4 and kind not in (FXP_INIT, FXP_VERSION):
                self._sendStatus(body[:4], FX_BAD_MESSAGE, b"malformed packet")

    def _parseAttributes(self, data: bytes) -> tuple[dict[str, Any], bytes]:
        (flags,) = _u32.unpack_from(data)
        pos = 4
        attrs: dict[str, Any] = {}
        if flags & FILEXFER_ATTR_SIZE:
            (attrs["size"],) = _u64.unpack_from(data, pos)
            pos += 8
        if flags & FILEXFER_ATTR_UIDGID:
            attrs["uid"], attrs["gid"] = struct.unpack_from(">LL", data, pos)
            pos += 8
        if flags & FILEXFER_ATTR_PERMISSIONS:
            (attrs["permissions"],) = _u32.unpack_from(data, pos)
            pos += 4
        if flags & FILEXFER_ATTR_ACMODTIME:
            attrs["atime"], attrs["mtime"] = struct.unpack_from(">LL", data, pos)
            pos += 8
        rest = data[pos:]
        if flags & FILEXFER_ATTR_EXTENDED:
            (count,) = _u32.unpack_from(rest)
            rest = rest[4:]
            for _ in range(min(count, 64)):
                name, value, rest = getNS(rest, 2)
                attrs["ext_" + name.decode("utf-8", "replace")] = value
        return attrs, rest

    def _packAttributes(self, attrs: dict[str, Any]) -> bytes:
        flags = 0
        parts: list[bytes] = []
        if "size" in attrs:
            flags |= FILEXFER_ATTR_SIZE
            parts.append(_u64.pack(attrs["size"]))
        if "uid" in attrs and "gid" in attrs:
            flags |= FILEXFER_ATTR_UIDGID
            parts.append(struct.pack(">LL", attrs["uid"], attrs["gid"]))
        if "permissions" in attrs:
            flags |= FILEXFER_ATTR_PERMISSIONS
            parts.append(_u32.pack(attrs["permissions"]))
        if "atime" in attrs and "mtime" in attrs:
            flags |= FILEXFER_ATTR_ACMODTIME
            parts.append(struct.pack(">LL", int(attrs["atime"]), int(attrs["mtime"])))
        extended = [(k[4:], v) for k, v in attrs.items() if k.startswith("ext_")]
        if extended:
            flags |= FILEXFER_ATTR_EXTENDED
            parts.append(_u32.pack(len(extended)))
            for name, value in extended:
                parts.append(NS(name) + NS(value))
        return _u32.pack(flags) + b"".join(parts)

    def _sendStatus(self, requestId: bytes, code: int, message: bytes, lang: bytes = b"") -> None:
        self.sendPacket(FXP_STATUS, requestId + _u32.pack(code) + NS(message) + NS(lang))

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Nothing to clean up in the framing."""


class FileTransferServer(FileTransferBase):
    """The SFTP server: requests are served by ``ISFTPServer(avatar)``."""

    def __init__(self, data: bytes | None = None, avatar: Any = None) -> None:
        FileTransferBase.__init__(self)
        self.avatar = avatar
        client = adapt(ISFTPServer, avatar)
        if client is None:
            raise TypeError(f"{avatar!r} cannot be adapted to ISFTPServer")
        self.client = client
        self.openFiles: dict[bytes, Any] = {}
        self.openDirs: dict[bytes, tuple[Any, Iterator[Any]]] = {}
        self._next_handle = 0

    def _handle_for(self) -> bytes:
        self._next_handle += 1
        return str(self._next_handle).encode("ascii")

    def _run(self, requestId: bytes, call: Any, *args: Any, done: Any = None,
             failure_text: bytes = b"request failed") -> None:
        d = defer.maybeDeferred(call, *args)
        if done is None:
            d.addCallback(lambda _: self._sendStatus(requestId, FX_OK, b""))
        else:
            d.addCallback(done, requestId)
        d.addErrback(self._ebStatus, requestId, failure_text)

    def _ebStatus(self, reason: Failure, requestId: bytes, msg: bytes = b"request failed") -> None:
        code = FX_FAILURE
        message = msg
        value = reason.value
        if isinstance(value, OSError):
            code = _ERRNO_CODES.get(value.errno or 0, FX_FAILURE)
            message = (value.strerror or str(value)).encode("utf-8", "replace")
        elif isinstance(value, EOFError):
            code = FX_EOF
            message = b"End of file" if not value.args else str(value.args[0]).encode()
        elif isinstance(value, NotImplementedError):
            code = FX_OP_UNSUPPORTED
            message = str(value).encode("utf-8", "replace") or msg
        elif isinstance(value, SFTPError):
            code = value.code
            text = value.message
            message = text.encode("utf-8") if isinstance(text, str) else text
        else:
            _log.error("SFTP request failed", exc_info=(type(value), value,
                                                        reason.getTracebackObject()))
        self._sendStatus(requestId, code, message)

    # ---------------------------------------------------------------- requests

    def packet_INIT(self, data: bytes) -> None:
        (version,) = _u32.unpack_from(data)
        self.otherVersion = version
        rest = data[4:]
        ext: dict[bytes, bytes] = {}
        while rest and len(ext) < 64:
            name, value, rest = getNS(rest, 2)
            ext[name] = value
        ours = self.client.gotVersion(version, ext) or {}
        body = _u32.pack(self.versions[0]) + b"".join(NS(k) + NS(v) for k, v in ours.items())
        self.sendPacket(FXP_VERSION, body)

    def _too_many(self, requestId: bytes) -> bool:
        if len(self.openFiles) + len(self.openDirs) >= _MAX_HANDLES:
            self._sendStatus(requestId, FX_FAILURE, b"too many open files")
            return True
        return False

    def packet_OPEN(self, data: bytes) -> None:
        requestId = data[:4]
        filename, rest = getNS(data[4:])
        (flags,) = _u32.unpack_from(rest)
        attrs, _ = self._parseAttributes(rest[4:])
        if self._too_many(requestId):
            return
        self._run(requestId, self.client.openFile, filename, flags, attrs,
                  done=self._cbOpenFile, failure_text=b"open failed")

    def _cbOpenFile(self, fileObj: Any, requestId: bytes) -> None:
        handle = self._handle_for()
        self.openFiles[handle] = fileObj
        self.sendPacket(FXP_HANDLE, requestId + NS(handle))

    def packet_CLOSE(self, data: bytes) -> None:
        requestId = data[:4]
        handle = getNS(data[4:])[0]
        if handle in self.openFiles:
            self._run(requestId, self.openFiles.pop(handle).close)
        elif handle in self.openDirs:
            self._run(requestId, self.openDirs.pop(handle)[0].close)
        else:
            self._sendStatus(requestId, FX_NO_SUCH_FILE, b"No such file or directory")

    def _file(self, requestId: bytes, handle: bytes) -> Any:
        found = self.openFiles.get(handle)
        if found is None:
            self._sendStatus(requestId, FX_FAILURE, b"invalid handle")
        return found

    def packet_READ(self, data: bytes) -> None:
        requestId = data[:4]
        handle, rest = getNS(data[4:])
        offset, length = struct.unpack_from(">QL", rest)
        f = self._file(requestId, handle)
        if f is None:
            return
        self._run(requestId, f.readChunk, offset, min(length, _MAX_READ),
                  done=lambda chunk, rid: self.sendPacket(FXP_DATA, rid + NS(chunk)),
                  failure_text=b"read failed")

    def packet_WRITE(self, data: bytes) -> None:
        requestId = data[:4]
        handle, rest = getNS(data[4:])
        (offset,) = _u64.unpack_from(rest)
        chunk = getNS(rest[8:])[0]
        f = self._file(requestId, handle)
        if f is None:
            return
        self._run(requestId, f.writeChunk, offset, chunk, failure_text=b"write failed")

    def _send_attrs(self, attrs: dict[str, Any], requestId: bytes) -> None:
        self.sendPacket(FXP_ATTRS, requestId + self._packAttributes(attrs))

    def packet_LSTAT(self, data: bytes) -> None:
        self.packet_STAT(data, 0)

    def packet_STAT(self, data: bytes, followLinks: int = 1) -> None:
        requestId = data[:4]
        path = getNS(data[4:])[0]
        self._run(requestId, self.client.getAttrs, path, followLinks, done=self._send_attrs,
                  failure_text=b"stat failed")

    def packet_FSTAT(self, data: bytes) -> None:
        requestId = data[:4]
        f = self._file(requestId, getNS(data[4:])[0])
        if f is not None:
            self._run(requestId, f.getAttrs, done=self._send_attrs, failure_text=b"fstat failed")

    def packet_SETSTAT(self, data: bytes) -> None:
        requestId = data[:4]
        path, rest = getNS(data[4:])
        attrs, _ = self._parseAttributes(rest)
        self._run(requestId, self.client.setAttrs, path, attrs, failure_text=b"setstat failed")

    def packet_FSETSTAT(self, data: bytes) -> None:
        requestId = data[:4]
        handle, rest = getNS(data[4:])
        attrs, _ = self._parseAttributes(rest)
        f = self._file(requestId, handle)
        if f is not None:
            self._run(requestId, f.setAttrs, attrs, failure_text=b"fsetstat failed")

    def packet_OPENDIR(self, data: bytes) -> None:
        requestId = data[:4]
        path = getNS(data[4:])[0]
        if self._too_many(requestId):
            return
        self._run(requestId, self.client.openDirectory, path, done=self._cbOpenDirectory,
                  failure_text=b"opendir failed")

    def _cbOpenDirectory(self, dirObj: Any, requestId: bytes) -> None:
        handle = self._handle_for()
        self.openDirs[handle] = (dirObj, iter(dirObj))
        self.sendPacket(FXP_HANDLE, requestId + NS(handle))

    def packet_READDIR(self, data: bytes) -> None:
        requestId = data[:4]
        handle = getNS(data[4:])[0]
        found = self.openDirs.get(handle)
        if found is None:
            self._sendStatus(requestId, FX_FAILURE, b"invalid handle")
            return
        try:
            entries = list(islice(found[1], _DIR_BATCH))
        except Exception:
            self._ebStatus(Failure(), requestId, b"readdir failed")
            return
        if not entries:
            self._sendStatus(requestId, FX_EOF, b"End of file")
            return
        body = [requestId, _u32.pack(len(entries))]
        for filename, longname, attrs in entries:
            body.append(NS(filename) + NS(longname) + self._packAttributes(attrs))
        self.sendPacket(FXP_NAME, b"".join(body))

    def packet_REMOVE(self, data: bytes) -> None:
        requestId = data[:4]
        self._run(requestId, self.client.removeFile, getNS(data[4:])[0],
                  failure_text=b"remove failed")

    def packet_RENAME(self, data: bytes) -> None:
        requestId = data[:4]
        oldPath, newPath, _ = getNS(data[4:], 2)
        self._run(requestId, self.client.renameFile, oldPath, newPath,
                  failure_text=b"rename failed")

    def packet_MKDIR(self, data: bytes) -> None:
        requestId = data[:4]
        path, rest = getNS(data[4:])
        attrs, _ = self._parseAttributes(rest)
        self._run(requestId, self.client.makeDirectory, path, attrs, failure_text=b"mkdir failed")

    def packet_RMDIR(self, data: bytes) -> None:
        requestId = data[:4]
        self._run(requestId, self.client.removeDirectory, getNS(data[4:])[0],
                  failure_text=b"rmdir failed")

    def _send_name(self, name: bytes | str, requestId: bytes) -> None:
        raw = name.encode("utf-8") if isinstance(name, str) else name
        self.sendPacket(FXP_NAME, requestId + _u32.pack(1) + NS(raw) + NS(b"")
                        + self._packAttributes({}))

    def packet_REALPATH(self, data: bytes) -> None:
        requestId = data[:4]
        self._run(requestId, self.client.realPath, getNS(data[4:])[0], done=self._send_name,
                  failure_text=b"realpath failed")

    def packet_READLINK(self, data: bytes) -> None:
        requestId = data[:4]
        self._run(requestId, self.client.readLink, getNS(data[4:])[0], done=self._send_name,
                  failure_text=b"readlink failed")

    def packet_SYMLINK(self, data: bytes) -> None:
        requestId = data[:4]
        linkPath, targetPath, _ = getNS(data[4:], 2)
        self._run(requestId, self.client.makeLink, linkPath, targetPath,
                  failure_text=b"symlink failed")

    def packet_EXTENDED(self, data: bytes) -> None:
        requestId = data[:4]
        request, rest = getNS(data[4:])
        self._run(requestId, self.client.extendedRequest, request, rest,
                  done=lambda reply, rid: self.sendPacket(FXP_EXTENDED_REPLY, rid + reply),
                  failure_text=b"extended request failed")

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Close every file and directory left open."""
        files, self.openFiles = self.openFiles, {}
        dirs, self.openDirs = self.openDirs, {}
        for f in files.values():
            try:
                f.close()
            except Exception:
                _log.exception("closing an SFTP file")
        for d, _ in dirs.values():
            try:
                d.close()
            except Exception:
                _log.exception("closing an SFTP directory")


class FileTransferClient(FileTransferBase):
    """The SFTP client: each request returns a Deferred of its answer."""

    def __init__(self, extData: dict[bytes, bytes] | None = None) -> None:
        FileTransferBase.__init__(self)
        self.extData: dict[bytes, bytes] = dict(extData or {})
        self.counter = 0
        self.openRequests: dict[int, Deferred[Any]] = {}
        self._handle_kind: dict[int, bool] = {}

    def connectionMade(self) -> None:
        """Send INIT with our version and extensions."""
        body = _u32.pack(max(self.versions)) + b"".join(
            NS(k) + NS(v) for k, v in self.extData.items())
        self.sendPacket(FXP_INIT, body)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Fail every unanswered request with ``ConnectionLost``, as every later one will be
        (however the connection ended)."""
        self.connected = False
        pending, self.openRequests = self.openRequests, {}
        for d in pending.values():
            d.errback(error.ConnectionLost())

    def _sendRequest(self, msg: int, data: bytes) -> Deferred[Any]:
        if not self.connected:
            return defer.fail(error.ConnectionLost())
        number = self.counter
        self.counter = (self.counter + 1) & 0xFFFFFFFF
        d: Deferred[Any] = Deferred()
        self.openRequests[number] = d
        self.sendPacket(msg, _u32.pack(number) + data)
        return d

    def _answer(self, data: bytes) -> tuple[Deferred[Any], bytes]:
        (number,) = _u32.unpack_from(data)
        d = self.openRequests.pop(number, None)
        if d is None:
            raise ValueError(f"answer to unknown request {number}")
        return d, data[4:]

    def gotServerVersion(self, serverVersion: int, extData: dict[bytes, bytes]) -> None:
        """The server's version and extensions arrived."""

    def packet_VERSION(self, data: bytes) -> None:
        (version,) = _u32.unpack_from(data)
        self.version = version
        rest = data[4:]
        ext: dict[bytes, bytes] = {}
        while rest and len(ext) < 64:
            name, value, rest = getNS(rest, 2)
            ext[name] = value
        self.gotServerVersion(version, ext)

    def packet_STATUS(self, data: bytes) -> None:
        d, rest = self._answer(data)
        (code,) = _u32.unpack_from(rest)
        rest = rest[4:]
        msg, lang = b"", b""
        if rest:
            msg, rest = getNS(rest)
            if rest:
                lang = getNS(rest)[0]
        if code == FX_OK:
            d.callback((msg, lang))
            return
        failure_class = _STATUS_EXCEPTIONS.get(code)
        if failure_class is not None:
            d.errback(failure_class(msg))
        else:
            d.errback(SFTPError(code, msg.decode("utf-8", "replace"), lang))

    def packet_HANDLE(self, data: bytes) -> None:
        (number,) = _u32.unpack_from(data)
        is_file = self._handle_kind.pop(number, True)
        d, rest = self._answer(data)
        handle = getNS(rest)[0]
        d.callback(ClientFile(self, handle) if is_file else ClientDirectory(self, handle))

    def packet_DATA(self, data: bytes) -> None:
        d, rest = self._answer(data)
        d.callback(getNS(rest)[0])

    def packet_NAME(self, data: bytes) -> None:
        d, rest = self._answer(data)
        (count,) = _u32.unpack_from(rest)
        rest = rest[4:]
        files = []
        for _ in range(count):
            filename, longname, rest = getNS(rest, 2)
            attrs, rest = self._parseAttributes(rest)
            files.append((filename, longname, attrs))
        d.callback(files)

    def packet_ATTRS(self, data: bytes) -> None:
        d, rest = self._answer(data)
        d.callback(self._parseAttributes(rest)[0])

    def packet_EXTENDED_REPLY(self, data: bytes) -> None:
        d, rest = self._answer(data)
        d.callback(rest)

    # ---------------------------------------------------------------- requests

    def openFile(self, filename: bytes, flags: int, attrs: dict[str, Any]) -> Deferred[ClientFile]:
        """A Deferred of a ``ClientFile`` for ``filename`` opened with ``FXF_*`` flags."""
        self._handle_kind[self.counter] = True
        return self._sendRequest(FXP_OPEN, NS(filename) + _u32.pack(flags)
                                 + self._packAttributes(attrs))

    def openDirectory(self, path: bytes) -> Deferred[ClientDirectory]:
        """A Deferred of a ``ClientDirectory`` listing ``path``."""
        self._handle_kind[self.counter] = False
        return self._sendRequest(FXP_OPENDIR, NS(path))

    def removeFile(self, filename: bytes) -> Deferred[Any]:
        """Remove a file."""
        return self._sendRequest(FXP_REMOVE, NS(filename))

    def renameFile(self, oldpath: bytes, newpath: bytes) -> Deferred[Any]:
        """Rename a file."""
        return self._sendRequest(FXP_RENAME, NS(oldpath) + NS(newpath))

    def makeDirectory(self, path: bytes, attrs: dict[str, Any]) -> Deferred[Any]:
        """Make a directory."""
        return self._sendRequest(FXP_MKDIR, NS(path) + self._packAttributes(attrs))

    def removeDirectory(self, path: bytes) -> Deferred[Any]:
        """Remove a directory."""
        return self._sendRequest(FXP_RMDIR, NS(path))

    def getAttrs(self, path: bytes, followLinks: int = 0) -> Deferred[dict[str, Any]]:
        """The attrs of ``path`` (STAT if ``followLinks``, else LSTAT)."""
        return self._sendRequest(FXP_STAT if followLinks else FXP_LSTAT, NS(path))

    def setAttrs(self, path: bytes, attrs: dict[str, Any]) -> Deferred[Any]:
        """Change the attrs of ``path``."""
        return self._sendRequest(FXP_SETSTAT, NS(path) + self._packAttributes(attrs))

    def _first_name(self, files: list[tuple[bytes, bytes, dict[str, Any]]]) -> str:
        return files[0][0].decode("utf-8", "replace")

    def readLink(self, path: bytes) -> Deferred[str]:
        """The target of the link ``path``."""
        return self._sendRequest(FXP_READLINK, NS(path)).addCallback(self._first_name)

    def makeLink(self, linkPath: bytes, targetPath: bytes) -> Deferred[Any]:
        """Make a symbolic link at ``linkPath`` to ``targetPath``."""
        return self._sendRequest(FXP_SYMLINK, NS(linkPath) + NS(targetPath))

    def realPath(self, path: bytes) -> Deferred[str]:
        """The canonical absolute form of ``path``."""
        return self._sendRequest(FXP_REALPATH, NS(path)).addCallback(self._first_name)

    def extendedRequest(self, request: bytes, data: bytes) -> Deferred[bytes]:
        """An extended request; a Deferred of the reply's bytes."""
        return self._sendRequest(FXP_EXTENDED, NS(request) + data)


@implementer(ISFTPFile)
class ClientFile:
    """A file open on the server (an ``ISFTPFile``)."""

    def __init__(self, parent: FileTransferClient, handle: bytes) -> None:
        self.parent = parent
        self.handle = NS(handle)

    def close(self) -> Deferred[Any]:
        return self.parent._sendRequest(FXP_CLOSE, self.handle)

    def readChunk(self, offset: int, length: int) -> Deferred[bytes]:
        return self.parent._sendRequest(FXP_READ, self.handle + struct.pack(">QL", offset, length))

    def writeChunk(self, offset: int, chunk: bytes) -> Deferred[Any]:
        return self.parent._sendRequest(FXP_WRITE, self.handle + _u64.pack(offset) + NS(chunk))

    def getAttrs(self) -> Deferred[dict[str, Any]]:
        return self.parent._sendRequest(FXP_FSTAT, self.handle)

    def setAttrs(self, attrs: dict[str, Any]) -> Deferred[Any]:
        return self.parent._sendRequest(FXP_FSETSTAT,
                                        self.handle + self.parent._packAttributes(attrs))


class ClientDirectory:
    """A directory open on the server: ``read()`` gives batches of
    ``(filename, longname, attrs)``; iterating gives entries one by one (a Deferred when
    the next batch must be fetched; ``StopIteration`` at the end)."""

    def __init__(self, parent: FileTransferClient, handle: bytes) -> None:
        self.parent = parent
        self.handle = NS(handle)
        self.filesCache: list[tuple[bytes, bytes, dict[str, Any]]] = []

    def read(self) -> Deferred[list[tuple[bytes, bytes, dict[str, Any]]]]:
        """The next batch of entries; fails with ``EOFError`` at the end."""
        return self.parent._sendRequest(FXP_READDIR, self.handle)

    def close(self) -> Deferred[Any]:
        return self.parent._sendRequest(FXP_CLOSE, self.handle)

    def __iter__(self) -> ClientDirectory:
        return self

    def next(self) -> Any:
        """The next entry, or a Deferred of it; ``StopIteration`` at the end.

        Deprecated, as in Twisted (since 18.9.0): use ``read()``.
        """
        warnings.warn(
            f"Using {__name__}.ClientDirectory as an iterator was deprecated in Twisted "
            "18.9.0.",
            DeprecationWarning,
            stacklevel=2,
        )
        if self.filesCache:
            return self.filesCache.pop(0)
        if getattr(self, "_done", False):
            raise StopIteration()
        d = self.read()

        def batch(files: list[Any]) -> Any:
            self.filesCache = list(files[1:])
            return files[0]

        def finished(reason: Failure) -> Failure:
            reason.trap(EOFError)
            self._done = True
            return Failure(StopIteration())

        return d.addCallbacks(batch, finished)

    __next__ = next
