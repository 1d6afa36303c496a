"""Twisted's ``twisted.python`` support layer: failure, log, reflect, deprecate, util and the rest."""
