"""A 1 MiB static file over HTTP: twistio's static.File against twisted.web's and aiohttp's.

    python -m benchmarks.static            # 5 rounds of 3 s per contender
    python -m benchmarks.static --quick    # 2 rounds of 1 s

Each contender serves one directory holding a 1 MiB file of random bytes, in its own process
pinned to core 0 on 127.0.0.1; the load is ``wrk`` (one thread, 64 keep-alive connections,
``GET /file.bin``) pinned to core 1, as in ``benchmarks/http_server.py``. Contenders: twistio's
``static.File`` under ``Site`` on asyncio's default loop and on uvloop, twisted.web's
``static.File`` on Twisted's default reactor, and aiohttp's ``add_static`` route. Access logs
are off for all of them (twistio and Twisted: no ``logPath`` and no observer; aiohttp:
``access_log=None``), so the file path is what is measured. Every contender is first checked
to return the whole file; contenders run in a new random order each round.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.http_server import find_wrk, load

ROOT = Path(__file__).resolve().parent.parent
SERVER_CPU = 0
SIZE = 1 << 20
CONTENDERS = ["twistio-asyncio", "twistio-uvloop", "twisted-default", "aiohttp"]


# ------------------------------------------------------------------------ servers


def serve(contender: str, directory: str, fd: int) -> None:
    """Serve ``directory`` on 127.0.0.1; write the port to ``fd``; run until SIGTERM."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > SERVER_CPU:
        os.sched_setaffinity(0, {SERVER_CPU})

    def announce(port: int) -> None:
        os.write(fd, f"{port}\n".encode())
        os.close(fd)

    if contender.startswith("twistio"):
        if contender.endswith("uvloop"):
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        from twistio.internet import reactor
        from twistio.web import server, static

        port = reactor.listenTCP(0, server.Site(static.File(directory)), interface="127.0.0.1")
        announce(port.getHost().port)
        reactor.run()
    elif contender == "twisted-default":
        from twisted.internet import reactor as _reactor
        from twisted.web import server as tserver
        from twisted.web import static as tstatic

        treactor: Any = _reactor
        site = tserver.Site(tstatic.File(directory))
        tport = treactor.listenTCP(0, site, interface="127.0.0.1")
        announce(tport.getHost().port)
        treactor.run()
    elif contender == "aiohttp":
        from aiohttp import web

        async def main() -> None:
            app = web.Application()
            app.router.add_static("/", directory)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(1024)
            await web.SockSite(runner, sock).start()
            announce(sock.getsockname()[1])
            stop = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
            await stop
            await runner.cleanup()

        asyncio.run(main())
    else:
        raise SystemExit(f"unknown contender {contender!r}")


class Server:
    """One contender's server process and its port."""

    def __init__(self, contender: str, directory: str) -> None:
        self.contender = contender
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.static",
                "--serve",
                contender,
                directory,
                str(write_fd),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write_fd,),
            cwd=ROOT,
        )
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as r:
            line = r.readline()
        if not line.strip():
            self.stop()
            raise RuntimeError(f"{contender} server did not start")
        self.port = int(line)

    def check(self, expected: bytes) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"GET /file.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(1 << 20):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0] + b" " or body != expected:
            raise RuntimeError(f"{self.contender} answered {head[:300]!r}, {len(body)} bytes")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def available(contender: str) -> bool:
    import importlib

    modules = {
        "twistio-asyncio": ["twistio.web.static"],
        "twistio-uvloop": ["twistio.web.static", "uvloop"],
        "twisted-default": ["twisted.web.static"],
        "aiohttp": ["aiohttp"],
    }[contender]
    try:
        for m in modules:
            importlib.import_module(m)
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------ driver


def run(
    quick: bool = False, rounds: int | None = None, seconds: int | None = None
) -> tuple[list[str], dict[str, list[float]], dict[str, list[float]]]:
    """Measure; returns (contenders, requests/s per round, server CPU share per round)."""
    wrk = find_wrk()
    rounds = rounds or (2 if quick else 5)
    seconds = seconds or (1 if quick else 3)
    contenders = [c for c in CONTENDERS if available(c)]
    rates: dict[str, list[float]] = {c: [] for c in contenders}
    cpus: dict[str, list[float]] = {c: [] for c in contenders}
    with tempfile.TemporaryDirectory(prefix="twistio-static-bench-") as tmp:
        content = os.urandom(SIZE)
        Path(tmp, "file.bin").write_bytes(content)
        servers: dict[str, Server] = {}
        try:
            for c in contenders:
                servers[c] = Server(c, tmp)
                servers[c].check(content)
            for r in range(rounds):
                order = contenders[:]
                random.shuffle(order)
                for c in order:
                    server = servers[c]
                    res = load(wrk, server.proc.pid, server.port, [], seconds, path="file.bin")
                    rates[c].append(res["rate"])
                    cpus[c].append(res["server_cpu"])
                print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
        finally:
            for server in servers.values():
                server.stop()
    return contenders, rates, cpus


def records(
    quick: bool = False, rounds: int | None = None, seconds: int | None = None
) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure."""
    contenders, rates, cpus = run(quick, rounds, seconds)
    return [
        {
            "workload": "static file, 1 MiB, keep-alive",
            "contender": c,
            "unit": "requests/s",
            "samples": rates[c],
            "server_cpu": cpus[c],
        }
        for c in contenders
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two rounds of 1 s")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=int, default=None, help="per wrk run (whole seconds)")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return
    contenders, rates, cpus = run(args.quick, args.rounds, args.seconds)
    print("\n1 MiB static file, wrk -t1 -c64 keep-alive: requests/s (server CPU use)\n")
    for c in contenders:
        med = statistics.median(rates[c])
        print(
            f"{c:<18}{med:>10,.0f} ({statistics.median(cpus[c]):.0%})  {med * SIZE / 1e6:,.0f} MB/s"
        )


if __name__ == "__main__":
    main()
