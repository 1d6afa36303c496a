"""twistio.application.runner: exit statuses, PID files and the Runner."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from twistio.application.runner import _exit, _pidfile, _runner
from twistio.application.runner._exit import ExitStatus
from twistio.internet.testing import MemoryReactor
from twistio.python.filepath import FilePath


def test_exit_writes_the_message_where_it_belongs(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(_exit, "stdout", out)
    monkeypatch.setattr(_exit, "stderr", err)
    with pytest.raises(SystemExit) as caught:
        _exit.exit(ExitStatus.EX_CONFIG, "bad config")
    assert caught.value.code == 78 and err.getvalue() == "bad config\n"
    with pytest.raises(SystemExit):
        _exit.exit(0, "fine")
    assert out.getvalue() == "fine\n"


def test_pid_file(tmp_path: Path) -> None:
    pidFile = _pidfile.PIDFile(FilePath(str(tmp_path / "pid")))
    assert not pidFile.isRunning()
    with pytest.raises(_pidfile.NoPIDFound):
        pidFile.read()
    with pidFile:
        assert pidFile.read() == os.getpid() and pidFile.isRunning()
        with pytest.raises(_pidfile.AlreadyRunningError):
            _pidfile.PIDFile(FilePath(str(tmp_path / "pid"))).__enter__()
    assert not (tmp_path / "pid").exists()
    (tmp_path / "pid").write_bytes(b"junk\n")
    with pytest.raises(_pidfile.InvalidPIDFileError):
        pidFile.read()
    assert not _pidfile.nonePIDFile.isRunning()


def test_runner_runs_the_reactor_with_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    began: list[Any] = []

    class Beginner:
        def beginLoggingTo(self, observers: Any) -> None:
            began.extend(observers)

    monkeypatch.setattr(_runner, "globalLogBeginner", Beginner())
    seen: list[tuple[str, dict[str, Any]]] = []
    reactor = MemoryReactor()
    runner = _runner.Runner(
        reactor=reactor,
        logFile=io.StringIO(),
        whenRunning=lambda **kw: seen.append(("running", kw)),
        whenRunningArguments={"a": 1},
        reactorExited=lambda **kw: seen.append(("exited", kw)),
        reactorExitedArguments={"b": 2},
    )
    runner.run()
    assert reactor.hasRun and len(began) == 1
    assert seen == [("running", {"a": 1}), ("exited", {"b": 2})]


def test_runner_kill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exits: list[tuple[Any, ...]] = []
    kills: list[tuple[int, int]] = []
    monkeypatch.setattr(_runner, "exit", lambda *a: exits.append(a))
    monkeypatch.setattr(_runner, "kill", lambda pid, sig: kills.append((pid, sig)))
    monkeypatch.setattr(_runner.Runner, "startLogging", lambda self: None)
    _runner.Runner(reactor=MemoryReactor(), kill=True).killIfRequested()
    assert exits[-1] == (ExitStatus.EX_USAGE, "No PID file specified.")
    (tmp_path / "pid").write_bytes(b"4242\n")
    pidFile = _pidfile.PIDFile(FilePath(str(tmp_path / "pid")))
    _runner.Runner(reactor=MemoryReactor(), kill=True, pidFile=pidFile).killIfRequested()
    assert kills == [(4242, 15)] and exits[-1] == (ExitStatus.EX_OK,)
