"""Tests for twistio.web._encoding: GzipEncoderFactory and EncodingResourceWrapper."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest

from twistio.web._encoding import EncodingResourceWrapper, GzipEncoderFactory
from twistio.web.resource import Resource
from twistio.web.static import Data
from twistio.web.test.requesthelper import DummyRequest


def _request(accept: bytes | None) -> DummyRequest:
    request = DummyRequest([b""])
    if accept is not None:
        request.requestHeaders.setRawHeaders(b"accept-encoding", [accept])
    return request


@pytest.mark.parametrize(
    "accept", [b"gzip", b"deflate, gzip", b"gzip;q=0.5", b"br,gzip ,x", b"GZIP", b"gzip, deflate"]
)
def test_gzip_chosen_when_accepted(accept: bytes) -> None:
    request = _request(accept)
    encoder = GzipEncoderFactory().encoderForRequest(request)
    assert encoder is not None
    assert request.responseHeaders.getRawHeaders(b"content-encoding") == [b"gzip"]


@pytest.mark.parametrize("accept", [None, b"", b"deflate", b"gzipx", b"xgzip", b"gzip;q=0"])
def test_gzip_not_chosen(accept: bytes | None) -> None:
    request = _request(accept)
    assert GzipEncoderFactory().encoderForRequest(request) is None
    assert not request.responseHeaders.hasHeader(b"content-encoding")


def test_existing_content_encoding_is_extended() -> None:
    request = _request(b"gzip")
    request.responseHeaders.setRawHeaders(b"content-encoding", [b"foo"])
    GzipEncoderFactory().encoderForRequest(request)
    assert request.responseHeaders.getRawHeaders(b"content-encoding") == [b"foo,gzip"]


def test_encoder_streams_and_drops_content_length() -> None:
    request = _request(b"gzip")
    request.responseHeaders.setRawHeaders(b"content-length", [b"100"])
    encoder = GzipEncoderFactory(compressLevel=6).encoderForRequest(request)
    assert encoder is not None
    pieces = [encoder.encode(b"abc" * 1000) for _ in range(50)]
    pieces.append(encoder.finish())
    assert not request.responseHeaders.hasHeader(b"content-length")
    assert gzip.decompress(b"".join(pieces)) == b"abc" * 50000


def test_wrapper_sets_encoder_and_renders_original() -> None:
    original = Data(b"hello " * 100, "text/plain")
    wrapper = EncodingResourceWrapper(original, [GzipEncoderFactory()])
    request = _request(b"gzip")
    body = wrapper.render(request)
    encoder = getattr(request, "_encoder", None)
    assert encoder is not None
    out = encoder.encode(body) + encoder.finish()
    assert zlib.decompress(out, 16 + zlib.MAX_WBITS) == b"hello " * 100


def test_wrapper_without_accept_leaves_request_alone() -> None:
    wrapper = EncodingResourceWrapper(Data(b"x", "text/plain"), [GzipEncoderFactory()])
    request = _request(None)
    assert wrapper.render(request) == b"x"
    assert getattr(request, "_encoder", None) is None


def test_wrapper_proxies_children_and_is_leaf() -> None:
    root = Resource()
    wrapper = EncodingResourceWrapper(root, [GzipEncoderFactory()])
    child = Data(b"c", "text/plain")
    wrapper.putChild(b"c", child)
    assert wrapper.getChildWithDefault(b"c", DummyRequest([b"c"])) is child
    assert wrapper.isLeaf == root.isLeaf


# -- over a real socket ------------------------------------------------------------------------------

CURL = "/usr/bin/curl"


def _server_encodes() -> bool:
    from twistio.web import server

    return hasattr(server.Request, "_encoder")


@pytest.mark.skipif(not os.path.exists(CURL), reason="curl is not installed")
async def test_curl_gets_gzip_and_plain() -> None:
    import asyncio

    if not _server_encodes():
        pytest.skip("server.Request does not apply request._encoder yet")
    from twistio.internet import reactor
    from twistio.web.server import Site

    text = b"twistio " * 5000
    root = Resource()
    root.putChild(b"z", EncodingResourceWrapper(Data(text, "text/plain"), [GzipEncoderFactory()]))
    port = reactor.listenTCP(0, Site(root), interface="127.0.0.1")
    url = f"http://127.0.0.1:{port.getHost().port}/z"

    async def curl(*args: str) -> tuple[bytes, bytes]:
        proc = await asyncio.create_subprocess_exec(
            CURL,
            "-s",
            "-S",
            "--max-time",
            "5",
            "-D",
            "/dev/stderr",
            *args,
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        assert proc.returncode == 0, err
        return err, out

    try:
        headers, body = await curl("-H", "Accept-Encoding: gzip")
        assert b"content-encoding: gzip" in headers.lower()
        assert gzip.decompress(body) == text
        assert len(body) < len(text) // 10
        headers, body = await curl("--compressed")
        assert body == text
        headers, body = await curl()
        assert b"content-encoding" not in headers.lower()
        assert body == text
    finally:
        await port.stopListening()
