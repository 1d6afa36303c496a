"""SSH throughput: one server program on twistio.conch and on Twisted Conch, OpenSSH's client.

    python -m benchmarks.ssh            # full run
    python -m benchmarks.ssh --quick    # short rounds

The same server program (``serve``, importing ``twistio`` or ``twisted``) runs in its own
process pinned to one core: an SSH server whose ``exec`` channel either streams N bytes
(``stream N``: the download) or counts what it receives until EOF (``sink``: the upload),
written against Conch's channel API alone. The client is OpenSSH's ``ssh``, the same for
every contender, pinned to the other core: one master connection per contender and algorithm
set logs in once (``ControlMaster``), and each transfer is a new channel on it, so a round
times the channel's data path, not the login. Each round times one transfer per workload and
contender (a new random order each round) and notes the server's CPU share. Workloads: download and upload with each side's best
algorithms (twistio negotiates chacha20-poly1305, Twisted aes128-ctr with hmac-sha2-256),
and download with aes128-ctr + hmac-sha2-256 forced on both, like for like.
The machine may be shared: read the ratios over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
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
KEYS = ROOT / "tests" / "conch" / "keydata"

CONTENDERS = ["twistio-asyncio", "twistio-uvloop", "twisted-default"]
# (name, direction, ssh options)
WORKLOADS = [
    ("download, best algorithms", "down", []),
    ("upload, best algorithms", "up", []),
    ("download, aes128-ctr + hmac-sha2-256", "down",
     ["-c", "aes128-ctr", "-m", "hmac-sha2-256"]),
]
SERVER_CPU, CLIENT_CPU = 0, 1
CHUNK = 1 << 16


# ------------------------------------------------------------------------ the server


SERVER = r'''
import os, struct, sys
from importlib import import_module

PKG, KEYS, loop_name = sys.argv[1], sys.argv[2], sys.argv[3]
if PKG == "twistio" and loop_name == "uvloop":
    import uvloop
    uvloop.install()
internet = import_module(PKG + ".internet")
import_module(PKG + ".internet.reactor")
reactor = internet.reactor
keys = import_module(PKG + ".conch.ssh.keys")
factory_m = import_module(PKG + ".conch.ssh.factory")
session = import_module(PKG + ".conch.ssh.session")
common = import_module(PKG + ".conch.ssh.common")
avatar_m = import_module(PKG + ".conch.avatar")
checkers = import_module(PKG + ".conch.checkers")
interfaces = import_module(PKG + ".conch.interfaces")
portal_m = import_module(PKG + ".cred.portal")
CHUNK = 1 << 16
BLOCK = os.urandom(CHUNK)


class Transfer(session.SSHSession):
    """'stream N' sends N bytes as the window allows; 'sink' counts bytes until EOF."""

    left = 0
    received = 0
    sinking = False

    def request_exec(self, data):
        command = common.getNS(data)[0].split()
        if command[0] == b"stream":
            self.left = int(command[1])
            reactor.callLater(0, self.pump)
        else:
            self.sinking = True
        return 1

    def addWindowBytes(self, data):
        session.SSHSession.addWindowBytes(self, data)
        self.pump()

    def pump(self):
        while self.left and self.remoteWindowLeft:
            n = min(self.left, self.remoteWindowLeft, CHUNK)
            self.write(BLOCK[:n])
            self.left -= n
            if not self.left:
                self.finish(b"")

    def dataReceived(self, data):
        self.received += len(data)

    def eofReceived(self):
        if self.sinking:
            self.finish(b"%d\n" % self.received)

    def finish(self, text):
        if text:
            self.write(text)
        self.conn.sendRequest(self, b"exit-status", struct.pack(">L", 0))
        self.conn.sendEOF(self)
        self.loseConnection()


class User(avatar_m.ConchUser):
    def __init__(self):
        avatar_m.ConchUser.__init__(self)
        self.channelLookup[b"session"] = Transfer


try:
    from zope.interface import implementer
except ImportError:
    implementer = import_module(PKG + ".internet.interfaces").implementer


@implementer(portal_m.IRealm)
class Realm:
    def requestAvatar(self, avatarId, mind, *ifaces):
        return interfaces.IConchUser, User(), lambda: None


f = factory_m.SSHFactory()
host = keys.Key.fromFile(os.path.join(KEYS, "id_ed25519"))
f.privateKeys = {b"ssh-ed25519": host}
f.publicKeys = {b"ssh-ed25519": host.public()}
user_key = keys.Key.fromFile(os.path.join(KEYS, "id_ecdsa.pub"))
f.portal = portal_m.Portal(Realm(), [
    checkers.SSHPublicKeyChecker(checkers.InMemorySSHKeyDB({b"bench": [user_key]}))])
port = reactor.listenTCP(0, f, interface="127.0.0.1")
print(port.getHost().port, flush=True)
reactor.run()
'''


def start_server(contender: str, workdir: Path) -> tuple[subprocess.Popen[str], int]:
    kind, _, loop_name = contender.partition("-")
    script = workdir / "server.py"
    script.write_text(SERVER)
    command = [sys.executable, str(script), kind, str(KEYS), loop_name]
    return _start_server(command, contender, SERVER_CPU)


def _ssh_options(port: int, key: str, control: str, options: list[str]) -> list[str]:
    return ["-p", str(port), "-i", key, "-o", "StrictHostKeyChecking=no",
            "-o", f"UserKnownHostsFile={os.devnull}", "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-F", os.devnull,
            "-S", control, *options]


def start_master(port: int, key: str, control: str, options: list[str]) -> subprocess.Popen[bytes]:
    """An OpenSSH master connection the transfers share (logged in once)."""
    master = subprocess.Popen(
        ["ssh", "-M", "-N", *_ssh_options(port, key, control, options), "bench@127.0.0.1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pin(CLIENT_CPU, master.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        check = subprocess.run(["ssh", "-S", control, "-O", "check", "bench@127.0.0.1"],
                               capture_output=True)
        if check.returncode == 0:
            return master
        if master.poll() is not None:
            break
        time.sleep(0.05)
    master.kill()
    raise RuntimeError("the ssh master connection did not come up")


def transfer(port: int, server_pid: int, direction: str, size: int, options: list[str],
             key: str, control: str = "") -> tuple[float, float, float]:
    """One transfer of ``size`` bytes: (MB/s, the server's CPU share, its CPU ms per MiB)."""
    argv = ["ssh", *_ssh_options(port, key, control, options), "bench@127.0.0.1"]
    if direction == "down":
        argv.append(f"stream {size}")
        stdin: Any = subprocess.DEVNULL
    else:
        argv.append("sink")
        stdin = subprocess.PIPE
    cpu0, t0 = cpu_seconds(server_pid), time.perf_counter()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pin(CLIENT_CPU, proc.pid)
    got = 0
    assert proc.stdout is not None
    if direction == "up":
        assert proc.stdin is not None
        block = b"\0" * (1 << 20)
        sent = 0
        while sent < size:
            proc.stdin.write(block[: min(len(block), size - sent)])
            sent += min(len(block), size - sent)
        proc.stdin.close()
        out = proc.stdout.read()
        got = int(out.strip() or 0)
    else:
        while True:
            chunk = proc.stdout.read(1 << 20)
            if not chunk:
                break
            got += len(chunk)
    proc.wait(timeout=120)
    t1, cpu1 = time.perf_counter(), cpu_seconds(server_pid)
    if got != size:
        raise RuntimeError(f"moved {got} of {size} bytes ({proc.stderr.read() if proc.stderr else ''})")
    return size / (t1 - t0) / 1e6, (cpu1 - cpu0) / (t1 - t0), (cpu1 - cpu0) * 1e3 / (size / 2**20)


def available(contender: str) -> bool:
    if shutil.which("ssh") is None:
        return False
    try:
        import cryptography  # noqa: F401

        if "uvloop" in contender:
            import uvloop  # noqa: F401
        if contender.startswith("twisted"):
            import twisted.conch.ssh.transport  # noqa: F401
    except ImportError:
        return False
    return True


Figures = dict[str, dict[str, list[float]]]


def run(quick: bool = False, rounds: int | None = None, size: int | None = None,
        only: list[str] | None = None) -> tuple[list[str], Figures, Figures, Figures, int, int]:
    """Measure; returns (contenders, MB/s, server CPU share, server CPU ms per MiB, rounds,
    size), the figures per workload and contender."""
    rounds = rounds or (3 if quick else 7)
    size = size or ((16 if quick else 64) << 20)
    wanted = only or CONTENDERS
    contenders = [c for c in CONTENDERS if c in wanted and available(c)]
    rates: dict[str, dict[str, list[float]]] = {w[0]: {c: [] for c in contenders} for w in WORKLOADS}
    cpus: dict[str, dict[str, list[float]]] = {w[0]: {c: [] for c in contenders} for w in WORKLOADS}
    costs: dict[str, dict[str, list[float]]] = {w[0]: {c: [] for c in contenders} for w in WORKLOADS}
    with tempfile.TemporaryDirectory(prefix="twistio-bench-ssh-") as tmp:
        workdir = Path(tmp)
        key = workdir / "id_ecdsa"
        shutil.copy(KEYS / "id_ecdsa", key)
        key.chmod(0o600)
        servers = {c: start_server(c, workdir) for c in contenders}
        masters: dict[tuple[str, tuple[str, ...]], str] = {}
        master_procs: list[subprocess.Popen[bytes]] = []
        try:
            for c in contenders:
                proc, port = servers[c]
                for _, _, options in WORKLOADS:
                    if (c, tuple(options)) not in masters:
                        control = str(workdir / f"ctl-{len(masters)}")
                        master_procs.append(start_master(port, str(key), control, options))
                        masters[(c, tuple(options))] = control
                # warm-up: one small transfer each
                transfer(port, proc.pid, "down", 1 << 20, [], str(key), masters[(c, ())])
            for r in range(rounds):
                for name, direction, options in WORKLOADS:
                    order = contenders[:]
                    random.shuffle(order)
                    for c in order:
                        proc, port = servers[c]
                        rate, cpu, cost = transfer(port, proc.pid, direction, size, options,
                                                   str(key), masters[(c, tuple(options))])
                        rates[name][c].append(rate)
                        cpus[name][c].append(cpu)
                        costs[name][c].append(cost)
                print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
        finally:
            for master in master_procs:
                master.terminate()
                try:
                    master.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    master.kill()
            for proc, _ in servers.values():
                stop_server(proc)
    return contenders, rates, cpus, costs, rounds, size


def records(quick: bool = False, rounds: int | None = None) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks``): every round's figure."""
    contenders, rates, cpus, costs, _, size = run(quick, rounds)
    out: list[dict[str, Any]] = []
    for name, _, _ in WORKLOADS:
        for c in contenders:
            out.append({"workload": f"SSH {name}, {size >> 20} MiB", "contender": c,
                        "unit": "MB/s", "samples": rates[name][c], "server_cpu": cpus[name][c]})
            out.append({"workload": f"SSH {name}, server CPU per MiB", "contender": c,
                        "unit": "ms/MiB", "samples": costs[name][c], "higher_is_better": False})
    return out


def _ratio(values: list[float], ref: list[float], higher_is_better: bool = True) -> str:
    pairs = zip(values, ref, strict=True)
    ratios = [v / r if higher_is_better else r / v for v, r in pairs if v and r]
    return f"{statistics.median(ratios):.2f}x" if ratios else ""


def report(contenders: list[str], rates: Figures, cpus: Figures, costs: Figures, rounds: int,
           size: int, json_path: str | None) -> None:
    print(f"SSH throughput, {size >> 20} MiB per transfer, {rounds} rounds, OpenSSH client")
    print("| workload | contender | MB/s (median) | min-max | vs Twisted | server CPU "
          "| server CPU ms/MiB | vs Twisted (CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, _, _ in WORKLOADS:
        ref = rates[name].get("twisted-default")
        ref_cost = costs[name].get("twisted-default")
        for c in contenders:
            values = rates[name][c]
            twisted = c == "twisted-default"
            ratio = "" if twisted or not ref else _ratio(values, ref)
            cost_ratio = "" if twisted or not ref_cost else _ratio(costs[name][c], ref_cost, False)
            print(f"| {name} | {c} | {statistics.median(values):.1f} | {min(values):.1f}-"
                  f"{max(values):.1f} | {ratio} | {statistics.median(cpus[name][c]):.0%} "
                  f"| {statistics.median(costs[name][c]):.1f} | {cost_ratio} |")
    print("(ratios: median over rounds of the round's ratio; for CPU, Twisted's ms over ours)")
    if json_path:
        Path(json_path).write_text(json.dumps({"rates": rates, "cpus": cpus, "costs": costs,
                                               "size": size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="three rounds of 16 MiB")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--size", type=int, default=None, help="bytes per transfer")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    args = parser.parse_args()
    only = args.only.split(",") if args.only else None
    contenders, rates, cpus, costs, rounds, size = run(args.quick, args.rounds, args.size, only)
    report(contenders, rates, cpus, costs, rounds, size, args.json)


if __name__ == "__main__":
    main()
