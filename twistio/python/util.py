"""Miscellaneous helpers with Twisted's ``twisted.python.util`` names."""

from __future__ import annotations

import contextlib
import errno
import getpass
import os
import sys
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, AnyStr, ClassVar, TypeVar

from twistio.python import _spelling
from twistio.python.deprecate import deprecatedModuleAttribute
from twistio.python.versions import Version

try:
    import grp
    import pwd
except ImportError:  # pragma: no cover - Windows
    grp = None  # type: ignore[assignment]
    pwd = None  # type: ignore[assignment]

_grp = grp
_pwd = pwd
_getpass = getpass.getpass
_initgroups = getattr(os, "initgroups", None)
_getgroups = getattr(os, "getgroups", None)
_setgroups = getattr(os, "setgroups", None)
getgroups = _getgroups
setgroups = _setgroups

__all__ = [
    "FancyEqMixin",
    "FancyStrMixin",
    "InsensitiveDict",
    "IntervalDifferential",
    "LineLog",
    "OrderedDict",
    "addPluginDir",
    "getPassword",
    "getPluginDirs",
    "gidFromString",
    "makeStatBar",
    "mergeFunctionMetadata",
    "nameToLabel",
    "padTo",
    "println",
    "raises",
    "runAsEffectiveUser",
    "runWithWarningsSuppressed",
    "searchupwards",
    "sibpath",
    "spewer",
    "switchUID",
    "uidFromString",
    "uniquify",
    "untilConcludes",
]

_T = TypeVar("_T")

deprecatedModuleAttribute(
    Version("Twisted", 15, 5, 0), "Use collections.OrderedDict instead.", __name__, "OrderedDict"
)


_Storage = dict[Any, tuple[Any, Any]]


class InsensitiveDict(MutableMapping[Any, Any]):
    """A dictionary whose string keys match case-insensitively.

    With ``preserve`` true (the default) the key's case as last set is kept for ``keys()``;
    otherwise string keys are stored lower-cased.
    """

    def __init__(self, dict: Mapping[Any, Any] | None = None, preserve: int = 1) -> None:
        self.data: _Storage = {}
        self.preserve = preserve
        if dict:
            self.update(dict)

    @staticmethod
    def _lowerOrReturn(key: Any) -> Any:
        return key.lower() if isinstance(key, (str, bytes)) else key

    def _doPreserve(self, key: Any) -> Any:
        if not self.preserve and isinstance(key, (str, bytes)):
            return key.lower()
        return key

    def __getitem__(self, key: Any) -> Any:
        return self.data[self._lowerOrReturn(key)][1]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.data[self._lowerOrReturn(key)] = (self._doPreserve(key), value)

    def __delitem__(self, key: Any) -> None:
        del self.data[self._lowerOrReturn(key)]

    def __contains__(self, key: object) -> bool:
        return self._lowerOrReturn(key) in self.data

    def __iter__(self) -> Iterator[Any]:
        for key, _ in self.data.values():
            yield key

    def __len__(self) -> int:
        return len(self.data)

    def has_key(self, key: Any) -> bool:
        """Whether ``key`` is present."""
        return key in self

    def keys(self) -> list[Any]:  # type: ignore[override]
        """The keys, in their preserved case."""
        return list(self)

    def values(self) -> list[Any]:  # type: ignore[override]
        """The values."""
        return [value for _, value in self.data.values()]

    def items(self) -> list[tuple[Any, Any]]:  # type: ignore[override]
        """``(key, value)`` pairs."""
        return list(self.data.values())

    def iterkeys(self) -> Iterator[Any]:
        """An iterator over the keys."""
        return iter(self)

    def itervalues(self) -> Iterator[Any]:
        """An iterator over the values."""
        return iter(self.values())

    def iteritems(self) -> Iterator[tuple[Any, Any]]:
        """An iterator over ``(key, value)`` pairs."""
        return iter(self.items())

    def get(self, key: Any, default: Any = None) -> Any:
        """The value for ``key``, or ``default``."""
        entry = self.data.get(self._lowerOrReturn(key))
        return default if entry is None else entry[1]

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """The value for ``key``, first setting it to ``default`` if absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Remove every key."""
        self.data.clear()

    def copy(self) -> InsensitiveDict:
        """A shallow copy, with the same ``preserve`` setting."""
        return InsensitiveDict(dict(self.items()), self.preserve)

    def __repr__(self) -> str:
        return f"InsensitiveDict({dict(self.items())!r})"


def uniquify(lst: Iterable[_T]) -> list[_T]:
    """The items of ``lst`` without repeats, in first-seen order."""
    return list(dict.fromkeys(lst))  # a dict keeps its keys in insertion order


def padTo(n: int, seq: Sequence[_T], default: Any = None) -> list[Any]:
    """``seq`` as a list padded with ``default`` to length ``n`` (ValueError if longer)."""
    if len(seq) > n:
        raise ValueError(f"{len(seq)} elements is more than {n}.")
    return list(seq) + [default] * (n - len(seq))


def getPluginDirs() -> list[str]:
    """The ``plugins`` folder beside twistio's package directory, if it exists (deprecated)."""
    warnings.warn(
        "twisted.python.util.getPluginDirs is deprecated since Twisted 12.2.",
        DeprecationWarning,
        stacklevel=2,
    )
    import twistio

    system = os.path.dirname(os.path.dirname(os.path.abspath(twistio.__file__)))
    return [d for d in [os.path.join(system, "plugins")] if os.path.isdir(d)]


def addPluginDir() -> None:
    """Append ``getPluginDirs()`` to ``sys.path`` (deprecated)."""
    warnings.warn(
        "twisted.python.util.addPluginDir is deprecated since Twisted 12.2.",
        DeprecationWarning,
        stacklevel=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sys.path.extend(getPluginDirs())


def sibpath(path: os.PathLike[AnyStr] | AnyStr, sibling: os.PathLike[AnyStr] | AnyStr) -> AnyStr:
    """The path of ``sibling`` in the directory that contains ``path``."""
    return os.path.join(os.path.dirname(os.path.abspath(path)), sibling)


def getPassword(
    prompt: str = "Password: ",
    confirm: int = 0,
    forceTTY: int = 0,
    confirmPrompt: str = "Confirm password: ",
    mismatchMessage: str = "Passwords don't match.",
) -> str:
    """Ask for a password on the terminal (without echo), or read a line from a non-TTY stdin.

    With ``confirm``, ask twice until both answers match. With ``forceTTY``, use the
    controlling terminal even when stdin and stdout are redirected.
    """
    isatty = hasattr(sys.stdin, "isatty") and sys.stdin.isatty()
    old = None
    try:
        if not isatty:
            if not forceTTY:
                line = sys.stdin.readline()
                return line[:-1] if line.endswith("\n") else line
            old = sys.stdin, sys.stdout
            sys.stdin = sys.stdout = open("/dev/tty", "r+")  # noqa: SIM115
        answer = _getpass(prompt)
        while confirm and _getpass(confirmPrompt) != answer:
            print(mismatchMessage)
            answer = _getpass(prompt)
        return answer
    finally:
        if old is not None:
            sys.stdin.close()
            sys.stdin, sys.stdout = old


def println(*a: Any) -> None:
    """Write the arguments, space-separated, and a newline to ``sys.stdout``."""
    sys.stdout.write(" ".join(map(str, a)) + "\n")


def str_xor(s: str, b: int) -> str:
    """Each character of ``s`` XOR-ed with the integer ``b``."""
    return "".join(chr(ord(c) ^ b) for c in s)


def makeStatBar(
    width: int,
    maxPosition: float,
    doneChar: str = "=",
    undoneChar: str = "-",
    currentChar: str = ">",
) -> Callable[..., str]:
    """A function of a position giving a text progress bar, or ``""`` when it did not change."""

    def statBar(position: float, force: int = 0, last: list[str] = [""]) -> str:  # noqa: B006
        done = int(width * position / maxPosition)
        bar = "[" + doneChar * done + currentChar + undoneChar * (width - done - 2) + "]"
        if not force and bar == last[0]:
            return ""
        last[0] = bar
        return bar

    statBar.__doc__ = f"A progress bar {width} wide for positions up to {maxPosition}."
    return statBar


def spewer(frame: Any, s: str, ignored: Any) -> Callable[..., Any]:
    """A ``sys.settrace`` function printing each function or method call."""
    self = frame.f_locals.get("self")
    code = frame.f_code
    if self is not None and hasattr(self, "__class__"):
        cls = self.__class__
        print(f"method {code.co_name} of {_spelling.qualified(cls)} at {id(self)}")
    else:
        print(f"function {code.co_name} in {code.co_filename}, line {frame.f_lineno}")
    return spewer


def searchupwards(start: str, files: Sequence[str] = (), dirs: Sequence[str] = ()) -> str | None:
    """The nearest directory at or above ``start`` holding every file of ``files`` and every
    directory of ``dirs``, with a trailing separator; None if there is none."""
    parts = os.path.abspath(start).split(os.sep)
    while parts:
        candidate = os.sep.join(parts) + os.sep
        if all(os.path.isfile(os.path.join(candidate, f)) for f in files) and all(
            os.path.isdir(os.path.join(candidate, d)) for d in dirs
        ):
            return candidate
        parts.pop()
    return None


class LineLog:
    """The last ``size`` lines appended (bytes)."""

    def __init__(self, size: int = 10) -> None:
        if size < 0:
            size = 0
        self.log: list[Any] = [None] * size
        self.size = size

    def append(self, line: Any) -> None:
        """Add a line, dropping the oldest when full."""
        # A bounded log keeps its length (the oldest slot falls off the front); with size 0
        # nothing is bounded and the list just grows.
        self.log.append(line)
        if self.size:
            del self.log[0]

    def str(self) -> bytes:
        """The lines joined with newlines."""
        return bytes(self)

    def __bytes__(self) -> bytes:
        return b"\n".join(filter(None, self.log))

    def __getitem__(self, item: int) -> Any:
        return list(filter(None, self.log))[item]

    def clear(self) -> None:
        """Forget every line."""
        self.log = [None] * self.size


def raises(
    exception: type[BaseException], f: Callable[..., Any], *args: Any, **kwargs: Any
) -> bool:
    """Whether calling ``f`` raises ``exception`` (other exceptions propagate)."""
    try:
        f(*args, **kwargs)
    except exception:
        return True
    return False


class IntervalDifferential:
    """Given several periodic intervals, iterate ``(delay, index)``: how long until the next of
    them is due, and which. With no intervals, ``(default, None)``."""

    def __init__(self, intervals: Iterable[float], default: float = 60) -> None:
        self.intervals = list(intervals)
        self.default = default

    def __iter__(self) -> _IntervalDifferentialIterator:
        return _IntervalDifferentialIterator(self.intervals, self.default)


class _IntervalDifferentialIterator:
    def __init__(self, i: Iterable[float], d: float) -> None:
        # Each entry is [next due time, interval, index], kept sorted.
        self.intervals = sorted([interval, interval, index] for index, interval in enumerate(i))
        self.default = d
        self.last: float = 0

    def __iter__(self) -> _IntervalDifferentialIterator:
        return self

    def __next__(self) -> tuple[float, int | None]:
        if not self.intervals:
            return (self.default, None)
        entry = self.intervals[0]  # the list is kept sorted: the next one due first
        due, interval, index = entry
        delay = due - self.last
        self.last = due
        entry[0] = due + interval
        self.intervals.sort()
        return (delay, int(index))

    next = __next__

    def addInterval(self, i: float) -> None:
        """Add another interval, in phase with the one due next (at ``i`` from now if none)."""
        if self.intervals:
            start = self.intervals[0][0] - self.intervals[0][1]
        else:
            start = self.last
        self.intervals.append([start + i, i, len(self.intervals)])
        self.intervals.sort()

    def removeInterval(self, interval: float) -> None:
        """Remove an interval; the indices of later ones move down by one."""
        # entries are [next due, interval, index]; the first with this interval goes
        found = next((e for e in self.intervals if e[1] == interval), None)
        if found is None:
            raise ValueError("Specified interval not in IntervalDifferential")
        self.intervals.remove(found)
        gone = found[2]
        for entry in self.intervals:
            if entry[2] > gone:  # the later ones move down
                entry[2] -= 1


class FancyStrMixin:
    """Mixin giving ``__str__``/``__repr__`` as ``<Name attr=value ...>`` from ``showAttributes``.

    Each entry is a name (shown with ``%r``), ``(name, function)`` (shown as
    ``function(value)``) or ``(name, label, format)`` (shown as ``label=format % value``).
    ``fancybasename`` replaces the class name.
    """

    showAttributes: Sequence[str | tuple[Any, ...]] = ()

    def __str__(self) -> str:
        parts = [getattr(self, "fancybasename", type(self).__name__)]
        for attr in self.showAttributes:
            if isinstance(attr, str):
                parts.append(f"{attr}={getattr(self, attr)!r}")
            elif len(attr) == 2:
                parts.append(f"{attr[0]}=" + attr[1](getattr(self, attr[0])))
            else:
                parts.append(f"{attr[1]}=" + attr[2] % (getattr(self, attr[0]),))
        return "<" + " ".join(parts) + ">"

    __repr__ = __str__


class FancyEqMixin:
    """Mixin comparing instances by the attributes named in ``compareAttributes``.

    Without ``compareAttributes`` instances are equal only to themselves. Comparing with an
    object that is not an instance of the class returns ``NotImplemented``.
    """

    compareAttributes: ClassVar[Sequence[str]] = ()

    def __eq__(self, other: object) -> Any:
        names = self.compareAttributes
        if not names:
            return self is other
        if not isinstance(self, other.__class__):
            return NotImplemented
        # pairs are fetched lazily: the first unequal attribute ends the comparison
        pairs = ((getattr(self, n), getattr(other, n)) for n in names)
        return all(bool(mine == theirs) for mine, theirs in pairs)

    def __ne__(self, other: object) -> Any:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal


def switchUID(uid: int | None, gid: int | None, euid: bool = False) -> None:
    """Drop to ``uid``/``gid`` (the effective ones with ``euid``); warns if already that uid."""
    if euid:
        setuid, setgid, getuid, what = os.seteuid, os.setegid, os.geteuid, "euid"
    else:
        setuid, setgid, getuid, what = os.setuid, os.setgid, os.getuid, "uid"
    if gid is not None:
        setgid(gid)
    if uid is not None:
        current = getuid()
        if uid == current:
            warnings.warn(
                f"tried to drop privileges and set{what} {uid} but {what} is already "
                f"{current}; should we be root? Continuing.",
                stacklevel=1,
            )
        else:
            initgroups(uid, gid)  # type: ignore[arg-type]
            setuid(uid)


def initgroups(uid: int, primaryGid: int) -> None:
    """Set the supplementary groups of the process to those of user ``uid``."""
    if _initgroups is None or _pwd is None:  # pragma: no cover - Windows
        return
    _initgroups(_pwd.getpwuid(uid).pw_name, primaryGid)


def mergeFunctionMetadata(f: Callable[..., Any], g: _T) -> _T:
    """``g`` with ``f``'s ``__name__``, ``__doc__``, ``__module__`` and attributes."""
    # each piece is copied where both sides allow it (a builtin has no writable __dict__ ...)
    for name in ("__name__", "__doc__", "__module__"):
        with contextlib.suppress(AttributeError, TypeError):
            setattr(g, name, getattr(f, name))
    with contextlib.suppress(AttributeError, TypeError):
        g.__dict__.update(f.__dict__)
    return g


def nameToLabel(mname: str) -> str:
    """A label from a camelCase name: ``"fooBarBaz"`` gives ``"Foo Bar Baz"``.

    A name starting with a capital gives a label starting with a space, as in Twisted.
    """
    words: list[str] = []
    current = ""
    after_upper = False
    for char in mname:
        if char.isupper():
            if after_upper:
                current += char
            else:
                words.append(current)
                current = char
            after_upper = True
        else:
            if after_upper and len(current) > 1:
                words.append(current[:-1])
                current = current[-1] + char
            else:
                current += char
            after_upper = False
    words.append(current)
    label = " ".join(words)
    return label[:1].upper() + label[1:]


def uidFromString(uidString: str) -> int:
    """A user id from a number or a user name (``KeyError`` for an unknown name)."""
    try:
        return int(uidString)
    except ValueError:
        if pwd is None:  # pragma: no cover
            raise
        return pwd.getpwnam(uidString)[2]


def gidFromString(gidString: str) -> int:
    """A group id from a number or a group name (``KeyError`` for an unknown name)."""
    try:
        return int(gidString)
    except ValueError:
        if grp is None:  # pragma: no cover
            raise
        return grp.getgrnam(gidString)[2]


def runAsEffectiveUser(
    euid: int, egid: int, function: Callable[..., _T], *args: Any, **kwargs: Any
) -> _T:
    """Call ``function`` with the effective uid/gid switched, then switch them back."""
    before = (os.geteuid(), os.getegid())
    if before == (euid, egid):
        return function(*args, **kwargs)
    _become(before, (euid, egid))
    try:
        return function(*args, **kwargs)
    finally:
        _become((euid, egid), before)


def _become(current: tuple[int, int], wanted: tuple[int, int]) -> None:
    # Changing the group needs root, so the way from one identity to another is via uid 0;
    # only the calls needed are made.
    if current[0] != 0:
        os.seteuid(0)
    if current[1] != wanted[1]:
        os.setegid(wanted[1])
    if wanted[0] != 0:
        os.seteuid(wanted[0])


def untilConcludes(f: Callable[..., _T], *a: Any, **kw: Any) -> _T:
    """Call ``f`` again for as long as it fails with ``EINTR``."""
    while True:
        try:
            return f(*a, **kw)
        except OSError as error:
            if error.errno == errno.EINTR:
                continue
            raise


def runWithWarningsSuppressed(
    suppressedWarnings: Iterable[tuple[tuple[Any, ...], dict[str, Any]]],
    f: Callable[..., _T],
    *args: Any,
    **kwargs: Any,
) -> _T:
    """Call ``f`` with ``warnings.filterwarnings(*a, **kw)`` applied for each ``(a, kw)``."""
    with warnings.catch_warnings():
        for a, kw in suppressedWarnings:
            warnings.filterwarnings(*a, **kw)
        return f(*args, **kwargs)
