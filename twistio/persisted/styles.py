"""Pickling support: ``Versioned`` objects that upgrade themselves when unpickled from an
older ``persistenceVersion``, ``Ephemeral`` objects that are never persisted, and the
``copyreg`` hooks that let methods and modules be pickled."""

from __future__ import annotations

import copyreg
import io
import pickle
import types
from typing import Any

from twistio.python import log, reflect

__all__ = [
    "Ephemeral",
    "Versioned",
    "doUpgrade",
    "pickleMethod",
    "pickleModule",
    "pickleStringI",
    "pickleStringO",
    "requireUpgrade",
    "unpickleMethod",
    "unpickleModule",
    "unpickleStringI",
    "unpickleStringO",
]

#: Old module names and where their contents live now (``unpickleModule`` follows them).
oldModules: dict[str, str] = {}

#: Versioned objects unpickled and not yet upgraded, and those upgraded, by ``id``
#: (their own ``__hash__`` may make equal objects collide).
versionedsToUpgrade: dict[int, Versioned] = {}
upgraded: dict[int, int] = {}


class _UniversalPicklingError(pickle.PicklingError):
    """An object cannot be pickled."""


def pickleMethod(method: types.MethodType) -> tuple[Any, tuple[Any, ...]]:
    """``copyreg`` reducer for bound methods: the method's name, object and class."""
    return unpickleMethod, (method.__name__, method.__self__, type(method.__self__))


def _methodFunction(classObject: type, methodName: str) -> Any:
    """The function behind ``classObject.methodName``."""
    method = getattr(classObject, methodName)
    return getattr(method, "__func__", method)


def unpickleMethod(im_name: str, im_self: Any, im_class: type) -> Any:
    """The method ``im_name`` of ``im_self`` (looked up on ``im_class``, else on the class of
    ``im_self``, when the class has changed since it was pickled)."""
    if im_self is None:
        return getattr(im_class, im_name)
    try:
        function = _methodFunction(im_class, im_name)
    except AttributeError:
        log.msg(f"Method {im_name} not on class {im_class}")
        if im_class is type(im_self):
            raise
        return unpickleMethod(im_name, im_self, type(im_self))
    return types.MethodType(function, im_self)


def pickleModule(module: types.ModuleType) -> tuple[Any, tuple[str]]:
    """``copyreg`` reducer for modules: by name."""
    return unpickleModule, (module.__name__,)


def unpickleModule(name: str) -> types.ModuleType:
    """The module ``name`` (or where ``oldModules`` says it went)."""
    if name in oldModules:
        log.msg(f"Module has moved: {name}")
        name = oldModules[name]
    return reflect.namedModule(name)


def pickleStringO(stringo: io.StringIO | io.BytesIO) -> tuple[Any, tuple[Any, int]]:
    """Reduce a string buffer to its contents and position."""
    return unpickleStringO, (stringo.getvalue(), stringo.tell())


def unpickleStringO(val: str | bytes, sek: int) -> io.StringIO | io.BytesIO:
    """A ``StringIO`` (``BytesIO`` for bytes) holding ``val``, at position ``sek``; also
    reads what Python 2's ``cStringIO`` objects were pickled as."""
    buffer: io.StringIO | io.BytesIO = io.BytesIO(val) if isinstance(val, bytes) else io.StringIO(val)
    buffer.seek(sek)
    return buffer


pickleStringI = pickleStringO
unpickleStringI = unpickleStringO

copyreg.pickle(types.MethodType, pickleMethod)
copyreg.pickle(types.ModuleType, pickleModule)


class Ephemeral:
    """An object never persisted: pickled, it comes back as a bare ``Ephemeral``."""

    def __reduce__(self) -> tuple[type[Ephemeral], tuple[()]]:
        log.msg(f"WARNING: serializing ephemeral {self}")
        return Ephemeral, ()


def _aybabtu(c: type) -> list[type]:
    """The ``Versioned`` classes strictly between ``c`` and ``Versioned`` in ``c``'s MRO."""
    return [b for b in c.__mro__[1:] if issubclass(b, Versioned) and b is not Versioned]


def requireUpgrade(obj: Any) -> Any:
    """Upgrade ``obj`` now if it was unpickled and not upgraded yet; returns it."""
    key = id(obj)
    if key in versionedsToUpgrade and key not in upgraded:
        upgraded[key] = 1
        obj.versionUpgrade()
    return obj


def doUpgrade() -> None:
    """Upgrade every ``Versioned`` object unpickled since the last call."""
    for versioned in list(versionedsToUpgrade.values()):
        requireUpgrade(versioned)
    versionedsToUpgrade.clear()
    upgraded.clear()


class Versioned:
    """An object pickled with the ``persistenceVersion`` of each of its classes.

    Unpickled from an older version, it is upgraded (by ``doUpgrade``, which ``sob.load``
    calls) through each class's ``upgradeToVersionN`` methods, base classes first.
    Attributes named in a class's ``persistenceForgets`` are not pickled.
    """

    persistenceVersion = 0
    persistenceForgets: tuple[str, ...] = ()

    def __setstate__(self, state: dict[str, Any]) -> None:
        versionedsToUpgrade[id(self)] = self
        self.__dict__ = state

    def __getstate__(self, dict: dict[str, Any] | None = None) -> dict[str, Any]:
        """The state to pickle: the attributes, less the forgotten ones, plus a
        ``"<class>.persistenceVersion"`` for each class that sets a version."""
        state = (self.__dict__ if dict is None else dict).copy()
        for base in [*_aybabtu(type(self)), type(self)]:
            for name in base.__dict__.get("persistenceForgets", ()):
                state.pop(name, None)
            if "persistenceVersion" in base.__dict__:
                state[f"{reflect.qual(base)}.persistenceVersion"] = base.__dict__[
                    "persistenceVersion"
                ]
        return state

    def versionUpgrade(self) -> None:
        """Run the ``upgradeToVersionN`` methods from each class's pickled version to its
        current one (base classes first)."""
        bases = _aybabtu(type(self))
        bases.reverse()
        bases.append(type(self))
        legacy = self.__dict__.pop("persistenceVersion", None)  # the oldest format
        for base in bases:
            if "persistenceVersion" not in base.__dict__:
                continue
            current = base.__dict__["persistenceVersion"]
            key = f"{reflect.qual(base)}.persistenceVersion"
            stored = self.__dict__.pop(key, None)
            if stored is None:
                stored = legacy if (legacy is not None and base is type(self)) else 0
            while stored < current:
                stored += 1
                upgrade = base.__dict__.get(f"upgradeToVersion{stored}")
                if upgrade is not None:
                    log.msg(f"Upgrading {reflect.qual(base)} (of {reflect.qual(type(self))} @ "
                            f"{id(self):#x}) to version {stored}")
                    upgrade(self)
