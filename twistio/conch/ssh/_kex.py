"""The key exchange methods twistio speaks: their kind, hash and group.

Fixed Diffie-Hellman groups are RFC 3526's MODP groups, computed here from their defining
formula ``p = 2^N - 2^(N-64) - 1 + 2^64 * (floor(2^(N-130) * pi) + c)``, generator 2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = [
    "KexMethod",
    "cryptographyHasMLKEM",
    "get",
    "getDHGeneratorAndPrime",
    "getHashProcessor",
    "getKex",
    "getSupportedKeyExchanges",
    "isDynamicPrimesGroup",
    "isEllipticCurve",
    "isFixedGroup",
    "isPQHybrid",
    "supported",
]


@dataclass(frozen=True)
class KexMethod:
    """One key exchange method: ``kind`` is 'dh', 'gex', 'ecdh', 'x25519' or 'mlkem-x25519'."""

    name: bytes
    kind: str
    hash: Callable[..., Any]
    group_bits: int = 0  # fixed DH groups
    curve: str = ""  # ecdh: cryptography's curve class name

    def hash_new(self) -> Any:
        return self.hash()

    @property
    def hashProcessor(self) -> Callable[..., Any]:
        """The hash constructor of the exchange (Twisted's name)."""
        return self.hash

    @property
    def preference(self) -> int:
        """Rank in twistio's order of preference, 1 the best."""
        return _METHODS.index(self) + 1

    @property
    def generator(self) -> int:
        """The generator of a fixed group."""
        if self.kind != "dh":
            raise AttributeError("generator")
        return group(self.group_bits)[0]

    @property
    def prime(self) -> int:
        """The prime of a fixed group."""
        if self.kind != "dh":
            raise AttributeError("prime")
        return group(self.group_bits)[1]


# RFC 3526: bits -> the constant c of the formula above.
_MODP_C = {2048: 124476, 3072: 1690314, 4096: 240904, 6144: 929484, 8192: 4743158}


def _pi_scaled(bits: int) -> int:
    """floor(pi * 2^bits), by Machin's formula in integers (with guard bits)."""
    guard = 64
    one = 1 << (bits + guard)

    def arctan_inv(x: int) -> int:
        total = term = one // x
        x2 = x * x
        n = 1
        sign = -1
        while term:
            term //= x2
            total += sign * (term // (2 * n + 1))
            sign = -sign
            n += 1
        return total

    pi = 4 * (4 * arctan_inv(5) - arctan_inv(239))
    return pi >> guard


@cache
def modp_prime(bits: int) -> int:
    """The RFC 3526 MODP prime of ``bits`` bits."""
    c = _MODP_C[bits]
    return (1 << bits) - (1 << (bits - 64)) - 1 + (1 << 64) * (_pi_scaled(bits - 130) + c)


_METHODS = [
    KexMethod(b"mlkem768x25519-sha256", "mlkem-x25519", hashlib.sha256),
    KexMethod(b"curve25519-sha256", "x25519", hashlib.sha256),
    KexMethod(b"curve25519-sha256@libssh.org", "x25519", hashlib.sha256),
    KexMethod(b"ecdh-sha2-nistp256", "ecdh", hashlib.sha256, curve="SECP256R1"),
    KexMethod(b"ecdh-sha2-nistp384", "ecdh", hashlib.sha384, curve="SECP384R1"),
    KexMethod(b"ecdh-sha2-nistp521", "ecdh", hashlib.sha512, curve="SECP521R1"),
    KexMethod(b"diffie-hellman-group-exchange-sha256", "gex", hashlib.sha256),
    KexMethod(b"diffie-hellman-group16-sha512", "dh", hashlib.sha512, group_bits=4096),
    KexMethod(b"diffie-hellman-group18-sha512", "dh", hashlib.sha512, group_bits=8192),
    KexMethod(b"diffie-hellman-group14-sha256", "dh", hashlib.sha256, group_bits=2048),
    # Weak (SHA-1): known, never offered unless a program lists them itself.
    KexMethod(b"diffie-hellman-group-exchange-sha1", "gex", hashlib.sha1),
    KexMethod(b"diffie-hellman-group14-sha1", "dh", hashlib.sha1, group_bits=2048),
    KexMethod(b"diffie-hellman-group1-sha1", "dh", hashlib.sha1, group_bits=1024),
]
_BY_NAME = {m.name: m for m in _METHODS}
# Oakley group 2 (RFC 2409), the 1024-bit group of diffie-hellman-group1-sha1.
_OAKLEY2_C = 129093


@cache
def group(bits: int) -> tuple[int, int]:
    """(generator, prime) of a fixed group."""
    if bits == 1024:
        p = (1 << 1024) - (1 << 960) - 1 + (1 << 64) * (_pi_scaled(894) + _OAKLEY2_C)
        return 2, p
    return 2, modp_prime(bits)


def get(name: bytes) -> KexMethod | None:
    """The method called ``name``, or None."""
    return _BY_NAME.get(name)


def has_mlkem() -> bool:
    """Whether the installed ``cryptography`` offers ML-KEM-768."""
    try:
        from cryptography.hazmat.primitives.asymmetric import mlkem  # noqa: F401
    except ImportError:
        return False
    return True


def supported() -> list[bytes]:
    """The names twistio offers by default, best first (no SHA-1 methods)."""
    names = [m.name for m in _METHODS if m.hash is not hashlib.sha1]
    if not has_mlkem():
        names.remove(b"mlkem768x25519-sha256")
    return names


cryptographyHasMLKEM: bool = has_mlkem()


def getKex(kexAlgorithm: bytes) -> KexMethod:
    """The method called ``kexAlgorithm``; ``ConchError`` if twistio does not know it."""
    method = _BY_NAME.get(kexAlgorithm)
    if method is None or (method.kind == "mlkem-x25519" and not cryptographyHasMLKEM):
        from twistio.conch.error import ConchError

        raise ConchError(f"Unsupported key exchange algorithm: {kexAlgorithm!r}")
    return method


def isFixedGroup(kexAlgorithm: bytes) -> bool:
    """Whether the method uses one fixed Diffie-Hellman group."""
    return getKex(kexAlgorithm).kind == "dh"


def isDynamicPrimesGroup(kexAlgorithm: bytes) -> bool:
    """Whether the method negotiates its Diffie-Hellman group (RFC 4419 group exchange)."""
    return getKex(kexAlgorithm).kind == "gex"


def isEllipticCurve(kexAlgorithm: bytes) -> bool:
    """Whether the method is an elliptic-curve exchange (NIST curves or Curve25519)."""
    return getKex(kexAlgorithm).kind in ("ecdh", "x25519")


def isPQHybrid(kexAlgorithm: bytes) -> bool:
    """Whether the method combines a post-quantum KEM with a classic exchange."""
    return getKex(kexAlgorithm).kind == "mlkem-x25519"


def getHashProcessor(kexAlgorithm: bytes) -> Callable[..., Any]:
    """The hash constructor the method uses (``hashlib.sha256``...)."""
    return getKex(kexAlgorithm).hash


def getDHGeneratorAndPrime(kexAlgorithm: bytes) -> tuple[int, int]:
    """(generator, prime) of a fixed-group method; ``TypeError`` for any other kind."""
    method = getKex(kexAlgorithm)
    if method.kind != "dh":
        raise TypeError(f"{kexAlgorithm!r} has no fixed group")
    return group(method.group_bits)


def getSupportedKeyExchanges() -> list[bytes]:
    """The methods offered by default, best first: the same list as ``supported()``."""
    return supported()
