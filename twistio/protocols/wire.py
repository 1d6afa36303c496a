"""The small services of inetd, as protocols: echo (RFC 862), discard (RFC 863), chargen
(RFC 864), quote of the day (RFC 865), active users (RFC 866), daytime (RFC 867) and time
(RFC 868).

Each one-shot service (``QOTD``, ``Who``, ``Daytime``, ``Time``) writes its answer when the
connection is made and closes it. ``Chargen`` is a pull producer on its transport: every
``resumeProducing`` writes one more line of its printable pattern, at the pace the peer reads.
Subclass ``QOTD`` (``getQuote``) and ``Who`` (``getUsers``) to say something else.

As in Twisted, ``Time`` sends the POSIX time (seconds since 1970) as a signed 32-bit big-endian
integer, not RFC 868's seconds since 1900; ``Daytime`` sends the UTC ``time.asctime`` line,
which Twisted 26.10 fails to (it adds str and bytes).
"""

from __future__ import annotations

import struct
import time
from typing import TYPE_CHECKING

from twistio.internet import protocol

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport

__all__ = ["QOTD", "Chargen", "Daytime", "Discard", "Echo", "Time", "Who"]


class Echo(protocol.Protocol):
    """Sends back everything it receives."""

    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Discard(protocol.Protocol):
    """Reads and drops everything."""

    def dataReceived(self, data: bytes) -> None:
        """Nothing is kept."""


class Chargen(protocol.Protocol):
    """Writes its ``noise`` line again each time the transport asks for more."""

    transport: ConnectionTransport
    noise = bytes(range(ord("@"), 127)) + bytes(range(ord(" "), ord("&") + 1)) + b"?"

    def connectionMade(self) -> None:
        self.transport.registerProducer(self, False)

    def resumeProducing(self) -> None:
        self.transport.write(self.noise)

    def pauseProducing(self) -> None:
        """A pull producer writes only when asked: nothing to stop."""

    def stopProducing(self) -> None:
        """The connection is going away: nothing is held."""


class _OneShot(protocol.Protocol):
    def answer(self) -> bytes:
        raise NotImplementedError

    def connectionMade(self) -> None:
        self.transport.write(self.answer())
        self.transport.loseConnection()


class QOTD(_OneShot):
    """Sends ``getQuote()``, then closes."""

    def getQuote(self) -> bytes:
        """The quote to send, line end included: override to change it."""
        return b"An apple a day keeps the doctor away.\r\n"

    def answer(self) -> bytes:
        return self.getQuote()


class Who(_OneShot):
    """Sends ``getUsers()``, then closes."""

    def getUsers(self) -> bytes:
        """The active users to report, line ends included: override to tell the truth."""
        return b"root\r\n"

    def answer(self) -> bytes:
        return self.getUsers()


class Daytime(_OneShot):
    """Sends the UTC time as ``time.asctime`` writes it, and a CRLF, then closes."""

    def answer(self) -> bytes:
        return time.asctime(time.gmtime(time.time())).encode("ascii") + b"\r\n"


class Time(_OneShot):
    """Sends the time as four bytes, then closes."""

    def answer(self) -> bytes:
        return struct.pack("!i", int(time.time()))
