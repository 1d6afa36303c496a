"""twistio.protocols.sip: parsing and writing messages, Via and URLs as Twisted's module
does (compared with it where it is installed), and a registration over real UDP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from twistio.internet import defer
from twistio.protocols import sip

DATAGRAMS = [
    "\r\n\r\nINVITE sip:bob@example.com SIP/2.0\r\nv: SIP/2.0/UDP a.example.com;rport\r\n"
    "f: Alice <sip:alice@example.com>;tag=1\r\nt: sip:bob@example.com\r\nl: 5\r\n\r\nhello",
    "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h:5070\r\n   ;branch=z9hG4bK1 ;received=1.2.3.4\r\n"
    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    "OPTIONS sip:x SIP/2.0\r\nCall-ID: abc\r\n\r\nno length here",
    "garbage line\r\nFrom: x\r\n\r\n",
    "REGISTER sip:example.com SIP/2.0\r\nContent-Length: 2\r\n\r\nabTRAILING",
]


def _parse(module: Any, datagram: str, split: bool) -> list[tuple[Any, ...]]:
    got: list[Any] = []
    parser = module.MessagesParser(got.append)
    for piece in datagram if split else [datagram]:
        parser.dataReceived(piece)
    parser.dataDone()
    out = []
    for message in got:
        first = (
            (message.method, message.uri.toString())
            if isinstance(message, module.Request)
            else (message.code, message.phrase)
        )
        out.append((first, dict(message.headers), message.body, message.toString()))
    return out


@pytest.mark.parametrize("datagram", DATAGRAMS)
@pytest.mark.parametrize("split", [False, True])
def test_parser_matches_twisted(datagram: str, split: bool) -> None:
    theirs = pytest.importorskip("twisted.protocols.sip")
    try:
        expected = _parse(theirs, datagram, split)
    except ValueError:
        expected = None
    try:
        got = _parse(sip, datagram, split)
    except ValueError:
        got = None
    assert got == expected


VIAS = [
    "SIP/2.0/UDP example.com",
    "SIP/2.0/TCP 10.0.0.1:5080;hidden;ttl=16;maddr=224.2.0.1;branch=z9;x;y=1",
    "SIP/2.0/UDP 10.0.0.1:5060;received=1.2.3.4;rport=1234",
    "SIP/2.0/UDP   a.example.com;rport;branch=b (comment)",
]
URLS = [
    "sip:example.com",
    "sip:j.doe:secret@big.com:5061;transport=tcp;user=phone;method=INVITE;ttl=4;maddr=1.2.3.4;"
    "tag=t;lr?subject=project&priority=urgent",
    "sip:j.doe@big.com?subject=project",
]


def test_via_and_url_match_twisted() -> None:
    theirs = pytest.importorskip("twisted.protocols.sip")
    for value in VIAS:
        ours, them = sip.parseViaHeader(value), theirs.parseViaHeader(value)
        assert ours.toString() == them.toString()
        assert (ours.host, ours.port, ours.rport, ours.branch, ours.ttl) == (
            them.host,
            them.port,
            them.rport,
            them.branch,
            them.ttl,
        )
    for url in URLS:
        assert sip.parseURL(url).toString() == theirs.parseURL(url).toString()
    for address in ['"A. G. Bell" <sip:a@b.com>;tag=1', "sip:a@b.com", "x <sip:a@b.com:1>"]:
        name, url, params = sip.parseAddress(address)
        tname, turl, tparams = theirs.parseAddress(address)
        assert (name, url.toString(), params) == (tname, turl.toString(), tparams)


def test_message_writing() -> None:
    request = sip.Request("INVITE", "sip:bob@example.com;transport=udp")
    request.addHeader("call-id", "1@h")
    request.addHeader("cseq", "1 INVITE")
    request.addHeader("www-authenticate", "x")
    assert request.toString() == (
        "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: 1@h\r\nCSeq: 1 INVITE\r\n"
        "WWW-Authenticate: x\r\n\r\n"
    )
    assert sip.Response(486).toString() == "SIP/2.0 486 Busy Here\r\n\r\n"
    with pytest.raises(ValueError):
        sip.parseViaHeader("SIP/3.0/UDP h")


class _Client(sip.Base):
    def __init__(self) -> None:
        super().__init__()
        self.responses: defer.Deferred[Any] = defer.Deferred()

    def handle_response(self, message: Any, addr: Any) -> None:
        self.responses.callback(message)


@pytest.mark.asyncio
async def test_register_then_locate_over_udp() -> None:
    from twistio.internet import reactor

    proxy = sip.RegisterProxy(host="127.0.0.1")
    registry = sip.InMemoryRegistry("example.com")
    proxy.registry = proxy.locator = registry
    server = reactor.listenUDP(0, proxy, interface="127.0.0.1")
    client = _Client()
    clientPort = reactor.listenUDP(0, client, interface="127.0.0.1")
    try:
        here = clientPort.getHost().port
        register = sip.Request("REGISTER", "sip:example.com")
        register.addHeader("to", "sip:alice@example.com")
        register.addHeader("contact", f"sip:alice@127.0.0.1:{here}")
        register.addHeader("via", sip.Via("127.0.0.1", port=here, rport=None).toString())
        client.sendMessage(sip.URL(host="127.0.0.1", port=server.getHost().port), register)
        response = await asyncio.wait_for(client.responses.asFuture(asyncio.get_running_loop()), 5)
        assert response.code == 200
        assert response.headers["contact"] == [f"sip:alice@127.0.0.1:{here}"]
        assert 3590 <= int(response.headers["expires"][0]) <= 3600
        # The response went back by the rport the request asked for.
        assert f"rport={here}" in response.headers["via"][0]
        found = await registry.getAddress(sip.URL(username="alice", host="example.com"))
        assert (found.host, found.port) == ("127.0.0.1", here)
        with pytest.raises(LookupError):
            await registry.getAddress(sip.URL(username="bob", host="example.com"))
    finally:
        for call, _ in registry.users.values():
            call.cancel()
        await server.stopListening()
        await clientPort.stopListening()
