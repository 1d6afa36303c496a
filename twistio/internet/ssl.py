"""TLS: options that make ``ssl.SSLContext`` objects, and ``listenSSL``/``connectSSL``.

Twisted builds pyOpenSSL contexts; twistio builds the standard library's ``ssl.SSLContext``.
Wherever Twisted takes a context factory, twistio takes a plain ``ssl.SSLContext`` too, or any
object whose ``getContext()`` returns one.

The TLS itself runs on ``ssl.MemoryBIO`` + ``ssl.SSLObject`` (``_TLSTransport`` below, for
``listenSSL``, ``connectSSL``, ``startTLS`` and the TLS endpoints; ``twistio.protocols.tls``
over any transport), not on asyncio's TLS, whose 256 KiB receive buffer per connection made
10,000 idle TLS connections cost gigabytes. A handshake that takes longer than
``DEFAULT_HANDSHAKE_TIMEOUT`` (60 s) drops the connection.

Differences from Twisted: a TLS connection's ``connectionMade`` is called once the handshake is
done (so ``getPeerCertificate`` and the ALPN choice already work there), and a failed handshake
is ``clientConnectionFailed`` with ``error.SSLError`` (its ``__cause__`` the ``ssl.SSLError``)
rather than a ``connectionLost`` after ``connectionMade``; a server never builds a protocol
for a client that failed its handshake. ``TLSMemoryBIOFactory`` (``twistio.protocols.tls``)
keeps Twisted's order. Certificates are ``Certificate`` objects holding DER bytes, not
pyOpenSSL ``X509`` objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import ssl
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Union

from twistio.internet import error, tcp
from twistio.internet._adapter import Connection

_log = logging.getLogger("twistio")


def _discard(data: Any) -> None:
    """Writes once the connection is lost: dropped."""

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


#: Seconds a TLS handshake may take before the connection is dropped, for ``listenSSL``,
#: ``connectSSL``, ``startTLS`` and the TLS endpoints (``handshakeTimeout`` changes it, None
#: turns it off). The same as asyncio's ``ssl_handshake_timeout`` and nginx's
#: ``ssl_handshake_timeout``; Twisted has none.
DEFAULT_HANDSHAKE_TIMEOUT = 60.0

# Plaintext asked of the SSLObject per read: one TLS record carries at most 16 KiB of it.
_READ_SIZE = 16384


def _handshake_error(exc: BaseException) -> BaseException:
    if isinstance(exc, ssl.SSLError):
        wrapped = error.SSLError(string=f"TLS handshake failed: {exc}")
        wrapped.__cause__ = exc
        return wrapped
    if isinstance(exc, TimeoutError):
        timed_out = error.TimeoutError(string=str(exc))
        timed_out.__cause__ = exc
        return timed_out
    return exc


class _TLSTransport(asyncio.Protocol, asyncio.Transport):
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
        waiter: asyncio.Future[Any] | None = None,
    ) -> None:
        self._app = app
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
        self._raw: Any = None
        self._sslobj: ssl.SSLObject | None = None

    # -- the socket's side ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the handshake: a client sends its hello now; a server waits for it before
        allocating anything of OpenSSL's (so idle unhandshaken connections stay small)."""
        self._raw = transport
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
        sslobj: Any = self._sslobj
        try:
            sslobj.do_handshake()
        except ssl.SSLWantReadError:
            self._flush()
            return
        except BaseException as e:
            self._flush()  # the alert that tells the peer why
            self._fail(e)
            return
        self._flush()
        self._done = True
        self._cancel_timer()
        self._app_connected = True
        if self._connect_app:
            self._app.connection_made(self)
            if self._write_paused:
                self._app.pause_writing()
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
        sslobj: Any = self._sslobj
        incoming = self._in
        chunks: list[bytes] = []
        eof = False
        failure: BaseException | None = None
        try:
            while True:
                chunk = sslobj.read(_READ_SIZE)
                if not chunk:
                    eof = True
                    break
                chunks.append(chunk)
                if not incoming.pending:
                    break
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:
            eof = True
        except ssl.SSLError as e:
            failure = e
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

    def write(self, data: Any) -> None:
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

    def writelines(self, list_of_data: Iterable[Any]) -> None:
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

    def get_extra_info(self, name: str, default: Any = None) -> Any:
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
        return self._raw.get_write_buffer_limits()  # type: ignore[no-any-return]

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the socket transport's high- and low-water marks."""
        self._raw.set_write_buffer_limits(high, low)

    def __repr__(self) -> str:
        return f"<TLS transport over {self._raw!r}>"


async def _start_tls(
    transport: Any,
    protocol: asyncio.Protocol,
    context: ssl.SSLContext,
    *,
    server_side: bool = False,
    server_hostname: str | None = None,
    ssl_handshake_timeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
) -> _TLSTransport:
    """``loop.start_tls`` on memory BIOs: TLS over ``transport`` (paused by the caller),
    for ``protocol``, which is already connected; the TLS transport once the handshake is done."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[Any] = loop.create_future()
    link = _TLSTransport(
        protocol, context, server_side, server_hostname or None, ssl_handshake_timeout,
        connect_app=False, waiter=waiter,
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


class Port(tcp.Port):
    """A listening TCP socket whose connections speak TLS.

    A connection's protocol is built, and its ``connectionMade`` called, once the handshake
    is done; a client that fails it, or takes longer than ``handshakeTimeout`` seconds, is
    dropped without a protocol ever being built.
    """

    def __init__(
        self,
        port: int,
        factory: Any,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
        reactor: Any = None,
        handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        super().__init__(port, factory, backlog, interface, reactor)
        self.ctxFactory = contextFactory
        self.handshakeTimeout = handshakeTimeout
        self._context = _to_context(contextFactory, True)

    def _tls_connection(self) -> _TLSTransport:
        return _TLSTransport(self._connection(), self._context, True, None, self.handshakeTimeout)

    async def _create_server(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> Any:
        return await loop.create_server(
            self._tls_connection, sock=sock, backlog=self.backlog, start_serving=False
        )


class Connector(tcp.Connector):
    """An outgoing TLS connection for a ``ClientFactory``.

    The protocol is built once the handshake is done; a failed handshake is
    ``clientConnectionFailed`` with ``error.SSLError`` (``error.TimeoutError`` after
    ``handshakeTimeout`` seconds, and after ``timeout`` for connecting and handshaking together).
    """

    def __init__(
        self,
        host: str,
        port: Union[int, str],
        factory: Any,
        contextFactory: Any,
        timeout: float | None = 30,
        bindAddress: tuple[str, int] | None = None,
        reactor: Any = None,
        handshakeTimeout: float | None = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        super().__init__(host, port, factory, timeout, bindAddress, reactor)
        self.contextFactory = contextFactory
        self.handshakeTimeout = handshakeTimeout
        self._context = _to_context(contextFactory, False)

    async def _open(self, loop: asyncio.AbstractEventLoop, conn: Connection) -> Any:
        family = socket.AF_INET6 if tcp.isIPv6Address(self.host) else socket.AF_INET
        hostname = _client_hostname(self.contextFactory, self._context, self.host)
        waiter: asyncio.Future[Any] = loop.create_future()
        link = _TLSTransport(
            conn, self._context, False, hostname or None, self.handshakeTimeout, True, waiter
        )
        try:
            await loop.create_connection(
                lambda: link, self.host, self.port, family=family, local_addr=self.bindAddress
            )
            return await waiter
        except (ssl.SSLError, TimeoutError) as e:
            raise _handshake_error(e) from e
        except BaseException:
            link.abort()
            raise
