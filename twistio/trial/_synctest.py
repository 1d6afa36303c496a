"""The synchronous half of trial, under the module name Twisted's tools and tests import:
the test case and its todo markers (from ``twistio.trial.unittest``), warning collection, the
log observer that turns logged errors into test errors, and the adapter that lets a trial test
report to a plain ``unittest.TestResult``.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from twistio.python.failure import Failure
from twistio.trial.unittest import (
    FailTest,
    SkipTest,
    SynchronousTestCase,
    Todo,
    _AssertRaisesContext,
    _Observer,
    makeTodo,
)

__all__ = [
    "FailTest",
    "PyUnitResultAdapter",
    "SkipTest",
    "SynchronousTestCase",
    "Todo",
    "UnsupportedTrialFeature",
    "_AssertRaisesContext",
    "makeTodo",
]

_T = TypeVar("_T")


class _Warning:
    """One warning seen by ``_collectWarnings``: its text, category and where it points."""

    def __init__(self, message: str, category: type[Warning], filename: str, lineno: int) -> None:
        self.message = message
        self.category = category
        self.filename = filename
        self.lineno = lineno


def _setWarningRegistryToNone(modules: Mapping[str, Any]) -> None:
    """Turn off the "already warned here" memory of each module in ``modules`` (usually
    ``sys.modules``), so that a warning given before is given again."""
    for module in list(modules.values()):
        if module is None:
            continue
        try:
            module.__warningregistry__ = None
        except (AttributeError, TypeError):
            pass  # an object that takes no attributes (a lazy loader, a C module)


def _collectWarnings(
    observeWarning: Callable[[_Warning], object], f: Callable[..., _T], *args: Any, **kwargs: Any
) -> _T:
    """Call ``f(*args, **kwargs)`` and return its result, handing each warning it gives to
    ``observeWarning`` as a ``_Warning`` (every one: filters are "always" meanwhile)."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        observeWarning(_Warning(str(message), category, filename, lineno))

    _setWarningRegistryToNone(sys.modules)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        return f(*args, **kwargs)


class UnsupportedTrialFeature(Exception):
    """A trial outcome (a todo, an unexpected success) that a plain ``unittest`` result
    cannot take; ``PyUnitResultAdapter`` reports it as a failure."""


class PyUnitResultAdapter:
    """A plain ``unittest.TestResult`` seen as a trial result: Failures become ``exc_info``
    triples, and todos and unexpected successes become failures (the plain result has no
    place for trial's ``Todo``)."""

    def __init__(self, original: Any) -> None:
        self.original = original

    def _exc_info(self, err: Any) -> Any:
        if isinstance(err, Failure):
            return (err.type, err.value, err.getTracebackObject())
        return err

    def startTest(self, method: Any) -> None:
        self.original.startTest(method)

    def stopTest(self, method: Any) -> None:
        self.original.stopTest(method)

    def addFailure(self, test: Any, fail: Any) -> None:
        self.original.addFailure(test, self._exc_info(fail))

    def addError(self, test: Any, error: Any) -> None:
        self.original.addError(test, self._exc_info(error))

    def _unsupported(self, test: Any, feature: str, info: Any) -> None:
        self.original.addFailure(
            test, (UnsupportedTrialFeature, UnsupportedTrialFeature(feature, info), None)
        )

    def addSkip(self, test: Any, reason: str) -> None:
        try:
            self.original.addSkip(test, reason)
        except AttributeError:
            self._unsupported(test, "skip", reason)

    def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
        self._unsupported(test, "unexpected success", todo)

    def addExpectedFailure(self, test: Any, error: Any) -> None:
        self._unsupported(test, "expected failure", error)

    def addSuccess(self, test: Any) -> None:
        self.original.addSuccess(test)

    def upDownError(self, method: str, error: Any, warn: bool, printStatus: bool) -> None:
        """Old reporters' hook for errors in class fixtures: nothing to report here."""


class _LogObserver(_Observer):
    """Collects the errors logged while tests run; started by the first ``_add`` and
    stopped by the matching ``_remove``. ``_ignoreErrors`` makes it drop errors of some
    types until ``_clearIgnores``."""

    def __init__(self) -> None:
        super().__init__()
        self._users = 0
        self._ignored: list[type[BaseException]] = []

    def _add(self) -> None:
        if self._users == 0:
            self.start()
        self._users += 1

    def _remove(self) -> None:
        self._users -= 1
        if self._users == 0:
            self.stop()

    def _ignoreErrors(self, *errorTypes: type[BaseException]) -> None:
        self._ignored.extend(errorTypes)

    def _clearIgnores(self) -> None:
        self._ignored = []

    def _collect(self, failure: Failure) -> None:
        if self._ignored and failure.check(*self._ignored):
            return
        super()._collect(failure)

    def flushErrors(self, *errorTypes: type[BaseException]) -> list[Failure]:
        """Remove and return the errors collected (of these types, if any are given)."""
        return self.flush(*errorTypes)

    def getErrors(self) -> list[Failure]:
        """The errors collected so far."""
        return list(self.errors)


#: The observer trial's garbage-collecting decorator reads errors from.
_logObserver = _LogObserver()
