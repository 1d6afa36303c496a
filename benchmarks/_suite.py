"""The whole benchmark suite: run the per-feature benchmarks, summarise, write JSON and a chart.

``python -m benchmarks [names...] [--quick] [--output DIR]`` (see benchmarks/README.md). Each
benchmark module offers ``records(quick=..., ...)`` returning raw figures, one dict per
(workload, contender): ``samples`` (one figure per interleaved round, warm-up excluded),
``unit``, optionally ``higher_is_better`` (default true) and ``server_cpu`` (the server's CPU
share in each round, for benchmarks with a separate load generator). Every benchmark runs in a
child process of its own with a hard time limit; its server and load-generator processes are
in that child's process group and go with it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import _machine

ROOT = Path(__file__).resolve().parent.parent

# name -> (module, what it measures)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "deferred": ("benchmarks.deferred", "Deferred micro-operations, in-process CPU time"),
    "lines": ("benchmarks.lines", "LineReceiver / IntNStringReceiver framing, in-process"),
    "echo": ("benchmarks.echo", "TCP echo ping-pong and bulk stream, separate processes"),
    "mail": ("benchmarks.mail", "SMTP, POP3 and IMAP4 server sessions, in-process CPU time"),
    "udp": ("benchmarks.udp", "UDP echo datagrams per second, separate processes"),
    "dns": ("benchmarks.dns", "authoritative DNS answers per second over UDP, separate processes"),
    "http": ("benchmarks.http_server", "HTTP hello-world server, keep-alive and close, wrk"),
    "static": ("benchmarks.static", "1 MiB static file over HTTP, wrk"),
    "client": ("benchmarks.http_client", "HTTP client requests per second"),
    "idle": ("benchmarks.idle", "server memory per idle TCP connection"),
    "ssh": ("benchmarks.ssh", "SSH channel throughput (MB/s), twistio.conch vs Twisted Conch, OpenSSH client"),
    "idle_tls": ("benchmarks.idle_tls", "server memory per idle TLS connection, before/after handshake"),
    "tls": ("benchmarks.tls", "TLS echo: server CPU per request and per MiB, separate processes"),
    "redis": ("benchmarks.redis_scale", "chat fan-out over 2 workers through Redis; session requests, Redis vs in-memory"),
}
# Hard limits (seconds) on one benchmark's child process.
LIMIT_QUICK, LIMIT_FULL, LIMIT_SMOKE = 75, 1200, 60
#: Below this server CPU share, the server was not the bottleneck: the load generator was
#: (or other work on the machine), and the figure understates the server.
SERVER_BOUND = 0.8
# Reference contenders for the ratios, first present wins.
RAW_REFS = ["raw-asyncio", "raw"]
TWISTED_REFS = ["twisted-default", "twisted"]


# ------------------------------------------------------------------------ running


def child(name: str, quick: bool, smoke: bool, out: str) -> None:
    """In the child process: run one benchmark's ``records`` and write them to ``out``."""
    module = importlib.import_module(BENCHMARKS[name][0])
    kwargs: dict[str, Any] = {"quick": quick}
    if smoke:
        if "smoke" not in inspect.signature(module.records).parameters:
            raise SystemExit(f"{name} has no smoke mode")
        kwargs["smoke"] = True
    records = module.records(**kwargs)
    Path(out).write_text(json.dumps(records))


def run_one(name: str, quick: bool, smoke: bool) -> dict[str, Any]:
    """Run benchmark ``name`` in a child process with a hard time limit."""
    module = BENCHMARKS[name][0]
    if importlib.util.find_spec(module) is None:
        return {"status": "skipped", "reason": f"{module} does not exist", "records": []}
    if not hasattr(importlib.import_module(module), "records"):
        return {"status": "skipped", "reason": f"{module} has no records()", "records": []}
    limit = LIMIT_SMOKE if smoke else LIMIT_QUICK if quick else LIMIT_FULL
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="twistio-bench-") as tmp:
        out = os.path.join(tmp, "records.json")
        cmd = [sys.executable, "-m", "benchmarks._suite", "--child", name, "--out", out]
        cmd += ["--quick"] if quick else []
        cmd += ["--smoke"] if smoke else []
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group of the child we started
            proc.communicate()
            return {
                "status": "timeout",
                "reason": f"over {limit} s",
                "records": [],
                "seconds": time.perf_counter() - began,
            }
        finally:
            try:  # leftovers of the child (servers, generators) share its process group
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        seconds = time.perf_counter() - began
        if proc.returncode or not os.path.exists(out):
            return {
                "status": "failed",
                "reason": err.strip()[-2000:],
                "records": [],
                "seconds": seconds,
            }
        records = json.loads(Path(out).read_text())
    return {"status": "ok", "records": summarise(records), "seconds": seconds}


def summarise(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add median, min, max, ratios to the references and the generator-limited mark."""
    by_workload: dict[str, dict[str, dict[str, Any]]] = {}
    for r in records:
        r.setdefault("higher_is_better", True)
        samples = r["samples"]
        r["median"] = statistics.median(samples)
        r["min"], r["max"] = min(samples), max(samples)
        if r.get("server_cpu"):
            r["server_cpu_median"] = statistics.median(r["server_cpu"])
            r["generator_limited"] = r["server_cpu_median"] < SERVER_BOUND
        by_workload.setdefault(r["workload"], {})[r["contender"]] = r
    for contenders in by_workload.values():
        refs = {
            "vs_raw_asyncio": next((contenders[c] for c in RAW_REFS if c in contenders), None),
            "vs_twisted": next((contenders[c] for c in TWISTED_REFS if c in contenders), None),
        }
        # The generator's ceiling: the best any server got out of it (it can do at least that).
        cpu = [r for r in contenders.values() if "server_cpu_median" in r]
        if cpu:
            best = max(cpu, key=lambda r: r["median"])
            for r in cpu:
                r["generator_ceiling"] = {
                    "at_least": best["median"],
                    "from": best["contender"],
                    "server_cpu": best["server_cpu_median"],
                }
        for r in contenders.values():
            for key, ref in refs.items():
                if ref is None or not ref["median"] or not r["median"]:
                    r[key] = None
                elif r["higher_is_better"]:
                    r[key] = r["median"] / ref["median"]
                else:  # lower is better (memory): the ratio says how many times less
                    r[key] = ref["median"] / r["median"]
    return records


# ------------------------------------------------------------------------ reporting


def _num(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _ratio(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}x"


def table(results: dict[str, dict[str, Any]]) -> str:
    """The Markdown table: one row per (benchmark, workload, contender)."""
    lines = [
        "| benchmark | workload | contender | median | min-max | unit | vs raw asyncio "
        "| vs Twisted | server CPU |",
        "|---|---|---|---:|---:|---|---:|---:|---:|",
    ]
    notes = []
    for name, res in results.items():
        if res["status"] != "ok":
            reason = (res.get("reason") or "").strip().splitlines() or [""]
            lines.append(f"| {name} | {res['status']}: {reason[-1][:120]} | | | | | | | |")
            continue
        seen: set[str] = set()
        for r in res["records"]:
            mark = " (g)" if r.get("generator_limited") else ""
            unit = r["unit"] + ("" if r["higher_is_better"] else ", lower is better")
            cpu = f"{r['server_cpu_median']:.0%}" if "server_cpu_median" in r else ""
            lines.append(
                f"| {name} | {r['workload']} | {r['contender']} | {_num(r['median'])}{mark} "
                f"| {_num(r['min'])}-{_num(r['max'])} | {unit} | {_ratio(r['vs_raw_asyncio'])} "
                f"| {_ratio(r['vs_twisted'])} | {cpu} |"
            )
            ceiling = r.get("generator_ceiling")
            if ceiling and r["workload"] not in seen:
                seen.add(r["workload"])
                notes.append(
                    f"- {name}, {r['workload']}: the load generator delivers at least "
                    f"{_num(ceiling['at_least'])} {r['unit']} (its best, against "
                    f"{ceiling['from']}, whose server CPU was {ceiling['server_cpu']:.0%})"
                )
    out = "\n".join(lines)
    out += (
        "\n\nRatios compare medians; above 1x is better than the reference (for memory: less "
        "memory). Raw asyncio is a bare `asyncio.Protocol` on the default loop (for the "
        "in-process benchmarks, the bare loop that does the same work); Twisted is its default "
        f"reactor. (g): the server's median CPU share was under {SERVER_BOUND:.0%}, so it was "
        "not the bottleneck: the load generator (or other work on the machine) limited the "
        "figure.\n"
    )
    if notes:
        out += "\nLoad generator ceilings (the fastest any server made it go):\n\n"
        out += "\n".join(notes) + "\n"
    return out


def write_chart(results: dict[str, dict[str, Any]], path: Path) -> bool:
    """A PNG of twistio's ratios to Twisted and to raw asyncio; False without matplotlib."""
    try:
        from benchmarks import _chart
    except ImportError:
        return False
    return _chart.draw(results, path)


# ------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark twistio against raw asyncio, uvloop, Twisted and aiohttp.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="name",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--quick", action="store_true", help="short rounds, under 2 minutes")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny run, for tests (default: deferred; also lines, client)",
    )
    parser.add_argument("--output", default="bench-results", help="directory for JSON and PNG")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.quick, args.smoke, args.out)
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    names = args.names or (["deferred"] if args.smoke else list(BENCHMARKS))

    machine = _machine.describe()
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    print(f"# twistio benchmarks ({mode}), {machine['date']}", file=sys.stderr)
    results: dict[str, dict[str, Any]] = {}
    began = time.perf_counter()
    for name in names:
        print(f"running {name}: {BENCHMARKS[name][1]} ...", file=sys.stderr, flush=True)
        results[name] = run_one(name, args.quick, args.smoke)
        res = results[name]
        took = f" in {res['seconds']:.0f} s" if "seconds" in res else ""
        why = f" ({res['reason'][-600:]})" if res.get("reason") else ""
        print(f"  {name}: {res['status']}{took}{why}", file=sys.stderr, flush=True)
    total = time.perf_counter() - began

    out_dir = Path(args.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = machine["date"].replace(":", "").replace("+0000", "Z")[:17]
    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    text = table(results)
    header = (
        f"twistio benchmarks, {mode} mode, {machine['date']}, `{command.strip()}`; "
        f"{machine['cpu']}, {machine['cores']} cores, {machine['python']}; "
        f"{total:.0f} s in all\n\n"
    )
    print(header + text)
    payload = {
        "command": command.strip(),
        "mode": mode,
        "seconds": total,
        "machine": machine,
        "server_bound_threshold": SERVER_BOUND,
        "benchmarks": results,
    }
    json_path = out_dir / f"results-{stamp}.json"
    json_path.write_text(json.dumps(payload, indent=2) + "\n")
    (out_dir / "latest.json").write_text(json.dumps(payload, indent=2) + "\n")
    (out_dir / "latest.md").write_text(header + text)
    written = [str(json_path), str(out_dir / "latest.json"), str(out_dir / "latest.md")]
    png = out_dir / "latest.png"
    if write_chart(results, png):
        written.append(str(png))
    else:
        print("no chart: matplotlib is not installed (pip install '.[bench]')", file=sys.stderr)
    print("wrote " + ", ".join(written), file=sys.stderr)
    failed = [n for n, r in results.items() if r["status"] in ("failed", "timeout")]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
