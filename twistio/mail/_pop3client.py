"""The Deferred-based POP3 client (``twistio.mail.pop3.AdvancedPOP3Client``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from twistio.internet import defer, error
from twistio.mail._except import (
    InsecureAuthenticationDisallowed,
    LineTooLong,
    ServerErrorResponse,
    TLSError,
    TLSNotSupportedError,
)
from twistio.protocols import basic, policies
from twistio.python.failure import Failure

# Empty, as Twisted's: the client is public as twistio.mail.pop3.AdvancedPOP3Client.
__all__: list[str] = []

OK = b"+OK"
ERR = b"-ERR"


def _split(line: bytes) -> tuple[bytes, bytes]:
    parts = line.split(b" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], b"")


def _b(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def _statXform(line: bytes) -> tuple[int, int]:
    count, size = line.split(None, 1)
    return int(count), int(size)


def _listXform(line: bytes) -> tuple[int, int]:
    index, size = line.split(None, 1)
    return int(index) - 1, int(size)


def _uidXform(line: bytes) -> tuple[int, bytes]:
    index, uid = line.split(None, 1)
    return int(index) - 1, uid


def _dotUnquoter(line: bytes) -> bytes:
    return line[1:] if line.startswith(b"..") else line


class POP3Client(basic.LineOnlyReceiver, policies.TimeoutMixin):
    """A POP3 client whose commands return Deferreds; they are sent one at a time, in order.

    ``login`` prefers APOP (when the greeting has a challenge), then STLS if offered, and
    refuses a cleartext password on an unencrypted connection unless
    ``allowInsecureLogin`` is set. Message indexes are 0-based, as in Twisted.
    """

    startedTLS = False
    allowInsecureLogin = False
    timeout: float = 0
    serverChallenge: bytes | None = None
    _capCache: dict[bytes, Any] | None = None
    _challengeMagicRe = re.compile(rb"(<[^>]+>)")
    _blockedQueue: list[tuple[defer.Deferred[Any], Callable[..., Any], tuple[Any, ...]]] | None = None
    _waiting: defer.Deferred[Any] | None = None
    _timedOut = False
    _greetingError: bytes | None = None

    def _blocked(self, f: Callable[..., Any], *a: Any) -> defer.Deferred[Any] | None:
        if self._blockedQueue is not None:
            d: defer.Deferred[Any] = defer.Deferred()
            self._blockedQueue.append((d, f, a))
            return d
        self._blockedQueue = []
        return None

    def _unblock(self) -> None:
        """The command in flight is answered: send the next queued one, if any."""
        while self._blockedQueue:
            queue = self._blockedQueue
            d, f, a = queue.pop(0)
            self._blockedQueue = None
            result = f(*a)
            if self._blockedQueue is None:
                # Answered without a round trip (a cached CAPA): go on with the queue.
                self._blockedQueue = queue
                result.chainDeferred(d)
                continue
            self._blockedQueue = queue + self._blockedQueue
            result.chainDeferred(d)
            return
        self._blockedQueue = None

    def sendShort(self, cmd: bytes, args: Any) -> defer.Deferred[Any]:
        """Send a command with a one-line answer: a Deferred of its text."""
        d = self._blocked(self.sendShort, cmd, args)
        if d is not None:
            return d
        waiting = self._waiting = defer.Deferred()
        self.state = "SHORT"
        self.sendLine(cmd + (b" " + _b(args) if args else b""))
        return waiting

    def sendLong(self, cmd: bytes, args: Any, consumer: Callable[[Any], Any],
                 xform: Callable[[bytes], Any] | None) -> defer.Deferred[Any]:
        """Send a command with a multi-line answer; each line goes to ``consumer``."""
        d = self._blocked(self.sendLong, cmd, args, consumer, xform)
        if d is not None:
            return d
        self._consumer, self._xform = consumer, xform
        waiting = self._waiting = defer.Deferred()
        self.state = "LONG_INITIAL"
        self.sendLine(cmd + (b" " + _b(args) if args else b""))
        return waiting

    def connectionMade(self) -> None:
        """Wait for the greeting."""
        if self.timeout > 0:
            self.setTimeout(self.timeout)
        self.state = "WELCOME"
        self._blockedQueue = []

    def timeoutConnection(self) -> None:
        """No answer in time: hang up (the pending commands fail with ``TimeoutError``)."""
        self._timedOut = True
        self.transport.loseConnection()

    def connectionLost(self, reason: Any = None) -> None:
        """Fail every pending command."""
        if self.timeout > 0:
            self.setTimeout(None)
        if self._timedOut:
            reason = Failure(error.TimeoutError())
        elif self._greetingError:
            reason = Failure(ServerErrorResponse(self._greetingError))
        waiting = []
        if self._waiting is not None:
            waiting.append(self._waiting)
            self._waiting = None
        if self._blockedQueue is not None:
            waiting.extend(d for d, _f, _a in self._blockedQueue)
            self._blockedQueue = None
        for d in waiting:
            d.errback(reason)

    def lineReceived(self, line: bytes) -> None:
        """Route a line to the current state."""
        if self.timeout > 0:
            self.resetTimeout()
        getattr(self, "state_" + self.state)(line)

    def lineLengthExceeded(self, buffer: bytes) -> None:
        """The server sent too long a line: fail the command and hang up."""
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            waiting.errback(LineTooLong())
        self.transport.loseConnection()

    def state_WELCOME(self, line: bytes) -> None:
        code, status = _split(line)
        if code != OK:
            self._greetingError = status  # the server's text, as Twisted's error carries it
            self.transport.loseConnection()
            return
        self.state = "WAITING"
        found = self._challengeMagicRe.search(status)
        self.serverChallenge = found.group(1) if found else None
        self.serverGreeting(status)
        self._unblock()

    def state_WAITING(self, line: bytes) -> None:
        pass

    def state_SHORT(self, line: bytes) -> None:
        code, status = _split(line)
        self.state = "WAITING"
        d, self._waiting = self._waiting, None
        self._unblock()
        if d is None:
            return
        if code == OK:
            d.callback(status)
        else:
            d.errback(ServerErrorResponse(status))

    def state_LONG_INITIAL(self, line: bytes) -> None:
        code, status = _split(line)
        if code == OK:
            self.state = "LONG"
            return
        self.state = "WAITING"
        d, self._waiting = self._waiting, None
        self._unblock()
        if d is not None:
            d.errback(ServerErrorResponse(status, self._consumer))

    def state_LONG(self, line: bytes) -> None:
        if line == b".":
            self.state = "WAITING"
            d, self._waiting = self._waiting, None
            consumer = self._consumer
            self._consumer = None  # type: ignore[assignment]
            self._xform = None
            self._unblock()
            if d is not None:
                d.callback(consumer)
            return
        line = _dotUnquoter(line)
        if self._xform is not None:
            self._consumer(self._xform(line))
        else:
            self._consumer(line)

    def serverGreeting(self, greeting: bytes) -> None:
        """Override: called with the greeting's text."""

    def startTLS(self, contextFactory: Any = None) -> defer.Deferred[Any]:
        """STLS, then TLS; a Deferred of the new capabilities."""
        if not callable(getattr(self.transport, "startTLS", None)):
            return defer.fail(TLSError("POP3Client requires a TLS transport to negotiate STLS."))
        d = self.capabilities()
        d.addCallback(self._startTLS, contextFactory, self.transport)
        return d

    def _startTLS(self, caps: dict[bytes, Any], contextFactory: Any, tls: Any) -> defer.Deferred[Any]:
        if b"STLS" not in caps:
            return defer.fail(TLSNotSupportedError("Server does not support secure communication via TLS / SSL"))
        if contextFactory is None:
            contextFactory = self._getContextFactory()
        if contextFactory is None:
            return defer.fail(TLSError("POP3Client requires a TLS context to negotiate STLS."))
        d = self.sendShort(b"STLS", None)
        d.addCallback(self._startedTLS, contextFactory, tls)
        d.addCallback(lambda _: self.capabilities())
        return d

    def _startedTLS(self, result: Any, context: Any, tls: Any) -> Any:
        self.transport.startTLS(context)
        self._capCache = None
        self.startedTLS = True
        return result

    def _getContextFactory(self) -> Any:
        from twistio.internet import ssl

        return ssl.ClientContextFactory()

    def login(self, username: bytes, password: bytes) -> defer.Deferred[Any]:
        """APOP if possible, else STLS (if offered) and USER/PASS."""
        d = self.capabilities()
        d.addCallback(self._login, username, password)
        return d

    def _login(self, caps: dict[bytes, Any], username: bytes, password: bytes) -> defer.Deferred[Any]:
        if self.serverChallenge is not None:
            return self._apop(username, password, self.serverChallenge)
        secure = self.startedTLS or _is_tls(self.transport)
        if not secure and b"STLS" in caps and callable(getattr(self.transport, "startTLS", None)):
            d = self.startTLS()
            d.addCallback(self._loginTLS, username, password)
            return d
        if secure or self.allowInsecureLogin:
            return self._plaintext(username, password)
        return defer.fail(InsecureAuthenticationDisallowed())

    def _loginTLS(self, res: Any, username: bytes, password: bytes) -> defer.Deferred[Any]:
        return self._plaintext(username, password)

    def _plaintext(self, username: bytes, password: bytes) -> defer.Deferred[Any]:
        return self.user(username).addCallback(lambda r: self.password(password))

    def _apop(self, username: bytes, password: bytes, challenge: bytes) -> defer.Deferred[Any]:
        digest = hashlib.md5(challenge + password).hexdigest().encode("ascii")
        return self.apop(username, digest)

    def apop(self, username: bytes, digest: bytes) -> defer.Deferred[Any]:
        """APOP with a ready digest."""
        return self.sendShort(b"APOP", username + b" " + digest)

    def user(self, username: bytes) -> defer.Deferred[Any]:
        """USER."""
        return self.sendShort(b"USER", username)

    def password(self, password: bytes) -> defer.Deferred[Any]:
        """PASS."""
        return self.sendShort(b"PASS", password)

    def delete(self, index: int) -> defer.Deferred[Any]:
        """DELE of message ``index`` (0-based)."""
        return self.sendShort(b"DELE", b"%d" % (index + 1))

    def _consumeOrSetItem(self, cmd: bytes, args: Any, consumer: Any, xform: Any) -> defer.Deferred[Any]:
        if consumer is None:
            items: list[Any] = []

            def put(item: tuple[int, Any]) -> None:
                index, value = item
                items.extend([None] * (index + 1 - len(items)))
                items[index] = value

            return self.sendLong(cmd, args, put, xform).addCallback(lambda _: items)
        return self.sendLong(cmd, args, consumer, xform)

    def _consumeOrAppend(self, cmd: bytes, args: Any, consumer: Any, xform: Any) -> defer.Deferred[Any]:
        if consumer is None:
            lines: list[Any] = []
            return self.sendLong(cmd, args, lines.append, xform).addCallback(lambda _: lines)
        return self.sendLong(cmd, args, consumer, xform)

    def capabilities(self, useCache: bool = True) -> defer.Deferred[dict[bytes, Any]]:
        """CAPA: ``{name: [args] or None}`` (``{}`` when the server has no CAPA)."""
        if useCache and self._capCache is not None:
            return defer.succeed(self._capCache)
        cache: dict[bytes, Any] = {}

        def consume(line: bytes) -> None:
            parts = line.split()
            if parts:
                cache[parts[0]] = parts[1:] or None

        def done(_: Any) -> dict[bytes, Any]:
            self._capCache = cache
            return cache

        def failed(failure: Failure) -> dict[bytes, Any]:
            failure.trap(ServerErrorResponse)
            self._capCache = {}
            return self._capCache

        return self.sendLong(b"CAPA", None, consume, None).addCallbacks(done, failed)

    def noop(self) -> defer.Deferred[Any]:
        """NOOP."""
        return self.sendShort(b"NOOP", None)

    def reset(self) -> defer.Deferred[Any]:
        """RSET."""
        return self.sendShort(b"RSET", None)

    def retrieve(self, index: int, consumer: Any = None, lines: int | None = None) -> defer.Deferred[Any]:
        """RETR (or TOP with ``lines``) of message ``index``: its lines, dot-unstuffed."""
        idx = b"%d" % (index + 1)
        if lines is None:
            return self._consumeOrAppend(b"RETR", idx, consumer, None)
        return self._consumeOrAppend(b"TOP", b"%s %d" % (idx, lines), consumer, None)

    def stat(self) -> defer.Deferred[tuple[int, int]]:
        """STAT: ``(count, total size)``."""
        return self.sendShort(b"STAT", None).addCallback(_statXform)

    def listSize(self, consumer: Any = None) -> defer.Deferred[Any]:
        """LIST: the sizes, by 0-based index."""
        return self._consumeOrSetItem(b"LIST", None, consumer, _listXform)

    def listUID(self, consumer: Any = None) -> defer.Deferred[Any]:
        """UIDL: the unique ids, by 0-based index."""
        return self._consumeOrSetItem(b"UIDL", None, consumer, _uidXform)

    def quit(self) -> defer.Deferred[Any]:
        """QUIT."""
        return self.sendShort(b"QUIT", None)


def _is_tls(transport: Any) -> bool:
    from twistio.internet.interfaces import ISSLTransport

    if ISSLTransport.providedBy(transport):  # as Twisted decides
        return True
    try:
        return transport.getPeerCertificate() is not None
    except Exception:
        return False
