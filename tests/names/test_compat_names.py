"""A program written for Twisted Names runs unmodified under ``twistio compat``, and prints
what it prints under Twisted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = r'''
import sys
from twisted.internet import reactor, defer
from twisted.internet.error import CannotListenError
from twisted.names import authority, client, dns, error, server

with open(sys.argv[1], "w") as f:
    f.write("zone = [SOA('example.com', mname='ns1.example.com', rname='h.example.com', serial=1,"
            " expire=600, minimum=300), A('example.com', '192.0.2.1'),"
            " MX('example.com', 10, 'mail.example.com'), A('mail.example.com', '192.0.2.25'),"
            " CNAME('www.example.com', 'example.com')]\n")

factory = server.DNSServerFactory(authorities=[authority.PySourceAuthority(sys.argv[1])])
for attempt in range(50):  # a UDP port number whose TCP twin is free too
    udp = reactor.listenUDP(0, dns.DNSDatagramProtocol(factory), interface="127.0.0.1")
    port = udp.getHost().port
    try:
        reactor.listenTCP(port, factory, interface="127.0.0.1")
        break
    except CannotListenError:
        udp.stopListening()
resolver = client.Resolver(servers=[("127.0.0.1", port)])

@defer.inlineCallbacks
def main():
    try:
        ans, auth, add = yield resolver.lookupMailExchange("example.com")
        print(ans[0].payload, [str(rr) for rr in add])
        ans, auth, add = yield resolver.lookupAddress("www.example.com")
        print([str(rr) for rr in ans])
        address = yield resolver.getHostByName("www.example.com")
        print(address)
        try:
            yield resolver.lookupAddress("nope.example.com")
        except error.DNSNameError as e:
            print("NXDOMAIN", type(e.args[0]).__name__)
        records, _, _ = yield resolver.lookupZone("example.com")
        print(len(records), records[0].type == dns.SOA)
    finally:
        reactor.stop()

reactor.callWhenRunning(main)
reactor.run()
'''


def run(cmd, tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM)
    out = subprocess.run([*cmd, str(script), str(tmp_path / "zone.py")], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_twisted_names_program_under_compat(tmp_path):
    pytest.importorskip("twisted.names")
    ours = run([sys.executable, "-m", "twistio", "compat"], tmp_path)
    theirs = run([sys.executable], tmp_path)
    assert ours == theirs
    assert "<MX preference=10 name=mail.example.com ttl=600>" in ours
