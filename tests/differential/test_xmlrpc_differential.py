"""The same XMLRPC resource served by twisted.web and by twistio (each in a subprocess): the
same ``xmlrpc.client`` calls give the same results and faults, and the same raw requests get
the same status, content type and body.
"""

from __future__ import annotations

import asyncio
import os
import selectors
import subprocess
import sys
import textwrap
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PROGRAM = textwrap.dedent(
    r'''
    import sys
    from importlib import import_module
    PKG = sys.argv[1]
    import_module(PKG + ".internet.reactor")
    reactor = import_module(PKG + ".internet").reactor
    defer = import_module(PKG + ".internet.defer")
    server = import_module(PKG + ".web.server")
    xmlrpc = import_module(PKG + ".web.xmlrpc")

    class Math(xmlrpc.XMLRPC):
        def xmlrpc_add(self, a, b):
            """Add."""
            return a + b
        xmlrpc_add.signature = [["int", "int", "int"]]

    class Root(xmlrpc.XMLRPC):
        def xmlrpc_echo(self, *args):
            """Echo the arguments."""
            return args
        def xmlrpc_fault(self):
            raise xmlrpc.Fault(12, "hello")
        def xmlrpc_returnFault(self):
            return xmlrpc.Fault(13, "returned")
        def xmlrpc_boom(self):
            raise ValueError("x")
        def xmlrpc_none(self):
            return None
        def xmlrpc_later(self, x):
            d = defer.Deferred()
            reactor.callLater(0, d.callback, x * 2)
            return d
        def xmlrpc_laterFault(self):
            d = defer.Deferred()
            reactor.callLater(0, d.errback, xmlrpc.Fault(14, "later"))
            return d
        @xmlrpc.withRequest
        def xmlrpc_method(self, request):
            return request.method.decode()
        def xmlrpc_date(self, d):
            return type(d).__name__
        def xmlrpc_unmarshallable(self):
            return object()
        def xmlrpc_stdlibFault(self):
            import xmlrpc.client
            return xmlrpc.client.Fault(15, "the standard library's")
        def xmlrpc_raiseStdlibFault(self):
            import xmlrpc.client
            raise xmlrpc.client.Fault(16, "raised")
        xmlrpc_notCallable = 3

    root = Root(allowNone=bool(int(sys.argv[2])))
    root.putSubHandler("math", Math())
    xmlrpc.addIntrospection(root)
    port = reactor.listenTCP(0, server.Site(root), interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()
    '''
)

ROOT = Path(__file__).resolve().parents[2]

CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("echo", (1, "two", [3.5, True], {"k": "v"}, xmlrpc.client.Binary(b"\x00\xff"))),
    ("math.add", (2, 3)),
    ("math.add", (2,)),
    ("math.sub", (1, 2)),
    ("other.add", (1, 2)),
    ("nope", ()),
    ("notCallable", ()),
    ("fault", ()),
    ("returnFault", ()),
    ("boom", ()),
    ("none", ()),
    ("later", (21,)),
    ("laterFault", ()),
    ("method", ()),
    ("date", (xmlrpc.client.DateTime("20240102T03:04:05"),)),
    ("unmarshallable", ()),
    ("stdlibFault", ()),
    ("raiseStdlibFault", ()),
    ("system.listMethods", ()),
    ("system.methodHelp", ("math.add",)),
    ("system.methodHelp", ("fault",)),
    ("system.methodHelp", ("nope",)),
    ("system.methodSignature", ("math.add",)),
    ("system.methodSignature", ("echo",)),
    ("system.methodSignature", ("system.methodSignature",)),
]


def _start(pkg: str, prog: Path, allow_none: bool) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(
        [sys.executable, str(prog), pkg, str(int(allow_none))],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(15):
            proc.kill()
            raise AssertionError(f"{pkg} server did not start")
    return proc, int(proc.stdout.readline())


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, bool], int]]:
    prog = tmp_path_factory.mktemp("xmlrpc") / "xmlrpc_program.py"
    prog.write_text(PROGRAM)
    keys = [(pkg, allow) for pkg in ("twisted", "twistio") for allow in (False, True)]
    started = {key: _start(key[0], prog, key[1]) for key in keys}
    try:
        yield {key: port for key, (_, port) in started.items()}
    finally:
        for proc, _ in started.values():
            proc.terminate()
            proc.wait(10)


def _call(port: int, method: str, args: tuple[Any, ...], allow_none: bool) -> Any:
    proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/", allow_none=allow_none)
    try:
        result = getattr(proxy, method)(*args)
    except xmlrpc.client.Fault as f:
        return ("fault", f.faultCode, f.faultString)
    if isinstance(result, xmlrpc.client.Binary):
        return ("binary", result.data)
    return _plain(result)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, xmlrpc.client.Binary):
        return ("binary", value.data)
    return value


async def _both(servers: dict[tuple[str, bool], int], allow_none: bool, method: str,
                args: tuple[Any, ...]) -> tuple[Any, Any]:
    loop = asyncio.get_running_loop()
    futs = [
        loop.run_in_executor(None, _call, servers[(pkg, allow_none)], method, args, allow_none)
        for pkg in ("twisted", "twistio")
    ]
    tw, ti = await asyncio.wait_for(asyncio.gather(*futs), 10)
    return tw, ti


@pytest.mark.parametrize("allow_none", [False, True])
@pytest.mark.parametrize(("method", "args"), CALLS, ids=[f"{m}{len(a)}-{i}" for i, (m, a) in enumerate(CALLS)])
async def test_same_result(servers: dict[tuple[str, bool], int], allow_none: bool, method: str,
                           args: tuple[Any, ...]) -> None:
    tw, ti = await _both(servers, allow_none, method, args)
    if method == "unmarshallable":
        # The message quotes the stdlib's repr of the object (an address differs).
        assert ti[:2] == tw[:2] == ("fault", 8002)
        assert ti[2].split(" at 0x")[0] == tw[2].split(" at 0x")[0]
        return
    assert ti == tw


async def _raw(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    try:
        return await asyncio.wait_for(reader.read(-1), 5)
    finally:
        writer.close()


def _post(body: bytes) -> bytes:
    return (b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)) + body


RAW = [
    ("garbage body", _post(b"<not xml")),
    ("empty body", _post(b"")),
    ("GET", b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
]


@pytest.mark.parametrize(("name", "data"), RAW, ids=[r[0] for r in RAW])
async def test_same_raw_answer(servers: dict[tuple[str, bool], int], name: str, data: bytes) -> None:
    tw, ti = await asyncio.gather(_raw(servers[("twisted", False)], data), _raw(servers[("twistio", False)], data))

    def parse(raw: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
        return lines[0].split(b" ", 1)[1], headers, body

    tws, twh, twb = parse(tw)
    tis, tih, tib = parse(ti)
    assert tis == tws
    assert tih.get(b"content-type") == twh.get(b"content-type")
    if name != "GET":
        assert tib == twb
