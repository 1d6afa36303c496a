"""The ``sshkey`` checker factory of ``--auth`` (``cred.strcred``): SSH public keys from the
users' ``~/.ssh/authorized_keys`` files (needs the ``conch`` extra, ``cryptography``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twistio.cred.credentials import ISSHPrivateKey
from twistio.cred.strcred import _ShippedCheckerFactory
from twistio.internet.interfaces import implementer
from twistio.plugin import IPlugin

sshKeyCheckerFactoryHelp = """
Checks SSH public keys against each user's ~/.ssh/authorized_keys and
~/.ssh/authorized_keys2 files (home directories from the system's password database).
"""


@implementer(IPlugin)
class SSHKeyCheckerFactory(_ShippedCheckerFactory):
    """Makes ``conch.checkers.SSHPublicKeyChecker``s over ``UNIXAuthorizedKeysFiles``."""

    authType = "sshkey"
    authHelp = sshKeyCheckerFactoryHelp
    credentialInterfaces: Sequence[Any] = (ISSHPrivateKey,)

    def generateChecker(self, argstring: str = "") -> Any:
        """A checker of the users' authorized keys (conch is imported only now)."""
        from twistio.conch.checkers import SSHPublicKeyChecker, UNIXAuthorizedKeysFiles

        return SSHPublicKeyChecker(UNIXAuthorizedKeysFiles())


theSSHKeyCheckerFactory = SSHKeyCheckerFactory()
