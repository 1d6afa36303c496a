"""Process exit reporting on Twisted's reactor and on twistio: same callbacks, bytes, reasons.

The program below runs once with ``PKG = "twisted"`` and once with ``PKG = "twistio"`` (both
in subprocesses, at the same time). Each spawns the same children and records what its
``ProcessProtocol`` saw. The order of the pipe-closed callbacks and ``processExited`` among
themselves is a race on both reactors, so they are compared as a set; everything else (the
data, the exit code, signal and raw status, ``pid`` and ``status`` at each step, the errors
raised) exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

PROGRAM = textwrap.dedent(
    r"""
    import json, os, sys
    from importlib import import_module
    PKG = sys.argv[1]
    PY = sys.executable
    import_module(PKG + ".internet.reactor")
    reactor = import_module(PKG + ".internet").reactor
    if PKG == "twistio":
        _process = import_module("twistio.internet.process")
        def spawn(*a, **kw):
            return _process.spawnProcess(reactor, *a, **kw)
    else:
        spawn = reactor.spawnProcess
    protocol = import_module(PKG + ".internet.protocol")

    READY = "import sys; sys.stdout.write('ready'); sys.stdout.flush(); sys.stdin.read()"
    PROGRAMS = {
        # name: (python source, what the parent does, spawn keywords)
        "exit0": ("import sys; sys.stdout.write('hello\\n')", None, {}),
        "exit3": ("import sys; sys.stderr.write('bad\\n'); sys.exit(3)", None, {}),
        "both": ("import sys; sys.stdout.write('o' * 70000); sys.stderr.write('e' * 5000)", None, {}),
        "echo": ("import sys; sys.stdout.write(sys.stdin.read().upper())", "write", {}),
        "child_closes_stdin": ("import os, sys; os.close(0); sys.stdin = None; print('closed')", None, {}),
        "self_term": ("import os, signal; os.kill(os.getpid(), signal.SIGTERM)", None, {}),
        "self_kill": ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", None, {}),
        "parent_term": (READY, "TERM", {}),
        "parent_kill": (READY, "KILL", {}),
        "parent_int_number": (READY, 2, {}),
        # the child only reads: writing to a pipe the parent just closed would race (exit 0 or 120)
        "lose_connection": ("import sys; sys.stdin.read()", "lose", {}),
        "empty_env": ("import os; print(sorted(k for k in os.environ if k != 'LC_CTYPE'))", None, {"env": {}}),
        "given_env": ("import os; print(os.environ.get('TWISTIO_X'))", None, {"env": {"TWISTIO_X": "y"}}),
        "inherited_env": ("import os; print(os.environ.get('TWISTIO_P'))", None, {"env": None}),
        "path": ("import os; print(os.getcwd())", None, {"path": "/"}),
    }
    os.environ["TWISTIO_P"] = "inherited"
    results = {}

    def describe(reason):
        v = reason.value
        return [reason.type.__name__, v.exitCode, v.signal, v.status]

    class Rec(protocol.ProcessProtocol):
        def __init__(self, name, action):
            self.name, self.action = name, action
            self.events, self.out, self.err = [], b"", b""
        def connectionMade(self):
            self.events.append(["made", isinstance(self.transport.pid, int)])
            if self.action == "write":
                self.transport.write(b"abc")
                self.transport.writeSequence([b"d", b"ef"])
                self.transport.closeStdin()
            elif self.action == "lose":
                self.transport.loseConnection()
        def outReceived(self, data):
            self.out += data
            if self.out == b"ready" and self.action in ("TERM", "KILL", 2):
                self.transport.signalProcess(self.action)
        def errReceived(self, data):
            self.err += data
        def inConnectionLost(self):
            self.events.append(["lost", 0])
        def outConnectionLost(self):
            self.events.append(["lost", 1])
        def errConnectionLost(self):
            self.events.append(["lost", 2])
        def processExited(self, reason):
            self.events.append(["exited", self.transport.pid] + describe(reason))
        def processEnded(self, reason):
            self.events.append(["ended", self.transport.pid, self.transport.status] + describe(reason))
            try:
                self.transport.signalProcess("TERM")
            except Exception as e:
                self.events.append(["signal_after_end", type(e).__name__])
            results[self.name] = {"events": self.events, "out": self.out.decode("latin-1"),
                                  "err": self.err.decode("latin-1")}
            if len(results) == len(PROGRAMS) + 2:
                reactor.stop()

    def main():
        for name, (source, action, kw) in PROGRAMS.items():
            spawn(Rec(name, action), PY, [PY, "-S", "-c", source], **kw)
        try:
            spawn(Rec("x", None), "/nonexistent/program", ["program"])
        except Exception as e:
            results["missing_executable"] = type(e).__name__
        try:
            spawn(Rec("x", None), PY, [PY, 3])
        except Exception as e:
            results["bad_argument"] = type(e).__name__

    reactor.callWhenRunning(main)
    reactor.callLater(10, reactor.stop)
    reactor.run()
    print(json.dumps(results))
    """
)


def _run_both() -> dict[str, Any]:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    procs = {
        pkg: subprocess.Popen(
            [sys.executable, "-c", PROGRAM, pkg],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for pkg in ("twisted", "twistio")
    }
    results: dict[str, Any] = {}
    for pkg, proc in procs.items():
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, (pkg, err.decode())
        results[pkg] = json.loads(out.decode().strip().splitlines()[-1])
    return results


@pytest.fixture(scope="module")
def both() -> dict[str, Any]:
    return _run_both()


def _normalise(record: Any) -> Any:
    """The pipe-closed events and ``processExited`` as one set where the first of them was.

    Both reactors see the pipes close and the child exit through different channels, so
    their relative order is a race on either.
    """
    if not isinstance(record, dict):
        return record
    events = record["events"]
    racing = sorted((e for e in events if e[0] in ("lost", "exited")), key=repr)
    assert len(racing) == len({repr(e) for e in racing}), events
    normal: list[Any] = []
    for e in events:
        if e[0] in ("lost", "exited"):
            if ["racing", racing] not in normal:
                normal.append(["racing", racing])
        else:
            normal.append(e)
    return {**record, "events": normal}


NAMES = [
    "exit0",
    "exit3",
    "both",
    "echo",
    "child_closes_stdin",
    "self_term",
    "self_kill",
    "parent_term",
    "parent_kill",
    "parent_int_number",
    "lose_connection",
    "empty_env",
    "given_env",
    "inherited_env",
    "path",
    "missing_executable",
    "bad_argument",
]


@pytest.mark.parametrize("name", NAMES)
def test_same_as_twisted(both: dict[str, Any], name: str) -> None:
    twisted, twistio = both["twisted"], both["twistio"]
    assert name in twisted, twisted
    assert _normalise(twistio.get(name)) == _normalise(twisted[name])


def test_call_order(both: dict[str, Any]) -> None:
    """On both: made first; every pipe closed and the process reaped before processEnded."""
    for side in both.values():
        for name in NAMES:
            record = side[name]
            if not isinstance(record, dict):
                continue
            kinds = [e[0] for e in record["events"]]
            assert kinds[0] == "made"
            assert kinds[-2:] == ["ended", "signal_after_end"]
            assert kinds.count("exited") == 1
            assert kinds.count("lost") == 3
