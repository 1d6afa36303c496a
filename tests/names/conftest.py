"""Servers for the DNS tests: twistio's authoritative server, and an independent one built on
dnspython, both on 127.0.0.1 with a port chosen by the system."""

from __future__ import annotations

import asyncio
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import reactor
from twistio.internet.error import CannotListenError
from twistio.names import authority, dns, server

ZONES = Path(__file__).parent / "zones"
dig_path = shutil.which("dig")
needs_dig = pytest.mark.skipif(dig_path is None, reason="dig (dnsutils) is not installed")


class Served:
    """A twistio DNS server listening on UDP and TCP at the same port."""

    def __init__(self, factory: server.DNSServerFactory) -> None:
        self.factory = factory
        for _attempt in range(50):  # the UDP port number may be taken for TCP
            self.udp = reactor.listenUDP(0, dns.DNSDatagramProtocol(factory), interface="127.0.0.1")
            self.port = self.udp.getHost().port
            try:
                self.tcp = reactor.listenTCP(self.port, factory, interface="127.0.0.1")
                return
            except CannotListenError:
                self.udp.stopListening()
        raise RuntimeError("no port free for both UDP and TCP")

    async def close(self) -> None:
        await self.udp.stopListening()
        await self.tcp.stopListening()


@pytest.fixture
async def authoritative():
    zone = authority.PySourceAuthority(str(ZONES / "example.pyzone"))
    served = Served(server.DNSServerFactory(authorities=[zone]))
    yield served
    await served.close()


class DnspythonServer(asyncio.DatagramProtocol):
    """An upstream DNS server written with dnspython only: answers every A query with
    192.0.2.200 (TTL 120), NXDOMAIN for names starting with 'nx', a 40-record TXT answer
    (truncated over UDP) for 'big.'; counts the queries it gets."""

    def __init__(self) -> None:
        self.queries: list[Any] = []
        self.transport: Any = None

    def answer(self, wire: bytes, udp: bool) -> bytes:
        import dns.flags
        import dns.message
        import dns.rcode
        import dns.rrset

        q = dns.message.from_wire(wire)
        self.queries.append((q.question[0].name.to_text(), q.question[0].rdtype, udp))
        r = dns.message.make_response(q)
        r.flags |= dns.flags.RA
        name = q.question[0].name
        text = name.to_text()
        if text.startswith("nx"):
            r.set_rcode(dns.rcode.NXDOMAIN)
        elif text.startswith("big."):
            rrset = dns.rrset.from_text_list(
                name, 120, "IN", "TXT", [f'"upstream record {i:02d} {"y" * 50}"' for i in range(40)]
            )
            r.answer.append(rrset)
        else:
            r.answer.append(dns.rrset.from_text(name, 120, "IN", "A", "192.0.2.200"))
        return r.to_wire(max_size=512 if udp else 65535)  # type: ignore[no-any-return]

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        import dns.exception

        try:
            self.transport.sendto(self.answer(data, True), addr)
        except dns.exception.TooBig:
            import dns.flags
            import dns.message

            q = dns.message.from_wire(data)
            r = dns.message.make_response(q)
            r.flags |= dns.flags.TC
            self.transport.sendto(r.to_wire(), addr)

    async def tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (size,) = struct.unpack("!H", await reader.readexactly(2))
                reply = self.answer(await reader.readexactly(size), False)
                writer.write(struct.pack("!H", len(reply)) + reply)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def upstream():
    pytest.importorskip("dns.message")
    loop = asyncio.get_running_loop()
    proto = DnspythonServer()
    for _attempt in range(50):  # the UDP port number may be taken for TCP
        transport, _ = await loop.create_datagram_endpoint(
            lambda: proto, local_addr=("127.0.0.1", 0)
        )
        port = transport.get_extra_info("sockname")[1]
        try:
            tcp = await asyncio.start_server(proto.tcp_client, "127.0.0.1", port)
            break
        except OSError:
            transport.close()
    else:
        raise RuntimeError("no port free for both UDP and TCP")
    proto.port = port  # type: ignore[attr-defined]
    yield proto
    transport.close()
    tcp.close()
    await tcp.wait_closed()
