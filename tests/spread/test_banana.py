"""twistio.spread.banana: the encoding (compared byte for byte with Twisted's where it is
installed), the limits a receiver enforces, and dialect negotiation."""

from __future__ import annotations

import pytest

from twistio.internet.testing import StringTransport
from twistio.spread import banana

VALUES = [
    0,
    1,
    127,
    128,
    -1,
    -128,
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**64,
    -(2**100),
    1.5,
    -0.25,
    b"",
    b"abc",
    b"None",
    [],
    [1, [b"x", [2.5, -3]]],
    (1, 2),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_round_trip(value: object) -> None:
    expected = list(value) if isinstance(value, tuple) else value
    assert banana.decode(banana.encode(value)) == expected


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_bytes_match_twisted(value: object) -> None:
    twisted_banana = pytest.importorskip("twisted.spread.banana")
    assert banana.encode(value) == twisted_banana.encode(value)


def test_known_encodings() -> None:
    assert banana.encode(300) == b"\x2c\x02\x81"
    assert banana.encode(-1) == b"\x01\x83"
    assert banana.encode(2**31) == b"\x00\x00\x00\x00\x08\x85"
    assert banana.encode([b"ab"]) == b"\x01\x80\x02\x82ab"
    assert banana.encode(1.5) == b"\x84?\xf8\x00\x00\x00\x00\x00\x00"


def test_unencodable() -> None:
    with pytest.raises(banana.BananaError, match="builtins.str"):
        banana.encode("text")
    with pytest.raises(banana.BananaError, match="too long"):
        banana.encode(b"x" * (banana.SIZE_LIMIT + 1))


def _connected(isClient: int = 1) -> tuple[banana.Banana, StringTransport, list[object]]:
    proto = banana.Banana(isClient=isClient)
    transport = StringTransport()
    proto.makeConnection(transport)
    got: list[object] = []
    proto.expressionReceived = got.append  # type: ignore[method-assign]
    return proto, transport, got


def test_negotiation_picks_pb() -> None:
    server, st, _ = _connected(isClient=0)
    client, ct, _ = _connected(isClient=1)
    assert st.value() == b"\x02\x80\x02\x82pb\x04\x82none"
    client.dataReceived(st.value())
    assert client.currentDialect == b"pb"
    server.dataReceived(ct.value())
    assert server.currentDialect == b"pb"


def test_pb_dialect_uses_vocabulary() -> None:
    server, st, got = _connected(isClient=0)
    server.dataReceived(b"\x02\x82pb")
    st.clear()
    server.sendEncoded([b"None", b"version"])
    assert st.value() == b"\x02\x80\x01\x87\x13\x87"
    server.dataReceived(b"\x01\x80\x01\x87")
    assert got == [[b"None"]]


def test_unknown_dialect_closes() -> None:
    server, st, _ = _connected(isClient=0)
    server.dataReceived(b"\x03\x82xyz")
    assert st.disconnecting
    assert server.currentDialect is None


def test_limits() -> None:
    proto, _, got = _connected()
    proto.dataReceived(b"\x01\x80\x04\x82none")
    with pytest.raises(banana.BananaError, match="prefix"):
        proto.dataReceived(b"\x01" * 65 + b"\x82")
    proto, _, _ = _connected()
    proto.dataReceived(b"\x01\x80\x04\x82none")
    with pytest.raises(banana.BananaError, match="String too long"):
        proto.dataReceived(banana.encode(banana.SIZE_LIMIT + 1)[:-1] + banana.STRING)
    proto, _, _ = _connected()
    proto.dataReceived(b"\x01\x80\x04\x82none")
    with pytest.raises(banana.BananaError, match="List too long"):
        proto.dataReceived(banana.encode(banana.SIZE_LIMIT + 1)[:-1] + banana.LIST)
    assert got == []


def test_byte_at_a_time() -> None:
    proto, _, got = _connected()
    proto.dataReceived(b"\x01\x80\x04\x82none")
    data = banana.encode([1, [b"two", 3.0], -(2**40)])
    for i in range(len(data)):
        proto.dataReceived(data[i : i + 1])
    assert got == [[1, [b"two", 3.0], -(2**40)]]


def test_prefix_limit_bounds_sent_ints() -> None:
    proto, _, _ = _connected()
    proto.setPrefixLimit(3)
    with pytest.raises(banana.BananaError, match="too large"):
        proto.sendEncoded(128**3)
