"""twistio's SSH client: SSHCommandClientEndpoint against asyncssh and twistio servers,
known_hosts checking, password, key and ssh-agent authentication."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("cryptography")
asyncssh = pytest.importorskip("asyncssh")

from twistio.conch.client.knownhosts import KnownHostsFile  # noqa: E402
from twistio.conch.endpoints import AuthenticationFailed, SSHCommandClientEndpoint  # noqa: E402
from twistio.conch.error import HostKeyChanged, UserRejectedKey  # noqa: E402
from twistio.internet import defer, protocol  # noqa: E402
from twistio.internet.error import ConnectionDone, ProcessTerminated  # noqa: E402

from . import _support as S  # noqa: E402

TIMEOUT = 10.0


class Recorder(protocol.Protocol):
    """Collects what the command prints and how it ended."""

    def __init__(self) -> None:
        self.data = b""
        self.ended: defer.Deferred[Any] = defer.Deferred()

    def connectionMade(self) -> None:
        to_send = getattr(self.factory, "send", None)
        if to_send is not None:
            self.transport.write(to_send)
            self.transport.conn.sendEOF(self.transport)

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Any) -> None:
        self.reason = reason
        self.ended.callback(None)


def _factory(send: bytes | None = None) -> protocol.Factory:
    f = protocol.Factory.forProtocol(Recorder)
    f.send = send  # type: ignore[attr-defined]
    return f


class Answer:
    """A known_hosts UI that answers every prompt with ``answer``."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.prompts: list[bytes] = []
        self.warnings: list[bytes] = []

    def prompt(self, text: bytes) -> defer.Deferred[bool]:
        self.prompts.append(text)
        return defer.succeed(self.answer)

    def warn(self, text: bytes) -> None:
        self.warnings.append(text)


# ------------------------------------------------------------------ an asyncssh server


class _AsyncServer(asyncssh.SSHServer):  # type: ignore[misc]
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == "alice" and password == "secret"


async def _handle(process: Any) -> None:
    command = process.command or ""
    if command == "cat":
        data = await process.stdin.read()
        process.stdout.write(data)
        process.exit(0)
    elif command.startswith("exit "):
        process.stdout.write("bye\n")
        process.exit(int(command.split()[1]))
    else:
        process.stdout.write(f"ran {command}\n")
        process.exit(0)


@pytest_asyncio.fixture
async def async_server(tmp_path: Path) -> AsyncIterator[tuple[int, Path]]:
    """An asyncssh server with host key id_ed25519 accepting alice's ECDSA key and password."""
    authorized = tmp_path / "authorized_keys"
    authorized.write_bytes((S.DATA / "id_ecdsa.pub").read_bytes())
    server = await asyncssh.listen(
        "127.0.0.1", 0, server_factory=_AsyncServer,
        server_host_keys=[str(S.DATA / "id_ed25519")],
        authorized_client_keys=str(authorized), process_factory=_handle)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, tmp_path
    finally:
        server.close()
        await server.wait_closed()


def _known_hosts(tmp_path: Path, *lines: bytes) -> KnownHostsFile:
    path = tmp_path / "known_hosts"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return KnownHostsFile.fromPath(str(path))


def _host_line(name: str, host: bytes = b"127.0.0.1") -> bytes:
    return host + b" " + (S.DATA / name).read_bytes().split(b" ")[0] + b" " + \
        (S.DATA / name).read_bytes().split(b" ")[1]


async def _run(endpoint: SSHCommandClientEndpoint, send: bytes | None = None) -> tuple[Recorder, Any]:
    from twistio.internet import reactor  # noqa: F401 - the reactor on this loop

    proto = await asyncio.wait_for(endpoint.connect(_factory(send)), TIMEOUT)
    await asyncio.wait_for(proto.ended, TIMEOUT)
    return proto, proto.reason


def _endpoint(port: int, command: bytes, knownHosts: Any, **kw: Any) -> SSHCommandClientEndpoint:
    from twistio.internet import reactor

    kw.setdefault("ui", Answer(False))
    return SSHCommandClientEndpoint.newConnection(reactor, command, b"alice", b"127.0.0.1", port,
                                                  knownHosts=knownHosts, **kw)


async def test_command_on_asyncssh_with_known_host_key(async_server: tuple[int, Path]) -> None:
    port, tmp = async_server
    kh = _known_hosts(tmp, b"# a comment", _host_line("id_ed25519.pub"))
    proto, reason = await _run(_endpoint(port, b"exit 3", kh, keys=[S.key("id_ecdsa")]))
    assert proto.data == b"bye\n"
    assert reason.check(ProcessTerminated) and reason.value.exitCode == 3
    proto, reason = await _run(_endpoint(port, b"cat", kh, keys=[S.key("id_ecdsa")]),
                               send=b"x" * 300_000)
    assert proto.data == b"x" * 300_000
    assert reason.check(ConnectionDone)


async def test_password_on_asyncssh(async_server: tuple[int, Path]) -> None:
    port, tmp = async_server
    kh = _known_hosts(tmp, _host_line("id_ed25519.pub"))
    proto, reason = await _run(_endpoint(port, b"whoami", kh, password=b"secret"))
    assert proto.data == b"ran whoami\n"


async def test_changed_host_key_fails(async_server: tuple[int, Path]) -> None:
    port, tmp = async_server
    kh = _known_hosts(tmp, b"otherhost " + _host_line("id_ed25519.pub").split(b" ", 1)[1],
                      _host_line("id_ed25519_other.pub"))
    with pytest.raises(HostKeyChanged) as info:
        await asyncio.wait_for(_endpoint(port, b"true", kh, keys=[S.key("id_ecdsa")]).connect(
            _factory()), TIMEOUT)
    assert info.value.lineno == 2
    assert info.value.offendingEntry.matchesKey(S.key("id_ed25519_other").public())


async def test_unknown_host_is_asked_about(async_server: tuple[int, Path]) -> None:
    port, tmp = async_server
    path = tmp / "new_known_hosts"
    ui = Answer(False)
    with pytest.raises(UserRejectedKey):
        await asyncio.wait_for(_endpoint(port, b"true", KnownHostsFile.fromPath(str(path)),
                                         keys=[S.key("id_ecdsa")], ui=ui).connect(_factory()),
                               TIMEOUT)
    assert ui.prompts and b"can't be established" in ui.prompts[0]
    assert not path.exists()
    ui = Answer(True)
    proto, reason = await _run(_endpoint(port, b"ok", KnownHostsFile.fromPath(str(path)),
                                         keys=[S.key("id_ecdsa")], ui=ui))
    assert proto.data == b"ran ok\n"
    saved = path.read_bytes().splitlines()
    assert len(saved) == 2 and all(line.startswith(b"|1|") for line in saved)
    # Known now: no question the second time.
    ui2 = Answer(False)
    await _run(_endpoint(port, b"ok", KnownHostsFile.fromPath(str(path)),
                         keys=[S.key("id_ecdsa")], ui=ui2))
    assert ui2.prompts == []


async def test_authentication_failure(async_server: tuple[int, Path]) -> None:
    port, tmp = async_server
    kh = _known_hosts(tmp, _host_line("id_ed25519.pub"))
    with pytest.raises(AuthenticationFailed):
        await asyncio.wait_for(_endpoint(port, b"true", kh, keys=[S.key("id_ed25519_other")],
                                         password=b"wrong").connect(_factory()), TIMEOUT)


async def test_connection_refused() -> None:
    import socket

    from twistio.internet.error import ConnectionRefusedError

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.wait_for(_endpoint(port, b"true", None, keys=[]).connect(_factory()),
                               TIMEOUT)


# ------------------------------------------------------------------ against twistio's server


@pytest_asyncio.fixture
async def twistio_server() -> AsyncIterator[int]:
    from twistio.internet import reactor

    port = reactor.listenTCP(0, S.make_factory(), interface="127.0.0.1")
    try:
        yield port.getHost().port
    finally:
        await port.stopListening()


async def test_exit_signal_and_existing_connection(twistio_server: int, tmp_path: Path) -> None:
    kh = _known_hosts(tmp_path, _host_line("id_ed25519.pub"))
    proto, reason = await _run(_endpoint(twistio_server, b"kill -TERM $$", kh,
                                         keys=[S.key("id_rsa")]))
    assert reason.check(ProcessTerminated) and reason.value.signal == signal.SIGTERM
    # A protocol's transport.conn runs more commands on the same connection.
    from twistio.internet import reactor  # noqa: F401

    first = await asyncio.wait_for(_endpoint(twistio_server, b"sleep 5", kh,
                                             keys=[S.key("id_ecdsa")]).connect(_factory()),
                                   TIMEOUT)
    conn = first.transport.conn
    again = SSHCommandClientEndpoint.existingConnection(conn, b"echo again")
    proto, reason = await _run(again)
    assert proto.data == b"again\n" and reason.check(ConnectionDone)
    first.transport.loseConnection()
    await asyncio.wait_for(first.ended, TIMEOUT)


@pytest.mark.skipif(shutil.which("ssh-agent") is None or shutil.which("ssh-add") is None,
                    reason="ssh-agent is not installed")
async def test_agent_authentication(twistio_server: int, tmp_path: Path) -> None:
    from twistio.internet import reactor
    from twistio.internet.endpoints import UNIXClientEndpoint

    sock = str(tmp_path / "agent.sock")
    # ssh-agent forks a daemon once its socket listens, and prints the daemon's pid.
    started = await asyncio.create_subprocess_exec("ssh-agent", "-s", "-a", sock,
                                                    stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.DEVNULL)
    out, _ = await asyncio.wait_for(started.communicate(), TIMEOUT)
    pid = int(out.split(b"SSH_AGENT_PID=")[1].split(b";")[0])
    try:
        key = S.private_key_file(tmp_path, "id_rsa")
        env = {**os.environ, "SSH_AUTH_SOCK": sock}
        added = await asyncio.create_subprocess_exec("ssh-add", key, env=env,
                                                     stdout=asyncio.subprocess.DEVNULL,
                                                     stderr=asyncio.subprocess.DEVNULL)
        assert await asyncio.wait_for(added.wait(), TIMEOUT) == 0
        kh = _known_hosts(tmp_path, _host_line("id_ed25519.pub"))
        endpoint = _endpoint(twistio_server, b"echo agent", kh,
                             agentEndpoint=UNIXClientEndpoint(reactor, sock))
        proto, reason = await _run(endpoint)
        assert proto.data == b"agent\n"
    finally:
        os.kill(pid, signal.SIGTERM)


async def test_known_hosts_key_type_is_preferred(twistio_server: int, tmp_path: Path) -> None:
    """The server has Ed25519 and RSA keys; known_hosts knows the RSA one: no prompt."""
    kh = _known_hosts(tmp_path, _host_line("id_rsa.pub"))
    ui = Answer(False)
    proto, reason = await _run(_endpoint(twistio_server, b"echo rsa", kh, ui=ui,
                                         keys=[S.key("id_ecdsa")]))
    assert proto.data == b"rsa\n" and ui.prompts == []


def test_new_connection_helper_terminal_and_known_hosts(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio.conch.client.knownhosts import KnownHostsFile
    from twistio.conch.endpoints import _NewConnectionHelper
    from twistio.python.filepath import FilePath

    hosts = FilePath(str(tmp_path / "known_hosts"))
    known = KnownHostsFile(hosts)
    key = S.key("id_ed25519").public()
    known.addHostKey(b"10.0.0.9", key)
    known.save()
    monkeypatch.setattr(_NewConnectionHelper, "_KNOWN_HOSTS", hosts.path)
    assert _NewConnectionHelper._knownHosts().hasHostKey(b"10.0.0.9", key)
    args = [None] * 10
    helper = _NewConnectionHelper(*args)  # type: ignore[arg-type]
    assert helper.tty == FilePath(b"/dev/tty")
    assert helper.knownHosts.hasHostKey(b"10.0.0.9", key)
    # No terminal: every question is answered "no".
    missing = _NewConnectionHelper(*args, FilePath(str(tmp_path / "no-tty")))  # type: ignore[arg-type]
    answers: list[bool] = []
    missing.ui.prompt(b"continue?").addCallback(answers.append)

    class Terminal:
        """A terminal where the user types yes (what is shown on it is dropped)."""

        def open(self, mode: str) -> Any:
            assert mode == "r+"

            class Screen(io.BytesIO):
                def write(self, data: Any, /) -> int:
                    return len(data)

            return Screen(b"yes\n")

    present = _NewConnectionHelper(*args, Terminal())  # type: ignore[arg-type]
    present.ui.prompt(b"continue?").addCallback(answers.append)
    assert answers == [False, True]


def test_exit_signal_details_are_logged() -> None:
    from twistio.conch import endpoints
    from twistio.conch.ssh.common import NS
    from twistio.logger import globalLogPublisher

    events: list[dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    try:
        channel = endpoints._CommandChannel(None, b"cmd", None, defer.Deferred())
        channel.request_exit_signal(NS(b"TERM") + b"\x01" + NS("ünï".encode()) + NS(b"en"))
    finally:
        globalLogPublisher.removeObserver(events.append)
    assert channel._reason is not None and channel._reason.signal == signal.SIGTERM
    logged = [e for e in events if e.get("shortSignalName") == b"TERM"]
    assert logged and logged[0]["coreDumped"] is True
    assert logged[0]["errorMessage"] == "ünï" and logged[0]["languageTag"] == b"en"


def test_known_hosts_given_as_a_path(tmp_path: Path) -> None:
    from twistio.conch.endpoints import _NewConnectionHelper

    path = tmp_path / "hosts"
    helper = _NewConnectionHelper(None, b"h", 22, b"c", b"u", None, None, None, str(path), None)
    assert isinstance(helper.knownHosts, KnownHostsFile)
    assert helper.knownHosts.savePath.path == str(path)
    assert _NewConnectionHelper._knownHosts().savePath.path == os.path.expanduser(
        "~/.ssh/known_hosts")


def test_cancelled_connection_ignores_a_late_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelling before the connection is ready, then the connection failing (as aborting
    it makes it do), leaves no second result and no unhandled error."""
    from twistio.conch import endpoints
    from twistio.internet import endpoints as inet_endpoints

    made: list[Any] = []

    class FakeEndpoint:
        def __init__(self, *args: Any) -> None:
            pass

        def connect(self, factory: Any) -> defer.Deferred[Any]:
            proto = factory.buildProtocol(None)
            made.append(proto)
            return defer.succeed(proto)

    monkeypatch.setattr(inet_endpoints, "HostnameEndpoint", FakeEndpoint)
    helper = endpoints._NewConnectionHelper(None, b"h", 22, b"c", b"u", None, None, None,
                                            KnownHostsFile(None), None)
    result = helper.secureConnection()
    result.cancel()
    failures: list[Any] = []
    result.addErrback(failures.append)
    made[0].connectionReady.errback(endpoints.AuthenticationFailed("late"))
    assert len(failures) == 1 and failures[0].check(defer.CancelledError)
    assert made[0].connectionReady.result is None  # consumed: nothing left unhandled
