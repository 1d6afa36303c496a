"""Authentication: portals, realms, credentials and checkers, as in ``twisted.cred``."""

from __future__ import annotations

from twistio.cred import checkers as checkers
from twistio.cred import credentials as credentials
from twistio.cred import error as error
from twistio.cred import portal as portal

__all__ = ["checkers", "credentials", "error", "portal"]
