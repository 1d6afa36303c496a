"""Log files that rotate by size (``LogFile``) or by day (``DailyLogFile``).

Writes go unbuffered to the file; ``str`` is written as UTF-8. Rotation renames the current
file (``name.1``, ``name.2``... or ``name.2024_1_5``) and starts a new one; it is skipped
when the directory or the file is not writable.

Difference: a log file pickles (and reopens its file when unpickled); Twisted's raises.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from typing import IO, Any

from twistio.python import threadable

__all__ = ["BaseLogFile", "DailyLogFile", "LogFile", "LogReader"]


class BaseLogFile:
    """A log file written in ``directory/name``; subclasses decide when to rotate."""

    synchronized = ["write", "rotate"]

    def __init__(self, name: str, directory: str, defaultMode: int | None = None) -> None:
        self.directory = directory
        self.name = name
        self.path = os.path.join(directory, name)
        if defaultMode is None and os.path.exists(self.path):
            # New files (after a rotation) get the permissions of the one found here.
            defaultMode = os.stat(self.path).st_mode
        self.defaultMode = defaultMode
        self._openFile()

    @classmethod
    def fromFullPath(cls, filename: str, *args: Any, **kwargs: Any) -> Any:
        """A log file for the path ``filename``."""
        absolute = os.path.abspath(filename)
        return cls(os.path.basename(absolute), os.path.dirname(absolute), *args, **kwargs)

    def shouldRotate(self) -> bool:
        """Whether to rotate before the next write."""
        raise NotImplementedError()

    def _openFile(self) -> None:
        self.closed = False
        if os.path.exists(self.path):
            self._file: IO[bytes] | None = open(self.path, "rb+", buffering=0)  # noqa: SIM115
            self._file.seek(0, os.SEEK_END)
            return
        self._file = open(self.path, "wb+", buffering=0)  # noqa: SIM115
        if self.defaultMode is not None:
            with contextlib.suppress(OSError):
                os.chmod(self.path, self.defaultMode)

    def _rotation_allowed(self) -> bool:
        return os.access(self.directory, os.W_OK) and os.access(self.path, os.W_OK)

    def write(self, data: str | bytes) -> None:
        """Write ``data`` (``str`` as UTF-8), rotating first if it is time."""
        if self.shouldRotate():
            self.flush()
            self.rotate()
        self._write(data)

    def _write(self, data: str | bytes) -> None:
        if self._file is None:
            raise ValueError("I/O operation on closed log file")
        self._file.write(data.encode("utf-8") if isinstance(data, str) else data)

    def rotate(self) -> None:
        """Start a new file, keeping the old one under another name."""
        raise NotImplementedError()

    def flush(self) -> None:
        """Flush the file."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Close the file; the object cannot be written to any more."""
        if self._file is not None:
            self._file.close()
        self._file = None
        self.closed = True

    def reopen(self) -> None:
        """Close and open the file again (after it was moved away by another program)."""
        self.close()
        self._openFile()

    def getCurrentLog(self) -> LogReader:
        """A reader of the current file."""
        return LogReader(self.path)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for private in ("_file", "_threadable_lock", "size", "lastDate"):
            state.pop(private, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._openFile()


class LogFile(BaseLogFile):
    """A log file that rotates once it reaches ``rotateLength`` bytes, keeping at most
    ``maxRotatedFiles`` old files (all of them if None)."""

    def __init__(
        self,
        name: str,
        directory: str,
        rotateLength: int = 1000000,
        defaultMode: int | None = None,
        maxRotatedFiles: int | None = None,
    ) -> None:
        self.rotateLength = rotateLength
        self.maxRotatedFiles = maxRotatedFiles
        super().__init__(name, directory, defaultMode)

    def _openFile(self) -> None:
        super()._openFile()
        self.size = os.path.getsize(self.path)

    def shouldRotate(self) -> bool:
        """Whether the file has reached ``rotateLength``."""
        return bool(self.rotateLength and self.size >= self.rotateLength)

    def getLog(self, identifier: int) -> LogReader:
        """A reader of the rotated file ``name.<identifier>`` (``ValueError`` if none,
        ``TypeError`` for a non-integer)."""
        filename = "%s.%d" % (self.path, identifier)  # noqa: UP031 - TypeError for non-ints
        if not os.path.exists(filename):
            raise ValueError("no such logfile exists")
        return LogReader(filename)

    def write(self, data: str | bytes) -> None:
        """Write ``data``, rotating first if the file is full."""
        super().write(data)
        self.size += len(data)

    def rotate(self) -> None:
        """Shift ``name.N`` to ``name.N+1`` (dropping those past ``maxRotatedFiles``), move
        the current file to ``name.1`` and start a new one."""
        if not self._rotation_allowed():
            return
        for number in sorted(self.listLogs(), reverse=True):
            old = f"{self.path}.{number}"
            if self.maxRotatedFiles is not None and number >= self.maxRotatedFiles:
                os.remove(old)
            else:
                os.rename(old, f"{self.path}.{number + 1}")
        if self._file is not None:
            self._file.close()
        os.rename(self.path, f"{self.path}.1")
        self._openFile()

    def listLogs(self) -> list[int]:
        """The numbers (from 1) of the rotated files that exist, in order."""
        prefix = self.name + "."
        numbers = []
        for entry in os.listdir(self.directory):
            suffix = entry[len(prefix) :]
            if entry.startswith(prefix) and suffix.isdigit() and int(suffix) > 0:
                numbers.append(int(suffix))
        return sorted(numbers)


class DailyLogFile(BaseLogFile):
    """A log file that rotates when the (local) date changes, to ``name.YYYY_M_D``."""

    def _openFile(self) -> None:
        super()._openFile()
        self.lastDate = self.toDate(os.stat(self.path).st_mtime)

    def shouldRotate(self) -> bool:
        """Whether the date changed since the file was started."""
        return bool(self.toDate() > self.lastDate)

    def toDate(self, *args: Any) -> Any:
        """``(year, month, day)`` of a Unix time (now, without one), in local time."""
        return time.localtime(*args)[:3]

    def suffix(self, tupledate: Any) -> str:
        """The file suffix for a date tuple (``2024_1_5``) or a Unix time."""
        try:
            return "_".join(map(str, tupledate))
        except TypeError:
            return "_".join(map(str, self.toDate(tupledate)))

    def getLog(self, identifier: float) -> LogReader:
        """A reader of the file of the day of the Unix time ``identifier`` (the current file
        for today's)."""
        if self.toDate(identifier) == self.lastDate:
            return self.getCurrentLog()
        older = f"{self.path}.{self.suffix(identifier)}"
        if os.path.exists(older):
            return LogReader(older)
        raise ValueError("no such logfile exists")

    def rotate(self) -> None:
        """Move the current file to ``name.<date it was started>`` and start a new one
        (not if that name is taken)."""
        if not self._rotation_allowed():
            return
        target = f"{self.path}.{self.suffix(self.lastDate)}"
        if os.path.exists(target):
            return
        if self._file is not None:
            self._file.close()
        os.rename(self.path, target)
        self._openFile()


class LogReader:
    """Reads the lines of a log file."""

    def __init__(self, name: str) -> None:
        self._file: IO[str] = open(name)  # noqa: SIM115

    def readLines(self, lines: int = 10) -> list[str]:
        """Up to ``lines`` further lines (with their newlines)."""
        read = iter(self._file.readline, "")  # readline gives "" at the end of the file
        return list(itertools.islice(read, max(lines, 0)))

    def close(self) -> None:
        """Close the file."""
        self._file.close()


threadable.synchronize(BaseLogFile, LogFile, DailyLogFile)
