"""Real clients for the examples: plain sockets, http.client, a TLS socket."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import socket
import ssl
import threading
import time
from collections.abc import Iterator

from ._harness import Proc

TIMEOUT = 15.0


def tcp(
    port: int,
    send: bytes = b"",
    until: bytes | None = None,
    host: str = "127.0.0.1",
    close_after: bool = False,
) -> bytes:
    """Connect, send ``send``, read until ``until`` shows up (or the peer closes)."""
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        if send:
            s.sendall(send)
        if close_after:
            s.shutdown(socket.SHUT_WR)
        return read_until(s, until)


def read_until(s: socket.socket, until: bytes | None) -> bytes:
    data = b""
    deadline = time.monotonic() + TIMEOUT
    while until is None or until not in data:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except TimeoutError:
            raise AssertionError(f"waited for {until!r}; got {data!r}") from None
        if not chunk:
            break
        data += chunk
    return data


def connect(port: int, host: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection((host, port), timeout=TIMEOUT)


def udp_echoed(server: Proc, port: int, host: str = "127.0.0.1") -> None:
    """Send b"ping" until the UDP echo ``server`` sends it back.

    UDP has no accept: the first reply is what says the server is up.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        for _ in range(100):
            s.sendto(b"ping", (host, port))
            try:
                if s.recvfrom(100)[0] == b"ping":
                    return
            except TimeoutError:
                assert server.popen.poll() is None, server.describe()
    raise AssertionError(f"no echo:\n{server.describe()}")


def http_get(
    port: int,
    path: str = "/",
    host: str = "127.0.0.1",
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request with http.client; (status, headers, body)."""
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def tls(port: int, send: bytes, until: bytes, host: str = "127.0.0.1") -> bytes:
    """A TLS connection that does not check the (self-signed) certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(send)
            return read_until(s, until)  # type: ignore[arg-type]


@contextlib.contextmanager
def serve_hello(body: bytes = b"hello") -> Iterator[str]:
    """A stdlib HTTP server on a free port answering every GET with ``body``; its URL."""

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
