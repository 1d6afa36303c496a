"""The HTTP/1.x wire: hostile and malformed requests over a raw socket, keep-alive,
pipelining, chunked bodies in and out, 100-continue, HEAD, timeouts; plus the parser alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.web._http_support import connect, exchange, is_closed, read_response, serve
from twistio.internet.defer import Deferred
from twistio.web import http, resource, server
from twistio.web._codec import END, ParseError, RequestHead
from twistio.web._codec import RequestReader as RequestParser

__all__ = ["serve"]


class Echo(resource.Resource):
    """Leaf: GET says hello, POST/PUT echo the body."""

    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"hello " + request.uri

    def render_POST(self, request: Any) -> bytes:
        return b"got:" + request.content.read()

    render_PUT = render_POST


class Streaming(resource.Resource):
    """Leaf: answers in three writes with no Content-Length (chunked on HTTP/1.1)."""

    isLeaf = True

    def render_GET(self, request: Any) -> int:
        for part in (b"one ", b"two ", b"three"):
            request.write(part)
        request.finish()
        return server.NOT_DONE_YET


class Held(resource.Resource):
    """Leaf whose answers the test releases: ``pending`` holds the open requests."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[Any] = []
        self.arrived: Deferred[None] = Deferred()

    def render_GET(self, request: Any) -> int:
        self.pending.append(request)
        if not self.arrived.called:
            self.arrived.callback(None)
        return server.NOT_DONE_YET


def _root() -> resource.Resource:
    root = resource.Resource()
    root.putChild(b"", Echo())
    root.putChild(b"echo", Echo())
    root.putChild(b"stream", Streaming())
    return root


LIMITS = {"max_body_size": 1000, "max_request_line": 1024, "max_header_bytes": 4096, "max_headers": 20}

G = b"GET / HTTP/1.1\r\nHost: x\r\n"
P = b"POST /echo HTTP/1.1\r\nHost: x\r\n"

# (name, request bytes, expected status). Every one of these must also close the connection.
HOSTILE: list[tuple[str, bytes, int]] = [
    ("conflicting content-length", P + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
    ("repeated content-length", P + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nab", 400),
    ("content-length list", P + b"Content-Length: 2, 2\r\n\r\nab", 400),
    ("content-length sign", P + b"Content-Length: +2\r\n\r\nab", 400),
    ("content-length negative", P + b"Content-Length: -1\r\n\r\n", 400),
    ("content-length not a number", P + b"Content-Length: abc\r\n\r\n", 400),
    ("content-length with transfer-encoding",
     P + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("transfer-encoding gzip, chunked", P + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400),
    ("transfer-encoding chunked, gzip", P + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    ("transfer-encoding identity", P + b"Transfer-Encoding: identity\r\n\r\n", 400),
    ("transfer-encoding repeated",
     P + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("chunk size not hex", P + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 400),
    ("chunk size negative", P + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n", 400),
    ("chunk size empty", P + b"Transfer-Encoding: chunked\r\n\r\n\r\nab\r\n0\r\n\r\n", 400),
    ("chunk size too many digits", P + b"Transfer-Encoding: chunked\r\n\r\n" + b"1" * 17 + b"\r\n", 400),
    ("chunk extension malformed", P + b"Transfer-Encoding: chunked\r\n\r\n2;=x\r\nab\r\n0\r\n\r\n", 400),
    ("chunk extension with CR", P + b"Transfer-Encoding: chunked\r\n\r\n2;a\rb\r\nab\r\n0\r\n\r\n", 400),
    ("chunk size line with bare LF", P + b"Transfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n", 400),
    ("chunk data without CRLF", P + b"Transfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n", 400),
    ("chunk size line too long", P + b"Transfer-Encoding: chunked\r\n\r\n2;" + b"a" * 5000, 400),
    ("bad trailer", P + b"Transfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n", 400),
    ("bare LF line endings", b"GET / HTTP/1.1\nHost: x\n\n", 400),
    ("bare LF inside the head", b"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400),
    ("bare CR inside the head", b"GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400),
    ("bare CR after request line", b"GET / HTTP/1.1\rHost: x\r\n\r\n", 400),
    ("whitespace before colon", G + b"X-Foo : bar\r\n\r\n", 400),
    ("tab before colon", G + b"X-Foo\t: bar\r\n\r\n", 400),
    ("space in header name", G + b"X Foo: bar\r\n\r\n", 400),
    ("non-ASCII in header name", G + b"X-F\xc3\xa9: bar\r\n\r\n", 400),
    ("empty header name", G + b": bar\r\n\r\n", 400),
    ("header line without colon", G + b"NoColonHere\r\n\r\n", 400),
    ("control character in value", G + b"X-Foo: a\x01b\r\n\r\n", 400),
    ("NUL in value", G + b"X-Foo: a\x00b\r\n\r\n", 400),
    ("DEL in value", G + b"X-Foo: a\x7fb\r\n\r\n", 400),
    ("obsolete line folding", G + b"X-Foo: a\r\n b\r\n\r\n", 400),
    ("first header line folded", b"GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400),
    ("invalid char in method", b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("method with control char", b"GE\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("space in target", b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("NUL in target", b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("double space in request line", b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("missing version", b"GET /\r\nHost: x\r\n\r\n", 400),
    ("garbage request line", b"GARBAGE\r\n\r\n", 400),
    ("malformed version", b"GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400),
    ("lower-case protocol", b"GET / http/1.1\r\nHost: x\r\n\r\n", 400),
    ("HTTP/2.0 version", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400),
    ("request line too long", b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("request line too long, no CRLF yet", b"GET /" + b"a" * 2000, 414),
    ("header block too big", G + b"X-Big: " + b"a" * 5000 + b"\r\n\r\n", 431),
    ("header block too big, unfinished", G + b"X-Big: " + b"a" * 5000, 431),
    ("too many headers", G + b"".join(b"X-%d: y\r\n" % i for i in range(30)) + b"\r\n", 431),
    ("body too big by Content-Length", P + b"Content-Length: 5000\r\n\r\n", 413),
    ("body too big when chunked",
     P + b"Transfer-Encoding: chunked\r\n\r\n" + b"200\r\n" + b"a" * 512 + b"\r\n" + b"400\r\n", 413),
]


@pytest.mark.parametrize(("name", "data", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_hostile_request(serve: Any, name: str, data: bytes, status: int) -> None:
    port, _ = serve(_root(), parserLimits=LIMITS)
    out, closed = await exchange(port, data)
    assert out.startswith(b"HTTP/1.1 %d " % status), out[:200]
    # Twisted's form: the status line alone, then the connection closes.
    assert out.endswith(b"\r\n\r\n") and out.count(b"\r\n") == 2, out[:200]
    assert closed


async def test_hostile_request_after_good_ones_answers_in_order(serve: Any) -> None:
    port, _ = serve(_root())
    out, closed = await exchange(port, G + b"\r\n" + G + b"\r\n" + G + b"X : y\r\n\r\n")
    assert out.count(b"HTTP/1.1 200 OK") == 2
    assert out.index(b"HTTP/1.1 400") > out.rindex(b"HTTP/1.1 200 OK")
    assert closed


async def test_slowloris_gets_408(serve: Any) -> None:
    """Trickling the head a byte at a time does not extend the header timeout."""
    port, _ = serve(_root(), headerTimeout=0.3)
    reader, writer = await connect(port)
    loop = asyncio.get_running_loop()
    start = loop.time()
    data = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 10000
    got = b""
    for i in range(len(data)):
        writer.write(data[i : i + 1])
        try:
            got = await asyncio.wait_for(reader.read(65536), 0.02)
        except asyncio.TimeoutError:
            continue
        break
    elapsed = loop.time() - start
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert 0.25 < elapsed < 0.9
    assert await is_closed(reader)
    writer.close()


async def test_idle_connection_timeout(serve: Any) -> None:
    """``Site(timeout=...)`` closes an idle connection, as in Twisted."""
    port, _ = serve(_root(), timeout=0.2)
    reader, writer = await connect(port)
    writer.write(G + b"\r\n")
    resp = await read_response(reader)
    assert resp.status == 200
    assert await is_closed(reader)
    writer.close()


async def test_keep_alive_many_requests(serve: Any) -> None:
    port, _ = serve(_root())
    reader, writer = await connect(port)
    for i in range(5):
        writer.write(b"GET /echo/%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        resp = await read_response(reader)
        assert resp.status == 200
        assert resp.body == b"hello /echo/%d" % i
        assert resp.header(b"connection") is None
    writer.close()


async def test_connection_close_header(serve: Any) -> None:
    port, _ = serve(_root())
    out, closed = await exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close\r\n" in out
    assert out.endswith(b"hello /")
    assert closed


async def test_http10_closes(serve: Any) -> None:
    port, _ = serve(_root())
    out, closed = await exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.0 200 OK\r\n")
    assert closed


async def test_http10_streaming_is_delimited_by_close(serve: Any) -> None:
    port, _ = serve(_root())
    out, closed = await exchange(port, b"GET /stream HTTP/1.0\r\n\r\n")
    assert b"chunked" not in out.lower()
    assert out.endswith(b"\r\n\r\none two three")
    assert closed


async def test_pipelined_requests_answered_in_order(serve: Any) -> None:
    port, _ = serve(_root())
    reqs = b"".join(b"GET /echo/%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(20))
    reader, writer = await connect(port)
    writer.write(reqs + b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz")
    for i in range(20):
        resp = await read_response(reader)
        assert resp.body == b"hello /echo/%d" % i
    resp = await read_response(reader)
    assert resp.body == b"got:xyz"
    writer.close()


async def test_pipelining_is_bounded(serve: Any) -> None:
    """With answers pending, the channel keeps a few requests and stops reading."""
    held = Held()
    port, site = serve(held, maxPipelined=2)
    channels: list[Any] = []
    build = site.buildProtocol

    def spy(addr: Any) -> Any:
        p = build(addr)
        channels.append(p)
        return p

    site.buildProtocol = spy  # type: ignore[method-assign]
    reader, writer = await connect(port)
    n = 200
    writer.write(b"".join(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(n)))
    await asyncio.wait_for(held.arrived.asFuture(asyncio.get_running_loop()), 2)
    for _ in range(5):
        await asyncio.sleep(0)  # let the loop deliver what it will; bounded either way
    (chan,) = channels
    assert len(chan.requests) <= 3
    assert len(held.pending) == 1
    for i in range(n):
        while not held.pending:
            await asyncio.sleep(0)
            assert len(chan.requests) <= 3
        req = held.pending.pop(0)
        req.write(req.uri)
        req.finish()
        resp = await read_response(reader)
        assert resp.body == b"/%d" % i
    writer.close()


async def test_chunked_request_body(serve: Any) -> None:
    port, _ = serve(_root())
    reader, writer = await connect(port)
    writer.write(P + b"Transfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n")
    writer.write(b"4\r\ndefg\r\n0\r\nX-Trailer: t\r\n\r\n")
    resp = await read_response(reader)
    assert resp.status == 200
    assert resp.body == b"got:abcdefg"
    writer.write(P + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    resp = await read_response(reader)
    assert resp.body == b"got:"
    writer.close()


async def test_chunked_response(serve: Any) -> None:
    port, _ = serve(_root())
    reader, writer = await connect(port)
    writer.write(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    resp = await read_response(reader)
    assert resp.header(b"transfer-encoding") == b"chunked"
    assert resp.header(b"content-length") is None
    assert resp.body == b"one two three"
    writer.write(G + b"\r\n")
    assert (await read_response(reader)).body == b"hello /"
    writer.close()


async def test_expect_100_continue(serve: Any) -> None:
    port, _ = serve(_root())
    reader, writer = await connect(port)
    writer.write(P + b"Expect: 100-continue\r\nContent-Length: 5\r\n\r\n")
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(b"hello")
    resp = await read_response(reader)
    assert resp.body == b"got:hello"
    writer.close()


async def test_head_has_no_body(serve: Any) -> None:
    port, _ = serve(_root())
    reader, writer = await connect(port)
    writer.write(b"HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\n" + G + b"\r\n")
    head = await read_response(reader, head_request=True)
    assert head.status == 200
    assert head.header(b"content-length") == b"11"
    nxt = await read_response(reader)
    assert nxt.body == b"hello /"
    writer.close()


async def test_date_and_server_headers(serve: Any) -> None:
    port, _ = serve(_root())
    reader, writer = await connect(port)
    writer.write(G + b"\r\n")
    resp = await read_response(reader)
    assert resp.header(b"server") == server.version
    date = resp.header(b"date")
    assert date is not None and date.endswith(b" GMT")
    assert abs(http.stringToDatetime(date) - __import__("time").time()) < 5
    writer.close()


async def test_client_going_away_errbacks_notifyFinish(serve: Any) -> None:
    held = Held()
    port, _ = serve(held)
    reader, writer = await connect(port)
    writer.write(G + b"\r\n")
    await asyncio.wait_for(held.arrived.asFuture(asyncio.get_running_loop()), 2)
    d = held.pending[0].notifyFinish()
    writer.close()
    with pytest.raises(Exception) as info:
        await asyncio.wait_for(d.asFuture(asyncio.get_running_loop()), 2)
    assert "Connection" in type(info.value).__name__


# -- the parser alone ------------------------------------------------------------


def test_parser_events_byte_by_byte() -> None:
    data = (
        b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nX-A:  spaced value \t\r\nTransfer-Encoding: chunked\r\n"
        b"\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.0\r\n\r\n"
    )
    p = RequestParser()
    events: list[object] = []
    for i in range(len(data)):
        events.extend(p.feed(data[i : i + 1]))
    heads = [e for e in events if isinstance(e, RequestHead)]
    assert [h.method for h in heads] == [b"POST", b"GET"]
    assert heads[0].pairs == [(b"Host", b"x"), (b"X-A", b"spaced value"), (b"Transfer-Encoding", b"chunked")]
    assert heads[0].chunked and heads[0].keep_alive and not heads[1].keep_alive
    assert b"".join(e for e in events if isinstance(e, bytes)) == b"hello"
    assert events.count(END) == 2


def test_parser_is_dead_after_error() -> None:
    p = RequestParser()
    (err,) = p.feed(b"GET / HTTP/1.1\r\nX : y\r\n\r\n")
    assert isinstance(err, ParseError) and err.code == 400
    assert p.feed(G + b"\r\n") == []


def test_parser_limits_heads_per_feed() -> None:
    p = RequestParser()
    events = p.feed((G + b"\r\n") * 3, max_heads=1)
    assert len([e for e in events if isinstance(e, RequestHead)]) == 1
    assert p.limited and p.buffered
    events = p.feed(b"", max_heads=5)
    assert len([e for e in events if isinstance(e, RequestHead)]) == 2
    assert not p.buffered


def test_parser_leading_blank_lines_ignored() -> None:
    p = RequestParser()
    events = p.feed(b"\r\n\r\n" + G + b"\r\n")
    assert isinstance(events[0], RequestHead)


def test_parser_fields_and_last_field() -> None:
    """Field values are stripped of surrounding spaces and tabs; obs-text and inner tabs are
    kept; ``last_field`` finds the last of repeated fields, case-insensitively, as sent."""
    p = RequestParser()
    events = p.feed(
        b"GET / HTTP/1.1\r\nHost:x\r\nX-A: \t one\t \r\nx-a:two\r\nX-Empty:\r\n"
        b"X-Obs: caf\xe9\tau lait\r\nUser-Agent:  ua/1 \r\n\r\n"
    )
    head = events[0]
    assert isinstance(head, RequestHead)
    assert head.pairs == [
        (b"Host", b"x"), (b"X-A", b"one"), (b"x-a", b"two"), (b"X-Empty", b""),
        (b"X-Obs", b"caf\xe9\tau lait"), (b"User-Agent", b"ua/1"),
    ]
    assert head.field(b"x-a") == b"one"
    assert head.last_field(b"x-a") == b"two"
    assert head.last_field(b"user-agent") == b"ua/1"
    assert head.last_field(b"x-empty") == b""
    assert head.last_field(b"host") == b"x"
    assert head.last_field(b"referer") is None
    assert head.last_field(b"a") is None
    bare = RequestParser().feed(G + b"\r\n")[0]
    assert isinstance(bare, RequestHead) and bare.last_field(b"host") == b"x"


@pytest.mark.parametrize(("name", "data", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_request_parser(name: str, data: bytes, status: int) -> None:
    """The sans-IO parser alone rejects each hostile request with its status, fed whole and
    fed one byte at a time."""
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        p = RequestParser(**LIMITS)
        events: list[object] = []
        for c in chunks:
            events += p.feed(c)
        errors = [e for e in events if isinstance(e, ParseError)]
        assert len(errors) == 1 and events[-1] is errors[0], (name, events)
        assert errors[0].code == status, (name, errors)


# -- hardening (issue 16) ---------------------------------------------------------


async def test_header_deadline_uses_the_shorter_site_timeout(serve: Any) -> None:
    """``Site(timeout=...)`` shorter than ``headerTimeout`` bounds a trickled head too."""
    port, _ = serve(_root(), timeout=0.3)
    reader, writer = await connect(port)
    loop = asyncio.get_running_loop()
    start = loop.time()
    data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
    got = b""
    for i in range(len(data)):
        writer.write(data[i : i + 1])
        try:
            got = await asyncio.wait_for(reader.read(65536), 0.02)
        except asyncio.TimeoutError:
            continue
        break
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert loop.time() - start < 1.5
    writer.close()


async def test_stalled_body_gets_408(serve: Any) -> None:
    """A request body that makes no progress for ``bodyTimeout`` seconds: 408, then close."""
    port, site = serve(_root())
    site.bodyTimeout = 0.2
    out, closed = await exchange(port, P + b"Content-Length: 10\r\n\r\nab", timeout=2)
    assert out.startswith(b"HTTP/1.1 408 "), out
    assert closed


async def test_slow_body_making_progress_is_not_cut(serve: Any) -> None:
    port, site = serve(_root())
    site.bodyTimeout = 0.3
    reader, writer = await connect(port)
    writer.write(P + b"Content-Length: 4\r\n\r\n")
    for piece in (b"a", b"b", b"c", b"d"):
        await asyncio.sleep(0.15)  # trickling, each piece within the deadline
        writer.write(piece)
    resp = await read_response(reader)
    assert resp.body == b"got:abcd"
    writer.close()


class Big(resource.Resource):
    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.answered = 0

    def render_GET(self, request: Any) -> bytes:
        self.answered += 1
        return b"x" * 65536


async def test_pipelining_client_never_reading_is_bounded(serve: Any) -> None:
    """A client pipelining requests for 64 KiB answers and never reading: the server stops
    reading once its write buffer is full, so the unsent answers stay bounded (not 200 x
    64 KiB), and all are answered once the client reads."""
    big = Big()
    port, site = serve(big)
    channels: list[Any] = []
    build = site.buildProtocol

    def spy(addr: Any) -> Any:
        p = build(addr)
        channels.append(p)
        return p

    site.buildProtocol = spy  # type: ignore[method-assign]
    reader, writer = await connect(port)
    n = 200
    writer.write(b"".join(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(n)))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 3
    last = -1
    while loop.time() < deadline:
        await asyncio.sleep(0.05)
        if big.answered == last and channels and channels[0]._writeBlocked:
            break
        last = big.answered
    (chan,) = channels
    assert chan._writeBlocked
    assert big.answered < n
    assert chan.transport._transport.get_write_buffer_size() < 1024 * 1024
    for _ in range(n):
        resp = await read_response(reader)
        assert len(resp.body) == 65536
    assert big.answered == n
    writer.close()


def test_idle_timeout_costs_no_timer_per_connection() -> None:
    """The idle timeout of a factory's connections is one sweeper, not a timer each: an
    active connection survives a sweep, an idle one is closed by the next."""
    from twistio.internet import task
    from twistio.internet.testing import StringTransport

    clock = task.Clock()
    site = server.Site(_root(), timeout=10, reactor=clock)
    chans = []
    for _ in range(3):
        ch = site.buildProtocol(None)
        ch.makeConnection(StringTransport())
        chans.append(ch)
    assert len(clock.getDelayedCalls()) == 1
    chans[0].dataReceived(G + b"\r\n")
    clock.advance(10)  # everyone was active or just arrived: the first sweep clears flags
    chans[1].dataReceived(G + b"\r\n")
    clock.advance(10)
    assert [ch.transport.disconnecting for ch in chans] == [True, False, True]
    clock.advance(10)
    assert chans[1].transport.disconnecting
    site.stopFactory()
    # A timed-out connection that does not go within abortTimeout (15 s) is aborted.
    assert all(ch.transport.disconnecting and not ch.transport.disconnected for ch in chans)
    clock.advance(15)
    assert all(ch.transport.disconnected for ch in chans)
    assert clock.getDelayedCalls() == []


def test_timed_out_connection_that_goes_is_not_aborted() -> None:
    from twistio.internet import task
    from twistio.internet.testing import StringTransport

    clock = task.Clock()
    site = server.Site(_root(), timeout=10, reactor=clock)
    ch = site.buildProtocol(None)
    ch.makeConnection(StringTransport())
    clock.advance(10)
    clock.advance(10)  # idle for a whole sweep period: timed out
    assert ch.transport.disconnecting
    ch.connectionLost()
    assert clock.getDelayedCalls() == [] or all(
        not c.active() or c.func != ch._forciblyTimeOut for c in clock.getDelayedCalls()
    )
    clock.advance(15)
    assert not ch.transport.disconnected
    site.stopFactory()


def test_stalled_body_times_out_after_the_idle_timeout() -> None:
    """As in Twisted: a request body that stops arriving closes the connection after the
    factory's timeout (twistio answers 408 first)."""
    from twistio.internet import task
    from twistio.internet.testing import StringTransport

    clock = task.Clock()
    site = server.Site(_root(), timeout=100, reactor=clock)
    ch = site.buildProtocol(None)
    transport = StringTransport()
    ch.makeConnection(transport)
    ch.dataReceived(b"POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n")
    clock.advance(99)
    assert not transport.disconnecting
    clock.advance(1)
    assert transport.disconnecting and transport.value().startswith(b"HTTP/1.1 408 ")
    ch.connectionLost()
    site.stopFactory()


# -- Twisted's observable behaviour on a bare channel (issue 14) ----------------------------


def _bare_channel(factory: Any = None) -> tuple[http.HTTPChannel, Any]:
    from twistio.internet.testing import StringTransport

    channel = http.HTTPChannel()
    if factory is not None:
        channel.requestFactory = factory
    transport = StringTransport()
    channel.makeConnection(transport)
    return channel, transport


def test_request_lets_go_of_its_channel_when_finished() -> None:
    from twistio.web.test.requesthelper import DummyChannel

    req = http.Request(DummyChannel(), False)
    req.finish()
    assert req.channel is None
    assert not req.isSecure()
    assert req.getClientAddress() is not None  # still known, through the transport


def test_request_lets_go_of_its_channel_when_the_connection_is_lost() -> None:
    from twistio.internet.error import ConnectionLost
    from twistio.python.failure import Failure
    from twistio.web.test.requesthelper import DummyChannel

    req = http.Request(DummyChannel(), False)
    req.gotLength(3)
    content = req.content
    assert content is not None
    lost: list[Any] = []
    req.notifyFinish().addErrback(lost.append)
    req.connectionLost(Failure(ConnectionLost("gone")))
    assert req.channel is None and content.closed and len(lost) == 1


def test_finish_with_a_producer_still_registered_logs_an_error() -> None:
    from twistio.logger import globalLogPublisher
    from twistio.web.test.requesthelper import DummyChannel

    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:
        req = http.Request(DummyChannel(), False)

        class Producer:
            def stopProducing(self) -> None: ...
            def pauseProducing(self) -> None: ...
            def resumeProducing(self) -> None: ...

        req.registerProducer(Producer(), True)  # type: ignore[arg-type]
        req.finish()
    finally:
        globalLogPublisher.removeObserver(events.append)
    failures = [e["log_failure"] for e in events if "log_failure" in e]
    assert len(failures) == 1 and failures[0].check(RuntimeError)
    assert req.producer is None


def test_channel_stops_the_request_producer() -> None:
    channel, _ = _bare_channel()
    assert channel._requestProducer is None
    channel.unregisterProducer()  # nothing registered: fine
    stopped: list[bool] = []

    class Producer:
        def stopProducing(self) -> None:
            stopped.append(True)

        def pauseProducing(self) -> None: ...
        def resumeProducing(self) -> None: ...

    producer = Producer()
    channel.registerProducer(producer, True)  # type: ignore[arg-type]
    assert channel._requestProducer is producer
    channel.stopProducing()
    assert stopped == [True]
    channel.connectionLost()


def test_a_refused_request_gets_the_status_line_alone() -> None:
    channel, transport = _bare_channel()
    channel.dataReceived(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
    assert transport.value() == b"HTTP/1.1 400 Bad Request\r\n\r\n"
    assert transport.disconnecting


def test_a_request_factory_may_make_proxies() -> None:
    """Twisted's channel uses only _IDeprecatedHTTPChannelToRequestInterface of what its
    requestFactory makes: a proxy of a Request is served as the Request would be."""
    from twistio.python.components import proxyForInterface

    made: list[Any] = []

    class Hello(http.Request):
        def process(self) -> None:
            self.setHeader(b"content-type", b"text/plain")
            self.write(b"hi " + self.requestHeaders.getRawHeaders(b"x-name", [b"?"])[0])
            self.finish()

    def factory(channel: Any, queued: object = None) -> Any:
        proxy = proxyForInterface(http._IDeprecatedHTTPChannelToRequestInterface)(
            Hello(channel, queued)
        )
        made.append(proxy)
        return proxy

    channel, transport = _bare_channel(factory)
    channel.dataReceived(b"GET / HTTP/1.1\r\nHost: x\r\nX-Name: ann\r\n\r\n")
    assert len(made) == 1 and isinstance(made[0].original, Hello)
    out = transport.value()
    assert out.startswith(b"HTTP/1.1 200 OK\r\n") and out.endswith(b"hi ann\r\n0\r\n\r\n")
    assert channel.requests == []
    channel.connectionLost()


def test_parse_post_form_submission_follows_request_then_site() -> None:
    from twistio.web.test.requesthelper import DummyChannel

    channel = DummyChannel()
    channel.site = server.Site(resource.Resource())  # type: ignore[attr-defined]
    assert server.Request(channel)._parsePOSTFormSubmission is True
    channel.site = server.Site(resource.Resource(), parsePOSTFormSubmission=False)  # type: ignore[attr-defined]
    assert server.Request(channel)._parsePOSTFormSubmission is False
    assert server.Request(channel, parsePOSTFormSubmission=True)._parsePOSTFormSubmission


def test_post_form_not_parsed_when_told_not_to() -> None:
    seen: list[dict[bytes, list[bytes]]] = []

    class Req(http.Request):
        def process(self) -> None:
            seen.append(dict(self.args))
            self.finish()

    body = b"a=1&b=2"
    head = b"POST /?q=x HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    for parse, expected in ((True, {b"q": [b"x"], b"a": [b"1"], b"b": [b"2"]}), (False, {b"q": [b"x"]})):
        channel, _ = _bare_channel(
            lambda ch, q=None, parse=parse: Req(ch, q, parsePOSTFormSubmission=parse)
        )
        channel.dataReceived(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        assert seen.pop() == expected
        channel.connectionLost()


def test_basic_auth_that_is_not_base64_gives_no_credentials() -> None:
    from twistio.web.test.requesthelper import DummyChannel

    req = http.Request(DummyChannel())
    req.requestHeaders.setRawHeaders(b"authorization", [b"Basic !!!notbase64"])
    assert (req.getUser(), req.getPassword()) == (b"", b"")
    req = http.Request(DummyChannel())
    req.requestHeaders.setRawHeaders(b"authorization", [b"Basic dTpw"])
    assert (req.getUser(), req.getPassword()) == (b"u", b"p")
    # Read once, as in Twisted: the request then has them as user and password.
    req.requestHeaders.setRawHeaders(b"authorization", [b"Basic djp3"])
    assert (req.getPassword(), req.getUser()) == (b"p", b"u")
    assert (req.user, req.password) == (b"u", b"p")


def test_basic_auth_decoding_errors_are_logged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    from twistio.logger import globalLogPublisher
    from twistio.web.test.requesthelper import DummyChannel

    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:
        monkeypatch.setattr(base64, "b64decode", lambda x: [])
        req = http.Request(DummyChannel())
        req.requestHeaders.setRawHeaders(b"authorization", [b"Basic dTpw"])
        assert (req.getUser(), req.getPassword()) == (b"", b"")
    finally:
        globalLogPublisher.removeObserver(events.append)
    failures = [e["log_failure"] for e in events if "log_failure" in e]
    assert len(failures) == 1 and failures[0].check(AttributeError)


def test_set_etag_is_taken_as_given() -> None:
    from twistio.web.test.requesthelper import DummyChannel

    req = http.Request(DummyChannel())
    req.method = b"GET"
    req.requestHeaders.setRawHeaders(b"if-none-match", [b'"a" "b"'])
    assert req.setETag(b'"b"') is http.CACHED and req.code == 304
    assert req.responseHeaders.getRawHeaders(b"etag") == [b'"b"']
    other = http.Request(DummyChannel())
    other.requestHeaders.setRawHeaders(b"if-none-match", [b'"a"'])
    assert other.setETag(b"a") is None and other.code == 200


def test_a_queued_request_keeps_its_channel() -> None:
    """Twisted's deprecated ``queued`` true: the channel stays after finish."""
    from twistio.web.test.requesthelper import DummyChannel

    channel = DummyChannel()
    req = http.Request(channel, True)
    req.finish()
    assert req.channel is channel


def test_check_persistence() -> None:
    from twistio.web.test.requesthelper import DummyChannel

    channel = http.HTTPChannel()
    for version, connection, expected in (
        (b"HTTP/1.1", None, True), (b"HTTP/1.1", b"Close", False),
        (b"HTTP/1.0", None, False), (b"HTTP/0.9", None, False),
    ):
        req = http.Request(DummyChannel())
        if connection is not None:
            req.requestHeaders.setRawHeaders(b"connection", [connection])
        assert channel.checkPersistence(req, version) is expected
        sent = req.responseHeaders.getRawHeaders(b"connection")
        assert sent == ([b"close"] if connection else None)


def test_unparseable_multipart_body_gets_a_bare_400_and_no_processing() -> None:
    processed: list[object] = []

    class Req(http.Request):
        def process(self) -> None:
            processed.append(self)
            self.finish()

    body = b"--\xe2\x98\x83\r\nContent-Type: text/plain\r\n\r\nx\r\n--\xe2\x98\x83--\r\n"
    channel, transport = _bare_channel(Req)
    channel.dataReceived(
        b"POST / HTTP/1.0\r\nContent-Type: multipart/form-data; boundary=\xe2\x98\x83\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    assert transport.value() == b"HTTP/1.1 400 Bad Request\r\n\r\n"
    assert transport.disconnecting and processed == []
    channel.connectionLost()
