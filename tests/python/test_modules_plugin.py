"""twistio.python.modules, zippath and twistio.plugin on their own (Twisted's outcomes:
tests/differential/_modules_scenarios.py)."""

from __future__ import annotations

import os
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any, Protocol

import pytest

from twistio import plugin
from twistio.internet.interfaces import Interface, implementer
from twistio.python import modules
from twistio.python.zippath import ZipArchive


def test_get_module_finds_twistio_without_importing() -> None:
    module = modules.getModule("twistio.python")
    assert module.isPackage() and module.isLoaded()
    names = [m.name for m in module.iterModules()]
    assert "twistio.python.modules" in names and "twistio.python.reflect" in names
    assert names == sorted(names)
    assert modules.getModule("json.decoder").load() is sys.modules["json.decoder"]
    with pytest.raises(KeyError):
        modules.getModule("twistio_no_such_module")


def test_walk_a_tree(tmp_path: Path) -> None:
    pkg = tmp_path / "walked"
    (pkg / "inner").mkdir(parents=True)
    for name in ("__init__.py", "a.py", "inner/__init__.py", "inner/b.py", "not-a-module.py"):
        (pkg / name).write_text("")
    path = modules.PythonPath([str(tmp_path)])
    assert [m.name for m in path.walkModules()] == [
        "walked",
        "walked.a",
        "walked.inner",
        "walked.inner.b",
    ]
    assert "walked.inner.b" in path and "walked.nope" not in path


def test_zip_archive_paths(tmp_path: Path) -> None:
    archive_path = tmp_path / "a.zip"
    with zipfile.ZipFile(archive_path, "w") as z:
        z.writestr("d/e/f.txt", "content")
    archive = ZipArchive(str(archive_path))
    f = archive.child("d").child("e").child("f.txt")
    assert f.getContent() == b"content" and f.isfile() and not f.isdir()
    assert archive.child("d").listdir() == ["e"] and archive.child("d").isdir()
    assert f.segmentsFrom(archive) == ["d", "e", "f.txt"]
    assert [p.pathInArchive for p in archive.walk()] == ["", "d", "d/e", "d/e/f.txt"]
    with pytest.raises(ValueError, match="read-only"):
        f.open("w")


class IGreeter(Interface, Protocol):
    def greet(self) -> str: ...


@pytest.fixture
def plugin_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    package = tmp_path / "greeterplugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "hello.py").write_text(
        textwrap.dedent(
            f"""
            '''Greeting plugins.'''
            from twistio.internet.interfaces import implementer
            from twistio.plugin import IPlugin
            from {__name__} import IGreeter

            @implementer(IPlugin, IGreeter)
            class Hello:
                '''Says hello.'''
                def greet(self):
                    return "hello"

            hello = Hello()
            not_a_plugin = object()
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    yield importlib.import_module("greeterplugins")
    for name in [n for n in sys.modules if n.startswith("greeterplugins")]:
        del sys.modules[name]


def test_get_cache_and_cached_plugins(plugin_package: Any) -> None:
    cache = plugin.getCache(plugin_package)
    assert list(cache) == ["hello"]
    dropin = cache["hello"]
    assert dropin.moduleName == "greeterplugins.hello" and dropin.description == "Greeting plugins."
    (cached,) = dropin.plugins
    assert cached.name == "hello" and cached.description == "Says hello."
    assert IGreeter(cached).greet() == "hello"
    assert IGreeter(cached) is cached.load()
    assert [p.greet() for p in plugin.getPlugins(IGreeter, plugin_package)] == ["hello"]
    assert plugin.getPlugIns is plugin.getPlugins


def test_plugin_package_paths_like_twisted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_init = tmp_path / "a" / "twisted" / "plugins"
    with_init.mkdir(parents=True)
    (with_init / "__init__.py").write_text("")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "a"), str(tmp_path / "b")])
    assert plugin.pluginPackagePaths("twisted.plugins") == [
        os.path.join(str(tmp_path / "b"), "twisted", "plugins")
    ]


def test_iplugin_is_an_interface() -> None:
    @implementer(plugin.IPlugin)
    class P:
        pass

    assert plugin.IPlugin.providedBy(P())
