"""The SSH transport layer (RFC 4253): version exchange, key exchange, packets, services.

``SSHTransportBase`` holds what both ends share; ``SSHServerTransport`` and
``SSHClientTransport`` add each side of the key exchange. The call order on a transport is
``connectionMade`` (our version line and KEXINIT go out), ``dataReceived`` (the peer's version
line, then packets, each handed to ``dispatchMessage``), ``connectionLost``.

Limits, each answered with a DISCONNECT: the peer's version exchange may take 4 KiB of
bytes without a version line and 64 KiB of lines before it, a version line 255 bytes; a
packet at most ``max_packet_size`` bytes (256 KiB, OpenSSH's limit). Only strong algorithms
are offered by default (see ``supportedCiphers`` ...); the SHA-1 and CBC ones are known but
must be listed by a program to be used. Keys are renewed after ``rekey_bytes`` in either
direction or ``rekey_interval`` seconds (checked as packets come and go: no timer is left
pending). OpenSSH's strict key exchange
(``kex-strict-*-v00@openssh.com``, the Terrapin fix) is used when the peer offers it.
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
import logging
import os
import struct
import warnings
import zlib
from typing import TYPE_CHECKING, Any

from twistio.conch.ssh import _kex, keys
from twistio.conch.ssh.address import SSHTransportAddress
from twistio.conch.ssh.common import MP, NS, ffs, getMP, getNS
from twistio.internet import defer, protocol
from twistio.python import randbytes
from twistio.python.failure import Failure

try:
    from cryptography.exceptions import InvalidSignature, InvalidTag
    from cryptography.hazmat.primitives import poly1305, serialization
    from cryptography.hazmat.primitives.asymmetric import dh, ec, x25519
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError as e:  # pragma: no cover - the conch extra is missing
    raise ImportError(
        "twistio.conch needs the 'cryptography' package: pip install 'twistio[conch]'"
    ) from e

if TYPE_CHECKING:
    from twistio.conch.ssh.factory import SSHFactory
    from twistio.conch.ssh.service import SSHService

with warnings.catch_warnings():
    # cryptography deprecates finite-field DH and warns on every use of its names.
    warnings.simplefilter("ignore")
    _DHParameterNumbers = dh.DHParameterNumbers
    _DHPublicNumbers = dh.DHPublicNumbers

__all__ = [
    "DH_GENERATOR",
    "DH_PRIME",
    "DISCONNECT_AUTH_CANCELLED_BY_USER",
    "DISCONNECT_BY_APPLICATION",
    "DISCONNECT_COMPRESSION_ERROR",
    "DISCONNECT_CONNECTION_LOST",
    "DISCONNECT_HOST_KEY_NOT_VERIFIABLE",
    "DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT",
    "DISCONNECT_ILLEGAL_USER_NAME",
    "DISCONNECT_KEY_EXCHANGE_FAILED",
    "DISCONNECT_MAC_ERROR",
    "DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE",
    "DISCONNECT_PROTOCOL_ERROR",
    "DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED",
    "DISCONNECT_RESERVED",
    "DISCONNECT_SERVICE_NOT_AVAILABLE",
    "DISCONNECT_TOO_MANY_CONNECTIONS",
    "MSG_DEBUG",
    "MSG_DISCONNECT",
    "MSG_EXT_INFO",
    "MSG_IGNORE",
    "MSG_KEXDH_INIT",
    "MSG_KEXDH_REPLY",
    "MSG_KEXINIT",
    "MSG_KEX_DH_GEX_GROUP",
    "MSG_KEX_DH_GEX_INIT",
    "MSG_KEX_DH_GEX_REPLY",
    "MSG_KEX_DH_GEX_REQUEST",
    "MSG_KEX_DH_GEX_REQUEST_OLD",
    "MSG_NEWKEYS",
    "MSG_SERVICE_ACCEPT",
    "MSG_SERVICE_REQUEST",
    "MSG_UNIMPLEMENTED",
    "OVERLAP_MSG_KEX_HYBRID_REPLY",
    "SSHCiphers",
    "SSHClientTransport",
    "SSHServerTransport",
    "SSHTransportBase",
    "messages",
]

_log = logging.getLogger("twistio.conch")

# Message numbers (RFC 4250 section 4.1): the generic ones run 1-7 (7, EXT_INFO, is RFC 8308's)
MSG_DISCONNECT, MSG_IGNORE, MSG_UNIMPLEMENTED, MSG_DEBUG = range(1, 5)
MSG_SERVICE_REQUEST, MSG_SERVICE_ACCEPT, MSG_EXT_INFO = range(5, 8)
MSG_KEXINIT, MSG_NEWKEYS = range(20, 22)
# 30-49 belong to the key exchange method in use, so the same number has several names: plain
# Diffie-Hellman (RFC 4253), group exchange (RFC 4419, whose old request is 30) and the hybrid
# methods, whose reply is 31 as well.
MSG_KEXDH_INIT = MSG_KEX_DH_GEX_REQUEST_OLD = 30
MSG_KEXDH_REPLY = MSG_KEX_DH_GEX_GROUP = OVERLAP_MSG_KEX_HYBRID_REPLY = 31
MSG_KEX_DH_GEX_INIT, MSG_KEX_DH_GEX_REPLY, MSG_KEX_DH_GEX_REQUEST = range(32, 35)

# Why a peer disconnects (RFC 4250 section 4.2.2): reason codes 1 to 15, in this order.
(
    DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT,
    DISCONNECT_PROTOCOL_ERROR,
    DISCONNECT_KEY_EXCHANGE_FAILED,
    DISCONNECT_RESERVED,
    DISCONNECT_MAC_ERROR,
    DISCONNECT_COMPRESSION_ERROR,
    DISCONNECT_SERVICE_NOT_AVAILABLE,
    DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED,
    DISCONNECT_HOST_KEY_NOT_VERIFIABLE,
    DISCONNECT_CONNECTION_LOST,
    DISCONNECT_BY_APPLICATION,
    DISCONNECT_TOO_MANY_CONNECTIONS,
    DISCONNECT_AUTH_CANCELLED_BY_USER,
    DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
    DISCONNECT_ILLEGAL_USER_NAME,
) = range(1, 16)

DH_GENERATOR, DH_PRIME = _kex.group(2048)

messages: dict[int, str] = {
    MSG_DISCONNECT: "MSG_DISCONNECT",
    MSG_IGNORE: "MSG_IGNORE",
    MSG_UNIMPLEMENTED: "MSG_UNIMPLEMENTED",
    MSG_DEBUG: "MSG_DEBUG",
    MSG_SERVICE_REQUEST: "MSG_SERVICE_REQUEST",
    MSG_SERVICE_ACCEPT: "MSG_SERVICE_ACCEPT",
    MSG_EXT_INFO: "MSG_EXT_INFO",
    MSG_KEXINIT: "MSG_KEXINIT",
    MSG_NEWKEYS: "MSG_NEWKEYS",
    MSG_KEX_DH_GEX_REQUEST_OLD: "MSG_KEX_DH_GEX_REQUEST_OLD",
    MSG_KEX_DH_GEX_REQUEST: "MSG_KEX_DH_GEX_REQUEST",
    MSG_KEX_DH_GEX_GROUP: "MSG_KEX_DH_GEX_GROUP",
    MSG_KEX_DH_GEX_INIT: "MSG_KEX_DH_GEX_INIT",
    MSG_KEX_DH_GEX_REPLY: "MSG_KEX_DH_GEX_REPLY",
}

_u32 = struct.Struct(">L")
_head = struct.Struct(">LB")
_ZlibDecompress = type(zlib.decompressobj())
_STRICT_C = b"kex-strict-c-v00@openssh.com"
_STRICT_S = b"kex-strict-s-v00@openssh.com"
_EXT_INFO_C = b"ext-info-c"
_EXT_INFO_S = b"ext-info-s"
# Messages that may pass while keys are being exchanged (RFC 4253 section 7.1).
_KEX_TRAFFIC = frozenset([1, 2, 3, 4, *range(20, 50)])


def _twistio_version() -> bytes:
    from twistio import __version__

    return b"Twistio_" + __version__.encode("ascii")


class _BadPacket(Exception):
    """A packet that cannot be read: the connection is dropped with ``code``."""

    def __init__(self, code: int, text: bytes) -> None:
        Exception.__init__(self, code, text)
        self.code = code
        self.text = text


# ----------------------------------------------------------------------- ciphers


class _Direction:
    """One direction's packet protection: cipher, MAC and their keys."""

    block_size = 8
    aead = False
    etm = False
    mac_size = 0

    def seal(self, seq: int, payload: bytes) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def length(self, seq: int, head: bytes) -> tuple[int, bytes]:  # pragma: no cover
        """(packet_length, decrypted first block) from the first bytes of a packet."""
        raise NotImplementedError

    def open(self, seq: int, head: bytes, packet: bytes) -> bytes:  # pragma: no cover
        """The plain packet (padding length, payload, padding) of a whole packet."""
        raise NotImplementedError


def _padding(length: int, block: int) -> int:
    pad = block - length % block
    if pad < 4:
        pad += block
    return pad


class _Plain(_Direction):
    """No cipher and no MAC (before the first key exchange)."""

    def seal(self, seq: int, payload: bytes) -> bytes:
        pad = _padding(5 + len(payload), 8)
        return _head.pack(1 + len(payload) + pad, pad) + payload + randbytes.secureRandom(pad)

    def length(self, seq: int, head: bytes) -> tuple[int, bytes]:
        return _u32.unpack_from(head)[0], head

    def open(self, seq: int, head: bytes, packet: bytes) -> bytes:
        return packet[4:]


class _CipherMac(_Direction):
    """A stream or block cipher (aes-ctr, aes-cbc, 3des-cbc) with an HMAC, ETM or not."""

    def __init__(self, cipher: Any, block_size: int, mac_name: bytes, mac_key: bytes,
                 decrypting: bool) -> None:
        self.block_size = max(block_size, 8)
        self._crypt = cipher.decryptor() if decrypting else cipher.encryptor()
        self._update = self._crypt.update
        digest, size = _MACS[mac_name]
        self.mac_size = size
        self.etm = mac_name.endswith(b"-etm@openssh.com")
        self._mac_key = mac_key
        self._digest = digest

    def _mac(self, seq: int, data: bytes) -> bytes:
        out = _hmac.new(self._mac_key, _u32.pack(seq) + data, self._digest).digest()
        return out[: self.mac_size]

    def seal(self, seq: int, payload: bytes) -> bytes:
        bs = self.block_size
        if self.etm:
            pad = _padding(1 + len(payload), bs)
            length = _u32.pack(1 + len(payload) + pad)
            body: bytes = self._update(bytes([pad]) + payload + os.urandom(pad))
            return length + body + self._mac(seq, length + body)
        pad = _padding(5 + len(payload), bs)
        plain = _head.pack(1 + len(payload) + pad, pad) + payload + os.urandom(pad)
        sealed: bytes = self._update(plain)
        return sealed + self._mac(seq, plain)

    def length(self, seq: int, head: bytes) -> tuple[int, bytes]:
        if self.etm:
            return _u32.unpack_from(head)[0], head[:4]
        first: bytes = self._update(head[: self.block_size])
        return _u32.unpack_from(first)[0], first

    def open(self, seq: int, head: bytes, packet: bytes) -> bytes:
        size = self.mac_size
        body = packet[:-size]
        mac = packet[-size:]
        if self.etm:
            if not _hmac.compare_digest(self._mac(seq, body), mac):
                raise _BadPacket(DISCONNECT_MAC_ERROR, b"bad MAC")
            opened: bytes = self._update(body[4:])
            return opened
        plain: bytes = head + self._update(body[len(head):])
        if not _hmac.compare_digest(self._mac(seq, plain), mac):
            raise _BadPacket(DISCONNECT_MAC_ERROR, b"bad MAC")
        return plain[4:]


class _AESGCM(_Direction):
    """aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647 as OpenSSH does it)."""

    aead = True
    block_size = 16
    mac_size = 16

    def __init__(self, key: bytes, iv: bytes) -> None:
        self._aead = AESGCM(key)
        self._fixed = iv[:4]
        self._counter = int.from_bytes(iv[4:12], "big")

    def _nonce(self) -> bytes:
        nonce = self._fixed + self._counter.to_bytes(8, "big")
        self._counter = (self._counter + 1) & 0xFFFFFFFFFFFFFFFF
        return nonce

    def seal(self, seq: int, payload: bytes) -> bytes:
        pad = _padding(1 + len(payload), 16)
        length = _u32.pack(1 + len(payload) + pad)
        body: bytes = self._aead.encrypt(self._nonce(), bytes([pad]) + payload + os.urandom(pad),
                                         length)
        return length + body

    def length(self, seq: int, head: bytes) -> tuple[int, bytes]:
        return _u32.unpack_from(head)[0], head[:4]

    def open(self, seq: int, head: bytes, packet: bytes) -> bytes:
        try:
            plain: bytes = self._aead.decrypt(self._nonce(), packet[4:], packet[:4])
        except InvalidTag:
            raise _BadPacket(DISCONNECT_MAC_ERROR, b"bad MAC") from None
        return plain


class _ChaChaPoly(_Direction):
    """chacha20-poly1305@openssh.com (OpenSSH's PROTOCOL.chacha20poly1305).

    The 64-byte key is two ChaCha20 keys: the second encrypts the payload (block counter 1,
    the first block keying Poly1305), the first only the length. The nonce is the packet's
    sequence number.
    """

    aead = True
    block_size = 8
    mac_size = 16

    def __init__(self, key: bytes) -> None:
        self._main = key[:32]
        self._header = key[32:64]

    @staticmethod
    def _keystream(key: bytes, seq: int) -> Any:
        """A ChaCha20 context at block 0 of packet ``seq``'s nonce."""
        nonce = b"\0" * 8 + seq.to_bytes(8, "big")
        return Cipher(algorithms.ChaCha20(key, nonce), None).encryptor()

    def seal(self, seq: int, payload: bytes) -> bytes:
        pad = _padding(1 + len(payload), 8)
        length: bytes = self._keystream(self._header, seq).update(
            _u32.pack(1 + len(payload) + pad))
        main = self._keystream(self._main, seq)
        poly_key = main.update(_ZERO_BLOCK)[:32]  # block 0 keys Poly1305; data starts at 1
        body: bytes = main.update(bytes((pad,)) + payload + os.urandom(pad))
        tag: bytes = poly1305.Poly1305.generate_tag(poly_key, length + body)
        return length + body + tag

    def length(self, seq: int, head: bytes) -> tuple[int, bytes]:
        plain: bytes = self._keystream(self._header, seq).update(head[:4])
        return _u32.unpack_from(plain)[0], plain

    def open(self, seq: int, head: bytes, packet: bytes) -> bytes:
        body = packet[:-16]
        main = self._keystream(self._main, seq)
        poly_key = main.update(_ZERO_BLOCK)[:32]
        try:
            poly1305.Poly1305.verify_tag(poly_key, body, packet[-16:])
        except InvalidSignature:
            raise _BadPacket(DISCONNECT_MAC_ERROR, b"bad MAC") from None
        plain: bytes = main.update(body[4:])
        return plain


_ZERO_BLOCK = bytes(64)
_AEAD_KEYS = {b"aes128-gcm@openssh.com": (16, 12), b"aes256-gcm@openssh.com": (32, 12),
              b"chacha20-poly1305@openssh.com": (64, 0)}

_MACS: dict[bytes, tuple[Any, int]] = {
    b"hmac-sha2-512": ("sha512", 64),
    b"hmac-sha2-256": ("sha256", 32),
    b"hmac-sha2-512-etm@openssh.com": ("sha512", 64),
    b"hmac-sha2-256-etm@openssh.com": ("sha256", 32),
    b"hmac-sha2-384": ("sha384", 48),
    b"hmac-sha1": ("sha1", 20),
    b"hmac-sha1-etm@openssh.com": ("sha1", 20),
    b"hmac-md5": ("md5", 16),
}


class _DummyCipher:
    """The "none" cipher: an engine whose encryptor and decryptor hand data back as it is."""

    block_size = 8

    class _Same:
        @staticmethod
        def update(data: bytes) -> bytes:
            return data

        @staticmethod
        def finalize() -> bytes:
            return b""

    def encryptor(self) -> _DummyCipher._Same:
        return self._Same()

    def decryptor(self) -> _DummyCipher._Same:
        return self._Same()


class _MACParams(tuple):  # type: ignore[type-arg]
    """An HMAC's parameters: ``(hash constructor, inner pad, outer pad, digest size)``, and
    ``key``, the HMAC key (as long as the digest, padded with zeros to the hash's block)."""

    key: bytes = b""


def _xor_each(data: bytes, value: int) -> bytes:
    return bytes(byte ^ value for byte in data)


class SSHCiphers:
    """The ciphers and MACs of both directions of a transport, and their keys.

    ``encrypt``/``decrypt``/``makeMAC``/``verify`` work for the block and stream ciphers as
    in Twisted; the AEAD ciphers (aes-gcm, chacha20-poly1305) protect whole packets and only
    serve through the transport.
    """

    # name -> (algorithm, key length, mode) for the block and stream ciphers
    cipherMap: dict[bytes, tuple[Any, int, Any]] = {
        **{f"aes{bits}-{mode_name}".encode(): (algorithms.AES, bits // 8, mode)
           for mode_name, mode in (("ctr", modes.CTR), ("cbc", modes.CBC))
           for bits in (256, 192, 128)},
        b"none": (None, 0, modes.CBC),
    }
    # name -> hash constructor (hashlib's) of the HMACs; None for "none"
    macMap: dict[bytes, Any] = {
        b"hmac-sha2-512": hashlib.sha512,
        b"hmac-sha2-384": hashlib.sha384,
        b"hmac-sha2-256": hashlib.sha256,
        b"hmac-sha2-512-etm@openssh.com": hashlib.sha512,
        b"hmac-sha2-256-etm@openssh.com": hashlib.sha256,
        b"hmac-sha1": hashlib.sha1,
        b"hmac-sha1-etm@openssh.com": hashlib.sha1,
        b"hmac-md5": hashlib.md5,
        b"none": None,
    }

    def __init__(self, outCip: bytes, inCip: bytes, outMac: bytes, inMac: bytes) -> None:
        self.outCipType, self.outMACType = outCip, outMac
        self.inCipType, self.inMACType = inCip, inMac
        # Known once keyed (``setKeys``).
        self.encBlockSize = self.decBlockSize = self.verifyDigestSize = 0
        self.outMAC: tuple[Any, bytes, bytes, int] = _MACParams((None, b"", b"", 0))
        self.inMAC: tuple[Any, bytes, bytes, int] = _MACParams((None, b"", b"", 0))
        self._out: _Direction = _Plain()
        self._in: _Direction = _Plain()

    def setKeys(self, outIV: bytes, outKey: bytes, inIV: bytes, inKey: bytes,
                outInteg: bytes, inInteg: bytes) -> None:
        """Key both directions; each key is cut to what its algorithm needs."""
        self._out = self._make(self.outCipType, self.outMACType, outIV, outKey, outInteg, False)
        self._in = self._make(self.inCipType, self.inMACType, inIV, inKey, inInteg, True)
        self.encBlockSize = self._out.block_size
        self.decBlockSize = self._in.block_size
        self.outMAC = self._getMAC(self.outMACType, outInteg)
        self.inMAC = self._getMAC(self.inMACType, inInteg)
        # An AEAD cipher's tag stands for the MAC.
        self.verifyDigestSize = self._in.mac_size if self._in.aead else self.inMAC[3]

    def _getCipher(self, cip: bytes, iv: bytes, key: bytes) -> Any:
        """The cryptography ``Cipher`` of the block or stream cipher ``cip`` keyed with
        ``key`` and ``iv`` (each cut to the length the algorithm takes); a ``_DummyCipher``
        for "none"."""
        algorithm, key_len, mode = self.cipherMap[cip]
        if algorithm is None:
            return _DummyCipher()
        return Cipher(algorithm(key[:key_len]), mode(iv[: algorithm.block_size // 8]))

    def _getMAC(self, mac: bytes, key: bytes) -> tuple[Any, bytes, bytes, int]:
        """``(hash constructor, inner pad, outer pad, digest size)`` of the HMAC ``mac`` keyed
        with the first digest-size bytes of ``key`` (with a ``key`` attribute, that key
        padded to the hash's block); ``(None, b"", b"", 0)`` for "none" and for names that
        are not HMACs (an AEAD cipher's)."""
        hasher = self.macMap.get(mac)
        if hasher is None:
            return _MACParams((None, b"", b"", 0))
        probe = hasher()
        size = probe.digest_size
        padded = key[:size].ljust(probe.block_size, b"\0")
        params = _MACParams((hasher, _xor_each(padded, 0x36), _xor_each(padded, 0x5C), size))
        params.key = padded
        return params

    def _make(self, cipher: bytes, mac: bytes, iv: bytes, key: bytes, integ: bytes,
              decrypting: bool) -> _Direction:
        if cipher in _AEAD_KEYS:
            key_len, iv_len = _AEAD_KEYS[cipher]
            if cipher.startswith(b"chacha20"):
                return _ChaChaPoly(key[:key_len])
            return _AESGCM(key[:key_len], iv[:iv_len])
        if cipher == b"none":
            if mac not in _MACS:
                return _Plain()
            # No encryption but a MAC: packets in 8-byte blocks, each with its MAC.
            return _CipherMac(_DummyCipher(), 8, mac, integ[: _MACS[mac][1]], decrypting)
        algorithm, key_len, mode = self.cipherMap[cipher]
        block = algorithm.block_size // 8
        engine = Cipher(algorithm(key[:key_len]), mode(iv[:block]))
        mac_len = _MACS[mac][1]
        return _CipherMac(engine, block, mac, integ[:mac_len], decrypting)

    @staticmethod
    def _key_sizes(cipher: bytes, mac: bytes) -> tuple[int, int, int]:
        """(iv, key, integrity key) lengths the algorithms need."""
        if cipher in _AEAD_KEYS:
            key_len, iv_len = _AEAD_KEYS[cipher]
            return iv_len, key_len, 0
        if cipher == b"none":
            return 0, 0, _MACS[mac][1] if mac in _MACS else 0
        algorithm, key_len, _ = SSHCiphers.cipherMap[cipher]
        return algorithm.block_size // 8, key_len, _MACS[mac][1] if mac in _MACS else 0

    def encrypt(self, blocks: bytes) -> bytes:
        """``blocks`` encrypted with the outgoing cipher (block and stream ciphers only)."""
        if isinstance(self._out, _CipherMac):
            out: bytes = self._out._update(blocks)
            return out
        if isinstance(self._out, _Plain):
            return blocks
        raise NotImplementedError(f"{self.outCipType!r} protects whole packets")

    def decrypt(self, blocks: bytes) -> bytes:
        """``blocks`` decrypted with the incoming cipher (block and stream ciphers only)."""
        if isinstance(self._in, _CipherMac):
            out: bytes = self._in._update(blocks)
            return out
        if isinstance(self._in, _Plain):
            return blocks
        raise NotImplementedError(f"{self.inCipType!r} protects whole packets")

    def _hmac(self, params: tuple[Any, bytes, bytes, int], seqid: int, data: bytes) -> bytes:
        hasher, inner_pad, outer_pad, _size = params
        inner = hasher(inner_pad + _u32.pack(seqid) + data).digest()
        out: bytes = hasher(outer_pad + inner).digest()
        return out

    def makeMAC(self, seqid: int, data: bytes) -> bytes:
        """The outgoing MAC (``outMAC``) of packet ``seqid`` holding ``data``; b"" without."""
        if self.outMAC[0] is None:
            return b""
        return self._hmac(self.outMAC, seqid, data)

    def verify(self, seqid: int, data: bytes, mac: bytes) -> bool:
        """Whether ``mac`` is the incoming MAC (``inMAC``) of packet ``seqid`` holding
        ``data`` (without a MAC, whether ``mac`` is empty)."""
        if self.inMAC[0] is None:
            return mac == b""
        return _hmac.compare_digest(self._hmac(self.inMAC, seqid, data), mac)


def _switch_out(current: SSHCiphers, new: SSHCiphers) -> SSHCiphers:
    """Ciphers whose outgoing half is ``new``'s and incoming half ``current``'s."""
    mixed = SSHCiphers(new.outCipType, current.inCipType, new.outMACType, current.inMACType)
    mixed._out, mixed._in = new._out, current._in
    mixed.encBlockSize, mixed.decBlockSize = new.encBlockSize, current.decBlockSize
    mixed.verifyDigestSize = current.verifyDigestSize
    mixed.outMAC, mixed.inMAC = new.outMAC, current.inMAC
    return mixed


# ----------------------------------------------------------------------- transport


class SSHTransportBase(protocol.Protocol):
    """What the client and server ends of an SSH connection share."""

    currentEncryptions: SSHCiphers

    protocolVersion = b"2.0"
    version = _twistio_version()
    comment = b""
    ourVersionString = (b"SSH-" + protocolVersion + b"-" + version + b" " + comment).strip()

    supportedCiphers: list[bytes] = [
        b"chacha20-poly1305@openssh.com",
        b"aes256-gcm@openssh.com",
        b"aes128-gcm@openssh.com",
        b"aes256-ctr",
        b"aes192-ctr",
        b"aes128-ctr",
    ]
    supportedMACs: list[bytes] = [
        b"hmac-sha2-512-etm@openssh.com",
        b"hmac-sha2-256-etm@openssh.com",
        b"hmac-sha2-512",
        b"hmac-sha2-256",
    ]
    supportedKeyExchanges: list[bytes] = _kex.supported()
    supportedPublicKeys: list[bytes] = [
        b"ssh-ed25519",
        b"ecdsa-sha2-nistp256",
        b"ecdsa-sha2-nistp384",
        b"ecdsa-sha2-nistp521",
        b"rsa-sha2-512",
        b"rsa-sha2-256",
    ]
    # zlib@openssh.com starts after login; plain zlib (from the first packet) must be listed.
    supportedCompressions: list[bytes] = [b"none", b"zlib@openssh.com"]
    supportedLanguages: tuple[bytes, ...] = ()
    supportedVersions = (b"1.99", b"2.0")
    isClient = False

    # Connection state, with class-level defaults.
    buf = b""  # received bytes not yet made into packets
    gotVersion = False
    sessionID: bytes | None = None
    service: SSHService | None = None
    peerExtensions: dict[bytes, bytes] = {}
    _peerSupportsExtensions = False
    incomingPacketSequence = outgoingPacketSequence = 0
    incomingCompression: Any = None
    outgoingCompression: Any = None

    # twistio's limits (no Twisted counterpart).
    max_packet_size = 256 * 1024
    max_version_bytes = 4096
    max_banner_bytes = 64 * 1024
    rekey_bytes = 1 << 30
    rekey_interval = 3600.0

    _KEY_EXCHANGE_NONE = "_KEY_EXCHANGE_NONE"
    _KEY_EXCHANGE_REQUESTED = "_KEY_EXCHANGE_REQUESTED"
    _KEY_EXCHANGE_PROGRESSING = "_KEY_EXCHANGE_PROGRESSING"
    _keyExchangeState = _KEY_EXCHANGE_NONE
    _blockedByKeyExchange: list[tuple[int, bytes]] | None = None

    # Per-connection state; class-level defaults so that subclasses need not call
    # ``__init__`` (Twisted's transports have none).
    _packet_head: tuple[int, bytes] | None = None
    _banner_bytes = 0
    _strict = False
    _first_kex = True
    _keys_ready = False
    _newkeys_received = False
    _newkeys_sent = False
    _paused = False
    _disconnected = False
    _bytes_out = 0
    _bytes_in = 0
    _rekey_clock: Any = None
    _rekey_at = 0.0
    _delayed_compression = False
    _compress_pending: tuple[Any, Any] | None = None
    _next_compression: tuple[Any, Any] = (b"none", b"none")
    # The group and our ephemeral keys of the exchange in progress.
    g = 0
    p = 0
    dhSecretKey: Any = None
    ecPriv: Any = None
    ecPub: Any = None
    _mlkem: Any = None
    dhSecretKeyPublicMP = b""
    _ec_public = b""
    kexAlg: bytes | None = None
    keyAlg: bytes | None = None
    nextEncryptions: SSHCiphers | None = None
    otherVersionString = b""
    ourKexInitPayload = b""
    otherKexInitPayload = b""
    ignoreNextPacket = 0
    # The decrypted first block of a packet being read through a stand-in for SSHCiphers.
    first: bytes | None = None

    # ------------------------------------------------------------------ plumbing

    def connectionMade(self) -> None:
        """Send our version line and our KEXINIT."""
        self.transport.write(self.ourVersionString + b"\r\n")
        self.currentEncryptions = SSHCiphers(b"none", b"none", b"none", b"none")
        self.currentEncryptions.setKeys(b"", b"", b"", b"", b"", b"")
        self.sendKexInit()

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Stop the service, if any, and log the avatar out."""
        self._disconnected = True
        self._rekey_clock = None
        if self.service is not None:
            self.service.serviceStopped()
        logout = getattr(self, "logoutFunction", None)
        if logout is not None and hasattr(self, "avatar"):
            self.logoutFunction = None
            logout()

    def getPeer(self) -> SSHTransportAddress:
        """The peer's address, wrapped in an ``SSHTransportAddress``."""
        return SSHTransportAddress(self.transport.getPeer())

    def getHost(self) -> SSHTransportAddress:
        """Our address, wrapped in an ``SSHTransportAddress``."""
        return SSHTransportAddress(self.transport.getHost())

    def logPrefix(self) -> str:
        return self.__class__.__name__

    def isEncrypted(self, direction: str = "out") -> bool:
        """Whether packets going ``'out'``, coming ``'in'`` or ``'both'`` are encrypted."""
        enc = self.currentEncryptions
        if direction == "out":
            return enc.outCipType != b"none"
        if direction == "in":
            return enc.inCipType != b"none"
        if direction == "both":
            return self.isEncrypted("in") and self.isEncrypted("out")
        raise TypeError('direction must be "out", "in", or "both"')

    def isVerified(self, direction: str = "out") -> bool:
        """Whether packets going ``'out'``, coming ``'in'`` or ``'both'`` carry a MAC."""
        enc = self.currentEncryptions
        if direction == "out":
            return enc.outMACType != b"none" or enc._out.aead
        if direction == "in":
            return enc.inMACType != b"none" or enc._in.aead
        if direction == "both":
            return self.isVerified("in") and self.isVerified("out")
        raise TypeError('direction must be "out", "in", or "both"')

    def loseConnection(self) -> None:
        """Close the connection with a DISCONNECT."""
        self.sendDisconnect(DISCONNECT_CONNECTION_LOST, b"user closed connection")

    # ------------------------------------------------------------------ sending

    def sendPacket(self, messageType: int, payload: bytes) -> None:
        """Send one packet; while keys are being exchanged, all but key exchange traffic
        waits in order for the exchange to finish."""
        if self._keyExchangeState != self._KEY_EXCHANGE_NONE and \
                messageType not in _KEX_TRAFFIC:
            if self._blockedByKeyExchange is None:
                self._blockedByKeyExchange = []
            self._blockedByKeyExchange.append((messageType, payload))
            return
        data = bytes((messageType,)) + payload
        if self.outgoingCompression is not None:
            data = self.outgoingCompression.compress(data) + self.outgoingCompression.flush(
                zlib.Z_SYNC_FLUSH)
        seq = self.outgoingPacketSequence
        enc = self.currentEncryptions
        if isinstance(enc, SSHCiphers):
            packet = enc._out.seal(seq, data)
        else:
            packet = self._sealWith(enc, seq, data)
        self.outgoingPacketSequence = (seq + 1) & 0xFFFFFFFF
        self.transport.write(packet)
        self._bytes_out += len(packet)
        if (self._bytes_out > self.rekey_bytes or self._rekey_due()) and \
                self._keyExchangeState == self._KEY_EXCHANGE_NONE and \
                self.sessionID is not None and messageType != MSG_KEXINIT:
            self._rekey()

    @staticmethod
    def _sealWith(enc: Any, seq: int, data: bytes) -> bytes:
        """A packet sealed through the public interface of ``enc`` (an object standing for
        ``SSHCiphers``: ``encBlockSize``, ``encrypt``, ``makeMAC``): padded to its block
        size, encrypted, then its MAC."""
        block = enc.encBlockSize or 8
        pad = block - (5 + len(data)) % block
        if pad < 4:
            pad += block
        plain = _head.pack(1 + len(data) + pad, pad) + data + randbytes.secureRandom(pad)
        sealed: bytes = enc.encrypt(plain) + enc.makeMAC(seq, plain)
        return sealed

    def _rekey(self) -> None:
        if self._disconnected:
            return
        self._bytes_out = self._bytes_in = 0
        self._rekey_clock = None  # armed again when this exchange completes
        self.sendKexInit()

    def sendDisconnect(self, reason: int, desc: bytes) -> None:
        """Send a DISCONNECT with ``reason`` and ``desc``, then close the connection."""
        if self._disconnected:
            return
        self.sendPacket(MSG_DISCONNECT, _u32.pack(reason) + NS(desc) + NS(b""))
        _log.info("Disconnecting with error, code %s reason: %s", reason, desc)
        self._disconnected = True
        self.transport.loseConnection()

    def sendIgnore(self, message: bytes) -> None:
        """Send an IGNORE message."""
        self.sendPacket(MSG_IGNORE, NS(message))

    def sendUnimplemented(self) -> None:
        """Tell the peer its last packet was not understood."""
        seq = (self.incomingPacketSequence - 1) & 0xFFFFFFFF
        self.sendPacket(MSG_UNIMPLEMENTED, _u32.pack(seq))

    def sendDebug(self, message: bytes, alwaysDisplay: bool = False, language: bytes = b"") -> None:
        """Send a DEBUG message."""
        self.sendPacket(MSG_DEBUG, (b"\1" if alwaysDisplay else b"\0") + NS(message) + NS(language))

    def sendExtInfo(self, extensions: list[tuple[bytes, bytes]]) -> None:
        """Send EXT_INFO (RFC 8308) with ``extensions``, a list of (name, value), if the
        peer said it takes it (RFC 8308 section 2.2); otherwise nothing."""
        if not self._peerSupportsExtensions:
            return
        body = _u32.pack(len(extensions)) + b"".join(NS(n) + NS(v) for n, v in extensions)
        self.sendPacket(MSG_EXT_INFO, body)

    def setService(self, service: SSHService) -> None:
        """Stop the current service, if any, and start ``service``."""
        _log.debug("starting service %r", service.name)
        if self.service is not None:
            self.service.serviceStopped()
        self.service = service
        service.transport = self
        service.serviceStarted()

    # ------------------------------------------------------------------ receiving

    def dataReceived(self, data: bytes) -> None:
        """Read the version line, then packets, and dispatch each."""
        self.buf = self.buf + data
        if not self.gotVersion and not self._read_version():
            return
        if self._paused and len(self.buf) > 4 * self.max_packet_size:
            # Packets keep coming while we wait (for the host key check): too many.
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"too much data during key exchange")
            return
        try:
            packet = self.getPacket()
            while packet:
                self.dispatchMessage(packet[0], packet[1:])
                if self._disconnected:
                    return
                packet = self.getPacket()
        except _BadPacket as e:
            self.sendDisconnect(e.code, e.text)
        except (struct.error, ValueError, IndexError, keys.BadKeyError) as e:
            _log.info("malformed SSH packet from %s: %s", self.transport.getPeer(), e,
                      exc_info=True)
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"bad packet")

    def _read_version(self) -> bool:
        """Consume lines up to the peer's version line; whether it has been seen."""
        while True:
            end = self.buf.find(b"\n")
            if end < 0:
                if len(self.buf) > self.max_version_bytes:
                    self.sendDisconnect(
                        DISCONNECT_CONNECTION_LOST,
                        b"Peer version string longer than 4KB. "
                        b"Preventing a denial of service attack.")
                return False
            line = self.buf[: end + 1]
            self.buf = self.buf[end + 1 :]
            if line.startswith(b"SSH-"):
                break
            self._banner_bytes += len(line)
            if self._banner_bytes > self.max_banner_bytes or len(line) > self.max_version_bytes:
                self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"too much before the version")
                return False
        version = line.rstrip(b"\r\n")
        if len(line) > 255:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"version line longer than 255 bytes")
            return False
        self.otherVersionString = version
        self.gotVersion = True
        remote = version.split(b"-")[1] if version.count(b"-") >= 2 else b""
        if remote not in self.supportedVersions:
            self._unsupportedVersionReceived(remote)
            return False
        return True

    def _unsupportedVersionReceived(self, remoteVersion: bytes) -> None:
        """The peer speaks an SSH version we do not: disconnect."""
        self.sendDisconnect(DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED,
                            b"bad version " + remoteVersion)

    def getPacket(self) -> bytes | None:
        """The next whole packet's payload (message number first) from ``buf``, or None.

        Consumes it from ``buf``. A packet that fails its MAC, is too long or cannot be
        decompressed disconnects and gives None.
        """
        if self._paused or self._disconnected:
            return None
        if not isinstance(self.currentEncryptions, SSHCiphers):
            return self._openWith(self.currentEncryptions)
        enc = self.currentEncryptions._in
        seq = self.incomingPacketSequence
        head = self._packet_head
        buf = self.buf
        if head is None:
            need = 4 if (enc.aead or enc.etm) else enc.block_size
            if len(buf) < need:
                return None
            head = enc.length(seq, buf[:need])
            self._packet_head = head
            length = head[0]
            if length > self.max_packet_size or length < 5:
                self._packet_head = None
                self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"bad packet length " +
                                    str(length).encode())
                return None
            aligned = length if (enc.aead or enc.etm) else length + 4
            if aligned % enc.block_size:
                self._packet_head = None
                self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"bad packet length " +
                                    str(length).encode())
                return None
        length, first = head
        total = 4 + length + enc.mac_size
        if len(buf) < total:
            return None
        self._packet_head = None
        try:
            plain = enc.open(seq, first, buf[:total])
        except _BadPacket as e:
            self.sendDisconnect(e.code, e.text)
            return None
        self.buf = buf[total:]
        self.incomingPacketSequence = (seq + 1) & 0xFFFFFFFF
        self._bytes_in += total
        pad = plain[0]
        if pad < 4 or pad >= len(plain):
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"bad padding length")
            return None
        payload = plain[1:-pad]
        if self.incomingCompression is not None:
            try:
                payload = self._decompress(payload)
            except zlib.error as e:
                self.sendDisconnect(DISCONNECT_COMPRESSION_ERROR,
                                    str(e).encode() if "too long" in str(e)
                                    else b"compression error")
                return None
        if not payload:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"empty packet")
            return None
        if (self._bytes_in > self.rekey_bytes or self._rekey_due()) and \
                self._keyExchangeState == self._KEY_EXCHANGE_NONE and self.sessionID is not None:
            self._rekey()
        return payload

    def _openWith(self, enc: Any) -> bytes | None:
        """``getPacket`` through the public interface of ``enc`` (an object standing for
        ``SSHCiphers``: ``decBlockSize``, ``decrypt``, ``verifyDigestSize``, ``verify``).
        The first block, once decrypted, is kept in ``first`` until the packet is whole."""
        block = enc.decBlockSize or 8
        buf = self.buf
        first = self.first
        if first is None:
            if len(buf) < block:
                return None
            first = self.first = enc.decrypt(buf[:block])
        length, pad = _head.unpack_from(first)
        if length > self.max_packet_size or (length + 4) % block:
            self.first = None
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"bad packet length " +
                                str(length).encode())
            return None
        mac_size = enc.verifyDigestSize
        if len(buf) < 4 + length + mac_size:
            return None
        plain: bytes = first + enc.decrypt(buf[block : 4 + length])
        mac = buf[4 + length : 4 + length + mac_size]
        self.buf = buf[4 + length + mac_size :]
        self.first = None
        seq = self.incomingPacketSequence
        if not enc.verify(seq, plain, mac):
            self.sendDisconnect(DISCONNECT_MAC_ERROR, b"bad MAC")
            return None
        self.incomingPacketSequence = (seq + 1) & 0xFFFFFFFF
        if pad < 4 or pad >= length:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"bad padding length")
            return None
        payload = plain[5:-pad]
        if self.incomingCompression is not None:
            try:
                payload = self._decompress(payload)
            except zlib.error:
                self.sendDisconnect(DISCONNECT_COMPRESSION_ERROR, b"compression error")
                return None
        return payload

    def _decompress(self, payload: bytes) -> bytes:
        """``payload`` through ``incomingCompression``: at most ``max_packet_size`` bytes
        from a zlib decompressor (``zlib.error`` beyond), any other decompressor as it is."""
        inflate = self.incomingCompression
        if not isinstance(inflate, _ZlibDecompress):
            out: bytes = inflate.decompress(payload)
            return out
        out = inflate.decompress(payload, self.max_packet_size)
        if inflate.unconsumed_tail:
            raise zlib.error("decompressed packet too long")
        return out

    def dispatchMessage(self, messageNum: int, payload: bytes) -> None:
        """Hand one message to its ``ssh_*`` method, or to the service (50 and above)."""
        if self._strict and self._first_kex and messageNum not in (
                MSG_KEXINIT, MSG_NEWKEYS, MSG_DISCONNECT) and not 30 <= messageNum < 50:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR,
                                b"unexpected message during strict key exchange")
            return
        if self._keyExchangeState == self._KEY_EXCHANGE_PROGRESSING and messageNum >= 50 \
                and not self._newkeys_received:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR,
                                b"unexpected message during key exchange")
            return
        if self.ignoreNextPacket and 30 <= messageNum < 50 and not (
                not self.isClient and messageNum in (30, 34)):  # those check it themselves
            self.ignoreNextPacket = 0
            return
        if messageNum < 50 and messageNum in messages:
            handler = getattr(self, "ssh_" + messages[messageNum][4:], None)
            if handler is not None:
                handler(payload)
                return
            _log.debug("couldn't handle %s", messages[messageNum])
            self.sendUnimplemented()
        elif self.service is not None and messageNum >= 50:
            self.service.packetReceived(messageNum, payload)
        else:
            _log.debug("couldn't handle %s", messageNum)
            self.sendUnimplemented()

    def ssh_DISCONNECT(self, packet: bytes) -> None:
        """The peer is closing: close, then tell ``receiveError``."""
        (reasonCode,) = _u32.unpack_from(packet)
        description = getNS(packet[4:])[0]
        self._disconnected = True
        self.transport.loseConnection()
        self.receiveError(reasonCode, description)

    def ssh_IGNORE(self, packet: bytes) -> None:
        """Nothing to do."""

    def ssh_UNIMPLEMENTED(self, packet: bytes) -> None:
        """The peer did not understand one of our packets."""
        (seqnum,) = _u32.unpack_from(packet)
        self.receiveUnimplemented(seqnum)

    def ssh_DEBUG(self, packet: bytes) -> None:
        """A DEBUG message: hand it to ``receiveDebug``."""
        alwaysDisplay = bool(packet[0])
        message, lang, _ = getNS(packet[1:], 2)
        self.receiveDebug(alwaysDisplay, message, lang)

    def ssh_EXT_INFO(self, packet: bytes) -> None:
        """The peer's extensions (RFC 8308): kept in ``peerExtensions``."""
        (count,) = _u32.unpack_from(packet)
        rest = packet[4:]
        found: dict[bytes, bytes] = {}
        for _ in range(min(count, 64)):
            name, value, rest = getNS(rest, 2)
            found[name] = value
        self.peerExtensions = found

    def receiveError(self, reasonCode: int, description: bytes) -> None:
        """The peer disconnected with ``reasonCode`` and ``description``: log it."""
        _log.info("Got remote error, code %s reason: %s", reasonCode, description)

    def receiveUnimplemented(self, seqnum: int) -> None:
        """The peer did not understand our packet ``seqnum``: log it."""
        _log.info("other side unimplemented packet #%s", seqnum)

    def receiveDebug(self, alwaysDisplay: bool, message: bytes, lang: bytes) -> None:
        """A DEBUG message from the peer: logged when ``alwaysDisplay``."""
        if alwaysDisplay:
            _log.info("Remote Debug Message: %s", message)

    # ------------------------------------------------------------------ key exchange

    def _kex_names(self) -> list[bytes]:
        names = list(self.supportedKeyExchanges)
        if self._first_kex:
            if self.isClient:
                names += [_EXT_INFO_C, _STRICT_C]
            else:
                names += [_EXT_INFO_S, _STRICT_S]
        return names

    def sendKexInit(self) -> None:
        """Start a key exchange by sending our KEXINIT."""
        if self._keyExchangeState != self._KEY_EXCHANGE_NONE:
            raise RuntimeError(
                f"Cannot send KEXINIT while key exchange state is {self._keyExchangeState!r}")
        self.ourKexInitPayload = (
            bytes((MSG_KEXINIT,)) + randbytes.secureRandom(16)
            + NS(b",".join(self._kex_names()))
            + NS(b",".join(self.supportedPublicKeys))
            + NS(b",".join(self.supportedCiphers)) * 2
            + NS(b",".join(self.supportedMACs)) * 2
            + NS(b",".join(self.supportedCompressions)) * 2
            + NS(b",".join(self.supportedLanguages)) * 2
            + b"\0" + b"\0\0\0\0"
        )
        self.sendPacket(MSG_KEXINIT, self.ourKexInitPayload[1:])
        self._keyExchangeState = self._KEY_EXCHANGE_REQUESTED
        self._blockedByKeyExchange = []
        self._keys_ready = self._newkeys_received = self._newkeys_sent = False

    def _guessIgnored(self) -> bool:
        """Whether this key exchange message is the peer's wrongly guessed first one, to be
        ignored (RFC 4253 section 7); the next one is not."""
        if self.ignoreNextPacket:
            self.ignoreNextPacket = 0
            return True
        return False

    def _allowedKeyExchangeMessageType(self, messageType: int) -> bool:
        return messageType in _KEX_TRAFFIC

    def ssh_KEXINIT(self, packet: bytes) -> tuple[bytes, ...] | None:
        """The peer's KEXINIT: answer with ours if it started, then pick the algorithms.

        Returns the peer's name lists (kex, host key, ciphers, MACs, compressions), or None
        after disconnecting when no algorithm of a kind is shared.
        """
        first_packet = self.incomingPacketSequence == 1 and self.sessionID is None
        if self._keyExchangeState == self._KEY_EXCHANGE_PROGRESSING:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"KEXINIT during key exchange")
            return None
        self.otherKexInitPayload = bytes((MSG_KEXINIT,)) + packet
        rest = packet[16:]
        lists = []
        for _ in range(10):
            value, rest = getNS(rest)
            lists.append(value.split(b",") if value else [])
        first_follows = bool(rest[0])
        kexAlgs, keyAlgs, encCS, encSC, macCS, macSC, compCS, compSC, _, _ = lists
        if self._keyExchangeState == self._KEY_EXCHANGE_NONE:
            self.sendKexInit()
        if self.isClient:
            ours_kex = self._kex_names()
            client = (ours_kex, self.supportedPublicKeys)
            server = (kexAlgs, keyAlgs)
        else:
            client = (kexAlgs, keyAlgs)
            server = (self._kex_names(), self.supportedPublicKeys)
        real_kex_client = [k for k in client[0] if k not in (_EXT_INFO_C, _STRICT_C, _EXT_INFO_S,
                                                             _STRICT_S)]
        self.kexAlg = ffs(real_kex_client, server[0])
        self.keyAlg = ffs(client[1], server[1])
        if self._first_kex:
            peer_strict = _STRICT_S if self.isClient else _STRICT_C
            self._strict = peer_strict in kexAlgs
            if self._strict and not first_packet:
                self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR,
                                    b"strict KEX: KEXINIT was not the first packet")
                return None
            if not self.isClient and _EXT_INFO_C in kexAlgs:
                self._peerSupportsExtensions = True
        if self.isClient:
            ours_c, ours_s = self.supportedCiphers, self.supportedCiphers
            outCip = ffs(ours_c, encCS)
            inCip = ffs(ours_s, encSC)
            outComp = ffs(self.supportedCompressions, compCS)
            inComp = ffs(self.supportedCompressions, compSC)
        else:
            outCip = ffs(encSC, self.supportedCiphers)
            inCip = ffs(encCS, self.supportedCiphers)
            outComp = ffs(compSC, self.supportedCompressions)
            inComp = ffs(compCS, self.supportedCompressions)
        out_macs, in_macs = (macCS, macSC) if self.isClient else (macSC, macCS)
        outMac = self._pick_mac(outCip, out_macs)
        inMac = self._pick_mac(inCip, in_macs)
        if None in (self.kexAlg, self.keyAlg, outCip, inCip, outMac, inMac, outComp, inComp):
            self.sendDisconnect(DISCONNECT_KEY_EXCHANGE_FAILED, b"couldn't match all kex parts")
            return None
        if _kex.get(self.kexAlg or b"") is None:
            self.sendDisconnect(DISCONNECT_KEY_EXCHANGE_FAILED, b"couldn't match all kex parts")
            return None
        self.nextEncryptions = SSHCiphers(outCip or b"", inCip or b"", outMac or b"", inMac or b"")
        self._next_compression = (outComp, inComp)
        self._keyExchangeState = self._KEY_EXCHANGE_PROGRESSING
        # RFC 4253 section 7: the peer's guessed first packet is wrong (and ignored) when the
        # two sides prefer different key exchange or host key algorithms.
        if first_follows and (kexAlgs[:1] != list(self.supportedKeyExchanges[:1])
                              or keyAlgs[:1] != list(self.supportedPublicKeys[:1])):
            self.ignoreNextPacket = 1
        return (kexAlgs, keyAlgs, encCS, encSC, macCS, macSC, compCS, compSC)  # type: ignore[return-value]

    def _pick_mac(self, cipher: bytes | None, peer: list[bytes]) -> bytes | None:
        if cipher in _AEAD_KEYS:
            return b"none"
        if self.isClient:
            return ffs(self.supportedMACs, peer)
        return ffs(peer, self.supportedMACs)

    @property
    def _kex(self) -> _kex.KexMethod:
        method = _kex.get(self.kexAlg or b"")
        if method is None:  # only when set by hand: negotiation checks the name
            from cryptography.exceptions import UnsupportedAlgorithm

            raise UnsupportedAlgorithm(f"unknown key exchange {self.kexAlg!r}")
        return method

    def _getKey(self, c: bytes, sharedSecret: bytes, exchangeHash: bytes) -> bytes:
        """Key material ``c`` (RFC 4253 section 7.2), 4 hash lengths of it (as Conch's)."""
        return self._derive(c, sharedSecret, exchangeHash, 4)

    def _derive(self, c: bytes, secret: bytes, exchange_hash: bytes, blocks: int) -> bytes:
        new = self._kex.hash
        out = new(secret + exchange_hash + c + (self.sessionID or exchange_hash)).digest()
        while blocks > 1:
            out += new(secret + exchange_hash + out).digest()
            blocks -= 1
        return bytes(out)

    def _keySetup(self, sharedSecret: bytes, exchangeHash: bytes) -> None:
        """Derive the keys, send NEWKEYS and switch our outgoing direction to them.

        ``sharedSecret`` is K already encoded (an mpint, or a string for hybrid methods).
        """
        if self.sessionID is None:
            self.sessionID = exchangeHash
        nxt = self.nextEncryptions
        if nxt is None:  # pragma: no cover - set at negotiation
            raise RuntimeError("no algorithms negotiated")
        size = self._kex.hash().digest_size
        if isinstance(nxt, SSHCiphers):
            need = max(max(SSHCiphers._key_sizes(nxt.outCipType, nxt.outMACType)),
                       max(SSHCiphers._key_sizes(nxt.inCipType, nxt.inMACType)))
            blocks = max(2, -(-need // size))
        else:
            blocks = 4  # a stand-in for SSHCiphers gets what _getKey gives
        ivCS, ivSC, keyCS, keySC, integCS, integSC = (
            self._derive(c, sharedSecret, exchangeHash, blocks)
            for c in (b"A", b"B", b"C", b"D", b"E", b"F"))
        if self.isClient:
            nxt.setKeys(ivCS, keyCS, ivSC, keySC, integCS, integSC)
        else:
            nxt.setKeys(ivSC, keySC, ivCS, keyCS, integSC, integCS)
        self._keys_ready = True
        self.sendPacket(MSG_NEWKEYS, b"")
        self._newkeys_sent = True
        if isinstance(nxt, SSHCiphers) and isinstance(self.currentEncryptions, SSHCiphers):
            self.currentEncryptions = _switch_out(self.currentEncryptions, nxt)
        else:
            self.currentEncryptions = nxt
        if self._strict:
            self.outgoingPacketSequence = 0
        out_comp = self._next_compression[0]
        self._compress_pending = (out_comp, self._next_compression[1])
        if out_comp == b"zlib" and self.outgoingCompression is None:
            self.outgoingCompression = zlib.compressobj(6)
        if self._newkeys_received:
            self._switch_in()

    def ssh_NEWKEYS(self, packet: bytes) -> None:
        """The peer switched its keys: switch our incoming direction (once ours are ready)."""
        if packet != b"":
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"NEWKEYS takes no data")
            return
        if self._keyExchangeState != self._KEY_EXCHANGE_PROGRESSING or self._newkeys_received:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"unexpected NEWKEYS")
            return
        self._newkeys_received = True
        if self._strict:
            self.incomingPacketSequence = 0
        if self._keys_ready:
            self._switch_in()
        else:
            # Later packets use keys we do not have yet (the client is still checking the
            # host key): hold them in ``buf`` until then.
            self._paused = True

    def _switch_in(self) -> None:
        nxt = self.nextEncryptions
        if nxt is None:  # pragma: no cover
            return
        self.currentEncryptions = nxt
        self._packet_head = None
        in_comp = self._compress_pending[1] if self._compress_pending else b"none"
        if in_comp == b"zlib" and self.incomingCompression is None:
            self.incomingCompression = zlib.decompressobj()
        self._newKeys()
        if self._paused:
            self._paused = False
            if self.buf:
                self.dataReceived(b"")

    def _newKeys(self) -> None:
        """Both directions use the new keys: the exchange is over, blocked packets go out."""
        self._keyExchangeState = self._KEY_EXCHANGE_NONE
        first = self._first_kex
        self._first_kex = False
        self.nextEncryptions = None
        if first and not self.isClient and self._peerSupportsExtensions:
            self.sendExtInfo(self._ext_info())
        if self._delayed_compression:
            self._start_delayed_compression()
        blocked, self._blockedByKeyExchange = self._blockedByKeyExchange, None
        for messageType, payload in blocked or ():
            self.sendPacket(messageType, payload)
        self._schedule_rekey()
        if first:
            self.connectionSecure()

    def _clock(self) -> Any:
        clock = getattr(getattr(self, "factory", None), "clock", None)
        if clock is None:
            from twistio.internet import reactor as clock
        return clock

    def _schedule_rekey(self) -> None:
        # The time-based renewal is checked as packets pass (_rekey_due), so that no timer
        # outlives the connection or keeps a test's reactor dirty.
        self._rekey_clock = None
        if self.rekey_interval and not self._disconnected:
            clock = self._clock()
            self._rekey_clock = clock
            self._rekey_at = clock.seconds() + self.rekey_interval

    def _rekey_due(self) -> bool:
        clock = self._rekey_clock
        return clock is not None and clock.seconds() >= self._rekey_at

    def _ext_info(self) -> list[tuple[bytes, bytes]]:
        from twistio.conch.ssh import userauth

        algorithms_ = userauth.SSHUserAuthServer.supportedPublicKeyAlgorithms
        return [(b"server-sig-algs", b",".join(algorithms_))]

    def _authenticated(self) -> None:
        """User authentication succeeded: start delayed (zlib@openssh.com) compression."""
        self._delayed_compression = True
        if self._keyExchangeState == self._KEY_EXCHANGE_NONE:
            self._start_delayed_compression()

    def _start_delayed_compression(self) -> None:
        pending = self._compress_pending or (b"none", b"none")
        if pending[0] == b"zlib@openssh.com" and self.outgoingCompression is None:
            self.outgoingCompression = zlib.compressobj(6)
        if pending[1] == b"zlib@openssh.com" and self.incomingCompression is None:
            self.incomingCompression = zlib.decompressobj()

    def connectionSecure(self) -> None:
        """The first key exchange is done; a client requests its service here."""

    # -------------------------------------------------------- ephemeral key helpers

    def _startEphemeralDH(self) -> None:
        """Make our ephemeral Diffie-Hellman key in the group (``p``, ``g``): ``dhSecretKey``,
        and our public value as an mpint, ``dhSecretKeyPublicMP``."""
        numbers = _DHParameterNumbers(self.p, self.g)
        self.dhSecretKey = numbers.parameters().generate_private_key()
        self.dhSecretKeyPublicMP = MP(self.dhSecretKey.public_key().public_numbers().y)

    def _startEphemeralEC(self) -> None:
        """Make our ephemeral key pair of an elliptic-curve (or hybrid) method: ``ecPriv``,
        ``ecPub``, and the public value we send, ``_ec_public``."""
        if self._kex.kind == "mlkem-x25519":
            from cryptography.hazmat.primitives.asymmetric import mlkem

            self._mlkem = mlkem.MLKEM768PrivateKey.generate()
            self.ecPriv = x25519.X25519PrivateKey.generate()
            self.ecPub = self.ecPriv.public_key()
            self._ec_public = (self._mlkem.public_key().public_bytes_raw()
                               + self._encodeECPublicKey(self.ecPub))
            return
        self.ecPriv = self._generateECPrivateKey()
        self.ecPub = self.ecPriv.public_key()
        self._ec_public = self._encodeECPublicKey(self.ecPub)

    def _encodeECPublicKey(self, ecPub: Any) -> bytes:
        """The wire form of an elliptic-curve public key: the raw 32 bytes of an X25519 key,
        the uncompressed point of a NIST curve's."""
        if isinstance(ecPub, x25519.X25519PublicKey):
            raw: bytes = ecPub.public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
            return raw
        out: bytes = ecPub.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
        return out

    def _generateECPrivateKey(self) -> Any:
        """A new private key for the negotiated elliptic-curve method (X25519 or a NIST
        curve)."""
        if self._kex.kind in ("x25519", "mlkem-x25519"):
            return x25519.X25519PrivateKey.generate()
        return ec.generate_private_key(getattr(ec, self._kex.curve)())

    def _generateECSharedSecret(self, ecPriv: Any, theirECPubBytes: bytes) -> bytes:
        """K of an ECDH method as an mpint."""
        kex = self._kex
        peer: Any
        if kex.kind == "x25519":
            if len(theirECPubBytes) != 32:
                raise ValueError("bad X25519 public key")
            peer = x25519.X25519PublicKey.from_public_bytes(theirECPubBytes)
        else:
            peer = ec.EllipticCurvePublicKey.from_encoded_point(getattr(ec, kex.curve)(),
                                                                theirECPubBytes)
        secret = ecPriv.exchange(peer) if kex.kind == "x25519" else ecPriv.exchange(ec.ECDH(), peer)
        return MP(int.from_bytes(secret, "big"))

    def _finishEphemeralDH(self, remoteDHpublicKey: int) -> bytes:
        """K of a DH method, as an mpint, from the peer's public value."""
        if not 1 < remoteDHpublicKey < self.p - 1:
            raise ValueError("DH public value out of range")
        peer = _DHPublicNumbers(remoteDHpublicKey, _DHParameterNumbers(self.p, self.g))
        secret = self.dhSecretKey.exchange(peer.public_key())
        return MP(int.from_bytes(secret, "big"))

    def _hybrid_server(self, client_init: bytes) -> tuple[bytes, bytes]:
        """mlkem768x25519: (our reply S_CT2 || S_PK1, K as a string) from C_PK2 || C_PK1."""
        from cryptography.hazmat.primitives.asymmetric import mlkem

        if len(client_init) != 1184 + 32:
            raise ValueError("bad hybrid KEX init")
        pq = mlkem.MLKEM768PublicKey.from_public_bytes(client_init[:1184])
        k_pq, ciphertext = pq.encapsulate()
        ours = x25519.X25519PrivateKey.generate()
        k_cl = ours.exchange(x25519.X25519PublicKey.from_public_bytes(client_init[1184:]))
        reply = ciphertext + ours.public_key().public_bytes(serialization.Encoding.Raw,
                                                           serialization.PublicFormat.Raw)
        return reply, NS(self._kex.hash(k_pq + k_cl).digest())

    def _hybrid_client(self, server_reply: bytes) -> bytes:
        """mlkem768x25519: K as a string from the server's S_CT2 || S_PK1."""
        if len(server_reply) != 1088 + 32:
            raise ValueError("bad hybrid KEX reply")
        k_pq = self._mlkem.decapsulate(server_reply[:1088])
        k_cl = self.ecPriv.exchange(x25519.X25519PublicKey.from_public_bytes(server_reply[1088:]))
        return NS(self._kex.hash(k_pq + k_cl).digest())

    def _exchange_hash(self, *parts: bytes) -> bytes:
        h = self._kex.hash()
        if self.isClient:
            h.update(NS(self.ourVersionString) + NS(self.otherVersionString)
                     + NS(self.ourKexInitPayload) + NS(self.otherKexInitPayload))
        else:
            h.update(NS(self.otherVersionString) + NS(self.ourVersionString)
                     + NS(self.otherKexInitPayload) + NS(self.ourKexInitPayload))
        for part in parts:
            h.update(part)
        return bytes(h.digest())


class SSHServerTransport(SSHTransportBase):
    """The server end: proves its host key, then offers the services of its factory."""

    factory: SSHFactory
    isClient = False
    ignoreNextPacket = 0
    _gex_sizes = b""
    _counted = False
    _handshake_call: Any = None

    # DH group exchange bounds (RFC 8270 raises the minimum to 2048 bits).
    _dhMinimalGroupSize = 2048
    _dhMaximalGroupSize = 8192

    def connectionMade(self) -> None:
        """Refuse the connection if the factory has too many unauthenticated ones."""
        factory = getattr(self, "factory", None)
        if factory is not None and hasattr(factory, "_unauthenticated_started"):
            if not factory._unauthenticated_started(self):
                self.transport.write(self.ourVersionString + b"\r\n")
                self.currentEncryptions = SSHCiphers(b"none", b"none", b"none", b"none")
                self.sendDisconnect(DISCONNECT_TOO_MANY_CONNECTIONS,
                                    b"too many unauthenticated connections")
                return
            self._counted = True
        SSHTransportBase.connectionMade(self)
        self._start_handshake_timer()

    def _start_handshake_timer(self) -> None:
        factory = getattr(self, "factory", None)
        timeout = getattr(factory, "handshake_timeout", None)
        if timeout:
            self._handshake_call = self._clock().callLater(timeout, self._handshake_timed_out)

    def _handshake_timed_out(self) -> None:
        self._handshake_call = None
        self.sendDisconnect(DISCONNECT_KEY_EXCHANGE_FAILED, b"key exchange took too long")

    def _stop_handshake_timer(self) -> None:
        call = getattr(self, "_handshake_call", None)
        if call is not None and call.active():
            call.cancel()
        self._handshake_call = None

    def _authenticated(self) -> None:
        SSHTransportBase._authenticated(self)
        self._uncount()

    def _uncount(self) -> None:
        if getattr(self, "_counted", False):
            self._counted = False
            self.factory._unauthenticated_finished(self)

    def connectionLost(self, reason: Failure | None = None) -> None:
        self._stop_handshake_timer()
        self._uncount()
        SSHTransportBase.connectionLost(self, reason)

    def connectionSecure(self) -> None:
        self._stop_handshake_timer()

    def _getHostKeys(self, keyAlg: bytes) -> tuple[keys.Key, keys.Key]:
        """(public, private) host key for host key algorithm ``keyAlg``."""
        kind = b"ssh-rsa" if keyAlg in (b"rsa-sha2-256", b"rsa-sha2-512") else keyAlg
        return self.factory.publicKeys[kind], self.factory.privateKeys[kind]

    def ssh_KEXINIT(self, packet: bytes) -> None:
        """The client's KEXINIT: pick algorithms, then wait for its key exchange message."""
        SSHTransportBase.ssh_KEXINIT(self, packet)
        self._gex_sizes = b""

    def _reply(self, messageType: int, body: bytes, secret: bytes, exchange_hash: bytes) -> None:
        pub, priv = self._getHostKeys(self.keyAlg or b"")
        signature = priv.sign(exchange_hash, signatureType=self.keyAlg)
        self.sendPacket(messageType, NS(pub.blob()) + body + NS(signature))
        self._keySetup(secret, exchange_hash)

    def ssh_KEX_DH_GEX_REQUEST_OLD(self, packet: bytes) -> None:
        """Message 30: KEXDH_INIT, KEX_ECDH_INIT or KEX_HYBRID_INIT, by the method in use."""
        if self._guessIgnored():
            return
        if self._keyExchangeState != self._KEY_EXCHANGE_PROGRESSING:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"unexpected key exchange message")
            return
        kind = self._kex.kind
        if kind == "dh":
            self._ssh_KEXDH_INIT(packet)
        elif kind in ("ecdh", "x25519"):
            self._ssh_KEX_ECDH_INIT(packet)
        elif kind == "mlkem-x25519":
            self._ssh_KEX_HYBRID_INIT(packet)
        else:
            # The pre-RFC 4419 group exchange request: only the preferred size.
            (ideal,) = _u32.unpack_from(packet)
            self._gex_request(self._dhMinimalGroupSize, ideal, self._dhMaximalGroupSize,
                              _u32.pack(ideal))

    def _ssh_KEXDH_INIT(self, packet: bytes) -> None:
        e, _ = getMP(packet)
        self.g, self.p = _kex.group(self._kex.group_bits)
        self._startEphemeralDH()
        secret = self._finishEphemeralDH(int(e))
        pub, _priv = self._getHostKeys(self.keyAlg or b"")
        ours = self.dhSecretKeyPublicMP
        h = self._exchange_hash(NS(pub.blob()), MP(int(e)), ours, secret)
        self._reply(MSG_KEXDH_REPLY, ours, secret, h)

    def _ssh_KEX_ECDH_INIT(self, packet: bytes) -> None:
        theirs, _ = getNS(packet)
        self._startEphemeralEC()
        secret = self._generateECSharedSecret(self.ecPriv, theirs)
        pub, _priv = self._getHostKeys(self.keyAlg or b"")
        h = self._exchange_hash(NS(pub.blob()), NS(theirs), NS(self._ec_public), secret)
        self._reply(MSG_KEXDH_REPLY, NS(self._ec_public), secret, h)

    def _ssh_KEX_HYBRID_INIT(self, packet: bytes) -> None:
        theirs, _ = getNS(packet)
        reply, secret = self._hybrid_server(theirs)
        pub, _priv = self._getHostKeys(self.keyAlg or b"")
        h = self._exchange_hash(NS(pub.blob()), NS(theirs), NS(reply), secret)
        self._reply(OVERLAP_MSG_KEX_HYBRID_REPLY, NS(reply), secret, h)

    def ssh_KEX_DH_GEX_REQUEST(self, packet: bytes) -> None:
        """RFC 4419 group exchange request: (min, preferred, max) group sizes."""
        if self._guessIgnored():
            return
        if self._keyExchangeState != self._KEY_EXCHANGE_PROGRESSING or self._kex.kind != "gex":
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"unexpected key exchange message")
            return
        low, ideal, high = struct.unpack(">3L", packet[:12])
        self._gex_request(low, ideal, high, packet[:12])

    def _gex_request(self, low: int, ideal: int, high: int, raw: bytes) -> None:
        low = max(low, self._dhMinimalGroupSize)
        high = min(high, self._dhMaximalGroupSize)
        if low > high:
            self.sendDisconnect(DISCONNECT_KEY_EXCHANGE_FAILED, b"no acceptable DH group size")
            return
        ideal = min(max(ideal, low), high)
        try:
            self.g, self.p = self.factory.getDHPrime(ideal)
        except Exception:
            self.sendDisconnect(DISCONNECT_KEY_EXCHANGE_FAILED, b"no DH group available")
            return
        self._gex_sizes = raw
        self.sendPacket(MSG_KEX_DH_GEX_GROUP, MP(self.p) + MP(self.g))

    def ssh_KEX_DH_GEX_INIT(self, packet: bytes) -> None:
        """The client's public value for a group exchange."""
        if self._keyExchangeState != self._KEY_EXCHANGE_PROGRESSING or not self._gex_sizes:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"unexpected key exchange message")
            return
        e, _ = getMP(packet)
        self._startEphemeralDH()
        secret = self._finishEphemeralDH(int(e))
        pub, _priv = self._getHostKeys(self.keyAlg or b"")
        ours = self.dhSecretKeyPublicMP
        h = self._exchange_hash(NS(pub.blob()), self._gex_sizes, MP(self.p), MP(self.g),
                                MP(int(e)), ours, secret)
        self._gex_sizes = b""
        self._reply(MSG_KEX_DH_GEX_REPLY, ours, secret, h)

    def ssh_SERVICE_REQUEST(self, packet: bytes) -> None:
        """Start the service the client asks for, if the factory has it."""
        service, _ = getNS(packet)
        cls = self.factory.getService(self, service)
        if not cls:
            self.sendDisconnect(DISCONNECT_SERVICE_NOT_AVAILABLE,
                                b"don't have service " + service)
            return
        self.sendPacket(MSG_SERVICE_ACCEPT, NS(service))
        self.setService(cls())


class SSHClientTransport(SSHTransportBase):
    """The client end: checks the server's host key, then asks for a service.

    Subclasses implement ``verifyHostKey`` and ``connectionSecure`` (which usually calls
    ``requestService`` with an ``SSHUserAuthClient``).
    """

    isClient = True
    # DH group exchange sizes we ask for.
    _dhMinimalGroupSize = 2048
    _dhMaximalGroupSize = 8192
    _dhPreferredGroupSize = 3072

    _host_key_blob: bytes | None = None
    _gex_sizes = b""

    def ssh_KEXINIT(self, packet: bytes) -> None:
        """The server's KEXINIT: pick algorithms and send our first key exchange message."""
        if SSHTransportBase.ssh_KEXINIT(self, packet) is None:
            return
        kind = self._kex.kind
        if kind == "dh":
            self.g, self.p = _kex.group(self._kex.group_bits)
            self._startEphemeralDH()
            self.sendPacket(MSG_KEXDH_INIT, self.dhSecretKeyPublicMP)
        elif kind in ("ecdh", "x25519", "mlkem-x25519"):
            self._startEphemeralEC()
            self.sendPacket(MSG_KEXDH_INIT, NS(self._ec_public))
        else:
            self._gex_sizes = struct.pack(">3L", self._dhMinimalGroupSize,
                                          self._dhPreferredGroupSize, self._dhMaximalGroupSize)
            self.sendPacket(MSG_KEX_DH_GEX_REQUEST, self._gex_sizes)

    def ssh_KEX_DH_GEX_GROUP(self, packet: bytes) -> None:
        """Message 31: KEXDH_REPLY, KEX_ECDH_REPLY, hybrid reply or GEX_GROUP, by method."""
        if self._keyExchangeState != self._KEY_EXCHANGE_PROGRESSING:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"unexpected key exchange message")
            return
        kind = self._kex.kind
        if kind == "dh":
            self._ssh_KEXDH_REPLY(packet)
        elif kind in ("ecdh", "x25519"):
            self._ssh_KEX_ECDH_REPLY(packet)
        elif kind == "mlkem-x25519":
            self._ssh_KEX_HYBRID_REPLY(packet)
        else:
            p, g, _ = getMP(packet, 2)
            bits = int(p).bit_length()
            if not self._dhMinimalGroupSize <= bits <= self._dhMaximalGroupSize:
                self.sendDisconnect(DISCONNECT_KEY_EXCHANGE_FAILED,
                                    b"DH group size out of range")
                return
            self.p, self.g = int(p), int(g)
            self._startEphemeralDH()
            self.sendPacket(MSG_KEX_DH_GEX_INIT, self.dhSecretKeyPublicMP)

    def _ssh_KEXDH_REPLY(self, packet: bytes) -> None:
        pubKey, rest = getNS(packet)
        f, tail = getMP(rest)
        signature, _ = getNS(bytes(tail))
        secret = self._finishEphemeralDH(int(f))
        h = self._exchange_hash(NS(pubKey), self.dhSecretKeyPublicMP, MP(int(f)), secret)
        self._check_host_key(pubKey, signature, secret, h)

    def _ssh_KEX_ECDH_REPLY(self, packet: bytes) -> None:
        pubKey, theirs, signature, _ = getNS(packet, 3)
        secret = self._generateECSharedSecret(self.ecPriv, theirs)
        h = self._exchange_hash(NS(pubKey), NS(self._ec_public), NS(theirs), secret)
        self._check_host_key(pubKey, signature, secret, h)

    def _ssh_KEX_HYBRID_REPLY(self, packet: bytes) -> None:
        pubKey, reply, signature, _ = getNS(packet, 3)
        secret = self._hybrid_client(reply)
        h = self._exchange_hash(NS(pubKey), NS(self._ec_public), NS(reply), secret)
        self._check_host_key(pubKey, signature, secret, h)

    def ssh_KEX_DH_GEX_REPLY(self, packet: bytes) -> None:
        """The server's reply to a group exchange."""
        if self._keyExchangeState != self._KEY_EXCHANGE_PROGRESSING or not self._gex_sizes:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"unexpected key exchange message")
            return
        pubKey, rest = getNS(packet)
        f, tail = getMP(rest)
        signature, _ = getNS(bytes(tail))
        secret = self._finishEphemeralDH(int(f))
        h = self._exchange_hash(NS(pubKey), self._gex_sizes, MP(self.p), MP(self.g),
                                self.dhSecretKeyPublicMP, MP(int(f)), secret)
        self._check_host_key(pubKey, signature, secret, h)

    def _check_host_key(self, pubKey: bytes, signature: bytes, secret: bytes,
                        exchange_hash: bytes) -> None:
        """Check the server's signature of H, have ``verifyHostKey`` judge the key, then
        finish the exchange. Packets after it wait until the judgement is in."""
        try:
            key = keys.Key.fromString(pubKey)
        except keys.BadKeyError:
            self.sendDisconnect(DISCONNECT_KEY_EXCHANGE_FAILED, b"bad host key")
            return
        algorithm = getNS(signature)[0] if len(signature) >= 4 else b""
        if algorithm != self.keyAlg or not key.verify(signature, exchange_hash):
            self.sendDisconnect(DISCONNECT_KEY_EXCHANGE_FAILED, b"bad signature")
            return
        if self._host_key_blob is not None:
            # A re-exchange: the server must keep its key.
            if pubKey != self._host_key_blob:
                self.sendDisconnect(DISCONNECT_HOST_KEY_NOT_VERIFIABLE, b"host key changed")
                return
            self._keySetup(secret, exchange_hash)
            return
        self._paused = True
        fingerprint = key.fingerprint().encode("ascii")
        d = defer.maybeDeferred(self.verifyHostKey, pubKey, fingerprint)

        def verified(_: object) -> None:
            if self._disconnected:
                return
            self._host_key_blob = pubKey
            self._paused = False
            self._keySetup(secret, exchange_hash)
            if not self._paused and self.buf:
                self.dataReceived(b"")

        def refused(reason: Failure) -> None:
            _log.info("host key refused: %s", reason.getErrorMessage())
            self.sendDisconnect(DISCONNECT_HOST_KEY_NOT_VERIFIABLE, b"bad host key")

        d.addCallbacks(verified, refused)

    def verifyHostKey(self, hostKey: bytes, fingerprint: bytes) -> defer.Deferred[Any]:
        """Judge the server's host key (a blob) and its MD5 fingerprint: a Deferred that
        fires to accept it and fails to refuse it. Refuses; subclasses decide."""
        return defer.fail(NotImplementedError())

    def connectionSecure(self) -> None:
        """The first key exchange is done: a subclass requests its service here (usually
        ``requestService``). ``NotImplementedError`` otherwise, as in Twisted."""
        raise NotImplementedError()

    def requestService(self, instance: SSHService) -> None:
        """Ask the server to start ``instance``'s service; it starts on the ACCEPT."""
        self.sendPacket(MSG_SERVICE_REQUEST, NS(instance.name or b""))
        self.instance = instance

    def ssh_SERVICE_ACCEPT(self, packet: bytes) -> None:
        """The server accepted our service request: start it."""
        if packet == b"":
            # Some servers send no name: take it as the service asked for (as Conch does).
            name = self.instance.name
        else:
            name = getNS(packet)[0]
        if name != self.instance.name:
            self.sendDisconnect(DISCONNECT_PROTOCOL_ERROR, b"received accept for service we "
                                b"did not request")
            return
        self.setService(self.instance)
