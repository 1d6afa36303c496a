"""``BufferingMixin``: gather many small writes of a protocol into one ``writeSequence``.

Each ``write`` keeps its bytes and pushes the real write back by ``DELAY`` seconds (0: the
next turn of the loop); ``flush`` writes at once. ``schedule`` and ``reschedule`` are the
seams a subclass may replace (to drive the timing itself in a test).
"""

from __future__ import annotations

from typing import Any

__all__ = ["BufferingMixin"]


class BufferingMixin:
    """Mix into a ``Protocol`` (it needs ``self.transport``) to buffer its writes."""

    _delayedWriteCall: Any = None
    data: list[bytes] | None = None
    DELAY = 0.0
    transport: Any

    def schedule(self) -> Any:
        """Arrange for ``flush`` after ``DELAY``; returns what ``reschedule`` is given."""
        from twistio.internet import reactor

        return reactor.callLater(self.DELAY, self.flush)

    def reschedule(self, token: Any) -> None:
        """Push the pending flush back by ``DELAY``."""
        token.reset(self.DELAY)

    def write(self, data: bytes) -> None:
        """Keep ``data``, to be written with the rest of the buffer."""
        if self._delayedWriteCall is None:
            self.data = []
            self._delayedWriteCall = self.schedule()
        else:
            self.reschedule(self._delayedWriteCall)
        assert self.data is not None
        self.data.append(data)

    def flush(self) -> None:
        """Write the buffer now (``writeSequence``) and cancel the pending flush."""
        pending, self.data = self.data, None
        call, self._delayedWriteCall = self._delayedWriteCall, None
        active = getattr(call, "active", None)
        if active is not None and active():
            call.cancel()
        if pending:
            self.transport.writeSequence(pending)
