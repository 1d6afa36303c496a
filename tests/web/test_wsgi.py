"""Tests for twistio.web.wsgi: the environ, start_response, streaming and errors.

Most run the application synchronously (a pool and reactor that call at once) against a
``DummyRequest``; the server tests at the end run it in the real thread pool over a socket.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from typing import Any

import pytest

from twistio.internet.address import IPv4Address
from twistio.web.test.requesthelper import DummyRequest
from twistio.web.wsgi import WSGIResource


class SyncPool:
    """Runs "threaded" work at once, on this thread."""

    def callInThread(self, f: Callable[..., Any], *a: Any, **kw: Any) -> None:
        f(*a, **kw)


class SyncReactor:
    """``callFromThread`` calls at once."""

    def callFromThread(self, f: Callable[..., Any], *a: Any, **kw: Any) -> None:
        f(*a, **kw)


Environ = dict[str, Any]


def _run(
    app: Callable[[Environ, Any], Iterable[bytes]],
    prepath: list[bytes] | None = None,
    postpath: list[bytes] | None = None,
    uri: bytes = b"/",
    headers: dict[bytes, bytes] | None = None,
    body: bytes = b"",
    method: bytes = b"GET",
) -> DummyRequest:
    request = DummyRequest(postpath or [])
    request.prepath = prepath or []
    request.uri = uri
    request.method = method
    request.content = BytesIO(body)
    request.client = IPv4Address("TCP", "10.1.2.3", 5555)
    for name, value in (headers or {}).items():
        request.requestHeaders.setRawHeaders(name, [value])
    resource = WSGIResource(SyncReactor(), SyncPool(), app)
    request.render(resource)
    return request


def _capture(env: list[Environ]) -> Callable[[Environ, Any], Iterable[bytes]]:
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        env.append(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app


def test_environ_from_request() -> None:
    env: list[Environ] = []
    _run(
        _capture(env),
        prepath=[b"app"],
        postpath=[b"a", b"b c"],
        uri=b"/app/a/b%20c?x=1&y=2",
        headers={b"content-type": b"text/plain", b"content-length": b"3", b"x-thing": b"v"},
        body=b"abc",
        method=b"POST",
    )
    e = env[0]
    assert e["REQUEST_METHOD"] == "POST"
    assert e["SCRIPT_NAME"] == "/app"
    assert e["PATH_INFO"] == "/a/b c"
    assert e["QUERY_STRING"] == "x=1&y=2"
    assert e["CONTENT_TYPE"] == "text/plain"
    assert e["CONTENT_LENGTH"] == "3"
    assert e["HTTP_X_THING"] == "v"
    assert e["REMOTE_ADDR"] == "10.1.2.3"
    assert e["SERVER_NAME"] == "dummy"
    assert e["SERVER_PORT"] == "80"
    assert e["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert e["wsgi.version"] == (1, 0)
    assert e["wsgi.url_scheme"] == "http"
    assert e["wsgi.multithread"] is True
    assert e["wsgi.multiprocess"] is False
    assert e["wsgi.run_once"] is False
    assert e["wsgi.input"].read() == b"abc"
    assert all(isinstance(k, str) and (not isinstance(v, bytes)) for k, v in e.items())


def test_environ_root_paths_and_no_query() -> None:
    env: list[Environ] = []
    _run(_capture(env))
    assert env[0]["SCRIPT_NAME"] == "" and env[0]["PATH_INFO"] == ""
    assert env[0]["QUERY_STRING"] == ""
    assert env[0]["CONTENT_TYPE"] == "" and env[0]["CONTENT_LENGTH"] == ""


def test_non_ascii_path_is_latin1_native_string() -> None:
    env: list[Environ] = []
    _run(_capture(env), postpath=["é".encode()])
    assert env[0]["PATH_INFO"] == "/" + "é".encode().decode("latin-1")


def test_input_stream_methods() -> None:
    seen: list[Any] = []

    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        inp = environ["wsgi.input"]
        seen.append(inp.readline())
        seen.append(inp.read(2))
        seen.append(inp.readlines())
        start_response("200 OK", [])
        return []

    _run(app, body=b"line1\nabcdef\nlast")
    assert seen == [b"line1\n", b"ab", [b"cdef\n", b"last"]]


def test_status_headers_and_body() -> None:
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        start_response("201 Made It", [("X-A", "1"), ("X-A", "2"), ("Server", "evil")])
        return [b"a", b"", b"b"]

    request = _run(app)
    assert request.responseCode == 201
    assert request.responseMessage == b"Made It"
    assert request.responseHeaders.getRawHeaders(b"x-a") == [b"1", b"2"]
    assert request.responseHeaders.getRawHeaders(b"server") is None
    assert b"".join(request.written) == b"ab"
    assert request.finished == 1


def test_write_callable_and_generator() -> None:
    def app(environ: Environ, start_response: Any) -> Iterator[bytes]:
        write = start_response("200 OK", [])
        write(b"first-")
        yield b"second"

    request = _run(app)
    assert b"".join(request.written) == b"first-second"


def test_iterable_close_is_called() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"x"

        def close(self) -> None:
            closed.append(True)

    def app(environ: Environ, start_response: Any) -> Body:
        start_response("200 OK", [])
        return Body()

    _run(app)
    assert closed == [True]


def test_error_before_headers_is_500() -> None:
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        raise ValueError("boom")

    request = _run(app)
    assert request.responseCode == 500
    assert request.finished == 1


def test_error_after_headers_drops_connection() -> None:
    from twistio.web.test.requesthelper import DummyChannel

    def app(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"partial"
        raise ValueError("boom")

    request = DummyRequest([])
    request.content = BytesIO()
    channel = DummyChannel()
    request.channel = channel  # type: ignore[attr-defined]
    request.render(WSGIResource(SyncReactor(), SyncPool(), app))
    assert b"".join(request.written) == b"partial"
    assert request.finished == 0
    assert channel.transport.disconnecting


def test_start_response_again_before_the_body_wins() -> None:
    # As in Twisted: until the response begins, the last status and headers are used.
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        start_response("100 Foo", [("X-First", "1")])
        start_response("202 Bar", [("X-Second", "2")])
        return [b"body"]

    request = _run(app)
    assert request.responseCode == 202
    assert request.responseHeaders.getRawHeaders(b"x-first") is None
    assert request.responseHeaders.getRawHeaders(b"x-second") == [b"2"]


def test_start_response_after_the_body_began_fails() -> None:
    errors: list[BaseException] = []

    def app(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"first"
        try:
            start_response("500 Oops", [])
        except RuntimeError as e:
            errors.append(e)

    _run(app)
    assert len(errors) == 1


def test_other_sequences_of_headers_warn_and_pass() -> None:
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", (["X-A", "1"],))
        return []

    with pytest.warns(RuntimeWarning) as caught:
        request = _run(app)
    assert [str(w.message) for w in caught] == [
        "headers should be a list, not (['X-A', '1'],) (tuple)",
        "header should be a (str, str) tuple, not ['X-A', '1'] (list)",
    ]
    assert request.responseHeaders.getRawHeaders(b"x-a") == [b"1"]


def test_no_default_content_type() -> None:
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [b"x"]

    request = _run(app)
    assert request.responseHeaders.getRawHeaders(b"content-type") is None


def test_iteration_stops_when_the_connection_is_lost() -> None:
    from twistio.internet.error import ConnectionLost
    from twistio.python.failure import Failure
    from twistio.web.server import Request
    from twistio.web.test.requesthelper import DummyChannel

    class Unreliable(Request):
        def write(self, data: bytes) -> None:
            self.connectionLost(Failure(ConnectionLost("gone")))

    asked: list[int] = []

    def app(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])
        asked.append(1)
        yield b"one"
        asked.append(2)
        yield b"two"

    from twistio.web.server import Site

    channel = DummyChannel()
    channel.site = Site(WSGIResource(SyncReactor(), SyncPool(), app))
    request = Unreliable(channel, False)
    lost: list[Failure] = []
    request.notifyFinish().addErrback(lost.append)
    request.gotLength(0)
    request.requestReceived(b"GET", b"/", b"HTTP/1.1")
    assert len(lost) == 1
    assert asked == [1]


def test_errors_stream_logs_legacy_events() -> None:
    from twistio.logger import globalLogPublisher

    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:

        def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
            environ["wsgi.errors"].write("some message\n")
            start_response("200 OK", [])
            return []

        _run(app)
    finally:
        globalLogPublisher.removeObserver(events.append)
    ours = [e for e in events if e.get("system") == "wsgi"]
    assert len(ours) == 1
    assert ours[0]["message"] == ("some message\n",)
    assert ours[0]["isError"]


def test_exc_info_replaces_headers_before_they_are_sent() -> None:
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("X-First", "1")])
        try:
            raise KeyError("k")
        except KeyError:
            start_response("503 Later", [("X-Second", "2")], sys.exc_info())
        return [b"sorry"]

    request = _run(app)
    assert request.responseCode == 503
    assert request.responseHeaders.getRawHeaders(b"x-first") is None
    assert request.responseHeaders.getRawHeaders(b"x-second") == [b"2"]


def test_exc_info_after_headers_reraises() -> None:
    raised: list[BaseException] = []

    def app(environ: Environ, start_response: Any) -> Iterator[bytes]:
        write = start_response("200 OK", [])
        write(b"sent")
        try:
            raise KeyError("k")
        except KeyError:
            try:
                start_response("500 Oops", [], sys.exc_info())
            except KeyError as e:
                raised.append(e)
        yield b""

    _run(app)
    assert len(raised) == 1


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (b"200 OK", []),
        ("200 OK", iter([])),
        ("200 OK", [iter(("a", "b"))]),
        ("200 OK", [("a",)]),
        ("200 OK", [(b"a", "b")]),
        ("200 OK", [("a", "b\r\nInjected: yes")]),
    ],
)
def test_start_response_validates(status: Any, headers: Any) -> None:
    errors: list[BaseException] = []

    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        try:
            start_response(status, headers)
        except (TypeError, ValueError) as e:
            errors.append(e)
        start_response("200 OK", [])
        return []

    _run(app)
    assert len(errors) == 1


def test_write_str_is_type_error() -> None:
    errors: list[BaseException] = []

    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        write = start_response("200 OK", [])
        try:
            write("text")
        except TypeError as e:
            errors.append(e)
        return []

    _run(app)
    assert len(errors) == 1


def test_errors_stream_requires_str() -> None:
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        environ["wsgi.errors"].write("a message")
        environ["wsgi.errors"].writelines(["x", "y"])
        environ["wsgi.errors"].flush()
        with pytest.raises(TypeError):
            environ["wsgi.errors"].write(b"bytes")
        start_response("200 OK", [])
        return []

    assert _run(app).responseCode == 200


def test_no_children() -> None:
    resource = WSGIResource(SyncReactor(), SyncPool(), _capture([]))
    assert resource.isLeaf
    with pytest.raises(RuntimeError):
        resource.getChildWithDefault(b"x", DummyRequest([]))
    with pytest.raises(RuntimeError):
        resource.putChild(b"x", resource)


# -- over a real socket, in the reactor's thread pool ---------------------------------------------


async def _serve(
    app: Callable[[Environ, Any], Iterable[bytes]], under: bytes = b"app"
) -> tuple[Any, int]:
    from twistio.internet import reactor
    from twistio.web.resource import Resource
    from twistio.web.server import Site

    root = Resource()
    root.putChild(under, WSGIResource(reactor, reactor.getThreadPool(), app))
    port = reactor.listenTCP(0, Site(root), interface="127.0.0.1")
    return port, port.getHost().port


async def _exchange(port: int, request: bytes) -> bytes:
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data


def _echo_app(environ: Environ, start_response: Any) -> Iterable[bytes]:
    """A minimal WSGI app: reports the environ and echoes the body."""
    import threading

    body = environ["wsgi.input"].read()
    lines = [
        f"method={environ['REQUEST_METHOD']}",
        f"script={environ['SCRIPT_NAME']}",
        f"path={environ['PATH_INFO']}",
        f"query={environ['QUERY_STRING']}",
        f"ctype={environ['CONTENT_TYPE']}",
        f"remote={environ['REMOTE_ADDR']}",
        f"header={environ.get('HTTP_X_TEST', '')}",
        f"main_thread={threading.current_thread() is threading.main_thread()}",
    ]
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "yes")])
    return [("\n".join(lines) + "\n").encode(), b"body=" + body]


async def test_wsgi_app_over_socket() -> None:
    port, number = await _serve(_echo_app)
    try:
        response = await _exchange(
            number,
            b"POST /app/x/y?q=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\nX-Test: t\r\n"
            b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
        )
    finally:
        await port.stopListening()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"X-App: yes" in head
    if b"transfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    text = body.decode()
    for line in (
        "method=POST",
        "script=/app",
        "path=/x/y",
        "query=q=1",
        "ctype=text/plain",
        "remote=127.0.0.1",
        "header=t",
        "main_thread=False",
        "body=hello",
    ):
        assert line in text


def _dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out


async def test_wsgi_large_streamed_body() -> None:
    import asyncio
    import hashlib

    piece = os.urandom(64 * 1024)

    def app(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Length", str(len(piece) * 80))])
        for _ in range(80):
            yield piece

    port, number = await _serve(app)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", number)
        writer.write(b"GET /app HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        digest = hashlib.sha256()
        length = 0
        while True:
            data = await asyncio.wait_for(reader.read(1 << 16), 5)
            if not data:
                break
            digest.update(data)
            length += len(data)
        writer.close()
    finally:
        await port.stopListening()
    assert head.startswith(b"HTTP/1.1 200")
    assert length == len(piece) * 80
    assert digest.hexdigest() == hashlib.sha256(piece * 80).hexdigest()


async def test_wsgi_backpressure_holds_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the client reads nothing, the app's next write is held: it cannot run far ahead."""
    import asyncio
    import threading

    from twistio.web import wsgi

    piece = b"x" * (256 * 1024)
    produced: list[int] = []
    stop = threading.Event()
    held = asyncio.get_running_loop().create_future()
    real = wsgi._WSGIResponse._writeOnLoop

    def spy(self: Any, data: bytes) -> Any:
        result = real(self, data)
        if result is not None and not held.done():
            held.set_result(len(produced))
        return result

    monkeypatch.setattr(wsgi._WSGIResponse, "_writeOnLoop", spy)

    def app(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])
        for i in range(400):  # 100 MiB if nothing held it back
            if stop.is_set():
                return
            produced.append(i)
            yield piece

    port, number = await _serve(app)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", number, limit=1 << 16)
        writer.write(b"GET /app HTTP/1.1\r\nHost: h\r\n\r\n")
        writer.transport.pause_reading()
        count = await asyncio.wait_for(held, 5)
        # The app thread is now blocked in write(): nothing more is produced until it drains.
        assert count < 100, count
        assert len(produced) == count
        stop.set()
        writer.transport.abort()
    finally:
        await port.stopListening()


async def test_wsgi_error_before_headers_is_500() -> None:
    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        raise RuntimeError("secret detail")

    port, number = await _serve(app)
    try:
        response = await _exchange(
            number, b"GET /app HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
    finally:
        await port.stopListening()
    assert response.startswith(b"HTTP/1.1 500")
    assert b"secret detail" not in response


async def test_flask_app() -> None:
    flask = pytest.importorskip("flask")
    app = flask.Flask("twistio_test")

    @app.route("/hello/<name>")
    def hello(name: str) -> Any:
        return flask.jsonify(greeting=f"hi {name}", q=flask.request.args.get("q"))

    @app.route("/form", methods=["POST"])
    def form() -> Any:
        return "got " + flask.request.form["a"]

    port, number = await _serve(app.wsgi_app, under=b"flask")
    try:
        response = await _exchange(
            number, b"GET /flask/hello/bob?q=z HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
        assert response.startswith(b"HTTP/1.1 200")
        import json

        assert json.loads(response.partition(b"\r\n\r\n")[2]) == {"greeting": "hi bob", "q": "z"}
        response = await _exchange(
            number,
            b"POST /flask/form HTTP/1.1\r\nHost: h\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1",
        )
        assert response.startswith(b"HTTP/1.1 200")
        assert response.endswith(b"got 1")
        response = await _exchange(
            number, b"GET /flask/missing HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
        assert response.startswith(b"HTTP/1.1 404")
    finally:
        await port.stopListening()


def test_date_header_follows_server_datetimeToString(monkeypatch: pytest.MonkeyPatch) -> None:
    # Twisted's tests make the Date header deterministic by replacing
    # twisted.web.server.datetimeToString; the server's requests honour it.
    from twistio.web import server
    from twistio.web.test.requesthelper import DummyChannel

    assert server.datetimeToString is server.http.datetimeToString
    monkeypatch.setattr(server, "datetimeToString", lambda: "Tuesday")

    def app(environ: Environ, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Date", "ignored")])
        return []

    channel = DummyChannel()
    channel.site = server.Site(WSGIResource(SyncReactor(), SyncPool(), app))
    request = server.Request(channel, False)
    request.gotLength(0)
    request.requestReceived(b"GET", b"/", b"HTTP/1.1")
    assert request.responseHeaders.getRawHeaders(b"date") == [b"Tuesday"]
