"""TLS echo: server CPU per request (100-byte ping-pong) and per MiB (bulk stream).

    python -m benchmarks.tls            # 5 rounds: 5,000 requests, 64 MiB
    python -m benchmarks.tls --quick    # 1 round: 2,000 requests, 16 MiB

Each contender is a TLS echo server (a raw ``asyncio.Protocol`` with asyncio's TLS on the
default loop and on uvloop, twistio's ``listenSSL`` on both, Twisted's default reactor with
pyOpenSSL) on core 0, with one throwaway P-256 certificate made by the ``openssl`` command. The
client, the same for all (asyncio streams with the standard library's TLS, on uvloop, core
1), runs one connection: request/response sends 100 bytes and waits for them back; bulk
streams 64 KiB writes while reading the echo. The figure is the server process's CPU time
(user + system, from /proc) over the work done: lower is better, and unlike a rate it does
not depend on how fast the client is. Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import cpu_seconds, pin

ROOT = Path(__file__).resolve().parent.parent
CONTENDERS = ["raw-asyncio", "twistio-asyncio", "raw-uvloop", "twistio-uvloop", "twisted-default"]
SERVER_CPU, CLIENT_CPU = 0, 1


def serve(contender: str, certs: str) -> None:
    """A TLS echo server on 127.0.0.1: prints its port, serves until SIGTERM."""
    pin(SERVER_CPU)
    kind, _, loop_name = contender.partition("-")
    cert, key = os.path.join(certs, "cert.pem"), os.path.join(certs, "key.pem")
    if loop_name == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    if kind == "raw":
        import signal

        class Echo(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                self.transport = transport

            def data_received(self, data: bytes) -> None:
                self.transport.write(data)

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        loop = asyncio.new_event_loop()
        server = loop.run_until_complete(loop.create_server(Echo, "127.0.0.1", 0, ssl=context))
        print(server.sockets[0].getsockname()[1], flush=True)
        loop.add_signal_handler(signal.SIGTERM, loop.stop)
        loop.run_forever()
        return
    if kind == "twistio":
        from twistio.internet import protocol, reactor
        from twistio.internet import ssl as options
    else:
        from twisted.internet import protocol, reactor  # type: ignore[no-redef]
        from twisted.internet import ssl as options  # type: ignore[no-redef]

    class TEcho(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    factory = protocol.Factory.forProtocol(TEcho)
    factory.noisy = False
    r: Any = reactor
    port = r.listenSSL(0, factory, options.DefaultOpenSSLContextFactory(key, cert),
                       interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    r.run()


async def _client(port: int, kind: str, amount: int) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    if kind == "rr":
        message = b"x" * 100
        for _ in range(amount):
            writer.write(message)
            await reader.readexactly(100)
    else:
        chunk = b"y" * 65536

        async def send() -> None:
            for _ in range(amount // 65536):
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.ensure_future(send())
        got = 0
        while got < amount:
            data = await asyncio.wait_for(reader.read(2**20), 30)
            if not data:
                raise RuntimeError("the server closed the connection")
            got += len(data)
        await sender
    writer.close()


def measure(contender: str, kind: str, amount: int, certs: str) -> float:
    """Server CPU seconds for ``amount`` requests or bytes."""
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.tls", "--serve", contender, "--certs", certs],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        time.sleep(0.1)
        before = cpu_seconds(server.pid)
        try:
            import uvloop

            runner: Any = uvloop.run
        except ImportError:
            runner = asyncio.run
        runner(asyncio.wait_for(_client(port, kind, amount), 120))
        return cpu_seconds(server.pid) - before
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def available(contender: str) -> bool:
    try:
        if "uvloop" in contender:
            import uvloop  # noqa: F401
        if contender.startswith("twisted"):
            import OpenSSL  # noqa: F401
            import twisted  # noqa: F401
    except ImportError:
        return False
    return sys.platform.startswith("linux") and shutil.which("openssl") is not None


def run(quick: bool = False) -> tuple[list[str], dict[tuple[str, str], list[float]], int, int]:
    rounds = 1 if quick else 5
    requests = 2000 if quick else 5000
    mib = 16 if quick else 64
    contenders = [c for c in CONTENDERS if available(c)]
    results: dict[tuple[str, str], list[float]] = {}
    pin(CLIENT_CPU)
    with tempfile.TemporaryDirectory(prefix="twistio-bench-tls-") as certs:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", os.path.join(certs, "key.pem"),
             "-out", os.path.join(certs, "cert.pem"), "-days", "2", "-subj", "/CN=localhost"],
            check=True, capture_output=True,
        )
        for r in range(rounds):
            order = [(c, k) for c in contenders for k in ("rr", "bulk")]
            random.shuffle(order)
            for c, k in order:
                amount = requests if k == "rr" else mib * 2**20
                seconds = measure(c, k, amount, certs)
                per = seconds / requests * 1e6 if k == "rr" else seconds / mib * 1e3
                results.setdefault((c, k), []).append(per)
            print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    return contenders, results, requests, mib


def records(quick: bool = False) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks tls``)."""
    contenders, results, requests, mib = run(quick)
    out = []
    for k, workload, unit in (
        ("rr", f"TLS echo request/response, 100 B x {requests:,}: server CPU", "us/request"),
        ("bulk", f"TLS echo bulk stream, {mib} MiB: server CPU", "ms/MiB"),
    ):
        for c in contenders:
            out.append({"workload": workload, "contender": c, "unit": unit,
                        "higher_is_better": False, "samples": results[(c, k)]})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round, 2,000 requests, 16 MiB")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--certs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.certs)
        return
    contenders, results, requests, mib = run(args.quick)
    print(f"\nTLS echo, server CPU (lower is better): {requests:,} requests of 100 B; {mib} MiB\n")
    print(f"{'':<18}{'us/request':>12}{'ms/MiB':>10}")
    for c in contenders:
        rr = statistics.median(results[(c, "rr")])
        bulk = statistics.median(results[(c, "bulk")])
        print(f"{c:<18}{rr:>12.1f}{bulk:>10.2f}")


if __name__ == "__main__":
    main()
