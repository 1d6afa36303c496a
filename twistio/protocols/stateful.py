"""A protocol driven by a state machine over fixed-size reads.

The state is a pair ``(handler, size)``: once ``size`` bytes have arrived, ``handler`` is
called with exactly those bytes and returns the next state (or ``None`` to stay in the same
one). ``getInitialState`` gives the first state when the connection is made::

    class Records(StatefulProtocol):
        def getInitialState(self):
            return self.header, 4

        def header(self, data):
            return self.body, struct.unpack("!I", data)[0]

        def body(self, data):
            self.recordReceived(data)
            return self.header, 4
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.internet.protocol import Protocol

__all__ = ["StatefulProtocol"]

_State = tuple[Callable[[bytes], tuple[Any, int] | None], int]


class StatefulProtocol(Protocol):
    """Calls the current state's handler each time its byte count has arrived.

    Handlers stop being called while the transport is disconnecting (checked after each
    call); bytes not yet handed to a handler wait for the next ``dataReceived``.
    """

    _state: _State | None = None
    _pending: bytes = b""

    def makeConnection(self, transport: Any) -> None:
        """Connect (``connectionMade`` runs first), then take ``getInitialState()``."""
        Protocol.makeConnection(self, transport)
        self._state = self.getInitialState()
        self._pending = b""

    def getInitialState(self) -> _State:
        """The first ``(handler, size)`` pair; subclasses must override it."""
        raise NotImplementedError()

    def dataReceived(self, data: bytes) -> None:
        """Add ``data`` and run the handlers for every complete read it makes."""
        pending = self._pending + data
        offset = 0
        state = self._state
        try:
            while state is not None:
                handler, size = state
                if len(pending) - offset < size:
                    break
                chunk = pending[offset : offset + size]
                offset += size
                following = handler(chunk)
                if following is not None:
                    state = following
                if getattr(self.transport, "disconnecting", False):
                    break
        finally:
            self._state = state
            self._pending = pending[offset:]
