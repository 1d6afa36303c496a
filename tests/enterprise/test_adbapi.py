"""adbapi.ConnectionPool against sqlite3 and, where one can be started, a real PostgreSQL."""

from __future__ import annotations

import asyncio
import glob
import importlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import types
from collections.abc import Iterator
from typing import Any

import pytest

from twistio.enterprise import adbapi
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.defer import Deferred

TIMEOUT = 5.0


async def wait(d: Deferred[Any]) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


@pytest.fixture
def reactor() -> AsyncioReactor:
    """A fresh reactor; inside an async test it uses the test's running loop."""
    return AsyncioReactor()


# -- the databases -----------------------------------------------------------------------------


class Backend:
    """How to reach one database: module name, connect arguments, placeholder."""

    def __init__(
        self, name: str, module: str, args: tuple[Any, ...], kw: dict[str, Any], mark: str
    ) -> None:
        self.name, self.module, self.args, self.kw, self.mark = name, module, args, kw, mark

    def pool(self, reactor: Any, **kw: Any) -> adbapi.ConnectionPool:
        return adbapi.ConnectionPool(self.module, *self.args, cp_reactor=reactor, **self.kw, **kw)

    def q(self, sql: str) -> str:
        return sql.replace("?", self.mark)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _pg_bin() -> str | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return os.path.dirname(os.path.realpath(found))
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    return None


def _pg_driver() -> str | None:
    for name in ("psycopg2", "psycopg"):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        return name
    return None


@pytest.fixture(scope="session")
def postgres() -> Iterator[Backend]:
    """A throwaway PostgreSQL cluster on a Unix socket in a temporary directory."""
    bindir = _pg_bin()
    driver = _pg_driver()
    if bindir is None:
        pytest.skip(
            "PostgreSQL not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin)"
        )
    if driver is None:
        pytest.skip(
            "no PostgreSQL DB-API driver importable (pip install psycopg2-binary or psycopg)"
        )
    prefix: list[str] = []
    top = tempfile.mkdtemp(prefix="twistio-pg-")
    if os.geteuid() == 0:  # initdb refuses to run as root
        runuser = shutil.which("runuser")
        try:
            import pwd

            owner = pwd.getpwnam("postgres")
        except KeyError:
            owner = pwd.getpwnam("nobody")
        if runuser is None:
            shutil.rmtree(top)
            pytest.skip("running as root and no runuser to start PostgreSQL as another user")
        os.chown(top, owner.pw_uid, owner.pw_gid)
        prefix = [runuser, "-u", owner.pw_name, "--"]
    data = os.path.join(top, "data")
    port = _free_port()
    log = os.path.join(top, "log")

    def run(*cmd: str) -> None:
        done = subprocess.run([*prefix, *cmd], capture_output=True, timeout=60)
        if done.returncode:
            shutil.rmtree(top, ignore_errors=True)
            pytest.skip(f"could not start PostgreSQL: {cmd[0]}: {done.stderr.decode()[-500:]}")

    run(
        os.path.join(bindir, "initdb"),
        "-D",
        data,
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync",
    )
    options = f"-k {top} -p {port} -c listen_addresses='' -c fsync=off"
    run(os.path.join(bindir, "pg_ctl"), "-D", data, "-l", log, "-o", options, "-w", "start")
    try:
        if driver == "psycopg2":
            kw = {"host": top, "port": port, "user": "postgres", "dbname": "postgres"}
            yield Backend("postgres", "psycopg2", (), kw, "%s")
        else:
            conninfo = f"host={top} port={port} user=postgres dbname=postgres"
            yield Backend("postgres", "psycopg", (conninfo,), {}, "%s")
    finally:
        subprocess.run(
            [*prefix, os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(params=["sqlite3", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> Backend:
    if request.param == "sqlite3":
        path = str(tmp_path / "db.sqlite")
        return Backend(
            "sqlite3", "sqlite3", (path,), {"check_same_thread": False, "timeout": 5}, "?"
        )
    pg: Backend = request.getfixturevalue("postgres")
    return pg


@pytest.fixture
async def pool(backend: Backend, reactor: AsyncioReactor) -> Any:
    p = backend.pool(reactor)
    await wait(p.runOperation("DROP TABLE IF EXISTS t"))
    await wait(p.runOperation("CREATE TABLE t (k INTEGER, v TEXT)"))
    yield p
    p.close()


# -- tests -------------------------------------------------------------------------------------


async def test_query_and_operation(pool: adbapi.ConnectionPool, backend: Backend) -> None:
    assert (
        await wait(pool.runOperation(backend.q("INSERT INTO t VALUES (?, ?)"), (1, "one"))) is None
    )
    await wait(pool.runOperation(backend.q("INSERT INTO t VALUES (?, ?)"), (2, "two")))
    rows = await wait(pool.runQuery(backend.q("SELECT k, v FROM t WHERE k >= ? ORDER BY k"), (1,)))
    assert [tuple(r) for r in rows] == [(1, "one"), (2, "two")]


async def test_interaction_commits(pool: adbapi.ConnectionPool, backend: Backend) -> None:
    def work(txn: adbapi.Transaction, n: int) -> int:
        for i in range(n):
            txn.execute(backend.q("INSERT INTO t VALUES (?, ?)"), (i, str(i)))
        txn.execute("SELECT count(*) FROM t")
        count: int = txn.fetchone()[0]
        return count

    assert await wait(pool.runInteraction(work, 3)) == 3
    assert (await wait(pool.runQuery("SELECT count(*) FROM t")))[0][0] == 3


async def test_interaction_rolls_back_on_error(
    pool: adbapi.ConnectionPool, backend: Backend
) -> None:
    def work(txn: adbapi.Transaction) -> None:
        txn.execute(backend.q("INSERT INTO t VALUES (?, ?)"), (1, "x"))
        raise ZeroDivisionError("no")

    with pytest.raises(ZeroDivisionError):
        await wait(pool.runInteraction(work))
    assert (await wait(pool.runQuery("SELECT count(*) FROM t")))[0][0] == 0


async def test_bad_sql_is_the_drivers_error(pool: adbapi.ConnectionPool, backend: Backend) -> None:
    with pytest.raises(pool.dbapi.Error):
        await wait(pool.runQuery("SELECT nothing FROM nowhere"))
    # The connection is still good after the rollback.
    assert (await wait(pool.runQuery("SELECT count(*) FROM t")))[0][0] == 0


async def test_run_with_connection(pool: adbapi.ConnectionPool, backend: Backend) -> None:
    def work(conn: Any, k: int) -> str:
        cursor = conn.cursor()
        cursor.execute(backend.q("INSERT INTO t VALUES (?, ?)"), (k, "c"))
        cursor.close()
        return "done"

    assert await wait(pool.runWithConnection(work, 5)) == "done"

    def fails(conn: Any) -> None:
        cursor = conn.cursor()
        cursor.execute(backend.q("INSERT INTO t VALUES (?, ?)"), (6, "c"))
        raise KeyError("x")

    with pytest.raises(KeyError):
        await wait(pool.runWithConnection(fails))
    assert [tuple(r) for r in await wait(pool.runQuery("SELECT k FROM t"))] == [(5,)]


async def test_many_concurrent_queries(pool: adbapi.ConnectionPool) -> None:
    results = await wait(
        asyncio.gather(
            *(asyncio.ensure_future(wait(pool.runQuery("SELECT 1 + 1"))) for _ in range(20))
        )  # type: ignore[arg-type]
    )
    assert [tuple(r[0]) for r in results] == [(2,)] * 20
    assert len(pool.connections) <= pool.max


async def test_pool_options_and_openfun(backend: Backend, reactor: AsyncioReactor) -> None:
    opened: list[Any] = []
    p = backend.pool(
        reactor, cp_min=1, cp_max=2, cp_openfun=opened.append, cp_noisy=True, cp_name="db"
    )
    try:
        assert (p.min, p.max, p.noisy, p.name) == (1, 2, True, "db")
        assert (p.threadpool.min, p.threadpool.max) == (1, 2)
        assert p.running  # the asyncio loop is running, so the pool started at once
        assert "cp_min" not in p.connkw
        await wait(p.runQuery("SELECT 1"))
        assert len(opened) == 1 and list(p.connections.values()) == opened
    finally:
        p.close()
    assert not p.running and p.connections == {}
    assert p.shutdownID is None


async def test_close_closes_connections(backend: Backend, reactor: AsyncioReactor) -> None:
    p = backend.pool(reactor)
    await wait(p.runQuery("SELECT 1"))
    (conn,) = p.connections.values()
    p.close()
    with pytest.raises(p.dbapi.Error):
        conn.cursor().execute("SELECT 1")


def test_started_and_stopped_with_the_reactor(tmp_path: Any) -> None:
    """Made before reactor.run(): starts at startup, closed during shutdown."""
    loop = asyncio.new_event_loop()
    reactor = AsyncioReactor(loop)
    p = adbapi.ConnectionPool(
        "sqlite3", str(tmp_path / "db"), check_same_thread=False, cp_reactor=reactor
    )
    assert not p.running
    got: list[Any] = []

    def go() -> None:
        assert p.running
        d = p.runQuery("SELECT 42")
        d.addCallback(got.append)
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.callLater(TIMEOUT, reactor.stop)
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        loop.close()
    assert got == [[(42,)]]
    assert not p.running and p.connections == {}


def test_close_before_start_removes_the_startup_trigger(tmp_path: Any) -> None:
    loop = asyncio.new_event_loop()
    reactor = AsyncioReactor(loop)
    p = adbapi.ConnectionPool("sqlite3", str(tmp_path / "db"), cp_reactor=reactor)
    p.close()
    reactor.callWhenRunning(reactor.stop)
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        loop.close()
    assert not p.running


# -- reconnecting, with a fake DB-API module ----------------------------------------------------


class FakeCursor:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn

    def execute(self, sql: str, *args: Any) -> None:
        if not self.conn.alive:
            raise FakeError("connection is gone")
        self.conn.log.append(sql)

    def fetchall(self) -> list[Any]:
        return [(1,)]

    def close(self) -> None:
        pass


class FakeError(Exception):
    pass


class FakeConnection:
    instances: list[FakeConnection] = []

    def __init__(self) -> None:
        self.alive = True
        self.closed = False
        self.log: list[str] = []
        FakeConnection.instances.append(self)

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def commit(self) -> None:
        if not self.alive:
            raise FakeError("gone")

    def rollback(self) -> None:
        if not self.alive:
            raise FakeError("gone")

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fakedb(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("twistio_fakedb")
    module.apilevel = "2.0"  # type: ignore[attr-defined]
    module.threadsafety = 1  # type: ignore[attr-defined]
    module.connect = lambda: FakeConnection()  # type: ignore[attr-defined]
    module.Error = FakeError  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "twistio_fakedb", module)
    FakeConnection.instances = []
    return module


async def test_reconnect_after_a_lost_connection(
    fakedb: Any, reactor: AsyncioReactor, caplog: pytest.LogCaptureFixture
) -> None:
    p = adbapi.ConnectionPool(
        "twistio_fakedb",
        cp_reactor=reactor,
        cp_reconnect=True,
        cp_min=1,
        cp_max=1,
        cp_good_sql="select 2",
    )
    try:
        assert await wait(p.runQuery("q1")) == [(1,)]
        (first,) = FakeConnection.instances
        first.alive = False
        with caplog.at_level(logging.ERROR, logger="twistio"), pytest.raises(FakeError):
            # The query's own error; the failed rollback check is logged, the connection dropped.
            await wait(p.runQuery("q2"))
        assert "Rollback failed" in caplog.text
        assert first.closed and p.connections == {}
        assert await wait(p.runQuery("q3")) == [(1,)]
        second = FakeConnection.instances[-1]
        assert second is not first and second.log == ["q3"]
    finally:
        p.close()


async def test_without_reconnect_the_error_stays(fakedb: Any, reactor: AsyncioReactor) -> None:
    p = adbapi.ConnectionPool("twistio_fakedb", cp_reactor=reactor, cp_min=1, cp_max=1)
    try:
        await wait(p.runQuery("q1"))
        FakeConnection.instances[0].alive = False
        with pytest.raises(FakeError):
            await wait(p.runQuery("q2"))
        assert len(p.connections) == 1
    finally:
        p.close()


def test_disconnect_checks_the_thread(fakedb: Any, reactor: AsyncioReactor) -> None:
    p = adbapi.ConnectionPool("twistio_fakedb", cp_reactor=reactor)
    conn = p.connect()
    assert p.connect() is conn and p.connections == {threading.get_ident(): conn}
    with pytest.raises(Exception, match="wrong connection for thread"):
        p.disconnect(object())
    p.disconnect(conn)
    assert conn.closed and p.connections == {}
    p.close()
