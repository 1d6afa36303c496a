"""Understood failures of twistio.conch under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

_NAME = ("name", "the message or repr spells twistio's module path (twistio.x, not twisted.x)")
_DIFF = "difference"
_T = "twisted.conch.test.test_transport"
_WEAK = (
    _DIFF,
    "the test's peer offers, or the test expects, what Twisted offers by default and "
    "twistio does not: SHA-1 key exchanges (diffie-hellman-group14-sha1, "
    "diffie-hellman-group-exchange-sha1), ssh-rsa/ssh-dss host keys (MockFactory has only "
    "those) or hmac-sha1, so nothing is negotiated (docs/differences.md, SSH)",
)
_AEAD_MAC = (
    _DIFF,
    "with no MAC offered the two sides still agree on an AEAD cipher (chacha20-poly1305, "
    "aes-gcm), which needs none, as OpenSSH does; Twisted has no AEAD cipher and "
    "disconnects (docs/differences.md, SSH)",
)
_AEAD_MAP = (
    _DIFF,
    "twistio offers AEAD ciphers (chacha20-poly1305, aes-gcm), which are not in "
    "SSHCiphers.cipherMap (no separate cipher engine and MAC) (docs/differences.md, SSH)",
)


def _each(prefix: str, names: str, why: tuple[str, str]) -> dict[str, tuple[str, str]]:
    return {f"{prefix}.{n}": why for n in names.split()}


KNOWN: dict[str, tuple[str, str]] = {
    "twisted.conch.test.test_transport.BaseSSHTransportTests.test_sendVersion": (
        _DIFF,
        "the version is SSH-2.0-Twistio_<version> (docs/differences.md, SSH)",
    ),
    **_each(
        "twisted.conch.test.test_transport.BaseSSHTransportTests",
        "test_getPacketCompressed test_getPacketPlain test_sendKEXINITReply "
        "test_sendPacketBoth test_sendPacketCompressed test_sendPacketEncrypted "
        "test_sendPacketPlain",
        (
            _DIFF,
            "the test's peer offers only SHA-1 algorithms (diffie-hellman-group14-sha1, "
            "ssh-rsa, hmac-sha1), which twistio does not offer by default, so nothing is "
            "negotiated (docs/differences.md, SSH)",
        ),
    ),
    "twisted.conch.test.test_insults.ClientControlSequencesTests.testCursorPosition": (
        _DIFF,
        "ClientProtocol answers a cursor report as ESC [ line ; column R (Conch swaps them; "
        "docs/differences.md, Conch terminal side)",
    ),
    **_each(
        "twisted.conch.test.test_connection.ConnectionTests",
        "test_CHANNEL_DATA test_CHANNEL_EXTENDED_DATA test_CHANNEL_OPEN_CONFIRMATION "
        "test_serviceStopped",
        (
            _DIFF,
            "channel data beyond the window or packet size, and a maximum packet size of 0, "
            "are protocol errors that drop the connection (docs/differences.md, SSH)",
        ),
    ),
    **_each(
        "twisted.conch.test.test_ssh.SSHFactoryTests",
        "test_buildProtocolSignatureAlgorithms test_buildProtocolWithPrimes",
        (
            _DIFF,
            "SHA-1 and DSA algorithms (ssh-rsa, ssh-dss, diffie-hellman-group-exchange-sha1) "
            "are not offered by default (docs/differences.md, SSH)",
        ),
    ),
    **_each(
        "twisted.conch.test.test_userauth.SSHUserAuthServerTests",
        "test_successfulPrivateKeyAuthentication test_verifyValidPrivateKey",
        (
            _DIFF,
            "ssh-rsa (SHA-1) user signatures are refused by default (docs/differences.md, "
            "SSH)",
        ),
    ),
    "twisted.conch.test.test_userauth.SSHUserAuthClientTests.test_publickey": (
        _DIFF,
        "the client signs with rsa-sha2-256/512, not ssh-rsa (docs/differences.md, SSH)",
    ),
    **_each(
        "twisted.conch.test.test_ckeygen.KeyGenTests",
        "test_keygeneration test_runBadKeytype",
        (
            _DIFF,
            "twistio installs no ckeygen console script (python -m "
            "twistio.conch.scripts.ckeygen; docs/differences.md, SSH)",
        ),
    ),
    "twisted.conch.test.test_filetransfer.OurServerOurClientTests."
    "test_openDirectoryIteratorDeprecated": _NAME,
    **_each(
        "twisted.conch.test.test_filetransfer.FileTransferCloseTests",
        "test_clientClosesChannelOnConnnection test_stopConnectionServiceClosesChannel",
        (
            _DIFF,
            "a channel opened with a maximum packet size of 0 is a protocol error "
            "(docs/differences.md, SSH)",
        ),
    ),
    "twisted.conch.test.test_openssh_compat.OpenSSHFactoryTests.test_getPrivateKeysAsRoot": (
        "root",
        "run as root the key file is readable without switching uid (fails under Twisted too)",
    ),
    "twisted.conch.test.test_checkers.SSHPublicKeyDatabaseTests.test_checkKeyAsRoot": (
        "root",
        "run as root the unreadable key file is readable, so no uid switch (fails under Twisted "
        "too)",
    ),
    **_each(
        "twisted.conch.test.test_default.ConchOptionsParsing",
        "test_host_key_algorithms",
        (
            _DIFF,
            "ssh-dss host keys are not supported by twistio's transport, so ConchOptions "
            "refuses them (docs/differences.md, SSH)",
        ),
    ),
    "twisted.conch.test.test_manhole.ManholeLoopbackStdioTests.test_deferred": (
        "harness",
        "the shell runs in a child Python where `twisted` is the real Twisted (the alias is "
        "in the test process only), so the typed `from twisted.internet import reactor` gets "
        "Twisted's reactor, which is not running there",
    ),
    # test_transport: what twistio's transport does on purpose (docs/differences.md, SSH).
    **_each(f"{_T}.BaseSSHTransportTests", "test_receiveKEXINITReply test_sendKexInitBlocksOthers",
            _WEAK),
    **_each(f"{_T}.ClientSSHTransportDHGroupExchangeSHA1Tests",
            "test_KEXINIT_groupexchange test_KEX_DH_GEX_GROUP test_KEX_DH_GEX_REPLY "
            "test_disconnectGEX_REPLYBadSignature test_disconnectKEX_ECDH_REPLYBadSignature",
            _WEAK),
    **_each(f"{_T}.ServerSSHTransportDHGroupExchangeSHA1Tests",
            "test_KEX_DH_GEX_INIT_after_REQUEST test_KEX_DH_GEX_INIT_after_REQUEST_OLD "
            "test_KEX_DH_GEX_INIT_after_REQUEST_rsa_sha2_512 test_KEX_DH_GEX_REQUEST "
            "test_KEX_DH_GEX_REQUEST_OLD test_KEX_DH_GEX_REQUEST_OLD_badKexAlg", _WEAK),
    **_each(f"{_T}.ServerSSHTransportDHGroupExchangeSHA256Tests",
            "test_KEX_DH_GEX_INIT_after_REQUEST test_KEX_DH_GEX_INIT_after_REQUEST_OLD "
            "test_KEX_DH_GEX_REQUEST test_KEX_DH_GEX_REQUEST_OLD "
            "test_KEX_DH_GEX_REQUEST_OLD_badKexAlg", _WEAK),
    **_each(f"{_T}.ClientSSHTransportTests",
            "test_KEXDH_REPLY test_KEXINITMultipleAlgorithms test_KEXINIT_group14 test_NEWKEYS "
            "test_disconnectKEXDH_REPLYBadSignature test_disconnectKEX_ECDH_REPLYBadSignature "
            "test_KEXINITExtensionNegotiation", _WEAK),
    **_each(f"{_T}.ServerSSHTransportTests",
            "test_KEXDH_INIT_GROUP14 test_KEXDH_INIT_GROUP14_rsa_sha2_256 "
            "test_KEXDH_INIT_GROUP14_rsa_sha2_512 test_KEXINITMultipleAlgorithms test_NEWKEYS "
            "test_ignoreGuessPacketKex test_ignoreGuessPacketKey", _WEAK),
    **_each(f"{_T}.ClientSSHTransportECDHTests",
            "test_KEXDH_REPLY test_disconnectKEXDH_REPLYBadSignature", _WEAK),
    **_each(f"{_T}.ClientSSHTransportCurve25519SHA256Tests",
            "test_KEXDH_REPLY test_disconnectKEXDH_REPLYBadSignature", _WEAK),
    f"{_T}.ClientSSHTransportDHGroupExchangeSHA256Tests.test_disconnectKEX_ECDH_REPLYBadSignature":
        _WEAK,
    f"{_T}.ServerSSHTransportECDHTests.test_KEX_ECDH_INIT": _WEAK,
    f"{_T}.ServerSSHTransportCurve25519SHA256Tests.test_KEX_ECDH_INIT": _WEAK,
    **_each(f"{_T}.ServerSSHTransportMLKEM768X25519Tests",
            "test_KEX_HYBRID_INIT test_disconnectHYBRID_INIT_badLength "
            "test_disconnectHYBRID_INIT_invalidX25519Key", _WEAK),
    f"{_T}.TransportLoopbackTests.": _WEAK,
    **_each(f"{_T}.ClientSSHTransportDHGroupExchangeSHA256Tests",
            "test_KEXINIT_groupexchange test_KEX_DH_GEX_GROUP test_KEX_DH_GEX_REPLY "
            "test_disconnectGEX_REPLYBadSignature",
            (_DIFF, "a twistio client asks for Diffie-Hellman groups of 2048 to 8192 bits, "
                    "preferring 3072, and refuses smaller groups (Twisted asks for 1024 to "
                    "8192, preferring 2048, and the test's server sends a 1536-bit group)")),
    **{f"{_T}.{cls}.test_disconnectIfCantMatchMAC": _AEAD_MAC for cls in (
        "ClientSSHTransportTests", "ClientSSHTransportECDHTests",
        "ClientSSHTransportCurve25519SHA256Tests", "ClientSSHTransportDHGroupExchangeSHA1Tests",
        "ClientSSHTransportDHGroupExchangeSHA256Tests", "ServerSSHTransportTests",
        "ServerSSHTransportECDHTests", "ServerSSHTransportCurve25519SHA256Tests",
        "ServerSSHTransportDHGroupExchangeSHA1Tests",
        "ServerSSHTransportDHGroupExchangeSHA256Tests",
        "ServerSSHTransportMLKEM768X25519Tests")},
    f"{_T}.BaseSSHTransportTests.test_ciphersAreValid": _AEAD_MAP,
    f"{_T}.SSHCiphersTests.test_setKeysCiphers": _AEAD_MAP,
    f"{_T}.BaseSSHTransportTests.test_sendKexInit": (
        _DIFF, "the first KEXINIT also offers OpenSSH's strict key exchange "
               "(kex-strict-s/c-v00@openssh.com, the Terrapin fix) besides ext-info"),
    **_each(f"{_T}.BaseSSHTransportTests", "test_sendUnimplemented test_unimplementedPackets",
            (_DIFF, "UNIMPLEMENTED names the sequence number of the packet not understood "
                    "(RFC 4253 section 11.4); Conch names the next one")),
    **_each(f"{_T}.BaseSSHTransportTests", "test_badPackets test_badVersion",
            (_DIFF, "once a transport has sent DISCONNECT it sends nothing more (a second "
                    "sendDisconnect does nothing); the test feeds several bad inputs to one "
                    "transport and expects a DISCONNECT for each")),
    f"{_T}.ServerSSHTransportTests.test_keySetupWithExtInfo": (
        _DIFF, "EXT_INFO goes out when the key exchange completes (still the first packet "
               "after NEWKEYS on the wire), not from within _keySetup"),
    f"{_T}.ClientSSHTransportTests.test_KEXINIT_badKexAlg": (
        _DIFF, "a key exchange name twistio does not know is a negotiation failure "
               "(DISCONNECT), not a ConchError raised to the caller"),
    "twisted.conch.test.test_endpoints.NewConnectionTests.test_destination": (
        _DIFF,
        "SSHCommandClientEndpoint.newConnection connects through HostnameEndpoint (names "
        "resolved first, IPv4 and IPv6 tried), so connectTCP sees an address, not the host "
        "name (docs/differences.md, SSH)",
    ),
    "twisted.conch.test.test_endpoints.NewConnectionTests.test_publicKeyAuthentication": (
        _DIFF,
        "the test's user key is a DSA key: ssh-dss (SHA-1) user signatures are refused by "
        "default (docs/differences.md, SSH)",
    ),
    **_each("twisted.conch.test.test_conch.OpenSSHKeyExchangeTests",
            "test_DH_GROUP14 test_DH_GROUP_EXCHANGE_SHA1", _WEAK),
    "twisted.conch.test.test_conch.CmdLineClientTests.test_runWithCompressionSpecified": (
        _DIFF,
        "Conch's client with --compress asks for plain zlib only, which twistio's server "
        "does not offer by default (it offers zlib@openssh.com, after login) "
        "(docs/differences.md, SSH)",
    ),
}
