"""Placeholders for objects not built yet while unserializing graphs with cycles
(``aot``): each ``NotKnown`` remembers where its object must go once it is known."""

from __future__ import annotations

import types
from typing import Any, NoReturn

__all__ = ["NotKnown"]


class NotKnown:
    """An object still being built; ``addDependant(container, key)`` asks for
    ``container[key]`` to be set to it once known (``resolveDependants``)."""

    def __init__(self) -> None:
        self.dependants: list[tuple[Any, Any]] = []
        self.resolved = 0
        self.resolvedObject: Any = None

    def addDependant(self, mutableObject: Any, key: Any) -> None:
        """Set ``mutableObject[key]`` to the object when it is known."""
        assert not self.resolved, "already resolved: use the object itself"
        self.dependants.append((mutableObject, key))

    def resolveDependants(self, newObject: Any) -> None:
        """The object is ``newObject``: put it wherever it was waited for."""
        self.resolved = 1
        self.resolvedObject = newObject
        for mutableObject, key in self.dependants:
            mutableObject[key] = newObject

    def __hash__(self) -> NoReturn:
        raise AssertionError("a NotKnown is not to be used as a dictionary key")


class _Container(NotKnown):
    """A container (built by ``containerType`` from a list) some of whose elements are
    not known yet; it is known once they all are."""

    def __init__(self, items: list[Any], containerType: Any) -> None:
        super().__init__()
        self.containerType = containerType
        self.l = list(items)
        self.locs = [i for i, item in enumerate(self.l) if isinstance(item, NotKnown)]
        for i in self.locs:
            self.l[i].addDependant(self, i)
        if not self.locs:
            self.resolveDependants(containerType(self.l))

    def __setitem__(self, n: int, obj: Any) -> None:
        self.l[n] = obj
        if isinstance(obj, NotKnown):
            return  # still waiting on this slot
        self.locs.remove(n)
        if self.locs == []:
            # The last missing element arrived: the container can be built now.
            self.resolveDependants(self.containerType(self.l))


class _Tuple(_Container):
    """A tuple waiting for some of its elements."""

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items, tuple)


class _InstanceMethod(NotKnown):
    """A bound method whose object is not known yet."""

    def __init__(self, im_name: str, im_self: NotKnown, im_class: type) -> None:
        super().__init__()
        self.my_class = im_class
        self.name = im_name
        im_self.addDependant(self, 0)

    def __call__(self, *args: Any, **kw: Any) -> NoReturn:
        raise AssertionError(f"method {self.name} called before its object was known")

    def __setitem__(self, n: int, obj: Any) -> None:
        assert n == 0, "an instance method only waits for its object"
        if not isinstance(obj, NotKnown):
            function = getattr(self.my_class, self.name)
            self.resolveDependants(types.MethodType(getattr(function, "__func__", function), obj))


class _DictKeyAndValue:
    """One entry of ``dict`` whose key (0) or value (1) is not known yet; it is stored once
    both are."""

    def __init__(self, dict: dict[Any, Any]) -> None:
        self.dict = dict

    def __setitem__(self, n: int, obj: Any) -> None:
        if n not in (0, 1):
            raise RuntimeError("a dictionary entry has only a key (0) and a value (1)")
        if n:
            self.value = obj
        else:
            self.key = obj
        if hasattr(self, "key") and hasattr(self, "value") and not (
            isinstance(self.key, NotKnown) or isinstance(self.value, NotKnown)
        ):
            self.dict[self.key] = self.value


class _Dereference(NotKnown):
    """A reference (by number) met before the object it names has been read."""

    def __init__(self, id: int) -> None:
        super().__init__()
        self.id = id


class _Defer(NotKnown):
    """An object referred to before it is built: set once (``defer[0] = obj``)."""

    def __setitem__(self, n: int, obj: Any) -> None:
        assert n == 0, "a deferred reference has one slot"
        if self.resolved:
            raise RuntimeError(f"deferred reference set twice: already {self.resolvedObject!r}")
        if isinstance(obj, NotKnown):
            obj.addDependant(self, 0)
        else:
            self.resolveDependants(obj)
