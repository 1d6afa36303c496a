"""Imports a module of the ``twisted`` package that twistio does not provide (Twisted
neither: every module of Twisted's that twistio lacks may be added one day)."""

from twisted.nosuchsubpackage import ethernet  # noqa: F401
