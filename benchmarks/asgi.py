"""A FastAPI "hello" endpoint served by twistio (``ASGISite`` + ``ASGIResource``) and by uvicorn.

    python -m benchmarks.asgi            # 5 rounds of 3 s per contender, about a minute
    python -m benchmarks.asgi --quick    # 2 rounds of 1 s

Each server runs in its own process pinned to core 0 on 127.0.0.1, on the same event loop
(asyncio's default loop, then uvloop); the load is ``wrk`` (one thread, 64 keep-alive
connections) pinned to core 1, as in ``benchmarks/http_server.py``. Contenders alternate in a new
random order each round; the table gives the median requests per second and the ratio
twistio / uvicorn for each loop (goal: at least 0.8 on the default loop).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.http_server import find_wrk, load

ROOT = Path(__file__).resolve().parent.parent
SERVER_CPU = 0
CONTENDERS = ["twistio-asyncio", "uvicorn-asyncio", "twistio-uvloop", "uvicorn-uvloop"]
GOAL = 0.8


def make_app() -> Any:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/", response_class=PlainTextResponse)
    async def hello() -> str:
        return "Hello, world!"

    return app


def serve(contender: str, fd: int) -> None:
    """Run one server; write its port to ``fd``."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > SERVER_CPU:
        os.sched_setaffinity(0, {SERVER_CPU})
    kind, loop_name = contender.split("-")
    if loop_name == "uvloop":
        import uvloop

        runner: Any = uvloop.run
    else:
        runner = asyncio.run
    app = make_app()

    async def main() -> None:
        if kind == "twistio":
            from twistio.internet import reactor
            from twistio.web.asgi import ASGIResource, ASGISite

            site = ASGISite(ASGIResource(app))
            port = reactor.listenTCP(0, site, interface="127.0.0.1").getHost().port
            await site.whenStarted()
            os.write(fd, b"%d\n" % port)
            os.close(fd)
            await asyncio.get_running_loop().create_future()
        else:
            import uvicorn

            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(1024)
            config = uvicorn.Config(app, loop="none", log_level="warning", access_log=False)
            os.write(fd, b"%d\n" % sock.getsockname()[1])
            os.close(fd)
            await uvicorn.Server(config).serve(sockets=[sock])

    runner(main())


def start(contender: str) -> tuple[subprocess.Popen[bytes], int]:
    r, w = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.asgi", "--serve", contender, str(w)],
        pass_fds=(w,), cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r, "rb") as f:
        line = f.readline()
    if not line.strip():
        proc.kill()
        raise RuntimeError(f"{contender} did not start")
    return proc, int(line)


def check(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    if b" 200 " not in data.split(b"\r\n", 1)[0] + b" " or not data.endswith(b"Hello, world!"):
        raise RuntimeError(f"bad answer: {data[:200]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    wrk = find_wrk()
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = 1 if args.quick else 3
    servers = {c: start(c) for c in CONTENDERS}
    rates: dict[str, list[float]] = {c: [] for c in CONTENDERS}
    try:
        for _, port in servers.values():
            check(port)
        for i in range(rounds):
            order = CONTENDERS[:]
            random.shuffle(order)
            for c in order:
                proc, port = servers[c]
                result = load(wrk, proc.pid, port, [], seconds)
                if result["errors"] or result["non2xx"]:
                    print(f"warning: {c}: {result}", file=sys.stderr)
                rates[c].append(result["rate"])
            print(f"round {i + 1}/{rounds} done", file=sys.stderr, flush=True)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
    med = {c: statistics.median(v) for c, v in rates.items()}
    print(f"\nFastAPI hello, wrk -t1 -c64, median of {rounds} x {seconds} s (requests/s)\n")
    print(f"{'loop':<10} {'twistio':>10} {'uvicorn':>10} {'ratio':>7} {'goal':>6}")
    for loop_name in ("asyncio", "uvloop"):
        t, u = med[f"twistio-{loop_name}"], med[f"uvicorn-{loop_name}"]
        goal = f">={GOAL}" if loop_name == "asyncio" else "-"
        print(f"{loop_name:<10} {t:>10.0f} {u:>10.0f} {t / u:>7.2f} {goal:>6}")


if __name__ == "__main__":
    main()
