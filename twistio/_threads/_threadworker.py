"""Two exclusive workers: one thread fed by a queue, and a lock taken by the caller."""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import Enum
from typing import Literal, Protocol, TypeVar

from twistio._threads._convenience import Quit
from twistio._threads._ithreads import AlreadyQuit, IExclusiveWorker
from twistio.internet.interfaces import implementer

__all__ = ["LockWorker", "SimpleLock", "SimpleQueue", "Stop", "ThreadWorker"]

T = TypeVar("T")


class Stop(Enum):
    """The item that tells a ``ThreadWorker``'s thread to end."""

    Thread = 1


class SimpleQueue(Protocol[T]):
    """What ``ThreadWorker`` needs of a queue (``queue.Queue`` and ``SimpleQueue`` fit)."""

    def put(self, item: T) -> None: ...

    def get(self) -> T: ...


class SimpleLock(Protocol):
    """What ``LockWorker`` needs of a lock (``threading.Lock`` fits)."""

    def acquire(self) -> bool: ...

    def release(self) -> None: ...


_Task = Callable[[], object]


@implementer(IExclusiveWorker)
class ThreadWorker:
    """An ``IExclusiveWorker`` with one thread of its own, running the tasks in order.

    ``startThread(target)`` must start a thread that calls ``target``; ``target`` takes the
    tasks from ``queue`` until ``quit`` ends it. An exception from a task ends the thread, so
    callers wrap their tasks (``Team`` does).
    """

    def __init__(
        self,
        startThread: Callable[[Callable[[], object]], object],
        queue: SimpleQueue[_Task | Literal[Stop.Thread]],
    ) -> None:
        self._q = queue
        self._hasQuit = Quit()

        def run() -> None:
            while True:
                task = queue.get()
                if task is Stop.Thread:
                    return
                task()
                del task

        startThread(run)

    def do(self, task: Callable[[], object]) -> None:
        """Queue ``task`` for the thread; ``AlreadyQuit`` after ``quit``."""
        self._hasQuit.check()
        self._q.put(task)

    def quit(self) -> None:
        """Take no more work; the thread ends once it has run what was queued."""
        self._hasQuit.set()
        self._q.put(Stop.Thread)


@implementer(IExclusiveWorker)
class LockWorker:
    """An ``IExclusiveWorker`` that runs each task in the caller's thread, holding ``lock``.

    A ``do`` made from inside a task (the same thread, lock held) does not run at once: the
    task is queued and runs when the outer task has returned, before the lock is released.
    ``local`` keeps that queue per thread.
    """

    def __init__(self, lock: SimpleLock, local: threading.local) -> None:
        self._quit = Quit()
        self._lock: SimpleLock | None = lock
        self._local = local

    def do(self, work: Callable[[], object]) -> None:
        """Run ``work`` now with the lock held, or after the running task when re-entered."""
        self._quit.check()
        local = self._local
        queued: list[_Task] | None = getattr(local, "working", None)
        if queued is not None:
            queued.append(work)
            return
        lock = self._lock
        if lock is None:  # quit() won a race with this call
            raise AlreadyQuit()
        queued = [work]
        local.working = queued
        lock.acquire()
        try:
            while queued:
                queued.pop(0)()
        finally:
            local.working = None
            lock.release()

    def quit(self) -> None:
        """Take no more work and drop the lock; queued re-entrant work still runs."""
        self._quit.set()
        self._lock = None
