"""web.http's transfer decoders (``_IdentityTransferDecoder``, ``_ChunkedTransferDecoder``),
checked against Twisted's on the same inputs split every way, and ``_GenericHTTPChannelProtocol``."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.internet.testing import StringTransport
from twistio.web import http

twisted_http = pytest.importorskip("twisted.web.http")

CHUNKED = [
    b"3\r\nabc\r\n5\r\n12345\r\n0\r\n\r\n",
    b"a;ext=1\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nextra",
    b"2\r\n\r\n\r\n0\r\n\r\n",
    b"3\r\nabc!!",  # bad chunk end
    b"-3\r\nabc\r\n",  # bad size
    b"0x3\r\nabc\r\n",
    b"3; \x01\r\nabc\r\n",  # bad extension
    b"3\r\nab",  # incomplete
]


def _run_chunked(module: Any, pieces: list[bytes]) -> tuple[list[bytes], list[bytes], str, str]:
    data: list[bytes] = []
    finished: list[bytes] = []
    decoder = module._ChunkedTransferDecoder(data.append, finished.append)
    error = ""
    try:
        for piece in pieces:
            decoder.dataReceived(piece)
        decoder.noMoreData()
    except Exception as e:
        error = type(e).__name__
    return [b"".join(data)], finished, error, decoder.state


@pytest.mark.parametrize("body", CHUNKED)
@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_chunked_decoder_is_twisteds(body: bytes, size: int) -> None:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    assert _run_chunked(http, pieces) == _run_chunked(twisted_http, pieces)


def test_chunked_decoder_keeps_trailers_and_refuses_data_after_the_end() -> None:
    decoder = http._ChunkedTransferDecoder(lambda b: None, lambda b: None)
    decoder.dataReceived(b"0\r\nA: b\r\nC: d\r\n\r\n")
    assert decoder._trailerHeaders == [b"A: b", b"C: d"]
    with pytest.raises(RuntimeError):
        decoder.dataReceived(b"x")
    decoder._maxTrailerHeadersSize = 5
    small = http._ChunkedTransferDecoder(lambda b: None, lambda b: None)
    small._maxTrailerHeadersSize = 5
    with pytest.raises(http._MalformedChunkedDataError):
        small.dataReceived(b"0\r\nLong-Trailer: 1\r\n\r\n")


def _run_identity(module: Any, length: int | None, pieces: list[bytes]) -> tuple[Any, ...]:
    data: list[bytes] = []
    finished: list[bytes] = []
    decoder = module._IdentityTransferDecoder(length, data.append, finished.append)
    errors = []
    for piece in pieces:
        try:
            decoder.dataReceived(piece)
        except Exception as e:
            errors.append(type(e).__name__)
    try:
        decoder.noMoreData()
    except Exception as e:
        errors.append(type(e).__name__)
    return data, finished, errors


@pytest.mark.parametrize("length", [None, 0, 3, 5, 10])
@pytest.mark.parametrize("pieces", [[b"abc", b"defg"], [b"a", b"b"], [b"abcdefghijk"], []])
def test_identity_decoder_is_twisteds(length: int | None, pieces: list[bytes]) -> None:
    assert _run_identity(http, length, pieces) == _run_identity(twisted_http, length, pieces)


def test_generic_channel_protocol_forwards_to_its_channel() -> None:
    class Hello(http.Request):
        def process(self) -> None:
            self.write(b"hello")
            self.finish()

    proto = http._genericHTTPChannelProtocolFactory(b"")
    proto.requestFactory = Hello
    assert proto._channel.requestFactory is Hello
    transport = StringTransport()
    proto.makeConnection(transport)
    assert proto._negotiatedProtocol == b"http/1.1"
    proto.dataReceived(b"GET / HTTP/1.0\r\n\r\n")
    assert transport.value().startswith(b"HTTP/1.0 200 OK")
    assert transport.value().endswith(b"hello")
    other = http._genericHTTPChannelProtocolFactory(b"")
    smtp = StringTransport()
    smtp.negotiatedProtocol = b"smtp"  # type: ignore[attr-defined]
    with pytest.raises(AssertionError):
        other.makeConnection(smtp)


def test_same_site_cookie_values_as_twisted() -> None:
    from twistio.web.test.requesthelper import DummyChannel

    request = http.Request(DummyChannel())
    request.addCookie(b"a", b"b", sameSite="Lax")
    request.addCookie(b"c", b"d", sameSite=b"none", secure=True)
    assert request.cookies == [b"a=b; SameSite=lax", b"c=d; Secure; SameSite=none"]
    with pytest.raises(ValueError, match='Missing the "secure" attribute'):
        request.addCookie(b"e", b"f", sameSite="none")


def _client_calls(module: Any, lines: list[bytes]) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []

    class Recorder(module.HTTPClient):  # type: ignore[misc, name-defined]
        def handleStatus(self, version: bytes, status: bytes, message: bytes) -> None:
            calls.append(("status", version, status, message))

        def handleHeader(self, key: bytes, val: bytes) -> None:
            calls.append(("header", key, val))

        def handleEndHeaders(self) -> None:
            calls.append(("end", self.length))

    client = Recorder()
    for line in lines:
        client.lineReceived(line)
    return calls


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(
    "lines",
    [
        [b"HTTP/1.0 201 foo", b""],
        [b"HTTP/1.0 201", b"Content-Length: 10", b""],
        [b"HTTP/1.1 200 OK ", b"X-A: line-0", b"\tline-1", b"X-B: b", b" more", b"Y: z", b""],
    ],
)
def test_http_client_line_received_is_twisteds(lines: list[bytes]) -> None:
    assert _client_calls(http, lines) == _client_calls(twisted_http, lines)


def _response_calls(module: Any, testing: Any) -> list[bytes]:
    got: list[bytes] = []

    class Recorder(module.HTTPClient):  # type: ignore[misc, name-defined]
        def handleResponse(self, response: bytes) -> None:
            got.append(response)

    client = Recorder()
    client.makeConnection(testing.StringTransport())
    client.dataReceived(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nab")
    client.dataReceived(b"cde")
    client.connectionLost(None)
    return got


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_http_client_hands_the_whole_body_to_handle_response_as_twisted() -> None:
    from twisted.internet import testing as twisted_testing

    from twistio.internet import testing

    assert _response_calls(http, testing) == _response_calls(twisted_http, twisted_testing)
    assert _response_calls(http, testing) == [b"abcde"]
