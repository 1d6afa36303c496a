"""conch.mixin.BufferingMixin: writes gathered into one writeSequence, on a Clock."""

from __future__ import annotations

from typing import Any

from twistio.conch import mixin
from twistio.internet import task
from twistio.internet.testing import StringTransport


class _Buffered(mixin.BufferingMixin):
    def __init__(self, clock: task.Clock) -> None:
        self.clock = clock
        self.transport = StringTransport()
        self.sequences: list[list[bytes]] = []
        write_sequence = self.transport.writeSequence

        def record(seq: Any) -> None:
            self.sequences.append(list(seq))
            write_sequence(seq)

        self.transport.writeSequence = record  # type: ignore[method-assign]

    def schedule(self) -> Any:
        return self.clock.callLater(self.DELAY, self.flush)


def test_writes_are_gathered_until_the_delay_passes() -> None:
    clock = task.Clock()
    p = _Buffered(clock)
    p.DELAY = 1.0
    p.write(b"a")
    clock.advance(0.5)
    p.write(b"b")  # pushes the flush back to 1.5
    clock.advance(0.9)
    assert p.transport.value() == b""
    clock.advance(0.2)
    assert p.transport.value() == b"ab"
    assert p.sequences == [[b"a", b"b"]]
    p.write(b"c")
    p.flush()
    assert p.transport.value() == b"abc"
    assert not clock.getDelayedCalls() or all(not c.active() for c in clock.getDelayedCalls())
