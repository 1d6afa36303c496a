"""Twisted Conch and twistio.conch across the wire: one server program on either, one client
program on either, every pairing gives the same result.

The server (benchmarks/ssh.py's program) streams N bytes for ``stream N`` and counts what it
gets for ``sink``; the client runs both commands through ``SSHCommandClientEndpoint`` with a
known_hosts file and prints what it saw. Each runs in a process of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("cryptography")
pytest.importorskip("twisted.conch.ssh.transport")

ROOT = Path(__file__).resolve().parents[2]
KEYS = ROOT / "tests" / "conch" / "keydata"

CLIENT = textwrap.dedent(
    r'''
    import json, sys, warnings
    from importlib import import_module
    warnings.simplefilter("ignore")
    PKG, port, keyfile, known_hosts = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    import_module(PKG + ".internet.reactor")
    reactor = import_module(PKG + ".internet").reactor
    defer = import_module(PKG + ".internet.defer")
    protocol = import_module(PKG + ".internet.protocol")
    endpoints = import_module(PKG + ".conch.endpoints")
    keys = import_module(PKG + ".conch.ssh.keys")
    knownhosts = import_module(PKG + ".conch.client.knownhosts")
    if PKG == "twisted":
        from twisted.python.filepath import FilePath
        kh = knownhosts.KnownHostsFile.fromPath(FilePath(known_hosts))
    else:
        kh = knownhosts.KnownHostsFile.fromPath(known_hosts)

    class UI:
        def prompt(self, text):
            return defer.succeed(False)
        def warn(self, text):
            pass

    class Collect(protocol.Protocol):
        def connectionMade(self):
            self.got = b""
            send = self.factory.send
            if send:
                self.transport.write(send)
                self.transport.conn.sendEOF(self.transport)
        def dataReceived(self, data):
            self.got += data
        def connectionLost(self, reason):
            self.factory.done.callback((self.got, type(reason.value).__name__))

    @defer.inlineCallbacks
    def run(command, send):
        f = protocol.Factory.forProtocol(Collect)
        f.send, f.done = send, defer.Deferred()
        ep = endpoints.SSHCommandClientEndpoint.newConnection(
            reactor, command, b"bench", b"127.0.0.1", port,
            keys=[keys.Key.fromFile(keyfile)], knownHosts=kh, ui=UI())
        yield ep.connect(f)
        got, reason = yield f.done
        return got, reason

    @defer.inlineCallbacks
    def main():
        out = {}
        try:
            got, reason = yield run(b"stream 300000", None)
            out["stream"] = [len(got), reason]
            got, reason = yield run(b"sink", b"y" * 100000)
            out["sink"] = [got.decode(), reason]
        except Exception as e:
            out["error"] = type(e).__name__
        print(json.dumps(out), flush=True)
        reactor.stop()

    reactor.callWhenRunning(main)
    reactor.run()
    '''
)


def _server(pkg: str, tmp: Path) -> tuple[subprocess.Popen[str], int]:
    from benchmarks.ssh import SERVER

    script = tmp / f"server_{pkg}.py"
    script.write_text(SERVER)
    proc = subprocess.Popen([sys.executable, str(script), pkg, str(KEYS), "asyncio"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.strip():
        proc.kill()
        raise RuntimeError(f"{pkg} server did not start")
    return proc, int(line)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    tmp = tmp_path_factory.mktemp("conch-interop")
    started = {pkg: _server(pkg, tmp) for pkg in ("twisted", "twistio")}
    try:
        yield {pkg: port for pkg, (_, port) in started.items()}
    finally:
        for proc, _ in started.values():
            proc.terminate()
            proc.wait(timeout=10)


def _client(pkg: str, port: int, tmp: Path) -> dict[str, object]:
    key = tmp / "id_ecdsa"
    if not key.exists():
        shutil.copy(KEYS / "id_ecdsa", key)
    known = tmp / f"known_hosts_{pkg}_{port}"
    host = (KEYS / "id_ed25519.pub").read_bytes().split()
    known.write_bytes(b"127.0.0.1 " + host[0] + b" " + host[1] + b"\n")
    script = tmp / "client.py"
    script.write_text(CLIENT)
    out = subprocess.run([sys.executable, str(script), pkg, str(port), str(key), str(known)],
                         capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("client", ["twisted", "twistio"])
def test_every_pairing_agrees(servers: dict[str, int], client: str, tmp_path: Path) -> None:
    results = {server: _client(client, port, tmp_path) for server, port in servers.items()}
    assert results["twisted"] == results["twistio"]
    assert results["twistio"] == {"stream": [300000, "ConnectionDone"],
                                  "sink": ["100000\n", "ConnectionDone"]}
