"""twistio.conch.ssh.userauth and checkers: methods, limits, partial success."""

from __future__ import annotations

import struct
from typing import Any

import pytest

pytest.importorskip("cryptography")

from twistio.conch import checkers, error  # noqa: E402
from twistio.conch.ssh import keys, transport, userauth  # noqa: E402
from twistio.conch.ssh.common import NS  # noqa: E402
from twistio.cred import credentials  # noqa: E402
from twistio.cred.error import UnauthorizedLogin  # noqa: E402
from twistio.internet import defer, task  # noqa: E402

from . import _support as S  # noqa: E402


def _login(keys_: list[Any] | None = None, password: bytes | None = None, *,
           factory: Any = None, clock: task.Clock | None = None) -> tuple[S.Loopback, Any]:
    conn = S.ReadyConnection()
    auth: list[S.KeyUserAuth] = []

    def make() -> S.KeyUserAuth:
        auth.append(S.KeyUserAuth(S.USER, conn, keys_, password))
        return auth[0]

    lb = S.loopback(factory, userauth_factory=make, clock=clock)
    lb.pump()
    lb.auth = auth[0] if auth else None  # type: ignore[attr-defined]
    return lb, conn


def test_publickey_login() -> None:
    lb, conn = _login([S.key("id_ecdsa")])
    assert conn.started
    assert isinstance(lb.server.avatar, S.User)
    assert lb.server.service.name == b"ssh-connection"


def test_rsa_key_signs_with_the_best_sha2_algorithm() -> None:
    lb, conn = _login([S.key("id_rsa")])
    assert conn.started
    assert lb.auth._lastAlgorithm == b"rsa-sha2-512"  # type: ignore[attr-defined]


def test_unknown_key_then_known_key() -> None:
    lb, conn = _login([S.key("id_ed25519_other"), S.key("id_ecdsa")])
    assert conn.started
    assert len(lb.auth.triedPublicKeys) == 2  # type: ignore[attr-defined]


def test_password_login_and_refusal() -> None:
    lb, conn = _login(password=S.PASSWORD)
    assert conn.started
    clock = task.Clock()
    lb, conn = _login(password=b"wrong", clock=clock)
    assert not conn.started
    # The refusal waits passwordDelay seconds.
    assert not lb.client_io.disconnecting
    clock.advance(1)
    lb.pump()
    assert lb.client_io.disconnecting  # no more methods: the client gives up


def test_no_password_over_an_unencrypted_transport() -> None:
    server = userauth.SSHUserAuthServer()

    class FakeTransport:
        factory = S.make_factory()
        factory.clock = task.Clock()

        def isEncrypted(self, direction: str) -> bool:
            return False

    server.transport = FakeTransport()
    server.serviceStarted()
    assert server.supportedAuthentications == [b"publickey"]
    server.serviceStopped()
    # Only the direction the password travels in (client to server) has to be encrypted.
    FakeTransport.isEncrypted = lambda self, direction: direction == "in"  # type: ignore[method-assign]
    server.serviceStarted()
    assert b"password" in server.supportedAuthentications
    server.serviceStopped()
    # A tryAuth answering None fails the request instead of breaking the service.
    failures: list[Any] = []
    server.serviceStarted()
    server.tryAuth = lambda kind, user, data: None  # type: ignore[assignment,method-assign,return-value]
    server._ebBadAuth = failures.append  # type: ignore[method-assign]
    server.ssh_USERAUTH_REQUEST(NS(b"user") + NS(b"none") + NS(b"weird") + NS(b""))
    assert failures and failures[0].check(error.ConchError)
    server.serviceStopped()


def test_keyboard_interactive_password() -> None:
    f = S.make_factory()
    f.services = {**f.services, b"ssh-userauth": type(
        "KI", (userauth.SSHUserAuthServer,), {"keyboardInteractivePassword": True})}

    class OnlyKI(S.KeyUserAuth):
        preferredOrder = [b"keyboard-interactive"]

    conn = S.ReadyConnection()
    made: list[Any] = []

    def make() -> Any:
        made.append(OnlyKI(S.USER, conn))
        return made[0]

    lb = S.loopback(f, userauth_factory=make)
    lb.pump()
    assert conn.started
    assert made[0].prompts_seen == [(b"Password: ", False)]


def test_attempts_are_bounded() -> None:
    clock = task.Clock()
    lb = S.loopback(clock=clock, userauth_factory=lambda: _Silent(S.USER, S.ReadyConnection()))
    lb.pump()
    server_auth = lb.server.service
    assert isinstance(server_auth, userauth.SSHUserAuthServer)
    bad = NS(S.USER) + NS(b"ssh-connection") + NS(b"publickey") + b"\x00" + NS(b"ssh-ed25519") \
        + NS(S.key("id_ed25519_other").public().blob())
    errors: list[Any] = []
    lb.client.receiveError = lambda code, text: errors.append((code, text))  # type: ignore[method-assign]
    for _ in range(server_auth.attemptsBeforeDisconnect + 1):
        lb.client.sendPacket(userauth.MSG_USERAUTH_REQUEST, bad)
        lb.pump()
    assert errors == [(transport.DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, b"too many bad auths")]


def test_login_timeout() -> None:
    clock = task.Clock()
    f = S.make_factory()
    lb = S.loopback(f, clock=clock, userauth_factory=lambda: _Silent(S.USER, S.ReadyConnection()))
    lb.pump()
    errors: list[Any] = []
    lb.client.receiveError = lambda code, text: errors.append((code, text))  # type: ignore[method-assign]
    clock.advance(userauth.SSHUserAuthServer.loginTimeout + 1)
    lb.pump()
    assert errors == [(transport.DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, b"you took too long")]


class _Silent(userauth.SSHUserAuthClient):
    """Starts userauth and then sends nothing."""

    def serviceStarted(self) -> None:
        pass

    def ssh_USERAUTH_FAILURE(self, packet: bytes) -> None:
        pass


def test_pipelined_requests_are_bounded() -> None:
    clock = task.Clock()
    lb = S.loopback(clock=clock, userauth_factory=lambda: _Silent(S.USER, S.ReadyConnection()))
    lb.pump()
    request = NS(S.USER) + NS(b"ssh-connection") + NS(b"password") + b"\x00" + NS(b"bad")
    errors: list[Any] = []
    lb.client.receiveError = lambda code, text: errors.append((code, text))  # type: ignore[method-assign]
    for _ in range(12):
        lb.client.sendPacket(userauth.MSG_USERAUTH_REQUEST, request)
    lb.pump()
    assert errors == [(transport.DISCONNECT_PROTOCOL_ERROR,
                       b"too many pending authentication requests")]


def test_sha1_user_signatures_are_refused() -> None:
    class SHA1Auth(S.KeyUserAuth):
        def _signature_algorithm(self, publicKey: Any) -> bytes:
            return b"ssh-rsa"

    conn = S.ReadyConnection()
    lb = S.loopback(userauth_factory=lambda: SHA1Auth(S.USER, conn, [S.key("id_rsa")]))
    lb.pump()
    assert not conn.started


def test_connection_service_needs_login() -> None:
    lb = S.loopback()
    lb.pump()
    errors: list[Any] = []
    lb.client.receiveError = lambda code, text: errors.append((code, text))  # type: ignore[method-assign]
    lb.client.sendPacket(transport.MSG_SERVICE_REQUEST, NS(b"ssh-connection"))
    lb.pump()
    assert errors == [(transport.DISCONNECT_SERVICE_NOT_AVAILABLE,
                       b"don't have service ssh-connection")]


# ------------------------------------------------------------------ checkers


def _creds(key_name: str, signed: bool = True, data: bytes = b"data") -> Any:
    key = S.key(key_name)
    blob = key.public().blob()
    if not signed:
        return credentials.SSHPrivateKey(S.USER, key.sshType(), blob, None, None)
    return credentials.SSHPrivateKey(S.USER, key.sshType(), blob, data, key.sign(data))


def _result(d: defer.Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    return out[0]


def test_public_key_checker() -> None:
    checker = checkers.SSHPublicKeyChecker(checkers.InMemorySSHKeyDB({S.USER: [S.key("id_ecdsa")]}))
    assert _result(checker.requestAvatarId(_creds("id_ecdsa"))) == S.USER
    assert _result(checker.requestAvatarId(_creds("id_ecdsa", signed=False))).check(
        error.ValidPublicKey)
    assert _result(checker.requestAvatarId(_creds("id_ed25519"))).check(UnauthorizedLogin)
    forged = _creds("id_ecdsa")
    forged.sigData = b"other"
    assert _result(checker.requestAvatarId(forged)).check(UnauthorizedLogin)
    garbage = credentials.SSHPrivateKey(S.USER, b"ssh-rsa", b"garbage", None, None)
    # As in Twisted, a blob that is no key fails with BadKeyError (userauth refuses it).
    assert _result(checker.requestAvatarId(garbage)).check(keys.BadKeyError)


def test_authorized_keys_files(tmp_path: Any) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "authorized_keys").write_bytes(
        b"# comment\n\n" + (S.DATA / "id_ecdsa.pub").read_bytes()
        + b'command="x" ' + (S.DATA / "id_rsa.pub").read_bytes() + b"garbage\n")

    class Entry:
        pw_dir = str(home)

    class UserDB:
        def getpwnam(self, name: str) -> Any:
            if name != "alice":
                raise KeyError(name)
            return Entry()

    db = checkers.UNIXAuthorizedKeysFiles(UserDB())
    found = list(db.getAuthorizedKeys(S.USER))
    assert found == [S.key("id_ecdsa").public()]
    assert list(db.getAuthorizedKeys(b"bob")) == []
    checker = checkers.SSHPublicKeyChecker(db)
    assert _result(checker.requestAvatarId(_creds("id_ecdsa"))) == S.USER
    assert _result(checker.requestAvatarId(_creds("id_rsa"))).check(UnauthorizedLogin)


def test_protocol_checker_needs_two_factors() -> None:
    class TwoFactor(checkers.SSHProtocolChecker):
        def areDone(self, avatarId: Any) -> bool:
            return len(self.successfulCredentials[avatarId]) >= 2

    checker = TwoFactor()
    checker.registerChecker(checkers.SSHPublicKeyChecker(
        checkers.InMemorySSHKeyDB({S.USER: [S.key("id_ecdsa")]})))
    from twistio.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse

    checker.registerChecker(InMemoryUsernamePasswordDatabaseDontUse(alice=S.PASSWORD))
    assert {credentials.ISSHPrivateKey, credentials.IUsernamePassword} <= set(
        checker.credentialInterfaces)
    first = _result(checker.requestAvatarId(_creds("id_ecdsa")))
    assert first.check(error.NotEnoughAuthentication)
    second = _result(checker.requestAvatarId(credentials.UsernamePassword(S.USER, S.PASSWORD)))
    assert second == S.USER


def test_partial_success_over_the_wire() -> None:
    class TwoFactor(checkers.SSHProtocolChecker):
        def areDone(self, avatarId: Any) -> bool:
            return len(self.successfulCredentials[avatarId]) >= 2

    f = S.make_factory()
    from twistio.cred import portal
    from twistio.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse

    checker = TwoFactor()
    checker.registerChecker(checkers.SSHPublicKeyChecker(
        checkers.InMemorySSHKeyDB({S.USER: [S.key("id_ecdsa")]})))
    checker.registerChecker(InMemoryUsernamePasswordDatabaseDontUse(alice=S.PASSWORD))
    f.portal = portal.Portal(S.Realm(), [checker])
    lb, conn = _login([S.key("id_ecdsa")], S.PASSWORD, factory=f)
    assert conn.started
    assert lb.server.service is not None
    assert lb.auth.authenticatedWith == [b"publickey"]  # type: ignore[attr-defined]


def test_user_auth_client_messages() -> None:
    packed = struct.pack(">L", 0)
    assert userauth.MSG_USERAUTH_INFO_REQUEST == userauth.MSG_USERAUTH_PK_OK == 60
    assert packed == b"\0\0\0\0"


def test_unexpected_pk_ok_moves_on() -> None:
    sent: list[tuple[int, bytes]] = []

    class Transport:
        def sendPacket(self, kind: int, data: bytes) -> None:
            sent.append((kind, data))

    class Service:
        name = b"ssh-connection"

    client = userauth.SSHUserAuthClient(b"alice", Service())  # type: ignore[arg-type]
    client.transport = Transport()
    client.lastAuth = b"unknown"
    client.ssh_USERAUTH_PK_OK(b"")
    assert sent == [(userauth.MSG_USERAUTH_REQUEST,
                     NS(b"alice") + NS(b"ssh-connection") + NS(b"none"))]


@pytest.mark.parametrize("flag", [b"\x01", b"\xff"])
def test_signed_request_covers_the_has_signature_byte_as_sent(flag: bytes) -> None:
    """Any non-zero "has signature" byte is true; the signature covers it as the client
    sent it (as OpenSSH's server checks it)."""
    lb = S.loopback(userauth_factory=lambda: _Silent(S.USER, S.ReadyConnection()))
    lb.pump()
    server = lb.server.service
    assert isinstance(server, userauth.SSHUserAuthServer)
    key = S.key("id_ecdsa")
    body = NS(S.USER) + NS(b"ssh-connection") + NS(b"publickey") + flag + NS(key.sshType()) \
        + NS(key.public().blob())
    signed = NS(lb.client.sessionID) + bytes([userauth.MSG_USERAUTH_REQUEST]) + body
    lb.client.sendPacket(userauth.MSG_USERAUTH_REQUEST, body + NS(key.sign(signed)))
    lb.pump()
    assert server._done and lb.server.service is not server  # logged in: next service
