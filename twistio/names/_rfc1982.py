"""Serial number arithmetic (RFC 1982), as DNS uses it for SOA serials and DNSSEC times.

A ``SerialNumber`` lives on a ring of ``2 ** serialBits`` values: addition wraps, and of two
numbers the greater is the one reached from the other by adding less than half the ring.
Two numbers exactly half the ring apart are neither equal, less nor greater (RFC 1982 3.2).
"""

from __future__ import annotations

import calendar
import time

__all__ = ["RFC4034_TIME_FORMAT", "SerialNumber"]

# How RFC 4034 (section 3.2) writes an RRSIG's inception and expiration times: UTC.
RFC4034_TIME_FORMAT = "%Y%m%d%H%M%S"


class SerialNumber:
    """A serial number ``number % 2 ** serialBits``."""

    showAttributes = (("_number", "number", "%d"), ("_serialBits", "serialBits", "%d"))

    def __init__(self, number: int, serialBits: int = 32) -> None:
        self._serialBits = serialBits
        self._modulo = 1 << serialBits
        self._halfRing = 1 << (serialBits - 1)
        # The largest value RFC 1982 lets be added: one less than half the ring.
        self._maxAdd = self._halfRing - 1
        self._number = int(number) % self._modulo

    def _convertOther(self, other: object) -> SerialNumber:
        """``other`` when it is a ``SerialNumber`` on the same ring, else ``TypeError``."""
        if not isinstance(other, SerialNumber) or other._serialBits != self._serialBits:
            raise TypeError(f"cannot compare or combine {self!r} and {other!r}")
        return other

    def __str__(self) -> str:
        return str(self._number)

    def __repr__(self) -> str:
        return f"<SerialNumber number={self._number} serialBits={self._serialBits}>"

    def __int__(self) -> int:
        return self._number

    def __hash__(self) -> int:
        return hash((self._number, self._serialBits))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SerialNumber):
            return NotImplemented
        return self._number == other._number and self._serialBits == other._serialBits

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, SerialNumber):
            return NotImplemented
        return not self == other

    def _less(self, other: object) -> bool:
        o = self._convertOther(other)._number
        n = self._number
        # Less when ``other`` is reached from ``self`` by adding under half the ring.
        return 0 < (o - n) % self._modulo < self._halfRing

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SerialNumber):
            return NotImplemented
        return self._less(other)

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, SerialNumber):
            return NotImplemented
        return self._convertOther(other)._less(self)

    def __le__(self, other: object) -> bool:
        if not isinstance(other, SerialNumber):
            return NotImplemented
        return self == other or self._less(other)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, SerialNumber):
            return NotImplemented
        return self == other or self > other

    def __add__(self, other: object) -> SerialNumber:
        """The sum, wrapped onto the ring; ``ArithmeticError`` when ``other`` is more than
        ``_maxAdd`` (RFC 1982 3.1 leaves that undefined)."""
        if not isinstance(other, SerialNumber):
            return NotImplemented
        o = self._convertOther(other)._number
        if o > self._maxAdd:
            raise ArithmeticError(f"value {o} outside the range 0 .. {self._maxAdd}")
        return SerialNumber(self._number + o, serialBits=self._serialBits)

    @classmethod
    def fromRFC4034DateString(cls, utcDateString: str) -> SerialNumber:
        """The UNIX time of a UTC ``YYYYMMDDHHMMSS`` string, as a 32-bit serial number."""
        parsed = time.strptime(utcDateString, RFC4034_TIME_FORMAT)
        return cls(calendar.timegm(parsed))

    def toRFC4034DateString(self) -> str:
        """This number read as a UNIX time, written as ``YYYYMMDDHHMMSS`` in UTC."""
        return time.strftime(RFC4034_TIME_FORMAT, time.gmtime(self._number))
