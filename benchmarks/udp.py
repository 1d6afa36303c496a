"""UDP echo throughput: twistio's listenUDP against Twisted's and a raw asyncio DatagramProtocol.

    python -m benchmarks.udp            # full run, about a minute
    python -m benchmarks.udp --quick    # a few short rounds, for a smoke test

Each contender is a UDP echo server in its own process, pinned to one core; the load generator
is another process pinned to another core, sending 64-byte datagrams to 127.0.0.1 with a
fixed number in flight (a new one for each echo that comes back), bounded in time and in count.
Contenders are interleaved in a new random order each round; the table shows the median echoes
per second, the server's CPU use in the window (at 100% the server is the bottleneck, not the
generator) and the ratios the goals of issue 4 are about: twistio on asyncio's default loop
at least as fast as Twisted's reactor, and twistio on uvloop at least 0.95x a raw uvloop
datagram endpoint.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import cpu_seconds, pin, stop_server
from benchmarks._harness import start_server as _start_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CONTENDERS = ["raw-asyncio", "twistio-asyncio", "raw-uvloop", "twistio-uvloop", "twisted-default"]
SERVER_CPU, LOADGEN_CPU = 0, 1
SIZE = 64
IN_FLIGHT = 32
MAX_ECHOES = 5_000_000


# ------------------------------------------------------------------------ servers


def _new_loop(loop_name: str) -> Any:
    import asyncio

    if loop_name == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.SelectorEventLoop()


def serve(contender: str) -> None:
    """Run one UDP echo server on 127.0.0.1, print its port, serve until SIGTERM."""
    import signal

    pin(SERVER_CPU)
    kind, _, loop_name = contender.partition("-")
    if kind == "twisted":
        from twisted.internet import reactor as _twisted_reactor

        twisted_reactor: Any = _twisted_reactor
        from twisted.internet.protocol import DatagramProtocol as TwistedDatagramProtocol

        class TwistedEcho(TwistedDatagramProtocol):
            def datagramReceived(self, datagram: bytes, addr: Any) -> None:
                self.transport.write(datagram, addr)

        port = twisted_reactor.listenUDP(0, TwistedEcho(), interface="127.0.0.1")
        print(port.getHost().port, flush=True)
        twisted_reactor.run()
        return

    import asyncio

    loop = _new_loop(loop_name)
    asyncio.set_event_loop(loop)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    if kind == "raw":

        class RawEcho(asyncio.DatagramProtocol):
            def connection_made(self, transport: Any) -> None:
                self.transport = transport

            def datagram_received(self, data: bytes, addr: Any) -> None:
                self.transport.sendto(data, addr)

        transport, _ = loop.run_until_complete(
            loop.create_datagram_endpoint(RawEcho, local_addr=("127.0.0.1", 0))
        )
        print(transport.get_extra_info("sockname")[1], flush=True)
        loop.run_until_complete(stop)
        transport.close()
        return

    from twistio.internet._reactor import AsyncioReactor
    from twistio.internet.protocol import DatagramProtocol

    class Echo(DatagramProtocol):
        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            self.transport.write(datagram, addr)

    reactor = AsyncioReactor(loop)
    udp_port = reactor.listenUDP(0, Echo(), interface="127.0.0.1")
    print(udp_port.getHost().port, flush=True)
    loop.run_until_complete(stop)
    loop.run_until_complete(udp_port.stopListening().asFuture(loop))


# ------------------------------------------------------------------------ load generator


def generate(port: int, seconds: float) -> None:
    """Keep IN_FLIGHT datagrams in flight; count echoes in the window; print one JSON line.

    The generator busy-polls its non-blocking socket, so that waking its core (slow on VMs)
    is not part of every round trip and the server sees a steady stream.
    """
    pin(LOADGEN_CPU)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    payload = b"x" * SIZE
    send, recv, now = s.send, s.recv, time.perf_counter

    def fill() -> None:
        for _ in range(IN_FLIGHT):
            try:
                send(payload)
            except BlockingIOError:
                break

    def pump(until: float, limit: int) -> int:
        count = spins = 0
        fill()
        last = now()
        while count < limit:
            try:
                recv(2048)
            except BlockingIOError:
                spins += 1
                if not spins & 4095:
                    t = now()
                    if t >= until:
                        break
                    if t - last > 0.05:  # lost on the way: refill the window
                        fill()
                        last = t
                continue
            count += 1
            try:
                send(payload)
            except BlockingIOError:
                pass
            if not count & 1023:
                last = now()
                if last >= until:
                    break
        return count

    pump(now() + min(0.2, seconds / 3), MAX_ECHOES)  # warm-up
    print("start", flush=True)
    start = now()
    count = pump(start + seconds, MAX_ECHOES)
    elapsed = now() - start
    print(json.dumps({"echoes": count, "seconds": elapsed}), flush=True)
    s.close()


# ------------------------------------------------------------------------ driver


def start_server(contender: str) -> tuple[subprocess.Popen[str], int]:
    return _start_server([sys.executable, "-m", "benchmarks.udp", "--serve", contender], contender)


def load(server_pid: int, port: int, seconds: float) -> dict[str, float]:
    """One measurement: echoes per second and the server's CPU use in the window."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.udp", "--generate", str(port), str(seconds)],
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
    result["rate"] = result["echoes"] / result["seconds"]
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
) -> tuple[list[str], dict[str, list[float]], dict[str, list[float]], int, float]:
    """Measure; returns (contenders, echoes/s per round, server CPU per round, rounds, seconds)."""
    rounds = rounds or (3 if quick else 9)
    seconds = seconds or (0.5 if quick else 1.5)
    wanted = only or CONTENDERS
    contenders = [c for c in CONTENDERS if c in wanted and available(c)]
    servers = {c: start_server(c) for c in contenders}
    rates: dict[str, list[float]] = {c: [] for c in contenders}
    cpus: dict[str, list[float]] = {c: [] for c in contenders}
    try:
        for r in range(rounds):
            order = contenders[:]
            random.shuffle(order)
            for c in order:
                proc, port = servers[c]
                res = load(proc.pid, port, seconds)
                rates[c].append(res["rate"])
                cpus[c].append(res["server_cpu"])
            print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    finally:
        for proc, _ in servers.values():
            stop_server(proc)
    return contenders, rates, cpus, rounds, seconds


def records(
    quick: bool = False, rounds: int | None = None, seconds: float | None = None
) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure."""
    contenders, rates, cpus, _, _ = run(quick, rounds or (3 if quick else 9), seconds or (0.4 if quick else 1.5))
    return [
        {
            "workload": f"UDP echo, {SIZE} B datagrams, {IN_FLIGHT} in flight",
            "contender": c,
            "unit": "echoes/s",
            "samples": rates[c],
            "server_cpu": cpus[c],
        }
        for c in contenders
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="three short rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.generate:
        generate(int(args.generate[0]), float(args.generate[1]))
        return
    only = args.only.split(",") if args.only else None
    contenders, rates, cpus, rounds, seconds = run(args.quick, args.rounds, args.seconds, only)
    report(contenders, rates, cpus, rounds, seconds, args.json)


def report(
    contenders: list[str],
    rates: dict[str, list[float]],
    cpus: dict[str, list[float]],
    rounds: int,
    seconds: float,
    json_path: str | None,
) -> None:
    med = {c: statistics.median(rates[c]) for c in contenders}
    print(f"\nUDP echo, {SIZE}-byte datagrams, {IN_FLIGHT} in flight; median of {rounds} "
          f"rounds of {seconds:g} s\n")
    print(f"{'contender':<18}{'echoes/s':>12}{'server CPU':>12}")
    for c in contenders:
        print(f"{c:<18}{med[c]:>12,.0f}{statistics.median(cpus[c]):>12.0%}")
    print()
    goals = [
        ("twistio-asyncio", "twisted-default", 1.0),
        ("twistio-asyncio", "raw-asyncio", None),
        ("twistio-uvloop", "raw-uvloop", 0.95),
    ]
    results = []
    for a, b, goal in goals:
        if a in med and b in med:
            # The ratio of medians, and the median of the per-round ratios.
            per_round = statistics.median(x / y for x, y in zip(rates[a], rates[b], strict=True))
            ratio = med[a] / med[b]
            verdict = ""
            if goal is not None:
                verdict = f"  goal >= {goal:.2f}x: {'met' if per_round >= goal else 'NOT met'}"
            print(f"{a} / {b}: {ratio:.2f}x (per-round median {per_round:.2f}x){verdict}")
            results.append({"a": a, "b": b, "ratio": ratio, "per_round": per_round, "goal": goal})
    if json_path:
        Path(json_path).write_text(json.dumps({"rates": rates, "cpus": cpus, "ratios": results}, indent=2))


if __name__ == "__main__":
    main()
