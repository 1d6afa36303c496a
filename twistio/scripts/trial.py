"""The ``trial`` command under Twisted's module name (``twisted.scripts.trial``).

``Options`` parses trial's command line (``twistio.python.usage``); ``run()`` runs the tests
it names. The helpers between them (``_getLoader``, ``_getSuite``, ``_makeRunner``) are what
tools that drive trial call. ``twistio trial`` and ``python -m twistio.trial`` offer the same
options with argparse.

Differences from Twisted: ``--jobs`` runs the tests in this process (there is no
distributed trial), and ``--coverage`` writes the standard library's ``trace`` report.
"""

from __future__ import annotations

import gc
import inspect
import os
import pdb
import random
import sys
import trace
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from twistio.internet import defer
from twistio.plugin import getPlugins
from twistio.python import failure, reflect, usage
from twistio.python.filepath import FilePath
from twistio.trial import itrial, runner
from twistio.trial._asyncrunner import TestSuite

__all__ = ["Options", "getTestModules", "isTestFile", "loadLocalVariables", "run"]

#: ``--tbformat`` values and the traceback detail each gives.
TBFORMAT_MAP = {
    "plain": "default",
    "default": "default",
    "emacs": "brief",
    "brief": "brief",
    "cgitb": "verbose",
    "verbose": "verbose",
}


def _autoJobs() -> int:
    """How many workers ``--jobs auto`` means: the CPUs this process may use."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return int(count() or 1)
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0)) or 1
    return os.cpu_count() or 1


def _parseLocalVariables(line: str) -> dict[str, str]:
    """The Emacs file variables of ``line`` (``-*- name: value; other: value -*-``) as a
    dict; ``ValueError`` when the line declares none or declares one badly."""
    marker = "-*-"
    first = line.find(marker)
    last = line.rfind(marker)
    if first == -1 or last == first:
        raise ValueError(f"{line!r} does not declare Emacs file variables")
    variables: dict[str, str] = {}
    for declaration in line[first + len(marker) : last].split(";"):
        if not declaration.strip():
            continue
        name, colon, value = declaration.partition(":")
        if not colon:
            raise ValueError(f"{declaration!r} is not a 'name: value' declaration")
        variables[name.strip()] = value.strip()
    return variables


def loadLocalVariables(filename: str) -> dict[str, str]:
    """The Emacs file variables declared on the first or second line of ``filename``, as
    Emacs reads them ({} when there are none)."""
    with open(filename, encoding="utf-8", errors="replace") as f:
        lines = [f.readline(), f.readline()]
    for line in lines:
        try:
            return _parseLocalVariables(line)
        except ValueError:
            continue
    return {}


def getTestModules(filename: str) -> list[str]:
    """The modules that test ``filename``: its ``test-case-name`` file variable."""
    names = loadLocalVariables(filename).get("test-case-name")
    if names is None:
        return []
    return [name.strip() for name in names.split(",")]


def isTestFile(filename: str) -> bool:
    """Whether ``filename`` is named like a test module (``test_*.py``)."""
    base = os.path.basename(filename)
    return base.startswith("test_") and os.path.splitext(base)[1] == ".py"


def _maybeFindSourceLine(testThing: Any) -> int:
    """The line a test (its method), a function or a class starts on; -1 when unknown."""
    method = getattr(testThing, "_testMethodName", None)
    if method is not None:
        testThing = getattr(testThing, method, None)
    code = getattr(testThing, "__code__", None)
    if code is not None:
        return int(code.co_firstlineno)
    if inspect.isclass(testThing):
        try:
            return int(inspect.getsourcelines(testThing)[1])
        except (OSError, TypeError):
            return -1
    return -1


#: ``--order`` names: (help, the loader's sort key).
_runOrders: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "alphabetical": ("test methods by name, test cases in no particular order", runner.name),
    "toptobottom": (
        "test cases and methods in the order their source defines them",
        _maybeFindSourceLine,
    ),
}


def _checkKnownRunOrder(order: str) -> str:
    """``order`` if it names a known order, else a ``UsageError``."""
    if order not in _runOrders:
        raise usage.UsageError(
            f"--order must be one of: {', '.join(repr(o) for o in _runOrders)}. "
            "See --help-orders for details"
        )
    return order


class _BasicOptions(usage.Options):
    """The options every way of running trial takes."""

    longdesc = (
        "trial runs the unit tests of the modules, packages, files, test case classes and "
        "test methods named on its command line."
    )

    optFlags = [
        ["help", "h"],
        ["no-recurse", "N", "do not look into subpackages"],
        ["help-orders", None, "describe the orders --order takes"],
        ["help-reporters", None, "describe the reporters --reporter takes"],
        ["rterrors", "e", "print each traceback as soon as it happens"],
        ["unclean-warnings", None, "report a dirty reactor as a warning, not an error"],
        ["force-gc", None, "collect garbage before and after each test"],
        ["exitfirst", "x", "stop at the first failure or error (not with --jobs)"],
    ]
    optParameters: list[Any] = [
        ["order", "o", None, "the order tests run in (see --help-orders)", _checkKnownRunOrder],
        ["random", "z", None, "run the tests in a random order drawn from this seed"],
        ["temp-directory", None, "_trial_temp", "the directory the tests run in"],
        ["reporter", None, "verbose", "how to show results (see --help-reporters)"],
    ]

    tracer: trace.Trace | None = None

    def __init__(self) -> None:
        self["tests"] = []
        usage.Options.__init__(self)

    def getSynopsis(self) -> str:
        executable = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "trial"
        return f"{executable} [options] [[file|package|module|TestCase|testmethod]...]"

    def coverdir(self) -> FilePath[str]:
        """Where ``--coverage`` writes its report: ``coverage`` in the temporary directory."""
        return FilePath(self["temp-directory"]).child("coverage")

    def opt_coverage(self) -> None:
        """Write line coverage of the run into the coverage directory."""
        self.tracer = trace.Trace(count=1, trace=0)
        sys.settrace(self.tracer.globaltrace)

    def opt_testmodule(self, filename: str) -> None:
        """Run the tests of FILENAME (its test-case-name file variable, or itself when it is
        a test module)."""
        if not os.path.isfile(filename):
            sys.stderr.write(f"File {filename!r} doesn't exist\n")
            return
        filename = os.path.abspath(filename)
        found = [filename] if isTestFile(filename) else getTestModules(filename)
        for name in found:
            if name not in self["tests"]:
                self["tests"].append(name)

    def opt_spew(self) -> None:
        """Print every line of Python run (slow: for finding hangs)."""
        from twistio.python.util import spewer

        sys.settrace(spewer)

    def opt_help_orders(self) -> NoReturn:
        print(self.getSynopsis())
        print("\nOrders, chosen with --order=NAME:\n")
        for name, (description, _) in sorted(_runOrders.items()):
            print(f"   {name:<19}{description}")
        sys.exit(0)

    def opt_help_reporters(self) -> NoReturn:
        print("Reporters, chosen with --reporter=NAME:\n")
        for plugin in getPlugins(itrial.IReporter):
            print(f"   {plugin.longOpt:<19}{plugin.description}")
        sys.exit(0)

    def opt_disablegc(self) -> None:
        """Turn the garbage collector off."""
        self["disablegc"] = True
        gc.disable()

    def opt_tbformat(self, opt: str) -> None:
        """How to show tracebacks: plain, emacs or cgitb (verbose)."""
        try:
            self["tbformat"] = TBFORMAT_MAP[opt]
        except KeyError:
            raise usage.UsageError("tbformat must be 'plain', 'emacs', or 'cgitb'.") from None

    def opt_recursionlimit(self, arg: str) -> None:
        """Set sys.setrecursionlimit()."""
        try:
            sys.setrecursionlimit(int(arg))
        except (TypeError, ValueError):
            raise usage.UsageError("argument to recursionlimit must be an integer") from None
        else:
            self["recursionlimit"] = int(arg)

    def opt_random(self, option: str) -> None:
        try:
            self["random"] = int(option)
        except ValueError:
            raise usage.UsageError("Argument to --random must be a positive integer") from None
        if self["random"] < 0:
            raise usage.UsageError("Argument to --random must be a positive integer")
        if self["random"] == 0:
            self["random"] = int(random.random() * 2**31) or 1

    opt_z = opt_random

    def opt_without_module(self, option: str) -> None:
        """Make these modules (comma-separated) fail to import."""
        for module in option.split(","):
            module = module.strip()
            if not module:
                continue
            if module in sys.modules:
                warnings.warn(
                    f"Module '{module}' already imported, disabling anyway.",
                    category=RuntimeWarning,
                    stacklevel=2,
                )
            sys.modules[module] = None  # type: ignore[assignment]

    def parseArgs(self, *args: str) -> None:
        self["tests"].extend(args)

    def _loadReporterByName(self, name: str) -> Any:
        for plugin in getPlugins(itrial.IReporter):
            if plugin.longOpt == name:
                return reflect.namedAny(f"{plugin.module}.{plugin.klass}")
        raise usage.UsageError(
            "Only pass names of Reporter plugins to --reporter. See --help-reporters for more info."
        )

    def postOptions(self) -> None:
        self["reporter"] = self._loadReporterByName(self["reporter"])
        if "tbformat" not in self:
            self["tbformat"] = "default"
        if self["order"] is not None and self["random"] is not None:
            raise usage.UsageError("You can't specify --random when using --order")


class Options(_BasicOptions):
    """trial's full command line."""

    optFlags = [
        ["debug", "b", "run the tests under a debugger (pdb reads .pdbrc here)"],
        ["debug-stacktraces", "B", "record where Deferreds are made and fired"],
        ["nopm", None, "do not start the debugger on an error (post-mortem)"],
        ["dry-run", "n", "report every test as passed without running it"],
        ["profile", None, "run the tests under the profiler"],
        ["until-failure", "u", "run the tests again and again until one does not pass"],
    ]
    optParameters: list[Any] = [
        ["debugger", None, "pdb", "the debugger --debug uses (a dotted name)"],
        ["logfile", "l", "test.log", "the log file, in the temporary directory"],
        ["jobs", "j", None, "how many workers to run (a number, or auto)"],
    ]

    _workerFlags = ["disablegc", "force-gc", "coverage"]
    _workerParameters = ["recursionlimit", "reactor", "without-module"]

    def opt_jobs(self, number: str) -> None:
        """How many workers to run: a number above zero, or auto (one per usable CPU)."""
        if number == "auto":
            jobs = _autoJobs()
        else:
            try:
                jobs = int(number)
            except ValueError:
                raise usage.UsageError(
                    f"Expecting integer argument to jobs, got '{number}'"
                ) from None
            if jobs <= 0:
                raise usage.UsageError(
                    "Argument to jobs must be a strictly positive integer or 'auto'"
                )
        self["jobs"] = jobs

    def _getWorkerArguments(self) -> list[str]:
        """The options a worker of a ``--jobs`` run would be given."""
        args: list[str] = []
        for flag in self._workerFlags:
            if self.get(flag) is not None and self.get(flag):
                args.append(f"--{flag}")
        for parameter in self._workerParameters:
            if self.get(parameter) is not None:
                args.extend([f"--{parameter}", str(self[parameter])])
        return args

    def postOptions(self) -> None:
        _BasicOptions.postOptions(self)
        if self["jobs"]:
            for option in ["debug", "profile", "debug-stacktraces", "exitfirst"]:
                if self[option]:
                    raise usage.UsageError(f"You can't specify --{option} when using --jobs")
        if self["nopm"]:
            if not self["debug"]:
                raise usage.UsageError("You must specify --debug when using --nopm ")
            failure.DO_POST_MORTEM = False


def _initialDebugSetup(config: Options) -> None:
    if config["debug"]:
        failure.startDebugMode()
    if config["debug"] or config["debug-stacktraces"]:
        defer.setDebugging(True)


def _getLoader(config: Options) -> runner.TestLoader:
    """A loader that sorts as ``--order`` or ``--random`` says."""
    loader = runner.TestLoader()
    if config["random"]:
        shuffler = random.Random(config["random"])
        loader.sorter = lambda thing: shuffler.random()  # type: ignore[assignment,method-assign,return-value]
        print(f"Running tests shuffled with seed {config['random']}\n")
    elif config["order"]:
        _, key = _runOrders[config["order"]]
        loader.sorter = key  # type: ignore[assignment,method-assign]
    if not config["until-failure"]:
        loader.suiteFactory = runner.DestructiveTestSuite
    return loader


def _getSuite(config: Options) -> TestSuite:
    loader = _getLoader(config)
    suite: TestSuite = loader.loadByNames(config["tests"], recurse=not config["no-recurse"])  # type: ignore[assignment]
    return suite


class _DebuggerNotFound(Exception):
    """The debugger ``--debugger`` names cannot be loaded."""


def _wrappedPdb() -> pdb.Pdb:
    """A ``pdb.Pdb`` with readline's line editing (when there is readline)."""
    debugger = pdb.Pdb()
    try:
        import readline  # noqa: F401  (line editing for the debugger's prompt)
    except ImportError:
        print("readline module not available")
    return debugger


def _makeRunner(config: Options) -> runner.TrialRunner:
    """A runner set up as ``config`` says."""
    settings: dict[str, Any] = {
        "reporterFactory": config["reporter"],
        "tracebackFormat": config["tbformat"],
        "realTimeErrors": config["rterrors"],
        "uncleanWarnings": config["unclean-warnings"],
        "logfile": config["logfile"],
        "workingDirectory": config["temp-directory"],
        "exitFirst": config["exitfirst"],
    }
    if config["dry-run"]:
        settings["mode"] = runner.TrialRunner.DRY_RUN
    elif config["jobs"]:
        from twistio.trial._dist.disttrial import DistTrialRunner

        return DistTrialRunner(  # type: ignore[return-value]
            config["reporter"],
            config["jobs"],
            config._getWorkerArguments(),
            exitFirst=config["exitfirst"],
            tracebackFormat=config["tbformat"],
            realTimeErrors=config["rterrors"],
            uncleanWarnings=config["unclean-warnings"],
            logfile=config["logfile"],
            workingDirectory=config["temp-directory"],
        )
    else:
        if config["debug"]:
            settings["mode"] = runner.TrialRunner.DEBUG
            debugger = config["debugger"]
            if debugger != "pdb":
                try:
                    settings["debugger"] = reflect.namedAny(debugger)
                except reflect.ModuleNotFound:
                    raise _DebuggerNotFound(f"{debugger!r} debugger could not be found.") from None
            else:
                settings["debugger"] = _wrappedPdb()
        settings["profile"] = config["profile"]
        settings["forceGarbageCollection"] = config["force-gc"]
    return runner.TrialRunner(**settings)


def run() -> NoReturn:
    """Run trial with ``sys.argv``; exits 0 if every test passed."""
    if len(sys.argv) == 1:
        sys.argv.append("--help")
    config = Options()
    try:
        config.parseOptions()
    except usage.UsageError as e:
        raise SystemExit(f"{sys.argv[0]}: {e}") from None
    _initialDebugSetup(config)
    try:
        trialRunner = _makeRunner(config)
    except _DebuggerNotFound as e:
        raise SystemExit(f"{sys.argv[0]}: {e}") from None
    suite = _getSuite(config)
    if config["until-failure"]:
        result = trialRunner.runUntilFailure(suite)
    else:
        result = trialRunner.run(suite)
    if config.tracer is not None:
        sys.settrace(None)
        config.tracer.results().write_results(
            show_missing=True, summary=False, coverdir=config.coverdir().path
        )
    sys.exit(not result.wasSuccessful())
