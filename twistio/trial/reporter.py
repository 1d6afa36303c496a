"""trial's reporters: what a test run prints.

``TreeReporter`` (``--reporter=verbose``, the default) prints the module/class/test tree with
``[OK]``, ``[FAIL]``, ``[ERROR]``, ``[SKIPPED]``, ``[TODO]`` or ``[SUCCESS!?!]`` for each
test; ``VerboseTextReporter`` (``bwverbose``) one ``test.id ... [OK]`` line per test;
``TextReporter`` (``text``) a character per test; ``MinimalReporter`` (``summary``) only the
counts. All but the last then print each problem, grouped by traceback, and a summary such
as ``PASSED (successes=3)`` or ``FAILED (failures=1, errors=2, successes=5)``.

A reporter is a ``unittest.TestResult``, so ``unittest.TestSuite`` (and its class and
module fixtures) can run against it.
"""

from __future__ import annotations

import re
import sys
import time
import unittest
from collections.abc import Sequence
from typing import IO, Any, Union

from twistio.python.failure import Failure
from twistio.trial.unittest import _trimmed

__all__ = [
    "MinimalReporter",
    "Reporter",
    "TestResult",
    "TextReporter",
    "TreeReporter",
    "VerboseTextReporter",
]

_SEPARATOR = "-" * 79
_DOUBLE_SEPARATOR = "=" * 79
_WIDTH = 79

# Outcome names, most important first (a test's status is the most important one it got).
_OK = "[OK]"
_SKIP = "[SKIPPED]"
_TODO = "[TODO]"
_FAIL = "[FAIL]"
_ERROR = "[ERROR]"
_UNEXPECTED = "[SUCCESS!?!]"
_RANK = {_OK: 0, _SKIP: 1, _TODO: 2, _UNEXPECTED: 3, _FAIL: 4, _ERROR: 5}

_ErrorLike = Union[Failure, tuple[Any, Any, Any], BaseException]


def _as_failure(err: _ErrorLike) -> Failure:
    if isinstance(err, Failure):
        failure = err
    elif isinstance(err, tuple):
        typ, value, tb = err
        failure = Failure(value, typ, tb)
    else:
        failure = Failure(err)
    return _trimmed(failure)


_HOLDER = re.compile(r"^(\w+) \((.+)\)$")


def _test_id(test: Any) -> str:
    """The dotted name a test is reported under (class fixture errors included)."""
    name = str(test.id())
    if isinstance(test, unittest.TestCase):
        return name
    match = _HOLDER.match(name)
    if match:  # unittest's holder for setUpClass/setUpModule errors: "setUpClass (a.B)"
        return f"{match.group(2)}.{match.group(1)}"
    return name


def _reason(todo: Any) -> str:
    return repr(getattr(todo, "reason", todo))


class TestResult(unittest.TestResult):
    """trial's result: what a run gave, without printing anything.

    ``successes`` counts the tests that passed; ``skips`` holds ``(test, reason)``,
    ``expectedFailures`` ``(test, failure, todo)``, ``unexpectedSuccesses`` ``(test, todo)``,
    ``failures`` and ``errors`` ``(test, failure)``, each error a Failure whatever form it was
    reported in.
    """

    def __init__(self) -> None:
        super().__init__()
        self.successes = 0
        self.skips: list[tuple[Any, str]] = []
        self.expectedFailures: list[tuple[Any, Failure, Any]] = []  # type: ignore[assignment]
        self.unexpectedSuccesses: list[tuple[Any, Any]] = []  # type: ignore[assignment]
        self.failures: list[tuple[Any, Failure]] = []  # type: ignore[assignment]
        self.errors: list[tuple[Any, Failure]] = []  # type: ignore[assignment]
        self._testStarted: float | None = None
        self._lastTime: float | None = None

    def _getTime(self) -> float:
        return time.time()

    def startTest(self, test: Any) -> None:
        super().startTest(test)
        self._testStarted = self._getTime()

    def stopTest(self, test: Any) -> None:
        super().stopTest(test)
        if self._testStarted is not None:
            self._lastTime = self._getTime() - self._testStarted

    def addSuccess(self, test: Any) -> None:
        self.successes += 1

    def addError(self, test: Any, error: _ErrorLike) -> None:
        self.errors.append((test, _as_failure(error)))

    def addFailure(self, test: Any, fail: _ErrorLike) -> None:
        self.failures.append((test, _as_failure(fail)))

    def addSkip(self, test: Any, reason: str) -> None:
        self.skips.append((test, reason))

    def addExpectedFailure(self, test: Any, error: _ErrorLike, todo: Any = None) -> None:
        self.expectedFailures.append((test, _as_failure(error), _todo_or_default(todo)))

    def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
        self.unexpectedSuccesses.append((test, _todo_or_default(todo)))

    def wasSuccessful(self) -> bool:
        """True if no test failed or errored (skips, todos and unexpected successes pass)."""
        return not self.failures and not self.errors

    def done(self) -> None:
        """The run is over (a printing result prints its report here)."""


def _todo_or_default(todo: Any) -> Any:
    if todo is None:
        from twistio.trial.unittest import makeTodo

        return makeTodo("Test expected to fail")
    return todo


class Reporter(TestResult):
    """Collects results and prints, at ``done()``, the problems and the summary."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        tbformat: str = "default",
        realtime: bool = False,
        publisher: Any = None,
    ) -> None:
        super().__init__()
        self._stream: IO[str] = stream if stream is not None else sys.stdout
        self.tbformat = tbformat
        self.realtime = realtime
        self._startTime = time.time()
        self._status: str | None = None
        self._started: Any = None

    # -- writing ----------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        self._stream.write(text)

    def _writeln(self, text: str = "") -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    # -- the result API -----------------------------------------------------------------------

    def startTest(self, test: Any) -> None:
        super().startTest(test)
        self._status = None
        self._started = test
        self.startedTest(test)

    def stopTest(self, test: Any) -> None:
        super().stopTest(test)
        self.finishedTest(test, self._status or _OK)
        self._started = None

    def _outcome(self, test: Any, status: str) -> None:
        if self._started is None:
            # Not started: unittest's holder of a fixture error, or our import error holder.
            self.testsRun += 1
            self.startedTest(test)
            self.finishedTest(test, status)
            return
        if self._status is None or _RANK[status] > _RANK[self._status]:
            self._status = status

    def addSuccess(self, test: Any) -> None:
        super().addSuccess(test)
        self._outcome(test, _OK)

    def addError(self, test: Any, error: _ErrorLike) -> None:
        super().addError(test, error)
        self._outcome(test, _ERROR)
        if self.realtime:
            self._writeln(f"{_test_id(test)}\n{self.errors[-1][1].getTraceback()}")

    def addFailure(self, test: Any, fail: _ErrorLike) -> None:
        super().addFailure(test, fail)
        self._outcome(test, _FAIL)
        if self.realtime:
            self._writeln(f"{_test_id(test)}\n{self.failures[-1][1].getTraceback()}")

    def addSkip(self, test: Any, reason: str) -> None:
        super().addSkip(test, str(reason))
        self._outcome(test, _SKIP)

    def addExpectedFailure(self, test: Any, error: _ErrorLike, todo: Any = None) -> None:
        super().addExpectedFailure(test, error, todo)
        self._outcome(test, _TODO)

    def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
        super().addUnexpectedSuccess(test, todo)
        self._outcome(test, _UNEXPECTED)

    # -- hooks for subclasses -----------------------------------------------------------------

    def startedTest(self, test: Any) -> None:
        """A test started."""

    def finishedTest(self, test: Any, status: str) -> None:
        """A test ended with ``status`` (``[OK]``, ``[FAIL]`` ...)."""

    # -- the end ------------------------------------------------------------------------------

    def _problems(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(heading, [(text, test id)]) for each kind of problem, in trial's order."""
        return [
            (_SKIP, [(f"{reason}\n", _test_id(t)) for t, reason in self.skips]),
            (
                _TODO,
                [
                    (f"Reason: {_reason(todo)}\n{self._formatFailure(f)}", _test_id(t))
                    for t, f, todo in self.expectedFailures
                ],
            ),
            (_FAIL, [(self._formatFailure(f), _test_id(t)) for t, f in self.failures]),
            (_ERROR, [(self._formatFailure(f), _test_id(t)) for t, f in self.errors]),
            (
                _UNEXPECTED,
                [(f"Reason: {_reason(todo)}\n", _test_id(t)) for t, todo in self.unexpectedSuccesses],
            ),
        ]

    def _formatFailure(self, failure: Failure) -> str:
        if self.tbformat == "brief":
            return failure.getBriefTraceback()
        return failure.getTraceback(detail=self.tbformat)

    def _printErrors(self) -> None:
        self._writeln()
        for heading, entries in self._problems():
            grouped: dict[str, list[str]] = {}
            for text, name in entries:
                grouped.setdefault(text, []).append(name)
            for text, names in grouped.items():
                self._writeln(_DOUBLE_SEPARATOR)
                self._writeln(heading)
                self._write(text if text.endswith("\n") else text + "\n")
                self._writeln()
                for name in names:
                    self._writeln(name)

    def _statusLine(self) -> str:
        counts: list[tuple[str, int]] = [
            ("skips", len(self.skips)),
            ("expectedFailures", len(self.expectedFailures)),
            ("failures", len(self.failures)),
            ("errors", len(self.errors)),
            ("unexpectedSuccesses", len(self.unexpectedSuccesses)),
            ("successes", self.successes),
        ]
        summary = ", ".join(f"{name}={n}" for name, n in counts if n)
        verdict = "PASSED" if self.wasSuccessful() else "FAILED"
        return f"{verdict} ({summary})" if summary else verdict

    def _printSummary(self) -> None:
        self._writeln(_SEPARATOR)
        self._writeln(f"Ran {self.testsRun} tests in {self._lastTime:.3f}s")
        self._writeln()
        self._writeln(self._statusLine())

    def done(self) -> None:
        """The run is over: print the problems and the summary."""
        self._lastTime = time.time() - self._startTime
        self._printErrors()
        self._printSummary()


class MinimalReporter(Reporter):
    """Only the numbers: ``time tests tests errors failures skips``."""

    def _printErrors(self) -> None:
        pass

    def _printSummary(self) -> None:
        self._writeln(_SEPARATOR)
        self._writeln(f"Ran {self.testsRun} tests in {self._lastTime:.3f}s")
        self._writeln()
        self._writeln(
            f"{self._lastTime} {self.testsRun} {self.testsRun} {len(self.errors)} "
            f"{len(self.failures)} {len(self.skips)}"
        )


class TextReporter(Reporter):
    """A character per test: ``.`` ``F`` ``E`` ``S`` ``T`` (todo) ``!`` (unexpected success)."""

    _CHARS = {_OK: ".", _FAIL: "F", _ERROR: "E", _SKIP: "S", _TODO: "T", _UNEXPECTED: "!"}

    def finishedTest(self, test: Any, status: str) -> None:
        self._write(self._CHARS[status])
        self._stream.flush()

    def _printErrors(self) -> None:
        self._writeln()
        super()._printErrors()


class VerboseTextReporter(Reporter):
    """One ``test.id ... [STATUS]`` line per test."""

    def startedTest(self, test: Any) -> None:
        self._write(f"{_test_id(test)} ... ")
        self._stream.flush()

    def finishedTest(self, test: Any, status: str) -> None:
        self._writeln(status)


class TreeReporter(Reporter):
    """The module / class / test tree, each test's status at the right-hand edge."""

    _COLORS = {
        _OK: "\x1b[32m",
        _SKIP: "\x1b[34m",
        _TODO: "\x1b[34m",
        _FAIL: "\x1b[31m",
        _ERROR: "\x1b[31m",
        _UNEXPECTED: "\x1b[31m",
    }

    def __init__(
        self,
        stream: IO[str] | None = None,
        tbformat: str = "default",
        realtime: bool = False,
        publisher: Any = None,
        color: bool | None = None,
    ) -> None:
        super().__init__(stream, tbformat, realtime, publisher)
        if color is None:
            isatty = getattr(self._stream, "isatty", None)
            color = bool(isatty and isatty())
        self._color = color
        self._lastParents: Sequence[str] = ()
        self._line = ""

    @staticmethod
    def _segments(name: str) -> tuple[list[str], str]:
        parts = name.split(".")
        if len(parts) > 2:
            return [".".join(parts[:-2]), parts[-2]], parts[-1]
        return parts[:-1], parts[-1]

    def startedTest(self, test: Any) -> None:
        parents, leaf = self._segments(_test_id(test))
        last = list(self._lastParents)
        for depth, segment in enumerate(parents):
            if depth < len(last) and last[depth] == segment and last[:depth] == parents[:depth]:
                continue
            self._writeln("  " * depth + segment)
        self._lastParents = parents
        self._line = "  " * len(parents) + leaf + " ..."
        self._write(self._line)
        self._stream.flush()

    def finishedTest(self, test: Any, status: str) -> None:
        padding = max(1, _WIDTH - len(self._line) - len(status))
        shown = status
        if self._color:
            shown = f"{self._COLORS[status]}{status}\x1b[0m"
        self._writeln(" " * padding + shown)
