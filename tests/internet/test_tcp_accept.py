"""How a TCP port accepts: by itself on asyncio's selector loops (a reader on the listening
socket, asyncio's own socket transport for each accepted socket), through
``loop.create_server`` elsewhere (uvloop, loops without ``add_reader``), with the same
behaviour either way."""

from __future__ import annotations

import asyncio
import errno
import socket
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from twistio.internet import tcp
from twistio.internet.defer import Deferred
from twistio.internet.protocol import Factory, Protocol
from twistio.python import context
from twistio.python.log import ILogContext

TIMEOUT = 5.0


def _selector_loop() -> bool:
    loop = asyncio.get_running_loop()
    return isinstance(loop, asyncio.selector_events.BaseSelectorEventLoop) and (
        "add_reader" not in type(loop).__dict__
    )


class Told(Protocol):
    """Answers each read with the connection's log context and session number."""

    def dataReceived(self, data: bytes) -> None:
        system = context.get(ILogContext, {}).get("system")
        self.transport.write(f"{system}|{self.transport.sessionno}\n".encode())


async def _ask(port: int, host: str = "127.0.0.1") -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(b"?")
        return await asyncio.wait_for(reader.readline(), TIMEOUT)
    finally:
        writer.close()


async def test_a_port_accepts_by_itself_where_the_loop_allows(reactor: Any) -> None:
    port = reactor.listenTCP(0, Factory.forProtocol(Told), interface="127.0.0.1")
    try:
        assert port._accepting is _selector_loop()
        number = port.getHost().port
        answers = [await _ask(number) for _ in range(3)]
        # Each connection's callbacks see it as their log context; numbered from 0.
        assert answers == [f"Told,{n},127.0.0.1|{n}\n".encode() for n in range(3)]
    finally:
        await port.stopListening()


async def test_accepted_sockets_say_their_family_and_type(reactor: Any) -> None:
    seen: list[tuple[int, int]] = []

    class Look(Protocol):
        def connectionMade(self) -> None:
            handle = self.transport.getHandle()
            seen.append((handle.family, handle.type))
            self.transport.loseConnection()

    for host, family in (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)):
        if family == socket.AF_INET6 and not socket.has_ipv6:
            continue
        try:
            port = reactor.listenTCP(0, Factory.forProtocol(Look), interface=host)
        except Exception:  # no IPv6 on this machine
            continue
        try:
            reader, writer = await asyncio.open_connection(host, port.getHost().port)
            assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
            writer.close()
        finally:
            await port.stopListening()
        assert seen[-1] == (family, socket.SOCK_STREAM)
        assert isinstance(seen[-1][0], socket.AddressFamily)


async def test_stop_listening_stops_accepting(reactor: Any) -> None:
    port = reactor.listenTCP(0, Factory.forProtocol(Told), interface="127.0.0.1")
    number = port.getHost().port
    assert (await _ask(number)).endswith(b"|0\n")
    await port.stopListening()
    assert port.socket.fileno() == -1
    with pytest.raises(OSError):
        await _ask(number)


class _FailingAccept:
    """Stands for a listening socket whose accept fails with ``code`` once."""

    def __init__(self, real: socket.socket, code: int) -> None:
        self.real = real
        self.code = code

    def _accept(self) -> tuple[int, object]:
        if self.code:
            code, self.code = self.code, 0
            raise OSError(code, "failing on purpose")
        return self.real._accept()  # type: ignore[attr-defined,no-any-return]

    def fileno(self) -> int:
        return self.real.fileno()

    def close(self) -> None:
        self.real.close()


async def test_out_of_resources_the_port_waits_then_accepts_again(
    reactor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _selector_loop():
        pytest.skip("create_server accepts on this loop")
    monkeypatch.setattr(tcp, "_ACCEPT_RETRY_DELAY", 0.2)
    logged: list[str] = []
    from twistio.python import log

    observer = lambda event: logged.append(log.textFromEventDict(event) or "")  # noqa: E731
    log.addObserver(observer)
    port = reactor.listenTCP(0, Factory.forProtocol(Told), interface="127.0.0.1")
    try:
        real = port.socket
        port.socket = _FailingAccept(real, errno.ENOBUFS)
        loop = asyncio.get_running_loop()
        started = loop.time()
        # The first accept fails: the port stops watching its socket for a while, then
        # accepts the waiting client.
        answer = await _ask(port.getHost().port)
        assert answer.endswith(b"|0\n")
        assert loop.time() - started >= 0.15
        assert any("could not accept a connection (ENOBUFS)" in line for line in logged)
        # Another error is logged and the port keeps accepting.
        port.socket = _FailingAccept(real, errno.EPERM)
        assert (await _ask(port.getHost().port)).endswith(b"|1\n")
        assert any("accept failed" in line for line in logged)
        port.socket = real
    finally:
        log.removeObserver(observer)
        await port.stopListening()


async def test_stop_listening_while_waiting_to_accept_again(
    reactor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _selector_loop():
        pytest.skip("create_server accepts on this loop")
    port = reactor.listenTCP(0, Factory.forProtocol(Told), interface="127.0.0.1")
    real = port.socket
    port.socket = _FailingAccept(real, errno.EMFILE)
    client = socket.create_connection(("127.0.0.1", port.getHost().port))
    try:
        for _ in range(100):
            if port._accept_retry is not None:
                break
            await asyncio.sleep(0.01)
        assert port._accept_retry is not None
        port.socket = real
        await port.stopListening()
        assert port._accept_retry is None and real.fileno() == -1
    finally:
        client.close()


async def test_a_refused_protocol_closes_the_accepted_connection(reactor: Any) -> None:
    class Refusing(Factory):
        def buildProtocol(self, addr: object) -> None:
            return None

    port = reactor.listenTCP(0, Refusing(), interface="127.0.0.1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        writer.close()
    finally:
        await port.stopListening()


async def test_connections_outlive_their_port(reactor: Any) -> None:
    lost: Deferred[None] = Deferred()

    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

        def connectionLost(self, reason: object) -> None:
            lost.callback(None)

    port = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
    reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
    writer.write(b"a")
    assert await asyncio.wait_for(reader.readexactly(1), TIMEOUT) == b"a"
    await port.stopListening()
    writer.write(b"b")
    assert await asyncio.wait_for(reader.readexactly(1), TIMEOUT) == b"b"
    writer.close()
    await asyncio.wait_for(asyncio.ensure_future(_wait(lost)), TIMEOUT)


async def _wait(d: Deferred[None]) -> None:
    await d


@pytest.mark.single_loop
def test_out_of_descriptors_a_client_is_refused_at_once() -> None:
    # In a child: it exhausts its descriptors on purpose. The port, accepting by itself
    # on the default loop, refuses the waiting client at once (its connection closes)
    # and serves the next once descriptors are back.
    program = textwrap.dedent(
        """
        import os, resource, socket
        from twistio.internet import reactor
        from twistio.internet.protocol import Factory, Protocol

        class Hello(Protocol):
            def connectionMade(self):
                self.transport.write(b"hello")
                self.transport.loseConnection()

        resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        port = reactor.listenTCP(0, Factory.forProtocol(Hello), interface="127.0.0.1")
        where = ("127.0.0.1", port.getHost().port)
        hog = []

        def exhaust():
            client = socket.create_connection(where)
            client.settimeout(5)
            while True:
                try:
                    hog.append(os.open(os.devnull, os.O_RDONLY))
                except OSError:
                    break
            reactor.callLater(0.2, check, client)

        def check(client):
            print("refused" if client.recv(10) == b"" else "served")
            client.close()
            for fd in hog:
                os.close(fd)
            client = socket.create_connection(where)
            client.settimeout(5)
            reactor.callLater(0.2, again, client)

        def again(client):
            print(client.recv(10).decode())
            reactor.stop()

        reactor.callWhenRunning(exhaust)
        reactor.run()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split("\n")[:2] == ["refused", "hello"], done.stderr
