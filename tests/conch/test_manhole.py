"""A manhole served by ``manhole_tap.makeService``: over telnet (twistio's telnet client)
and over SSH (the OpenSSH client with a pty), it evaluates Python and shows the result; and
what twistio's manhole does where Conch's fails."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from twistio.conch import manhole, manhole_ssh, manhole_tap, telnet
from twistio.conch.insults import helper, insults
from twistio.internet.testing import StringTransport
from twistio.python import usage

from . import _support as S

SSH = shutil.which("ssh")
SSHPASS = shutil.which("sshpass")
TIMEOUT = 20.0


class Manholes:
    def __init__(self, telnetPort: int, sshPort: int, namespace: dict[str, Any]) -> None:
        self.telnetPort, self.sshPort, self.namespace = telnetPort, sshPort, namespace


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> AsyncIterator[Manholes]:
    passwd = tmp_path / "passwd"
    passwd.write_text("alice:secret\nbob:other\n")
    shutil.copy(S.DATA / "id_ed25519", tmp_path / "host.key")
    options = manhole_tap.Options()
    options.parseOptions(["--telnetPort", "tcp:0:interface=127.0.0.1",
                          "--sshPort", "tcp:0:interface=127.0.0.1", "--passwd", str(passwd),
                          "--sshKeyDir", str(tmp_path), "--sshKeyName", "host.key"])
    namespace: dict[str, Any] = {"answer": 42}
    options["namespace"] = namespace
    top = manhole_tap.makeService(options)
    ports: list[Any] = []
    top.startService()
    try:
        for svc in top:
            svc._waitingForPort.addCallback(lambda port: (ports.append(port), port)[1])
        await asyncio.sleep(0)
        for _ in range(100):
            if len(ports) == 2:
                break
            await asyncio.sleep(0.01)
        telnetPort, sshPort = (p.getHost().port for p in ports)
        yield Manholes(telnetPort, sshPort, namespace)
    finally:
        await top.stopService()


class TelnetUser(telnet.Telnet):
    """A telnet client that lets the server echo and keeps what it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = b""
        self.waiting: tuple[bytes, asyncio.Future[None]] | None = None

    def enableRemote(self, option: bytes) -> bool:
        return option in (telnet.ECHO, telnet.SGA)

    def enableLocal(self, option: bytes) -> bool:
        return option == telnet.SGA

    # Options it accepts may be turned off again (the server stops echoing for passwords).
    def disableRemote(self, option: bytes) -> None:
        pass

    def disableLocal(self, option: bytes) -> None:
        pass

    def applicationDataReceived(self, data: bytes) -> None:
        self.shown += data
        self._check()

    def _check(self) -> None:
        if self.waiting is not None and self.waiting[0] in self.shown:
            marker, future = self.waiting
            self.waiting = None
            self.shown = self.shown.split(marker, 1)[1]
            if not future.done():
                future.set_result(None)

    async def until(self, marker: bytes) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting = (marker, future)
        self._check()
        try:
            await asyncio.wait_for(future, TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"no {marker!r} in {self.shown!r}") from None


async def test_manhole_over_telnet(served: Manholes) -> None:
    from twistio.internet import protocol, reactor

    user = await protocol.ClientCreator(reactor, TelnetUser).connectTCP(
        "127.0.0.1", served.telnetPort)
    try:
        await user.until(b"Username: ")
        user.transport.write(b"alice\r\n")
        await user.until(b"Password: ")
        user.transport.write(b"secret\r\n")
        await user.until(b">>> ")
        user.transport.write(b"answer * 2 + 1\r\n")
        # Like Conch: the telnet bootstrap and transport both turn \n into \r\n.
        await user.until(b"85\r\r\n>>> ")
        user.transport.write(b"seen = 'telnet'\r\n")
        await user.until(b">>> ")
        # Each connection has its own namespace copy, seeded from the service's.
        assert "seen" not in served.namespace
    finally:
        user.transport.loseConnection()


async def test_telnet_wrong_password(served: Manholes) -> None:
    from twistio.internet import protocol, reactor

    user = await protocol.ClientCreator(reactor, TelnetUser).connectTCP(
        "127.0.0.1", served.telnetPort)
    try:
        await user.until(b"Username: ")
        user.transport.write(b"alice\r\n")
        await user.until(b"Password: ")
        user.transport.write(b"nope\r\n")
        await user.until(b"Authentication failed\nUsername: ")
        user.transport.write(b"bob\r\n")
        await user.until(b"Password: ")
    finally:
        user.transport.loseConnection()


async def _read_until(stream: asyncio.StreamReader, marker: bytes, seen: bytearray) -> None:
    while marker not in seen:
        chunk = await asyncio.wait_for(stream.read(4096), TIMEOUT)
        if not chunk:
            raise AssertionError(f"closed before {marker!r}; saw {bytes(seen)!r}")
        seen += chunk
    del seen[:seen.index(marker) + len(marker)]


@pytest.mark.skipif(SSH is None or SSHPASS is None, reason="needs ssh and sshpass")
async def test_manhole_over_ssh_with_openssh(served: Manholes) -> None:
    argv = [SSHPASS or "sshpass", "-p", "secret", SSH or "ssh", "-tt", "-p",
            str(served.sshPort), "-o", "StrictHostKeyChecking=no",
            "-o", f"UserKnownHostsFile={os.devnull}", "-o", "PubkeyAuthentication=no",
            "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=10", "-F", os.devnull,
            "alice@127.0.0.1"]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    seen = bytearray()
    try:
        await _read_until(proc.stdout, b">>> ", seen)
        proc.stdin.write(b"[answer] * 3\r")
        await _read_until(proc.stdout, b"[42, 42, 42]\r\n", seen)
        proc.stdin.write(b"def f(x):\r  return x + 1\r\r")
        await _read_until(proc.stdout, b">>> ", seen)
        proc.stdin.write(b"f(answer)\r")
        await _read_until(proc.stdout, b"43\r\n", seen)
        proc.stdin.write(b"\x04")  # Ctrl-D on an empty line ends the session
        await asyncio.wait_for(proc.wait(), TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_options() -> None:
    options = manhole_tap.Options()
    with pytest.raises(usage.UsageError, match="At least one of --telnetPort and --sshPort"):
        options.parseOptions([])
    options = manhole_tap.Options()
    options.parseOptions(["-t", "tcp:0"])
    assert (options["telnetPort"], options["sshPort"], options["passwd"], options["sshKeyName"],
            int(options["sshKeySize"]), options["namespace"]) == (
        "tcp:0", None, "/etc/passwd", "server.key", 4096, None)


def test_host_key_is_made_once(tmp_path: Path) -> None:
    options = {"sshKeyDir": str(tmp_path / "keys"), "sshKeyName": "k", "sshKeySize": 1024}
    first = manhole_tap._hostKey(options)
    assert first.sshType() == b"ssh-rsa" and first.size() == 1024
    assert (tmp_path / "keys" / "k").stat().st_mode & 0o777 == 0o600
    assert manhole_tap._hostKey(options) == first


def test_conch_factory_keys_are_its_own() -> None:
    a = manhole_ssh.ConchFactory(None)
    b = manhole_ssh.ConchFactory(None)
    a.publicKeys[b"x"] = 1
    assert b.publicKeys == {} and manhole_ssh.ConchFactory.publicKeys == {}


class Sizes(insults.TerminalProtocol):
    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def terminalSize(self, width: int, height: int) -> None:
        self.sizes.append((width, height))


def test_terminal_session() -> None:
    realm = manhole_ssh.TerminalRealm()
    realm.chainedProtocolFactory = lambda: insults.ServerProtocol(Sizes)
    iface, user, logout = realm.requestAvatar(b"alice", None, manhole_ssh.interfaces.IConchUser)
    assert user.avatarId == b"alice" and b"session" in user.channelLookup
    sess = manhole_ssh.interfaces.ISession(user)
    assert isinstance(sess, manhole_ssh.TerminalSession)
    sess.getPty(b"xterm", (30, 100, 0, 0), [])

    written: list[bytes] = []

    class Proto:
        session = object()

        def makeConnection(self, transport: Any) -> None:
            self.transport = transport

        def write(self, data: bytes) -> None:
            written.append(data)

        writeSequence = loseConnection = getPeer = getHost = lambda self, *a: None

    proto = Proto()
    sess.openShell(proto)
    sizes = sess._transport.chainedProtocol.terminalProtocol.sizes
    sess.windowChanged((40, 120, 0, 0))
    assert sizes == [(100, 30), (120, 40)]
    proto.transport.write(b"\x1b[A")  # typed keys reach the terminal protocol
    with pytest.raises(manhole_ssh.error.ConchError):
        sess.execCommand(proto, b"ls")


def test_result_arriving_while_typing_is_drawn_above_the_line() -> None:
    """Conch's manholes fail here; twistio's redraw the half-typed line under the result."""
    from twistio.internet import defer

    for cls in (manhole.Manhole, manhole.ColoredManhole):
        waiting: defer.Deferred[Any] = defer.Deferred()
        screen = helper.TerminalBuffer()
        client = insults.ClientProtocol(lambda screen=screen: screen)
        server = insults.ServerProtocol(cls, {"waiting": waiting})
        wire = StringTransport()
        server.makeConnection(wire)
        client.makeConnection(StringTransport())
        server.dataReceived(b"waiting\rprint(12")
        waiting.callback("done")
        server.dataReceived(b")\r")
        client.dataReceived(wire.value())
        lines = [line.rstrip() for line in bytes(screen).split(b"\n") if line.strip()]
        assert lines == [b">>> waiting", b"<Deferred #0>", b"Deferred #0 called back: 'done'",
                         b">>> print(12)", b"12", b">>>"], cls


def test_twistio_manhole_command(tmp_path: Path) -> None:
    """``twistio manhole`` serves the prompt over telnet until SIGTERM."""
    import socket

    from tests.application._proc import spawn, terminate, wait_for

    passwd = tmp_path / "passwd"
    passwd.write_text("alice:secret\n")
    proc = spawn("manhole", "--telnetPort", "tcp:0:interface=127.0.0.1", "--passwd", str(passwd))
    try:
        port = int(wait_for(proc, r"telnet listening on tcp:127\.0\.0\.1:(\d+)").group(1))
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            seen = b""

            def until(marker: bytes) -> None:
                nonlocal seen
                while marker not in seen:
                    chunk = sock.recv(4096)
                    assert chunk, seen
                    seen += chunk
                seen = seen.split(marker, 1)[1]

            until(b"Username: ")
            sock.sendall(b"alice\r\n")
            until(b"Password: ")
            # Agree to the server's echo (WILL ECHO -> DO ECHO), then its WONT ECHO.
            sock.sendall(b"\xff\xfd\x01secret\r\n")
            until(b"\xff\xfc\x01")
            sock.sendall(b"\xff\xfe\x01")
            until(b">>> ")
            sock.sendall(b"sum(range(10))\r\n")
            until(b"45")
    finally:
        status, _, err = terminate(proc)
    assert status == 0, err


def test_twistio_manhole_command_needs_a_port() -> None:
    from twistio._cli import main

    assert main(["manhole"]) == 2
    assert main(["manhole", "--telnetPort", "tcp:0", "--sshKeySize", "big"]) == 2


COMPAT_PROGRAM = '''
import sys
from twisted.conch import manhole, telnet
from twisted.conch.insults import insults
from twisted.conch.manhole_ssh import ConchFactory, TerminalRealm
from twisted.internet import protocol, reactor

assert ConchFactory.__module__.startswith("twistio") and TerminalRealm
namespace = {"greeting": "hi from compat"}
factory = protocol.ServerFactory()
factory.protocol = lambda: telnet.TelnetTransport(
    telnet.TelnetBootstrapProtocol, insults.ServerProtocol, manhole.ColoredManhole, namespace)
port = reactor.listenTCP(0, factory, interface="127.0.0.1")
print("manhole listening on port", port.getHost().port, flush=True)
reactor.run()
'''


def test_twisted_manhole_program_under_compat(tmp_path: Path) -> None:
    """A manhole written for Twisted runs unmodified under ``twistio compat``."""
    import socket

    from tests.application._proc import spawn, terminate, wait_for

    program = tmp_path / "manhole_program.py"
    program.write_text(COMPAT_PROGRAM)
    proc = spawn("compat", str(program))
    try:
        port = int(wait_for(proc, r"listening on port (\d+)", "stdout").group(1))
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            seen = b""
            while b">>> " not in seen:
                chunk = sock.recv(4096)
                assert chunk, seen
                seen += chunk
            sock.sendall(b"greeting.upper()\r\n")
            while b"'HI FROM COMPAT'" not in seen:
                chunk = sock.recv(4096)
                assert chunk, seen
                seen += chunk
    finally:
        status, _, err = terminate(proc)
    assert status == 0, err
