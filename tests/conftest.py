"""Event loops the loop-sensitive test modules run on: asyncio's, uvloop's, and one
without add_reader.

The third stands in for Windows' Proactor loop: its public ``add_reader``/``add_writer``
raise, so any use of them by twistio fails the test (asyncio's own transports use the
private ``_add_reader`` and keep working).

Async tests in the modules listed in ``ALL_LOOP_MODULES`` are parametrized over every
loop through pytest-asyncio's ``pytest_asyncio_loop_factories`` hook; a test in those
modules that inherently needs one loop (it spawns a subprocess, drives a browser, or
builds its own loop) is marked ``@pytest.mark.single_loop`` and runs on the default loop
only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]


class NoReaderEventLoop(asyncio.SelectorEventLoop):
    """A selector loop whose public add_reader/add_writer raise, like Proactor's.

    asyncio's own native ``sendfile`` is the one loop internal that calls the public
    ``add_writer``; it is let through, since Proactor has a native sendfile of its own
    (TransmitFile), so the stand-in keeps offering one.
    """

    _internal_depth = 0

    def add_reader(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        raise NotImplementedError("add_reader is not available on this loop")

    def add_writer(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if self._internal_depth:
            super().add_writer(*args, **kwargs)
            return
        raise NotImplementedError("add_writer is not available on this loop")

    def _sock_sendfile_native_impl(self, *args: Any) -> None:
        self._internal_depth += 1
        try:
            super()._sock_sendfile_native_impl(*args)  # type: ignore[misc]
        finally:
            self._internal_depth -= 1


LOOP_FACTORIES: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.SelectorEventLoop,
    "noreader": NoReaderEventLoop,
}
if uvloop is not None:
    LOOP_FACTORIES["uvloop"] = uvloop.new_event_loop

DEFAULT_LOOP: Mapping[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "default": asyncio.new_event_loop,
}

# Test modules (path relative to tests/) whose async tests run on every loop above.
ALL_LOOP_MODULES = frozenset({
    "names/test_fuzz.py",
    "names/test_interop.py",
    "internet/test_tcp.py",
    "internet/test_tcp_accept.py",
    "internet/test_transport_details.py",
    "internet/test_reactor.py",
    "internet/test_protocol.py",
    "internet/test_endpoints.py",
    "internet/test_unix.py",
    "internet/test_ssl.py",
    "internet/test_ssl_options.py",
    "protocols/test_tls.py",
    "internet/test_fdset.py",
    "internet/test_resolvers.py",
    "web/test_http.py",
    "web/test_server.py",
    "web/test_resource.py",
    "web/test_static.py",
    "web/test_client.py",
    "web/test_websocket.py",
    "web/test_asgi.py",
})

_TESTS_DIR = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "single_loop: in a module run on every event loop, run this test on the default "
        "loop only (it spawns a subprocess, drives a browser, or builds its own loop)",
    )


def _module_key(item: pytest.Item) -> str:
    try:
        return item.path.resolve().relative_to(_TESTS_DIR).as_posix()
    except ValueError:  # pragma: no cover - an item outside tests/
        return ""


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    if _module_key(item) in ALL_LOOP_MODULES and item.get_closest_marker("single_loop") is None:
        return LOOP_FACTORIES
    return DEFAULT_LOOP


@pytest.fixture(params=sorted(LOOP_FACTORIES))
def loop_factory(request: pytest.FixtureRequest) -> Callable[[], asyncio.AbstractEventLoop]:
    """For synchronous tests that run a loop themselves (reactor.run)."""
    factory: Callable[[], asyncio.AbstractEventLoop] = LOOP_FACTORIES[request.param]
    return factory
