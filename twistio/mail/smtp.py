"""SMTP and ESMTP: servers (``SMTP``, ``ESMTP``, ``SMTPFactory``), clients (``SMTPClient``,
``ESMTPClient``, the sender factories) and ``sendmail``.

The server reads commands one at a time: while a delivery decision (a Deferred from
``validateFrom``/``validateTo``, an authentication) is pending, later pipelined commands
wait in a bounded buffer, so replies always come in command order. Lines longer than
``MAX_LENGTH`` get ``500 Line too long`` once their end arrives.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import email.utils
import itertools
import logging
import os
import random
import re
import socket
import time
import warnings
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

from twistio.cred.credentials import Anonymous
from twistio.cred.error import UnauthorizedLogin
from twistio.internet import defer, error
from twistio.internet.protocol import ClientFactory, ServerFactory
from twistio.mail._cred import (
    CramMD5ClientAuthenticator,
    LOGINAuthenticator,
)
from twistio.mail._cred import LOGINCredentials as _LOGINCredentials
from twistio.mail._cred import PLAINAuthenticator as _PLAINAuthenticator
from twistio.mail._except import AddressError as AddressError
from twistio.mail._except import AUTHDeclinedError as AUTHDeclinedError
from twistio.mail._except import AuthenticationError as AuthenticationError
from twistio.mail._except import AUTHRequiredError as AUTHRequiredError
from twistio.mail._except import EHLORequiredError as EHLORequiredError
from twistio.mail._except import ESMTPClientError as ESMTPClientError
from twistio.mail._except import IllegalClientResponse as IllegalClientResponse
from twistio.mail._except import SMTPAddressError as SMTPAddressError
from twistio.mail._except import SMTPBadRcpt as SMTPBadRcpt
from twistio.mail._except import SMTPBadSender as SMTPBadSender
from twistio.mail._except import SMTPClientError as SMTPClientError
from twistio.mail._except import SMTPConnectError as SMTPConnectError
from twistio.mail._except import SMTPDeliveryError as SMTPDeliveryError
from twistio.mail._except import SMTPError as SMTPError
from twistio.mail._except import SMTPProtocolError as SMTPProtocolError
from twistio.mail._except import SMTPServerError as SMTPServerError
from twistio.mail._except import SMTPTimeoutError as SMTPTimeoutError
from twistio.mail._except import SMTPTLSError as TLSError
from twistio.mail._except import TLSRequiredError as TLSRequiredError
from twistio.mail._lines import LineBuffer, SerialLines
from twistio.mail.interfaces import (
    IClientAuthentication,
    IMessageDelivery,
    IMessageDeliveryFactory,
)
from twistio.mail.interfaces import IMessageSMTP as IMessage
from twistio.protocols import basic, policies
from twistio.python import _spelling, log
from twistio.python.failure import Failure

__all__ = [
    "ESMTP",
    "SMTP",
    "AUTHDeclinedError",
    "AUTHRequiredError",
    "Address",
    "AddressError",
    "AuthenticationError",
    "CramMD5ClientAuthenticator",
    "EHLORequiredError",
    "ESMTPClient",
    "ESMTPClientError",
    "ESMTPSender",
    "ESMTPSenderFactory",
    "IClientAuthentication",
    "IMessage",
    "IMessageDelivery",
    "IMessageDeliveryFactory",
    "LOGINAuthenticator",
    "LOGINCredentials",
    "PLAINAuthenticator",
    "SMTPAddressError",
    "SMTPBadRcpt",
    "SMTPBadSender",
    "SMTPClient",
    "SMTPClientError",
    "SMTPConnectError",
    "SMTPDeliveryError",
    "SMTPError",
    "SMTPFactory",
    "SMTPProtocolError",
    "SMTPSender",
    "SMTPSenderFactory",
    "SMTPServerError",
    "SMTPTimeoutError",
    "SenderMixin",
    "TLSError",
    "TLSRequiredError",
    "User",
    "idGenerator",
    "messageid",
    "quoteaddr",
    "rfc822date",
    "sendmail",
    "xtextStreamReader",
    "xtextStreamWriter",
    "xtext_codec",
    "xtext_decode",
    "xtext_encode",
]

_log = logging.getLogger("twistio.mail.smtp")

DNSNAME: bytes = socket.getfqdn().encode("idna")
"""This host's name, the default domain of addresses and the server's greeting."""

COMMAND, DATA, AUTH = "COMMAND", "DATA", "AUTH"
SUCCESS: dict[int, None] = dict.fromkeys(range(200, 300))
atom: bytes = rb"[-A-Za-z0-9!\#$%&'*+/=?^_`{|}~]"
longversion = "[twistio]"

_ANY_CODE = range(1000)
_NO_MORE = object()


def _b(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(value).encode("utf-8")


# -- addresses ---------------------------------------------------------------------------------

_ADDR_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|\\.|[^\s<>@,:"\\]+|[<>@,:]|\s+|.', re.S)


class Address:
    """An RFC 2821 mailbox: ``local``, ``domain`` and the text it was parsed from (``addrstr``).

    A source route (``<@a,@b:user@host>``) is accepted and dropped; without ``@`` the
    domain is ``defaultDomain`` (or this host's name). ``<>`` gives the empty address.
    """

    def __init__(self, addr: Any, defaultDomain: bytes | None = None) -> None:
        if isinstance(addr, User):
            addr = addr.dest
        if isinstance(addr, Address):
            self.__dict__ = dict(addr.__dict__)
            return
        addr = _b(addr)
        self.addrstr = addr
        tokens = list(_ADDR_TOKEN.findall(addr))
        if tokens and tokens[0] == b"<":
            if tokens[-1] != b">":
                raise AddressError(f"Unbalanced <> in {addr!r}")
            tokens = tokens[1:-1]
        elif b"<" in tokens or b">" in tokens:
            raise AddressError(f"Unexpected <> in {addr!r}")
        if b":" in tokens:
            colon = tokens.index(b":")
            route, tokens = tokens[:colon], tokens[colon + 1 :]
            if route and route[0] != b"@":
                raise AddressError(f"Bad source route in {addr!r}")
        local: list[bytes] = []
        domain: list[bytes] = []
        target = local
        for token in tokens:
            if token == b"@":
                if target is domain:
                    raise AddressError("Too many @")
                target = domain
            elif token.isspace() or token in (b",", b":", b"<", b">"):
                raise AddressError(f"Parse error at {token!r} of {addr!r}")
            else:
                target.append(token)
        self.local = b"".join(local)
        self.domain = b"".join(domain)
        if target is domain and not self.domain:
            raise AddressError(f"Missing domain in {addr!r}")
        if self.local and not domain:
            self.domain = defaultDomain if defaultDomain is not None else DNSNAME

    def dequote(self, addr: bytes) -> bytes:
        """``addr`` without its quotes and backslash escapes."""
        return re.sub(rb'\\(.)|"', lambda m: m.group(1) or b"", addr)

    def __bytes__(self) -> bytes:
        if self.local or self.domain:
            return self.local + b"@" + self.domain
        return b""

    def __str__(self) -> str:
        return self.__bytes__().decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Address):
            return bytes(self) == bytes(other)
        if isinstance(other, (bytes, str)):
            return bytes(self) == _b(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(bytes(self))


class User:
    """A recipient as the server sees it: ``dest`` (an ``Address``), ``helo``, ``orig``."""

    def __init__(self, destination: Any, helo: Any, protocol: Any, orig: Any) -> None:
        host = getattr(protocol, "host", None)
        self.dest = Address(destination, host)
        self.helo = helo
        self.protocol = protocol
        self.orig = orig if isinstance(orig, Address) else Address(orig, host)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["protocol"] = None
        return state

    def __str__(self) -> str:
        return str(self.dest)

    def __bytes__(self) -> bytes:
        return bytes(self.dest)


def quoteaddr(addr: Any) -> bytes:
    """``addr`` in angle brackets, as MAIL FROM and RCPT TO want it."""
    if isinstance(addr, (Address, User)):
        return b"<" + bytes(addr) + b">"
    text = addr.decode("utf-8", "replace") if isinstance(addr, bytes) else str(addr)
    parsed = email.utils.parseaddr(text)
    if parsed == ("", ""):
        return b"<" + text.encode("utf-8") + b">"
    return b"<" + parsed[1].encode("utf-8") + b">"


def rfc822date(timeinfo: Any = None, local: int = 1) -> bytes:
    """A Date: header value for ``timeinfo`` (a time tuple; now if None)."""
    if timeinfo is None:
        timeinfo = time.localtime() if local else time.gmtime()
    if local:
        if timeinfo[8] > 0 and time.daylight:
            offset = -time.altzone
        else:
            offset = -time.timezone
    else:
        offset = 0
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset) // 60, 60)
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S", timeinfo)
    return f"{stamp} {sign}{hours:02d}{minutes:02d}".encode("ascii")


def idGenerator() -> Iterator[int]:
    """0, 1, 2 ... forever."""
    return itertools.count()


_gen = idGenerator()


def messageid(uniq: Any = None, N: Callable[[], int] = lambda: next(_gen)) -> bytes:
    """A fresh Message-ID value: ``<time.pid.random[.uniq].n@host>``."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    middle = f"{stamp}.{os.getpid()}.{random.randrange(10**9)}"
    if uniq is not None:
        middle += f".{uniq}"
    return f"<{middle}.{N()}@{DNSNAME.decode('ascii')}>".encode("ascii")


# -- xtext (RFC 3461) -----------------------------------------------------------------------------


def xtext_encode(s: Any, errors: Any = None) -> tuple[bytes, int]:
    """Encode as xtext: ``+``, ``=`` and non-printables become ``+XX``."""
    text = s if isinstance(s, str) else s.decode("latin-1")
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if ch in "+=" or o < 33 or o > 126:
            out += b"+%02X" % (o & 0xFF)
        else:
            out.append(o)
    return bytes(out), len(text)


def xtext_decode(s: Any, errors: Any = None) -> tuple[str, int]:
    """Decode xtext."""
    data = bytes(s)
    out: list[str] = []
    i = 0
    while i < len(data):
        if data[i : i + 1] == b"+" and i + 2 < len(data) + 0 and re.fullmatch(rb"[0-9A-Fa-f]{2}", data[i + 1 : i + 3]):
            out.append(chr(int(data[i + 1 : i + 3], 16)))
            i += 3
        else:
            out.append(chr(data[i]))
            i += 1
    return "".join(out), len(data)


class xtextStreamReader(codecs.StreamReader):
    """Stream reader of the ``xtext`` codec."""

    def decode(self, s: Any, errors: str = "strict") -> tuple[str, int]:
        return xtext_decode(s)


class xtextStreamWriter(codecs.StreamWriter):
    """Stream writer of the ``xtext`` codec."""

    def decode(self, s: Any, errors: str = "strict") -> Any:
        return xtext_encode(s)


def xtext_codec(name: str) -> codecs.CodecInfo | None:
    """The ``xtext`` codec for ``codecs.register``."""
    if name == "xtext":
        return codecs.CodecInfo(xtext_encode, xtext_decode, xtextStreamReader, xtextStreamWriter, name="xtext")
    return None


codecs.register(xtext_codec)


# -- server ---------------------------------------------------------------------------------------

# MAIL FROM:<path> [params] and RCPT TO:<path> [params]; a bare path is tolerated.
_PATH = rb'(?P<path><>|<(?:"[^"]*"|\\.|[^<>\s])+>|(?:"[^"]*"|\\.|[^<>\s"])+)'
_MAIL = re.compile(rb"\s*FROM:\s*" + _PATH + rb"(?P<opts>(?:\s+\S+)*)\s*$", re.I)
_RCPT = re.compile(rb"\s*TO:\s*" + _PATH + rb"(?P<opts>(?:\s+\S+)*)\s*$", re.I)

_LOCAL_ERROR = b"Requested action aborted: local error in processing"


class SMTP(basic.LineOnlyReceiver, policies.TimeoutMixin, SerialLines):
    """An SMTP server protocol: HELO, MAIL, RCPT, DATA, RSET, QUIT.

    Decisions go to ``delivery`` (an ``IMessageDelivery``), to one made per message by
    ``deliveryFactory``, to an avatar from ``portal``, or to the overridable
    ``validateFrom``/``validateTo``/``receivedHeader`` of a subclass. twistio-only:
    ``max_message_size`` (None: unlimited) refuses longer messages with 552.
    """

    timeout = 600
    portal: Any = None
    noisy = True
    deliveryFactory: Any = None
    delivery: Any = None
    max_message_size: int | None = None
    _onLogout: Callable[[], None] | None = None

    def __init__(self, delivery: Any = None, deliveryFactory: Any = None) -> None:
        self.mode = COMMAND
        self._from: Any = None
        self._helo: Any = None
        self._to: list[tuple[User, Any]] = []
        self.delivery = delivery
        self.deliveryFactory = deliveryFactory
        self._host: bytes = DNSNAME
        self.__messages: list[Any] = []
        self.__data_error: tuple[int, bytes] | None = None
        self.__size = 0

    @property
    def host(self) -> bytes:
        """The name this server gives itself."""
        return self._host

    @host.setter
    def host(self, value: Any) -> None:
        self._host = _b(value)

    # -- connection and framing --

    def timeoutConnection(self) -> None:
        """Idle too long: say so and hang up."""
        self.sendCode(421, self.host + b" Timeout. Try talking faster next time!")
        self.transport.loseConnection()

    def greeting(self) -> bytes:
        """The text of the 220 greeting."""
        return self.host + b" NO UCE NO UBE NO RELAY PROBES"

    def connectionMade(self) -> None:
        """Greet the client and start the idle timer."""
        self._lines = LineBuffer(self.MAX_LENGTH, self.delimiter)
        self._onLine = self.lineReceived  # type: ignore[method-assign]
        self.sendCode(220, self.greeting())
        self.setTimeout(self.timeout)

    def sendCode(self, code: int, message: Any = b"") -> None:
        """Send a (possibly multi-line) reply."""
        lines = _b(message).splitlines() or [b""]
        out = [b"%d-%s\r\n" % (code, line) for line in lines[:-1]]
        out.append(b"%d %s\r\n" % (code, lines[-1]))
        self.transport.writeSequence(out)

    def dataReceived(self, data: bytes) -> None:
        """Frame lines; run them in order unless a decision is pending."""
        self._feed(data)

    def _onLine(self, line: bytes) -> None:
        self.lineReceived(line)

    def _onTooLong(self) -> None:
        self.lineLengthExceeded(b"")

    def lineReceived(self, line: bytes) -> Any:
        """One line: a command, a message line or an AUTH response."""
        self.resetTimeout()
        return self._state(line)

    @property
    def mode(self) -> str:
        """``COMMAND``, ``DATA`` or ``AUTH``: lines go to ``state_<mode>``."""
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        self._mode = value
        self._state: Callable[[bytes], Any] = getattr(self, "state_" + value)

    def lineLengthExceeded(self, line: bytes) -> None:
        """A line over ``MAX_LENGTH``: 500, and in DATA the message is refused at its end."""
        if self.mode == DATA:
            self._failData(500, b"Line too long")
            return
        self.sendCode(500, b"Line too long")

    def state_COMMAND(self, line: bytes) -> None:
        """Dispatch a command to ``do_NAME``."""
        line = line.strip()
        parts = line.split(None, 1)
        if not parts:
            self.sendSyntaxError()
            return
        method = self.lookupMethod(parts[0]) or self.do_UNKNOWN
        method(parts[1] if len(parts) == 2 else b"")

    def sendSyntaxError(self) -> None:
        """500 for an empty or unparseable command."""
        self.sendCode(500, b"Error: bad syntax")

    def lookupMethod(self, command: bytes) -> Callable[[bytes], Any] | None:
        """The ``do_`` method for ``command``, or None."""
        try:
            name = "do_" + command.upper().decode("ascii")
        except UnicodeDecodeError:
            return None
        if not name[3:].isidentifier():
            return None
        method: Callable[[bytes], Any] | None = getattr(self, name, None)
        return method

    def do_UNKNOWN(self, rest: bytes) -> None:
        """500 for any command not implemented."""
        self.sendCode(500, b"Command not implemented")

    def do_HELO(self, rest: bytes) -> None:
        """Greet back; start a fresh transaction."""
        peer = self._peerName()
        self._helo = (rest, peer)
        self._from = None
        self._to = []
        self.sendCode(250, self.host + b" Hello " + peer + b", nice to meet you")

    def _peerName(self) -> bytes:
        peer = self.transport.getPeer()
        host = getattr(peer, "host", None)
        return _b(host) if host is not None else b"unknown"

    def do_QUIT(self, rest: bytes) -> None:
        """221 and hang up."""
        self.sendCode(221, b"See you later")
        self.transport.loseConnection()

    def do_MAIL(self, rest: bytes) -> None:
        """Start a transaction with a sender."""
        if self._from:
            return self.sendCode(503, b"Only one sender per message, please")
        self._to = []
        parsed = self._parsePath(_MAIL, rest, lambda path: Address(path, self.host))
        if parsed is None:
            return None
        addr, opts = parsed
        size = _size_param(opts)
        if size is not None and self.max_message_size is not None and size > self.max_message_size:
            self.sendCode(552, b"Message size exceeds fixed maximum message size")
            return
        if self.deliveryFactory is not None:
            self.delivery = self.deliveryFactory.getMessageDelivery()
        d = defer.maybeDeferred(self.validateFrom, self._helo, addr)
        self._block(d.addCallbacks(self._cbFromValidate, self._ebFromValidate))

    def _parsePath(self, pattern: re.Pattern[bytes], rest: bytes,
                   make: Callable[[bytes], Any]) -> tuple[Any, bytes] | None:
        """``(make(path), parameters)``, or None once 501 (syntax) or 553 (address) is sent."""
        found = pattern.match(rest)
        if found is not None:
            try:
                return make(found.group("path")), found.group("opts")
            except AddressError as e:
                self.sendCode(553, str(e))
                return None
        self.sendCode(501, b"Syntax error")
        return None

    def _cbFromValidate(self, fromEmail: Any, code: int = 250, msg: bytes = b"Sender address accepted") -> None:
        self._from = fromEmail
        self.sendCode(code, msg)

    def _ebFromValidate(self, failure: Failure) -> None:
        value = failure.value
        if isinstance(value, SMTPBadSender):
            self.sendCode(value.code, b"Cannot receive from specified address "
                          + quoteaddr(value.addr) + b": " + _b(value.resp))
        elif isinstance(value, SMTPServerError):
            self.sendCode(value.code, _b(value.resp))
        else:
            log.err(failure, "validateFrom failed")
            self.sendCode(451, _LOCAL_ERROR)

    def do_RCPT(self, rest: bytes) -> None:
        """Add a recipient."""
        if not self._from:
            self.sendCode(503, b"Must have sender before recipient")
            return
        parsed = self._parsePath(_RCPT, rest, lambda path: User(path, self._helo, self, self._from))
        if parsed is None:
            return
        user = parsed[0]
        d = defer.maybeDeferred(self.validateTo, user)
        self._block(d.addCallbacks(self._cbToValidate, self._ebToValidate, callbackArgs=(user,)))

    def _cbToValidate(self, to: Any, user: Any = None, code: int = 250,
                      msg: bytes = b"Recipient address accepted") -> None:
        self._to.append((to if user is None else user, to))
        self.sendCode(code, msg)

    def _ebToValidate(self, failure: Failure) -> None:
        value = failure.value
        if isinstance(value, (SMTPBadRcpt, SMTPServerError)):
            self.sendCode(value.code, _b(value.resp))
        else:
            log.err(failure, "validateTo failed")
            self.sendCode(451, _LOCAL_ERROR)

    def _disconnect(self, msgs: list[Any]) -> None:
        for msg in msgs:
            try:
                msg.connectionLost()
            except Exception:
                _log.exception("message connectionLost failed")
        self.__messages = []

    def do_DATA(self, rest: bytes) -> None:
        """Start receiving the message for the accepted recipients."""
        helo, origin, recipients = self._helo, self._from, self._to
        if origin is None or not recipients:
            return self.sendCode(503, b"Must have valid receiver and originator")
        self._from, self._to = None, []
        self.mode = DATA
        self.__data_error = None
        self.__size = 0
        messages: list[Any] = []
        try:
            for user, make_message in recipients:
                message = make_message()
                messages.append(message)
                header = self.receivedHeader(helo, origin, [user])
                if header:
                    message.lineReceived(_b(header))
        except SMTPServerError as e:
            self._disconnect(messages)
            self.mode = COMMAND
            self.sendCode(e.code, _b(e.resp))
            return
        except Exception:
            _log.exception("starting the message failed")
            self._disconnect(messages)
            self.mode = COMMAND
            self.sendCode(550, b"Internal server error")
            return
        self.__messages = messages
        self.__first_line = True
        self.sendCode(354, b"Continue")

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Drop a message in progress and log the avatar out."""
        if self.mode == DATA:
            self._disconnect(self.__messages)
        self.setTimeout(None)
        if self._onLogout is not None:
            logout, self._onLogout = self._onLogout, None
            logout()

    def do_RSET(self, rest: bytes) -> None:
        """Forget the transaction."""
        self._from = None
        self._to = []
        self.sendCode(250, b"I remember nothing.")

    def _failData(self, code: int, resp: bytes) -> None:
        if self.__data_error is None:
            self.__data_error = (code, resp)
            self._disconnect(self.__messages)

    def dataLineReceived(self, line: bytes) -> None:
        """One line of the message (dot-unstuffed here), or the final ``.``."""
        if line[:1] == b".":
            if line != b".":
                self._dataLine(line[1:])
                return
            self.mode = COMMAND
            if self.__data_error is not None:
                code, resp = self.__data_error
                self.__data_error = None
                self.sendCode(code, resp)
                return
            messages, self.__messages = self.__messages, []
            results = []
            for message in messages:
                try:
                    outcome = message.eomReceived()
                except Exception:
                    # As in Twisted, where the exception escapes dataReceived: logged, and
                    # the connection dropped without a reply (a client tries again later).
                    log.err(Failure(), "eomReceived of a message raised")
                    for other in messages:
                        if other is not message:
                            with contextlib.suppress(Exception):
                                other.connectionLost()
                    if self.transport is not None:
                        self.transport.loseConnection()
                    return
                results.append(outcome if isinstance(outcome, defer.Deferred) else defer.succeed(outcome))
            d = defer.DeferredList(results, consumeErrors=True)
            self._block(d.addCallback(self._messageHandled))
            return
        self._dataLine(line)

    def _dataLine(self, line: bytes) -> None:
        if self.__data_error is not None:
            return
        if self.__first_line:
            self.__first_line = False
            if line and b":" not in line:
                # A body without headers: the blank line keeps it out of the header block.
                self._dataLine(b"")
        limit = self.max_message_size
        if limit is not None:
            self.__size += len(line) + 2
            if self.__size > limit:
                self._failData(552, b"Message size exceeds fixed maximum message size")
                return
        try:
            for message in self.__messages:
                message.lineReceived(line)
        except SMTPServerError as e:
            self._failData(e.code, _b(e.resp))
        except Exception:
            _log.exception("message lineReceived failed")
            self._failData(550, b"Internal server error")

    state_DATA = dataLineReceived

    def _messageHandled(self, resultList: list[tuple[bool, Any]]) -> None:
        failures = [r for ok, r in resultList if not ok]
        if failures:
            for f in failures:
                log.err(f, "message delivery failed")
            self.sendCode(550, b"Could not send e-mail (%d failures out of %d recipients)"
                          % (len(failures), len(resultList)))
        else:
            self.sendCode(250, b"Delivery in progress")

    def _cbAnonymousAuthentication(self, result: tuple[Any, Any, Callable[[], None]]) -> None:
        iface, avatar, logout = result
        # (deliveryFactory, delivery) for each interface the avatar may come as
        slots = {IMessageDeliveryFactory: (avatar, None), IMessageDelivery: (None, avatar)}
        if iface not in slots:
            raise RuntimeError(f"{iface!r} is not a supported interface")
        self.deliveryFactory, self.delivery = slots[iface]
        self._onLogout = logout

    def validateFrom(self, helo: Any, origin: Address) -> Any:
        """Accept or refuse the sender (through ``delivery``, or an anonymous portal login)."""
        if self.deliveryFactory is not None:
            self.delivery = self.deliveryFactory.getMessageDelivery()
        if self.delivery is not None:
            return defer.maybeDeferred(self.delivery.validateFrom, helo, origin)
        if self.portal is not None:
            d = self.portal.login(Anonymous(), None, IMessageDeliveryFactory, IMessageDelivery)

            def anonymous_ok(result: Any) -> Any:
                self._cbAnonymousAuthentication(result)
                return self.validateFrom(helo, origin)

            def anonymous_refused(failure: Failure) -> Any:
                # No checker for anonymous senders at all, or one that refuses them (the
                # texts are Twisted's).
                if failure.check(UnauthorizedLogin):
                    raise SMTPBadSender(origin, 550, "Sender not acceptable")
                if failure.check(*_LOGIN_FAILURES):
                    raise SMTPBadSender(origin, 550, "Unauthenticated senders not allowed")
                return failure

            return d.addCallbacks(anonymous_ok, anonymous_refused)
        raise SMTPBadSender(origin)

    def validateTo(self, user: User) -> Any:
        """A message factory for ``user`` (through ``delivery``), or ``SMTPBadRcpt``."""
        if self.delivery is not None:
            return self.delivery.validateTo(user)
        raise SMTPBadRcpt(user)

    def receivedHeader(self, helo: Any, origin: Any, recipients: list[User]) -> Any:
        """The Received: header (``delivery`` makes it; None without one)."""
        if self.delivery is not None:
            return self.delivery.receivedHeader(helo, origin, recipients)
        return None


def _size_param(opts: bytes) -> int | None:
    for opt in opts.split():
        if opt[:5].upper() == b"SIZE=" and opt[5:].isdigit():
            return int(opt[5:])
    return None


def _login_failures() -> tuple[type[Exception], ...]:
    from twistio.cred.error import LoginFailed

    return (LoginFailed,)


_LOGIN_FAILURES = _login_failures()


class SMTPFactory(ServerFactory):
    """Makes ``SMTP`` servers named ``domain``, with ``portal`` and ``timeout``."""

    domain: bytes = DNSNAME
    timeout = 600
    protocol: Any = SMTP
    portal: Any = None

    def __init__(self, portal: Any = None) -> None:
        self.portal = portal

    def buildProtocol(self, addr: Any) -> Any:
        p: Any = ServerFactory.buildProtocol(self, addr)
        p.portal = self.portal
        p.host = self.domain
        if self.timeout != p.timeout:
            p.timeout = self.timeout
        return p


class LOGINCredentials(_LOGINCredentials):
    """Server side of SMTP's LOGIN: prompts ``Username:`` then ``Password:``."""

    def __init__(self) -> None:
        _LOGINCredentials.__init__(self)
        self.challenges = [b"Password:", b"Username:"]


class PLAINAuthenticator(_PLAINAuthenticator):
    """Client side of SMTP's PLAIN (the whole response in the first round)."""

    def challengeResponse(self, secret: bytes, chal: Any = 1) -> bytes:
        """``user\\0user\\0secret`` as an initial response (``chal`` 1), else ``\\0user\\0secret``."""
        if chal == 1:
            return self.user + b"\0" + self.user + b"\0" + secret
        return b"\0" + self.user + b"\0" + secret


def _can_start_tls(transport: Any) -> bool:
    return callable(getattr(transport, "startTLS", None))


class ESMTP(SMTP):
    """An ESMTP server: EHLO, STARTTLS (with ``contextFactory``), AUTH through ``portal``.

    ``chal`` maps mechanism names to credential factories, e.g. ``{b"PLAIN":
    PLAINCredentials, b"LOGIN": LOGINCredentials, b"CRAM-MD5": CramMD5Credentials}``.
    twistio-only: ``max_message_size`` also advertises SIZE, and ``advertise_8bitmime`` /
    ``advertise_pipelining`` (default off, as Twisted lists neither) add 8BITMIME and
    PIPELINING, which the server handles in any case.
    """

    ctx: Any = None
    canStartTLS = False
    startedTLS = False
    authenticated = False
    advertise_8bitmime = False
    advertise_pipelining = False

    def __init__(self, chal: Any = None, contextFactory: Any = None) -> None:
        SMTP.__init__(self)
        self.challengers: dict[bytes, Any] = dict(chal) if chal else {}
        self.challenger: Any = None
        self.ctx = contextFactory

    def connectionMade(self) -> None:
        """Greet; note whether STARTTLS can be offered."""
        SMTP.connectionMade(self)
        self.canStartTLS = self.ctx is not None and _can_start_tls(self.transport)

    def greeting(self) -> bytes:
        """The 220 text, ending ``ESMTP``."""
        return SMTP.greeting(self) + b" ESMTP"

    def extensions(self) -> dict[bytes, Any]:
        """The EHLO extensions: name -> None, a list of parameters, or bytes."""
        ext: dict[bytes, Any] = {b"AUTH": list(self.challengers)}
        if self.canStartTLS and not self.startedTLS:
            ext[b"STARTTLS"] = None
        if self.max_message_size is not None:
            ext[b"SIZE"] = [b"%d" % self.max_message_size]
        if self.advertise_8bitmime:
            ext[b"8BITMIME"] = None
        if self.advertise_pipelining:
            ext[b"PIPELINING"] = None
        return ext

    def lookupMethod(self, command: bytes) -> Callable[[bytes], Any] | None:
        """``do_`` methods, then ``ext_`` ones."""
        method = SMTP.lookupMethod(self, command)
        if method is None:
            try:
                name = "ext_" + command.upper().decode("ascii")
            except UnicodeDecodeError:
                return None
            method = getattr(self, name, None) if name[4:].isidentifier() else None
        return method

    def listExtensions(self) -> list[bytes]:
        """The extension lines of the EHLO reply."""
        lines = []
        for name, value in self.extensions().items():
            if value is None:
                lines.append(name)
            elif isinstance(value, bytes):
                lines.append(name + b" " + value)
            elif value:
                lines.append(name + b" " + b" ".join(_b(v) for v in value))
        return lines

    def do_EHLO(self, rest: bytes) -> None:
        """Greet back with the extension list; start a fresh transaction."""
        peer = self._peerName()
        self._helo = (rest, peer)
        self._from = None
        self._to = []
        self.sendCode(250, b"\n".join([self.host + b" Hello " + peer + b", nice to meet you",
                                       *self.listExtensions()]))

    def ext_STARTTLS(self, rest: bytes) -> None:
        """220 and switch the connection to TLS (``transport.startTLS``)."""
        if self.startedTLS:
            self.sendCode(503, b"TLS already negotiated")
        elif self.ctx is not None and self.canStartTLS:
            self.sendCode(220, b"Begin TLS negotiation now")
            self.transport.startTLS(self.ctx)
            self.startedTLS = True
            # RFC 3207: forget everything learnt before TLS.
            self._helo = None
            self._from = None
            self._to = []
            if self._lines is not None:
                self._lines.rest()
        else:
            self.sendCode(454, b"TLS not available")

    def ext_AUTH(self, rest: bytes) -> None:
        """Start a SASL exchange with one of ``challengers``."""
        if self.authenticated:
            return self.sendCode(503, b"Already authenticated")
        parts = rest.split(None, 1)
        if not parts:
            self.sendCode(501, b"Syntax error in parameters or arguments")
            return
        mechanism = self.challengers.get(parts[0].upper())
        challenger = None if mechanism is None else mechanism()
        if not challenger:
            self.sendCode(504, b"Unrecognized authentication type")
            return
        self.mode, self.challenger = AUTH, challenger
        initial = parts[1] if len(parts) == 2 else None
        if initial is not None:
            # the client answered with the command (RFC 4954 initial response): the first
            # challenge is consumed unsent
            challenger.getChallenge()
        self.state_AUTH(initial)

    def _cbAuthenticated(self, loginInfo: tuple[Any, Any, Callable[[], None]]) -> None:
        iface, avatar, self._onLogout = loginInfo
        # the avatar is a delivery or a factory of deliveries; the other slot is emptied
        isFactory = iface is IMessageDeliveryFactory
        self.deliveryFactory, self.delivery = (avatar, None) if isFactory else (None, avatar)
        self.challenger, self.authenticated = None, True
        self.sendCode(235, b"Authentication successful.")

    def _ebAuthenticated(self, reason: Failure) -> None:
        self.challenger = None
        if reason.check(UnauthorizedLogin, *_LOGIN_FAILURES):
            self.sendCode(535, b"Authentication failed")
        else:
            log.err(reason, "SMTP authentication failed")
            self.sendCode(451, _LOCAL_ERROR)

    def state_AUTH(self, response: bytes | None) -> None:
        """One round of the SASL exchange."""
        if response is None:
            challenge = self.challenger.getChallenge()
            self.sendCode(334, base64.b64encode(challenge))
            return
        if response.strip() == b"*":
            self._endAuth(501, b"Authentication aborted")
            return
        try:
            decoded = base64.b64decode(response.strip(), validate=True)
        except (binascii.Error, ValueError):
            self._endAuth(501, b"Syntax error in parameters or arguments")
            return
        try:
            self.challenger.setResponse(decoded)
        except IllegalClientResponse:
            self._endAuth(501, b"Syntax error in parameters or arguments")
            return
        if self.challenger.moreChallenges():
            self.sendCode(334, base64.b64encode(self.challenger.getChallenge()))
            return
        self.mode = COMMAND
        if self.portal is None:
            self._endAuth(454, b"Temporary authentication failure")
            return
        d = self.portal.login(self.challenger, None, IMessageDeliveryFactory, IMessageDelivery)
        self._block(d.addCallbacks(self._cbAuthenticated, self._ebAuthenticated))

    def _endAuth(self, code: int, resp: bytes) -> None:
        self.challenger = None
        self.mode = COMMAND
        self.sendCode(code, resp)


# -- client ---------------------------------------------------------------------------------------


class _Log:
    """The last ``size`` lines of a session, for error reports."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lines: list[bytes] = []

    def append(self, line: bytes) -> None:
        self.lines.append(line)
        if len(self.lines) > self.size:
            del self.lines[0]

    def str(self) -> bytes:
        return b"\n".join(self.lines)

    def clear(self) -> None:
        self.lines = []


class _MessageTransformer:
    """Turns a message's bytes into DATA: CRLF line ends, dot-stuffed, state kept across chunks."""

    def __init__(self) -> None:
        self.at_line_start = True
        self.held_cr = False

    def __call__(self, chunk: bytes) -> bytes:
        if self.held_cr:
            chunk = b"\r" + chunk
            self.held_cr = False
        if chunk.endswith(b"\r"):
            chunk = chunk[:-1]
            self.held_cr = True
        if not chunk:
            return b""
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n")
        chunk = chunk.replace(b"\n", b"\r\n")
        if b"\n." in chunk:
            chunk = chunk.replace(b"\r\n.", b"\r\n..")
        if self.at_line_start and chunk[:1] == b".":
            chunk = b"." + chunk
        self.at_line_start = chunk.endswith(b"\n")
        return chunk

    def flush(self) -> bytes:
        if self.held_cr:
            self.held_cr = False
            self.at_line_start = False
            return b"\r"
        return b""


class SMTPClient(basic.LineReceiver, policies.TimeoutMixin):
    """An SMTP client: sends the messages ``getMailFrom``/``getMailTo``/``getMailData`` give.

    Subclass and define those three plus ``sentMail`` and ``sendError``. The body is sent
    with CRLF line ends (bare LF becomes CRLF) and dot-stuffed, whatever its chunking.
    """

    debug = True
    timeout: float | None = None

    def __init__(self, identity: Any, logsize: int = 10) -> None:
        if isinstance(identity, str):
            identity = identity.encode("idna")
        self.identity = identity or b""
        self.toAddressesResult: list[Any] = []
        self.successAddresses: list[Any] = []
        self._from: Any = None
        self.resp: list[bytes] = []
        self.code = -1
        self.log = _Log(logsize)
        self._expected: Any = ()
        self._okresponse: Callable[[int, bytes], Any] = self.smtpState_helo
        self._failresponse: Callable[[int, bytes], Any] = self.smtpConnectionFailed
        self.mailFile: Any = None
        self.lastAddress: Any = None
        self._transform = _MessageTransformer()

    def sendLine(self, line: bytes) -> None:
        """Send a line, and keep it in the log."""
        self.log.append(b">>> " + line)
        basic.LineReceiver.sendLine(self, line)

    def connectionMade(self) -> None:
        """Wait for the greeting."""
        self._expected, self._okresponse, self._failresponse = [220], self.smtpState_helo, self.smtpConnectionFailed
        self.setTimeout(self.timeout)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Report a session that ended before it was done."""
        self.setTimeout(None)
        self.mailFile = None
        if self._okresponse is not self.smtpState_disconnect and self._expected:
            self._expected = ()
            message = b"Connection lost"
            if isinstance(reason, Failure) and not reason.check(error.ConnectionDone):
                # Why it was lost (a TLS handshake refused, a reset) belongs in the report.
                message += b": " + _b(f"{type(reason.value).__name__}: {reason.getErrorMessage()}")
            self.sendError(SMTPConnectError(-1, message, self.log.str()))

    def timeoutConnection(self) -> None:
        """No answer in time."""
        self.sendError(SMTPTimeoutError(-1, b"Timeout waiting for SMTP server response", self.log.str()))

    def lineReceived(self, line: bytes) -> Any:
        """A reply line; a complete reply goes to the current state."""
        if self.transport is not None and self.transport.disconnecting:
            return None
        self.resetTimeout()
        self.log.append(b"<<< " + line)
        try:
            code = int(line[:3])
        except ValueError:
            code = -1
        if code < 0 or line[3:4] not in (b"", b" ", b"-"):
            self._expected = ()
            self.code = -1
            self.resp = []
            return self._failresponse(-1, b"Invalid response from SMTP server: " + line)
        if line[3:4] == b"-":
            self.resp.append(line[4:])
            return None
        self.resp.append(line[4:])
        resp = b"\n".join(self.resp)
        self.code = -1
        self.resp = []
        if code in self._expected:
            return self._okresponse(code, resp)
        return self._failresponse(code, resp)

    def smtpConnectionFailed(self, code: int, resp: bytes) -> None:
        """The greeting was not 220."""
        self.sendError(SMTPConnectError(code, resp, self.log.str()))

    def smtpTransferFailed(self, code: int, resp: bytes) -> None:
        """A transaction step failed (a negative code: the reply was not SMTP)."""
        if code >= 0:
            self.smtpState_msgSent(code, resp)
            return
        self.sendError(SMTPProtocolError(code, resp, self.log.str()))

    def smtpState_helo(self, code: int, resp: bytes) -> None:
        """Greeted: say HELO."""
        self.sendLine(b"HELO " + self.identity)
        self._expected = SUCCESS
        self._okresponse = self.smtpState_from

    def _ask(self, line: bytes, codes: Any, then: Callable[[int, bytes], Any],
             otherwise: Callable[[int, bytes], Any] | None = None) -> None:
        """Send ``line``; a reply in ``codes`` goes to ``then``, any other to ``otherwise``."""
        self._expected = codes
        self._okresponse = then
        if otherwise is not None:
            self._failresponse = otherwise
        self.sendLine(line)

    def smtpState_from(self, code: int, resp: bytes) -> None:
        """Start the next message, or QUIT when there is none."""
        sender = self._from = self.getMailFrom()
        if sender is None:
            self._failresponse = self.smtpTransferFailed
            self._disconnectFromServer()
            return
        self._ask(b"MAIL FROM:" + quoteaddr(sender), [250], self.smtpState_to, self.smtpTransferFailed)

    def smtpState_disconnect(self, code: int, resp: bytes) -> None:
        """QUIT answered: hang up."""
        self._expected = ()
        self.transport.loseConnection()

    def smtpState_to(self, code: int, resp: bytes) -> Any:
        """Sender accepted: send the recipients."""
        to = self.getMailTo()
        if isinstance(to, (bytes, str)):
            to = [to]
        self.toAddresses = iter(to)
        self.toAddressesResult = []
        self.successAddresses = []
        self._okresponse = self.smtpState_toOrData
        self._expected = _ANY_CODE
        self.lastAddress = None
        return self.smtpState_toOrData(0, b"")

    def smtpState_toOrData(self, code: int, resp: bytes) -> Any:
        """Record the last recipient's answer; send the next one, or DATA."""
        answered = self.lastAddress
        if answered is not None:
            (self.successAddresses.append(answered) if code in SUCCESS else None)
            self.toAddressesResult.append((answered, code, resp))
        upcoming = next(self.toAddresses, _NO_MORE)
        if upcoming is not _NO_MORE:
            self.lastAddress = upcoming
            self.sendLine(b"RCPT TO:" + quoteaddr(upcoming))
            return None
        self.lastAddress = None
        if not self.successAddresses:
            return self.smtpState_msgSent(code, b"No recipients accepted")
        self._ask(b"DATA", [354], self.smtpState_data)
        return None

    def smtpState_data(self, code: int, resp: bytes) -> None:
        """354: stream the message."""
        data = self.getMailData()
        self._expected = SUCCESS
        self._okresponse = self.smtpState_msgSent
        self._transform = _MessageTransformer()
        sender = basic.FileSender()
        d = sender.beginFileTransfer(data, self.transport, self.transformChunk)
        d.addCallback(self.finishedFileTransfer)
        d.addErrback(self._fileTransferFailed)

    def _fileTransferFailed(self, failure: Failure) -> None:
        # The message was not sent whole (its file failed, or the producer was stopped):
        # an error for sendError, as in Twisted.
        _log.error("reading the message failed: %s", failure.getErrorMessage())
        self.sendError(failure.value)

    def smtpState_msgSent(self, code: int, resp: bytes) -> None:
        """The message was answered: report it, then RSET for the next one."""
        sender, self._from = self._from, None
        results, self.toAddressesResult = self.toAddressesResult, []
        if sender is not None:
            self.sentMail(code, resp, len(self.successAddresses), results, self.log)
        self._ask(b"RSET", SUCCESS, self.smtpState_from)

    def transformChunk(self, chunk: bytes) -> bytes:
        """CRLF line ends and dot-stuffing for one chunk of the message."""
        # Sending is activity: the reply timeout starts again with each chunk.
        self.resetTimeout()
        return self._transform(chunk)

    def finishedFileTransfer(self, lastsent: Any) -> None:
        """End the DATA with ``.``."""
        tail = self._transform.flush()
        if self._transform.at_line_start:
            self.transport.write(tail + b".\r\n")
        else:
            self.transport.write(tail + b"\r\n.\r\n")
        self.log.append(b">>> .")

    def getMailFrom(self) -> Any:
        """The sender of the next message, or None when done."""
        raise NotImplementedError

    def getMailTo(self) -> Any:
        """The recipients of the message."""
        raise NotImplementedError

    def getMailData(self) -> Any:
        """A file with the message."""
        raise NotImplementedError

    def sendError(self, exc: Any) -> None:
        """An error before the message was sent: QUIT if not fatal, else hang up."""
        if isinstance(exc, SMTPClientError) and not exc.isFatal:
            self._disconnectFromServer()
        elif self.transport is not None:
            self._expected = ()
            self._okresponse = self.smtpState_disconnect
            self.transport.loseConnection()

    def sentMail(self, code: int, resp: bytes, numOk: int, addresses: Any, log: Any) -> None:
        """The message got its final answer."""
        raise NotImplementedError

    def _disconnectFromServer(self) -> None:
        self._expected = _ANY_CODE
        self._okresponse = self.smtpState_disconnect
        self.sendLine(b"QUIT")


def _transport_is_tls(transport: Any) -> bool:
    from twistio.internet.interfaces import ISSLTransport

    if ISSLTransport.providedBy(transport):
        return True
    try:
        return transport.getPeerCertificate() is not None
    except Exception:
        return False


class ESMTPClient(SMTPClient):
    """An ESMTP client: EHLO, STARTTLS (with ``contextFactory``), AUTH with ``secret``."""

    heloFallback = True
    requireAuthentication = False
    requireTransportSecurity = False
    context: Any = None
    _tlsMode = False

    @staticmethod
    def _tls_mode_deprecated() -> str:
        # Made when it warns: the module path as the program imports it (twisted.mail.smtp
        # under the alias).
        return (
            f"tlsMode attribute of {_spelling.spelled(__name__)}.ESMTPClient is deprecated "
            "since Twisted 13.0"
        )

    @property
    def tlsMode(self) -> bool:
        """Whether the connection is over TLS (deprecated; kept as ``_tlsMode``)."""
        warnings.warn(self._tls_mode_deprecated(), DeprecationWarning, stacklevel=2)
        return self._tlsMode

    @tlsMode.setter
    def tlsMode(self, value: bool) -> None:
        warnings.warn(self._tls_mode_deprecated(), DeprecationWarning, stacklevel=2)
        self._tlsMode = value

    def __init__(self, secret: Any, contextFactory: Any = None, *args: Any, **kw: Any) -> None:
        SMTPClient.__init__(self, *args, **kw)
        self.authenticators: list[Any] = []
        self.secret = secret
        self.context = contextFactory

    def esmtpEHLORequired(self, code: int = -1, resp: bytes | None = None) -> None:
        """The server refused EHLO."""
        self.sendError(EHLORequiredError(502, b"Server does not support ESMTP Authentication", self.log.str()))

    def esmtpAUTHRequired(self, code: int = -1, resp: bytes | None = None) -> None:
        """No shared AUTH mechanism and authentication is required."""
        names = b", ".join(a.getName().upper() for a in self.authenticators)
        auth = b"[" + names + b"]"
        self.sendError(AUTHRequiredError(502, b"Server does not support Client Authentication schemes " + auth,
                                         self.log.str()))

    def esmtpTLSRequired(self, code: int = -1, resp: bytes | None = None) -> None:
        """No STARTTLS and TLS is required."""
        self.sendError(TLSRequiredError(502, b"Server does not support secure communication via TLS / SSL",
                                        self.log.str()))

    def esmtpTLSFailed(self, code: int = -1, resp: bytes | None = None) -> None:
        """STARTTLS failed."""
        self.sendError(TLSError(code, b"Could not complete the SSL/TLS handshake", self.log.str()))

    def esmtpAUTHDeclined(self, code: int = -1, resp: bytes | None = None) -> None:
        """The server refused the credentials."""
        self.sendError(AUTHDeclinedError(code, resp or b"", self.log.str()))

    def esmtpAUTHMalformedChallenge(self, code: int = -1, resp: bytes | None = None) -> None:
        """The server's challenge was not base64."""
        self.sendError(AuthenticationError(
            501, b"Login failed because the SMTP Server returned a malformed Authentication Challenge",
            self.log.str()))

    def esmtpAUTHServerError(self, code: int = -1, resp: bytes | None = None) -> None:
        """The server failed during authentication."""
        self.sendError(AuthenticationError(code, resp or b"", self.log.str()))

    def registerAuthenticator(self, auth: Any) -> None:
        """Offer ``auth`` (an ``IClientAuthentication``), in order of preference."""
        self.authenticators.append(auth)

    def connectionMade(self) -> None:
        """Wait for the greeting; then EHLO."""
        SMTPClient.connectionMade(self)
        self._okresponse = self.esmtpState_ehlo
        if _transport_is_tls(self.transport):
            self._tlsMode = True

    def esmtpState_ehlo(self, code: int, resp: bytes) -> None:
        """Say EHLO (falling back to HELO if allowed)."""
        self._expected = SUCCESS
        self._okresponse = self.esmtpState_serverConfig
        self._failresponse = self.esmtpEHLORequired
        need_tls = False if self._tlsMode else self.requireTransportSecurity
        if self.heloFallback and not self.requireAuthentication and not need_tls:
            self._failresponse = self.smtpState_helo
        self.sendLine(b"EHLO " + self.identity)

    def esmtpState_serverConfig(self, code: int, resp: bytes) -> None:
        """Read the extension list."""
        items: dict[bytes, bytes | None] = {}
        for line in resp.splitlines():
            e = line.split(None, 1)
            if not e:
                continue
            items[e[0].upper()] = e[1] if len(e) > 1 else None
        self.tryTLS(code, resp, items)

    def tryTLS(self, code: int, resp: bytes, items: dict[bytes, bytes | None]) -> None:
        """STARTTLS if offered and we can; refuse if TLS is required and absent."""
        can_tls = self.context is not None and b"STARTTLS" in items and not self._tlsMode
        if can_tls:
            self.sendLine(b"STARTTLS")
            self._expected = [220]
            self._okresponse = self.esmtpState_starttls
            self._failresponse = self.esmtpTLSFailed
        elif self.requireTransportSecurity and not self._tlsMode:
            self.esmtpTLSRequired()
        else:
            self.authenticate(code, resp, items)

    def esmtpState_starttls(self, code: int, resp: bytes) -> None:
        """220: switch to TLS, then EHLO again."""
        try:
            self.transport.startTLS(self.context)
            self._tlsMode = True
        except Exception:
            _log.exception("startTLS failed")
            self.esmtpTLSFailed(451)
            return
        self.esmtpState_ehlo(code, resp)

    def authenticate(self, code: int, resp: bytes, items: dict[bytes, bytes | None]) -> None:
        """AUTH with the first registered mechanism the server offers."""
        offered = items.get(b"AUTH")
        if self.secret and offered:
            schemes = {s.upper() for s in offered.split()}
            for auth in self.authenticators:
                name = auth.getName().upper()
                if name in schemes:
                    self._authinfo = auth
                    self._failresponse = self.esmtpAUTHDeclined
                    if name == b"PLAIN":
                        self._okresponse = self.smtpState_from
                        self._expected = [235]
                        answer = base64.b64encode(auth.challengeResponse(self.secret, 1))
                        self.sendLine(b"AUTH " + name + b" " + answer)
                    else:
                        self._expected = [334]
                        self._okresponse = self.esmtpState_challenge
                        self.sendLine(b"AUTH " + name)
                    return
        (self.esmtpAUTHRequired() if self.requireAuthentication else self.smtpState_from(code, resp))

    def _esmtpState_plainAuth(self, code: int, resp: bytes) -> None:
        self._okresponse = self.smtpState_from
        self._failresponse = self.esmtpAUTHDeclined
        self._expected = [235]
        self.sendLine(b"AUTH PLAIN " + base64.b64encode(self._authinfo.challengeResponse(self.secret, 2)))

    def esmtpState_challenge(self, code: int, resp: bytes) -> None:
        """334: answer the challenge."""
        self._authResponse(self._authinfo, resp)

    def _authResponse(self, auth: Any, challenge: bytes) -> None:
        self._failresponse = self.esmtpAUTHDeclined
        try:
            decoded = base64.b64decode(challenge, validate=True)
        except (binascii.Error, ValueError):
            self.sendLine(b"*")
            self._okresponse = self.esmtpAUTHMalformedChallenge
            self._failresponse = self.esmtpAUTHMalformedChallenge
            return
        answer = auth.challengeResponse(self.secret, decoded)
        self._expected = [235, 334]
        self._okresponse = self.smtpState_maybeAuthenticated
        self.sendLine(base64.b64encode(answer))

    def smtpState_maybeAuthenticated(self, code: int, resp: bytes) -> None:
        """235: authenticated; 334: another round."""
        if code != 235:
            self.esmtpState_challenge(code, resp)
            return
        self.__dict__.pop("_authinfo", None)
        self.smtpState_from(code, resp)


class SenderMixin:
    """``SMTPClient`` methods that send one message from ``factory`` and fire its Deferred."""

    done = 0
    factory: Any

    def getMailFrom(self) -> Any:
        """The factory's sender, once."""
        if not self.done:
            self.done = 1
            return str(self.factory.fromEmail) if not isinstance(self.factory.fromEmail, bytes) \
                else self.factory.fromEmail
        return None

    def getMailTo(self) -> Any:
        """The factory's recipients."""
        return self.factory.toEmail

    def getMailData(self) -> Any:
        """The factory's file."""
        return self.factory.file

    def sendError(self, exc: Any) -> None:
        """Report a failure to the factory's Deferred unless it will retry."""
        SMTPClient.sendError(self, exc)  # type: ignore[arg-type]
        factory = self.factory
        retryable = getattr(exc, "retry", False) or (400 <= getattr(exc, "code", 0) < 500)
        if factory.retries >= 0 or not retryable:
            factory.sendFinished = True
            result = getattr(factory, "result", None)
            if result is not None and not result.called:
                result.errback(exc)

    def sentMail(self, code: int, resp: bytes, numOk: int, addresses: Any, log: Any) -> None:
        """Fire the factory's Deferred with ``(numOk, addresses)`` or a delivery error."""
        factory = self.factory
        factory.sendFinished = True
        result = getattr(factory, "result", None)
        if result is None or result.called:
            return
        if code not in SUCCESS:
            errlog = [b"%s: %03d %s" % (_b(addr), acode, aresp) for addr, acode, aresp in addresses
                      if acode not in SUCCESS]
            errlog.append(log.str())
            result.errback(SMTPDeliveryError(code, resp, b"\n".join(errlog), addresses))
        else:
            result.callback((numOk, addresses))


class SMTPSender(SenderMixin, SMTPClient):
    """The ``SMTPClient`` of ``SMTPSenderFactory``."""


class SMTPSenderFactory(ClientFactory):
    """Sends one message (``fromEmail``, ``toEmail``, ``file``), firing ``deferred`` with
    ``(number accepted, [(address, code, response), ...])``; retries ``retries`` times."""

    domain: bytes = DNSNAME
    protocol: Any = SMTPSender

    def __init__(self, fromEmail: Any, toEmail: Any, file: Any, deferred: defer.Deferred[Any],
                 retries: int = 5, timeout: float | None = None) -> None:
        recipients = [toEmail] if isinstance(toEmail, (bytes, str)) else list(toEmail)
        self.toEmail = [_b(a) if isinstance(a, str) else a for a in recipients]
        self.nEmails = len(self.toEmail)
        self.file, self.fromEmail = file, Address(fromEmail)
        self.result = deferred
        self.result.addBoth(self._removeDeferred)
        self.sendFinished = False
        self.currentProtocol: Any = None
        self.retries = -retries
        self.timeout = timeout

    def _removeDeferred(self, result: Any) -> Any:
        del self.result
        return result

    def clientConnectionFailed(self, connector: Any, err: Failure) -> None:
        self._processConnectionError(connector, err)

    def clientConnectionLost(self, connector: Any, err: Failure) -> None:
        self._processConnectionError(connector, err)

    def _processConnectionError(self, connector: Any, err: Failure | BaseException) -> None:
        self.currentProtocol = None
        if not isinstance(err, Failure):
            err = Failure(err)
        if self.sendFinished:
            return
        if self.retries >= 0:
            self._giveUp(err)
            return
        _log.info("SMTP client retrying server: %s", err.getErrorMessage())
        self.retries += 1
        self.file.seek(0, 0)
        connector.connect()

    def _giveUp(self, err: Failure) -> None:
        self.sendFinished = True
        reason = err.value
        if not isinstance(reason, SMTPError):
            # As Twisted: whatever ended the connection, reported as an SMTPConnectError.
            reason = SMTPConnectError(-1, b"Unable to connect to SMTP server: " + _b(err.getErrorMessage()))
        pending = getattr(self, "result", None)
        if pending is not None and not pending.called:
            pending.errback(reason)

    def buildProtocol(self, addr: Any) -> Any:
        return self._adopt(self.protocol(self.domain, self.nEmails * 2 + 2))

    def _adopt(self, p: Any) -> Any:
        p.factory, p.timeout = self, self.timeout
        self.result.addBoth(self._removeProtocol)
        self.currentProtocol = p
        return p

    def _removeProtocol(self, result: Any) -> Any:
        if self.currentProtocol:
            self.currentProtocol = None
        return result


class ESMTPSender(SenderMixin, ESMTPClient):
    """The ``ESMTPClient`` of ``ESMTPSenderFactory``: CRAM-MD5, LOGIN, PLAIN, in that order."""

    requireAuthentication = True
    requireTransportSecurity = True

    def __init__(self, username: Any, secret: Any, contextFactory: Any = None, *args: Any, **kw: Any) -> None:
        self.heloFallback = False
        self.username = username
        ESMTPClient.__init__(self, secret, contextFactory or self._getContextFactory(), *args, **kw)
        self._registerAuthenticators()

    def _registerAuthenticators(self) -> None:
        self.registerAuthenticator(CramMD5ClientAuthenticator(self.username))
        self.registerAuthenticator(LOGINAuthenticator(self.username))
        self.registerAuthenticator(PLAINAuthenticator(self.username))

    def _getContextFactory(self) -> Any:
        if self.context is not None:
            return self.context
        from twistio.internet import ssl

        return ssl.ClientContextFactory()


class ESMTPSenderFactory(SMTPSenderFactory):
    """``SMTPSenderFactory`` with ESMTP: authentication and TLS (required by default)."""

    protocol: Any = ESMTPSender

    def __init__(self, username: Any, password: Any, fromEmail: Any, toEmail: Any, file: Any,
                 deferred: defer.Deferred[Any], retries: int = 5, timeout: float | None = None,
                 contextFactory: Any = None, heloFallback: bool = False,
                 requireAuthentication: bool = True, requireTransportSecurity: bool = True,
                 hostname: Any = None) -> None:
        SMTPSenderFactory.__init__(self, fromEmail, toEmail, file, deferred, retries, timeout)
        self.username = None if username is None else _b(username)
        self.password = None if password is None else _b(password)
        self._contextFactory = contextFactory
        self._hostname = hostname
        self._heloFallback = heloFallback
        self._requireAuthentication = requireAuthentication
        self._requireTransportSecurity = requireTransportSecurity

    def buildProtocol(self, addr: Any) -> Any:
        context = self._contextFactory
        if context is None and self._hostname is not None:
            from twistio.internet import ssl

            hostname = self._hostname
            context = ssl.optionsForClientTLS(hostname.decode("idna") if isinstance(hostname, bytes) else hostname)
        p = self.protocol(self.username, self.password, context, self.domain, self.nEmails * 2 + 2)
        p.heloFallback = self._heloFallback
        p.requireAuthentication = self._requireAuthentication
        p.requireTransportSecurity = self._requireTransportSecurity
        return self._adopt(p)


def sendmail(smtphost: Any, from_addr: Any, to_addrs: Any, msg: Any, senderDomainName: Any = None,
             port: int = 25, reactor: Any = None, username: Any = None, password: Any = None,
             requireAuthentication: bool = False, requireTransportSecurity: bool = False) -> defer.Deferred[Any]:
    """Send ``msg`` (bytes, str or a file) through ``smtphost``: a Deferred of
    ``(number accepted, [(address, code, response), ...])``. Cancelling it aborts the send.

    STARTTLS is used whenever the server offers it; AUTH when ``username``/``password`` are given.
    """
    if reactor is None:
        from twistio.internet import reactor as default_reactor

        reactor = default_reactor
    if not hasattr(msg, "read"):
        msg = BytesIO(_b(msg))
    username, password = (None if v is None else _b(v) for v in (username, password))
    state: dict[str, Any] = {}

    def cancel(d: defer.Deferred[Any]) -> None:
        factory.sendFinished = True
        protocol = factory.currentProtocol
        if protocol is not None and protocol.transport is not None:
            protocol.transport.abortConnection()
        else:
            state["connector"].disconnect()

    d: defer.Deferred[Any] = defer.Deferred(cancel)
    factory = ESMTPSenderFactory(username, password, from_addr, to_addrs, msg, d, heloFallback=True,
                                 requireAuthentication=requireAuthentication,
                                 requireTransportSecurity=requireTransportSecurity)
    if senderDomainName is not None:
        factory.domain = _b(senderDomainName)
    host = smtphost.decode("idna") if isinstance(smtphost, bytes) else smtphost
    state["connector"] = reactor.connectTCP(host, port, factory)
    return d
