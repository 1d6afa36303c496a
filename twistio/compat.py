"""Opt-in alias: after ``install()``, ``import twisted...`` loads the matching ``twistio...``.

The alias gives the *same* module objects: ``sys.modules["twisted.internet.defer"] is
twistio.internet.defer``, and ``from twisted.internet import reactor`` gives twistio's
reactor. A module twistio does not provide raises ``ModuleNotFoundError`` naming it.
Plugin modules that other packages install in a ``twisted/plugins`` folder on ``sys.path``
import as ``twisted.plugins.<name>``. Interfaces are twistio's, and zope.interface's
``@implementer`` accepts them, so ``@implementer(IResource)`` in ported code still works.

``install()`` refuses when the real Twisted is already imported: the two cannot share a
process, since objects from one would be handed to the other.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["TwistedAlreadyImported", "install", "installed", "uninstall"]

_PREFIX = "twisted"
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

    def exec_module(self, module: ModuleType) -> None:
        # The import system returns whatever sys.modules holds under the name once this
        # returns, so the twisted.* name maps to the twistio object itself (even when, like
        # the reactor module, that object is not a module).
        sys.modules[module.__name__] = importlib.import_module(self.target)
        _mirror()


def _mirror() -> None:
    """Give every imported ``twistio.X`` its ``twisted.X`` name in ``sys.modules`` too.

    Code checks ``"twisted.internet.reactor" in sys.modules`` to learn whether a reactor is
    installed; with the alias, the answer must be twistio's.
    """
    for name, module in list(sys.modules.items()):
        if name == "twistio" or name.startswith("twistio."):
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
        if not _is_aliased(fullname):
            return None
        ours = _target(fullname)
        if ours in sys.modules or _exists(ours):
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(ours))
        raise ModuleNotFoundError(
            f"No module named {fullname!r}: twistio does not provide {ours} (the alias for "
            f"{fullname}); see {_DOCS} for what twistio supports and how to port the rest",
            name=fullname,
        )


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


def uninstall() -> None:
    """Remove the alias and the ``twisted.*`` names it put in ``sys.modules`` (for tests)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    real = set(_real_twisted_modules())
    for name in [n for n in sys.modules if _is_aliased(n) and n not in real]:
        del sys.modules[name]
