"""A soak run: a fixed-rate load on one twistio Site for minutes, its memory and fds sampled.

    python -m benchmarks.soak                    # 10 minutes, samples every 10 s
    python -m benchmarks.soak --minutes 1 --interval 5

The server (its own process, the default loop) serves a 64 KiB static file, a dynamic page
that reads a query argument and a WebSocket echo. The load (another process) keeps a steady
rate: keep-alive GETs of both pages over a pool of connections, a new connection per request
for a share of them, and WebSocket clients that connect, echo a few messages and leave. Every
``--interval`` seconds the server's RSS (``/proc/PID/status``) and open file descriptors
(``/proc/PID/fd``) are printed. The verdict compares the samples after the first minute
(warm-up: caches, pools and allocator arenas fill) with the first of them: flat means within
10% for RSS and exactly back to the same fd count at the end once clients are idle; the run
passes (exit 0) if it is flat and no operation failed. At most 64 operations are in flight:
a server (or a shared machine) that falls behind slows the load rather than facing ever more
connections; the rate reached and the kinds of failed operations are printed.
Not part of ``python -m benchmarks``: it measures stability, not speed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/soak.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent


# -- the server --------------------------------------------------------------------------------


def serve(folder: str) -> None:
    from twistio.internet import reactor
    from twistio.web import resource, server, static
    from twistio.web.websocket import WebSocketResource

    class Dynamic(resource.Resource):
        isLeaf = True

        def render_GET(self, request: object) -> bytes:
            name = request.args.get(b"name", [b"world"])[0]  # type: ignore[attr-defined]
            return b"<p>hello, " + name.replace(b"<", b"&lt;") + b"</p>" * 20

    class Echo:
        def negotiationStarted(self, transport: object) -> None:
            self.transport = transport

        def negotiationFinished(self) -> None:
            pass

        def textMessageReceived(self, message: str) -> None:
            self.transport.sendTextMessage(message)  # type: ignore[attr-defined]

        def bytesMessageReceived(self, data: bytes) -> None:
            self.transport.sendBytesMessage(data)  # type: ignore[attr-defined]

        def pongReceived(self, payload: bytes) -> None:
            pass

        def connectionLost(self, reason: object) -> None:
            pass

    class EchoFactory:
        def buildProtocol(self, request: object) -> Echo:
            return Echo()

    root = resource.Resource()
    root.putChild(b"static", static.File(folder))
    root.putChild(b"page", Dynamic())
    root.putChild(b"ws", WebSocketResource(EchoFactory()))  # type: ignore[arg-type]
    site = server.Site(root, logPath=os.devnull)
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()


# -- the load ----------------------------------------------------------------------------------


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, close: bool
) -> None:
    extra = "Connection: close\r\n" if close else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: soak\r\n{extra}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer to {path}: {head[:40]!r}")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)


def _frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    n = len(payload)
    size = bytes([0x80 | n]) if n < 126 else b"\xfe" + n.to_bytes(2, "big")
    return b"\x81" + size + mask + masked


async def _websocket(port: int, messages: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws HTTP/1.1\r\nHost: soak\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(f"websocket refused: {head[:40]!r}")
    for i in range(messages):
        text = f"message {i} " * random.randrange(1, 20)
        writer.write(_frame(text.encode()))
        first = await reader.readexactly(2)
        n = first[1] & 0x7F
        if n == 126:
            n = int.from_bytes(await reader.readexactly(2), "big")
        if (await reader.readexactly(n)).decode() != text:
            raise RuntimeError("websocket echo differs")
    writer.write(b"\x88\x82" + b"\x00\x00\x00\x00" + (1000).to_bytes(2, "big"))
    await writer.drain()
    writer.close()


#: Operations in flight at most: when the server (or a busy machine) falls behind, the load
#: waits instead of opening ever more connections, so it stays bounded; the rate it reached
#: is printed with the counts.
MAX_IN_FLIGHT = 64


async def load(port: int, seconds: float, rate: float) -> None:
    """About ``rate`` operations a second for ``seconds``; counts printed at the end."""
    pool = [await asyncio.open_connection("127.0.0.1", port) for _ in range(8)]
    done = {"keepalive": 0, "close": 0, "websocket": 0, "errors": 0}
    errors: dict[str, int] = {}
    room = asyncio.Semaphore(MAX_IN_FLIGHT)
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks: set[asyncio.Task[None]] = set()
    i = 0

    async def one(kind: int, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        try:
            if kind < 6:
                await _get(*conn, "/static/file.bin" if kind % 2 else f"/page?name=n{i}", False)
                done["keepalive"] += 1
            elif kind < 9:
                r, w = await asyncio.open_connection("127.0.0.1", port)
                await _get(r, w, "/page?name=c", True)
                w.close()
                done["close"] += 1
            else:
                await _websocket(port, 5)
                done["websocket"] += 1
        except (OSError, RuntimeError, asyncio.IncompleteReadError) as e:
            done["errors"] += 1
            kind = f"{type(e).__name__}: {e}"[:80]
            errors[kind] = errors.get(kind, 0) + 1

    busy = [asyncio.Lock() for _ in pool]
    while (now := loop.time()) - start < seconds:
        i += 1
        slot = i % len(pool)
        kind = i % 10

        async def run(kind: int = kind, slot: int = slot) -> None:
            try:
                if kind < 6:
                    async with busy[slot]:
                        await one(kind, pool[slot])
                else:
                    await one(kind, pool[slot])
            finally:
                room.release()

        await room.acquire()
        task = asyncio.ensure_future(run())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        await asyncio.sleep(max(0.0, start + i / rate - now))  # pacing the load, not a sync
    await asyncio.gather(*tasks)
    took = loop.time() - start
    for _, w in pool:
        w.close()
    ops = sum(v for k, v in done.items() if k != "errors")
    print(
        " ".join(f"{k}={v}" for k, v in done.items())
        + f" rate={ops / took:.0f}/s"
        + "".join(f"\n  {n} x {kind}" for kind, n in sorted(errors.items())),
        flush=True,
    )


# -- the driver --------------------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--rate", type=float, default=300.0, help="operations per second")
    parser.add_argument("--serve", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument(
        "--load", nargs=3, metavar=("PORT", "SECONDS", "RATE"), help=argparse.SUPPRESS
    )
    options = parser.parse_args()
    if options.serve:
        serve(options.serve)
        return 0
    if options.load:
        port, seconds, rate = options.load
        asyncio.run(load(int(port), float(seconds), float(rate)))
        return 0

    folder = tempfile.mkdtemp(prefix="soak-")
    Path(folder, "file.bin").write_bytes(os.urandom(64 * 1024))
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.soak", "--serve", folder],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    port = int(server.stdout.readline())
    seconds = options.minutes * 60
    client = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.soak",
            "--load",
            str(port),
            str(seconds),
            str(options.rate),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    samples: list[tuple[float, int, int]] = []
    start = time.monotonic()
    print(f"soak: {options.minutes:g} min at {options.rate:g} ops/s; server pid {server.pid}")
    print(f"{'t (s)':>6} {'RSS (MiB)':>10} {'fds':>5}")
    try:
        while client.poll() is None:
            t = time.monotonic() - start
            rss, fds = _rss_kib(server.pid), _fds(server.pid)
            samples.append((t, rss, fds))
            print(f"{t:6.0f} {rss / 1024:10.1f} {fds:5d}", flush=True)
            try:
                client.wait(options.interval)
            except subprocess.TimeoutExpired:
                pass
        counts = client.stdout.read().strip() if client.stdout else ""
        time.sleep(1.0)  # let the server close the last connections before the final sample
        end = (time.monotonic() - start, _rss_kib(server.pid), _fds(server.pid))
        print(f"{end[0]:6.0f} {end[1] / 1024:10.1f} {end[2]:5d}  (load finished)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
    print(f"load: {counts}")
    warm = [s for s in samples if s[0] >= min(60.0, seconds / 4)] or samples
    base = warm[0][1]
    worst = max(s[1] for s in warm)
    growth = (worst - base) / base
    fds_start = samples[0][2]
    print(
        f"RSS after warm-up: {base / 1024:.1f} MiB, highest {worst / 1024:.1f} MiB "
        f"({growth:+.1%}); fds at start {fds_start}, after the load {end[2]}"
    )
    flat = growth <= 0.10 and end[2] <= fds_start
    failed = int(counts.split("errors=", 1)[1].split()[0]) if "errors=" in counts else -1
    print("verdict:", "flat" if flat else "NOT flat", f"({failed} failed operations)")
    return 0 if flat and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
