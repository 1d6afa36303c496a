"""DelayedCall: a call scheduled for later, as returned by ``callLater``.

The class has ``twisted.internet.base.DelayedCall``'s constructor and API, so any scheduler
(``task.Clock``, a reactor) can build one from a canceller, a resetter and a clock.
"""

from __future__ import annotations

import contextvars
import time as _time
import traceback
from typing import Callable

from twistio._typing import StoredCall
from twistio.internet.error import AlreadyCalled, AlreadyCancelled
from twistio.internet.interfaces import IDelayedCall, implementer

__all__ = ["DelayedCall"]


def _short_repr(obj: object) -> str:
    try:
        return repr(obj)
    except BaseException as e:
        return f"<{type(obj).__name__} instance, repr() raised {type(e).__name__}>"


def _callable_name(func: object) -> str:
    name = getattr(func, "__qualname__", None)
    if not isinstance(name, str):
        name = getattr(func, "__name__", None)
    if not isinstance(name, str):
        name = _short_repr(func)
    return name


@implementer(IDelayedCall)
class DelayedCall:
    """A call to ``func(*args, **kw)`` scheduled to run at ``time`` (seconds, on ``seconds``' clock).

    ``cancel`` calls ``canceller(self)``; ``reset`` to an earlier time calls ``resetter(self)``.
    ``delay`` and ``reset`` to a later time only record ``delayed_time``: ``getTime()`` includes
    it, and a scheduler calls ``activate_delay()`` when it finds the call not yet due.
    The call remembers the ``contextvars`` context it was created in, in ``context``, and a
    scheduler runs it there with ``run()``.
    """

    #: When true as a call is made (on the class), it remembers the stack that made it
    #: (``creator``) and its ``repr`` shows it, as in Twisted.
    debug = False

    __slots__ = (
        "__dict__",  # only a call that debugs (or is given attributes) pays for one
        "_repr",
        "args",
        "called",
        "cancelled",
        "canceller",
        "context",
        "delayed_time",
        "func",
        "kw",
        "resetter",
        "seconds",
        "time",
    )

    def __init__(
        self,
        time: float,
        func: StoredCall,
        args: tuple[object, ...],
        kw: dict[str, object],
        cancel: Callable[[DelayedCall], object],
        reset: Callable[[DelayedCall], object],
        seconds: Callable[[], float] = _time.time,
    ) -> None:
        self.func, self.args, self.kw = func, args, kw
        self.time, self.seconds = time, seconds
        self.canceller, self.resetter = cancel, reset
        self.called = self.cancelled = 0
        self.delayed_time: float = 0
        self.context = contextvars.copy_context()
        self._repr: str | None = None
        if self.debug:
            self.creator = traceback.format_stack()[:-2]

    def getTime(self) -> float:
        """When the call will run, in the scheduler's seconds."""
        return self.time + self.delayed_time

    def _mustBePending(self) -> None:
        if self.cancelled:
            raise AlreadyCancelled()
        if self.called:
            raise AlreadyCalled()

    def cancel(self) -> None:
        """Unschedule the call.

        Raises ``AlreadyCancelled`` or ``AlreadyCalled`` if it is no longer pending.
        """
        self._mustBePending()
        self.canceller(self)
        self.cancelled = 1
        # With debugging on, a cancelled call keeps describing what it would have called.
        self._repr = repr(self) if self.debug else None
        # Let go of the function and its arguments: a cancelled call never needs them.
        for held in ("func", "args", "kw"):
            delattr(self, held)

    def reset(self, secondsFromNow: float) -> None:
        """Reschedule the call to run ``secondsFromNow`` seconds from now."""
        self._mustBePending()
        due = self.seconds() + secondsFromNow
        if due >= self.time:
            # Later: only noted; the scheduler applies it when it meets the call.
            self.delayed_time = due - self.time
            return
        self.time, self.delayed_time = due, 0
        self.resetter(self)

    def delay(self, secondsLater: float) -> None:
        """Postpone the call by ``secondsLater`` seconds (negative brings it forward)."""
        self._mustBePending()
        self.delayed_time += secondsLater
        if self.delayed_time >= 0:
            return
        # Now earlier than scheduled: the scheduler must move it.
        self.activate_delay()
        self.resetter(self)

    def activate_delay(self) -> None:
        """Fold ``delayed_time`` into ``time``."""
        self.time, self.delayed_time = self.getTime(), 0

    def active(self) -> bool:
        """Whether the call is still pending (neither called nor cancelled)."""
        return not (self.cancelled or self.called)

    def run(self) -> None:
        """Mark the call as called and run it in the context it was scheduled from."""
        self.called = 1
        self.context.run(self.func, *self.args, **self.kw)

    def __le__(self, other: DelayedCall) -> bool:
        return self.time <= other.time

    def __lt__(self, other: DelayedCall) -> bool:
        return self.time < other.time

    def __repr__(self) -> str:
        if self._repr is not None:
            return self._repr
        now = self.seconds()
        text = (
            f"<DelayedCall 0x{id(self):x} [{self.time - now}s] "
            f"called={self.called} cancelled={self.cancelled}"
        )
        if not self.cancelled:
            func = getattr(self, "func", None)
            if func is not None:
                parts = [_short_repr(a) for a in self.args]
                parts.extend(f"{k}={_short_repr(v)}" for k, v in self.kw.items())
                text += f" {_callable_name(func)}({', '.join(parts)})"
        creator = self.__dict__.get("creator")
        if creator is not None:  # captured: shown, even if debugging was turned off since
            text += "\n\ntraceback at creation:\n\n" + "    ".join(creator)
        return text + ">"
