"""``Team``: a worker that hands each task to one of many workers, made as they are needed."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from twistio._threads._convenience import Quit
from twistio._threads._ithreads import IExclusiveWorker, IWorker
from twistio.internet.interfaces import implementer

__all__ = ["Statistics", "Team"]


@dataclass(eq=False)
class Statistics:
    """A snapshot of a ``Team``: idle and busy workers, and tasks waiting for a worker."""

    idleWorkerCount: int
    busyWorkerCount: int
    backloggedWorkCount: int


@implementer(IWorker)
class Team:
    """An ``IWorker`` that runs each task on one of its workers, in parallel.

    All bookkeeping (which workers are idle, what waits) happens in ``coordinator``, an
    ``IExclusiveWorker``, so the methods may be called from any thread. A task goes to an
    idle worker, else to a new one from ``createWorker()``; when that returns ``None`` (a
    limit is reached) the task waits for a worker to come free. A worker that finishes goes
    back to the idle set, or is quit when the team is shrinking or quitting. An exception
    from a task calls ``logException()`` while it is being handled.
    """

    def __init__(
        self,
        coordinator: IExclusiveWorker,
        createWorker: Callable[[], IWorker | None],
        logException: Callable[[], None],
    ) -> None:
        self._coord = coordinator
        self._make_worker = createWorker
        self._log_exception = logException
        self._quit = Quit()  # set by quit(), from any thread
        # The rest is read and written in the coordinator only.
        self._idlers: set[IWorker] = set()
        self._backlog: deque[Callable[[], object]] = deque()
        self._busy = 0
        self._to_retire = 0  # busy workers to quit when they finish (shrink)
        self._quitting = False  # quit() was called: quit the coordinator once all are done

    def statistics(self) -> Statistics:
        """How many workers are idle and busy, and how many tasks wait for one."""
        return Statistics(len(self._idlers), self._busy, len(self._backlog))

    def grow(self, n: int) -> None:
        """Make up to ``n`` more idle workers (fewer if ``createWorker`` returns ``None``)."""
        self._quit.check()

        def add_workers() -> None:
            made = 0
            while made < n:
                worker = self._make_worker()
                if worker is None:  # at the limit
                    break
                made += 1
                self._idlers.add(worker)
                self._next_for(worker)

        self._coord.do(add_workers)

    def shrink(self, n: int | None = None) -> None:
        """Quit ``n`` workers (every worker when ``None``): idle ones now, busy ones when done."""
        self._quit.check()
        self._coord.do(lambda: self._quit_idlers(n))

    def do(self, task: Callable[[], object]) -> None:
        """Run ``task`` on a worker; ``AlreadyQuit`` after ``quit``."""
        self._quit.check()
        self._coord.do(lambda: self._assign(task))

    def quit(self) -> None:
        """Take no more work: idle workers quit now, busy ones when done, then the coordinator."""
        self._quit.set()
        self._coord.do(self._begin_quitting)

    # The rest runs in the coordinator.

    def _begin_quitting(self) -> None:
        self._quitting = True
        self._quit_idlers(None)

    def _quit_idlers(self, n: int | None) -> None:
        # Idle workers quit at once; the rest of the count is taken from busy ones later.
        count = len(self._idlers) + self._busy if n is None else n
        leaving = [self._idlers.pop() for _ in range(min(count, len(self._idlers)))]
        self._to_retire += count - len(leaving)
        for worker in leaving:
            worker.quit()
        self._maybe_quit_coordinator()

    def _maybe_quit_coordinator(self) -> None:
        if self._quitting and self._busy == 0 and not self._backlog:
            self._quitting = False
            self._coord.quit()

    def _assign(self, task: Callable[[], object], worker: IWorker | None = None) -> None:
        if worker is None:
            worker = self._idlers.pop() if self._idlers else self._make_worker()
        if worker is None:
            self._backlog.append(task)
            return
        self._busy += 1

        def run() -> None:
            try:
                task()
            except BaseException:
                self._log_exception()
            self._coord.do(lambda: self._finished(worker))

        worker.do(run)

    def _finished(self, worker: IWorker) -> None:
        self._busy -= 1
        self._idlers.add(worker)
        self._next_for(worker)
        self._maybe_quit_coordinator()

    def _next_for(self, worker: IWorker) -> None:
        # ``worker`` has just joined the idle set: give it waiting work, or quit it.
        if self._backlog:
            self._idlers.discard(worker)
            self._assign(self._backlog.popleft(), worker)
        elif self._to_retire or self._quitting:
            if self._to_retire:
                self._to_retire -= 1
            self._idlers.discard(worker)
            worker.quit()
