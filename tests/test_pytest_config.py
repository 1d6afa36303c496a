"""The project's pytest settings show why a test was skipped (issue 16 item 16): the README
promises a skip message when PostgreSQL is missing, and ``-q`` alone would hide it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_skip_reasons_are_shown(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text(
        "import pytest\n\n\ndef test_skipped() -> None:\n"
        "    pytest.skip('no PostgreSQL here (reason shown)')\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_one.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SKIPPED" in out.stdout and "no PostgreSQL here (reason shown)" in out.stdout
