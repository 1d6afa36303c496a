"""``Quit``: the once-only flag every worker keeps."""

from __future__ import annotations

from twistio._threads._ithreads import AlreadyQuit

__all__ = ["Quit"]


class Quit:
    """Whether a worker has quit (``isSet``); setting it twice, or using it once set, fails."""

    def __init__(self) -> None:
        self.isSet = False

    def set(self) -> None:
        """Mark the worker as quit; ``AlreadyQuit`` if it already was."""
        self.check()
        self.isSet = True

    def check(self) -> None:
        """Return quietly while the flag is clear; ``AlreadyQuit`` once it is set."""
        if self.isSet:
            raise AlreadyQuit()
