"""Strict readers for the few grammar rules of HTTP that Python's ``int()`` is too lenient for.

``int()`` takes signs, underscores, ``0x`` prefixes and any Unicode whitespace; a peer's
``Content-Length`` or chunk size must be nothing but digits. The token test is the codec's.
"""

from __future__ import annotations

from twistio.web._codec import is_token

__all__: list[str] = []

_DECIMAL = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _istoken(b: bytes) -> bool:
    """Whether ``b`` is an RFC 9110 token (one or more tchar)."""
    return is_token(bytes(b))


def _decint(data: bytes) -> int:
    """The value of ``1*DIGIT`` with optional spaces or tabs around it; ``ValueError`` else."""
    digits = data.strip(b" \t")
    if not digits or not _DECIMAL.issuperset(digits):
        raise ValueError(f"not a decimal integer: {data!r}")
    return int(digits)


def _ishexdigits(b: bytes | bytearray) -> bool:
    """Whether ``b`` is one or more hexadecimal digits (either case)."""
    return bool(b) and _HEX.issuperset(b)


def _hexint(b: bytes | bytearray) -> int:
    """The value of ``1*HEXDIG``; ``ValueError`` for anything else (signs, ``0x``, spaces)."""
    if not _ishexdigits(b):
        raise ValueError(f"not a hexadecimal integer: {bytes(b)!r}")
    return int(b, 16)
