"""Errors raised while logging in through a ``Portal``."""

from __future__ import annotations

__all__ = ["LoginDenied", "LoginFailed", "Unauthorized", "UnauthorizedLogin", "UnhandledCredentials"]


class Unauthorized(Exception):
    """The caller is not allowed to do this."""


class LoginFailed(Exception):
    """Logging in did not succeed."""


class UnauthorizedLogin(LoginFailed, Unauthorized):
    """The credentials were refused (unknown user, wrong password ...)."""


class UnhandledCredentials(LoginFailed):
    """No checker is registered for this kind of credentials."""


class LoginDenied(LoginFailed):
    """The realm refused an avatar to an otherwise valid login."""
