"""Version 2 of the PROXY protocol: a binary header (a 12-byte signature, version and
command, address family and transport, a length, then the addresses)."""

from __future__ import annotations

import struct
from typing import ClassVar, Literal

from twistio.internet import address
from twistio.internet.interfaces import IAddress, implementer
from twistio.protocols.haproxy._exceptions import (
    InvalidNetworkProtocol,
    InvalidProxyHeader,
    MissingAddressData,
    convertError,
)
from twistio.protocols.haproxy._info import ProxyInfo
from twistio.protocols.haproxy._interfaces import IProxyParser

__all__ = ["NetFamily", "NetProtocol", "V2Parser"]

_LOCALCOMMAND = "LOCAL"
_PROXYCOMMAND = "PROXY"
_HIGH = 0xF0
_LOW = 0x0F


class _Value:
    """One named value of a ``_Values`` table."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: int) -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"<{self.name}={self.value}>"


class _Values:
    """A table of named values, looked up by value with ``lookupByValue``."""

    _byValue: ClassVar[dict[int, _Value]]

    def __init_subclass__(cls) -> None:
        cls._byValue = {c.value: c for c in vars(cls).values() if isinstance(c, _Value)}

    @classmethod
    def lookupByValue(cls, value: int) -> _Value:
        """The constant with ``value``; ``ValueError`` if there is none."""
        try:
            return cls._byValue[value]
        except KeyError:
            raise ValueError(value) from None

    @classmethod
    def iterconstants(cls) -> list[_Value]:
        """The constants, in value order."""
        return [cls._byValue[v] for v in sorted(cls._byValue)]


class NetFamily(_Values):
    """The address family: the high four bits of the header's 14th byte."""

    UNSPEC = _Value("UNSPEC", 0x00)
    INET = _Value("INET", 0x10)
    INET6 = _Value("INET6", 0x20)
    UNIX = _Value("UNIX", 0x30)


class NetProtocol(_Values):
    """The transport: the low four bits of the header's 14th byte."""

    UNSPEC = _Value("UNSPEC", 0x00)
    STREAM = _Value("STREAM", 0x01)
    DGRAM = _Value("DGRAM", 0x02)


_FIXED = 16  # signature, version and command, family and protocol, length


@implementer(IProxyParser)
class V2Parser:
    """Parses a version 2 (binary) PROXY header from the first bytes of a connection."""

    PREFIX: ClassVar[bytes] = b"\x0d\x0a\x0d\x0a\x00\x0d\x0a\x51\x55\x49\x54\x0a"
    VERSIONS: ClassVar[list[int]] = [0x20]
    COMMANDS: ClassVar[dict[int, str]] = {0x00: _LOCALCOMMAND, 0x01: _PROXYCOMMAND}
    ADDRESSFORMATS: ClassVar[dict[int, str]] = {
        # family and protocol byte -> the layout of the address block
        0x11: "!4s4s2H",
        0x12: "!4s4s2H",
        0x21: "!16s16s2H",
        0x22: "!16s16s2H",
        0x31: "!108s108s",
        0x32: "!108s108s",
    }

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> tuple[ProxyInfo, bytes] | tuple[None, None]:
        """Add ``data``; once the whole header (as long as its length field says) is in,
        ``(info, what followed it)``. Raises ``InvalidProxyHeader`` as soon as the bytes
        cannot begin a version 2 header."""
        self.buffer += data
        seen = min(len(self.buffer), len(self.PREFIX))
        if self.buffer[:seen] != self.PREFIX[:seen]:
            raise InvalidProxyHeader()
        if len(self.buffer) < _FIXED:
            return None, None
        (length,) = struct.unpack("!H", self.buffer[_FIXED - 2 : _FIXED])
        total = _FIXED + length
        if len(self.buffer) < total:
            return None, None
        header, rest = self.buffer[:total], self.buffer[total:]
        self.buffer = b""
        return self.parse(header), rest

    @staticmethod
    def _bytesToIPv4(bytestring: bytes) -> bytes:
        """Four bytes as a dotted quad, ``b"127.0.0.1"``."""
        return b".".join(b"%d" % octet for octet in bytestring)

    @staticmethod
    def _bytesToIPv6(bytestring: bytes) -> bytes:
        """Sixteen bytes as eight colon-separated hexadecimal groups, none elided."""
        groups = struct.unpack("!8H", bytestring)
        return b":".join(b"%x" % group for group in groups)

    @classmethod
    def parse(cls, line: bytes) -> ProxyInfo:
        """The information in ``line``, one whole version 2 header.

        ``InvalidProxyHeader`` for a wrong signature, version or command,
        ``InvalidNetworkProtocol`` for an unknown family or transport,
        ``MissingAddressData`` when the address block is too short.
        """
        if len(line) < _FIXED or line[: len(cls.PREFIX)] != cls.PREFIX:
            raise InvalidProxyHeader()
        versionCommand = line[12]
        if versionCommand & _HIGH not in cls.VERSIONS:
            raise InvalidProxyHeader()
        command = cls.COMMANDS.get(versionCommand & _LOW)
        if command is None:
            raise InvalidProxyHeader()
        if command == _LOCALCOMMAND:
            return ProxyInfo(line, None, None)
        familyProtocol = line[13]
        with convertError(ValueError, InvalidNetworkProtocol):
            family = NetFamily.lookupByValue(familyProtocol & _HIGH)
            transport = NetProtocol.lookupByValue(familyProtocol & _LOW)
        if family is NetFamily.UNSPEC or transport is NetProtocol.UNSPEC:
            return ProxyInfo(line, None, None)
        layout = cls.ADDRESSFORMATS[familyProtocol]
        block = line[_FIXED : _FIXED + struct.calcsize(layout)]
        with convertError(struct.error, MissingAddressData):
            fields = struct.unpack(layout, block)
        kind: Literal["TCP", "UDP"] = "TCP" if transport is NetProtocol.STREAM else "UDP"
        source: IAddress
        destination: IAddress
        if family is NetFamily.UNIX:
            source = address.UNIXAddress(_unixPath(fields[0]))
            destination = address.UNIXAddress(_unixPath(fields[1]))
        elif family is NetFamily.INET:
            source = address.IPv4Address(kind, cls._bytesToIPv4(fields[0]).decode(), fields[2])
            destination = address.IPv4Address(kind, cls._bytesToIPv4(fields[1]).decode(), fields[3])
        else:
            source = address.IPv6Address(kind, cls._bytesToIPv6(fields[0]).decode(), fields[2])
            destination = address.IPv6Address(kind, cls._bytesToIPv6(fields[1]).decode(), fields[3])
        return ProxyInfo(line, source, destination)


def _unixPath(raw: bytes) -> bytes:
    return raw.rstrip(b"\x00")
