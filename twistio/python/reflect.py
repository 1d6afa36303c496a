"""Names to objects and back, and class introspection, with Twisted's ``reflect`` API."""

from __future__ import annotations

import collections
import inspect
import io
import os
import pickle
import sys
import traceback
import types
import weakref
from collections.abc import Callable, MutableMapping
from typing import Any

from twistio.python import _spelling

__all__ = [
    "InvalidName",
    "ModuleNotFound",
    "ObjectNotFound",
    "QueueMethod",
    "accumulateClassDict",
    "accumulateClassList",
    "accumulateMethods",
    "addMethodNamesToDict",
    "filenameToModuleName",
    "findInstances",
    "fullFuncName",
    "fullyQualifiedName",
    "getClass",
    "isLike",
    "isOfType",
    "isSame",
    "modgrep",
    "namedAny",
    "namedClass",
    "namedModule",
    "namedObject",
    "objgrep",
    "prefixedMethodNames",
    "prefixedMethods",
    "qual",
    "requireModule",
    "safe_repr",
    "safe_str",
]


class InvalidName(ValueError):
    """The name given is not a dotted Python name."""


class ModuleNotFound(InvalidName):
    """No module has the name given."""


class ObjectNotFound(InvalidName):
    """No object has the name given."""


class QueueMethod:
    """A callable that records each call as ``(name, args)`` in ``calls``."""

    def __init__(self, name: str, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
        self.name = name
        self.calls = calls

    def __call__(self, *args: Any) -> None:
        self.calls.append((self.name, args))


def namedModule(name: str) -> types.ModuleType:
    """Import and return the module with dotted name ``name``."""
    top = __import__(name)
    for part in name.split(".")[1:]:
        top = getattr(top, part)
    return top


def namedObject(name: str) -> Any:
    """The attribute named by the last part of ``name`` in the module named by the rest."""
    module_name, _, attribute = name.rpartition(".")
    return getattr(namedModule(module_name), attribute)


namedClass = namedObject


def _not_found_for(error: ImportError, module_name: str) -> bool:
    """Whether ``error`` says that ``module_name`` itself (or a package above it) is missing."""
    if not isinstance(error, ModuleNotFoundError) or error.name is None:
        return False
    return module_name == error.name or module_name.startswith(error.name + ".")


def namedAny(name: str) -> Any:
    """The object a dotted name refers to: the longest importable module, then attributes.

    ``InvalidName`` for a malformed name, ``ModuleNotFound`` when a single-part name names no
    module, ``ObjectNotFound`` when not even the first part imports, ``AttributeError`` when
    the module imports but lacks the attribute. An ``ImportError`` raised by the module's own
    code propagates.
    """
    if not name:
        raise InvalidName("Empty module name")
    parts = name.split(".")
    if "" in parts:
        raise InvalidName(
            f"name must be a string giving a '.'-separated list of Python identifiers, not {name!r}"
        )
    module: Any = None
    imported = 0
    for count in range(len(parts), 0, -1):
        module_name = ".".join(parts[:count])
        try:
            module = __import__(module_name)
        except ImportError as error:
            if not _not_found_for(error, module_name):
                raise
            continue
        imported = count
        break
    if not imported:
        if len(parts) == 1:
            raise ModuleNotFound(f"No module named {name!r}")
        raise ObjectNotFound(f"{name!r} does not name an object")
    obj = module
    for part in parts[1:]:
        obj = getattr(obj, part)
    return obj


def requireModule(name: str, default: Any = None) -> Any:
    """The module named ``name``, or ``default`` when it cannot be imported."""
    try:
        return namedModule(name)
    except ImportError:
        return default


def _class_name(o: object) -> str:
    try:
        klass = o.__class__
    except BaseException:
        klass = type(o)
    try:
        return str(klass.__name__)
    except BaseException:
        pass
    try:
        return repr(klass)
    except BaseException:
        return f"<BROKEN CLASS AT 0x{id(klass):x}>"


def _safe_format(o: object, kind: str) -> str:
    return (
        f"<{_class_name(o)} instance at 0x{id(o):x} with {kind} error:\n {traceback.format_exc()}>"
    )


def safe_repr(o: object) -> str:
    """``repr(o)``, or a description of the error when ``repr`` raises."""
    try:
        return repr(o)
    except BaseException:
        return _safe_format(o, "repr")


def safe_str(o: object) -> str:
    """``str(o)`` (bytes decoded as UTF-8), or a description of the error when that raises."""
    if isinstance(o, bytes):
        try:
            return o.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        return str(o)
    except BaseException:
        return _safe_format(o, "str")


def qual(clazz: type[object]) -> str:
    """``module.name`` of a class (its ``__name__``, not its ``__qualname__``).

    twistio's own classes are spelled ``twisted.*`` while the ``twisted`` alias is installed
    (``twistio.compat``), as the program imports them; ``namedAny`` finds them again.
    """
    return _spelling.spelled(clazz.__module__ + "." + clazz.__name__)


def fullyQualifiedName(obj: Any) -> str:
    """The dotted name of a module, class, function or method (qualified names for nesting).

    Spelled as the program imports it: ``twisted.*`` for twistio's own while the alias is
    installed (see ``qual``).
    """
    name = obj.__name__
    if inspect.ismodule(obj):
        return _spelling.spelled(str(name))
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return _spelling.spelled(f"{obj.__module__}.{obj.__qualname__}")
    if inspect.ismethod(obj):
        return fullyQualifiedName(obj.__func__)
    return str(getattr(obj, "__qualname__", name))


def fullFuncName(func: Callable[..., Any]) -> str:
    """``module.name`` of a module-level function; raises if that name finds another object."""
    module = _spelling.spelled(str(pickle.whichmodule(func, func.__name__)))  # type: ignore[attr-defined]
    qualName = module + "." + func.__name__
    if namedObject(qualName) is not func:
        raise Exception(f"Couldn't find {func} as {qualName}.")
    return qualName


def getClass(obj: object) -> Any:
    """``obj.__class__``, or ``type(obj)`` when it has none."""
    try:
        return obj.__class__
    except AttributeError:
        return type(obj)


def prefixedMethodNames(classObj: type, prefix: str) -> list[str]:
    """Names (without ``prefix``) of the methods of ``classObj`` and its bases named ``prefix*``."""
    found: dict[str, int] = {}
    addMethodNamesToDict(classObj, found, prefix)
    return list(found)


def addMethodNamesToDict(
    classObj: type, dict: MutableMapping[str, Any], prefix: str, baseClass: type | None = None
) -> None:
    """Set ``dict[name] = 1`` for each method ``prefix+name`` of ``classObj`` and its bases.

    With ``baseClass``, only classes that are subclasses of it are looked at.
    """
    for base in classObj.__bases__:
        addMethodNamesToDict(base, dict, prefix, baseClass)
    if baseClass is None or baseClass in classObj.__bases__:
        for name, value in list(vars(classObj).items()):
            short = name[len(prefix) :]
            if name.startswith(prefix) and short and inspect.isfunction(value):
                dict[short] = 1


def prefixedMethods(obj: object, prefix: str = "") -> list[Any]:
    """The bound methods of ``obj`` whose names start with ``prefix``."""
    found: dict[str, Any] = {}
    accumulateMethods(obj, found, prefix)
    return list(found.values())


def accumulateMethods(
    obj: object, dict: MutableMapping[str, Any], prefix: str = "", curClass: type | None = None
) -> None:
    """Set ``dict[name]`` to the bound method ``obj.<prefix+name>`` for each such method."""
    if curClass is None:
        curClass = obj.__class__
    for base in curClass.__bases__:
        if base is not object:
            accumulateMethods(obj, dict, prefix, base)
    for name, value in list(vars(curClass).items()):
        short = name[len(prefix) :]
        if name.startswith(prefix) and short and inspect.isfunction(value):
            dict[short] = getattr(obj, name)


def accumulateClassDict(
    classObj: type, attr: str, adict: dict[Any, Any], baseClass: type | None = None
) -> None:
    """Merge the dictionaries named ``attr`` of ``classObj`` and its bases (subclasses win)."""
    for base in classObj.__bases__:
        accumulateClassDict(base, attr, adict)
    if baseClass is None or baseClass in classObj.__bases__:
        adict.update(vars(classObj).get(attr, {}))


def accumulateClassList(
    classObj: type, attr: str, listObj: list[Any], baseClass: type | None = None
) -> None:
    """Concatenate the lists named ``attr`` of ``classObj``'s bases and then ``classObj``."""
    for base in classObj.__bases__:
        accumulateClassList(base, attr, listObj)
    if baseClass is None or baseClass in classObj.__bases__:
        listObj.extend(vars(classObj).get(attr, []))


def isSame(a: object, b: object) -> bool:
    """``a is b``."""
    return a is b


def isLike(a: object, b: object) -> bool:
    """``a == b``."""
    return bool(a == b)


def isOfType(start: object, goal: type) -> bool:
    """Whether ``type(start)`` is exactly ``goal``."""
    return type(start) is goal


def modgrep(goal: object) -> list[str]:
    """Paths from ``sys.modules`` to objects equal to ``goal``."""
    return objgrep(sys.modules, goal, isLike, "sys.modules") or []


def findInstances(start: object, t: type) -> list[str]:
    """Paths from ``start`` to objects whose type is exactly ``t``."""
    return objgrep(start, t, isOfType) or []


_ATOMS = (str, int, float, bool, type(None), io.IOBase, types.BuiltinFunctionType)


def objgrep(
    start: object,
    goal: object,
    eq: Callable[[Any, Any], bool] = isLike,
    path: str = "",
    paths: list[str] | None = None,
    seen: dict[int, object] | None = None,
    showUnknowns: int = 0,
    maxDepth: int | None = None,
) -> list[str] | None:
    """Paths (``[key]``, ``.attr``, ``()`` for weakrefs...) from ``start`` to objects ``eq`` to ``goal``.

    Dictionary keys are reported as ``{<repr of the value>}``. Returns None when ``maxDepth``
    is 0.
    """
    found = [] if paths is None else paths
    visited = {} if seen is None else seen
    if eq(start, goal):
        found.append(path)
    if visited.get(id(start)) is start:
        return found
    if maxDepth == 0:
        return None
    depth = None if maxDepth is None else maxDepth - 1
    visited[id(start)] = start

    def dig(value: object, where: str) -> None:
        objgrep(value, goal, eq, where, found, visited, showUnknowns, depth)

    if isinstance(start, dict):
        for key, value in list(start.items()):
            dig(key, path + "{" + repr(value) + "}")
            dig(value, f"{path}[{key!r}]")
    elif isinstance(start, (list, tuple, collections.deque)):
        for index, value in enumerate(start):
            dig(value, f"{path}[{index}]")
    elif isinstance(start, types.MethodType):
        dig(start.__self__, path + ".__self__")
        dig(type(start.__self__), path + ".__self__.__class__")
        dig(start.__func__, path + ".__func__")
    elif isinstance(start, weakref.ReferenceType):
        dig(start(), path + "()")
    elif isinstance(start, _ATOMS):
        pass
    elif hasattr(start, "__dict__") and isinstance(
        getattr(start, "__dict__", None), (dict, types.MappingProxyType)
    ):
        for key, value in list(vars(start).items()):
            dig(value, f"{path}.{key}")
    elif showUnknowns:
        print("unknown type", type(start), start)
    return found


def filenameToModuleName(fn: str | bytes) -> str:
    """The dotted module name of a file, walking up through package directories."""
    if isinstance(fn, bytes):
        fn = fn.decode(sys.getfilesystemencoding())
    full = os.path.abspath(fn)
    directory, base = os.path.split(full)
    if not base:
        directory, base = os.path.split(directory)
    parts = [os.path.splitext(base)[0]]
    while os.path.exists(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        if not package:
            break
        parts.insert(0, package)
    return ".".join(parts)
