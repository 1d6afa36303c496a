"""Utilities with Twisted's ``twisted.python`` names: ``failure`` and ``log``."""
