"""twistio.web.resource: the tree, method dispatch, error pages; curl as a real client;
examples/hello_web.py fetched over the network."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.web._http_support import connect, read_response, run_curl, serve
from twistio.web import resource, server
from twistio.web.error import UnsupportedMethod

__all__ = ["serve"]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Methods(resource.Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        return b"GET body"

    def render_PUT(self, request: Any) -> bytes:
        return b"PUT " + request.content.read()

    def render_DELETE(self, request: Any) -> bytes:
        return b"deleted"


class Dynamic(resource.Resource):
    def getChild(self, path: bytes, request: Any) -> Any:
        if path == b"forbidden":
            return resource.ForbiddenResource()
        leaf = resource.Resource()
        leaf.isLeaf = True
        leaf.render_GET = lambda r: b"dynamic " + path + b" " + b"/".join(r.postpath)  # type: ignore[attr-defined]
        return leaf


class Chunks(resource.Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> int:
        for i in range(10):
            request.write(b"chunk%d;" % i)
        request.finish()
        return server.NOT_DONE_YET


def tree() -> resource.Resource:
    root = resource.Resource()
    root.putChild(b"m", Methods())
    root.putChild(b"dyn", Dynamic())
    root.putChild(b"chunks", Chunks())
    root.putChild(b"err", resource.ErrorPage(402, "Pay <up>", "detail & <b>more</b>"))
    return root


async def fetch(port: int, method: bytes, path: bytes, body: bytes = b"") -> Any:
    reader, writer = await connect(port)
    writer.write(method + b" " + path + b" HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    resp = await read_response(reader, head_request=method == b"HEAD")
    writer.close()
    return resp


def test_put_child_get_child() -> None:
    root = resource.Resource()
    child = resource.Resource()
    root.putChild(b"c", child)
    assert root.getChildWithDefault(b"c", None) is child
    assert isinstance(root.getChildWithDefault(b"nope", None), resource.NoResource)
    assert root.listNames() == [b"c"]
    with pytest.raises(TypeError):
        root.putChild("str", child)  # type: ignore[arg-type]


def test_render_raises_unsupported_method_with_allowed() -> None:
    class Req:
        method = b"POST"

    with pytest.raises(UnsupportedMethod) as info:
        Methods().render(Req())
    assert set(info.value.allowedMethods) == {b"GET", b"HEAD", b"PUT", b"DELETE"}


def test_get_child_for_request_moves_segments() -> None:
    class Req:
        prepath: list[bytes] = []
        postpath = [b"dyn", b"x", b"y"]

    r = Req()
    r.prepath = []
    leaf = resource.getChildForRequest(tree(), r)
    assert r.prepath == [b"dyn", b"x"] and r.postpath == [b"y"]
    assert leaf.isLeaf


async def test_put_and_delete_reach_render(serve: Any) -> None:
    """twistio lets PUT/DELETE/PATCH/OPTIONS reach render_* (Twisted: 501 unless listed)."""
    port, _ = serve(tree())
    resp = await fetch(port, b"PUT", b"/m", b"data")
    assert (resp.status, resp.body) == (200, b"PUT data")
    assert (await fetch(port, b"DELETE", b"/m")).body == b"deleted"


async def test_405_with_allow(serve: Any) -> None:
    port, _ = serve(tree())
    for method in (b"POST", b"PATCH", b"OPTIONS"):
        resp = await fetch(port, method, b"/m")
        assert resp.status == 405
        allow = resp.header(b"allow")
        assert allow is not None and set(allow.split(b", ")) == {b"GET", b"HEAD", b"PUT", b"DELETE"}


async def test_unknown_method_is_501(serve: Any) -> None:
    port, _ = serve(tree())
    resp = await fetch(port, b"FROB", b"/m")
    assert resp.status == 501
    assert b"FROB" in resp.body


async def test_head_falls_back_to_get(serve: Any) -> None:
    port, _ = serve(tree())
    resp = await fetch(port, b"HEAD", b"/m")
    assert resp.status == 200 and resp.header(b"content-length") == b"8"


async def test_not_found_forbidden_error_page(serve: Any) -> None:
    port, _ = serve(tree())
    nf = await fetch(port, b"GET", b"/missing")
    assert nf.status == 404 and b"No Such Resource" in nf.body
    fb = await fetch(port, b"GET", b"/dyn/forbidden")
    assert fb.status == 403 and b"Forbidden Resource" in fb.body
    ep = await fetch(port, b"GET", b"/err")
    assert ep.status == 402
    assert b"Pay &lt;up&gt;" in ep.body and b"detail &amp; &lt;b&gt;more&lt;/b&gt;" in ep.body
    assert ep.header(b"content-type") == b"text/html; charset=utf-8"


async def test_dynamic_children(serve: Any) -> None:
    port, _ = serve(tree())
    resp = await fetch(port, b"GET", b"/dyn/abc/rest/of")
    assert resp.body == b"dynamic abc rest/of"


async def test_curl_keep_alive(serve: Any) -> None:
    port, _ = serve(tree())
    base = f"http://127.0.0.1:{port}"
    rc, out, err = await run_curl("-v", f"{base}/m", f"{base}/dyn/x", f"{base}/m")
    assert rc == 0, err
    assert out == b"GET bodydynamic x GET body"
    assert err.count(b"existing connection") == 2, err


async def test_curl_chunked_response(serve: Any) -> None:
    port, _ = serve(tree())
    rc, out, err = await run_curl("-v", f"http://127.0.0.1:{port}/chunks")
    assert rc == 0, err
    assert out == b"".join(b"chunk%d;" % i for i in range(10))
    assert b"transfer-encoding: chunked" in err.lower()


async def test_curl_chunked_upload_and_100_continue(serve: Any, tmp_path: Path) -> None:
    port, _ = serve(tree())
    data = tmp_path / "up.bin"
    data.write_bytes(b"z" * 5000)
    rc, out, err = await run_curl(
        "-v", "-X", "PUT", "-H", "Transfer-Encoding: chunked", "--data-binary", f"@{data}",
        f"http://127.0.0.1:{port}/m",
    )
    assert rc == 0, err
    assert out == b"PUT " + b"z" * 5000
    rc, out, err = await run_curl(
        "-v", "-X", "PUT", "-H", "Expect: 100-continue", "--data-binary", f"@{data}",
        f"http://127.0.0.1:{port}/m",
    )
    assert rc == 0, err
    assert b"100 Continue" in err
    assert out == b"PUT " + b"z" * 5000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.single_loop  # the server or client under test is a subprocess
async def test_hello_web_example() -> None:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "hello_web.py"), str(port),
        env={**os.environ, "PYTHONPATH": str(EXAMPLES.parent)},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while True:  # up once a connection is accepted: bounded polling, not a guessed delay
            try:
                reader, writer = await connect(port)
                break
            except OSError:
                assert loop.time() < deadline, "example did not start listening"
                await asyncio.sleep(0.02)
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        resp = await read_response(reader)
        writer.close()
        assert (resp.status, resp.body) == (200, b"Hello, world!")
    finally:
        proc.terminate()
        await proc.wait()


def test_error_page_classes_warn_they_are_deprecated() -> None:
    """As in Twisted (22.10): ErrorPage, NoResource and ForbiddenResource point to
    twisted.web.pages; twistio's own 404s and 403s do not warn."""
    import warnings

    with pytest.deprecated_call(match=r"resource\.ErrorPage .*pages\.errorPage"):
        resource.ErrorPage(500, "a", "b")
    with pytest.deprecated_call(match=r"pages\.notFound"):
        resource.NoResource()
    with pytest.deprecated_call(match=r"pages\.forbidden"):
        resource.ForbiddenResource()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = resource.Resource().getChildWithDefault(b"nope", None)
        assert isinstance(page, resource.NoResource) and page.code == 404
        from twistio.web import static

        assert static.File.forbidden.code == 403


def test_render_takes_a_str_method_as_twisted_does() -> None:
    # Test doubles (twisted.web.test.test_web.DummyRequest, XML-RPC's tests) carry a str
    # method; Twisted's Resource.render dispatches those too.
    class Req:
        method: Any = "DELETE"

    assert Methods().render(Req()) == b"deleted"
    req = Req()
    req.method = "PATCH"
    with pytest.raises(UnsupportedMethod):
        Methods().render(req)
