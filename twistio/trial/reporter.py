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
import warnings
from collections.abc import Sequence
from typing import IO, Any, Union

from twistio.internet.interfaces import implementer
from twistio.python.failure import Failure
from twistio.python.util import untilConcludes
from twistio.trial.itrial import IReporter
from twistio.trial.unittest import _trimmed

try:  # the subunit protocol (an optional package): SubunitReporter needs it
    from subunit import TestProtocolClient  # type: ignore[import-not-found,import-untyped,unused-ignore]
except ImportError:
    TestProtocolClient = None

__all__ = [
    "MinimalReporter",
    "Reporter",
    "SafeStream",
    "SubunitReporter",
    "TestResult",
    "TestResultDecorator",
    "TextReporter",
    "TimingTextReporter",
    "TreeReporter",
    "UncleanWarningsReporterWrapper",
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
    elif isinstance(err, tuple) and len(err) == 3:
        typ, value, tb = err
        failure = Failure(value, typ, tb)
    elif isinstance(err, BaseException):
        failure = Failure(err)
    else:
        raise TypeError(f"{err!r} is neither a Failure nor an exc_info triple")
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
    return repr(todo.reason)


class SafeStream:
    """A stream whose writes are retried when a signal interrupts them (``EINTR``)."""

    def __init__(self, original: Any) -> None:
        self.original = original

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)

    def write(self, *args: Any) -> Any:
        return untilConcludes(self.original.write, *args)

    def flush(self) -> Any:
        flush = getattr(self.original, "flush", None)
        return None if flush is None else untilConcludes(flush)


@implementer(IReporter)
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


@implementer(IReporter)
class TestResultDecorator:
    """A result that passes everything on to ``original`` (subclasses change some of it)."""

    def __init__(self, original: Any) -> None:
        self._originalReporter = original

    def __getattr__(self, name: str) -> Any:
        if name == "_originalReporter":
            raise AttributeError(name)
        return getattr(self._originalReporter, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_originalReporter" or name in type(self).__dict__:
            object.__setattr__(self, name, value)
        else:
            setattr(self._originalReporter, name, value)


class UncleanWarningsReporterWrapper(TestResultDecorator):
    """Turns a ``DirtyReactorAggregateError`` (a test left the reactor dirty) into a
    warning instead of a test error (``trial --unclean-warnings``)."""

    def addError(self, test: Any, error: _ErrorLike) -> None:
        from twistio.trial.util import DirtyReactorAggregateError

        failure = error if isinstance(error, Failure) else _as_failure(error)
        if failure.check(DirtyReactorAggregateError):
            warnings.warn(failure.getErrorMessage(), stacklevel=1)
        else:
            self._originalReporter.addError(test, error)


class _ExitWrapper(TestResultDecorator):
    """Stops the run at the first error or failure (``trial --exitfirst``)."""

    def addError(self, *args: Any) -> None:
        self.shouldStop = True
        self._originalReporter.addError(*args)

    def addFailure(self, *args: Any) -> None:
        self.shouldStop = True
        self._originalReporter.addFailure(*args)


class _AdaptedReporter(TestResultDecorator):
    """Reports each test as ``testAdapter(test)`` (what a ``TestDecorator`` stands for)."""

    def __init__(self, original: Any, testAdapter: Any) -> None:
        super().__init__(original)
        object.__setattr__(self, "testAdapter", testAdapter)

    def addError(self, test: Any, error: Any) -> None:
        self._originalReporter.addError(self.testAdapter(test), error)

    def addExpectedFailure(self, test: Any, failure: Any, todo: Any = None) -> None:
        self._originalReporter.addExpectedFailure(self.testAdapter(test), failure, todo)

    def addFailure(self, test: Any, failure: Any) -> None:
        self._originalReporter.addFailure(self.testAdapter(test), failure)

    def addSkip(self, test: Any, skip: Any) -> None:
        self._originalReporter.addSkip(self.testAdapter(test), skip)

    def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
        self._originalReporter.addUnexpectedSuccess(self.testAdapter(test), todo)

    def startTest(self, test: Any) -> None:
        self._originalReporter.startTest(self.testAdapter(test))

    def stopTest(self, test: Any) -> None:
        self._originalReporter.stopTest(self.testAdapter(test))


class Reporter(TestResult):
    """Collects results and prints, at ``done()``, the problems and the summary."""

    _separator = _SEPARATOR
    _doubleSeparator = _DOUBLE_SEPARATOR

    def __init__(
        self,
        stream: IO[str] | None = None,
        tbformat: str = "default",
        realtime: bool = False,
        publisher: Any = None,
    ) -> None:
        super().__init__()
        self._stream: Any = SafeStream(stream if stream is not None else sys.stdout)
        self.tbformat = tbformat
        self.realtime = realtime
        self._startTime: float | None = None
        self._status: str | None = None
        self._started: Any = None
        self._warningCache: set[tuple[Any, ...]] = set()
        self._publisher = publisher
        if publisher is not None:
            publisher.addObserver(self._observeWarnings)

    # -- writing ----------------------------------------------------------------------------

    def _write(self, format: str, *args: Any) -> None:
        self._stream.write(format % args if args else format)

    def _writeln(self, format: str = "", *args: Any) -> None:
        self._write(format, *args)
        self._stream.write("\n")
        self._stream.flush()

    def _observeWarnings(self, event: dict[str, Any]) -> None:
        """Print each warning logged while tests run (a log event with a ``warning``), once
        per test."""
        if "warning" not in event:
            return
        category = event.get("category")
        name = category if isinstance(category, str) else getattr(category, "__name__", "")
        key = (event.get("filename"), event.get("lineno"), name, str(event["warning"]))
        if key in self._warningCache:
            return
        self._warningCache.add(key)
        self._stream.write(
            f"{key[0]}:{key[1]}: {str(name).split('.')[-1]}: {event['warning']}\n"
        )

    # -- the result API -----------------------------------------------------------------------

    def startTest(self, test: Any) -> None:
        super().startTest(test)
        if self._startTime is None:
            self._startTime = self._getTime()
        self._warningCache = set()
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

    def _trimFrames(self, frames: list[Any]) -> list[Any]:
        """A failure's frames without trial's, defer.py's and asyncio's at the start, nor those
        of trial's assertion methods at the end (one frame at least is kept)."""
        from twistio.trial.unittest import _ASSERTION_FILES, _FRAMEWORK_FILES

        def filename(frame: Any) -> str:
            return str(frame[1]) if isinstance(frame, (tuple, list)) and len(frame) > 1 else ""

        start, end = 0, len(frames)
        while end - start > 1 and filename(frames[start]).startswith(_FRAMEWORK_FILES):
            start += 1
        while end - start > 1 and filename(frames[end - 1]).startswith(_ASSERTION_FILES):
            end -= 1
        return list(frames[start:end])

    def _formatFailureTraceback(self, fail: Failure | str) -> str:
        """The text shown for a failure (its frames trimmed; the failure is not changed); a
        string is shown as it is, with one trailing newline."""
        if isinstance(fail, str):
            return fail.rstrip() + "\n"
        frames = fail.frames
        fail.frames = self._trimFrames(frames)
        try:
            if self.tbformat == "brief":
                return fail.getBriefTraceback()
            return fail.getTraceback(detail=self.tbformat)
        finally:
            fail.frames = frames

    _formatFailure = _formatFailureTraceback

    def _groupResults(
        self, results: list[tuple[Any, Any]], formatter: Any
    ) -> list[tuple[str, list[Any]]]:
        """``(text, [tests])`` for the tests whose problem reads the same, in order."""
        groups: dict[str, list[Any]] = {}
        for test, outcome in results:
            groups.setdefault(formatter(outcome), []).append(test)
        return list(groups.items())

    def _printResults(self, flavor: str, errors: list[tuple[Any, Any]], formatter: Any) -> None:
        """Print each group of ``errors`` (``(test, problem)`` pairs) under ``flavor``."""
        for content, tests in self._groupResults(errors, formatter):
            self._writeln(self._doubleSeparator)
            self._writeln(flavor)
            self._write(content)
            self._writeln()
            for test in tests:
                self._writeln(_test_id(test))

    def _printExpectedFailure(self, error: tuple[Failure, Any]) -> str:
        failure, todo = error
        return f"Reason: {_reason(todo)}\n{self._formatFailureTraceback(failure)}"

    def _printUnexpectedSuccess(self, todo: Any) -> str:
        return f"Reason: {_reason(todo)}\n"

    def _printErrors(self) -> None:
        self._writeln()
        self._printResults(_SKIP, self.skips, lambda reason: f"{reason}\n")
        self._printResults(
            _TODO,
            [(t, (f, todo)) for t, f, todo in self.expectedFailures],
            self._printExpectedFailure,
        )
        self._printResults(_FAIL, self.failures, self._formatFailureTraceback)
        self._printResults(_ERROR, self.errors, self._formatFailureTraceback)
        self._printResults(_UNEXPECTED, self.unexpectedSuccesses, self._printUnexpectedSuccess)

    def _counts(self) -> str:
        counts: list[tuple[str, int]] = [
            ("skips", len(self.skips)),
            ("expectedFailures", len(self.expectedFailures)),
            ("failures", len(self.failures)),
            ("errors", len(self.errors)),
            ("unexpectedSuccesses", len(self.unexpectedSuccesses)),
            ("successes", self.successes),
        ]
        return ", ".join(f"{name}={n}" for name, n in counts if n)

    def _statusLine(self) -> str:
        summary = self._counts()
        verdict = "PASSED" if self.wasSuccessful() else "FAILED"
        return f"{verdict} ({summary})" if summary else verdict

    def _elapsed(self) -> float:
        """Seconds since the first test started (0 before it)."""
        if self._startTime is None:
            return 0
        return self._getTime() - self._startTime

    def _printSummary(self) -> None:
        """The verdict line: ``PASSED (successes=3)``, ``FAILED (failures=1, ...)``."""
        self._writeln(self._statusLine())

    def done(self) -> None:
        """The run is over: print the problems and the summary (and stop watching the log
        for warnings)."""
        if self._publisher is not None:
            self._publisher.removeObserver(self._observeWarnings)
            self._publisher = None
        self._printErrors()
        self._writeln(self._separator)
        self._writeln(f"Ran {self.testsRun} tests in {self._elapsed():.3f}s")
        self._writeln()
        self._printSummary()


class MinimalReporter(Reporter):
    """Only the numbers: ``time tests tests errors failures skips``."""

    def _printErrors(self) -> None:
        pass

    def _printSummary(self) -> None:
        elapsed = self._elapsed()
        self._writeln(
            f"{elapsed:g} {self.testsRun} {self.testsRun} {len(self.errors)} "
            f"{len(self.failures)} {len(self.skips)}"
        )


class TextReporter(Reporter):
    """A character per test: ``.`` ``F`` ``E`` ``S`` ``T`` (todo) ``!`` (unexpected success)."""

    _CHARS = {_OK: ".", _FAIL: "F", _ERROR: "E", _SKIP: "S", _TODO: "T", _UNEXPECTED: "!"}

    def finishedTest(self, test: Any, status: str) -> None:
        self._write(self._CHARS[status])
        self._stream.flush()


class VerboseTextReporter(Reporter):
    """One ``test.id ... [STATUS]`` line per test."""

    def startedTest(self, test: Any) -> None:
        self._write(f"{_test_id(test)} ... ")
        self._stream.flush()

    def finishedTest(self, test: Any, status: str) -> None:
        self._writeln("[FAILURE]" if status == _FAIL else status)


class TimingTextReporter(VerboseTextReporter):
    """``VerboseTextReporter``'s lines, each followed by how long the test took."""

    _began = 0.0

    def startedTest(self, test: Any) -> None:
        self._began = time.time()
        super().startedTest(test)

    def finishedTest(self, test: Any, status: str) -> None:
        super().finishedTest(test, status)
        self._writeln(f"({time.time() - self._began:.03f} secs)")


class _AnsiColorizer:
    """Writes text in a colour with ANSI escape codes."""

    _colors = {
        "black": 30,
        "red": 31,
        "green": 32,
        "yellow": 33,
        "blue": 34,
        "magenta": 35,
        "cyan": 36,
        "white": 37,
    }

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    @classmethod
    def supported(cls, stream: Any = sys.stdout) -> bool:
        """Whether ``stream`` is a terminal that shows colours (curses says it has more
        than two; the terminal is set up once if curses was not yet)."""
        isatty = getattr(stream, "isatty", None)
        if isatty is None or not isatty():
            return False
        try:
            import curses
        except ImportError:
            return False
        try:
            try:
                return bool(curses.tigetnum("colors") > 2)
            except curses.error:
                curses.setupterm()
                return bool(curses.tigetnum("colors") > 2)
        except Exception:
            return False

    def write(self, text: str, color: str) -> None:
        self.stream.write(f"\x1b[{self._colors[color]};1m{text}\x1b[0m")


class _NullColorizer:
    """Writes text as it is."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    @classmethod
    def supported(cls, stream: Any = sys.stdout) -> bool:
        return True

    def write(self, text: str, color: str) -> None:
        self.stream.write(text)


class TreeReporter(Reporter):
    """The module / class / test tree, each test's status at the right-hand edge, in colour
    on a terminal that has it."""

    SUCCESS = "green"
    FAILURE = "red"
    ERROR = "red"
    TODO = "blue"
    SKIP = "blue"
    indent = "  "
    columns = _WIDTH

    _COLORS = {
        _OK: SUCCESS,
        _SKIP: SKIP,
        _TODO: TODO,
        _FAIL: FAILURE,
        _ERROR: ERROR,
        _UNEXPECTED: FAILURE,
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
            color = _AnsiColorizer.supported(self._stream)
        self._colorizer: Any = (_AnsiColorizer if color else _NullColorizer)(self._stream)
        self._lastParents: Sequence[str] = ()
        self._line = ""

    def getDescription(self, test: Any) -> str:
        """What a test's line shows: its method name."""
        return str(test.id()).split(".")[-1]

    def _getPreludeSegments(self, testID: str) -> list[str]:
        """The module and class lines printed above a test's line."""
        return self._segments(testID)[0]

    @staticmethod
    def _segments(name: str) -> tuple[list[str], str]:
        parts = name.split(".")
        if len(parts) > 2:
            return [".".join(parts[:-2]), parts[-2]], parts[-1]
        return parts[:-1], parts[-1]

    def startedTest(self, test: Any) -> None:
        parents, _ = self._segments(_test_id(test))
        last = list(self._lastParents)
        for depth, segment in enumerate(parents):
            if depth < len(last) and last[depth] == segment and last[:depth] == parents[:depth]:
                continue
            self._writeln(self.indent * depth + segment)
        self._lastParents = parents
        self._line = self.indent * len(parents) + self.getDescription(test) + " ..."
        self._write(self._line)
        self._stream.flush()

    def finishedTest(self, test: Any, status: str) -> None:
        padding = max(1, self.columns - len(self._line) - len(status))
        self._write(" " * padding)
        self._colorizer.write(status, self._COLORS[status])
        self._writeln()

    def _printSummary(self) -> None:
        verdict = "PASSED" if self.wasSuccessful() else "FAILED"
        self._colorizer.write(verdict, self.SUCCESS if self.wasSuccessful() else self.FAILURE)
        summary = self._counts()
        self._writeln(f" ({summary})" if summary else "")


class SubunitReporter:
    """Reports in the subunit protocol, through ``subunit.TestProtocolClient`` (install the
    ``python-subunit`` package to use it), for tools that read subunit streams."""

    testsRun = None

    def __init__(
        self,
        stream: Any = None,
        tbformat: str = "default",
        realtime: bool = False,
        publisher: Any = None,
    ) -> None:
        if TestProtocolClient is None:
            raise ImportError("Subunit not available")
        out = stream if stream is not None else sys.stdout
        self._subunit = TestProtocolClient(getattr(out, "buffer", out))
        self._successful = True

    def done(self) -> None:
        """Nothing to print at the end: subunit streams each result as it comes."""

    @property
    def shouldStop(self) -> bool:
        return bool(self._subunit.shouldStop)

    def stop(self) -> None:
        self._subunit.stop()

    def wasSuccessful(self) -> bool:
        return self._successful

    def startTest(self, test: Any) -> None:
        self._subunit.startTest(test)

    def stopTest(self, test: Any) -> None:
        self._subunit.stopTest(test)

    def addSuccess(self, test: Any) -> None:
        self._subunit.addSuccess(test)

    def addSkip(self, test: Any, reason: Any) -> None:
        self._subunit.addSkip(test, str(reason))

    def addError(self, test: Any, err: _ErrorLike) -> None:
        self._successful = False
        self._subunit.addError(test, _exc_info_of(err))

    def addFailure(self, test: Any, err: _ErrorLike) -> None:
        self._successful = False
        self._subunit.addFailure(test, _exc_info_of(err))

    def addExpectedFailure(self, test: Any, failure: _ErrorLike, todo: Any = None) -> None:
        self._subunit.addExpectedFailure(test, _exc_info_of(failure))

    def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
        self._subunit.addUnexpectedSuccess(test)


def _exc_info_of(err: _ErrorLike) -> tuple[Any, Any, Any]:
    failure = _as_failure(err)
    return (failure.type, failure.value, failure.getTracebackObject())
