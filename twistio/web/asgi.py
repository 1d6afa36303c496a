"""ASGI both ways: ``ASGIResource`` serves an ASGI 3 app from a twistio ``Site``;
``as_asgi_app`` serves a twistio resource tree from an ASGI server (uvicorn, hypercorn,
a Starlette ``Mount``).

``ASGIResource(app)`` may sit anywhere in a resource tree: ``root_path`` is where it is
mounted (``prepath``), ``path`` the full decoded request path. Each HTTP request runs the
app as an asyncio task on the reactor's loop. Calls on the app follow the ASGI 3 contract:
``receive()`` yields ``http.request`` messages (``more_body`` until the last), then
``http.disconnect`` once the response is sent or the client leaves; ``send()`` takes
``http.response.start`` then ``http.response.body``* (the last one without ``more_body``).
A ``send`` waits while the connection's write buffer is above its high-water mark, and
raises ``ClientDisconnected`` (an ``OSError``) once the client is gone. An app that raises,
returns early, or sends messages out of order gets a 500 if nothing was sent yet, otherwise
the connection is closed; either way a line is logged.

Request bodies: with a plain ``server.Site`` the body is complete (twistio spools bodies over
100 KB to a temporary file) before the app runs and is handed over in 64 KB chunks. With
``ASGISite`` (or ``requestFactory=ASGIRequest``) a large or chunked body is streamed to the
app as it arrives, and reading from the client pauses while more than ``bodyBufferSize``
bytes wait for the app to ``receive`` them.

Lifespan: ``ASGIResource.startup()`` / ``shutdown()`` run the lifespan protocol; ``ASGISite``
calls them from ``startFactory``/``stopFactory`` for every ``ASGIResource`` among the static
children of its tree. HTTP requests wait for startup; if it fails the error is logged and
they get 503.

WebSockets (with the ``websocket`` extra installed): a GET with ``Upgrade: websocket`` gets a
``websocket`` scope. ``receive()`` yields ``websocket.connect``, then ``websocket.receive``
(whole messages, ``text`` or ``bytes``), then ``websocket.disconnect`` with the close code;
``send()`` takes ``websocket.accept`` (``subprotocol``, ``headers``), ``websocket.send`` and
``websocket.close``. Closing before accepting, or returning without accepting, answers 403;
an app that raises before accepting gets 500, after accepting a close with 1011. A ``send``
after the connection closed raises ``ClientDisconnected``. Reading from the client pauses
while 16 messages wait for the app to ``receive`` them.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from typing import IO, TYPE_CHECKING, TypeVar, cast
from urllib.parse import unquote_to_bytes

from typing_extensions import TypedDict

from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import IAddress, IProducer, IPushProducer, IReactorTime
from twistio.python.failure import Failure
from twistio.web import http, resource, server
from twistio.web._codec import parse_query
from twistio.web.http_headers import Headers
from twistio.web.iweb import IAccessLogFormatter, IRequest
from twistio.web.resource import IResource

if TYPE_CHECKING:
    from twistio.web.server import ISessionStore
    from twistio.web.websocket import WebSocketTransport

__all__ = [
    "ASGIApp",
    "ASGIRequest",
    "ASGIResource",
    "ASGISite",
    "ClientDisconnected",
    "LifespanFailure",
    "as_asgi_app",
]

_log = logging.getLogger("twistio.web.asgi")

# The ASGI names are typed as loosely as the spec's dicts are (values of any type), so that
# an app typed with ``MutableMapping[str, Any]`` (Starlette's and most frameworks' types)
# is an ``ASGIApp``. What twistio reads from a scope or from the app's messages is typed by
# the TypedDicts below, which the code takes a dict as for the type checker only (no call
# at run time: ``if TYPE_CHECKING: x = cast(...) else: x = ...``).
Scope = MutableMapping[str, object]
Message = MutableMapping[str, object]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _HTTPScope(TypedDict, total=False):
    """The keys of an ASGI ``http`` scope that ``as_asgi_app`` reads."""

    type: str
    method: str
    scheme: str
    path: str
    raw_path: bytes | None
    query_string: bytes
    root_path: str
    http_version: str
    headers: Iterable[tuple[bytes, bytes]]
    client: tuple[str, int] | None
    server: tuple[str, int] | None


class _HTTPMessage(TypedDict, total=False):
    """An ASGI ``http.*`` message: what the app sends, what an ASGI server's ``receive``
    gives ``as_asgi_app``."""

    type: str
    status: int
    headers: Iterable[tuple[bytes, bytes]]
    body: bytes | bytearray | memoryview
    more_body: bool
    more_trailers: bool


_WebSocketMessage = TypedDict(  # noqa: UP013 - a key is named "bytes"
    "_WebSocketMessage",
    {
        "type": str,
        "headers": "Iterable[tuple[bytes, bytes]] | None",
        "subprotocol": "str | None",
        "text": "str | None",
        "bytes": "bytes | None",
        "code": int,
    },
    total=False,
)
"""An ASGI ``websocket.*`` message the app sends."""

_ASGI = {"version": "3.0", "spec_version": "2.3"}
_CHUNK = 65536
_HTTP_VERSIONS = {b"HTTP/1.1": "1.1", b"HTTP/1.0": "1.0"}
_FAILED_BODY = b"Internal Server Error"


_T = TypeVar("_T")


def _retrieve(task: asyncio.Future[_T]) -> None:
    if not task.cancelled():
        task.exception()


async def _wait(task: asyncio.Future[None]) -> None:
    await asyncio.shield(task)


class ClientDisconnected(OSError):
    """``send`` was called after the client went away."""


class LifespanFailure(Exception):
    """The application reported (or raised) a lifespan startup or shutdown failure."""


def _decode_path(raw: bytes) -> str:
    return unquote_to_bytes(raw).decode("utf-8", "surrogateescape") if b"%" in raw else raw.decode(
        "utf-8", "surrogateescape"
    )


def _address(addr: object) -> list[object] | None:
    host = getattr(addr, "host", None)
    port = getattr(addr, "port", None)
    if host is None or port is None:
        return None
    return [host, port]


# -- request bodies ------------------------------------------------------------------------


class _BodyStream:
    """Body chunks arriving from the channel, waiting for the app; pauses reading when full."""

    __slots__ = ("_chunks", "_limit", "_paused", "_queued", "_request", "_waiter", "complete", "discard")

    def __init__(self, request: ASGIRequest, limit: int) -> None:
        self._request = request
        self._chunks: collections.deque[bytes] = collections.deque()
        self._queued = 0
        self._limit = limit
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self.complete = False
        self.discard = False

    def feed(self, data: bytes) -> None:
        if self.discard:
            return
        self._chunks.append(data)
        self._queued += len(data)
        if self._queued > self._limit and not self._paused:
            self._paused = True
            self._request.channel.pause_reading()
        self._wake()

    def end(self) -> None:
        self.complete = True
        self._wake()

    def stop(self) -> None:
        """The app is done with the body: drop what is queued and read (and discard) the rest."""
        self.discard = True
        self._chunks.clear()
        self._queued = 0
        self._resume()
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _resume(self) -> None:
        if self._paused:
            self._paused = False
            self._request.channel.resume_reading()

    async def read(self) -> tuple[bytes, bool] | None:
        """The next chunk and whether more follows; None if the client left first."""
        while not self._chunks and not self.complete:
            if self._request.disconnected:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
            self._waiter = None
        if self._chunks:
            data = self._chunks.popleft()
            if len(self._chunks) > 1 and len(data) < _CHUNK:
                # Coalesce small pieces into one message.
                parts = [data]
                size = len(data)
                while self._chunks and size < _CHUNK:
                    nxt = self._chunks.popleft()
                    parts.append(nxt)
                    size += len(nxt)
                data = b"".join(parts)
            self._queued -= len(data)
            if self._queued <= self._limit // 2:
                self._resume()
            return data, bool(self._chunks) or not self.complete
        return b"", False


class ASGIRequest(server.Request):
    """A ``server.Request`` that streams a large or chunked body to an ``ASGIResource``.

    When the head of a request with a body of at least ``streamThreshold`` bytes (or of
    unknown length) arrives first in line on its connection and the tree leads to an
    ``ASGIResource``, the app starts at once and receives the body as it arrives. Other
    requests behave exactly as ``server.Request``.
    """

    streamThreshold = 65536
    bodyBufferSize = 262144
    _asgi_stream: _BodyStream | None = None

    def gotLength(self, length: int | None) -> None:
        if (length is None or length >= self.streamThreshold) and self._startEarly():
            return
        super().gotLength(length)

    def _startEarly(self) -> bool:
        channel = self.channel
        site = getattr(channel, "site", None)
        if channel is None or site is None or getattr(channel, "requests", None) != [self]:
            return False
        self.site = site
        path = self.uri
        q = path.find(b"?")
        if q < 0:
            self.path = path
        else:
            self.path = path[:q]
            self.args = parse_query(path[q + 1 :])
        self.prepath = []
        self.postpath = [http.unquote(s) for s in self.path[1:].split(b"/")]
        try:
            target = self.site.getResourceFor(self)
        except Exception:
            target = None
        if not isinstance(target, ASGIResource):
            self.prepath = []
            self.postpath = []
            self.args = {}
            return False
        self.client = channel.getPeer()
        self.host = channel.getHost()
        self.content = None
        self.responseHeaders.set_trusted(b"server", [server.version])
        self.responseHeaders.set_trusted(b"date", [http.datetimeToString()])
        self._asgi_stream = _BodyStream(self, self.bodyBufferSize)
        # Answered now: the channel must not dispatch it again once the body is complete,
        # but must tell it when the client goes away.
        self.started = True
        try:
            target.render(self)
        except Exception:
            self.processingFailed(Failure())
        return True

    def handleContentChunk(self, data: bytes) -> None:
        stream = self._asgi_stream
        if stream is None:
            super().handleContentChunk(data)
        else:
            stream.feed(data)

    def body_complete(self) -> None:
        stream = self._asgi_stream
        if stream is not None:
            stream.end()


class ASGISite(server.Site):
    """A ``Site`` that streams request bodies to ``ASGIResource``s (``ASGIRequest``) and runs
    their lifespan with the factory's start and stop."""

    requestFactory: type[server.Request] = ASGIRequest

    def __init__(
        self,
        resource: IResource,
        requestFactory: type[server.Request] | None = None,
        logPath: str | None = None,
        timeout: float | None = 60.0,
        logFormatter: IAccessLogFormatter | None = None,
        reactor: IReactorTime | None = None,
        sessionStore: ISessionStore | None = None,
        *,
        parsePOSTFormSubmission: bool = True,
    ) -> None:
        super().__init__(
            resource, requestFactory, logPath, timeout, logFormatter, reactor, sessionStore,
            parsePOSTFormSubmission=parsePOSTFormSubmission,
        )
        self._started: Deferred[None] | None = None

    def _asgiResources(self) -> Iterator[ASGIResource]:
        seen: set[int] = set()
        todo = [self.resource]
        while todo:
            r = todo.pop()
            if id(r) in seen:
                continue
            seen.add(id(r))
            if isinstance(r, ASGIResource):
                yield r
            todo.extend(getattr(r, "children", {}).values())

    def startFactory(self) -> None:
        super().startFactory()
        ds = [r.startup() for r in self._asgiResources()]

        async def all_started() -> None:
            for d in ds:
                await d

        self._started = Deferred.fromCoroutine(all_started())
        self._started.addErrback(lambda f: None)  # logged by the resource

    def whenStarted(self) -> Deferred[None]:
        """Fires once every ``ASGIResource`` has started; errbacks with ``LifespanFailure``."""
        started = self._started

        async def wait() -> None:
            if started is not None:
                for r in self._asgiResources():
                    await r.startup()

        return Deferred.fromCoroutine(wait())

    def stopFactory(self) -> None:
        for r in self._asgiResources():
            r.shutdown().addErrback(lambda f: None)
        super().stopFactory()


# -- ASGIResource ------------------------------------------------------------------------------


class _Producer:
    """Registered on the request while a response streams: tracks the write buffer."""

    __slots__ = ("cycle",)

    def __init__(self, cycle: _Cycle) -> None:
        self.cycle = cycle

    def pauseProducing(self) -> None:
        self.cycle.writable = None

    def resumeProducing(self) -> None:
        self.cycle._writable()

    def stopProducing(self) -> None:
        self.cycle._writable()


class _Cycle:
    """One HTTP request/response between a twistio request and an ASGI app."""

    __slots__ = (
        "_content", "_contentLeft", "_doneWaiter", "_drain", "_start", "closed",
        "completed", "request", "resource", "started", "task", "writable",
    )

    def __init__(self, resource: ASGIResource, request: http.Request) -> None:
        self.resource = resource
        self.request = request
        self.started = False
        self.completed = False
        self.closed = False
        self._start: Message | None = None
        self.writable: bool | None = True
        self._drain: asyncio.Future[None] | None = None
        self._doneWaiter: asyncio.Future[None] | None = None
        self._content: IO[bytes] | None = None
        self._contentLeft = 0
        self.task: asyncio.Task[None] | None = None

    # receive ------------------------------------------------------------------------------

    async def receive(self) -> Message:
        request = self.request
        stream = getattr(request, "_asgi_stream", None)
        if not self.closed and not request.disconnected:
            if stream is not None:
                if not stream.discard:
                    got = await stream.read()
                    if got is not None:
                        if not got[1]:
                            stream.discard = True
                        return {"type": "http.request", "body": got[0], "more_body": got[1]}
            elif self._contentLeft >= 0:
                content = self._content
                if content is None:
                    content = self._content = request.content
                    if content is None:
                        self._contentLeft = -1
                        return {"type": "http.request", "body": b"", "more_body": False}
                    self._contentLeft = content.seek(0, 2)
                    content.seek(0, 0)
                data = content.read(_CHUNK)
                self._contentLeft -= len(data)
                more = self._contentLeft > 0 and bool(data)
                if not more:
                    self._contentLeft = -1
                return {"type": "http.request", "body": data, "more_body": more}
        while not self.closed and not request.disconnected:
            w = self._doneWaiter = asyncio.get_running_loop().create_future()
            await w
        return {"type": "http.disconnect"}

    # send ----------------------------------------------------------------------------------

    async def send(self, message: Message) -> None:
        if TYPE_CHECKING:
            sent = cast(_HTTPMessage, message)
        else:
            sent = message
        request = self.request
        if request.disconnected:
            raise ClientDisconnected("the client disconnected")
        kind = sent["type"]
        if kind == "http.response.body":
            if self._start is None and not self.started:
                raise RuntimeError("ASGI: http.response.body sent before http.response.start")
            if self.completed:
                raise RuntimeError("ASGI: http.response.body sent after the response was complete")
            body = sent.get("body", b"")
            if not isinstance(body, (bytes, bytearray, memoryview)):
                raise TypeError(f"ASGI: body must be bytes, not {type(body).__name__}")
            more = bool(sent.get("more_body", False))
            if not self.started:
                self._begin(len(body) if not more else None)
            if not more:
                self.completed = True
                if body:
                    request.write(bytes(body))
                request.finish()
                return
            if body:
                request.write(bytes(body))
                if self.writable is None and not request.disconnected:
                    loop = asyncio.get_running_loop()
                    self._drain = loop.create_future()
                    await self._drain
        elif kind == "http.response.start":
            if self._start is not None or self.started:
                raise RuntimeError("ASGI: http.response.start sent twice")
            status = sent["status"]
            if type(status) is not int or not 100 <= status <= 999:
                raise ValueError(f"ASGI: invalid status {status!r}")
            self._start = message
        elif kind == "http.response.trailers":
            if not sent.get("more_trailers", False) and self.completed is False and self.started:
                pass
        else:
            raise RuntimeError(f"ASGI: unexpected message {kind!r} in an HTTP cycle")

    def _begin(self, length: int | None) -> None:
        """Apply the held ``http.response.start`` to the request."""
        if TYPE_CHECKING:
            start = cast(_HTTPMessage, self._start)
        else:
            start = self._start
        assert start is not None
        self._start = None
        self.started = True
        request = self.request
        request.setResponseCode(start["status"])
        request.defaultContentType = None
        raw: dict[bytes, list[bytes]] = {}
        have_length = False
        for name, value in start.get("headers", ()):
            if not isinstance(name, bytes) or not isinstance(value, bytes):
                name = bytes(name)
                value = bytes(value)
            if b"\n" in value or b"\r" in value or b"\n" in name or b"\r" in name or b":" in name:
                raise ValueError(f"ASGI: invalid header {name!r}: {value!r}")
            lname = name.lower()
            if lname == b"content-length":
                have_length = True
            values = raw.get(lname)
            if values is None:
                raw[lname] = [value]
            else:
                values.append(value)
        if not have_length and length is not None and request.method != b"HEAD":
            raw[b"content-length"] = [b"%d" % length]
        headers = request.responseHeaders
        for lname, values in raw.items():
            headers.set_trusted(lname, values)
        if length is None:
            request.registerProducer(_Producer(self), True)

    def _writable(self) -> None:
        self.writable = True
        d = self._drain
        if d is not None and not d.done():
            d.set_result(None)

    # life cycle ----------------------------------------------------------------------------

    def closeNow(self, _: object = None) -> None:
        """The response finished or the client left: wake every waiter."""
        self.closed = True
        self._writable()
        w = self._doneWaiter
        if w is not None and not w.done():
            w.set_result(None)
        stream = getattr(self.request, "_asgi_stream", None)
        if stream is not None:
            stream.stop()

    def done(self, task: asyncio.Task[None]) -> None:
        request = self.request
        if task.cancelled():
            exc: BaseException | None = asyncio.CancelledError()
        else:
            exc = task.exception()
        stream = getattr(request, "_asgi_stream", None)
        if stream is not None:
            stream.stop()
        if request.finished or request.disconnected:
            if exc is not None and not isinstance(exc, (ClientDisconnected, asyncio.CancelledError)):
                _log.error("ASGI application raised after its response", exc_info=exc)
            return
        if exc is None:
            exc = RuntimeError("ASGI application returned without completing its response")
        elif isinstance(exc, BaseException) and not isinstance(exc, Exception):
            exc = RuntimeError(f"ASGI application ended with {exc!r}")
        _log.error(
            "ASGI application failed on %s %s: %s",
            request.method.decode("latin-1"), request.uri.decode("latin-1"), exc,
            exc_info=exc,
        )
        if request.startedWriting:
            if request.producer is not None:
                request.unregisterProducer()
            request.loseConnection()
            request.finished = 1
            return
        request.setResponseCode(500)
        request.responseHeaders = Headers({
            b"content-type": [b"text/plain; charset=utf-8"],
            b"content-length": [b"%d" % len(_FAILED_BODY)],
        })
        request.cookies = []
        if request.producer is not None:
            request.unregisterProducer()
        request.write(_FAILED_BODY)
        request.finish()


class ASGIResource(resource.Resource):
    """An ASGI 3 application served as a (leaf) resource."""

    isLeaf = True

    def __init__(self, app: ASGIApp, lifespan: str = "auto") -> None:
        """``lifespan``: ``"auto"`` (an app that rejects the lifespan scope is served
        anyway), ``"on"`` (it must support it) or ``"off"``."""
        super().__init__()
        if lifespan not in ("auto", "on", "off"):
            raise ValueError("lifespan must be 'auto', 'on' or 'off'")
        self.app = app
        self.lifespan = lifespan
        self.state: dict[str, object] = {}
        self._startup: asyncio.Future[None] | None = None
        self._startupDone = False
        self._startupError: BaseException | None = None
        self._lifespanQueue: asyncio.Queue[Message] | None = None
        self._lifespanTask: asyncio.Task[None] | None = None
        self._lifespanReply: asyncio.Future[Message] | None = None
        self._shutdown: Deferred[None] | None = None

    # -- lifespan -----------------------------------------------------------------------------

    def startup(self) -> Deferred[None]:
        """Run lifespan startup (once); errbacks with ``LifespanFailure`` if the app fails."""
        task = self._startup
        if task is None:
            task = self._startup = asyncio.ensure_future(self._runStartup())
            task.add_done_callback(_retrieve)
        return Deferred.fromCoroutine(_wait(task))

    async def _lifespanMessage(self, message: Message) -> Message | None:
        """Send ``message`` to the app's lifespan task; its answer, or None if it ended."""
        queue, task = self._lifespanQueue, self._lifespanTask
        assert queue is not None and task is not None
        loop = asyncio.get_running_loop()
        reply = self._lifespanReply = loop.create_future()
        await queue.put(message)
        await asyncio.wait([reply, task], return_when=asyncio.FIRST_COMPLETED)
        if reply.done():
            answer: Message = reply.result()
            return answer
        return None

    async def _runStartup(self) -> None:
        try:
            if self.lifespan == "off":
                return
            queue: asyncio.Queue[Message] = asyncio.Queue()
            self._lifespanQueue = queue
            scope: Scope = {"type": "lifespan", "asgi": dict(_ASGI), "state": self.state}

            async def send(message: Message) -> None:
                reply = self._lifespanReply
                if reply is not None and not reply.done():
                    reply.set_result(message)

            self._lifespanTask = asyncio.ensure_future(self.app(scope, queue.get, send))
            answer = await self._lifespanMessage({"type": "lifespan.startup"})
            if answer is None:
                task = self._lifespanTask
                exc = task.exception() if not task.cancelled() else None
                if self.lifespan == "on":
                    raise LifespanFailure(f"ASGI lifespan startup failed: {exc!r}") from exc
                _log.debug("ASGI application does not support lifespan (%r)", exc)
                self._lifespanTask = None
                return
            if answer.get("type") == "lifespan.startup.failed":
                raise LifespanFailure("ASGI lifespan startup failed: " + str(answer.get("message", "")))
            if answer.get("type") != "lifespan.startup.complete":
                raise LifespanFailure(f"ASGI lifespan startup: unexpected message {answer!r}")
        except BaseException as e:
            self._startupError = e
            _log.error("%s", e)
            raise
        finally:
            self._startupDone = True

    def shutdown(self) -> Deferred[None]:
        """Run lifespan shutdown (once, after startup); errbacks with ``LifespanFailure``."""
        if self._shutdown is None:
            self._shutdown = Deferred.fromCoroutine(self._runShutdown())
        return self._shutdown

    async def _runShutdown(self) -> None:
        if self._startup is not None and not self._startupDone:
            try:
                await asyncio.shield(self._startup)
            except Exception:
                return
        if self._lifespanTask is None or self._startupError is not None:
            return
        answer = await self._lifespanMessage({"type": "lifespan.shutdown"})
        self._lifespanTask = None
        if answer is None or answer.get("type") != "lifespan.shutdown.complete":
            err = LifespanFailure(f"ASGI lifespan shutdown failed: {answer!r}")
            _log.error("%s", err)
            raise err

    # -- HTTP -----------------------------------------------------------------------------------

    def render(self, request: IRequest) -> int:
        """Start the app for ``request``; the response is written as the app sends it."""
        if TYPE_CHECKING:  # a Site's request
            served = cast(http.Request, request)
        else:
            served = request
        upgrade = served.getHeader(b"upgrade")
        if served.method == b"GET" and upgrade is not None and b"websocket" in upgrade.lower():
            return self._renderWebSocket(served)
        prepath = served.prepath
        root_path = _decode_path(b"/" + b"/".join(prepath)) if prepath else ""
        raw_path = served.path
        pairs = served.wire_pairs()
        host = served.getHost()
        q = served.uri.find(b"?")
        scope: dict[str, object] = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": _HTTP_VERSIONS.get(served.clientproto, "1.1"),
            "method": served.method.decode("ascii"),
            "scheme": "https" if served.isSecure() else "http",
            "path": _decode_path(raw_path),
            "raw_path": raw_path,
            "query_string": served.uri[q + 1 :] if q >= 0 else b"",
            "root_path": root_path,
            "headers": [(k.lower(), v) for k, v in pairs],
            "client": _address(served.getClientAddress()),
            "server": _address(host),
            "state": dict(self.state),
        }
        cycle = _Cycle(self, served)
        served.notifyFinish().addBoth(cycle.closeNow)
        if (self._startupDone and self._startupError is None) or self._startup is None:
            coro: Awaitable[None] = self.app(scope, cycle.receive, cycle.send)
        else:
            coro = self._afterStartup(scope, cycle)
        task = cycle.task = asyncio.ensure_future(coro)
        task.add_done_callback(cycle.done)
        return server.NOT_DONE_YET

    def _renderWebSocket(self, request: http.Request) -> int:
        from twistio.web import websocket

        refusal = websocket.check_handshake(request)
        if refusal is not None:
            request.write(refusal)
            request.finish()
            return server.NOT_DONE_YET
        host = request.getHost()
        q = request.uri.find(b"?")
        prepath = request.prepath
        protocols = b",".join(request.requestHeaders.getRawHeaders(b"sec-websocket-protocol") or [])
        scope: dict[str, object] = {
            "type": "websocket",
            "asgi": _ASGI,
            "http_version": "1.1",
            "scheme": "wss" if request.isSecure() else "ws",
            "path": _decode_path(request.path),
            "raw_path": request.path,
            "query_string": request.uri[q + 1 :] if q >= 0 else b"",
            "root_path": _decode_path(b"/" + b"/".join(prepath)) if prepath else "",
            "headers": [
                (k.lower(), v) for k, vs in request.requestHeaders.getAllRawHeaders() for v in vs
            ],
            "client": _address(request.getClientAddress()),
            "server": _address(host),
            "subprotocols": [p.strip().decode("ascii", "replace") for p in protocols.split(b",") if p.strip()],
            "state": dict(self.state),
        }
        session = _WebSocketSession(request)
        request.notifyFinish().addErrback(session.clientGone)
        task = asyncio.ensure_future(self.app(scope, session.receive, session.send))
        task.add_done_callback(session.done)
        return server.NOT_DONE_YET

    async def _afterStartup(self, scope: Scope, cycle: _Cycle) -> None:
        if not self._startupDone:
            assert self._startup is not None
            try:
                await self.startup()
            except Exception:
                pass
        if self._startupError is not None:
            await cycle.send({
                "type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            })
            await cycle.send({"type": "http.response.body", "body": b"ASGI application failed to start"})
            return
        await self.app(scope, cycle.receive, cycle.send)

    def getChildWithDefault(self, name: bytes, request: IRequest) -> ASGIResource:
        return self


# -- as_asgi_app: a twistio resource tree under an ASGI server ----------------------------------


class _WebSocketSession:
    """One ASGI ``websocket`` scope: the app's receive/send on one side, and on the other the
    ``WebSocketProtocol`` that ``twistio.web.websocket`` drives once the app accepted."""

    _MAX_QUEUED = 16

    transport: WebSocketTransport
    """Set by ``negotiationStarted`` (once the app accepted), before any use."""

    def __init__(self, request: http.Request) -> None:
        self.request = request
        self.state = "connecting"  # then "open", then "closed"
        self.queue: collections.deque[Message] = collections.deque([{"type": "websocket.connect"}])
        self.waiter: asyncio.Future[None] | None = None
        self.paused = False

    # -- the app's side -------------------------------------------------------------------

    async def receive(self) -> Message:
        while not self.queue:
            if self.state == "closed":
                return {"type": "websocket.disconnect", "code": 1006}
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        message = self.queue.popleft()
        if self.paused and len(self.queue) < self._MAX_QUEUED // 2:
            self.paused = False
            self.transport.resume_reading()
        return message

    async def send(self, message: Message) -> None:
        if TYPE_CHECKING:
            sent = cast(_WebSocketMessage, message)
        else:
            sent = message
        kind = sent["type"]
        if self.state == "connecting":
            if kind == "websocket.accept":
                from twistio.web import websocket

                headers = [(bytes(k), bytes(v)) for k, v in sent.get("headers") or []]
                subprotocol = sent.get("subprotocol")
                if subprotocol:
                    headers.append((b"sec-websocket-protocol", subprotocol.encode("ascii")))
                self.state = "open"
                websocket.accept_handshake(self.request, self, 1 << 20, headers)
            elif kind == "websocket.close":
                self._refuse(403, b"")
            else:
                raise RuntimeError(f"expected websocket.accept or websocket.close, got {kind!r}")
        elif self.state == "open":
            if kind == "websocket.send":
                text = sent.get("text")
                if text is not None:
                    self.transport.sendTextMessage(text)
                else:
                    self.transport.sendBytesMessage(bytes(sent.get("bytes") or b""))
            elif kind == "websocket.close":
                self.transport.loseConnection(int(sent.get("code", 1000)))
            else:
                raise RuntimeError(f"unexpected message {kind!r} on an open WebSocket")
        else:
            raise ClientDisconnected("the WebSocket is closed")

    def _refuse(self, code: int, body: bytes) -> None:
        self.state = "closed"
        request = self.request
        if not request.disconnected and not request.finished:
            request.setResponseCode(code)
            request.setHeader(b"content-length", b"%d" % len(body))
            request.write(body)
            request.finish()

    def clientGone(self, reason: Failure) -> None:
        """The client left before the app accepted."""
        if self.state == "connecting":
            self.state = "closed"
            self._put({"type": "websocket.disconnect", "code": 1006})

    def done(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            _log.error("ASGI WebSocket application failed", exc_info=error)
        if self.state == "connecting":
            self._refuse(500 if error is not None else 403, b"")
        elif self.state == "open":
            self.transport.loseConnection(1011 if error is not None else 1000)

    def _put(self, message: Message) -> None:
        self.queue.append(message)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if not self.paused and len(self.queue) >= self._MAX_QUEUED and self.state == "open":
            self.paused = True
            self.transport.pause_reading()

    # -- WebSocketProtocol ---------------------------------------------------------------

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        pass

    def textMessageReceived(self, message: str) -> None:
        self._put({"type": "websocket.receive", "text": message})

    def bytesMessageReceived(self, data: bytes) -> None:
        self._put({"type": "websocket.receive", "bytes": data})

    def pongReceived(self, payload: bytes) -> None:
        pass

    def connectionLost(self, reason: Failure) -> None:
        self.state = "closed"
        code = getattr(self.transport, "close_code", None) or 1006
        self._put({"type": "websocket.disconnect", "code": code})


class _ASGIChannel:
    """The channel contract over an ASGI server's ``send``, for one request of ``as_asgi_app``.

    It is also the request's ``transport`` (``getPeer``/``getHost`` from the scope, ``write``,
    ``loseConnection``), as an HTTP/2 stream is. The response goes out as ASGI messages,
    queued and sent in order by ``pump``; a producer is paused while more than
    ``highWater`` bytes wait to be sent.
    """

    highWater = 262144

    def __init__(self, site: server.Site, scope: _HTTPScope, send: Send) -> None:
        self.site = site
        self.transport = self
        self._send = send
        self._out: collections.deque[Message] = collections.deque()
        self._queued = 0
        self._waiter: asyncio.Future[None] | None = None
        self._abort = False
        self._done = False
        self._producer: IPushProducer | None = None  # or a pull producer: see _streaming
        self._producerPaused = False
        self._streaming = False
        self._secure = scope.get("scheme") in ("https", "wss")
        self._client = _addr(scope.get("client"))
        self._server = _addr(scope.get("server"))

    # -- the channel contract ---------------------------------------------------------------

    def writeHeaders(self, version: bytes, code: bytes, reason: bytes, headers: Headers) -> None:
        self._enqueue(
            {"type": "http.response.start", "status": int(code), "headers": headers.lower_pairs()}, 0
        )

    def write(self, data: bytes) -> None:
        if data:
            self._enqueue({"type": "http.response.body", "body": data, "more_body": True}, len(data))

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        self.write(b"".join(iovec))

    def requestDone(self, request: http.Request) -> None:
        self._enqueue({"type": "http.response.body", "body": b"", "more_body": False}, 0)

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        if TYPE_CHECKING:  # only a push producer is ever paused
            producer = cast(IPushProducer, producer)
        self._producer = producer
        self._streaming = bool(streaming)
        self._producerPaused = False
        if not streaming:
            asyncio.get_running_loop().call_soon(self._pull)

    def unregisterProducer(self) -> None:
        self._producer = None
        self._producerPaused = False

    def loseConnection(self) -> None:
        self._abort = True
        self._wake()

    abortConnection = loseConnection

    def getPeer(self) -> IAddress:
        return self._client if self._client is not None else IPv4Address("TCP", "0.0.0.0", 0)

    def getHost(self) -> IAddress:
        return self._server if self._server is not None else IPv4Address("TCP", "0.0.0.0", 0)

    def isSecure(self) -> bool:
        return self._secure

    def pause_reading(self) -> None:
        """The ASGI server reads the client; the body is complete before rendering."""

    def resume_reading(self) -> None:
        """See ``pause_reading``."""

    pauseProducing = pause_reading
    resumeProducing = resume_reading

    # -- the queue --------------------------------------------------------------------------

    def _enqueue(self, message: Message, size: int) -> None:
        self._out.append(message)
        self._queued += size
        if (
            self._queued > self.highWater and self._producer is not None and self._streaming
            and not self._producerPaused
        ):
            self._producerPaused = True
            self._producer.pauseProducing()
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _pull(self) -> None:
        producer = self._producer
        if producer is not None and not self._streaming and not self._done:
            if self._queued <= self.highWater:
                producer.resumeProducing()
            else:
                self._producerPaused = True

    def clientGone(self) -> None:
        """The ASGI server reported ``http.disconnect``."""
        self._done = True
        self._wake()

    async def pump(self) -> None:
        """Send the queued messages until the response is complete."""
        loop = asyncio.get_running_loop()
        out = self._out
        send = self._send
        while True:
            while out:
                message = out.popleft()
                if TYPE_CHECKING:  # (the body of a message of ours is bytes)
                    size = len(cast(bytes, message.get("body", b"")))
                else:
                    size = len(message.get("body", b""))
                await send(message)
                self._queued -= size
                if message["type"] == "http.response.body" and not message["more_body"]:
                    return
                if self._producerPaused and self._queued <= self.highWater // 2:
                    self._producerPaused = False
                    producer = self._producer
                    if producer is not None:
                        producer.resumeProducing()
                elif self._producer is not None and not self._streaming and not out:
                    self._pull()
            if self._abort:
                raise ConnectionAbortedError("resource closed the connection")
            if self._done:
                return
            self._waiter = loop.create_future()
            await self._waiter
            self._waiter = None


def _addr(pair: tuple[str, int] | None) -> IPv4Address | IPv6Address | None:
    if not pair:
        return None
    host, port = pair[0], pair[1]
    if ":" in str(host):
        return IPv6Address("TCP", host, port)
    return IPv4Address("TCP", host, port)


class _ASGIRequest(server.Request):
    """A ``server.Request`` made from an ASGI ``http`` scope; its channel is an ``_ASGIChannel``."""

    def __init__(self, channel: _ASGIChannel, scope: _HTTPScope) -> None:
        super().__init__(channel)
        self.site = channel.site
        self._scope = scope
        self.method = scope["method"].encode("ascii")
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        qs = scope.get("query_string", b"")
        self.uri = raw_path + (b"?" + qs if qs else b"")
        self.path = raw_path
        self.clientproto = b"HTTP/" + scope.get("http_version", "1.1").encode("ascii")
        self.args = parse_query(qs) if qs else {}
        self.requestHeaders = Headers.from_pairs([(bytes(k), bytes(v)) for k, v in scope.get("headers", ())])
        self._forceSSL = 1 if channel.isSecure() else 0
        self.client = channel.getPeer()
        self.host = channel.getHost()

    def process(self) -> None:
        scope = self._scope
        root = scope.get("root_path", "").encode("utf-8")
        path = scope["path"].encode("utf-8", "surrogateescape")
        if root and path.startswith(root):
            path = path[len(root) :]
        self.prepath = [http.unquote(s) for s in root[1:].split(b"/")] if root else []
        # Resource traversal starts at the mount point: segments from the route path.
        self.postpath = list(path[1:].split(b"/")) if path.startswith(b"/") else [path]
        try:
            site = self.site
            assert site is not None, "a server.Request needs a Site"
            resrc = site.getResourceFor(self)
            self.render(resrc)
        except Exception:
            self.processingFailed(Failure())


def as_asgi_app(root: IResource, site: server.Site | None = None) -> ASGIApp:
    """An ASGI 3 application serving the twistio resource tree ``root``.

    ``site`` (default ``server.Site(root)``) supplies ``displayTracebacks``, sessions and the
    access log. The body is read in full (into a temporary file past 100 KB) before the
    resource renders, as ``Request.content`` promises; lifespan start and stop call the site's
    ``doStart``/``doStop``.
    """
    the_site = site if site is not None else server.Site(root)

    async def app(asgiScope: Scope, receive: Receive, send: Send) -> None:
        if TYPE_CHECKING:
            scope = cast(_HTTPScope, asgiScope)
        else:
            scope = asgiScope
        kind = scope["type"]
        if kind == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    the_site.doStart()
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    the_site.doStop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if kind != "http":
            raise RuntimeError(f"twistio resources serve HTTP only, not {kind!r}")
        channel = _ASGIChannel(the_site, scope, send)
        request = _ASGIRequest(channel, scope)
        content: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=100000)  # noqa: SIM115
        while True:
            if TYPE_CHECKING:
                message = cast(_HTTPMessage, await receive())
            else:
                message = await receive()
            if message["type"] == "http.disconnect":
                content.close()
                return
            content.write(message.get("body", b""))
            if not message.get("more_body", False):
                break
        content.seek(0, 0)
        request.content = content
        if request.method == b"POST" and request.raw_header(b"content-type") is not None:
            request.parse_form()

        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    if not request.finished:
                        from twistio.internet.error import ConnectionDone

                        request.connectionLost(Failure(ConnectionDone("client disconnected")))
                        channel.clientGone()
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            request.process()
            await channel.pump()
        finally:
            watcher.cancel()
            content.close()

    return app
