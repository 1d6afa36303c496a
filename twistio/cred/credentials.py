"""Credentials (what a client presents) and the RFC 7616 HTTP digest challenge/response.

Every secret comparison here runs in constant time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from twistio.cred import error
from twistio.internet.interfaces import Interface, implementer

__all__ = [
    "Anonymous",
    "CramMD5Credentials",
    "DigestCredentialFactory",
    "DigestedCredentials",
    "IAnonymous",
    "ICredentials",
    "ISSHPrivateKey",
    "IUsernameDigestHash",
    "IUsernameHashedPassword",
    "IUsernamePassword",
    "SSHPrivateKey",
    "UsernameHashedPassword",
    "UsernamePassword",
    "calcHA1",
    "calcHA2",
    "calcResponse",
]


def _bytes(s: bytes | str) -> bytes:
    return s.encode("utf-8") if isinstance(s, str) else s


def _equal(a: object, b: object) -> bool:
    """``a == b`` for str/bytes secrets, in time independent of where they differ.

    Like ``==`` in Twisted, a str never equals a bytes.
    """
    if isinstance(a, str) and isinstance(b, str):
        return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
    if isinstance(a, bytes) and isinstance(b, bytes):
        return hmac.compare_digest(a, b)
    hmac.compare_digest(b"", b"\0")
    return False


class ICredentials(Interface, Protocol):
    """Something a client presents to prove who it is."""


class IUsernameDigestHash(ICredentials, Protocol):
    """Credentials that can be checked against a stored digest hash (HA1)."""

    def checkHash(self, digestHash: bytes) -> bool:
        """Whether these credentials match ``digestHash``."""


class IUsernameHashedPassword(ICredentials, Protocol):
    """A username and a password, possibly hashed: checkable only against the cleartext."""

    username: bytes

    def checkPassword(self, password: Any) -> bool:
        """Whether these credentials match the cleartext ``password``."""


class IUsernamePassword(ICredentials, Protocol):
    """A username and its cleartext password."""

    username: bytes
    password: bytes

    def checkPassword(self, password: Any) -> bool:
        """Whether ``password`` is this password."""


class ISSHPrivateKey(ICredentials, Protocol):
    """An SSH public key offered for login, with the signature that proves its private half.

    ``algName`` is the signature algorithm, ``blob`` the public key in wire form, ``sigData``
    the signed bytes and ``signature`` the signature (both None when the client only asks
    whether the key would do).
    """

    username: bytes
    algName: bytes
    blob: bytes
    sigData: bytes | None
    signature: bytes | None


class IAnonymous(ICredentials, Protocol):
    """No credentials at all."""


@implementer(IUsernamePassword)
class UsernamePassword:
    """A username and a cleartext password."""

    def __init__(self, username: Any, password: Any) -> None:
        self.username = username
        self.password = password

    def checkPassword(self, password: Any) -> bool:
        """Whether ``password`` equals ours (constant time)."""
        return _equal(self.password, password)


@implementer(IUsernameHashedPassword)
class UsernameHashedPassword:
    """A username and a password as the client hashed it."""

    def __init__(self, username: Any, hashed: Any) -> None:
        self.username = username
        self.hashed = hashed

    def checkPassword(self, password: Any) -> bool:
        """Whether ``password`` equals the hashed value (constant time)."""
        return _equal(self.hashed, password)


@implementer(ISSHPrivateKey)
class SSHPrivateKey:
    """SSH public key credentials (see ``ISSHPrivateKey``)."""

    def __init__(self, username: bytes, algName: bytes, blob: bytes, sigData: bytes | None,
                 signature: bytes | None) -> None:
        self.username = username
        self.algName = algName
        self.blob = blob
        self.sigData = sigData
        self.signature = signature


@implementer(IAnonymous)
class Anonymous:
    """Anonymous credentials."""


@implementer(IUsernameHashedPassword)
class CramMD5Credentials:
    """RFC 2195 CRAM-MD5: a challenge for the client, then its ``user hex-hmac`` answer.

    ``checkPassword`` takes the cleartext password (str is encoded as UTF-8) and compares
    the HMAC-MD5 in constant time.
    """

    challenge: bytes = b""
    response: bytes = b""
    username: Any = None

    def __init__(self, host: bytes | str | None = None) -> None:
        self.host = host

    def getChallenge(self) -> bytes:
        """The challenge ``<random.time@host>``, made on the first call."""
        if not self.challenge:
            host = self.host if self.host is not None else b"None"
            self.challenge = b"<%d.%d@%s>" % (secrets.randbelow(2**31), int(time.time()), _bytes(host))
        return self.challenge

    def setResponse(self, response: bytes) -> None:
        """Take the client's ``username digest`` answer."""
        self.username, _, self.response = response.rpartition(b" ")

    def moreChallenges(self) -> bool:
        """CRAM-MD5 is a single round."""
        return False

    def checkPassword(self, password: Any) -> bool:
        """Whether the client's digest is the HMAC-MD5 of the challenge keyed by ``password``."""
        digest = hmac.new(_bytes(password), self.challenge, "md5").hexdigest().encode("ascii")
        return hmac.compare_digest(digest, self.response)


_HASHES: dict[bytes, Callable[[bytes], Any]] = {
    b"md5": hashlib.md5,
    b"md5-sess": hashlib.md5,
    b"sha": hashlib.sha1,
    b"sha-256": hashlib.sha256,
    b"sha-256-sess": hashlib.sha256,
}


def _h(algorithm: bytes, data: bytes) -> bytes:
    return binascii.hexlify(_HASHES[algorithm](data).digest())


def _ha1(algorithm: bytes, username: bytes, realm: bytes, password: bytes, nonce: bytes,
         cnonce: bytes, preHA1: bytes | None = None) -> bytes:
    ha1 = preHA1 if preHA1 is not None else _h(algorithm, b":".join((username, realm, password)))
    if algorithm.endswith(b"-sess"):
        ha1 = _h(algorithm, b":".join((ha1, nonce, cnonce)))
    return ha1


def _response(algorithm: bytes, ha1: bytes, ha2: bytes, nonce: bytes, nc: bytes | None,
              cnonce: bytes | None, qop: bytes | None) -> bytes:
    if nc and cnonce and qop:
        return _h(algorithm, b":".join((ha1, nonce, nc, cnonce, qop, ha2)))
    return _h(algorithm, b":".join((ha1, nonce, ha2)))


def calcHA1(pszAlg: bytes, pszUserName: bytes | None, pszRealm: bytes | None,
            pszPassword: bytes | None, pszNonce: bytes, pszCNonce: bytes,
            preHA1: bytes | None = None) -> bytes:
    """The hex HA1 of RFC 2617 for ``pszAlg`` (``md5``, ``md5-sess``, ``sha``...), computed
    from the user name, realm and password, or from ``preHA1`` (hex ``H(user:realm:pw)``,
    given alone); the ``-sess`` variants fold in the nonce and client nonce."""
    if preHA1 is not None and (pszUserName is not None or pszRealm is not None
                               or pszPassword is not None):
        raise TypeError("calcHA1: give preHA1 or the user name, realm and password, not both")
    algorithm = pszAlg.lower()
    return _ha1(algorithm, pszUserName or b"", pszRealm or b"", pszPassword or b"", pszNonce,
                pszCNonce, preHA1)


def calcHA2(algo: bytes, pszMethod: bytes, pszDigestUri: bytes, pszQop: bytes | None,
            pszHEntity: bytes | None) -> bytes:
    """The hex HA2 of RFC 2617: ``H(method:uri)``, or ``H(method:uri:H(entity))`` for
    ``qop=auth-int`` (``pszHEntity`` is the entity's hex hash)."""
    parts = [pszMethod, pszDigestUri]
    if pszQop == b"auth-int":
        parts.append(pszHEntity or b"")
    return _h(algo.lower(), b":".join(parts))


def calcResponse(HA1: bytes, HA2: bytes, algo: bytes, pszNonce: bytes,
                 pszNonceCount: bytes | None, pszCNonce: bytes | None,
                 pszQop: bytes | None) -> bytes:
    """The hex digest response of RFC 2617 from HA1 and HA2; the nonce count, client nonce
    and qop take part when all three are given."""
    return _response(algo.lower(), HA1, HA2, pszNonce, pszNonceCount, pszCNonce, pszQop)


@implementer(IUsernameHashedPassword, IUsernameDigestHash)
class DigestedCredentials:
    """A digest ``Authorization`` response, checkable against a password or an HA1 hash.

    ``fields`` maps the response's lower-cased parameter names (bytes) to their values.
    """

    def __init__(self, username: bytes, method: bytes, realm: bytes, fields: dict[bytes, bytes]) -> None:
        self.username = username
        self.method = method
        self.realm = realm
        self.fields = fields
        # Set by DigestCredentialFactory: records the nonce count once the response is
        # proven right, refusing it if another request used that count meanwhile.
        self._commit: Callable[[], bool] | None = None

    def _check(self, password: bytes | None, preHA1: bytes | None) -> bool:
        f = self.fields
        response = f.get(b"response")
        uri = f.get(b"uri")
        nonce = f.get(b"nonce")
        algorithm = f.get(b"algorithm", b"md5").lower()
        qop = f.get(b"qop")
        if response is None or uri is None or nonce is None or algorithm not in _HASHES:
            return False
        if qop is not None and qop.lower() != b"auth":
            return False
        cnonce = f.get(b"cnonce", b"")
        ha1 = _ha1(algorithm, self.username, self.realm, password or b"", nonce, cnonce, preHA1)
        ha2 = _h(algorithm, self.method + b":" + uri)
        expected = _response(algorithm, ha1, ha2, nonce, f.get(b"nc"), cnonce, qop)
        if not hmac.compare_digest(expected, response.lower()):
            return False
        return self._commit() if self._commit is not None else True

    def checkPassword(self, password: bytes | str) -> bool:
        """Whether the response was computed from ``password``."""
        return self._check(_bytes(password), None)

    def checkHash(self, digestHash: bytes | str) -> bool:
        """Whether the response was computed from ``digestHash`` (hex ``H(user:realm:pw)``)."""
        return self._check(None, _bytes(digestHash))


class _StaleNonce(error.LoginFailed):
    """A response to a nonce that has expired: the client should retry with a new one."""


_PARAM = re.compile(rb'([^=\s,]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*,?\s*')
_UNESCAPE = re.compile(rb"\\(.)")
_NC = re.compile(rb"[0-9a-fA-F]{1,8}")


class DigestCredentialFactory:
    """Makes digest challenges and turns responses into ``DigestedCredentials``.

    Algorithms: ``md5``, ``md5-sess``, ``sha-256``, ``sha-256-sess`` (RFC 7616) and Twisted's
    ``sha``. Beyond Twisted, which checks only the opaque's age and client address:
    responses must use ``qop=auth`` and the challenged algorithm, and each nonce's count must
    increase (a replayed request is refused). Nonces are remembered for
    ``CHALLENGE_LIFETIME_SECS`` (at most ``MAX_NONCES`` of them); a response to an expired
    or forgotten nonce raises a ``LoginFailed`` the guard answers with ``stale=true``.
    ``clock`` (twistio-only, anything with ``seconds()`` such as ``task.Clock``) gives the time.
    """

    CHALLENGE_LIFETIME_SECS = 15 * 60
    MAX_NONCES = 10000
    scheme = b"digest"

    def __init__(self, algorithm: bytes | str, authenticationRealm: bytes | str, clock: Any = None) -> None:
        self.algorithm = _bytes(algorithm)
        if self.algorithm.lower() not in _HASHES:
            raise ValueError(f"unsupported digest algorithm {self.algorithm!r}")
        self.authenticationRealm = _bytes(authenticationRealm)
        self.privateKey = secrets.token_bytes(32)
        self._clock = clock
        self._nonces: OrderedDict[bytes, list[int]] = OrderedDict()

    def _getTime(self) -> float:
        return float(self._clock.seconds()) if self._clock is not None else time.time()

    def _forget_old(self, now: int) -> None:
        nonces = self._nonces
        while nonces:
            issued = next(iter(nonces.values()))[0]
            if now - issued <= self.CHALLENGE_LIFETIME_SECS and len(nonces) < self.MAX_NONCES:
                break
            nonces.popitem(last=False)

    def getChallenge(self, address: Any) -> dict[str, bytes]:
        """The challenge parameters for a client at ``address`` (a host string)."""
        now = int(self._getTime())
        self._forget_old(now)
        nonce = self._generateNonce()
        self._nonces[nonce] = [now, 0]
        return {
            "nonce": nonce,
            "opaque": self._generateOpaque(nonce, address, now),
            "qop": b"auth",
            "algorithm": self.algorithm,
            "realm": self.authenticationRealm,
        }

    def _generateNonce(self) -> bytes:
        """A fresh random nonce."""
        return secrets.token_hex(12).encode("ascii")

    def _mac(self, key: bytes) -> bytes:
        return hmac.new(self.privateKey, key, hashlib.sha256).hexdigest().encode("ascii")

    def _generateOpaque(self, nonce: bytes, clientip: Any, now: int | None = None) -> bytes:
        if now is None:
            now = int(self._getTime())
        key = b",".join((nonce, _bytes(clientip or b""), b"%d" % now))
        return self._mac(key) + b"-" + base64.b64encode(key)

    def _verifyOpaque(self, opaque: bytes, nonce: bytes, clientip: Any) -> bool:
        parts = opaque.split(b"-")
        if len(parts) != 2:
            raise error.LoginFailed("Invalid response, invalid opaque value")
        try:
            key = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            raise error.LoginFailed("Invalid response, invalid opaque value") from None
        keyParts = key.split(b",")
        if len(keyParts) != 3:
            raise error.LoginFailed("Invalid response, invalid opaque value")
        if not keyParts[2].isdigit():
            raise error.LoginFailed("Invalid response, invalid opaque/time values")
        if not hmac.compare_digest(self._mac(key), parts[0]):
            raise error.LoginFailed("Invalid response, invalid opaque value")
        if not hmac.compare_digest(keyParts[0], nonce):
            raise error.LoginFailed("Invalid response, incompatible opaque/nonce values")
        if keyParts[1] != _bytes(clientip or b""):
            raise error.LoginFailed("Invalid response, incompatible opaque/client values")
        try:
            when = int(keyParts[2])
        except ValueError:
            raise error.LoginFailed("Invalid response, invalid opaque/time values") from None
        if int(self._getTime()) - when > self.CHALLENGE_LIFETIME_SECS:
            raise _StaleNonce("Invalid response, incompatible opaque/nonce too old")
        return True

    def _parse(self, response: bytes) -> dict[bytes, bytes]:
        fields: dict[bytes, bytes] = {}
        pos = 0
        response = response.strip()
        while pos < len(response):
            m = _PARAM.match(response, pos)
            if m is None:
                raise error.LoginFailed("Invalid response, malformed parameters")
            key = m.group(1).lower()
            if key in fields:
                raise error.LoginFailed("Invalid response, repeated parameter")
            quoted = m.group(2)
            fields[key] = _UNESCAPE.sub(rb"\1", quoted) if quoted is not None else m.group(3).strip()
            pos = m.end()
        return fields

    def decode(self, response: bytes, method: bytes, host: Any) -> DigestedCredentials:
        """The credentials in a digest ``Authorization`` value (without the scheme).

        Raises ``LoginFailed`` for responses that cannot be right whatever the password.
        """
        auth = self._parse(b" ".join(response.splitlines()))
        username = auth.get(b"username")
        if not username:
            raise error.LoginFailed("Invalid response, no username given.")
        if b"opaque" not in auth:
            raise error.LoginFailed("Invalid response, no opaque given.")
        if b"nonce" not in auth:
            raise error.LoginFailed("Invalid response, no nonce given.")
        nonce = auth[b"nonce"]
        self._verifyOpaque(auth[b"opaque"], nonce, host)
        if auth.get(b"algorithm", b"md5").lower() != self.algorithm.lower():
            raise error.LoginFailed("Invalid response, algorithm not the one challenged")
        if auth.get(b"qop", b"").lower() != b"auth":
            raise error.LoginFailed("Invalid response, qop must be auth")
        ncField = auth.get(b"nc", b"")
        if not auth.get(b"cnonce") or _NC.fullmatch(ncField) is None:
            raise error.LoginFailed("Invalid response, nc and cnonce required")
        nc = int(ncField, 16)
        entry = self._nonces.get(nonce)
        if entry is None:
            raise _StaleNonce("Invalid response, unknown nonce")
        if nc <= entry[1]:
            raise error.LoginFailed("Invalid response, nonce count not increasing")
        creds = DigestedCredentials(username, method, self.authenticationRealm, auth)

        def commit() -> bool:
            current = self._nonces.get(nonce)
            if current is None or nc <= current[1]:
                return False
            current[1] = nc
            return True

        creds._commit = commit
        return creds


def _deprecate_hashed() -> None:
    from twistio.python.deprecate import deprecatedModuleAttribute
    from twistio.python.versions import Version

    deprecatedModuleAttribute(
        Version("Twisted", 21, 2, 0),
        "Use twistio.cred.credentials.UsernamePassword instead.",
        __name__,
        "UsernameHashedPassword",
    )


_deprecate_hashed()
