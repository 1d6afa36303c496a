"""Requests per second of `twistio web --workers 1` against `--workers 2`, with wrk.

    python -m benchmarks.workers [--quick] [--rounds N] [--seconds S]

A small static file ("Hello, world!") is served by `twistio web` with one and with two worker
processes, alternately (1, 2, 1, 2 ...), each round a fresh server. The load generator is one
wrk thread with 64 keep-alive connections, not pinned: with two workers on a 2-core machine
the server processes and wrk share the cores, so the report states wrk's own CPU use (its
CPU seconds over the round's wall time, from the rusage of the finished wrk process).
Every run is bounded in time; everything listens and connects on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.05)  # polling a server we started, bounded by the deadline
    raise RuntimeError(f"server on port {port} did not come up")


def _round(workers: int, root: str, seconds: float) -> tuple[float, float]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "twistio", "web", "--path", root,
         "--listen", f"tcp:{port}:interface=127.0.0.1", "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(port, time.monotonic() + 15)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        out = subprocess.run(
            ["wrk", "-t1", "-c64", f"-d{seconds:g}s", "--timeout", "2s",
             f"http://127.0.0.1:{port}/hello.txt"],
            capture_output=True, text=True, timeout=seconds + 30, check=True,
        ).stdout
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / wall
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if match is None:
            raise RuntimeError(f"no rate in wrk output:\n{out}")
        return float(match.group(1)), wrk_cpu
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 2 s")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    options = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    rounds = options.rounds or (2 if options.quick else 5)
    seconds = options.seconds or (2.0 if options.quick else 5.0)
    results: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as root:
        Path(root, "hello.txt").write_bytes(b"Hello, world!")
        for _ in range(rounds):
            for workers in (1, 2):
                results[workers].append(_round(workers, root, seconds))
    print(f"twistio web, GET of a 13-byte static file, wrk -t1 -c64, {rounds} x {seconds:g} s, "
          f"{os.cpu_count()} cores")
    print(f"{'workers':>8} {'req/s median':>14} {'min':>10} {'max':>10} {'wrk CPU':>9}")
    medians = {}
    for workers, figures in results.items():
        rates = [r for r, _ in figures]
        medians[workers] = statistics.median(rates)
        cpu = statistics.median(c for _, c in figures)
        print(f"{workers:>8} {medians[workers]:>14,.0f} {min(rates):>10,.0f} {max(rates):>10,.0f} "
              f"{cpu:>8.0%}")
    print(f"--workers 2 / --workers 1: {medians[2] / medians[1]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
