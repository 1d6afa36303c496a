"""Finding tests (``TestLoader``) and running them (``TrialRunner``), as trial does.

Names are dotted (``pkg``, ``pkg.test_mod``, ``pkg.test_mod.Class``,
``pkg.test_mod.Class.test_method``) or paths to a ``.py`` file or a package directory. A
package is searched recursively for modules named ``test_*``; a module for
``unittest.TestCase`` subclasses; a class for methods named ``test*``; all sorted by name.
A name that cannot be imported or found becomes a test that errors, as in trial.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import inspect
import logging
import os
import pkgutil
import shutil
import sys
import typing
import unittest
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import IO, Any

from twistio.internet.interfaces import implementer
from twistio.python.failure import Failure
from twistio.trial import reporter as _reporter
from twistio.trial._asyncrunner import TestSuite
from twistio.trial.itrial import ITestCase

__all__ = [
    "NOT_IN_TEST",
    "DestructiveTestSuite",
    "ErrorHolder",
    "LoggedSuite",
    "TestHolder",
    "TestLoader",
    "TestSuite",
    "TrialRunner",
    "TrialSuite",
    "filenameToModule",
    "isPackage",
    "isPackageDirectory",
    "isTestCase",
    "name",
    "samefile",
]

#: What a log line written outside any test says in place of the test's id.
NOT_IN_TEST = "<not in test>"


def name(thing: Any) -> str:
    """The dotted name of a test, a ``TestCase`` class, or a module found by
    ``twisted.python.modules`` (a ``PythonModule`` or ``PythonAttribute``)."""
    if isinstance(thing, unittest.TestCase):
        return thing.id()
    if isinstance(thing, type):
        return f"{thing.__module__}.{thing.__qualname__}"
    found = getattr(thing, "name", None)
    if isinstance(found, str) and hasattr(thing, "load"):
        return found
    raise TypeError(f"Cannot name {thing!r}")


def isPackageDirectory(dirname: str) -> str | bool:
    """The name of the ``__init__`` file if ``dirname`` is a package directory, else False."""
    for suffix in importlib.machinery.all_suffixes():
        init = "__init__" + suffix
        if os.path.exists(os.path.join(dirname, init)):
            return init
    return False


def samefile(filename1: str, filename2: str) -> bool:
    """Whether the two paths name the same file (deprecated: use ``os.path.samefile``)."""
    import warnings

    warnings.warn(
        "twisted.trial.runner.samefile was deprecated in Twisted 26.10.0; please use "
        "os.path.samefile instead",
        DeprecationWarning,
        stacklevel=2,
    )
    return os.path.normcase(os.path.realpath(filename1)) == os.path.normcase(
        os.path.realpath(filename2)
    )


def filenameToModule(fn: str) -> ModuleType:
    """The module of the file (or package directory) ``fn``, imported; its root goes on
    ``sys.path`` when it is not there. ``ValueError`` if ``fn`` does not exist."""
    if not os.path.exists(fn):
        raise ValueError(f"{fn!r} doesn't exist")
    if os.path.isdir(fn):
        if not isPackageDirectory(fn):
            raise ValueError(f"{fn!r} is not a package directory")
        return importlib.import_module(_name_from_path(fn))
    module_name = _name_from_path(fn)
    try:
        module: ModuleType | None = importlib.import_module(module_name)
    except ImportError:
        module = None
    found = getattr(module, "__file__", None)
    if module is not None and found and os.path.exists(found) and os.path.samefile(found, fn):
        return module
    # The name leads elsewhere (a package of that name beside it), or the file is not a
    # ``.py``: load this very file under that name.
    loader = importlib.machinery.SourceFileLoader(module_name, fn)
    spec = importlib.util.spec_from_loader(module_name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _qualNameWalker(qualName: str) -> Iterable[tuple[str, list[str]]]:
    """``(prefix, rest)`` pairs for a dotted name, the longest prefix first:
    ``a.b.c`` gives ``("a.b.c", [])``, ``("a.b", ["c"])``, ``("a", ["b", "c"])``."""
    parts = qualName.split(".")
    for index in range(len(parts), 0, -1):
        yield ".".join(parts[:index]), parts[index:]


class DestructiveTestSuite(TestSuite):
    """A suite that lets go of each test once it has run (so that a long run does not keep
    every finished test, and what it holds, alive)."""

    def run(self, result: Any, debug: bool = False) -> Any:
        pending = self._tests
        while pending and not result.shouldStop:
            # Popped before it runs: once run, nothing here refers to it any more.
            pending.pop(0)(result)
        return result


def isTestCase(obj: object) -> bool:
    """Whether ``obj`` is a ``unittest.TestCase`` subclass."""
    return isinstance(obj, type) and issubclass(obj, unittest.TestCase)


def isPackage(module: object) -> bool:
    """Whether ``module`` is a package."""
    return isinstance(module, ModuleType) and hasattr(module, "__path__")


@implementer(ITestCase)
class TestHolder:
    """Stands for a test in a report without being one: running it reports a success."""

    skip = None
    failureException = None

    def __init__(self, description: str) -> None:
        self.description = description

    def id(self) -> str:
        return self.description

    def shortDescription(self) -> str:
        return self.description

    def countTestCases(self) -> int:
        return 0

    def run(self, result: Any) -> None:
        result.startTest(self)
        result.addSuccess(self)
        result.stopTest(self)

    def __call__(self, result: Any) -> None:
        self.run(result)


class ErrorHolder(TestHolder):
    """Stands for tests that could not be loaded (a module that fails to import): running
    it reports ``error`` (a Failure or an ``exc_info`` triple) as the error."""

    def __init__(self, description: str, error: Any) -> None:
        super().__init__(description)
        self.error = error

    def run(self, result: Any) -> None:
        result.startTest(self)
        result.addError(self, self.error)
        result.stopTest(self)

    def __repr__(self) -> str:
        error = self.error
        value = error.value if isinstance(error, Failure) else error[1]
        return f"<ErrorHolder description={self.description!r} error={value!r}>"


class LoggedSuite(TestSuite):
    """A suite that reports what was logged as an error outside any test (after its tests
    have run) as the error of a ``TestHolder`` named ``NOT_IN_TEST``."""

    def run(self, result: Any, debug: bool = False) -> Any:
        from twistio.trial._synctest import _logObserver

        _logObserver._add()
        try:
            super().run(result)
        finally:
            _logObserver._remove()
        for error in _logObserver.getErrors():
            result.addError(TestHolder(NOT_IN_TEST), error)
        _logObserver.flushErrors()
        return result


class TrialSuite(TestSuite):
    """What trial runs: the tests in a ``LoggedSuite``, each collecting garbage around it
    with ``forceGarbageCollection``. (twistio's reactor lives on between runs: there is no
    reactor to tear down afterwards.)"""

    def __init__(self, tests: Iterable[Any] = (), forceGarbageCollection: bool = False) -> None:
        if forceGarbageCollection:
            from twistio.trial._asyncrunner import _ForceGarbageCollectionDecorator, decorate

            tests = [decorate(test, _ForceGarbageCollectionDecorator) for test in tests]
        super().__init__([LoggedSuite(tests)])


def _name_from_path(path: str) -> str:
    """The dotted module name of a file or package directory; its root goes on sys.path."""
    path = os.path.abspath(path)
    if path.endswith(".py"):
        path = path[:-3]
        if os.path.basename(path) == "__init__":
            path = os.path.dirname(path)
    parts = [os.path.basename(path)]
    directory = os.path.dirname(path)
    while os.path.exists(os.path.join(directory, "__init__.py")):
        parts.insert(0, os.path.basename(directory))
        directory = os.path.dirname(directory)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    return ".".join(parts)


class TestLoader:
    """Finds the tests in modules, packages, classes and names."""

    modulePrefix = "test_"
    methodPrefix = "test"
    suiteFactory: Callable[..., unittest.TestSuite] = unittest.TestSuite

    def sorter(self, obj: Any) -> str:
        """The key tests, classes and modules are sorted on: their dotted name."""
        try:
            return name(obj)
        except TypeError:
            return str(getattr(obj, "__name__", obj))

    def getTestCaseNames(self, klass: type) -> list[str]:
        """The names of the test methods of ``klass``, sorted."""
        return sorted(
            name
            for name in dir(klass)
            if name.startswith(self.methodPrefix) and callable(getattr(klass, name, None))
        )

    def loadClass(self, klass: type) -> unittest.TestSuite:
        """A suite of every test method of the ``TestCase`` class ``klass`` (sorted with
        ``sorter``)."""
        if not isinstance(klass, type):
            raise TypeError(f"{klass!r} is not a class")
        if not isTestCase(klass):
            raise ValueError(f"{klass!r} is not a test case")
        tests = [klass(method) for method in self.getTestCaseNames(klass)]
        return self.suiteFactory(self.sort(tests))

    def loadMethod(self, method: Any) -> unittest.TestCase:
        """The test of a (bound or unbound, class-qualified) test method."""
        klass = getattr(method, "__self__", None)
        klass = type(klass) if klass is not None and not isinstance(klass, type) else klass
        if klass is None:
            owner = method.__qualname__.rsplit(".", 1)[0]
            klass = getattr(sys.modules[method.__module__], owner)
        test: unittest.TestCase = klass(method.__name__)
        return test

    def findTestClasses(self, module: ModuleType) -> list[type]:
        """The ``TestCase`` classes in ``module`` that have tests, sorted by name."""
        classes = [obj for _, obj in inspect.getmembers(module, isTestCase)]
        return sorted((c for c in classes if self.getTestCaseNames(c)), key=self.sorter)

    def loadModule(self, module: ModuleType) -> Any:
        """A suite of the tests of every ``TestCase`` class in ``module``; a module may make
        its own suite with a ``testSuite`` (or ``test_suite``) function."""
        if not isinstance(module, ModuleType):
            raise TypeError(f"{module!r} is not a module")
        for custom in ("testSuite", "test_suite"):
            if hasattr(module, custom):
                return getattr(module, custom)()
        return self.suiteFactory([self.loadClass(c) for c in self.findTestClasses(module)])

    def _testModuleNames(self, package: ModuleType, recurse: bool) -> list[str]:
        names: list[str] = []
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            short = info.name.rsplit(".", 1)[1]
            if info.ispkg:
                if recurse:
                    names.append(info.name)
            elif short.startswith(self.modulePrefix):
                names.append(info.name)
        return sorted(names)

    def loadPackage(self, package: ModuleType, recurse: bool = False) -> unittest.TestSuite:
        """A suite of the ``test_*`` modules of ``package`` (and its subpackages' if
        ``recurse``); a module that fails to import becomes an ``ErrorHolder``."""
        if not isPackage(package):
            raise TypeError(f"{package!r} is not a package")
        tests: list[Any] = []
        for name in self._testModuleNames(package, recurse):
            try:
                module = importlib.import_module(name)
            except Exception:
                tests.append(ErrorHolder(name, Failure()))
                continue
            if isPackage(module):
                tests.append(self.loadPackage(module, recurse))
            else:
                tests.append(self.loadModule(module))
        return self.suiteFactory(tests)

    def findByName(self, name: str) -> Any:
        """The module, class or method named ``name`` (a dotted name or a path)."""
        if os.sep in name or name.endswith(".py") or os.path.isdir(name):
            if not os.path.exists(name):
                raise ValueError(f"{name!r} is not a Python file or directory.")
            name = _name_from_path(name)
        parts = name.split(".")
        module: ModuleType | None = None
        for i in range(len(parts), 0, -1):
            modname = ".".join(parts[:i])
            try:
                module = importlib.import_module(modname)
            except ModuleNotFoundError as e:
                if e.name is not None and not modname.startswith(e.name):
                    raise  # the module exists, and imports something missing
                continue
            rest = parts[i:]
            break
        if module is None:
            from twistio.python.reflect import ModuleNotFound

            raise ModuleNotFound(f"No module named {name!r}")
        obj: Any = module
        for attr in rest:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                raise AttributeError(f"{name} does not exist.")
        return obj

    def loadAnything(
        self,
        obj: Any,
        recurse: bool = False,
        name: str | None = None,
        parent: Any = None,
        qualName: list[str] | None = None,
    ) -> Any:
        """The tests of a package, module, ``TestCase`` class or test method (``parent``, the
        method's class, and ``qualName``, its dotted name as parts, find a method whose
        decorator lost its name)."""
        if parent is not None and isTestCase(parent):
            method = qualName[-1] if qualName else getattr(obj, "__name__", "")
            if not hasattr(parent, method):
                method = getattr(obj, "__name__", method)
            return parent(method)
        if isPackage(obj):
            return self.loadPackage(obj, recurse)
        if isinstance(obj, ModuleType):
            return self.loadModule(obj)
        if isTestCase(obj):
            return self.loadClass(obj)
        if callable(obj) and hasattr(obj, "__qualname__"):
            if name is not None and "." in name:
                klass = self.findByName(name.rsplit(".", 1)[0])
                if isTestCase(klass):
                    return klass(name.rsplit(".", 1)[1])
            return self.loadMethod(obj)
        raise TypeError(f"don't know how to load tests from {obj!r}")

    def loadByName(self, name: str, recurse: bool = False) -> unittest.TestSuite:
        """The tests named ``name``; an ``ErrorHolder`` if they cannot be loaded."""
        try:
            obj = self.findByName(name)
            return self.suiteFactory([self.loadAnything(obj, recurse, name)])
        except Exception:
            return self.suiteFactory([ErrorHolder(name, Failure())])

    def sort(self, xs: Iterable[Any]) -> list[Any]:
        """``xs`` sorted with ``sorter``."""
        return sorted(xs, key=self.sorter)

    def loadFile(self, fileName: str, recurse: bool = False) -> Any:
        """The tests of the Python file (or package directory) ``fileName``."""
        return self.loadAnything(filenameToModule(fileName), recurse)

    def loadDoctests(self, module: ModuleType | str) -> unittest.TestSuite:
        """A suite of ``module``'s doctests (a module or its dotted name)."""
        import doctest

        if isinstance(module, str):
            module = importlib.import_module(module)
        return self.suiteFactory([doctest.DocTestSuite(module)])

    loadTestsFromModule = loadModule
    loadTestsFromTestCase = loadClass

    def loadTestsFromName(self, name: str, module: ModuleType | None = None) -> Any:
        """unittest's name: the tests named ``name`` (relative to ``module`` if given)."""
        return self.loadByName(f"{module.__name__}.{name}" if module is not None else name)

    def _uniqueTests(self, things: Iterable[Any]) -> list[Any]:
        """``things`` without repeats, in order (tests compare by identity)."""
        seen: list[Any] = []
        for thing in things:
            if thing not in seen:
                seen.append(thing)
        return seen

    def loadByNames(self, names: Iterable[str], recurse: bool = False) -> unittest.TestSuite:
        """The tests named by all of ``names``, each loaded once."""
        seen: set[str] = set()
        suites: list[unittest.TestSuite] = []
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            suites.append(self.loadByName(name, recurse))
        return self.suiteFactory(suites)


class _Runner(typing.Protocol):
    """What trial's command line needs of a runner: :class:`TrialRunner` or, with ``--jobs``,
    :class:`twistio.trial._dist.disttrial.DistTrialRunner`."""

    stream: Any

    def run(self, test: Any) -> Any: ...

    def runUntilFailure(self, test: Any) -> Any: ...


def _untilFailure(runner: _Runner, test: Any) -> Any:
    """``runner.run(test)`` over and over ("Test Pass N" before each) until a run ran nothing
    or did not pass; that run's result. Both runners' ``runUntilFailure``."""
    count = 0
    while True:
        count += 1
        runner.stream.write(f"Test Pass {count}\n")
        result = runner.run(test)
        if result.testsRun == 0 or not result.wasSuccessful():
            return result


def _setUpWorkingDirectory(workingDirectory: str) -> tuple[str, Any]:
    """``workingDirectory`` made absolute, emptied, and the lock that keeps other runs out of
    it: a directory in use by another run is passed over for ``<name>-1``, ``-2``..."""
    from twistio.python.lockfile import FilesystemLock

    base = os.path.abspath(workingDirectory)
    os.makedirs(os.path.dirname(base), exist_ok=True)
    count = 0
    while True:
        directory = base if count == 0 else f"{base}-{count}"
        lock = FilesystemLock(directory + ".lock")
        if lock.lock():
            break
        count += 1
    if os.path.exists(directory):
        shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)
    return directory, lock


class TrialRunner:
    """Runs a suite in ``workingDirectory`` (``_trial_temp``, emptied first; ``logfile`` in it
    receives the ``logging`` records of the run) and reports it.

    ``mode`` is None, ``DEBUG`` (run under ``debugger``) or ``DRY_RUN`` (report every test
    as passed without running it); ``uncleanWarnings`` turns a dirty reactor into a
    warning; ``forceGarbageCollection`` collects garbage around each test; ``exitFirst``
    stops at the first failure or error.
    """

    DEBUG = "debug"
    DRY_RUN = "dry-run"

    def __init__(
        self,
        reporterFactory: Callable[..., _reporter.Reporter] = _reporter.TreeReporter,
        mode: str | None = None,
        logfile: str = "test.log",
        stream: IO[str] | None = None,
        profile: bool = False,
        tracebackFormat: str = "default",
        realTimeErrors: bool = False,
        uncleanWarnings: bool = False,
        workingDirectory: str | None = None,
        forceGarbageCollection: bool = False,
        debugger: Any = None,
        exitFirst: bool = False,
        log: Any = None,
    ) -> None:
        self.reporterFactory = reporterFactory
        self.mode = mode
        self.logfile = logfile
        self.stream: IO[str] = stream if stream is not None else sys.stdout
        self.profile = profile
        self.tbformat = tracebackFormat
        self.realTimeErrors = realTimeErrors
        self.uncleanWarnings = uncleanWarnings
        self.workingDirectory = workingDirectory or "_trial_temp"
        self._forceGarbageCollection = forceGarbageCollection
        self.debugger = debugger
        self._exitFirst = exitFirst
        if log is None:
            from twistio.python import log as _log_module

            log = _log_module
        self._log = log

    @property
    def exitFirst(self) -> bool:
        return self._exitFirst

    def _makeResult(self) -> Any:
        result: Any = self.reporterFactory(self.stream, self.tbformat, self.realTimeErrors)
        if self._exitFirst:
            result = _reporter._ExitWrapper(result)
        if self.uncleanWarnings:
            result = _reporter.UncleanWarningsReporterWrapper(result)
        return result

    def _setUpDirectory(self) -> tuple[str, Any]:
        """The working directory, emptied, and the lock that keeps other runs out of it."""
        return _setUpWorkingDirectory(self.workingDirectory)

    def _prepare(self, test: Any) -> Any:
        if self.mode == self.DRY_RUN:
            return _DryRunSuite(test)
        if self._forceGarbageCollection:
            from twistio.trial._asyncrunner import _ForceGarbageCollectionDecorator, decorate

            test = decorate(test, _ForceGarbageCollectionDecorator)
        return test

    def run(self, test: Any) -> Any:
        """Run ``test`` (a suite or a case) and return the reporter, after its ``done()``."""
        return self._runWithoutDecoration(self._prepare(test))

    def _runWithoutDecoration(self, test: Any) -> Any:
        result = self._makeResult()
        here = os.getcwd()
        if here not in sys.path and "" not in sys.path:
            sys.path.insert(0, here)
        directory, lock = self._setUpDirectory()
        logPath = os.path.join(directory, self.logfile)
        os.makedirs(os.path.dirname(logPath), exist_ok=True)
        handler = logging.FileHandler(logPath, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        os.chdir(directory)
        try:
            if self.mode == self.DEBUG and self.debugger is not None:
                self.debugger.runcall(test, result)
            elif self.profile:
                import cProfile

                profiler = cProfile.Profile()
                try:
                    profiler.runcall(test, result)
                finally:
                    profiler.dump_stats("profile.data")
            else:
                test(result)
        finally:
            os.chdir(here)
            root.removeHandler(handler)
            handler.close()
            lock.unlock()
        result.done()
        return result

    def runUntilFailure(self, test: Any) -> Any:
        """Run ``test`` again and again until a run does not pass; that run's result."""
        return _untilFailure(self, test)


class _DryRunSuite:
    """Reports every test of ``suite`` as passed without running it (``--dry-run``)."""

    def __init__(self, suite: Any) -> None:
        self._suite = suite

    def __call__(self, result: Any) -> None:
        from twistio.trial._asyncrunner import _iterateTests

        for test in _iterateTests(self._suite):
            result.startTest(test)
            result.addSuccess(test)
            result.stopTest(test)

    run = __call__
