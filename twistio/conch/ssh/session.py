"""Session channels (RFC 4254 section 6): shells, commands, subsystems, ptys, exit status.

``SSHSession`` serves a ``session`` channel for an avatar: its requests go to
``ISession(avatar)`` (``getPty``, ``openShell``, ``execCommand``, ``windowChanged``,
``eofReceived``, ``closed``), or for ``subsystem`` to the avatar's ``lookupSubsystem``. The
process or protocol behind the session talks to the channel through an
``SSHSessionProcessProtocol``, which also sends ``exit-status``/``exit-signal`` when the
process ends.
"""

from __future__ import annotations

import logging
import os
import signal
import struct
import sys
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, TypeVar

from twistio.conch._adapt import adapt
from twistio.conch.interfaces import (
    EnvironmentVariableNotPermitted,
    IConchUser,
    ISession,
    ISessionSetEnv,
)
from twistio.conch.ssh import channel, common, connection
from twistio.conch.ssh.connection import SSHConnection
from twistio.internet import protocol
from twistio.internet.interfaces import IAddress, IProtocol, ITransport, implementer
from twistio.python.failure import Failure

__all__ = [
    "SUPPORTED_SIGNALS",
    "SSHSession",
    "SSHSessionClient",
    "SSHSessionProcessProtocol",
    "packRequest_pty_req",
    "packRequest_window_change",
    "parseRequest_pty_req",
    "parseRequest_window_change",
    "wrapProcessProtocol",
    "wrapProtocol",
]

log = logging.getLogger("twistio.conch")

_T = TypeVar("_T")

#: Signals sent by name in ``exit-signal`` (RFC 4254 section 6.10); others get ``@platform``.
SUPPORTED_SIGNALS = ["ABRT", "ALRM", "FPE", "HUP", "ILL", "INT", "KILL", "PIPE", "QUIT",
                     "SEGV", "TERM", "USR1", "USR2"]

# Bounds on what a request may carry.
_MAX_ENV_VARIABLES = 256
_MAX_PTY_MODES = 256


class SSHSession(channel.SSHChannel):
    """A ``session`` channel for an avatar.

    ``session`` is ``ISession(avatar)`` (adapted once, on the first request that needs it);
    ``client`` the ``SSHSessionProcessProtocol`` of the running shell, command or subsystem.
    """

    name = b"session"

    def __init__(self, localWindow: int = 0, localMaxPacket: int = 0, remoteWindow: int = 0,
                 remoteMaxPacket: int = 0, conn: SSHConnection | None = None,
                 data: bytes | None = None, avatar: IConchUser | None = None) -> None:
        channel.SSHChannel.__init__(self, localWindow, localMaxPacket, remoteWindow,
                                    remoteMaxPacket, conn, data, avatar)
        self.client: Any = None
        self.session: Any = None
        self._env_count = 0

    @cached_property
    def _session(self) -> Any:
        """``ISession(avatar)``, or None when the avatar has no session adapter."""
        self.session = adapt(ISession, self.avatar)
        return self.session

    def request_subsystem(self, data: bytes) -> int:
        """Start a subsystem (``sftp`` ...) from the avatar's ``lookupSubsystem``."""
        subsystem = common.getNS(data)[0]
        log.debug("asking for subsystem %r", subsystem)
        if self.client is not None:
            return 0
        lookup = getattr(self.avatar, "lookupSubsystem", None)
        client = lookup(subsystem, data) if lookup is not None else None
        if client:
            pp = SSHSessionProcessProtocol(self)
            proto = wrapProcessProtocol(pp)
            client.makeConnection(proto)
            pp.makeConnection(wrapProtocol(client))
            self.client = pp
            return 1
        log.info("failed to get subsystem %r", subsystem)
        return 0

    def _shellOrCommand(self, *, prepare: Callable[[], _T | None],
                        complete: Callable[[SSHSessionProcessProtocol, _T], None]) -> int:
        if self.client is not None:
            log.info("a shell or command is already running on this session")
            return 0
        if self._session is None:
            log.info("the avatar has no ISession adapter")
            return 0
        try:
            prepared = prepare()
        except Exception:
            log.exception("error preparing a shell or command")
            return 0
        if prepared is None:
            return 0
        pp = SSHSessionProcessProtocol(self)
        try:
            complete(pp, prepared)
        except Exception:
            log.exception("error starting a shell or command")
            return 0
        self.client = pp
        return 1

    def request_shell(self, data: bytes) -> int:
        """Start the avatar's shell (``ISession.openShell``)."""
        log.debug("getting shell")
        return self._shellOrCommand(prepare=lambda: True,
                                    complete=lambda pp, _: self._session.openShell(pp))

    def request_exec(self, data: bytes) -> int:
        """Run a command (``ISession.execCommand``)."""
        def prepare() -> bytes:
            return common.getNS(data)[0]

        return self._shellOrCommand(
            prepare=prepare, complete=lambda pp, command: self._session.execCommand(pp, command))

    def _ask_session(self, what: str, *args: Any) -> int:
        """Call ``ISession.<what>(*args)``: 1 if it went well, 0 (logged) if not."""
        target = self._session
        if target is None:
            return 0
        try:
            getattr(target, what)(*args)
        except Exception:
            log.exception("ISession.%s failed", what)
            return 0
        return 1

    def request_pty_req(self, data: bytes) -> int:
        """A pseudo-terminal (``ISession.getPty``)."""
        return self._ask_session("getPty", *parseRequest_pty_req(data))

    def request_window_change(self, data: bytes) -> int:
        """The client's terminal was resized (``ISession.windowChanged``)."""
        return self._ask_session("windowChanged", parseRequest_window_change(data))

    def request_env(self, data: bytes) -> int:
        """An environment variable, for avatars adaptable to ``ISessionSetEnv``."""
        name, value, _ = common.getNS(data, 2)
        self._env_count += 1
        if self._env_count > _MAX_ENV_VARIABLES:
            return 0
        # The session object (ISession(avatar)) sets variables when it provides
        # ISessionSetEnv, as in Twisted; else an ISessionSetEnv adapter of the avatar.
        session = self._session
        target = adapt(ISessionSetEnv, session) if session is not None else None
        if target is None:
            target = adapt(ISessionSetEnv, self.avatar)
        if target is None:
            return 0
        try:
            target.setEnv(name, value)
        except EnvironmentVariableNotPermitted:
            return 0
        except Exception:
            log.exception("error setting environment variable %r", name)
            return 0
        return 1

    def dataReceived(self, data: bytes) -> None:
        """Client bytes go to the process or protocol."""
        if self.client is None:
            return
        self.client.transport.write(data)

    def extReceived(self, dataType: int, data: bytes) -> None:
        """Extended data from the client (stderr) goes to the process too."""
        if dataType == connection.EXTENDED_DATA_STDERR:
            if self.client is not None and hasattr(self.client.transport, "writeErr"):
                self.client.transport.writeErr(data)
        else:
            log.debug("weird extended data: %s", dataType)

    def eofReceived(self) -> None:
        """The client sent EOF: tell the session; a subsystem is done, so close."""
        if self.session is not None:
            self.session.eofReceived()
        elif self.client is not None:
            close_stdin = getattr(self.client.transport, "closeStdin", None)
            if close_stdin is not None:
                close_stdin()
            else:
                self.loseConnection()

    def closed(self) -> None:
        """The channel closed: tell the session, and end the process or protocol."""
        if self.session is not None:
            self.session.closed()
        if self.client is not None and self.client.transport is not None:
            self.client.transport.loseConnection()

    def stopWriting(self) -> None:
        """The client's window is full: pause the process, if its transport can."""
        pause = getattr(getattr(self.client, "transport", None), "pauseProducing", None)
        if pause is not None:
            pause()

    def startWriting(self) -> None:
        """The client's window opened: resume the process."""
        resume = getattr(getattr(self.client, "transport", None), "resumeProducing", None)
        if resume is not None:
            resume()

    def loseConnection(self) -> None:
        """Close the channel (and the process or protocol behind it)."""
        if self.client is not None and self.client.transport is not None:
            transport, self.client.transport = self.client.transport, None
            transport.loseConnection()
        channel.SSHChannel.loseConnection(self)


class _ProcessFacade(protocol.ProcessProtocol):
    """Presents a stream protocol as a process protocol: stdout feeds it."""

    def __init__(self, proto: Any) -> None:
        self._wrapped = proto
        self.outReceived = proto.dataReceived  # type: ignore[method-assign]

    def connectionMade(self) -> None:
        self._wrapped.connectionMade()

    def processEnded(self, reason: Failure) -> None:
        self._wrapped.connectionLost(reason)


class _FeedingTransport:
    """A transport that hands what is written to it to a protocol's ``dataReceived``
    (``proto``, as Twisted names it)."""

    def __init__(self, proto: Any) -> None:
        self.proto = proto
        self.write = proto.dataReceived

    def writeSequence(self, data: Iterable[bytes]) -> None:
        self.proto.dataReceived(b"".join(data))

    def dataReceived(self, data: bytes) -> None:
        """Bytes from the other way: on to the protocol's own transport (as Twisted's)."""
        self.proto.transport.write(data)

    def loseConnection(self) -> None:
        self.proto.connectionLost(protocol.connectionDone)

    def getPeer(self) -> Any:
        peer = getattr(self.proto.transport, "getPeer", None)
        return peer() if peer is not None else None

    def getHost(self) -> Any:
        host = getattr(self.proto.transport, "getHost", None)
        return host() if host is not None else None


def wrapProcessProtocol(inst: IProtocol | protocol.ProcessProtocol) -> protocol.ProcessProtocol:
    """``inst`` as a ProcessProtocol (a Protocol gets wrapped)."""
    if isinstance(inst, protocol.Protocol):
        return _ProcessFacade(inst)
    return inst  # type: ignore[return-value]


def wrapProtocol(proto: protocol.Protocol) -> ITransport:
    """A transport whose ``write`` feeds ``proto.dataReceived``."""
    return _FeedingTransport(proto)


@implementer(ITransport)
class SSHSessionProcessProtocol(protocol.ProcessProtocol):
    """The process protocol of a session: output to the channel, exit status to the client.

    It also serves as the transport of a protocol run directly as a shell (``write``,
    ``loseConnection``, ``getPeer``, ``getHost``), as a terminal server does.
    """

    _signalValuesToNames: dict[int, str] | None = None

    def __init__(self, session: SSHSession) -> None:
        self.session = session
        self.lostOutOrErrFlag = False

    def connectionMade(self) -> None:
        """Pass on what the client sent before the process started."""
        if self.session.buf and self.transport is not None:
            self.transport.write(self.session.buf)
            self.session.buf = b""

    def outReceived(self, data: bytes) -> None:
        """Process stdout goes to the channel."""
        self.session.write(data)

    def errReceived(self, err: bytes) -> None:
        """Process stderr goes to the channel as extended data."""
        self.session.writeExtended(connection.EXTENDED_DATA_STDERR, err)

    def outConnectionLost(self) -> None:
        """Stdout closed: once stderr is closed too, send EOF."""
        if self.lostOutOrErrFlag:
            self.session.conn.sendEOF(self.session)
        else:
            self.lostOutOrErrFlag = True

    def errConnectionLost(self) -> None:
        """Stderr closed: once stdout is closed too, send EOF."""
        self.outConnectionLost()

    def connectionLost(self, reason: Failure | None = None) -> None:
        """The process or protocol is gone: close the channel."""
        self.session.loseConnection()

    def _getSignalName(self, signum: int) -> str:
        """``SIGNAME`` of ``signum``, or ``SIGNAME@platform`` for signals RFC 4254 lacks."""
        if SSHSessionProcessProtocol._signalValuesToNames is None:
            table = {}
            for name in SUPPORTED_SIGNALS:
                number = getattr(signal, "SIG" + name, None)
                if number is not None:
                    table[int(number)] = "SIG" + name
            SSHSessionProcessProtocol._signalValuesToNames = table
        known = SSHSessionProcessProtocol._signalValuesToNames.get(signum)
        if known is not None:
            return known
        try:
            name = signal.Signals(signum).name
        except ValueError:
            # A signal number the platform's enumeration lacks: any SIG* name the signal
            # module holds for it (a program may add its own).
            names = [n for n, v in vars(signal).items()
                     if n.startswith("SIG") and not n.startswith("SIG_") and v == signum]
            name = names[0] if names else f"SIG{signum}"
        return f"{name}@{sys.platform}"

    def processEnded(self, reason: Failure | None = None) -> None:
        """Send ``exit-signal`` or ``exit-status`` as the process ended, then close."""
        err = reason.value if reason is not None else None
        conn = self.session.conn
        signum = getattr(err, "signal", None)
        exitCode = getattr(err, "exitCode", None)
        if signum is not None and conn is not None:
            signame = self._getSignalName(signum)
            status = getattr(err, "status", None)
            core = 0
            if status is not None and hasattr(os, "WCOREDUMP"):
                try:
                    core = 1 if os.WCOREDUMP(status) else 0
                except (TypeError, ValueError):
                    core = 0
            log.debug("exitSignal: %s", signame)
            conn.sendRequest(self.session, b"exit-signal",
                             common.NS(signame[3:].encode("ascii")) + bytes((core,))
                             + common.NS(b"") + common.NS(b""))
        elif exitCode is not None and conn is not None:
            log.debug("exitCode: %r", exitCode)
            conn.sendRequest(self.session, b"exit-status", struct.pack(">L", exitCode & 0xFFFFFFFF))
        self.session.loseConnection()

    def getHost(self) -> IAddress:
        """Our address (of the SSH connection)."""
        address: IAddress = self.session.conn.transport.getHost()
        return address

    def getPeer(self) -> IAddress:
        """The client's address (of the SSH connection)."""
        address: IAddress = self.session.conn.transport.getPeer()
        return address

    def write(self, data: bytes) -> None:
        """Send ``data`` to the client (as a protocol's transport)."""
        self.session.write(data)

    def writeSequence(self, seq: Iterable[bytes]) -> None:
        """Send the concatenation of ``seq`` to the client."""
        self.session.write(b"".join(seq))

    def loseConnection(self) -> None:
        """Close the session (as a protocol's transport)."""
        self.session.loseConnection()


class SSHSessionClient(protocol.Protocol):
    """A protocol that writes what it receives to its transport."""

    def dataReceived(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)


# ----------------------------------------------------------------- request encodings


def parseRequest_pty_req(data: bytes) -> tuple[bytes, tuple[int, int, int, int], list[tuple[int, int]]]:
    """(term, (rows, cols, xpixel, ypixel), [(opcode, value)]) from a ``pty-req``."""
    term, rest = common.getNS(data)
    cols, rows, xpixel, ypixel = struct.unpack(">4L", rest[:16])
    modes = common.getNS(rest[16:])[0]
    winSize = (rows, cols, xpixel, ypixel)
    parsed = []
    for i in range(0, min(len(modes), 5 * _MAX_PTY_MODES), 5):
        if modes[i] == 0 or len(modes) < i + 5:
            break
        parsed.append((modes[i], struct.unpack(">L", modes[i + 1 : i + 5])[0]))
    return term, winSize, parsed


def packRequest_pty_req(term: bytes, geometry: tuple[int, int, int, int], modes: bytes) -> bytes:
    """A ``pty-req`` body: ``geometry`` is (rows, cols, xpixel, ypixel), ``modes`` packed."""
    rows, cols, xpixel, ypixel = geometry
    return (common.NS(term) + struct.pack(">4L", cols, rows, xpixel, ypixel)
            + common.NS(modes))


def parseRequest_window_change(data: bytes) -> tuple[int, int, int, int]:
    """(rows, cols, xpixel, ypixel) from a ``window-change``."""
    cols, rows, xpixel, ypixel = struct.unpack(">4L", data[:16])
    return rows, cols, xpixel, ypixel


def packRequest_window_change(geometry: tuple[int, int, int, int]) -> bytes:
    """A ``window-change`` body from (rows, cols, xpixel, ypixel)."""
    rows, cols, xpixel, ypixel = geometry
    return struct.pack(">4L", cols, rows, xpixel, ypixel)
