"""twistio.web.client: Agent, the pool, readBody, errors, HTTPS, redirects, gzip, cookies, proxy.

Servers: twistio's own (``serve``), the standard library's ``http.server`` in a thread, a raw
asyncio server scripted per test (for misbehaving servers), and a TLS twistio server with a
test CA made by the ``openssl`` command line.
"""

from __future__ import annotations

import asyncio
import gzip
import http.cookiejar
import http.server
import io
import shutil
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.web._http_support import serve
from twistio.internet import error as ierror
from twistio.internet import ssl, task
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.defer import CancelledError, Deferred
from twistio.internet.protocol import Protocol
from twistio.python.failure import Failure
from twistio.web import client, error, resource
from twistio.web._newclient import ParseError, PotentialDataLoss, ResponseDone, _DataLoss
from twistio.web.client import (
    URI,
    Agent,
    BrowserLikePolicyForHTTPS,
    BrowserLikeRedirectAgent,
    ContentDecoderAgent,
    CookieAgent,
    FileBodyProducer,
    GzipDecoder,
    HTTPConnectionPool,
    PartialDownloadError,
    ProxyAgent,
    RedirectAgent,
    ResponseBodyTooLarge,
    ResponseFailed,
    ResponseNeverReceived,
    readBody,
)
from twistio.web.http_headers import Headers
from twistio.web.iweb import UNKNOWN_LENGTH, IAgent, IBodyProducer, IResponse

__all__ = ["serve"]

TIMEOUT = 2.0
DONE = Failure(ResponseDone())


@pytest.fixture
def reactor() -> AsyncioReactor:
    return AsyncioReactor()


async def wait(d: Any) -> Any:
    return await asyncio.wait_for(_await(d), TIMEOUT)


async def _await(d: Any) -> Any:
    return await d


# -- a scripted raw server -----------------------------------------------------------------

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = 0


@pytest_asyncio.fixture
async def raw() -> AsyncIterator[Callable[[Handler], Awaitable[RawServer]]]:
    servers: list[asyncio.AbstractServer] = []
    writers: list[asyncio.StreamWriter] = []

    async def start(handler: Handler) -> RawServer:
        info = RawServer()

        async def on_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            info.connections += 1
            writers.append(writer)
            try:
                await handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass

        srv = await asyncio.start_server(on_conn, "127.0.0.1", 0)
        servers.append(srv)
        info.port = srv.sockets[0].getsockname()[1]
        return info

    yield start
    for w in writers:
        w.close()
    for s in servers:
        s.close()


async def read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def canned(*responses: bytes, close: bool = False) -> Handler:
    """Answer each request in turn with the next canned bytes."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for resp in responses:
            await read_head(reader)
            writer.write(resp)
            await writer.drain()
        if close:
            writer.close()
        else:
            await reader.read()

    return handler


# -- twistio's server ------------------------------------------------------------------------


class Leaf(resource.Resource):
    isLeaf = True

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def render_GET(self, request: Any) -> Any:
        return self.fn(request)

    render_POST = render_GET
    render_PUT = render_GET
    render_HEAD = render_GET


def echo(request: Any) -> bytes:
    request.setHeader(b"x-method", request.method)
    request.setHeader(b"x-port", str(request.getClientAddress().port).encode())
    return b"%s %s %s" % (request.method, request.uri, request.content.read())


async def test_get_against_twistio_server(serve: Any, reactor: Any) -> None:
    port, _ = serve(Leaf(echo))
    agent = Agent(reactor)
    assert IAgent.providedBy(agent)
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/a?b=c" % port))
    assert IResponse.providedBy(resp)
    assert (resp.version, resp.code, resp.phrase) == ((b"HTTP", 1, 1), 200, b"OK")
    assert resp.length == len(b"GET /a?b=c ")
    assert resp.headers.getRawHeaders(b"x-method") == [b"GET"]
    assert resp.request.method == b"GET"
    assert resp.request.absoluteURI == b"http://127.0.0.1:%d/a?b=c" % port
    assert resp.previousResponse is None
    assert await wait(readBody(resp)) == b"GET /a?b=c "


async def test_post_body_and_headers(serve: Any, reactor: Any) -> None:
    port, _ = serve(Leaf(echo))
    agent = Agent(reactor)
    body = FileBodyProducer(io.BytesIO(b"payload"))
    assert IBodyProducer.providedBy(body)
    assert body.length == 7
    resp = await wait(agent.request(b"POST", b"http://127.0.0.1:%d/p" % port,
                                    Headers({b"x-a": [b"1"]}), body))
    assert await wait(readBody(resp)) == b"POST /p payload"


async def test_head_has_no_body(serve: Any, reactor: Any) -> None:
    port, _ = serve(Leaf(echo))
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, pool=pool)
    resp = await wait(agent.request(b"HEAD", b"http://127.0.0.1:%d/" % port))
    assert resp.length == 0
    assert await wait(readBody(resp)) == b""
    await wait(pool.closeCachedConnections())


async def test_pool_reuses_connection(serve: Any, reactor: Any) -> None:
    port, _ = serve(Leaf(echo))
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, pool=pool)
    ports = set()
    for _ in range(3):
        resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % port))
        await wait(readBody(resp))
        ports.add(resp.headers.getRawHeaders(b"x-port")[0])
    assert len(ports) == 1
    await wait(pool.closeCachedConnections())
    assert pool._connections == {}


async def test_non_persistent_pool_sends_connection_close(raw: Any, reactor: Any) -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_head(reader))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        writer.close()

    srv = await raw(handler)
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/x" % srv.port))
    assert await wait(readBody(resp)) == b"ok"
    assert seen[0].startswith(b"GET /x HTTP/1.1\r\n")
    assert b"Connection: close\r\n" in seen[0]
    assert b"Host: 127.0.0.1:%d\r\n" % srv.port in seen[0]


async def test_max_persistent_per_host(serve: Any, reactor: Any) -> None:
    port, _ = serve(Leaf(echo))
    pool = HTTPConnectionPool(reactor)
    pool.maxPersistentPerHost = 1
    agent = Agent(reactor, pool=pool)
    url = b"http://127.0.0.1:%d/" % port
    responses = await wait(_gather([agent.request(b"GET", url) for _ in range(3)]))
    for r in responses:
        await wait(readBody(r))
    assert sum(len(v) for v in pool._connections.values()) == 1
    await wait(pool.closeCachedConnections())


async def _gather(ds: list[Any]) -> list[Any]:
    return list(await asyncio.gather(*(_await(d) for d in ds)))


async def test_cached_connection_timeout(serve: Any, reactor: Any) -> None:
    port, _ = serve(Leaf(echo))
    clock = task.Clock()
    pool = HTTPConnectionPool(clock)
    pool.cachedConnectionTimeout = 10
    agent = Agent(reactor, pool=pool)
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % port))
    await wait(readBody(resp))
    [conns] = pool._connections.values()
    assert len(conns) == 1
    proto = conns[0]
    clock.advance(9)
    assert len(conns) == 1
    clock.advance(1)
    assert conns == []
    assert proto.transport.disconnecting or proto.state != "QUIESCENT"


async def test_retry_on_dead_cached_connection(raw: Any, reactor: Any) -> None:
    # First connection: answers once, then closes after the next request arrives.
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if srv.connections == 1:
            await read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none")
            await read_head(reader)
            writer.close()
        else:
            await read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo")
            await reader.read()

    srv = await raw(handler)
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, pool=pool)
    url = b"http://127.0.0.1:%d/" % srv.port
    assert await wait(readBody(await wait(agent.request(b"GET", url)))) == b"one"
    assert await wait(readBody(await wait(agent.request(b"GET", url)))) == b"two"
    assert srv.connections == 2
    await wait(pool.closeCachedConnections())


async def test_post_not_retried(raw: Any, reactor: Any) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none")
        await read_head(reader)
        writer.close()

    srv = await raw(handler)
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, pool=pool)
    url = b"http://127.0.0.1:%d/" % srv.port
    assert await wait(readBody(await wait(agent.request(b"GET", url)))) == b"one"
    with pytest.raises(ResponseNeverReceived):
        await wait(agent.request(b"POST", url))
    assert srv.connections == 1


# -- response framing and errors -----------------------------------------------------------


async def test_chunked_response(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: y\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ))
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, pool=pool)
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert resp.length == UNKNOWN_LENGTH
    assert await wait(readBody(resp)) == b"hello world"
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert await wait(readBody(resp)) == b"ok"
    assert srv.connections == 1
    await wait(pool.closeCachedConnections())


async def test_chunked_split_everywhere(raw: Any, reactor: Any) -> None:
    data = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n")

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        for i in range(len(data)):
            writer.write(data[i:i + 1])
            await writer.drain()
        await reader.read()

    srv = await raw(handler)
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert await wait(readBody(resp)) == b"abc0123456789"


async def test_close_delimited_is_partial_download(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.0 200 OK\r\n\r\nall of it", close=True))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert resp.length == UNKNOWN_LENGTH
    with pytest.raises(PartialDownloadError) as info:
        await wait(readBody(resp))
    assert info.value.response == b"all of it"
    assert info.value.status == b"200"


async def test_close_delimited_protocol_sees_potential_data_loss(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.0 200 OK\r\n\r\nall of it", close=True))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    proto = Collect()
    resp.deliverBody(proto)
    [reason] = await wait(proto.done)
    assert reason.check(PotentialDataLoss)
    assert proto.data == b"all of it"


async def test_early_close_is_response_failed(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", close=True))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    with pytest.raises(ResponseFailed) as info:
        await wait(readBody(resp))
    assert any(r.check(_DataLoss) for r in info.value.reasons)
    assert info.value.response is resp


async def test_truncated_chunked_is_response_failed(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                           close=True))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    with pytest.raises(ResponseFailed):
        await wait(readBody(resp))


async def test_close_before_response(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"", close=True))
    with pytest.raises(ResponseNeverReceived) as info:
        await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert info.value.reasons[0].check(ierror.ConnectionDone, ierror.ConnectionLost)


async def test_more_than_content_length_drops_connection(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ))
    srv2 = await raw(canned(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, pool=pool)
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert await wait(readBody(resp)) == b"ok"
    assert pool._connections.get((b"http", b"127.0.0.1", srv.port), []) == []
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv2.port))
    assert await wait(readBody(resp)) == b"ok"
    await wait(pool.closeCachedConnections())


@pytest.mark.parametrize("head", [
    b"garbage\r\n\r\n",
    b"HTTP/1.1 abc OK\r\n\r\n",
    b"HTTP/x 200 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n folded\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
])
async def test_malformed_head(raw: Any, reactor: Any, head: bytes) -> None:
    srv = await raw(canned(head))
    with pytest.raises(ResponseNeverReceived) as info:
        await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert info.value.reasons[0].check(ParseError)


async def test_bad_chunk_size(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    with pytest.raises(ResponseFailed) as info:
        await wait(readBody(resp))
    assert info.value.reasons[0].check(ParseError)


async def test_endless_head_is_bounded(raw: Any, reactor: Any) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(200):
            writer.write(b"X-Long: " + b"a" * 1000 + b"\r\n")
            await writer.drain()
        await reader.read()

    srv = await raw(handler)
    with pytest.raises(ResponseNeverReceived) as info:
        await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert info.value.reasons[0].check(ParseError)


async def test_informational_response_skipped(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert resp.code == 200
    assert await wait(readBody(resp)) == b"x"


async def test_connection_refused(reactor: Any) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ierror.ConnectError):
        await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % port))


async def test_unsupported_scheme(reactor: Any) -> None:
    with pytest.raises(error.SchemeNotSupported):
        await wait(Agent(reactor).request(b"GET", b"ftp://127.0.0.1/"))


async def test_invalid_method_and_uri(reactor: Any) -> None:
    agent = Agent(reactor)
    with pytest.raises(ValueError):
        agent.request(b"GE T", b"http://127.0.0.1:1/")
    with pytest.raises(ValueError):
        agent.request(b"GET", b"http://127.0.0.1:1/a b")


async def test_cancel_waiting_for_response(raw: Any, reactor: Any) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        got.set()
        await reader.read()

    got = asyncio.Event()
    srv = await raw(handler)
    d = Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port)
    await asyncio.wait_for(got.wait(), TIMEOUT)
    d.cancel()
    with pytest.raises(ResponseNeverReceived) as info:
        await wait(d)
    assert info.value.reasons[0].check(CancelledError)


async def test_cancel_read_body(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart"))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    d = readBody(resp)
    d.cancel()
    with pytest.raises(CancelledError):
        await wait(d)


# -- uploads --------------------------------------------------------------------------------


class ChunkProducer:
    """A body of unknown length, written a piece per resumeProducing-free call."""

    length = UNKNOWN_LENGTH

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.stopped = False

    def startProducing(self, consumer: Any) -> Deferred[None]:
        for p in self.pieces:
            consumer.write(p)
        d: Deferred[None] = Deferred()
        d.callback(None)
        return d

    def pauseProducing(self) -> None:
        pass

    def resumeProducing(self) -> None:
        pass

    def stopProducing(self) -> None:
        self.stopped = True


async def test_chunked_upload(raw: Any, reactor: Any) -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_head(reader))
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n"))[:-2], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += (await reader.readexactly(size + 2))[:-2]
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await reader.read()

    srv = await raw(handler)
    resp = await wait(Agent(reactor).request(
        b"PUT", b"http://127.0.0.1:%d/" % srv.port, None, ChunkProducer([b"ab", b"", b"cde"])))
    assert await wait(readBody(resp)) == b"abcde"
    assert b"Transfer-Encoding: chunked\r\n" in seen[0]


async def test_chunked_upload_to_twistio_server(serve: Any, reactor: Any) -> None:
    port, _ = serve(Leaf(echo))
    resp = await wait(Agent(reactor).request(
        b"POST", b"http://127.0.0.1:%d/u" % port, None, ChunkProducer([b"x" * 10000, b"yz"])))
    assert await wait(readBody(resp)) == b"POST /u " + b"x" * 10000 + b"yz"


async def test_body_longer_than_declared(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    prod = ChunkProducer([b"toolong"])
    prod.length = 3  # type: ignore[assignment]
    with pytest.raises(client.RequestGenerationFailed):
        await wait(Agent(reactor).request(b"POST", b"http://127.0.0.1:%d/" % srv.port, None, prod))


async def test_empty_post_has_content_length_zero(raw: Any, reactor: Any) -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_head(reader))
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await reader.read()

    srv = await raw(handler)
    resp = await wait(Agent(reactor).request(b"POST", b"http://127.0.0.1:%d/" % srv.port))
    assert resp.code == 204
    assert b"Content-Length: 0\r\n" in seen[0]


# -- streaming ------------------------------------------------------------------------------


class Collect(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.done: Deferred[list[Failure]] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Failure = DONE) -> None:
        self.done.callback([reason])


class Counter(Protocol):
    def __init__(self) -> None:
        self.size = 0
        self.biggest = 0
        self.done: Deferred[list[Failure]] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        self.size += len(data)
        self.biggest = max(self.biggest, len(data))

    def connectionLost(self, reason: Failure = DONE) -> None:
        self.done.callback([reason])


BIG = 32 * 1024 * 1024


def big_handler(sent: list[int]) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % BIG)
        block = b"x" * 65536
        for _ in range(BIG // len(block)):
            writer.write(block)
            sent[0] += len(block)
            await writer.drain()
        await reader.read()

    return handler


async def test_large_body_streams(raw: Any, reactor: Any) -> None:
    sent = [0]
    srv = await raw(big_handler(sent))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    proto = Counter()
    resp.deliverBody(proto)
    [reason] = await wait(proto.done)
    assert reason.check(ResponseDone)
    assert proto.size == BIG
    assert proto.biggest <= 1024 * 1024


async def test_body_not_yet_delivered_is_not_buffered(raw: Any, reactor: Any) -> None:
    sent = [0]
    srv = await raw(big_handler(sent))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    for _ in range(50):
        await asyncio.sleep(0)  # let the loop run: the transport must stay paused
    held = sum(len(c) for c in resp._bodyBuffer or [])
    assert held <= 1024 * 1024
    assert sent[0] < BIG
    proto = Counter()
    resp.deliverBody(proto)
    assert (await wait(proto.done))[0].check(ResponseDone)
    assert proto.size == BIG


async def test_body_protocol_can_pause(raw: Any, reactor: Any) -> None:
    sent = [0]
    srv = await raw(big_handler(sent))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))

    class Pauser(Counter):
        def dataReceived(self, data: bytes) -> None:
            super().dataReceived(data)
            if self.size > 1024 * 1024 and not paused.done():
                self.transport.pauseProducing()
                paused.set_result(self.size)

    paused: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    proto = Pauser()
    resp.deliverBody(proto)
    at = await asyncio.wait_for(paused, TIMEOUT)
    for _ in range(50):
        await asyncio.sleep(0)
    assert proto.size - at < 1024 * 1024
    proto.transport.resumeProducing()
    assert (await wait(proto.done))[0].check(ResponseDone)
    assert proto.size == BIG


async def test_body_protocol_can_stop(raw: Any, reactor: Any) -> None:
    sent = [0]
    srv = await raw(big_handler(sent))
    resp = await wait(Agent(reactor).request(b"GET", b"http://127.0.0.1:%d/" % srv.port))

    class Stopper(Counter):
        def dataReceived(self, data: bytes) -> None:
            super().dataReceived(data)
            self.transport.stopProducing()

    proto = Stopper()
    resp.deliverBody(proto)
    [reason] = await wait(proto.done)
    assert reason.check(ResponseFailed)


# -- stdlib http.server --------------------------------------------------------------------


class StdlibHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/gzip":
            body = gzip.compress(b"decoded " * 1000)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
        elif self.path == "/setcookie":
            body = b"set"
            self.send_response(200)
            self.send_header("Set-Cookie", "session=abc; Path=/")
        elif self.path == "/showcookie":
            body = (self.headers.get("Cookie") or "none").encode()
            self.send_response(200)
        elif self.path.startswith("/redirect/"):
            n = int(self.path.rsplit("/", 1)[1])
            body = b"moving"
            self.send_response(302)
            self.send_header("Location", f"/redirect/{n - 1}" if n > 1 else "/final")
        elif self.path == "/loop":
            body = b""
            self.send_response(301)
            self.send_header("Location", "/loop")
        elif self.path == "/nolocation":
            body = b""
            self.send_response(302)
        elif self.path.startswith("/code/"):
            code = int(self.path.split("/")[2])
            body = b""
            self.send_response(code)
            self.send_header("Location", "/final")
        else:
            body = f"{self.command} {self.path}".encode()
            self.send_response(200)
            self.send_header("X-Accept-Encoding", self.headers.get("Accept-Encoding") or "")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET
    do_HEAD = do_GET


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (a cancelled or refused redirect)


@pytest.fixture
def stdlib_server() -> Iterator[int]:
    httpd = QuietServer(("127.0.0.1", 0), StdlibHandler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    t.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


async def test_stdlib_server(stdlib_server: int, reactor: Any) -> None:
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, pool=pool)
    for i in range(3):
        resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/p%d" % (stdlib_server, i)))
        assert resp.code == 200
        assert await wait(readBody(resp)) == b"GET /p%d" % i
    assert len(pool._connections[(b"http", b"127.0.0.1", stdlib_server)]) == 1
    await wait(pool.closeCachedConnections())


async def test_gzip(stdlib_server: int, reactor: Any) -> None:
    agent = ContentDecoderAgent(Agent(reactor), [(b"gzip", GzipDecoder)])
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/gzip" % stdlib_server))
    assert resp.length == UNKNOWN_LENGTH
    assert not resp.headers.hasHeader(b"content-encoding")
    assert await wait(readBody(resp)) == b"decoded " * 1000
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/plain" % stdlib_server))
    assert resp.headers.getRawHeaders(b"x-accept-encoding") == [b"gzip"]
    assert await wait(readBody(resp)) == b"GET /plain"


async def test_gzip_corrupt(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nnotgz"))
    agent = ContentDecoderAgent(Agent(reactor), [(b"gzip", GzipDecoder)])
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    with pytest.raises(ResponseFailed):
        await wait(readBody(resp))


async def test_cookies(stdlib_server: int, reactor: Any) -> None:
    jar = http.cookiejar.CookieJar()
    agent = CookieAgent(Agent(reactor), jar)
    base = b"http://127.0.0.1:%d" % stdlib_server
    resp = await wait(agent.request(b"GET", base + b"/showcookie"))
    assert await wait(readBody(resp)) == b"none"
    resp = await wait(agent.request(b"GET", base + b"/setcookie"))
    await wait(readBody(resp))
    assert [c.name for c in jar] == ["session"]
    resp = await wait(agent.request(b"GET", base + b"/showcookie"))
    assert await wait(readBody(resp)) == b"session=abc"


async def test_redirects(stdlib_server: int, reactor: Any) -> None:
    pool = HTTPConnectionPool(reactor)
    agent = RedirectAgent(Agent(reactor, pool=pool))
    base = b"http://127.0.0.1:%d" % stdlib_server
    resp = await wait(agent.request(b"GET", base + b"/redirect/3"))
    assert resp.code == 200
    assert await wait(readBody(resp)) == b"GET /final"
    chain = []
    r = resp.previousResponse
    while r is not None:
        chain.append(r.code)
        r = r.previousResponse
    assert chain == [302, 302, 302]
    assert len(pool._connections[(b"http", b"127.0.0.1", stdlib_server)]) == 1
    await wait(pool.closeCachedConnections())


async def test_redirect_limit_and_no_location(stdlib_server: int, reactor: Any) -> None:
    base = b"http://127.0.0.1:%d" % stdlib_server
    agent = RedirectAgent(Agent(reactor), redirectLimit=3)
    with pytest.raises(ResponseFailed) as info:
        await wait(agent.request(b"GET", base + b"/loop"))
    assert info.value.reasons[0].check(error.InfiniteRedirection)
    with pytest.raises(ResponseFailed) as info:
        await wait(agent.request(b"GET", base + b"/nolocation"))
    assert info.value.reasons[0].check(error.RedirectWithNoLocation)


@pytest.mark.parametrize(("agent_class", "code", "method", "expect"), [
    (RedirectAgent, 301, b"GET", b"GET /final"),
    (RedirectAgent, 302, b"POST", error.PageRedirect),
    (RedirectAgent, 303, b"POST", b"GET /final"),
    (RedirectAgent, 307, b"POST", error.PageRedirect),
    (RedirectAgent, 308, b"HEAD", b""),
    (BrowserLikeRedirectAgent, 301, b"POST", b"GET /final"),
    (BrowserLikeRedirectAgent, 302, b"POST", b"GET /final"),
    (BrowserLikeRedirectAgent, 307, b"POST", error.PageRedirect),
    (BrowserLikeRedirectAgent, 308, b"GET", b"GET /final"),
])
async def test_redirect_method_rules(stdlib_server: int, reactor: Any, agent_class: Any,
                                     code: int, method: bytes, expect: Any) -> None:
    agent = agent_class(Agent(reactor))
    d = agent.request(method, b"http://127.0.0.1:%d/code/%d" % (stdlib_server, code))
    if isinstance(expect, bytes):
        resp = await wait(d)
        assert resp.code == 200
        assert await wait(readBody(resp)) == expect
    else:
        with pytest.raises(ResponseFailed) as info:
            await wait(d)
        assert info.value.reasons[0].check(expect)


# -- proxy ---------------------------------------------------------------------------------


async def test_proxy_agent(raw: Any, reactor: Any) -> None:
    from twistio.internet.endpoints import TCP4ClientEndpoint

    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            seen.append(await read_head(reader))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied")

    srv = await raw(handler)
    pool = HTTPConnectionPool(reactor)
    agent = ProxyAgent(TCP4ClientEndpoint(reactor, "127.0.0.1", srv.port), reactor, pool=pool)
    for host in (b"example.com", b"example.org:8080"):
        resp = await wait(agent.request(b"GET", b"http://" + host + b"/path?q"))
        assert await wait(readBody(resp)) == b"proxied"
    assert seen[0].startswith(b"GET http://example.com/path?q HTTP/1.1\r\n")
    assert b"Host: example.com\r\n" in seen[0]
    assert seen[1].startswith(b"GET http://example.org:8080/path?q HTTP/1.1\r\n")
    assert srv.connections == 1
    await wait(pool.closeCachedConnections())


async def test_using_endpoint_factory(serve: Any, reactor: Any) -> None:
    from twistio.internet.endpoints import TCP4ClientEndpoint

    port, _ = serve(Leaf(echo))
    asked: list[URI] = []

    class Factory:
        def endpointForURI(self, uri: URI) -> Any:
            asked.append(uri)
            return TCP4ClientEndpoint(reactor, "127.0.0.1", port)

    agent = Agent.usingEndpointFactory(reactor, Factory())
    resp = await wait(agent.request(b"GET", b"http://anywhere.example/e"))
    assert await wait(readBody(resp)) == b"GET /e "
    assert [u.host for u in asked] == [b"anywhere.example"]


# -- URI -----------------------------------------------------------------------------------


def test_uri_parsing() -> None:
    u = URI.fromBytes(b"https://user@Example.com:8443/a/b;p?q=1#frag")
    assert (u.scheme, u.host, u.port, u.path, u.params, u.query, u.fragment) == (
        b"https", b"Example.com", 8443, b"/a/b", b"p", b"q=1", b"frag")
    assert u.originForm == b"/a/b;p?q=1"
    assert u.toBytes() == b"https://user@Example.com:8443/a/b;p?q=1#frag"
    assert URI.fromBytes(b"http://h").originForm == b"/"
    assert URI.fromBytes(b"http://h?x").originForm == b"/?x"
    assert URI.fromBytes(b"http://[::1]:81/").host == b"::1"
    assert URI.fromBytes(b"http://[::1]:81/").port == 81
    assert URI.fromBytes(b"https://h/").port == 443


# -- HTTPS ---------------------------------------------------------------------------------

OPENSSL = shutil.which("openssl")


@pytest.fixture(scope="module")
def tls_certs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if OPENSSL is None:
        pytest.skip("the openssl command is needed")
    from tests.internet.test_ssl import Certs, _issue

    root: Path = tmp_path_factory.mktemp("client-tls")
    certs = Certs(root)
    _issue(root, "wrong", "wrong.example",
           "subjectAltName=DNS:wrong.example\nbasicConstraints=CA:FALSE\n"
           "extendedKeyUsage=serverAuth\n")
    certs.wrong = ssl.PrivateCertificate.loadPEM(  # type: ignore[attr-defined]
        (root / "wrong.key").read_bytes() + (root / "wrong.pem").read_bytes())
    return certs


@pytest_asyncio.fixture
async def tls_server(reactor: Any, tls_certs: Any) -> AsyncIterator[Callable[[Any], int]]:
    from twistio.web import server

    ports: list[Any] = []

    def start(cert: Any) -> int:
        site = server.Site(Leaf(echo), reactor=reactor)
        port = reactor.listenSSL(0, site, cert.options(), interface="127.0.0.1")
        ports.append(port)
        return int(port.getHost().port)

    yield start
    for p in ports:
        await wait(p.stopListening())


async def test_https_with_test_ca(tls_server: Any, tls_certs: Any, reactor: Any) -> None:
    port = tls_server(tls_certs.server)
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, BrowserLikePolicyForHTTPS(trustRoot=tls_certs.ca), pool=pool)
    for _ in range(2):
        resp = await wait(agent.request(b"GET", b"https://127.0.0.1:%d/s" % port))
        assert await wait(readBody(resp)) == b"GET /s "
    resp = await wait(agent.request(b"GET", b"https://localhost:%d/s" % port))
    assert resp.code == 200
    await wait(readBody(resp))
    await wait(pool.closeCachedConnections())


async def test_https_wrong_hostname(tls_server: Any, tls_certs: Any, reactor: Any) -> None:
    import ssl as stdlib_ssl

    port = tls_server(tls_certs.wrong)
    agent = Agent(reactor, BrowserLikePolicyForHTTPS(trustRoot=tls_certs.ca))
    with pytest.raises(ResponseNeverReceived) as info:
        await wait(agent.request(b"GET", b"https://127.0.0.1:%d/" % port))
    reason = info.value.reasons[0]
    assert reason.check(stdlib_ssl.SSLCertVerificationError)
    assert "mismatch" in str(reason.value).lower() or "match" in str(reason.value).lower()


async def test_https_untrusted(tls_server: Any, tls_certs: Any, reactor: Any) -> None:
    import ssl as stdlib_ssl

    port = tls_server(tls_certs.server)
    agent = Agent(reactor)  # the system's authorities: the test CA is not among them
    with pytest.raises(ResponseNeverReceived) as info:
        await wait(agent.request(b"GET", b"https://127.0.0.1:%d/" % port))
    reason = info.value.reasons[0]
    assert reason.check(stdlib_ssl.SSLCertVerificationError)
    assert "certificate verify failed" in str(reason.value)


# -- the example ---------------------------------------------------------------------------


@pytest.mark.single_loop  # the server or client under test is a subprocess
async def test_fetch_example(serve: Any) -> None:
    import sys

    port, _ = serve(Leaf(lambda r: b"x" * int(r.uri.rsplit(b"/", 1)[1])))
    example = Path(__file__).resolve().parents[2] / "examples" / "fetch.py"
    urls = [f"http://127.0.0.1:{port}/{n}" for n in (3, 10, 100)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(example), *urls,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0, err
    lines = out.decode().splitlines()
    for url, n in zip(urls, (3, 10, 100), strict=True):
        assert f"200 {n:>8} {url}" in lines, lines


# -- on uvloop -----------------------------------------------------------------------------


def test_on_uvloop() -> None:
    uvloop = pytest.importorskip("uvloop")
    from twistio.web import server

    async def body() -> None:
        r = AsyncioReactor()
        port = r.listenTCP(0, server.Site(Leaf(echo), reactor=r), interface="127.0.0.1")
        pool = HTTPConnectionPool(r)
        agent = Agent(r, pool=pool)
        url = b"http://127.0.0.1:%d/u" % port.getHost().port
        try:
            seen = set()
            for _ in range(3):
                resp = await wait(agent.request(b"GET", url))
                assert await wait(readBody(resp)) == b"GET /u "
                seen.add(resp.headers.getRawHeaders(b"x-port")[0])
            assert len(seen) == 1
            resp = await wait(agent.request(b"POST", url, None, ChunkProducer([b"a", b"b"])))
            assert await wait(readBody(resp)) == b"POST /u ab"
        finally:
            await wait(pool.closeCachedConnections())
            await wait(port.stopListening())

    loop = uvloop.new_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(body(), TIMEOUT))
    finally:
        loop.close()


# -- bounds (issue 16 item 4): twistio-only keyword arguments, off by default ---------------


async def test_endless_chunked_body_is_bounded_by_max_body_size(raw: Any, reactor: Any) -> None:
    """A server sending an endless chunked body: with ``max_body_size`` the body fails with
    ``ResponseBodyTooLarge`` once past it (the server is stopped after a bounded amount)."""
    sent = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
        while sent < 64 * 1024 * 1024:  # bounded: the client must give up long before
            writer.write(piece)
            sent += len(piece)
            await writer.drain()

    srv = await raw(handler)
    agent = Agent(reactor, max_body_size=100_000)
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    with pytest.raises(ResponseFailed) as info:
        await wait(readBody(resp))
    assert info.value.reasons[0].check(ResponseBodyTooLarge)
    assert sent < 16 * 1024 * 1024


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\n" + b"y" * 150_000,
    ],
)
async def test_max_body_size_fixed_and_until_close(raw: Any, reactor: Any, response: bytes) -> None:
    srv = await raw(canned(response))
    agent = Agent(reactor, max_body_size=100_000)
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    with pytest.raises(ResponseFailed) as info:
        await wait(readBody(resp))
    assert info.value.reasons[0].check(ResponseBodyTooLarge)


async def test_body_within_max_body_size(raw: Any, reactor: Any) -> None:
    srv = await raw(canned(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
    agent = Agent(reactor, max_body_size=5)
    resp = await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert await wait(readBody(resp)) == b"hello"


async def test_response_timeout(raw: Any, reactor: Any) -> None:
    """A server that never answers: ``response_timeout`` fails the request with
    ``ResponseNeverReceived([TimeoutError])``; without it the request stays pending, as in
    Twisted."""
    from twistio.internet.error import TimeoutError as TwistioTimeout

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        await reader.read()

    srv = await raw(handler)
    agent = Agent(reactor, response_timeout=0.2)
    with pytest.raises(ResponseNeverReceived) as info:
        await wait(agent.request(b"GET", b"http://127.0.0.1:%d/" % srv.port))
    assert info.value.reasons[0].check(TwistioTimeout)
