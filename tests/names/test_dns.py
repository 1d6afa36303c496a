"""twistio.names.dns where it deliberately differs from Twisted (docs/differences.md), and
the protocols' handling of their peers."""

from __future__ import annotations

from io import BytesIO

import pytest

from twistio.internet import task
from twistio.internet.testing import StringTransport
from twistio.names import dns, error


def test_label_over_63_octets_refused():
    m = dns.Message()
    m.queries = [dns.Query(b"a" * 64 + b".com")]
    with pytest.raises(ValueError, match="63"):
        m.toStr()


def test_name_hash_follows_equality_and_text_never_fails():
    assert dns.Name("Example.COM") == dns.Name("example.com")
    assert hash(dns.Name("Example.COM")) == hash(dns.Name("example.com"))
    assert str(dns.Name(b"a\xffb")) == "a\\xffb"
    assert repr(dns.Name(b"x.y")) == "Name(b'x.y')"


def test_no_compression_pointer_past_16k():
    m = dns.Message()
    big = dns.Record_TXT(*[b"x" * 255] * 70)
    m.answers = [dns.RRHeader(b"a.example", dns.TXT, payload=big),
                 dns.RRHeader(b"b.example", dns.TXT, payload=big),
                 dns.RRHeader(b"b.example", dns.A, payload=dns.Record_A("1.2.3.4"))]
    m.maxSize = 0
    back = dns.Message()
    back.fromStr(m.toStr())
    assert [rr.name for rr in back.answers] == [rr.name for rr in m.answers]


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00",  # question missing
        b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",  # loop
        b"\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01"
        b"\x00\x00\x00\x01\x00\x05abcde",  # A record of 5 octets
        b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x41a\x00\x00\x01\x00\x01",  # label type
    ],
)
def test_strict_decoding(data):
    with pytest.raises(dns.DNSDecodeError):
        dns.Message().fromStr(data)


def test_short_input_is_also_eof():
    with pytest.raises(EOFError):
        dns.Message().fromStr(b"\x00" * 5)


def test_truncated_message_keeps_records_before_the_cut():
    m = dns.Message(id=3, answer=1)
    m.answers = [dns.RRHeader("a", dns.TXT, payload=dns.Record_TXT(b"x" * 100)) for _ in range(9)]
    m.maxSize = 512
    data = m.toStr()
    assert len(data) == 512 and m.trunc
    back = dns.Message()
    back.fromStr(data)
    assert back.trunc and 0 < len(back.answers) < 9


def test_whole_record_truncation():
    m = dns.Message(id=3, answer=1)
    m.queries = [dns.Query("a")]
    m.answers = [dns.RRHeader("a", dns.TXT, payload=dns.Record_TXT(b"x" * 100)) for _ in range(9)]
    m._wholeRecords = True
    m.maxSize = 512
    back = dns.Message()
    back.fromStr(m.toStr())
    assert back.trunc and len(back.answers) == 4 and back.queries == m.queries


def test_stream_coding_of_parts():
    s = BytesIO()
    comp = {}
    dns.Name(b"a.example.com").encode(s, comp)
    dns.Name(b"b.example.com").encode(s, comp)
    assert comp == {b"a.example.com": 12, b"example.com": 14, b"com": 22, b"b.example.com": 27}
    s.seek(0)
    n = dns.Name()
    n.decode(s)
    assert n.name == b"a.example.com"
    rec = dns.Record_MX()
    s = BytesIO(b"\x00\x0a\x04mail\x00")
    rec.decode(s, 8)
    assert (rec.preference, rec.name.name) == (10, b"mail")


def test_udp_client_query_and_timeout():
    clock = task.Clock()

    class Controller:
        got = []

        def messageReceived(self, message, protocol, address=None):
            self.got.append(message)

    proto = dns.DNSDatagramProtocol(Controller(), reactor=clock)
    sent = []

    class Transport:
        def write(self, data, addr):
            sent.append((data, addr))

    proto.transport = Transport()
    d = proto.query(("127.0.0.1", 53), [dns.Query("example.com")], timeout=5)
    (data, addr), = sent
    query = dns.Message()
    query.fromStr(data)
    reply = dns.Message(id=query.id, answer=1)
    reply.queries = query.queries
    proto.datagramReceived(reply.toStr(), ("127.0.0.2", 53))  # wrong peer: ignored
    assert not d.called
    proto.datagramReceived(reply.toStr(), ("127.0.0.1", 53))
    assert d.result.id == query.id
    d2 = proto.query(("127.0.0.1", 53), [dns.Query("example.com")], timeout=5)
    failures = []
    d2.addErrback(failures.append)
    clock.advance(5)
    assert failures[0].check(error.DNSQueryTimeoutError)
    proto.datagramReceived(b"garbage", ("127.0.0.1", 53))  # dropped, no controller call
    assert Controller.got == []


def test_tcp_protocol_frames_and_fails_pending_on_close():
    clock = task.Clock()

    class Controller:
        def connectionMade(self, p):
            pass

        def connectionLost(self, p):
            pass

    proto = dns.DNSProtocol(Controller(), reactor=clock)
    transport = StringTransport()
    proto.makeConnection(transport)
    d = proto.query([dns.Query("example.com")])
    wire = transport.value()
    assert int.from_bytes(wire[:2], "big") == len(wire) - 2
    failures = []
    d.addErrback(failures.append)
    proto.connectionLost(None)
    assert failures
    assert not clock.getDelayedCalls()


def test_client_retries_through_servers_with_the_same_id_then_times_out():
    from twistio.internet.defer import TimeoutError
    from twistio.names import client

    clock = task.Clock()
    sent = []

    class Port:
        def __init__(self, proto):
            self.proto = proto

        def write(self, data, addr):
            m = dns.Message()
            m.fromStr(data)
            sent.append((addr, m.id, self.proto, clock.seconds()))

        def stopListening(self):
            self.proto.transport = None

    class Reactor:
        def callLater(self, *a, **kw):
            return clock.callLater(*a, **kw)

        def seconds(self):
            return clock.seconds()

        def listenUDP(self, port, proto, interface="", maxPacketSize=8192):
            proto.transport = Port(proto)
            proto.startProtocol()
            return proto.transport

    r = client.Resolver(servers=[("10.0.0.1", 53), ("10.0.0.2", 53)], timeout=(1, 2, 3), reactor=Reactor())
    failures = []
    r.lookupAddress("example.com").addErrback(failures.append)
    for _ in range(30):
        clock.advance(0.5)
    # As Twisted: each server with the first timeout, then each with the next...
    assert [(a[0], t) for a, _, _, t in sent] == [
        ("10.0.0.1", 0), ("10.0.0.2", 1), ("10.0.0.1", 2), ("10.0.0.2", 4), ("10.0.0.1", 6),
        ("10.0.0.2", 9),
    ]
    assert len({i for _, i, _, _ in sent}) == 1
    assert failures[0].check(TimeoutError) and not clock.getDelayedCalls()
    # An answer to the second attempt ends the lookup.
    sent.clear()
    got = []
    r.lookupAddress("example.com").addCallback(got.append)
    clock.advance(1.5)
    addr, qid, proto, _ = sent[-1]
    reply = dns.Message(id=qid, answer=1)
    reply.queries = [dns.Query("example.com")]
    reply.answers = [dns.RRHeader("example.com", payload=dns.Record_A("192.0.2.7"))]
    proto.datagramReceived(reply.toStr(), addr)
    assert got[0][0][0].payload.dottedQuad() == "192.0.2.7"


def _retry_schedule(pkg):
    import importlib

    client = importlib.import_module(f"{pkg}.names.client")
    mdns = importlib.import_module(f"{pkg}.names.dns")
    clock = importlib.import_module(f"{pkg}.internet.task").Clock()
    sent = []

    class Port:
        def __init__(self, proto):
            self.proto = proto

        def write(self, data, addr):
            m = mdns.Message()
            m.fromStr(data)
            sent.append((addr[0], clock.seconds(), m.id))

        def stopListening(self):
            self.proto.transport = None

    class Reactor:
        def callLater(self, *a, **kw):
            return clock.callLater(*a, **kw)

        def seconds(self):
            return clock.seconds()

        def listenUDP(self, port, proto, interface="", maxPacketSize=8192):
            proto.transport = Port(proto)
            proto.startProtocol()
            return proto.transport

    servers = [("10.0.0.1", 53), ("10.0.0.2", 53), ("10.0.0.3", 53)]
    r = client.Resolver(servers=servers, timeout=(1, 2, 3), reactor=Reactor())
    failures = []
    r.lookupAddress("example.com").addErrback(failures.append)
    r.lookupAddress("example.com").addErrback(failures.append)  # shares the first's queries
    for _ in range(40):
        clock.advance(0.5)
    kinds = [type(f.value).__name__ for f in failures]
    return [(a, t) for a, t, _ in sent], len({i for _, _, i in sent}), kinds


def test_retry_schedule_like_twisted():
    pytest.importorskip("twisted.names")
    assert _retry_schedule("twistio") == _retry_schedule("twisted")


def _resolv_conf(pkg, tmp_path):
    import importlib

    client = importlib.import_module(f"{pkg}.names.client")
    clock = importlib.import_module(f"{pkg}.internet.task").Clock()
    conf = tmp_path / "resolv.conf"
    conf.write_text("search foo\nnameserver 10.0.0.1\nnameserver ::1\n# nameserver 9.9.9.9\n"
                    "domain x\nnameserver 10.0.0.2 # c\n")
    empty = tmp_path / "empty.conf"
    empty.write_text("search foo\n")
    r = client.Resolver(resolv=str(conf), reactor=clock)
    out = [r.dynServers, [r.pickServer() for _ in range(4)]]
    out.append([round(c.getTime()) for c in clock.getDelayedCalls()])
    out.append(client.Resolver(resolv=str(tmp_path / "missing"), reactor=clock).dynServers)
    out.append(client.Resolver(resolv=str(empty), reactor=clock).dynServers)
    both = client.Resolver(servers=[("1.1.1.1", 53)], resolv=str(conf), reactor=clock)
    out.append([both.pickServer() for _ in range(4)])
    return out


def test_resolv_conf_and_server_choice_like_twisted(tmp_path):
    pytest.importorskip("twisted.names")
    assert _resolv_conf("twistio", tmp_path) == _resolv_conf("twisted", tmp_path)


def test_udp_queries_pending_when_the_port_stops_fail():
    from twistio.internet.error import ConnectionLost

    clock = task.Clock()
    proto = dns.DNSDatagramProtocol(object(), reactor=clock)

    class Transport:
        def write(self, data, addr):
            pass

    proto.transport = Transport()
    failures = []
    proto.query(("127.0.0.1", 53), [dns.Query("example.com")]).addErrback(failures.append)
    proto.stopProtocol()
    assert failures[0].check(ConnectionLost) and not clock.getDelayedCalls()
