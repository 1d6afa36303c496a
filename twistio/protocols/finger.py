"""The Finger User Information Protocol (RFC 1288): the server side.

A ``Finger`` answers one query line and closes. Override ``getUser`` (a query naming a
user), ``getDomain`` (an empty query: who is logged in) and ``forwardQuery`` (a query for
``user@host``); by default each refuses politely.
"""

from __future__ import annotations

from twistio.protocols import basic

__all__ = ["Finger"]


class Finger(basic.LineReceiver):
    """Reads one query: ``[/W] [user][@host]``. Any word before the last one counts as the
    verbose switch (``slash_w`` is then 1)."""

    def lineReceived(self, line: bytes) -> None:
        words = line.split()
        slash_w = 1 if len(words) > 1 else 0
        if not words:
            self.getDomain(slash_w)
            return
        user = words[-1]
        at = user.rfind(b"@")
        if at >= 0:
            self.forwardQuery(slash_w, user[:at], user[at + 1 :])
        else:
            self.getUser(slash_w, user)

    def _refuseMessage(self, message: bytes) -> None:
        self.transport.write(message + b"\n")
        self.transport.loseConnection()

    def forwardQuery(self, slash_w: int, user: bytes, host: bytes) -> None:
        """A query for ``user`` at another ``host``: refused."""
        self._refuseMessage(b"Finger forwarding service denied")

    def getDomain(self, slash_w: int) -> None:
        """A query for everyone here: refused."""
        self._refuseMessage(b"Finger online list denied")

    def getUser(self, slash_w: int, user: bytes) -> None:
        """A query for ``user``: no such user."""
        self._refuseMessage(b"Login: " + user + b"\nNo such user")
