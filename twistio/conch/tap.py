"""An SSH server for the machine's users (``twistd conch``): Twisted's ``conch.tap``.

``Options`` takes ``--port``/``-p`` (an endpoint description, ``tcp:22`` by default),
``--data``/``-d`` (where the ``ssh_host_*_key`` files are, ``/etc`` by default), ``--moduli``
(where the ``moduli`` file is, the data directory unless given) and any number of
``--auth`` (``strcred`` checkers: ``--auth file:passwd``, ``--auth memory:user:pass``...).
Without ``--auth`` the users log in with their UNIX password or with a key of their
``~/.ssh/authorized_keys``. ``--interface``/``-i`` is accepted for compatibility; the endpoint
description names the interface (``tcp:22:interface=127.0.0.1``).

``makeService(options)`` gives the ``StreamServerEndpointService`` of an
``OpenSSHFactory`` whose portal logs users in to ``conch.unix.UnixSSHRealm`` (shells and
commands run as the user, which needs root).
"""

from __future__ import annotations

from typing import Any

from twistio.application import strports
from twistio.conch import checkers as conch_checkers
from twistio.conch import unix
from twistio.conch.openssh_compat import factory
from twistio.cred import portal, strcred
from twistio.python import usage

__all__ = ["Options", "makeService"]


class Options(usage.Options, strcred.AuthOptionMixin):
    """The options of ``twistd conch``."""

    synopsis = "[-i <interface>] [-p <port>] [-d <dir>] "
    longdesc = (
        "Makes a Conch SSH server.  If no authentication methods are specified, the default "
        "authentication methods are UNIX passwords and SSH public keys.  If --auth options "
        "are passed, only the measures specified will be used."
    )
    optParameters: list[list[Any]] = [
        ["interface", "i", "", "local interface to which we listen"],
        ["port", "p", "tcp:22", "Port on which to listen"],
        ["data", "d", "/etc", "directory to look for host keys in"],
        ["moduli", "", None, "directory to look for moduli in (if different from --data)"],
    ]
    compData = usage.Completions(
        optActions={
            "data": usage.CompleteDirs(descr="data directory"),
            "moduli": usage.CompleteDirs(descr="moduli directory"),
            "interface": usage.CompleteNetInterfaces(),
        }
    )

    def __init__(self, *a: Any, **kw: Any) -> None:
        usage.Options.__init__(self, *a, **kw)
        # The default checkers, replaced by the first --auth.
        self.addChecker(conch_checkers.UNIXPasswordDatabase())
        self.addChecker(
            conch_checkers.SSHPublicKeyChecker(conch_checkers.UNIXAuthorizedKeysFiles())
        )
        self._usingDefaultAuth = True

    def addChecker(self, checker: Any) -> None:
        """Add ``checker``; the first one given with ``--auth`` drops the defaults."""
        if getattr(self, "_usingDefaultAuth", False):
            self["credCheckers"] = []
            self["credInterfaces"] = {}
            self._usingDefaultAuth = False
        super().addChecker(checker)


def makeService(config: Options) -> Any:
    """The service of the SSH server ``config`` describes."""
    sshFactory = factory.OpenSSHFactory()
    sshFactory.portal = portal.Portal(unix.UnixSSHRealm(), config.get("credCheckers", []))
    sshFactory.dataRoot = config["data"]
    sshFactory.moduliRoot = config["moduli"] or config["data"]
    return strports.service(config["port"], sshFactory)
