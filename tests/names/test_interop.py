"""Real DNS peers against twistio: dig and dnspython as clients of twistio's server, twistio's
client against twistio's server and against a dnspython-based server, a caching forwarder."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.names.conftest import ZONES, Served, dig_path, needs_dig
from twistio.internet.defer import Deferred
from twistio.names import authority, cache, client, dns, error, server


async def dig(port: int, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        dig_path, "@127.0.0.1", "-p", str(port), "+time=2", "+tries=1", "+norecurse", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 10)
    return out.decode()


def parsed(text: str) -> tuple[str, set[str], list[list[str]], list[list[str]]]:
    """Status, flags, answer and authority records of dig's output."""
    status = re.search(r"status: (\w+)", text).group(1)
    flags = set(re.search(r";; flags: ([^;]*);", text).group(1).split())
    sections: dict[str, list[list[str]]] = {"ANSWER": [], "AUTHORITY": []}
    current = None
    for line in text.splitlines():
        m = re.match(r";; (\w+) SECTION:", line)
        if m:
            current = m.group(1)
            continue
        if not line.strip() or line.startswith(";"):
            if not line.strip():
                current = None
            continue
        if current in sections:
            sections[current].append(line.split(None, 4))
    return status, flags, sections["ANSWER"], sections["AUTHORITY"]


CASES = [
    ("example.com", "A", "192.0.2.1"),
    ("example.com", "AAAA", "2001:db8::1"),
    ("example.com", "MX", "10 mail.example.com."),
    ("example.com", "TXT", '"v=spf1 -all" "second string"'),
    ("www.example.com", "CNAME", "example.com."),
    ("example.com", "SOA", "ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 3600"),
    ("_sip._tcp.example.com", "SRV", "10 20 5060 sip.example.com."),
]


@needs_dig
@pytest.mark.single_loop
@pytest.mark.parametrize("transport", ["+notcp", "+tcp"])
async def test_dig_records(authoritative, transport):
    for name, rtype, rdata in CASES:
        out = await dig(authoritative.port, transport, name, rtype)
        status, flags, answers, _ = parsed(out)
        assert status == "NOERROR", out
        assert {"qr", "aa"} <= flags and "ra" not in flags, out
        assert [name + ".", rtype, rdata] in [[a[0], a[3], a[4]] for a in answers], out


@needs_dig
@pytest.mark.single_loop
@pytest.mark.parametrize("transport", ["+notcp", "+tcp"])
async def test_dig_cname_chased_and_nxdomain_with_soa(authoritative, transport):
    out = await dig(authoritative.port, transport, "www.example.com", "A")
    status, flags, answers, _ = parsed(out)
    assert [a[3] for a in answers] == ["CNAME", "A", "AAAA"], out
    out = await dig(authoritative.port, transport, "nope.example.com", "A")
    status, flags, answers, authority_ = parsed(out)
    assert status == "NXDOMAIN" and "aa" in flags and answers == [], out
    assert [r[0] for r in authority_] == ["example.com."] and authority_[0][3] == "SOA", out


@needs_dig
@pytest.mark.single_loop
async def test_dig_nodata_has_soa(authoritative):
    status, flags, answers, auth = parsed(await dig(authoritative.port, "example.com", "SRV"))
    assert status == "NOERROR" and answers == [] and auth[0][3] == "SOA" and "aa" in flags


@needs_dig
@pytest.mark.single_loop
async def test_dig_truncated_udp_retried_over_tcp(authoritative):
    out = await dig(authoritative.port, "+noedns", "big.example.com", "TXT")
    assert "Truncated, retrying in TCP mode" in out, out
    status, flags, answers, _ = parsed(out)
    assert status == "NOERROR" and len(answers) == 30, out
    out = await dig(authoritative.port, "+noedns", "+ignore", "big.example.com", "TXT")
    assert "tc" in parsed(out)[1], out


@needs_dig
@pytest.mark.single_loop
async def test_dig_ra_with_clients(upstream):
    forwarder = server.DNSServerFactory(
        clients=[client.Resolver(servers=[("127.0.0.1", upstream.port)])]
    )
    served = Served(forwarder)
    try:
        out = await dig(served.port, "+recurse", "anything.test", "A")
        status, flags, answers, _ = parsed(out)
        assert status == "NOERROR" and "ra" in flags and "aa" not in flags, out
        assert answers[0][4] == "192.0.2.200"
    finally:
        await served.close()


async def test_dnspython_client(authoritative):
    import dns.asyncquery
    import dns.message
    import dns.rcode

    for name, rtype, rdata in CASES:
        q = dns.message.make_query(name, rtype)
        for query in (dns.asyncquery.udp, dns.asyncquery.tcp):
            r = await query(q, "127.0.0.1", port=authoritative.port, timeout=2)
            assert r.rcode() == dns.rcode.NOERROR
            assert rdata in [rd.to_text() for rrset in r.answer for rd in rrset], (name, rtype)
    q = dns.message.make_query("nope.example.com", "A")
    r = await dns.asyncquery.udp(q, "127.0.0.1", port=authoritative.port, timeout=2)
    assert r.rcode() == dns.rcode.NXDOMAIN and r.authority[0].rdtype == 6
    # A truncated UDP answer, then the whole answer over TCP.
    q = dns.message.make_query("big.example.com", "TXT", use_edns=False)
    r, used_tcp = await dns.asyncquery.udp_with_fallback(q, "127.0.0.1", port=authoritative.port, timeout=2)
    assert used_tcp and len(r.answer[0]) == 30


async def test_twistio_client_against_twistio_server(authoritative):
    r = client.Resolver(servers=[("127.0.0.1", authoritative.port)])
    ans, auth, add = await r.lookupAddress("example.com")
    assert [rr.payload.dottedQuad() for rr in ans] == ["192.0.2.1"] and ans[0].auth
    ans, auth, add = await r.lookupMailExchange("example.com")
    assert ans[0].payload == dns.Record_MX(10, "mail.example.com", ttl=ans[0].ttl)
    assert ans[0].payload.name == dns.Name("mail.example.com")
    assert [rr.payload.dottedQuad() for rr in add] == ["192.0.2.25"]
    ans, _, _ = await r.lookupText("big.example.com")  # truncated over UDP, asked over TCP
    assert len(ans) == 30
    assert await r.getHostByName("www.example.com") == "2001:db8::1"
    with pytest.raises(error.DNSNameError):
        await r.lookupAddress("nope.example.com")
    for c in r.connections:
        c.transport.loseConnection()
    r._stop_reading_config()


async def test_twistio_client_against_dnspython_server(upstream):
    r = client.Resolver(servers=[("127.0.0.1", upstream.port)])
    ans, _, _ = await r.lookupAddress("host.example")
    assert ans[0].payload.dottedQuad() == "192.0.2.200" and ans[0].ttl == 120
    with pytest.raises(error.DNSNameError):
        await r.lookupAddress("nx.example")
    ans, _, _ = await r.lookupText("big.example")
    assert len(ans) == 40
    assert [q[2] for q in upstream.queries] == [True, True, True, False]
    for c in r.connections:
        c.transport.loseConnection()


async def test_caching_forwarder_asks_upstream_once(upstream):
    import dns.asyncquery
    import dns.message

    forwarder = server.DNSServerFactory(
        caches=[cache.CacheResolver()],
        clients=[client.Resolver(servers=[("127.0.0.1", upstream.port)])],
    )
    served = Served(forwarder)
    try:
        for _ in range(3):
            q = dns.message.make_query("cached.example", "A")
            r = await dns.asyncquery.udp(q, "127.0.0.1", port=served.port, timeout=2)
            assert r.answer[0][0].to_text() == "192.0.2.200" and r.answer[0].ttl <= 120
        assert [q[0] for q in upstream.queries] == ["cached.example."]
    finally:
        for call in list(forwarder.cache.cancel.values()):
            call.cancel()
        await served.close()


async def test_client_retries_then_times_out():
    from twistio.internet import reactor

    silent = reactor.listenUDP(0, __import__("twistio.internet.protocol", fromlist=["x"]).DatagramProtocol(), interface="127.0.0.1")
    try:
        r = client.Resolver(servers=[("127.0.0.1", silent.getHost().port)], timeout=(0.05, 0.05))
        from twistio.internet.defer import TimeoutError

        with pytest.raises(TimeoutError):
            await r.lookupAddress("example.com")
    finally:
        await silent.stopListening()


async def test_bind_zone_served(tmp_path):
    zone = authority.BindAuthority(str(ZONES / "relative.zone"))
    served = Served(server.DNSServerFactory(authorities=[zone]))
    try:
        r = client.Resolver(servers=[("127.0.0.1", served.port)])
        ans, _, add = await r.lookupMailExchange("example.net")
        assert str(ans[0].payload.name) == "mail.example.net" and ans[0].ttl == 300
        assert add[0].payload.dottedQuad() == "192.0.2.25"
        ans, _, _ = await r.lookupText("example.net")
        assert ans[0].payload.data == [b"hello world; not a comment", b"two"]
        ans, _, _ = await r.lookupAddress("www.example.net")
        assert ans[0].type == dns.CNAME and ans[0].ttl == 600
        ans, _, _ = await r.lookupAddress("host.sub.example.net")
        assert ans[0].payload.dottedQuad() == "192.0.2.77"
        ans, _, _ = await r.lookupAuthority("example.net")
        assert str(ans[0].payload.mname) == "ns1.example.net" and ans[0].payload.serial == 7
    finally:
        await served.close()


def test_deferred_is_awaitable():
    assert hasattr(Deferred, "__await__")
