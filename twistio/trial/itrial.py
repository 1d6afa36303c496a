"""trial's interfaces: ``ITestCase`` (a test) and ``IReporter`` (what a test reports to).

A ``unittest.TestResult`` has the same methods; pytest declares its test items providers of
``IReporter`` when trial is in use, with ``zope.interface.classImplements``, which accepts
these interfaces.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, Union

from twistio.internet.interfaces import Interface

__all__ = ["IReporter", "IReporterWithDurations", "ITestCase", "ITestCaseVar"]


class ITestCase(Interface, Protocol):
    """One test: runs itself against a reporter."""

    failureException: type[BaseException]
    skip: str | None

    def __call__(self, result: Any) -> None:
        """The same as ``run(result)``."""

    def countTestCases(self) -> int:
        """How many tests this is: 1."""

    def id(self) -> str:
        """The dotted name of the test."""

    def run(self, result: Any) -> None:
        """Run the test, telling ``result`` (an ``IReporter``) what happens."""

    def shortDescription(self) -> str:
        """A one-line description (the docstring's first line), or the name."""


#: A test or a test class: what a decorator that marks tests (a skip, a todo) takes and returns.
ITestCaseVar = TypeVar("ITestCaseVar", bound=Union[ITestCase, type[ITestCase]])


class IReporter(Interface, Protocol):
    """What a running test tells: start and stop, and how each test ended."""

    shouldStop: bool
    testsRun: int

    def startTest(self, method: Any) -> None:
        """``method`` (an ``ITestCase``) starts."""

    def stopTest(self, method: Any) -> None:
        """``method`` has ended."""

    def addSuccess(self, test: Any) -> None:
        """``test`` passed."""

    def addError(self, test: Any, error: Any) -> None:
        """``test`` raised ``error`` (a Failure or an exc_info tuple)."""

    def addFailure(self, test: Any, fail: Any) -> None:
        """An assertion of ``test`` failed: ``fail`` (a Failure or an exc_info tuple)."""

    def addExpectedFailure(self, test: Any, failure: Any, todo: Any = None) -> None:
        """``test`` failed as its ``todo`` said it would."""

    def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
        """``test`` passed although its ``todo`` said it would fail."""

    def addSkip(self, test: Any, reason: Any) -> None:
        """``test`` was skipped, for ``reason``."""

    def wasSuccessful(self) -> bool:
        """Whether every test so far passed (skips and todos count as passes)."""

    def done(self) -> None:
        """The run is over: print the summary."""


class IReporterWithDurations(IReporter, Protocol):
    """A reporter told how long each successful test took."""

    def addDuration(self, test: Any, elapsed: float) -> None:
        """``test`` took ``elapsed`` seconds."""
