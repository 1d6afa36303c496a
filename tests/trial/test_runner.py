"""Tests for python -m twistio.trial: the loader, the runner and the reporters.

The last tests run the ported example suite under twistio's trial, under pytest, and (with
its imports switched back) under Twisted's trial, and compare the results.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import unittest as pyunit
from pathlib import Path

import pytest

from twistio.trial import reporter
from twistio.trial.__main__ import main
from twistio.trial.runner import ErrorHolder, TestLoader, TrialRunner

pytest_plugins = ["pytester"]

EXAMPLE = "tests.trial.ported_example"
EXAMPLE_DIR = Path(__file__).parent / "ported_example"
ROOT = Path(__file__).parents[2]
EXAMPLE_SUMMARY = "PASSED (skips=1, expectedFailures=1, successes=16)"

FAILING = '''
from twistio.internet import defer
from twistio.trial import unittest


class Broken(unittest.TestCase):
    def test_a_ok(self):
        pass

    def test_b_fail(self):
        self.assertEqual(1, 2)

    def test_c_error(self):
        return defer.fail(ZeroDivisionError("zero"))

    def test_d_error(self):
        return defer.fail(ZeroDivisionError("zero"))

    def test_e_surprise(self):
        pass

    test_e_surprise.todo = "surprise"
'''


def ids(suite: pyunit.TestSuite | pyunit.TestCase) -> list[str]:
    if isinstance(suite, pyunit.TestSuite):
        return [i for t in suite for i in ids(t)]
    return [suite.id()]


def run_suite(suite: pyunit.TestSuite, tmp_path: Path, factory: type[reporter.Reporter] = reporter.TreeReporter) -> tuple[reporter.Reporter, str]:
    stream = io.StringIO()
    runner = TrialRunner(factory, stream=stream, workingDirectory=str(tmp_path / "_trial_temp"))
    result = runner.run(suite)
    return result, stream.getvalue()


@pytest.fixture
def failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    package = tmp_path / "trialfailing_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "test_broken.py").write_text(FAILING)
    (package / "helper.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "trialfailing_pkg"
    for name in [m for m in sys.modules if m.startswith("trialfailing_pkg")]:
        del sys.modules[name]


# -- the loader ---------------------------------------------------------------------------------


def test_loader_finds_modules_classes_methods_sorted() -> None:
    loader = TestLoader()
    found = ids(loader.loadByName(EXAMPLE, recurse=True))
    assert len(found) == 18
    assert found[0] == f"{EXAMPLE}.test_greeter.DisconnectionTests.test_connectionLostCancelsTimer"
    assert found[1:] == sorted(found[1:])
    assert ids(loader.loadByName(f"{EXAMPLE}.test_greeter.GreeterTests.test_quit")) == [
        f"{EXAMPLE}.test_greeter.GreeterTests.test_quit"
    ]
    assert len(ids(loader.loadByName(f"{EXAMPLE}.test_greeter.GreeterTests"))) == 17
    assert ids(loader.loadByName(str(EXAMPLE_DIR / "test_greeter.py"))) == ids(
        loader.loadByName(f"{EXAMPLE}.test_greeter")
    )


def test_loader_errors_become_tests(tmp_path: Path) -> None:
    suite = TestLoader().loadByName("tests.trial.no_such_module")
    (holder,) = list(suite)
    assert isinstance(holder, ErrorHolder)
    result, out = run_suite(suite, tmp_path)
    assert len(result.errors) == 1 and result.testsRun == 1
    assert out.startswith("tests\n  trial\n    no_such_module ...")  # as trial shows it
    assert "FAILED (errors=1)" in out
    suite = TestLoader().loadByName(f"{EXAMPLE}.test_greeter.NoSuchClass")
    assert "does not exist" in str(list(suite)[0].error.value)


# -- the reporters ------------------------------------------------------------------------------


def test_tree_reporter(tmp_path: Path) -> None:
    result, out = run_suite(TestLoader().loadByName(EXAMPLE, recurse=True), tmp_path)
    assert result.wasSuccessful()
    lines = out.splitlines()
    assert lines[:3] == [
        f"{EXAMPLE}.test_greeter",
        "  DisconnectionTests",
        "    test_connectionLostCancelsTimer ...                                    [OK]",
    ]
    assert "    test_knownBug ...                                                    [TODO]" in lines
    assert all(len(line) == 79 for line in lines if line.startswith("    test_"))
    assert lines[-1] == EXAMPLE_SUMMARY
    assert re.fullmatch(r"Ran 18 tests in \d+\.\d{3}s", lines[-3])
    assert "[SKIPPED]\nnot written yet\n\n" in out
    assert "[TODO]\nReason: 'commands are case-sensitive'\nTraceback" in out


def test_problems_grouped_and_counted(tmp_path: Path, failing: str) -> None:
    result, out = run_suite(TestLoader().loadByName(failing, recurse=True), tmp_path)
    assert not result.wasSuccessful()
    assert out.splitlines()[-1] == "FAILED (failures=1, errors=2, unexpectedSuccesses=1, successes=1)"
    # Both errors have the same traceback: printed once, with both test names under it.
    block = out.split("=" * 79 + "\n[ERROR]\n", 1)[1].split("=" * 79, 1)[0]
    assert "Failure: builtins.ZeroDivisionError: zero" in block
    assert block.rstrip().endswith(f"{failing}.test_broken.Broken.test_c_error\n{failing}.test_broken.Broken.test_d_error")
    assert "[SUCCESS!?!]\nReason: 'surprise'\n" in out
    assert "[FAIL]" in out and "FailTest: 1 != 2" in out


def test_other_reporters(tmp_path: Path, failing: str) -> None:
    loader = TestLoader()
    _, text = run_suite(loader.loadByName(failing), tmp_path, reporter.TextReporter)
    assert text.startswith(".FEE!\n")
    _, verbose = run_suite(loader.loadByName(failing), tmp_path, reporter.VerboseTextReporter)
    assert f"{failing}.test_broken.Broken.test_a_ok ... [OK]\n" in verbose
    _, summary = run_suite(loader.loadByName(failing), tmp_path, reporter.MinimalReporter)
    assert "[FAIL]" not in summary
    assert summary.splitlines()[-1].split()[1:] == ["5", "5", "2", "1", "0"]


def test_main(tmp_path: Path, capsys: pytest.CaptureFixture[str], failing: str) -> None:
    temp = str(tmp_path / "tt")
    assert main(["--temp-directory", temp, "--reporter", "text", EXAMPLE]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == EXAMPLE_SUMMARY
    assert os.path.exists(os.path.join(temp, "test.log"))
    assert main(["--temp-directory", temp, "-x", failing]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "FAILED (failures=1, successes=1)"
    assert main(["--help-reporters"]) == 0
    assert "summary" in capsys.readouterr().out


# -- the ported example, three ways -------------------------------------------------------------


def _statuses(output: str, prefix: str) -> tuple[list[str], str]:
    """The tree (with ``prefix`` removed from module lines) and the summary line."""
    tree = []
    for line in output.splitlines():
        if not line.strip():
            break
        tree.append(line.replace(prefix, "", 1) if not line.startswith(" ") else line)
    return tree, output.strip().splitlines()[-1]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_ported_example_matches_twisted_trial(tmp_path: Path) -> None:
    # The same module with its imports switched back to Twisted, under Twisted's trial.
    copy = tmp_path / "ported_example"
    copy.mkdir()
    for source in EXAMPLE_DIR.glob("*.py"):
        (copy / source.name).write_text(source.read_text().replace("twistio", "twisted"))
    twisted = _run(["-m", "twisted.trial", "ported_example"], tmp_path)
    ours = _run(["-m", "twistio.trial", "--temp-directory", str(tmp_path / "ours"), EXAMPLE], ROOT)
    assert twisted.returncode == ours.returncode == 0, ours.stdout + ours.stderr
    twisted_tree, twisted_summary = _statuses(twisted.stdout, "")
    our_tree, our_summary = _statuses(ours.stdout, "tests.trial.")
    assert our_tree == twisted_tree
    assert our_summary == twisted_summary == EXAMPLE_SUMMARY


def test_ported_example_under_pytest(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", str(EXAMPLE_DIR))
    result.assert_outcomes(passed=16, skipped=1, xfailed=1)
