"""DNSServerFactory's replies where twistio follows the RFCs rather than Twisted
(docs/differences.md), driven without sockets."""

from __future__ import annotations

from tests.names.conftest import ZONES
from twistio.names import authority, dns, server


class Capture:
    def __init__(self):
        self.sent = []

    def writeMessage(self, message, address=None):
        self.sent.append(message)


def factory():
    return server.DNSServerFactory(
        authorities=[authority.PySourceAuthority(str(ZONES / "example.pyzone"))]
    )


def ask(f, message, address=("127.0.0.1", 5353)):
    p = Capture()
    f.messageReceived(message, p, address)
    return p.sent


def test_other_opcodes_get_notimp_responses():
    for op in (dns.OP_INVERSE, dns.OP_STATUS, dns.OP_NOTIFY, dns.OP_UPDATE, 9):
        m = dns.Message(id=5, opCode=op)
        m.queries = [dns.Query("example.com")]
        (reply,) = ask(factory(), m)
        assert (reply.answer, reply.rCode, reply.opCode, reply.id) == (1, dns.ENOTIMP, op, 5)


def test_no_question_refused_as_a_response():
    (reply,) = ask(factory(), dns.Message(id=9))
    assert (reply.answer, reply.rCode) == (1, dns.EREFUSED)


def test_responses_are_ignored():
    m = dns.Message(id=5, answer=1)
    m.queries = [dns.Query("example.com")]
    assert ask(factory(), m) == []


def test_udp_answers_truncated_to_512_or_the_edns_size():
    f = factory()
    m = dns.Message(id=5)
    m.queries = [dns.Query("big.example.com", dns.TXT)]
    (reply,) = ask(f, m)
    data = reply.toStr()
    assert len(data) <= 512 and reply.trunc
    e = dns._EDNSMessage(id=6, queries=[dns.Query("big.example.com", dns.TXT)], maxSize=1232)
    query = dns.Message()
    query.fromStr(e.toStr())
    (reply,) = ask(f, query)
    data = reply.toStr()
    assert 512 < len(data) <= 1232 and reply.trunc
    (reply,) = ask(f, query, address=None)  # TCP: whole
    reply.toStr()
    assert not reply.trunc and len(reply.answers) == 30


def test_nxdomain_and_nodata_carry_the_soa_with_aa():
    m = dns.Message(id=5)
    m.queries = [dns.Query("nope.example.com")]
    (reply,) = ask(factory(), m)
    assert (reply.rCode, reply.auth) == (dns.ENAME, True)
    assert reply.authority[0].type == dns.SOA and reply.authority[0].ttl == 3600
    m.queries = [dns.Query("example.com", dns.SRV)]
    (reply,) = ask(factory(), m)
    assert (reply.rCode, reply.auth, reply.authority[0].type) == (dns.OK, True, dns.SOA)


def test_malformed_query_gets_formerr():
    f = factory()
    p = Capture()
    proto = dns.DNSDatagramProtocol(f)

    class T:
        def write(self, data, addr):
            p.sent.append(data)

    proto.transport = T()
    proto.datagramReceived(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03ab", ("127.0.0.1", 1))
    proto.datagramReceived(b"\x12\x34\x81\x00\x00\x01", ("127.0.0.1", 1))  # a response: dropped
    (data,) = p.sent
    reply = dns.Message()
    reply.fromStr(data)
    assert (reply.id, reply.answer, reply.rCode) == (0x1234, 1, dns.EFORMAT)


def test_memoised_answers_follow_zone_changes():
    a = authority.PySourceAuthority(str(ZONES / "example.pyzone"))
    got = []
    a.lookupAddress("example.com").addCallback(got.append)
    a.records[b"example.com"].append(dns.Record_A("192.0.2.2"))
    a.lookupAddress("example.com").addCallback(got.append)
    assert [len(r[0]) for r in got] == [1, 2]
    got[0][0].clear()  # callers get lists of their own
    a.lookupAddress("example.com").addCallback(got.append)
    assert len(got[2][0]) == 2
