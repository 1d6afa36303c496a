"""twistio.conch.ls: the same ``ls -l`` lines as Twisted's for the same stat results."""

from __future__ import annotations

import os
import time
import warnings

import pytest

from twistio.conch.ls import lsLine

NOW = time.time()
STATS = [
    (0o100644, 3, 1000, 1000, 12345, 0),
    (0o100644, 123456, 12, 1234567890, 5, 0),
    (0o040755, 34, 99999, 99999, 4096, 1e9),
    (0o020666, 1, 0, 0, 0, NOW - 86400 * 300),
    (0o107777, 1, 12345678901, 0, 10**12, NOW + 86400 * 300),
    (0o140755, 1, 0, 0, 0, NOW - 86400 * 10),
    (0o010644, 1, 0, 0, 0, 0),
    (0o060644, 1, 0, 0, 0, 0),
    (0o103644, 1, 0, 0, 0, 0),
    (0o103655, 1, 0, 0, 0, 0),
    (0o104644, 1, 0, 0, 0, 0),
    (0o120777, 1, 0, 0, 5, NOW - 60),
    (0o100600, 1, 0, 0, 9, NOW - 86400 * 182 + 3600),
    (0o100600, 1, 0, 0, 9, NOW - 86400 * 183),
]


def _stat(mode: int, nlink: int, uid: int, gid: int, size: int, mtime: float) -> os.stat_result:
    return os.stat_result((mode, 1, 2, nlink, uid, gid, size, mtime, mtime, mtime))


@pytest.mark.parametrize("fields", STATS)
def test_same_lines_as_twisted(fields: tuple[int, int, int, int, int, float]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pytest.importorskip("twisted.conch.ls")
    st = _stat(*fields)
    assert lsLine("name", st) == theirs.lsLine("name", st)


def test_a_real_file(tmp_path: object) -> None:
    line = lsLine("f", os.stat(__file__))
    assert line.startswith("-r") and line.endswith(" f")
