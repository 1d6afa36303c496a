"""twistio.web.xmlrpc: the XMLRPC resource called by the standard library's ``xmlrpc.client``
over a real socket (in a worker thread, so the loop keeps serving), and twistio's ``Proxy``
calling twistio's resource and the standard library's ``SimpleXMLRPCServer``.
"""

from __future__ import annotations

import asyncio
import datetime
import http.client
import os
import sys
import threading
import xmlrpc.client
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xmlrpc.server import SimpleXMLRPCServer

import pytest
import pytest_asyncio

from tests.web._http_support import connect, read_response, serve
from twistio.internet import error as ierror
from twistio.internet._reactor import AsyncioReactor
from twistio.internet.defer import CancelledError, Deferred, succeed
from twistio.web import xmlrpc as txmlrpc
from twistio.web.xmlrpc import XMLRPC, Fault, Proxy, addIntrospection, withRequest

__all__ = ["serve"]

TIMEOUT = 2.0
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Math(XMLRPC):
    def xmlrpc_add(self, a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    xmlrpc_add.signature = [["int", "int", "int"]]  # type: ignore[attr-defined]


class Example(XMLRPC):
    """Procedures exercising every kind of result."""

    reactor: Any = None

    def xmlrpc_echo(self, *args: Any) -> Any:
        """Return all passed args."""
        return args

    def xmlrpc_fault(self) -> None:
        raise Fault(12, "hello")

    def xmlrpc_returnFault(self) -> Fault:
        return Fault(13, "returned")

    def xmlrpc_boom(self) -> None:
        raise ValueError("secret detail")

    def xmlrpc_none(self) -> None:
        return None

    def xmlrpc_deferred(self, x: int) -> Deferred[int]:
        d: Deferred[int] = Deferred()
        self.reactor.callLater(0, d.callback, x * 2)
        return d

    def xmlrpc_deferredFault(self) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.reactor.callLater(0, d.errback, Fault(14, "later"))
        return d

    async def xmlrpc_coro(self, x: str) -> str:
        await asyncio.sleep(0)
        return x.upper()

    @withRequest
    def xmlrpc_withRequest(self, request: Any, other: str) -> str:
        return f"{request.method.decode()} {request.path.decode()} {other}"

    def xmlrpc_binary(self, data: xmlrpc.client.Binary) -> xmlrpc.client.Binary:
        return xmlrpc.client.Binary(data.data[::-1])

    def xmlrpc_date(self, d: Any) -> str:
        return type(d).__name__

    def xmlrpc_auth(self) -> Any:
        return None

    xmlrpc_notCallable = 3  # type: ignore[assignment]

    def xmlrpc_stdlibFault(self) -> xmlrpc.client.Fault:
        return xmlrpc.client.Fault(15, "the standard library's own")

    def xmlrpc_raiseStdlibFault(self) -> None:
        raise xmlrpc.client.Fault(16, "raised")

    def xmlrpc_laterStdlibFault(self) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.reactor.callLater(0, d.callback, xmlrpc.client.Fault(17, "returned later"))
        return d


class Authed(XMLRPC):
    @withRequest
    def xmlrpc_who(self, request: Any) -> list[str]:
        return [request.getUser().decode(), request.getPassword().decode()]


def make_tree(reactor: Any, **kwargs: Any) -> Example:
    root = Example(**kwargs)
    root.reactor = reactor
    root.putSubHandler("math", Math())
    addIntrospection(root)
    return root


class _Transport(xmlrpc.client.Transport):
    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        conn = super().make_connection(host)
        conn.timeout = TIMEOUT
        return conn


async def call(port: int, method: str, *args: Any, path: str = "/", **kwargs: Any) -> Any:
    """Call ``method`` with ``xmlrpc.client`` in a worker thread; a Fault is returned, not raised."""

    def run() -> Any:
        proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}{path}", transport=_Transport(), **kwargs)
        try:
            return getattr(proxy, method)(*args)
        except xmlrpc.client.Fault as f:
            return f

    return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, run), TIMEOUT)


@pytest.fixture
def reactor() -> AsyncioReactor:
    return AsyncioReactor()


@pytest_asyncio.fixture
async def port(serve: Callable[..., tuple[int, Any]], reactor: AsyncioReactor) -> int:
    return serve(make_tree(reactor))[0]


def fault(f: Any) -> tuple[int, str]:
    assert isinstance(f, xmlrpc.client.Fault), f
    return f.faultCode, f.faultString


# -- the resource, called by xmlrpc.client -----------------------------------------------------


async def test_results(port: int) -> None:
    assert await call(port, "echo", 1, "two", [3.5, True], {"k": "v"}) == [1, "two", [3.5, True], {"k": "v"}]
    assert await call(port, "math.add", 2, 3) == 5


async def test_faults(port: int) -> None:
    assert fault(await call(port, "fault")) == (12, "hello")
    assert fault(await call(port, "returnFault")) == (13, "returned")
    assert fault(await call(port, "boom")) == (8002, "error")


async def test_unknown_procedures(port: int) -> None:
    assert fault(await call(port, "nope")) == (8001, "procedure nope not found")
    assert fault(await call(port, "notCallable")) == (8001, "procedure notCallable not callable")
    assert fault(await call(port, "other.add")) == (8001, "no such subHandler other")
    assert fault(await call(port, "math.sub")) == (8001, "procedure sub not found")


async def test_deferred_and_coroutine_results(port: int) -> None:
    assert await call(port, "deferred", 21) == 42
    assert fault(await call(port, "deferredFault")) == (14, "later")
    assert await call(port, "coro", "abc") == "ABC"


async def test_with_request(port: int) -> None:
    assert await call(port, "withRequest", "x", path="/RPC2") == "POST /RPC2 x"


async def test_none_needs_allowNone(port: int, serve: Callable[..., tuple[int, Any]], reactor: Any) -> None:
    code, text = fault(await call(port, "none"))
    assert code == 8002 and text.startswith("Can't serialize output: ")
    allowing = serve(make_tree(reactor, allowNone=True))[0]
    assert await call(allowing, "none", allow_none=True) is None
    assert await call(allowing, "echo", None, allow_none=True) == [None]


async def test_binary_and_dates(port: int, serve: Callable[..., tuple[int, Any]], reactor: Any) -> None:
    got = await call(port, "binary", xmlrpc.client.Binary(b"\x00\x01\xff"))
    assert got.data == b"\xff\x01\x00"
    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    assert await call(port, "date", when) == "DateTime"
    dated = serve(make_tree(reactor, useDateTime=True))[0]
    assert await call(dated, "date", when) == "datetime"


async def test_introspection(port: int) -> None:
    methods = await call(port, "system.listMethods")
    assert methods[:3] == ["echo", "fault", "returnFault"]  # definition order, as in Twisted
    assert {"echo", "fault", "math.add", "system.listMethods", "system.methodHelp",
            "system.methodSignature", "withRequest"} <= set(methods)
    assert "notCallable" not in methods
    assert await call(port, "system.methodHelp", "math.add") == "Add two numbers."
    assert await call(port, "system.methodHelp", "fault") == ""
    assert await call(port, "system.methodSignature", "math.add") == [["int", "int", "int"]]
    assert await call(port, "system.methodSignature", "echo") == ""
    assert fault(await call(port, "system.methodHelp", "nope")) == (8001, "procedure nope not found")


async def test_bad_input_and_methods(port: int) -> None:
    reader, writer = await connect(port)
    body = b"<not xml"
    writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    resp = await read_response(reader)
    assert resp.status == 200
    assert resp.header(b"content-type") == b"text/xml; charset=utf-8"
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(resp.body)
    assert info.value.faultCode == 8002
    assert info.value.faultString.startswith("Can't deserialize input: ")
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    resp = await read_response(reader)
    assert resp.status == 405
    assert b"POST" in (resp.header(b"allow") or b"")
    writer.close()


async def test_client_gone_before_result(serve: Callable[..., tuple[int, Any]]) -> None:
    started: Deferred[None] = Deferred()
    cancelled: list[bool] = []

    class Slow(XMLRPC):
        def xmlrpc_wait(self) -> Deferred[int]:
            d: Deferred[int] = Deferred(lambda _: cancelled.append(True))
            started.callback(None)
            return d

    port = serve(Slow())[0]
    reader, writer = await connect(port)
    body = xmlrpc.client.dumps((), "wait").encode()
    writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    await asyncio.wait_for(started.asFuture(asyncio.get_running_loop()), TIMEOUT)
    writer.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not cancelled:  # bounded: waits for the server to see the disconnect
        assert loop.time() < deadline
        await asyncio.sleep(0.005)


# -- the Proxy client ------------------------------------------------------------------------


async def wait(d: Deferred[Any]) -> Any:
    return await asyncio.wait_for(d.asFuture(asyncio.get_running_loop()), TIMEOUT)


async def test_proxy_calls_twistio(port: int, reactor: Any) -> None:
    proxy = Proxy(b"http://127.0.0.1:%d/" % port, reactor=reactor)
    assert await wait(proxy.callRemote("math.add", 40, 2)) == 42
    assert await wait(proxy.callRemote("echo", "a", [1])) == ["a", [1]]
    assert await wait(proxy.callRemote("deferred", 4)) == 8
    with pytest.raises(xmlrpc.client.Fault) as info:
        await wait(proxy.callRemote("fault"))
    assert (info.value.faultCode, info.value.faultString) == (12, "hello")
    with pytest.raises(xmlrpc.client.Fault) as info:
        await wait(proxy.callRemote("nope"))
    assert info.value.faultCode == 8001


async def test_proxy_allowNone_and_dates(serve: Callable[..., tuple[int, Any]], reactor: Any) -> None:
    port = serve(make_tree(reactor, allowNone=True, useDateTime=True))[0]
    proxy = Proxy(b"http://127.0.0.1:%d" % port, allowNone=True, useDateTime=True, reactor=reactor)
    assert proxy.path == b"/"
    assert await wait(proxy.callRemote("echo", None, datetime.datetime(2020, 5, 6, 7, 8, 9))) == [
        None, datetime.datetime(2020, 5, 6, 7, 8, 9)]
    with pytest.raises(TypeError):
        Proxy(b"http://127.0.0.1:1/", reactor=reactor).callRemote("echo", None)


async def test_proxy_basic_auth(serve: Callable[..., tuple[int, Any]], reactor: Any) -> None:
    port = serve(Authed())[0]
    proxy = Proxy(b"http://alice:s3cret@127.0.0.1:%d/" % port, reactor=reactor)
    assert (proxy.user, proxy.password, proxy.host, proxy.port) == (b"alice", b"s3cret", b"127.0.0.1", port)
    assert await wait(proxy.callRemote("who")) == ["alice", "s3cret"]
    proxy = Proxy(b"http://alice:s3cret@127.0.0.1:%d/" % port, user=b"bob", password=b"pw", reactor=reactor)
    assert await wait(proxy.callRemote("who")) == ["bob", "pw"]


async def test_proxy_bad_status(serve: Callable[..., tuple[int, Any]], reactor: Any) -> None:
    from twistio.web import resource

    root = resource.Resource()
    root.putChild(b"RPC2", Math())
    port = serve(root)[0]
    assert await wait(Proxy(b"http://127.0.0.1:%d/RPC2" % port, reactor=reactor).callRemote("add", 1, 1)) == 2
    with pytest.raises(ValueError) as info:
        await wait(Proxy(b"http://127.0.0.1:%d/missing" % port, reactor=reactor).callRemote("add", 1, 1))
    assert info.value.args == (b"404", b"Not Found")


async def test_proxy_connection_refused(reactor: Any) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(ierror.ConnectError):
            await wait(Proxy(b"http://127.0.0.1:%d/" % free, reactor=reactor).callRemote("x"))


async def test_proxy_cancel(serve: Callable[..., tuple[int, Any]], reactor: Any) -> None:
    started: Deferred[None] = Deferred()

    class Slow(XMLRPC):
        def xmlrpc_wait(self) -> Deferred[int]:
            started.callback(None)
            return Deferred()

    port = serve(Slow())[0]
    d = Proxy(b"http://127.0.0.1:%d/" % port, reactor=reactor).callRemote("wait")
    await wait(started)
    failures: list[Any] = []
    d.addErrback(failures.append)
    d.cancel()
    assert failures and failures[0].check(CancelledError)


@pytest.fixture
def stdlib_server() -> Iterator[int]:
    srv = SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False, allow_none=True)
    srv.register_function(lambda a, b: a * b, "mul")

    def fail() -> None:
        raise xmlrpc.client.Fault(99, "stdlib says no")

    srv.register_function(fail, "fail")
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(TIMEOUT)


async def test_proxy_calls_stdlib_server(stdlib_server: int, reactor: Any) -> None:
    proxy = Proxy(b"http://127.0.0.1:%d/RPC2" % stdlib_server, reactor=reactor)
    assert await wait(proxy.callRemote("mul", 6, 7)) == 42
    with pytest.raises(xmlrpc.client.Fault) as info:
        await wait(proxy.callRemote("fail"))
    assert (info.value.faultCode, info.value.faultString) == (99, "stdlib says no")


def test_names() -> None:
    assert issubclass(txmlrpc.NoSuchFunction, Fault) and issubclass(Fault, xmlrpc.client.Fault)
    assert txmlrpc.Binary is xmlrpc.client.Binary
    assert Example().listProcedures().count("echo") == 1
    assert succeed(1).result == 1  # keeps the import honest for the type checker


# -- the example --------------------------------------------------------------------------


async def test_example_server() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "xmlrpc_server.py"), "0",
        env={**os.environ, "PYTHONPATH": str(EXAMPLES.parent)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 10)
        port = int(line.split()[-1])
        assert await call(port, "echo", "hi", 3) == ["hi", 3]
        assert await call(port, "math.add", 1, 2) == 3
        assert fault(await call(port, "fault")) == (123, "The fault procedure is faulty.")
        assert "math.add" in await call(port, "system.listMethods")
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


# -- Fault is the standard library's class (issue 14) ------------------------------------------


def test_fault_is_the_standard_librarys_class() -> None:
    """As in Twisted, ``xmlrpc.Fault`` IS ``xmlrpc.client.Fault``."""
    assert Fault is xmlrpc.client.Fault
    assert issubclass(txmlrpc.NoSuchFunction, xmlrpc.client.Fault)
    assert (txmlrpc.NOT_FOUND, txmlrpc.FAILURE) == (XMLRPC.NOT_FOUND, XMLRPC.FAILURE) == (8001, 8002)


async def test_a_returned_or_raised_stdlib_fault_is_a_fault_response(port: int) -> None:
    assert fault(await call(port, "stdlibFault")) == (15, "the standard library's own")
    assert fault(await call(port, "raiseStdlibFault")) == (16, "raised")
    assert fault(await call(port, "laterStdlibFault")) == (17, "returned later")


async def test_method_help_of_the_system_procedures(port: int) -> None:
    """twistio's own help texts for ``system.*`` (docs/differences.md); others' are theirs."""
    assert await call(port, "system.methodHelp", "system.listMethods") == (
        "Every procedure this server answers, by its full dotted name."
    )
    assert await call(port, "system.methodHelp", "system.methodHelp") == (
        "The help of the named procedure: its ``help`` attribute, else its docstring."
    )
    assert await call(port, "system.methodHelp", "echo") == "Return all passed args."


def test_call_payload_is_twisteds_template_with_the_name_escaped() -> None:
    body = txmlrpc.QueryFactory(b"/", b"h", "a<b", args=(1,)).payload.decode()
    assert body.startswith('<?xml version="1.0"?>\n<methodCall>\n<methodName>a&lt;b</methodName>')
    xmlrpc.client.loads(body)  # well-formed


async def test_query_factory_over_a_real_connection(port: int, reactor: AsyncioReactor) -> None:
    """Twisted's older client path: ``connectTCP`` with a ``QueryFactory`` (``QueryProtocol``)."""
    factory = txmlrpc.QueryFactory(b"/", b"127.0.0.1", "math.add", args=(2, 40))
    reactor.connectTCP("127.0.0.1", port, factory)
    assert await asyncio.wait_for(factory.deferred.asFuture(asyncio.get_running_loop()), TIMEOUT) == 42
    failing = txmlrpc.QueryFactory(b"/", b"127.0.0.1", "fault")
    reactor.connectTCP("127.0.0.1", port, failing)
    with pytest.raises(xmlrpc.client.Fault) as caught:
        await asyncio.wait_for(failing.deferred.asFuture(asyncio.get_running_loop()), TIMEOUT)
    assert caught.value.faultCode == 12


def test_proxy_connects_its_query_factory_with_the_timeout() -> None:
    from twistio.internet.testing import MemoryReactorClock

    reactor = MemoryReactorClock()
    Proxy(b"http://127.0.0.1:69/rpc", connectTimeout=2.0, reactor=reactor).callRemote("m")
    host, port, factory, timeout, _ = reactor.tcpClients[0]
    assert (host, port, timeout) == ("127.0.0.1", 69, 2.0)
    assert isinstance(factory, txmlrpc.QueryFactory) and factory.path == b"/rpc"
    Proxy(b"https://example.com", connectTimeout=3.0, reactor=reactor).callRemote("m")
    assert reactor.sslClients[0][0] == "example.com" and reactor.sslClients[0][4] == 3.0


def test_cancelled_call_fails_with_cancelled_error_only() -> None:
    from twistio.internet.testing import MemoryReactorClock

    reactor = MemoryReactorClock()
    d = Proxy(b"http://127.0.0.1:69/", reactor=reactor).callRemote("m")
    factory = reactor.tcpClients[0][2]
    d.cancel()
    seen: list[Any] = []
    d.addErrback(seen.append)
    assert seen[0].check(CancelledError)
    factory.clientConnectionFailed(None, ierror.ConnectError())  # late news: ignored


def test_unencodable_fault_still_finishes_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio.web.test.requesthelper import DummyRequest

    class Echo(XMLRPC):
        def xmlrpc_echo(self, x: Any) -> Any:
            return x

    request = DummyRequest([b""])
    request.method = b"POST"
    import io

    request.content = io.BytesIO(xmlrpc.client.dumps(("hi",), "echo").encode())

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("cannot encode")

    monkeypatch.setattr(txmlrpc.xmlrpclib, "dumps", broken)
    Echo().render(request)
    assert request.finished
