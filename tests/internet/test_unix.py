"""UNIX stream sockets: listenUNIX, connectUNIX, stale socket files, abstract names.

Each test runs on every loop in conftest (asyncio's, uvloop's, one without add_reader).
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import error
from twistio.internet.address import UNIXAddress
from twistio.internet.defer import Deferred
from twistio.internet.protocol import ClientFactory, Factory, Protocol

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no UNIX sockets")

TIMEOUT = 2.0


def run(loop_factory: Callable[[], asyncio.AbstractEventLoop],
        body: Callable[[], Awaitable[Any]]) -> Any:
    loop = loop_factory()
    try:
        return loop.run_until_complete(asyncio.wait_for(body(), TIMEOUT))
    finally:
        loop.close()


class Recorder(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.made: Deferred[None] = Deferred()
        self.lost: Deferred[Any] = Deferred()
        self.got: Deferred[bytes] | None = None

    def connectionMade(self) -> None:
        self.made.callback(None)

    def dataReceived(self, data: bytes) -> None:
        self.data += data
        if self.got is not None:
            d, self.got = self.got, None
            d.callback(self.data)

    def connectionLost(self, reason: Any) -> None:
        self.lost.callback(reason.type)


class Echo(Recorder):
    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        self.transport.write(data)


class ServerFactory(Factory):
    protocol = Echo

    def __init__(self) -> None:
        self.built: Deferred[Any] = Deferred()

    def buildProtocol(self, addr: Any) -> Any:
        p = Factory.buildProtocol(self, addr)
        if not self.built.called:
            self.built.callback(p)
        return p


class Client(ClientFactory):
    protocol = Recorder

    def __init__(self) -> None:
        self.connected: Deferred[Any] = Deferred()
        self.failed: Deferred[Any] = Deferred()
        self.lost: Deferred[Any] = Deferred()

    def buildProtocol(self, addr: Any) -> Any:
        p = ClientFactory.buildProtocol(self, addr)
        p.made.addCallback(lambda _: self.connected.callback(p))
        return p

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        self.failed.callback((reason,))

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:
        self.lost.callback((reason,))


async def _roundtrip(reactor: Any, name: Any, **kw: Any) -> tuple[Any, Any, Any]:
    client = Client()
    connector = reactor.connectUNIX(name, client, **kw)
    proto = await client.connected
    proto.got = Deferred()
    proto.transport.write(b"ping")
    assert await proto.got == b"ping"
    return connector, proto, client


def test_listen_connect_addresses(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "sock")

    async def body() -> None:
        factory = ServerFactory()
        port = reactor.listenUNIX(path, factory, mode=0o600)
        assert port.getHost() == UNIXAddress(path.encode())
        assert port.getHost().name == path.encode()  # bytes, as in Twisted
        assert stat.S_ISSOCK(os.stat(path).st_mode)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        connector, proto, client = await _roundtrip(reactor, path)
        server = await factory.built
        assert proto.transport.getPeer() == UNIXAddress(path.encode())
        assert proto.transport.getHost() == UNIXAddress(None)
        assert server.transport.getHost() == UNIXAddress(path.encode())
        assert server.transport.getPeer() == UNIXAddress(None)
        assert connector.getDestination() == UNIXAddress(path.encode())
        proto.transport.loseConnection()
        assert (await client.lost)[0].type is error.ConnectionDone
        assert await server.lost is error.ConnectionDone
        await port.stopListening()
        assert not os.path.exists(path)  # removed, as in Twisted

    run(loop_factory, body)


def test_bytes_path(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    path = os.fsencode(tmp_path / "bsock")

    async def body() -> None:
        port = reactor.listenUNIX(path, ServerFactory())
        connector, proto, _ = await _roundtrip(reactor, path)
        proto.transport.loseConnection()
        await port.stopListening()

    run(loop_factory, body)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract names are Linux-only")
def test_abstract_name(loop_factory: Any, reactor: Any) -> None:
    name = f"\0twistio-test-{os.getpid()}-{id(reactor)}"

    async def body() -> None:
        port = reactor.listenUNIX(name, ServerFactory())
        assert port.getHost().name == name.encode()
        _, proto, _ = await _roundtrip(reactor, name)
        assert proto.transport.getPeer() == UNIXAddress(name.encode())
        proto.transport.loseConnection()
        await port.stopListening()

    run(loop_factory, body)


def test_in_use_cannot_listen(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "sock")

    async def body() -> None:
        port = reactor.listenUNIX(path, ServerFactory())
        with pytest.raises(error.CannotListenError):
            reactor.listenUNIX(path, ServerFactory())
        await port.stopListening()

    run(loop_factory, body)


def test_stale_socket_file_is_replaced(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "stale")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(path)  # bound, never listening, closed: a file nobody answers on

    async def body() -> None:
        port = reactor.listenUNIX(path, ServerFactory())
        _, proto, _ = await _roundtrip(reactor, path)
        proto.transport.loseConnection()
        await port.stopListening()

    run(loop_factory, body)


def test_regular_file_is_not_replaced(reactor: Any, tmp_path: Path) -> None:
    path = tmp_path / "precious"
    path.write_text("data")

    async def body() -> None:
        with pytest.raises(error.CannotListenError):
            reactor.listenUNIX(str(path), ServerFactory())
        assert path.read_text() == "data"

    run(asyncio.SelectorEventLoop, body)


def test_want_pid_lock(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "locked")

    async def body() -> None:
        port = reactor.listenUNIX(path, ServerFactory(), wantPID=1)
        lock = path + ".lock"
        assert os.readlink(lock) == str(os.getpid())  # Twisted's lock format
        with pytest.raises(error.CannotListenError) as info:
            reactor.listenUNIX(path, ServerFactory(), wantPID=1)
        assert "Cannot acquire lock" in str(info.value)
        _, proto, _ = await _roundtrip(reactor, path, checkPID=1)
        proto.transport.loseConnection()
        await port.stopListening()
        assert not os.path.lexists(lock) and not os.path.exists(path)

    run(loop_factory, body)


def test_want_pid_breaks_dead_process_lock(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "dead")
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    os.symlink(child.stdout.strip(), path + ".lock")  # held by a process that has exited
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(path)

    async def body() -> None:
        port = reactor.listenUNIX(path, ServerFactory(), wantPID=1)
        assert os.readlink(path + ".lock") == str(os.getpid())
        await port.stopListening()

    run(loop_factory, body)


def test_check_pid_without_lock_fails(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "nolock")

    async def body() -> None:
        port = reactor.listenUNIX(path, ServerFactory())
        client = Client()
        reactor.connectUNIX(path, client, checkPID=1)
        (reason,) = await client.failed
        assert reason.check(error.BadFileError)
        await port.stopListening()

    run(loop_factory, body)


def test_connect_to_missing_path_fails(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    async def body() -> None:
        client = Client()
        reactor.connectUNIX(str(tmp_path / "nobody"), client)
        (reason,) = await client.failed
        assert reason.check(error.ConnectError)

    run(loop_factory, body)


def test_refused_by_dead_socket(loop_factory: Any, reactor: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "refuse")
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(path)

    async def body() -> None:
        client = Client()
        reactor.connectUNIX(path, client)
        (reason,) = await client.failed
        assert reason.check(error.ConnectionRefusedError)

    try:
        run(loop_factory, body)
    finally:
        dead.close()
