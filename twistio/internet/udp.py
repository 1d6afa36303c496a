"""UDP: ``listenUDP`` and ``listenMulticast`` ports for ``DatagramProtocol``.

How datagrams are read depends on the loop. asyncio's own datagram transport reads one
datagram per loop iteration, several times slower than Twisted's port, so on selector loops
(a working ``add_reader``) a port reads in batches: up to ``maxDatagramsPerRead`` ``recvfrom``
calls per readiness event, so that one busy socket cannot starve the rest of the loop. This is
the one sanctioned use of ``add_reader`` in twistio. On uvloop (whose endpoint is already fast)
and on loops without ``add_reader`` (Windows' Proactor) the port runs on
``loop.create_datagram_endpoint(sock=...)``.

Either way the socket is bound when ``listenUDP`` returns (``CannotListenError`` there, and
``getHost().port`` known at once) and the protocol is started (``startProtocol``) before that.

Differences from Twisted: a datagram that cannot be sent because the socket's send buffer
is full is dropped (Twisted raises ``BlockingIOError`` out of ``write``; UDP may lose a
datagram anywhere, and few protocols handle that exception). ``stopListening`` on a port that
is not listening returns an already-fired Deferred rather than None, as twistio's TCP port does.
IPv6 multicast interfaces are interface indexes (or names), as the socket API wants.
"""

from __future__ import annotations

import asyncio
import contextvars
import errno
import logging
import os
import socket
import struct
from collections.abc import Callable, Iterable
from typing import Union

from twistio.internet import error
from twistio.internet._registry import ITwistioReactor, installed_reactor
from twistio.internet.abstract import isIPAddress, isIPv6Address
from twistio.internet.address import IPv4Address, IPv6Address
from twistio.internet.defer import Deferred, fail, succeed
from twistio.internet.interfaces import (
    IListeningPort,
    ILoggingContext,
    IMulticastTransport,
    ISystemHandle,
    IUDPTransport,
    implementer,
)
from twistio.internet.protocol import DatagramProtocol
from twistio.python import context as _context
from twistio.python import log as _python_log
from twistio.python.log import ILogContext

__all__ = ["MulticastPort", "Port"]

_log = logging.getLogger("twistio")
_selector_loop_type = asyncio.selector_events.BaseSelectorEventLoop
_HOSTS_CACHE_MAX = 4096

#: An IP socket address: ``(host, port)``, or IPv6's ``(host, port, flowinfo, scope_id)``.
_Addr = tuple[str, int] | tuple[str, int, int, int]
_Received = Callable[[bytes, _Addr], None]


def _log_prefix(obj: object) -> str:
    prefix = getattr(obj, "logPrefix", None)
    return str(prefix()) if prefix is not None else type(obj).__name__


class _EndpointAdapter(asyncio.DatagramProtocol):
    """The asyncio side of a port running on ``create_datagram_endpoint``."""

    def __init__(self, port: Port, received: _Received) -> None:
        self._port = port
        # Bound before the transport exists: uvloop looks the method up once.
        self.datagram_received = received  # type: ignore[method-assign,assignment]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._port._transport_made(transport)  # type: ignore[arg-type]

    def error_received(self, exc: Exception) -> None:
        self._port._error_received(exc)

    def connection_lost(self, exc: BaseException | None) -> None:
        pass


@implementer(IUDPTransport, IListeningPort, ISystemHandle, ILoggingContext)
class Port:
    """A UDP port: the transport a ``DatagramProtocol`` writes to.

    ``write(datagram, addr)`` sends to an ``(ip, port)`` pair (IP address literals only, as in
    Twisted); after ``connect(host, port)`` it is ``write(datagram)`` and an ICMP refusal
    calls the protocol's ``connectionRefused``. Received IPv6 addresses are ``(host, port)``.
    """

    addressFamily: socket.AddressFamily = socket.AF_INET
    socketType = socket.SOCK_DGRAM
    maxDatagramsPerRead = 64
    connected = 0
    _realPortNumber: int | None = None
    _connectedAddr: tuple[str, int] | None = None
    _transport: asyncio.DatagramTransport | None = None
    _task: asyncio.Task[object] | None = None
    _reading = False
    _batched = False
    _stop_d: Deferred[None] | None = None

    def __init__(
        self,
        port: int,
        proto: DatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        reactor: ITwistioReactor | None = None,
    ) -> None:
        if reactor is None:
            reactor = installed_reactor()
        self.port, self.protocol, self.interface = port, proto, interface
        self.maxPacketSize, self.reactor = maxPacketSize, reactor
        self._hosts_ok: set[str] = set()
        if isIPv6Address(interface):
            self.addressFamily = socket.AF_INET6
        elif isIPAddress(interface):
            self.addressFamily = socket.AF_INET
        elif interface:
            raise error.InvalidAddressError(interface, "not an IPv4 or IPv6 address.")
        self._sendto: Callable[[bytes, _Addr], object] = self._no_socket
        self.logstr = f"{_log_prefix(proto)} (UDP)"

    @staticmethod
    def _no_socket(data: bytes, addr: _Addr) -> None:
        raise RuntimeError("the UDP port is not listening")

    # -- starting ------------------------------------------------------------------------------

    def createInternetSocket(self) -> socket.socket:
        """A non-blocking datagram socket of this port's family."""
        sock = socket.socket(self.addressFamily, self.socketType)
        sock.setblocking(False)
        return sock

    def startListening(self) -> None:
        """Bind now (``CannotListenError`` on failure), start the protocol, then read."""
        try:
            sock = self.createInternetSocket()
        except OSError as e:
            raise error.CannotListenError(self.interface, self.port, e) from e
        try:
            sock.bind((self.interface, self.port))
        except OSError as e:
            sock.close()
            raise error.CannotListenError(self.interface, self.port, e) from e
        self._serve(sock)

    @classmethod
    def from_listening_descriptor(
        cls,
        reactor: ITwistioReactor,
        fileDescriptor: int,
        addressFamily: int,
        protocol: DatagramProtocol,
        maxPacketSize: int = 8192,
    ) -> Port:
        """A port serving a duplicate of a bound datagram socket (``adoptDatagramPort``)."""
        if addressFamily not in (socket.AF_INET, socket.AF_INET6):
            raise error.UnsupportedAddressFamily(addressFamily)
        sock = socket.socket(addressFamily, socket.SOCK_DGRAM, fileno=os.dup(fileDescriptor))
        sock.setblocking(False)
        host = sock.getsockname()
        port = cls(host[1], protocol, host[0], maxPacketSize, reactor)
        port._serve(sock)
        return port

    def _serve(self, sock: socket.socket) -> None:
        self.socket = sock
        self._realPortNumber = sock.getsockname()[1]
        _python_log.msg(f"{_log_prefix(self.protocol)} starting on {self._realPortNumber}")
        self.connected = 1
        self._sendto = sock.sendto
        registry = self.reactor.transport_registry
        self._loop = loop = registry.get_loop()
        registry.ports.add(self)
        self.protocol.makeConnection(self)
        if self.connected:
            self._start_reading(loop, sock)

    def _start_reading(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        # What the reading schedules copies this context: the port is the log context
        # (``system``) of every datagramReceived, as in Twisted, at no cost per datagram.
        contextvars.copy_context().run(self._start_reading_in_context, loop, sock)

    def _start_reading_in_context(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket
    ) -> None:
        _context.enter_context({ILogContext: {"system": self.logstr}})
        self._reading = True
        if isinstance(loop, _selector_loop_type):
            try:
                loop.add_reader(sock.fileno(), self._read_ready)
            except (NotImplementedError, RuntimeError):
                pass
            else:
                self._batched = True
                return
        received: _Received = self.protocol.datagramReceived
        if self.addressFamily == socket.AF_INET6:
            inner = received

            def received(data: bytes, addr: _Addr) -> None:
                inner(data, addr[:2])

        adapter = _EndpointAdapter(self, received)
        self._task = loop.create_task(loop.create_datagram_endpoint(lambda: adapter, sock=sock))
        self._task.add_done_callback(self._endpoint_done)

    def _endpoint_done(self, task: asyncio.Task[object]) -> None:
        if not task.cancelled() and task.exception() is not None:
            _log.error("UDP port %s could not start reading: %s", self._realPortNumber,
                       task.exception())

    def _transport_made(self, transport: asyncio.DatagramTransport) -> None:
        if not self._reading:
            transport.close()
            return
        self._transport = transport
        self._task = None
        self._sendto = transport.sendto

    # -- reading (selector loops) -----------------------------------------------------------------

    def _read_ready(self) -> None:
        recvfrom = self.socket.recvfrom
        size = self.maxPacketSize
        received = self.protocol.datagramReceived
        v6 = self.addressFamily == socket.AF_INET6
        for _ in range(self.maxDatagramsPerRead):
            try:
                data, addr = recvfrom(size)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                if self._connectedAddr is not None:
                    self._refused()
                return
            except OSError as e:
                _log.error("UDP port %s: recvfrom failed: %s", self._realPortNumber, e)
                return
            if v6:
                addr = addr[:2]
            try:
                received(data, addr)
            except BaseException:
                _log.exception("Unhandled error in %s.datagramReceived", _log_prefix(self.protocol))
            if not self._reading:
                return

    def _error_received(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError):
            if self._connectedAddr is not None:
                self._refused()
            return
        if isinstance(exc, OSError):
            _log.error("UDP port %s: %s", self._realPortNumber, exc)
        else:
            # uvloop reports an exception raised by datagramReceived here.
            _log.error("Unhandled error in %s.datagramReceived",
                       _log_prefix(self.protocol), exc_info=exc)

    def _refused(self) -> None:
        try:
            self.protocol.connectionRefused()
        except BaseException:
            _log.exception("Unhandled error in %s.connectionRefused", _log_prefix(self.protocol))

    # -- writing ---------------------------------------------------------------------------

    def write(self, datagram: bytes, addr: tuple[str, int] | None = None) -> None:
        """Send ``datagram`` to ``addr`` (an IP literal and port), or to the connected peer."""
        if self._connectedAddr is not None:
            if addr is not None and addr != self._connectedAddr:
                raise ValueError(f"connected to {self._connectedAddr}, cannot write to {addr}")
            self._send_connected(datagram)
            return
        if addr is None:
            raise ValueError("write() needs an address on a port that is not connected")
        host = addr[0]
        if host not in self._hosts_ok:
            self._check_host(host)
        try:
            self._sendto(datagram, addr)
        except (BlockingIOError, InterruptedError):
            pass  # send buffer full: dropped, like a datagram lost on the way
        except OSError as e:
            if e.errno == errno.EMSGSIZE:
                raise error.MessageLengthError("message too long") from e
            if e.errno != errno.ECONNREFUSED:
                raise

    def _check_host(self, host: str) -> None:
        v6 = self.addressFamily == socket.AF_INET6
        if isIPv6Address(host):
            if not v6:
                raise error.InvalidAddressError(host, "IPv4 port write() called with IPv6 address")
        elif isIPAddress(host) or host == "<broadcast>":
            if v6:
                raise error.InvalidAddressError(
                    host, "IPv6 port write() called with IPv4 or broadcast address"
                )
        else:
            raise error.InvalidAddressError(
                host, "write() only accepts IP addresses, not hostnames"
            )
        if len(self._hosts_ok) >= _HOSTS_CACHE_MAX:
            self._hosts_ok.clear()
        self._hosts_ok.add(host)

    def _send_connected(self, datagram: bytes) -> None:
        try:
            self.socket.send(datagram)
        except (BlockingIOError, InterruptedError):
            pass
        except ConnectionRefusedError:
            self._refused()
        except OSError as e:
            if e.errno == errno.EMSGSIZE:
                raise error.MessageLengthError("message too long") from e
            raise

    def writeSequence(self, seq: Iterable[bytes], addr: tuple[str, int] | None = None) -> None:
        """Send the concatenation of ``seq`` as one datagram."""
        self.write(b"".join(seq), addr)

    def connect(self, host: str, port: int) -> None:
        """Connect to ``host:port`` (an IP literal): ``write(data)`` then needs no address."""
        if self._connectedAddr is not None:
            raise RuntimeError("already connected, reconnecting is not currently supported")
        if not isIPAddress(host) and not isIPv6Address(host):
            raise error.InvalidAddressError(host, "not an IPv4 or IPv6 address.")
        self._connectedAddr = (host, port)
        self.socket.connect((host, port))

    # -- stopping ---------------------------------------------------------------------------

    def stopListening(self) -> Deferred[None]:
        """Stop reading; the Deferred fires after the protocol's ``doStop``, socket closed."""
        if not self.connected:
            return succeed(None)
        self._stop_reading()
        d: Deferred[None] = Deferred()
        self._stop_d = d
        self._loop.call_soon(self._connection_lost)
        return d

    def loseConnection(self) -> None:
        """Same as ``stopListening`` (Twisted deprecates this spelling)."""
        self.stopListening()

    def _stop_reading(self) -> None:
        if not self._reading:
            return
        self._reading = False
        if self._batched:
            self._batched = False
            try:
                self._loop.remove_reader(self.socket.fileno())
            except (ValueError, OSError):
                pass

    def _connection_lost(self) -> None:
        if not self.connected:
            return
        self.connected = 0
        self.reactor.transport_registry.ports.discard(self)
        _python_log.msg(f"(UDP Port {self._realPortNumber} Closed)")
        self._realPortNumber = None
        self._sendto = self._no_socket
        transport = self._transport
        self._transport = None
        task = self._task
        self._task = None
        if task is not None:
            task.cancel()
        try:
            self.protocol.doStop()
        finally:
            if transport is not None:
                transport.close()
            self.socket.close()
            d = self._stop_d
            self._stop_d = None
            if d is not None:
                d.callback(None)

    def shutdown_now(self) -> None:
        """Stop now, calling ``doStop`` at once (reactor shutdown)."""
        if self.connected:
            self._stop_reading()
            self._connection_lost()

    # -- the rest of the transport ------------------------------------------------------------

    def getHost(self) -> Union[IPv4Address, IPv6Address]:
        """The bound address, type ``'UDP'``."""
        addr = self.socket.getsockname()
        if self.addressFamily == socket.AF_INET6:
            return IPv6Address("UDP", addr[0], addr[1])
        return IPv4Address("UDP", addr[0], addr[1])

    def getHandle(self) -> socket.socket:
        """The socket."""
        return self.socket

    def fileno(self) -> int:
        """The socket's file descriptor."""
        return self.socket.fileno()

    def setBroadcastAllowed(self, enabled: bool) -> None:
        """Allow or forbid sending to broadcast addresses (forbidden by default)."""
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, int(enabled))

    def getBroadcastAllowed(self) -> bool:
        """Whether sending to broadcast addresses is allowed."""
        return bool(self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST))

    def logPrefix(self) -> str:
        """The protocol's log prefix, then ``(UDP)``."""
        return self.logstr

    def __repr__(self) -> str:
        if self._realPortNumber is not None:
            return f"<{type(self.protocol)} on {self._realPortNumber}>"
        return f"<{type(self.protocol)} not connected>"


def _maybe_resolve(reactor: ITwistioReactor, addr: str) -> Deferred[str]:
    if isIPAddress(addr) or isIPv6Address(addr):
        return succeed(addr)
    d: Deferred[str] = reactor.resolve(addr)
    return d


@implementer(IMulticastTransport)
class MulticastPort(Port):
    """A UDP port that can join multicast groups; ``listenMultiple`` shares the port."""

    def __init__(
        self,
        port: int,
        proto: DatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        reactor: ITwistioReactor | None = None,
        listenMultiple: bool = False,
    ) -> None:
        super().__init__(port, proto, interface, maxPacketSize, reactor)
        self.listenMultiple = listenMultiple

    def createInternetSocket(self) -> socket.socket:
        """The socket, sharing its port (``SO_REUSEADDR``/``SO_REUSEPORT``) if asked to."""
        sock = super().createInternetSocket()
        if not self.listenMultiple:
            return sock
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        reuse_port = getattr(socket, "SO_REUSEPORT", None)
        try:
            if reuse_port is not None:
                sock.setsockopt(socket.SOL_SOCKET, reuse_port, 1)
        except OSError as e:
            if e.errno != errno.ENOPROTOOPT:  # a kernel without it: SO_REUSEADDR must do
                raise
        return sock

    @property
    def _v6(self) -> bool:
        return self.addressFamily == socket.AF_INET6

    def _pack(self, addr: str) -> bytes:
        try:
            return socket.inet_pton(self.addressFamily, addr)
        except (OSError, ValueError):
            family = socket.AddressFamily(self.addressFamily).name
            raise error.MulticastJoinError(f"invalid address literal for {family}: {addr!r}")

    def _ifindex(self, interface: Union[str, int]) -> int:
        if isinstance(interface, int):
            return interface
        if interface in ("", "::"):
            return 0
        try:
            return socket.if_nametoindex(interface)
        except OSError as e:
            raise error.MulticastJoinError(f"unknown interface {interface!r}") from e

    def getLoopbackMode(self) -> bool:
        """Whether this host's own multicast datagrams are looped back to it."""
        if self._v6:
            return bool(self.socket.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP))
        return bool(self.socket.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP))

    def setLoopbackMode(self, mode: int) -> None:
        """Loop this host's own multicast datagrams back to it (on by default), or not."""
        if self._v6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, int(bool(mode)))
        else:
            self.socket.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, int(bool(mode)))

    def getTTL(self) -> int:
        """The time-to-live of outgoing multicast datagrams."""
        if self._v6:
            return self.socket.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS)
        return self.socket.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL)

    def setTTL(self, ttl: int) -> None:
        """Set the time-to-live of outgoing multicast datagrams."""
        if self._v6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ttl)
        else:
            self.socket.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, struct.pack("B", ttl))

    def getOutgoingInterface(self) -> Union[str, int]:
        """The interface multicast is sent from: an address (IPv4) or an index (IPv6)."""
        if self._v6:
            return self.socket.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF)
        raw = self.socket.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, 4)
        return socket.inet_ntop(socket.AF_INET, raw)

    def setOutgoingInterface(self, addr: Union[str, int]) -> Deferred[int]:
        """Send multicast from ``addr`` (IPv4: an address or name; IPv6: an index or name)."""
        if self._v6:
            try:
                index = self._ifindex(addr)
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
            except BaseException as e:
                return fail(e)
            return succeed(1)
        assert isinstance(addr, str), "IPv4 interfaces are given as addresses"

        def set_if(resolved: str) -> int:
            self.socket.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, self._pack(resolved))
            return 1

        return _maybe_resolve(self.reactor, addr).addCallback(set_if)

    def _join_leave(self, addr: str, interface: Union[str, int], join: bool) -> Deferred[None]:
        def apply(group: str) -> None:
            if self._v6:
                option = socket.IPV6_JOIN_GROUP if join else socket.IPV6_LEAVE_GROUP
                mreq = self._pack(group) + struct.pack("@I", self._ifindex(interface))
                level = socket.IPPROTO_IPV6
            else:
                option = socket.IP_ADD_MEMBERSHIP if join else socket.IP_DROP_MEMBERSHIP
                iface = interface if isinstance(interface, str) and interface else "0.0.0.0"
                if not isIPAddress(iface):
                    raise error.MulticastJoinError(addr, interface, "not an IPv4 address")
                mreq = self._pack(group) + self._pack(iface)
                level = socket.IPPROTO_IP
            try:
                self.socket.setsockopt(level, option, mreq)
            except OSError as e:
                raise error.MulticastJoinError(addr, interface, *e.args) from e

        return _maybe_resolve(self.reactor, addr).addCallback(apply)

    def joinGroup(self, addr: str, interface: Union[str, int] = "") -> Deferred[None]:
        """Join multicast group ``addr``; fails with ``MulticastJoinError``."""
        return self._join_leave(addr, interface, True)

    def leaveGroup(self, addr: str, interface: Union[str, int] = "") -> Deferred[None]:
        """Leave multicast group ``addr``; fails with ``MulticastJoinError``."""
        return self._join_leave(addr, interface, False)

