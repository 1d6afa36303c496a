"""Reactor installation: ``installReactor`` puts a reactor where ``twistio.internet.reactor`` finds it."""

from __future__ import annotations

import sys
from typing import Any

from twistio.internet.error import ReactorAlreadyInstalledError

__all__ = ["ReactorAlreadyInstalledError", "installReactor"]


def installReactor(reactor: Any) -> None:
    """Make ``reactor`` the one ``from twistio.internet import reactor`` gives.

    ``ReactorAlreadyInstalledError`` if a reactor is already installed (imported).
    """
    import twistio.internet

    if "twistio.internet.reactor" in sys.modules:
        raise ReactorAlreadyInstalledError("reactor already installed")
    twistio.internet.reactor = reactor  # type: ignore[attr-defined]
    sys.modules["twistio.internet.reactor"] = reactor
