"""Service trees: start order, reverse stop order, Deferred-returning stops waited on."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.application import service
from twistio.internet.defer import Deferred


class Recording(service.Service):
    def __init__(self, name: str, log: list[str], stop: Deferred[None] | None = None) -> None:
        self.setName(name)
        self.log = log
        self.stop = stop

    def privilegedStartService(self) -> None:
        self.log.append(f"priv {self.name}")

    def startService(self) -> None:
        service.Service.startService(self)
        self.log.append(f"start {self.name}")

    def stopService(self) -> Deferred[None] | None:
        service.Service.stopService(self)
        self.log.append(f"stop {self.name}")
        return self.stop


def test_tree_starts_in_order_and_stops_in_reverse_waiting_on_deferreds() -> None:
    log: list[str] = []
    app = service.Application("app")
    top = service.IServiceCollection(app)
    slow: Deferred[None] = Deferred()
    Recording("a", log).setServiceParent(app)
    inner = service.MultiService()
    inner.setName("inner")
    inner.setServiceParent(top)
    Recording("b", log, slow).setServiceParent(inner)
    Recording("c", log).setServiceParent(inner)
    svc = service.IService(app)
    svc.privilegedStartService()
    svc.startService()
    assert log == ["priv a", "priv b", "priv c", "start a", "start b", "start c"]
    assert svc.running and inner.running
    log.clear()
    done: list[Any] = []
    svc.stopService().addCallback(done.append)
    assert log == ["stop c", "stop b", "stop a"]
    assert done == []
    slow.callback(None)
    assert len(done) == 1
    assert not svc.running


def test_application_components() -> None:
    app = service.Application("web", uid=1000, gid=1000)
    assert service.IService(app).name == "web"
    assert service.IServiceCollection(app) is service.IService(app)
    process = service.IProcess(app)
    assert (process.uid, process.gid) == (1000, 1000)
    s = service.Service()
    assert service.IService(s) is s
    assert service.IService(object(), None) is None
    with pytest.raises(TypeError):
        service.IService(object())
    assert service.IService.providedBy(s)
    assert service.IServiceCollection.providedBy(service.MultiService())


def test_named_services_and_parenting() -> None:
    log: list[str] = []
    parent = service.MultiService()
    child = Recording("x", log)
    child.setServiceParent(parent)
    assert parent.getServiceNamed("x") is child
    assert child.parent is parent
    with pytest.raises(RuntimeError):
        Recording("x", log).setServiceParent(parent)
    with pytest.raises(RuntimeError):
        child.setName("y")
    with pytest.raises(KeyError):
        parent.getServiceNamed("nope")
    parent.startService()
    assert log == ["start x"]
    late = Recording("late", log)
    late.setServiceParent(parent)
    assert log == ["start x", "priv late", "start late"]
    assert late.disownServiceParent() is None
    assert log[-1] == "stop late"
    assert late.parent is None
    assert list(parent) == [child]
    other = service.MultiService()
    child.setServiceParent(other)
    assert list(parent) == [] and list(other) == [child]


def test_stopped_tree_removal_does_not_stop() -> None:
    log: list[str] = []
    parent = service.MultiService()
    child = Recording("x", log)
    child.setServiceParent(parent)
    assert child.disownServiceParent() is None
    assert log == []
    assert "running" not in service.Service().__getstate__()
