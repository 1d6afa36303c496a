"""``pool``: a ``Team`` of threads, bounded by a limit read each time a thread may start."""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Protocol

from twistio._threads._ithreads import IWorker
from twistio._threads._team import Team
from twistio._threads._threadworker import LockWorker, ThreadWorker

__all__ = ["pool"]


class _ThreadFactory(Protocol):
    def __call__(self, *, target: Callable[..., object]) -> threading.Thread: ...


def _log_exception() -> None:
    from twistio.python import log

    log.err()


def pool(currentLimit: Callable[[], int], threadFactory: _ThreadFactory = threading.Thread) -> Team:
    """A ``Team`` whose workers are threads, made by ``threadFactory(target=...)``.

    A new thread starts only while the team has fewer workers than ``currentLimit()``; past
    it, work waits for a thread to come free. The coordinator is a ``LockWorker``, so the
    bookkeeping runs in whichever thread calls the team, under one lock. An exception from a
    task is logged (``log.err``).
    """

    def start(target: Callable[[], object]) -> None:
        threadFactory(target=target).start()

    def create() -> IWorker | None:
        stats = team.statistics()
        if stats.idleWorkerCount + stats.busyWorkerCount >= currentLimit():
            return None
        return ThreadWorker(start, SimpleQueue())

    team = Team(LockWorker(threading.Lock(), threading.local()), create, _log_exception)
    return team
