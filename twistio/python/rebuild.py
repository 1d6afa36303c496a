"""Reloading a module in a running program: ``rebuild(module)`` reloads it and makes the
objects made from the old code use the new code.

After the reload, each old function keeps its identity but runs the new code, instances
of the old classes become instances of the new ones, and other modules' globals naming
an old class are pointed at the new one. A development aid: code that kept a reference to
something the new module no longer defines keeps the old object.
"""

from __future__ import annotations

import gc
import importlib
import sys
import time
import types
from typing import Any

from twistio.python import log

__all__ = [
    "RebuildError",
    "Sensitive",
    "latestClass",
    "latestFunction",
    "rebuild",
    "updateInstance",
]

#: When ``rebuild`` last ran (``Sensitive`` objects compare their own time with it).
lastRebuild = time.time()


class RebuildError(Exception):
    """A module could not be rebuilt (it cannot be reloaded)."""


class Sensitive:
    """An object that knows whether a ``rebuild`` happened since it last caught up
    (``rebuildUpToDate``), and can fetch the newest version of a class or function."""

    lastRebuild = 0.0

    def rebuildUpToDate(self) -> None:
        """Note that this object has caught up with the latest rebuild."""
        self.lastRebuild = time.time()

    def needRebuildUpdate(self) -> bool:
        """Whether a rebuild happened since ``rebuildUpToDate``."""
        return self.lastRebuild < lastRebuild

    def latestVersionOf(self, anObject: Any) -> Any:
        """The newest version of a class, function or method."""
        if isinstance(anObject, types.FunctionType):
            return latestFunction(anObject)
        if isinstance(anObject, types.MethodType):
            function = latestFunction(anObject.__func__)
            if anObject.__self__ is None:
                return function
            return types.MethodType(function, anObject.__self__)
        if isinstance(anObject, type):
            return latestClass(anObject)
        log.msg(f"warning returning anObject! {anObject!r}")
        return anObject


def latestFunction(oldFunc: Any) -> Any:
    """The function of the same name in the (reloaded) module of ``oldFunc``, else itself."""
    module = sys.modules.get(oldFunc.__module__)
    if module is None:
        return oldFunc
    return getattr(module, oldFunc.__name__, oldFunc)


def latestClass(oldClass: type) -> type:
    """The class of the same name in the (reloaded) module of ``oldClass`` (else itself),
    its bases brought up to date too."""
    module = sys.modules.get(oldClass.__module__)
    newClass = getattr(module, oldClass.__name__, None) if module is not None else None
    if not isinstance(newClass, type):
        newClass = oldClass
    if newClass.__module__ == "builtins":
        return newClass
    bases = tuple(latestClass(base) for base in newClass.__bases__)
    if bases != newClass.__bases__:
        try:
            newClass.__bases__ = bases
        except TypeError:
            pass  # an incompatible layout: keep the bases it has
    return newClass


def updateInstance(self: Any) -> None:
    """Make ``self`` an instance of the newest version of its class."""
    try:
        self.__class__ = latestClass(self.__class__)
    except TypeError:
        log.msg(f"cannot update the class of {type(self).__name__} instance at {id(self):#x}")


def _definedIn(module: types.ModuleType) -> tuple[dict[str, type], dict[str, types.FunctionType]]:
    classes: dict[str, type] = {}
    functions: dict[str, types.FunctionType] = {}
    for name, value in list(vars(module).items()):
        if getattr(value, "__module__", None) != module.__name__:
            continue
        if isinstance(value, type):
            classes[name] = value
        elif isinstance(value, types.FunctionType):
            functions[name] = value
    return classes, functions


def rebuild(module: types.ModuleType, doLog: int = 1) -> types.ModuleType:
    """Reload ``module`` and bring the objects made from its old code up to date; returns
    the module (``RebuildError`` when it cannot be reloaded)."""
    global lastRebuild
    lastRebuild = time.time()
    if doLog:
        log.msg(f"Rebuilding {module.__name__}...")
    oldClasses, oldFunctions = _definedIn(module)
    try:
        importlib.reload(module)
    except ImportError as e:
        raise RebuildError(f"cannot reload {module.__name__}: {e}") from e
    newClasses, newFunctions = _definedIn(module)

    # Old functions keep their identity (references to them elsewhere stay good) and
    # take the new code.
    for name, oldFunction in oldFunctions.items():
        newFunction = newFunctions.get(name)
        if newFunction is None or newFunction is oldFunction:
            continue
        try:
            oldFunction.__code__ = newFunction.__code__
            oldFunction.__defaults__ = newFunction.__defaults__
            oldFunction.__kwdefaults__ = newFunction.__kwdefaults__
            oldFunction.__dict__.update(newFunction.__dict__)
        except (TypeError, ValueError):  # a different closure shape: keep the new one
            continue
        setattr(module, name, oldFunction)

    replacements: dict[Any, Any] = {}
    for name, old in oldClasses.items():
        new = newClasses.get(name)
        if new is not None and new is not old:
            replacements[old] = new
    if not replacements:
        return module

    # Instances of the old classes become instances of the new ones.
    for old, new in replacements.items():
        for referrer in gc.get_referrers(old):
            if type(referrer) is old:
                try:
                    referrer.__class__ = new
                except TypeError:
                    pass
        for subclass in old.__subclasses__():
            bases = tuple(replacements.get(b, b) for b in subclass.__bases__)
            try:
                subclass.__bases__ = bases
            except TypeError:
                pass

    # Other modules' globals naming an old class name the new one.
    for other in list(sys.modules.values()):
        namespace = getattr(other, "__dict__", None)
        if not isinstance(namespace, dict) or other is module:
            continue
        for key, value in list(namespace.items()):
            try:
                new = replacements.get(value)
            except Exception:  # an object whose __hash__ fails: not one of ours
                continue
            if new is not None:
                namespace[key] = new
    if doLog:
        log.msg(f"Rebuilt {module.__name__}.")
    return module
