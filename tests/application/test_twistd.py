"""twistd (twistio.scripts.twistd, twistio.application.app's runner pieces): options,
the PID-file check, the log observer choice, the profilers, and real runs of
``twistio twistd`` in the foreground and as a daemon."""

from __future__ import annotations

import errno
import io
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.application._proc import ROOT, STARTUP_TIMEOUT, spawn, terminate, wait_for
from twistio.application import app, service
from twistio.internet.interfaces import implementer
from twistio.python import usage

posix = pytest.mark.skipif(os.name != "posix", reason="daemons and PID files are POSIX's")

if os.name == "posix":
    from twistio.scripts import _twistd_unix, twistd
else:  # pragma: no cover
    from twistio.scripts import twistd


# -- options ------------------------------------------------------------------------------


def test_plugins_are_commands() -> None:
    config = twistd.ServerOptions()
    names = [name for name, *_ in config.subCommands]
    assert names == sorted(names)
    assert {"web", "ftp", "dns", "mail", "manhole"} <= set(names)
    assert set(config.loadedPlugins) == set(names)


def test_a_command_or_a_python_file_is_not_saved() -> None:
    config = twistd.ServerOptions()
    config.postOptions()
    assert not config["no_save"]
    config.subCommand = "web"
    config.postOptions()
    assert config["no_save"]


def test_logger_option_names_a_factory() -> None:
    config = twistd.ServerOptions()
    config.parseOptions(["--logger", "twistio.logger.textFileLogObserver"])
    from twistio.logger import textFileLogObserver

    assert config["logger"] is textFileLogObserver
    with pytest.raises(usage.UsageError, match="could not be imported"):
        twistd.ServerOptions().parseOptions(["--logger", "no.such.thing"])


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        twistd.ServerOptions(stdout=out).parseOptions(["--version"])
    assert stopped.value.code is None
    assert out.getvalue().startswith("twistd (the Twisted daemon) ")


def test_help_lists_the_profilers_and_commands() -> None:
    text = str(twistd.ServerOptions())
    for word in ("cprofile", "profile", "--nodaemon", "--pidfile", "web"):
        assert word in text


@posix
def test_umask_is_octal() -> None:
    config = twistd.ServerOptions()
    assert config["umask"] is None
    config.parseOptions(["--umask", "027"])
    assert config["umask"] == 0o27
    with pytest.raises(usage.UsageError):
        twistd.ServerOptions().parseOptions(["--umask", "9x"])


@posix
def test_debug_implies_nodaemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = twistd.ServerOptions()
    config.parseOptions(["--debug"])
    assert config["nodaemon"]
    assert config["pidfile"] == str(tmp_path / "twistd.pid")


def test_bad_command_line_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["twistd", "no-such-command"])
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    with pytest.raises(SystemExit) as stopped:
        app.run(lambda config: None, twistd.ServerOptions)
    assert stopped.value.code == 1


# -- the PID file -------------------------------------------------------------------------


@posix
def test_check_pid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pidfile = tmp_path / "x.pid"
    _twistd_unix.checkPID(str(pidfile))  # none: fine
    pidfile.write_text("junk")
    with pytest.raises(SystemExit, match="non-numeric"):
        _twistd_unix.checkPID(str(pidfile))
    pidfile.write_text(str(os.getpid()))
    with pytest.raises(SystemExit, match="Another twistd server"):
        _twistd_unix.checkPID(str(pidfile))

    def gone(pid: int, sig: int) -> None:
        raise ProcessLookupError(errno.ESRCH, "no such process")

    monkeypatch.setattr(os, "kill", gone)
    _twistd_unix.checkPID(str(pidfile))
    assert not pidfile.exists()


# -- logging and profiling ------------------------------------------------------------------


def test_log_observer_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio import logger

    seen: list[Any] = []
    monkeypatch.setattr(
        logger, "textFileLogObserver", lambda out, *a, **k: seen.append(out) or (lambda e: None)
    )
    app.AppLogger({"logfile": "-"})._getLogObserver()
    assert seen[-1] is sys.stdout
    app.AppLogger({"logfile": str(tmp_path / "t.log")})._getLogObserver()
    assert seen[-1].path == str(tmp_path / "t.log")
    seen[-1].close()


@posix
def test_daemon_cannot_log_to_stdout() -> None:
    with pytest.raises(SystemExit, match="stdout"):
        _twistd_unix.UnixAppLogger({"logfile": "-", "nodaemon": False})._getLogObserver()


def test_application_observer_component_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio import logger
    from twistio.python.components import Componentized

    begun: list[Any] = []
    monkeypatch.setattr(logger.globalLogBeginner, "beginLoggingTo", begun.extend)
    events: list[Any] = []

    @implementer(logger.ILogObserver)
    class Observer:
        def __call__(self, event: Any) -> None:
            events.append(event)

    application = Componentized()
    observer = Observer()
    application.setComponent(logger.ILogObserver, observer)
    appLogger = app.AppLogger({})
    logger.globalLogPublisher.addObserver(observer)
    try:
        appLogger.start(application)
    finally:
        logger.globalLogPublisher.removeObserver(observer)
    assert begun == [observer]
    assert any("starting up" in event.get("log_format", "") for event in events)


def test_profilers(tmp_path: Path) -> None:
    class Reactor:
        ran = 0

        def run(self) -> None:
            self.ran += 1

    for name in ("profile", "cProfile"):
        output = tmp_path / name
        reactor = Reactor()
        app.AppProfiler({"profile": str(output), "profiler": name}).run(reactor)
        assert reactor.ran == 1
        assert "function calls" in output.read_text()
    with pytest.raises(SystemExit, match="Unsupported profiler name: nope"):
        app.AppProfiler({"profiler": "nope"})


# -- running it -----------------------------------------------------------------------------

_TAC = """
import os
from twisted.application import service
from twisted.internet import protocol, reactor
from twisted.protocols import wire
from twisted.python import log


class Announced(service.Service):
    def startService(self):
        service.Service.startService(self)
        factory = protocol.ServerFactory.forProtocol(wire.Echo)
        self.port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        with open(os.path.join({folder!r}, "port"), "w") as f:
            f.write(str(self.port.getHost().port))
        log.msg("echo ready")

    def stopService(self):
        service.Service.stopService(self)
        return self.port.stopListening()


application = service.Application("echo")
Announced().setServiceParent(application)
"""


def _echo(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=STARTUP_TIMEOUT) as s:
        s.sendall(b"ping")
        return s.recv(4)


@posix
def test_foreground_tac(tmp_path: Path) -> None:
    (tmp_path / "app.tac").write_text(_TAC.format(folder=str(tmp_path)))
    proc = spawn("twistd", "--nodaemon", "--pidfile=", "-y", "app.tac", cwd=str(tmp_path))
    wait_for(proc, r"echo ready", stream="stdout")
    assert _echo(int((tmp_path / "port").read_text())) == b"ping"
    status, out, _ = terminate(proc)
    # Stopped by SIGTERM, twistd ends by that same signal once it has cleaned up.
    assert status == -signal.SIGTERM, out


def _twistd(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "twistio", "twistd", *args],
        cwd=str(cwd), env=env, capture_output=True, text=True, timeout=60,
    )


@posix
def test_daemon_tac(tmp_path: Path) -> None:
    (tmp_path / "app.tac").write_text(_TAC.format(folder=str(tmp_path)))
    # The original process returns once the daemon has started the application.
    done = _twistd("-y", "app.tac", "--pidfile=d.pid", "--logfile=d.log", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pid = int((tmp_path / "d.pid").read_text())
    try:
        assert pid != os.getpid()
        assert _echo(int((tmp_path / "port").read_text())) == b"ping"
    finally:
        os.kill(pid, signal.SIGTERM)
    _waitGone(pid)
    assert not (tmp_path / "d.pid").exists()
    assert "starting up" in (tmp_path / "d.log").read_text()


def _waitGone(pid: int) -> None:
    # The daemon is not our child: poll for it, within a bound.
    import time

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"daemon {pid} still running")


@posix
def test_daemon_start_failure_is_reported(tmp_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        tac = textwrap.dedent(f"""
            from twisted.application import internet, service
            from twisted.internet import protocol
            application = service.Application("busy")
            internet.TCPServer({busy.getsockname()[1]}, protocol.ServerFactory(),
                               interface="127.0.0.1").setServiceParent(application)
        """)
        (tmp_path / "busy.tac").write_text(tac)
        done = _twistd("-y", "busy.tac", "--pidfile=b.pid", "--logfile=b.log", cwd=tmp_path)
    finally:
        busy.close()
    assert done.returncode == 1
    assert "An error has occurred" in done.stderr and "CannotListenError" in done.stderr
    assert not (tmp_path / "b.pid").exists()


def test_plugin_service_in_an_application() -> None:
    made: list[Any] = []

    class Maker:
        tapname = "thing"

        def makeService(self, options: Any) -> service.Service:
            made.append(options)
            return service.Service()

    config = twistd.ServerOptions()
    config.loadedPlugins = {"thing": Maker()}
    config.subCommand, config.subOptions = "thing", object()
    application = app.ApplicationRunner.createOrGetApplication(
        type("R", (), {"config": config})()  # only its config is used
    )
    assert made == [config.subOptions]
    assert service.IService(application).name == "thing"  # type: ignore[call-arg,misc]
