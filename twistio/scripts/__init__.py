"""Command-line entry points under the module names Twisted gives them (``twisted.scripts``)."""
