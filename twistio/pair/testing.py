"""An in-memory stand-in for the operating system calls of ``twistio.pair.tuntap``.

``MemoryIOSystem`` has ``open``, ``ioctl``, ``read``, ``write`` and ``close`` working on
in-memory devices (register ``Tunnel`` under ``Tunnel._DEVICE_NAME`` to get a fake
``/dev/net/tun``), so ``TuntapPort(name, proto, system=MemoryIOSystem())`` runs without a
real tunnel, root or any change to the machine's network. ``sendUDP`` puts a UDP datagram
into the tunnel as if it came from the network, and ``receiveUDP`` reads back the ones the
application wrote. ``_H``, ``_ethernet``, ``_ip`` and ``_udp`` build the packets.
"""

from __future__ import annotations

import os
import socket
import struct
from collections import deque
from collections.abc import Callable
from errno import EAGAIN, EBADF, EINTR, EINVAL, ENETUNREACH, ENOBUFS, ENOSYS, EPERM, EWOULDBLOCK
from functools import wraps
from typing import Any, TypeVar

from twistio.internet.interfaces import implementer
from twistio.pair.ethernet import EthernetHeader
from twistio.pair.ip import IPHeader
from twistio.pair.rawudp import UDPHeader
from twistio.pair.tuntap import _IFNAMSIZ, _TUNSETIFF, TunnelFlags, _IInputOutputSystem

__all__ = [
    "EAGAIN",
    "EBADF",
    "EINTR",
    "EINVAL",
    "ENOBUFS",
    "ENOSYS",
    "EPERM",
    "EWOULDBLOCK",
    "MemoryIOSystem",
    "Tunnel",
]

_F = TypeVar("_F", bound=Callable[..., Any])

#: The EtherType of IPv4.
_IPv4 = 0x0800
#: The size of the packet information header (2 bytes of flags, 2 of EtherType).
_PI_SIZE = 4
_IFREQ = struct.Struct(f"{_IFNAMSIZ}sH")
_BROADCAST = b"\xff" * 6
_NOBODY = b"\x00" * 6


def _H(n: int) -> bytes:
    """``n`` as two bytes, most significant first (it must fit in 16 bits)."""
    return struct.pack("!H", n)


def _ethernet(src: bytes, dst: bytes, protocol: int, payload: bytes) -> bytes:
    """An Ethernet frame from ``src`` to ``dst`` (6-byte addresses) carrying ``payload``
    of EtherType ``protocol``."""
    return b"".join([dst, src, _H(protocol), payload])


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\x00"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _address(dotted: bytes | str) -> bytes:
    if isinstance(dotted, bytes):
        dotted = dotted.decode("ascii")
    return socket.inet_aton(dotted)


def _ip(src: bytes | str, dst: bytes | str, payload: bytes) -> bytes:
    """An IPv4 packet carrying the UDP datagram ``payload`` from ``src`` to ``dst``
    (dotted quads, bytes or str): no options, TTL 64, identification 1, checksummed."""
    ttl, ident, udp = 64, 1, 17
    fields = [0x45, 0, 20 + len(payload), ident, 0, ttl, udp]
    head = struct.pack("!BBHHHBB", *fields)
    addresses = _address(src) + _address(dst)
    check = _checksum(head + b"\x00\x00" + addresses)
    return head + _H(check) + addresses + payload


def _udp(src: int, dst: int, payload: bytes) -> bytes:
    """A UDP datagram from port ``src`` to port ``dst`` (no checksum: zero)."""
    return struct.pack("!HHHH", src, dst, 8 + len(payload), 0) + payload


def _pi_header(frame: bytes, tap: bool) -> bytes:
    """The packet information header the kernel puts before ``frame``: no flags, and the
    EtherType of what the frame carries."""
    if tap:
        kind = struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
    else:
        version = frame[0] >> 4 if frame else 0
        kind = {4: _IPv4, 6: 0x86DD}.get(version, 0)
    return _H(0) + _H(kind)


class Tunnel:
    """An in-memory TUN or TAP device, as one descriptor of a ``MemoryIOSystem`` sees it.

    ``readBuffer`` holds what the "network" sent (``read`` takes one frame at a time),
    ``writeBuffer`` what the application wrote. A write fails once with ``EINTR`` per
    entry in ``pendingSignals``, and with ``ENOBUFS`` when larger than
    ``SEND_BUFFER_SIZE``. Reading an empty non-blocking tunnel raises
    ``nonBlockingExceptionStyle`` (``EAGAIN_STYLE``, ``EWOULDBLOCK_STYLE`` or
    ``EINTR_STYLE``). ``ioctl(TUNSETIFF)`` on the system fills in ``tunnelMode`` (the flags'
    value), ``requestedName`` (the 16-byte field asked) and ``name`` (the device's name).
    """

    _DEVICE_NAME = b"/dev/net/tun"

    EAGAIN_STYLE = BlockingIOError(EAGAIN, "Resource temporarily unavailable")
    EWOULDBLOCK_STYLE = BlockingIOError(EWOULDBLOCK, "Operation would block")
    EINTR_STYLE = InterruptedError(EINTR, "Interrupted function call")
    nonBlockingExceptionStyle: BaseException = EAGAIN_STYLE

    SEND_BUFFER_SIZE = 1024

    def __init__(self, system: Any, openFlags: int, fileMode: Any) -> None:
        self.system = system
        self.openFlags = openFlags
        self.tunnelMode: int | None = None
        self.requestedName: bytes | None = None
        self.name: bytes | None = None
        self.readBuffer: deque[bytes] = deque()
        self.writeBuffer: deque[bytes] = deque()
        self.pendingSignals: deque[int] = deque()

    @property
    def blocking(self) -> bool:
        """Whether the descriptor was opened without ``O_NONBLOCK``."""
        return not self.openFlags & self.system.O_NONBLOCK

    @property
    def closeOnExec(self) -> bool:
        """Whether the descriptor was opened with ``O_CLOEXEC``."""
        return bool(self.openFlags & self.system.O_CLOEXEC)

    def _has(self, flag: Any) -> bool:
        return bool((self.tunnelMode or 0) & flag.value)

    def addToReadBuffer(self, datagram: bytes) -> None:
        """Queue the IPv4 packet ``datagram`` for ``read`` (in an Ethernet frame, broadcast,
        on a TAP tunnel)."""
        if self._has(TunnelFlags.IFF_TAP):
            datagram = _ethernet(src=_NOBODY, dst=_BROADCAST, protocol=_IPv4, payload=datagram)
        self.readBuffer.append(datagram)

    def read(self, limit: int) -> bytes:
        """The next frame, cut to ``limit`` bytes (after the packet information header
        unless ``IFF_NO_PI``); ``NotImplementedError`` for a blocking read of an empty
        tunnel (it would never return)."""
        if not self.readBuffer:
            if self.blocking:
                raise NotImplementedError("a blocking read of an empty in-memory tunnel")
            raise self.nonBlockingExceptionStyle
        frame = self.readBuffer.popleft()
        if not self._has(TunnelFlags.IFF_NO_PI):
            frame = _pi_header(frame, self._has(TunnelFlags.IFF_TAP)) + frame
        return frame[:limit]

    def write(self, datagram: bytes) -> int:
        """Queue ``datagram`` in ``writeBuffer``; its length."""
        if self.pendingSignals:
            self.pendingSignals.popleft()
            raise InterruptedError(EINTR, os.strerror(EINTR))
        if len(datagram) > self.SEND_BUFFER_SIZE:
            raise OSError(ENOBUFS, os.strerror(ENOBUFS))
        self.writeBuffer.append(datagram)
        return len(datagram)


def _privileged(original: _F) -> _F:
    """Make the ``MemoryIOSystem`` method ``original`` fail with ``EPERM`` unless its name
    is in the system's ``permissions``."""

    @wraps(original)
    def checked(self: MemoryIOSystem, *args: Any, **kwargs: Any) -> Any:
        if original.__name__ not in self.permissions:
            raise PermissionError(EPERM, os.strerror(EPERM))
        return original(self, *args, **kwargs)

    return checked  # type: ignore[return-value]


class _FakePort:
    """What ``MemoryIOSystem.receiveUDP`` gives: ``recv`` returns the payload of the next
    UDP datagram the application wrote to the tunnel (to ``host``:``port`` when given)."""

    def __init__(
        self, system: MemoryIOSystem, fileno: int, host: Any = None, port: int | None = None
    ) -> None:
        self._system = system
        self._fileno = fileno
        self._host = host.decode("ascii") if isinstance(host, bytes) else host
        self._port = port

    def recv(self, nbytes: int) -> bytes:
        """The next payload, cut to ``nbytes``; ``BlockingIOError`` when none is waiting."""
        tunnel = self._system._fileFor(self._fileno)
        while tunnel.writeBuffer:
            found = self._parse(tunnel, tunnel.writeBuffer.popleft())
            if found is not None:
                return found[:nbytes]
        raise BlockingIOError(EAGAIN, os.strerror(EAGAIN))

    def _parse(self, tunnel: Tunnel, frame: bytes) -> bytes | None:
        """The UDP payload of ``frame`` when it is addressed here, else None."""
        if not tunnel._has(TunnelFlags.IFF_NO_PI):
            frame = frame[_PI_SIZE:]
        try:
            if tunnel._has(TunnelFlags.IFF_TAP):
                if EthernetHeader(frame).proto != _IPv4:
                    return None
                frame = frame[14:]
            packet = IPHeader(frame)
            udp = UDPHeader(frame[20:])
        except struct.error:
            return None  # too short to carry a UDP datagram
        if packet.protocol != 17:
            return None
        if self._host is not None and packet.daddr != self._host:
            return None
        if self._port is not None and udp.dest != self._port:
            return None
        return frame[28:]


@implementer(_IInputOutputSystem)
class MemoryIOSystem:
    """Descriptors over in-memory devices; see the module's description.

    ``permissions`` names the privileged calls allowed (``open`` and ``ioctl``): take one
    out to have it fail with ``EPERM``. Descriptors are numbered from 8192 up.
    """

    _counter = 8192

    O_RDWR = 1 << 0
    O_NONBLOCK = 1 << 1
    O_CLOEXEC = 1 << 2

    def __init__(self) -> None:
        self._devices: dict[bytes, Callable[..., Any]] = {}
        self._openFiles: dict[int, Any] = {}
        self.permissions = {"open", "ioctl"}

    def _fileFor(self, fd: int) -> Any:
        try:
            return self._openFiles[fd]
        except KeyError:
            raise OSError(EBADF, os.strerror(EBADF)) from None

    def getTunnel(self, port: Any) -> Tunnel:
        """The ``Tunnel`` a ``TuntapPort`` using this system opened."""
        tunnel: Tunnel = self._openFiles[port.fileno()]
        return tunnel

    def registerSpecialDevice(self, name: bytes, cls: Callable[..., Any]) -> None:
        """Have ``open(name, ...)`` make ``cls(system, flags, mode)``."""
        self._devices[name] = cls

    @_privileged
    def open(self, name: bytes, flags: int, mode: Any = None) -> int:
        """A new descriptor of the device registered as ``name``; ``ENOSYS`` for any
        other path."""
        try:
            device = self._devices[name]
        except KeyError:
            raise OSError(ENOSYS, os.strerror(ENOSYS)) from None
        fd = self._counter
        self._counter += 1
        self._openFiles[fd] = device(self, flags, mode)
        return fd

    def read(self, fd: int, limit: int) -> bytes:
        """As ``os.read``."""
        data: bytes = self._fileFor(fd).read(limit)
        return data

    def write(self, fd: int, data: bytes) -> int:
        """As ``os.write``."""
        written: int = self._fileFor(fd).write(data)
        return written

    def close(self, fd: int) -> None:
        """As ``os.close``."""
        self._fileFor(fd)
        del self._openFiles[fd]

    @_privileged
    def ioctl(self, fd: int, request: int, args: bytes) -> bytes:
        """``TUNSETIFF`` (the only request known): configure the tunnel from the packed
        name and flags; the request back with the name the device got (a ``%d`` in the
        name asked becomes the first free number). ``EINVAL`` for anything else."""
        tunnel = self._fileFor(fd)
        try:
            if request != _TUNSETIFF:
                raise ValueError(request)
            requested, mode = _IFREQ.unpack(args)
        except (ValueError, struct.error):
            raise OSError(EINVAL, "Request or args is not valid.") from None
        name = requested.split(b"\x00", 1)[0]
        if not name:
            name = b"tap%d" if mode & TunnelFlags.IFF_TAP.value else b"tun%d"
        if b"%d" in name:
            taken = {getattr(f, "name", None) for f in self._openFiles.values()}
            number = 0
            while name.replace(b"%d", b"%d" % number) in taken:
                number += 1
            name = name.replace(b"%d", b"%d" % number)
        tunnel.tunnelMode = mode
        tunnel.requestedName = requested
        tunnel.name = name[:_IFNAMSIZ]
        return _IFREQ.pack(tunnel.name, mode)

    def sendUDP(self, datagram: bytes, address: tuple[Any, int]) -> tuple[str, int]:
        """Deliver ``datagram`` as the payload of a UDP datagram to ``address`` (host,
        port) through the first tunnel open; the (host, port) it came from.
        ``ENETUNREACH`` when no tunnel is open."""
        tunnels = [f for f in self._openFiles.values() if isinstance(f, Tunnel)]
        if not tunnels:
            raise OSError(ENETUNREACH, os.strerror(ENETUNREACH))
        source = ("10.0.0.1", 50000)
        host, port = address
        packet = _ip(
            src=source[0], dst=host, payload=_udp(src=source[1], dst=port, payload=datagram)
        )
        tunnels[0].addToReadBuffer(packet)
        return source

    def receiveUDP(self, fileno: int, host: bytes, port: int) -> _FakePort:
        """A socket-like object whose ``recv`` gives the payloads of the UDP datagrams
        written to the tunnel ``fileno`` for ``host``:``port``."""
        return _FakePort(self, fileno, host, port)
