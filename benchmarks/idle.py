"""Memory per idle connection: 10,000 TCP connections held open against each echo server.

    python -m benchmarks.idle                 # 10,000 connections, 3 rounds
    python -m benchmarks.idle --quick         # 2,000 connections, 2 rounds
    python -m benchmarks.idle --conns 5000

Each contender is an echo server (raw ``asyncio.Protocol`` on the default loop and on uvloop,
twistio's ``listenTCP`` with a Twisted-style ``Protocol`` on both loops, Twisted's default
reactor) in its own process pinned to core 0 on 127.0.0.1, listening with a backlog of 4096.
A client process on core 1, its ``RLIMIT_NOFILE`` raised (as is the server's), opens 100
connections (the warm-up: whatever the first connections allocate once), then the rest; the
driver waits, bounded in time, until the server holds them all (counting its open file
descriptors in ``/proc``), and reads the server's resident set size at both points. The figure is
(RSS with N connections - RSS with 100) / (N - 100), in bytes: lower is better. The client
then resets every connection (``SO_LINGER`` 0, so no TIME_WAIT is left behind). Linux only.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTENDERS = ["raw-asyncio", "twistio-asyncio", "raw-uvloop", "twistio-uvloop", "twisted-default"]
SERVER_CPU, CLIENT_CPU = 0, 1
WARM = 100
BACKLOG = 4096


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(0, {cpu})


def _raise_nofile(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 256
    if soft >= want:
        return
    if hard != resource.RLIM_INFINITY and hard < want:
        try:  # root may raise the hard limit too
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def serve(contender: str, conns: int) -> None:
    """An echo server on 127.0.0.1: prints its port, serves until SIGTERM."""
    _pin(SERVER_CPU)
    _raise_nofile(conns)
    kind, _, loop_name = contender.partition("-")
    if kind == "raw":
        import asyncio
        import signal

        class Echo(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                self.transport = transport

            def data_received(self, data: bytes) -> None:
                self.transport.write(data)

        if loop_name == "uvloop":
            import uvloop

            loop = uvloop.new_event_loop()
        else:
            loop = asyncio.new_event_loop()
        server = loop.run_until_complete(loop.create_server(Echo, "127.0.0.1", 0, backlog=BACKLOG))
        print(server.sockets[0].getsockname()[1], flush=True)
        loop.add_signal_handler(signal.SIGTERM, loop.stop)
        loop.run_forever()
        return
    if kind == "twistio":
        if loop_name == "uvloop":
            import asyncio

            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        from twistio.internet import protocol, reactor
    else:
        from twisted.internet import protocol, reactor  # type: ignore[no-redef]

    class TEcho(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    factory = protocol.Factory.forProtocol(TEcho)
    factory.noisy = False
    r: Any = reactor
    port = r.listenTCP(0, factory, backlog=BACKLOG, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    r.run()


def client(port: int, conns: int) -> None:
    """Open WARM connections, say ``warm``; on ``go`` open the rest, say ``done``; on EOF, reset."""
    _pin(CLIENT_CPU)
    _raise_nofile(conns)
    socks = []

    def open_some(n: int) -> None:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            socks.append(s)

    open_some(WARM)
    print("warm", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    open_some(conns - WARM)
    print("done", flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()


def _status(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/PID/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for {pid}")


def _wait_fds(pid: int, count: int, timeout: float) -> None:
    """Wait until process ``pid`` has at least ``count`` open file descriptors."""
    deadline = time.monotonic() + timeout
    while len(os.listdir(f"/proc/{pid}/fd")) < count:
        if time.monotonic() > deadline:
            have = len(os.listdir(f"/proc/{pid}/fd"))
            raise RuntimeError(f"server holds {have} descriptors, not {count}, after {timeout}s")
        time.sleep(0.02)


def measure(contender: str, conns: int) -> dict[str, float]:
    """One run: bytes of server RSS per idle connection, and the peak RSS."""
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.idle", "--serve", contender, "--conns", str(conns)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    cl: subprocess.Popen[str] | None = None
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        base = len(os.listdir(f"/proc/{server.pid}/fd"))
        cl = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.idle", "--client", str(port), "--conns", str(conns)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert cl.stdout is not None and cl.stdin is not None
        if cl.stdout.readline().strip() != "warm":
            raise RuntimeError(cl.stderr.read() if cl.stderr else "client failed")
        _wait_fds(server.pid, base + WARM, 10)
        time.sleep(0.1)
        rss_warm = _status(server.pid, "VmRSS")
        cl.stdin.write("go\n")
        cl.stdin.flush()
        if cl.stdout.readline().strip() != "done":
            raise RuntimeError(cl.stderr.read() if cl.stderr else "client failed")
        _wait_fds(server.pid, base + conns, 30)
        time.sleep(0.2)
        rss = _status(server.pid, "VmRSS")
        peak = _status(server.pid, "VmHWM")
        cl.stdin.close()
        cl.wait(timeout=30)
    finally:
        for proc in (cl, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
    return {"per_conn": (rss - rss_warm) / (conns - WARM), "rss": rss, "peak_rss": peak}


def available(contender: str) -> bool:
    try:
        if "uvloop" in contender:
            import uvloop  # noqa: F401
        if contender.startswith("twisted"):
            import twisted  # noqa: F401
    except ImportError:
        return False
    return sys.platform.startswith("linux")


def run(
    quick: bool = False, rounds: int | None = None, conns: int | None = None
) -> tuple[list[str], dict[str, list[dict[str, float]]], int]:
    rounds = rounds or (2 if quick else 3)
    conns = conns or (2000 if quick else 10_000)
    contenders = [c for c in CONTENDERS if available(c)]
    results: dict[str, list[dict[str, float]]] = {c: [] for c in contenders}
    for r in range(rounds):
        order = contenders[:]
        random.shuffle(order)
        for c in order:
            results[c].append(measure(c, conns))
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    return contenders, results, conns


def records(
    quick: bool = False, rounds: int | None = None, conns: int | None = None
) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure."""
    contenders, results, conns = run(quick, rounds, conns)
    return [
        {
            "workload": f"idle connections, {conns:,} held open",
            "contender": c,
            "unit": "bytes/conn",
            "higher_is_better": False,
            "samples": [x["per_conn"] for x in results[c]],
            "peak_rss": [x["peak_rss"] for x in results[c]],
        }
        for c in contenders
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 connections, 2 rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--conns", type=int, default=None)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.conns or 10_000)
        return
    if args.client:
        client(args.client, args.conns or 10_000)
        return
    contenders, results, conns = run(args.quick, args.rounds, args.conns)
    print(f"\nServer memory per idle connection, {conns:,} held open (bytes; lower is better)\n")
    for c in contenders:
        per = [x["per_conn"] for x in results[c]]
        peak = max(x["peak_rss"] for x in results[c])
        print(f"{c:<18}{statistics.median(per):>10,.0f}   peak RSS {peak / 2**20:,.1f} MiB")


if __name__ == "__main__":
    main()
