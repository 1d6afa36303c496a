"""Positioning values: angles and coordinates, headings, speeds, altitudes, dilutions of
precision and beacons (satellites), and a receiver base class that ignores them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, ClassVar

from twistio.internet.interfaces import implementer
from twistio.positioning._constants import NamedConstant, Names
from twistio.positioning.ipositioning import IPositioningBeacon, IPositioningReceiver
from twistio.python.util import FancyEqMixin

#: Metres per second in a knot (a nautical mile, 1852 m, an hour).
MPS_PER_KNOT = 1852 / 3600
#: Metres per second in a kilometre an hour.
MPS_PER_KPH = 1000 / 3600
#: Metres in an international foot.
METERS_PER_FOOT = 0.3048


class Angles(Names):
    """The kinds of angle."""

    LATITUDE = NamedConstant()
    LONGITUDE = NamedConstant()
    HEADING = NamedConstant()
    VARIATION = NamedConstant()


class Directions(Names):
    """The four cardinal directions."""

    NORTH = NamedConstant()
    EAST = NamedConstant()
    SOUTH = NamedConstant()
    WEST = NamedConstant()


@implementer(IPositioningReceiver)
class BasePositioningReceiver:
    """A positioning receiver whose methods do nothing: subclass and override some."""

    def timeReceived(self, time: Any) -> None:
        pass

    def headingReceived(self, heading: Any) -> None:
        pass

    def speedReceived(self, speed: Any) -> None:
        pass

    def climbReceived(self, climb: Any) -> None:
        pass

    def positionReceived(self, latitude: Any, longitude: Any) -> None:
        pass

    def positionErrorReceived(self, positionError: Any) -> None:
        pass

    def altitudeReceived(self, altitude: Any) -> None:
        pass

    def beaconInformationReceived(self, beaconInformation: Any) -> None:
        pass


class InvalidSentence(Exception):
    """A sentence that cannot be used (malformed, or reporting no fix)."""


class InvalidChecksum(Exception):
    """A sentence whose checksum does not match its contents."""


def _within(
    low: float, high: float, *, closedLow: bool, closedHigh: bool
) -> Callable[[float], bool]:
    def test(x: float) -> bool:
        above = x >= low if closedLow else x > low
        below = x <= high if closedHigh else x < high
        return above and below

    return test


class Angle(FancyEqMixin):
    """An angle in decimal degrees, of a kind (``Angles``) or of none."""

    # The open or closed bounds of each kind of angle.
    _RANGE_EXPRESSIONS: dict[Any, Callable[[float], bool]] = {
        Angles.LATITUDE: _within(-90, 90, closedLow=False, closedHigh=False),
        Angles.LONGITUDE: _within(-180, 180, closedLow=False, closedHigh=False),
        Angles.HEADING: _within(0, 360, closedLow=True, closedHigh=False),
        Angles.VARIATION: _within(-180, 180, closedLow=False, closedHigh=True),
    }

    _ANGLE_TYPE_NAMES = {
        Angles.LATITUDE: "Latitude",
        Angles.LONGITUDE: "Longitude",
        Angles.VARIATION: "Variation",
        Angles.HEADING: "Heading",
    }

    compareAttributes: ClassVar[Sequence[str]] = ("angleType", "inDecimalDegrees")

    def __init__(self, angle: float | None = None, angleType: Any = None) -> None:
        if angleType is not None and angleType not in self._RANGE_EXPRESSIONS:
            raise ValueError("Unknown angle type")
        if (
            angle is not None
            and angleType is not None
            and not self._RANGE_EXPRESSIONS[angleType](angle)
        ):
            raise ValueError(f"Angle {angle} not in allowed range for type {angleType}")
        self.angleType = angleType
        self._angle = angle

    @property
    def inDecimalDegrees(self) -> float | None:
        """The angle in decimal degrees (None when unknown)."""
        return self._angle

    @property
    def inDegreesMinutesSeconds(self) -> tuple[int, int, int] | None:
        """The magnitude as whole (degrees, minutes, seconds); None when unknown."""
        if self._angle is None:
            return None
        total = abs(self._angle)
        degrees = int(total)
        minutesFloat = (total - degrees) * 60
        minutes = int(minutesFloat)
        seconds = int((minutesFloat - minutes) * 60)
        return degrees, minutes, seconds

    def setSign(self, sign: int) -> None:
        """Make the angle positive (``sign`` 1) or negative (-1), keeping its magnitude."""
        if sign not in (-1, 1):
            raise ValueError(f"bad sign (got {sign}, expected -1 or 1)")
        if self._angle is None:
            raise TypeError("bad operand type for abs(): 'NoneType'")
        self._angle = sign * abs(self._angle)

    def __float__(self) -> float:
        return self._angle  # type: ignore[return-value]

    @property
    def _angleValueRepr(self) -> str:
        if self._angle is None:
            return "unknown value"
        return f"{round(self._angle, 2)} degrees"

    @property
    def _angleTypeNameRepr(self) -> str:
        return self._ANGLE_TYPE_NAMES.get(self.angleType, "Angle of unknown type")

    def __repr__(self) -> str:
        return f"<{self._angleTypeNameRepr} ({self._angleValueRepr})>"


class Heading(Angle):
    """A heading in degrees from true north, with the magnetic variation when known."""

    compareAttributes: ClassVar[Sequence[str]] = [*Angle.compareAttributes, "variation"]

    def __init__(self, angle: float | None = None, variation: Angle | None = None) -> None:
        Angle.__init__(self, angle, Angles.HEADING)
        self.variation = variation

    @classmethod
    def fromFloats(
        cls, angleValue: float | None = None, variationValue: float | None = None
    ) -> Heading:
        """A heading from plain numbers (the variation as an angle, even when unknown)."""
        return cls(angleValue, Angle(variationValue, Angles.VARIATION))

    @property
    def correctedHeading(self) -> Angle | None:
        """The heading corrected for the magnetic variation; None when either is unknown."""
        if self._angle is None or self.variation is None:
            return None
        variation = self.variation.inDecimalDegrees
        if variation is None:
            return None
        return Angle((self._angle - variation) % 360, Angles.HEADING)

    def setSign(self, sign: int) -> None:
        """Set the sign of the variation (the heading itself has none)."""
        if self.variation is None:
            raise AttributeError("'NoneType' object has no attribute 'inDecimalDegrees'")
        if self.variation.inDecimalDegrees is None:
            raise ValueError("can't set the sign of an unknown variation")
        self.variation.setSign(sign)

    def __repr__(self) -> str:
        variation = "unknown variation" if self.variation is None else repr(self.variation)
        return f"<{self._angleTypeNameRepr} ({self._angleValueRepr}, {variation})>"


class Coordinate(Angle):
    """A latitude or a longitude (or a coordinate of unknown kind)."""

    def __init__(self, angle: float | None, coordinateType: Any = None) -> None:
        if coordinateType not in (Angles.LATITUDE, Angles.LONGITUDE, None):
            raise ValueError(
                "coordinateType must be one of Angles.LATITUDE, Angles.LONGITUDE or None, "
                f"was {coordinateType!r}"
            )
        Angle.__init__(self, angle, coordinateType)

    @property
    def hemisphere(self) -> Any:
        """``Directions.NORTH`` or ``SOUTH`` for a latitude, ``EAST`` or ``WEST`` for a
        longitude (zero counts as north and east)."""
        positive = (self._angle or 0) >= 0
        if self.angleType is Angles.LATITUDE:
            return Directions.NORTH if positive else Directions.SOUTH
        if self.angleType is Angles.LONGITUDE:
            return Directions.EAST if positive else Directions.WEST
        raise ValueError("unknown coordinate type (cant find hemisphere)")


class Altitude(FancyEqMixin):
    """An altitude, in metres."""

    compareAttributes = ("inMeters",)

    def __init__(self, altitude: float) -> None:
        self._altitude = altitude

    @property
    def inFeet(self) -> float:
        """The altitude in feet."""
        return self._altitude / METERS_PER_FOOT

    @property
    def inMeters(self) -> float:
        """The altitude in metres."""
        return self._altitude

    def __float__(self) -> float:
        return float(self._altitude)

    def __repr__(self) -> str:
        return f"<Altitude ({self._altitude} m)>"


class _BaseSpeed(FancyEqMixin):
    """A rate of movement, in metres per second."""

    compareAttributes = ("inMetersPerSecond",)

    def __init__(self, speed: float) -> None:
        self._speed = speed

    @property
    def inMetersPerSecond(self) -> float:
        """The speed in metres per second."""
        return self._speed

    @property
    def inKnots(self) -> float:
        """The speed in knots."""
        return self._speed / MPS_PER_KNOT

    def __float__(self) -> float:
        return float(self._speed)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({round(self._speed, 2)} m/s)>"


class Speed(_BaseSpeed):
    """A ground speed (never negative)."""

    def __init__(self, speed: float) -> None:
        if speed < 0:
            raise ValueError(f"negative speed: {speed!r}")
        _BaseSpeed.__init__(self, speed)


class Climb(_BaseSpeed):
    """A vertical speed (negative when descending)."""


def _hypot(a: Any, b: Any) -> Any:
    return (a**2 + b**2) ** 0.5


def _leg(hyp: Any, other: Any) -> Any:
    # May be complex for values that break the invariant, as Twisted's is.
    return (hyp**2 - other**2) ** 0.5


class PositionError(FancyEqMixin):
    """Dilutions of precision: position (PDOP), horizontal (HDOP), vertical (VDOP).

    PDOP² = HDOP² + VDOP², so a missing one is computed from the other two when they are
    known. With ``testInvariant``, values breaking that relation (by more than
    ``_ALLOWABLE_TRESHOLD``) raise ``ValueError``.
    """

    compareAttributes = ("pdop", "hdop", "vdop")
    _ALLOWABLE_TRESHOLD = 0.01

    # For each dilution, how to compute it from the two others.
    _DOP_EXPRESSIONS: dict[str, list[Callable[[PositionError], Any]]] = {
        "pdop": [lambda self: self._pdop, lambda self: _hypot(self._hdop, self._vdop)],
        "hdop": [lambda self: self._hdop, lambda self: _leg(self._pdop, self._vdop)],
        "vdop": [lambda self: self._vdop, lambda self: _leg(self._pdop, self._hdop)],
    }

    _REPR_TEMPLATE = "<PositionError (pdop: %s, hdop: %s, vdop: %s)>"

    def __init__(
        self,
        pdop: float | None = None,
        hdop: float | None = None,
        vdop: float | None = None,
        testInvariant: bool = False,
    ) -> None:
        self._pdop: float | None = pdop
        self._hdop: float | None = hdop
        self._vdop: float | None = vdop
        self._testInvariant = testInvariant
        self._testDilutionOfPositionInvariant()

    def _testDilutionOfPositionInvariant(self) -> None:
        if not self._testInvariant:
            return
        values = (self._pdop, self._hdop, self._vdop)
        if None in values:
            return
        p, h, v = values
        assert p is not None and h is not None and v is not None
        if abs(p**2 - (h**2 + v**2)) > self._ALLOWABLE_TRESHOLD:
            raise ValueError(
                "invalid combination of dilutions of precision: "
                f"position: {p}, horizontal: {h}, vertical: {v}"
            )

    def _getDOP(self, dopType: str) -> Any:
        for expression in self._DOP_EXPRESSIONS[dopType]:
            try:
                value = expression(self)
            except TypeError:  # a None among the others
                continue
            if value is not None:
                return value
        return None

    def _setDOP(self, dopType: str, value: Any) -> None:
        attribute = "_" + dopType
        kept = dict(vars(self))
        setattr(self, attribute, float(value))
        try:
            self._testDilutionOfPositionInvariant()
        except ValueError:
            vars(self).update(kept)  # the values as they were
            raise

    pdop = property(
        lambda self: self._getDOP("pdop"), lambda self, value: self._setDOP("pdop", value)
    )
    hdop = property(
        lambda self: self._getDOP("hdop"), lambda self, value: self._setDOP("hdop", value)
    )
    vdop = property(
        lambda self: self._getDOP("vdop"), lambda self, value: self._setDOP("vdop", value)
    )

    def __repr__(self) -> str:
        return self._REPR_TEMPLATE % (self.pdop, self.hdop, self.vdop)


class BeaconInformation:
    """The beacons seen (``seenBeacons``) and those used for the fix (``usedBeacons``)."""

    def __init__(self, seenBeacons: Iterable[Any] = ()) -> None:
        self.seenBeacons = set(seenBeacons)
        self.usedBeacons: set[Any] = set()

    def __repr__(self) -> str:
        byIdentifier = attrgetter("identifier")
        used = sorted(self.usedBeacons, key=byIdentifier)
        unused = sorted(self.seenBeacons - self.usedBeacons, key=byIdentifier)
        return (
            f"<BeaconInformation (used beacons ({len(used)}): {used!r}, "
            f"unused beacons: {unused!r})>"
        )


@implementer(IPositioningBeacon)
class PositioningBeacon:
    """A beacon, identified by ``identifier`` (hashed as it)."""

    def __init__(self, identifier: Any) -> None:
        self.identifier = identifier

    def __hash__(self) -> int:
        return hash(self.identifier)

    def __repr__(self) -> str:
        return f"<Beacon ({self.identifier})>"


class Satellite(PositioningBeacon):
    """A satellite: its PRN as identifier, its azimuth, elevation and signal-to-noise
    ratio."""

    def __init__(
        self,
        identifier: Any,
        azimuth: Any = None,
        elevation: Any = None,
        signalToNoiseRatio: Any = None,
    ) -> None:
        PositioningBeacon.__init__(self, identifier)
        self.azimuth = azimuth
        self.elevation = elevation
        self.signalToNoiseRatio = signalToNoiseRatio

    def __repr__(self) -> str:
        return (
            f"<Satellite ({self.identifier}), azimuth: {self.azimuth}, "
            f"elevation: {self.elevation}, snr: {self.signalToNoiseRatio}>"
        )
