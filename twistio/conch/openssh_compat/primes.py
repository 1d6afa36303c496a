"""The moduli file of OpenSSH (``/etc/ssh/moduli``): primes for group exchange."""

from __future__ import annotations

__all__ = ["parseModuliFile"]


def parseModuliFile(filename: str) -> dict[int, list[tuple[int, int]]]:
    """{size in bits: [(generator, prime)]} from a moduli file; comments are skipped.

    Each line is ``time type tests tries size generator modulus``, ``size`` one less than
    the prime's length in bits and ``modulus`` in hexadecimal.
    """
    primes: dict[int, list[tuple[int, int]]] = {}
    with open(filename) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith("#") or len(fields) < 7:
                continue
            try:
                size = int(fields[4]) + 1
                generator = int(fields[5])
                prime = int(fields[6], 16)
            except ValueError:
                continue
            primes.setdefault(size, []).append((generator, prime))
    return primes
