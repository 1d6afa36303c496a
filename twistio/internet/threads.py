"""Running code in threads and getting back to the event loop, with Deferreds."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Coroutine, Iterable
from typing import Callable, Protocol, TypeVar, cast

from typing_extensions import ParamSpec

from twistio._typing import StoredCall
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.defer import Deferred, maybeDeferred
from twistio.python.failure import Failure

_P = ParamSpec("_P")
_R = TypeVar("_R")

__all__ = [
    "blockingCallFromThread",
    "callMultipleInThread",
    "deferToThread",
    "deferToThreadPool",
]



class _ThreadPoolLike(Protocol):
    def callInThreadWithCallback(
        self,
        onResult: Callable[[bool, object], object] | None,
        func: Callable[_P, object],
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> None: ...


class _ReactorFromThreads(Protocol):
    def callFromThread(
        self, f: Callable[_P, object], /, *args: _P.args, **kw: _P.kwargs
    ) -> None: ...


def _the_reactor() -> ITwistioReactor:
    return installed_reactor()


def deferToThreadPool(
    reactor: _ReactorFromThreads,
    threadpool: _ThreadPoolLike,
    f: Callable[_P, _R],
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> Deferred[_R]:
    """Run ``f(*args, **kwargs)`` in ``threadpool``; the Deferred fires with its result.

    The Deferred fires on the event loop, by way of ``reactor.callFromThread``.
    """
    d: Deferred[_R] = Deferred()

    def deliver(ok: bool, result: object) -> None:
        # The pool calls back with f's result, or with the Failure it raised.
        if ok:
            reactor.callFromThread(d.callback, cast(_R, result))
        else:
            reactor.callFromThread(d.errback, cast(Failure, result))

    threadpool.callInThreadWithCallback(deliver, f, *args, **kwargs)
    return d


def deferToThread(f: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_R]:
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
    calls: Iterable[tuple[StoredCall, tuple[object, ...], dict[str, object]]],
) -> None:
    for f, args, kw in calls:
        f(*args, **kw)


def callMultipleInThread(
    tupleList: Iterable[tuple[StoredCall, tuple[object, ...], dict[str, object]]],
) -> None:
    """Run each ``(f, args, kwargs)`` of ``tupleList`` in turn, in one pool thread."""
    _the_reactor().callInThread(_run_each, tupleList)


def blockingCallFromThread(
    reactor: _ReactorFromThreads,
    f: Callable[_P, Deferred[_R] | Coroutine[object, object, _R] | _R],
    *a: _P.args,
    **kw: _P.kwargs,
) -> _R:
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
    return cast(_R, result)
