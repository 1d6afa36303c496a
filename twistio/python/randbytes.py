"""Random bytes (``twisted.python.randbytes``)."""

from __future__ import annotations

import os
import random
import warnings

__all__ = ["SecureRandomNotAvailable", "insecureRandom", "secureRandom"]

getrandbits = random.getrandbits


class SecureRandomNotAvailable(RuntimeError):
    """No source of cryptographically secure randomness is available."""


class SourceNotAvailable(RuntimeError):
    """One random source is unavailable."""


class RandomFactory:
    """Random bytes from ``os.urandom`` or, for non-security uses, the ``random`` module."""

    randomSources = ()
    getrandbits = getrandbits

    def _osUrandom(self, nbytes: int) -> bytes:
        try:
            return os.urandom(nbytes)
        except (AttributeError, NotImplementedError) as error:
            raise SourceNotAvailable(error)

    def secureRandom(self, nbytes: int, fallback: bool = False) -> bytes:
        """``nbytes`` secure random bytes; with ``fallback``, insecure ones (with a warning)
        rather than ``SecureRandomNotAvailable`` when no secure source exists."""
        try:
            return self._osUrandom(nbytes)
        except SourceNotAvailable:
            if not fallback:
                raise SecureRandomNotAvailable("No secure random source available") from None
        warnings.warn(
            "urandom unavailable - proceeding with non-cryptographically secure random source",
            category=RuntimeWarning,
            stacklevel=2,
        )
        return self.insecureRandom(nbytes)

    def _randBits(self, nbytes: int) -> bytes:
        return random.getrandbits(nbytes * 8).to_bytes(nbytes, "big") if nbytes else b""

    def insecureRandom(self, nbytes: int) -> bytes:
        """``nbytes`` random bytes that are not suitable for security."""
        return self._randBits(nbytes)


_theRandomFactory = RandomFactory()
secureRandom = _theRandomFactory.secureRandom
insecureRandom = _theRandomFactory.insecureRandom
