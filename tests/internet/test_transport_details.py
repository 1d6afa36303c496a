"""Details of the TCP, UNIX and UDP transports that Twisted's own reactor tests check: the
messages ports log, the log context of protocol callbacks, the names and numbers of
connections, bindings and port numbers out of range."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet.test_tcp import Client, Collect, Echo, Recorder, connected_pair, wait
from twistio.internet import error
from twistio.internet._adapter import address_from_sockaddr
from twistio.internet.defer import Deferred
from twistio.internet.protocol import DatagramProtocol, Factory
from twistio.internet.tcp import _resolveIPv6, makeBinding
from twistio.python import context, log


@pytest.fixture
def logged() -> Iterator[list[dict[str, Any]]]:
    """Events reaching a legacy observer (``log.addObserver``)."""
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:
        yield events
    finally:
        log.removeObserver(events.append)


def messages(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [e["message"] for e in events if e.get("message")]


async def test_tcp_port_logs_start_and_stop_on_twisteds_log(
    reactor: Any, logged: list[dict[str, Any]]
) -> None:
    class Named(Factory):
        def logPrefix(self) -> str:
            return "Crazy Factory"

    port = reactor.listenTCP(0, Named(), interface="127.0.0.1")
    number = port.getHost().port
    assert messages(logged)[0] == (f"Crazy Factory starting on {number}",)
    del logged[:]
    await wait(port.stopListening())
    assert (f"(TCP Port {number} Closed)",) in messages(logged)


async def test_unix_port_logs_start_and_stop(reactor: Any, logged: list[dict[str, Any]]) -> None:
    path = os.path.join(tempfile.mkdtemp(), "s.sock")
    port = reactor.listenUNIX(path, Factory())
    assert messages(logged)[0] == (f"Factory starting on {path!r}",)
    del logged[:]
    await wait(port.stopListening())
    assert (f"(UNIX Port {path} Closed)",) in messages(logged)


async def test_udp_port_logs_start_and_stop(reactor: Any, logged: list[dict[str, Any]]) -> None:
    class Named(DatagramProtocol):
        def logPrefix(self) -> str:
            return "Crazy Protocol"

    port = reactor.listenUDP(0, Named(), interface="127.0.0.1")
    number = port.getHost().port
    assert messages(logged)[0] == (f"Crazy Protocol starting on {number}",)
    del logged[:]
    await wait(port.stopListening())
    assert messages(logged)[0] == (f"(UDP Port {number} Closed)",)


class Systems(Recorder):
    """Records the log context's ``system`` in its callbacks."""

    def __init__(self) -> None:
        super().__init__()
        self.systems: list[str] = []
        self.got: Deferred[None] = Deferred()

    def connectionMade(self) -> None:
        self.systems.append(context.get(log.ILogContext)["system"])
        super().connectionMade()
        self.transport.write(b"x")

    def dataReceived(self, data: bytes) -> None:
        self.systems.append(context.get(log.ILogContext)["system"])
        log.msg(f"received {data!r}")
        if not self.got.called:
            self.got.callback(None)


async def test_log_context_of_tcp_callbacks(reactor: Any, logged: list[dict[str, Any]]) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor, Systems, Systems)
    await wait(server.got)
    await wait(client.got)
    # As in Twisted: a server's connectionMade runs in its port's log context (the
    # qualified name of the factory's class), its reads in the connection's.
    assert server.systems == [f"{type(sf).__module__}.{type(sf).__qualname__}", "Systems,0,127.0.0.1"]
    assert port.logPrefix() == server.systems[0]
    assert client.systems == ["Systems,client"] * 2
    # What log.msg in a callback says, as in Twisted.
    systems = [e["system"] for e in logged if e.get("message") == ("received b'x'",)]
    assert sorted(systems) == ["Systems,0,127.0.0.1", "Systems,client"]
    assert server.transport.logPrefix() == server.transport.logstr == "Systems,0,127.0.0.1"
    assert client.transport.logPrefix() == "Systems,client"
    client.transport.loseConnection()
    await wait(port.stopListening())


async def test_log_context_of_udp_callbacks(reactor: Any) -> None:
    got: Deferred[str] = Deferred()

    class Named(DatagramProtocol):
        def logPrefix(self) -> str:
            return "Custom Datagrams"

        def datagramReceived(self, data: bytes, addr: Any) -> None:
            if not got.called:
                got.callback(context.get(log.ILogContext)["system"])

    port = reactor.listenUDP(0, Named(), interface="127.0.0.1")
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sender.sendto(b"x", ("127.0.0.1", port.getHost().port))
        assert await wait(got) == "Custom Datagrams (UDP)"
    finally:
        sender.close()
    await wait(port.stopListening())


async def test_server_and_client_names(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    number = port.getHost().port
    st, ct = server.transport, client.transport
    assert st.sessionno == 0 and st.server is port
    assert repr(st) == f"<Recorder #0 on {number}>"
    assert ct.addr == ("127.0.0.1", number) and ct.connector is connector
    assert repr(ct) == f"<{type(ct)} to ('127.0.0.1', {number}) at {id(ct):x}>"
    # The next connection to the port is session 1.
    cf2 = Client()
    reactor.connectTCP("127.0.0.1", number, cf2)
    second = await wait(sf.next_built)
    await wait(second.made)
    assert second.transport.sessionno == 1
    client.transport.loseConnection()
    (await wait(cf2.connected)).transport.loseConnection()
    await wait(port.stopListening())


async def test_server_side_data_received_replaced_after_connecting(reactor: Any) -> None:
    # Twisted looks dataReceived up at each read; twistio at the first (on both sides).
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    got: Deferred[bytes] = Deferred()
    server.dataReceived = got.callback
    client.transport.writeSequence([b"Some ", b"sequence ", b"splitted"])
    assert await wait(got) == b"Some sequence splitted"
    client.transport.loseConnection()
    await wait(port.stopListening())


async def test_write_sequence_of_text_and_stop_consuming(reactor: Any) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    with pytest.raises(TypeError, match="^Data must be bytes$"):
        server.transport.writeSequence(["Unicode is not kosher"])

    class Pull:
        resumed = 0

        def resumeProducing(self) -> None:
            self.resumed += 1

        def stopProducing(self) -> None:
            pass

    producer = Pull()
    client.transport.registerProducer(producer, False)
    assert producer.resumed == 1
    client.transport.stopConsuming()  # unregisters, then closes
    assert await wait(client.lost) is error.ConnectionDone
    await wait(port.stopListening())


async def test_connect_binds_before_returning(reactor: Any) -> None:
    sf = Collect()
    port = reactor.listenTCP(0, sf, interface="127.0.0.1")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    local = probe.getsockname()[1]
    probe.close()
    cf = Client()
    connector = reactor.connectTCP(
        "127.0.0.1", port.getHost().port, cf, bindAddress=makeBinding("127.0.0.1", local)
    )
    sock = connector.transport.socket
    assert sock.getsockname()[1] == local
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 0
    client = await wait(cf.connected)
    await wait(client.made)
    assert client.transport.getHost().port == local
    client.transport.loseConnection()
    await wait(port.stopListening())


async def test_connect_bind_failure_is_reported_to_the_factory(reactor: Any) -> None:
    sf = Collect()
    port = reactor.listenTCP(0, sf, interface="127.0.0.1")
    taken = port.getHost().port
    cf = Client()
    connector = reactor.connectTCP("127.0.0.1", taken, cf, bindAddress=("127.0.0.1", taken))
    with pytest.raises(AttributeError):
        connector.transport.socket
    await wait(cf.done)
    assert cf.events == ["started", ("failed", error.ConnectBindError)]
    await wait(port.stopListening())


async def test_listen_binding_sets_exactly_its_options(reactor: Any) -> None:
    plain = reactor.listenTCP(0, Factory(), interface="127.0.0.1")
    bound = reactor.listenTCP(makeBinding("127.0.0.1", 0), Factory())
    both = reactor.listenTCP(makeBinding("127.0.0.1", 0, reuseAddress=True), Factory())
    option = (socket.SOL_SOCKET, socket.SO_REUSEADDR)
    if os.name == "posix":
        assert plain.socket.getsockopt(*option) != 0
    assert bound.socket.getsockopt(*option) == 0
    assert both.socket.getsockopt(*option) != 0
    with pytest.raises(ValueError, match="Inconsistent interface vs Binding"):
        reactor.listenTCP(makeBinding("127.0.0.1", 0), Factory(), interface="127.0.0.2")
    same = reactor.listenTCP(makeBinding("127.0.0.1", 0), Factory(), interface="127.0.0.1")
    for port in (plain, bound, both, same):
        await wait(port.stopListening())


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", -1, (OverflowError, ("connect_ex(): port must be 0-65535.",))),
        ("127.0.0.1", 65536, (OverflowError, ("connect_ex(): port must be 0-65535.",))),
        ("::1", 65536, (OverflowError, ("connect_ex(): port must be 0-65535.",))),
        ("::1", -1, (socket.gaierror, None)),
    ],
)
async def test_port_out_of_range_fails_the_attempt(
    reactor: Any, host: str, port: int, expected: tuple[type, Any]
) -> None:
    cf = Client()
    reactor.connectTCP(host, port, cf)
    await wait(cf.done)
    kind, args = expected
    assert cf.reason.type is kind
    if args is not None:
        assert cf.reason.value.args == args
    else:
        assert cf.reason.value.errno == socket.EAI_SERVICE  # about the port, not the host


def test_link_local_addresses_name_their_interface() -> None:
    index, name = socket.if_nameindex()[0]
    assert _resolveIPv6(f"fe80::1%{name}", 5) == ("fe80::1", 5, 0, index)
    address = address_from_sockaddr(("fe80::1", 80, 0, index))
    assert (address.host, address.port, address.scopeID) == (f"fe80::1%{name}", 80, index)
    assert address_from_sockaddr(("::1", 80, 0, 0)).host == "::1"


# uvloop's sock_connect drops the scope of a link-local address (EINVAL): asyncio's loop only.
@pytest.mark.single_loop
async def test_listen_on_a_link_local_address(reactor: Any) -> None:
    linklocal = _link_local()
    if linklocal is None:
        pytest.skip("no link-local IPv6 address here")
    sf = Collect(Echo)
    port = reactor.listenTCP(0, sf, interface=linklocal)
    assert port.getHost().host == linklocal
    cf = Client(Recorder)
    reactor.connectTCP(linklocal, port.getHost().port, cf)
    client = await wait(cf.connected)
    await wait(client.made)
    assert client.transport.getPeer().host == linklocal
    client.transport.loseConnection()
    await wait(port.stopListening())


def _link_local() -> str | None:
    try:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                hexaddr, _, _, scope, _, name = line.split()
                if scope == "20":
                    groups = [hexaddr[i : i + 4] for i in range(0, 32, 4)]
                    packed = bytes.fromhex("".join(groups))
                    return f"{socket.inet_ntop(socket.AF_INET6, packed)}%{name}"
    except OSError:
        return None
    return None


async def test_data_received_raising_is_logged_and_is_the_reason(
    reactor: Any, logged: list[dict[str, Any]]
) -> None:
    class Raising(Recorder):
        def dataReceived(self, data: bytes) -> None:
            self.transport.abortConnection()
            raise ZeroDivisionError("ono")

    port, sf, cf, connector, server, client = await connected_pair(reactor, Recorder, Raising)
    server.transport.write(b"ready")
    assert await wait(client.lost) is ZeroDivisionError  # even after abortConnection
    errors = [e for e in logged if e.get("isError")]
    assert [e["failure"].type for e in errors] == [ZeroDivisionError]
    await wait(server.lost)
    await wait(port.stopListening())


async def test_pull_producer_resumed_once_more_and_its_error_is_the_reason(
    reactor: Any, logged: list[dict[str, Any]]
) -> None:
    port, sf, cf, connector, server, client = await connected_pair(reactor)
    resumed: list[int] = []

    class Pull:
        def resumeProducing(self) -> None:
            resumed.append(1)
            if len(resumed) == 2:  # not from inside registerProducer
                raise ZeroDivisionError("ono!")

        def stopProducing(self) -> None:
            pass

    client.transport.write(b"x" * 1000)
    client.transport.registerProducer(Pull(), False)
    assert resumed == [1]
    assert await wait(client.lost) is ZeroDivisionError
    assert resumed == [1, 1]
    assert [e["failure"].type for e in logged if e.get("isError")] == [ZeroDivisionError]
    await wait(port.stopListening())


async def test_other_loop_errors_still_reach_the_loops_own_handler(reactor: Any) -> None:
    from twistio.internet._adapter import watch_loop

    loop = asyncio.get_running_loop()
    seen: list[object] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda loop, context: seen.append(context["message"]))
    try:
        watch_loop(loop)
        watch_loop(loop)  # once per loop
        loop.call_exception_handler({"message": "not a connection's"})
        assert seen == ["not a connection's"]
    finally:
        loop.set_exception_handler(previous)


def test_unix_address_names_are_bytes() -> None:
    from twistio.internet.address import UNIXAddress

    assert UNIXAddress("abc").name == b"abc"
    assert UNIXAddress("\0abstract") == UNIXAddress(b"\0abstract")  # no file to compare
    assert UNIXAddress("\0abstract") != UNIXAddress("\0other")
    assert hash(UNIXAddress("\0abstract")) == hash(UNIXAddress(b"\0abstract"))
    assert repr(UNIXAddress(b"abc")) == "UNIXAddress('abc')"


async def test_adopt_a_listening_unix_socket(reactor: Any, logged: list[dict[str, Any]]) -> None:
    path = os.path.join(tempfile.mkdtemp(), "adopted.sock")
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listening.bind(path)
    listening.listen(5)
    sf = Collect(Echo)
    port = reactor.adoptStreamPort(listening.fileno(), socket.AF_UNIX, sf)
    listening.close()  # the port has its own duplicate
    assert messages(logged)[0] == (f"Collect starting on {path!r}",)
    cf = Client()
    reactor.connectUNIX(path, cf)
    client = await wait(cf.connected)
    await wait(client.made)
    client.transport.loseConnection()
    assert not port.disconnected
    await wait(port.stopListening())
    assert port.disconnected
    assert os.path.exists(path)  # not this port's file to remove


async def test_unix_datagram_port_leaves_its_file(reactor: Any) -> None:
    path = os.path.join(tempfile.mkdtemp(), "d.sock")
    port = reactor.listenUNIXDatagram(path, DatagramProtocol(), mode=0o600)
    await wait(port.stopListening())
    assert os.stat(path).st_mode & 0o777 == 0o600  # as in Twisted
    again = reactor.listenUNIXDatagram(path, DatagramProtocol())  # a stale file is replaced
    await wait(again.stopListening())


@pytest.mark.skipif(os.name != "posix", reason="descriptor limits are POSIX")
def test_unix_port_refuses_a_client_when_out_of_descriptors(tmp_path: Any) -> None:
    # In a child, which exhausts its descriptors on purpose once the client's socket is
    # made (connectUNIX makes it before returning, as Twisted does).
    import subprocess
    import sys
    import textwrap

    program = textwrap.dedent(
        f"""
        import os
        from twistio.internet import reactor, protocol

        held = []

        def exhaust():
            try:
                while True:
                    held.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                pass

        def release():
            while held:
                os.close(held.pop())

        class Server(protocol.Protocol):
            def connectionMade(self):
                print("accepted")

        class Client(protocol.Protocol):
            def connectionLost(self, reason):
                release()
                print("client lost", reason.type.__name__)
                reactor.stop()

        class Factory(protocol.ClientFactory):
            protocol = Client

            def clientConnectionFailed(self, connector, reason):
                release()
                print("failed", reason.value)
                reactor.stop()

        def start():
            reactor.listenUNIX({str(tmp_path / "s.sock")!r}, protocol.Factory.forProtocol(Server))
            reactor.connectUNIX({str(tmp_path / "s.sock")!r}, Factory())
            exhaust()

        reactor.callWhenRunning(start)
        reactor.callLater(20, reactor.stop)
        reactor.run()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.splitlines() == ["client lost ConnectionDone"], done.stdout + done.stderr


def test_a_client_transport_logstr_before_it_connects() -> None:
    from twistio.internet._adapter import Connection
    from twistio.internet._registry import TransportRegistry

    conn = Connection(TransportRegistry(None, lambda: None), lambda addr: None, server_side=False)  # type: ignore[arg-type]
    assert conn.logstr == "Uninitialized"
