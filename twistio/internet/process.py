"""Child processes: ``spawnProcess`` and the process transport it gives a ``ProcessProtocol``.

Call order on the protocol: ``makeConnection(transport)`` (so ``connectionMade``) before
``spawnProcess`` returns; then ``childDataReceived`` (``outReceived``/``errReceived``) and
``childConnectionLost`` (``inConnectionLost``/``outConnectionLost``/``errConnectionLost``)
as the pipes carry data and close; ``processExited(reason)`` once the child is reaped;
``processEnded(reason)`` last, once it is reaped *and* every pipe is closed. ``reason`` wraps
``ProcessDone`` (exit code 0) or ``ProcessTerminated`` (``exitCode``, ``signal`` and the raw
wait ``status``), as in Twisted.

Unlike Twisted's, and unlike ``loop.subprocess_exec`` underneath most asyncio code, this
forks with ``subprocess.Popen`` synchronously (so ``transport.pid`` is known when
``spawnProcess`` returns and a missing executable raises there, as in Twisted), then hands
the pipes to asyncio's own ``connect_read_pipe``/``connect_write_pipe``. The child is awaited
by one daemon thread per child blocked in ``waitid(..., WNOWAIT)``, which only *looks*; the
loop thread reaps, so a pid is never reused while the transport still holds it. This needs no
asyncio child watcher, so it works on any loop (uvloop included) in any thread. Limits:
``usePTY`` is not supported (``NotImplementedError``); child fds above 2 are set up by a
``preexec_fn`` (Python code in the forked child), as Popen offers nothing else for them.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal as _signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Protocol, TypeVar, Union, cast

from twistio.internet import error
from twistio.internet._baseprocess import BaseProcess
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.address import _ProcessAddress
from twistio.internet.interfaces import (
    IConsumer,
    IProcessProtocol,
    IProcessTransport,
    IPullProducer,
    IPushProducer,
    implementer,
)
from twistio.python import log as _python_log
from twistio.python.failure import Failure

__all__ = [
    "PTYProcess",
    "Process",
    "reapAllProcesses",
    "reapProcessHandlers",
    "registerReapProcessHandler",
    "spawnProcess",
    "unregisterReapProcessHandler",
]

_log = logging.getLogger("twistio")

_ChildFDs = Mapping[int, Union[str, int]]
_StrOrBytes = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
#: The child's environment; names and values are str or bytes, as ``os.environ(b)``'s.
_Env = Mapping[Union[str, bytes], Union[str, bytes]]
#: ``usePTY``: true for a new terminal, or ``(masterfd, slavefd, ttyname)`` of an open one.
_UsePTY = Union[bool, int, tuple[int, int, str]]


#: One of the parent's pipe ends, by child fd: waiting to connect, or its asyncio transport.
_PipeEnd = Union["_Pending", asyncio.ReadTransport, asyncio.WriteTransport, "_TerminalWriter"]


class _Writable(Protocol):
    def write(self, data: bytes) -> None: ...


class _Reapable(Protocol):
    """What ``registerReapProcessHandler`` asks of a process: reap it, or tell it it ended."""

    def reapProcess(self) -> None: ...

    def processEnded(self, status: int) -> None: ...


#: Signal names ``signalProcess`` maps itself; any other value goes to ``os.kill`` as is.
_SIGNAL_NAMES = ("HUP", "STOP", "INT", "KILL", "TERM")


#: The address of each end of a process transport (Twisted's ``_ProcessAddress``).
ProcessAddress = _ProcessAddress


class _ReadPipe(asyncio.Protocol):
    """asyncio side of a pipe the parent reads (child fd opened for writing)."""

    def __init__(self, process: Process, childFD: int) -> None:
        self._process = process
        self._childFD = childFD

    def data_received(self, data: bytes) -> None:
        self._process._child_data(self._childFD, data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._process._pipe_lost(self._childFD)


class _WritePipe(asyncio.BaseProtocol):
    """asyncio side of a pipe the parent writes (child fd opened for reading)."""

    def __init__(self, process: Process, childFD: int) -> None:
        self._process = process
        self._childFD = childFD

    def connection_lost(self, exc: Exception | None) -> None:
        self._process._pipe_lost(self._childFD)

    def pause_writing(self) -> None:
        self._process._pause_producer(self._childFD)

    def resume_writing(self) -> None:
        self._process._resume_producer(self._childFD)


class _Pending:
    """A pipe whose asyncio transport is not connected yet: writes and a close wait here."""

    __slots__ = ("closing", "data")

    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.closing = False


@implementer(IProcessTransport, IConsumer)
class _BaseProcess(BaseProcess):
    """A child process of this one: it can be signalled, and reaped once it exits (its
    end then goes to ``processEnded``, as ``BaseProcess`` tells it to the protocol)."""

    def _getReason(self, status: int) -> BaseException:
        return _reason(status)

    def signalProcess(self, signalID: str | int) -> None:
        """Send a signal: ``'TERM'``, ``'KILL'``, ``'INT'``, ``'HUP'``, ``'STOP'`` or a number.

        ``ProcessExitedAlready`` once the child has been reaped.
        """
        sig = signalID
        if signalID in _SIGNAL_NAMES:
            sig = int(getattr(_signal, f"SIG{signalID}"))
        if self.pid is None:
            raise error.ProcessExitedAlready()
        try:
            os.kill(self.pid, sig)  # type: ignore[arg-type]  # another name: TypeError, as before
        except ProcessLookupError:
            raise error.ProcessExitedAlready()

    def reapProcess(self) -> None:
        """Reap the child if it has exited, without waiting. A child some other code reaped
        already ends with an unknown status (255); any other failure (no pid) is logged."""
        pid = self.pid
        try:
            done, status = os.waitpid(pid, os.WNOHANG)  # type: ignore[arg-type]
        except ChildProcessError:
            done, status = 1, 255 << 8
        except BaseException:
            _python_log.err(None, f"Failed to reap {pid}:")
            return
        if done:
            self._reaped(status)

    def _reaped(self, status: int) -> None:
        """The child exited with wait status ``status``."""
        self.processEnded(status)


class Process(_BaseProcess):
    """The transport of a child process (Twisted's ``IProcessTransport``).

    ``pid`` is the child's process id, ``None`` once it has been reaped; ``status`` is the
    raw wait status, ``-1`` until then.
    """

    def __init__(
        self,
        reactor: ITwistioReactor,
        loop: asyncio.AbstractEventLoop,
        proto: IProcessProtocol,
        executable: _StrOrBytes,
        args: Sequence[_StrOrBytes],
        env: _Env | None,
        path: _StrOrBytes | None,
        uid: int | None,
        gid: int | None,
        childFDs: _ChildFDs,
    ) -> None:
        self.reactor = reactor
        self._loop = loop
        self.proto: IProcessProtocol = proto
        self.pid: int | None = None
        self.status: int = -1
        self.lostProcess = 0
        # child fd -> asyncio transport (or _Pending until it is connected)
        self.pipes: dict[int, _PipeEnd] = {}
        self._producer: IPushProducer | IPullProducer | None = None
        self._streaming = False
        self._ended = False

        popen, parent_ends = self._fork(executable, args, env, path, uid, gid, childFDs)
        self._popen = popen
        self.pid = popen.pid
        self._kinds = {childFD: kind for childFD, (kind, _) in parent_ends.items()}
        for childFD, (kind, pipe) in parent_ends.items():
            self.pipes[childFD] = _Pending()
            loop.create_task(self._connect(childFD, kind, pipe))
        # Registered for reaping while it runs, as Twisted's processes are.
        reapProcessHandlers[popen.pid] = self
        _start_waiter(loop, popen.pid, self._reap)
        proto.makeConnection(self)

    # -- starting ------------------------------------------------------------------------------

    @staticmethod
    def _fork(
        executable: _StrOrBytes,
        args: Sequence[_StrOrBytes],
        env: _Env | None,
        path: _StrOrBytes | None,
        uid: int | None,
        gid: int | None,
        childFDs: _ChildFDs,
    ) -> tuple[subprocess.Popen[bytes], dict[int, tuple[str, IO[bytes]]]]:
        std: dict[int, int | None] = {0: None, 1: None, 2: None}
        parent_ends: dict[int, tuple[str, IO[bytes]]] = {}
        child_ends: list[int] = []  # pipe ends to close in the parent after the fork
        extra: dict[int, int] = {}  # child fd > 2 -> parent fd to place there
        to_close = [fd for fd in (0, 1, 2) if fd not in childFDs]
        keep = [fd for fd in (0, 1, 2) if fd in childFDs]
        try:
            for childFD, what in childFDs.items():
                if what == "r" or what == "w":
                    if childFD in std:
                        std[childFD] = subprocess.PIPE
                        continue
                    rfd, wfd = os.pipe()
                    if what == "r":
                        parent_ends[childFD] = ("r", open(rfd, "rb", buffering=0))  # noqa: SIM115
                        child_ends.append(wfd)
                        extra[childFD] = wfd
                    else:
                        parent_ends[childFD] = ("w", open(wfd, "wb", buffering=0))  # noqa: SIM115
                        child_ends.append(rfd)
                        extra[childFD] = rfd
                elif isinstance(what, int):
                    if childFD in std:
                        std[childFD] = what
                    else:
                        extra[childFD] = what
                else:
                    raise ValueError(f"childFDs values must be 'r', 'w' or an int, not {what!r}")
            preexec: Callable[[], None] | None = None
            pass_fds: tuple[int, ...] = ()
            if extra or to_close:
                preexec = _make_preexec(extra, keep)
                pass_fds = tuple(extra)
            preexec = _with_default_signals(preexec)
            popen: subprocess.Popen[bytes] = subprocess.Popen(
                list(args),
                executable=executable,
                stdin=std[0],
                stdout=std[1],
                stderr=std[2],
                env=cast("Mapping[str, str] | None", env),  # str or bytes, as Popen takes them
                cwd=path,
                user=uid,
                group=gid,
                preexec_fn=preexec,
                pass_fds=pass_fds,
                close_fds=True,
            )
        except BaseException:
            for _, end in parent_ends.values():
                end.close()
            for fd in child_ends:
                os.close(fd)
            raise
        for fd in child_ends:
            os.close(fd)
        for childFD, stream in ((0, popen.stdin), (1, popen.stdout), (2, popen.stderr)):
            if stream is not None:
                parent_ends[childFD] = ("w" if childFD == 0 else "r", stream)
        return popen, parent_ends

    async def _connect(self, childFD: int, kind: str, pipe: IO[bytes]) -> None:
        pending = self.pipes.get(childFD)
        if not isinstance(pending, _Pending):
            pipe.close()
            return
        if pending.closing and (kind == "r" or not pending.data):
            pipe.close()  # closed before it was connected
            self._pipe_lost(childFD)
            return
        try:
            if kind == "r":
                transport: asyncio.BaseTransport
                transport, _ = await self._loop.connect_read_pipe(
                    lambda: _ReadPipe(self, childFD), pipe
                )
            else:
                transport, _ = await self._loop.connect_write_pipe(
                    lambda: _WritePipe(self, childFD), pipe
                )
        except BaseException:
            pipe.close()
            self._pipe_lost(childFD)
            raise
        self.pipes[childFD] = cast(_PipeEnd, transport)
        if kind == "r" and self._reading_paused:
            cast(asyncio.ReadTransport, transport).pause_reading()
        if pending.data:  # only a pipe we write to has data waiting
            cast(asyncio.WriteTransport, transport).write(b"".join(pending.data))
        if pending.closing:
            transport.close()

    # -- the process as a push producer of its output (as Twisted's) ---------------------------

    _reading_paused = False

    def _read_pipes(self) -> list[asyncio.ReadTransport]:
        return [
            cast(asyncio.ReadTransport, pipe)
            for fd, pipe in self.pipes.items()
            if self._kinds.get(fd) == "r" and not isinstance(pipe, _Pending)
        ]

    def pauseProducing(self) -> None:
        """Stop reading what the child writes, until ``resumeProducing``."""
        self._reading_paused = True
        for pipe in self._read_pipes():
            pipe.pause_reading()

    def resumeProducing(self) -> None:
        """Read what the child writes again."""
        self._reading_paused = False
        for pipe in self._read_pipes():
            pipe.resume_reading()

    # -- pipes ---------------------------------------------------------------------------------

    def _child_data(self, childFD: int, data: bytes) -> None:
        try:
            self.proto.childDataReceived(childFD, data)
        except Exception:
            _log.exception("Unhandled error in %s.childDataReceived", type(self.proto).__name__)

    def _pipe_lost(self, childFD: int) -> None:
        if self.pipes.pop(childFD, None) is None:
            return
        try:
            self.proto.childConnectionLost(childFD)
        except Exception:
            _log.exception("Unhandled error in %s.childConnectionLost", type(self.proto).__name__)
        self._maybe_ended()

    def writeToChild(self, childFD: int, data: bytes) -> None:
        """Write ``data`` to the child's ``childFD`` (one opened with ``'w'``).

        ``KeyError`` for a descriptor ``spawnProcess`` did not set up, as in Twisted; once
        the pipe is closed, ``data`` is dropped.
        """
        pipe = self.pipes.get(childFD)
        if pipe is None:
            if childFD not in self._kinds:
                raise KeyError(childFD)
            return
        if isinstance(pipe, _Pending):
            if not pipe.closing:
                pipe.data.append(data)
            return
        if not pipe.is_closing():
            cast(_Writable, pipe).write(data)  # a pipe opened with 'w'

    def write(self, data: bytes) -> None:
        """Write ``data`` to the child's stdin (dropped once stdin is closed)."""
        self.writeToChild(0, data)

    def writeSequence(self, seq: Iterable[bytes]) -> None:
        """Write each of ``seq`` to the child's stdin."""
        self.writeToChild(0, b"".join(seq))

    def closeChildFD(self, childFD: int) -> None:
        """Close our end of the pipe to ``childFD`` (writes are flushed first)."""
        pipe = self.pipes.get(childFD)
        if pipe is None:
            return
        if isinstance(pipe, _Pending):
            pipe.closing = True
        elif not pipe.is_closing():
            pipe.close()

    def closeStdin(self) -> None:
        """Close the child's stdin once what was written is flushed."""
        self.closeChildFD(0)

    def closeStdout(self) -> None:
        """Stop reading the child's stdout and close our end."""
        self.closeChildFD(1)

    def closeStderr(self) -> None:
        """Stop reading the child's stderr and close our end."""
        self.closeChildFD(2)

    def loseConnection(self) -> None:
        """Close stdin, stderr and stdout (the child is not signalled)."""
        self.closeChildFD(0)
        self.closeChildFD(2)
        self.closeChildFD(1)

    def getHost(self) -> ProcessAddress:
        """A placeholder address (a process has none)."""
        return ProcessAddress()

    def getPeer(self) -> ProcessAddress:
        """A placeholder address (a process has none)."""
        return ProcessAddress()

    # -- producer on stdin ---------------------------------------------------------------------

    def registerProducer(self, producer: IPushProducer | IPullProducer, streaming: bool) -> None:
        """Register a producer feeding the child's stdin; a push producer is paused while
        the pipe's buffer is full."""
        if self._producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}, because producer "
                f"{self._producer!r} was never unregistered."
            )
        self._producer = producer
        self._streaming = streaming
        if not streaming:
            producer.resumeProducing()

    def unregisterProducer(self) -> None:
        """Forget the producer."""
        self._producer = None

    def _pause_producer(self, childFD: int) -> None:
        if childFD == 0 and self._producer is not None and self._streaming:
            cast(IPushProducer, self._producer).pauseProducing()

    def _resume_producer(self, childFD: int) -> None:
        if childFD == 0 and self._producer is not None:
            self._producer.resumeProducing()

    # -- the child -----------------------------------------------------------------------------

    def reapProcess(self) -> None:
        """Reap the child if it has exited (without waiting); ``reapAllProcesses`` calls it."""
        if self.pid is not None:
            super().reapProcess()

    def _reaped(self, status: int) -> None:
        self._reap(status)

    def _reap(self, status: int | None) -> None:
        pid = self.pid
        if pid is None:
            return
        if reapProcessHandlers.get(pid) is self:
            del reapProcessHandlers[pid]
        if status is None:  # waitid only looked: reap now, on the loop thread
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                # Someone else (a waitpid(-1) child watcher) reaped it: status unknown.
                status = 255 << 8
        self.status = status
        self.pid = None
        self.lostProcess += 1
        self._popen.returncode = os.waitstatus_to_exitcode(status)
        self._callProcessExited(_reason(status))
        # The child is gone: close what we write to it (its reading ends are closed too).
        for childFD in [fd for fd, kind in self._kinds.items() if kind == "w"]:
            self.closeChildFD(childFD)
        self._maybe_ended()

    def _maybe_ended(self) -> None:
        if self._ended or self.pid is not None or self.pipes or not self.lostProcess:
            return
        self._ended = True
        try:
            self.proto.processEnded(Failure(_reason(self.status)))
        except Exception:
            # On Twisted's log, as Twisted does.
            _python_log.err(None, f"Unhandled error in {type(self.proto).__name__}.processEnded")

    def __repr__(self) -> str:
        return f"<Process pid={self.pid} status={self.status}>"


class PTYProcess(Process):
    """A child process on a pseudo-terminal (``spawnProcess(..., usePTY=True)``).

    The child's stdin, stdout and stderr are the terminal; what it writes (the terminal's
    echo included) arrives as ``childDataReceived(1, data)``, and ``write`` types into it.
    ``usePTY`` may be ``(masterfd, slavefd, ttyname)`` to use a terminal opened already. As
    in Twisted, no ``childConnectionLost`` is delivered: ``processExited`` then
    ``processEnded`` once the child is gone.
    """

    def __init__(
        self,
        reactor: ITwistioReactor,
        loop: asyncio.AbstractEventLoop,
        proto: IProcessProtocol,
        executable: _StrOrBytes,
        args: Sequence[_StrOrBytes],
        env: _Env | None,
        path: _StrOrBytes | None,
        uid: int | None,
        gid: int | None,
        usePTY: _UsePTY,
    ) -> None:
        self._usePTY = usePTY
        super().__init__(reactor, loop, proto, executable, args, env, path, uid, gid, {})

    def _fork(  # type: ignore[override]
        self,
        executable: _StrOrBytes,
        args: Sequence[_StrOrBytes],
        env: _Env | None,
        path: _StrOrBytes | None,
        uid: int | None,
        gid: int | None,
        childFDs: _ChildFDs,
    ) -> tuple[subprocess.Popen[bytes], dict[int, tuple[str, IO[bytes]]]]:
        import pty

        if isinstance(self._usePTY, (tuple, list)):
            master, slave = int(self._usePTY[0]), int(self._usePTY[1])
        else:
            master, slave = pty.openpty()
        try:
            popen: subprocess.Popen[bytes] = subprocess.Popen(
                list(args),
                executable=executable,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=cast("Mapping[str, str] | None", env),  # str or bytes, as Popen takes them
                cwd=path,
                user=uid,
                group=gid,
                preexec_fn=_with_default_signals(_take_terminal),
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            os.close(slave)
            raise
        os.close(slave)
        writer = os.dup(master)
        return popen, {
            1: ("r", open(master, "rb", buffering=0)),
            0: ("w", open(writer, "wb", buffering=0)),
        }

    async def _connect(self, childFD: int, kind: str, pipe: IO[bytes]) -> None:
        if kind == "r":
            await super()._connect(childFD, kind, pipe)
            return
        # Not connect_write_pipe: on a terminal uvloop's write transport also reads it.
        pending = self.pipes.get(childFD)
        if not isinstance(pending, _Pending):
            pipe.close()
            return
        writer = _TerminalWriter(self._loop, pipe, self)
        self.pipes[childFD] = writer
        if pending.data:
            writer.write(b"".join(pending.data))
        if pending.closing:
            writer.close()

    def _pipe_lost(self, childFD: int) -> None:
        # The terminal closes as a whole, with no childConnectionLost (as in Twisted).
        if self.pipes.pop(childFD, None) is None:
            return
        if childFD == 1:  # the child's side of the terminal is gone: stop writing to it
            self.closeChildFD(0)
        self._maybe_ended()

    def __repr__(self) -> str:
        return f"<PTYProcess pid={self.pid} status={self.status}>"


class _TerminalWriter:
    """Writes to a terminal's master side: at once while it takes the bytes, else buffered
    and flushed when the loop says it is writable (POSIX loops all have ``add_writer``)."""

    _HIGH_WATER = 64 * 1024

    def __init__(self, loop: asyncio.AbstractEventLoop, pipe: IO[bytes], process: Process) -> None:
        self._loop = loop
        self._pipe = pipe
        self._fd = pipe.fileno()
        os.set_blocking(self._fd, False)
        self._process = process
        self._buffer = bytearray()
        self._watching = False
        self._closing = False
        self._paused = False

    def is_closing(self) -> bool:
        return self._closing

    def write(self, data: bytes) -> None:
        if self._closing:
            return
        if not self._buffer:
            try:
                written = os.write(self._fd, data)
            except BlockingIOError:
                written = 0
            except OSError:
                self._lost()
                return
            data = data[written:]
            if not data:
                return
        self._buffer += data
        if not self._watching:
            self._watching = True
            self._loop.add_writer(self._fd, self._flush)
        if not self._paused and len(self._buffer) > self._HIGH_WATER:
            self._paused = True
            self._process._pause_producer(0)

    def _flush(self) -> None:
        try:
            written = os.write(self._fd, self._buffer)
        except BlockingIOError:
            return
        except OSError:
            self._lost()
            return
        del self._buffer[:written]
        if self._buffer:
            return
        self._stop_watching()
        if self._closing:
            self._lost()
        elif self._paused:
            self._paused = False
            self._process._resume_producer(0)

    def _stop_watching(self) -> None:
        if self._watching:
            self._watching = False
            self._loop.remove_writer(self._fd)

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        if not self._buffer:
            self._lost()

    def _lost(self) -> None:
        self._closing = True
        self._buffer.clear()
        self._stop_watching()
        if not self._pipe.closed:
            self._pipe.close()
            self._process._pipe_lost(0)


_RESTORED_BY_POPEN = {
    getattr(_signal, name) for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(_signal, name)
}


def _with_default_signals(preexec: Callable[[], None] | None) -> Callable[[], None] | None:
    """``preexec``, first giving back their default action, in the child, to the signals this
    process ignores (a program started under ``nohup`` ignores SIGHUP), as Twisted's children
    get; unchanged (None stays None, keeping Popen's fast path) when none is ignored."""
    ignored = []
    for number in _signal.valid_signals():
        if number in _RESTORED_BY_POPEN:
            continue
        try:
            if _signal.getsignal(number) is _signal.SIG_IGN:
                ignored.append(number)
        except (OSError, ValueError):
            continue
    if not ignored:
        return preexec

    def child() -> None:
        for number in ignored:
            _signal.signal(number, _signal.SIG_DFL)
        if preexec is not None:
            preexec()

    return child


def _take_terminal() -> None:
    """Runs in the child: a new session whose controlling terminal is its stdin."""
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _reason(status: int) -> BaseException:
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        if code == 0:
            return error.ProcessDone(status)
        return error.ProcessTerminated(code, None, status)
    if os.WIFSIGNALED(status):
        return error.ProcessTerminated(None, os.WTERMSIG(status), status)
    return error.ProcessTerminated(None, None, status)


_CLOSE, _DUP2 = 1, 2
_Op = TypeVar("_Op")


def _getFileActions(
    fdState: Sequence[tuple[int, bool]],
    childToParentFD: Mapping[int, int],
    doClose: _Op,
    doDup2: _Op,
) -> list[tuple[_Op | int, ...]]:
    """The ``posix_spawn``-style file actions that give a child ``childToParentFD``.

    ``fdState`` lists the open descriptors with their close-on-exec flags. The result, in
    order: ``(doDup2, source, target)`` and ``(doClose, fd)`` tuples that put each wanted
    parent descriptor at its child number (children in ascending order; a descriptor still
    wanted later is first parked on a free number), clear close-on-exec on one that is
    already in place, and close every descriptor the child should not inherit. twistio's
    ``preexec_fn`` runs them (``os.dup2``/``os.close``) in the forked child.
    """
    cloexec = dict(fdState)
    taken = set(cloexec) | set(childToParentFD)
    location = {fd: fd for fd in cloexec}  # each original descriptor -> the slot it is in
    holder: dict[int, int] = {fd: fd for fd in cloexec}  # slot -> the original it holds
    order = sorted(childToParentFD.items())
    actions: list[tuple[_Op | int, ...]] = []

    def spare() -> int:
        fd = 0
        while fd in taken:
            fd += 1
        taken.add(fd)
        return fd

    for i, (child, parent) in enumerate(order):
        wanted_later = {p for _, p in order[i + 1 :]}
        held = holder.get(child)
        if held is not None and held in wanted_later:
            # Keep what is in the target slot for a later child: park it on a spare slot.
            parked = spare()
            actions.append((doDup2, child, parked))
            location[held] = parked
            holder[parked] = held
            del holder[child]
        source = location.get(parent, parent)
        if source == child:
            if cloexec.get(parent, False):
                # dup2 onto itself would not clear close-on-exec: go round by a spare slot.
                spin = spare()
                actions += [(doDup2, child, spin), (doDup2, spin, child), (doClose, spin)]
            continue
        actions.append((doDup2, source, child))
        holder.pop(child, None)
        if source != parent and parent not in wanted_later:
            actions.append((doClose, source))  # a parked copy, no longer needed
            del holder[source]
    actions += [
        (doClose, fd) for fd in sorted(cloexec) if not cloexec[fd] and fd not in childToParentFD
    ]
    return actions


class _FDDetector:
    """Lists this process's open descriptors, by the first way that works here.

    ``/proc/<pid>/fd``, then ``/dev/fd`` (on some systems it only ever shows 0, 1 and 2),
    then every number below the descriptor limit (at most 1024). The first call of
    ``_listOpenFDs`` tries each (a way works if a newly opened file shows up in it) and
    then puts the chosen one in its own place. ``listdir``, ``getpid`` and ``openfile``
    are the system calls used, as attributes.
    """

    listdir = staticmethod(os.listdir)
    getpid = staticmethod(os.getpid)
    openfile = staticmethod(open)

    def __init__(self) -> None:
        self._implementations: list[Callable[[], Iterable[int]]] = [
            self._procFDImplementation,
            self._devFDImplementation,
            self._fallbackFDImplementation,
        ]

    def _listOpenFDs(self) -> Iterable[int]:
        """The open descriptors (the first call also picks the way to find them)."""
        found = self._getImplementation()
        self._listOpenFDs = found  # type: ignore[method-assign]
        return found()

    def _getImplementation(self) -> Callable[[], Iterable[int]]:
        for way in self._implementations:
            try:
                before = list(way())
                with self.openfile(os.devnull, "r"):
                    after = list(way())
            except Exception:
                continue
            if before != after:
                return way
        return self._implementations[-1]

    def _devFDImplementation(self) -> list[int]:
        return [int(name) for name in self.listdir("/dev/fd")]

    def _procFDImplementation(self) -> list[int]:
        return [int(name) for name in self.listdir(f"/proc/{self.getpid()}/fd")]

    def _fallbackFDImplementation(self) -> range:
        try:
            import resource
        except ImportError:
            return range(1024)
        return range(min(1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


_detector = _FDDetector()


def _listOpenFDs() -> Iterable[int]:
    """This process's open descriptors (see ``_FDDetector``)."""
    return _detector._listOpenFDs()


def _make_preexec(extra: Mapping[int, int], keep: Sequence[int]) -> Callable[[], None]:
    """Runs in the child: place each parent fd at its child fd (``extra``), keep the std fds
    in ``keep``, and close every other inheritable descriptor."""
    wanted = {**{fd: fd for fd in keep}, **extra}
    _listOpenFDs()  # picks the way to list descriptors here, not in the child

    def preexec() -> None:
        state = []
        for fd in _listOpenFDs():
            try:
                state.append((fd, not os.get_inheritable(fd)))
            except OSError:  # the listing's own descriptor, closed by now
                pass
        for action in _getFileActions(state, wanted, _CLOSE, _DUP2):
            if action[0] == _DUP2:
                os.dup2(action[1], action[2])
            else:
                try:
                    os.close(action[1])
                except OSError:
                    pass

    return preexec


def _start_waiter(
    loop: asyncio.AbstractEventLoop,
    pid: int,
    reap: Callable[[int | None], None],
) -> None:
    """Wait for ``pid`` to exit in a daemon thread, then call ``reap`` on ``loop``.

    ``reap`` gets None when the thread only looked (the child is still to be reaped: on
    Linux), else the wait status (the thread reaped it).
    """

    def wait() -> None:
        status: int | None = None
        try:
            if _HAVE_WAITID:
                while True:
                    try:
                        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
                        break
                    except InterruptedError:  # pragma: no cover - PEP 475 retries
                        continue
            else:  # pragma: no cover - macOS: reap here
                _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = 255 << 8
        except OSError as e:  # pragma: no cover
            if e.errno != errno.ECHILD:
                raise
            status = 255 << 8
        try:
            loop.call_soon_threadsafe(reap, status)
        except RuntimeError:  # the loop is closed: at least do not leave a zombie
            if status is None:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass

    threading.Thread(target=wait, name=f"twistio waitpid {pid}", daemon=True).start()


_HAVE_WAITID = hasattr(os, "waitid") and sys.platform.startswith("linux")


def spawnProcess(
    reactor: ITwistioReactor | None,
    processProtocol: IProcessProtocol,
    executable: _StrOrBytes,
    args: Sequence[_StrOrBytes] = (),
    env: _Env | None = {},  # noqa: B006 - Twisted's default (an empty environment), never mutated
    path: _StrOrBytes | None = None,
    uid: int | None = None,
    gid: int | None = None,
    usePTY: _UsePTY = 0,
    childFDs: _ChildFDs | None = None,
) -> Process:
    """Start ``executable`` with ``args`` (``args[0]`` is the child's ``argv[0]``).

    ``env`` is the child's whole environment, as in Twisted: ``{}`` (the default) is an
    empty one, ``None`` inherits ours. ``childFDs`` maps child fds to ``'r'`` (we read),
    ``'w'`` (we write) or one of our fds; the default is ``{0: 'w', 1: 'r', 2: 'r'}``.
    ``usePTY`` runs the child on a pseudo-terminal (``PTYProcess``; not with ``childFDs``).
    """
    if usePTY and childFDs is not None:
        raise ValueError("Using childFDs is not supported with usePTY=True.")
    if childFDs is None:
        childFDs = {0: "w", 1: "r", 2: "r"}
    if reactor is None:
        reactor = installed_reactor()
    loop = reactor.transport_registry.get_loop()
    if usePTY:
        return PTYProcess(
            reactor, loop, processProtocol, executable, args, env, path, uid, gid, usePTY
        )
    return Process(reactor, loop, processProtocol, executable, args, env, path, uid, gid, childFDs)


# -- reaping children started elsewhere ----------------------------------------------------------

#: The processes ``registerReapProcessHandler`` registered, by pid.
reapProcessHandlers: dict[int, _Reapable] = {}


def reapAllProcesses() -> None:
    """Call ``reapProcess()`` of every registered process (each checks whether its child
    exited, without blocking)."""
    for process in list(reapProcessHandlers.values()):
        process.reapProcess()


def registerReapProcessHandler(pid: int, process: _Reapable) -> None:
    """Have ``process.reapProcess()`` called once child ``pid`` exits.

    For children started without ``spawnProcess``: twistio watches ``pid`` (in a thread
    that only looks, as for its own children) and calls ``reapProcess`` on the reactor's
    loop, which should reap it (``os.waitpid``) and unregister it. ``RuntimeError`` if
    ``pid`` is registered already.
    """
    if pid in reapProcessHandlers:
        raise RuntimeError("Try to register an already registered process.")
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        _log.warning("Failed to reap %d: not a child of this process", pid)
        return
    except BaseException:
        _python_log.err(None, f"Failed to reap {pid}:")  # not a pid at all, say
        return
    if done:
        process.processEnded(status)
        return
    reapProcessHandlers[pid] = process
    loop = installed_reactor().transport_registry.get_loop()

    def exited(status: int | None) -> None:
        if pid not in reapProcessHandlers or reapProcessHandlers[pid] is not process:
            return
        if status is None:
            process.reapProcess()
        else:  # pragma: no cover - without waitid the thread reaped it already
            del reapProcessHandlers[pid]
            process.processEnded(status)

    _start_waiter(loop, pid, exited)


def unregisterReapProcessHandler(pid: int, process: _Reapable) -> None:
    """Forget ``process`` for ``pid``; ``RuntimeError`` if it is not the one registered."""
    if pid not in reapProcessHandlers or reapProcessHandlers[pid] is not process:
        raise RuntimeError("Try to unregister a process not registered.")
    del reapProcessHandlers[pid]
