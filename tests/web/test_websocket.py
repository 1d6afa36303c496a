"""twistio.web.websocket over real sockets on 127.0.0.1: twistio's server against twistio's
client, and against raw frames written byte by byte (an Autobahn-style table of cases)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib.util
import os
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("wsproto")

from tests.web._http_support import connect, read_response  # noqa: E402
from twistio.internet.defer import Deferred  # noqa: E402
from twistio.python.failure import Failure  # noqa: E402
from twistio.web import resource, server  # noqa: E402
from twistio.web.websocket import (  # noqa: E402
    ConnectionRejected,
    WebSocketClientEndpoint,
    WebSocketResource,
    WebSocketTransport,
)

TIMEOUT = 2.0


class Echo:
    """Echoes every message; pings back "pong" payloads as text for the test to see."""

    transport: WebSocketTransport

    def __init__(self) -> None:
        self.lost: Deferred[None] = Deferred()
        self.reason: Failure | None = None
        self.finished = False

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        self.finished = True

    def pongReceived(self, payload: bytes) -> None:
        self.transport.sendTextMessage("pong:" + payload.decode())

    def textMessageReceived(self, message: str) -> None:
        if message.startswith("close:"):
            self.transport.loseConnection(int(message[6:]))
        else:
            self.transport.sendTextMessage(message)

    def bytesMessageReceived(self, data: bytes) -> None:
        self.transport.sendBytesMessage(data)

    def connectionLost(self, reason: Failure) -> None:
        self.reason = reason
        self.lost.callback(None)


class Collector:
    """A client protocol that queues what it receives."""

    transport: WebSocketTransport

    def __init__(self) -> None:
        self.messages: asyncio.Queue[Any] = asyncio.Queue()
        self.lost: Deferred[None] = Deferred()
        self.reason: Failure | None = None
        self.started = False

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport
        self.started = True

    def negotiationFinished(self) -> None:
        pass

    def pongReceived(self, payload: bytes) -> None:
        self.messages.put_nowait(("pong", payload))

    def textMessageReceived(self, message: str) -> None:
        self.messages.put_nowait(message)

    def bytesMessageReceived(self, data: bytes) -> None:
        self.messages.put_nowait(data)

    def connectionLost(self, reason: Failure) -> None:
        self.reason = reason
        self.lost.callback(None)


class ServerFactory:
    def __init__(self) -> None:
        self.protocols: list[Echo] = []

    def buildProtocol(self, request: Any) -> Echo:
        p = Echo()
        self.protocols.append(p)
        return p


class ClientFactory:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def buildProtocol(self, url: str) -> Collector:
        self.urls.append(url)
        return Collector()


@pytest_asyncio.fixture
async def ws_server() -> AsyncIterator[tuple[int, ServerFactory]]:
    from twistio.internet import reactor

    factory = ServerFactory()
    root = resource.Resource()
    root.putChild(b"ws", WebSocketResource(factory, max_message_size=1000))
    site = server.Site(root)
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    try:
        yield port.getHost().port, factory
    finally:
        await port.stopListening()


async def client(port: int, path: str = "/ws") -> Collector:
    from twistio.internet import reactor

    endpoint = WebSocketClientEndpoint.new(reactor, f"ws://127.0.0.1:{port}{path}")
    proto: Collector = await asyncio.wait_for(endpoint.connect(ClientFactory()), TIMEOUT)
    return proto


async def get(c: Collector) -> Any:
    return await asyncio.wait_for(c.messages.get(), TIMEOUT)


# -- twistio client against twistio server ---------------------------------------------------


async def test_echo_text_and_binary(ws_server: tuple[int, ServerFactory]) -> None:
    port, factory = ws_server
    c = await client(port)
    assert c.started and factory.protocols[0].finished
    c.transport.sendTextMessage("héllo ☕")
    c.transport.sendBytesMessage(b"\x00\xffbin")
    c.transport.sendTextMessage("")
    assert await get(c) == "héllo ☕"
    assert await get(c) == b"\x00\xffbin"
    assert await get(c) == ""
    c.transport.loseConnection()
    await asyncio.wait_for(c.lost, TIMEOUT)
    await asyncio.wait_for(factory.protocols[0].lost, TIMEOUT)
    assert c.transport.close_code == 1000  # type: ignore[attr-defined]


async def test_ping_pong(ws_server: tuple[int, ServerFactory]) -> None:
    port, factory = ws_server
    c = await client(port)
    c.transport.ping(b"abc")
    assert await get(c) == ("pong", b"abc")
    # The server pings too: its Echo turns the pong into a text message.
    factory.protocols[0].transport.ping(b"srv")
    assert await get(c) == "pong:srv"
    with pytest.raises(ValueError):
        c.transport.ping(b"x" * 126)
    c.transport.loseConnection()
    await asyncio.wait_for(c.lost, TIMEOUT)


async def test_server_closes_with_code(ws_server: tuple[int, ServerFactory]) -> None:
    port, factory = ws_server
    c = await client(port)
    c.transport.sendTextMessage("close:4001")
    await asyncio.wait_for(c.lost, TIMEOUT)
    await asyncio.wait_for(factory.protocols[0].lost, TIMEOUT)
    assert c.transport.close_code == 4001  # type: ignore[attr-defined]
    assert factory.protocols[0].transport.close_code == 4001  # type: ignore[attr-defined]
    # Sending after the close is ignored, not an error.
    c.transport.sendTextMessage("late")


async def test_message_limit_on_client_send(ws_server: tuple[int, ServerFactory]) -> None:
    port, factory = ws_server
    c = await client(port)
    c.transport.sendBytesMessage(b"x" * 1001)
    await asyncio.wait_for(c.lost, TIMEOUT)
    assert c.transport.close_code == 1009  # type: ignore[attr-defined]


async def test_rejected_handshake(ws_server: tuple[int, ServerFactory]) -> None:
    port, _ = ws_server
    with pytest.raises(ConnectionRejected) as info:
        await client(port, "/missing")
    assert info.value.response.code == 404
    assert b"No Such Resource" in info.value.response.body


async def test_plain_get_gets_400(ws_server: tuple[int, ServerFactory]) -> None:
    port, _ = ws_server
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = await asyncio.wait_for(reader.read(), TIMEOUT)
    writer.close()
    assert data.startswith(b"HTTP/1.1 400 ")  # Twisted's status and body
    assert data.endswith(b"websocket protocol negotiation error")
    assert b"Upgrade: websocket" in data or b"upgrade: websocket" in data.lower()


@pytest.mark.parametrize(
    "headers",
    [
        b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n",
        b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\n"
        b"Sec-WebSocket-Version: 13\r\n",
        b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n",
    ],
    ids=["no-key", "bad-key", "no-connection-upgrade"],
)
async def test_bad_handshakes_get_400(ws_server: tuple[int, ServerFactory], headers: bytes) -> None:
    port, _ = ws_server
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    writer.close()
    assert head.startswith(b"HTTP/1.1 400 ")


# -- raw frames: an Autobahn-style table ------------------------------------------------------


def frame(opcode: int, payload: bytes, fin: bool = True, rsv: int = 0, mask: bool = True) -> bytes:
    """One client frame, masked as RFC 6455 requires of clients (unless ``mask`` is False)."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 1 << 16:
        head = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


class RawClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def read_frame(self) -> tuple[int, bytes]:
        """(opcode, payload) of the next server frame, or (-1, b"") at EOF."""
        try:
            b0, b1 = await asyncio.wait_for(self.reader.readexactly(2), TIMEOUT)
        except asyncio.IncompleteReadError:
            return -1, b""
        assert not b1 & 0x80, "server frames must not be masked"
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return b0 & 0x0F, await self.reader.readexactly(n)

    async def close_code(self) -> int:
        """Read up to the server's close frame and the end of the stream; its code."""
        while True:
            op, payload = await self.read_frame()
            assert op != -1, "connection ended without a close frame"
            if op == 8:
                code: int = struct.unpack("!H", payload[:2])[0]
                rest = await asyncio.wait_for(self.reader.read(), TIMEOUT)
                assert rest == b""
                return code


@pytest_asyncio.fixture
async def raw(ws_server: tuple[int, ServerFactory]) -> AsyncIterator[RawClient]:
    port, _ = ws_server
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16))
    writer.write(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    assert head.startswith(b"HTTP/1.1 101 ")
    accept = base64.b64encode(
        hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()  # noqa: S324
    )
    assert b"sec-websocket-accept: " + accept.lower() in head.lower()
    rc = RawClient(reader, writer)
    try:
        yield rc
    finally:
        writer.close()


TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10

# (id, frames sent, frames expected back before the close, close code expected or None)
CASES: list[tuple[str, list[bytes], list[tuple[int, bytes]], int | None]] = [
    # 1.x framing: payload lengths around the 7/16/64-bit boundaries
    ("1.1.1-empty-text", [frame(TEXT, b"")], [(TEXT, b"")], None),
    ("1.1.2-125", [frame(TEXT, b"a" * 125)], [(TEXT, b"a" * 125)], None),
    ("1.1.3-126", [frame(TEXT, b"a" * 126)], [(TEXT, b"a" * 126)], None),
    ("1.2.4-binary-1000", [frame(BINARY, bytes(range(250)) * 4)], [(BINARY, bytes(range(250)) * 4)], None),
    # 2.x pings
    ("2.1-empty-ping", [frame(PING, b"")], [(PONG, b"")], None),
    ("2.3-binary-ping", [frame(PING, b"\x00\xff\xfe")], [(PONG, b"\x00\xff\xfe")], None),
    ("2.4-ping-125", [frame(PING, b"p" * 125)], [(PONG, b"p" * 125)], None),
    ("2.5-ping-126", [frame(PING, b"p" * 126)], [], 1002),
    ("2.7-unsolicited-pong", [frame(PONG, b"x"), frame(TEXT, b"after")], [(TEXT, b"pong:x"), (TEXT, b"after")], None),
    # 3.x reserved bits
    ("3.1-rsv1", [frame(TEXT, b"x", rsv=4)], [], 1002),
    ("3.2-rsv2-after-good", [frame(TEXT, b"ok"), frame(TEXT, b"x", rsv=2)], [(TEXT, b"ok")], 1002),
    # 4.x reserved opcodes
    ("4.1.1-opcode-3", [frame(3, b"")], [], 1002),
    ("4.2.1-opcode-11", [frame(11, b"")], [], 1002),
    # 5.x fragmentation
    ("5.1-fragmented-ping", [frame(PING, b"a", fin=False), frame(CONT, b"b")], [], 1002),
    ("5.3-text-two-fragments", [frame(TEXT, b"fra", fin=False), frame(CONT, b"gment")], [(TEXT, b"fragment")], None),
    (
        "5.6-ping-between-fragments",
        [frame(TEXT, b"fra", fin=False), frame(PING, b"p"), frame(CONT, b"gment")],
        [(PONG, b"p"), (TEXT, b"fragment")],
        None,
    ),
    (
        "5.9-continuation-without-start",
        [frame(CONT, b"x"), frame(TEXT, b"never")],
        [],
        1002,
    ),
    (
        "5.18-text-while-fragmenting",
        [frame(TEXT, b"a", fin=False), frame(TEXT, b"b")],
        [],
        1002,
    ),
    (
        "5.x-binary-many-fragments",
        [frame(BINARY, b"a", fin=False)] + [frame(CONT, b"b", fin=False)] * 10 + [frame(CONT, b"c")],
        [(BINARY, b"a" + b"b" * 10 + b"c")],
        None,
    ),
    # 6.x UTF-8
    ("6.2-valid-utf8-split-codepoint", [frame(TEXT, "☕".encode()[:1], fin=False), frame(CONT, "☕".encode()[1:])], [(TEXT, "☕".encode())], None),
    ("6.3-invalid-utf8", [frame(TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80")], [], 1007),
    ("6.4-invalid-utf8-in-fragment", [frame(TEXT, b"ok", fin=False), frame(CONT, b"\xff")], [], 1007),
    ("6.x-overlong", [frame(TEXT, b"\xc0\xaf")], [], 1007),
    # 7.x close
    ("7.1.1-close-echo-after-text", [frame(TEXT, b"hi"), frame(CLOSE, close_payload(1000))], [(TEXT, b"hi")], 1000),
    ("7.3.1-close-empty", [frame(CLOSE, b"")], [], None),
    ("7.3.2-close-one-byte", [frame(CLOSE, b"\x03")], [], 1002),
    ("7.3.4-close-with-reason", [frame(CLOSE, close_payload(1000, b"bye"))], [], 1000),
    ("7.5.1-close-invalid-utf8-reason", [frame(CLOSE, close_payload(1000, b"\xff\xfe"))], [], 1007),
    ("7.7.x-close-code-3000", [frame(CLOSE, close_payload(3000))], [], 3000),
    ("7.7.x-close-code-4999", [frame(CLOSE, close_payload(4999))], [], 4999),
    ("7.9.1-close-code-0", [frame(CLOSE, close_payload(0))], [], 1002),
    ("7.9.x-close-code-1005", [frame(CLOSE, close_payload(1005))], [], 1002),
    ("7.9.x-close-code-1999", [frame(CLOSE, close_payload(1999))], [], 1002),
    ("7.9.x-close-code-5000", [frame(CLOSE, close_payload(5000))], [], 1002),
    ("7.x-close-125", [frame(CLOSE, close_payload(1000, b"r" * 123))], [], 1000),
    ("7.x-data-after-close-ignored", [frame(CLOSE, close_payload(1000)) + frame(TEXT, b"late")], [], 1000),
    # 9.x-like limits (1,000 bytes in these tests)
    ("9.x-message-over-limit", [frame(BINARY, b"x" * 1001)], [], 1009),
    ("9.x-fragments-over-limit", [frame(TEXT, b"x" * 600, fin=False), frame(CONT, b"x" * 600)], [], 1009),
    ("9.x-message-at-limit", [frame(BINARY, b"x" * 1000)], [(BINARY, b"x" * 1000)], None),
    # 10/client rules: a client frame must be masked
    ("x-unmasked-client-frame", [frame(TEXT, b"x", mask=False)], [], 1002),
]


@pytest.mark.parametrize(("frames", "expected", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_framing_case(
    raw: RawClient, frames: list[bytes], expected: list[tuple[int, bytes]], code: int | None
) -> None:
    raw.writer.write(b"".join(frames))
    for want in expected:
        assert await raw.read_frame() == want
    if code is None:
        # Still open and well: then a normal close, answered with 1000 (or empty for 7.3.1).
        raw.writer.write(frame(CLOSE, close_payload(1000)))
        op, payload = await raw.read_frame()
        assert op == CLOSE
        assert payload[:2] in (b"", close_payload(1000))
        assert await asyncio.wait_for(raw.reader.read(), TIMEOUT) == b""
    else:
        assert await raw.close_code() == code


async def test_frames_split_byte_by_byte(raw: RawClient) -> None:
    data = frame(TEXT, "ünïcode".encode(), fin=False) + frame(CONT, b"!") + frame(PING, b"pp")
    for i in range(len(data)):
        raw.writer.write(data[i : i + 1])
        await raw.writer.drain()
    assert await raw.read_frame() == (TEXT, "ünïcode!".encode())
    assert await raw.read_frame() == (PONG, b"pp")


async def test_frames_in_one_write_with_handshake(ws_server: tuple[int, ServerFactory]) -> None:
    """Frames sent in the same segment as the handshake (against RFC 6455, but seen) are kept."""
    port, _ = ws_server
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        + frame(TEXT, b"early")
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    assert head.startswith(b"HTTP/1.1 101 ")
    rc = RawClient(reader, writer)
    assert await rc.read_frame() == (TEXT, b"early")
    writer.close()


# -- examples/websocket_chat.py driven by two of twistio's clients ------------------------

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "websocket_chat.py"

def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("websocket_chat_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ChatListener:
    transport: WebSocketTransport

    def __init__(self) -> None:
        self.received: asyncio.Queue[str] = asyncio.Queue()
        self.closed: asyncio.Event = asyncio.Event()

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        pass

    def textMessageReceived(self, message: str) -> None:
        self.received.put_nowait(message)

    def bytesMessageReceived(self, data: bytes) -> None:
        raise AssertionError("the chat sends text only")

    def pongReceived(self, payload: bytes) -> None:
        pass

    def connectionLost(self, reason: Failure) -> None:
        self.closed.set()


class ChatClientFactory:
    def buildProtocol(self, url: str) -> ChatListener:
        return ChatListener()


async def test_chat_broadcasts_to_every_member() -> None:
    from twistio.internet import reactor

    chat = load_example()
    room = chat.ChatRoom()
    port = reactor.listenTCP(0, chat.make_site(room), interface="127.0.0.1")
    url = f"ws://127.0.0.1:{port.getHost().port}/chat"
    try:
        endpoint: Any = WebSocketClientEndpoint.new(reactor, url)
        alice: ChatListener = await asyncio.wait_for(endpoint.connect(ChatClientFactory()), TIMEOUT)
        bob: ChatListener = await asyncio.wait_for(endpoint.connect(ChatClientFactory()), TIMEOUT)
        assert len(room.members) == 2

        alice.transport.sendTextMessage('{"nick": "alice", "text": "hi <b>bob</b>"}')
        for who in (alice, bob):
            got = await asyncio.wait_for(who.received.get(), TIMEOUT)
            assert got == '{"nick": "alice", "text": "hi <b>bob</b>"}'
        bob.transport.sendTextMessage('{"nick": "bob", "text": "hello"}')
        for who in (alice, bob):
            got = await asyncio.wait_for(who.received.get(), TIMEOUT)
            assert got == '{"nick": "bob", "text": "hello"}'

        # Garbage gets the sender closed with 1003; the room goes on without it.
        bob.transport.sendTextMessage("not json")
        await asyncio.wait_for(bob.closed.wait(), TIMEOUT)
        assert bob.transport.close_code == 1003  # type: ignore[attr-defined]
        alice.transport.sendTextMessage('{"nick": "alice", "text": "anyone?"}')
        assert "anyone?" in await asyncio.wait_for(alice.received.get(), TIMEOUT)
        assert len(room.members) == 1
        alice.transport.loseConnection()
        await asyncio.wait_for(alice.closed.wait(), TIMEOUT)
        assert not room.members
    finally:
        await port.stopListening()


async def test_chat_page_is_served() -> None:
    from twistio.internet import reactor

    chat = load_example()
    port = reactor.listenTCP(0, chat.make_site(), interface="127.0.0.1")
    try:
        reader, writer = await connect(port.getHost().port)
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        response = await asyncio.wait_for(read_response(reader), TIMEOUT)
        writer.close()
    finally:
        await port.stopListening()
    assert response.status == 200
    assert b"new WebSocket" in response.body


# -- ASGI websocket scope through ASGIResource ---------------------------------------------


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "websocket"
    assert (await receive())["type"] == "websocket.connect"
    if scope["path"].endswith("/refuse"):
        await send({"type": "websocket.close"})
        return
    if scope["path"].endswith("/crash"):
        raise RuntimeError("boom (expected by the test)")
    await send({"type": "websocket.accept", "subprotocol": scope["subprotocols"][0] if scope["subprotocols"] else None})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "bye":
            await send({"type": "websocket.close", "code": 4002})
            continue
        if message.get("text") == "fail":
            raise RuntimeError("failing after accept (expected by the test)")
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": "asgi:" + message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"][::-1]})


@pytest_asyncio.fixture
async def asgi_port() -> AsyncIterator[int]:
    from twistio.internet import reactor
    from twistio.web.asgi import ASGIResource

    root = resource.Resource()
    root.putChild(b"app", ASGIResource(asgi_app, lifespan="off"))
    port = reactor.listenTCP(0, server.Site(root), interface="127.0.0.1")
    try:
        yield port.getHost().port
    finally:
        await port.stopListening()


async def test_asgi_websocket_echo_and_close(asgi_port: int) -> None:
    c = await client(asgi_port, "/app/echo")
    c.transport.sendTextMessage("hi")
    c.transport.sendBytesMessage(b"abc")
    assert await get(c) == "asgi:hi"
    assert await get(c) == b"cba"
    c.transport.sendTextMessage("bye")
    await asyncio.wait_for(c.lost, TIMEOUT)
    assert c.transport.close_code == 4002  # type: ignore[attr-defined]


async def test_asgi_websocket_error_after_accept_closes_1011(asgi_port: int) -> None:
    c = await client(asgi_port, "/app/echo")
    c.transport.sendTextMessage("fail")
    await asyncio.wait_for(c.lost, TIMEOUT)
    assert c.transport.close_code == 1011  # type: ignore[attr-defined]


@pytest.mark.parametrize(("path", "status"), [("/app/refuse", 403), ("/app/crash", 500)])
async def test_asgi_websocket_refused(asgi_port: int, path: str, status: int) -> None:
    with pytest.raises(ConnectionRejected) as info:
        await client(asgi_port, path)
    assert info.value.response.code == status


async def test_asgi_websocket_subprotocol_header(asgi_port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", asgi_port)
    writer.write(
        b"GET /app/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Protocol: chat, superchat\r\n\r\n"
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    assert head.startswith(b"HTTP/1.1 101 ")
    assert b"sec-websocket-protocol: chat\r\n" in head.lower()
    rc = RawClient(reader, writer)
    writer.write(frame(TEXT, b"x"))
    assert await rc.read_frame() == (TEXT, b"asgi:x")
    writer.write(frame(CLOSE, close_payload(1000)))
    assert await rc.close_code() == 1000
    writer.close()


# -- back-pressure (issue 16 item 1): a peer that sends and never reads ----------------------


@pytest.mark.parametrize(
    ("name", "one"),
    [("ping flood", frame(PING, b"p" * 125)), ("echo flood", frame(BINARY, b"e" * 900))],
)
async def test_flood_never_read_is_bounded(
    raw: RawClient, ws_server: tuple[int, ServerFactory], name: str, one: bytes
) -> None:
    """A client flooding pings (each answered with a pong) or messages (each echoed) and never
    reading: the server stops reading while its unsent output is over the high-water mark,
    so what it holds stays bounded over a fixed number of frames (32 MiB of answers here)."""
    _, factory = ws_server
    count = (32 * 1024 * 1024) // len(one)
    batch = one * 256
    loop = asyncio.get_running_loop()
    (proto,) = factory.protocols
    glue: Any = proto.transport
    sent = 0
    deadline = loop.time() + 5
    while sent < count and loop.time() < deadline:
        raw.writer.write(batch)
        sent += 256
        if raw.writer.transport.get_write_buffer_size() > 4 * 1024 * 1024:
            break  # the server stopped reading: our own buffer fills, as it should
        await asyncio.sleep(0)
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert glue._writeBlocked, name
    unsent = glue.transport._transport.get_write_buffer_size()
    assert unsent < 2 * 1024 * 1024, (name, unsent)
    raw.writer.transport.abort()
