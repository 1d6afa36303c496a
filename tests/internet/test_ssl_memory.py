"""Memory per TLS connection (issue 16): 1,000 connections held by a ``listenSSL`` server,
before and after their handshakes, and what stays once they close.

The server runs in this process; a client process opens the connections (plain TCP for
"before the handshake", handshaken for "after"). The figure is this process's resident set
growth divided by the connections, bounded at 64 KiB (asyncio's own TLS needed about 200 KiB,
Twisted about 50). Bounded in count and time; Linux only (it reads /proc).
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.internet.test_ssl import OPENSSL, Certs

pytestmark = [
    pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

N = 1000
WARM = 50
LIMIT = 64 * 1024

CLIENT = r"""
import socket, ssl, sys
n, warm, port, mode, ca = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
socks = []
def open_some(k):
    for _ in range(k):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if mode == "after":
            s = ctx.wrap_socket(s, server_hostname="localhost")
        socks.append(s)
open_some(warm); print("warm", flush=True); sys.stdin.readline()
open_some(n); print("done", flush=True); sys.stdin.readline()
for s in socks:
    s.close()
print("closed", flush=True); sys.stdin.readline()
"""


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("tls-memory"))


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _until(cond: Any, what: str, timeout: float = 20.0) -> None:
    """Wait, bounded in time, for a condition another process brings about."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("mode", ["before", "after"])
async def test_memory_per_tls_connection(mode: str, certs: Certs, reactor: Any) -> None:
    from twistio.internet import protocol

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2 * (N + WARM) + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * N), hard))

    class Echo(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    live = 0

    class Counting(protocol.Factory):
        noisy = False

        def buildProtocol(self, addr: Any) -> Any:
            nonlocal live
            live += 1
            p = Echo()
            lost = p.connectionLost

            def connectionLost(reason: Any) -> None:
                nonlocal live
                live -= 1
                lost(reason)

            p.connectionLost = connectionLost  # type: ignore[method-assign]
            return p

    port = reactor.listenSSL(0, Counting(), certs.server.options(), backlog=2048,
                             interface="127.0.0.1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLIENT, str(N), str(WARM), str(port.getHost().port), mode,
        certs.path("ca.pem"), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    base_fds = _fds()
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert (await asyncio.wait_for(proc.stdout.readline(), 20)).strip() == b"warm"
        await _until(lambda: _fds() >= base_fds + WARM, "the warm-up connections")
        if mode == "after":
            await _until(lambda: live >= WARM, "the warm-up handshakes")
        rss_warm = _rss()
        proc.stdin.write(b"go\n")
        assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"done"
        await _until(lambda: _fds() >= base_fds + WARM + N, "all connections")
        if mode == "after":
            await _until(lambda: live >= WARM + N, "all handshakes")
        else:
            assert live == 0
        rss_held = _rss()
        proc.stdin.write(b"close\n")
        assert (await asyncio.wait_for(proc.stdout.readline(), 20)).strip() == b"closed"
        await _until(lambda: _fds() <= base_fds, "all connections to close")
        rss_closed = _rss()
    finally:
        if proc.returncode is None:
            proc.stdin.close()
            await asyncio.wait_for(proc.wait(), 10)
        await port.stopListening()
    held = (rss_held - rss_warm) / N
    kept = (rss_closed - rss_warm) / N
    print(f"TLS {mode} handshake: {held / 1024:.1f} KiB per connection held, "
          f"{kept / 1024:.1f} KiB kept after close")
    assert held < LIMIT, f"{held / 1024:.1f} KiB per connection held"
    assert kept < LIMIT, f"{kept / 1024:.1f} KiB per connection kept after close"
