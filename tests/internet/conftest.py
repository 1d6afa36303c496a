"""Loops the reactor and TCP tests run on: asyncio's, uvloop's, and one without add_reader.

The third stands in for Windows' Proactor loop: its public ``add_reader``/``add_writer``
raise, so any use of them by twistio fails the test (asyncio's own transports use the
private ``_add_reader`` and keep working).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pytest

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


class NoReaderEventLoop(asyncio.SelectorEventLoop):
    """A selector loop whose public add_reader/add_writer raise, like Proactor's."""

    def add_reader(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("add_reader is not available on this loop")

    def add_writer(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("add_writer is not available on this loop")


LOOP_FACTORIES: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.SelectorEventLoop,
    "noreader": NoReaderEventLoop,
}
if uvloop is not None:
    LOOP_FACTORIES["uvloop"] = uvloop.new_event_loop

# Test modules whose async tests run on every loop above.
_ALL_LOOP_MODULES = {"test_tcp.py", "test_reactor.py", "test_protocol.py"}


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    if item.path.name in _ALL_LOOP_MODULES:
        return LOOP_FACTORIES
    return {"default": asyncio.new_event_loop}


@pytest.fixture(params=sorted(LOOP_FACTORIES))
def loop_factory(request: pytest.FixtureRequest) -> Callable[[], asyncio.AbstractEventLoop]:
    """For synchronous tests that run a loop themselves (reactor.run)."""
    factory: Callable[[], asyncio.AbstractEventLoop] = LOOP_FACTORIES[request.param]
    return factory


@pytest.fixture
def reactor() -> Any:
    """A fresh reactor; inside an async test it uses the test's running loop."""
    from twistio.internet._reactor import AsyncioReactor

    return AsyncioReactor()
