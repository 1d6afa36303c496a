"""``ThreadedSelectReactor``: the reactor for programs whose main thread runs another event
loop (a GUI toolkit's), which the reactor *interleaves* with.

``install()`` installs it. Run alone (``reactor.run()``) it is twistio's asyncio reactor. With
``reactor.interleave(waker)`` instead, the program's own loop keeps the main thread: the only
blocking part of a pass of the asyncio loop, waiting for the sockets to be ready (and for the
next timer), moves to a thread of its own, which then calls ``waker(f)``; the waker's job (a
GUI's "call later on the main thread", such as ``wx.CallAfter``) is to run ``f()`` on the main
thread, where ``f`` runs the loop's ready callbacks until it would wait again. Every protocol
callback, timer and Deferred therefore runs on the main thread, as with Twisted's reactor of
this name.

Stopping: call ``reactor.stop()``, and stop the program's own loop from an ``("after",
"shutdown")`` trigger, so that the reactor comes to a clean stop first.
"""

from __future__ import annotations

import asyncio
import queue
import selectors
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from typing_extensions import ParamSpec

from twistio.internet._delayedcall import DelayedCall
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.interfaces import IReadDescriptor, IWriteDescriptor
from twistio.internet.main import installReactor

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike

__all__ = ["ThreadedSelectReactor", "install"]

_P = ParamSpec("_P")

#: Tells the selector thread to end.
_EXIT = object()


def _nothing() -> None:
    """Scheduled from outside the loop only to wake the selector thread."""


class _HandOffSelector(selectors.BaseSelector):
    """A selector that passes everything to the platform's default one, except, while
    ``hand_off`` is set, a ``select`` that would block: that one checks without waiting and,
    if nothing is ready, gives the wait to ``hand_off(timeout)`` and returns nothing.

    Its methods name typeshed's ``SelectorKey``, whose ``data`` field is ``Any``: mypy's
    ``disallow_any_explicit`` counts that, hence the ``explicit-any`` ignores below.
    """

    def __init__(self) -> None:
        self.inner = selectors.DefaultSelector()
        self.hand_off: Callable[[float | None], None] | None = None

    def register(  # type: ignore[explicit-any]
        self, fileobj: FileDescriptorLike, events: int, data: object = None
    ) -> selectors.SelectorKey:
        return self.inner.register(fileobj, events, data)

    def unregister(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:  # type: ignore[explicit-any]
        return self.inner.unregister(fileobj)

    def modify(  # type: ignore[explicit-any]
        self, fileobj: FileDescriptorLike, events: int, data: object = None
    ) -> selectors.SelectorKey:
        return self.inner.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:  # type: ignore[explicit-any]
        hand_off = self.hand_off
        if hand_off is None or (timeout is not None and timeout <= 0):
            return self.inner.select(timeout)
        ready = self.inner.select(0)
        if not ready:
            hand_off(timeout)
        return ready

    def close(self) -> None:
        self.inner.close()

    def get_key(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:  # type: ignore[explicit-any]
        return self.inner.get_key(fileobj)

    def get_map(self) -> Mapping[FileDescriptorLike, selectors.SelectorKey]:  # type: ignore[explicit-any]
        return self.inner.get_map()


class ThreadedSelectReactor(AsyncioReactor):
    """twistio's asyncio reactor, able to ``interleave`` with another event loop.

    Its loop is always asyncio's selector loop (it needs the selector), whatever the event
    loop policy says.
    """

    _selector: _HandOffSelector | None = None
    _waker: Callable[[Callable[[], None]], object] | None = None
    _requests: queue.SimpleQueue[object] | None = None
    _iterating = False
    _handed_off = False

    def _new_loop(self) -> asyncio.AbstractEventLoop:
        self._selector = _HandOffSelector()
        return asyncio.SelectorEventLoop(self._selector)

    def interleave(
        self, waker: Callable[[Callable[[], None]], object], installSignalHandlers: bool = True
    ) -> None:
        """Start the reactor without taking the thread: from now on ``waker(f)`` is called
        (from the selector thread) each time there is work, and must call ``f()`` on this
        thread. ``installSignalHandlers`` goes to ``startRunning``."""
        self.startRunning(installSignalHandlers)
        self._get_loop()
        selector = self._selector
        if selector is None:  # pragma: no cover - _get_loop made it
            raise RuntimeError("the reactor's loop has no selector to interleave")
        self._waker = waker
        requests: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._requests = requests
        selector.hand_off = self._hand_off
        thread = threading.Thread(
            target=self._select_forever,
            args=(selector, requests, waker, self._iterate),
            name="twistio ThreadedSelectReactor selector",
            daemon=True,
        )
        thread.start()
        # The first pass (startup) is asked for like any other: by the selector thread.
        requests.put(0.0)

    def _hand_off(self, timeout: float | None) -> None:
        """Called by the selector in a pass that would wait: end the pass, and have the
        selector thread wait instead."""
        self._handed_off = True
        loop = self._run_loop
        if loop is not None:
            loop.stop()
        requests = self._requests
        if requests is not None:
            requests.put(timeout)

    @staticmethod
    def _select_forever(
        selector: _HandOffSelector,
        requests: queue.SimpleQueue[object],
        waker: Callable[[Callable[[], None]], object],
        iterate: Callable[[], None],
    ) -> None:
        """The selector thread: wait as asked, then have the main thread run a pass."""
        while True:
            timeout = requests.get()
            if timeout is _EXIT:
                return
            assert timeout is None or isinstance(timeout, float)
            try:
                selector.inner.select(timeout)
            except (OSError, ValueError):
                pass  # the selector was closed, or a descriptor went away: let the pass see
            waker(iterate)

    def _iterate(self) -> None:
        """Run the loop on this thread until it would wait again (or the reactor stops)."""
        loop = self._run_loop
        if loop is None or self._iterating:
            return
        self._iterating = True
        self._handed_off = False
        try:
            loop.run_forever()
        finally:
            self._iterating = False
        if not self._handed_off:
            # Stopped (or crashed): the interleaving is over.
            self._end_interleave()

    def _end_interleave(self) -> None:
        selector = self._selector
        if selector is not None:
            selector.hand_off = None
        requests, self._requests = self._requests, None
        if requests is not None:
            requests.put(_EXIT)
        self._waker = None
        self._remove_signal_handlers()
        self._run_loop = None
        self._running = False
        self._started = False

    def _wake(self) -> None:
        """Work was scheduled from the main thread between passes: end the selector
        thread's wait, so that a pass runs it."""
        if self._requests is not None and not self._iterating:
            loop = self._run_loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(_nothing)

    def wakeUp(self) -> None:
        """Wake the selector thread when interleaved (nothing to do otherwise)."""
        self._wake()

    def stop(self) -> None:
        AsyncioReactor.stop(self)
        self._wake()

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> DelayedCall:
        call = AsyncioReactor.callLater(self, delay, callable, *args, **kw)
        self._wake()
        return call

    def addReader(self, reader: IReadDescriptor) -> None:
        AsyncioReactor.addReader(self, reader)
        self._wake()

    def addWriter(self, writer: IWriteDescriptor) -> None:
        AsyncioReactor.addWriter(self, writer)
        self._wake()


def install() -> ThreadedSelectReactor:
    """Install a ``ThreadedSelectReactor`` as the reactor; ``ReactorAlreadyInstalledError``
    if one is."""
    reactor = ThreadedSelectReactor()
    installReactor(reactor)
    return reactor
