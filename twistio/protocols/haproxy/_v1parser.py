"""Version 1 of the PROXY protocol: one text line,
``PROXY TCP4 <source> <destination> <source port> <destination port>\\r\\n``."""

from __future__ import annotations

from typing import ClassVar, Union

from twistio.internet import address
from twistio.internet.interfaces import implementer
from twistio.protocols.haproxy._exceptions import (
    InvalidNetworkProtocol,
    InvalidProxyHeader,
    MissingAddressData,
    convertError,
)
from twistio.protocols.haproxy._info import ProxyInfo
from twistio.protocols.haproxy._interfaces import IProxyParser

__all__ = ["V1Parser"]

#: How long a header line may grow before its end is seen (the specification's 107 bytes).
_LONGEST = 107


def _port(text: bytes) -> int:
    digits = text.strip()
    if not digits.isdigit() or int(digits) > 0xFFFF:
        raise MissingAddressData()
    return int(digits)


def _host(text: bytes) -> str:
    with convertError(UnicodeDecodeError, MissingAddressData):
        return text.decode("utf-8")


@implementer(IProxyParser)
class V1Parser:
    """Parses a version 1 (text) PROXY header from the first bytes of a connection."""

    PROXYSTR: ClassVar[bytes] = b"PROXY"
    UNKNOWN_PROTO: ClassVar[bytes] = b"UNKNOWN"
    TCP4_PROTO: ClassVar[bytes] = b"TCP4"
    TCP6_PROTO: ClassVar[bytes] = b"TCP6"
    ALLOWED_NET_PROTOS: ClassVar[tuple[bytes, ...]] = (TCP4_PROTO, TCP6_PROTO, UNKNOWN_PROTO)
    NEWLINE: ClassVar[bytes] = b"\r\n"

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> tuple[ProxyInfo, bytes] | tuple[None, None]:
        """Add ``data``; once the header line is complete, ``(info, what followed it)``.

        Raises ``InvalidProxyHeader`` as soon as the bytes cannot begin a header, or when no
        line end comes within the longest header the specification allows.
        """
        self.buffer += data
        start = self.PROXYSTR + b" "
        seen = min(len(self.buffer), len(start))
        if self.buffer[:seen] != start[:seen]:
            raise InvalidProxyHeader()
        end = self.buffer.find(self.NEWLINE)
        if end < 0:
            if len(self.buffer) > _LONGEST:
                raise InvalidProxyHeader()
            return None, None
        line = self.buffer[:end]
        rest = self.buffer[end + len(self.NEWLINE) :]
        self.buffer = b""
        return self.parse(line), rest

    @classmethod
    def parse(cls, line: bytes) -> ProxyInfo:
        """The information in one header ``line`` (its line end may be included).

        ``InvalidProxyHeader`` if it does not start with ``PROXY``,
        ``InvalidNetworkProtocol`` if the protocol is not ``TCP4``, ``TCP6`` or
        ``UNKNOWN``, ``MissingAddressData`` if addresses or ports are missing or malformed.
        """
        word, space, rest = line.partition(b" ")
        if not space or word != cls.PROXYSTR:
            raise InvalidProxyHeader()
        family, space, rest = rest.partition(b" ")
        if not space or family not in cls.ALLOWED_NET_PROTOS:
            raise InvalidNetworkProtocol()
        if family == cls.UNKNOWN_PROTO:
            return ProxyInfo(line, None, None)
        fields = rest.split(b" ")
        if len(fields) < 4:
            raise MissingAddressData()
        kind: type[Union[address.IPv4Address, address.IPv6Address]] = (
            address.IPv4Address if family == cls.TCP4_PROTO else address.IPv6Address
        )
        source = kind("TCP", _host(fields[0]), _port(fields[2]))
        destination = kind("TCP", _host(fields[1]), _port(fields[3]))
        return ProxyInfo(line, source, destination)
