"""``twistd words``: a chat server (an in-memory words realm) with the front ends the
``IProtocolPlugin`` plugins offer, each on the port its ``--<name>-port`` option names."""

from __future__ import annotations

import socket
from typing import Any

from twistio import plugin
from twistio.application import strports
from twistio.application.service import MultiService
from twistio.cred import checkers, credentials, portal, strcred
from twistio.python import usage
from twistio.words import iwords, service

__all__ = ["Options", "makeService"]


def _protocolPlugins() -> dict[str, Any]:
    return {p.name: p for p in plugin.getPlugins(iwords.IProtocolPlugin)}


class Options(usage.Options, strcred.AuthOptionMixin):
    """The command line of ``twistd words``."""

    supportedInterfaces = [credentials.IUsernamePassword]
    interfacePlugins = _protocolPlugins()
    optParameters: list[Any] = [
        ["hostname", None, socket.gethostname(),
         "Name of this server; purely an informative"],
        *(
            [f"{name}-port", None, None,
             f"strports description of the port to bind for the  {name} server"]
            for name in interfacePlugins
        ),
    ]

    def __init__(self, *a: Any, **kw: Any) -> None:
        usage.Options.__init__(self, *a, **kw)
        self["groups"] = []

    def opt_group(self, name: str | bytes) -> None:
        """Specify a group which should exist."""
        self["groups"].append(name.decode() if isinstance(name, bytes) else name)

    def opt_passwd(self, filename: str) -> None:
        """Name of a passwd-style file. (This is for backwards-compatibility only; you
        should use the --auth command instead.)"""
        self.addChecker(checkers.FilePasswordDB(filename))


def makeService(config: Any) -> MultiService:
    """The front ends given a port, over one ``InMemoryWordsRealm`` named ``hostname``
    holding the ``--group`` groups."""
    realm = service.InMemoryWordsRealm(config["hostname"])
    gate = portal.Portal(realm, config.get("credCheckers", []))
    top = MultiService()
    for name, frontEnd in config.interfacePlugins.items():
        port = config.get(f"{name}-port")
        if port is not None:
            strports.service(port, frontEnd.getFactory(realm, gate)).setServiceParent(top)
    for group in config["groups"]:
        realm.createGroup(group)
    return top
