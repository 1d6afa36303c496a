"""Memory per idle connection: 10,000 TCP connections held open against each echo server.

    python -m benchmarks.idle                 # 10,000 connections, 3 rounds
    python -m benchmarks.idle --quick         # 2,000 connections, 2 rounds
    python -m benchmarks.idle --conns 5000
    python -m benchmarks.idle --traced --quick   # also the Python heap per connection (tracemalloc)
    TWISTIO_BASELINE=/other/checkout python -m benchmarks.idle --traced --quick \
        --only raw-asyncio,twistio-asyncio,twistio-baseline-asyncio

Each contender is an echo server (raw ``asyncio.Protocol`` on the default loop and on uvloop,
twistio's ``listenTCP`` with a Twisted-style ``Protocol`` on both loops, Twisted's default
reactor) in its own process pinned to core 0 on 127.0.0.1, listening with a backlog of 4096.
A client process on core 1, its ``RLIMIT_NOFILE`` raised (as is the server's), opens 100
connections (the warm-up: whatever the first connections allocate once), then the rest; the
driver waits, bounded in time, until the server holds them all (counting its open file
descriptors in ``/proc``), and reads the server's resident set size at both points. The figure is
(RSS with N connections - RSS with 100) / (N - 100), in bytes: lower is better. The client
then resets every connection (``SO_LINGER`` 0, so no TIME_WAIT is left behind). Linux only.

RSS moves with the allocator's arenas and whatever else the machine does; ``--traced`` also
runs each server under ``tracemalloc`` and counts the Python heap per connection the same way
(traced bytes at N - at 100, over N - 100, after a full collection, asked until it settles),
which repeats to within a few bytes from run to run. The servers' own code is unchanged by it.
``twistio-web-asyncio`` (with ``--traced``, or named in ``--only``) is twistio.web's ``Site``
holding idle HTTP connections; ``twistio-baseline-asyncio`` runs the twistio found at
``$TWISTIO_BASELINE`` (another checkout), for before/after figures in one run.

With ``--tls`` (``python -m benchmarks idle_tls``) the servers speak TLS (the same
throwaway certificate for all, made with the ``openssl`` command) and the figures are taken
twice: with the connections open but not yet handshaken ("before handshake": the client sends
nothing), and handshaken ("after handshake"); each also reports what stays per connection once
the client has closed them all ("kept after close": RSS after the server has closed them, less
RSS at the warm-up point, over N).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import pin

ROOT = Path(__file__).resolve().parent.parent
CONTENDERS = ["raw-asyncio", "twistio-asyncio", "raw-uvloop", "twistio-uvloop", "twisted-default"]
SERVER_CPU, CLIENT_CPU = 0, 1
WARM = 100
BACKLOG = 4096


def _raise_nofile(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 256
    if soft >= want:
        return
    if hard != resource.RLIM_INFINITY and hard < want:
        try:  # root may raise the hard limit too
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def _report_traced(signum: int, frame: object) -> None:
    """SIGUSR1 with ``--traced``: one line on stdout, the bytes tracemalloc counts as live
    (after a full collection)."""
    import gc
    import tracemalloc

    gc.collect()
    sys.stdout.write(f"{tracemalloc.get_traced_memory()[0]}\n")
    sys.stdout.flush()


def serve(contender: str, conns: int, tls: str | None = None, traced: bool = False) -> None:
    """An echo server on 127.0.0.1 (TLS with the key and certificate in directory ``tls``):
    prints its port, serves until SIGTERM. With ``traced``, tracemalloc runs and SIGUSR1
    prints the traced total (see ``_report_traced``)."""
    pin(SERVER_CPU)
    _raise_nofile(conns)
    if traced:
        import signal
        import tracemalloc

        tracemalloc.start()
        signal.signal(signal.SIGUSR1, _report_traced)
    kind, _, loop_name = contender.partition("-")
    if loop_name.startswith("baseline"):  # twistio from another checkout
        sys.path.insert(0, os.environ["TWISTIO_BASELINE"])
    if contender == "twistio-web-asyncio":
        _serve_web()
        return
    cert = key = ""
    if tls:
        cert, key = os.path.join(tls, "cert.pem"), os.path.join(tls, "key.pem")
    if kind == "raw":
        import asyncio
        import signal

        class Echo(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                self.transport = transport

            def data_received(self, data: bytes) -> None:
                self.transport.write(data)

        if loop_name == "uvloop":
            import uvloop

            loop = uvloop.new_event_loop()
        else:
            loop = asyncio.new_event_loop()
        context = None
        if tls:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
        server = loop.run_until_complete(
            loop.create_server(Echo, "127.0.0.1", 0, backlog=BACKLOG, ssl=context)
        )
        print(server.sockets[0].getsockname()[1], flush=True)
        loop.add_signal_handler(signal.SIGTERM, loop.stop)
        loop.run_forever()
        return
    if kind == "twistio":
        if loop_name == "uvloop":
            import asyncio

            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        from twistio.internet import protocol, reactor
        from twistio.internet import ssl as tls_options
    else:
        from twisted.internet import protocol, reactor  # type: ignore[no-redef]
        from twisted.internet import ssl as tls_options  # type: ignore[no-redef]

    class TEcho(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    factory = protocol.Factory.forProtocol(TEcho)
    factory.noisy = False
    r: Any = reactor
    if tls:
        options = tls_options.DefaultOpenSSLContextFactory(key, cert)
        port = r.listenSSL(0, factory, options, backlog=BACKLOG, interface="127.0.0.1")
    else:
        port = r.listenTCP(0, factory, backlog=BACKLOG, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    r.run()


def _serve_web() -> None:
    """twistio.web's ``Site`` (one leaf resource) on the default loop: an idle HTTP/1.1
    connection, its channel and timers (Site's 60 s idle timeout) included."""
    from twistio.internet import reactor
    from twistio.web import resource, server

    class Hello(resource.Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            return b"Hello, world!"

    r: Any = reactor
    port = r.listenTCP(0, server.Site(Hello()), backlog=BACKLOG, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    r.run()


def client(port: int, conns: int, handshake: bool = False) -> None:
    """Open WARM connections, say ``warm``; on ``go`` open the rest, say ``done``; on EOF, reset.

    With ``handshake``, each connection completes a TLS handshake (no verification)."""
    pin(CLIENT_CPU)
    _raise_nofile(conns)
    socks: list[Any] = []
    context: Any = None
    if handshake:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

    def open_some(n: int) -> None:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            if context is not None:
                s = context.wrap_socket(s)
            socks.append(s)

    open_some(WARM)
    print("warm", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    open_some(conns - WARM)
    print("done", flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()


def _status(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/PID/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for {pid}")


def _wait_fds(pid: int, count: int, timeout: float) -> None:
    """Wait until process ``pid`` has at least ``count`` open file descriptors."""
    deadline = time.monotonic() + timeout
    while len(os.listdir(f"/proc/{pid}/fd")) < count:
        if time.monotonic() > deadline:
            have = len(os.listdir(f"/proc/{pid}/fd"))
            raise RuntimeError(f"server holds {have} descriptors, not {count}, after {timeout}s")
        time.sleep(0.02)


def _traced(server: subprocess.Popen[str]) -> int:
    """The traced total a ``--traced`` server reports on SIGUSR1, once it has settled: the
    server may still be setting up connections it has accepted (their descriptors are
    counted already), so it is asked again every 0.3 s until two answers agree within
    400 bytes (at most 30 times)."""
    import signal

    assert server.stdout is not None
    last = None
    for _ in range(30):
        server.send_signal(signal.SIGUSR1)
        now = int(server.stdout.readline())
        if last is not None and abs(now - last) < 4 * 100:
            return now
        last = now
        time.sleep(0.3)
    raise RuntimeError("the server's traced memory did not settle")


def measure(
    contender: str,
    conns: int,
    tls: str | None = None,
    handshake: bool = False,
    traced: bool = False,
) -> dict[str, float]:
    """One run: bytes of server RSS per idle connection, the peak RSS, and (``kept``) the
    bytes per connection still held once they are all closed. With ``traced``, the server
    runs tracemalloc and ``traced`` is the Python heap per connection it counts."""
    extra = ["--tls", tls] if tls else []
    if traced:
        extra.append("--traced")
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.idle", "--serve", contender, "--conns", str(conns),
         *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    cl: subprocess.Popen[str] | None = None
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        base = len(os.listdir(f"/proc/{server.pid}/fd"))
        cl = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.idle", "--client", str(port), "--conns", str(conns),
             *(["--handshake"] if handshake else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert cl.stdout is not None and cl.stdin is not None
        if cl.stdout.readline().strip() != "warm":
            raise RuntimeError(cl.stderr.read() if cl.stderr else "client failed")
        _wait_fds(server.pid, base + WARM, 10)
        time.sleep(0.1)
        rss_warm = _status(server.pid, "VmRSS")
        traced_warm = _traced(server) if traced else 0
        cl.stdin.write("go\n")
        cl.stdin.flush()
        if cl.stdout.readline().strip() != "done":
            raise RuntimeError(cl.stderr.read() if cl.stderr else "client failed")
        _wait_fds(server.pid, base + conns, 60)
        time.sleep(0.2)
        rss = _status(server.pid, "VmRSS")
        peak = _status(server.pid, "VmHWM")
        traced_n = _traced(server) if traced else 0
        cl.stdin.close()
        cl.wait(timeout=30)
        _wait_fds_below(server.pid, base + 10, 30)
        time.sleep(0.2)
        rss_closed = _status(server.pid, "VmRSS")
    finally:
        for proc in (cl, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
    return {
        "per_conn": (rss - rss_warm) / (conns - WARM),
        "kept": (rss_closed - rss_warm) / (conns - WARM),
        "rss": rss,
        "peak_rss": peak,
        "traced": (traced_n - traced_warm) / (conns - WARM),
    }


def _wait_fds_below(pid: int, count: int, timeout: float) -> None:
    """Wait until process ``pid`` has fewer than ``count`` open file descriptors."""
    deadline = time.monotonic() + timeout
    while len(os.listdir(f"/proc/{pid}/fd")) >= count:
        if time.monotonic() > deadline:
            have = len(os.listdir(f"/proc/{pid}/fd"))
            raise RuntimeError(f"server holds {have} descriptors after {timeout}s, not < {count}")
        time.sleep(0.02)


def available(contender: str, tls: bool = False) -> bool:
    try:
        if "uvloop" in contender:
            import uvloop  # noqa: F401
        if contender.startswith("twisted"):
            import twisted  # noqa: F401

            if tls:
                import OpenSSL  # noqa: F401
    except ImportError:
        return False
    return sys.platform.startswith("linux")


def _make_certificate(directory: str) -> None:
    """A throwaway self-signed certificate (P-256) with the ``openssl`` command."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", os.path.join(directory, "key.pem"),
         "-out", os.path.join(directory, "cert.pem"), "-days", "2", "-subj", "/CN=localhost"],
        check=True, capture_output=True,
    )


def run_tls(
    quick: bool = False, rounds: int | None = None, conns: int | None = None
) -> tuple[list[str], dict[tuple[str, bool], list[dict[str, float]]], int]:
    """TLS servers: each contender measured before and after the handshake, interleaved."""
    import shutil
    import tempfile

    rounds = rounds or (1 if quick else 3)
    conns = conns or (1000 if quick else 5000)
    if shutil.which("openssl") is None:
        return [], {}, conns
    contenders = [c for c in CONTENDERS if available(c, tls=True)]
    results: dict[tuple[str, bool], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="twistio-idle-tls-") as certs:
        _make_certificate(certs)
        for r in range(rounds):
            order = [(c, h) for c in contenders for h in (False, True)]
            random.shuffle(order)
            for c, h in order:
                try:
                    results.setdefault((c, h), []).append(measure(c, conns, certs, h))
                except RuntimeError as e:
                    raise RuntimeError(f"{c} (handshake={h}): {e}") from e
            print(f"TLS round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    return contenders, results, conns


def records_tls(
    quick: bool = False, rounds: int | None = None, conns: int | None = None
) -> list[dict[str, Any]]:
    """Memory per idle TLS connection, before and after the handshake (``idle_tls``)."""
    contenders, results, conns = run_tls(quick, rounds, conns)
    out = []
    for h in (False, True):
        when = "after handshake" if h else "before handshake"
        for c in contenders:
            runs = results[(c, h)]
            out.append({
                "workload": f"idle TLS connections, {conns:,} held open, {when}",
                "contender": c,
                "unit": "bytes/conn",
                "higher_is_better": False,
                "samples": [x["per_conn"] for x in runs],
                "peak_rss": [x["peak_rss"] for x in runs],
            })
            out.append({
                "workload": f"idle TLS connections, {conns:,}, {when}: kept after close",
                "contender": c,
                "unit": "bytes/conn",
                "higher_is_better": False,
                "samples": [x["kept"] for x in runs],
            })
    return out


def run(
    quick: bool = False,
    rounds: int | None = None,
    conns: int | None = None,
    traced: bool = False,
    only: list[str] | None = None,
) -> tuple[list[str], dict[str, list[dict[str, float]]], int]:
    rounds = rounds or (2 if quick else 3)
    conns = conns or (2000 if quick else 10_000)
    wanted = only or ([*CONTENDERS, "twistio-web-asyncio"] if traced else CONTENDERS)
    if only is None and os.environ.get("TWISTIO_BASELINE"):
        wanted = [*wanted, "twistio-baseline-asyncio"]
    contenders = [c for c in wanted if available(c)]
    results: dict[str, list[dict[str, float]]] = {c: [] for c in contenders}
    for r in range(rounds):
        order = contenders[:]
        random.shuffle(order)
        for c in order:
            results[c].append(measure(c, conns, traced=traced))
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    return contenders, results, conns


def records(
    quick: bool = False, rounds: int | None = None, conns: int | None = None
) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure."""
    contenders, results, conns = run(quick, rounds, conns)
    return [
        {
            "workload": f"idle connections, {conns:,} held open",
            "contender": c,
            "unit": "bytes/conn",
            "higher_is_better": False,
            "samples": [x["per_conn"] for x in results[c]],
            "peak_rss": [x["peak_rss"] for x in results[c]],
        }
        for c in contenders
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 connections, 2 rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--conns", type=int, default=None)
    parser.add_argument("--tls", nargs="?", const="", default=None,
                        help="TLS servers, before and after the handshake")
    parser.add_argument("--traced", action="store_true",
                        help="also count the Python heap per connection with tracemalloc")
    parser.add_argument("--only", help="comma-separated contenders")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--handshake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.conns or 10_000, args.tls or None, args.traced)
        return
    if args.client:
        client(args.client, args.conns or 10_000, args.handshake)
        return
    if args.tls is not None:
        tls_contenders, tls_results, n = run_tls(args.quick, args.rounds, args.conns)
        for h in (False, True):
            when = "after" if h else "before"
            print(f"\nServer memory per idle TLS connection, {n:,} held open, {when} the "
                  "handshake (bytes; lower is better)\n")
            for c in tls_contenders:
                runs = tls_results[(c, h)]
                per = statistics.median(x["per_conn"] for x in runs)
                kept = statistics.median(x["kept"] for x in runs)
                print(f"{c:<18}{per:>10,.0f}   kept after close {kept:>10,.0f}")
        return
    only = args.only.split(",") if args.only else None
    contenders, results, conns = run(args.quick, args.rounds, args.conns, args.traced, only)
    print(f"\nServer memory per idle connection, {conns:,} held open (bytes; lower is better)\n")
    raw = {"asyncio": "raw-asyncio", "uvloop": "raw-uvloop"}
    for c in contenders:
        per = [x["per_conn"] for x in results[c]]
        peak = max(x["peak_rss"] for x in results[c])
        line = f"{c:<26}RSS {statistics.median(per):>8,.0f}   peak RSS {peak / 2**20:,.1f} MiB"
        if args.traced:
            traced = statistics.median(x["traced"] for x in results[c])
            each = ", ".join(f"{x['traced']:,.0f}" for x in results[c])
            line += f"   traced {traced:>7,.0f} ({each})"
            ref = raw.get(c.rpartition("-")[2])
            if ref in results and ref != c:
                base = statistics.median(x["traced"] for x in results[ref])
                line += f"   {traced / base:.2f}x {ref}"
        print(line)


if __name__ == "__main__":
    main()
