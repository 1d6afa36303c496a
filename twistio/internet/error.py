"""Exceptions raised by the reactor, its ports and connections, with Twisted's names."""

from __future__ import annotations

import errno as _errno
import socket as _socket

__all__ = [
    "AlreadyCalled",
    "AlreadyCancelled",
    "AlreadyListened",
    "BadFileError",
    "BindError",
    "CannotListenError",
    "CertificateError",
    "ConnectBindError",
    "ConnectError",
    "ConnectInProgressError",
    "ConnectingCancelledError",
    "ConnectionAborted",
    "ConnectionClosed",
    "ConnectionDone",
    "ConnectionFdescWentAway",
    "ConnectionLost",
    "ConnectionRefusedError",
    "DNSLookupError",
    "FileDescriptorOverrun",
    "InvalidAddressError",
    "MessageLengthError",
    "MulticastJoinError",
    "NoProtocol",
    "NoRouteError",
    "NotConnectingError",
    "NotListeningError",
    "PeerVerifyError",
    "ProcessDone",
    "ProcessExitedAlready",
    "ProcessTerminated",
    "ReactorAlreadyInstalledError",
    "ReactorAlreadyRunning",
    "ReactorNotRestartable",
    "ReactorNotRunning",
    "SSLError",
    "ServiceNameUnknownError",
    "TCPTimedOutError",
    "TimeoutError",
    "UnknownHostError",
    "UnsupportedAddressFamily",
    "UnsupportedSocketType",
    "UserError",
    "VerifyError",
    "errnoMapping",
    "getConnectError",
]


def _sentence(text: str, *details: object) -> str:
    """A fixed message and the exception's arguments, as Twisted prints them:
    ``msg.`` without arguments, ``msg: a b.`` with some."""
    if not details:
        return text + "."
    return f"{text}: {' '.join(str(d) for d in details)}."


class BindError(Exception):
    """Binding to an interface failed."""

    def __str__(self) -> str:
        return _sentence("An error occurred binding to an interface", *self.args)


class CannotListenError(BindError):
    """Raised by ``listenTCP``/``startListening`` when the port cannot be bound or listened on."""

    def __init__(self, interface: str, port: int, socketError: BaseException) -> None:
        BindError.__init__(self, interface, port, socketError)
        self.interface, self.port, self.socketError = interface, port, socketError

    def __str__(self) -> str:
        where = f"{self.interface or 'any'}:{self.port}"
        return f"Couldn't listen on {where}: {self.socketError}."


class MulticastJoinError(Exception):
    """Joining a multicast group failed."""


class MessageLengthError(Exception):
    """A datagram was too long to send."""

    def __str__(self) -> str:
        return _sentence("Message is too long to send", *self.args)


class DNSLookupError(OSError):
    """A host name could not be resolved."""

    def __str__(self) -> str:
        return _sentence("DNS lookup failed", *self.args)


class ConnectInProgressError(Exception):
    """A connect was started and has not finished yet."""


class ConnectError(Exception):
    """An outgoing connection failed; ``osError`` is the errno when there is one."""

    MESSAGE = "An error occurred while connecting"

    def __init__(self, osError: object = None, string: str = "") -> None:
        self.osError = osError
        Exception.__init__(self, string)

    def __str__(self) -> str:
        # "MESSAGE: errno: string." with each part only when set.
        parts = [self.MESSAGE]
        parts += [str(d) for d in (self.osError, self.args[0] if self.args else "") if d]
        return ": ".join(parts) + "."


class ConnectBindError(ConnectError):
    """The local address given as ``bindAddress`` could not be bound."""

    MESSAGE = "Couldn't bind"


class UnknownHostError(ConnectError):
    """The host name could not be looked up."""

    MESSAGE = "Hostname couldn't be looked up"


class NoRouteError(ConnectError):
    """There is no route to the host."""

    MESSAGE = "No route to host"


class ConnectionRefusedError(ConnectError):
    """The other side refused the connection (shadows the builtin, as in Twisted)."""

    MESSAGE = "Connection was refused by other side"


class TCPTimedOutError(ConnectError):
    """The kernel gave up connecting (ETIMEDOUT)."""

    MESSAGE = "TCP connection timed out"


class BadFileError(ConnectError):
    """The file given for a UNIX socket is no good."""

    MESSAGE = "File used for UNIX socket is no good"


class ServiceNameUnknownError(ConnectError):
    """A service name given as a port is unknown."""

    MESSAGE = "Service name given as port is unknown"


class UserError(ConnectError):
    """The connection attempt was stopped by the user (``stopConnecting``)."""

    MESSAGE = "User aborted connection"


class TimeoutError(UserError):
    """The ``timeout`` given to ``connectTCP`` expired (shadows the builtin, as in Twisted)."""

    MESSAGE = "User timeout caused connection failure"


class SSLError(ConnectError):
    """A TLS error occurred."""

    MESSAGE = "An SSL error occurred"


class VerifyError(Exception):
    """Something that should have been signed could not be verified."""


class PeerVerifyError(VerifyError):
    """The peer rejected our verification."""


class CertificateError(Exception):
    """A certificate was expected and not found."""


class ConnectionClosed(Exception):
    """The connection closed, cleanly or not."""


class ConnectionLost(ConnectionClosed):
    """The connection was lost in a non-clean fashion."""

    MESSAGE = "Connection to the other side was lost in a non-clean fashion"

    def __str__(self) -> str:
        if self.args:
            return f"{self.MESSAGE}: {' '.join(str(a) for a in self.args)}."
        return f"{self.MESSAGE}."


class ConnectionAborted(ConnectionLost):
    """The connection was dropped locally with ``abortConnection``."""

    MESSAGE = "Connection was aborted locally using ITCPTransport.abortConnection"


class ConnectionDone(ConnectionClosed):
    """The connection was closed cleanly."""

    MESSAGE = "Connection was closed cleanly"

    def __str__(self) -> str:
        if self.args:
            return f"{self.MESSAGE}: {' '.join(str(a) for a in self.args)}."
        return f"{self.MESSAGE}."


class FileDescriptorOverrun(ConnectionLost):
    """More file descriptors were sent than data bytes to carry them."""

    MESSAGE = "A mis-use of sendFileDescriptor caused the connection to be closed"


class ConnectionFdescWentAway(ConnectionLost):
    """The file descriptor went away underneath the connection."""

    MESSAGE = "Uh"


class AlreadyCalled(ValueError):
    """Tried to cancel or change a delayed call that has already run."""

    def __str__(self) -> str:
        return _sentence("Tried to cancel an already-called event", *self.args)


class AlreadyCancelled(ValueError):
    """Tried to cancel or change a delayed call that was already cancelled."""

    def __str__(self) -> str:
        return _sentence("Tried to cancel an already-cancelled event", *self.args)


class ProcessDone(ConnectionDone):
    """A process ended without error; ``exitCode`` is 0."""

    MESSAGE = "A process has ended without apparent errors"

    def __init__(self, status: int | None) -> None:
        Exception.__init__(self, "process finished with exit code 0")
        self.exitCode = 0
        self.signal: int | None = None
        self.status = status


class ProcessTerminated(ConnectionLost):
    """A process ended with an exit code other than 0 or by a signal."""

    MESSAGE = "A process has ended with a probable error condition"

    def __init__(
        self, exitCode: int | None = None, signal: int | None = None, status: int | None = None
    ) -> None:
        self.exitCode = exitCode
        self.signal = signal
        self.status = status
        text = "process ended"
        if exitCode is not None:
            text += f" with exit code {exitCode}"
        if signal is not None:
            text += f" by signal {signal}"
        Exception.__init__(self, text)


class ProcessExitedAlready(Exception):
    """The process has exited; the operation cannot be done any more."""


class NotConnectingError(RuntimeError):
    """``stopConnecting`` was called on a connector that was not connecting."""

    def __str__(self) -> str:
        return _sentence(
            "The Connector was not connecting when it was asked to stop connecting", *self.args
        )


class NotListeningError(RuntimeError):
    """``stopListening`` was called on a port that was not listening."""

    def __str__(self) -> str:
        return _sentence(
            "The Port was not listening when it was asked to stop listening", *self.args
        )


class ReactorNotRunning(RuntimeError):
    """``stop`` was called on a reactor that is not running."""


class ReactorNotRestartable(RuntimeError):
    """``run`` was called on a reactor that has already been stopped."""


class ReactorAlreadyRunning(RuntimeError):
    """``run`` was called while the reactor, or an asyncio loop in this thread, is running."""


class ReactorAlreadyInstalledError(AssertionError):
    """A reactor is already installed; ``installReactor`` cannot install another."""


class ConnectingCancelledError(Exception):
    """A connection attempt was cancelled; ``address`` is where it was going."""

    def __init__(self, address: object) -> None:
        Exception.__init__(self, address)
        self.address = address


class NoProtocol(Exception):
    """A factory's ``buildProtocol`` returned None where a protocol was required."""


class UnsupportedAddressFamily(Exception):
    """The socket's address family is not supported here."""


class UnsupportedSocketType(Exception):
    """The socket's type is not supported here."""


class AlreadyListened(Exception):
    """The file descriptor can only be listened on once."""


class InvalidAddressError(ValueError):
    """An address is neither IPv4 nor IPv6, or not the family expected."""

    def __init__(self, address: str, message: str) -> None:
        ValueError.__init__(self, address, message)
        self.address = address
        self.message = message


_ERRNO_TO_CONNECT_ERROR: dict[int, type[ConnectError]] = {
    _errno.ECONNREFUSED: ConnectionRefusedError,
    _errno.ETIMEDOUT: TCPTimedOutError,
    _errno.ENETUNREACH: NoRouteError,
    _errno.EHOSTUNREACH: NoRouteError,
}

#: The ``ConnectError`` subclass ``getConnectError`` gives for an errno (twistio adds
#: EHOSTUNREACH, which Twisted leaves a plain ``ConnectError``).
errnoMapping = _ERRNO_TO_CONNECT_ERROR


def getConnectError(e: BaseException | tuple[int | None, str]) -> ConnectError:
    """Map an ``OSError`` (or an ``(errno, message)`` pair) to the matching ``ConnectError``."""
    if isinstance(e, ConnectError):
        return e
    # As Twisted's: the (errno, message) of the exception's arguments; anything else is
    # carried as the ConnectError's message.
    args = e.args if isinstance(e, BaseException) else e
    try:
        number, string = args
    except (TypeError, ValueError):
        return ConnectError(string=e)  # type: ignore[arg-type]
    if isinstance(e, _socket.gaierror):
        return UnknownHostError(number, string)
    klass = _ERRNO_TO_CONNECT_ERROR.get(number, ConnectError) if number is not None else ConnectError
    return klass(number, string)
