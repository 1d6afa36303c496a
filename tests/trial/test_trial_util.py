"""trial.util's janitor, phrase and temporary-directory helpers (Twisted's trial has them
under these names; its own tests and tools drive them)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from twistio.internet.base import DelayedCall
from twistio.internet.interfaces import IProcessTransport, implementer
from twistio.python.failure import Failure
from twistio.python.filepath import FilePath
from twistio.trial import util


class _Reactor:
    def __init__(self, calls: list[Any], selectables: list[object] | None = None) -> None:
        self.calls = calls
        self.selectables = selectables or []
        self.iterations: list[float] = []
        self.removed = 0

    def iterate(self, delay: float = 0) -> None:
        self.iterations.append(delay)

    def getDelayedCalls(self) -> list[Any]:
        return self.calls

    def removeAll(self) -> list[object]:
        self.removed += 1
        return self.selectables


class _Errors:
    def __init__(self) -> None:
        self.errors: list[tuple[object, Failure]] = []

    def addError(self, test: object, error: Failure) -> None:
        self.errors.append((test, error))


def _call(cancelled: list[Any]) -> DelayedCall:
    return DelayedCall(
        300, lambda: None, (), {}, cancelled.append, lambda c: None, seconds=lambda: 0
    )


def test_clean_pending_spins_then_cancels_and_describes() -> None:
    cancelled: list[Any] = []
    call = _call(cancelled)
    described = str(call)
    reactor = _Reactor([call])
    assert util._Janitor(None, None, reactor=reactor)._cleanPending() == [described]
    assert reactor.iterations == [0, 0]
    assert cancelled == [call]


def test_post_case_cleanup_reports_pending_calls() -> None:
    errors = _Errors()
    test = object()
    assert util._Janitor(test, errors, reactor=_Reactor([])).postCaseCleanup() is True
    assert errors.errors == []
    call = _call([])
    described = str(call)
    assert util._Janitor(test, errors, reactor=_Reactor([call])).postCaseCleanup() is False
    [(reported, failure)] = errors.errors
    assert reported is test
    assert failure.check(util.DirtyReactorAggregateError)
    assert failure.value.delayedCalls == [described]


def test_post_class_cleanup_removes_selectables_and_kills_processes() -> None:
    @implementer(IProcessTransport)
    class Process:
        def __init__(self) -> None:
            self.signals: list[object] = []

        def signalProcess(self, signal: object) -> None:
            self.signals.append(signal)

        def __repr__(self) -> str:
            return "<process>"

    process = Process()
    reactor = _Reactor([], [process, "a socket"])
    errors = _Errors()
    util._Janitor("t", errors, reactor=reactor).postClassCleanup()
    assert reactor.removed == 1
    assert process.signals == ["KILL"]
    [(_, failure)] = errors.errors
    assert failure.value.selectables == ["<process>", "'a socket'"]
    assert "Selectables:" in str(failure.value)


@pytest.mark.parametrize(
    ("things", "final", "delimiter", "phrase"),
    [
        ([], "and", ", ", ""),
        (["One"], "and", ", ", "One"),
        (["One", "Two"], "and", ", ", "One and Two"),
        (["One", "Two", "Three"], "and", ", ", "One, Two, and Three"),
        (("a", "b", "c", "d"), "or", "; ", "a; b; c; or d"),
        ([1, 2], "and", ", ", "1 and 2"),
    ],
)
def test_list_to_phrase(things: Any, final: str, delimiter: str, phrase: str) -> None:
    assert util._listToPhrase(things, final, delimiter=delimiter) == phrase


@pytest.mark.parametrize("things", ["abc", iter([1]), (x for x in [1])])
def test_list_to_phrase_wants_a_list(things: Any) -> None:
    with pytest.raises(TypeError, match="Things must be a list or a tuple"):
        util._listToPhrase(things, "and")


def test_remove_safely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unmarked = FilePath(os.fsencode(tmp_path / "unmarked"))
    unmarked.makedirs()
    with pytest.raises(util._NoTrialMarker):
        util._removeSafely(unmarked)
    assert unmarked.exists()

    marked = FilePath(str(tmp_path / "marked"))
    marked.makedirs()
    marked.child("_trial_marker").touch()
    util._removeSafely(marked)
    assert not marked.exists()

    stuck = FilePath(str(tmp_path / "stuck"))
    stuck.makedirs()
    stuck.child("_trial_marker").touch()

    def refuse() -> None:
        raise OSError(13, "no")

    stuck.remove = refuse  # type: ignore[method-assign]
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    util._removeSafely(stuck)
    assert "could not remove FilePath" in out.getvalue()
    assert not stuck.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("_trial_temp_old")]


timeout = 7.0  # the module's setting, found last by acquireAttribute over a test's _parents


def test_acquire_attribute_over_a_tests_parents() -> None:
    from twistio.trial import unittest

    class Case(unittest.SynchronousTestCase):
        def test_method(self) -> None:
            pass

        test_method.timeout = 3.0  # type: ignore[attr-defined]

        def test_other(self) -> None:
            pass

    Case.__module__ = __name__
    assert util.acquireAttribute(Case("test_method")._parents, "timeout") == 3.0
    assert util.acquireAttribute(Case("test_other")._parents, "timeout") == 7.0
    Case.timeout = 5.0  # type: ignore[attr-defined]
    assert util.acquireAttribute(Case("test_other")._parents, "timeout") == 5.0
    assert util.acquireAttribute(Case("test_other")._parents, "nothing", None) is None
