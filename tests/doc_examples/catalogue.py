"""Every file of Twisted's documentation example folders, and what this suite does with it.

Each file of ``docs/core/examples``, ``docs/core/howto/listings``, ``docs/web/examples`` and
``docs/web/howto/listings`` (Twisted 26.10.0's sdist) has exactly one entry:

- :class:`Run`: the example is started unmodified (``twistio compat``, ``twistio run`` for
  ``.tac`` files, ``twistio web --path`` for ``.rpy`` scripts) and a real client drives it:
  a socket, ``http.client``, or the example's own client counterpart, also run unmodified.
  ``ports`` names the fixed ports it listens on (those runs are serialised per port).
  ``also`` names the other files of the folders the run exercises (its client, modules it
  imports, data it reads).
  ``fails`` says why an example does not pass on twistio yet: its test is then a strict
  expected failure, so the day it passes the test says so.
- :class:`OutOfScope`: not run, with the reason (a subsystem twistio does not provide, a GUI
  toolkit, a service outside this machine).
- :class:`Support`: not a program (data, a template, a package ``__init__``, a module that
  only other examples import): exercised through the runs that use it, named in ``by``.

A test checks that the catalogue names every file of the folders, so a new example in a
later Twisted cannot go unnoticed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import _clients as c
from ._harness import ORACLE, TWISTED_VERSION, Session, free_port


@dataclass(frozen=True)
class Run:
    path: str
    drive: Callable[[Session], None]
    ports: tuple[int, ...] = ()  # fixed TCP ports
    also: tuple[str, ...] = ()
    fails: str = ""  # why it fails on twistio today (the test is a strict xfail)
    udp: tuple[int, ...] = ()  # fixed UDP ports


@dataclass(frozen=True)
class OutOfScope:
    path: str
    reason: str


@dataclass(frozen=True)
class Support:
    path: str
    by: tuple[str, ...] = field(default=())
    what: str = ""


Entry = Run | OutOfScope | Support

# Reasons shared by many entries.
PB_TWISTD = (
    "fails under Twisted 26.10's twistd: the receiver imports a module beside it, and Twisted's "
    "twistd --python does not put the example's folder on sys.path (No module named "
    "'copy2_classes', 'cache_classes', 'copy_sender'; twistio run does, and runs them)"
)
PB_STR_PASSWORD = (
    "fails the same way under Twisted 26.10 itself: str passwords (PB's login hashes the "
    "password, and md5 wants bytes: TypeError: Strings must be encoded before hashing)"
)
PB_REMOVED = (
    "fails the same way under Twisted 26.10 itself: uses PB APIs Twisted has removed "
    "(pb.getObjectAt, _ObjectRetrieval, BrokerClientFactory, getPerspective)"
)
FTP = (
    "uses FTP's privileged port 21 (root only), so it is not run here; twistio's FTP is "
    "exercised by Twisted's test_ftp and tests/protocols/test_ftp.py instead"
)
# A client example that ends on its own, well within this even on a loaded machine.
CLIENT_TIMEOUT = 8.0
GUI = "needs a GUI toolkit and its reactor integration"

CORE = "core/examples/"
# Programs of this suite's own that host or drive an example (a client for a server-only
# example, a .tac doing what twistd does with a plugin module).
HOSTS = Path(__file__).parent / "hosts"
LISTINGS = "core/howto/listings/"
WEB = "web/examples/"
WEBLISTINGS = "web/howto/listings/"


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines()


# -- core/examples -----------------------------------------------------------------------------


def _echo_server(name: str) -> Callable[[Session], None]:
    def drive(s: Session) -> None:
        server = s.start(CORE + name)
        server.wait_port(8000)
        assert c.tcp(8000, b"hello\n", b"hello\n") == b"hello\n"
        client = s.run(CORE + "simpleclient.py")
        assert "Server said: b'hello, world!'" in client.out, client.describe()
        assert "Connection lost - goodbye!" in client.out, client.describe()
        client = s.run(CORE + "echoclient.py")
        for line in (b"Hello, world!", b"What a fine day it is.", b"Bye-bye!"):
            assert f"receive: {line!r}" in client.out, client.describe()

    return drive


def _amp(s: Session) -> None:
    server = s.start(CORE + "ampserver.py")
    server.wait_port(1234)
    client = s.run(CORE + "ampclient.py")
    assert "Done with math: [(True, 94), (True, inf)]" in client.out, client.describe()
    assert "Divided by zero: returning INF" in client.out, client.describe()
    server.wait_output("Did a sum: 13 + 81 = 94")


def _chatserver(s: Session) -> None:
    server = s.start(CORE + "chatserver.py", kind="run")
    server.wait_port(1025)
    with c.connect(1025) as a:
        with c.connect(1025) as b:
            server.wait_output("Got new client!")
            # both are registered once the second greeting is logged
            while server.out.count("Got new client!") + server.err.count("Got new client!") < 2:
                server.wait_output("Got new client!", timeout=1)
            a.sendall(b"hi all\r\n")
            assert c.read_until(b, b"hi all\n").endswith(b"hi all\n")
            assert c.read_until(a, b"hi all\n").endswith(b"hi all\n")


def _cred(s: Session) -> None:
    server = s.start(CORE + "cred.py")
    server.wait_port(4738)
    with c.connect(4738) as sock:
        greeting = c.read_until(sock, b"\r\n")
        assert greeting, greeting
        sock.sendall(b"USER auser\r\n")
        c.read_until(sock, b"\r\n")
        sock.sendall(b"PASS thepass\r\n")
        assert b"Login successful" in c.read_until(sock, b"Login successful")
    with c.connect(4738) as sock:
        c.read_until(sock, b"\r\n")
        sock.sendall(b"USER auser\r\n")
        c.read_until(sock, b"\r\n")
        sock.sendall(b"PASS wrong\r\n")
        assert b"Login denied" in c.read_until(sock, b"Login denied")


def _echo_udp(s: Session) -> None:
    server = s.start(CORE + "echoserv_udp.py")
    c.udp_echoed(server, 8000)
    client = s.run(CORE + "echoclient_udp.py")
    for line in (b"Hello, world!", b"What a fine day it is.", b"Bye-bye!"):
        assert f"Datagram received:  {line!r}" in client.out, client.describe()


def _tls_echo(server_name: str, client_name: str) -> Callable[[Session], None]:
    def drive(s: Session) -> None:
        server = s.start(CORE + server_name)
        server.wait_port(8000, host="::1")
        if server_name == "echoserv_ssl.py":
            assert c.tls(8000, b"hello", b"hello", host="::1") == b"hello"
        client = s.run(CORE + client_name, timeout=CLIENT_TIMEOUT)
        assert "b'Hello, world!\\r\\n" in client.out, client.describe()

    return drive


def _starttls(s: Session) -> None:
    server = s.start(CORE + "starttls_server.py")
    server.wait_port(8000)
    client = s.run(CORE + "starttls_client.py")
    assert "received:  b'READY'" in client.out, client.describe()
    server.wait_output("received:  b'secure text'")
    assert "-- Switching to TLS" in server.out, server.describe()


def _longex(name: str) -> Callable[[Session], None]:
    def drive(s: Session) -> None:
        server = s.start(CORE + name)
        server.wait_port(1234)
        reply = c.tcp(1234, b"2 3 7\r\n1 2 3 4 5 6 7 8 9 10\r\n", b"3628800\r\n")
        assert reply == b"42\r\n3628800\r\n", reply
        assert c.tcp(1234, b"x y\r\n", b"\r\n") == b"Error.\r\n"

    return drive


def _streaming(s: Session) -> None:
    server = s.start(CORE + "streaming.py")
    server.wait_port(1234)
    with c.connect(1234) as sock:
        assert c.read_until(sock, b"\r\n") == b"How many random integers do you want?\r\n"
        sock.sendall(b"20000\r\n")
        numbers = _lines(c.read_until(sock, None))
    assert len(numbers) == 20000 and all(0 <= int(n) < 10000 for n in numbers)
    server.wait_output("Client requested 20000 random integers!")


def _stdin(s: Session) -> None:
    proc = s.start(CORE + "stdin.py", stdin=True)
    proc.wait_output(">>> ")
    proc.send(b"first line\n")
    proc.wait_output("Echo: first line")
    proc.send(b"second line\n")
    proc.wait_output("Echo: second line\n>>> ")
    assert proc.out.startswith(">>> Echo: first line\n>>> Echo: second line\n>>> "), proc.out


def _stdiodemo(s: Session) -> None:
    with c.serve_hello() as url:
        proc = s.start(CORE + "stdiodemo.py", stdin=True)
        proc.wait_output("Web checker console. Type 'help' for help.")
        proc.send(b"help\n")
        proc.wait_output("Valid commands: check help quit")
        proc.send(f"check {url}\n".encode())
        proc.wait_output("Success: got 5 bytes.")
        proc.send(b"bogus\n")
        proc.wait_output("Error: no such command.")
        proc.send(b"quit\n")
        proc.wait_output("Goodbye.")
        assert proc.wait() == 0, proc.describe()


def _blockingdemo(s: Session) -> None:
    # The reactor interleaved with a "foreign" loop (a Queue the example drains itself).
    proc = s.run(CORE + "threadedselect/blockingdemo.py")
    assert proc.out.splitlines() == [
        "starting",
        "setting up a 1sec callback",
        "getting a deferred",
        "twisted is still running",
        "deferred called back",
        "got the deferred: got it!",
        "stopping",
        "stopped",
    ], proc.describe()


def _testlogging(s: Session) -> None:
    proc = s.run(CORE + "testlogging.py")
    out = proc.out
    assert "printed 1" in out and "printed 2" in out and "printed 3" in out, proc.describe()
    # Logging to stdout starts between the second and third rounds.
    assert "message 2" not in out and "message 3" in out, proc.describe()
    assert "RuntimeError: error 3" in out, proc.describe()


def _rotatinglog(s: Session) -> None:
    # The example logs to /tmp/test.log (a fixed path): look at what it wrote there.
    s.run(CORE + "rotatinglog.py")
    current = Path("/tmp/test.log").read_text()
    rotated = Path("/tmp/test.log.1").read_text()
    assert "goodbye" in current and "this is a test" not in current, current
    assert "this is a test of the logfile: 9" in rotated, rotated


def _filewatch(s: Session) -> None:
    watched = s.path(CORE) / "watched.txt"
    watched.write_text("first\n")
    proc = s.start(CORE + "filewatch.py", str(watched))
    proc.wait_output("first")
    with watched.open("a") as f:
        f.write("second\n")
    proc.wait_output("second")


def _sendfd(s: Session) -> None:
    sock = str(s.path(CORE) / "sendfd.sock")
    content = s.path(CORE) / "content.txt"
    content.write_text("the descriptor's file\n")
    server = s.start(CORE + "sendfd.py", sock, str(content))
    server.wait_output("Log opened")
    for _ in range(200):
        if os.path.exists(sock):
            break
        server.wait_output("Log opened", timeout=0.05)
    client = s.run(CORE + "recvfd.py", sock, timeout=CLIENT_TIMEOUT)
    assert "from the server." in client.out, client.describe()
    assert "the descriptor's file" in client.out, client.describe()


def _ptyserv(s: Session) -> None:
    server = s.start(CORE + "ptyserv.py")
    server.wait_port(5823)
    reply = c.tcp(5823, b"echo pty-$((6*7))\nexit\n", b"pty-42")
    assert b"pty-42" in reply, reply


def _twistd_logging(s: Session) -> None:
    proc = s.start(CORE + "twistd-logging.tac", kind="run")
    log = s.path(CORE) / "twistd-logging.log"
    for _ in range(100):
        if log.exists() and "A log message" in log.read_text():
            break
        try:
            proc.wait_output("never printed", timeout=0.1)
        except AssertionError:
            assert proc.popen.poll() is None, proc.describe()
    assert "Got a log!" in log.read_text() and "A log message" in log.read_text()


def _postfix(s: Session) -> None:
    server = s.start(CORE + "postfix.py", "alias=alice@example.com", "empty")
    server.wait_port(4242)
    # The example fills its dict from sys.argv (str keys) while keys arrive as bytes: under
    # Twisted 26.10 too, every lookup answers "500" (no entry).
    with c.connect(4242) as sock:
        sock.sendall(b"get alias\nget nobody\nput x y\nfrob\nget\n")
        answers = b"500 \n500 \n500 put is not implemented yet.\n400 unknown command\n"
        answers += b"400 Command 'get' takes 1 parameters.\n"
        assert c.read_until(sock, b"parameters.\n") == answers


def _simple_tac(s: Session) -> None:
    server = s.start(CORE + "simple.tac", kind="run")
    server.wait_port(8080)
    server.wait_port(8081)
    assert c.tcp(8080, b"echo me\n", b"\n") == b"echo me\n"  # wire.Echo
    server.wait_output("lala, starting")
    server.wait_output("--MARK--")  # the TimerService
    server.wait_output("b'lalala\\n'")  # the TCPClient's Foo, echoed by port 8081


def _shaper(s: Session) -> None:
    server = s.start(CORE + "shaper.py")
    server.wait_port(8000)
    # A Site over /var/www whose connections are shaped by htb buckets: whatever the folder
    # holds here (usually nothing: 404), the answer comes through the shaped transport whole.
    status, headers, body = c.http_get(8000, "/")
    assert status in (200, 404), (status, body)
    assert len(body) == int(headers.get("content-length", len(body))), (headers, body)


def _udpbroadcast(s: Session) -> None:
    proc = s.start(CORE + "udpbroadcast.py", kind="run")
    proc.wait_output("SEND PING")
    proc.wait_output("RECV PONG")


def _tls_alpn(s: Session) -> None:
    import subprocess

    folder = s.path(CORE)
    # As the example's docstring says: a key and a self-signed certificate in the working
    # directory, made with openssl; with the name as a subjectAltName too, which Twisted's
    # name check (service_identity) requires, as does twistio's on pyOpenSSL under the alias.
    subprocess.run(
        ["openssl", "req", "-new", "-newkey", "rsa:2048", "-days", "3", "-nodes", "-x509",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", "server-key.pem", "-out", "server-cert.pem"],
        cwd=folder, check=True, capture_output=True,
    )  # fmt: skip
    server = s.start(CORE + "tls_alpn_server.py")
    server.wait_port(8080)
    client = s.run(CORE + "tls_alpn_client.py")
    assert "Next protocol is: b'h2'" in client.out, client.describe()
    server.wait_output("b'h2'")


def _pb1(s: Session) -> None:
    server = s.start(LISTINGS + "pb/pb1server.py")
    server.wait_port(8800)
    client = s.start(LISTINGS + "pb/pb1client.py")  # runs until stopped
    server.wait_output("Two.three was given 12")
    client.wait_output("telling it to do three(12)")


def _pb2(s: Session) -> None:
    server = s.start(LISTINGS + "pb/pb2server.py")
    server.wait_port(8800)
    s.start(LISTINGS + "pb/pb2client.py")  # runs until stopped
    server.wait_output("One.checkTwo(): our twos are the same")


def _pb3(s: Session) -> None:
    server = s.start(LISTINGS + "pb/pb3server.py")
    server.wait_port(8800)
    client = s.start(LISTINGS + "pb/pb3client.py")  # runs until stopped
    client.wait_output("Two.print() called with 12")
    server.wait_output("telling it to print(12)")


def _pb_exc(s: Session) -> None:
    server = s.start(LISTINGS + "pb/exc_server.py")
    server.wait_port(8800)
    client = s.run(LISTINGS + "pb/exc_client.py", timeout=CLIENT_TIMEOUT)
    assert "got remote Exception" in client.out, client.describe()
    assert ".getErrorMessage() = fall down go boom" in client.out, client.describe()
    assert ".type = b'__main__.MyError'" in client.out, client.describe()


def _pb_trap(s: Session) -> None:
    server = s.start(LISTINGS + "pb/trap_server.py")
    server.wait_port(8800)
    # The client makes its calls one a second and stops after six.
    client = s.run(LISTINGS + "pb/trap_client.py", timeout=CLIENT_TIMEOUT + 10)
    out = client.out
    assert "callOne: call with safe object\n method successful, response: response" in out, (
        client.describe()
    )
    # The remote pb.Error comes back as a CopiedFailure; under Twisted 26.10 too, trapping
    # it with the local class does not match, so the example's catch-all prints.
    assert "callThree: call that raises remote exception\n something else happened" in out, (
        client.describe()
    )
    assert " stale reference: the client disconnected or crashed" in out, client.describe()


def _pbsimple(s: Session) -> None:
    server = s.start(CORE + "pbsimple.py")
    server.wait_port(8789)
    client = s.run(CORE + "pbsimpleclient.py", timeout=CLIENT_TIMEOUT)
    assert "server echoed: hello network" in client.out, client.describe()
    server.wait_output("echoing: hello network")


def _bananabench(s: Session) -> None:
    # Six data sets, each encoded and decoded 10000 times by banana.Banana over a FileWrapper.
    proc = s.run(CORE + "bananabench.py", timeout=120)
    out = proc.out
    assert out.startswith("Doing 10000 iterations of each test.\n"), proc.describe()
    assert out.count("  Using Pure Python Banana:\n") == 6, proc.describe()
    assert len(re.findall(r"^    Encode took [0-9.e-]+ seconds$", out, re.M)) == 6, proc.describe()
    assert len(re.findall(r"^    Decode took [0-9.e-]+ seconds$", out, re.M)) == 6, proc.describe()
    last = "[1, 2, [3, 4], [30.5, 40.2], 5, [b'six', b'seven', [b'eight', 9]], [10], []]"
    assert f"Test data is: {last}\n" in out, proc.describe()
    assert "Traceback" not in proc.err, proc.describe()


def _pb_exceptions(s: Session) -> None:
    # Server and client in one process on an ephemeral port: the avatar's ZeroDivisionError is
    # logged for the peer on the server side and arrives at the client as a remote traceback.
    # The example never stops, under Twisted 26.10 too (its addBoth(lambda: reactor.stop())
    # takes no argument, so the stop raises TypeError): it is stopped once both are shown.
    proc = s.start(CORE + "pb_exceptions.py")
    proc.wait_output("Peer will receive following PB traceback:")
    proc.wait_output("ZeroDivisionError: division by zero")
    proc.wait_output("Traceback from remote host -- builtins.ZeroDivisionError: division by zero")


def _pbbench(s: Session) -> None:
    # Both run forever, printing calls per second: stopped after their first real reports.
    server = s.start(CORE + "pbbenchserver.py")
    server.wait_port(8787)
    client = s.start(CORE + "pbbenchclient.py")
    client.wait_match(r"^cps: [1-9][0-9]*$")
    server.wait_match(r"^\(s\) cps: [1-9][0-9]*$")


def _pbinterop(s: Session) -> None:
    # The example is a server only; hosts/pbinterop_client.py calls each of its methods.
    server = s.start(CORE + "pbinterop.py")
    server.wait_port(8789)
    client = s.run(str(HOSTS / "pbinterop_client.py"), timeout=CLIENT_TIMEOUT)
    assert client.out.splitlines() == [
        "int: 1",
        "string: 'string'",
        "unicode: 'string'",
        "float: 1.5",
        "list: [1, 2, 3]",
        "dict: {1: 2}",
        "recursive: contains itself True",
        "reference: True",
        "receive: None",
        "self: None",
        "server called hello",
        "done",
    ], client.describe()


CORE_ENTRIES: list[Entry] = [
    Support(CORE + "ampclient.py", (CORE + "ampserver.py",), "client run against ampserver"),
    Run(CORE + "ampserver.py", _amp, (1234,), (CORE + "ampclient.py",)),
    Run(CORE + "bananabench.py", _bananabench),
    Run(CORE + "chatserver.py", _chatserver, (1025,)),
    OutOfScope(
        CORE + "courier.py",
        "a filter for the Courier mail server: needs Courier's "
        "/var/lib/courier folders and the descriptor it hands over",
    ),
    Run(CORE + "cred.py", _cred, (4738,)),
    OutOfScope(CORE + "dbcred.py", "needs a PostgreSQL database (and imports twisted.spread)"),
    Support(CORE + "echoclient.py", (CORE + "echoserv.py",), "client run against echoserv"),
    Support(CORE + "echoclient_ssl.py", (CORE + "echoserv_ssl.py",)),
    Support(CORE + "echoclient_udp.py", (CORE + "echoserv_udp.py",)),
    Run(
        CORE + "echoserv.py",
        _echo_server("echoserv.py"),
        (8000,),
        (CORE + "simpleclient.py", CORE + "echoclient.py"),
    ),
    Run(
        CORE + "echoserv_ssl.py",
        _tls_echo("echoserv_ssl.py", "echoclient_ssl.py"),
        (8000,),
        (CORE + "echoclient_ssl.py", CORE + "server.pem", CORE + "public.pem"),
    ),
    Run(CORE + "echoserv_udp.py", _echo_udp, (), (CORE + "echoclient_udp.py",), udp=(8000,)),
    Run(CORE + "filewatch.py", _filewatch),
    OutOfScope(CORE + "ftpclient.py", FTP),
    OutOfScope(CORE + "ftpserver.py", FTP),
    Support(CORE + "index.rst", (), "the folder's index page"),
    Run(CORE + "longex.py", _longex("longex.py"), (1234,)),
    Run(CORE + "longex2.py", _longex("longex2.py"), (1234,)),
    Run(CORE + "pb_exceptions.py", _pb_exceptions),
    Support(CORE + "pbbenchclient.py", (CORE + "pbbenchserver.py",), "client run against it"),
    Run(CORE + "pbbenchserver.py", _pbbench, (8787,), (CORE + "pbbenchclient.py",)),
    OutOfScope(CORE + "pbecho.py", PB_STR_PASSWORD),
    OutOfScope(CORE + "pbechoclient.py", PB_STR_PASSWORD),
    OutOfScope(CORE + "pbgtk2.py", GUI + " (GTK 2)"),
    Support(CORE + "pbgtk2login.glade", (CORE + "pbgtk2.py",)),
    Run(CORE + "pbinterop.py", _pbinterop, (8789,)),
    Run(CORE + "pbsimple.py", _pbsimple, (8789,), (CORE + "pbsimpleclient.py",)),
    Support(CORE + "pbsimpleclient.py", (CORE + "pbsimple.py",), "client run against pbsimple"),
    Run(CORE + "postfix.py", _postfix, (4242,)),
    Run(CORE + "ptyserv.py", _ptyserv, (5823,)),
    Support(CORE + "public.pem", (CORE + "ssl_clientauth_client.py",)),
    Support(CORE + "pyui_bg.png", (CORE + "pyuidemo.py",)),
    OutOfScope(CORE + "pyuidemo.py", GUI + " (PyUI)"),
    Support(CORE + "recvfd.py", (CORE + "sendfd.py",), "client run against sendfd"),
    Run(CORE + "rotatinglog.py", _rotatinglog),
    Run(CORE + "sendfd.py", _sendfd, (), (CORE + "recvfd.py",)),
    Support(CORE + "server.pem", (CORE + "echoserv_ssl.py",)),
    Run(CORE + "shaper.py", _shaper, (8000,)),
    OutOfScope(
        CORE + "shoutcast.py",
        "twisted.protocols.shoutcast is not provided by twistio (and it needs a Shoutcast server)",
    ),
    Run(CORE + "simple.tac", _simple_tac, (8080, 8081)),
    Support(CORE + "simpleclient.py", (CORE + "echoserv.py", CORE + "simpleserv.py")),
    Run(
        CORE + "simpleserv.py",
        _echo_server("simpleserv.py"),
        (8000,),
        (CORE + "simpleclient.py", CORE + "echoclient.py"),
    ),
    Support(CORE + "ssl_clientauth_client.py", (CORE + "ssl_clientauth_server.py",)),
    Run(
        CORE + "ssl_clientauth_server.py",
        _tls_echo("ssl_clientauth_server.py", "ssl_clientauth_client.py"),
        (8000,),
        (CORE + "ssl_clientauth_client.py",),
    ),
    Support(CORE + "starttls_client.py", (CORE + "starttls_server.py",)),
    Run(CORE + "starttls_server.py", _starttls, (8000,), (CORE + "starttls_client.py",)),
    Run(CORE + "stdin.py", _stdin),
    Run(CORE + "stdiodemo.py", _stdiodemo),
    Run(CORE + "streaming.py", _streaming, (1234,)),
    Run(CORE + "testlogging.py", _testlogging),
    OutOfScope(CORE + "tkinterdemo.py", GUI + " (Tk)"),
    Support(CORE + "tls_alpn_client.py", (CORE + "tls_alpn_server.py",)),
    Run(CORE + "tls_alpn_server.py", _tls_alpn, (8080,), (CORE + "tls_alpn_client.py",)),
    Run(CORE + "twistd-logging.tac", _twistd_logging),
    Run(CORE + "udpbroadcast.py", _udpbroadcast, udp=(8555,)),
    OutOfScope(CORE + "wxacceptance.py", GUI + " (wxPython)"),
    OutOfScope(CORE + "wxdemo.py", GUI + " (wxPython)"),
    Support(CORE + "threadedselect/README", (CORE + "threadedselect/blockingdemo.py",)),
    Run(CORE + "threadedselect/blockingdemo.py", _blockingdemo),
    OutOfScope(CORE + "threadedselect/pygamedemo.py", GUI + " (pygame)"),
]
for _name in ("README.txt", "Twistzilla.py", "setup.py",
              "English.lproj/MainMenu.nib/classes.nib", "English.lproj/MainMenu.nib/info.nib",
              "English.lproj/MainMenu.nib/keyedobjects.nib"):  # fmt: skip
    CORE_ENTRIES.append(
        OutOfScope(CORE + "threadedselect/Cocoa/SimpleWebClient/" + _name, GUI + " (Cocoa)")
    )


# -- core/howto/listings -----------------------------------------------------------------------

BROKEN = "fails the same way under Twisted 26.10 itself"
MULTICAST = (
    "needs multicast delivery between processes on this host, which the test machines' "
    "network does not give (the server never hears the client's ping under Twisted either)"
)
EXTERNAL = "talks to a host on the Internet (or the local network) it names itself"


def _imports(relative: str) -> Callable[[Session], None]:
    """A listing that only defines names for the howto's text: it must import and run."""

    def drive(s: Session) -> None:
        proc = s.run(relative)
        assert "Traceback" not in proc.err, proc.describe()

    return drive


def _logger_json(s: Session) -> None:
    # The logger howto's sequence: save events as JSON, then load and analyse them.
    folder = s.path(LISTINGS + "logger")
    proc = s.run(LISTINGS + "logger/saver.py")
    saved = (folder / "log.json").read_text()
    assert saved.count("\x1e") == 2 and "Some values: {values!r}" in saved, saved
    proc = s.run(LISTINGS + "logger/loader-math.py")
    assert proc.out.split() == ["6912", "15308"], proc.describe()
    proc = s.run(LISTINGS + "logger/loader.py")
    assert "[saver#info] Some values: [1234, 5678]" in proc.out, proc.describe()
    s.run(LISTINGS + "logger/ad_hoc_save.py")
    proc = s.run(LISTINGS + "logger/offline_analyze.py")
    assert proc.out == "A + B = 7\n", proc.describe()
    proc = s.run(LISTINGS + "logger/loader.py")
    assert "#info] message from <ad_hoc.AdHoc object at" in proc.out, proc.describe()
    assert "where a is 3 and b is 4" in proc.out, proc.describe()


def _online_analyze(s: Session) -> None:
    proc = s.run(LISTINGS + "logger/online_analyze.py")
    assert proc.out == "A + B = 7\n", proc.describe()


def _logsource(s: Session) -> None:
    proc = s.run(LISTINGS + "logger/logsource.py")
    # No observer was set up: the event is buffered and nothing is printed.
    assert proc.out == "", proc.describe()


def _trueandfalse(s: Session) -> None:
    proc = s.run(LISTINGS + "process/trueandfalse.py")
    assert proc.out == "/bin/true exits with rc=0\n/bin/false exits with rc=1\n", proc.describe()


def _process(s: Session) -> None:
    # A Python 2 leftover: it writes str to the child's stdin, which raises TypeError in
    # connectionMade under Twisted 26 as well; the program then runs on, with wc waiting.
    proc = s.start(LISTINGS + "process/process.py")
    proc.wait_output("connectionMade!")
    proc.wait_output("TypeError")


def _chat(s: Session) -> None:
    server = s.start(LISTINGS + "servers/chat.py")
    server.wait_port(8123)
    with c.connect(8123) as a:
        assert c.read_until(a, b"\r\n") == b"What's your name?\r\n"
        a.sendall(b"alice\r\n")
        assert c.read_until(a, b"\r\n") == b"Welcome, alice!\r\n"
        with c.connect(8123) as b:
            c.read_until(b, b"\r\n")
            b.sendall(b"alice\r\n")
            assert c.read_until(b, b"\r\n") == b"Name taken, please choose another.\r\n"
            b.sendall(b"bob\r\n")
            assert c.read_until(b, b"\r\n") == b"Welcome, bob!\r\n"
            b.sendall(b"hi alice\r\n")
            assert c.read_until(a, b"\r\n") == b"<bob> hi alice\r\n"


def _udp_echo(name: str, host: str) -> Callable[[Session], None]:
    def drive(s: Session) -> None:
        server = s.start(LISTINGS + "udp/" + name)
        c.udp_echoed(server, 9999, host)
        server.wait_output("received b'ping' from")

    return drive


def _getting_ip(s: Session) -> None:
    proc = s.run(LISTINGS + "udp/getting_ip.py")
    assert proc.out == "IP of 'localhost' is 127.0.0.1\n", proc.describe()


def _trial(module: str, expect: str) -> Callable[[Session], None]:
    def drive(s: Session) -> None:
        temp = f"_trial_temp_{module}"
        proc = s.start(LISTINGS + "trial", f"--temp-directory={temp}", f"calculus.test.{module}",
                       kind="trial")  # fmt: skip
        proc.wait()
        assert expect in proc.out, proc.describe()

    return drive


def _quotetap2(s: Session) -> None:
    # hosts/quotetap2_host.tac does what twistd does with the plugin: Options, makeService.
    # Its PB port serves pbquote.QuoteReader over quoters.StaticQuoter; pbquoteclient asks it.
    server = s.start(
        str(HOSTS / "quotetap2_host.tac"), kind="run", env={"PYTHONPATH": str(s.path(LISTINGS))}
    )
    server.wait_port(8787)
    client = s.run(QUOTES + "pbquoteclient.py", timeout=CLIENT_TIMEOUT)
    assert client.out == "A quote over PB.\n", client.describe()


QUOTES = LISTINGS + "TwistedQuotes/"
CALC = LISTINGS + "trial/calculus/"
LISTINGS_ENTRIES: list[Entry] = [
    Support(QUOTES + "__init__.py", (QUOTES + "quotetap.py",), "package marker"),
    Support(QUOTES + "pbquote.py", (QUOTES + "quotetap2.py",), "imported by quotetap2"),
    Support(QUOTES + "pbquoteclient.py", (QUOTES + "quotetap2.py",), "client run against it"),
    Run(QUOTES + "quoteproto.py", _imports(QUOTES + "quoteproto.py")),
    Support(
        QUOTES + "quoters.py", (QUOTES + "quotetap.py", QUOTES + "quotetap2.py"), "imported by both"
    ),
    Support(QUOTES + "quotes.txt", (QUOTES + "webquote.rpy",), "data"),
    OutOfScope(
        QUOTES + "quotetap.py",
        "a twistd plugin's options and makeService: loaded by "
        "twistd's plugin system (a twisted/plugins entry), not run by itself",
    ),
    Run(
        QUOTES + "quotetap2.py",
        _quotetap2,
        (8787,),
        (QUOTES + "pbquoteclient.py",),
    ),
    OutOfScope(
        QUOTES + "webquote.rpy",
        BROKEN + " (imports TwistedQuotes.webquoteresource, which the docs do not ship)",
    ),
    Support(
        LISTINGS + "amp/basic_client.py",
        (LISTINGS + "amp/basic_server.tac",),
        "client run against basic_server.tac",
    ),
    Run(
        LISTINGS + "amp/basic_server.tac",
        lambda s: _amp_basic(s),
        (8750,),
        (LISTINGS + "amp/basic_client.py",),
    ),
    OutOfScope(
        LISTINGS + "amp/command_client.py",
        BROKEN + " (it names its AMP arguments with text: TypeError, Argument names must be "
        "byte strings)",
    ),
    Run(LISTINGS + "application/service.tac", lambda s: _service_tac(s), (8080,)),
    Run(LISTINGS + "cred/pop3_server.py", _imports(LISTINGS + "cred/pop3_server.py")),
    Run(
        LISTINGS + "deferred/synch-validation.py",
        _imports(LISTINGS + "deferred/synch-validation.py"),
    ),
    Support(
        LISTINGS + "logger/ad_hoc.py",
        (LISTINGS + "logger/ad_hoc_save.py",),
        "imported by ad_hoc_save and online_analyze",
    ),
    Run(
        LISTINGS + "logger/ad_hoc_save.py",
        _logger_json,
        (),
        (
            LISTINGS + "logger/saver.py",
            LISTINGS + "logger/loader.py",
            LISTINGS + "logger/loader-math.py",
            LISTINGS + "logger/offline_analyze.py",
        ),
    ),
    Support(
        LISTINGS + "logger/analyze.py",
        (LISTINGS + "logger/online_analyze.py",),
        "imported by online_analyze and offline_analyze",
    ),
    Support(LISTINGS + "logger/loader-math.py", (LISTINGS + "logger/ad_hoc_save.py",)),
    Support(LISTINGS + "logger/loader.py", (LISTINGS + "logger/ad_hoc_save.py",)),
    Run(LISTINGS + "logger/logsource.py", _logsource),
    Support(LISTINGS + "logger/offline_analyze.py", (LISTINGS + "logger/ad_hoc_save.py",)),
    Run(LISTINGS + "logger/online_analyze.py", _online_analyze),
    Support(LISTINGS + "logger/saver.py", (LISTINGS + "logger/ad_hoc_save.py",)),
    Run(LISTINGS + "pb/pb1server.py", _pb1, (8800,), (LISTINGS + "pb/pb1client.py",)),
    Support(LISTINGS + "pb/pb1client.py", (LISTINGS + "pb/pb1server.py",), "its client"),
    Run(LISTINGS + "pb/pb2server.py", _pb2, (8800,), (LISTINGS + "pb/pb2client.py",)),
    Support(LISTINGS + "pb/pb2client.py", (LISTINGS + "pb/pb2server.py",), "its client"),
    Run(LISTINGS + "pb/pb3server.py", _pb3, (8800,), (LISTINGS + "pb/pb3client.py",)),
    Support(LISTINGS + "pb/pb3client.py", (LISTINGS + "pb/pb3server.py",), "its client"),
    Run(LISTINGS + "pb/exc_server.py", _pb_exc, (8800,), (LISTINGS + "pb/exc_client.py",)),
    Support(LISTINGS + "pb/exc_client.py", (LISTINGS + "pb/exc_server.py",), "its client"),
    Run(LISTINGS + "pb/trap_server.py", _pb_trap, (8800,), (LISTINGS + "pb/trap_client.py",)),
    Support(LISTINGS + "pb/trap_client.py", (LISTINGS + "pb/trap_server.py",), "its client"),
    OutOfScope(LISTINGS + "pb/copy2_receiver.py", PB_TWISTD),
    OutOfScope(LISTINGS + "pb/copy2_sender.py", PB_TWISTD),
    OutOfScope(LISTINGS + "pb/copy2_classes.py", PB_TWISTD),
    OutOfScope(LISTINGS + "pb/cache_receiver.py", PB_TWISTD),
    OutOfScope(LISTINGS + "pb/cache_sender.py", PB_TWISTD),
    OutOfScope(LISTINGS + "pb/cache_classes.py", PB_TWISTD),
    *(
        OutOfScope(LISTINGS + "pb/" + name, PB_STR_PASSWORD)
        for name in (
            "chatclient.py",
            "chatserver.py",
            "pb5client.py",
            "pb5server.py",
            "pb6client1.py",
            "pb6client2.py",
            "pb6server.py",
            "pbAnonClient.py",
            "pbAnonServer.py",
        )
    ),  # fmt: skip
    OutOfScope(LISTINGS + "pb/pb4client.py", PB_REMOVED),
    OutOfScope(LISTINGS + "pb/pb7client.py", PB_REMOVED),
    OutOfScope(LISTINGS + "pb/copy_receiver.tac", PB_TWISTD),
    OutOfScope(LISTINGS + "pb/copy_sender.py", PB_TWISTD),
    OutOfScope(
        LISTINGS + "positioning/nmealogger.py",
        "needs a GPS device on a serial port (twisted.internet.serialport is not provided by "
        "twistio); twistio.positioning itself runs Twisted's test_nmea",
    ),
    Run(LISTINGS + "process/process.py", _process),
    OutOfScope(LISTINGS + "process/quotes.py", BROKEN + " (Python 2 code: imports cStringIO)"),
    Run(LISTINGS + "process/trueandfalse.py", _trueandfalse),
    OutOfScope(
        LISTINGS + "sendmsg/copy_descriptor.py", "twisted.python.sendmsg is not provided by twistio"
    ),
    OutOfScope(
        LISTINGS + "sendmsg/send_replacement.py",
        "twisted.python.sendmsg is not provided by twistio",
    ),
    Run(LISTINGS + "servers/chat.py", _chat, (8123,)),
    OutOfScope(
        LISTINGS + "ssl/check_echo_certificate.py",
        BROKEN + " (it reads server.pem as "
        "text, and the file's non-ASCII comment fails the certificate's decoding)",
    ),
    OutOfScope(
        LISTINGS + "ssl/check_server_certificate.py",
        EXTERNAL + " (a publicly trusted certificate on port 443)",
    ),
    OutOfScope(LISTINGS + "ssl/wrapped_client.py", EXTERNAL + " (port 443)"),
    Support(LISTINGS + "systemd/www.example.com.socket", (), "a systemd unit file"),
    Support(
        LISTINGS + "systemd/www.example.com.socketactivated.service", (), "a systemd unit file"
    ),
    Support(LISTINGS + "systemd/www.example.com.static.service", (), "a systemd unit file"),
    Support(CALC + "__init__.py", (), "package marker"),
    Support(CALC + "test/__init__.py", (), "package marker"),
    OutOfScope(LISTINGS + "udp/MulticastClient.py", MULTICAST),
    Support(LISTINGS + "udp/MulticastCommon.py", (LISTINGS + "udp/MulticastClient.py",)),
    OutOfScope(LISTINGS + "udp/MulticastServer.py", MULTICAST),
    Run(
        LISTINGS + "udp/adopt_datagram_port.py",
        _udp_echo("adopt_datagram_port.py", "127.0.0.1"),
        udp=(9999,),
    ),
    Run(LISTINGS + "udp/basic_example.py", _udp_echo("basic_example.py", "127.0.0.1"), udp=(9999,)),
    OutOfScope(LISTINGS + "udp/connected_udp.py", EXTERNAL + " (192.168.1.1)"),
    Run(LISTINGS + "udp/getting_ip.py", _getting_ip),
    Run(LISTINGS + "udp/ipv6_listen.py", _udp_echo("ipv6_listen.py", "::1"), udp=(9999,)),
]
for _module, _expect in {
    "base_1": "FAILED (failures=4)", "base_2": "PASSED (successes=4)",
    "base_3": "PASSED (successes=8)",
    "client_1": "PASSED (successes=4)", "client_2": "PASSED (successes=5)",
    "client_3": "PASSED (successes=6)",
    "remote_1": "PASSED (successes=4)", "remote_2": "PASSED (successes=4)",
}.items():  # fmt: skip
    LISTINGS_ENTRIES.append(
        Support(CALC + f"{_module}.py", (CALC + f"test/test_{_module}.py",), "code under test")
    )
for _module, _expect in {
    "base_1": "FAILED (failures=4)", "base_2": "PASSED (successes=4)",
    "base_2b": "PASSED (successes=4)", "base_3": "PASSED (successes=8)",
    "client_1": "PASSED (successes=4)", "client_2": "PASSED (successes=5)",
    "client_3": "PASSED (successes=6)", "client_4": "PASSED (successes=6)",
    "remote_1": "PASSED (successes=4)", "remote_2": "PASSED (successes=4)",
    "remote_3": "PASSED (successes=5)",
}.items():  # fmt: skip
    LISTINGS_ENTRIES.append(
        Run(CALC + f"test/test_{_module}.py", _trial(f"test_{_module}", _expect))
    )


def _amp_basic(s: Session) -> None:
    server = s.start(LISTINGS + "amp/basic_server.tac", kind="run")
    server.wait_port(8750)
    client = s.run(LISTINGS + "amp/basic_client.py")
    assert "Starting factory" in client.out + client.err, client.describe()


def _service_tac(s: Session) -> None:
    server = s.start(LISTINGS + "application/service.tac", kind="run")
    server.wait_port(8080)
    status, _, body = c.http_get(8080, "/service.tac")
    assert status == 200 and b'application = service.Application("Demo application")' in body


# -- web/examples and web/howto/listings ------------------------------------------------------


def _rpy(folder: str, name: str, check: Callable[[int, str], None]) -> Callable[[Session], None]:
    """A .rpy script served as ``twistd web --path FOLDER`` serves it, on a free port."""

    def drive(s: Session) -> None:
        port = free_port()
        server = s.start(folder, "--listen", f"tcp:{port}:interface=127.0.0.1", kind="web")
        server.wait_port(port)
        check(port, name)

    return drive


def _get(port: int, name: str) -> bytes:
    status, _, body = c.http_get(port, "/" + name)
    assert status == 200, (status, body)
    return body


def _hello(port: int, name: str) -> None:
    body = _get(port, name)
    assert body.startswith(b"<HTML><HEAD><TITLE>Hello Rpy</TITLE>"), body
    assert b"<LI>0<LI>1<LI>2<LI>3<LI>4<LI>5<LI>6<LI>7<LI>8<LI>9</UL>" in body, body


def _report(port: int, name: str) -> None:
    body = _get(port, name)
    assert b"The path to me is b'/report.rpy'" in body, body
    assert f"The port I'm on is {port}".encode() in body, body
    assert b"I was accessed insecurely" in body, body
    assert f"A URL to me is b'http://127.0.0.1:{port}/report.rpy'".encode() in body, body


def _xmlquote(port: int, name: str) -> None:
    import xmlrpc.client

    proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlquote.rpy")
    assert proxy.quote() == "What are you talking about, William?"


def _render(name: str, expected: str) -> Callable[[Session], None]:
    """A template listing printing the flattened bytes; the docs ship the expected output."""

    def drive(s: Session) -> None:
        import ast

        proc = s.run(WEBLISTINGS + name)
        printed = ast.literal_eval(proc.out.strip())
        want = (s.path(WEBLISTINGS) / expected).read_bytes()
        assert printed.split() == want.split(), (printed, want)

    return drive


def _wait_for_it(s: Session) -> None:
    # Broken under Twisted 26.10 too: it flattens into sys.stdout.write, which takes str,
    # so the render fails once the Deferred fires; both report it as an unhandled error.
    proc = s.run(WEBLISTINGS + "wait_for_it.py")
    lines = proc.out.splitlines()
    assert lines[:3] == [
        "[[[Rendering the template.]]]",
        "[[[In progress... now firing the Deferred.]]]",
        "[[[All done.]]]",
    ], proc.describe()
    assert "Unhandled error in Deferred:" in proc.err, proc.describe()
    assert "write() argument must be str, not bytes" in proc.err, proc.describe()


def _xmlrpc_server(relative: str) -> Callable[[Session], None]:
    def drive(s: Session) -> None:
        import xmlrpc.client

        server = s.start(relative)
        server.wait_port(7080)
        proxy = xmlrpc.client.ServerProxy("http://127.0.0.1:7080/")
        if relative.endswith("xmlrpcserver.py"):
            assert proxy.echo("hello", 2) == ["hello", 2]
            assert proxy.hello() == "hello, world!"
            assert proxy.defer() == "hello"
            faults = {}
            for method in ("fail", "defer_fail"):
                try:
                    getattr(proxy, method)()
                except xmlrpc.client.Fault as f:
                    faults[method] = (f.faultCode, f.faultString)
            assert faults["fail"] == (7, "Out of cheese."), faults
            assert faults["defer_fail"][0] == 8002, faults  # FAILURE: an unexpected error
        else:
            assert proxy.echo("hello") == "hello"
            assert proxy.add(2, 3) == 5
            try:
                proxy.nothere()
            except xmlrpc.client.Fault as f:
                assert "procedure nothere not found" in f.faultString, f
            else:
                raise AssertionError("no fault")

    return drive


def _webguard(s: Session) -> None:
    import subprocess

    server = s.start(WEB + "webguard.py")
    server.wait_port(8889)
    url = "http://127.0.0.1:8889/"
    status, headers, _ = c.http_get(8889, "/")
    assert status == 401 and headers["WWW-Authenticate"].startswith("digest "), headers

    def fetch(password: str) -> tuple[str, bytes]:
        # curl, since urllib refuses the lower-case algorithm name "md5" Twisted sends.
        done = subprocess.run(
            ["curl", "-s", "--digest", "-u", f"joe:{password}", "-w", "\n%{http_code}", url],
            capture_output=True, timeout=c.TIMEOUT, check=True,
        )  # fmt: skip
        body, _, code = done.stdout.rpartition(b"\n")
        return code.decode(), body

    assert fetch("blow") == ("200", b"Authorized!")
    assert fetch("wrong")[0] == "401"


def _proxy(name: str) -> Callable[[Session], None]:
    def drive(s: Session) -> None:
        with c.serve_hello(b"proxied body") as url:
            server = s.start(WEB + name)
            server.wait_port(8080)
            status, _, body = c.http_get(8080, url)  # an absolute URI: a proxy request
            assert status == 200 and body == b"proxied body", (status, body)

    return drive


def _httpclient(s: Session) -> None:
    with c.serve_hello(b"client body") as url:
        proc = s.run(WEB + "httpclient.py", url)
    assert "'code': 200," in proc.out and "'length': 11," in proc.out, proc.describe()
    assert "The response body will consist of 11 bytes." in proc.out, proc.describe()
    assert "Got some: b'client body'\nResponse done" in proc.out, proc.describe()


def _web_py(s: Session) -> None:
    static = s.path(WEB) / "static"
    static.mkdir(exist_ok=True)
    (static / "index.html").write_text("static index")
    (static / "page.rpy").write_text(
        "from twisted.web import static\nresource = static.Data(b'from rpy', 'text/plain')\n"
    )
    server = s.start(WEB + "web.py")
    server.wait_port(1999)
    status, _, body = c.http_get(1999, "/")
    assert status == 200 and body == b"static index", body
    status, _, body = c.http_get(1999, "/page.rpy")
    assert status == 200 and body == b"from rpy", body
    status, _, body = c.http_get(1999, "/vhost/http/example.com:81/page.rpy")
    assert status == 200 and body == b"from rpy", body


def _silly_web(s: Session) -> None:
    # A front site whose root is a distrib.ResourceSubscription to a publisher of ./static
    # on the UNIX socket ./.rp, both in one process.
    static = s.path(WEB) / "static"
    static.mkdir(exist_ok=True)
    (static / "index.html").write_text("static index")
    server = s.start(WEB + "silly-web.py")
    server.wait_port(19988)
    status, _, body = c.http_get(19988, "/")
    assert status == 200 and body == b"static index", body
    status, _, body = c.http_get(19988, "/index.html")
    assert status == 200 and body == b"static index", body


def _websocket(s: Session) -> None:
    server = s.start(WEB + "websocket", "--listen", "tcp:8080:interface=127.0.0.1", kind="web")
    server.wait_port(8080)
    client = s.start(WEB + "websocket/websocket-client.py")
    client.wait_output("connected!")
    client.wait_output("received text: 'reply to hello, world!'")
    client.wait_output("received text: 'heartbeat 1'")


WEB_ENTRIES: list[Entry] = [
    OutOfScope(WEB + "advogato.py", EXTERNAL + " (advogato.org)"),
    OutOfScope(WEB + "dlpage.py", BROKEN + " (twisted.web.client.downloadPage was removed)"),
    OutOfScope(WEB + "fortune.rpy", "needs the fortune program (/usr/games/fortune)"),
    OutOfScope(WEB + "getpage.py", BROKEN + " (twisted.web.client.getPage was removed)"),
    Run(WEB + "hello.rpy", _rpy(WEB, "hello.rpy", _hello)),
    Run(WEB + "httpclient.py", _httpclient),
    Support(WEB + "index.rst", (), "the folder's index page"),
    OutOfScope(
        WEB + "logging-proxy.py",
        BROKEN + " (it looks up the str 'host' in getAllHeaders(), whose keys are bytes)",
    ),
    Run(WEB + "proxy.py", _proxy("proxy.py"), (8080,)),
    Run(WEB + "report.rpy", _rpy(WEB, "report.rpy", _report)),
    OutOfScope(WEB + "reverse-proxy.py", EXTERNAL + " (www.yahoo.com)"),
    OutOfScope(
        WEB + "rootscript.py",
        "serves /var/www/html/ on port 80 for the host "
        "example.com: needs root and a hosts-file entry",
    ),
    Run(WEB + "silly-web.py", _silly_web, (19988,)),
    Support(WEB + "simple.rtl", (), "a template of the old woven system, used by no example"),
    OutOfScope(
        WEB + "users.rpy",
        "a distrib.UserDirectory of the machine's real users (their home folders and "
        "~/.twistd-web-pb sockets): tests/web/test_distrib.py covers it with a fake user table",
    ),
    Run(WEB + "web.py", _web_py, (1999,)),
    Run(WEB + "webguard.py", _webguard, (8889,)),
    OutOfScope(WEB + "xmlrpc-debug.py", EXTERNAL + " (bugzilla.redhat.com)"),
    OutOfScope(WEB + "xmlrpcclient.py", EXTERNAL + " (advogato.org and others)"),
    Run(WEB + "xmlrpcserver.py", _xmlrpc_server(WEB + "xmlrpcserver.py"), (7080,)),
    Support(
        WEB + "websocket/index.html",
        (WEB + "websocket/websocket-server.rpy",),
        "the page a browser loads",
    ),
    Support(
        WEB + "websocket/websocket-browser-client.js",
        (WEB + "websocket/index.html",),
        "a browser's client",
    ),
    Support(WEB + "websocket/websocket-client.py", (WEB + "websocket/websocket-server.rpy",)),
    Run(
        WEB + "websocket/websocket-server.rpy",
        _websocket,
        (8080,),
        (WEB + "websocket/websocket-client.py",),
    ),
]

_RENDERED = {
    "render_1.py": "output-1.html", "render_2.py": "output-2.html",
    "render_3.py": "output-3.html", "render_quoting.py": "quoting-output.html",
    "render_slots_attrs.py": "slots-attributes-output.html",
    "render_transparent.py": "transparent-output.html",
    "iteration-1.py": "iteration-output-1.xml", "subviews-1.py": "subviews-output-1.xml",
}  # fmt: skip
_ELEMENTS = {
    "element_1.py": "render_1.py", "element_2.py": "render_2.py", "element_3.py": "render_3.py",
    "quoting_element.py": "render_quoting.py", "slots_attributes_1.py": "render_slots_attrs.py",
    "transparent_element.py": "render_transparent.py",
}  # fmt: skip
for _script, _output in _RENDERED.items():
    WEB_ENTRIES.append(Run(WEBLISTINGS + _script, _render(_script, _output)))
    WEB_ENTRIES.append(Support(WEBLISTINGS + _output, (WEBLISTINGS + _script,), "expected output"))
for _element, _script in _ELEMENTS.items():
    WEB_ENTRIES.append(Support(WEBLISTINGS + _element, (WEBLISTINGS + _script,), "imported"))
for _template, _users in {
    "template-1.xml": ("element_1.py", "element_2.py", "element_3.py", "quoting_element.py"),
    "iteration-1.xml": ("iteration-1.py",), "subviews-1.xml": ("subviews-1.py",),
    "slots-attributes-1.xml": ("slots_attributes_1.py",),
    "transparent-1.xml": ("transparent_element.py",),
}.items():  # fmt: skip
    WEB_ENTRIES.append(
        Support(WEBLISTINGS + _template, tuple(WEBLISTINGS + u for u in _users), "template")
    )
WEB_ENTRIES += [
    Run(WEBLISTINGS + "wait_for_it.py", _wait_for_it),
    Support(
        WEBLISTINGS + "waited-for-it.html", (WEBLISTINGS + "wait_for_it.py",), "expected output"
    ),
    Support(
        WEBLISTINGS + "waited-for-it.txt", (WEBLISTINGS + "wait_for_it.py",), "expected output"
    ),
    Support(WEBLISTINGS + "webquote.rtl", (), "a template of the old woven system"),
    Run(WEBLISTINGS + "xmlquote.rpy", _rpy(WEBLISTINGS, "xmlquote.rpy", _xmlquote)),
    Run(
        WEBLISTINGS + "xmlrpc-customized.py",
        _xmlrpc_server(WEBLISTINGS + "xmlrpc-customized.py"),
        (7080,),
    ),
    OutOfScope(
        WEBLISTINGS + "client/bytesprod.py",
        "a fragment (a body producer class) used by sendbody.py, which talks to httpbin.org",
    ),
    OutOfScope(WEBLISTINGS + "client/cookies.py", EXTERNAL + " (httpbin.org)"),
    OutOfScope(
        WEBLISTINGS + "client/endpointconstructor.py",
        "talks to a Docker daemon (/var/run/docker.sock)",
    ),
    OutOfScope(WEBLISTINGS + "client/filesendbody.py", EXTERNAL + " (example.com)"),
    OutOfScope(WEBLISTINGS + "client/gzipdecoder.py", EXTERNAL + " (httpbin.org)"),
    OutOfScope(WEBLISTINGS + "client/request.py", EXTERNAL + " (httpbin.com)"),
    OutOfScope(WEBLISTINGS + "client/response.py", EXTERNAL + " (httpbin.com)"),
    OutOfScope(
        WEBLISTINGS + "client/responseBody.py",
        EXTERNAL
        + " (httpbin.org); given a URL argument instead, it "
        + BROKEN
        + " (it passes the str argument where Agent takes bytes)",
    ),
    OutOfScope(WEBLISTINGS + "client/sendbody.py", EXTERNAL + " (httpbin.org)"),
]


ENTRIES: list[Entry] = [*CORE_ENTRIES, *LISTINGS_ENTRIES, *WEB_ENTRIES]


def is_program(entry: Entry, companion: bool = False) -> bool:
    """A program, as opposed to data, a template or a module other examples import.

    A client run by another example's test is a :class:`Support` entry: it is a program
    when ``companion`` says it was run.
    """
    if isinstance(entry, Support) and not companion:
        return False
    return entry.path.endswith((".py", ".tac", ".rpy")) and not entry.path.endswith("__init__.py")


def by_path() -> dict[str, Entry]:
    table: dict[str, Entry] = {}
    for entry in ENTRIES:
        if entry.path in table:
            raise AssertionError(f"{entry.path} is catalogued twice")
        table[entry.path] = entry
    return table


__all__ = [
    "ENTRIES",
    "ORACLE",
    "TWISTED_VERSION",
    "is_program",
    "OutOfScope",
    "Run",
    "Support",
    "by_path",
]
