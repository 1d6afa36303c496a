"""The interfaces of protocols that handle raw packets (below or beside a socket)."""

from __future__ import annotations

from typing import Any, Protocol

from twistio.internet.interfaces import Interface

__all__ = ["IRawDatagramProtocol", "IRawPacketProtocol", "Interface"]


class IRawDatagramProtocol(Interface, Protocol):
    """A protocol carried in IP packets (UDP, TCP, ICMP ...), given each packet's payload."""

    def addProto(self, num: int, proto: Any) -> None:
        """Register ``proto`` for the traffic numbered ``num`` (a port, for UDP)."""

    def datagramReceived(
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
        """An IP packet's payload, with the fields of the IP header that carried it."""


class IRawPacketProtocol(Interface, Protocol):
    """A protocol carried in link-layer frames (IP, ARP ...), given each frame's payload."""

    def addProto(self, num: int, proto: Any) -> None:
        """Register ``proto`` for the packets whose protocol number is ``num``."""

    def datagramReceived(
        self, data: bytes, partial: int, dest: bytes, source: bytes, protocol: int
    ) -> None:
        """A frame's payload, with the frame's addresses and its protocol (EtherType)."""
