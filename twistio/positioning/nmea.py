"""NMEA 0183: the sentences GPS devices write, read into positioning data.

A sentence is a line ``$<type>,<field>,<field>...*<checksum>``, the checksum being the XOR
of the bytes between ``$`` and ``*`` in two hex digits. ``NMEAProtocol`` checks and splits
lines into ``NMEASentence``\\ s (fields named after ``_SENTENCE_CONTENTS``) for an
``INMEAReceiver``; ``NMEAAdapter`` is that receiver for an ``IPositioningReceiver``: it turns
fields into ``base`` values, keeps what earlier sentences said (a GSV sequence spreads the
satellites over several sentences; RMC gives the date that GGA lacks) and calls each
receiver method whose arguments are all known and one of them new.
"""

from __future__ import annotations

import datetime
import operator
from functools import reduce
from typing import Any, ClassVar

from twistio.internet.interfaces import implementer
from twistio.positioning import _sentence, base, ipositioning
from twistio.positioning._constants import ValueConstant, Values
from twistio.positioning.base import Angles
from twistio.protocols.basic import LineReceiver


class GPGGAFixQualities(Values):
    """The fix qualities of a GGA sentence."""

    INVALID_FIX = ValueConstant("0")
    GPS_FIX = ValueConstant("1")
    DGPS_FIX = ValueConstant("2")
    PPS_FIX = ValueConstant("3")
    RTK_FIX = ValueConstant("4")
    FLOAT_RTK_FIX = ValueConstant("5")
    DEAD_RECKONING = ValueConstant("6")
    MANUAL = ValueConstant("7")
    SIMULATED = ValueConstant("8")


class GPGLLGPRMCFixQualities(Values):
    """The data modes of GLL and RMC sentences: active (valid) or void."""

    ACTIVE = ValueConstant("A")
    VOID = ValueConstant("V")


class GPGSAFixTypes(Values):
    """The fix types of a GSA sentence."""

    GSA_NO_FIX = ValueConstant("1")
    GSA_2D_FIX = ValueConstant("2")
    GSA_3D_FIX = ValueConstant("3")


def _split(sentence: bytes) -> list[bytes]:
    """The fields of a sentence, its type first, without the ``$`` and the checksum."""
    if sentence[-3:-2] == b"*":
        body = sentence[1:-3]
    elif sentence[-1:] == b"*":  # a star without a checksum
        body = sentence[1:-1]
    else:
        raise base.InvalidSentence(f"malformed sentence {sentence!r}")
    return body.split(b",")


def _validateChecksum(sentence: bytes) -> None:
    """Raise ``InvalidChecksum`` when the sentence's checksum does not match (sentences
    without one pass)."""
    if sentence[-3:-2] != b"*":
        return
    expected = int(sentence[-2:], 16)
    actual = reduce(operator.xor, sentence[1:-3], 0)
    if actual != expected:
        raise base.InvalidChecksum(f"{actual:02x} != {expected:02x}")


def _fields(*names: str | None) -> list[str | None]:
    return list(names)


def _numbered(template: str, count: int) -> list[str | None]:
    return [template % n for n in range(count)]


def _satelliteFields() -> list[str | None]:
    found: list[str | None] = []
    for n in range(4):
        found += [f"satellitePRN_{n}", f"elevation_{n}", f"azimuth_{n}", f"signalToNoiseRatio_{n}"]
    return found


def _withUnits(name: str) -> list[str]:
    """A measure's field and the field of its units, as they follow each other."""
    return [name, f"{name}Units"]


_POSITION = ["latitudeFloat", "latitudeHemisphere", "longitudeFloat", "longitudeHemisphere"]


class NMEAProtocol(LineReceiver, _sentence._PositioningSentenceProducerMixin):
    """Reads NMEA lines: checks each checksum, splits the fields, and hands an
    ``NMEASentence`` to the receiver (after ``sentenceCallback``, if given, which may
    massage it). A sentence of a type it does not know raises ``ValueError``."""

    # The fields of each sentence type, in order (None: a field that is not kept).
    _SENTENCE_CONTENTS: ClassVar[dict[str, list[str | None]]] = {
        "GPGGA": _fields(
            "timestamp",
            *_POSITION,
            "fixQuality",
            "numberOfSatellitesSeen",
            "horizontalDilutionOfPrecision",
            *_withUnits("altitude"),
            *_withUnits("heightOfGeoidAboveWGS84"),
            None,  # the age of the differential data
            None,  # the differential reference station
        ),
        "GPRMC": _fields(
            "timestamp",
            "dataMode",
            *_POSITION,
            "speedInKnots",
            "trueHeading",
            "datestamp",
            "magneticVariation",
            "magneticVariationDirection",
        ),
        "GPGSV": _fields("numberOfGSVSentences", "GSVSentenceIndex", "numberOfSatellitesSeen")
        + _satelliteFields(),
        "GPGLL": _fields(*_POSITION, "timestamp", "dataMode"),
        "GPHDT": _fields("trueHeading"),
        "GPTRF": _fields(
            "datestamp",
            "timestamp",
            *_POSITION,
            "elevation",
            "numberOfIterations",
            "numberOfDopplerIntervals",
            "updateDistanceInNauticalMiles",
            "satellitePRN",
        ),
        "GPGSA": _fields("dataMode", "fixType")
        + _numbered("usedSatellitePRN_%d", 12)
        + _fields(
            "positionDilutionOfPrecision",
            "horizontalDilutionOfPrecision",
            "verticalDilutionOfPrecision",
        ),
    }

    def __init__(self, receiver: Any, sentenceCallback: Any = None) -> None:
        self._receiver = receiver
        self._sentenceCallback = sentenceCallback

    def lineReceived(self, rawSentence: bytes) -> None:
        _validateChecksum(rawSentence)
        kind, *values = (field.decode("ascii") for field in _split(rawSentence))
        names = self._SENTENCE_CONTENTS.get(kind)
        if names is None:
            raise ValueError(f"unknown sentence type {kind}")
        data: dict[str, Any] = {"type": kind}
        data.update(
            (name, value)
            for name, value in zip(names, values, strict=False)
            if name is not None and value
        )
        sentence = NMEASentence(data)
        if self._sentenceCallback is not None:
            self._sentenceCallback(sentence)
        self._receiver.sentenceReceived(sentence)


class NMEASentence(_sentence._BaseSentence):
    """One NMEA sentence: its fields as ASCII strings, by the names of
    ``NMEAProtocol._SENTENCE_CONTENTS`` (None when absent)."""

    ALLOWED_ATTRIBUTES = NMEAProtocol.getSentenceAttributes()

    def _isFirstGSVSentence(self) -> bool:
        """Whether this is the first GSV sentence of its sequence."""
        return bool(self.GSVSentenceIndex == "1")

    def _isLastGSVSentence(self) -> bool:
        """Whether this is the last GSV sentence of its sequence."""
        return bool(self.GSVSentenceIndex == self.numberOfGSVSentences)


def _knots(value: Any) -> base.Speed:
    return base.Speed(float(value) * base.MPS_PER_KNOT)


def _kph(value: Any) -> base.Speed:
    return base.Speed(float(value) * base.MPS_PER_KPH)


def _variation(value: Any) -> base.Angle:
    return base.Angle(float(value), Angles.VARIATION)


def _altitude(value: Any) -> base.Altitude:
    return base.Altitude(float(value))


# The field giving the direction (the sign) of each kind of angle, and the signs.
_DIRECTION_FIELDS = {
    Angles.LATITUDE: "latitudeHemisphere",
    Angles.LONGITUDE: "longitudeHemisphere",
    Angles.VARIATION: "magneticVariationDirection",
}
_SIGNS = {"N": 1, "E": 1, "S": -1, "W": -1}


def _calling(method: str, *args: Any, **kw: Any) -> Any:
    """A fixer: calls the adapter's ``method`` with these arguments."""

    def fix(adapter: Any) -> None:
        getattr(adapter, method)(*args, **kw)

    return fix


# The receiver methods, and the state keys each one's arguments come from.
_CALLBACKS = (
    ("positionReceived", ("latitude", "longitude")),
    ("positionErrorReceived", ("positionError",)),
    ("timeReceived", ("time",)),
    ("headingReceived", ("heading",)),
    ("altitudeReceived", ("altitude",)),
    ("speedReceived", ("speed",)),
    ("climbReceived", ("climb",)),
    ("beaconInformationReceived", ("beaconInformation",)),
)


@implementer(ipositioning.INMEAReceiver)
class NMEAAdapter:
    """Receives ``NMEASentence``\\ s and calls an ``IPositioningReceiver``.

    ``_state`` is what is known so far; ``_sentenceData`` what the sentence being handled
    (``currentSentence``) says, converted. A sentence reporting no fix clears the state. A
    two-digit year is placed in the century starting at ``yearThreshold``.
    """

    yearThreshold = 1980

    # sentence field -> (state key, factory of a new value, attribute set, converter)
    _STATEFUL_UPDATE: ClassVar[dict[str, tuple[str, Any, str, Any]]] = {
        "trueHeading": ("heading", base.Heading, "_angle", float),
        "magneticVariation": ("heading", base.Heading, "variation", _variation),
        "horizontalDilutionOfPrecision": ("positionError", base.PositionError, "hdop", float),
        "verticalDilutionOfPrecision": ("positionError", base.PositionError, "vdop", float),
        "positionDilutionOfPrecision": ("positionError", base.PositionError, "pdop", float),
    }

    # Units already metric, and converters to metric for the others.
    _ACCEPTABLE_UNITS = frozenset(["M"])
    _UNIT_CONVERTERS: ClassVar[dict[str, Any]] = {"N": _knots, "K": _kph}

    def __init__(self, receiver: Any) -> None:
        self._state: dict[str, Any] = {}
        self._sentenceData: dict[str, Any] = {}
        self._receiver = receiver
        self.currentSentence: Any = None

    # -- the conversions of single fields

    def _fixTimestamp(self) -> None:
        """``hhmmss[.ss]`` to a ``datetime.time`` (UTC; fractions of a second dropped)."""
        stamp = self.currentSentence.timestamp
        hours, minutes, seconds = (int(stamp[i : i + 2]) for i in (0, 2, 4))
        self._sentenceData["_time"] = datetime.time(hours, minutes, seconds)

    def _fixDatestamp(self) -> None:
        """``ddmmyy`` to a ``datetime.date``; ``ValueError`` for an impossible date."""
        stamp = self.currentSentence.datestamp
        day, month, shortYear = (int(stamp[i : i + 2]) for i in (0, 2, 4))
        century = self.yearThreshold - self.yearThreshold % 100
        year = century + shortYear
        if year < self.yearThreshold:
            year += 100
        self._sentenceData["_date"] = datetime.date(year, month, day)

    def _fixCoordinateFloat(self, coordinateType: Any) -> None:
        """``dddmm.mmmm`` (degrees, then minutes) to a ``base.Coordinate``."""
        key = "latitude" if coordinateType is Angles.LATITUDE else "longitude"
        text = getattr(self.currentSentence, key + "Float")
        whole, _dot, fraction = text.partition(".")
        degrees = int(whole[:-2] or 0)
        minutes = float(f"{whole[-2:]}.{fraction or 0}")
        self._sentenceData[key] = base.Coordinate(degrees + minutes / 60, coordinateType)

    def _fixHemisphereSign(self, coordinateType: Any, sentenceDataKey: Any = None) -> None:
        """Give the value under ``sentenceDataKey`` (default: ``coordinateType``) the sign
        of its hemisphere; call once its magnitude is in the sentence data."""
        key = coordinateType if sentenceDataKey is None else sentenceDataKey
        sign = self._getHemisphereSign(coordinateType)
        self._sentenceData[key].setSign(sign)

    def _getHemisphereSign(self, coordinateType: Any) -> int:
        """1 for north and east, -1 for south and west."""
        field = _DIRECTION_FIELDS.get(coordinateType)
        if field is None:
            raise ValueError(f"unknown coordinate type {coordinateType}")
        direction = getattr(self.currentSentence, field).upper()
        sign = _SIGNS.get(direction)
        if sign is not None:
            return sign
        raise ValueError(f"bad hemisphere/direction: {direction}")

    def _convert(self, key: str, converter: Any) -> None:
        """Put ``converter(field)`` in the sentence data under the field's name."""
        self._sentenceData[key] = converter(getattr(self.currentSentence, key))

    def _statefulUpdate(self, sentenceKey: str) -> None:
        """Set one attribute of a value built over several fields (a heading and its
        variation, the three dilutions), starting from the known value when there is one."""
        key, factory, attribute, converter = self._STATEFUL_UPDATE[sentenceKey]
        if key not in self._sentenceData:
            known = self._state.get(key)
            self._sentenceData[key] = factory() if known is None else known
        value = converter(getattr(self.currentSentence, sentenceKey))
        setattr(self._sentenceData[key], attribute, value)

    def _fixUnits(
        self,
        unitKey: str | None = None,
        valueKey: str | None = None,
        sourceKey: str | None = None,
        unit: str | None = None,
    ) -> None:
        """Convert a value to metric (nothing to do for metric units).

        ``unit`` defaults to the field ``unitKey``; ``valueKey`` (where the result goes) to
        ``unitKey`` without its ``Units`` suffix; ``sourceKey`` (the field read) to
        ``valueKey``.
        """
        if unit is None:
            if not unitKey:
                raise ValueError("neither a unit nor the field that has it")
            unit = getattr(self.currentSentence, unitKey)
        if valueKey is None:
            if not unitKey:
                raise ValueError("neither valueKey nor unitKey")
            valueKey = unitKey[: -len("Units")] if unitKey.endswith("Units") else unitKey
        if sourceKey is None:
            sourceKey = valueKey
        if unit in self._ACCEPTABLE_UNITS:
            return
        convert = self._UNIT_CONVERTERS[unit]
        self._sentenceData[valueKey] = convert(getattr(self.currentSentence, sourceKey))

    # -- sentence-wide conversions

    def _fixGSV(self) -> None:
        """The satellites of a GSV sentence, as partial beacon information."""
        sentence = self.currentSentence
        seen = base.BeaconInformation()
        for n in range(4):
            prn = getattr(sentence, f"satellitePRN_{n}")
            snr = getattr(sentence, f"signalToNoiseRatio_{n}")
            if prn is None or snr is None:
                continue
            satellite = base.Satellite(
                int(prn),
                getattr(sentence, f"azimuth_{n}"),
                getattr(sentence, f"elevation_{n}"),
                snr,
            )
            seen.seenBeacons.add(satellite)
        self._sentenceData["_partialBeaconInformation"] = seen

    def _fixGSA(self) -> None:
        """The PRNs of the satellites a GSA sentence says were used for the fix."""
        sentence = self.currentSentence
        used = {
            int(prn)
            for prn in (getattr(sentence, f"usedSatellitePRN_{n}") for n in range(12))
            if prn is not None
        }
        self._sentenceData["_usedPRNs"] = used

    _SPECIFIC_SENTENCE_FIXES: ClassVar[dict[str, Any]] = {
        "GPGSV": _fixGSV,
        "GPGSA": _fixGSA,
    }

    def _sentenceSpecificFix(self) -> None:
        """Run the conversion particular to the current sentence's type, if any."""
        fix = self._SPECIFIC_SENTENCE_FIXES.get(self.currentSentence.type)
        if fix is not None:
            fix(self)

    # field -> its conversion, a call of one of the methods above
    _FIXERS: ClassVar[dict[str, Any]] = {
        "type": _calling("_sentenceSpecificFix"),
        "timestamp": _calling("_fixTimestamp"),
        "datestamp": _calling("_fixDatestamp"),
        "speedInKnots": _calling("_fixUnits", valueKey="speed", sourceKey="speedInKnots", unit="N"),
        "magneticVariationDirection": _calling("_fixHemisphereSign", Angles.VARIATION, "heading"),
        **{
            f"{name}Float": _calling("_fixCoordinateFloat", kind)
            for name, kind in (("latitude", Angles.LATITUDE), ("longitude", Angles.LONGITUDE))
        },
        **{
            f"{name}Hemisphere": _calling("_fixHemisphereSign", kind, name)
            for name, kind in (("latitude", Angles.LATITUDE), ("longitude", Angles.LONGITUDE))
        },
        **{
            height: _calling("_convert", height, _altitude)
            for height in ("altitude", "heightOfGeoidAboveWGS84")
        },
        **{
            f"{height}Units": _calling("_fixUnits", unitKey=f"{height}Units")
            for height in ("altitude", "heightOfGeoidAboveWGS84")
        },
        **{field: _calling("_statefulUpdate", field) for field in _STATEFUL_UPDATE},
    }

    # -- receiving

    def clear(self) -> None:
        """Forget everything: the state and the current sentence's data."""
        self._state = {}
        self._sentenceData = {}

    def sentenceReceived(self, sentence: NMEASentence) -> None:
        """Convert ``sentence``, update the state, call the receiver; a sentence that
        reports no fix (or cannot be used) clears the state instead."""
        self.currentSentence, self._sentenceData = sentence, {}
        if not self._readCurrentSentence():
            self.clear()
            return
        self._updateState()
        self._fireSentenceCallbacks()

    def _readCurrentSentence(self) -> bool:
        """Convert the current sentence's fields; False when it is not usable."""
        try:
            self._validateCurrentSentence()
            self._cleanCurrentSentence()
        except base.InvalidSentence:
            return False
        return True

    def _validateCurrentSentence(self) -> None:
        """``InvalidSentence`` when the sentence says there is no valid fix."""
        sentence = self.currentSentence
        # A field holds the text of a value, or the constant itself (as sentences a
        # program builds may).
        for field, constant in (
            ("fixQuality", GPGGAFixQualities.INVALID_FIX),
            ("dataMode", GPGLLGPRMCFixQualities.VOID),
            ("fixType", GPGSAFixTypes.GSA_NO_FIX),
        ):
            if getattr(sentence, field) in (constant, constant.value):
                raise base.InvalidSentence("bad sentence")

    def _cleanCurrentSentence(self) -> None:
        """Run the conversion of every field the sentence has."""
        for key in self.currentSentence.presentAttributes:
            fixer = self._FIXERS.get(key)
            if fixer is not None:
                fixer(self)

    def _updateState(self) -> None:
        """Merge what the sentence said into the state."""
        self._updateBeaconInformation()
        self._state.update(self._sentenceData)
        self._combineDateAndTime()

    def _updateBeaconInformation(self) -> None:
        """Fold a GSV sentence's satellites into those of its sequence; at the sequence's
        end, they become the state's ``beaconInformation``."""
        partial = self._sentenceData.get("_partialBeaconInformation")
        if partial is None:
            return
        sentence = self.currentSentence
        if not sentence._isFirstGSVSentence():
            self._mergeBeaconInformation(partial)
        self._updateUsedBeacons(partial)
        if sentence._isLastGSVSentence():
            self._state.pop("_partialBeaconInformation", None)
            self._sentenceData.pop("_partialBeaconInformation", None)
            self._state["beaconInformation"] = partial
            self._sentenceData["beaconInformation"] = partial
        else:
            self._state["_partialBeaconInformation"] = partial

    def _updateUsedBeacons(self, beaconInformation: base.BeaconInformation) -> None:
        """Mark as used the beacons whose PRN the last GSA sentence listed."""
        used = self._sentenceData.get("_usedPRNs", self._state.get("_usedPRNs"))
        if not used:
            return
        for beacon in beaconInformation.seenBeacons:
            if beacon.identifier in used:
                beaconInformation.usedBeacons.add(beacon)

    def _mergeBeaconInformation(self, newBeaconInformation: base.BeaconInformation) -> None:
        """Add the beacons of the sequence so far (in the state) to
        ``newBeaconInformation``."""
        earlier = self._state.get("_partialBeaconInformation")
        if earlier is None or earlier is newBeaconInformation:
            return
        newBeaconInformation.seenBeacons |= earlier.seenBeacons
        newBeaconInformation.usedBeacons |= earlier.usedBeacons

    def _combineDateAndTime(self) -> None:
        """The state's date and time as one ``datetime`` (``time``), once both are known
        and one of them is new."""
        if "_date" not in self._sentenceData and "_time" not in self._sentenceData:
            return
        date, time = self._state.get("_date"), self._state.get("_time")
        if date is None or time is None:
            return
        combined = datetime.datetime.combine(date, time)
        self._state["time"] = self._sentenceData["time"] = combined

    def _fireSentenceCallbacks(self) -> None:
        """Call each receiver method whose arguments are all in the state and one of them
        in the current sentence."""
        for method, keys in _CALLBACKS:
            if not all(key in self._state for key in keys):
                continue
            if not any(key in self._sentenceData for key in keys):
                continue
            getattr(self._receiver, method)(**{key: self._state[key] for key in keys})
