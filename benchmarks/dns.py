"""Authoritative DNS answers per second over UDP: twistio.names against Twisted Names.

    python -m benchmarks.dns            # full run, about a minute
    python -m benchmarks.dns --quick    # a few short rounds, for a smoke test

Each contender runs the same program (a ``DNSServerFactory`` over a ``PySourceAuthority`` zone,
served with ``listenUDP(port, DNSDatagramProtocol(factory))``) with ``twisted`` or ``twistio``
in its imports, in its own process pinned to one core. The load generator is another process
pinned to another core: it keeps a fixed number of queries in flight (``example.com A``, each
with its own id; a new one for each answer), bounded in time and count, and checks that every
answer is a NOERROR response to a query it sent. Contenders are interleaved in a new random
order each round; the table shows the median answers per second, the server's CPU use in the
window, the answers per second of server CPU (steadier on a shared machine), and the ratio
issue 18 is about: twistio on the default loop at least 2x Twisted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import cpu_seconds, pin, stop_server
from benchmarks._harness import start_server as _start_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CONTENDERS = ["twistio-asyncio", "twistio-uvloop", "twisted-default"]
SERVER_CPU, LOADGEN_CPU = 0, 1
IN_FLIGHT = 64
MAX_ANSWERS = 5_000_000

ZONE = """
zone = [
    SOA('example.com', mname='ns1.example.com', rname='hostmaster.example.com',
        serial=1, refresh='1H', retry='15M', expire='1W', minimum='1H', ttl='1H'),
    NS('example.com', 'ns1.example.com'),
    A('example.com', '192.0.2.1'),
    A('ns1.example.com', '192.0.2.53'),
    MX('example.com', 10, 'mail.example.com'),
    A('mail.example.com', '192.0.2.25'),
]
"""


# ------------------------------------------------------------------------ servers


def serve(contender: str, zone_path: str) -> None:
    """The same program on Twisted or twistio: serve the zone on 127.0.0.1 until SIGTERM."""
    import importlib

    pin(SERVER_CPU)
    package, _, loop_name = contender.partition("-")
    if loop_name == "uvloop":
        import asyncio

        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    authority = importlib.import_module(f"{package}.names.authority")
    server = importlib.import_module(f"{package}.names.server")
    dns = importlib.import_module(f"{package}.names.dns")
    reactor = importlib.import_module(f"{package}.internet.reactor")
    if not hasattr(reactor, "listenUDP"):  # twisted.internet.reactor is the reactor object
        reactor = sys.modules[f"{package}.internet.reactor"]
    factory = server.DNSServerFactory(authorities=[authority.PySourceAuthority(zone_path)])
    port = reactor.listenUDP(0, dns.DNSDatagramProtocol(factory), interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()


# ------------------------------------------------------------------------ load generator


def _query(qid: int) -> bytes:
    header = struct.pack("!6H", qid, 0, 1, 0, 0, 0)
    return header + b"\x07example\x03com\x00\x00\x01\x00\x01"


def generate(port: int, seconds: float) -> None:
    """Keep IN_FLIGHT queries in flight; count good answers in the window; print one JSON line.

    Like benchmarks/udp.py's generator it busy-polls its non-blocking socket.
    """
    pin(LOADGEN_CPU)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    send, recv, now = s.send, s.recv, time.perf_counter
    queries = [_query(i) for i in range(65536)]
    state = {"next": 0, "bad": 0}

    def send_one() -> None:
        i = state["next"]
        state["next"] = (i + 1) & 0xFFFF
        try:
            send(queries[i])
        except BlockingIOError:
            pass

    def fill() -> None:
        for _ in range(IN_FLIGHT):
            send_one()

    def pump(until: float, limit: int) -> int:
        count = spins = 0
        fill()
        last = now()
        while count < limit:
            try:
                data = recv(4096)
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
            # A NOERROR response (qr set, rcode 0) with one answer.
            if data[2] & 0x80 and not data[3] & 0x0F and data[7] == 1:
                count += 1
            else:
                state["bad"] += 1
            i = state["next"]
            state["next"] = (i + 1) & 0xFFFF
            try:
                send(queries[i])
            except BlockingIOError:
                pass
            if not count & 1023:
                last = now()
                if last >= until:
                    break
        return count

    pump(now() + min(0.2, seconds / 3), MAX_ANSWERS)  # warm-up
    print("start", flush=True)
    start = now()
    count = pump(start + seconds, MAX_ANSWERS)
    elapsed = now() - start
    print(json.dumps({"answers": count, "seconds": elapsed, "bad": state["bad"]}), flush=True)
    s.close()


# ------------------------------------------------------------------------ driver


def start_server(contender: str, zone_path: str) -> tuple[subprocess.Popen[str], int]:
    return _start_server([sys.executable, "-m", "benchmarks.dns", "--serve", contender, zone_path], contender)


def load(server_pid: int, port: int, seconds: float) -> dict[str, float]:
    """One measurement: answers per second and the server's CPU use in the window."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.dns", "--generate", str(port), str(seconds)],
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
    result["rate"] = result["answers"] / result["seconds"]
    result["server_cpu"] = (cpu1 - cpu0) / (t1 - t0)
    return result


def available(contender: str) -> bool:
    try:
        if "uvloop" in contender:
            import uvloop  # noqa: F401
        if contender.startswith("twisted"):
            import twisted.names  # noqa: F401
    except ImportError:
        return False
    return True


def run(
    quick: bool = False,
    rounds: int | None = None,
    seconds: float | None = None,
    only: list[str] | None = None,
) -> tuple[list[str], dict[str, list[float]], dict[str, list[float]], int, float]:
    """Measure; returns (contenders, answers/s per round, server CPU per round, rounds, seconds)."""
    rounds = rounds or (3 if quick else 9)
    seconds = seconds or (0.5 if quick else 1.5)
    wanted = only or CONTENDERS
    contenders = [c for c in CONTENDERS if c in wanted and available(c)]
    with tempfile.TemporaryDirectory(prefix="twistio-dns-bench-") as tmp:
        zone_path = os.path.join(tmp, "zone.py")
        Path(zone_path).write_text(ZONE)
        servers = {c: start_server(c, zone_path) for c in contenders}
        rates: dict[str, list[float]] = {c: [] for c in contenders}
        cpus: dict[str, list[float]] = {c: [] for c in contenders}
        try:
            for r in range(rounds):
                order = contenders[:]
                random.shuffle(order)
                for c in order:
                    proc, port = servers[c]
                    res = load(proc.pid, port, seconds)
                    if res["bad"]:
                        raise RuntimeError(f"{c}: {res['bad']} answers were not NOERROR")
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
    contenders, rates, cpus, _, _ = run(
        quick, rounds or (3 if quick else 9), seconds or (0.4 if quick else 1.5)
    )
    out = []
    for c in contenders:
        out.append({
            "workload": f"authoritative A answers over UDP, {IN_FLIGHT} in flight",
            "contender": c,
            "unit": "answers/s",
            "samples": rates[c],
            "server_cpu": cpus[c],
        })
    for c in contenders:
        # What the server costs: steadier than the rate when the machine is shared or the
        # load generator, not the server, sets the pace.
        out.append({
            "workload": "authoritative A answers per second of server CPU",
            "contender": c,
            "unit": "answers/CPU-s",
            "samples": [r / u for r, u in zip(rates[c], cpus[c], strict=True) if u],
        })
    return out


def report(
    contenders: list[str],
    rates: dict[str, list[float]],
    cpus: dict[str, list[float]],
    rounds: int,
    seconds: float,
    json_path: str | None,
) -> None:
    med = {c: statistics.median(rates[c]) for c in contenders}
    print(f"\nAuthoritative DNS over UDP, {IN_FLIGHT} queries in flight; median of {rounds} "
          f"rounds of {seconds:g} s\n")
    # Answers per second of server CPU: what the server costs, steadier than the rate when
    # the machine is shared and the server does not get a whole core.
    per_cpu = {c: statistics.median(r / u for r, u in zip(rates[c], cpus[c], strict=True) if u)
               for c in contenders}
    print(f"{'contender':<18}{'answers/s':>12}{'server CPU':>12}{'answers/CPU-s':>15}")
    for c in contenders:
        print(f"{c:<18}{med[c]:>12,.0f}{statistics.median(cpus[c]):>12.0%}{per_cpu[c]:>15,.0f}")
    print()
    results = []
    for a, b, goal in (("twistio-asyncio", "twisted-default", 2.0),
                       ("twistio-uvloop", "twisted-default", None)):
        if a in med and b in med:
            per_round = statistics.median(x / y for x, y in zip(rates[a], rates[b], strict=True))
            ratio = med[a] / med[b]
            verdict = ""
            if goal is not None:
                verdict = f"  goal >= {goal:.2f}x: {'met' if per_round >= goal else 'NOT met'}"
            print(f"{a} / {b}: {ratio:.2f}x (per-round median {per_round:.2f}x; "
                  f"per CPU second {per_cpu[a] / per_cpu[b]:.2f}x){verdict}")
            results.append({"a": a, "b": b, "ratio": ratio, "per_round": per_round, "goal": goal})
    if json_path:
        Path(json_path).write_text(json.dumps({"rates": rates, "cpus": cpus, "ratios": results}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="three short rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    if args.generate:
        generate(int(args.generate[0]), float(args.generate[1]))
        return
    only = args.only.split(",") if args.only else None
    contenders, rates, cpus, rounds, seconds = run(args.quick, args.rounds, args.seconds, only)
    report(contenders, rates, cpus, rounds, seconds, args.json)


if __name__ == "__main__":
    main()
