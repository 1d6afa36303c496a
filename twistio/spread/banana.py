"""Banana: the byte encoding of s-expressions under Perspective Broker.

An item is a header followed (for some types) by a body. The header is an unsigned number
written in base 128, least significant digit first, one digit per byte with the high bit
clear, ended by a type byte with the high bit set:

=========  ====  ==============================================================
type       byte  meaning of the number, and the body
=========  ====  ==============================================================
LIST       0x80  the count of items that follow, each encoded in turn
INT        0x81  the value, 0 <= n < 2**31
STRING     0x82  the length of the byte string that follows
NEG        0x83  minus the value, -2**31 <= n < 0
FLOAT      0x84  no number; the body is 8 bytes, a big-endian IEEE double
LONGINT    0x85  a value from 2**31 on
LONGNEG    0x86  minus a value below -2**31
VOCAB      0x87  the index of a word of the ``pb`` dialect's vocabulary
=========  ====  ==============================================================

A connection starts with dialect negotiation: the server sends the list of dialects it
speaks, the client answers with the one it picks (``pb`` when offered, which turns on the
vocabulary). The receiver refuses a header longer than its prefix limit (64 digits unless
changed) and lists or strings longer than ``SIZE_LIMIT`` elements or bytes, so a peer cannot
make it buffer unbounded input.
"""

from __future__ import annotations

import struct
from io import BytesIO
from typing import Any

from twistio.internet.protocol import Protocol
from twistio.persisted import styles
from twistio.python import log
from twistio.python.reflect import fullyQualifiedName

__all__ = [
    "FLOAT",
    "HIGH_BIT_SET",
    "INT",
    "LIST",
    "LONGINT",
    "LONGNEG",
    "NEG",
    "SIZE_LIMIT",
    "STRING",
    "VOCAB",
    "Banana",
    "BananaError",
    "b1282int",
    "decode",
    "encode",
    "int2b128",
    "setPrefixLimit",
]


class BananaError(Exception):
    """The peer sent bytes Banana refuses, or an object cannot be encoded."""


# The type bytes, 0x80 to 0x87 in this order (see the table above).
LIST, INT, STRING, NEG, FLOAT, LONGINT, LONGNEG, VOCAB = (bytes((0x80 + n,)) for n in range(8))
HIGH_BIT_SET = LIST

#: The most elements in a list, and bytes in a string, a receiver accepts (640 KiB).
SIZE_LIMIT = 640 * 1024

#: The most base-128 digits a receiver accepts in one header (see ``setPrefixLimit``).
_PREFIX_LIMIT = 64

_FLOAT = struct.Struct("!d")
_INT_MAX = 2**31 - 1
_INT_MIN = -(2**31)


def setPrefixLimit(limit: int) -> None:
    """Set the header length (in base-128 digits) that Banana connections made from now on
    accept; it also bounds the integers they send."""
    global _PREFIX_LIMIT
    _PREFIX_LIMIT = limit


def int2b128(integer: int, stream: Any) -> None:
    """Write the non-negative ``integer`` in base 128, low digit first, one byte per
    ``stream`` call (zero is one digit)."""
    if integer == 0:
        stream(b"\x00")
        return
    if integer < 0:
        raise ValueError("b128 encoding is for non-negative integers")
    while integer:
        stream(bytes((integer & 0x7F,)))
        integer >>= 7


def b1282int(st: bytes) -> int:
    """The integer a base-128 digit string (low digit first) represents."""
    value = 0
    for shift, digit in enumerate(st):
        value |= digit << (7 * shift)
    return value


# The words the ``pb`` dialect sends as one VOCAB item each; the numbers are on the wire.
_VOCABULARY = (
    b"None",
    b"class",
    b"dereference",
    b"reference",
    b"dictionary",
    b"function",
    b"instance",
    b"list",
    b"module",
    b"persistent",
    b"tuple",
    b"unpersistable",
    b"copy",
    b"cache",
    b"cached",
    b"remote",
    b"local",
    b"lcache",
    b"version",
    b"login",
    b"password",
    b"challenge",
    b"logged_in",
    b"not_logged_in",
    b"cachemessage",
    b"message",
    b"answer",
    b"error",
    b"decref",
    b"decache",
    b"uncache",
)


class Banana(Protocol, styles.Ephemeral):
    """The Banana protocol, either end: dialect negotiation, then s-expressions both ways.

    Subclasses override ``expressionReceived`` (called with each decoded expression once a
    dialect is agreed) and ``connectionReady`` (called when it is), and send with
    ``sendEncoded``.
    """

    knownDialects: list[bytes] = [b"pb", b"none"]
    outgoingVocabulary: dict[bytes, int] = {w: i for i, w in enumerate(_VOCABULARY, 1)}
    incomingVocabulary: dict[int, bytes] = dict(enumerate(_VOCABULARY, 1))
    sizeLimit = SIZE_LIMIT
    prefixLimit: int | None = None
    buffer = b""
    currentDialect: bytes | None = None

    def __init__(self, isClient: int = 1) -> None:
        self.listStack: list[tuple[int, list[Any]]] = []
        self.outgoingSymbols = self.outgoingVocabulary.copy()
        self.outgoingSymbolCount = 0
        self.isClient = isClient

    # -- limits

    def setPrefixLimit(self, limit: int) -> None:
        """Set this connection's header limit (see the module's ``setPrefixLimit``)."""
        self.prefixLimit = limit
        self._largestLongInt = 128**limit - 1
        self._smallestLongInt = -self._largestLongInt
        self._largestInt = _INT_MAX
        self._smallestInt = _INT_MIN

    # -- negotiation

    def connectionMade(self) -> None:
        self.setPrefixLimit(_PREFIX_LIMIT)
        self.currentDialect = None
        if not self.isClient:
            self.sendEncoded(self.knownDialects)

    def _selectDialect(self, dialect: bytes) -> None:
        self.currentDialect = dialect
        self.connectionReady()

    def callExpressionReceived(self, obj: Any) -> None:
        """Hand ``obj`` to ``expressionReceived``, or to the negotiation while it lasts."""
        if self.currentDialect:
            self.expressionReceived(obj)
            return
        if self.isClient:
            # The server's offer: take the first dialect of ours it offers.
            if isinstance(obj, list):
                for dialect in self.knownDialects:
                    if dialect in obj:
                        self.sendEncoded(dialect)
                        self._selectDialect(dialect)
                        return
            log.msg(f"Banana: no common dialect in {obj!r}")
            self.transport.loseConnection()
        else:
            if obj in self.knownDialects:
                self._selectDialect(obj)
            else:
                log.msg(f"Banana: the client asked for an unknown dialect {obj!r}")
                self.transport.loseConnection()

    def connectionReady(self) -> None:
        """Called once the dialect is agreed."""

    def expressionReceived(self, lst: Any) -> None:
        """Called with each complete expression (a list, bytes, an int or a float)."""
        raise NotImplementedError()

    # -- decoding

    def dataReceived(self, chunk: bytes) -> None:
        buffer = self.buffer + chunk
        limit = self.prefixLimit if self.prefixLimit is not None else _PREFIX_LIMIT
        while buffer:
            # The header: digits (high bit clear) up to the type byte.
            pos = 0
            size = len(buffer)
            while pos < size and buffer[pos] < 0x80:
                pos += 1
                if pos > limit:
                    raise BananaError(
                        f"Security precaution: longer than {limit} bytes worth of prefix"
                    )
            if pos == size:
                break
            number = b1282int(buffer[:pos])
            typebyte = buffer[pos : pos + 1]
            rest = pos + 1
            if typebyte == LIST:
                if number > self.sizeLimit:
                    raise BananaError("Security precaution: List too long.")
                buffer = buffer[rest:]
                self.listStack.append((number, []))
                if number == 0:
                    self._popEmpty()
                continue
            if typebyte == STRING:
                if number > self.sizeLimit:
                    raise BananaError("Security precaution: String too long.")
                if size - rest < number:
                    break
                item: Any = buffer[rest : rest + number]
                buffer = buffer[rest + number :]
            elif typebyte in (INT, LONGINT):
                item = number
                buffer = buffer[rest:]
            elif typebyte in (NEG, LONGNEG):
                item = -number
                buffer = buffer[rest:]
            elif typebyte == FLOAT:
                if size - rest < 8:
                    break
                item = _FLOAT.unpack(buffer[rest : rest + 8])[0]
                buffer = buffer[rest + 8 :]
            elif typebyte == VOCAB:
                buffer = buffer[rest:]
                self.buffer = buffer
                # An index the vocabulary lacks raises KeyError, as in Twisted.
                item = self.incomingVocabulary[number]
                if self.currentDialect != b"pb":
                    raise NotImplementedError(f"Invalid item for pb protocol {item!r}")
            else:
                raise NotImplementedError(f"Invalid Type Byte {typebyte!r}")
            self.buffer = buffer
            self.gotItem(item)
            buffer = self.buffer
        self.buffer = buffer

    def _popEmpty(self) -> None:
        # A list of zero elements is complete as soon as its header is read.
        self.listStack.pop()
        self.gotItem([])

    def gotItem(self, item: Any) -> None:
        """Add a decoded item to the list being read, or hand it on when it is whole."""
        stack = self.listStack
        while stack:
            expected, items = stack[-1]
            items.append(item)
            if len(items) < expected:
                return
            stack.pop()
            item = items
        self.callExpressionReceived(item)

    # -- encoding

    def sendEncoded(self, obj: Any) -> None:
        """Send ``obj`` encoded; ``BananaError`` when it holds a type Banana cannot send."""
        out = BytesIO()
        self._encode(obj, out.write)
        self.transport.write(out.getvalue())

    def _encodeInt(self, value: int, write: Any) -> None:
        if not hasattr(self, "_largestLongInt"):
            self.setPrefixLimit(_PREFIX_LIMIT)
        if not self._smallestLongInt <= value <= self._largestLongInt:
            raise BananaError(f"int is too large to send ({value})")
        # Small magnitudes (up to 2**31) are INT/NEG, larger ones LONGINT/LONGNEG.
        if value >= 0:
            kind = INT if value <= self._largestInt else LONGINT
        else:
            kind = NEG if value >= self._smallestInt else LONGNEG
        int2b128(abs(value), write)
        write(kind)

    def _encode(self, obj: Any, write: Any) -> None:
        if isinstance(obj, (list, tuple)):
            if len(obj) > SIZE_LIMIT:
                raise BananaError(f"list/tuple is too long to send ({len(obj)})")
            int2b128(len(obj), write)
            write(LIST)
            for elem in obj:
                self._encode(elem, write)
        elif isinstance(obj, int):
            self._encodeInt(obj, write)
        elif isinstance(obj, float):
            write(FLOAT)
            write(_FLOAT.pack(obj))
        elif isinstance(obj, bytes):
            if self.currentDialect == b"pb" and obj in self.outgoingSymbols:
                int2b128(self.outgoingSymbols[obj], write)
                write(VOCAB)
            else:
                if len(obj) > SIZE_LIMIT:
                    raise BananaError(f"byte string is too long to send ({len(obj)})")
                int2b128(len(obj), write)
                write(STRING)
                write(obj)
        else:
            raise BananaError(
                f"Banana cannot send {fullyQualifiedName(type(obj))} objects: {obj!r}"
            )


class _Collector(Banana):
    """The codec behind ``encode`` and ``decode``: no negotiation, no vocabulary."""

    def __init__(self) -> None:
        super().__init__()
        self.setPrefixLimit(_PREFIX_LIMIT)
        self.currentDialect = b"none"
        self.received: list[Any] = []

    def expressionReceived(self, lst: Any) -> None:
        self.received.append(lst)


def encode(lst: Any) -> bytes:
    """The Banana bytes of one s-expression (no dialect: strings are never VOCAB items)."""
    codec = _Collector()
    out = BytesIO()
    codec._encode(lst, out.write)
    return out.getvalue()


def decode(st: bytes) -> Any:
    """The first s-expression the Banana bytes ``st`` hold."""
    codec = _Collector()
    codec.dataReceived(st)
    return codec.received[0]
