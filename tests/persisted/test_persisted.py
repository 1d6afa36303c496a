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
