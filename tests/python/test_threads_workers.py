"""Tests for twistio._threads (workers, Team, pool) and the ThreadPool built on it.

The deterministic scenarios run on Twisted's ``twisted._threads`` too (when installed) and
must give the same record there.
"""

from __future__ import annotations

import importlib
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pytest

from twistio._threads import (
    AlreadyQuit,
    IExclusiveWorker,
    IWorker,
    LockWorker,
    Team,
    ThreadWorker,
    createMemoryWorker,
    pool,
)
from twistio._threads._convenience import Quit
from twistio.python.threadpool import ThreadPool

WAIT = 5.0

try:
    importlib.import_module("twisted._threads")
    PACKAGES = ["twistio", "twisted"]
except ImportError:  # pragma: no cover - Twisted is in the test extra
    PACKAGES = ["twistio"]


def threads_module(package: str) -> Any:
    return importlib.import_module(f"{package}._threads")


def team_scenario(package: str) -> list[object]:
    """A Team over memory workers, stepped by hand; the record of what happened."""
    mod = threads_module(package)
    coordinator, coordinate_once = mod.createMemoryWorker()
    performers: list[Callable[[], bool]] = []
    quit_count = [0]
    limit = [3]

    def create() -> Any:
        if len(performers) >= limit[0]:
            return None
        worker, perform = mod.createMemoryWorker()
        performers.append(perform)
        real_quit = worker.quit

        def quit() -> None:
            quit_count[0] += 1
            real_quit()

        worker.quit = quit
        return worker

    failures: list[str] = []

    def log_exception() -> None:
        import sys

        failures.append(type(sys.exc_info()[1]).__name__)

    team = mod.Team(coordinator, create, log_exception)
    record: list[object] = []

    def stats() -> tuple[int, int, int]:
        s = team.statistics()
        return (s.idleWorkerCount, s.busyWorkerCount, s.backloggedWorkCount)

    def coordinate() -> None:
        while coordinate_once():
            pass

    def run_all() -> None:
        busy = True
        while busy:
            coordinate()
            ran = [p() for p in performers]  # every worker, not only up to the first
            busy = any(ran)
            coordinate()

    done: list[int] = []
    for i in range(5):
        team.do(lambda i=i: done.append(i))
    coordinate()
    record.append(("after 5 do", stats(), len(performers)))
    run_all()
    record.append(("all done", sorted(done), stats()))
    team.do(lambda: 1 / 0)
    run_all()
    record.append(("failures", failures))
    team.shrink(2)
    coordinate()
    record.append(("shrink 2", stats(), quit_count[0]))
    team.grow(5)
    coordinate()
    record.append(("grow 5", stats(), len(performers)))
    team.quit()
    run_all()
    record.append(("quit", stats(), quit_count[0]))
    for call in (team.quit, lambda: team.do(list), lambda: team.grow(1), team.shrink):
        try:
            call()
            record.append("no error")
        except mod.AlreadyQuit:
            record.append("AlreadyQuit")
    try:
        coordinator.quit()
        record.append("coordinator still running")
    except mod.AlreadyQuit:
        record.append("coordinator quit")
    return record


@pytest.mark.parametrize("package", PACKAGES)
def test_team_scenario(package: str) -> None:
    record = team_scenario(package)
    assert record == team_scenario("twistio")
    assert record[0] == ("after 5 do", (0, 3, 2), 3)
    assert record[1] == ("all done", [0, 1, 2, 3, 4], (3, 0, 0))
    assert record[2] == ("failures", ["ZeroDivisionError"])
    assert record[-1] == "coordinator quit"


def memory_scenario(package: str) -> list[object]:
    mod = threads_module(package)
    worker, perform = mod.createMemoryWorker()
    record: list[object] = [perform()]
    done: list[int] = []
    worker.do(lambda: done.append(1))
    worker.do(lambda: 1 / 0)
    worker.quit()
    record.append(perform())
    try:
        perform()
    except ZeroDivisionError:
        record.append("raised")
    record += [perform(), perform(), done]
    for call in (worker.quit, lambda: worker.do(list)):
        try:
            call()
        except mod.AlreadyQuit:
            record.append("AlreadyQuit")
    return record


@pytest.mark.parametrize("package", PACKAGES)
def test_memory_worker(package: str) -> None:
    assert memory_scenario(package) == [
        False, True, "raised", False, False, [1], "AlreadyQuit", "AlreadyQuit"
    ]  # fmt: skip


def test_quit_flag() -> None:
    flag = Quit()
    assert flag.isSet is False and flag.check() is None
    flag.set()
    assert flag.isSet is True
    with pytest.raises(AlreadyQuit):
        flag.check()
    with pytest.raises(AlreadyQuit):
        flag.set()


def test_interfaces_declared() -> None:
    worker, _ = createMemoryWorker()
    assert IWorker.providedBy(worker) and IExclusiveWorker.providedBy(worker)
    lock_worker = LockWorker(threading.Lock(), threading.local())
    assert IExclusiveWorker.providedBy(lock_worker)
    team = Team(worker, lambda: None, lambda: None)
    assert IWorker.providedBy(team) and not IExclusiveWorker.providedBy(team)


def test_lock_worker_runs_reentrant_work_after_the_outer_task() -> None:
    lock = threading.Lock()
    worker = LockWorker(lock, threading.local())
    order: list[str] = []

    def outer() -> None:
        worker.do(lambda: order.append(f"inner locked={lock.locked()}"))
        order.append("outer end")

    worker.do(outer)
    assert order == ["outer end", "inner locked=True"]
    assert not lock.locked()
    worker.quit()
    with pytest.raises(AlreadyQuit):
        worker.do(list)
    with pytest.raises(AlreadyQuit):
        worker.quit()


def test_thread_worker_runs_tasks_in_order_on_one_thread() -> None:
    started: list[threading.Thread] = []

    def start(target: Callable[[], object]) -> None:
        thread = threading.Thread(target=target)
        started.append(thread)
        thread.start()

    import queue

    worker = ThreadWorker(start, queue.SimpleQueue())
    seen: list[tuple[int, str]] = []
    for i in range(5):
        worker.do(lambda i=i: seen.append((i, threading.current_thread().name)))
    worker.quit()
    started[0].join(WAIT)
    assert not started[0].is_alive()
    assert [i for i, _ in seen] == [0, 1, 2, 3, 4]
    assert {name for _, name in seen} == {started[0].name}
    with pytest.raises(AlreadyQuit):
        worker.do(list)


def test_pool_respects_its_limit() -> None:
    limit = [2]
    threads: list[threading.Thread] = []

    def factory(*, target: Callable[..., object]) -> threading.Thread:
        thread = threading.Thread(target=target, daemon=True)
        threads.append(thread)
        return thread

    team = pool(lambda: limit[0], factory)
    gate = threading.Event()
    running = threading.Semaphore(0)

    def job() -> None:
        running.release()
        gate.wait(WAIT)

    for _ in range(4):
        team.do(job)
    assert running.acquire(timeout=WAIT) and running.acquire(timeout=WAIT)
    stats = team.statistics()
    assert (stats.busyWorkerCount, stats.backloggedWorkCount, len(threads)) == (2, 2, 2)
    gate.set()
    assert running.acquire(timeout=WAIT) and running.acquire(timeout=WAIT)
    team.quit()
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive()
    assert len(threads) == 2


class _MemoryPool(ThreadPool):
    """A ThreadPool whose Team runs on memory workers (the ``_pool`` hook)."""

    def __init__(self, *args: Any) -> None:
        self.coordinator, self.coordinate_once = createMemoryWorker()
        self.performers: list[Callable[[], bool]] = []
        super().__init__(*args)

    def _pool(self, currentLimit: Callable[[], int], threadFactory: Any) -> Team:  # type: ignore[override]
        def create() -> IWorker | None:
            stats = team.statistics()
            if stats.idleWorkerCount + stats.busyWorkerCount >= currentLimit():
                return None
            worker, perform = createMemoryWorker()
            self.performers.append(perform)
            return worker

        team = Team(self.coordinator, create, lambda: None)
        return team

    def coordinate(self) -> None:
        while self.coordinate_once():
            pass


def test_thread_pool_starts_workers_for_work_queued_before_start() -> None:
    p = _MemoryPool(0, 3)
    done: list[int] = []
    for i in range(5):
        p.callInThread(done.append, i)
    p.coordinate()
    assert p.performers == [] and p._queue.qsize() == 5
    p.start()
    p.coordinate()
    assert len(p.performers) == 3  # capped at max
    ran = [True]
    while any(ran):
        ran = [perform() for perform in p.performers]
        p.coordinate()
    assert sorted(done) == [0, 1, 2, 3, 4]


def test_thread_pool_lets_go_of_the_call_before_on_result() -> None:
    import gc
    import weakref

    class Thing:
        pass

    p = _MemoryPool(0, 1)
    p.start()
    argument = Thing()
    ref = weakref.ref(argument)
    seen: list[object] = []
    p.callInThreadWithCallback(
        lambda ok, r: seen.append((ok, r, gc.collect(), ref())), id, argument
    )
    del argument
    p.coordinate()
    p.performers[0]()
    assert seen and seen[0][0] is True and seen[0][3] is None


def test_thread_pool_pickles_its_sizes() -> None:
    p = ThreadPool(3, 7, name="sizes")
    copy = pickle.loads(pickle.dumps(p))
    assert (copy.min, copy.max, copy.name, copy.started) == (3, 7, "sizes", False)
