"""known_hosts files: which host keys an SSH client trusts, and asking the user about new ones.

Entries are OpenSSH's: ``host1,host2 keytype base64 [comment]`` (``PlainEntry``) and hashed
hosts ``|1|salt|hmac keytype base64 [comment]`` (``HashedEntry``); every other line (comments,
``@cert-authority``/``@revoked`` markers, bad lines) is kept as an ``UnparsedEntry``. Host
names match exactly, as in Twisted (no wildcard patterns).
"""

from __future__ import annotations

import base64
import hmac
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from hashlib import sha1
from typing import IO, Any

from twistio.conch.error import HostKeyChanged, InvalidEntry, UserRejectedKey
from twistio.conch.interfaces import IKnownHostEntry
from twistio.conch.ssh.keys import BadKeyError, FingerprintFormats, Key
from twistio.internet import defer
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import implementer

__all__ = [
    "BadKeyError",
    "ConsoleUI",
    "FingerprintFormats",
    "HashedEntry",
    "HostKeyChanged",
    "IKnownHostEntry",
    "InvalidEntry",
    "Key",
    "KnownHostsFile",
    "PlainEntry",
    "UnparsedEntry",
    "UserRejectedKey",
]

_log = logging.getLogger("twistio.conch")


def _b64decode(data: bytes) -> bytes:
    """Strict base64 (``binascii.Error`` otherwise, as in Twisted)."""
    return base64.b64decode(data, validate=True)


def _extractCommon(string: bytes) -> tuple[bytes, bytes, Key, bytes | None]:
    """(host field, key type, key, comment) of a known_hosts line."""
    fields = string.split(None, 3)
    if len(fields) not in (3, 4):
        raise InvalidEntry()
    hostnames, keyType, keyData = fields[:3]
    comment = fields[3].rstrip(b"\r\n") if len(fields) == 4 else None
    key = Key.fromString(_b64decode(keyData))
    return hostnames, keyType, key, comment


def _hmacedString(key: bytes, string: bytes) -> bytes:
    """HMAC-SHA1 of ``string`` with ``key``: how hashed entries hide host names."""
    return hmac.new(key, string, sha1).digest()


def _bytes(hostname: bytes | str) -> bytes:
    return hostname.encode("utf-8") if isinstance(hostname, str) else hostname


class _BaseEntry:
    """What plain and hashed entries share: the key and its type."""

    def __init__(self, keyType: bytes, publicKey: Key, comment: bytes | None) -> None:
        self.keyType = keyType
        self.publicKey = publicKey
        self.comment = comment

    def matchesKey(self, keyObject: Key) -> bool:
        """Whether this entry's key is ``keyObject``."""
        return self.publicKey == keyObject

    def _tail(self) -> bytes:
        line = self.keyType + b" " + base64.b64encode(self.publicKey.blob())
        if self.comment is not None:
            line += b" " + self.comment
        return line


@implementer(IKnownHostEntry)
class PlainEntry(_BaseEntry):
    """An entry naming its hosts in clear."""

    def __init__(self, hostnames: list[bytes], keyType: bytes, publicKey: Key,
                 comment: bytes | None) -> None:
        self._hostnames = hostnames
        _BaseEntry.__init__(self, keyType, publicKey, comment)

    @classmethod
    def fromString(cls, string: bytes) -> PlainEntry:
        """Parse a line; ``InvalidEntry``/``BadKeyError`` if it is not a plain entry."""
        hostnames, keyType, key, comment = _extractCommon(string)
        return cls(hostnames.split(b","), keyType, key, comment)

    def matchesHost(self, hostname: bytes | str) -> bool:
        """Whether ``hostname`` is one of this entry's hosts."""
        return _bytes(hostname) in self._hostnames

    def toString(self) -> bytes:
        """The entry as a line."""
        return b",".join(self._hostnames) + b" " + self._tail()


@implementer(IKnownHostEntry)
class UnparsedEntry:
    """A line that is not a host key entry; kept so that saving preserves it."""

    keyType = None

    def __init__(self, string: bytes) -> None:
        self._string = string

    def matchesHost(self, hostname: bytes) -> bool:
        return False

    def matchesKey(self, key: Key) -> bool:
        return False

    def toString(self) -> bytes:
        return self._string.rstrip(b"\n")


@implementer(IKnownHostEntry)
class HashedEntry(_BaseEntry):
    """An entry naming its host by a salted HMAC-SHA1 (OpenSSH's ``HashKnownHosts``)."""

    MAGIC = b"|1|"
    compareAttributes = ("_hostSalt", "_hostHash", "keyType", "publicKey", "comment")

    def __init__(self, hostSalt: bytes, hostHash: bytes, keyType: bytes, publicKey: Key,
                 comment: bytes | None) -> None:
        self._hostSalt = hostSalt
        self._hostHash = hostHash
        _BaseEntry.__init__(self, keyType, publicKey, comment)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HashedEntry):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in self.compareAttributes)

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, HashedEntry):
            return NotImplemented
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def fromString(cls, string: bytes) -> HashedEntry:
        """Parse a ``|1|salt|hash ...`` line; ``InvalidEntry`` if it is not one."""
        stuff, keyType, key, comment = _extractCommon(string)
        parts = stuff[len(cls.MAGIC):].split(b"|")
        if not stuff.startswith(cls.MAGIC) or len(parts) != 2:
            raise InvalidEntry()
        salt, hashed = parts
        return cls(_b64decode(salt), _b64decode(hashed), keyType, key, comment)

    def matchesHost(self, hostname: bytes) -> bool:
        """Whether ``hostname`` hashes to this entry's host."""
        return hmac.compare_digest(_hmacedString(self._hostSalt, _bytes(hostname)),
                                   self._hostHash)

    def toString(self) -> bytes:
        """The entry as a line."""
        return (self.MAGIC + base64.b64encode(self._hostSalt) + b"|"
                + base64.b64encode(self._hostHash) + b" " + self._tail())


def _path_of(savePath: Any) -> str | bytes:
    path: str | bytes = os.fspath(getattr(savePath, "path", savePath))
    return path


class KnownHostsFile:
    """A known_hosts file: the entries in it plus those added since it was last saved.

    Made with ``fromPath`` it starts from the file's entries; made directly
    (``KnownHostsFile(path)``) it starts empty and its first ``save`` replaces the file.
    """

    def __init__(self, savePath: Any) -> None:
        self._added: list[HashedEntry] = []
        self._savePath = savePath
        self._clobber = True

    @property
    def savePath(self) -> Any:
        """Where ``save`` writes (a ``FilePath``, or a path)."""
        return self._savePath

    def iterentries(self) -> Iterable[IKnownHostEntry]:
        """Every entry: the file's lines, then the ones added."""
        return list(self._iterate())

    def _iterate(self) -> Iterator[Any]:
        lines: list[bytes] = []
        if not self._clobber:
            try:
                with open(_path_of(self._savePath), "rb") as fp:
                    lines = fp.read().splitlines()
            except OSError:
                pass
        for line in lines:
            try:
                if line.startswith(HashedEntry.MAGIC):
                    yield HashedEntry.fromString(line)
                else:
                    yield PlainEntry.fromString(line)
            except (InvalidEntry, BadKeyError, ValueError):
                yield UnparsedEntry(line)
        yield from self._added

    def hasHostKey(self, hostname: bytes, key: Key) -> bool:
        """Whether ``key`` is known for ``hostname``; ``HostKeyChanged`` if another key of
        the same type is."""
        entries = list(self._iterate())
        in_file = len(entries) - len(self._added)
        for index, entry in enumerate(entries):
            if entry.matchesHost(hostname) and entry.keyType == key.sshType():
                if entry.matchesKey(key):
                    return True
                if index < in_file:
                    raise HostKeyChanged(entry, self._savePath, index + 1)
                raise HostKeyChanged(entry, None, None)  # type: ignore[arg-type]
        return False

    def verifyHostKey(self, ui: Any, hostname: bytes, ip: bytes, key: Key) -> Deferred[bool]:
        """Accept ``key`` for ``hostname`` (at ``ip``) if known; otherwise ask ``ui`` and
        remember it for both names if the user agrees. Fails with ``HostKeyChanged`` or
        ``UserRejectedKey``."""
        hhk = defer.execute(self.hasHostKey, hostname, key)

        def gotHasKey(result: bool) -> Any:
            if result:
                if not self.hasHostKey(ip, key):
                    self.addHostKey(ip, key)
                    self.save()
                    kind = key.type().encode("ascii")
                    ui.warn(b"Warning: Permanently added the " + kind
                            + b" host key for IP address '" + _bytes(ip)
                            + b"' to the list of known hosts.\n")
                return result

            def promptResponse(response: bool) -> bool:
                if not response:
                    raise UserRejectedKey()
                for name in (hostname, ip):
                    self.addHostKey(name, key)
                self.save()
                return response

            keytype: str = key.type()
            if keytype == "EC":
                keytype = "ECDSA"
            prompt = (
                f"The authenticity of host '{_bytes(hostname).decode('utf-8', 'replace')} "
                f"({_bytes(ip).decode('utf-8', 'replace')})' can't be established.\n"
                f"{keytype} key fingerprint is "
                f"SHA256:{key.fingerprint(format=FingerprintFormats.SHA256_BASE64)}.\n"
                "Are you sure you want to continue connecting (yes/no)? "
            )
            proceed = ui.prompt(prompt.encode(sys.getdefaultencoding()))
            return proceed.addCallback(promptResponse)

        return hhk.addCallback(gotHasKey)

    def addHostKey(self, hostname: bytes, key: Key) -> HashedEntry:
        """Remember ``key`` for ``hostname`` (as a hashed entry) until ``save``."""
        salt = os.urandom(20)
        entry = HashedEntry(salt, _hmacedString(salt, _bytes(hostname)), key.sshType(), key,
                            None)
        self._added.append(entry)
        return entry

    def save(self) -> None:
        """Write the added entries to the file (creating its directory)."""
        path = _path_of(self._savePath)
        parent = os.path.dirname(path)
        if parent and not os.path.isdir(parent):
            os.makedirs(parent)
        if self._clobber:
            with open(path, "wb") as f:
                f.write(b"".join(entry.toString() + b"\n" for entry in self._added))
        else:
            with open(path, "a+b") as f:
                f.seek(0, os.SEEK_END)
                separator = b""
                if f.tell():
                    f.seek(f.tell() - 1)
                    if f.read(1) != b"\n":
                        separator = b"\n"
                f.write(separator + b"".join(entry.toString() + b"\n" for entry in self._added))
        self._added = []
        self._clobber = False

    @classmethod
    def fromPath(cls, path: Any) -> KnownHostsFile:
        """The known_hosts file at ``path`` (a ``FilePath`` or a path)."""
        knownHosts = cls(path)
        knownHosts._clobber = False
        return knownHosts


class ConsoleUI:
    """Asks yes/no questions on a console that ``opener()`` opens (e.g. ``/dev/tty``)."""

    def __init__(self, opener: Callable[[], IO[bytes]]) -> None:
        self.opener = opener

    def prompt(self, text: bytes) -> Deferred[bool]:
        """Ask ``text``; a Deferred of True for ``yes``, False for ``no`` or end of input."""
        answers = {b"yes": True, b"no": False, b"": False}

        def body() -> bool:
            with closing(self.opener()) as console:
                console.write(text)
                reply = console.readline().strip().lower()
                while reply not in answers:
                    console.write(b"Please type 'yes' or 'no': ")
                    reply = console.readline().strip().lower()
                return answers[reply]

        return defer.execute(body)

    def warn(self, text: bytes) -> None:
        """Show ``text`` (failures to do so are logged)."""
        try:
            with closing(self.opener()) as f:
                f.write(text)
        except Exception:
            _log.exception("Failed to write to console")
