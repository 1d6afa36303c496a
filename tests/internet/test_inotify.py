"""``internet.inotify`` (Linux): watches, their callbacks, autoAdd, recursion, dropped
watches and closing; ``python._inotify`` underneath."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from twistio.internet.defer import Deferred
from twistio.python.filepath import FilePath

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")

if sys.platform.startswith("linux"):
    from twistio.internet import inotify
    from twistio.python import _inotify

TIMEOUT = 2.0


async def wait(d: Deferred[Any]) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


@pytest.fixture
def notifier(reactor: Any) -> Any:
    n = inotify.INotify(reactor)
    yield n
    n.loseConnection()


class Events:
    """Records callbacks; ``until(pred)`` fires once an event matches."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, FilePath[bytes], int]] = []
        self.waiting: list[tuple[Any, Deferred[Any]]] = []

    def __call__(self, watch: Any, path: FilePath[bytes], mask: int) -> None:
        self.seen.append((watch, path, mask))
        for pred, d in list(self.waiting):
            if pred(path, mask):
                self.waiting.remove((pred, d))
                d.callback((path, mask))

    def until(self, pred: Any) -> Deferred[Any]:
        for _, path, mask in self.seen:
            if pred(path, mask):
                return Deferred.fromCoroutine(_value((path, mask)))
        d: Deferred[Any] = Deferred()
        self.waiting.append((pred, d))
        return d


async def _value(v: Any) -> Any:
    return v


def test_human_readable_mask() -> None:
    assert inotify.humanReadableMask(inotify.IN_CREATE | inotify.IN_ISDIR) == ["create", "is_dir"]
    assert inotify.humanReadableMask(0) == []
    assert inotify.IN_CLOSE == inotify.IN_CLOSE_WRITE | inotify.IN_CLOSE_NOWRITE
    assert inotify.IN_WATCH_MASK == 0x2FC6  # changes, moves, creation, deletion, unmount


async def test_events_in_a_watched_directory(notifier: Any, tmp_path: Path) -> None:
    events = Events()
    top = FilePath(str(tmp_path))  # a text-mode path: events come in bytes mode
    wd = notifier.watch(top, callbacks=[events])
    assert notifier.watch(top) == wd  # watched already: the same watch
    assert notifier._isWatched(top) and notifier._isWatched(top.asBytesMode())
    notifier.startReading()
    (tmp_path / "f").write_bytes(b"x")
    path, mask = await wait(events.until(lambda p, m: m & inotify.IN_MODIFY))
    assert path == top.asBytesMode().child(b"f")
    assert isinstance(path.path, bytes)
    assert events.seen[0][0] is notifier._watchpoints[wd]  # the opaque handle
    os.unlink(tmp_path / "f")
    await wait(events.until(lambda p, m: m & inotify.IN_DELETE))


async def test_delete_self_is_always_told_and_last_watch_closes(
    notifier: Any, tmp_path: Path
) -> None:
    events = Events()
    d = tmp_path / "d"
    d.mkdir()
    notifier.watch(FilePath(str(d)), mask=0, callbacks=[events])  # no event asked for
    notifier.startReading()
    d.rmdir()
    path, mask = await wait(events.until(lambda p, m: m & inotify.IN_DELETE_SELF))
    assert path == FilePath(str(d)).asBytesMode()
    assert not notifier._isWatched(FilePath(str(d)))
    assert not notifier.connected and notifier.disconnected
    assert notifier not in notifier.reactor.getReaders()
    with pytest.raises(OSError):
        os.fstat(notifier.fileno())


async def test_other_watches_survive_a_deleted_one(notifier: Any, tmp_path: Path) -> None:
    events = Events()
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    notifier.watch(FilePath(str(a)), callbacks=[events])
    notifier.watch(FilePath(str(b)), callbacks=[events])
    notifier.startReading()
    a.rmdir()
    await wait(events.until(lambda p, m: m & inotify.IN_DELETE_SELF))
    assert notifier.connected
    (b / "x").touch()
    path, _ = await wait(events.until(lambda p, m: m & inotify.IN_CREATE))
    assert path.basename() == b"x"


async def test_auto_add_tells_of_what_a_new_directory_holds(notifier: Any, tmp_path: Path) -> None:
    events = Events()
    top = FilePath(str(tmp_path)).asBytesMode()
    notifier.watch(top, mask=inotify.IN_CREATE, autoAdd=True, callbacks=[events])
    notifier.startReading()
    deep = tmp_path / "s" / "t"
    deep.mkdir(parents=True)
    (deep / "f").touch()
    want = {top.child(b"s"), top.child(b"s").child(b"t"), top.child(b"s").child(b"t").child(b"f")}
    await wait(events.until(lambda p, m: {e[1] for e in events.seen} >= want))
    assert notifier._isWatched(top.child(b"s")) and notifier._isWatched(top.child(b"s").child(b"t"))
    assert not notifier._isWatched(top.child(b"s").child(b"t").child(b"f"))


async def test_no_auto_add(notifier: Any, tmp_path: Path) -> None:
    events = Events()
    notifier.watch(FilePath(str(tmp_path)), callbacks=[events])
    notifier.startReading()
    (tmp_path / "s").mkdir()
    await wait(events.until(lambda p, m: m & inotify.IN_ISDIR))
    assert not notifier._isWatched(FilePath(str(tmp_path / "s")))


def test_recursive_and_ignore(notifier: Any, tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "f").touch()
    top = FilePath(str(tmp_path))
    notifier.watch(top, recursive=True)
    notifier.watch(top, recursive=True)
    for p in (top, top.child("a"), top.child("a").child("b")):
        assert notifier._isWatched(p)
    assert not notifier._isWatched(top.child("f"))
    notifier.ignore(top.child("a"))
    assert not notifier._isWatched(top.child("a"))
    with pytest.raises(KeyError):
        notifier.ignore(top.child("f"))
    with pytest.raises(_inotify.INotifyError):
        notifier.watch(top.child("missing"))


async def test_watch_ignore_watch_again(notifier: Any, tmp_path: Path) -> None:
    events = Events()
    f = tmp_path / "f"
    f.touch()
    fp = FilePath(str(f))
    assert notifier.watch(fp, callbacks=[events])
    notifier.ignore(fp)
    assert notifier.watch(fp, mask=inotify.IN_DELETE_SELF, callbacks=[events])
    notifier.startReading()
    f.unlink()
    await wait(events.until(lambda p, m: m & inotify.IN_DELETE_SELF))


def test_lose_connection_is_immediate_and_logs_a_failed_close(reactor: Any) -> None:
    n = inotify.INotify(reactor)
    n.startReading()
    n.loseConnection()
    assert not n.connected and n.disconnected and n not in reactor.getReaders()
    n.loseConnection()  # twice: nothing more
    broken = inotify.INotify(reactor)
    os.close(broken.fileno())
    seen: list[dict[str, Any]] = []
    from twistio.python import log

    log.addObserver(seen.append)
    try:
        broken.loseConnection()
    finally:
        log.removeObserver(seen.append)
    assert any(e.get("isError") for e in seen)


def test_init_failure_raises(monkeypatch: Any) -> None:
    class Refusing:
        def init(self) -> int:
            raise _inotify.INotifyError()

    monkeypatch.setattr(inotify.INotify, "_inotify", Refusing())
    with pytest.raises(_inotify.INotifyError):
        inotify.INotify()


def test_low_level_calls(monkeypatch: Any) -> None:
    class Bare:
        pass

    with pytest.raises(ImportError, match="inotify_init"):
        _inotify.initializeModule(Bare())
    fd = _inotify.init()
    try:
        assert not os.get_blocking(fd) and not os.get_inheritable(fd)
        wd = _inotify.add(fd, FilePath("/"), inotify.IN_ATTRIB)
        assert _inotify.add(fd, FilePath(b"/"), inotify.IN_ATTRIB) == wd
        _inotify.remove(fd, wd)
        _inotify.remove(fd, wd)  # gone already: ignored
    finally:
        os.close(fd)

    class Failing:
        def inotify_init(self) -> int:
            return -1

        def inotify_add_watch(self, *a: Any) -> int:
            return -1

    monkeypatch.setattr(_inotify, "libc", Failing())
    with pytest.raises(_inotify.INotifyError):
        _inotify.init()
    with pytest.raises(_inotify.INotifyError):
        _inotify.add(3, FilePath("/"), 0)
