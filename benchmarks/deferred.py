"""twistio's Deferred against Twisted's, side by side in one process.

    python -m benchmarks.deferred [--quick] [--json PATH]

Every case runs on both implementations in alternating rounds (twistio, Twisted, twistio, ...),
each round a fixed number of operations calibrated to about 30 ms. A round is timed with
`time.thread_time_ns` (CPU time of this thread, so other processes on a shared machine cost
little), the garbage collector is off inside a round and run between rounds, and each
implementation's score is its fastest round: noise only ever adds time.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/deferred.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Runner = Callable[[int], Any]  # runs n operations, returns something to check


@dataclass(frozen=True)
class Impl:
    name: str
    defer: ModuleType
    version: str


def _impls() -> list[Impl]:
    import twisted
    from twisted.internet import defer as twisted_defer

    import twistio
    from twistio.internet import defer as twistio_defer

    return [
        Impl("twistio", twistio_defer, twistio.__version__),
        Impl("Twisted", twisted_defer, twisted.__version__),
    ]


# --- cases: each takes a defer module and returns a runner of n operations ------------------


def create_callback_fire(defer: ModuleType) -> Runner:
    Deferred = defer.Deferred

    def cb(x: int) -> int:
        return x + 1

    def run(n: int) -> Any:
        out = []
        for _ in range(n):
            d = Deferred()
            d.addCallback(cb)
            d.callback(1)
            out = d.result
        return out

    return run


def chain_10(defer: ModuleType) -> Runner:
    Deferred = defer.Deferred

    def cb(x: int) -> int:
        return x + 1

    def run(n: int) -> Any:
        out = None
        for _ in range(n):
            d = Deferred()
            for _ in range(10):
                d.addCallback(cb)
            d.callback(0)
            out = d.result
        return out

    return run


def errback_5(defer: ModuleType) -> Runner:
    Deferred = defer.Deferred

    def eb(f: Any) -> Any:
        return f

    def handled(f: Any) -> str:
        return f.type.__name__

    def run(n: int) -> Any:
        out = None
        for _ in range(n):
            d = Deferred()
            for _ in range(5):
                d.addErrback(eb)
            d.addErrback(handled)  # so no unhandled error is logged
            d.errback(ValueError("boom"))
            out = d.result
        return out

    return run


def raise_and_trap(defer: ModuleType) -> Runner:
    Deferred = defer.Deferred

    def cb(x: int) -> int:
        raise ValueError(x)

    def trap(f: Any) -> str:
        return f.trap(ValueError).__name__

    def run(n: int) -> Any:
        out = None
        for _ in range(n):
            d = Deferred()
            d.addCallback(cb)
            d.addErrback(trap)
            d.callback(1)
            out = d.result
        return out

    return run


def returned_deferred(defer: ModuleType) -> Runner:
    Deferred = defer.Deferred

    def run(n: int) -> Any:
        out = None
        for _ in range(n):
            inner = Deferred()
            outer = Deferred()
            outer.addCallback(lambda _: inner)
            outer.callback(1)
            inner.callback(2)
            out = outer.result
        return out

    return run


def inline_100(defer: ModuleType) -> Runner:
    succeed = defer.succeed

    @defer.inlineCallbacks
    def gen() -> Iterator[Any]:
        total = 0
        for i in range(100):
            total += yield succeed(i)
        return total

    def run(n: int) -> Any:
        out = None
        for _ in range(n):
            out = gen().result
        return out

    return run


def ensure_100(defer: ModuleType) -> Runner:
    succeed = defer.succeed
    ensureDeferred = defer.ensureDeferred

    async def body() -> int:
        total = 0
        for i in range(100):
            total += await succeed(i)
        return total

    def run(n: int) -> Any:
        out = None
        for _ in range(n):
            out = ensureDeferred(body()).result
        return out

    return run


def gather_10(defer: ModuleType) -> Runner:
    succeed = defer.succeed
    gatherResults = defer.gatherResults

    def run(n: int) -> Any:
        out = None
        for _ in range(n):
            out = gatherResults([succeed(i) for i in range(10)]).result
        return out

    return run


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[ModuleType], Runner]
    expected: Any
    goal: float


CASES = [
    Case("create + one callback + fire", create_callback_fire, 2, 1.5),
    Case("10-callback chain", chain_10, 10, 1.5),
    Case("errback through 5 errbacks", errback_5, "ValueError", 1.5),
    Case("raise in callback, trap later", raise_and_trap, "ValueError", 1.5),
    Case("callback returns Deferred fired later", returned_deferred, 2, 1.15),
    Case("inlineCallbacks over 100 fired", inline_100, 4950, 2.5),
    Case("ensureDeferred awaiting 100 fired", ensure_100, 4950, 1.1),
    Case("gatherResults of 10 fired", gather_10, list(range(10)), 1.5),
]


# --- measuring ------------------------------------------------------------------------------


def _time_round(run: Runner, n: int) -> int:
    """CPU nanoseconds of this thread for n operations, with the collector held off."""
    gc.collect()
    gc.disable()
    try:
        start = time.thread_time_ns()
        run(n)
        return time.thread_time_ns() - start
    finally:
        gc.enable()


def _calibrate(runners: list[Runner], target_ns: int) -> int:
    """Operations per round so that the slowest runner takes about target_ns."""
    n = 1
    while True:
        slowest = max(_time_round(r, n) for r in runners)
        if slowest >= 5_000_000 or n >= 1 << 24:
            return max(1, int(n * target_ns / max(slowest, 1)))
        n *= 4


@dataclass
class Result:
    case: str
    ns_per_op: dict[str, float]
    speedup: float
    goal: float
    ops_per_round: int
    rounds: int
    #: CPU nanoseconds of every round, per implementation
    round_ns: dict[str, list[int]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.speedup >= self.goal


def measure(case: Case, impls: list[Impl], rounds: int, target_ns: int) -> Result:
    runners = [case.make(impl.defer) for impl in impls]
    for impl, run in zip(impls, runners, strict=True):
        got = run(1)
        if got != case.expected:
            raise AssertionError(f"{case.name} on {impl.name}: {got!r} != {case.expected!r}")
    n = _calibrate(runners, target_ns)
    times: list[list[int]] = [[] for _ in runners]
    for _ in range(rounds):  # interleaved: A B A B ...
        for k, run in enumerate(runners):
            times[k].append(_time_round(run, n))
    per_op = {impl.name: min(times[k]) / n for k, impl in enumerate(impls)}
    speedup = per_op["Twisted"] / per_op["twistio"]
    round_ns = {impl.name: times[k] for k, impl in enumerate(impls)}
    return Result(case.name, per_op, speedup, case.goal, n, rounds, round_ns)


def records(
    quick: bool = False, rounds: int | None = None, smoke: bool = False
) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure, in ops/s.

    ``smoke`` runs one case with tiny rounds, for the test that the suite works end to end.
    """
    rounds = rounds or (2 if smoke else 7 if quick else 20)
    target_ns = 1_000_000 if smoke else 20_000_000 if quick else 30_000_000
    impls = _impls()
    out = []
    for case in CASES[:1] if smoke else CASES:
        r = measure(case, impls, rounds, target_ns)
        for impl in impls:
            out.append(
                {
                    "workload": case.name,
                    "contender": impl.name.lower(),
                    "unit": "ops/s",
                    "samples": [r.ops_per_round * 1e9 / ns for ns in r.round_ns[impl.name]],
                }
            )
    return out


def _table(results: list[Result]) -> str:
    head = (
        f"{'case':40} {'twistio ns/op':>14} {'Twisted ns/op':>14} {'speedup':>8} "
        f"{'goal':>6}  verdict"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.case:40} {r.ns_per_op['twistio']:14.1f} {r.ns_per_op['Twisted']:14.1f} "
            f"{r.speedup:7.2f}x {r.goal:5.2f}x  {'PASS' if r.passed else 'below'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (< 20 s)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--only", metavar="TEXT", help="only cases whose name contains TEXT")
    args = parser.parse_args(argv)

    rounds, target_ns = (7, 20_000_000) if args.quick else (20, 30_000_000)
    impls = _impls()
    cases = [c for c in CASES if not args.only or args.only in c.name]
    print(
        f"Python {platform.python_version()}, "
        + ", ".join(f"{i.name} {i.version}" for i in impls)
        + f"; best of {rounds} interleaved rounds of ~{target_ns // 1_000_000} ms CPU time each"
    )
    results = []
    for case in cases:
        results.append(measure(case, impls, rounds, target_ns))
        print(f"  measured: {case.name}", file=sys.stderr)
    print(_table(results))
    if args.json:
        payload = {
            "python": platform.python_version(),
            "versions": {i.name: i.version for i in impls},
            "rounds": rounds,
            "round_target_ns": target_ns,
            "results": [
                {
                    "case": r.case,
                    "ns_per_op": r.ns_per_op,
                    "speedup": r.speedup,
                    "goal": r.goal,
                    "passed": r.passed,
                    "ops_per_round": r.ops_per_round,
                }
                for r in results
            ],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
