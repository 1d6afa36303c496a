"""twistio.web.server: Site, Request rendering, errors, forms, cookies, sessions, access log."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.web._http_support import connect, exchange, read_response, serve
from twistio.internet import defer, task
from twistio.web import resource, server
from twistio.web.http_headers import Headers

__all__ = ["serve"]


class Leaf(resource.Resource):
    isLeaf = True

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def render_GET(self, request: Any) -> Any:
        return self.fn(request)

    render_POST = render_GET


async def get(port: int, path: bytes, extra: bytes = b"", method: bytes = b"GET", body: bytes = b"") -> Any:
    reader, writer = await connect(port)
    if body:
        extra += b"Content-Length: %d\r\n" % len(body)
    writer.write(method + b" " + path + b" HTTP/1.1\r\nHost: example.com:81\r\n" + extra + b"\r\n" + body)
    resp = await read_response(reader, head_request=method == b"HEAD")
    writer.close()
    return resp


def site_with(fn: Any, serve: Any, **kw: Any) -> int:
    port, _ = serve(Leaf(fn), **kw)
    return port


async def test_render_bytes(serve: Any) -> None:
    port = site_with(lambda r: b"body", serve)
    resp = await get(port, b"/")
    assert (resp.status, resp.body) == (200, b"body")
    assert resp.header(b"content-type") == b"text/html"
    assert resp.header(b"content-length") == b"4"


async def test_not_done_yet_finished_from_deferred(serve: Any) -> None:
    loop = asyncio.get_running_loop()

    def render(request: Any) -> int:
        def later() -> None:
            request.setHeader(b"content-type", b"text/plain")
            request.write(b"later")
            request.finish()

        loop.call_soon(later)
        return server.NOT_DONE_YET

    resp = await get(site_with(render, serve), b"/")
    assert resp.body == b"later"
    assert resp.header(b"content-type") == b"text/plain"


async def test_not_done_yet_from_coroutine(serve: Any) -> None:
    def render(request: Any) -> int:
        async def work() -> None:
            await asyncio.sleep(0)
            request.write(b"from a coroutine")
            request.finish()

        defer.ensureDeferred(work())
        return server.NOT_DONE_YET

    resp = await get(site_with(render, serve), b"/")
    assert resp.body == b"from a coroutine"


def boom(request: Any) -> bytes:
    raise ValueError("secret-detail-42")


async def test_exception_gives_500_without_details(serve: Any, caplog: Any) -> None:
    with caplog.at_level(logging.ERROR, "twistio.web"):
        resp = await get(site_with(boom, serve), b"/")
    assert resp.status == 500
    assert b"secret-detail-42" not in resp.body
    assert b"Processing Failed" in resp.body
    assert "secret-detail-42" in caplog.text


async def test_exception_with_display_tracebacks(serve: Any, caplog: Any) -> None:
    port, site = serve(Leaf(boom))
    site.displayTracebacks = True
    with caplog.at_level(logging.CRITICAL, "twistio.web"):
        resp = await get(port, b"/")
    assert resp.status == 500
    assert b"secret-detail-42" in resp.body


async def test_non_bytes_result_is_500(serve: Any, caplog: Any) -> None:
    with caplog.at_level(logging.CRITICAL, "twistio.web"):
        resp = await get(site_with(lambda r: "a str", serve), b"/")
    assert resp.status == 500


async def test_query_args_and_paths(serve: Any) -> None:
    seen: dict[str, Any] = {}

    def render(request: Any) -> bytes:
        seen.update(args=request.args, path=request.path, uri=request.uri,
                    prepath=list(request.prepath), postpath=list(request.postpath),
                    method=request.method, proto=request.clientproto)
        return b"ok"

    root = resource.Resource()
    root.putChild(b"a", Leaf(render))
    port, _ = serve(root)
    await get(port, b"/a/b%20c/d?x=1&x=2&y=&z=%41")
    assert seen["args"] == {b"x": [b"1", b"2"], b"y": [b""], b"z": [b"A"]}
    assert seen["path"] == b"/a/b%20c/d"
    assert seen["uri"] == b"/a/b%20c/d?x=1&x=2&y=&z=%41"
    assert seen["prepath"] == [b"a"]
    assert seen["postpath"] == [b"b c", b"d"]
    assert (seen["method"], seen["proto"]) == (b"GET", b"HTTP/1.1")


async def test_urlencoded_form(serve: Any) -> None:
    got: list[Any] = []

    def render(request: Any) -> bytes:
        got.append((request.args, request.content.read()))
        return b"ok"

    port = site_with(render, serve)
    await get(port, b"/?q=1", b"Content-Type: application/x-www-form-urlencoded\r\n",
              method=b"POST", body=b"a=1&b=two+words&a=3")
    args, content = got[0]
    assert args == {b"q": [b"1"], b"a": [b"1", b"3"], b"b": [b"two words"]}
    assert content == b"a=1&b=two+words&a=3"


async def test_multipart_form(serve: Any) -> None:
    got: list[Any] = []

    def render(request: Any) -> bytes:
        got.append(request.args)
        return b"ok"

    body = (
        b"--XyZ\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n"
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
        b"Content-Type: application/octet-stream\r\n\r\n\x00\x01binary\r\n--XyZ--\r\n"
    )
    port = site_with(render, serve)
    resp = await get(port, b"/", b"Content-Type: multipart/form-data; boundary=XyZ\r\n",
                     method=b"POST", body=body)
    assert resp.status == 200
    assert got[0] == {b"field": [b"value"], b"file": [b"\x00\x01binary"]}


async def test_request_headers_and_host(serve: Any) -> None:
    seen: dict[str, Any] = {}

    def render(request: Any) -> bytes:
        seen.update(
            h=request.getHeader(b"x-thing"), hs=request.getHeader("X-Thing"),
            all=request.requestHeaders.getRawHeaders(b"x-thing"),
            hostname=request.getRequestHostname(), secure=request.isSecure(),
            client=request.getClientAddress(), host=request.getHost(),
        )
        return b"ok"

    port = site_with(render, serve)
    await get(port, b"/", b"X-Thing: one\r\nx-thing: two\r\n")
    assert seen["h"] == b"two" and seen["hs"] == "two"
    assert seen["all"] == [b"one", b"two"]
    assert seen["hostname"] == b"example.com"
    assert seen["secure"] is False
    assert seen["client"].host == "127.0.0.1"
    assert seen["host"].port == port


async def test_set_header_refuses_crlf(serve: Any) -> None:
    errors: list[Exception] = []

    def render(request: Any) -> bytes:
        for bad in (b"a\r\nSet-Cookie: x=1", b"a\nb", "a\rb"):
            try:
                request.setHeader(b"x-bad", bad)
            except ValueError as e:
                errors.append(e)
        with pytest.raises(ValueError):
            request.setHeader(b"bad name", b"x")
        with pytest.raises(ValueError):
            request.addCookie(b"k", b"v\r\nInjected: 1")
        return b"ok"

    resp = await get(site_with(render, serve), b"/")
    assert resp.status == 200
    assert len(errors) == 3
    assert b"Set-Cookie" not in resp.raw_head and b"Injected" not in resp.raw_head


async def test_response_code_redirect_cookies(serve: Any) -> None:
    def render(request: Any) -> bytes:
        request.redirect(b"/elsewhere")
        request.addCookie(b"k", b"v", path=b"/", max_age=10, secure=True, httpOnly=True, sameSite="lax")
        assert request.getCookie(b"in") == b"1"
        assert request.received_cookies == {b"in": b"1", b"two": b"2"}
        return b""

    resp = await get(site_with(render, serve), b"/", b"Cookie: in=1; two=2\r\n")
    assert resp.status == 302
    assert resp.header(b"location") == b"/elsewhere"
    assert resp.header(b"set-cookie") == b"k=v; Path=/; Max-Age=10; Secure; HttpOnly; SameSite=lax"


async def test_custom_code_and_message(serve: Any) -> None:
    def render(request: Any) -> bytes:
        request.setResponseCode(418)
        return b"tea"

    resp = await get(site_with(render, serve), b"/")
    assert (resp.status, resp.reason) == (418, b"I'm a teapot")
    with pytest.raises(TypeError):
        server.Request(None).setResponseCode("200")  # type: ignore[arg-type]


async def test_finish_without_write_http11(serve: Any) -> None:
    def render(request: Any) -> int:
        request.finish()
        return server.NOT_DONE_YET

    resp = await get(site_with(render, serve), b"/")
    assert resp.status == 200 and resp.body == b""
    assert resp.header(b"transfer-encoding") == b"chunked"


async def test_write_after_finish_raises(serve: Any) -> None:
    errors: list[Exception] = []

    def render(request: Any) -> int:
        request.write(b"x")
        request.finish()
        try:
            request.write(b"y")
        except RuntimeError as e:
            errors.append(e)
        return server.NOT_DONE_YET

    resp = await get(site_with(render, serve), b"/")
    assert resp.body == b"x" and len(errors) == 1


async def test_sentLength_startedWriting_finished(serve: Any) -> None:
    reqs: list[Any] = []

    def render(request: Any) -> bytes:
        reqs.append(request)
        assert not request.startedWriting and not request.finished
        return b"12345"

    await get(site_with(render, serve), b"/")
    (r,) = reqs
    assert (r.sentLength, r.startedWriting, r.finished, r.code, r.code_message) == (5, 1, 1, 200, b"OK")


class PullProducer:
    def __init__(self, request: Any, parts: list[bytes]) -> None:
        self.request = request
        self.parts = parts

    def resumeProducing(self) -> None:
        if self.parts:
            self.request.write(self.parts.pop(0))
        else:
            self.request.unregisterProducer()
            self.request.finish()

    def stopProducing(self) -> None:
        self.parts = []


async def test_register_pull_producer(serve: Any) -> None:
    def render(request: Any) -> int:
        request.registerProducer(PullProducer(request, [b"a", b"b", b"c"]), False)
        return server.NOT_DONE_YET

    resp = await get(site_with(render, serve), b"/")
    assert resp.body == b"abc"


async def test_access_log_to_file(serve: Any, tmp_path: Any) -> None:
    path = tmp_path / "access.log"
    port, site = serve(Leaf(lambda r: b"hi"), logPath=str(path))
    await get(port, b"/x?y=1", b"User-Agent: agent/1\r\nReferer: http://r/\r\n")
    site._flushLog()
    text = path.read_text()
    assert '127.0.0.1 - - [' in text
    assert '"GET /x?y=1 HTTP/1.1" 200 2 "http://r/" "agent/1"' in text
    site.stopFactory()


async def test_access_log_to_logger(serve: Any, caplog: Any) -> None:
    port, site = serve(Leaf(lambda r: b"hi"))
    with caplog.at_level(logging.INFO, "twistio.web.access"):
        await get(port, b"/q", b"User-Agent: a \"quoted\" agent\r\n")
        site._flushLog()
    lines = [r.getMessage() for r in caplog.records if r.name == "twistio.web.access"]
    assert len(lines) == 1
    assert lines[0].endswith('"GET /q HTTP/1.1" 200 2 "-" "a \\"quoted\\" agent"')


async def test_sessions(serve: Any) -> None:
    uids: list[bytes] = []

    def render(request: Any) -> bytes:
        s = request.getSession()
        assert request.getSession() is s
        uids.append(s.uid)
        return s.uid

    port, site = serve(Leaf(render))
    first = await get(port, b"/")
    cookie = first.header(b"set-cookie")
    assert cookie is not None and cookie.startswith(b"TWISTED_SESSION=" + first.body)
    second = await get(port, b"/", b"Cookie: TWISTED_SESSION=" + first.body + b"\r\n")
    assert second.body == first.body and second.header(b"set-cookie") is None
    assert set(site.sessions) == {first.body}
    for s in list(site.sessions.values()):
        s.expire()


async def test_session_cookie_flags(serve: Any) -> None:
    """Issue 16 item 17 (a documented difference): the session cookie is ``HttpOnly`` and
    ``SameSite=Lax`` by default (``Secure`` too under TLS); ``Site`` settings change it."""

    def render(request: Any) -> bytes:
        return request.getSession().uid  # type: ignore[no-any-return]

    port, site = serve(Leaf(render))
    cookie = (await get(port, b"/")).header(b"set-cookie")
    assert cookie is not None
    attrs = [a.strip() for a in cookie.split(b";")]
    assert b"HttpOnly" in attrs and b"SameSite=lax" in attrs and b"Path=/" in attrs
    assert b"Secure" not in attrs
    site.sessionCookieSameSite = "Strict"
    site.sessionCookieHttpOnly = False
    cookie = (await get(port, b"/")).header(b"set-cookie")
    assert cookie is not None
    attrs = [a.strip() for a in cookie.split(b";")]
    assert b"SameSite=strict" in attrs and b"HttpOnly" not in attrs
    site.sessionCookieSameSite = None
    cookie = (await get(port, b"/")).header(b"set-cookie")
    assert cookie is not None and b"SameSite" not in cookie
    for s in list(site.sessions.values()):
        s.expire()


def test_session_expiry_with_clock() -> None:
    clock = task.Clock()
    site = server.Site(resource.Resource(), reactor=clock)
    session = site.makeSession()
    expired: list[bool] = []
    session.notifyOnExpire(lambda: expired.append(True))
    assert site.getSession(session.uid) is session
    clock.advance(session.sessionTimeout - 1)
    session.touch()
    clock.advance(session.sessionTimeout - 1)
    assert not expired
    clock.advance(2)
    assert expired == [True]
    with pytest.raises(KeyError):
        site.getSession(session.uid)


def test_explicit_expire() -> None:
    clock = task.Clock()
    site = server.Site(resource.Resource(), reactor=clock)
    session = site.makeSession()
    session.expire()
    assert session.uid not in site.sessions
    assert not clock.getDelayedCalls()


def test_headers_class() -> None:
    h = Headers({b"Content-Type": [b"text/html"], "x-str": ["é"]})
    assert h.hasHeader(b"content-type") and h.hasHeader("CONTENT-TYPE")
    assert h.getRawHeaders(b"CONTENT-TYPE") == [b"text/html"]
    assert h.getRawHeaders("x-str") == ["é"]
    assert h.getRawHeaders(b"x-str") == ["é".encode()]
    assert h.getRawHeaders(b"missing", [b"d"]) == [b"d"]
    h.addRawHeader(b"X-Multi", b"1")
    h.addRawHeader(b"x-multi", b"2")
    assert h.getRawHeaders(b"X-MULTI") == [b"1", b"2"]
    c = h.copy()
    h.removeHeader(b"x-multi")
    assert not h.hasHeader(b"x-multi") and c.hasHeader(b"x-multi")
    assert dict(c.getAllRawHeaders())[b"X-Multi"] == [b"1", b"2"]
    assert dict(Headers({b"etag": [b"1"], b"www-authenticate": [b"x"]}).getAllRawHeaders()) == {
        b"ETag": [b"1"], b"WWW-Authenticate": [b"x"]}
    for bad in (b"a\r\nb", b"a\nb", b"a\rb"):
        with pytest.raises(ValueError):
            h.setRawHeaders(b"x", [bad])
    with pytest.raises(ValueError):
        h.addRawHeader(b"x:y", b"v")
    assert Headers({b"a": [b"1"]}) == Headers({b"A": [b"1"]})


async def test_raw_exchange_of_seed_hello(serve: Any) -> None:
    class Hello(resource.Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            return b"Hello, world!"

    port, _ = serve(Hello())
    out, closed = await exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.0 200 OK\r\n") and out.endswith(b"\r\n\r\nHello, world!")
    assert closed
