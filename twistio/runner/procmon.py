"""A service that owns a set of child processes and keeps each of them running.

Give :class:`ProcessMonitor` a name and an argv per program (:meth:`~ProcessMonitor.addProcess`);
while the service runs, every program it knows is running too. Whatever a child prints on
stdout or stderr is logged line by line, tagged with the program's name. A child that exits
is started again: at once if it had been up for at least ``threshold`` seconds; otherwise
after a back-off that starts at ``minRestartDelay`` and doubles with each early death, up to
``maxRestartDelay``. Stopping a child sends SIGTERM, then SIGKILL ``killTime`` seconds later
if it is still there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twistio.application import service
from twistio.internet import error, protocol
from twistio.logger import Logger
from twistio.protocols import basic
from twistio.python import deprecate, failure, versions

__all__ = ["DummyTransport", "LineLogger", "LoggingProtocol", "ProcessMonitor"]


@dataclass
class _Process:
    """How one monitored program is started."""

    args: list[str]
    uid: int | None = None
    gid: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None

    @deprecate.deprecated(versions.Version("Twisted", 18, 7, 0))
    def toTuple(self) -> tuple[list[str], int | None, int | None, dict[str, str]]:
        """The old four-tuple form ``(args, uid, gid, env)``."""
        return (self.args, self.uid, self.gid, self.env)


class DummyTransport:
    """What a :class:`LineLogger` is connected to: nothing; it only ever receives."""

    disconnecting = 0


class LineLogger(basic.LineReceiver):
    """Splits one output stream of a child into lines and logs each of them."""

    delimiter = b"\n"
    tag: str | None = None
    stream: str | None = None
    service: ProcessMonitor | None = None

    def lineReceived(self, line: bytes) -> None:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = repr(line)
        assert self.service is not None
        self.service.log.info("[{tag}] {line}", tag=self.tag, line=text, stream=self.stream)


class LoggingProtocol(protocol.ProcessProtocol):
    """The protocol of one monitored child: logs its output, reports its end to the monitor."""

    service: ProcessMonitor | None = None
    name: str | None = None

    def connectionMade(self) -> None:
        self._output = self._lineLogger("stdout")
        self._outputEmpty = True
        self._error = self._lineLogger("stderr")
        self._errorEmpty = True

    def _lineLogger(self, stream: str) -> LineLogger:
        logger = LineLogger()
        logger.tag = self.name
        logger.stream = stream
        logger.service = self.service
        logger.makeConnection(DummyTransport())
        return logger

    @property
    def output(self) -> LineLogger:
        return self._output

    @property
    def empty(self) -> bool:
        return self._outputEmpty

    def outReceived(self, data: bytes) -> None:
        self._outputEmpty = False
        self._output.dataReceived(data)

    def errReceived(self, data: bytes) -> None:
        self._errorEmpty = False
        self._error.dataReceived(data)

    def processEnded(self, reason: failure.Failure) -> None:
        # A last line without its newline is still a line of the child's.
        if not self._outputEmpty:
            self._output.dataReceived(b"\n")
        if not self._errorEmpty:
            self._error.dataReceived(b"\n")
        assert self.service is not None and self.name is not None
        self.service._childEnded(self.name)


class ProcessMonitor(service.Service):
    """Starts the programs it is given, logs their output and restarts them when they exit."""

    threshold: float = 1
    killTime: float = 5
    minRestartDelay: float = 1
    maxRestartDelay: float = 3600
    log = Logger()

    def __init__(self, reactor: Any = None) -> None:
        if reactor is None:
            from twistio.internet import reactor as globalReactor

            reactor = globalReactor
        # Spawning and timing go through the same reactor (a Clock with spawnProcess in tests).
        self._reactor = self._clock = reactor
        # Per program name: pending restarts and kills, running children, start times, and
        # the wait before the next restart after an early death.
        self.restart: dict[str, Any]
        self.murder: dict[str, Any]
        self.protocols: dict[str, LoggingProtocol]
        self.timeStarted: dict[str, float]
        self.delay: dict[str, float]
        self._processes: dict[str, _Process]
        for table in ("restart", "murder", "protocols", "timeStarted", "delay", "_processes"):
            setattr(self, table, {})

    @deprecate.deprecatedProperty(versions.Version("Twisted", 18, 7, 0))
    def processes(self) -> dict[str, tuple[list[str], int | None, int | None, dict[str, str]]]:
        """Every program as the old ``(args, uid, gid, env)`` tuple, by name."""
        return {name: spec.toTuple() for name, spec in self._processes.items()}

    @deprecate.deprecated(versions.Version("Twisted", 18, 7, 0))
    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in vars(self).items() if k not in ("_reactor", "_processes")}
        state["processes"] = self.processes
        return state

    def _spec(self, name: str) -> _Process:
        spec = self._processes.get(name)
        if spec is None:
            raise KeyError(f"Unrecognized process name: {name}")
        return spec

    def addProcess(
        self,
        name: str,
        args: list[str],
        uid: int | None = None,
        gid: int | None = None,
        env: dict[str, str] = {},  # noqa: B006 (never mutated; Twisted's signature)
        cwd: str | None = None,
    ) -> None:
        """Monitor a new program under ``name`` (started now if the service runs)."""
        if name in self._processes:
            raise KeyError(f"remove {name} first")
        self._processes[name] = _Process(args, uid, gid, env, cwd)
        self.delay[name] = self.minRestartDelay
        if self.running:
            self.startProcess(name)

    def removeProcess(self, name: str) -> None:
        """Stop the program ``name`` and forget it."""
        self.stopProcess(name)
        del self._processes[name]
        pending = self.restart.pop(name, None)
        if pending is not None and pending.active():
            pending.cancel()  # a forgotten program is not started again

    def startService(self) -> None:
        service.Service.startService(self)
        for name in list(self._processes):
            self.startProcess(name)

    def stopService(self) -> None:
        service.Service.stopService(self)
        for call in self.restart.values():
            if call.active():
                call.cancel()
        for name in list(self.protocols):
            self.stopProcess(name)

    def startProcess(self, name: str) -> None:
        """Start the program ``name`` unless it is running already."""
        if name not in self.protocols:
            self._spawn(name, self._processes[name])

    def _spawn(self, name: str, spec: _Process) -> None:
        watcher = self.protocols[name] = LoggingProtocol()
        watcher.service, watcher.name = self, name
        self.timeStarted[name] = self._clock.seconds()
        where = {"uid": spec.uid, "gid": spec.gid, "env": spec.env, "path": spec.cwd}
        try:
            self._reactor.spawnProcess(watcher, spec.args[0], spec.args, **where)
        except OSError:
            # The system refused (no such file, too many processes...): one more early death,
            # logged, then retried after the back-off. Anything else is a bug, left to rise.
            self.log.failure("Could not start process {name!r}", name=name)
            self._childEnded(name)

    def stopProcess(self, name: str) -> None:
        """Ask the program ``name`` to exit (SIGTERM), and force it (SIGKILL) after ``killTime``."""
        self._spec(name)
        child = self.protocols.get(name)
        if child is None:
            return
        transport = child.transport
        try:
            transport.signalProcess("TERM")
        except error.ProcessExitedAlready:
            return
        self.murder[name] = self._clock.callLater(self.killTime, self._forceStopProcess, transport)

    def _forceStopProcess(self, transport: Any) -> None:
        try:
            transport.signalProcess("KILL")
        except error.ProcessExitedAlready:
            pass

    def restartAll(self) -> None:
        """Stop every running program; each is then started again as after any exit."""
        for name in list(self.protocols):
            self.stopProcess(name)

    def _childEnded(self, name: str) -> None:
        self.protocols.pop(name, None)
        killer = self.murder.pop(name, None)
        if killer is not None and killer.active():
            killer.cancel()
        lived = self._clock.seconds() - self.timeStarted.get(name, 0.0)
        current = self.delay.get(name, self.minRestartDelay)
        if lived < self.threshold:
            wait = current
            self.delay[name] = min(current * 2, self.maxRestartDelay)
        else:
            wait = 0
            self.delay[name] = self.minRestartDelay
        if self.running and name in self._processes:
            self.restart[name] = self._clock.callLater(wait, self.startProcess, name)

    @deprecate.deprecated(versions.Version("Twisted", 25, 5, 0))
    def connectionLost(self, name: str) -> None:
        """The program ``name`` exited (the old entry point; the protocol reports it now)."""
        self._childEnded(name)

    def __repr__(self) -> str:
        parts = []
        for name, spec in self._processes.items():
            ids = ""
            if spec.uid is not None or spec.gid is not None:
                uid = "" if spec.uid is None else str(spec.uid)
                gid = "" if spec.gid is None else f":{spec.gid}"
                ids = f"({uid}{gid})"
            parts.append(f"{name!r}{ids}: {spec.args!r}")
        return "<ProcessMonitor " + " ".join(parts) + ">"
