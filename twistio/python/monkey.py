"""Temporary attribute replacement (``twisted.python.monkey``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["MonkeyPatcher"]

_T = TypeVar("_T")


class MonkeyPatcher:
    """A set of ``(object, name, value)`` patches applied together and undone together."""

    def __init__(self, *patches: tuple[Any, str, Any]) -> None:
        self._patchesToApply: list[tuple[Any, str, Any]] = []
        self._originals: list[tuple[Any, str, Any]] = []
        for patch in patches:
            self.addPatch(*patch)

    def addPatch(self, obj: Any, name: str, value: Any) -> None:
        """Set ``obj.name = value`` on the next ``patch()`` (``obj.name`` must exist then)."""
        self._patchesToApply.append((obj, name, value))

    def _alreadyPatched(self, obj: Any, name: str) -> bool:
        return any(o is obj and n == name for o, n, _ in self._originals)

    def patch(self) -> None:
        """Apply every patch, remembering each attribute's original value once."""
        for obj, name, value in self._patchesToApply:
            if not self._alreadyPatched(obj, name):
                self._originals.append((obj, name, getattr(obj, name)))
            setattr(obj, name, value)

    def restore(self) -> None:
        """Put the original values back, most recent patch first."""
        while self._originals:
            obj, name, value = self._originals.pop()
            setattr(obj, name, value)

    def __enter__(self) -> MonkeyPatcher:
        self.patch()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.restore()

    def runWithPatches(self, f: Callable[..., _T], *args: Any, **kw: Any) -> _T:
        """Call ``f`` with the patches applied, restoring afterwards even if it raises."""
        self.patch()
        try:
            return f(*args, **kw)
        finally:
            self.restore()
