"""twistio.python.logfile, lockfile, url and defer.DeferredFilesystemLock on their own
(Twisted's outcomes: tests/differential/_logfile_scenarios.py, _lockfile_scenarios.py)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import defer, task
from twistio.python import lockfile, logfile


def test_logfile_rotates_by_size(tmp_path: Path) -> None:
    log = logfile.LogFile("app.log", str(tmp_path), rotateLength=10, maxRotatedFiles=2)
    for chunk in ("0123456789", "abcdefghij", "klmnopqrst", "u"):
        log.write(chunk)
    assert sorted(os.listdir(tmp_path)) == ["app.log", "app.log.1", "app.log.2"]
    assert log.listLogs() == [1, 2]
    reader = log.getLog(1)
    assert reader.readLines() == ["klmnopqrst"]
    reader.close()
    with pytest.raises(ValueError, match="no such logfile exists"):
        log.getLog(7)
    log.write("é")  # str is written as UTF-8
    log.close()
    assert (tmp_path / "app.log").read_bytes() == "ué".encode()
    with pytest.raises(ValueError):
        log.write("after close")


def test_logfile_pickles_and_reopens(tmp_path: Path) -> None:
    log = logfile.LogFile("p.log", str(tmp_path))
    log.write("abc")
    copy = pickle.loads(pickle.dumps(log))
    copy.write("def")
    copy.close()
    log.close()
    assert (tmp_path / "p.log").read_bytes() == b"abcdef"


def test_daily_logfile(tmp_path: Path) -> None:
    log = logfile.DailyLogFile("d.log", str(tmp_path))
    log.write("a")
    log.lastDate = (2000, 1, 1)
    assert log.shouldRotate()
    log.write("b")
    assert sorted(os.listdir(tmp_path)) == ["d.log", "d.log.2000_1_1"]
    assert log.suffix((2024, 1, 5)) == "2024_1_5"
    log.close()


def test_logfile_default_mode(tmp_path: Path) -> None:
    log = logfile.LogFile.fromFullPath(str(tmp_path / "m.log"), defaultMode=0o600)
    log.close()
    assert (tmp_path / "m.log").stat().st_mode & 0o777 == 0o600


def test_filesystem_lock(tmp_path: Path) -> None:
    name = str(tmp_path / "lock")
    first, second = lockfile.FilesystemLock(name), lockfile.FilesystemLock(name)
    assert first.lock() and first.clean
    assert not second.lock()
    assert lockfile.isLocked(name)
    first.unlock()
    assert not lockfile.isLocked(name)
    os.symlink("999999999", name)  # a dead owner
    assert second.lock() and second.clean is False
    second.unlock()


def test_unlock_of_another_process_lock(tmp_path: Path) -> None:
    name = str(tmp_path / "lock")
    os.symlink(str(os.getppid()), name)
    with pytest.raises(ValueError, match="not owned by this process"):
        lockfile.FilesystemLock(name).unlock()


def test_deferred_filesystem_lock(tmp_path: Path) -> None:
    name = str(tmp_path / "lock")
    clock = task.Clock()
    holder = defer.DeferredFilesystemLock(name, scheduler=clock)
    waiter = defer.DeferredFilesystemLock(name, scheduler=clock)
    assert holder.lock()
    results: list[Any] = []
    waiter.deferUntilLocked(timeout=5).addBoth(results.append)
    clock.advance(1)
    assert results == []
    holder.unlock()
    clock.advance(1)
    assert results == [None] and waiter.locked
    assert clock.getDelayedCalls() == []
    waiter.unlock()


def test_deferred_filesystem_lock_timeout_and_cancel(tmp_path: Path) -> None:
    name = str(tmp_path / "lock")
    clock = task.Clock()
    holder = lockfile.FilesystemLock(name)
    holder.lock()
    waiter = defer.DeferredFilesystemLock(name, scheduler=clock)
    failures: list[Any] = []
    waiter.deferUntilLocked(timeout=2.5).addErrback(failures.append)
    clock.advance(3)
    assert failures[0].check(defer.TimeoutError)
    assert str(failures[0].value) == f"Timed out acquiring lock: {name} after 2.500000s"
    d = waiter.deferUntilLocked()
    again: list[Any] = []
    waiter.deferUntilLocked().addErrback(again.append)
    assert again[0].check(defer.AlreadyTryingToLockError)
    d.addErrback(failures.append)
    d.cancel()
    assert failures[1].check(defer.CancelledError)
    assert clock.getDelayedCalls() == []
    holder.unlock()


def test_url_is_hyperlink_and_deprecated() -> None:
    hyperlink = pytest.importorskip("hyperlink")
    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", "from twistio.python import url; print(url.URL)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "twistio.python.url was deprecated in Twisted 17.5.0" in done.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from twistio.python.url import URL
    assert URL is hyperlink.URL
