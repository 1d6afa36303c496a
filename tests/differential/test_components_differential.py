"""``registerAdapter``, ``IFoo(obj)``, ``Componentized`` and ``proxyForInterface`` on Twisted
and on twistio (with zope.interface, and without it) give the same outcomes.

The scenarios live in _adaptation_scenarios.py; each run is a fresh process, since adapter
registrations are global.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("twisted")

SCRIPT = Path(__file__).with_name("_adaptation_scenarios.py")


def run(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def twisted_lines() -> list[str]:
    lines = run("twisted")
    assert len(lines) > 50
    return lines


def test_with_zope_interface(twisted_lines: list[str]) -> None:
    assert run("twistio") == twisted_lines


def test_without_zope_interface(twisted_lines: list[str]) -> None:
    assert run("twistio", "nozope") == twisted_lines
