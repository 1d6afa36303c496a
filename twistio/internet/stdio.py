"""``StandardIO``: a stream protocol on this process's stdin and stdout.

Call order: ``makeConnection`` before ``StandardIO(...)`` returns; ``dataReceived`` for what
arrives on stdin; at end of stdin, a protocol declaring ``IHalfCloseableProtocol`` gets
``readConnectionLost`` (and may keep writing), any other has its stdout closed once flushed;
``connectionLost(ConnectionDone)`` once both are closed, as in Twisted.

Built on asyncio's ``connect_read_pipe``/``connect_write_pipe`` for pipes, sockets and
terminals. A regular file (``prog < input``, ``prog > output``), which asyncio's pipe
transports refuse, is read and written through the reactor's ``addReader``/``addWriter``
instead, as Twisted does (a regular file is always ready: it is read at each pass of the
loop until its end). Closing the transport closes the descriptors of pipes, so the other
side sees EOF; those of regular files stay open, as in Twisted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Iterable
from typing import cast

from twistio.internet import error, main
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.abstract import FileDescriptor
from twistio.internet.interfaces import (
    IConsumer,
    IHalfCloseableProtocol,
    IProtocol,
    IPullProducer,
    IPushProducer,
    ITransport,
    implementer,
)
from twistio.python.failure import Failure

__all__ = ["PipeAddress", "StandardIO"]

_log = logging.getLogger("twistio")


def _is_regular_file(fd: int) -> bool:
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


class _FileReader(FileDescriptor):
    """Standard input when it is a regular file: read through the reactor's FD set (the
    reader Twisted's tests find in ``getReaders()``), with the few methods of asyncio's read
    transport that ``StandardIO`` uses."""

    def __init__(self, stdio: StandardIO, fd: int, reactor: ITwistioReactor) -> None:
        super().__init__(reactor)
        self._stdio = stdio
        self._fd = fd
        self.connected = 1

    def fileno(self) -> int:
        return self._fd

    def doRead(self) -> object:
        try:
            data = os.read(self._fd, 65536)
        except OSError as e:
            return error.ConnectionLost(str(e))
        if not data:
            return main.CONNECTION_DONE
        self._stdio._data(data)
        return None

    def connectionLost(self, reason: Failure) -> None:
        super().connectionLost(reason)
        self.close()

    # asyncio's read transport, as StandardIO uses it
    def close(self) -> None:
        if self._fd < 0:
            return
        self.stopReading()
        self._fd = -1  # the descriptor stays open (its owner closes it), as in Twisted
        self._stdio._loop.call_soon(self._stdio._read_lost, None)

    def is_closing(self) -> bool:
        return self._fd < 0

    def pause_reading(self) -> None:
        self.stopReading()

    def resume_reading(self) -> None:
        if self._fd >= 0:
            self.startReading()


class _FileWriter(FileDescriptor):
    """Standard output when it is a regular file: written through the reactor's FD set,
    with the few methods of asyncio's write transport that ``StandardIO`` uses."""

    def __init__(self, stdio: StandardIO, fd: int, reactor: ITwistioReactor) -> None:
        super().__init__(reactor)
        self._stdio = stdio
        self._fd = fd
        self.connected = 1

    def fileno(self) -> int:
        return self._fd

    def writeSomeData(self, data: bytes) -> int | BaseException:
        try:
            return os.write(self._fd, data)
        except OSError as e:
            return error.ConnectionLost(str(e))

    def connectionLost(self, reason: Failure) -> None:
        super().connectionLost(reason)
        if self._fd >= 0:
            self._fd = -1  # left open, as in Twisted
            self._stdio._write_lost(None)

    # asyncio's write transport, as StandardIO uses it
    def close(self) -> None:
        self.loseConnection()

    def is_closing(self) -> bool:
        return bool(self.disconnecting or self.disconnected)


class PipeAddress:
    """The address of either end of a ``StandardIO`` transport (there is none)."""

    def __repr__(self) -> str:
        return "PipeAddress()"


class _Reader(asyncio.Protocol):
    def __init__(self, stdio: StandardIO) -> None:
        self._stdio = stdio

    def data_received(self, data: bytes) -> None:
        self._stdio._data(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._stdio._read_lost(exc)


class _Writer(asyncio.BaseProtocol):
    def __init__(self, stdio: StandardIO) -> None:
        self._stdio = stdio

    def connection_lost(self, exc: Exception | None) -> None:
        self._stdio._write_lost(exc)

    def pause_writing(self) -> None:
        producer = self._stdio._producer
        if producer is not None and self._stdio._streaming:
            cast(IPushProducer, producer).pauseProducing()

    def resume_writing(self) -> None:
        producer = self._stdio._producer
        if producer is not None:
            producer.resumeProducing()


@implementer(ITransport, IConsumer, IPushProducer)
class StandardIO:
    """Connects ``proto`` to file descriptors ``stdin`` and ``stdout`` (0 and 1)."""

    disconnecting = False
    disconnected = False

    def __init__(
        self,
        proto: IProtocol,
        stdin: int = 0,
        stdout: int = 1,
        reactor: ITwistioReactor | None = None,
    ) -> None:
        if reactor is None:
            reactor = installed_reactor()
        self._reactor = reactor
        self.protocol = proto
        loop = reactor.transport_registry.get_loop()
        self._loop = loop
        self._reader: asyncio.ReadTransport | _FileReader | None = None
        self._writer: asyncio.WriteTransport | _FileWriter | None = None
        self._reading = True
        self._writing = True
        self._pending: list[bytes] = []
        self._close_pending = False
        self._pause_pending = False
        self._producer: IPushProducer | IPullProducer | None = None
        self._streaming = False
        self._half_closeable = IHalfCloseableProtocol.providedBy(proto)
        # Regular files are set up now (they need no asyncio transport), the rest once
        # the loop runs.
        if _is_regular_file(stdout):
            self._writer = _FileWriter(self, stdout, reactor)
        if _is_regular_file(stdin):
            file_reader = self._reader = _FileReader(self, stdin, reactor)
            file_reader.startReading()
        loop.create_task(self._connect(stdin, stdout))
        proto.makeConnection(self)

    async def _connect(self, stdin: int, stdout: int) -> None:
        if self._writer is None:
            await self._connect_writer(stdout)
        if self._reader is None:
            await self._connect_reader(stdin)

    async def _connect_writer(self, stdout: int) -> None:
        writer: asyncio.WriteTransport
        try:
            writer, _ = await self._loop.connect_write_pipe(
                lambda: _Writer(self),
                open(stdout, "wb", buffering=0),  # noqa: SIM115
            )
        except Exception:
            _log.exception("StandardIO could not use fd %d for writing", stdout)
            self._write_lost(None)
        else:
            self._writer = writer
            if self._pending:
                writer.write(b"".join(self._pending))
                self._pending = []
            if self._close_pending:
                writer.close()

    async def _connect_reader(self, stdin: int) -> None:
        reader: asyncio.ReadTransport
        try:
            reader, _ = await self._loop.connect_read_pipe(
                lambda: _Reader(self),
                open(stdin, "rb", buffering=0),  # noqa: SIM115
            )
        except Exception:
            _log.exception("StandardIO could not use fd %d for reading", stdin)
            self._read_lost(None)
        else:
            self._reader = reader
            if not self._reading:
                reader.close()
            elif self._pause_pending:
                reader.pause_reading()

    # -- events --------------------------------------------------------------------------------

    def _data(self, data: bytes) -> None:
        try:
            self.protocol.dataReceived(data)
        except Exception:
            _log.exception("Unhandled error in %s.dataReceived", type(self.protocol).__name__)
            self.loseConnection()

    def _read_lost(self, exc: Exception | None) -> None:
        if not self._reading:
            self._maybe_lost()
            return
        self._reading = False
        if self._half_closeable and self._writing and not self.disconnecting:
            try:
                cast(IHalfCloseableProtocol, self.protocol).readConnectionLost()
            except Exception:
                _log.exception("Unhandled error in readConnectionLost")
                self.loseConnection()
        else:
            self.loseConnection()
        self._maybe_lost()

    def _write_lost(self, exc: Exception | None) -> None:
        self._writing = False
        if self._half_closeable and self._reading and not self.disconnecting:
            try:
                cast(IHalfCloseableProtocol, self.protocol).writeConnectionLost()
            except Exception:
                _log.exception("Unhandled error in writeConnectionLost")
                self._close_reader()
        else:
            self._close_reader()
        self._maybe_lost()

    def _close_reader(self) -> None:
        if self._reading:
            self._reading = False
            if self._reader is not None:
                self._reader.close()

    def _maybe_lost(self) -> None:
        if self.disconnected or self._writing or self._reading:
            return
        if self._reader is not None and not _is_closed(self._reader):
            return
        self.disconnected = True
        try:
            self.protocol.connectionLost(Failure(error.ConnectionDone()))
        except Exception:
            _log.exception("Unhandled error in %s.connectionLost", type(self.protocol).__name__)

    # -- ITransport ----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Write ``data`` to stdout (dropped once it is closed)."""
        if not self._writing or self._close_pending:
            return
        if self._writer is None:
            self._pending.append(data)
        elif not self._writer.is_closing():
            self._writer.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write each of ``data`` to stdout."""
        self.write(b"".join(data))

    def loseWriteConnection(self) -> None:
        """Close stdout once what was written is flushed."""
        if not self._writing or self._close_pending:
            return
        self._close_pending = True
        if self._writer is not None:
            self._writer.close()

    def loseConnection(self) -> None:
        """Stop reading stdin, flush and close stdout, then ``connectionLost``."""
        self.disconnecting = True
        self._close_reader()
        self.loseWriteConnection()

    def getPeer(self) -> PipeAddress:
        """A placeholder address."""
        return PipeAddress()

    def getHost(self) -> PipeAddress:
        """A placeholder address."""
        return PipeAddress()

    # -- producer and consumer -----------------------------------------------------------------

    def pauseProducing(self) -> None:
        """Stop reading stdin for now."""
        if self._reader is None:
            self._pause_pending = True
        elif self._reading:
            self._reader.pause_reading()

    def resumeProducing(self) -> None:
        """Read stdin again."""
        self._pause_pending = False
        if self._reader is not None and self._reading:
            self._reader.resume_reading()

    def stopProducing(self) -> None:
        """Stop for good: ``loseConnection``."""
        self.loseConnection()

    def registerProducer(self, producer: IPushProducer | IPullProducer, streaming: bool) -> None:
        """Register a producer writing to stdout; a push producer is paused while full."""
        if self._producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}, because producer "
                f"{self._producer!r} was never unregistered."
            )
        self._producer = producer
        self._streaming = streaming
        if not streaming:
            producer.resumeProducing()

    def unregisterProducer(self) -> None:
        """Forget the producer."""
        self._producer = None


def _is_closed(transport: asyncio.BaseTransport | _FileReader) -> bool:
    closing: bool = transport.is_closing()
    return closing
