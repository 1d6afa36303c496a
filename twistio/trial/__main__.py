"""``python -m twistio.trial [options] NAME ...``: run tests as trial does.

Exits 0 if every test passed (skips, todos and unexpected successes included), else 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from twistio.trial import reporter as _reporter
from twistio.trial.runner import TestLoader, TrialRunner

REPORTERS: dict[str, tuple[type[_reporter.Reporter], str]] = {
    "verbose": (_reporter.TreeReporter, "the module/class/test tree (the default)"),
    "tree": (_reporter.TreeReporter, "the same as verbose"),
    "bwverbose": (_reporter.VerboseTextReporter, "one 'test.id ... [OK]' line per test"),
    "text": (_reporter.TextReporter, "terse text output: a character per test"),
    "summary": (_reporter.MinimalReporter, "minimal summary output"),
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
    parser.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                        help="accepted for trial compatibility; tests always run in one process")
    parser.add_argument("-x", "--exitfirst", action="store_true",
                        help="stop at the first failure or error")
    parser.add_argument("-e", "--rterrors", action="store_true",
                        help="print tracebacks as soon as they happen")
    parser.add_argument("--tbformat", default="default", choices=["plain", "default", "verbose", "brief"],
                        help="traceback format")
    parser.add_argument("--temp-directory", default="_trial_temp", metavar="DIR",
                        help="the directory tests run in (emptied first; default _trial_temp)")
    parser.add_argument("-N", "--no-recurse", action="store_true",
                        help="do not look into subpackages")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "python -m twistio.trial") -> int:
    """Run the tests named on the command line; returns the exit status."""
    parser = _parser(prog)
    options = parser.parse_args(argv)
    if options.help_reporters:
        print("Reporters, chosen with --reporter=NAME:\n")
        for name, (_, text) in REPORTERS.items():
            print(f"    {name}\t{text}")
        return 0
    if not options.tests:
        parser.error("name some tests to run")
    if options.jobs != 1:
        print("twistio.trial: -j is not supported yet; running the tests in this process",
              file=sys.stderr)
    tbformat = "default" if options.tbformat == "plain" else options.tbformat
    loader = TestLoader()
    suite = loader.loadByNames(options.tests, recurse=not options.no_recurse)
    runner = TrialRunner(
        REPORTERS[options.reporter][0],
        stream=sys.stdout,
        tracebackFormat=tbformat,
        realTimeErrors=options.rterrors,
        workingDirectory=options.temp_directory,
        exitFirst=options.exitfirst,
    )
    result = runner.run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
