"""Linux inotify: callbacks when watched files and directories change.

::

    from twistio.internet import inotify
    from twistio.python.filepath import FilePath

    def changed(watch, path, mask):
        print(path, inotify.humanReadableMask(mask))

    notifier = inotify.INotify()
    notifier.startReading()
    notifier.watch(FilePath("/some/dir"), callbacks=[changed])

Each callback gets ``(watch, path, mask)``: an opaque handle (do not rely on it), the
``FilePath`` the event is about (in bytes mode, whatever mode was watched) and the event's
mask. The inotify descriptor is read through the reactor's ``addReader``, so this needs a
loop that has ``add_reader`` (any selector loop, uvloop). Importing this module raises
``ImportError`` where inotify is unavailable (not Linux).

Every watch also hears ``IN_DELETE_SELF``, asked for or not. A watch the kernel drops (its file deleted or unmounted: ``IN_IGNORED``, or
``IN_DELETE_SELF``) is forgotten after its callbacks ran; once no watch is left the
notifier closes. Unlike Twisted, which closes the notifier at the first ``IN_DELETE_SELF``
of any watched path, the other watches keep working (docs/differences.md).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Sequence
from typing import Protocol, Union

from twistio.internet import main
from twistio.internet.abstract import FileDescriptor
from twistio.internet.interfaces import IReactorFDSet
from twistio.python import _inotify, log
from twistio.python._inotify import INotifyError
from twistio.python.failure import Failure
from twistio.python.filepath import FilePath

__all__ = [
    "IN_ACCESS",
    "IN_ATTRIB",
    "IN_CHANGED",
    "IN_CLOSE",
    "IN_CLOSE_NOWRITE",
    "IN_CLOSE_WRITE",
    "IN_CREATE",
    "IN_DELETE",
    "IN_DELETE_SELF",
    "IN_DONT_FOLLOW",
    "IN_IGNORED",
    "IN_ISDIR",
    "IN_MASK_ADD",
    "IN_MODIFY",
    "IN_MOVED",
    "IN_MOVED_FROM",
    "IN_MOVED_TO",
    "IN_MOVE_SELF",
    "IN_ONESHOT",
    "IN_ONLYDIR",
    "IN_OPEN",
    "IN_Q_OVERFLOW",
    "IN_UNMOUNT",
    "IN_WATCH_MASK",
    "INotify",
    "INotifyError",
    "humanReadableMask",
]

# Events (inotify(7)); a watch asks for some, and each event's mask has one of them.
IN_ACCESS = 0x00000001
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
IN_OPEN = 0x00000020
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
# Set by the kernel in any event's mask.
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
# Options of a watch.
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_MASK_ADD = 0x20000000
IN_ISDIR = 0x40000000
IN_ONESHOT = 0x80000000

IN_CLOSE = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
IN_MOVED = IN_MOVED_FROM | IN_MOVED_TO
IN_CHANGED = IN_MODIFY | IN_ATTRIB

# What ``watch`` asks for by default: what changes in or happens to the path (neither reads
# nor opens and closes), and its file system going away.
IN_WATCH_MASK = IN_CHANGED | IN_MOVED | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
IN_WATCH_MASK |= IN_UNMOUNT

# Each single flag and its name in ``humanReadableMask``: the constant's name, lower case,
# spelled out where the constant abbreviates.
_SPELLED = {"Q_OVERFLOW": "queue_overflow", "ONLYDIR": "only_dir", "ISDIR": "is_dir"}
_SPELLED["ONESHOT"] = "one_shot"
_FLAG_TO_HUMAN: list[tuple[int, str]] = sorted(
    (value, _SPELLED.get(name[3:], name[3:].lower()))
    for name, value in list(globals().items())
    if name.startswith("IN_") and isinstance(value, int) and value & (value - 1) == 0
)

# struct inotify_event: wd, mask, cookie, len, then len bytes of NUL-padded name.
_EVENT = struct.Struct("iIII")
_READ_SIZE = 64 * 1024

#: A watch's callback: ``callback(watch, path, mask)``; the first argument is the watch
#: object (opaque: callbacks ignore it, as in Twisted).
Callback = Callable[[object, FilePath[bytes], int], object]

#: A path to watch, in either mode (it is watched in bytes mode).
_AnyPath = Union[FilePath[str], FilePath[bytes]]


class _INotifyCalls(Protocol):
    """What ``INotify`` calls of ``twistio.python._inotify`` (a test may stand in for it)."""

    def init(self) -> int: ...

    def add(self, fd: int, path: FilePath[bytes], mask: int) -> int: ...

    def remove(self, fd: int, wd: int) -> None: ...


def humanReadableMask(mask: int) -> list[str]:
    """The names of the flags set in ``mask`` (``["create", "is_dir"]``)."""
    return [name for flag, name in _FLAG_TO_HUMAN if mask & flag]


class _Watch:
    """One watched path: what it asks for and whom to tell."""

    def __init__(
        self,
        path: FilePath[bytes],
        mask: int = IN_WATCH_MASK,
        autoAdd: bool = False,
        callbacks: Sequence[Callback] | None = None,
    ) -> None:
        self.path = path
        self.mask = mask
        self.autoAdd = autoAdd
        self.callbacks: list[Callback] = list(callbacks or [])

    def _notify(self, path: FilePath[bytes], mask: int) -> None:
        for callback in self.callbacks:
            callback(self, path, mask)

    def __repr__(self) -> str:
        return f"<inotify watch of {self.path.path!r} {humanReadableMask(self.mask)}>"


class INotify(FileDescriptor):
    """An inotify descriptor: ``watch`` paths, ``ignore`` them, ``startReading`` to have
    callbacks run as events arrive. ``INotifyError`` at construction where the kernel
    refuses a new inotify instance (too many open)."""

    _inotify: _INotifyCalls = _inotify

    def __init__(self, reactor: IReactorFDSet | None = None) -> None:
        super().__init__(reactor)
        self._fd: int = self._inotify.init()
        self.connected = 1
        self._buffer = b""
        self._watchpoints: dict[int, _Watch] = {}
        self._watchpaths: dict[FilePath[bytes], int] = {}

    def fileno(self) -> int:
        """The inotify descriptor."""
        return self._fd

    # -- watches -------------------------------------------------------------------------------

    def watch(
        self,
        path: _AnyPath,
        mask: int = IN_WATCH_MASK,
        autoAdd: bool = False,
        callbacks: Sequence[Callback] | None = None,
        recursive: bool = False,
    ) -> int:
        """Watch ``path`` for the events in ``mask``; the watch descriptor (that of the
        existing watch if ``path`` is watched already). ``autoAdd`` watches directories
        created in it as they appear (telling of what they already hold, since files can
        be made in a new directory before its watch exists); ``recursive`` watches every
        directory under ``path`` too. ``INotifyError`` if the kernel refuses (no such
        path, too many watches)."""
        top = path.asBytesMode()
        if recursive:
            for child in top.walk():
                if child != top and child.isdir():
                    self._addWatch(child, mask, autoAdd, callbacks)
        return self._addWatch(top, mask, autoAdd, callbacks)

    def _addWatch(
        self,
        path: FilePath[bytes],
        mask: int,
        autoAdd: bool,
        callbacks: Sequence[Callback] | None,
    ) -> int:
        known = self._watchpaths.get(path)
        if known is not None:
            return known
        # IN_DELETE_SELF always: a watch must learn that its path is gone, and its
        # callbacks hear of it whatever they asked for.
        wd: int = self._inotify.add(self._fd, path, mask | IN_DELETE_SELF)
        self._watchpoints[wd] = _Watch(path, mask, autoAdd, callbacks)
        self._watchpaths[path] = wd
        return wd

    def ignore(self, path: _AnyPath) -> None:
        """Stop watching ``path``; ``KeyError`` if it is not watched."""
        key = path.asBytesMode()
        wd = self._watchpaths.pop(key, None)
        if wd is None:
            raise KeyError(f"{key!r} is not watched")
        del self._watchpoints[wd]
        self._inotify.remove(self._fd, wd)

    def _rmWatch(self, wd: int) -> None:
        """Forget a watch the kernel dropped; close once none is left."""
        watch = self._watchpoints.pop(wd, None)
        if watch is not None:
            self._watchpaths.pop(watch.path, None)
        if not self._watchpoints:
            self.loseConnection()

    def _isWatched(self, path: _AnyPath) -> bool:
        """Whether ``path`` is watched."""
        return path.asBytesMode() in self._watchpaths

    # -- events --------------------------------------------------------------------------------

    def doRead(self) -> object:
        """Read the events that are ready and run their watches' callbacks."""
        try:
            data = os.read(self._fd, _READ_SIZE)
        except BlockingIOError:
            return None
        except OSError as e:
            return e
        if not data:
            return main.CONNECTION_LOST
        buffer = self._buffer + data if self._buffer else data
        offset, end = 0, len(buffer)
        while end - offset >= _EVENT.size:
            wd, mask, _cookie, size = _EVENT.unpack_from(buffer, offset)
            stop = offset + _EVENT.size + size
            if stop > end:
                break
            name = buffer[offset + _EVENT.size : stop].rstrip(b"\0")
            offset = stop
            self._dispatch(wd, mask, name)
            if not self.connected:
                return None
        self._buffer = buffer[offset:]
        return None

    def _dispatch(self, wd: int, mask: int, name: bytes) -> None:
        watch = self._watchpoints.get(wd)
        if watch is None:  # an event already queued for a watch since removed
            return
        path = watch.path.child(name) if name else watch.path
        watch._notify(path, mask)
        if mask & (IN_IGNORED | IN_DELETE_SELF):
            self._rmWatch(wd)
        elif watch.autoAdd and mask & IN_ISDIR and mask & IN_CREATE:
            self._adopt(path, watch)

    def _adopt(self, directory: FilePath[bytes], parent: _Watch) -> None:
        """Watch a directory just created in ``parent``'s, and tell of what it already
        holds (created before its watch existed), descending into its directories."""
        try:
            self._addWatch(directory, parent.mask, True, parent.callbacks)
            children = directory.children()
        except (INotifyError, OSError):
            return  # gone again already
        wd = self._watchpaths[directory]
        watch = self._watchpoints[wd]
        for child in children:
            if child.isdir():
                watch._notify(child, IN_CREATE | IN_ISDIR)
                self._adopt(child, watch)
            else:
                watch._notify(child, IN_CREATE)

    # -- closing -------------------------------------------------------------------------------

    def loseConnection(self, _connDone: Failure | None = None) -> None:
        """Close now: nothing is ever written to an inotify descriptor, so there is
        nothing to flush."""
        if not self.connected:
            return
        self.stopReading()
        self.connectionLost(_connDone or Failure(main.CONNECTION_DONE))

    def connectionLost(self, reason: Failure) -> None:
        """Stop reading and close the descriptor (a failure to close is logged)."""
        super().connectionLost(reason)
        try:
            os.close(self._fd)
        except OSError:
            log.err(None, "Couldn't close INotify file descriptor.")
