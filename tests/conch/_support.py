"""Shared pieces of the SSH tests: a server with a command-running avatar, an in-memory
loopback between a client and a server transport, and key paths."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twistio.conch import avatar, checkers, interfaces
from twistio.conch.ssh import connection, factory, filetransfer, keys, session, transport, userauth
from twistio.cred import checkers as cred_checkers
from twistio.cred import portal
from twistio.internet import defer, task
from twistio.internet.interfaces import implementer
from twistio.internet.testing import StringTransport
from twistio.python import components

from ._sftp import LocalSFTPServer  # noqa: E402

DATA = Path(__file__).parent / "keydata"
USER = b"alice"
PASSWORD = b"secret"


@functools.cache
def key(name: str) -> keys.Key:
    """The key in file ``name`` (parsed once: RSA keys are slow to load)."""
    return keys.Key.fromFile(DATA / name)


def private_key_file(tmp_path: Path, name: str) -> str:
    """A copy of key file ``name`` with the permissions OpenSSH insists on."""
    path = tmp_path / name
    shutil.copy(DATA / name, path)
    path.chmod(0o600)
    return str(path)


class CommandSession:
    """An ``ISession`` that runs exec commands with /bin/sh and has a tiny echo shell."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.proto: Any = None
        self.pty: Any = None
        self.env: dict[bytes, bytes] = {}

    def getPty(self, term: bytes, windowSize: Any, modes: Any) -> None:
        self.pty = (term, windowSize, modes)
        self.user.events.append(("pty", term, windowSize))

    def openShell(self, proto: Any) -> None:
        """A shell that echoes lines back upper-cased until 'exit'."""
        self.user.events.append(("shell",))
        self.proto = proto
        glue = _ShellTransport(self, proto)
        proto.makeConnection(glue)
        proto.write(b"shell> ")

    def execCommand(self, proto: Any, command: bytes) -> None:
        from twistio.internet import reactor

        self.user.events.append(("exec", command))
        self.proto = proto
        env = dict(os.environ)
        env.update({k.decode(): v.decode() for k, v in self.env.items()})
        reactor.spawnProcess(proto, "/bin/sh", ["/bin/sh", "-c", command.decode()], env=env)

    def windowChanged(self, newWindowSize: Any) -> None:
        self.user.events.append(("window", newWindowSize))

    def setEnv(self, name: bytes, value: bytes) -> None:
        if not name.startswith(b"TWISTIO_"):
            raise interfaces.EnvironmentVariableNotPermitted(name)
        self.env[name] = value

    def eofReceived(self) -> None:
        self.user.events.append(("eof",))
        transport = getattr(self.proto, "transport", None)
        if transport is not None and hasattr(transport, "closeStdin"):
            transport.closeStdin()

    def closed(self) -> None:
        self.user.events.append(("closed",))


class _ShellTransport:
    """What the shell protocol writes goes to the client; what it gets is echoed."""

    def __init__(self, session: CommandSession, proto: Any) -> None:
        self.session = session
        self.proto = proto
        self.line = b""

    def write(self, data: bytes) -> None:
        self.line += data
        while b"\r" in self.line or b"\n" in self.line:
            cut = min(i for i in (self.line.find(b"\r"), self.line.find(b"\n")) if i >= 0)
            line, self.line = self.line[:cut], self.line[cut + 1 :]
            if line.strip() == b"exit":
                conn = self.proto.session.conn
                conn.sendRequest(self.proto.session, b"exit-status", b"\0\0\0\0")
                self.proto.loseConnection()
                return
            self.proto.write(line.upper() + b"\r\nshell> ")

    def loseConnection(self) -> None:
        pass


implementer(interfaces.ISession, interfaces.ISessionSetEnv)(CommandSession)


class User(avatar.ConchUser):
    """An avatar with session channels and SFTP; its ISession is a ``CommandSession``, its
    ISFTPServer a ``LocalSFTPServer`` of ``sftp_root``."""

    sftp_root = "/nonexistent"

    def __init__(self, name: bytes) -> None:
        avatar.ConchUser.__init__(self)
        self.name = name
        self.events: list[Any] = []
        self.channelLookup[b"session"] = session.SSHSession
        self.subsystemLookup[b"sftp"] = filetransfer.FileTransferServer
        self._session: CommandSession | None = None
        self._sftp: LocalSFTPServer | None = None

    def session(self) -> CommandSession:
        if self._session is None:
            self._session = CommandSession(self)
        return self._session

    def sftp(self) -> LocalSFTPServer:
        if self._sftp is None:
            self._sftp = LocalSFTPServer(self, self.sftp_root)
        return self._sftp


def _session_for(user: User) -> CommandSession:
    return user.session()


def _sftp_for(user: User) -> LocalSFTPServer:
    return user.sftp()


components.registerAdapter(_session_for, User, interfaces.ISession)
components.registerAdapter(_session_for, User, interfaces.ISessionSetEnv)
components.registerAdapter(_sftp_for, User, interfaces.ISFTPServer)


@implementer(portal.IRealm)
class Realm:
    """Makes ``User`` avatars and remembers them."""

    def __init__(self, sftp_root: str = "/nonexistent") -> None:
        self.avatars: list[User] = []
        self.logouts = 0
        self.sftp_root = sftp_root

    def requestAvatar(self, avatarId: bytes, mind: Any, *interfaces_: Any) -> Any:
        user = User(avatarId)
        user.sftp_root = self.sftp_root
        self.avatars.append(user)

        def logout() -> None:
            self.logouts += 1

        return interfaces.IConchUser, user, logout


def make_factory(*, password: bool = True, user_keys: tuple[str, ...] = ("id_ecdsa.pub", "id_rsa.pub"),
                 host_keys: tuple[str, ...] = ("id_ed25519", "id_rsa"),
                 realm: Realm | None = None) -> factory.SSHFactory:
    """A server factory: host keys, a realm, and checkers for ``alice``."""
    f = factory.SSHFactory()
    private = {key(n).sshType(): key(n) for n in host_keys}
    f.privateKeys = private
    f.publicKeys = {k: v.public() for k, v in private.items()}
    p = portal.Portal(realm or Realm())
    db = checkers.InMemorySSHKeyDB({USER: [key(n) for n in user_keys]})
    p.registerChecker(checkers.SSHPublicKeyChecker(db))
    if password:
        p.registerChecker(cred_checkers.InMemoryUsernamePasswordDatabaseDontUse(
            alice=PASSWORD))
    f.portal = p
    return f


# ------------------------------------------------------------------- loopback


class Loopback:
    """A client and a server transport joined by two StringTransports; ``pump`` moves
    bytes until both are quiet."""

    def __init__(self, server: Any, client: Any) -> None:
        self.server = server
        self.client = client
        self.server_io = StringTransport()
        self.client_io = StringTransport()
        server.makeConnection(self.server_io)
        client.makeConnection(self.client_io)

    def pump(self, limit: int = 200) -> None:
        for _ in range(limit):
            moved = False
            for src, dst_proto in ((self.server_io, self.client), (self.client_io, self.server)):
                data = src.value()
                if data:
                    src.clear()
                    moved = True
                    if not getattr(dst_proto, "_disconnected", False):
                        dst_proto.dataReceived(data)
            if not moved:
                return
        raise AssertionError("loopback did not settle")


class TestClientTransport(transport.SSHClientTransport):
    """A client transport accepting ``expected_host_key`` (any key if None) and running
    ``userauth_factory()`` once secure."""

    expected_host_key: keys.Key | None = None
    userauth_factory: Callable[[], Any] | None = None

    def verifyHostKey(self, hostKey: bytes, fingerprint: bytes) -> defer.Deferred[Any]:
        self.seen_host_key = hostKey
        if self.expected_host_key is not None and keys.Key.fromString(hostKey) != \
                self.expected_host_key:
            return defer.fail(ValueError("unexpected host key"))
        return defer.succeed(True)

    def connectionSecure(self) -> None:
        self.secure = True
        if self.userauth_factory is not None:
            self.requestService(self.userauth_factory())


class KeyUserAuth(userauth.SSHUserAuthClient):
    """Client auth with a fixed key list and password."""

    def __init__(self, user: bytes, instance: Any, keys_: list[keys.Key] | None = None,
                 password: bytes | None = None) -> None:
        userauth.SSHUserAuthClient.__init__(self, user, instance)
        self._keys = list(keys_ or [])
        self._password = password
        self._current: keys.Key | None = None

    def getPublicKey(self) -> keys.Key | None:
        if not self._keys:
            return None
        self._current = self._keys.pop(0)
        return self._current.public()

    def getPrivateKey(self) -> defer.Deferred[keys.Key]:
        if self._current is None:
            return defer.fail(ValueError("no key"))
        return defer.succeed(self._current)

    def getPassword(self, prompt: bytes | None = None) -> defer.Deferred[bytes]:
        if self._password is None:
            return None  # type: ignore[return-value]
        password, self._password = self._password, None
        return defer.succeed(password)

    def getGenericAnswers(self, name: bytes, instruction: bytes, prompts: Any) -> Any:
        self.prompts_seen = prompts
        return defer.succeed([PASSWORD.decode()] * len(prompts))


class ReadyConnection(connection.SSHConnection):
    """A client connection service noting when it starts."""

    started = False

    def serviceStarted(self) -> None:
        connection.SSHConnection.serviceStarted(self)
        self.started = True


def loopback(server_factory: factory.SSHFactory | None = None, *,
             client_setup: Callable[[TestClientTransport], None] | None = None,
             userauth_factory: Callable[[], Any] | None = None,
             clock: task.Clock | None = None) -> Loopback:
    """A server transport from ``server_factory`` joined to a ``TestClientTransport``."""
    f = server_factory or make_factory()
    f.clock = clock or task.Clock()
    f.startFactory()
    server = f.buildProtocol(None)
    client = TestClientTransport()
    client.factory = None
    client.userauth_factory = userauth_factory
    if client_setup is not None:
        client_setup(client)
    return Loopback(server, client)
