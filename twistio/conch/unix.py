"""SSH users who are accounts of this machine: shells, commands, SFTP and port forwarding
run as the user (``UnixSSHRealm`` gives a ``UnixConchUser`` per login).

Switching to the user needs root: a server running as root acts with the user's effective
uid and gids around each file system call (``_runAsUser``) and starts processes as the user;
a server running as anyone else acts as itself. Paths from SFTP clients are relative to the
user's home directory; absolute ones are taken as they are (there is no chroot).
"""

from __future__ import annotations

import fcntl
import os
import struct
import termios
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from twistio.conch import avatar
from twistio.conch.interfaces import IConchUser, ISession, ISFTPFile, ISFTPServer
from twistio.conch.ls import lsLine
from twistio.conch.ssh import filetransfer, forwarding, session
from twistio.cred.error import LoginDenied
from twistio.internet.interfaces import implementer
from twistio.logger import Logger
from twistio.python import components

pwd: Any
grp: Any
try:
    import grp
    import pwd
except ImportError:  # pragma: no cover - not on Unix
    pwd = grp = None

__all__ = [
    "SFTPServerForUnixConchUser",
    "SSHSessionForUnixConchUser",
    "UnixConchUser",
    "UnixSFTPDirectory",
    "UnixSFTPFile",
    "UnixSSHRealm",
]

_log = Logger()


class UnixSSHRealm:
    """A realm whose avatars are ``UnixConchUser``s named by the logged-in username.

    Anonymous logins (an empty tuple as avatar id) are refused with ``LoginDenied``.
    """

    def requestAvatar(
        self, username: bytes | tuple[()], mind: object, *interfaces: Any
    ) -> tuple[Any, UnixConchUser, Callable[[], None]]:
        if not isinstance(username, bytes):
            raise LoginDenied("anonymous logins are not allowed")
        user = UnixConchUser(username.decode("utf-8"))
        return interfaces[0], user, user.logout


@implementer(IConchUser)
class UnixConchUser(avatar.ConchUser):
    """The account ``username`` of the password database (``pwd``): sessions, SFTP and
    TCP forwarding (both directions), acting as that user."""

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username
        entry = pwd.getpwnam(username)
        self.pwdData = entry
        groups = [entry[3]]
        if grp is not None:
            try:
                for group in grp.getgrall():
                    if username in group[3] and group[2] not in groups:
                        groups.append(group[2])
            except OSError:  # pragma: no cover - an unreadable group database
                pass
        self.otherGroups = groups
        self.listeners: dict[tuple[str, int], Any] = {}
        self.channelLookup.update(
            {
                b"session": session.SSHSession,
                b"direct-tcpip": forwarding.openConnectForwardingClient,
            }
        )
        self.subsystemLookup.update({b"sftp": filetransfer.FileTransferServer})

    def getUserGroupId(self) -> tuple[int, int]:
        """(uid, primary gid)."""
        return self.pwdData[2], self.pwdData[3]

    def getOtherGroups(self) -> list[int]:
        """Every group id the user is in, the primary one first."""
        return self.otherGroups

    def getHomeDir(self) -> str:
        """The home directory."""
        return str(self.pwdData[5])

    def getShell(self) -> str:
        """The login shell."""
        return str(self.pwdData[6])

    def global_tcpip_forward(self, data: bytes) -> Any:
        """Listen on the address the client asks for and forward its connections back.

        Ports below 1024 are refused unless the user is root.
        """
        hostToBind, portToBind = forwarding.unpackGlobal_tcpip_forward(data)
        from twistio.internet import reactor

        if portToBind < 1024 and self.getUserGroupId()[0] != 0:
            return 0
        try:
            listener = self._runAsUser(
                reactor.listenTCP,
                portToBind,
                forwarding.SSHListenForwardingFactory(
                    self.conn, (hostToBind, portToBind),
                    forwarding.SSHListenServerForwardingChannel,
                ),
                interface=hostToBind,
            )
        except Exception:
            return 0
        self.listeners[(hostToBind, portToBind)] = listener
        if portToBind == 0:
            return 1, struct.pack(">L", listener.getHost().port)
        return 1

    def global_cancel_tcpip_forward(self, data: bytes) -> int:
        """Stop a forwarding started by ``global_tcpip_forward``."""
        hostToBind, portToBind = forwarding.unpackGlobal_tcpip_forward(data)
        listener = self.listeners.pop((hostToBind, portToBind), None)
        if listener is None:
            return 0
        listener.stopListening()
        return 1

    def logout(self) -> None:
        """Stop the forwardings still listening."""
        for listener in self.listeners.values():
            listener.stopListening()
        self.listeners = {}
        _log.info("avatar {username} logging out", username=self.username)

    def _runAsUser(self, f: Any, *args: Any, **kw: Any) -> Any:
        """Call ``f(*args, **kw)`` (or each ``(f, args, kw)`` of an iterable ``f``, returning
        the last result) with the user's effective uid and groups, when running as root."""
        calls: Iterable[Any]
        try:
            calls = list(f)
        except TypeError:
            calls = [(f, args, kw)]
        if os.geteuid() != 0:
            return _call_each(calls)
        euid, egid = os.geteuid(), os.getegid()
        groups = os.getgroups()
        uid, gid = self.getUserGroupId()
        os.setegid(0)
        os.setgroups(self.getOtherGroups())
        os.setegid(gid)
        os.seteuid(uid)
        try:
            return _call_each(calls)
        finally:
            os.seteuid(0)
            os.setegid(0)
            os.setgroups(groups)
            os.setegid(egid)
            os.seteuid(euid)


def _call_each(calls: Iterable[Any]) -> Any:
    result = None
    for call in calls:
        function = call[0]
        args = call[1] if len(call) > 1 and call[1] else ()
        kw = call[2] if len(call) > 2 and call[2] else {}
        result = function(*args, **kw)
    return result


# RFC 4254, section 8: the terminal mode opcodes a client sends, and what termios calls them.
# Opcodes 1-18 are control characters, the others flags of iflag (30-41), lflag (50-62),
# oflag (70-75) and cflag (90-93).
_CC = ["VINTR", "VQUIT", "VERASE", "VKILL", "VEOF", "VEOL", "VEOL2", "VSTART", "VSTOP",
       "VSUSP", "VDSUSP", "VREPRINT", "VWERASE", "VLNEXT", "VFLUSH", "VSWTCH", "VSTATUS",
       "VDISCARD"]
_FLAGS = {
    30: (0, "IGNPAR"), 31: (0, "PARMRK"), 32: (0, "INPCK"), 33: (0, "ISTRIP"),
    34: (0, "INLCR"), 35: (0, "IGNCR"), 36: (0, "ICRNL"), 37: (0, "IUCLC"), 38: (0, "IXON"),
    39: (0, "IXANY"), 40: (0, "IXOFF"), 41: (0, "IMAXBEL"), 42: (0, "IUTF8"),
    50: (3, "ISIG"), 51: (3, "ICANON"), 52: (3, "XCASE"), 53: (3, "ECHO"), 54: (3, "ECHOE"),
    55: (3, "ECHOK"), 56: (3, "ECHONL"), 57: (3, "NOFLSH"), 58: (3, "TOSTOP"),
    59: (3, "IEXTEN"), 60: (3, "ECHOCTL"), 61: (3, "ECHOKE"), 62: (3, "PENDIN"),
    70: (1, "OPOST"), 71: (1, "OLCUC"), 72: (1, "ONLCR"), 73: (1, "OCRNL"), 74: (1, "ONOCR"),
    75: (1, "ONLRET"),
    90: (2, "CS7"), 91: (2, "CS8"), 92: (2, "PARENB"), 93: (2, "PARODD"),
}


@implementer(ISession)
class SSHSessionForUnixConchUser:
    """A session of a ``UnixConchUser``: its shell, or ``shell -c command``, run as the user
    in the home directory, on a pseudo-terminal when the client asked for one."""

    def __init__(self, avatar: UnixConchUser, reactor: Any = None) -> None:
        if reactor is None:
            from twistio.internet import reactor as _reactor

            reactor = _reactor
        self._reactor = reactor
        self.avatar = avatar
        self.environ: dict[str, str] = {"PATH": "/bin:/usr/bin:/usr/local/bin"}
        self.pty: Any = None
        self.ptyTuple: Any = 0
        self.modes: list[tuple[int, int]] = []

    def addUTMPEntry(self, loggedIn: int = 1) -> None:
        """Record the login in utmp: twistio keeps no utmp records (a no-op)."""

    def getPty(self, term: bytes, windowSize: tuple[int, int, int, int],
               modes: list[tuple[int, int]]) -> None:
        """Open a pseudo-terminal of ``windowSize`` for the coming shell or command."""
        master, slave = os.openpty()
        self.ptyTuple = (master, slave, os.ttyname(slave))
        self._resize(slave, windowSize)
        self.winSize, self.modes = windowSize, modes
        self.environ.update(TERM=term.decode("ascii", "replace"), SSH_TTY=self.ptyTuple[2])

    def _resize(self, fd: int, windowSize: tuple[int, int, int, int]) -> None:
        rows, cols, xpixel, ypixel = windowSize
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("4H", rows, cols, xpixel, ypixel))

    def _environment(self) -> dict[str, str]:
        env = dict(self.environ)
        env["HOME"] = self.avatar.getHomeDir()
        env["USER"] = env["LOGNAME"] = self.avatar.username
        env["SHELL"] = self.avatar.getShell()
        try:
            conn = self.avatar.conn
        except AttributeError:  # not logged in on a connection (yet)
            conn = None
        peer = getattr(getattr(conn, "transport", None), "transport", None)
        getPeer = getattr(peer, "getPeer", None)
        getHost = getattr(peer, "getHost", None)
        if getPeer is not None and getHost is not None:
            try:
                p, h = getPeer(), getHost()
                env["SSH_CLIENT"] = f"{p.host} {p.port} {h.port}"
            except (AttributeError, OSError):
                pass
        return env

    def _spawn(self, proto: Any, args: list[str]) -> None:
        uid, gid = self.avatar.getUserGroupId()
        if os.getuid() != 0:
            uid = gid = None  # type: ignore[assignment]
        shell = self.avatar.getShell()
        self.pty = self._reactor.spawnProcess(
            proto, shell, args, self._environment(), self.avatar.getHomeDir(), uid, gid,
            usePTY=self.ptyTuple,
        )
        if self.ptyTuple:
            self.setModes()

    def openShell(self, proto: Any) -> None:
        """Start the user's login shell (``-`` + its name as argv[0])."""
        shell = self.avatar.getShell()
        self._spawn(proto, ["-" + os.path.basename(shell)])

    def execCommand(self, proto: Any, cmd: Any) -> None:
        """Run ``cmd`` with the user's shell (``shell -c cmd``)."""
        if isinstance(cmd, bytes):
            cmd = cmd.decode("utf-8", "surrogateescape")
        shell = self.avatar.getShell()
        self._spawn(proto, [shell, "-c", cmd] if isinstance(cmd, str) else [shell, *cmd])

    def getPtyOwnership(self) -> None:
        """Give the terminal to the user (as root)."""
        if self.ptyTuple and os.getuid() == 0:
            uid, gid = self.avatar.getUserGroupId()
            os.chown(self.ptyTuple[2], uid, gid)

    def setModes(self) -> None:
        """Apply the client's terminal modes to the pseudo-terminal."""
        if not self.ptyTuple:
            return
        fd = self.ptyTuple[1]
        try:
            attrs = termios.tcgetattr(fd)
        except termios.error:
            return
        for opcode, value in self.modes:
            if 1 <= opcode <= len(_CC):
                index = getattr(termios, _CC[opcode - 1], None)
                if index is not None and index < len(attrs[6]):
                    attrs[6][index] = bytes([value & 0xFF])
            elif opcode in _FLAGS:
                field, name = _FLAGS[opcode]
                bit = getattr(termios, name, None)
                if bit is None:
                    continue
                if value:
                    attrs[field] |= bit
                else:
                    attrs[field] &= ~bit
        try:
            termios.tcsetattr(fd, termios.TCSANOW, attrs)
        except termios.error:
            pass

    def eofReceived(self) -> None:
        """The client sends no more: close the process's standard input."""
        if self.pty is not None:
            self.pty.closeStdin()

    def closed(self) -> None:
        """The channel closed: hang up the process."""
        if self.pty is not None:
            try:
                self.pty.signalProcess("HUP")
            except Exception:
                pass
            self.pty.loseConnection()
        _log.info("shell closed")

    def windowChanged(self, winSize: tuple[int, int, int, int]) -> None:
        """Resize the terminal."""
        self.winSize = winSize
        if self.ptyTuple:
            try:
                self._resize(self.ptyTuple[0], winSize)
            except OSError:
                pass


# The SFTP open flags, offered here too (as Twisted's module does).
FXF_READ, FXF_WRITE, FXF_APPEND = filetransfer.FXF_READ, filetransfer.FXF_WRITE, filetransfer.FXF_APPEND
FXF_CREAT, FXF_TRUNC, FXF_EXCL = filetransfer.FXF_CREAT, filetransfer.FXF_TRUNC, filetransfer.FXF_EXCL

# SFTP open flags that add an os.open flag.
_OPEN_FLAGS = ((filetransfer.FXF_APPEND, os.O_APPEND), (filetransfer.FXF_CREAT, os.O_CREAT),
               (filetransfer.FXF_TRUNC, os.O_TRUNC), (filetransfer.FXF_EXCL, os.O_EXCL))

# SFTP attribute names and the stat fields they come from (times are whole seconds).
_STAT_FIELDS = (("size", "st_size"), ("uid", "st_uid"), ("gid", "st_gid"),
                ("permissions", "st_mode"))


@implementer(ISFTPServer)
class SFTPServerForUnixConchUser:
    """SFTP on the machine's file system, as the avatar (relative paths from its home)."""

    def __init__(self, avatar: Any) -> None:
        self.avatar = avatar

    def _home(self) -> str:
        home = self.avatar.getHomeDir()
        return os.fsdecode(getattr(home, "path", home))

    def _absPath(self, path: bytes | str) -> str:
        """``path`` below the home directory (an absolute one as it is)."""
        return os.path.abspath(os.path.join(self._home(), os.fsdecode(path)))

    def _setAttrs(self, path: str, attrs: dict[str, Any]) -> None:
        # Runs as the user (through _runAsUser): times, then mode, then owner.
        if {"atime", "mtime"} <= attrs.keys():
            os.utime(path, (attrs["atime"], attrs["mtime"]))
        if "permissions" in attrs:
            os.chmod(path, attrs["permissions"])
        if {"uid", "gid"} <= attrs.keys():
            os.chown(path, attrs["uid"], attrs["gid"])

    def _getAttrs(self, s: os.stat_result) -> dict[str, Any]:
        attrs: dict[str, Any] = {name: getattr(s, field) for name, field in _STAT_FIELDS}
        attrs.update(atime=int(s.st_atime), mtime=int(s.st_mtime))
        return attrs

    def gotVersion(self, otherVersion: int, extData: dict[bytes, bytes]) -> dict[bytes, bytes]:
        return {}

    def openFile(self, filename: bytes, flags: int, attrs: dict[str, Any]) -> UnixSFTPFile:
        return UnixSFTPFile(self, self._absPath(filename), flags, attrs)

    def removeFile(self, filename: bytes) -> None:
        self.avatar._runAsUser(os.remove, self._absPath(filename))

    def renameFile(self, oldpath: bytes, newpath: bytes) -> None:
        self.avatar._runAsUser(os.rename, self._absPath(oldpath), self._absPath(newpath))

    def makeDirectory(self, path: bytes, attrs: dict[str, Any]) -> None:
        target = self._absPath(path)
        self.avatar._runAsUser([(os.mkdir, (target,)), (self._setAttrs, (target, attrs))])

    def removeDirectory(self, path: bytes) -> None:
        self.avatar._runAsUser(os.rmdir, self._absPath(path))

    def openDirectory(self, path: bytes) -> UnixSFTPDirectory:
        return UnixSFTPDirectory(self, self._absPath(path))

    def getAttrs(self, path: bytes, followLinks: bool) -> dict[str, Any]:
        stat = os.stat if followLinks else os.lstat
        return self._getAttrs(self.avatar._runAsUser(stat, self._absPath(path)))

    def setAttrs(self, path: bytes, attrs: dict[str, Any]) -> None:
        self.avatar._runAsUser(self._setAttrs, self._absPath(path), attrs)

    def readLink(self, path: bytes) -> str:
        return str(self.avatar._runAsUser(os.readlink, self._absPath(path)))

    def makeLink(self, linkPath: bytes, targetPath: bytes) -> None:
        self.avatar._runAsUser(os.symlink, self._absPath(targetPath), self._absPath(linkPath))

    def realPath(self, path: bytes) -> str:
        return os.path.realpath(self._absPath(path))

    def extendedRequest(self, extName: bytes, extData: bytes) -> bytes:
        raise NotImplementedError(extName.decode("ascii", "replace"))


@implementer(ISFTPFile)
class UnixSFTPFile:
    """A file opened for an SFTP client (``FXF_*`` flags; new files get ``attrs``)."""

    def __init__(self, server: SFTPServerForUnixConchUser, filename: str, flags: int,
                 attrs: dict[str, Any]) -> None:
        self.server = server
        if flags & filetransfer.FXF_WRITE:
            openFlags = os.O_RDWR if flags & filetransfer.FXF_READ else os.O_WRONLY
        else:
            openFlags = os.O_RDONLY
        for bit, extra in _OPEN_FLAGS:
            if flags & bit:
                openFlags |= extra
        attrs = dict(attrs)
        mode = attrs.pop("permissions", 0o777) & 0o7777
        self.fd: int = server.avatar._runAsUser(os.open, filename, openFlags, mode)
        if attrs:
            server.avatar._runAsUser(server._setAttrs, filename, attrs)

    def close(self) -> None:
        self.server.avatar._runAsUser(os.close, self.fd)

    def readChunk(self, offset: int, length: int) -> bytes:
        data: bytes = self.server.avatar._runAsUser(os.pread, self.fd, length, offset)
        if not data:
            raise EOFError("End of file")
        return data

    def writeChunk(self, offset: int, data: bytes) -> None:
        self.server.avatar._runAsUser(os.pwrite, self.fd, data, offset)

    def getAttrs(self) -> dict[str, Any]:
        return self.server._getAttrs(self.server.avatar._runAsUser(os.fstat, self.fd))

    def setAttrs(self, attrs: dict[str, Any]) -> None:
        raise NotImplementedError("setAttrs on an open file")


class UnixSFTPDirectory:
    """The entries of a directory, as ``(name, ls -l line, attrs)`` (names as bytes)."""

    def __init__(self, server: SFTPServerForUnixConchUser, directory: str) -> None:
        self.server = server
        self.dir = directory
        self.files: list[str] = server.avatar._runAsUser(os.listdir, directory)

    def __iter__(self) -> Iterator[tuple[bytes, bytes, dict[str, Any]]]:
        return self

    def __next__(self) -> tuple[bytes, bytes, dict[str, Any]]:
        try:
            name = self.files.pop(0)
        except IndexError:
            raise StopIteration from None
        s = os.lstat(os.path.join(self.dir, name))
        longname = lsLine(name, s)
        return os.fsencode(name), longname.encode("utf-8", "surrogateescape"), \
            self.server._getAttrs(s)

    def next(self) -> tuple[bytes, bytes, dict[str, Any]]:
        return self.__next__()

    def close(self) -> None:
        self.files = []


components.registerAdapter(SFTPServerForUnixConchUser, UnixConchUser, ISFTPServer)
components.registerAdapter(SSHSessionForUnixConchUser, UnixConchUser, ISession)
