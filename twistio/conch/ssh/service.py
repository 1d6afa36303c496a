"""``SSHService``: the base of the services a transport runs (userauth, connection)."""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["SSHService"]

_log = logging.getLogger("twistio.conch")


class SSHService:
    """A service on an SSH transport: its messages come to ``ssh_<NAME>`` methods.

    ``protocolMessages`` maps message numbers to names (``MSG_<NAME>``); ``transport`` is set
    by ``SSHTransportBase.setService`` before ``serviceStarted``.
    """

    name: bytes | None = None
    protocolMessages: dict[int, str] = {}
    transport: Any = None

    def serviceStarted(self) -> None:
        """The service is running."""

    def serviceStopped(self) -> None:
        """The service stopped (another replaced it, or the connection went)."""

    def logPrefix(self) -> str:
        name = self.name.decode("ascii", "replace") if self.name else "?"
        return f"SSHService {name!r} on {self.transport.transport.logPrefix()}"

    def packetReceived(self, messageNum: int, packet: bytes) -> None:
        """Dispatch ``packet`` to its ``ssh_*`` method; unknown messages are unimplemented."""
        name = self.protocolMessages.get(messageNum)
        if name is not None:
            handler = getattr(self, "ssh_" + name[4:], None)
            if handler is not None:
                handler(packet)
                return
        _log.debug("couldn't handle %s %r", messageNum, packet[:64])
        self.transport.sendUnimplemented()
