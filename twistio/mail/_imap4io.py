"""IMAP4 building blocks Twisted's ``imap4`` module exposes: readers of literals
(``LiteralString``, ``LiteralFile``), a ``WriteBuffer`` in front of a transport, producers
that send a file or a whole message as one literal (``FileProducer``, ``MessageProducer``),
``_formatHeaders`` and ``_FetchParser``, the parser of FETCH data items (RFC 3501 6.4.5).
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import IO, Any

from twistio.internet import defer
from twistio.mail._except import IllegalClientResponse

__all__ = [
    "FileProducer",
    "LiteralFile",
    "LiteralString",
    "MessageProducer",
    "WriteBuffer",
    "_FetchParser",
    "_formatHeaders",
]


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _formatHeaders(headers: dict[Any, Any]) -> bytes:
    """``Name: value`` lines (names title-cased, multi-line values joined with CRLF), each
    ending with CRLF; no headers give one CRLF."""
    lines = [
        _text(name).title() + ": " + "\r\n".join(_text(value).splitlines())
        for name, value in headers.items()
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# -- literals ------------------------------------------------------------------------------------


class LiteralString:
    """Collects a literal of ``size`` octets in memory; ``callback(line)`` fires ``defered``
    with ``(data, line)``, the line being what followed the literal."""

    def __init__(self, size: int, defered: defer.Deferred[Any]) -> None:
        self.size = size
        self.data: list[bytes] = []
        self.defer = defered

    def write(self, data: bytes) -> bytes | None:
        """Take up to what the literal still needs: the rest of ``data`` when it is complete
        (``b""`` when ``data`` ended exactly there), else ``None``."""
        needed = self.size
        self.size -= len(data)
        if self.size > 0:
            self.data.append(data)
            return None
        self.data.append(data[:needed])
        self.size = 0
        return data[needed:]

    def callback(self, line: bytes) -> None:
        """Fire the Deferred with the collected data and ``line``."""
        d, self.defer = self.defer, None  # type: ignore[assignment]
        d.callback((b"".join(self.data), line))


class LiteralFile:
    """Collects a literal of ``size`` octets into a file: in memory up to
    ``_memoryFileLimit`` octets, else a temporary file on disk; ``callback(line)`` fires
    ``defered`` with ``(file, line)``, the file rewound."""

    _memoryFileLimit = 1024 * 1024 * 10

    def __init__(self, size: int, defered: defer.Deferred[Any]) -> None:
        self.size = size
        self.defer = defered
        self.data: IO[bytes]
        if size > self._memoryFileLimit:
            self.data = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the caller)
        else:
            self.data = BytesIO()

    def write(self, data: bytes) -> bytes | None:
        """As ``LiteralString.write``, writing to the file."""
        needed = self.size
        self.size -= len(data)
        if self.size > 0:
            self.data.write(data)
            return None
        self.data.write(data[:needed])
        self.size = 0
        return data[needed:]

    def callback(self, line: bytes) -> None:
        """Fire the Deferred with the rewound file and ``line``."""
        self.data.seek(0, 0)
        d, self.defer = self.defer, None  # type: ignore[assignment]
        d.callback((self.data, line))


class WriteBuffer:
    """Gathers writes for ``transport`` until more than ``size`` octets are waiting, then
    writes them in one call; ``flush`` writes what waits."""

    def __init__(self, transport: Any, size: int = 8192) -> None:
        self.bufferSize = size
        self.transport = transport
        self._waiting: list[bytes] = []
        self._length = 0

    def write(self, s: bytes) -> None:
        self._waiting.append(s)
        self._length += len(s)
        if self._length > self.bufferSize:
            self.flush()

    def flush(self) -> None:
        if self._waiting:
            data, self._waiting, self._length = b"".join(self._waiting), [], 0
            self.transport.write(data)


# -- producers -----------------------------------------------------------------------------------


class FileProducer:
    """Sends the rest of file ``f`` to a consumer as one IMAP literal (``{size}`` CRLF, then
    the octets), as a pull producer, ``CHUNK_SIZE`` octets per ``resumeProducing``;
    ``beginProducing`` returns a Deferred that fires with the producer once all is written."""

    CHUNK_SIZE = 2**16
    firstWrite = True

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.consumer: Any = None
        self._done: defer.Deferred[Any] | None = None

    def beginProducing(self, consumer: Any) -> defer.Deferred[Any]:
        self.consumer = consumer
        done: defer.Deferred[Any] = defer.Deferred()
        self._done = done
        here = self.f.tell()
        self.f.seek(0, 2)
        self._size = self.f.tell() - here
        self.f.seek(here)
        consumer.registerProducer(self, False)
        return done

    def resumeProducing(self) -> None:
        consumer = self.consumer
        if consumer is None:
            return
        chunk = self.f.read(self.CHUNK_SIZE)
        if self.firstWrite:
            self.firstWrite = False
            chunk = b"{%d}\r\n" % self._size + chunk
        if chunk:
            consumer.write(chunk)
            return
        self.consumer = None
        consumer.unregisterProducer()
        done, self._done = self._done, None
        if done is not None:
            done.callback(self)

    def pauseProducing(self) -> None:
        """Nothing to do: a pull producer writes only when asked."""

    def stopProducing(self) -> None:
        """Nothing to do."""


class MessageProducer:
    """Sends a whole message (an ``IMessage``: its headers, body and, for a multipart
    message, each part between boundary lines, recursively) as one IMAP literal.

    The message is first written to ``buffer`` (a temporary file when None), then sent by a
    ``FileProducer``. ``scheduler``, given, runs the writing (an iterator) and returns a
    Deferred, as ``iterateInReactor`` does; by default it runs at once.
    """

    CHUNK_SIZE = 2**16
    _uuid4 = staticmethod(uuid.uuid4)

    def __init__(self, msg: Any, buffer: IO[bytes] | None = None, scheduler: Callable[..., Any] | None = None) -> None:
        self.msg = msg
        self.buffer = buffer
        self.scheduler = scheduler

    def beginProducing(self, consumer: Any) -> defer.Deferred[Any]:
        self.consumer = consumer
        if self.buffer is None:
            self.buffer = tempfile.TemporaryFile()  # noqa: SIM115 (kept while producing)
        buffer = self.buffer
        steps = self._produce(self.msg, buffer)
        if self.scheduler is None:
            for _ in steps:
                pass
            d: defer.Deferred[Any] = defer.succeed(None)
        else:
            d = self.scheduler(steps)

        def send(_: Any) -> defer.Deferred[Any]:
            buffer.seek(0, 0)
            return FileProducer(buffer).beginProducing(consumer)

        return d.addCallback(send).addCallback(lambda _: self)

    def _produce(self, msg: Any, out: IO[bytes]) -> Iterator[None]:
        headers = msg.getHeaders(True)
        boundary = None
        if msg.isMultipart():
            for name in list(headers):
                if _text(name).lower() == "content-type":
                    value = _text(headers[name])
                    boundary = self._boundary(value)
                    if boundary is None:
                        boundary = "----=" + self._uuid4().hex
                        headers[name] = value + '; boundary="' + boundary + '"'
                    break
        out.write(_formatHeaders(headers))
        out.write(b"\r\n")
        yield None
        body = msg.getBodyFile()
        while True:
            chunk = body.read(self.CHUNK_SIZE)
            if not chunk:
                break
            out.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
            yield None
        if boundary is not None:
            separator = b"\r\n--" + boundary.encode("utf-8")
            index = 0
            while True:
                try:
                    part = msg.getSubPart(index)
                except IndexError:
                    break
                out.write(separator + b"\r\n")
                yield from self._produce(part, out)
                index += 1
            out.write(separator + b"--\r\n")

    @staticmethod
    def _boundary(contentType: str) -> str | None:
        for param in contentType.split(";")[1:]:
            key, eq, value = param.strip().partition("=")
            if eq and key.strip().lower() == "boundary":
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                return value
        return None


# -- FETCH data items ----------------------------------------------------------------------------

_ATOM_SPECIALS = re.compile(rb'[\s()"{%*\\\]\x00-\x1f\x7f]')


def _quoteField(name: bytes) -> bytes:
    if name and not _ATOM_SPECIALS.search(name):
        return name
    return b'"' + name.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


class _FetchParser:
    """Parses FETCH data items (``ALL``, ``(FLAGS BODY.PEEK[1.HEADER.FIELDS (To)]<0.10>)``,
    ...) into ``result``, a list of the item classes below; the macros ``ALL``, ``FAST`` and
    ``FULL`` give the items they stand for. Malformed input raises
    ``IllegalClientResponse``."""

    class Envelope:
        type = "envelope"

        def __str__(self) -> str:
            return "envelope"

    class Flags:
        type = "flags"

        def __str__(self) -> str:
            return "flags"

    class InternalDate:
        type = "internaldate"

        def __str__(self) -> str:
            return "internaldate"

    class RFC822Header:
        type = "rfc822header"

        def __str__(self) -> str:
            return "rfc822.header"

    class RFC822Text:
        type = "rfc822text"

        def __str__(self) -> str:
            return "rfc822.text"

    class RFC822Size:
        type = "rfc822size"

        def __str__(self) -> str:
            return "rfc822.size"

    class RFC822:
        type = "rfc822"

        def __str__(self) -> str:
            return "rfc822"

    class UID:
        type = "uid"

        def __str__(self) -> str:
            return "uid"

    class BodyStructure:
        type = "bodystructure"

        def __str__(self) -> str:
            return "bodystructure"

    class Header:
        """``HEADER`` (``negate`` true, no ``fields``), ``HEADER.FIELDS (...)`` or
        ``HEADER.FIELDS.NOT (...)``; ``fields`` are upper-cased, the text keeps their case."""

        negate = False
        fields: Any = None
        part: Any = None

        def __init__(self) -> None:
            self._names: list[bytes] = []

        def __bytes__(self) -> bytes:
            if not self.fields:
                return b"HEADER"
            word = b"HEADER.FIELDS.NOT" if self.negate else b"HEADER.FIELDS"
            names = self._names or list(self.fields)
            return word + b" (" + b" ".join(_quoteField(n) for n in names) + b")"

        def __str__(self) -> str:
            return bytes(self).decode("utf-8", "replace")

    class Text:
        """The ``TEXT`` section."""

    class MIME:
        """The ``MIME`` section."""

    class Body:
        """``BODY`` or ``BODY.PEEK``, with its section (``part``, a tuple of 0-based part
        indexes, and one of ``header``/``text``/``mime``, or ``empty`` for ``[]``) and
        partial range (``partialBegin``, ``partialLength``)."""

        type = "body"
        peek = False
        header: Any = None
        mime: Any = None
        text: Any = None
        part: tuple[int, ...] = ()
        empty = False
        partialBegin: int | None = None
        partialLength: int | None = None

        def getBytes(self, length: int | None = None) -> bytes:
            """The item as a FETCH response names it: with ``length`` (the octets being
            sent) the range shows only its origin, as RFC 3501 responses do."""
            out = b"BODY"
            section = b".".join(b"%d" % (p + 1) for p in self.part)
            what = b""
            if self.header is not None:
                what = bytes(self.header)
            elif self.text is not None:
                what = b"TEXT"
            elif self.mime is not None:
                what = b"MIME"
            if section and what:
                section += b"."
            section += what
            if section or self.empty:
                out += b"[" + section + b"]"
            if self.partialBegin is not None:
                if length is None:
                    out += b"<%d.%d>" % (self.partialBegin, self.partialLength or 0)
                else:
                    out += b"<%d>" % (self.partialBegin,)
            return out

        def __bytes__(self) -> bytes:
            return self.getBytes()

        def __str__(self) -> str:
            return self.getBytes().decode("utf-8", "replace")

    parts = None

    _SIMPLE: dict[bytes, str] = {
        b"ENVELOPE": "Envelope",
        b"FLAGS": "Flags",
        b"INTERNALDATE": "InternalDate",
        b"RFC822.HEADER": "RFC822Header",
        b"RFC822.TEXT": "RFC822Text",
        b"RFC822.SIZE": "RFC822Size",
        b"RFC822": "RFC822",
        b"UID": "UID",
        b"BODYSTRUCTURE": "BodyStructure",
    }
    _MACROS: dict[bytes, tuple[str, ...]] = {
        b"ALL": ("Flags", "InternalDate", "RFC822Size", "Envelope"),
        b"FULL": ("Flags", "InternalDate", "RFC822Size", "Envelope", "Body"),
        b"FAST": ("Flags", "InternalDate", "RFC822Size"),
    }
    _NAME = re.compile(rb"[A-Za-z0-9.]+")
    _PART = re.compile(rb"(\d+)(\.|(?=\]))")

    def __init__(self) -> None:
        self.result: list[Any] = []

    def parseString(self, s: bytes) -> None:
        """Parse ``s`` and append its items to ``result``."""
        if not s:
            return
        if s[:1] == b"(":
            if s[-1:] != b")":
                raise IllegalClientResponse("Missing closing parenthesis")
            inner = s[1:-1]
            pos = 0
            while pos < len(inner):
                pos = self._item(inner, pos, macros=False)
                if pos < len(inner):
                    if inner[pos : pos + 1] != b" ":
                        raise IllegalClientResponse("Whitespace expected")
                    pos += 1
                    if pos == len(inner):
                        raise IllegalClientResponse("Data item expected after whitespace")
            return
        pos = self._item(s, 0, macros=True)
        if pos != len(s):
            raise IllegalClientResponse("Invalid Argument")

    def _item(self, s: bytes, pos: int, macros: bool) -> int:
        m = self._NAME.match(s, pos)
        if m is None:
            raise IllegalClientResponse(f"Data item expected at {s[pos:]!r}")
        name = m.group().upper()
        end = m.end()
        if name in self._SIMPLE:
            self.result.append(getattr(self, self._SIMPLE[name])())
            return end
        if macros and name in self._MACROS:
            self.result.extend(getattr(self, n)() for n in self._MACROS[name])
            return end
        if name not in (b"BODY", b"BODY.PEEK"):
            raise IllegalClientResponse(f"Unknown data item {m.group()!r}")
        body = self.Body()
        if name == b"BODY.PEEK":
            body.peek = True
        if s[end : end + 1] == b"[":
            end = self._section(s, end + 1, body)
        if s[end : end + 1] == b"<":
            close = s.find(b">", end)
            if close < 0:
                raise IllegalClientResponse("Unterminated partial range")
            begin, dot, length = s[end + 1 : close].partition(b".")
            if not dot or not begin.isdigit() or not length.isdigit():
                raise IllegalClientResponse("Partial range must be <origin.length>")
            body.partialBegin, body.partialLength = int(begin), int(length)
            end = close + 1
        self.result.append(body)
        return end

    def _section(self, s: bytes, pos: int, body: Any) -> int:
        part: list[int] = []
        while True:
            m = self._PART.match(s, pos)
            if m is None:
                break
            number = int(m.group(1))
            if number < 1:
                raise IllegalClientResponse("Part numbers start at 1")
            part.append(number - 1)
            pos = m.end()
        body.part = tuple(part)
        if s[pos : pos + 1] == b"]":
            body.empty = True
            return pos + 1
        m = self._NAME.match(s, pos)
        word = m.group().upper() if m else b""
        pos = m.end() if m else pos
        if word == b"HEADER":
            header = self.Header()
            header.negate, header.fields, header.part = True, (), body.part
            body.header = header
        elif word in (b"HEADER.FIELDS", b"HEADER.FIELDS.NOT"):
            header = self.Header()
            header.negate = word == b"HEADER.FIELDS.NOT"
            header.part = body.part
            if s[pos : pos + 1] != b" ":
                raise IllegalClientResponse("Whitespace expected after " + word.decode())
            pos += 1
            if s[pos : pos + 1] != b"(":
                raise IllegalClientResponse("Header list must open with (")
            close = s.find(b")]", pos)
            if close < 0:
                raise IllegalClientResponse("Header list must close with )")
            names = self._fieldNames(s[pos + 1 : close])
            header._names = names
            header.fields = [n.upper() for n in names]
            body.header = header
            pos = close + 1
        elif word == b"TEXT":
            body.text = self.Text()
        elif word == b"MIME":
            body.mime = self.MIME()
        else:
            raise IllegalClientResponse(f"Unknown section {word!r}")
        if s[pos : pos + 1] != b"]":
            raise IllegalClientResponse("Section must close with ]")
        return pos + 1

    @staticmethod
    def _fieldNames(text: bytes) -> list[bytes]:
        names: list[bytes] = []
        pos = 0
        while pos < len(text):
            if text[pos : pos + 1] == b" ":
                pos += 1
                continue
            if text[pos : pos + 1] == b'"':
                value = bytearray()
                pos += 1
                while pos < len(text) and text[pos : pos + 1] != b'"':
                    if text[pos : pos + 1] == b"\\" and pos + 1 < len(text):
                        pos += 1
                    value += text[pos : pos + 1]
                    pos += 1
                if pos >= len(text):
                    raise IllegalClientResponse("Unterminated quoted header name")
                names.append(bytes(value))
                pos += 1
                continue
            space = text.find(b" ", pos)
            space = len(text) if space < 0 else space
            names.append(text[pos:space])
            pos = space
        return names
