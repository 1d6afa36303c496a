"""AMP, the Asynchronous Messaging Protocol: many request/response pairs over one connection.

A message ("box") is a set of key/value byte strings. On the wire every key and every value
is prefixed with its length as a 2-byte big-endian integer, and an empty key ends the box::

    <len><key><len><value> ... <len><key><len><value> 00 00

Keys are at most 255 bytes, values at most 65535. Three reserved keys make requests and
responses: ``_command`` (the command's name) with ``_ask`` (a tag, when an answer is
wanted), ``_answer`` (the tag answered), and ``_error`` with ``_error_code`` and
``_error_description``. The boxes twistio writes are byte for byte those Twisted writes
(keys sorted), so a twistio peer talks to a Twisted peer.

The layers, bottom up: ``BinaryBoxProtocol`` turns bytes into boxes and boxes into bytes
(and can hand the connection to another protocol, or start TLS); ``BoxDispatcher`` matches
answers to questions and sends questions to a responder locator; ``CommandLocator`` finds
the responder a ``Command.responder`` declared and converts its arguments and result with
the command's ``Argument`` schema. ``AMP`` is all of them in one object.

TLS (``StartTLS``) runs on twistio's TLS, the standard library's ``ssl``: certificates are
``twistio.internet.ssl`` objects.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import struct
import warnings
from collections.abc import Callable, Iterable
from io import BytesIO
from itertools import count
from types import MethodType
from typing import IO, Any, ClassVar, Protocol, TypeVar

from twistio.internet import ssl as _ssl_module
from twistio.internet.defer import Deferred, fail, maybeDeferred
from twistio.internet.error import ConnectionClosed, ConnectionLost, PeerVerifyError
from twistio.internet.interfaces import IFileDescriptorReceiver, Interface, implementer
from twistio.logger import Logger
from twistio.protocols.basic import Int16StringReceiver, StatefulStringProtocol
from twistio.python import filepath
from twistio.python.failure import Failure

#: The TLS module StartTLS uses; None when TLS is unavailable (StartTLS then fails).
ssl: Any = _ssl_module

__all__ = [
    "AMP",
    "ANSWER",
    "ASK",
    "COMMAND",
    "ERROR",
    "ERROR_CODE",
    "ERROR_DESCRIPTION",
    "MAX_KEY_LENGTH",
    "MAX_VALUE_LENGTH",
    "PROTOCOL_ERRORS",
    "UNHANDLED_ERROR_CODE",
    "UNKNOWN_ERROR_CODE",
    "AmpBox",
    "AmpError",
    "AmpList",
    "Argument",
    "BadLocalReturn",
    "BinaryBoxProtocol",
    "Boolean",
    "Box",
    "BoxDispatcher",
    "Command",
    "CommandLocator",
    "DateTime",
    "Decimal",
    "Descriptor",
    "Float",
    "IArgumentType",
    "IBoxReceiver",
    "IBoxSender",
    "IResponderLocator",
    "IncompatibleVersions",
    "Integer",
    "InvalidSignature",
    "ListOf",
    "MalformedAmpBox",
    "NoEmptyBoxes",
    "OnlyOneTLS",
    "Path",
    "ProtocolSwitchCommand",
    "ProtocolSwitched",
    "QuitBox",
    "RemoteAmpError",
    "SimpleStringLocator",
    "StartTLS",
    "String",
    "TooLong",
    "UnhandledCommand",
    "Unicode",
    "UnknownRemoteError",
    "parse",
    "parseString",
    "utc",
]

# The reserved keys: a question names its command and carries a tag, and the reply
# repeats that tag as an answer or as an error with a code and a text.
COMMAND, ASK, ANSWER = b"_command", b"_ask", b"_answer"
ERROR, ERROR_CODE, ERROR_DESCRIPTION = b"_error", b"_error_code", b"_error_description"
# Error codes AMP itself uses: an error the responder did not declare, and no responder.
UNKNOWN_ERROR_CODE, UNHANDLED_ERROR_CODE = b"UNKNOWN", b"UNHANDLED"

MAX_KEY_LENGTH = 255  # a key's limit (its length is still sent in two bytes)
MAX_VALUE_LENGTH = 65535  # all that a 2-byte length can say

#: Argument names that Python cannot take as keywords (the Python 2 list Twisted keeps, for
#: compatibility): such a wire name ``b"is"`` becomes the keyword ``Is``.
PYTHON_KEYWORDS = [
    "and", "del", "for", "is", "raise", "assert", "elif", "from", "lambda", "return", "break",
    "else", "global", "not", "try", "class", "except", "if", "or", "while", "continue", "exec",
    "import", "pass", "yield", "def", "finally", "in", "print",
]  # fmt: skip

_log = Logger()
_pack_length = struct.Struct("!H").pack
_unpack_length = struct.Struct("!H").unpack_from

_T_Callable = TypeVar("_T_Callable", bound=Callable[..., Any])


# -- interfaces ------------------------------------------------------------------------------


class IArgumentType(Interface, Protocol):
    """Converts one argument between its Python object and the strings of a box."""

    def fromBox(self, name: bytes, strings: Any, objects: dict[str, Any], proto: Any) -> None:
        """Take ``name`` out of ``strings`` and put its object into ``objects``."""

    def toBox(self, name: bytes, strings: Any, objects: dict[str, Any], proto: Any) -> None:
        """Take ``name``'s object out of ``objects`` and put its string into ``strings``."""


class IBoxSender(Interface, Protocol):
    """Something boxes can be sent through."""

    def sendBox(self, box: AmpBox) -> None:
        """Send ``box`` to the peer."""

    def unhandledError(self, failure: Failure) -> None:
        """An error nobody handled: report it (and usually drop the connection)."""


class IBoxReceiver(Interface, Protocol):
    """Something that boxes are delivered to."""

    def startReceivingBoxes(self, boxSender: IBoxSender) -> None:
        """Boxes will arrive from now on; answers go to ``boxSender``."""

    def ampBoxReceived(self, box: AmpBox) -> None:
        """One box arrived."""

    def stopReceivingBoxes(self, reason: Failure) -> None:
        """No more boxes will arrive, for ``reason``."""


class IResponderLocator(Interface, Protocol):
    """Finds the responder for a command's name."""

    def locateResponder(self, name: bytes) -> Callable[[AmpBox], Any] | None:
        """A callable taking the command's box and returning a box (or a Deferred of one),
        or None when no responder handles ``name``."""


# -- errors ----------------------------------------------------------------------------------


class AmpError(Exception):
    """Base of AMP's errors."""


class ProtocolSwitched(Exception):
    """The connection switched to another protocol: AMP boxes can no longer be sent."""


class OnlyOneTLS(AmpError):
    """TLS was already started on this connection."""


class NoEmptyBoxes(AmpError):
    """A box received was neither a command, an answer nor an error."""


class InvalidSignature(AmpError):
    """A command was given missing or unknown arguments."""


class TooLong(AmpError):
    """A key or a value exceeded its length limit (``isLocal``: on sending, else received)."""

    def __init__(self, isKey: bool, isLocal: bool, value: Any, keyName: Any = None) -> None:
        super().__init__()
        self.isKey, self.isLocal = isKey, isLocal
        self.value, self.keyName = value, keyName

    def __repr__(self) -> str:
        side = "local" if self.isLocal else "remote"
        size = len(self.value) if self.value is not None else 0
        if self.isKey:
            return f"{side} key too long: {size} "
        return f"{side} value {self.keyName!r} too long: {size}"


class BadLocalReturn(AmpError):
    """A responder returned something its command's response schema could not encode."""

    def __init__(self, message: str, enclosed: Failure) -> None:
        super().__init__(message, enclosed)
        self.message = message
        self.enclosed = enclosed

    def __repr__(self) -> str:
        return f"{self.message} {self.enclosed.getBriefTraceback()}"

    __str__ = __repr__


class RemoteAmpError(AmpError):
    """An error the peer reported with ``errorCode`` and ``description`` (``local``: the
    failure on this side that is being reported, when this side is the one reporting)."""

    def __init__(
        self, errorCode: bytes, description: str | bytes, fatal: bool = False, local: Any = None
    ) -> None:
        text = (
            description.decode("utf-8", "replace")
            if isinstance(description, bytes)
            else description
        )
        code = (
            errorCode.decode("ascii", "backslashreplace")
            if isinstance(errorCode, bytes)
            else errorCode
        )
        if local is not None:
            message = f"Code<{code}> (local): {text}\n{local.getBriefTraceback()}"
        else:
            message = f"Code<{code}>: {text}"
        super().__init__(message)
        self.errorCode, self.description = errorCode, description
        self.local, self.fatal = local, fatal


class UnknownRemoteError(RemoteAmpError):
    """The peer failed for a reason this side's command does not name."""

    def __init__(self, description: str | bytes) -> None:
        super().__init__(UNKNOWN_ERROR_CODE, description)


class MalformedAmpBox(AmpError):
    """The bytes received do not make a box."""


class UnhandledCommand(AmpError):
    """No responder handles the command."""


class IncompatibleVersions(AmpError):
    """The two sides could not agree on a version of the protocol."""


#: Error codes with a meaning to AMP itself, and the exception each becomes.
PROTOCOL_ERRORS: dict[bytes, type[Exception]] = {UNHANDLED_ERROR_CODE: UnhandledCommand}

CONNECTION_LOST = ConnectionLost("Connection lost")


# -- boxes -----------------------------------------------------------------------------------


def _as_key(key: Any) -> Any:
    return key.encode("ascii") if isinstance(key, str) else key


class AmpBox(dict[bytes, bytes]):
    """One AMP message: a dict of byte keys to byte values (``str`` keys are encoded as
    ASCII)."""

    __slots__: list[str] = []

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if any(isinstance(key, str) for key in self):
            converted = {_as_key(key): value for key, value in self.items()}
            self.clear()
            self.update(converted)

    def copy(self) -> AmpBox:
        """A box of the same class with the same items."""
        new = type(self).__new__(type(self))
        new.update(self)
        return new

    def serialize(self) -> bytes:
        """The box on the wire (keys in sorted order, as Twisted writes them)."""
        parts: list[bytes] = []
        for key, value in sorted(self.items()):
            if not isinstance(value, bytes):
                raise TypeError(f"Unicode value for key {key!r} not allowed: {value!r}")
            if len(key) > MAX_KEY_LENGTH:
                raise TooLong(True, True, key, None)
            if len(value) > MAX_VALUE_LENGTH:
                raise TooLong(False, True, value, key)
            parts += (_pack_length(len(key)), key, _pack_length(len(value)), value)
        parts.append(b"\x00\x00")
        return b"".join(parts)

    def _sendTo(self, proto: Any) -> None:
        """Send this box through ``proto`` (a box sender)."""
        proto.sendBox(self)

    def __repr__(self) -> str:
        return f"AmpBox({dict(self)!r})"


Box = AmpBox


class QuitBox(AmpBox):
    """A box that closes the connection once sent."""

    __slots__: list[str] = []

    def __repr__(self) -> str:
        return f"QuitBox(**{super().__repr__()})"

    def _sendTo(self, proto: Any) -> None:
        proto.sendBox(self)
        proto.transport.loseConnection()


class _SwitchBox(AmpBox):
    """The last AMP box of a connection: once sent, the connection is ``innerProto``'s."""

    def __init__(self, innerProto: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self.innerProto = innerProto

    def __repr__(self) -> str:
        return f"_SwitchBox({self.innerProto!r}, **{dict(self)!r})"

    def _sendTo(self, proto: Any) -> None:
        proto.sendBox(self)
        proto._switchTo(self.innerProto)


_TLS_KEYS = (b"tls_localCertificate", b"tls_verifyAuthorities")


class _TLSBox(AmpBox):
    """The answer to ``StartTLS``: once sent, TLS starts (its certificate and authorities
    ride in the box as objects and are never written)."""

    def __init__(self) -> None:
        if ssl is None:
            raise RemoteAmpError(b"TLS_ERROR", "TLS not available")
        super().__init__()

    @property
    def certificate(self) -> Any:
        return self.get(b"tls_localCertificate", _NoCertificate(False))

    @property
    def verify(self) -> Any:
        return self.get(b"tls_verifyAuthorities", None)

    def _sendTo(self, proto: Any) -> None:
        box = AmpBox({key: value for key, value in self.items() if key not in _TLS_KEYS})
        proto.sendBox(box)
        proto._startTLS(self.certificate, self.verify)


# -- arguments -------------------------------------------------------------------------------


def _wireNameToPythonIdentifier(key: bytes) -> str:
    """The keyword name of the argument named ``key`` on the wire."""
    name = key.replace(b"-", b"_").decode("ascii")
    if name in PYTHON_KEYWORDS:
        return name.title()
    return name


@implementer(IArgumentType)
class Argument:
    """Converts one argument of a command between a Python object and a box's string.

    Subclasses give ``fromString``/``toString`` (or the ``...Proto`` forms, which also see
    the protocol). An ``optional`` argument may be absent: it is then None.
    """

    optional = False

    def __init__(self, optional: bool = False) -> None:
        self.optional = optional

    def retrieve(self, d: dict[Any, Any], name: Any, proto: Any) -> Any:
        """Take ``name`` out of ``d`` (None when optional and absent)."""
        if self.optional:
            return d.pop(name, None)
        return d.pop(name)

    def fromBox(self, name: bytes, strings: Any, objects: dict[str, Any], proto: Any) -> None:
        """Decode ``name`` from ``strings`` into ``objects``."""
        wire = self.retrieve(strings, name, proto)
        absent = wire is None and self.optional
        value = None if absent else self.fromStringProto(wire, proto)
        objects[_wireNameToPythonIdentifier(name)] = value

    def toBox(self, name: bytes, strings: Any, objects: dict[str, Any], proto: Any) -> None:
        """Encode ``name``'s object from ``objects`` into ``strings``."""
        obj = self.retrieve(objects, _wireNameToPythonIdentifier(name), proto)
        if self.optional and obj is None:
            return
        strings[name] = self.toStringProto(obj, proto)

    def fromStringProto(self, inString: bytes, proto: Any) -> Any:
        """The object ``inString`` stands for."""
        return self.fromString(inString)

    def toStringProto(self, inObject: Any, proto: Any) -> Any:
        """The string for ``inObject``."""
        return self.toString(inObject)

    def fromString(self, inString: bytes) -> Any:
        """Override: the object ``inString`` stands for."""
        raise NotImplementedError()

    def toString(self, inObject: Any) -> bytes:
        """Override: the string for ``inObject``."""
        raise NotImplementedError()


class Integer(Argument):
    """An integer of any size, in decimal."""

    fromString = int  # type: ignore[assignment]

    def toString(self, inObject: Any) -> bytes:
        return b"%d" % (inObject,)


class String(Argument):
    """Bytes, unchanged."""

    def toString(self, inObject: Any) -> bytes:
        return inObject  # type: ignore[no-any-return]

    def fromString(self, inString: bytes) -> Any:
        return inString


class Float(Argument):
    """A float, as its ``repr``."""

    fromString = float  # type: ignore[assignment]

    def toString(self, inObject: Any) -> bytes:
        if not isinstance(inObject, float):
            raise ValueError(f"Bad float value {inObject!r}")
        return repr(inObject).encode("ascii")


class Boolean(Argument):
    """True or False, as ``True`` or ``False``."""

    def fromString(self, inString: bytes) -> Any:
        if inString == b"True":
            return True
        if inString == b"False":
            return False
        raise TypeError(f"Bad boolean value: {inString!r}")

    def toString(self, inObject: Any) -> bytes:
        return b"True" if inObject else b"False"


class Unicode(String):
    """Text, as UTF-8."""

    def toString(self, inObject: Any) -> bytes:
        return inObject.encode("utf-8")  # type: ignore[no-any-return]

    def fromString(self, inString: bytes) -> Any:
        return inString.decode("utf-8")


class Path(Unicode):
    """A ``FilePath``, as its path in UTF-8."""

    def fromString(self, inString: bytes) -> Any:
        return filepath.FilePath(Unicode.fromString(self, inString))

    def toString(self, inObject: Any) -> bytes:
        path = inObject.path
        if isinstance(path, bytes):
            return path
        return Unicode.toString(self, path)


class ListOf(Argument):
    """A list of values of one argument type: each value length-prefixed, in one string.

    The element type must not need the protocol (``toString``/``fromString`` only).
    """

    def __init__(self, elementType: Argument, optional: bool = False) -> None:
        self.elementType = elementType
        super().__init__(optional)

    def fromString(self, inString: bytes) -> Any:
        return [self.elementType.fromString(item) for item in _split_strings(inString)]

    def toString(self, inObject: Any) -> bytes:
        parts: list[bytes] = []
        for item in inObject:
            data = self.elementType.toString(item)
            parts += (_pack_length(len(data)), data)
        return b"".join(parts)


def _split_strings(data: bytes) -> list[bytes]:
    """The 2-byte length-prefixed strings that make up ``data``."""
    items: list[bytes] = []
    offset, end = 0, len(data)
    while offset < end:
        if offset + 2 > end:
            raise MalformedAmpBox(f"truncated length prefix at {offset}")
        (size,) = _unpack_length(data, offset)
        start = offset + 2
        offset = start + size
        if offset > end:
            raise MalformedAmpBox(f"truncated string at {start}")
        items.append(data[start:offset])
    return items


class AmpList(Argument):
    """A list of dicts, each encoded as a box with the schema ``subargs``, the boxes
    concatenated in one string."""

    def __init__(self, subargs: list[tuple[bytes, Argument]], optional: bool = False) -> None:
        self.subargs = subargs
        super().__init__(optional)

    def fromStringProto(self, inString: bytes, proto: Any) -> Any:
        return [_stringsToObjects(box, self.subargs, proto) for box in parseString(inString)]

    def toStringProto(self, inObject: Any, proto: Any) -> Any:
        return b"".join(
            _objectsToStrings(objects, self.subargs, AmpBox(), proto).serialize()
            for objects in inObject
        )


class Decimal(Argument):
    """A ``decimal.Decimal``, in the General Decimal Arithmetic string form (``1.50``,
    ``1E+2``, ``Infinity``, ``-sNaN`` ...), which keeps its precision."""

    def fromString(self, inString: bytes) -> Any:
        return decimal.Decimal(inString.decode("ascii"))

    def toString(self, inObject: Any) -> bytes:
        if not isinstance(inObject, decimal.Decimal):
            raise ValueError("amp.Decimal can only encode instances of decimal.Decimal")
        return str(inObject).encode("ascii")


class _FixedOffsetTZInfo(datetime.tzinfo):
    """A time zone a fixed offset from UTC, named like ``+01:30``."""

    def __init__(self, offset: datetime.timedelta, name: str | None = None) -> None:
        self.offset = offset
        if name is None:
            seconds = int(offset.total_seconds())
            sign = "-" if seconds < 0 else "+"
            minutes = abs(seconds) // 60
            name = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
        self.name = name

    @classmethod
    def fromSignHoursMinutes(cls, sign: str, hours: int, minutes: int) -> _FixedOffsetTZInfo:
        """The zone ``sign`` (``"+"`` or ``"-"``) ``hours``:``minutes`` from UTC."""
        if sign not in ("+", "-"):
            raise ValueError(f"Invalid sign for timezone {sign!r}")
        offset = datetime.timedelta(hours=hours, minutes=minutes)
        return cls(-offset if sign == "-" else offset)

    @classmethod
    def fromLocalTimeStamp(cls, timeStamp: float) -> _FixedOffsetTZInfo:
        """The local zone's offset at ``timeStamp``."""
        local = datetime.datetime.fromtimestamp(timeStamp)
        utcTime = datetime.datetime.fromtimestamp(timeStamp, datetime.timezone.utc).replace(
            tzinfo=None
        )
        return cls(local - utcTime)

    def utcoffset(self, dt: datetime.datetime | None) -> datetime.timedelta:
        return self.offset

    def dst(self, dt: datetime.datetime | None) -> datetime.timedelta:
        return datetime.timedelta(0)

    def tzname(self, dt: datetime.datetime | None) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _FixedOffsetTZInfo):
            return self.offset == other.offset
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.offset)


#: UTC, for ``DateTime`` values.
utc = _FixedOffsetTZInfo(datetime.timedelta(0))


class DateTime(Argument):
    """An aware ``datetime``, as ``YYYY-MM-DDThh:mm:ss.ffffff+HH:MM``.

    A zero offset is written ``-00:00``, as Twisted writes it; values read back carry a
    fixed-offset zone (``utc`` for a zero offset is equal to it).
    """

    _positions = [
        slice(0, 4), slice(5, 7), slice(8, 10),  # year, month, day
        slice(11, 13), slice(14, 16), slice(17, 19),  # hour, minute, second
        slice(20, 26),  # microsecond
        slice(27, 29), slice(30, 32),  # offset hours, minutes
    ]  # fmt: skip

    def fromString(self, s: bytes | str) -> Any:
        text = s.decode("ascii") if isinstance(s, bytes) else s
        if len(text) != 32 or text[4] != "-" or text[7] != "-" or text[10] != "T":
            raise ValueError(f"invalid date and time: {text!r}")
        sign = text[26]
        if sign not in "+-":
            raise ValueError(f"invalid date and time: {text!r}")
        year, month, day, hour, minute, second, micro, tzh, tzm = (
            int(text[position]) for position in self._positions
        )
        tz = _FixedOffsetTZInfo.fromSignHoursMinutes(sign, tzh, tzm)
        return datetime.datetime(year, month, day, hour, minute, second, micro, tz)

    def toString(self, i: Any) -> bytes:
        offset = i.utcoffset()
        if offset is None:
            raise ValueError(
                "amp.DateTime cannot serialize naive datetime instances.  "
                "You may find amp.utc useful."
            )
        minutes = int(offset.total_seconds()) // 60
        sign = "+" if minutes > 0 else "-"
        minutes = abs(minutes)
        return (
            f"{i.year:04d}-{i.month:02d}-{i.day:02d}T{i.hour:02d}:{i.minute:02d}:"
            f"{i.second:02d}.{i.microsecond:06d}{sign}{minutes // 60:02d}:{minutes % 60:02d}"
        ).encode("ascii")


class Descriptor(Integer):
    """A file descriptor, passed over a UNIX socket; on the wire only an ordinal that
    matches it with the descriptor received alongside."""

    def fromStringProto(self, inString: bytes, proto: Any) -> Any:
        return proto._getDescriptor(int(inString))

    def toStringProto(self, inObject: Any, proto: Any) -> Any:
        return self.toString(proto._sendFileDescriptor(inObject))


class _LocalArgument(String):
    """An argument that stays on this side: given to the code, never written or read."""

    def fromBox(self, name: bytes, strings: Any, objects: dict[str, Any], proto: Any) -> None:
        pass


def _objectsToStrings(
    objects: dict[str, Any], arglist: Iterable[tuple[bytes, Any]], strings: Any, proto: Any
) -> Any:
    """Encode ``objects`` into the box ``strings`` with the schema ``arglist``."""
    remaining = dict(objects)
    for name, argument in arglist:
        argument.toBox(name, strings, remaining, proto)
    return strings


def _stringsToObjects(strings: Any, arglist: Iterable[tuple[bytes, Any]], proto: Any) -> Any:
    """Decode the box ``strings`` into a dict of objects with the schema ``arglist``."""
    objects: dict[str, Any] = {}
    remaining = dict(strings)
    for name, argument in arglist:
        argument.fromBox(name, remaining, objects, proto)
    return objects


# -- commands --------------------------------------------------------------------------------


class _CommandMeta(type):
    """Gives each command its ``commandName`` (the class name unless set), and the merged
    maps of every error it and its bases declare (``allErrors``, ``reverseErrors``)."""

    def __new__(cls, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        if "commandName" not in attrs:
            attrs["commandName"] = name.encode("ascii")
        elif not isinstance(attrs["commandName"], bytes):
            raise TypeError(f"Command names must be byte strings, got: {attrs['commandName']!r}")
        for key, what in (("arguments", "Argument"), ("response", "Response")):
            for argName, _ in attrs.get(key, ()):
                if not isinstance(argName, bytes):
                    raise TypeError(f"{what} names must be byte strings, got: {argName!r}")
        for key, what in (("errors", "Error"), ("fatalErrors", "Fatal error")):
            if key in attrs:
                mapping = dict(attrs[key])
                for code in mapping.values():
                    if not isinstance(code, bytes):
                        raise TypeError(f"{what} names must be byte strings, got: {code!r}")
                attrs[key] = mapping
        new = super().__new__(cls, name, bases, attrs)
        allErrors: dict[type, bytes] = {}
        for klass in reversed(new.__mro__):
            allErrors.update(getattr(klass, "errors", {}) or {})
            allErrors.update(getattr(klass, "fatalErrors", {}) or {})
        new.allErrors = allErrors  # type: ignore[attr-defined]
        new.reverseErrors = {  # type: ignore[attr-defined]
            code: error for error, code in allErrors.items()
        }
        return new

    def responder(cls, methodfunc: _T_Callable) -> _T_Callable:
        """Declare ``methodfunc`` the responder to this command in the class (a
        ``CommandLocator``) whose body this is called in; returns it, so it decorates."""
        _CommandLocatorMeta._pending.append((cls, methodfunc))
        return methodfunc


class Command(metaclass=_CommandMeta):
    """Subclass to declare a command.

    ``arguments`` and ``response`` are lists of ``(name, Argument)``; ``errors`` maps the
    exceptions a responder may raise to their codes on the wire (a caller's Deferred fails
    with the same exception class); ``fatalErrors`` too, but they also close the
    connection. With ``requiresAnswer = False``, ``callRemote`` returns None.
    """

    arguments: ClassVar[list[tuple[bytes, Argument]]] = []
    response: ClassVar[list[tuple[bytes, Argument]]] = []
    extra: ClassVar[list[Any]] = []
    errors: ClassVar[dict[type[Exception], bytes]] = {}
    fatalErrors: ClassVar[dict[type[Exception], bytes]] = {}
    commandType: ClassVar[Callable[..., AmpBox]] = AmpBox
    responseType: ClassVar[Callable[..., AmpBox]] = AmpBox
    requiresAnswer: ClassVar[bool] = True
    commandName: ClassVar[bytes]
    allErrors: ClassVar[dict[type, bytes]]
    reverseErrors: ClassVar[dict[bytes, type]]

    def __init__(self, **kw: Any) -> None:
        self.structured = kw
        missing = [
            name
            for name, argument in self.arguments
            if not argument.optional and _wireNameToPythonIdentifier(name) not in kw
        ]
        if missing:
            names = ", ".join(_wireNameToPythonIdentifier(name) for name in missing)
            raise InvalidSignature(f"forgot {names} for {self.commandName!r}")

    @classmethod
    def makeResponse(cls, objects: Any, proto: Any) -> Any:
        """Encode a responder's result with the ``response`` schema."""
        try:
            responseType = cls.responseType
            box = responseType()
        except RemoteAmpError:
            raise
        return _objectsToStrings(objects, cls.response, box, proto)

    @classmethod
    def makeArguments(cls, objects: dict[str, Any], proto: Any) -> Any:
        """Encode keyword arguments with the ``arguments`` schema (``InvalidSignature``
        for a keyword the schema does not have)."""
        allowed = {_wireNameToPythonIdentifier(name) for name, _ in cls.arguments}
        for name in objects:
            if name not in allowed:
                raise InvalidSignature(f"{name} is not a valid argument")
        return _objectsToStrings(objects, cls.arguments, cls.commandType(), proto)

    @classmethod
    def parseResponse(cls, box: Any, protocol: Any) -> Any:
        """Decode an answer box with the ``response`` schema."""
        return _stringsToObjects(box, cls.response, protocol)

    @classmethod
    def parseArguments(cls, box: Any, protocol: Any) -> Any:
        """Decode a command box with the ``arguments`` schema."""
        return _stringsToObjects(box, cls.arguments, protocol)

    def _doCommand(self, proto: Any) -> Deferred[Any] | None:
        """Send this command through the dispatcher ``proto``."""
        box = self.makeArguments(self.structured, proto)
        d = proto._sendBoxCommand(self.commandName, box, self.requiresAnswer)
        if d is None:
            return None
        d.addCallback(self.parseResponse, proto)
        d.addErrback(self._massageError)
        return d  # type: ignore[no-any-return]

    def _massageError(self, error: Failure) -> Any:
        """Turn a remote error whose code this command declares into its exception."""
        error.trap(RemoteAmpError)
        code = error.value.errorCode
        description = error.value.description
        exception = self.reverseErrors.get(code)
        if exception is None:
            if isinstance(error.value, UnknownRemoteError):
                return error
            return Failure(UnknownRemoteError(description))
        return Failure(exception(description))


class ProtocolSwitchCommand(Command):
    """A command whose success hands the connection to another protocol on both sides.

    The caller passes the factory of its new protocol first; the responder returns the
    protocol that takes the connection on its side.
    """

    def __init__(self, _protoToSwitchToFactory: Any, **kw: Any) -> None:
        self.protoToSwitchToFactory = _protoToSwitchToFactory
        super().__init__(**kw)

    @classmethod
    def makeResponse(cls, innerProto: Any, proto: Any) -> Any:
        return _SwitchBox(innerProto)

    def _doCommand(self, proto: Any) -> Deferred[Any] | None:
        d = super()._doCommand(proto)
        proto._lockForSwitch()
        factory = self.protoToSwitchToFactory

        def switch(result: Any) -> Any:
            inner = factory.buildProtocol(proto.transport.getPeer())
            proto._switchTo(inner, factory)
            return result

        def refused(reason: Failure) -> Failure:
            proto._unlockFromSwitch()
            factory.clientConnectionFailed(None, Failure(CONNECTION_LOST))
            return reason

        assert d is not None
        return d.addCallbacks(switch, refused)


class StartTLS(Command):
    """Start TLS on the connection once the peer answers.

    ``tls_localCertificate`` (a ``PrivateCertificate``) and ``tls_verifyAuthorities`` (a
    list of ``Certificate``) are this side's, never sent; the responder returns the same
    keys for its side. Data sent meanwhile waits for TLS.
    """

    # Both sides name their own certificate and authorities; neither is sent.
    arguments = [(key, _LocalArgument(optional=True)) for key in _TLS_KEYS]
    response = [(key, _LocalArgument(optional=True)) for key in _TLS_KEYS]
    responseType = _TLSBox

    def __init__(
        self, *, tls_localCertificate: Any = None, tls_verifyAuthorities: Any = None, **kw: Any
    ) -> None:
        self.certificate = tls_localCertificate or _NoCertificate(True)
        self.authorities = tls_verifyAuthorities
        super().__init__(**kw)

    @classmethod
    def parseArguments(cls, box: Any, protocol: Any) -> Any:
        if ssl is None:
            raise RemoteAmpError(b"TLS_ERROR", "TLS not available")
        return super().parseArguments(box, protocol)

    def _doCommand(self, proto: Any) -> Deferred[Any] | None:
        if ssl is None:
            return fail(RuntimeError("TLS not available"))
        if getattr(proto, "hostCertificate", None) is not None:
            proto._refuseSecondTLS(self.certificate, self.authorities)  # before sending
        d = super()._doCommand(proto)
        proto._prepareTLS(self.certificate, self.authorities)
        assert d is not None

        def start(response: Any) -> Any:
            proto._startTLS(self.certificate, self.authorities)
            return response

        return d.addCallback(start)


class _NoCertificate:
    """The certificate of a side that presents none."""

    def __init__(self, client: bool) -> None:
        self.client = client

    def options(self, *authorities: Any) -> Any:
        """TLS options presenting no certificate of the application's, verifying the peer
        against ``authorities`` if any.

        A TLS server must present some certificate, so the server side presents a
        throwaway self-signed one (made once per process; making it needs the ``tls``
        extra), as Twisted's does: the connection is encrypted, but not authenticated.
        """
        if not self.client:
            return _throwaway_certificate().options(*authorities)
        if authorities:
            return ssl.CertificateOptions(verify=True, caCerts=list(authorities))
        return ssl.CertificateOptions()


_throwaway: list[Any] = []


def _throwaway_certificate() -> Any:
    if not _throwaway:
        key = ssl.KeyPair.generate()
        _throwaway.append(key.selfSignedCert(1, commonName="TEMPORARY CERTIFICATE"))
    return _throwaway[0]


# -- locating responders ---------------------------------------------------------------------


class _CommandLocatorMeta(type):
    """Collects the ``Command.responder`` declarations made in a class body into the
    class's ``_commandDispatch`` (name -> (command, function)), after those it inherits."""

    _pending: ClassVar[list[tuple[Any, Callable[..., Any]]]] = []

    def __new__(cls, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        declared = list(_CommandLocatorMeta._pending)
        del _CommandLocatorMeta._pending[:]
        new = super().__new__(cls, name, bases, attrs)
        dispatch: dict[bytes, tuple[Any, Callable[..., Any]]] = {}
        for klass in reversed(new.__mro__[1:]):
            dispatch.update(klass.__dict__.get("_commandDispatch", {}))
        for command, function in declared:
            dispatch[command.commandName] = (command, function)
        new._commandDispatch = dispatch  # type: ignore[attr-defined]
        return new


@implementer(IResponderLocator)
class CommandLocator(metaclass=_CommandLocatorMeta):
    """Finds responders declared with ``Command.responder`` in the class body, and wraps
    them to decode their arguments and encode their result."""

    _commandDispatch: ClassVar[dict[bytes, tuple[Any, Callable[..., Any]]]]

    def _wrapWithSerialization(self, aCallable: Callable[..., Any], command: Any) -> Any:
        """A box-taking responder around ``aCallable`` for ``command``."""

        def known(error: Failure) -> Failure:
            key = error.trap(*command.allErrors)
            return Failure(
                RemoteAmpError(
                    command.allErrors[key],
                    str(error.value),
                    key in command.fatalErrors,
                    local=error,
                )
            )

        def encode(objects: Any) -> Any:
            try:
                return command.makeResponse(objects, self)
            except RemoteAmpError:
                raise
            except Exception as e:
                raise BadLocalReturn(
                    f"{aCallable!r} returned {objects!r} and {command!r} could not serialize it",
                    Failure(),
                ) from e

        def respond(box: AmpBox) -> Deferred[Any]:
            def call() -> Any:
                return aCallable(**command.parseArguments(box, self))

            d = maybeDeferred(call)
            d.addCallback(encode)
            d.addErrback(known)
            return d

        return respond

    def lookupFunction(self, name: bytes) -> Any:
        """Deprecated: ``locateResponder``."""
        if not self._overridesLookupFunction():  # an override's upcall is not warned about
            warnings.warn(
                "Call locateResponder, not lookupFunction.",
                category=PendingDeprecationWarning,
                stacklevel=2,
            )
        return self._locate(name)

    def _overridesLookupFunction(self) -> bool:
        return type(self).lookupFunction is not CommandLocator.lookupFunction

    def _overriddenLookup(self, name: bytes) -> Any:
        """The answer of a ``lookupFunction`` override, with the warning (blamed on the
        caller of ``locateResponder``)."""
        warnings.warn(
            "Override locateResponder, not lookupFunction.",
            category=PendingDeprecationWarning,
            stacklevel=3,
        )
        return self.lookupFunction(name)

    def locateResponder(self, name: bytes) -> Any:
        """The wrapped responder of the command ``name``, or None (a subclass overriding
        the old name ``lookupFunction`` is still obeyed, with a warning)."""
        if self._overridesLookupFunction():
            return self._overriddenLookup(name)
        return self._locate(name)

    def _locate(self, name: bytes) -> Any:
        found = self._commandDispatch.get(name)
        if found is None:
            return None
        command, function = found
        return self._wrapWithSerialization(MethodType(function, self), command)


@implementer(IResponderLocator)
class SimpleStringLocator:
    """Finds the method ``amp_<NAME>`` for the command ``name`` (upper-cased); it takes
    the box and returns a box."""

    baseDispatchPrefix = b"amp_"

    def locateResponder(self, name: bytes) -> Any:
        method = (self.baseDispatchPrefix + name.upper()).decode("ascii", "replace")
        return getattr(self, method, None)


# -- dispatching -----------------------------------------------------------------------------


def _errorReply(reason: Failure, tag: bytes) -> AmpBox:
    """The error box answering the question ``tag`` for ``reason``.

    A ``RemoteAmpError`` (a declared error, or AMP's own) is reported with its code, and
    closes the connection after if fatal; anything else is logged here, reported as
    ``UNKNOWN`` without its details, and closes the connection.
    """
    error = reason.value
    if isinstance(error, RemoteAmpError):
        text = error.description
        fields = (
            _as_key(error.errorCode),
            text.encode("utf-8", "replace") if isinstance(text, str) else text,
        )
        errorBox: AmpBox = QuitBox() if error.fatal else AmpBox()
    else:
        _log.failure("Unhandled error in an AMP responder", reason)
        fields = (UNKNOWN_ERROR_CODE, b"Unknown Error")
        errorBox = QuitBox()
    errorBox[ERROR] = tag
    errorBox[ERROR_CODE], errorBox[ERROR_DESCRIPTION] = fields
    return errorBox


@implementer(IBoxReceiver)
class BoxDispatcher:
    """Sends commands and matches their answers; hands received commands to ``locator``.

    Tags of questions are a counter in hex, as Twisted's.
    """

    _failAllReason: Failure | None = None
    _outstandingRequests: dict[bytes, Deferred[Any]] | None = None
    _counter = 0
    boxSender: Any = None

    def __init__(self, locator: Any) -> None:
        self._outstandingRequests = {}
        self.locator = locator

    def startReceivingBoxes(self, boxSender: Any) -> None:
        """Answers and commands go to ``boxSender`` from now on."""
        self.boxSender = boxSender

    def stopReceivingBoxes(self, reason: Failure) -> None:
        """Fail every question still unanswered with ``reason``."""
        self.failAllOutgoing(reason)

    def failAllOutgoing(self, reason: Failure) -> None:
        """Fail every question still unanswered (and every later one) with ``reason``."""
        outstanding = self._outstandingRequests or {}
        self._outstandingRequests = None
        self._failAllReason = reason
        for d in outstanding.values():
            d.errback(reason)

    def _nextTag(self) -> bytes:
        self._counter += 1
        return b"%x" % (self._counter,)

    def _sendBoxCommand(
        self, command: bytes, box: AmpBox, requiresAnswer: bool = True
    ) -> Deferred[Any] | None:
        """Send ``box`` as the command ``command``; the Deferred of its answer box."""
        reason = self._failAllReason
        if reason is not None:
            return fail(reason) if requiresAnswer else None
        box[COMMAND] = command
        tag = self._nextTag()
        if not requiresAnswer:
            box._sendTo(self.boxSender)
            return None
        box[ASK] = tag
        waiting: Deferred[Any] = Deferred()
        outstanding = self._outstandingRequests
        assert outstanding is not None
        # Waiting before the box leaves: a transport that delivers at once (a pipe in the
        # same process) may bring the answer back before _sendTo returns.
        outstanding[tag] = waiting
        try:
            box._sendTo(self.boxSender)
        except BaseException:
            outstanding.pop(tag, None)
            raise
        return waiting

    def callRemoteString(
        self, command: bytes, requiresAnswer: bool = True, **kw: Any
    ) -> Deferred[Any] | None:
        """Send the command ``command`` with the byte arguments ``kw``; the Deferred of
        the answer box (None without ``requiresAnswer``)."""
        return self._sendBoxCommand(command, AmpBox(**kw), requiresAnswer)

    def callRemote(self, commandType: Any, *a: Any, **kw: Any) -> Any:
        """Send ``commandType`` with the arguments ``kw``; a Deferred of the decoded
        response (None for a command that requires no answer)."""
        return commandType(*a, **kw)._doCommand(self)

    def unhandledError(self, failure: Failure) -> None:
        """The last errback: pass the failure to the box sender."""
        self.boxSender.unhandledError(failure)

    def _question(self, tag: bytes) -> Deferred[Any]:
        """The Deferred waiting for the reply tagged ``tag`` (taken out of the table);
        whatever its callbacks leave unhandled ends in ``unhandledError``."""
        assert self._outstandingRequests is not None
        waiting = self._outstandingRequests.pop(tag)
        waiting.addErrback(self.unhandledError)
        return waiting

    def _answerReceived(self, box: AmpBox) -> None:
        self._question(box[ANSWER]).callback(box)

    def _errorReceived(self, box: AmpBox) -> None:
        waiting = self._question(box[ERROR])
        code = box[ERROR_CODE]
        text = box[ERROR_DESCRIPTION].decode("utf-8", "replace")
        kind: Any = PROTOCOL_ERRORS.get(code, RemoteAmpError)
        waiting.errback(Failure(kind(code, text)))

    def _commandReceived(self, box: AmpBox) -> None:
        tag = box.get(ASK, b"")

        def reply(result: Any) -> Any:
            if isinstance(result, Failure):
                return _errorReply(result, tag)
            result[ANSWER] = tag
            return result

        d = self.dispatchCommand(box)
        if ASK in box:  # a command that wants no answer gets none, not even an error
            d.addBoth(reply)
            d.addCallback(self._safeEmit)
        d.addErrback(self.unhandledError)

    def ampBoxReceived(self, box: AmpBox) -> None:
        """Dispatch ``box``: an answer, an error or a command (else ``NoEmptyBoxes``)."""
        for key, handler in (
            (ANSWER, self._answerReceived),
            (ERROR, self._errorReceived),
            (COMMAND, self._commandReceived),
        ):
            if key in box:
                handler(box)
                return
        raise NoEmptyBoxes(box)

    def _safeEmit(self, aBox: AmpBox) -> None:
        """Send ``aBox``, unless the connection is gone or switched (the reply then has
        nobody to go to, which is no error)."""
        with contextlib.suppress(ProtocolSwitched, ConnectionLost):
            aBox._sendTo(self.boxSender)

    def dispatchCommand(self, box: AmpBox) -> Deferred[Any]:
        """Call the responder of ``box``'s command; a Deferred of the answer box."""
        command = box[COMMAND]
        responder = self.locator.locateResponder(command)
        if responder is None:
            try:
                raise UnhandledCommand()
            except UnhandledCommand:
                local = Failure()
            return fail(
                RemoteAmpError(
                    UNHANDLED_ERROR_CODE, f"Unhandled Command: {command!r}", False, local=local
                )
            )
        return maybeDeferred(responder, box)


# -- the wire --------------------------------------------------------------------------------


class _DescriptorExchanger:
    """File descriptors for ``Descriptor`` arguments, sent and received over a UNIX
    socket: each is matched with its argument by an ordinal counted on both sides."""

    transport: Any

    def __init__(self) -> None:
        self._descriptors: dict[int, int] = {}
        self._getDescriptor = self._descriptors.pop
        self._sendingDescriptorCounter = count()
        self._receivingDescriptorCounter = count()

    def _sendFileDescriptor(self, descriptor: int) -> int:
        """Send ``descriptor``; its ordinal."""
        self.transport.sendFileDescriptor(descriptor)
        return next(self._sendingDescriptorCounter)

    def fileDescriptorReceived(self, descriptor: int) -> None:
        """Keep ``descriptor`` until a ``Descriptor`` argument claims it."""
        self._descriptors[next(self._receivingDescriptorCounter)] = descriptor


@implementer(IBoxSender, IFileDescriptorReceiver)
class BinaryBoxProtocol(StatefulStringProtocol, Int16StringReceiver, _DescriptorExchanger):
    """Reads and writes boxes on a connection; boxes received go to ``boxReceiver``.

    The connection can be handed to another protocol (``_switchTo``), or switched to TLS.
    """

    _justStartedTLS = False
    _startingTLSBuffer: list[AmpBox] | None = None
    _locked = False
    _currentKey: bytes | None = None
    _currentBox: AmpBox | None = None
    _keyLengthLimitExceeded = False
    hostCertificate: Any = None
    noPeerCertificate = False
    innerProtocol: Any = None
    innerProtocolClientFactory: Any = None
    _MAX_KEY_LENGTH = MAX_KEY_LENGTH
    _MAX_VALUE_LENGTH = MAX_VALUE_LENGTH
    MAX_LENGTH = MAX_KEY_LENGTH

    def __init__(self, boxReceiver: Any) -> None:
        _DescriptorExchanger.__init__(self)
        self.boxReceiver = boxReceiver

    def _switchTo(self, newProto: Any, clientFactory: Any = None) -> None:
        """Hand the connection (and the bytes received after the last box) to
        ``newProto``; ``clientFactory`` hears when that connection is lost."""
        pending, self.recvd = self.recvd, b""
        self._locked = True  # no box may follow the switch
        self.innerProtocol, self.innerProtocolClientFactory = newProto, clientFactory
        newProto.makeConnection(self.transport)
        if pending:
            newProto.dataReceived(pending)

    def sendBox(self, box: AmpBox) -> None:
        """Write ``box`` (held while TLS is being set up); ``ProtocolSwitched`` or
        ``ConnectionLost`` when that is no longer possible."""
        if self._locked:
            raise ProtocolSwitched("This connection has switched: no AMP traffic allowed.")
        transport = self.transport
        if transport is None:
            raise ConnectionLost()
        held = self._startingTLSBuffer
        if held is None:
            transport.write(box.serialize())
        else:
            held.append(box)

    def makeConnection(self, transport: Any) -> None:
        """Start the box receiver (which may already send), then connect."""
        self.transport = transport
        self.boxReceiver.startReceivingBoxes(self)
        super().makeConnection(transport)

    def dataReceived(self, data: bytes) -> None:
        """Boxes, or the inner protocol's data once switched."""
        self._justStartedTLS = False  # the peer got this far: it accepted the handshake
        inner = self.innerProtocol
        if inner is None:
            Int16StringReceiver.dataReceived(self, data)
        else:
            inner.dataReceived(data)

    def _lossReason(self, reason: Failure) -> Failure:
        """What the box receiver is told the connection was lost for."""
        if self._keyLengthLimitExceeded:
            return Failure(TooLong(True, False, None, None))
        if self._justStartedTLS and reason.check(ConnectionClosed):
            # Closed before a byte came back over TLS: the peer refused the handshake.
            return Failure(PeerVerifyError("Peer rejected our certificate for an unknown reason."))
        return reason

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        """Tell the inner protocol (and its factory), then the box receiver."""
        inner, factory = self.innerProtocol, self.innerProtocolClientFactory
        if inner is not None:
            inner.connectionLost(reason)
            if factory is not None:
                factory.clientConnectionLost(None, reason)
        self.boxReceiver.stopReceivingBoxes(self._lossReason(reason))

    # The parser's states (``StatefulStringProtocol``): "init" before a box's first key,
    # "key" before any other key, "value" after a key. ``MAX_LENGTH`` is the limit of the
    # string expected next: a key's, or a value's.

    def proto_init(self, string: bytes) -> str:
        """The first key of a box."""
        self._currentBox = AmpBox()
        return self.proto_key(string)

    def proto_key(self, string: bytes) -> str:
        """A key, or the empty key that ends the box."""
        if not string:
            finished, self._currentBox = self._currentBox, None
            self.boxReceiver.ampBoxReceived(finished)
            return "init"
        self._currentKey, self.MAX_LENGTH = string, self._MAX_VALUE_LENGTH
        return "value"

    def proto_value(self, string: bytes) -> str:
        """The value of the current key."""
        box, key = self._currentBox, self._currentKey
        assert box is not None and key is not None
        box[key] = string
        self._currentKey, self.MAX_LENGTH = None, self._MAX_KEY_LENGTH
        return "key"

    def lengthLimitExceeded(self, length: int) -> None:
        """A key over 255 bytes: drop the connection (its loss reports ``TooLong``)."""
        self._keyLengthLimitExceeded = True
        self.transport.loseConnection()

    def _lockForSwitch(self) -> None:
        """No more boxes may be sent: a protocol switch is pending."""
        if self._locked:
            raise ProtocolSwitched("Tried to switch twice")
        self._locked = True

    def _unlockFromSwitch(self) -> None:
        """The pending switch was refused: boxes may be sent again."""
        if self.innerProtocol is None:
            self._locked = False
        else:
            raise ProtocolSwitched("Protocol already switched.  Cannot unlock.")

    def _prepareTLS(self, certificate: Any, verifyAuthorities: Any) -> None:
        """Hold the boxes sent from now until TLS is started."""
        self._refuseSecondTLS(certificate, verifyAuthorities)
        self._startingTLSBuffer = []

    def _refuseSecondTLS(self, certificate: Any, verifyAuthorities: Any) -> None:
        """``OnlyOneTLS`` if TLS was started already."""
        previous = self.hostCertificate
        if previous is not None:
            raise OnlyOneTLS(
                "Previously authenticated connection between "
                f"{previous} and {self.peerCertificate} is trying to "
                f"re-establish as {certificate} and {verifyAuthorities}"
            )

    def _startTLS(self, certificate: Any, verifyAuthorities: Any) -> None:
        """Start TLS with ``certificate``'s options, then send the boxes held."""
        self.hostCertificate = certificate
        self._justStartedTLS = True
        self.transport.startTLS(certificate.options(*(verifyAuthorities or ())))
        # Boxes queued while the handshake was being asked for go out now, over TLS.
        held, self._startingTLSBuffer = self._startingTLSBuffer or [], None
        for box in held:
            self.sendBox(box)

    @property
    def peerCertificate(self) -> Any:
        """The peer's certificate (None when ``noPeerCertificate``)."""
        if self.noPeerCertificate:
            return None
        return ssl.Certificate.peerFromTransport(self.transport)

    def unhandledError(self, failure: Failure) -> None:
        """An error no code handled: log it and drop the connection."""
        _log.failure(
            "AMP: an error reached no errback (add errbacks to every callRemote); "
            "closing the connection",
            failure,
        )
        transport = self.transport
        if transport is not None:
            transport.loseConnection()

    def _defaultStartTLSResponder(self) -> dict[str, Any]:
        """Answer ``StartTLS`` with no certificate."""
        return {}


class AMP(BinaryBoxProtocol, BoxDispatcher, CommandLocator, SimpleStringLocator):
    """An AMP connection: sends commands with ``callRemote`` and answers them with the
    responders its class declares (``Command.responder``) or ``amp_<NAME>`` methods."""

    StartTLS.responder(BinaryBoxProtocol._defaultStartTLSResponder)

    _ampInitialized = False
    _transportPeer: Any = None
    _transportHost: Any = None

    def __init__(self, boxReceiver: Any = None, locator: Any = None) -> None:
        """By default the connection receives its own boxes and locates its own
        responders; either role can be given to another object."""
        BinaryBoxProtocol.__init__(self, self if boxReceiver is None else boxReceiver)
        BoxDispatcher.__init__(self, self if locator is None else locator)
        self._ampInitialized = True

    def locateResponder(self, name: bytes) -> Any:
        """A ``Command.responder`` first, else an ``amp_<NAME>`` method."""
        if self._overridesLookupFunction():
            found = self._overriddenLookup(name)
        else:
            found = self._locate(name)
        if found is not None:
            return found
        return SimpleStringLocator.locateResponder(self, name)

    def __repr__(self) -> str:
        inner = f" inner {self.innerProtocol!r}" if self.innerProtocol is not None else ""
        peer = f" at {self._transportPeer!r}" if self._transportPeer is not None else ""
        return f"<{type(self).__name__}{inner}{peer} at 0x{id(self):x}>"

    def _logEndpoints(self, what: str) -> None:
        _log.debug(
            "{name} connection {what} (HOST:{host} PEER:{peer})",
            name=type(self).__name__,
            what=what,
            host=self._transportHost,
            peer=self._transportPeer,
        )

    def makeConnection(self, transport: Any) -> None:
        """Connect (initialising first if a subclass's ``__init__`` did not)."""
        if not self._ampInitialized:
            AMP.__init__(self)
        self._transportHost, self._transportPeer = transport.getHost(), transport.getPeer()
        self._logEndpoints("established")
        BinaryBoxProtocol.makeConnection(self, transport)

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        """Fail what is outstanding, and forget the transport."""
        self._logEndpoints("lost")
        try:
            BinaryBoxProtocol.connectionLost(self, reason)
        finally:
            self.transport = None


# -- parsing stored AMP data -----------------------------------------------------------------


class _ParserHelper:
    """A box receiver (and fake transport) that keeps every box a parser gives it."""

    disconnecting = False

    def __init__(self) -> None:
        self.boxes: list[AmpBox] = []

    def getPeer(self) -> str:
        return "string"

    def getHost(self) -> str:
        return "string"

    def write(self, data: bytes) -> None:
        pass

    def loseConnection(self) -> None:
        self.disconnecting = True

    def startReceivingBoxes(self, sender: Any) -> None:
        pass

    def ampBoxReceived(self, box: AmpBox) -> None:
        self.boxes.append(box)

    def stopReceivingBoxes(self, reason: Failure) -> None:
        pass

    @classmethod
    def parse(cls, fileObj: IO[bytes]) -> list[AmpBox]:
        """Every box in the AMP data read from ``fileObj``."""
        helper = cls()
        protocol = BinaryBoxProtocol(helper)
        protocol.makeConnection(helper)
        protocol.dataReceived(fileObj.read())
        return helper.boxes

    @classmethod
    def parseString(cls, data: bytes) -> list[AmpBox]:
        """Every box in the AMP data ``data``."""
        return cls.parse(BytesIO(data))


#: Every box in AMP data read from a file (``parse``) or held in bytes (``parseString``).
parse, parseString = _ParserHelper.parse, _ParserHelper.parseString
