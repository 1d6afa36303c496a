"""Paths inside zip files, with the ``FilePath`` API (``twisted.python.zippath``).

``ZipArchive(path)`` is the archive's root; ``ZipPath`` objects are the entries below it.
They are read-only.

Differences: ``open`` accepts only reading modes (Twisted's opens an entry for writing, which
appends a duplicate entry to the archive); ``walk()`` of an archive works (Twisted's raises
``LinkError``).
"""

from __future__ import annotations

import errno
import os
import time
from typing import IO, Any, AnyStr, Generic, TypeVar
from zipfile import ZipFile

from twistio.internet.interfaces import implementer
from twistio.python.compat import cmp, comparable
from twistio.python.filepath import AbstractFilePath, FilePath, IFilePath, UnlistableError

__all__ = ["ZipArchive", "ZipPath"]

#: The separator of paths inside a zip file.
ZIP_PATH_SEP = "/"

_ArchiveStr = TypeVar("_ArchiveStr", str, bytes)


def _like(value: Any, pattern: Any) -> Any:
    """``value`` converted to the string type of ``pattern``."""
    if isinstance(pattern, bytes) and isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(pattern, str) and isinstance(value, bytes):
        return value.decode("utf-8")
    return value


@comparable
@implementer(IFilePath)
class ZipPath(AbstractFilePath[AnyStr], Generic[AnyStr]):
    """An entry (file or directory) of a zip archive."""

    def __init__(self, archive: ZipArchive[Any], pathInArchive: AnyStr) -> None:
        self.archive = archive
        self.pathInArchive: Any = pathInArchive
        segments = [s for s in pathInArchive.split(_like(ZIP_PATH_SEP, pathInArchive)) if s]
        self.path = os.path.join(_like(archive.path, pathInArchive), *segments)

    @property
    def sep(self) -> AnyStr:
        """The separator inside the archive, of this path's type."""
        return _like(ZIP_PATH_SEP, self.pathInArchive)  # type: ignore[no-any-return]

    def __cmp__(self, other: object) -> Any:
        if not isinstance(other, ZipPath):
            return NotImplemented
        return cmp(
            (self.archive.path, self.pathInArchive), (other.archive.path, other.pathInArchive)
        )

    def __repr__(self) -> str:
        inside = [s for s in self._entry().split(ZIP_PATH_SEP) if s]
        shown = os.path.join(_like(os.path.abspath(self.archive.path), ""), *inside)
        return f"ZipPath({_like(shown, self.path)!r})"

    def _entry(self) -> str:
        return _like(self.pathInArchive, "")  # type: ignore[no-any-return]

    def parent(self) -> Any:
        """The containing directory entry, or the archive."""
        entry = self._entry()
        if ZIP_PATH_SEP not in entry:
            return self.archive
        return ZipPath(self.archive, _like(entry.rsplit(ZIP_PATH_SEP, 1)[0], self.pathInArchive))

    def child(self, path: Any) -> ZipPath[Any]:
        """The entry ``path`` below this one."""
        entry = self._entry()
        name = _like(path, "")
        joined = f"{entry}{ZIP_PATH_SEP}{name}" if entry else name
        return ZipPath(self.archive, _like(joined, path))

    def sibling(self, path: Any) -> Any:
        """The entry ``path`` beside this one."""
        return self.parent().child(path)

    def exists(self) -> bool:
        """Whether the entry is in the archive."""
        return self.isdir() or self.isfile()

    def isdir(self) -> bool:
        """Whether the entry is a directory (explicit, or implied by its children)."""
        return self._entry() in self.archive.childmap

    def isfile(self) -> bool:
        """Whether the entry is a file."""
        return self._entry() in self.archive.zipfile.NameToInfo

    def islink(self) -> bool:
        """Never: zip files hold no links."""
        return False

    def listdir(self) -> list[AnyStr]:
        """The names in this directory entry."""
        if not self.exists():
            raise UnlistableError(OSError(errno.ENOENT, "Non-existent zip entry listed"))
        if not self.isdir():
            raise UnlistableError(OSError(errno.ENOTDIR, "Leaf zip entry listed"))
        return [_like(name, self.pathInArchive) for name in self.archive.childmap[self._entry()]]

    def splitext(self) -> tuple[AnyStr, AnyStr]:
        """``os.path.splitext`` of the path."""
        return os.path.splitext(self.path)

    def basename(self) -> AnyStr:
        """The last segment of the entry's name."""
        last: AnyStr = self.pathInArchive.split(self.sep)[-1]
        return last

    def dirname(self) -> AnyStr:
        """The path of the containing entry (or archive)."""
        return _like(self.parent().path, self.pathInArchive)  # type: ignore[no-any-return]

    def open(self, mode: str = "r") -> IO[bytes]:
        """The entry's content, for reading."""
        if mode not in ("r", "rb"):
            raise ValueError(f"zip entries are read-only (mode {mode!r})")
        return self.archive.zipfile.open(self._entry(), "r")

    def changed(self) -> None:
        """Nothing to forget: an archive is read when opened."""

    def getsize(self) -> int:
        """The entry's uncompressed size."""
        return self.archive.zipfile.NameToInfo[self._entry()].file_size

    def getAccessTime(self) -> float:
        """The archive file's access time."""
        return self.archive.getAccessTime()

    def getModificationTime(self) -> float:
        """The modification time recorded for the entry (the archive's, for a directory
        that has no record of its own)."""
        info: Any = self.archive.zipfile.NameToInfo.get(self._entry())
        if info is None:
            return self.archive.getModificationTime()
        return time.mktime((*info.date_time, 0, 0, -1))

    def getStatusChangeTime(self) -> float:
        """The archive file's status change time."""
        return self.archive.getStatusChangeTime()


class ZipArchive(ZipPath[_ArchiveStr]):
    """The root of a zip file, as a path."""

    def __init__(self, archivePathname: _ArchiveStr) -> None:
        self.path = archivePathname
        self._zipfileFilename: Any = archivePathname
        self.zipfile = ZipFile(_like(archivePathname, ""))
        self.pathInArchive = _like("", archivePathname)
        # Directory entry -> the names directly inside it ("" is the root).
        self.childmap: dict[str, dict[str, int]] = {}
        for name in self.zipfile.namelist():
            parts = name.split(ZIP_PATH_SEP)
            for depth in range(len(parts)):
                parent = ZIP_PATH_SEP.join(parts[:depth])
                if parts[depth]:
                    self.childmap.setdefault(parent, {})[parts[depth]] = 1
                else:
                    self.childmap.setdefault(parent, {})
        self.childmap.setdefault("", {})

    @property
    def archive(self) -> ZipArchive[_ArchiveStr]:  # type: ignore[override]
        """The archive itself."""
        return self

    def __repr__(self) -> str:
        return f"ZipArchive({os.path.abspath(self.path)!r})"

    def child(self, path: Any) -> ZipPath[Any]:
        """The top-level entry ``path``."""
        return ZipPath(self, path)

    def exists(self) -> bool:
        """Whether the archive file exists."""
        return FilePath(self._zipfileFilename).exists()

    def isdir(self) -> bool:
        """An archive is a directory of its entries."""
        return True

    def isfile(self) -> bool:
        """Not a file, as a path: a directory of entries."""
        return False

    def getAccessTime(self) -> float:
        """The archive file's access time."""
        return FilePath(self._zipfileFilename).getAccessTime()

    def getModificationTime(self) -> float:
        """The archive file's modification time."""
        return FilePath(self._zipfileFilename).getModificationTime()

    def getStatusChangeTime(self) -> float:
        """The archive file's status change time."""
        return FilePath(self._zipfileFilename).getStatusChangeTime()
