"""Address literal checks, and ``FileDescriptor``: the base of descriptors a reactor watches.

``FileDescriptor`` is for code that drives its own file descriptor through the reactor's
``addReader``/``addWriter`` (``IReactorFDSet``): a subclass provides ``fileno``, ``doRead``
and ``writeSomeData``; this class buffers ``write``, flushes it in ``doWrite``, and plays
consumer to a producer and producer to its reader. twistio's own transports do not use it
(they run on asyncio's transports); on a loop without ``add_reader`` (Windows' Proactor)
``startReading``/``startWriting`` raise ``NotImplementedError``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from twistio.internet import main
from twistio.internet._registry import installed_reactor
from twistio.internet.error import ConnectionClosed
from twistio.internet.interfaces import (
    IConsumer,
    IFileDescriptor,
    IHalfCloseableDescriptor,
    ILoggingContext,
    IProducer,
    IPushProducer,
    IReadWriteDescriptor,
    ITransport,
    implementer,
)
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio.internet.interfaces import IAddress, IReadDescriptor, IWriteDescriptor

__all__ = ["FileDescriptor", "isIPAddress", "isIPv6Address"]


def _text(addr: str | bytes) -> str | None:
    if isinstance(addr, bytes):
        try:
            return addr.decode("ascii")
        except UnicodeDecodeError:
            return None
    return addr


def isIPAddress(addr: str | bytes, family: int = socket.AF_INET) -> bool:
    """Whether ``addr`` is an address literal of ``family`` (AF_INET: dotted quad;
    AF_INET6: an IPv6 literal, a ``%scope`` suffix allowed)."""
    if family == socket.AF_INET6:
        return isIPv6Address(addr)
    if family != socket.AF_INET:
        raise ValueError(f"unknown address family {family!r}")
    text = _text(addr)
    if text is None or text.count(".") != 3:
        return False
    try:
        socket.inet_pton(socket.AF_INET, text)
    except (OSError, ValueError):
        return False
    return True


def isIPv6Address(addr: str | bytes) -> bool:
    """Whether ``addr`` is an IPv6 address literal (a ``%scope`` suffix allowed)."""
    text = _text(addr)
    if text is None:
        return False
    text = text.split("%", 1)[0]
    if not text:
        return False
    try:
        socket.inet_pton(socket.AF_INET6, text)
    except (OSError, ValueError):
        return False
    return True


class _FDReactor(Protocol):
    def addReader(self, reader: IReadDescriptor) -> None: ...

    def addWriter(self, writer: IWriteDescriptor) -> None: ...

    def removeReader(self, reader: IReadDescriptor) -> None: ...

    def removeWriter(self, writer: IWriteDescriptor) -> None: ...


@implementer(
    IConsumer,
    IFileDescriptor,
    IHalfCloseableDescriptor,
    ILoggingContext,
    IPushProducer,
    IReadWriteDescriptor,
    ITransport,
)
class FileDescriptor:
    """A descriptor the reactor watches, with buffered writes and producer support.

    Subclasses provide ``fileno()``, ``doRead()`` and ``writeSomeData(data)`` (the number of
    bytes written, or an exception meaning the connection is lost). ``write`` buffers and
    asks the reactor to call ``doWrite``; a streaming producer is paused while more than
    ``bufferSize`` bytes wait, and a pull producer is asked for more once the buffer drains.
    ``loseConnection`` closes once the buffer is flushed.
    """

    # Limits: pause a streaming producer past bufferSize; write SEND_LIMIT per doWrite.
    bufferSize = 2**16
    SEND_LIMIT = 128 * 1024
    # State, as Twisted names it.
    connected = disconnected = disconnecting = 0
    _writeDisconnecting = _writeDisconnected = False
    # What is being written: dataBuffer[offset:], then the chunks written since.
    dataBuffer = b""
    offset = 0
    producer: IProducer | None = None
    streamingProducer = producerPaused = False

    def __init__(self, reactor: _FDReactor | None = None) -> None:
        if reactor is None:
            reactor = installed_reactor()
        self.reactor: _FDReactor = reactor
        self._pending: list[bytes] = []
        self._pendingSize = 0

    # -- to provide in a subclass -------------------------------------------------------------

    def fileno(self) -> int:
        """The descriptor number (-1 once closed): a subclass provides it."""
        return -1

    def doRead(self) -> object:
        """Read what is ready: a subclass provides it."""
        raise NotImplementedError(f"{type(self).__name__} did not implement doRead")

    def writeSomeData(self, data: bytes) -> int | BaseException:
        """Write some of ``data``; the count written, or an exception if the connection
        is lost: a subclass provides it."""
        raise NotImplementedError(f"{type(self).__name__} did not implement writeSomeData")

    def getHost(self) -> IAddress:
        """The local address: a subclass provides it."""
        raise NotImplementedError()

    def getPeer(self) -> IAddress:
        """The remote address: a subclass provides it."""
        raise NotImplementedError()

    def logPrefix(self) -> str:
        """The class name, for log lines."""
        return type(self).__name__

    # -- watching ----------------------------------------------------------------------------

    def startReading(self) -> None:
        """Have the reactor call ``doRead`` when the descriptor is readable."""
        self.reactor.addReader(self)

    def stopReading(self) -> None:
        """Stop watching for reads."""
        self.reactor.removeReader(self)

    def startWriting(self) -> None:
        """Have the reactor call ``doWrite`` when the descriptor is writable."""
        self.reactor.addWriter(self)

    def stopWriting(self) -> None:
        """Stop watching for writes."""
        self.reactor.removeWriter(self)

    # -- writing -----------------------------------------------------------------------------

    def _buffered(self) -> int:
        return len(self.dataBuffer) - self.offset + self._pendingSize

    def write(self, data: bytes) -> None:
        """Buffer ``data`` and have it flushed; ignored once disconnected or half-closed."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if not data or not self.connected or self._writeDisconnected:
            return
        self._pending.append(bytes(data))
        self._pendingSize += len(data)
        self._maybePauseProducer()
        self.startWriting()

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        """Buffer each of ``iovec``."""
        chunks = list(iovec)
        for chunk in chunks:
            if isinstance(chunk, str):
                raise TypeError("Data must be bytes, not str")
        for chunk in chunks:
            self.write(chunk)

    def _maybePauseProducer(self) -> None:
        producer = self.producer
        if (
            producer is not None
            and self.streamingProducer
            and not self.producerPaused
            and self._buffered() > self.bufferSize
        ):
            self.producerPaused = True
            producer.pauseProducing()  # type: ignore[attr-defined]

    def doWrite(self) -> object:
        """Write buffered data; once it is all out, finish a pending close or half-close and
        wake the producer."""
        self._gatherPending()
        sent = self._sendSome()
        if not isinstance(sent, int):  # why the connection ends (main.CONNECTION_LOST ...)
            return sent
        self.offset += sent
        if self._pending or self.offset != len(self.dataBuffer):
            return None  # more to send at the next writable event
        return self._bufferEmptied()

    def _gatherPending(self) -> None:
        """Move what ``write`` queued into ``dataBuffer`` when less than a send's worth is left."""
        if not self._pending or len(self.dataBuffer) - self.offset >= self.SEND_LIMIT:
            return
        unsent = memoryview(self.dataBuffer)[self.offset :]
        self.dataBuffer = b"".join([unsent, *self._pending])
        self._pending, self._pendingSize, self.offset = [], 0, 0

    def _sendSome(self) -> object:
        """Offer at most ``SEND_LIMIT`` bytes to ``writeSomeData``; what it returns."""
        window = memoryview(self.dataBuffer)[self.offset : self.offset + self.SEND_LIMIT]
        if not window.nbytes:
            return 0
        return self.writeSomeData(window.tobytes())

    def _bufferEmptied(self) -> object:
        """All written: stop watching for writability, then wake a producer that waits for
        room, or else carry out a close or half-close asked for earlier."""
        self.dataBuffer, self.offset = b"", 0
        self.stopWriting()
        producer = self.producer
        if producer is not None and (self.producerPaused or not self.streamingProducer):
            self.producerPaused = False
            producer.resumeProducing()  # type: ignore[attr-defined]
        elif self.disconnecting:
            return self._postLoseConnection()
        elif self._writeDisconnecting:
            self._writeDisconnected = True
            self._closeWriteConnection()
        return None

    def _postLoseConnection(self) -> ConnectionClosed:
        """What ``doWrite`` returns once a ``loseConnection`` has flushed everything."""
        return main.CONNECTION_DONE

    def _closeWriteConnection(self) -> None:
        """Shut down the write side (a subclass that can half-close overrides this)."""

    def loseConnection(self, _connDone: Failure | None = None) -> None:
        """Close once the buffer is flushed (and a producer is unregistered)."""
        if not self.connected or self.disconnecting:
            return
        if self._writeDisconnected:
            self.stopReading()
            self.stopWriting()
            self.connectionLost(_connDone or Failure(main.CONNECTION_DONE))
            return
        self.stopReading()
        self.startWriting()
        self.disconnecting = 1

    def loseWriteConnection(self) -> None:
        """Half-close once the buffer is flushed."""
        self._writeDisconnecting = True
        self.startWriting()

    def readConnectionLost(self, reason: Failure) -> None:
        """The read side closed: close the whole connection (override to half-close)."""
        self.connectionLost(reason)

    def writeConnectionLost(self, reason: Failure) -> None:
        """The write side closed: close the whole connection."""
        self.connectionLost(reason)

    def connectionLost(self, reason: Failure) -> None:
        """Mark disconnected, stop the producer and stop being watched."""
        self.disconnected = 1
        self.connected = 0
        producer = self.producer
        if producer is not None:
            self.producer = None
            producer.stopProducing()
        self.stopReading()
        self.stopWriting()

    # -- consumer ----------------------------------------------------------------------------

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Attach a producer; ``RuntimeError`` if one is attached already."""
        if self.producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}, because producer "
                f"{self.producer!r} was never unregistered."
            )
        if self.disconnected:
            producer.stopProducing()
            return
        self.producer = producer
        self.streamingProducer = bool(streaming)
        self.producerPaused = False
        if not streaming:
            producer.resumeProducing()  # type: ignore[attr-defined]

    def unregisterProducer(self) -> None:
        """Detach the producer; a pending ``loseConnection`` proceeds."""
        self.producer = None
        if self.connected and self.disconnecting:
            self.startWriting()

    def stopConsuming(self) -> None:
        """Detach the producer and close."""
        self.unregisterProducer()
        self.loseConnection()

    # -- producer (of what is read) ----------------------------------------------------------

    def pauseProducing(self) -> None:
        """Stop reading."""
        self.stopReading()

    def resumeProducing(self) -> None:
        """Read again (unless closing)."""
        if self.connected and not self.disconnecting:
            self.startReading()

    def stopProducing(self) -> None:
        """Close."""
        self.loseConnection()
