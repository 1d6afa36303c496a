"""HTTP client throughput: twistio's Agent against Twisted's Agent and aiohttp's client.

    python -m benchmarks.http_client            # 7 rounds, about a minute
    python -m benchmarks.http_client --quick    # 3 rounds, about 15 s
    python -m benchmarks.http_client --json out.json

The server is ``benchmarks/_http_servers.py``'s ``raw-asyncio`` "Hello, world!" server (the
fastest there, so that the clients are the bottleneck) in its own process pinned to core 0.
Each client is a worker process pinned to core 1 that keeps one pool of keep-alive
connections for the whole run (50 connections allowed per host for every client) and, when
told, makes a fixed number of GETs and reads each whole body: one after another
(``sequential``), or from 50 concurrent tasks (``concurrent``). The driver interleaves the
workers round by round (in a new random order each round), so they share whatever the
machine is doing; each score is the best round's requests per second, since interference
only ever slows a round down. Every response is checked (status 200, body
``Hello, world!``) before timing starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks._harness import pin

CLIENTS = ["twistio", "twisted", "aiohttp"]
CONCURRENCY = 50
BODY = b"Hello, world!"


# -- workers: read "seq N" / "conc N" lines, answer with the elapsed seconds ---------------


def _worker_twistio(url: bytes) -> None:
    from twistio.internet._reactor import AsyncioReactor
    from twistio.web.client import Agent, HTTPConnectionPool, readBody

    async def main() -> None:
        reactor = AsyncioReactor()
        pool = HTTPConnectionPool(reactor)
        pool.maxPersistentPerHost = CONCURRENCY
        agent = Agent(reactor, pool=pool)

        async def one() -> None:
            response = await agent.request(b"GET", url)
            body = await readBody(response)
            if response.code != 200 or body != BODY:
                raise AssertionError((response.code, body))

        await _serve_commands(one)

    asyncio.run(main())


def _worker_aiohttp(url: bytes) -> None:
    import aiohttp

    async def main() -> None:
        connector = aiohttp.TCPConnector(limit=CONCURRENCY, limit_per_host=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector) as session:
            text = url.decode()

            async def one() -> None:
                async with session.get(text) as response:
                    body = await response.read()
                    if response.status != 200 or body != BODY:
                        raise AssertionError((response.status, body))

            await _serve_commands(one)

    asyncio.run(main())


async def _serve_commands(one: Any) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line.strip():
            return
        kind, count = line.split()
        n = int(count)
        start = time.perf_counter()
        if kind == "seq":
            for _ in range(n):
                await one()
        else:
            async def lane(k: int) -> None:
                for _ in range(k):
                    await one()

            await asyncio.gather(*(lane(n // CONCURRENCY) for _ in range(CONCURRENCY)))
        print(time.perf_counter() - start, flush=True)


def _worker_twisted(url: bytes) -> None:
    import warnings

    # Twisted warns that its own body transport lacks abortConnection; not our concern here.
    warnings.simplefilter("ignore", DeprecationWarning)
    from twisted.internet import defer, reactor, task, threads
    from twisted.web.client import Agent, HTTPConnectionPool, readBody

    pool = HTTPConnectionPool(reactor)
    pool.maxPersistentPerHost = CONCURRENCY
    agent = Agent(reactor, pool=pool)

    async def one() -> None:
        response = await agent.request(b"GET", url)
        body = await readBody(response)
        if response.code != 200 or body != BODY:
            raise AssertionError((response.code, body))

    async def main(_: Any) -> None:
        while True:
            line = await threads.deferToThread(sys.stdin.readline)
            if not line.strip():
                return
            kind, count = line.split()
            n = int(count)
            start = time.perf_counter()
            if kind == "seq":
                for _ in range(n):
                    await one()
            else:
                async def lane(k: int) -> None:
                    for _ in range(k):
                        await one()

                await defer.gatherResults(
                    [defer.ensureDeferred(lane(n // CONCURRENCY)) for _ in range(CONCURRENCY)]
                )
            print(time.perf_counter() - start, flush=True)

    task.react(lambda r: defer.ensureDeferred(main(r)))


def _worker_baseline(url: bytes) -> None:
    """twistio from the checkout at ``$TWISTIO_BASELINE`` (before/after comparisons)."""
    sys.path.insert(0, os.environ["TWISTIO_BASELINE"])
    _worker_twistio(url)


WORKERS = {
    "twistio": _worker_twistio, "twisted": _worker_twisted, "aiohttp": _worker_aiohttp,
    "twistio-baseline": _worker_baseline,
}
if os.environ.get("TWISTIO_BASELINE"):
    CLIENTS.append("twistio-baseline")


# -- the driver --------------------------------------------------------------------------


class Worker:
    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.http_client", "--worker", name, url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def run(self, kind: str, n: int) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{kind} {n}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.name} died")
        return n / float(line)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.write("\n")
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


WORKLOADS = {"seq": "sequential GETs", "conc": f"{CONCURRENCY} concurrent GETs"}


def _available() -> list[str]:
    import importlib.util

    return [c for c in CLIENTS
            if c.startswith("twistio") or importlib.util.find_spec(c) is not None]


def measure(rounds: int, counts: dict[str, int]) -> dict[tuple[str, str], list[float]]:
    """Requests/s of every available client for each kind, one sample per round."""
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._http_servers", "raw-asyncio",
             os.path.join(tmp, "server.log"), "1", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        workers: list[Worker] = []
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            url = f"http://127.0.0.1:{port}/"
            workers = [Worker(name, url) for name in _available()]
            for w in workers:  # warm up: connections made, code paths hot, responses checked
                w.run("conc", min(500, counts["conc"]))
                w.run("seq", min(200, counts["seq"]))
            for _ in range(rounds):
                for kind in ("seq", "conc"):
                    random.shuffle(workers)
                    for w in workers:
                        samples.setdefault((w.name, kind), []).append(w.run(kind, counts[kind]))
        finally:
            for w in workers:
                w.close()
            server.terminate()
            server.wait(10)
    return samples


def records(quick: bool = False, smoke: bool = False) -> list[dict[str, Any]]:
    """Raw figures for ``python -m benchmarks`` (one record per workload and client)."""
    if smoke:
        rounds, counts = 1, {"seq": 100, "conc": 250}
    elif quick:
        rounds, counts = 3, {"seq": 1000, "conc": 2500}
    else:
        rounds, counts = 7, {"seq": 3000, "conc": 10000}
    samples = measure(rounds, counts)
    return [
        {"workload": WORKLOADS[kind], "contender": name, "unit": "req/s", "samples": values}
        for (name, kind), values in sorted(samples.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--json")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        pin(1)
        WORKERS[args.worker[0]](args.worker[1].encode())
        return
    rounds = args.rounds or (3 if args.quick else 7)
    counts = {"seq": 1000 if args.quick else 3000, "conc": 2500 if args.quick else 10000}
    best = {key: max(values) for key, values in measure(rounds, counts).items()}
    names = [n for n in CLIENTS if (n, "seq") in best]

    print(f"HTTP client, GET 'Hello, world!' over keep-alive, best of {rounds} rounds, requests/s")
    print(f"{'client':<10} {'sequential':>12} {'50 concurrent':>14}")
    for name in names:
        print(f"{name:<10} {best[(name, 'seq')]:>12,.0f} {best[(name, 'conc')]:>14,.0f}")
    print()
    for kind, label in (("seq", "sequential"), ("conc", "50 concurrent")):
        ours = best[("twistio", kind)]
        parts = [f"{label:<14}"]
        for ref, goal in (("twisted", "2x"), ("aiohttp", "1x")):
            if (ref, kind) in best:
                parts.append(f"twistio/{ref} {ours / best[(ref, kind)]:5.2f}x (goal {goal})")
        print("   ".join(parts))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({f"{n}/{k}": v for (n, k), v in best.items()}, f, indent=2)


if __name__ == "__main__":
    main()
