"""TLS: options that make ``ssl.SSLContext`` objects, and ``listenSSL``/``connectSSL``.

Twisted builds pyOpenSSL contexts; twistio builds the standard library's ``ssl.SSLContext``,
which is what asyncio's ``create_server``/``create_connection``/``start_tls`` take. Wherever
Twisted takes a context factory, twistio takes a plain ``ssl.SSLContext`` too, or any object
whose ``getContext()`` returns one.

Differences from Twisted, all from running on asyncio's TLS: a TLS connection's
``connectionMade`` is called once the handshake is done (so ``getPeerCertificate`` already
works there), and a failed handshake is ``clientConnectionFailed`` with ``error.SSLError``
(its ``__cause__`` the ``ssl.SSLError``) rather than a ``connectionLost`` after
``connectionMade``; a server never builds a protocol for a client that failed its handshake.
Certificates are ``Certificate`` objects holding DER bytes, not pyOpenSSL ``X509`` objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import ssl
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any, Union

from twistio.internet import error, tcp
from twistio.internet._adapter import Connection

__all__ = [
    "Certificate",
    "CertificateOptions",
    "ClientContextFactory",
    "DefaultOpenSSLContextFactory",
    "KeyPair",
    "PrivateCertificate",
    "optionsForClientTLS",
    "platformTrust",
    "trustRootFromCertificates",
]

_PEM_CERT_BEGIN = b"-----BEGIN CERTIFICATE-----"


def _as_bytes(data: Union[str, bytes]) -> bytes:
    return data.encode("ascii") if isinstance(data, str) else data


class Certificate:
    """An X.509 certificate, kept as DER bytes."""

    def __init__(self, der: bytes) -> None:
        self.der = der

    @classmethod
    def loadDER(cls, data: bytes) -> Certificate:
        """The certificate in DER ``data``."""
        return cls(bytes(data))

    @classmethod
    def loadPEM(cls, data: Union[str, bytes]) -> Certificate:
        """The first certificate in PEM ``data``; ``ValueError`` if there is none."""
        return cls(_first_cert_der(_as_bytes(data)))

    def dumpPEM(self) -> bytes:
        """The certificate as PEM."""
        return ssl.DER_cert_to_PEM_cert(self.der).encode("ascii")

    def dump(self) -> bytes:
        """The certificate as DER."""
        return self.der

    def digest(self, method: str = "sha256") -> str:
        """The fingerprint, as colon-separated upper-case hex (``'AB:CD:...'``)."""
        return ":".join(f"{b:02X}" for b in hashlib.new(method, self.der).digest())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Certificate):
            return NotImplemented
        return self.der == other.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        return f"<Certificate {self.digest()[:23]}...>"


def _first_cert_der(pem: bytes) -> bytes:
    start = pem.find(_PEM_CERT_BEGIN)
    end = pem.find(b"-----END CERTIFICATE-----", start)
    if start < 0 or end < 0:
        raise ValueError("no PEM certificate found")
    block = pem[start : end + len(b"-----END CERTIFICATE-----")]
    return ssl.PEM_cert_to_DER_cert(block.decode("ascii"))


class KeyPair:
    """A private key, kept as PEM."""

    def __init__(self, pem: bytes) -> None:
        self.pem = pem

    @classmethod
    def load(cls, data: Union[str, bytes]) -> KeyPair:
        """The private key in PEM ``data``."""
        pem = _as_bytes(data)
        if b"PRIVATE KEY-----" not in pem:
            raise ValueError("no PEM private key found")
        return cls(pem)

    def dump(self) -> bytes:
        """The key as PEM."""
        return self.pem


class PrivateCertificate(Certificate):
    """A certificate with its private key."""

    privateKey: KeyPair

    @classmethod
    def loadPEM(cls, data: Union[str, bytes]) -> PrivateCertificate:
        """The key and certificate both in PEM ``data``."""
        pem = _as_bytes(data)
        cert = cls(_first_cert_der(pem))
        cert.privateKey = KeyPair.load(pem)
        return cert

    @classmethod
    def fromCertificateAndKeyPair(cls, certificate: Certificate, keyPair: KeyPair) -> PrivateCertificate:
        """Pair a certificate with its key."""
        cert = cls(certificate.der)
        cert.privateKey = keyPair
        return cert

    def options(self, *authorities: Certificate) -> CertificateOptions:
        """Server options presenting this certificate; with ``authorities``, clients must
        present a certificate signed by one of them."""
        return CertificateOptions(
            privateKey=self.privateKey,
            certificate=self,
            verify=bool(authorities),
            caCerts=list(authorities) or None,
        )


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
        return KeyPair.load(key).pem
    raise TypeError(f"privateKey must be a KeyPair or PEM, not {type(key).__name__}")


def _cert_pem(cert: Any) -> bytes:
    if isinstance(cert, Certificate):
        return cert.dumpPEM()
    if isinstance(cert, (str, bytes)):
        return Certificate.loadPEM(cert).dumpPEM()
    raise TypeError(f"certificate must be a Certificate or PEM, not {type(cert).__name__}")


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


def platformTrust() -> _TrustRoot:
    """Trust the system's certificate authorities."""
    return _TrustRoot(None)


def trustRootFromCertificates(certificates: Sequence[Certificate]) -> _TrustRoot:
    """Trust only the given certificates as authorities."""
    return _TrustRoot(list(certificates))


def _trust_root(trustRoot: Any) -> _TrustRoot:
    if trustRoot is None:
        return platformTrust()
    if isinstance(trustRoot, _TrustRoot):
        return trustRoot
    if isinstance(trustRoot, Certificate):
        return trustRootFromCertificates([trustRoot])
    if isinstance(trustRoot, (list, tuple)):
        return trustRootFromCertificates(trustRoot)
    raise TypeError(f"trustRoot must be a Certificate or a trust root, not {trustRoot!r}")


class CertificateOptions:
    """TLS settings for either side: a certificate and key to present, whom to trust.

    By default (as in Twisted) the peer is not verified: give ``verify=True`` with
    ``caCerts``, or ``trustRoot``, for that; a client that should check a server's name
    wants ``optionsForClientTLS`` instead. ``getContext()`` gives a server-side context;
    a client connection asks for a client-side one.
    """

    def __init__(
        self,
        privateKey: Any = None,
        certificate: Any = None,
        method: Any = None,
        verify: bool = False,
        caCerts: Sequence[Certificate] | None = None,
        verifyDepth: int = 9,
        requireCertificate: bool = True,
        verifyOnce: bool = True,
        enableSingleUseKeys: bool = True,
        enableSessions: bool = False,
        fixBrokenPeers: bool = False,
        enableSessionTickets: bool = False,
        extraCertChain: Sequence[Certificate] | None = None,
        acceptableCiphers: Any = None,
        dhParameters: Any = None,
        trustRoot: Any = None,
        acceptableProtocols: Sequence[Union[bytes, str]] | None = None,
        raiseMinimumTo: Any = None,
        insecurelyLowerMinimumTo: Any = None,
        lowerMaximumSecurityTo: Any = None,
    ) -> None:
        if (privateKey is None) != (certificate is None):
            raise ValueError("Specify neither or both of privateKey and certificate")
        if verify and not caCerts and trustRoot is None:
            raise ValueError("Specify client CA certificate information if and only if enabling "
                             "certificate verification")
        self.privateKey = privateKey
        self.certificate = certificate
        self.verify = verify or trustRoot is not None
        self.caCerts = caCerts
        self.trustRoot = trustRoot
        self.requireCertificate = requireCertificate
        self.extraCertChain = list(extraCertChain or [])
        self.acceptableProtocols = [
            p.decode("ascii") if isinstance(p, bytes) else p for p in acceptableProtocols or []
        ]
        self._contexts: dict[bool, ssl.SSLContext] = {}

    def _context_for(self, server_side: bool) -> ssl.SSLContext:
        context = self._contexts.get(server_side)
        if context is not None:
            return context
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        if self.privateKey is not None:
            chain = _cert_pem(self.certificate) + b"".join(
                _cert_pem(c) for c in self.extraCertChain
            )
            with _pem_files(_key_pem(self.privateKey), chain) as (key_path, cert_path):
                context.load_cert_chain(cert_path, key_path)
        if self.verify:
            if self.trustRoot is not None:
                _trust_root(self.trustRoot)._load(context)
            else:
                trustRootFromCertificates(self.caCerts or [])._load(context)
            if server_side and not self.requireCertificate:
                context.verify_mode = ssl.CERT_OPTIONAL
            else:
                context.verify_mode = ssl.CERT_REQUIRED
        else:
            context.verify_mode = ssl.CERT_NONE
        if self.acceptableProtocols:
            context.set_alpn_protocols(self.acceptableProtocols)
        self._contexts[server_side] = context
        return context

    def getContext(self) -> ssl.SSLContext:
        """The server-side ``ssl.SSLContext``."""
        return self._context_for(True)


class ClientTLSOptions:
    """Client options that verify the server's certificate and its name (``hostname``)."""

    def __init__(self, hostname: str, context: ssl.SSLContext) -> None:
        self._hostname = hostname
        self._context = context

    def _context_for(self, server_side: bool) -> ssl.SSLContext:
        if server_side:
            raise ValueError("client TLS options cannot be used on the server side")
        return self._context

    def getContext(self) -> ssl.SSLContext:
        """The client-side ``ssl.SSLContext``."""
        return self._context


def optionsForClientTLS(
    hostname: str,
    trustRoot: Any = None,
    clientCertificate: PrivateCertificate | None = None,
    acceptableProtocols: Sequence[Union[bytes, str]] | None = None,
    extraCertificateOptions: dict[str, Any] | None = None,
) -> ClientTLSOptions:
    """Client options that check the server's certificate against ``trustRoot`` (the
    system's authorities by default) and that it is for ``hostname``."""
    if isinstance(hostname, bytes):
        raise TypeError(
            "optionsForClientTLS requires text for host names, not bytes: "
            f"{hostname!r}"
        )
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=None)
    if trustRoot is not None:
        # Only the authorities asked for, not the defaults as well.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        _trust_root(trustRoot)._load(context)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    if clientCertificate is not None:
        with _pem_files(clientCertificate.privateKey.pem, clientCertificate.dumpPEM()) as (
            key_path,
            cert_path,
        ):
            context.load_cert_chain(cert_path, key_path)
    if acceptableProtocols:
        context.set_alpn_protocols(
            [p.decode("ascii") if isinstance(p, bytes) else p for p in acceptableProtocols]
        )
    return ClientTLSOptions(hostname, context)


class DefaultOpenSSLContextFactory:
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
        self.cacheContext()

    def cacheContext(self) -> None:
        """Load the files now (errors raise here, as in Twisted)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificateFileName, self.privateKeyFileName)
        self._context = context

    def getContext(self) -> ssl.SSLContext:
        """The server-side ``ssl.SSLContext``."""
        return self._context


class ClientContextFactory:
    """A client context that does not verify the server (Twisted's, kept for old code)."""

    isClient = 1

    def getContext(self) -> ssl.SSLContext:
        """A client-side ``ssl.SSLContext`` without verification."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context


def _to_context(contextFactory: Any, server_side: bool) -> ssl.SSLContext:
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


def _client_hostname(contextFactory: Any, context: ssl.SSLContext, fallback: str | None = None) -> str | None:
    """The name a client sends (SNI) and checks: the options' own, else ``fallback`` (the
    host connected to) when the context checks names."""
    hostname = getattr(contextFactory, "_hostname", None)
    if isinstance(hostname, str):
        return hostname
    if context.check_hostname:
        return fallback
    return None


def _handshake_error(exc: BaseException) -> BaseException:
    if isinstance(exc, ssl.SSLError):
        wrapped = error.SSLError(string=f"TLS handshake failed: {exc}")
        wrapped.__cause__ = exc
        return wrapped
    return exc


class Port(tcp.Port):
    """A listening TCP socket whose connections speak TLS."""

    def __init__(
        self,
        port: int,
        factory: Any,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
        reactor: Any = None,
    ) -> None:
        super().__init__(port, factory, backlog, interface, reactor)
        self.ctxFactory = contextFactory
        self._context = _to_context(contextFactory, True)

    async def _create_server(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> Any:
        return await loop.create_server(
            self._connection, sock=sock, backlog=self.backlog, ssl=self._context,
            start_serving=False,
        )


class Connector(tcp.Connector):
    """An outgoing TLS connection for a ``ClientFactory``."""

    def __init__(
        self,
        host: str,
        port: Union[int, str],
        factory: Any,
        contextFactory: Any,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | None = None,
        reactor: Any = None,
    ) -> None:
        super().__init__(host, port, factory, timeout, bindAddress, reactor)
        self.contextFactory = contextFactory
        self._context = _to_context(contextFactory, False)

    async def _open(self, loop: asyncio.AbstractEventLoop, conn: Connection) -> Any:
        family = socket.AF_INET6 if tcp.isIPv6Address(self.host) else socket.AF_INET
        hostname = _client_hostname(self.contextFactory, self._context, self.host)
        try:
            return await loop.create_connection(
                lambda: conn, self.host, self.port, family=family,
                local_addr=self.bindAddress, ssl=self._context,
                server_hostname=hostname or "",
            )
        except ssl.SSLError as e:
            raise _handshake_error(e) from e
