"""Imports a Twisted module twistio does not provide."""

from twisted.pair import ethernet  # noqa: F401
