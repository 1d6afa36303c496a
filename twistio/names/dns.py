"""DNS messages with Twisted Names' object model, and the UDP and TCP protocols that carry them.

The wire codec is sans-IO: ``Message.toStr()`` gives bytes and ``Message.fromStr(data)``
takes them. Encoding is byte-for-byte what Twisted writes (the same name compression, the
same record layouts). Decoding is strict where Twisted is lenient: a message whose sections
run past the end of the data, a record whose rdata is shorter or longer than its rdlength, a
compression pointer that does not point backwards, a label type other than 0 or 0xC0, or a
name longer than 255 octets raises ``DNSDecodeError`` (a ``ValueError``; truncated input is
also an ``EOFError``, as Twisted raises for a short header). Twisted drops such records
silently and keeps the rest. Bytes after the last record are ignored, as in Twisted.

Records, ``Name``, ``Query``, ``RRHeader`` and ``Message`` keep Twisted's attributes,
constructors, equality and ``repr``. A label over 63 octets is refused when encoding
(Twisted writes a corrupt length byte). ``Name`` hashes case-insensitively, consistent with
its case-insensitive equality.
"""

from __future__ import annotations

import inspect
import random
import socket
import struct
from collections.abc import Callable, Iterable, Sequence
from io import BytesIO
from typing import IO, Any, ClassVar, Protocol, SupportsInt, TypeAlias

from twistio.internet import protocol as _protocol
from twistio.internet.defer import Deferred
from twistio.internet.interfaces import Interface, implementer
from twistio.names.error import AuthoritativeDomainError, DNSQueryTimeoutError, DomainError
from twistio.protocols import basic

__all__ = [
    "A6",
    "AAAA",
    "AFSDB",
    "ALL_RECORDS",
    "ANY",
    "AXFR",
    "CH",
    "CNAME",
    "CS",
    "DNAME",
    "EBADKEY",
    "EBADSIG",
    "EBADTIME",
    "EBADVERSION",
    "EFORMAT",
    "ENAME",
    "ENOTIMP",
    "EREFUSED",
    "ESERVER",
    "EXT_QUERIES",
    "HINFO",
    "HS",
    "IN",
    "IXFR",
    "MAILA",
    "MAILB",
    "MB",
    "MD",
    "MF",
    "MG",
    "MINFO",
    "MR",
    "MX",
    "NAPTR",
    "NS",
    "NULL",
    "OK",
    "OPT",
    "OP_INVERSE",
    "OP_NOTIFY",
    "OP_QUERY",
    "OP_STATUS",
    "OP_UPDATE",
    "PORT",
    "PTR",
    "QUERY_CLASSES",
    "QUERY_TYPES",
    "REV_CLASSES",
    "REV_TYPES",
    "RP",
    "SOA",
    "SPF",
    "SRV",
    "SSHFP",
    "TSIG",
    "TXT",
    "WKS",
    "A",
    "AuthoritativeDomainError",
    "Charstr",
    "DNSDatagramProtocol",
    "DNSDecodeError",
    "DNSMixin",
    "DNSProtocol",
    "DNSQueryTimeoutError",
    "DomainError",
    "IEncodable",
    "IEncodableRecord",
    "IRecord",
    "Message",
    "Name",
    "Query",
    "RRHeader",
    "Record_A",
    "Record_A6",
    "Record_AAAA",
    "Record_AFSDB",
    "Record_CNAME",
    "Record_DNAME",
    "Record_HINFO",
    "Record_MB",
    "Record_MD",
    "Record_MF",
    "Record_MG",
    "Record_MINFO",
    "Record_MR",
    "Record_MX",
    "Record_NAPTR",
    "Record_NS",
    "Record_NULL",
    "Record_PTR",
    "Record_RP",
    "Record_SOA",
    "Record_SPF",
    "Record_SRV",
    "Record_SSHFP",
    "Record_TSIG",
    "Record_TXT",
    "Record_WKS",
    "SimpleRecord",
    "UnknownRecord",
]

PORT = 53

#: A duration as records take it: seconds, or text with a unit such as "1H" or b"2d" (str2time).
_Duration: TypeAlias = "str | bytes | int"
#: A record's time to live: a duration, or None to leave it unset.
_TTL: TypeAlias = "_Duration | None"
#: A domain name or other text a record takes as bytes or str.
_Text: TypeAlias = "bytes | str"
AF_INET6 = socket.AF_INET6

# -- constants (RFC 1035 and later) -------------------------------------------------------------

(A, NS, MD, MF, CNAME, SOA, MB, MG, MR, NULL, WKS, PTR, HINFO, MINFO, MX, TXT, RP, AFSDB) = range(
    1, 19
)
AAAA, A6 = 28, 38  # IPv6 addresses (RFC 3596; RFC 2874's A6 is historic)
SRV, NAPTR = 33, 35  # services (RFC 2782, RFC 3403)
DNAME, OPT = 39, 41  # RFC 6672's DNAME; the EDNS pseudo-record (RFC 6891)
SSHFP, SPF = 44, 99  # RFC 4255, RFC 4408
TKEY, TSIG = 249, 250  # transaction keys and signatures (RFC 2930, RFC 8945)

# Every record type above by number, named as its constant is.
_TYPE_NAMES = (
    *("A", "NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "NULL", "WKS", "PTR"),
    *("HINFO", "MINFO", "MX", "TXT", "RP", "AFSDB", "AAAA", "SRV", "NAPTR", "A6", "DNAME"),
    *("OPT", "SSHFP", "SPF", "TKEY", "TSIG"),
)
QUERY_TYPES: dict[int, str] = {globals()[name]: name for name in _TYPE_NAMES}

IXFR, AXFR, MAILB, MAILA, ALL_RECORDS = range(251, 256)
EXT_QUERIES = {IXFR: "IXFR", AXFR: "AXFR", MAILB: "MAILB", MAILA: "MAILA", ALL_RECORDS: "ALL_RECORDS"}

REV_TYPES = {v: k for k, v in [*QUERY_TYPES.items(), *EXT_QUERIES.items()]}

IN, CS, CH, HS = range(1, 5)
ANY = 255
QUERY_CLASSES = {IN: "IN", CS: "CS", CH: "CH", HS: "HS", ANY: "ANY"}
REV_CLASSES = {v: k for k, v in QUERY_CLASSES.items()}

OP_QUERY, OP_INVERSE, OP_STATUS = range(3)
OP_NOTIFY = 4
OP_UPDATE = 5

OK, EFORMAT, ESERVER, ENAME, ENOTIMP, EREFUSED = range(6)
EBADVERSION = 16
EBADSIG = 16
EBADKEY = 17
EBADTIME = 18

_HEADER = struct.Struct("!6H")
_RR_FIXED = struct.Struct("!HHIH")
_QUERY_FIXED = struct.Struct("!HH")
_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")
_SOA_FIXED = struct.Struct("!IiiiI")
_MAX_NAME = 255


class DNSDecodeError(ValueError):
    """The bytes are not a well-formed DNS message."""


class _ShortInput(DNSDecodeError, EOFError):
    """The message ends before the data it announces."""


# -- interfaces ---------------------------------------------------------------------------------


class IEncodable(Interface, Protocol):
    """Something that writes itself to, and reads itself from, DNS wire format."""

    def encode(self, strio: IO[bytes], compDict: dict[bytes, int] | None = None) -> None:
        """Write to ``strio``, compressing names through ``compDict`` when given."""

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read from ``strio`` (``length`` octets of rdata where that is needed)."""


class IRecord(Interface, Protocol):
    """A resource record's data: its ``TYPE`` and ``ttl``."""

    TYPE: Any
    ttl: Any


class IEncodableRecord(IEncodable, IRecord, Protocol):
    """A record that is also encodable."""


# -- helpers ------------------------------------------------------------------------------------


def _str2time_int(s: str) -> int:
    units = {"S": 1, "M": 60, "H": 3600, "D": 86400, "W": 604800, "Y": 31536000}
    text = s.upper().strip()
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    if text and text[-1].isalpha():
        raise ValueError(f"Invalid time interval specifier: {text[-1]}")
    return int(text)


def str2time(s: _TTL) -> int | None:
    """A time interval in seconds from ``"1H"``, ``"2W"``, ``b"30"`` or an int (None stays None)."""
    if s is None:
        return None
    if isinstance(s, bytes):
        s = s.decode("ascii")
    if isinstance(s, str):
        return _str2time_int(s)
    if isinstance(s, SupportsInt):
        return int(s)
    # Anything else (an object standing for a time) is returned as it is, as Twisted does.
    return s


def domainString(domain: str | bytes) -> bytes:
    """A domain name as bytes: text is IDNA-encoded."""
    if isinstance(domain, bytes):
        return domain
    if isinstance(domain, str):
        return domain.encode("idna")
    raise TypeError(f"Expected bytes or str, got {type(domain).__name__}")


def randomSource() -> int:
    """A random 16-bit message id."""
    return random.getrandbits(16)


def readPrecisely(file: IO[bytes], l: int) -> bytes:  # noqa: E741 (Twisted's name)
    """Read exactly ``l`` bytes from ``file`` or raise ``EOFError``."""
    buff = file.read(l)
    if len(buff) < l:
        raise _ShortInput("truncated data")
    return buff


def _ord2bytes(ordinal: int) -> bytes:
    """The one-octet byte string whose value is ``ordinal``."""
    return bytes((ordinal,))


def _nameToLabels(name: bytes) -> list[bytes]:
    """The labels of ``name`` with the root's empty label last: ``b"a.com"`` gives
    ``[b"a", b"com", b""]``, ``b""`` and ``b"."`` give ``[b""]``; case is kept."""
    relative = name[:-1] if name.endswith(b".") else name
    return [*(relative.split(b".") if relative else ()), b""]


def _compactRepr(
    obj: object,
    alwaysShow: Sequence[str] | None = None,
    flagNames: Sequence[str] | None = None,
    fieldNames: Sequence[str] | None = None,
    sectionNames: Sequence[str] | None = None,
) -> str:
    """``<ClassName ...>`` for ``obj``: each of ``fieldNames`` whose value differs from the
    default its class's constructor gives it (or that ``alwaysShow`` names), then
    ``flags=`` with the ``flagNames`` that are true, then each of ``sectionNames`` that is
    set and not empty."""
    always = set(alwaysShow or ())
    defaults: dict[str, Any] = {}
    try:
        signature = inspect.signature(type(obj).__init__)
    except (TypeError, ValueError):
        pass
    else:
        for parameter in signature.parameters.values():
            if parameter.default is not inspect.Parameter.empty:
                defaults[parameter.name] = parameter.default
    parts = [type(obj).__name__]
    for name in fieldNames or ():
        value = getattr(obj, name)
        if name in always or name not in defaults or value != defaults[name]:
            parts.append(f"{name}={value!r}")
    flags = [name for name in flagNames or () if getattr(obj, name)]
    if flags:
        parts.append("flags=" + ",".join(flags))
    for name in sectionNames or ():
        section = getattr(obj, name, None)
        if section:
            parts.append(f"{name}={section!r}")
    return "<" + " ".join(parts) + ">"


def _nicebytes(b: bytes) -> str:
    return repr(b)[1:]


def _nicebyteslist(items: Iterable[bytes]) -> str:
    return "[" + ", ".join(_nicebytes(b) for b in items) + "]"


def _asText(*names: str) -> tuple[tuple[str, str, str], ...]:
    """``showAttributes`` entries that show each of ``names`` with ``str()`` (a ``Name`` as its
    dotted text) where a bare name would show its ``repr()``."""
    return tuple((n, n, "%s") for n in names)


def _parameters(init: Callable[..., None]) -> tuple[str, ...]:
    """The names ``init`` takes after ``self``, in order: where a class compares by exactly
    the fields its constructor sets, its ``compareAttributes`` come from here."""
    code = init.__code__
    return code.co_varnames[1 : code.co_argcount]


# The four record sections of a message, in wire order.
_SECTIONS = ("queries", "answers", "authority", "additional")


def _type_name(t: int) -> str:
    return QUERY_TYPES.get(t) or EXT_QUERIES.get(t) or f"UNKNOWN ({t})"


def _class_name(c: int) -> str:
    return QUERY_CLASSES.get(c) or f"UNKNOWN ({c})"


def _isSubdomainOf(descendantName: bytes | str, ancestorName: bytes | str) -> bool:
    """Whether ``descendantName`` is ``ancestorName`` or a name below it (case-insensitive)."""
    d = Name(descendantName).name.lower().rstrip(b".").split(b".")
    a = Name(ancestorName).name.lower().rstrip(b".").split(b".")
    if a == [b""]:
        return True
    return d[len(d) - len(a) :] == a if len(d) >= len(a) else False


# -- reading from a whole message ---------------------------------------------------------------


def _read_name(data: bytes, pos: int) -> tuple[bytes, int]:
    """The name at ``pos`` and the offset after it (following compression pointers)."""
    labels: list[bytes] = []
    after = -1
    segment = pos
    total = 1
    size = len(data)
    while True:
        if pos >= size:
            raise _ShortInput("name runs past the end of the message")
        n = data[pos]
        if n == 0:
            pos += 1
            break
        if n >= 0xC0:
            if pos + 1 >= size:
                raise _ShortInput("name runs past the end of the message")
            target = ((n & 0x3F) << 8) | data[pos + 1]
            if after < 0:
                after = pos + 2
            if target >= segment:
                raise DNSDecodeError("compression pointer does not point backwards")
            pos = segment = target
            continue
        if n & 0xC0:
            raise DNSDecodeError(f"unsupported label type {n >> 6}")
        end = pos + 1 + n
        if end > size:
            raise _ShortInput("label runs past the end of the message")
        labels.append(data[pos + 1 : end])
        total += n + 1
        if total > _MAX_NAME:
            raise DNSDecodeError("name longer than 255 octets")
        pos = end
    return b".".join(labels), (pos if after < 0 else after)


def _read_charstr(data: bytes, pos: int, end: int) -> tuple[bytes, int]:
    if pos >= end:
        raise _ShortInput("character-string runs past its record")
    stop = pos + 1 + data[pos]
    if stop > end:
        raise _ShortInput("character-string runs past its record")
    return data[pos + 1 : stop], stop


def _new_name(raw: bytes) -> Name:
    n = Name.__new__(Name)
    n.name = raw
    return n


def _whole(strio: IO[bytes]) -> tuple[bytes, int]:
    """Everything in ``strio`` and the current offset (names may point anywhere before it)."""
    pos = strio.tell()
    strio.seek(0)
    data = strio.read()
    return data, pos


# -- writing ------------------------------------------------------------------------------------


def _split(name: bytes) -> tuple[tuple[bytes, bytes], ...]:
    """Each suffix of ``name`` (the compression key) with its first label as written."""
    parts = []
    while name:
        cut = name.find(b".", 1)
        if cut < 0:
            label, rest = name, b""
        else:
            label, rest = name[:cut], name[cut + 1 :]
        if len(label) > 63:
            raise ValueError(f"label longer than 63 octets: {label!r}")
        parts.append((name, bytes((len(label),)) + label))
        name = rest
    return tuple(parts)


_SPLIT_CACHE: dict[bytes, tuple[tuple[bytes, bytes], ...]] = {}
_SPLIT_CACHE_MAX = 4096


def _write_name(name: bytes, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
    parts = _SPLIT_CACHE.get(name)
    if parts is None:
        parts = _split(name)
        if len(_SPLIT_CACHE) >= _SPLIT_CACHE_MAX:
            _SPLIT_CACHE.clear()
        _SPLIT_CACHE[name] = parts
    if comp is None:
        for _suffix, label in parts:
            out += label
    else:
        for suffix, label in parts:
            offset = comp.get(suffix)
            if offset is not None:
                out += _U16.pack(0xC000 | offset)
                return
            here = base + len(out)
            if here < 0x4000:
                comp[suffix] = here
            out += label
    out.append(0)


def _write_charstr(value: bytes, out: bytearray) -> None:
    if len(value) > 255:
        raise ValueError("character-string longer than 255 octets")
    out.append(len(value))
    out += value


def _encode_via(obj: Any, strio: IO[bytes], compDict: dict[bytes, int] | None) -> None:
    """``encode(strio, compDict)`` for objects with a ``_write(out, comp, base)``."""
    out = bytearray()
    obj._write(out, compDict, strio.tell() + Message.headerSize)
    strio.write(bytes(out))


def _write_foreign(payload: Any, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
    """Encode a record class from outside this module through its own ``encode``."""
    start = base + len(out) - Message.headerSize
    s = BytesIO()
    s.write(b"\0" * max(start, 0))
    payload.encode(s, comp)
    out += s.getvalue()[max(start, 0) :]


# -- names, strings, queries --------------------------------------------------------------------


@implementer(IEncodable)
class Charstr:
    """A DNS character-string (up to 255 octets)."""

    def __init__(self, string: bytes = b"") -> None:
        if not isinstance(string, bytes):
            raise ValueError(f"{string!r} is not a byte string")
        self.string = string

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_charstr(self.string, out)

    def encode(self, strio: IO[bytes], compDict: dict[bytes, int] | None = None) -> None:
        """Write the length octet and the string."""
        _encode_via(self, strio, compDict)

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read a length octet and that many octets."""
        n = readPrecisely(strio, 1)[0]
        self.string = readPrecisely(strio, n)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Charstr):
            return self.string == other.string
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.string)

    def __str__(self) -> str:
        return self.string.decode("ascii")

    def __repr__(self) -> str:
        return f"Charstr({self.string!r})"


@implementer(IEncodable)
class Name:
    """A domain name: ``name`` is its bytes, labels separated by dots."""

    maxCompressionPointers = 1000

    def __init__(self, name: _Text = b"") -> None:
        self.name = domainString(name)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_name(self.name, out, comp, base)

    def encode(self, strio: IO[bytes], compDict: dict[bytes, int] | None = None) -> None:
        """Write the name, compressing against (and recording in) ``compDict`` when given."""
        _encode_via(self, strio, compDict)

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read a name, following compression pointers within ``strio``."""
        data, pos = _whole(strio)
        self.name, pos = _read_name(data, pos)
        strio.seek(pos)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Name):
            return self.name.lower() == other.name.lower()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Name):
            return self.name.lower() != other.name.lower()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name.lower())

    def __str__(self) -> str:
        return self.name.decode("ascii", "backslashreplace")

    def __repr__(self) -> str:
        return f"Name({self.name!r})"


@implementer(IEncodable)
class Query:
    """A question: ``name`` (a ``Name``), ``type`` and ``cls``."""

    def __init__(self, name: _Text = b"", type: int = A, cls: int = IN) -> None:
        self.name = Name(name)
        self.type = type
        self.cls = cls

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_name(self.name.name, out, comp, base)
        out += _QUERY_FIXED.pack(self.type, self.cls)

    def encode(self, strio: IO[bytes], compDict: dict[bytes, int] | None = None) -> None:
        """Write the name, type and class."""
        _encode_via(self, strio, compDict)

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read the name, type and class."""
        data, pos = _whole(strio)
        raw, pos = _read_name(data, pos)
        if pos + 4 > len(data):
            raise _ShortInput("question runs past the end of the message")
        self.name = _new_name(raw)
        self.type, self.cls = _QUERY_FIXED.unpack_from(data, pos)
        strio.seek(pos + 4)

    def _key(self) -> tuple[bytes, int, int]:
        return (self.name.name.lower(), self.type, self.cls)

    def __hash__(self) -> int:
        return hash(self._key())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Query):
            return self._key() == other._key()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Query):
            return self._key() != other._key()
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Query):
            return self._key() < other._key()
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, Query):
            return self._key() <= other._key()
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, Query):
            return self._key() > other._key()
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, Query):
            return self._key() >= other._key()
        return NotImplemented

    def __str__(self) -> str:
        return f"<Query {self.name} {_type_name(self.type)} {_class_name(self.cls)}>"

    def __repr__(self) -> str:
        return f"Query({self.name.name!r}, {self.type!r}, {self.cls!r})"


# -- records ------------------------------------------------------------------------------------


class _Record:
    """Shared equality, hashing, ``repr`` and stream coding of the record classes."""

    TYPE: ClassVar[int | None] = None
    fancybasename: ClassVar[str] = ""
    compareAttributes: ClassVar[Sequence[str]] = ()
    showAttributes: ClassVar[Sequence[Any]] = ()
    ttl: int | None

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        raise NotImplementedError

    def _read(self, data: bytes, pos: int, end: int) -> None:
        raise NotImplementedError

    def encode(self, strio: IO[bytes], compDict: dict[bytes, int] | None = None) -> None:
        """Write the record's data in wire format."""
        _encode_via(self, strio, compDict)

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read the record's data (``length`` octets) in wire format."""
        data, pos = _whole(strio)
        end = len(data) if length is None else pos + length
        if end > len(data):
            raise _ShortInput("record data runs past the end of the message")
        self._read(data, pos, end)
        strio.seek(end)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return all(getattr(self, a) == getattr(other, a) for a in self.compareAttributes)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(tuple(_hashable(getattr(self, a)) for a in self.compareAttributes))

    def __repr__(self) -> str:
        parts = []
        for spec in self.showAttributes:
            if isinstance(spec, str):
                parts.append(f"{spec}={getattr(self, spec)!r}")
            elif len(spec) == 2:
                parts.append(f"{spec[0]}={spec[1](getattr(self, spec[0]))}")
            else:
                parts.append(f"{spec[1]}={spec[2] % (getattr(self, spec[0]),)}")
        return f"<{self.fancybasename} {' '.join(parts)}>"

    __str__ = __repr__


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _check_end(pos: int, end: int) -> None:
    if pos != end:
        raise DNSDecodeError("record data does not match its length")


@implementer(IEncodableRecord)
class Record_A(_Record):
    """An IPv4 address: ``address`` is its 4 packed octets."""

    TYPE = A
    fancybasename = "A"
    compareAttributes = ("address", "ttl")
    address: bytes

    def __init__(self, address: _Text = "0.0.0.0", ttl: _TTL = None):
        if isinstance(address, bytes):
            address = address.decode("ascii")
        self.address = socket.inet_aton(address)
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += self.address

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if end - pos != 4:
            raise DNSDecodeError("A record data is not 4 octets")
        self.address = data[pos:end]

    def dottedQuad(self) -> str:
        """The address as ``"a.b.c.d"``."""
        return socket.inet_ntoa(self.address)

    def __repr__(self) -> str:
        return f"<A address={self.dottedQuad()} ttl={self.ttl!r}>"

    __str__ = __repr__


@implementer(IEncodableRecord)
class Record_AAAA(_Record):
    """An IPv6 address: ``address`` is its 16 packed octets."""

    TYPE = AAAA
    fancybasename = "AAAA"
    compareAttributes = ("address", "ttl")
    showAttributes = (("_address", "address", "%s"), "ttl")
    address: bytes

    def __init__(self, address: _Text = "::", ttl: _TTL = None):
        if isinstance(address, bytes):
            address = address.decode("ascii")
        self.address = socket.inet_pton(socket.AF_INET6, address)
        self.ttl = str2time(ttl)

    @property
    def _address(self) -> str:
        return socket.inet_ntop(socket.AF_INET6, self.address)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += self.address

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if end - pos != 16:
            raise DNSDecodeError("AAAA record data is not 16 octets")
        self.address = data[pos:end]


@implementer(IEncodableRecord)
class Record_A6(_Record):
    """An A6 record (RFC 2874): a prefix length, address suffix and prefix name."""

    TYPE = A6
    fancybasename = "A6"
    compareAttributes = ("prefixLen", "prefix", "suffix", "ttl")
    showAttributes = (("_suffix", "suffix", "%s"), ("prefix", "prefix", "%s"), "ttl")

    def __init__(
        self,
        prefixLen: int = 0,
        suffix: _Text = "::",
        prefix: _Text = b"",
        ttl: _TTL = None,
    ) -> None:
        if isinstance(suffix, bytes):
            suffix = suffix.decode("ascii")
        self.prefixLen = prefixLen
        self.suffix = socket.inet_pton(socket.AF_INET6, suffix)
        self.prefix = Name(prefix)
        self.bytes = (128 - prefixLen) // 8
        self.ttl = str2time(ttl)

    @property
    def _suffix(self) -> str:
        return socket.inet_ntop(socket.AF_INET6, self.suffix)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out.append(self.prefixLen)
        if self.bytes:
            out += self.suffix[-self.bytes :]
        if self.prefixLen:
            _write_name(self.prefix.name, out, None, base)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if pos >= end:
            raise _ShortInput("A6 record is empty")
        self.prefixLen = data[pos]
        if self.prefixLen > 128:
            raise DNSDecodeError("A6 prefix length over 128")
        self.bytes = (128 - self.prefixLen) // 8
        pos += 1
        if pos + self.bytes > end:
            raise _ShortInput("A6 suffix runs past its record")
        self.suffix = b"\0" * (16 - self.bytes) + data[pos : pos + self.bytes]
        pos += self.bytes
        if self.prefixLen:
            raw, pos = _read_name(data, pos)
            self.prefix = _new_name(raw)
        else:
            self.prefix = _new_name(b"")
        _check_end(pos, end)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record_A6):
            return NotImplemented
        return self._key() == other._key()

    def _key(self) -> tuple[Any, ...]:
        # Only the octets of the suffix that go on the wire count.
        return (self.prefixLen, self.suffix[-self.bytes :], self.prefix, self.ttl)

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return f"<A6 {self.prefix} {self._suffix} ({self.prefixLen}) ttl={self.ttl!r}>"


class SimpleRecord(_Record):
    """A record whose data is one domain name (``name``)."""

    TYPE: ClassVar[int | None] = None
    compareAttributes = ("name", "ttl")
    showAttributes = (*_asText("name"), "ttl")
    name: Name

    def __init__(self, name: _Text = b"", ttl: _TTL = None) -> None:
        self.name = Name(name)
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_name(self.name.name, out, comp, base)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        raw, pos = _read_name(data, pos)
        _check_end(pos, end)
        self.name = _new_name(raw)

    def __hash__(self) -> int:
        return hash(self.name)


@implementer(IEncodableRecord)
class Record_NS(SimpleRecord):
    """An authoritative name server."""

    TYPE = NS
    fancybasename = "NS"


@implementer(IEncodableRecord)
class Record_MD(SimpleRecord):
    """A mail destination (obsolete)."""

    TYPE = MD
    fancybasename = "MD"


@implementer(IEncodableRecord)
class Record_MF(SimpleRecord):
    """A mail forwarder (obsolete)."""

    TYPE = MF
    fancybasename = "MF"


@implementer(IEncodableRecord)
class Record_CNAME(SimpleRecord):
    """The canonical name of an alias."""

    TYPE = CNAME
    fancybasename = "CNAME"


@implementer(IEncodableRecord)
class Record_MB(SimpleRecord):
    """A mailbox domain name (experimental)."""

    TYPE = MB
    fancybasename = "MB"


@implementer(IEncodableRecord)
class Record_MG(SimpleRecord):
    """A mail group member (experimental)."""

    TYPE = MG
    fancybasename = "MG"


@implementer(IEncodableRecord)
class Record_MR(SimpleRecord):
    """A mail rename domain name (experimental)."""

    TYPE = MR
    fancybasename = "MR"


@implementer(IEncodableRecord)
class Record_PTR(SimpleRecord):
    """A domain name pointer."""

    TYPE = PTR
    fancybasename = "PTR"


@implementer(IEncodableRecord)
class Record_DNAME(SimpleRecord):
    """A non-terminal redirection (RFC 2672)."""

    TYPE = DNAME
    fancybasename = "DNAME"


@implementer(IEncodableRecord)
class Record_SOA(_Record):
    """The start of a zone of authority."""

    TYPE = SOA
    fancybasename = "SOA"
    compareAttributes = ("serial", "mname", "rname", "refresh", "expire", "retry", "minimum", "ttl")
    showAttributes = (*_asText("mname", "rname"), "serial", "refresh", "retry", "expire",
                      "minimum", "ttl")

    def __init__(
        self,
        mname: _Text = b"",
        rname: _Text = b"",
        serial: int = 0,
        refresh: _Duration = 0,
        retry: _Duration = 0,
        expire: _Duration = 0,
        minimum: _Duration = 0,
        ttl: _TTL = None,
    ) -> None:
        self.mname, self.rname = Name(mname), Name(rname)
        self.serial = int(serial)
        # The four timers (and the TTL) take seconds or "1H"-style durations.
        self.refresh, self.retry, self.expire, self.minimum, self.ttl = (
            str2time(value) for value in (refresh, retry, expire, minimum, ttl)
        )

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_name(self.mname.name, out, comp, base)
        _write_name(self.rname.name, out, comp, base)
        out += _SOA_FIXED.pack(self.serial, self.refresh, self.retry, self.expire, self.minimum)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        mname, pos = _read_name(data, pos)
        rname, pos = _read_name(data, pos)
        if pos + 20 != end:
            raise DNSDecodeError("SOA record data does not match its length")
        self.mname, self.rname = _new_name(mname), _new_name(rname)
        (self.serial, self.refresh, self.retry, self.expire, self.minimum) = _SOA_FIXED.unpack_from(
            data, pos
        )

    def __hash__(self) -> int:
        return hash((self.serial, self.mname, self.rname, self.refresh, self.expire, self.retry))


@implementer(IEncodableRecord)
class Record_NULL(_Record):
    """Arbitrary data (experimental)."""

    TYPE = NULL
    fancybasename = "NULL"
    compareAttributes = ("payload", "ttl")
    showAttributes = (("payload", _nicebytes), "ttl")

    def __init__(self, payload: bytes | None = None, ttl: _TTL = None):
        self.payload = payload
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        if self.payload:
            out += self.payload

    def _read(self, data: bytes, pos: int, end: int) -> None:
        self.payload = data[pos:end]

    def __hash__(self) -> int:
        return hash(self.payload)


@implementer(IEncodableRecord)
class Record_WKS(_Record):
    """Well-known services: an address, an IP protocol and a port bitmap."""

    TYPE = WKS
    fancybasename = "WKS"
    compareAttributes = ("address", "protocol", "map", "ttl")
    showAttributes = [("_address", "address", "%s"), "protocol", "ttl"]

    def __init__(
        self,
        address: _Text = "0.0.0.0",
        protocol: int = 0,
        map: bytes = b"",
        ttl: _TTL = None,
    ) -> None:
        if isinstance(address, bytes):
            address = address.decode("ascii")
        self.address = socket.inet_aton(address)
        self.protocol, self.map = protocol, map
        self.ttl = str2time(ttl)

    @property
    def _address(self) -> str:
        return socket.inet_ntoa(self.address)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += self.address
        out.append(self.protocol)
        out += self.map

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if end - pos < 5:
            raise _ShortInput("WKS record shorter than 5 octets")
        self.address = data[pos : pos + 4]
        self.protocol = data[pos + 4]
        self.map = data[pos + 5 : end]

    def __hash__(self) -> int:
        return hash((self.address, self.protocol, self.map))


@implementer(IEncodableRecord)
class Record_HINFO(_Record):
    """Host information: ``cpu`` and ``os`` as byte strings."""

    TYPE = HINFO
    fancybasename = "HINFO"
    compareAttributes = ("cpu", "os", "ttl")
    showAttributes = (("cpu", _nicebytes), ("os", _nicebytes), "ttl")

    def __init__(
        self, cpu: bytes = b"", os: bytes = b"", ttl: _TTL = None
    ) -> None:
        self.cpu, self.os = cpu, os
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_charstr(self.cpu, out)
        _write_charstr(self.os, out)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        self.cpu, pos = _read_charstr(data, pos, end)
        self.os, pos = _read_charstr(data, pos, end)
        _check_end(pos, end)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record_HINFO):
            return NotImplemented
        mine = (self.cpu.lower(), self.os.lower(), self.ttl)
        return mine == (other.cpu.lower(), other.os.lower(), other.ttl)

    def __hash__(self) -> int:
        return hash((self.os.lower(), self.cpu.lower()))


@implementer(IEncodableRecord)
class Record_MINFO(_Record):
    """Mailbox information: responsible and error mailboxes."""

    TYPE = MINFO
    fancybasename = "MINFO"
    compareAttributes = ("rmailbx", "emailbx", "ttl")
    showAttributes = (("rmailbx", "responsibility", "%s"), ("emailbx", "errors", "%s"), "ttl")

    def __init__(
        self,
        rmailbx: _Text = b"",
        emailbx: _Text = b"",
        ttl: _TTL = None,
    ) -> None:
        self.rmailbx, self.emailbx = Name(rmailbx), Name(emailbx)
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_name(self.rmailbx.name, out, comp, base)
        _write_name(self.emailbx.name, out, comp, base)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        r, pos = _read_name(data, pos)
        e, pos = _read_name(data, pos)
        _check_end(pos, end)
        self.rmailbx, self.emailbx = _new_name(r), _new_name(e)

    def __hash__(self) -> int:
        return hash((self.rmailbx, self.emailbx))


@implementer(IEncodableRecord)
class Record_MX(_Record):
    """A mail exchange: ``preference`` and ``name`` (``exchange=`` is accepted as ``name``)."""

    TYPE = MX
    fancybasename = "MX"
    compareAttributes = ("preference", "name", "ttl")
    showAttributes = ("preference", *_asText("name"), "ttl")

    def __init__(
        self,
        preference: int = 0,
        name: _Text = b"",
        ttl: _TTL = None,
        **kwargs: Any,
    ) -> None:
        self.preference = int(preference)
        self.name = Name(kwargs.get("exchange", name))
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += _U16.pack(self.preference)
        _write_name(self.name.name, out, comp, base)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if pos + 2 > end:
            raise _ShortInput("MX record too short")
        (self.preference,) = _U16.unpack_from(data, pos)
        raw, pos = _read_name(data, pos + 2)
        _check_end(pos, end)
        self.name = _new_name(raw)

    def __hash__(self) -> int:
        return hash((self.preference, self.name))


@implementer(IEncodableRecord)
class Record_TXT(_Record):
    """Text: ``data`` is a list of byte strings (each up to 255 octets)."""

    TYPE = TXT
    fancybasename = "TXT"
    compareAttributes = ("data", "ttl")
    showAttributes = (("data", _nicebyteslist), "ttl")

    def __init__(self, *data: bytes, **kw: Any) -> None:
        self.data = list(data)
        self.ttl = str2time(kw.get("ttl"))

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        for d in self.data:
            _write_charstr(d, out)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        items = []
        while pos < end:
            item, pos = _read_charstr(data, pos, end)
            items.append(item)
        self.data = items

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read character-strings until ``length`` octets are used; a string that runs past
        ``length`` is read whole, and a warning logged, as Twisted does."""
        data, start = _whole(strio)
        end = len(data) if length is None else start + length
        items = []
        pos = start
        while pos < end:
            item, pos = _read_charstr(data, pos, len(data))
            items.append(item)
        self.data = items
        strio.seek(pos)
        if pos != end:
            from twistio.logger import Logger

            Logger(namespace=__name__).warn(
                "Decoded {soFar} bytes in {rtype} record, but rdlength is {len}",
                soFar=pos - start,
                rtype=self.fancybasename,
                len=length,
            )

    def __hash__(self) -> int:
        return hash(tuple(self.data))


@implementer(IEncodableRecord)
class Record_SPF(Record_TXT):
    """Sender Policy Framework text (RFC 4408): laid out as TXT."""

    TYPE = SPF
    fancybasename = "SPF"


@implementer(IEncodableRecord)
class Record_RP(_Record):
    """The responsible person: a mailbox and a TXT name."""

    TYPE = RP
    fancybasename = "RP"
    compareAttributes = ("mbox", "txt", "ttl")
    showAttributes = (*_asText("mbox", "txt"), "ttl")

    def __init__(
        self, mbox: _Text = b"", txt: _Text = b"", ttl: _TTL = None
    ) -> None:
        self.mbox, self.txt = Name(mbox), Name(txt)
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_name(self.mbox.name, out, comp, base)
        _write_name(self.txt.name, out, comp, base)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        m, pos = _read_name(data, pos)
        t, pos = _read_name(data, pos)
        _check_end(pos, end)
        self.mbox, self.txt = _new_name(m), _new_name(t)

    def __hash__(self) -> int:
        return hash((self.mbox, self.txt))


@implementer(IEncodableRecord)
class Record_AFSDB(_Record):
    """An AFS database location: ``subtype`` and ``hostname``."""

    TYPE = AFSDB
    fancybasename = "AFSDB"
    compareAttributes = ("subtype", "hostname", "ttl")
    showAttributes = ("subtype", *_asText("hostname"), "ttl")

    def __init__(
        self, subtype: int = 0, hostname: _Text = b"", ttl: _TTL = None
    ) -> None:
        self.subtype = int(subtype)
        self.hostname = Name(hostname)
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += _U16.pack(self.subtype)
        _write_name(self.hostname.name, out, comp, base)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if pos + 2 > end:
            raise _ShortInput("AFSDB record too short")
        (self.subtype,) = _U16.unpack_from(data, pos)
        raw, pos = _read_name(data, pos + 2)
        _check_end(pos, end)
        self.hostname = _new_name(raw)

    def __hash__(self) -> int:
        return hash(self.subtype)


_SRV_FIXED = struct.Struct("!HHH")


@implementer(IEncodableRecord)
class Record_SRV(_Record):
    """A service location (RFC 2782); the target is never compressed."""

    TYPE = SRV
    fancybasename = "SRV"
    compareAttributes = ("priority", "weight", "target", "port", "ttl")
    showAttributes = ("priority", "weight", *_asText("target"), "port", "ttl")

    def __init__(
        self,
        priority: int = 0,
        weight: int = 0,
        port: int = 0,
        target: _Text = b"",
        ttl: _TTL = None,
    ) -> None:
        self.priority = int(priority)
        self.weight = int(weight)
        self.port = int(port)
        self.target = Name(target)
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += _SRV_FIXED.pack(self.priority, self.weight, self.port)
        _write_name(self.target.name, out, None, base)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if pos + 6 > end:
            raise _ShortInput("SRV record too short")
        self.priority, self.weight, self.port = _SRV_FIXED.unpack_from(data, pos)
        raw, pos = _read_name(data, pos + 6)
        _check_end(pos, end)
        self.target = _new_name(raw)

    def __hash__(self) -> int:
        return hash((self.priority, self.weight, self.port, self.target))


@implementer(IEncodableRecord)
class Record_NAPTR(_Record):
    """A naming authority pointer (RFC 2915); the replacement is never compressed."""

    TYPE = NAPTR
    fancybasename = "NAPTR"
    compareAttributes = ("order", "preference", "flags", "service", "regexp", "replacement")
    showAttributes = ("order", "preference",
                      *_asText("flags", "service", "regexp", "replacement"), "ttl")

    def __init__(
        self,
        order: int = 0,
        preference: int = 0,
        flags: bytes = b"",
        service: bytes = b"",
        regexp: bytes = b"",
        replacement: _Text = b"",
        ttl: _TTL = None,
    ) -> None:
        self.flags, self.service, self.regexp = Charstr(flags), Charstr(service), Charstr(regexp)
        self.order, self.preference = int(order), int(preference)
        self.ttl = str2time(ttl)
        self.replacement = Name(replacement)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += _U16.pack(self.order)
        out += _U16.pack(self.preference)
        _write_charstr(self.flags.string, out)
        _write_charstr(self.service.string, out)
        _write_charstr(self.regexp.string, out)
        _write_name(self.replacement.name, out, None, base)

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if pos + 4 > end:
            raise _ShortInput("NAPTR record too short")
        self.order, self.preference = _QUERY_FIXED.unpack_from(data, pos)
        flags, pos = _read_charstr(data, pos + 4, end)
        service, pos = _read_charstr(data, pos, end)
        regexp, pos = _read_charstr(data, pos, end)
        raw, pos = _read_name(data, pos)
        _check_end(pos, end)
        self.flags, self.service, self.regexp = Charstr(flags), Charstr(service), Charstr(regexp)
        self.replacement = _new_name(raw)

    def __hash__(self) -> int:
        return hash((self.order, self.preference, self.flags, self.service, self.regexp))


@implementer(IEncodableRecord)
class Record_SSHFP(_Record):
    """An SSH key fingerprint (RFC 4255)."""

    TYPE = SSHFP
    fancybasename = "SSHFP"
    # the key's algorithm and the fingerprint's hash, as numbered by RFC 4255, 6594 and 7479
    ALGORITHM_RSA, ALGORITHM_DSS, ALGORITHM_ECDSA, ALGORITHM_Ed25519 = range(1, 5)
    FINGERPRINT_TYPE_SHA1, FINGERPRINT_TYPE_SHA256 = range(1, 3)
    compareAttributes = ("algorithm", "fingerprintType", "fingerprint", "ttl")
    showAttributes = ("algorithm", "fingerprintType", "fingerprint")

    def __init__(
        self,
        algorithm: int = 0,
        fingerprintType: int = 0,
        fingerprint: bytes = b"",
        ttl: _TTL = 0,
    ) -> None:
        self.algorithm = algorithm
        self.fingerprintType = fingerprintType
        self.fingerprint = fingerprint
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out.append(self.algorithm)
        out.append(self.fingerprintType)
        out += self.fingerprint

    def _read(self, data: bytes, pos: int, end: int) -> None:
        if end - pos < 2:
            raise _ShortInput("SSHFP record too short")
        self.algorithm, self.fingerprintType = data[pos], data[pos + 1]
        self.fingerprint = data[pos + 2 : end]

    def __hash__(self) -> int:
        return hash(self.fingerprint)


_TSIG_TAIL = struct.Struct("!HHH")


@implementer(IEncodableRecord)
class Record_TSIG(_Record):
    """A transaction signature (RFC 2845); only carried, never checked."""

    TYPE = TSIG
    fancybasename = "TSIG"

    def __init__(
        self,
        algorithm: bytes | str | None = None,
        timeSigned: int | None = None,
        fudge: int = 5,
        MAC: bytes | None = None,
        originalID: int = 0,
        error: int = OK,
        otherData: bytes = b"",
        ttl: _TTL = 0,
    ) -> None:
        self.algorithm = None if algorithm is None else Name(algorithm)
        self.MAC, self.otherData = MAC, otherData
        self.timeSigned, self.fudge = timeSigned, str2time(fudge)
        self.originalID, self.error = originalID, error
        self.ttl = ttl  # type: ignore[assignment]

    # Equal when every field given to the constructor is; shown without the fudge, the
    # original id and the ttl.
    compareAttributes = _parameters(__init__)
    showAttributes = [a for a in compareAttributes if a not in ("fudge", "originalID", "ttl")]

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        algorithm = self.algorithm if self.algorithm is not None else Name()
        _write_name(algorithm.name, out, comp, base)
        signed = self.timeSigned or 0
        out += _U16.pack(signed >> 32)
        out += _U32.pack(signed & 0xFFFFFFFF)
        mac = self.MAC or b""
        out += _U16.pack(self.fudge or 0)
        out += _U16.pack(len(mac))
        out += mac
        out += _TSIG_TAIL.pack(self.originalID, self.error, len(self.otherData))
        out += self.otherData

    def _read(self, data: bytes, pos: int, end: int) -> None:
        raw, pos = _read_name(data, pos)
        if pos + 10 > end:
            raise _ShortInput("TSIG record too short")
        high, low, fudge, macsize = struct.unpack_from("!HIHH", data, pos)
        pos += 10
        if pos + macsize + 6 > end:
            raise _ShortInput("TSIG record too short")
        mac = data[pos : pos + macsize]
        pos += macsize
        original, err, othersize = _TSIG_TAIL.unpack_from(data, pos)
        pos += 6
        if pos + othersize != end:
            raise DNSDecodeError("TSIG record data does not match its length")
        self.algorithm = _new_name(raw)
        self.timeSigned = (high << 32) | low
        self.fudge, self.MAC = fudge, mac
        self.originalID, self.error = original, err
        self.otherData = data[pos:end]

    def __hash__(self) -> int:
        return hash((self.algorithm, self.timeSigned, self.MAC, self.originalID))


@implementer(IEncodableRecord)
class UnknownRecord(_Record):
    """The data of a record of a type this module does not know, kept as bytes."""

    TYPE = None
    fancybasename = "UNKNOWN"
    compareAttributes = ("data", "ttl")
    showAttributes = (("data", _nicebytes), "ttl")

    def __init__(self, data: bytes = b"", ttl: _TTL = None) -> None:
        self.data = data
        self.ttl = str2time(ttl)

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += self.data

    def _read(self, data: bytes, pos: int, end: int) -> None:
        self.data = data[pos:end]

    def __hash__(self) -> int:
        return hash((self.data, self.ttl))


# -- resource record header ---------------------------------------------------------------------


def _ttl_value(ttl: SupportsInt) -> int:
    value = int(ttl)
    if value < 0:
        raise ValueError("TTL cannot be negative")
    if value > 0xFFFFFFFF:
        raise ValueError("TTL cannot exceed 2**32 - 1")
    return value


@implementer(IEncodable)
class RRHeader:
    """A resource record: ``name``, ``type``, ``cls``, ``ttl`` and its data in ``payload``.

    ``auth`` says whether it comes from an authority (it sets a response's ``aa`` flag).
    """

    compareAttributes: ClassVar[Sequence[str]] = ("name", "type", "cls", "ttl", "payload", "auth")
    fmt = "!HHIH"
    rdlength: int | None = None
    cachedResponse: Any = None

    def __init__(
        self,
        name: _Text = b"",
        type: int = A,
        cls: int = IN,
        ttl: SupportsInt = 0,
        payload: Any = None,
        auth: bool = False,
    ) -> None:
        if payload is not None and getattr(payload, "TYPE", None) not in (None, type):
            raise ValueError(
                f"Payload type ({QUERY_TYPES.get(payload.TYPE or 0, payload.TYPE)}) does not "
                f"match given type ({QUERY_TYPES.get(type, type)})"
            )
        self.name = Name(name)
        self.type = type
        self.cls = cls
        self.ttl = _ttl_value(ttl)
        self.payload = payload
        self.auth = auth

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        _write_name(self.name.name, out, comp, base)
        fixed = len(out)
        out += _RR_FIXED.pack(self.type, self.cls, self.ttl, 0)
        payload = self.payload
        if payload is not None:
            start = len(out)
            writer = getattr(payload, "_write", None)
            if writer is not None:
                writer(out, comp, base)
            else:
                _write_foreign(payload, out, comp, base)
            struct.pack_into("!H", out, fixed + 8, len(out) - start)

    def encode(self, strio: IO[bytes], compDict: dict[bytes, int] | None = None) -> None:
        """Write the header and the payload's data."""
        _encode_via(self, strio, compDict)

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read the name, type, class, TTL and rdlength (not the data)."""
        data, pos = _whole(strio)
        raw, pos = _read_name(data, pos)
        if pos + 10 > len(data):
            raise _ShortInput("record header runs past the end of the message")
        self.name = _new_name(raw)
        self.type, self.cls, self.ttl, self.rdlength = _RR_FIXED.unpack_from(data, pos)
        strio.seek(pos + 10)

    def isAuthoritative(self) -> bool:
        """Whether the record comes from an authority."""
        return bool(self.auth)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RRHeader):
            return (
                self.name == other.name
                and self.type == other.type
                and self.cls == other.cls
                and self.ttl == other.ttl
                and self.payload == other.payload
                and self.auth == other.auth
            )
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"<RR name={self.name} type={_type_name(self.type)} class={_class_name(self.cls)} "
            f"ttl={self.ttl}s auth={bool(self.auth)}>"
        )

    __str__ = __repr__


def _rr(name: Name, type: int, ttl: int, payload: Any, auth: bool) -> RRHeader:
    """An ``RRHeader`` of class IN from values already checked (for answers made in bulk)."""
    header = RRHeader.__new__(RRHeader)
    header.name, header.type, header.cls, header.ttl = name, type, IN, ttl
    header.payload, header.auth = payload, auth
    return header


# -- message ------------------------------------------------------------------------------------

_RecordParser = Callable[[], IEncodableRecord]

_RECORD_TYPES: dict[int, type[_Record]] = {
    cls.TYPE or 0: cls
    for cls in (
        Record_NS,
        Record_MD,
        Record_MF,
        Record_CNAME,
        Record_MB,
        Record_MG,
        Record_MR,
        Record_PTR,
        Record_DNAME,
        Record_A,
        Record_SOA,
        Record_NULL,
        Record_WKS,
        Record_AAAA,
        Record_A6,
        Record_SRV,
        Record_NAPTR,
        Record_AFSDB,
        Record_RP,
        Record_HINFO,
        Record_MINFO,
        Record_MX,
        Record_SSHFP,
        Record_TXT,
        Record_SPF,
        Record_TSIG,
    )
}

_FLAG_NAMES = ("answer", "auth", "trunc", "recDes", "recAv", "authenticData", "checkingDisabled")


def _message_repr(obj: Any, fields: Sequence[str], flags: Sequence[str]) -> str:
    return _compactRepr(
        obj, alwaysShow=("id",), flagNames=flags, fieldNames=("id", *fields), sectionNames=_SECTIONS
    )


def _parse_rr(
    data: bytes, pos: int, auth: Any, lookup: Callable[[int], Any]
) -> tuple[RRHeader, int]:
    raw, pos = _read_name(data, pos)
    if pos + 10 > len(data):
        raise _ShortInput("record runs past the end of the message")
    rtype, cls, ttl, rdlength = _RR_FIXED.unpack_from(data, pos)
    pos += 10
    end = pos + rdlength
    if end > len(data):
        raise _ShortInput("record data runs past the end of the message")
    header = RRHeader.__new__(RRHeader)
    header.name = _new_name(raw)
    header.type, header.cls, header.ttl = rtype, cls, ttl
    record_class = lookup(rtype)
    payload = record_class.__new__(record_class)
    payload.ttl = ttl
    reader = getattr(payload, "_read", None)
    if reader is not None:
        try:
            reader(data, pos, end)
        except _ShortInput as e:
            raise DNSDecodeError(f"record data does not match its length ({e})") from None
    else:
        s = BytesIO(data)
        s.seek(pos)
        payload.decode(s, rdlength)
        payload.ttl = ttl
    header.payload = payload
    header.auth = auth
    header.rdlength = rdlength
    return header, end


class Message:
    """A DNS message: the header flags, ``queries`` and the three record sections.

    ``toStr()`` encodes it; when that is longer than ``maxSize`` (0: no limit) the result is
    cut at ``maxSize`` octets and ``trunc`` is set, as Twisted does (twistio's server cuts
    after the last whole record instead, with the counts to match). ``fromStr`` decodes,
    leaving ``maxSize`` 0; a message with ``trunc`` set that ends inside a record keeps the
    records before it, as truncated messages from other servers may.
    """

    headerFmt = "!H2B4H"
    headerSize = 12
    maxCompressionPointers = 1000
    _recordTypes: ClassVar[dict[int, Any]] = dict(_RECORD_TYPES)
    timeReceived: float
    id: int
    answer: Any
    opCode: int
    recDes: Any
    recAv: Any
    auth: Any
    rCode: int
    trunc: Any
    maxSize: int
    authenticData: Any
    checkingDisabled: Any

    def __init__(
        self,
        id: int = 0,
        answer: int = 0,
        opCode: int = 0,
        recDes: int = 0,
        recAv: int = 0,
        auth: bool = False,
        rCode: int = 0,
        trunc: int = 0,
        maxSize: int = 512,
        authenticData: int = 0,
        checkingDisabled: int = 0,
    ) -> None:
        self.id, self.opCode, self.rCode = id, opCode, rCode
        self.answer, self.auth, self.trunc, self.recDes, self.recAv = answer, auth, trunc, recDes, recAv
        self.authenticData, self.checkingDisabled = authenticData, checkingDisabled
        self.maxSize = maxSize
        self.queries: list[Query] = []
        self.answers: list[RRHeader] = []
        self.authority: list[RRHeader] = []
        self.additional: list[RRHeader] = []

    # Equal when the header fields the constructor takes and the four sections are.
    compareAttributes: ClassVar[Sequence[str]] = (*_parameters(__init__), *_SECTIONS)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return all(getattr(self, a) == getattr(other, a) for a in self.compareAttributes)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return _message_repr(self, ("opCode", "rCode", "maxSize"), _FLAG_NAMES)

    def addQuery(self, name: str | bytes, type: int = ALL_RECORDS, cls: int = IN) -> None:
        """Append a ``Query(name, type, cls)``."""
        self.queries.append(Query(name, type, cls))

    def _flags(self) -> int:
        word = ((self.opCode & 0xF) << 11) | (self.rCode & 0xF)
        if self.answer:
            word |= 0x8000
        if self.auth:
            word |= 0x0400
        if self.trunc:
            word |= 0x0200
        if self.recDes:
            word |= 0x0100
        if self.recAv:
            word |= 0x0080
        if self.authenticData:
            word |= 0x0020
        if self.checkingDisabled:
            word |= 0x0010
        return word

    def toStr(self) -> bytes:
        """The message in wire format (cut at ``maxSize``, with ``trunc`` set, if longer)."""
        out = bytearray(12)
        comp: dict[bytes, int] = {}
        for q in self.queries:
            q._write(out, comp, 0)
        self._write_records(out, comp, None)
        counts = [len(self.queries), len(self.answers), len(self.authority), len(self.additional)]
        if self.maxSize and len(out) > self.maxSize:
            self.trunc = 1
            if self._wholeRecords:
                # Again, noting where each record ends (rare: only for long answers).
                out = bytearray(12)
                comp = {}
                for q in self.queries:
                    q._write(out, comp, 0)
                ends = [len(out)]
                self._write_records(out, comp, ends)
                self._cut_whole(out, ends, counts)
            else:
                del out[self.maxSize :]
        _HEADER.pack_into(out, 0, self.id, self._flags(), *counts)
        return bytes(out)

    _wholeRecords = False
    # A server's reply over UDP is cut at this size, set from its query (names.server).
    _udpLimit: int | None = None

    def _write_records(self, out: bytearray, comp: dict[bytes, int], ends: list[int] | None) -> None:
        for section in (self.answers, self.authority, self.additional):
            for rr in section:
                try:
                    writer = rr._write
                except AttributeError:
                    _write_foreign(rr, out, comp, 0)
                else:
                    writer(out, comp, 0)
                if ends is not None:
                    ends.append(len(out))

    def _cut_whole(self, out: bytearray, ends: list[int], counts: list[int]) -> None:
        """Cut ``out`` after the last whole record that fits (names only point backwards,
        so a prefix that ends at a record boundary is a valid message), and fix the counts."""
        kept = 0
        while kept < len(ends) - 1 and ends[kept + 1] <= self.maxSize:
            kept += 1
        del out[ends[kept] :]
        left = kept
        for i in (1, 2, 3):
            counts[i] = min(counts[i], left)
            left -= counts[i]

    def encode(self, strio: IO[bytes]) -> None:
        """Write the message in wire format to ``strio``."""
        strio.write(self.toStr())

    def fromStr(self, str: bytes) -> None:
        """Decode a message from wire format (``DNSDecodeError`` if malformed)."""
        data = str
        if len(data) < 12:
            raise _ShortInput("message shorter than its 12-octet header")
        (self.id, word, nqueries, nans, nns, nadd) = _HEADER.unpack_from(data, 0)
        self.answer = word >> 15
        self.auth = (word >> 10) & 1
        self.trunc = (word >> 9) & 1
        self.recDes = (word >> 8) & 1
        self.recAv = (word >> 7) & 1
        self.authenticData = (word >> 5) & 1
        self.checkingDisabled = (word >> 4) & 1
        self.opCode = (word >> 11) & 0xF
        self.rCode = word & 0xF
        self.maxSize = 0
        pos = 12
        queries = []
        for _ in range(nqueries):
            raw, pos = _read_name(data, pos)
            if pos + 4 > len(data):
                raise _ShortInput("question runs past the end of the message")
            q = Query.__new__(Query)
            q.name = _new_name(raw)
            q.type, q.cls = _QUERY_FIXED.unpack_from(data, pos)
            pos += 4
            queries.append(q)
        self.queries = queries
        sections: list[list[RRHeader]] = [[], [], []]
        self.answers, self.authority, self.additional = sections
        if not (nans or nns or nadd):
            return
        auth = self.auth
        lookup = self.lookupRecordType
        try:
            for section, count in zip(sections, (nans, nns, nadd), strict=True):
                for _ in range(count):
                    rr, pos = _parse_rr(data, pos, auth, lookup)
                    section.append(rr)
        except _ShortInput:
            if not self.trunc:
                raise

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Decode a message from ``strio`` (``length`` octets, or to the end)."""
        data = strio.read() if length is None else readPrecisely(strio, length)
        self.fromStr(data)

    def lookupRecordType(self, type: int) -> _RecordParser:
        """The record class for ``type`` (``UnknownRecord`` for types not known)."""
        return self._recordTypes.get(type, UnknownRecord)  # type: ignore[no-any-return]

    def parseRecords(self, list: list[RRHeader], num: int, strio: IO[bytes]) -> None:
        """Read ``num`` records from ``strio`` into ``list``."""
        data, pos = _whole(strio)
        for _ in range(num):
            rr, pos = _parse_rr(data, pos, self.auth, self.lookupRecordType)
            list.append(rr)
        strio.seek(pos)


# -- EDNS ---------------------------------------------------------------------------------------


@implementer(IEncodable)
class _OPTVariableOption:
    """One EDNS option: ``code`` and ``data``."""

    _fmt = "!HH"
    compareAttributes = ("code", "data")
    showAttributes = ("code", ("data", lambda b: b.decode("ascii", "backslashreplace")))

    def __init__(self, code: int = 0, data: bytes = b"") -> None:
        self.code = code
        self.data = data

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out += _QUERY_FIXED.pack(self.code, len(self.data))
        out += self.data

    def encode(self, strio: IO[bytes], compDict: dict[bytes, int] | None = None) -> None:
        """Write the option code, length and data."""
        _encode_via(self, strio, compDict)

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read the option code, length and data."""
        self.code, size = struct.unpack("!HH", readPrecisely(strio, 4))
        self.data = readPrecisely(strio, size)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _OPTVariableOption):
            return self.code == other.code and self.data == other.data
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.code, self.data))

    def __repr__(self) -> str:
        return f"<_OPTVariableOption code={self.code!r} data={self.data.decode('ascii', 'backslashreplace')}>"

    __str__ = __repr__


@implementer(IEncodable)
class _OPTHeader:
    """The EDNS OPT pseudo-record (RFC 6891): payload size, extended rcode, version, DO bit."""

    def __init__(
        self,
        udpPayloadSize: int = 4096,
        extendedRCODE: int = 0,
        version: int = 0,
        dnssecOK: bool = False,
        options: list[_OPTVariableOption] | None = None,
    ) -> None:
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCODE = extendedRCODE
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = [] if options is None else options

    # The fixed owner name and type, then what the constructor takes.
    compareAttributes = ("name", "type", *_parameters(__init__))

    @property
    def name(self) -> Name:
        """Always the root name."""
        return Name(b"")

    @property
    def type(self) -> int:
        """Always ``OPT``."""
        return OPT

    def _write(self, out: bytearray, comp: dict[bytes, int] | None, base: int) -> None:
        out.append(0)
        ttl = (self.extendedRCODE << 24) | (self.version << 16) | (0x8000 if self.dnssecOK else 0)
        fixed = len(out)
        out += _RR_FIXED.pack(OPT, self.udpPayloadSize, ttl, 0)
        start = len(out)
        for option in self.options:
            option._write(out, comp, base)
        struct.pack_into("!H", out, fixed + 8, len(out) - start)

    def encode(self, strio: IO[bytes], compDict: dict[bytes, int] | None = None) -> None:
        """Write the OPT record."""
        _encode_via(self, strio, compDict)

    def decode(self, strio: IO[bytes], length: int | None = None) -> None:
        """Read an OPT record."""
        header = RRHeader()
        header.decode(strio)
        rdata = readPrecisely(strio, header.rdlength or 0)
        other = self.fromRRHeader(_rr_with_data(header, rdata))
        self.__dict__.update(other.__dict__)

    @classmethod
    def fromRRHeader(cls, rrHeader: RRHeader) -> _OPTHeader:
        """The OPT header carried by an ``RRHeader`` of type OPT."""
        options = None
        payload = rrHeader.payload
        if payload is not None:
            data = getattr(payload, "data", b"")
            options = []
            pos = 0
            while pos < len(data):
                if pos + 4 > len(data):
                    raise _ShortInput("EDNS option runs past its record")
                code, size = _QUERY_FIXED.unpack_from(data, pos)
                pos += 4
                if pos + size > len(data):
                    raise _ShortInput("EDNS option runs past its record")
                options.append(_OPTVariableOption(code, data[pos : pos + size]))
                pos += size
        ttl = rrHeader.ttl
        return cls(
            udpPayloadSize=rrHeader.cls,
            extendedRCODE=ttl >> 24,
            version=(ttl >> 16) & 0xFF,
            dnssecOK=bool((ttl >> 15) & 1),
            options=options,
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _OPTHeader):
            return all(getattr(self, a) == getattr(other, a) for a in self.compareAttributes)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"<_OPTHeader name={self.name} type={self.type} udpPayloadSize={self.udpPayloadSize!r}"
            f" extendedRCODE={self.extendedRCODE!r} version={self.version!r}"
            f" dnssecOK={self.dnssecOK!r} options={self.options!r}>"
        )

    __str__ = __repr__


def _rr_with_data(header: RRHeader, data: bytes) -> RRHeader:
    header.payload = UnknownRecord(data, header.ttl)
    return header


# What a Message and an _EDNSMessage carry alike in their header: the id and opcode, then the
# flag bits (QR, AA, TC, RD, RA, AD, CD).
_HEADER_FLAGS = ("answer", "auth", "trunc", "recDes", "recAv", "authenticData", "checkingDisabled")
_COMMON_HEADER = ("id", "opCode", *_HEADER_FLAGS)


class _EDNSMessage:
    """A message with EDNS (RFC 6891): ``ednsVersion`` (None: no OPT record), ``dnssecOK``,
    ``maxSize`` (the UDP payload size), and a 12-bit ``rCode``. The OPT record is made when
    encoding and taken out of ``additional`` when decoding."""

    _messageFactory = Message
    id: int
    answer: Any
    opCode: int
    recDes: Any
    recAv: Any
    auth: Any
    rCode: int
    trunc: Any
    maxSize: int
    authenticData: Any
    checkingDisabled: Any
    ednsVersion: int | None
    dnssecOK: bool

    def __init__(
        self,
        id: int = 0,
        answer: bool = False,
        opCode: int = OP_QUERY,
        auth: bool = False,
        trunc: bool = False,
        recDes: bool = False,
        recAv: bool = False,
        rCode: int = 0,
        ednsVersion: int | None = 0,
        dnssecOK: bool = False,
        authenticData: bool = False,
        checkingDisabled: bool = False,
        maxSize: int = 512,
        queries: list[Query] | None = None,
        answers: list[RRHeader] | None = None,
        authority: list[RRHeader] | None = None,
        additional: list[RRHeader] | None = None,
    ) -> None:
        fields = dict(locals())
        for name in ("self", *_SECTIONS):
            del fields[name]
        self.__dict__.update(fields)
        self.queries = [] if queries is None else queries
        self.answers = [] if answers is None else answers
        self.authority = [] if authority is None else authority
        self.additional = [] if additional is None else additional

    # Equal when all the constructor takes (header, EDNS fields and sections) is.
    compareAttributes: ClassVar[Sequence[str]] = _parameters(__init__)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _EDNSMessage):
            return all(getattr(self, a) == getattr(other, a) for a in self.compareAttributes)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return _message_repr(
            self,
            ("opCode", "rCode", "maxSize", "ednsVersion"),
            ("answer", "auth", "trunc", "recDes", "recAv", "authenticData", "checkingDisabled", "dnssecOK"),
        )

    def _toMessage(self) -> Message:
        header = {a: getattr(self, a) for a in _COMMON_HEADER}
        m = self._messageFactory(rCode=self.rCode & 0xF, maxSize=0, **header)
        m.queries = self.queries[:]
        m.answers = self.answers[:]
        m.authority = self.authority[:]
        m.additional = self.additional[:]
        if self.ednsVersion is not None:
            m.additional.append(
                _OPTHeader(  # type: ignore[arg-type]
                    version=self.ednsVersion,
                    dnssecOK=self.dnssecOK,
                    udpPayloadSize=self.maxSize,
                    extendedRCODE=self.rCode >> 4,
                )
            )
        return m

    def toStr(self) -> bytes:
        """The message in wire format, with an OPT record unless ``ednsVersion`` is None."""
        return self._toMessage().toStr()

    @classmethod
    def _fromMessage(cls, message: Message) -> _EDNSMessage:
        """``message`` with its OPT records taken out of ``additional``; when there is exactly
        one, its version, DO bit, payload size and upper rcode bits fill the EDNS fields (with
        none or several, ``ednsVersion`` is None)."""
        optRecords = [_OPTHeader.fromRRHeader(r) for r in message.additional if r.type == OPT]
        new = cls(
            rCode=message.rCode,
            ednsVersion=None,
            queries=list(message.queries),
            answers=list(message.answers),
            authority=list(message.authority),
            additional=[r for r in message.additional if r.type != OPT],
            **{a: getattr(message, a) for a in _COMMON_HEADER},
        )
        if len(optRecords) != 1:
            return new
        (opt,) = optRecords
        new.ednsVersion, new.dnssecOK = opt.version, opt.dnssecOK
        new.maxSize = opt.udpPayloadSize
        new.rCode = message.rCode | opt.extendedRCODE << 4
        return new

    def fromStr(self, bytes: bytes) -> None:
        """Decode a message; an OPT record sets the EDNS fields and leaves ``additional``."""
        m = self._messageFactory()
        m.fromStr(bytes)
        self.__dict__.update(self._fromMessage(m).__dict__)


def _responseFromMessage(
    responseConstructor: Callable[..., Any], message: Any, **kwargs: Any
) -> Any:
    """A response to ``message`` made by ``responseConstructor(id=..., answer=True,
    **kwargs)``: its id and a copy of its queries; no other header field is carried over."""
    response = responseConstructor(id=message.id, answer=True, **kwargs)
    response.queries = message.queries[:]
    return response


# -- protocols ----------------------------------------------------------------------------------


class DNSMixin:
    """What the UDP and TCP DNS protocols share: message ids, pending queries and timeouts.

    ``controller.messageReceived(message, protocol[, address])`` gets every message that is
    not the answer to one of this protocol's own queries.
    """

    transport: Any = None
    liveMessages: dict[int, tuple[Deferred[Message], Any]]

    def __init__(self, controller: Any, reactor: Any = None) -> None:
        self.controller = controller
        self.id = random.randrange(2**10, 2**15)
        if reactor is None:
            from twistio.internet import reactor as the_reactor

            reactor = the_reactor
        self._reactor = reactor
        self.liveMessages = {}

    def pickID(self) -> int:
        """A message id not used by a pending query."""
        while True:
            id = randomSource()
            if id not in self.liveMessages:
                return id

    def callLater(self, period: float, func: Callable[..., Any], *args: Any) -> Any:
        """Schedule ``func`` on this protocol's reactor."""
        return self._reactor.callLater(period, func, *args)

    def _query(
        self, queries: list[Query], timeout: float, id: int, writeMessage: Callable[[Message], None]
    ) -> Deferred[Message]:
        m = Message(id, recDes=1)
        m.queries = queries
        try:
            writeMessage(m)
        except BaseException as e:
            from twistio.internet.defer import fail

            return fail(e)
        resultDeferred: Deferred[Message] = Deferred()
        cancelCall = self.callLater(timeout, self._clearFailed, resultDeferred, id)
        self.liveMessages[id] = (resultDeferred, cancelCall)
        return resultDeferred

    def _clearFailed(self, deferred: Deferred[Message], id: int) -> None:
        entry = self.liveMessages.pop(id, None)
        if entry is not None:
            entry[0].errback(DNSQueryTimeoutError(id))

    def _fail_all(self, reason: BaseException) -> None:
        live, self.liveMessages = self.liveMessages, {}
        for d, call in live.values():
            if call.active():
                call.cancel()
            d.errback(reason)


class DNSDatagramProtocol(DNSMixin, _protocol.DatagramProtocol):
    """DNS over UDP, for clients (``query``) and servers (the controller answers).

    A datagram that does not decode is logged and dropped (a server controller answers it
    with FORMERR), never raised into the loop.
    """

    resends: dict[int, int]

    def __init__(self, controller: Any, reactor: Any = None) -> None:
        DNSMixin.__init__(self, controller, reactor)
        self.resends = {}
        self._addressValidation: dict[int, tuple[str, int]] = {}

    def stopProtocol(self) -> None:
        """The port stopped: pending queries fail with ``ConnectionLost`` (Twisted leaves
        them waiting for good)."""
        from twistio.internet.error import ConnectionLost

        self.resends = {}
        self._addressValidation.clear()
        self.transport = None
        self._fail_all(ConnectionLost("the DNS client's UDP port stopped listening"))

    def startProtocol(self) -> None:
        """Start with no pending queries."""
        self.liveMessages = {}
        self.resends = {}

    def writeMessage(self, message: Message, address: tuple[str, int]) -> None:
        """Send ``message`` to ``address``."""
        self.transport.write(message.toStr(), address)

    def startListening(self) -> None:
        """Bind an ephemeral port for queries."""
        self._reactor.listenUDP(0, self, maxPacketSize=65536)

    def datagramReceived(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        """Decode, then resolve a pending query or hand the message to the controller."""
        m = Message.__new__(Message)  # fromStr sets every attribute
        try:
            m.fromStr(data)
        except (ValueError, EOFError, IndexError, struct.error) as e:
            _log_bad_packet(addr, e)
            malformed = getattr(self.controller, "_malformed", None)
            if malformed is not None:
                malformed(data, self, addr)
            return
        entry = self.liveMessages.get(m.id)
        if entry is not None:
            expected = self._addressValidation.get(m.id)
            if expected is not None and expected != addr[:2]:
                return
            del self.liveMessages[m.id]
            self._addressValidation.pop(m.id, None)
            d, call = entry
            if call.active():
                call.cancel()
            d.callback(m)
            return
        if m.id in self.resends:
            return
        self.controller.messageReceived(m, self, addr)

    def removeResend(self, id: int) -> None:
        """Stop ignoring late answers to message ``id``."""
        self.resends.pop(id, None)

    def query(
        self,
        address: tuple[str, int],
        queries: list[Query],
        timeout: float = 10,
        id: int | None = None,
    ) -> Deferred[Message]:
        """Send ``queries`` to ``address``; fires with the answer or ``DNSQueryTimeoutError``."""
        if not self.transport:
            try:
                self.startListening()
            except Exception as e:
                from twistio.internet.defer import fail

                return fail(e)
        if id is None:
            id = self.pickID()
        else:
            self.resends[id] = 1
        self._addressValidation[id] = (address[0], address[1])

        def writeMessage(m: Message) -> None:
            self.writeMessage(m, address)

        d = self._query(queries, timeout, id, writeMessage)

        def forget(result: Any) -> Any:
            self._addressValidation.pop(id, None)
            return result

        return d.addBoth(forget)

    def _clearFailed(self, deferred: Deferred[Message], id: int) -> None:
        self.resends[id] = 1
        self._addressValidation.pop(id, None)
        DNSMixin._clearFailed(self, deferred, id)


def _log_bad_packet(addr: Any, e: BaseException) -> None:
    import logging

    logging.getLogger("twistio.names").debug("dropped a malformed DNS message from %r: %s", addr, e)


class DNSProtocol(DNSMixin, basic.Int16StringReceiver):
    """DNS over TCP: messages prefixed with their 16-bit length.

    A message that does not decode gets FORMERR from a server controller; a client closes
    the connection.
    """

    MAX_LENGTH = 65535

    def writeMessage(self, message: Message) -> None:
        """Send ``message`` with its length prefix."""
        data = message.toStr()
        self.transport.write(_U16.pack(len(data)) + data)

    def connectionMade(self) -> None:
        """Tell the controller."""
        self.liveMessages = {}
        self.controller.connectionMade(self)

    def connectionLost(self, reason: Any = None) -> None:
        """Fail the pending queries and tell the controller."""
        from twistio.internet.error import ConnectionDone

        value = getattr(reason, "value", None)
        self._fail_all(value if isinstance(value, BaseException) else ConnectionDone())
        self.controller.connectionLost(self)

    def stringReceived(self, data: bytes) -> None:
        """Decode, then resolve a pending query or hand the message to the controller."""
        m = Message()
        try:
            m.fromStr(data)
        except (ValueError, EOFError, IndexError, struct.error) as e:
            _log_bad_packet(self.transport.getPeer() if self.transport else None, e)
            malformed = getattr(self.controller, "_malformed", None)
            if malformed is not None:
                malformed(data, self)
            else:
                self.transport.loseConnection()
            return
        entry = self.liveMessages.pop(m.id, None)
        if entry is not None:
            d, call = entry
            if call.active():
                call.cancel()
            d.callback(m)
            return
        self.controller.messageReceived(m, self)

    def query(self, queries: list[Query], timeout: float = 60) -> Deferred[Message]:
        """Send ``queries``; fires with the answer or ``DNSQueryTimeoutError``."""
        id = self.pickID()
        return self._query(queries, timeout, id, self.writeMessage)

