"""A pool of DB-API connections used from threads, with Deferred results.

Each pool thread keeps its own connection (DB-API connections are rarely thread-safe), made on
first use. ``runInteraction`` runs a function with a ``Transaction`` (a cursor) in a pool
thread, commits if it returns and rolls back if it raises; ``runQuery`` and ``runOperation``
are ``runInteraction`` around one ``execute``. The pool starts when the reactor runs (at once
if it already is) and closes during the reactor's shutdown, as in Twisted.

The pool's own ``ThreadPool`` (``cp_min``..``cp_max`` threads) runs the DB-API calls, so slow
queries never take threads from the reactor's pool. Connections are closed from the thread
calling ``close`` (for ``sqlite3``, pass ``check_same_thread=False``, as with Twisted).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from twistio.internet._registry import TransportRegistry
from twistio.internet.defer import Deferred
from twistio.internet.threads import deferToThreadPool
from twistio.python.threadpool import ThreadPool

__all__ = ["Connection", "ConnectionLost", "ConnectionPool", "Transaction"]

_log = logging.getLogger("twistio")
_R = TypeVar("_R")

# What pickling a pool keeps: enough to build it again somewhere else.
_PICKLED = ("dbapiName", "min", "max", "noisy", "reconnect", "good_sql", "connargs", "connkw")


class ConnectionLost(Exception):
    """The database connection was lost, and rolling back on it failed."""


class Connection:
    """One pool thread's DB-API connection; anything else is looked up on it.

    ``close`` does nothing (the connection belongs to the thread); ``rollback`` checks the
    connection with ``good_sql`` when the pool reconnects, and raises ``ConnectionLost`` after
    dropping it if that fails.
    """

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._connection: Any = None
        self.reconnect()

    def close(self) -> None:
        """Nothing: the pool closes its connections in ``close``."""

    def rollback(self) -> None:
        """Roll back; with ``cp_reconnect``, also check the connection is alive."""
        pool = self._pool
        if not pool.reconnect:
            self._connection.rollback()
        elif not self._rolled_back_and_alive():
            # The connection stays this thread's: the next cursor that cannot be made
            # reconnects it (Transaction.reopen), as in Twisted.
            if pool.noisy:
                _log.info("Connection lost.")
            raise ConnectionLost()

    def _rolled_back_and_alive(self) -> bool:
        # Roll back, then prove the connection still answers by running the pool's probe
        # statement in a throwaway cursor and committing it.
        db = self._connection
        try:
            db.rollback()
            self._probe(db)
            db.commit()
        except Exception:
            _log.exception("Rollback failed")
            return False
        return True

    def _probe(self, db: Any) -> None:
        probe = db.cursor()
        probe.execute(self._pool.good_sql)
        probe.close()

    def reconnect(self) -> None:
        """Drop this thread's connection (if any) and make a new one."""
        old, self._connection = self._connection, None
        if old is not None:
            self._pool.disconnect(old)
        self._connection = self._pool.connect()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


class Transaction:
    """A cursor on a ``Connection``: ``execute``, ``fetchall`` and the rest are the cursor's."""

    _cursor: Any = None

    def __init__(self, pool: ConnectionPool, connection: Connection) -> None:
        self._pool = pool
        self._connection = connection
        self.reopen()

    def close(self) -> None:
        """Close the cursor."""
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            cursor.close()

    def reopen(self) -> None:
        """Open a new cursor; with ``cp_reconnect``, reconnect once if that fails."""
        self.close()
        try:
            fresh = self._connection.cursor()
        except Exception:
            if not self._pool.reconnect:
                raise
            _log.exception("Cursor creation failed")
            fresh = None
        if fresh is None:
            if self._pool.noisy:
                _log.info("Connection lost, reconnecting")
            self.reconnect()
            fresh = self._connection.cursor()
        self._cursor = fresh

    def reconnect(self) -> None:
        """Reconnect the underlying connection (the cursor must be reopened)."""
        self._connection.reconnect()
        self._cursor = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class ConnectionPool:
    """DB-API connections from ``dbapiName`` (a module name), used in pool threads.

    ``connargs`` and ``connkw`` go to the module's ``connect``, except the ``cp_*`` keywords:
    ``cp_min``/``cp_max`` (threads, 3 and 5), ``cp_name``, ``cp_noisy`` (log connects),
    ``cp_openfun`` (called with each new connection), ``cp_reconnect`` (check and replace
    connections after a failed rollback), ``cp_good_sql`` (the check, ``select 1``) and
    ``cp_reactor``.
    """

    CP_ARGS = ["min", "max", "name", "noisy", "openfun", "reconnect", "good_sql"]

    noisy = False
    min = 3
    max = 5
    name: str | None = None
    openfun: Callable[[Any], object] | None = None
    reconnect = False
    good_sql = "select 1"
    running = False
    connectionFactory: Callable[[ConnectionPool], Connection] = Connection
    transactionFactory: Callable[[ConnectionPool, Connection], Transaction] = Transaction
    shutdownID: Any = None

    def __init__(self, dbapiName: str, *connargs: Any, **connkw: Any) -> None:
        self.dbapiName = dbapiName
        reactor = connkw.pop("cp_reactor", None)
        options = {arg: connkw.pop("cp_" + arg) for arg in self.CP_ARGS if "cp_" + arg in connkw}
        self.__dict__.update(options)
        # As Twisted's: a minimum above the maximum is brought down to it.
        self.min = min(self.min, self.max)
        self.connargs = connargs
        self.connkw = connkw
        self._setUp(reactor)

    def _setUp(self, reactor: Any) -> None:
        # Everything that is not kept when the pool is pickled: the module, the threads and
        # the link to the reactor.
        self.dbapi = importlib.import_module(self.dbapiName)
        if getattr(self.dbapi, "apilevel", None) != "2.0":
            _log.warning("DB API module not DB API 2.0 compliant.")
        if getattr(self.dbapi, "threadsafety", 0) < 1:
            _log.warning("DB API module not sufficiently thread-safe.")
        if reactor is None:
            from twistio.internet import reactor as global_reactor

            reactor = global_reactor
        self._reactor: Any = reactor
        self.connections: dict[int, Any] = {}
        self.threadID = threading.get_ident
        self.threadpool = ThreadPool(self.min, self.max, name=self.name or "twistio adbapi")
        self.startID: Any = self._reactor.callWhenRunning(self._start)

    def __getstate__(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in _PICKLED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._setUp(None)

    def _start(self) -> None:
        self.startID = None
        self.start()

    def start(self) -> None:
        """Start the threads and arrange to close during the reactor's shutdown."""
        if self.running:
            return
        self._remember_loop()
        self.threadpool.start()
        self.shutdownID = self._reactor.addSystemEventTrigger(
            "during", "shutdown", self.finalClose
        )
        self.running = True

    def _remember_loop(self) -> None:
        # The asyncio reactor learns here which loop callFromThread must go back to.
        registry = getattr(self._reactor, "transport_registry", None)
        if isinstance(registry, TransportRegistry):
            registry.get_loop()

    def _in_thread(self, work: Callable[..., _R], *args: Any, **kw: Any) -> Deferred[_R]:
        self._remember_loop()
        return deferToThreadPool(self._reactor, self.threadpool, work, *args, **kw)

    def runWithConnection(self, func: Callable[..., _R], *args: Any, **kw: Any) -> Deferred[_R]:
        """``func(connection, *args, **kw)`` in a pool thread; commit after, roll back on error."""
        return self._in_thread(self._runWithConnection, func, *args, **kw)

    def runInteraction(self, interaction: Callable[..., _R], *args: Any, **kw: Any) -> Deferred[_R]:
        """``interaction(transaction, *args, **kw)`` in a pool thread, as one transaction."""
        return self._in_thread(self._runInteraction, interaction, *args, **kw)

    def _runWithConnection(self, func: Callable[..., _R], *args: Any, **kw: Any) -> _R:
        conn = self.connectionFactory(self)
        return self._committed(conn, lambda: func(conn, *args, **kw))

    def _runInteraction(self, interaction: Callable[..., _R], *args: Any, **kw: Any) -> _R:
        conn = self.connectionFactory(self)
        cursor = self.transactionFactory(self, conn)

        def work() -> _R:
            value = interaction(cursor, *args, **kw)
            cursor.close()
            return value

        return self._committed(conn, work)

    def _committed(self, conn: Connection, work: Callable[[], _R]) -> _R:
        # ``work`` and the commit after it either both succeed, or the connection is rolled
        # back and the first error propagates (a failing rollback is only logged).
        done = False
        try:
            value = work()
            conn.commit()
            done = True
        finally:
            if not done:
                try:
                    conn.rollback()
                except ConnectionLost:
                    # The rollback's check found the connection dead: drop it now, so the
                    # next transaction connects afresh (whatever the driver's cursor() does).
                    self.disconnect(conn._connection)
                except BaseException:
                    _log.exception("Rollback failed")
        return value

    def runQuery(self, *args: Any, **kw: Any) -> Deferred[list[Any]]:
        """``execute(*args, **kw)`` then ``fetchall()``, in one transaction."""
        return self.runInteraction(self._runQuery, *args, **kw)

    def runOperation(self, *args: Any, **kw: Any) -> Deferred[None]:
        """``execute(*args, **kw)`` in one transaction; fires with ``None``."""
        return self.runInteraction(self._runOperation, *args, **kw)

    @staticmethod
    def _runQuery(trans: Transaction, *args: Any, **kw: Any) -> list[Any]:
        trans.execute(*args, **kw)
        rows: list[Any] = trans.fetchall()
        return rows

    @staticmethod
    def _runOperation(trans: Transaction, *args: Any, **kw: Any) -> None:
        trans.execute(*args, **kw)

    def close(self) -> None:
        """Stop the threads and close every connection (waits for running queries)."""
        for attr in ("shutdownID", "startID"):
            trigger = getattr(self, attr)
            if trigger is not None:
                setattr(self, attr, None)
                self._reactor.removeSystemEventTrigger(trigger)
        self.finalClose()

    def finalClose(self) -> None:
        """What ``close`` and the reactor's shutdown do: stop threads, close connections."""
        self.shutdownID = None
        self.threadpool.stop()
        self.running = False
        open_ones = list(self.connections.values())
        self.connections.clear()
        for conn in open_ones:
            self._close(conn)

    def connect(self) -> Any:
        """This thread's DB-API connection, made (and ``openfun`` called) on first use."""
        me = self.threadID()
        if me in self.connections:
            return self.connections[me]
        if self.noisy:
            _log.info("adbapi connecting: %s", self.dbapiName)
        made = self.dbapi.connect(*self.connargs, **self.connkw)
        if self.openfun is not None:
            self.openfun(made)
        self.connections[me] = made
        return made

    def disconnect(self, conn: Any) -> None:
        """Close and forget this thread's connection ``conn``."""
        mine = self.connections.get(self.threadID())
        if mine is not conn:
            raise Exception("wrong connection for thread")
        if mine is None:
            return
        self.connections.pop(self.threadID())
        self._close(mine)

    def _close(self, conn: Any) -> None:
        if self.noisy:
            _log.info("adbapi closing: %s", self.dbapiName)
        try:
            conn.close()
        except Exception:
            _log.exception("Connection close failed")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.dbapiName} min={self.min} max={self.max}>"
