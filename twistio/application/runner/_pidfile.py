"""PID files: a file holding the ID of the running process, so that a second copy of a
program can tell it is already running."""

from __future__ import annotations

import errno
from os import getpid, kill
from os import name as SYSTEM_NAME
from types import TracebackType
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.logger import Logger
from twistio.python.filepath import FilePath

__all__ = [
    "AlreadyRunningError",
    "IPIDFile",
    "InvalidPIDFileError",
    "NoPIDFound",
    "NonePIDFile",
    "PIDFile",
    "StalePIDFileError",
    "nonePIDFile",
]


class IPIDFile(Interface, Protocol):
    """A file that remembers a process ID; as a context manager, it holds this process's
    ID for the duration."""

    def read(self) -> int:
        """The stored PID (``InvalidPIDFileError``, ``NoPIDFound``)."""

    def writeRunningPID(self) -> None:
        """Store this process's PID."""

    def remove(self) -> None:
        """Remove the file."""

    def isRunning(self) -> bool:
        """Whether the stored PID is a running process (``StalePIDFileError`` when it is
        not; False when no PID is stored)."""

    def __enter__(self) -> IPIDFile:
        """Store this process's PID (``AlreadyRunningError`` if another one is running)."""

    def __exit__(self, excType: type[BaseException] | None, excValue: BaseException | None,
                 traceback: TracebackType | None) -> None:
        """Remove the file."""


class AlreadyRunningError(Exception):
    """The PID file names a process that is running."""


class InvalidPIDFileError(Exception):
    """The PID file does not hold a PID."""


class StalePIDFileError(Exception):
    """The PID file names a process that does not exist."""


class NoPIDFound(Exception):
    """There is no PID file."""


@implementer(IPIDFile)
class PIDFile:
    """A PID file at ``filePath`` (``isRunning`` is for POSIX systems only)."""

    _log = Logger()

    @staticmethod
    def _format(pid: int) -> bytes:
        """The file's content for ``pid``."""
        return b"%d\n" % (pid,)

    def __init__(self, filePath: FilePath[Any]) -> None:
        self.filePath = filePath

    def read(self) -> int:
        try:
            with self.filePath.open() as fh:
                pidString = fh.readline()
        except OSError as e:
            if e.errno == errno.ENOENT:
                raise NoPIDFound("PID file does not exist") from e
            raise
        try:
            return int(pidString)
        except ValueError:
            raise InvalidPIDFileError(
                f"non-integer PID value in PID file: {pidString!r}"
            ) from None

    def _write(self, pid: int) -> None:
        """Store ``pid`` (``ValueError`` if it is not an integer)."""
        self.filePath.setContent(self._format(pid=int(pid)))

    def writeRunningPID(self) -> None:
        self._write(getpid())

    def remove(self) -> None:
        self.filePath.remove()

    def isRunning(self) -> bool:
        try:
            pid = self.read()
        except NoPIDFound:
            return False
        if SYSTEM_NAME != "posix":
            raise NotImplementedError(f"isRunning is not implemented on {SYSTEM_NAME}")
        try:
            kill(pid, 0)  # signal 0: only whether the process exists
        except OSError as e:
            if e.errno == errno.ESRCH:
                raise StalePIDFileError("PID file refers to non-existing process") from e
            if e.errno == errno.EPERM:
                return True  # it exists; we may not signal it
            raise
        return True

    def __enter__(self) -> PIDFile:
        try:
            if self.isRunning():
                raise AlreadyRunningError()
        except StalePIDFileError:
            self._log.info("Replacing stale PID file: {log_source}")
        self.writeRunningPID()
        return self

    def __exit__(self, excType: type[BaseException] | None, excValue: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.remove()


@implementer(IPIDFile)
class NonePIDFile:
    """A PID file that is none: for when no PID file is wanted."""

    def read(self) -> int:
        raise NoPIDFound("PID file does not exist")

    def _write(self, pid: int) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    def writeRunningPID(self) -> None:
        self._write(0)

    def remove(self) -> None:
        raise OSError(errno.ENOENT, "No such file or directory")

    def isRunning(self) -> bool:
        return False

    def __enter__(self) -> NonePIDFile:
        return self

    def __exit__(self, excType: type[BaseException] | None, excValue: BaseException | None,
                 traceback: TracebackType | None) -> None:
        return None


#: The PID file that is none.
nonePIDFile: IPIDFile = NonePIDFile()
