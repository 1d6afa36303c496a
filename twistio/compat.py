"""Opt-in alias: after ``install()``, ``import twisted...`` loads the matching ``twistio...``.

The alias gives the *same* module objects: ``sys.modules["twisted.internet.defer"] is
twistio.internet.defer``, and ``from twisted.internet import reactor`` gives twistio's
reactor. A module twistio does not provide raises ``ModuleNotFoundError`` naming it.
Plugin modules that other packages install in a ``twisted/plugins`` folder on ``sys.path``
import as ``twisted.plugins.<name>``. Interfaces are twistio's, and zope.interface's
``@implementer`` accepts them, so ``@implementer(IResource)`` in ported code still works.

While the alias is installed, names twistio computes from its module paths (``reflect.qual``,
deprecation texts, ``Failure`` reprs, logger namespaces...) read ``twisted.X`` as the program
imports them (``twistio.python._spelling``).

``install()`` refuses when the real Twisted is already imported: the two cannot share a
process, since objects from one would be handed to the other.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from twistio.python import _spelling

__all__ = ["TwistedAlreadyImported", "install", "installed", "uninstall"]

_PREFIX = "twisted"

#: Modules of Twisted's own test packages that libraries' test suites import for a helper or
#: two: under the alias they are the twistio module giving those helpers (the same classes
#: Twisted's module re-exports). Twisted's test modules themselves are not provided, and a
#: module twistio itself provides under the name wins.
_STAND_INS = {
    "twisted.web.test.test_web": "twistio.web.test.requesthelper",  # DummyChannel (klein)
    "twisted.test.testutils": "twistio.test._testutils",  # IOPump (ldaptor)
}
# The porting guide ships inside the package (twistio/docs links to the repository's docs/).
_DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docs", "porting.md")


class TwistedAlreadyImported(RuntimeError):
    """``install()`` was called after the real Twisted had been imported."""


def _is_aliased(name: str) -> bool:
    return name == _PREFIX or name.startswith(_PREFIX + ".")


def _target(name: str) -> str:
    return "twistio" + name[len(_PREFIX) :]


class _AliasLoader(importlib.abc.Loader):
    """Loads ``twisted.X`` by importing ``twistio.X`` and putting that object in its place."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # a throwaway module: exec_module replaces it in sys.modules

    def get_code(self, fullname: str) -> Any:
        """The target's code: ``python -m twisted.trial`` runs ``twistio/trial/__main__.py``."""
        spec = importlib.util.find_spec(self.target)
        get_code = getattr(spec.loader, "get_code", None) if spec is not None else None
        if get_code is None:
            raise ImportError(f"no code object for {self.target}", name=fullname)
        return get_code(self.target)

    def exec_module(self, module: ModuleType) -> None:
        # The import system returns whatever sys.modules holds under the name once this
        # returns, so the twisted.* name maps to the twistio object itself (even when, like
        # the reactor module, that object is not a module).
        ours = importlib.import_module(self.target)
        sys.modules[module.__name__] = _top_package() if module.__name__ == _PREFIX else ours
        _mirror()


class _ModuleLoader(importlib.abc.Loader):
    """Loads a name as a module object already imported under another name."""

    def __init__(self, found: ModuleType) -> None:
        self.found = found

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        sys.modules[module.__name__] = self.found


class _TwistedPackage(ModuleType):
    """``twisted`` itself under the alias: twistio's top package with Twisted's version.

    ``twisted.__version__`` is the Twisted release twistio follows (version checks in
    ported code compare it with Twisted's), while ``twistio.__version__`` stays twistio's
    own; everything else is looked up on twistio. The subpackages (``twisted.internet``...)
    are twistio's very module objects.
    """

    def __getattr__(self, name: str) -> Any:
        import twistio

        return getattr(twistio, name)

    def __dir__(self) -> list[str]:
        import twistio

        return sorted(set(dir(twistio)) | set(self.__dict__))


def _top_package() -> ModuleType:
    current = sys.modules.get(_PREFIX)
    if isinstance(current, _TwistedPackage):
        return current
    import twistio

    top = _TwistedPackage(_PREFIX, twistio.__doc__)
    top.__path__ = list(twistio.__path__)
    top.__file__ = twistio.__file__
    top.__spec__ = importlib.machinery.ModuleSpec(
        _PREFIX, _AliasLoader("twistio"), origin=twistio.__file__, is_package=True
    )
    top.__spec__.has_location = True
    top.__version__ = twistio.version.public()  # type: ignore[attr-defined]
    top.version = twistio.version  # type: ignore[attr-defined]
    return top


def _mirror() -> None:
    """Give every imported ``twistio.X`` its ``twisted.X`` name in ``sys.modules`` too.

    Code checks ``"twisted.internet.reactor" in sys.modules`` to learn whether a reactor is
    installed; with the alias, the answer must be twistio's.
    """
    for name, module in list(sys.modules.items()):
        if name == "twistio":
            sys.modules.setdefault(_PREFIX, _top_package())
        elif name.startswith("twistio."):
            sys.modules.setdefault(_PREFIX + name[len("twistio") :], module)


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Meta path finder mapping ``twisted`` and ``twisted.*`` onto ``twistio``."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.startswith("twistio.plugins.") and fullname.count(".") == 2:
            return _third_party_plugin(fullname, path)
        if fullname.startswith("twistio.") and _from_import(fullname):
            # ``from twisted.protocols import amp``: the package is twistio's, so Python
            # looks for ``twistio.protocols.amp``. When twistio has no such module, the
            # name is imported as ``import twisted.protocols.amp`` would import it (a
            # stand-in, or another finder's module), or fails with the same message, not
            # Python's "cannot import name 'amp' from 'twistio.protocols'".
            if fullname in sys.modules or fullname in _checking:
                return None
            theirs = _PREFIX + fullname[len("twistio") :]
            _checking.add(fullname)
            try:
                if _exists(fullname):
                    return None
                # Imported now, before a placeholder of ``fullname`` exists; the alias's
                # ModuleNotFoundError when nothing provides it.
                found = importlib.import_module(theirs)
            finally:
                _checking.discard(fullname)
            return importlib.machinery.ModuleSpec(fullname, _ModuleLoader(found))
        if not _is_aliased(fullname):
            return None
        ours = _target(fullname)
        if ours in sys.modules or _exists(ours):
            spec = importlib.machinery.ModuleSpec(fullname, _AliasLoader(ours))
            # A package stays one (runpy then looks for its __main__).
            spec.submodule_search_locations = _package_path(ours)
            return spec
        if fullname in _STAND_INS:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(_STAND_INS[fullname]))
        raise _missing(fullname, ours)

    def find_distributions(
        self, context: Any = None
    ) -> Iterator[importlib.metadata.Distribution]:
        """A ``twisted`` distribution for ``importlib.metadata.version("twisted")``.

        Tools ask the installed Twisted's version (pytest does, to pick how it talks to
        trial); under the alias the answer is the Twisted release twistio follows. Only a
        lookup by that name sees it: listing every distribution does not.
        """
        name = getattr(context, "name", None)
        if name is not None and re.sub(r"[-_.]+", "-", name).lower() == _PREFIX:
            yield _TwistedDistribution()


def _package_path(name: str) -> list[str] | None:
    found = sys.modules.get(name)
    if found is not None:
        path = getattr(found, "__path__", None)
        return list(path) if path is not None else None
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        return None
    if spec is None or spec.submodule_search_locations is None:
        return None
    return list(spec.submodule_search_locations)


_checking: set[str] = set()  # twistio names being looked up by find_spec (no recursion)


def _missing(fullname: str, ours: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(
        f"No module named {fullname!r}: twistio does not provide {ours} (the alias for "
        f"{fullname}); see {_DOCS} for what twistio supports and how to port the rest",
        name=fullname,
    )


def _from_import(fullname: str) -> bool:
    """Whether ``fullname`` is being looked up by ``from <package> import <name>``.

    The import system's from-import helper swallows a ``ModuleNotFoundError`` naming the
    module it tried; the one raised then names the ``twisted`` module instead.
    """
    leaf = fullname.rpartition(".")[2]
    if not leaf.isidentifier():
        return False
    frame = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name == "_handle_fromlist" and "importlib._bootstrap" in code.co_filename:
            module = frame.f_locals.get("module")
            return getattr(module, "__name__", None) == fullname.rpartition(".")[0]
        frame = frame.f_back  # type: ignore[assignment]
    return False


class _TwistedDistribution(importlib.metadata.Distribution):
    """The metadata of the ``twisted`` distribution the alias stands for."""

    def read_text(self, filename: str) -> str | None:
        if filename != "METADATA":
            return None
        import twistio

        return (
            "Metadata-Version: 2.1\n"
            "Name: Twisted\n"
            f"Version: {twistio.version.public()}\n"
            f"Summary: twistio {twistio.__version__} standing in for Twisted "
            "(twistio.compat alias)\n"
        )

    def locate_file(self, path: Any) -> Path:
        return Path(__file__).resolve().parent.parent / str(path)


def _third_party_plugin(
    fullname: str, path: Sequence[str] | None
) -> importlib.machinery.ModuleSpec | None:
    """A plugin module another package put in a ``twisted/plugins`` folder on ``sys.path``.

    ``from twisted.plugins import x`` imports ``twistio.plugins.x`` (the package's own
    name), so that is where the folders are searched, after twistio's own plugins.
    """
    from twistio.plugin import pluginPackagePaths

    if importlib.machinery.PathFinder.find_spec(fullname, path) is not None:
        return None  # one of twistio's own
    return importlib.machinery.PathFinder.find_spec(fullname, pluginPackagePaths())


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


_finder = _AliasFinder()


def _real_twisted_modules() -> list[str]:
    found = []
    for name, module in list(sys.modules.items()):
        if _is_aliased(name) and module is not None:
            module_name = getattr(module, "__name__", "")
            if not (isinstance(module_name, str) and module_name.startswith("twistio")):
                if type(module).__module__.startswith("twistio"):
                    continue  # the reactor object
                found.append(name)
    return sorted(found)


def installed() -> bool:
    """Whether the alias is in place."""
    return _finder in sys.meta_path


def install() -> None:
    """Make ``import twisted...`` import twistio; ``TwistedAlreadyImported`` if too late."""
    if installed():
        return
    real = _real_twisted_modules()
    if real:
        raise TwistedAlreadyImported(
            f"twistio.compat.install(): the real Twisted is already imported ({real[0]}); "
            "install the alias before anything imports twisted, or run the program with "
            "`twistio compat script.py`"
        )
    sys.meta_path.insert(0, _finder)
    _mirror()
    # Names twistio computes from its module paths now read ``twisted.*`` (see
    # twistio.python._spelling).
    _spelling._install(_PREFIX)


def uninstall() -> None:
    """Remove the alias and the ``twisted.*`` names it put in ``sys.modules`` (for tests)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _spelling._install(None)
    real = set(_real_twisted_modules())
    for name in [n for n in sys.modules if _is_aliased(n) and n not in real]:
        del sys.modules[name]
