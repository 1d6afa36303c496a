"""FTP (RFC 959, with RFC 2428's EPSV/EPRT): a server on cred and FilePath, and a client.

The server (``FTP``, built by ``FTPFactory``) logs users in through a cred portal whose
realm gives an ``IFTPShell`` (``FTPRealm`` and ``SystemFTPRealm`` give ``FTPShell`` on a
home directory, and ``FTPAnonymousShell``, read-only, for anonymous logins). Commands are
read one at a time: the next line is read once the previous command has answered. Data
connections are passive (``PASV``/``EPSV``: the server listens) or active
(``PORT``/``EPRT``: the server connects), and carry listings and files (``DTP``).

The client (``FTPClient``) queues commands and answers each with a Deferred of the reply
lines; ``retrieveFile``, ``storeFile``, ``list`` and ``nlst`` open the data connection
too (passive by default). ``FTPFileListProtocol`` parses ``LIST`` output.

Names on the wire are latin-1, as in Twisted.
"""

from __future__ import annotations

import errno
import fnmatch
import glob
import ipaddress
import os
import re
import stat as _stat
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast
from typing import Protocol as _TypingProtocol

from twistio.cred import checkers, credentials, portal
from twistio.cred import error as cred_error
from twistio.internet import defer, error, interfaces, protocol
from twistio.internet.interfaces import IConsumer, Interface, implementer
from twistio.protocols import basic, policies
from twistio.python import failure, filepath, log

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport
    from twistio.internet.address import IPv4Address

try:
    import grp
    import pwd
except ImportError:  # pragma: no cover - not on Windows
    grp = pwd = None  # type: ignore[assignment]


def _reactor() -> Any:
    from twistio.internet import reactor

    return reactor


# -- reply codes -----------------------------------------------------------------------------

# Reply keys: the code, with a suffix where one code has several texts.
RESTART_MARKER_REPLY = "100"
SERVICE_READY_IN_N_MINUTES = "120"
DATA_CNX_ALREADY_OPEN_START_XFR = "125"
FILE_STATUS_OK_OPEN_DATA_CNX = "150"
CMD_OK = "200.1"
TYPE_SET_OK = "200.2"
ENTERING_PORT_MODE = "200.3"
EPSV_ALL_OK = "200.4"
CMD_NOT_IMPLMNTD_SUPERFLUOUS = "202"
SYS_STATUS_OR_HELP_REPLY = "211.1"
FEAT_OK = "211.2"
DIR_STATUS = "212"
FILE_STATUS = "213"
HELP_MSG = "214"
NAME_SYS_TYPE = "215"
SVC_READY_FOR_NEW_USER = "220.1"
WELCOME_MSG = "220.2"
SVC_CLOSING_CTRL_CNX = "221.1"
GOODBYE_MSG = "221.2"
DATA_CNX_OPEN_NO_XFR_IN_PROGRESS = "225"
CLOSING_DATA_CNX = "226.1"
TXFR_COMPLETE_OK = "226.2"
ENTERING_PASV_MODE = "227"
ENTERING_EPSV_MODE = "229"
USR_LOGGED_IN_PROCEED = "230.1"
GUEST_LOGGED_IN_PROCEED = "230.2"
REQ_FILE_ACTN_COMPLETED_OK = "250"
PWD_REPLY = "257.1"
MKD_REPLY = "257.2"
USR_NAME_OK_NEED_PASS = "331.1"
GUEST_NAME_OK_NEED_EMAIL = "331.2"
NEED_ACCT_FOR_LOGIN = "332"
REQ_FILE_ACTN_PENDING_FURTHER_INFO = "350"
SVC_NOT_AVAIL_CLOSING_CTRL_CNX = "421.1"
TOO_MANY_CONNECTIONS = "421.2"
CANT_OPEN_DATA_CNX = "425"
CNX_CLOSED_TXFR_ABORTED = "426"
REQ_ACTN_ABRTD_FILE_UNAVAIL = "450"
REQ_ACTN_ABRTD_LOCAL_ERR = "451"
REQ_ACTN_ABRTD_INSUFF_STORAGE = "452"
SYNTAX_ERR = "500"
SYNTAX_ERR_IN_ARGS = "501"
CMD_NOT_IMPLMNTD = "502.1"
OPTS_NOT_IMPLEMENTED = "502.2"
PASV_IPV6_NOT_IMPLEMENTED = "502.3"
BAD_CMD_SEQ = "503"
CMD_NOT_IMPLMNTD_FOR_PARAM = "504"
UNSUPPORTED_NETWORK_PROTOCOL = "522"
NOT_LOGGED_IN = "530.1"
AUTH_FAILURE = "530.2"
NEED_ACCT_FOR_STOR = "532"
FILE_NOT_FOUND = "550.1"
PERMISSION_DENIED = "550.2"
ANON_USER_DENIED = "550.3"
IS_NOT_A_DIR = "550.4"
REQ_ACTN_NOT_TAKEN = "550.5"
FILE_EXISTS = "550.6"
IS_A_DIR = "550.7"
PAGE_TYPE_UNK = "551"
EXCEEDED_STORAGE_ALLOC = "552"
FILENAME_NOT_ALLOWED = "553"

#: Reply key -> reply text (``%s`` for its arguments; FEAT's is the two lines around the
#: feature list).
RESPONSE: dict[str, Any] = {
    RESTART_MARKER_REPLY: '110 MARK yyyy-mmmm',
    SERVICE_READY_IN_N_MINUTES: '120 service ready in %s minutes',
    DATA_CNX_ALREADY_OPEN_START_XFR: '125 Data connection already open, starting transfer',
    FILE_STATUS_OK_OPEN_DATA_CNX: '150 File status okay; about to open data connection.',
    CMD_OK: '200 Command OK',
    TYPE_SET_OK: '200 Type set to %s.',
    ENTERING_PORT_MODE: '200 PORT OK',
    EPSV_ALL_OK: '200 EPSV ALL OK',
    CMD_NOT_IMPLMNTD_SUPERFLUOUS: '202 Command not implemented, superfluous at this site',
    SYS_STATUS_OR_HELP_REPLY: '211 System status reply',
    FEAT_OK: ['211-Features:', '211 End'],
    DIR_STATUS: '212 %s',
    FILE_STATUS: '213 %s',
    HELP_MSG: '214 help: %s',
    NAME_SYS_TYPE: '215 UNIX Type: L8',
    SVC_READY_FOR_NEW_USER: '220 Service ready',
    WELCOME_MSG: '220 %s',
    SVC_CLOSING_CTRL_CNX: '221 Service closing control connection',
    GOODBYE_MSG: '221 Goodbye.',
    DATA_CNX_OPEN_NO_XFR_IN_PROGRESS: '225 data connection open, no transfer in progress',
    CLOSING_DATA_CNX: '226 Abort successful',
    TXFR_COMPLETE_OK: '226 Transfer Complete.',
    ENTERING_PASV_MODE: '227 Entering Passive Mode (%s).',
    ENTERING_EPSV_MODE: '229 Entering Extended Passive Mode (|||%s|).',
    USR_LOGGED_IN_PROCEED: '230 User logged in, proceed',
    GUEST_LOGGED_IN_PROCEED: '230 Anonymous login ok, access restrictions apply.',
    REQ_FILE_ACTN_COMPLETED_OK: '250 Requested File Action Completed OK',
    PWD_REPLY: '257 "%s"',
    MKD_REPLY: '257 "%s" created',
    USR_NAME_OK_NEED_PASS: '331 Password required for %s.',
    GUEST_NAME_OK_NEED_EMAIL: '331 Guest login ok, type your email address as password.',
    NEED_ACCT_FOR_LOGIN: '332 Need account for login.',
    REQ_FILE_ACTN_PENDING_FURTHER_INFO: '350 Requested file action pending further information.',
    SVC_NOT_AVAIL_CLOSING_CTRL_CNX: '421 Service not available, closing control connection.',
    TOO_MANY_CONNECTIONS: '421 Too many users right now, try again in a few minutes.',
    CANT_OPEN_DATA_CNX: "425 Can't open data connection.",
    CNX_CLOSED_TXFR_ABORTED: '426 Transfer aborted.  Data connection closed.',
    REQ_ACTN_ABRTD_FILE_UNAVAIL: '450 Requested action aborted. File unavailable.',
    REQ_ACTN_ABRTD_LOCAL_ERR: '451 Requested action aborted. Local error in processing.',
    REQ_ACTN_ABRTD_INSUFF_STORAGE: '452 Requested action aborted. Insufficient storage.',
    SYNTAX_ERR: '500 Syntax error: %s',
    SYNTAX_ERR_IN_ARGS: '501 syntax error in argument(s) %s.',
    CMD_NOT_IMPLMNTD: "502 Command '%s' not implemented",
    OPTS_NOT_IMPLEMENTED: "502 Option '%s' not implemented.",
    PASV_IPV6_NOT_IMPLEMENTED: '502 PASV available only for IPv4 (use EPSV instead)',
    BAD_CMD_SEQ: '503 Incorrect sequence of commands: %s',
    CMD_NOT_IMPLMNTD_FOR_PARAM: "504 Not implemented for parameter '%s'.",
    UNSUPPORTED_NETWORK_PROTOCOL: '522 Network protocol not supported, use (%s)',
    NOT_LOGGED_IN: '530 Please login with USER and PASS.',
    AUTH_FAILURE: '530 Sorry, Authentication failed.',
    NEED_ACCT_FOR_STOR: '532 Need an account for storing files',
    FILE_NOT_FOUND: '550 %s: No such file or directory.',
    PERMISSION_DENIED: '550 %s: Permission denied.',
    ANON_USER_DENIED: '550 Anonymous users are forbidden to change the filesystem',
    IS_NOT_A_DIR: '550 Cannot rmd, %s is not a directory',
    REQ_ACTN_NOT_TAKEN: '550 Requested action not taken: %s',
    FILE_EXISTS: '550 %s: File exists',
    IS_A_DIR: '550 %s: is a directory',
    PAGE_TYPE_UNK: '551 Page type unknown',
    EXCEEDED_STORAGE_ALLOC: '552 Requested file action aborted, exceeded file storage allocation',
    FILENAME_NOT_ALLOWED: '553 Requested action not taken, file name not allowed',
}  # fmt: skip


#: A path as the shell sees it: its segments from the root.
_Segments = list[str]
_Values = list[Any]

# RFC 2428's address family numbers.
_AFNUM_IP = 1
_AFNUM_IP6 = 2


# -- errors ----------------------------------------------------------------------------------


class InvalidPath(Exception):
    """A path that leaves the root, or holds a NUL."""


class FTPCmdError(Exception):
    """A command failed: ``response()`` is the reply for it (``errorCode`` is its key)."""

    errorCode: str

    def __init__(self, *msg: Any) -> None:
        super().__init__(*msg)
        self.errorMessage = msg

    def response(self) -> str:
        """The reply line."""
        return RESPONSE[self.errorCode] % self.errorMessage  # type: ignore[no-any-return]


def _cmd_error(name: str, key: str, doc: str) -> type[FTPCmdError]:
    return type(name, (FTPCmdError,), {"errorCode": key, "__doc__": doc, "__module__": __name__})


FileNotFoundError = _cmd_error("FileNotFoundError", "550.1", "No such file or directory.")
AnonUserDeniedError = _cmd_error(
    "AnonUserDeniedError", "550.3", "An anonymous user tried to change the filesystem."
)
PermissionDeniedError = _cmd_error("PermissionDeniedError", "550.2", "Access denied.")
IsNotADirectoryError = _cmd_error("IsNotADirectoryError", "550.4", "RMD of a non-directory.")
FileExistsError = _cmd_error("FileExistsError", "550.6", "The target exists.")
IsADirectoryError = _cmd_error(
    "IsADirectoryError", "550.7", "DELE (or a file command) on a directory."
)
CmdSyntaxError = _cmd_error("CmdSyntaxError", "500", "The command's syntax is wrong.")
CmdArgSyntaxError = _cmd_error("CmdArgSyntaxError", "501", "Wrong arguments.")
CmdNotImplementedError = _cmd_error("CmdNotImplementedError", "502.1", "No such command here.")
CmdNotImplementedForArgError = _cmd_error(
    "CmdNotImplementedForArgError", "504", "The command does not support this argument."
)
BadCmdSequenceError = _cmd_error("BadCmdSequenceError", "503", "Commands out of order.")
AuthorizationError = _cmd_error("AuthorizationError", "530.2", "Login failed.")
PASVIPv6NotImplementedError = _cmd_error(
    "PASVIPv6NotImplementedError", "502.3", "PASV on an IPv6 connection."
)
UnsupportedNetworkProtocolError = _cmd_error(
    "UnsupportedNetworkProtocolError", "522", "EPRT/EPSV for a network protocol not served."
)


class FTPError(Exception):
    """Base of the client's errors."""


class PortConnectionError(Exception):
    """The data connection could not be made."""


class BadResponse(FTPError):
    """A reply with an unknown code."""


class UnexpectedResponse(FTPError):
    """A reply when none was expected."""


class UnexpectedData(FTPError):
    """Data when none was expected."""


class CommandFailed(FTPError):
    """A 4xx or 5xx reply: the exception's argument is the reply's lines."""


class ConnectionLost(FTPError):
    """The control connection went away."""


_ERRNO_ERRORS: dict[int, type[FTPCmdError]] = {
    errno.ENOENT: FileNotFoundError,
    errno.EACCES: PermissionDeniedError,
    errno.EPERM: PermissionDeniedError,
    errno.ENOTDIR: IsNotADirectoryError,
    errno.EEXIST: FileExistsError,
    errno.EISDIR: IsADirectoryError,
}


def errnoToFailure(e: int, path: Any) -> defer.Deferred[Any]:
    """A failed Deferred with the FTP error for the OS error number ``e`` on ``path``;
    another number fails with the exception being handled."""
    kind = _ERRNO_ERRORS.get(e)
    if kind is not None:
        return defer.fail(kind(path))
    return defer.fail()


# -- paths and addresses ---------------------------------------------------------------------


def toSegments(cwd: Sequence[str], path: str) -> list[str]:
    """The segments of ``path`` resolved against the working directory ``cwd`` (a list of
    segments); ``InvalidPath`` if it climbs above the root or holds a NUL."""
    segments = [] if path.startswith("/") else list(cwd)
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not segments:
                raise InvalidPath(cwd, path)
            segments.pop()
        elif "\0" in part:
            raise InvalidPath(cwd, path)
        else:
            segments.append(part)
    return segments


def _isGlobbingExpression(segments: Sequence[str] | None = None) -> bool:
    """Whether the last segment holds shell wildcards (``*``, ``?``, ``[...]``)."""
    if not segments:
        return False
    last = segments[-1]
    return fnmatch.translate(last) != fnmatch.translate(glob.escape(last))


def encodeHostPort(host: str, port: int) -> str:
    """``h1,h2,h3,h4,p1,p2`` for PORT and PASV."""
    return ",".join([*host.split("."), str(port >> 8), str(port & 0xFF)])


def decodeHostPort(line: str) -> tuple[str, int]:
    """The host and port in ``h1,h2,h3,h4,p1,p2`` (other characters than digits, commas and
    spaces are ignored); ``ValueError`` if malformed."""
    kept = re.sub(r"[^0-9, ]", "", line)
    numbers = [int(part.strip()) for part in kept.split(",")]
    for number in numbers:
        if not 0 <= number <= 255:
            raise ValueError("Out of range", line, number)
    a, b, c, d, high, low = numbers
    return f"{a}.{b}.{c}.{d}", (high << 8) + low


def decodeExtendedAddress(address: str) -> tuple[str, str, int]:
    """The (protocol, host, port) of an EPRT/EPSV address: ``<d>proto<d>host<d>port<d>``
    with any delimiter ``d``."""
    delimiter = address[0]
    fields = address[1:].split(delimiter)
    proto, host, port, end = fields
    if end:
        raise ValueError(f"address {address!r} does not end with its delimiter")
    return proto, host, int(port)


def parsePWDResponse(response: str) -> str | None:
    """The path quoted in a PWD reply, or None."""
    found = re.search('"(.*)"', response)
    return found.group(1) if found else None


def _unwrapFirstError(reason: failure.Failure) -> failure.Failure:
    reason.trap(defer.FirstError)
    return reason.value.subFailure  # type: ignore[no-any-return]


# -- interfaces ------------------------------------------------------------------------------


class IFTPShell(Interface, _TypingProtocol):
    """A user's view of a filesystem. Paths are lists of segments; every method returns a
    Deferred (failing with an ``FTPCmdError`` for an FTP error)."""

    def makeDirectory(self, path: _Segments) -> defer.Deferred[Any]: ...

    def removeDirectory(self, path: _Segments) -> defer.Deferred[Any]: ...

    def removeFile(self, path: _Segments) -> defer.Deferred[Any]: ...

    def rename(self, fromPath: _Segments, toPath: _Segments) -> defer.Deferred[Any]: ...

    def access(self, path: _Segments) -> defer.Deferred[Any]: ...

    def stat(self, path: _Segments, keys: Sequence[str] = ()) -> defer.Deferred[Any]: ...

    def list(self, path: _Segments, keys: Sequence[str] = ()) -> defer.Deferred[Any]: ...

    def openForReading(self, path: _Segments) -> defer.Deferred[Any]: ...

    def openForWriting(self, path: _Segments) -> defer.Deferred[Any]: ...


class IReadFile(Interface, _TypingProtocol):
    """A file being read: ``send(consumer)`` writes it all; a Deferred of the end."""

    def send(self, consumer: Any) -> defer.Deferred[Any]: ...


class IWriteFile(Interface, _TypingProtocol):
    """A file being written: ``receive()`` gives a Deferred of its consumer; ``close()`` a
    Deferred of its closing."""

    def receive(self) -> defer.Deferred[Any]: ...

    def close(self) -> defer.Deferred[Any]: ...


class IFinishableConsumer(IConsumer, _TypingProtocol):
    """A consumer that is told when the data ends."""

    def finish(self) -> None: ...


# -- files -----------------------------------------------------------------------------------


@implementer(IReadFile)
class _FileReader:
    """An open file sent through a consumer, closed once sent."""

    def __init__(self, fObj: Any) -> None:
        self.fObj = fObj
        self._send = False

    def _close(self, passthrough: Any) -> Any:
        self._send = True
        self.fObj.close()
        return passthrough

    def send(self, consumer: Any) -> defer.Deferred[Any]:
        assert not self._send, "Can only call IReadFile.send *once* per instance"
        self._send = True
        d = basic.FileSender().beginFileTransfer(self.fObj, consumer)
        d.addBoth(self._close)
        return d


@implementer(IConsumer)
class FileConsumer:
    """A consumer writing to an open file, which it closes when the producer leaves."""

    def __init__(self, fObj: Any) -> None:
        self.fObj = fObj
        self.producer: Any = None

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.producer = producer
        assert streaming

    def unregisterProducer(self) -> None:
        self.producer = None
        self.fObj.close()

    def write(self, bytes: bytes) -> None:
        self.fObj.write(bytes)


@implementer(IWriteFile)
class _FileWriter:
    """An open file written through a ``FileConsumer``."""

    def __init__(self, fObj: Any) -> None:
        self.fObj = fObj
        self._receive = False

    def receive(self) -> defer.Deferred[Any]:
        assert not self._receive, "Can only call IWriteFile.receive *once* per instance"
        self._receive = True
        return defer.succeed(FileConsumer(self.fObj))

    def close(self) -> defer.Deferred[Any]:
        return defer.succeed(None)


class ASCIIConsumerWrapper:
    """A consumer that turns this platform's line ends into CRLF on the way through
    (TYPE A)."""

    def __init__(self, cons: Any) -> None:
        self.cons = cons
        self.registerProducer = cons.registerProducer
        self.unregisterProducer = cons.unregisterProducer
        assert os.linesep == "\r\n" or len(os.linesep) == 1, "Unsupported platform"
        if os.linesep == "\r\n":
            self.write = cons.write  # type: ignore[method-assign]

    def write(self, bytes: bytes) -> None:
        return self.cons.write(bytes.replace(os.linesep.encode("ascii"), b"\r\n"))  # type: ignore[no-any-return]


# -- shells ----------------------------------------------------------------------------------


def _owner_name(number: int, lookup: Any) -> str:
    if lookup is not None:
        try:
            return lookup(number)[0]  # type: ignore[no-any-return]
        except KeyError:
            pass
    return str(number)


def _outcome(where: Any, work: Callable[[], Any]) -> defer.Deferred[Any]:
    """Run ``work`` now and hand back its value as a fired Deferred: an OS error becomes
    the FTP error its errno stands for (about ``where``), anything else fails as raised."""
    try:
        value = work()
    except OSError as oops:
        return errnoToFailure(oops.errno or 0, where)
    except BaseException:
        return defer.fail()
    return defer.succeed(value)


@implementer(IFTPShell)
class FTPAnonymousShell:
    """A read-only shell on ``filesystemRoot`` (a ``FilePath``): every change is refused."""

    def __init__(self, filesystemRoot: filepath.FilePath[Any]) -> None:
        self.filesystemRoot = filesystemRoot

    def _path(self, path: Iterable[str]) -> filepath.FilePath[Any]:
        node = self.filesystemRoot
        for segment in path:
            node = node.child(segment)
        return node

    def makeDirectory(self, path: _Segments) -> defer.Deferred[Any]:
        return defer.fail(AnonUserDeniedError())

    def removeDirectory(self, path: _Segments) -> defer.Deferred[Any]:
        return defer.fail(AnonUserDeniedError())

    def removeFile(self, path: _Segments) -> defer.Deferred[Any]:
        return defer.fail(AnonUserDeniedError())

    def rename(self, fromPath: _Segments, toPath: _Segments) -> defer.Deferred[Any]:
        return defer.fail(AnonUserDeniedError())

    def receive(self, path: _Segments) -> defer.Deferred[Any]:
        path = self._path(path)  # type: ignore[assignment]
        return defer.fail(AnonUserDeniedError())

    def _openFile(self, path: _Segments, mode: Literal["r", "w"], wrapper: Callable[[Any], Any]) -> Any:
        # Reading and writing share this: a directory is never opened as a file.
        target = self._path(path)
        if target.isdir():
            return defer.fail(IsADirectoryError(path))
        return _outcome(path, lambda: wrapper(target.open(mode)))

    def openForReading(self, path: _Segments) -> defer.Deferred[Any]:
        """An ``IReadFile`` for the file at ``path``."""
        return self._openFile(path, "r", _FileReader)  # type: ignore[no-any-return]

    def openForWriting(self, path: _Segments) -> defer.Deferred[Any]:
        """Refused: anonymous users may not store files."""
        return defer.fail(PermissionDeniedError("STOR not allowed"))

    def access(self, path: _Segments) -> defer.Deferred[Any]:
        target = self._path(path)
        if target.exists():
            # Listing it is the test: a directory we may not read fails here.
            return _outcome(path, target.listdir).addCallback(lambda _: None)
        return defer.fail(FileNotFoundError(path))

    def stat(self, path: _Segments, keys: Sequence[str] = ()) -> defer.Deferred[Any]:
        target = self._path(path)
        if not target.isdir():
            return self.list(path, keys).addCallback(lambda rows: rows[0][1])
        return _outcome(path, lambda: self._statNode(target, keys))

    def list(self, path: _Segments, keys: Sequence[str] = ()) -> defer.Deferred[Any]:
        """``[(name, [value of each key]), ...]`` for the directory at ``path`` (or the one
        file there, named by its path from the root)."""
        target = self._path(path)
        if target.isdir():
            listed = [(child, target.child(child)) for child in target.listdir()]
        elif target.isfile():
            listed = [(os.path.join(*target.segmentsFrom(self.filesystemRoot)), target)]
        else:
            return defer.fail(FileNotFoundError(path))
        rows: list[tuple[Any, list[Any]]] = []
        for label, node in listed:
            try:
                rows.append((label, self._statNode(node, keys) if keys else []))
            except OSError as oops:
                return errnoToFailure(oops.errno or 0, label)
            except BaseException:
                return defer.fail()
        return defer.succeed(rows)

    def _statNode(self, filePath: filepath.FilePath[Any], keys: Sequence[str]) -> _Values:
        filePath.restat()
        return [getattr(self, "_stat_" + key)(filePath) for key in keys]

    def _stat_size(self, fp: filepath.FilePath[Any]) -> int:
        return fp.getsize()

    def _stat_permissions(self, fp: filepath.FilePath[Any]) -> Any:
        return fp.getPermissions()

    def _stat_hardlinks(self, fp: filepath.FilePath[Any]) -> int:
        try:
            return fp.getNumberOfHardLinks()
        except NotImplementedError:
            return 0

    def _stat_modified(self, fp: filepath.FilePath[Any]) -> float:
        return fp.getModificationTime()

    def _stat_owner(self, fp: filepath.FilePath[Any]) -> str:
        try:
            number = fp.getUserID()
        except NotImplementedError:
            return "0"
        return _owner_name(number, pwd.getpwuid if pwd is not None else None)

    def _stat_group(self, fp: filepath.FilePath[Any]) -> str:
        try:
            number = fp.getGroupID()
        except NotImplementedError:
            return "0"
        return _owner_name(number, grp.getgrgid if grp is not None else None)

    def _stat_directory(self, fp: filepath.FilePath[Any]) -> bool:
        return fp.isdir()


@implementer(IFTPShell)
class FTPShell(FTPAnonymousShell):
    """A shell with full access to the files under its root."""

    def makeDirectory(self, path: _Segments) -> defer.Deferred[Any]:
        return _outcome(path, self._path(path).makedirs)

    def removeDirectory(self, path: _Segments) -> defer.Deferred[Any]:
        target = self._path(path)
        if target.isfile():
            # RMD on a plain file: say so plainly instead of passing on rmdir's ENOTDIR.
            return defer.fail(IsNotADirectoryError(path))
        return _outcome(path, lambda: os.rmdir(target.path))

    def removeFile(self, path: _Segments) -> defer.Deferred[Any]:
        target = self._path(path)
        if not target.isdir():
            return _outcome(path, target.remove)
        return defer.fail(IsADirectoryError(path))

    def rename(self, fromPath: _Segments, toPath: _Segments) -> defer.Deferred[Any]:
        old, new = self._path(fromPath).path, self._path(toPath).path
        return _outcome(fromPath, lambda: os.rename(old, new))

    def openForWriting(self, path: _Segments) -> defer.Deferred[Any]:
        """An ``IWriteFile`` for the file at ``path`` (created or truncated)."""
        return self._openFile(path, "w", _FileWriter)  # type: ignore[no-any-return]


# -- realms ----------------------------------------------------------------------------------


@implementer(portal.IRealm)
class BaseFTPRealm:
    """A realm giving ``FTPAnonymousShell`` on ``anonymousRoot`` to anonymous logins, and
    ``FTPShell`` on ``getHomeDirectory(avatarId)`` (to override) to the others."""

    def __init__(self, anonymousRoot: Any) -> None:
        self.anonymousRoot = filepath.FilePath(anonymousRoot)

    def getHomeDirectory(self, avatarId: Any) -> filepath.FilePath[Any]:
        """Override: the home directory of ``avatarId``."""
        raise NotImplementedError(f"{type(self)!r} did not override getHomeDirectory")

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        for iface in interfaces:
            if iface is IFTPShell:
                if avatarId is checkers.ANONYMOUS:
                    avatar: Any = FTPAnonymousShell(self.anonymousRoot)
                else:
                    avatar = FTPShell(self.getHomeDirectory(avatarId))
                return IFTPShell, avatar, getattr(avatar, "logout", lambda: None)
        raise NotImplementedError("Only IFTPShell interface is supported by this realm")


class FTPRealm(BaseFTPRealm):
    """Home directories are ``userHome/<avatarId>``."""

    def __init__(self, anonymousRoot: Any, userHome: Any = "/home") -> None:
        super().__init__(anonymousRoot)
        self.userHome = filepath.FilePath(userHome)

    def getHomeDirectory(self, avatarId: Any) -> filepath.FilePath[Any]:
        if isinstance(avatarId, bytes):
            avatarId = avatarId.decode("utf-8")
        return self.userHome.child(avatarId)


class SystemFTPRealm(BaseFTPRealm):
    """Home directories are the system accounts' (``~user``)."""

    def getHomeDirectory(self, avatarId: Any) -> filepath.FilePath[Any]:
        if isinstance(avatarId, bytes):
            avatarId = avatarId.decode("utf-8")
        path = os.path.expanduser("~" + avatarId)
        if path.startswith("~"):
            raise cred_error.UnauthorizedLogin()
        return filepath.FilePath(path)


# -- the data connection ---------------------------------------------------------------------


def _list_date(modified: float) -> str:
    stamp = time.gmtime(modified)
    if stamp.tm_year == time.gmtime().tm_year:
        return time.strftime("%b %d %H:%M", stamp)
    return time.strftime("%b %d  %Y", stamp)


@implementer(interfaces.IConsumer, interfaces.IPushProducer)
class DTP(protocol.Protocol):
    """The server's end of a data connection: sends listings and files, and hands what it
    receives to a registered consumer (bytes before one registers are kept)."""

    transport: ConnectionTransport
    isConnected = False
    _cons: Any = None
    _onConnLost: defer.Deferred[Any] | None = None
    _buffer: list[bytes] | None = None
    _encoding = "latin-1"
    factory: Any
    pi: Any

    def connectionMade(self) -> None:
        self.isConnected = True
        self._buffer = []
        self.factory.deferred.callback(None)

    def connectionLost(self, reason: failure.Failure = protocol.connectionDone) -> None:
        self.isConnected = False
        waiting: defer.Deferred[Any] | None = self._onConnLost
        self._onConnLost = None
        if waiting is not None:
            waiting.callback(None)

    def sendLine(self, line: bytes | str) -> None:
        """Send ``line`` and CRLF."""
        if isinstance(line, str):
            line = line.encode(self._encoding)
        self.transport.write(line + b"\r\n")

    def _formatOneListResponse(
        self,
        name: bytes,
        size: int,
        directory: bool,
        permissions: Any,
        hardlinks: int,
        modified: float,
        owner: str,
        group: str,
    ) -> bytes:
        """One ``ls -l`` style line."""
        head = (
            f"{'d' if directory else '-'}{permissions.shorthand()} {hardlinks:>3} "
            f"{owner[:8]:<9} {group[:8]:<9} {size:>15} {_list_date(modified)} "
        )
        return head.encode(self._encoding) + name

    def sendListResponse(self, name: bytes, response: Sequence[Any]) -> None:
        self.sendLine(self._formatOneListResponse(name, *response))

    # IConsumer, for files sent
    def registerProducer(self, producer: Any, streaming: bool) -> None:
        return self.transport.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        self.transport.unregisterProducer()
        self.transport.loseConnection()

    def write(self, data: bytes) -> None:
        if self.isConnected:
            return self.transport.write(data)
        raise Exception("Crap damn crap damn crap damn")

    # files received
    def _conswrite(self, bytes: bytes) -> None:
        try:
            self._cons.write(bytes)
        except BaseException:
            waiting = self._onConnLost
            if waiting is not None:
                self._onConnLost = None
                waiting.errback()

    def dataReceived(self, bytes: bytes) -> None:
        if self._cons is not None:
            self._conswrite(bytes)
        else:
            assert self._buffer is not None
            self._buffer.append(bytes)

    def _unregConsumer(self, ignored: Any) -> Any:
        self._cons.unregisterProducer()
        self._cons = None
        del self._onConnLost
        return ignored

    def registerConsumer(self, cons: Any) -> defer.Deferred[Any]:
        """Send what arrives to ``cons``; a Deferred of the connection's end."""
        assert self._cons is None
        self._cons = cons
        self._cons.registerProducer(self, True)
        for chunk in self._buffer or []:
            self._conswrite(chunk)
        self._buffer = None
        if self.isConnected:
            waiting: defer.Deferred[Any] = defer.Deferred()
            self._onConnLost = waiting
            waiting.addBoth(self._unregConsumer)
            return waiting
        self._cons.unregisterProducer()
        self._cons = None
        return defer.succeed(None)

    # IPushProducer, for files received
    def resumeProducing(self) -> None:
        self.transport.resumeProducing()

    def pauseProducing(self) -> None:
        self.transport.pauseProducing()

    def stopProducing(self) -> None:
        self.transport.stopProducing()


class DTPFactory(protocol.ClientFactory):
    """Makes the one ``DTP`` of a data connection, for the protocol interpreter ``pi``;
    ``deferred`` fires once it is connected (or fails with ``PortConnectionError``).

    With ``peerCheck``, only a connection from ``peerHost`` is accepted.
    """

    peerCheck = False
    # "waiting" for the connection, then "connected" or "failed": one outcome only.
    _phase = "waiting"

    def __init__(self, pi: Any, peerHost: str | None = None, reactor: Any = None) -> None:
        self.pi = pi
        self.peerHost = peerHost
        self.deferred: defer.Deferred[Any] | None = defer.Deferred()
        self.delayedCall: Any = None
        self._reactor = _reactor() if reactor is None else reactor

    def buildProtocol(self, addr: Any) -> DTP | None:
        """The data connection's protocol: the first connection only."""
        if self._phase != "waiting":
            return None
        self._phase = "connected"
        self.cancelTimeout()
        dtp = DTP()
        dtp.factory, dtp.pi = self, self.pi
        self.pi.dtpInstance = dtp
        return dtp

    def stopFactory(self) -> None:
        log.msg("dtpFactory.stopFactory", debug=True)
        self.cancelTimeout()

    def timeoutFactory(self) -> None:
        log.msg("timed out waiting for DTP connection")
        self._fail(PortConnectionError(defer.TimeoutError("DTPFactory timeout")))

    def _fail(self, reason: Exception) -> None:
        if self._phase != "waiting":
            return
        self._phase = "failed"
        waiting, self.deferred = self.deferred, None
        if waiting is not None:
            waiting.errback(reason)

    def cancelTimeout(self) -> None:
        call = self.delayedCall
        if call is not None and call.active():
            log.msg("cancelling DTP timeout", debug=True)
            call.cancel()

    def setTimeout(self, seconds: float) -> None:
        log.msg(f"DTPFactory.setTimeout set to {seconds} seconds")
        self.delayedCall = self._reactor.callLater(seconds, self.timeoutFactory)

    def clientConnectionFailed(self, connector: Any, reason: failure.Failure) -> None:
        self._fail(PortConnectionError(reason))


# -- the server ------------------------------------------------------------------------------


class FTP(basic.LineReceiver, policies.TimeoutMixin):
    """The protocol interpreter: one control connection of the server.

    ``state`` is ``UNAUTH`` (before USER), ``INAUTH`` (between USER and PASS), ``AUTHED``
    or ``RENAMING`` (between RNFR and RNTO). Each ``ftp_<COMMAND>`` method answers with a
    reply key, a tuple of a key and its arguments, None (it replied itself) or a Deferred
    of those; an ``FTPCmdError`` failure replies with the error's line.
    """

    disconnected = False
    UNAUTH, INAUTH, AUTHED, RENAMING = range(4)
    dtpTimeout = 10
    portal: Any = None
    shell: Any = None
    dtpFactory: DTPFactory | None = None
    dtpPort: Any = None
    dtpInstance: DTP | None = None
    timeOut: Any = 600
    passivePortRange = range(0, 1)
    # Reachable before login; announced by FEAT.
    PUBLIC_COMMANDS = ["FEAT", "QUIT"]
    FEATURES = ["FEAT", "MDTM", "PASV", "SIZE", "TYPE A;I"]
    binary = True
    _epsvAll = False
    _supportedNetworkProtocols = (_AFNUM_IP, _AFNUM_IP6)
    _encoding = "latin-1"
    factory: Any
    workingDirectory: list[str]

    @staticmethod
    def listenFactory(port: int, factory: Any, backlog: int = 50, interface: str = "") -> Any:
        """Listen for a passive data connection (the reactor's ``listenTCP``)."""
        return _reactor().listenTCP(port, factory, backlog, interface)

    def reply(self, key: str, *args: Any) -> None:
        """Send the reply ``key`` with ``args``."""
        text = RESPONSE[key]
        if isinstance(text, list):
            for line in text:
                self.sendLine(line)
        else:
            self.sendLine(text % args)

    def sendLine(self, line: bytes | str) -> None:
        """Send a line (text is encoded as latin-1)."""
        if isinstance(line, str):
            line = line.encode(self._encoding)
        super().sendLine(line)

    def connectionMade(self) -> None:
        self.state = self.UNAUTH
        self.setTimeout(self.timeOut)
        self.reply(WELCOME_MSG, self.factory.welcomeMessage)

    def connectionLost(self, reason: failure.Failure = protocol.connectionDone) -> None:
        if self.dtpFactory is not None:
            self.cleanupDTP()
        self.setTimeout(None)
        logout = getattr(self.shell, "logout", None)
        if logout is not None:
            logout()
        self.shell = None
        self.transport = None  # type: ignore[assignment]  # as Twisted's: the connection is gone

    def timeoutConnection(self) -> None:
        self.transport.loseConnection()

    def lineReceived(self, line: bytes) -> Any:
        """Run the command; read no further line until it has answered."""
        self.resetTimeout()
        self.pauseProducing()
        text = line.decode(self._encoding)
        command, _, rest = text.partition(" ")
        params = (rest,) if " " in text else ()

        def answered(result: Any) -> None:
            if isinstance(result, tuple):
                self.reply(*result)
            elif result is not None:
                self.reply(result)

        def failed(reason: failure.Failure) -> None:
            if reason.check(FTPCmdError):
                self.sendLine(reason.value.response())
            elif reason.check(TypeError) and _is_arity_error(reason.value):
                self.reply(SYNTAX_ERR, f"{command.upper()} requires an argument.")
            else:
                log.msg("Unexpected FTP error")
                log.err(reason)
                self.reply(REQ_ACTN_NOT_TAKEN, "internal server error")

        def resume(ignored: Any) -> Any:
            if not self.disconnected:
                self.resumeProducing()
            return ignored

        d = defer.maybeDeferred(self.processCommand, command, *params)
        d.addCallbacks(answered, failed)
        d.addErrback(log.err)
        # The next command is read on the next turn of the loop, as in Twisted.
        _reactor().callLater(0, d.addBoth, resume)
        return d

    def processCommand(self, cmd: str, *params: str) -> Any:
        """Dispatch ``cmd`` as the login state allows."""
        cmd = cmd.upper()
        if cmd in self.PUBLIC_COMMANDS or self.state == self.AUTHED:
            method = getattr(self, "ftp_" + cmd, None)
            if method is None:
                return defer.fail(CmdNotImplementedError(cmd))
            return method(*params)
        if self.state == self.UNAUTH:
            if cmd == "USER":
                return self.ftp_USER(*params)
            if cmd == "PASS":
                return BAD_CMD_SEQ, "USER required before PASS"
            return NOT_LOGGED_IN
        if self.state == self.INAUTH:
            if cmd == "PASS":
                return self.ftp_PASS(*params)
            return BAD_CMD_SEQ, "PASS required after USER"
        if self.state == self.RENAMING:
            if cmd == "RNTO":
                return self.ftp_RNTO(*params)
            return BAD_CMD_SEQ, "RNTO required after RNFR"
        return None

    # -- login

    def ftp_USER(self, username: str) -> Any:
        """The first half of a login."""
        if not username:
            return defer.fail(CmdSyntaxError("USER requires an argument"))
        self._user = username
        self.state = self.INAUTH
        if self.factory.allowAnonymous and username == self.factory.userAnonymous:
            return GUEST_NAME_OK_NEED_EMAIL
        return USR_NAME_OK_NEED_PASS, username

    def ftp_PASS(self, password: str) -> Any:
        """The second half of a login: ask the portal for an ``IFTPShell``."""
        user = self._user
        del self._user
        if self.factory.allowAnonymous and user == self.factory.userAnonymous:
            creds: Any = credentials.Anonymous()
            success = GUEST_LOGGED_IN_PROCEED
        else:
            creds = credentials.UsernamePassword(user, password)
            success = USR_LOGGED_IN_PROCEED

        def loggedIn(result: Any) -> str:
            if result[0] is not IFTPShell:
                raise TypeError(f"the realm answered {result[0]!r}, not IFTPShell")
            self.shell, self.logout = result[1:]
            self.state, self.workingDirectory = self.AUTHED, []
            return success

        def refused(reason: failure.Failure) -> Any:
            reason.trap(cred_error.UnauthorizedLogin, cred_error.UnhandledCredentials)
            self.state = self.UNAUTH
            raise AuthorizationError()

        d = self.portal.login(creds, None, IFTPShell)
        d.addCallbacks(loggedIn, refused)
        return d

    # -- data connections

    def _dataFactory(self, peerHost: str | None = None) -> DTPFactory:
        if self.dtpFactory is not None:
            self.cleanupDTP()
        self.dtpFactory = DTPFactory(pi=self, peerHost=peerHost)
        self.dtpFactory.setTimeout(self.dtpTimeout)
        return self.dtpFactory

    def getDTPPort(self, factory: Any, interface: str = "") -> Any:
        """A listening port in ``passivePortRange`` for ``factory``."""
        for number in self.passivePortRange:
            try:
                return self.listenFactory(number, factory, interface=interface)
            except error.CannotListenError:
                continue
        raise error.CannotListenError(
            "", number, OSError(f"No port available in range {self.passivePortRange}")
        )

    def ftp_PASV(self) -> Any:
        """Listen for the data connection (IPv4 only: EPSV serves both)."""
        if refused := self._epsvAllForbids("PASV"):
            return refused
        host = _ipv4(cast("IPv4Address", self.transport.getHost()).host)
        if host is None:
            return defer.fail(PASVIPv6NotImplementedError())
        factory = self._dataFactory()
        self.dtpPort = self.getDTPPort(factory)
        self.reply(ENTERING_PASV_MODE, encodeHostPort(host, self.dtpPort.getHost().port))
        assert factory.deferred is not None
        return factory.deferred.addCallback(lambda ign: None)

    def _validateNetworkProtocol(self, protocol: str) -> int:
        """The address family number ``protocol`` names: ``CmdArgSyntaxError`` if it is
        not a number, ``UnsupportedNetworkProtocolError`` if it is not served."""
        try:
            number = int(protocol)
        except ValueError:
            raise CmdArgSyntaxError(protocol) from None
        if number not in self._supportedNetworkProtocols:
            raise UnsupportedNetworkProtocolError(
                ",".join(str(n) for n in self._supportedNetworkProtocols)
            )
        return number

    def ftp_EPSV(self, protocol: str = "") -> Any:
        """Listen for the data connection on this connection's address; ``EPSV ALL``
        forbids PORT, EPRT and PASV from then on."""
        if protocol == "ALL":
            self._epsvAll = True
            return EPSV_ALL_OK
        try:
            if protocol:
                self._validateNetworkProtocol(protocol)
        except FTPCmdError as e:
            return defer.fail(e)
        factory = self._dataFactory()
        # Every address (both families where IPv6 is there): the client connects to this
        # host by whichever address it knows it by.
        try:
            self.dtpPort = self.getDTPPort(factory, interface="::")
        except error.CannotListenError:
            self.dtpPort = self.getDTPPort(factory)
        self.reply(ENTERING_EPSV_MODE, self.dtpPort.getHost().port)
        assert factory.deferred is not None
        return factory.deferred.addCallback(lambda ign: None)

    def _connectData(self, host: str, port: int) -> Any:
        factory = self._dataFactory(peerHost=cast("IPv4Address", self.transport.getPeer()).host)
        self.dtpPort = _reactor().connectTCP(host, port, factory)

        def connected(ignored: Any) -> str:
            return ENTERING_PORT_MODE

        def failedToConnect(reason: failure.Failure) -> str:
            reason.trap(PortConnectionError)
            return CANT_OPEN_DATA_CNX

        assert factory.deferred is not None
        return factory.deferred.addCallbacks(connected, failedToConnect)

    def _epsvAllForbids(self, command: str) -> defer.Deferred[Any] | None:
        # After "EPSV ALL" (RFC 2428) the client may only use EPSV for its data connections.
        if not self._epsvAll:
            return None
        return defer.fail(BadCmdSequenceError(f"may not send {command} after EPSV ALL"))

    def ftp_PORT(self, address: str) -> Any:
        """Connect to the client's ``h1,h2,h3,h4,p1,p2`` for the data connection."""
        if refused := self._epsvAllForbids("PORT"):
            return refused
        numbers = [int(part) for part in address.split(",")]
        host = ".".join(str(n) for n in numbers[:4])
        return self._connectData(host, numbers[4] << 8 | numbers[5])

    def ftp_EPRT(self, extendedAddress: str) -> Any:
        """Connect to the client's ``|proto|host|port|`` for the data connection."""
        if refused := self._epsvAllForbids("EPRT"):
            return refused
        try:
            family, host, port = decodeExtendedAddress(extendedAddress)
        except ValueError:
            return defer.fail(CmdArgSyntaxError(extendedAddress))
        return defer.maybeDeferred(self._validateNetworkProtocol, family).addCallback(
            lambda _: self._connectData(host, port)
        )

    def _checkData(self, command: str, connected: bool = True) -> Any:
        """A failure if no data connection was asked for (or, with ``connected``, if it
        is not connected yet: a transfer may wait for it, a listing may not)."""
        dtp = self.dtpInstance
        if dtp is None or (connected and not dtp.isConnected):
            return defer.fail(
                BadCmdSequenceError(f"PORT, PASV, EPRT, or EPSV required before {command}")
            )
        return None

    def _encodeName(self, name: Any) -> bytes:
        """``name`` as bytes for the wire: a text name in UTF-8 (RFC 2640), bytes as
        they are."""
        if isinstance(name, bytes):
            return name
        return name.encode("utf-8")  # type: ignore[no-any-return]

    def _segments(self, path: str) -> list[str]:
        try:
            return toSegments(self.workingDirectory, path)
        except InvalidPath:
            raise FileNotFoundError(path) from None

    # -- listings

    def ftp_LIST(self, path: str = "") -> Any:
        """A long listing of ``path`` on the data connection."""
        refused = self._checkData("LIST")
        if refused is not None:
            return refused
        # Clients send ls options; they are not paths.
        if path.lower() in ("-a", "-l", "-la", "-al"):
            path = ""
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()

        def listed(results: Any) -> Any:
            dtp = self.dtpInstance
            assert dtp is not None
            self.reply(DATA_CNX_ALREADY_OPEN_START_XFR)
            for name, attributes in results:
                dtp.sendListResponse(self._encodeName(name), attributes)
            dtp.transport.loseConnection()
            return (TXFR_COMPLETE_OK,)

        keys = ("size", "directory", "permissions", "hardlinks", "modified", "owner", "group")
        return self.shell.list(segments, keys).addCallback(listed)

    def ftp_NLST(self, path: str = "") -> Any:
        """The names in ``path`` (or matching its last segment's wildcards) on the data
        connection; without a path, the working directory's (RFC 959; Twisted replies
        500 there)."""
        refused = self._checkData("NLST")
        if refused is not None:
            return refused
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()

        def send(results: Any, pattern: str | None = None) -> Any:
            dtp = self.dtpInstance
            assert dtp is not None
            self.reply(DATA_CNX_ALREADY_OPEN_START_XFR)
            for name, _ in results:
                text = name.decode(self._encoding) if isinstance(name, bytes) else name
                if pattern is None or fnmatch.fnmatch(text, pattern):
                    dtp.sendLine(self._encodeName(name))
            dtp.transport.loseConnection()
            return (TXFR_COMPLETE_OK,)

        def nothing(reason: failure.Failure) -> Any:
            # A listing that fails is an empty one, as clients expect.
            dtp = self.dtpInstance
            if dtp is not None:
                dtp.transport.loseConnection()
            return (TXFR_COMPLETE_OK,)

        if _isGlobbingExpression(segments):
            pattern = segments.pop()
            d = self.shell.list(segments).addCallback(send, pattern)
        else:
            d = self.shell.list(segments).addCallback(send)
        return d.addErrback(nothing)

    # -- directories

    def ftp_CWD(self, path: str) -> Any:
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()

        def changed(result: Any) -> Any:
            self.workingDirectory = segments
            return (REQ_FILE_ACTN_COMPLETED_OK,)

        return self.shell.access(segments).addCallback(changed)

    def ftp_CDUP(self) -> Any:
        return self.ftp_CWD("..")

    def ftp_PWD(self) -> Any:
        return (PWD_REPLY, "/" + "/".join(self.workingDirectory))

    def ftp_MKD(self, path: str) -> Any:
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()
        return self.shell.makeDirectory(segments).addCallback(lambda ign: (MKD_REPLY, path))

    def ftp_RMD(self, path: str) -> Any:
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()
        return self.shell.removeDirectory(segments).addCallback(
            lambda ign: (REQ_FILE_ACTN_COMPLETED_OK,)
        )

    def ftp_DELE(self, path: str) -> Any:
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()
        return self.shell.removeFile(segments).addCallback(
            lambda ign: (REQ_FILE_ACTN_COMPLETED_OK,)
        )

    def ftp_RNFR(self, fromName: str) -> Any:
        self._fromName = fromName
        self.state = self.RENAMING
        return (REQ_FILE_ACTN_PENDING_FURTHER_INFO,)

    def ftp_RNTO(self, toName: str) -> Any:
        # Whatever happens, the rename in progress ends here.
        self.state, fromName = self.AUTHED, self._fromName
        del self._fromName
        try:
            paths = [toSegments(self.workingDirectory, name) for name in (fromName, toName)]
        except InvalidPath:
            return defer.fail(FileNotFoundError(fromName))
        done = self.shell.rename(*paths)
        return done.addCallback(lambda _: (REQ_FILE_ACTN_COMPLETED_OK,))

    # -- files

    def ftp_RETR(self, path: str) -> Any:
        """Send the file at ``path`` on the data connection."""
        refused = self._checkData("RETR", connected=False)
        if refused is not None:
            return refused
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()
        # No idle timeout while the file is sent: it may take long.
        self.setTimeout(None)
        dtp = self.dtpInstance
        consumer: Any = dtp if self.binary else ASCIIConsumerWrapper(dtp)

        def sent(result: Any) -> Any:
            return (TXFR_COMPLETE_OK,)

        def notSent(reason: failure.Failure) -> Any:
            log.msg("Unexpected error attempting to transmit file to client:")
            log.err(reason)
            if reason.check(FTPCmdError):
                return reason
            return (CNX_CLOSED_TXFR_ABORTED,)

        def opened(file: Any) -> Any:
            if dtp is not None and dtp.isConnected:
                self.reply(DATA_CNX_ALREADY_OPEN_START_XFR)
            else:
                self.reply(FILE_STATUS_OK_OPEN_DATA_CNX)
            return file.send(consumer).addCallbacks(sent, notSent)

        def notOpened(reason: failure.Failure) -> Any:
            if not reason.check(PermissionDeniedError, FileNotFoundError, IsADirectoryError):
                log.msg("Unexpected error attempting to open file for transmission:")
                log.err(reason)
            if reason.check(FTPCmdError):
                return (reason.value.errorCode, "/".join(segments))
            return (FILE_NOT_FOUND, "/".join(segments))

        def restartTimeout(result: Any) -> Any:
            self.setTimeout(self.factory.timeOut)
            return result

        d = self.shell.openForReading(segments)
        d.addCallbacks(opened, notOpened)
        d.addBoth(restartTimeout)
        return d

    def ftp_STOR(self, path: str) -> Any:
        """Store what arrives on the data connection as the file at ``path``."""
        refused = self._checkData("STOR", connected=False)
        if refused is not None:
            return refused
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()
        self.setTimeout(None)
        dtp = self.dtpInstance
        assert dtp is not None

        def restartTimeout(result: Any) -> Any:
            self.setTimeout(self.factory.timeOut)
            return result

        def notOpened(reason: failure.Failure) -> Any:
            if reason.check(FTPCmdError):
                return (reason.value.errorCode, "/".join(segments))
            log.err(reason, "Unexpected error received while opening file:")
            return (FILE_NOT_FOUND, "/".join(segments))

        def opened(file: Any) -> Any:
            def stored(ignored: Any) -> Any:
                return file.close().addCallback(lambda ign: (TXFR_COMPLETE_OK,))

            def notStored(reason: failure.Failure) -> Any:
                log.err(reason, "Unexpected error received during transfer:")
                if reason.check(FTPCmdError):
                    return reason
                return (CNX_CLOSED_TXFR_ABORTED,)

            def receiving(consumer: Any) -> Any:
                if dtp.isConnected:
                    self.reply(DATA_CNX_ALREADY_OPEN_START_XFR)
                else:
                    self.reply(FILE_STATUS_OK_OPEN_DATA_CNX)
                return dtp.registerConsumer(consumer).addCallback(stored)

            # A failure to receive is a transfer's failure too.
            return file.receive().addCallback(receiving).addErrback(notStored)

        d = self.shell.openForWriting(segments)
        d.addCallbacks(opened, notOpened)
        d.addBoth(restartTimeout)
        return d

    def ftp_SIZE(self, path: str) -> Any:
        """The size of the file at ``path``."""
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()
        return self.shell.stat(segments, ("size",)).addCallback(
            lambda values: (FILE_STATUS, str(values[0]))
        )

    def ftp_MDTM(self, path: str) -> Any:
        """The modification time of the file at ``path`` (``YYYYMMDDhhmmss``, UTC)."""
        try:
            segments = self._segments(path)
        except FTPCmdError:
            return defer.fail()
        return self.shell.stat(segments, ("modified",)).addCallback(
            lambda values: (FILE_STATUS, time.strftime("%Y%m%d%H%M%S", time.gmtime(values[0])))
        )

    # -- representation

    def ftp_TYPE(self, type: str) -> Any:
        """``A`` (or ``A N``) for text, ``I`` for binary."""
        kind = type.upper()
        if not kind:
            return (SYNTAX_ERR, "no mode given")
        handler = getattr(self, "type_" + kind[0], None)
        if handler is None:
            return self.type_UNKNOWN(kind)
        return handler(kind[1:])

    def type_A(self, code: str) -> Any:
        if code in ("", "N"):
            self.binary = False
            return (TYPE_SET_OK, "A" + code)
        return defer.fail(CmdArgSyntaxError(code))

    def type_I(self, code: str) -> Any:
        if code == "":
            self.binary = True
            return (TYPE_SET_OK, "I")
        return defer.fail(CmdArgSyntaxError(code))

    def type_UNKNOWN(self, code: str) -> Any:
        return defer.fail(CmdNotImplementedForArgError(code))

    def ftp_SYST(self) -> Any:
        return NAME_SYS_TYPE

    def ftp_STRU(self, structure: str) -> Any:
        if structure.upper() == "F":
            return (CMD_OK,)
        return defer.fail(CmdNotImplementedForArgError(structure))

    def ftp_MODE(self, mode: str) -> Any:
        if mode.upper() == "S":
            return (CMD_OK,)
        return defer.fail(CmdNotImplementedForArgError(mode))

    def ftp_NOOP(self) -> Any:
        return (CMD_OK,)

    def ftp_FEAT(self) -> Any:
        """The features, one per line between FEAT's two reply lines."""
        head, tail = RESPONSE[FEAT_OK]
        self.sendLine(head)
        for feature in self.FEATURES:
            self.sendLine(" " + feature)
        self.sendLine(tail)

    def ftp_OPTS(self, option: str) -> Any:
        return self.reply(OPTS_NOT_IMPLEMENTED, option)

    def ftp_QUIT(self) -> Any:
        self.reply(GOODBYE_MSG)
        self.transport.loseConnection()
        self.disconnected = True

    def cleanupDTP(self) -> None:
        """Close the data connection's port or connector, and forget it."""
        log.msg("cleanupDTP", debug=True)
        port, self.dtpPort = self.dtpPort, None
        if port is not None:
            if hasattr(port, "stopListening"):
                port.stopListening()
            elif hasattr(port, "disconnect"):
                port.disconnect()
        factory, self.dtpFactory = self.dtpFactory, None
        if factory is not None:
            factory.stopFactory()
        self.dtpInstance = None


def _ipv4(host: str) -> str | None:
    """``host`` as an IPv4 address (an IPv4-mapped IPv6 one unmapped), or None."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        return None if mapped is None else str(mapped)
    return str(address)


def _is_arity_error(exc: BaseException) -> bool:
    text = str(exc)
    return "required positional argument" in text or "takes exactly" in text


class FTPFactory(policies.LimitTotalConnectionsFactory):
    """Makes ``FTP`` protocols logging in through ``portal``."""

    protocol = FTP
    overflowProtocol: Any = None  # set below
    allowAnonymous = True
    userAnonymous = "anonymous"
    timeOut = 600
    welcomeMessage = "Twisted 26.10.0 FTP Server"
    passivePortRange = range(0, 1)

    def __init__(self, portal: Any = None, userAnonymous: str = "anonymous") -> None:
        self.portal = portal
        self.userAnonymous = userAnonymous
        self.instances: list[Any] = []

    def buildProtocol(self, addr: Any) -> Any:
        p = super().buildProtocol(addr)
        if p is not None:
            inner = getattr(p, "wrappedProtocol", p)
            inner.protocol = None
            inner.portal = self.portal
            inner.timeOut = self.timeOut
            inner.passivePortRange = self.passivePortRange
        return p

    def stopFactory(self) -> None:
        for instance in self.instances:
            if instance.timeOut is not None:
                instance.setTimeout(None)
        super().stopFactory()


class FTPOverflowProtocol(basic.LineReceiver):
    """Answers "too many users" and closes."""

    _encoding = "latin-1"

    def connectionMade(self) -> None:
        self.sendLine(RESPONSE[TOO_MANY_CONNECTIONS].encode(self._encoding))
        self.transport.loseConnection()


FTPFactory.overflowProtocol = FTPOverflowProtocol


# -- the client ------------------------------------------------------------------------------


class FTPCommand:
    """A queued command: ``deferred`` fires with the reply lines."""

    def __init__(self, text: str | None = None, public: int = 0) -> None:
        self.text = text
        self.deferred: defer.Deferred[Any] = defer.Deferred()
        self.ready = 1
        self.public = public
        self.transferDeferred: defer.Deferred[Any] | None = None

    def fail(self, failure: failure.Failure) -> None:
        if self.public:
            self.deferred.errback(failure)


class ProtocolWrapper(protocol.Protocol):
    """Passes a data connection to ``original``; ``deferred`` fires when it closes."""

    def __init__(self, original: Any, deferred: defer.Deferred[Any]) -> None:
        self.original = original
        self.deferred = deferred

    def makeConnection(self, transport: Any) -> None:
        self.original.makeConnection(transport)

    def dataReceived(self, data: bytes) -> None:
        self.original.dataReceived(data)

    def connectionLost(self, reason: failure.Failure = protocol.connectionDone) -> None:
        self.original.connectionLost(reason)
        # Signal that transfer has completed
        self.deferred.callback(None)


@implementer(
    interfaces.IFinishableConsumer
    if hasattr(interfaces, "IFinishableConsumer")
    else IFinishableConsumer
)
class SenderProtocol(protocol.Protocol):
    """The client's end of an upload: ``connectedDeferred`` fires with it once connected;
    write the file, then ``finish()``; ``deferred`` fires when the connection closes."""

    transport: ConnectionTransport

    def __init__(self) -> None:
        self.connectedDeferred: defer.Deferred[Any] = defer.Deferred()
        self.deferred: defer.Deferred[Any] = defer.Deferred()

    def dataReceived(self, data: bytes) -> None:
        raise UnexpectedData("Received data from the server on a send-only data-connection")

    def makeConnection(self, transport: Any) -> None:
        super().makeConnection(transport)
        self.connectedDeferred.callback(self)

    def connectionLost(self, reason: failure.Failure = protocol.connectionDone) -> None:
        if reason.check(error.ConnectionDone):
            self.deferred.callback("connection done")
        else:
            self.deferred.errback(reason)

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.transport.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        self.transport.unregisterProducer()

    def finish(self) -> None:
        self.transport.loseConnection()


def decodeHostPortTuple(line: str) -> tuple[str, int]:  # pragma: no cover - alias
    return decodeHostPort(line)


class FTPDataPortFactory(protocol.ServerFactory):
    """For an active (PORT) transfer: accepts the server's one data connection, then
    stops listening."""

    noisy = False
    port: Any
    protocol: Any

    def buildProtocol(self, addr: Any) -> Any:
        self.protocol.factory = self
        self.port.loseConnection()
        return self.protocol


class _PassiveConnectionFactory(protocol.ClientFactory):
    noisy = False

    def __init__(self, protoInstance: Any) -> None:
        self.protoInstance = protoInstance

    def buildProtocol(self, ignored: Any) -> Any:
        self.protoInstance.factory = self
        return self.protoInstance

    def clientConnectionFailed(self, connector: Any, reason: failure.Failure) -> None:
        failed = failure.Failure(PortConnectionError(reason))
        self.protoInstance.deferred.errback(failed)


class FTPClientBasic(basic.LineReceiver):
    """The control connection of a client: a queue of commands, one in flight at a time.

    ``queueStringCommand`` gives a Deferred of the reply's lines; a 4xx/5xx reply fails it
    with ``CommandFailed``. Losing the connection fails everything queued with
    ``ConnectionLost``.
    """

    debug = False
    _encoding = "latin-1"

    def __init__(self) -> None:
        self.actionQueue: list[FTPCommand] = []
        self.greeting: Any = None
        self.nextDeferred: defer.Deferred[Any] | None = defer.Deferred().addCallback(
            self._cb_greeting
        )
        # A connection lost before the greeting fails the queue; the greeting's own
        # Deferred, which nobody else sees, ends there.
        self.nextDeferred.addErrback(self.fail).addErrback(lambda reason: None)
        self.response: list[str] = []
        self._failed = 0

    def fail(self, error: Any) -> Any:
        """Fail every queued command with ``error``."""
        return self._fail(error)

    def _fail(self, error: Any) -> Any:
        if self._failed:
            return error
        self._failed = 1
        lost = failure.Failure(ConnectionLost("FTP connection lost", error))
        if self.nextDeferred is not None:
            try:
                self.nextDeferred.errback(lost)
            except defer.AlreadyCalledError:
                pass
        for command in self.actionQueue:
            command.fail(failure.Failure(ConnectionLost("FTP connection lost", error)))
        return error

    def _cb_greeting(self, greeting: Any) -> None:
        self.greeting = greeting

    def sendLine(self, line: bytes | str | None) -> None:
        """Send ``line`` (nothing for None)."""
        if line is None:
            return
        if isinstance(line, str):
            line = line.encode(self._encoding)
        super().sendLine(line)

    def sendNextCommand(self) -> None:
        """Send the next queued command, if any."""
        command = self.popCommandQueue()
        if command is None or not command.ready:
            self.nextDeferred = None
            if command is not None:
                # Not sendable yet (a PORT waiting for its listener): put it back, retry soon.
                self.actionQueue.insert(0, command)
                _reactor().callLater(1.0, self.sendNextCommand)
            return
        if command.text == "PORT":
            self.generatePortCommand(command)  # type: ignore[attr-defined]  # FTPClient's
        if self.debug:
            log.msg(f"<-- {command.text}")
        self.nextDeferred = command.deferred
        self.sendLine(command.text)

    def queueCommand(self, ftpCommand: FTPCommand) -> None:
        """Queue ``ftpCommand``; send it now if nothing else is in flight. Once the
        connection is lost, a command queued fails at once with ``ConnectionLost``
        (Twisted's would never fire)."""
        if self._failed:
            ftpCommand.fail(failure.Failure(ConnectionLost("FTP connection lost")))
            return
        self.actionQueue.append(ftpCommand)
        if len(self.actionQueue) == 1 and self.transport is not None and self.nextDeferred is None:
            self.sendNextCommand()

    def queueStringCommand(self, command: str, public: int = 1) -> defer.Deferred[Any]:
        """Queue the command line ``command``; a Deferred of the reply's lines."""
        ftpCommand = FTPCommand(command, public)
        self.queueCommand(ftpCommand)
        return ftpCommand.deferred

    def popCommandQueue(self) -> FTPCommand | None:
        return self.actionQueue.pop(0) if self.actionQueue else None

    def queueLogin(self, username: str, password: str | None) -> None:
        """USER, then PASS unless USER was enough (230). A failure drops the connection
        (``fail``); neither Deferred is the caller's."""
        user = FTPCommand("USER " + username)
        self.queueCommand(user)
        commands = [user]
        if password is not None:
            secret = FTPCommand("PASS " + password)
            self.queueCommand(secret)
            commands.append(secret)

            def skipPassword(reply: Any) -> Any:
                if reply[0].startswith("230") and secret in self.actionQueue:
                    self.actionQueue.remove(secret)
                return reply

            user.deferred.addCallback(skipPassword)
        for command in commands:
            command.deferred.addErrback(self.fail).addErrback(lambda ignored: None)

    def lineReceived(self, line: bytes) -> None:
        """One line of a reply; the last (``NNN text``) completes it."""
        text = line.decode(self._encoding)
        if self.debug:
            log.msg(f"--> {text}")
        self.response.append(text)
        if not re.match(r"\d{3} ", text):
            return  # a line of a multi-line reply
        code = text[:3]
        if code[0] == "1":
            return  # a preliminary reply: the final one follows
        waiting = self.nextDeferred
        if waiting is None:
            self.fail(UnexpectedResponse(self.response))
            return
        response, self.response = self.response, []
        if code[0] in "23":
            waiting.callback(response)
        elif code[0] in "45":
            waiting.errback(failure.Failure(CommandFailed(response)))
        else:
            log.msg(f"Server sent invalid response code {code}")
            waiting.errback(failure.Failure(BadResponse(response)))
        self.sendNextCommand()

    def connectionLost(self, reason: failure.Failure = protocol.connectionDone) -> None:
        self._fail(reason)


class FTPClient(FTPClientBasic):
    """An FTP client: logs in, then runs transfers and file commands.

    Transfers are passive unless ``passive`` is false (then the client listens, PORT). A
    PASV reply's address is trusted only with ``trustPasvAddr``; otherwise the data
    connection goes to the control connection's peer, at the port given.
    """

    connectFactory = staticmethod(lambda *a, **kw: _reactor().connectTCP(*a, **kw))

    def __init__(
        self,
        username: str = "anonymous",
        password: str = "twisted@twistedmatrix.com",
        passive: int = 1,
        trustPasvAddr: bool = False,
    ) -> None:
        super().__init__()
        self.queueLogin(username, password)
        self.passive = passive
        self._trustPasvAddr = trustPasvAddr

    def fail(self, error: Any) -> Any:
        """Close the connection, and fail every queued command."""
        if self.transport:
            self.transport.loseConnection()
        return self._fail(error)

    def receiveFromConnection(self, commands: list[str], protocol: Any) -> defer.Deferred[Any]:
        """Run ``commands`` with a data connection whose data goes to ``protocol``."""
        wrapper = ProtocolWrapper(protocol, defer.Deferred())
        return self._openDataConnection(commands, wrapper)

    def queueLogin(self, username: str, password: str | None) -> None:
        """Log in, then switch to binary (TYPE I)."""
        super().queueLogin(username, password)
        d = self.queueStringCommand("TYPE I", public=0)
        d.addErrback(self.fail)
        d.addErrback(lambda ignored: None)

    def sendToConnection(
        self, commands: list[str]
    ) -> tuple[defer.Deferred[Any], defer.Deferred[Any]]:
        """Run ``commands`` with a data connection to send on: (a Deferred of the
        ``SenderProtocol`` once connected, a Deferred of the whole transfer)."""
        sender = SenderProtocol()
        done = self._openDataConnection(commands, sender)
        return sender.connectedDeferred, done

    def _openDataConnection(self, commands: list[str], protocol: Any) -> defer.Deferred[Any]:
        """Run ``commands`` once a data connection to ``protocol`` is set up; a Deferred
        of [their replies, the setup command's reply, the transfer's end]."""
        queued = [FTPCommand(command, public=1) for command in commands]
        replies = defer.DeferredList(
            [command.deferred for command in queued], fireOnOneErrback=True, consumeErrors=True
        )
        replies.addErrback(_unwrapFirstError)
        if self.passive:
            connector: list[Any] = []

            def connect(response: Any) -> None:
                host, port = decodeHostPort(response[-1][4:])
                if not self._trustPasvAddr:
                    host = cast("IPv4Address", self.transport.getPeer()).host
                connector.append(
                    self.connectFactory(host, port, _PassiveConnectionFactory(protocol))
                )

            pasv = FTPCommand("PASV")
            self.queueCommand(pasv)
            pasv.deferred.addCallback(connect).addErrback(self.fail)
            setup = pasv.deferred
            transfer = protocol.deferred
        else:
            port = FTPCommand("PORT")
            port.transferDeferred = protocol.deferred
            port.protocol = protocol  # type: ignore[attr-defined]
            port.deferred.addErrback(port.transferDeferred.errback)
            self.queueCommand(port)
            # generatePortCommand replaces these once the port listens.
            port.loseConnection = lambda result: result  # type: ignore[attr-defined]
            port.fail = lambda error: error  # type: ignore[method-assign,assignment]
            def failed(e: failure.Failure, pc: Any = port) -> object:
                return pc.fail(e) or e

            replies.addErrback(failed)
            setup = port.deferred
            transfer = port.transferDeferred
        done = defer.DeferredList(
            [replies, setup, transfer], fireOnOneErrback=True, consumeErrors=True
        )
        done.addErrback(_unwrapFirstError)
        if self.passive:

            def close(result: Any) -> Any:
                if connector and connector[0] is not None:
                    connector[0].disconnect()
                return result

            done.addBoth(close)
        for command in queued:
            self.queueCommand(command)
        return done

    def generatePortCommand(self, portCmd: FTPCommand) -> None:
        """Listen for the server's data connection and make the PORT command's text."""
        factory = FTPDataPortFactory()
        factory.protocol = portCmd.protocol  # type: ignore[attr-defined]
        listener = _reactor().listenTCP(0, factory)
        factory.port = listener

        def listenerFail(error: Any, listener: Any = listener) -> Any:
            if listener.connected:
                listener.loseConnection()
            return error

        portCmd.fail = listenerFail  # type: ignore[method-assign,assignment]
        host = cast("IPv4Address", self.transport.getHost()).host
        port = listener.getHost().port
        portCmd.text = "PORT " + encodeHostPort(host, port)

    def escapePath(self, path: str) -> str:
        """``path`` with newlines as NULs (RFC 959's escaping)."""
        return path.replace("\n", "\0")

    def retrieveFile(self, path: str, protocol: Any, offset: int = 0) -> defer.Deferred[Any]:
        """RETR ``path`` into ``protocol`` (from ``offset``, with REST)."""
        commands = ["RETR " + self.escapePath(path)]
        if offset:
            commands.insert(0, f"REST {offset}")
        return self.receiveFromConnection(commands, protocol)

    retr = retrieveFile

    def storeFile(
        self, path: str, offset: int = 0
    ) -> tuple[defer.Deferred[Any], defer.Deferred[Any]]:
        """STOR ``path``: (a Deferred of the consumer to write to, of the transfer)."""
        commands = ["STOR " + self.escapePath(path)]
        if offset:
            commands.insert(0, f"REST {offset}")
        return self.sendToConnection(commands)

    stor = storeFile

    def rename(self, pathFrom: str, pathTo: str) -> defer.Deferred[Any]:
        """RNFR then RNTO: a Deferred of RNTO's reply (RNFR's failure fails it)."""
        renameFrom = self.queueStringCommand("RNFR " + self.escapePath(pathFrom))
        renameTo = FTPCommand("RNTO " + self.escapePath(pathTo), public=1)
        self.queueCommand(renameTo)
        fromResponse: list[Any] = []
        result: defer.Deferred[Any] = defer.Deferred()

        def ebFrom(reason: failure.Failure) -> None:
            # RNTO is not sent after a failed RNFR.
            if renameTo in self.actionQueue:
                self.actionQueue.remove(renameTo)
            result.errback(reason)

        renameFrom.addCallbacks(fromResponse.append, ebFrom)
        renameTo.deferred.addCallbacks(
            lambda response: result.callback((fromResponse[0], response)),
            result.errback,
        )
        return result

    def list(self, path: str, protocol: Any) -> defer.Deferred[Any]:
        """LIST ``path`` into ``protocol`` (an ``FTPFileListProtocol`` parses it)."""
        if path is None:
            path = ""
        return self.receiveFromConnection(["LIST " + self.escapePath(path)], protocol)

    def nlst(self, path: str, protocol: Any) -> defer.Deferred[Any]:
        """NLST ``path`` into ``protocol``."""
        if path is None:
            path = ""
        return self.receiveFromConnection(["NLST " + self.escapePath(path)], protocol)

    def cwd(self, path: str) -> defer.Deferred[Any]:
        return self.queueStringCommand("CWD " + self.escapePath(path))

    def makeDirectory(self, path: str) -> defer.Deferred[Any]:
        return self.queueStringCommand("MKD " + self.escapePath(path))

    def removeFile(self, path: str) -> defer.Deferred[Any]:
        return self.queueStringCommand("DELE " + self.escapePath(path))

    def removeDirectory(self, path: str) -> defer.Deferred[Any]:
        return self.queueStringCommand("RMD " + self.escapePath(path))

    def cdup(self) -> defer.Deferred[Any]:
        return self.queueStringCommand("CDUP")

    def pwd(self) -> defer.Deferred[Any]:
        return self.queueStringCommand("PWD")

    def getDirectory(self) -> defer.Deferred[Any]:
        """The current remote directory (PWD's path); ``CommandFailed`` if the reply has
        none."""

        def parsed(result: Any) -> Any:
            first = result[0] if result else ""
            path = parsePWDResponse(first) if first.startswith("257 ") else None
            return failure.Failure(CommandFailed(result)) if path is None else path

        return self.pwd().addCallback(parsed)

    def quit(self) -> defer.Deferred[Any]:
        """QUIT; the server closes the connection after its reply."""
        return self.queueStringCommand("QUIT")


class FTPFileListProtocol(basic.LineReceiver):
    """Parses a LIST reply (``ls -l`` lines) into ``files``, a list of dicts with
    ``filetype``, ``perms``, ``nlinks``, ``owner``, ``group``, ``size``, ``date``,
    ``filename`` and ``linktarget``; other lines go to ``unknownLine``."""

    fileLinePattern = re.compile(
        r"""
        ^ (?P<filetype> . ) (?P<perms> .{9} )        # "-rw-r--r--"
        \s+ (?P<nlinks> \d* ) \s*                    # link count (may be absent)
        (?P<owner> \S+ ) \s+ (?P<group> \S+ ) \s+
        (?P<size> \d+ ) \s+
        (?P<date> \S{3} \s+ \d+ \s+ [\d:]+ ) \s+     # "Jan 02 12:34" or "Jan 02  2009"
        (?P<filename> .+? )                          # shortest name before " -> "
        (?: \x20->\x20 (?P<linktarget> [^\r]* ) )?    # a symbolic link's target
        \r? $
        """,
        re.VERBOSE,
    )
    delimiter = b"\n"
    _encoding = "latin-1"

    def __init__(self) -> None:
        self.files: list[dict[str, Any]] = []

    def lineReceived(self, line: bytes) -> None:
        text = line.decode(self._encoding)
        entry = self.parseDirectoryLine(text)
        if entry is not None:
            self.addFile(entry)
            return
        self.unknownLine(text)

    def parseDirectoryLine(self, line: str) -> dict[str, Any] | None:
        """The fields of ``line``, or None if it is not a listing line."""
        found = self.fileLinePattern.match(line)
        if found is None:
            return None
        fields: dict[str, Any] = found.groupdict()
        for counted in ("nlinks", "size"):
            fields[counted] = int(fields[counted])
        for named in ("filename", "linktarget"):
            # An escaped blank ("\\ ") in a name stands for a plain one.
            if fields[named]:
                fields[named] = fields[named].replace("\\ ", " ")
        return fields

    def addFile(self, info: dict[str, Any]) -> None:
        """Keep ``info`` in ``files``."""
        self.files.append(info)

    def unknownLine(self, line: str) -> None:
        """A line that is not a file's (a "total" line ...): ignored."""


_months = [None, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

__all__ = [
    "DTP",
    "FTP",
    "RESPONSE",
    "ASCIIConsumerWrapper",
    "AnonUserDeniedError",
    "AuthorizationError",
    "BadCmdSequenceError",
    "BadResponse",
    "BaseFTPRealm",
    "CmdArgSyntaxError",
    "CmdNotImplementedError",
    "CmdNotImplementedForArgError",
    "CmdSyntaxError",
    "CommandFailed",
    "ConnectionLost",
    "DTPFactory",
    "FTPAnonymousShell",
    "FTPClient",
    "FTPClientBasic",
    "FTPCmdError",
    "FTPCommand",
    "FTPDataPortFactory",
    "FTPError",
    "FTPFactory",
    "FTPFileListProtocol",
    "FTPOverflowProtocol",
    "FTPRealm",
    "FTPShell",
    "FileConsumer",
    "FileExistsError",
    "FileNotFoundError",
    "IFTPShell",
    "IFinishableConsumer",
    "IReadFile",
    "IWriteFile",
    "InvalidPath",
    "IsADirectoryError",
    "IsNotADirectoryError",
    "PASVIPv6NotImplementedError",
    "PermissionDeniedError",
    "PortConnectionError",
    "ProtocolWrapper",
    "SenderProtocol",
    "SystemFTPRealm",
    "UnexpectedData",
    "UnexpectedResponse",
    "UnsupportedNetworkProtocolError",
    "decodeExtendedAddress",
    "decodeHostPort",
    "encodeHostPort",
    "errnoToFailure",
    "parsePWDResponse",
    "toSegments",
] + [
    name
    for name, value in list(globals().items())
    if isinstance(value, str) and value[:1].isdigit() and name.isupper()
]

_unused: tuple[Any, ...] = (Callable, _stat)
