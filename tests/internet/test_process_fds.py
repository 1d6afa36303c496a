"""The child's descriptors: ``_getFileActions`` (compared with Twisted's on random states)
and ``_FDDetector``/``_listOpenFDs``, which twistio's ``preexec_fn`` runs them with."""

from __future__ import annotations

import os
import random
import sys

import pytest

from twistio.internet import process
from twistio.internet.process import _FDDetector, _getFileActions, _listOpenFDs

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptors")

C, D = "close", "dup2"


def test_file_actions_examples() -> None:
    assert _getFileActions([], {}, C, D) == []
    assert _getFileActions([(0, False)], {}, C, D) == [(C, 0)]
    assert _getFileActions([(0, True)], {}, C, D) == []
    assert _getFileActions([(0, False)], {0: 0}, C, D) == []
    # In place but close-on-exec: round by a spare number to clear the flag.
    assert _getFileActions([(0, True)], {0: 0}, C, D) == [(D, 0, 1), (D, 1, 0), (C, 1)]
    # A swap parks one side first.
    assert _getFileActions([(0, False), (1, False)], {0: 1, 1: 0}, C, D) == [
        (D, 0, 2), (D, 1, 0), (D, 2, 1), (C, 2),
    ]  # fmt: skip


def _random_cases(count: int) -> list[tuple[list[tuple[int, bool]], dict[int, int]]]:
    rng = random.Random(14)
    cases = []
    for _ in range(count):
        fds = sorted(rng.sample(range(9), rng.randint(0, 7)))
        state = [(fd, rng.random() < 0.4) for fd in fds]
        wanted = {c: rng.choice(fds) for c in rng.sample(range(9), rng.randint(0, 6)) if fds}
        cases.append((state, wanted))
    return cases


def test_file_actions_match_twisted() -> None:
    theirs = pytest.importorskip("twisted.internet.process")
    for state, wanted in _random_cases(3000):
        assert _getFileActions(state, dict(wanted), C, D) == theirs._getFileActions(
            state, dict(wanted), C, D
        ), (state, wanted)


def test_file_actions_leave_the_wanted_descriptors_in_place() -> None:
    # Simulate the actions: every child number ends up with its parent's file.
    for state, wanted in _random_cases(2000):
        slots: dict[int, object] = {fd: ("file", fd) for fd, _ in state}
        for action in _getFileActions(state, dict(wanted), C, D):
            if action[0] == D:
                slots[action[2]] = slots[action[1]]
            else:
                del slots[action[1]]
        for child, parent in wanted.items():
            assert slots[child] == ("file", parent)
        closed_on_exec = {fd for fd, flag in state if flag}
        leftover = set(slots) - set(wanted) - closed_on_exec
        assert not leftover, (state, wanted, leftover)


def test_list_open_fds_sees_a_new_descriptor() -> None:
    with open(os.devnull) as f:
        assert f.fileno() in list(_listOpenFDs())
    assert callable(process._detector._listOpenFDs)


def test_detector_picks_the_first_way_that_works() -> None:
    detector = _FDDetector()
    opened: list[int] = [0, 1, 2]

    class File:
        def __enter__(self) -> File:
            opened.append(3)
            return self

        def __exit__(self, *exc: object) -> None:
            opened.remove(3)

    def broken() -> list[int]:
        raise OSError("no such directory")

    def stale() -> list[int]:
        return [0, 1, 2]

    def accurate() -> list[int]:
        return list(opened)

    detector.openfile = lambda name, mode: File()  # type: ignore[method-assign,assignment,misc]
    detector._implementations = [broken, stale, accurate]
    assert detector._getImplementation() is accurate
    detector._implementations = [broken, stale]
    assert detector._getImplementation() is stale

