"""WebSocket echo: messages per second, twistio.web.websocket against a raw wsproto/asyncio server.

    python -m benchmarks.websocket            # 3 rounds of 1 s per contender and workload
    python -m benchmarks.websocket --quick    # 1 round of 0.3 s, for a smoke test

Each server runs in its own process pinned to core 0; the client, another process pinned to
core 1, opens the connections (a real handshake), then ping-pongs pre-masked text messages
(each connection sends one, waits for its echo, sends the next) and counts echoes; it parses
nothing but lengths, so the servers, not the client, are the bottleneck. Contenders:

* ``raw-wsproto``: an ``asyncio.Protocol`` feeding wsproto's ``WSConnection`` (handshake
  and frames), echoing each finished message: the least a wsproto-based server can do;
* ``twistio``: a ``Site`` with a ``WebSocketResource`` whose protocol echoes, on the default
  loop; ``-uvloop`` variants of both run on uvloop when it is installed.

Contenders are interleaved in a new random order each round; the table shows the median
messages echoed per second and twistio's ratio to raw wsproto on the same loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import struct
import subprocess
import sys
import time
from typing import Any

from benchmarks._harness import pin

CONTENDERS = ["raw-wsproto", "twistio", "raw-wsproto-uvloop", "twistio-uvloop"]
WORKLOADS = [(1, 64), (50, 64), (1, 16384)]
SERVER_CPU, CLIENT_CPU = 0, 1


def _loop(contender: str) -> asyncio.AbstractEventLoop:
    if contender.endswith("-uvloop"):
        import uvloop

        return uvloop.new_event_loop()  # type: ignore[no-any-return]
    return asyncio.new_event_loop()


# -- servers -----------------------------------------------------------------------------------


def serve(contender: str) -> None:
    """Run ``contender``'s echo server on 127.0.0.1, printing its port."""
    pin(SERVER_CPU)
    loop = _loop(contender)
    asyncio.set_event_loop(loop)
    if contender.startswith("raw"):
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import (
            AcceptConnection,
            BytesMessage,
            CloseConnection,
            Request,
            TextMessage,
        )

        class RawEcho(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                self.transport = transport
                self.ws = WSConnection(ConnectionType.SERVER)
                self.parts: list[Any] = []

            def data_received(self, data: bytes) -> None:
                ws = self.ws
                ws.receive_data(data)
                out = []
                for ev in ws.events():
                    if isinstance(ev, TextMessage | BytesMessage):
                        self.parts.append(ev.data)
                        if ev.message_finished:
                            joined = "".join(self.parts) if isinstance(ev, TextMessage) else b"".join(self.parts)
                            self.parts = []
                            out.append(ws.send(type(ev)(data=joined)))
                    elif isinstance(ev, Request):
                        out.append(ws.send(AcceptConnection()))
                    elif isinstance(ev, CloseConnection):
                        out.append(ws.send(ev.response()))
                        self.transport.write(b"".join(out))
                        self.transport.close()
                        return
                if out:
                    self.transport.write(b"".join(out))

        server = loop.run_until_complete(loop.create_server(RawEcho, "127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
    else:
        from twistio.internet import reactor
        from twistio.web import resource
        from twistio.web import server as web_server
        from twistio.web.websocket import WebSocketResource

        class Echo:
            def negotiationStarted(self, transport: Any) -> None:
                self.sendText = transport.sendTextMessage
                self.sendBytes = transport.sendBytesMessage

            def negotiationFinished(self) -> None:
                pass

            def textMessageReceived(self, message: str) -> None:
                self.sendText(message)

            def bytesMessageReceived(self, data: bytes) -> None:
                self.sendBytes(data)

            def pongReceived(self, payload: bytes) -> None:
                pass

            def connectionLost(self, reason: Any) -> None:
                pass

        class Factory:
            def buildProtocol(self, request: Any) -> Echo:
                return Echo()

        root = resource.Resource()
        root.putChild(b"ws", WebSocketResource(Factory()))  # type: ignore[arg-type]
        site = web_server.Site(root)
        site.noisy = False

        async def listen() -> int:
            return reactor.listenTCP(0, site, interface="127.0.0.1").getHost().port  # type: ignore[no-any-return]

        port = loop.run_until_complete(listen())
    print(port, flush=True)
    loop.run_forever()


# -- client ------------------------------------------------------------------------------------


class _PingPong(asyncio.Protocol):
    """Handshake, then send one pre-masked message, wait for its whole echo, repeat."""

    def __init__(self, message: bytes, reply_len: int, counter: list[int], ready: asyncio.Future[None]) -> None:
        self.message = message
        self.reply_len = reply_len
        self.counter = counter
        self.ready = ready
        self.pending = 0
        self.handshaking = True
        self.buf = b""
        self.running = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(
            b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )

    def start(self) -> None:
        self.running = True
        self.transport.write(self.message)

    def data_received(self, data: bytes) -> None:
        if self.handshaking:
            self.buf += data
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            assert self.buf.startswith(b"HTTP/1.1 101"), self.buf[:100]
            self.handshaking = False
            data = self.buf[end + 4 :]
            self.buf = b""
            if not self.ready.done():
                self.ready.set_result(None)
        self.pending += len(data)
        if self.pending >= self.reply_len:
            assert self.pending == self.reply_len
            self.pending = 0
            self.counter[0] += 1
            if self.running:
                self.transport.write(self.message)


def _text_frame(size: int) -> tuple[bytes, int]:
    payload = b"m" * size
    mask = b"\x37\xfa\x21\x3d"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    if size < 126:
        head, reply = bytes([0x81, 0x80 | size]), 2
    else:
        head, reply = bytes([0x81, 0x80 | 126]) + struct.pack("!H", size), 4
    return head + mask + masked, reply + size


async def _load(port: int, conns: int, size: int, seconds: float) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    message, reply_len = _text_frame(size)
    counter = [0]
    protos = []
    for _ in range(conns):
        ready: asyncio.Future[None] = loop.create_future()
        _, p = await loop.create_connection(
            lambda r=ready: _PingPong(message, reply_len, counter, r), "127.0.0.1", port  # type: ignore[misc]
        )
        await asyncio.wait_for(ready, 5)
        protos.append(p)
    for p in protos:
        p.start()
    start = time.perf_counter()
    base = counter[0]
    await asyncio.sleep(seconds)  # the measured window (a benchmark, not a test)
    n = counter[0] - base
    elapsed = time.perf_counter() - start
    for p in protos:
        p.running = False
        p.transport.close()
    return {"messages": n, "seconds": elapsed}


def client(port: int, conns: int, size: int, seconds: float) -> None:
    pin(CLIENT_CPU)
    try:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    print(json.dumps(loop.run_until_complete(_load(port, conns, size, seconds))))


# -- driver ------------------------------------------------------------------------------------


def available(contender: str) -> bool:
    try:
        import wsproto  # noqa: F401

        if contender.endswith("-uvloop"):
            import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def measure(contender: str, conns: int, size: int, seconds: float) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.websocket", "--serve", contender],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.websocket", "--client", str(port), str(conns), str(size), str(seconds)],
            capture_output=True, text=True, env=env, timeout=seconds + 30, check=True,
        ).stdout
        res = json.loads(out)
        return float(res["messages"]) / float(res["seconds"])
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--only")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.client:
        p, c, s, sec = args.client
        client(int(p), int(c), int(s), float(sec))
        return
    rounds = args.rounds or (1 if args.quick else 3)
    seconds = args.seconds or (0.3 if args.quick else 1.0)
    contenders = [c for c in (args.only.split(",") if args.only else CONTENDERS) if available(c)]
    results: dict[tuple[str, tuple[int, int]], list[float]] = {}
    for _ in range(rounds):
        for w in WORKLOADS:
            for c in random.sample(contenders, len(contenders)):
                results.setdefault((c, w), []).append(measure(c, w[0], w[1], seconds))
    print(f"WebSocket echo, messages/s (median of {rounds} x {seconds:g} s; server core {SERVER_CPU}, client core {CLIENT_CPU})\n")
    header = "| workload | " + " | ".join(contenders) + " | twistio / raw | twistio-uvloop / raw-uvloop |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for w in WORKLOADS:
        med = {c: statistics.median(results[(c, w)]) for c in contenders}
        cells = [f"{med[c]:,.0f}" for c in contenders]
        ratios = []
        for a, b in (("twistio", "raw-wsproto"), ("twistio-uvloop", "raw-wsproto-uvloop")):
            ratios.append(f"{med[a] / med[b]:.2f}" if a in med and b in med and med[b] else "-")
        name = f"{w[0]} conn{'s' if w[0] > 1 else ''} x {w[1]} B"
        print(f"| {name} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
