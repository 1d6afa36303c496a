"""A sans-IO HTTP/1.x request parser: bytes in, events out. No sockets, no clocks.

``RequestParser.feed(data)`` returns a list of events, in order:

* ``RequestHead`` -- a complete, validated request line and header block;
* ``bytes`` -- a piece of the request body (never empty);
* ``END`` -- the body is complete; the next bytes belong to the next request;
* ``ParseError`` -- the input is not acceptable HTTP; always the last event ever returned.

Invariants:

1. A head is parsed only once the whole block up to ``\\r\\n\\r\\n`` is buffered, with bytes
   operations over the whole block (``count`` and one regular-expression ``search`` for
   bare CR/LF and control characters, one ``split``, and one ``translate`` over all the
   names joined for the token check); the only per-field Python work is one ``partition``
   and one ``strip`` to produce the (name, value) pairs.
2. The buffer never holds more than ``max_request_line + max_header_bytes`` bytes of head,
   ``max_chunk_line`` bytes of chunk-size line, or ``max_header_bytes`` of trailers; past that,
   a ``ParseError`` is produced. Body bytes are passed on as they arrive, never accumulated.
3. Framing is unambiguous or rejected (request smuggling): a repeated or non-numeric
   ``Content-Length``, ``Content-Length`` together with ``Transfer-Encoding``, any transfer
   coding but a single ``chunked``, bare CR or LF, whitespace before a colon, obsolete line
   folding and control characters in names, values or the method are all 400.
4. After a ``ParseError`` the parser is dead: ``feed`` returns nothing more.

Limits (all ``RequestParser`` arguments), with the servers they follow:

* ``max_request_line`` 8190 bytes -> 414: Apache's ``LimitRequestLine``; nginx's 8k buffer.
* ``max_header_bytes`` 32768 -> 431: nginx's ``large_client_header_buffers`` (4 x 8k);
  Twisted allows 16384.
* ``max_headers`` 100 -> 431: Apache's ``LimitRequestFields``; Twisted allows 500.
* ``max_body_size`` 64 MiB -> 413: bodies are spooled to disk past 100 kB, so this bounds disk,
  not memory; Twisted has no limit, nginx's default (1 MiB) is too small for uploads.
* ``max_chunk_line`` 4096 -> 400: a chunk size plus extensions; h11 and Node allow less.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["END", "ParseError", "RequestHead", "RequestParser"]

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_METHOD = re.compile(_TOKEN + rb"\Z")
# Origin-form, absolute-form, authority-form and "*": visible ASCII, nothing else.
_COMMON_METHODS: Final = frozenset(
    (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS")
)
_TARGET = re.compile(rb"[\x21-\x7e]+\Z")
_VERSION = re.compile(rb"HTTP/[0-9]\.[0-9]\Z")
# One field line (trailers): name, colon (no whitespace before it), a value of visible
# characters, spaces, tabs and obs-text, CRLF.
_VALUE_CHARS = rb"[^\x00-\x08\x0a-\x1f\x7f]"
_BLOCK = re.compile(rb"(?:" + _TOKEN + rb":" + _VALUE_CHARS + rb"*\r\n)*")
# Control characters (tab aside), CR and LF included: a header block may hold no CR or LF
# outside its CRLFs and none of the rest at all.
_CTL_CRLF: Final = bytes(range(9)) + bytes(range(10, 32)) + b"\x7f"
_TOKEN_CHARS: Final = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHUNK_SIZE = re.compile(
    rb"([0-9A-Fa-f]{1,16})"
    rb"(?:[ \t]*;[ \t]*" + _TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + _TOKEN
    + rb'|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*"))?)*[ \t]*\Z'
)

_CL: Final = b"\r\ncontent-length:"
_TE: Final = b"\r\ntransfer-encoding:"
_CONN: Final = b"\r\nconnection:"
_EXPECT: Final = b"\r\nexpect:"


class ParseError(Exception):
    """The request cannot be accepted; answer ``code`` and close the connection."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


class _End:
    __slots__ = ()

    def __repr__(self) -> str:
        return "END"


END: Final = _End()


class RequestHead:
    """A validated request line and header block.

    ``pairs`` are the (name, value) fields as sent, values stripped of surrounding
    whitespace; ``block`` is the header block as sent (each line ending in CRLF); ``lowered`` is ``b"\\r\\n"`` plus the lower-cased header block, for cheap
    look-ups of single fields (``field``) without building a mapping.
    """

    __slots__ = (
        "block",
        "chunked",
        "content_length",
        "expect_continue",
        "keep_alive",
        "lowered",
        "method",
        "pairs",
        "target",
        "version",
    )

    def __init__(self, method: bytes, target: bytes, version: bytes) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.pairs: list[tuple[bytes, bytes]] = []
        self.block = b""
        self.lowered = b"\r\n"
        self.content_length = 0
        self.chunked = False
        self.keep_alive = version == b"HTTP/1.1"
        self.expect_continue = False

    def field(self, lname: bytes) -> bytes | None:
        """The first value of the field named ``lname`` (lower-case), as sent, or None."""
        if b"\r\n" + lname + b":" not in self.lowered:
            return None
        for name, value in self.pairs:
            if name.lower() == lname:
                return value
        return None  # pragma: no cover

    def last_field(self, lname: bytes) -> bytes | None:
        """The last value of the field named ``lname`` (lower-case), as sent, or None.

        Found with one ``rfind`` in ``lowered`` and sliced out of ``block`` (same offsets, two
        bytes apart), so no mapping is built.
        """
        key = b"\r\n" + lname + b":"
        i = self.lowered.rfind(key)
        if i < 0:
            return None
        start = i + len(key) - 2
        block = self.block
        return block[start : block.find(b"\r\n", start)].strip(b" \t")


def _single(lowered: bytes, key: bytes) -> bytes | None:
    """The value of a field that must appear at most once; ParseError if repeated."""
    i = lowered.find(key)
    if i < 0:
        return None
    if lowered.find(key, i + len(key)) >= 0:
        raise ParseError(400, f"repeated {key[2:-1].decode()} header")
    start = i + len(key)
    return lowered[start : lowered.find(b"\r\n", start)].strip(b" \t")


def _all_values(lowered: bytes, key: bytes) -> list[bytes]:
    out: list[bytes] = []
    i = lowered.find(key)
    while i >= 0:
        start = i + len(key)
        end = lowered.find(b"\r\n", start)
        out.extend(t.strip(b" \t") for t in lowered[start:end].split(b","))
        i = lowered.find(key, end)
    return out


_HEAD, _BODY, _CHUNK_SIZE_LINE, _CHUNK_DATA, _CHUNK_CRLF, _TRAILERS, _DEAD = range(7)


class RequestParser:
    """Turns the bytes of one connection into request events; see the module docstring."""

    __slots__ = (
        "_body_seen",
        "_buf",
        "_remaining",
        "_state",
        "limited",
        "max_body_size",
        "max_chunk_line",
        "max_header_bytes",
        "max_headers",
        "max_request_line",
    )

    def __init__(
        self,
        max_request_line: int = 8190,
        max_header_bytes: int = 32768,
        max_headers: int = 100,
        max_body_size: int | None = 64 * 1024 * 1024,
        max_chunk_line: int = 4096,
    ) -> None:
        self.max_request_line = max_request_line
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers
        self.max_body_size = max_body_size
        self.max_chunk_line = max_chunk_line
        self._buf = b""
        self._state = _HEAD
        self._remaining = 0
        self._body_seen = 0
        self.limited = False

    @property
    def buffered(self) -> bool:
        """True when unconsumed bytes are buffered."""
        return bool(self._buf)

    @property
    def in_head(self) -> bool:
        """True while part of a request head (not just blank lines) is buffered."""
        return self._state == _HEAD and bool(self._buf.lstrip(b"\r\n"))

    @property
    def between_requests(self) -> bool:
        """True when nothing of the next request has arrived yet."""
        return self._state == _HEAD and not self._buf.lstrip(b"\r\n")

    def feed(self, data: bytes, max_heads: int = 1 << 30) -> list[object]:
        """Consume ``data``; return the events it completes (see the module docstring).

        At most ``max_heads`` request heads are parsed; the rest stays buffered (``limited``
        is then True) until the next call, so a caller can bound pipelined requests.
        """
        events: list[object] = []
        heads = 0
        self.limited = False
        if self._state == _DEAD:
            return events
        buf = self._buf + data if self._buf else data
        try:
            while buf:
                state = self._state
                if state == _HEAD:
                    if buf[:2] == b"\r\n":
                        buf = buf.lstrip(b"\r\n")
                        continue
                    if heads >= max_heads:
                        self.limited = True
                        break
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        self._check_partial_head(buf)
                        break
                    heads += 1
                    head = self._parse_head(buf, end)
                    buf = buf[end + 4 :]
                    events.append(head)
                    if head.chunked:
                        self._state = _CHUNK_SIZE_LINE
                        self._body_seen = 0
                    elif head.content_length:
                        self._state = _BODY
                        self._remaining = head.content_length
                    else:
                        events.append(END)
                elif state == _BODY:
                    n = self._remaining
                    if len(buf) <= n:
                        events.append(buf)
                        self._remaining = n - len(buf)
                        buf = b""
                        if self._remaining == 0:
                            events.append(END)
                            self._state = _HEAD
                    else:
                        events.append(buf[:n])
                        buf = buf[n:]
                        events.append(END)
                        self._state = _HEAD
                elif state == _CHUNK_SIZE_LINE:
                    i = buf.find(b"\r\n")
                    if i < 0:
                        if len(buf) > self.max_chunk_line or b"\n" in buf:
                            raise ParseError(400, "bad chunk size line")
                        break
                    m = _CHUNK_SIZE.match(buf, 0, i) if i <= self.max_chunk_line else None
                    if m is None or m.end() != i:
                        raise ParseError(400, "bad chunk size line")
                    size = int(m.group(1), 16)
                    buf = buf[i + 2 :]
                    if size == 0:
                        self._state = _TRAILERS
                    else:
                        self._body_seen += size
                        limit = self.max_body_size
                        if limit is not None and self._body_seen > limit:
                            raise ParseError(413, "request body too large")
                        self._remaining = size
                        self._state = _CHUNK_DATA
                elif state == _CHUNK_DATA:
                    n = self._remaining
                    if len(buf) <= n:
                        events.append(buf)
                        self._remaining = n - len(buf)
                        buf = b""
                        if self._remaining == 0:
                            self._state = _CHUNK_CRLF
                    else:
                        events.append(buf[:n])
                        buf = buf[n:]
                        self._state = _CHUNK_CRLF
                elif state == _CHUNK_CRLF:
                    if len(buf) < 2:
                        if buf != b"\r":
                            raise ParseError(400, "chunk data not followed by CRLF")
                        break
                    if buf[:2] != b"\r\n":
                        raise ParseError(400, "chunk data not followed by CRLF")
                    buf = buf[2:]
                    self._state = _CHUNK_SIZE_LINE
                elif state == _TRAILERS:
                    if buf[:2] == b"\r\n":
                        buf = buf[2:]
                    else:
                        end = buf.find(b"\r\n\r\n")
                        if end < 0:
                            if len(buf) > self.max_header_bytes:
                                raise ParseError(431, "trailers too large")
                            if len(buf) >= 2 and buf[:1] in b" \t\n":
                                raise ParseError(400, "bad trailer")
                            break
                        block = buf[: end + 2]
                        if end + 4 > self.max_header_bytes:
                            raise ParseError(431, "trailers too large")
                        if _BLOCK.fullmatch(block) is None:
                            raise ParseError(400, "bad trailer")
                        buf = buf[end + 4 :]
                    events.append(END)
                    self._state = _HEAD
                else:  # pragma: no cover
                    break
        except ParseError as e:
            self._state = _DEAD
            self._buf = b""
            events.append(e)
            return events
        self._buf = buf
        return events

    def _check_partial_head(self, buf: bytes) -> None:
        line_end = buf.find(b"\r\n")
        if line_end < 0:
            if len(buf) > self.max_request_line:
                raise ParseError(414, "request line too long")
        elif line_end > self.max_request_line:
            raise ParseError(414, "request line too long")
        elif len(buf) - line_end - 2 > self.max_header_bytes:
            raise ParseError(431, "request header block too large")
        if buf.count(b"\n") != buf.count(b"\r\n"):
            raise ParseError(400, "bare LF in request head")
        if buf.count(b"\r", 0, len(buf) - 1) != buf.count(b"\r\n"):
            raise ParseError(400, "bare CR in request head")

    def _parse_head(self, buf: bytes, end: int) -> RequestHead:
        line_end = buf.find(b"\r\n")
        if line_end > self.max_request_line:
            raise ParseError(414, "request line too long")
        parts = buf[:line_end].split(b" ")
        if len(parts) != 3:
            raise ParseError(400, "malformed request line")
        method, target, version = parts
        if method not in _COMMON_METHODS and _METHOD.match(method) is None:
            raise ParseError(400, "invalid method")
        if _TARGET.match(target) is None:
            raise ParseError(400, "invalid request target")
        if version != b"HTTP/1.1" and version != b"HTTP/1.0":
            if _VERSION.match(version) is None:
                raise ParseError(400, "malformed HTTP version")
            raise ParseError(505, "HTTP version not supported")
        head = RequestHead(method, target, version)
        if end == line_end:
            return head
        block = buf[line_end + 2 : end + 2]
        if len(block) + 2 > self.max_header_bytes:
            raise ParseError(431, "request header block too large")
        n = block.count(b"\r\n")
        if n > self.max_headers:
            raise ParseError(431, "too many request headers")
        # The whole block at once: deleting every control character (tab aside) but CR and
        # LF too removes exactly the n CRLFs, so there is no bare CR or LF and no other control
        # character anywhere; then one split, and one partition per field.
        if len(block.translate(None, _CTL_CRLF)) != len(block) - 2 * n:
            raise ParseError(400, "malformed header field")
        head.block = block
        lines = block.split(b"\r\n")
        lines.pop()
        pairs = head.pairs
        append = pairs.append
        for line in lines:
            name, sep, value = line.partition(b":")
            if not sep:
                raise ParseError(400, "malformed header field")
            append((name, value.strip(b" \t")))
        # Names: non-empty and nothing but token characters (so no whitespace before the
        # colon and no obsolete line folding), checked over all the names joined at once.
        names = [pair[0] for pair in pairs]
        if b"" in names or b"".join(names).translate(None, _TOKEN_CHARS):
            raise ParseError(400, "malformed header field")
        lowered = head.lowered = b"\r\n" + block.lower()
        te = _single(lowered, _TE)
        cl = _single(lowered, _CL)
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
        if _CONN in lowered:
            tokens = _all_values(lowered, _CONN)
            if b"close" in tokens:
                head.keep_alive = False
            elif b"keep-alive" in tokens:
                head.keep_alive = True
        if _EXPECT in lowered and version == b"HTTP/1.1":
            head.expect_continue = b"100-continue" in _all_values(lowered, _EXPECT)
        return head
