"""POP3 (RFC 1939): the ``POP3`` server over a cred ``Portal`` of ``IMailbox`` avatars, and clients.

Commands run one at a time: a command answered later (a Deferred from the mailbox, a
message being streamed) holds the ones pipelined behind it. twistio-only: ``ctx`` (a TLS
context factory) offers STLS (RFC 2595) on transports with ``startTLS``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from twistio.cred import credentials
from twistio.cred import error as cred_error
from twistio.internet import defer, task
from twistio.internet.interfaces import implementer
from twistio.mail._except import (
    InsecureAuthenticationDisallowed,
    LineTooLong,
    POP3ClientError,
    POP3Error,
    ServerErrorResponse,
    TLSError,
    TLSNotSupportedError,
)
from twistio.mail._lines import SerialLines
from twistio.mail._pop3client import POP3Client as AdvancedPOP3Client
from twistio.mail.interfaces import IMailboxPOP3 as IMailbox
from twistio.mail.interfaces import IServerFactoryPOP3 as IServerFactory
from twistio.protocols import basic, policies
from twistio.python.failure import Failure

__all__ = [
    "POP3",
    "APOPCredentials",
    "AdvancedPOP3Client",
    "IMailbox",
    "IServerFactory",
    "InsecureAuthenticationDisallowed",
    "LineTooLong",
    "Mailbox",
    "POP3Client",
    "POP3ClientError",
    "POP3Error",
    "ServerErrorResponse",
    "TLSError",
    "TLSNotSupportedError",
]

_log = logging.getLogger("twistio.mail.pop3")

# Response modes of the old ``POP3Client``.
SHORT, FIRST_LONG, LONG = 1, 2, 3
NONE = 0
# The mode after one line in each mode: a multi-line answer stays LONG only while its lines
# are not the closing "." (``lineReceived`` puts it back), so LONG, like the others, ends NONE.
NEXT: dict[int, int] = {FIRST_LONG: LONG, LONG: NONE, SHORT: NONE, NONE: NONE}


def _b(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


@implementer(credentials.IUsernameHashedPassword)
class APOPCredentials:
    """APOP: the user name and ``md5(magic + password)`` in hex."""

    def __init__(self, magic: bytes, username: bytes, digest: bytes) -> None:
        self.magic = magic
        self.username = username
        self.digest = digest

    def checkPassword(self, password: Any) -> bool:
        """Whether the digest is that of ``password`` (constant time)."""
        expected = hashlib.md5(self.magic + _b(password)).hexdigest().encode("ascii")
        return hmac.compare_digest(expected, _b(self.digest))


@implementer(IMailbox)
class Mailbox:
    """An empty mailbox to subclass."""

    def listMessages(self, i: int | None = None) -> int | list[int]:
        """No messages."""
        return []

    def getMessage(self, i: int) -> IO[bytes]:
        """There is none: ``ValueError``."""
        raise ValueError

    def getUidl(self, i: int) -> bytes:
        """There is none: ``ValueError``."""
        raise ValueError

    def deleteMessage(self, i: int) -> None:
        """There is none: ``ValueError``."""
        raise ValueError

    def undeleteMessages(self) -> None:
        """Nothing to undelete."""

    def sync(self) -> None:
        """Nothing to do."""


def successResponse(response: Any) -> bytes:
    """``+OK response`` with its line end."""
    return b"+OK " + _b(response) + b"\r\n"


def formatStatResponse(msgs: Iterable[int]) -> Iterator[bytes | None]:
    """The STAT answer (yielding None while it counts)."""
    sizes: list[int] = []
    for size in msgs:
        sizes.append(size)
        yield None
    yield successResponse(b"%d %d" % (len(sizes), sum(sizes)))


def formatListLines(msgs: Iterable[int]) -> Iterator[bytes]:
    """``n size`` lines of a LIST answer."""
    for i, size in enumerate(msgs, 1):
        yield b"%d %d\r\n" % (i, size)


def formatListResponse(msgs: list[int]) -> Iterator[bytes]:
    """The whole LIST answer."""
    yield successResponse(b"%d" % len(msgs))
    yield from formatListLines(msgs)
    yield b".\r\n"


def formatUIDListLines(msgs: Iterable[Any], getUidl: Callable[[int], Any]) -> Iterator[bytes]:
    """``n uid`` lines of a UIDL answer."""
    for i, size in enumerate(msgs):
        if size is not None:
            yield b"%d %s\r\n" % (i + 1, _b(getUidl(i)))


def formatUIDListResponse(msgs: Iterable[Any], getUidl: Callable[[int], Any]) -> Iterator[bytes]:
    """The whole UIDL answer."""
    yield successResponse(b"")
    yield from formatUIDListLines(msgs, getUidl)
    yield b".\r\n"


def iterateLineGenerator(proto: Any, gen: Iterator[Any]) -> defer.Deferred[Any]:
    """Write what ``gen`` yields to ``proto``'s transport, cooperatively."""
    d: defer.Deferred[Any] = proto.schedule(_IteratorBuffer(proto.transport.writeSequence, gen))
    return d


class _IteratorBuffer:
    """Iterating over it takes the items of ``iterable`` one by one (``None`` is skipped),
    holding them until more than ``memoryBufferSize`` octets wait, then passes them in one
    list to ``write``; what is left is written when ``iterable`` ends."""

    bufSize = 0

    def __init__(self, write: Callable[[list[bytes]], Any], iterable: Iterable[Any], memoryBufferSize: int | None = None) -> None:
        self.lines: list[bytes] = []
        self.write = write
        self.iterator = iter(iterable)
        self.memoryBufferSize = 2**16 if memoryBufferSize is None else memoryBufferSize

    def __iter__(self) -> _IteratorBuffer:
        return self

    def __next__(self) -> None:
        try:
            item = next(self.iterator)
        except StopIteration:
            if self.lines:
                lines, self.lines, self.bufSize = self.lines, [], 0
                self.write(lines)
            raise
        if item is not None:
            self.lines.append(item)
            self.bufSize += len(item)
            if self.bufSize > self.memoryBufferSize:
                lines, self.lines, self.bufSize = self.lines, [], 0
                self.write(lines)
        return None


class _MessageDeleted(Exception):
    pass


class _HeadersPlusNLines:
    """A file of a message's headers and the first ``n`` lines of its body."""

    def __init__(self, f: Any, n: int) -> None:
        data = _b(f.read())
        head, sep, body = data.partition(b"\n\n")
        if not sep:
            head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            lines = body.splitlines(keepends=True)[:n]
            self.data = head + sep + b"".join(lines)
        else:
            self.data = data
        self.pos = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = len(self.data)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk


class POP3(basic.LineOnlyReceiver, policies.TimeoutMixin, SerialLines):
    """A POP3 server: USER/PASS, APOP and AUTH through ``portal``; then the transaction commands.

    Commands not understood, or with the wrong arguments, get ``-ERR bad protocol or server:``
    and the reason.
    """

    magic: bytes | None = None
    _userIs: bytes | None = None
    _onLogout: Callable[[], None] | None = None
    AUTH_CMDS = [b"CAPA", b"USER", b"PASS", b"APOP", b"AUTH", b"RPOP", b"QUIT"]
    portal: Any = None
    factory: Any = None
    mbox: Any = None
    timeOut = 300
    state = "COMMAND"
    blocked: Any = None
    schedule = staticmethod(task.coiterate)
    _highest = 0
    ctx: Any = None
    startedTLS = False

    def connectionMade(self) -> None:
        """Greet with the APOP challenge."""
        self.setTimeout(self.timeOut)
        challenge = self.magic = self.magic if self.magic is not None else self.generateMagic()
        self.successResponse(challenge)
        if getattr(self.factory, "noisy", True):
            _log.info("New connection from %s", self.transport.getPeer())

    def connectionLost(self, reason: Any = None) -> None:
        """Log the mailbox out."""
        if self._onLogout is not None:
            logout, self._onLogout = self._onLogout, None
            logout()
        self.setTimeout(None)

    def generateMagic(self) -> bytes:
        """A fresh APOP challenge ``<...@host>``."""
        from twistio.mail.smtp import messageid

        return messageid()

    def successResponse(self, message: Any = "") -> None:
        """Send ``+OK message``."""
        self.transport.write(successResponse(message))

    def failResponse(self, message: Any = b"") -> None:
        """Send ``-ERR message``."""
        self.sendLine(b"-ERR " + _b(message))

    def dataReceived(self, data: bytes) -> None:
        """Frame lines; run them one command at a time."""
        self._feed(data)

    def _onLine(self, line: bytes) -> None:
        self.lineReceived(line)

    def _onTooLong(self) -> None:
        self.failResponse(b"Line too long")

    def lineReceived(self, line: bytes) -> Any:
        """One line, for the current state."""
        self.resetTimeout()
        return getattr(self, "state_" + self.state)(line)

    def _unblock(self, _: Any) -> None:
        pass

    def state_COMMAND(self, line: bytes) -> Any:
        """Run one command."""
        try:
            return self.processCommand(*line.split(b" "))
        except (ValueError, AttributeError, POP3Error, TypeError, IndexError) as e:
            # Logged as an error, as Twisted's server does (the client gets -ERR too).
            from twistio.python import log

            log.err()
            reason = e.args[0] if e.args and isinstance(e.args[0], bytes) else _describe(e)
            self.failResponse(b"bad protocol or server: " + type(e).__name__.encode("ascii") + b": " + reason)
            return None

    def processCommand(self, command: bytes, *args: bytes) -> Any:
        """Dispatch ``command`` to ``do_COMMAND``."""
        command = command.upper()
        if not self.mbox and command not in self.AUTH_CMDS and command != b"STLS":
            raise POP3Error(b"not authenticated yet: cannot do " + command)
        try:
            name = "do_" + command.decode("ascii")
        except UnicodeDecodeError:
            name = ""
        method = getattr(self, name, None) if name[3:].isidentifier() else None
        if method is None:
            raise POP3Error(b"Unknown protocol command: " + command)
        try:
            return method(*args)
        except TypeError as e:
            # Raised by the call itself (wrong arity), not from inside the command.
            if e.__traceback__ is not None and e.__traceback__.tb_next is None:
                raise TypeError(b"wrong number of arguments for " + command) from None
            raise

    def listCapabilities(self) -> list[bytes]:
        """The CAPA lines."""
        caps = [b"TOP", b"USER", b"UIDL", b"PIPELINE", b"CELERITY", b"AUSPEX", b"POTENCE"]
        factory = self.factory
        if IServerFactory.providedBy(factory):
            try:
                caps.append(b"IMPLEMENTATION " + _b(factory.cap_IMPLEMENTATION()))
            except NotImplementedError:
                pass
            try:
                expire = factory.cap_EXPIRE()
            except NotImplementedError:
                pass
            else:
                if expire is None:
                    expire = b"NEVER"
                if factory.perUserExpiration():
                    if self.mbox is not None:
                        expire = _b(self.mbox.messageExpiration)
                    else:
                        expire = _b(expire) + b" USER"
                caps.append(b"EXPIRE " + _b(expire))
            try:
                delay = factory.cap_LOGIN_DELAY()
            except NotImplementedError:
                pass
            else:
                if factory.perUserLoginDelay():
                    if self.mbox is not None:
                        delay = self.mbox.loginDelay
                    else:
                        delay = _b(delay) + b" USER"
                caps.append(b"LOGIN-DELAY " + _b(delay))
        challengers = getattr(factory, "challengers", None)
        if challengers:
            caps.append(b"SASL " + b" ".join(_b(k) for k in challengers))
        if self._canStartTLS():
            caps.append(b"STLS")
        return caps

    def _canStartTLS(self) -> bool:
        return (self.ctx is not None and not self.startedTLS and self.mbox is None
                and callable(getattr(self.transport, "startTLS", None)))

    def do_CAPA(self) -> None:
        """List the capabilities."""
        self.successResponse(b"I can do the following:")
        for cap in self.listCapabilities():
            self.sendLine(cap)
        self.sendLine(b".")

    def do_STLS(self) -> None:
        """Switch to TLS (RFC 2595)."""
        if not self._canStartTLS():
            self.failResponse(b"STLS not available")
            return
        self.successResponse(b"Begin TLS negotiation now")
        self.transport.startTLS(self.ctx)
        self.startedTLS = True
        if self._lines is not None:
            self._lines.rest()

    def do_AUTH(self, args: bytes | None = None) -> None:
        """SASL: list the mechanisms, or start one (one round: ``user digest``)."""
        challengers = getattr(self.factory, "challengers", None)
        if not challengers:
            self.failResponse(b"AUTH extension unsupported")
            return
        if args is None:
            self.successResponse(b"Supported authentication methods:")
            for name in challengers:
                self.sendLine(_b(name).upper())
            self.sendLine(b".")
            return
        make = challengers.get(args.strip().upper())
        if make is None or self.portal is None:
            return self.failResponse(b"Unsupported SASL selected")
        challenger = self._auth = make()
        self.state = "AUTH"
        self.sendLine(b"+ " + base64.b64encode(challenger.getChallenge()))
        return None

    def state_AUTH(self, line: bytes) -> None:
        """The client's answer to the SASL challenge."""
        self.state = "COMMAND"
        try:
            parts = base64.b64decode(line, validate=True).split(None, 1)
        except (binascii.Error, ValueError):
            self.failResponse(b"Invalid BASE64 encoding")
            return
        if len(parts) == 2:
            self._auth.username, self._auth.response = parts
        else:
            return self.failResponse(b"Invalid AUTH response")
        d = self.portal.login(self._auth, None, IMailbox)
        d.addCallback(self._cbMailbox, parts[0])
        d.addErrback(self._ebMailbox)
        d.addErrback(self._ebUnexpected)
        self._block(d)
        return None

    def do_APOP(self, user: bytes, digest: bytes) -> None:
        """Log in with APOP."""
        d = defer.maybeDeferred(self.authenticateUserAPOP, user, digest)
        d.addCallbacks(self._cbMailbox, self._ebMailbox, callbackArgs=(user,)).addErrback(self._ebUnexpected)
        self._block(d)

    def _cbMailbox(self, result: tuple[Any, Any, Callable[[], None]], user: bytes) -> None:
        interface, avatar, logout = result
        if interface is not IMailbox:
            self.failResponse(b"Authentication failed")
            _log.warning("Authentication failed: realm gave %r", interface)
            return
        self.mbox = avatar
        self._onLogout = logout
        self.successResponse(b"Authentication succeeded")
        if getattr(self.factory, "noisy", True):
            _log.info("Authenticated login for %r", user)

    def _ebMailbox(self, failure: Failure) -> None:
        failure.trap(cred_error.LoginDenied, cred_error.LoginFailed)
        if failure.check(cred_error.LoginDenied):
            self.failResponse(b"Access denied: " + _b(failure.value))
        else:
            self.failResponse(b"Authentication failed")
        if getattr(self.factory, "noisy", True):
            _log.info("Denied login attempt from %s", self.transport.getPeer())

    def _ebUnexpected(self, failure: Failure) -> None:
        _log.error("Unexpected error logging in: %s", failure.getTraceback())
        self.failResponse(_b(failure.getErrorMessage()))

    def do_USER(self, user: bytes) -> None:
        """Remember the user name for PASS."""
        self._userIs = user
        self.successResponse(b"USER accepted, send PASS")

    def do_PASS(self, password: bytes, *words: bytes) -> None:
        """Log in with the user name from USER."""
        user, self._userIs = self._userIs, None
        if user is None:
            return self.failResponse(b"USER required before PASS")
        password = b" ".join((password, *words))
        d = defer.maybeDeferred(self.authenticateUserPASS, user, password)
        d.addCallbacks(self._cbMailbox, self._ebMailbox, callbackArgs=(user,)).addErrback(self._ebUnexpected)
        self._block(d)
        return None

    def _longOperation(self, d: defer.Deferred[Any]) -> defer.Deferred[Any]:
        blocked: defer.Deferred[Any] = self._block(d)
        return blocked

    def _coiterate(self, gen: Iterator[Any]) -> defer.Deferred[Any]:
        return self.schedule(_IteratorBuffer(self.transport.writeSequence, gen))

    def _ebReport(self, failure: Failure) -> None:
        _log.error("mailbox failed: %s", failure.getTraceback())
        self.failResponse(b"Internal server error")

    def do_STAT(self) -> None:
        """Message count and total size."""
        d = defer.maybeDeferred(self.mbox.listMessages)
        d.addCallback(lambda msgs: self._coiterate(formatStatResponse(msgs)))
        d.addErrback(self._ebReport)
        self._longOperation(d)

    def do_LIST(self, i: bytes | None = None) -> None:
        """Sizes of all messages, or of one."""
        if i is None:
            d = defer.maybeDeferred(self.mbox.listMessages)
            d.addCallback(lambda msgs: self._coiterate(formatListResponse(msgs)))
            d.addErrback(self._ebReport)
            self._longOperation(d)
            return
        try:
            n = int(i)
            if n < 1:
                raise ValueError(n)
        except ValueError:
            self.failResponse(b"Invalid message-number: " + i)
            return
        d = defer.maybeDeferred(self.mbox.listMessages, n - 1)

        def bad(failure: Failure) -> None:
            failure.trap(ValueError, IndexError)
            self.failResponse(b"Invalid message-number: %d" % n)

        d.addCallbacks(lambda size: self.successResponse(b"%d %d" % (n, size)), bad)
        d.addErrback(self._ebReport)
        self._longOperation(d)

    def do_UIDL(self, i: bytes | None = None) -> None:
        """Unique ids of all messages, or of one."""
        if i is None:
            d = defer.maybeDeferred(self.mbox.listMessages)
            d.addCallback(lambda msgs: self._coiterate(formatUIDListResponse(msgs, self.mbox.getUidl)))
            d.addErrback(self._ebReport)
            self._longOperation(d)
            return
        try:
            n = int(i) - 1
            if n < 0:
                raise ValueError(n)
            uid = self.mbox.getUidl(n)
        except (ValueError, IndexError):
            self.failResponse(b"Bad message number argument")
        else:
            self.successResponse(_b(uid))

    def _getMessageFile(self, i: bytes) -> defer.Deferred[Any]:
        try:
            n = int(i) - 1
            if n < 0:
                raise ValueError(n)
        except ValueError:
            self.failResponse(b"Bad message number argument")
            return defer.succeed(None)
        d = defer.maybeDeferred(self.mbox.listMessages, n)

        def got_size(size: int) -> Any:
            if not size:
                raise _MessageDeleted()
            return defer.maybeDeferred(self.mbox.getMessage, n).addCallback(lambda f: (size, f))

        def failed(failure: Failure) -> None:
            if failure.check(_MessageDeleted):
                self.failResponse(b"message deleted")
            elif failure.check(ValueError, IndexError):
                self.failResponse(b"Bad message number argument")
            else:
                _log.error("getMessage failed: %s", failure.getTraceback())
                self.failResponse(b"Internal server error")
            return None

        return d.addCallback(got_size).addErrback(failed)

    def _sendMessageContent(self, i: bytes, fpWrapper: Callable[[Any], Any],
                            successResponse: Callable[[int], bytes]) -> defer.Deferred[Any]:
        d = self._getMessageFile(i)

        def send(info: Any) -> Any:
            if info is None:
                return None
            self._highest = max(self._highest, int(i))
            size, f = info
            f = fpWrapper(f)
            self.successResponse(successResponse(size))
            from twistio.mail.smtp import _MessageTransformer

            self._transform = _MessageTransformer()
            sent = basic.FileSender().beginFileTransfer(f, self.transport, self.transformChunk)

            def done(lastsent: Any) -> None:
                tail = self._transform.flush()
                self.transport.write(tail + (b".\r\n" if self._transform.at_line_start else b"\r\n.\r\n"))

            def failed(failure: Failure) -> None:
                _log.error("sending a message failed: %s", failure.getTraceback())
                self.transport.loseConnection()

            return sent.addCallbacks(done, failed)

        return self._longOperation(d.addCallback(send))

    def do_TOP(self, i: bytes, size: bytes) -> Any:
        """The headers and the first ``size`` body lines of message ``i``."""
        try:
            lines = int(size)
            if lines < 0:
                raise ValueError(lines)
        except ValueError:
            self.failResponse(b"Bad line count argument")
            return None
        return self._sendMessageContent(i, lambda f: _HeadersPlusNLines(f, lines),
                                        lambda _size: b"Top of message follows")

    def do_RETR(self, i: bytes) -> Any:
        """Message ``i``."""
        return self._sendMessageContent(i, lambda f: f, lambda size: b"%d" % size)

    def transformChunk(self, chunk: bytes) -> bytes:
        """CRLF line ends and dot-stuffing (stateful across chunks)."""
        out: bytes = self._transform(chunk)
        return out

    def finishedFileTransfer(self, lastsent: bytes) -> None:
        """End a multi-line answer."""
        self.sendLine(b"." if lastsent == b"\n" else b"\r\n.")

    def do_DELE(self, i: bytes) -> None:
        """Mark message ``i`` deleted."""
        n = int(i) - 1
        self.mbox.deleteMessage(n)
        self.successResponse()

    def do_NOOP(self) -> None:
        """Nothing."""
        self.successResponse()

    def do_RSET(self) -> None:
        """Undelete everything marked in this session."""
        try:
            self.mbox.undeleteMessages()
        except Exception:
            _log.exception("undeleteMessages failed")
            self.failResponse()
        else:
            self._highest = 0
            self.successResponse()

    def do_LAST(self) -> None:
        """The highest message number retrieved."""
        self.successResponse(b"%d" % self._highest)

    def do_RPOP(self, user: bytes) -> None:
        """RPOP is refused."""
        self.failResponse(b"permission denied, sucker")

    def do_QUIT(self) -> None:
        """Remove the deleted messages and hang up."""
        if self.mbox:
            self.mbox.sync()
        self.successResponse()
        self.transport.loseConnection()

    def authenticateUserAPOP(self, user: bytes, digest: bytes) -> Any:
        """Log in through ``portal`` with ``APOPCredentials``."""
        if self.portal is not None:
            return self.portal.login(APOPCredentials(self.magic or b"", user, digest), None, IMailbox)
        raise cred_error.UnauthorizedLogin()

    def authenticateUserPASS(self, user: bytes, password: bytes) -> Any:
        """Log in through ``portal`` with ``UsernamePassword``."""
        if self.portal is not None:
            return self.portal.login(credentials.UsernamePassword(user, password), None, IMailbox)
        raise cred_error.UnauthorizedLogin()

    def stopProducing(self) -> None:
        """Nothing to stop."""


def _describe(e: BaseException) -> bytes:
    return " ".join(str(a) for a in e.args).encode("utf-8", "replace")


class POP3Client(basic.LineOnlyReceiver):
    """The old, callback-style POP3 client (use ``AdvancedPOP3Client``).

    Subclasses define ``handle_COMMAND(line)`` for one-line answers and
    ``handle_COMMAND_continue(line)`` / ``handle_COMMAND_end()`` for multi-line ones.
    """

    mode = SHORT
    command = b"WELCOME"
    import re as re

    welcomeRe = re.compile(rb"<(.*)>")

    def __init__(self) -> None:
        self.welcomeCode: bytes | None = None

    def sendShort(self, command: bytes, params: Any = None) -> None:
        """Send a command with a one-line answer."""
        self.sendLine(command + (b" " + _b(params) if params is not None else b""))
        self.command = command
        self.mode = SHORT

    def sendLong(self, command: bytes, params: Any) -> None:
        """Send a command with a multi-line answer."""
        self.sendLine(command + (b" " + _b(params) if params else b""))
        self.command = command
        self.mode = FIRST_LONG

    def handle_default(self, line: bytes) -> None:
        """An answer nobody handles."""
        if line[:1] == b"-":
            _log.info("POP3 error: %r", line)

    def handle_WELCOME(self, line: bytes) -> None:
        """The greeting: keep the APOP challenge."""
        if line.partition(b" ")[0] != b"+OK":  # the server refuses us: hang up
            self.transport.loseConnection()
            return
        challenge = self.welcomeRe.search(line)
        if challenge is not None:
            self.welcomeCode = challenge.group(1)

    def _dispatch(self, command: bytes, default: Callable[..., Any] | None, *args: Any) -> Any:
        try:
            method = getattr(self, "handle_" + command.decode("ascii"), default)
            if method is not None:
                method(*args)
        finally:
            pass

    def lineReceived(self, line: bytes) -> None:
        """Route a line by mode."""
        mode = self.mode
        self.mode = NEXT[mode]
        if mode != LONG:
            if mode != NONE:
                self._dispatch(self.command, self.handle_default, line)
            return
        if line == b".":
            self._dispatch(self.command + b"_end", None)
            return
        self.mode = LONG
        self._dispatch(self.command + b"_continue", None, line[1:] if line.startswith(b".") else line)

    def apopAuthenticate(self, user: bytes, password: bytes, magic: bytes) -> None:
        """APOP with a digest of ``magic + password``."""
        digest = hashlib.md5(magic + password).hexdigest().encode("ascii")
        self.apop(user, digest)

    def apop(self, user: bytes, digest: bytes) -> None:
        """Send APOP."""
        self.sendLong(b"APOP", b" ".join((user, digest)))

    def retr(self, i: Any) -> None:
        """Send RETR."""
        self.sendLong(b"RETR", i)

    def dele(self, i: Any) -> None:
        """Send DELE."""
        self.sendShort(b"DELE", i)

    def list(self, i: Any = "") -> None:
        """Send LIST."""
        self.sendLong(b"LIST", i)

    def uidl(self, i: Any = "") -> None:
        """Send UIDL."""
        self.sendLong(b"UIDL", i)

    def user(self, name: bytes) -> None:
        """Send USER."""
        self.sendShort(b"USER", name)

    def password(self, password: bytes) -> None:
        """Send PASS."""
        self.sendShort(b"PASS", password)

    pass_ = password

    def quit(self) -> None:
        """Send QUIT."""
        self.sendShort(b"QUIT")
