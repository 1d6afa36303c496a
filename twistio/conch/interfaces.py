"""The interfaces of Conch: avatars, sessions, SFTP servers and files, known hosts entries."""

from __future__ import annotations

from typing import Any, Protocol

from twistio.internet.interfaces import Interface

__all__ = [
    "EnvironmentVariableNotPermitted",
    "IConchUser",
    "IKnownHostEntry",
    "ISFTPFile",
    "ISFTPServer",
    "ISession",
    "ISessionSetEnv",
]


class IConchUser(Interface, Protocol):
    """An SSH avatar: opens channels, answers global requests, finds subsystems.

    ``conn`` is the ``SSHConnection`` the avatar is logged in on.
    """

    conn: Any

    def lookupChannel(self, channelType: bytes, windowSize: int, maxPacket: int,
                      data: bytes) -> Any:
        """A new channel of ``channelType`` (an ``SSHChannel``), or raise ``ConchError``."""

    def lookupSubsystem(self, subsystem: bytes, data: bytes) -> Any:
        """The protocol serving ``subsystem`` (e.g. ``b'sftp'``), or None."""

    def gotGlobalRequest(self, requestType: bytes, data: bytes) -> Any:
        """Answer a global request: false, true, ``(True, data)`` or a Deferred of one."""


class ISession(Interface, Protocol):
    """What a ``session`` channel asks of an avatar (through ``ISession(avatar)``)."""

    def getPty(self, term: bytes, windowSize: tuple[int, int, int, int],
               modes: list[tuple[int, int]]) -> None:
        """A pseudo-terminal was requested: ``term``, (rows, cols, xpixel, ypixel), modes."""

    def openShell(self, proto: Any) -> None:
        """Start a shell; ``proto`` (an ``SSHSessionProcessProtocol``) is its process protocol."""

    def execCommand(self, proto: Any, command: bytes) -> None:
        """Run ``command``; ``proto`` is its process protocol."""

    def windowChanged(self, newWindowSize: tuple[int, int, int, int]) -> None:
        """The terminal was resized."""

    def eofReceived(self) -> None:
        """The client will send no more data."""

    def closed(self) -> None:
        """The session channel closed."""


class EnvironmentVariableNotPermitted(ValueError):
    """``ISessionSetEnv.setEnv`` refuses this variable."""


class ISessionSetEnv(Interface, Protocol):
    """A session that accepts environment variables (``env`` requests)."""

    def setEnv(self, name: bytes, value: bytes) -> None:
        """Set ``name`` to ``value``, or raise ``EnvironmentVariableNotPermitted``."""


class ISFTPServer(Interface, Protocol):
    """The file system an SFTP subsystem serves; methods may return Deferreds.

    ``avatar`` is the user it serves. Paths are bytes; ``attrs`` dicts have the keys
    ``size``, ``uid``, ``gid``, ``permissions``, ``atime``, ``mtime`` and ``ext_*``.
    """

    avatar: Any

    def gotVersion(self, otherVersion: int, extData: dict[bytes, bytes]) -> dict[bytes, bytes]:
        """The client's protocol version and extensions; return our extensions."""

    def openFile(self, filename: bytes, flags: int, attrs: dict[str, Any]) -> Any:
        """An ``ISFTPFile`` for ``filename`` opened with ``FXF_*`` ``flags``."""

    def removeFile(self, filename: bytes) -> Any:
        """Remove a file."""

    def renameFile(self, oldpath: bytes, newpath: bytes) -> Any:
        """Rename a file."""

    def makeDirectory(self, path: bytes, attrs: dict[str, Any]) -> Any:
        """Make a directory."""

    def removeDirectory(self, path: bytes) -> Any:
        """Remove an empty directory."""

    def openDirectory(self, path: bytes) -> Any:
        """An iterator of ``(filename, longname, attrs)`` with a ``close()`` method."""

    def getAttrs(self, path: bytes, followLinks: bool) -> Any:
        """The attrs of ``path`` (of the link itself if not ``followLinks``)."""

    def setAttrs(self, path: bytes, attrs: dict[str, Any]) -> Any:
        """Change the attrs of ``path``."""

    def readLink(self, path: bytes) -> Any:
        """The target of symbolic link ``path``."""

    def makeLink(self, linkPath: bytes, targetPath: bytes) -> Any:
        """Make a symbolic link at ``linkPath`` pointing to ``targetPath``."""

    def realPath(self, path: bytes) -> Any:
        """The canonical absolute form of ``path``."""

    def extendedRequest(self, extendedName: bytes, extendedData: bytes) -> Any:
        """Answer an extended request (bytes), or raise ``NotImplementedError``."""


class ISFTPFile(Interface, Protocol):
    """An open file of an ``ISFTPServer``; methods may return Deferreds."""

    def close(self) -> Any:
        """Close the file."""

    def readChunk(self, offset: int, length: int) -> Any:
        """Up to ``length`` bytes from ``offset``; raise ``EOFError`` at the end."""

    def writeChunk(self, offset: int, data: bytes) -> Any:
        """Write ``data`` at ``offset``."""

    def getAttrs(self) -> Any:
        """The file's attrs."""

    def setAttrs(self, attrs: dict[str, Any]) -> Any:
        """Change the file's attrs."""


class IKnownHostEntry(Interface, Protocol):
    """One line of a known_hosts file."""

    keyType: bytes | None

    def matchesKey(self, key: Any) -> bool:
        """Whether this entry is for ``key``."""

    def matchesHost(self, hostname: bytes) -> bool:
        """Whether this entry is for ``hostname``."""

    def toString(self) -> bytes:
        """The entry as a known_hosts line (without the newline)."""
