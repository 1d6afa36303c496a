"""``Failure``: an exception with its traceback, carried through a Deferred's errback chain.

A Failure is cheap to make: it keeps the exception and its ``__traceback__`` and computes
``frames``, ``parents`` and text only when something asks for them.
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Callable, Coroutine, Generator, Sequence
from io import StringIO
from types import FrameType, TracebackType
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

from twistio.python import _spelling

__all__ = [
    "DO_POST_MORTEM",
    "EXCEPTION_CAUGHT_HERE",
    "DefaultException",
    "Failure",
    "NoCurrentExceptionError",
    "count",
    "format_frames",
    "startDebugMode",
    "traceupLength",
]

#: With ``startDebugMode``: open the debugger on each Failure of a handled exception.
DO_POST_MORTEM = True
#: The line Twisted's tracebacks put where the exception was caught.
EXCEPTION_CAUGHT_HERE = "--- <exception caught here> ---"
#: How many frames above the catching one Twisted's Failure kept, as a public constant.
traceupLength = 4

_T = TypeVar("_T")

#: How many Failures have been made (each gets its number as ``count``).
count = 0

# One frame, as Twisted shapes it: (function, file, line, locals items, globals items).
_FrameEntry = tuple[str, str, int, Sequence[tuple[str, Any]], Sequence[tuple[str, Any]]]


_newException = BaseException.__new__


class DefaultException(Exception):
    """The exception of a Failure made from something that is not an exception."""


class NoCurrentExceptionError(Exception):
    """A Failure was asked to capture the current exception, and there is none."""


def _qual(cls: Any) -> str:
    # Spelled ``twisted.*`` for twistio's own classes under the alias (python._spelling).
    return _spelling.spelled(f"{cls.__module__}.{cls.__qualname__}")


def _safe_str(obj: object) -> str:
    try:
        return str(obj)
    except BaseException:
        try:
            name = _qual(type(obj))
        except BaseException:
            name = "<unknown type>"
        return f"<{name} instance at 0x{id(obj):x} with str error>"


def _safe_repr(obj: object) -> str:
    try:
        return repr(obj)
    except BaseException:
        return f"<{_qual(type(obj))} instance at 0x{id(obj):x} with repr error>"


def _frameBrief(frame: _FrameEntry) -> str:
    name, filename, lineno = frame[:3]
    return f"{filename}:{lineno}:{name}\n"


def _frameDefault(frame: _FrameEntry) -> str:
    name, filename, lineno = frame[:3]
    source = linecache.getline(filename, lineno).strip()
    return f'  File "{filename}", line {lineno}, in {name}\n    {source}\n'


def _frameHeading(frame: _FrameEntry) -> str:
    name, filename, lineno = frame[:3]
    return f"{filename}:{lineno}: {name}(...)\n"


def _frameVerbose(frame: _FrameEntry) -> str:
    localz, globalz = frame[3], frame[4]
    text = [_frameHeading(frame), " [ Locals ]\n"]
    text += [f"  {key} : {value!r}\n" for key, value in localz]
    text.append(" ( Globals )\n")
    text += [f"  {key} : {value!r}\n" for key, value in globalz]
    return "".join(text)


# detail -> (how one frame is written, what follows the frames)
_FRAME_STYLES: dict[str, tuple[Callable[[_FrameEntry], str], str]] = {
    "default": (_frameDefault, ""),
    "brief": (_frameBrief, ""),
    "verbose": (_frameVerbose, ""),
    "verbose-vars-not-captured": (
        _frameHeading,
        " [Capture of Locals and Globals disabled (use captureVars=True)]\n",
    ),
}


def format_frames(
    frames: Sequence[_FrameEntry], write: Callable[[str], object], detail: str = "default"
) -> None:
    """Write ``frames`` (as in ``Failure.frames``) at one of the detail levels.

    ``detail`` is ``default``, ``brief``, ``verbose`` or ``verbose-vars-not-captured``.
    """
    style = _FRAME_STYLES.get(detail)
    if style is None:
        raise ValueError(
            "Detail must be default, brief, verbose, or verbose-vars-not-captured. "
            f"(not {detail!r})"
        )
    one, after = style
    for frame in frames:
        write(one(frame))
    if after:
        write(after)


class _Code:
    """A stand-in code object: what debuggers and the ``traceback`` module read of one."""

    co_argcount = co_posonlyargcount = co_kwonlyargcount = co_nlocals = 0
    co_firstlineno = co_flags = 0
    co_stacksize = 0
    co_code = co_lnotab = b""
    co_cellvars: tuple[str, ...] = ()
    co_consts: tuple[Any, ...] = ()
    co_freevars: tuple[str, ...] = ()
    co_names: tuple[str, ...] = ()

    def __init__(self, name: str, filename: str) -> None:
        self.co_name = name
        self.co_qualname = name
        self.co_filename = filename
        self.co_varnames: list[str] = []

    def co_positions(self) -> tuple[Any, ...]:
        """No positions are known."""
        return ()


class _Frame:
    """A stand-in frame rebuilt from one of ``Failure.frames``' entries."""

    f_lasti = 0
    f_trace = None

    def __init__(self, frame: _FrameEntry, back: _Frame | None) -> None:
        self.f_code = _Code(frame[0], frame[1])
        self.f_lineno = frame[2]
        self.f_locals = dict(frame[3] or {})
        self.f_globals = dict(frame[4] or {})
        self.f_builtins: dict[str, Any] = {}
        self.f_back = back


class _TracebackFrame:
    """A stand-in traceback entry for one ``_Frame``."""

    tb_lasti = -1

    def __init__(self, frame: _Frame) -> None:
        self.tb_frame = frame
        self.tb_lineno = frame.f_lineno
        self.tb_next: _TracebackFrame | None = None


class _Traceback(_TracebackFrame):
    """A stand-in traceback rebuilt from ``frames`` (outermost first), enough for the
    ``traceback`` module and post-mortem debuggers; each frame's ``f_back`` is the one
    before it."""

    def __init__(self, frames: Sequence[_FrameEntry]) -> None:
        if not frames:
            raise ValueError("a traceback needs at least one frame")
        back = _Frame(frames[0], None)
        super().__init__(back)
        node: _TracebackFrame = self
        for entry in frames[1:]:
            back = _Frame(entry, back)
            node.tb_next = node = _TracebackFrame(back)


class Failure(BaseException):
    """An exception, its type and its traceback, to be passed along an errback chain.

    ``Failure()`` captures the exception being handled (``NoCurrentExceptionError`` if none);
    ``Failure(exc)`` wraps a given one, keeping ``exc.__traceback__`` when it has one.
    As in Twisted, a Failure is itself a ``BaseException``.
    """

    # The four attributes every Failure has live in its __dict__, as in Twisted (code and
    # tests look there: a Failure's state is its __dict__, and that is what pickles).
    _STATE = ("count", "tb", "type", "value")

    pickled = 0
    _subclassHooks: list[Callable[[type], None]] = []
    _parents: list[Any] | None = None
    _frames: list[_FrameEntry] | None = None
    captureVars = False

    if TYPE_CHECKING:
        count: int
        tb: TracebackType | None
        type: Any
        value: Any

    def __init__(
        self,
        exc_value: BaseException | Any = None,
        exc_type: type[BaseException] | None = None,
        exc_tb: TracebackType | None = None,
        captureVars: bool = False,
    ) -> None:
        global count
        count += 1
        self.count = count
        tb: TracebackType | None = None
        if exc_value is None:
            exc_type, exc_value, tb = sys.exc_info()
            if exc_type is None:
                raise NoCurrentExceptionError()
        elif exc_type is None:
            exc_type = type(exc_value)
        self.type = exc_type
        self.value = exc_value
        if isinstance(exc_value, Failure):
            # A Failure of a Failure takes over the other one whole.
            self._setState(exc_value._getState())
            return
        if captureVars:
            self.captureVars = True
        if tb is None:
            if exc_tb is not None:
                tb = exc_tb
            else:
                tb = getattr(exc_value, "__traceback__", None)
        self.tb = tb

    def _getState(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in Failure._STATE:
            if name not in state:
                state[name] = None
        return state

    def _setState(self, state: dict[str, Any]) -> None:
        d = self.__dict__
        d.clear()
        for name in Failure._STATE:
            d[name] = None
        d.update(state)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for hook in Failure._subclassHooks:
            hook(cls)

    @classmethod
    def _fromCurrent(cls) -> Failure:
        """The Failure of the exception being handled, built without ``__init__``'s checks."""
        if _debugMode and _debugging():
            _postMortem()
        global count
        count += 1
        self = _newException(cls)
        self.count = count
        self.type, self.value, self.tb = sys.exc_info()
        return self

    @classmethod
    def _fromException(cls, value: BaseException) -> Failure:
        """``Failure(value)``, for an exception, built without ``__init__``'s checks."""
        global count
        count += 1
        self = _newException(cls)
        self.count = count
        self.type = type(value)
        self.value = value
        self.tb = value.__traceback__
        return self

    @classmethod
    def _withoutTraceback(cls, value: BaseException) -> Failure:
        """A Failure for ``value`` with no traceback, made as fast as possible."""
        global count
        count += 1
        self = _newException(cls)
        self.count = count
        self.type = type(value)
        self.value = value
        self.tb = None
        return self

    # -- lazily computed views --------------------------------------------------------

    @property
    def frames(self) -> list[_FrameEntry]:
        """The traceback's frames, innermost last: (function, file, line, locals, globals)."""
        frames = self._frames
        if frames is None:
            frames = self._frames = self._captureFrames()
        return frames

    @frames.setter
    def frames(self, frames: list[_FrameEntry]) -> None:
        self._frames = frames

    def _captureFrames(self) -> list[_FrameEntry]:
        frames: list[_FrameEntry] = []
        tb = self.tb
        while tb is not None:
            f: FrameType = tb.tb_frame
            if self.captureVars:
                localz = dict(f.f_locals)
                globalz = {} if f.f_locals is f.f_globals else dict(f.f_globals)
                localz.pop("__builtins__", None)
                globalz.pop("__builtins__", None)
                frames.append(
                    (
                        f.f_code.co_name,
                        f.f_code.co_filename,
                        tb.tb_lineno,
                        list(localz.items()),
                        list(globalz.items()),
                    )
                )
            else:
                frames.append((f.f_code.co_name, f.f_code.co_filename, tb.tb_lineno, (), ()))
            tb = tb.tb_next
        return frames

    @property
    def stack(self) -> list[Any]:
        """Always empty, as in current Twisted (the frames above the catch are not kept);
        deprecated, as there."""
        _stackDeprecated()
        return []

    @stack.setter
    def stack(self, value: list[Any]) -> None:
        _stackDeprecated()

    @property
    def parents(self) -> list[Any]:
        """The qualified names of the exception's class and its bases."""
        parents = self._parents
        if parents is None:
            t = self.type
            if isinstance(t, type) and issubclass(t, Exception):
                parents = [_qual(c) for c in t.__mro__]
            else:
                parents = [t]
            self._parents = parents
        return parents

    @parents.setter
    def parents(self, value: list[Any]) -> None:
        self._parents = value

    # -- matching ---------------------------------------------------------------------

    def check(self, *errorTypes: Any) -> Any:
        """The first of ``errorTypes`` (classes or qualified names) that matches, else None.

        Matching is by qualified class name along the exception's MRO, as in Twisted, so a
        plain ``BaseException`` subclass that is not an ``Exception`` matches only itself.
        """
        t = self.type
        fast = self._parents is None and isinstance(t, type) and issubclass(t, Exception)
        for error in errorTypes:
            if isinstance(error, type) and issubclass(error, Exception):
                if fast and issubclass(t, error):
                    return error
                if _qual(error) in self.parents:
                    return error
            elif error in self.parents:
                return error
        return None

    def trap(self, *errorTypes: Any) -> Any:
        """Return the matching type from ``errorTypes``, or re-raise this failure's exception."""
        error = self.check(*errorTypes)
        if error is None:
            self.raiseException()
        return error

    def raiseException(self) -> NoReturn:
        """Raise the original exception with its original traceback."""
        raise self.value.with_traceback(self.tb)

    def throwExceptionIntoGenerator(
        self, g: Generator[Any, Any, _T] | Coroutine[Any, Any, _T]
    ) -> Any:
        """Throw the original exception into generator ``g``; return what it yields next."""
        return g.throw(self.value.with_traceback(self.tb))

    # -- text -------------------------------------------------------------------------

    def getErrorMessage(self) -> str:
        """The exception's ``str``."""
        if isinstance(self.value, Failure):
            return self.value.getErrorMessage()
        return _safe_str(self.value)

    def getTracebackObject(self) -> Any:
        """The traceback, or one rebuilt from ``frames`` after cleaning or pickling, or None."""
        if self.tb is not None:
            return self.tb
        frames = self.frames
        if frames:
            return _Traceback(frames)
        return None

    def printTraceback(
        self, file: IO[str] | None = None, elideFrameworkCode: int = 0, detail: str = "default"
    ) -> None:
        """Write the traceback as Python would (``detail``: brief, default or verbose)."""
        if file is None:
            file = sys.stderr
        w = file.write
        formatDetail = (
            "verbose-vars-not-captured" if detail == "verbose" and not self.captureVars else detail
        )
        if detail == "verbose":
            w(f"*--- Failure #{self.count}{' (pickled) ' if self.pickled else ' '}---\n")
        elif detail == "brief":
            prefix = "Traceback" if self.frames else "Traceback (failure with no frames)"
            w(f"{prefix}: {_safe_str(self.type)}: {_safe_str(self.value)}\n")
        else:
            w("Traceback (most recent call last):\n")
        if self.frames:
            format_frames(self.frames, w, formatDetail)
        elif detail != "brief":
            w("Failure: ")
        if detail != "brief":
            w(
                f"{_qual(self.type) if isinstance(self.type, type) else self.type}: {_safe_str(self.value)}\n"
            )
        if isinstance(self.value, Failure):
            w(" (chained Failure)\n")
            self.value.printTraceback(file, elideFrameworkCode, detail)
        if detail == "verbose":
            w(f"*--- End of Failure #{self.count} ---\n")

    def printBriefTraceback(self, file: IO[str] | None = None, elideFrameworkCode: int = 0) -> None:
        """Write the traceback one line a frame."""
        self.printTraceback(file, elideFrameworkCode, detail="brief")

    def printDetailedTraceback(
        self, file: IO[str] | None = None, elideFrameworkCode: int = 0
    ) -> None:
        """Write the traceback with each frame's locals and globals (when captured)."""
        self.printTraceback(file, elideFrameworkCode, detail="verbose")

    def getTraceback(self, elideFrameworkCode: int = 0, detail: str = "default") -> str:
        """The traceback as text."""
        io = StringIO()
        self.printTraceback(io, elideFrameworkCode, detail)
        return io.getvalue()

    def getBriefTraceback(self) -> str:
        """The traceback as brief text."""
        io = StringIO()
        self.printBriefTraceback(io)
        return io.getvalue()

    def __repr__(self) -> str:
        t = _qual(self.type) if isinstance(self.type, type) else repr(self.type)
        return f"<{_qual(type(self))} {t}: {self.getErrorMessage()}>"

    def __str__(self) -> str:
        return f"[Failure instance: {self.getBriefTraceback()}]"

    # -- keeping and shipping ---------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """State without live frames: the traceback becomes ``frames``, locals become reprs."""
        state = self._getState()
        state.pop("_parents", None)
        state["parents"] = self.parents
        frames = self.frames
        if self.captureVars:
            frames = [
                (
                    f[0],
                    f[1],
                    f[2],
                    [(k, _safe_repr(v)) for k, v in f[3]],
                    [(k, _safe_repr(v)) for k, v in f[4]],
                )
                for f in frames
            ]
        state["_frames"] = frames
        state["tb"] = None
        state["pickled"] = 1
        return state

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        if state is None:
            return
        # States pickled by Twisted name these without the underscore.
        if "parents" in state:
            state["_parents"] = state.pop("parents")
        if "frames" in state:
            state["_frames"] = state.pop("frames")
        state.pop("stack", None)
        self._setState(state)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_newFailure, (), self.__getstate__())

    def cleanFailure(self) -> None:
        """Drop references to live frames, keeping ``frames`` as plain data."""
        self._setState(self.__getstate__())
        if getattr(self.value, "__traceback__", None) is not None:
            self.value.__traceback__ = None


_plainInit = Failure.__init__


def _stackDeprecated() -> None:
    import warnings

    warnings.warn(
        f"{_qual(Failure)}.stack was deprecated in Twisted 24.10.0",
        DeprecationWarning,
        stacklevel=3,
    )


def _newFailure() -> Failure:
    return Failure.__new__(Failure)


_debugMode = False


def startDebugMode() -> None:
    """From now on, a Failure made from the exception being handled opens ``pdb``'s
    post-mortem on it first (while ``DO_POST_MORTEM`` is true), as ``trial --debug`` wants.

    Covers ``Failure()`` and the Failures twistio's Deferreds make of what callbacks raise.
    As in Twisted, it works by replacing ``Failure.__init__``; putting the original back
    turns it off again.
    """
    global _debugMode
    if Failure.__init__ is not _plainInit:
        return
    _debugMode = True

    def debuggingInit(
        self: Failure,
        exc_value: BaseException | Any = None,
        exc_type: type[BaseException] | None = None,
        exc_tb: TracebackType | None = None,
        captureVars: bool = False,
    ) -> None:
        if exc_value is None:
            _postMortem()
        _plainInit(self, exc_value, exc_type, exc_tb, captureVars)

    Failure.__init__ = debuggingInit  # type: ignore[method-assign]


def _debugging() -> bool:
    """Whether debug mode is on (``Failure.__init__`` still the debugging one)."""
    return Failure.__init__ is not _plainInit


def _postMortem() -> None:
    value, tb = sys.exc_info()[1:]
    if not DO_POST_MORTEM or tb is None:
        return
    import pdb

    print(f"Jumping into debugger for post-mortem of exception '{value}':")
    pdb.post_mortem(tb)
