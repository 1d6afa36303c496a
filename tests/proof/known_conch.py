"""Understood failures of twistio.conch under Twisted's tests (see ``classify`` in
__main__.py): test id (or a prefix ending in ".") -> (kind, why)."""

from __future__ import annotations

_NAME = ("name", "the message or repr spells twistio's module path (twistio.x, not twisted.x)")
_DIFF = "difference"


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
    "twisted.conch.test.test_text.FormattedTextTests.test_flattenDeprecated": _NAME,
    "twisted.conch.test.test_insults.ClientControlSequencesTests.testCursorPosition": (
        _DIFF,
        "ClientProtocol answers a cursor report as ESC [ line ; column R (Conch swaps them; "
        "docs/differences.md, Conch terminal side)",
    ),
    "twisted.conch.test.test_ssh.GMPYInstallDeprecationTests.test_deprecated": _NAME,
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
    "twisted.conch.test.test_checkers.SSHPublicKeyDatabaseTests.test_deprecated": _NAME,
    "twisted.conch.test.test_checkers.SSHPublicKeyDatabaseTests.test_checkKeyAsRoot": (
        "root",
        "run as root the unreadable key file is readable, so no uid switch (fails under Twisted "
        "too)",
    ),
    **_each(
        "twisted.conch.test.test_default.ConchOptionsParsing",
        "test_macs test_host_key_algorithms",
        (
            _DIFF,
            "hmac-md5 and ssh-dss host keys are not supported by twistio's transport, so "
            "ConchOptions refuses them (docs/differences.md, SSH)",
        ),
    ),
    "twisted.conch.test.test_manhole.ManholeLoopbackStdioTests.test_deferred": (
        "harness",
        "the shell runs in a child Python where `twisted` is the real Twisted (the alias is "
        "in the test process only), so the typed `from twisted.internet import reactor` gets "
        "Twisted's reactor, which is not running there",
    ),
}
