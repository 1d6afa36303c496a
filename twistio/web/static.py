"""Static resources: files and directories from the filesystem (``File``) and bytes in memory (``Data``).

Differences from ``twisted.web.static``, each for safety or speed:

- No request ever reaches a path outside the directory the top ``File`` was made with: a
  segment that is ``..``, holds a path separator or NUL, or is not UTF-8 is a 404, and so is
  a child that resolves (through symlinks) outside that directory, unless the ``File``'s
  ``allowOutsideSymlinks`` attribute (a twistio addition, default ``False``) is true.
  Twisted follows such symlinks. Listings leave out the names such a request would refuse.
- A suffix range longer than the file (``bytes=-5000`` of 100 bytes) is the whole file (206),
  and several ranges none of which overlaps the file are a 416: Twisted fails with an
  exception in both cases.
- A whole file, or a single range of one, of at least ``sendfileThreshold`` bytes is sent
  with the event loop's zero-copy ``loop.sendfile`` when the connection is a plain TCP
  socket and the response is not re-encoded (gzip); otherwise, and on loops without native
  sendfile (uvloop), the producers stream it in ``bufferSize`` pieces, as Twisted does.
- ``File`` is not a ``FilePath`` (twistio has none); it offers the ``FilePath`` methods the
  web code uses: ``path``, ``exists``, ``isdir``, ``basename``, ``child``, ``getsize``,
  ``getModificationTime``, ``restat``, ``open``, ``listdir``.
"""

from __future__ import annotations

import asyncio
import errno
import html
import itertools
import mimetypes
import os
import stat as _stat
import time
import warnings
from collections.abc import Callable, Sequence
from typing import IO, Any
from urllib.parse import quote, unquote

from twistio.logger import Logger
from twistio.web import http, resource, server
from twistio.web.util import redirectTo

__all__ = [
    "ASISProcessor",
    "Data",
    "DirectoryLister",
    "File",
    "MultipleRangeStaticProducer",
    "NoRangeStaticProducer",
    "Redirect",
    "Registry",
    "SingleRangeStaticProducer",
    "StaticProducer",
    "formatFileSize",
    "getTypeAndEncoding",
    "isDangerous",
    "loadMimeTypes",
]

_log = Logger()

dangerousPathError = resource.NoResource("Invalid request URL.")


def isDangerous(path: bytes) -> bool:
    """Whether a path segment could step out of its directory."""
    return path == b".." or b"/" in path or os.sep.encode() in path


class Data(resource.Resource):
    """Bytes in memory, served with a fixed content type."""

    def __init__(self, data: bytes, type: str) -> None:
        super().__init__()
        self.data = data
        self.type = type

    def render_GET(self, request: Any) -> bytes:
        """The data, with its ``Content-Type`` and ``Content-Length``; nothing for HEAD."""
        request.setHeader(b"content-type", self.type.encode("ascii"))
        request.setHeader(b"content-length", b"%d" % (len(self.data),))
        if request.method == b"HEAD":
            return b""
        return self.data

    render_HEAD = render_GET


def _addSlash(request: Any) -> bytes:
    """The request's URI with a slash added to its path, query kept."""
    uri: bytes = request.uri
    path, sep, query = uri.partition(b"?")
    return path + b"/" + sep + query


class Redirect(resource.Resource):
    """Redirects to the request's URI with a slash added."""

    def __init__(self, request: Any) -> None:
        super().__init__()
        self.url = _addSlash(request)

    def render(self, request: Any) -> bytes:
        """The redirect page."""
        return redirectTo(self.url, request)


class Registry:
    """A cache of resources by path, handed to processors (Twisted's is ``Componentized``)."""

    def __init__(self) -> None:
        self._pathCache: dict[str, Any] = {}
        self._adapterCache: dict[Any, Any] = {}

    def cachePath(self, path: str, rsrc: Any) -> None:
        """Remember ``rsrc`` for ``path``."""
        self._pathCache[path] = rsrc

    def getCachedPath(self, path: str) -> Any:
        """The resource remembered for ``path``, or ``None``."""
        return self._pathCache.get(path)

    def setComponent(self, interfaceClass: Any, component: Any) -> None:
        """Store a component for an interface."""
        self._adapterCache[interfaceClass] = component

    def getComponent(self, interface: Any, default: Any = None) -> Any:
        """The component stored for an interface, or ``default``."""
        return self._adapterCache.get(interface, default)


_TWISTED_TYPES = {
    ".conf": "text/plain",
    ".diff": "text/plain",
    ".flac": "audio/x-flac",
    ".java": "text/plain",
    ".oz": "text/x-oz",
    ".swf": "application/x-shockwave-flash",
    ".wml": "text/vnd.wap.wml",
    ".xul": "application/vnd.mozilla.xul+xml",
    ".patch": "text/plain",
}


def loadMimeTypes(
    mimetype_locations: Sequence[str] | None = None,
    init: Callable[[Sequence[str] | None], None] = mimetypes.init,
) -> dict[str, str]:
    """Extension (with its dot) to MIME type: the ``mimetypes`` table plus Twisted's additions.

    As in Twisted, this initialises (and so updates) the global ``mimetypes`` table.
    """
    init(mimetype_locations)
    mimetypes.types_map.update(_TWISTED_TYPES)
    return mimetypes.types_map


def getTypeAndEncoding(
    filename: str, types: dict[str, str], encodings: dict[str, str], defaultType: str
) -> tuple[str, str | None]:
    """``(type, encoding)`` for a file name: ``foo.tar.gz`` is a tar file in gzip encoding."""
    p, ext = os.path.splitext(filename)
    ext = ext.lower()
    enc: str | None = None
    if ext in encodings:
        enc = encodings[ext]
        ext = os.path.splitext(p)[1].lower()
    return types.get(ext, defaultType), enc


def formatFileSize(size: int) -> str:
    """A size for humans: ``512B``, ``3K``, ``12M``, ``2G``."""
    if size < 1024:
        return f"{int(size)}B"
    if size < 1024**2:
        return f"{int(size / 1024)}K"
    if size < 1024**3:
        return f"{int(size / 1024**2)}M"
    return f"{int(size / 1024**3)}G"


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class File(resource.Resource):
    """A file, or a directory whose files and subdirectories are its children.

    ``File('/srv/www')`` serves ``/srv/www/a/b.html`` for ``.../a/b.html``, a listing
    (``DirectoryLister``) for a directory without an index file, and redirects a directory
    requested without its trailing slash.
    """

    contentTypes: dict[str, str] = loadMimeTypes()
    contentEncodings: dict[str, str] = {".gz": "gzip", ".bz2": "bzip2"}
    processors: dict[str, Callable[[str, Any], Any]] = {}
    indexNames: list[str] = ["index", "index.html", "index.htm", "index.rpy"]
    ignoredExts: list[str]
    type: str | None = None
    encoding: str | None = None
    childNotFound: Any = resource.NoResource("File not found.")
    forbidden: Any = resource.ForbiddenResource()
    #: twistio: serve children that resolve outside the top directory (Twisted always does).
    allowOutsideSymlinks: bool = False
    #: twistio: bodies at least this long go through ``loop.sendfile`` when possible.
    sendfileThreshold: int = 64 * 1024

    def __init__(
        self,
        path: str | bytes,
        defaultType: str = "text/html",
        ignoredExts: Sequence[str] = (),
        registry: Registry | None = None,
        allowExt: int = 0,
    ) -> None:
        super().__init__()
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        self.path: str = os.path.abspath(path)
        self.defaultType = defaultType
        legacy: object = ignoredExts
        if legacy in (0, 1) or allowExt:
            warnings.warn("ignoredExts should receive a list, not a boolean", stacklevel=2)
            self.ignoredExts = ["*"] if (ignoredExts or allowExt) else []
        else:
            self.ignoredExts = list(ignoredExts)
        self.registry = registry or Registry()
        self._root: str | None = None
        self._statinfo: os.stat_result | None = None
        self.restat(reraise=False)

    # -- the FilePath part ------------------------------------------------------------------

    def restat(self, reraise: bool = True) -> None:
        """Read the file's status again (``exists`` is false if it has gone)."""
        try:
            self._statinfo = os.stat(self.path)
        except (OSError, ValueError):
            self._statinfo = None
            if reraise:
                raise

    def exists(self) -> bool:
        """Whether the path exists (as of the last ``restat``)."""
        return self._statinfo is not None

    def isdir(self) -> bool:
        """Whether the path is a directory."""
        return self._statinfo is not None and _stat.S_ISDIR(self._statinfo.st_mode)

    def isfile(self) -> bool:
        """Whether the path is a regular file."""
        return self._statinfo is not None and _stat.S_ISREG(self._statinfo.st_mode)

    def basename(self) -> str:
        """The last component of the path."""
        return os.path.basename(self.path)

    def getsize(self) -> int:
        """The size in bytes."""
        if self._statinfo is None:
            self.restat()
        assert self._statinfo is not None
        return self._statinfo.st_size

    def getModificationTime(self) -> float:
        """The modification time, seconds since the epoch."""
        if self._statinfo is None:
            self.restat()
        assert self._statinfo is not None
        return self._statinfo.st_mtime

    def open(self, mode: str = "r") -> IO[bytes]:
        """Open the file for reading, in binary mode."""
        return open(self.path, "rb")

    def listdir(self) -> list[str]:
        """The names in the directory."""
        return os.listdir(self.path)

    def child(self, path: str) -> File:
        """A ``File`` for a child; ``ValueError`` for a name that could leave this directory."""
        return self.createSimilarFile(self._childPath(path))

    def _childPath(self, path: str) -> str:
        if not path or path in (".", "..") or "\0" in path or os.sep in path:
            raise ValueError(f"insecure path segment {path!r}")
        if os.altsep and os.altsep in path:
            raise ValueError(f"insecure path segment {path!r}")
        return os.path.join(self.path, path)

    def _rootReal(self) -> str:
        if self._root is None:
            self._root = os.path.realpath(self.path)
        return self._root

    def _allowed(self, path: str) -> bool:
        if self.allowOutsideSymlinks:
            return True
        return _is_within(os.path.realpath(path), self._rootReal())

    # -- children ---------------------------------------------------------------------------

    def ignoreExt(self, ext: str) -> None:
        """Also find ``foo.ext`` when ``foo`` is asked for."""
        self.ignoredExts.append(ext)

    def directoryListing(self) -> DirectoryLister:
        """The listing resource for this directory."""
        return DirectoryLister(
            self.path, self.listNames(), self.contentTypes, self.contentEncodings, self.defaultType
        )

    def _siblingExtensionSearch(self, path: str) -> str | None:
        exts = self.ignoredExts
        if not exts:
            return None
        if "*" in exts:
            directory, base = os.path.split(path)
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                return None
            for name in names:
                if name.startswith(base + "."):
                    return os.path.join(directory, name)
            return None
        for ext in exts:
            candidate = path + ext
            if os.path.exists(candidate):
                return candidate
        return None

    def getChild(self, path: bytes, request: Any) -> Any:
        """The file ``path`` in this directory, the index or listing for ``b""``, else a 404."""
        try:
            name = path.decode("utf-8") if isinstance(path, bytes) else path
        except UnicodeDecodeError:
            return self.childNotFound
        self.restat(reraise=False)
        if not self.isdir():
            return self.childNotFound
        if name:
            try:
                fpath: str | None = self._childPath(name)
            except ValueError:
                return self.childNotFound
        else:
            fpath = None
            for index in self.indexNames:
                candidate = os.path.join(self.path, index)
                if os.path.exists(candidate):
                    fpath = candidate
                    break
            if fpath is None:
                return self.directoryListing()
        assert fpath is not None
        if not os.path.exists(fpath):
            fpath = self._siblingExtensionSearch(fpath)
            if fpath is None:
                return self.childNotFound
        if not self._allowed(fpath):
            return self.childNotFound
        processor = self.processors.get(os.path.splitext(fpath)[1])
        if processor:
            return processor(fpath, self.registry)
        return self.createSimilarFile(fpath)

    def listNames(self) -> list[str]:  # type: ignore[override]
        """The sorted names in this directory (empty for a file)."""
        if not self.isdir():
            return []
        try:
            names = self.listdir()
        except OSError:
            return []
        names.sort()
        if self.allowOutsideSymlinks:
            return names
        return [n for n in names if self._allowed(os.path.join(self.path, n))]

    def listEntities(self) -> list[File]:  # type: ignore[override]
        """A ``File`` for each name in this directory."""
        return [self.createSimilarFile(os.path.join(self.path, n)) for n in self.listNames()]

    def createSimilarFile(self, path: str) -> File:
        """A ``File`` for ``path`` with this one's settings (and root)."""
        f = self.__class__(path, self.defaultType, self.ignoredExts, self.registry)
        f.processors = self.processors
        f.indexNames = self.indexNames[:]
        f.childNotFound = self.childNotFound
        f.allowOutsideSymlinks = self.allowOutsideSymlinks
        f.sendfileThreshold = self.sendfileThreshold
        f._root = self._rootReal()
        return f

    # -- rendering --------------------------------------------------------------------------

    def openForReading(self) -> IO[bytes]:
        """Open the file (subclasses may decrypt or otherwise transform)."""
        return self.open()

    def getFileSize(self) -> int:
        """The size of the body served for the whole file."""
        return self.getsize()

    def _parseRangeHeader(self, range: bytes) -> list[tuple[int | None, int | None]]:
        """``(start, end)`` pairs of a ``Range`` header; ``ValueError`` if malformed."""
        kind, sep, value = range.partition(b"=")
        if not sep:
            raise ValueError("Missing '=' separator")
        if kind.strip() != b"bytes":
            raise ValueError(f"Unsupported Bytes-Unit: {kind.strip()!r}")
        parsed: list[tuple[int | None, int | None]] = []
        for spec in filter(None, (s.strip() for s in value.split(b","))):
            first, dash, last = spec.partition(b"-")
            if not dash:
                raise ValueError(f"Invalid Byte-Range: {spec!r}")
            try:
                start = int(first) if first else None
                end = int(last) if last else None
            except ValueError:
                raise ValueError(f"Invalid Byte-Range: {spec!r}") from None
            if (start is not None and start < 0) or (end is not None and end < 0):
                raise ValueError(f"Invalid Byte-Range: {spec!r}")
            if start is None and end is None:
                raise ValueError(f"Invalid Byte-Range: {spec!r}")
            if start is not None and end is not None and start > end:
                raise ValueError(f"Invalid Byte-Range: {spec!r}")
            parsed.append((start, end))
        if not parsed:
            raise ValueError("No ranges")
        return parsed

    def _rangeToOffsetAndSize(self, start: int | None, end: int | None) -> tuple[int, int]:
        """``(offset, size)`` of a range clipped to the file; ``(0, 0)`` when it misses it."""
        size = self.getFileSize()
        if start is None:
            assert end is not None
            start = max(size - end, 0)
            end = size
        elif end is None or end >= size:
            end = size
        else:
            end += 1
        if start >= size:
            return 0, 0
        return start, end - start

    def _contentRange(self, offset: int, size: int) -> bytes:
        return b"bytes %d-%d/%d" % (offset, offset + size - 1, self.getFileSize())

    def _doSingleRangeRequest(
        self, request: Any, startAndEnd: tuple[int | None, int | None]
    ) -> tuple[int, int]:
        offset, size = self._rangeToOffsetAndSize(*startAndEnd)
        if offset == size == 0:
            request.setResponseCode(http.REQUESTED_RANGE_NOT_SATISFIABLE)
            request.setHeader(b"content-range", b"bytes */%d" % (self.getFileSize(),))
        else:
            request.setResponseCode(http.PARTIAL_CONTENT)
            request.setHeader(b"content-range", self._contentRange(offset, size))
        return offset, size

    def _doMultipleRangeRequest(
        self, request: Any, byteRanges: list[tuple[int | None, int | None]]
    ) -> list[tuple[bytes, int, int]]:
        boundary = b"%x%x" % (int(time.time() * 1000000), os.getpid())
        contentType = self.type.encode("ascii") if self.type else b"bytes"
        rangeInfo: list[tuple[bytes, int, int]] = []
        length = 0
        for start, end in byteRanges:
            offset, size = self._rangeToOffsetAndSize(start, end)
            if offset == size == 0:
                continue
            separator = b"\r\n--%s\r\nContent-type: %s\r\nContent-range: %s\r\n\r\n" % (
                boundary,
                contentType,
                self._contentRange(offset, size),
            )
            length += size + len(separator)
            rangeInfo.append((separator, offset, size))
        if not rangeInfo:
            request.setResponseCode(http.REQUESTED_RANGE_NOT_SATISFIABLE)
            request.setHeader(b"content-length", b"0")
            request.setHeader(b"content-range", b"bytes */%d" % (self.getFileSize(),))
            return []
        final = b"\r\n--" + boundary + b"--\r\n"
        rangeInfo.append((final, 0, 0))
        request.setResponseCode(http.PARTIAL_CONTENT)
        request.setHeader(b"content-type", b'multipart/byteranges; boundary="%s"' % (boundary,))
        request.setHeader(b"content-length", b"%d" % (length + len(final),))
        return rangeInfo

    def _setContentHeaders(self, request: Any, size: int | None = None) -> None:
        if size is None:
            size = self.getFileSize()
        request.setHeader(b"content-length", b"%d" % (size,))
        if self.type:
            request.setHeader(b"content-type", self.type.encode("ascii"))
        if self.encoding:
            request.setHeader(b"content-encoding", self.encoding.encode("ascii"))

    def makeProducer(self, request: Any, fileForReading: IO[bytes]) -> StaticProducer:
        """Set the status and content headers and return the producer of the body."""
        byteRange = request.getHeader(b"range")
        if byteRange is not None:
            try:
                parsed = self._parseRangeHeader(byteRange)
            except ValueError:
                _log.info("Ignoring malformed Range header {range!r}", range=byteRange)
            else:
                if len(parsed) == 1:
                    offset, size = self._doSingleRangeRequest(request, parsed[0])
                    self._setContentHeaders(request, size)
                    return SingleRangeStaticProducer(request, fileForReading, offset, size)
                rangeInfo = self._doMultipleRangeRequest(request, parsed)
                return MultipleRangeStaticProducer(request, fileForReading, rangeInfo)
        self._setContentHeaders(request)
        request.setResponseCode(http.OK)
        return NoRangeStaticProducer(request, fileForReading)

    def render_GET(self, request: Any) -> bytes | int:
        """Send the file (or the ranges asked for); redirect a directory to add its slash."""
        self.restat(False)
        if self.type is None:
            self.type, self.encoding = getTypeAndEncoding(
                self.basename(), self.contentTypes, self.contentEncodings, self.defaultType
            )
        if not self.exists():
            result: bytes = self.childNotFound.render(request)
            return result
        if self.isdir():
            return self.redirect(request)
        request.setHeader(b"accept-ranges", b"bytes")
        try:
            fileForReading = self.openForReading()
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EPERM):
                forbidden: bytes = self.forbidden.render(request)
                return forbidden
            if e.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                notFound: bytes = self.childNotFound.render(request)
                return notFound
            raise
        if request.setLastModified(self.getModificationTime()) is http.CACHED:
            fileForReading.close()
            return b""
        if request.method == b"HEAD":
            self._setContentHeaders(request)
            fileForReading.close()
            return b""
        producer = self.makeProducer(request, fileForReading)
        producer._sendfileThreshold = self.sendfileThreshold
        producer.start()
        done: int = server.NOT_DONE_YET
        return done

    render_HEAD = render_GET

    def redirect(self, request: Any) -> bytes:
        """Redirect to this directory's URL with a trailing slash."""
        return redirectTo(_addSlash(request), request)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path!r}>"


# -- producers ----------------------------------------------------------------------------------


def _asyncio_transport(request: Any) -> asyncio.Transport | None:
    """The plain-TCP asyncio transport under a real request, if a sendfile may use it."""
    if getattr(request, "_encoder", None) is not None:
        return None
    channel = getattr(request, "channel", None)
    adapter = getattr(channel, "transport", None)
    transport = getattr(adapter, "_transport", None)
    if not isinstance(transport, asyncio.Transport) or transport.is_closing():
        return None
    if transport.get_extra_info("sslcontext") is not None:
        return None
    if getattr(adapter, "_producer", None) is not None:
        return None
    return transport


class StaticProducer:
    """The body of a static response: a pull producer reading from an open file."""

    bufferSize: int = 2**16
    _sendfileThreshold: int | None = None

    def __init__(self, request: Any, fileObject: IO[bytes]) -> None:
        self.request: Any = request
        self.fileObject = fileObject

    def start(self) -> None:
        """Begin writing to the request."""
        raise NotImplementedError(self.start)

    def resumeProducing(self) -> None:
        """Write the next piece."""
        raise NotImplementedError(self.resumeProducing)

    def stopProducing(self) -> None:
        """Stop: close the file and forget the request (the consumer went away, or done)."""
        self.fileObject.close()
        self.request = None

    def _trySendfile(self, offset: int, count: int) -> bool:
        """Send ``count`` bytes at ``offset`` with ``loop.sendfile`` and finish; False if not possible."""
        threshold = self._sendfileThreshold
        if threshold is None or count < threshold:
            return False
        transport = _asyncio_transport(self.request)
        if transport is None:
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        request = self.request
        # Headers first, through the request, so the channel's bookkeeping stays right.
        request.write(b"")
        # The head is out: now the framing is known. Only a raw, length-delimited body may
        # bypass the request's write.
        if getattr(request, "_chunked", False) or getattr(request, "_bodyless", False):
            return False
        if getattr(request.channel.transport, "_producer", None) is not None:
            return False
        task = loop.create_task(self._sendfile(loop, transport, offset, count))
        request.notifyFinish().addErrback(lambda _: task.cancel())
        return True

    async def _sendfile(
        self, loop: asyncio.AbstractEventLoop, transport: asyncio.Transport, offset: int, count: int
    ) -> None:
        request = self.request
        sent = 0
        try:
            self.fileObject.seek(offset)
            try:
                sent = await loop.sendfile(
                    transport, self.fileObject, offset, count, fallback=False
                )
            except (NotImplementedError, asyncio.SendfileNotAvailableError):
                # asyncio leaves the file positioned after what it did send, if anything:
                # resume from there rather than sending any byte twice.
                sent = max(0, self.fileObject.tell() - offset)
            if hasattr(request, "sentLength"):
                request.sentLength += sent
            if sent < count and self.request is not None:
                # Native sendfile refused before sending: stream the rest with a producer.
                self.fileObject.seek(offset + sent)
                rest = SingleRangeStaticProducer(
                    request, self.fileObject, offset + sent, count - sent
                )
                rest.start()
                self.request = None
                return
        except asyncio.CancelledError:
            self.stopProducing()
            return
        except (ConnectionError, OSError):
            self.stopProducing()
            adapter = getattr(request.channel, "transport", None)
            if adapter is not None:
                adapter.abortConnection()
            return
        if self.request is not None:
            self.request.finish()
            self.stopProducing()


class NoRangeStaticProducer(StaticProducer):
    """Writes the whole file."""

    def start(self) -> None:
        """Register as a pull producer (or hand the file to ``loop.sendfile``)."""
        try:
            size = os.fstat(self.fileObject.fileno()).st_size
        except (OSError, AttributeError, ValueError):
            size = 0
        if self._trySendfile(0, size):
            return
        self.request.registerProducer(self, False)

    def resumeProducing(self) -> None:
        """Write the next buffer, or finish at the end of the file."""
        if not self.request:
            return
        data = self.fileObject.read(self.bufferSize)
        if data:
            self.request.write(data)
        else:
            self.request.unregisterProducer()
            self.request.finish()
            self.stopProducing()


class SingleRangeStaticProducer(StaticProducer):
    """Writes ``size`` bytes from ``offset``."""

    bytesWritten: int = 0

    def __init__(self, request: Any, fileObject: IO[bytes], offset: int, size: int) -> None:
        super().__init__(request, fileObject)
        self.offset = offset
        self.size = size

    def start(self) -> None:
        """Seek and register as a pull producer (or hand the range to ``loop.sendfile``)."""
        self.fileObject.seek(self.offset)
        self.bytesWritten = 0
        if self._trySendfile(self.offset, self.size):
            return
        self.request.registerProducer(self, False)

    def resumeProducing(self) -> None:
        """Write the next piece of the range; finish once it is all written."""
        if not self.request:
            return
        data = self.fileObject.read(min(self.bufferSize, self.size - self.bytesWritten))
        if data:
            self.bytesWritten += len(data)
            self.request.write(data)
        if self.request and (self.bytesWritten == self.size or not data):
            self.request.unregisterProducer()
            self.request.finish()
            self.stopProducing()


class MultipleRangeStaticProducer(StaticProducer):
    """Writes several ranges, each after its MIME part header (``multipart/byteranges``)."""

    def __init__(
        self, request: Any, fileObject: IO[bytes], rangeInfo: list[tuple[bytes, int, int]]
    ) -> None:
        super().__init__(request, fileObject)
        self.rangeInfo = rangeInfo

    def start(self) -> None:
        """Register as a pull producer (an unsatisfiable request just finishes)."""
        self.rangeIter = iter(self.rangeInfo)
        if not self.rangeInfo:
            self.request.finish()
            self.stopProducing()
            return
        self._nextRange()
        self.request.registerProducer(self, False)

    def _nextRange(self) -> None:
        boundary, offset, self._partSize = next(self.rangeIter)
        self.partBoundary: bytes | None = boundary
        self._partBytesWritten = 0
        self.fileObject.seek(offset)

    def resumeProducing(self) -> None:
        """Write up to ``bufferSize`` bytes of boundaries and parts."""
        if not self.request:
            return
        data: list[bytes] = []
        length = 0
        done = False
        while length < self.bufferSize:
            if self.partBoundary:
                data.append(self.partBoundary)
                length += len(self.partBoundary)
                self.partBoundary = None
            want = min(self.bufferSize - length, self._partSize - self._partBytesWritten)
            piece = self.fileObject.read(want) if want > 0 else b""
            self._partBytesWritten += len(piece)
            length += len(piece)
            data.append(piece)
            if self._partBytesWritten == self._partSize or (want > 0 and not piece):
                try:
                    self._nextRange()
                except StopIteration:
                    done = True
                    break
        self.request.write(b"".join(data))
        if done and self.request:
            self.request.unregisterProducer()
            self.request.finish()
            self.stopProducing()


class ASISProcessor(resource.Resource):
    """Serves a file that holds a whole HTTP response ("as is") (not supported: 500)."""

    def __init__(self, path: str, registry: Registry | None = None) -> None:
        super().__init__()
        self.path = path
        self.registry = registry or Registry()

    def render(self, request: Any) -> bytes:
        """Refuse: twistio does not parse as-is files."""
        page: bytes = resource.ErrorPage(
            http.INTERNAL_SERVER_ERROR, "Not supported", "as-is files are not supported"
        ).render(request)
        return page


class DirectoryLister(resource.Resource):
    """An HTML listing of a directory: every name escaped, every link percent-quoted."""

    template = """<html>
<head>
<title>%(header)s</title>
<style>
.even-dir { background-color: #efe0ef }
.even { background-color: #eee }
.odd-dir {background-color: #f0d0ef }
.odd { background-color: #dedede }
.icon { text-align: center }
.listing {
    margin-left: auto;
    margin-right: auto;
    width: 50%%;
    padding: 0.1em;
    }

body { border: 0; padding: 0; margin: 0; background-color: #efefef; }
h1 {padding: 0.1em; background-color: #777; color: white; border-bottom: thin white dashed;}

</style>
</head>

<body>
<h1>%(header)s</h1>

<table>
    <thead>
        <tr>
            <th>Filename</th>
            <th>Size</th>
            <th>Content type</th>
            <th>Content encoding</th>
        </tr>
    </thead>
    <tbody>
%(tableContent)s
    </tbody>
</table>

</body>
</html>
"""

    linePattern = """<tr class="%(class)s">
    <td><a href="%(href)s">%(text)s</a></td>
    <td>%(size)s</td>
    <td>%(type)s</td>
    <td>%(encoding)s</td>
</tr>
"""

    def __init__(
        self,
        pathname: str,
        dirs: list[str] | None = None,
        contentTypes: dict[str, str] = File.contentTypes,
        contentEncodings: dict[str, str] = File.contentEncodings,
        defaultType: str = "text/html",
    ) -> None:
        super().__init__()
        self.contentTypes = contentTypes
        self.contentEncodings = contentEncodings
        self.defaultType = defaultType
        self.dirs = dirs
        self.path = pathname

    def _getFilesAndDirectories(
        self, directory: Sequence[str | bytes]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        files: list[dict[str, str]] = []
        dirs: list[dict[str, str]] = []
        for entry in directory:
            name = entry.decode("utf-8", "replace") if isinstance(entry, bytes) else entry
            url = quote(name, "")
            text = html.escape(name, quote=True)
            child = os.path.join(self.path, name)
            if os.path.isdir(child):
                dirs.append(
                    {
                        "text": text + "/",
                        "href": url + "/",
                        "size": "",
                        "type": "[Directory]",
                        "encoding": "",
                    }
                )
                continue
            mimetype, encoding = getTypeAndEncoding(
                name, self.contentTypes, self.contentEncodings, self.defaultType
            )
            try:
                size = os.path.getsize(child)
            except OSError:
                continue
            files.append(
                {
                    "text": text,
                    "href": url,
                    "type": f"[{html.escape(mimetype)}]",
                    "encoding": f"[{html.escape(encoding)}]" if encoding else "",
                    "size": formatFileSize(size),
                }
            )
        return dirs, files

    def _buildTableContent(self, elements: list[dict[str, str]]) -> list[str]:
        rows = []
        for element, rowClass in zip(elements, itertools.cycle(["odd", "even"])):
            element["class"] = rowClass
            rows.append(self.linePattern % element)
        return rows

    def render(self, request: Any) -> bytes:
        """The listing page, UTF-8 HTML."""
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        if self.dirs is None:
            directory: Sequence[str | bytes] = sorted(os.listdir(self.path))
        else:
            directory = self.dirs
        dirs, files = self._getFilesAndDirectories(directory)
        table = "".join(self._buildTableContent(dirs + files))
        uri = (
            request.uri.decode("utf-8", "replace")
            if isinstance(request.uri, bytes)
            else request.uri
        )
        header = "Directory listing for " + html.escape(unquote(uri), quote=True)
        return (self.template % {"header": header, "tableContent": table}).encode("utf-8")

    def __repr__(self) -> str:
        return f"<DirectoryLister of {self.path!r}>"

    __str__ = __repr__
