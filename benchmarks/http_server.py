"""HTTP "Hello, world!" throughput: twistio's Site against twisted.web, aiohttp, uvicorn, raw.

    python -m benchmarks.http_server            # 5 rounds of 3 s per contender and shape, ~7 minutes
    python -m benchmarks.http_server --quick    # 2 rounds of 1 s, under a minute
    python -m benchmarks.http_server --only twistio-asyncio,aiohttp --rounds 9 --json out.json

Each contender (``benchmarks/_http_servers.py``) is a server in its own process pinned to core
0 on 127.0.0.1, answering ``Hello, world!``; the load is ``wrk`` (one thread, 64 connections)
pinned to core 1. Four request shapes: keep-alive or one request per connection
(``Connection: close``), each with wrk's bare request (request line and ``Host``) or with 9
more browser-style headers. Contenders run in a new random order for each shape in each
round; the tables give the median requests per second, the server's CPU use while loaded
(near 100% means the server, not wrk, was the bottleneck) and the ratios issue 6 sets goals
for: twistio on asyncio's default loop at least aiohttp and at least 2x twisted.web, twistio on
uvloop at least uvicorn. Every run is bounded in time (wrk's ``-d`` and ``--timeout``, plus a
hard timeout on the wrk process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/http_server.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import cpu_seconds, stop_server
from benchmarks._http_servers import CONTENDERS, access_log_note

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SERVER_CPU, LOAD_CPU = 0, 1
CONNECTIONS = 64

BROWSER_HEADERS = [
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "Accept-Language: en-GB,en;q=0.9,fr;q=0.8",
    "Accept-Encoding: gzip, deflate, br",
    "Referer: http://127.0.0.1/index.html",
    "Cookie: session=6f1c2a8e9b7d4c3a; theme=dark; _ga=GA1.1.123456789.1700000000",
    "Cache-Control: max-age=0",
    "Upgrade-Insecure-Requests: 1",
    "Sec-Fetch-Mode: navigate",
]

# (name, extra wrk -H headers)
SHAPES: list[tuple[str, list[str]]] = [
    ("keep-alive, bare", []),
    ("keep-alive, 9 headers", BROWSER_HEADERS),
    ("close, bare", ["Connection: close"]),
    ("close, 9 headers", [*BROWSER_HEADERS, "Connection: close"]),
]

# (numerator, denominator, goal)
RATIOS: list[tuple[str, str, float | None]] = [
    ("twistio-asyncio", "aiohttp", 1.0),
    ("twistio-asyncio", "twisted-default", 2.0),
    ("twistio-uvloop", "uvicorn-uvloop", 1.0),
    # Access logs off in both: the servers compared, not their loggers (issue 17's goals).
    ("twistio-asyncio-nolog", "aiohttp-nolog", 1.0),
    ("twistio-asyncio-nolog", "twisted-default-nolog", 2.0),
    ("twistio-uvloop-nolog", "uvicorn-uvloop-nolog", 1.2),
    ("twistio-asyncio-nolog", "raw-asyncio", 0.8),
    ("twistio-asyncio-nolog", "twistio-baseline-nolog", 1.0),
]


# ------------------------------------------------------------------------ wrk


def find_wrk() -> str:
    """The path of ``wrk``, installing Debian's package first if missing and we are root."""
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("wrk not found: installing it with apt-get ...", file=sys.stderr, flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        cmd = [apt, "install", "-y", "--no-install-recommends", "wrk"]
        if subprocess.run(cmd, env=env, capture_output=True, timeout=300).returncode:
            subprocess.run([apt, "update"], env=env, capture_output=True, timeout=300)
            subprocess.run(cmd, env=env, capture_output=True, timeout=300)
        wrk = shutil.which("wrk")
        if wrk:
            return wrk
    raise SystemExit(
        "benchmarks/http_server.py needs the wrk load generator (https://github.com/wg/wrk).\n"
        "Install it (Debian/Ubuntu: `sudo apt-get install wrk`, macOS: `brew install wrk`)\n"
        "or run this benchmark as root on Debian, and it installs wrk itself."
    )


def _pin_load() -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > LOAD_CPU:
        os.sched_setaffinity(0, {LOAD_CPU})


def parse_wrk(out: str) -> dict[str, float]:
    def number(pattern: str) -> float:
        m = re.search(pattern, out)
        return float(m.group(1)) if m else 0.0

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rate": number(r"Requests/sec:\s*([\d.]+)"),
        "requests": number(r"(\d+) requests in"),
        "non2xx": number(r"Non-2xx or 3xx responses: (\d+)"),
        "errors": float(sum(int(x) for x in errors.groups())) if errors else 0.0,
    }


def load(
    wrk: str, server_pid: int, port: int, headers: list[str], seconds: int, path: str = ""
) -> dict[str, float]:
    """One wrk run against 127.0.0.1:port: requests per second and the server's CPU use."""
    cmd = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "2s"]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(f"http://127.0.0.1:{port}/{path}")
    cpu0, t0 = cpu_seconds(server_pid), time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=seconds + 15, preexec_fn=_pin_load
    )
    cpu1, t1 = cpu_seconds(server_pid), time.perf_counter()
    if proc.returncode:
        raise RuntimeError(f"wrk failed: {proc.stderr or proc.stdout}")
    result = parse_wrk(proc.stdout)
    result["server_cpu"] = (cpu1 - cpu0) / (t1 - t0)
    # Requests per CPU-second the server spent: its cost per request, which other work on a
    # shared core does not change as much as it changes requests per second.
    result["per_cpu_s"] = result["requests"] / (cpu1 - cpu0) if cpu1 > cpu0 else float("nan")
    return result


# ------------------------------------------------------------------------ servers


class Server:
    """One contender's server process, its port and where its logs go."""

    def __init__(self, contender: str, logdir: Path, wrapper: Sequence[str] = ()) -> None:
        """Start it (under ``wrapper``, a command prefix such as valgrind's, if given)."""
        self.contender = contender
        self.access_log = logdir / f"{contender}.access.log"
        self.output = logdir / f"{contender}.out"
        read_fd, write_fd = os.pipe()
        with open(self.output, "wb") as out:
            self.proc = subprocess.Popen(
                [
                    *wrapper,
                    sys.executable,
                    "-m",
                    "benchmarks._http_servers",
                    contender,
                    str(self.access_log),
                    str(write_fd),
                    str(SERVER_CPU),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                cwd=ROOT,
            )
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as r:
            line = r.readline()  # EOF (b"") if the server dies before announcing
        if not line.strip():
            self.stop()
            raise RuntimeError(
                f"{contender} server did not start:\n{self.output.read_text()[-2000:]}"
            )
        self.port = int(line)

    def check(self) -> None:
        """One GET with a raw socket: the server must answer 200 and ``Hello, world!``."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        status = data.split(b"\r\n", 1)[0]
        if b" 200 " not in status + b" " or not data.endswith(b"Hello, world!"):
            raise RuntimeError(f"{self.contender} answered {data[:300]!r}")

    def logged_lines(self) -> int:
        """Lines in its access log file plus its output (where default loggers write)."""
        count = 0
        for path in (self.access_log, self.output):
            if path.exists():
                with open(path, "rb") as f:
                    count += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        return count

    def stop(self, timeout: float = 5) -> None:
        stop_server(self.proc, timeout)


def available(contender: str) -> str | None:
    """Why ``contender`` cannot run here, or None if it can."""
    if contender.startswith("twistio-baseline"):
        return None if os.environ.get("TWISTIO_BASELINE") else "TWISTIO_BASELINE is not set"
    contender = contender.removesuffix("-nolog")
    modules = {
        "twistio-asyncio": ["twistio.web.server", "twistio.web.resource"],
        "twistio-uvloop": ["twistio.web.server", "uvloop"],
        "twisted-default": ["twisted.web.server"],
        "aiohttp": ["aiohttp"],
        "uvicorn-uvloop": ["uvicorn", "uvloop"],
        "raw-asyncio": [],
    }[contender]
    import importlib

    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError as e:
            return f"{m} is not importable ({e})"
    return None


# ------------------------------------------------------------------------ driver


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two rounds of 1 s, under a minute")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=int, default=None, help="per wrk run (whole seconds)")
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    parser.add_argument("--shapes", help="comma-separated shape numbers 1-4 (default: all)")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()

    wrk = find_wrk()
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = args.seconds or (1 if args.quick else 3)
    wanted = args.only.split(",") if args.only else CONTENDERS
    unknown = set(wanted) - set(CONTENDERS)
    if unknown:
        raise SystemExit(f"unknown contenders {sorted(unknown)}; known: {', '.join(CONTENDERS)}")
    shapes = SHAPES
    if args.shapes:
        shapes = [SHAPES[int(i) - 1] for i in args.shapes.split(",")]
    contenders = []
    for c in CONTENDERS:
        if c in wanted:
            why = available(c)
            if why:
                print(f"skipping {c}: {why}", file=sys.stderr)
            else:
                contenders.append(c)

    rates: dict[tuple[str, str], list[float]] = {(c, s): [] for c in contenders for s, _ in shapes}
    cpus: dict[tuple[str, str], list[float]] = {(c, s): [] for c in contenders for s, _ in shapes}
    effs: dict[tuple[str, str], list[float]] = {(c, s): [] for c in contenders for s, _ in shapes}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="twistio-http-bench-") as tmp:
        servers: dict[str, Server] = {}
        try:
            for c in contenders:
                servers[c] = Server(c, Path(tmp))
                servers[c].check()
            for r in range(rounds):
                for shape, headers in shapes:
                    order = contenders[:]
                    random.shuffle(order)
                    for c in order:
                        res = load(wrk, servers[c].proc.pid, servers[c].port, headers, seconds)
                        rates[c, shape].append(res["rate"])
                        cpus[c, shape].append(res["server_cpu"])
                        effs[c, shape].append(res["per_cpu_s"])
                        if res["errors"] or res["non2xx"]:
                            problems.append(
                                f"round {r + 1}, {c}, {shape}: {res['errors']:.0f} socket "
                                f"errors, {res['non2xx']:.0f} non-2xx of {res['requests']:.0f}"
                            )
                print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
            logged = {c: servers[c].logged_lines() for c in contenders}
        finally:
            for server in servers.values():
                server.stop()
    report(contenders, shapes, rates, cpus, effs, logged, problems, rounds, seconds, args.json)


def report(
    contenders: list[str],
    shapes: list[tuple[str, list[str]]],
    rates: dict[tuple[str, str], list[float]],
    cpus: dict[tuple[str, str], list[float]],
    effs: dict[tuple[str, str], list[float]],
    logged: dict[str, int],
    problems: list[str],
    rounds: int,
    seconds: int,
    json_path: str | None,
) -> None:
    names = [s for s, _ in shapes]
    med = {k: statistics.median(v) for k, v in rates.items()}
    eff = {k: statistics.median(v) for k, v in effs.items()}
    width = 24

    def row(label: str, cells: list[str], tail: str = "", first: int = 18) -> None:
        print(f"{label:<{first}}" + "".join(f"{x:>{width}}" for x in cells) + tail)

    print(
        f"\nHTTP hello, wrk -t1 -c{CONNECTIONS}; median of {rounds} rounds of {seconds} s: "
        "requests/s (server CPU use)\n"
    )
    row("contender", names)
    for c in contenders:
        row(c, [f"{med[c, n]:,.0f} ({statistics.median(cpus[c, n]):.0%})" for n in names])
    print("\nrequests per server CPU-second (cost per request; steadier on a shared machine)\n")
    row("contender", names)
    for c in contenders:
        row(c, [f"{eff[c, n]:,.0f}" for n in names])
    print("\nratios of requests/s (of requests per CPU-second in parentheses)\n")
    row("ratio", names, "   goal (on requests/s)", 36)
    results = []
    for a, b, goal in RATIOS:
        if a not in contenders or b not in contenders:
            continue
        cells = []
        for n in names:
            ratio = med[a, n] / med[b, n] if med[b, n] else float("nan")
            cpu_ratio = eff[a, n] / eff[b, n] if eff[b, n] else float("nan")
            per_round = statistics.median(
                x / y if y else float("nan") for x, y in zip(rates[a, n], rates[b, n], strict=True)
            )
            mark = "" if goal is None else (" ok" if ratio >= goal else " NO")
            cells.append(f"{ratio:.2f}x{mark} ({cpu_ratio:.2f}x)")
            results.append(
                {
                    "a": a,
                    "b": b,
                    "shape": n,
                    "ratio": ratio,
                    "per_round": per_round,
                    "per_cpu_ratio": cpu_ratio,
                    "goal": goal,
                }
            )
        row(f"{a} / {b}", cells, "" if goal is None else f"   >= {goal:g}x", 36)
    print("\naccess logs:")
    for c in contenders:
        print(f"  {c:<18}{access_log_note(c)}; {logged.get(c, 0):,} lines written to files")
    if problems:
        print("\nwrk reported problems:")
        for p in problems:
            print("  " + p)
    if json_path:
        Path(json_path).write_text(
            json.dumps(
                {
                    "rounds": rounds,
                    "seconds": seconds,
                    "rates": {f"{c} | {n}": v for (c, n), v in rates.items()},
                    "server_cpu": {f"{c} | {n}": v for (c, n), v in cpus.items()},
                    "requests_per_cpu_second": {f"{c} | {n}": v for (c, n), v in effs.items()},
                    "ratios": results,
                    "problems": problems,
                },
                indent=2,
            )
        )


def records(
    quick: bool = False, rounds: int | None = None, seconds: int | None = None
) -> list[dict[str, object]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure per shape.

    ``quick``: the two bare shapes (keep-alive and close), 2 rounds of 1 s.
    """
    wrk = find_wrk()
    rounds = rounds or (2 if quick else 5)
    seconds = seconds or (1 if quick else 3)
    shapes = [SHAPES[0], SHAPES[2]] if quick else SHAPES
    contenders = [c for c in CONTENDERS if available(c) is None]
    rates: dict[tuple[str, str], list[float]] = {(c, s): [] for c in contenders for s, _ in shapes}
    cpus: dict[tuple[str, str], list[float]] = {(c, s): [] for c in contenders for s, _ in shapes}
    with tempfile.TemporaryDirectory(prefix="twistio-http-bench-") as tmp:
        servers: dict[str, Server] = {}
        try:
            for c in contenders:
                servers[c] = Server(c, Path(tmp))
                servers[c].check()
            for r in range(rounds):
                for shape, headers in shapes:
                    order = contenders[:]
                    random.shuffle(order)
                    for c in order:
                        res = load(wrk, servers[c].proc.pid, servers[c].port, headers, seconds)
                        rates[c, shape].append(res["rate"])
                        cpus[c, shape].append(res["server_cpu"])
                print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
        finally:
            for server in servers.values():
                server.stop()
    return [
        {
            "workload": f"HTTP hello, {shape}",
            "contender": c,
            "unit": "requests/s",
            "samples": rates[c, shape],
            "server_cpu": cpus[c, shape],
        }
        for shape, _ in shapes
        for c in contenders
    ]


if __name__ == "__main__":
    main()
