"""A fast subset of Twisted's own tests, run against twistio (see ``python -m tests.proof``).

Each module runs in a subprocess with ``twisted`` aliased to twistio, from Twisted's sdist
(downloaded once into the cache); the test fails when fewer of its tests pass than the floor
recorded here, so a regression that Twisted's own tests catch shows up in CI. Raise a floor
when twistio gets better. Skipped when the sdist cannot be fetched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.proof.__main__ import SdistUnavailable, run_module, sdist_src, twisted_version

# Modules that run in a few seconds each, and how many of their tests must pass.
FLOORS = {
    "twisted.test.test_defer": 170,
    "twisted.test.test_usage": 40,
    "twisted.test.test_compat": 45,
    "twisted.test.test_iosim": 20,
    "twisted.test.test_reflect": 55,
    "twisted.python.test.test_components": 37,
    "twisted.web.test.test_resource": 13,
    "twisted.web.test.test_web": 84,
    "twisted.web.test.test_template": 50,
    "twisted.web.test.test_static": 82,
    "twisted.web.test.test_http": 126,
}


@pytest.fixture(scope="module")
def src() -> Path:
    try:
        return sdist_src(twisted_version())
    except SdistUnavailable as e:
        pytest.skip(f"Twisted's sdist cannot be fetched: {e}")
    except OSError as e:
        pytest.skip(f"Twisted's sdist cannot be unpacked: {e}")


@pytest.mark.parametrize("module", sorted(FLOORS))
def test_twisted_module_under_alias(src: Path, module: str) -> None:
    outcome = run_module(module, src, timeout=300, test_timeout=30)
    assert outcome.records, f"{module} ran no tests: {outcome.note}"
    if len(outcome.records) == 1 and outcome.records[0]["error"].startswith("ModuleNotFoundError"):
        missing = outcome.records[0]["error"]
        if "twisted" not in missing.split(":", 1)[1]:  # a test requirement, not twistio's gap
            pytest.skip(f"{module} needs a package that is not installed: {missing}")
    failing = [
        f"{r['id']}: {r['error'].splitlines()[0] if r['error'] else r['status']}"
        for r in outcome.records
        if r["status"] not in ("ok", "todo", "skip")
    ]
    assert outcome.passed >= FLOORS[module], (
        f"{module}: {outcome.passed} passed, floor {FLOORS[module]}; not passing:\n"
        + "\n".join(failing)
    )
