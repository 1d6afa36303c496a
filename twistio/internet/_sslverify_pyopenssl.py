"""twistio's TLS options as pyOpenSSL contexts, for code written for Twisted.

Twisted's ``CertificateOptions`` configures a pyOpenSSL ``OpenSSL.SSL.Context``, and every TLS
connection of Twisted is a ``TLSMemoryBIOProtocol`` driving pyOpenSSL's ``Connection``: code
written for Twisted reaches for those objects (``getContext()`` to adjust the context,
``transport.getHandle()`` for the connection, pyOpenSSL's ``X509`` from
``getPeerCertificate()``). twistio's own TLS runs on the standard library's ``ssl``; under the
``twisted`` alias, when pyOpenSSL is installed, the options give pyOpenSSL contexts and the
connections run as Twisted's do (see ``pyopenssl_mode``). This module builds those contexts
and connections; pyOpenSSL is imported only when one is asked for.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import sys
from typing import Any

__all__ = [
    "client_connection",
    "configure",
    "pyopenssl_mode",
    "server_connection",
    "verify_hostname",
]

_available: bool | None = None


def _pyopenssl_available() -> bool:
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
    return _pyopenssl_available()


# OpenSSL's protocol version numbers, by the names of ``TLSVersion``'s constants.
_VERSIONS = {
    "SSLv3": 0x0300,
    "TLSv1_0": 0x0301,
    "TLSv1_1": 0x0302,
    "TLSv1_2": 0x0303,
    "TLSv1_3": 0x0304,
}


def _x509(cert: Any) -> Any:
    """pyOpenSSL's ``X509`` for any certificate twistio takes."""
    from OpenSSL import crypto

    from twistio.internet._sslverify import Certificate, _as_bytes, _first_cert_der

    if isinstance(cert, crypto.X509):
        return cert
    if isinstance(cert, Certificate):
        der = cert.der
    elif isinstance(cert, (str, bytes)) and b"-----BEGIN" in _as_bytes(cert):
        der = _first_cert_der(_as_bytes(cert))
    else:
        der = Certificate(cert).der
    return crypto.load_certificate(crypto.FILETYPE_ASN1, der)


def _pkey(key: Any) -> Any:
    """pyOpenSSL's ``PKey`` for any private key twistio takes."""
    from OpenSSL import crypto

    from twistio.internet._sslverify import FILETYPE_PEM, KeyPair, PrivateCertificate

    if isinstance(key, crypto.PKey):
        return key
    if isinstance(key, PrivateCertificate):
        key = key.privateKey
    if not isinstance(key, KeyPair):
        key = KeyPair(key)
    return crypto.load_privatekey(crypto.FILETYPE_PEM, key.dump(FILETYPE_PEM))


def load_trust(trustRoot: Any, context: Any) -> None:
    """Make ``context`` (pyOpenSSL's) trust what ``trustRoot`` names: a trust root of
    twistio's, a ``Certificate`` or a list of them, or an object of code written for Twisted
    with ``_addCACertsToContext``, which configures the context itself."""
    from twistio.internet._sslverify import Certificate, _trust_root, _TrustRoot

    if not isinstance(trustRoot, (_TrustRoot, Certificate, list, tuple)) and hasattr(
        trustRoot, "_addCACertsToContext"
    ):
        trustRoot._addCACertsToContext(context)
        return
    root = _trust_root(trustRoot)
    if root.certificates is None:
        context.set_default_verify_paths()
        return
    store = context.get_cert_store()
    for certificate in root.certificates:
        store.add_cert(_x509(certificate))


def configure(options: Any) -> Any:
    """A pyOpenSSL ``Context`` configured as ``options`` (a ``CertificateOptions``) says,
    for either side, as Twisted's ``CertificateOptions.getContext()`` gives."""
    from OpenSSL import SSL

    from twistio.internet._sslverify import trustRootFromCertificates

    method = options.method
    if isinstance(method, int):
        context = SSL.Context(method)
    else:
        context = SSL.Context(SSL.TLS_METHOD)
        context.set_min_proto_version(_VERSIONS[options._minimumVersion.name])
        if options._maximumVersion is not None:
            context.set_max_proto_version(_VERSIONS[options._maximumVersion.name])
    flags = SSL.OP_NO_COMPRESSION | SSL.OP_CIPHER_SERVER_PREFERENCE
    if options.enableSingleUseKeys:
        flags |= SSL.OP_SINGLE_DH_USE | SSL.OP_SINGLE_ECDH_USE
    if options.fixBrokenPeers:
        flags |= SSL.OP_ALL
    if not options.enableSessionTickets:
        flags |= SSL.OP_NO_TICKET
    context.set_options(flags)
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
            load_trust(options.trustRoot, context)
        else:
            from twistio.internet._sslverify import Certificate

            load_trust(
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
    if options._acceptableCiphers is not None:
        context.set_cipher_list(options._acceptableCiphers._string.encode("ascii"))
    if options.dhParameters is not None:
        context.load_tmp_dh(options.dhParameters._dhFile)
    protocols = [p.encode("ascii") for p in options.acceptableProtocols]
    if protocols:
        context.set_alpn_protos(protocols)
        context.set_alpn_select_callback(_alpn_chooser(protocols))
    if options._contextForServerName is not None:
        context.set_tlsext_servername_callback(_server_name_chooser(options))
    return context


def _accept_openssls_verdict(connection: Any, x509: Any, errno: int, depth: int, ok: int) -> bool:
    return bool(ok)


def _alpn_chooser(ours: list[bytes]) -> Any:
    def choose(connection: Any, theirs: list[bytes]) -> Any:
        for protocol in ours:
            if protocol in theirs:
                return protocol
        from OpenSSL import SSL

        return SSL.NO_OVERLAPPING_PROTOCOLS

    return choose


def _server_name_chooser(options: Any) -> Any:
    def chosen(connection: Any) -> None:
        name = connection.get_servername()
        try:
            other = options._contextForServerName(name)
        except Exception:
            from twistio.python import log

            log.err(None, "Error choosing the TLS context for a server name")
            raise
        if other is None:
            return
        if not hasattr(other, "set_verify"):  # a context factory, not a context
            other = other.getContext()
        connection.set_context(other)

    return chosen


def server_connection(context: Any) -> Any:
    """A server-side pyOpenSSL ``Connection`` on ``context`` (memory BIOs)."""
    from OpenSSL import SSL

    connection = SSL.Connection(context, None)
    connection.set_accept_state()
    return connection


def client_connection(context: Any, hostname: str | None, tlsProtocol: Any) -> Any:
    """A client-side pyOpenSSL ``Connection`` on ``context``; with ``hostname``, it sends
    that name (SNI, when it is a DNS name) and ``tlsProtocol`` fails verification once the
    handshake is done unless the server's certificate is for that name."""
    from OpenSSL import SSL

    connection = SSL.Connection(context, None)
    connection.set_connect_state()
    if hostname is not None:
        if _is_dns_name(hostname):
            connection.set_tlsext_host_name(hostname.encode("idna"))

        def check(conn: Any, where: int, ret: int) -> None:
            if not where & SSL.SSL_CB_HANDSHAKE_DONE:
                return
            try:
                verify_hostname(conn, hostname)
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


def verify_hostname(connection: Any, hostname: str) -> None:
    """Raise unless the peer's certificate on pyOpenSSL's ``connection`` is for ``hostname``
    (a DNS name or an IP address): service_identity's check and its ``VerificationError``
    when it is installed (as Twisted), else the same rules (RFC 6125: the subject
    alternative names, a ``*`` only as a whole left-most label) and ``ssl``'s
    ``SSLCertVerificationError``."""
    identity: Any
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
