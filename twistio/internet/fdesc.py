"""Non-blocking file descriptor helpers for ``doRead``/``doWrite`` implementations."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from twistio.internet.error import ConnectionClosed
from twistio.internet.main import CONNECTION_DONE, CONNECTION_LOST

__all__ = ["readFromFD", "setBlocking", "setNonBlocking", "writeToFD"]

_READ_SIZE = 8192
_AGAIN = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)


def setNonBlocking(fd: int) -> None:
    """Put the open file description of ``fd`` in non-blocking mode."""
    os.set_blocking(fd, False)


def setBlocking(fd: int) -> None:
    """Put the open file description of ``fd`` in blocking mode."""
    os.set_blocking(fd, True)


def _setCloseOnExec(fd: int) -> None:
    """Have ``fd`` closed in programs this process ``exec``s (``FD_CLOEXEC``)."""
    os.set_inheritable(fd, False)


def _unsetCloseOnExec(fd: int) -> None:
    """Have ``fd`` stay open in programs this process ``exec``s."""
    os.set_inheritable(fd, True)


def readFromFD(fd: int, callback: Callable[[bytes], object]) -> ConnectionClosed | None:
    """Read what ``fd`` has (up to 8 KiB) and give it to ``callback``.

    Returns what a ``doRead`` returns: None (data, or nothing yet), ``CONNECTION_DONE`` at
    end of file, ``CONNECTION_LOST`` on an error.
    """
    try:
        data = os.read(fd, _READ_SIZE)
    except OSError as e:
        if e.errno in _AGAIN:
            return None
        return CONNECTION_LOST
    if not data:
        return CONNECTION_DONE
    callback(data)
    return None


def writeToFD(fd: int, data: bytes) -> int | ConnectionClosed:
    """Write what ``fd`` takes of ``data``: the number of bytes written (0 when it would
    block), or ``CONNECTION_LOST`` on an error."""
    try:
        return os.write(fd, data)
    except OSError as e:
        if e.errno in _AGAIN:
            return 0
        return CONNECTION_LOST
