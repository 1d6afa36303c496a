"""The reporter of a worker: every outcome goes to the manager as an AMP box."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.protocols.amp import Command
from twistio.python import reflect
from twistio.python.failure import Failure
from twistio.trial import reporter
from twistio.trial._dist import managercommands

__all__ = ["WorkerReporter"]


def _failure(err: Any) -> Failure:
    return err if isinstance(err, Failure) else Failure(err[1], err[0], err[2])


class WorkerReporter(reporter.TestResult):
    """Counts like any result and tells ``send(command, **arguments)`` each outcome."""

    def __init__(self, send: Callable[..., None]) -> None:
        super().__init__()
        self._send = send

    def _tell(self, command: type[Command], test: Any, **arguments: Any) -> None:
        self._send(command, testName=test.id(), **arguments)

    def _explain(self, err: Any) -> tuple[str, str, list[str]]:
        failure = _failure(err)
        text = failure.getTraceback()
        return reflect.qual(failure.type), failure.getErrorMessage(), text.splitlines()

    def addSuccess(self, test: Any) -> None:
        super().addSuccess(test)
        self._tell(managercommands.AddSuccess, test)

    def addError(self, test: Any, err: Any) -> None:
        super().addError(test, err)
        kind, message, frames = self._explain(err)
        self._tell(managercommands.AddError, test, errorClass=kind, error=message, frames=frames)

    def addFailure(self, test: Any, err: Any) -> None:
        super().addFailure(test, err)
        kind, message, frames = self._explain(err)
        self._tell(managercommands.AddFailure, test, failClass=kind, fail=message, frames=frames)

    def addSkip(self, test: Any, reason: Any) -> None:
        super().addSkip(test, reason)
        self._tell(managercommands.AddSkip, test, reason=str(reason))

    def addExpectedFailure(self, test: Any, err: Any, todo: Any = None) -> None:
        super().addExpectedFailure(test, err, todo)
        self._tell(
            managercommands.AddExpectedFailure,
            test,
            error=_failure(err).getTraceback(),
            todo=_reasonOf(todo),
        )

    def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
        super().addUnexpectedSuccess(test, todo)
        self._tell(managercommands.AddUnexpectedSuccess, test, todo=_reasonOf(todo))


def _reasonOf(todo: Any) -> str:
    reason = getattr(todo, "reason", todo)
    return "" if reason is None else str(reason)
