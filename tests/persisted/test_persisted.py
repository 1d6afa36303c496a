"""twistio.persisted: AOT source round trips (and read across with Twisted's), versioned
pickles upgrading themselves, saving and loading with sob."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from twisted.persisted import aot as t_aot

from twistio.persisted import aot, crefutil, sob, styles


class Thing:
    def __init__(self, value: Any) -> None:
        self.value = value
        self.me = self

    def get(self) -> Any:
        return self.value


def _graph() -> Any:
    shared = [1, 2.5, "text\n'q'", b"\x00\xff", None, 3j, slice(1, 2)]
    thing = Thing(shared)
    cycle: list[Any] = []
    cycle.append((cycle, 7))
    return {"shared": [shared, shared], "thing": thing, "method": thing.get, "cycle": cycle,
            "kinds": (Thing, _check, pickle)}


def _check(graph: Any) -> None:
    a, b = graph["shared"]
    assert a is b and a == [1, 2.5, "text\n'q'", b"\x00\xff", None, 3j, slice(1, 2)]
    assert graph["thing"].me is graph["thing"] and graph["thing"].value is a
    assert graph["method"]() is a and graph["method"].__self__ is graph["thing"]
    assert graph["cycle"][0][0] is graph["cycle"] and graph["cycle"][0][1] == 7
    assert graph["kinds"] == (Thing, _check, pickle)


def test_source_round_trip() -> None:
    source = aot.jellyToSource(_graph())
    assert isinstance(source, str) and source.startswith("app=")
    _check(aot.unjellyFromSource(source))
    _check(aot.unjellyFromAOT(aot.jellyToAOT(_graph())))


def test_source_read_across_with_twisted() -> None:
    _check(aot.unjellyFromSource(t_aot.jellyToSource(_graph())))
    _check(t_aot.unjellyFromSource(aot.jellyToSource(_graph())))
    assert aot.jellyToSource({"a": [1, {"b": ()}]}) == t_aot.jellyToSource({"a": [1, {"b": ()}]})


def test_source_needs_an_app() -> None:
    with pytest.raises(ValueError):
        aot.unjellyFromSource("x = 1")


def test_placeholders() -> None:
    placeholder = crefutil._Defer()
    box: list[Any] = [None]
    placeholder.addDependant(box, 0)
    placeholder[0] = "known"
    assert box == ["known"]
    with pytest.raises(RuntimeError):
        placeholder[0] = "again"
    with pytest.raises(AssertionError):
        hash(crefutil.NotKnown())


class Upgraded(styles.Versioned):
    persistenceVersion = 1
    persistenceForgets = ("scratch",)

    def __init__(self) -> None:
        self.scratch = object()
        self.upgrades: list[int] = []

    def upgradeToVersion2(self) -> None:
        self.upgrades.append(2)


def test_versioned_pickles_upgrade(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pickle.dumps(Upgraded())
    monkeypatch.setattr(Upgraded, "persistenceVersion", 2)
    loaded = pickle.loads(data)
    assert not hasattr(loaded, "scratch")
    styles.doUpgrade()
    assert loaded.upgrades == [2]
    again = pickle.loads(pickle.dumps(loaded))
    styles.doUpgrade()
    assert again.upgrades == [2]


def test_methods_and_modules_pickle() -> None:
    thing = Thing(5)
    assert pickle.loads(pickle.dumps(thing.get))() == 5
    assert pickle.loads(pickle.dumps(styles)) is styles


@pytest.mark.parametrize("style", ["pickle", "source"])
def test_sob_save_and_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, style: str) -> None:
    monkeypatch.chdir(tmp_path)
    persistent = sob.Persistent({"answer": [42]}, "app")
    persistent.setStyle(style)
    persistent.save("tag")
    name = f"app-tag.ta{style[0]}"
    assert sob.guessType(name) == style
    assert sob.load(name, style) == {"answer": [42]}
    with pytest.raises(TypeError):
        persistent.save(passphrase="secret")


@pytest.mark.parametrize("kind", ["DirDBM", "Shelf"])
def test_dirdbm(tmp_path: Path, kind: str) -> None:
    from twisted.persisted import dirdbm as t_dirdbm

    from twistio.persisted import dirdbm

    ours = getattr(dirdbm, kind)(str(tmp_path / "db"))
    ours[b"/key\n"] = b"value"
    ours.update({b"a": b"b"})
    assert sorted(ours.keys()) == [b"/key\n", b"a"] and ours[b"a"] == b"b"
    # The same files as Twisted's: either reads the other's directory.
    theirs = getattr(t_dirdbm, kind)(str(tmp_path / "db"))
    assert theirs[b"/key\n"] == b"value"
    theirs[b"t"] = b"from twisted"
    assert ours[b"t"] == b"from twisted"
    with pytest.raises(KeyError):
        ours[b"missing"]
    with pytest.raises(TypeError):
        ours["text"]  # type: ignore[index]
    copy = ours.copyTo(str(tmp_path / "copy"))
    assert sorted(copy.items()) == sorted(ours.items())
    del ours[b"a"]
    assert b"a" not in ours and b"a" in copy
    # A crash between writing and renaming: .new files go, .rpl files replace lost ones.
    (tmp_path / "db" / (ours._encode(b"half").decode() + ".new")).write_bytes(b"x")
    (tmp_path / "db" / (ours._encode(b"moved").decode() + ".rpl")).write_bytes(b"kept")
    reopened = dirdbm.DirDBM(str(tmp_path / "db"))
    assert b"half" not in reopened and reopened[b"moved"] == b"kept"


def test_rebuild_updates_old_objects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import os
    import sys
    import time

    from twistio.python import rebuild

    (tmp_path / "rebuilt_mod.py").write_text("class A:\n    def a(self):\n        return 1\n"
                                             "def f():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("rebuilt_mod")
    try:
        instance, function = module.A(), module.f
        (tmp_path / "rebuilt_mod.py").write_text("class A:\n    def a(self):\n        return 2\n"
                                                 "def f():\n    return 2\n")
        later = time.time() + 5
        os.utime(tmp_path / "rebuilt_mod.py", (later, later))
        rebuild.rebuild(module, doLog=False)
        assert instance.a() == 2 and type(instance) is module.A
        assert function is module.f and function() == 2
    finally:
        sys.modules.pop("rebuilt_mod", None)


def test_rebuild_refuses_what_cannot_reload() -> None:
    import types

    from twistio.python import rebuild

    with pytest.raises(rebuild.RebuildError):
        rebuild.rebuild(types.ModuleType("never_imported"), doLog=False)
