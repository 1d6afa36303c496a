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

# Modules that run in a few seconds each, and how many of their tests must pass: gathered from
# every ``floors_*.py`` beside this file (one per area, so that work on different areas does not
# touch the same lines), each defining ``FLOORS``.
FLOORS: dict[str, int] = {}
for _path in sorted(Path(__file__).parent.glob("floors_*.py")):
    _scope: dict[str, object] = {}
    exec(compile(_path.read_text(encoding="utf-8"), str(_path), "exec"), _scope)
    _floors = _scope["FLOORS"]
    assert isinstance(_floors, dict)
    for _module, _floor in _floors.items():
        assert _module not in FLOORS, f"{_module} has a floor in two files"
        FLOORS[_module] = _floor


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
