"""trial's command-line options that ``twistio trial`` / ``python -m twistio.trial`` take."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from twistio.trial.__main__ import main

MODULE = textwrap.dedent(
    """
    from twistio.trial import unittest

    calls = []

    class T(unittest.SynchronousTestCase):
        def test_zeta(self):
            calls.append("zeta")

        def test_alpha(self):
            calls.append("alpha")
            if calls.count("alpha") >= 3:
                self.fail("third time")
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"options_{abs(hash(tmp_path)) % 10**8}"
    (tmp_path / f"{name}.py").write_text(MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def _ids(out: str, name: str) -> list[str]:
    return [line.split(" ... ")[0].rsplit(".", 1)[1] for line in out.splitlines()
            if line.startswith(name + ".")]


def test_orders(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--reporter=bwverbose", project]) == 0
    assert _ids(capsys.readouterr().out, project) == ["test_alpha", "test_zeta"]
    sys.modules.pop(project)
    assert main(["--reporter=bwverbose", "--order=toptobottom", project]) == 0
    assert _ids(capsys.readouterr().out, project) == ["test_zeta", "test_alpha"]


def test_random_order_is_repeatable(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    runs = []
    for _ in range(2):
        sys.modules.pop(project, None)
        assert main(["--reporter=bwverbose", "-z", "5", "--force-gc", project]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Running tests shuffled with seed 5\n")
        runs.append(_ids(out, project))
    assert runs[0] == runs[1] and sorted(runs[0]) == ["test_alpha", "test_zeta"]


def test_until_failure_and_dry_run(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--reporter=summary", "-u", project]) == 1
    out = capsys.readouterr().out
    assert "Test Pass 3" in out and "Test Pass 4" not in out
    calls = sys.modules[project].calls  # type: ignore[attr-defined]
    assert calls.count("alpha") == 3
    del calls[:]
    assert main(["--reporter=bwverbose", "-n", project]) == 0
    assert calls == [] and len(_ids(capsys.readouterr().out, project)) == 2


def test_help_orders_version_and_accepted_options(
    project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--help-orders"]) == 0
    assert "toptobottom" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "Twisted version: 26.10.0" in capsys.readouterr().out
    assert main(["-j", "auto", "--nopm", "-r", "epoll", "--tbformat=emacs",
                 "--without-module=no_such_thing", "--reporter=summary", project]) == 0
