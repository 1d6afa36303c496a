"""``SSHChannel``: one channel of an SSH connection, with its windows and flow control.

The call order on a channel: ``channelOpen`` (or ``openFailed``), then any number of
``dataReceived``/``extReceived``/``requestReceived``/``addWindowBytes``, an optional
``eofReceived``, ``closeReceived``, and ``closed`` once both sides have sent CLOSE.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from twistio.internet.interfaces import ITransport, implementer

if TYPE_CHECKING:
    from twistio.conch.interfaces import IConchUser
    from twistio.conch.ssh.connection import SSHConnection

__all__ = ["SSHChannel"]

_log = logging.getLogger("twistio.conch")

_DEFAULT_WINDOW = 128 * 1024
_DEFAULT_PACKET = 32 * 1024
_TRANSLATE = bytes(c if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else 95
                   for c in range(256))


@implementer(ITransport)
class SSHChannel:
    """A channel; it is the transport of whatever protocol it carries.

    ``localWindowSize``/``localMaxPacket`` bound what the peer may send us,
    ``remoteWindowLeft``/``remoteMaxPacket`` what we may send; ``write`` keeps what the
    window does not allow in ``buf`` and calls ``stopWriting`` until the peer adds window
    (then ``startWriting``).
    """

    name: bytes | None = None

    def __init__(self, localWindow: int = 0, localMaxPacket: int = 0, remoteWindow: int = 0,
                 remoteMaxPacket: int = 0, conn: SSHConnection | None = None,
                 data: bytes | None = None, avatar: IConchUser | None = None) -> None:
        # What we let the peer send, and what it lets us send.
        self.localWindowSize = self.localWindowLeft = localWindow or _DEFAULT_WINDOW
        self.localMaxPacket = localMaxPacket or _DEFAULT_PACKET
        self.remoteWindowLeft, self.remoteMaxPacket = remoteWindow, remoteMaxPacket
        self.conn: Any = conn
        self.avatar, self.data = avatar, data
        self.id: int | None = None  # our number for it, once open
        self.specificData = b""
        # Waiting for window: data, and extended data as (type, bytes).
        self.buf = b""
        # [dataType, data] pairs waiting for window (lists, as Twisted keeps them).
        self.extBuf: list[list[Any]] = []
        self.areWriting = 1
        self.closing = self.localClosed = self.remoteClosed = 0

    def __str__(self) -> str:
        return self.__bytes__().decode("ascii", "replace")

    def __bytes__(self) -> bytes:
        name = self.name or b"None"
        return (b"<SSHChannel " + name + b" (lw " + str(self.localWindowLeft).encode()
                + b" rw " + str(self.remoteWindowLeft).encode() + b")>")

    def logPrefix(self) -> str:
        id_ = "unknown" if self.id is None else str(self.id)
        name = (self.name or b"None").decode("ascii", "replace")
        return f"SSHChannel {name} ({id_}) on {self.conn.logPrefix() if self.conn else '?'}"

    def channelOpen(self, specificData: bytes) -> None:
        """The channel is open; ``specificData`` came with the confirmation."""

    def openFailed(self, reason: Exception) -> None:
        """The peer refused to open the channel: ``reason`` is a ``ConchError``."""
        _log.info("other side refused open: %s", reason)

    def addWindowBytes(self, data: int) -> None:
        """The peer allows ``data`` more bytes: send what waits in ``buf``."""
        self.remoteWindowLeft += data
        if not (self.areWriting or self.closing):
            self.areWriting = True
            self.startWriting()
        waiting, self.buf = self.buf, b""
        if waiting:
            self.write(waiting)
        waitingExt, self.extBuf = self.extBuf, []
        for dataType, chunk in waitingExt:
            self.writeExtended(dataType, chunk)

    def requestReceived(self, requestType: bytes, data: bytes) -> Any:
        """A channel request: run ``request_<type>`` (non-alphanumerics as ``_``); its
        truth (or a Deferred's) is the answer."""
        handler = getattr(self, "request_" + requestType.translate(_TRANSLATE).decode("ascii"),
                          None)
        if handler is None:
            _log.debug("unhandled channel request %r", requestType)
            return 0
        return handler(data)

    def dataReceived(self, data: bytes) -> None:
        """Bytes from the peer."""

    def extReceived(self, dataType: int, data: bytes) -> None:
        """Extended data (``dataType`` 1 is stderr) from the peer."""

    def eofReceived(self) -> None:
        """The peer will send no more data."""

    def closeReceived(self) -> None:
        """The peer closed the channel: close our side too."""
        self.loseConnection()

    def closed(self) -> None:
        """Both sides closed the channel."""

    def _splitAtWindow(self, data: bytes) -> tuple[bytes, bytes]:
        """What the peer's window takes now, and what has to wait for more window."""
        room = self.remoteWindowLeft
        return (data, b"") if len(data) <= room else (data[:room], data[room:])

    def _windowFull(self) -> None:
        self.areWriting = 0
        self.stopWriting()

    def _packets(self, data: bytes) -> Iterator[bytes]:
        """``data`` cut to the peer's largest packet (nothing for no data)."""
        size = self.remoteMaxPacket
        for start in range(0, len(data), size):
            yield bytes(data[start : start + size])

    def write(self, data: bytes) -> None:
        """Send ``data``, as far as the peer's window allows; the rest waits in ``buf``."""
        if self.buf:  # older data waits for window: this goes behind it
            self.buf += data
            return
        now, later = self._splitAtWindow(data)
        if later:
            self.buf = later
            self._windowFull()
        for packet in self._packets(now):
            self.conn.sendData(self, packet)
        self.remoteWindowLeft -= len(now)
        if self.closing and not self.buf:
            self.loseConnection()

    def writeExtended(self, dataType: int, data: bytes) -> None:
        """Send extended data of ``dataType`` (1: stderr), as the window allows."""
        if self.extBuf:  # queue behind what waits, joined to a last piece of the same type
            lastType, lastData = self.extBuf[-1]
            if lastType == dataType:
                self.extBuf[-1] = [dataType, lastData + data]
            else:
                self.extBuf.append([dataType, data])
            return
        now, later = self._splitAtWindow(data)
        if later:
            self.extBuf.append([dataType, later])
            self._windowFull()
        for packet in self._packets(now):
            self.conn.sendExtendedData(self, dataType, packet)
        self.remoteWindowLeft -= len(now)
        if self.closing:
            self.loseConnection()

    def writeSequence(self, data: Any) -> None:
        """Send the concatenation of ``data``."""
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        """Close the channel once what waits in the buffers has been sent."""
        self.closing = 1
        if not self.buf and not self.extBuf:
            self.conn.sendClose(self)

    def getPeer(self) -> Any:
        """The peer's address: the SSH transport's (an ``SSHTransportAddress``)."""
        return self.conn.transport.getPeer()

    def getHost(self) -> Any:
        """Our address: the SSH transport's (an ``SSHTransportAddress``)."""
        return self.conn.transport.getHost()

    def stopWriting(self) -> None:
        """The peer's window is full: a producer feeding this channel should pause."""

    def startWriting(self) -> None:
        """The peer's window opened again."""
