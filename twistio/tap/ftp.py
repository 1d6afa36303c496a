"""``twistd ftp``'s options and service: an FTP server on a directory.

``Options`` is a ``usage.Options`` with ``--port``, ``--root``, ``--userAnonymous`` and the
``--auth`` descriptions of ``cred.strcred`` (anonymous logins are always checked in);
``makeService(options)`` serves ``FTPRealm(root)`` on the TCP port.
"""

from __future__ import annotations

from typing import Any

from twistio.application import internet
from twistio.cred import checkers, portal, strcred
from twistio.protocols import ftp
from twistio.python import deprecate, usage, versions

__all__ = ["Options", "makeService"]


class Options(usage.Options, strcred.AuthOptionMixin):
    """The command line of an FTP server."""

    synopsis = "[options]   (a toy server: keep it off networks you do not trust)"
    optParameters = [
        ["port", "p", "2121", "TCP port number the server accepts control connections on"],
        ["root", "r", "/usr/local/ftp", "directory served to anonymous sessions"],
        ["userAnonymous", "", "anonymous", "login name treated as an anonymous session"],
    ]
    compData = usage.Completions(optActions={"root": usage.CompleteDirs(descr="ftp root")})
    longdesc = ""

    def __init__(self, *a: Any, **kw: Any) -> None:
        usage.Options.__init__(self, *a, **kw)
        self.addChecker(checkers.AllowAnonymousAccess())

    @deprecate.deprecated(versions.Version("Twisted", 11, 1, 0))
    def opt_password_file(self, filename: str) -> None:
        """(deprecated: use --auth file:PATH) check logins against name:password lines."""
        self["password-file"] = filename
        self.addChecker(checkers.FilePasswordDB(filename, cache=True))


def makeService(config: Any) -> Any:
    """A TCP server of ``FTPFactory`` on ``config["root"]``, logging in with the checkers
    the options collected."""
    realm = ftp.FTPRealm(config["root"])
    gate = portal.Portal(realm, config.get("credCheckers", []))
    factory = ftp.FTPFactory(gate, userAnonymous=config["userAnonymous"])
    return internet.TCPServer(int(config["port"]), factory)
