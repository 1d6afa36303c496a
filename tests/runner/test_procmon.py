"""twistio.runner.procmon: the back-off, stopping, logging, and a real child kept running."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

from twistio.internet import error
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.task import Clock
from twistio.logger import globalLogPublisher
from twistio.python.failure import Failure
from twistio.runner import procmontap
from twistio.runner.procmon import LoggingProtocol, ProcessMonitor


class FakeChild:
    def __init__(self, reactor: FakeReactor) -> None:
        self.reactor = reactor
        self.signals: list[str] = []

    def signalProcess(self, name: str) -> None:
        if self.reactor.exited:
            raise error.ProcessExitedAlready()
        self.signals.append(name)


class FakeReactor(Clock):
    """A clock that records spawnProcess calls instead of starting anything."""

    def __init__(self) -> None:
        super().__init__()
        self.spawned: list[tuple[Any, ...]] = []
        self.exited = False
        self.refuse: BaseException | None = None

    def spawnProcess(self, proto: Any, exe: str, args: Any, **kw: Any) -> FakeChild:
        if self.refuse is not None:
            raise self.refuse
        self.spawned.append((exe, list(args), kw))
        child = FakeChild(self)
        proto.makeConnection(child)
        return child


def end(monitor: ProcessMonitor, name: str) -> None:
    monitor.protocols[name].processEnded(Failure(error.ProcessDone(0)))


@pytest.fixture
def events() -> Any:
    seen: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(seen.append)
    yield seen
    globalLogPublisher.removeObserver(seen.append)


def test_spawns_with_the_given_settings_once_running() -> None:
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.addProcess("a", ["/bin/a", "-x"], uid=1, gid=2, env={"K": "v"}, cwd="/tmp")
    assert r.spawned == []
    pm.startService()
    assert r.spawned == [
        ("/bin/a", ["/bin/a", "-x"], {"uid": 1, "gid": 2, "env": {"K": "v"}, "path": "/tmp"})
    ]
    pm.addProcess("b", ["/bin/b"])  # added while running: started at once
    assert len(r.spawned) == 2
    pm.startProcess("b")  # already running: nothing
    assert len(r.spawned) == 2
    with pytest.raises(KeyError):
        pm.addProcess("b", ["/bin/other"])


def test_early_deaths_back_off_doubling_up_to_the_maximum() -> None:
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.maxRestartDelay = 5
    pm.addProcess("a", ["/bin/a"])
    pm.startService()
    waits = []
    for _ in range(5):
        end(pm, "a")
        call = pm.restart["a"]
        waits.append(call.getTime() - r.seconds())
        r.advance(call.getTime() - r.seconds())
    assert waits == [1, 2, 4, 5, 5]
    assert len(r.spawned) == 6
    # A run of at least `threshold` seconds is not a crash: restarted at once, back-off reset.
    r.advance(pm.threshold)
    end(pm, "a")
    assert pm.restart["a"].getTime() == r.seconds() and pm.delay["a"] == pm.minRestartDelay


def test_stop_terms_then_kills_after_killtime() -> None:
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.addProcess("a", ["/bin/a"])
    pm.startService()
    child = pm.protocols["a"].transport
    pm.stopProcess("a")
    assert child.signals == ["TERM"]  # type: ignore[union-attr]
    r.advance(pm.killTime - 0.1)
    assert child.signals == ["TERM"]  # type: ignore[union-attr]
    r.advance(0.1)
    assert child.signals == ["TERM", "KILL"]  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        pm.stopProcess("unknown")


def test_a_child_ending_in_time_is_not_killed() -> None:
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.addProcess("a", ["/bin/a"])
    pm.startService()
    child = pm.protocols["a"].transport
    pm.stopProcess("a")
    end(pm, "a")
    r.advance(pm.killTime)
    assert child.signals == ["TERM"]  # type: ignore[union-attr]
    assert pm.murder == {}


def test_stop_service_stops_children_and_pending_restarts() -> None:
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.addProcess("a", ["/bin/a"])
    pm.addProcess("b", ["/bin/b"])
    pm.startService()
    end(pm, "a")  # a restart of "a" is pending
    b = pm.protocols["b"].transport
    pm.stopService()
    assert b.signals == ["TERM"]  # type: ignore[union-attr]
    end(pm, "b")
    r.advance(10)
    assert len(r.spawned) == 2 and pm.protocols == {}


def test_removed_process_is_not_restarted() -> None:
    """Twisted would still fire a restart pending for a removed name (a KeyError); twistio
    cancels it."""
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.addProcess("a", ["/bin/a"])
    pm.startService()
    end(pm, "a")
    pm.removeProcess("a")
    r.advance(10)
    assert len(r.spawned) == 1
    with pytest.raises(KeyError):
        pm.removeProcess("a")


def test_restart_all_and_an_exited_child() -> None:
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.addProcess("a", ["/bin/a"])
    pm.startService()
    r.exited = True
    pm.restartAll()  # the child is gone already: nothing to kill later
    assert pm.murder == {}


def test_output_lines_are_logged_with_their_stream(events: list[dict[str, Any]]) -> None:
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.addProcess("web", ["/bin/web"])
    pm.startService()
    child: LoggingProtocol = pm.protocols["web"]
    child.outReceived(b"one\ntw")
    child.outReceived(b"o\n\xff\xfe\n")
    child.errReceived(b"caf\xc3\xa9\nlast words")
    end(pm, "web")
    got = [(e["tag"], e["stream"], e["line"]) for e in events if "stream" in e]
    assert got == [
        ("web", "stdout", "one"),
        ("web", "stdout", "two"),
        ("web", "stdout", repr(b"\xff\xfe")),
        ("web", "stderr", "café"),
        ("web", "stdout", ""),
        ("web", "stderr", "last words"),
    ]


def test_a_refused_spawn_is_logged_and_retried(events: list[dict[str, Any]]) -> None:
    r = FakeReactor()
    pm = ProcessMonitor(reactor=r)
    pm.addProcess("a", ["/bin/a"])
    r.refuse = OSError(11, "Resource temporarily unavailable")
    pm.startService()
    assert [e["log_failure"].value for e in events if "log_failure" in e] == [r.refuse]
    assert pm.protocols == {} and pm.restart["a"].active()
    r.refuse = None
    r.advance(1)
    assert len(r.spawned) == 1
    r.refuse = SystemError("a bug, not the system")
    end(pm, "a")
    with pytest.raises(SystemError):
        r.advance(2)


def test_repr_names_each_process() -> None:
    pm = ProcessMonitor(reactor=FakeReactor())
    pm.addProcess("a", ["x"], uid=0, gid=0)
    pm.addProcess("b", ["y"], gid=5)
    pm.addProcess("c", ["z"])
    assert repr(pm) == "<ProcessMonitor 'a'(0:0): ['x'] 'b'(:5): ['y'] 'c': ['z']>"


def test_procmontap_options() -> None:
    options = procmontap.Options()
    options.parseOptions(["-t", "2", "--killtime", "3", "-m", "0.5", "-M", "9", "sleep", "10"])
    pm = procmontap.makeService(options)
    assert (pm.threshold, pm.killTime, pm.minRestartDelay, pm.maxRestartDelay) == (2, 3, 0.5, 9)
    assert repr(pm) == "<ProcessMonitor 'sleep 10': ('sleep', '10')>"
    from twistio.python.usage import UsageError

    with pytest.raises(UsageError):
        procmontap.Options().parseOptions([])


async def test_a_real_child_is_kept_running(events: list[dict[str, Any]]) -> None:
    reactor = AsyncioReactor()
    pm = ProcessMonitor(reactor=reactor)
    pm.threshold = 0
    pm.addProcess(
        "echo", [sys.executable, "-S", "-c", "print('hello'); import sys; sys.exit(3)"], env=None
    )  # type: ignore[arg-type]
    pm.startService()
    try:
        deadline = asyncio.get_running_loop().time() + 30  # two runs, one restart delay: slow only under load
        while sum(1 for e in events if e.get("line") == "hello") < 2:
            assert asyncio.get_running_loop().time() < deadline, events
            await asyncio.sleep(0.02)
    finally:
        pm.stopService()
        for name in list(pm.protocols):
            pm.protocols[name].transport.signalProcess("KILL")  # type: ignore[union-attr]
