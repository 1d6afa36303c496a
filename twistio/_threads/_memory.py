"""A worker that only queues its work, run step by step by whoever holds the performer."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Literal

from twistio._threads._convenience import Quit
from twistio._threads._ithreads import IExclusiveWorker
from twistio.internet.interfaces import implementer

__all__ = ["MemoryWorker", "NoMore", "createMemoryWorker"]


class NoMore(Enum):
    """The marker ``quit`` puts at the end of a ``MemoryWorker``'s queue."""

    Work = 1


_Item = Callable[[], object] | Literal[NoMore.Work]


@implementer(IExclusiveWorker)
class MemoryWorker:
    """An ``IExclusiveWorker`` for tests: ``do`` queues, the performer runs one task a call."""

    def __init__(self, pending: Callable[[], list[_Item]] = list) -> None:
        self._quit = Quit()
        self._pending = pending()

    def do(self, work: Callable[[], object]) -> None:
        """Queue ``work``; ``AlreadyQuit`` after ``quit``."""
        self._quit.check()
        self._pending.append(work)

    def quit(self) -> None:
        """Take no more work; what was queued before still runs."""
        self._quit.set()
        self._pending.append(NoMore.Work)


def createMemoryWorker() -> tuple[MemoryWorker, Callable[[], bool]]:
    """A ``MemoryWorker`` and its performer.

    The performer runs the oldest queued task and returns ``True``, or returns ``False`` when
    there is nothing to run (nothing queued, or only the end marker ``quit`` left). An
    exception from the task comes out of the performer, and the task is gone all the same.
    """
    worker = MemoryWorker()
    pending = worker._pending

    def perform() -> bool:
        if not pending or pending[0] is NoMore.Work:
            return False
        task = pending.pop(0)
        assert task is not NoMore.Work
        task()
        return True

    return worker, perform
