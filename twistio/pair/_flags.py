"""Bit-flag constants, as the ``constantly`` package's ``Flags`` gives them to Twisted.

A ``Flags`` subclass lists ``FlagConstant()`` attributes; each gets the next power of two
(or the value given). Combining constants with ``|``, ``&``, ``^`` and ``~`` gives a new
``FlagConstant`` of the same container, whose ``names`` are those of the single flags set
and which iterates over them. Like ``constantly``'s, two constants compare equal only when
they are the same object (compare ``value``\\ s otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["FlagConstant", "Flags"]


class FlagConstant:
    """One flag, or a combination of flags, of a ``Flags`` container."""

    _created = 0

    def __init__(self, value: int | None = None) -> None:
        FlagConstant._created += 1
        self._order = FlagConstant._created
        self._wanted = value
        self.value = 0
        self.names: set[str] = set()
        self.name = ""
        self._container: type[Flags] | None = None

    def _bind(self, container: type[Flags], names: set[str], value: int) -> None:
        self._container = container
        self.value = value
        self.names = names
        if len(names) == 1:
            self.name = next(iter(names))
        else:
            self.name = "{" + ",".join(sorted(names)) + "}"

    def __repr__(self) -> str:
        owner = self._container.__name__ if self._container is not None else "?"
        return f"<{owner}={self.name}>"

    __str__ = __repr__

    def _combine(self, other: object, value: int) -> Any:
        container = self._container
        if not isinstance(other, FlagConstant) or other._container is not container:
            return NotImplemented
        assert container is not None
        return container._fromValue(value)

    def __or__(self, other: object) -> FlagConstant:
        value = self.value | getattr(other, "value", 0)
        combined: FlagConstant = self._combine(other, value)
        return combined

    def __and__(self, other: object) -> FlagConstant:
        value = self.value & getattr(other, "value", 0)
        combined: FlagConstant = self._combine(other, value)
        return combined

    def __xor__(self, other: object) -> FlagConstant:
        value = self.value ^ getattr(other, "value", 0)
        combined: FlagConstant = self._combine(other, value)
        return combined

    def __invert__(self) -> FlagConstant:
        container = self._container
        assert container is not None
        every = 0
        for flag in container.iterconstants():
            every |= flag.value
        return container._fromValue(every & ~self.value)

    def __iter__(self) -> Iterator[FlagConstant]:
        container = self._container
        if container is None:
            return iter(())
        return iter(
            sorted(
                (flag for flag in container.iterconstants() if flag.value & self.value),
                key=lambda flag: flag.name,
            )
        )

    def __contains__(self, flag: FlagConstant) -> bool:
        return bool(flag.value & self.value) and flag.value & self.value == flag.value

    def __bool__(self) -> bool:
        return bool(self.value)

    def _ordered(self, other: object) -> bool:
        return isinstance(other, FlagConstant) and other._container is self._container

    def __lt__(self, other: object) -> bool:
        if not self._ordered(other):
            return NotImplemented
        return self._order < other._order  # type: ignore[attr-defined, no-any-return]

    def __le__(self, other: object) -> bool:
        if not self._ordered(other):
            return NotImplemented
        return self._order <= other._order  # type: ignore[attr-defined, no-any-return]

    def __gt__(self, other: object) -> bool:
        if not self._ordered(other):
            return NotImplemented
        return self._order > other._order  # type: ignore[attr-defined, no-any-return]

    def __ge__(self, other: object) -> bool:
        if not self._ordered(other):
            return NotImplemented
        return self._order >= other._order  # type: ignore[attr-defined, no-any-return]


class _FlagsMeta(type):
    def __iter__(cls) -> Iterator[FlagConstant]:
        return iter(cls._constants)  # type: ignore[attr-defined]


class Flags(metaclass=_FlagsMeta):
    """A class whose ``FlagConstant`` attributes are its flags, in definition order."""

    _constants: list[FlagConstant] = []

    def __new__(cls) -> Flags:
        raise TypeError(f"{cls.__name__} holds constants: use the class itself")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = sorted(
            ((name, flag) for name, flag in vars(cls).items() if isinstance(flag, FlagConstant)),
            key=lambda item: item[1]._order,
        )
        bit = 1
        for name, flag in found:
            value = flag._wanted if flag._wanted is not None else bit
            flag._bind(cls, {name}, value)
            bit = value << 1
        cls._constants = [flag for _, flag in found]

    @classmethod
    def iterconstants(cls) -> Iterator[FlagConstant]:
        """The single flags, in definition order."""
        return iter(cls._constants)

    @classmethod
    def lookupByName(cls, name: str) -> FlagConstant:
        """The flag called ``name``; ``ValueError`` when there is none."""
        for flag in cls._constants:
            if flag.name == name:
                return flag
        raise ValueError(name)

    @classmethod
    def lookupByValue(cls, value: int) -> FlagConstant:
        """The single flag whose value is ``value``; ``ValueError`` when there is none."""
        for flag in cls._constants:
            if flag.value == value:
                return flag
        raise ValueError(value)

    @classmethod
    def _fromValue(cls, value: int) -> FlagConstant:
        """A new constant of the flags set in ``value`` (only the known bits count)."""
        names = {flag.name for flag in cls._constants if flag.value & value}
        known = 0
        for flag in cls._constants:
            if flag.value & value:
                known |= flag.value
        combined = FlagConstant()
        combined._bind(cls, names, known)
        return combined
