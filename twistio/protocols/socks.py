"""A SOCKS version 4 (and 4a) proxy server.

``SOCKSv4Factory(logfile)`` serves SOCKSv4: each client sends one request, CONNECT (the
proxy opens a connection to the destination with a ``SOCKSv4Outgoing``) or BIND (the proxy
listens for one connection from the destination, a ``SOCKSv4Incoming``), then bytes flow
both ways until either side closes. A SOCKSv4a request names the destination host instead
of its address; the proxy resolves it with ``reactor.resolve``.

    reactor.listenTCP(1080, SOCKSv4Factory(None))

Override ``authorize`` to refuse requests, ``connectClass`` and ``listenClass`` to change how
the proxy reaches destinations.
"""

from __future__ import annotations

import socket
import struct
import time
from typing import TYPE_CHECKING, Any, cast

from twistio.internet import defer, protocol
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from twistio.internet.address import IPv4Address

__all__ = [
    "SOCKSv4",
    "SOCKSv4Factory",
    "SOCKSv4Incoming",
    "SOCKSv4IncomingFactory",
    "SOCKSv4Outgoing",
]

_GRANTED = 90
_REJECTED = 91
_CONNECT = 1
_BIND = 2
_HEAD = struct.Struct("!BBH4s")  # version, command, port, address


def _hostOf(addr: Any) -> str:
    """The host of a Twisted address object, or of a ``(host, port)`` pair."""
    host = getattr(addr, "host", None)
    if host is None:
        host = addr[0]
    return str(host)


class _Relay(protocol.Protocol):
    """One end of the proxy's pairing with a destination: what the destination sends goes
    to the client (through the SOCKSv4 protocol), what the client sends comes out here, and
    either end closing closes the client's connection."""

    def __init__(self, socks: SOCKSv4) -> None:
        self.socks = socks

    def dataReceived(self, data: bytes) -> None:
        self.socks.write(data)

    def write(self, data: bytes) -> None:
        """Send ``data`` (from the client) to the destination."""
        self.socks.log(self, data)
        self.transport.write(data)

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.socks.transport.loseConnection()


class SOCKSv4Outgoing(_Relay):
    """The proxy's connection to a CONNECT request's destination."""

    def connectionMade(self) -> None:
        peer = cast("IPv4Address", self.transport.getPeer())
        self.socks.makeReply(_GRANTED, 0, port=peer.port, ip=peer.host)
        self.socks._paired(self)


class SOCKSv4Incoming(_Relay):
    """The connection a BIND request waited for, from its destination."""

    def __init__(self, socks: SOCKSv4) -> None:
        super().__init__(socks)
        socks._paired(self)

    def connectionMade(self) -> None:
        self.socks._paired(self)


class SOCKSv4(protocol.Protocol):
    """The server side of one SOCKSv4 client connection.

    ``logging``, when not ``None``, names a file to which each forwarded chunk is appended
    (a line with the time, the two ends and the direction, then the bytes in hexadecimal).
    ``reactor`` resolves SOCKSv4a host names and makes the outgoing connections and
    listening ports. ``buf`` holds request bytes not yet used; ``otherConn`` is the
    ``SOCKSv4Outgoing`` or ``SOCKSv4Incoming`` once the destination is connected.
    """

    def __init__(self, logging: str | None = None, reactor: Any = None) -> None:
        if reactor is None:
            from twistio.internet import reactor as globalReactor

            reactor = globalReactor
        self.logging = logging
        self.reactor = reactor
        self.buf = b""
        self.otherConn: SOCKSv4Outgoing | SOCKSv4Incoming | None = None
        self._requested = False

    def connectionMade(self) -> None:
        self.buf = b""
        self.otherConn = None
        self._requested = False

    def dataReceived(self, data: bytes) -> None:
        """Read the request, then pass everything on to the destination."""
        if self.otherConn is not None:
            self.otherConn.write(data)
            return
        self.buf += data
        if self._requested:
            return  # bytes sent ahead of the reply wait for the destination
        if self.buf[:1] not in (b"", b"\x04"):
            self.transport.loseConnection()  # not SOCKSv4: no reply it would understand
            return
        if len(self.buf) < _HEAD.size:
            return
        version, code, port, packed = _HEAD.unpack_from(self.buf)
        userEnd = self.buf.find(b"\x00", _HEAD.size)
        if userEnd < 0:
            return
        user = self.buf[_HEAD.size : userEnd]
        rest = self.buf[userEnd + 1 :]
        if packed[:3] == b"\x00\x00\x00" and packed[3] != 0:
            # SOCKSv4a: the host name follows the user id.
            hostEnd = rest.find(b"\x00")
            if hostEnd < 0:
                return
            host, rest = rest[:hostEnd], rest[hostEnd + 1 :]
            self._requested = True
            self.buf = rest
            resolving = self.reactor.resolve(host)
            resolving.addCallbacks(
                lambda server: self._dataReceived2(server, user, version, code, port),
                lambda failure: self.makeReply(_REJECTED),
            )
            return
        self._requested = True
        self.buf = rest
        self._dataReceived2(socket.inet_ntoa(packed), user, version, code, port)

    def _dataReceived2(self, server: str, user: bytes, version: int, code: int, port: int) -> None:
        """Carry out a request for ``server`` (an IPv4 address) and ``port``: check
        ``authorize``, then connect (``code`` 1) or listen (``code`` 2)."""
        if code not in (_CONNECT, _BIND) or not self.authorize(code, server, port, user):
            self.makeReply(_REJECTED)
            return
        if code == _CONNECT:
            d = self.connectClass(server, port, SOCKSv4Outgoing, self)
            d.addErrback(lambda failure: self.makeReply(_REJECTED))
        else:
            d = self.listenClass(0, SOCKSv4IncomingFactory, self, server)
            d.addCallbacks(
                lambda hostPort: self.makeReply(_GRANTED, 0, hostPort[1], hostPort[0]),
                lambda failure: self.makeReply(_REJECTED),
            )

    def _paired(self, other: SOCKSv4Outgoing | SOCKSv4Incoming) -> None:
        """The destination is connected (or about to be): forward what the client sent
        meanwhile, once ``other`` has its transport."""
        self.otherConn = other
        if other.transport is not None and self.buf:
            early, self.buf = self.buf, b""
            other.write(early)

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        other = self.otherConn
        if other is not None and other.transport is not None:
            other.transport.loseConnection()

    def authorize(self, code: int, server: str, port: int, user: bytes) -> bool:
        """Whether to carry out the request: ``code`` 1 (connect) or 2 (bind), for
        ``server`` and ``port``, from ``user``. Everything is allowed unless overridden."""
        return True

    def connectClass(self, host: str, port: int, klass: Any, *args: Any) -> defer.Deferred[Any]:
        """Connect to ``host`` and ``port`` with a ``klass(*args)`` protocol; fires with it."""
        creator = protocol.ClientCreator(self.reactor, klass, *args)
        return creator.connectTCP(host, port)

    def listenClass(self, port: int, klass: Any, *args: Any) -> defer.Deferred[Any]:
        """Listen on ``port`` (0: any) with the factory ``klass(*args)``; fires with the
        ``(host, port)`` listened on."""
        listening = self.reactor.listenTCP(port, klass(*args))
        address = listening.getHost()
        return defer.succeed((address.host, address.port))

    def makeReply(self, reply: int, version: int = 0, port: int = 0, ip: str = "0.0.0.0") -> None:
        """Send the reply code ``reply`` (90 granted, 91 rejected) with ``port`` and ``ip``;
        anything but 90 closes the connection."""
        self.transport.write(struct.pack("!BBH", version, reply, port) + socket.inet_aton(ip))
        if reply != _GRANTED:
            self.transport.loseConnection()

    def write(self, data: bytes) -> None:
        """Send ``data`` (from the destination) to the client."""
        self.log(self, data)
        self.transport.write(data)

    def log(self, proto: Any, data: bytes) -> None:
        """Append ``data`` to the log file, if there is one; ``proto`` is the side writing
        it (``self`` for bytes to the client)."""
        if not self.logging or self.otherConn is None:
            return
        client = cast("IPv4Address", self.transport.getPeer())
        remote = cast("IPv4Address", self.otherConn.transport.getPeer())
        arrow = "<" if proto is self else ">"
        lines = [f"{time.ctime()}\t{client.host}:{client.port} {arrow} {remote.host}:{remote.port}"]
        for start in range(0, len(data), 16):
            lines.append(" ".join(f"{octet:02X}" for octet in data[start : start + 16]))
        with open(self.logging, "a", encoding="ascii") as logfile:
            logfile.write("\n".join(lines) + "\n")


class SOCKSv4Factory(protocol.Factory):
    """Builds a ``SOCKSv4`` per client; ``log`` names the log file (or is ``None``)."""

    def __init__(self, log: str | None) -> None:
        self.logging = log

    def buildProtocol(self, addr: Any) -> SOCKSv4:
        return SOCKSv4(self.logging)


class SOCKSv4IncomingFactory(protocol.Factory):
    """Accepts the one connection a BIND request waits for, from ``ip``: the first
    connection from anywhere else fails the request instead."""

    def __init__(self, socks: SOCKSv4, ip: str) -> None:
        self.socks = socks
        self.ip = ip

    def buildProtocol(self, addr: Any) -> SOCKSv4Incoming | None:
        if not self.ip:
            return None  # the one connection came already
        expected, self.ip = self.ip, ""
        if _hostOf(addr) != expected:
            self.socks.makeReply(_REJECTED, 0)
            return None
        self.socks.makeReply(_GRANTED, 0)
        return SOCKSv4Incoming(self.socks)
