"""The HTTP/1 server gives the same answer to the same bytes however TCP splits them (issue 16
item 6): which error is reported, what happens to input after a request that ends the
connection, and ``100 Continue`` for a pipelined request whose body is already here."""

from __future__ import annotations

import pytest

from tests.fuzz._targets import http_server
from tests.web.test_codec import _splits
from twistio.web._codec import ParseError, RequestHead, RequestReader


def _errors(reader_args: dict[str, int], chunks: list[bytes]) -> list[tuple[int, str]]:
    reader = RequestReader(**reader_args)  # type: ignore[arg-type]
    events: list[object] = []
    for c in chunks:
        events += reader.feed(c)
    return [(e.code, e.message) for e in events if isinstance(e, ParseError)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # A bare LF in the request line, which is also a malformed version once complete.
        (b"GET /1 H\nTTP/1.1\r\nHost: a\r\n\r\n", (400, "bare LF in head")),
        # A bare CR in a field comes before the too-long block is noticed.
        (b"GET / HTTP/1.1\r\nA: b\rc\r\nX: " + b"y" * 80 + b"\r\n\r\n", (400, "bare CR in head")),
        # The request line is too long before the bare LF after it arrives.
        (b"GET /" + b"a" * 60 + b" HTTP/1.1\r\nA\n: b\r\n\r\n", (414, "start line too long")),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"y" * 80 + b"\n\r\n\r\n",
            (431, "header block too large"),
        ),
    ],
)
def test_first_error_however_split(data: bytes, expected: tuple[int, str]) -> None:
    limits = {"max_request_line": 40, "max_header_bytes": 64}
    for chunks in _splits(data):
        assert _errors(limits, chunks) == [expected], chunks


def test_bad_trailer_however_split() -> None:
    """A folded first trailer line is reported before the trailers are too large or too many."""
    data = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n x\r\n"
    data += b"A: b\r\n" * 20 + b"\r\n"
    for chunks in _splits(data):
        assert _errors({"max_header_bytes": 64, "max_headers": 5}, chunks) == [
            (400, "bad trailer")
        ], chunks


def test_request_line_of_the_maximum_length_however_split() -> None:
    line = b"GET /" + b"a" * 26 + b" HTTP/1.1"
    assert len(line) == 40
    data = line + b"\r\nHost: a\r\n\r\n"
    for chunks in _splits(data):
        reader = RequestReader(max_request_line=40)
        events = [e for c in chunks for e in reader.feed(c)]
        assert isinstance(events[0], RequestHead), chunks
    # One byte more is too long, whole or split.
    longer = line.replace(b"/a", b"/aa") + b"\r\nHost: a\r\n\r\n"
    for chunks in _splits(longer):
        assert _errors({"max_request_line": 40}, chunks) == [(414, "start line too long")]


@pytest.mark.parametrize(
    "data",
    [
        # HTTP/1.0 without keep-alive, then bytes that are not a request.
        b"GET / HTTP/1.0\r\n\r\nTHTTfP/1.0 / HTTPP\xff\xff1.0\r\n\r\n",
        # Connection: close, then a valid request that must not be answered.
        b"GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
        # A pipelined request whose body (and Expect) arrive with the first one.
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    ],
)
def test_server_answer_however_split(data: bytes) -> None:
    whole = http_server([data])
    for chunks in _splits(data):
        assert http_server(chunks) == whole, chunks


def test_nothing_after_a_request_that_ends_the_connection() -> None:
    written, closed = http_server(
        [b"GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nBAD\r\n\r\n"]
    )
    assert closed and written.count(b"HTTP/1.") == 1 and b"GET /1" in written


def test_continue_for_a_pipelined_request_whose_body_is_here() -> None:
    written, _ = http_server(
        [
            b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
            b"POST /2 HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"
        ]
    )
    first, rest = written.split(b"GET /1 0", 1)
    assert rest.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK") and b"POST /2 1" in rest
