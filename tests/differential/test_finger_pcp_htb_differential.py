"""twisted.protocols.finger, pcp and htb against twistio's: the same queries, producer and
consumer calls, and bucket arithmetic (on each side's fake clock) give the same results.

pcp and htb are driven with str data: Twisted's join their buffers with a str separator
(bytes fail there on Python 3; twistio's take either)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("twisted")

import twisted.internet.testing as t_testing  # noqa: E402
import twisted.protocols.finger as t_finger  # noqa: E402
import twisted.protocols.htb as t_htb  # noqa: E402
import twisted.protocols.pcp as t_pcp  # noqa: E402

import twistio.internet.testing as w_testing  # noqa: E402
import twistio.protocols.finger as w_finger  # noqa: E402
import twistio.protocols.htb as w_htb  # noqa: E402
import twistio.protocols.pcp as w_pcp  # noqa: E402

SIDES = {
    "twisted": (t_finger, t_pcp, t_htb, t_testing),
    "twistio": (w_finger, w_pcp, w_htb, w_testing),
}


def _both(run: Any) -> None:
    results = {name: run(*mods) for name, mods in SIDES.items()}
    assert results["twistio"] == results["twisted"]


@pytest.mark.parametrize(
    "query",
    [b"", b"/W", b"moshez", b"/W moshez", b"/w moshez", b"a b c", b"  moshez", b"x/W",
     b"moshez@example.com", b"/W moshez@example.com", b"@example.com", b"a@b@c"],
)  # fmt: skip
def test_finger_query(query: bytes) -> None:
    def run(finger: Any, pcp: Any, htb: Any, testing: Any) -> Any:
        calls: list[Any] = []

        class Spy(finger.Finger):
            def getUser(self, slash_w: int, user: bytes) -> None:
                calls.append(("user", slash_w, user))
                super().getUser(slash_w, user)

            def getDomain(self, slash_w: int) -> None:
                calls.append(("domain", slash_w))
                super().getDomain(slash_w)

            def forwardQuery(self, slash_w: int, user: bytes, host: bytes) -> None:
                calls.append(("forward", slash_w, user))  # Twisted passes an empty host
                super().forwardQuery(slash_w, user, host)

        proto = Spy()
        transport = testing.StringTransport()
        proto.makeConnection(transport)
        proto.dataReceived(query + b"\r\n")
        return calls, transport.value(), transport.disconnecting

    _both(run)


class _Log:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def consumer(self) -> Any:
        log = self.events

        class Consumer:
            def write(self, d: str) -> None:
                log.append(("write", d))

            def registerProducer(self, p: Any, streaming: bool) -> None:
                log.append(("register", streaming))

            def unregisterProducer(self) -> None:
                log.append(("unregister",))

            def finish(self) -> None:
                log.append(("finish",))

        return Consumer()

    def producer(self) -> Any:
        log = self.events

        class Producer:
            def pauseProducing(self) -> None:
                log.append(("pause",))

            def resumeProducing(self) -> None:
                log.append(("resume",))

            def stopProducing(self) -> None:
                log.append(("stop",))

        return Producer()


def _state(proxy: Any) -> Any:
    names = ("paused", "outstandingPull", "producerIsStreaming", "producerPaused", "unregistered")
    return tuple(getattr(proxy, n, None) for n in names)


SCRIPTS = {
    "push": [("register", True), ("write", "abc"), ("pause",), ("write", "def"), ("write", "ghi"),
             ("resume",), ("resume",), ("unregister",), ("write", "x"), ("finish",)],
    "pull-producer": [("register", False), ("resume",), ("write", "abc"), ("pause",), ("resume",),
                      ("unregister",)],
    "stop": [("register", True), ("stop",), ("write", "a")],
    "unregister-buffered": [("register", True), ("pause",), ("write", "abc"), ("unregister",),
                            ("resume",), ("resume",)],
    "small-buffer": [("size", 10), ("register", True), ("pause",), ("write", "123456"),
                     ("write", "789012"), ("write", "z"), ("resume",), ("pause",),
                     ("write", "a" * 20), ("resume",)],
}  # fmt: skip


@pytest.mark.parametrize("streaming", [True, False])
@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize("kind", ["BasicProducerConsumerProxy", "ProducerConsumerProxy"])
def test_pcp_script(kind: str, script: str, streaming: bool) -> None:
    def run(finger: Any, pcp: Any, htb: Any, testing: Any) -> Any:
        log = _Log()
        cls = type("Proxy", (getattr(pcp, kind),), {"iAmStreaming": streaming})
        proxy = cls(log.consumer())
        producer = log.producer()
        for step in SCRIPTS[script]:
            name, args = step[0], step[1:]
            if name == "size":
                proxy.bufferSize = args[0]
            elif name == "register":
                proxy.registerProducer(producer, *args)
            elif name == "write":
                proxy.write(*args)
            else:
                getattr(proxy, {"pause": "pauseProducing", "resume": "resumeProducing",
                                "stop": "stopProducing", "unregister": "unregisterProducer",
                                "finish": "finish"}[name])()  # fmt: skip
            log.events.append(_state(proxy))
        return log.events

    _both(run)


def test_htb_buckets() -> None:
    def run(finger: Any, pcp: Any, htb: Any, testing: Any) -> Any:
        now = [0]
        saved = htb.time
        htb.time = lambda: now[0]
        try:
            out: list[Any] = []

            class Big(htb.Bucket):
                maxburst, rate = 100, 2

            class Parent(htb.Bucket):
                maxburst, rate = 50, 1

            class Child(htb.Bucket):
                maxburst, rate = 100, 10

            big = Big()
            out += [big.add(70), big.add(70), big.add(10)]
            now[0] = 10
            out += [big.drip(), big.content, big.add(5)]
            now[0] = 100
            out += [big.drip(), big.content]
            now[0] = 0
            parent = Parent()
            child = Child(parent)
            out += [child.add(80), child.content, parent.content]
            now[0] = 5
            out += [child.drip(), child.content, parent.content, child.add(200), parent.content]
            free = htb.Bucket()
            out += [free.add(10**9), free.drip()]

            class Keyed(htb.HierarchicalBucketFilter):
                def getBucketKey(self, key: str) -> str:
                    return key

            top = htb.HierarchicalBucketFilter()
            keyed = Keyed(top)
            a = keyed.getBucketFor("a")
            out += [a.parentBucket is top.getBucketFor(), keyed.getBucketFor("a") is a]
            out.append(sorted(keyed.buckets))
            # (sweeping is left out: Twisted's sweep changes the dict it iterates over)
            return out
        finally:
            htb.time = saved

    _both(run)


def test_htb_shaped_consumer() -> None:
    def run(finger: Any, pcp: Any, htb: Any, testing: Any) -> Any:
        now = [0]
        saved = htb.time
        htb.time = lambda: now[0]
        try:
            log = _Log()

            class Small(htb.Bucket):
                maxburst, rate = 10, 5

            bucket = Small()
            shaped = htb.ShapedConsumer(log.consumer(), bucket)
            out: list[Any] = [bucket._refcount]
            shaped.write("a" * 25)
            for when in (0, 1, 3):
                now[0] = when
                shaped.resumeProducing()
                out.append((list(shaped._buffer), bucket.content))
            shaped.stopProducing()
            out.append(bucket._refcount)
            return out, log.events
        finally:
            htb.time = saved

    _both(run)
