"""Credential checkers for SSH: public keys against key databases, multi-factor logins.

``SSHPublicKeyChecker(keydb)`` accepts ``ISSHPrivateKey`` credentials whose key is among
``keydb.getAuthorizedKeys(username)`` and whose signature verifies; the key databases are
``InMemorySSHKeyDB`` and ``UNIXAuthorizedKeysFiles`` (``~/.ssh/authorized_keys``).
Passwords are checked by ``twistio.cred.checkers`` (``InMemoryUsernamePasswordDatabaseDontUse``,
``FilePasswordDB``) or by ``UNIXPasswordDatabase`` where the system has ``crypt``.
"""

from __future__ import annotations

import base64
import binascii
import errno
import functools
import logging
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, NamedTuple, Protocol

from twistio.conch import error
from twistio.conch.ssh import keys
from twistio.cred import checkers as _cred_checkers
from twistio.cred.credentials import ISSHPrivateKey, IUsernamePassword
from twistio.cred.error import UnauthorizedLogin, UnhandledCredentials
from twistio.internet import defer
from twistio.internet.interfaces import Interface, implementer
from twistio.python import _spelling, log, util
from twistio.python.failure import Failure
from twistio.python.filepath import FilePath

pwd: Any
spwd: Any
try:
    import pwd
except ImportError:  # pragma: no cover - not on Unix
    pwd = None
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import spwd
except ImportError:  # Python 3.13 removed it
    spwd = None

__all__ = [
    "CryptedPasswordRecord",
    "IAuthorizedKeysDB",
    "InMemorySSHKeyDB",
    "SSHProtocolChecker",
    "SSHPublicKeyChecker",
    "SSHPublicKeyDatabase",
    "UNIXAuthorizedKeysFiles",
    "UNIXPasswordDatabase",
    "UserDB",
    "UserRecord",
    "readAuthorizedKeyFile",
    "verifyCryptedPassword",
]

_log = logging.getLogger("twistio.conch")

ICredentialsChecker = _cred_checkers.ICredentialsChecker


class CryptedPasswordRecord(Protocol):
    """A password database entry: ``pw_name`` and its crypted ``pw_passwd``."""

    @property
    def pw_name(self) -> str: ...

    @property
    def pw_passwd(self) -> str: ...


class UserRecord(NamedTuple):
    """A user database entry (the fields of ``pwd.struct_passwd``)."""

    pw_name: str
    pw_passwd: str
    pw_uid: int
    pw_gid: int
    pw_gecos: str
    pw_dir_: str
    pw_shell: str

    @property
    def pw_dir(self) -> str:
        """The home directory."""
        return self.pw_dir_


class UserDB(Protocol):
    """A user database like the ``pwd`` module."""

    def getpwnam(self, username: str) -> Any: ...


def _pwdGetByName(username: str) -> Any:
    """``pwd.getpwnam(username)``, or None where there is no ``pwd`` module."""
    if pwd is None:
        return None
    return pwd.getpwnam(username)


def _shadowGetByName(username: str) -> Any:
    """``spwd.getspnam(username)`` read as root (the shadow file needs it), or None where
    there is no ``spwd`` module."""
    if spwd is None:
        return None
    return util.runAsEffectiveUser(0, 0, spwd.getspnam, username)


def verifyCryptedPassword(crypted: str | bytes, pw: str | bytes) -> bool:
    """Whether ``pw`` matches ``crypted`` (a crypt(3) hash); False where ``crypt`` is gone."""
    try:
        import crypt
    except ImportError:
        return False
    import hmac

    if isinstance(crypted, bytes):
        crypted = crypted.decode("utf-8")
    if isinstance(pw, bytes):
        pw = pw.decode("utf-8")
    result = crypt.crypt(pw, crypted)
    return result is not None and hmac.compare_digest(result, crypted)


@implementer(ICredentialsChecker)
class UNIXPasswordDatabase:
    """Checks passwords against the system's (shadow) password database, via ``crypt``.

    ``getByNameFunctions`` are tried in order to find a user's crypted password (default:
    ``pwd.getpwnam``, then ``spwd.getspnam`` where present).
    """

    credentialInterfaces = (IUsernamePassword,)

    def __init__(self, getByNameFunctions: Iterable[Callable[[str], Any]] | None = None) -> None:
        if getByNameFunctions is None:
            getByNameFunctions = [_pwdGetByName, _shadowGetByName]
        self._getByNameFunctions = list(getByNameFunctions)

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        """The username, once one of the databases holds a crypted password that matches.

        An entry whose password field is ``""``, ``"x"`` or ``"*"`` (the conventions for
        "no password here, look elsewhere") is passed over.
        """
        username = credentials.username
        password = credentials.password
        try:
            if isinstance(username, bytes):
                username = username.decode("utf-8")
            if isinstance(password, bytes):
                password = password.decode("utf-8")
        except UnicodeDecodeError:
            return defer.fail(UnauthorizedLogin("unable to verify password"))
        for function in self._getByNameFunctions:
            try:
                entry = function(username)
            except (KeyError, OSError):
                continue
            if entry is None:
                continue
            crypted = entry[1]
            if crypted in ("", "x", "*"):
                continue
            if verifyCryptedPassword(crypted, password):
                return defer.succeed(credentials.username)
        return defer.fail(UnauthorizedLogin("unable to verify password"))


def readAuthorizedKeyFile(fileobj: IO[bytes],
                          parseKey: Callable[[bytes], keys.Key] = keys.Key.fromString) -> Iterator[keys.Key]:
    """The keys of an authorized_keys file; comments, blank lines and lines that are not
    keys (lines with options among them) are skipped."""
    for line in fileobj:
        line = line.strip()
        if line and not line.startswith(b"#"):
            try:
                yield parseKey(line)
            except keys.BadKeyError as e:
                _log.info("Unable to parse line %r as a key: %s", line[:80], e)


def _keysFromFilepaths(filepaths: Iterable[Any],
                       parseKey: Callable[[bytes], keys.Key]) -> Iterator[keys.Key]:
    for fp in filepaths:
        path = getattr(fp, "path", fp)
        try:
            with open(path, "rb") as f:
                yield from readAuthorizedKeyFile(f, parseKey)
        except OSError as e:
            if e.errno not in (errno.ENOENT, errno.EACCES, errno.ENOTDIR):
                _log.info("Unable to read %s: %s", path, e)


class IAuthorizedKeysDB(Interface, Protocol):
    """A source of the public keys a user may log in with."""

    def getAuthorizedKeys(self, avatarId: bytes) -> Iterable[keys.Key]:
        """The keys authorized for ``avatarId``."""


@implementer(IAuthorizedKeysDB)
class InMemorySSHKeyDB:
    """Authorized keys from a mapping of username (bytes) to keys."""

    def __init__(self, mapping: Mapping[bytes, Iterable[keys.Key]]) -> None:
        self._mapping = mapping

    def getAuthorizedKeys(self, username: bytes) -> Iterable[keys.Key]:
        return self._mapping.get(username, [])


@implementer(IAuthorizedKeysDB)
class UNIXAuthorizedKeysFiles:
    """Authorized keys from ``~/.ssh/authorized_keys`` and ``authorized_keys2`` of the user
    (home directories from ``userdb``, default the ``pwd`` module)."""

    def __init__(self, userdb: UserDB | None = None,
                 parseKey: Callable[[bytes], keys.Key] = keys.Key.fromString) -> None:
        if userdb is None:
            import pwd

            userdb = pwd
        self._userdb = userdb
        self._parseKey = parseKey

    def getAuthorizedKeys(self, username: bytes) -> Iterable[keys.Key]:
        try:
            entry = self._userdb.getpwnam(username.decode("utf-8"))
        except (KeyError, UnicodeDecodeError):
            return []
        root = os.path.join(entry.pw_dir, ".ssh")
        files = [os.path.join(root, name) for name in ("authorized_keys", "authorized_keys2")]
        return _keysFromFilepaths(files, self._parseKey)


@implementer(ICredentialsChecker)
class SSHPublicKeyChecker:
    """Checks ``ISSHPrivateKey`` credentials against an ``IAuthorizedKeysDB``.

    A known key without a signature fails with ``ValidPublicKey`` (the server then asks the
    client to sign); a signed one gives the username.
    """

    credentialInterfaces = (ISSHPrivateKey,)

    def __init__(self, keydb: IAuthorizedKeysDB) -> None:
        self._keydb = keydb

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        d = defer.execute(self._sanityCheckKey, credentials)
        d.addCallback(self._checkKey, credentials)
        d.addCallback(self._verifyKey, credentials)
        return d

    def _sanityCheckKey(self, credentials: Any) -> keys.Key:
        # A blob that is not a key fails with BadKeyError, as in Twisted.
        try:
            return keys.Key.fromString(credentials.blob)
        except binascii.Error as e:
            raise keys.BadKeyError(f"invalid key: {e}") from e

    def _checkKey(self, pubKey: keys.Key, credentials: Any) -> keys.Key:
        for key in self._keydb.getAuthorizedKeys(credentials.username):
            if key.public() == pubKey:
                return pubKey
        raise UnauthorizedLogin("Key not authorized")

    def _verifyKey(self, pubKey: keys.Key, credentials: Any) -> Any:
        if not credentials.signature:
            raise error.ValidPublicKey()
        try:
            if pubKey.verify(credentials.signature, credentials.sigData):
                return credentials.username
        except Exception:
            log.err(None, "Error while verifying key")
            raise UnauthorizedLogin("Error while verifying key") from None
        raise UnauthorizedLogin("Incorrect signature")


@implementer(ICredentialsChecker)
class SSHPublicKeyDatabase:
    """Checks ``ISSHPrivateKey`` credentials against the user's authorized_keys files.

    Superseded by ``SSHPublicKeyChecker(UNIXAuthorizedKeysFiles())``, as in Twisted.
    """

    credentialInterfaces = (ISSHPrivateKey,)

    def __init__(self) -> None:
        name = _spelling.spelled(__name__)  # twisted.conch.checkers under the alias
        warnings.warn(
            f"{name}.SSHPublicKeyDatabase was deprecated in Twisted 15.0.0: Please use "
            f"{name}.SSHPublicKeyChecker, initialized with an instance of "
            f"{name}.UNIXAuthorizedKeysFiles instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        self._userdb: Any = pwd

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        d = defer.maybeDeferred(self.checkKey, credentials)
        d.addCallback(self._cbRequestAvatarId, credentials)
        d.addErrback(self._ebRequestAvatarId)
        return d

    def _cbRequestAvatarId(self, validKey: bool, credentials: Any) -> Any:
        if not validKey:
            return Failure(UnauthorizedLogin("invalid key"))
        if not credentials.signature:
            return Failure(error.ValidPublicKey())
        pubKey = keys.Key.fromString(credentials.blob)
        if pubKey.verify(credentials.signature, credentials.sigData):
            return credentials.username
        return Failure(UnauthorizedLogin("error while verifying key"))

    def _ebRequestAvatarId(self, f: Failure) -> Failure:
        if not f.check(UnauthorizedLogin, error.ValidPublicKey):
            log.err(f, "error while checking a public key")
            return Failure(UnauthorizedLogin("unable to get avatar id"))
        return f

    def getAuthorizedKeysFiles(self, credentials: Any) -> list[FilePath[str]]:
        """The authorized_keys files of the credentials' user (``authorized_keys`` and
        ``authorized_keys2`` in ``~/.ssh``)."""
        try:
            entry = self._userdb.getpwnam(credentials.username.decode("utf-8"))
        except (KeyError, UnicodeDecodeError):
            return []
        root = FilePath(entry.pw_dir).child(".ssh")
        return [root.child(name) for name in ("authorized_keys", "authorized_keys2")]

    def checkKey(self, credentials: Any) -> bool:
        """Whether the credentials' key blob is in the user's authorized_keys files.

        A file the server cannot read is read again as its user.
        """
        try:
            entry = self._userdb.getpwnam(credentials.username.decode("utf-8"))
        except (KeyError, UnicodeDecodeError):
            return False
        asUser = functools.partial(util.runAsEffectiveUser, entry.pw_uid, entry.pw_gid)
        files = [path for path in self.getAuthorizedKeysFiles(credentials) if path.exists()]
        return any(credentials.blob in _authorizedBlobs(path, asUser) for path in files)


def _authorizedBlobs(path: Any, asUser: Callable[..., Any]) -> set[bytes]:
    """The key blobs of an authorized_keys file (lines "type base64-blob [comment]"; a
    line without a decodable blob is passed over). A file the server may not read is
    opened as its user (``asUser``)."""
    try:
        opened = path.open()
    except OSError as refused:
        if refused.errno != errno.EACCES:
            raise
        opened = asUser(path.open)
    blobs: set[bytes] = set()
    with opened:
        for line in opened:
            encoded = line.split()[1:2]
            try:
                blobs.update(base64.decodebytes(piece) for piece in encoded)
            except binascii.Error:
                pass
    return blobs


@implementer(ICredentialsChecker)
class SSHProtocolChecker:
    """Several checkers that must all succeed (``areDone``) before a login is complete.

    Until ``areDone(avatarId)``, a success fails with ``NotEnoughAuthentication`` and the
    client is asked for another method.
    """

    def __init__(self) -> None:
        self.checkers: dict[Any, Any] = {}
        self.successfulCredentials: dict[Any, list[Any]] = {}

    @property
    def credentialInterfaces(self) -> list[Any]:
        return list(self.checkers)

    def registerChecker(self, checker: Any, *credentialInterfaces: Any) -> None:
        """Use ``checker`` for ``credentialInterfaces`` (default: its own)."""
        for iface in credentialInterfaces or checker.credentialInterfaces:
            self.checkers[iface] = checker

    def requestAvatarId(self, credentials: Any) -> defer.Deferred[Any]:
        for iface, checker in self.checkers.items():
            if iface.providedBy(credentials):
                d = defer.maybeDeferred(checker.requestAvatarId, credentials)
                return d.addCallback(self._cbGoodAuthentication, credentials)
        return defer.fail(UnhandledCredentials(
            f"No checker for {', '.join(type(c).__name__ for c in [credentials])}"))

    def _cbGoodAuthentication(self, avatarId: Any, credentials: Any) -> Any:
        self.successfulCredentials.setdefault(avatarId, []).append(credentials)
        if self.areDone(avatarId):
            del self.successfulCredentials[avatarId]
            return avatarId
        raise error.NotEnoughAuthentication()

    def areDone(self, avatarId: Any) -> bool:
        """Whether ``avatarId`` has authenticated enough (default: one success is enough)."""
        return True
