"""The HTTP/1.x wire format, sans-IO, for both roles: bytes in, events out; heads out as bytes.

Readers (``RequestReader`` for a server, ``ResponseReader`` for a client) turn the bytes of
one connection into events, in order:

* a head -- ``RequestHead`` or ``ResponseHead``: a complete, validated start line and
  header block;
* ``bytes`` -- a piece of the body (never empty), passed on as it arrives;
* ``END`` -- the body is complete (its trailers, if any, are in ``reader.trailers``);
* ``ParseError`` -- the input is not acceptable HTTP; always the last event ever returned.

Bodies are framed by ``Content-Length`` (``fixed``), by chunked coding (``chunked``, with
trailers), or, for responses only, by the end of the connection (``until close``: call
``eof()`` when the connection ends). The writers (``request_head``, ``response_head``,
``chunk``, ``LAST_CHUNK``) produce the other direction.

Invariants:

1. Parsing is linear in the input however it is split: a partial head accumulates in a
   ``bytearray`` and only the new bytes are scanned (for the end of the head, bare CR/LF and
   the limits), so a head fed one byte per read costs about what it costs whole.
2. A head is parsed once its whole block is here, with ``bytes`` operations over the whole
   block (``translate``, ``split``, one ``partition`` per field).
3. Nothing grows without bound: at most the limits below of head, chunk-size line and
   trailers are buffered; bodies are never accumulated.
4. Framing is unambiguous or refused (request smuggling): a repeated or non-numeric
   ``Content-Length``, ``Content-Length`` with ``Transfer-Encoding``, any request transfer
   coding but a single ``chunked``, bare CR or LF, whitespace before a colon, obsolete line
   folding, control characters in names, values or the method and a repeated ``Host`` are
   all 400. (An HTTP/1.1 request without ``Host`` is accepted, as Twisted accepts it.)
5. The same bytes get the same events however they are split (CRLFs before a request line
   are skipped as whole pairs only: a bare CR or LF there is 400, whole or split).
6. After a ``ParseError`` the reader is dead: ``feed`` returns nothing more.

Limits, with the precedents they follow (``RequestReader`` / ``ResponseReader`` arguments):

* ``max_request_line`` 8190 bytes -> 414: Apache's ``LimitRequestLine``; nginx's 8k buffer.
* ``max_header_bytes`` 32768 -> 431: nginx's ``large_client_header_buffers`` (4 x 8k);
  Twisted allows 16384. Also bounds trailers and the blank lines before a request.
* ``max_headers`` 100 -> 431: Apache's ``LimitRequestFields``; Twisted allows 500.
* ``max_body_size`` 64 MiB -> 413 (requests; None for responses unless asked): bodies are
  spooled to disk past 100 kB, so this bounds disk, not memory; Twisted has no limit,
  nginx's default (1 MiB) is too small for uploads.
* ``max_chunk_line`` 4096 -> 400: a chunk size plus extensions; h11 and Node allow less.
* ``MAX_RESPONSE_HEAD`` 65536: a whole response head (curl: 100 KiB, Chromium: 256 KiB).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote_to_bytes

__all__ = [
    "END",
    "LAST_CHUNK",
    "MAX_RESPONSE_HEAD",
    "TOKEN_CHARS",
    "BadVersion",
    "ParseError",
    "RequestHead",
    "RequestReader",
    "ResponseHead",
    "ResponseReader",
    "chunk",
    "is_token",
    "parse_query",
    "request_head",
    "response_head",
]

TOKEN_CHARS: Final = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
"""The characters of an RFC 9110 token (header names, methods): the one table of them."""

MAX_RESPONSE_HEAD: Final = 65536

_TOKEN_CHARS_LF: Final = TOKEN_CHARS + b"\n"

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_COMMON_METHODS: Final = frozenset(
    (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS")
)
# Origin-form, absolute-form, authority-form and "*": visible ASCII, nothing else.
_TARGET = re.compile(rb"[\x21-\x7e]+\Z")
_VERSION = re.compile(rb"HTTP/[0-9]\.[0-9]\Z")
# Control characters (tab aside), CR and LF included: a header block may hold no CR or LF
# outside its CRLFs and none of the rest at all.
_CTL_CRLF: Final = bytes(range(9)) + bytes(range(10, 32)) + b"\x7f"
# A translation table that changes exactly those bytes (each to another byte): a string is
# free of them when translating leaves it unchanged (a table and no deletions is
# ``translate``'s quick loop; deleting is about twice as slow).
_CTL_CHANGED: Final = bytes(c + 1 if c in _CTL_CRLF else c for c in range(256))
# The same for every byte but the token characters and LF.
_NOT_TOKEN_LF_CHANGED: Final = bytes(
    c if c in _TOKEN_CHARS_LF else (c + 1) % 256 for c in range(256)
)
_CHUNK_SIZE = re.compile(
    rb"([0-9A-Fa-f]{1,16})"
    rb"(?:[ \t]*;[ \t]*" + _TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + _TOKEN
    + rb'|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*"))?)*[ \t]*\Z'
)

_FRAMING_NAMES: Final = frozenset(
    (b"content-length", b"transfer-encoding", b"connection", b"expect", b"upgrade")
)
"""Fields that change a request's framing or its connection's fate."""


def is_token(name: bytes) -> bool:
    """Whether ``name`` is a non-empty RFC 9110 token."""
    return bool(name) and not name.translate(None, TOKEN_CHARS)


def parse_query(qs: bytes) -> dict[bytes, list[bytes]]:
    """A query string (``name=value&...``) as ``{name: [values]}``: percent- and
    ``+``-decoded, blank values kept, bytes throughout (what ``Request.args`` holds).

    The one query parser of the server side: HTTP/1.x and HTTP/2 requests and the ASGI
    adapter's use it."""
    out: dict[bytes, list[bytes]] = {}
    for field in qs.split(b"&"):
        if not field:
            continue
        k, _, v = field.partition(b"=")
        if 37 in k or 43 in k:  # b"%", b"+" (int tests: see http_headers._value)
            k = unquote_to_bytes(k.replace(b"+", b" "))
        if 37 in v or 43 in v:
            v = unquote_to_bytes(v.replace(b"+", b" "))
        values = out.get(k)
        if values is None:
            out[k] = [v]
        else:
            values.append(v)
    return out


class ParseError(Exception):
    """The message cannot be accepted: a server answers ``code`` and closes the connection."""

    def __init__(self, code: int, message: str, data: bytes = b"") -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.data = data


class BadVersion(ParseError):
    """The start line's HTTP version is malformed."""


class _End:
    __slots__ = ()

    def __repr__(self) -> str:
        return "END"


END: Final = _End()


class _Head:
    """What request and response heads share: the fields and the framing they imply.

    Fields that usually keep their first value are class attributes (no ``__slots__``): one
    store fewer per field and head. ``lowered`` (``b"\\r\\n"`` plus the lower-cased block)
    and ``lnames`` (the lower-cased names, in order) are made when first asked for.
    """

    block = b""
    content_length: int | None = 0
    chunked = False
    keep_alive = False
    _lowered: bytes | None = None
    _lnames: list[bytes] | None = None

    def __init__(self) -> None:
        self.pairs: list[tuple[bytes, bytes]] = []

    @property
    def lowered(self) -> bytes:
        """``b"\\r\\n"`` plus the lower-cased header block: ``b"\\r\\nname:"`` finds a field."""
        lowered = self._lowered
        if lowered is None:
            lowered = self._lowered = b"\r\n" + self.block.lower()
        return lowered

    @lowered.setter
    def lowered(self, value: bytes) -> None:
        self._lowered = value

    @property
    def lnames(self) -> list[bytes]:
        """The fields' names, lower-cased, in the order of ``pairs``."""
        names = self._lnames
        if names is None:
            names = self._lnames = [name.lower() for name, _ in self.pairs]
        return names

    def has_field(self, lname: bytes) -> bool:
        """Whether a field named ``lname`` (lower-case) was sent."""
        return lname in self.lnames

    def field(self, lname: bytes) -> bytes | None:
        """The first value of the field named ``lname`` (lower-case), as sent, or None."""
        names = self.lnames
        if lname not in names:
            return None
        return self.pairs[names.index(lname)][1]

    def last_field(self, lname: bytes) -> bytes | None:
        """The last value of the field named ``lname`` (lower-case), as sent, or None."""
        names = self.lnames
        if lname not in names:
            return None
        return self.pairs[len(names) - 1 - names[::-1].index(lname)][1]

    def values(self, lname: bytes) -> list[bytes]:
        """The comma-separated elements of every ``lname`` field, lower-cased and stripped."""
        return _all_values(self.lowered, b"\r\n" + lname + b":")


class RequestHead(_Head):
    """A validated request line and header block.

    ``pairs`` are the (name, value) fields as sent, values stripped of surrounding
    whitespace; ``block`` is the header block as sent (each line ending in CRLF);
    ``lowered`` is ``b"\\r\\n"`` plus the lower-cased block, for cheap look-ups.
    """

    upgrade = False
    expect_continue = False
    # The reader keeps each field's name and its line as sent; ``pairs`` is
    # made from them when first asked for: most requests never read most of their fields.
    _pairs: list[tuple[bytes, bytes]] | None = None
    _names: list[bytes] | None = None
    _lines: list[bytes] | None = None

    def __init__(self, method: bytes, target: bytes, version: bytes) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.keep_alive = version == b"HTTP/1.1"

    @property
    def pairs(self) -> list[tuple[bytes, bytes]]:
        """The (name, value) fields as sent, values stripped of surrounding whitespace."""
        pairs = self._pairs
        if pairs is None:
            names, lines = self._names, self._lines
            if names is None or lines is None:
                pairs = []
            else:
                # Each value follows its name and the colon in its line. strip() strips " "
                # and "\t" only: the reader let no other control through.
                pairs = [
                    (name, line[len(name) + 1 :].strip())
                    for name, line in zip(names, lines, strict=True)
                ]
            self._pairs = pairs
        return pairs

    @pairs.setter
    def pairs(self, value: list[tuple[bytes, bytes]]) -> None:
        self._pairs = value


class ResponseHead(_Head):
    """A validated status line and header block; ``until_close``: the body ends with the
    connection."""

    until_close = False

    def __init__(self, version: tuple[bytes, int, int], code: int, reason: bytes) -> None:
        super().__init__()
        self.version = version
        self.code = code
        self.reason = reason


def _all_values(lowered: bytes, key: bytes) -> list[bytes]:
    i = lowered.find(key)
    if i < 0:
        return []
    start = i + len(key)
    end = lowered.find(b"\r\n", start)
    if lowered.find(key, end) < 0:
        value = lowered[start:end]
        if value.find(b",") < 0:  # one field, one element: the usual case
            return [value.strip(b" \t")]
    out: list[bytes] = []
    while i >= 0:
        start = i + len(key)
        end = lowered.find(b"\r\n", start)
        out.extend(t.strip(b" \t") for t in lowered[start:end].split(b","))
        i = lowered.find(key, end)
    return out


def _only(head: _Head, lname: bytes) -> bytes | None:
    """The value (lower-cased) of a field that must appear at most once; ParseError if
    repeated; None if absent."""
    names = head.lnames
    n = names.count(lname)
    if not n:
        return None
    if n > 1:
        raise ParseError(400, f"repeated {lname.decode()} header")
    return head.pairs[names.index(lname)][1].lower()


def _tokens(head: _Head, lname: bytes) -> list[bytes]:
    """The comma-separated elements of every ``lname`` field, lower-cased and stripped
    (what ``_all_values`` finds in ``lowered``, from ``pairs``)."""
    names = head.lnames
    if names.count(lname) == 1:
        value = head.pairs[names.index(lname)][1].lower()
        if value.find(b",") < 0:  # one field, one element: the usual case
            return [value]
    out: list[bytes] = []
    for (_, value), name in zip(head.pairs, names, strict=True):
        if name == lname:
            out.extend(t.strip(b" \t") for t in value.lower().split(b","))
    return out


def _fields(head: _Head, block: bytes, max_headers: int) -> None:
    """Validate a header block (each line ending in CRLF) and fill ``head``'s fields."""
    lines = block.split(b"\r\n")
    lines.pop()
    n = len(lines)
    if n > max_headers:
        raise ParseError(431, "too many headers")
    # The whole block at once: deleting every control character (tab aside) but CR and LF
    # too removes exactly the n CRLFs, so there is no bare CR or LF and no other control
    # character anywhere; then one partition per field.
    if len(block.translate(None, _CTL_CRLF)) != len(block) - 2 * n:
        raise ParseError(400, "malformed header field")
    head.block = block
    pairs = head.pairs
    append = pairs.append
    for line in lines:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ParseError(400, "malformed header field")
        append((name, value.strip(b" \t")))
    # Names: non-empty and nothing but token characters (so no whitespace before the colon
    # and no obsolete line folding), checked over all the names joined at once.
    names = [pair[0] for pair in pairs]
    if b"" in names or b"".join(names).translate(None, TOKEN_CHARS):
        raise ParseError(400, "malformed header field")
    head._lnames = list(map(bytes.lower, names))


_HEAD, _BODY, _CHUNK_SIZE_LINE, _CHUNK_DATA, _CHUNK_CRLF, _TRAILERS, _UNTIL_CLOSE, _IDLE, _DEAD = range(9)


class _Reader:
    """The state machine both readers share: heads (subclass), then the body framing.

    Its state starts as class attributes (no ``__slots__``): a connection's reader costs a
    few stores to make, not one per field.
    """

    _buf = b""
    _pending: bytearray | None = None
    _checked = 0
    _line_end = -1
    _blank = 0
    _state = _HEAD
    _remaining = 0
    _body_seen = 0
    limited = False

    def __init__(
        self,
        max_header_bytes: int,
        max_headers: int,
        max_body_size: int | None,
        max_chunk_line: int,
    ) -> None:
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers
        self.max_body_size = max_body_size
        self.max_chunk_line = max_chunk_line
        self.trailers: list[tuple[bytes, bytes]] = []

    # -- what a subclass provides ---------------------------------------------------------

    def _parse_head(self, buf: bytes, start: int, end: int) -> _Head:
        raise NotImplementedError

    def _max_line(self) -> int:
        raise NotImplementedError

    def _max_head(self, line_end: int) -> int:
        raise NotImplementedError

    def _line_error(self, line: bytes) -> ParseError | None:
        """What is wrong with a complete start line (a request line is answered as soon as
        it is complete, as Twisted does), or None."""
        return None

    def _after_head(self, head: _Head, events: list[object]) -> None:
        """Set the body state for ``head`` (END appended when there is no body)."""
        if head.chunked:
            self._state = _CHUNK_SIZE_LINE
            self._body_seen = 0
        elif head.content_length:
            self._state = _BODY
            self._remaining = head.content_length
        else:
            events.append(END)
            self._state = _HEAD

    # -- state ----------------------------------------------------------------------------

    @property
    def buffered(self) -> bool:
        """True when unconsumed bytes are buffered."""
        return bool(self._buf) or bool(self._pending)

    @property
    def buffered_size(self) -> int:
        """How many unconsumed bytes are buffered."""
        pending = self._pending
        return len(self._buf) + (len(pending) if pending is not None else 0)

    @property
    def in_head(self) -> bool:
        """True while part of a head (not just blank lines) is buffered."""
        return self._state == _HEAD and (bool(self._pending) or bool(self._buf))

    @property
    def between_messages(self) -> bool:
        """True when nothing of the next message has arrived yet."""
        return self._state in (_HEAD, _IDLE) and not self._pending and not self._buf

    @property
    def in_body(self) -> bool:
        """True while a body is being read."""
        return self._state in (_BODY, _CHUNK_SIZE_LINE, _CHUNK_DATA, _CHUNK_CRLF, _TRAILERS, _UNTIL_CLOSE)

    def unconsumed(self) -> bytes:
        """Take the buffered bytes not parsed (after an upgrade, or a response nobody asked
        for); the reader then holds nothing."""
        rest = bytes(self._pending) if self._pending else self._buf
        self._pending = None
        self._buf = b""
        return rest

    # -- feeding --------------------------------------------------------------------------

    def feed(self, data: bytes, max_heads: int = 1 << 30) -> list[object]:
        """Consume ``data``; return the events it completes (see the module docstring).

        At most ``max_heads`` heads are parsed; the rest stays buffered (``limited`` is then
        True) until the next call, so a caller can bound pipelined requests.
        """
        events: list[object] = []
        self.limited = False
        state = self._state
        if state == _DEAD:
            return events
        pending = self._pending
        if pending is not None:
            # A partial head: append and scan only the new bytes (linear however split).
            scan = len(pending) - 3 if len(pending) > 3 else 0
            pending += data
            end = pending.find(b"\r\n\r\n", scan)
            if end < 0:
                try:
                    self._check_partial(pending)
                except ParseError as e:
                    return self._die(e, events)
                return events
            self._pending = None
            buf = bytes(pending)
        elif self._buf:
            buf = self._buf + data
            self._buf = b""
        else:
            buf = data
        return self._run(buf, max_heads, events)

    def _die(self, e: ParseError, events: list[object]) -> list[object]:
        self._state = _DEAD
        self._buf = b""
        self._pending = None
        events.append(e)
        return events

    def _run(self, buf: bytes, max_heads: int, events: list[object]) -> list[object]:
        heads = 0
        pos = 0
        size = len(buf)
        try:
            while pos < size:
                state = self._state
                if state == _HEAD:
                    if buf[pos] in b"\r\n":
                        # Empty lines before a start line: whole CRLF pairs only.
                        if buf[pos : pos + 2] == b"\r\n":
                            pos += 2
                            self._blank += 2
                            if self._blank > self.max_header_bytes:
                                raise ParseError(400, "too many empty lines")
                            continue
                        if buf[pos : pos + 1] == b"\r" and pos + 1 == size:
                            break  # a CR whose LF may follow
                        raise ParseError(400, "bare CR or LF before the start line")
                    if heads >= max_heads:
                        self.limited = True
                        break
                    end = buf.find(b"\r\n\r\n", pos)
                    if end < 0:
                        self._start_partial(buf, pos)
                        return events
                    heads += 1
                    self._blank = 0
                    try:
                        head = self._parse_head(buf, pos, end)
                    except ParseError as e:
                        # Report what a partial head would have: the earliest framing error.
                        raise self._head_error(buf[pos : end + 4]) or e from None
                    pos = end + 4
                    events.append(head)
                    self._after_head(head, events)
                    if self._state == _IDLE:
                        break
                elif state == _BODY:
                    n = self._remaining
                    left = size - pos
                    if left <= n:
                        events.append(buf[pos:] if pos else buf)
                        pos = size
                        self._remaining = n - left
                        if self._remaining == 0:
                            self._body_done(events)
                    else:
                        events.append(buf[pos : pos + n])
                        pos += n
                        self._remaining = 0
                        self._body_done(events)
                elif state == _CHUNK_SIZE_LINE:
                    i = buf.find(b"\r\n", pos)
                    if i < 0:
                        if size - pos > self.max_chunk_line or buf.find(b"\n", pos) >= 0:
                            raise ParseError(400, "bad chunk size line")
                        break
                    m = _CHUNK_SIZE.match(buf, pos, i) if i - pos <= self.max_chunk_line else None
                    if m is None or m.end() != i:
                        raise ParseError(400, "bad chunk size line", buf[pos : pos + 100])
                    n = int(m.group(1), 16)
                    pos = i + 2
                    if n == 0:
                        self._state = _TRAILERS
                        self.trailers = []
                    else:
                        self._body_seen += n
                        limit = self.max_body_size
                        if limit is not None and self._body_seen > limit:
                            raise ParseError(413, "body too large")
                        self._remaining = n
                        self._state = _CHUNK_DATA
                elif state == _CHUNK_DATA:
                    n = self._remaining
                    left = size - pos
                    if left <= n:
                        events.append(buf[pos:] if pos else buf)
                        pos = size
                        self._remaining = n - left
                        if self._remaining == 0:
                            self._state = _CHUNK_CRLF
                    else:
                        events.append(buf[pos : pos + n])
                        pos += n
                        self._state = _CHUNK_CRLF
                elif state == _CHUNK_CRLF:
                    if size - pos < 2:
                        if buf[pos:] != b"\r":
                            raise ParseError(400, "chunk data not followed by CRLF")
                        break
                    if buf[pos : pos + 2] != b"\r\n":
                        raise ParseError(400, "chunk data not followed by CRLF", buf[pos : pos + 100])
                    pos += 2
                    self._state = _CHUNK_SIZE_LINE
                elif state == _TRAILERS:
                    if buf[pos : pos + 2] == b"\r\n":
                        pos += 2
                    else:
                        # A bad first byte, then the size: checked in the order the bytes
                        # arrive, so the answer does not depend on how they were split.
                        if size - pos >= 2 and buf[pos : pos + 1] in b" \t\n":
                            raise ParseError(400, "bad trailer")
                        end = buf.find(b"\r\n\r\n", pos)
                        if end < 0:
                            if size - pos > self.max_header_bytes:
                                raise ParseError(431, "trailers too large")
                            break
                        if end + 4 - pos > self.max_header_bytes:
                            raise ParseError(431, "trailers too large")
                        trailer = _Head()
                        try:
                            _fields(trailer, buf[pos : end + 2], self.max_headers)
                        except ParseError as e:
                            raise ParseError(400, "bad trailer: " + e.message) from None
                        self.trailers = trailer.pairs
                        pos = end + 4
                    self._body_done(events)
                elif state == _UNTIL_CLOSE:
                    piece = buf[pos:] if pos else buf
                    pos = size
                    limit = self.max_body_size
                    if limit is not None:
                        self._body_seen += len(piece)
                        if self._body_seen > limit:
                            raise ParseError(413, "body too large")
                    events.append(piece)
                else:  # _IDLE: a message is complete and nothing more is expected yet
                    self.limited = True
                    break
        except ParseError as e:
            return self._die(e, events)
        if pos < size:
            self._buf = buf[pos:] if pos else buf
        return events

    def _body_done(self, events: list[object]) -> None:
        events.append(END)
        self._state = _HEAD

    def _start_partial(self, buf: bytes, pos: int) -> None:
        pending = self._pending = bytearray(buf[pos:] if pos else buf)
        self._checked = 0
        self._line_end = -1
        self._check_partial(pending)

    def _check_partial(self, buf: bytearray) -> None:
        """Check the bytes of a partial head not checked yet: limits, bare CR and LF."""
        start = self._checked
        if start and buf[start - 1] == 13:  # a CR whose LF had not arrived
            start -= 1
        size = len(buf)
        line_end = self._line_end
        bad = False
        if line_end < 0:
            line_end = self._line_end = buf.find(b"\r\n", start)
            if line_end < 0:
                bad = size > self._max_line()
            else:
                bad = line_end > self._max_line() or self._line_error(bytes(buf[:line_end])) is not None
        bad = (
            bad
            or (line_end >= 0 and size > self._max_head(line_end))
            or buf.count(b"\n", start) != buf.count(b"\r\n", start)
            or buf.count(b"\r", start, size - 1) != buf.count(b"\r\n", start)
        )
        if bad:
            error = self._head_error(buf)
            if error is not None:
                raise error
        self._checked = size

    def _head_error(self, head: bytes | bytearray) -> ParseError | None:
        """The framing error (a limit, a bare CR or LF) found first when ``head``, the start
        of a head, arrives one byte at a time: the same answer however the bytes are split."""
        size = len(head)
        found: list[tuple[int, ParseError]] = []
        i = head.find(b"\n")
        while i >= 0:
            if i == 0 or head[i - 1] != 13:
                found.append((i, ParseError(400, "bare LF in head")))
                break
            i = head.find(b"\n", i + 1)
        i = head.find(b"\r")
        while 0 <= i < size - 1:
            if head[i + 1] != 10:
                found.append((i + 1, ParseError(400, "bare CR in head")))
                break
            i = head.find(b"\r", i + 1)
        max_line = self._max_line()
        line_end = head.find(b"\r\n")
        if line_end < 0 or line_end > max_line:
            # A CR ending a line of exactly the maximum may be followed by its LF.
            at = max_line + 1 if head[max_line : max_line + 1] == b"\r" else max_line
            if at < size:
                found.append((at, ParseError(414, "start line too long")))
        else:
            # A bad start line is known once its CRLF is there.
            error = self._line_error(bytes(head[:line_end]))
            if error is not None:
                found.append((line_end + 1, error))
            if size > self._max_head(line_end):
                found.append((self._max_head(line_end), ParseError(431, "header block too large")))
        return min(found, key=lambda f: f[0])[1] if found else None


class RequestReader(_Reader):
    """The server's reader: request heads and bodies (see the module docstring)."""

    _upgrade = False
    # The default limits, as class attributes: a reader with them (one per connection)
    # stores none of them.
    max_request_line = 8190
    max_header_bytes = 32768
    max_headers = 100
    max_body_size: int | None = 64 * 1024 * 1024
    max_chunk_line = 4096
    # Replaced (never changed in place) when a chunked body ends with trailers.
    trailers: list[tuple[bytes, bytes]] = []

    def __init__(
        self,
        max_request_line: int = 8190,
        max_header_bytes: int = 32768,
        max_headers: int = 100,
        max_body_size: int | None = 64 * 1024 * 1024,
        max_chunk_line: int = 4096,
    ) -> None:
        if max_header_bytes != 32768:
            self.max_header_bytes = max_header_bytes
        if max_headers != 100:
            self.max_headers = max_headers
        if max_body_size != 64 * 1024 * 1024:
            self.max_body_size = max_body_size
        if max_chunk_line != 4096:
            self.max_chunk_line = max_chunk_line
        if max_request_line != 8190:
            self.max_request_line = max_request_line

    @property
    def between_requests(self) -> bool:
        """True when nothing of the next request has arrived yet."""
        return self.between_messages

    @property
    def waiting(self) -> bool:
        """True after a request that may switch protocols (``Upgrade``, ``CONNECT``): what
        follows it is not parsed until ``resume()`` (it may not be HTTP at all)."""
        return self._state == _IDLE

    def resume(self) -> None:
        """The request that made the reader wait was answered without switching protocols."""
        if self._state == _IDLE:
            self._state = _HEAD

    def _body_done(self, events: list[object]) -> None:
        events.append(END)
        self._state = _IDLE if self._upgrade else _HEAD

    def simple_head(self, data: bytes) -> RequestHead | None:
        """The head ``data`` holds when it is exactly one whole, valid request head without
        a body and nothing else (the usual keep-alive GET, in one read) and nothing is
        buffered; the reader is then ready for the next request, as after ``feed(data)``
        returned that head and ``END``. Otherwise None, and nothing changed: give ``data``
        to ``feed`` (which gives the same answer, errors included)."""
        if self._state != _HEAD or self._buf or self._pending is not None:
            return None
        end = data.find(b"\r\n\r\n")
        if end < 1 or end + 4 != len(data) or data[0] == 13 or data[0] == 10:
            return None
        try:
            head = self._parse_head(data, 0, end)
        except ParseError:
            return None
        if head.chunked or head.content_length or head.upgrade:
            return None
        self._blank = 0
        self._upgrade = False
        self.limited = False
        return head

    def _after_head(self, head: _Head, events: list[object]) -> None:
        upgrade = self._upgrade = head.upgrade  # type: ignore[attr-defined]
        if head.chunked:
            self._state = _CHUNK_SIZE_LINE
            self._body_seen = 0
        elif head.content_length:
            self._state = _BODY
            self._remaining = head.content_length
        else:
            events.append(END)
            self._state = _IDLE if upgrade else _HEAD

    def _max_line(self) -> int:
        return self.max_request_line

    def _line_error(self, line: bytes) -> ParseError | None:
        # The request line checks of _parse_head, on the line alone.
        parts = line.split(b" ")
        if len(parts) != 3:
            return ParseError(400, "malformed request line")
        method, target, version = parts
        if not method or method.translate(None, TOKEN_CHARS):
            return ParseError(400, "invalid method")
        if _TARGET.match(target) is None:
            return ParseError(400, "invalid request target")
        if version != b"HTTP/1.1" and version != b"HTTP/1.0":
            if _VERSION.match(version) is None:
                return ParseError(400, "malformed HTTP version")
            return ParseError(400, "HTTP version not supported")
        return None

    def _max_head(self, line_end: int) -> int:
        return line_end + 2 + self.max_header_bytes

    def _parse_head(self, buf: bytes, start: int, end: int) -> RequestHead:
        # The head without its final blank line, split once: the request line, then the
        # field lines.
        text = buf[start:end]
        lines = text.split(b"\r\n")
        line = lines[0]
        if len(line) > self.max_request_line:
            raise ParseError(414, "request line too long")
        parts = line.split(b" ")
        if len(parts) != 3:
            raise ParseError(400, "malformed request line")
        method, target, version = parts
        if method not in _COMMON_METHODS and (not method or method.translate(None, TOKEN_CHARS)):
            raise ParseError(400, "invalid method")
        # The whole head at once: without the CRLFs between the lines, it must hold no
        # control character (tab aside), CR and LF included: no bare CR or LF, nothing else.
        whole = b"".join(lines)
        clean = whole.translate(_CTL_CHANGED) == whole
        # The target is visible ASCII. When the whole head is clean, the only control
        # character it can hold is a tab; otherwise the exact check decides (a control
        # character elsewhere in the request line fails the method or version checks).
        if (not clean or not target or not target.isascii() or 9 in target) and (
            _TARGET.match(target) is None
        ):
            raise ParseError(400, "invalid request target")
        if version != b"HTTP/1.1" and version != b"HTTP/1.0":
            if _VERSION.match(version) is None:
                raise ParseError(400, "malformed HTTP version")
            raise ParseError(400, "HTTP version not supported")  # Twisted's answer, not 505
        head = RequestHead(method, target, version)
        n = len(lines) - 1
        if not n:
            head.upgrade = method == b"CONNECT"
            return head
        block = head.block = buf[start + len(line) + 2 : end + 2]
        if len(block) + 2 > self.max_header_bytes:
            raise ParseError(431, "request header block too large")
        # _fields, inlined on the hot path (see it for what the checks mean).
        if n > self.max_headers:
            raise ParseError(431, "too many headers")
        if not clean:
            raise ParseError(400, "malformed header field")
        names: list[bytes] = []
        add_name = names.append
        del lines[0]
        for line in lines:
            name, sep, _ = line.partition(b":")
            if not (sep and name):
                raise ParseError(400, "malformed header field")
            add_name(name)
        # The values stay in their lines, cut out when ``pairs`` is first asked for.
        head._names = names
        head._lines = lines
        # Names: non-empty tokens (no whitespace before a colon, no obsolete folding), all
        # checked and lower-cased at once, joined by LF (which a clean head has nowhere).
        joined = b"\n".join(names)
        if joined.translate(_NOT_TOKEN_LF_CHANGED) != joined:
            raise ParseError(400, "malformed header field")
        lnames = head._lnames = joined.lower().split(b"\n")
        # A repeated Host is refused (which one would route the request?); a missing one
        # is let through, as Twisted does, though RFC 9112 3.2 asks for 400.
        if lnames.count(b"host") > 1:
            raise ParseError(400, "repeated Host header")
        if method == b"CONNECT":
            head.upgrade = True
        if _FRAMING_NAMES.isdisjoint(lnames):
            return head  # the usual request: no body, nothing about the connection
        # Only the fields present are looked at (no helper call for an absent one).
        te = _only(head, b"transfer-encoding") if b"transfer-encoding" in lnames else None
        cl = _only(head, b"content-length") if b"content-length" in lnames else None
        if te is not None:
            if cl is not None:
                raise ParseError(400, "both Content-Length and Transfer-Encoding")
            if te != b"chunked":
                raise ParseError(400, "unsupported transfer coding")
            head.chunked = True
        elif cl is not None:
            if not cl.isdigit() or len(cl) > 19:
                raise ParseError(400, "invalid Content-Length")
            n = int(cl)
            if self.max_body_size is not None and n > self.max_body_size:
                raise ParseError(413, "request body too large")
            head.content_length = n
        if b"connection" in lnames:
            if lnames.count(b"connection") == 1:
                # One field: the usual "close" or "keep-alive" is that whole value.
                value = lines[lnames.index(b"connection")].partition(b":")[2].strip().lower()
                tokens = [value] if value.find(b",") < 0 else _tokens(head, b"connection")
            else:
                tokens = _tokens(head, b"connection")
            if b"close" in tokens:
                head.keep_alive = False
            elif b"keep-alive" in tokens:
                head.keep_alive = True
        if version == b"HTTP/1.1" and b"expect" in lnames:
            head.expect_continue = b"100-continue" in _tokens(head, b"expect")
        if b"upgrade" in lnames:
            head.upgrade = True
        return head


def _status_line(status: bytes) -> tuple[tuple[bytes, int, int], int, bytes]:
    """``HTTP/1.1 200 OK`` -> ``((b"HTTP", 1, 1), 200, b"OK")``; ``ParseError`` (``BadVersion``
    for the version) if it is not a status line."""
    parts = status.split(b" ", 2)
    if len(parts) < 2:
        raise ParseError(400, "wrong number of parts in status line", status)
    version, code = parts[0], parts[1]
    if len(code) != 3 or not code.isdigit():
        raise ParseError(400, "non-integer status code", status)
    if len(version) != 8 or _VERSION.match(version) is None:
        raise BadVersion(400, "bad HTTP version in status line", version)
    reason = parts[2] if len(parts) == 3 else b""
    if len(reason.translate(None, _CTL_CRLF)) != len(reason):
        raise ParseError(400, "control character in reason phrase", status)
    return (b"HTTP", version[5] - 48, version[7] - 48), int(code), reason


class ResponseReader(_Reader):
    """The client's reader: response heads and bodies, one response per ``expect(method)``.

    Informational (1xx) heads other than 101 are returned as heads and followed by the real
    one. After ``END`` (or a 101) the reader waits for the next ``expect``; bytes arriving
    meanwhile stay buffered (``buffered``), which a client treats as a broken connection.
    """

    def __init__(
        self,
        max_head: int = MAX_RESPONSE_HEAD,
        max_headers: int = 500,
        max_body_size: int | None = None,
        max_chunk_line: int = 4096,
        max_trailer_bytes: int = 65536,
    ) -> None:
        super().__init__(max_trailer_bytes, max_headers, max_body_size, max_chunk_line)
        self.max_head = max_head
        self._method = b"GET"
        self._state = _IDLE
        self._status_checked = False

    def expect(self, method: bytes) -> None:
        """A request with ``method`` was sent: read its response next."""
        if self._state == _DEAD:
            return
        self._method = method
        self._state = _HEAD
        self._blank = 0

    def eof(self) -> list[object]:
        """The connection ended: ``[END]`` for a body delimited by it, ``[ParseError]`` if a
        message was cut short, ``[]`` between messages."""
        state = self._state
        if state == _UNTIL_CLOSE:
            self._state = _IDLE
            return [END]
        if state in (_IDLE, _DEAD) or (state == _HEAD and not self.buffered):
            return []
        return self._die(ParseError(400, "connection closed in the middle of a message"), [])

    def _max_line(self) -> int:
        return self.max_head

    def _max_head(self, line_end: int) -> int:
        return self.max_head

    def _start_partial(self, buf: bytes, pos: int) -> None:
        self._status_checked = False
        super()._start_partial(buf, pos)

    def _check_partial(self, buf: bytearray) -> None:
        # A status line is judged as soon as it is complete: a peer that is not an HTTP
        # server fails the request at once instead of leaving it waiting for a head's end.
        super()._check_partial(buf)
        if not self._status_checked and self._line_end >= 0:
            self._status_checked = True
            _status_line(bytes(buf[: self._line_end]))

    def _body_done(self, events: list[object]) -> None:
        events.append(END)
        self._state = _IDLE

    def _after_head(self, head: _Head, events: list[object]) -> None:
        assert isinstance(head, ResponseHead)
        code = head.code
        if code < 200:
            # 101 switches protocols (the rest belongs to the new one); other 1xx are
            # followed by the real response.
            self._state = _IDLE if code == 101 else _HEAD
            return
        if head.until_close:
            self._state = _UNTIL_CLOSE
            self._body_seen = 0
            return
        if head.chunked:
            self._state = _CHUNK_SIZE_LINE
            self._body_seen = 0
            return
        n = head.content_length
        if n:
            limit = self.max_body_size
            if limit is not None and n > limit:
                raise ParseError(413, "response body too large")
            self._state = _BODY
            self._remaining = n
        else:
            self._body_done(events)

    def _parse_head(self, buf: bytes, start: int, end: int) -> ResponseHead:
        if end + 4 - start > self.max_head:
            raise ParseError(431, "response head too long", buf[start : start + 100])
        line_end = buf.find(b"\r\n", start)
        head = ResponseHead(*_status_line(buf[start:line_end]))
        if end > line_end:
            _fields(head, buf[line_end + 2 : end + 2], self.max_headers)
        lnames = head.lnames
        n = head.code
        head.keep_alive = head.version[1:] == (1, 1) and b"close" not in (
            _tokens(head, b"connection") if b"connection" in lnames else ()
        )
        if self._method == b"HEAD" or n in (204, 304) or n < 200:
            head.content_length = 0  # no body; a Content-Length describes the entity
            return head
        if b"transfer-encoding" in lnames:
            codings = _tokens(head, b"transfer-encoding")
            if codings and codings[-1] == b"chunked":
                head.chunked = True
                head.content_length = None  # RFC 9112 6.3: chunked wins, length untrusted
                return head
            head.until_close = True
            head.content_length = None
            head.keep_alive = False
            return head
        if b"content-length" in lnames:
            values = set(_tokens(head, b"content-length"))
            if len(values) != 1:
                raise ParseError(400, "conflicting Content-Length values", b",".join(sorted(values)))
            value = values.pop()
            if not value.isdigit() or len(value) > 19:
                raise ParseError(400, "invalid Content-Length", value)
            head.content_length = int(value)
            return head
        head.until_close = True
        head.content_length = None
        head.keep_alive = False
        return head


# -- writers -------------------------------------------------------------------------------

LAST_CHUNK: Final = b"0\r\n\r\n"
"""The end of a chunked body (no trailers)."""


def chunk(data: bytes) -> tuple[bytes, bytes, bytes]:
    """One chunk of a chunked body, as pieces for ``writeSequence`` (``data`` not empty)."""
    return (b"%x\r\n" % len(data), data, b"\r\n")


def response_head(version: bytes, code: bytes, reason: bytes, lines: list[bytes]) -> bytes:
    """A status line and the header ``lines`` (each ``Name: value\\r\\n``), then CRLF."""
    return b"".join((version, b" ", code, b" ", reason, b"\r\n", *lines, b"\r\n"))


def request_head(method: bytes, target: bytes, version: bytes, lines: list[bytes]) -> bytes:
    """A request line and the header ``lines`` (each ``Name: value\\r\\n``), then CRLF."""
    return b"".join((method, b" ", target, b" ", version, b"\r\n", *lines, b"\r\n"))
