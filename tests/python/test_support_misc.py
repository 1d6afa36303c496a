"""Small support modules: versions, compat, runtime, util, procutils, monkey, randbytes,
context, threadable, text."""

from __future__ import annotations

import asyncio
import io
import os
import pickle
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

import twistio
from twistio.python import (
    compat,
    context,
    monkey,
    procutils,
    randbytes,
    runtime,
    text,
    threadable,
    util,
    versions,
)


def test_version_object_and_twisted_api_level() -> None:
    assert twistio.version == versions.Version("twisted", 26, 10, 0)
    assert isinstance(twistio.__version__, str)
    v = versions.Version("pkg", 1, 2, 3, release_candidate=1)
    assert repr(v) == "Version('pkg', 1, 2, 3, release_candidate=1)"
    assert str(v) == "[pkg, version 1.2.3rc1]"
    assert v < versions.Version("PKG", 1, 2, 3)
    with pytest.raises(versions.IncomparableVersions):
        _ = v < versions.Version("other", 1, 2, 3)
    with pytest.raises(TypeError):
        hash(v)
    with pytest.warns(DeprecationWarning):
        assert versions.Version("p", 1, 0, 0, prerelease=2).release_candidate == 2
    with pytest.raises(ValueError):
        versions.Version("p", 1, 0, 0, release_candidate=1, prerelease=2)


def test_compat_helpers() -> None:
    assert compat.nativeString(b"abc") == "abc"
    with pytest.raises(UnicodeError):
        compat.nativeString("\u1234")
    assert compat.networkString("abc") == b"abc"
    assert compat.intToBytes(7) == b"7"
    assert compat.cmp(1, 2) == -1
    assert compat.ioType(io.BytesIO()) is bytes
    assert compat.currentframe().f_code.co_name == "test_compat_helpers"
    with pytest.warns(DeprecationWarning, match="compat.unicode was deprecated"):
        assert compat.unicode is str

    @compat.comparable
    class C:
        def __init__(self, v: int) -> None:
            self.v = v

        def __cmp__(self, other: Any) -> Any:
            return compat.cmp(self.v, other.v) if isinstance(other, C) else NotImplemented

    assert C(1) < C(2) and C(2) == C(2) and C(1) != 3


def test_compat_execfile_and_reraise(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("y = x + 1\n")
    namespace = {"x": 1}
    compat.execfile(str(script), namespace)
    assert namespace["y"] == 2
    try:
        raise ValueError("first")
    except ValueError:
        tb = sys.exc_info()[2]
    with pytest.raises(KeyError) as info:
        compat.reraise(KeyError("k"), tb)
    assert info.value.__traceback__ is not None


def test_runtime() -> None:
    assert runtime.platform.getType() == runtime.platformType
    assert runtime.Platform("nt", "win32").isWindows()
    assert runtime.Platform("posix", "darwin").isMacOSX()
    assert runtime.Platform(None, "linux").isDocker("/nonexistent") is False
    with pytest.warns(DeprecationWarning, match="isWinNT"):
        runtime.Platform("nt").isWinNT()
    assert runtime.shortPythonVersion().count(".") == 2
    assert runtime.platform.supportsThreads()


def test_util_password_from_non_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("secret\nother\n"))
    assert util.getPassword() == "secret"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert util.getPassword() == ""


def test_util_password_confirmation(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["a", "b", "c", "c"])
    monkeypatch.setattr(sys, "stdin", TTY())
    monkeypatch.setattr(util, "_getpass", lambda prompt: next(answers))
    assert util.getPassword(confirm=1) == "c"
    assert "Passwords don't match." in capsys.readouterr().out


def test_util_switch_uid_same_uid_warns() -> None:
    if not hasattr(os, "getuid"):
        pytest.skip("POSIX only")
    uid = os.getuid()
    with pytest.warns(UserWarning, match=f"setuid {uid} but uid is already {uid}"):
        util.switchUID(uid, None)
    assert util.runAsEffectiveUser(os.geteuid(), os.getegid(), lambda a, b=1: (a, b), 5, b=2) == (
        5,
        2,
    )


def test_util_until_concludes_retries_eintr() -> None:
    import errno

    attempts = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise OSError(errno.EINTR, "interrupted")
        return "done"

    assert util.untilConcludes(flaky) == "done"
    with pytest.raises(OSError):
        util.untilConcludes(lambda: (_ for _ in ()).throw(OSError(errno.EAGAIN, "x")))


def test_util_misc() -> None:
    assert util.str_xor("abc", 3) == "ba`"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (
            util.runWithWarningsSuppressed(
                [(("ignore",), {"category": DeprecationWarning})],
                lambda: warnings.warn("x", DeprecationWarning, stacklevel=1) or 5,
            )
            == 5
        )
    assert caught == []
    with pytest.warns(DeprecationWarning, match="getPluginDirs is deprecated"):
        util.getPluginDirs()
    with pytest.warns(DeprecationWarning, match="OrderedDict was deprecated in Twisted 15.5.0"):
        assert util.OrderedDict is __import__("collections").OrderedDict
    log = util.LineLog(2)
    log.append(b"a")
    assert log[0] == b"a"
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf
    try:
        util.println("a", 1)
    finally:
        sys.stdout = old
    assert buf.getvalue() == "a 1\n"


def test_spewer_prints_calls(capsys: Any) -> None:
    class Obj:
        def m(self) -> int:
            return 1

    sys.settrace(util.spewer)
    try:
        Obj().m()
    finally:
        sys.settrace(None)
    out = capsys.readouterr().out
    assert "method m of" in out and ".Obj at " in out


def test_which(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool = tmp_path / "mytool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    (tmp_path / "plain").write_text("")
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path), str(tmp_path / "missing")]))
    monkeypatch.delenv("PATHEXT", raising=False)
    assert procutils.which("mytool") == [str(tool)]
    assert procutils.which("plain") == ([] if os.name == "posix" else [str(tmp_path / "plain")])
    assert procutils.which("plain", os.F_OK) == [str(tmp_path / "plain")]
    monkeypatch.setenv("PATHEXT", ".sh")
    (tmp_path / "script.sh").write_text("")
    assert procutils.which("script", os.F_OK) == [str(tmp_path / "script.sh")]


def test_monkey_patcher_restores_after_error() -> None:
    class T:
        a = 1

    patcher = monkey.MonkeyPatcher((T, "a", 2))

    def boom() -> None:
        assert T.a == 2
        raise ValueError

    with pytest.raises(ValueError):
        patcher.runWithPatches(boom)
    assert T.a == 1


def test_randbytes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(randbytes.secureRandom(16)) == 16
    assert len(randbytes.insecureRandom(5)) == 5
    assert randbytes.insecureRandom(0) == b""

    def broken(n: int) -> bytes:
        raise NotImplementedError

    monkeypatch.setattr(os, "urandom", broken)
    with pytest.raises(randbytes.SecureRandomNotAvailable):
        randbytes.secureRandom(3)
    with pytest.warns(RuntimeWarning, match="urandom unavailable"):
        assert len(randbytes.secureRandom(3, fallback=True)) == 3


async def test_context_is_per_task() -> None:
    seen = {}

    async def task(name: str) -> None:
        def inner() -> None:
            seen[name] = context.get("who")

        await asyncio.sleep(0)
        context.call({"who": name}, inner)

    await asyncio.gather(task("a"), task("b"))
    assert seen == {"a": "a", "b": "b"}
    context.setDefault("twistio-test-default", 1)
    assert context.get("twistio-test-default") == 1
    del context.defaultContextDict["twistio-test-default"]


def test_context_in_threads() -> None:
    results = []

    def worker() -> None:
        results.append(context.get("k", "unset"))

    def outer() -> None:
        t = threading.Thread(target=worker)
        t.start()
        t.join()

    context.call({"k": 1}, outer)
    assert results == ["unset"]


class Counter:
    synchronized = ["bump"]

    def __init__(self) -> None:
        self.n = 0

    def bump(self) -> int:
        self.n += 1
        return self.n


def test_threadable() -> None:
    saved = threadable.ioThread
    try:
        threadable.registerAsIOThread()
        assert threadable.isInIOThread()
        found = []
        t = threading.Thread(target=lambda: found.append(threadable.isInIOThread()))
        t.start()
        t.join()
        assert found == [False]
    finally:
        threadable.ioThread = saved
    lock = pickle.loads(pickle.dumps(threadable.XLock()))
    assert isinstance(lock, threadable.XLock)

    threadable.synchronize(Counter)
    c = Counter()
    assert c.bump() == 1
    assert isinstance(c._threadable_lock, threadable.XLock)  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(c)).n == 1


def test_text_helpers() -> None:
    assert text.greedyWrap("aa bb cc", 5) == ["aa bb", "cc"]
    assert text.splitQuoted('a "b c" d') == ["a", "b c", "d"]
    assert text.strFile("needle", io.StringIO("hay" * 5000 + "needle"))
    assert text.stringyString([1]) == "[1,]"
