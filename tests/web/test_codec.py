"""The sans-IO HTTP/1 codec alone: both roles, the hostile table, splitting, linear cost."""

from __future__ import annotations

import pytest

from tests.web.test_http import HOSTILE, LIMITS
from twistio.web import _codec
from twistio.web._codec import (
    END,
    ParseError,
    RequestHead,
    RequestReader,
    ResponseHead,
    ResponseReader,
)


def _feed_all(reader: _codec._Reader, chunks: list[bytes]) -> list[object]:
    events: list[object] = []
    for c in chunks:
        events += reader.feed(c)
    return events


def _normal(events: list[object]) -> list[object]:
    """Events with adjacent body pieces joined, heads as comparable tuples."""
    out: list[object] = []
    for e in events:
        if isinstance(e, bytes) and out and isinstance(out[-1], bytes):
            out[-1] = out[-1] + e
        elif isinstance(e, RequestHead):
            out.append(("head", e.method, e.target, e.version, tuple(e.pairs)))
        elif isinstance(e, ResponseHead):
            out.append(("head", e.code, e.reason, tuple(e.pairs)))
        elif isinstance(e, ParseError):
            out.append(("error", e.code))
        else:
            out.append(e)
    return out


def _splits(data: bytes) -> list[list[bytes]]:
    ways = [[data], [data[i : i + 1] for i in range(len(data))]]
    for cut in range(1, len(data), max(1, len(data) // 40)):
        ways.append([data[:cut], data[cut:]])
    return ways


G = b"GET / HTTP/1.1\r\nHost: x\r\n"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET / HTTP/1.1\r\nHost: public.example\r\nHost: admin.internal\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400),
    ],
)
def test_host_at_most_once(data: bytes, status: int) -> None:
    """Two Host fields are 400 (RFC 9112 3.2)."""
    (err,) = RequestReader().feed(data)
    assert isinstance(err, ParseError) and err.code == status


@pytest.mark.parametrize(
    "data",
    [b"GET / HTTP/1.0\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nX-A: b\r\n\r\n"],
)
def test_without_host_is_accepted(data: bytes) -> None:
    """A request without Host is served, as Twisted serves it (RFC 9112 would have 400)."""
    events = RequestReader().feed(data)
    assert isinstance(events[0], RequestHead) and events[1] is END


@pytest.mark.parametrize(
    "data",
    [
        b"\r\n\r\n" + G + b"\r\n",
        b"\r\n" + G + b"\r\n",
        b"\n" + G + b"\r\n",
        b"\r" + G + b"\r\n",
        b"\r\n\n" + G + b"\r\n",
        b"\n\r" + G + b"\r\n",
        b"\r\r\n" + G + b"\r\n",
        G + b"\r\n\r\n" + G + b"\r\n",
        G + b"\r\n\n" + G + b"\r\n",
        G + b"\r\n\r" + G + b"\r\n",
    ],
)
def test_blank_lines_same_answer_however_split(data: bytes) -> None:
    """Whole CRLFs before a request line are skipped; a bare CR or LF there is 400; either
    way the answer does not depend on how the bytes were split."""
    expected = _normal(_feed_all(RequestReader(), [data]))
    for chunks in _splits(data):
        assert _normal(_feed_all(RequestReader(), chunks)) == expected, chunks
    bare = data.replace(b"\r\n", b"") != data.replace(b"\r\n", b"").replace(b"\r", b"").replace(b"\n", b"")
    assert any(isinstance(e, tuple) and e[0] == "error" for e in expected) == bare


@pytest.mark.parametrize(("name", "data", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_same_answer_however_split(name: str, data: bytes, status: int) -> None:
    expected = _normal(_feed_all(RequestReader(**LIMITS), [data]))  # type: ignore[arg-type]
    assert expected[-1] == ("error", status)
    for chunks in _splits(data):
        assert _normal(_feed_all(RequestReader(**LIMITS), chunks)) == expected  # type: ignore[arg-type]


# The header-block part of the hostile table, as responses: the client's reader refuses them.
_RESPONSE_HOSTILE = [
    (name, b"HTTP/1.1 200 OK\r\n" + data.split(b"\r\n", 1)[1])
    for name, data, status in HOSTILE
    if status == 400 and data.startswith(G) and b"\r\n\r\n" in data[len(G) - 2 :]
] + [
    ("conflicting content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
    ("content-length sign", b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nab"),
    ("chunk size not hex", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n"),
    ("chunk data without CRLF", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n"),
    ("bad trailer", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n"),
    ("bad version", b"HTTP/1.x 200 OK\r\n\r\n"),
    ("bad status", b"HTTP/1.1 2x0 OK\r\n\r\n"),
    ("bare LF", b"HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
    ("head too long", b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000),
]


@pytest.mark.parametrize(("name", "data"), _RESPONSE_HOSTILE, ids=[h[0] for h in _RESPONSE_HOSTILE])
def test_hostile_response(name: str, data: bytes) -> None:
    """The same table through the client's role: one ParseError, last, however split."""
    expected: list[object] | None = None
    for chunks in _splits(data):
        reader = ResponseReader()
        reader.expect(b"GET")
        got = _normal(_feed_all(reader, chunks))
        assert got and got[-1][0] == "error", (name, got)  # type: ignore[index]
        if expected is None:
            expected = got
        assert got == expected


def test_response_framing() -> None:
    r = ResponseReader()
    r.expect(b"GET")
    ev = r.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n")
    heads = [e for e in ev if isinstance(e, ResponseHead)]
    assert [h.code for h in heads] == [100, 200] and heads[1].chunked
    assert b"".join(e for e in ev if isinstance(e, bytes)) == b"abc" and ev[-1] is END
    assert r.trailers == [(b"X-T", b"1")]
    r.expect(b"HEAD")
    ev = r.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    assert ev[-1] is END and not r.buffered
    r.expect(b"GET")
    ev = r.feed(b"HTTP/1.0 200 OK\r\n\r\nuntil close")
    assert isinstance(ev[0], ResponseHead) and ev[0].until_close and ev[1] == b"until close"
    assert r.eof() == [END]
    r2 = ResponseReader()
    r2.expect(b"GET")
    r2.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")
    (err,) = r2.eof()
    assert isinstance(err, ParseError)


def test_upgrade_request_stops_the_reader() -> None:
    """What follows a request that may switch protocols is not parsed as HTTP."""
    r = RequestReader()
    ev = r.feed(G + b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x85frame\n")
    assert isinstance(ev[0], RequestHead) and ev[1] is END and len(ev) == 2
    assert r.waiting and r.unconsumed() == b"\x81\x85frame\n"


def test_partial_head_costs_linear_work() -> None:
    """A 31 KiB head fed one byte per read: the bytes scanned and copied grow linearly (about
    the head's size), not with the square of it as a rescan of the buffer on every read."""
    head = G + b"".join(b"X-Field-%03d: %s\r\n" % (i, b"v" * 320) for i in range(95)) + b"\r\n"
    assert 31 * 1024 <= len(head) < 33 * 1024
    checked: list[int] = []
    ran: list[int] = []

    class Counting(RequestReader):
        __slots__ = ()

        def _check_partial(self, buf: bytearray) -> None:
            checked.append(len(buf) - self._checked)
            super()._check_partial(buf)

        def _run(self, buf: bytes, max_heads: int, events: list[object]) -> list[object]:
            ran.append(len(buf))
            return super()._run(buf, max_heads, events)

    r = Counting(max_headers=200)
    events: list[object] = []
    for i in range(len(head)):
        events += r.feed(head[i : i + 1])
    assert isinstance(events[0], RequestHead) and events[1] is END
    assert sum(checked) < 2 * len(head)
    assert sum(ran) < 3 * len(head)
    whole = Counting(max_headers=200)
    checked.clear()
    ran.clear()
    assert isinstance(whole.feed(head)[0], RequestHead)
    assert sum(ran) == len(head)


def test_writers() -> None:
    assert _codec.response_head(b"HTTP/1.1", b"200", b"OK", [b"A: b\r\n"]) == b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n"
    assert _codec.request_head(b"GET", b"/", b"HTTP/1.1", []) == b"GET / HTTP/1.1\r\n\r\n"
    assert b"".join(_codec.chunk(b"abc")) == b"3\r\nabc\r\n" and _codec.LAST_CHUNK == b"0\r\n\r\n"
    assert _codec.is_token(b"X-Foo") and not _codec.is_token(b"X Foo") and not _codec.is_token(b"")
