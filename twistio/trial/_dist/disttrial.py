"""The manager of a distributed trial run: N worker processes, one test at a time each.

:class:`DistTrialRunner` takes the place of :class:`~twistio.trial.runner.TrialRunner` when
trial is given ``--jobs N``. It prepares the working directory (each worker works in a
numbered directory inside it), starts the workers, and hands out the tests in suite order
to whichever worker is free. Outcomes are reported as each test ends
(:mod:`.distreporter`). A worker that dies during a test gets that test reported as an
error and is replaced, so that the rest of the run goes on.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

from twistio.protocols.amp import AmpBox
from twistio.trial import reporter as _reporter
from twistio.trial._asyncrunner import _iterateTests
from twistio.trial._dist import _wire, worker, workercommands
from twistio.trial._dist.distreporter import DistReporter
from twistio.trial.runner import _setUpWorkingDirectory, _untilFailure

__all__ = ["DistTrialRunner"]

#: How many times one worker slot is started again after its process died.
_RESTARTS = 3


class _WorkerDied(Exception):
    pass


class _Slot:
    """One worker process and the conversation with it."""

    def __init__(self, runner: DistTrialRunner, index: int, directory: str) -> None:
        self._runner = runner
        self.index = index
        self.directory = directory
        self._process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None
        self._tag = 0

    async def start(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        self._log = open(os.path.join(self.directory, "err.log"), "ab")  # noqa: SIM115
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([os.getcwd(), *sys.path])
        from twistio import compat

        if compat.installed():
            env["TWISTIO_TRIAL_ALIAS"] = "1"
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "twistio.trial._dist.workertrial",
            *self._runner._workerArguments,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._log,
            cwd=self.directory,
            env=env,
        )
        await self.call(workercommands.Start, {"directory": self.directory}, None)

    async def call(self, command: Any, arguments: dict[str, Any], sink: Any) -> None:
        """Send ``command``; hand every box that comes before its answer to ``sink``."""
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise worker.NotRunning()
        self._tag += 1
        tag = str(self._tag).encode("ascii")
        box = command.makeArguments(arguments, None)
        box[b"_command"] = command.commandName
        box[b"_ask"] = tag
        try:
            process.stdin.write(box.serialize())
            await process.stdin.drain()
            while True:
                reply: AmpBox | None = await _wire.readBoxAsync(process.stdout.readexactly)
                if reply is None:
                    raise _WorkerDied()
                if reply.get(b"_answer") == tag:
                    return
                if sink is not None:
                    sink(reply)
        except (EOFError, ConnectionError) as e:
            raise _WorkerDied() from e

    async def stop(self) -> None:
        process = self._process
        self._process = None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


class DistTrialRunner:
    """Runs a suite's tests in ``maxWorkers`` processes and reports them as one run."""

    def __init__(
        self,
        reporterFactory: Callable[..., Any],
        maxWorkers: int,
        workerArguments: list[str],
        exitFirst: bool = False,
        reactor: Any = None,
        stream: IO[str] | None = None,
        tracebackFormat: str = "default",
        realTimeErrors: bool = False,
        uncleanWarnings: bool = False,
        logfile: str = "test.log",
        workingDirectory: str = "_trial_temp",
        workerPoolFactory: Any = None,
    ) -> None:
        self._reporterFactory = reporterFactory
        self._maxWorkers = maxWorkers
        self._workerArguments = workerArguments
        self._exitFirst = exitFirst
        self._reactor = reactor
        self.stream: IO[str] = stream if stream is not None else sys.stdout
        self._tracebackFormat = tracebackFormat
        self._realTimeErrors = realTimeErrors
        self._uncleanWarnings = uncleanWarnings
        self._logfile = logfile
        self._workingDirectory = workingDirectory
        self._workerPoolFactory = workerPoolFactory

    def _makeResult(self) -> Any:
        result: Any = self._reporterFactory(
            self.stream, self._tracebackFormat, self._realTimeErrors
        )
        if self._uncleanWarnings:
            result = _reporter.UncleanWarningsReporterWrapper(result)
        return result

    def writeResults(self, result: Any) -> None:
        """Print the run's summary (the reporter's ``done``)."""
        result.done()

    def run(self, suite: Any, untilFailure: bool = False) -> Any:
        """Run every test of ``suite``; the reporter, after its summary."""
        if untilFailure:
            return self.runUntilFailure(suite)
        result = self._makeResult()
        tests = list(_iterateTests(suite))
        directory, lock = _setUpWorkingDirectory(self._workingDirectory)
        try:
            if tests:
                self._runInThread(tests, DistReporter(result), directory)
        finally:
            lock.unlock()
        self.writeResults(result)
        return result

    def runUntilFailure(self, suite: Any) -> Any:
        """Run ``suite`` again and again until a run does not pass; that run's reporter."""
        return _untilFailure(self, suite)

    def _runInThread(self, tests: list[Any], result: Any, directory: str) -> None:
        # The managing is asyncio's work, on a loop of its own: the calling thread may be a
        # test that has a loop of its own (trial runs one per test).
        failure: list[BaseException] = []

        def manage() -> None:
            try:
                asyncio.run(self._manage(tests, result, directory))
            except BaseException as e:
                failure.append(e)

        thread = threading.Thread(target=manage, name="twistio-disttrial")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]

    async def _manage(self, tests: list[Any], result: Any, directory: str) -> None:
        byName = {test.id(): test for test in tests}
        pending = list(tests)
        stopped = asyncio.Event()
        count = max(1, min(self._maxWorkers, len(tests)))
        await asyncio.gather(
            *(
                self._drive(index, directory, pending, byName, result, stopped)
                for index in range(count)
            )
        )

    async def _drive(
        self,
        index: int,
        directory: str,
        pending: list[Any],
        byName: dict[str, Any],
        result: Any,
        stopped: asyncio.Event,
    ) -> None:
        slot = _Slot(self, index, os.path.join(directory, str(index)))
        restarts = 0

        def sink(box: AmpBox) -> None:
            worker.report(box, byName, result, self.stream)

        try:
            await slot.start()
            while pending and not stopped.is_set():
                test = pending.pop(0)
                result.startTest(test)
                try:
                    await slot.call(workercommands.Run, {"testCase": test.id()}, sink)
                except _WorkerDied:
                    result.addError(
                        test,
                        worker._RemoteFailure(
                            "twistio.trial._dist.worker.WorkerException",
                            f"worker {index} exited while running {test.id()}",
                            [f"worker {index} exited while running {test.id()}"],
                        ),
                    )
                    result.stopTest(test)
                    await slot.stop()
                    restarts += 1
                    if restarts > _RESTARTS:
                        return
                    await slot.start()
                    continue
                result.stopTest(test)
                if self._exitFirst and not result.wasSuccessful():
                    stopped.set()
        finally:
            await slot.stop()
