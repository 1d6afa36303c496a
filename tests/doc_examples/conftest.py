"""Fixtures for the documentation examples, and the summary line they print."""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import catalogue
from ._harness import FOLDERS, ORACLE, Ports, Session, docs_tree

# path -> "passed" / "failed", filled in by the tests, read by the summary.
OUTCOMES: dict[str, str] = {}

WORKERS = 8


@pytest.fixture(scope="session")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the example folders of Twisted's docs/ (from its sdist)."""
    return docs_tree(tmp_path_factory.mktemp("twisted-docs"))


def _drive(entry: catalogue.Run, docs: Path, ports: Ports) -> None:
    with ports.hold(entry.ports, entry.udp):
        session = Session(docs)
        try:
            entry.drive(session)
        finally:
            session.close()


@pytest.fixture(scope="session")
def runs(request: pytest.FixtureRequest, docs: Path) -> Iterator[dict[str, Any]]:
    """Every selected example started at once on a few threads; path -> its future."""
    selected = {
        item.callspec.params["path"]
        for item in request.session.items
        if hasattr(item, "callspec") and item.name.startswith("test_example[")
    }
    ports = Ports()
    entries = [e for e in catalogue.ENTRIES if isinstance(e, catalogue.Run)]
    # The busiest fixed port first (its examples run one after another: the longest chain),
    # then the rest.
    busy = collections.Counter(p for e in entries for p in e.ports)
    entries.sort(key=lambda e: -max((busy[p] for p in e.ports), default=0))
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = {
            e.path: pool.submit(_drive, e, docs, ports) for e in entries if e.path in selected
        }
        yield futures
        for future in futures.values():
            with contextlib.suppress(BaseException):
                future.result()


def _folder(path: str) -> str:
    return next(f for f in FOLDERS if path.startswith(f + "/"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not OUTCOMES:
        return
    table = catalogue.by_path()
    # A companion (a client another example's test runs, as echoclient.py for echoserv.py)
    # counts as run, passing when that test passes.
    companions: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for entry in table.values():
        if isinstance(entry, catalogue.Run) and entry.path in OUTCOMES:
            reasons[entry.path] = entry.fails
            for other in entry.also:
                if catalogue.is_program(table[other], companion=True):
                    companions.setdefault(other, OUTCOMES[entry.path])
                    reasons.setdefault(other, f"run by {entry.path}; " + entry.fails)
    outcomes = {**companions, **OUTCOMES}
    write = terminalreporter.write_line
    write(f"Twisted {catalogue.TWISTED_VERSION} documentation examples on {ORACLE}:")
    totals = [0, 0, 0, 0]
    for folder in FOLDERS:
        entries = [e for e in table.values() if _folder(e.path) == folder]
        programs = [e for e in entries if catalogue.is_program(e, companion=e.path in outcomes)]
        ran = [e for e in programs if e.path in outcomes]
        passed = sum(outcomes[e.path] == "passed" for e in ran)
        scope = sum(isinstance(e, catalogue.OutOfScope) for e in programs)
        counts = [len(programs), passed, scope, len(ran) - passed]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        write(
            f"  {folder}: {counts[0]} programs, {counts[1]} run and passing, "
            f"{counts[2]} out of scope, {counts[3]} failing"
        )
        for e in ran:
            if outcomes[e.path] != "passed":
                reason = reasons.get(e.path) or "unexpected: see the test's failure"
                write(f"    failing: {e.path}: {reason}")
    write(
        f"doc examples: {totals[0]} programs, {totals[1]} run and passing, "
        f"{totals[2]} out of scope, {totals[3]} failing"
    )
