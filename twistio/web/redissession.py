"""Sessions of a ``Site`` kept in Redis: shared by every worker and host (twistio only).

``Site(root, sessionStore=RedisSessionStore("redis://host:6379/0"))``. Code keeps Twisted's
API: ``request.getSession()`` answers at once with a ``Session`` whose components
(``ICounter(session)``, ``setComponent``), ``sessionNamespaces`` and plain attributes are
stored in Redis under ``prefix + uid`` with a TTL of ``sessionTimeout`` seconds, so expiry
is Redis's and a session outlives the process that made it.

How a synchronous API sits on a remote store:

- Before rendering, a request that carries a session cookie waits for one GET of that
  session (``ISessionStore.prepareRequest``); ``getSession()`` then finds it in
  ``Site.sessions``, which holds only the sessions of requests in flight in this process.
- Once ``getSession()`` was called, the response is held back until the session is saved:
  the first ``write()`` (or ``finish()``) starts one SET with the new TTL, and what the
  resource writes goes out when Redis has answered. So the client cannot send its next
  request (to any worker) before its session is in Redis. Changes made after the response
  started are saved before ``finish()`` completes. A session that did not change is not
  written again until a tenth of ``sessionTimeout`` has passed since its TTL was last set
  (the GET reads the TTL too): a request that only reads its session costs one round trip,
  and an idle session may expire up to that tenth early.
- ``RedisSession.save()`` and ``RedisSessionStore.loadSession(uid)`` are the explicit,
  Deferred-returning forms, for code outside a request (a WebSocket handler, a job).

When Redis cannot be reached, a request that needs a session gets a 503 answer (the reason
in the log) - unless ``fallback=True``: then this process keeps the sessions it has to make
in its own memory (not shared) until Redis answers again, when they are written there; a
session that exists in Redis but could not be read is served empty meanwhile and never
written over the one in Redis.

Values are pickled (components are Python objects), so whoever can write to the Redis
database can run code in the workers; give ``secret`` to sign every value with HMAC-SHA256
(values without a valid signature are treated as absent), and keep Redis private.

``notifyOnExpire`` callbacks run in the process that registered them when the session ends
anywhere: at once for ``expire()`` (on any worker, via pub/sub), at the TTL when the server
sends key-expiry events (``notify-keyspace-events Ex``), otherwise within
``Site.sessionCheckTime`` seconds (a check of the sessions that have callbacks).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import pickle
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from twistio.internet.defer import Deferred
from twistio.python.failure import Failure
from twistio.redis import PubSub, RedisClient, RedisError, Subscription
from twistio.web import server

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from twistio.internet.interfaces import IDelayedCall, IReactorTime

__all__ = ["RedisSession", "RedisSessionStore", "SessionStoreUnavailable"]

_log = logging.getLogger("twistio.web.redissession")

_UID = re.compile(rb"[0-9A-Za-z_\-]{1,128}\Z")

# Attributes of a session that belong to this process, never to Redis.
_LOCAL = frozenset({
    "_reactor", "site", "uid", "expireCallbacks", "lastModified", "_expireCall",
    "_saved", "_savedAt", "_expired", "_shadow",
})

# An unchanged session's TTL is set again once this share of ``sessionTimeout`` has passed
# since it was last set: a request that only reads its session costs one round trip.
REFRESH_AFTER = 0.1

_SESSION_SERVICE_UNAVAILABLE = 503


class SessionStoreUnavailable(RedisError):
    """The session store could not be reached (and no fallback was configured)."""


class RedisSession(server.Session):
    """A ``Session`` stored in Redis; expires by the key's TTL (``sessionTimeout``)."""

    _saved: bytes | None = None
    _savedAt: float | None = None  # reactor time the TTL was last set (or read) for
    _expired = False
    _shadow = False

    def _store(self) -> RedisSessionStore:
        site = self.site
        store = getattr(site, "sessionStore", None)
        if not isinstance(store, RedisSessionStore):
            raise RuntimeError(f"{self!r} belongs to no Site with a RedisSessionStore")
        return store

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.uid.decode('ascii', 'replace')}>"

    def startCheckingExpiration(self) -> None:
        """Nothing to start: Redis expires the key."""

    def touch(self) -> None:
        """Note activity (the TTL restarts when the session is next saved)."""
        if self._expired:
            raise KeyError(self.uid)
        self.lastModified = self._reactor.seconds()

    def notifyOnExpire(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` in this process when the session ends, wherever it ends."""
        self.expireCallbacks.append(callback)
        try:
            store = self._store()
        except RuntimeError:
            return
        store._watch(self)

    def expire(self) -> None:
        """End the session now, in Redis and everywhere (its callbacks run)."""
        if self._expired:
            return
        self._expired = True
        site = self.site
        if site is not None and site.sessions.get(self.uid) is self:
            del site.sessions[self.uid]
        try:
            store = self._store()
        except RuntimeError:
            store = None
        if store is not None:
            store._expired(self)
        callbacks, self.expireCallbacks = self.expireCallbacks, []
        for c in callbacks:
            c()

    def save(self) -> Deferred[None]:
        """Write the session to Redis now (resetting its TTL)."""
        return self._store()._save(self, force=True)


class _Pickler(pickle.Pickler):
    def __init__(self, f: io.BytesIO, session: RedisSession) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.session = session

    def persistent_id(self, obj: object) -> str | None:
        s = self.session
        if obj is s:
            return "session"
        if obj is s.site and obj is not None:
            return "site"
        if obj is s._reactor:
            return "reactor"
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: io.BytesIO, session: RedisSession) -> None:
        super().__init__(f)
        self.session = session

    def persistent_load(self, pid: object) -> object:
        s = self.session
        if pid == "session":
            return s
        if pid == "site":
            return s.site
        if pid == "reactor":
            return s._reactor
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


class _RequestSessions:
    """What the store tracks for one request: the sessions it holds and its response gate."""

    __slots__ = ("finishHeld", "gated", "held", "request", "saving", "sessions", "uids")

    def __init__(self, request: server.Request) -> None:
        self.request = request
        self.uids: list[bytes] = []  # sessions this request keeps in Site.sessions
        self.sessions: list[RedisSession] = []  # handed out by getSession
        self.gated = False
        self.held: list[bytes] = []
        self.finishHeld = False
        self.saving = False


class RedisSessionStore:
    """Keeps a ``Site``'s sessions in Redis: ``Site(root, sessionStore=RedisSessionStore(url))``.

    ``redis`` is a URL or a ``RedisClient``; ``prefix`` the key prefix; ``secret`` signs
    values; ``fallback`` keeps sessions in this process while Redis is down (see the module).
    """

    sessionFactory: type[RedisSession] = RedisSession

    def __init__(
        self,
        redis: RedisClient | str = "redis://127.0.0.1:6379/0",
        prefix: bytes = b"twistio:session:",
        secret: bytes | None = None,
        fallback: bool = False,
        pubsub: PubSub | None = None,
        reactor: IReactorTime | None = None,
    ) -> None:
        self.client = redis if isinstance(redis, RedisClient) else RedisClient(
            redis, reactor=reactor)
        if reactor is None:
            reactor = self.client._reactor
        self._reactor: IReactorTime = reactor
        self.prefix = prefix
        self.secret = secret
        self.fallback = fallback
        self._pubsub = pubsub
        self._refs: dict[bytes, int] = {}
        self._callbacks: dict[bytes, list[Callable[[], object]]] = {}
        self._events: Deferred[Subscription] | None = None
        self._sweepCall: IDelayedCall | None = None
        self._local: dict[bytes, tuple[RedisSession, IDelayedCall]] = {}
        self._down = False

    def __repr__(self) -> str:
        return f"<RedisSessionStore {self.client.where} prefix={self.prefix!r}>"

    # -- keys and values -----------------------------------------------------------------------

    def _key(self, uid: bytes) -> bytes:
        return self.prefix + uid

    def _dump(self, session: RedisSession) -> bytes:
        state = {k: v for k, v in vars(session).items() if k not in _LOCAL}
        f = io.BytesIO()
        _Pickler(f, session).dump(state)
        return f.getvalue()

    def _sign(self, payload: bytes) -> bytes:
        if self.secret is None:
            return payload
        return hmac.new(self.secret, payload, hashlib.sha256).digest() + payload

    def _restore(
        self, site: server.Site, uid: bytes, value: bytes, ttl: float | None = None
    ) -> RedisSession | None:
        """The session stored as ``value`` (``ttl`` ms left), or None if it is not valid."""
        payload = value
        if self.secret is not None:
            mac, payload = value[:32], value[32:]
            if len(mac) < 32 or not hmac.compare_digest(
                mac, hmac.new(self.secret, payload, hashlib.sha256).digest()
            ):
                _log.warning("session %r in Redis has no valid signature: ignored", uid)
                return None
        session = self._make(site, uid)
        try:
            state = _Unpickler(io.BytesIO(payload), session).load()
            if not isinstance(state, dict):
                raise pickle.UnpicklingError(f"not a session: {type(state).__name__}")
        except Exception:
            _log.exception("session %r in Redis cannot be read: ignored", uid)
            return None
        vars(session).update(state)
        session._saved = payload
        if ttl is not None and ttl > 0:
            # When the TTL was last set, as this process's clock tells it.
            session._savedAt = (
                self._reactor.seconds() - (session.sessionTimeout - ttl / 1000.0)
            )
        return session

    def _make(self, site: server.Site, uid: bytes) -> RedisSession:
        factory = site.sessionFactory
        if not (isinstance(factory, type) and issubclass(factory, RedisSession)):
            factory = self.sessionFactory
        session = factory(site, uid)
        callbacks = self._callbacks.get(uid)
        if callbacks is not None:
            session.expireCallbacks = callbacks
        return session

    # -- the explicit API ----------------------------------------------------------------------

    def loadSession(self, site: server.Site, uid: bytes) -> Deferred[RedisSession | None]:
        """The session ``uid`` as stored in Redis now (None: there is none)."""
        if not _UID.match(uid):
            d: Deferred[RedisSession | None] = Deferred()
            d.callback(None)
            return d

        def found(value: bytes | None) -> RedisSession | None:
            return None if value is None else self._restore(site, uid, value)

        return self.client.get(self._key(uid)).addCallback(found)

    def _save(self, session: RedisSession, force: bool = False) -> Deferred[None]:
        """SET the session with its TTL, if it changed since it was read (or ``force``)."""
        done: Deferred[None] = Deferred()
        if session._expired or session._shadow:
            done.callback(None)
            return done
        try:
            payload = self._dump(session)
        except Exception as e:
            done.errback(Failure(TypeError(
                f"session {session.uid.decode('ascii', 'replace')} holds something that cannot "
                f"be stored in Redis: {type(e).__name__}: {e}"
            )))
            return done
        now = self._reactor.seconds()
        if not force and payload == session._saved and session._savedAt is not None and (
            now - session._savedAt < session.sessionTimeout * REFRESH_AFTER
        ):
            done.callback(None)
            return done

        def saved(_: object) -> None:
            session._saved = payload
            session._savedAt = now
            if self._down:
                self._down = False
                _log.warning("Redis at %s answers again: sessions are shared again",
                             self.client.where)
            entry = self._local.pop(session.uid, None)
            if entry is not None and entry[1].active():
                entry[1].cancel()

        return self.client.set(
            self._key(session.uid), self._sign(payload), ex=session.sessionTimeout
        ).addCallback(saved)

    # -- ISessionStore: called by server.Request -----------------------------------------------

    def prepareRequest(self, request: server.Request) -> Deferred[bool] | None:
        """Load the sessions the request's cookies name (see ``server.ISessionStore``)."""
        site = request.site
        assert site is not None
        names = [request.sessionCookieBaseName]
        if request.isSecure():
            names.append(b"TWISTED_SECURE_SESSION")
        wanted: list[bytes] = []
        state: _RequestSessions | None = None
        for name in names:
            uid = request.getCookie(name)
            if not uid or not _UID.match(uid):
                continue
            if state is None:
                state = self._state(request)
            if uid in site.sessions:
                self._hold(state, uid)
            elif uid not in wanted:
                wanted.append(uid)
        if not wanted:
            return None
        assert state is not None
        keys = [self._key(uid) for uid in wanted]

        async def fetch(r: Redis) -> list[object]:
            # Each value and its TTL in milliseconds, in one round trip.
            pipe = r.pipeline(transaction=False)
            for k in keys:
                pipe.get(k)
                pipe.pttl(k)
            result: list[object] = await pipe.execute()
            return result

        d = self.client.run("GET", fetch)

        def loaded(replies: list[object]) -> bool:
            for i, uid in enumerate(wanted):
                value, ttl = replies[2 * i], replies[2 * i + 1]
                session = site.sessions.get(uid)
                if session is None and isinstance(value, bytes):
                    session = self._restore(
                        site, uid, value, float(ttl) if isinstance(ttl, int) else None)
                if session is None:
                    entry = self._local.get(uid)
                    if entry is not None and not entry[0]._shadow:
                        session = entry[0]  # made while Redis was down: saved from now on
                if session is None:
                    continue
                shadow = self._local.pop(uid, None)
                if shadow is not None and shadow[0] is not session and shadow[1].active():
                    shadow[1].cancel()
                site.sessions.setdefault(uid, session)
                self._hold(state, uid)
            return True

        def failed(reason: Failure) -> bool:
            if self.fallback:
                self._fellBack(reason)
                for uid in wanted:
                    if uid in site.sessions:
                        self._hold(state, uid)
                        continue
                    entry = self._local.get(uid)
                    if entry is None:
                        session = self._make(site, uid)
                        session._shadow = True  # never written over the one in Redis
                        self._keepLocal(session)
                    else:
                        session = entry[0]
                        entry[1].reset(session.sessionTimeout)
                    site.sessions[uid] = session
                    self._hold(state, uid)
                return True
            self._unavailable(request, reason)
            return False

        def broken(reason: Failure) -> bool:
            request.processingFailed(reason)
            return False

        return d.addCallbacks(loaded, failed).addErrback(broken)

    def sessionUsed(self, request: server.Request, session: server.Session) -> None:
        """Hold the response until ``session`` is saved (see the module)."""
        if not isinstance(session, RedisSession):
            raise TypeError(
                f"a Site with a RedisSessionStore needs RedisSession sessions, not "
                f"{type(session).__name__}: derive the sessionFactory from RedisSession"
            )
        state = self._state(request)
        if session.uid not in state.uids:
            self._hold(state, session.uid)
        if session not in state.sessions:
            state.sessions.append(session)
        if not state.gated:
            state.gated = True
            if request.startedWriting:
                request.finish = lambda: self._gatedFinish(state)  # type: ignore[method-assign]
            else:
                request.write = lambda data: self._gatedWrite(state, data)  # type: ignore[method-assign]
                request.finish = lambda: self._gatedFinish(state)  # type: ignore[method-assign]

    # -- holding sessions and responses ------------------------------------------------------

    def _state(self, request: server.Request) -> _RequestSessions:
        state: _RequestSessions | None = getattr(request, "_redisSessions", None)
        if state is None:
            state = _RequestSessions(request)
            request._redisSessions = state  # type: ignore[attr-defined]
            d = request.notifyFinish()
            d.addBoth(self._release, state)
        return state

    def _hold(self, state: _RequestSessions, uid: bytes) -> None:
        state.uids.append(uid)
        self._refs[uid] = self._refs.get(uid, 0) + 1

    def _release(self, result: object, state: _RequestSessions) -> None:
        site = state.request.site
        for uid in state.uids:
            n = self._refs.get(uid, 1) - 1
            if n > 0:
                self._refs[uid] = n
                continue
            self._refs.pop(uid, None)
            if site is not None:
                site.sessions.pop(uid, None)
        state.uids = []

    def _gatedWrite(self, state: _RequestSessions, data: bytes) -> None:
        request = state.request
        if request.finished or state.finishHeld:
            raise RuntimeError(
                "Request.write called on a request after Request.finish was called."
            )
        state.held.append(data)
        if not state.saving:
            self._saveAll(state, starting=True)

    def _gatedFinish(self, state: _RequestSessions) -> None:
        request = state.request
        if state.finishHeld or request.finished:
            type(request).finish(request)  # its own warning
            return
        state.finishHeld = True
        if not state.saving:
            self._saveAll(state, starting=not request.startedWriting)

    def _saveAll(self, state: _RequestSessions, starting: bool) -> None:
        state.saving = True
        saves = [self._save(s) for s in state.sessions]
        pending = len(saves)
        errors: list[Failure] = []

        def one(result: object) -> None:
            nonlocal pending
            if isinstance(result, Failure):
                errors.append(result)
            pending -= 1
            if pending == 0:
                self._saved(state, starting, errors)

        for d in saves:
            d.addBoth(one)

    def _saved(self, state: _RequestSessions, starting: bool, errors: list[Failure]) -> None:
        state.saving = False
        request = state.request
        if errors and self.fallback and all(e.check(RedisError) for e in errors):
            self._fellBack(errors[0])
            for s in state.sessions:
                if s._saved is None and not s._expired:
                    self._keepLocal(s)
            errors = []
        if starting:
            vars(request).pop("write", None)
            held, state.held = state.held, []
            if request.disconnected:
                return
            if errors:
                vars(request).pop("finish", None)
                bug = [e for e in errors if not e.check(RedisError)]
                if bug:
                    request.processingFailed(bug[0])  # a 500, as for any rendering error
                else:
                    self._unavailable(request, errors[0])
                # The resource may go on writing to what is now the error page: let it.
                request.write = lambda data: None  # type: ignore[method-assign]
                request.finish = lambda: None  # type: ignore[method-assign]
                return
            for data in held:
                request.write(data)
            if state.finishHeld:
                # What changed while the first save was on its way is saved before finishing.
                self._saveAll(state, starting=False)
            return
        for e in errors:
            _log.error("session not saved after the response started: %s", e.getErrorMessage())
        vars(request).pop("finish", None)
        if not request.disconnected and not request.finished:
            request.finish()

    def _unavailable(self, request: server.Request, reason: Failure) -> None:
        """Answer 503: the sessions could not be read or written."""
        _log.error("session store: %s", reason.getErrorMessage())
        if request.disconnected or request.finished or request.startedWriting:
            return
        site = request.site
        detail = ""
        if site is not None and site.displayTracebacks:
            from html import escape

            detail = "<p>" + escape(reason.getErrorMessage()) + "</p>"
        body = (
            "<html><head><title>503 Service Unavailable</title></head><body>"
            "<h1>Service Unavailable</h1><p>The session store cannot be reached.</p>"
            + detail + "</body></html>"
        ).encode("utf-8")
        request.setResponseCode(_SESSION_SERVICE_UNAVAILABLE)
        request.responseHeaders.setRawHeaders(b"content-type", [b"text/html; charset=utf-8"])
        request.responseHeaders.setRawHeaders(b"content-length", [b"%d" % len(body)])
        request.responseHeaders.removeHeader(b"set-cookie")
        request.cookies = []
        request.responseHeaders.setRawHeaders(b"retry-after", [b"1"])
        type(request).write(request, body)
        type(request).finish(request)

    # -- fallback ----------------------------------------------------------------------------

    def _fellBack(self, reason: Failure) -> None:
        if not self._down:
            self._down = True
            _log.warning("%s: sessions are kept in this process until Redis answers",
                         reason.getErrorMessage())

    def _keepLocal(self, session: RedisSession) -> None:
        uid = session.uid
        old = self._local.get(uid)
        if old is not None:
            old[1].reset(session.sessionTimeout)
            return

        def forget() -> None:
            self._local.pop(uid, None)

        self._local[uid] = (session, self._reactor.callLater(session.sessionTimeout, forget))

    # -- expiry ----------------------------------------------------------------------------

    def _expired(self, session: RedisSession) -> None:
        """``session.expire()`` was called here: delete it and tell the other processes."""
        uid = session.uid
        self._callbacks.pop(uid, None)
        entry = self._local.pop(uid, None)
        if entry is not None and entry[1].active():
            entry[1].cancel()

        def gone(_: object) -> object:
            return self.client.publish(self.prefix + b"expired", uid)

        def failed(reason: Failure) -> None:
            _log.error("session %r not deleted: %s", uid, reason.getErrorMessage())

        self.client.delete(self._key(uid)).addCallback(gone).addErrback(failed)

    def _watch(self, session: RedisSession) -> None:
        """``session`` has expiry callbacks: run them here when it ends anywhere."""
        self._callbacks[session.uid] = session.expireCallbacks
        if self._events is None:
            self._listen()
        if self._sweepCall is None or not self._sweepCall.active():
            site = session.site
            every = getattr(site, "sessionCheckTime", 1800)
            self._sweepCall = self._reactor.callLater(every, self._sweep, every)

    def _ended(self, uid: bytes) -> None:
        callbacks = self._callbacks.pop(uid, None)
        if not callbacks:
            return
        for c in list(callbacks):
            try:
                c()
            except Exception:
                _log.exception("session expiry callback %r raised", c)
        callbacks.clear()

    def _listen(self) -> None:
        if self._pubsub is None:
            self._pubsub = PubSub(self.client.url, client=self.client, reactor=self._reactor)
        pubsub = self._pubsub
        db = self.client.redis.connection_pool.connection_kwargs.get("db", 0)
        prefix = self.prefix
        n = len(prefix)

        def expired(channel: bytes, message: bytes) -> None:
            self._ended(message)

        def keyExpired(channel: bytes, key: bytes) -> None:
            if key.startswith(prefix):
                self._ended(key[n:])

        self._events = d = pubsub.subscribe(prefix + b"expired", expired)
        d.addCallback(lambda _: pubsub.subscribe(f"__keyevent@{db}__:expired", keyExpired))

        def failed(reason: Failure) -> None:
            self._events = None  # the next watch tries again; the sweep covers meanwhile
            _log.warning("session expiry events: %s", reason.getErrorMessage())

        d.addErrback(failed)

    def _sweep(self, every: float) -> None:
        self._sweepCall = None
        uids = list(self._callbacks)
        if not uids:
            return
        keys = [self._key(u) for u in uids]

        async def check(r: Redis) -> list[int]:
            pipe = r.pipeline(transaction=False)
            for k in keys:
                pipe.exists(k)
            result: list[int] = await pipe.execute()
            return result

        def found(exists: list[int]) -> None:
            for uid, e in zip(uids, exists, strict=False):
                if not e and not self._refs.get(uid) and uid not in self._local:
                    self._ended(uid)

        def failed(reason: Failure) -> None:
            _log.warning("session expiry check: %s", reason.getErrorMessage())

        def again(_: object) -> None:
            if self._callbacks and (self._sweepCall is None or not self._sweepCall.active()):
                self._sweepCall = self._reactor.callLater(every, self._sweep, every)

        self.client.run("EXISTS", check).addCallbacks(found, failed).addBoth(again)

    def close(self) -> Deferred[None]:
        """Stop the expiry watch and close the Redis connections."""
        if self._sweepCall is not None and self._sweepCall.active():
            self._sweepCall.cancel()
        for _, call in self._local.values():
            if call.active():
                call.cancel()
        self._local.clear()
        closing = self._pubsub.close() if self._pubsub is not None else None
        d = self.client.close()
        if closing is None:
            return d
        return closing.addBoth(lambda _: d)
