"""A bounded fuzz of twistio's DNS server: mutated queries over UDP and TCP never crash it,
every reply it sends is a well-formed response, and it still answers afterwards."""

from __future__ import annotations

import asyncio
import logging
import random
import struct

from twistio.names import dns

SEED = 1818
COUNT = 400


def queries() -> list[bytes]:
    out = []
    for name in ("example.com", "www.example.com", "nope.example.com", "big.example.com"):
        for rtype in (dns.A, dns.MX, dns.TXT, dns.ALL_RECORDS, 9999):
            m = dns.Message(id=7, recDes=1)
            m.queries = [dns.Query(name, rtype)]
            out.append(m.toStr())
    edns = dns._EDNSMessage(id=8, queries=[dns.Query("big.example.com", dns.TXT)], maxSize=1232)
    out.append(edns.toStr())
    return out


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    how = rng.randrange(5)
    if how == 0:
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif how == 1:
        del b[rng.randrange(len(b)) :]
    elif how == 2:
        i = rng.randrange(len(b))
        b[i:i] = rng.randbytes(rng.randint(1, 16))
    elif how == 3:
        b[4:12] = rng.randbytes(8)  # section counts
    else:
        b = bytearray(rng.randbytes(rng.randint(0, 80)))
    return bytes(b)


def check_reply(data: bytes) -> dns.Message:
    m = dns.Message()
    m.fromStr(data)
    assert m.answer == 1
    return m


class Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.replies.put_nowait(data)


async def test_udp_fuzz(authoritative, caplog):
    caplog.set_level(logging.CRITICAL, logger="twistio.names")
    rng = random.Random(SEED)
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(
        Client, remote_addr=("127.0.0.1", authoritative.port)
    )
    try:
        seeds = queries()
        for i in range(COUNT):
            transport.sendto(mutate(rng, rng.choice(seeds)))
            if i % 50 == 49:
                await asyncio.sleep(0)  # let the server read: its socket buffer is bounded
        # Still answering: a valid query gets its answer (after whatever replies are queued).
        transport.sendto(seeds[0])

        async def answered() -> None:
            while True:
                m = check_reply(await proto.replies.get())
                if m.id == 7 and m.answers and m.queries[0].name == dns.Name("example.com"):
                    return

        await asyncio.wait_for(answered(), 5)
        while not proto.replies.empty():
            check_reply(proto.replies.get_nowait())
    finally:
        transport.close()


async def test_tcp_fuzz(authoritative, caplog):
    caplog.set_level(logging.CRITICAL, logger="twistio.names")
    rng = random.Random(SEED + 1)
    reader, writer = await asyncio.open_connection("127.0.0.1", authoritative.port)
    try:
        seeds = queries()
        for _ in range(100):
            data = mutate(rng, rng.choice(seeds))
            writer.write(struct.pack("!H", len(data)) + data)
        data = seeds[0]
        writer.write(struct.pack("!H", len(data)) + data)

        async def answered() -> None:
            while True:
                (size,) = struct.unpack("!H", await reader.readexactly(2))
                m = check_reply(await reader.readexactly(size))
                if m.id == 7 and m.answers and m.queries[0].name == dns.Name("example.com"):
                    return

        await asyncio.wait_for(answered(), 5)
    finally:
        writer.close()


async def test_formerr_for_malformed_query(authoritative):
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(
        Client, remote_addr=("127.0.0.1", authoritative.port)
    )
    try:
        transport.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07exam")
        m = check_reply(await asyncio.wait_for(proto.replies.get(), 2))
        assert (m.id, m.rCode, m.answer) == (0x1234, dns.EFORMAT, 1)
        transport.sendto(b"\x12")  # no header: dropped; then a valid query is answered
        transport.sendto(queries()[0])
        m = check_reply(await asyncio.wait_for(proto.replies.get(), 2))
        assert m.id == 7 and m.rCode == dns.OK
    finally:
        transport.close()
