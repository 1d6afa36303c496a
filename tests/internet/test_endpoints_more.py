"""The endpoints added for Twisted parity: ProcessEndpoint, StandardIOEndpoint (and the
``stdio:`` description), AdoptedStreamServerEndpoint, wrapServerTLS, Binding arguments."""

from __future__ import annotations

import asyncio
import socket
import ssl as stdlib_ssl
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import endpoints, error, ssl
from twistio.internet.defer import Deferred
from twistio.internet.protocol import Factory, Protocol
from twistio.internet.tcp import makeBinding
from twistio.internet.testing import MemoryReactorClock

TIMEOUT = 5.0


async def wait(d: Any) -> Any:
    async def inner() -> Any:
        return await d

    return await asyncio.wait_for(inner(), TIMEOUT)


class Collect(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.done: Deferred[list[Any]] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Any = None) -> None:
        self.done.callback([reason])


async def test_process_endpoint(reactor: Any) -> None:
    child = "import sys; data = sys.stdin.read(); sys.stderr.write('noise'); print(data.upper())"
    endpoint = endpoints.ProcessEndpoint(
        reactor,
        sys.executable,
        [sys.executable, "-c", child],
        env=None,
        errFlag=endpoints.StandardErrorBehavior.DROP,
    )
    proto = await wait(endpoint.connect(Factory.forProtocol(Collect)))
    assert isinstance(proto, Collect)
    proto.transport.write(b"hello")
    proto.transport.closeStdin()
    [reason] = await wait(proto.done)
    assert proto.data.strip() == b"HELLO"
    assert reason.check(error.ConnectionDone)  # exit status 0, as in Twisted
    failed = endpoints.ProcessEndpoint(reactor, "/no/such/program").connect(
        Factory.forProtocol(Collect)
    )
    with pytest.raises(OSError):
        await wait(failed)
    assert endpoints.StandardErrorBehavior.lookupByName("LOG") is (
        endpoints.StandardErrorBehavior.LOG
    )
    assert list(endpoints.StandardErrorBehavior.iterconstants()) == [
        endpoints.StandardErrorBehavior.LOG,
        endpoints.StandardErrorBehavior.DROP,
    ]


def test_stdio_endpoint_from_description() -> None:
    program = textwrap.dedent(
        """
        from twistio.internet import reactor
        from twistio.internet.endpoints import serverFromString
        from twistio.internet.protocol import Factory, Protocol

        class Shout(Protocol):
            def dataReceived(self, data):
                self.transport.write(data.upper())
            def connectionLost(self, reason):
                reactor.stop()

        endpoint = serverFromString(reactor, "stdio:")
        print(type(endpoint).__name__, flush=True)
        endpoint.listen(Factory.forProtocol(Shout))
        reactor.run()
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", program], input=b"quiet\n", capture_output=True, timeout=20
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [b"StandardIOEndpoint", b"QUIET"]
    reactor = MemoryReactorClock()
    assert isinstance(endpoints.serverFromString(reactor, "stdio:"), endpoints.StandardIOEndpoint)


async def test_adopted_stream_server_endpoint(reactor: Any) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    fd = sock.detach()
    endpoint = endpoints.AdoptedStreamServerEndpoint(reactor, fd, socket.AF_INET)

    class Hello(Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"adopted")
            self.transport.loseConnection()

    port = await wait(endpoint.listen(Factory.forProtocol(Hello)))
    with pytest.raises(error.AlreadyListened):
        await wait(endpoint.listen(Factory.forProtocol(Hello)))
    proto = await wait(
        endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port).connect(
            Factory.forProtocol(Collect)
        )
    )
    await wait(proto.done)
    assert proto.data == b"adopted"
    await wait(port.stopListening())
    with pytest.raises(OSError):
        socket.socket(fileno=fd)  # closed once adopted


def test_binding_arguments_reach_the_reactor() -> None:
    reactor = MemoryReactorClock()
    binding = makeBinding("127.0.0.1", 0, reuseAddress=True)
    endpoints.TCP4ClientEndpoint(reactor, "h", 1, bindAddress=binding).connect(Factory())
    endpoints.TCP6ClientEndpoint(reactor, "::1", 1, bindAddress="::1").connect(Factory())
    endpoints.HostnameEndpoint(reactor, "h", 1, bindAddress=binding).connect(Factory())
    assert reactor.tcpClients[0][4] is binding
    assert reactor.tcpClients[1][4] == ("::1", 0)
    assert reactor.tcpClients[2][4] is binding
    assert repr(endpoints.TCP6ClientEndpoint(reactor, "::1", 80)) == "<TCP6ClientEndpoint [::1]:80>"


async def test_wrap_server_tls(reactor: Any, tmp_path: Path) -> None:
    from tests.internet.test_ssl import OPENSSL, Certs

    if OPENSSL is None:
        pytest.skip("needs the openssl command")
    certs = Certs(tmp_path)
    options = ssl.CertificateOptions(privateKey=certs.server.privateKey, certificate=certs.server)

    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    tls = endpoints.wrapServerTLS(options, endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1"))
    port = await wait(tls.listen(Factory.forProtocol(Echo)))
    context = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(
            "127.0.0.1", port.getHost().port, ssl=context, server_hostname="localhost"
        ),
        TIMEOUT,
    )
    writer.write(b"secret")
    assert await asyncio.wait_for(reader.readexactly(6), TIMEOUT) == b"secret"
    writer.close()
    await wait(port.stopListening())
