"""twistio.pair.tuntap and twistio.pair.testing: TuntapPort on the in-memory tunnel system
(no real device is opened), on the asyncio loop through the reactor's addReader, and the
packet builders and flags compared with Twisted's where it is installed."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import warnings
from collections import deque
from importlib import import_module
from typing import Any

import pytest

from twistio.internet import error
from twistio.internet.interfaces import IAddress, IListeningPort, implementer
from twistio.internet.protocol import AbstractDatagramProtocol
from twistio.internet.task import Clock
from twistio.pair import raw, testing, tuntap
from twistio.pair.ethernet import EthernetProtocol
from twistio.pair.testing import MemoryIOSystem, Tunnel
from twistio.pair.tuntap import TunnelAddress, TunnelFlags, TuntapPort
from twistio.python import log

F = TunnelFlags


class FDSetClock(Clock):
    """A clock that records the descriptors given to addReader/addWriter."""

    def __init__(self) -> None:
        super().__init__()
        self.readers: set[Any] = set()
        self.writers: set[Any] = set()

    def addReader(self, reader: Any) -> None:
        self.readers.add(reader)

    def removeReader(self, reader: Any) -> None:
        self.readers.discard(reader)

    def addWriter(self, writer: Any) -> None:
        self.writers.add(writer)

    def removeWriter(self, writer: Any) -> None:
        self.writers.discard(writer)


@implementer(raw.IRawPacketProtocol)
class Packets(AbstractDatagramProtocol):
    """Records the IP packets a TUN port reads."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, int]] = []
        self.fail = False

    def addProto(self, num: int, proto: Any) -> None:
        pass

    def datagramReceived(self, data: bytes, partial: int = 0, **kwargs: Any) -> None:  # type: ignore[override]
        if self.fail:
            raise ValueError("broken protocol")
        self.received.append((data, partial))


class Frames(EthernetProtocol):
    """Records the Ethernet frames a TAP port reads."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[bytes] = []

    def datagramReceived(self, data: bytes, partial: int = 0) -> None:
        self.received.append(data)


def memory_system() -> MemoryIOSystem:
    system = MemoryIOSystem()
    system.registerSpecialDevice(Tunnel._DEVICE_NAME, Tunnel)
    return system


def make_port(proto: Any, name: bytes = b"tun0", **kwargs: Any) -> tuple[Any, Any, Any]:
    system, clock = memory_system(), FDSetClock()
    return TuntapPort(name, proto, reactor=clock, system=system, **kwargs), system, clock


# -- TuntapPort on the in-memory system ----------------------------------------------------


def test_tun_port_opens_configures_and_reads() -> None:
    proto = Packets()
    port, system, clock = make_port(proto)
    assert repr(port).endswith(" not listening on IFF_TUN/b'tun0'>")
    port.startListening()
    tunnel = system.getTunnel(port)
    assert tunnel.openFlags == system.O_RDWR | system.O_NONBLOCK | system.O_CLOEXEC
    assert not tunnel.blocking and tunnel.closeOnExec
    assert tunnel.requestedName == b"tun0" + b"\x00" * 12
    assert tunnel.tunnelMode == (F.IFF_TUN | F.IFF_NO_PI).value
    assert port.connected and proto.transport is port and port in clock.readers
    assert repr(port) == "<tests.pair.test_tuntap.Packets listening on IFF_TUN/b'tun0'>"
    assert port.logPrefix() == "Packets (IFF_TUN)"
    assert port.getHost() == TunnelAddress(F.IFF_TUN, b"tun0")
    tunnel.readBuffer.extend([b"first", b"x" * 9000])
    port.doRead()
    assert proto.received == [(b"first", 0), (b"x" * 8192, 0)]  # cut at maxPacketSize
    port.doRead()  # nothing waiting: EAGAIN ends the read quietly
    assert len(proto.received) == 2


def test_tap_port_for_an_ethernet_protocol() -> None:
    proto = Frames()
    port, system, _ = make_port(proto, b"tap%d")
    port.startListening()
    tunnel = system.getTunnel(port)
    assert tunnel.tunnelMode == (F.IFF_TAP | F.IFF_NO_PI).value
    assert port.interface == tunnel.name == b"tap0"  # the kernel's choice of number
    tunnel.addToReadBuffer(b"IP packet")
    port.doRead()
    assert proto.received == [b"\xff" * 6 + b"\x00" * 6 + b"\x08\x00IP packet"]
    assert port.getHost() == TunnelAddress(F.IFF_TAP, b"tap0")
    assert port.logPrefix() == "Frames (IFF_TAP)"


def test_port_needs_a_packet_protocol() -> None:
    with pytest.raises(TypeError, match="IRawPacketProtocol"):
        TuntapPort(b"tun0", object(), reactor=FDSetClock(), system=memory_system())


def test_read_stops_at_max_throughput() -> None:
    proto = Packets()
    port, system, _ = make_port(proto, maxPacketSize=1000)
    port.maxThroughput = 3000
    port.startListening()
    system.getTunnel(port).readBuffer.extend([b"a" * 1000, b"b" * 1000, b"c" * 1000, b"d"])
    port.doRead()
    assert [d[:1] for d, _ in proto.received] == [b"a", b"b", b"c"]
    port.doRead()
    assert proto.received[-1] == (b"d", 0)


@pytest.mark.parametrize(
    "style", [Tunnel.EAGAIN_STYLE, Tunnel.EWOULDBLOCK_STYLE, Tunnel.EINTR_STYLE]
)
def test_read_ends_quietly_on_retryable_errors(style: BaseException) -> None:
    proto = Packets()
    port, system, _ = make_port(proto)
    port.startListening()
    system.getTunnel(port).nonBlockingExceptionStyle = style
    port.doRead()
    assert proto.received == []


def test_read_error_propagates() -> None:
    port, system, _ = make_port(Packets())
    port.startListening()
    system.getTunnel(port).nonBlockingExceptionStyle = PermissionError(1, "no")
    with pytest.raises(PermissionError):
        port.doRead()


def test_protocol_error_is_logged_and_reading_goes_on() -> None:
    proto = Packets()
    port, system, _ = make_port(proto)
    port.startListening()
    system.getTunnel(port).readBuffer.extend([b"one", b"two"])
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:
        proto.fail = True
        port.doRead()
    finally:
        log.removeObserver(events.append)
    errors = [e for e in events if e.get("isError")]
    assert len(errors) == 2
    assert errors[0]["why"] == (
        "Unhandled exception from tests.pair.test_tuntap.Packets.datagramReceived"
    )
    assert errors[0]["failure"].check(ValueError)
    assert system.getTunnel(port).readBuffer == deque()


def test_write_retries_interrupted_writes_and_raises_others() -> None:
    port, system, _ = make_port(Packets())
    port.startListening()
    tunnel = system.getTunnel(port)
    tunnel.pendingSignals.extend([2, 2])
    assert port.write(b"hello") == 5
    port.writeSequence([b"a", b"b", b"c"])
    assert tunnel.writeBuffer == deque([b"hello", b"abc"])
    with pytest.raises(OSError) as info:
        port.write(b"x" * (tunnel.SEND_BUFFER_SIZE + 1))
    assert info.value.errno == testing.ENOBUFS


def test_start_failures_are_cannot_listen_errors() -> None:
    port, system, _ = make_port(Packets())
    system.permissions.discard("open")
    with pytest.raises(error.CannotListenError) as info:
        port.startListening()
    assert info.value.socketError.errno == testing.EPERM
    system.permissions.add("open")
    system.permissions.discard("ioctl")
    with pytest.raises(error.CannotListenError):
        port.startListening()
    assert system._openFiles == {}  # the descriptor opened is closed again
    assert not port.connected


def test_stop_listening_closes_once_and_fires_every_caller() -> None:
    proto = Packets()
    port, system, clock = make_port(proto)
    started: list[str] = []
    proto.startProtocol = lambda: started.append("start")  # type: ignore[method-assign]
    proto.stopProtocol = lambda: started.append("stop")  # type: ignore[method-assign]
    port.startListening()
    fd = port.fileno()
    first, second = port.stopListening(), port.stopListening()
    assert port not in clock.readers and not first.called
    clock.advance(0)
    assert first.called and second.called
    assert (first.result, second.result) == (None, None)
    assert fd not in system._openFiles and port.fileno() == -1
    assert not port.connected and proto.transport is None
    assert started == ["start", "stop"]
    assert port.stopListening().called  # not listening: at once
    assert repr(port).endswith(" not listening on IFF_TUN/b'tun0'>")


def test_lose_connection_is_deprecated_stop_listening() -> None:
    port, _, clock = make_port(Packets())
    port.startListening()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        port.loseConnection()
    assert caught[0].category is DeprecationWarning
    assert "please use twisted.pair.tuntap.TuntapPort.stopListening" in str(caught[0].message)
    clock.advance(0)
    assert not port.connected


def test_interfaces_and_default_system() -> None:
    port = TuntapPort(b"tap0", EthernetProtocol(), reactor=FDSetClock())
    assert IListeningPort.providedBy(port)
    assert isinstance(port._system, tuntap._RealSystem)
    assert tuntap._RealSystem.O_NONBLOCK == os.O_NONBLOCK
    verify = pytest.importorskip("zope.interface.verify")
    assert verify.verifyObject(IListeningPort, port)
    assert verify.verifyObject(tuntap._IInputOutputSystem, MemoryIOSystem())
    assert verify.verifyObject(IAddress, TunnelAddress(F.IFF_TAP, b"tap0"))


# -- on the asyncio loop -------------------------------------------------------------------


class SocketSystem:
    """Descriptors of datagram sockets standing in for /dev/net/tun: the port reads and
    writes one end, the test the other. Everything else is os's."""

    O_RDWR, O_NONBLOCK, O_CLOEXEC = os.O_RDWR, os.O_NONBLOCK, os.O_CLOEXEC

    def __init__(self) -> None:
        self.peer: socket.socket | None = None
        self.mine: socket.socket | None = None
        self.reads = 0

    def open(self, name: bytes, flags: int, mode: int = 0o777) -> int:
        self.mine, self.peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.mine.setblocking(False)
        return self.mine.fileno()

    def ioctl(self, fd: int, request: int, arg: bytes) -> bytes:
        assert request == tuntap._TUNSETIFF
        return arg

    def read(self, fd: int, limit: int) -> bytes:
        self.reads += 1
        return os.read(fd, limit)

    def write(self, fd: int, data: bytes) -> int:
        return os.write(fd, data)

    def close(self, fd: int) -> None:
        assert self.mine is not None and self.peer is not None
        self.mine.close()
        self.peer.close()


async def test_port_reads_on_the_asyncio_loop(reactor: Any) -> None:
    from tests.conftest import NoReaderEventLoop

    if isinstance(asyncio.get_running_loop(), NoReaderEventLoop):
        pytest.skip("the loop cannot watch descriptors")
    proto = Packets()
    arrived: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    real = proto.datagramReceived

    def received(data: bytes, partial: int = 0, **kwargs: Any) -> None:
        real(data, partial)
        if len(proto.received) == 2 and not arrived.done():
            arrived.set_result(None)

    proto.datagramReceived = received  # type: ignore[method-assign]
    system = SocketSystem()
    port = TuntapPort(b"tun0", proto, reactor=reactor, system=system)
    port.startListening()
    assert port in reactor.getReaders()
    for _ in range(3):
        await asyncio.sleep(0)
    assert system.reads == 0  # nothing to read: doRead is not called (no polling)
    assert system.peer is not None
    system.peer.send(b"packet one")
    system.peer.send(b"packet two")
    await asyncio.wait_for(arrived, 5)
    assert proto.received == [(b"packet one", 0), (b"packet two", 0)]
    port.write(b"reply")
    assert system.peer.recv(100) == b"reply"
    await asyncio.wait_for(
        asyncio.ensure_future(port.stopListening().asFuture(asyncio.get_running_loop())), 5
    )
    assert port not in reactor.getReaders() and not port.connected


# -- TunnelAddress and TunnelFlags ---------------------------------------------------------


def test_tunnel_address() -> None:
    a = TunnelAddress(F.IFF_TUN, b"device")
    assert repr(a) == "<TunnelAddress type=IFF_TUN name=b'device'>"
    assert a == TunnelAddress(F.IFF_TUN | F.IFF_TUN, b"device")  # equal values, not objects
    assert a != TunnelAddress(F.IFF_TAP, b"device")
    assert a != TunnelAddress(F.IFF_TUN, b"other")
    assert a != 3 and a != "device"
    with pytest.raises(TypeError):
        hash(a)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (a[0], a[1]) == ("TUNTAP", b"device")
    assert [w.category for w in caught] == [DeprecationWarning, DeprecationWarning]


def _flag_facts(flags: Any) -> list[Any]:
    both = flags.IFF_TUN | flags.IFF_NO_PI
    return [
        [(c.name, c.value) for c in flags.iterconstants()],
        repr(both), both.name, both.value, sorted(both.names), sorted(repr(c) for c in both),
        repr(both & flags.IFF_TUN), repr(both & flags.IFF_TAP), bool(both & flags.IFF_TAP),
        repr(both ^ flags.IFF_NO_PI), repr(~flags.IFF_TUN), flags.IFF_TUN == flags.IFF_TUN | flags.IFF_TUN,
        flags.lookupByName("IFF_TAP").value, repr(flags.lookupByValue(0x1000)),
        flags.IFF_TUN < flags.IFF_TAP,
    ]  # fmt: skip


def test_tunnel_flags() -> None:
    facts = _flag_facts(F)
    assert facts[1] == "<TunnelFlags={IFF_NO_PI,IFF_TUN}>" and facts[3] == 0x1001
    assert facts[7] == "<TunnelFlags={}>" and facts[8] is False
    with pytest.raises(ValueError):
        F.lookupByValue(0x1001)


def test_tunnel_flags_match_twisted() -> None:
    theirs = pytest.importorskip("twisted.pair.tuntap")
    assert _flag_facts(F) == _flag_facts(theirs.TunnelFlags)
    for name in ["_IFNAMSIZ", "_TUNSETIFF", "_TUNGETIFF", "_TUN_KO_PATH"]:
        assert getattr(tuntap, name) == getattr(theirs, name)


# -- the in-memory system ------------------------------------------------------------------


def test_memory_system_errors() -> None:
    system = memory_system()
    with pytest.raises(OSError) as info:
        system.open(b"/dev/no-such-device", system.O_RDWR)
    assert info.value.errno == testing.ENOSYS
    fd = system.open(b"/dev/net/tun", system.O_RDWR)
    assert fd == 8192 and system.open(b"/dev/net/tun", system.O_RDWR) == 8193
    with pytest.raises(OSError) as info:
        system.ioctl(fd, 0xDEADBEEF, b"garbage")
    assert info.value.errno == testing.EINVAL
    system.close(fd)
    for call in (
        lambda: system.read(fd, 10),
        lambda: system.write(fd, b"x"),
        lambda: system.close(fd),
        lambda: system.ioctl(fd, tuntap._TUNSETIFF, b"tap0"),
    ):
        with pytest.raises(OSError) as info:
            call()
        assert info.value.errno == testing.EBADF
    blocking = Tunnel(system, system.O_RDWR, None)
    with pytest.raises(NotImplementedError):
        blocking.read(10)


def _configured(system: MemoryIOSystem, mode: Any, name: bytes = b"tap0") -> int:
    fd = system.open(b"/dev/net/tun", system.O_RDWR | system.O_NONBLOCK)
    system.ioctl(fd, tuntap._TUNSETIFF, struct.pack("16sH", name, mode.value))
    return fd


@pytest.mark.parametrize(
    ("mode", "header"),
    [
        (F.IFF_TUN | F.IFF_NO_PI, b""),
        (F.IFF_TAP | F.IFF_NO_PI, b""),
        (F.IFF_TAP, b"\x00\x00\x08\x00"),
        (F.IFF_TUN, b"\x00\x00\x08\x00"),
    ],
)
def test_send_and_receive_udp_through_the_tunnel(mode: Any, header: bytes) -> None:
    system = memory_system()
    fd = _configured(system, mode)
    source = system.sendUDP(b"hello", (b"172.16.2.2", 12345))
    frame = system.read(fd, 1024)
    assert frame.startswith(header)
    frame = frame[len(header) :]
    if mode & F.IFF_TAP:
        assert frame[12:14] == b"\x08\x00"
        frame = frame[14:]
    assert frame == testing._ip(source[0], "172.16.2.2", testing._udp(source[1], 12345, b"hello"))
    # The other way: what the application writes, a socket bound there receives.
    port = system.receiveUDP(fd, b"172.16.2.1", 12345)
    other = testing._ip("172.16.2.2", "172.16.2.1", testing._udp(5, 999, b"not for us"))
    mine = testing._ip("172.16.2.2", "172.16.2.1", testing._udp(5, 12345, b"for us"))
    for packet in (other, mine):
        if mode & F.IFF_TAP:
            packet = testing._ethernet(b"\x00" * 6, b"\xff" * 6, testing._IPv4, packet)
        system.write(fd, header + packet)
    assert port.recv(1024) == b"for us"
    with pytest.raises(BlockingIOError):
        port.recv(1024)


def test_permissions() -> None:
    system = memory_system()
    system.permissions.discard("open")
    with pytest.raises(PermissionError):
        system.open(b"/dev/net/tun", system.O_RDWR)
    assert system.open.__name__ == "open"


def test_packet_builders_match_twisted() -> None:
    theirs = pytest.importorskip("twisted.pair.testing")
    for mine, other in [
        (testing._H(0x1234), theirs._H(0x1234)),
        (testing._udp(1, 2, b"payload"), theirs._udp(src=1, dst=2, payload=b"payload")),
        (testing._ip(b"1.2.3.4", b"5.6.7.8", b"x" * 33), theirs._ip(src=b"1.2.3.4", dst=b"5.6.7.8", payload=b"x" * 33)),
        (testing._ethernet(b"S" * 6, b"D" * 6, 0x800, b"p"), theirs._ethernet(src=b"S" * 6, dst=b"D" * 6, protocol=0x800, payload=b"p")),
    ]:  # fmt: skip
        assert mine == other
    assert (testing._IPv4, testing._PI_SIZE) == (theirs._IPv4, theirs._PI_SIZE)
    # The checksum: a header summed with its own checksum in place sums to zero.
    packet = testing._ip("10.0.0.1", "10.0.0.2", b"")
    assert testing._checksum(packet[:20]) == 0


def _port_reads(package: str, frames: list[bytes], tap: bool) -> list[Any]:
    """What a TuntapPort of ``package`` on its in-memory system hands its protocol."""
    tt = import_module(f"{package}.pair.tuntap")
    mem = import_module(f"{package}.pair.testing")
    eth = import_module(f"{package}.pair.ethernet")
    ip = import_module(f"{package}.pair.ip")
    got: list[Any] = []

    class TapProto(eth.EthernetProtocol):  # type: ignore[misc,name-defined]
        def datagramReceived(self, data: bytes, partial: int = 0) -> None:
            got.append((data, partial))

    class TunProto(ip.IPProtocol):  # type: ignore[misc,name-defined]
        def datagramReceived(self, data: bytes, partial: int = 0, *a: Any) -> None:
            got.append((data, partial))

    system = mem.MemoryIOSystem()
    system.registerSpecialDevice(mem.Tunnel._DEVICE_NAME, mem.Tunnel)
    clock = FDSetClock()
    port = tt.TuntapPort(b"tun0", TapProto() if tap else TunProto(), 100, clock, system)
    port.startListening()
    tunnel = system.getTunnel(port)
    for frame in frames:
        tunnel.addToReadBuffer(frame)
    port.doRead()
    port.write(b"out")
    got.append(list(tunnel.writeBuffer))
    got.append(tunnel.tunnelMode)
    got.append(repr(port.getHost()).split("name=")[0])
    return got


@pytest.mark.parametrize("tap", [False, True])
def test_port_matches_twisted(tap: bool) -> None:
    pytest.importorskip("twisted.pair.tuntap")
    frames = [testing._ip("1.1.1.1", "2.2.2.2", testing._udp(1, 2, b"z" * n)) for n in (0, 5, 200)]
    assert _port_reads("twistio", frames, tap) == _port_reads("twisted", frames, tap)


async def test_read_error_on_the_loop_closes_the_port(reactor: Any) -> None:
    from tests.conftest import NoReaderEventLoop

    loop = asyncio.get_running_loop()
    if isinstance(loop, NoReaderEventLoop):
        pytest.skip("the loop cannot watch descriptors")
    stopped: asyncio.Future[None] = loop.create_future()
    proto = Packets()
    proto.stopProtocol = lambda: stopped.set_result(None)  # type: ignore[method-assign]

    class Failing(SocketSystem):
        def read(self, fd: int, limit: int) -> bytes:
            raise OSError(5, "Input/output error")

    system = Failing()
    port = TuntapPort(b"tun0", proto, reactor=reactor, system=system)
    port.startListening()
    assert system.peer is not None
    system.peer.send(b"wake up")
    await asyncio.wait_for(stopped, 5)
    assert not port.connected and port.fileno() == -1 and port not in reactor.getReaders()
    assert system.mine is not None and system.mine.fileno() == -1


def test_device_name_as_str() -> None:
    # Twisted's pairudp.py example passes interface="tap0".
    port, system, _ = make_port(Frames(), "tap0")  # type: ignore[arg-type]
    port.startListening()
    assert port.interface == system.getTunnel(port).name == b"tap0"
