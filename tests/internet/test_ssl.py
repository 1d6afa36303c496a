"""TLS over real sockets on 127.0.0.1: listenSSL, connectSSL, startTLS, verification.

Throwaway certificates (a CA, a server certificate for localhost and 127.0.0.1, a client
certificate) are made once per session with the ``openssl`` command line; the other side is
twistio itself, Python's ``ssl`` module, or a real ``openssl s_client``. Each test runs on
every loop in conftest.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl as stdlib_ssl
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import _sslverify, error, ssl
from twistio.internet.defer import Deferred
from twistio.internet.protocol import ClientFactory, Factory, Protocol

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")

TIMEOUT = 2.0
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(loop_factory: Callable[[], asyncio.AbstractEventLoop],
        body: Callable[[], Awaitable[Any]]) -> Any:
    loop = loop_factory()
    try:
        return loop.run_until_complete(asyncio.wait_for(body(), TIMEOUT))
    finally:
        loop.close()


def _openssl(*args: str, cwd: Path) -> None:
    assert OPENSSL is not None
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)


def _issue(cwd: Path, name: str, cn: str, ext: str) -> None:
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=cwd)
    (cwd / f"{name}.ext").write_text(ext)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-set_serial", str(abs(hash(name)) % 10**9), "-days", "2",
             "-out", f"{name}.pem", "-extfile", f"{name}.ext", cwd=cwd)


class Certs:
    def __init__(self, root: Path) -> None:
        self.root = root
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                 "-subj", "/CN=twistio test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=root)
        _issue(root, "server", "localhost",
               "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
               "extendedKeyUsage=serverAuth\n")
        _issue(root, "client", "twistio client",
               "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
        self.ca = ssl.Certificate.loadPEM((root / "ca.pem").read_bytes())
        self.server = ssl.PrivateCertificate.loadPEM(
            (root / "server.key").read_bytes() + (root / "server.pem").read_bytes()
        )
        self.client = ssl.PrivateCertificate.loadPEM(
            (root / "client.key").read_bytes() + (root / "client.pem").read_bytes()
        )

    def path(self, name: str) -> str:
        return str(self.root / name)


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("tls"))


class Recorder(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.made: Deferred[None] = Deferred()
        self.lost: Deferred[Any] = Deferred()
        self.want: tuple[bytes, Deferred[bytes]] | None = None

    def connectionMade(self) -> None:
        self.made.callback(None)

    def dataReceived(self, data: bytes) -> None:
        self.data += data
        self._check()

    def _check(self) -> None:
        if self.want is not None and self.want[0] in self.data:
            d = self.want[1]
            self.want = None
            d.callback(self.data)

    def until(self, marker: bytes) -> Deferred[bytes]:
        d: Deferred[bytes] = Deferred()
        self.want = (marker, d)
        self._check()
        return d

    def connectionLost(self, reason: Any) -> None:
        self.lost.callback((reason,))


class Echo(Recorder):
    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        self.transport.write(data)


class Server(Factory):
    def __init__(self, proto: type[Protocol] = Echo) -> None:
        self.protocol = proto
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

    def buildProtocol(self, addr: Any) -> Any:
        p = ClientFactory.buildProtocol(self, addr)
        p.made.addCallback(lambda _: self.connected.callback(p))
        return p

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        self.failed.callback((reason,))


def _python_client_context(certs: Certs) -> stdlib_ssl.SSLContext:
    ctx = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
    return ctx


def test_listen_ssl_with_python_client(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        options = ssl.CertificateOptions(
            privateKey=certs.server.privateKey, certificate=certs.server
        )
        factory = Server()
        port = reactor.listenSSL(0, factory, options, interface="127.0.0.1")
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port.getHost().port, ssl=_python_client_context(certs),
            server_hostname="localhost",
        )
        writer.write(b"hello over tls")
        assert await reader.readexactly(14) == b"hello over tls"
        server = await factory.built
        assert server.transport.getPeerCertificate() is None  # no client certificate
        writer.close()
        (reason,) = await server.lost
        assert reason.check(error.ConnectionDone, error.ConnectionLost)
        await port.stopListening()

    run(loop_factory, body)


def test_connect_ssl_verifies_and_gets_peer_certificate(
    loop_factory: Any, reactor: Any, certs: Certs
) -> None:
    async def body() -> None:
        port = reactor.listenSSL(0, Server(), certs.server.options(), interface="127.0.0.1")
        client = Client()
        options = ssl.optionsForClientTLS("localhost", trustRoot=certs.ca)
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        proto = await client.connected
        assert proto.transport.getPeerCertificate() == ssl.Certificate(certs.server.der)
        proto.transport.write(b"ping")
        assert await proto.until(b"ping") == b"ping"
        proto.transport.loseConnection()
        await proto.lost
        await port.stopListening()

    run(loop_factory, body)


def test_plain_sslcontext_both_sides(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        server_ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(certs.path("server.pem"), certs.path("server.key"))
        port = reactor.listenSSL(0, Server(), server_ctx, interface="127.0.0.1")
        client = Client()
        client_ctx = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
        # A plain context that checks names checks the host connected to.
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, client_ctx)
        proto = await client.connected
        proto.transport.write(b"plain")
        assert await proto.until(b"plain") == b"plain"
        proto.transport.loseConnection()
        await port.stopListening()

    run(loop_factory, body)


def test_wrong_hostname_is_a_clear_error(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        port = reactor.listenSSL(0, Server(), certs.server.options(), interface="127.0.0.1")
        client = Client()
        options = ssl.optionsForClientTLS("example.com", trustRoot=certs.ca)
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        (reason,) = await client.failed
        assert reason.check(error.SSLError)
        assert "example.com" in str(reason.value) or "mismatch" in str(reason.value)
        assert isinstance(reason.value.__cause__, stdlib_ssl.SSLCertVerificationError)
        await port.stopListening()

    run(loop_factory, body)


def test_untrusted_certificate_is_a_clear_error(
    loop_factory: Any, reactor: Any, certs: Certs
) -> None:
    async def body() -> None:
        port = reactor.listenSSL(0, Server(), certs.server.options(), interface="127.0.0.1")
        client = Client()
        options = ssl.optionsForClientTLS("localhost")  # the system's authorities only
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        (reason,) = await client.failed
        assert reason.check(error.SSLError)
        assert "certificate verify failed" in str(reason.value)
        await port.stopListening()

    run(loop_factory, body)


def test_client_certificates(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        factory = Server()
        port = reactor.listenSSL(0, factory, certs.server.options(certs.ca),
                                 interface="127.0.0.1")
        client = Client()
        options = ssl.optionsForClientTLS(
            "localhost", trustRoot=certs.ca, clientCertificate=certs.client
        )
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, options)
        proto = await client.connected
        proto.transport.write(b"who")
        await proto.until(b"who")
        server = await factory.built
        assert server.transport.getPeerCertificate() == ssl.Certificate(certs.client.der)
        proto.transport.loseConnection()
        await port.stopListening()

    run(loop_factory, body)


def test_default_openssl_context_factory(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        cf = ssl.DefaultOpenSSLContextFactory(certs.path("server.key"), certs.path("server.pem"))
        port = reactor.listenSSL(0, Server(), cf, interface="127.0.0.1")
        client = Client()
        reactor.connectSSL("127.0.0.1", port.getHost().port, client, ssl.ClientContextFactory())
        proto = await client.connected
        proto.transport.write(b"compat")
        assert await proto.until(b"compat") == b"compat"
        proto.transport.loseConnection()
        await port.stopListening()

    run(loop_factory, body)


def test_bad_context_factory() -> None:
    class PyOpenSSLish:
        def getContext(self) -> object:
            return object()

    with pytest.raises(TypeError, match="ssl.SSLContext"):
        _sslverify.to_context(PyOpenSSLish(), True)
    with pytest.raises(ValueError):
        ssl.CertificateOptions(privateKey=b"-----BEGIN PRIVATE KEY-----")
    with pytest.raises(ValueError):
        ssl.Certificate.loadPEM(b"not a certificate")


def test_certificate_helpers(certs: Certs) -> None:
    pem = certs.ca.dumpPEM()
    assert ssl.Certificate.loadPEM(pem) == certs.ca
    assert ssl.Certificate.loadDER(certs.ca.dump()) == certs.ca
    assert len(certs.ca.digest("sha256").split(b":")) == 32
    assert len(certs.ca.digest().split(b":")) == 16  # md5 by default, as in Twisted
    assert certs.server != certs.ca


class StartTLSServer(Recorder):
    """Plain text until ``STARTTLS``, then TLS; echoes what comes after."""

    options: Any = None

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if self.data.endswith(b"STARTTLS\n"):
            self.transport.write(b"GO\n")
            self.transport.startTLS(self.options)
            self.data = b""
        elif self.data.endswith(b"\n"):
            self.transport.write(b"echo:" + self.data)
            self.data = b""


def test_start_tls(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        StartTLSServer.options = certs.server.options()
        factory = Server(StartTLSServer)
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        client = Client()
        reactor.connectTCP("127.0.0.1", port.getHost().port, client)
        proto = await client.connected
        assert proto.transport.getPeerCertificate() is None
        proto.transport.write(b"STARTTLS\n")
        await proto.until(b"GO\n")
        proto.transport.startTLS(ssl.optionsForClientTLS("localhost", trustRoot=certs.ca))
        proto.transport.write(b"secret\n")  # sent after the handshake, encrypted
        await proto.until(b"echo:secret\n")
        assert proto.transport.getPeerCertificate() == ssl.Certificate(certs.server.der)
        server = await factory.built
        assert server.transport.getHandle() is not None
        proto.transport.loseConnection()
        await proto.lost
        await port.stopListening()

    run(loop_factory, body)


def test_start_tls_failure_loses_connection(loop_factory: Any, reactor: Any, certs: Certs) -> None:
    async def body() -> None:
        StartTLSServer.options = certs.server.options()
        port = reactor.listenTCP(0, Server(StartTLSServer), interface="127.0.0.1")
        client = Client()
        reactor.connectTCP("127.0.0.1", port.getHost().port, client)
        proto = await client.connected
        proto.transport.write(b"STARTTLS\n")
        await proto.until(b"GO\n")
        proto.transport.startTLS(ssl.optionsForClientTLS("wrong.example", trustRoot=certs.ca))
        (reason,) = await proto.lost
        assert isinstance(reason.value.__cause__ or reason.value, stdlib_ssl.SSLError)
        await port.stopListening()

    run(loop_factory, body)


def test_openssl_s_client(reactor: Any, certs: Certs) -> None:
    class EchoOnce(Recorder):
        def dataReceived(self, data: bytes) -> None:
            super().dataReceived(data)
            if b"\n" in self.data:
                self.transport.write(b"echo:" + self.data)
                self.transport.loseConnection()

    async def body() -> None:
        port = reactor.listenSSL(0, Server(EchoOnce), certs.server.options(),
                                 interface="127.0.0.1")
        assert OPENSSL is not None
        argv = [OPENSSL, "s_client", "-connect", f"127.0.0.1:{port.getHost().port}",
                "-servername", "localhost", "-CAfile", certs.path("ca.pem"),
                "-verify_return_error", "-verify_hostname", "localhost", "-quiet"]
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(None, lambda: subprocess.run(
            argv, input=b"hi from s_client\n", capture_output=True, timeout=TIMEOUT))
        assert b"echo:hi from s_client" in result.stdout, result.stderr
        await port.stopListening()

    run(asyncio.SelectorEventLoop, body)


def test_example_tls_echo_server(certs: Certs) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "tls_echo_server.py"), certs.path("server.key"),
         certs.path("server.pem"), "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(EXAMPLES.parent),
    )
    try:
        assert proc.stdout is not None
        number = int(proc.stdout.readline().rsplit(" ", 1)[1])
        import socket

        ctx = stdlib_ssl.create_default_context(cafile=certs.path("ca.pem"))
        with socket.create_connection(("127.0.0.1", number), timeout=TIMEOUT) as raw, \
                ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"hello tls")
            got = b""
            while len(got) < 9:
                got += s.recv(100)
            assert got == b"hello tls"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0, proc.stderr.read() if proc.stderr else ""
