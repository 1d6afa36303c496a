"""The worker interfaces of ``twistio._threads`` and the error a finished worker raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from twistio.internet.interfaces import Interface

__all__ = ["AlreadyQuit", "IExclusiveWorker", "IWorker"]


class AlreadyQuit(Exception):
    """The worker was told to quit: it takes no more work, and cannot quit twice."""


class IWorker(Interface, Protocol):
    """Something that runs the work given to ``do`` some time later, perhaps elsewhere.

    Both methods may be called from any thread.
    """

    def do(self, task: Callable[[], object]) -> None:
        """Run ``task`` (no arguments) later; ``AlreadyQuit`` once ``quit`` was called."""

    def quit(self) -> None:
        """Take no more work and release what the worker holds; ``AlreadyQuit`` the second time."""


class IExclusiveWorker(IWorker, Protocol):
    """An ``IWorker`` that never runs two of its tasks at the same time."""
