"""twistio.application.twist: the ``twist`` command's options and runner, on a memory
reactor."""

from __future__ import annotations

import io
from typing import Any

import pytest

from twistio.application import service
from twistio.application.twist import _options, _twist
from twistio.application.twist._options import TwistOptions
from twistio.internet.testing import MemoryReactor
from twistio.logger import LogLevel, jsonFileLogObserver, textFileLogObserver
from twistio.python import usage


def test_plugins_are_service_makers() -> None:
    options = TwistOptions()
    assert {"manhole", "mail", "dns"} <= set(options.plugins)
    for name, plugin in options.plugins.items():
        assert isinstance(plugin, service.ServiceMaker) and plugin.tapname == name
        assert callable(plugin.options) and callable(plugin.makeService)
    assert {name for name, *_ in options.subCommands} == set(options.plugins)


def test_options(monkeypatch: pytest.MonkeyPatch) -> None:
    reactor = MemoryReactor()
    monkeypatch.setattr(_options, "installReactor", lambda name: reactor)
    options = TwistOptions()
    options.opt_reactor("fake")
    assert options["reactor"] is reactor and options["reactorName"] == "fake"
    options.opt_log_level("warn")
    assert options["logLevel"] is LogLevel.warn
    with pytest.raises(usage.UsageError):
        options.opt_log_level("cheese")
    options.opt_log_format("json")
    assert options["fileLogObserverFactory"] is jsonFileLogObserver
    with pytest.raises(usage.UsageError):
        options.opt_log_format("xml")
    fresh = TwistOptions()
    fresh["logFile"] = io.StringIO()  # not a terminal: JSON by default
    fresh.selectDefaultLogObserver()
    assert fresh["logFormat"] == "json"
    with pytest.raises(usage.UsageError, match="No plugin"):
        TwistOptions().postOptions()
    assert textFileLogObserver is not jsonFileLogObserver


def test_twist_runs_the_plugins_service(monkeypatch: pytest.MonkeyPatch) -> None:
    reactor = MemoryReactor()
    monkeypatch.setattr(_options, "installReactor", lambda name: reactor)
    started: list[Any] = []

    class Options(usage.Options):
        optParameters = [["greeting", "g", "hi", "what to say"]]

    class Maker:
        tapname = "demo"
        description = "a demo"
        options = Options

        def makeService(self, options: Any) -> Any:
            s = service.Service()
            s.startService = lambda: started.append(options["greeting"])  # type: ignore[method-assign]
            return s

    monkeypatch.setattr(TwistOptions, "plugins", property(lambda self: {"demo": Maker()}))
    ran: list[Any] = []
    monkeypatch.setattr(_twist.Runner, "run", lambda self: ran.append(self._reactor))
    _twist.Twist.main(["twist", "--reactor", "mine", "demo", "--greeting", "hello"])
    assert started == ["hello"] and ran == [reactor]
    assert reactor.triggers["before"]["shutdown"]
