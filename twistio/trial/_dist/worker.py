"""The manager's side of one worker: what its outcome boxes mean for the reporter."""

from __future__ import annotations

from typing import Any

from twistio.protocols.amp import AmpBox
from twistio.python.failure import Failure
from twistio.trial._dist import managercommands
from twistio.trial.unittest import makeTodo

__all__ = ["NotRunning", "WorkerException"]


class WorkerException(Exception):
    """An error or failure of a test that ran in a worker (its text is the worker's account)."""


class NotRunning(Exception):
    """The worker process is not running (it exited, or was never started)."""


class _RemoteFailure(Failure):
    """A failure that happened in a worker: its traceback is the text the worker sent."""

    def __init__(self, kind: str, message: str, frames: list[str]) -> None:
        super().__init__(WorkerException(message))
        self._remoteKind = kind
        self._remoteText = "\n".join(frames) + "\n"

    def getTraceback(self, elideFrameworkCode: int = 0, detail: str = "default") -> str:
        return self._remoteText

    def getErrorMessage(self) -> str:
        return f"{self._remoteKind}: {self.value}"


_COMMANDS = {
    command.commandName: command
    for command in (
        managercommands.AddSuccess,
        managercommands.AddError,
        managercommands.AddFailure,
        managercommands.AddSkip,
        managercommands.AddExpectedFailure,
        managercommands.AddUnexpectedSuccess,
        managercommands.TestWrite,
    )
}


def report(box: AmpBox, tests: dict[str, Any], result: Any, stream: Any) -> None:
    """Tell ``result`` the outcome ``box`` carries, about the test of ``tests`` it names."""
    command = _COMMANDS.get(box.get(b"_command", b""))
    if command is None:
        return
    args = command.parseArguments(box, None)
    if command is managercommands.TestWrite:
        stream.write(args["out"])
        return
    test = tests[args["testName"]]
    if command is managercommands.AddSuccess:
        result.addSuccess(test)
    elif command is managercommands.AddError:
        result.addError(test, _RemoteFailure(args["errorClass"], args["error"], args["frames"]))
    elif command is managercommands.AddFailure:
        result.addFailure(test, _RemoteFailure(args["failClass"], args["fail"], args["frames"]))
    elif command is managercommands.AddSkip:
        result.addSkip(test, args["reason"])
    elif command is managercommands.AddExpectedFailure:
        account = args["error"]
        failure = _RemoteFailure("", account, account.splitlines())
        result.addExpectedFailure(test, failure, makeTodo(args["todo"]))
    elif command is managercommands.AddUnexpectedSuccess:
        result.addUnexpectedSuccess(test, makeTodo(args["todo"]))
