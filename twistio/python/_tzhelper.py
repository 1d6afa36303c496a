"""Fixed-offset time zones: ``FixedOffsetTimeZone`` and ``UTC``."""

from __future__ import annotations

from datetime import datetime as DateTime
from datetime import timedelta as TimeDelta
from datetime import timezone
from datetime import tzinfo as TZInfo

__all__ = ["UTC", "FixedOffsetTimeZone"]


class FixedOffsetTimeZone(TZInfo):
    """A time zone ``offset`` from UTC all year round (no daylight saving time).

    ``name`` is what ``tzname`` gives; without one, ``tzname`` says ``UTC+HHMM``.
    """

    def __init__(self, offset: TimeDelta, name: str | None = None) -> None:
        self.offset = offset
        self.name = name

    @classmethod
    def fromSignHoursMinutes(cls, sign: str, hours: int, minutes: int) -> FixedOffsetTimeZone:
        """The zone ``sign`` (``"+"`` or ``"-"``) ``hours``:``minutes`` from UTC, named
        ``+HH:MM`` (never ``Z``)."""
        name = f"{sign}{hours:02d}:{minutes:02d}"
        offset = TimeDelta(hours=hours, minutes=minutes)
        if sign == "-":
            offset = -offset
        return cls(offset, name)

    @classmethod
    def fromLocalTimeStamp(cls, timeStamp: float) -> FixedOffsetTimeZone:
        """The offset of the system's local time zone at ``timeStamp`` (a POSIX time)."""
        local = DateTime.fromtimestamp(timeStamp)
        utc = DateTime.fromtimestamp(timeStamp, timezone.utc).replace(tzinfo=None)
        return cls(local - utc)

    def utcoffset(self, dt: DateTime | None) -> TimeDelta:
        """The offset from UTC."""
        return self.offset

    def dst(self, dt: DateTime | None) -> TimeDelta:
        """Zero: a fixed offset has no daylight saving time."""
        return TimeDelta(0)

    def tzname(self, dt: DateTime | None) -> str:
        """The zone's name, else ``UTC+HHMM`` (``UTC-HHMM`` west of Greenwich)."""
        if self.name is not None:
            return self.name
        minutes = int(self.offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hours, minutes = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours:02d}{minutes:02d}"


#: Coordinated Universal Time, named ``+00:00``.
UTC = FixedOffsetTimeZone.fromSignHoursMinutes("+", 0, 0)
