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
import logging
import os
import ssl
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Union, cast

from twistio.internet import error
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import (
    IOpenSSLClientConnectionCreator,
    IOpenSSLContextFactory,
    IOpenSSLServerConnectionCreator,
    IOpenSSLTrustRoot,
    implementer,
)

_log = logging.getLogger("twistio")


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


def _crypto() -> Any:
    """The ``cryptography`` library (the ``tls`` extra), or a clear ImportError."""
    try:
        import cryptography.x509
        from cryptography.hazmat.primitives import hashes, serialization  # noqa: F401
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "this needs the cryptography library: pip install 'twistio[tls]'"
        ) from e
    return cryptography


# -- constants -----------------------------------------------------------------------------


class _NamedConstant:
    """One constant of a ``_Names`` container; ordered by definition."""

    __slots__ = ("_container", "_index", "name", "value")

    def __init__(self, container: str, name: str, index: int, value: Any = None) -> None:
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
    def lookupByValue(cls, value: Any) -> _NamedConstant:
        """The constant with ``value``; ``ValueError`` if there is none."""
        for constant in cls._constants:
            if constant.value == value:
                return constant
        raise ValueError(value)


def _constant(value: Any = None) -> Any:
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


def protocolNegotiationMechanisms() -> Any:
    """The protocol negotiation this TLS supports: ALPN."""
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

    def __init__(self, **kw: Any) -> None:
        super().__init__()
        for name, value in kw.items():
            setattr(self, name, value)

    def __getattr__(self, attr: str) -> bytes:
        try:
            return self[_DN_FIELDS.get(attr, attr)]
        except KeyError:
            raise AttributeError(attr) from None

    def __setattr__(self, attr: str, value: Any) -> None:
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

    def _x509_name(self) -> Any:
        x509 = _crypto().x509
        from cryptography.x509.oid import ObjectIdentifier

        return x509.Name([
            x509.NameAttribute(ObjectIdentifier(_DN_OIDS[name]), value.decode("utf-8"))
            for name, value in self.items()
        ])

    @classmethod
    def _from_x509_name(cls, name: Any) -> DistinguishedName:
        by_oid = {oid: field for field, oid in _DN_OIDS.items()}
        dn = cls()
        for attribute in name:
            field = by_oid.get(attribute.oid.dotted_string)
            if field is not None:
                value = attribute.value
                dn[field] = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return dn


DN = DistinguishedName


def _key_object(key: Any) -> Any:
    """A ``cryptography`` private key from a KeyPair, PEM/DER bytes, or pyOpenSSL's PKey."""
    _crypto()
    from cryptography.hazmat.primitives import serialization

    if isinstance(key, KeyPair):
        return key._key()
    if hasattr(key, "to_cryptography_key"):  # pyOpenSSL PKey
        return key.to_cryptography_key()
    if isinstance(key, (str, bytes)):
        data = _as_bytes(key)
        if b"-----BEGIN" in data:
            return serialization.load_pem_private_key(data, None)
        return serialization.load_der_private_key(data, None)
    return key


class PublicKey:
    """A public key (``cryptography``'s object is ``original``)."""

    def __init__(self, osslpkey: Any) -> None:
        self.original = osslpkey

    def _public(self) -> Any:
        key = self.original
        return key.public_key() if hasattr(key, "public_key") else key

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

    def __init__(self, osslpkey: Any) -> None:
        if isinstance(osslpkey, (str, bytes)):
            self._pem: bytes | None = _as_bytes(osslpkey)
            self._original: Any = None
        else:
            self._pem = None
            self._original = _key_object(osslpkey) if hasattr(osslpkey, "to_cryptography_key") \
                else osslpkey

    @property
    def original(self) -> Any:
        """The ``cryptography`` private key."""
        return self._key()

    @property
    def pem(self) -> bytes:
        """The key as PEM."""
        if self._pem is None:
            self._pem = self.dump(FILETYPE_PEM)
        return self._pem

    def _key(self) -> Any:
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
            return key.private_bytes(  # type: ignore[no-any-return]
                encoding, serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        except ValueError:
            return key.private_bytes(  # type: ignore[no-any-return]
                encoding, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )

    def _hash_algorithm(self, digestAlgorithm: str) -> Any:
        from cryptography.hazmat.primitives import hashes

        return getattr(hashes, digestAlgorithm.upper())()

    def requestObject(self, distinguishedName: DistinguishedName, digestAlgorithm: str = "sha256") -> Any:
        """A certificate signing request for ``distinguishedName``, signed by this key
        (``cryptography``'s object)."""
        x509 = _crypto().x509
        return (
            x509.CertificateSigningRequestBuilder()
            .subject_name(distinguishedName._x509_name())
            .sign(self._key(), self._hash_algorithm(digestAlgorithm))
        )

    def certificateRequest(
        self, distinguishedName: DistinguishedName, format: int = FILETYPE_ASN1,
        digestAlgorithm: str = "sha256",
    ) -> bytes:
        """A certificate signing request for ``distinguishedName``, encoded."""
        return CertificateRequest(self.requestObject(distinguishedName, digestAlgorithm)).dump(format)

    def signRequestObject(
        self, issuerDistinguishedName: DistinguishedName, requestObject: Any, serialNumber: int,
        secondsToExpiry: int = 60 * 60 * 24 * 365, digestAlgorithm: str = "sha256",
    ) -> Certificate:
        """Sign a request (``cryptography``'s object or a ``CertificateRequest``) as the
        authority ``issuerDistinguishedName``: the certificate."""
        import datetime

        x509 = _crypto().x509
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
            .sign(self._key(), self._hash_algorithm(digestAlgorithm))
        )
        return Certificate(certificate)

    def signCertificateRequest(
        self, issuerDistinguishedName: DistinguishedName, requestData: bytes,
        verifyDNCallback: Callable[[DistinguishedName], Any], serialNumber: int,
        requestFormat: int = FILETYPE_ASN1, certificateFormat: int = FILETYPE_ASN1,
        secondsToExpiry: int = 60 * 60 * 24 * 365, digestAlgorithm: str = "sha256",
    ) -> Any:
        """Sign encoded request data once ``verifyDNCallback(subject)`` agrees: the encoded
        certificate (``VerifyError`` if it refuses), or, when the callback returns a
        Deferred, a Deferred of it, as in Twisted."""
        request = CertificateRequest.load(requestData, requestFormat)
        subject = request.getSubject()

        def verified(ok: Any) -> bytes:
            if not ok:
                raise VerifyError(f"DN callback {verifyDNCallback!r} rejected request DN {subject!r}")
            return self.signRequestObject(
                issuerDistinguishedName, request, serialNumber, secondsToExpiry, digestAlgorithm
            ).dump(certificateFormat)

        answer = verifyDNCallback(subject)
        if isinstance(answer, Deferred):
            return answer.addCallback(verified)
        return verified(answer)

    def selfSignedCert(self, serialNumber: int, **kw: Any) -> PrivateCertificate:
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

    def __init__(self, original: Any) -> None:
        self.original = original

    @classmethod
    def load(cls, requestData: bytes, requestFormat: int = FILETYPE_ASN1) -> CertificateRequest:
        """The request in ``requestData`` (DER by default, or PEM)."""
        x509 = _crypto().x509
        data = _as_bytes(requestData)
        if requestFormat == FILETYPE_PEM or data.lstrip().startswith(b"-----BEGIN"):
            return cls(x509.load_pem_x509_csr(data))
        return cls(x509.load_der_x509_csr(data))

    def dump(self, format: int = FILETYPE_ASN1) -> bytes:
        """The request, DER by default or PEM."""
        from cryptography.hazmat.primitives import serialization

        encoding = serialization.Encoding.PEM if format == FILETYPE_PEM \
            else serialization.Encoding.DER
        return self.original.public_bytes(encoding)  # type: ignore[no-any-return]

    def getSubject(self) -> DistinguishedName:
        """Whom the certificate would be for."""
        return DistinguishedName._from_x509_name(self.original.subject)


# -- certificates ----------------------------------------------------------------------------


def _cert_der(original: Any) -> bytes:
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

    def __init__(self, original: Any) -> None:
        self.der = _cert_der(original)

    @property
    def original(self) -> Any:
        """The ``cryptography`` certificate."""
        return _crypto().x509.load_der_x509_certificate(self.der)

    @classmethod
    def load(cls, requestData: bytes, format: int = FILETYPE_ASN1, args: tuple[Any, ...] = ()) -> Any:
        """The certificate in ``requestData``: DER by default, PEM with ``FILETYPE_PEM``."""
        data = _as_bytes(requestData)
        if format == FILETYPE_PEM or data.lstrip().startswith(_PEM_CERT_BEGIN):
            return cls(_first_cert_der(data), *args)
        return cls(data, *args)

    @classmethod
    def loadDER(cls, data: bytes) -> Any:
        """The certificate in DER ``data``."""
        return cls(bytes(data))

    @classmethod
    def loadPEM(cls, data: Union[str, bytes]) -> Any:
        """The first certificate in PEM ``data``; ``ValueError`` if there is none."""
        return cls(_first_cert_der(_as_bytes(data)))

    @classmethod
    def peerFromTransport(cls, transport: Any) -> Certificate:
        """The certificate the peer of a TLS ``transport`` presented; ``CertificateError``
        if none."""
        certificate = transport.getPeerCertificate()
        if certificate is None:
            raise CertificateError(f"TLS transport {transport!r} did not have a peer certificate")
        return cls(certificate.der)

    @classmethod
    def hostFromTransport(cls, transport: Any) -> Certificate:
        """The certificate this side of a TLS ``transport`` presented (known when it was
        configured by twistio's options); ``CertificateError`` otherwise."""
        handle = transport.getHandle() if hasattr(transport, "getHandle") else None
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
        self, requestData: bytes, verifyDNCallback: Callable[[DistinguishedName], Any],
        serialNumber: int, requestFormat: int = FILETYPE_ASN1,
        certificateFormat: int = FILETYPE_ASN1,
    ) -> Any:
        """Sign a request as this certificate's subject (see ``KeyPair.signCertificateRequest``)."""
        return self.privateKey.signCertificateRequest(
            self.getSubject(), requestData, verifyDNCallback, serialNumber, requestFormat,
            certificateFormat,
        )

    def signRequestObject(
        self, certificateRequest: Any, serialNumber: int,
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


def _key_pem(key: Any) -> bytes:
    if isinstance(key, KeyPair):
        return key.pem
    if isinstance(key, PrivateCertificate):
        return key.privateKey.pem
    if isinstance(key, (str, bytes)):
        return KeyPair.load(key, FILETYPE_PEM).pem
    # pyOpenSSL PKey or a cryptography private key
    return KeyPair(key).dump(FILETYPE_PEM)


def _cert_pem(cert: Any) -> bytes:
    if isinstance(cert, Certificate):
        return cert.dumpPEM()
    if isinstance(cert, (str, bytes)):
        return Certificate(_first_cert_der(_as_bytes(cert))).dumpPEM()
    return Certificate(cert).dumpPEM()


def _load_cert_chain(context: ssl.SSLContext, key: Any, chain: Sequence[Any]) -> None:
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

    # Twisted's IOpenSSLTrustRoot method, for code that calls it.
    def _addCACertsToContext(self, context: ssl.SSLContext) -> None:
        self._load(context)


class OpenSSLCertificateAuthorities(_TrustRoot):
    """Trust exactly the authorities in ``caCerts`` (pyOpenSSL ``X509``, ``cryptography``
    certificates, DER bytes or ``Certificate`` objects)."""

    def __init__(self, caCerts: Sequence[Any]) -> None:
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


def _trust_root(trustRoot: Any) -> _TrustRoot:
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


def _cipher_name(cipher: Any) -> str:
    return str(getattr(cipher, "fullName", cipher))


class AcceptableCiphers:
    """The cipher suites a side may use: ``ciphers`` (``OpenSSLCipher`` objects or names,
    or an OpenSSL cipher string; TLS 1.2 and below, TLS 1.3's suites are OpenSSL's
    defaults). ``fromOpenSSLCipherString`` resolves a cipher string to the suites this
    OpenSSL has."""

    def __init__(self, ciphers: Union[str, Sequence[Any]]) -> None:
        if isinstance(ciphers, str):
            self._string = ciphers
            self._ciphers: tuple[Any, ...] | None = None
        else:
            self._ciphers = tuple(
                c if hasattr(c, "fullName") else OpenSSLCipher(c) for c in ciphers
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

    def selectCiphers(self, availableCiphers: Sequence[Any]) -> tuple[Any, ...]:
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

    def __init__(self, parameters: Any) -> None:
        self._dhFile = parameters

    @classmethod
    def fromFile(cls, filePath: Any) -> DiffieHellmanParameters:
        """The parameters in the file at ``filePath`` (a path or a ``FilePath``)."""
        return cls(getattr(filePath, "path", filePath))


# -- context factories -------------------------------------------------------------------------


@implementer(IOpenSSLContextFactory)
class ContextFactory:
    """The base of old-style context factories: ``getContext()`` gives the context."""

    isClient = 0

    def getContext(self) -> ssl.SSLContext:
        """The ``ssl.SSLContext`` (subclasses say how)."""
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

    def __init__(
        self,
        privateKey: Any = None,
        certificate: Any = None,
        method: Any = None,
        verify: bool = False,
        caCerts: Sequence[Any] | None = None,
        verifyDepth: int = 9,
        requireCertificate: bool = True,
        verifyOnce: bool = True,
        enableSingleUseKeys: bool = True,
        enableSessions: bool = False,
        fixBrokenPeers: bool = False,
        enableSessionTickets: bool = False,
        extraCertChain: Sequence[Any] | None = None,
        acceptableCiphers: Any = None,
        dhParameters: Any = None,
        trustRoot: Any = None,
        acceptableProtocols: Sequence[Union[bytes, str]] | None = None,
        raiseMinimumTo: Any = None,
        insecurelyLowerMinimumTo: Any = None,
        lowerMaximumSecurityTo: Any = None,
        contextForServerName: Any = None,
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
            context.load_dh_params(self.dhParameters._dhFile)
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

    def getContext(self) -> ssl.SSLContext:
        """The server-side ``ssl.SSLContext``."""
        return self._context_for(True)

    def _serverNameReceived(
        self, sslobj: ssl.SSLObject, serverName: str | None, context: ssl.SSLContext
    ) -> int | None:
        """A server's handshake met the client's name (SNI; None when it sent none): ask
        ``contextForServerName`` for the context to go on with. An error it raises is
        logged and ends the handshake."""
        name = None if serverName is None else serverName.encode("idna")
        try:
            chosen = self._contextForServerName(name)
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

    def clientConnectionForTLS(self, tlsProtocol: Any) -> ssl.SSLObject:
        """A client ``ssl.SSLObject`` over ``tlsProtocol``'s memory BIOs."""
        return self._context_for(False).wrap_bio(
            tlsProtocol._incoming, tlsProtocol._outgoing, False, None
        )

    def serverConnectionForTLS(self, tlsProtocol: Any) -> ssl.SSLObject:
        """A server ``ssl.SSLObject`` over ``tlsProtocol``'s memory BIOs."""
        return self._context_for(True).wrap_bio(
            tlsProtocol._incoming, tlsProtocol._outgoing, True, None
        )


def _qual(f: Any) -> str:
    return f"twistio.internet.ssl.{f.__qualname__}"


_METHOD_VERSIONS: dict[Any, ssl.TLSVersion | None] = {
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

    def __init__(self, hostname: str, ctx: ssl.SSLContext) -> None:
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

    def _context_for(self, server_side: bool) -> ssl.SSLContext:
        if server_side:
            raise ValueError("client TLS options cannot be used on the server side")
        return self._context

    def getContext(self) -> ssl.SSLContext:
        """The client-side ``ssl.SSLContext``."""
        return self._context

    def clientConnectionForTLS(self, tlsProtocol: Any) -> ssl.SSLObject:
        """A client ``ssl.SSLObject`` over ``tlsProtocol``'s memory BIOs, for ``hostname``."""
        return self._context.wrap_bio(
            tlsProtocol._incoming, tlsProtocol._outgoing, False, self._hostname
        )


def optionsForClientTLS(
    hostname: str,
    trustRoot: Any = None,
    clientCertificate: PrivateCertificate | None = None,
    acceptableProtocols: Sequence[Union[bytes, str]] | None = None,
    *,
    extraCertificateOptions: dict[str, Any] | None = None,
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
    extra = dict(extraCertificateOptions or {})
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
        trustRoot=_trust_root(trustRoot), acceptableProtocols=acceptableProtocols, **extra
    )
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
        sslmethod: Any = None,
        _contextFactory: Any = None,
    ) -> None:
        self.privateKeyFileName = privateKeyFileName
        self.certificateFileName = certificateFileName
        self.sslmethod = sslmethod
        self.cacheContext()

    def cacheContext(self) -> None:
        """Load the files now (errors raise here, as in Twisted)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        version = _METHOD_VERSIONS.get(self.sslmethod)
        if version is not None:
            context.minimum_version = context.maximum_version = version
        context.load_cert_chain(self.certificateFileName, self.privateKeyFileName)
        self._context = context

    def getContext(self) -> ssl.SSLContext:
        """The server-side ``ssl.SSLContext``."""
        return self._context


class ClientContextFactory(ContextFactory):
    """A client context that does not verify the server (Twisted's, kept for old code)."""

    isClient = 1
    method: Any = None

    def getContext(self) -> ssl.SSLContext:
        """A client-side ``ssl.SSLContext`` without verification."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        version = _METHOD_VERSIONS.get(self.method)
        if version is not None:
            context.minimum_version = context.maximum_version = version
        return context


def to_context(contextFactory: Any, server_side: bool) -> ssl.SSLContext:
    """The ``ssl.SSLContext`` for one side, from a context or a context factory."""
    if isinstance(contextFactory, ssl.SSLContext):
        return contextFactory
    context_for = getattr(contextFactory, "_context_for", None)
    if context_for is not None:
        result: Any = context_for(server_side)
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


def stdlib_context(contextFactory: Any, server_side: bool) -> ssl.SSLContext | None:
    """The ``ssl.SSLContext`` a TLS connection for ``contextFactory`` runs on, or None when
    the factory drives pyOpenSSL instead: its ``getContext()`` gives pyOpenSSL's
    ``OpenSSL.SSL.Context``, or it is a connection creator of another kind (code written
    for Twisted). Such a connection runs, as in Twisted, as a ``TLSMemoryBIOProtocol`` over
    a plain TCP connection. ``TypeError`` when it gives neither kind of context."""
    if isinstance(contextFactory, ssl.SSLContext):
        return contextFactory
    context_for = getattr(contextFactory, "_context_for", None)
    if context_for is not None:
        context: ssl.SSLContext = context_for(server_side)
        return context
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


def client_hostname(contextFactory: Any, context: ssl.SSLContext, fallback: str | None = None) -> str | None:
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
