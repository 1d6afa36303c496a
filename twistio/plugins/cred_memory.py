"""The ``memory`` checker factory of ``--auth`` (``cred.strcred``): users on the command line.

Differs from Twisted: each user is kept under its text and under its UTF-8 bytes, so the
bytes credentials that protocols make log in too (docs/differences.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twistio.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from twistio.cred.credentials import IUsernameHashedPassword, IUsernamePassword
from twistio.cred.strcred import InvalidAuthArgumentString, _ShippedCheckerFactory
from twistio.internet.interfaces import implementer
from twistio.plugin import IPlugin

inMemoryCheckerFactoryHelp = """
Users and passwords given on the command line itself, kept in memory.

Meant for trying things out: the passwords are visible to anyone who can list the
machine's processes.
"""


@implementer(IPlugin)
class InMemoryCheckerFactory(_ShippedCheckerFactory):
    """Makes an in-memory checker from ``name:password:name:password...``."""

    authType = "memory"
    authHelp = inMemoryCheckerFactoryHelp
    argStringFormat = "A colon-separated list (name:password:...)"
    credentialInterfaces: Sequence[Any] = (IUsernamePassword, IUsernameHashedPassword)

    def generateChecker(self, argstring: str = "") -> InMemoryUsernamePasswordDatabaseDontUse:
        """A checker knowing the users of ``argstring``; ``InvalidAuthArgumentString`` when
        a name has no password."""
        fields = argstring.split(":") if argstring else []
        if len(fields) % 2:
            raise InvalidAuthArgumentString("argstring must be in format U:P:...")
        checker = InMemoryUsernamePasswordDatabaseDontUse()
        for name, password in zip(fields[::2], fields[1::2], strict=True):
            checker.addUser(name, password)
            checker.addUser(name.encode("utf-8"), password.encode("utf-8"))
        return checker


theInMemoryCheckerFactory = InMemoryCheckerFactory()
