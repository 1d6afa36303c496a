"""Thread helpers (``twisted.python.threadable``): the I/O thread and synchronised classes."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["XLock", "getThreadID", "isInIOThread", "registerAsIOThread"]

#: Whether synchronised classes really lock (``init()`` sets it).
threaded = True

#: The id of the thread registered as the reactor's, or None.
ioThread: int | None = None

_to_be_synchronized: list[type] = []


class DummyLock:
    """A placeholder for a lock in pickles; unpickles as an ``XLock``."""

    def __reduce__(self) -> tuple[Callable[[], XLock], tuple[()]]:
        return (unpickle_lock, ())


class XLock(threading._PyRLock):  # type: ignore[name-defined,misc]
    """A re-entrant lock that survives pickling (as a fresh unlocked lock)."""

    def __reduce__(self) -> tuple[Callable[[], XLock], tuple[()]]:
        return (unpickle_lock, ())


def unpickle_lock() -> XLock:
    """A new ``XLock`` (what a pickled lock becomes)."""
    return XLock()


def _synch_method(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def sync(self: Any, *args: Any, **kwargs: Any) -> Any:
        lock = self.__dict__.get("_threadable_lock")
        if lock is None:
            lock = self.__dict__.setdefault("_threadable_lock", XLock())
        with lock:
            return method(self, *args, **kwargs)

    sync._twistio_synchronized = True  # type: ignore[attr-defined]
    return sync


def _synchronize(klass: type) -> None:
    for name in getattr(klass, "synchronized", ()):
        method = getattr(klass, name)
        if not getattr(method, "_twistio_synchronized", False):
            setattr(klass, name, _synch_method(method))


def synchronize(*klasses: type) -> None:
    """Make the methods each class names in ``synchronized`` hold a per-instance lock."""
    if threaded:
        for klass in klasses:
            _synchronize(klass)
    else:
        _to_be_synchronized.extend(klasses)


def init(with_threads: int = 1) -> None:
    """Switch on (or off) real locking for synchronised classes."""
    global threaded
    if with_threads and not threaded:
        threaded = True
        while _to_be_synchronized:
            _synchronize(_to_be_synchronized.pop())
    elif not with_threads:
        threaded = False


def getThreadID() -> int:
    """The current thread's identifier."""
    return threading.get_ident()


def isInIOThread() -> bool:
    """Whether this is the thread registered with ``registerAsIOThread``."""
    return ioThread == getThreadID()


def registerAsIOThread() -> None:
    """Record the current thread as the I/O (reactor) thread."""
    global ioThread
    ioThread = getThreadID()
