"""A terminal protocol on this process's own terminal (stdin/stdout), and the other end of it.

Run as a program, ``python -m twistio.conch.stdio [module.Class]`` puts the terminal in raw
mode and serves ``module.Class`` (an ``ITerminalProtocol``; ``ConsoleManhole``, a Python
shell, when none is named) on standard I/O through ``insults.ServerProtocol``, until the
protocol's connection is lost; the terminal's settings are then restored.

``TerminalProcessProtocol`` is the parent's side: a process protocol that hands what the
child writes on stdout to a terminal client protocol (``insults.ClientProtocol``, for
instance), and treats anything on stderr as a failure of the session.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import Any

from twistio.conch import manhole
from twistio.conch.insults import insults
from twistio.internet import defer, protocol
from twistio.python import failure

__all__ = [
    "ConsoleManhole",
    "TerminalProcessProtocol",
    "UnexpectedOutputError",
    "main",
    "runWithProtocol",
]


class UnexpectedOutputError(Exception):
    """The child wrote on its standard error: its argument is what it wrote."""


class TerminalProcessProtocol(protocol.ProcessProtocol):
    """Connects a terminal client protocol to a child process running a terminal program.

    ``proto`` gets ``makeConnection(self)`` when the process starts (write to the child
    through ``write``), ``dataReceived`` with the child's stdout, and ``connectionLost`` when
    the process ends, or at once with ``UnexpectedOutputError`` when the child writes on
    stderr. ``onConnection`` fires (with None) when the process has started; it is None
    afterwards.
    """

    def __init__(self, proto: Any) -> None:
        self.proto = proto
        self.onConnection: defer.Deferred[None] | None = defer.Deferred()

    def connectionMade(self) -> None:
        self.proto.makeConnection(self)
        started, self.onConnection = self.onConnection, None
        if started is not None:
            started.callback(None)

    def write(self, data: bytes) -> None:
        """Send ``data`` to the child's standard input."""
        self.transport.write(data)

    def outReceived(self, data: bytes) -> None:
        """The child's output: what its terminal shows."""
        self.proto.dataReceived(data)

    def errReceived(self, data: bytes) -> None:
        """The child wrote on stderr: end the session with ``UnexpectedOutputError``."""
        self.transport.loseConnection()
        if self.proto is not None:
            self.proto.connectionLost(failure.Failure(UnexpectedOutputError(data)))
            self.proto = None

    def childConnectionLost(self, childFD: int) -> None:
        """Passed on to the terminal protocol when it wants to know."""
        if self.proto is not None:
            lost = getattr(self.proto, "childConnectionLost", None)
            if lost is not None:
                lost(childFD)

    def processEnded(self, reason: failure.Failure) -> None:
        """The child is gone: the terminal protocol's connection is lost with ``reason``."""
        if self.proto is not None:
            self.proto.connectionLost(reason)
            self.proto = None


class ConsoleManhole(manhole.ColoredManhole):
    """A Python shell on this process's terminal; the reactor stops when the session ends."""

    def connectionLost(self, reason: failure.Failure | None = None) -> None:
        from twistio.internet import reactor

        if reactor.running:
            reactor.stop()


def runWithProtocol(klass: Any) -> None:
    """Serve a ``klass`` instance on this terminal (in raw mode) until the reactor stops.

    The terminal's settings are put back, and the screen reset, afterwards.
    """
    import termios
    import tty

    from twistio.internet import reactor, stdio

    fd = sys.__stdin__.fileno() if sys.__stdin__ is not None else 0
    # Closing standard I/O at the end closes fd 0: keep our own handle on the terminal to
    # put its settings back.
    terminal = os.dup(fd)
    try:
        saved = termios.tcgetattr(terminal)
        tty.setraw(terminal)
        try:
            stdio.StandardIO(insults.ServerProtocol(klass))
            reactor.run()
        finally:
            termios.tcsetattr(terminal, termios.TCSANOW, saved)
            os.write(terminal, b"\r\x1bc\r")
    finally:
        os.close(terminal)


def main(argv: Sequence[str] | None = None) -> None:
    """``main([name])``: log to ``child.log`` in the current directory, then run
    ``runWithProtocol`` with the class called ``name`` or, without one, ``ConsoleManhole``.

    ``name`` is ``module.attribute``: the module is imported and the attribute taken from it,
    so a name without a dot raises ``ValueError('Empty module name')``, a missing module
    ``ModuleNotFoundError`` and a missing attribute ``AttributeError``.
    """
    from twistio.python import log

    log.startLogging(open("child.log", "w"))  # noqa: SIM115 - open for the process's life
    klass: Any = ConsoleManhole
    if argv:
        module_name, _, attribute = argv[0].rpartition(".")
        klass = getattr(importlib.import_module(_ours(module_name)), attribute)
    runWithProtocol(klass)


def _ours(module_name: str) -> str:
    """twistio's module for a ``twisted.X`` name when twistio has one (a parent under the
    alias names twistio's classes that way, and this process may have no alias), else the
    name as given (Twisted's own test modules, say)."""
    if module_name != "twisted" and not module_name.startswith("twisted."):
        return module_name
    ours = "twistio" + module_name[len("twisted"):]
    try:
        found = importlib.util.find_spec(ours)
    except ImportError:
        found = None
    return ours if found is not None else module_name


if __name__ == "__main__":
    main(sys.argv[1:])
