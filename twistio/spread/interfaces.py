"""The two interfaces of jelly's extension points."""

from __future__ import annotations

from typing import Any, Protocol

from twistio.internet.interfaces import Interface

__all__ = ["IJellyable", "IUnjellyable"]


class IJellyable(Interface, Protocol):
    """An object that writes its own s-expression."""

    def jellyFor(self, jellier: Any) -> Any:
        """The s-expression for this object; ``jellier.jelly`` serializes its parts."""


class IUnjellyable(Interface, Protocol):
    """An object that restores itself from an s-expression."""

    def unjellyFor(self, unjellier: Any, jellyList: Any) -> Any:
        """Fill this (blank) object from ``jellyList``; return the object to use."""
