"""twistd's application support in twistio.application.app and service: loading an
application saved in any style, converting between styles, selecting a reactor."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from twistio.application import app, reactors, service
from twistio.persisted import sob
from twistio.python import usage


@pytest.mark.parametrize("style", ["pickle", "source"])
def test_save_load_and_convert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, style: str) -> None:
    monkeypatch.chdir(tmp_path)
    application = service.Application("hello")
    persistable = sob.IPersistable(application)  # type: ignore[call-arg,misc]
    persistable.setStyle(style)
    persistable.save()
    name = f"hello.ta{style[0]}"
    loaded = service.loadApplication(name, style)
    assert service.IService(loaded).name == "hello"  # type: ignore[call-arg,misc,attr-defined]
    config = {"python": None, "source": None, "file": None}
    config["file" if style == "pickle" else "source"] = name
    assert service.IService(app.getApplication(config, None)).name == "hello"  # type: ignore[call-arg,misc,attr-defined]
    other = "source" if style == "pickle" else "pickle"
    app.convertStyle(name, style, None, "converted", other, 0)
    assert service.IService(service.loadApplication("converted", other)).name == "hello"  # type: ignore[call-arg,misc,attr-defined]


def test_python_application_and_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.tac").write_text(
        "from twistio.application import service\napplication = service.Application('tac')\n"
    )
    assert service.IService(service.loadApplication("app.tac", "python")).name == "tac"  # type: ignore[call-arg,misc,attr-defined]
    (tmp_path / "none.tac").write_text("x = 1\n")
    config = {"python": "none.tac", "source": None, "file": None}
    with pytest.raises(SystemExit, match="Could not find 'application'"):
        app.getApplication(config, None)
    assert app.getPassphrase(0) is None


def test_reactor_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[str] = []

    class Fake(reactors.Reactor):
        def install(self) -> None:
            installed.append(self.shortName)

    monkeypatch.setattr(reactors, "getPlugins", lambda *a: [Fake("fake", "x", "a fake")])

    class Options(usage.Options, app.ReactorSelectionMixin):
        pass

    options = Options()
    options.parseOptions(["--reactor", "fake"])
    assert installed == ["fake"] and options["reactor"] == "fake"
    with pytest.raises(usage.UsageError, match="does not exist"):
        Options().parseOptions(["-r", "missing"])


def test_help_reactors_marks_unavailable_ones() -> None:
    mixin = app.ReactorSelectionMixin()
    mixin.messageOutput = io.StringIO()
    with pytest.raises(SystemExit):
        mixin.opt_help_reactors()
    text: Any = mixin.messageOutput.getvalue()
    assert "    asyncio\t" in text
    assert "reactors not available on this platform:\n!iocp" in text


def test_services_pickle_without_live_parts() -> None:
    import copy
    import pickle

    from twistio.application import internet
    from twistio.internet.protocol import ServerFactory
    timer = internet.TimerService(1, len, "x")
    timer.startService()
    loaded = pickle.loads(pickle.dumps(timer))
    timer.stopService()
    assert not loaded.running and not hasattr(loaded, "_loop") and not hasattr(loaded, "_loopFinished")
    from twistio.internet.testing import MemoryReactor

    server = internet.TCPServer(0, ServerFactory(), reactor=MemoryReactor())
    server.startService()
    try:
        assert server._port is not None and copy.copy(server)._port is None
    finally:
        server.stopService()
    for name in ("UNIXDatagramServer", "UNIXDatagramClient", "MulticastServer"):
        assert getattr(internet, name).method in ("UNIXDatagram", "Multicast")


def test_client_service_warns_when_started_twice() -> None:
    from twistio.application.internet import ClientService
    from twistio.internet.defer import Deferred
    from twistio.logger import capturedLogs, formatEvent

    class Endpoint:
        attempts = 0

        def connect(self, factory: Any) -> Deferred[Any]:
            Endpoint.attempts += 1
            return Deferred()

    client = ClientService(Endpoint(), object())
    client.startService()
    with capturedLogs() as events:
        client.startService()
    assert Endpoint.attempts == 1
    assert any("Duplicate ClientService.startService" in formatEvent(e) for e in events)
    client.stopService()
