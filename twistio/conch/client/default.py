"""The interactive parts of a command-line SSH client: host keys, identities, passwords.

These assume a person at a terminal: host key questions go to ``/dev/tty``, passwords are
read with ``getpass``. Programs that check host keys themselves should use
``conch.client.knownhosts.KnownHostsFile`` directly.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import os
import sys
from typing import Any, cast

from twistio.conch.client import agent
from twistio.conch.client.knownhosts import ConsoleUI, KnownHostsFile
from twistio.conch.error import ConchError
from twistio.conch.ssh import keys, userauth
from twistio.internet import defer
from twistio.internet.defer import Deferred
from twistio.python.filepath import FilePath

__all__ = ["SSHUserAuthClient", "getHostKeyAlgorithms", "isInKnownHosts", "verifyHostKey"]

# The user's known_hosts file when the options name none.
_KNOWN_HOSTS = "~/.ssh/known_hosts"
# The system-wide one, also read by isInKnownHosts.
_SYSTEM_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts"
# Identities tried when the options name none, as OpenSSH's client does.
_DEFAULT_IDENTITIES = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa", "~/.ssh/id_dsa"]

# Seams for tests: how the terminal is opened and how echoed answers are read.
_open = open
_input = input


def _known_hosts_path(options: Any) -> str:
    return os.path.expanduser(options.get("known-hosts") or _KNOWN_HOSTS)


def verifyHostKey(transport: Any, host: bytes, pubKey: bytes, fingerprint: Any) -> Deferred[bool]:
    """Check the server's key against the user's known_hosts, asking on ``/dev/tty`` when the
    host is new.

    ``host`` is the address connected to; the name the user typed is
    ``transport.factory.options["host"]``. ``fingerprint`` is not used (the key's own is
    shown). Fires True, or fails with ``HostKeyChanged`` or ``UserRejectedKey``.
    """
    options = transport.factory.options
    hostname = options["host"]
    if isinstance(hostname, str):
        hostname = hostname.encode("utf-8")
    key = keys.Key.fromString(pubKey)
    knownHosts = KnownHostsFile.fromPath(FilePath(_known_hosts_path(options)))
    ui = ConsoleUI(lambda: _open("/dev/tty", "r+b", buffering=0))
    return knownHosts.verifyHostKey(ui, hostname, host, key)


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def isInKnownHosts(host: str | bytes, pubKey: bytes, options: Any) -> int:
    """0 if ``host`` is in no known_hosts file, 1 if it is with the key blob ``pubKey``,
    2 if it is with another key.

    ``host`` is matched literally against the host fields of the lines (no hashing), in
    the user's file and then the system's.
    """
    wanted = _as_bytes(host)
    result = 0
    for path in (_known_hosts_path(options), _SYSTEM_KNOWN_HOSTS):
        try:
            with open(path, "rb") as f:
                lines = f.readlines()
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 3 or fields[0].startswith(b"#"):
                continue
            if wanted not in fields[0].split(b","):
                continue
            try:
                blob = base64.decodebytes(fields[2])
            except binascii.Error:
                continue
            if blob == pubKey:
                return 1
            result = 2
    return result


def getHostKeyAlgorithms(host: bytes, options: Any) -> list[bytes] | None:
    """The key types known_hosts holds for ``host``, in file order; None if it holds none.

    A client offers these first so that the server answers with a key the user knows.
    """
    knownHosts = KnownHostsFile.fromPath(FilePath(_known_hosts_path(options)))
    found: list[bytes] = []
    for entry in knownHosts.iterentries():
        if entry.matchesHost(host):
            keyType = getattr(entry, "keyType", None)
            if keyType and keyType not in found:
                found.append(keyType)
    return found or None


class SSHUserAuthClient(userauth.SSHUserAuthClient):
    """Logs in as a person would: keys from the SSH agent (``SSH_AUTH_SOCK``) and from the
    identity files of ``options``, passphrases and passwords asked on the terminal."""

    def __init__(self, user: bytes, options: Any, *args: Any) -> None:
        super().__init__(user, *args)
        self.keyAgent: agent.SSHAgentClient | None = None
        self.options = options
        self.usedFiles: list[str] = []
        if not getattr(options, "identitys", None):
            options.identitys = list(_DEFAULT_IDENTITIES)

    def serviceStarted(self) -> None:
        """Connect to the user's agent first, when there is one and it is wanted."""
        socket = os.environ.get("SSH_AUTH_SOCK")
        if socket and not self.options.get("noagent"):
            from twistio.internet import protocol, reactor

            creator = protocol.ClientCreator(reactor, agent.SSHAgentClient)
            d = cast("Deferred[agent.SSHAgentClient]", creator.connectUNIX(socket))
            d.addCallback(self._setAgent)
            d.addErrback(self._ebSetAgent)
        else:
            super().serviceStarted()

    def serviceStopped(self) -> None:
        """Disconnect from the agent."""
        if self.keyAgent is not None:
            self.keyAgent.transport.loseConnection()
            self.keyAgent = None

    def _setAgent(self, a: agent.SSHAgentClient) -> Deferred[Any]:
        self.keyAgent = a
        d = a.getPublicKeys()
        d.addBoth(self._ebSetAgent)
        return d

    def _ebSetAgent(self, ignored: object) -> None:
        userauth.SSHUserAuthClient.serviceStarted(self)

    def getPublicKey(self) -> keys.Key | None:
        """The agent's next key, else the public half of the next identity file."""
        if self.keyAgent is not None:
            key = self.keyAgent.getPublicKey()
            if key is not None:
                return key
        while True:
            files = [f for f in self.options.identitys if f not in self.usedFiles]
            if not files:
                return None
            name = files[0]
            self.usedFiles.append(name)
            path = os.path.expanduser(name)
            try:
                if os.path.exists(path + ".pub"):
                    return keys.Key.fromFile(path + ".pub")
                if os.path.exists(path):
                    # No .pub beside it: the private file's public half, when unencrypted.
                    return keys.Key.fromFile(path).public()
            except (keys.BadKeyError, keys.EncryptedKeyError, OSError):
                pass

    def signData(self, publicKey: keys.Key, signData: bytes) -> Deferred[bytes] | None:
        """Sign with the agent when there is one, else with the identity file's key."""
        if self.keyAgent is not None:
            flags = {b"rsa-sha2-256": 2, b"rsa-sha2-512": 4}.get(
                getattr(self, "_lastAlgorithm", b""), 0
            )
            return self.keyAgent.signData(publicKey.blob(), signData, flags)
        return super().signData(publicKey, signData)

    def getPrivateKey(self) -> Deferred[keys.Key]:
        """The private key of the identity file last offered, asking for its passphrase
        (three tries) when it is encrypted."""
        path = os.path.expanduser(self.usedFiles[-1])
        if not os.path.exists(path):
            return defer.fail(ConchError(f"no private key file {path}"))
        try:
            return defer.succeed(keys.Key.fromFile(path))
        except keys.EncryptedKeyError:
            pass
        except keys.BadKeyError as e:
            return defer.fail(e)
        for _ in range(3):
            try:
                passphrase = self._getPassword(f"Enter passphrase for key '{self.usedFiles[-1]}': ")
                return defer.succeed(keys.Key.fromFile(path, passphrase=passphrase))
            except keys.BadKeyError:
                continue
            except ConchError as e:
                return defer.fail(e)
        return defer.fail(ConchError("bad passphrase"))

    def _getPassword(self, prompt: str) -> str:
        """Read a secret from the terminal; ``ConchError`` when the user gives up."""
        try:
            return getpass.getpass(prompt)
        except (KeyboardInterrupt, EOFError) as e:
            raise ConchError("PEBKAC") from e

    def getPassword(self, prompt: bytes | None = None) -> Deferred[bytes]:
        """The password, asked on the terminal (default prompt ``user@host's password: ``)."""
        if prompt:
            text = prompt.decode("utf-8", "replace")
        else:
            host = self.transport.transport.getPeer().host
            text = f"{self.user.decode('utf-8', 'replace')}@{host}'s password: "
        try:
            return defer.succeed(self._getPassword(text).encode("utf-8"))
        except ConchError:
            return defer.fail()

    def getGenericAnswers(
        self, name: bytes, instruction: bytes, prompts: list[tuple[bytes, bool]]
    ) -> Deferred[list[Any]]:
        """Answers to keyboard-interactive prompts: echoed ones read as typed, the others
        as passwords."""
        answers: list[Any] = []
        try:
            if name:
                sys.stdout.write(name.decode("utf-8", "replace") + "\n")
            if instruction:
                sys.stdout.write(instruction.decode("utf-8", "replace") + "\n")
            for prompt, echo in prompts:
                text = prompt.decode("utf-8", "replace")
                answers.append(_input(text) if echo else getpass.getpass(text))
        except (KeyboardInterrupt, EOFError):
            return defer.fail(ConchError("PEBKAC"))
        return defer.succeed(answers)
