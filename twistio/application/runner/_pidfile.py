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


def _processExists(pid: int) -> bool:
    """Whether ``pid`` names a live process (POSIX: probed with signal 0)."""
    if SYSTEM_NAME != "posix":
        raise NotImplementedError(f"isRunning is not implemented on {SYSTEM_NAME}")
    try:
        kill(pid, 0)
    except PermissionError:
        return True  # someone else's process, but a live one
    except ProcessLookupError:
        return False
    return True


@implementer(IPIDFile)
class PIDFile:
    """A PID file at ``filePath`` (``isRunning`` is for POSIX systems only)."""

    _log = Logger()

    def __init__(self, filePath: FilePath[Any]) -> None:
        self.filePath = filePath

    @staticmethod
    def _format(pid: int) -> bytes:
        """The file's content for ``pid``."""
        return f"{pid}\n".encode("ascii")

    def _write(self, pid: int) -> None:
        """Store ``pid`` (``ValueError`` if it is not an integer)."""
        self.filePath.setContent(self._format(pid=int(pid)))

    def read(self) -> int:
        try:
            stored = self.filePath.open()
        except FileNotFoundError as missing:
            raise NoPIDFound("PID file does not exist") from missing
        with stored:
            first = stored.readline()
        if not first.strip().isdigit():
            raise InvalidPIDFileError(f"non-integer PID value in PID file: {first!r}")
        return int(first)

    def isRunning(self) -> bool:
        try:
            pid = self.read()
        except NoPIDFound:
            return False
        if not _processExists(pid):
            raise StalePIDFileError("PID file refers to non-existing process")
        return True

    def writeRunningPID(self) -> None:
        self._write(getpid())

    def remove(self) -> None:
        self.filePath.remove()

    def __enter__(self) -> PIDFile:
        stale = False
        try:
            running = self.isRunning()
        except StalePIDFileError:
            stale, running = True, False
        if running:
            raise AlreadyRunningError()
        if stale:
            self._log.info("Replacing stale PID file: {log_source}")
        self.writeRunningPID()
        return self

    def __exit__(self, *excInfo: object) -> None:
        self.remove()


@implementer(IPIDFile)
class NonePIDFile:
    """Stands in where no PID file is wanted: holds nothing, never running, writes
    and removals fail as a missing, unwritable file would."""

    def __enter__(self) -> NonePIDFile:
        return self

    def __exit__(self, *excInfo: object) -> None:
        pass

    def isRunning(self) -> bool:
        return False

    def read(self) -> int:
        raise NoPIDFound("PID file does not exist")

    def remove(self) -> None:
        raise OSError(errno.ENOENT, "No such file or directory")

    def _write(self, pid: int) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    def writeRunningPID(self) -> None:
        self._write(0)


#: The PID file that is none.
nonePIDFile: IPIDFile = NonePIDFile()
