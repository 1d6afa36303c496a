"""Reactors chosen by name (``twist --reactor``, ``twistd -r``): the ``IReactorInstaller``
plugins, ``getReactorTypes`` and ``installReactor``.

Every reactor twistio installs is its asyncio reactor (see ``twistio.internet.selectreactor``
and the like); the names are those Twisted's programs pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.plugin import IPlugin, getPlugins
from twistio.python.reflect import namedAny

__all__ = ["IReactorInstaller", "NoSuchReactor", "Reactor", "getReactorTypes", "installReactor"]


class IReactorInstaller(Interface, Protocol):
    """A plugin that can install one kind of reactor."""

    shortName: str
    description: str

    def install(self) -> None:
        """Install this kind of reactor as the reactor."""


class NoSuchReactor(KeyError):
    """No reactor plugin has the name asked for."""


@implementer(IPlugin, IReactorInstaller)
class Reactor:
    """A reactor plugin: ``install()`` calls ``install()`` of the module ``moduleName``."""

    def __init__(self, shortName: str, moduleName: str, description: str) -> None:
        self.shortName = shortName
        self.moduleName = moduleName
        self.description = description

    def install(self) -> None:
        """Import the module and install its reactor."""
        namedAny(self.moduleName).install()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.shortName!r} ({self.moduleName})>"


def getReactorTypes() -> Iterable[Any]:
    """The reactor plugins there are."""
    return getPlugins(IReactorInstaller)


def installReactor(shortName: str) -> Any:
    """Install the reactor plugin named ``shortName`` and return the reactor
    (``NoSuchReactor`` when there is none)."""
    for installer in getReactorTypes():
        if installer.shortName == shortName:
            installer.install()
            from twistio.internet import reactor

            return reactor
    raise NoSuchReactor(shortName)
