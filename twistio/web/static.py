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
import collections
import errno
import html
import mimetypes
import os
import stat as _stat
import time
import warnings
from collections.abc import Callable, Sequence
from typing import IO, cast
from urllib.parse import quote, unquote

from twistio.internet.interfaces import IPullProducer, implementer
from twistio.logger import Logger
from twistio.python import _spelling
from twistio.python import log as _legacy_log
from twistio.python.components import Componentized
from twistio.python.filepath import FilePath, InsecurePath
from twistio.python.runtime import platformType as platformType
from twistio.web import http, resource, server
from twistio.web.iweb import IRequest
from twistio.web.resource import IResource
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
    "addSlash",
    "formatFileSize",
    "getTypeAndEncoding",
    "isDangerous",
    "loadMimeTypes",
]

_log = Logger()

dangerousPathError = resource.unwarned_no_resource("Invalid request URL.")


def isDangerous(path: bytes) -> bool:
    """Whether a path segment could step out of its directory."""
    return path == b".." or b"/" in path or os.sep.encode() in path


class Data(resource.Resource):
    """Bytes in memory, served with a fixed content type."""

    def __init__(self, data: bytes, type: str) -> None:
        super().__init__()
        self.data = data
        self.type = type

    def render_GET(self, request: IRequest) -> bytes:
        """The data, with its ``Content-Type`` and ``Content-Length``; nothing for HEAD."""
        body = self.data
        request.setHeader(b"content-type", self.type.encode("ascii"))
        request.setHeader(b"content-length", str(len(body)).encode("ascii"))
        return b"" if request.method == b"HEAD" else body

    render_HEAD = render_GET


def _addSlash(request: IRequest) -> bytes:
    """The request's URI with a slash added to its path, query kept."""
    uri: bytes = request.uri
    path, sep, query = uri.partition(b"?")
    path, hash_, fragment = path.partition(b"#")
    return path + b"/" + hash_ + fragment + sep + query


def addSlash(request: IRequest) -> bytes:
    """The request's URI with a slash added to its path (deprecated, as in Twisted)."""
    warnings.warn(
        f"{_spelling.spelled(__name__)}.addSlash was deprecated in Twisted 16.0.0",
        DeprecationWarning,
        stacklevel=2,
    )
    return _addSlash(request)


class Redirect(resource.Resource):
    """Redirects to the request's URI with a slash added."""

    def __init__(self, request: IRequest) -> None:
        super().__init__()
        self.url = _addSlash(request)

    def render(self, request: IRequest) -> bytes:
        """The redirect page."""
        return redirectTo(self.url, request)


class Registry(Componentized):
    """A cache of resources by path, handed to processors; its components are shared by
    the files of one tree (a ``Componentized``, as in Twisted)."""

    def __init__(self) -> None:
        Componentized.__init__(self)
        self._pathCache: dict[str, IResource] = {}

    def cachePath(self, path: str, rsrc: IResource) -> None:
        """Remember ``rsrc`` for ``path``."""
        self._pathCache[path] = rsrc

    def getCachedPath(self, path: str) -> IResource | None:
        """The resource remembered for ``path``, or ``None``."""
        return self._pathCache.get(path)


# Types Twisted adds to the ``mimetypes`` table, grouped by type.
_EXTRA_TYPES = {
    "text/plain": (".conf", ".diff", ".java", ".patch"),
    "text/x-oz": (".oz",),
    "text/vnd.wap.wml": (".wml",),
    "audio/x-flac": (".flac",),
    "application/x-shockwave-flash": (".swf",),
    "application/vnd.mozilla.xul+xml": (".xul",),
}


def loadMimeTypes(
    mimetype_locations: Sequence[str] | None = None,
    init: Callable[[Sequence[str] | None], None] = mimetypes.init,
) -> dict[str, str]:
    """Extension (with its dot) to MIME type: the ``mimetypes`` table plus Twisted's additions.

    As in Twisted, this initialises (and so updates) the global ``mimetypes`` table.
    """
    init(mimetype_locations)
    for kind, extensions in _EXTRA_TYPES.items():
        mimetypes.types_map.update(dict.fromkeys(extensions, kind))
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


class _InsecureSegment(InsecurePath, ValueError):
    """A child name that could leave its directory (``FilePath``'s error, and a ValueError)."""


def _decoded_segment(segment: bytes | str) -> str | None:
    """A URL path segment as text, or None (and the error logged) when it is not UTF-8."""
    if isinstance(segment, str):
        return segment
    try:
        return segment.decode("utf-8")
    except UnicodeDecodeError:
        _log.failure("Could not decode path segment as utf-8: {segment!r}", segment=segment)
        return None


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class File(resource.Resource, FilePath[str]):  # type: ignore[misc]  # Resource.children wins
    """A file, or a directory whose files and subdirectories are its children; also the
    ``FilePath`` of that file (as in Twisted), so ``walk``, ``setContent`` and the rest work.

    ``File('/srv/www')`` serves ``/srv/www/a/b.html`` for ``.../a/b.html``, a listing
    (``DirectoryLister``) for a directory without an index file, and redirects a directory
    requested without its trailing slash.
    """

    contentTypes: dict[str, str] = loadMimeTypes()
    contentEncodings: dict[str, str] = {".gz": "gzip", ".bz2": "bzip2"}
    processors: dict[str, Callable[[str, Registry], IResource]] = {}
    indexNames: list[str] = ["index", "index.html", "index.htm", "index.rpy"]
    ignoredExts: list[str]
    type: str | None = None
    encoding: str | None = None
    childNotFound: IResource = resource.unwarned_no_resource("File not found.")
    forbidden: IResource = resource.unwarned_forbidden_resource()
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
        resource.Resource.__init__(self)
        FilePath.__init__(self, os.fsdecode(path))
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

    def child(self, path: str) -> File:  # type: ignore[override]
        """A ``File`` for a child; ``ValueError`` for a name that could leave this directory."""
        return self.createSimilarFile(self._childPath(path))

    def clonePath(self, path: str | bytes, alwaysCreate: bool = False) -> File:  # type: ignore[override]
        """A ``File`` for ``path`` with this one's settings (``FilePath``'s way to make one)."""
        return self.createSimilarFile(os.fsdecode(path))

    def _childPath(self, path: str) -> str:
        bad = not path or path in (".", "..") or "\0" in path or os.sep in path
        if bad or (os.altsep and os.altsep in path):
            raise _InsecureSegment(f"insecure path segment {path!r}")
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

    def getChild(self, path: bytes, request: IRequest) -> IResource:
        """The file ``path`` in this directory, the index or listing for ``b""``, else a 404."""
        self.restat(reraise=False)
        name = _decoded_segment(path)
        if name is None or not self.isdir():
            return self.childNotFound
        target: str | None
        if name:
            try:
                target = self._childPath(name)
            except ValueError:
                return self.childNotFound
            if not os.path.exists(target):
                target = self._siblingExtensionSearch(target)
        else:
            indexes = (os.path.join(self.path, index) for index in self.indexNames)
            target = next((index for index in indexes if os.path.exists(index)), None)
            if target is None:
                return self.directoryListing()
        if target is None or not self._allowed(target):
            return self.childNotFound
        processor = self.processors.get(os.path.splitext(target)[1])
        return processor(target, self.registry) if processor else self.createSimilarFile(target)

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
        twin = type(self)(path, self.defaultType, self.ignoredExts, self.registry)
        for shared in ("processors", "childNotFound", "allowOutsideSymlinks", "sendfileThreshold"):
            setattr(twin, shared, getattr(self, shared))
        twin.indexNames = list(self.indexNames)  # a copy: the twin may change its own
        twin._root = self._rootReal()
        return twin

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

    def _unsatisfiable(self, request: IRequest, emptyBody: bool = False) -> None:
        """416, with the file's size in ``Content-Range`` as RFC 9110 asks."""
        request.setResponseCode(http.REQUESTED_RANGE_NOT_SATISFIABLE)
        if emptyBody:
            request.setHeader(b"content-length", b"0")
        request.setHeader(b"content-range", b"bytes */" + str(self.getFileSize()).encode("ascii"))

    def _doSingleRangeRequest(
        self, request: IRequest, startAndEnd: tuple[int | None, int | None]
    ) -> tuple[int, int]:
        offset, size = self._rangeToOffsetAndSize(*startAndEnd)
        if not size:  # the range misses the file: (0, 0)
            self._unsatisfiable(request)
            return offset, size
        request.setResponseCode(http.PARTIAL_CONTENT)
        request.setHeader(b"content-range", self._contentRange(offset, size))
        return offset, size

    def _doMultipleRangeRequest(
        self, request: IRequest, byteRanges: list[tuple[int | None, int | None]]
    ) -> list[tuple[bytes, int, int]]:
        """The parts of a ``multipart/byteranges`` body as ``(part head, offset, size)``, the
        closing delimiter last (its size 0); ranges that miss the file are dropped."""
        boundary = b"%x%x" % (int(time.time() * 1000000), os.getpid())
        partType = self.type.encode("ascii") if self.type else b"bytes"

        def head(offset: int, size: int) -> bytes:
            return b"".join((b"\r\n--", boundary, b"\r\nContent-type: ", partType,
                             b"\r\nContent-range: ", self._contentRange(offset, size), b"\r\n\r\n"))

        clipped = (self._rangeToOffsetAndSize(start, end) for start, end in byteRanges)
        parts = [(head(offset, size), offset, size) for offset, size in clipped if size]
        if not parts:
            self._unsatisfiable(request, emptyBody=True)
            return []
        parts.append((b"\r\n--" + boundary + b"--\r\n", 0, 0))
        total = sum(len(partHead) + size for partHead, _, size in parts)
        request.setResponseCode(http.PARTIAL_CONTENT)
        request.setHeader(b"content-type", b'multipart/byteranges; boundary="%s"' % (boundary,))
        request.setHeader(b"content-length", str(total).encode("ascii"))
        return parts

    def _setContentHeaders(self, request: IRequest, size: int | None = None) -> None:
        length = self.getFileSize() if size is None else size
        request.setHeader(b"content-length", str(length).encode("ascii"))
        for header, value in ((b"content-type", self.type), (b"content-encoding", self.encoding)):
            if value:
                request.setHeader(header, value.encode("ascii"))

    def makeProducer(self, request: IRequest, fileForReading: IO[bytes]) -> StaticProducer:
        """Set the status and content headers and return the producer of the body."""
        # The producers write through what only http.Request offers (producers, sendfile).
        served = cast(http.Request, request)
        byteRange = request.getHeader(b"range")
        if byteRange is not None:
            try:
                parsed = self._parseRangeHeader(byteRange)
            except ValueError:
                # A legacy log message, as Twisted's: its observers read "message".
                _legacy_log.msg(f"Ignoring malformed Range header {byteRange.decode('latin-1')!r}")
            else:
                if len(parsed) == 1:
                    offset, size = self._doSingleRangeRequest(request, parsed[0])
                    self._setContentHeaders(request, size)
                    return SingleRangeStaticProducer(served, fileForReading, offset, size)
                rangeInfo = self._doMultipleRangeRequest(request, parsed)
                return MultipleRangeStaticProducer(served, fileForReading, rangeInfo)
        self._setContentHeaders(request)
        request.setResponseCode(http.OK)
        return NoRangeStaticProducer(served, fileForReading)

    def render_GET(self, request: IRequest) -> bytes | int:
        """Send the file (or the ranges asked for); redirect a directory to add its slash."""
        self.restat(False)
        if self.type is None:
            self.type, self.encoding = getTypeAndEncoding(
                self.basename(), self.contentTypes, self.contentEncodings, self.defaultType
            )
        if not self.exists():
            return self.childNotFound.render(request)
        if self.isdir():
            return self.redirect(request)
        request.setHeader(b"accept-ranges", b"bytes")
        fileForReading = self._openOrErrorPage(request)
        if isinstance(fileForReading, bytes):
            return fileForReading
        if request.setLastModified(self.getModificationTime()) is http.CACHED:
            send_body = False
        else:
            send_body = request.method != b"HEAD"
            if not send_body:
                self._setContentHeaders(request)
        if not send_body:
            fileForReading.close()
            return b""
        producer = self.makeProducer(request, fileForReading)
        producer._sendfileThreshold = self.sendfileThreshold
        producer.start()
        done: int = server.NOT_DONE_YET
        return done

    render_HEAD = render_GET

    def _openOrErrorPage(self, request: IRequest) -> IO[bytes] | bytes:
        # The open file, or the rendered page for a file we may not or cannot read.
        try:
            return self.openForReading()
        except OSError as e:
            page = {
                errno.EACCES: self.forbidden,
                errno.EPERM: self.forbidden,
                errno.ENOENT: self.childNotFound,
                errno.EISDIR: self.childNotFound,
                errno.ENOTDIR: self.childNotFound,
            }.get(e.errno or 0)
            if page is None:
                raise
            rendered: bytes = page.render(request)  # type: ignore[assignment]  # (an error page)
            return rendered

    def redirect(self, request: IRequest) -> bytes:
        """Redirect to this directory's URL with a trailing slash."""
        return redirectTo(_addSlash(request), request)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path!r}>"


# -- producers ----------------------------------------------------------------------------------


def _asyncio_transport(request: http.Request) -> asyncio.Transport | None:
    """The plain-TCP asyncio transport under a real request, if a sendfile may use it."""
    if getattr(request, "_encoder", None) is not None:
        return None
    channel = getattr(request, "channel", None)
    hook = getattr(getattr(channel, "transport", None), "sendfile_transport", None)
    transport = hook() if hook is not None else None
    return transport if isinstance(transport, asyncio.Transport) else None


@implementer(IPullProducer)
class StaticProducer:
    """The body of a static response: a pull producer reading from an open file."""

    bufferSize: int = 2**16
    _sendfileThreshold: int | None = None

    def __init__(self, request: http.Request, fileObject: IO[bytes]) -> None:
        # None once stopped (as in Twisted); nothing uses it after that but None checks.
        self.request: http.Request = request
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
        self.request = None  # type: ignore[assignment]

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
        if _asyncio_transport(request) is None:
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
                self.request = None  # type: ignore[assignment]
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
        _pull(self, None)


class SingleRangeStaticProducer(StaticProducer):
    """Writes ``size`` bytes from ``offset``."""

    bytesWritten: int = 0

    def __init__(
        self, request: http.Request, fileObject: IO[bytes], offset: int, size: int
    ) -> None:
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
        self.bytesWritten += _pull(self, self.size - self.bytesWritten)


def _pull(producer: StaticProducer, left: int | None) -> int:
    """Write the next buffer of the file (no more than ``left`` bytes, if given) to the
    response, and end the response at the end of the file or once ``left`` is written.

    Returns how many bytes were written.
    """
    request = producer.request
    if request is None:
        return 0
    want = producer.bufferSize if left is None else min(producer.bufferSize, left)
    piece = producer.fileObject.read(want) if want > 0 else b""
    if piece:
        request.write(piece)
    if (not piece or len(piece) == left) and producer.request is not None:
        _end(producer)
    return len(piece)


def _end(producer: StaticProducer) -> None:
    """The body is complete: let the request go, finish it and close the file."""
    request = producer.request
    request.unregisterProducer()
    request.finish()
    producer.stopProducing()


class MultipleRangeStaticProducer(StaticProducer):
    """Writes several ranges, each after its MIME part header (``multipart/byteranges``)."""

    def __init__(
        self, request: http.Request, fileObject: IO[bytes], rangeInfo: list[tuple[bytes, int, int]]
    ) -> None:
        super().__init__(request, fileObject)
        self.rangeInfo = rangeInfo

    def start(self) -> None:
        """Register as a pull producer (an unsatisfiable request just finishes)."""
        self._parts = collections.deque(self.rangeInfo)
        if not self._openNextPart():
            self.request.finish()
            self.stopProducing()
            return
        self.request.registerProducer(self, False)

    def _openNextPart(self) -> bool:
        # Queue the next part's header and position the file at its first byte.
        if not self._parts:
            return False
        self._header, offset, self._partLeft = self._parts.popleft()
        self.fileObject.seek(offset)
        return True

    def resumeProducing(self) -> None:
        """Write up to ``bufferSize`` bytes of part headers and part bodies."""
        if self.request is None:
            return
        out = bytearray()
        complete = False
        while not complete and len(out) < self.bufferSize:
            out += self._header
            self._header = b""
            room = min(self.bufferSize - len(out), self._partLeft)
            piece = self.fileObject.read(room) if room > 0 else b""
            out += piece
            self._partLeft -= len(piece)
            part_over = self._partLeft == 0 or (room > 0 and not piece)
            complete = part_over and not self._openNextPart()
        self.request.write(bytes(out))
        if complete and self.request is not None:
            _end(self)


class ASISProcessor(resource.Resource):
    """Serves a file that holds a whole HTTP response ("as is") (not supported: 500)."""

    def __init__(self, path: str, registry: Registry | None = None) -> None:
        super().__init__()
        self.path = path
        self.registry = registry or Registry()

    def render(self, request: IRequest) -> bytes:
        """Refuse: twistio does not parse as-is files."""
        page: bytes = resource.unwarned_error_page(
            http.INTERNAL_SERVER_ERROR, "Not supported", "as-is files are not supported"
        ).render(request)
        return page


def _unbracket(text: str) -> str:
    """``[text/plain]`` -> ``text/plain``; ``[Directory]`` -> ``directory``."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return "directory" if text == "Directory" else text


class DirectoryLister(resource.Resource):
    """An HTML index of a directory: subdirectories first, then files, each group by name.

    twistio's own page (Twisted's differs in look): every name is HTML-escaped and its link
    percent-quoted, sizes are for humans with the exact count on hover, and types are the
    guessed MIME type and encoding, shown plainly. The rows' data are Twisted's
    (``_getFilesAndDirectories`` gives ``text``, ``href``, ``size``, ``type`` and ``encoding``,
    the last two in brackets), and ``template`` (``%(header)s``, ``%(tableContent)s``) and
    ``linePattern`` (``%(class)s``, odd or even, and the keys above) take Twisted's keys, so a
    subclass that replaces them works; twistio's own pattern also uses ``%(kind)s``,
    ``%(sizeTitle)s``, ``%(plainType)s`` and ``%(plainEncoding)s``.
    """

    template = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%(header)s</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; color: #1d1d1f; margin: 0; }
  main { margin: 0 auto; max-width: 64em; padding: 1.5em; }
  h1 { font-size: 1.3em; font-weight: 600; overflow-wrap: anywhere; }
  table { border-collapse: collapse; width: 100%%; }
  th { text-align: left; color: #555; border-bottom: 2px solid #ccc; }
  th, td { padding: 0.3em 0.75em; }
  td { border-bottom: 1px solid #eee; overflow-wrap: anywhere; }
  td.size, th.size { text-align: right; white-space: nowrap;
                     font-variant-numeric: tabular-nums; }
  td.directory a { font-weight: 600; }
  tr.even { background: #fafafa; }
  tbody tr:hover { background: #f3f6fa; }
  a { color: #0645ad; text-decoration: none; }
  a:hover { text-decoration: underline; }
</style>
</head>
<body>
<main>
<h1>%(header)s</h1>
<table>
<thead><tr><th>Name</th><th class="size">Size</th><th>Type</th><th>Encoding</th></tr></thead>
<tbody>
%(tableContent)s</tbody>
</table>
</main>
</body>
</html>
"""

    linePattern = (
        '<tr class="%(class)s"><td class="%(kind)s"><a href="%(href)s">%(text)s</a></td>'
        '<td class="size"%(sizeTitle)s>%(size)s</td><td>%(plainType)s</td>'
        "<td>%(plainEncoding)s</td></tr>\n"
    )

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
        self._bytes: dict[str, int] = {}
        """Exact file sizes by link, for the rows' hover text."""

    def _entry(self, name: str) -> tuple[bool, dict[str, str]] | None:
        """Whether ``name`` is a directory, and its row's fields; None when it has gone or
        cannot be read."""
        full = os.path.join(self.path, name)
        try:
            info = os.stat(full)
        except OSError:
            return None
        shown = html.escape(name, quote=True)
        link = quote(name, safe="")
        if _stat.S_ISDIR(info.st_mode):
            row = {"text": shown + "/", "href": link + "/", "size": "", "type": "[Directory]", "encoding": ""}
            return True, row
        kind, encoding = getTypeAndEncoding(
            name, self.contentTypes, self.contentEncodings, self.defaultType
        )
        self._bytes[link] = info.st_size
        return False, {
            "text": shown,
            "href": link,
            "size": formatFileSize(info.st_size),
            "type": f"[{html.escape(kind)}]",
            "encoding": f"[{html.escape(encoding)}]" if encoding else "",
        }

    def _getFilesAndDirectories(
        self, directory: Sequence[str | bytes]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """The rows for ``directory``'s names: ``(directories, files)``, each sorted by name.
        A row has Twisted's fields: ``text`` (the escaped name), ``href`` (the quoted link),
        ``size`` (for humans), ``type`` and ``encoding`` (in brackets; "" for none)."""
        names = sorted(
            entry.decode("utf-8", "replace") if isinstance(entry, bytes) else entry
            for entry in directory
        )
        folders: list[dict[str, str]] = []
        files: list[dict[str, str]] = []
        for found in map(self._entry, names):
            if found is not None:
                (folders if found[0] else files).append(found[1])
        return folders, files

    def _buildTableContent(self, elements: list[dict[str, str]]) -> list[str]:
        """The table's rows, as HTML: ``linePattern`` filled with each row's fields, its
        ``class`` odd or even, and twistio's own: ``kind`` (directory or file), ``sizeTitle``
        (the exact size, on hover), ``plainType`` and ``plainEncoding`` (without brackets)."""
        rows = []
        for index, element in enumerate(elements):
            href = element.get("href", "")
            exact = self._bytes.get(href)
            fields = {
                "class": "even" if index % 2 else "odd",
                "kind": "directory" if href.endswith("/") else "file",
                "sizeTitle": f' title="{exact} bytes"' if exact is not None else "",
                "plainType": _unbracket(element.get("type", "")),
                "plainEncoding": _unbracket(element.get("encoding", "")),
                **element,
            }
            rows.append(self.linePattern % fields)
        return rows

    def render(self, request: IRequest) -> bytes:
        """The listing page, UTF-8 HTML."""
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        names: Sequence[str | bytes] = os.listdir(self.path) if self.dirs is None else self.dirs
        folders, files = self._getFilesAndDirectories(names)
        raw = request.uri
        where = unquote(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
        page = self.template % {
            "header": "Directory listing for " + html.escape(where.partition("?")[0], quote=True),
            "tableContent": "".join(self._buildTableContent(folders + files)),
        }
        return page.encode("utf-8")

    def __repr__(self) -> str:
        return f"<DirectoryLister of {self.path!r}>"

    __str__ = __repr__
