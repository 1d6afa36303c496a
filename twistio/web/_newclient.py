"""The HTTP/1.1 client protocol: one connection, one request at a time.

Invariants, in the manner of a sans-IO parser with thin transport glue:

- a connection is ``QUIESCENT`` (idle, may take a request), ``TRANSMITTING`` (request being
  written), ``WAITING`` (request written, response pending or streaming), or finished
  (``CONNECTION_LOST``, ``ABORTED``, ``GENERATION_FAILED``); only a ``QUIESCENT`` one accepts
  a request, anything else answers ``RequestNotSent``;
- responses are read by the shared sans-IO codec (``twistio.web._codec.ResponseReader``, the
  same module the server reads requests with): a head of at most ``MAX_HEAD_BYTES``, then a
  body delimited by ``Content-Length``, chunked framing or the connection closing, which goes
  to the body protocol as it arrives: until ``deliverBody`` is called the transport is
  paused, so at most one read's worth of body is ever held here;
- the connection is reused (``quiescentCallback``) only after a complete, length-delimited
  response to a persistent request, with neither side saying ``Connection: close`` and no
  stray bytes after it; the pool gets it back *before* the body protocol learns the body is
  done, so a request made from that callback reuses it;
- bad input from the server (a malformed head, a bad chunk, more than ``MAX_HEAD_BYTES``)
  fails the response with ``ResponseFailed``/``ResponseNeverReceived`` and drops the
  connection; it never hangs or buffers without bound.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from twistio.internet import error
from twistio.internet.defer import CancelledError, Deferred, fail, succeed
from twistio.internet.interfaces import IConsumer, IPushProducer, implementer
from twistio.internet.protocol import Protocol
from twistio.python.failure import Failure
from twistio.web import _codec
from twistio.web.http import PotentialDataLoss
from twistio.web.http_headers import Headers
from twistio.web.iweb import UNKNOWN_LENGTH, IResponse

__all__ = [
    "BadHeaders",
    "BadResponseVersion",
    "ConnectionAborted",
    "ExcessWrite",
    "HTTP11ClientProtocol",
    "ParseError",
    "PotentialDataLoss",
    "Request",
    "RequestGenerationFailed",
    "RequestNotSent",
    "RequestTransmissionFailed",
    "Response",
    "ResponseBodyTooLarge",
    "ResponseDone",
    "ResponseFailed",
    "ResponseNeverReceived",
    "WrongBodyLength",
]

_log = logging.getLogger("twistio.web.client")

MAX_HEAD_BYTES = _codec.MAX_RESPONSE_HEAD
"""Longest response head accepted (status line and headers); curl and browsers allow
about as much (curl: 100 KiB, Chromium: 256 KiB), and real heads are well under 8 KiB."""


class _WrapperException(Exception):
    """An error that carries the ``Failure``s which caused it in ``reasons``."""

    def __init__(self, reasons: Sequence[Failure]) -> None:
        super().__init__(reasons)
        self.reasons: list[Failure] = list(reasons)

    def __repr__(self) -> str:
        inner = ", ".join(f"{type(f.value).__name__}: {f.value}" for f in self.reasons)
        return f"<{type(self).__name__} [{inner}]>"

    def __str__(self) -> str:
        return repr(self)


class RequestGenerationFailed(_WrapperException):
    """Writing the request failed because of the request itself (its body producer)."""


class RequestTransmissionFailed(_WrapperException):
    """The connection failed while the request was being written."""


class ResponseFailed(_WrapperException):
    """The response could not be received completely; ``response`` if its head arrived."""

    def __init__(self, reasons: Sequence[Failure], response: Any = None) -> None:
        super().__init__(reasons)
        self.response = response


class ResponseNeverReceived(ResponseFailed):
    """The connection failed before any of the response arrived."""


class RequestNotSent(Exception):
    """The request was not sent: the connection was busy or already gone."""


class ConnectionAborted(Exception):
    """The connection was aborted on purpose (a cancelled request, a stopped body)."""


class ResponseDone(Exception):
    """The body was received completely (the reason given to the body protocol)."""


class ResponseBodyTooLarge(Exception):
    """twistio: the response body is longer than the agent's ``max_body_size``."""


class _DataLoss(Exception):
    """The connection closed before the declared body length or final chunk arrived."""


class WrongBodyLength(Exception):
    """A body producer wrote a different number of bytes than its ``length``."""


class ExcessWrite(Exception):
    """A body producer wrote after finishing."""


class ParseError(Exception):
    """The server sent something that is not HTTP."""

    def __init__(self, reason: str, data: bytes) -> None:
        super().__init__(reason, data)
        self.reason = reason
        self.data = data


class BadResponseVersion(ParseError):
    """The status line's version is not HTTP/x.y."""


class BadHeaders(Exception):
    """Request headers that cannot be sent."""


_EMPTY_BODY_METHODS = frozenset((b"POST", b"PUT", b"PATCH"))
_CONNECTION_CONTROL = (
    b"content-length", b"connection", b"keep-alive", b"te", b"trailers",
    b"transfer-encoding", b"upgrade", b"proxy-connection",
)
"""Hop-by-hop headers: as in Twisted, they frame the message and are kept out of
``response.headers``."""


def _ensureValidMethod(method: bytes) -> bytes:
    if not isinstance(method, bytes):
        raise TypeError(f"method must be bytes, not {type(method).__name__}")
    if not _codec.is_token(method):
        raise ValueError(f"Invalid method {method!r}")
    return method


def _ensureValidURI(uri: bytes) -> bytes:
    if not isinstance(uri, bytes):
        raise TypeError(f"uri must be bytes, not {type(uri).__name__}")
    if not uri or any(c <= 0x20 or c == 0x7F for c in uri):
        raise ValueError(f"Invalid URI {uri!r}")
    return uri


class Request:
    """One HTTP request: method, request-target, headers and an optional body producer."""

    __slots__ = ("_parsedURI", "bodyProducer", "headers", "max_body_size", "method", "persistent", "uri")

    def __init__(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers,
        bodyProducer: Any,
        persistent: bool = False,
    ) -> None:
        self.method = _ensureValidMethod(method)
        self.uri = _ensureValidURI(uri)
        self.headers = headers
        self.bodyProducer = bodyProducer
        self.persistent = persistent
        self._parsedURI: Any = None
        self.max_body_size: int | None = None
        """twistio: a response body longer than this fails with ``ResponseBodyTooLarge``."""

    @classmethod
    def _construct(
        cls,
        method: bytes,
        uri: bytes,
        headers: Headers,
        bodyProducer: Any,
        persistent: bool,
        parsedURI: Any,
    ) -> Request:
        request = cls(method, uri, headers, bodyProducer, persistent)
        request._parsedURI = parsedURI
        return request

    @property
    def absoluteURI(self) -> bytes | None:
        """The full URI this request was made for, if known."""
        parsed = self._parsedURI
        return None if parsed is None else parsed.toBytes()

    def _head(self, framing: bytes) -> bytes:
        lines = [] if self.persistent else [b"Connection: close\r\n"]
        headers = self.headers
        if type(headers).getAllRawHeaders is Headers.getAllRawHeaders:
            lines.extend(headers.head_lines())
        else:
            # A Headers subclass choosing what is sent (as Twisted writes what it yields).
            lines.extend(
                name + b": " + value + b"\r\n"
                for name, values in headers.getAllRawHeaders()
                for value in values
            )
        if framing:
            lines.append(framing)
        return _codec.request_head(self.method, self.uri, b"HTTP/1.1", lines)

    def writeTo(self, transport: Any) -> Deferred[None] | None:
        """Write the request; None when it is all written already, else a Deferred that
        fires when the body has been written (or fails with the producer's error)."""
        producer = self.bodyProducer
        if producer is None:
            framing = b"Content-Length: 0\r\n" if self.method in _EMPTY_BODY_METHODS else b""
            transport.write(self._head(framing))
            return None
        length = producer.length
        if length is UNKNOWN_LENGTH or length == UNKNOWN_LENGTH:
            transport.write(self._head(b"Transfer-Encoding: chunked\r\n"))
            consumer: _BodyConsumer = _ChunkedConsumer(transport)
        else:
            transport.write(self._head(b"Content-Length: %d\r\n" % length))
            consumer = _LengthConsumer(transport, length)
        return consumer.run(producer)

    def stopWriting(self) -> None:
        """Abandon a body still being produced."""
        producer = self.bodyProducer
        if producer is not None:
            producer.stopProducing()


@implementer(IConsumer)
class _BodyConsumer:
    """What a body producer writes to: checks and frames its bytes for the transport."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._finished = False
        self._producer: Any = None

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self._transport.registerProducer(producer, True)

    def unregisterProducer(self) -> None:
        self._transport.unregisterProducer()

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def _done(self) -> None:
        raise NotImplementedError

    def run(self, producer: Any) -> Deferred[None]:
        self._producer = producer
        result: Deferred[None] = Deferred()
        self._transport.registerProducer(producer, True)

        def finished(_: object) -> None:
            self._transport.unregisterProducer()
            try:
                self._done()
            except Exception:
                result.errback(Failure())
                return
            self._finished = True
            result.callback(None)

        def failed(f: Failure) -> None:
            self._transport.unregisterProducer()
            self._finished = True
            result.errback(f)

        try:
            d = producer.startProducing(self)
        except Exception:
            self._transport.unregisterProducer()
            return fail(Failure())
        d.addCallbacks(finished, failed)
        return result


class _LengthConsumer(_BodyConsumer):
    def __init__(self, transport: Any, length: int) -> None:
        super().__init__(transport)
        self._left = length

    def write(self, data: bytes) -> None:
        if self._finished:
            raise ExcessWrite()
        self._left -= len(data)
        if self._left < 0:
            if self._producer is not None:
                self._producer.stopProducing()
            raise WrongBodyLength("body producer wrote more than its length")
        self._transport.write(data)

    def _done(self) -> None:
        if self._left:
            raise WrongBodyLength("body producer wrote less than its length")


class _ChunkedConsumer(_BodyConsumer):
    def write(self, data: bytes) -> None:
        if self._finished:
            raise ExcessWrite()
        if data:
            self._transport.writeSequence(_codec.chunk(data))

    def _done(self) -> None:
        self._transport.write(_codec.LAST_CHUNK)


@implementer(IPushProducer)
class _BodyTransport:
    """The ``transport`` a body protocol sees: pause, resume or stop the download."""

    __slots__ = ("_proto",)

    def __init__(self, proto: HTTP11ClientProtocol) -> None:
        self._proto = proto

    def pauseProducing(self) -> None:
        self._proto._userPaused = True
        self._proto._updateReading()

    def resumeProducing(self) -> None:
        self._proto._userPaused = False
        self._proto._updateReading()

    def stopProducing(self) -> None:
        self._proto._stopBody()

    def loseConnection(self) -> None:
        self._proto._stopBody()


@implementer(IResponse)
class Response:
    """An HTTP response: its head now, its body through ``deliverBody``.

    No ``__slots__``: programs written for Twisted print ``vars(response)`` and set their own
    attributes on it.
    """

    def __init__(
        self,
        version: tuple[bytes, int, int],
        code: int,
        phrase: bytes,
        headers: Headers,
        _transport: Any,
        request: Any = None,
    ) -> None:
        self.version = version
        self.code = code
        self.phrase = phrase
        self.headers = headers
        self.length: int | str = UNKNOWN_LENGTH
        self.request = request
        self.previousResponse: IResponse | None = None
        self._bodyTransport = _transport
        self._bodyProtocol: Any = None
        self._bodyBuffer: list[bytes] | None = []
        self._finishedReason: Failure | None = None
        self._lostSent = False

    @classmethod
    def _construct(
        cls,
        version: tuple[bytes, int, int],
        code: int,
        phrase: bytes,
        headers: Headers,
        transport: Any,
        request: Any,
    ) -> Response:
        return cls(version, code, phrase, headers, transport, request)

    def __repr__(self) -> str:
        return f"<Response {self.code} {self.phrase.decode('latin-1')!r} length={self.length}>"

    def setPreviousResponse(self, response: IResponse) -> None:
        """Record the response (a redirect) that led to this one."""
        self.previousResponse = response

    def deliverBody(self, protocol: Any) -> None:
        """Stream the body to ``protocol`` (only once per response)."""
        if self._bodyProtocol is not None:
            raise RuntimeError("Response already has a body protocol")
        self._bodyProtocol = protocol
        transport = self._bodyTransport
        protocol.makeConnection(transport)
        buffered = self._bodyBuffer
        self._bodyBuffer = None
        if buffered:
            for chunk in buffered:
                if self._lostSent:
                    break
                protocol.dataReceived(chunk)
        reason = self._finishedReason
        if reason is not None:
            if not self._lostSent:
                self._lostSent = True
                protocol.connectionLost(reason)
        elif isinstance(transport, _BodyTransport):
            transport._proto._bodyDelivered()

    def _bodyDataReceived(self, data: bytes) -> None:
        buffered = self._bodyBuffer
        if buffered is None:
            self._bodyProtocol.dataReceived(data)
        else:
            buffered.append(data)

    def _bodyDataFinished(self, reason: Failure) -> None:
        if self._finishedReason is not None:
            return
        self._finishedReason = reason
        if self._bodyProtocol is not None and self._bodyBuffer is None:
            self._lostSent = True
            self._bodyProtocol.connectionLost(reason)


_DONE = Failure(ResponseDone("Response body fully received"))


class HTTP11ClientProtocol(Protocol):
    """Sends one request at a time over a connection and parses its response."""

    _state = "QUIESCENT"
    _userPaused = False
    _selfPaused = False
    _readingPaused = False

    def __init__(
        self, quiescentCallback: Callable[[HTTP11ClientProtocol], None] = lambda p: None
    ) -> None:
        self._quiescentCallback = quiescentCallback
        self._reader = _codec.ResponseReader()
        self._untilClose = False
        self._request: Request | None = None
        self._responseDeferred: Deferred[Response] | None = None
        self._response: Response | None = None
        self._writing: Deferred[None] | None = None
        self._persistentResponse = False
        self._bodyTransport = _BodyTransport(self)
        self._idleSince = 0.0
        self._idleLost: Callable[[HTTP11ClientProtocol], None] | None = None

    @property
    def state(self) -> str:
        """``QUIESCENT``, ``TRANSMITTING``, ``WAITING``, ``CONNECTION_LOST`` ..."""
        return self._state

    # -- sending --------------------------------------------------------------------------

    def request(self, request: Request) -> Deferred[Response]:
        """Send ``request``; fires with its ``Response`` once the head has arrived."""
        if self._state != "QUIESCENT":
            return fail(RequestNotSent())
        self._state = "TRANSMITTING"
        self._request = request
        reader = self._reader
        reader.max_body_size = request.max_body_size
        reader.expect(request.method)
        self._untilClose = False
        self._userPaused = False
        self._response = None
        d: Deferred[Response] = Deferred(self._cancel)
        self._responseDeferred = d
        try:
            writing = request.writeTo(self.transport)
        except Exception:
            f = Failure()
            self._state = "GENERATION_FAILED"
            self._responseDeferred = None
            self.transport.loseConnection()
            return fail(RequestGenerationFailed([f]))
        if writing is None:
            if self._state == "TRANSMITTING":
                self._state = "WAITING"
        else:
            self._writing = writing
            writing.addCallbacks(self._bodyWritten, self._bodyFailed)
        return d

    def _bodyWritten(self, _: object) -> None:
        self._writing = None
        if self._state == "TRANSMITTING":
            self._state = "WAITING"
        elif self._state == "TRANSMITTING_AFTER_RESPONSE":
            self._state = "WAITING"
            self._maybeQuiescent()

    def _bodyFailed(self, f: Failure) -> None:
        self._writing = None
        if self._state in ("TRANSMITTING", "TRANSMITTING_AFTER_RESPONSE"):
            self._state = "GENERATION_FAILED"
            d = self._responseDeferred
            self._responseDeferred = None
            self.transport.abortConnection()
            if d is not None:
                d.errback(RequestGenerationFailed([f]))
        elif not f.check(CancelledError):
            _log.debug("request body failed after the connection was lost: %s", f.value)

    def _cancel(self, d: Deferred[Response]) -> None:
        # Twisted: the request fails with ResponseNeverReceived([CancelledError]).
        self._responseDeferred = None
        self._state = "ABORTED"
        if self._request is not None and self._writing is not None:
            self._request.stopWriting()
        self.transport.abortConnection()
        d.errback(ResponseNeverReceived([Failure(CancelledError())]))

    def abort(self) -> Deferred[None]:
        """Close the connection at once; fires when it is closed."""
        if self._state == "CONNECTION_LOST":
            return succeed(None)
        done: Deferred[None] = Deferred()
        self._abortWaiters = [*getattr(self, "_abortWaiters", []), done]
        self.transport.abortConnection()
        return done

    # -- receiving ------------------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        if self._request is None and self._state != "CLOSING":
            # The server sent bytes nobody asked for.
            _log.info("HTTP client: unexpected %d bytes from the server; closing", len(data))
            self._persistentResponse = False
            if self._state == "QUIESCENT":
                self._state = "CLOSING"
            self.transport.loseConnection()
            return
        for ev in self._reader.feed(data):
            if type(ev) is bytes:
                response = self._response
                assert response is not None
                response._bodyDataReceived(ev)
            elif ev is _codec.END:
                self._bodyFinished(self._reader.buffered)
            elif isinstance(ev, _codec.ResponseHead):
                self._headReceived(ev)
            elif isinstance(ev, _codec.ParseError):
                if ev.code == 413 and self._response is not None:
                    self._tooLarge()
                else:
                    cls = BadResponseVersion if isinstance(ev, _codec.BadVersion) else ParseError
                    self._parseFailed(Failure(cls(ev.message, ev.data)))
                break
        self._updateReading()

    def _headReceived(self, head: _codec.ResponseHead) -> None:
        """Handle a response head (informational ones are skipped)."""
        code = head.code
        if code < 200 and code != 101:
            return
        request = self._request
        if request is None or self._state not in (
            "WAITING", "TRANSMITTING", "TRANSMITTING_AFTER_RESPONSE"
        ):
            self._parseFailed(Failure(ParseError("response without a request", head.block[:100])))
            return
        headers = Headers.from_pairs(head.pairs)
        response = Response(head.version, code, head.reason, headers, self._bodyTransport, request)
        self._response = response
        self._persistentResponse = request.persistent and head.keep_alive
        self._untilClose = head.until_close
        length = head.content_length
        if length is not None:
            response.length = length
        keep_length = request.method == b"HEAD" or code in (204, 304)
        for name in _CONNECTION_CONTROL:
            # A Content-Length of a body-less response describes the entity: it stays visible.
            if headers.get_trusted(name) is not None and not (name == b"content-length" and keep_length):
                headers.removeHeader(name)
        d = self._responseDeferred
        self._responseDeferred = None
        if d is not None:
            d.callback(response)

    def _tooLarge(self) -> None:
        """The body passed ``max_body_size``: fail it and drop the connection."""
        self._persistentResponse = False
        response = self._response
        if response is not None and response._finishedReason is None:
            limit = self._reader.max_body_size
            response._bodyDataFinished(Failure(ResponseFailed(
                [Failure(ResponseBodyTooLarge(f"response body larger than {limit} bytes"))], response
            )))
        self.transport.abortConnection()

    def _bodyFinished(self, rest: bool) -> None:
        response = self._response
        self._request = None
        if rest:
            _log.info("HTTP client: bytes after the end of a response; closing")
            self._persistentResponse = False
        if self._state == "TRANSMITTING":
            # The server answered before the body was sent: keep sending it, then reuse.
            self._state = "TRANSMITTING_AFTER_RESPONSE"
        else:
            self._state = "WAITING"
            self._maybeQuiescent()
        if response is not None:
            response._bodyDataFinished(_DONE)

    def _maybeQuiescent(self) -> None:
        if self._persistentResponse and self._state == "WAITING":
            self._persistentResponse = False
            self._state = "QUIESCENT"
            self._response = None
            self._quiescentCallback(self)
        elif self._state == "WAITING":
            self._state = "CLOSING"
            self.transport.loseConnection()

    def _parseFailed(self, f: Failure) -> None:
        _log.info("HTTP client: bad response from the server: %s", f.value)
        self._persistentResponse = False
        self._fail(f, aborted=True)
        self.transport.abortConnection()

    def _fail(self, reason: Failure, aborted: bool = False) -> None:
        d = self._responseDeferred
        self._responseDeferred = None
        response = self._response
        state = self._state
        if d is not None:
            if state == "TRANSMITTING" and not aborted:
                d.errback(RequestTransmissionFailed([reason]))
            else:
                d.errback(ResponseNeverReceived([reason]))
        elif response is not None and response._finishedReason is None:
            response._bodyDataFinished(Failure(ResponseFailed([reason], response)))
        self._response = None

    def _stopBody(self) -> None:
        """The body protocol gave up: close the connection.

        As in Twisted, the body protocol hears of it later, from ``connectionLost`` (never
        from inside its own ``loseConnection``/``stopProducing`` call).
        """
        self._persistentResponse = False
        self.transport.loseConnection()

    def _bodyDelivered(self) -> None:
        if self._selfPaused:
            self._selfPaused = False
            self._updateReading()

    def _updateReading(self) -> None:
        response = self._response
        if (
            response is not None
            and response._bodyBuffer is not None
            and response._finishedReason is None
        ):
            self._selfPaused = True
        want_paused = self._userPaused or self._selfPaused
        if want_paused != self._readingPaused:
            self._readingPaused = want_paused
            transport = self.transport
            if transport is None:
                return
            if want_paused:
                transport.pauseProducing()
            else:
                transport.resumeProducing()

    def connectionLost(self, reason: Failure = _DONE) -> None:
        state = self._state
        self._state = "CONNECTION_LOST"
        if state == "QUIESCENT" and self._idleLost is not None:
            self._idleLost(self)
        reason = _clarify(reason)
        writing = self._writing
        if writing is not None and self._request is not None:
            self._request.stopWriting()
        response = self._response
        if self._responseDeferred is not None:
            self._fail(reason, aborted=state != "TRANSMITTING")
        elif response is not None and response._finishedReason is None:
            if self._untilClose:
                if reason.check(error.ConnectionDone):
                    response._bodyDataFinished(Failure(PotentialDataLoss()))
                else:
                    response._bodyDataFinished(Failure(ResponseFailed([reason], response)))
            else:
                response._bodyDataFinished(
                    Failure(ResponseFailed([reason, Failure(_DataLoss())], response))
                )
        self._response = None
        for done in getattr(self, "_abortWaiters", ()):
            done.callback(None)


def _clarify(reason: Failure) -> Failure:
    """A TLS failure reported as a lost connection: give the TLS error itself."""
    import ssl

    cause = reason.value.__cause__ if reason.value is not None else None
    if isinstance(cause, ssl.SSLError):
        return Failure(cause)
    return reason
