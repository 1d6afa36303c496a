"""The same requests made with Twisted's Agent and with twistio's, against one server: the same
codes, phrases, headers, bodies, redirect chains and errors, and the same request bytes seen
by the server.

The server is the standard library's ``http.server`` in a thread of this process; each client
program runs in a subprocess on its own reactor and prints its results as JSON.
"""

from __future__ import annotations

import gzip
import http.server
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PROGRAM = textwrap.dedent(
    r'''
    import http.cookiejar, io, json, sys
    from importlib import import_module
    PKG, BASE = sys.argv[1], sys.argv[2].encode()
    task = import_module(PKG + ".internet.task")
    defer = import_module(PKG + ".internet.defer")
    client = import_module(PKG + ".web.client")
    Headers = import_module(PKG + ".web.http_headers").Headers

    class Stream:
        def __init__(self, data):
            self._f = io.BytesIO(data)
        def read(self, n):
            return self._f.read(n)
        def close(self):
            pass

    async def one(out, label, agent, method, path, body=None, headers=None):
        producer = None
        if isinstance(body, bytes):
            producer = client.FileBodyProducer(io.BytesIO(body))
        elif body is not None:
            producer = client.FileBodyProducer(body)
        try:
            r = await agent.request(method, BASE + path, Headers(headers or {}), producer)
            try:
                b = await client.readBody(r)
            except client.PartialDownloadError as e:
                b = b"PARTIAL:" + e.response
            except client.ResponseFailed as e:
                b = ("FAILED:" + ",".join(sorted(type(f.value).__name__ for f in e.reasons))).encode()
            hs = sorted((k.decode().lower(), [v.decode() for v in vs])
                        for k, vs in r.headers.getAllRawHeaders()
                        if k.lower() not in (b"date", b"server"))
            chain, p = [], r.previousResponse
            while p is not None:
                chain.append(p.code)
                p = p.previousResponse
            length = r.length if isinstance(r.length, int) else "unknown"
            out.append([label, r.code, r.phrase.decode(), [r.version[0].decode(), *r.version[1:]], hs,
                        b.decode("latin-1"), length, chain])
        except Exception as e:
            reasons = sorted(type(f.value).__name__ for f in getattr(e, "reasons", []))
            out.append([label, "error", type(e).__name__, reasons])

    async def main(reactor):
        out = []
        pool = client.HTTPConnectionPool(reactor)
        agent = client.Agent(reactor, pool=pool)
        plain = client.Agent(reactor)
        await one(out, "get", agent, b"GET", b"/echo?x=1")
        await one(out, "get-headers", agent, b"GET", b"/echo", headers={b"X-Thing": [b"a", b"b"]})
        await one(out, "head", agent, b"HEAD", b"/echo")
        await one(out, "post", agent, b"POST", b"/echo", b"hello body")
        await one(out, "post-empty", agent, b"POST", b"/echo")
        await one(out, "put-chunked", agent, b"PUT", b"/echo", Stream(b"x" * 70000))
        await one(out, "no-pool", plain, b"GET", b"/echo")
        await one(out, "chunked", agent, b"GET", b"/chunked")
        await one(out, "404", agent, b"GET", b"/missing")
        await one(out, "close-delimited", plain, b"GET", b"/close")
        await one(out, "short", plain, b"GET", b"/short")
        await one(out, "gzip-raw", agent, b"GET", b"/gzip")
        gz = client.ContentDecoderAgent(agent, [(b"gzip", client.GzipDecoder)])
        await one(out, "gzip", gz, b"GET", b"/gzip")
        red = client.RedirectAgent(agent)
        await one(out, "redirect-302", red, b"GET", b"/redirect/302")
        await one(out, "redirect-303-post", red, b"POST", b"/redirect/303", b"data")
        await one(out, "redirect-307-post", red, b"POST", b"/redirect/307", b"data")
        await one(out, "redirect-loop", client.RedirectAgent(agent, 3), b"GET", b"/loop")
        await one(out, "redirect-noloc", red, b"GET", b"/noloc")
        brow = client.BrowserLikeRedirectAgent(agent)
        await one(out, "browser-302-post", brow, b"POST", b"/redirect/302", b"data")
        await one(out, "browser-308-get", brow, b"GET", b"/redirect/308")
        jar = http.cookiejar.CookieJar()
        ck = client.CookieAgent(agent, jar)
        await one(out, "cookie-set", ck, b"GET", b"/setcookie")
        await one(out, "cookie-show", ck, b"GET", b"/echo")
        await pool.closeCachedConnections()
        print(json.dumps(out))

    task.react(lambda reactor: defer.ensureDeferred(main(reactor)))
    '''
)


def _read_body(handler: http.server.BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0], 16)
            if size == 0:
                handler.rfile.readline()
                return body
            body += handler.rfile.read(size)
            handler.rfile.readline()
    n = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(n) if n else b""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, code: int, body: bytes, *headers: tuple[str, str], length: bool = True) -> None:
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path.startswith("/echo"):
            body = _read_body(self)
            seen = sorted(f"{k.lower()}: {v}" for k, v in self.headers.items()
                          if k.lower() != "host" or ":" in v)
            text = f"{self.command} {path} {seen} {len(body)} {body[:20]!r}".encode()
            self._send(200, text, ("Content-Type", "text/plain"))
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        elif path == "/close":
            self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Kind: close\r\n\r\nuntil the end")
            self.close_connection = True
        elif path == "/short":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            self.close_connection = True
        elif path == "/gzip":
            self._send(200, gzip.compress(b"squeezed " * 100, mtime=0), ("Content-Encoding", "gzip"))
        elif path.startswith("/redirect/"):
            _read_body(self)
            self._send(int(path.rsplit("/", 1)[1]), b"moved", ("Location", "/echo?from=redirect"))
        elif path == "/loop":
            self._send(302, b"", ("Location", "/loop"))
        elif path == "/noloc":
            self._send(302, b"")
        elif path == "/setcookie":
            self._send(200, b"ok", ("Set-Cookie", "flavour=oat; Path=/"))
        else:
            self._send(404, b"nope", ("Content-Type", "text/plain"))

    do_HEAD = do_POST = do_PUT = do_GET


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def start(pkg: str, base: str) -> subprocess.Popen[bytes]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen([sys.executable, "-c", PROGRAM, pkg, base], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def result(proc: subprocess.Popen[bytes]) -> list[Any]:
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    parsed: list[Any] = json.loads(out.decode().strip().splitlines()[-1])
    return parsed


def test_agent_matches_twisted(base: str) -> None:
    pytest.importorskip("twisted.web.client")
    # Both at once: they share the server, and each takes about a second to start.
    procs = [start("twisted", base), start("twistio", base)]
    twisted, twistio = (result(p) for p in procs)
    assert [r[0] for r in twistio] == [r[0] for r in twisted]
    for ours, theirs in zip(twistio, twisted, strict=True):
        assert ours == theirs, ours[0]
