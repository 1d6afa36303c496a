"""twistio.web.proxy: ReverseProxyResource in front of a twistio backend, the forward proxy
used by ``curl -x``, 502 when the upstream is down, and streaming of the upstream body."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import Callable
from typing import Any

import pytest
import pytest_asyncio

from tests.web._http_support import connect, read_response, run_curl, serve
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.defer import Deferred
from twistio.web import http, resource, server
from twistio.web.proxy import Proxy, ProxyClient, ReverseProxyResource

__all__ = ["serve"]

Serve = Callable[..., tuple[int, Any]]
TIMEOUT = 2.0


class Echo(resource.Resource):
    """Answers with what it was asked: method, path, args, Host and body."""

    isLeaf = True

    def render(self, request: Any) -> bytes:
        request.setHeader(b"x-backend", b"yes")
        request.setHeader(b"content-type", b"text/x-echo")
        body = request.content.read()
        return b"|".join([request.method, request.uri, request.getHeader(b"host") or b"-",
                          request.getHeader(b"x-custom") or b"-",
                          request.getHeader(b"connection") or b"-", body])


class Stream(resource.Resource):
    """Sends one chunk, then the rest when ``release`` fires."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.release: Deferred[None] = Deferred()

    def render_GET(self, request: Any) -> int:
        request.write(b"first;")
        self.release.addCallback(lambda _: (request.write(b"second"), request.finish()))
        return server.NOT_DONE_YET


def closed_port() -> tuple[socket.socket, int]:
    """A port bound but not listening: connections to it are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


@pytest.fixture
def reactor() -> AsyncioReactor:
    return AsyncioReactor()


@pytest_asyncio.fixture
async def backend(serve: Serve) -> tuple[int, Stream]:
    root = resource.Resource()
    root.putChild(b"base", Echo())
    stream = Stream()
    root.putChild(b"stream", stream)
    return serve(root)[0], stream


async def request(port: int, raw: bytes) -> Any:
    reader, writer = await connect(port)
    writer.write(raw)
    try:
        return await read_response(reader, head_request=raw.startswith(b"HEAD"))
    finally:
        writer.close()


async def test_reverse_proxy(serve: Serve, backend: tuple[int, Stream], reactor: Any) -> None:
    bport = backend[0]
    front = resource.Resource()
    front.putChild(b"api", ReverseProxyResource("127.0.0.1", bport, b"/base", reactor=reactor))
    port = serve(front)[0]
    resp = await request(port, b"GET /api/a%20b/c?x=1&y=2 HTTP/1.1\r\nHost: public.example\r\n"
                               b"X-Custom: kept\r\nConnection: close\r\n\r\n")
    assert resp.status == 200
    method, uri, host, custom, conn, body = resp.body.split(b"|")
    assert (method, uri, host, custom, conn, body) == (
        b"GET", b"/base/a%20b/c?x=1&y=2", b"127.0.0.1:%d" % bport, b"kept", b"close", b"")
    assert resp.header(b"x-backend") == b"yes"
    assert resp.header(b"content-type") == b"text/x-echo"
    post = await request(port, b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                               b"Connection: close\r\n\r\nhello")
    assert post.body.split(b"|")[0] == b"POST" and post.body.endswith(b"|hello")


async def test_reverse_proxy_keep_alive_and_head(serve: Serve, backend: tuple[int, Stream], reactor: Any) -> None:
    port = serve(ReverseProxyResource("127.0.0.1", backend[0], b"/base", reactor=reactor))[0]
    reader, writer = await connect(port)
    try:
        for i in range(2):
            writer.write(b"GET /n%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
            resp = await read_response(reader)
            assert resp.body.split(b"|")[1] == b"/base/n%d" % i
        writer.write(b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await read_response(reader, head_request=True)
        assert head.status == 200 and head.header(b"x-backend") == b"yes"
        writer.write(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await read_response(reader)).body.split(b"|")[1] == b"/base/after"
    finally:
        writer.close()


async def test_reverse_proxy_streams(serve: Serve, backend: tuple[int, Stream], reactor: Any) -> None:
    bport, stream = backend
    port = serve(ReverseProxyResource("127.0.0.1", bport, b"/stream", reactor=reactor))[0]
    reader, writer = await connect(port)
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert head.startswith(b"HTTP/1.1 200")
        # The first part arrives before the backend has finished.
        first = await asyncio.wait_for(reader.readuntil(b"first;"), TIMEOUT)
        assert first.endswith(b"first;")
        stream.release.callback(None)
        rest = await asyncio.wait_for(reader.readuntil(b"second"), TIMEOUT)
        assert rest.endswith(b"second")
    finally:
        writer.close()


async def test_reverse_proxy_upstream_down(serve: Serve, reactor: Any) -> None:
    sock, dead = closed_port()
    with sock:
        port = serve(ReverseProxyResource("127.0.0.1", dead, b"/", reactor=reactor))[0]
        resp = await request(port, b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert resp.status == 502
    assert resp.body == b"<H1>Could not connect</H1>"


async def test_upstream_closes_without_answer(serve: Serve, reactor: Any) -> None:
    async def rude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    srv = await asyncio.start_server(rude, "127.0.0.1", 0)
    try:
        uport = srv.sockets[0].getsockname()[1]
        port = serve(ReverseProxyResource("127.0.0.1", uport, b"/", reactor=reactor))[0]
        resp = await request(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert resp.status == 502
    finally:
        srv.close()


def test_proxy_client_drops_hop_by_hop_request_headers() -> None:
    father = http.Request(None)
    client = ProxyClient(b"GET", b"/", b"HTTP/1.1",
                         {b"proxy-connection": b"keep-alive", b"keep-alive": b"300", b"accept": b"*/*"},
                         b"", father)
    assert client.headers == {b"accept": b"*/*", b"connection": b"close"}


@pytest_asyncio.fixture
async def forward(reactor: AsyncioReactor) -> Any:
    factory = http.HTTPFactory(reactor=reactor)
    factory.protocol = Proxy
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    yield port.getHost().port
    await asyncio.wait_for(port.stopListening(), TIMEOUT)  # type: ignore[arg-type]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
async def test_forward_proxy_with_curl(forward: int, backend: tuple[int, Stream]) -> None:
    rc, out, err = await run_curl("-x", f"http://127.0.0.1:{forward}", "-H", "X-Custom: c",
                                  f"http://127.0.0.1:{backend[0]}/base/p?q=1")
    assert rc == 0, err
    method, uri, host, custom, conn, _ = out.split(b"|")
    assert (method, uri, host, custom, conn) == (
        b"GET", b"/base/p?q=1", b"127.0.0.1:%d" % backend[0], b"c", b"close")
    rc, out, err = await run_curl("-x", f"http://127.0.0.1:{forward}", "--data-binary", "body!",
                                  f"http://127.0.0.1:{backend[0]}/base")
    assert rc == 0 and out.startswith(b"POST|/base|") and out.endswith(b"|body!")


async def test_forward_proxy_errors(forward: int) -> None:
    sock, dead = closed_port()
    with sock:
        resp = await request(forward, b"GET http://127.0.0.1:%d/ HTTP/1.1\r\nHost: x\r\n"
                                      b"Connection: close\r\n\r\n" % dead)
    assert resp.status == 502
    resp = await request(forward, b"GET ftp://127.0.0.1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert resp.status == 400
