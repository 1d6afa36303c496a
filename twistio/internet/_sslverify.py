"""TLS below the transports: certificates, keys, the options that make ``ssl.SSLContext``
objects, and the TLS link (``TLSTransport``) that ``listenSSL``, ``connectSSL``, ``startTLS``
and the TLS endpoints run on.

Everything here is public through ``twistio.internet.ssl``, which adds the TLS port and
connector; this module sits below the transports (as Twisted's ``_sslverify`` does), so
that the connection adapter can upgrade to TLS without importing the module that imports it.

Twisted builds pyOpenSSL contexts; twistio builds the standard library's ``ssl.SSLContext``.
Wherever Twisted takes a context factory, twistio takes a plain ``ssl.SSLContext`` too, or any
object whose ``getContext()`` returns one.

The TLS itself runs on ``ssl.MemoryBIO`` + ``ssl.SSLObject`` (``TLSTransport`` below; also
``twistio.protocols.tls`` over any transport), not on asyncio's TLS, whose 256 KiB receive
buffer per connection made 10,000 idle TLS connections cost gigabytes. A handshake that takes
longer than ``DEFAULT_HANDSHAKE_TIMEOUT`` (60 s) drops the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import ipaddress
import logging
import os
import ssl
import sys
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Protocol, TypedDict, TypeVar, Union, cast

from typing_extensions import Self

from twistio._typing import StoredCall
from twistio.internet import error
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import (
    IOpenSSLClientConnectionCreator,
    IOpenSSLContextFactory,
    IOpenSSLServerConnectionCreator,
    IOpenSSLTrustRoot,
    ISSLTransport,
    implementer,
)
from twistio.python.deprecate import deprecated as _deprecated
from twistio.python.versions import Version as _Version

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.types import (
        CertificateIssuerPrivateKeyTypes,
        PrivateKeyTypes,
        PublicKeyTypes,
    )
    from OpenSSL import SSL as PySSL
    from OpenSSL import crypto as PyCrypto

    from twistio.protocols.tls import TLSMemoryBIOProtocol

    #: The hashes cryptography signs certificates and requests with.
    _SigningHash = Union[
        hashes.SHA224, hashes.SHA256, hashes.SHA384, hashes.SHA512,
        hashes.SHA3_224, hashes.SHA3_256, hashes.SHA3_384, hashes.SHA3_512,
    ]

_log = logging.getLogger("twistio")
_C = TypeVar("_C")

#: A pyOpenSSL method (``SSL.TLSv1_2_METHOD``...), or its name.
_Method = Union[int, str, None]
#: What makes pyOpenSSL's context from a method: ``OpenSSL.SSL.Context`` or a subclass.
_PyContextMaker = Callable[[int], "PySSL.Context"]


class _ECDHLib(Protocol):
    """What is used of pyOpenSSL's binding of OpenSSL's library."""

    def SSL_CTX_set_ecdh_auto(self, ctx: object, onoff: bool, /) -> object: ...


def _discard(data: bytes) -> None:
    """Writes once the connection is lost: dropped."""

__all__ = [
    "DN",
    "AcceptableCiphers",
    "Certificate",
    "CertificateOptions",
    "CertificateRequest",
    "ClientContextFactory",
    "ClientTLSOptions",
    "ContextFactory",
    "DefaultOpenSSLContextFactory",
    "DiffieHellmanParameters",
    "DistinguishedName",
    "KeyPair",
    "OpenSSLAcceptableCiphers",
    "OpenSSLCertificateAuthorities",
    "OpenSSLCertificateOptions",
    "OpenSSLCipher",
    "OpenSSLDefaultPaths",
    "OpenSSLDiffieHellmanParameters",
    "PrivateCertificate",
    "ProtocolNegotiationSupport",
    "PublicKey",
    "TLSVersion",
    "VerificationError",
    "optionsForClientTLS",
    "platformTrust",
    "protocolNegotiationMechanisms",
    "trustRootFromCertificates",
]

#: Always true: TLS is available wherever the ``ssl`` module is.
supported = True

#: Encodings for ``load``/``dump`` (pyOpenSSL's numbers, which Twisted code passes).
FILETYPE_PEM = 1
FILETYPE_ASN1 = 2
#: Key kinds for ``KeyPair.generate`` (pyOpenSSL's numbers).
TYPE_RSA = 6
TYPE_DSA = 116

#: The exception for a certificate that fails verification, a name mismatch included. In
#: Twisted it is service_identity's ``VerificationError``; here the standard library's.
VerificationError = ssl.SSLCertVerificationError

_PEM_CERT_BEGIN = b"-----BEGIN CERTIFICATE-----"


class CertificateError(Exception):
    """A certificate is missing or not what was expected."""


class VerifyError(Exception):
    """A certificate request was refused by the caller's distinguished-name check."""


def _as_bytes(data: Union[str, bytes]) -> bytes:
    return data.encode("ascii") if isinstance(data, str) else data


def _crypto() -> None:
    """Check that the ``cryptography`` library (the ``tls`` extra) is there; a clear
    ImportError if not."""
    try:
        import cryptography.x509  # noqa: F401
        from cryptography.hazmat.primitives import hashes, serialization  # noqa: F401
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "this needs the cryptography library: pip install 'twistio[tls]'"
        ) from e


# -- constants -----------------------------------------------------------------------------


class _NamedConstant:
    """One constant of a ``_Names`` container; ordered by definition."""

    __slots__ = ("_container", "_index", "name", "value")

    def __init__(self, container: str, name: str, index: int, value: object = None) -> None:
        self._container = container
        self._index = index
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"<{self._container}={self.name}>"

    def __lt__(self, other: _NamedConstant) -> bool:
        return self._index < other._index

    def __le__(self, other: _NamedConstant) -> bool:
        return self._index <= other._index

    def __gt__(self, other: _NamedConstant) -> bool:
        return self._index > other._index

    def __ge__(self, other: _NamedConstant) -> bool:
        return self._index >= other._index

    def __hash__(self) -> int:
        return hash((self._container, self.name))

    def __contains__(self, other: object) -> bool:
        """For flag constants (``ProtocolNegotiationSupport``): whether ``other``'s bits are
        set in this one, as ``flags.ALPN in supported`` asks."""
        if not isinstance(other, _NamedConstant) or other._container != self._container:
            return False
        if isinstance(self.value, int) and isinstance(other.value, int):
            return self.value & other.value == other.value
        return other is self


class _NamesMeta(type):
    def __iter__(cls) -> Iterator[_NamedConstant]:
        return iter(cls._constants)  # type: ignore[attr-defined]


class _Names(metaclass=_NamesMeta):
    """A container of named constants, like ``constantly.Names``."""

    _constants: list[_NamedConstant] = []

    def __init_subclass__(cls) -> None:
        cls._constants = []
        for name, value in list(vars(cls).items()):
            if isinstance(value, _NamedConstant):
                constant = _NamedConstant(cls.__name__, name, len(cls._constants), value.value)
                setattr(cls, name, constant)
                cls._constants.append(constant)

    @classmethod
    def iterconstants(cls) -> Iterator[_NamedConstant]:
        """The constants, in the order they are defined."""
        return iter(cls._constants)

    @classmethod
    def lookupByName(cls, name: str) -> _NamedConstant:
        """The constant called ``name``; ``ValueError`` if there is none."""
        for constant in cls._constants:
            if constant.name == name:
                return constant
        raise ValueError(name)

    @classmethod
    def lookupByValue(cls, value: object) -> _NamedConstant:
        """The constant with ``value``; ``ValueError`` if there is none."""
        for constant in cls._constants:
            if constant.value == value:
                return constant
        raise ValueError(value)


def _constant(value: object = None) -> _NamedConstant:
    return _NamedConstant("", "", 0, value)


class TLSVersion(_Names):
    """TLS protocol versions, oldest first, for ``CertificateOptions``' version bounds."""

    SSLv3 = _constant()
    TLSv1_0 = _constant()
    TLSv1_1 = _constant()
    TLSv1_2 = _constant()
    TLSv1_3 = _constant()


_STDLIB_VERSIONS = {
    "SSLv3": ssl.TLSVersion.SSLv3,
    "TLSv1_0": ssl.TLSVersion.TLSv1,
    "TLSv1_1": ssl.TLSVersion.TLSv1_1,
    "TLSv1_2": ssl.TLSVersion.TLSv1_2,
    "TLSv1_3": ssl.TLSVersion.TLSv1_3,
}


class ProtocolNegotiationSupport(_Names):
    """How protocols can be negotiated: always ALPN here (NPN is gone from TLS 1.3)."""

    NOSUPPORT = _constant(0)
    NPN = _constant(1)
    ALPN = _constant(2)


@_deprecated(_Version("Twisted", 26, 10, 0))
def protocolNegotiationMechanisms() -> _NamedConstant:
    """The protocol negotiation this TLS supports: ALPN (deprecated, as in Twisted 26.10:
    every TLS backend has ALPN)."""
    return ProtocolNegotiationSupport.ALPN


# -- names and keys ------------------------------------------------------------------------

_DN_FIELDS = {
    "CN": "commonName",
    "O": "organizationName",
    "OU": "organizationalUnitName",
    "L": "localityName",
    "ST": "stateOrProvinceName",
    "C": "countryName",
    "emailAddress": "emailAddress",
}
_DN_LONG = frozenset(_DN_FIELDS.values())
_DN_OIDS = {
    "commonName": "2.5.4.3",
    "organizationName": "2.5.4.10",
    "organizationalUnitName": "2.5.4.11",
    "localityName": "2.5.4.7",
    "stateOrProvinceName": "2.5.4.8",
    "countryName": "2.5.4.6",
    "emailAddress": "1.2.840.113549.1.9.1",
}


class DistinguishedName(dict[str, bytes]):
    """An X.509 name: ``DN(commonName=b"example.com", O=b"Example")``; fields read and set as
    attributes by long or short name (``commonName``/``CN``...), values kept as bytes."""

    __slots__ = ()

    def __init__(self, **kw: Union[str, bytes]) -> None:
        super().__init__()
        for name, value in kw.items():
            setattr(self, name, value)

    def __getattr__(self, attr: str) -> bytes:
        try:
            return self[_DN_FIELDS.get(attr, attr)]
        except KeyError:
            raise AttributeError(attr) from None

    def __setattr__(self, attr: str, value: Union[str, bytes]) -> None:
        name = _DN_FIELDS.get(attr, attr)
        if name not in _DN_LONG:
            raise AttributeError(f"{attr} is not a valid OpenSSL X509 name field")
        if isinstance(value, str):
            value = value.encode("utf-8")
        self[name] = value

    def inspect(self) -> str:
        """The fields, one per line, labelled in words."""
        lines = []
        for name, value in sorted(self.items()):
            label = "".join(" " + c if c.isupper() else c for c in name)
            label = label[0].upper() + label[1:]
            shown = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            lines.append(f"{label:>26}: {shown}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "<DN " + dict.__repr__(self)[1:-1] + ">"

    def _x509_name(self) -> x509.Name:
        _crypto()
        from cryptography import x509
        from cryptography.x509.oid import ObjectIdentifier

        return x509.Name([
            x509.NameAttribute(ObjectIdentifier(_DN_OIDS[name]), value.decode("utf-8"))
            for name, value in self.items()
        ])

    @classmethod
    def _from_x509_name(cls, name: x509.Name) -> DistinguishedName:
        by_oid = {oid: field for field, oid in _DN_OIDS.items()}
        dn = cls()
        for attribute in name:
            field = by_oid.get(attribute.oid.dotted_string)
            if field is not None:
                value = attribute.value
                dn[field] = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return dn


DN = DistinguishedName


def _key_object(key: object) -> PrivateKeyTypes:
    """A ``cryptography`` private key from a KeyPair, PEM/DER bytes, or pyOpenSSL's PKey."""
    _crypto()
    from cryptography.hazmat.primitives import serialization

    if isinstance(key, KeyPair):
        return key._key()
    if hasattr(key, "to_cryptography_key"):  # pyOpenSSL PKey
        return cast("PrivateKeyTypes", key.to_cryptography_key())
    if isinstance(key, (str, bytes)):
        data = _as_bytes(key)
        if b"-----BEGIN" in data:
            return serialization.load_pem_private_key(data, None)
        return serialization.load_der_private_key(data, None)
    return cast("PrivateKeyTypes", key)  # cryptography's already


class PublicKey:
    """A public key (``cryptography``'s object is ``original``)."""

    def __init__(self, osslpkey: object) -> None:
        self.original = osslpkey

    def _public(self) -> PublicKeyTypes:
        key = self.original
        return cast("PublicKeyTypes", key.public_key() if hasattr(key, "public_key") else key)

    def keyHash(self) -> str:
        """32 hex digits identifying the public key (for comparing keys; the value differs
        from Twisted's, which hashes pyOpenSSL's encoding)."""
        from cryptography.hazmat.primitives import serialization

        der = self._public().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.md5(der).hexdigest()

    def matches(self, otherKey: PublicKey) -> bool:
        """Whether ``otherKey`` is the same public key."""
        return self.keyHash() == otherKey.keyHash()

    def _kind(self) -> str:
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

        key = self._public()
        if isinstance(key, rsa.RSAPublicKey):
            return f"{key.key_size}-bit RSA"
        if isinstance(key, dsa.DSAPublicKey):
            return f"{key.key_size}-bit DSA"
        if isinstance(key, ec.EllipticCurvePublicKey):
            return f"{key.key_size}-bit EC"
        return type(key).__name__

    def inspect(self) -> str:
        """A line saying what kind of key this is, and its hash."""
        return f"{self._kind()} Key Pair with Hash: {self.keyHash()}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.keyHash()}>"


class KeyPair(PublicKey):
    """A private key. Generating, requests and signing need ``cryptography`` (the ``tls``
    extra); loading, dumping and using a key for TLS need only the standard library."""

    def __init__(self, osslpkey: object) -> None:
        if isinstance(osslpkey, (str, bytes)):
            self._pem: bytes | None = _as_bytes(osslpkey)
            self._original: PrivateKeyTypes | None = None
        else:
            self._pem = None
            self._original = _key_object(osslpkey) if hasattr(osslpkey, "to_cryptography_key") \
                else cast("PrivateKeyTypes", osslpkey)

    @property
    def original(self) -> PrivateKeyTypes:  # type: ignore[override]  # a property here
        """The ``cryptography`` private key."""
        return self._key()

    @property
    def pem(self) -> bytes:
        """The key as PEM."""
        if self._pem is None:
            self._pem = self.dump(FILETYPE_PEM)
        return self._pem

    def _key(self) -> PrivateKeyTypes:
        if self._original is None:
            self._original = _key_object(self._pem)
        return self._original

    @classmethod
    def load(cls, data: Union[str, bytes], format: int = FILETYPE_ASN1) -> KeyPair:
        """The key in ``data``: DER by default (as in Twisted), PEM with ``FILETYPE_PEM``
        (PEM is recognised whatever ``format`` says)."""
        raw = _as_bytes(data)
        if b"-----BEGIN" in raw:
            if b"PRIVATE KEY-----" not in raw:
                raise ValueError("no PEM private key found")
            start = raw.index(b"-----BEGIN")
            while b"PRIVATE KEY-----" not in raw[start : raw.index(b"\n", start)]:
                start = raw.index(b"-----BEGIN", start + 1)
            end_marker = raw.index(b"-----END", start)
            end = raw.index(b"-----", end_marker + 8) + 5
            return cls(raw[start:end] + b"\n")
        if format == FILETYPE_PEM:
            raise ValueError("no PEM private key found")
        return cls(_key_object(raw))

    @classmethod
    def generate(cls, kind: int = TYPE_RSA, size: int = 2048) -> KeyPair:
        """A new RSA (or DSA) key of ``size`` bits."""
        _crypto()
        from cryptography.hazmat.primitives.asymmetric import dsa, rsa

        if kind == TYPE_RSA:
            return cls(rsa.generate_private_key(public_exponent=65537, key_size=size))
        if kind == TYPE_DSA:
            return cls(dsa.generate_private_key(key_size=size))
        raise ValueError(f"unknown key kind {kind!r}")

    def dump(self, format: int = FILETYPE_ASN1) -> bytes:
        """The key, DER by default or PEM (``FILETYPE_PEM``), unencrypted."""
        if format == FILETYPE_PEM and self._pem is not None:
            return self._pem
        _crypto()
        from cryptography.hazmat.primitives import serialization

        encoding = serialization.Encoding.PEM if format == FILETYPE_PEM \
            else serialization.Encoding.DER
        key = self._key()
        try:
            return key.private_bytes(
                encoding, serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        except ValueError:
            return key.private_bytes(
                encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )

    def _hash_algorithm(self, digestAlgorithm: str) -> _SigningHash:
        from cryptography.hazmat.primitives import hashes

        algorithm: _SigningHash = getattr(hashes, digestAlgorithm.upper())()
        return algorithm

    def _signingKey(self) -> CertificateIssuerPrivateKeyTypes:
        # (a key that cannot sign fails in cryptography, as it would in Twisted's pyOpenSSL)
        return cast("CertificateIssuerPrivateKeyTypes", self._key())

    def requestObject(
        self, distinguishedName: DistinguishedName, digestAlgorithm: str = "sha256"
    ) -> x509.CertificateSigningRequest:
        """A certificate signing request for ``distinguishedName``, signed by this key
        (``cryptography``'s object)."""
        _crypto()
        from cryptography import x509
        return (
            x509.CertificateSigningRequestBuilder()
            .subject_name(distinguishedName._x509_name())
            .sign(self._signingKey(), self._hash_algorithm(digestAlgorithm))
        )

    def certificateRequest(
        self, distinguishedName: DistinguishedName, format: int = FILETYPE_ASN1,
        digestAlgorithm: str = "sha256",
    ) -> bytes:
        """A certificate signing request for ``distinguishedName``, encoded."""
        return CertificateRequest(self.requestObject(distinguishedName, digestAlgorithm)).dump(format)

    def signRequestObject(
        self,
        issuerDistinguishedName: DistinguishedName,
        requestObject: x509.CertificateSigningRequest | CertificateRequest,
        serialNumber: int,
        secondsToExpiry: int = 60 * 60 * 24 * 365, digestAlgorithm: str = "sha256",
    ) -> Certificate:
        """Sign a request (``cryptography``'s object or a ``CertificateRequest``) as the
        authority ``issuerDistinguishedName``: the certificate."""
        import datetime

        _crypto()
        from cryptography import x509
        if isinstance(requestObject, CertificateRequest):
            requestObject = requestObject.original
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(requestObject.subject)
            .issuer_name(issuerDistinguishedName._x509_name())
            .public_key(requestObject.public_key())
            .serial_number(serialNumber)
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(seconds=secondsToExpiry))
            .sign(self._signingKey(), self._hash_algorithm(digestAlgorithm))
        )
        return Certificate(certificate)

    def signCertificateRequest(
        self, issuerDistinguishedName: DistinguishedName, requestData: bytes,
        verifyDNCallback: Callable[[DistinguishedName], object], serialNumber: int,
        requestFormat: int = FILETYPE_ASN1, certificateFormat: int = FILETYPE_ASN1,
        secondsToExpiry: int = 60 * 60 * 24 * 365, digestAlgorithm: str = "sha256",
    ) -> bytes | Deferred[bytes]:
        """Sign encoded request data once ``verifyDNCallback(subject)`` agrees: the encoded
        certificate (``VerifyError`` if it refuses), or, when the callback returns a
        Deferred, a Deferred of it, as in Twisted."""
        request = CertificateRequest.load(requestData, requestFormat)
        subject = request.getSubject()

        def verified(ok: object) -> bytes:
            if not ok:
                raise VerifyError(f"DN callback {verifyDNCallback!r} rejected request DN {subject!r}")
            return self.signRequestObject(
                issuerDistinguishedName, request, serialNumber, secondsToExpiry, digestAlgorithm
            ).dump(certificateFormat)

        answer = verifyDNCallback(subject)
        if isinstance(answer, Deferred):
            return answer.addCallback(verified)
        return verified(answer)

    def selfSignedCert(self, serialNumber: int, **kw: Union[str, bytes]) -> PrivateCertificate:
        """A certificate for ``DN(**kw)``, signed by this key."""
        dn = DistinguishedName(**kw)
        certificate = self.signRequestObject(dn, self.requestObject(dn), serialNumber)
        return PrivateCertificate.fromCertificateAndKeyPair(certificate, self)

    def newCertificate(self, newCertData: bytes, format: int = FILETYPE_ASN1) -> PrivateCertificate:
        """The certificate in ``newCertData``, paired with this key."""
        return PrivateCertificate.load(newCertData, self, format)

    def __repr__(self) -> str:
        try:
            return f"<KeyPair {self.keyHash()}>"
        except ImportError:
            return "<KeyPair>"


class CertificateRequest:
    """A certificate signing request (``cryptography``'s object is ``original``)."""

    def __init__(self, original: x509.CertificateSigningRequest) -> None:
        self.original = original

    @classmethod
    def load(cls, requestData: bytes, requestFormat: int = FILETYPE_ASN1) -> CertificateRequest:
        """The request in ``requestData`` (DER by default, or PEM)."""
        _crypto()
        from cryptography import x509
        data = _as_bytes(requestData)
        if requestFormat == FILETYPE_PEM or data.lstrip().startswith(b"-----BEGIN"):
            return cls(x509.load_pem_x509_csr(data))
        return cls(x509.load_der_x509_csr(data))

    def dump(self, format: int = FILETYPE_ASN1) -> bytes:
        """The request, DER by default or PEM."""
        from cryptography.hazmat.primitives import serialization

        encoding = serialization.Encoding.PEM if format == FILETYPE_PEM \
            else serialization.Encoding.DER
        return self.original.public_bytes(encoding)

    def getSubject(self) -> DistinguishedName:
        """Whom the certificate would be for."""
        return DistinguishedName._from_x509_name(self.original.subject)


# -- certificates ----------------------------------------------------------------------------


def _cert_der(original: object) -> bytes:
    if isinstance(original, (bytes, bytearray, memoryview)):
        return bytes(original)
    if hasattr(original, "to_cryptography"):  # pyOpenSSL X509
        original = original.to_cryptography()
    if hasattr(original, "public_bytes"):  # cryptography Certificate
        from cryptography.hazmat.primitives import serialization

        return original.public_bytes(serialization.Encoding.DER)  # type: ignore[no-any-return]
    if isinstance(original, Certificate):
        return original.der
    raise TypeError(f"not a certificate: {original!r}")


class Certificate:
    """An X.509 certificate, kept as DER bytes (``der``).

    Made from DER bytes, a ``cryptography`` certificate or a pyOpenSSL ``X509``. Reading its
    fields (subject, issuer, serial number, key, ``inspect``) needs ``cryptography`` (the
    ``tls`` extra); loading, dumping, comparing and using it for TLS do not.
    """

    def __init__(self, original: object) -> None:
        self.der = _cert_der(original)

    @property
    def original(self) -> x509.Certificate:
        """The ``cryptography`` certificate."""
        _crypto()
        from cryptography import x509

        return x509.load_der_x509_certificate(self.der)

    @classmethod
    def load(
        cls, requestData: bytes, format: int = FILETYPE_ASN1, args: tuple[object, ...] = ()
    ) -> Self:
        """The certificate in ``requestData``: DER by default, PEM with ``FILETYPE_PEM``."""
        data = _as_bytes(requestData)
        if format == FILETYPE_PEM or data.lstrip().startswith(_PEM_CERT_BEGIN):
            return cls(_first_cert_der(data), *args)
        return cls(data, *args)

    @classmethod
    def loadDER(cls, data: bytes) -> Self:
        """The certificate in DER ``data``."""
        return cls(bytes(data))

    @classmethod
    def loadPEM(cls, data: Union[str, bytes]) -> Self:
        """The first certificate in PEM ``data``; ``ValueError`` if there is none."""
        return cls(_first_cert_der(_as_bytes(data)))

    @classmethod
    def peerFromTransport(cls, transport: ISSLTransport) -> Certificate:
        """The certificate the peer of a TLS ``transport`` presented; ``CertificateError``
        if none."""
        certificate = transport.getPeerCertificate()
        if certificate is None:
            raise CertificateError(f"TLS transport {transport!r} did not have a peer certificate")
        # twistio's Certificate, or pyOpenSSL's X509 from a connection on pyOpenSSL
        return cls(certificate.der if isinstance(certificate, Certificate) else certificate)

    @classmethod
    def hostFromTransport(cls, transport: object) -> Certificate:
        """The certificate this side of a TLS ``transport`` presented (known when it was
        configured by twistio's options); ``CertificateError`` otherwise."""
        handle: object = transport.getHandle() if hasattr(transport, "getHandle") else None
        if hasattr(handle, "get_certificate"):  # pyOpenSSL's Connection
            mine = handle.get_certificate()
            if mine is None:
                raise CertificateError(
                    f"TLS transport {transport!r} did not have a host certificate"
                )
            return cls(mine)
        if not isinstance(handle, ssl.SSLObject):
            inner = getattr(transport, "_transport", None)
            handle = inner.get_extra_info("ssl_object") if inner is not None else None
        context = getattr(handle, "context", None)
        der = _HOST_CERTIFICATES.get(context) if context is not None else None
        if der is None:
            raise CertificateError(f"TLS transport {transport!r} did not have a host certificate")
        return cls(der)

    def dumpPEM(self) -> bytes:
        """The certificate as PEM."""
        return ssl.DER_cert_to_PEM_cert(self.der).encode("ascii")

    def dump(self, format: int = FILETYPE_ASN1) -> bytes:
        """The certificate, DER by default or PEM."""
        return self.dumpPEM() if format == FILETYPE_PEM else self.der

    def digest(self, method: str = "md5") -> bytes:
        """The fingerprint, upper-case hex pairs joined by colons (``b'AB:CD:...'``)."""
        return ":".join(f"{b:02X}" for b in hashlib.new(method, self.der).digest()).encode("ascii")

    def getSubject(self) -> DistinguishedName:
        """Whom the certificate is for."""
        return DistinguishedName._from_x509_name(self.original.subject)

    def getIssuer(self) -> DistinguishedName:
        """Who signed the certificate."""
        return DistinguishedName._from_x509_name(self.original.issuer)

    def serialNumber(self) -> int:
        """The serial number."""
        return int(self.original.serial_number)

    def getPublicKey(self) -> PublicKey:
        """The certificate's public key."""
        return PublicKey(self.original.public_key())

    def inspect(self) -> str:
        """The subject, issuer, serial number, digest and key, as text."""
        return "\n".join([
            "Certificate For Subject:", self.getSubject().inspect(), "", "Issuer:",
            self.getIssuer().inspect(), "", f"Serial Number: {self.serialNumber()}",
            f"Digest: {self.digest().decode('ascii')}", self.getPublicKey().inspect(),
        ])

    def options(self, *authorities: Certificate) -> CertificateOptions:
        """Not offered for a certificate without its key (as in Twisted): use
        ``trustRootFromCertificates`` or ``PrivateCertificate.options``."""
        raise NotImplementedError("Possible, but doubtful we need this yet")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Certificate):
            return NotImplemented
        return self.der == other.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        try:
            subject = self.getSubject().get("commonName", b"")
            issuer = self.getIssuer().get("commonName", b"")
        except ImportError:
            return f"<{type(self).__name__} {self.digest('sha256')[:23].decode()}...>"
        return f"<{type(self).__name__} Subject={subject!r} Issuer={issuer!r}>"


def _first_cert_der(pem: bytes) -> bytes:
    start = pem.find(_PEM_CERT_BEGIN)
    end = pem.find(b"-----END CERTIFICATE-----", start)
    if start < 0 or end < 0:
        raise ValueError("no PEM certificate found")
    block = pem[start : end + len(b"-----END CERTIFICATE-----")]
    return ssl.PEM_cert_to_DER_cert(block.decode("ascii"))


class PrivateCertificate(Certificate):
    """A certificate with its private key (``privateKey``)."""

    privateKey: KeyPair

    @classmethod
    def load(  # type: ignore[override]
        cls, data: bytes, privateKey: KeyPair, format: int = FILETYPE_ASN1
    ) -> PrivateCertificate:
        """The certificate in ``data``, paired with ``privateKey``."""
        certificate = Certificate.load(data, format)
        return cls.fromCertificateAndKeyPair(certificate, privateKey)

    @classmethod
    def loadPEM(cls, data: Union[str, bytes]) -> PrivateCertificate:
        """The key and certificate both in PEM ``data``."""
        pem = _as_bytes(data)
        cert = cls(_first_cert_der(pem))
        cert.privateKey = KeyPair.load(pem, FILETYPE_PEM)
        return cert

    @classmethod
    def fromCertificateAndKeyPair(
        cls, certificateInstance: Certificate, privateKey: KeyPair
    ) -> PrivateCertificate:
        """Pair a certificate with its key."""
        cert = cls(certificateInstance.der)
        cert.privateKey = privateKey
        return cert

    def _setPrivateKey(self, privateKey: KeyPair) -> PrivateCertificate:
        self.privateKey = privateKey
        return self

    def getPrivateKey(self) -> KeyPair:
        """The private key."""
        return self.privateKey

    def dumpPEM(self) -> bytes:
        """The certificate and then the key, as PEM."""
        return Certificate.dumpPEM(self) + self.privateKey.dump(FILETYPE_PEM)

    def inspect(self) -> str:
        """The certificate and its key, as text."""
        return "\n".join([Certificate.inspect(self), self.privateKey.inspect()])

    def options(self, *authorities: Certificate) -> CertificateOptions:
        """Server options presenting this certificate; with ``authorities``, clients must
        present a certificate signed by one of them."""
        return CertificateOptions(
            privateKey=self.privateKey,
            certificate=self,
            verify=bool(authorities),
            caCerts=list(authorities) or None,
        )

    def certificateRequest(self, format: int = FILETYPE_ASN1, digestAlgorithm: str = "sha256") -> bytes:
        """A signing request for this certificate's subject, signed by its key."""
        return self.privateKey.certificateRequest(self.getSubject(), format, digestAlgorithm)

    def signCertificateRequest(
        self, requestData: bytes, verifyDNCallback: Callable[[DistinguishedName], object],
        serialNumber: int, requestFormat: int = FILETYPE_ASN1,
        certificateFormat: int = FILETYPE_ASN1,
    ) -> bytes | Deferred[bytes]:
        """Sign a request as this certificate's subject (see ``KeyPair.signCertificateRequest``)."""
        return self.privateKey.signCertificateRequest(
            self.getSubject(), requestData, verifyDNCallback, serialNumber, requestFormat,
            certificateFormat,
        )

    def signRequestObject(
        self, certificateRequest: x509.CertificateSigningRequest | CertificateRequest,
        serialNumber: int,
        secondsToExpiry: int = 60 * 60 * 24 * 365, digestAlgorithm: str = "sha256",
    ) -> Certificate:
        """Sign a request object as this certificate's subject."""
        return self.privateKey.signRequestObject(
            self.getSubject(), certificateRequest, serialNumber, secondsToExpiry, digestAlgorithm
        )

    def newCertificate(self, newCertData: bytes, format: int = FILETYPE_ASN1) -> PrivateCertificate:
        """Another certificate for this key."""
        return PrivateCertificate.load(newCertData, self.privateKey, format)

    def __repr__(self) -> str:
        return f"{Certificate.__repr__(self)} with {self.privateKey!r}"


# Which certificate a context presents (for hostFromTransport), for contexts twistio made.
_HOST_CERTIFICATES: weakref.WeakKeyDictionary[ssl.SSLContext, bytes] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def _pem_files(key_pem: bytes, cert_pem: bytes) -> Iterator[tuple[str, str]]:
    """The key and certificate written to a private temporary directory (``ssl`` loads
    them from files only), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="twistio-tls-") as tmp:
        key_path = os.path.join(tmp, "key.pem")
        cert_path = os.path.join(tmp, "cert.pem")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key_pem)
        with open(cert_path, "wb") as f:
            f.write(cert_pem)
        yield key_path, cert_path


def _key_pem(key: object) -> bytes:
    if isinstance(key, KeyPair):
        return key.pem
    if isinstance(key, PrivateCertificate):
        return key.privateKey.pem
    if isinstance(key, (str, bytes)):
        return KeyPair.load(key, FILETYPE_PEM).pem
    # pyOpenSSL PKey or a cryptography private key
    return KeyPair(key).dump(FILETYPE_PEM)


def _cert_pem(cert: object) -> bytes:
    if isinstance(cert, Certificate):
        return cert.dumpPEM()
    if isinstance(cert, (str, bytes)):
        return Certificate(_first_cert_der(_as_bytes(cert))).dumpPEM()
    return Certificate(cert).dumpPEM()


def _load_cert_chain(context: ssl.SSLContext, key: object, chain: Sequence[object]) -> None:
    pem = b"".join(_cert_pem(c) for c in chain)
    with _pem_files(_key_pem(key), pem) as (key_path, cert_path):
        context.load_cert_chain(cert_path, key_path)
    _HOST_CERTIFICATES[context] = _first_cert_der(pem)


# -- trust -----------------------------------------------------------------------------------


@implementer(IOpenSSLTrustRoot)
class _TrustRoot:
    """Where a client looks for the authorities it trusts."""

    def __init__(self, certificates: Sequence[Certificate] | None) -> None:
        self.certificates = certificates

    def _load(self, context: ssl.SSLContext) -> None:
        if self.certificates is None:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        else:
            pem = "".join(c.dumpPEM().decode("ascii") for c in self.certificates)
            if pem:
                context.load_verify_locations(cadata=pem)

    # Twisted's IOpenSSLTrustRoot method, for code that calls it (with pyOpenSSL's context
    # too).
    def _addCACertsToContext(self, context: ssl.SSLContext | PySSL.Context) -> None:
        if isinstance(context, ssl.SSLContext):
            self._load(context)
        else:
            _py_load_trust(self, context)


class OpenSSLCertificateAuthorities(_TrustRoot):
    """Trust exactly the authorities in ``caCerts`` (pyOpenSSL ``X509``, ``cryptography``
    certificates, DER bytes or ``Certificate`` objects)."""

    def __init__(self, caCerts: Sequence[object]) -> None:
        super().__init__([c if isinstance(c, Certificate) else Certificate(c) for c in caCerts])


class OpenSSLDefaultPaths(_TrustRoot):
    """Trust the authorities at OpenSSL's default paths."""

    def __init__(self) -> None:
        super().__init__(None)

    def _load(self, context: ssl.SSLContext) -> None:
        context.set_default_verify_paths()


def platformTrust() -> _TrustRoot:
    """Trust the system's certificate authorities."""
    return _TrustRoot(None)


def trustRootFromCertificates(certificates: Sequence[Certificate]) -> _TrustRoot:
    """Trust only the given certificates as authorities."""
    certificates = list(certificates)
    for c in certificates:
        if not isinstance(c, Certificate):
            raise TypeError(f"certificates items must be twistio.internet.ssl.Certificate "
                            f"instances, not {type(c).__name__}")
    return _TrustRoot(certificates)


def _trust_root(trustRoot: object) -> _TrustRoot:
    if trustRoot is None:
        return platformTrust()
    if isinstance(trustRoot, _TrustRoot):
        return trustRoot
    if isinstance(trustRoot, Certificate):
        return trustRootFromCertificates([trustRoot])
    if isinstance(trustRoot, (list, tuple)):
        return trustRootFromCertificates(trustRoot)
    if hasattr(trustRoot, "_addCACertsToContext"):
        root = _TrustRoot(None)
        root._load = trustRoot._addCACertsToContext  # type: ignore[method-assign]
        return root
    raise TypeError(f"trustRoot must be a Certificate or a trust root, not {trustRoot!r}")


# -- ciphers, DH parameters ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, order=True)
class OpenSSLCipher:
    """A cipher suite, by its OpenSSL name (``fullName``)."""

    fullName: str


def _cipher_name(cipher: object) -> str:
    return str(getattr(cipher, "fullName", cipher))


class AcceptableCiphers:
    """The cipher suites a side may use: ``ciphers`` (``OpenSSLCipher`` objects or names,
    or an OpenSSL cipher string; TLS 1.2 and below, TLS 1.3's suites are OpenSSL's
    defaults). ``fromOpenSSLCipherString`` resolves a cipher string to the suites this
    OpenSSL has."""

    def __init__(self, ciphers: Union[str, Sequence[object]]) -> None:
        if isinstance(ciphers, str):
            self._string = ciphers
            self._ciphers: tuple[object, ...] | None = None
        else:
            self._ciphers = tuple(
                c if hasattr(c, "fullName") else OpenSSLCipher(cast(str, c)) for c in ciphers
            )
            self._string = ":".join(_cipher_name(c) for c in self._ciphers)

    @classmethod
    def fromOpenSSLCipherString(cls, cipherString: str) -> AcceptableCiphers:
        """The ciphers an OpenSSL cipher string selects (``ValueError`` if none)."""
        probe = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            probe.set_ciphers(cipherString)
        except ssl.SSLError as e:
            raise ValueError(f"no cipher matches {cipherString!r}") from e
        chosen = cls(cipherString)
        chosen._ciphers = tuple(OpenSSLCipher(c["name"]) for c in probe.get_ciphers())
        return chosen

    def selectCiphers(self, availableCiphers: Sequence[_C]) -> tuple[_C, ...]:
        """Those of ``availableCiphers`` (names, or objects with ``fullName``) accepted, in
        their order."""
        if self._ciphers is None:
            probe = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            probe.set_ciphers(self._string)
            accepted = {c["name"] for c in probe.get_ciphers()}
        else:
            accepted = {_cipher_name(c) for c in self._ciphers}
        return tuple(c for c in availableCiphers if _cipher_name(c) in accepted)

    def __repr__(self) -> str:
        return f"AcceptableCiphers({self._string!r})"


class DiffieHellmanParameters:
    """Finite-field Diffie-Hellman parameters, from a PEM file (``fromFile``)."""

    def __init__(self, parameters: Union[str, bytes]) -> None:
        self._dhFile = parameters

    @classmethod
    def fromFile(cls, filePath: object) -> DiffieHellmanParameters:
        """The parameters in the file at ``filePath`` (a path or a ``FilePath``)."""
        return cls(cast("Union[str, bytes]", getattr(filePath, "path", filePath)))


# -- context factories -------------------------------------------------------------------------


@implementer(IOpenSSLContextFactory)
class ContextFactory:
    """The base of old-style context factories: ``getContext()`` gives the context."""

    isClient = 0

    def getContext(self) -> ssl.SSLContext | PySSL.Context:
        """The ``ssl.SSLContext`` (subclasses say how; pyOpenSSL's ``Context`` under
        ``pyopenssl_mode``)."""
        raise NotImplementedError


@implementer(
    IOpenSSLContextFactory, IOpenSSLClientConnectionCreator, IOpenSSLServerConnectionCreator
)
class CertificateOptions:
    """TLS settings for either side: a certificate and key to present, whom to trust,
    which versions and ciphers.

    By default (as in Twisted) the peer is not verified: give ``trustRoot`` (or
    ``verify=True`` with ``caCerts``) for that; a client that should check a server's name
    wants ``optionsForClientTLS`` instead. TLS 1.2 is the lowest version by default
    (``raiseMinimumTo`` raises it, ``insecurelyLowerMinimumTo`` lowers it,
    ``lowerMaximumSecurityTo`` caps the highest). ``getContext()`` gives a server-side
    ``ssl.SSLContext``; a client connection asks for a client-side one. ``privateKey`` and
    ``certificate`` may be twistio's ``KeyPair``/``Certificate``, PEM, or pyOpenSSL's or
    ``cryptography``'s objects. ``verifyDepth`` and ``verifyOnce`` are accepted and ignored
    (the standard library offers no such setting). ``contextForServerName``, called with the
    name a client asks for (SNI; bytes, or None), gives the context a server goes on with
    (None keeps this one).
    """

    _defaultMinimumTLSVersion = TLSVersion.TLSv1_2
    #: What makes the pyOpenSSL context under pyopenssl_mode (None: ``OpenSSL.SSL.Context``).
    _contextFactory: _PyContextMaker | None = None
    #: OpenSSL's option turning TLS 1.3 off.
    _OP_NO_TLSv1_3 = 0x20000000

    def __init__(
        self,
        privateKey: object = None,
        certificate: object = None,
        method: _Method = None,
        verify: bool = False,
        caCerts: Sequence[object] | None = None,
        verifyDepth: int = 9,
        requireCertificate: bool = True,
        verifyOnce: bool = True,
        enableSingleUseKeys: bool = True,
        enableSessions: bool = False,
        fixBrokenPeers: bool = False,
        enableSessionTickets: bool = False,
        extraCertChain: Sequence[object] | None = None,
        acceptableCiphers: AcceptableCiphers | str | None = None,
        dhParameters: DiffieHellmanParameters | None = None,
        trustRoot: object = None,
        acceptableProtocols: Sequence[Union[bytes, str]] | None = None,
        raiseMinimumTo: _NamedConstant | None = None,
        insecurelyLowerMinimumTo: _NamedConstant | None = None,
        lowerMaximumSecurityTo: _NamedConstant | None = None,
        contextForServerName: Callable[[bytes | None], object] | None = None,
    ) -> None:
        if (privateKey is None) != (certificate is None):
            raise ValueError("Specify neither or both of privateKey and certificate")
        if verify and not caCerts and trustRoot is None:
            raise ValueError("Specify client CA certificate information if and only if enabling "
                             "certificate verification")
        if verify and trustRoot is not None:
            raise TypeError("verify and trustRoot are mutually exclusive; use trustRoot")
        versions = {"raiseMinimumTo": raiseMinimumTo,
                    "insecurelyLowerMinimumTo": insecurelyLowerMinimumTo,
                    "lowerMaximumSecurityTo": lowerMaximumSecurityTo}
        if method is not None:
            for name, value in versions.items():
                if value is not None:
                    raise TypeError(
                        f"The 'method' and {name!r} arguments to "
                        f"{_qual(CertificateOptions.__init__)} are mutually exclusive."
                    )
        if raiseMinimumTo is not None and insecurelyLowerMinimumTo is not None:
            raise TypeError(
                "The 'raiseMinimumTo' and 'insecurelyLowerMinimumTo' arguments to "
                f"{_qual(CertificateOptions.__init__)} are mutually exclusive."
            )
        minimum = self._defaultMinimumTLSVersion
        if insecurelyLowerMinimumTo is not None:
            minimum = insecurelyLowerMinimumTo
        elif raiseMinimumTo is not None and raiseMinimumTo > minimum:
            minimum = raiseMinimumTo
        if lowerMaximumSecurityTo is not None:
            if raiseMinimumTo is not None and lowerMaximumSecurityTo < raiseMinimumTo:
                raise ValueError("raiseMinimumTo needs to be lower than lowerMaximumSecurityTo")
            if insecurelyLowerMinimumTo is not None and lowerMaximumSecurityTo < insecurelyLowerMinimumTo:
                raise ValueError(
                    "insecurelyLowerMinimumTo needs to be lower than lowerMaximumSecurityTo"
                )
        self.privateKey = privateKey
        self.certificate = certificate
        self.method = method
        self.verify = verify or trustRoot is not None
        self.caCerts = caCerts
        self.trustRoot = trustRoot
        self.verifyDepth = verifyDepth
        self.requireCertificate = requireCertificate
        self.verifyOnce = verifyOnce
        self.enableSingleUseKeys = enableSingleUseKeys
        self.enableSessions = enableSessions
        self.fixBrokenPeers = fixBrokenPeers
        self.enableSessionTickets = enableSessionTickets
        self.extraCertChain = list(extraCertChain or [])
        if isinstance(acceptableCiphers, str):
            acceptableCiphers = AcceptableCiphers.fromOpenSSLCipherString(acceptableCiphers)
        self._acceptableCiphers = acceptableCiphers
        self.dhParameters = dhParameters
        self._minimumVersion = minimum
        self._maximumVersion = lowerMaximumSecurityTo
        self._methodVersion = _METHOD_VERSIONS.get(method) if method is not None else None
        self.acceptableProtocols = [
            p.decode("ascii") if isinstance(p, bytes) else p for p in acceptableProtocols or []
        ]
        self._contexts: dict[bool, ssl.SSLContext] = {}
        self._contextForServerName = contextForServerName
        self._context: PySSL.Context | None = None

    @property
    def _cipherString(self) -> str:
        """The OpenSSL cipher string a pyOpenSSL context gets (the standard library's
        default selection unless ``acceptableCiphers`` says)."""
        if self._acceptableCiphers is not None:
            return str(self._acceptableCiphers._string)
        return _DEFAULT_CIPHER_STRING

    def _makeContext(self, skipCiphers: bool = False) -> PySSL.Context:
        """A new pyOpenSSL context configured by these options (``skipCiphers``: without
        the cipher list)."""
        return _py_configure(self, skipCiphers)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_context", None)
        state["_contexts"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._context = None

    def _context_for(self, server_side: bool) -> ssl.SSLContext:
        context = self._contexts.get(server_side)
        if context is not None:
            return context
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        if self._methodVersion is not None:
            context.minimum_version = context.maximum_version = self._methodVersion
        else:
            context.minimum_version = _STDLIB_VERSIONS[self._minimumVersion.name]
            if self._maximumVersion is not None:
                context.maximum_version = _STDLIB_VERSIONS[self._maximumVersion.name]
        if self.privateKey is not None:
            _load_cert_chain(context, self.privateKey, [self.certificate, *self.extraCertChain])
        if self.verify:
            if self.trustRoot is not None:
                _trust_root(self.trustRoot)._load(context)
            else:
                trustRootFromCertificates(
                    [c if isinstance(c, Certificate) else Certificate(c) for c in self.caCerts or []]
                )._load(context)
            if server_side and not self.requireCertificate:
                context.verify_mode = ssl.CERT_OPTIONAL
            else:
                context.verify_mode = ssl.CERT_REQUIRED
        else:
            context.verify_mode = ssl.CERT_NONE
        if self._acceptableCiphers is not None:
            context.set_ciphers(self._acceptableCiphers._string)
        if self.dhParameters is not None:
            context.load_dh_params(self.dhParameters._dhFile)  # type: ignore[arg-type]  # bytes too
        if not self.enableSessionTickets:
            context.options |= ssl.OP_NO_TICKET
        if not self.fixBrokenPeers:
            pass  # OP_ALL's workarounds are the standard library's default either way
        if self.acceptableProtocols:
            context.set_alpn_protocols(self.acceptableProtocols)
        if server_side and self._contextForServerName is not None:
            context.sni_callback = self._serverNameReceived
        self._contexts[server_side] = context
        return context

    def getContext(self) -> ssl.SSLContext | PySSL.Context:
        """The server-side ``ssl.SSLContext``; pyOpenSSL's ``Context`` (for either side, as
        Twisted's) when twistio's TLS runs on pyOpenSSL (``pyopenssl_mode``: code written for
        Twisted, under the alias)."""
        if pyopenssl_mode():
            if self._context is None:
                self._context = _py_configure(self)
            return self._context
        return self._context_for(True)

    def _serverNameReceived(
        self, sslobj: ssl.SSLObject, serverName: str | None, context: ssl.SSLContext
    ) -> int | None:
        """A server's handshake met the client's name (SNI; None when it sent none): ask
        ``contextForServerName`` for the context to go on with. An error it raises is
        logged and ends the handshake."""
        name = None if serverName is None else serverName.encode("idna")
        try:
            choose = self._contextForServerName
            assert choose is not None  # the callback is set only with one
            chosen = choose(name)
        except Exception:
            from twistio.python import log

            log.err(None, "Error choosing the TLS context for a server name")
            return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
        if chosen is None:
            return None
        if not isinstance(chosen, ssl.SSLContext):
            chosen = to_context(chosen, True)
        sslobj.context = chosen
        return None

    def clientConnectionForTLS(
        self, tlsProtocol: TLSMemoryBIOProtocol
    ) -> ssl.SSLObject | PySSL.Connection:
        """A client ``ssl.SSLObject`` over ``tlsProtocol``'s memory BIOs (pyOpenSSL's
        ``Connection`` on ``getContext()`` under ``pyopenssl_mode``)."""
        if pyopenssl_mode():
            # (under pyopenssl_mode, getContext() gives pyOpenSSL's)
            context = cast("PySSL.Context", self.getContext())
            return _py_client_connection(context, None, tlsProtocol)
        return tlsProtocol.wrapBIOHook(self._context_for(False), False, None)

    def serverConnectionForTLS(
        self, tlsProtocol: TLSMemoryBIOProtocol
    ) -> ssl.SSLObject | PySSL.Connection:
        """A server ``ssl.SSLObject`` over ``tlsProtocol``'s memory BIOs (pyOpenSSL's
        ``Connection`` on ``getContext()`` under ``pyopenssl_mode``)."""
        if pyopenssl_mode():
            return _py_server_connection(cast("PySSL.Context", self.getContext()))
        return tlsProtocol.wrapBIOHook(self._context_for(True), True, None)


def _qual(f: StoredCall) -> str:
    return f"twistio.internet.ssl.{f.__qualname__}"


_METHOD_VERSIONS: dict[_Method, ssl.TLSVersion | None] = {
    # pyOpenSSL's method numbers and names.
    4: ssl.TLSVersion.TLSv1,
    5: ssl.TLSVersion.TLSv1_1,
    6: ssl.TLSVersion.TLSv1_2,
    "TLSv1_METHOD": ssl.TLSVersion.TLSv1,
    "TLSv1_1_METHOD": ssl.TLSVersion.TLSv1_1,
    "TLSv1_2_METHOD": ssl.TLSVersion.TLSv1_2,
}


@implementer(IOpenSSLClientConnectionCreator)
class ClientTLSOptions:
    """Client options that verify the server's certificate and its name (``hostname``)."""

    def __init__(self, hostname: str, ctx: ssl.SSLContext | PySSL.Context) -> None:
        self._hostname = hostname
        self._context = ctx

    @property
    def _hostnameIsDnsName(self) -> bool:
        """Whether ``hostname`` is a DNS name (sent as SNI), not an IP address."""
        import ipaddress

        try:
            ipaddress.ip_address(self._hostname)
        except ValueError:
            return True
        return False

    def _context_for(self, server_side: bool) -> ssl.SSLContext | PySSL.Context:
        if server_side:
            raise ValueError("client TLS options cannot be used on the server side")
        return self._context

    def getContext(self) -> ssl.SSLContext | PySSL.Context:
        """The client-side context: an ``ssl.SSLContext``, or pyOpenSSL's ``Context`` (as
        Twisted's) when it was made with one."""
        return self._context

    def clientConnectionForTLS(
        self, tlsProtocol: TLSMemoryBIOProtocol
    ) -> ssl.SSLObject | PySSL.Connection:
        """A client ``ssl.SSLObject`` over ``tlsProtocol``'s memory BIOs, for ``hostname``
        (pyOpenSSL's ``Connection``, sending the name and checking the server's
        certificate is for it once the handshake is done, on pyOpenSSL's context)."""
        if not isinstance(self._context, ssl.SSLContext):
            return _py_client_connection(self._context, self._hostname, tlsProtocol)
        return tlsProtocol.wrapBIOHook(self._context, False, self._hostname)


class _CertificateOptionsArguments(TypedDict, total=False):
    """``CertificateOptions``' arguments, as ``optionsForClientTLS``'s
    ``extraCertificateOptions`` gives them (less those it sets itself, which are refused
    there: ``trustRoot``, ``verify``, ``caCerts``, ``acceptableProtocols``, and the key and
    certificate, which it sets from ``clientCertificate``)."""

    privateKey: object
    certificate: object
    method: _Method
    verifyDepth: int
    requireCertificate: bool
    verifyOnce: bool
    enableSingleUseKeys: bool
    enableSessions: bool
    fixBrokenPeers: bool
    enableSessionTickets: bool
    extraCertChain: Sequence[object] | None
    acceptableCiphers: AcceptableCiphers | str | None
    dhParameters: DiffieHellmanParameters | None
    raiseMinimumTo: _NamedConstant | None
    insecurelyLowerMinimumTo: _NamedConstant | None
    lowerMaximumSecurityTo: _NamedConstant | None
    contextForServerName: Callable[[bytes | None], object] | None


def optionsForClientTLS(
    hostname: str,
    trustRoot: object = None,
    clientCertificate: PrivateCertificate | None = None,
    acceptableProtocols: Sequence[Union[bytes, str]] | None = None,
    *,
    extraCertificateOptions: _CertificateOptionsArguments | None = None,
) -> ClientTLSOptions:
    """Client options that check the server's certificate against ``trustRoot`` (the
    system's authorities by default) and that it is for ``hostname``.

    ``extraCertificateOptions`` are further ``CertificateOptions`` arguments (versions,
    ciphers...); those this function sets itself are a ``TypeError`` there.
    """
    if isinstance(hostname, bytes):
        raise TypeError(
            "optionsForClientTLS requires text for host names, not bytes: "
            f"{hostname!r}"
        )
    extra = _CertificateOptionsArguments(**(extraCertificateOptions or {}))
    for name in ("trustRoot", "privateKey", "certificate", "verify", "caCerts",
                 "acceptableProtocols"):
        if name in extra:
            raise TypeError(
                f"optionsForClientTLS() got an unexpected keyword argument {name!r} "
                "in extraCertificateOptions"
            )
    if clientCertificate is not None:
        extra["privateKey"] = clientCertificate.privateKey
        extra["certificate"] = clientCertificate
    options = CertificateOptions(
        trustRoot=_trust_root(trustRoot) if trustRoot is None or not pyopenssl_mode()
        else trustRoot,
        acceptableProtocols=acceptableProtocols, **extra
    )
    if pyopenssl_mode():
        return ClientTLSOptions(hostname, options.getContext())
    context = options._context_for(False)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return ClientTLSOptions(hostname, context)


class DefaultOpenSSLContextFactory(ContextFactory):
    """A server context from a key file and a certificate (chain) file."""

    def __init__(
        self,
        privateKeyFileName: Union[str, bytes],
        certificateFileName: Union[str, bytes],
        sslmethod: _Method = None,
        _contextFactory: _PyContextMaker | None = None,
    ) -> None:
        self.privateKeyFileName = privateKeyFileName
        self.certificateFileName = certificateFileName
        self.sslmethod = sslmethod
        self._contextFactory = _contextFactory
        self.cacheContext()

    def cacheContext(self) -> None:
        """Load the files now (errors raise here, as in Twisted)."""
        if pyopenssl_mode():
            from OpenSSL import SSL

            make = self._contextFactory or SSL.Context
            method = self.sslmethod if isinstance(self.sslmethod, int) else SSL.TLS_METHOD
            py = make(method)
            py.set_options(SSL.OP_NO_SSLv2 | SSL.OP_NO_SSLv3)
            py.use_certificate_file(self.certificateFileName)
            py.use_privatekey_file(self.privateKeyFileName)
            self._context: ssl.SSLContext | PySSL.Context = py
            return
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        version = _METHOD_VERSIONS.get(self.sslmethod)
        if version is not None:
            context.minimum_version = context.maximum_version = version
        context.load_cert_chain(self.certificateFileName, self.privateKeyFileName)
        self._context = context

    def getContext(self) -> ssl.SSLContext | PySSL.Context:
        """The server-side ``ssl.SSLContext`` (pyOpenSSL's ``Context`` under
        ``pyopenssl_mode``)."""
        return self._context


class ClientContextFactory(ContextFactory):
    """A client context that does not verify the server (Twisted's, kept for old code)."""

    isClient = 1
    method: _Method = None
    _contextFactory: _PyContextMaker | None = None

    def getContext(self) -> ssl.SSLContext | PySSL.Context:
        """A client-side ``ssl.SSLContext`` without verification (pyOpenSSL's ``Context``
        under ``pyopenssl_mode``)."""
        if pyopenssl_mode():
            from OpenSSL import SSL

            make = self._contextFactory or SSL.Context
            py = make(self.method if isinstance(self.method, int) else SSL.TLS_METHOD)
            py.set_options(SSL.OP_NO_SSLv2 | SSL.OP_NO_SSLv3 | SSL.OP_NO_TLSv1)
            return py
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        version = _METHOD_VERSIONS.get(self.method)
        if version is not None:
            context.minimum_version = context.maximum_version = version
        return context


def to_context(contextFactory: object, server_side: bool) -> ssl.SSLContext:
    """The ``ssl.SSLContext`` for one side, from a context or a context factory."""
    if isinstance(contextFactory, ssl.SSLContext):
        return contextFactory
    context_for = getattr(contextFactory, "_context_for", None)
    if context_for is not None:
        result: object = context_for(server_side)
    else:
        get = getattr(contextFactory, "getContext", None)
        if get is None:
            raise TypeError(f"{contextFactory!r} is neither an ssl.SSLContext nor has getContext()")
        result = get()
    if not isinstance(result, ssl.SSLContext):
        raise TypeError(
            f"{contextFactory!r}.getContext() returned {type(result).__name__}: twistio needs an "
            "ssl.SSLContext (pyOpenSSL contexts cannot be used with asyncio)"
        )
    return result


def stdlib_context(contextFactory: object, server_side: bool) -> ssl.SSLContext | None:
    """The ``ssl.SSLContext`` a TLS connection for ``contextFactory`` runs on, or None when
    the factory drives pyOpenSSL instead: its ``getContext()`` gives pyOpenSSL's
    ``OpenSSL.SSL.Context``, or it is a connection creator of another kind (code written
    for Twisted). Such a connection runs, as in Twisted, as a ``TLSMemoryBIOProtocol`` over
    a plain TCP connection. ``TypeError`` when it gives neither kind of context."""
    if isinstance(contextFactory, ssl.SSLContext):
        return contextFactory
    context_for = getattr(contextFactory, "_context_for", None)
    if context_for is not None and not pyopenssl_mode():
        context: object = context_for(server_side)
        return context if isinstance(context, ssl.SSLContext) else None
    get = getattr(contextFactory, "getContext", None)
    if get is None:
        creator = (
            IOpenSSLServerConnectionCreator if server_side else IOpenSSLClientConnectionCreator
        )
        if creator.providedBy(contextFactory):
            return None
        raise TypeError(f"{contextFactory!r} is neither an ssl.SSLContext nor has getContext()")
    result = get()
    if isinstance(result, ssl.SSLContext):
        return result
    from twistio.protocols._tls_legacy import is_context

    if is_context(result):
        return None  # pyOpenSSL's
    raise TypeError(
        f"{contextFactory!r}.getContext() returned {type(result).__name__}: a TLS context "
        "must be an ssl.SSLContext or pyOpenSSL's OpenSSL.SSL.Context"
    )


def client_hostname(
    contextFactory: object, context: ssl.SSLContext, fallback: str | None = None
) -> str | None:
    """The name a client sends (SNI) and checks: the options' own, else ``fallback`` (the
    host connected to) when the context checks names."""
    hostname = getattr(contextFactory, "_hostname", None)
    if isinstance(hostname, str):
        return hostname
    if context.check_hostname:
        return fallback
    return None


#: Seconds a TLS handshake may take before the connection is dropped, for ``listenSSL``,
#: ``connectSSL``, ``startTLS`` and the TLS endpoints (``handshakeTimeout`` changes it, None
#: turns it off). The same as asyncio's ``ssl_handshake_timeout`` and nginx's
#: ``ssl_handshake_timeout``; Twisted has none.
DEFAULT_HANDSHAKE_TIMEOUT = 60.0

# Plaintext asked of the SSLObject per read: one TLS record carries at most 16 KiB of it.
_READ_SIZE = 16384


def read_records(
    sslobj: ssl.SSLObject, incoming: ssl.MemoryBIO
) -> tuple[list[bytes], bool, ssl.SSLError | None]:
    """Decrypt every whole record waiting in ``incoming``: the plaintext chunks, whether the
    peer's close_notify (or a clean end) came, and the fatal TLS error if one did. Shared by
    the TLS transport and ``protocols.tls``."""
    chunks: list[bytes] = []
    try:
        while True:
            waiting = incoming.pending
            try:
                chunk = sslobj.read(_READ_SIZE)
            except ssl.SSLWantReadError:
                # A post-handshake message (a TLS 1.3 session ticket) reads as "want more"
                # even when whole records follow it in the same segment: go on while the
                # read consumed something and bytes remain.
                if incoming.pending and incoming.pending < waiting:
                    continue
                return chunks, False, None
            if not chunk:
                return chunks, True, None
            chunks.append(chunk)
            if not incoming.pending:
                return chunks, False, None
    except ssl.SSLZeroReturnError:
        return chunks, True, None
    except ssl.SSLError as e:
        return chunks, False, e


def handshake_error(exc: BaseException) -> BaseException:
    if isinstance(exc, ssl.SSLError):
        wrapped = error.SSLError(string=f"TLS handshake failed: {exc}")
        wrapped.__cause__ = exc
        return wrapped
    if isinstance(exc, TimeoutError):
        timed_out = error.TimeoutError(string=str(exc))
        timed_out.__cause__ = exc
        return timed_out
    return exc


class TLSTransport(asyncio.Protocol, asyncio.Transport):
    """TLS over a stream transport, through an ``ssl.SSLObject`` on two memory BIOs.

    The asyncio protocol of the socket's transport below and the asyncio transport of the
    connection above (``Connection``). It replaces asyncio's own TLS (``ssl=`` and
    ``start_tls``), whose per-connection receive buffer costs 256 KiB: here the only
    buffers are the BIOs' (as large as the data in flight) and the socket transport's.
    Ciphertext is written to the socket as soon as plaintext is written here, so the socket
    transport's buffer is the one that flow control watches.
    """

    __slots__ = (
        "_aborted",
        "_app",
        "_app_connected",
        "_app_data",
        "_closing",
        "_connect_app",
        "_context",
        "_done",
        "_error",
        "_in",
        "_on_handshake",
        "_out",
        "_peer_closed",
        "_pending",
        "_raw",
        "_raw_write",
        "_server_hostname",
        "_server_side",
        "_shut_sent",
        "_sslobj",
        "_timeout",
        "_timer",
        "_waiter",
        "_write_paused",
    )

    def __init__(
        self,
        app: asyncio.Protocol,
        context: ssl.SSLContext,
        server_side: bool,
        server_hostname: str | None = None,
        timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
        connect_app: bool = True,
        waiter: asyncio.Future[object] | None = None,
        on_handshake: Callable[[TLSTransport], None] | None = None,
    ) -> None:
        self._app = app
        self._on_handshake = on_handshake
        self._app_data = app.data_received
        self._context = context
        self._server_side = server_side
        self._server_hostname = server_hostname
        self._timeout = timeout
        self._connect_app = connect_app
        self._waiter = waiter
        self._app_connected = False
        self._done = False
        self._closing = False
        self._aborted = False
        self._shut_sent = False
        self._peer_closed = False
        self._write_paused = False
        self._error: BaseException | None = None
        self._pending: list[bytes] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._raw: asyncio.Transport = None  # type: ignore[assignment]  # until connection_made
        self._sslobj: ssl.SSLObject | None = None

    # -- the socket's side ---------------------------------------------------------------

    @property
    def app_protocol(self) -> asyncio.Protocol:
        """The protocol above this link (the connection it encrypts for)."""
        return self._app

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the handshake: a client sends its hello now; a server waits for it before
        allocating anything of OpenSSL's (so idle unhandshaken connections stay small)."""
        self._raw = transport  # type: ignore[assignment]  # a stream transport
        self._raw_write = transport.write  # type: ignore[attr-defined]
        if self._timeout is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._timeout, self._timed_out)
        if not self._server_side and self._begin():
            self._handshake()

    def _begin(self) -> bool:
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        try:
            self._sslobj = self._context.wrap_bio(
                self._in, self._out, self._server_side, self._server_hostname
            )
        except BaseException as e:
            self._fail(e)
            return False
        return True

    def data_received(self, data: bytes) -> None:
        """Ciphertext from the peer: decrypt it and hand the plaintext up."""
        if self._done:
            self._in.write(data)
            self._read()
        elif self._error is None and not self._closing:
            if self._sslobj is None and not self._begin():
                return
            self._in.write(data)
            self._handshake()

    def eof_received(self) -> bool:
        """The peer shut its side down (TCP): keep the socket open only after a close_notify
        that the connection above chose to survive (a half-closeable protocol)."""
        if not self._done:
            self._error = ConnectionResetError("the connection closed during the TLS handshake")
            return False
        return self._peer_closed and not self._closing

    def connection_lost(self, exc: BaseException | None) -> None:
        """Pass the loss up once; a close without close_notify after the handshake is not
        clean (``ConnectionLost`` above, as in Twisted)."""
        self._cancel_timer()
        if self._error is not None:
            exc = self._error
        elif exc is None and self._done and not self._peer_closed and not self._closing:
            exc = ConnectionResetError("the peer closed the connection without a TLS close_notify")
        self._closing = True
        self._pending = None
        if self._app_connected:
            self._app_connected = False
            self._app.connection_lost(exc)  # type: ignore[arg-type]
        else:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_exception(
                    exc or ConnectionResetError("the connection closed during the TLS handshake")
                )
        self._waiter = None
        # Free the memory BIOs now; the SSLObject stays for the peer certificate.
        self._in = self._out = None  # type: ignore[assignment]
        self._raw_write = _discard

    def pause_writing(self) -> None:
        """The socket's buffer is full: tell the connection above."""
        self._write_paused = True
        if self._app_connected:
            self._app.pause_writing()

    def resume_writing(self) -> None:
        """The socket's buffer drained: tell the connection above."""
        self._write_paused = False
        if self._app_connected:
            self._app.resume_writing()

    # -- TLS -----------------------------------------------------------------------------

    def _flush(self) -> None:
        data = self._out.read()
        if data:
            self._raw_write(data)

    def _handshake(self) -> None:
        sslobj = cast(ssl.SSLObject, self._sslobj)  # made before the handshake starts
        try:
            sslobj.do_handshake()
        except ssl.SSLWantReadError:
            self._flush()
            return
        except BaseException as e:
            self._flush()  # the alert that tells the peer why
            self._fail(e)
            return
        if not self._in.pending:
            self._flush()
        # else: records came with the end of the handshake; what the handshake left to send
        # (a Finished, session tickets) goes out with the first answer to them, in one
        # segment, or at the end of the read below.
        self._done = True
        self._cancel_timer()
        self._app_connected = True
        if self._connect_app:
            self._app.connection_made(self)
            if self._write_paused:
                self._app.pause_writing()
        on_handshake = self._on_handshake
        if on_handshake is not None:
            # Before any plaintext goes up (the waiter's awaiter only runs later).
            self._on_handshake = None
            on_handshake(self)
        waiter = self._waiter
        self._waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_result(self)
        pending = self._pending
        if pending is not None:
            self._pending = None
            self.write(b"".join(pending))
        if not self._aborted and self._in.pending:
            self._read()

    def _read(self) -> None:
        # Every whole record in the BIO is decrypted, and the plaintext handed up in one
        # piece (one call above, and one write below if it echoes).
        sslobj = cast(ssl.SSLObject, self._sslobj)  # made before the handshake starts
        chunks, eof, failure = read_records(sslobj, self._in)
        if chunks:
            self._app_data(chunks[0] if len(chunks) == 1 else b"".join(chunks))
            if self._aborted:
                return
        out = self._out
        if out is not None and out.pending:  # session tickets, key updates, alerts
            self._flush()
        if failure is not None:
            self._fail(failure)
        elif eof:
            self._close_notified()

    def _close_notified(self) -> None:
        """The peer sent close_notify: it will send no more."""
        if self._peer_closed:
            return
        self._peer_closed = True
        if self._closing:
            return
        if not self._app.eof_received():
            self.close()

    def _fail(self, exc: BaseException) -> None:
        """A fatal TLS error: close (after the alert is sent); the loss carries ``exc``."""
        self._cancel_timer()
        if self._error is None:
            self._error = exc
        if not self._app_connected and self._waiter is None:
            _log.debug("TLS handshake with %s failed: %s", self.get_extra_info("peername"), exc)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self._closing = True
        raw = self._raw
        if raw is not None:
            if raw.get_write_buffer_size():
                raw.abort()
            else:
                raw.close()

    def _timed_out(self) -> None:
        self._timer = None
        if not self._done:
            self._fail(TimeoutError(f"TLS handshake timed out after {self._timeout} seconds"))

    def _cancel_timer(self) -> None:
        timer = self._timer
        if timer is not None:
            self._timer = None
            timer.cancel()

    # -- the connection's side -----------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Encrypt ``data`` and pass it to the socket (kept until the handshake is done)."""
        if not self._done or self._closing or self._shut_sent:
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError(f"data must be bytes-like, not {type(data).__name__}")
            if not self._done and not self._closing and data:
                if self._pending is None:
                    self._pending = []
                self._pending.append(bytes(data))
            return
        if not data:
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError(f"data must be bytes-like, not {type(data).__name__}")
            return
        try:
            self._sslobj.write(data)  # type: ignore[union-attr]
        except ssl.SSLError as e:
            self._fail(e)
            return
        self._raw_write(self._out.read())

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        """Write the concatenation of the chunks."""
        self.write(b"".join(list_of_data))

    def can_write_eof(self) -> bool:
        """Yes: a close_notify, then the socket's own half-close."""
        return True

    def write_eof(self) -> None:
        """Send close_notify and half-close the socket; reading goes on."""
        if self._shut_sent or self._closing:
            return
        self._send_close_notify()
        if self._raw.can_write_eof():
            self._raw.write_eof()

    def _send_close_notify(self) -> None:
        self._shut_sent = True
        sslobj = self._sslobj
        if not self._done or sslobj is None:
            return
        try:
            sslobj.unwrap()
        except (ssl.SSLError, ValueError):
            pass  # SSLWantReadError: ours is out, the peer's will come (or not)
        self._flush()

    def close(self) -> None:
        """Send close_notify, then close the socket once its buffer is sent."""
        if self._closing:
            return
        if not self._shut_sent:
            self._send_close_notify()
        self._closing = True
        self._raw.close()

    def abort(self) -> None:
        """Close the socket now, dropping whatever is unsent."""
        self._closing = True
        self._aborted = True
        if self._raw is not None:
            self._raw.abort()

    def is_closing(self) -> bool:
        """Whether ``close`` or ``abort`` was called, or the connection is lost."""
        return self._closing

    def get_extra_info(self, name: str, default: object = None) -> object:
        """asyncio's TLS keys (``ssl_object``, ``sslcontext``, ``peercert``, ``cipher``,
        ``compression``), then the socket transport's."""
        sslobj = self._sslobj
        if name == "ssl_object":
            return sslobj
        if name == "sslcontext":
            return self._context
        if name in ("peercert", "cipher", "compression"):
            if sslobj is None or not self._done:
                return default
            return getattr(sslobj, "getpeercert" if name == "peercert" else name)()
        raw = self._raw
        return default if raw is None else raw.get_extra_info(name, default)

    def pause_reading(self) -> None:
        """Stop reading from the socket."""
        self._raw.pause_reading()

    def resume_reading(self) -> None:
        """Read from the socket again."""
        self._raw.resume_reading()

    def is_reading(self) -> bool:
        """Whether the socket is being read."""
        return bool(self._raw.is_reading())

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        """Deliver to ``protocol`` from now on."""
        self._app = protocol  # type: ignore[assignment]
        self._app_data = protocol.data_received  # type: ignore[attr-defined]

    def get_protocol(self) -> asyncio.BaseProtocol:
        """The connection above."""
        return self._app

    def get_write_buffer_size(self) -> int:
        """Bytes not yet sent: the socket's buffer, and plaintext awaiting the handshake."""
        size = 0 if self._raw is None else int(self._raw.get_write_buffer_size())
        if self._pending:
            size += sum(len(p) for p in self._pending)
        return size

    def get_write_buffer_limits(self) -> tuple[int, int]:
        """The socket transport's high- and low-water marks."""
        return self._raw.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the socket transport's high- and low-water marks."""
        self._raw.set_write_buffer_limits(high, low)

    def __repr__(self) -> str:
        return f"<TLS transport over {self._raw!r}>"


async def start_tls(
    transport: asyncio.Transport,
    protocol: asyncio.Protocol,
    context: ssl.SSLContext,
    *,
    server_side: bool = False,
    server_hostname: str | None = None,
    ssl_handshake_timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    on_handshake: Callable[[TLSTransport], None] | None = None,
) -> TLSTransport:
    """``loop.start_tls`` on memory BIOs: TLS over ``transport`` (paused by the caller),
    for ``protocol``, which is already connected; the TLS transport once the handshake is done.

    ``on_handshake(tls)`` is called as the handshake completes, before the first plaintext
    reaches ``protocol`` (this coroutine itself only resumes later)."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[object] = loop.create_future()
    link = TLSTransport(
        protocol, context, server_side, server_hostname or None, ssl_handshake_timeout,
        connect_app=False, waiter=waiter, on_handshake=on_handshake,
    )
    transport.set_protocol(link)
    link.connection_made(transport)
    transport.resume_reading()
    try:
        await waiter
    except BaseException:
        if not transport.is_closing():
            transport.abort()
        raise
    return link


# Twisted's names for these classes (``twisted.internet.ssl`` offers the short ones).
OpenSSLCertificateOptions = CertificateOptions
OpenSSLAcceptableCiphers = AcceptableCiphers
OpenSSLDiffieHellmanParameters = DiffieHellmanParameters


# -- pyOpenSSL, for code written for Twisted ----------------------------------------------
#
# Twisted's CertificateOptions configures a pyOpenSSL OpenSSL.SSL.Context, and every TLS
# connection of Twisted is a TLSMemoryBIOProtocol driving pyOpenSSL's Connection: code written
# for Twisted reaches for those objects (getContext() to adjust the context,
# transport.getHandle() for the connection, pyOpenSSL's X509 from getPeerCertificate()).
# Under the alias, when pyOpenSSL is installed, the options give pyOpenSSL contexts and their
# connections run as Twisted's do (pyopenssl_mode). What follows builds those contexts and
# connections; pyOpenSSL is imported only when one is asked for.

_available: bool | None = None


def _pyopenssl_importable() -> bool:
    global _available
    if _available is None:
        try:
            import OpenSSL.SSL  # noqa: F401
        except ImportError:
            _available = False
        else:
            _available = True
    return _available


def pyopenssl_mode() -> bool:
    """Whether twistio's TLS options give pyOpenSSL contexts (and so their connections run
    as ``TLSMemoryBIOProtocol`` over pyOpenSSL, as in Twisted).

    So when the ``twisted`` alias is installed (the program was written for Twisted) and
    pyOpenSSL is installed. The environment variable ``TWISTIO_TLS`` decides instead when
    set: ``stdlib`` (twistio's own TLS, also under the alias) or ``pyopenssl`` (with or
    without the alias, when pyOpenSSL is installed).
    """
    choice = os.environ.get("TWISTIO_TLS", "").strip().lower()
    if choice == "stdlib":
        return False
    if choice != "pyopenssl":
        compat = sys.modules.get("twistio.compat")
        if compat is None or not compat.installed():
            return False
    return _pyopenssl_importable()


def _x509(cert: object) -> PyCrypto.X509:
    """pyOpenSSL's ``X509`` for any certificate twistio takes."""
    from OpenSSL import crypto


    if isinstance(cert, crypto.X509):
        return cert
    if isinstance(cert, Certificate):
        der = cert.der
    elif isinstance(cert, (str, bytes)) and b"-----BEGIN" in _as_bytes(cert):
        der = _first_cert_der(_as_bytes(cert))
    else:
        der = Certificate(cert).der
    return crypto.load_certificate(crypto.FILETYPE_ASN1, der)


def _pkey(key: object) -> PyCrypto.PKey:
    """pyOpenSSL's ``PKey`` for any private key twistio takes."""
    from OpenSSL import crypto


    if isinstance(key, crypto.PKey):
        return key
    if isinstance(key, PrivateCertificate):
        key = key.privateKey
    if not isinstance(key, KeyPair):
        key = KeyPair(key)
    return crypto.load_privatekey(crypto.FILETYPE_PEM, key.dump(FILETYPE_PEM))


def _py_load_trust(trustRoot: object, context: PySSL.Context) -> None:
    """Make ``context`` (pyOpenSSL's) trust what ``trustRoot`` names: a trust root of
    twistio's, a ``Certificate`` or a list of them, or an object of code written for Twisted
    with ``_addCACertsToContext``, which configures the context itself."""

    if not isinstance(trustRoot, (_TrustRoot, Certificate, list, tuple)) and hasattr(
        trustRoot, "_addCACertsToContext"
    ):
        trustRoot._addCACertsToContext(context)
        return
    root = _trust_root(trustRoot)
    if root.certificates is None:
        context.set_default_verify_paths()
        return
    store = cast("PyCrypto.X509Store", context.get_cert_store())  # a context has one
    for certificate in root.certificates:
        store.add_cert(_x509(certificate))


# OpenSSL's option turning TLS 1.3 off (pyOpenSSL names it only in recent releases).
OP_NO_TLSv1_3 = 0x20000000

# The versions, lowest first, with the option that turns each off.
_VERSION_OPTIONS = (
    ("SSLv3", "OP_NO_SSLv3"),
    ("TLSv1_0", "OP_NO_TLSv1"),
    ("TLSv1_1", "OP_NO_TLSv1_1"),
    ("TLSv1_2", "OP_NO_TLSv1_2"),
    ("TLSv1_3", None),
)


def _version_options(minimum: str, maximum: str | None) -> int:
    """The ``OP_NO_*`` options leaving only the versions from ``minimum`` to ``maximum``."""
    from OpenSSL import SSL

    names = [name for name, _ in _VERSION_OPTIONS]
    low = names.index(minimum)
    high = names.index(maximum) if maximum is not None else len(names) - 1
    flags = 0
    for index, (_, option) in enumerate(_VERSION_OPTIONS):
        if low <= index <= high:
            continue
        flags |= getattr(SSL, option, 0) if option is not None else OP_NO_TLSv1_3
    return flags


class _ChooseDiffieHellmanEllipticCurve:
    """Gives a context the elliptic curves for ECDHE its OpenSSL needs to be told of:
    nothing from OpenSSL 1.1.0 on (which chooses well itself), ``SSL_CTX_set_ecdh_auto`` on
    1.0.2, a P-256 curve (``set_tmp_ecdh``) before. Best effort: a failure is ignored.
    ``openSSLlib`` is pyOpenSSL's binding of OpenSSL's library, ``openSSLcrypto``
    ``OpenSSL.crypto``."""

    def __init__(
        self, openSSLVersion: int, openSSLlib: _ECDHLib, openSSLcrypto: ModuleType
    ) -> None:
        self._openSSLlib = openSSLlib
        self._openSSLcrypto = openSSLcrypto
        self._configure: Callable[[PySSL.Context], None]
        if openSSLVersion >= 0x10100000:
            self._configure = self._configureNothing
        elif openSSLVersion >= 0x10002000:
            self._configure = self._configureAuto
        else:
            self._configure = self._configureOneCurve

    def configureECDHCurve(self, ctx: PySSL.Context) -> None:
        """Configure ``ctx`` as its OpenSSL's version needs (see the class)."""
        self._configure(ctx)

    def _configureNothing(self, ctx: PySSL.Context) -> None:
        pass

    def _configureAuto(self, ctx: PySSL.Context) -> None:
        try:
            self._openSSLlib.SSL_CTX_set_ecdh_auto(ctx._context, True)
        except BaseException:
            pass

    def _configureOneCurve(self, ctx: PySSL.Context) -> None:
        try:
            curve = self._openSSLcrypto.get_elliptic_curve(_defaultCurveName)
        except ValueError:
            return
        try:
            ctx.set_tmp_ecdh(curve)
        except BaseException:
            pass


_defaultCurveName = "prime256v1"

# The cipher selection of the standard library's contexts (ssl's own default string).
_DEFAULT_CIPHER_STRING: str = getattr(
    ssl, "_DEFAULT_CIPHERS",
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM",
)


def _py_configure(options: CertificateOptions, skipCiphers: bool = False) -> PySSL.Context:
    """A pyOpenSSL ``Context`` configured as ``options`` (a ``CertificateOptions``) says,
    for either side, as Twisted's ``CertificateOptions.getContext()`` gives: made by
    ``options._contextFactory`` (pyOpenSSL's ``Context``), the versions chosen by
    ``OP_NO_*`` options, buffers released when idle, sessions cached only with
    ``enableSessions``."""
    from OpenSSL import SSL


    make = options._contextFactory or SSL.Context
    method = options.method
    context = make(cast(int, method) if method is not None else SSL.TLS_METHOD)
    flags = SSL.OP_NO_SSLv2 | SSL.OP_NO_COMPRESSION | SSL.OP_CIPHER_SERVER_PREFERENCE
    if method is None:
        maximum = options._maximumVersion.name if options._maximumVersion is not None else None
        flags |= _version_options(options._minimumVersion.name, maximum)
    if options.enableSingleUseKeys:
        flags |= SSL.OP_SINGLE_DH_USE | SSL.OP_SINGLE_ECDH_USE
    if options.fixBrokenPeers:
        flags |= SSL.OP_ALL
    if not options.enableSessionTickets:
        flags |= SSL.OP_NO_TICKET
    context.set_options(flags)
    context.set_mode(SSL.MODE_RELEASE_BUFFERS)
    if options.privateKey is not None:
        context.use_certificate(_x509(options.certificate))
        context.use_privatekey(_pkey(options.privateKey))
        for extra in options.extraCertChain:
            context.add_extra_chain_cert(_x509(extra))
        context.check_privatekey()
    if options.verify:
        mode = SSL.VERIFY_PEER
        if options.requireCertificate:
            mode |= SSL.VERIFY_FAIL_IF_NO_PEER_CERT
        if options.verifyOnce:
            mode |= SSL.VERIFY_CLIENT_ONCE
        context.set_verify(mode, _accept_openssls_verdict)
        context.set_verify_depth(options.verifyDepth)
        if options.trustRoot is not None:
            _py_load_trust(options.trustRoot, context)
        else:

            _py_load_trust(
                trustRootFromCertificates(
                    [c if isinstance(c, Certificate) else Certificate(c)
                     for c in options.caCerts or []]
                ),
                context,
            )
    else:
        context.set_verify(SSL.VERIFY_NONE, _accept_openssls_verdict)
    if options.enableSessions:
        session = hashlib.md5(repr(id(options)).encode("ascii"), usedforsecurity=False)
        context.set_session_id(session.hexdigest().encode("ascii"))
        context.set_session_cache_mode(SSL.SESS_CACHE_SERVER)
    else:
        context.set_session_cache_mode(SSL.SESS_CACHE_OFF)
    if options.dhParameters is not None:
        context.load_tmp_dh(options.dhParameters._dhFile)
    from OpenSSL import crypto
    from OpenSSL._util import lib

    chooser = _ChooseDiffieHellmanEllipticCurve(
        SSL.OPENSSL_VERSION_NUMBER, openSSLlib=lib, openSSLcrypto=crypto
    )
    chooser.configureECDHCurve(context)
    if not skipCiphers:
        context.set_cipher_list(options._cipherString.encode("ascii"))
    protocols = [p.encode("ascii") for p in options.acceptableProtocols]
    if protocols:
        context.set_alpn_protos(protocols)
        context.set_alpn_select_callback(_alpn_chooser(protocols))
    if options._contextForServerName is not None:
        context.set_tlsext_servername_callback(_server_name_chooser(options))
    return context


def _accept_openssls_verdict(
    connection: PySSL.Connection, x509: PyCrypto.X509, errno: int, depth: int, ok: int
) -> bool:
    return bool(ok)


def _alpn_chooser(
    ours: list[bytes],
) -> Callable[[PySSL.Connection, list[bytes]], bytes | PySSL._NoOverlappingProtocols]:
    def choose(
        connection: PySSL.Connection, theirs: list[bytes]
    ) -> bytes | PySSL._NoOverlappingProtocols:
        for protocol in ours:
            if protocol in theirs:
                return protocol
        from OpenSSL import SSL

        return SSL.NO_OVERLAPPING_PROTOCOLS

    return choose


def _server_name_chooser(options: CertificateOptions) -> Callable[[PySSL.Connection], None]:
    def chosen(connection: PySSL.Connection) -> None:
        name = connection.get_servername()
        try:
            choose = options._contextForServerName
            assert choose is not None  # the callback is set only with one
            other = choose(name)
        except Exception:
            from twistio.python import log

            log.err(None, "Error choosing the TLS context for a server name")
            raise
        if other is None:
            return
        if not hasattr(other, "set_verify"):  # a context factory, not a context
            other = cast(IOpenSSLContextFactory, other).getContext()
        connection.set_context(cast("PySSL.Context", other))

    return chosen


def _py_server_connection(context: PySSL.Context) -> PySSL.Connection:
    """A server-side pyOpenSSL ``Connection`` on ``context`` (memory BIOs)."""
    from OpenSSL import SSL

    connection = SSL.Connection(context, None)
    connection.set_accept_state()
    return connection


def _py_client_connection(
    context: PySSL.Context, hostname: str | None, tlsProtocol: TLSMemoryBIOProtocol
) -> PySSL.Connection:
    """A client-side pyOpenSSL ``Connection`` on ``context``; with ``hostname``, it sends
    that name (SNI, when it is a DNS name) and ``tlsProtocol`` fails verification once the
    handshake is done unless the server's certificate is for that name."""
    from OpenSSL import SSL

    connection = SSL.Connection(context, None)
    connection.set_connect_state()
    if hostname is not None:
        if _is_dns_name(hostname):
            connection.set_tlsext_host_name(hostname.encode("idna"))

        def check(conn: PySSL.Connection, where: int, ret: int) -> None:
            if not where & SSL.SSL_CB_HANDSHAKE_DONE:
                return
            try:
                _py_verify_hostname(conn, hostname)
            except Exception as e:
                from twistio.python.failure import Failure

                tlsProtocol.failVerification(Failure(e))

        connection.set_info_callback(check)
    return connection


def _is_dns_name(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return True
    return False


def _py_verify_hostname(connection: PySSL.Connection, hostname: str) -> None:
    """Raise unless the peer's certificate on pyOpenSSL's ``connection`` is for ``hostname``
    (a DNS name or an IP address): service_identity's check and its ``VerificationError``
    when it is installed (as Twisted), else the same rules (RFC 6125: the subject
    alternative names, a ``*`` only as a whole left-most label) and ``ssl``'s
    ``SSLCertVerificationError``."""
    identity: ModuleType | None
    try:
        from service_identity import pyopenssl as identity
    except ImportError:
        identity = None
    if identity is not None:
        if _is_dns_name(hostname):
            identity.verify_hostname(connection, hostname)
        else:
            identity.verify_ip_address(connection, hostname)
        return
    import ssl

    from cryptography import x509

    peer = connection.get_peer_certificate()
    if peer is None:
        raise ssl.SSLCertVerificationError(f"no certificate for {hostname!r}")
    try:
        names = peer.to_cryptography().extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
    except x509.ExtensionNotFound:
        names = None
    if names is not None:
        if _is_dns_name(hostname):
            wanted = hostname.encode("idna").decode("ascii").lower().rstrip(".")
            for pattern in names.get_values_for_type(x509.DNSName):
                if _dns_matches(pattern.lower().rstrip("."), wanted):
                    return
        else:
            address = ipaddress.ip_address(hostname)
            if address in names.get_values_for_type(x509.IPAddress):
                return
    raise ssl.SSLCertVerificationError(f"the certificate is not for {hostname!r}")


def _dns_matches(pattern: str, name: str) -> bool:
    if pattern == name:
        return True
    first, _, rest = pattern.partition(".")
    if first != "*" or not rest or rest.count(".") < 1:
        return False
    label, _, name_rest = name.partition(".")
    return bool(label) and name_rest == rest
