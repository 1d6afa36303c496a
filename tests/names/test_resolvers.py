"""Resolvers: cache, hosts, chain, getHostByName, root (iterative), secondary (AXFR), the
client's zone transfer, and the reactor's name resolution through a twistio.names resolver."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.names.conftest import ZONES, Served
from twistio.internet import reactor, task
from twistio.internet.defer import Deferred, fail, succeed
from twistio.internet.error import DNSLookupError
from twistio.names import (
    authority,
    cache,
    client,
    common,
    dns,
    error,
    hosts,
    resolve,
    root,
    secondary,
    server,
)

ROOT = Path(__file__).resolve().parents[2]


def result_of(d):
    out = []
    d.addBoth(out.append)
    return out[0]


def test_cache_decrements_ttls_and_expires_like_twisted():
    t_cache = pytest.importorskip("twisted.names.cache")
    t_dns = pytest.importorskip("twisted.names.dns")
    from twisted.internet import task as t_task

    results = []
    for mod_dns, mod_cache, clock in ((dns, cache, task.Clock()), (t_dns, t_cache, t_task.Clock())):
        c = mod_cache.CacheResolver(reactor=clock)
        q = mod_dns.Query("a.com", mod_dns.A)
        H = mod_dns.RRHeader
        c.cacheResult(q, ([H("a.com", ttl=10, payload=mod_dns.Record_A("1.1.1.1", 10))],
                          [H("a.com", mod_dns.NS, ttl=30, payload=mod_dns.Record_NS("ns"))], []))
        seen = []
        for step in (3, 4, 3.5):
            clock.advance(step)
            r = result_of(c.query(q))
            seen.append(repr(r) if isinstance(r, tuple) else type(r.value).__name__)
        seen.append(repr(c.cache))
        results.append(seen)
    assert results[0] == results[1]
    assert "ttl=7s" in results[0][0] and results[0][2] == "DomainError"


def test_hosts_resolver_like_twisted(tmp_path):
    t_hosts = pytest.importorskip("twisted.names.hosts")
    path = tmp_path / "hosts"
    path.write_text("127.0.0.1 localhost Loc\n# 1.1.1.1 x\n::1 localhost six\n"
                    "10.0.0.1 foo foo.example # tail\n10.0.0.2 FOO\n")
    for name in ["localhost", "LOC", "foo", "nope", "foo.example", "six"]:
        for method in ("lookupAddress", "lookupIPV6Address", "lookupAllRecords", "getHostByName"):
            ours = result_of(getattr(hosts.Resolver(str(path).encode(), ttl=60), method)(name))
            theirs = result_of(getattr(t_hosts.Resolver(str(path).encode(), ttl=60), method)(name))
            if isinstance(theirs, tuple | str):
                assert repr(ours) == repr(theirs), (name, method)
                if isinstance(ours, tuple):
                    assert [repr(rr.payload) for rr in ours[0]] == [repr(rr.payload) for rr in theirs[0]]
            else:
                assert type(ours.value).__name__ == type(theirs.value).__name__, (name, method)
    assert hosts.searchFileForAll(str(path), "foo") == ["10.0.0.1", "10.0.0.2"]


class Fixed(common.ResolverBase):
    def __init__(self, data):
        common.ResolverBase.__init__(self)
        self.data = data
        self.calls = []

    def _lookup(self, name, cls, type, timeout):
        self.calls.append((name, type))
        if name in self.data:
            return succeed(self.data[name])
        return fail(error.DNSNameError(name))


def test_get_host_by_name_follows_cnames():
    H = dns.RRHeader
    r = Fixed({
        b"a.com": ([H("a.com", dns.A, payload=dns.Record_A("1.2.3.4"))], [], []),
        b"c.com": ([H("c.com", dns.CNAME, payload=dns.Record_CNAME("a.com"))], [], []),
        b"loop.com": ([H("loop.com", dns.CNAME, payload=dns.Record_CNAME("loop.com"))], [], []),
        b"empty.com": ([], [], []),
    })
    assert result_of(r.getHostByName("a.com")) == "1.2.3.4"
    assert result_of(r.getHostByName("c.com")) == "1.2.3.4"
    assert r.calls[-1] == (b"a.com", dns.ALL_RECORDS)
    assert result_of(r.getHostByName("loop.com")).check(DNSLookupError)
    assert result_of(r.getHostByName("empty.com")).check(DNSLookupError)
    assert result_of(r.getHostByName("nx.com")).check(error.DNSNameError)


def test_resolver_chain_stops_at_authoritative_errors():
    class Raising(common.ResolverBase):
        def __init__(self, exc):
            common.ResolverBase.__init__(self)
            self.exc = exc

        def _lookup(self, name, cls, type, timeout):
            return fail(self.exc(name))

    answer = Fixed({b"x.com": ([dns.RRHeader("x.com")], [], [])})
    chain = resolve.ResolverChain([Raising(error.DomainError), answer])
    assert result_of(chain.lookupAddress("x.com"))[0][0].name == dns.Name("x.com")
    chain = resolve.ResolverChain([Raising(dns.AuthoritativeDomainError), answer])
    assert result_of(chain.lookupAddress("x.com")).check(dns.AuthoritativeDomainError)
    assert result_of(resolve.ResolverChain([]).lookupAddress("x")).check(error.DomainError)


async def test_zone_transfer_and_secondary(authoritative):
    r = client.Resolver(servers=[("127.0.0.1", authoritative.port)])
    records, _, _ = await r.lookupZone("example.com")
    assert records[0].type == dns.SOA and records[-1].type == dns.SOA
    assert len(records) > 40
    r._stop_reading_config()
    sec = secondary.SecondaryAuthority.fromServerAddressAndDomain(
        ("127.0.0.1", authoritative.port), "example.com"
    )
    assert result_of(sec.lookupAddress("example.com")).check(error.DomainError)
    await sec.transfer()
    ans, _, add = await sec.lookupMailExchange("example.com")
    assert str(ans[0].payload.name) == "mail.example.com" and add[0].payload.dottedQuad() == "192.0.2.25"
    assert result_of(sec.lookupAddress("nope.example.com")).check(dns.AuthoritativeDomainError)


class Referral:
    """A root server's resolver: every query is referred to the 'test.' servers."""

    def query(self, query, timeout=None):
        ns = dns.RRHeader("test", dns.NS, ttl=300, payload=dns.Record_NS("ns.test"))
        glue = dns.RRHeader("ns.test", dns.A, ttl=300, payload=dns.Record_A("127.0.0.11"))
        return succeed(([], [ns], [glue]))


def _serve_on(factory, host, port):
    udp = reactor.listenUDP(port, dns.DNSDatagramProtocol(factory), interface=host)
    return udp


async def test_root_resolver_follows_referrals(tmp_path):
    zone = tmp_path / "test.pyzone"
    zone.write_text(
        "zone = [SOA('test', mname='ns.test', rname='h.test', serial=1, expire=60, minimum=60),"
        " A('www.example.test', '192.0.2.33'), CNAME('alias.test', 'www.example.test')]\n"
    )
    leaf = server.DNSServerFactory(authorities=[authority.PySourceAuthority(str(zone))])
    top = server.DNSServerFactory(authorities=[Referral()])
    from twistio.internet.error import CannotListenError

    for _attempt in range(50):  # the same port number on both addresses
        first = _serve_on(top, "127.0.0.10", 0)
        port = first.getHost().port
        try:
            second = _serve_on(leaf, "127.0.0.11", port)
            break
        except CannotListenError:
            await first.stopListening()
    made = []

    def factory(servers, reactor=None):
        r = client.Resolver(servers=[(host, port) for host, _ in servers], reactor=reactor)
        made.append(r)
        return r

    try:
        r = root.Resolver(["127.0.0.10"], resolverFactory=factory)
        ans, _, _ = await r.lookupAddress("www.example.test", timeout=(2,))
        assert ans[0].payload.dottedQuad() == "192.0.2.33"
        ans, _, _ = await r.lookupAddress("alias.test", timeout=(2,))
        assert [rr.type for rr in ans] == [dns.CNAME, dns.A]
        limited = root.Resolver(["127.0.0.10"], maximumQueries=1, resolverFactory=factory)
        with pytest.raises(error.ResolverError):
            await limited.lookupAddress("www.example.test", timeout=(2,))
    finally:
        await first.stopListening()
        await second.stopListening()


async def test_bootstrap_waits_for_the_roots():
    class Roots(common.ResolverBase):
        def getHostByName(self, name, timeout=None, effort=10):
            return succeed("127.0.0.10")

    d = root.bootstrap(Roots())
    assert isinstance(d, root.Resolver) and d.hints == ["127.0.0.10"] * 13


async def test_reactor_resolves_through_installed_names_resolver(authoritative, tmp_path):
    zone = tmp_path / "local.pyzone"
    zone.write_text(
        "zone = [SOA('local.test', mname='ns.local.test', rname='h.local.test', serial=1),"
        " A('svc.local.test', '127.0.0.1')]\n"
    )
    served = Served(server.DNSServerFactory(authorities=[authority.PySourceAuthority(str(zone))]))
    names = client.Resolver(servers=[("127.0.0.1", served.port)])
    from twistio.internet.interfaces import IResolver, IResolverSimple

    assert IResolver.providedBy(names) and IResolverSimple.providedBy(names)
    old = reactor.installResolver(names)
    try:
        assert await reactor.resolve("svc.local.test") == "127.0.0.1"
        with pytest.raises(error.DNSNameError):
            await reactor.resolve("nope.local.test")
        # connectTCP to a host name and HostnameEndpoint resolve through it too.
        from twistio.internet import endpoints
        from twistio.internet.protocol import ClientFactory, Factory, Protocol

        got: Deferred[bytes] = Deferred()

        class Hello(Protocol):
            def connectionMade(self):
                self.transport.write(b"hi")
                self.transport.loseConnection()

        class Reader(Protocol):
            def dataReceived(self, data):
                got.callback(data)

        listening = reactor.listenTCP(0, Factory.forProtocol(Hello), interface="127.0.0.1")
        port = listening.getHost().port
        reactor.connectTCP("svc.local.test", port, ClientFactory.forProtocol(Reader))
        assert await got == b"hi"
        ep = endpoints.HostnameEndpoint(reactor, "svc.local.test", port)
        proto = await ep.connect(Factory.forProtocol(Protocol))
        assert proto.transport.getPeer().host == "127.0.0.1"
        proto.transport.loseConnection()
        await listening.stopListening()
    finally:
        reactor.installResolver(old)
        names._stop_reading_config()
        await served.close()


async def test_twistio_dns_command(tmp_path):
    import dns.asyncquery
    import dns.message

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "twistio", "dns", "--pyzone", str(ZONES / "example.pyzone"),
        "--bindzone", str(ZONES / "relative.zone"), "--listen", "127.0.0.1:0",
        stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )
    try:
        ports = set()
        while len(ports) < 2:
            line = (await asyncio.wait_for(proc.stderr.readline(), 20)).decode()
            assert line, "twistio dns exited"
            if "listening on" in line:
                ports.add(line.split("listening on ")[1].split()[0])
        port = int(next(iter(ports)).rsplit(":", 1)[1])
        assert {p.split(":")[0] for p in ports} == {"udp", "tcp"}
        for name, query in (("example.com", dns.asyncquery.udp), ("example.net", dns.asyncquery.tcp)):
            r = await query(dns.message.make_query(name, "MX"), "127.0.0.1", port=port, timeout=3)
            assert r.answer and r.answer[0][0].exchange.to_text().startswith("mail.")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0


def test_twistio_dns_command_errors(tmp_path, capsys):
    from twistio._cli import main

    assert main(["dns"]) == 2 and "give a zone" in capsys.readouterr().err
    assert main(["dns", "--pyzone", str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["dns", "--pyzone", str(ZONES / "example.pyzone"), "--listen", "nope"])
    assert e.value.code == 2
    run = lambda *a: subprocess.run([sys.executable, "-m", "twistio", "dns", *a], cwd=ROOT,
                                    capture_output=True, text=True, timeout=30)
    bad = tmp_path / "bad.zone"
    bad.write_text("$ORIGIN x.\n@ IN SOA a b ( 1 2 3 4 5 )\nwww IN A not-an-address\n")
    out = run("--bindzone", str(bad), "--listen", "127.0.0.1:0")
    assert out.returncode == 1 and "cannot load the zones" in out.stderr
    assert os.path.exists(ZONES / "example.pyzone")


def test_make_service_from_twisted_style_options():
    from twistio.names import tap

    class Options(dict):
        zones = [authority.PySourceAuthority(str(ZONES / "example.pyzone"))]
        secondaries = [(("127.0.0.1", 5300), ["example.org"])]

    top = tap.makeService(Options(port=5353, interface="127.0.0.1", cache=1, recursive=0,
                                  verbose=0, **{"resolv-conf": None, "hosts-file": None}))
    kinds = sorted(type(s).__name__ for s in top)
    assert kinds == ["SecondaryAuthorityService", "TCPServer", "UDPServer"]
    udp = next(s for s in top if type(s).__name__ == "UDPServer")
    assert udp.args[0] == 5353 and udp.kwargs["interface"] == "127.0.0.1"
    factory = udp.args[1].controller
    assert factory.cache is not None and not factory.canRecurse
    assert len(factory.resolver.resolvers) == 3  # the zone, the secondary, the cache


class _Scripted:
    """A resolver factory answering from a table: (server address, name) -> message parts."""

    def __init__(self, table):
        self.table = table
        self.asked = []

    def __call__(self, servers, reactor=None):
        scripted = self

        class One:
            def queryUDP(self, queries, timeout=None):
                name = queries[0].name.name
                address = servers[0][0]
                scripted.asked.append((address, name))
                parts = scripted.table[(address, name)]
                message = dns.Message(rCode=dns.OK)
                for section in ("answers", "authority", "additional"):
                    setattr(message, section, [
                        dns.RRHeader(owner, payload.TYPE, payload=payload)
                        for owner, payload in parts.get(section, [])
                    ])
                return succeed(message)

        return One()


def test_root_resolver_counts_a_name_server_lookup_in_its_budget():
    """The lookup of a referral's name server (no glue) uses the same query budget as the
    lookup that needed it: four queries here, so a budget of three fails."""
    table = {
        ("192.0.2.1", b"www.example"): {"authority": [(b"example", dns.Record_NS(b"ns.other"))]},
        ("192.0.2.1", b"ns.other"): {"answers": [(b"ns.other", dns.Record_A("192.0.2.2"))]},
        ("192.0.2.2", b"www.example"): {
            "authority": [(b"example", dns.Record_NS(b"ns2.example"))],
            "additional": [(b"ns2.example", dns.Record_A("192.0.2.3"))],
        },
        ("192.0.2.3", b"www.example"): {"answers": [(b"www.example", dns.Record_A("192.0.2.4"))]},
    }
    enough = _Scripted(table)
    found = result_of(root.Resolver(["192.0.2.1"], maximumQueries=4, resolverFactory=enough)
                      .lookupAddress("www.example"))
    assert found[0][0].payload.dottedQuad() == "192.0.2.4" and len(enough.asked) == 4
    short = _Scripted(table)
    failed = result_of(root.Resolver(["192.0.2.1"], maximumQueries=3, resolverFactory=short)
                       .lookupAddress("www.example"))
    assert failed.check(error.ResolverError) and len(short.asked) == 3
