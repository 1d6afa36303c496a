"""twistio.positioning: NMEA sentences in, positioning callbacks out (compared with what
Twisted's adapter reports for the same lines, where Twisted is installed)."""

from __future__ import annotations

import datetime
from importlib import import_module
from typing import Any

import pytest

from twistio.positioning import base, ipositioning, nmea

LINES = [
    b"$GPGGA,123519,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,*42",
    b"$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A",
    b"$GPGSA,A,3,19,28,14,18,27,22,31,39,,,,,1.7,1.0,1.3*34",
    b"$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74",
    b"$GPGSV,3,2,11,14,25,170,00,16,57,208,39,18,67,296,40,19,40,246,00*74",
    b"$GPGSV,3,3,11,22,42,067,42,24,14,311,43,27,05,244,00,,,,*4D",
    b"$GPGLL,4916.45,N,12311.12,W,225444,A*31",
    b"$GPHDT,038.005,T*3B",
    b"$GPGGA,123519,4807.038,N,01131.324,E,0,08,0.9,545.4,M,46.9,M,,*43",
]


def _run(package: str) -> list[tuple[str, str]]:
    """The callbacks (name, repr of keyword arguments) ``package``'s adapter makes."""
    positioning_base = import_module(f"{package}.positioning.base")
    positioning_nmea = import_module(f"{package}.positioning.nmea")
    calls: list[tuple[str, str]] = []

    class Recorder(positioning_base.BasePositioningReceiver):  # type: ignore[name-defined,misc]
        pass

    for name in (
        "positionReceived",
        "positionErrorReceived",
        "timeReceived",
        "headingReceived",
        "altitudeReceived",
        "speedReceived",
        "climbReceived",
        "beaconInformationReceived",
    ):

        def record(self: Any, _name: str = name, **kw: Any) -> None:
            calls.append((_name, repr(sorted(kw.items()))))

        setattr(Recorder, name, record)
    protocol = positioning_nmea.NMEAProtocol(positioning_nmea.NMEAAdapter(Recorder()))
    for line in LINES:
        protocol.lineReceived(line)
    return calls


def test_callbacks() -> None:
    calls = _run("twistio")
    names = [name for name, _ in calls]
    assert names[:3] == ["positionReceived", "positionErrorReceived", "altitudeReceived"]
    assert "beaconInformationReceived" in names
    beacons = [args for name, args in calls if name == "beaconInformationReceived"][0]
    assert "used beacons (5)" in beacons
    times = [args for name, args in calls if name == "timeReceived"]
    assert "datetime.datetime(1994, 3, 23, 12, 35, 19)" in times[0]


def test_same_as_twisted() -> None:
    pytest.importorskip("twisted.positioning.nmea")
    assert _run("twistio") == _run("twisted")


def test_checksum_and_split() -> None:
    with pytest.raises(base.InvalidChecksum, match="4f != 00"):
        nmea._validateChecksum(b"$GPGGA,spam,eggs*00")
    assert nmea._split(b"$GPGGA,spam,eggs*00") == [b"GPGGA", b"spam", b"eggs"]
    assert nmea._split(b"$GPGGA,spam,eggs*") == [b"GPGGA", b"spam", b"eggs"]
    with pytest.raises(base.InvalidSentence):
        nmea._split(b"$GPGGA,spam,eggs")


def test_unknown_sentence_type() -> None:
    protocol = nmea.NMEAProtocol(nmea.NMEAAdapter(base.BasePositioningReceiver()))
    with pytest.raises(ValueError):
        protocol.lineReceived(b"$GPBOGUS*5b")


def test_adapter_state_and_clear() -> None:
    adapter = nmea.NMEAAdapter(base.BasePositioningReceiver())
    protocol = nmea.NMEAProtocol(adapter)
    protocol.lineReceived(LINES[1])
    assert adapter._state["time"] == datetime.datetime(1994, 3, 23, 12, 35, 19)
    assert adapter._state["heading"].variation.inDecimalDegrees == -3.1
    assert adapter._state["speed"].inKnots == pytest.approx(22.4)
    protocol.lineReceived(LINES[-1])  # no fix: everything is forgotten
    assert adapter._state == {}


def test_sentence_attributes() -> None:
    sentence = nmea.NMEASentence({"type": "GPGGA", "altitude": "545.4"})
    assert sentence.altitude == "545.4"
    assert sentence.timestamp is None
    with pytest.raises(AttributeError):
        _ = sentence.bogus
    assert repr(sentence) == "<NMEASentence (GPGGA) {altitude: 545.4}>"


def test_interface_iterates_its_names() -> None:
    assert list(ipositioning.IPositioningReceiver)[:2] == [
        "positionReceived",
        "positionErrorReceived",
    ]


def test_base_values() -> None:
    assert repr(base.Coordinate(-10.0, base.Angles.LONGITUDE)) == "<Longitude (-10.0 degrees)>"
    assert base.Coordinate(0.0, base.Angles.LATITUDE).hemisphere is base.Directions.NORTH
    with pytest.raises(ValueError):
        base.Angle(90.0, base.Angles.LATITUDE)
    heading = base.Heading.fromFloats(10.0, 1.0)
    assert heading.correctedHeading == base.Angle(9.0, base.Angles.HEADING)
    error = base.PositionError(hdop=3.0, vdop=4.0)
    assert error.pdop == 5.0
    with pytest.raises(ValueError):
        base.PositionError(pdop=1.0, hdop=1.0, vdop=1.0, testInvariant=True)
    assert base.Speed(1.0).inKnots == pytest.approx(1 / base.MPS_PER_KNOT)
    with pytest.raises(ValueError):
        base.Speed(-1.0)
