"""twistio.protocols.htb and twistio.protocols.finger over real TCP: a shaped transport
sends a large write in bucket-sized pulls, and a finger server answers a query."""

from __future__ import annotations

import asyncio
from typing import Any

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.protocol import Factory, Protocol
from twistio.protocols import finger, htb


class _Burst(htb.Bucket):
    maxburst = 1000  # no rate: the bucket empties at once, so each pull sends 1000 bytes


class _PerHost(htb.FilterByHost):
    bucketFactory = _Burst


PAYLOAD = bytes(range(256)) * 400


async def test_shaped_transport_sends_in_bucket_sized_writes() -> None:
    sizes: list[int] = []
    buckets: list[Any] = []

    class Sender(Protocol):
        def connectionMade(self) -> None:
            shaped = self.transport
            buckets.append(shaped.bucket)
            write = shaped.consumer.write

            def spy(data: bytes) -> None:
                sizes.append(len(data))
                write(data)

            shaped.consumer.write = spy
            shaped.write(PAYLOAD)

    reactor: Any = AsyncioReactor()
    bucketFilter = _PerHost()
    factory = Factory()
    factory.protocol = htb.ShapedProtocolFactory(Sender, bucketFilter)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
        assert await asyncio.wait_for(reader.readexactly(len(PAYLOAD)), 10) == PAYLOAD
        writer.close()
    finally:
        await port.stopListening()
    assert max(sizes) == 1000 and sum(sizes) == len(PAYLOAD)
    assert list(bucketFilter.buckets) == ["127.0.0.1"]
    assert buckets[0] is bucketFilter.buckets["127.0.0.1"]


async def test_finger_server() -> None:
    class Users(finger.Finger):
        def getUser(self, slash_w: int, user: bytes) -> None:
            self.transport.write(b"%s is here (%d)\r\n" % (user, slash_w))
            self.transport.loseConnection()

    reactor: Any = AsyncioReactor()
    port = reactor.listenTCP(0, Factory.forProtocol(Users), interface="127.0.0.1")
    try:
        for query, answer in [
            (b"alice\r\n", b"alice is here (0)\r\n"),
            (b"/W bob\r\n", b"bob is here (1)\r\n"),
            (b"carol@elsewhere\r\n", b"Finger forwarding service denied\n"),
            (b"\r\n", b"Finger online list denied\n"),
        ]:
            reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
            writer.write(query)
            assert await asyncio.wait_for(reader.read(), 10) == answer
            writer.close()
    finally:
        await port.stopListening()


def test_sweep_drops_empty_unused_buckets(monkeypatch: Any) -> None:
    now = [0.0]
    monkeypatch.setattr(htb, "time", lambda: now[0])

    class Slow(htb.Bucket):
        maxburst, rate = 100, 1

    class ByKey(htb.HierarchicalBucketFilter):
        bucketFactory = Slow
        sweepInterval = 10

        def getBucketKey(self, key: str) -> str:
            return key

    buckets = ByKey()
    used, idle, full = (buckets.getBucketFor(k) for k in ("used", "idle", "full"))
    used._refcount = 1
    full.add(50)
    now[0] = 11
    buckets.getBucketFor("new")  # more than sweepInterval later: sweeps first
    assert sorted(buckets.buckets) == ["full", "new", "used"]
    now[0] = 100
    buckets.sweep()
    assert sorted(buckets.buckets) == ["used"]
