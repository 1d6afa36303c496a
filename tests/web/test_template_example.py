"""examples/template_page.py fetched over the network."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from tests.web._http_support import connect, read_response

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_template_page_example() -> None:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "template_page.py"), str(port),
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
        assert resp.status == 200
        assert resp.body.startswith(b"<!DOCTYPE html>\n<html>")
        assert b"<title>Today's menu</title>" in resp.body
        assert b"<li>Spam &amp; eggs: 3.50</li>" in resp.body
        assert b"<li>&lt;Lobster&gt; thermidor: 12.00</li>" in resp.body
        assert b"Rendered for 127.0.0.1." in resp.body
    finally:
        proc.terminate()
        await proc.wait()
