"""Linux inotify(7) system calls through ctypes: the layer under ``internet.inotify``.

Importing this module raises ``ImportError`` where libc lacks the inotify calls (not Linux,
or a libc without them); ``internet.inotify`` is then unavailable.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any

from twistio.python.filepath import FilePath

__all__ = ["INotifyError", "add", "init", "initializeModule", "remove"]


class INotifyError(Exception):
    """An inotify call failed (the one error every call of this API raises)."""


def initializeModule(libc: Any) -> None:
    """Check that ``libc`` has the three inotify calls and declare their C signatures;
    ``ImportError`` naming the first one missing."""
    for call in ("inotify_init", "inotify_add_watch", "inotify_rm_watch"):
        if getattr(libc, call, None) is None:
            raise ImportError(f"libc has no {call}: inotify is not supported here")
    libc.inotify_init.argtypes = []
    libc.inotify_init.restype = ctypes.c_int
    libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.inotify_rm_watch.restype = ctypes.c_int
    libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    libc.inotify_add_watch.restype = ctypes.c_int


def init() -> int:
    """A new inotify instance's file descriptor (non-blocking, closed on exec)."""
    fd = int(libc.inotify_init())
    if fd < 0:
        raise INotifyError("INotify initialization error.")
    os.set_blocking(fd, False)
    os.set_inheritable(fd, False)
    return fd


def add(fd: int, path: FilePath[Any], mask: int) -> int:
    """Watch ``path`` for the events in ``mask`` on the inotify descriptor ``fd``; the watch
    descriptor (the same one again for a path already watched)."""
    wd = int(libc.inotify_add_watch(fd, path.asBytesMode().path, mask))
    if wd < 0:
        raise INotifyError(f"Failed to add watch on {path!r} - ({wd!r})")
    return wd


def remove(fd: int, wd: int) -> None:
    """Stop the watch ``wd``; errors are ignored (the kernel may have dropped it already,
    after the file went away)."""
    libc.inotify_rm_watch(fd, wd)


def _load() -> Any:
    name = ctypes.util.find_library("c")
    if not name:
        raise ImportError("libc not found: inotify is not supported here")
    try:
        found = ctypes.CDLL(name, use_errno=True)
    except OSError as e:
        raise ImportError(f"cannot load {name}: {e}") from e
    initializeModule(found)
    return found


libc: Any = _load()
