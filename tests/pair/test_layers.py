"""twistio.pair's ethernet, ip and rawudp layers: headers parsed and payloads dispatched as
Twisted does (the same frames fed to both stacks, where Twisted is installed)."""

from __future__ import annotations

import random
import socket
import struct
from importlib import import_module
from typing import Any

import pytest

from twistio.internet.protocol import DatagramProtocol
from twistio.pair import ethernet, ip, raw, rawudp


def _udp(src_port: int, dst_port: int, payload: bytes) -> bytes:
    return struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0xBEEF) + payload


def _ip(src: str, dst: str, proto: int, payload: bytes, first: int = 0x45, frag: int = 0) -> bytes:
    head = struct.pack(
        "!BBHHHBBH4s4s",
        first,
        0x10,
        20 + len(payload),
        0x1234,
        frag,
        64,
        proto,
        0xABCD,
        socket.inet_aton(src),
        socket.inet_aton(dst),
    )
    return head + payload


def _frame(dst: bytes, src: bytes, ethertype: int, payload: bytes) -> bytes:
    return dst + src + struct.pack("!H", ethertype) + payload


MAC_A = b"\x02\x00\x00\x00\x00\x01"
MAC_B = b"\x02\x00\x00\x00\x00\x02"

FRAMES = [
    _frame(MAC_A, MAC_B, 0x0800, _ip("10.0.0.1", "10.0.0.2", 17, _udp(5353, 53, b"query"))),
    _frame(MAC_A, MAC_B, 0x0800, _ip("10.0.0.1", "10.0.0.2", 17, _udp(1, 54, b"other port"))),
    _frame(MAC_A, MAC_B, 0x0800, _ip("1.2.3.4", "5.6.7.8", 6, b"tcp bytes here")),
    _frame(MAC_B, MAC_A, 0x0806, b"arp payload"),
    _frame(MAC_A, MAC_B, 0x0800, _ip("9.9.9.9", "8.8.8.8", 17, _udp(7, 53, b""), 0x54, 0x6102)),
    _frame(MAC_A, MAC_B, 0x0800, _ip("9.9.9.9", "8.8.8.8", 17, _udp(7, 53, b"x"), 0x46)),
]


def _stack(package: str) -> tuple[Any, list[tuple[str, Any]]]:
    """An ethernet -> ip -> udp stack of ``package`` recording what each protocol gets."""
    eth_mod = import_module(f"{package}.pair.ethernet")
    ip_mod = import_module(f"{package}.pair.ip")
    udp_mod = import_module(f"{package}.pair.rawudp")
    raw_mod = import_module(f"{package}.pair.raw")
    proto_mod = import_module(f"{package}.internet.protocol")
    calls: list[tuple[str, Any]] = []

    class Port(proto_mod.DatagramProtocol):  # type: ignore[misc,name-defined]
        def __init__(self, name: str) -> None:
            self.name = name

        def datagramReceived(self, data: bytes, addr: Any) -> None:
            calls.append((self.name, (data, addr)))

    if package == "twisted":
        from zope.interface import implementer
    else:
        from twistio.internet.interfaces import implementer

    @implementer(raw_mod.IRawPacketProtocol)
    class Arp:
        def addProto(self, num: int, proto: Any) -> None:
            pass

        def datagramReceived(self, **kwargs: Any) -> None:
            calls.append(("arp", sorted(kwargs.items())))

    @implementer(raw_mod.IRawDatagramProtocol)
    class Tcp:
        def addProto(self, num: int, proto: Any) -> None:
            pass

        def datagramReceived(self, **kwargs: Any) -> None:
            calls.append(("tcp", sorted(kwargs.items())))

    eth = eth_mod.EthernetProtocol()
    ipp = ip_mod.IPProtocol()
    udp = udp_mod.RawUDPProtocol()
    eth.addProto(0x0800, ipp)
    eth.addProto(0x0806, Arp())
    ipp.addProto(17, udp)
    ipp.addProto(6, Tcp())
    udp.addProto(53, Port("dns-1"))
    udp.addProto(53, Port("dns-2"))
    udp.addProto(54, Port("other"))
    return eth, calls


def _feed(package: str, frames: list[bytes]) -> list[tuple[str, Any]]:
    eth, calls = _stack(package)
    for i, frame in enumerate(frames):
        eth.datagramReceived(frame, partial=i % 2)
    return calls


def test_stack_dispatches_by_ethertype_protocol_and_port() -> None:
    calls = _feed("twistio", FRAMES)
    names = [name for name, _ in calls]
    assert names == ["dns-1", "dns-2", "other", "tcp", "arp", "dns-1", "dns-2", "dns-1", "dns-2"]
    assert calls[0][1] == (b"query", ("10.0.0.1", 5353))
    tcp = dict(calls[3][1])
    assert tcp["data"] == b"tcp bytes here"
    assert (tcp["source"], tcp["dest"], tcp["protocol"], tcp["ttl"]) == (
        "1.2.3.4",
        "5.6.7.8",
        6,
        64,
    )
    arp = dict(calls[4][1])
    assert arp == {
        "data": b"arp payload",
        "partial": 1,
        "dest": MAC_B,
        "source": MAC_A,
        "protocol": 0x0806,
    }


def test_stack_matches_twisted() -> None:
    pytest.importorskip("twisted.pair.ethernet")
    rng = random.Random(14)
    frames = list(FRAMES)
    for _ in range(50):
        payload = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 30)))
        inner = _udp(rng.randrange(65536), rng.choice([53, 54, 99]), payload)
        frames.append(
            _frame(
                MAC_A,
                MAC_B,
                rng.choice([0x0800, 0x0806, 0x86DD]),
                _ip(
                    "10.1.2.3",
                    "10.3.2.1",
                    rng.choice([6, 17, 1]),
                    inner,
                    rng.randrange(256),
                    rng.randrange(65536),
                ),
            )
        )
    assert _feed("twistio", frames) == _feed("twisted", frames)


@pytest.mark.parametrize("seed", range(5))
def test_headers_match_twisted(seed: int) -> None:
    pytest.importorskip("twisted.pair.ethernet")
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(40))
    for ours, theirs in [
        (ethernet.EthernetHeader, "twisted.pair.ethernet.EthernetHeader"),
        (ip.IPHeader, "twisted.pair.ip.IPHeader"),
        (rawudp.UDPHeader, "twisted.pair.rawudp.UDPHeader"),
    ]:
        module, _, name = theirs.rpartition(".")
        assert vars(ours(data)) == vars(getattr(import_module(module), name)(data))


def test_ip_header_fields() -> None:
    header = ip.IPHeader(_ip("1.2.3.4", "5.6.7.8", 17, b"", 0x54, 0x6102))
    assert (header.version, header.ihl) == (4, 20)  # low nibble, 4 x high nibble
    assert (header.saddr, header.daddr, header.protocol) == ("1.2.3.4", "5.6.7.8", 17)
    assert (header.fragment_offset, header.dont_fragment, header.more_fragments) == (
        0x102,
        True,
        True,
    )
    assert (header.tos, header.tot_len, header.fragment_id, header.check) == (
        0x10,
        20,
        0x1234,
        0xABCD,
    )


@pytest.mark.parametrize(
    ("header", "size"),
    [(ethernet.EthernetHeader, 14), (ip.IPHeader, 20), (rawudp.UDPHeader, 8)],
)
def test_short_header_raises_struct_error(header: Any, size: int) -> None:
    with pytest.raises(struct.error):
        header(b"x" * (size - 1))
    header(b"x" * size)


class _Packet:
    def addProto(self, num: int, proto: Any) -> None:
        pass

    def datagramReceived(self, *args: Any, **kwargs: Any) -> None:
        pass


def _errors(package: str) -> list[str]:
    eth_mod = import_module(f"{package}.pair.ethernet")
    ip_mod = import_module(f"{package}.pair.ip")
    udp_mod = import_module(f"{package}.pair.rawudp")
    proto_mod = import_module(f"{package}.internet.protocol")
    raw_mod = import_module(f"{package}.pair.raw")
    if package == "twisted":
        from zope.interface import implementer
    else:
        from twistio.internet.interfaces import implementer
    packet = implementer(raw_mod.IRawPacketProtocol)(type("P", (_Packet,), {}))()
    dgram = implementer(raw_mod.IRawDatagramProtocol)(type("D", (_Packet,), {}))()
    udp = proto_mod.DatagramProtocol()
    out = []
    cases = [
        (eth_mod.EthernetProtocol(), packet, [-1, 0, 0xFFFF, 0x10000]),
        (ip_mod.IPProtocol(), dgram, [-1, 0, 255, 256, 2**32 - 1, 2**32]),
        (udp_mod.RawUDPProtocol(), udp, [-1, 0, 0xFFFF, 0x10000]),
    ]
    for proto, good, numbers in cases:
        for num in numbers:
            for candidate in (good, object()):
                try:
                    proto.addProto(num, candidate)
                    out.append(f"{num} ok")
                except TypeError as e:
                    out.append(f"{num} {e.args[0]}")
    return out


def test_add_proto_checks() -> None:
    out = _errors("twistio")
    assert "-1 Added protocol must be positive or zero" in out
    assert "65536 Added protocol must fit in 16 bits" in out
    assert f"{2**32} Added protocol must fit in 32 bits" in out
    assert "0 Could not adapt" in out
    assert "0 Added protocol must be an instance of DatagramProtocol" in out


def test_add_proto_checks_match_twisted() -> None:
    pytest.importorskip("twisted.pair.ethernet")
    assert _errors("twistio") == _errors("twisted")


def test_registered_lists() -> None:
    eth = ethernet.EthernetProtocol()
    ipp = ip.IPProtocol()
    udp = rawudp.RawUDPProtocol()
    a, b = DatagramProtocol(), DatagramProtocol()
    udp.addProto(53, a)
    udp.addProto(53, b)
    assert udp.udpProtos == {53: [a, b]}
    eth.addProto(0x0800, ipp)
    assert eth.etherProtos == {0x0800: [ipp]}
    ipp.addProto(17, udp)
    assert ipp.ipProtos == {17: [udp]}


def test_interfaces() -> None:
    assert ethernet.IEthernetProtocol.providedBy(ethernet.EthernetProtocol())
    assert raw.IRawPacketProtocol.providedBy(ip.IPProtocol())
    assert raw.IRawDatagramProtocol.providedBy(rawudp.RawUDPProtocol())
    assert list(raw.IRawPacketProtocol) == ["addProto", "datagramReceived"]
    assert not raw.IRawDatagramProtocol.providedBy(ip.IPProtocol())
    verify = pytest.importorskip("zope.interface.verify")
    assert verify.verifyObject(raw.IRawDatagramProtocol, rawudp.RawUDPProtocol())
    assert verify.verifyObject(ethernet.IEthernetProtocol, ethernet.EthernetProtocol())
