"""Reactor installation, and the two reasons a descriptor's ``doRead``/``doWrite`` return."""

from __future__ import annotations

import sys
from types import ModuleType

from twistio.internet import error
from twistio.internet.error import ReactorAlreadyInstalledError
from twistio.internet.interfaces import IReactorCore

__all__ = ["CONNECTION_DONE", "CONNECTION_LOST", "ReactorAlreadyInstalledError", "installReactor"]

#: Returned by ``doRead``/``doWrite`` after a clean close.
CONNECTION_DONE = error.ConnectionDone("Connection done")
#: Returned by ``doRead``/``doWrite`` after a failed connection.
CONNECTION_LOST = error.ConnectionLost("Connection lost")

_KEY = "twistio.internet.reactor"
_ALIAS_KEY = "twisted.internet.reactor"


def _alias_installed() -> bool:
    compat = sys.modules.get("twistio.compat")
    return compat is not None and bool(compat.installed())


def installReactor(reactor: IReactorCore) -> None:
    """Make ``reactor`` the one ``from twistio.internet import reactor`` gives.

    ``ReactorAlreadyInstalledError`` if a reactor is already installed (imported). Under the
    ``twisted`` alias, deleting ``sys.modules["twisted.internet.reactor"]`` uninstalls it, as
    with Twisted, so code that swaps reactors that way keeps working.
    """
    import twistio.internet

    if _alias_installed():
        current = sys.modules.get(_ALIAS_KEY)
        # A module there is the alias's placeholder while ``import twisted.internet.reactor``
        # runs (this module's twistio twin takes itself out of sys.modules first).
        installed = current is not None and not isinstance(current, ModuleType)
    else:
        installed = _KEY in sys.modules
    if installed:
        raise ReactorAlreadyInstalledError("reactor already installed")
    twistio.internet.reactor = reactor  # type: ignore[attr-defined]
    sys.modules[_KEY] = reactor  # type: ignore[assignment]
    if _alias_installed():
        sys.modules[_ALIAS_KEY] = reactor  # type: ignore[assignment]
        twisted_internet = sys.modules.get("twisted.internet")
        if twisted_internet is not None and twisted_internet is not twistio.internet:
            twisted_internet.reactor = reactor  # type: ignore[attr-defined]
