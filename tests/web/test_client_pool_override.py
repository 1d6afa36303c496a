"""``HTTPConnectionPool.getConnection`` overridden by a subclass is what the agent asks for a
connection, as in Twisted (treq's tests count requests this way)."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.internet import defer
from twistio.internet.testing import MemoryReactorClock
from twistio.web import client


def _counting_pool(pool_class: Any, defer_module: Any, reactor: Any) -> Any:
    class CountingPool(pool_class):  # type: ignore[misc, valid-type]
        calls: list[Any]

        def __init__(self) -> None:
            super().__init__(reactor)
            self.calls = []

        def getConnection(self, key: Any, endpoint: Any) -> Any:
            self.calls.append(key)
            return defer_module.fail(TabError("no connection"))

    return CountingPool()


def _run(client_module: Any, defer_module: Any, reactor: Any) -> tuple[list[Any], list[str]]:
    pool = _counting_pool(client_module.HTTPConnectionPool, defer_module, reactor)
    agent = client_module.Agent(reactor, pool=pool)
    outcomes: list[str] = []
    d = agent.request(b"GET", b"http://example.com:8080/x")
    d.addErrback(lambda f: outcomes.append(type(f.value).__name__))
    return pool.calls, outcomes


def test_overridden_get_connection_is_asked_at_once() -> None:
    calls, outcomes = _run(client, defer, MemoryReactorClock())
    assert outcomes == ["TabError"]
    assert calls == [(b"http", b"example.com", 8080)]


def test_same_as_twisted() -> None:
    tclient = pytest.importorskip("twisted.web.client")
    from twisted.internet import defer as tdefer
    from twisted.internet.testing import MemoryReactorClock as TClock

    ours = _run(client, defer, MemoryReactorClock())
    theirs = _run(tclient, tdefer, TClock())
    assert ours[1] == theirs[1]
    assert [tuple(k) for k in ours[0]] == [tuple(k) for k in theirs[0]]
