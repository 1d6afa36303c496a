"""Twisted's documentation examples, run unmodified under ``twistio compat`` with real clients.

See ``catalogue.py`` for what each example is and how it is driven, and ``_harness.py`` for
how the examples are fetched (Twisted's sdist, at test time) and run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import catalogue
from ._harness import RUN_TIMEOUT, example_files
from .conftest import OUTCOMES

RUNS = [
    pytest.param(e.path, marks=pytest.mark.xfail(strict=True, reason=e.fails))
    if e.fails and catalogue.ORACLE == "twistio"
    else e.path
    for e in catalogue.ENTRIES
    if isinstance(e, catalogue.Run)
]


def test_catalogue_names_every_file(docs: Path) -> None:
    table = catalogue.by_path()
    files = set(example_files(docs))
    assert sorted(files - set(table)) == [], "files the catalogue does not name"
    assert sorted(set(table) - files) == [], "catalogue entries for files that do not exist"
    for entry in table.values():
        if isinstance(entry, catalogue.Run):
            assert set(entry.also) <= files, entry


@pytest.mark.parametrize("path", RUNS)
def test_example(path: str, runs: dict[str, Any]) -> None:
    OUTCOMES[path] = "failed"
    runs[path].result(timeout=RUN_TIMEOUT * 10)
    OUTCOMES[path] = "passed"
