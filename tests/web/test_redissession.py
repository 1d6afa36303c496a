"""RedisSessionStore against a real redis-server: two Sites in one process stand for two
workers (they share nothing but Redis); tests/web/test_redis_workers.py uses real processes."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("redis")

from tests._redis_server import RedisServer
from tests.web import _redis_app
from tests.web._http_support import TIMEOUT, connect, read_response
from twistio.internet.defer import Deferred
from twistio.redis import RedisClient
from twistio.web import resource, server
from twistio.web.redissession import RedisSession, RedisSessionStore


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    srv = RedisServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.close()


def _command(port: int, *args: bytes) -> bytes:
    """One Redis command over a plain socket (the test's own view of the database)."""
    out = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(out)
        data = b""
        while not data.endswith(b"\r\n") or (data.startswith(b"$") and data.count(b"\r\n") < 2
                                             and not data.startswith(b"$-1")):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


@pytest.fixture
def fresh(redis_server: RedisServer) -> RedisServer:
    assert _command(redis_server.port, b"FLUSHALL").startswith(b"+OK")
    return redis_server


class Sites:
    """Sites ("workers") on 127.0.0.1 port 0, each with its own store, closed at the end."""

    def __init__(self) -> None:
        from twistio.internet._reactor import AsyncioReactor

        self.reactor = AsyncioReactor()
        self.ports: list[Any] = []
        self.stores: list[RedisSessionStore] = []

    def start(self, url: str, root: Any = None, **store_kw: Any) -> tuple[int, server.Site]:
        store = RedisSessionStore(url, reactor=self.reactor, **store_kw)
        self.stores.append(store)
        site = server.Site(root or _redis_app.Root(), reactor=self.reactor, sessionStore=store)
        port = self.reactor.listenTCP(0, site, interface="127.0.0.1")
        self.ports.append(port)
        return port.getHost().port, site

    async def close(self) -> None:
        for p in self.ports:
            await asyncio.wait_for(_maybe(p.stopListening()), TIMEOUT)
        for s in self.stores:
            try:
                await asyncio.wait_for(s.close(), TIMEOUT)
            except Exception:
                pass


async def _maybe(d: Any) -> Any:
    return None if d is None else await d


@pytest_asyncio.fixture
async def sites() -> AsyncIterator[Sites]:
    s = Sites()
    try:
        yield s
    finally:
        await s.close()


async def get(port: int, path: str, cookie: bytes | None = None) -> tuple[int, dict[str, Any], bytes | None]:
    """GET ``path`` on a new connection: (status, JSON body or {}, session cookie set)."""
    reader, writer = await connect(port)
    try:
        head = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode()
        if cookie is not None:
            head += b"Cookie: TWISTED_SESSION=" + cookie + b"\r\n"
        writer.write(head + b"\r\n")
        resp = await read_response(reader)
        # The response may be complete before the request is finished (a session store can
        # send what it held, then save again before finishing): the server closes this
        # connection once the request is finished, so wait for that.
        await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()
    setcookie = resp.header(b"set-cookie")
    uid = setcookie.split(b";")[0].split(b"=", 1)[1] if setcookie else None
    body = json.loads(resp.body) if resp.header(b"content-type") == b"application/json" else {}
    return resp.status, body, uid


async def test_session_made_on_one_site_is_seen_on_another(fresh: RedisServer, sites: Sites) -> None:
    a, _ = sites.start(fresh.url)
    b, _ = sites.start(fresh.url)
    status, body, uid = await get(a, "/count?name=alice")
    assert status == 200 and body["count"] == 1 and uid is not None
    assert body["uid"] == uid.decode()
    status, body, again = await get(b, "/count", uid)
    assert (status, body["count"], body["uid"], body["name"], again) == (200, 2, uid.decode(), "alice", None)
    status, body, _ = await get(a, "/peek", uid)
    assert body["count"] == 2


async def test_saved_before_the_response_and_ttl(fresh: RedisServer, sites: Sites) -> None:
    a, site = sites.start(fresh.url)
    status, body, uid = await get(a, "/count")
    assert uid is not None
    # The response came only after the SET: the key is there now, with its TTL.
    key = b"twistio:session:" + uid
    assert _command(fresh.port, b"EXISTS", key) == b":1\r\n"
    pttl = int(_command(fresh.port, b"PTTL", key)[1:])
    assert 890_000 < pttl <= 900_000
    assert site.sessions == {}  # only sessions of requests in flight stay in memory


async def test_bad_and_unknown_cookies_give_a_new_session(fresh: RedisServer, sites: Sites) -> None:
    a, _ = sites.start(fresh.url)
    for cookie in (b"nosuchsession", b"../../etc", b"x" * 300, b"\xff\xfe"):
        status, body, uid = await get(a, "/count", cookie)
        assert status == 200 and body["count"] == 1 and uid not in (None, cookie)


async def test_expiry_by_ttl(fresh: RedisServer, sites: Sites) -> None:
    a, site = sites.start(fresh.url)
    site.sessionFactory = _redis_app.ShortSession
    _redis_app.ShortSession.sessionTimeout = 0.3  # type: ignore[assignment]
    ended: Deferred[str] = Deferred()

    class Watch(resource.Resource):
        isLeaf = True

        def render_GET(self, request: server.Request) -> bytes:
            request.getSession().notifyOnExpire(lambda: ended.callback("expired"))
            return b"ok"

    site.resource.putChild(b"watch", Watch())
    try:
        _, body, uid = await get(a, "/count")
        assert uid is not None
        await get(a, "/watch", uid)
        # The key-expiry event reaches the process that registered the callback.
        assert await asyncio.wait_for(ended, 5) == "expired"
        status, body, new = await get(a, "/count", uid)
        assert body["count"] == 1 and new is not None and new != uid
    finally:
        _redis_app.ShortSession.sessionTimeout = 1


async def test_expire_on_one_site_runs_callbacks_on_the_other(fresh: RedisServer, sites: Sites) -> None:
    a, site_a = sites.start(fresh.url)
    b, _ = sites.start(fresh.url)
    ended: Deferred[None] = Deferred()

    class Watch(resource.Resource):
        isLeaf = True

        def render_GET(self, request: server.Request) -> bytes:
            request.getSession().notifyOnExpire(lambda: ended.callback(None))
            return b"ok"

    site_a.resource.putChild(b"watch", Watch())
    _, _, uid = await get(a, "/count")
    assert uid is not None
    await get(a, "/watch", uid)
    await asyncio.sleep(0)  # let the expiry subscription be confirmed
    await asyncio.wait_for(sites.stores[0]._events, TIMEOUT)  # type: ignore[arg-type]
    await get(b, "/expire", uid)
    await asyncio.wait_for(ended, TIMEOUT)
    assert _command(fresh.port, b"EXISTS", b"twistio:session:" + uid) == b":0\r\n"
    _, body, new = await get(b, "/count", uid)
    assert new is not None and new != uid and body["count"] == 1


async def test_expiry_noticed_by_the_check_without_keyspace_events(fresh: RedisServer, sites: Sites) -> None:
    assert _command(fresh.port, b"CONFIG", b"SET", b"notify-keyspace-events", b"").startswith(b"+OK")
    try:
        a, site = sites.start(fresh.url)
        site.sessionCheckTime = 0.1
        ended: Deferred[None] = Deferred()

        class Watch(resource.Resource):
            isLeaf = True

            def render_GET(self, request: server.Request) -> bytes:
                s = request.getSession()
                s.notifyOnExpire(lambda: ended.callback(None))
                return b"ok"

        site.resource.putChild(b"watch", Watch())
        _, _, uid = await get(a, "/watch")
        assert uid is not None
        # Gone behind the store's back (as a TTL would): the periodic check notices.
        _command(fresh.port, b"DEL", b"twistio:session:" + uid)
        await asyncio.wait_for(ended, 5)
    finally:
        _command(fresh.port, b"CONFIG", b"SET", b"notify-keyspace-events", b"Ex")


async def test_change_after_the_response_started_is_saved_before_finish(fresh: RedisServer, sites: Sites) -> None:
    later: list[server.Request] = []

    class Slow(resource.Resource):
        isLeaf = True

        def render_GET(self, request: server.Request) -> int:
            request.getSession()
            request.write(b"part one;")
            later.append(request)
            return server.NOT_DONE_YET

    root = _redis_app.Root()
    root.putChild(b"slow", Slow())
    a, _ = sites.start(fresh.url, root)
    reader, writer = await connect(a)
    try:
        writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        for _ in range(200):
            if later:
                break
            await asyncio.sleep(0.005)
        request = later[0]
        session = request.getSession()
        session.name = "late"  # type: ignore[attr-defined]
        request.write(b"part two")
        request.finish()
        resp = await read_response(reader)
        assert resp.body == b"part one;part two"
    finally:
        writer.close()
    cookie = resp.header(b"set-cookie")
    assert cookie is not None
    uid = cookie.split(b";")[0].split(b"=", 1)[1]
    _, body, _ = await get(a, "/peek", uid)
    assert body["name"] == "late"


async def test_unstorable_session_value_is_a_500(fresh: RedisServer, sites: Sites, caplog: Any) -> None:
    class Bad(resource.Resource):
        isLeaf = True

        def render_GET(self, request: server.Request) -> bytes:
            request.getSession().callback = lambda: None  # type: ignore[attr-defined]
            return b"never sent"

    root = _redis_app.Root()
    root.putChild(b"bad", Bad())
    a, _ = sites.start(fresh.url, root)
    status, _, _ = await get(a, "/bad")
    assert status == 500
    assert "cannot be stored in Redis" in caplog.text


async def test_signed_values_reject_tampering(fresh: RedisServer, sites: Sites, caplog: Any) -> None:
    a, _ = sites.start(fresh.url, secret=b"k" * 32)
    _, body, uid = await get(a, "/count")
    assert uid is not None
    _, body, _ = await get(a, "/count", uid)
    assert body["count"] == 2
    key = b"twistio:session:" + uid
    _command(fresh.port, b"APPEND", key, b"tampered")
    _, body, new = await get(a, "/count", uid)
    assert body["count"] == 1 and new not in (None, uid)
    assert "no valid signature" in caplog.text


async def test_load_session_explicit_api(fresh: RedisServer, sites: Sites) -> None:
    a, site = sites.start(fresh.url)
    _, _, uid = await get(a, "/count?name=bob")
    assert uid is not None
    store = sites.stores[0]
    session = await store.loadSession(site, uid)
    assert isinstance(session, RedisSession)
    assert session.name == "bob" and _redis_app.ICounter(session).value == 1  # type: ignore[attr-defined]
    _redis_app.ICounter(session).value = 41
    await session.save()
    _, body, _ = await get(a, "/count", uid)
    assert body["count"] == 42
    assert await store.loadSession(site, b"nope") is None
    assert await store.loadSession(site, b"bad/uid") is None


class StoppedRedis:
    """A private server the test may stop and start again on the same port."""


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    srv = RedisServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.close()


async def test_redis_down_gives_503_fast_and_recovers(own_redis: RedisServer, sites: Sites, caplog: Any) -> None:
    a, _ = sites.start(own_redis.url)
    _, _, uid = await get(a, "/count")
    assert uid is not None
    own_redis.stop()
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, _, _ = await get(a, "/count", uid)  # the cookie's session cannot be read
    assert status == 503
    status, _, setcookie = await get(a, "/count")  # a new session cannot be saved
    assert status == 503 and setcookie is None
    status, body, _ = await get(a, "/pid")  # no session involved: served
    assert status == 200 and "pid" in body
    assert loop.time() - started < 3 * TIMEOUT
    assert "cannot reach the server" in caplog.text
    own_redis.start()  # empty again: no persistence in the tests' server
    status, body, new = await get(a, "/count", uid)
    assert status == 200 and body["count"] == 1 and new is not None


async def test_fallback_keeps_sessions_locally_then_shares_them(own_redis: RedisServer, sites: Sites, caplog: Any) -> None:
    a, _ = sites.start(own_redis.url, fallback=True)
    b, _ = sites.start(own_redis.url, fallback=True)
    _, _, old = await get(a, "/count?name=kept")
    assert old is not None
    _command(own_redis.port, b"SAVE")
    own_redis.stop()
    # Made while Redis is down: lives in this process.
    status, body, uid = await get(a, "/count")
    assert status == 200 and uid is not None and body["count"] == 1
    _, body, _ = await get(a, "/count", uid)
    assert body["count"] == 2
    # A session that is in Redis but cannot be read: served empty, never written over.
    status, body, again = await get(a, "/count", old)
    assert status == 200 and body["name"] is None and again is None
    assert "sessions are kept in this process" in caplog.text
    own_redis.start()
    # Back: the local session is written to Redis on its next request, and shared.
    _, body, _ = await get(a, "/count", uid)
    assert body["count"] == 3
    _, body, _ = await get(b, "/count", uid)
    assert body["count"] == 4


async def test_concurrent_requests_share_one_session_object(fresh: RedisServer, sites: Sites) -> None:
    a, site = sites.start(fresh.url)
    _, _, uid = await get(a, "/count")
    assert uid is not None
    results = await asyncio.gather(*(get(a, "/count", uid) for _ in range(5)))
    counts = sorted(r[1]["count"] for r in results)
    assert counts[-1] >= 2 and all(r[0] == 200 for r in results)
    assert site.sessions == {}


def test_session_is_componentized_like_twisted() -> None:
    """``ICounter(session)`` keeps its component, as Twisted's Componentized session does."""
    from twisted.python import components as tcomponents
    from twisted.web import server as tserver
    from zope.interface import Interface as ZInterface
    from zope.interface import implementer as zimplementer

    class IThing(ZInterface):
        pass

    class Thing:
        def __init__(self, s: object) -> None:
            self.value = 0

    zimplementer(IThing)(Thing)
    from twistio.internet.task import Clock
    from twistio.python import components

    results = []
    for Session, registry, reactor in (
        (tserver.Session, tcomponents, None),
        (server.Session, components, Clock()),
    ):
        registry.registerAdapter(Thing, Session, IThing)
        if reactor is None:
            from twisted.internet.task import Clock as TClock

            reactor = TClock()
        s = Session(None, b"uid", reactor=reactor)
        IThing(s).value += 1
        IThing(s).value += 1
        results.append((IThing(s).value, s.getComponent(IThing) is IThing(s)))
    assert results[0] == results[1] == (2, True)


async def test_client_errors_are_clear(own_redis: RedisServer) -> None:
    from twistio.redis import RedisConnectionError, RedisResponseError

    client = RedisClient(own_redis.url, timeout=1)
    try:
        assert await client.set("k", "v", ex=5) is True
        with pytest.raises(RedisResponseError, match="refused"):
            await client.execute("INCR", "k")
        own_redis.stop()
        with pytest.raises(RedisConnectionError, match=f"Redis at {own_redis.url}: GET failed"):
            await client.get("k")
        own_redis.start()
        assert await client.get("k") is None  # a new server; the pool reconnected by itself
    finally:
        await client.close()


async def test_unchanged_session_ttl_refreshed_only_when_a_tenth_has_passed(fresh: RedisServer, sites: Sites) -> None:
    a, _ = sites.start(fresh.url)
    _, _, uid = await get(a, "/count")
    assert uid is not None
    key = b"twistio:session:" + uid
    _command(fresh.port, b"PEXPIRE", key, b"850000")  # 50 s of 900 gone: fresh enough
    await get(a, "/peek", uid)
    assert int(_command(fresh.port, b"PTTL", key)[1:]) <= 850_000  # read only: no write
    _command(fresh.port, b"PEXPIRE", key, b"800000")  # 100 s gone: time to set it again
    await get(a, "/peek", uid)
    assert int(_command(fresh.port, b"PTTL", key)[1:]) > 890_000
    _command(fresh.port, b"PEXPIRE", key, b"850000")
    await get(a, "/count", uid)  # changed: written at once
    assert int(_command(fresh.port, b"PTTL", key)[1:]) > 890_000
