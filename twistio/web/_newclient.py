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
from typing import TYPE_CHECKING
from typing import Protocol as _Structural

from twistio._typing import StoredCall
from twistio.internet import error
from twistio.internet.defer import CancelledError, Deferred, fail, succeed
from twistio.internet.interfaces import (
    IConsumer,
    IProducer,
    IProtocol,
    IPushProducer,
    ITCPTransport,
    implementer,
)
from twistio.internet.protocol import Protocol
from twistio.logger import Logger
from twistio.python import _spelling
from twistio.python.failure import Failure
from twistio.web import _codec
from twistio.web.http import (
    PotentialDataLoss,
    _ChunkedTransferDecoder,
    _DataLoss,
    _IdentityTransferDecoder,
)
from twistio.web.http_headers import Headers
from twistio.web.iweb import UNKNOWN_LENGTH, IBodyProducer, IResponse

if TYPE_CHECKING:
    from twistio.web.client import URI

    class _ClientTransport(ITCPTransport, IConsumer, IPushProducer, _Structural):
        """What the client writes a request to and reads a response from: a TCP (or TLS)
        connection's transport, which is also a consumer and a push producer."""


class _BodyDecoder(_Structural):
    """What ``HTTPParser.switchToBodyMode`` takes: http's identity and chunked decoders."""

    def dataReceived(self, data: bytes) -> None: ...

    def noMoreData(self) -> None: ...

__all__ = [
    "BODY",
    "DONE",
    "HEADER",
    "STATUS",
    "UNKNOWN_LENGTH",
    "BadHeaders",
    "BadResponseVersion",
    "ChunkedEncoder",
    "ConnectionAborted",
    "ExcessWrite",
    "HTTP11ClientProtocol",
    "HTTPClientParser",
    "HTTPParser",
    "LengthEnforcingConsumer",
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
    "TransportProxyProducer",
    "WrongBodyLength",
    "makeStatefulDispatcher",
]

_log = logging.getLogger("twistio.web.client")
_events = Logger()

STATUS = "STATUS"
"""``HTTPParser.state`` while waiting for the status line."""
HEADER = "HEADER"
"""``HTTPParser.state`` while reading header lines."""
BODY = "BODY"
"""``HTTPParser.state`` once the head is read: the body follows."""
DONE = "DONE"
"""``HTTPParser.state`` once the whole message is read."""

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

    def __init__(self, reasons: Sequence[Failure], response: IResponse | None = None) -> None:
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


def ensure_valid_method(method: bytes) -> bytes:
    """``method``, if it is a token; else ``ValueError`` (``TypeError`` unless bytes).

    ``Request`` checks its method with it, and ``client.Agent.request`` before connecting."""
    if not isinstance(method, bytes):
        raise TypeError(f"method must be bytes, not {type(method).__name__}")
    if not _codec.is_token(method):
        raise ValueError(f"Invalid method {method!r}")
    return method


_URI_CHARS = bytes(range(0x21, 0x7F))
"""What a request-target may hold: printable ASCII without space (RFC 3986's characters
and the percent escapes of everything else)."""


def ensure_valid_uri(uri: bytes) -> bytes:
    """``uri``, if it can be a request-target; else ``ValueError`` (``TypeError`` unless
    bytes). Used as ``ensure_valid_method`` is."""
    if not isinstance(uri, bytes):
        raise TypeError(f"uri must be bytes, not {type(uri).__name__}")
    if not uri or uri.translate(None, _URI_CHARS):
        raise ValueError(f"Invalid URI {uri!r}")
    return uri


# Twisted's names (its client module imports them).
_ensureValidMethod = ensure_valid_method
_ensureValidURI = ensure_valid_uri


class Request:
    """One HTTP request: method, request-target, headers and an optional body producer."""

    __slots__ = ("_method", "_parsedURI", "_uri", "bodyProducer", "headers", "max_body_size", "persistent")

    def __init__(
        self,
        method: bytes,
        uri: bytes,
        headers: Headers,
        bodyProducer: IBodyProducer | None,
        persistent: bool = False,
        *,
        parsedURI: URI | None = None,
    ) -> None:
        """``parsedURI`` (twistio's): the URI the request is for, as ``absoluteURI`` gives
        it back (``client.Agent`` passes it)."""
        self.method = ensure_valid_method(method)
        self.uri = ensure_valid_uri(uri)
        self.headers = headers
        self.bodyProducer = bodyProducer
        self.persistent = persistent
        self._parsedURI = parsedURI
        self.max_body_size: int | None = None
        """twistio: a response body longer than this fails with ``ResponseBodyTooLarge``."""

    @property
    def method(self) -> bytes:
        """The method (checked whenever it is set: ``ValueError`` unless it is a token)."""
        return self._method

    @method.setter
    def method(self, method: bytes) -> None:
        self._method = ensure_valid_method(method)

    @property
    def uri(self) -> bytes:
        """The request-target (checked whenever it is set: ``ValueError`` unless it is
        printable ASCII without spaces, so that nothing can be injected into the head)."""
        return self._uri

    @uri.setter
    def uri(self, uri: bytes) -> None:
        self._uri = ensure_valid_uri(uri)

    @classmethod
    def _construct(
        cls,
        method: bytes,
        uri: bytes,
        headers: Headers,
        bodyProducer: IBodyProducer | None,
        persistent: bool,
        parsedURI: URI | None,
    ) -> Request:
        return cls(method, uri, headers, bodyProducer, persistent, parsedURI=parsedURI)

    @property
    def absoluteURI(self) -> bytes | None:
        """The full URI this request was made for, if known."""
        parsed = self._parsedURI
        return None if parsed is None else parsed.toBytes()

    def _head(self, framing: bytes) -> bytes:
        lines = [] if self.persistent else [b"Connection: close\r\n"]
        if framing:
            lines.append(framing)
        headers = self.headers
        if type(headers).getAllRawHeaders is Headers.getAllRawHeaders:
            hosts = headers.get_trusted(b"host")
            if hosts is None or len(hosts) != 1:
                raise BadHeaders("a request needs exactly one Host header")
            lines.extend(headers.head_lines())
        else:
            # A Headers subclass choosing what is sent (as Twisted writes what it yields).
            hosts = headers.getRawHeaders(b"host")
            if hosts is None or len(hosts) != 1:
                raise BadHeaders("a request needs exactly one Host header")
            lines.extend(
                name + b": " + value + b"\r\n"
                for name, values in headers.getAllRawHeaders()
                for value in values
            )
        return _codec.request_head(self.method, self.uri, b"HTTP/1.1", lines)

    def writeTo(self, transport: _ClientTransport) -> Deferred[None] | None:
        """Write the request; None when it is all written already, else a Deferred that
        fires when the body has been written (or fails with the producer's error).
        ``BadHeaders`` (nothing written) unless there is exactly one ``Host`` header."""
        producer = self.bodyProducer
        if producer is None:
            framing = b"Content-Length: 0\r\n" if self.method in _EMPTY_BODY_METHODS else b""
            transport.write(self._head(framing))
            return None
        length = producer.length
        if length is UNKNOWN_LENGTH or length == UNKNOWN_LENGTH:
            transport.write(self._head(b"Transfer-Encoding: chunked\r\n"))
        else:
            # Any length but UNKNOWN_LENGTH is an int.
            transport.write(self._head(b"Content-Length: %d\r\n" % length))  # type: ignore[str-format]
        return _writeBody(producer, transport)

    def stopWriting(self) -> None:
        """Abandon a body still being produced (an error its producer raises is logged)."""
        producer = self.bodyProducer
        if producer is not None:
            _callLogged(producer.stopProducing, "body producer's stopProducing")


def _callLogged(f: Callable[[], object], what: str) -> None:
    """Call application code ``f``; an exception it raises is logged, not raised."""
    try:
        f()
    except Exception:
        _events.failure("Error in " + what)


@implementer(IConsumer)
class ChunkedEncoder:
    """The consumer a body producer of unknown length writes to: each write goes to the
    transport as one chunk; ``unregisterProducer`` ends the body with the last chunk."""

    __slots__ = ("_allowNoMoreWrites", "transport")

    def __init__(self, transport: _ClientTransport) -> None:
        self.transport = transport
        self._allowNoMoreWrites = False

    def write(self, data: bytes) -> None:
        """Send ``data`` as one chunk (nothing for empty data); ``ExcessWrite`` once the
        body is over."""
        if self._allowNoMoreWrites:
            raise ExcessWrite()
        if data:
            self.transport.writeSequence(_codec.chunk(data))

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Register ``producer`` with the transport."""
        self.transport.registerProducer(producer, streaming)

    def stopWriting(self) -> None:
        """Refuse further writes, without ending the body (it failed)."""
        self._allowNoMoreWrites = True

    def unregisterProducer(self) -> None:
        """Unregister the producer and end the body with the zero-length chunk."""
        self.stopWriting()
        self.transport.unregisterProducer()
        self.transport.write(_codec.LAST_CHUNK)


@implementer(IConsumer)
class LengthEnforcingConsumer:
    """The consumer a body producer of known ``length`` writes to: passes its bytes on to
    ``consumer`` (the transport) while they fit. A write past the length fails ``finished``
    with ``WrongBodyLength`` and stops the producer; a write after the body is over raises
    ``ExcessWrite``."""

    def __init__(
        self, producer: IBodyProducer, consumer: IConsumer, finished: Deferred[None]
    ) -> None:
        # Made only for a body whose length is known: an int.
        self._length: int = producer.length  # type: ignore[assignment]
        self._producer = producer
        self._consumer = consumer
        self._finished: Deferred[None] | None = finished

    def _allowNoMoreWrites(self) -> None:
        """Writes from now on are errors (the body is over, one way or another)."""
        self._finished = None

    def write(self, bytes: bytes) -> None:
        """Pass ``bytes`` on if they fit in what is left of the length."""
        finished = self._finished
        if finished is None:
            self._producer.stopProducing()
            raise ExcessWrite()
        if len(bytes) <= self._length:
            self._length -= len(bytes)
            self._consumer.write(bytes)
            return
        self._allowNoMoreWrites()
        finished.errback(WrongBodyLength("too many bytes written"))
        _callLogged(self._producer.stopProducing, "body producer's stopProducing")

    def _noMoreWritesExpected(self) -> None:
        """The producer says it is done: ``WrongBodyLength`` if it wrote too little."""
        if self._finished is not None:
            self._allowNoMoreWrites()
            if self._length:
                raise WrongBodyLength("too few bytes written")


def _writeBody(producer: IBodyProducer, transport: _ClientTransport) -> Deferred[None]:
    """Run the body ``producer`` into ``transport`` (chunked when its length is unknown),
    registered as the transport's streaming producer meanwhile. The result fires once the
    body is written, or fails with the producer's error or ``WrongBodyLength``; whatever
    happens after that is logged."""
    length = producer.length
    chunked = length is UNKNOWN_LENGTH or length == UNKNOWN_LENGTH
    producing: Deferred[None] | None = None

    def cancel(_: Deferred[None]) -> None:
        # Cancelling the write cancels the production (the producer's own canceller runs).
        if producing is not None:
            producing.cancel()

    result: Deferred[None] = Deferred(cancel)
    over = False
    encoder: ChunkedEncoder | LengthEnforcingConsumer
    consuming: Deferred[None] | None = None
    if chunked:
        encoder = ChunkedEncoder(transport)
    else:
        consuming = Deferred()
        encoder = LengthEnforcingConsumer(producer, transport, consuming)

    def failed(f: Failure) -> None:
        nonlocal over
        over = True
        if isinstance(encoder, ChunkedEncoder):
            encoder.stopWriting()
        else:
            encoder._allowNoMoreWrites()
        transport.unregisterProducer()
        result.errback(f)

    def produced(_: object) -> None:
        nonlocal over
        if over:
            return
        if isinstance(encoder, ChunkedEncoder):
            over = True
            encoder.unregisterProducer()
            result.callback(None)
            return
        try:
            encoder._noMoreWritesExpected()
        except Exception:
            failed(Failure())
            return
        over = True
        transport.unregisterProducer()
        result.callback(None)

    def producingFailed(f: Failure) -> None:
        if over:
            _events.failure("Body producer failed after the request body was over", f)
        else:
            failed(f)

    def consumingFailed(f: Failure) -> None:
        if over:
            _events.failure(
                "Body consumer failed after the request body was over: probably a bug in "
                f"{_spelling.spelled(__name__)}.Request",
                f,
            )
        else:
            failed(f)

    if consuming is not None:
        consuming.addErrback(consumingFailed)
    transport.registerProducer(producer, True)
    try:
        # LengthEnforcingConsumer is only written to (no producer registers with it).
        producing = producer.startProducing(encoder)  # type: ignore[arg-type]
    except Exception:
        over = True
        transport.unregisterProducer()
        return fail(Failure())
    producing.addCallbacks(produced, producingFailed)
    return result


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

    def abortConnection(self) -> None:
        """Drop the connection at once (``readBody`` does when cancelled)."""
        self._proto._persistentResponse = False
        transport = self._proto.transport
        if transport is not None:
            transport.abortConnection()


@implementer(IPushProducer)
class TransportProxyProducer:
    """The producer a body protocol gets for a response read from ``producer`` (a
    transport): pauses, resumes or stops it, and closes it, until ``stopProxying``."""

    __slots__ = ("_producer",)

    def __init__(self, producer: _ClientTransport | None) -> None:
        self._producer = producer

    def stopProxying(self) -> None:
        """Forget the transport: from now on every call does nothing."""
        self._producer = None

    def stopProducing(self) -> None:
        """Stop the transport."""
        if self._producer is not None:
            self._producer.stopProducing()

    def resumeProducing(self) -> None:
        """Resume reading from the transport."""
        if self._producer is not None:
            self._producer.resumeProducing()

    def pauseProducing(self) -> None:
        """Pause reading from the transport."""
        if self._producer is not None:
            self._producer.pauseProducing()

    def loseConnection(self) -> None:
        """Close the transport's connection."""
        if self._producer is not None:
            self._producer.loseConnection()


@implementer(IResponse)
class Response:
    """An HTTP response: its head now, its body through ``deliverBody``.

    ``_state`` is ``INITIAL`` (body bytes are buffered until ``deliverBody``),
    ``CONNECTED`` (a body protocol gets them as they come), ``DEFERRED_CLOSE`` (the body
    ended before ``deliverBody``: the protocol will get it all at once) or ``FINISHED``;
    body bytes or an end after the end, and a second ``deliverBody``, are ``RuntimeError``s.

    No ``__slots__``: programs written for Twisted print ``vars(response)`` and set their own
    attributes on it.
    """

    def __init__(
        self,
        version: tuple[bytes, int, int],
        code: int,
        phrase: bytes,
        headers: Headers,
        _transport: _BodyTransport | _ClientTransport | None,
        request: Request | None = None,
    ) -> None:
        self.version = version
        self.code = code
        self.phrase = phrase
        self.headers = headers
        self.length: int | str = UNKNOWN_LENGTH
        self.request = request
        self.previousResponse: IResponse | None = None
        self._transport = _transport
        self._bodyProtocol: IProtocol | None = None
        self._bodyBuffer: list[bytes] | None = []
        self._bodyFinished: Failure | None = None
        self._state = "INITIAL"

    @classmethod
    def _construct(
        cls,
        version: tuple[bytes, int, int],
        code: int,
        phrase: bytes,
        headers: Headers,
        transport: _BodyTransport | _ClientTransport | None,
        request: Request | None,
    ) -> Response:
        return cls(version, code, phrase, headers, transport, request)

    def __repr__(self) -> str:
        return f"<Response {self.code} {self.phrase.decode('latin-1')!r} length={self.length}>"

    def setPreviousResponse(self, response: IResponse) -> None:
        """Record the response (a redirect) that led to this one."""
        self.previousResponse = response

    def deliverBody(self, protocol: IProtocol) -> None:
        """Stream the body to ``protocol``: its ``makeConnection`` gets a producer that
        pauses and resumes the download, then ``dataReceived`` the body and
        ``connectionLost`` the reason it ended (``ResponseDone`` when complete)."""
        state = self._state
        if state not in ("INITIAL", "DEFERRED_CLOSE"):
            raise RuntimeError(f"Response.deliverBody called in state {state}")
        transport = self._transport
        self._bodyProtocol = protocol
        # As in Twisted, a body protocol's "transport" is a producer: pause, resume, stop.
        protocol.makeConnection(transport)  # type: ignore[arg-type]
        buffered = self._bodyBuffer
        self._bodyBuffer = None
        if state == "INITIAL":
            self._state = "CONNECTED"
            # Reading resumes before the buffered bytes go out, so that a protocol that
            # stops the transport while taking them keeps it stopped.
            if isinstance(transport, _BodyTransport):
                transport._proto._bodyDelivered()
            elif transport is not None:
                transport.resumeProducing()
        if buffered:
            for chunk in buffered:
                if self._state == "FINISHED":
                    break
                protocol.dataReceived(chunk)
        if state == "DEFERRED_CLOSE":
            self._state = "CONNECTED"
            self._deliverEnd(self._bodyFinished)

    def _deliverEnd(self, reason: Failure | None) -> None:
        protocol = self._bodyProtocol
        self._bodyProtocol = None
        self._state = "FINISHED"
        # Set from deliverBody until here (CONNECTED).
        protocol.connectionLost(reason if reason is not None else _DONE)  # type: ignore[union-attr]

    def _bodyDataReceived(self, data: bytes) -> None:
        if self._state == "CONNECTED":
            self._bodyProtocol.dataReceived(data)  # type: ignore[union-attr]  # CONNECTED: set
        elif self._state == "INITIAL":
            assert self._bodyBuffer is not None
            self._bodyBuffer.append(data)
        else:
            raise RuntimeError(f"Response._bodyDataReceived called in state {self._state}")

    def _bodyDataFinished(self, reason: Failure | None = None) -> None:
        state = self._state
        if state == "CONNECTED":
            self._bodyFinished = reason if reason is not None else _DONE
            self._deliverEnd(reason)
        elif state == "INITIAL":
            self._bodyFinished = reason if reason is not None else _DONE
            self._state = "DEFERRED_CLOSE"
        else:
            raise RuntimeError(f"Response._bodyDataFinished called in state {state}")


_RECEIVING = ("INITIAL", "CONNECTED")
"""The states of a ``Response`` whose body is still arriving."""

_DONE = Failure(ResponseDone("Response body fully received"))
_DONE_REASON = Failure(error.ConnectionDone("connection done"))


class _Stateful(_Structural):
    """An object whose methods ``makeStatefulDispatcher`` dispatches on its ``_state``."""

    _state: str


def makeStatefulDispatcher(name: str, template: StoredCall) -> StoredCall:
    """A method that calls ``_<name>_<state>`` of its object, ``state`` being the object's
    ``_state``; ``RuntimeError`` when there is no such method. ``template`` lends its name
    and docstring."""

    def dispatcher(self: _Stateful, *args: object, **kwargs: object) -> object:
        handler: StoredCall | None = getattr(self, f"_{name}_{self._state}", None)
        if handler is None:
            raise RuntimeError(f"{self!r} has no {name} method in state {self._state}")
        return handler(*args, **kwargs)

    dispatcher.__name__ = template.__name__
    dispatcher.__doc__ = template.__doc__
    return dispatcher


class HTTPParser(Protocol):
    """A line-driven reader of an HTTP message head, as Twisted's: ``statusReceived`` with
    the first line, ``headerReceived`` with each field (continuation lines folded in,
    surrounding blanks stripped), ``allHeadersReceived`` after the blank line; then the body
    goes to the decoder given to ``switchToBodyMode``. Lines may end in CRLF or a bare LF.

    ``state`` goes ``STATUS``, ``HEADER``, ``BODY``, ``DONE``. The fields end up in
    ``headers``, or in ``connHeaders`` for the connection-control ones.

    twistio's own client reads responses with its sans-IO codec; this class serves code
    (and tests) written against Twisted's parser.
    """

    CONNECTION_CONTROL_HEADERS = frozenset(_CONNECTION_CONTROL)
    MAX_HEAD_LENGTH = MAX_HEAD_BYTES

    state = STATUS
    bodyDecoder: _BodyDecoder | None = None
    _bodyMode = False

    def connectionMade(self) -> None:
        self._buffer = b""
        self._reset()

    def _reset(self) -> None:
        # Ready for a (new) head: a skipped informational response is followed by another.
        self.headers = Headers()
        self.connHeaders = Headers()
        self.state = STATUS
        self._pending: bytes | None = None
        self._headLength = 0

    def switchToBodyMode(self, decoder: _BodyDecoder | None) -> None:
        """Give what follows the head to ``decoder``; ``RuntimeError`` the second time."""
        if self._bodyMode:
            raise RuntimeError("already in body mode")
        self._bodyMode = True
        self.bodyDecoder = decoder
        self.state = BODY

    def dataReceived(self, data: bytes) -> None:
        if self.state == DONE:
            return
        if self._bodyMode:
            self.rawDataReceived(data)
            return
        self._buffer += data
        while self.state in (STATUS, HEADER) and not self._bodyMode:
            buffer = self._buffer
            end = buffer.find(b"\n")
            if end < 0:
                if len(buffer) + self._headLength > self.MAX_HEAD_LENGTH:
                    self._buffer = b""
                    self.transport.loseConnection()
                return
            self._buffer = buffer[end + 1 :]
            self._headLength += end + 1
            if self._headLength > self.MAX_HEAD_LENGTH:
                self._buffer = b""
                self.transport.loseConnection()
                return
            line = buffer[:end]
            if line.endswith(b"\r"):
                line = line[:-1]
            self.lineReceived(line)
        if self._bodyMode and self.state == BODY:
            rest = self._takeRest()
            if rest:
                self.rawDataReceived(rest)

    def _takeRest(self) -> bytes:
        """The bytes received but not yet read as lines (they follow the head)."""
        rest, self._buffer = self._buffer, b""
        return rest

    def lineReceived(self, line: bytes) -> None:
        """One line of the head, without its line end."""
        if self.state == STATUS:
            self.statusReceived(line)
            self.state = HEADER
            return
        if line[:1] in (b" ", b"\t") and self._pending is not None:
            self._pending += line
            return
        self._flushHeader()
        if line:
            self._pending = line
            return
        self.allHeadersReceived()
        if self.state == HEADER and not self._bodyMode:
            self.state = BODY

    def _flushHeader(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        name, colon, value = pending.partition(b":")
        if not colon or not _codec.is_token(name):
            raise ParseError("Invalid header line", pending)
        self.headerReceived(name, value.strip(b" \t"))

    def statusReceived(self, status: bytes) -> None:
        """The status (or request) line; a subclass interprets it."""

    def headerReceived(self, name: bytes, value: bytes) -> None:
        """Store a field in ``headers`` (``connHeaders`` for connection control)."""
        target = self.connHeaders if self.isConnectionControlHeader(name.lower()) else self.headers
        target.addRawHeader(name, value)

    def isConnectionControlHeader(self, name: bytes) -> bool:
        """Whether the lower-case ``name`` is a connection-control (hop-by-hop) field."""
        return name in self.CONNECTION_CONTROL_HEADERS

    def allHeadersReceived(self) -> None:
        """The head is complete; by default, the rest is body for no decoder."""
        self.switchToBodyMode(None)

    def rawDataReceived(self, data: bytes) -> None:
        """Body bytes: to the body decoder."""
        if self.bodyDecoder is not None:
            self.bodyDecoder.dataReceived(data)

    def connectionLost(self, reason: Failure = _DONE_REASON) -> None:
        self.bodyDecoder = None


class HTTPClientParser(HTTPParser):
    """Reads one response to ``request``: ``_responseDeferred`` fires with the
    ``Response`` once its head is in; body bytes go to the response as they come, and
    ``finisher`` is called with the bytes that followed the response once it is complete.
    Informational (1xx) responses are logged and skipped.
    """

    transport: _ClientTransport
    NO_BODY_CODES = frozenset((204, 304))
    _transferDecoders = {b"chunked": _ChunkedTransferDecoder}

    def __init__(self, request: Request | None, finisher: Callable[[bytes], object] | None) -> None:
        self.request = request
        self.finisher = finisher
        self._responseDeferred: Deferred[Response] | None = Deferred()
        self._everReceivedData = False
        self._losing = False
        self._finished = False
        self.response: Response | None = None

    def dataReceived(self, data: bytes) -> None:
        self._everReceivedData = True
        super().dataReceived(data)

    def parseVersion(self, strversion: bytes) -> tuple[bytes, int, int]:
        """``b"HTTP/1.1"`` -> ``(b"HTTP", 1, 1)``; ``BadResponseVersion`` if malformed."""
        proto, slash, numbers = strversion.partition(b"/")
        major, dot, minor = numbers.partition(b".")
        if not (slash and dot and major.isdigit() and minor.isdigit()):
            raise BadResponseVersion("Invalid HTTP version", strversion)
        return proto, int(major), int(minor)

    def statusReceived(self, status: bytes) -> None:
        """Read the status line into a new ``response``; ``ParseError`` if malformed."""
        version, _, rest = status.partition(b" ")
        if not rest:
            raise ParseError("wrong number of parts", status)
        code, _, phrase = rest.partition(b" ")
        if not code.isdigit():
            raise ParseError("non-integer status code", status)
        self.response = Response._construct(
            self.parseVersion(version), int(code), phrase, self.headers, self.transport,
            self.request,
        )

    def isConnectionControlHeader(self, name: bytes) -> bool:
        # The Content-Length of a response without a body describes the resource: it stays
        # with the response's own headers.
        if name == b"content-length" and self._noBody():
            return False
        return super().isConnectionControlHeader(name)

    def _noBody(self) -> bool:
        response = self.response
        return (self.request is not None and self.request.method == b"HEAD") or (
            response is not None and response.code in self.NO_BODY_CODES
        )

    def _contentLength(self) -> int | None:
        values = self.connHeaders.getRawHeaders(b"content-length")
        if values is None:
            return None
        lengths = {
            field.strip(b" \t") for value in values for field in value.split(b",")
        }
        if not lengths or not all(v.isdigit() for v in lengths):
            raise ValueError(f"Invalid Content-Length: {values!r}")
        numbers = {int(v) for v in lengths}
        if len(numbers) != 1:
            raise ValueError(f"Conflicting Content-Length values: {values!r}")
        return numbers.pop()

    def allHeadersReceived(self) -> None:
        response = self.response
        assert response is not None
        if 100 <= response.code < 200:
            _events.info("Ignoring unexpected {code} response", code=response.code)
            self.response = None
            self._reset()
            return
        if self._noBody():
            response.length = 0
            self._fireResponse()
            self.state = DONE
            self._finish(self._takeRest())
            return
        decoder: _BodyDecoder
        if self.connHeaders.getRawHeaders(b"transfer-encoding") is not None:
            codings = b",".join(self.connHeaders.getRawHeaders(b"transfer-encoding", []))
            if codings.strip().lower() != b"chunked":
                raise ValueError(f"Unsupported Transfer-Encoding: {codings!r}")
            decoder = _ChunkedTransferDecoder(response._bodyDataReceived, self._finish)
        else:
            length = self._contentLength()
            if length is not None:
                response.length = length
            if length == 0:
                self._fireResponse()
                self.state = DONE
                self._finish(self._takeRest())
                return
            decoder = _IdentityTransferDecoder(length, response._bodyDataReceived, self._finish)
        self.transport.pauseProducing()
        self.switchToBodyMode(decoder)
        self._fireResponse()

    def _fireResponse(self) -> None:
        d, self._responseDeferred = self._responseDeferred, None
        if d is not None:
            d.callback(self.response)  # type: ignore[arg-type]  # set: the head is parsed

    def _finish(self, rest: bytes) -> None:
        """The response is complete: ``rest`` followed it."""
        self.state = DONE
        if self._finished:
            return
        self._finished = True
        response = self.response
        if response is not None and not self._losing:
            response._bodyDataFinished()
        if self.finisher is not None:
            self.finisher(rest)

    def connectionLost(self, reason: Failure = _DONE_REASON) -> None:
        decoder = self.bodyDecoder
        response = self.response
        if decoder is not None and response is not None:
            self._losing = True
            try:
                try:
                    decoder.noMoreData()
                except PotentialDataLoss:
                    response._bodyDataFinished(Failure())
                except _DataLoss:
                    response._bodyDataFinished(
                        Failure(ResponseFailed([reason, Failure()], response))
                    )
                else:
                    if response._state in _RECEIVING:
                        response._bodyDataFinished()
            except Exception:
                _events.failure("Error while finishing a response body")
        elif self.state != DONE and self._responseDeferred is not None:
            cls = ResponseFailed if self._everReceivedData else ResponseNeverReceived
            d, self._responseDeferred = self._responseDeferred, None
            d.errback(Failure(cls([reason])))
        self.bodyDecoder = None


class HTTP11ClientProtocol(Protocol):
    """Sends one request at a time over a connection and parses its response."""

    transport: _ClientTransport

    _state = "QUIESCENT"
    _aborting = False
    _headFired: Deferred[Response] | None = None
    _firedResponse: Response | None = None
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
        self.idle_since = 0.0
        """The pool's hook: when the connection went idle in a pool (the pool's clock)."""
        self.idle_lost: Callable[[HTTP11ClientProtocol], None] | None = None
        """The pool's hook: called with this protocol if the connection is lost while idle
        (``QUIESCENT``), so that the pool forgets it."""

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
        # Duck-typed requests (Twisted's tests use some) may lack twistio's limit.
        reader.max_body_size = getattr(request, "max_body_size", None)
        reader.expect(getattr(request, "method", b"GET"))
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
        elif self._state == "TRANSMITTING_AFTER_RECEIVING_RESPONSE":
            self._state = "WAITING"
            self._maybeQuiescent()

    def _bodyFailed(self, f: Failure) -> None:
        self._writing = None
        if self._state in ("TRANSMITTING", "TRANSMITTING_AFTER_RECEIVING_RESPONSE"):
            self._state = "GENERATION_FAILED"
            d = self._responseDeferred
            self._responseDeferred = None
            self.transport.abortConnection()
            if d is not None:
                d.errback(RequestGenerationFailed([f]))
        elif not f.check(CancelledError):
            _events.failure(
                "Error writing request, but not in valid state to finalize request: {state}",
                f,
                state=self._state,
            )

    def _cancel(self, d: Deferred[Response]) -> None:
        # As in Twisted: cancelled while the body is being produced, the production is
        # cancelled and the request fails with RequestGenerationFailed([CancelledError]);
        # later, with ResponseNeverReceived([CancelledError]).
        self._responseDeferred = None
        state = self._state
        self._state = "ABORTED"
        self.transport.abortConnection()
        writing = self._writing
        if writing is not None:
            self._writing = None
            writing.cancel()
            if state == "TRANSMITTING":
                d.errback(RequestGenerationFailed([Failure(CancelledError())]))
                return
        d.errback(ResponseNeverReceived([Failure(CancelledError())]))

    def abort(self) -> Deferred[None]:
        """Close the connection at once; fires when it is closed."""
        if self._state == "CONNECTION_LOST":
            return succeed(None)
        done: Deferred[None] = Deferred()
        self._abortWaiters = [*getattr(self, "_abortWaiters", []), done]
        self._aborting = True
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
                # A response complete in this read is complete (and its connection back in
                # the pool) before the application hears of it; as in Twisted for one
                # without a body.
                self._bodyFinished(self._reader.buffered)
                self._fireHead()
            elif isinstance(ev, _codec.ResponseHead):
                self._headReceived(ev)
            elif isinstance(ev, _codec.ParseError):
                if ev.code == 413 and self._response is not None:
                    self._tooLarge()
                else:
                    cls = BadResponseVersion if isinstance(ev, _codec.BadVersion) else ParseError
                    self._parseFailed(Failure(cls(ev.message, ev.data)))
                break
        if self._headFired is not None:
            # The head is out with whatever body this read brought (kept by the response
            # until the application asks for it).
            self._fireHead()
        self._updateReading()

    def _headReceived(self, head: _codec.ResponseHead) -> None:
        """Handle a response head (informational ones are skipped)."""
        code = head.code
        if code < 200 and code != 101:
            return
        request = self._request
        if request is None or self._state not in (
            "WAITING", "TRANSMITTING", "TRANSMITTING_AFTER_RECEIVING_RESPONSE"
        ):
            self._parseFailed(Failure(ParseError("response without a request", head.block[:100])))
            return
        headers = Headers.from_pairs(head.pairs)
        response = Response(head.version, code, head.reason, headers, self._bodyTransport, request)
        self._response = response
        self._firedResponse = response
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
        self._headFired = d
        if not (keep_length or (length == 0 and not head.chunked and not head.until_close)):
            # A response with a body is reported now, before the body bytes of this read
            # are handled, as Twisted's client does: the application's ``deliverBody``
            # then always comes before its protocol's ``connectionLost``. One without a
            # body is reported once complete (its connection back in the pool).
            self._fireHead()

    def _fireHead(self) -> None:
        d = self._headFired
        response = self._firedResponse
        self._headFired = self._firedResponse = None
        if d is not None:
            d.callback(response)  # type: ignore[arg-type]  # set with _headFired

    def _tooLarge(self) -> None:
        """The body passed ``max_body_size``: fail it and drop the connection."""
        self._persistentResponse = False
        response = self._response
        if response is not None and response._state in _RECEIVING:
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
            # The server answered before the body was sent: keep sending it, then reuse the
            # connection if both sides want it kept; otherwise it closes now, as in Twisted.
            self._state = "TRANSMITTING_AFTER_RECEIVING_RESPONSE"
            if not self._persistentResponse:
                self.transport.loseConnection()
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
            try:
                self._quiescentCallback(self)
            except Exception:
                _events.failure("Error in the connection pool's quiescent callback")
                self._state = "CLOSING"
                self.transport.loseConnection()
        elif self._state == "WAITING":
            self._state = "CLOSING"
            self.transport.loseConnection()

    def _parseFailed(self, f: Failure) -> None:
        _log.info("HTTP client: bad response from the server: %s", f.value)
        self._persistentResponse = False
        self._fail(f, aborted=True)
        self.transport.abortConnection()

    def _fail(self, reason: Failure, aborted: bool = False, state: str | None = None) -> None:
        d = self._responseDeferred
        self._responseDeferred = None
        response = self._response
        if state is None:
            state = self._state
        if d is not None:
            if state == "TRANSMITTING" and not aborted:
                d.errback(RequestTransmissionFailed([reason]))
            else:
                d.errback(ResponseNeverReceived([reason]))
        elif response is not None and response._state in _RECEIVING:
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
        if response is not None and response._state == "INITIAL":
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
        if state == "QUIESCENT" and self.idle_lost is not None:
            self.idle_lost(self)
        reason = Failure(ConnectionAborted()) if self._aborting else _clarify(reason)
        writing = self._writing
        if writing is not None and self._request is not None:
            self._request.stopWriting()
        response = self._response
        if self._responseDeferred is not None:
            self._fail(reason, aborted=state != "TRANSMITTING", state=state)
        elif response is not None and response._state in _RECEIVING:
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
