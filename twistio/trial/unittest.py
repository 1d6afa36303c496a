"""trial's test cases: ``SynchronousTestCase`` and ``TestCase``, on asyncio.

Both are ``unittest.TestCase`` subclasses whose ``run(result)`` does all the work itself, so
they run the same under ``python -m twistio.trial``, ``python -m unittest`` and pytest.

A ``TestCase`` test method, ``setUp``, ``tearDown`` and cleanup may return a ``Deferred`` or
be a coroutine function; each phase is waited for on the reactor's loop, for at most
``timeout`` seconds (default 120, as in trial). As under trial, a plain function is called
with the loop stopped (it may turn the reactor with ``reactor.iterate()``) and the loop then
runs until what it returned fires; a coroutine function starts on the running loop. The loop is the twistio reactor's own
(``reactor.loop`` outside a running loop), kept from test to test as trial keeps its
reactor; so ``TestCase.run`` cannot be called while an asyncio loop runs in the thread.

As in trial, a test fails with an error for every error logged during it and not flushed
with ``flushLoggedErrors``: ``twistio.logger`` events that carry a failure (``log.err``,
``log.failure``) and the "Unhandled error in Deferred" that a garbage-collected failed
Deferred logs. A ``TestCase`` also errors when it leaves timers or connections behind on
the reactor ("Reactor was unclean"); they are cancelled and closed.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import logging
import os
import sys
import tempfile
import unittest
import warnings
from collections.abc import Callable, Coroutine, Generator, Sequence
from types import ModuleType, TracebackType
from typing import Any, NoReturn, Protocol, TypeVar, Union, cast

from twistio.internet import defer
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import implementer
from twistio.python import _spelling
from twistio.python.failure import Failure
from twistio.python.monkey import MonkeyPatcher
from twistio.trial._asyncrunner import TestDecorator, TestSuite, decorate
from twistio.trial.itrial import ITestCase
from twistio.trial.util import DEFAULT_TIMEOUT_DURATION, DirtyReactorAggregateError, suppress

__all__ = [
    "DEFAULT_TIMEOUT_DURATION",
    "DirtyReactorAggregateError",
    "FailTest",
    "PyUnitResultAdapter",  # noqa: F822 (from _synctest, on first use)
    "SkipTest",
    "SynchronousTestCase",
    "TestCase",
    "TestDecorator",
    "TestSuite",
    "Todo",
    "decorate",
    "makeTodo",
    "suppress",
]

_T = TypeVar("_T")

# Tells unittest and pytest to leave this module's frames out of tracebacks.
__unittest = True
_Awaitable = Union[Deferred[_T], Coroutine[Any, Any, _T], Generator[Any, Any, _T]]
_ExcInfo = tuple[type[BaseException], BaseException, Union[TracebackType, None]]

SkipTest = unittest.SkipTest


class FailTest(AssertionError):
    """Raised by a failed assertion: the test failed (any other exception is an error)."""


class _UnhandledDeferredError(Exception):
    """Stands for an "Unhandled error in Deferred" whose Failure could not be recovered."""


class Todo:
    """A test expected to fail: ``reason``, and the ``errors`` it may fail with (None: any)."""

    def __init__(self, reason: str, errors: Sequence[type[BaseException]] | None = None) -> None:
        self.reason = reason
        self.errors = errors

    def __repr__(self) -> str:
        return f"<Todo reason={self.reason!r} errors={self.errors!r}>"

    def __str__(self) -> str:
        return self.reason

    def expected(self, failure: Failure) -> bool:
        """Whether ``failure`` is one of the expected errors."""
        if self.errors is None:
            return True
        return bool(failure.check(*self.errors))


def makeTodo(value: str | tuple[Any, str] | Todo) -> Todo:
    """A ``Todo`` from a ``todo`` attribute: a reason, or ``(errors, reason)``."""
    if isinstance(value, Todo):
        return value
    if isinstance(value, str):
        return Todo(reason=value)
    errors, reason = value
    if isinstance(errors, type):
        errors = [errors]
    return Todo(reason=reason, errors=list(errors))


# -- logged errors ----------------------------------------------------------------------------

_DEFER_LOGGER = "twistio.internet.defer"
_publisher_module: ModuleType | None = None
_publisher_tried = False


def _log_publisher() -> Any:
    """``twistio.logger.globalLogPublisher``, or None while twistio.logger is not there."""
    global _publisher_module, _publisher_tried
    if not _publisher_tried:
        _publisher_tried = True
        try:
            _publisher_module = importlib.import_module("twistio.logger")
        except ImportError:
            _publisher_module = None
    return getattr(_publisher_module, "globalLogPublisher", None)


def _failure_from_record(record: logging.LogRecord) -> Failure:
    found = getattr(record, "log_failure", None)
    if isinstance(found, Failure):
        return found
    if record.exc_info and record.exc_info[1] is not None:
        typ, value, tb = record.exc_info
        return Failure(value, typ, tb)
    # defer.py logs from DebugInfo.__del__ with only the traceback text: find its Failure.
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            candidate = frame.f_locals.get("failure")
            if isinstance(candidate, Failure):
                return candidate
        frame = frame.f_back  # type: ignore[assignment]
    return Failure(_UnhandledDeferredError(record.getMessage()))


class _Observer(logging.Handler):
    """Collects the errors logged while a test runs (events and stdlib records alike)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[Failure] = []
        self._publisher: Any = None

    def _collect(self, failure: Failure) -> None:
        value = failure.value
        for seen in self.errors:
            if seen.value is value:
                return  # the same error reached us by both routes
        self.errors.append(failure)

    def gotEvent(self, event: dict[str, Any]) -> None:
        failure = event.get("log_failure")
        if failure is None and event.get("isError"):
            failure = event.get("failure")
        if isinstance(failure, Failure):
            self._collect(failure)

    __call__ = gotEvent

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("Unhandled error in Deferred"):
            self._collect(_failure_from_record(record))

    def start(self) -> None:
        logging.getLogger(_DEFER_LOGGER).addHandler(self)
        publisher = _log_publisher()
        if publisher is not None:
            publisher.addObserver(self)
            self._publisher = publisher

    def stop(self) -> None:
        logging.getLogger(_DEFER_LOGGER).removeHandler(self)
        if self._publisher is not None:
            try:
                self._publisher.removeObserver(self)
            except ValueError:
                pass
            self._publisher = None

    def flush(self, *errorTypes: type[BaseException]) -> list[Failure]:  # type: ignore[override]
        """Remove and return the collected errors of these types (all of them if none)."""
        if not errorTypes:
            flushed, self.errors = self.errors, []
            return flushed
        flushed = [f for f in self.errors if f.check(*errorTypes)]
        self.errors = [f for f in self.errors if not f.check(*errorTypes)]
        return flushed


# -- helpers ----------------------------------------------------------------------------------

_TRIAL_DIR = os.path.dirname(os.path.abspath(__file__))
_FRAMEWORK_FILES = (
    _TRIAL_DIR + os.sep,
    os.path.abspath(defer.__file__),
    os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep,
    "(failure with no frames)",
)


_ASSERTION_FILES = (_TRIAL_DIR + os.sep, os.path.dirname(os.path.abspath(unittest.__file__)) + os.sep)


def _trimmed(failure: Failure) -> Failure:
    """The failure without the leading frames of trial, defer.py and asyncio, nor the
    trailing ones inside trial's (and unittest's) assertion methods: the traceback ends
    where the test called the assertion, as trial shows it."""
    tb = failure.tb
    start = tb
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_FRAMEWORK_FILES):
        tb = tb.tb_next
    frames: list[TracebackType] = []
    walk = tb
    while walk is not None:
        frames.append(walk)
        walk = walk.tb_next
    keep = len(frames)
    while keep > 1 and frames[keep - 1].tb_frame.f_code.co_filename.startswith(_ASSERTION_FILES):
        keep -= 1
    if tb is start and keep == len(frames):
        return failure
    if keep < len(frames):
        rebuilt: TracebackType | None = None
        for frame in reversed(frames[:keep]):
            rebuilt = TracebackType(rebuilt, frame.tb_frame, frame.tb_lasti, frame.tb_lineno)
        tb = rebuilt
    trimmed = Failure(failure.value, failure.type, tb)
    trimmed.tb = tb
    return trimmed


_NO_FRAMES = "(failure with no frames)"
_RAISE = compile("raise value", _NO_FRAMES, "exec")


def _exc_info(failure: Failure) -> _ExcInfo:
    """``(type, value, traceback)`` for a result; never a None traceback (pytest needs one:
    a Failure without frames gets one of this module's, which trial's reporters and pytest
    leave out)."""
    failure = _trimmed(failure)
    value: BaseException = failure.value
    tb = failure.tb
    if tb is None:
        saved = value.__traceback__
        try:
            exec(_RAISE, {"value": value})
        except BaseException:
            tb = sys.exc_info()[2]
        value.__traceback__ = saved
    return (failure.type, value, tb)


def _acquire(objects: Sequence[object], name: str, default: Any = None) -> Any:
    for obj in objects:
        try:
            return getattr(obj, name)
        except AttributeError:
            continue
    return default


def _call_with(method: Callable[..., Any], required: int, *args: Any) -> Any:
    """Call a result method with all ``args``, or only the first ``required`` when its
    signature is unittest's (trial's results also take the ``Todo``)."""
    try:
        inspect.signature(method).bind(*args)
    except TypeError:
        return method(*args[:required])
    except ValueError:  # no signature available
        pass
    return method(*args)


_temp_base: str | None = None


def _temp_root() -> str:
    """Where ``mktemp`` paths live: relative, under trial's ``_trial_temp``; else a temp dir."""
    global _temp_base
    if os.path.basename(os.getcwd()) == "_trial_temp":
        return ""
    if _temp_base is None:
        _temp_base = tempfile.mkdtemp(prefix="twistio-trial-")
    return _temp_base


class _AssertRaisesContext:
    """The context manager form of ``assertRaises``."""

    def __init__(self, testCase: SynchronousTestCase, expected: Any) -> None:
        self._testCase = testCase
        self._expected = expected
        self.exception: BaseException | None = None
        self._returnValue: Any = None

    def _describe(self) -> str:
        expected = self._expected
        if isinstance(expected, tuple):
            return " or ".join(e.__name__ for e in expected)
        return str(expected.__name__)

    def __enter__(self) -> _AssertRaisesContext:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc_type is None:
            raise self._testCase.failureException(
                f"{self._describe()} not raised ({self._returnValue!r} returned)"
            )
        assert exc is not None
        if not issubclass(exc_type, self._expected):
            if issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
                return False
            text = _trimmed(Failure(exc, exc_type, tb)).getTraceback()
            raise self._testCase.failureException(
                f"{_spelling.qualified(exc_type)} raised instead of "
                f"{self._describe()}:\n {text}"
            )
        self.exception = exc
        return True

    def _handle(self, f: Callable[[], Any]) -> BaseException:
        with self:
            self._returnValue = f()
        assert self.exception is not None
        return self.exception


class _ReturnsFirst(Protocol):
    """An assertion that hands back its first argument."""

    def __call__(self, first: _T, /, *args: Any, **kwargs: Any) -> _T: ...


def _returningFirst(check: Callable[..., object]) -> _ReturnsFirst:
    """``check`` (one of unittest's assertions), returning its first argument when it
    passes."""

    def assertion(self: unittest.TestCase, first: Any, *args: Any, **kwargs: Any) -> Any:
        check(self, first, *args, **kwargs)
        return first

    assertion.__name__ = assertion.__qualname__ = check.__name__
    assertion.__doc__ = f"unittest's ``{check.__name__}``; returns the first argument."
    return cast(_ReturnsFirst, assertion)


# -- SynchronousTestCase ----------------------------------------------------------------------


@implementer(ITestCase)
class SynchronousTestCase(unittest.TestCase):
    """A test case whose tests run synchronously, with trial's assertions and helpers.

    ``skip`` and ``todo`` attributes (on the method, the class or the module) skip a test or
    expect it to fail; ``suppress`` (a list of ``suppress(...)``) filters its warnings.
    """

    failureException = FailTest

    def __init__(self, methodName: str = "runTest") -> None:
        super().__init__(methodName)
        self._observer: _Observer | None = None
        self._warnings: list[warnings.WarningMessage] = []
        self._passed = False
        self._test_ran = False
        self._interrupted = False
        self._cleanups_async: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    # -- attributes that control a run --------------------------------------------------------

    def _method(self) -> Any:
        return getattr(self, self._testMethodName, None)

    @property
    def _parents(self) -> list[Any]:
        """Where a test's settings (``timeout``, ``skip`` ...) are looked up, nearest first:
        the test method, the test case, its module (for ``util.acquireAttribute``); trial's
        own module is left out (its ``suppress`` is a function, not a setting)."""
        module = sys.modules.get(type(self).__module__)
        if module is not None and module.__name__.startswith("twistio.trial."):
            module = None
        return [self._method(), self, module]

    def _lookup(self, name: str, default: Any = None) -> Any:
        return _acquire(self._parents, name, default)

    def getSkip(self) -> str | None:
        """The reason to skip this test (its method's, class's or module's ``skip``), or None."""
        skip = self._lookup("skip")
        if skip is None:
            method = self._method()
            for obj in (type(self), method):
                if getattr(obj, "__unittest_skip__", False):
                    return str(getattr(obj, "__unittest_skip_why__", ""))
            return None
        return str(skip)

    def getTodo(self) -> Todo | None:
        """This test's ``Todo`` (from a ``todo`` attribute), or None."""
        todo = self._lookup("todo")
        if todo is None:
            if getattr(self._method(), "__unittest_expecting_failure__", False):
                return Todo("expected failure")
            return None
        return makeTodo(todo)

    def getSuppress(self) -> list[Any]:
        """The warning filters (``suppress(...)`` values) for this test."""
        return list(self._lookup("suppress", []) or [])

    _getSuppress = getSuppress

    # -- running ------------------------------------------------------------------------------

    def run(self, result: Any = None) -> Any:
        """Run the test, reporting to ``result``; returns ``result``."""
        if result is None:
            result = self.defaultTestResult()
        result.startTest(self)
        try:
            skip = self.getSkip()
            if skip is not None:
                result.addSkip(self, skip)
                return result
            self._interrupted = False
            self._run_all(result)
        finally:
            result.stopTest(self)
        if self._interrupted:
            stop = getattr(result, "stop", None)
            if stop is not None:
                stop()
        return result

    def _run_all(self, result: Any) -> None:
        todo = self.getTodo()
        self._test_ran = False
        observer = self._observer = _Observer()
        observer.start()
        failures: list[tuple[str, Failure]] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for args, kwargs in self.getSuppress():
                    warnings.filterwarnings(*args, **kwargs)
                self._warnings = caught
                failures = self._run_phases()
        finally:
            observer.stop()
            self._observer = None
        for w in self._warnings:
            try:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            except BaseException:
                failures.append(("error", Failure()))
        self._warnings = []
        failures.extend(("error", f) for f in observer.errors)
        self._report(result, failures, todo)

    def _run_phases(self) -> list[tuple[str, Failure]]:
        failures: list[tuple[str, Failure]] = []
        # trial's order: the cleanups (last added first) run before tearDown; when setUp
        # fails, only the cleanups run.
        ok = self._sync_phase(self.setUp, failures, phase="setUp")
        if ok:
            self._sync_phase(self._test_method(), failures, is_test=True)
        self._sync_cleanups(failures)
        if ok:
            self._sync_phase(self.tearDown, failures, phase="tearDown")
        return failures

    # Where a failed assertion counts as an error rather than a failure: trial reports what
    # goes wrong in a cleanup as an error (and, in a TestCase, in setUp and tearDown too).
    _ERROR_PHASES: frozenset[str] = frozenset({"cleanup"})

    def _classify(self, failure: Failure, phase: str = "test") -> str:
        """The kind of an outcome: skip, failure or error; outside the test method (where a
        ``todo`` does not apply) with the suffix ":fixture". In a cleanup every exception is
        an error."""
        if phase == "cleanup":
            return "error:fixture"
        if failure.check(SkipTest):
            return "skip"
        suffix = "" if phase not in ("setUp", "tearDown") else ":fixture"
        if phase in self._ERROR_PHASES:
            return "error" + suffix
        if failure.check(self.failureException):
            return "failure" + suffix
        return "error" + suffix

    def _test_method(self) -> Callable[[], Any]:
        """The test method; a test made without a method name (``runTest``) does nothing, as
        in trial. A generator function fails: it would never run."""
        self._test_ran = True
        method = getattr(self, self._testMethodName, None)
        if method is None and self._testMethodName == "runTest":
            return lambda: None
        if method is None:
            return getattr(self, self._testMethodName)  # type: ignore[no-any-return]
        if inspect.isgeneratorfunction(method):

            def refuse() -> None:
                raise TypeError(f"{method!r} is a generator function and therefore will never run")

            return refuse
        return method  # type: ignore[no-any-return]

    def _skip_reason(self, failure: Failure) -> Any:
        """What a ``SkipTest`` says; one raised without a reason is deprecated (the warning
        points at the test method) and stands for itself."""
        if failure.value.args:
            return failure.value.args[0]
        from twistio.python.deprecate import warnAboutFunction

        method = getattr(self, self._testMethodName, None)
        if method is not None:
            warnAboutFunction(
                method,
                "Do not raise unittest.SkipTest with no arguments! Give a reason for skipping "
                "tests!",
            )
        return failure.value

    def _sync_phase(
        self,
        f: Callable[[], Any],
        failures: list[tuple[str, Failure]],
        is_test: bool = False,
        phase: str = "test",
    ) -> bool:
        try:
            value = f()
        except BaseException:
            failure = Failure()
            failures.append((self._classify(failure, phase), failure))
            return False
        if is_test and inspect.iscoroutine(value):
            value.close()
            failures.append(
                (
                    "error",
                    Failure(
                        TypeError(
                            f"{self._testMethodName} is a coroutine function: a "
                            "SynchronousTestCase cannot run it (use trial.unittest.TestCase)"
                        )
                    ),
                )
            )
            return False
        if isinstance(value, Deferred) and not is_test:
            # A cleanup's Deferred: its failure (if any, and already there) counts.
            results: list[Any] = []
            value.addBoth(results.append)
            if results and isinstance(results[0], Failure):
                failures.append((self._classify(results[0], phase), results[0]))
                return False
        return True

    def _sync_cleanups(self, failures: list[tuple[str, Failure]]) -> None:
        while self._cleanups_async:
            f, args, kwargs = self._cleanups_async.pop()
            self._sync_phase(functools.partial(f, *args, **kwargs), failures, phase="cleanup")

    def _report(self, result: Any, failures: list[tuple[str, Failure]], todo: Todo | None) -> None:
        janitor = [f for kind, f in failures if kind == "error:janitor"]
        skips = [f for kind, f in failures if kind == "skip"]
        real = [(kind, f) for kind, f in failures if kind not in ("skip", "error:janitor")]
        if skips and not real:
            result.addSkip(self, self._skip_reason(skips[0]))
        elif todo is not None:
            # A todo covers the test method only: setUp, tearDown and cleanups are not
            # expected to fail, and their errors are reported as such. When the method ran
            # and passed, that is an unexpected success, whatever the fixtures did.
            in_test = [entry for entry in real if not entry[0].endswith(":fixture")]
            if in_test and todo.expected(in_test[0][1]):
                _call_with(result.addExpectedFailure, 2, self, _exc_info(in_test[0][1]), todo)
                real.remove(in_test[0])
            elif not in_test and self._test_ran:
                _call_with(result.addUnexpectedSuccess, 1, self, todo)
            self._add_problems(result, real)
        else:
            self._add_problems(result, real)
            if not real:
                result.addSuccess(self)
        for f in janitor:
            result.addError(self, _exc_info(f))

    def _add_problems(self, result: Any, problems: list[tuple[str, Failure]]) -> None:
        for kind, f in problems:
            if kind.startswith("failure"):
                result.addFailure(self, _exc_info(f))
            else:
                result.addError(self, _exc_info(f))

    def __call__(self, *args: Any, **kwds: Any) -> Any:
        return self.run(*args, **kwds)

    def shortDescription(self) -> str | None:
        """The first line of the test's docstring, else the test method's name (trial's)."""
        return super().shortDescription() or self._testMethodName

    # trial's tests are equal only to themselves (unittest's compare class and method name):
    # two instances of one test are two runs, and suites may hold both.
    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    __hash__ = unittest.TestCase.__hash__

    def debug(self) -> None:
        """Run the test without a result (errors are raised)."""
        result = unittest.TestResult()
        self.run(result)
        for _test, text in result.errors + result.failures:
            raise self.failureException(text)

    # -- cleanups -----------------------------------------------------------------------------

    def addCleanup(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Call ``function(*args, **kwargs)`` after the test and before ``tearDown`` (as trial
        does; unittest runs cleanups after ``tearDown``), last added first.

        It may return a Deferred (a ``TestCase`` waits for it).
        """
        self._cleanups_async.append((function, args, kwargs))

    def doCleanups(self) -> bool:  # type: ignore[override]
        """Run the cleanups now (synchronously); True if none failed."""
        failures: list[tuple[str, Failure]] = []
        self._sync_cleanups(failures)
        return not failures

    # -- Deferred inspection --------------------------------------------------------------------

    def successResultOf(self, deferred: _Awaitable[_T]) -> _T:
        """The result ``deferred`` already has; fails if it has none or has failed.

        The result is taken: the Deferred goes on with None. A coroutine (or an
        ``inlineCallbacks``-style generator) is run as a Deferred first.
        """
        deferred = _as_deferred(deferred)
        results: list[Any] = []
        deferred.addBoth(results.append)
        if not results:
            self.fail(f"Success result expected on {deferred!r}, found no result instead")
        result = results[0]
        if isinstance(result, Failure):
            self.fail(
                f"Success result expected on {deferred!r}, found failure result instead:\n"
                f"{result.getTraceback()}"
            )
        value: _T = result
        return value

    def failureResultOf(
        self, deferred: _Awaitable[Any], *expectedExceptionTypes: type[BaseException]
    ) -> Failure:
        """The Failure ``deferred`` already has (of one of these types, if any are given).

        The failure is taken: the Deferred goes on with None, so it is not logged as unhandled.
        A coroutine (or generator) is run as a Deferred first.
        """
        deferred = _as_deferred(deferred)
        results: list[Any] = []
        deferred.addBoth(results.append)
        if not results:
            self.fail(f"Failure result expected on {deferred!r}, found no result instead")
        result = results[0]
        if not isinstance(result, Failure):
            self.fail(
                f"Failure result expected on {deferred!r}, found success result ({result!r}) instead"
            )
        if expectedExceptionTypes and not result.check(*expectedExceptionTypes):
            names = " or ".join(_spelling.qualified(t) for t in expectedExceptionTypes)
            self.fail(
                f"Failure of type ({names}) expected on {deferred!r}, found type {result.type!r} "
                f"instead: {result.getTraceback()}"
            )
        return result

    def assertNoResult(self, deferred: _Awaitable[Any]) -> None:
        """Fail if ``deferred`` has a result. A success result is left in place; a failure
        is taken, so it is not also logged as unhandled. A coroutine (or generator) is run as
        a Deferred first."""
        deferred = _as_deferred(deferred)
        results: list[Any] = []

        def keep(result: Any) -> Any:
            results.append(result)
            return result

        deferred.addBoth(keep)
        if results:
            result = results[0]
            if isinstance(result, Failure):
                deferred.addErrback(lambda _: None)
            self.fail(f"No result expected on {deferred!r}, found {result!r} instead")

    # -- logged errors, warnings, patching, temp files --------------------------------------

    def flushLoggedErrors(self, *errorTypes: type[BaseException]) -> list[Failure]:
        """Remove and return the errors logged so far in this test (of these types, if given)."""
        if self._observer is None:
            return []
        return self._observer.flush(*errorTypes)

    def flushWarnings(self, offendingFunctions: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Remove and return the warnings emitted so far in this test, as dicts with
        ``message``, ``category``, ``filename`` and ``lineno``.

        With ``offendingFunctions``, only the warnings whose location lies in one of them.
        """
        keep: list[warnings.WarningMessage] = []
        out: list[dict[str, Any]] = []
        for w in self._warnings:
            if offendingFunctions is not None and not any(
                _warning_in(w, f) for f in offendingFunctions
            ):
                keep.append(w)
                continue
            out.append(
                {
                    "message": str(w.message),
                    "category": w.category,
                    "filename": w.filename,
                    "lineno": w.lineno,
                }
            )
        self._warnings[:] = keep
        return out

    def getDeprecatedModuleAttribute(
        self, moduleName: str, name: str, version: Any, message: str | None = None
    ) -> Any:
        """Read ``moduleName.name``, failing unless the read warns that it is deprecated since
        ``version`` (and, given ``message``, with that message); returns the value.

        The expected warning names the module as the program imports it: ``twisted.x``
        under the alias, whichever name ``moduleName`` gives.
        """
        from twistio.python.deprecate import _getDeprecationWarningString
        from twistio.python.reflect import namedAny

        module = namedAny(moduleName)
        fqpn = _spelling.spelled(f"{getattr(module, '__name__', moduleName)}.{name}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = getattr(module, name)
        deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        if not deprecations:
            self.fail(f"{fqpn} is not deprecated.")
        expected = _getDeprecationWarningString(fqpn, version)
        if message is not None:
            expected += ": " + message
        text = str(deprecations[0].message)
        self.assertTrue(text.startswith(expected), f"Expected {text!r} to start with {expected!r}")
        return value

    def patch(self, obj: object, attribute: str, value: object) -> MonkeyPatcher:
        """Set ``obj.attribute = value`` until the test's cleanups run."""
        patcher = MonkeyPatcher((obj, attribute, value))
        patcher.patch()
        self.addCleanup(patcher.restore)
        return patcher

    def mktemp(self) -> str:
        """A new path for this test to use; its parent directory exists, the path does not.

        Under ``python -m twistio.trial`` the path is relative, under ``_trial_temp`` as in
        trial; elsewhere (pytest, unittest) it lies in a temporary directory, so test runs do
        not litter the working directory.
        """
        root = _temp_root()
        # <module>/<class>/<method>, as trial lays them out.
        base = os.path.join(root, *self.id().rsplit(".", 2))
        if not os.path.isdir(base):
            os.makedirs(base)  # (a test may have patched os.makedirs: the plain call only)
        # No "tmp" prefix: as short as trial's (a UNIX socket's path has ~107 bytes).
        directory = tempfile.mkdtemp(prefix="", dir=base)
        if not root:
            directory = os.path.relpath(directory)
        return os.path.join(directory, "temp")

    # -- assertions -----------------------------------------------------------------------------

    def fail(self, msg: object = None) -> NoReturn:
        """Fail the test with ``msg``."""
        raise self.failureException(msg)

    def assertApproximates(self, first: float, second: float, tolerance: float, msg: str | None = None) -> float:
        """Fail unless ``first`` and ``second`` differ by at most ``tolerance``; returns ``first``."""
        if abs(first - second) > tolerance:
            raise self.failureException(msg or f"{first} ~== {second}")
        return first

    def assertSubstring(self, substring: Any, astring: Any, msg: str | None = None) -> Any:
        """Fail unless ``substring`` occurs in ``astring``; returns ``substring``."""
        if substring not in astring:
            raise self.failureException(msg or f"{substring!r} not in {astring!r}")
        return substring

    def assertNotSubstring(self, substring: Any, astring: Any, msg: str | None = None) -> Any:
        """Fail if ``substring`` occurs in ``astring``; returns ``substring``."""
        if substring in astring:
            raise self.failureException(msg or f"{substring!r} in {astring!r}")
        return substring

    def assertRaises(self, exception: Any, f: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Call ``f(*args, **kwargs)`` and return what it raised; fail if that is not an
        ``exception`` (another exception fails the test too). Without ``f``, a context manager.
        """
        context = _AssertRaisesContext(self, exception)
        if f is None:
            return context
        return context._handle(lambda: f(*args, **kwargs))

    def assertWarns(self, category: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """trial's ``assertWarns(category, message, filename, f, *args, **kwargs)``: call ``f``,
        check it warned once so, and return its result.

        Called as ``unittest`` does (``assertWarns(category)`` as a context manager, or
        ``assertWarns(category, f, ...)``), it does what ``unittest`` does.
        """
        if len(args) < 3 or not isinstance(args[0], str) or not isinstance(args[1], str):
            return super().assertWarns(category, *args, **kwargs)
        message, filename, f = args[0], args[1], args[2]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = f(*args[3:], **kwargs)
        if not caught:
            self.fail("No warnings emitted")
        first = caught[0]
        for other in caught[1:]:
            if (str(other.message), other.category) != (str(first.message), first.category):
                self.fail("Can't handle different warnings")
        self.assertEqual(str(first.message), message)
        self.assertIdentical(first.category, category)
        self.assertTrue(
            _same_source(filename, first.filename), f"{filename!r} warned, not {first.filename!r}"
        )
        return result

    def callDeprecated(self, version: Any, f: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Call ``f(*args, **kwargs)`` and return its result; fail unless the call warned
        that ``f`` is deprecated since ``version`` (a ``Version``, or a ``(Version,
        replacement)`` pair), with the text ``deprecate.deprecated`` gives that warning."""
        from twistio.python.deprecate import getDeprecationWarningString

        result = f(*args, **kwargs)
        shown = self.flushWarnings([self.callDeprecated])
        if isinstance(version, (tuple, list)):
            since, replacement = version
        else:
            since, replacement = version, None
        if not shown:
            self.fail(f"{f!r} is not deprecated.")
        expected = getDeprecationWarningString(f, since, replacement=replacement)
        self.assertEqual(expected, shown[0]["message"])
        return result

    # unittest's assertions, returning their first argument as trial's do, so that
    # ``x = self.assertEqual(f(), 3)`` and ``self.assertIn(k, d)`` chains keep working.
    assertEqual = _returningFirst(unittest.TestCase.assertEqual)  # type: ignore[assignment]
    assertNotEqual = _returningFirst(unittest.TestCase.assertNotEqual)  # type: ignore[assignment]
    assertTrue = _returningFirst(unittest.TestCase.assertTrue)  # type: ignore[assignment]
    assertFalse = _returningFirst(unittest.TestCase.assertFalse)  # type: ignore[assignment]
    assertIs = _returningFirst(unittest.TestCase.assertIs)  # type: ignore[assignment]
    assertIn = _returningFirst(unittest.TestCase.assertIn)  # type: ignore[assignment]
    assertNotIn = _returningFirst(unittest.TestCase.assertNotIn)  # type: ignore[assignment]
    assertAlmostEqual = _returningFirst(unittest.TestCase.assertAlmostEqual)  # type: ignore[assignment]
    assertNotAlmostEqual = _returningFirst(unittest.TestCase.assertNotAlmostEqual)  # type: ignore[assignment]

    def assertIsNot(self, first: _T, second: object, msg: Any = None) -> _T:  # type: ignore[override]
        """Fail if ``first is second`` (trial's message: ``x is y``); returns ``first``."""
        if first is second:
            raise self.failureException(msg or f"{first!r} is {second!r}")
        return first

    # trial's names for the assertions.
    assertIdentical = assertIs
    assertNotIdentical = assertIsNot
    assertNot = assertFalse
    assertEquals = assertEqual  # type: ignore[assignment]
    assertNotEquals = assertNotEqual  # type: ignore[assignment]
    assertAlmostEquals = assertAlmostEqual  # type: ignore[assignment]
    assertNotAlmostEquals = assertNotAlmostEqual  # type: ignore[assignment]
    assert_ = assertTrue  # type: ignore[assignment]
    failUnless = failUnlessTrue = assertTrue  # type: ignore[assignment]
    failIf = failUnlessFalse = assertFalse  # type: ignore[assignment]
    failUnlessEqual = failUnlessEquals = assertEqual  # type: ignore[assignment]
    failIfEqual = failIfEquals = assertNotEqual  # type: ignore[assignment]
    failUnlessAlmostEqual = assertAlmostEqual  # type: ignore[assignment]
    failIfAlmostEqual = failIfAlmostEquals = assertNotAlmostEqual  # type: ignore[assignment]
    failUnlessIdentical = assertIs
    failIfIdentical = assertIsNot
    failUnlessIn = assertIn
    failIfIn = assertNotIn
    failUnlessIsInstance = unittest.TestCase.assertIsInstance
    failIfIsInstance = unittest.TestCase.assertNotIsInstance
    failUnlessRaises = assertRaises  # type: ignore[assignment]
    failUnlessApproximates = assertApproximates
    failUnlessSubstring = assertSubstring
    failIfSubstring = assertNotSubstring
    failUnlessWarns = assertWarns


def _as_deferred(value: _Awaitable[_T]) -> Deferred[_T]:
    """``value`` as a Deferred: a coroutine or a generator is run by ``ensureDeferred``."""
    if isinstance(value, Deferred):
        return value
    return Deferred.fromCoroutine(value)


def _same_source(expected: str, actual: str) -> bool:
    def norm(path: str) -> str:
        if path.endswith((".pyc", ".pyo")):
            path = path[:-1]
        return os.path.normcase(os.path.abspath(path))

    return norm(expected) == norm(actual)


def _warning_in(w: warnings.WarningMessage, f: Any) -> bool:
    code = getattr(f, "__code__", None) or getattr(getattr(f, "__func__", None), "__code__", None)
    if code is None:
        return False
    if not _same_source(code.co_filename, w.filename):
        return False
    lines = [line for _, _, line in code.co_lines() if line is not None]
    return bool(lines) and min(lines) <= w.lineno <= max(lines)


# -- TestCase -----------------------------------------------------------------------------------


def _get_reactor() -> Any:
    from twistio.internet import reactor

    return reactor


class TestCase(SynchronousTestCase):
    """A test case whose test methods (and fixtures, and cleanups) may return Deferreds or be
    coroutine functions; they run on the reactor's asyncio loop.

    A test times out after ``timeout`` seconds (the method's attribute, else the class's;
    default 120): it fails with ``defer.TimeoutError`` and what it was waiting on is cancelled
    (trial leaves it running).
    """

    def getTimeout(self) -> float:
        """This test's timeout, in seconds (its ``timeout``, else ``util.DEFAULT_TIMEOUT_DURATION``
        as it is now: a test suite may change it)."""
        from twistio.trial import util

        default = util.DEFAULT_TIMEOUT_DURATION
        timeout = self._lookup("timeout", default)
        try:
            return float(timeout)
        except (TypeError, ValueError):
            return float(default)

    def assertFailure(self, deferred: Deferred[Any], *expectedFailures: type[BaseException]) -> Deferred[Any]:
        """``deferred``, made to succeed with the exception if it fails with one of these
        types, and to fail with ``failureException`` otherwise."""

        def succeeded(result: object) -> NoReturn:
            raise self.failureException(f"did not catch an error, instead got {result!r}")

        def failed(failure: Failure) -> Any:
            if failure.check(*expectedFailures):
                return failure.value
            raise self.failureException(f"\nExpected: {expectedFailures!r}\nGot:\n{failure!s}")

        return deferred.addCallbacks(succeeded, failed)

    failUnlessFailure = assertFailure

    _ERROR_PHASES = frozenset({"setUp", "tearDown", "cleanup"})

    def _run_phases(self) -> list[tuple[str, Failure]]:
        if asyncio._get_running_loop() is not None:
            raise RuntimeError(
                "a twistio.trial TestCase cannot run while an asyncio loop is running in this "
                "thread (it runs its test on the reactor's loop)"
            )
        reactor = _get_reactor()
        loop: asyncio.AbstractEventLoop = reactor.loop
        before_calls = set(reactor.getDelayedCalls())
        before_conns = _selectables(reactor)
        failures: list[tuple[str, Failure]] = []
        self._run_sync_or_async(loop, failures)
        # As in trial, a KeyboardInterrupt in a TestCase is the test's error and ends the
        # run (a SynchronousTestCase's is only its error).
        self._interrupted = any(f.check(KeyboardInterrupt) for _, f in failures)
        dirty = self._clean_reactor(loop, reactor, before_calls, before_conns)
        if dirty is not None:
            # Timers left behind fail the test; connections and ports only (trial finds
            # those after the test has been counted) are an error besides its own outcome.
            calls = dirty.value.delayedCalls
            failures.append(("error" if calls else "error:janitor", dirty))
        return failures

    def _run_sync_or_async(
        self, loop: asyncio.AbstractEventLoop, failures: list[tuple[str, Failure]]
    ) -> None:
        """Each phase as trial runs it: a plain function is called with the loop stopped (so
        it may spin the reactor itself, ``reactor.iterate()``), then the loop runs until the
        Deferred it returned fires; a coroutine function is started on the running loop."""

        def phase(f: Callable[[], Any], name: str) -> bool:
            target = f.func if isinstance(f, functools.partial) else f
            if inspect.iscoroutinefunction(target) or not inspect.isroutine(target):
                return loop.run_until_complete(self._async_phase(loop, f, name, failures))
            started = self._start_phase(f, name, failures)
            if not isinstance(started, tuple):
                return started
            value, ours = started
            if value.called and not value.paused and not isinstance(value.result, Deferred):
                result = value.result
                value.addErrback(lambda _: None)  # consumed here
            else:
                result = loop.run_until_complete(self._wait(loop, value, name, f, ours))
            return self._phase_outcome(result, name, failures)

        ok = phase(self.setUp, "setUp")
        if ok:
            phase(self._test_method(), self._testMethodName)
        while self._cleanups_async:
            f, args, kwargs = self._cleanups_async.pop()
            phase(functools.partial(f, *args, **kwargs), "cleanup")
        if ok:
            phase(self.tearDown, "tearDown")

    async def _async_phase(
        self,
        loop: asyncio.AbstractEventLoop,
        f: Callable[[], Any],
        name: str,
        failures: list[tuple[str, Failure]],
    ) -> bool:
        started = self._start_phase(f, name, failures)
        if not isinstance(started, tuple):
            return started
        value, ours = started
        return self._phase_outcome(await self._wait(loop, value, name, f, ours), name, failures)

    def _start_phase(
        self, f: Callable[[], Any], name: str, failures: list[tuple[str, Failure]]
    ) -> bool | tuple[Deferred[Any], bool]:
        """Call the phase ``f``: the Deferred to wait for (and whether we made it, from a
        coroutine or other awaitable), or already the phase's verdict: True when it
        returned a plain value, False when it raised (recorded in ``failures``)."""
        try:
            value = f()
            if isinstance(value, Deferred):
                return value, False
            if inspect.isawaitable(value):
                return defer.ensureDeferred(value), True
        except BaseException:
            return self._phase_outcome(Failure(), name, failures)
        return True

    def _phase_outcome(self, result: Any, name: str, failures: list[tuple[str, Failure]]) -> bool:
        """Whether the phase ``name`` ended well; a Failure is recorded, classified."""
        if not isinstance(result, Failure):
            return True
        failures.append((self._classify(result, name), result))
        return False

    def _wait(
        self,
        loop: asyncio.AbstractEventLoop,
        d: Deferred[Any],
        name: str,
        f: Callable[[], Any] | None = None,
        ours: bool = False,
    ) -> asyncio.Future[Any]:
        """A future of ``d``'s result (a Failure included), or a TimeoutError Failure.

        On timeout ``d`` itself fails with that TimeoutError, as in trial, so the test's own
        errbacks see it; one that is waiting on another Deferred, or that runs a coroutine
        (``ours``), is cancelled instead, so that the coroutine does not hang on.
        """
        future: asyncio.Future[Any] = loop.create_future()
        timeout = self.getTimeout()
        if name == "cleanup" and f is not None:
            target = f.func if isinstance(f, functools.partial) else f
            name = f"cleanup function {getattr(target, '__name__', target)}"

        def done(result: Any) -> None:
            if not future.done():
                future.set_result(result)

        def timed_out() -> None:
            if future.done():
                return
            failure = Failure(
                defer.TimeoutError(f"{self!r} ({name}) still running at {timeout} secs")
            )
            future.set_result(failure)
            try:
                if d.called or ours:
                    d.cancel()
                else:
                    d.errback(failure)
            except BaseException:
                pass
            d.addErrback(lambda _: None)  # reported above, not also as unhandled

        handle = loop.call_later(timeout, timed_out)
        future.add_done_callback(lambda _: handle.cancel())
        d.addBoth(done)
        return future

    def _clean_reactor(
        self,
        loop: asyncio.AbstractEventLoop,
        reactor: Any,
        before_calls: set[Any],
        before_conns: set[Any],
    ) -> Failure | None:
        # Let closing transports finish (connection_lost comes a loop turn or two later).
        async def settle() -> None:
            for _ in range(3):
                await asyncio.sleep(0)

        loop.run_until_complete(settle())
        if getattr(reactor, "threadpool", None) is not None:
            reactor._stopThreadPool()  # as trial does: each test gets a fresh reactor pool
        calls = [c for c in reactor.getDelayedCalls() if c not in before_calls and c.active()]
        left = [s for s in _selectables(reactor) if s not in before_conns]
        if not calls and not left:
            return None
        error = DirtyReactorAggregateError([str(c) for c in calls], [repr(s) for s in left])
        for call in calls:
            try:
                call.cancel()
            except BaseException:
                pass
        for s in left:
            for closer in ("stopListening", "abortConnection", "loseConnection"):
                method = getattr(s, closer, None)
                if method is not None:
                    try:
                        method()
                    except BaseException:
                        pass
                    break
        if left:
            loop.run_until_complete(settle())
        return Failure(error)


def _selectables(reactor: Any) -> set[Any]:
    """The reactor's open ports and connections (those its transport registry holds)."""
    found: set[Any] = set()
    registry = getattr(reactor, "transport_registry", None)
    if registry is not None:
        found.update(registry.ports)
        found.update(registry.connections)
    return found


def __getattr__(name: str) -> Any:
    # PyUnitResultAdapter lives in _synctest, which builds on this module.
    if name == "PyUnitResultAdapter":
        from twistio.trial._synctest import PyUnitResultAdapter

        return PyUnitResultAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
