"""Filesystem paths as objects (``twisted.python.filepath``).

A ``FilePath`` holds an absolute path (``str`` or ``bytes``; ``asTextMode``/``asBytesMode``
convert) and caches its ``stat`` result until ``changed()`` or ``restat()``. ``child`` refuses
names that would leave the directory (``InsecurePath``); ``setContent`` replaces a file
atomically through a temporary sibling. Like Twisted's, it is not ``os.PathLike``: use
``.path``.

Differences: a ``setContent`` whose write fails removes its temporary file (Twisted's leaves it
behind); ``globChildren`` escapes glob characters in the directory's own path (Twisted's finds
nothing under a directory named like ``a[1]``).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import glob
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from os import listdir, stat, utime

# Twisted's module offers the stat helpers it uses under their own names; so does this one.
from stat import S_IMODE as S_IMODE
from stat import S_IRGRP as S_IRGRP
from stat import S_IROTH as S_IROTH
from stat import S_IRUSR as S_IRUSR
from stat import S_ISBLK as S_ISBLK
from stat import S_ISDIR as S_ISDIR
from stat import S_ISREG as S_ISREG
from stat import S_ISSOCK as S_ISSOCK
from stat import S_IWGRP as S_IWGRP
from stat import S_IWOTH as S_IWOTH
from stat import S_IWUSR as S_IWUSR
from stat import S_IXGRP as S_IXGRP
from stat import S_IXOTH as S_IXOTH
from stat import S_IXUSR as S_IXUSR
from typing import IO, Any, AnyStr, Generic, Literal, Protocol, TypeVar

from twistio.internet.interfaces import Interface, implementer
from twistio.python.compat import cmp, comparable
from twistio.python.util import FancyEqMixin

__all__ = [
    "RWX",
    "AbstractFilePath",
    "FilePath",
    "IFilePath",
    "InsecurePath",
    "LinkError",
    "Permissions",
    "UnlistableError",
]

#: The ``open`` modes ``FilePath.open`` takes (always opened in binary).
FileMode = Literal["r", "w", "a", "r+", "w+", "a+"]

OtherAnyStr = TypeVar("OtherAnyStr", str, bytes)
_Self = TypeVar("_Self", bound="AbstractFilePath[Any]")

#: Windows error codes, kept for code that compares ``winerror`` values.
ERROR_FILE_NOT_FOUND = 2
ERROR_PATH_NOT_FOUND = 3
ERROR_INVALID_NAME = 123
ERROR_DIRECTORY = 267

O_BINARY = getattr(os, "O_BINARY", 0)

randomBytes = os.urandom

_CREATE_FLAGS = os.O_EXCL | os.O_CREAT | os.O_RDWR | O_BINARY


class InsecurePath(Exception):
    """A child path would lie outside its parent (``..``, a separator, an absolute path)."""


class LinkError(Exception):
    """Symbolic links form a cycle, or cannot be made."""


class UnlistableError(OSError):
    """``children()`` could not list the path; ``originalException`` says why."""

    def __init__(self, originalException: OSError) -> None:
        self.__dict__.update(originalException.__dict__)
        self.originalException = originalException


class IFilePath(Interface, Protocol):
    """A path in a tree of files: ``FilePath``, or a path inside a zip file."""

    sep: Any

    def child(self, name: Any) -> Any:
        """The direct child ``name`` of this path."""

    def open(self, mode: str = "r") -> IO[bytes]:
        """The file, opened in binary ``mode``."""

    def changed(self) -> None:
        """Forget cached information about the file."""

    def getsize(self) -> int:
        """The file's size in bytes."""

    def getModificationTime(self) -> float:
        """The time of the last change of the file's contents."""

    def getStatusChangeTime(self) -> float:
        """The time of the last change of the file's status."""

    def getAccessTime(self) -> float:
        """The time of the last access."""

    def exists(self) -> bool:
        """Whether the path exists."""

    def isdir(self) -> bool:
        """Whether the path is a directory."""

    def isfile(self) -> bool:
        """Whether the path is a regular file."""

    def children(self) -> Iterable[Any]:
        """The children of this directory."""

    def basename(self) -> Any:
        """The last segment of the path."""

    def parent(self) -> Any:
        """The containing directory."""

    def sibling(self, name: Any) -> Any:
        """The path ``name`` in the same directory."""


def _coerce(value: Any, like: Any, encoding: str | None = None) -> Any:
    """``value`` (str or bytes) converted to the type of ``like``."""
    enc = encoding or sys.getfilesystemencoding()
    if isinstance(like, bytes) and isinstance(value, str):
        return value.encode(enc, "surrogateescape")
    if isinstance(like, str) and isinstance(value, bytes):
        return value.decode(enc, "surrogateescape")
    return value


def _asFilesystemBytes(path: bytes | str, encoding: str | None = "") -> bytes:
    """``path`` as bytes for the file system (``encoding``, else the file system's)."""
    converted: bytes = _coerce(path, b"", encoding or None)
    return converted


def _asFilesystemText(path: bytes | str, encoding: str | None = None) -> str:
    """``path`` as text for the file system (``encoding``, else the file system's)."""
    converted: str = _coerce(path, "", encoding or None)
    return converted


def _coerceToFilesystemEncoding(path: Any, newpath: Any, encoding: str | None = None) -> Any:
    """``newpath`` converted to the string type of ``path``."""
    return _coerce(newpath, path, encoding)


def _secureEnoughString(path: Any) -> Any:
    """A random file name component (17 URL-safe characters) of the type of ``path``."""
    text = base64.urlsafe_b64encode(randomBytes(13)).decode("ascii")[:17]
    return _coerce(text, path)


class AbstractFilePath(Generic[AnyStr]):
    """What ``FilePath`` (and zip paths) share: walking, reading, relations between paths."""

    path: AnyStr

    def getContent(self) -> bytes:
        """The whole content of the file."""
        with self.open() as f:
            return f.read()

    def parents(self) -> Iterator[AbstractFilePath[AnyStr]]:
        """Every ancestor of this path, nearest first, up to the root."""
        current: AbstractFilePath[AnyStr] = self
        parent = current.parent()
        while parent.path != current.path:
            yield parent
            current, parent = parent, parent.parent()

    def children(self: _Self) -> list[_Self]:
        """The children of this directory; ``UnlistableError`` if it cannot be listed."""
        try:
            names = self.listdir()
        except OSError as error:
            raise UnlistableError(error)
        return [self.child(name) for name in names]

    def walk(self: _Self, descend: Callable[[_Self], bool] | None = None) -> Iterator[_Self]:
        """This path, then every path below it, depth first.

        Symbolic links to directories are followed; ``LinkError`` when they form a cycle.
        ``descend(path)`` false keeps the walk out of that directory.
        """
        yield self
        if not self.isdir():
            return
        for child in self.children():
            if descend is not None and not descend(child):
                yield child
                continue
            if child.isdir() and getattr(child, "islink", lambda: False)():
                target = os.path.realpath(child.path)
                here = os.path.realpath(self.path)
                if target == here or here.startswith(os.path.join(target, target[:0])):
                    raise LinkError("Cycle in file graph.")
            yield from child.walk(descend)

    def sibling(self: _Self, path: Any) -> Any:
        """The path ``path`` in this path's directory."""
        return self.parent().child(path)

    def descendant(self, segments: Sequence[Any]) -> Any:
        """The path below this one reached through ``segments`` (each checked like ``child``)."""
        current: Any = self
        for segment in segments:
            current = current.child(segment)
        return current

    def segmentsFrom(self: _Self, ancestor: _Self) -> list[AnyStr]:
        """The names leading from ``ancestor`` down to this path (``ValueError`` if it is not
        an ancestor)."""
        segments: list[AnyStr] = []
        current: Any = self
        while current.path != ancestor.path:
            parent = current.parent()
            if parent.path == current.path:
                raise ValueError(f"{ancestor!r} not parent of {self!r}")
            segments.insert(0, current.basename())
            current = parent
        if not segments:
            raise ValueError(f"{ancestor!r} not parent of {self!r}")
        return segments

    def __hash__(self) -> int:
        return hash((self.__class__, self.path))

    # The time and type accessors the subclasses build on.

    def getmtime(self) -> int:
        """``getModificationTime()`` as an integer."""
        return int(self.getModificationTime())

    def getatime(self) -> int:
        """``getAccessTime()`` as an integer."""
        return int(self.getAccessTime())

    def getctime(self) -> int:
        """``getStatusChangeTime()`` as an integer."""
        return int(self.getStatusChangeTime())

    def getModificationTime(self) -> float:
        raise NotImplementedError()

    def getAccessTime(self) -> float:
        raise NotImplementedError()

    def getStatusChangeTime(self) -> float:
        raise NotImplementedError()

    def open(self, mode: FileMode = "r") -> IO[bytes]:
        raise NotImplementedError()

    def listdir(self) -> list[AnyStr]:
        raise NotImplementedError()

    def isdir(self) -> bool:
        raise NotImplementedError()

    def basename(self) -> AnyStr:
        raise NotImplementedError()

    def parent(self) -> AbstractFilePath[AnyStr]:
        raise NotImplementedError()

    def child(self, path: Any) -> Any:
        raise NotImplementedError()


class RWX(FancyEqMixin):
    """Read, write and execute permission of one class of users."""

    compareAttributes = ("read", "write", "execute")

    def __init__(self, readable: bool, writable: bool, executable: bool) -> None:
        self.read, self.write, self.execute = readable, writable, executable

    def __repr__(self) -> str:
        return f"RWX(read={self.read}, write={self.write}, execute={self.execute})"

    def shorthand(self) -> str:
        """``"rwx"``, with ``-`` for each permission not given."""
        return "".join(
            letter if allowed else "-"
            for letter, allowed in zip("rwx", (self.read, self.write, self.execute), strict=True)
        )


class Permissions(FancyEqMixin):
    """The permission bits of a file: ``user``, ``group`` and ``other``, each an ``RWX``."""

    compareAttributes = ("user", "group", "other")

    def __init__(self, statModeInt: int) -> None:
        self.user, self.group, self.other = (
            RWX(bool(statModeInt & r), bool(statModeInt & w), bool(statModeInt & x))
            for r, w, x in (
                (S_IRUSR, S_IWUSR, S_IXUSR),
                (S_IRGRP, S_IWGRP, S_IXGRP),
                (S_IROTH, S_IWOTH, S_IXOTH),
            )
        )

    def __repr__(self) -> str:
        return f"[{self.user} | {self.group} | {self.other}]"

    def shorthand(self) -> str:
        """``"rwxr-xr-x"``-style text."""
        return "".join(part.shorthand() for part in (self.user, self.group, self.other))


@comparable
@implementer(IFilePath)
class FilePath(AbstractFilePath[AnyStr]):
    """An absolute filesystem path, ``str`` or ``bytes`` like the one it was made from.

    Operations that take a name of the other type (``child(b"x")`` on a text path) return a
    path of that name's type.
    """

    _statinfo: os.stat_result | None = None
    _chunkSize = 2**16

    def __init__(self, path: AnyStr, alwaysCreate: bool = False) -> None:
        self.path = os.path.abspath(path)
        self.alwaysCreate = alwaysCreate

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_statinfo", None)
        return state

    @property
    def sep(self) -> AnyStr:
        """The path separator, of the path's type."""
        return _coerce(os.sep, self.path)  # type: ignore[no-any-return]

    def _asBytesPath(self, encoding: str | None = None) -> bytes:
        return _coerce(self.path, b"", encoding)  # type: ignore[no-any-return]

    def _asTextPath(self, encoding: str | None = None) -> str:
        return _coerce(self.path, "", encoding)  # type: ignore[no-any-return]

    def asBytesMode(self, encoding: str | None = None) -> FilePath[bytes]:
        """This path as a ``bytes`` path (encoded with ``encoding`` or the filesystem's);
        the path itself if it is one already."""
        if isinstance(self.path, bytes):
            return self
        return self.clonePath(self._asBytesPath(encoding))

    def asTextMode(self, encoding: str | None = None) -> FilePath[str]:
        """This path as a ``str`` path (decoded with ``encoding`` or the filesystem's); the
        path itself if it is one already."""
        if isinstance(self.path, str):
            return self
        return self.clonePath(self._asTextPath(encoding))

    def _getPathAsSameTypeAs(self, pattern: OtherAnyStr) -> OtherAnyStr:
        return _coerce(self.path, pattern)  # type: ignore[no-any-return]

    def clonePath(self, path: OtherAnyStr, alwaysCreate: bool = False) -> FilePath[OtherAnyStr]:
        """A path of this class for ``path`` (``alwaysCreate`` is ignored, as in Twisted)."""
        return self.__class__(path)  # type: ignore[arg-type,return-value]

    # -- relations -------------------------------------------------------------------------

    def _checkedJoin(self, base: Any, name: Any) -> Any:
        joined = os.path.normpath(os.path.join(base, name))
        prefix = os.path.join(base, _coerce("", base))
        if joined != base and not joined.startswith(prefix):
            raise InsecurePath(f"{joined!r} is not a child of {base!r}")
        return joined

    def child(self, path: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """The direct child ``path`` (``InsecurePath`` for a name with a separator or ``..``)."""
        base = self._getPathAsSameTypeAs(path)
        separators = [os.sep] + ([os.altsep] if os.altsep else [])
        if any(_coerce(s, path) in path for s in separators):
            raise InsecurePath(f"{path!r} contains one or more directory separators")
        return self.clonePath(self._checkedJoin(base, path))

    def preauthChild(self, path: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """The descendant ``path`` (a relative path with separators allowed), provided it
        stays below this path (``InsecurePath`` otherwise)."""
        base = self._getPathAsSameTypeAs(path)
        return self.clonePath(self._checkedJoin(base, path))

    def childSearchPreauth(self, *paths: OtherAnyStr) -> FilePath[OtherAnyStr] | None:
        """The first of ``paths`` (relative, as for ``preauthChild``) that exists, or None."""
        for candidate in paths:
            found = self.preauthChild(candidate)
            if found.exists():
                return found
        return None

    def siblingExtensionSearch(self, *exts: OtherAnyStr) -> FilePath[OtherAnyStr] | None:
        """The first existing path made of this one plus an extension of ``exts``.

        ``""`` stands for this path itself, ``"*"`` for any extension.
        """
        for ext in exts:
            if not ext:
                if self.exists():
                    return self.clonePath(self._getPathAsSameTypeAs(ext))
                continue
            base = self._getPathAsSameTypeAs(ext)
            if ext == _coerce("*", ext):
                matches = glob.glob(glob.escape(base) + _coerce(".*", ext))
                if matches:
                    return self.clonePath(matches[0])
                continue
            candidate = self.clonePath(base + ext)
            if candidate.exists():
                return candidate
        return None

    def siblingExtension(self, ext: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """This path with ``ext`` appended."""
        return self.clonePath(self._getPathAsSameTypeAs(ext) + ext)

    def sibling(self, path: OtherAnyStr) -> FilePath[OtherAnyStr]:
        """The path ``path`` in the same directory."""
        return self.parent().child(path)

    def parent(self) -> FilePath[AnyStr]:
        """The containing directory (the root is its own parent)."""
        return self.clonePath(self.dirname())

    def basename(self) -> AnyStr:
        """The last segment of the path."""
        return os.path.basename(self.path)

    def dirname(self) -> AnyStr:
        """The path of the containing directory."""
        return os.path.dirname(self.path)

    def splitext(self) -> tuple[AnyStr, AnyStr]:
        """``os.path.splitext`` of the path."""
        return os.path.splitext(self.path)

    def globChildren(self, pattern: OtherAnyStr) -> list[FilePath[OtherAnyStr]]:
        """The children matching the glob ``pattern``."""
        base = self._getPathAsSameTypeAs(pattern)
        return [
            self.clonePath(found) for found in glob.glob(os.path.join(glob.escape(base), pattern))
        ]

    def listdir(self) -> list[AnyStr]:
        """The names in this directory."""
        return listdir(self.path)

    def realpath(self) -> FilePath[AnyStr]:
        """The file a symbolic link finally points to (following links to links), or this path
        if it is no link; ``LinkError`` for a cycle."""
        if not self.islink():
            return self
        visited: set[Any] = set()
        current = self.path
        while os.path.islink(current):
            if current in visited:
                raise LinkError("Cyclical link - will loop forever")
            visited.add(current)
            current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
        return self.clonePath(current)

    # -- status ----------------------------------------------------------------------------

    def restat(self, reraise: bool = True) -> None:
        """Read the file's status again (keeping None, silently, if absent and not
        ``reraise``)."""
        self._statinfo = None  # stays so when the file is not there
        try:
            self._statinfo = stat(self.path)
        except OSError:
            if reraise:
                raise

    def changed(self) -> None:
        """Forget the cached status."""
        self._statinfo = None

    def _stat(self) -> os.stat_result:
        info = self._statinfo
        if info is None:
            self.restat()
            info = self._statinfo
        return info  # type: ignore[return-value]

    def exists(self) -> bool:
        """Whether the path exists (a positive answer is cached)."""
        if self._statinfo is not None:
            return True
        self.restat(False)
        return self._statinfo is not None

    def _mode(self) -> int | None:
        if self._statinfo is None:
            self.restat(False)
        return None if self._statinfo is None else self._statinfo.st_mode

    def isdir(self) -> bool:
        """Whether the path is a directory."""
        mode = self._mode()
        return mode is not None and S_ISDIR(mode)

    def isfile(self) -> bool:
        """Whether the path is a regular file."""
        mode = self._mode()
        return mode is not None and S_ISREG(mode)

    def isBlockDevice(self) -> bool:
        """Whether the path is a block device."""
        mode = self._mode()
        return mode is not None and S_ISBLK(mode)

    def isSocket(self) -> bool:
        """Whether the path is a socket."""
        mode = self._mode()
        return mode is not None and S_ISSOCK(mode)

    def islink(self) -> bool:
        """Whether the path is a symbolic link (never cached)."""
        return os.path.islink(self.path)

    def isabs(self) -> bool:
        """Whether the path is absolute (always, for a ``FilePath``)."""
        return os.path.isabs(self.path)

    def getsize(self) -> int:
        """The file's size in bytes."""
        return self._stat().st_size

    def getModificationTime(self) -> float:
        """The time of the last change of the contents."""
        return float(self._stat().st_mtime)

    def getStatusChangeTime(self) -> float:
        """The time of the last change of the status."""
        return float(self._stat().st_ctime)

    def getAccessTime(self) -> float:
        """The time of the last access."""
        return float(self._stat().st_atime)

    def getInodeNumber(self) -> int:
        """The file's inode number."""
        return self._stat().st_ino

    def getDevice(self) -> int:
        """The device the file is on."""
        return self._stat().st_dev

    def getNumberOfHardLinks(self) -> int:
        """How many hard links the file has."""
        return self._stat().st_nlink

    def getUserID(self) -> int:
        """The owner's user id."""
        return self._stat().st_uid

    def getGroupID(self) -> int:
        """The owning group's id."""
        return self._stat().st_gid

    def getPermissions(self) -> Permissions:
        """The file's permission bits."""
        return Permissions(S_IMODE(self._stat().st_mode))

    def chmod(self, mode: int) -> None:
        """Change the permission bits (the cached status is kept until ``changed()``)."""
        os.chmod(self.path, mode)

    # -- files -----------------------------------------------------------------------------

    def requireCreate(self, val: bool = True) -> None:
        """Make ``open("w")`` fail unless it creates the file."""
        self.alwaysCreate = val

    def create(self) -> IO[bytes]:
        """Create the file exclusively (``FileExistsError`` if it exists); it is open r/w."""
        fd = os.open(self.path, _CREATE_FLAGS)
        return os.fdopen(fd, "w+b")

    def open(self, mode: FileMode = "r") -> IO[bytes]:
        """The file opened in binary ``mode``; with ``alwaysCreate``, ``create()`` whatever the
        mode (appending is refused)."""
        if self.alwaysCreate:
            if "a" in mode:
                raise AssertionError("Appending not supported when alwaysCreate == True")
            return self.create()
        text_mode: str = mode
        return open(self.path, text_mode.replace("b", "") + "b")

    def touch(self) -> None:
        """Create the file if missing and set its times to now."""
        with contextlib.suppress(OSError):
            self.open("a").close()
        utime(self.path, None)

    def setContent(self, content: bytes, ext: str | bytes = ".new") -> None:
        """Replace the file's content atomically: write a temporary sibling, then rename it."""
        sibling: FilePath[Any] = self.temporarySibling(ext)
        try:
            with sibling.open("w") as f:
                f.write(content)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(sibling.path)
            raise
        if sys.platform == "win32" and os.path.isfile(self.path):
            os.unlink(self.path)
        os.rename(sibling.path, self._getPathAsSameTypeAs(sibling.path))
        self.changed()

    def temporarySibling(self, extension: OtherAnyStr | None = None) -> FilePath[OtherAnyStr]:
        """A new path in the same directory with a random name (plus ``extension``), to be
        created exclusively."""
        if extension is None:
            extension = self.path[:0]  # type: ignore[assignment]
        name = _secureEnoughString(extension) + extension
        sibling = self.sibling(name)
        sibling.requireCreate()
        return sibling

    def remove(self) -> None:
        """Delete the file, or the directory and everything in it (a link, not its target)."""
        if self.islink() or not self.isdir():
            os.remove(self.path)
        else:  # a real directory: empty it first, depth first
            for child in self.children():
                child.remove()
            os.rmdir(self.path)
        self.changed()

    def makedirs(self, ignoreExistingDirectory: bool = False) -> None:
        """Create the directory and its missing parents (an existing directory is an error
        unless ``ignoreExistingDirectory``)."""
        if not ignoreExistingDirectory:
            os.makedirs(self.path)
            return
        try:
            os.makedirs(self.path)
        except FileExistsError:
            if not self.isdir():
                raise

    def createDirectory(self) -> None:
        """Create the directory (its parent must exist)."""
        os.mkdir(self.path)

    def linkTo(self, linkFilePath: FilePath[AnyStr]) -> None:
        """Make ``linkFilePath`` a symbolic link to this path."""
        os.symlink(self.path, linkFilePath.path)

    def copyTo(self, destination: FilePath[Any], followLinks: bool = True) -> None:
        """Copy this file or directory tree to ``destination``.

        With ``followLinks`` false a symbolic link is copied as a link.
        """
        if self.islink() and not followLinks:
            os.symlink(os.readlink(self.path), destination.path)
            return
        if self.isfile():
            # The destination is opened first (as in Twisted), and closed if the source
            # then cannot be opened.
            with destination.open("w") as target, self.open() as source:
                for chunk in iter(lambda: source.read(self._chunkSize), b""):
                    target.write(chunk)
        elif self.isdir():
            if not destination.exists():
                destination.createDirectory()
            for child in self.children():
                child.copyTo(destination.child(child.basename()), followLinks)
        else:
            raise OSError(errno.ENOENT, "No such file or directory")
        destination.changed()

    def moveTo(self, destination: FilePath[Any], followLinks: bool = True) -> None:
        """Rename to ``destination``; across filesystems, copy then remove."""
        try:
            os.rename(self._getPathAsSameTypeAs(destination.path), destination.path)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            self.copyTo(destination, followLinks)
            self.remove()
        self.changed()
        destination.changed()

    # -- comparisons -------------------------------------------------------------------------

    def __cmp__(self, other: object) -> Any:
        if not isinstance(other, FilePath):
            return NotImplemented
        return cmp(self.path, other.path)

    def __repr__(self) -> str:
        return f"FilePath({self.path!r})"
