"""Echo server throughput: twistio against raw asyncio, Twisted's reactors, on asyncio and uvloop.

    python -m benchmarks.echo            # full run, about 3 minutes
    python -m benchmarks.echo --quick    # one short round, for a smoke test

Each contender is an echo server in its own process, pinned to one core; the load generator
(``_loadgen.py``) is another process pinned to another core. Workloads: 1 and 100 connections
of request/response ping-pong with 64-byte and 16 KiB messages, and a bulk stream on one
connection (1 MiB kept in flight, MB/s echoed). Contenders are interleaved in a
new random order each round; the table shows the median round trips per second and the
ratios the goals are about. The server's CPU use in each measured window is reported: at 100% the
server, not the generator, is the bottleneck. The generator busy-polls (see _loadgen.py).
On a machine shared with other work, numbers are noisy: look at the ratios over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import cpu_seconds, stop_server
from benchmarks._harness import start_server as _start_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CONTENDERS = [
    "raw-asyncio",
    "twistio-asyncio",
    "raw-uvloop",
    "twistio-uvloop",
    "twisted-default",
    "twisted-asyncio",
    "twisted-asyncio-uvloop",
]
# (connections, message size); size 0 is a bulk stream (MB/s echoed, not round trips/s)
WORKLOADS = [(1, 64), (100, 64), (1, 16384), (100, 16384), (1, 0)]


def workload_name(w: tuple[int, int]) -> str:
    if not w[1]:
        return f"bulk stream, {w[0]} conn (MB/s)"
    return f"{w[0]} conn x {w[1]} B" if w[0] == 1 else f"{w[0]} conns x {w[1]} B"


def rate_of(w: tuple[int, int], res: dict[str, float]) -> float:
    """Round trips per second, or for the bulk stream MB (1e6 bytes) echoed per second."""
    per_s = res["round_trips"] / res["seconds"]
    return per_s if w[1] else per_s / 1e6
SERVER_CPU, LOADGEN_CPU = 0, 1


# ------------------------------------------------------------------------ servers


def serve(contender: str) -> None:
    """Run one echo server on 127.0.0.1, print its port, serve until SIGTERM."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {SERVER_CPU})
    kind, _, loop_name = contender.partition("-")
    if kind == "raw":
        serve_raw(loop_name)
    elif kind == "twistio":
        serve_twistio(loop_name)
    else:
        serve_twisted(loop_name)


def new_loop(loop_name: str):  # type: ignore[no-untyped-def]
    import asyncio

    if loop_name.endswith("uvloop"):
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def serve_raw(loop_name: str) -> None:
    import asyncio
    import signal

    class Echo(asyncio.Protocol):
        def connection_made(self, transport):  # type: ignore[no-untyped-def]
            self.transport = transport

        def data_received(self, data):  # type: ignore[no-untyped-def]
            self.transport.write(data)

    loop = new_loop(loop_name)
    server = loop.run_until_complete(loop.create_server(Echo, "127.0.0.1", 0))
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()


def serve_twistio(loop_name: str) -> None:
    from twistio.internet import asyncioreactor

    asyncioreactor.install(new_loop(loop_name))
    from twistio.internet import protocol, reactor

    class Echo(protocol.Protocol):
        def dataReceived(self, data):  # type: ignore[no-untyped-def]
            self.transport.write(data)

    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()


def serve_twisted(loop_name: str) -> None:
    import logging

    logging.disable(logging.INFO)
    if loop_name.startswith("asyncio"):
        from twisted.internet import asyncioreactor

        asyncioreactor.install(new_loop(loop_name))
    from twisted.internet import protocol, reactor

    class Echo(protocol.Protocol):
        def dataReceived(self, data):  # type: ignore[no-untyped-def]
            self.transport.write(data)

    factory = protocol.Factory.forProtocol(Echo)
    factory.noisy = False
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()


# ------------------------------------------------------------------------ driver


def start_server(contender: str) -> tuple[subprocess.Popen[str], int]:
    return _start_server([sys.executable, "-m", "benchmarks.echo", "--serve", contender], contender)


def load(server_pid: int, port: int, conns: int, size: int, seconds: float) -> dict[str, float]:
    """One measurement: the generator's result plus the server's CPU use in the window."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "_loadgen.py"), str(port), str(conns), str(size),
         str(seconds), str(LOADGEN_CPU)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "start":
            raise RuntimeError(proc.stderr.read() if proc.stderr else "load generator failed")
        cpu0, t0 = cpu_seconds(server_pid), time.perf_counter()
        line = proc.stdout.readline()
        cpu1, t1 = cpu_seconds(server_pid), time.perf_counter()
        proc.wait(timeout=seconds + 20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    result: dict[str, float] = json.loads(line)
    result["server_cpu"] = (cpu1 - cpu0) / (t1 - t0)
    return result


def available(contender: str) -> bool:
    try:
        if "uvloop" in contender:
            import uvloop  # noqa: F401
        if contender.startswith("twisted"):
            import twisted  # noqa: F401
    except ImportError:
        return False
    return True


def run(
    quick: bool = False,
    rounds: int | None = None,
    seconds: float | None = None,
    only: list[str] | None = None,
    workloads: list[tuple[int, int]] | None = None,
) -> tuple[list[str], dict[Any, list[float]], dict[Any, list[float]], int, float]:
    """Measure; returns (contenders, rates, server CPU shares, rounds, seconds).

    ``rates`` and the CPU shares are keyed by (contender, workload), one figure per round.
    """
    rounds = rounds or (1 if quick else 3)
    seconds = seconds or (0.3 if quick else 1.0)
    workloads = workloads or WORKLOADS
    wanted = only or CONTENDERS
    contenders = [c for c in CONTENDERS if c in wanted and available(c)]
    if len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True:
        print("warning: fewer than 2 CPUs: server and generator share a core", file=sys.stderr)
    rates: dict[Any, list[float]] = {}
    gen_cpu: dict[Any, list[float]] = {}
    began = time.perf_counter()
    for r in range(rounds):
        order = contenders[:]
        random.shuffle(order)
        for contender in order:
            proc, port = start_server(contender)
            try:
                for workload in workloads:
                    res = load(proc.pid, port, workload[0], workload[1], seconds)
                    key = (contender, workload)
                    rates.setdefault(key, []).append(rate_of(workload, res))
                    gen_cpu.setdefault(key, []).append(res["server_cpu"])
            finally:
                stop_server(proc)
        print(f"round {r + 1}/{rounds} done ({time.perf_counter() - began:.0f}s)", file=sys.stderr)
    return contenders, rates, gen_cpu, rounds, seconds


def records(
    quick: bool = False, rounds: int | None = None, seconds: float | None = None
) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure per workload.

    ``--quick`` here means 2 rounds of 0.2 s and leaves out Twisted's asyncioreactor on uvloop.
    """
    only = [c for c in CONTENDERS if c != "twisted-asyncio-uvloop"] if quick else None
    contenders, rates, cpus, _, _ = run(
        quick, rounds or (2 if quick else 3), seconds or (0.2 if quick else 1.0), only
    )
    return [
        {
            "workload": workload_name(w),
            "contender": c,
            "unit": "MB/s" if not w[1] else "round trips/s",
            "samples": rates[c, w],
            "server_cpu": cpus[c, w],
        }
        for w in WORKLOADS
        for c in contenders
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short round")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="per measurement")
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    only = args.only.split(",") if args.only else None
    contenders, rates, gen_cpu, rounds, seconds = run(args.quick, args.rounds, args.seconds, only)
    report(contenders, rates, gen_cpu, rounds, seconds)


def report(
    contenders: list[str],
    rates: dict[Any, list[float]],
    gen_cpu: dict[Any, list[float]],
    rounds: int,
    seconds: float,
) -> None:
    med = {k: statistics.median(v) for k, v in rates.items()}
    names = {w: workload_name(w) for w in WORKLOADS}
    print(f"\nEcho round trips per second (bulk stream: MB/s), median of {rounds} x {seconds:.1f}s "
          f"(server on CPU {SERVER_CPU}, generator on CPU {LOADGEN_CPU})\n")
    width = max(len(c) for c in contenders) + 2
    print("workload".ljust(20) + "".join(c.rjust(width) for c in contenders))
    for w in WORKLOADS:
        print(names[w].ljust(20) + "".join(f"{med[(c, w)]:,.0f}".rjust(width) for c in contenders))
    print("\nServer CPU use in the window, median (100% = the server was the bottleneck, "
          "not the generator)")
    print("workload".ljust(20) + "".join(c.rjust(width) for c in contenders))
    for w in WORKLOADS:
        cells = "".join(f"{statistics.median(gen_cpu[(c, w)]):.0%}".rjust(width) for c in contenders)
        print(names[w].ljust(20) + cells)
    ratios: list[tuple[str, str, str, float | None]] = [
        ("twistio-asyncio / raw-asyncio", "twistio-asyncio", "raw-asyncio", 0.95),
        ("twistio-uvloop / raw-uvloop", "twistio-uvloop", "raw-uvloop", 0.95),
        ("twistio-uvloop / twisted-default", "twistio-uvloop", "twisted-default", 2.0),
        ("twistio-asyncio / twisted-default", "twistio-asyncio", "twisted-default", None),
        ("twistio-asyncio / twisted-asyncio", "twistio-asyncio", "twisted-asyncio", None),
        ("raw-uvloop / twisted-default", "raw-uvloop", "twisted-default", None),
    ]
    print("\nRatios" + "".join(names[w].rjust(18) for w in WORKLOADS) + "     goal")
    for label, a, b, goal in ratios:
        if a not in contenders or b not in contenders:
            continue
        cells = "".join(f"{med[(a, w)] / med[(b, w)]:.2f}x".rjust(18) for w in WORKLOADS)
        print(label.ljust(6 + 30)[:36] + cells[6:] + (f"   >= {goal}x" if goal else ""))


if __name__ == "__main__":
    main()
