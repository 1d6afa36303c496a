"""Messages with ancillary data (file descriptors) over UNIX sockets.

The standard library has had ``socket.sendmsg``/``recvmsg`` since Python 3.3; these are the
small functions Twisted code calls them through.
"""

from __future__ import annotations

from socket import CMSG_SPACE, SCM_RIGHTS
from socket import socket as Socket
from typing import NamedTuple

__all__ = ["CMSG_SPACE", "SCM_RIGHTS", "ReceivedMessage", "getSocketFamily", "recvmsg", "sendmsg"]


class ReceivedMessage(NamedTuple):
    """What one ``recvmsg`` call read: the bytes, the ancillary items, the flags."""

    data: bytes
    ancillary: list[tuple[int, int, bytes]]
    flags: int


def sendmsg(
    socket: Socket,
    data: bytes,
    ancillary: list[tuple[int, int, bytes]] = [],  # noqa: B006 (read only)
    flags: int = 0,
) -> int:
    """Send ``data`` with ``ancillary`` items ``(level, type, bytes)``; the count of bytes sent."""
    return socket.sendmsg([data], ancillary, flags)


def recvmsg(
    socket: Socket, maxSize: int = 8192, cmsgSize: int = 4096, flags: int = 0
) -> ReceivedMessage:
    """Read up to ``maxSize`` bytes and ``cmsgSize`` bytes of ancillary data (whole items)."""
    # Room for the whole items the kernel may hand back, not only their payloads.
    room = CMSG_SPACE(cmsgSize)
    data, items, received, _ = socket.recvmsg(maxSize, room, flags)
    return ReceivedMessage(data, list(items), received)


def getSocketFamily(socket: Socket) -> int:
    """The address family (``AF_UNIX``, ``AF_INET``...) of ``socket``."""
    return int(socket.family)
