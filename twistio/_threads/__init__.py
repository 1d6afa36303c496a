"""Workers: objects that run tasks (``do``) somewhere, and the thread pool built from them.

``Team`` spreads tasks over workers it creates on demand; ``pool`` makes a ``Team`` of
threads; ``ThreadWorker`` and ``LockWorker`` are the exclusive workers it uses;
``createMemoryWorker`` gives a worker that runs nothing until told to, for tests.
``ThreadPool`` (``twistio.python.threadpool``) is built on ``pool``.
"""

from __future__ import annotations

from twistio._threads._ithreads import AlreadyQuit as AlreadyQuit
from twistio._threads._ithreads import IExclusiveWorker as IExclusiveWorker
from twistio._threads._ithreads import IWorker as IWorker
from twistio._threads._memory import createMemoryWorker as createMemoryWorker
from twistio._threads._pool import pool as pool
from twistio._threads._team import Team as Team
from twistio._threads._threadworker import LockWorker as LockWorker
from twistio._threads._threadworker import ThreadWorker as ThreadWorker

__all__ = [
    "AlreadyQuit",
    "IExclusiveWorker",
    "IWorker",
    "LockWorker",
    "Team",
    "ThreadWorker",
    "createMemoryWorker",
    "pool",
]
