"""Server instructions per HTTP request, counted by valgrind's callgrind: a noise-free figure.

    python -m benchmarks.http_cost                        # every contender, 3 shapes
    python -m benchmarks.http_cost --only twistio-asyncio-nolog,raw-asyncio --shapes 1,3
    TWISTIO_BASELINE=/path/to/other/checkout python -m benchmarks.http_cost --only \\
        twistio-asyncio-nolog,twistio-baseline-nolog

On a shared machine requests per second, and even CPU-seconds per request, move by 10-30%
with what else runs; the number of instructions the server executes per request does not.
Each contender of ``benchmarks/_http_servers.py`` runs under ``valgrind --tool=callgrind``
twice per shape, once answering ``--small`` requests and once ``--large`` (after the same
warm-up), each run ended with SIGTERM; the figure is the difference of the two totals over
the difference of the request counts, so start-up, warm-up and shutdown cancel out; the
median of ``--repeat`` such pairs (3) is kept, since a full garbage collection now and then
falls in one run of a pair only. The client (this process, not counted) keeps ``--conns``
connections busy, one request in flight on each, as wrk does, and checks every response.
Slow (callgrind runs the server about 50x slower): about three minutes per contender and
shape. Needs valgrind.

Shapes: 1 keep-alive with wrk's bare request, 2 keep-alive with the 9 browser headers of
``http_server.py``, 3 one request per connection (``Connection: close``), bare.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/http_cost.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._http_servers import CONTENDERS
from benchmarks.http_server import BROWSER_HEADERS, Server, available

_BARE = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
_HEADERS = "".join(h + "\r\n" for h in BROWSER_HEADERS).encode()
SHAPES: list[tuple[str, bytes, bool]] = [
    ("keep-alive, bare", _BARE + b"\r\n", False),
    ("keep-alive, 9 headers", _BARE + _HEADERS + b"\r\n", False),
    ("close, bare", _BARE + b"Connection: close\r\n\r\n", True),
]
_BODY = b"Hello, world!"


async def _drive(port: int, request: bytes, close: bool, total: int, conns: int) -> None:
    """``total`` requests over ``conns`` lanes; every response must end in the body."""
    left = [total]

    async def lane() -> None:
        reader = writer = None
        try:
            while left[0] > 0:
                left[0] -= 1
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                assert reader is not None
                writer.write(request)
                if close:
                    data = await asyncio.wait_for(reader.read(), 60)
                    writer.close()
                    writer = None
                else:
                    data = await asyncio.wait_for(reader.readuntil(_BODY), 60)
                if not data.endswith(_BODY) or b" 200 " not in data[:16]:
                    raise RuntimeError(f"unexpected response {data[:200]!r}")
        finally:
            if writer is not None:
                writer.close()

    await asyncio.gather(*(lane() for _ in range(conns)))


def _run_server(
    contender: str, shape: tuple[str, bytes, bool], n: int, args: argparse.Namespace, tmp: Path
) -> int:
    """Instructions the server executed for warm-up plus ``n`` requests (start-up included)."""
    out = tmp / f"cg.{contender}.{n}"
    server = Server(contender, tmp, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"])
    try:
        _, request, close = shape
        asyncio.run(_drive(server.port, request, close, args.warmup + n, args.conns))
        time.sleep(0.5)  # let the server see the last connections close
    finally:
        server.stop(timeout=120)  # SIGTERM: callgrind writes its totals as the server exits
    text = out.read_text(errors="replace")
    m = re.search(r"^summary:\s*(\d+)", text, re.M) or re.search(r"^totals:\s*(\d+)", text, re.M)
    if m is None:
        raise RuntimeError(f"no totals in {out}")
    return int(m.group(1))


def measure(contender: str, shape: tuple[str, bytes, bool], args: argparse.Namespace) -> float:
    """The median over ``--repeat`` pairs of runs: a full collection of the cyclic garbage
    collector (its cost grows with everything the server has imported) falls in one run of
    a pair and not the other now and then, moving a single difference by tens of thousands
    of instructions per request."""
    requests: int = args.large - args.small
    figures = []
    with tempfile.TemporaryDirectory(prefix="twistio-http-cost-") as tmp:
        for _ in range(args.repeat):
            small = _run_server(contender, shape, args.small, args, Path(tmp))
            large = _run_server(contender, shape, args.large, args, Path(tmp))
            figures.append((large - small) / requests)
    if len(figures) > 1:
        print(f"  {contender}, {shape[0]}: " + ", ".join(f"{f:,.0f}" for f in figures), file=sys.stderr)
    return statistics.median(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated contenders (default: the -nolog ones)")
    parser.add_argument("--shapes", default="1,2,3", help="comma-separated shape numbers 1-3")
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=2500)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--conns", type=int, default=16)
    parser.add_argument(
        "--repeat", type=int, default=3, help="pairs of runs per figure (the median is kept)"
    )
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit(
            "benchmarks/http_cost.py needs valgrind (Debian: apt-get install valgrind)"
        )
    wanted = (
        args.only.split(",")
        if args.only
        else [c for c in CONTENDERS if c.endswith("-nolog") or c == "raw-asyncio"]
    )
    contenders = []
    for c in wanted:
        if c not in CONTENDERS:
            raise SystemExit(f"unknown contender {c!r}; known: {', '.join(CONTENDERS)}")
        why = available(c)
        if why:
            print(f"skipping {c}: {why}", file=sys.stderr)
        else:
            contenders.append(c)
    shapes = [SHAPES[int(i) - 1] for i in args.shapes.split(",")]
    results: dict[tuple[str, str], float] = {}
    for shape in shapes:
        for c in contenders:
            results[c, shape[0]] = measure(c, shape, args)
            print(
                f"{c:<26}{shape[0]:<24}{results[c, shape[0]]:>12,.0f} instructions/request",
                file=sys.stderr,
                flush=True,
            )
    print(
        f"\nserver instructions per request (callgrind; {args.large} - {args.small} requests, "
        f"{args.conns} connections)\n"
    )
    print(f"{'contender':<26}" + "".join(f"{s[0]:>24}" for s in shapes))
    for c in contenders:
        print(f"{c:<26}" + "".join(f"{results[c, s[0]]:>24,.0f}" for s in shapes))


if __name__ == "__main__":
    main()
