"""spawnProcess with real child processes; getProcessOutput and friends in utils."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import pytest

from twistio.internet import error, process, utils
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.defer import Deferred
from twistio.internet.protocol import ProcessProtocol
from twistio.python.failure import Failure

PY = sys.executable
TIMEOUT = 5.0


async def wait(d: Any) -> Any:
    """Await a Deferred, bounded in time."""

    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


async def ended(p: Recorder) -> Any:
    """Wait for processEnded; its reason."""
    await wait(p.ended)
    return p.reason


def py(source: str) -> list[str]:
    return [PY, "-S", "-c", source]


class Recorder(ProcessProtocol):
    """Records callbacks; ``ended`` fires with the processEnded reason."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.data: dict[int, bytes] = {}
        self.ended: Deferred[None] = Deferred()
        self.reason: Failure | None = None
        self.exited: Failure | None = None

    def connectionMade(self) -> None:
        self.events.append("made")

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        self.data[childFD] = self.data.get(childFD, b"") + data
        super().childDataReceived(childFD, data)

    def childConnectionLost(self, childFD: int) -> None:
        self.events.append(("lost", childFD))
        super().childConnectionLost(childFD)

    def inConnectionLost(self) -> None:
        self.events.append("inLost")

    def processExited(self, reason: Failure) -> None:
        self.events.append("exited")
        self.exited = reason

    def processEnded(self, reason: Failure) -> None:
        self.events.append("ended")
        self.reason = reason
        self.ended.callback(None)


def open_fds() -> set[int]:
    return (
        {int(fd) for fd in os.listdir("/proc/self/fd")} if os.path.isdir("/proc/self/fd") else set()
    )


async def test_connection_made_before_spawn_returns(reactor: AsyncioReactor) -> None:
    seen: list[Any] = []

    class P(Recorder):
        def connectionMade(self) -> None:
            seen.append(self.transport.pid)
            super().connectionMade()

    p = P()
    t = process.spawnProcess(reactor, p, PY, py("pass"))
    assert seen == [t.pid] and isinstance(t.pid, int)
    assert t.status == -1 and p.transport is t
    assert repr(t) == f"<Process pid={t.pid} status=-1>"
    await ended(p)
    assert t.pid is None and t.status == 0
    assert repr(t) == "<Process pid=None status=0>"


async def test_exit_zero(reactor: AsyncioReactor) -> None:
    p = Recorder()
    process.spawnProcess(reactor, p, PY, py("print('hello')"))
    reason = await ended(p)
    assert reason.check(error.ProcessDone)
    assert (reason.value.exitCode, reason.value.signal, reason.value.status) == (0, None, 0)
    assert p.data == {1: b"hello\n"}
    assert p.events[0] == "made" and p.events[-1] == "ended"
    assert sorted(e for e in p.events if isinstance(e, tuple)) == [
        ("lost", 0),
        ("lost", 1),
        ("lost", 2),
    ]
    assert p.exited is not None and p.exited.check(error.ProcessDone)


async def test_exit_code(reactor: AsyncioReactor) -> None:
    p = Recorder()
    process.spawnProcess(reactor, p, PY, py("import sys; sys.stderr.write('bad'); sys.exit(3)"))
    reason = await ended(p)
    assert reason.check(error.ProcessTerminated)
    assert (reason.value.exitCode, reason.value.signal, reason.value.status) == (3, None, 3 << 8)
    assert p.data == {2: b"bad"}
    assert str(reason.value).endswith("process ended with exit code 3.")


@pytest.mark.parametrize(
    ("sig", "number"),
    [
        ("TERM", signal.SIGTERM),
        ("KILL", signal.SIGKILL),
        ("INT", signal.SIGINT),
        (signal.SIGHUP, signal.SIGHUP),
    ],
)
async def test_signal_process(reactor: AsyncioReactor, sig: Any, number: int) -> None:
    p = Recorder()
    t = process.spawnProcess(reactor, p, "/bin/sh", ["sh", "-c", "exec sleep 5"])
    t.signalProcess(sig)
    reason = await ended(p)
    assert reason.check(error.ProcessTerminated)
    assert (reason.value.exitCode, reason.value.signal, reason.value.status) == (
        None,
        number,
        number,
    )
    with pytest.raises(error.ProcessExitedAlready):
        t.signalProcess("TERM")


async def test_signal_unknown_name_goes_to_kill(reactor: AsyncioReactor) -> None:
    p = Recorder()
    t = process.spawnProcess(reactor, p, PY, py("import sys; sys.stdin.read()"))
    with pytest.raises(TypeError):
        t.signalProcess("FOO")
    t.closeStdin()
    await ended(p)


async def test_write_and_close_stdin(reactor: AsyncioReactor) -> None:
    p = Recorder()
    t = process.spawnProcess(
        reactor, p, PY, py("import sys; sys.stdout.write(sys.stdin.read().upper())")
    )
    t.write(b"abc")
    t.writeSequence([b"d", b"ef"])
    t.closeStdin()
    t.write(b"dropped")
    await ended(p)
    assert p.data[1] == b"ABCDEF"
    assert "inLost" in p.events


async def test_large_echo(reactor: AsyncioReactor) -> None:
    """More than a pipe buffer each way."""
    p = Recorder()
    t = process.spawnProcess(reactor, p, "/bin/cat", ["cat"])
    payload = os.urandom(1 << 20)
    t.write(payload)
    t.closeStdin()
    reason = await ended(p)
    assert reason.check(error.ProcessDone)
    assert p.data[1] == payload


async def test_close_stdout(reactor: AsyncioReactor) -> None:
    p = Recorder()
    t = process.spawnProcess(
        reactor, p, PY, py("import sys; sys.stdin.read(); print('x' * 100000)")
    )
    t.closeStdout()
    t.closeStdin()
    reason = await ended(p)
    assert 1 not in p.data
    assert reason.value.exitCode != 0  # the child's write failed: EPIPE


async def test_lose_connection(reactor: AsyncioReactor) -> None:
    p = Recorder()
    process.spawnProcess(reactor, p, PY, py("import sys; sys.stdin.read(); print('x')"))
    p.transport.loseConnection()
    await ended(p)
    assert p.data == {}
    assert sorted(e for e in p.events if isinstance(e, tuple)) == [
        ("lost", 0),
        ("lost", 1),
        ("lost", 2),
    ]


async def test_after_end_operations_are_harmless(reactor: AsyncioReactor) -> None:
    p = Recorder()
    t = process.spawnProcess(reactor, p, PY, py("pass"))
    await ended(p)
    t.write(b"x")
    t.closeStdin()
    t.closeStdout()
    t.loseConnection()


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, b"[]"), ({"TWISTIO_A": "1"}, b"['TWISTIO_A']"), (None, b"inherited")],
)
async def test_env(
    reactor: AsyncioReactor, monkeypatch: pytest.MonkeyPatch, env: Any, expected: bytes
) -> None:
    monkeypatch.setenv("TWISTIO_INHERITED", "inherited")
    source = (
        "import os; print(os.environ['TWISTIO_INHERITED'] if 'TWISTIO_INHERITED' in os.environ"
        " else sorted(k for k in os.environ if k != 'LC_CTYPE'))"
    )
    p = Recorder()
    process.spawnProcess(reactor, p, PY, py(source), env=env)
    await ended(p)
    assert p.data[1].strip() == expected


async def test_path_and_argv0(reactor: AsyncioReactor, tmp_path: Any) -> None:
    p = Recorder()
    process.spawnProcess(
        reactor,
        p,
        PY,
        ["name0", "-S", "-c", "import os, sys; print(os.getcwd(), sys.argv)", "a"],
        path=str(tmp_path),
    )
    await ended(p)
    assert p.data[1].decode().strip() == f"{tmp_path} ['-c', 'a']"


async def test_extra_child_fds(reactor: AsyncioReactor) -> None:
    """'r' and 'w' pipes beyond 0-2, and one of our fds placed at a child fd."""
    rfd, wfd = os.pipe()
    p = Recorder()
    source = (
        "import os; os.write(3, b'three'); data = os.read(4, 10); os.write(1, data);"
        " os.write(5, b'mine'); os.close(5)"
    )
    t = process.spawnProcess(
        reactor, p, PY, py(source), childFDs={0: "w", 1: "r", 2: "r", 3: "r", 4: "w", 5: wfd}
    )
    os.close(wfd)
    t.writeToChild(4, b"four")
    t.closeChildFD(4)
    reason = await ended(p)
    assert reason.check(error.ProcessDone), p.data
    assert p.data == {3: b"three", 1: b"four"}
    assert ("lost", 3) in p.events and ("lost", 4) in p.events
    assert os.read(rfd, 10) == b"mine"
    os.close(rfd)


async def test_unlisted_std_fd_is_closed_in_child(reactor: AsyncioReactor) -> None:
    p = Recorder()
    source = "import os\ntry:\n    os.fstat(0)\nexcept OSError:\n    os.write(1, b'closed')"
    process.spawnProcess(reactor, p, PY, py(source), childFDs={1: "r"})
    await ended(p)
    assert p.data == {1: b"closed"}
    assert [e for e in p.events if isinstance(e, tuple)] == [("lost", 1)]


async def test_missing_executable_raises_and_leaks_nothing(reactor: AsyncioReactor) -> None:
    before = open_fds()
    p = Recorder()
    with pytest.raises(FileNotFoundError):
        process.spawnProcess(reactor, p, "/nonexistent/program", ["program"])
    assert p.events == []
    assert open_fds() == before


async def test_bad_arguments(reactor: AsyncioReactor) -> None:
    with pytest.raises(TypeError):
        process.spawnProcess(reactor, Recorder(), PY, [PY, 3])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        process.spawnProcess(reactor, Recorder(), PY, [PY], usePTY=True, childFDs={0: "w"})


async def test_pty_process(reactor: AsyncioReactor) -> None:
    # The child sees a terminal on stdin/stdout/stderr; its echo and output arrive on fd 1.
    p = Recorder()
    source = (
        "import os, sys; print(os.isatty(0), os.isatty(1), os.isatty(2)); "
        "line = sys.stdin.readline(); print('got', line.strip()); "
        "sys.stderr.write('err\\n'); sys.stderr.flush(); sys.exit(3)"
    )
    t = process.spawnProcess(reactor, p, PY, py(source), env=None, usePTY=True)
    assert isinstance(t, process.PTYProcess) and isinstance(t.pid, int)
    t.write(b"typed\n")
    reason = await ended(p)
    assert reason.check(error.ProcessTerminated) and reason.value.exitCode == 3
    output = p.data[1].replace(b"\r\n", b"\n")
    assert b"True True True\n" in output and b"got typed\n" in output and b"err\n" in output
    assert set(p.data) == {1}
    assert p.events[0] == "made" and p.events[-2:] == ["exited", "ended"]
    assert not [e for e in p.events if isinstance(e, tuple)]  # no childConnectionLost


async def test_pty_process_on_a_given_terminal(reactor: AsyncioReactor) -> None:
    import pty

    master, slave = pty.openpty()
    name = os.ttyname(slave)
    p = Recorder()
    t = process.spawnProcess(
        reactor,
        p,
        PY,
        py("import os; print(os.ttyname(0))"),
        env=None,
        usePTY=(master, slave, name),
    )
    await ended(p)
    assert p.data[1].strip() == name.encode()
    assert t.pid is None


async def test_callback_errors_are_logged(
    reactor: AsyncioReactor, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Recorder):
        def outReceived(self, data: bytes) -> None:
            raise ZeroDivisionError()

        def processExited(self, reason: Failure) -> None:
            raise ValueError()

    p = Broken()
    with caplog.at_level(logging.ERROR, logger="twistio"):
        process.spawnProcess(reactor, p, PY, py("print(1)"))
        await ended(p)
    text = caplog.text
    assert "ZeroDivisionError" in text and "ValueError" in text


async def test_push_producer_on_stdin(reactor: AsyncioReactor) -> None:
    class Producer:
        def __init__(self) -> None:
            self.paused = 0
            self.resumed = 0
            self.pausedOnce: Deferred[None] = Deferred()

        def pauseProducing(self) -> None:
            self.paused += 1
            if self.paused == 1:
                self.pausedOnce.callback(None)

        def resumeProducing(self) -> None:
            self.resumed += 1

        def stopProducing(self) -> None:
            pass

    p = Recorder()
    t = process.spawnProcess(reactor, p, PY, py("import sys, time; sys.stdin.buffer.read()"))
    producer = Producer()
    t.registerProducer(producer, True)
    with pytest.raises(RuntimeError):
        t.registerProducer(producer, True)
    t.write(b"x" * (4 << 20))
    await wait(producer.pausedOnce)
    t.unregisterProducer()
    t.closeStdin()
    await ended(p)


# -- utils -------------------------------------------------------------------------------------


async def test_get_process_output(reactor: AsyncioReactor) -> None:
    out = await wait(utils.getProcessOutput(PY, ["-S", "-c", "print('out')"], reactor=reactor))
    assert out == b"out\n"


async def test_get_process_output_whatever_the_exit(reactor: AsyncioReactor) -> None:
    source = "import os, sys; sys.stdout.write('o'); sys.stdout.flush(); os.kill(os.getpid(), 9)"
    assert await wait(utils.getProcessOutput(PY, ["-S", "-c", source], reactor=reactor)) == b"o"
    source = "import sys; sys.stdout.write('o'); sys.exit(2)"
    assert await wait(utils.getProcessOutput(PY, ["-S", "-c", source], reactor=reactor)) == b"o"


async def test_get_process_output_stderr_is_an_error(reactor: AsyncioReactor) -> None:
    source = "import sys; sys.stderr.write('e'); sys.stderr.flush(); sys.stdout.write('o')"
    d = utils.getProcessOutput(PY, ["-S", "-c", source], reactor=reactor)
    with pytest.raises(IOError) as info:
        await wait(d)
    assert str(info.value) == "got stderr: b'e'"
    ended = info.value.processEnded  # type: ignore[attr-defined]
    with pytest.raises(error.ProcessDone):
        await wait(ended)


async def test_get_process_output_errortoo(reactor: AsyncioReactor) -> None:
    source = (
        "import sys; sys.stdout.write('o'); sys.stdout.flush(); sys.stderr.write('e'); sys.exit(2)"
    )
    out = await wait(
        utils.getProcessOutput(PY, ["-S", "-c", source], reactor=reactor, errortoo=True)
    )
    assert out == b"oe"


async def test_get_process_output_env_and_path(reactor: AsyncioReactor, tmp_path: Any) -> None:
    source = "import os; print(os.getcwd(), os.environ.get('TWISTIO_A'))"
    out = await wait(
        utils.getProcessOutput(
            PY, ["-S", "-c", source], env={"TWISTIO_A": "b"}, path=str(tmp_path), reactor=reactor
        )
    )
    assert out.decode().split() == [str(tmp_path), "b"]
    source = "import os; print(os.environ.get('PATH'))"
    assert (
        await wait(utils.getProcessOutput(PY, ["-S", "-c", source], reactor=reactor)) == b"None\n"
    )


async def test_get_process_value(reactor: AsyncioReactor) -> None:
    assert (
        await wait(utils.getProcessValue(PY, ["-S", "-c", "raise SystemExit(7)"], reactor=reactor))
        == 7
    )
    source = "import os; os.kill(os.getpid(), 9)"
    assert await wait(utils.getProcessValue(PY, ["-S", "-c", source], reactor=reactor)) is None


async def test_get_process_output_and_value(reactor: AsyncioReactor) -> None:
    source = "import sys; sys.stdout.write('o'); sys.stderr.write('e'); sys.exit(2)"
    got = await wait(utils.getProcessOutputAndValue(PY, ["-S", "-c", source], reactor=reactor))
    assert got == (b"o", b"e", 2)


async def test_get_process_output_and_value_stdin(reactor: AsyncioReactor) -> None:
    source = "import sys; sys.stdout.write(sys.stdin.read().upper())"
    got = await wait(
        utils.getProcessOutputAndValue(
            PY, ["-S", "-c", source], reactor=reactor, stdinBytes=b"fed in"
        )
    )
    assert got == (b"FED IN", b"", 0)


async def test_get_process_output_and_value_signal(reactor: AsyncioReactor) -> None:
    source = "import os, sys; sys.stdout.write('o'); sys.stdout.flush(); os.kill(os.getpid(), 9)"
    d = utils.getProcessOutputAndValue(PY, ["-S", "-c", source], reactor=reactor)
    failures: list[Failure] = []
    await wait(d.addErrback(failures.append))
    (failure,) = failures
    assert failure.value == (b"o", b"", 9)


async def test_utils_missing_executable_raises(reactor: AsyncioReactor) -> None:
    for f in (utils.getProcessOutput, utils.getProcessValue, utils.getProcessOutputAndValue):
        with pytest.raises(FileNotFoundError):
            f("/nonexistent/program", reactor=reactor)  # type: ignore[operator]


# -- other loops, and the classic reactor.run() ------------------------------------------------


def test_classic_run_on_each_loop(loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> None:
    """Spawned before run(), on asyncio, uvloop and a loop without add_reader."""
    loop = loop_factory()
    reactor = AsyncioReactor(loop)
    p = Recorder()
    results: list[Any] = []
    t = process.spawnProcess(reactor, p, "/bin/cat", ["cat"])
    t.write(b"hello")
    t.closeStdin()
    p.ended.addCallback(lambda _: results.append(p.reason)).addBoth(lambda _: reactor.stop())
    reactor.callLater(TIMEOUT, reactor.stop)
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        loop.close()
    assert results and results[0].check(error.ProcessDone)
    assert p.data == {1: b"hello"}


# -- examples/process_runner.py ----------------------------------------------------------------


def test_process_runner_example() -> None:
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    command = "echo hi; echo oops >&2; exit 3"
    done = subprocess.run(
        [PY, str(root / "examples" / "process_runner.py"), "sh", "-c", command],
        capture_output=True,
        env=env,
        timeout=10,
    )
    lines = done.stdout.decode().splitlines()
    assert lines[0].startswith("started pid ")
    assert lines[1:] == ["hi", "exited with code 3"]
    assert done.stderr == b"oops\n"
    assert done.returncode == 3
    done = subprocess.run(
        [PY, str(root / "examples" / "process_runner.py"), "sh", "-c", "kill -TERM $$"],
        capture_output=True,
        env=env,
        timeout=10,
    )
    assert done.stdout.decode().splitlines()[-1] == "killed by signal 15"
    assert done.returncode == 128 + 15


def test_process_address_is_twisteds_private_name_in_address() -> None:
    from twistio.internet.address import _ProcessAddress
    from twistio.internet.interfaces import IAddress
    from twistio.internet.process import ProcessAddress

    assert ProcessAddress is _ProcessAddress
    a = _ProcessAddress()
    assert IAddress.providedBy(a)
    assert repr(a) == "_ProcessAddress()"
    assert a != _ProcessAddress()  # compared by identity, as Twisted's are


async def test_registered_for_reaping_while_running_and_processended_error_logged(
    reactor: AsyncioReactor,
) -> None:
    # As Twisted: a running child is in reapProcessHandlers until it is reaped, and an
    # error from processEnded goes to Twisted's log.
    from twistio.python import log

    logged: list[dict[str, Any]] = []
    log.addObserver(logged.append)

    class Raising(Recorder):
        def processEnded(self, reason: Failure) -> None:
            super().processEnded(reason)
            raise RuntimeError("deliberate")

    try:
        p = Raising()
        t = process.spawnProcess(reactor, p, PY, py("import sys; sys.stdin.read()"))
        pid = t.pid
        assert process.reapProcessHandlers[pid] is t
        t.loseConnection()  # stdin closed: the child ends
        await ended(p)
        assert pid not in process.reapProcessHandlers
        errors = [e["failure"].type for e in logged if e.get("isError")]
        assert errors == [RuntimeError]
        t.reapProcess()  # nothing left to reap: nothing happens
    finally:
        log.removeObserver(logged.append)


async def test_write_to_a_descriptor_never_set_up_is_a_key_error(
    reactor: AsyncioReactor,
) -> None:
    p = Recorder()
    t = process.spawnProcess(reactor, p, PY, py("import sys; sys.stdin.read()"))
    with pytest.raises(KeyError):
        t.writeToChild(13, b"x")
    t.closeStdin()
    t.writeToChild(0, b"dropped")  # set up, now closed: dropped
    await ended(p)


async def test_process_pauses_and_resumes_reading_its_output(reactor: AsyncioReactor) -> None:
    # As Twisted's process transport, a push producer of what the child writes.
    exited: Deferred[None] = Deferred()

    class Paused(Recorder):
        def processExited(self, reason: Failure) -> None:
            super().processExited(reason)
            exited.callback(None)

    p = Paused()
    t = process.spawnProcess(reactor, p, PY, py("print('out')"))
    t.pauseProducing()  # before the pipes are connected: applied once they are
    await wait(exited)  # the child has written and gone; its output waits in the pipe
    assert not p.data.get(1)
    t.resumeProducing()
    await ended(p)
    assert p.data[1].strip() == b"out"


def _logged_errors(call: Callable[[], object]) -> list[Failure]:
    from twistio.python import log

    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:
        call()
    finally:
        log.removeObserver(events.append)
    return [e["failure"] for e in events if e.get("isError") and e.get("failure") is not None]


def test_reaping_something_that_is_no_pid_is_logged() -> None:
    try:
        os.waitpid(None, 0)  # type: ignore[arg-type]
    except TypeError as e:
        expected = str(e)
    errors = _logged_errors(lambda: process.registerReapProcessHandler(None, None))  # type: ignore[arg-type]
    assert [(f.type, str(f.value)) for f in errors] == [(TypeError, expected)]
    assert None not in process.reapProcessHandlers
    errors = _logged_errors(process._BaseProcess(None).reapProcess)
    assert [(f.type, str(f.value)) for f in errors] == [(TypeError, expected)]


@pytest.mark.skipif(not hasattr(os, "waitid"), reason="needs os.waitid")
def test_base_process_reaps_its_exited_child() -> None:
    ended: list[Failure] = []

    class Proto(ProcessProtocol):
        def processEnded(self, reason: Failure) -> None:
            ended.append(reason)

    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os._exit(3)
    proc = process._BaseProcess(Proto())
    proc.pid = child
    os.waitid(os.P_PID, child, os.WEXITED | os.WNOWAIT)  # exited, not reaped yet
    proc.reapProcess()
    assert proc.pid is None and ended[0].check(error.ProcessTerminated)
    assert ended[0].value.exitCode == 3
    assert isinstance(proc, process.Process) is False and issubclass(process.Process, process._BaseProcess)
