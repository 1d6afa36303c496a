"""ThreadPool: a resizable pool of worker threads with Twisted's ``ThreadPool`` API."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import deque
from typing import Any, Callable, TypeVar

from twistio.python.failure import Failure

__all__ = ["ThreadPool"]

_R = TypeVar("_R")
_log = logging.getLogger(__name__)


class ThreadPool:
    """Between ``min`` and ``max`` threads running the work given to ``callInThread``.

    Work given before ``start`` waits for it; ``stop`` lets the queued work finish, then joins
    the threads; work given after ``stop`` is dropped (all as in Twisted). Threads are started
    as work arrives, up to ``max``, and stay until ``stop`` or ``adjustPoolsize``.

    Unlike Twisted's: work runs in a copy of the caller's ``contextvars`` context (as
    ``asyncio.to_thread`` does); the threads are daemon threads, so a pool nobody stops does
    not keep the process from exiting; ``threads`` lists only live threads; and a stopped pool
    can be started again (Twisted's raises ``AlreadyQuit``).
    """

    threadFactory: Callable[..., threading.Thread] = threading.Thread
    currentThread = staticmethod(threading.current_thread)

    def __init__(self, minthreads: int = 5, maxthreads: int = 20, name: str | None = None) -> None:
        if not (minthreads >= 0):
            raise AssertionError("minimum is negative")
        if not (minthreads <= maxthreads):
            raise AssertionError("minimum is greater than maximum")
        self.min = minthreads
        self.max = maxthreads
        self.name = name
        self.joined = False
        self.started = False
        self.threads: list[threading.Thread] = []
        self._cond = threading.Condition(threading.Lock())
        self._pending: deque[Callable[[], None]] = deque()
        self._live = 0  # worker threads running their loop
        self._busy = 0  # of which doing work
        self._quit_requests = 0  # workers asked to exit
        self._closing = False  # stop(): exit once the queue is empty
        self._spawned = 0

    # -- introspection, as in Twisted -------------------------------------------------------

    @property
    def workers(self) -> int:
        """How many worker threads there are."""
        return self._live

    @property
    def working(self) -> list[None]:
        """One entry per worker busy with work (Twisted's shape: only the length means much)."""
        return [None] * self._busy

    @property
    def waiters(self) -> list[None]:
        """One entry per idle worker."""
        return [None] * (self._live - self._busy)

    @property
    def _queue(self) -> _QueueSize:
        return _QueueSize(self)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers: ``min`` of them, more if work is already queued."""
        with self._cond:
            self._closing = False
        self.joined = False
        self.started = True
        self.adjustPoolsize()

    def stop(self) -> None:
        """Finish the queued work, then end and join every worker thread."""
        self.joined = True
        self.started = False
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for thread in list(self.threads):
            if thread is not threading.current_thread():
                thread.join()

    def adjustPoolsize(self, minthreads: int | None = None, maxthreads: int | None = None) -> None:
        """Change ``min`` and ``max``; a started pool grows or shrinks to fit at once."""
        if minthreads is None:
            minthreads = self.min
        if maxthreads is None:
            maxthreads = self.max
        if not (minthreads >= 0):
            raise AssertionError("minimum is negative")
        if not (minthreads <= maxthreads):
            raise AssertionError("minimum is greater than maximum")
        self.min = minthreads
        self.max = maxthreads
        if not self.started:
            return
        with self._cond:
            excess = self._live - self._quit_requests - self.max
            if excess > 0:
                self._quit_requests += excess
                self._cond.notify_all()
            wanted = max(self.min, min(self.max, self._busy + len(self._pending)))
            for _ in range(wanted - (self._live - self._quit_requests)):
                self._start_worker()

    def startAWorker(self) -> None:
        """Start one more worker thread."""
        with self._cond:
            self._start_worker()

    def stopAWorker(self) -> None:
        """Ask one worker thread to exit (once it is idle)."""
        with self._cond:
            self._quit_requests += 1
            self._cond.notify()

    def dumpStats(self) -> None:
        """Log the queue length and the numbers of busy and idle workers."""
        _log.info(
            "queue: %d, waiters: %d, workers: %d, total: %d",
            len(self._pending),
            len(self.waiters),
            self._busy,
            len(self.threads),
        )

    # -- work -------------------------------------------------------------------------------

    def callInThread(self, func: Callable[..., object], *args: object, **kw: object) -> None:
        """Run ``func(*args, **kw)`` in a worker; an exception it raises is logged."""
        self.callInThreadWithCallback(None, func, *args, **kw)

    def callInThreadWithCallback(
        self,
        onResult: Callable[[bool, Any], object] | None,
        func: Callable[..., _R],
        *args: object,
        **kw: object,
    ) -> None:
        """Run ``func(*args, **kw)`` in a worker, then ``onResult(True, result)`` there.

        On an exception ``onResult(False, failure)`` is called instead. Both run in the worker
        thread: use ``reactor.callFromThread`` to get back to the loop.
        """
        if self.joined:
            return
        ctx = contextvars.copy_context()

        def work() -> None:
            outcome: Any
            try:
                result = ctx.run(func, *args, **kw)
            except BaseException:
                failure = Failure()
                if onResult is None:
                    _log.error("Unhandled error in a thread-pool call", exc_info=failure.value)
                    return
                ok, outcome = False, failure
            else:
                if onResult is None:
                    return
                ok, outcome = True, result
            try:
                onResult(ok, outcome)
            except BaseException as e:
                _log.error("Unhandled error in a thread-pool result callback", exc_info=e)

        with self._cond:
            self._pending.append(work)
            if (
                self.started
                and self._live - self._busy - self._quit_requests < len(self._pending)
                and self._live - self._quit_requests < self.max
            ):
                self._start_worker()
            else:
                self._cond.notify()

    # -- internals (call with self._cond held) ------------------------------------------------

    def _start_worker(self) -> None:
        if self._closing:
            return
        name = f"PoolThread-{self.name or id(self)}-{self._spawned}"
        self._spawned += 1
        thread = self.threadFactory(target=self._worker, name=name, daemon=True)
        self._live += 1
        self.threads.append(thread)
        thread.start()

    def _worker(self) -> None:
        cond = self._cond
        pending = self._pending
        cond.acquire()
        try:
            while True:
                if self._quit_requests:
                    self._quit_requests -= 1
                    break
                if pending:
                    work = pending.popleft()
                    self._busy += 1
                    cond.release()
                    try:
                        work()
                    finally:
                        del work
                        cond.acquire()
                        self._busy -= 1
                    continue
                if self._closing:
                    break
                cond.wait()
        finally:
            self._live -= 1
            self.threads.remove(threading.current_thread())
            cond.release()

    def __repr__(self) -> str:
        return (
            f"<ThreadPool {self.name!r} min={self.min} max={self.max} "
            f"workers={self._live} busy={self._busy} queued={len(self._pending)}>"
        )


class _QueueSize:
    # Twisted's pool exposes _queue.qsize(); some code reads it.
    def __init__(self, pool: ThreadPool) -> None:
        self._pool = pool

    def qsize(self) -> int:
        return len(self._pool._pending)
