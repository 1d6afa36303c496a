"""twistio's framing receivers against Twisted's and against bare loops, in one process.

    python -m benchmarks.lines [--quick] [--json PATH]

Contenders of one case run in alternating rounds, each round a fixed number of operations
(one operation: feeding a 256 KiB block, cut into chunks, to the receiver) calibrated so the
slowest contender takes about 30 ms. A round is timed with `time.thread_time_ns`, the garbage
collector is off inside a round, and each contender's score is its fastest round.

The bare loops are the references for "as fast as Python gets": `bytes.split` over the
buffered remainder plus the chunk, and `struct.unpack_from` at an offset. Like the receivers'
callbacks (which do nothing), they call a no-op function per line or message.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/lines.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BLOCK = 256 * 1024
LINE = b"x" * 62 + b"\r\n"  # 64 bytes on the wire
Runner = Callable[[int], None]  # feeds the block n times
#: Called with each line or message when checking; None when timing: the receivers'
#: callbacks and the bare loops' handler then do nothing (one Python call per item each).
OnItem = Callable[[bytes], None] | None


class _Transport:
    """What the receivers touch: ``disconnecting`` (an instance attribute, as on real
    transports once connected) and ``write``."""

    def __init__(self) -> None:
        self.disconnecting = False

    def write(self, data: bytes) -> None:
        pass

    def loseConnection(self) -> None:
        self.disconnecting = True


def _chunks(stream: bytes, size: int) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


def _feeder(receiver: Any, chunks: list[bytes]) -> Runner:
    receiver.makeConnection(_Transport())
    feed = receiver.dataReceived

    def run(n: int) -> None:
        for _ in range(n):
            for chunk in chunks:
                feed(chunk)

    return run


def _line_receiver(base: type, chunks: list[bytes], on_line: OnItem) -> Runner:
    if on_line is None:

        class Lines(base):  # type: ignore[misc,valid-type]
            def lineReceived(self, line: bytes) -> None:
                pass

    else:

        class Lines(base):  # type: ignore[misc,valid-type,no-redef]
            def lineReceived(self, line: bytes) -> None:
                on_line(line)

    return _feeder(Lines(), chunks)


def _string_receiver(base: type, chunks: list[bytes], on_string: OnItem) -> Runner:
    if on_string is None:

        class Strings(base):  # type: ignore[misc,valid-type]
            def stringReceived(self, string: bytes) -> None:
                pass

    else:

        class Strings(base):  # type: ignore[misc,valid-type,no-redef]
            def stringReceived(self, string: bytes) -> None:
                on_string(string)

    return _feeder(Strings(), chunks)


def _bare_split(chunks: list[bytes], on_line: OnItem) -> Runner:
    def run(n: int) -> None:
        handle = on_line or _noop
        rest = b""
        for _ in range(n):
            for chunk in chunks:
                lines = (rest + chunk).split(b"\r\n")
                rest = lines.pop()
                for line in lines:
                    handle(line)

    return run


def _bare_unpack(chunks: list[bytes], fmt: str, on_string: OnItem) -> Runner:
    unpack_from = struct.Struct(fmt).unpack_from
    size = struct.calcsize(fmt)

    def run(n: int) -> None:
        handle = on_string or _noop
        rest = b""
        for _ in range(n):
            for chunk in chunks:
                data = rest + chunk
                end = len(data)
                offset = 0
                while offset + size <= end:
                    start = offset + size
                    stop = start + unpack_from(data, offset)[0]
                    if stop > end:
                        break
                    handle(data[start:stop])
                    offset = stop
                rest = data[offset:]

    return run


def _noop(item: bytes) -> None:
    pass


@dataclass
class Contender:
    name: str
    make: Callable[[OnItem], Runner]


@dataclass
class Case:
    name: str
    unit: str
    items_per_op: int
    expected_item: bytes
    contenders: list[Contender]
    #: (contender, reference, goal): contender's rate / reference's rate must reach goal
    goals: list[tuple[str, str, float]] = field(default_factory=list)


def _cases() -> list[Case]:
    from twisted.protocols import basic as tw

    from twistio.protocols import basic as io

    cases = []
    line_stream = LINE * (BLOCK // len(LINE))
    for label, size in (("64 KiB chunks", 65536), ("1500-byte chunks", 1500)):
        chunks = _chunks(line_stream, size)
        cases.append(
            Case(
                f"64-byte lines, {label}",
                "lines/s",
                BLOCK // len(LINE),
                LINE[:-2],
                [
                    Contender(
                        "twistio LineReceiver",
                        lambda cb, c=chunks: _line_receiver(io.LineReceiver, c, cb),
                    ),
                    Contender(
                        "Twisted LineReceiver",
                        lambda cb, c=chunks: _line_receiver(tw.LineReceiver, c, cb),
                    ),
                    Contender(
                        "twistio LineOnlyReceiver",
                        lambda cb, c=chunks: _line_receiver(io.LineOnlyReceiver, c, cb),
                    ),
                    Contender(
                        "Twisted LineOnlyReceiver",
                        lambda cb, c=chunks: _line_receiver(tw.LineOnlyReceiver, c, cb),
                    ),
                    Contender("bare bytes.split loop", lambda cb, c=chunks: _bare_split(c, cb)),
                ],
                [
                    ("twistio LineReceiver", "Twisted LineReceiver", 5.0),
                    ("twistio LineOnlyReceiver", "bare bytes.split loop", 0.8),
                ]
                if size == 65536
                else [],
            )
        )
    for bits, fmt in ((32, "!I"), (16, "!H")):
        payload = b"x" * (64 - bits // 8)
        message = struct.pack(fmt, len(payload)) + payload
        stream = message * (BLOCK // len(message))
        for label, size in (("64 KiB chunks", 65536), ("1500-byte chunks", 1500)):
            chunks = _chunks(stream, size)
            ours = getattr(io, f"Int{bits}StringReceiver")
            theirs = getattr(tw, f"Int{bits}StringReceiver")
            cases.append(
                Case(
                    f"Int{bits} {len(message)}-byte messages, {label}",
                    "messages/s",
                    BLOCK // len(message),
                    payload,
                    [
                        Contender(
                            f"twistio Int{bits}StringReceiver",
                            lambda cb, c=chunks, b=ours: _string_receiver(b, c, cb),
                        ),
                        Contender(
                            f"Twisted Int{bits}StringReceiver",
                            lambda cb, c=chunks, b=theirs: _string_receiver(b, c, cb),
                        ),
                        Contender(
                            "bare unpack_from loop",
                            lambda cb, c=chunks, f=fmt: _bare_unpack(c, f, cb),
                        ),
                    ],
                    [(f"twistio Int{bits}StringReceiver", "bare unpack_from loop", 0.8)]
                    if size == 65536
                    else [],
                )
            )
    return cases


def _check(case: Case) -> None:
    """Each contender delivers exactly the expected items."""
    for contender in case.contenders:
        got: list[bytes] = []
        contender.make(got.append)(2)
        if len(got) != 2 * case.items_per_op or set(got) != {case.expected_item}:
            raise AssertionError(f"{case.name}: {contender.name} delivered {len(got)} items")


def _time_round(run: Runner, n: int) -> int:
    gc.collect()
    gc.disable()
    try:
        start = time.thread_time_ns()
        run(n)
        return time.thread_time_ns() - start
    finally:
        gc.enable()


def _calibrate(runners: list[Runner], target_ns: int) -> int:
    n = 1
    while True:
        slowest = max(_time_round(run, n) for run in runners)
        if slowest >= target_ns / 2 or n >= 1 << 16:
            return max(1, round(n * target_ns / max(slowest, 1)))
        n *= 2


@dataclass
class Result:
    case: Case
    rate: dict[str, float]  # items per second
    ops_per_round: int
    rounds: int
    per_round: dict[str, list[float]] = field(default_factory=dict)  # items/s of each round


def measure(case: Case, rounds: int, target_ns: int) -> Result:
    _check(case)
    runners = [c.make(None) for c in case.contenders]
    n = _calibrate(runners, target_ns)
    times: list[list[int]] = [[] for _ in runners]
    for _ in range(rounds):  # interleaved: A B C A B C ...
        for k, run in enumerate(runners):
            times[k].append(_time_round(run, n))
    per_round = {
        c.name: [n * case.items_per_op / (ns / 1e9) for ns in times[k]]
        for k, c in enumerate(case.contenders)
    }
    rate = {name: max(rates) for name, rates in per_round.items()}
    return Result(case, rate, n, rounds, per_round)


def records(
    quick: bool = False, rounds: int | None = None, smoke: bool = False
) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure, in items/s.

    Each receiver is its own workload, with contenders ``twistio``, ``twisted`` and ``raw``
    (the bare loop of its case).
    """
    rounds = rounds or (2 if smoke else 5 if quick else 15)
    target_ns = 1_000_000 if smoke else 20_000_000 if quick else 30_000_000
    out = []
    for case in _cases()[:1] if smoke else _cases():
        r = measure(case, rounds, target_ns)
        bare = [c.name for c in case.contenders if c.name.startswith("bare")]
        for c in case.contenders:
            if not c.name.startswith("twistio "):
                continue
            receiver = c.name[len("twistio ") :]
            workload = f"{receiver}, {case.name}"
            sources = {"twistio": c.name, "twisted": f"Twisted {receiver}"}
            if bare:
                sources["raw"] = bare[0]
            for contender, name in sources.items():
                out.append(
                    {
                        "workload": workload,
                        "contender": contender,
                        "unit": case.unit,
                        "samples": r.per_round[name],
                    }
                )
    return out


def _table(results: list[Result]) -> str:
    out = []
    for r in results:
        out.append(f"{r.case.name} ({r.ops_per_round} x 256 KiB per round)")
        for c in r.case.contenders:
            out.append(f"  {c.name:32} {r.rate[c.name] / 1e6:8.2f} M {r.case.unit}")
        for name, ref, goal in r.case.goals:
            ratio = r.rate[name] / r.rate[ref]
            verdict = "PASS" if ratio >= goal else "below"
            out.append(f"  -> {name} / {ref}: {ratio:.2f}x (goal {goal}x) {verdict}")
        twisted = [c.name for c in r.case.contenders if c.name.startswith("Twisted")]
        for name in twisted:
            ours = "twistio" + name[len("Twisted") :]
            if not any(ours == g[0] and name == g[1] for g in r.case.goals):
                out.append(f"  -> {ours} / {name}: {r.rate[ours] / r.rate[name]:.2f}x")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (< 20 s)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--only", metavar="TEXT", help="only cases whose name contains TEXT")
    args = parser.parse_args(argv)
    rounds, target_ns = (5, 20_000_000) if args.quick else (15, 30_000_000)
    import twisted

    import twistio

    print(
        f"Python {platform.python_version()}, twistio {twistio.__version__}, "
        f"Twisted {twisted.__version__}; best of {rounds} interleaved rounds of "
        f"~{target_ns // 1_000_000} ms CPU time each"
    )
    results = []
    for case in _cases():
        if args.only and args.only not in case.name:
            continue
        results.append(measure(case, rounds, target_ns))
        print(f"  measured: {case.name}", file=sys.stderr)
    print(_table(results))
    if args.json:
        payload = {
            "python": platform.python_version(),
            "rounds": rounds,
            "round_target_ns": target_ns,
            "results": [
                {
                    "case": r.case.name,
                    "unit": r.case.unit,
                    "rate": r.rate,
                    "ops_per_round": r.ops_per_round,
                    "goals": [
                        {"of": a, "against": b, "goal": g, "ratio": r.rate[a] / r.rate[b]}
                        for a, b, g in r.case.goals
                    ],
                }
                for r in results
            ],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
