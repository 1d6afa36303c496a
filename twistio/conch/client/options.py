"""The command-line options an SSH client takes (``ConchOptions``), as Twisted's ``conch``.

Algorithm lists (``--ciphers``, ``--macs``, ``--host-key-algorithms``) are comma-separated,
checked against what twistio's transport speaks (an unknown one exits with a message), and
stored as lists of ``bytes``; ``-i`` may be given several times and collects ``identitys``.
"""

from __future__ import annotations

import sys
from typing import Any

from twistio.conch.ssh.transport import SSHCiphers, SSHClientTransport
from twistio.python import usage

__all__ = ["ConchOptions"]


# What the transport can be told to use (the defaults and the further names it knows).
_CIPHERS = [*SSHClientTransport.supportedCiphers,
            *(c for c in SSHCiphers.cipherMap if c not in SSHClientTransport.supportedCiphers)]
_MACS = list(SSHCiphers.macMap)
_HOST_KEYS = [*SSHClientTransport.supportedPublicKeys, b"ssh-rsa"]


def _names(value: str | bytes) -> list[bytes]:
    if isinstance(value, str):
        value = value.encode("ascii", "replace")
    return [name for name in value.split(b",") if name]


def _checked(value: str | bytes, known: Any, what: str) -> list[bytes]:
    names = _names(value)
    for name in names:
        if name not in known:
            sys.exit(f"Unknown {what} type {name.decode('ascii', 'replace')!r}")
    return names


class ConchOptions(usage.Options):
    """Options shared by the ``conch`` client and the tools built on it."""

    optParameters: list[list[Any]] = [
        ["user", "l", None, "The user name to log in as."],
        ["identity", "i", None, "A private key file to authenticate with (repeatable)."],
        ["ciphers", "c", None, "Ciphers to offer, comma-separated."],
        ["macs", "m", None, "MACs to offer, comma-separated."],
        ["port", "p", None, "The server's port."],
        ["option", "o", None, "An OpenSSH -o option (accepted and not used)."],
        ["host-key-algorithms", "", None, "Host key types to accept, comma-separated."],
        ["known-hosts", "", None, "The known_hosts file to check host keys against."],
        ["user-authentications", "", None, "Authentication methods to try, comma-separated."],
        ["logfile", "", None, "Where to log (- for standard output)."],
    ]

    optFlags: list[list[Any]] = [
        ["version", "V", "Print the version and exit."],
        ["compress", "C", "Compress the connection."],
        ["log", "v", "Log (to standard error unless --logfile says otherwise)."],
        ["nox11", "x", "No X11 forwarding (the default)."],
        ["agent", "A", "Forward the authentication agent."],
        ["noagent", "a", "Do not forward the authentication agent (the default)."],
        ["reconnect", "r", "Connect again when the connection is lost."],
    ]

    compData = usage.Completions(
        mutuallyExclusive=[("agent", "noagent")],
        optActions={
            "user": usage.CompleteUsernames(),
            "ciphers": usage.CompleteMultiList(
                [c.decode() for c in _CIPHERS], descr="ciphers to choose from"
            ),
            "macs": usage.CompleteMultiList(
                [m.decode() for m in _MACS], descr="macs to choose from"
            ),
            "host-key-algorithms": usage.CompleteMultiList(
                [k.decode() for k in _HOST_KEYS],
                descr="host key algorithms to choose from",
            ),
        },
        extraActions=[usage.CompleteUserAtHost()],
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.identitys: list[str] = []
        self.conns: Any = None

    def opt_identity(self, i: str) -> None:
        """Identity for public-key authentication"""
        self.identitys.append(i)

    def opt_ciphers(self, ciphers: str | bytes) -> None:
        """Select encryption algorithms"""
        self["ciphers"] = _checked(ciphers, _CIPHERS, "cipher")

    def opt_macs(self, macs: str | bytes) -> None:
        """Specify MAC algorithms"""
        self["macs"] = _checked(macs, _MACS, "mac")

    def opt_host_key_algorithms(self, hkas: str | bytes) -> None:
        """Select host key algorithms"""
        self["host-key-algorithms"] = _checked(hkas, _HOST_KEYS, "host key")

    def opt_user_authentications(self, uas: str | bytes) -> None:
        """Choose how to authenticate to the remote server"""
        self["user-authentications"] = _names(uas)
