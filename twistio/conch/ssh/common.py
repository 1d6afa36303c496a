"""SSH wire encodings (RFC 4251 section 5): strings, mpints, and algorithm negotiation."""

from __future__ import annotations

import struct
from collections.abc import Sequence

__all__ = ["MP", "NS", "ffs", "getMP", "getNS", "install"]

_u32 = struct.Struct(">L")


def NS(t: bytes | str) -> bytes:
    """``t`` as an SSH string: a 32-bit big-endian length, then the bytes (str as UTF-8)."""
    if isinstance(t, str):
        t = t.encode("utf-8")
    return _u32.pack(len(t)) + t


def getNS(s: bytes, count: int = 1) -> Sequence[bytes]:
    """Read ``count`` SSH strings from the front of ``s``: a tuple of them and the rest.

    A string longer than what remains raises ``struct.error`` (Twisted returns it cut short).
    """
    out: list[bytes] = []
    pos = 0
    end = len(s)
    for _ in range(count):
        (n,) = _u32.unpack_from(s, pos)
        pos += 4
        if pos + n > end:
            raise struct.error(f"string of {n} bytes runs past the end of the data")
        out.append(s[pos : pos + n])
        pos += n
    out.append(s[pos:])
    return tuple(out)


def MP(number: int) -> bytes:
    """``number`` (>= 0) as an SSH mpint: two's complement, big-endian, minimal length."""
    if number < 0:
        raise AssertionError("MP takes non-negative integers")
    if number == 0:
        return b"\0\0\0\0"
    body = number.to_bytes(number.bit_length() // 8 + 1, "big")
    return _u32.pack(len(body)) + body


def getMP(data: bytes, count: int = 1) -> Sequence[int | bytes]:
    """Read ``count`` mpints from the front of ``data``: a tuple of ints and the rest."""
    out: list[int | bytes] = []
    pos = 0
    end = len(data)
    for _ in range(count):
        (n,) = _u32.unpack_from(data, pos)
        pos += 4
        if pos + n > end:
            raise struct.error(f"mpint of {n} bytes runs past the end of the data")
        out.append(int.from_bytes(data[pos : pos + n], "big"))
        pos += n
    out.append(data[pos:])
    return tuple(out)


def ffs(c: Sequence[bytes], s: Sequence[bytes]) -> bytes | None:
    """The first name of ``c`` (the client's list) that ``s`` (the server's) also has."""
    for name in c:
        if name in s:
            return name
    return None


def install() -> None:
    """Kept for compatibility: there is nothing to install. Deprecated, as in Twisted."""
    import warnings

    from twistio.python import _spelling

    warnings.warn(f"{_spelling.spelled(__name__)}.install was deprecated in Twisted 16.5.0",
                  DeprecationWarning, stacklevel=2)
