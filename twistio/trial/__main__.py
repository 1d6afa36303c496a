"""``python -m twistio.trial [options] NAME ...``: run tests as trial does.

Exits 0 if every test passed (skips, todos and unexpected successes included), else 1.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import unittest
from collections.abc import Sequence
from typing import Any

from twistio.trial import reporter as _reporter
from twistio.trial.runner import TestLoader, TrialRunner

REPORTERS: dict[str, tuple[type[_reporter.Reporter], str]] = {
    "verbose": (_reporter.TreeReporter, "the module/class/test tree (the default)"),
    "tree": (_reporter.TreeReporter, "the same as verbose"),
    "bwverbose": (_reporter.VerboseTextReporter, "one 'test.id ... [OK]' line per test"),
    "text": (_reporter.TextReporter, "terse text output: a character per test"),
    "summary": (_reporter.MinimalReporter, "minimal summary output"),
    "timing": (_reporter.TimingTextReporter, "verbose output with each test's duration"),
}


def _parser(prog: str = "python -m twistio.trial") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run trial-style (and unittest) tests on twistio.",
    )
    parser.add_argument("tests", nargs="*", metavar="NAME", help="package, module, class, "
                        "method (dotted), or a path to a .py file or package directory")
    parser.add_argument("--reporter", default="verbose", choices=sorted(REPORTERS),
                        help="how to print results (default: verbose)")
    parser.add_argument("--help-reporters", action="store_true", help="describe the reporters")
    parser.add_argument("-j", "--jobs", default=None, metavar="N",
                        help="run the tests in N worker processes (a number, or 'auto': one "
                        "per usable CPU)")
    parser.add_argument("-x", "--exitfirst", action="store_true",
                        help="stop at the first failure or error")
    parser.add_argument("-e", "--rterrors", action="store_true",
                        help="print tracebacks as soon as they happen")
    parser.add_argument("--tbformat", default="default",
                        choices=["plain", "default", "verbose", "brief", "emacs", "cgitb"],
                        help="traceback format (emacs and cgitb print as default)")
    parser.add_argument("--temp-directory", default="_trial_temp", metavar="DIR",
                        help="the directory tests run in (emptied first; default _trial_temp)")
    parser.add_argument("-l", "--logfile", default="test.log", metavar="FILE",
                        help="the run's log, inside the temp directory unless absolute "
                        "(default test.log)")
    parser.add_argument("-N", "--no-recurse", action="store_true",
                        help="do not look into subpackages")
    parser.add_argument("-z", "--random", type=int, metavar="SEED",
                        help="run the tests in a random order drawn from SEED")
    parser.add_argument("-o", "--order", choices=sorted(ORDERS), default="alphabetical",
                        help="the order of test cases and methods (see --help-orders)")
    parser.add_argument("--help-orders", action="store_true", help="describe the orders")
    parser.add_argument("-u", "--until-failure", action="store_true",
                        help="run the tests again and again until one does not pass")
    parser.add_argument("-n", "--dry-run", action="store_true",
                        help="report every test as passed without running it")
    parser.add_argument("--force-gc", action="store_true",
                        help="collect garbage before and after each test")
    parser.add_argument("--disablegc", action="store_true", help="disable the garbage collector")
    parser.add_argument("--recursionlimit", type=int, metavar="N",
                        help="see sys.setrecursionlimit()")
    parser.add_argument("-B", "--debug-stacktraces", action="store_true",
                        help="record where Deferreds are created and fired")
    parser.add_argument("--without-module", metavar="MODULES", default="",
                        help="make these modules (comma-separated) fail to import")
    parser.add_argument("-r", "--reactor", metavar="NAME",
                        help="accepted for trial compatibility: every reactor name installs "
                        "twistio's asyncio reactor")
    parser.add_argument("--nopm", action="store_true",
                        help="accepted for trial compatibility (there is no post-mortem)")
    parser.add_argument("--version", action="store_true",
                        help="print the Twisted version twistio follows, and twistio's")
    return parser


def _source_line(test: Any) -> tuple[str, str, int]:
    """Where a test method is defined: (module, class, line), for the toptobottom order."""
    method = getattr(type(test), getattr(test, "_testMethodName", ""), None)
    code = getattr(method, "__code__", None)
    return (type(test).__module__, type(test).__qualname__, code.co_firstlineno if code else 0)


ORDERS = {
    "alphabetical": "tests in the order of their names (the default)",
    "toptobottom": "tests in the order they are defined in their modules",
}


def _flatten(suite: Any) -> list[Any]:
    if isinstance(suite, unittest.TestSuite):
        return [t for member in suite for t in _flatten(member)]
    return [suite]


class _ForcedGCSuite(unittest.TestSuite):
    """Runs each test between two ``gc.collect()`` calls."""

    def run(self, result: Any, debug: bool = False) -> Any:
        for test in self:
            if result.shouldStop:
                break
            gc.collect()
            test(result)
            gc.collect()
        return result


class _DryRun(unittest.TestCase):
    """Stands for a test that is reported as passed without running (``--dry-run``)."""

    def __init__(self, test: Any) -> None:
        super().__init__("runTest")
        self._test = test

    def id(self) -> str:
        return str(self._test.id())

    def shortDescription(self) -> str | None:
        return self._test.shortDescription()  # type: ignore[no-any-return]

    def __str__(self) -> str:
        return str(self._test)

    def runTest(self) -> None:
        pass


def _suite(options: argparse.Namespace) -> unittest.TestSuite:
    """The tests named, in the order asked for."""
    suite = TestLoader().loadByNames(options.tests, recurse=not options.no_recurse)
    if options.order == "toptobottom" or options.random is not None or options.force_gc:
        tests = _flatten(suite)
        if options.order == "toptobottom":
            tests.sort(key=_source_line)
        if options.random is not None:
            random.Random(options.random).shuffle(tests)
        suite = (_ForcedGCSuite if options.force_gc else unittest.TestSuite)(tests)
    if options.dry_run:
        suite = unittest.TestSuite([_DryRun(t) for t in _flatten(suite)])
    return suite


def main(argv: Sequence[str] | None = None, prog: str = "python -m twistio.trial") -> int:
    """Run the tests named on the command line; returns the exit status."""
    parser = _parser(prog)
    options = parser.parse_args(argv)
    if options.help_reporters:
        print("Reporters, chosen with --reporter=NAME:\n")
        for name, (_, text) in REPORTERS.items():
            print(f"    {name}\t{text}")
        return 0
    if options.help_orders:
        print("Orders, chosen with --order=NAME:\n")
        for name, text in ORDERS.items():
            print(f"    {name}\t{text}")
        return 0
    if options.version:
        import twistio

        print(f"Twisted version: {twistio.version.public()} (twistio {twistio.__version__})")
        return 0
    if not options.tests:
        parser.error("name some tests to run")
    jobs = 0 if options.jobs is None else _jobs(parser, options.jobs)
    if jobs and options.debug_stacktraces:
        parser.error("--debug-stacktraces cannot be used with --jobs")
    for name in filter(None, (m.strip() for m in options.without_module.split(","))):
        sys.modules[name] = None  # type: ignore[assignment]  # import then fails
    if options.recursionlimit:
        sys.setrecursionlimit(options.recursionlimit)
    if options.disablegc:
        gc.disable()
    if options.debug_stacktraces:
        from twistio.internet import defer

        defer.setDebugging(True)
    tbformat = options.tbformat
    if tbformat in ("plain", "emacs", "cgitb"):
        tbformat = "default"
    if options.random is not None:
        print(f"Running tests shuffled with seed {options.random}\n")
    suite = _suite(options)
    runner: Any
    if jobs:
        from twistio.trial._dist.disttrial import DistTrialRunner

        workerArguments = [f"--recursionlimit={options.recursionlimit}"] if options.recursionlimit else []
        if options.disablegc:
            workerArguments.append("--disablegc")
        if options.without_module:
            workerArguments.append(f"--without-module={options.without_module}")
        runner = DistTrialRunner(
            REPORTERS[options.reporter][0],
            jobs,
            workerArguments,
            stream=sys.stdout,
            tracebackFormat=tbformat,
            realTimeErrors=options.rterrors,
            workingDirectory=options.temp_directory,
            exitFirst=options.exitfirst,
            logfile=options.logfile,
        )
    else:
        runner = TrialRunner(
            REPORTERS[options.reporter][0],
            stream=sys.stdout,
            tracebackFormat=tbformat,
            realTimeErrors=options.rterrors,
            workingDirectory=options.temp_directory,
            exitFirst=options.exitfirst,
            logfile=options.logfile,
        )
    if options.until_failure:
        passes = 0
        while True:
            passes += 1
            print(f"Test Pass {passes}")
            result = runner.run(suite if passes == 1 else _suite(options))  # a suite runs once
            if not result.wasSuccessful():
                break
    else:
        result = runner.run(suite)
    return 0 if result.wasSuccessful() else 1


def _jobs(parser: argparse.ArgumentParser, text: str) -> int:
    """``-j``'s worker count: a positive number, or ``auto`` for the CPUs this process may use."""
    if text == "auto":
        import os

        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:
            return os.cpu_count() or 1
    try:
        count = int(text)
    except ValueError:
        parser.error(f"-j/--jobs wants a number or 'auto', not {text!r}")
    if count <= 0:
        parser.error("-j/--jobs wants a number above zero")
    return count


if __name__ == "__main__":
    sys.exit(main())
