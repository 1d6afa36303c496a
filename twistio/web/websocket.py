"""WebSocket (RFC 6455) servers and clients: the API of Twisted's ``twisted.web.websocket``.

Servers put a ``WebSocketResource`` in their resource tree; clients build a
``WebSocketClientEndpoint.new(reactor, "ws://...")`` and ``await endpoint.connect(factory)``.
Both sides' application code is a ``WebSocketProtocol``: it gets ``negotiationStarted(transport)``
once the TCP connection exists, then ``negotiationFinished()`` once the handshake succeeded,
then any number of ``textMessageReceived`` / ``bytesMessageReceived`` / ``pongReceived``, then
``connectionLost(reason)`` exactly once. It sends through the ``WebSocketTransport`` it was
given: ``sendTextMessage``, ``sendBytesMessage``, ``ping``, ``loseConnection(code)``.

Framing, masking, UTF-8 validation and the close handshake are wsproto's (sans-IO; install
twistio's ``websocket`` extra). This module is the thin glue between wsproto and a twistio
transport, with these rules:

* messages arrive whole: fragments are joined, and a message larger than
  ``max_message_size`` (1 MiB by default, the ``websockets`` library's default) closes the
  connection with 1009 instead of growing without bound;
* invalid frames close with 1002, invalid UTF-8 in a text message with 1007 (wsproto's codes);
  an exception raised by the application's callback closes with 1011 and is logged;
* after a close frame was sent or received, ``send*`` and ``ping`` are ignored; the side that
  receives a close answers it and drops the TCP connection; the side that sent one waits
  ``close_timeout`` seconds (10) for the answer and the TCP close, then aborts;
* the close code and reason the peer sent are kept in the transport's ``close_code`` and
  ``close_reason`` (twistio additions; Twisted reports only ``connectionLost(reason)``);
* back-pressure: while the socket's unsent output is over its high-water mark, nothing more
  is read from the peer (so pings answered with pongs, echoes and anything else a peer's
  frames make us write cannot pile up when the peer does not read), and an attached
  producer is paused; both resume once it drains.

Differences from Twisted: no permessage-deflate and no subprotocol negotiation yet; a
rejected client handshake raises ``ConnectionRejected`` whose ``response`` is a small
object with ``code``, ``phrase``, ``headers`` and ``body`` (the whole, bounded body)
rather than an ``IResponse`` to read.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, cast

from typing_extensions import Self
from wsproto import ConnectionType
from wsproto.connection import Connection, ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.handshake import H11Handshake
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from twistio.internet import protocol as _protocol
from twistio.internet._registry import installed_reactor
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import (
    IAddress,
    IDelayedCall,
    IPushProducer,
    IReactorTime,
    ITransport,
)
from twistio.python.failure import Failure
from twistio.web import resource
from twistio.web.http_headers import Headers

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport
    from twistio.web.client import _AgentReactor
    from twistio.web.http import Request as HTTPRequest
    from twistio.web.iweb import IAgentEndpointFactory, IPolicyForHTTPS
    from twistio.web.server import Request as SiteRequest

__all__ = [
    "ConnectionRejected",
    "WebSocketClientEndpoint",
    "WebSocketClientFactory",
    "WebSocketProtocol",
    "WebSocketResource",
    "WebSocketServerFactory",
    "WebSocketTransport",
]

_log = logging.getLogger("twistio.web.websocket")

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_REJECT_BODY = 64 * 1024


class WebSocketTransport(Protocol):
    """What a ``WebSocketProtocol`` sends through."""

    def sendTextMessage(self, text: str) -> None:
        """Send a text message."""

    def sendBytesMessage(self, data: bytes) -> None:
        """Send a binary message."""

    def loseConnection(self, code: int = 1000) -> None:
        """Start the close handshake with ``code``."""

    def ping(self, payload: bytes = b"") -> None:
        """Send a Ping; the answer arrives as ``pongReceived`` (pongs may be coalesced)."""

    def attachProducer(self, producer: IPushProducer) -> None:
        """Attach a streaming (push) producer, paused while the socket's buffer is full."""

    def detachProducer(self) -> None:
        """Detach the producer given to ``attachProducer``."""

    def pause_reading(self) -> None:
        """Read nothing more from the peer until ``resume_reading`` (twistio's)."""

    def resume_reading(self) -> None:
        """Undo ``pause_reading``."""

    @property
    def close_code(self) -> int | None:
        """The close code the peer sent (1006 if the connection ended without one); None
        before (twistio's)."""


class WebSocketProtocol(Protocol):
    """The application side of a WebSocket connection (either end).

    Call order: ``negotiationStarted``, then ``negotiationFinished`` if the handshake
    succeeds, then the ``*Received`` methods, then ``connectionLost`` once. Unlike an
    ``IProtocol`` there is no ``connectionMade`` and messages arrive whole.
    """

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        """The TCP connection exists; the handshake is under way. Keep ``transport``."""

    def negotiationFinished(self) -> None:
        """The handshake succeeded: messages can be sent."""

    def pongReceived(self, payload: bytes) -> None:
        """A Pong arrived (also unsolicited ones)."""

    def textMessageReceived(self, message: str) -> None:
        """A whole text message arrived."""

    def bytesMessageReceived(self, data: bytes) -> None:
        """A whole binary message arrived."""

    def connectionLost(self, reason: Failure) -> None:
        """The connection is gone."""


_WSP = TypeVar("_WSP", bound=WebSocketProtocol)
_WSP_co = TypeVar("_WSP_co", bound=WebSocketProtocol, covariant=True)
#: The protocol a ``connect`` call gives back: whatever its factory builds.
_WSPC = TypeVar("_WSPC", bound=WebSocketProtocol)


class WebSocketServerFactory(Protocol[_WSP_co]):
    """Builds the server-side protocol for each upgraded request."""

    def buildProtocol(self, request: SiteRequest) -> _WSP_co:
        """The protocol for ``request`` (a ``twistio.web.server.Request``)."""
        ...


class WebSocketClientFactory(Protocol[_WSP_co]):
    """Builds the client-side protocol for an outgoing connection."""

    def buildProtocol(self, url: str) -> _WSP_co:
        """The protocol for a connection to ``url``."""
        ...


class ConnectionRejected(Exception):
    """The server answered the client's handshake with something other than 101."""

    def __init__(self, response: _RejectedResponse) -> None:
        super().__init__(response.code, response.phrase)
        self.response = response


class _RejectedResponse:
    """The HTTP response that refused a WebSocket handshake."""

    def __init__(self, code: int, headers: Headers) -> None:
        self.code = code
        self.phrase = b""
        self.headers = headers
        self.body = b""


def _accept_token(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key + _GUID).digest())


# -- the glue: one per connection ------------------------------------------------------------


class _WebSocketConnection(_protocol.Protocol):
    """A byte-stream protocol carrying one WebSocket connection for a ``WebSocketProtocol``.

    It is also the ``WebSocketTransport`` the application sends through.
    """

    transport: ConnectionTransport

    close_code: int | None = None
    """The code of the close frame the peer sent (1006 if the TCP connection just ended)."""
    close_reason: str | None = None
    close_timeout = 10.0

    def __init__(self, app: WebSocketProtocol, max_message_size: int, client: bool) -> None:
        self._app = app
        self._max = max_message_size
        self._conn: Connection | None = None
        self._client = client
        self._parts: list[str | bytes | bytearray] = []
        self._size = 0
        self._text = False
        self._closeCall: IDelayedCall | None = None
        self._failed = False
        self._producer: IPushProducer | None = None
        self._writeBlocked = False
        self._readPaused = False
        self._readingPaused = False

    # -- byte stream side --------------------------------------------------------------------

    def _start(self, conn: Connection) -> None:
        """The handshake is done: frames flow from now on."""
        self._conn = conn
        # This glue is its transport's producer: told when the write buffer is full.
        self.transport.registerProducer(self, True)
        try:
            self._app.negotiationFinished()
        except Exception:
            _log.exception("Unhandled error in %s.negotiationFinished", type(self._app).__name__)
            self._fail(1011, "internal error")
            return
        self._process()

    def connectionMade(self) -> None:
        # Server side: the 101 was sent when the HTTP channel switched to this protocol.
        self._start(Connection(ConnectionType.SERVER))

    def dataReceived(self, data: bytes) -> None:
        conn = self._conn
        if conn is None or self._failed:
            return
        try:
            conn.receive_data(data)
        except LocalProtocolError:
            return  # data after the close handshake: ignore
        self._process()

    def _process(self) -> None:
        conn = self._conn
        assert conn is not None
        app = self._app
        for event in conn.events():
            if self._failed:
                return
            t = type(event)
            try:
                if t is TextMessage or t is BytesMessage:
                    self._message(event)  # type: ignore[arg-type]  # (one of the two)
                elif isinstance(event, Ping):
                    if conn.state is ConnectionState.OPEN:
                        self.transport.write(conn.send(event.response()))
                elif isinstance(event, Pong):
                    app.pongReceived(bytes(event.payload))
                elif isinstance(event, CloseConnection):
                    self._closeReceived(conn, event)
                    return
            except Exception:
                _log.exception("Unhandled error in %s", type(app).__name__)
                self._fail(1011, "internal error")
                return

    def _message(self, event: TextMessage | BytesMessage) -> None:
        data = event.data
        parts = self._parts
        if not parts and event.message_finished:
            if len(data) > self._max:
                self._fail(1009, "message too big")
            # A TextMessage's data is a str, a BytesMessage's bytes or a bytearray.
            elif type(event) is TextMessage:
                self._app.textMessageReceived(data)  # type: ignore[arg-type]
            else:
                self._app.bytesMessageReceived(bytes(data))  # type: ignore[arg-type]
            return
        self._size += len(data)
        if self._size > self._max:
            self._fail(1009, "message too big")
            return
        parts.append(data)
        if event.message_finished:
            self._parts = []
            self._size = 0
            if type(event) is TextMessage:
                self._app.textMessageReceived("".join(parts))  # type: ignore[arg-type]
            else:
                self._app.bytesMessageReceived(b"".join(parts))  # type: ignore[arg-type]

    def _closeReceived(self, conn: Connection, event: CloseConnection) -> None:
        state = conn.state
        if state is ConnectionState.OPEN or state is ConnectionState.LOCAL_CLOSING:
            # wsproto reports a frame it could not parse (bad framing 1002, bad UTF-8 1007)
            # as a CloseConnection without a state change: answer with that code and drop.
            self._fail(event.code, event.reason or "")
            return
        self.close_code = event.code
        self.close_reason = event.reason
        if state is ConnectionState.REMOTE_CLOSING:
            self.transport.write(conn.send(event.response()))
        self._cancelCloseCall()
        self.transport.loseConnection()

    def _fail(self, code: int, reason: str) -> None:
        """Close with ``code`` because of an error, and stop reading."""
        self._failed = True
        conn = self._conn
        if conn is not None and conn.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            self.transport.write(conn.send(CloseConnection(code=code, reason=reason)))
        self._cancelCloseCall()
        self.transport.loseConnection()

    def connectionLost(self, reason: Failure = _protocol.connectionDone) -> None:
        self._cancelCloseCall()
        if self.close_code is None:
            self.close_code = 1006
        try:
            self._app.connectionLost(reason)
        except Exception:
            _log.exception("Unhandled error in %s.connectionLost", type(self._app).__name__)

    def _cancelCloseCall(self) -> None:
        call, self._closeCall = self._closeCall, None
        if call is not None and call.active():
            call.cancel()

    # -- WebSocketTransport ------------------------------------------------------------------

    def sendTextMessage(self, text: str) -> None:
        """Send ``text`` as one text message (ignored once closing)."""
        conn = self._conn
        if conn is not None and conn.state is ConnectionState.OPEN:
            self.transport.write(conn.send(TextMessage(data=text)))

    def sendBytesMessage(self, data: bytes) -> None:
        """Send ``data`` as one binary message (ignored once closing)."""
        conn = self._conn
        if conn is not None and conn.state is ConnectionState.OPEN:
            self.transport.write(conn.send(BytesMessage(data=data)))

    def ping(self, payload: bytes = b"") -> None:
        """Send a Ping (payload at most 125 bytes)."""
        if len(payload) > 125:
            raise ValueError("a ping payload is at most 125 bytes")
        conn = self._conn
        if conn is not None and conn.state is ConnectionState.OPEN:
            self.transport.write(conn.send(Ping(payload=payload)))

    def loseConnection(self, code: int = 1000) -> None:
        """Send a close frame with ``code``; the TCP connection ends when the peer answers
        (or after ``close_timeout`` seconds)."""
        conn = self._conn
        transport = self.transport
        if transport is None:
            return
        if conn is None:
            transport.loseConnection()
            return
        if conn.state is not ConnectionState.OPEN:
            return
        transport.write(conn.send(CloseConnection(code=code)))
        reactor: IReactorTime | None = getattr(transport, "reactor", None)
        if reactor is None:
            reactor = installed_reactor()
        self._closeCall = reactor.callLater(self.close_timeout, transport.abortConnection)

    def attachProducer(self, producer: IPushProducer) -> None:
        """Attach a streaming producer, paused while the socket's write buffer is full."""
        if self._producer is not None:
            raise RuntimeError(f"Cannot attach producer {producer!r}: one is already attached")
        self._producer = producer
        if self._writeBlocked:
            producer.pauseProducing()

    def detachProducer(self) -> None:
        """Detach the producer."""
        self._producer = None

    # -- the transport's producer: write back-pressure ---------------------------------------

    def pauseProducing(self) -> None:
        """The write buffer is over its high-water mark: stop reading, pause the producer."""
        self._writeBlocked = True
        producer = self._producer
        if producer is not None:
            producer.pauseProducing()
        self._updateReading()

    def resumeProducing(self) -> None:
        """The write buffer drained: read again, resume the producer."""
        self._writeBlocked = False
        producer = self._producer
        if producer is not None:
            producer.resumeProducing()
        self._updateReading()

    def stopProducing(self) -> None:
        """The connection is going away."""
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.stopProducing()

    def pause_reading(self) -> None:
        """Read nothing more from the peer until ``resume_reading`` (twistio hook)."""
        self._readPaused = True
        self._updateReading()

    def resume_reading(self) -> None:
        """Undo ``pause_reading``."""
        self._readPaused = False
        self._updateReading()

    def _updateReading(self) -> None:
        want = self._writeBlocked or self._readPaused
        transport = self.transport
        if want != self._readingPaused and transport is not None:
            self._readingPaused = want
            if want:
                transport.pauseProducing()
            else:
                transport.resumeProducing()


# -- server ----------------------------------------------------------------------------------


class WebSocketResource(resource.Resource):
    """A resource that upgrades GET requests to WebSocket connections built by ``factory``.

    A request that is not a valid WebSocket handshake gets 400 (as in Twisted; RFC 6455
    section 4.2.1 allows it), 426 for an unsupported ``Sec-WebSocket-Version``.
    """

    isLeaf = True

    def __init__(
        self,
        factory: WebSocketServerFactory[WebSocketProtocol],
        *,
        max_message_size: int = 1 << 20,
    ) -> None:
        super().__init__()
        self._factory = factory
        self._max = max_message_size

    def render_GET(self, request: SiteRequest) -> bytes | int:
        """Validate the handshake, answer 101 and hand the connection to the protocol."""
        refusal = check_handshake(request)
        if refusal is not None:
            return refusal
        app = self._factory.buildProtocol(request)
        accept_handshake(request, app, self._max)
        return 1  # NOT_DONE_YET: the connection is no longer HTTP


_NEGOTIATION_ERROR = b"websocket protocol negotiation error"  # Twisted's body


def check_handshake(request: HTTPRequest) -> bytes | None:
    """None if ``request`` is a valid WebSocket handshake, else the refusal (code set).

    With ``accept_handshake``, the server side of the handshake for any resource that serves
    WebSockets (``WebSocketResource`` and ``twistio.web.asgi``'s ``websocket`` scope); not in
    ``__all__``: twistio's own hook.
    """
    headers = request.requestHeaders
    upgrade = b",".join(headers.getRawHeaders(b"upgrade") or []).lower()
    connection = b",".join(headers.getRawHeaders(b"connection") or []).lower()
    if b"websocket" not in [t.strip() for t in upgrade.split(b",")]:
        # A plain request: 400, as Twisted answers (RFC 6455 allows 426 too).
        request.setResponseCode(400)
        request.setHeader(b"upgrade", b"websocket")
        request.setHeader(b"content-type", b"text/plain")
        return _NEGOTIATION_ERROR
    keys = headers.getRawHeaders(b"sec-websocket-key") or []
    versions = headers.getRawHeaders(b"sec-websocket-version") or []
    key = keys[0].strip() if len(keys) == 1 else b""
    try:
        valid_key = len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        valid_key = False
    if (
        request.clientproto != b"HTTP/1.1"
        or b"upgrade" not in [t.strip() for t in connection.split(b",")]
        or not valid_key
    ):
        request.setResponseCode(400)
        request.setHeader(b"content-type", b"text/plain")
        return _NEGOTIATION_ERROR
    if versions != [b"13"]:
        request.setResponseCode(426)
        request.setHeader(b"sec-websocket-version", b"13")
        request.setHeader(b"content-type", b"text/plain")
        return b"unsupported WebSocket version\n"
    channel = request.channel
    if getattr(channel, "switch_protocol", None) is None or request.startedWriting:
        request.setResponseCode(500)
        request.setHeader(b"content-type", b"text/plain")
        return b"this connection cannot be upgraded\n"
    return None


class _SwitchingChannel(Protocol):
    """An HTTP channel that can hand its connection to another protocol (HTTPChannel)."""

    @property
    def transport(self) -> ITransport: ...

    def switch_protocol(self, request: HTTPRequest, protocol: _protocol.Protocol) -> bool: ...


def accept_handshake(
    request: HTTPRequest,
    app: WebSocketProtocol,
    max_message_size: int,
    extra_headers: list[tuple[bytes, bytes]] = [],  # noqa: B006 - never mutated
) -> None:
    """Answer 101 to a request ``check_handshake`` accepted and connect ``app``."""
    glue = _WebSocketConnection(app, max_message_size, client=False)
    app.negotiationStarted(glue)
    # (check_handshake saw exactly one key)
    key = request.requestHeaders.getRawHeaders(b"sec-websocket-key")[0].strip()  # type: ignore[index]
    request.setResponseCode(101, b"Switching Protocols")
    for name, value in extra_headers:
        request.responseHeaders.addRawHeader(name, value)
    request.setHeader(b"upgrade", b"websocket")
    request.setHeader(b"connection", b"Upgrade")
    request.setHeader(b"sec-websocket-accept", _accept_token(key))
    request.write(b"")
    channel = cast(_SwitchingChannel, request.channel)  # (check_handshake saw switch_protocol)
    if not channel.switch_protocol(request, glue):
        channel.transport.loseConnection()


# -- client ----------------------------------------------------------------------------------


class _ClientHandshake(_WebSocketConnection):
    """The client side: the HTTP handshake first (wsproto's H11Handshake), then frames."""

    def __init__(
        self, app: WebSocketProtocol, url: str, host: str, target: str, max_message_size: int
    ) -> None:
        super().__init__(app, max_message_size, client=True)
        self._url = url
        self._host = host
        self._target = target
        self._handshake: H11Handshake | None = H11Handshake(ConnectionType.CLIENT)
        self._rejected: _RejectedResponse | None = None
        self.ready: Deferred[None] = Deferred()

    def connectionMade(self) -> None:
        self._app.negotiationStarted(self)
        hs = self._handshake
        assert hs is not None
        self.transport.write(hs.send(Request(host=self._host, target=self._target)))

    def dataReceived(self, data: bytes) -> None:
        hs = self._handshake
        if hs is None:
            super().dataReceived(data)
            return
        try:
            hs.receive_data(data)
            for event in hs.events():
                if isinstance(event, AcceptConnection):
                    conn = hs.connection
                    assert conn is not None
                    self._handshake = None
                    self.ready.callback(None)
                    self._start(conn)
                    return
                if isinstance(event, RejectConnection):
                    rejected = self._rejected = _RejectedResponse(
                        event.status_code, Headers.from_pairs(list(event.headers))
                    )
                    if not event.has_body:
                        self._reject()
                        return
                elif isinstance(event, RejectData) and self._rejected is not None:
                    rejected = self._rejected
                    if len(rejected.body) < _MAX_REJECT_BODY:
                        rejected.body += bytes(event.data)[: _MAX_REJECT_BODY - len(rejected.body)]
                    if event.body_finished:
                        self._reject()
                        return
        except RemoteProtocolError as e:
            self._handshake = None
            self.ready.errback(Failure(e))
            self.transport.loseConnection()

    def _reject(self) -> None:
        self._handshake = None
        assert self._rejected is not None
        self.ready.errback(Failure(ConnectionRejected(self._rejected)))
        self.transport.loseConnection()

    def connectionLost(self, reason: Failure = _protocol.connectionDone) -> None:
        if self._handshake is not None:
            self._handshake = None
            if self._rejected is not None:
                self.ready.errback(Failure(ConnectionRejected(self._rejected)))
            else:
                self.ready.errback(reason)
        super().connectionLost(reason)


class _OneProtocolFactory(_protocol.ClientFactory):
    def __init__(self, proto: _ClientHandshake) -> None:
        self._proto = proto

    def buildProtocol(self, addr: IAddress) -> _ClientHandshake:
        return self._proto


class WebSocketClientEndpoint(Generic[_WSP]):
    """A ``ws://`` or ``wss://`` URL and a way to reach it; ``connect`` opens a connection."""

    max_message_size = 1 << 20

    def __init__(self, endpointFactory: IAgentEndpointFactory, url: str) -> None:
        self._endpointFactory = endpointFactory
        self.url = url

    @classmethod
    def new(
        cls,
        reactor: _AgentReactor,
        url: str,
        tlsPolicy: IPolicyForHTTPS | None = None,
        connectTimeout: int | None = None,
        bindAddress: bytes | None = None,
    ) -> Self:
        """An endpoint for ``url`` connecting with ``reactor`` (TLS verified by ``tlsPolicy``,
        a ``BrowserLikePolicyForHTTPS`` by default)."""
        from twistio.web.client import BrowserLikePolicyForHTTPS, _StandardEndpointFactory

        if tlsPolicy is None:
            tlsPolicy = BrowserLikePolicyForHTTPS()
        return cls(_StandardEndpointFactory(reactor, tlsPolicy, connectTimeout, bindAddress), url)

    async def connect(self, protocolFactory: WebSocketClientFactory[_WSPC]) -> _WSPC:
        """Connect, handshake, and return the protocol once ``negotiationFinished`` ran.

        Raises ``ConnectionRejected`` when the server answers anything but 101.
        """
        from twistio.web.client import URI

        url = self.url
        scheme, sep, rest = url.partition("://")
        scheme = scheme.lower()
        if not sep or scheme not in ("ws", "wss", "http", "https"):
            raise ValueError(f"not a WebSocket URL: {url!r}")
        http_url = ("https" if scheme in ("wss", "https") else "http") + "://" + rest
        uri = URI.fromBytes(http_url.encode("utf-8"))
        target = (uri.path or b"/") + (b"?" + uri.query if uri.query else b"")
        default = 443 if uri.scheme == b"https" else 80
        host = uri.host.decode("idna")
        if uri.port != default:
            host = f"{host}:{uri.port}"
        app = protocolFactory.buildProtocol(url)
        proto = _ClientHandshake(app, url, host, target.decode("ascii"), self.max_message_size)
        endpoint = self._endpointFactory.endpointForURI(uri)
        await endpoint.connect(_OneProtocolFactory(proto))
        await proto.ready
        return app
