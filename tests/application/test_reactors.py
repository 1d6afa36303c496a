"""twistio.application.reactors: the reactor plugins and installing one by name."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.application import reactors


def test_reactor_plugins_are_found() -> None:
    names = {installer.shortName for installer in reactors.getReactorTypes()}
    assert {"default", "select", "poll", "epoll", "asyncio"} <= names
    for installer in reactors.getReactorTypes():
        assert reactors.IReactorInstaller.providedBy(installer)  # type: ignore[attr-defined]


def test_install_reactor_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[str] = []

    class Fake(reactors.Reactor):
        def install(self) -> None:
            installed.append(self.shortName)

    def fakePlugins(interface: Any, package: Any = None) -> list[Any]:
        assert interface is reactors.IReactorInstaller
        return [Fake("other", "x", ""), Fake("mine", "x", "")]

    monkeypatch.setattr(reactors, "getPlugins", fakePlugins)
    from twistio.internet import reactor

    assert reactors.installReactor("mine") is reactor
    assert installed == ["mine"]
    with pytest.raises(reactors.NoSuchReactor):
        reactors.installReactor("none")


def test_reactor_install_imports_its_module(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    calls: list[bool] = []
    module = types.ModuleType("twistio_fake_reactor_module")
    module.install = lambda: calls.append(True)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    reactors.Reactor("fake", module.__name__, "").install()
    assert calls == [True]
