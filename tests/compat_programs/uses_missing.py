"""Imports a Twisted module twistio does not provide."""

from twisted.conch import manhole  # noqa: F401
