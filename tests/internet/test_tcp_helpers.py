"""tcp's helpers: numeric IPv6 resolution, buffered logs, and the descriptor held back for
listening ports that run out of descriptors (Twisted's tests import them by these names)."""

from __future__ import annotations

import errno
import io
import os
import socket
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from twistio.internet import tcp
from twistio.internet.interfaces import implementer  # noqa: F401  (interface machinery)
from twistio.python import log


def test_resolve_ipv6_keeps_the_port_and_looks_nothing_up() -> None:
    host, port, flowinfo, scope_id = tcp._resolveIPv6("::1", 2)
    assert (host, port) == ("::1", 2)
    assert isinstance(flowinfo, int) and isinstance(scope_id, int)
    assert tcp._resolveIPv6("::1", 123456)[:2] == ("::1", 123456)
    assert tcp._resolveIPv6("::1", -1)[:2] == ("::1", -1)
    for host_, port_ in (("localhost", 1), ("::1", "http")):
        with pytest.raises(socket.gaierror) as raised:
            tcp._resolveIPv6(host_, port_)  # type: ignore[arg-type]
        assert raised.value.args[0] == socket.EAI_NONAME


def test_buffers_logs_until_the_block_ends() -> None:
    events: list[dict[str, Any]] = []
    with tcp._BuffersLogs("a.b", events.append) as logger:
        logger.info("one {n}", n=1)
        assert events == []
    assert [(e["log_format"], e["log_namespace"], e["n"]) for e in events] == [("one {n}", "a.b", 1)]
    events.clear()
    with pytest.raises(KeyError), tcp._BuffersLogs("a.b", events.append) as logger:
        logger.warn("two")
        raise KeyError("x")
    assert [e["log_format"] for e in events] == ["two"]


def test_file_descriptor_reservation(tmp_path: Any) -> None:
    opened: list[io.TextIOWrapper] = []

    def factory() -> io.TextIOWrapper:
        opened.append(open(tmp_path / "reserve", "w"))  # noqa: SIM115
        return opened[-1]

    reservation = tcp._FileDescriptorReservation(factory)
    assert tcp._IFileDescriptorReservation.providedBy(reservation)
    assert not reservation.available()
    with pytest.raises(RuntimeError), reservation:
        pass
    for _ in range(3):
        reservation.reserve()
    assert len(opened) == 1 and reservation.available()
    with reservation:
        assert opened[0].closed and not reservation.available()
    assert len(opened) == 2 and reservation.available()
    with pytest.raises(ZeroDivisionError), reservation:
        1 / 0  # noqa: B018
    assert reservation.available()


def test_reservation_errors() -> None:
    seen: list[dict[str, Any]] = []
    log.addObserver(seen.append)
    try:

        def out_of_descriptors() -> io.BytesIO:
            raise OSError(errno.EMFILE, "too many")

        reservation = tcp._FileDescriptorReservation(out_of_descriptors)
        reservation.reserve()  # logged, not raised
        assert not reservation.available()
        assert [e["failure"].value.errno for e in seen if e.get("isError")] == [errno.EMFILE]

        for kind in (OSError, ValueError):

            def other(kind: type[Exception] = kind) -> io.BytesIO:
                raise kind(errno.EMFILE + 1, "other")

            with pytest.raises(kind):
                tcp._FileDescriptorReservation(other).reserve()

        calls = [0]

        def fails_second_time() -> io.BytesIO:
            calls[0] += 1
            if calls[0] > 1:
                raise LookupError("cannot reopen")
            return io.BytesIO()

        seen.clear()
        reopening = tcp._FileDescriptorReservation(fails_second_time)
        reopening.reserve()
        with pytest.raises(KeyError), reopening:
            raise KeyError("the block's own")
        assert [type(e["failure"].value) for e in seen if e.get("isError")] == [LookupError]
    finally:
        log.removeObserver(seen.append)

    null = tcp._NullFileDescriptorReservation()
    assert tcp._IFileDescriptorReservation.providedBy(null)
    null.reserve()
    assert not null.available()
    with null:
        pass


@pytest.mark.skipif(os.name != "posix", reason="descriptor limits are POSIX")
def test_listening_socket_refuses_a_client_when_out_of_descriptors() -> None:
    # In a child: it exhausts its descriptors on purpose.
    program = textwrap.dedent(
        """
        import errno, os, resource, socket
        from twistio.internet import tcp

        resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        tcp._reservedFD.reserve()
        port = tcp._ListeningSocket(socket.AF_INET, socket.SOCK_STREAM)
        port.bind(("127.0.0.1", 0))
        port.listen(5)
        clients = [socket.create_connection(port.getsockname()) for _ in range(3)]
        port.settimeout(5)
        hog = []
        while True:
            try:
                hog.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                break
        try:
            port.accept()
        except ConnectionAbortedError:
            print("refused")
        clients[0].settimeout(5)
        print("closed" if clients[0].recv(1) == b"" else "open")
        # The reservation is back: the next client is refused the same way.
        try:
            port.accept()
        except ConnectionAbortedError:
            print("refused again")
        held = tcp._reservedFD  # still holding its descriptor
        tcp._reservedFD = tcp._NullFileDescriptorReservation()
        try:
            port.accept()
        except OSError as e:
            print(errno.errorcode[e.errno])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split("\n")[:4] == ["refused", "closed", "refused again", "EMFILE"], done.stderr


def test_port_binds_the_socket_create_internet_socket_makes() -> None:
    """``startListening`` binds what ``createInternetSocket`` gives, closes it when the
    bind fails, and a failure to make it is ``CannotListenError`` too."""
    from twistio.internet import tcp as _tcp
    from twistio.internet.error import CannotListenError
    from twistio.internet.protocol import Factory as _Factory

    closed: list[bool] = []

    class Refusing:
        def setsockopt(self, *a: object) -> None:
            pass

        def bind(self, where: object) -> None:
            raise OSError("no")

        def close(self) -> None:
            closed.append(True)

    port = _tcp.Port(0, _Factory(), interface="127.0.0.1")
    port.createInternetSocket = lambda: Refusing()  # type: ignore[method-assign,assignment,return-value]
    with pytest.raises(CannotListenError):
        port.startListening()
    assert closed == [True]

    def cannot() -> object:
        raise OSError("no sockets left")

    port.createInternetSocket = cannot  # type: ignore[method-assign,assignment]
    with pytest.raises(CannotListenError):
        port.startListening()


async def test_a_failing_stop_factory_fails_stop_listening_and_the_port_restarts() -> None:
    from twistio.internet._reactor import AsyncioReactor
    from twistio.internet.protocol import Factory as _Factory

    reactor = AsyncioReactor()

    class Failing(_Factory):
        def stopFactory(self) -> None:
            raise RuntimeError("stopFactory failed")

    factory = Failing()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    errors: list[Any] = []
    await port.stopListening().addErrback(errors.append)
    assert errors and errors[0].check(RuntimeError)
    assert port.disconnected and not port.connected
    port.startListening()  # sane again
    assert port.connected
    with pytest.raises(RuntimeError):
        port.connectionLost(None)  # at once, raising what doStop raises
    assert not port.connected and port not in reactor.transport_registry.ports
    port.connectionLost(None)  # closed already: nothing


def test_lose_write_connection_outside_the_running_loop() -> None:
    """Called while the loop is not running (a test's body, a thread-free script before
    ``run``), the half-close still tells the protocol once the loop runs."""
    import asyncio as _asyncio

    from twistio.internet._reactor import AsyncioReactor
    from twistio.internet.interfaces import IHalfCloseableProtocol
    from twistio.internet.protocol import ClientCreator, Factory, Protocol

    @implementer(IHalfCloseableProtocol)
    class Half(Protocol):
        closed: _asyncio.Future[None]

        def readConnectionLost(self) -> None:
            pass

        def writeConnectionLost(self) -> None:
            self.closed.set_result(None)

    reactor = AsyncioReactor()
    loop = reactor.transport_registry.get_loop()  # the reactor's own loop, not running
    try:

        async def connect() -> Any:
            port = reactor.listenTCP(0, Factory.forProtocol(Protocol), interface="127.0.0.1")
            client = await ClientCreator(reactor, Half).connectTCP("127.0.0.1", port.getHost().port)
            client.closed = loop.create_future()
            return port, client

        port, client = loop.run_until_complete(connect())
        client.transport.loseWriteConnection()  # the loop is not running here
        loop.run_until_complete(_asyncio.wait_for(client.closed, 3))
        client.transport.loseConnection()
        loop.run_until_complete(port.stopListening())
    finally:
        loop.close()
