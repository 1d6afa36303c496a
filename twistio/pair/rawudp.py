"""UDP datagrams read from IP packets, handed to ``DatagramProtocol``\\ s by port."""

from __future__ import annotations

import struct
from typing import Any

from twistio.internet.interfaces import implementer
from twistio.internet.protocol import AbstractDatagramProtocol, DatagramProtocol
from twistio.pair import raw
from twistio.pair.ethernet import _check_number

__all__ = ["RawUDPProtocol", "UDPHeader"]

_HEADER = struct.Struct("!HHHH")


class UDPHeader:
    """The 8-byte UDP header: ``source`` and ``dest`` ports, ``len`` and ``check``."""

    def __init__(self, data: bytes) -> None:
        self.source, self.dest, self.len, self.check = _HEADER.unpack(data[: _HEADER.size])


@implementer(raw.IRawDatagramProtocol)
class RawUDPProtocol(AbstractDatagramProtocol):
    """Reads the UDP header of IP payloads and calls ``datagramReceived(payload, (source
    address, source port))`` of every ``DatagramProtocol`` registered for the destination
    port. ``udpProtos`` maps a port to the list of its protocols.
    """

    def __init__(self) -> None:
        self.udpProtos: dict[int, list[Any]] = {}

    def addProto(self, num: int, proto: Any) -> None:
        """Register the ``DatagramProtocol`` ``proto`` for destination port ``num``.

        ``TypeError`` when ``proto`` is not a ``DatagramProtocol`` or ``num`` not 16-bit.
        """
        if not isinstance(proto, DatagramProtocol):
            raise TypeError("Added protocol must be an instance of DatagramProtocol")
        _check_number(num, 16)
        self.udpProtos.setdefault(num, []).append(proto)

    def datagramReceived(  # type: ignore[override]
        self,
        data: bytes,
        partial: int,
        source: str,
        dest: str,
        protocol: int,
        version: int,
        ihl: int,
        tos: int,
        tot_len: int,
        fragment_id: int,
        fragment_offset: int,
        dont_fragment: bool,
        more_fragments: bool,
        ttl: int,
    ) -> None:
        header = UDPHeader(data)
        for proto in self.udpProtos.get(header.dest, ()):
            proto.datagramReceived(data[_HEADER.size :], (source, header.source))
