"""trial --jobs: tests run in worker processes and are reported as one run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TESTS = """
import os
from twistio.trial import unittest
from twistio.internet import reactor, task

class Mixed(unittest.TestCase):
    def test_pass(self):
        print("a test's print goes to its worker's out.log")
    def test_fail(self):
        self.assertEqual(1, 2)
    def test_error(self):
        raise ValueError("boom")
    def test_skip(self):
        raise unittest.SkipTest("not today")
    def test_todo(self):
        self.fail("expected")
    test_todo.todo = "known"
    def test_deferred(self):
        return task.deferLater(reactor, 0.01, lambda: None)

class Pids(unittest.TestCase):
"""


def make_package(tmp: Path, body: str) -> None:
    pkg = tmp / "dtpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "test_it.py").write_text(textwrap.dedent(body))


def trial(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp)]))
    return subprocess.run(
        [sys.executable, "-m", "twistio.trial", "--reporter=bwverbose", *args, "dtpkg"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_outcomes_of_every_kind_come_back(tmp_path: Path) -> None:
    pids = "".join(
        f"    def test_{i}(self):\n        open('pid-%d-{i}' % os.getpid(), 'w').close()\n"
        for i in range(6)
    )
    make_package(tmp_path, TESTS + pids)
    done = trial(tmp_path, "-j", "2")
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "FAILED (skips=1, expectedFailures=1, failures=1, errors=1, successes=8)" in out
    assert "dtpkg.test_it.Mixed.test_fail ... [FAILURE]" in out
    assert "builtins.ValueError: boom" in out  # the worker's traceback, as it told it
    workers = {p.name for p in (tmp_path / "_trial_temp").iterdir()}
    assert workers >= {"0", "1"}
    files = [p.name for p in (tmp_path / "_trial_temp").glob("*/pid-*")]
    assert len(files) == 6
    assert "out.log" in os.listdir(tmp_path / "_trial_temp" / "0")
    printed = "".join(p.read_text() for p in (tmp_path / "_trial_temp").glob("*/out.log"))
    assert "goes to its worker's out.log" in printed


def test_a_passing_run_exits_zero(tmp_path: Path) -> None:
    make_package(
        tmp_path,
        "from twistio.trial import unittest\n"
        "class T(unittest.TestCase):\n"
        + "".join(f"    def test_{i}(self): pass\n" for i in range(5)),
    )
    done = trial(tmp_path, "--jobs", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED (successes=5)" in done.stdout


def test_a_worker_dying_costs_one_test(tmp_path: Path) -> None:
    make_package(
        tmp_path,
        "import os\n"
        "from twistio.trial import unittest\n"
        "class T(unittest.TestCase):\n"
        "    def test_a(self): pass\n"
        "    def test_b_dies(self): os._exit(3)\n"
        "    def test_c(self): pass\n"
        "    def test_d(self): pass\n",
    )
    done = trial(tmp_path, "-j", "1")
    assert done.returncode == 1
    assert "FAILED (errors=1, successes=3)" in done.stdout, done.stdout
    assert "exited while running dtpkg.test_it.T.test_b_dies" in done.stdout


def test_bad_job_counts_are_refused(tmp_path: Path) -> None:
    make_package(tmp_path, "")
    for bad in ("0", "x"):
        done = trial(tmp_path, "-j", bad)
        assert done.returncode == 2 and "--jobs" in done.stderr


def test_trials_log_may_be_in_a_subdirectory(tmp_path: Path) -> None:
    make_package(
        tmp_path,
        "from twistio.logger import Logger\n"
        "from twistio.trial import unittest\n"
        "class T(unittest.TestCase):\n"
        "    def test_logs(self): Logger().warn('a warning {n}', n=42)\n",
    )
    done = trial(tmp_path, "--logfile", "sub/run.log")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "a warning 42" in (tmp_path / "_trial_temp" / "sub" / "run.log").read_text()


def test_until_failure_reruns_in_workers(tmp_path: Path) -> None:
    """-u with -j: passes repeat until one fails (here the second, by a file the first left)."""
    marker = tmp_path / "ran-once"
    make_package(
        tmp_path,
        "import os\n"
        "from twistio.trial import unittest\n"
        "class T(unittest.TestCase):\n"
        "    def test_second_time_fails(self):\n"
        f"        if os.path.exists({str(marker)!r}):\n"
        "            self.fail('second pass')\n"
        f"        open({str(marker)!r}, 'w').close()\n",
    )
    done = trial(tmp_path, "-j", "1", "-u")
    assert done.returncode == 1
    assert "Test Pass 1" in done.stdout and "Test Pass 2" in done.stdout
    assert "Test Pass 3" not in done.stdout
