"""The modules on ``sys.path`` as objects, found without importing them
(``twisted.python.modules``): what trial's test discovery and the plugin system walk.

``getModule("a.b")`` gives a ``PythonModule`` (``name``, ``filePath``, ``isPackage()``,
``load()``, ``iterModules()``, ``walkModules()``); ``theSystemPath`` is the live
``sys.path``. A module is a ``.py`` or ``.pyc`` file whose name is an identifier, or a
directory with an ``__init__``; zip files on the path are entered through ``zippath``.
"""

from __future__ import annotations

import os
import sys
import warnings
import zipimport
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.python.components import adapt, registerAdapter
from twistio.python.filepath import FilePath, UnlistableError
from twistio.python.reflect import namedAny
from twistio.python.zippath import ZipArchive

__all__ = [
    "IPathImportMapper",
    "PathEntry",
    "PythonAttribute",
    "PythonModule",
    "PythonPath",
    "getModule",
    "iterModules",
    "theSystemPath",
    "walkModules",
]

#: Whether Python runs with ``-O`` (Twisted's name).
OPTIMIZED_MODE = __doc__ is None

#: The file extensions of Python source and byte code modules.
PYTHON_EXTENSIONS = [".py", ".pyc"]

_MISSING: Any = object()


class IPathImportMapper(Interface, Protocol):
    """Maps a ``sys.path`` entry to a path object (``FilePath``, ``ZipArchive``)."""

    def mapPath(self, pathLikeString: str) -> Any:
        """The path object for ``pathLikeString``."""


@implementer(IPathImportMapper)
class _DefaultMapper:
    def mapPath(self, pathLikeString: str) -> Any:
        return FilePath(pathLikeString)


_theDefaultMapper = _DefaultMapper()


@implementer(IPathImportMapper)
class _ZipMapper:
    def __init__(self, importer: zipimport.zipimporter) -> None:
        self.importer = importer

    def mapPath(self, pathLikeString: str) -> Any:
        archive = ZipArchive(self.importer.archive)
        inside = os.path.relpath(pathLikeString, self.importer.archive)
        if inside in (".", ""):
            return archive
        path: Any = archive
        for segment in inside.split(os.sep):
            path = path.child(segment)
        return path


registerAdapter(_ZipMapper, zipimport.zipimporter, IPathImportMapper)


def _is_module_name(name: str) -> bool:
    return name.isidentifier()


class _ModuleIteratorHelper:
    """What path entries and packages share: listing the modules they contain."""

    def _packagePaths(self) -> Iterator[Any]:
        raise NotImplementedError()

    def _getEntry(self) -> PathEntry:
        raise NotImplementedError()

    def _subModuleName(self, mn: str) -> str:
        return mn

    def iterModules(self) -> Iterator[PythonModule]:
        """The modules and packages directly inside, sorted by name (none in a module)."""
        seen: set[str] = set()
        for folder in self._packagePaths():
            try:
                children = sorted(folder.children(), key=lambda c: c.basename())
            except UnlistableError:
                continue
            found: dict[str, Any] = {}
            for child in children:
                stem, ext = os.path.splitext(child.basename())
                if ext in PYTHON_EXTENSIONS and child.isfile():
                    if stem == "__init__" or not _is_module_name(stem):
                        continue
                    if stem not in found or ext == ".py":
                        found[stem] = child
                elif not ext and child.isdir() and _is_module_name(stem):
                    for init_ext in PYTHON_EXTENSIONS:
                        init = child.child("__init__" + init_ext)
                        if init.exists():
                            found.setdefault(stem, init)
                            break
            for stem in sorted(found):
                name = self._subModuleName(stem)
                if name not in seen:
                    seen.add(name)
                    yield PythonModule(name, found[stem], self._getEntry())

    def walkModules(self, importPackages: bool = False) -> Iterator[PythonModule]:
        """Every module inside, depth first; with ``importPackages`` packages are imported
        first, so that ``__path__`` extensions are walked too."""
        for module in self.iterModules():
            yield from module.walkModules(importPackages=importPackages)

    def __getitem__(self, modname: str) -> PythonModule:
        for module in self.iterModules():
            if module.name == self._subModuleName(modname):
                return module
        raise KeyError(modname)

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError()


class PythonAttribute:
    """An attribute of a loaded module (or of another attribute)."""

    def __init__(self, name: str, onObject: Any, loaded: bool, pythonValue: object) -> None:
        self.name = name
        self.onObject = onObject
        self._loaded = loaded
        self.pythonValue = pythonValue

    def __repr__(self) -> str:
        return f"PythonAttribute<{self.name!r}>"

    def isLoaded(self) -> bool:
        """Whether the value is in memory (always, for now)."""
        return self._loaded

    def load(self, default: Any = _MISSING) -> Any:
        """The attribute's value."""
        return self.pythonValue

    def iterAttributes(self) -> Iterator[PythonAttribute]:
        """The attributes of the value."""
        for name, value in _attributes(self.pythonValue):
            yield PythonAttribute(f"{self.name}.{name}", self, True, value)


def _attributes(obj: Any) -> Iterator[tuple[str, Any]]:
    for name in dir(obj):
        try:
            yield name, getattr(obj, name)
        except AttributeError:
            continue


class PythonModule(_ModuleIteratorHelper):
    """A module or package, found on a path entry; loaded only by ``load()``."""

    def __init__(self, name: str, filePath: FilePath[str], pathEntry: PathEntry) -> None:
        self.name = name
        self.filePath = filePath
        self.parentPath = filePath.parent()
        self.pathEntry = pathEntry

    def _getEntry(self) -> PathEntry:
        return self.pathEntry

    def __repr__(self) -> str:
        return f"PythonModule<{self.name!r}>"

    def isLoaded(self) -> bool:
        """Whether the module is imported."""
        return self.pathEntry.pythonPath.moduleDict.get(self.name) is not None

    def iterAttributes(self) -> Iterator[PythonAttribute]:
        """The attributes of the (loaded) module."""
        if not self.isLoaded():
            raise NotImplementedError("You can't load attributes from non-loaded modules yet.")
        for name, value in _attributes(self.load()):
            yield PythonAttribute(f"{self.name}.{name}", self, True, value)

    def isPackage(self) -> bool:
        """Whether this is a package (an ``__init__`` module)."""
        return bool(self.filePath.splitext()[0].endswith(os.sep + "__init__")) or (
            os.path.splitext(self.filePath.basename())[0] == "__init__"
        )

    def load(self, default: Any = _MISSING) -> Any:
        """Import the module; ``default`` instead of the error if given."""
        try:
            return self.pathEntry.pythonPath.moduleLoader(self.name)
        except Exception:
            if default is not _MISSING:
                return default
            raise

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PythonModule):
            return NotImplemented
        return bool(other.name == self.name)

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, PythonModule):
            return NotImplemented
        return bool(other.name != self.name)

    __hash__ = None  # type: ignore[assignment]

    def walkModules(self, importPackages: bool = False) -> Iterator[PythonModule]:
        """This module, then (for a package) every module inside it."""
        if importPackages and self.isPackage():
            self.load()
        yield self
        yield from super().walkModules(importPackages)

    def _subModuleName(self, mn: str) -> str:
        return f"{self.name}.{mn}"

    def _packagePaths(self) -> Iterator[Any]:
        if not self.isPackage():
            return
        if self.isLoaded():
            loaded = self.load()
            paths = getattr(loaded, "__path__", None)
            if paths is not None:
                for path in paths:
                    if os.path.abspath(path) == os.path.abspath(self.parentPath.path):
                        yield self.parentPath
                    else:
                        smart = self.pathEntry.pythonPath._smartPath(path)
                        if smart.exists():
                            yield smart
                return
        yield self.parentPath


class PathEntry(_ModuleIteratorHelper):
    """One entry of ``sys.path`` (a directory or a zip file)."""

    def __init__(self, filePath: Any, pythonPath: PythonPath) -> None:
        self.filePath = filePath
        self.pythonPath = pythonPath

    def _getEntry(self) -> PathEntry:
        return self

    def __repr__(self) -> str:
        return f"PathEntry<{self.filePath!r}>"

    def _packagePaths(self) -> Iterator[Any]:
        yield self.filePath


class PythonPath:
    """A ``sys.path``-like list of entries and the modules found on them.

    Without ``sysPath`` (or ``sysPathFactory``) it follows the live ``sys.path``.
    """

    def __init__(
        self,
        sysPath: list[str] | None = None,
        moduleDict: dict[str, Any] = sys.modules,
        sysPathHooks: list[Any] = sys.path_hooks,
        importerCache: dict[str, Any] = sys.path_importer_cache,
        moduleLoader: Callable[[str], Any] = namedAny,
        sysPathFactory: Callable[[], list[str]] | None = None,
    ) -> None:
        if sysPath is not None:
            self._sysPathFactory: Callable[[], list[str]] = lambda: sysPath
        elif sysPathFactory is not None:
            self._sysPathFactory = sysPathFactory
        else:
            self._sysPathFactory = lambda: sys.path
        self.moduleDict = moduleDict
        self.sysPathHooks = sysPathHooks
        self.importerCache = importerCache
        self.moduleLoader = moduleLoader

    @property
    def sysPath(self) -> list[str]:
        """The entries, as strings."""
        return self._sysPathFactory()

    def _findEntryPathString(self, modobj: Any) -> str:
        """The ``sys.path`` entry a loaded module was imported from."""
        topPackage = modobj.__name__.split(".")[0]
        top = self.moduleDict[topPackage]
        where: str = os.path.dirname(os.path.abspath(top.__file__))
        if os.path.splitext(os.path.basename(top.__file__))[0] == "__init__":
            where = os.path.dirname(where)
        for entry in self.sysPath:
            if os.path.abspath(entry or os.curdir) == where:
                return entry
        return where

    def _smartPath(self, pathName: str) -> Any:
        """The path object of a ``sys.path`` entry (a zip file's entries through zippath)."""
        importer = self.importerCache.get(pathName, _MISSING)
        if importer is _MISSING:
            importer = None
            for hook in self.sysPathHooks:
                try:
                    importer = hook(pathName)
                    break
                except ImportError:
                    continue
        mapper = adapt(IPathImportMapper, importer, _theDefaultMapper)
        return mapper.mapPath(pathName)

    def iterEntries(self) -> Iterator[PathEntry]:
        """A ``PathEntry`` for each entry."""
        for entry in self.sysPath:
            yield PathEntry(self._smartPath(os.path.abspath(entry or os.curdir)), self)

    def __getitem__(self, modname: str) -> PythonModule:
        """The module named ``modname`` (``KeyError`` if none is found)."""
        loaded = self.moduleDict.get(modname)
        if loaded is not None:
            where = self._findEntryPathString(loaded)
            if where not in self.importerCache:
                warnings.warn(
                    f"{where} (for module {modname}) not in path importer cache "
                    "(PEP 302 violation - check your local configuration).",
                    stacklevel=2,
                )
            entry = self._smartPath(where)
            return PythonModule(modname, self._smartPath(loaded.__file__), PathEntry(entry, self))
        parts = modname.split(".")
        module: Any = None
        for top in self.iterModules():
            if top.name == parts[0]:
                module = top
                break
        if module is None:
            raise KeyError(modname)
        for part in parts[1:]:
            module = module[part]
        return module  # type: ignore[no-any-return]

    def __contains__(self, module: str) -> bool:
        try:
            self[module]
        except KeyError:
            return False
        return True

    def __repr__(self) -> str:
        return f"PythonPath({self.sysPath!r})"

    def iterModules(self) -> Iterator[PythonModule]:
        """The top-level modules of every entry (the first of each name)."""
        seen: set[str] = set()
        for entry in self.iterEntries():
            for module in entry.iterModules():
                if module.name not in seen:
                    seen.add(module.name)
                    yield module

    def walkModules(self, importPackages: bool = False) -> Iterator[PythonModule]:
        """Every module of every entry, depth first."""
        for module in self.iterModules():
            yield from module.walkModules(importPackages=importPackages)


theSystemPath = PythonPath()


def walkModules(importPackages: bool = False) -> Iterator[PythonModule]:
    """Every module on ``sys.path``, depth first."""
    return theSystemPath.walkModules(importPackages=importPackages)


def iterModules() -> Iterator[PythonModule]:
    """The top-level modules on ``sys.path``."""
    return theSystemPath.iterModules()


def getModule(moduleName: str) -> PythonModule:
    """The module named ``moduleName`` on ``sys.path`` (``KeyError`` if none)."""
    return theSystemPath[moduleName]
