"""SASL mechanisms, independent of the protocol carrying them: PLAIN (RFC 4616),
ANONYMOUS (RFC 4505) and DIGEST-MD5 (RFC 2831, ``auth`` quality of protection).

Each has a ``name``, ``getInitialResponse()`` (bytes, or None for none) and
``getResponse(challenge)`` (bytes, or None).
"""

from __future__ import annotations

import binascii
import os
from hashlib import md5
from typing import Protocol

from twistio.internet.interfaces import Interface, implementer

__all__ = ["Anonymous", "DigestMD5", "ISASLMechanism", "Plain"]


class ISASLMechanism(Interface, Protocol):
    """A SASL mechanism, as the initiating side runs it."""

    name: str

    def getInitialResponse(self) -> bytes | None:
        """The data sent with the mechanism's selection, or None."""

    def getResponse(self, challenge: bytes) -> bytes | None:
        """The answer to a challenge of the receiving side."""


@implementer(ISASLMechanism)
class Anonymous:
    """ANONYMOUS: no credentials (the server picks a name)."""

    name = "ANONYMOUS"

    def getInitialResponse(self) -> bytes | None:
        return None

    def getResponse(self, challenge: bytes) -> bytes | None:
        return None


@implementer(ISASLMechanism)
class Plain:
    """PLAIN: ``authzid NUL authcid NUL password`` in the clear (use it over TLS only)."""

    name = "PLAIN"

    def __init__(self, authzid: str | None, authcid: str, password: str) -> None:
        self.authzid = authzid or ""
        self.authcid = authcid or ""
        self.password = password or ""

    def getInitialResponse(self) -> bytes:
        return b"\x00".join(
            part.encode("utf-8") for part in (self.authzid, self.authcid, self.password)
        )

    def getResponse(self, challenge: bytes) -> bytes | None:
        return None


# Directives of a digest-challenge that are lists of options.
_LISTS = {b"qop", b"cipher"}
# Directives whose values RFC 2831 writes as quoted strings in a digest-response.
_QUOTED = {b"username", b"realm", b"nonce", b"cnonce", b"digest-uri"}


@implementer(ISASLMechanism)
class DigestMD5:
    """DIGEST-MD5 for ``username``/``password`` at service ``serv_type`` (``xmpp``) on
    ``host`` (``serv_name``: the service's own name when it differs from the host)."""

    name = "DIGEST-MD5"

    def __init__(
        self, serv_type: str, host: str, serv_name: str | None, username: str, password: str
    ) -> None:
        # digest-uri is "serv-type/host[/serv-name]" (RFC 2831 section 2.1.2).
        parts = (serv_type, host, serv_name)
        self.digest_uri = "/".join(
            p.decode("utf-8") if isinstance(p, bytes) else p for p in parts if p is not None
        )
        self.defaultRealm = host
        self.username, self.password = username, password

    def getInitialResponse(self) -> bytes | None:
        return None

    def getResponse(self, challenge: bytes) -> bytes:
        """The digest-response to a digest-challenge; empty once the server's
        ``rspauth`` arrives (the last step)."""
        directives = self._parse(challenge)
        if b"rspauth" in directives:
            return b""
        charset = directives.get(b"charset", b"iso-8859-1")
        realm = directives.get(b"realm")
        nonce = directives[b"nonce"]
        if isinstance(charset, list) or isinstance(realm, list) or isinstance(nonce, list):
            raise ValueError("malformed digest challenge")
        return self._genResponse(charset, realm, nonce)

    def _parse(self, challenge: bytes) -> dict[bytes, bytes | list[bytes]]:
        """The directives of a challenge (``qop`` and ``cipher`` as lists of options)."""
        found: dict[bytes, bytes | list[bytes]] = {}
        pos, size = 0, len(challenge)
        while pos < size:
            while pos < size and challenge[pos : pos + 1] in (b",", b" ", b"\t"):
                pos += 1
            if pos >= size:
                break
            eq = challenge.find(b"=", pos)
            if eq < 0:
                break
            key = challenge[pos:eq].strip()
            pos = eq + 1
            if challenge[pos : pos + 1] == b'"':
                pos += 1
                value = bytearray()
                while pos < size and challenge[pos : pos + 1] != b'"':
                    if challenge[pos : pos + 1] == b"\\" and pos + 1 < size:
                        pos += 1
                    value += challenge[pos : pos + 1]
                    pos += 1
                pos += 1
                text = bytes(value)
            else:
                end = challenge.find(b",", pos)
                end = size if end < 0 else end
                text = challenge[pos:end].strip()
                pos = end
            found[key] = [v.strip() for v in text.split(b",")] if key in _LISTS else text
        return found

    def _unparse(self, directives: dict[bytes, bytes]) -> bytes:
        """Directives as a digest-response (quoting the values RFC 2831 quotes)."""
        parts = []
        for key, value in directives.items():
            if key in _QUOTED:
                escaped = value.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
                parts.append(key + b'="' + escaped + b'"')
            else:
                parts.append(key + b"=" + value)
        return b",".join(parts)

    def _calculateResponse(
        self,
        cnonce: bytes,
        nc: bytes,
        nonce: bytes,
        username: bytes,
        password: bytes,
        realm: bytes,
        uri: bytes,
    ) -> bytes:
        """The ``response`` directive (RFC 2831 section 2.1.2.1, qop ``auth``)."""

        def hexdigest(data: bytes) -> bytes:
            return md5(data).hexdigest().encode("ascii")

        secret = md5(b":".join((username, realm, password))).digest()
        a1 = b":".join((secret, nonce, cnonce))
        a2 = b"AUTHENTICATE:" + uri
        return hexdigest(b":".join((hexdigest(a1), nonce, nc, cnonce, b"auth", hexdigest(a2))))

    def _genResponse(self, charset: bytes, realm: bytes | None, nonce: bytes) -> bytes:
        encoding = "utf-8" if charset.lower() == b"utf-8" else "iso-8859-1"
        username = self.username.encode(encoding)
        password = self.password.encode(encoding)
        realm_bytes = realm if realm is not None else self.defaultRealm.encode(encoding)
        uri = self.digest_uri.encode(encoding)
        cnonce = self._gen_nonce()
        nc = b"00000001"
        directives = {
            b"username": username,
            b"realm": realm_bytes,
            b"nonce": nonce,
            b"cnonce": cnonce,
            b"nc": nc,
            b"qop": b"auth",
            b"digest-uri": uri,
            b"response": self._calculateResponse(
                cnonce, nc, nonce, username, password, realm_bytes, uri
            ),
        }
        if encoding == "utf-8":
            directives[b"charset"] = b"utf-8"
        return self._unparse(directives)

    def _gen_nonce(self) -> bytes:
        """A fresh client nonce: 32 hexadecimal digits from the OS's random source."""
        return binascii.hexlify(os.urandom(16))
