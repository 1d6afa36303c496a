"""Bounded hypothesis fuzzing of the HTTP/1 codec, both roles: whole and randomly split input
give the same events, and nothing but the documented ``ParseError`` event comes out (no
exception escapes ``feed``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.web.test_codec import _normal
from tests.web.test_http import HOSTILE
from twistio.web._codec import ParseError, RequestReader, ResponseReader

_SEEDS = [data for _, data, _ in HOSTILE] + [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
    b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n",
    b"\r\nGET / HTTP/1.0\r\n\r\n",
]
_RESPONSES = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\nuntil close",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
]


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for pos, value in edits:
        if out:
            out[pos % len(out)] = value
    return bytes(out)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    pieces.append(data[last:])
    return [p for p in pieces if p]


def _run(reader_factory: object, chunks: list[bytes], response: bool) -> list[object]:
    reader = reader_factory()  # type: ignore[operator]
    if response:
        reader.expect(b"GET")
    events: list[object] = []
    for c in chunks:
        events += reader.feed(c)
    if response:
        events += reader.eof()
    errors = [e for e in events if isinstance(e, ParseError)]
    assert len(errors) <= 1 and (not errors or events[-1] is errors[0])
    return _normal(events)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.sampled_from(_SEEDS),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    cuts=st.lists(st.integers(0, 10_000), max_size=8),
)
def test_request_reader_fuzz(seed: bytes, edits: list[tuple[int, int]], cuts: list[int]) -> None:
    data = _mutate(seed, edits)
    assert _run(RequestReader, _split(data, cuts), False) == _run(RequestReader, [data], False)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.sampled_from(_RESPONSES),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    cuts=st.lists(st.integers(0, 10_000), max_size=8),
)
def test_response_reader_fuzz(seed: bytes, edits: list[tuple[int, int]], cuts: list[int]) -> None:
    data = _mutate(seed, edits)
    assert _run(ResponseReader, _split(data, cuts), True) == _run(ResponseReader, [data], True)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_random_bytes_never_raise(data: bytes, cuts: list[int]) -> None:
    assert _run(RequestReader, _split(data, cuts), False) == _run(RequestReader, [data], False)
    assert _run(ResponseReader, _split(data, cuts), True) == _run(ResponseReader, [data], True)
