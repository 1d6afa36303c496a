"""Line framing for the mail servers: bounded buffering, pipelining and literals.

Invariants: bytes are consumed in order, never reordered; no line handed out is longer
than ``limit``; a longer line is reported once (as ``TOO_LONG``) when its end arrives and
its bytes are dropped as they come, so memory stays within ``limit`` plus one read. A
protocol that must wait (a Deferred pending) simply stops asking; the bytes wait here.
"""

from __future__ import annotations

from typing import Final

__all__ = ["TOO_LONG", "LineBuffer"]


class _TooLong:
    __slots__ = ()

    def __repr__(self) -> str:
        return "TOO_LONG"


TOO_LONG: Final = _TooLong()


class LineBuffer:
    """Bytes in, ``delimiter``-terminated lines (or raw spans) out."""

    __slots__ = ("_buf", "_pos", "_skipping", "delimiter", "limit")

    def __init__(self, limit: int, delimiter: bytes = b"\r\n") -> None:
        self._buf = bytearray()
        self._pos = 0
        self._skipping = False
        self.limit = limit
        self.delimiter = delimiter

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

    def raw(self, size: int) -> bytes:
        """Up to ``size`` bytes as they come (for literals and raw transfers)."""
        pos = self._pos
        chunk = bytes(self._buf[pos : pos + size])
        self._pos = pos + len(chunk)
        return chunk

    def rest(self) -> bytes:
        """Everything still buffered (emptying the buffer)."""
        data = bytes(self._buf[self._pos :])
        self._buf.clear()
        self._pos = 0
        return data
