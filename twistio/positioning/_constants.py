"""Named constants, as the ``constantly`` package gives Twisted (``Names``, ``Values``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["NamedConstant", "Names", "ValueConstant", "Values"]


class NamedConstant:
    """A constant known by its name within its container."""

    _order = 0

    def __init__(self) -> None:
        NamedConstant._order += 1
        self._index = NamedConstant._order
        self.name = ""
        self._container = ""

    def _bind(self, container: str, name: str) -> None:
        self._container = container
        self.name = name

    def __repr__(self) -> str:
        return f"<{self._container}={self.name}>"

    def __lt__(self, other: NamedConstant) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._index < other._index

    def __le__(self, other: NamedConstant) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._index <= other._index

    def __gt__(self, other: NamedConstant) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._index > other._index

    def __ge__(self, other: NamedConstant) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._index >= other._index


class ValueConstant(NamedConstant):
    """A named constant with a value (``lookupByValue`` finds it)."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class _ContainerMeta(type):
    def __iter__(cls) -> Iterator[Any]:
        return iter(cls._constantList)  # type: ignore[attr-defined]


class Names(metaclass=_ContainerMeta):
    """A class whose ``NamedConstant`` attributes are its constants, in definition order."""

    _constantList: list[Any] = []
    _kind: type = NamedConstant

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: list[tuple[str, Any]] = [
            (n, v) for n, v in vars(cls).items() if isinstance(v, cls._kind)
        ]
        found.sort(key=lambda item: item[1]._index)
        for name, constant in found:
            constant._bind(cls.__name__, name)
        cls._constantList = [c for _, c in found]

    @classmethod
    def iterconstants(cls) -> Iterator[Any]:
        """The constants, in the order they were defined."""
        return iter(cls._constantList)

    @classmethod
    def lookupByName(cls, name: str) -> Any:
        """The constant called ``name``; ``ValueError`` when there is none."""
        for constant in cls._constantList:
            if constant.name == name:
                return constant
        raise ValueError(name)


class Values(Names):
    """A ``Names`` whose constants are ``ValueConstant``\\ s."""

    _kind = ValueConstant

    @classmethod
    def lookupByValue(cls, value: Any) -> Any:
        """The constant whose value is ``value``; ``ValueError`` when there is none."""
        for constant in cls._constantList:
            if constant.value == value:
                return constant
        raise ValueError(value)
