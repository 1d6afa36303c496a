"""Running code in threads and getting back to the event loop, with Deferreds."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Iterable
from typing import Any, Callable, Protocol, TypeVar

from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.defer import Deferred, maybeDeferred
from twistio.python.failure import Failure

__all__ = [
    "blockingCallFromThread",
    "callMultipleInThread",
    "deferToThread",
    "deferToThreadPool",
]

_R = TypeVar("_R")


class _ThreadPoolLike(Protocol):
    def callInThreadWithCallback(
        self,
        onResult: Callable[[bool, Any], object] | None,
        func: Callable[..., Any],
        *args: Any,
        **kw: Any,
    ) -> None: ...


class _ReactorFromThreads(Protocol):
    def callFromThread(self, f: Callable[..., Any], /, *args: Any, **kw: Any) -> None: ...


def _the_reactor() -> ITwistioReactor:
    return installed_reactor()


def deferToThreadPool(
    reactor: _ReactorFromThreads,
    threadpool: _ThreadPoolLike,
    f: Callable[..., _R],
    *args: object,
    **kwargs: object,
) -> Deferred[_R]:
    """Run ``f(*args, **kwargs)`` in ``threadpool``; the Deferred fires with its result.

    The Deferred fires on the event loop, by way of ``reactor.callFromThread``.
    """
    d: Deferred[_R] = Deferred()

    def deliver(ok: bool, result: Any) -> None:
        reactor.callFromThread(d.callback if ok else d.errback, result)

    threadpool.callInThreadWithCallback(deliver, f, *args, **kwargs)
    return d


def deferToThread(f: Callable[..., _R], *args: object, **kwargs: object) -> Deferred[_R]:
    """Run ``f(*args, **kwargs)`` in the reactor's thread pool; the Deferred fires with its result."""
    reactor = _the_reactor()
    d: Deferred[_R] = Deferred()

    def work() -> None:
        try:
            result = f(*args, **kwargs)
        except BaseException:
            reactor.callFromThread(d.errback, Failure())
        else:
            reactor.callFromThread(d.callback, result)

    # Through callInThread rather than the pool directly: that is how the reactor learns
    # which loop callFromThread must go back to when it runs inside someone else's loop.
    reactor.callInThread(work)
    return d


def _run_each(
    calls: Iterable[tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]],
) -> None:
    for f, args, kw in calls:
        f(*args, **kw)


def callMultipleInThread(
    tupleList: Iterable[tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]],
) -> None:
    """Run each ``(f, args, kwargs)`` of ``tupleList`` in turn, in one pool thread."""
    _the_reactor().callInThread(_run_each, tupleList)


def blockingCallFromThread(
    reactor: _ReactorFromThreads, f: Callable[..., Any], *a: object, **kw: object
) -> Any:
    """From a non-loop thread: run ``f(*a, **kw)`` on the loop and wait for its result.

    If ``f`` returns a Deferred or a coroutine, wait for that. Its error is raised here.
    Called on a thread running an asyncio loop it raises ``RuntimeError`` (Twisted's would
    wait forever for the loop it is blocking).
    """
    if asyncio._get_running_loop() is not None:
        raise RuntimeError(
            "blockingCallFromThread() called from a thread running an event loop: "
            "it would wait forever"
        )
    outcome: queue.SimpleQueue[object] = queue.SimpleQueue()

    def on_loop() -> None:
        d = maybeDeferred(f, *a, **kw)
        d.addBoth(outcome.put)

    reactor.callFromThread(on_loop)
    result = outcome.get()
    if isinstance(result, Failure):
        result.raiseException()
    return result
