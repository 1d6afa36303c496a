"""Past one process with Redis: chat fan-out over two workers, and session-backed requests.

    python -m benchmarks.redis_scale            # 5 interleaved rounds
    python -m benchmarks.redis_scale --quick    # 2 short rounds

Needs ``redis-server`` (Debian package) and redis-py (the ``redis`` extra); the benchmark
starts its own redis-server on a free port and stops it at the end.

* chat fan-out: 100 WebSocket clients of ``examples/websocket_chat.py``; one of them sends
  messages (20 in flight at most), every client receives each one; the figure is messages
  delivered per second (sent x 100 / time). Contenders: ``redis-2-workers`` (two server
  processes, 50 clients each, the room shared through a Redis channel) and ``in-memory-1``
  (one process, the room in memory: the reference, what one process does without Redis).
* session requests: 8 keep-alive connections each doing ``GET /count`` with its session
  cookie (the session is read, its counter component incremented, written back: two Redis
  round trips) or ``GET /peek`` (read only: one round trip) against one server process;
  requests per second. Contenders: ``redis-session`` and ``memory-session`` (Twisted's
  in-process sessions, the reference).

The load generator is this process (asyncio, parsing only frame and body lengths). Rounds
interleave the contenders in a new random order; the machine is shared with whatever else
runs, so read the ratios (same round, same conditions), not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.python.components import registerAdapter
from twistio.web.server import Session

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 100


class ICounter(Interface, Protocol):
    """A session's counter, as in Twisted's session how-to (adapted from the session)."""


@implementer(ICounter)
class CounterState:
    def __init__(self, session: object) -> None:
        self.value = 0


registerAdapter(CounterState, Session, ICounter)
WINDOW = 20
SESSION_CONNS = 8


# -- servers (run as: python -m benchmarks.redis_scale --serve KIND [REDIS_URL]) ---------------


def serve(kind: str, url: str | None) -> None:
    """Run one server on 127.0.0.1 port 0 and print its port."""
    sys.path.insert(0, str(ROOT / "examples"))
    from twistio.internet import reactor
    from twistio.web import resource, server

    if kind == "chat":
        import websocket_chat

        room = websocket_chat.RedisChatRoom(url) if url else websocket_chat.ChatRoom()
        site = websocket_chat.make_site(room)
        ready = room.ready if url else None
    else:
        from twistio.web.redissession import RedisSessionStore

        class Counter(resource.Resource):
            isLeaf = True

            def render_GET(self, request: Any) -> bytes:
                counter: Any = ICounter(request.getSession())
                if request.path == b"/count":
                    counter.value += 1
                return b"%d" % counter.value

        site = server.Site(Counter(), sessionStore=RedisSessionStore(url) if url else None)
        ready = None
    port = reactor.listenTCP(0, site, interface="127.0.0.1")

    def announce(_: object = None) -> None:
        print(port.getHost().port, flush=True)

    if ready is not None:
        ready.addCallback(announce)
    else:
        announce()
    reactor.run()


class Server:
    def __init__(self, kind: str, url: str | None) -> None:
        args = [sys.executable, "-m", "benchmarks.redis_scale", "--serve", kind]
        self.proc = subprocess.Popen(
            args + ([url] if url else []), cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.strip():
            raise RuntimeError(f"the {kind} server did not start")
        self.port = int(line)

    def cpu(self) -> float:
        """CPU seconds the server process has used (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Redis:
    def __init__(self) -> None:
        path = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(path):
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="twistio-bench-redis-")
        self.proc = subprocess.Popen(
            [path, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--logfile", ""],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                break
            except OSError:
                time.sleep(0.02)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


# -- load: WebSocket fan-out -----------------------------------------------------------------


class _WS(asyncio.Protocol):
    """Counts whole server frames (unmasked) as they arrive."""

    def __init__(self, counter: list[int]) -> None:
        self.buf = b""
        self.frames = 0
        self.counter = counter
        self.handshaken = asyncio.get_running_loop().create_future()
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data
        if not self.handshaken.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            self.handshaken.set_result(None)
            buf = buf[end + 4:]
        i, n = 0, len(buf)
        while n - i >= 2:
            size = buf[i + 1] & 0x7F
            head = 2
            if size == 126:
                if n - i < 4:
                    break
                size = int.from_bytes(buf[i + 2:i + 4], "big")
                head = 4
            elif size == 127:
                if n - i < 10:
                    break
                size = int.from_bytes(buf[i + 2:i + 10], "big")
                head = 10
            if n - i < head + size:
                break
            i += head + size
            self.frames += 1
            self.counter[0] += 1
        self.buf = buf[i:]


def _masked(text: bytes) -> bytes:
    mask = os.urandom(4)
    return bytes([0x81, 0x80 | len(text)]) + mask + bytes(
        b ^ mask[i % 4] for i, b in enumerate(text))


async def _chat_round(ports: list[int], seconds: float, cpu: Any) -> tuple[float, float]:
    loop = asyncio.get_running_loop()
    counter = [0]
    clients: list[_WS] = []
    for i in range(CLIENTS):
        port = ports[i % len(ports)]
        _, proto = await loop.create_connection(lambda: _WS(counter), "127.0.0.1", port)
        key = base64.b64encode(os.urandom(16))
        proto.transport.write(
            b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
        clients.append(proto)
    await asyncio.wait_for(asyncio.gather(*(c.handshaken for c in clients)), 30)
    sender = clients[0]
    frame = _masked(json.dumps({"nick": "bench", "text": "x" * 40}).encode())

    async def settle(expected: int) -> None:
        deadline = loop.time() + 30
        while counter[0] < expected:
            if loop.time() > deadline:
                raise RuntimeError(f"only {counter[0]} of {expected} deliveries")
            await asyncio.sleep(0.0005)

    # Warm-up: every member registered (a message reaches all).
    sender.transport.write(frame)
    await settle(CLIENTS)
    counter[0] = 0
    sent = 0
    t0, c0 = loop.time(), cpu()
    while loop.time() - t0 < seconds:
        for _ in range(WINDOW):
            sender.transport.write(frame)
        sent += WINDOW
        await settle(sent * CLIENTS)
    elapsed, used = loop.time() - t0, cpu() - c0
    for c in clients:
        c.transport.close()
    return sent * CLIENTS / elapsed, used / elapsed


# -- load: session requests ------------------------------------------------------------------


async def _session_round(port: int, seconds: float, path: bytes, cpu: Any) -> tuple[float, float]:
    loop = asyncio.get_running_loop()
    done = [0]
    stop = loop.time() + seconds

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        cookie = b""
        while loop.time() < stop:
            writer.write(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + cookie + b"\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200 "):
                raise RuntimeError(f"the server answered {head[:40]!r}")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                lname = name.lower()
                if lname == b"content-length":
                    length = int(value)
                elif lname == b"set-cookie":
                    cookie = b"Cookie: " + value.split(b";")[0].strip() + b"\r\n"
            await reader.readexactly(length)
            done[0] += 1
        writer.close()

    t0, c0 = loop.time(), cpu()
    await asyncio.gather(*(one() for _ in range(SESSION_CONNS)))
    elapsed = loop.time() - t0
    return done[0] / elapsed, (cpu() - c0) / elapsed


# -- the run -----------------------------------------------------------------------------------


def run(
    rounds: int, seconds: float
) -> tuple[dict[str, dict[str, list[float]]], dict[str, dict[str, list[float]]]]:
    redis = Redis()
    results: dict[str, dict[str, list[float]]] = {
        "chat": {"redis-2-workers": [], "in-memory-1": []},
        "session": {"redis-session": [], "memory-session": []},
        "read": {"redis-session": [], "memory-session": []},
    }
    # The servers' CPU share (CPU seconds per second) in each round; Redis's own not counted.
    cpus: dict[str, dict[str, list[float]]] = {w: {c: [] for c in cs} for w, cs in results.items()}
    try:
        for _ in range(rounds):
            jobs = [(w, c) for w, cs in results.items() for c in cs]
            random.shuffle(jobs)
            for workload, contender in jobs:
                if workload == "chat":
                    url = redis.url if contender.startswith("redis") else None
                    servers = [Server("chat", url) for _ in range(2 if url else 1)]
                    try:
                        rate, share = asyncio.run(_chat_round(
                            [s.port for s in servers], seconds,
                            lambda servers=servers: sum(s.cpu() for s in servers)))
                    finally:
                        for s in servers:
                            s.stop()
                else:
                    url = redis.url if contender.startswith("redis") else None
                    srv = Server("session", url)
                    try:
                        path = b"/count" if workload == "session" else b"/peek"
                        rate, share = asyncio.run(_session_round(srv.port, seconds, path, srv.cpu))
                    finally:
                        srv.stop()
                results[workload][contender].append(rate)
                cpus[workload][contender].append(share)
    finally:
        redis.stop()
    return results, cpus


def records(quick: bool = False, smoke: bool = False) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure, and the same
    per CPU-second of the servers (what a machine with cores to spare would scale by)."""
    rounds, seconds = (1, 0.3) if smoke else (2, 0.5) if quick else (5, 1.5)
    results, cpus = run(rounds, seconds)
    names = {
        "chat": (f"chat fan-out to {CLIENTS} WebSocket clients", "deliveries"),
        "session": (f"GET that changes its session, {SESSION_CONNS} keep-alive connections",
                    "requests"),
        "read": (f"GET that reads its session, {SESSION_CONNS} keep-alive connections",
                 "requests"),
    }
    out = []
    for workload, (what, unit) in names.items():
        for contender, samples in results[workload].items():
            shares = cpus[workload][contender]
            out.append({"workload": what, "contender": contender, "unit": f"{unit}/s",
                        "samples": samples})
            out.append({
                "workload": what + ", per server CPU-second", "contender": contender,
                "unit": f"{unit}/CPU-s",
                "samples": [r / c for r, c in zip(samples, shares, strict=True) if c > 0],
            })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 short rounds")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5)")
    parser.add_argument("--seconds", type=float, help="seconds per contender per round")
    parser.add_argument("--serve", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1] if len(args.serve) > 1 else None)
        return
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = args.seconds or (0.5 if args.quick else 1.5)
    results, cpus = run(rounds, seconds)
    print(f"\nmedian of {rounds} interleaved rounds of {seconds:g} s (shared machine: "
          f"read the ratios)\n")
    for workload, (contender, ref) in (
        ("chat", ("redis-2-workers", "in-memory-1")),
        ("session", ("redis-session", "memory-session")),
        ("read", ("redis-session", "memory-session")),
    ):
        res, cpu = results[workload], cpus[workload]
        unit = "deliveries" if workload == "chat" else "requests"
        for c in res:
            per_cpu = [r / u for r, u in zip(res[c], cpu[c], strict=True) if u > 0]
            print(f"{workload:<8} {c:<18} {statistics.median(res[c]):>10,.0f} {unit}/s"
                  f" {statistics.median(per_cpu) if per_cpu else 0:>10,.0f} {unit}/server-CPU-s")
        ratios = [a / b for a, b in zip(res[contender], res[ref], strict=True)]
        cpu_ratios = [
            (a / ua) / (b / ub)
            for a, ua, b, ub in zip(res[contender], cpu[contender], res[ref], cpu[ref], strict=True)
            if ua > 0 and ub > 0
        ]
        print(f"{workload:<8} {contender} / {ref}: per-round ratios "
              + ", ".join(f"{r:.2f}" for r in ratios)
              + f" (median {statistics.median(ratios):.2f}); per server CPU-second "
              + ", ".join(f"{r:.2f}" for r in cpu_ratios)
              + (f" (median {statistics.median(cpu_ratios):.2f})" if cpu_ratios else "") + "\n")


if __name__ == "__main__":
    main()
