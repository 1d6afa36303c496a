"""Using an ssh-agent from an SSH client, and forwarding it to the server."""

from __future__ import annotations

import logging
import os
from typing import Any

from twistio.conch.ssh import agent, channel, keys
from twistio.internet import protocol
from twistio.internet.defer import Deferred

__all__ = ["SSHAgentClient", "SSHAgentForwardingChannel", "SSHAgentForwardingLocal"]

_log = logging.getLogger("twistio.conch")


class SSHAgentClient(agent.SSHAgentClient):
    """An agent client that hands out the agent's public keys one by one."""

    def __init__(self) -> None:
        agent.SSHAgentClient.__init__(self)
        self.blobs: list[bytes] = []

    def getPublicKeys(self) -> Deferred[None]:
        """Fetch the agent's public keys."""
        return self.requestIdentities().addCallback(self._cbPublicKeys)

    def _cbPublicKeys(self, blobcomm: list[tuple[bytes, bytes]]) -> None:
        _log.debug("got %d public keys from the agent", len(blobcomm))
        self.blobs = [blob for blob, _ in blobcomm]

    def getPublicKey(self) -> keys.Key | None:
        """The next key from the agent, or None."""
        while self.blobs:
            try:
                return keys.Key.fromString(self.blobs.pop(0))
            except keys.BadKeyError:
                continue
        return None


class SSHAgentForwardingChannel(channel.SSHChannel):
    """The server's ``auth-agent@openssh.com`` channel, relayed to our local agent."""

    def channelOpen(self, specificData: bytes) -> None:
        from twistio.internet import reactor
        from twistio.internet.endpoints import UNIXClientEndpoint, connectProtocol

        self.buf = b""
        self.local: Any = None
        socket = os.environ.get("SSH_AUTH_SOCK")
        if not socket:
            self.loseConnection()
            return
        d = connectProtocol(UNIXClientEndpoint(reactor, socket), SSHAgentForwardingLocal())
        d.addCallbacks(self._cbGotLocal, lambda _: self.loseConnection())

    def _cbGotLocal(self, local: Any) -> None:
        self.local = local
        local.channel = self
        if self.buf:
            local.transport.write(self.buf)
            self.buf = b""

    def dataReceived(self, data: bytes) -> None:
        if self.local is not None:
            self.local.transport.write(data)
        else:
            self.buf += data

    def closed(self) -> None:
        if self.local is not None:
            self.local.loseConnection()
            self.local = None


class SSHAgentForwardingLocal(protocol.Protocol):
    """The connection to the local agent, relaying to the forwarding channel."""

    channel: Any = None

    def dataReceived(self, data: bytes) -> None:
        if self.channel is not None:
            self.channel.write(data)

    def connectionLost(self, reason: Any = None) -> None:
        if self.channel is not None:
            self.channel.loseConnection()
            self.channel = None

    def loseConnection(self) -> None:
        if self.transport is not None:
            self.transport.loseConnection()
