"""The ``anonymous`` checker factory of ``--auth`` (``cred.strcred``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twistio.cred.checkers import AllowAnonymousAccess
from twistio.cred.credentials import IAnonymous
from twistio.cred.strcred import _ShippedCheckerFactory
from twistio.internet.interfaces import implementer
from twistio.plugin import IPlugin

anonymousCheckerFactoryHelp = """
Lets anyone in, without credentials, as the anonymous avatar.
"""


@implementer(IPlugin)
class AnonymousCheckerFactory(_ShippedCheckerFactory):
    """Makes ``AllowAnonymousAccess`` checkers; takes no argument string."""

    authType = "anonymous"
    authHelp = anonymousCheckerFactoryHelp
    credentialInterfaces: Sequence[Any] = (IAnonymous,)

    def generateChecker(self, argstring: str = "") -> AllowAnonymousAccess:
        """A checker that lets everyone in."""
        return AllowAnonymousAccess()


theAnonymousCheckerFactory = AnonymousCheckerFactory()
