"""pytest support for twistio: Deferred-returning tests, and the ``reactor`` and ``clock``
fixtures.

- A test decorated with ``inlineCallbacks`` runs *inside* pytest-asyncio's event loop for
  that test (the loop its async fixtures run on), so it may use async fixtures and
  Deferreds together; without pytest-asyncio it runs on the reactor's loop.
- A plain test function that returns a Deferred is called as usual; if the Deferred has not
  fired, it is waited for on the loop the reactor used while the test ran (the reactor's own
  loop: no loop was running). A failed Deferred fails the test.
- ``async def`` tests are pytest-asyncio's; they may ``await`` Deferreds directly.
- trial ``TestCase`` classes run through pytest's unittest support, untouched.
- With pytest-twisted loaded (under the ``twisted`` alias) it runs the tests, on twistio's
  reactor: this plugin then leaves test calls to it.

Fixtures: ``reactor`` is the installed twistio reactor; inside the test's running loop it
uses that loop. Timers the test leaves on it are cancelled afterwards. ``clock`` is a fresh
``task.Clock``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from twistio.internet.defer import Deferred, inlineCallbacks
from twistio.internet.task import Clock
from twistio.python.failure import Failure

__all__ = ["clock", "reactor"]


def _sample() -> Generator[Any, Any, None]:
    yield None


# Every inlineCallbacks wrapper shares this code object.
_INLINE_CALLBACKS_CODE = inlineCallbacks(_sample).__code__


def _is_inline_callbacks(func: Any) -> bool:
    func = getattr(func, "__func__", func)
    return getattr(func, "__code__", None) is _INLINE_CALLBACKS_CODE


def _get_reactor() -> Any:
    from twistio.internet import reactor as installed

    return installed


def _result_of(d: Deferred[Any]) -> Any:
    """The result of a fired Deferred (raising its failure), taken from it."""
    results: list[Any] = []
    d.addBoth(results.append)
    result = results[0]
    if isinstance(result, Failure):
        result.raiseException()
    return result


def _wait(result: object) -> None:
    """Wait for ``result`` if it is a Deferred that has not fired; raise if it failed."""
    if not isinstance(result, Deferred):
        return
    if result.called and not result.paused:
        _result_of(result)
        return
    loop: asyncio.AbstractEventLoop = _get_reactor().loop

    async def wait() -> None:
        await result

    loop.run_until_complete(wait())


def _runner_for(item: pytest.Function) -> Any:
    """pytest-asyncio's runner (and so loop) for ``item``, or None without pytest-asyncio."""
    marker = item.get_closest_marker("asyncio")
    scope = marker.kwargs.get("loop_scope") if marker is not None else None
    if scope is None:
        try:
            scope = item.config.getini("asyncio_default_test_loop_scope") or "function"
        except ValueError:
            return None
    try:
        return item._request.getfixturevalue(f"_{scope}_scoped_runner")
    except pytest.FixtureLookupError:
        return None


def _run_in_loop(item: pytest.Function, func: Any, kwargs: dict[str, Any]) -> None:
    runner = _runner_for(item)
    if runner is None:
        _wait(func(**kwargs))
        return

    async def call() -> None:
        result = func(**kwargs)
        if isinstance(result, Deferred):
            await result

    runner.run(call())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    original = pyfuncitem.obj
    if inspect.iscoroutinefunction(original) or inspect.isasyncgenfunction(original):
        return (yield)
    if pyfuncitem.config.pluginmanager.hasplugin("twisted"):
        # pytest-twisted runs the reactor in a greenlet and the tests inside it.
        return (yield)
    if _is_inline_callbacks(original):

        @functools.wraps(original)
        def run(**kwargs: Any) -> None:
            _run_in_loop(pyfuncitem, original, kwargs)

    else:

        @functools.wraps(original)
        def run(**kwargs: Any) -> None:
            _wait(original(**kwargs))

    pyfuncitem.obj = run
    try:
        return (yield)
    finally:
        pyfuncitem.obj = original


@pytest.fixture
def reactor() -> Iterator[Any]:
    """The twistio reactor (inside the test's running loop, it uses that loop)."""
    installed = _get_reactor()
    before = set(installed.getDelayedCalls())
    yield installed
    for call in installed.getDelayedCalls():
        if call not in before and call.active():
            call.cancel()


@pytest.fixture
def clock() -> Clock:
    """A ``task.Clock``: time moves only when the test calls ``advance``."""
    return Clock()
