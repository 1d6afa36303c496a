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


# The C signature of each call used: (argument types, return type).
_SIGNATURES: dict[str, tuple[list[Any], Any]] = {
    "inotify_init": ([], ctypes.c_int),
    "inotify_add_watch": ([ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32], ctypes.c_int),
    "inotify_rm_watch": ([ctypes.c_int, ctypes.c_int], ctypes.c_int),
}


def initializeModule(libc: Any) -> None:
    """Check that ``libc`` has the three inotify calls and declare their C signatures;
    ``ImportError`` naming the first one missing."""
    calls: dict[str, Any] = {name: getattr(libc, name, None) for name in _SIGNATURES}
    for name, call in calls.items():
        if call is None:
            raise ImportError(f"libc has no {name}: inotify is not supported here")
    for name, call in calls.items():
        call.argtypes, call.restype = _SIGNATURES[name]


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
