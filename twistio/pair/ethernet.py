"""Ethernet frames: the header, and a protocol dispatching payloads by EtherType."""

from __future__ import annotations

import struct
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.internet.protocol import AbstractDatagramProtocol
from twistio.pair import raw

__all__ = ["EthernetHeader", "EthernetProtocol", "IEthernetProtocol", "Interface"]

_HEADER = struct.Struct("!6s6sH")


class IEthernetProtocol(Interface, Protocol):
    """Receives whole Ethernet frames and passes their payloads on."""

    def addProto(self, num: int, proto: Any) -> None:
        """Register an ``IRawPacketProtocol`` for the EtherType ``num``."""

    def datagramReceived(self, data: bytes, partial: int = 0) -> None:
        """A whole frame (``partial`` true when it was cut short)."""


class EthernetHeader:
    """The first 14 bytes of a frame: ``dest`` and ``source`` (6-byte MAC addresses as
    bytes) and ``proto`` (the EtherType, an int). Fewer than 14 bytes: ``struct.error``."""

    def __init__(self, data: bytes) -> None:
        self.dest, self.source, self.proto = _HEADER.unpack(data[: _HEADER.size])


def _check_number(num: int, bits: int) -> None:
    if num < 0:
        raise TypeError("Added protocol must be positive or zero")
    if num >= 1 << bits:
        raise TypeError(f"Added protocol must fit in {bits} bits")


@implementer(IEthernetProtocol)
class EthernetProtocol(AbstractDatagramProtocol):
    """Parses frames and calls every ``IRawPacketProtocol`` registered for their EtherType.

    ``etherProtos`` maps an EtherType to the list of its protocols, in registration order.
    """

    def __init__(self) -> None:
        self.etherProtos: dict[int, list[Any]] = {}

    def addProto(self, num: int, proto: Any) -> None:
        """Register ``proto`` (adapted to ``IRawPacketProtocol``) for EtherType ``num``.

        ``TypeError`` when ``proto`` does not adapt or ``num`` is not a 16-bit number.
        """
        proto = raw.IRawPacketProtocol(proto)  # type: ignore[misc,call-arg]
        _check_number(num, 16)
        self.etherProtos.setdefault(num, []).append(proto)

    def datagramReceived(self, data: bytes, partial: int = 0) -> None:  # type: ignore[override]
        header = EthernetHeader(data)
        for proto in self.etherProtos.get(header.proto, ()):
            proto.datagramReceived(
                data=data[_HEADER.size :],
                partial=partial,
                dest=header.dest,
                source=header.source,
                protocol=header.proto,
            )
