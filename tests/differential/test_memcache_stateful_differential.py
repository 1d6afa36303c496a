"""twisted.protocols.memcache and twisted.protocols.stateful against twistio's: the same
sessions over each side's StringTransport (and Clock) give the same bytes, results, errors
and closes."""

from __future__ import annotations

import struct
from typing import Any

import pytest

pytest.importorskip("twisted")

import twisted.internet.task as t_task  # noqa: E402
import twisted.internet.testing as t_testing  # noqa: E402
import twisted.protocols.memcache as t_memcache  # noqa: E402
import twisted.protocols.stateful as t_stateful  # noqa: E402

import twistio.internet.task as w_task  # noqa: E402
import twistio.internet.testing as w_testing  # noqa: E402
import twistio.protocols.memcache as w_memcache  # noqa: E402
import twistio.protocols.stateful as w_stateful  # noqa: E402

SIDES = {
    "twisted": (t_memcache, t_stateful, t_testing, t_task),
    "twistio": (w_memcache, w_stateful, w_testing, w_task),
}


def _both(run: Any) -> None:
    results = {name: run(*mods) for name, mods in SIDES.items()}
    assert results["twistio"] == results["twisted"]


def _watch(d: Any) -> list[Any]:
    out: list[Any] = []
    d.addCallbacks(
        lambda r: out.append(("ok", r)),
        lambda f: out.append(("fail", f.type.__name__, str(f.value))),
    )
    return out


def _client(memcache: Any, testing: Any, task: Any, timeOut: int = 60) -> Any:
    proto = memcache.MemCacheProtocol(timeOut)
    clock = task.Clock()
    proto.callLater = clock.callLater
    transport = testing.StringTransportWithDisconnection()
    transport.protocol = proto
    proto.makeConnection(transport)
    return proto, transport, clock


# (the call, then the server's answer in chunks)
CASES: list[tuple[str, Any, list[bytes]]] = [
    ("set", lambda p: p.set(b"foo", b"bar"), [b"STORED\r\n"]),
    ("set-flags", lambda p: p.set(b"foo", b"bar", flags=3, expireTime=10), [b"NOT_STORED\r\n"]),
    ("add", lambda p: p.add(b"foo", b"bar"), [b"NOT STORED\r\n"]),
    ("replace", lambda p: p.replace(b"foo", b""), [b"STORED\r\n"]),
    ("cas", lambda p: p.checkAndSet(b"foo", b"bar", cas=b"1234"), [b"EXISTS\r\n"]),
    ("cas-missing", lambda p: p.checkAndSet(b"foo", b"bar", b"9"), [b"NOT_FOUND\r\n"]),
    ("append", lambda p: p.append(b"foo", b"bar"), [b"STORED\r\n"]),
    ("prepend", lambda p: p.prepend(b"foo", b"bar"), [b"NOT_STORED\r\n"]),
    ("get", lambda p: p.get(b"foo"), [b"VALUE foo 0 3\r\nbar\r\nEND\r\n"]),
    ("get-split", lambda p: p.get(b"foo"), [b"VALUE foo 5 10\r\n01234", b"56789\r", b"\nEND\r\n"]),
    ("get-crlf-inside", lambda p: p.get(b"k"), [b"VALUE k 0 4\r\nab\r\n\r\nEND\r\n"]),
    ("get-empty-value", lambda p: p.get(b"k"), [b"VALUE k 0 0\r\n\r\nEND\r\n"]),
    ("get-miss", lambda p: p.get(b"foo"), [b"END\r\n"]),
    ("gets", lambda p: p.get(b"foo", True), [b"VALUE foo 0 3 1234\r\nbar\r\nEND\r\n"]),
    ("gets-miss", lambda p: p.get(b"foo", True), [b"END\r\n"]),
    (
        "getMultiple",
        lambda p: p.getMultiple([b"a", b"b", b"c"]),
        [b"VALUE a 1 2\r\nxx\r\nVALUE c 3 1\r\nz\r\nEND\r\n"],
    ),
    (
        "getsMultiple",
        lambda p: p.getMultiple(iter([b"a", b"b"]), True),
        [b"VALUE a 1 2 99\r\nxx\r\nEND\r\n"],
    ),
    ("getMultiple-none", lambda p: p.getMultiple([]), [b"END\r\n"]),
    ("incr", lambda p: p.increment(b"foo"), [b"4\r\n"]),
    ("incr5", lambda p: p.increment(b"foo", 5), [b"NOT_FOUND\r\n"]),
    ("decr", lambda p: p.decrement(b"foo", 3), [b"0\r\n"]),
    ("delete", lambda p: p.delete(b"foo"), [b"DELETED\r\n"]),
    ("delete-miss", lambda p: p.delete(b"foo"), [b"NOT FOUND\r\n"]),
    ("flush", lambda p: p.flushAll(), [b"OK\r\n"]),
    ("version", lambda p: p.version(), [b"VERSION 1.4 beta\r\n"]),
    ("stats", lambda p: p.stats(), [b"STAT pid 1234\r\nSTAT version 1.2 x\r\nEND\r\n"]),
    ("stats-arg", lambda p: p.stats(b"items"), [b"END\r\n"]),
    ("error", lambda p: p.get(b"foo"), [b"ERROR\r\n"]),
    ("client-error", lambda p: p.get(b"foo"), [b"CLIENT_ERROR bad data chunk\r\n"]),
    ("server-error", lambda p: p.set(b"k", b"v"), [b"SERVER_ERROR out of memory\r\n"]),
    ("long-key", lambda p: p.get(b"x" * 251), []),
    ("key-250", lambda p: p.get(b"x" * 250), [b"END\r\n"]),
    ("str-key", lambda p: p.get("foo"), []),
    ("str-key-set", lambda p: p.set("foo", b"bar"), []),
    ("str-value", lambda p: p.set(b"foo", "bar"), []),
    ("int-value", lambda p: p.set(b"foo", 3), []),
    ("getMultiple-long", lambda p: p.getMultiple([b"a", b"x" * 300]), []),
    ("incr-str", lambda p: p.increment("foo"), []),
    ("delete-str", lambda p: p.delete("foo"), []),
    ("cas-str", lambda p: p.checkAndSet("foo", b"v", b"1"), []),
    ("append-long", lambda p: p.append(b"x" * 251, b"v"), []),
]


@pytest.mark.parametrize(("name", "call", "answer"), CASES, ids=[c[0] for c in CASES])
def test_memcache_command(name: str, call: Any, answer: list[bytes]) -> None:
    def run(memcache: Any, stateful: Any, testing: Any, task: Any) -> Any:
        proto, transport, clock = _client(memcache, testing, task)
        result = _watch(call(proto))
        sent = transport.value()
        for chunk in answer:
            proto.dataReceived(chunk)
        return sent, result, transport.connected, len(clock.getDelayedCalls())

    _both(run)


def test_memcache_pipelining() -> None:
    def run(memcache: Any, stateful: Any, testing: Any, task: Any) -> Any:
        proto, transport, clock = _client(memcache, testing, task)
        results = [
            _watch(proto.set(b"a", b"1")),
            _watch(proto.get(b"a")),
            _watch(proto.delete(b"b")),
        ]
        sent = transport.value()
        proto.dataReceived(b"STORED\r\nVALUE a 0 1\r\n1\r\nEND\r\nNOT_FOUND\r\n")
        return sent, results

    _both(run)


def test_memcache_timeouts() -> None:
    def run(memcache: Any, stateful: Any, testing: Any, task: Any) -> Any:
        steps = []
        proto, transport, clock = _client(memcache, testing, task, 10)
        steps.append(len(clock.getDelayedCalls()))  # idle: no timer
        a = _watch(proto.get(b"a"))
        clock.advance(6)
        b = _watch(proto.get(b"b"))  # a second command does not restart the timer
        steps.append((a, b, transport.connected))
        proto.dataReceived(b"END\r\n")  # an answer does
        clock.advance(9)
        steps.append((a, b, transport.connected))
        clock.advance(1)
        steps.append((a, b, transport.connected))
        steps.append(_watch(proto.get(b"c")))

        proto, transport, clock = _client(memcache, testing, task, 10)
        c = _watch(proto.get(b"a"))
        proto.dataReceived(b"VALUE a 0 10\r\n12345")
        clock.advance(9)
        proto.dataReceived(b"678")  # raw data restarts the timer too
        clock.advance(9)
        steps.append((c, transport.connected))
        clock.advance(1)
        steps.append((c, transport.connected))
        return steps

    _both(run)


def test_memcache_connection_lost() -> None:
    def run(memcache: Any, stateful: Any, testing: Any, task: Any) -> Any:
        proto, transport, clock = _client(memcache, testing, task)
        pending = [_watch(proto.get(b"foo")), _watch(proto.stats())]
        transport.loseConnection()
        after = [_watch(proto.get(b"foo")), _watch(proto.set(b"a", b"b")), _watch(proto.version())]
        after += [_watch(proto.flushAll()), _watch(proto.stats()), _watch(proto.delete(b"a"))]
        return pending, after

    _both(run)


def test_memcache_unexpected_answers_raise_runtime_error() -> None:
    def run(memcache: Any, stateful: Any, testing: Any, task: Any) -> Any:
        out = []
        for call, answer in [
            (lambda p: p.get(b"a"), b"VALUE zz 1 2\r\nxx\r\nEND\r\n"),
            (lambda p: p.getMultiple([b"a"]), b"VALUE zz 1 2\r\nxx\r\nEND\r\n"),
            (lambda p: p.increment(b"a"), b"END\r\n"),
            (lambda p: p.flushAll(), b"END\r\n"),
        ]:
            proto, transport, clock = _client(memcache, testing, task)
            result = _watch(call(proto))
            try:
                proto.dataReceived(answer)
            except RuntimeError as e:
                out.append((str(e), result))
        return out

    _both(run)


def test_stateful_records() -> None:
    def run(memcache: Any, stateful: Any, testing: Any, task: Any) -> Any:
        events: list[Any] = []

        class Records(stateful.StatefulProtocol):
            def connectionMade(self) -> None:
                events.append("made")

            def getInitialState(self) -> Any:
                events.append("initial")
                return self.header, 4

            def header(self, data: bytes) -> Any:
                (length,) = struct.unpack("!I", data)
                events.append(("header", length))
                return self.body, length

            def body(self, data: bytes) -> Any:
                events.append(("body", data))
                if data == b"stay":
                    return None
                return self.header, 4

        proto = Records()
        proto.makeConnection(testing.StringTransport())
        wire = b"".join(struct.pack("!I", len(p)) + p for p in [b"abc", b"", b"stay", b"xyz"])
        wire += b"more"
        for i in range(0, len(wire), 3):
            proto.dataReceived(wire[i : i + 3])
            events.append("|")
        return events

    _both(run)


def test_stateful_needs_an_initial_state() -> None:
    def run(memcache: Any, stateful: Any, testing: Any, task: Any) -> Any:
        try:
            stateful.StatefulProtocol().makeConnection(testing.StringTransport())
        except NotImplementedError:
            return "NotImplementedError"
        return "no error"

    _both(run)
