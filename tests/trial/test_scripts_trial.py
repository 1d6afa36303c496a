"""``twistio.scripts.trial`` (Twisted's ``twisted.scripts.trial``): options, helpers and the
runner they build."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from twistio.python import usage
from twistio.scripts import trial
from twistio.trial import reporter, runner, unittest


def test_options_parse_and_load_the_reporter() -> None:
    options = trial.Options()
    options.parseOptions(["--reporter", "text", "-x", "--order", "toptobottom", "a.b", "c"])
    assert options["tests"] == ["a.b", "c"]
    assert options["reporter"] is reporter.TextReporter
    assert options["exitfirst"] and options["order"] == "toptobottom"
    assert options["tbformat"] == "default"
    with pytest.raises(usage.UsageError):
        trial.Options().parseOptions(["--reporter", "nonesuch"])
    with pytest.raises(usage.UsageError):
        trial.Options().parseOptions(["--order", "sideways"])
    with pytest.raises(usage.UsageError):
        trial.Options().parseOptions(["--order", "alphabetical", "--random", "3"])
    with pytest.raises(usage.UsageError):
        trial.Options().parseOptions(["--jobs", "2", "--debug"])
    with pytest.raises(usage.UsageError):
        trial.Options().parseOptions(["--jobs", "0"])


def test_emacs_file_variables(tmp_path: Path) -> None:
    assert trial._parseLocalVariables("# -*- test-case-name: a.b, c.d; x: y; -*-") == {
        "test-case-name": "a.b, c.d",
        "x": "y",
    }
    with pytest.raises(ValueError):
        trial._parseLocalVariables("no variables here")
    with pytest.raises(ValueError):
        trial._parseLocalVariables("-*- nocolon -*-")
    source = tmp_path / "thing.py"
    source.write_text("#!/usr/bin/env python\n# -*- test-case-name: pkg.test_thing, other -*-\n")
    assert trial.getTestModules(str(source)) == ["pkg.test_thing", "other"]
    assert trial.isTestFile("/x/test_thing.py") and not trial.isTestFile("/x/thing.py")


def test_make_runner_and_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = trial.Options()
    options.parseOptions(["--dry-run", "--temp-directory", str(tmp_path / "tmp"), "twistio"])
    made = trial._makeRunner(options)
    assert made.mode == runner.TrialRunner.DRY_RUN
    loader = trial._getLoader(options)
    assert loader.suiteFactory is runner.DestructiveTestSuite

    class Case(unittest.SynchronousTestCase):
        __test__ = False

        def test_a(self) -> None:
            raise AssertionError("not run in a dry run")

    stream = io.StringIO()
    made.stream = stream
    result = made.run(runner.TestLoader().loadClass(Case))
    assert result.wasSuccessful() and result.testsRun == 1


def test_busy_working_directory_is_passed_over(tmp_path: Path) -> None:
    from twistio.python.lockfile import FilesystemLock

    work = tmp_path / "_trial_temp"
    held = FilesystemLock(str(work) + ".lock")
    assert held.lock()
    try:
        seen: list[str] = []

        class Case(unittest.SynchronousTestCase):
            __test__ = False

            def test_where(self) -> None:
                seen.append(os.getcwd())

        made = runner.TrialRunner(
            reporter.Reporter, stream=io.StringIO(), workingDirectory=str(work)
        )
        made.run(runner.TestLoader().loadClass(Case))
        assert seen == [str(work) + "-1"]
    finally:
        held.unlock()


def test_keyboard_interrupt_in_a_test_case_stops_the_run() -> None:
    called: list[int] = []

    class Case(unittest.TestCase):
        __test__ = False

        def test_1(self) -> None:
            called.append(1)

        def test_2(self) -> None:
            raise KeyboardInterrupt()

        def test_3(self) -> None:
            called.append(3)

    result = reporter.TestResult()
    runner.TestLoader().loadClass(Case).run(result)
    assert called == [1]
    assert result.shouldStop
    assert [f.type for _, f in result.errors] == [KeyboardInterrupt]


def test_holders() -> None:
    holder = runner.TestHolder("described")
    result = reporter.TestResult()
    holder.run(result)
    assert (holder.id(), holder.countTestCases(), result.successes) == ("described", 0, 1)
    error = runner.ErrorHolder("broken", (ValueError, ValueError("v"), None))
    assert repr(error) == "<ErrorHolder description='broken' error=ValueError('v')>"
    result = reporter.TestResult()
    error.run(result)
    assert result.errors[0][1].check(ValueError)
