"""twistio.redis against a real redis-server: Deferred commands, pub/sub, errors, recovery."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

pytest.importorskip("redis")

from tests._redis_server import RedisServer
from twistio.internet.defer import Deferred
from twistio.python.failure import Failure
from twistio.redis import (
    PubSub,
    RedisClient,
    RedisConnectionError,
    RedisError,
    RedisTimeoutError,
    Subscription,
)

TIMEOUT = 3.0


@pytest.fixture
def srv() -> Iterator[RedisServer]:
    s = RedisServer()
    s.start()
    try:
        yield s
    finally:
        s.close()


class Receiver:
    """A protocol-like receiver: messages and connection news, each awaitable."""

    def __init__(self) -> None:
        self.messages: list[tuple[bytes, bytes]] = []
        self.events: list[str] = []
        self._waiting: list[tuple[int, Deferred[None]]] = []
        self.lost: Deferred[None] = Deferred()
        self.reason: Failure | None = None
        self.resumed: Deferred[None] = Deferred()

    def messageReceived(self, channel: bytes, message: bytes) -> None:
        self.messages.append((channel, message))
        for n, d in list(self._waiting):
            if len(self.messages) >= n:
                self._waiting.remove((n, d))
                d.callback(None)

    def subscriptionLost(self, reason: Failure) -> None:
        self.events.append("lost")
        self.reason = reason
        self.lost.callback(None)

    def subscriptionResumed(self) -> None:
        self.events.append("resumed")
        self.resumed.callback(None)

    async def count(self, n: int) -> list[tuple[bytes, bytes]]:
        if len(self.messages) < n:
            d: Deferred[None] = Deferred()
            self._waiting.append((n, d))
            await asyncio.wait_for(d, TIMEOUT)
        return self.messages


async def test_commands_return_deferreds(srv: RedisServer) -> None:
    client = RedisClient(srv.url)
    try:
        d = client.set("a", b"1", ex=10)
        assert isinstance(d, Deferred)
        assert await d is True
        assert await client.get("a") == b"1"
        assert await client.execute("INCRBY", "a", 41) == 42
        assert await client.delete("a", "b") == 1
        assert await client.ping() is True
        assert await client.run("HSET", lambda r: r.hset("h", "f", "v")) == 1
    finally:
        await client.close()


async def test_publish_subscribe_callable_and_protocol(srv: RedisServer) -> None:
    ps = PubSub(srv.url)
    try:
        got: list[tuple[bytes, bytes]] = []
        sub = await ps.subscribe("room", lambda ch, m: got.append((ch, m)))
        assert isinstance(sub, Subscription) and sub.channel == b"room"
        receiver = Receiver()
        await ps.subscribe(b"room", receiver)
        await ps.psubscribe("ro*", receiver)
        assert await ps.publish("room", "hello") == 2  # two subscriptions on this connection
        assert await receiver.count(2) == [(b"room", b"hello"), (b"room", b"hello")]
        assert got == [(b"room", b"hello")]
        await sub.unsubscribe()
        await ps.publish("room", b"again")
        await receiver.count(4)
        assert got == [(b"room", b"hello")]
        assert ps.connected
    finally:
        await ps.close()


async def test_bad_receiver_and_bad_url() -> None:
    with pytest.raises(ValueError, match="bad Redis URL"):
        RedisClient("http://nowhere")
    with pytest.raises(ValueError, match="timeout must be positive"):
        RedisClient(timeout=0)


async def test_password_not_in_messages() -> None:
    port = _free_port()
    client = RedisClient(f"redis://user:s3cret@127.0.0.1:{port}/0", timeout=1)
    try:
        with pytest.raises(RedisConnectionError) as e:
            await client.get("x")
        assert "s3cret" not in str(e.value) and "user:***@127.0.0.1" in str(e.value)
    finally:
        await client.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_down_from_the_start_fails_fast() -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"
    ps = PubSub(url, timeout=1)
    try:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        with pytest.raises(RedisConnectionError, match="cannot reach the server"):
            await ps.subscribe("x", lambda c, m: None)
        with pytest.raises(RedisConnectionError, match="PUBLISH failed"):
            await ps.publish("x", "m")
        assert loop.time() - t0 < 2 * TIMEOUT
    finally:
        await ps.close()


async def test_no_answer_is_a_timeout() -> None:
    # A server that accepts and never answers: the command fails after ``timeout``.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = RedisClient(f"redis://127.0.0.1:{port}/0", timeout=0.2)
    try:
        with pytest.raises(RedisTimeoutError, match=r"GET got no answer within 0.2 s"):
            await client.get("k")
    finally:
        server.close()
        await client.close()


async def test_redis_stopped_mid_run_then_back(srv: RedisServer) -> None:
    ps = PubSub(srv.url, timeout=1, reconnectDelay=0.05, maxReconnectDelay=0.2)
    try:
        receiver = Receiver()
        await ps.subscribe("chat", receiver)
        await ps.publish("chat", "one")
        await receiver.count(1)
        srv.stop()
        await asyncio.wait_for(receiver.lost, TIMEOUT)
        reason = receiver.reason
        assert reason is not None and reason.check(RedisConnectionError)
        assert "Redis at" in reason.getErrorMessage()
        assert not ps.connected
        with pytest.raises(RedisError):
            await ps.publish("chat", "lost")
        srv.start()
        await asyncio.wait_for(receiver.resumed, TIMEOUT)
        assert ps.connected and receiver.events == ["lost", "resumed"]
        assert await ps.publish("chat", "two") == 1
        assert await receiver.count(2) == [(b"chat", b"one"), (b"chat", b"two")]
    finally:
        await ps.close()


async def test_receiver_errors_are_logged_not_fatal(srv: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    ps = PubSub(srv.url)
    try:
        def boom(channel: bytes, message: bytes) -> None:
            raise ValueError("receiver bug")

        await ps.subscribe("c", boom)
        receiver = Receiver()
        await ps.subscribe("c", receiver)
        await ps.publish("c", "m")
        await receiver.count(1)
        assert "receiver bug" in caplog.text
    finally:
        await ps.close()


async def test_close_stops_everything(srv: RedisServer) -> None:
    ps = PubSub(srv.url)
    await ps.subscribe("c", lambda c, m: None)
    await ps.close()
    with pytest.raises(RedisError, match="closed"):
        ps.subscribe("c", lambda c, m: None)
    with pytest.raises(TypeError, match="neither callable"):
        PubSub(srv.url).subscribe("c", object())  # type: ignore[arg-type]


def test_classic_script_calls_before_reactor_run(srv: RedisServer, tmp_path: object) -> None:
    """Commands issued before ``reactor.run()`` start once the loop runs (Twisted style)."""
    import subprocess
    import sys
    from pathlib import Path

    script = f"""
from twistio.internet import reactor
from twistio.internet.defer import Deferred, gatherResults
from twistio.redis import RedisClient, PubSub

client = RedisClient({srv.url!r})
pubsub = PubSub({srv.url!r}, client=client)
got = []
message = Deferred()

def received(channel, data):
    message.callback(data)

d = client.set("greeting", "hello")
d.addCallback(lambda _: client.get("greeting"))
# The two connections answer in either order: wait for both.
gatherResults([d, message]).addCallback(lambda both: (got.extend(both), reactor.stop()))
s = pubsub.subscribe("c", received)
s.addCallback(lambda _: pubsub.publish("c", "bye"))
s.addErrback(lambda f: (print(f.getErrorMessage()), reactor.stop()))
reactor.callLater(10, reactor.stop)
reactor.run()
print(got)
"""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=30, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[b'hello', b'bye']"
    assert "Task was destroyed" not in out.stderr
