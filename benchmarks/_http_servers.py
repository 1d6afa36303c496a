"""The "Hello, world!" HTTP servers that ``benchmarks/http_server.py`` loads with wrk.

Run as its own process: ``python -m benchmarks._http_servers CONTENDER LOGFILE PORTFD [CPU]``.
It pins itself to CPU (default 0), listens on 127.0.0.1 on a free port, writes that port as
one line to the file descriptor PORTFD (``1`` for stdout) and serves until SIGTERM; whatever
it prints goes wherever the driver sends its stdout and stderr (a file).

Each server answers every request with ``200`` and the body ``Hello, world!``, keeps
connections alive unless the request says ``Connection: close``, and writes an access log
(``access_log_note`` says where); each ``-nolog`` contender is the same server with its access
log off, so that ratios between them compare the servers, not their loggers.

``twistio-baseline-nolog`` (and ``twistio-baseline-uvloop-nolog``, on uvloop) runs the twistio
found at ``$TWISTIO_BASELINE`` (another checkout, for before/after comparisons in one
interleaved run); they are listed only when that is set.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from typing import Any

from benchmarks._harness import pin

CONTENDERS = [
    "twistio-asyncio",
    "twistio-uvloop",
    "twisted-default",
    "aiohttp",
    "uvicorn-uvloop",
    "twistio-asyncio-nolog",
    "twistio-uvloop-nolog",
    "twisted-default-nolog",
    "aiohttp-nolog",
    "uvicorn-uvloop-nolog",
    "raw-asyncio",
]
if os.environ.get("TWISTIO_BASELINE"):
    CONTENDERS += ["twistio-baseline-nolog", "twistio-baseline-uvloop-nolog"]

# Where each contender's access log goes, as the table's footnote says.
ACCESS_LOG = {
    "twistio-asyncio": "the twistio.web.access logger at INFO, to a file",
    "twistio-uvloop": "the twistio.web.access logger at INFO, to a file",
    "twisted-default": "Site's default: log.logfile, i.e. the global log publisher",
    "aiohttp": "the aiohttp.access logger at INFO, to a file",
    "uvicorn-uvloop": "uvicorn's default uvicorn.access logger at INFO, to a file",
    "raw-asyncio": "none",
}

_TWISTIO_LOG = {
    "logger": "the twistio.web.access logger at INFO, to a file",
    "file": "Site(logPath=file)",
    "off": "Site's default with logging unconfigured: lines not even formatted",
}


def access_log_note(contender: str) -> str:
    """Where ``contender``'s access log goes in this run."""
    if contender.endswith("-nolog"):
        return "off"
    if contender.startswith("twistio"):
        return _TWISTIO_LOG.get(os.environ.get("TWISTIO_BENCH_LOG", "logger"), "?")
    return ACCESS_LOG[contender]


BODY = b"Hello, world!"


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    return sock


_port_fd = 1


def _announce(port: int) -> None:
    os.write(_port_fd, f"{port}\n".encode())
    if _port_fd != 1:
        os.close(_port_fd)


def _file_logging(name: str, logfile: str) -> None:
    """Send the stdlib logger ``name`` to ``logfile`` at INFO, as a deployment would."""
    import logging

    handler = logging.FileHandler(logfile)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


# ------------------------------------------------------------------------ twistio and Twisted


def serve_twistio(loop_name: str, logfile: str, log: bool = True) -> None:
    """The seed's hello server (examples/hello_web.py) with its imports on twistio.

    Its access log goes where ``TWISTIO_BENCH_LOG`` says: ``logger`` (the default) sends the
    stdlib logger ``twistio.web.access`` to a file at INFO, as for aiohttp and uvicorn;
    ``file`` gives the Site ``logPath``; ``off`` leaves logging unconfigured, in which case
    Site skips formatting the lines.
    """
    if loop_name == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from twistio.internet import reactor
    from twistio.web import resource, server

    class Hello(resource.Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            return BODY

    mode = os.environ.get("TWISTIO_BENCH_LOG", "logger") if log else "off"
    if mode == "logger":
        _file_logging("twistio.web.access", logfile)
    site = server.Site(Hello(), logPath=logfile if mode == "file" else None)
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    _announce(port.getHost().port)
    reactor.run()


def serve_twisted(logfile: str, log: bool = True) -> None:
    """The seed's hello server on Twisted's default reactor, logging as it does by default."""
    from twisted.internet import reactor as _reactor
    from twisted.web import resource, server

    reactor: Any = _reactor

    class Hello(resource.Resource):
        isLeaf = True

        def render_GET(self, request: Any) -> bytes:
            return BODY

    site = server.Site(Hello())  # type: ignore[no-untyped-call]
    if not log:
        site.log = lambda request: None  # type: ignore[method-assign]
    port = reactor.listenTCP(0, site, interface="127.0.0.1")
    _announce(port.getHost().port)
    reactor.run()


# ------------------------------------------------------------------------ aiohttp and uvicorn


def serve_aiohttp(logfile: str, log: bool = True) -> None:
    """A one-route aiohttp application on the default asyncio loop, access log to a file."""
    import logging

    from aiohttp import web

    _file_logging("aiohttp.access", logfile)

    async def hello(request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="text/plain")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/", hello)
        runner = web.AppRunner(app, access_log=logging.getLogger("aiohttp.access") if log else None)
        await runner.setup()
        sock = _listening_socket()
        site = web.SockSite(runner, sock)
        await site.start()
        _announce(sock.getsockname()[1])
        stop = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
        await stop
        await runner.cleanup()

    asyncio.run(main())


async def _asgi_hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The smallest ASGI application that answers ``Hello, world!``."""
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"13")],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


def serve_uvicorn(logfile: str, log: bool = True) -> None:
    """uvicorn on uvloop with its default HTTP parser (httptools if installed), access log on."""
    import logging

    import uvicorn
    import uvloop

    config = uvicorn.Config(
        _asgi_hello, loop="none", http="auto", access_log=log, log_config=None, lifespan="off"
    )
    if log:
        _file_logging("uvicorn.access", logfile)
    else:
        _file_logging("uvicorn.access", os.devnull)
        logging.getLogger("uvicorn.access").disabled = True
    _file_logging("uvicorn.error", os.devnull)
    server = uvicorn.Server(config)
    sock = _listening_socket()
    _announce(sock.getsockname()[1])
    uvloop.run(server.serve(sockets=[sock]))


# ------------------------------------------------------------------------ raw asyncio


_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n" + BODY
_RESPONSE_CLOSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
    b"Connection: close\r\n\r\n" + BODY
)


class RawHello(asyncio.Protocol):
    """Answers each complete header block with a fixed response: the floor for a server.

    No parsing beyond finding the end of each header block and a ``Connection: close``.
    """

    transport: Any

    def __init__(self) -> None:
        self.buffer = b""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        count = buffer.count(b"\r\n\r\n")
        if not count:
            self.buffer = buffer
            return
        end = buffer.rfind(b"\r\n\r\n") + 4
        self.buffer = buffer[end:]
        if b"onnection: close" in buffer or b"onnection: Close" in buffer:
            self.transport.write(_RESPONSE_CLOSE)
            self.transport.close()
        else:
            self.transport.write(_RESPONSE * count)


def serve_raw(logfile: str) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        sock = _listening_socket()
        server = await loop.create_server(RawHello, sock=sock)
        _announce(sock.getsockname()[1])
        stop = loop.create_future()
        loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
        await stop
        server.close()

    asyncio.run(main())


def serve(contender: str, logfile: str) -> None:
    log = not contender.endswith("-nolog")
    base = contender.removesuffix("-nolog")
    if base.startswith("twistio-baseline"):
        sys.path.insert(0, os.environ["TWISTIO_BASELINE"])
        serve_twistio("uvloop" if base.endswith("uvloop") else "asyncio", logfile, log)
    elif base == "twistio-asyncio":
        serve_twistio("asyncio", logfile, log)
    elif base == "twistio-uvloop":
        serve_twistio("uvloop", logfile, log)
    elif base == "twisted-default":
        serve_twisted(logfile, log)
    elif base == "aiohttp":
        serve_aiohttp(logfile, log)
    elif base == "uvicorn-uvloop":
        serve_uvicorn(logfile, log)
    elif contender == "raw-asyncio":
        serve_raw(logfile)
    else:
        raise SystemExit(f"unknown contender {contender!r}")


def main() -> None:
    global _port_fd
    contender, logfile, _port_fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pin(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    serve(contender, logfile)


if __name__ == "__main__":
    main()
