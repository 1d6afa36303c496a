"""Echo load generator: N connections each doing request/response ping-pong of SIZE bytes.

Run as its own process (``python benchmarks/_loadgen.py PORT CONNS SIZE SECONDS [CPU]``); SIZE 0
means a bulk stream instead (each connection keeps 1 MiB in flight in 64 KiB writes and counts
the bytes echoed back, reported as ``round_trips``). It prints ``start`` when the measured window opens and one JSON line when it closes: round trips,
seconds measured, and this process's CPU use. By default (``LOADGEN_SPIN=1``) its loop
busy-polls so that waking its idle core (slow on VMs) is not part of every round trip; the
driver shows the server was the bottleneck by sampling the server's CPU use in the window.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


class PingPong(asyncio.Protocol):
    """Sends ``size`` bytes, waits for all of them to come back, repeats."""

    def __init__(self, payload: bytes, stats: list[int]) -> None:
        self.payload = payload
        self.size = len(payload)
        self.pending = 0
        self.stats = stats

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.pending = self.size
        transport.write(self.payload)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.pending -= len(data)
        if self.pending <= 0:
            self.stats[0] += 1
            self.pending = self.size
            self.transport.write(self.payload)  # type: ignore[attr-defined]

    def connection_lost(self, exc: BaseException | None) -> None:
        pass


class Stream(asyncio.Protocol):
    """Keeps ``WINDOW`` bytes in flight, refilled as the echo comes back; counts bytes."""

    CHUNK = b"x" * 65536
    WINDOW = 1 << 20

    def __init__(self, payload: bytes, stats: list[int]) -> None:
        self.stats = stats
        self.in_flight = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.fill()

    def fill(self) -> None:
        while self.in_flight < self.WINDOW:
            self.transport.write(self.CHUNK)  # type: ignore[attr-defined]
            self.in_flight += len(self.CHUNK)

    def data_received(self, data: bytes) -> None:
        self.in_flight -= len(data)
        self.stats[0] += len(data)
        if self.in_flight <= self.WINDOW // 2:
            self.fill()

    def connection_lost(self, exc: BaseException | None) -> None:
        pass


async def run(
    port: int, conns: int, size: int, seconds: float, warmup: float, spin: bool
) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    stats = [0]
    payload = b"x" * size
    transports = []
    kind = PingPong if size else Stream
    for _ in range(conns):
        t, _p = await loop.create_connection(lambda: kind(payload, stats), "127.0.0.1", port)
        transports.append(t)
    if spin:
        # Keep this core busy polling, so its wake-up latency (large on VMs) is not measured.
        def tick() -> None:
            loop.call_soon(tick)

        loop.call_soon(tick)
    await asyncio.sleep(warmup)
    print("start", flush=True)  # the driver samples the server's CPU time now and at the end
    start_count, start, start_cpu = stats[0], time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    count, elapsed = stats[0] - start_count, time.perf_counter() - start
    cpu = (time.process_time() - start_cpu) / elapsed
    print(json.dumps({"round_trips": count, "seconds": elapsed, "cpu": cpu}), flush=True)
    for t in transports:
        t.abort()
    return {"round_trips": count, "seconds": elapsed, "cpu": cpu}


def main() -> None:
    port, conns, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    seconds = float(sys.argv[4])
    if len(sys.argv) > 5 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(sys.argv[5])})
    warmup = min(0.2, seconds / 3)
    runner = uvloop.run if uvloop is not None else asyncio.run
    spin = os.environ.get("LOADGEN_SPIN", "1") == "1"
    runner(run(port, conns, size, seconds, warmup, spin))


if __name__ == "__main__":
    main()
