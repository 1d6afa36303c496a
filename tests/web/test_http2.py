"""HTTP/2 for ``Site`` over TLS with ALPN (``twistio.web._http2``, on the h2 library).

Clients: the real ``curl --http2`` (nghttp2), and h2 itself driving a raw TLS socket for
what curl cannot show (concurrent streams on one connection, flow control with a tiny
window, RST_STREAM, GOAWAY, SETTINGS). A throwaway self-signed certificate is made once
with the ``openssl`` command line. Everything listens on 127.0.0.1, port 0.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl as stdlib_ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("h2")

import h2.config  # noqa: E402
import h2.connection  # noqa: E402
import h2.events  # noqa: E402
import h2.settings  # noqa: E402

from twistio.internet import ssl  # noqa: E402
from twistio.internet.defer import Deferred  # noqa: E402
from twistio.web import _http2, resource, server, static  # noqa: E402

OPENSSL = shutil.which("openssl")
CURL = shutil.which("curl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is needed")
TIMEOUT = 2.0


def _curl_has_http2() -> bool:
    if CURL is None:
        return False
    out = subprocess.run([CURL, "--version"], capture_output=True, text=True).stdout
    return "HTTP2" in out


needs_curl = pytest.mark.skipif(not _curl_has_http2(), reason="curl with HTTP/2 is needed")


@pytest.fixture(scope="session")
def certPEM(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """(path of the certificate, key + certificate PEM) for 127.0.0.1 / localhost."""
    assert OPENSSL is not None
    root = tmp_path_factory.mktemp("h2tls")
    subprocess.run(
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return root / "cert.pem", (root / "key.pem").read_bytes() + (root / "cert.pem").read_bytes()


# -- resources ---------------------------------------------------------------------------


class Hello(resource.Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-type", b"text/plain")
        request.setHeader(b"x-proto", request.clientproto)
        path: bytes = request.path
        return b"hello " + path

    def render_POST(self, request: Any) -> bytes:
        body: bytes = request.content.read()
        return b"got %d bytes: " % len(body) + body[:20]


class Later(resource.Resource):
    """NOT_DONE_YET: answered when the test fires ``pending``."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[Any] = []
        self.finished: list[Deferred[None]] = []
        self.arrived: asyncio.Event = asyncio.Event()

    def render_GET(self, request: Any) -> Any:
        self.pending.append(request)
        self.finished.append(request.notifyFinish())
        self.arrived.set()
        request.write(b"part one, ")
        return server.NOT_DONE_YET


class Big(resource.Resource):
    """A large body written at once (flow control must hold the rest back)."""

    isLeaf = True
    size = 1_000_000

    def render_GET(self, request: Any) -> bytes:
        return bytes(range(256)) * (self.size // 256)


class Pushed(resource.Resource):
    """A streaming producer writing 64 KiB per resume (paused by flow control)."""

    isLeaf = True
    chunks = 40

    def __init__(self) -> None:
        super().__init__()
        self.pauses = 0

    def render_GET(self, request: Any) -> Any:
        outer = self

        class Producer:
            def __init__(self) -> None:
                self.left = outer.chunks
                self.paused = False
                self.stopped = False

            def pauseProducing(self) -> None:
                self.paused = True
                outer.pauses += 1

            def resumeProducing(self) -> None:
                self.paused = False
                self.run()

            def stopProducing(self) -> None:
                self.stopped = True

            def run(self) -> None:
                while self.left and not self.paused and not self.stopped:
                    self.left -= 1
                    request.write(b"x" * 65536)
                if not self.left and not self.stopped:
                    self.stopped = True
                    request.unregisterProducer()
                    request.finish()

        producer = Producer()
        request.registerProducer(producer, True)
        producer.run()
        return server.NOT_DONE_YET


def _root() -> tuple[resource.Resource, Later, Pushed]:
    root = resource.Resource()
    root.putChild(b"hello", Hello())
    later = Later()
    root.putChild(b"later", later)
    root.putChild(b"big", Big())
    pushed = Pushed()
    root.putChild(b"pushed", pushed)
    return root, later, pushed


# -- fixtures ------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def serve(certPEM: tuple[Path, bytes]) -> AsyncIterator[Callable[..., tuple[int, Any]]]:
    """``serve(root, protocols=...)`` -> (port, site) on listenSSL 127.0.0.1:0."""
    from twistio.internet._reactor import AsyncioReactor

    reactor = AsyncioReactor()
    ports: list[Any] = []
    pem = certPEM[1]

    def start(root: Any, protocols: list[bytes] | None = None, **kw: Any) -> tuple[int, Any]:
        site = server.Site(root, reactor=reactor)
        for k, v in kw.items():
            setattr(site, k, v)
        cert = ssl.PrivateCertificate.loadPEM(pem)
        options = ssl.CertificateOptions(
            privateKey=cert.privateKey,
            certificate=cert,
            acceptableProtocols=_http2.H2_ALPN if protocols is None else protocols,
        )
        port = reactor.listenSSL(0, site, options, interface="127.0.0.1")
        ports.append(port)
        return port.getHost().port, site

    yield start
    for p in ports:
        d = p.stopListening()
        if d is not None:
            await asyncio.wait_for(d, TIMEOUT)


async def curl(*args: str) -> tuple[int, bytes, bytes]:
    assert CURL is not None
    proc = await asyncio.create_subprocess_exec(
        CURL,
        "-sS",
        "-k",
        "--max-time",
        "2",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT + 1)
    assert proc.returncode is not None
    return proc.returncode, out, err


class H2Client:
    """h2 as a client over an asyncio TLS stream offering only h2."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, window: int | None = None
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding=None)
        )
        self.conn.initiate_connection()
        if window is not None:
            self.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
        self.events: list[Any] = []
        self.bodies: dict[int, bytearray] = {}
        self.headers: dict[int, dict[bytes, bytes]] = {}
        self.ended: set[int] = set()
        self.reset: dict[int, int] = {}
        self.terminated: Any = None
        self.remoteSettings: dict[int, int] = {}
        self.autoAck = True
        self.flush()

    @classmethod
    async def connect(cls, port: int, window: int | None = None) -> H2Client:
        ctx = stdlib_ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = stdlib_ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        assert writer.get_extra_info("ssl_object").selected_alpn_protocol() == "h2"
        return cls(reader, writer, window)

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.writer.write(data)

    def request(self, path: bytes, method: bytes = b"GET", body: bytes | None = None) -> int:
        sid: int = self.conn.get_next_available_stream_id()
        headers = [
            (b":method", method),
            (b":path", path),
            (b":scheme", b"https"),
            (b":authority", b"localhost"),
        ]
        self.conn.send_headers(sid, headers, end_stream=body is None)
        if body is not None:
            size = self.conn.max_outbound_frame_size
            for i in range(0, len(body), size):
                self.conn.send_data(sid, body[i : i + size], end_stream=i + size >= len(body))
        self.bodies[sid] = bytearray()
        self.flush()
        return sid

    async def pump(self, until: Callable[[], bool]) -> None:
        async def loop() -> None:
            while not until():
                data = await self.reader.read(65536)
                if not data:
                    return
                for ev in self.conn.receive_data(data):
                    self.events.append(ev)
                    if isinstance(ev, h2.events.ResponseReceived):
                        self.headers[ev.stream_id] = dict(ev.headers)
                    elif isinstance(ev, h2.events.DataReceived):
                        self.bodies[ev.stream_id] += ev.data
                        if self.autoAck:
                            self.conn.acknowledge_received_data(
                                ev.flow_controlled_length, ev.stream_id
                            )
                    elif isinstance(ev, h2.events.StreamEnded):
                        self.ended.add(ev.stream_id)
                    elif isinstance(ev, h2.events.StreamReset):
                        self.reset[ev.stream_id] = ev.error_code
                    elif isinstance(ev, h2.events.ConnectionTerminated):
                        self.terminated = ev
                    elif isinstance(ev, h2.events.RemoteSettingsChanged):
                        for code, change in ev.changed_settings.items():
                            self.remoteSettings[int(code)] = change.new_value
                self.flush()

        await asyncio.wait_for(loop(), TIMEOUT)

    def close(self) -> None:
        self.writer.close()


# -- curl ----------------------------------------------------------------------------------


@needs_curl
async def test_curl_http2_get(serve: Any) -> None:
    port, _ = serve(_root()[0])
    code, out, err = await curl(
        "--http2", "-w", "\n%{http_version}", f"https://127.0.0.1:{port}/hello"
    )
    assert code == 0, err
    body, version = out.rsplit(b"\n", 1)
    assert version == b"2"
    assert body == b"hello /hello"


@needs_curl
async def test_curl_verifies_with_cacert(serve: Any, certPEM: tuple[Path, bytes]) -> None:
    port, _ = serve(_root()[0])
    assert CURL is not None
    proc = await asyncio.create_subprocess_exec(
        CURL,
        "-sS",
        "--http2",
        "--cacert",
        str(certPEM[0]),
        "-D",
        "-",
        "-w",
        "%{http_version}",
        f"https://localhost:{port}/hello",
        "--resolve",
        f"localhost:{port}:127.0.0.1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0, err
    assert out.startswith(b"HTTP/2 200"), out
    assert b"x-proto: HTTP/2" in out
    assert b"content-type: text/plain" in out
    assert out.endswith(b"hello /hello2")


@needs_curl
async def test_curl_parallel_streams(serve: Any) -> None:
    """Several URLs with --parallel: all over HTTP/2, multiplexed on one connection."""
    port, _ = serve(_root()[0])
    urls = [f"https://127.0.0.1:{port}/hello/{i}" for i in range(6)]
    code, out, err = await curl(
        "--http2", "--parallel", "-w", "|%{http_version} %{num_connects}|", *urls
    )
    assert code == 0, err
    for i in range(6):
        assert b"hello /hello/%d" % i in out
    marks = [m for m in out.split(b"|") if m[:2] == b"2 "]
    assert len(marks) == 6
    assert sum(int(m.split()[1]) for m in marks) == 1  # one connection for all six


@needs_curl
async def test_curl_post_body(serve: Any) -> None:
    port, _ = serve(_root()[0])
    body = b"a" * 5000 + b"END"
    code, out, err = await _curl_post(port, body)
    assert code == 0, err
    assert out == b"got 5003 bytes: " + b"a" * 20


async def _curl_post(port: int, body: bytes) -> tuple[int, bytes, bytes]:
    assert CURL is not None
    proc = await asyncio.create_subprocess_exec(
        CURL,
        "-sS",
        "-k",
        "--http2",
        "--data-binary",
        "@-",
        f"https://127.0.0.1:{port}/hello",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(body), TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out, err


@needs_curl
async def test_curl_large_response(serve: Any) -> None:
    port, _ = serve(_root()[0])
    code, out, err = await curl("--http2", f"https://127.0.0.1:{port}/big")
    assert code == 0, err
    assert out == bytes(range(256)) * (Big.size // 256)


@needs_curl
async def test_curl_static_file(serve: Any, tmp_path: Path) -> None:
    """static.File's pull producer over HTTP/2 (never sendfile under a stream)."""
    data = bytes(range(256)) * 2000
    (tmp_path / "f.bin").write_bytes(data)
    root = resource.Resource()
    root.putChild(b"files", static.File(str(tmp_path)))
    port, _ = serve(root)
    code, out, err = await curl(
        "--http2", "-w", "%{http_version}", f"https://127.0.0.1:{port}/files/f.bin"
    )
    assert code == 0, err
    assert out == data + b"2"


@needs_curl
async def test_http11_when_client_offers_only_http11(serve: Any) -> None:
    port, _ = serve(_root()[0])
    code, out, err = await curl(
        "--http1.1", "-w", "\n%{http_version}", f"https://127.0.0.1:{port}/hello"
    )
    assert code == 0, err
    assert out == b"hello /hello\n1.1"


@needs_curl
async def test_http11_when_server_does_not_offer_h2(serve: Any) -> None:
    port, _ = serve(_root()[0], protocols=[b"http/1.1"])
    code, out, err = await curl(
        "--http2", "-w", "\n%{http_version}", f"https://127.0.0.1:{port}/hello"
    )
    assert code == 0, err
    assert out == b"hello /hello\n1.1"


@needs_curl
async def test_site_can_refuse_http2(serve: Any) -> None:
    port, _ = serve(_root()[0], allowHTTP2=False, protocols=[b"http/1.1"])
    code, out, err = await curl(
        "--http2", "-w", "\n%{http_version}", f"https://127.0.0.1:{port}/hello"
    )
    assert code == 0, err
    assert out.endswith(b"\n1.1")


# -- h2 as the client -----------------------------------------------------------------------


async def test_concurrent_streams_and_not_done_yet(serve: Any) -> None:
    """A NOT_DONE_YET response stays open while other streams on the connection complete."""
    root, later, _ = _root()
    port, _ = serve(root)
    client = await H2Client.connect(port)
    try:
        slow = client.request(b"/later")
        fast = [client.request(b"/hello/%d" % i) for i in range(5)]
        await client.pump(lambda: all(s in client.ended for s in fast) and bool(later.pending))
        for i, sid in enumerate(fast):
            assert bytes(client.bodies[sid]) == b"hello /hello/%d" % i
            assert client.headers[sid][b":status"] == b"200"
        assert slow not in client.ended
        await client.pump(lambda: bytes(client.bodies[slow]) == b"part one, ")
        request = later.pending[0]
        request.write(b"part two")
        request.finish()
        await client.pump(lambda: slow in client.ended)
        assert bytes(client.bodies[slow]) == b"part one, part two"
        got: list[Any] = []
        later.finished[0].addBoth(got.append)
        assert got == [None]
    finally:
        client.close()


async def test_post_body_with_h2(serve: Any) -> None:
    port, _ = serve(_root()[0])
    client = await H2Client.connect(port)
    try:
        sid = client.request(b"/hello", b"POST", b"0123456789" * 3000)
        await client.pump(lambda: sid in client.ended)
        assert bytes(client.bodies[sid]) == b"got 30000 bytes: " + b"0123456789" * 2
    finally:
        client.close()


async def test_flow_control_small_window(serve: Any) -> None:
    """With a 1 KiB stream window and no acknowledgements the server sends no more than the
    window (the h2 client fails with FlowControlError if it did); acknowledging lets the
    rest of a large body through."""
    port, _ = serve(_root()[0])
    client = await H2Client.connect(port, window=1024)
    client.autoAck = False
    try:
        sid = client.request(b"/big")
        await client.pump(lambda: len(client.bodies[sid]) >= 1024)
        assert len(client.bodies[sid]) == 1024
        assert sid not in client.ended
        client.autoAck = True
        client.conn.acknowledge_received_data(1024, sid)
        client.conn.increment_flow_control_window(1 << 20, sid)
        client.flush()
        await client.pump(lambda: sid in client.ended)
        assert bytes(client.bodies[sid]) == bytes(range(256)) * (Big.size // 256)
    finally:
        client.close()


async def test_streaming_producer_paused_by_flow_control(serve: Any) -> None:
    root, _, pushed = _root()
    port, _ = serve(root)
    client = await H2Client.connect(port)
    try:
        sid = client.request(b"/pushed")
        await client.pump(lambda: sid in client.ended)
        assert len(client.bodies[sid]) == Pushed.chunks * 65536
        assert pushed.pauses >= 1
    finally:
        client.close()


async def test_rst_stream_fails_notify_finish(serve: Any) -> None:
    root, later, _ = _root()
    port, _ = serve(root)
    client = await H2Client.connect(port)
    try:
        sid = client.request(b"/later")
        await client.pump(lambda: bool(client.bodies[sid]))
        client.conn.reset_stream(sid)
        client.flush()
        errors: list[Any] = []
        done = asyncio.Event()

        def failed(f: Any) -> None:
            errors.append(f)
            done.set()

        later.finished[0].addErrback(failed)
        await asyncio.wait_for(done.wait(), TIMEOUT)
        assert len(errors) == 1
        # The connection still serves other streams.
        other = client.request(b"/hello")
        await client.pump(lambda: other in client.ended)
        assert bytes(client.bodies[other]) == b"hello /hello"
    finally:
        client.close()


async def test_settings_announce_limits(serve: Any) -> None:
    port, _ = serve(_root()[0])
    client = await H2Client.connect(port)
    try:
        codes = h2.settings.SettingCodes
        await client.pump(lambda: int(codes.MAX_CONCURRENT_STREAMS) in client.remoteSettings)
        assert client.remoteSettings[int(codes.MAX_CONCURRENT_STREAMS)] == 100
        assert client.remoteSettings[int(codes.MAX_HEADER_LIST_SIZE)] == 64 * 1024
    finally:
        client.close()


async def test_oversized_header_list_gets_goaway(serve: Any) -> None:
    port, _ = serve(_root()[0])
    client = await H2Client.connect(port)
    try:
        sid = client.conn.get_next_available_stream_id()
        client.conn.send_headers(
            sid,
            [
                (b":method", b"GET"),
                (b":path", b"/hello"),
                (b":scheme", b"https"),
                (b":authority", b"localhost"),
            ]
            + [(b"x-big-%d" % i, b"v" * 1000) for i in range(100)],
            end_stream=True,
        )
        client.flush()
        await client.pump(lambda: client.terminated is not None)
        assert client.terminated.error_code != 0
    finally:
        client.close()


async def test_goaway_on_lose_connection(serve: Any) -> None:
    root, later, _ = _root()
    port, _ = serve(root)
    client = await H2Client.connect(port)
    try:
        sid = client.request(b"/later")
        await client.pump(lambda: bool(client.bodies[sid]))
        stream = later.pending[0].channel
        assert isinstance(stream, _http2.H2Stream)
        stream.connection.loseConnection()
        await client.pump(lambda: client.terminated is not None)
        assert client.terminated.error_code == 0
        assert client.terminated.last_stream_id == sid
    finally:
        client.close()


async def test_goaway_on_reactor_shutdown(serve: Any) -> None:
    root, later, _ = _root()
    port, site = serve(root)
    client = await H2Client.connect(port)
    try:
        sid = client.request(b"/later")
        await client.pump(lambda: bool(client.bodies[sid]))
        site._getReactor().fireSystemEvent("shutdown")
        await client.pump(lambda: client.terminated is not None)
        assert client.terminated.error_code == 0
    finally:
        client.close()


async def test_request_body_over_the_limit_gets_413(serve: Any) -> None:
    # The same max_body_size as HTTP/1.1's parser; what arrives after the 413 is dropped.
    port, _ = serve(_root()[0], parserLimits={"max_body_size": 10_000})
    client = await H2Client.connect(port)
    try:
        big = client.request(b"/hello", b"POST", b"0123456789" * 3000)
        await client.pump(lambda: big in client.headers)
        assert client.headers[big][b":status"] == b"413"
        small = client.request(b"/hello", b"POST", b"x" * 100)
        await client.pump(lambda: small in client.ended)
        assert client.headers[small][b":status"] == b"200"
        assert bytes(client.bodies[small]) == b"got 100 bytes: " + b"x" * 20
    finally:
        client.close()
