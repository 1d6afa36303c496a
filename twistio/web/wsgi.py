"""Serving a WSGI (PEP 3333) application from twistio.web: ``WSGIResource``.

The application runs in a thread pool; its headers and body go back to the event loop with
``blockingCallFromThread``, one write at a time, and a write waits while the connection's
send buffer is above its high-water mark, so a large or slow response never piles up in
memory (Twisted's waits only for each write to be handed to the transport).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import IO, TYPE_CHECKING, Union, cast

from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import IReactorFromThreads, implementer
from twistio.internet.threads import blockingCallFromThread
from twistio.logger import Logger
from twistio.python import log as _legacy_log
from twistio.python.failure import Failure
from twistio.python.threadpool import ThreadPool
from twistio.web._responses import INTERNAL_SERVER_ERROR as INTERNAL_SERVER_ERROR
from twistio.web.iweb import IRequest
from twistio.web.resource import IResource

if TYPE_CHECKING:
    # PEP 3333's types as typeshed spells them (an environ is a dict[str, Any] there).
    from _typeshed.wsgi import WSGIApplication as Application
    from _typeshed.wsgi import WSGIEnvironment

    from twistio.web.server import Request

NOT_DONE_YET = 1

__all__ = ["WSGIResource"]

_log = Logger()

#: ``start_response``'s ``exc_info``: ``sys.exc_info()`` (PEP 3333).
_ExcInfo = Union[
    tuple[type[BaseException], BaseException, TracebackType], tuple[None, None, None]
]


def _wsgiString(value: bytes | str) -> str:
    """A "native string" in PEP 3333's sense: bytes decoded as ISO-8859-1."""
    if isinstance(value, str):
        return value
    return value.decode("iso-8859-1")


def _wsgiBytes(value: str) -> bytes:
    return value.encode("iso-8859-1")


class _ErrorStream:
    """``wsgi.errors``: text written here is logged."""

    def write(self, data: str) -> None:
        """Log ``data`` (a ``str``; bytes are a ``TypeError``, as in Twisted): a legacy error
        event of system ``wsgi`` whose ``message`` is ``(data,)``."""
        if not isinstance(data, str):
            raise TypeError(f"write() argument must be str, not {data!r} ({type(data).__name__})")
        _legacy_log.msg(data, system="wsgi", isError=True)

    def writelines(self, iovec: Iterable[str]) -> None:
        """Log each piece."""
        for piece in iovec:
            self.write(piece)

    def flush(self) -> None:
        """Nothing buffered."""


class _InputStream:
    """``wsgi.input``: the request body (``request.content``), bytes."""

    def __init__(self, input: IO[bytes]) -> None:
        self._wrapped = input

    def read(self, size: int | None = None) -> bytes:
        """Up to ``size`` bytes (all that is left when ``None`` or negative)."""
        if size is None or size < 0:
            data: bytes = self._wrapped.read()
        else:
            data = self._wrapped.read(size)
        return data

    def readline(self, size: int | None = None) -> bytes:
        """One line (up to ``size`` bytes)."""
        if size is None or size < 0:
            line: bytes = self._wrapped.readline()
        else:
            line = self._wrapped.readline(size)
        return line

    def readlines(self, hint: int | None = None) -> list[bytes]:
        """The remaining lines."""
        if hint is None or hint < 0:
            lines: list[bytes] = self._wrapped.readlines()
        else:
            lines = self._wrapped.readlines(hint)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._wrapped)


_EXHAUSTED = object()


class _WSGIResponse:
    """One request's trip through the application: environ in, status, headers and body out."""

    _requestFinished = False
    _paused = False

    def __init__(
        self,
        reactor: IReactorFromThreads,
        threadpool: ThreadPool,
        application: Application,
        request: Request,
    ) -> None:
        self.started = False
        self.reactor = reactor
        self.threadpool = threadpool
        self.application = application
        self.request = request
        self._waiting: list[Deferred[None]] = []
        self.request.notifyFinish().addBoth(self._finished)

        prepath: list[bytes] = request.prepath
        postpath: list[bytes] = request.postpath
        scriptName = b"/" + b"/".join(prepath) if prepath else b""
        pathInfo = b"/" + b"/".join(postpath) if postpath else b""
        parts = request.uri.split(b"?", 1)
        queryString = parts[1] if len(parts) == 2 else b""

        self.environ: WSGIEnvironment = {
            "REQUEST_METHOD": _wsgiString(request.method),
            "REMOTE_ADDR": "",
            "SCRIPT_NAME": _wsgiString(scriptName),
            "PATH_INFO": _wsgiString(pathInfo),
            "QUERY_STRING": _wsgiString(queryString),
            "CONTENT_TYPE": _wsgiString(request.getHeader(b"content-type") or b""),
            "CONTENT_LENGTH": _wsgiString(request.getHeader(b"content-length") or b""),
            "SERVER_NAME": _wsgiString(request.getRequestHostname()),
            "SERVER_PORT": str(request.getHost().port),  # type: ignore[attr-defined]  # (IP)
            "SERVER_PROTOCOL": _wsgiString(request.clientproto),
        }
        client = request.getClientAddress()
        if isinstance(client, (IPv4Address, IPv6Address)):
            self.environ["REMOTE_ADDR"] = client.host
            self.environ["REMOTE_PORT"] = str(client.port)
        for name, values in request.requestHeaders.getAllRawHeaders():
            key = "HTTP_" + _wsgiString(name).upper().replace("-", "_")
            # Header values may not contain a newline; fold anything left as a space.
            self.environ[key] = ",".join(_wsgiString(v) for v in values).replace("\n", " ")
        self.environ.update(
            {
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "https" if request.isSecure() else "http",
                "wsgi.run_once": False,
                "wsgi.multithread": True,
                "wsgi.multiprocess": False,
                "wsgi.errors": _ErrorStream(),
                "wsgi.input": _InputStream(request.content),  # type: ignore[arg-type]  # (unfinished)
            }
        )

    # -- on the loop ----------------------------------------------------------------------------

    def _finished(self, ignored: object) -> None:
        self._requestFinished = True
        self._wake()

    def _wake(self) -> None:
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            d.callback(None)

    def pauseProducing(self) -> None:
        """The connection's send buffer is full: hold the application's next write."""
        self._paused = True

    def resumeProducing(self) -> None:
        """The buffer drained: let writes through again."""
        self._paused = False
        self._wake()

    def stopProducing(self) -> None:
        """The client went away: the application's writes are dropped from now on."""
        self._requestFinished = True
        self._wake()

    def _sendResponseHeaders(self) -> None:
        code, _, message = self.status.partition(" ")
        self.request.setResponseCode(int(code), _wsgiBytes(message))
        # The application says what the body is: no default Content-Type is added.
        self.request.defaultContentType = None
        for name, value in self.headers:
            # The server, not the application, says what these are.
            if name.lower() not in ("server", "date"):
                self.request.responseHeaders.addRawHeader(_wsgiBytes(name), _wsgiBytes(value))
        self.request.registerProducer(self, True)

    def _writeOnLoop(self, data: bytes) -> Deferred[None] | None:
        if self._requestFinished:
            return None
        if not self.headersWritten:
            self.headersWritten = True
            self._sendResponseHeaders()
        self.request.write(data)
        if self._paused and not self._requestFinished:
            d: Deferred[None] = Deferred()
            self._waiting.append(d)
            return d
        return None

    def _finishOnLoop(self) -> None:
        if self._requestFinished:
            return
        if not self.headersWritten:
            self.headersWritten = True
            self._sendResponseHeaders()
        self.request.unregisterProducer()
        self.request.finish()

    def _errorOnLoop(self, failure: Failure) -> None:
        _log.failure("WSGI application error", failure)
        if self._requestFinished:
            return
        if self.headersWritten:
            self.request.unregisterProducer()
            self.request.channel.transport.loseConnection()  # type: ignore[union-attr]
        else:
            self.request.setResponseCode(500)
            self.request.finish()

    # -- in the thread --------------------------------------------------------------------------

    headersWritten = False
    status: str
    headers: list[tuple[str, str]]

    def startResponse(
        self, status: str, headers: list[tuple[str, str]], excInfo: _ExcInfo | None = None
    ) -> Callable[[bytes], None]:
        """PEP 3333's ``start_response``: record the status and headers; return ``write``."""
        if excInfo is not None:
            try:
                if self.headersWritten:
                    raise excInfo[1].with_traceback(excInfo[2])  # type: ignore[union-attr]
            finally:
                excInfo = None
        elif self.headersWritten:
            raise RuntimeError("Application called start_response() after the response began")
        if not isinstance(status, str):
            raise TypeError(f"status must be str, not {status!r} ({type(status).__name__})")
        # PEP 3333 asks for a list of tuples; other sequences pass with a warning, as in
        # Twisted. Called again before the body starts, the last status and headers win.
        if not isinstance(headers, list):
            if not isinstance(headers, Sequence):
                raise TypeError(
                    f"headers must be a list, not {headers!r} ({type(headers).__name__})"
                )
            warnings.warn(
                f"headers should be a list, not {headers!r} ({type(headers).__name__})",
                category=RuntimeWarning,
                stacklevel=2,
            )
        for header in headers:
            if not isinstance(header, tuple):
                if not isinstance(header, Sequence):
                    raise TypeError(
                        f"header must be a (str, str) tuple, not {header!r} "
                        f"({type(header).__name__})"
                    )
                warnings.warn(
                    f"header should be a (str, str) tuple, not {header!r} "
                    f"({type(header).__name__})",
                    category=RuntimeWarning,
                    stacklevel=2,
                )
            if len(header) != 2:
                raise TypeError(f"header must be a (str, str) tuple, not {header!r}")
            for part in header:
                if not isinstance(part, str):
                    raise TypeError(f"header must be (str, str) tuple, not {header!r}")
                if "\r" in part or "\n" in part:
                    raise ValueError(f"header may not contain CR or LF: {header!r}")
        self.status = status
        self.headers = [tuple(header) for header in headers]  # type: ignore[misc]
        self.started = True
        return self.write

    def write(self, data: bytes) -> None:
        """Send ``data`` (the headers first, once); waits while the connection is backed up."""
        if not isinstance(data, bytes):
            raise TypeError(f"Can only write bytes to a transport, not {data!r}")
        if not self.started:
            raise RuntimeError("write() called before start_response()")
        blockingCallFromThread(self.reactor, self._writeOnLoop, data)

    def start(self) -> None:
        """Run the application in the thread pool."""
        self.threadpool.callInThread(self.run)

    def run(self) -> None:
        """Call the application and send what it returns (in a pool thread)."""
        appIterator: Iterable[bytes] | None = None
        try:
            appIterator = self.application(self.environ, self.startResponse)
            pieces: Iterator[object] = iter(appIterator)
            while not self._requestFinished:  # the client gone: ask for nothing more
                piece = next(pieces, _EXHAUSTED)
                if piece is _EXHAUSTED:
                    break
                if piece:
                    self.write(cast(bytes, piece))
            close = getattr(appIterator, "close", None)
            appIterator = None
            if close is not None:
                close()
        except BaseException:
            failure = Failure()
            if appIterator is not None:
                close = getattr(appIterator, "close", None)
                if close is not None:
                    try:
                        close()
                    except BaseException:
                        _log.failure("WSGI iterable close() failed", Failure())
            self.reactor.callFromThread(self._errorOnLoop, failure)
        else:
            if not self.started:
                self.reactor.callFromThread(
                    self._errorOnLoop,
                    Failure(RuntimeError("Application returned without calling start_response()")),
                )
            else:
                blockingCallFromThread(self.reactor, self._finishOnLoop)


@implementer(IResource)
class WSGIResource:
    """A leaf resource that hands each request to a WSGI application run in ``threadpool``."""

    isLeaf = True

    def __init__(
        self, reactor: IReactorFromThreads, threadpool: ThreadPool, application: Application
    ) -> None:
        self._reactor = reactor
        self._threadpool = threadpool
        self._application = application

    def render(self, request: IRequest) -> int:
        """Start the application for this request; the response comes later."""
        from twistio.web.server import NOT_DONE_YET

        # The response is written back through what only a site's Request offers.
        served = cast("Request", request)
        response = _WSGIResponse(self._reactor, self._threadpool, self._application, served)
        response.start()
        done: int = NOT_DONE_YET
        return done

    def getChildWithDefault(self, name: bytes, request: IRequest) -> IResource:
        """Never: the application handles the whole path below."""
        raise RuntimeError("Cannot get IResource children from WSGIResource")

    def putChild(self, path: bytes, child: IResource) -> None:
        """Never: the application handles the whole path below."""
        raise RuntimeError("Cannot put IResource children under WSGIResource")
