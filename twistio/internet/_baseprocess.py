"""``BaseProcess``: what every process transport does when its child ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from twistio.python import log
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio.internet.interfaces import IProcessProtocol

__all__ = ["BaseProcess"]


class BaseProcess:
    """The end of a child process, told to its protocol: ``processExited`` once the child
    is reaped (``processEnded(status)``), ``processEnded`` once ``maybeCallProcessEnded``
    finds everything done.

    Subclasses give ``_getReason(status)``: the exception for a wait status. An error raised
    by the protocol is logged. The protocol is let go once ``processEnded`` was called.
    """

    #: The protocol told of the end; None once ``processEnded`` was called.
    proto: IProcessProtocol | None = None
    #: How many times the child was reaped (``processEnded``).
    lostProcess = 0
    #: The wait status, once reaped; ``pid`` is None from then on.
    status: int | None = None
    pid: int | None = None

    def __init__(self, protocol: IProcessProtocol | None) -> None:
        self.proto = protocol

    def _getReason(self, status: int) -> BaseException:
        raise NotImplementedError("_getReason")

    def _callProcessExited(self, reason: BaseException) -> None:
        """Tell the protocol (if any) that the child has exited, with ``reason``."""
        if self.proto is None:
            return
        try:
            self.proto.processExited(Failure(reason))
        except BaseException:
            log.err(None, "while calling processExited")

    def processEnded(self, status: int) -> None:
        """The child was reaped with wait status ``status``."""
        self.pid, self.status = None, status
        self.lostProcess += 1
        reason = self._getReason(status)
        self._callProcessExited(reason)
        self.maybeCallProcessEnded()

    def maybeCallProcessEnded(self) -> None:
        """Call the protocol's ``processEnded`` once the exit status is known."""
        if self.proto is None or self.status is None:
            return
        reason = self._getReason(self.status)
        proto, self.proto = self.proto, None
        try:
            proto.processEnded(Failure(reason))
        except BaseException:
            log.err(None, "while calling processEnded")
