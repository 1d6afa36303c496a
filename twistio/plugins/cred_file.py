"""The ``file`` checker factory of ``--auth`` (``cred.strcred``): users read from a file."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import IO, Any

from twistio.cred.checkers import FilePasswordDB
from twistio.cred.credentials import IUsernameHashedPassword, IUsernamePassword
from twistio.cred.strcred import _ShippedCheckerFactory
from twistio.internet.interfaces import implementer
from twistio.plugin import IPlugin

fileCheckerFactoryHelp = """
Users and passwords read from a file, one "name:password" line each (the format of
twistio.cred.checkers.FilePasswordDB).
"""

invalidFileWarning = "Warning: not a valid file"


@implementer(IPlugin)
class FileCheckerFactory(_ShippedCheckerFactory):
    """Makes a ``FilePasswordDB`` from a file name; warns on ``errorOutput`` (standard error
    when None) when the file is not there yet."""

    authType = "file"
    authHelp = fileCheckerFactoryHelp
    argStringFormat = "Location of a FilePasswordDB-formatted file."
    credentialInterfaces: Sequence[Any] = (IUsernamePassword, IUsernameHashedPassword)
    errorOutput: IO[str] | None = None

    def generateChecker(self, argstring: str = "") -> FilePasswordDB:
        """A checker reading the file ``argstring``; ``ValueError`` if it is empty."""
        if not argstring.strip():
            raise ValueError(f"{self.authType!r} requires a filename")
        if not os.path.isfile(argstring):
            out = self.errorOutput if self.errorOutput is not None else sys.stderr
            out.write(f"{invalidFileWarning}: {argstring}\n")
        return FilePasswordDB(argstring)


theFileCheckerFactory = FileCheckerFactory()
