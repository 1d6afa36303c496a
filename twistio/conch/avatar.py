"""``ConchUser``: the base of SSH avatars, with tables of channel types and subsystems."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from twistio.conch.error import ConchError
from twistio.conch.interfaces import IConchUser
from twistio.internet.interfaces import implementer

__all__ = ["OPEN_UNKNOWN_CHANNEL_TYPE", "ConchUser", "SubsystemFactory"]

_log = logging.getLogger("twistio.conch")

OPEN_UNKNOWN_CHANNEL_TYPE = 3


class SubsystemFactory(Protocol):
    """What ``subsystemLookup`` holds: called with the request data and the avatar."""

    def __call__(self, data: bytes, avatar: Any) -> Any: ...


@implementer(IConchUser)
class ConchUser:
    """An SSH user: ``channelLookup`` maps channel types to ``SSHChannel`` classes,
    ``subsystemLookup`` subsystem names to protocol factories; global requests go to
    ``global_<name>`` methods (``global_tcpip_forward``)."""

    def __init__(self) -> None:
        self.channelLookup: dict[bytes, Any] = {}
        self.subsystemLookup: dict[bytes, Any] = {}

    @property
    def conn(self) -> Any:
        """The ``SSHConnection`` this avatar is logged in on."""
        return self._conn

    @conn.setter
    def conn(self, value: Any) -> None:
        self._conn = value

    def lookupChannel(self, channelType: bytes, windowSize: int, maxPacket: int,
                      data: bytes) -> Any:
        """A channel of the class ``channelLookup`` has for ``channelType``."""
        klass = self.channelLookup.get(channelType)
        if klass is None:
            raise ConchError(OPEN_UNKNOWN_CHANNEL_TYPE, "unknown channel")
        return klass(remoteWindow=windowSize, remoteMaxPacket=maxPacket, data=data, avatar=self)

    def lookupSubsystem(self, subsystem: bytes, data: bytes) -> Any:
        """The protocol ``subsystemLookup`` makes for ``subsystem``, or None."""
        factory = self.subsystemLookup.get(subsystem)
        if factory is None:
            return None
        return factory(data, avatar=self)

    def gotGlobalRequest(self, requestType: bytes, data: bytes) -> Any:
        """Answer with ``global_<requestType>`` (dashes as underscores), else refuse."""
        name = "global_" + requestType.decode("ascii", "replace").replace("-", "_")
        handler = getattr(self, name, None)
        if handler is None:
            return 0
        return handler(data)
