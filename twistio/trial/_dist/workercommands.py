"""What the manager asks of a worker."""

from __future__ import annotations

from twistio.protocols.amp import Boolean, Command, Unicode

__all__ = ["Run", "Start"]


class Run(Command):
    """Run the test named ``testCase`` (a dotted name the loader understands)."""

    arguments = [(b"testCase", Unicode())]
    response = [(b"success", Boolean())]


class Start(Command):
    """Work in ``directory`` from now on (created by the manager, one per worker)."""

    arguments = [(b"directory", Unicode())]
    response = [(b"success", Boolean())]
