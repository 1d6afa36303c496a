"""Traffic shaping with hierarchical token buckets (after Linux's HTB queueing discipline).

A ``Bucket`` fills with tokens (bytes) as data is sent and drains at ``rate`` tokens a
second; it holds at most ``maxburst``. Buckets nest: what goes into a bucket also goes into
its parent. A ``HierarchicalBucketFilter`` hands out buckets by key (``FilterByHost``: one
per peer host; ``FilterByServer``: one per local port), and ``ShapedProtocolFactory`` gives
each protocol a ``ShapedTransport`` that writes only as fast as its bucket allows::

    class PerHost(FilterByHost):
        class bucketFactory(Bucket):
            maxburst, rate = 64 * 1024, 16 * 1024

    factory.protocol = ShapedProtocolFactory(factory.protocol, PerHost())
"""

from __future__ import annotations

from time import time
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.protocols import pcp

__all__ = [
    "Bucket",
    "FilterByHost",
    "FilterByServer",
    "HierarchicalBucketFilter",
    "IBucketFilter",
    "ShapedConsumer",
    "ShapedProtocolFactory",
    "ShapedTransport",
]


class Bucket:
    """A token bucket: ``maxburst`` tokens at most (``None``: no limit), draining at ``rate``
    tokens a second (``None``: at once). ``parentBucket`` takes what this one takes."""

    maxburst: int | None = None
    rate: int | None = None

    _refcount = 0

    def __init__(self, parentBucket: Bucket | None = None) -> None:
        self.content: Any = 0
        self.parentBucket = parentBucket
        self.lastDrip = time()

    def add(self, amount: int) -> Any:
        """Put up to ``amount`` tokens in (as many as this bucket and its ancestors have room
        for); the number that went in."""
        self.drip()
        taken: Any = amount
        if self.maxburst is not None:
            taken = min(taken, self.maxburst - self.content)
        parent = self.parentBucket
        if parent is not None:
            taken = parent.add(taken)
        self.content += taken
        return taken

    def drip(self) -> bool:
        """Drain what ``rate`` lets out since the last drip (the ancestors too); whether
        this bucket is now empty."""
        parent = self.parentBucket
        if parent is not None:
            parent.drip()
        if self.rate is None:
            self.content = 0
            return True
        now = time()
        drained = (now - self.lastDrip) * self.rate
        self.lastDrip = now
        self.content = max(0, self.content - drained)
        return bool(self.content == 0)


class IBucketFilter(Interface, Protocol):
    """Chooses a bucket for the arguments it is given."""

    def getBucketFor(self, *somethings: Any, **some_kw: Any) -> Bucket:
        """The bucket for these arguments."""


@implementer(IBucketFilter)
class HierarchicalBucketFilter:
    """Hands out one ``bucketFactory`` bucket per ``getBucketKey`` key, each the child of the
    bucket ``parentFilter`` gives for the same arguments; every ``sweepInterval`` seconds
    (``None``: never) empty, unused buckets are dropped."""

    bucketFactory: Any = Bucket
    sweepInterval: int | None = None

    def __init__(self, parentFilter: HierarchicalBucketFilter | None = None) -> None:
        self.buckets: dict[Any, Bucket] = {}
        self.parentFilter = parentFilter
        self.lastSweep = time()

    def getBucketFor(self, *a: Any, **kw: Any) -> Bucket:
        """The bucket for these arguments (passed to ``getBucketKey``), made if needed."""
        if self.sweepInterval is not None and time() - self.lastSweep > self.sweepInterval:
            self.sweep()
        parent = self.parentFilter
        above = None if parent is None else parent.getBucketFor(self, *a, **kw)
        key = self.getBucketKey(*a, **kw)
        if key not in self.buckets:
            self.buckets[key] = self.bucketFactory(above)
        return self.buckets[key]

    def getBucketKey(self, *a: Any, **kw: Any) -> Any:
        """The key choosing the bucket: here the same (``None``) for everything."""
        return None

    def sweep(self) -> None:
        """Drop the buckets that are empty and that no consumer uses."""
        for key, bucket in list(self.buckets.items()):
            empty = bucket.drip()
            if bucket._refcount == 0 and empty:
                del self.buckets[key]
        self.lastSweep = time()


def _addressPart(address: Any, attribute: str, index: int) -> Any:
    value = getattr(address, attribute, None)
    return address[index] if value is None else value


class FilterByHost(HierarchicalBucketFilter):
    """One bucket per peer host of the transport given."""

    sweepInterval = 60 * 20

    def getBucketKey(self, transport: Any) -> Any:
        return _addressPart(transport.getPeer(), "host", 1)


class FilterByServer(HierarchicalBucketFilter):
    """One bucket per local port (service) of the transport given."""

    sweepInterval = None

    def getBucketKey(self, transport: Any) -> Any:
        return _addressPart(transport.getHost(), "port", 2)


class ShapedConsumer(pcp.ProducerConsumerProxy):
    """Passes writes on to ``consumer`` only as fast as ``bucket`` takes them."""

    iAmStreaming = False

    def __init__(self, consumer: Any, bucket: Bucket) -> None:
        pcp.ProducerConsumerProxy.__init__(self, consumer)
        self.bucket = bucket
        self.bucket._refcount += 1

    def _writeSomeData(self, data: Any) -> int:
        amount = self.bucket.add(len(data))
        return pcp.ProducerConsumerProxy._writeSomeData(self, data[: int(amount)])

    def stopProducing(self) -> None:
        pcp.ProducerConsumerProxy.stopProducing(self)
        self.bucket._refcount -= 1


class ShapedTransport(ShapedConsumer):
    """A ``ShapedConsumer`` around a transport: anything else (``loseConnection``,
    ``getPeer``...) is the transport's."""

    iAmStreaming = False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "consumer":
            raise AttributeError(name)
        return getattr(self.consumer, name)


class ShapedProtocolFactory:
    """Makes ``protoClass`` protocols whose transport is shaped by a bucket from
    ``bucketFilter`` (chosen for the transport when the connection is made)."""

    def __init__(self, protoClass: Any, bucketFilter: HierarchicalBucketFilter) -> None:
        self.protocol = protoClass
        self.bucketFilter = bucketFilter

    def __call__(self, *a: Any, **kw: Any) -> Any:
        """A ``protoClass(*a, **kw)`` that gets a ``ShapedTransport`` when connected."""
        proto = self.protocol(*a, **kw)
        connect = proto.makeConnection
        bucketFilter = self.bucketFilter

        def makeConnection(transport: Any) -> Any:
            bucket = bucketFilter.getBucketFor(transport)
            return connect(ShapedTransport(transport, bucket))

        proto.makeConnection = makeConnection
        return proto
