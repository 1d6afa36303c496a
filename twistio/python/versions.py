"""Version numbers with Twisted's ``Version`` API (``incremental``'s, which Twisted re-exports).

twistio has its own ``Version`` so that nothing outside typing-extensions is required; it
orders, prints and compares like ``incremental.Version``. It is not that class, so
``isinstance(v, incremental.Version)`` is false.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal, Union

__all__ = ["IncomparableVersions", "Version", "getVersionString"]


class IncomparableVersions(TypeError):
    """Two versions of different packages were compared."""


def _order(value: int | None, missing: float) -> float:
    return missing if value is None else value


class Version:
    """A package's version: major, minor, micro, and optional rc, post and dev numbers.

    ``major`` may be the string ``"NEXT"`` (an unreleased version, newer than any other).
    Versions of different packages (compared case-insensitively) are incomparable.
    """

    def __init__(
        self,
        package: str,
        major: Union[Literal["NEXT"], int],
        minor: int,
        micro: int,
        release_candidate: int | None = None,
        prerelease: int | None = None,
        post: int | None = None,
        dev: int | None = None,
    ) -> None:
        if release_candidate is not None and prerelease is not None:
            raise ValueError("Please only return one of these.")
        if prerelease is not None:
            warnings.warn(
                "Passing prerelease to incremental.Version was deprecated in Incremental "
                "16.9.0. Please pass release_candidate instead.",
                DeprecationWarning,
                stacklevel=2,
            )
            release_candidate = prerelease
        self.package, self.major, self.minor, self.micro = package, major, minor, micro
        self.release_candidate, self.post, self.dev = release_candidate, post, dev

    @property
    def prerelease(self) -> int | None:
        """The release candidate number (deprecated spelling of ``release_candidate``)."""
        warnings.warn(
            "Accessing incremental.Version.prerelease was deprecated in Incremental 16.9.0. "
            "Use Version.release_candidate instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.release_candidate

    def public(self) -> str:
        """The PEP 440 public version: ``1.2.3rc1.post2.dev3``, or ``NEXT``."""
        if self.major == "NEXT":
            return "NEXT"
        text = f"{self.major}.{self.minor}.{self.micro}"
        if self.release_candidate is not None:
            text += f"rc{self.release_candidate}"
        if self.post is not None:
            text += f".post{self.post}"
        if self.dev is not None:
            text += f".dev{self.dev}"
        return text

    base = public
    short = public
    local = public

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value}"
            for name, value in (
                ("release_candidate", self.release_candidate),
                ("post", self.post),
                ("dev", self.dev),
            )
            if value is not None
        )
        return f"Version({self.package!r}, {self.major!r}, {self.minor}, {self.micro}{extra})"

    def __str__(self) -> str:
        return f"[{self.package}, version {self.short()}]"

    def _key(self) -> tuple[float, ...]:
        major = math.inf if self.major == "NEXT" else float(self.major)
        return (
            major,
            self.minor,
            self.micro,
            _order(self.release_candidate, math.inf),
            _order(self.post, -1),
            _order(self.dev, math.inf),
        )

    def __cmp__(self, other: object) -> Any:
        """-1, 0 or 1; ``NotImplemented`` for a non-Version; raises for another package."""
        if not isinstance(other, Version):
            return NotImplemented
        if self.package.lower() != other.package.lower():
            raise IncomparableVersions(f"{self.package!r} != {other.package!r}")
        mine, theirs = self._key(), other._key()
        return (mine > theirs) - (mine < theirs)

    def __eq__(self, other: object) -> Any:
        result = self.__cmp__(other)
        return result if result is NotImplemented else result == 0

    def __ne__(self, other: object) -> Any:
        result = self.__cmp__(other)
        return result if result is NotImplemented else result != 0

    def __lt__(self, other: object) -> Any:
        result = self.__cmp__(other)
        return result if result is NotImplemented else result < 0

    def __le__(self, other: object) -> Any:
        result = self.__cmp__(other)
        return result if result is NotImplemented else result <= 0

    def __gt__(self, other: object) -> Any:
        result = self.__cmp__(other)
        return result if result is NotImplemented else result > 0

    def __ge__(self, other: object) -> Any:
        result = self.__cmp__(other)
        return result if result is NotImplemented else result >= 0

    __hash__ = None  # type: ignore[assignment]


def getVersionString(version: Version) -> str:
    """``"<package> <version>"``, e.g. ``"Twisted 26.10.0"``."""
    return f"{version.package} {version.short()}"
