"""IMAP4rev1 (RFC 3501): ``IMAP4Server`` over a cred ``Portal`` of ``IAccount`` avatars,
``MemoryAccount``, and ``IMAP4Client``.

The server reads a command (with its literals: each is announced with a continuation
request and bounded, ``_literalStringLimit`` for strings and ``max_append_size`` for APPEND
messages, spooled to disk past 1 MiB) and runs it before reading the next; untagged
updates from the selected mailbox that arrive meanwhile are sent once the command is done.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.utils
import io
import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from twistio.cred import credentials
from twistio.cred.error import UnauthorizedLogin, UnhandledCredentials
from twistio.internet import defer, error, task
from twistio.internet.error import TimeoutError as TIMEOUT_ERROR
from twistio.internet.interfaces import implementer
from twistio.mail._cred import CramMD5ClientAuthenticator as CramMD5ClientAuthenticator
from twistio.mail._cred import LOGINAuthenticator as LOGINAuthenticator
from twistio.mail._cred import LOGINCredentials as LOGINCredentials
from twistio.mail._cred import PLAINAuthenticator as PLAINAuthenticator
from twistio.mail._cred import PLAINCredentials as PLAINCredentials
from twistio.mail._except import IllegalClientResponse as IllegalClientResponse
from twistio.mail._except import IllegalIdentifierError as IllegalIdentifierError
from twistio.mail._except import IllegalMailboxEncoding as IllegalMailboxEncoding
from twistio.mail._except import IllegalOperation as IllegalOperation
from twistio.mail._except import IllegalQueryError as IllegalQueryError
from twistio.mail._except import IllegalServerResponse as IllegalServerResponse
from twistio.mail._except import IMAP4Exception as IMAP4Exception
from twistio.mail._except import MailboxCollision as MailboxCollision
from twistio.mail._except import MailboxException as MailboxException
from twistio.mail._except import MismatchedNesting as MismatchedNesting
from twistio.mail._except import MismatchedQuoting as MismatchedQuoting
from twistio.mail._except import NegativeResponse as NegativeResponse
from twistio.mail._except import NoSuchMailbox as NoSuchMailbox
from twistio.mail._except import NoSupportedAuthentication as NoSupportedAuthentication
from twistio.mail._except import ReadOnlyMailbox as ReadOnlyMailbox
from twistio.mail._except import UnhandledResponse as UnhandledResponse
from twistio.mail._imap4io import FileProducer as FileProducer
from twistio.mail._imap4io import LiteralFile as LiteralFile
from twistio.mail._imap4io import LiteralString as LiteralString
from twistio.mail._imap4io import MessageProducer as MessageProducer
from twistio.mail._imap4io import WriteBuffer as WriteBuffer
from twistio.mail._imap4io import _FetchParser as _FetchParser
from twistio.mail._imap4io import _formatHeaders as _formatHeaders
from twistio.mail._imap4syntax import (
    DontQuoteMe,
    Literal,
    MessageSet,
    _internal_date,
    _Tokens,
    collapseNestedLists,
    collapseStrings,
    decoder,
    encoder,
    imap4_utf_7,
    modified_base64,
    modified_unbase64,
    parseIdList,
    parseNestedParens,
    parseTime,
    splitOn,
    splitQuoted,
    unquote,
    wildcardToRegexp,
)
from twistio.mail._imap4syntax import _StreamReader as StreamReader
from twistio.mail._imap4syntax import _StreamWriter as StreamWriter
from twistio.mail._lines import LineBuffer, SerialLines
from twistio.mail.interfaces import IAccountIMAP as IAccount
from twistio.mail.interfaces import IClientAuthentication, INamespacePresenter
from twistio.mail.interfaces import ICloseableMailboxIMAP as ICloseableMailbox
from twistio.mail.interfaces import IMailboxIMAP as IMailbox
from twistio.mail.interfaces import IMailboxIMAPInfo as IMailboxInfo
from twistio.mail.interfaces import IMailboxIMAPListener as IMailboxListener
from twistio.mail.interfaces import IMessageIMAP as IMessage
from twistio.mail.interfaces import IMessageIMAPCopier as IMessageCopier
from twistio.mail.interfaces import IMessageIMAPFile as IMessageFile
from twistio.mail.interfaces import IMessageIMAPPart as IMessagePart
from twistio.mail.interfaces import ISearchableIMAPMailbox as ISearchableMailbox
from twistio.protocols import basic, policies
from twistio.python import log
from twistio.python.failure import Failure

__all__ = [
    "CramMD5ClientAuthenticator", "IAccount", "IClientAuthentication", "ICloseableMailbox",
    "IMAP4Client", "IMAP4Exception", "IMAP4Server", "IMailbox", "IMailboxInfo",
    "IMailboxListener", "IMessage", "IMessageCopier", "IMessageFile", "IMessagePart",
    "INamespacePresenter", "ISearchableMailbox", "IllegalClientResponse",
    "IllegalIdentifierError", "IllegalMailboxEncoding", "IllegalOperation", "IllegalQueryError",
    "IllegalServerResponse", "LOGINAuthenticator", "LOGINCredentials", "MailboxCollision",
    "MailboxException", "MemoryAccount", "MismatchedNesting", "MismatchedQuoting",
    "NegativeResponse", "NoSuchMailbox", "NoSupportedAuthentication", "Not", "Or",
    "PLAINAuthenticator", "PLAINCredentials", "Query", "ReadOnlyMailbox", "UnhandledResponse",
    "statusRequestHelper",
]

_log = logging.getLogger("twistio.mail.imap4")
_List = list

# Re-exported helpers (Twisted keeps them in this module).
_reexports = (DontQuoteMe, MessageSet, collapseNestedLists, collapseStrings, decoder, encoder, imap4_utf_7,
              modified_base64, modified_unbase64, parseIdList, parseNestedParens, parseTime, splitOn,
              splitQuoted, unquote, wildcardToRegexp, TIMEOUT_ERROR, UnhandledCredentials, IMessageFile,
              IllegalOperation, NegativeResponse, NoSupportedAuthentication, UnhandledResponse,
              IllegalServerResponse, ReadOnlyMailbox, StreamReader, StreamWriter)


def _b(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def _s(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def iterateInReactor(i: Iterable[Any]) -> defer.Deferred[Any]:
    """Run the iterator cooperatively on the reactor; a Deferred fired when it is done."""
    return task.coiterate(iter(i))


# -- message structure -------------------------------------------------------------------------


def parseAddr(addr: Any) -> list[list[Any]]:
    """``[[name, None, mailbox, host], ...]`` for an address header (``[(None, None, None)]``
    for None)."""
    if addr is None:
        return [[None, None, None]]
    out = []
    for name, address in email.utils.getaddresses([_s(addr)]):
        mailbox, _, host = address.partition("@")
        entry: list[Any] = [name or None, None, mailbox]
        if host or "@" in address:
            entry.append(host)
        out.append(entry)
    return out


def getEnvelope(msg: Any) -> list[Any]:
    """The ENVELOPE of a message: date, subject, from, sender, reply-to, to, cc, bcc,
    in-reply-to, message-id."""
    h = {str(k).lower(): v for k, v in msg.getHeaders(True).items()}
    author = h.get("from")
    addresses = [author, h.get("sender", author), h.get("reply-to", author), h.get("to"), h.get("cc"), h.get("bcc")]
    parsed = [parseAddr(a) if a else None for a in addresses]
    parsed[0] = parseAddr(author)
    parsed[1] = parseAddr(addresses[1])
    return [h.get("date"), h.get("subject"), *parsed, h.get("in-reply-to"), h.get("message-id")]


def getLineCount(msg: Any) -> int:
    """How many lines the message body has."""
    count = 0
    for _line in msg.getBodyFile():
        count += 1
    return count


def subparts(m: Any) -> Iterator[Any]:
    """The sub-parts of a multipart message part."""
    i = 0
    while True:
        try:
            yield m.getSubPart(i)
        except IndexError:
            return
        i += 1


def _content_type(headers: dict[str, Any]) -> tuple[str, str, list[str]]:
    ctype = headers.get("content-type")
    if not ctype:
        return "text", "plain", []
    value = _s(ctype)
    main, _, rest = value.partition(";")
    major, _, minor = main.strip().partition("/")
    pairs: list[tuple[str, str]] = []
    for piece in rest.split(";"):
        if "=" in piece:
            key, _, val = piece.partition("=")
            pairs.append((key.strip(), unquote(val.strip())))
    # Parameters in name order, as Twisted lists them.
    params = [item for pair in sorted(pairs) for item in pair]
    return major.lower() or "text", minor.lower() or "plain", params


def getBodyStructure(msg: Any, extended: bool = False) -> list[Any]:
    """BODY (or, with ``extended``, BODYSTRUCTURE) of a message part."""
    headers = {k.lower(): v for k, v in msg.getHeaders(False, "content-type", "content-id",
                                                       "content-description", "content-transfer-encoding",
                                                       "content-md5", "content-disposition",
                                                       "content-language", "content-location").items()}
    major, minor, params = _content_type(headers)
    isMessage = major == "message" and minor == "rfc822"
    if msg.isMultipart() and not isMessage:
        result: list[Any] = [getBodyStructure(part, extended) for part in subparts(msg)]
        result.append(minor)
        if extended:
            result.extend([params or None, _disposition(headers.get("content-disposition")),
                           headers.get("content-language"), headers.get("content-location")])
        return result
    result = [major, minor, params or None, headers.get("content-id"), headers.get("content-description"),
              headers.get("content-transfer-encoding"), msg.getSize()]
    if isMessage:
        # The enclosed message: its envelope, its structure and its size in lines.
        sub = msg.getSubPart(0)
        result.extend([getEnvelope(sub), getBodyStructure(sub, extended), getLineCount(sub)])
    elif major == "text":
        result.append(getLineCount(msg))
    if extended:
        result.extend([headers.get("content-md5"), _disposition(headers.get("content-disposition")),
                       headers.get("content-language"), headers.get("content-location")])
    return result


def _disposition(value: Any) -> Any:
    if not value:
        return None
    kind, _, rest = _s(value).partition(";")
    params: list[str] = []
    for piece in rest.split(";"):
        if "=" in piece:
            key, _, val = piece.partition("=")
            params.extend([key.strip(), unquote(val.strip())])
    return [kind.strip(), params or None]


def statusRequestHelper(mbox: Any, names: Iterable[str]) -> dict[str, Any]:
    """Answer STATUS ``names`` from an ``IMailbox``."""
    getters = {"MESSAGES": mbox.getMessageCount, "RECENT": mbox.getRecentCount,
               "UIDNEXT": mbox.getUIDNext, "UIDVALIDITY": mbox.getUIDValidity, "UNSEEN": mbox.getUnseenCount}
    return {name: getters[name]() for name in names}


# -- search queries (client side) --------------------------------------------------------------

_SIMPLE_KEYS = {"all", "answered", "deleted", "draft", "flagged", "new", "old", "recent", "seen",
                "unanswered", "undeleted", "undraft", "unflagged", "unseen"}
_QUOTED_KEYS = {"bcc", "before", "body", "cc", "from", "on", "sentbefore", "senton",
                "sentsince", "since", "subject", "text", "to"}
# What a flag keyword (an atom) cannot hold: RFC 3501's atom-specials.
_NOT_ATOM = re.compile(r'[(){%*"\\\]\x00-\x20\x7f]')


def Query(sorted: int = 0, **kwarg: Any) -> str:
    """A SEARCH key from keyword arguments (``Query(seen=1, subject="x")``)."""
    keys = list(kwarg)
    if sorted:
        keys.sort()
    parts: list[str] = []
    for key in keys:
        value = kwarg[key]
        k = key.lower()
        if k in _SIMPLE_KEYS:
            if value:
                parts.append(k.upper())
        elif k in ("larger", "smaller"):
            parts.append(f"{k.upper()} {int(value)}")
        elif k == "uid":
            parts.append(f"UID {value}")
        elif k == "messages":
            parts.append(f'MESSAGES "{value}"')
        elif k in ("keyword", "unkeyword"):
            parts.append(f"{k.upper()} {_NOT_ATOM.sub('', _s(value))}")
        elif k == "header":
            parts.append(f"HEADER {value[0]} {value[1]}")
        elif k in _QUOTED_KEYS:
            text = _s(value).replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'{k.upper()} "{text}"')
        else:
            parts.append(f"{k.upper()} {_s(value)}")
    # One flag key stands alone; anything else is parenthesised, as Twisted's Query does.
    if len(parts) == 1 and parts[0].lower() in _SIMPLE_KEYS:
        return parts[0]
    return "(" + " ".join(parts) + ")"


def Or(*args: str) -> str:
    """``OR`` of two or more SEARCH keys."""
    if len(args) < 2:
        raise IllegalQueryError(args)
    if len(args) == 2:
        return f"(OR {args[0]} {args[1]})"
    return f"(OR {args[0]} {Or(*args[1:])})"


def Not(query: str) -> str:
    """``NOT`` of a SEARCH key."""
    return f"(NOT {query})"


# -- accounts ------------------------------------------------------------------------------------


def _parseMbox(name: Any) -> str:
    if isinstance(name, str):
        return name
    try:
        return bytes(name).decode("imap4-utf-7")
    except (UnicodeDecodeError, TypeError):
        raise IllegalMailboxEncoding(name) from None


@implementer(IAccount)
class MemoryAccountWithoutNamespaces:
    """Mailboxes in a dict (names upper-cased, ``/`` the hierarchy delimiter).

    Subclass and define ``_emptyMailbox(name, id)`` to make new mailboxes.
    """

    mailboxes: dict[str, Any]
    subscriptions: list[str]
    top_id = 0

    def __init__(self, name: Any) -> None:
        self.name = name
        self.mailboxes = {}
        self.subscriptions = []

    def allocateID(self) -> int:
        """A fresh mailbox id."""
        self.top_id += 1
        return self.top_id

    def addMailbox(self, name: Any, mbox: Any = None) -> bool:
        """Add ``mbox`` (a new one if None) as ``name``; ``MailboxCollision`` if it exists."""
        key = _parseMbox(name).upper()
        if key in self.mailboxes:
            raise MailboxCollision(key)
        if mbox is None:
            mbox = self._emptyMailbox(key, self.allocateID())
        self.mailboxes[key] = mbox
        return True

    def create(self, pathspec: Any) -> bool:
        """Create ``pathspec`` and its missing parents; False if it existed."""
        path = _parseMbox(pathspec)
        names = [n for n in path.split("/") if n]
        # every ancestor first (those that exist already are fine), then the mailbox itself
        chain = ["/".join(names[:end]) for end in range(1, len(names) + 1)]
        for ancestor in chain[:-1]:
            with contextlib.suppress(MailboxCollision):
                self.addMailbox(ancestor)
        try:
            self.addMailbox(chain[-1] if chain else "")
        except MailboxCollision:
            # "a/b/" names a hierarchy level: that it exists already is not a failure
            return path.endswith("/")
        return True

    def _emptyMailbox(self, name: str, id: int) -> Any:
        raise NotImplementedError("MemoryAccount needs _emptyMailbox to create mailboxes")

    def select(self, name: Any, readwrite: int = 1) -> Any:
        """The mailbox ``name``, or None."""
        return self.mailboxes.get(_parseMbox(name).upper())

    def delete(self, name: Any) -> None:
        """Delete a mailbox (its inferiors stay; then it becomes \\Noselect)."""
        key = _parseMbox(name).upper()
        mbox = self.mailboxes.get(key)
        if mbox is None:
            raise MailboxException("No such mailbox")
        inferiors = [n for n in self.mailboxes if n.startswith(key + "/")]
        if inferiors and r"\Noselect" in mbox.getFlags():
            raise MailboxException("Hierarchically inferior mailboxes exist and \\Noselect is set")
        mbox.destroy()
        if not inferiors:
            del self.mailboxes[key]

    def rename(self, oldname: Any, newname: Any) -> None:
        """Rename a mailbox and its inferiors."""
        old = _parseMbox(oldname).upper()
        new = _parseMbox(newname).upper()
        if old not in self.mailboxes:
            raise NoSuchMailbox(old)
        moves = [(n, new + n[len(old):]) for n in self.mailboxes if n == old or n.startswith(old + "/")]
        for _, target in moves:
            if target in self.mailboxes:
                raise MailboxCollision(target)
        for source, target in moves:
            self.mailboxes[target] = self.mailboxes.pop(source)

    def isSubscribed(self, name: Any) -> bool:
        """Whether ``name`` is subscribed."""
        return _parseMbox(name).upper() in self.subscriptions

    def subscribe(self, name: Any) -> None:
        """Subscribe to ``name``."""
        key = _parseMbox(name).upper()
        if key not in self.subscriptions:
            self.subscriptions.append(key)

    def unsubscribe(self, name: Any) -> None:
        """Unsubscribe from ``name``."""
        key = _parseMbox(name).upper()
        if key not in self.subscriptions:
            raise MailboxException(f"Not currently subscribed to {key}")
        self.subscriptions.remove(key)

    def listMailboxes(self, ref: Any, wildcard: Any) -> list[tuple[str, Any]]:
        """``(name, mailbox)`` for the names matching ``ref`` + ``wildcard``."""
        pattern = wildcardToRegexp(_parseMbox(ref).upper() + _parseMbox(wildcard).upper(), "/")
        return [(name, box) for name, box in self.mailboxes.items() if pattern.fullmatch(name)]


@implementer(INamespacePresenter)
class MemoryAccount(MemoryAccountWithoutNamespaces):
    """``MemoryAccountWithoutNamespaces`` with one personal namespace (``""``, ``/``)."""

    def getPersonalNamespaces(self) -> list[list[bytes]]:
        """``[[b"", b"/"]]``."""
        return [[b"", b"/"]]

    def getSharedNamespaces(self) -> None:
        """None."""
        return None

    def getOtherNamespaces(self) -> None:
        """None."""
        return None

    getUserNamespaces = getOtherNamespaces


# -- server ----------------------------------------------------------------------------------------

_STATES_ANY = frozenset({"unauth", "auth", "select", "logout"})
_STATES_AUTH = frozenset({"auth", "select"})
_COMMANDS: dict[bytes, frozenset[str]] = {
    b"CAPABILITY": _STATES_ANY, b"NOOP": _STATES_ANY, b"LOGOUT": _STATES_ANY,
    b"AUTHENTICATE": frozenset({"unauth"}), b"LOGIN": frozenset({"unauth"}), b"STARTTLS": frozenset({"unauth"}),
    b"SELECT": _STATES_AUTH, b"EXAMINE": _STATES_AUTH, b"CREATE": _STATES_AUTH, b"DELETE": _STATES_AUTH,
    b"RENAME": _STATES_AUTH, b"SUBSCRIBE": _STATES_AUTH, b"UNSUBSCRIBE": _STATES_AUTH,
    b"LIST": _STATES_AUTH, b"LSUB": _STATES_AUTH, b"STATUS": _STATES_AUTH, b"APPEND": _STATES_AUTH,
    b"NAMESPACE": _STATES_AUTH, b"IDLE": _STATES_AUTH,
    b"CHECK": frozenset({"select"}), b"CLOSE": frozenset({"select"}), b"EXPUNGE": frozenset({"select"}),
    b"SEARCH": frozenset({"select"}), b"FETCH": frozenset({"select"}), b"STORE": frozenset({"select"}),
    b"COPY": frozenset({"select"}), b"UID": frozenset({"select"}),
}
_LITERAL_AT_END = re.compile(rb"\{(\d+)(\+?)\}$")
_TAG = re.compile(rb"[^\x00-\x20\x7f-\xff(){%*\"\\+]+")
_FLAG_NAMES = {"SEEN": r"\Seen", "ANSWERED": r"\Answered", "FLAGGED": r"\Flagged", "DELETED": r"\Deleted",
               "DRAFT": r"\Draft", "RECENT": r"\Recent"}


class _SyntaxError(Exception):
    """A command whose arguments do not parse: ``BAD Illegal syntax: ...``."""


class _FetchItem:
    """One FETCH data item: ``name`` and, for BODY sections, the section and partial."""

    __slots__ = ("fields", "name", "part", "partial", "peek", "section")

    def __init__(self, name: str, peek: bool = False, part: tuple[int, ...] = (), section: str = "",
                 fields: list[str] | None = None, partial: tuple[int, int] | None = None) -> None:
        self.name = name
        self.peek = peek
        self.part = part
        self.section = section
        self.fields = fields
        self.partial = partial


_MACROS = {"ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
           "FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
           "FULL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"]}
_SIMPLE_ITEMS = {"FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "BODY", "RFC822",
                 "RFC822.HEADER", "RFC822.TEXT"}
_SECTION = re.compile(rb"(BODY(?:\.PEEK)?)\[([^\]]*)\](?:<(\d+)\.(\d+)>)?$", re.I)


def _parse_fetch_items(tokens: Any) -> list[_FetchItem]:
    if isinstance(tokens, list):
        raw = tokens
    else:
        raw = [tokens]
    items: list[_FetchItem] = []
    for token in raw:
        if not isinstance(token, bytes):
            raise _SyntaxError("bad FETCH item")
        upper = token.upper().decode("ascii", "replace")
        if upper in _MACROS and len(raw) == 1:
            items.extend(_FetchItem(n) for n in _MACROS[upper])
        elif upper in _SIMPLE_ITEMS:
            items.append(_FetchItem(upper))
        else:
            m = _SECTION.match(token)
            if m is None:
                raise _SyntaxError(f"unknown FETCH item {upper}")
            items.append(_parse_section(m))
    return items


def _parse_section(m: re.Match[bytes]) -> _FetchItem:
    peek = m.group(1).upper() == b"BODY.PEEK"
    spec = m.group(2).decode("ascii", "replace")
    partial = (int(m.group(3)), int(m.group(4))) if m.group(3) is not None else None
    fields: list[str] | None = None
    if "(" in spec:
        head, _, rest = spec.partition("(")
        spec = head.strip()
        fields = [f for f in rest.rstrip(")").split() if f]
    part: list[int] = []
    words = spec.split(".") if spec else []
    while words and words[0].isdigit():
        part.append(int(words.pop(0)))
    section = ".".join(words).upper()
    if section not in ("", "HEADER", "TEXT", "MIME", "HEADER.FIELDS", "HEADER.FIELDS.NOT"):
        raise _SyntaxError(f"unknown section {section}")
    if section.startswith("HEADER.FIELDS") and not fields:
        raise _SyntaxError("HEADER.FIELDS needs a list")
    if section == "MIME" and not part:
        raise _SyntaxError("MIME needs a part number")
    return _FetchItem("SECTION", peek, tuple(part), section, fields, partial)


class IMAP4Server(basic.LineReceiver, policies.TimeoutMixin, SerialLines):
    """An IMAP4rev1 server: LOGIN/AUTHENTICATE through ``portal``, then the account's mailboxes.

    ``chal`` maps SASL mechanism names to credential factories (``{b"PLAIN": PLAINCredentials}``);
    ``contextFactory`` enables STARTTLS (and LOGINDISABLED before it); ``scheduler`` runs
    long FETCH/SEARCH/COPY loops (``iterateInReactor`` by default). twistio-only:
    ``max_append_size`` bounds APPEND literals (50 MiB).
    """

    IDENT = b"Twisted IMAP4rev1 Ready"
    # idle limits in seconds: before login, and once logged in
    timeOut, POSTAUTH_TIMEOUT = 60, 30 * 60
    _gone = False
    startedTLS = canStartTLS = False
    # the session: who logged in (through which portal), the mailbox selected, the commands
    # in progress by tag
    portal: Any = None
    account: Any = None
    mbox: Any = None
    tags: dict[bytes, Any] | None = None
    _onLogout: Callable[[], None] | None = None
    _pendingLiteral: Any = None
    _literalStringLimit = 4096
    max_append_size = 50 * 1024 * 1024
    challengers: dict[bytes, Any]
    _requiresLastMessageInfo = {"OR", "NOT", "UID"}
    state = "unauth"
    parseState = "command"
    MAX_LENGTH = 16384
    _batchLines = False  # a line may announce a literal: read items one at a time

    def __init__(self, chal: Any = None, contextFactory: Any = None, scheduler: Any = None) -> None:
        self.challengers = dict(chal) if chal else {}
        self.ctx = contextFactory
        self._scheduler = scheduler or iterateInReactor
        self._queuedAsync: list[bytes] = []
        self._segments: list[Any] = []
        self._literal_left = 0
        self._literal_sink: Any = None
        self._idle_tag: bytes | None = None
        self._auth_state: tuple[bytes, Any] | None = None

    # -- capabilities and connection --

    def capabilities(self) -> dict[bytes, Any]:
        """``{name: None or [values]}``, as in CAPABILITY."""
        tls_offered = self.ctx is not None and self.canStartTLS and not self.startedTLS
        words = [b"LOGINDISABLED", b"STARTTLS"] if tls_offered else []
        words += [b"NAMESPACE", b"IDLE"]
        return {b"AUTH": list(self.challengers), **dict.fromkeys(words)}

    def listCapabilities(self) -> list[bytes]:
        """The capability words."""
        caps = [b"IMAP4rev1"]
        for name, value in self.capabilities().items():
            if value is None:
                caps.append(name)
            else:
                caps.extend(name + b"=" + _b(v) for v in value)
        return caps

    def connectionMade(self) -> None:
        """Greet and start the idle timer."""
        self.tags = {}
        self.canStartTLS = callable(getattr(self.transport, "startTLS", None))
        self._lines = LineBuffer(self.MAX_LENGTH)
        self.setTimeout(self.timeOut)
        self.sendServerGreeting()

    def connectionLost(self, reason: Any = None) -> None:
        """Drop the mailbox listener, log out."""
        self._gone = True
        self.setTimeout(None)
        # The mailbox stops telling this protocol about changes; ``mbox`` stays set, as in
        # Twisted (a mailbox without listeners is fine too).
        remove = getattr(self.mbox, "removeListener", None)
        if remove is not None:
            try:
                remove(self)
            except ValueError:
                pass
        self._discardLiteral()
        if self._onLogout is not None:
            logout, self._onLogout = self._onLogout, None
            logout()

    def timeoutConnection(self) -> None:
        """Idle too long."""
        self.sendLine(b"* BYE Autologout; connection idle too long")
        self.transport.loseConnection()
        if self.mbox is not None:
            self.mbox.removeListener(self)
            if ICloseableMailbox.providedBy(self.mbox):
                self.mbox.close()
            self.mbox = None
        self.state = "timeout"

    def sendServerGreeting(self) -> None:
        """``* OK [CAPABILITY ...] IDENT``."""
        self.sendPositiveResponse(message=b"[CAPABILITY " + b" ".join(self.listCapabilities()) + b"] " + self.IDENT)

    # -- responses --

    def _respond(self, state: bytes, tag: bytes | None, message: bytes | None) -> None:
        tag = tag or b"*"
        self.sendLine(tag + b" " + state + (b" " + message if message else b""))

    def sendBadResponse(self, tag: bytes | None = None, message: Any = b"") -> None:
        """``tag BAD message``."""
        self._respond(b"BAD", tag, _b(message))

    def sendPositiveResponse(self, tag: bytes | None = None, message: Any = b"") -> None:
        """``tag OK message``."""
        self._respond(b"OK", tag, _b(message))

    def sendNegativeResponse(self, tag: bytes | None = None, message: Any = b"") -> None:
        """``tag NO message``."""
        self._respond(b"NO", tag, _b(message))

    def sendUntaggedResponse(self, message: Any, isAsync: Any = None, **kwargs: Any) -> None:
        """``* message``; an update from the mailbox (``isAsync``) waits for the running command."""
        isAsync = kwargs.get("async", isAsync)
        if isAsync and self._blocked:
            self._queuedAsync.append(_b(message))
            return
        self.sendLine(b"* " + _b(message))

    def sendContinuationRequest(self, msg: Any = b"Ready for additional command text") -> None:
        """``+ msg``."""
        self.sendLine(b"+ " + _b(msg) if msg else b"+")

    def _flushAsync(self) -> None:
        queued, self._queuedAsync = self._queuedAsync, []
        for message in queued:
            self.sendLine(b"* " + message)

    # -- framing: lines and literals --

    def dataReceived(self, data: bytes) -> None:
        """Frame lines and literals."""
        self._feed(data)

    def rawDataReceived(self, data: bytes) -> None:
        """Not used: literals are framed by ``dataReceived``."""

    def _nextInput(self) -> Any:
        lines = self._lines
        if lines is None:
            return None
        while self._literal_left:
            chunk = lines.raw(self._literal_left)
            if not chunk:
                return None
            self._literal_sink.write(chunk)
            self._literal_left -= len(chunk)
            if not self._literal_left:
                self._literalDone()
        return lines.line()

    def _onLine(self, line: bytes) -> None:
        self.resetTimeout()
        self.lineReceived(line)

    def _onTooLong(self) -> None:
        self._segments = []
        self.sendBadResponse(None, b"Line too long")

    def lineReceived(self, line: bytes) -> None:
        """A line: part of a command, an AUTHENTICATE answer, or DONE for IDLE."""
        if self._auth_state is not None:
            self._authLine(line)
            return
        if self._idle_tag is not None:
            self._idleLine(line)
            return
        if self._segments:
            self._segments.append(line)
        else:
            self._segments = [line]
        m = _LITERAL_AT_END.search(line)
        if m is None:
            segments, self._segments = self._segments, []
            self._runCommand(segments)
            return
        size = int(m.group(1))
        first = self._segments[0]
        tag = first.split(b" ", 1)[0]
        is_append = b" APPEND " in first.upper()[:64]
        limit = self.max_append_size if is_append else self._literalStringLimit
        if size > limit:
            self._segments = []
            self.sendBadResponse(tag, b"Literal too long")
            return
        if not m.group(2):
            self.sendContinuationRequest(b"Ready for %d octets of %s" % (size, b"data" if is_append else b"text"))
        self._segments[-1] = line[: m.start()]
        # A message up to 1 MiB stays in memory (a BytesIO, as Twisted's LiteralFile gives
        # the mailbox), a longer one goes to a temporary file.
        self._literal_sink = (tempfile.TemporaryFile()  # noqa: SIM115 - closed by APPEND
                              if is_append and size > 1 << 20 else io.BytesIO())
        self._literal_left = size
        if size == 0:
            self._literalDone()

    def _literalDone(self) -> None:
        sink, self._literal_sink = self._literal_sink, None
        sink.seek(0)
        self._segments.append(sink)

    def _discardLiteral(self) -> None:
        if self._literal_sink is not None:
            self._literal_sink.close()
            self._literal_sink = None
        self._literal_left = 0
        for seg in self._segments:
            if not isinstance(seg, bytes):
                seg.close()
        self._segments = []

    def _tokens(self, segments: list[Any]) -> list[Any]:
        """Tokenise a command's arguments; literals (files) stand as they are."""
        tokens: list[Any] = []
        stack = [tokens]
        for seg in segments:
            if isinstance(seg, bytes):
                t = _Tokens(seg, handleLiteral=False)
                t._skip()
                while t.pos < len(seg):
                    ch = seg[t.pos : t.pos + 1]
                    if ch == b"(":
                        new: list[Any] = []
                        stack[-1].append(new)
                        stack.append(new)
                        t.pos += 1
                    elif ch == b")":
                        if len(stack) == 1:
                            raise MismatchedNesting(seg)
                        stack.pop()
                        t.pos += 1
                    else:
                        value = t.value()
                        stack[-1].append(value)
                    t._skip()
            else:
                if isinstance(seg, io.BytesIO):
                    stack[-1].append(Literal(seg.getvalue()))
                else:
                    stack[-1].append(seg)
        if len(stack) != 1:
            raise MismatchedNesting(b"")
        return tokens

    # -- dispatch --

    def _runCommand(self, segments: list[Any]) -> None:
        first = segments[0]
        if not isinstance(first, bytes) or not first.strip():
            self.sendBadResponse(None, b"Null command")
            self._closeFiles(segments)
            return
        tag, sep, rest = first.partition(b" ")
        if not sep or not rest.strip():
            self.sendBadResponse(tag, b"Missing command")
            self._closeFiles(segments)
            return
        if _TAG.fullmatch(tag) is None:
            self.sendBadResponse(None, b"Bad tag")
            self._closeFiles(segments)
            return
        name, _, args = rest.lstrip().partition(b" ")
        command = name.upper()
        allowed = _COMMANDS.get(command)
        if allowed is None or self.state not in allowed:
            self.sendBadResponse(tag, b"Unsupported command")
            self._closeFiles(segments)
            return
        try:
            tokens = self._tokens([args, *segments[1:]])
        except (MismatchedNesting, MismatchedQuoting) as e:
            self.sendBadResponse(tag, b"Illegal syntax: " + _b(type(e).__name__))
            self._closeFiles(segments)
            return
        self.dispatchCommand(tag, command, tokens)

    @staticmethod
    def _closeFiles(segments: list[Any]) -> None:
        for seg in segments:
            if not isinstance(seg, bytes):
                seg.close()

    def dispatchCommand(self, tag: bytes, cmd: bytes, rest: list[Any], uid: bool = False) -> None:
        """Run ``cmd`` with its argument tokens; errors become BAD/NO responses. As in Twisted,
        the idle timeout is suspended while the command is being worked on."""
        previous = self.setTimeout(None)
        try:
            result = self._callCommand(tag, cmd, rest, uid)
        except BaseException:
            self._restoreTimeout(None, previous)
            raise
        if isinstance(result, defer.Deferred):
            result.addBoth(self._restoreTimeout, previous)
            self._block(result.addErrback(self._ebCommand, tag).addBoth(self._commandDone))
        else:
            self._restoreTimeout(None, previous)

    def _callCommand(self, tag: bytes, cmd: bytes, rest: list[Any], uid: bool) -> Any:
        method = getattr(self, "_cmd_" + cmd.decode("ascii"))
        try:
            return method(tag, rest, uid) if cmd in (b"FETCH", b"SEARCH", b"STORE", b"COPY") \
                else method(tag, rest)
        except _SyntaxError as e:
            self.sendBadResponse(tag, b"Illegal syntax: " + _b(e))
        except (IllegalIdentifierError, IllegalQueryError, IllegalMailboxEncoding) as e:
            self.sendBadResponse(tag, b"Illegal syntax: " + _b(e))
        except Exception as e:
            _log.exception("IMAP4 command %r failed", cmd)
            self.sendBadResponse(tag, b"Server error: " + _b(e))
        return None

    def _restoreTimeout(self, result: Any, period: float | None) -> Any:
        # Unless the command set a timeout of its own (LOGIN) or the connection is gone.
        if self.timeOut is None and not self._gone and self.state != "timeout":
            self.setTimeout(period)
        return result

    def _ebCommand(self, failure: Failure, tag: bytes) -> None:
        _log.error("IMAP4 command failed: %s", failure.getTraceback())
        self.sendBadResponse(tag, b"Server error: " + _b(failure.getErrorMessage()))

    def _commandDone(self, result: Any) -> Any:
        if self._queuedAsync and self._blocked <= 1:
            self._flushAsync()
        return result

    # -- argument helpers --

    @staticmethod
    def _args(tokens: list[Any], count: int, name: str) -> list[Any]:
        if len(tokens) != count:
            raise _SyntaxError(f"{name} takes {count} argument{'s' if count != 1 else ''}")
        return tokens

    @staticmethod
    def _string(token: Any) -> bytes:
        if isinstance(token, (list, type(None))):
            if token is None:
                return b"NIL"
            raise _SyntaxError("expected a string")
        if not isinstance(token, bytes):
            return bytes(token.read())
        return token

    def _mailboxName(self, token: Any) -> str:
        return _parseMbox(self._string(token))

    # -- any state --

    def _cmd_CAPABILITY(self, tag: bytes, args: list[Any]) -> None:
        self.sendUntaggedResponse(b"CAPABILITY " + b" ".join(self.listCapabilities()))
        self.sendPositiveResponse(tag, b"CAPABILITY completed")

    def _cmd_NOOP(self, tag: bytes, args: list[Any]) -> None:
        self._flushAsync()
        self.sendPositiveResponse(tag, b"NOOP No operation performed")

    def _cmd_LOGOUT(self, tag: bytes, args: list[Any]) -> None:
        self.sendUntaggedResponse(b"BYE Nice talking to you")
        self.sendPositiveResponse(tag, b"LOGOUT successful")
        self.transport.loseConnection()
        self.state = "logout"

    # -- not authenticated --

    def _cmd_STARTTLS(self, tag: bytes, args: list[Any]) -> None:
        if self.startedTLS:
            self.sendNegativeResponse(tag, b"TLS already negotiated")
            return
        if self.ctx is None or not self.canStartTLS:
            self.sendNegativeResponse(tag, b"TLS not available")
            return
        self.sendPositiveResponse(tag, b"Begin TLS negotiation now")
        self.transport.startTLS(self.ctx)
        self.startedTLS = True
        self.canStartTLS = False
        # As Twisted: over TLS, plain-text passwords may go by AUTHENTICATE LOGIN/PLAIN.
        self.challengers = dict(self.challengers or {})
        self.challengers.setdefault(b"LOGIN", LOGINCredentials)
        self.challengers.setdefault(b"PLAIN", PLAINCredentials)
        if self._lines is not None:
            self._lines.rest()

    def _cmd_LOGIN(self, tag: bytes, args: list[Any]) -> Any:
        user, password = (self._string(a) for a in self._args(args, 2, "LOGIN"))
        if b"LOGINDISABLED" in self.capabilities():
            self.sendNegativeResponse(tag, b"LOGIN is disabled before STARTTLS")
            return None
        d = defer.maybeDeferred(self.authenticateLogin, user, password)
        return d.addCallbacks(self._cbLogin, self._ebLogin, callbackArgs=(tag,), errbackArgs=(tag,))

    def authenticateLogin(self, user: bytes, passwd: bytes) -> Any:
        """Log in through ``portal`` with ``UsernamePassword``."""
        if self.portal is not None:
            return self.portal.login(credentials.UsernamePassword(user, passwd), None, IAccount)
        raise UnauthorizedLogin()

    def _cbLogin(self, result: tuple[Any, Any, Callable[[], None]], tag: bytes) -> None:
        iface, avatar, logout = result
        if iface is not IAccount:
            self.sendBadResponse(tag, b"Server error: login returned unexpected value")
            _log.error("%r is not IAccount", iface)
            return
        self._loggedIn(avatar, logout)
        self.sendPositiveResponse(tag, b"LOGIN succeeded")

    def _loggedIn(self, avatar: Any, logout: Callable[[], None]) -> None:
        self.account, self._onLogout, self.state = avatar, logout, "auth"
        self.setTimeout(self.POSTAUTH_TIMEOUT)

    def _ebLogin(self, failure: Failure, tag: bytes) -> None:
        if failure.check(UnauthorizedLogin, UnhandledCredentials):
            self.sendNegativeResponse(tag, b"LOGIN failed")
        else:
            log.err(failure, "LOGIN failed")
            self.sendBadResponse(tag, b"Server error: " + _b(failure.getErrorMessage()))

    def _cmd_AUTHENTICATE(self, tag: bytes, args: list[Any]) -> None:
        if not args or not isinstance(args[0], bytes):
            raise _SyntaxError("AUTHENTICATE needs a mechanism")
        make = self.challengers.get(args[0].upper())
        if make is None:
            self.sendNegativeResponse(tag, b"AUTHENTICATE method unsupported")
            return
        challenger = make()
        try:
            challenge = challenger.getChallenge()
        except Exception as e:
            self.sendBadResponse(tag, b"Server error: " + str(e).encode("utf-8", "replace"))
            return
        self._auth_state = (tag, challenger)
        self.sendContinuationRequest(base64.b64encode(challenge) or b"")

    def _authLine(self, line: bytes) -> None:
        assert self._auth_state is not None
        tag, challenger = self._auth_state
        if line.strip() == b"*":
            self._auth_state = None
            self.sendBadResponse(tag, b"AUTHENTICATE cancelled")
            return
        try:
            challenger.setResponse(base64.b64decode(line.strip(), validate=True))
        except (binascii.Error, ValueError, IllegalClientResponse):
            self._auth_state = None
            self.sendNegativeResponse(tag, b"Authentication failed: Malformed Response - not base64")
            return
        if challenger.moreChallenges():
            self.sendContinuationRequest(base64.b64encode(challenger.getChallenge()))
            return
        self._auth_state = None
        if self.portal is None:
            self.sendNegativeResponse(tag, b"Temporary authentication failure")
            return
        d = self.portal.login(challenger, None, IAccount)

        def ok(result: Any) -> None:
            self._loggedIn(result[1], result[2])
            self.sendPositiveResponse(tag, b"Authentication successful")

        def refused(failure: Failure) -> None:
            # Twisted's texts: a portal without a checker for these credentials is a
            # misconfiguration; anything else unexpected is logged.
            if failure.check(UnhandledCredentials):
                self.sendNegativeResponse(tag, b"Authentication failed: server misconfigured")
            elif failure.check(UnauthorizedLogin):
                self.sendNegativeResponse(tag, b"Authentication failed: " + _b(failure.getErrorMessage()))
            else:
                log.err(failure, "AUTHENTICATE failed")
                self.sendBadResponse(tag, b"Server error: login failed unexpectedly")

        self._block(d.addCallbacks(ok, refused))

    # -- authenticated --

    def _cmd_NAMESPACE(self, tag: bytes, args: list[Any]) -> None:
        account = self.account
        if INamespacePresenter.providedBy(account):
            # INamespacePresenter says getUserNamespaces; Twisted's MemoryAccount calls it
            # getOtherNamespaces: take either.
            others = getattr(account, "getUserNamespaces", None) or account.getOtherNamespaces
            spaces = [account.getPersonalNamespaces(), account.getSharedNamespaces(), others()]
            self.sendUntaggedResponse(b"NAMESPACE " + collapseNestedLists(spaces))
        else:
            self.sendUntaggedResponse(b"NAMESPACE NIL NIL NIL")
        self.sendPositiveResponse(tag, b"NAMESPACE command completed")

    def _cmd_SELECT(self, tag: bytes, args: list[Any], rw: bool = True) -> Any:
        (name,) = self._args(args, 1, "SELECT")
        mailbox = self._mailboxName(name)
        d = defer.maybeDeferred(self.account.select, mailbox, rw)
        cmdName = b"SELECT" if rw else b"EXAMINE"
        return d.addCallbacks(self._cbSelect, self._ebSelect, (tag, cmdName), None, (tag, cmdName))

    def _ebSelect(self, failure: Failure, tag: bytes, cmdName: bytes) -> None:
        # As Twisted: the account's error is logged, the client told only that it failed.
        log.err(failure, cmdName.decode("ascii") + " failed")
        self.sendBadResponse(tag, cmdName + b" failed: Server error")

    def _cmd_EXAMINE(self, tag: bytes, args: list[Any]) -> Any:
        return self._cmd_SELECT(tag, args, rw=False)

    def _cbSelect(self, mbox: Any, tag: bytes, cmdName: bytes) -> None:
        if mbox is None:
            self.sendNegativeResponse(tag, b"No such mailbox")
            return
        if self.mbox is not None:
            self.mbox.removeListener(self)
            if ICloseableMailbox.providedBy(self.mbox):
                self.mbox.close()
        self.mbox = mbox
        self.state = "select"
        flags = mbox.getFlags()
        self.sendUntaggedResponse(b"%d EXISTS" % mbox.getMessageCount())
        self.sendUntaggedResponse(b"%d RECENT" % mbox.getRecentCount())
        self.sendUntaggedResponse(b"FLAGS (" + b" ".join(_b(f) for f in flags) + b")")
        self.sendPositiveResponse(None, b"[UIDVALIDITY %d]" % mbox.getUIDValidity())
        mode = b"READ-WRITE" if mbox.isWriteable() else b"READ-ONLY"
        mbox.addListener(self)
        self.sendPositiveResponse(tag, b"[" + mode + b"] " + cmdName + b" successful")

    def _cmd_IDLE(self, tag: bytes, args: list[Any]) -> None:
        self._idle_tag = tag
        self.sendContinuationRequest(None)

    def _idleLine(self, line: bytes) -> None:
        tag, self._idle_tag = self._idle_tag, None
        if line.strip().upper() == b"DONE":
            self.sendPositiveResponse(tag, b"IDLE terminated")
        else:
            self.sendBadResponse(tag, b"Bad IDLE termination: expected DONE")

    def _simple(self, tag: bytes, call: Callable[[], Any], ok: bytes, no: bytes) -> Any:
        def done(result: Any) -> None:
            if result is False:
                self.sendNegativeResponse(tag, no)
            else:
                self.sendPositiveResponse(tag, ok)

        def failed(failure: Failure) -> None:
            failure.trap(MailboxException)
            self.sendNegativeResponse(tag, _b(failure.getErrorMessage()))

        return defer.maybeDeferred(call).addCallbacks(done, failed)

    def _cmd_CREATE(self, tag: bytes, args: list[Any]) -> Any:
        (name,) = self._args(args, 1, "CREATE")
        mailbox = self._mailboxName(name)
        return self._simple(tag, lambda: bool(self.account.create(mailbox)), b"Mailbox created",
                            b"Mailbox not created")

    def _cmd_DELETE(self, tag: bytes, args: list[Any]) -> Any:
        (name,) = self._args(args, 1, "DELETE")
        mailbox = self._mailboxName(name)
        if mailbox.lower() == "inbox":
            self.sendNegativeResponse(tag, b"You cannot delete the inbox")
            return None
        return self._simple(tag, lambda: self.account.delete(mailbox), b"Mailbox deleted", b"")

    def _cmd_RENAME(self, tag: bytes, args: list[Any]) -> Any:
        old, new = (self._mailboxName(a) for a in self._args(args, 2, "RENAME"))
        if old.lower() == "inbox" or new.lower() == "inbox":
            self.sendNegativeResponse(tag, b"You cannot rename the inbox, or rename another mailbox to inbox.")
            return None
        return self._simple(tag, lambda: self.account.rename(old, new), b"Mailbox renamed", b"")

    def _cmd_SUBSCRIBE(self, tag: bytes, args: list[Any]) -> Any:
        (name,) = self._args(args, 1, "SUBSCRIBE")
        mailbox = self._mailboxName(name)
        return self._simple(tag, lambda: self.account.subscribe(mailbox), b"Subscribed", b"")

    def _cmd_UNSUBSCRIBE(self, tag: bytes, args: list[Any]) -> Any:
        (name,) = self._args(args, 1, "UNSUBSCRIBE")
        mailbox = self._mailboxName(name)
        return self._simple(tag, lambda: self.account.unsubscribe(mailbox), b"Unsubscribed", b"")

    def _cmd_LIST(self, tag: bytes, args: list[Any], cmdName: bytes = b"LIST") -> Any:
        ref, pattern = (self._mailboxName(a) for a in self._args(args, 2, cmdName.decode()))
        d = defer.maybeDeferred(self.account.listMailboxes, ref, pattern)

        def listed(mailboxes: Iterable[tuple[Any, Any]]) -> None:
            for name, box in mailboxes:
                if cmdName == b"LSUB" and not self.account.isSubscribed(name):
                    continue
                flags = [DontQuoteMe(_b(f)) for f in box.getFlags()]
                delim = box.getHierarchicalDelimiter()
                line = collapseNestedLists([DontQuoteMe(cmdName), flags, _b(delim),
                                            _parseMbox(name).encode("imap4-utf-7")])
                self.sendUntaggedResponse(line)
            self.sendPositiveResponse(tag, cmdName + b" completed")

        return d.addCallback(listed)

    def _cmd_LSUB(self, tag: bytes, args: list[Any]) -> Any:
        return self._cmd_LIST(tag, args, b"LSUB")

    def _cmd_STATUS(self, tag: bytes, args: list[Any]) -> Any:
        name, names = self._args(args, 2, "STATUS")
        if not isinstance(names, list):
            names = [names]
        wanted = [self._string(n).upper().decode("ascii", "replace") for n in names]
        for item in wanted:
            if item not in ("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN"):
                raise _SyntaxError(f"unknown STATUS item {item}")
        mailbox = self._mailboxName(name)
        d = defer.maybeDeferred(self.account.select, mailbox, 0)

        def got(mbox: Any) -> Any:
            if mbox is None:
                self.sendNegativeResponse(tag, b"Could not open mailbox")
                return None
            return defer.maybeDeferred(mbox.requestStatus, wanted).addCallback(report)

        def report(status: dict[str, Any]) -> None:
            items: list[Any] = []
            for key, value in status.items():
                items.extend([DontQuoteMe(_b(key)), value])
            self.sendUntaggedResponse(b"STATUS " + mailbox.encode("imap4-utf-7") + b" ("
                                      + collapseNestedLists(items) + b")")
            self.sendPositiveResponse(tag, b"STATUS complete")

        return d.addCallback(got)

    def _cmd_APPEND(self, tag: bytes, args: list[Any]) -> Any:
        if len(args) < 2:
            raise _SyntaxError("APPEND takes a mailbox and a message")
        name, *middle, message = args
        flags: list[str] = []
        date: Any = None
        for item in middle:
            if isinstance(item, list):
                flags = [_s(f) for f in item]
            elif isinstance(item, bytes):
                date = item  # the date-time as sent (bytes), as Twisted's server passes it
            else:
                raise _SyntaxError("bad APPEND arguments")
        if isinstance(message, bytes):
            message = io.BytesIO(message)
        elif isinstance(message, list) or message is None:
            raise _SyntaxError("APPEND needs a literal message")
        mailbox = self._mailboxName(name)
        d = defer.maybeDeferred(self.account.select, mailbox)

        target: list[Any] = []

        def got(mbox: Any) -> Any:
            if mbox is None:
                self.sendNegativeResponse(tag, b"Could not open mailbox")
                return None
            target.append(mbox)
            return defer.maybeDeferred(mbox.addMessage, message, flags, date).addCallbacks(added, failed)

        def added(_: Any) -> None:
            self._flushAsync()
            if target and target[0] is self.mbox:
                self.sendUntaggedResponse(b"%d EXISTS" % self.mbox.getMessageCount())
            self.sendPositiveResponse(tag, b"APPEND complete")

        def failed(failure: Failure) -> None:
            self.sendNegativeResponse(tag, b"APPEND failed: " + _b(failure.getErrorMessage()))

        def close(result: Any) -> Any:
            # A message on disk is closed once the mailbox has it; one in memory is left
            # open, as the mailbox may keep it (Twisted's mailboxes read it later).
            if not isinstance(message, io.BytesIO):
                message.close()
            return result

        return d.addCallback(got).addBoth(close)

    # -- selected --

    def checkpoint(self) -> None:
        """Override to flush the mailbox to storage on CHECK."""

    def _cmd_CHECK(self, tag: bytes, args: list[Any]) -> Any:
        return defer.maybeDeferred(self.checkpoint).addCallback(
            lambda _: self.sendPositiveResponse(tag, b"CHECK completed"))

    def _cmd_CLOSE(self, tag: bytes, args: list[Any]) -> Any:
        mbox = self.mbox
        d = defer.maybeDeferred(mbox.expunge) if mbox.isWriteable() else defer.succeed(None)

        def closed(_: Any) -> None:
            mbox.removeListener(self)
            if ICloseableMailbox.providedBy(mbox):
                mbox.close()
            self.mbox = None
            self.state = "auth"
            self.sendPositiveResponse(tag, b"CLOSE completed")

        return d.addCallback(closed)

    def _cmd_EXPUNGE(self, tag: bytes, args: list[Any]) -> Any:
        if not self.mbox.isWriteable():
            self.sendNegativeResponse(tag, b"EXPUNGE ignored on read-only mailbox")
            return None

        def expunged(result: Any) -> None:
            for number in result or ():
                self.sendUntaggedResponse(b"%d EXPUNGE" % number)
            self.sendPositiveResponse(tag, b"EXPUNGE completed")

        return defer.maybeDeferred(self.mbox.expunge).addCallback(expunged)

    def _cmd_UID(self, tag: bytes, args: list[Any]) -> None:
        if not args or not isinstance(args[0], bytes):
            raise _SyntaxError("UID needs a command")
        sub = args[0].upper()
        if sub not in (b"FETCH", b"SEARCH", b"STORE", b"COPY"):
            raise _SyntaxError(sub.decode("ascii", "replace"))
        self.dispatchCommand(tag, sub, args[1:], uid=True)

    def _messageSet(self, token: Any) -> MessageSet:
        if not isinstance(token, bytes):
            raise _SyntaxError("expected a message set")
        return parseIdList(token)

    # FETCH

    def _cmd_FETCH(self, tag: bytes, args: list[Any], uid: bool = False) -> Any:
        seq, spec = self._args(args, 2, "FETCH")
        messages = self._messageSet(seq)
        items = _parse_fetch_items(spec)
        if uid and not any(i.name == "UID" for i in items):
            items.append(_FetchItem("UID"))
        d = defer.maybeDeferred(self.mbox.fetch, messages, uid)

        def fetched(results: Iterable[tuple[int, Any]]) -> Any:
            def steps() -> Iterator[None]:
                for number, msg in results:
                    self.transport.write(self._fetchResponse(number, msg, items))
                    yield None

            return self._scheduler(steps())

        def done(_: Any) -> None:
            self.sendPositiveResponse(tag, b"FETCH completed")

        return d.addCallback(fetched).addCallback(done)

    def _fetchResponse(self, number: int, msg: Any, items: list[_FetchItem]) -> bytes:
        parts: list[bytes] = []
        for item in items:
            parts.append(self._fetchItem(msg, item))
        return b"* %d FETCH (" % number + b" ".join(parts) + b")\r\n"

    def _fetchItem(self, msg: Any, item: _FetchItem) -> bytes:
        name = item.name
        if name == "FLAGS":
            return b"FLAGS (" + b" ".join(_b(f) for f in msg.getFlags()) + b")"
        if name == "UID":
            return b"UID %d" % msg.getUID()
        if name == "INTERNALDATE":
            return b'INTERNALDATE "' + _internal_date(msg.getInternalDate()) + b'"'
        if name == "RFC822.SIZE":
            return b"RFC822.SIZE %d" % msg.getSize()
        if name == "ENVELOPE":
            return b"ENVELOPE (" + collapseNestedLists(getEnvelope(msg)) + b")"
        if name == "BODYSTRUCTURE":
            return b"BODYSTRUCTURE (" + collapseNestedLists(getBodyStructure(msg, True)) + b")"
        if name == "BODY":
            return b"BODY (" + collapseNestedLists(getBodyStructure(msg, False)) + b")"
        if name == "RFC822":
            return b"RFC822 " + _literal(_wholeMessage(msg))
        if name == "RFC822.HEADER":
            return b"RFC822.HEADER " + _literal(_headerBlock(msg.getHeaders(True)))
        if name == "RFC822.TEXT":
            return b"RFC822.TEXT " + _literal(_bodyBytes(msg))
        return self._section(msg, item)

    def _section(self, msg: Any, item: _FetchItem) -> bytes:
        part = msg
        for index in item.part:
            if part.isMultipart():
                part = part.getSubPart(index - 1)
            elif index != 1:
                raise IndexError(index)
        section = item.section
        if section == "HEADER.FIELDS":
            data = _headerBlock(part.getHeaders(False, *item.fields or ()))
        elif section == "HEADER.FIELDS.NOT":
            data = _headerBlock(part.getHeaders(True, *item.fields or ()) if not item.fields else
                                {k: v for k, v in part.getHeaders(True).items()
                                 if k.lower() not in {f.lower() for f in item.fields}})
        elif section in ("HEADER", "MIME"):
            data = _headerBlock(part.getHeaders(True))
        elif section == "TEXT":
            data = _bodyBytes(part)
        elif item.part:
            data = _bodyBytes(part) if part is msg or not part.isMultipart() else _wholeMessage(part)
        else:
            data = _wholeMessage(part)
        label = b"BODY[" + b".".join(b"%d" % p for p in item.part)
        if section:
            label += (b"." if item.part else b"") + section.encode("ascii")
        if item.fields is not None:
            label += b" (" + b" ".join(f.title().encode("ascii") for f in item.fields) + b")"
        label += b"]"
        if item.partial is not None:
            start, length = item.partial
            data = data[start : start + length]
            label += b"<%d>" % start
        return label + b" " + _literal(data)

    # SEARCH

    def _cmd_SEARCH(self, tag: bytes, args: list[Any], uid: bool = False) -> Any:
        if args and isinstance(args[0], bytes) and args[0].upper() == b"CHARSET":
            if len(args) < 2:
                raise _SyntaxError("CHARSET needs a value")
            charset = self._string(args[1]).upper()
            if charset not in (b"US-ASCII", b"UTF-8"):
                self.sendNegativeResponse(tag, b"[BADCHARSET (US-ASCII UTF-8)] unsupported charset")
                return None
            args = args[2:]
        if not args:
            raise _SyntaxError("SEARCH needs a search key")
        if ISearchableMailbox.providedBy(self.mbox):
            d = defer.maybeDeferred(self.mbox.search, args, uid)
            return d.addCallbacks(self._cbSearchResult, self._ebSearch, (tag,), None, (tag,))
        try:
            query = _SearchQuery(args)
        except IllegalQueryError:
            self._ebSearch(Failure(), tag)
            return None
        d = defer.maybeDeferred(self.mbox.fetch, MessageSet(1, None), False)

        def searched(results: Iterable[tuple[int, Any]]) -> Any:
            found: list[int] = []
            listed = list(results)
            last_seq = listed[-1][0] if listed else 0
            last_uid = listed[-1][1].getUID() if listed else 0

            def steps() -> Iterator[None]:
                for number, msg in listed:
                    if query.matches(number, msg, last_seq, last_uid):
                        found.append(msg.getUID() if uid else number)
                    yield None

            return self._scheduler(steps()).addCallback(lambda _: found)

        return d.addCallback(searched).addCallback(self._cbSearchResult, tag)

    def _ebSearch(self, failure: Failure, tag: bytes) -> None:
        # A search key the mailbox (or twistio's own search) does not know: NO, and the
        # error logged, as Twisted's server does.
        failure.trap(IllegalQueryError)
        log.err(failure)
        self.sendNegativeResponse(tag, b"SEARCH failed: " + _b(failure.getErrorMessage()))

    def _cbSearchResult(self, ids: Iterable[int], tag: bytes) -> None:
        self.sendUntaggedResponse(b" ".join([b"SEARCH", *(b"%d" % i for i in ids)]))
        self.sendPositiveResponse(tag, b"SEARCH completed")

    # STORE

    def _cmd_STORE(self, tag: bytes, args: list[Any], uid: bool = False) -> Any:
        if len(args) < 3:
            raise _SyntaxError("STORE takes a message set, an item and flags")
        seq, mode_token, *flag_tokens = args
        messages = self._messageSet(seq)
        mode_text = self._string(mode_token).upper()
        silent = mode_text.endswith(b".SILENT")
        if silent:
            mode_text = mode_text[: -len(b".SILENT")]
        modes = {b"FLAGS": 0, b"+FLAGS": 1, b"-FLAGS": -1}
        if mode_text not in modes:
            raise _SyntaxError("bad STORE item")
        if len(flag_tokens) == 1 and isinstance(flag_tokens[0], list):
            flag_tokens = flag_tokens[0]
        flags = [_s(self._string(f)) for f in flag_tokens]
        d = defer.maybeDeferred(self.mbox.store, messages, flags, modes[mode_text], uid=uid)

        def stored(result: dict[int, Any]) -> None:
            if not silent:
                for number, new_flags in result.items():
                    line = b"%d FETCH (FLAGS (" % number + b" ".join(_b(f) for f in new_flags) + b")"
                    if uid:
                        line += b" UID %d" % self.mbox.getUID(number)
                    self.sendUntaggedResponse(line + b")")
            self.sendPositiveResponse(tag, b"STORE completed")

        def failed(failure: Failure) -> None:
            failure.trap(MailboxException)
            self.sendNegativeResponse(tag, _b(failure.getErrorMessage()))

        return d.addCallbacks(stored, failed)

    # COPY

    def _cmd_COPY(self, tag: bytes, args: list[Any], uid: bool = False) -> Any:
        seq, name = self._args(args, 2, "COPY")
        messages = self._messageSet(seq)
        mailbox = self._mailboxName(name)
        d = defer.maybeDeferred(self.account.select, mailbox)

        def got(dest: Any) -> Any:
            if dest is None:
                self.sendNegativeResponse(tag, b"[TRYCREATE] No such mailbox")
                return None
            return defer.maybeDeferred(self.mbox.fetch, messages, uid).addCallback(copy, dest)

        def copy(results: Iterable[tuple[int, Any]], dest: Any) -> Any:
            pending: list[defer.Deferred[Any]] = []

            def steps() -> Iterator[None]:
                for _number, msg in results:
                    if IMessageCopier.providedBy(dest):
                        pending.append(defer.maybeDeferred(dest.copy, msg))
                    else:
                        data = io.BytesIO(_wholeMessage(msg))
                        pending.append(defer.maybeDeferred(dest.addMessage, data, list(msg.getFlags()),
                                                           msg.getInternalDate()))
                    yield None

            def collected(_: Any) -> Any:
                return defer.DeferredList(pending, consumeErrors=True).addCallback(report)

            return self._scheduler(steps()).addCallback(collected)

        def report(results: list[tuple[bool, Any]]) -> None:
            failures = [r for ok, r in results if not ok]
            if failures:
                self.sendNegativeResponse(tag, b"COPY failed: " + _b(failures[0].getErrorMessage()))
            else:
                self.sendPositiveResponse(tag, b"COPY completed")

        return d.addCallback(got)

    # -- IMailboxListener --

    def modeChanged(self, writeable: bool) -> None:
        """The selected mailbox became read-write or read-only."""
        self.sendUntaggedResponse(b"OK [READ-WRITE]" if writeable else b"OK [READ-ONLY]", isAsync=True)

    def flagsChanged(self, newFlags: dict[int, Any]) -> None:
        """Flags of messages changed."""
        for number, flags in newFlags.items():
            self.sendUntaggedResponse(b"%d FETCH (FLAGS (" % number + b" ".join(_b(f) for f in flags) + b"))",
                                      isAsync=True)

    def newMessages(self, exists: Any, recent: Any) -> None:
        """New EXISTS / RECENT counts."""
        if exists is not None:
            self.sendUntaggedResponse(b"%d EXISTS" % exists, isAsync=True)
        if recent is not None:
            self.sendUntaggedResponse(b"%d RECENT" % recent, isAsync=True)


def _literal(data: bytes) -> bytes:
    return b"{%d}\r\n" % len(data) + data


def _headerBlock(headers: dict[Any, Any]) -> bytes:
    return b"".join(_s(k).title().encode("utf-8") + b": " + _b(v) + b"\r\n" for k, v in headers.items())


def _bodyBytes(msg: Any) -> bytes:
    f = msg.getBodyFile()
    f.seek(0) if hasattr(f, "seek") else None
    return _b(f.read())


def _wholeMessage(msg: Any) -> bytes:
    if IMessageFile.providedBy(msg):
        f = msg.open()
        return _b(f.read())
    return _headerBlock(msg.getHeaders(True)) + b"\r\n" + _bodyBytes(msg)


# -- server-side search ------------------------------------------------------------------------


class _SearchQuery:
    """A parsed SEARCH program, evaluated message by message."""

    def __init__(self, tokens: list[Any]) -> None:
        self.keys = self._parse(list(tokens))

    def _parse(self, tokens: list[Any]) -> list[Any]:
        keys = []
        while tokens:
            keys.append(self._one(tokens))
        return keys

    def _one(self, tokens: list[Any]) -> Any:
        token = tokens.pop(0)
        if isinstance(token, list):
            return ("AND", self._parse(list(token)))
        if not isinstance(token, bytes):
            raise IllegalQueryError("bad search key")
        word = token.upper().decode("ascii", "replace")

        def arg() -> bytes:
            if not tokens:
                raise IllegalQueryError(f"{word} needs an argument")
            value = tokens.pop(0)
            if isinstance(value, list) or value is None:
                raise IllegalQueryError(f"{word} needs a string")
            return value if isinstance(value, bytes) else bytes(value.read())

        if word in ("ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD", "RECENT", "SEEN",
                    "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN"):
            return (word,)
        if word in ("BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO", "KEYWORD", "UNKEYWORD"):
            return (word, arg())
        if word in ("BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"):
            try:
                return (word, parseTime(arg()))
            except ValueError as e:
                raise IllegalQueryError(str(e)) from None
        if word in ("LARGER", "SMALLER"):
            value = arg()
            if not value.isdigit():
                raise IllegalQueryError(f"{word} needs a number")
            return (word, int(value))
        if word == "HEADER":
            return (word, arg(), arg())
        if word == "UID":
            return (word, arg())
        if word == "NOT":
            if not tokens:
                raise IllegalQueryError("NOT needs a key")
            return (word, self._one(tokens))
        if word == "OR":
            if len(tokens) < 2:
                raise IllegalQueryError("OR needs two keys")
            return (word, self._one(tokens), self._one(tokens))
        if re.fullmatch(rb"[0-9*:,]+", token):
            return ("SET", token)
        raise IllegalQueryError(f"Invalid search command {word}")

    def matches(self, number: int, msg: Any, last_seq: int, last_uid: int) -> bool:
        return all(self._test(key, number, msg, last_seq, last_uid) for key in self.keys)

    def _test(self, key: Any, number: int, msg: Any, last_seq: int, last_uid: int) -> bool:
        word = key[0]
        flags = {_s(f).lower() for f in msg.getFlags()}
        if word == "AND":
            return all(self._test(k, number, msg, last_seq, last_uid) for k in key[1])
        if word == "ALL":
            return True
        simple = {"ANSWERED": r"\answered", "DELETED": r"\deleted", "DRAFT": r"\draft", "FLAGGED": r"\flagged",
                  "RECENT": r"\recent", "SEEN": r"\seen"}
        if word in simple:
            return simple[word] in flags
        if word.startswith("UN") and word[2:] in simple:
            return simple[word[2:]] not in flags
        if word == "NEW":
            return r"\recent" in flags and r"\seen" not in flags
        if word == "OLD":
            return r"\recent" not in flags
        if word == "KEYWORD":
            return _s(key[1]).lower() in flags
        if word == "UNKEYWORD":
            return _s(key[1]).lower() not in flags
        if word in ("BCC", "CC", "FROM", "SUBJECT", "TO"):
            value = msg.getHeaders(False, word.lower()).get(word.lower(), "")
            return _s(key[1]).lower() in _s(value).lower()
        if word == "HEADER":
            name = _s(key[1]).lower()
            headers = {k.lower(): v for k, v in msg.getHeaders(False, name).items()}
            return name in headers and _s(key[2]).lower() in _s(headers[name]).lower()
        if word == "BODY":
            return _b(key[1]).lower() in _bodyBytes(msg).lower()
        if word == "TEXT":
            return _b(key[1]).lower() in _wholeMessage(msg).lower()
        if word in ("LARGER", "SMALLER"):
            size = int(msg.getSize())
            return bool(size > key[1]) if word == "LARGER" else bool(size < key[1])
        if word in ("BEFORE", "ON", "SINCE"):
            return _compare_date(word, _date_of(msg.getInternalDate()), key[1])
        if word in ("SENTBEFORE", "SENTON", "SENTSINCE"):
            sent = msg.getHeaders(False, "date").get("date")
            return _compare_date(word[4:], _date_of(sent), key[1])
        if word == "UID":
            ids = parseIdList(key[1], last_uid)
            return msg.getUID() in ids
        if word == "SET":
            return number in parseIdList(key[1], last_seq)
        if word == "NOT":
            return not self._test(key[1], number, msg, last_seq, last_uid)
        if word == "OR":
            return self._test(key[1], number, msg, last_seq, last_uid) or \
                self._test(key[2], number, msg, last_seq, last_uid)
        return False


def _date_of(value: Any) -> tuple[int, int, int] | None:
    if not value:
        return None
    parsed = email.utils.parsedate_tz(_s(value))
    if parsed is None:
        return None
    return parsed[0], parsed[1], parsed[2]


def _compare_date(word: str, date: tuple[int, int, int] | None, wanted: time.struct_time) -> bool:
    if date is None:
        return False
    target = (wanted.tm_year, wanted.tm_mon, wanted.tm_mday)
    if word == "BEFORE":
        return date < target
    if word == "ON":
        return date == target
    return date >= target


# -- client ----------------------------------------------------------------------------------------


class Command:
    """One client command waiting for its tagged answer."""

    def __init__(self, command: bytes, args: bytes | None = None, wantResponse: tuple[bytes, ...] = (),
                 continuation: Callable[..., Any] | None = None, *contArgs: Any, **contKw: Any) -> None:
        self.command = command
        self.args = args
        self.wantResponse = wantResponse
        self.continuation = continuation
        self.contArgs = contArgs
        self.contKw = contKw
        self.lines: list[list[Any]] = []
        self.defer: defer.Deferred[Any] | None = None
        self.tag: bytes | None = None

    def format(self, tag: bytes) -> bytes:
        """The command line."""
        self.tag = tag
        return tag + b" " + self.command + (b" " + self.args if self.args else b"")


class IMAP4Client(basic.LineReceiver, policies.TimeoutMixin):
    """An IMAP4rev1 client: every command returns a Deferred; they are pipelined with tags.

    Results are Twisted's: ``select`` gives a dict (``EXISTS``, ``FLAGS``, ``UIDVALIDITY``,
    ``READ-WRITE`` ...), fetches give ``{number: {"FLAGS": [...], "UID": "5", ...}}`` with
    str keys and values, ``search`` a list of ints.
    """

    tags: dict[bytes, Command] | None = None
    waiting: bytes | None = None
    queued: _List[Command] | None = None
    tagID = 1
    state: str | None = None
    startedTLS = False
    timeout = 0
    _capCache: dict[bytes, Any] | None = None
    _memoryFileLimit = 1024 * 1024 * 10
    context: Any = None

    def __init__(self, contextFactory: Any = None) -> None:
        self.tags = {}
        self.queued = []
        self.authenticators: dict[bytes, Any] = {}
        self.context = contextFactory
        self._pending_line: _List[bytes] = []
        self._literal_left = 0
        self._literal_buf = bytearray()

    def registerAuthenticator(self, auth: Any) -> None:
        """Offer ``auth`` (an ``IClientAuthentication``) to ``authenticate``."""
        self.authenticators[auth.getName().upper()] = auth

    def connectionMade(self) -> None:
        """Wait for the greeting."""
        if self.timeout > 0:
            self.setTimeout(self.timeout)

    def connectionLost(self, reason: Any = None) -> None:
        """Fail every pending command."""
        if self.timeout > 0:
            self.setTimeout(None)
        if isinstance(reason, Failure):
            failure = reason
        elif isinstance(reason, BaseException):
            failure = Failure(reason)
        else:
            failure = Failure(IMAP4Exception("Connection lost"))
        pending = list((self.tags or {}).values()) + list(self.queued or [])
        self.tags = {}
        self.queued = []
        for cmd in pending:
            if cmd.defer is not None and not cmd.defer.called:
                cmd.defer.errback(failure)

    def timeoutConnection(self) -> None:
        """No answer in time: the pending commands fail with ``TimeoutError``, and the
        connection is closed."""
        pending = list((self.tags or {}).values()) + list(self.queued or [])
        self.tags = {}
        self.queued = []
        for cmd in pending:
            if cmd.defer is not None and not cmd.defer.called:
                cmd.defer.errback(error.TimeoutError())
        self.transport.loseConnection()

    # -- framing: lines with literals --

    def dataReceived(self, data: bytes) -> None:
        """Lines, and the literals inside them."""
        if self.timeout > 0:
            self.resetTimeout()
        buf = self._literal_buf
        buf += data
        while buf:
            if self._literal_left:
                take = min(self._literal_left, len(buf))
                self._pending_line.append(bytes(buf[:take]))
                del buf[:take]
                self._literal_left -= take
                if self._literal_left:
                    return
                continue
            end = buf.find(b"\r\n")
            if end < 0:
                if len(buf) > self.MAX_LENGTH:
                    self.transport.loseConnection()
                return
            line = bytes(buf[:end])
            del buf[: end + 2]
            m = _LITERAL_AT_END.search(line)
            if m is not None:
                self._pending_line.append(line + b"\r\n")
                self._literal_left = int(m.group(1))
                if not self._literal_left:
                    continue
                continue
            self._pending_line.append(line)
            full = b"".join(self._pending_line)
            self._pending_line = []
            self.lineReceived(full)
            if self.transport is None or getattr(self.transport, "disconnected", False):
                return

    def lineReceived(self, line: bytes) -> None:
        """One response (literals inlined)."""
        if self.state is None:
            self._greeting(line)
            return
        tag, _, rest = line.partition(b" ")
        if tag == b"+":
            self._continuation(rest)
        elif tag == b"*":
            self._untagged(rest)
        else:
            self._tagged(tag, rest)

    def _greeting(self, line: bytes) -> None:
        rest = line.partition(b" ")[2]
        status, _, text = rest.partition(b" ")
        caps = None
        m = re.match(rb"\[CAPABILITY ([^\]]*)\]", text)  # the greeting's optional code
        if m is not None:
            caps = self.__parseCapabilities(m.group(1).split())
            self._capCache = caps
        if status == b"OK":
            self.state = "unauth"
        elif status == b"PREAUTH":
            self.state = "auth"
        else:
            self.transport.loseConnection()
            return
        self.serverGreeting(caps)

    def serverGreeting(self, caps: Any) -> None:
        """Override: called with the greeting's capabilities (or None)."""

    def _continuation(self, rest: bytes) -> None:
        if self.waiting is None:
            return
        cmd = self.tags.get(self.waiting) if self.tags else None
        if cmd is not None and cmd.continuation is not None:
            cmd.continuation(rest, *cmd.contArgs, **cmd.contKw)

    def _untagged(self, rest: bytes) -> None:
        try:
            parsed = parseNestedParens(rest)
        except (MismatchedNesting, MismatchedQuoting):
            parsed = rest.split()
        for cmd in (self.tags or {}).values():
            if cmd.wantResponse and parsed and self._wants(cmd, parsed):
                cmd.lines.append(parsed)
                return
        self._unsolicited(parsed)

    @staticmethod
    def _wants(cmd: Command, parsed: _List[Any]) -> bool:
        first = parsed[0]
        second = parsed[1] if len(parsed) > 1 else None
        for word in (first, second):
            if isinstance(word, bytes) and word.upper() in cmd.wantResponse:
                return True
        return False

    def _unsolicited(self, parsed: _List[Any]) -> None:
        # "* OK [READ-WRITE]" (RFC 3501) or "* [READ-WRITE]" (Twisted's server): the mode of
        # the selected mailbox changed.
        codes = parsed[1:2] if parsed[:1] and isinstance(parsed[0], bytes) and parsed[0].upper() == b"OK" \
            else parsed[:1]
        for code in codes:
            if isinstance(code, list) and len(code) == 1 and isinstance(code[0], bytes):
                code = b"[" + code[0] + b"]"
            if isinstance(code, bytes) and code.upper() in (b"[READ-WRITE]", b"[READ-ONLY]"):
                self.modeChanged(code.upper() == b"[READ-WRITE]")
                return
        if len(parsed) >= 2 and isinstance(parsed[1], bytes):
            word = parsed[1].upper()
            if word == b"EXISTS" and isinstance(parsed[0], bytes) and parsed[0].isdigit():
                self.newMessages(int(parsed[0]), None)
            elif word == b"RECENT" and isinstance(parsed[0], bytes) and parsed[0].isdigit():
                self.newMessages(None, int(parsed[0]))
            elif word == b"EXPUNGE" and isinstance(parsed[0], bytes) and parsed[0].isdigit():
                self.messageExpunged(int(parsed[0]))
            elif (word == b"FETCH" and isinstance(parsed[0], bytes) and parsed[0].isdigit()
                  and len(parsed) >= 3 and isinstance(parsed[2], list)):
                flags = _fetchPairs(parsed[2]).get("FLAGS")
                if flags is not None:
                    self.flagsChanged({int(parsed[0]): flags})

    def modeChanged(self, writeable: bool) -> None:
        """Override: the server reported that the selected mailbox became read-write
        (``True``) or read-only."""

    def newMessages(self, exists: Any, recent: Any) -> None:
        """Override: the server reported new counts outside a command."""

    def flagsChanged(self, newFlags: dict[int, Any]) -> None:
        """Override: the server reported changed flags outside a command
        (``{message number: [flags]}``)."""

    def messageExpunged(self, number: int) -> None:
        """Override: the server reported an expunge outside a command."""

    def _tagged(self, tag: bytes, rest: bytes) -> None:
        cmd = self.tags.pop(tag, None) if self.tags else None
        if cmd is None:
            return
        if self.waiting == tag:
            self.waiting = None
        status, _, _text = rest.partition(b" ")
        d = cmd.defer
        self._sendQueued()
        if d is None:
            return
        if status == b"OK":
            d.callback((cmd.lines, rest))
        else:
            # The server's text after the status, as bytes (Twisted's client does so too).
            d.errback(IMAP4Exception(_text))

    # -- sending --

    def sendCommand(self, cmd: Command) -> defer.Deferred[Any]:
        """Send ``cmd`` (or queue it behind one waiting for a continuation)."""
        cmd.defer = defer.Deferred()
        if self.waiting is not None:
            assert self.queued is not None
            self.queued.append(cmd)
            return cmd.defer
        self._send(cmd)
        return cmd.defer

    def _send(self, cmd: Command) -> None:
        tag = self.makeTag()
        assert self.tags is not None
        self.tags[tag] = cmd
        self.sendLine(cmd.format(tag))
        if cmd.continuation is not None:
            self.waiting = tag

    def _sendQueued(self) -> None:
        while self.queued and self.waiting is None:
            self._send(self.queued.pop(0))

    def makeTag(self) -> bytes:
        """The next tag: ``0001``, ``0002`` ..."""
        tag = b"%0.4X" % self.tagID
        self.tagID += 1
        return tag

    # -- commands --

    @staticmethod
    def __parseCapabilities(words: _List[bytes]) -> dict[bytes, Any]:
        caps: dict[bytes, Any] = {}
        for word in words:
            name, eq, value = word.partition(b"=")
            # Names keep their case, as the server sent them (Twisted's client does too).
            item = value if eq else None
            if name in caps:
                if caps[name] is None:
                    caps[name] = [None]
                caps[name].append(item)
            else:
                caps[name] = [item] if eq else None
        return caps

    def getCapabilities(self, useCache: int = 1) -> defer.Deferred[Any]:
        """CAPABILITY: ``{name: None or [values]}``."""
        if useCache and self._capCache is not None:
            return defer.succeed(self._capCache)

        def got(result: tuple[_List[_List[Any]], bytes]) -> dict[bytes, Any]:
            words: _List[bytes] = []
            for line in result[0]:
                words.extend(w for w in line[1:] if isinstance(w, bytes))
            self._capCache = self.__parseCapabilities(words)
            return self._capCache

        return self.sendCommand(Command(b"CAPABILITY", wantResponse=(b"CAPABILITY",))).addCallback(got)

    def logout(self) -> defer.Deferred[None]:
        """LOGOUT, then hang up."""
        d = self.sendCommand(Command(b"LOGOUT", wantResponse=(b"BYE",)))
        return d.addCallback(lambda _: self.transport.loseConnection())

    def noop(self) -> defer.Deferred[Any]:
        """NOOP: the untagged lines it brought."""
        return self.sendCommand(Command(b"NOOP")).addCallback(lambda r: r[0])

    def startTLS(self, contextFactory: Any = None) -> defer.Deferred[Any]:
        """STARTTLS, then TLS; a Deferred of the new capabilities."""
        context = contextFactory or self.context
        if context is None:
            from twistio.internet import ssl

            context = ssl.ClientContextFactory()

        def started(_: Any) -> Any:
            self.transport.startTLS(context)
            self.startedTLS = True
            self._capCache = None
            return self.getCapabilities(useCache=0)

        return self.sendCommand(Command(b"STARTTLS")).addCallback(started)

    def authenticate(self, secret: bytes) -> defer.Deferred[Any]:
        """AUTHENTICATE with the first registered mechanism the server offers; when none is
        offered over a plain connection, STARTTLS (if offered) and look again, as Twisted."""
        def chosen(caps: dict[bytes, Any], retried: bool = False) -> Any:
            offered = [m.upper() for m in (caps.get(b"AUTH") or [])]
            for name, auth in self.authenticators.items():
                if name in offered:
                    return self.sendCommand(Command(b"AUTHENTICATE", name, (), self._authContinue, auth, secret))
            if not retried and not self.startedTLS and b"STARTTLS" in caps:
                return self.startTLS().addCallback(chosen, True)
            raise NoSupportedAuthentication(offered, list(self.authenticators))

        return self.getCapabilities().addCallback(chosen)

    def _authContinue(self, rest: bytes, auth: Any, secret: bytes) -> None:
        try:
            challenge = base64.b64decode(rest.strip())
        except binascii.Error:
            self.sendLine(b"*")
            return
        self.sendLine(base64.b64encode(auth.challengeResponse(secret, challenge)))

    def login(self, username: Any, password: Any) -> defer.Deferred[Any]:
        """LOGIN (STARTTLS first when offered and a context is set)."""
        def go(caps: dict[bytes, Any]) -> Any:
            if b"STARTTLS" in caps and not self.startedTLS and self.context is not None:
                return self.startTLS().addCallback(lambda _: self._login(username, password))
            if b"LOGINDISABLED" in caps:
                raise IMAP4Exception("LOGIN is disabled before STARTTLS")
            return self._login(username, password)

        return self.getCapabilities().addCallback(go)

    def _login(self, username: Any, password: Any) -> defer.Deferred[Any]:
        args = collapseNestedLists([_b(username), _b(password)])
        return self.sendCommand(Command(b"LOGIN", args))

    def namespace(self) -> defer.Deferred[Any]:
        """NAMESPACE: ``[personal, shared, other]``."""
        def got(result: tuple[_List[_List[Any]], bytes]) -> _List[Any]:
            for line in result[0]:
                if line and line[0] == b"NAMESPACE":
                    return [_decodeTree(x) if x is not None else [] for x in line[1:4]]
            return [[], [], []]

        return self.sendCommand(Command(b"NAMESPACE", wantResponse=(b"NAMESPACE",))).addCallback(got)

    def select(self, mailbox: Any) -> defer.Deferred[dict[str, Any]]:
        """SELECT: ``{"EXISTS": n, "RECENT": n, "FLAGS": (...), "UIDVALIDITY": n, "READ-WRITE": bool}``."""
        return self._select(b"SELECT", mailbox)

    def examine(self, mailbox: Any) -> defer.Deferred[dict[str, Any]]:
        """EXAMINE, as ``select``."""
        return self._select(b"EXAMINE", mailbox)

    def _select(self, command: bytes, mailbox: Any) -> defer.Deferred[dict[str, Any]]:
        name = _encodeMailbox(mailbox)
        cmd = Command(command, name, (b"EXISTS", b"RECENT", b"FLAGS", b"OK"))

        def got(result: tuple[_List[_List[Any]], bytes]) -> dict[str, Any]:
            info: dict[str, Any] = {}
            m = re.search(rb"\[(READ-WRITE|READ-ONLY)\]", result[1])
            if m is not None:
                info["READ-WRITE"] = m.group(1) == b"READ-WRITE"
            for line in result[0]:
                if len(line) >= 2 and line[1] in (b"EXISTS", b"RECENT"):
                    info[line[1].decode()] = _serverInt(line[0])
                elif line and line[0] == b"FLAGS" and len(line) > 1:
                    info["FLAGS"] = tuple(_s(f) for f in line[1])
                elif line and line[0] == b"OK" and len(line) > 1 and isinstance(line[1], list) and line[1]:
                    key = _s(line[1][0])
                    value = line[1][1] if len(line[1]) > 1 else None
                    if key in ("UIDNEXT", "UIDVALIDITY", "UNSEEN"):
                        info[key] = _serverInt(value)
                    elif isinstance(value, bytes) and value.isdigit():
                        info[key] = int(value)
                    elif key == "PERMANENTFLAGS" and isinstance(value, list):
                        info[key] = tuple(_s(f) for f in value)
            return info

        return self.sendCommand(cmd).addCallback(got)

    def create(self, name: Any) -> defer.Deferred[Any]:
        """CREATE."""
        return self.sendCommand(Command(b"CREATE", _encodeMailbox(name)))

    def delete(self, name: Any) -> defer.Deferred[Any]:
        """DELETE."""
        return self.sendCommand(Command(b"DELETE", _encodeMailbox(name)))

    def rename(self, oldname: Any, newname: Any) -> defer.Deferred[Any]:
        """RENAME."""
        return self.sendCommand(Command(b"RENAME", _encodeMailbox(oldname) + b" " + _encodeMailbox(newname)))

    def subscribe(self, name: Any) -> defer.Deferred[Any]:
        """SUBSCRIBE."""
        return self.sendCommand(Command(b"SUBSCRIBE", _encodeMailbox(name)))

    def unsubscribe(self, name: Any) -> defer.Deferred[Any]:
        """UNSUBSCRIBE."""
        return self.sendCommand(Command(b"UNSUBSCRIBE", _encodeMailbox(name)))

    def list(self, reference: Any, wildcard: Any) -> defer.Deferred[_List[tuple[Any, ...]]]:
        """LIST: ``[(flags, delimiter, name), ...]``."""
        return self._list(b"LIST", reference, wildcard)

    def lsub(self, reference: Any, wildcard: Any) -> defer.Deferred[_List[tuple[Any, ...]]]:
        """LSUB, as ``list``."""
        return self._list(b"LSUB", reference, wildcard)

    def _list(self, command: bytes, reference: Any, wildcard: Any) -> defer.Deferred[_List[tuple[Any, ...]]]:
        args = _encodeMailbox(reference) + b" " + _encodeMailbox(wildcard)

        def got(result: tuple[_List[_List[Any]], bytes]) -> _List[tuple[Any, ...]]:
            out = []
            for line in result[0]:
                if len(line) >= 4 and line[0] == command:
                    flags = tuple(_s(f) for f in line[1]) if isinstance(line[1], list) else ()
                    delim = _s(line[2]) if line[2] is not None else None
                    out.append((flags, delim, bytes(line[3]).decode("imap4-utf-7")))
            return out

        return self.sendCommand(Command(command, args, (command,))).addCallback(got)

    def status(self, mailbox: Any, *names: str) -> defer.Deferred[dict[str, Any]]:
        """STATUS: ``{name: value}``."""
        unknown = {n for n in names if n.upper() not in _STATUS_NAMES}
        if unknown:
            raise ValueError(f"Unknown names: {unknown!r}")
        args = _encodeMailbox(mailbox) + b" (" + b" ".join(_b(n).upper() for n in names) + b")"

        def got(result: tuple[_List[_List[Any]], bytes]) -> dict[str, Any]:
            for line in result[0]:
                if line and line[0] == b"STATUS" and len(line) >= 3 and isinstance(line[2], list):
                    items = line[2]
                    out: dict[str, Any] = {}
                    for k, v in zip(items[::2], items[1::2], strict=False):
                        try:
                            key = k.decode("ascii") if isinstance(k, bytes) else str(k)
                        except UnicodeDecodeError:
                            raise IllegalServerResponse(k) from None
                        # Counts become numbers; UIDNEXT and UIDVALIDITY stay as sent (Twisted's).
                        out[key] = int(v) if key in _STATUS_COUNTS and isinstance(v, bytes) and v.isdigit() else v
                    return out
            return {}

        return self.sendCommand(Command(b"STATUS", args, (b"STATUS",))).addCallback(got)

    def append(self, mailbox: Any, message: Any, flags: Any = (), date: Any = None) -> defer.Deferred[Any]:
        """APPEND ``message`` (a file or bytes) with ``flags`` and ``date``."""
        data = message.read() if hasattr(message, "read") else _b(message)
        parts = [_encodeMailbox(mailbox), b"(" + b" ".join(_b(f) for f in flags) + b")"]
        if date:
            parts.append(b'"' + _b(date) + b'"')
        parts.append(b"{%d}" % len(data))
        cmd = Command(b"APPEND", b" ".join(parts), (), self._sendLiteral, data)
        return self.sendCommand(cmd)

    def _sendLiteral(self, rest: bytes, data: bytes) -> None:
        self.transport.write(data + b"\r\n")
        self.waiting = None
        self._sendQueued()

    def check(self) -> defer.Deferred[Any]:
        """CHECK."""
        return self.sendCommand(Command(b"CHECK"))

    def close(self) -> defer.Deferred[Any]:
        """CLOSE."""
        return self.sendCommand(Command(b"CLOSE"))

    def expunge(self) -> defer.Deferred[_List[int]]:
        """EXPUNGE: the expunged message numbers."""
        def got(result: tuple[_List[_List[Any]], bytes]) -> _List[int]:
            return [_serverInt(line[0]) for line in result[0] if len(line) >= 2 and line[1] == b"EXPUNGE"]

        return self.sendCommand(Command(b"EXPUNGE", None, (b"EXPUNGE",))).addCallback(got)

    def search(self, *queries: Any, **kwarg: Any) -> defer.Deferred[_List[int]]:
        """SEARCH (``uid=True`` for UID SEARCH): the matching numbers."""
        uid = kwarg.get("uid", False)
        text = b" ".join(_b(q) for q in queries)
        command = b"UID SEARCH" if uid else b"SEARCH"

        def got(result: tuple[_List[_List[Any]], bytes]) -> _List[int]:
            ids: _List[int] = []
            for line in result[0]:
                if line and line[0] == b"SEARCH":
                    ids.extend(_serverInt(x) for x in line[1:])
            return ids

        return self.sendCommand(Command(command, text, (b"SEARCH",))).addCallback(got)

    def _fetch(self, messages: Any, useUID: int = 0, **terms: Any) -> defer.Deferred[dict[int, dict[str, Any]]]:
        items = [k.upper().replace("_", ".") for k, v in terms.items() if v]
        return self._fetchRaw(messages, useUID, b"(" + " ".join(items).encode("ascii") + b")")

    def _fetchRaw(self, messages: Any, useUID: Any, spec: bytes) -> defer.Deferred[dict[int, dict[str, Any]]]:
        command = b"UID FETCH" if useUID else b"FETCH"

        def got(result: tuple[_List[_List[Any]], bytes]) -> dict[int, dict[str, Any]]:
            out: dict[int, dict[str, Any]] = {}
            for line in result[0]:
                if len(line) >= 3 and line[1] == b"FETCH" and isinstance(line[2], list):
                    if len(line[2]) % 2:
                        raise IllegalServerResponse(line[2])
                    entry = out.setdefault(_serverInt(line[0]), {})
                    entry.update(_fetchPairs(line[2]))
            return out

        return self.sendCommand(Command(command, _b(str(messages)) + b" " + spec, (b"FETCH",))).addCallback(got)

    def fetchUID(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH UID."""
        return self._fetch(messages, useUID=uid, uid=1)

    def fetchFlags(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH FLAGS."""
        return self._fetch(messages, useUID=uid, flags=1)

    def fetchInternalDate(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH INTERNALDATE."""
        return self._fetch(messages, useUID=uid, internaldate=1)

    def fetchEnvelope(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH ENVELOPE."""
        return self._fetch(messages, useUID=uid, envelope=1)

    def fetchBodyStructure(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH BODYSTRUCTURE."""
        return self._fetch(messages, useUID=uid, bodystructure=1)

    def fetchSimplifiedBody(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH BODY."""
        return self._fetch(messages, useUID=uid, body=1)

    def fetchMessage(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH RFC822."""
        return self._fetch(messages, useUID=uid, rfc822=1)

    def fetchHeaders(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH RFC822.HEADER."""
        return self._fetch(messages, useUID=uid, rfc822_header=1)

    def fetchBody(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH RFC822.TEXT."""
        return self._fetch(messages, useUID=uid, rfc822_text=1)

    def fetchSize(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH RFC822.SIZE."""
        return self._fetch(messages, useUID=uid, rfc822_size=1)

    def fetchFull(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH FULL."""
        return self._fetchRaw(messages, uid, b"FULL")

    def fetchAll(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH ALL."""
        return self._fetchRaw(messages, uid, b"ALL")

    def fetchFast(self, messages: Any, uid: int = 0) -> defer.Deferred[Any]:
        """FETCH FAST."""
        return self._fetchRaw(messages, uid, b"FAST")

    def fetchSpecific(self, messages: Any, uid: int = 0, headerType: Any = None, headerNumber: Any = None,
                      headerArgs: Any = None, peek: Any = None, offset: Any = None,
                      length: Any = None) -> defer.Deferred[Any]:
        """FETCH BODY[section]: ``{number: [["BODY", [section...], data], ...]}`` as in Twisted."""
        section = ""
        if headerNumber is not None:
            section = ".".join(str(n) for n in (headerNumber if isinstance(headerNumber, (list, tuple))
                                                 else [headerNumber]))
        if headerType:
            section = (section + "." if section else "") + headerType
        if headerArgs or (headerType and headerType.upper().startswith("HEADER.FIELDS")):
            section += " (" + " ".join(headerArgs or ()) + ")"
        spec = ("BODY.PEEK" if peek else "BODY") + "[" + section + "]"
        if offset is not None:
            spec += f"<{offset}.{length}>"
        command = b"UID FETCH" if uid else b"FETCH"

        def got(result: tuple[_List[_List[Any]], bytes]) -> dict[int, _List[Any]]:
            out: dict[int, _List[Any]] = {}
            for line in result[0]:
                if len(line) >= 3 and line[1] == b"FETCH" and isinstance(line[2], list):
                    _checkBodyResponse(line[2])
                    out.setdefault(_serverInt(line[0]), []).append(_decodeTree(line[2]))
            return out

        cmd = Command(command, _b(str(messages)) + b" " + spec.encode("ascii"), (b"FETCH",))
        return self.sendCommand(cmd).addCallback(got)

    def _store(self, messages: Any, command: bytes, silent: Any, flags: Any, uid: Any) -> defer.Deferred[Any]:
        item = command + (b".SILENT" if silent else b"")
        args = _b(str(messages)) + b" " + item + b" (" + b" ".join(_b(f) for f in flags) + b")"

        def got(result: tuple[_List[_List[Any]], bytes]) -> dict[int, dict[str, Any]]:
            out: dict[int, dict[str, Any]] = {}
            for line in result[0]:
                if len(line) >= 3 and line[1] == b"FETCH" and isinstance(line[2], list):
                    out.setdefault(int(line[0]), {}).update(_fetchPairs(line[2]))
            return out

        # A silent STORE wants no FETCH data: what the server sends anyway is unsolicited
        # (flagsChanged), and the result is empty, as Twisted's.
        cmd = Command(b"UID STORE" if uid else b"STORE", args, () if silent else (b"FETCH",))
        return self.sendCommand(cmd).addCallback(got)

    def setFlags(self, messages: Any, flags: Any, silent: int = 1, uid: int = 0) -> defer.Deferred[Any]:
        """STORE FLAGS."""
        return self._store(messages, b"FLAGS", silent, flags, uid)

    def addFlags(self, messages: Any, flags: Any, silent: int = 1, uid: int = 0) -> defer.Deferred[Any]:
        """STORE +FLAGS."""
        return self._store(messages, b"+FLAGS", silent, flags, uid)

    def removeFlags(self, messages: Any, flags: Any, silent: int = 1, uid: int = 0) -> defer.Deferred[Any]:
        """STORE -FLAGS."""
        return self._store(messages, b"-FLAGS", silent, flags, uid)

    def copy(self, messages: Any, mailbox: Any, uid: Any) -> defer.Deferred[Any]:
        """COPY."""
        command = b"UID COPY" if uid else b"COPY"
        return self.sendCommand(Command(command, _b(str(messages)) + b" " + _encodeMailbox(mailbox)))


def _encodeMailbox(name: Any) -> bytes:
    if isinstance(name, bytes):
        name = name.decode("imap4-utf-7")
    return _quote_mailbox(str(name).encode("imap4-utf-7"))


# Octets that make a mailbox name need quoting (list wildcards included, as Twisted's client).
_MAILBOX_NEEDS_QUOTES = re.compile(rb'[\x00-\x20\x7f(){"*%]')


def _quote_mailbox(data: bytes) -> bytes:
    if data and not _MAILBOX_NEEDS_QUOTES.search(data):
        return data
    return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def _decodeTree(value: Any) -> Any:
    if isinstance(value, list):
        return [_decodeTree(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


# The STATUS data items of RFC 3501 6.3.10.
_STATUS_NAMES = frozenset({"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN"})
_STATUS_COUNTS = frozenset({"MESSAGES", "RECENT", "UNSEEN"})


def _checkBodyResponse(items: list[Any]) -> None:
    """``IllegalServerResponse`` unless each ``BODY[...]`` (and its ``<origin>``) in a FETCH
    response is followed by its data."""
    i = 0
    while i < len(items):
        name = items[i]
        i += 1
        if isinstance(name, bytes) and name.upper() == b"BODY" and i < len(items) and isinstance(items[i], list):
            i += 1
            if i < len(items) and isinstance(items[i], bytes) and re.fullmatch(rb"<\d+>", items[i]):
                i += 1
        if i >= len(items):
            raise IllegalServerResponse(items)
        i += 1


def _serverInt(value: Any) -> int:
    """A number from a server's response, or ``IllegalServerResponse``."""
    if isinstance(value, bytes) and value.isdigit():
        return int(value)
    raise IllegalServerResponse(value)


def _fetchPairs(items: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i = 0
    while i + 1 < len(items):
        key = items[i]
        value = items[i + 1]
        name = key.decode("ascii", "replace").upper() if isinstance(key, bytes) else str(key)
        out[name] = _decodeTree(value)
        i += 2
    return out
