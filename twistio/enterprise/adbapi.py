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

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from twistio.internet.defer import Deferred
from twistio.internet.threads import deferToThreadPool
from twistio.python.threadpool import ThreadPool

__all__ = ["Connection", "ConnectionLost", "ConnectionPool", "Transaction"]

_log = logging.getLogger("twistio")
_R = TypeVar("_R")


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
        if not self._pool.reconnect:
            self._connection.rollback()
            return
        try:
            self._connection.rollback()
            cursor = self._connection.cursor()
            cursor.execute(self._pool.good_sql)
            cursor.close()
            self._connection.commit()
            return
        except Exception:
            _log.exception("Rollback failed")
        self._pool.disconnect(self._connection)
        if self._pool.noisy:
            _log.info("Connection lost.")
        raise ConnectionLost()

    def reconnect(self) -> None:
        """Drop this thread's connection (if any) and make a new one."""
        if self._connection is not None:
            self._pool.disconnect(self._connection)
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
        if self._cursor is not None:
            self.close()
        try:
            self._cursor = self._connection.cursor()
            return
        except Exception:
            if not self._pool.reconnect:
                raise
            _log.exception("Cursor creation failed")
        if self._pool.noisy:
            _log.info("Connection lost, reconnecting")
        self.reconnect()
        self._cursor = self._connection.cursor()

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
        self.dbapi = __import__(dbapiName, fromlist=["connect"])
        if getattr(self.dbapi, "apilevel", None) != "2.0":
            _log.warning("DB API module not DB API 2.0 compliant.")
        if getattr(self.dbapi, "threadsafety", 0) < 1:
            _log.warning("DB API module not sufficiently thread-safe.")
        reactor = connkw.pop("cp_reactor", None)
        if reactor is None:
            from twistio.internet import reactor as _reactor

            reactor = _reactor
        self._reactor: Any = reactor
        for arg in self.CP_ARGS:
            key = f"cp_{arg}"
            if key in connkw:
                setattr(self, arg, connkw.pop(key))
        self.connargs = connargs
        self.connkw = connkw
        self.connections: dict[int, Any] = {}
        self.threadID = threading.get_ident
        self.threadpool = ThreadPool(self.min, self.max, name=self.name or "twistio adbapi")
        self.startID: Any = self._reactor.callWhenRunning(self._start)

    def _start(self) -> None:
        self.startID = None
        self.start()

    def start(self) -> None:
        """Start the threads and arrange to close during the reactor's shutdown."""
        if not self.running:
            self._remember_loop()
            self.threadpool.start()
            self.shutdownID = self._reactor.addSystemEventTrigger(
                "during", "shutdown", self.finalClose
            )
            self.running = True

    def _remember_loop(self) -> None:
        # The asyncio reactor learns here which loop callFromThread must go back to.
        get_loop = getattr(self._reactor, "_get_loop", None)
        if get_loop is not None:
            get_loop()

    def runWithConnection(self, func: Callable[..., _R], *args: Any, **kw: Any) -> Deferred[_R]:
        """``func(connection, *args, **kw)`` in a pool thread; commit after, roll back on error."""
        self._remember_loop()
        return deferToThreadPool(
            self._reactor, self.threadpool, self._runWithConnection, func, *args, **kw
        )

    def _runWithConnection(self, func: Callable[..., _R], *args: Any, **kw: Any) -> _R:
        conn = self.connectionFactory(self)
        try:
            result = func(conn, *args, **kw)
            conn.commit()
            return result
        except BaseException:
            try:
                conn.rollback()
            except BaseException:
                _log.exception("Rollback failed")
            raise

    def runInteraction(self, interaction: Callable[..., _R], *args: Any, **kw: Any) -> Deferred[_R]:
        """``interaction(transaction, *args, **kw)`` in a pool thread, as one transaction."""
        self._remember_loop()
        return deferToThreadPool(
            self._reactor, self.threadpool, self._runInteraction, interaction, *args, **kw
        )

    def _runInteraction(self, interaction: Callable[..., _R], *args: Any, **kw: Any) -> _R:
        conn = self.connectionFactory(self)
        trans = self.transactionFactory(self, conn)
        try:
            result = interaction(trans, *args, **kw)
            trans.close()
            conn.commit()
            return result
        except BaseException:
            try:
                conn.rollback()
            except BaseException:
                _log.exception("Rollback failed")
            raise

    def runQuery(self, *args: Any, **kw: Any) -> Deferred[list[Any]]:
        """``execute(*args, **kw)`` then ``fetchall()``, in one transaction."""
        return self.runInteraction(self._runQuery, *args, **kw)

    def runOperation(self, *args: Any, **kw: Any) -> Deferred[None]:
        """``execute(*args, **kw)`` in one transaction; fires with ``None``."""
        return self.runInteraction(self._runOperation, *args, **kw)

    @staticmethod
    def _runQuery(trans: Transaction, *args: Any, **kw: Any) -> list[Any]:
        trans.execute(*args, **kw)
        result: list[Any] = trans.fetchall()
        return result

    @staticmethod
    def _runOperation(trans: Transaction, *args: Any, **kw: Any) -> None:
        trans.execute(*args, **kw)

    def close(self) -> None:
        """Stop the threads and close every connection (waits for running queries)."""
        if self.shutdownID is not None:
            self._reactor.removeSystemEventTrigger(self.shutdownID)
            self.shutdownID = None
        if self.startID is not None:
            self._reactor.removeSystemEventTrigger(self.startID)
            self.startID = None
        self.finalClose()

    def finalClose(self) -> None:
        """What ``close`` and the reactor's shutdown do: stop threads, close connections."""
        self.shutdownID = None
        self.threadpool.stop()
        self.running = False
        for conn in self.connections.values():
            self._close(conn)
        self.connections.clear()

    def connect(self) -> Any:
        """This thread's DB-API connection, made (and ``openfun`` called) on first use."""
        tid = self.threadID()
        conn = self.connections.get(tid)
        if conn is None:
            if self.noisy:
                _log.info("adbapi connecting: %s", self.dbapiName)
            conn = self.dbapi.connect(*self.connargs, **self.connkw)
            if self.openfun is not None:
                self.openfun(conn)
            self.connections[tid] = conn
        return conn

    def disconnect(self, conn: Any) -> None:
        """Close and forget this thread's connection ``conn``."""
        tid = self.threadID()
        if conn is not self.connections.get(tid):
            raise Exception("wrong connection for thread")
        if conn is not None:
            self._close(conn)
            del self.connections[tid]

    def _close(self, conn: Any) -> None:
        if self.noisy:
            _log.info("adbapi closing: %s", self.dbapiName)
        try:
            conn.close()
        except Exception:
            _log.exception("Connection close failed")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.dbapiName} min={self.min} max={self.max}>"
