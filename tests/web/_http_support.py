"""Helpers for the HTTP server tests: a server fixture on 127.0.0.1:0 and a raw-socket client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_asyncio

from twistio.web import server

TIMEOUT = 2.0


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Callable[..., tuple[int, server.Site]]]:
    """``serve(root, **site_kwargs)`` -> (port, site), listening on 127.0.0.1 port 0."""
    from twistio.internet._reactor import AsyncioReactor

    reactor = AsyncioReactor()
    ports: list[Any] = []

    def start(root: Any, **kwargs: Any) -> tuple[int, server.Site]:
        attrs = {k: kwargs.pop(k) for k in ("headerTimeout", "maxPipelined", "parserLimits") if k in kwargs}
        site = server.Site(root, reactor=reactor, **kwargs)
        for k, v in attrs.items():
            setattr(site, k, v)
        port = reactor.listenTCP(0, site, interface="127.0.0.1")
        ports.append(port)
        return port.getHost().port, site

    yield start
    for p in ports:
        await asyncio.wait_for(_await(p.stopListening()), TIMEOUT)


async def _await(d: Any) -> Any:
    if d is None:
        return None
    return await d


async def exchange(port: int, data: bytes, timeout: float = TIMEOUT) -> tuple[bytes, bool]:
    """Send ``data``, read until the server closes or ``timeout``: (bytes, closed)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        out = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                return out, False
            try:
                chunk = await asyncio.wait_for(reader.read(65536), left)
            except asyncio.TimeoutError:
                return out, False
            except ConnectionResetError:
                return out, True
            if not chunk:
                return out, True
            out += chunk
    finally:
        writer.close()


class Response:
    """A parsed HTTP response."""

    def __init__(self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], body: bytes, raw_head: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.raw_head = raw_head

    def header(self, name: bytes) -> bytes | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


async def read_response(reader: asyncio.StreamReader, head_request: bool = False) -> Response:
    """Read one response (Content-Length, chunked, or until EOF) with a bounded wait."""
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    lines = raw[:-4].split(b"\r\n")
    _, code, reason = (lines[0].split(b" ", 2) + [b""])[:3]
    headers = [tuple(x.strip() for x in line.split(b":", 1)) for line in lines[1:]]
    resp = Response(int(code), reason, headers, b"", raw)  # type: ignore[arg-type]
    if head_request or resp.status in (204, 304) or resp.status < 200:
        return resp
    if resp.header(b"transfer-encoding") == b"chunked":
        body = b""
        while True:
            size_line = await asyncio.wait_for(reader.readuntil(b"\r\n"), TIMEOUT)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                await asyncio.wait_for(reader.readuntil(b"\r\n"), TIMEOUT)
                break
            body += await asyncio.wait_for(reader.readexactly(size + 2), TIMEOUT)
            body = body[:-2]
        resp.body = body
    elif resp.header(b"content-length") is not None:
        n = int(resp.header(b"content-length") or b"0")
        resp.body = await asyncio.wait_for(reader.readexactly(n), TIMEOUT)
    else:
        resp.body = await asyncio.wait_for(reader.read(), TIMEOUT)
    return resp


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def is_closed(reader: asyncio.StreamReader) -> bool:
    """True if the server closed the connection (bounded wait)."""
    try:
        data = await asyncio.wait_for(reader.read(1), TIMEOUT)
    except ConnectionResetError:
        return True
    except asyncio.TimeoutError:
        return False
    return data == b""


async def run_curl(*args: str) -> tuple[int, bytes, bytes]:
    proc = await asyncio.create_subprocess_exec(
        "/usr/bin/curl", "-sS", "--max-time", "5", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode is not None
    return proc.returncode, out, err
