"""Scenario scripts run under Twisted and under twistio; their outputs must be identical.

Each script (``_filepath_scenarios.py``, ``_usage_scenarios.py``) prints one outcome per
scenario: a value, an exception's type and arguments, or what was written to stdout. The
scripts run in fresh processes because they change process-wide state (``sys.argv``,
``$COLUMNS``, files).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("twisted")

HERE = Path(__file__).parent


def run(script: str, package: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(HERE / script), package], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize(
    "script",
    [
        "_filepath_scenarios.py",
        "_usage_scenarios.py",
        "_logfile_scenarios.py",
        "_lockfile_scenarios.py",
        "_modules_scenarios.py",
    ],
)
def test_same_outcomes(script: str) -> None:
    twisted = run(script, "twisted")
    assert len(twisted) > 20
    assert run(script, "twistio") == twisted
