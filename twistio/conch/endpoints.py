"""``SSHCommandClientEndpoint``: a client endpoint whose connections are remote commands.

``connect(factory)`` logs in over SSH (or reuses a connection), runs the command in a session
channel and connects the factory's protocol to it: the command's output is the protocol's
input, the protocol's writes are the command's input. When the command ends the protocol
loses its connection with ``ConnectionDone``, or ``ProcessTerminated`` carrying the exit code
or the signal.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import struct
from typing import IO, TYPE_CHECKING, Any, Protocol, cast

from twistio.conch.client.agent import SSHAgentClient
from twistio.conch.client.knownhosts import ConsoleUI, KnownHostsFile
from twistio.conch.ssh.channel import SSHChannel
from twistio.conch.ssh.common import NS, getNS
from twistio.conch.ssh.connection import SSHConnection
from twistio.conch.ssh.keys import Key
from twistio.conch.ssh.transport import SSHClientTransport
from twistio.conch.ssh.userauth import SSHUserAuthClient
from twistio.internet import defer
from twistio.internet.defer import CancelledError, Deferred
from twistio.internet.error import ConnectionDone, ProcessTerminated
from twistio.internet.interfaces import (
    IAddress,
    Interface,
    IStreamClientEndpoint,
    implementer,
)
from twistio.internet.protocol import Factory
from twistio.logger import Logger
from twistio.python.failure import Failure
from twistio.python.filepath import FilePath

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport
    from twistio.internet.address import IPv4Address

__all__ = [
    "NS",
    "AuthenticationFailed",
    "ConsoleUI",
    "Key",
    "KnownHostsFile",
    "SSHAgentClient",
    "SSHChannel",
    "SSHClientTransport",
    "SSHCommandAddress",
    "SSHCommandClientEndpoint",
    "SSHConnection",
    "SSHUserAuthClient",
    "getNS",
]

_log = logging.getLogger("twistio.conch")


class AuthenticationFailed(Exception):
    """The SSH server refused every way we had to log in."""


class _ISSHConnectionCreator(Interface, Protocol):
    """How an endpoint gets its SSH connection: a new one, or one already made."""

    def secureConnection(self) -> Deferred[SSHConnection]:
        """A Deferred of a logged-in ``SSHConnection``."""

    def cleanupConnection(self, connection: SSHConnection, immediate: bool) -> None:
        """The command channel is done with ``connection``."""


@implementer(IAddress)
class SSHCommandAddress:
    """The address of a command's connection: ``server`` (its TCP address), ``username``,
    ``command``."""

    def __init__(self, server: Any, username: bytes, command: bytes) -> None:
        self.server = server
        self.username = username
        self.command = command

    def __repr__(self) -> str:
        return (f"SSHCommandAddress(server={self.server!r}, username={self.username!r}, "
                f"command={self.command!r})")


class _CommandChannel(SSHChannel):
    """The session channel running the command; the protocol's transport."""

    name = b"session"
    _log = Logger()

    def __init__(self, creator: Any, command: bytes, protocolFactory: Any,
                 commandConnected: Deferred[Any]) -> None:
        SSHChannel.__init__(self)
        self._creator = creator
        self._command = command
        self._protocolFactory = protocolFactory
        self._commandConnected = commandConnected
        self._reason: BaseException | None = None
        self._protocol: Any = None

    def openFailed(self, reason: Exception) -> None:
        if not self._commandConnected.called:
            self._commandConnected.errback(reason)

    def channelOpen(self, ignored: bytes) -> None:
        d = self.conn.sendRequest(self, b"exec", NS(self._command), wantReply=1)
        self._commandConnected.addErrback(self._cancelled)
        d.addCallbacks(self._execSuccess, self._execFailure)

    def _cancelled(self, reason: Failure) -> Failure:
        if reason.check(CancelledError):
            self.loseConnection()
        return reason

    def _execFailure(self, reason: Failure) -> None:
        if not self._commandConnected.called:
            self._commandConnected.errback(reason)

    def _execSuccess(self, ignored: object) -> None:
        if self._commandConnected.called:
            return
        peer = self.conn.transport.transport.getPeer()
        self._protocol = self._protocolFactory.buildProtocol(
            SSHCommandAddress(peer, self._creator.username, self._command))
        if self._protocol is None:
            self.loseConnection()
            self._commandConnected.errback(ConnectionDone("the factory made no protocol"))
            return
        self._protocol.makeConnection(self)
        self._commandConnected.callback(self._protocol)

    def dataReceived(self, data: bytes) -> None:
        if self._protocol is not None:
            self._protocol.dataReceived(data)

    def extReceived(self, dataType: int, data: bytes) -> None:
        _log.debug("command stderr: %r", data[:200])

    def request_exit_status(self, data: bytes) -> None:
        (status,) = struct.unpack(">L", data[:4])
        if status:
            self._reason = ProcessTerminated(status, None, None)

    def request_exit_signal(self, data: bytes) -> None:
        signame, rest = getNS(data)
        if rest:
            # RFC 4254 section 6.10: core dumped (bool), error message (UTF-8), language tag.
            message, language, _ = getNS(rest[1:], 2)
            self._log.info(
                "Process exited with signal {shortSignalName!r}; core dumped: {coreDumped}; "
                "error message: {errorMessage}; language: {languageTag!r}",
                shortSignalName=signame, coreDumped=bool(rest[0]),
                errorMessage=message.decode("utf-8", "replace"), languageTag=language)
        name = signame.decode("ascii", "replace").split("@")[0]
        signum = getattr(signal, "SIG" + name, None)
        self._reason = ProcessTerminated(None, int(signum) if signum is not None else None,
                                         None)

    def closed(self) -> None:
        if self._protocol is not None:
            reason = self._reason or ConnectionDone("ssh channel closed")
            protocol, self._protocol = self._protocol, None
            protocol.connectionLost(Failure(reason))
        elif not self._commandConnected.called:
            self._commandConnected.errback(ConnectionDone("ssh channel closed"))
        self._creator.cleanupConnection(self.conn, False)


class _ConnectionReady(SSHConnection):
    """The connection service, which tells the endpoint it is ready."""

    def __init__(self, ready: Deferred[Any]) -> None:
        SSHConnection.__init__(self)
        self._ready: Deferred[Any] | None = ready

    def serviceStarted(self) -> None:
        SSHConnection.serviceStarted(self)
        self.transport._state = b"RUNNING"
        ready, self._ready = self._ready, None
        if ready is not None:
            ready.callback(self)


class _UserAuth(SSHUserAuthClient):
    """Logs in with the agent's keys, then the endpoint's keys, then the password."""

    password: bytes | None = None
    keys: list[Key] | None = None
    agent: Any = None

    def __init__(self, user: bytes, instance: Any) -> None:
        SSHUserAuthClient.__init__(self, user, instance)
        self._key: Key | None = None
        self._from_agent = False

    def getPublicKey(self) -> Key | None:
        if self.agent is not None:
            key: Key | None = self.agent.getPublicKey()
            if key is not None:
                self._from_agent = True
                self._key = None
                return key
        self._from_agent = False
        if self.keys:
            self._key = self.keys.pop(0)
        else:
            self._key = None
        return self._key.public() if self._key is not None else None

    def signData(self, publicKey: Key, signData: bytes) -> Deferred[bytes] | None:
        if self._from_agent and self.agent is not None:
            flags = {b"rsa-sha2-256": 2, b"rsa-sha2-512": 4}.get(self._lastAlgorithm, 0)
            signature: Deferred[bytes] = self.agent.signData(publicKey.blob(), signData, flags)
            return signature
        return SSHUserAuthClient.signData(self, publicKey, signData)

    def getPrivateKey(self) -> Deferred[Key]:
        if self._key is None:
            return defer.fail(ValueError("no private key"))
        return defer.succeed(self._key)

    def getPassword(self, prompt: bytes | None = None) -> Deferred[bytes]:
        if self.password is None:
            return None  # type: ignore[return-value]
        password, self.password = self.password, None
        return defer.succeed(password)

    def getGenericAnswers(self, name: bytes, instruction: bytes,
                          prompts: list[tuple[bytes, bool]]) -> Deferred[list[bytes]]:
        if self._kbd_password is None or not prompts:
            return defer.fail(ValueError("no answers"))
        answers = [self._kbd_password for _ in prompts]
        self._kbd_password = None
        return defer.succeed(answers)

    _kbd_password: bytes | None = None

    def auth_keyboard_interactive(self) -> bool:
        """keyboard-interactive only to give the password, once."""
        if self._kbd_password is None:
            return False
        return SSHUserAuthClient.auth_keyboard_interactive(self)

    def connectToAgent(self, endpoint: Any) -> Deferred[Any]:
        factory = Factory.forProtocol(SSHAgentClient)
        d: Deferred[Any] = endpoint.connect(factory)

        def connected(agent: Any) -> Deferred[None]:
            self.agent = agent
            keys: Deferred[None] = agent.getPublicKeys()
            return keys

        return d.addCallback(connected)


class _CommandTransport(SSHClientTransport):
    """The client transport of a new connection: known_hosts check, then login."""

    transport: ConnectionTransport
    _state = b"STARTING"
    _hostKeyFailure: Failure | None = None
    _userauth: _UserAuth | None = None

    def __init__(self, creator: _NewConnectionHelper) -> None:
        self._creator = creator
        self.connectionReady: Deferred[Any] = Deferred()

    def connectionMade(self) -> None:
        """Prefer the host key types known_hosts has for this host (as OpenSSH does), so a
        server with several keys is checked against the one we know."""
        known: set[bytes] = set()
        try:
            for entry in self._creator.knownHosts.iterentries():
                if entry.keyType and entry.matchesHost(self._creator.hostname):
                    known.add(entry.keyType)
        except Exception:
            _log.exception("reading known hosts")
        if known:
            def family(algorithm: bytes) -> bytes:
                return b"ssh-rsa" if algorithm.startswith(b"rsa-sha2-") else algorithm

            self.supportedPublicKeys = sorted(
                self.supportedPublicKeys, key=lambda a: family(a) not in known)
        SSHClientTransport.connectionMade(self)

    def verifyHostKey(self, hostKey: bytes, fingerprint: bytes) -> Deferred[Any]:
        hostname = self._creator.hostname
        ip = str(cast("IPv4Address", self.transport.getPeer()).host).encode("ascii")
        self._state = b"SECURING"
        d: Deferred[Any] = self._creator.knownHosts.verifyHostKey(
            self._creator.ui, hostname, ip, Key.fromString(hostKey))
        d.addErrback(self._saveHostKeyFailure)
        return d

    def _saveHostKeyFailure(self, reason: Failure) -> Failure:
        self._hostKeyFailure = reason
        return reason

    def connectionSecure(self) -> None:
        self._state = b"AUTHENTICATING"
        command = _ConnectionReady(self.connectionReady)
        userauth = _UserAuth(self._creator.username, command)
        userauth.password = self._creator.password
        userauth._kbd_password = self._creator.password
        if self._creator.keys:
            userauth.keys = list(self._creator.keys)
        self._userauth = userauth
        if self._creator.agentEndpoint is not None:
            d = userauth.connectToAgent(self._creator.agentEndpoint)
        else:
            d = defer.succeed(None)

        def maybeGotAgent(ignored: object) -> None:
            self.requestService(userauth)

        d.addBoth(maybeGotAgent)

    def connectionLost(self, reason: Failure | None = None) -> None:
        SSHClientTransport.connectionLost(self, reason)
        if self._userauth is not None and self._userauth.agent is not None:
            agent_transport = self._userauth.agent.transport
            if agent_transport is not None:
                agent_transport.loseConnection()
        if self._state == b"RUNNING" or self.connectionReady.called:
            return
        if self._state == b"SECURING" and self._hostKeyFailure is not None:
            reason = self._hostKeyFailure
        elif self._state == b"AUTHENTICATING":
            reason = Failure(AuthenticationFailed("Connection lost while authenticating"))
        self.connectionReady.errback(reason or Failure(ConnectionDone()))


@implementer(_ISSHConnectionCreator)
class _NewConnectionHelper:
    """Makes a new SSH connection for each command, closed when the command ends.

    Without a ``ui``, questions about unknown host keys go to the terminal ``tty`` (a
    ``FilePath``, ``/dev/tty`` by default); where it cannot be opened the answer is "no".
    """

    # The known_hosts file read when none is given (``~`` expanded when read).
    _KNOWN_HOSTS = "~/.ssh/known_hosts"

    def __init__(self, reactor: Any, hostname: bytes, port: int, command: bytes,
                 username: bytes, keys: list[Key] | None, password: bytes | None,
                 agentEndpoint: Any, knownHosts: Any, ui: Any, tty: Any = None) -> None:
        self.reactor = reactor
        self.hostname, self.port = hostname, port  # the server
        self.command = command  # what it runs there
        # how we authenticate: as whom, then the keys, the agent, the password
        self.username, self.keys, self.agentEndpoint = username, keys, agentEndpoint
        self.password = password
        if knownHosts is None or isinstance(knownHosts, str):
            knownHosts = self._knownHosts(knownHosts)
        self.knownHosts = knownHosts
        self.tty = FilePath(b"/dev/tty") if tty is None else tty
        if ui is None:
            ui = ConsoleUI(self._opener)
        self.ui = ui

    def _opener(self) -> IO[bytes]:
        try:
            opened: IO[bytes] = self.tty.open("r+")
            return opened
        except OSError:
            return io.BytesIO(b"no")

    @classmethod
    def _knownHosts(cls, path: str | None = None) -> KnownHostsFile:
        """The known_hosts file at ``path`` (taken as it is), or the user's own
        (``~/.ssh/known_hosts``)."""
        if path is None:
            path = os.path.expanduser(cls._KNOWN_HOSTS)
        return KnownHostsFile.fromPath(FilePath(path))

    def secureConnection(self) -> Deferred[SSHConnection]:
        from twistio.internet.endpoints import HostnameEndpoint

        host = self.hostname.decode("utf-8") if isinstance(self.hostname, bytes) else \
            self.hostname
        endpoint = HostnameEndpoint(self.reactor, host, self.port)
        factory = Factory()
        factory.protocol = lambda: _CommandTransport(self)
        connecting = endpoint.connect(factory)
        transports: list[_CommandTransport] = []

        def cancel(d: Deferred[Any]) -> None:
            connecting.cancel()
            for t in transports:
                if t.transport is not None:
                    t.transport.abortConnection()

        result: Deferred[SSHConnection] = Deferred(cancel)

        def ready(outcome: Any) -> None:
            # Passed on unless the caller cancelled already (the connection is then being
            # aborted, and its outcome is of no interest).
            if not result.called:
                if isinstance(outcome, Failure):
                    result.errback(outcome)
                else:
                    result.callback(outcome)

        def connected(proto: _CommandTransport) -> None:
            transports.append(proto)
            proto.connectionReady.addBoth(ready)

        def failed(reason: Failure) -> None:
            if not result.called:
                result.errback(reason)

        connecting.addCallbacks(connected, failed)
        return result

    def cleanupConnection(self, connection: SSHConnection, immediate: bool) -> None:
        transport = connection.transport
        if transport is None:
            return
        if immediate:
            if transport.transport is not None:
                transport.transport.abortConnection()
        else:
            transport.loseConnection()


@implementer(_ISSHConnectionCreator)
class _ExistingConnectionHelper:
    """Runs commands on a connection someone else made and will close."""

    def __init__(self, connection: SSHConnection) -> None:
        self.connection = connection

    @property
    def username(self) -> bytes:
        """The user the connection logged in as, when it was made by a command endpoint."""
        transport = getattr(self.connection, "transport", None)
        name: bytes = getattr(getattr(transport, "_creator", None), "username", b"")
        return name

    def secureConnection(self) -> Deferred[SSHConnection]:
        return defer.succeed(self.connection)

    def cleanupConnection(self, connection: SSHConnection, immediate: bool) -> None:
        """The connection is not ours to close."""


@implementer(IStreamClientEndpoint)
class SSHCommandClientEndpoint:
    """An endpoint that runs ``command`` over SSH; see ``newConnection`` and
    ``existingConnection``."""

    def __init__(self, creator: Any, command: bytes) -> None:
        self._creator = creator
        self._command = command

    @classmethod
    def newConnection(cls, reactor: Any, command: bytes, username: bytes, hostname: bytes,
                      port: int | None = None, keys: list[Key] | None = None,
                      password: bytes | None = None, agentEndpoint: Any = None,
                      knownHosts: Any = None, ui: Any = None) -> SSHCommandClientEndpoint:
        """An endpoint making a new SSH connection to ``hostname`` for each ``connect``.

        Keys (and the agent at ``agentEndpoint``) are tried before ``password``; the host key
        is checked against ``knownHosts`` (default ``~/.ssh/known_hosts``), asking ``ui``
        (default: a console on ``/dev/tty``) about unknown hosts.
        """
        helper = _NewConnectionHelper(reactor, hostname, port or 22, command, username, keys,
                                      password, agentEndpoint, knownHosts, ui)
        return cls(helper, command)

    @classmethod
    def existingConnection(cls, connection: SSHConnection, command: bytes) -> SSHCommandClientEndpoint:
        """An endpoint running ``command`` on a new channel of ``connection``."""
        return cls(_ExistingConnectionHelper(connection), command)

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """A Deferred of the protocol, connected to the running command."""
        d: Deferred[Any] = self._creator.secureConnection()
        return d.addCallback(self._executeCommand, protocolFactory)

    def _executeCommand(self, connection: SSHConnection, protocolFactory: Any) -> Deferred[Any]:
        commandConnected: Deferred[Any] = Deferred()

        def disconnectOnFailure(passthrough: Failure) -> Failure:
            immediate = passthrough.check(CancelledError) is not None
            self._creator.cleanupConnection(connection, immediate)
            return passthrough

        commandConnected.addErrback(disconnectOnFailure)
        channel = _CommandChannel(self._creator, self._command, protocolFactory,
                                  commandConnected)
        connection.openChannel(channel)
        return commandConnected
