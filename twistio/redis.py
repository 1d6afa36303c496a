"""Redis from Twisted-style code: commands and pub/sub that return Deferreds (twistio only).

Twisted has no Redis module; this one is the other direction of "drop-in": an asyncio
library, redis-py's ``redis.asyncio`` (the ``redis`` extra: ``pip install twistio[redis]``),
used from code written with Deferreds. Every command runs as an asyncio task on the loop the
reactor runs on and comes back through ``Deferred.fromFuture``; nothing here speaks the
Redis protocol itself.

Errors arrive as Failures wrapping one of this module's exceptions, each naming the server
(without its password) and what went wrong: ``RedisConnectionError`` (cannot connect, or the
connection dropped), ``RedisTimeoutError`` (no answer within ``timeout`` seconds),
``RedisResponseError`` (the server refused the command). A command never waits longer than
``timeout``: a Redis that is down or unreachable gives an error, never a hang. Connections
are pooled and re-made on the next command after a failure, so a restarted Redis is used
again without any action.

``PubSub`` keeps one subscriber connection. A receiver is a callable ``f(channel, message)``
or an object with ``messageReceived(channel, message)`` (and optionally
``subscriptionLost(reason)`` and ``subscriptionResumed()``, called when the connection drops
and when it is back with every subscription restored). Messages published while the
connection was down are lost: Redis pub/sub keeps nothing for absent subscribers.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar, Union, runtime_checkable

from twistio.internet._registry import installed_reactor
from twistio.internet.defer import Deferred
from twistio.python.failure import Failure

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import PubSub as _RedisPubSub

    from twistio.internet.interfaces import IReactorTime

__all__ = [
    "IMessageReceiver",
    "PubSub",
    "RedisClient",
    "RedisConnectionError",
    "RedisError",
    "RedisResponseError",
    "RedisTimeoutError",
    "Subscription",
]

_T = TypeVar("_T")
_log = logging.getLogger("twistio.redis")

Value = Union[bytes, str, int, float]
"""What a command argument may be (redis-py encodes str as UTF-8, numbers as text)."""


class RedisError(Exception):
    """A Redis command or subscription failed; the message says where and why."""


class RedisConnectionError(RedisError):
    """Redis could not be reached, or the connection to it was lost."""


class RedisTimeoutError(RedisError):
    """Redis did not answer in time."""


class RedisResponseError(RedisError):
    """Redis answered with an error (a wrong command, wrong type, no permission...)."""


def _import_redis() -> None:
    try:
        import redis.asyncio  # noqa: F401
    except ImportError:
        raise ImportError(
            "twistio.redis needs redis-py: pip install 'twistio[redis]'"
        ) from None


def _where(url: str) -> str:
    """The URL without its password (for messages)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urllib.parse.urlunsplit(parts._replace(netloc=user + host))


def _translate(where: str, what: str, timeout: float, e: BaseException) -> RedisError:
    """This module's exception for ``e`` (raised by redis-py or asyncio)."""
    import redis.exceptions as rex

    if isinstance(e, RedisError):
        return e
    if isinstance(e, (asyncio.TimeoutError, rex.TimeoutError)):
        return RedisTimeoutError(f"Redis at {where}: {what} got no answer within {timeout:g} s")
    if isinstance(e, rex.ConnectionError):
        return RedisConnectionError(f"Redis at {where}: {what} failed: cannot reach the server ({e})")
    if isinstance(e, OSError):
        return RedisConnectionError(f"Redis at {where}: {what} failed: {e}")
    if isinstance(e, rex.ResponseError):
        return RedisResponseError(f"Redis at {where}: {what} refused: {e}")
    return RedisError(f"Redis at {where}: {what} failed: {type(e).__name__}: {e}")


def _running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _Base:
    """What a client and a subscriber share: the URL, the timeouts, the reactor."""

    def __init__(
        self, url: str, timeout: float, connectTimeout: float | None,
        reactor: IReactorTime | None,
    ) -> None:
        _import_redis()
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        self.url = url
        self.where = _where(url)
        self.timeout = timeout
        self.connectTimeout = timeout if connectTimeout is None else connectTimeout
        if reactor is None:
            reactor = installed_reactor()
        self._reactor = reactor

    def _redis(self, retries: int) -> Redis:
        import redis.asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        try:
            return redis.asyncio.Redis.from_url(
                self.url,
                socket_connect_timeout=self.connectTimeout,
                socket_timeout=self.timeout,
                retry=Retry(NoBackoff(), retries),
            )
        except ValueError as e:
            raise ValueError(f"bad Redis URL {self.where!r}: {e}") from None

    def _start(self, what: str, make: Callable[[], Awaitable[_T]]) -> Deferred[_T]:
        """Run ``make()`` on the reactor's loop (once it runs), within ``timeout``."""
        timeout = self.timeout

        async def run() -> _T:
            # No asyncio.wait_for (it costs a task per command): redis-py's socket timeouts
            # (connect, and every read and write) bound the wait.
            try:
                return await make()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                raise _translate(self.where, what, timeout, e) from e

        # A Task, not Deferred.fromCoroutine: redis-py's timeouts need to run inside one.
        if _running():
            return Deferred.fromFuture(asyncio.get_running_loop().create_task(run()))
        # A classic script calls before reactor.run(): start when the loop runs.
        d: Deferred[_T] = Deferred()

        def start() -> None:
            task = asyncio.get_running_loop().create_task(run())
            Deferred.fromFuture(task).chainDeferred(d)

        callWhenRunning = getattr(self._reactor, "callWhenRunning", None)
        if callWhenRunning is None:
            raise RuntimeError("no event loop is running and the reactor cannot wait for one")
        callWhenRunning(start)
        return d


class RedisClient(_Base):
    """A pool of connections to one Redis server; every command returns a Deferred.

    ``RedisClient("redis://host:6379/0", timeout=2.0)``. ``redis`` is the underlying
    ``redis.asyncio.Redis`` for coroutine code that wants the whole of redis-py. A command
    that meets a dropped connection is tried once more on a new one (so a restarted server
    is picked up at once); then its Deferred fails.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        timeout: float = 2.0,
        connectTimeout: float | None = None,
        reactor: IReactorTime | None = None,
    ) -> None:
        super().__init__(url, timeout, connectTimeout, reactor)
        self.redis: Redis = self._redis(retries=1)

    def __repr__(self) -> str:
        return f"<RedisClient {self.where}>"

    def execute(self, *args: Value) -> Deferred[object]:
        """Run one command (``execute("SET", "k", "v", "EX", 10)``): its reply."""
        if not args:
            raise ValueError("execute() needs a command")
        name = str(args[0]).upper() if not isinstance(args[0], bytes) else args[0].decode(
            "ascii", "replace").upper()
        redis = self.redis
        return self._start(name, lambda: redis.execute_command(*args))  # type: ignore[no-untyped-call]

    def get(self, key: bytes | str) -> Deferred[bytes | None]:
        """The value of ``key``, or None."""
        redis = self.redis
        return self._start("GET", lambda: redis.get(key))  # type: ignore[arg-type,return-value]

    def set(
        self, key: bytes | str, value: Value, ex: float | None = None
    ) -> Deferred[object]:
        """Set ``key`` (expiring after ``ex`` seconds when given, millisecond precision)."""
        redis = self.redis
        px = None if ex is None else max(1, int(ex * 1000))
        return self._start("SET", lambda: redis.set(key, value, px=px))

    def delete(self, *keys: bytes | str) -> Deferred[int]:
        """Delete ``keys``: how many existed."""
        redis = self.redis
        return self._start("DEL", lambda: redis.delete(*keys))

    def publish(self, channel: bytes | str, message: bytes | str) -> Deferred[int]:
        """Publish ``message`` on ``channel``: how many subscribers (all servers) got it."""
        redis = self.redis
        return self._start("PUBLISH", lambda: redis.publish(channel, message))

    def ping(self) -> Deferred[object]:
        """PING: fires when the server answers."""
        redis = self.redis
        return self._start("PING", lambda: redis.ping())

    def run(self, what: str, coro: Callable[[Redis], Awaitable[_T]]) -> Deferred[_T]:
        """Run ``coro(self.redis)`` (any redis-py calls) as one timed, error-translated step."""
        redis = self.redis
        return self._start(what, lambda: coro(redis))

    def close(self) -> Deferred[None]:
        """Close every pooled connection."""
        redis = self.redis
        return self._start("close", lambda: redis.aclose())


@runtime_checkable
class IMessageReceiver(Protocol):
    """What ``PubSub.subscribe`` delivers to (besides a plain callable)."""

    def messageReceived(self, channel: bytes, message: bytes) -> object:
        """A message published on ``channel`` (for a pattern: the channel it matched)."""


Receiver = Union[IMessageReceiver, Callable[[bytes, bytes], object]]


class Subscription:
    """One receiver on one channel (or pattern); ``unsubscribe()`` ends it."""

    def __init__(self, pubsub: PubSub, name: bytes, pattern: bool, receiver: Receiver) -> None:
        self.pubsub = pubsub
        self.channel = name
        self.pattern = pattern
        self.receiver = receiver
        deliver = getattr(receiver, "messageReceived", None)
        self._deliver: Callable[[bytes, bytes], object] = (
            deliver if deliver is not None else receiver  # type: ignore[assignment]
        )
        self.active = True

    def __repr__(self) -> str:
        kind = "pattern" if self.pattern else "channel"
        return f"<Subscription {kind} {self.channel!r} -> {self.receiver!r}>"

    def unsubscribe(self) -> Deferred[None]:
        """Stop delivering to this receiver (the last one of a channel unsubscribes it)."""
        return self.pubsub._remove(self)

    def _notify(self, name: str, *args: object) -> None:
        hook = getattr(self.receiver, name, None)
        if hook is None:
            return
        try:
            hook(*args)
        except Exception:
            _log.exception("%s.%s raised", self.receiver, name)


def _as_bytes(name: bytes | str) -> bytes:
    if isinstance(name, str):
        return name.encode("utf-8")
    if isinstance(name, bytes):
        return name
    raise TypeError(f"a channel name is bytes or str, not {type(name).__name__}")


class PubSub(_Base):
    """Redis pub/sub with Deferreds: ``publish`` and ``subscribe`` on one server.

    One connection carries every subscription of this object and one task reads it. A lost
    connection is re-made (after ``reconnectDelay``, doubling up to ``maxReconnectDelay``)
    with every channel subscribed again; receivers hear ``subscriptionLost`` and then
    ``subscriptionResumed``. A ``subscribe`` made while the server cannot be reached fails
    (``RedisConnectionError``) instead of waiting for it. Idle for ``pingInterval`` seconds,
    the reader sends a PING; no answer by the next interval counts as a lost connection (a
    server that vanished without closing it). Publishing goes through a ``RedisClient``
    (given, or made for the same URL).
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        client: RedisClient | None = None,
        timeout: float = 2.0,
        reconnectDelay: float = 0.05,
        maxReconnectDelay: float = 2.0,
        pingInterval: float = 30.0,
        reactor: IReactorTime | None = None,
    ) -> None:
        super().__init__(url, timeout, None, reactor)
        self._ownClient = client is None
        self.client = client if client is not None else RedisClient(url, timeout, reactor=reactor)
        self.reconnectDelay = reconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.pingInterval = pingInterval
        # Live receivers by (is pattern, name); a name is here once it was confirmed.
        self._live: dict[tuple[bool, bytes], list[Subscription]] = {}
        # Receivers waiting for their subscription to be confirmed.
        self._pending: dict[tuple[bool, bytes], list[tuple[Subscription, Deferred[None]]]] = {}
        self._sent: set[tuple[bool, bytes]] = set()  # asked for on the current connection
        self._resuming: set[tuple[bool, bytes]] = set()
        self._lost: list[Subscription] = []
        self._ps: _RedisPubSub | None = None
        self._conn: Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed = False
        self.lastError: Failure | None = None
        """Why the subscriber connection was last lost or refused (None: never)."""
        # Closed before the reactor stops, so no reader task is left pending at exit.
        add = getattr(self._reactor, "addSystemEventTrigger", None)
        self._trigger: object = (
            add("before", "shutdown", self._shutdown) if add is not None else None
        )

    def _shutdown(self) -> Deferred[None] | None:
        self._trigger = None
        return None if self._closed else self.close()

    def __repr__(self) -> str:
        return f"<PubSub {self.where} subscriptions={len(self._live)}>"

    @property
    def connected(self) -> bool:
        """True while the subscriber connection is up with every subscription in place."""
        return self._ps is not None and not self._resuming and not self._pending

    def publish(self, channel: bytes | str, message: bytes | str) -> Deferred[int]:
        """Publish ``message`` on ``channel``: how many subscribers got it."""
        return self.client.publish(channel, message)

    def subscribe(self, channel: bytes | str, receiver: Receiver) -> Deferred[Subscription]:
        """Deliver what is published on ``channel`` to ``receiver``; fires once Redis has
        confirmed the subscription (a message published after that is delivered)."""
        return self._add((False, _as_bytes(channel)), receiver)

    def psubscribe(self, pattern: bytes | str, receiver: Receiver) -> Deferred[Subscription]:
        """Like ``subscribe``, for every channel matching the glob ``pattern``."""
        return self._add((True, _as_bytes(pattern)), receiver)

    def close(self) -> Deferred[None]:
        """Drop every subscription and the connection (and the client, if made here)."""
        self._closed = True
        trigger, self._trigger = self._trigger, None
        remove = getattr(self._reactor, "removeSystemEventTrigger", None)
        if trigger is not None and remove is not None:
            remove(trigger)
        self._live.clear()
        pending, self._pending = self._pending, {}
        for waiters in pending.values():
            for _, w in waiters:
                w.errback(Failure(RedisError(f"Redis at {self.where}: pub/sub closed")))

        async def shut() -> None:
            reader, self._reader = self._reader, None
            if reader is not None and not reader.done():
                reader.cancel()
                try:
                    await reader
                except BaseException:
                    pass
            await self._drop()
            if self._ownClient:
                await self.client.redis.aclose()

        return self._start("close", shut)

    # -- internals ---------------------------------------------------------------------------

    def _add(self, key: tuple[bool, bytes], receiver: Receiver) -> Deferred[Subscription]:
        if self._closed:
            raise RedisError(f"Redis at {self.where}: pub/sub is closed")
        if not callable(receiver) and not isinstance(receiver, IMessageReceiver):
            raise TypeError(
                f"{receiver!r} is neither callable nor has messageReceived(channel, message)"
            )
        sub = Subscription(self, key[1], key[0], receiver)
        live = self._live.get(key)
        if live is not None and key not in self._resuming and self._ps is not None:
            live.append(sub)
            d: Deferred[Subscription] = Deferred()
            d.callback(sub)
            return d
        waiter: Deferred[None] = Deferred()
        self._pending.setdefault(key, []).append((sub, waiter))
        if self._ps is not None and key not in self._sent:
            self._send(key, True)
        self._ensureReader()
        return waiter.addCallback(lambda _: sub)

    def _remove(self, sub: Subscription) -> Deferred[None]:
        d: Deferred[None] = Deferred()
        d.callback(None)
        if not sub.active:
            return d
        sub.active = False
        key = (sub.pattern, sub.channel)
        live = self._live.get(key)
        if live is None or sub not in live:
            return d
        live.remove(sub)
        if not live and not self._pending.get(key):
            del self._live[key]
            self._resuming.discard(key)
            if key in self._sent and self._ps is not None:
                self._send(key, False)
        return d

    def _send(self, key: tuple[bool, bytes], on: bool) -> None:
        """(Un)subscribe on the live connection; a failure there is the reader's to see."""
        ps = self._ps
        if ps is None:
            return
        pattern, name = key
        coro: Awaitable[object]
        if on:
            self._sent.add(key)
            coro = ps.psubscribe(name) if pattern else ps.subscribe(name)
        else:
            self._sent.discard(key)
            coro = ps.punsubscribe(name) if pattern else ps.unsubscribe(name)
        timeout = self.timeout

        async def send() -> None:
            try:
                await asyncio.wait_for(coro, timeout)
            except Exception as e:
                _log.debug("pub/sub command failed: %r", e)  # the reader sees the connection go

        task = asyncio.get_running_loop().create_task(send())
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    def _ensureReader(self) -> None:
        if self._reader is not None and not self._reader.done():
            return

        def start() -> None:
            if self._closed or (self._reader is not None and not self._reader.done()):
                return
            self._reader = asyncio.get_running_loop().create_task(self._read())

        if _running():
            start()
        else:
            self._reactor.callWhenRunning(start)  # type: ignore[attr-defined]

    async def _drop(self) -> None:
        ps, self._ps = self._ps, None
        conn, self._conn = self._conn, None
        self._sent.clear()
        for closing in (ps, conn):
            if closing is None:
                continue
            try:
                await asyncio.wait_for(closing.aclose(), self.timeout)
            except Exception:
                pass

    def _wanted(self) -> list[tuple[bool, bytes]]:
        return list({**self._live, **self._pending})

    async def _read(self) -> None:
        delay = self.reconnectDelay
        while not self._closed and self._wanted():
            try:
                await self._connect()
                delay = self.reconnectDelay
                await self._loop()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                error = _translate(self.where, "the pub/sub connection", self.timeout, e)
                self.lastError = Failure(error)
                wasUp = self._ps is not None and not self._resuming
                await self._drop()
                # Receivers still waiting for a first confirmation hear of it now.
                pending, self._pending = self._pending, {}
                for waiters in pending.values():
                    for sub, w in waiters:
                        sub.active = False
                        w.errback(Failure(error))
                if wasUp or not self._resuming:
                    if self._live:
                        _log.warning("%s; reconnecting", error)
                    self._resuming = set(self._live)
                    if wasUp:
                        self._lost = self._everySubscription()
                        for sub in self._lost:
                            sub._notify("subscriptionLost", self.lastError)
                if self._closed or not self._wanted():
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.maxReconnectDelay)
        self._reader = None

    def _everySubscription(self) -> list[Subscription]:
        return [s for subs in self._live.values() for s in subs]

    async def _connect(self) -> None:
        conn = self._conn = self._redis(retries=0)
        ps = conn.pubsub()
        wanted = self._wanted()
        channels = [name for pattern, name in wanted if not pattern]
        patterns = [name for pattern, name in wanted if pattern]
        limit = self.connectTimeout + self.timeout
        if channels:
            await asyncio.wait_for(ps.subscribe(*channels), limit)
        if patterns:
            await asyncio.wait_for(ps.psubscribe(*patterns), limit)
        self._ps = ps
        self._sent.update(wanted)

    async def _loop(self) -> None:
        ps = self._ps
        assert ps is not None
        awaiting_pong = False
        while not self._closed and ps is self._ps:
            message = await ps.get_message(timeout=self.pingInterval)
            if message is None:
                if awaiting_pong:
                    raise RedisConnectionError(
                        f"Redis at {self.where}: no answer to PING within "
                        f"{self.pingInterval:g} s"
                    )
                awaiting_pong = True
                await asyncio.wait_for(ps.ping(), self.timeout)
                continue
            awaiting_pong = False
            kind = message["type"]
            if kind == "message" or kind == "pmessage":
                pattern = kind == "pmessage"
                subs = self._live.get((pattern, message["pattern"] if pattern else message["channel"]))
                if subs:
                    channel = message["channel"]
                    data = message["data"]
                    for sub in tuple(subs):
                        try:
                            sub._deliver(channel, data)
                        except Exception:
                            _log.exception("delivering a message on %r to %r", channel, sub)
            elif kind == "subscribe" or kind == "psubscribe":
                self._confirmed((kind == "psubscribe", message["channel"]))
            # unsubscribe, punsubscribe, pong: nothing to do

    def _confirmed(self, key: tuple[bool, bytes]) -> None:
        waiters = self._pending.pop(key, [])
        live = self._live.setdefault(key, [])
        live.extend(sub for sub, _ in waiters if sub.active)
        if key in self._resuming:
            self._resuming.discard(key)
            if not self._resuming:
                lost, self._lost = self._lost, []
                for sub in lost:
                    if sub.active:
                        sub._notify("subscriptionResumed")
        for _, w in waiters:
            w.callback(None)
        if not live:
            del self._live[key]


_tasks: set[asyncio.Task[None]] = set()
