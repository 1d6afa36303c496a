"""Terminal programs (a manhole, any insults protocol) served over SSH.

``TerminalRealm`` gives each user a ``TerminalUser`` whose ``session`` channel runs
``chainedProtocolFactory()`` (an insults ``ServerProtocol``, by default without a terminal
protocol: set ``chainedProtocolFactory`` to one that builds your ``Manhole``) on the pty the
client asked for; ``ConchFactory`` is an ``SSHFactory`` for it (give it host keys)::

    realm = manhole_ssh.TerminalRealm()
    realm.chainedProtocolFactory = lambda: insults.ServerProtocol(manhole.ColoredManhole, ns)
    factory = manhole_ssh.ConchFactory(portal.Portal(realm, [checker]))
    factory.publicKeys = {b"ssh-ed25519": hostKey.public()}
    factory.privateKeys = {b"ssh-ed25519": hostKey}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twistio.conch import avatar, error, interfaces
from twistio.conch._adapt import adapt
from twistio.conch.insults import insults
from twistio.conch.ssh import factory, session
from twistio.internet.interfaces import implementer
from twistio.python import components

__all__ = ["ConchFactory", "TerminalRealm", "TerminalSession", "TerminalSessionTransport",
           "TerminalUser"]


class _Glue:
    """An object made of the given attributes (a transport made of two functions)."""

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"{self.__dict__.get('name', '_Glue')} has no attribute {name}")


class TerminalSessionTransport:
    """Joins a session's process protocol and the terminal protocol running in it.

    What the client types goes to ``chainedProtocol.dataReceived``; what the terminal
    protocol writes goes to the client; either side closing closes the session. The
    terminal protocol learns the window size at once.
    """

    def __init__(self, proto: Any, chainedProtocol: Any, avatar: Any, width: int,
                 height: int) -> None:
        self.proto = proto
        self.avatar = avatar
        self.chainedProtocol = chainedProtocol
        channel = proto.session

        def closeChannel() -> None:
            avatar.conn.sendClose(channel)

        proto.makeConnection(_Glue(write=chainedProtocol.dataReceived,
                                   loseConnection=closeChannel, name="SSH session input"))
        chainedProtocol.makeConnection(_Glue(write=proto.write,
                                             writeSequence=proto.writeSequence,
                                             loseConnection=proto.loseConnection,
                                             getPeer=proto.getPeer, getHost=proto.getHost,
                                             name="terminal output"))
        chainedProtocol.terminalProtocol.terminalSize(width, height)


@implementer(interfaces.ISession)
class TerminalSession(components.Adapter):
    """The ``ISession`` of a ``TerminalUser``: a pty and a shell, no commands."""

    transportFactory: Callable[..., Any] = TerminalSessionTransport
    chainedProtocolFactory: Callable[..., Any] = insults.ServerProtocol

    width, height = 80, 24
    _transport: TerminalSessionTransport | None = None

    def getPty(self, term: bytes, windowSize: tuple[int, ...], attrs: Any) -> None:
        """Remember the window: (rows, columns, x pixels, y pixels)."""
        self.height, self.width = windowSize[0], windowSize[1]

    def openShell(self, proto: Any) -> None:
        user = adapt(interfaces.IConchUser, self.original)
        self._transport = self.transportFactory(proto, self.chainedProtocolFactory(), user,
                                                self.width, self.height)

    def execCommand(self, proto: Any, cmd: bytes) -> None:
        raise error.ConchError("Cannot execute commands")

    def windowChanged(self, newWindowSize: tuple[int, ...]) -> None:
        self.height, self.width = newWindowSize[0], newWindowSize[1]
        transport = self._transport
        terminal = getattr(getattr(transport, "chainedProtocol", None), "terminalProtocol",
                           None)
        if terminal is not None:
            terminal.terminalSize(self.width, self.height)

    def eofReceived(self) -> None:
        """The client sends no more: close the terminal."""
        transport = self._transport
        if transport is not None:
            transport.chainedProtocol.loseConnection()

    def closed(self) -> None:
        """The channel closed: the terminal protocol learns the connection is gone."""
        transport, self._transport = self._transport, None
        if transport is not None:
            from twistio.internet import error as ierror
            from twistio.python.failure import Failure

            transport.chainedProtocol.connectionLost(Failure(ierror.ConnectionDone()))


class TerminalUser(avatar.ConchUser, components.Adapter):
    """An SSH user of a ``TerminalRealm``: may open ``session`` channels."""

    def __init__(self, original: Any, avatarId: bytes) -> None:
        components.Adapter.__init__(self, original)
        avatar.ConchUser.__init__(self)
        self.avatarId = avatarId
        self.channelLookup[b"session"] = session.SSHSession


class TerminalRealm:
    """A realm whose avatars are ``TerminalUser``s running ``chainedProtocolFactory()``."""

    userFactory: Callable[..., Any] = TerminalUser
    sessionFactory: Callable[..., Any] = TerminalSession
    transportFactory: Callable[..., Any] = TerminalSessionTransport
    chainedProtocolFactory: Callable[..., Any] = insults.ServerProtocol

    def __init__(self, transportFactory: Callable[..., Any] | None = None) -> None:
        if transportFactory is not None:
            self.transportFactory = transportFactory

    def _getAvatar(self, avatarId: bytes) -> Any:
        # The user and its session are two components of one object, so that
        # ISession(user) finds the session.
        whole = components.Componentized()
        user = self.userFactory(whole, avatarId)
        terminalSession = self.sessionFactory(whole)
        terminalSession.transportFactory = self.transportFactory
        terminalSession.chainedProtocolFactory = self.chainedProtocolFactory
        for iface, component in ((interfaces.IConchUser, user),
                                 (interfaces.ISession, terminalSession)):
            whole.setComponent(iface, component)
        return user

    def requestAvatar(self, avatarId: bytes, mind: Any, *interfaces_: Any) -> Any:
        for iface in interfaces_:
            if iface is interfaces.IConchUser:
                return interfaces.IConchUser, self._getAvatar(avatarId), lambda: None
        raise NotImplementedError(f"no avatar for {interfaces_!r}")


class ConchFactory(factory.SSHFactory):
    """An ``SSHFactory`` for a portal; set ``publicKeys`` and ``privateKeys`` (host keys)."""

    publicKeys: dict[bytes, Any] = {}
    privateKeys: dict[bytes, Any] = {}

    def __init__(self, portal: Any) -> None:
        self.portal = portal
        # Each factory its own (Conch's share the class's dicts).
        self.publicKeys = dict(type(self).publicKeys)
        self.privateKeys = dict(type(self).privateKeys)
