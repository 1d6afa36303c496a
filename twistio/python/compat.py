"""Python 2/3 compatibility names that Twisted code still imports (``twisted.python.compat``).

Not to be confused with ``twistio.compat``, the opt-in ``twisted`` import alias.
The obsolete aliases (``unicode``, ``xrange``, ``NativeStringIO``...) exist and warn when
imported, as in Twisted.
"""

from __future__ import annotations

import codecs
import functools
import html
import http.cookiejar
import inspect
import io
import os
import platform
import sys
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from types import FrameType, TracebackType
from typing import Any, AnyStr, NoReturn

from twistio.python.deprecate import deprecatedModuleAttribute
from twistio.python.versions import Version

__all__ = [
    "FileType",
    "InstanceType",
    "NativeStringIO",
    "Sequence",
    "StringType",
    "bytesEnviron",
    "cmp",
    "comparable",
    "cookielib",
    "escape",
    "execfile",
    "frozenset",
    "intToBytes",
    "intern",
    "items",
    "iterbytes",
    "iteritems",
    "itervalues",
    "lazyByteSlice",
    "nativeString",
    "networkString",
    "range",
    "raw_input",
    "reduce",
    "reraise",
    "set",
    "unichr",
    "unicode",
    "urllib_parse",
    "urlquote",
    "urlunquote",
    "xrange",
]

#: Whether this is PyPy.
_PYPY = platform.python_implementation() == "PyPy"


def currentframe(n: int = 0) -> FrameType:
    """The frame ``n`` levels above the caller's (0: the caller's own frame)."""
    frame = inspect.currentframe()
    for _ in range(n + 1):
        if frame is None:
            break
        frame = frame.f_back
    if frame is None:
        raise ValueError(f"call stack is not {n + 1} frames deep")
    return frame


def execfile(
    filename: str | bytes | os.PathLike[Any],
    globals: dict[str, Any],
    locals: Mapping[str, Any] | None = None,
) -> None:
    """Run the Python file ``filename`` in ``globals`` (and ``locals``)."""
    if locals is None:
        locals = globals
    with open(filename, "rb") as source:
        code = compile(source.read(), filename, "exec")
    exec(code, globals, locals)


def cmp(a: object, b: object) -> int:
    """-1, 0 or 1 as ``a`` is less than, equal to or greater than ``b``."""
    if a < b:  # type: ignore[operator]
        return -1
    if a == b:
        return 0
    return 1


def comparable(klass: type) -> type:
    """Class decorator: derive the rich comparisons from the class's ``__cmp__``."""

    def make(test: Any) -> Any:
        def compare(self: Any, other: Any) -> Any:
            result = self.__cmp__(other)
            if result is NotImplemented:
                return result
            return test(result)

        return compare

    klass.__eq__ = make(lambda c: c == 0)  # type: ignore[method-assign]
    klass.__ne__ = make(lambda c: c != 0)  # type: ignore[method-assign]
    klass.__lt__ = make(lambda c: c < 0)  # type: ignore[operator]
    klass.__le__ = make(lambda c: c <= 0)  # type: ignore[operator]
    klass.__gt__ = make(lambda c: c > 0)  # type: ignore[operator]
    klass.__ge__ = make(lambda c: c >= 0)  # type: ignore[operator]
    return klass


def ioType(fileIshObject: object, default: type = str) -> type:
    """Whether a file-like object takes ``str`` or ``bytes`` (``default`` when unknown)."""
    if isinstance(fileIshObject, io.TextIOBase):
        return str
    if isinstance(fileIshObject, (io.RawIOBase, io.BufferedIOBase)):
        return bytes
    if isinstance(fileIshObject, codecs.StreamReaderWriter):
        return str
    encoding = getattr(fileIshObject, "encoding", None)
    if isinstance(fileIshObject, (codecs.StreamWriter, codecs.StreamReader)):
        return bytes
    if encoding is not None and not isinstance(fileIshObject, (bytes, str)):
        return str
    mode = getattr(fileIshObject, "mode", None)
    if isinstance(mode, str):
        return bytes if "b" in mode else str
    return default


def nativeString(s: AnyStr) -> str:
    """``s`` as ``str``, requiring it to be ASCII (``UnicodeError`` otherwise)."""
    if not isinstance(s, (bytes, str)):
        raise TypeError(f"{s!r} is neither bytes nor str")
    if isinstance(s, bytes):
        return s.decode("ascii")
    s.encode("ascii")
    return s


def networkString(s: str) -> bytes:
    """An ASCII ``str`` as ``bytes`` (``TypeError`` for non-``str``)."""
    if not isinstance(s, str):
        raise TypeError("Can only convert strings to bytes")
    return s.encode("ascii")


def iterbytes(originalBytes: bytes) -> Iterator[bytes]:
    """The bytes of ``originalBytes``, each as a one-byte ``bytes``."""
    for index in range(len(originalBytes)):
        yield originalBytes[index : index + 1]


def intToBytes(i: int) -> bytes:
    """The decimal ASCII digits of ``i``: ``intToBytes(42) == b"42"``."""
    return b"%d" % i


def lazyByteSlice(object: bytes, offset: int = 0, size: int | None = None) -> memoryview:
    """A zero-copy slice of ``object``: ``size`` bytes from ``offset`` (all if None)."""
    view = memoryview(object)
    if size is None:
        return view[offset:]
    return view[offset : offset + size]


def iteritems(d: Mapping[Any, Any]) -> Any:
    """``d.items()``."""
    return d.items()


def itervalues(d: Mapping[Any, Any]) -> Any:
    """``d.values()``."""
    return d.values()


def items(d: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    """``list(d.items())``."""
    return list(d.items())


def bytesEnviron() -> dict[bytes, bytes]:
    """``os.environ`` with ``bytes`` keys and values."""
    return (
        dict(os.environb)
        if hasattr(os, "environb")
        else {os.fsencode(key): os.fsencode(value) for key, value in os.environ.items()}
    )


def reraise(exception: BaseException, traceback: TracebackType | None) -> NoReturn:
    """Raise ``exception`` with ``traceback``."""
    raise exception.with_traceback(traceback)


reduce = functools.reduce
intern = sys.intern
unichr = chr
raw_input = input

unicode = str
long = int
StringType = str
InstanceType = object
FileType = io.IOBase
NativeStringIO = io.StringIO
xrange = range
range = range
izip = zip
set = set
frozenset = frozenset
escape = html.escape
urlquote = urllib.parse.quote
urlunquote = urllib.parse.unquote
urllib_parse = urllib.parse
cookielib = http.cookiejar

_V21_2 = Version("Twisted", 21, 2, 0)
for _name, _text in (
    ("FileType", "Obsolete alias for io.IOBase"),
    ("InstanceType", "Old-style classes don't exist in Python 3"),
    ("NativeStringIO", "Use io.StringIO directly"),
    ("Sequence", "Use collections.abc.Sequence directly"),
    ("StringType", "Obsolete alias for str builtin type"),
    ("cookielib", "Use http.cookiejar directly"),
    ("escape", "Use html.escape directly"),
    ("frozenset", "Obsolete alias for frozenset builtin type"),
    ("intern", "Use sys.intern() directly"),
    ("izip", "Obsolete alias for zip() builtin"),
    ("long", "Obsolete alias for int builtin type"),
    ("range", "Obsolete alias for range() builtin"),
    ("raw_input", "Obsolete alias for input() builtin"),
    ("reduce", "Use functools.reduce() directly"),
    ("set", "Obsolete alias for set builtin type"),
    ("unichr", "Obsolete alias for chr() builtin"),
    ("unicode", "Obsolete alias for str builtin type"),
    ("urllib_parse", "Import urllib.parse directly"),
    ("urlquote", "Use urllib.parse.quote() directly"),
    ("urlunquote", "Use urllib.parse.unquote() directly"),
    ("xrange", "Obsolete alias for range() builtin"),
):
    deprecatedModuleAttribute(_V21_2, _text, __name__, _name)
del _name, _text
