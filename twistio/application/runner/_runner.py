"""``Runner``: what a command like ``twist`` does once its options are parsed: kill a
running copy if asked to, hold the PID file, begin logging, run the reactor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import kill
from signal import SIGTERM
from sys import stderr
from typing import Any, TextIO

from twistio import logger as _logger
from twistio.application.runner import _pidfile
from twistio.application.runner._exit import ExitStatus, exit
from twistio.application.runner._pidfile import IPIDFile, nonePIDFile

__all__ = ["Runner"]

# Looked up here when logging begins (a test may put others in their place).
globalLogBeginner = _logger.globalLogBeginner
FilteringLogObserver = _logger.FilteringLogObserver


def _nothing(**kwargs: Any) -> None:
    return None


class Runner:
    """Runs ``reactor`` for a command line program.

    ``pidFile`` is held while the reactor runs; with ``kill``, ``run`` instead signals the
    process it names and exits. Logs go to ``logFile`` through
    ``fileLogObserverFactory``, from ``defaultLogLevel`` up. ``whenRunning(**whenRunningArguments)``
    is called once the reactor runs, ``reactorExited(**reactorExitedArguments)`` after it
    stops.
    """

    _log = _logger.Logger()

    def __init__(
        self,
        reactor: Any,
        pidFile: IPIDFile = nonePIDFile,
        kill: bool = False,
        defaultLogLevel: _logger.LogLevel = _logger.LogLevel.info,
        logFile: TextIO = stderr,
        fileLogObserverFactory: Callable[
            [TextIO], _logger.FileLogObserver
        ] = _logger.textFileLogObserver,
        whenRunning: Callable[..., None] = _nothing,
        whenRunningArguments: Mapping[str, Any] | None = None,
        reactorExited: Callable[..., None] = _nothing,
        reactorExitedArguments: Mapping[str, Any] | None = None,
    ) -> None:
        self._reactor, self._pidFile, self._kill = reactor, pidFile, kill
        self._logFile, self._defaultLogLevel = logFile, defaultLogLevel
        self._fileLogObserverFactory = fileLogObserverFactory
        # The two hooks, each kept with a copy of the keyword arguments it is called with.
        self._whenRunning = whenRunning
        self._whenRunningArguments = {**(whenRunningArguments or {})}
        self._reactorExited = reactorExited
        self._reactorExitedArguments = {**(reactorExitedArguments or {})}

    def run(self) -> None:
        """Kill if asked to; else, holding the PID file, log, run the reactor, and report
        its exit (``EX_CONFIG`` "Already running." when the PID file names a live one)."""
        self.killIfRequested()
        try:
            with self._pidFile:
                self.startLogging()
                self.startReactor()
                self.reactorExited()
        except _pidfile.AlreadyRunningError:
            exit(ExitStatus.EX_CONFIG, "Already running.")

    def killIfRequested(self) -> None:
        """With ``kill``: send SIGTERM to the process the PID file names, then exit."""
        if not self._kill:
            return
        if self._pidFile is nonePIDFile:
            exit(ExitStatus.EX_USAGE, "No PID file specified.")
            return
        try:
            pid = self._pidFile.read()
        except (OSError, _pidfile.NoPIDFound):
            exit(ExitStatus.EX_IOERR, "Unable to read PID file.")
            return
        except _pidfile.InvalidPIDFileError:
            exit(ExitStatus.EX_DATAERR, "Invalid PID file.")
            return
        self.startLogging()
        self._log.info("Terminating process: {pid}", pid=pid)
        kill(pid, SIGTERM)
        exit(ExitStatus.EX_OK)

    def startLogging(self) -> None:
        """Begin logging to ``logFile``, from ``defaultLogLevel`` up."""
        observer = self._fileLogObserverFactory(self._logFile)
        predicate = _logger.LogLevelFilterPredicate(defaultLogLevel=self._defaultLogLevel)
        globalLogBeginner.beginLoggingTo([FilteringLogObserver(observer, [predicate])])

    def startReactor(self) -> None:
        """Run the reactor (``whenRunning`` is called once it runs)."""
        self._reactor.callWhenRunning(self.whenRunning)
        self._log.info("Starting reactor...")
        self._reactor.run()

    def whenRunning(self) -> None:
        """Call ``whenRunning(**whenRunningArguments)``."""
        self._whenRunning(**self._whenRunningArguments)

    def reactorExited(self) -> None:
        """Call ``reactorExited(**reactorExitedArguments)``."""
        self._reactorExited(**self._reactorExitedArguments)
