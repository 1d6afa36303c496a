"""SSH keys: parse, serialise, fingerprint, sign and verify RSA, DSA, ECDSA and Ed25519 keys.

Formats read: OpenSSH public lines, ``BEGIN OPENSSH PRIVATE KEY`` (v1, bcrypt-encrypted too),
PEM (``BEGIN RSA/DSA/EC PRIVATE KEY``, encrypted too), SSH wire blobs, agent v3 blobs and
the LSH formats (RSA and DSA keys, read and written as in Twisted). twistio also reads
PKCS#8 (``BEGIN PRIVATE KEY``, ``BEGIN ENCRYPTED PRIVATE KEY``), ``BEGIN PUBLIC KEY`` and
RFC 4716 public keys, which Twisted refuses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
import unicodedata
import warnings
from typing import Any, Literal

from twistio.conch.ssh import sexpy
from twistio.conch.ssh.common import MP, NS, getMP, getNS

try:
    from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import (
        decode_dss_signature,
        encode_dss_signature,
    )
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError as e:  # pragma: no cover - the conch extra is missing
    raise ImportError(
        "twistio.conch needs the 'cryptography' package: pip install 'twistio[conch]'"
    ) from e

with warnings.catch_warnings():
    # cryptography deprecates DSA and warns on every use of its names: take them once.
    warnings.simplefilter("ignore")
    _DSAPublicKey = dsa.DSAPublicKey
    _DSAPrivateKey = dsa.DSAPrivateKey
    _DSAPublicNumbers = dsa.DSAPublicNumbers
    _DSAPrivateNumbers = dsa.DSAPrivateNumbers
    _DSAParameterNumbers = dsa.DSAParameterNumbers

__all__ = [
    "BadFingerPrintFormat",
    "BadKeyError",
    "BadSignatureAlgorithmError",
    "EncryptedKeyError",
    "FingerprintFormats",
    "Key",
    "PassphraseNormalizationError",
]


class BadKeyError(Exception):
    """The data is not a key twistio understands, or not a well-formed one."""


class EncryptedKeyError(Exception):
    """The key is encrypted and no passphrase was given."""


class BadSignatureAlgorithmError(Exception):
    """The signature algorithm does not fit the key type."""


class BadFingerPrintFormat(Exception):
    """An unknown fingerprint format was asked for."""


class PassphraseNormalizationError(Exception):
    """A text passphrase holds characters that Unicode NFKC cannot normalise."""


class _Constant:
    """One named constant of a ``_Names`` group."""

    __slots__ = ("_container", "name")

    def __init__(self, name: str, container: str) -> None:
        self.name = name
        self._container = container

    def __repr__(self) -> str:
        return f"<{self._container}={self.name}>"


class FingerprintFormats:
    """The formats of ``Key.fingerprint``: colon-separated MD5 hex or base64 SHA-256."""

    MD5_HEX = _Constant("MD5_HEX", "FingerprintFormats")
    SHA256_BASE64 = _Constant("SHA256_BASE64", "FingerprintFormats")

    @classmethod
    def lookupByName(cls, name: str) -> _Constant:
        """The constant called ``name``."""
        found = getattr(cls, name, None)
        if not isinstance(found, _Constant):
            raise ValueError(name)
        return found

    @classmethod
    def iterconstants(cls) -> list[_Constant]:
        """Every constant, in definition order."""
        return [cls.MD5_HEX, cls.SHA256_BASE64]


# ------------------------------------------------------------------- tables

_CURVES: dict[bytes, type[ec.EllipticCurve]] = {
    b"ecdsa-sha2-nistp256": ec.SECP256R1,
    b"ecdsa-sha2-nistp384": ec.SECP384R1,
    b"ecdsa-sha2-nistp521": ec.SECP521R1,
}
_CURVE_IDS = {b"ecdsa-sha2-nistp256": b"nistp256", b"ecdsa-sha2-nistp384": b"nistp384",
              b"ecdsa-sha2-nistp521": b"nistp521"}
_CURVE_BY_NAME = {"secp256r1": b"ecdsa-sha2-nistp256", "secp384r1": b"ecdsa-sha2-nistp384",
                  "secp521r1": b"ecdsa-sha2-nistp521"}
_ECDSA_HASH: dict[int, type[hashes.HashAlgorithm]] = {
    256: hashes.SHA256, 384: hashes.SHA384, 521: hashes.SHA512,
}
_RSA_SIG_HASH: dict[bytes, type[hashes.HashAlgorithm]] = {
    b"ssh-rsa": hashes.SHA1, b"rsa-sha2-256": hashes.SHA256, b"rsa-sha2-512": hashes.SHA512,
}
_SK_ECDSA = b"sk-ecdsa-sha2-nistp256@openssh.com"
_SK_ED25519 = b"sk-ssh-ed25519@openssh.com"

# OpenSSH v1 private-key ciphers: name -> (key length, iv length, block size, mode)
_V1_CIPHERS: dict[bytes, tuple[int, int, int, str]] = {
    b"aes128-ctr": (16, 16, 16, "ctr"), b"aes192-ctr": (24, 16, 16, "ctr"),
    b"aes256-ctr": (32, 16, 16, "ctr"), b"aes128-cbc": (16, 16, 16, "cbc"),
    b"aes192-cbc": (24, 16, 16, "cbc"), b"aes256-cbc": (32, 16, 16, "cbc"),
    b"aes128-gcm@openssh.com": (16, 12, 16, "gcm"),
    b"aes256-gcm@openssh.com": (32, 12, 16, "gcm"),
}
_V1_MAGIC = b"openssh-key-v1\0"
# What twistio writes for an encrypted v1 key (the values Twisted writes too).
_V1_WRITE_CIPHER = b"aes256-ctr"
_V1_WRITE_ROUNDS = 100
# A bound on bcrypt rounds in files we read: each round costs real CPU time.
_V1_MAX_ROUNDS = 10_000


# How text formats begin, checked in order by ``Key._guessStringType``.
_TEXT_FORMATS: list[tuple[tuple[bytes, ...], str]] = [
    ((b"ssh-", b"ecdsa-sha2-", b"sk-"), "public_openssh"),
    ((b"-----BEGIN",), "private_openssh"),
    ((b"---- BEGIN SSH2 PUBLIC KEY",), "public_rfc4716"),
    ((b"{",), "public_lsh"),
    ((b"(",), "private_lsh"),
]


def _normalise_passphrase(passphrase: bytes | str | None) -> bytes | None:
    if passphrase is None or isinstance(passphrase, bytes):
        return passphrase
    if any(unicodedata.category(c) == "Cn" for c in passphrase):
        raise PassphraseNormalizationError()
    return unicodedata.normalize("NFKC", passphrase).encode("utf-8")


def _mp(value: int | bytes) -> int:
    if not isinstance(value, int):  # pragma: no cover - getMP gives ints for all but the rest
        raise BadKeyError("expected an integer")
    return value


def _bs(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):  # pragma: no cover - the rest is always bytes
        raise BadKeyError("expected bytes")
    return value


def _hexlines(value: int) -> list[str]:
    body = MP(value)[4:]
    octets = [f"{b:02x}" for b in body]
    lines = []
    for i in range(0, len(octets), 15):
        chunk = octets[i : i + 15]
        lines.append(":".join(chunk) + (":" if i + 15 < len(octets) else ""))
    return lines


def _pem_armor(label: bytes, body: bytes, width: int = 64) -> bytes:
    encoded = base64.b64encode(body)
    lines = [encoded[i : i + width] for i in range(0, len(encoded), width)]
    return b"\n".join([b"-----BEGIN " + label + b"-----", *lines, b"-----END " + label + b"-----"]) + b"\n"


class Key:
    """An SSH public or private key: a wrapper around a ``cryptography`` key object."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, keyObject: Any) -> None:
        # As in Twisted, any object is taken; using a Key that wraps no key object
        # (type, blob, data...) raises RuntimeError.
        self._keyObject: Any = keyObject
        self._sk_application: bytes | None = None

    # ------------------------------------------------------------- construction

    @classmethod
    def fromFile(cls, filename: str | os.PathLike[str], type: str | None = None,
                 passphrase: bytes | str | None = None) -> Key:
        """The key in file ``filename`` (see ``fromString``)."""
        with open(filename, "rb") as f:
            return cls.fromString(f.read(), type, passphrase)

    @classmethod
    def fromString(cls, data: bytes | str, type: str | None = None,
                   passphrase: bytes | str | None = None) -> Key:
        """The key in ``data``; ``type`` names the format, guessed when None.

        Formats: ``public_openssh``, ``private_openssh``, ``blob``, ``private_blob``,
        ``agentv3``, ``public_lsh``, ``private_lsh``. A malformed key raises ``BadKeyError``; an encrypted one without a
        passphrase ``EncryptedKeyError``.
        """
        raw = data.encode("utf-8") if isinstance(data, str) else data
        secret = _normalise_passphrase(passphrase)
        kind = type or cls._guessStringType(raw)
        if not kind:
            raise BadKeyError(f"cannot guess the type of {raw!r}")
        parser = getattr(cls, "_fromString_" + kind.upper(), None)
        if parser is None:
            raise BadKeyError(f"no _fromString method for {kind}")
        data = raw
        type = kind
        method = parser
        try:
            if type.upper() in ("BLOB", "PUBLIC_OPENSSH", "PUBLIC_RFC4716", "PUBLIC_LSH",
                                "PRIVATE_LSH"):
                if secret:
                    raise BadKeyError("key not encrypted")
                key: Key = method(data)
            else:
                key = method(data, secret)
        except (BadKeyError, EncryptedKeyError, PassphraseNormalizationError):
            raise
        except (struct.error, ValueError, IndexError, TypeError, UnsupportedAlgorithm,
                binascii.Error) as e:
            raise BadKeyError(f"malformed {type} key: {e}") from e
        return key

    @classmethod
    def _guessStringType(cls, data: bytes) -> str | None:
        head = data.lstrip()[:32]
        for prefixes, format_name in _TEXT_FORMATS:
            if head.startswith(prefixes):
                return format_name
        if data.startswith(b"\0\0\0"):
            try:
                kind, rest = getNS(data)
                if cls._looksLikeAgentV3(kind, rest):
                    return "agentv3"
                fields = {b"ssh-rsa": 2, b"ssh-dss": 4, b"ssh-ed25519": 1,
                          _SK_ED25519: 2, _SK_ECDSA: 3}.get(kind, 2 if kind in _CURVES else 0)
                if not fields:
                    return None
                parsed = getNS(rest, fields)
            except struct.error:
                return "blob"  # cut short: a (bad) public blob, as Twisted guesses
            return "blob" if not parsed[-1] else "private_blob"
        return None

    @classmethod
    def _fromString_PUBLIC_LSH(cls, data: bytes) -> Key:
        sexp = sexpy.parse(base64.b64decode(data.strip()[1:-1]))
        if sexp[:1] != [b"public-key"] or len(sexp) != 2 or not isinstance(sexp[1], list):
            raise BadKeyError("not an LSH public key")
        return cls._fromLSH(sexp[1], private=False)

    @classmethod
    def _fromString_PRIVATE_LSH(cls, data: bytes, passphrase: bytes | None = None) -> Key:
        sexp = sexpy.parse(data.strip())
        if sexp[:1] != [b"private-key"] or len(sexp) != 2 or not isinstance(sexp[1], list):
            raise BadKeyError("not an LSH private key")
        return cls._fromLSH(sexp[1], private=True)

    @classmethod
    def _fromLSH(cls, body: list[Any], private: bool) -> Key:
        kind = body[0]
        values = {item[0]: int.from_bytes(item[1], "big") for item in body[1:]
                  if isinstance(item, list) and len(item) == 2}
        try:
            if kind == b"dsa":
                return cls._fromDSAComponents(values[b"y"], values[b"p"], values[b"q"],
                                              values[b"g"], values[b"x"] if private else None)
            if kind in (b"rsa-pkcs1", b"rsa-pkcs1-sha1"):
                if not private:
                    return cls._fromRSAComponents(values[b"n"], values[b"e"])
                # LSH's p is data()'s q (see _toString_LSH).
                return cls._fromRSAComponents(values[b"n"], values[b"e"], values[b"d"],
                                              values[b"q"], values[b"p"])
        except KeyError as e:
            raise BadKeyError(f"LSH key without {e.args[0]!r}") from e
        raise BadKeyError(f"unknown LSH key type {kind!r}")

    @staticmethod
    def _looksLikeAgentV3(kind: bytes, rest: bytes) -> bool:
        # Agent v3 private keys are RSA (e n d u p q: e first, smaller than n) or DSA
        # (p q g y x), all as mpints; the private blobs of the same keys put n first.
        if kind not in (b"ssh-rsa", b"ssh-dss"):
            return False
        numbers: list[int] = []
        while rest and len(numbers) < 7:
            number, rest = getMP(rest)  # type: ignore[assignment]
            numbers.append(_mp(number))
        if rest:
            return False
        if kind == b"ssh-dss":
            return len(numbers) == 5
        return len(numbers) == 6 and numbers[0] < numbers[1]

    # Builders from components ------------------------------------------------

    @classmethod
    def _fromRSAComponents(cls, n: int, e: int, d: int | None = None, p: int | None = None,
                           q: int | None = None, u: int | None = None) -> Key:
        pub = rsa.RSAPublicNumbers(e, n)
        if d is None:
            return cls(pub.public_key())
        if p is None or q is None:
            p, q = rsa.rsa_recover_prime_factors(n, e, d)
        priv = rsa.RSAPrivateNumbers(
            p=p, q=q, d=d, dmp1=rsa.rsa_crt_dmp1(d, p), dmq1=rsa.rsa_crt_dmq1(d, q),
            iqmp=rsa.rsa_crt_iqmp(p, q), public_numbers=pub,
        )
        return cls(priv.private_key())

    @classmethod
    def _fromDSAComponents(cls, y: int, p: int, q: int, g: int, x: int | None = None) -> Key:
        pub = _DSAPublicNumbers(y, _DSAParameterNumbers(p, q, g))
        if x is None:
            return cls(pub.public_key())
        return cls(_DSAPrivateNumbers(x, pub).private_key())

    @classmethod
    def _fromECComponents(cls, x: int, y: int, curve: bytes, privateValue: int | None = None) -> Key:
        if curve not in _CURVES:
            raise BadKeyError(f"unsupported curve {curve!r}")
        pub = ec.EllipticCurvePublicNumbers(x, y, _CURVES[curve]())
        if privateValue is None:
            return cls(pub.public_key())
        return cls(ec.EllipticCurvePrivateNumbers(privateValue, pub).private_key())

    @classmethod
    def _fromECEncodedPoint(cls, encodedPoint: bytes, curve: bytes,
                            privateValue: int | None = None) -> Key:
        if curve not in _CURVES:
            raise BadKeyError(f"unsupported curve {curve!r}")
        if privateValue is not None:
            return cls(ec.derive_private_key(privateValue, _CURVES[curve]()))
        return cls(ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[curve](), encodedPoint))

    @classmethod
    def _fromEd25519Components(cls, a: bytes, k: bytes | None = None) -> Key:
        if k is None:
            return cls(ed25519.Ed25519PublicKey.from_public_bytes(a))
        return cls(ed25519.Ed25519PrivateKey.from_private_bytes(k))

    # Parsers -----------------------------------------------------------------

    @classmethod
    def _fromString_BLOB(cls, blob: bytes) -> Key:
        kind, rest = getNS(blob)
        if kind == b"ssh-rsa":
            e, n, _ = getMP(rest, 2)
            return cls._fromRSAComponents(n=_mp(n), e=_mp(e))
        if kind == b"ssh-dss":
            p, q, g, y, _ = getMP(rest, 4)
            return cls._fromDSAComponents(y=_mp(y), p=_mp(p), q=_mp(q), g=_mp(g))
        if kind in _CURVES:
            curve_id, point, _ = getNS(rest, 2)
            if curve_id != _CURVE_IDS[kind]:
                raise BadKeyError(f"curve {curve_id!r} does not match key type {kind!r}")
            return cls._fromECEncodedPoint(point, kind)
        if kind == b"ssh-ed25519":
            a, _ = getNS(rest)
            return cls._fromEd25519Components(a)
        if kind == _SK_ECDSA:
            curve_id, point, app, _ = getNS(rest, 3)
            key = cls._fromECEncodedPoint(point, b"ecdsa-sha2-nistp256")
            key._sk_application = app
            return key
        if kind == _SK_ED25519:
            a, app, _ = getNS(rest, 2)
            key = cls._fromEd25519Components(a)
            key._sk_application = app
            return key
        raise BadKeyError(f"unknown blob type: {kind!r}")

    @classmethod
    def _fromString_PRIVATE_BLOB(cls, blob: bytes, passphrase: bytes | None = None) -> Key:
        key, _ = cls._private_from_blob(blob)
        return key

    @classmethod
    def _private_from_blob(cls, blob: bytes) -> tuple[Key, bytes]:
        """A private key from the OpenSSH private wire form, and the bytes after it."""
        kind, rest = getNS(blob)
        if kind == b"ssh-rsa":
            n, e, d, _u, p, q, tail = getMP(rest, 6)
            key = cls._fromRSAComponents(n=_mp(n), e=_mp(e), d=_mp(d), p=_mp(p), q=_mp(q))
            return key, _bs(tail)
        if kind == b"ssh-dss":
            p, q, g, y, x, tail = getMP(rest, 5)
            key = cls._fromDSAComponents(y=_mp(y), p=_mp(p), q=_mp(q), g=_mp(g), x=_mp(x))
            return key, _bs(tail)
        if kind in _CURVES:
            curve_id, point, rest = getNS(rest, 2)
            priv, tail = getMP(rest)
            key = cls._fromECEncodedPoint(point, kind, _mp(priv))
            if key.public().blob() != NS(kind) + NS(curve_id) + NS(point):
                raise BadKeyError("EC private value does not match the public point")
            return key, _bs(tail)
        if kind == b"ssh-ed25519":
            a, k, rest = getNS(rest, 2)
            if len(k) != 64 or k[32:] != a:
                raise BadKeyError("malformed Ed25519 private key")
            return cls._fromEd25519Components(a, k[:32]), rest
        raise BadKeyError(f"unknown blob type: {kind!r}")

    @classmethod
    def _fromString_AGENTV3(cls, blob: bytes, passphrase: bytes | None = None) -> Key:
        kind, rest = getNS(blob)
        if kind == b"ssh-rsa":
            e, d, n, _u, p, q, _ = getMP(rest, 6)
            return cls._fromRSAComponents(n=_mp(n), e=_mp(e), d=_mp(d), p=_mp(p), q=_mp(q))
        if kind == b"ssh-dss":
            p, q, g, y, x, _ = getMP(rest, 5)
            return cls._fromDSAComponents(y=_mp(y), p=_mp(p), q=_mp(q), g=_mp(g), x=_mp(x))
        raise BadKeyError(f"unknown key type {kind!r}")

    @classmethod
    def _fromString_PUBLIC_OPENSSH(cls, data: bytes) -> Key:
        fields = data.strip().split(None, 2)
        if len(fields) < 2:
            raise BadKeyError("an OpenSSH public key line is 'type base64 [comment]'")
        blob = base64.b64decode(fields[1], validate=True)
        key = cls._fromString_BLOB(blob)
        if NS(fields[0]) != blob[: 4 + len(fields[0])]:
            raise BadKeyError("the key type does not match the encoded key")
        return key

    @classmethod
    def _fromString_PUBLIC_RFC4716(cls, data: bytes) -> Key:
        lines = data.strip().splitlines()
        body: list[bytes] = []
        continued = False
        for line in lines[1:-1]:
            if continued or b":" in line:
                continued = line.endswith(b"\\")
                continue
            body.append(line.strip())
        return cls._fromString_BLOB(base64.b64decode(b"".join(body), validate=True))

    @classmethod
    def _fromString_PRIVATE_OPENSSH(cls, data: bytes, passphrase: bytes | None) -> Key:
        stripped = data.strip()
        if stripped.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----"):
            return cls._fromPrivateOpenSSH_v1(stripped, passphrase)
        return cls._fromPrivateOpenSSH_PEM(stripped, passphrase)

    @classmethod
    def _fromPrivateOpenSSH_v1(cls, data: bytes, passphrase: bytes | None) -> Key:
        lines = data.strip().splitlines()
        if not lines[-1].startswith(b"-----END OPENSSH PRIVATE KEY"):
            raise BadKeyError("unknown OpenSSH private key format")
        try:
            raw = base64.b64decode(b"".join(lines[1:-1]), validate=True)
        except binascii.Error as e:
            raise BadKeyError("unknown OpenSSH private key format") from e
        if not raw.startswith(_V1_MAGIC):
            raise BadKeyError("unknown OpenSSH private key format")
        try:
            cipher, kdf, kdf_options, rest = getNS(raw[len(_V1_MAGIC):], 3)
            (count,) = struct.unpack_from(">L", rest)
            rest = rest[4:]
            for _ in range(count):
                _pub, rest = getNS(rest)
            encrypted, _ = getNS(rest)
        except struct.error as e:
            raise BadKeyError("unknown OpenSSH private key format") from e
        if count != 1:
            raise BadKeyError(f"an OpenSSH key file with {count} keys")
        if cipher == b"none":
            if kdf != b"none":
                raise BadKeyError(f"unencrypted key with KDF {kdf!r}")
            block = 8
            private = encrypted
        else:
            if passphrase is None:
                raise EncryptedKeyError("Passphrase must be provided for an encrypted key")
            if kdf != b"bcrypt":
                raise BadKeyError(f"unknown KDF type: {kdf!r}")
            if cipher not in _V1_CIPHERS:
                raise BadKeyError(f"unknown encryption type: {cipher!r}")
            key_len, iv_len, block, mode = _V1_CIPHERS[cipher]
            salt, opts_rest = getNS(kdf_options)
            (rounds,) = struct.unpack(">L", opts_rest)
            if not 0 < rounds <= _V1_MAX_ROUNDS:
                raise BadKeyError(f"bcrypt rounds out of range: {rounds}")
            material = _bcrypt_kdf(passphrase, salt, key_len + iv_len, rounds)
            key, iv = material[:key_len], material[key_len:]
            if mode == "gcm":
                tag_start = len(raw) - 16
                tag = raw[tag_start:]
                try:
                    private = AESGCM(key).decrypt(iv, encrypted + tag, None)
                except InvalidTag as e:
                    raise BadKeyError("Failed to decode key (Bad Passphrase?)") from e
            else:
                if len(encrypted) % block:
                    raise BadKeyError("encrypted private section is not whole blocks")
                m = modes.CTR(iv) if mode == "ctr" else modes.CBC(iv)
                dec = Cipher(algorithms.AES(key), m).decryptor()
                private = dec.update(encrypted) + dec.finalize()
        if len(private) < 8 or len(private) % block:
            raise BadKeyError("private section is not whole blocks")
        check1, check2 = struct.unpack_from(">LL", private)
        if check1 != check2:
            raise BadKeyError(f"check values do not match: {check1} != {check2}")
        result, rest = cls._private_from_blob(private[8:])
        _comment, padding_bytes = getNS(rest)
        if padding_bytes != bytes(range(1, len(padding_bytes) + 1)):
            raise BadKeyError("bad padding in the private section")
        return result

    @classmethod
    def _fromPrivateOpenSSH_PEM(cls, data: bytes, passphrase: bytes | None) -> Key:
        first = data.split(b"\n", 1)[0].strip()
        label = first[len(b"-----BEGIN "):].rstrip(b"-").strip()
        if label == b"PUBLIC KEY":
            if passphrase:
                raise BadKeyError("key not encrypted")
            try:
                return cls(serialization.load_pem_public_key(data))
            except ValueError as e:
                raise BadKeyError(f"malformed public key: {e}") from e
        if label not in (b"RSA PRIVATE KEY", b"DSA PRIVATE KEY", b"EC PRIVATE KEY",
                         b"PRIVATE KEY", b"ENCRYPTED PRIVATE KEY"):
            kind = label[: -len(b" PRIVATE KEY")] if label.endswith(b" PRIVATE KEY") else label
            raise BadKeyError(f"unknown key type {kind!r}")
        encrypted = b"Proc-Type: 4,ENCRYPTED" in data or label == b"ENCRYPTED PRIVATE KEY"
        if encrypted != bool(passphrase):
            # Twisted answers a passphrase given for a plain PEM key the same way.
            raise EncryptedKeyError("Passphrase must be provided for an encrypted key")
        try:
            obj = serialization.load_pem_private_key(data, passphrase if encrypted else None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as e:
            raise BadKeyError("Failed to decode key (Bad Passphrase?)") from e
        try:
            return cls(obj)
        except RuntimeError as e:
            raise BadKeyError(str(e)) from e

    # ------------------------------------------------------------- comparison

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Key):
            return NotImplemented
        return bool(self.type() == other.type() and self.data() == other.data())

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Key):
            return NotImplemented
        return not self.__eq__(other)

    def __repr__(self) -> str:
        kind = self.type()
        visibility = "Public" if self.isPublic() else "Private"
        if kind == "EC":
            data = self.data()
            lines = [f"<Elliptic Curve {visibility} Key ({self.size()} bits)",
                     "curve:", "\t" + data["curve"].decode("ascii")]
            for name in ("privateValue", "x", "y"):
                if name in data:
                    lines += [f"{name}:", f"\t{data[name]}"]
            return "\n".join(lines) + ">\n"
        lines = [f"<{kind} {visibility} Key ({self.size()} bits)"]
        for name, value in sorted(self.data().items()):
            lines.append(f"attr {name}:")
            if isinstance(value, bytes):
                octets = [f"{b:02x}" for b in value]
                chunks = [":".join(octets[i : i + 15]) for i in range(0, len(octets), 15)]
                body = [c + (":" if i < len(chunks) - 1 else "") for i, c in enumerate(chunks)]
            else:
                body = _hexlines(value)
            lines.extend("\t" + b for b in body)
        return "\n".join(lines) + ">"

    # ------------------------------------------------------------- properties

    def isPublic(self) -> bool:
        """Whether this is only a public key."""
        return isinstance(self._keyObject, (rsa.RSAPublicKey, _DSAPublicKey,
                                            ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey))

    def public(self) -> Key:
        """The public half of this key (the key itself if it is public)."""
        if self.isPublic():
            return self
        key = Key(self._keyObject.public_key())
        key._sk_application = self._sk_application
        return key

    def type(self) -> Literal["RSA", "DSA", "EC", "Ed25519"]:
        """The kind of key: ``'RSA'``, ``'DSA'``, ``'EC'`` or ``'Ed25519'``."""
        obj = self._keyObject
        if isinstance(obj, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
            return "RSA"
        if isinstance(obj, (_DSAPublicKey, _DSAPrivateKey)):
            return "DSA"
        if isinstance(obj, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
            return "EC"
        if isinstance(obj, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
            return "Ed25519"
        raise RuntimeError(f"unknown type of object: {obj!r}")

    def sshType(self) -> bytes:
        """The SSH name of the key type: ``b'ssh-rsa'``, ``b'ecdsa-sha2-nistp256'`` ..."""
        kind = self.type()
        if self._sk_application is not None:
            return _SK_ECDSA if kind == "EC" else _SK_ED25519
        if kind == "RSA":
            return b"ssh-rsa"
        if kind == "DSA":
            return b"ssh-dss"
        if kind == "EC":
            return _CURVE_BY_NAME[self._keyObject.curve.name]
        return b"ssh-ed25519"

    @property
    def _sk(self) -> bool:
        """Whether this is a security key (Twisted's name)."""
        return self._sk_application is not None

    def isSecurityKey(self) -> bool:
        """Whether this is a FIDO security key (``sk-*`` types)."""
        return self._sk_application is not None

    @property
    def application(self) -> bytes:
        """The application string of a security key."""
        if self._sk_application is None:
            raise ValueError("only security keys have an application")
        return self._sk_application

    def size(self) -> int:
        """The key size in bits (0 for a Key that wraps no key object)."""
        if self._keyObject is None:
            return 0
        if self.type() == "Ed25519":
            return 256
        size: int = self._keyObject.key_size
        return size

    def supportedSignatureAlgorithms(self) -> list[bytes]:
        """The signature algorithms this key can make or check, best first."""
        if self.type() == "RSA":
            return [b"rsa-sha2-512", b"rsa-sha2-256", b"ssh-rsa"]
        return [self.sshType()]

    def data(self) -> dict[str, Any]:
        """The key's numbers: RSA n, e (d, p, q, u), DSA p, q, g, y (x), EC x, y, curve
        (privateValue), Ed25519 a (k)."""
        obj = self._keyObject
        kind = self.type()
        if kind == "RSA":
            if isinstance(obj, rsa.RSAPublicKey):
                pn = obj.public_numbers()
                return {"n": pn.n, "e": pn.e}
            priv = obj.private_numbers()
            return {"n": priv.public_numbers.n, "e": priv.public_numbers.e, "d": priv.d,
                    "p": priv.p, "q": priv.q, "u": rsa.rsa_crt_iqmp(priv.q, priv.p)}
        if kind == "DSA":
            if isinstance(obj, _DSAPublicKey):
                dn = obj.public_numbers()
                x = None
            else:
                dpriv = obj.private_numbers()
                dn, x = dpriv.public_numbers, dpriv.x
            out: dict[str, Any] = {"y": dn.y, "g": dn.parameter_numbers.g,
                                   "p": dn.parameter_numbers.p, "q": dn.parameter_numbers.q}
            if x is not None:
                out["x"] = x
            return out
        if kind == "EC":
            if isinstance(obj, ec.EllipticCurvePublicKey):
                en = obj.public_numbers()
                out = {"x": en.x, "y": en.y, "curve": self.sshType()}
            else:
                epriv = obj.private_numbers()
                out = {"x": epriv.public_numbers.x, "y": epriv.public_numbers.y,
                       "privateValue": epriv.private_value, "curve": self.sshType()}
            return out
        raw = serialization.Encoding.Raw
        if isinstance(obj, ed25519.Ed25519PublicKey):
            return {"a": obj.public_bytes(raw, serialization.PublicFormat.Raw)}
        return {"a": obj.public_key().public_bytes(raw, serialization.PublicFormat.Raw),
                "k": obj.private_bytes(raw, serialization.PrivateFormat.Raw,
                                       serialization.NoEncryption())}

    def _ec_point(self) -> bytes:
        obj = self._keyObject
        pub = obj if isinstance(obj, ec.EllipticCurvePublicKey) else obj.public_key()
        point: bytes = pub.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
        return point

    def blob(self) -> bytes:
        """The public key in SSH wire form (RFC 4253 section 6.6)."""
        kind = self.type()
        data = self.data()
        if kind == "RSA":
            return NS(b"ssh-rsa") + MP(data["e"]) + MP(data["n"])
        if kind == "DSA":
            return NS(b"ssh-dss") + MP(data["p"]) + MP(data["q"]) + MP(data["g"]) + MP(data["y"])
        if kind == "EC":
            if self._sk_application is not None:
                return (NS(_SK_ECDSA) + NS(b"nistp256") + NS(self._ec_point())
                        + NS(self._sk_application))
            ssh_type = self.sshType()
            return NS(ssh_type) + NS(_CURVE_IDS[ssh_type]) + NS(self._ec_point())
        if self._sk_application is not None:
            return NS(_SK_ED25519) + NS(data["a"]) + NS(self._sk_application)
        return NS(b"ssh-ed25519") + NS(data["a"])

    def privateBlob(self) -> bytes:
        """The private key in OpenSSH's private wire form (agent and v1 key files)."""
        if self.isPublic():
            raise ValueError("a public key has no private blob")
        kind = self.type()
        data = self.data()
        if kind == "RSA":
            iqmp = rsa.rsa_crt_iqmp(data["p"], data["q"])
            return (NS(b"ssh-rsa") + MP(data["n"]) + MP(data["e"]) + MP(data["d"]) + MP(iqmp)
                    + MP(data["p"]) + MP(data["q"]))
        if kind == "DSA":
            return (NS(b"ssh-dss") + MP(data["p"]) + MP(data["q"]) + MP(data["g"])
                    + MP(data["y"]) + MP(data["x"]))
        if kind == "EC":
            ssh_type = self.sshType()
            return (NS(ssh_type) + NS(_CURVE_IDS[ssh_type]) + NS(self._ec_point())
                    + MP(data["privateValue"]))
        return NS(b"ssh-ed25519") + NS(data["a"]) + NS(data["k"] + data["a"])

    def fingerprint(self, format: Any = FingerprintFormats.MD5_HEX) -> str:
        """The public key's fingerprint: MD5 as ``aa:bb:...`` or SHA-256 in base64."""
        if format is FingerprintFormats.SHA256_BASE64:
            return base64.b64encode(hashlib.sha256(self.blob()).digest()).decode("ascii")
        if format is FingerprintFormats.MD5_HEX:
            digest = hashlib.md5(self.blob(), usedforsecurity=False).hexdigest()
            return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
        raise BadFingerPrintFormat(f"Unsupported fingerprint format: {format}")

    # ------------------------------------------------------------- serialisation

    def toString(self, type: str, extra: Any = None, subtype: str | None = None,
                 comment: bytes | str | None = None,
                 passphrase: bytes | str | None = None) -> bytes:
        """The key in format ``type``: ``'openssh'``, ``'blob'``, ``'private_blob'`` or
        ``'agentv3'``.

        ``'openssh'`` private keys are PEM by default (``subtype='PEM'``) except Ed25519,
        which only has the v1 form (``subtype='v1'``). ``extra`` is an old spelling of
        ``passphrase``.
        """
        if extra is not None and passphrase is None:
            passphrase = extra
        secret = _normalise_passphrase(passphrase)
        if isinstance(comment, str):
            comment = comment.encode("utf-8")
        kind = type.lower()
        if kind == "openssh":
            if self.isPublic():
                return self._toPublicOpenSSH(comment)
            if subtype is None:
                subtype = "v1" if self.type() == "Ed25519" else "PEM"
            if subtype == "v1":
                return self._toPrivateOpenSSH_v1(comment, secret)
            if subtype == "PEM":
                return self._toPrivateOpenSSH_PEM(secret)
            raise ValueError(f"unknown subtype {subtype}")
        if kind == "blob":
            return self.blob()
        if kind == "private_blob":
            return self.privateBlob()
        if kind == "agentv3":
            return self._toString_AGENTV3()
        if kind == "lsh":
            return self._toString_LSH()
        raise BadKeyError(f"unknown key type: {type}")

    # LSH (GNU lsh) keys: canonical S-expressions (conch.ssh.sexpy) whose numbers are
    # unsigned big-endian with a leading zero byte when the top bit is set (an mpint
    # without its length). Public keys are the expression in base64 between braces.

    def _toString_LSH(self) -> bytes:
        data = self.data()
        kind = self.type()
        if kind not in ("RSA", "DSA"):
            raise BadKeyError(f"LSH keys are RSA or DSA, not {kind}")

        def number(name: bytes, value: int) -> list[Any]:
            return [name, MP(value)[4:]]

        if self.isPublic():
            if kind == "RSA":
                body: list[Any] = [b"rsa-pkcs1-sha1", number(b"n", data["n"]),
                                   number(b"e", data["e"])]
            else:
                body = [b"dsa", *(number(k.encode(), data[k]) for k in "pqgy")]
            return b"{" + base64.b64encode(sexpy.pack([[b"public-key", body]])) + b"}"
        if kind == "RSA":
            # LSH names the factors the other way round from data(): its p is our q.
            p, q, d = data["q"], data["p"], data["d"]
            body = [b"rsa-pkcs1", number(b"n", data["n"]), number(b"e", data["e"]),
                    number(b"d", d), number(b"p", p), number(b"q", q),
                    number(b"a", d % (p - 1)), number(b"b", d % (q - 1)),
                    number(b"c", pow(p, -1, q))]
        else:
            body = [b"dsa", *(number(k.encode(), data[k]) for k in "pqgyx")]
        return sexpy.pack([[b"private-key", body]])

    def _toPublicOpenSSH(self, comment: bytes | None = None) -> bytes:
        line = self.sshType() + b" " + base64.b64encode(self.blob())
        if comment:
            line += b" " + comment
        return line

    def _toPrivateOpenSSH_PEM(self, passphrase: bytes | None = None) -> bytes:
        if self.type() == "Ed25519":
            raise ValueError("cannot serialize Ed25519 key to OpenSSH PEM format; use v1 instead")
        encryption: serialization.KeySerializationEncryption
        if passphrase:
            encryption = serialization.BestAvailableEncryption(passphrase)
        else:
            encryption = serialization.NoEncryption()
        out: bytes = self._keyObject.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, encryption
        )
        return out

    def _toPrivateOpenSSH_v1(self, comment: bytes | None = None,
                             passphrase: bytes | None = None) -> bytes:
        blob = self.privateBlob()
        # The check number only tells a right passphrase from a wrong one: random under
        # encryption (as OpenSSH writes it), derived from the key in a plain file so that
        # the same key is always written the same way (as Twisted's tests expect).
        check = os.urandom(4) if passphrase else hashlib.sha256(blob).digest()[:4]
        private = check + check + blob + NS(comment or b"")
        if passphrase:
            key_len, iv_len, block, _ = _V1_CIPHERS[_V1_WRITE_CIPHER]
            salt = os.urandom(16)
            kdf_options = NS(salt) + struct.pack(">L", _V1_WRITE_ROUNDS)
            cipher_name, kdf_name = _V1_WRITE_CIPHER, b"bcrypt"
        else:
            block = 8
            kdf_options = b""
            cipher_name = kdf_name = b"none"
        pad = -len(private) % block
        private += bytes(range(1, pad + 1))
        if passphrase:
            material = _bcrypt_kdf(passphrase, salt, key_len + iv_len, _V1_WRITE_ROUNDS)
            enc = Cipher(algorithms.AES(material[:key_len]),
                         modes.CTR(material[key_len:])).encryptor()
            private = enc.update(private) + enc.finalize()
        body = (_V1_MAGIC + NS(cipher_name) + NS(kdf_name) + NS(kdf_options)
                + struct.pack(">L", 1) + NS(self.blob()) + NS(private))
        return _pem_armor(b"OPENSSH PRIVATE KEY", body)

    def _toString_AGENTV3(self) -> bytes:
        if self.isPublic():
            raise ValueError("agentv3 holds private keys")
        data = self.data()
        if self.type() == "RSA":
            return (NS(b"ssh-rsa") + MP(data["e"]) + MP(data["d"]) + MP(data["n"])
                    + MP(data["u"]) + MP(data["p"]) + MP(data["q"]))
        if self.type() == "DSA":
            return (NS(b"ssh-dss") + MP(data["p"]) + MP(data["q"]) + MP(data["g"])
                    + MP(data["y"]) + MP(data["x"]))
        raise BadKeyError(f"agentv3 has no form for {self.type()} keys")

    # ------------------------------------------------------------- signatures

    def _getHashAlgorithm(self, signatureType: bytes) -> hashes.HashAlgorithm | None:
        kind = self.type()
        if kind == "RSA":
            algorithm = _RSA_SIG_HASH.get(signatureType)
            return algorithm() if algorithm else None
        if kind == "DSA":
            return hashes.SHA1() if signatureType == b"ssh-dss" else None
        if kind == "EC":
            if signatureType != self.sshType():
                return None
            return _ECDSA_HASH[self.size()]()
        return None

    def sign(self, data: bytes, signatureType: bytes | None = None) -> bytes:
        """An SSH signature blob over ``data``: ``string(algorithm) + string(signature)``.

        ``signatureType`` defaults to the key type (``ssh-rsa``, SHA-1, for RSA keys).
        """
        if self.isPublic():
            raise ValueError("a public key cannot sign")
        if signatureType is None:
            signatureType = self.sshType()
        kind = self.type()
        obj = self._keyObject
        if kind == "Ed25519":
            if signatureType != b"ssh-ed25519":
                raise BadSignatureAlgorithmError(
                    f"public key signature algorithm {signatureType!r} is not defined for "
                    f"{kind} keys")
            return NS(signatureType) + NS(obj.sign(data))
        algorithm = self._getHashAlgorithm(signatureType)
        if algorithm is None:
            raise BadSignatureAlgorithmError(
                f"public key signature algorithm {signatureType!r} is not defined for "
                f"{kind} keys")
        if kind == "RSA":
            sig = obj.sign(data, padding.PKCS1v15(), algorithm)
            return NS(signatureType) + NS(sig)
        if kind == "DSA":
            r, s = decode_dss_signature(obj.sign(data, algorithm))
            return NS(signatureType) + NS(r.to_bytes(20, "big") + s.to_bytes(20, "big"))
        r, s = decode_dss_signature(obj.sign(data, ec.ECDSA(algorithm)))
        return NS(signatureType) + NS(MP(r) + MP(s))

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` (an SSH signature blob) is this key's signature of ``data``.

        A DSA signature may also be the bare 40 bytes of r and s (as some commercial
        servers send it, and Twisted accepts).
        """
        if len(signature) == 40 and self.type() == "DSA":
            signature = NS(b"ssh-dss") + NS(signature)
        try:
            signatureType, sig, _ = getNS(signature, 2)
        except struct.error:
            return False
        key = self.public()._keyObject
        kind = self.type()
        try:
            if self._sk_application is not None:
                return self._verify_sk(signatureType, sig, signature, data)
            if kind == "Ed25519":
                if signatureType != b"ssh-ed25519":
                    return False
                key.verify(sig, data)
                return True
            algorithm = self._getHashAlgorithm(signatureType)
            if algorithm is None:
                return False
            if kind == "RSA":
                size = (self.size() + 7) // 8
                if len(sig) > size:
                    return False
                key.verify(sig.rjust(size, b"\0"), data, padding.PKCS1v15(), algorithm)
                return True
            if kind == "DSA":
                if len(sig) != 40:
                    return False
                der = encode_dss_signature(int.from_bytes(sig[:20], "big"),
                                           int.from_bytes(sig[20:], "big"))
                key.verify(der, data, algorithm)
                return True
            r, s, rest = getMP(sig, 2)
            if rest:
                return False
            key.verify(encode_dss_signature(_mp(r), _mp(s)), data, ec.ECDSA(algorithm))
            return True
        except (InvalidSignature, ValueError, struct.error):
            return False

    def _verify_sk(self, signatureType: bytes, sig: bytes, signature: bytes, data: bytes) -> bool:
        """Check a FIDO security-key signature (OpenSSH PROTOCOL.u2f)."""
        if signatureType != self.sshType():
            return False
        rest = signature[8 + len(signatureType) + len(sig):]
        if len(rest) != 5:
            return False
        flags_counter = rest
        app = self._sk_application or b""
        message = hashlib.sha256(app).digest() + flags_counter + hashlib.sha256(data).digest()
        key = self.public()._keyObject
        if self.type() == "Ed25519":
            key.verify(sig, message)
            return True
        r, s, tail = getMP(sig, 2)
        if tail:
            return False
        key.verify(encode_dss_signature(_mp(r), _mp(s)), message, ec.ECDSA(hashes.SHA256()))
        return True


def _bcrypt_kdf(passphrase: bytes, salt: bytes, length: int, rounds: int) -> bytes:
    try:
        import bcrypt
    except ImportError as e:  # pragma: no cover - the conch extra is missing
        raise BadKeyError("encrypted OpenSSH keys need the 'bcrypt' package") from e
    out: bytes = bcrypt.kdf(password=passphrase, salt=salt, desired_key_bytes=length,
                            rounds=rounds, ignore_few_rounds=True)
    return out


def _getPersistentRSAKey(location: Any, keySize: int = 4096) -> Key:
    """The RSA key kept in the PEM file ``location`` (a ``FilePath``), made (``keySize``
    bits, parent directories too) and saved there the first time."""
    if not location.exists():
        location.parent().makedirs(ignoreExistingDirectory=True)
        made = rsa.generate_private_key(public_exponent=65537, key_size=keySize)
        location.setContent(Key(made).toString("openssh"))
    return Key.fromString(location.getContent())
