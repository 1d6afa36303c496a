"""ASGI both ways: ASGI apps (FastAPI, raw) under twistio; twistio trees under uvicorn and Starlette."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import tracemalloc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.web._http_support import connect, read_response, run_curl
from twistio.internet.defer import Deferred
from twistio.web import resource, server, static
from twistio.web.asgi import ASGIResource, ASGISite, LifespanFailure, as_asgi_app

fastapi = pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
starlette_apps = pytest.importorskip("starlette.applications")
starlette_routing = pytest.importorskip("starlette.routing")
starlette_responses = pytest.importorskip("starlette.responses")

TIMEOUT = 5.0
MB = 1024 * 1024


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Callable[..., tuple[int, ASGISite]]]:
    """``serve(root)`` -> (port, site): an ``ASGISite`` on 127.0.0.1 port 0."""
    from twistio.internet._reactor import AsyncioReactor

    reactor = AsyncioReactor()
    ports: list[Any] = []

    def start(root: Any) -> tuple[int, ASGISite]:
        site = ASGISite(root, reactor=reactor)
        port = reactor.listenTCP(0, site, interface="127.0.0.1")
        ports.append(port)
        return port.getHost().port, site

    yield start
    for p in ports:
        d = p.stopListening()
        if d is not None:
            await asyncio.wait_for(d, TIMEOUT)


def mounted(app: Any, at: bytes = b"api", **kwargs: Any) -> tuple[resource.Resource, ASGIResource]:
    root = resource.Resource()
    asgi = ASGIResource(app, **kwargs)
    root.putChild(at, asgi)
    return root, asgi


# -- FastAPI under twistio -------------------------------------------------------------------------


def make_fastapi() -> tuple[Any, dict[str, Any]]:
    events: dict[str, Any] = {"started": False, "stopped": False}

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        events["started"] = True
        yield
        events["stopped"] = True

    app = fastapi.FastAPI(lifespan=lifespan)

    @app.get("/items/{item_id}")
    async def item(item_id: int, q: str = "") -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "started": events["started"]}

    @app.post("/echo")
    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return {"got": payload}

    @app.get("/stream")
    async def stream() -> Any:
        async def gen() -> AsyncIterator[bytes]:
            for i in range(5):
                yield b"chunk%d\n" % i

        return starlette_responses.StreamingResponse(gen(), media_type="text/plain")

    return app, events


async def test_fastapi_under_twistio(serve: Callable[..., tuple[int, ASGISite]]) -> None:
    app, events = make_fastapi()
    root, asgi = mounted(app)
    port, site = serve(root)
    await asyncio.wait_for(site.whenStarted(), TIMEOUT)
    assert events["started"]
    base = f"http://127.0.0.1:{port}/api"
    rc, out, err = await run_curl(f"{base}/items/42?q=hi")
    assert rc == 0, err
    assert json.loads(out) == {"item_id": 42, "q": "hi", "started": True}
    rc, out, err = await run_curl(
        "-X", "POST", "-H", "content-type: application/json", "--data", '{"a": [1, 2]}', f"{base}/echo"
    )
    assert rc == 0, err
    assert json.loads(out) == {"got": {"a": [1, 2]}}
    rc, out, err = await run_curl("-i", f"{base}/stream")
    assert rc == 0, err
    assert b"transfer-encoding: chunked" in out.lower()
    assert out.endswith(b"".join(b"chunk%d\n" % i for i in range(5)))
    rc, out, err = await run_curl("-w", "%{http_code}", "-o", "/dev/null", f"{base}/items/notanint")
    assert out == b"422"
    await asyncio.wait_for(asgi.shutdown(), TIMEOUT)
    assert events["stopped"]


async def test_fastapi_with_agent(serve: Callable[..., tuple[int, ASGISite]]) -> None:
    client = pytest.importorskip("twistio.web.client")
    app, _ = make_fastapi()
    root, _asgi = mounted(app)
    port, site = serve(root)
    await asyncio.wait_for(site.whenStarted(), TIMEOUT)
    agent = client.Agent(site._getReactor())
    resp = await asyncio.wait_for(agent.request(b"GET", b"http://127.0.0.1:%d/api/items/7" % port), TIMEOUT)
    body = await asyncio.wait_for(client.readBody(resp), TIMEOUT)
    assert resp.code == 200
    assert json.loads(body)["item_id"] == 7


# -- the HTTP scope ------------------------------------------------------------------------------


async def test_scope(serve: Callable[..., tuple[int, ASGISite]]) -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise RuntimeError("http only")
        seen.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1"), (b"x-a", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    root = resource.Resource()
    mid = resource.Resource()
    root.putChild(b"a", mid)
    mid.putChild(b"b c", ASGIResource(app))
    port, site = serve(root)
    await asyncio.wait_for(site.whenStarted(), TIMEOUT)
    reader, writer = await connect(port)
    writer.write(
        b"GET /a/b%20c/x%2Fy/z?k=v&w HTTP/1.1\r\nHost: h\r\nX-Two: 1\r\nx-one: a\r\nX-Two: 2\r\n\r\n"
    )
    resp = await read_response(reader)
    writer.close()
    assert resp.status == 200 and resp.body == b"ok"
    assert [v for k, v in resp.headers if k.lower() == b"x-a"] == [b"1", b"2"]
    assert resp.header(b"content-type") is None
    (scope,) = seen
    assert scope["asgi"]["version"] == "3.0"
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "http"
    assert scope["root_path"] == "/a/b c"
    assert scope["path"] == "/a/b c/x/y/z"
    assert scope["raw_path"] == b"/a/b%20c/x%2Fy/z"
    assert scope["query_string"] == b"k=v&w"
    assert scope["headers"] == [(b"host", b"h"), (b"x-two", b"1"), (b"x-one", b"a"), (b"x-two", b"2")]
    assert scope["client"][0] == "127.0.0.1"
    assert scope["server"] == ["127.0.0.1", port]


async def test_root_resource_and_plain_site(tmp_path: Path) -> None:
    """As the root of an ordinary ``server.Site``: root_path is empty, the body is buffered."""
    from twistio.internet._reactor import AsyncioReactor

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            m = await receive()
            body += m["body"]
            if not m["more_body"]:
                break
        out = json.dumps({"root": scope["root_path"], "path": scope["path"], "n": len(body)}).encode()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": out})

    reactor = AsyncioReactor()
    port = reactor.listenTCP(0, server.Site(ASGIResource(app)), interface="127.0.0.1")
    try:
        (tmp_path / "body").write_bytes(b"x" * 200000)
        rc, out, _ = await run_curl("--data-binary", f"@{tmp_path / 'body'}", f"http://127.0.0.1:{port.getHost().port}/p/q")
        assert json.loads(out) == {"root": "", "path": "/p/q", "n": 200000}
    finally:
        await port.stopListening()


# -- lifespan ---------------------------------------------------------------------------------------


async def test_lifespan_failure(serve: Callable[..., tuple[int, ASGISite]], caplog: Any) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no database"})
            return
        raise AssertionError("must not be called")

    root, _ = mounted(app)
    port, site = serve(root)
    with caplog.at_level(logging.ERROR, "twistio.web.asgi"):
        with pytest.raises(LifespanFailure, match="no database"):
            await asyncio.wait_for(site.whenStarted(), TIMEOUT)
    assert "no database" in caplog.text
    rc, out, _ = await run_curl("-w", "%{http_code}", f"http://127.0.0.1:{port}/api/")
    assert out.endswith(b"503")


async def test_lifespan_unsupported_is_fine(serve: Callable[..., tuple[int, ASGISite]]) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"hi"})

    root, _ = mounted(app)
    port, site = serve(root)
    await asyncio.wait_for(site.whenStarted(), TIMEOUT)
    rc, out, _ = await run_curl(f"http://127.0.0.1:{port}/api/")
    assert out == b"hi"


# -- bad applications -------------------------------------------------------------------------------


async def _raises(scope: Any, receive: Any, send: Any) -> None:
    raise ValueError("boom")


async def _body_first(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.body", "body": b"x"})


async def _returns_early(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200})


async def _bad_status(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": "200"})


@pytest.mark.parametrize("app", [_raises, _body_first, _returns_early, _bad_status])
async def test_bad_app_gives_500(serve: Callable[..., tuple[int, ASGISite]], caplog: Any, app: Any) -> None:
    root, _ = mounted(app, lifespan="off")
    port, _ = serve(root)
    with caplog.at_level(logging.ERROR, "twistio.web.asgi"):
        reader, writer = await connect(port)
        writer.write(b"GET /api/ HTTP/1.1\r\nHost: h\r\n\r\n")
        resp = await read_response(reader)
        writer.close()
    assert resp.status == 500
    assert "ASGI application failed" in caplog.text


async def _fails_midway(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200})
    await send({"type": "http.response.body", "body": b"part", "more_body": True})
    raise ValueError("midway")


async def _start_twice(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200})
    await send({"type": "http.response.body", "body": b"part", "more_body": True})
    await send({"type": "http.response.start", "status": 200})


@pytest.mark.parametrize("app", [_fails_midway, _start_twice])
async def test_bad_app_after_start_closes(serve: Callable[..., tuple[int, ASGISite]], caplog: Any, app: Any) -> None:
    root, _ = mounted(app, lifespan="off")
    port, _ = serve(root)
    with caplog.at_level(logging.ERROR, "twistio.web.asgi"):
        reader, writer = await connect(port)
        writer.write(b"GET /api/ HTTP/1.1\r\nHost: h\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert head.startswith(b"HTTP/1.1 200")
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    assert not rest.endswith(b"0\r\n\r\n")
    assert "ASGI application failed" in caplog.text


async def test_disconnect(serve: Callable[..., tuple[int, ASGISite]]) -> None:
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    sending: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"x", "more_body": True})
        sending.set_result(None)
        got.set_result(await receive())
        try:
            while True:
                await send({"type": "http.response.body", "body": b"y" * 65536, "more_body": True})
        except OSError as e:
            got2.set_result(e)

    got2: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    root, _ = mounted(app, lifespan="off")
    port, _ = serve(root)
    reader, writer = await connect(port)
    writer.write(b"GET /api/ HTTP/1.1\r\nHost: h\r\n\r\n")
    await asyncio.wait_for(sending, TIMEOUT)
    writer.transport.abort()
    assert (await asyncio.wait_for(got, TIMEOUT)) == {"type": "http.disconnect"}
    assert isinstance(await asyncio.wait_for(got2, TIMEOUT), OSError)


async def test_streamed_body_and_backpressure(serve: Callable[..., tuple[int, ASGISite]]) -> None:
    """A chunked upload reaches the app piece by piece; reading pauses while the app does not read."""
    first: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    go = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        m = await receive()
        first.set_result(m)
        await go.wait()
        total = len(m["body"])
        while m["more_body"]:
            m = await receive()
            total += len(m["body"])
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"%d" % total})

    root, _ = mounted(app, lifespan="off")
    port, _ = serve(root)
    reader, writer = await connect(port)
    writer.write(b"POST /api/ HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    m = await asyncio.wait_for(first, TIMEOUT)
    assert m["body"] == b"hello" and m["more_body"]
    chunk = b"z" * 65536
    sent = 5
    # The app is not reading: the server stops reading and our writes stall.
    stalled = False
    for _ in range(400):
        writer.write(b"10000\r\n" + chunk + b"\r\n")
        sent += len(chunk)
        try:
            await asyncio.wait_for(writer.drain(), 0.05)
        except asyncio.TimeoutError:
            stalled = True
            break
    assert stalled
    go.set()
    writer.write(b"0\r\n\r\n")
    resp = await read_response(reader)
    writer.close()
    assert int(resp.body) == sent


# -- large bodies ----------------------------------------------------------------------------------


async def test_50mb_upload_and_download_bounded(serve: Callable[..., tuple[int, ASGISite]], tmp_path: Path) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"].endswith("/up"):
            total = 0
            while True:
                m = await receive()
                total += len(m["body"])
                if not m["more_body"]:
                    break
            await send({"type": "http.response.start", "status": 200})
            await send({"type": "http.response.body", "body": b"%d" % total})
            return
        piece = b"d" * 65536
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % (50 * MB))]})
        for _ in range(50 * MB // len(piece)):
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    big = tmp_path / "big"
    with big.open("wb") as f:
        f.truncate(50 * MB)
    root, _ = mounted(app, lifespan="off")
    port, _ = serve(root)
    tracemalloc.start()
    try:
        rc, out, err = await run_curl("-T", str(big), "-X", "POST", f"http://127.0.0.1:{port}/api/up")
        assert rc == 0, err
        assert out == b"%d" % (50 * MB)
        _, up_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        rc, out, err = await run_curl("-o", "/dev/null", "-w", "%{size_download}", f"http://127.0.0.1:{port}/api/down")
        assert rc == 0, err
        assert out == b"%d" % (50 * MB)
        _, down_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert up_peak < 8 * MB, up_peak
    assert down_peak < 8 * MB, down_peak


# -- twistio trees as ASGI apps ---------------------------------------------------------------------


class Hello(resource.Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-type", b"text/plain")
        return b"hello " + b"/".join(request.prepath) + b"|" + b"/".join(request.postpath) + b" " + request.args.get(b"x", [b"-"])[0]

    def render_POST(self, request: Any) -> bytes:
        return b"posted " + request.content.read() + b" " + request.args.get(b"f", [b"-"])[0]


class Later(resource.Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> int:
        from twistio.internet import reactor

        d: Deferred[bytes] = Deferred()
        reactor.callLater(0, d.callback, b"done later")

        def finish(data: bytes) -> None:
            request.write(data)
            request.finish()

        d.addCallback(finish)
        return server.NOT_DONE_YET


def make_tree(tmp_path: Path) -> resource.Resource:
    root = resource.Resource()
    root.putChild(b"hello", Hello())
    root.putChild(b"later", Later())
    (tmp_path / "f.txt").write_bytes(b"static contents\n" * 1000)
    root.putChild(b"static", static.File(str(tmp_path)))
    return root


@asynccontextmanager
async def run_uvicorn(app: Any) -> AsyncIterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(100)  # connections wait in the backlog until uvicorn accepts: no polling needed
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    task = asyncio.ensure_future(srv.serve(sockets=[sock]))
    try:
        yield port
    finally:
        srv.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)
        sock.close()


async def check_tree(base: str, prefix: str) -> None:
    rc, out, err = await run_curl(f"{base}/hello/there?x=1")
    assert rc == 0, err
    assert out == f"hello {prefix}hello|there 1".encode()
    rc, out, err = await run_curl(f"{base}/later")
    assert out == b"done later"
    rc, out, err = await run_curl("-i", f"{base}/static/f.txt")
    head, _, body = out.partition(b"\r\n\r\n")
    assert body == b"static contents\n" * 1000
    assert b"content-type: text/plain" in head.lower()
    rc, out, err = await run_curl("--data", "f=v", f"{base}/hello")
    assert out == b"posted f=v v"
    rc, out, err = await run_curl("-w", "%{http_code}", "-o", "/dev/null", f"{base}/static/missing")
    assert out == b"404"


async def test_tree_under_uvicorn(tmp_path: Path) -> None:
    async with run_uvicorn(as_asgi_app(make_tree(tmp_path))) as port:
        await check_tree(f"http://127.0.0.1:{port}", "")


async def test_tree_mounted_in_starlette(tmp_path: Path) -> None:
    async def home(request: Any) -> Any:
        return starlette_responses.PlainTextResponse("starlette home")

    app = starlette_apps.Starlette(routes=[
        starlette_routing.Route("/", home),
        starlette_routing.Mount("/tw", app=as_asgi_app(make_tree(tmp_path))),
    ])
    async with run_uvicorn(app) as port:
        rc, out, _ = await run_curl(f"http://127.0.0.1:{port}/")
        assert out == b"starlette home"
        await check_tree(f"http://127.0.0.1:{port}/tw", "tw/")


async def test_tree_error_is_500(caplog: Any) -> None:
    class Broken(resource.Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            raise ValueError("broken")

    async with run_uvicorn(as_asgi_app(Broken())) as port:
        rc, out, _ = await run_curl("-w", "%{http_code}", "-o", "/dev/null", f"http://127.0.0.1:{port}/")
    assert out == b"500"
