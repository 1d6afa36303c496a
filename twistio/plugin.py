"""Plugin discovery: ``getPlugins(interface)`` yields the objects that plugin modules offer.

Scanned, in order: the modules of the ``twistio.plugins`` package (or of ``package`` when
given), then every ``twisted/plugins`` folder on ``sys.path``, which is where third-party
packages (txtorcon's ``onion:`` and ``tor:`` endpoint parsers, for one) install their Twisted
plugins. Those modules are loaded from their files under private module names, so scanning
never imports Twisted; a plugin module that itself imports Twisted still does.

Differences from Twisted: no ``dropin.cache`` files are read or written (modules are imported
and kept in memory, keyed by path and modification time); Twisted's own plugin modules
(``twisted_*.py``, ``cred_*.py``) are skipped, since they build Twisted's objects, not ours.
An object matches ``interface`` when it declares an interface of the same *name*, through
twistio's ``implementer`` or zope.interface's (so declarations against Twisted's interface
objects count), or, when it declares no interface at all, when it has the interface's
methods (for the endpoint parser interfaces: ``prefix`` and ``parseStreamServer`` or
``parseStreamClient``).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any, Protocol

from twistio.internet.interfaces import Interface
from twistio.python.components import getAdapterFactory

__all__ = ["getPlugins", "pluginPackagePaths"]

_log = logging.getLogger("twistio")

#: The attributes that stand for an interface when an object declares none.
_DUCK_TYPES: dict[str, tuple[str, ...]] = {
    "IStreamServerEndpointStringParser": ("prefix", "parseStreamServer"),
    "IStreamClientEndpointStringParserWithReactor": ("prefix", "parseStreamClient"),
}

_SKIPPED_PREFIXES = ("twisted_", "cred_")

_loaded: dict[str, tuple[float, ModuleType | None]] = {}


class IPlugin(Interface, Protocol):
    """What every plugin object provides (beside the interface it is a plugin for)."""


def pluginPackagePaths(name: str = "twisted.plugins") -> list[str]:
    """The ``<entry>/<name as a path>`` folder of each ``sys.path`` entry, except those that
    are a package themselves (they hold an ``__init__.py``), as Twisted lists them: in
    ``sys.path`` order, whether they exist or not."""
    parts = name.split(".")
    found: list[str] = []
    for entry in sys.path:
        if not isinstance(entry, str):
            continue
        candidate = os.path.abspath(os.path.join(entry or os.curdir, *parts))
        if not os.path.exists(os.path.join(candidate, "__init__.py")):
            found.append(candidate)
    return found


def _plugin_folders() -> list[str]:
    """The existing ``twisted/plugins`` folders on ``sys.path``, each once."""
    found: list[str] = []
    for folder in pluginPackagePaths():
        if folder not in found and os.path.isdir(folder):
            found.append(folder)
    return found


def _module_files(folder: str, skip_twisted_own: bool = True) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    files = []
    for name in names:
        stem, ext = os.path.splitext(name)
        if ext != ".py" or stem == "__init__" or not stem.isidentifier():
            continue
        if skip_twisted_own and stem.startswith(_SKIPPED_PREFIXES):
            continue
        files.append(os.path.join(folder, name))
    return files


def _load_file(path: str) -> ModuleType | None:
    """Import the plugin module at ``path`` once (again if the file changed); None on error."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    cached = _loaded.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    stem = os.path.splitext(os.path.basename(path))[0]
    modname = f"_twistio_dropin_{abs(hash(os.path.dirname(path))):x}.{stem}"
    module: ModuleType | None = None
    try:
        spec = importlib.util.spec_from_file_location(modname, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[modname] = module
        spec.loader.exec_module(module)
    except Exception:
        sys.modules.pop(modname, None)
        _log.exception("Could not load plugin module %s", path)
        module = None
    _loaded[path] = (mtime, module)
    return module


def _package_modules(package: ModuleType) -> Iterator[ModuleType]:
    for folder in list(getattr(package, "__path__", ())):
        for path in _module_files(folder, skip_twisted_own=False):
            stem = os.path.splitext(os.path.basename(path))[0]
            try:
                yield importlib.import_module(f"{package.__name__}.{stem}")
            except Exception:
                _log.exception("Could not load plugin module %s.%s", package.__name__, stem)


def _declared_names(obj: object) -> set[str] | None:
    """Names of the interfaces ``obj`` provides, with their bases; None if it declares none."""
    names: set[str] = set()
    declared = False
    for iface in (
        *getattr(type(obj), "__twistio_implements__", ()),
        *getattr(obj, "__twistio_provides__", ()),
    ):
        declared = True
        names.update(getattr(base, "__name__", "") for base in getattr(iface, "__mro__", (iface,)))
    zope = sys.modules.get("zope.interface")
    if zope is not None:
        try:
            provided = zope.providedBy(obj)
            for iface in provided.flattened():
                if iface.__name__ != "Interface":
                    declared = True
                names.add(iface.__name__)
        except Exception:
            pass
    return names if declared else None


def _provides(obj: object, name: str) -> bool:
    if isinstance(obj, (type, ModuleType)):
        return False
    names = _declared_names(obj)
    if names is not None:
        return name in names
    attrs = _DUCK_TYPES.get(name)
    if attrs is None:
        return False
    prefix = getattr(obj, attrs[0], None)
    return isinstance(prefix, str) and all(callable(getattr(obj, a, None)) for a in attrs[1:])


def _modules(package: ModuleType | None) -> Iterable[ModuleType]:
    if package is None:
        import twistio.plugins

        yield from _package_modules(twistio.plugins)
        for folder in _plugin_folders():
            for path in _module_files(folder):
                module = _load_file(path)
                if module is not None:
                    yield module
    else:
        yield from _package_modules(package)


def getPlugins(interface: Any, package: ModuleType | None = None) -> Iterator[Any]:
    """Yield every object in the plugin modules that provides ``interface``.

    ``interface`` is an interface object (twistio's, Twisted's or any zope one) or its name.
    """
    import twistio.plugins

    if package is twistio.plugins:  # the default package, named (``twisted.plugins``)
        package = None
    name = interface if isinstance(interface, str) else interface.__name__
    for module in _modules(package):
        for value in list(vars(module).values()):
            if _provides(value, name):
                yield value


getPlugIns = getPlugins


class CachedPlugin:
    """One plugin object of a plugin module: its name, description and interfaces.

    ``IFoo(cachedPlugin)`` loads the plugin when it provides ``IFoo`` (or can be adapted
    to it).
    """

    def __init__(
        self, dropin: CachedDropin, name: str, description: str | None, provided: list[Any]
    ):
        dropin.plugins.append(self)
        self.dropin, self.name, self.description, self.provided = (
            dropin,
            name,
            description,
            provided,
        )

    def __repr__(self) -> str:
        names = ", ".join(getattr(i, "__name__", repr(i)) for i in self.provided)
        return f"<CachedPlugin {self.name!r}/{self.dropin.moduleName!r} (provides {names!r})>"

    def load(self) -> Any:
        """The plugin object itself."""
        module = self.dropin._module
        if module is not None:
            return getattr(module, self.name)
        from twistio.python.reflect import namedAny

        return namedAny(self.dropin.moduleName + "." + self.name)

    def __conform__(self, interface: Any, registry: Any = None, default: Any = None) -> Any:
        wanted = getattr(interface, "__name__", None)
        for provided in self.provided:
            extends = getattr(provided, "isOrExtends", None)
            if (
                provided is interface
                or getattr(provided, "__name__", None) == wanted
                or (extends is not None and _safe_extends(extends, interface))
            ):
                return self.load()
            if getAdapterFactory(provided, interface, None) is not None:
                return interface(self.load(), default)
        return default

    getComponent = __conform__


def _safe_extends(extends: Any, interface: Any) -> bool:
    try:
        return bool(extends(interface))
    except Exception:
        return False


class CachedDropin:
    """A plugin module: its name, its docstring and the plugins it offers."""

    def __init__(self, moduleName: str, description: str | None) -> None:
        self.moduleName = moduleName
        self.description = description
        self.plugins: list[CachedPlugin] = []
        self._module: ModuleType | None = None


def _interfaces_of(obj: object) -> list[Any]:
    declared: list[Any] = [
        *getattr(type(obj), "__twistio_implements__", ()),
        *getattr(obj, "__twistio_provides__", ()),
    ]
    zope = sys.modules.get("zope.interface")
    if zope is not None:
        try:
            declared.extend(i for i in zope.providedBy(obj) if i not in declared)
        except Exception:
            pass
    return declared


def getCache(module: ModuleType) -> dict[str, CachedDropin]:
    """The plugin modules of the package ``module`` (for twistio's plugin package, also those
    in ``twisted/plugins`` folders on ``sys.path``), by short name, with the objects in each
    that provide ``IPlugin``.

    Nothing is written to disk: no ``dropin.cache`` files (see the module docstring).
    """
    import twistio.plugins

    package = None if module is twistio.plugins else module
    cache: dict[str, CachedDropin] = {}
    for plugin_module in _modules(package):
        short = plugin_module.__name__.rsplit(".", 1)[-1]
        if short in cache:
            continue
        dropin = CachedDropin(plugin_module.__name__, plugin_module.__doc__)
        dropin._module = plugin_module
        for name, value in list(vars(plugin_module).items()):
            if not isinstance(value, (type, ModuleType)) and _provides(value, "IPlugin"):
                CachedPlugin(dropin, name, getattr(value, "__doc__", None), _interfaces_of(value))
        cache[short] = dropin
    return cache
