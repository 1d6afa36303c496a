"""TCP forwarding over SSH channels (RFC 4254 section 7): ``direct-tcpip`` and
``forwarded-tcpip``.

A server opts in by mapping ``avatar.channelLookup[b'direct-tcpip']`` to
``openConnectForwardingClient``: each such channel then connects to the host and port the
client names and relays bytes both ways. A client listening locally uses
``SSHListenForwardingFactory`` to open a ``direct-tcpip`` channel per accepted connection.
"""

from __future__ import annotations

import logging
import struct
from typing import Any

from twistio.conch.ssh import channel
from twistio.conch.ssh.common import NS, getNS
from twistio.internet import protocol
from twistio.internet.defer import CancelledError
from twistio.internet.endpoints import HostnameEndpoint, connectProtocol

__all__ = [
    "HostnameEndpoint",
    "SSHConnectForwardingChannel",
    "SSHForwardingClient",
    "SSHListenClientForwardingChannel",
    "SSHListenForwardingChannel",
    "SSHListenForwardingFactory",
    "SSHListenServerForwardingChannel",
    "connectProtocol",
    "openConnectForwardingClient",
    "packGlobal_tcpip_forward",
    "packOpen_direct_tcpip",
    "packOpen_forwarded_tcpip",
    "unpackGlobal_tcpip_forward",
    "unpackOpen_direct_tcpip",
    "unpackOpen_forwarded_tcpip",
]

_log = logging.getLogger("twistio.conch")
# What a forwarding channel holds for its peer before the connection is up.
_MAX_EARLY_BYTES = 4 * 1024 * 1024


class SSHListenForwardingFactory(protocol.Factory):
    """Accepts local connections and opens a channel of ``klass`` to ``hostport`` for each."""

    def __init__(self, connection: Any, hostport: tuple[Any, int], klass: Any) -> None:
        self.conn = connection
        self.hostport = hostport
        self.klass = klass

    def buildProtocol(self, addr: Any) -> SSHForwardingClient:
        ch = self.klass(conn=self.conn)
        client = SSHForwardingClient(ch)
        ch.client = client
        origin = (getattr(addr, "host", "127.0.0.1"), getattr(addr, "port", 0))
        self.conn.openChannel(ch, packOpen_direct_tcpip(self.hostport, origin))
        return client


class SSHListenForwardingChannel(channel.SSHChannel):
    """The channel of a locally accepted connection: relays between it and the peer."""

    client: Any = None
    _is_open = False

    def channelOpen(self, specificData: bytes) -> None:
        _log.debug("opened forwarding channel %s", self.id)
        self._is_open = True
        early = getattr(self.client, "buf", b"")
        if early:
            self.client.buf = b""
            self.write(early)

    def openFailed(self, reason: Exception) -> None:
        self.closed()

    def dataReceived(self, data: bytes) -> None:
        if self.client is not None and self.client.transport is not None:
            self.client.transport.write(data)

    def eofReceived(self) -> None:
        if self.client is not None and self.client.transport is not None:
            self.client.transport.loseConnection()

    def closed(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.transport is not None:
            client.transport.loseConnection()


class SSHListenClientForwardingChannel(SSHListenForwardingChannel):
    """A client's ``direct-tcpip`` channel (``ssh -L``)."""

    name = b"direct-tcpip"


class SSHListenServerForwardingChannel(SSHListenForwardingChannel):
    """A server's ``forwarded-tcpip`` channel (``ssh -R``)."""

    name = b"forwarded-tcpip"


class SSHConnectForwardingChannel(channel.SSHChannel):
    """A server's ``direct-tcpip`` channel: connects to ``hostport`` and relays."""

    _reactor: Any = None

    def __init__(self, hostport: tuple[Any, int], *args: Any, **kw: Any) -> None:
        channel.SSHChannel.__init__(self, *args, **kw)
        self.hostport = hostport
        self.client: SSHForwardingClient | None = None
        self.clientBuf = b""
        self._eof_early = False

    def channelOpen(self, specificData: bytes) -> None:
        host, port = self.hostport
        if isinstance(host, bytes):
            host = host.decode("utf-8")
        _log.debug("connecting forwarding channel %s to %s:%s", self.id, host, port)
        reactor = self._reactor
        if reactor is None:
            from twistio.internet import reactor
        d = connectProtocol(HostnameEndpoint(reactor, host, int(port)), SSHForwardingClient(self))
        # The connection attempt (Twisted's name): cancelled if the channel closes first.
        self._channelOpenDeferred: Any = d
        d.addCallbacks(self._setClient, self._close)

    def _setClient(self, client: SSHForwardingClient) -> None:
        self.client = client
        if self.clientBuf:
            client.transport.write(self.clientBuf)
            self.clientBuf = b""
        if self._eof_early:
            client.transport.loseConnection()

    def _close(self, reason: Any) -> None:
        if getattr(reason, "check", lambda *a: None)(CancelledError):
            return  # the channel closed before the connection was made
        _log.info("forwarding connection to %s failed: %s", self.hostport,
                  getattr(reason, "getErrorMessage", lambda: reason)())
        self.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        if self.client is not None:
            self.client.transport.write(data)
            return
        self.clientBuf += data
        if len(self.clientBuf) > _MAX_EARLY_BYTES:
            self.clientBuf = b""
            self.loseConnection()

    def eofReceived(self) -> None:
        if self.client is not None:
            self.client.transport.loseConnection()
        else:
            self._eof_early = True

    def closed(self) -> None:
        pending = getattr(self, "_channelOpenDeferred", None)
        if pending is not None and not pending.called:
            pending.cancel()
        client, self.client = self.client, None
        if client is not None:
            client.channel = None
            if client.transport is not None:
                client.transport.loseConnection()


class SSHForwardingClient(protocol.Protocol):
    """The TCP side of a forwarding channel."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        self.buf = b""

    def dataReceived(self, data: bytes) -> None:
        if self.channel is None:
            return
        if isinstance(self.channel, SSHListenForwardingChannel) and not self.channel._is_open:
            self.buf += data  # the peer has not confirmed the channel yet
            if len(self.buf) > _MAX_EARLY_BYTES and self.transport is not None:
                self.transport.loseConnection()
            return
        self.channel.write(data)

    def connectionLost(self, reason: Any = None) -> None:
        ch, self.channel = self.channel, None
        if ch is not None:
            ch.loseConnection()


def openConnectForwardingClient(remoteWindow: int, remoteMaxPacket: int, data: bytes,
                                avatar: Any) -> SSHConnectForwardingChannel:
    """The channel for a ``direct-tcpip`` open request (use it in ``channelLookup``)."""
    destination = unpackOpen_direct_tcpip(data)[0]
    return SSHConnectForwardingChannel(destination, remoteWindow=remoteWindow,
                                       remoteMaxPacket=remoteMaxPacket, avatar=avatar)


def _pack_address(address: tuple[Any, int]) -> bytes:
    host, port = address
    return NS(host) + struct.pack(">L", port)


def _unpack_address(data: bytes) -> tuple[tuple[str, int], bytes]:
    host, rest = getNS(data)
    (port,) = struct.unpack(">L", rest[:4])
    return (host.decode("utf-8"), port), rest[4:]


def packOpen_direct_tcpip(destination: tuple[Any, int], source: tuple[Any, int]) -> bytes:
    """The data of a ``direct-tcpip`` open: where to connect, and where from."""
    return _pack_address(destination) + _pack_address(source)


packOpen_forwarded_tcpip = packOpen_direct_tcpip


def unpackOpen_direct_tcpip(data: bytes) -> tuple[tuple[str, int], tuple[str, int]]:
    """((host, port) to connect to, (host, port) it came from)."""
    destination, rest = _unpack_address(data)
    source, _ = _unpack_address(rest)
    return destination, source


unpackOpen_forwarded_tcpip = unpackOpen_direct_tcpip


def packGlobal_tcpip_forward(peer: tuple[Any, int]) -> bytes:
    """The data of a ``tcpip-forward`` global request."""
    return _pack_address(peer)


def unpackGlobal_tcpip_forward(data: bytes) -> tuple[str, int]:
    """(host, port) of a ``tcpip-forward`` global request."""
    return _unpack_address(data)[0]
