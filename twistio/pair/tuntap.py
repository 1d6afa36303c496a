"""Linux TUN/TAP tunnel devices as listening ports, read on the asyncio loop.

``TuntapPort(b"tap0", EthernetProtocol())`` opens ``/dev/net/tun`` and attaches to the
named device in TAP mode (Ethernet frames; a protocol providing ``IEthernetProtocol``), or
in TUN mode (IP packets) for any other ``IRawPacketProtocol``. ``startListening`` hands the
tunnel's descriptor to the reactor's ``addReader`` — on twistio's reactor that is the
asyncio loop's ``add_reader``, so frames are read when the kernel has them, never by
polling — and every frame read is given to the protocol's ``datagramReceived``. ``write``
sends one frame. Opening a device needs ``CAP_NET_ADMIN``; tests use
``twistio.pair.testing.MemoryIOSystem`` (the ``system`` argument) instead.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import warnings
from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

from twistio.internet import abstract, error
from twistio.internet.defer import Deferred, succeed
from twistio.internet.interfaces import IAddress, IListeningPort, Interface, implementer
from twistio.pair import ethernet, raw
from twistio.pair._flags import FlagConstant, Flags
from twistio.python import log
from twistio.python.failure import Failure
from twistio.python.reflect import fullyQualifiedName
from twistio.python.util import FancyEqMixin, FancyStrMixin

__all__ = ["TunnelAddress", "TunnelFlags", "TuntapPort"]

# From <linux/if.h> and <linux/if_tun.h>.
_IFNAMSIZ = 16
_TUNSETIFF = 0x400454CA  # _IOW('T', 202, int)
_TUNGETIFF = 0x800454D2  # _IOR('T', 210, unsigned int)
_TUN_KO_PATH = b"/dev/net/tun"

# The request TUNSETIFF takes (and gives back): the interface name, then the flags.
_IFREQ = struct.Struct(f"{_IFNAMSIZ}sH")


class TunnelFlags(Flags):
    """The flags of a tunnel device (``TUNSETIFF``'s ``ifr_flags``, see the kernel's
    Documentation/networking/tuntap). ``IFF_TUN`` carries IP packets and ``IFF_TAP``
    Ethernet frames (one or the other); ``IFF_NO_PI`` leaves out the 4-byte packet
    information header that otherwise precedes every frame read or written."""

    IFF_TUN = FlagConstant(1 << 0)
    IFF_TAP = FlagConstant(1 << 1)
    TUN_FASYNC = FlagConstant(1 << 4)
    TUN_NOCHECKSUM = FlagConstant(1 << 5)
    TUN_NO_PI = FlagConstant(1 << 6)
    TUN_ONE_QUEUE = FlagConstant(1 << 7)
    TUN_PERSIST = FlagConstant(1 << 8)
    TUN_VNET_HDR = FlagConstant(1 << 9)
    IFF_NO_PI = FlagConstant(1 << 12)
    IFF_ONE_QUEUE = FlagConstant(1 << 13)
    IFF_VNET_HDR = FlagConstant(1 << 14)
    IFF_TUN_EXCL = FlagConstant(1 << 15)


class _TunnelDescription(NamedTuple):
    """An open tunnel: its descriptor and the name the kernel gave the device."""

    fileno: int
    name: bytes


class _IInputOutputSystem(Interface, Protocol):
    """The few operating system calls ``TuntapPort`` makes (``os`` and ``fcntl``'s), so that
    an in-memory system can stand in for the real one."""

    O_RDWR: int
    O_NONBLOCK: int
    O_CLOEXEC: int

    def open(self, filename: bytes, flag: int, mode: int = 0o777) -> int:
        """As ``os.open``."""

    def ioctl(self, fd: int, opt: int, arg: Any = None, mutate_flag: Any = None) -> Any:
        """As ``fcntl.ioctl``."""

    def read(self, fd: int, limit: int) -> bytes:
        """As ``os.read``."""

    def write(self, fd: int, data: bytes) -> int:
        """As ``os.write``."""

    def close(self, fd: int) -> None:
        """As ``os.close``."""

    def sendUDP(self, datagram: bytes, address: tuple[bytes, int]) -> tuple[Any, int]:
        """Send ``datagram`` as a UDP payload to ``address`` (host, port) over the network
        the tunnel belongs to; the (host, port) it was sent from."""

    def receiveUDP(self, fileno: int, host: bytes, port: int) -> Any:
        """A socket-like object whose ``recv`` gives the UDP payloads sent to (``host``,
        ``port``) through the tunnel ``fileno``."""


class _RealSystem:
    """The operating system itself: ``os``'s and ``fcntl``'s calls (``TuntapPort``'s
    default; ``sendUDP``/``receiveUDP`` are left to the code that tests real devices)."""

    O_RDWR, O_NONBLOCK, O_CLOEXEC = os.O_RDWR, os.O_NONBLOCK, os.O_CLOEXEC

    def open(self, filename: bytes, flag: int, mode: int = 0o777) -> int:
        """``os.open``."""
        return os.open(filename, flag, mode)

    def ioctl(self, fd: int, opt: int, arg: Any = 0, mutate_flag: bool = True) -> Any:
        """``fcntl.ioctl``."""
        return fcntl.ioctl(fd, opt, arg, mutate_flag)

    def read(self, fd: int, limit: int) -> bytes:
        """``os.read``."""
        return os.read(fd, limit)

    def write(self, fd: int, data: bytes) -> int:
        """``os.write``."""
        return os.write(fd, data)

    def close(self, fd: int) -> None:
        """``os.close``."""
        os.close(fd)


def _describe_type(flags: FlagConstant) -> str:
    return flags.name


@implementer(IAddress)
class TunnelAddress(FancyStrMixin, FancyEqMixin):
    """The address of a ``TuntapPort``: the tunnel's ``type`` (``TunnelFlags.IFF_TUN`` or
    ``IFF_TAP``) and its device ``name`` (bytes). Two addresses are equal when both
    type values and names are."""

    compareAttributes = ("_typeValue", "name")
    showAttributes = (("type", _describe_type), "name")

    def __init__(self, type: FlagConstant, name: bytes | str) -> None:
        self.type = type
        self.name = name

    @property
    def _typeValue(self) -> int:
        # Flag constants compare by identity; their values are what identify a type.
        return self.type.value

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, index: int) -> Any:
        """``address[0]`` is ``"TUNTAP"`` and ``address[1]`` the name (deprecated)."""
        warnings.warn(
            "TunnelAddress.__getitem__ is deprecated since Twisted 14.0.0  Use attributes instead.",
            category=DeprecationWarning,
            stacklevel=2,
        )
        return ("TUNTAP", self.name)[index]


@implementer(IListeningPort)
class TuntapPort(abstract.FileDescriptor):
    """Reads and writes the frames of one TUN/TAP device for ``proto``.

    ``proto`` provides ``IEthernetProtocol`` (a TAP device, Ethernet frames) or
    ``IRawPacketProtocol`` (a TUN device, IP packets). ``maxPacketSize`` is the most read
    of one frame (the rest of a longer one is lost); one readiness event reads frames
    until the device has no more or ``maxThroughput`` bytes have been read, so that one
    busy tunnel does not starve the loop. ``system`` replaces the operating system calls
    (``twistio.pair.testing.MemoryIOSystem`` in tests).
    """

    maxThroughput = 256 * 1024

    def __init__(
        self,
        interface: bytes | str,
        proto: Any,
        maxPacketSize: int = 8192,
        reactor: Any = None,
        system: Any = None,
    ) -> None:
        if ethernet.IEthernetProtocol.providedBy(proto):
            self.ethernet = 1
            self._mode = TunnelFlags.IFF_TAP
        elif raw.IRawPacketProtocol.providedBy(proto):
            self.ethernet = 0
            self._mode = TunnelFlags.IFF_TUN
        else:
            raise TypeError(
                f"{proto!r} provides neither IEthernetProtocol (for a TAP device) nor "
                "IRawPacketProtocol (for a TUN device)"
            )
        super().__init__(reactor)
        self._system: Any = _RealSystem() if system is None else system
        self.interface = interface
        self.protocol = proto
        self.maxPacketSize = maxPacketSize
        self.logstr = f"{type(proto).__name__} ({self._mode.name})"
        self._fileno = -1
        self._stopping: list[Deferred[None]] | None = None

    def __repr__(self) -> str:
        state = "listening" if self.connected else "not listening"
        return (
            f"<{fullyQualifiedName(type(self.protocol))} {state} on "
            f"{self._mode.name}/{self.interface!r}>"
        )

    def logPrefix(self) -> str:
        """The protocol's class name and the tunnel type: ``"EthernetProtocol (IFF_TAP)"``."""
        return self.logstr

    def fileno(self) -> int:
        """The tunnel's descriptor (-1 when not listening)."""
        return self._fileno

    def getHost(self) -> TunnelAddress:
        """The tunnel's type and the name of its device."""
        return TunnelAddress(self._mode, self.interface)

    # -- starting and stopping -------------------------------------------------------------

    def _openTunnel(self, name: bytes | str, mode: FlagConstant) -> _TunnelDescription:
        if isinstance(name, str):
            name = name.encode("ascii")  # device names are ASCII; Twisted's example passes str
        system = self._system
        fd = system.open(_TUN_KO_PATH, system.O_RDWR | system.O_CLOEXEC | system.O_NONBLOCK)
        try:
            answer = system.ioctl(fd, _TUNSETIFF, _IFREQ.pack(name, mode.value))
        except BaseException:
            system.close(fd)
            raise
        given = bytes(answer[:_IFNAMSIZ]).split(b"\x00", 1)[0]
        return _TunnelDescription(fd, given)

    def startListening(self) -> None:
        """Open the device and start reading it; ``CannotListenError`` when the device
        cannot be opened or configured (no ``/dev/net/tun``, no permission ...)."""
        if self.connected:
            raise RuntimeError(f"{self!r} is already listening")
        try:
            tunnel = self._openTunnel(self.interface, self._mode | TunnelFlags.IFF_NO_PI)
        except OSError as e:
            raise error.CannotListenError(None, self.interface, e) from e  # type: ignore[arg-type]
        self._fileno, self.interface = tunnel
        self.connected = 1
        self.disconnected = 0
        self.disconnecting = 0
        log.msg(f"{fullyQualifiedName(type(self.protocol))} listening on tunnel {self.interface!r}")
        self.protocol.makeConnection(self)
        self.startReading()

    def stopListening(self) -> Deferred[None]:
        """Stop reading now and close the device at the next turn of the loop; the
        Deferred fires (with None) once it is closed, at once when not listening."""
        self.stopReading()
        if not self.connected:
            return succeed(None)
        done: Deferred[None] = Deferred()
        if self._stopping is None:
            self._stopping = []
            self.disconnecting = 1
            reactor: Any = self.reactor
            reactor.callLater(0, self.connectionLost)
        self._stopping.append(done)
        return done

    def loseConnection(self, _connDone: Failure | None = None) -> None:
        """Deprecated (Twisted 14.0.0): ``stopListening``."""
        warnings.warn(
            "twisted.pair.tuntap.TuntapPort.loseConnection was deprecated in Twisted "
            "14.0.0; please use twisted.pair.tuntap.TuntapPort.stopListening instead",
            category=DeprecationWarning,
            stacklevel=2,
        )
        self.stopListening()

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Close the device and stop the protocol (``stopListening`` gets here)."""
        if self._fileno == -1 and not self.connected:
            return
        log.msg(f"Tunnel {self.interface!r} closed")
        super().connectionLost(reason if reason is not None else Failure(error.ConnectionDone()))
        fileno, self._fileno = self._fileno, -1
        try:
            self.protocol.doStop()
        finally:
            self.connected = 0
            self._system.close(fileno)
            waiting, self._stopping = self._stopping or [], None
            for done in waiting:
                done.callback(None)

    # -- reading and writing ---------------------------------------------------------------

    def doRead(self) -> None:
        """Read the frames waiting (up to ``maxThroughput`` bytes) and give each to the
        protocol; an exception from the protocol is logged and the next frame read."""
        taken = 0
        while taken < self.maxThroughput:
            try:
                data = self._system.read(self._fileno, self.maxPacketSize)
            except OSError as e:
                if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                    return
                raise
            if not data:
                return
            taken += len(data)
            try:
                self.protocol.datagramReceived(data, partial=0)
            except Exception:
                log.err(
                    None,
                    f"Unhandled exception from "
                    f"{fullyQualifiedName(type(self.protocol))}.datagramReceived",
                )

    def write(self, datagram: bytes) -> int:  # type: ignore[override]
        """Write ``datagram`` as one frame (again when a signal interrupts the call)."""
        while True:
            try:
                written: int = self._system.write(self._fileno, datagram)
            except InterruptedError:
                continue
            except OSError as e:
                if e.errno == errno.EINTR:
                    continue
                raise
            return written

    def writeSequence(self, seq: Iterable[bytes]) -> int:  # type: ignore[override]
        """Write the concatenation of ``seq`` as one frame."""
        return self.write(b"".join(seq))
