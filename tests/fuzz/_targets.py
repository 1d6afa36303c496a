"""Fuzz targets: each feeds a list of chunks to a twistio protocol over a fake transport.

A target returns what the peer would observe (the values delivered to the application, the
bytes written back, whether the connection was closed) and must never raise: hostile input
gets a protocol-level answer (``lineLengthExceeded``, a 400, a closed connection), not an
exception out of ``dataReceived``. Feeding the same bytes whole or split at any points must
give the same result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from twistio.internet.address import IPv4Address
from twistio.internet.error import ConnectionDone
from twistio.internet.protocol import Protocol
from twistio.internet.testing import MemoryReactorClock, StringTransport
from twistio.protocols import basic
from twistio.python.failure import Failure

Target = Callable[[Sequence[bytes]], Any]


def _feed(protocol: Any, transport: StringTransport, chunks: Sequence[bytes]) -> None:
    for chunk in chunks:
        if transport.disconnecting:
            break  # a closed connection reads nothing more
        protocol.dataReceived(chunk)


# -- protocols.basic ---------------------------------------------------------------------------


class _Lines(basic.LineReceiver):
    MAX_LENGTH = 64

    def __init__(self) -> None:
        self.got: list[bytes] = []
        self.exceeded = False

    def lineReceived(self, line: bytes) -> None:
        self.got.append(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        self.exceeded = True
        self.transport.loseConnection()


class _LineOnly(basic.LineOnlyReceiver):
    MAX_LENGTH = 64

    def __init__(self) -> None:
        self.got: list[bytes] = []
        self.exceeded = False

    def lineReceived(self, line: bytes) -> None:
        self.got.append(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        self.exceeded = True
        self.transport.loseConnection()


def _line_target(cls: type[Any]) -> Target:
    def run(chunks: Sequence[bytes]) -> Any:
        protocol = cls()
        transport = StringTransport()
        protocol.makeConnection(transport)
        _feed(protocol, transport, chunks)
        # After an over-long line the rest is not read: what came before it must agree.
        return protocol.got, protocol.exceeded, transport.disconnecting

    return run


def _string_target(base: type[Any], limit: int) -> Target:
    class Strings(base):  # type: ignore[valid-type,misc]
        MAX_LENGTH = limit

        def __init__(self) -> None:
            self.got: list[bytes] = []
            self.exceeded = False

        def stringReceived(self, string: bytes) -> None:
            self.got.append(string)

        def lengthLimitExceeded(self, length: int) -> None:
            self.exceeded = True
            self.transport.loseConnection()

    def run(chunks: Sequence[bytes]) -> Any:
        protocol = Strings()
        transport = StringTransport()
        protocol.makeConnection(transport)
        _feed(protocol, transport, chunks)
        return protocol.got, protocol.exceeded, transport.disconnecting

    return run


def netstring(chunks: Sequence[bytes]) -> Any:
    """NetstringReceiver: a malformed netstring closes the connection."""

    class Strings(basic.NetstringReceiver):
        MAX_LENGTH = 100

        def __init__(self) -> None:
            self.got: list[bytes] = []

        def stringReceived(self, string: bytes) -> None:
            self.got.append(string)

    protocol = Strings()
    transport = StringTransport()
    protocol.makeConnection(transport)
    _feed(protocol, transport, chunks)
    return protocol.got, transport.disconnecting


# -- HTTP/1 server -----------------------------------------------------------------------------

_DATE = re.compile(rb"\r\nDate: [^\r]*")


def http_server(chunks: Sequence[bytes]) -> Any:
    """A Site answering every request with its method, target and body length."""
    from twistio.web import resource, server

    class Echo(resource.Resource):
        isLeaf = True

        def render(self, request: Any) -> bytes:
            body = request.content.read()
            return b"%s %s %d" % (request.method, request.uri, len(body))

    site = server.Site(Echo(), reactor=MemoryReactorClock(), logPath=None)
    protocol = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport()
    protocol.makeConnection(transport)
    _feed(protocol, transport, chunks)
    written = _DATE.sub(b"", transport.value())
    protocol.connectionLost(Failure(ConnectionDone()))
    return written, transport.disconnecting


# -- HTTP/1 client: the response parser --------------------------------------------------------


class _Collect(Protocol):
    def __init__(self, into: list[Any]) -> None:
        self.into = into

    def dataReceived(self, data: bytes) -> None:
        self.into.append(data)

    def connectionLost(self, reason: Failure = Failure(ConnectionDone())) -> None:  # noqa: B008
        self.into.append(reason.type.__name__)


def http_client(chunks: Sequence[bytes]) -> Any:
    """The client's answer to a GET, given the server's bytes, then the connection closes."""
    from twistio.web._newclient import HTTP11ClientProtocol, Request
    from twistio.web.http_headers import Headers

    protocol = HTTP11ClientProtocol()
    transport = StringTransport()
    protocol.makeConnection(transport)
    outcome: list[Any] = []
    body: list[Any] = []

    def got(response: Any) -> None:
        outcome.append(
            (response.code, response.phrase, sorted(response.headers.getAllRawHeaders()))
        )
        response.deliverBody(_Collect(body))

    def failed(reason: Failure) -> None:
        outcome.append(reason.type.__name__)

    d = protocol.request(Request(b"GET", b"/", Headers({b"host": [b"x"]}), None))
    d.addCallbacks(got, failed)
    _feed(protocol, transport, chunks)
    protocol.connectionLost(Failure(ConnectionDone()))
    # Bytes delivered may be cut differently: compare the body as a whole.
    data = b"".join(b for b in body if isinstance(b, bytes))
    ends = [b for b in body if not isinstance(b, bytes)]
    return outcome, data, ends


# -- WebSocket frames (after a valid handshake) ------------------------------------------------

_HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def websocket(chunks: Sequence[bytes]) -> Any:
    """A WebSocket echo server given hostile frames: messages seen, bytes sent back, closed."""
    from twistio.web import server
    from twistio.web.websocket import WebSocketResource

    got: list[Any] = []

    class Echo:
        def negotiationStarted(self, transport: Any) -> None:
            self.transport = transport

        def negotiationFinished(self) -> None:
            pass

        def textMessageReceived(self, message: str) -> None:
            got.append(message)
            self.transport.sendTextMessage(message)

        def bytesMessageReceived(self, data: bytes) -> None:
            got.append(data)
            self.transport.sendBytesMessage(data)

        def pongReceived(self, payload: bytes) -> None:
            got.append(("pong", payload))

        def connectionLost(self, reason: Failure) -> None:
            got.append(("lost", reason.type.__name__))

    class Factory:
        def buildProtocol(self, request: Any) -> Echo:
            return Echo()

    resource = WebSocketResource(Factory(), max_message_size=1000)  # type: ignore[arg-type]
    site = server.Site(resource, reactor=MemoryReactorClock(), logPath=None)
    protocol = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(_HANDSHAKE)
    if not transport.value().startswith(b"HTTP/1.1 101 "):
        raise AssertionError(f"handshake refused: {transport.value()!r}")
    transport.clear()
    _feed(protocol, transport, chunks)
    frames = _server_frames(transport.value())
    protocol.connectionLost(Failure(ConnectionDone()))
    return got, frames, transport.disconnecting


def _server_frames(data: bytes) -> list[tuple[int, bytes]]:
    """The server's (unmasked) frames; a Close frame keeps its code, not its free-text reason
    (which may say where in the stream a decoding error was noticed)."""
    frames = []
    while len(data) >= 2:
        opcode, n, at = data[0] & 0x0F, data[1] & 0x7F, 2
        if n == 126:
            n, at = int.from_bytes(data[2:4], "big"), 4
        elif n == 127:
            n, at = int.from_bytes(data[2:10], "big"), 10
        payload, data = data[at : at + n], data[at + n :]
        frames.append((opcode, payload[:2] if opcode == 8 else payload))
    if data:
        frames.append((-1, data))
    return frames


def _masked(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    n = len(payload)
    size = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
    mask = b"\x01\x02\x03\x04"
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([(0x80 if fin else 0) | opcode]) + size + mask + body


TARGETS: dict[str, Target] = {
    "lines": _line_target(_Lines),
    "line_only": _line_target(_LineOnly),
    "netstring": netstring,
    "int32": _string_target(basic.Int32StringReceiver, 200),
    "int16": _string_target(basic.Int16StringReceiver, 200),
    "int8": _string_target(basic.Int8StringReceiver, 100),
    "http_server": http_server,
    "http_client": http_client,
    "websocket": websocket,
}

#: Valid inputs that mutations start from.
SEEDS: dict[str, list[bytes]] = {
    "lines": [b"hello\r\nworld\r\n", b"a\r\n" * 5 + b"b" * 70 + b"\r\n", b"\r\n\r\n\n\r"],
    "line_only": [b"hello\r\nworld\r\n", b"x" * 80 + b"\r\ny\r\n"],
    "netstring": [b"5:hello,0:,3:abc,", b"12:hello world!,", b"999:x,"],
    "int32": [b"\x00\x00\x00\x03abc\x00\x00\x00\x00", b"\x00\x00\x01\x00" + b"x" * 300],
    "int16": [b"\x00\x03abc\x00\x00\x00\x01z", b"\x01\x00" + b"y" * 300],
    "int8": [b"\x03abc\x00\x01z", b"\xffzz"],
    "http_server": [
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /p?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/1.0\r\n\r\n",
        b"\r\nGET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    ],
    "http_client": [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: y\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nuntil close",
        b"HTTP/1.0 200 OK\r\n\r\nbody",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    ],
    "websocket": [
        _masked(1, b"hello") + _masked(2, b"\x00\xff" * 10),
        _masked(9, b"ping") + _masked(10, b"pong"),
        _masked(1, b"frag", fin=False)
        + _masked(0, b"ment")
        + _masked(9, b"")
        + _masked(0, b"ed", fin=True),
        _masked(1, "caf\u00e9".encode() * 40),
        _masked(8, (1000).to_bytes(2, "big") + b"bye"),
    ],
}
