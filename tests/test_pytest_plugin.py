"""Tests for twistio.pytest_plugin, run in a pytester session with the plugin enabled."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# The plugin is registered as a pytest11 entry point: installed twistio loads it by itself.
ARGS = (
    "-p",
    "no:cacheprovider",
    "-o",
    "asyncio_mode=auto",
    "-o",
    "asyncio_default_fixture_loop_scope=function",
)

TESTS = '''
import asyncio

import pytest

from twistio.internet import defer, task
from twistio.internet.task import Clock
from twistio.trial import unittest


@pytest.fixture
async def fixture_loop():
    yield asyncio.get_running_loop()


@pytest.fixture
async def asyncio_server():
    async def handle(reader, writer):
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


@defer.inlineCallbacks
def test_inline_callbacks_share_the_fixture_loop(fixture_loop, reactor):
    assert asyncio.get_running_loop() is fixture_loop
    assert reactor.loop is fixture_loop
    value = yield task.deferLater(reactor, 0, lambda: 3)
    other = yield defer.Deferred.fromFuture(asyncio.ensure_future(asyncio.sleep(0, result=4)))
    assert (value, other) == (3, 4)


@defer.inlineCallbacks
def test_inline_callbacks_with_asyncio_fixture(asyncio_server):
    reader, writer = yield defer.Deferred.fromFuture(
        asyncio.ensure_future(asyncio.open_connection("127.0.0.1", asyncio_server))
    )
    writer.write(b"ping\\n")
    line = yield defer.Deferred.fromFuture(asyncio.ensure_future(reader.readline()))
    assert line == b"ping\\n"
    writer.close()


def test_returns_deferred(reactor):
    fired = []
    d = task.deferLater(reactor, 0, fired.append, 1)
    d.addCallback(lambda _: fired.append(2))
    return d


def test_returns_fired_deferred():
    return defer.succeed(None)


def test_returns_failing_deferred(reactor):
    return task.deferLater(reactor, 0, lambda: 1 / 0)


@defer.inlineCallbacks
def test_inline_callbacks_failing(reactor):
    yield task.deferLater(reactor, 0, lambda: None)
    raise KeyError("inline")


async def test_async_awaits_deferred(reactor):
    assert await task.deferLater(reactor, 0, lambda: 5) == 5


def test_clock(clock):
    assert isinstance(clock, Clock)
    calls = []
    clock.callLater(2, calls.append, "x")
    clock.advance(2)
    assert calls == ["x"]


def test_reactor_fixture_is_the_reactor(reactor):
    from twistio.internet import reactor as installed

    assert reactor is installed


def test_plain():
    assert True


class TrialStyle(unittest.TestCase):
    def test_deferred(self):
        from twistio.internet import reactor

        return task.deferLater(reactor, 0, lambda: None)
'''


LEFT_TIMERS = """
from twistio.internet import reactor as installed

calls = []


def test_leaves_timer(reactor):
    calls.append(reactor.callLater(100, lambda: None))


def test_it_was_cancelled():
    assert not calls[0].active()
    assert calls[0] not in installed.getDelayedCalls()
"""


def test_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=TESTS, test_timers=LEFT_TIMERS)
    result = pytester.runpytest(*ARGS)
    # test_timers: timers a test leaves on the ``reactor`` fixture are cancelled after it.
    result.assert_outcomes(passed=11, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_returns_failing_deferred*ZeroDivisionError*",
            "*test_inline_callbacks_failing*KeyError*",
        ],
        consecutive=False,
    )
