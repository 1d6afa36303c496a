"""Classes declare the interfaces their Twisted counterparts declare (zope's ``implementedBy``
on the oracle), so ``IReactorTime(clock)``, ``IAddress.providedBy(peer)``, ``IResource(wsgi)``
and ``verifyObject`` work in third-party code (txaio's tests adapt a ``Clock``)."""

from __future__ import annotations

import importlib

import pytest

CLASSES = [
    "internet.task.Clock",
    "internet.base.DelayedCall",
    "internet.address.IPv4Address",
    "internet.address.IPv6Address",
    "internet.address.UNIXAddress",
    "internet.address.HostnameAddress",
    "web.http.Request",
    "web.server.Request",
    "web.wsgi.WSGIResource",
    "protocols.basic.FileSender",
]


def _load(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    found: type = getattr(importlib.import_module(module), name)
    return found


@pytest.mark.parametrize("path", CLASSES)
def test_declares_twisteds_interfaces(path: str) -> None:
    zope = pytest.importorskip("zope.interface")
    pytest.importorskip("twisted")
    theirs = _load("twisted." + path)
    ours = _load("twistio." + path)
    names = [(i.__module__, i.__name__) for i in zope.implementedBy(theirs).declared]
    assert names
    for module, name in names:
        if name.startswith("_"):
            continue  # Twisted's private interfaces
        iface = getattr(importlib.import_module("twistio" + module[len("twisted") :]), name)
        assert iface.implementedBy(ours), f"{path} does not declare {name}"


def test_adapting_a_clock() -> None:
    from twistio.internet.interfaces import IReactorTime
    from twistio.internet.task import Clock

    clock = Clock()
    assert IReactorTime(clock) is clock


def test_server_request_is_componentized() -> None:
    from typing import Protocol

    from twistio.internet.interfaces import Interface
    from twistio.python.components import Componentized
    from twistio.web.server import Request

    class ISessionState(Interface, Protocol):
        pass

    request = Request(None)
    assert isinstance(request, Componentized)
    assert request.getComponent(ISessionState) is None
    state = object()
    request.setComponent(ISessionState, state)
    assert request.getComponent(ISessionState) is state
    assert ISessionState(request) is state
    assert Request(None).getComponent(ISessionState) is None  # one cache per request
