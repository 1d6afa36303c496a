"""What an installed twistio offers its users: types visible to mypy, documentation shipped."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
import zipfile
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _installed() -> bool:
    try:
        importlib.metadata.distribution("twistio")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason="twistio is not installed in this environment")
def test_mypy_in_a_user_project_sees_twistio(tmp_path: Path) -> None:
    # The README's `pip install -e .` must not hide twistio from type checkers (setuptools'
    # import-hook editable installs do): a wrong type is reported, not "module not found".
    pytest.importorskip("mypy")
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
            from twistio.internet.defer import Deferred, succeed

            def one() -> Deferred[int]:
                return succeed(1)

            wrong: str = one()
            """
        )
    )
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "import-not-found" not in out.stdout and "import-untyped" not in out.stdout, out.stdout
    assert 'has type "Deferred[int]", variable has type "str"' in out.stdout, out.stdout


def test_porting_guide_ships_with_the_package() -> None:
    guide = resources.files("twistio") / "docs" / "porting.md"
    assert guide.is_file()
    assert "Porting" in guide.read_text(encoding="utf-8")


def test_wheel_holds_docs_and_py_typed(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("twistio-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"twistio/py.typed", "twistio/docs/porting.md", "twistio/internet/defer.py"} <= names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)
