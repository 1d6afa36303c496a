"""Line framing for the mail servers: bounded buffering, pipelining and literals.

Invariants: bytes are consumed in order, never reordered; no line handed out is longer
than ``limit``; a longer line is reported once (as ``TOO_LONG``) when its end arrives and
its bytes are dropped as they come, so memory stays within ``limit`` plus one read. A
protocol that must wait (a Deferred pending) simply stops asking; the bytes wait here.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["TOO_LONG", "LineBuffer", "SerialLines"]


class _TooLong:
    __slots__ = ()

    def __repr__(self) -> str:
        return "TOO_LONG"


TOO_LONG: Final = _TooLong()


class LineBuffer:
    """Bytes in, ``delimiter``-terminated lines (or raw spans) out."""

    __slots__ = ("_buf", "_pos", "_skipping", "delimiter", "epoch", "limit")

    def __init__(self, limit: int, delimiter: bytes = b"\r\n") -> None:
        self._buf = bytearray()
        self._pos = 0
        self._skipping = False
        self.limit = limit
        self.delimiter = delimiter
        self.epoch = 0

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        if self._pos and self._pos >= len(self._buf):
            self._buf.clear()
            self._pos = 0
        elif self._pos > 65536:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    def pending(self) -> int:
        """How many bytes wait."""
        return len(self._buf) - self._pos

    def line(self) -> bytes | _TooLong | None:
        """The next complete line without its delimiter, ``TOO_LONG``, or None for none yet."""
        buf = self._buf
        pos = self._pos
        delimiter = self.delimiter
        end = buf.find(delimiter, pos)
        if end < 0:
            if len(buf) - pos > self.limit:
                # Keep only what could be the start of a split delimiter.
                keep = len(delimiter) - 1
                del buf[: len(buf) - keep]
                self._pos = 0
                self._skipping = True
            return None
        self._pos = end + len(delimiter)
        if self._skipping:
            self._skipping = False
            return TOO_LONG
        if end - pos > self.limit:
            return TOO_LONG
        return bytes(buf[pos:end])

    def lines(self) -> list[Any]:
        """Every complete line buffered now (``TOO_LONG`` for over-long ones), consumed."""
        buf = self._buf
        delimiter = self.delimiter
        end = buf.rfind(delimiter)
        if end < self._pos:
            line = self.line()
            return [] if line is None else [line]
        chunk = bytes(buf[self._pos : end])
        self._pos = end + len(delimiter)
        out: list[Any] = chunk.split(delimiter)
        if self._skipping:
            self._skipping = False
            out[0] = TOO_LONG
        limit = self.limit
        if len(chunk) > limit:
            for i, item in enumerate(out):
                if item is not TOO_LONG and len(item) > limit:
                    out[i] = TOO_LONG
        if len(buf) - self._pos > limit:
            self.line()
        return out

    def unread(self, items: list[Any]) -> None:
        """Put back lines taken with ``lines`` but not handled (over-long ones are gone)."""
        if not items:
            return
        data = b"".join(item + self.delimiter for item in items if isinstance(item, bytes))
        self._buf[: self._pos] = b""
        self._buf[0:0] = data
        self._pos = 0

    def raw(self, size: int) -> bytes:
        """Up to ``size`` bytes as they come (for literals and raw transfers)."""
        pos = self._pos
        chunk = bytes(self._buf[pos : pos + size])
        self._pos = pos + len(chunk)
        return chunk

    def rest(self) -> bytes:
        """Everything still buffered (emptying the buffer); lines already taken are dropped."""
        self.epoch += 1
        data = bytes(self._buf[self._pos :])
        self._buf.clear()
        self._pos = 0
        return data


class SerialLines:
    """Mixin for a line protocol whose commands run one at a time.

    ``_feed(data)`` frames lines and hands them to ``_onLine`` (``_onTooLong`` for an
    over-long one) until a command blocks with ``_block(deferred)``; the rest waits here,
    and reading is paused while more than ``4 * limit`` bytes wait.
    """

    transport: Any
    _lines: LineBuffer | None = None
    _blocked = 0
    _draining = False
    _paused = False

    def _lineLimit(self) -> int:
        return int(getattr(self, "MAX_LENGTH", 16384))

    def _feed(self, data: bytes) -> None:
        lines = self._lines
        if lines is None:
            self._lines = lines = LineBuffer(self._lineLimit())
        lines.feed(data)
        self._drain()

    def _nextInput(self) -> bytes | _TooLong | None:
        lines = self._lines
        return None if lines is None else lines.line()

    #: Lines may be split off in batches (False where a line can announce raw bytes, as
    #: IMAP literals do: then ``_nextInput`` is asked one item at a time).
    _batchLines = True

    def _drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            if self._batchLines:
                self._drainBatches()
            else:
                self._drainItems()
        finally:
            self._draining = False
        lines = self._lines
        if self._blocked and lines is not None and lines.pending() > 4 * lines.limit and not self._paused:
            self._paused = True
            self.transport.pauseProducing()

    def _drainItems(self) -> None:
        while not self._blocked:
            transport = self.transport
            if transport is None or transport.disconnecting:
                break
            item = self._nextInput()
            if item is None:
                break
            if isinstance(item, bytes):
                self._onLine(item)
            else:
                self._onTooLong()

    def _drainBatches(self) -> None:
        lines = self._lines
        if lines is None:
            return
        while not self._blocked:
            batch = lines.lines()
            if not batch:
                return
            epoch = lines.epoch
            handle = self._onLine
            for index, item in enumerate(batch):
                transport = self.transport
                if transport is None or transport.disconnecting:
                    return
                if item.__class__ is bytes:
                    handle(item)
                else:
                    self._onTooLong()
                if lines.epoch != epoch:
                    break
                if self._blocked:
                    lines.unread(batch[index + 1 :])
                    return

    def _block(self, d: Any) -> Any:
        """Hold later input until ``d`` has fired; ``d`` is returned."""
        if d.called and not d.paused:
            return d
        self._blocked += 1

        def unblock(result: Any) -> Any:
            self._blocked -= 1
            if not self._blocked and self.transport is not None:
                if self._paused:
                    self._paused = False
                    self.transport.resumeProducing()
                self._drain()
            return result

        return d.addBoth(unblock)

    def _onLine(self, line: bytes) -> None:
        raise NotImplementedError

    def _onTooLong(self) -> None:
        raise NotImplementedError
