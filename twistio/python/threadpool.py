"""ThreadPool: a resizable pool of worker threads with Twisted's ``ThreadPool`` API."""

from __future__ import annotations

import contextvars
import logging
import threading
from typing import Any, Callable, TypedDict, TypeVar

from twistio._threads import pool
from twistio._threads._team import Team
from twistio.python.deprecate import deprecated
from twistio.python.failure import Failure
from twistio.python.versions import Version

__all__ = ["ThreadPool"]

_R = TypeVar("_R")
_log = logging.getLogger(__name__)


class _State(TypedDict):
    min: int
    max: int
    name: str | None


class ThreadPool:
    """Between ``min`` and ``max`` threads running the work given to ``callInThread``.

    Work given before ``start`` waits for it; ``stop`` lets the queued work finish, then joins
    the threads; work given after ``stop`` is dropped (all as in Twisted). Threads are started
    as work arrives, up to ``max``, and stay until ``stop`` or ``adjustPoolsize``. The pool is
    a ``twistio._threads.Team`` made by ``_pool(currentLimit, threadFactory)``, a hook tests
    replace to run the pool without threads.

    Unlike Twisted's: work runs in a copy of the caller's ``contextvars`` context (as
    ``asyncio.to_thread`` does); the threads are daemon threads, so a pool nobody stops does
    not keep the process from exiting; and a stopped pool can be started again (Twisted's
    raises ``AlreadyQuit``).
    """

    min = 5
    max = 20
    name: str | None = None
    joined = False
    started = False
    threadFactory: Callable[..., threading.Thread] = threading.Thread
    #: Deprecated since Twisted 22.1.0: use ``threading.current_thread``.
    currentThread = staticmethod(
        deprecated(Version("Twisted", 22, 1, 0), replacement="threading.current_thread")(
            threading.current_thread
        )
    )
    _pool = staticmethod(pool)

    def __init__(self, minthreads: int = 5, maxthreads: int = 20, name: str | None = None) -> None:
        _check_sizes(minthreads, maxthreads)
        self.min = minthreads
        self.max = maxthreads
        self.name = name
        self.threads: list[threading.Thread] = []
        self._spawned = 0
        self._team = self._new_team()
        self._team_quit = False

    def _new_team(self) -> Team:
        def limit() -> int:
            return self.max if self.started else 0

        def make_thread(*, target: Callable[[], object]) -> threading.Thread:
            def run() -> None:
                try:
                    target()
                finally:
                    self.threads.remove(threading.current_thread())

            name = f"PoolThread-{self.name or id(self)}-{self._spawned}"
            self._spawned += 1
            thread = self.threadFactory(target=run, name=name, daemon=True)
            self.threads.append(thread)
            return thread

        return self._pool(limit, make_thread)

    # -- introspection, as in Twisted -------------------------------------------------------

    @property
    def workers(self) -> int:
        """How many workers there are, idle or busy."""
        stats = self._team.statistics()
        return stats.idleWorkerCount + stats.busyWorkerCount

    @property
    def working(self) -> list[None]:
        """One entry per busy worker (Twisted's shape: only the length means much)."""
        return [None] * self._team.statistics().busyWorkerCount

    @property
    def waiters(self) -> list[None]:
        """One entry per idle worker."""
        return [None] * self._team.statistics().idleWorkerCount

    @property
    def q(self) -> _QueueSize:
        """An object whose ``qsize()`` is the number of tasks waiting for a worker."""
        return _QueueSize(self._team)

    _queue = q

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers: ``min`` of them, more if work is already queued."""
        if self._team_quit:
            self._team = self._new_team()
            self._team_quit = False
        self.joined = False
        self.started = True
        self.adjustPoolsize()

    def stop(self) -> None:
        """Finish the queued work, then end and join every worker thread."""
        self.joined = True
        self.started = False
        if not self._team_quit:
            self._team_quit = True
            self._team.quit()
        for thread in list(self.threads):
            if thread is not threading.current_thread():
                thread.join()

    def adjustPoolsize(self, minthreads: int | None = None, maxthreads: int | None = None) -> None:
        """Change ``min`` and ``max``; a started pool grows or shrinks to fit at once.

        It grows to ``min`` workers, or more for work waiting for one (up to ``max``).
        """
        if minthreads is None:
            minthreads = self.min
        if maxthreads is None:
            maxthreads = self.max
        _check_sizes(minthreads, maxthreads)
        self.min = minthreads
        self.max = maxthreads
        if not self.started:
            return
        stats = self._team.statistics()
        workers = stats.idleWorkerCount + stats.busyWorkerCount
        if workers > self.max:
            self._team.shrink(workers - self.max)
            return
        wanted = max(self.min, min(self.max, stats.busyWorkerCount + stats.backloggedWorkCount))
        if wanted > workers:
            self._team.grow(wanted - workers)

    def startAWorker(self) -> None:
        """Start one more worker thread (up to ``max``)."""
        self._team.grow(1)

    def stopAWorker(self) -> None:
        """Ask one worker thread to exit (once it is idle)."""
        self._team.shrink(1)

    def dumpStats(self) -> None:
        """Log the queue length and the numbers of busy and idle workers."""
        stats = self._team.statistics()
        _log.info(
            "queue: %d, waiters: %d, workers: %d, total: %d",
            stats.backloggedWorkCount,
            stats.idleWorkerCount,
            stats.busyWorkerCount,
            len(self.threads),
        )

    def __getstate__(self) -> _State:
        return {"min": self.min, "max": self.max, "name": self.name}

    def __setstate__(self, state: _State) -> None:
        self.__init__(state["min"], state["max"], state.get("name"))  # type: ignore[misc]

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
        thread, in the caller's context: use ``reactor.callFromThread`` to get back to the
        loop. The pool lets go of ``func`` and its arguments before calling ``onResult``.
        """
        if self.joined:
            return
        ctx = contextvars.copy_context()
        call: list[Any] = [func, args, kw]

        def work() -> None:
            f, a, k = call
            call.clear()
            outcome: Any
            try:
                outcome = f(*a, **k)
                ok = True
            except BaseException:
                outcome = Failure()
                ok = False
            del f, a, k
            if onResult is None:
                if not ok:
                    _log.error("Unhandled error in a thread-pool call", exc_info=outcome.value)
                return
            try:
                onResult(ok, outcome)
            except BaseException as e:
                _log.error("Unhandled error in a thread-pool result callback", exc_info=e)

        self._team.do(lambda: ctx.run(work))

    def __repr__(self) -> str:
        stats = self._team.statistics()
        return (
            f"<ThreadPool {self.name!r} min={self.min} max={self.max} "
            f"workers={stats.idleWorkerCount + stats.busyWorkerCount} "
            f"busy={stats.busyWorkerCount} queued={stats.backloggedWorkCount}>"
        )


def _check_sizes(minthreads: int, maxthreads: int) -> None:
    if not (minthreads >= 0):
        raise AssertionError("minimum is negative")
    if not (minthreads <= maxthreads):
        raise AssertionError("minimum is greater than maximum")


class _QueueSize:
    # Twisted's pool exposes q / _queue with a qsize(); some code reads it.
    def __init__(self, team: Team) -> None:
        self._team = team

    def qsize(self) -> int:
        return self._team.statistics().backloggedWorkCount
