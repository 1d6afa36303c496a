"""Many workers on many "hosts" sharing one Redis: ``twistio web --workers 2`` run twice,
each group on its own port (two hosts behind a balancer), with sessions and a chat shared
through a real redis-server."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("redis")

from tests._redis_server import RedisServer
from tests.web._ws_client import WSClient
from tests.web.test_redissession import _command, get

ROOT = Path(__file__).resolve().parents[2]
STARTUP = 30.0  # an upper bound: two workers importing twistio on a shared machine


class Group:
    """One "host": ``twistio web ... --workers N`` listening on its own port."""

    def __init__(self, args: list[str], workers: int = 2, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.workers = workers
        self.cwd = cwd
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.pids: set[int] = set()

    def start(self) -> Group:
        self.log = tempfile.NamedTemporaryFile(prefix="twistio-group-", suffix=".log")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "twistio", "web", *self.args, "--workers", str(self.workers),
             "--listen", "tcp:0:interface=127.0.0.1", "--grace", "1"],
            cwd=self.cwd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP
        while True:  # readiness of outside processes: their log, read until every worker is up
            text = Path(self.log.name).read_text(errors="replace")
            found = re.findall(r"listening on tcp:127\.0\.0\.1:(\d+) \(pid (\d+)\)", text)
            if len(found) >= self.workers:
                self.port = int(found[0][0])
                self.pids = {int(p) for _, p in found}
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"workers did not start:\n{text}")
            time.sleep(0.02)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            self.log.close()


@pytest.fixture
def redis_srv() -> Iterator[RedisServer]:
    srv = RedisServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def groups() -> Iterator[list[Group]]:
    started: list[Group] = []
    try:
        yield started
    finally:
        for g in started:
            g.stop()


def _session_group(url: str) -> Group:
    return Group(["--class", "tests.web._redis_app:Root", "--session-store", url])


async def _other_worker(port: int, cookie: bytes, avoid: set[int]) -> dict[str, Any]:
    """GET /peek on new connections until a worker not in ``avoid`` answers (the kernel
    spreads connections over the workers of a port; bounded)."""
    for _ in range(100):
        status, body, _ = await get(port, "/peek", cookie)
        assert status == 200
        if body["pid"] not in avoid:
            return body
    raise AssertionError("every connection went to the same worker")


async def test_sessions_shared_by_workers_and_hosts_and_survive_restarts(redis_srv: RedisServer, groups: list[Group]) -> None:
    host_a, host_b = _session_group(redis_srv.url), _session_group(redis_srv.url)
    groups += [host_a, host_b]
    await asyncio.gather(asyncio.to_thread(host_a.start), asyncio.to_thread(host_b.start))
    status, body, uid = await get(host_a.port, "/count?name=ada")
    assert status == 200 and uid is not None and body["count"] == 1
    first = body["pid"]
    # Another worker process of the same host sees it...
    body = await _other_worker(host_a.port, uid, {first})
    assert body["count"] == 1 and body["name"] == "ada" and body["pid"] in host_a.pids
    # ... and so does every worker of the other host, each seeing the other's changes.
    _, body, _ = await get(host_b.port, "/count", uid)
    assert body["count"] == 2 and body["pid"] in host_b.pids
    body = await _other_worker(host_b.port, uid, {body["pid"]})
    assert body["count"] == 2 and body["pid"] in host_b.pids
    # Host A restarts (new processes): the session is still there.
    host_a.stop()
    host_a2 = _session_group(redis_srv.url)
    groups.append(host_a2)
    await asyncio.to_thread(host_a2.start)
    assert not host_a2.pids & host_a.pids
    status, body, again = await get(host_a2.port, "/count", uid)
    assert (status, body["count"], body["name"], again) == (200, 3, "ada", None)


async def test_redis_stopped_mid_run_gives_errors_then_recovers(redis_srv: RedisServer, groups: list[Group]) -> None:
    host = _session_group(redis_srv.url)
    groups.append(host)
    await asyncio.to_thread(host.start)
    _, _, uid = await get(host.port, "/count")
    assert uid is not None
    redis_srv.stop()
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for _ in range(4):  # over both workers
        status, _, _ = await get(host.port, "/count", uid)
        assert status == 503
    status, _, _ = await get(host.port, "/pid")
    assert status == 200
    assert loop.time() - t0 < 10  # errors, not hangs (each well under the 2 s timeout)
    redis_srv.start()
    for _ in range(4):
        status, body, _ = await get(host.port, "/count")
        assert status == 200 and body["count"] == 1


async def _subscribers(port: int, channel: bytes, n: int) -> None:
    """Wait until ``n`` processes are subscribed to ``channel`` (bounded)."""
    for _ in range(1000):
        reply = await asyncio.to_thread(_command, port, b"PUBSUB", b"NUMSUB", channel)
        if int(reply.rsplit(b":", 1)[1].split(b"\r\n")[0]) >= n:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {n} subscribers on {channel!r}")


@pytest_asyncio.fixture
async def chat_hosts(redis_srv: RedisServer, groups: list[Group]) -> AsyncIterator[tuple[Group, Group]]:
    env = {"CHAT_REDIS": redis_srv.url}
    a = Group(["--class", "websocket_chat:ChatRoot"], cwd=ROOT / "examples", env=env)
    b = Group(["--class", "websocket_chat:ChatRoot"], cwd=ROOT / "examples", env=env)
    groups += [a, b]
    await asyncio.gather(asyncio.to_thread(a.start), asyncio.to_thread(b.start))
    await _subscribers(redis_srv.port, b"twistio-chat", 4)
    yield a, b


async def test_chat_message_reaches_clients_of_every_worker_and_host(chat_hosts: tuple[Group, Group]) -> None:
    a, b = chat_hosts
    clients = [await WSClient.connect(a.port) for _ in range(4)] + [
        await WSClient.connect(b.port) for _ in range(4)
    ]
    try:
        # The members are registered once the upgrade is done; a first round proves it.
        clients[0].send_text(json.dumps({"nick": "ann", "text": "hello"}))
        for c in clients:
            assert json.loads(await c.read_text()) == {"nick": "ann", "text": "hello"}
        clients[-1].send_text(json.dumps({"nick": "bob", "text": "from host b"}))
        for c in clients:
            assert json.loads(await c.read_text()) == {"nick": "bob", "text": "from host b"}
    finally:
        for c in clients:
            c.close()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["web", "--session-store", "http://x"], "expected redis://"),
        (["web", "--session-fallback"], "--session-fallback needs --session-store"),
        (["web", "--class", "no_such_module_here:Root"], "cannot import"),
        (["web", "--class", "tests.web._redis_app:Nope"], "has no attribute"),
    ],
)
def test_bad_session_store_options_are_one_line_exit_2(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    from twistio._cli import main

    try:
        status = main(argv)
    except SystemExit as e:
        status = e.code  # type: ignore[assignment]
    assert status == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and says in err, err
