"""HTTP/2 for ``Site`` over TLS, built on the sans-IO ``h2`` library (the ``http2`` extra).

HTTP/1.1 stays the default. When a TLS connection's ALPN negotiation picked ``h2``,
``HTTPChannel.connectionMade`` hands the connection to an ``H2Connection`` (built by
``build_h2_connection``, which this module registers with ``http.register_http2``; so does
``twistio.web.server``, loading this module on the first such connection). For ``h2`` to
be offered, the server's TLS options must list it, as with Twisted::

    options = CertificateOptions(..., acceptableProtocols=[b"h2", b"http/1.1"])
    reactor.listenSSL(443, site, options)

(``H2_ALPN`` is that list when ``h2`` is importable, ``[b"http/1.1"]`` otherwise.) A site
(or any ``HTTPFactory``) with ``allowHTTP2 = False`` never switches.

Each stream becomes one request of the site's ``requestFactory`` with the same API as over
HTTP/1.1 (``write``, ``finish``, ``setHeader``, ``registerProducer``, ``NOT_DONE_YET``,
``notifyFinish``); the stream object (``H2Stream``) is the request's ``channel`` and its
``transport``. Response bodies respect HTTP/2 flow control: what the stream and connection
windows do not allow yet is buffered per stream; above ``H2Connection.bufferHigh`` bytes a
streaming producer is paused (resumed once drained), a pull producer is only asked for more
once the buffer is empty. A stream reset by the client (``RST_STREAM``) fails its
request's ``notifyFinish`` Deferreds and stops its producer. The connection announces
``maxConcurrentStreams`` and ``maxHeaderListSize`` and h2 enforces them (a client going
over them gets ``GOAWAY``); ``loseConnection``, the idle timeout and reactor shutdown send
``GOAWAY`` before closing.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast

from twistio.internet import protocol
from twistio.internet._registry import installed_reactor
from twistio.internet.error import ConnectionLost
from twistio.internet.interfaces import (
    IAddress,
    IDelayedCall,
    IProducer,
    IPushProducer,
    IReactorCore,
    IReactorTime,
)
from twistio.python.failure import Failure
from twistio.web._codec import RequestHead, RequestReader
from twistio.web.http import Request, extra_info, register_http2
from twistio.web.http_headers import Headers

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport
    from twistio.internet.interfaces import ISSLTransport
    from twistio.web.http import HTTPChannel, HTTPFactory, _RequestFactory

try:
    import h2.config
    import h2.connection
    import h2.errors
    import h2.events
    import h2.exceptions
    import h2.settings

    H2_AVAILABLE = True
except ImportError:  # pragma: no cover - without the http2 extra
    H2_AVAILABLE = False

__all__ = [
    "H2_ALPN",
    "H2_AVAILABLE",
    "H2Connection",
    "H2Stream",
    "build_h2_connection",
    "negotiatedProtocol",
]

H2_ALPN: list[bytes] = [b"h2", b"http/1.1"] if H2_AVAILABLE else [b"http/1.1"]

_log = logging.getLogger("twistio.web")

# Connection-specific fields, not allowed in HTTP/2 (RFC 9113 8.2.2).
_HOP_BY_HOP = frozenset(
    (b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade")
)


def negotiatedProtocol(transport: object) -> str | None:
    """The ALPN protocol a TLS transport negotiated, or None."""
    ssl_object = extra_info(transport, "ssl_object")
    if ssl_object is None:
        return None
    selected: str | None = ssl_object.selected_alpn_protocol()  # type: ignore[attr-defined]
    return selected


#: ``callLater(seconds, f)``: a reactor's or a ``Clock``'s.
_CallLater = Callable[[float, Callable[[], object]], IDelayedCall]


def build_h2_connection(channel: HTTPChannel, callLater: _CallLater | None) -> H2Connection:
    """The ``H2Connection`` that takes over ``channel``'s connection (TLS negotiated ``h2``):
    the same site, request factory, factory and idle timeout; its timers on ``callLater``
    (None: the reactor's). The builder ``http.register_http2`` is given."""
    conn = H2Connection(
        site=channel.site, requestFactory=channel.requestFactory, factory=channel.factory
    )
    conn.timeOut = channel.timeOut
    conn.callLater = callLater
    return conn


class H2Stream:
    """One HTTP/2 stream: the ``channel`` and the ``transport`` of its request."""

    def __init__(self, streamID: int, connection: H2Connection) -> None:
        self.streamID = streamID
        self.connection = connection
        self.transport = self
        self.site = connection.site
        self.factory = connection.factory
        self.request: Request | None = None
        self.requests: list[Request] = []
        self.bodyless = False
        self.buffer: deque[bytes] = deque()
        self.buffered = 0
        self.ending = False  # the response is finished; END_STREAM once the buffer drains
        self.ended = False  # END_STREAM sent (or the stream was reset)
        self.remoteEnded = False
        self.bodyReceived = 0
        self.bodyRefused = False  # answered 413: the rest of the body is dropped
        # A pull producer (streaming False) is only ever asked to resumeProducing.
        self.producer: IPushProducer | None = None
        self.streaming = False
        self.producerPaused = False
        self.readPaused = False
        self.unacked = 0  # request body bytes not yet given back to the window (paused)
        self.pulling = False
        self.writes = 0

    # -- the channel contract (what Request calls) ---------------------------------------

    def isSecure(self) -> bool:
        """HTTP/2 is served over TLS only."""
        return True

    def writeHeaders(self, version: bytes, code: bytes, reason: bytes, headers: Headers) -> None:
        """Send the response head as a HEADERS frame (no reason phrase, no connection-specific
        fields, no chunking: DATA frames delimit the body)."""
        request = self.request
        status = int(code)
        self.bodyless = status < 200 or status in (204, 304) or (
            request is not None and request.method == b"HEAD"
        )
        fields = [(b":status", code)]
        fields.extend(pair for pair in headers.lower_pairs() if pair[0] not in _HOP_BY_HOP)
        self.connection._sendHeaders(self, fields)

    def pause_reading(self) -> None:
        """Stop giving request-body window back to the client (twistio hook)."""
        self.pauseProducing()

    def resume_reading(self) -> None:
        """Undo ``pause_reading``."""
        self.resumeProducing()

    def requestDone(self, request: Request) -> None:
        """The response is finished: end the stream once its data is sent."""
        if request in self.requests:
            self.requests.remove(request)
        self.ending = True
        self.connection._sendPending(self)

    # -- transport ----------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue response body bytes (sent as DATA frames as the windows allow)."""
        if not data or self.ended or self.bodyless:
            return
        self.buffer.append(bytes(data))
        self.buffered += len(data)
        self.writes += 1
        self.connection._sendPending(self)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Queue several pieces."""
        for piece in data:
            self.write(piece)

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Attach a producer for the response body (push: paused over ``bufferHigh``; pull:
        asked for more whenever the buffer is empty)."""
        if self.producer is not None:
            raise RuntimeError(f"Cannot register producer {producer!r}: one is already registered")
        self.producer = cast(IPushProducer, producer)
        self.streaming = streaming
        self.producerPaused = False
        if self.ended:
            producer.stopProducing()
            return
        if streaming:
            self.connection._checkProducer(self)
        else:
            self.connection._pull(self)

    def unregisterProducer(self) -> None:
        """Detach the producer."""
        self.producer = None

    def loseConnection(self) -> None:
        """Close this stream only (what a request sees as losing its connection)."""
        self.connection._resetStream(self, finishing=True)

    def abortConnection(self) -> None:
        """Reset this stream."""
        self.connection._resetStream(self)

    def getPeer(self) -> IAddress:
        """The client's address."""
        peer: IAddress = self.connection.transport.getPeer()
        return peer

    def getHost(self) -> IAddress:
        """The server's address."""
        host: IAddress = self.connection.transport.getHost()
        return host

    def getPeerCertificate(self) -> object:
        """The client's TLS certificate, if it sent one."""
        return cast("ISSLTransport", self.connection.transport).getPeerCertificate()

    def pauseProducing(self) -> None:
        """Stop giving request-body window back to the client."""
        self.readPaused = True

    def resumeProducing(self) -> None:
        """Give back what was held while paused."""
        self.readPaused = False
        self.connection._ackBody(self, 0)

    def stopProducing(self) -> None:
        """Reset the stream."""
        self.connection._resetStream(self)

    def __repr__(self) -> str:
        return f"<H2Stream {self.streamID}>"


class H2Connection(protocol.Protocol):
    """The HTTP/2 server side of one TLS connection (Twisted's ``H2Connection``)."""

    transport: ConnectionTransport

    maxConcurrentStreams = 100
    """Announced in SETTINGS_MAX_CONCURRENT_STREAMS; h2 refuses streams beyond it."""
    maxHeaderListSize = 64 * 1024
    """Announced in SETTINGS_MAX_HEADER_LIST_SIZE; h2 rejects larger header blocks."""
    bufferHigh = 256 * 1024
    """Per-stream buffered response bytes above which a streaming producer is paused."""
    timeOut: float | None = 60.0
    """Seconds without traffic before GOAWAY and close (None: never)."""
    callLater: _CallLater | None = None
    """The ``callLater`` for its timers (a ``Clock``'s, in tests); None: the reactor's."""

    def __init__(
        self,
        site: object = None,
        requestFactory: _RequestFactory | None = None,
        factory: HTTPFactory | None = None,
    ) -> None:
        self.site = site
        self.factory: HTTPFactory | None = factory
        self.requestFactory: _RequestFactory = (
            requestFactory if requestFactory is not None else Request
        )
        config = h2.config.H2Configuration(client_side=False, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.streams: dict[int, H2Stream] = {}
        self.transportPaused = False
        self.closing = False
        self._idleCall: IDelayedCall | None = None
        self._callLater: _CallLater | None = None
        self._shutdownTrigger: object = None
        self._reactor: IReactorTime | None = None
        limits = {**getattr(factory, "parserLimits", {})}
        self.maxBodySize: int | None = RequestReader(**limits).max_body_size
        """Request bodies larger than this get 413 and are dropped (HTTP/1.1's limit too)."""

    # -- connection ---------------------------------------------------------------------

    def connectionMade(self) -> None:
        factory = self.factory
        reactor = getattr(factory, "reactor", None)  # an HTTPFactory's: the given or the global
        if reactor is None:
            reactor = installed_reactor()
        self._reactor = reactor
        self._callLater = self.callLater if self.callLater is not None else reactor.callLater
        self.conn.update_settings(
            {
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.maxConcurrentStreams,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: self.maxHeaderListSize,
            }
        )
        self.conn.initiate_connection()
        self._flush()
        self.transport.registerProducer(self, True)
        if self.timeOut is not None:
            self._idleCall = self._callLater(self.timeOut, self._timedOut)
        add = getattr(reactor, "addSystemEventTrigger", None)
        if add is not None:
            self._shutdownTrigger = add("before", "shutdown", self.loseConnection)

    def dataReceived(self, data: bytes) -> None:
        if self._idleCall is not None and self._idleCall.active():
            self._idleCall.reset(cast(float, self.timeOut))  # set: the call exists
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            # h2 has queued a GOAWAY (protocol error, too many streams, header block too big).
            self._flush()
            self.transport.loseConnection()
            return
        for event in events:
            if type(event) is h2.events.RequestReceived:
                self._requestReceived(event)
            elif type(event) is h2.events.DataReceived:
                self._dataReceived(event)
            elif type(event) is h2.events.StreamEnded:
                self._streamEnded(event.stream_id)
            elif type(event) is h2.events.StreamReset:
                self._streamReset(event.stream_id, event.error_code)
            elif type(event) is h2.events.WindowUpdated:
                self._windowUpdated(event.stream_id)
            elif type(event) is h2.events.RemoteSettingsChanged:
                self._windowUpdated(0)
            elif type(event) is h2.events.ConnectionTerminated:
                self._flush()
                self.transport.loseConnection()
                return
        self._flush()

    def _flush(self) -> None:
        out = self.conn.data_to_send()
        if out:
            self.transport.write(out)

    def loseConnection(self) -> None:
        """Send GOAWAY, then close once what was written is sent."""
        if self.closing:
            return
        self.closing = True
        try:
            self.conn.close_connection()
        except h2.exceptions.ProtocolError:  # pragma: no cover - already closed
            pass
        self._flush()
        self.transport.loseConnection()

    def _timedOut(self) -> None:
        self._idleCall = None
        _log.info("HTTP/2 connection timed out")
        self.loseConnection()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.closing = True
        if self._idleCall is not None and self._idleCall.active():
            self._idleCall.cancel()
        self._idleCall = None
        if self._shutdownTrigger is not None:
            try:
                # (There is a trigger only if the reactor has system events.)
                cast(IReactorCore, self._reactor).removeSystemEventTrigger(self._shutdownTrigger)
            except (ValueError, KeyError):  # pragma: no cover - already fired
                pass
            self._shutdownTrigger = None
        streams, self.streams = self.streams, {}
        for stream in streams.values():
            self._lose(stream, reason)

    # -- the transport's producer (TCP back-pressure) -----------------------------------

    def pauseProducing(self) -> None:
        self.transportPaused = True

    def resumeProducing(self) -> None:
        self.transportPaused = False
        self._windowUpdated(0)
        self._flush()

    def stopProducing(self) -> None:
        # The transport is going away; its connectionLost follows and cleans up.
        self.transportPaused = True

    # -- incoming -----------------------------------------------------------------------

    def _requestReceived(self, event: h2.events.RequestReceived) -> None:
        sid = event.stream_id
        stream = H2Stream(sid, self)
        self.streams[sid] = stream
        method = path = authority = b""
        pairs: list[tuple[bytes, bytes]] = []
        cookies: list[bytes] = []
        length: int | None = None
        for name, value in event.headers:
            if name[:1] == b":":
                if name == b":method":
                    method = value
                elif name == b":path":
                    path = value
                elif name == b":authority":
                    authority = value
            elif name == b"cookie":
                cookies.append(value)
            else:
                if name == b"content-length" and value.isdigit():
                    length = int(value)
                pairs.append((name, value))
        if cookies:  # RFC 9113 8.2.3: crumbs are joined back with "; "
            pairs.append((b"cookie", b"; ".join(cookies)))
        if authority and not any(name == b"host" for name, _ in pairs):
            pairs.insert(0, (b"host", authority))
        head = RequestHead(method, path, b"HTTP/2")
        head.pairs = pairs
        head.block = b"".join(name + b": " + value + b"\r\n" for name, value in pairs)
        head.lowered = b"\r\n" + head.block.lower()
        head.content_length = length or 0
        head.keep_alive = False
        request = self.requestFactory(stream)
        request.received_head(head)
        request.gotLength(length)
        stream.request = request
        stream.requests.append(request)
        if length is not None and self.maxBodySize is not None and length > self.maxBodySize:
            self._refuseBody(stream)

    def _refuseBody(self, stream: H2Stream) -> None:
        """Answer 413 for a request body over ``maxBodySize``; what else arrives is dropped."""
        stream.bodyRefused = True
        request = stream.request
        if request is not None and not request.startedWriting and not stream.ended:
            request.setResponseCode(413)
            request.responseHeaders = Headers({b"content-length": [b"0"]})
            request.write(b"")
            stream.ending = True
            self._sendPending(stream)

    def _dataReceived(self, event: h2.events.DataReceived) -> None:
        stream = self.streams.get(event.stream_id)
        size = event.flow_controlled_length
        if stream is None or stream.request is None or stream.remoteEnded:
            self.conn.acknowledge_received_data(size, event.stream_id)
            return
        request = stream.request
        if stream.bodyRefused:
            self.conn.acknowledge_received_data(size, event.stream_id)
            self._flush()
            return
        stream.bodyReceived += len(event.data)
        if self.maxBodySize is not None and stream.bodyReceived > self.maxBodySize:
            self._refuseBody(stream)
            self.conn.acknowledge_received_data(size, event.stream_id)
            self._flush()
            return
        if not request.started and event.data:
            request.handleContentChunk(event.data)
        self._ackBody(stream, size)

    def _ackBody(self, stream: H2Stream, size: int) -> None:
        """Give ``size`` request-body bytes back to the client's window (held while the
        request's transport is paused)."""
        stream.unacked += size
        if stream.readPaused or not stream.unacked or stream.ended:
            return
        size, stream.unacked = stream.unacked, 0
        try:
            self.conn.acknowledge_received_data(size, stream.streamID)
        except h2.exceptions.StreamClosedError:  # pragma: no cover - closed meanwhile
            pass
        self._flush()

    def _streamEnded(self, sid: int) -> None:
        stream = self.streams.get(sid)
        if stream is None or stream.request is None or stream.remoteEnded:
            return
        stream.remoteEnded = True
        request = stream.request
        if stream.ended or stream.bodyRefused:  # answered (or reset) before the body was all here
            self.streams.pop(sid, None)
            return
        request.body_complete()
        if not request.started:
            request.started = True
            try:
                request.requestReceived(request.method, request.uri, b"HTTP/2")
            except Exception:
                _log.exception("Unhandled error handling %r", request)
                if not request.startedWriting and not stream.ended:
                    request.setResponseCode(500)
                    request.responseHeaders = Headers({b"content-length": [b"0"]})
                    request.write(b"")
                    stream.ending = True
                    self._sendPending(stream)
                else:
                    self._resetStream(stream)
        if stream.ended and not stream.buffer:
            self.streams.pop(sid, None)

    def _streamReset(self, sid: int, code: int) -> None:
        stream = self.streams.pop(sid, None)
        if stream is None:
            return
        stream.ended = True
        self._lose(stream, Failure(ConnectionLost(f"HTTP/2 stream {sid} was reset ({code!r})")))

    def _lose(self, stream: H2Stream, reason: Failure) -> None:
        """The stream is gone before its response was finished: tell its request."""
        stream.ended = True
        stream.buffer.clear()
        stream.buffered = 0
        request = stream.request
        producer, stream.producer = stream.producer, None
        if request is not None and request.started and not request.finished:
            request.connectionLost(reason)
        elif producer is not None:
            try:
                producer.stopProducing()
            except Exception:
                _log.exception("error stopping a producer")

    # -- outgoing -----------------------------------------------------------------------

    def _sendHeaders(self, stream: H2Stream, headers: list[tuple[bytes, bytes]]) -> None:
        if stream.ended:
            return
        try:
            self.conn.send_headers(stream.streamID, headers)
        except h2.exceptions.ProtocolError:
            self._resetStream(stream)
            return
        self._flush()

    def _windowUpdated(self, sid: int) -> None:
        if sid:
            stream = self.streams.get(sid)
            if stream is not None:
                self._sendPending(stream)
            return
        for stream in list(self.streams.values()):
            self._sendPending(stream)
            if self.transportPaused:
                break

    def _sendPending(self, stream: H2Stream) -> None:
        """Send what the windows allow of ``stream``'s buffer; END_STREAM when finished."""
        if stream.ended:
            return
        conn = self.conn
        sid = stream.streamID
        buffer = stream.buffer
        sent = False
        try:
            while buffer and not self.transportPaused:
                window = conn.local_flow_control_window(sid)
                if window <= 0:
                    break
                chunk = buffer[0]
                size = min(window, conn.max_outbound_frame_size, len(chunk))
                if size < len(chunk):
                    conn.send_data(sid, chunk[:size])
                    buffer[0] = chunk[size:]
                else:
                    conn.send_data(sid, chunk)
                    buffer.popleft()
                stream.buffered -= size
                sent = True
            if not buffer and stream.ending:
                conn.end_stream(sid)
                stream.ended = True
                sent = True
        except h2.exceptions.ProtocolError:  # the stream closed meanwhile
            stream.ended = True
            buffer.clear()
            stream.buffered = 0
        if sent:
            self._flush()
        if stream.ended:
            if stream.remoteEnded or stream.request is None:
                self.streams.pop(sid, None)
            return
        if stream.producer is not None:
            if stream.streaming:
                self._checkProducer(stream)
            elif not buffer:
                self._pull(stream)

    def _checkProducer(self, stream: H2Stream) -> None:
        """Pause a streaming producer over ``bufferHigh``; resume it once drained."""
        producer = stream.producer
        if producer is None:
            return
        if stream.buffered > self.bufferHigh:
            if not stream.producerPaused:
                stream.producerPaused = True
                producer.pauseProducing()
        elif stream.producerPaused and not stream.buffered:
            stream.producerPaused = False
            producer.resumeProducing()

    def _pull(self, stream: H2Stream) -> None:
        """Ask a pull producer for more while the buffer keeps draining at once."""
        if stream.pulling:
            return
        stream.pulling = True
        try:
            while stream.producer is not None and not stream.buffer and not stream.ended:
                before = stream.writes
                stream.producer.resumeProducing()
                if stream.writes == before:
                    # Nothing written synchronously: the producer's next write (or a
                    # window update draining the buffer) asks again.
                    break
        finally:
            stream.pulling = False

    def _resetStream(self, stream: H2Stream, finishing: bool = False) -> None:
        """Reset ``stream`` (``finishing``: a request closing its "connection" after
        answering, which normally means "end the stream")."""
        if stream.ended:
            return
        if finishing and stream.request is not None and stream.request.finished:
            return
        try:
            self.conn.reset_stream(stream.streamID, h2.errors.ErrorCodes.INTERNAL_ERROR)
        except h2.exceptions.ProtocolError:  # pragma: no cover - already closed
            pass
        self.streams.pop(stream.streamID, None)
        self._flush()
        self._lose(stream, Failure(ConnectionLost(f"HTTP/2 stream {stream.streamID} was reset")))


register_http2(build_h2_connection)
