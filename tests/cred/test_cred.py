"""twistio.cred: portals, realms, checkers, credentials and the digest factory (no sockets)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twistio.cred import checkers, credentials, error, portal
from twistio.internet import defer
from twistio.internet.interfaces import implementer as twistio_implementer
from twistio.internet.task import Clock
from twistio.python.failure import Failure


def result_of(d: defer.Deferred[Any]) -> Any:
    """The result a Deferred has already fired with (a Failure if it failed)."""
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "Deferred has not fired"
    return out[0]


class Avatar:
    def __init__(self, avatarId: Any) -> None:
        self.avatarId = avatarId
        self.loggedOut = 0

    def logout(self) -> None:
        self.loggedOut += 1


class IThing:
    """A marker standing in for an avatar interface."""


@twistio_implementer(portal.IRealm)
class Realm:
    def __init__(self) -> None:
        self.avatars: list[Avatar] = []

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        if IThing not in interfaces:
            raise NotImplementedError()
        a = Avatar(avatarId)
        self.avatars.append(a)
        return IThing, a, a.logout


def make_portal(*cs: Any) -> tuple[portal.Portal, Realm]:
    realm = Realm()
    return portal.Portal(realm, list(cs)), realm


def test_login_success_gives_interface_avatar_logout() -> None:
    p, realm = make_portal(checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw"))
    iface, avatar, logout = result_of(p.login(credentials.UsernamePassword(b"alice", b"pw"), None, IThing))
    assert iface is IThing and avatar.avatarId == b"alice"
    logout()
    assert avatar.loggedOut == 1


@pytest.mark.parametrize("user,pw", [(b"alice", b"bad"), (b"nobody", b"pw"), (b"alice", "pw"), (b"alice", b"")])
def test_login_refused(user: bytes, pw: Any) -> None:
    p, realm = make_portal(checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw"))
    f = result_of(p.login(credentials.UsernamePassword(user, pw), None, IThing))
    assert isinstance(f, Failure) and f.check(error.UnauthorizedLogin)
    assert f.check(error.LoginFailed) and f.check(error.Unauthorized)
    assert realm.avatars == []


def test_unhandled_credentials() -> None:
    p, _ = make_portal(checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw"))
    f = result_of(p.login(credentials.Anonymous(), None, IThing))
    assert f.check(error.UnhandledCredentials)
    assert "IAnonymous" in f.getErrorMessage()


def test_anonymous_access() -> None:
    p, _ = make_portal(checkers.AllowAnonymousAccess())
    assert p.listCredentialsInterfaces() == [credentials.IAnonymous]
    _, avatar, _ = result_of(p.login(credentials.Anonymous(), None, IThing))
    assert avatar.avatarId == checkers.ANONYMOUS == ()


def test_realm_deferred_and_failure() -> None:
    class DeferredRealm:
        def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
            return defer.succeed((IThing, avatarId + b"!", lambda: None))

    p = portal.Portal(DeferredRealm(), [checkers.InMemoryUsernamePasswordDatabaseDontUse(a=b"b")])
    assert result_of(p.login(credentials.UsernamePassword(b"a", b"b"), None, IThing))[1] == b"a!"
    p2, _ = make_portal(checkers.InMemoryUsernamePasswordDatabaseDontUse(a=b"b"))
    f = result_of(p2.login(credentials.UsernamePassword(b"a", b"b"), None, object))
    assert f.check(NotImplementedError)


def test_register_checker_for_explicit_interfaces_and_add_user() -> None:
    db = checkers.InMemoryUsernamePasswordDatabaseDontUse()
    db.addUser(b"bob", b"x")
    p = portal.Portal(Realm())
    p.registerChecker(db, credentials.IUsernamePassword)
    assert p.listCredentialsInterfaces() == [credentials.IUsernamePassword]
    assert result_of(p.login(credentials.UsernamePassword(b"bob", b"x"), None, IThing))[1].avatarId == b"bob"


def test_zope_implementer_with_twistio_interfaces() -> None:
    zi = pytest.importorskip("zope.interface")

    @zi.implementer(portal.IRealm)
    class ZRealm:
        def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
            return IThing, avatarId, lambda: None

    @zi.implementer(credentials.IUsernamePassword)
    class MyCreds:
        def __init__(self) -> None:
            self.username = b"u"
            self.password = b"p"

        def checkPassword(self, password: Any) -> bool:
            return bool(password == self.password)

    assert portal.IRealm.providedBy(ZRealm())
    assert credentials.IUsernamePassword.providedBy(MyCreds())
    p = portal.Portal(ZRealm(), [checkers.InMemoryUsernamePasswordDatabaseDontUse(u=b"p")])
    assert result_of(p.login(MyCreds(), None, IThing))[1] == b"u"


def test_credentials_interfaces() -> None:
    up = credentials.UsernamePassword(b"a", b"b")
    assert credentials.IUsernamePassword.providedBy(up)
    assert not credentials.IAnonymous.providedBy(up)
    assert credentials.IAnonymous.providedBy(credentials.Anonymous())
    h = credentials.UsernameHashedPassword(b"a", b"b")
    assert credentials.IUsernameHashedPassword.providedBy(h)
    assert h.checkPassword(b"b") and not h.checkPassword(b"c")
    assert up.checkPassword(b"b") and not up.checkPassword("b") and not up.checkPassword(b"bb")
    assert credentials.UsernamePassword(b"a", "é").checkPassword("é")


def test_comparisons_use_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert credentials.UsernamePassword(b"a", b"secret").checkPassword(b"secret")
    assert (b"secret", b"secret") in calls


# --- FilePasswordDB ---------------------------------------------------------------------


@pytest.fixture
def pwfile(tmp_path: Path) -> Path:
    f = tmp_path / "passwd"
    f.write_bytes(b"alice:apw\nBob:bpw:extra\n\nshort\ncarol:cpw\n")
    return f


def login_file(db: checkers.FilePasswordDB, user: bytes, pw: bytes) -> Any:
    return result_of(db.requestAvatarId(credentials.UsernamePassword(user, pw)))


def test_file_db_basic(pwfile: Path) -> None:
    db = checkers.FilePasswordDB(str(pwfile))
    assert login_file(db, b"alice", b"apw") == b"alice"
    assert login_file(db, b"carol", b"cpw") == b"carol"
    assert login_file(db, b"Bob", b"bpw") == b"Bob"
    for user, pw in [(b"alice", b"bad"), (b"bob", b"bpw"), (b"short", b""), (b"zed", b"x")]:
        assert login_file(db, user, pw).check(error.UnauthorizedLogin)
    assert db.getUser(b"carol") == (b"carol", b"cpw")
    with pytest.raises(KeyError):
        db.getUser(b"nobody")
    assert checkers.OnDiskUsernamePasswordDatabase is checkers.FilePasswordDB


def test_file_db_case_insensitive_fields_delim(tmp_path: Path) -> None:
    f = tmp_path / "p"
    f.write_bytes(b"x|ALICE|pw1\ny|Carol|pw2\n")
    db = checkers.FilePasswordDB(f, delim=b"|", usernameField=1, passwordField=2, caseSensitive=False)
    assert login_file(db, b"Alice", b"pw1") == b"alice"
    assert login_file(db, b"CAROL", b"pw2") == b"carol"
    assert login_file(db, b"alice", b"PW1").check(error.UnauthorizedLogin)


def test_file_db_hash(tmp_path: Path) -> None:
    f = tmp_path / "p"
    f.write_bytes(b"alice:" + hashlib.sha256(b"pw").hexdigest().encode() + b"\n")

    def h(user: bytes, pw: bytes, stored: bytes) -> bytes:
        return hashlib.sha256(pw).hexdigest().encode()

    db = checkers.FilePasswordDB(f, hash=h)
    assert db.credentialInterfaces == (credentials.IUsernamePassword,)
    assert login_file(db, b"alice", b"pw") == b"alice"
    assert login_file(db, b"alice", b"nope").check(error.UnauthorizedLogin)
    hashed = credentials.UsernameHashedPassword(b"alice", b"pw")
    assert result_of(db.requestAvatarId(hashed)).check(error.UnauthorizedLogin)


def test_file_db_cache_reloads_on_mtime(tmp_path: Path) -> None:
    import os

    f = tmp_path / "p"
    f.write_bytes(b"alice:one\n")
    db = checkers.FilePasswordDB(f, cache=True)
    assert login_file(db, b"alice", b"one") == b"alice"
    f.write_bytes(b"alice:two\n")
    st = os.stat(f)
    os.utime(f, (st.st_atime, st.st_mtime + 10))
    assert login_file(db, b"alice", b"two") == b"alice"
    assert login_file(db, b"alice", b"one").check(error.UnauthorizedLogin)


def test_file_db_missing_file(tmp_path: Path) -> None:
    db = checkers.FilePasswordDB(tmp_path / "missing")
    p = portal.Portal(Realm(), [db])
    f = result_of(p.login(credentials.UsernamePassword(b"a", b"b"), None, IThing))
    assert f.check(error.UnauthorizedLogin)
    assert "Unable to load credentials db" in f.getErrorMessage()


# --- digest -----------------------------------------------------------------------------


def H(algo: str, data: bytes) -> bytes:
    name = {"md5": "md5", "sha-256": "sha256"}[algo.lower().removesuffix("-sess")]
    return hashlib.new(name, data).hexdigest().encode()


def digest_response(challenge: dict[str, bytes], user: bytes, pw: bytes, method: bytes = b"GET",
                    uri: bytes = b"/", nc: bytes = b"00000001", cnonce: bytes = b"c0ffee",
                    **override: bytes) -> bytes:
    algo = challenge["algorithm"].decode()
    realm, nonce = challenge["realm"], challenge["nonce"]
    ha1 = H(algo, b"%s:%s:%s" % (user, realm, pw))
    if algo.lower().endswith("-sess"):
        ha1 = H(algo, b"%s:%s:%s" % (ha1, nonce, cnonce))
    ha2 = H(algo, method + b":" + uri)
    resp = H(algo, b":".join((ha1, nonce, nc, cnonce, b"auth", ha2)))
    fields = {b"username": user, b"realm": realm, b"nonce": nonce, b"uri": uri, b"algorithm": challenge["algorithm"],
              b"response": resp, b"qop": b"auth", b"nc": nc, b"cnonce": cnonce, b"opaque": challenge["opaque"]}
    fields.update({k.encode(): v for k, v in override.items()})
    unquoted = {b"qop", b"nc", b"algorithm"}
    return b", ".join(k + b"=" + (v if k in unquoted else b'"' + v + b'"') for k, v in fields.items())


@pytest.mark.parametrize("algo", [b"md5", b"MD5-sess", b"sha-256", b"SHA-256-sess"])
def test_digest_round_trip(algo: bytes) -> None:
    clock = Clock()
    f = credentials.DigestCredentialFactory(algo, b"realm", clock=clock)
    ch = f.getChallenge("10.0.0.1")
    assert list(ch) == ["nonce", "opaque", "qop", "algorithm", "realm"]
    assert ch["qop"] == b"auth" and ch["algorithm"] == algo and ch["realm"] == b"realm"
    creds = f.decode(digest_response(ch, b"alice", b"pw"), b"GET", "10.0.0.1")
    assert credentials.IUsernameDigestHash.providedBy(creds)
    assert credentials.IUsernameHashedPassword.providedBy(creds)
    assert not creds.checkPassword(b"wrong")
    assert creds.checkPassword(b"pw")
    # the same nonce count cannot be used twice
    again = f.decode(digest_response(ch, b"alice", b"pw", nc=b"00000002"), b"GET", "10.0.0.1")
    assert again.checkPassword("pw")
    with pytest.raises(error.LoginFailed, match="nonce count"):
        f.decode(digest_response(ch, b"alice", b"pw", nc=b"00000002"), b"GET", "10.0.0.1")


def test_digest_check_hash() -> None:
    f = credentials.DigestCredentialFactory(b"md5", b"realm")
    ch = f.getChallenge(None)
    creds = f.decode(digest_response(ch, b"alice", b"pw"), b"GET", None)
    assert not creds.checkHash(H("md5", b"alice:realm:other"))
    assert creds.checkHash(H("md5", b"alice:realm:pw"))


def test_digest_replay_between_decode_and_check() -> None:
    f = credentials.DigestCredentialFactory(b"md5", b"realm")
    ch = f.getChallenge("1.1.1.1")
    r = digest_response(ch, b"a", b"pw")
    first, second = f.decode(r, b"GET", "1.1.1.1"), f.decode(r, b"GET", "1.1.1.1")
    assert first.checkPassword(b"pw")
    assert not second.checkPassword(b"pw")


def test_digest_wrong_method_or_uri_fails() -> None:
    f = credentials.DigestCredentialFactory(b"md5", b"realm")
    ch = f.getChallenge("1.1.1.1")
    assert not f.decode(digest_response(ch, b"a", b"pw"), b"POST", "1.1.1.1").checkPassword(b"pw")


def test_digest_expiry_is_stale() -> None:
    clock = Clock()
    f = credentials.DigestCredentialFactory(b"md5", b"realm", clock=clock)
    ch = f.getChallenge("1.1.1.1")
    clock.advance(f.CHALLENGE_LIFETIME_SECS)
    assert f.decode(digest_response(ch, b"a", b"pw"), b"GET", "1.1.1.1").checkPassword(b"pw")
    clock.advance(1)
    with pytest.raises(error.LoginFailed, match="too old") as info:
        f.decode(digest_response(ch, b"a", b"pw", nc=b"00000002"), b"GET", "1.1.1.1")
    assert isinstance(info.value, credentials._StaleNonce)
    # old nonces are forgotten once a new challenge is made
    f.getChallenge("1.1.1.1")
    assert ch["nonce"] not in f._nonces


def test_digest_nonce_table_is_bounded() -> None:
    f = credentials.DigestCredentialFactory(b"md5", b"realm")
    f.MAX_NONCES = 5
    first = f.getChallenge("h")
    for _ in range(10):
        f.getChallenge("h")
    assert len(f._nonces) == 5
    with pytest.raises(credentials._StaleNonce):
        f.decode(digest_response(first, b"a", b"pw"), b"GET", "h")


@pytest.mark.parametrize("override,message", [
    ({"username": b""}, "no username"),
    ({"opaque": b"abc"}, "invalid opaque"),
    ({"opaque": b"00-!!!"}, "invalid opaque"),
    ({"nc": b"xyz"}, "nc and cnonce"),
    ({"cnonce": b""}, "nc and cnonce"),
    ({"qop": b"auth-int"}, "qop"),
    ({"algorithm": b"sha-256"}, "algorithm"),
])
def test_digest_malformed(override: dict[str, bytes], message: str) -> None:
    f = credentials.DigestCredentialFactory(b"md5", b"realm")
    ch = f.getChallenge("1.1.1.1")
    with pytest.raises(error.LoginFailed, match=message):
        f.decode(digest_response(ch, b"a", b"pw", **override), b"GET", "1.1.1.1")


def test_digest_missing_fields_and_tampering() -> None:
    f = credentials.DigestCredentialFactory(b"md5", b"realm")
    ch = f.getChallenge("1.1.1.1")
    with pytest.raises(error.LoginFailed, match="no opaque"):
        f.decode(b'username="a", nonce="x"', b"GET", "1.1.1.1")
    with pytest.raises(error.LoginFailed, match="no nonce"):
        f.decode(b'username="a", opaque="x"', b"GET", "1.1.1.1")
    with pytest.raises(error.LoginFailed, match="client"):
        f.decode(digest_response(ch, b"a", b"pw"), b"GET", "2.2.2.2")
    other = f.getChallenge("1.1.1.1")
    with pytest.raises(error.LoginFailed, match="nonce"):
        f.decode(digest_response(ch, b"a", b"pw", nonce=other["nonce"]), b"GET", "1.1.1.1")
    forged = credentials.DigestCredentialFactory(b"md5", b"realm").getChallenge("1.1.1.1")
    with pytest.raises(error.LoginFailed, match="invalid opaque"):
        f.decode(digest_response(ch, b"a", b"pw", opaque=forged["opaque"]), b"GET", "1.1.1.1")
    with pytest.raises(error.LoginFailed, match="repeated"):
        f.decode(b'username="a", username="b"', b"GET", "1.1.1.1")
    with pytest.raises(ValueError):
        credentials.DigestCredentialFactory(b"rot13", b"realm")


def test_digest_quoted_escapes_and_multiline() -> None:
    f = credentials.DigestCredentialFactory(b"md5", b"realm")
    ch = f.getChallenge("h")
    r = digest_response(ch, b'we"ird', b"pw", username=b'we\\"ird').replace(b", ", b",\r\n ")
    creds = f.decode(r, b"GET", "h")
    assert creds.username == b'we"ird' and creds.checkPassword(b"pw")


def test_digested_credentials_without_qop() -> None:
    # RFC 2069 style, as Twisted's DigestedCredentials accepts when built directly
    ha1 = H("md5", b"u:r:pw")
    ha2 = H("md5", b"GET:/x")
    fields = {b"response": H("md5", ha1 + b":n:" + ha2), b"uri": b"/x", b"nonce": b"n"}
    assert credentials.DigestedCredentials(b"u", b"GET", b"r", fields).checkPassword(b"pw")
    assert not credentials.DigestedCredentials(b"u", b"GET", b"r", {}).checkPassword(b"pw")


_secret = st.binary(min_size=0, max_size=40).filter(lambda b: b"\\" not in b and b'"' not in b
                                                    and b"\r" not in b and b"\n" not in b)


@settings(max_examples=60, deadline=None)
@given(user=_secret.filter(bool), pw=_secret, other=_secret, algo=st.sampled_from([b"md5", b"sha-256-sess"]))
def test_digest_property(user: bytes, pw: bytes, other: bytes, algo: bytes) -> None:
    f = credentials.DigestCredentialFactory(algo, b"r")
    ch = f.getChallenge("h")
    creds = f.decode(digest_response(ch, user, pw), b"GET", "h")
    assert creds.username == user
    assert creds.checkPassword(other) is (other == pw)
    assert creds.checkPassword(pw) is (other != pw)
