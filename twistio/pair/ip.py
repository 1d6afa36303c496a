"""IPv4 packets: the header, and a protocol dispatching payloads by protocol number."""

from __future__ import annotations

import socket
import struct
from typing import Any

from twistio.internet.interfaces import implementer
from twistio.internet.protocol import AbstractDatagramProtocol
from twistio.pair import raw
from twistio.pair.ethernet import _check_number

__all__ = ["MAX_SIZE", "IPHeader", "IPProtocol"]

#: One more than the largest protocol number ``IPProtocol.addProto`` accepts (32 bits).
MAX_SIZE = 1 << 32

_HEADER = struct.Struct("!BBHHHBBH4s4s")
# The header fields handed on to the protocols above as they are named on ``IPHeader``.
_PASSED_ON = (
    "protocol", "version", "ihl", "tos", "tot_len", "fragment_id", "fragment_offset",
    "dont_fragment", "more_fragments", "ttl",
)  # fmt: skip


class IPHeader:
    """The fixed 20 bytes of an IPv4 header, with the fields as attributes.

    ``saddr``/``daddr`` are dotted-quad strings; ``fragment_offset`` is the 13-bit offset,
    ``dont_fragment``/``more_fragments`` the flag bits. The first byte is split as Twisted
    splits it: ``version`` is its low four bits and ``ihl`` four times its high four bits.
    """

    def __init__(self, data: bytes) -> None:
        (
            first,
            self.tos,
            self.tot_len,
            self.fragment_id,
            fragment,
            self.ttl,
            self.protocol,
            self.check,
            saddr,
            daddr,
        ) = _HEADER.unpack(data[: _HEADER.size])
        self.saddr = socket.inet_ntoa(saddr)
        self.daddr = socket.inet_ntoa(daddr)
        self.version = first & 0x0F
        self.ihl = (first & 0xF0) >> 2
        self.fragment_offset = fragment & 0x1FFF
        self.dont_fragment = bool(fragment & 0x4000)
        self.more_fragments = bool(fragment & 0x2000)


@implementer(raw.IRawPacketProtocol)
class IPProtocol(AbstractDatagramProtocol):
    """Parses IPv4 packets and calls every ``IRawDatagramProtocol`` registered for their
    protocol number (17 for UDP) with the payload and the header's fields.

    ``ipProtos`` maps a protocol number to the list of its protocols. The payload is what
    follows the fixed 20-byte header.
    """

    def __init__(self) -> None:
        self.ipProtos: dict[int, list[Any]] = {}

    def addProto(self, num: int, proto: Any) -> None:
        """Register ``proto`` (adapted to ``IRawDatagramProtocol``) for protocol ``num``.

        ``TypeError`` when ``proto`` does not adapt or ``num`` is outside 0 .. MAX_SIZE - 1.
        """
        proto = raw.IRawDatagramProtocol(proto)  # type: ignore[misc,call-arg]
        _check_number(num, 32)
        self.ipProtos.setdefault(num, []).append(proto)

    def datagramReceived(  # type: ignore[override]
        self, data: bytes, partial: int, dest: bytes, source: bytes, protocol: int
    ) -> None:
        header = IPHeader(data)
        fields = {name: getattr(header, name) for name in _PASSED_ON}
        payload = data[_HEADER.size :]
        for proto in self.ipProtos.get(header.protocol, ()):
            proto.datagramReceived(
                data=payload, partial=partial, source=header.saddr, dest=header.daddr, **fields
            )
