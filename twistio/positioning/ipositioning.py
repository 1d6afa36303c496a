"""The positioning interfaces: receivers of positioning data, beacons, NMEA receivers."""

from __future__ import annotations

from typing import Any, Protocol

from twistio.internet.interfaces import Interface

__all__ = ["INMEAReceiver", "IPositioningBeacon", "IPositioningReceiver"]


class IPositioningReceiver(Interface, Protocol):
    """Receives positioning data; each method is called with keyword arguments."""

    def positionReceived(self, latitude: Any, longitude: Any) -> None:
        """A position (two ``base.Coordinate``\\ s)."""

    def positionErrorReceived(self, positionError: Any) -> None:
        """Dilutions of precision (a ``base.PositionError``)."""

    def timeReceived(self, time: Any) -> None:
        """The date and time, UTC (a ``datetime.datetime``)."""

    def headingReceived(self, heading: Any) -> None:
        """The heading (a ``base.Heading``)."""

    def altitudeReceived(self, altitude: Any) -> None:
        """The altitude (a ``base.Altitude``)."""

    def speedReceived(self, speed: Any) -> None:
        """The ground speed (a ``base.Speed``)."""

    def climbReceived(self, climb: Any) -> None:
        """The vertical speed (a ``base.Climb``)."""

    def beaconInformationReceived(self, beaconInformation: Any) -> None:
        """The beacons seen and used (a ``base.BeaconInformation``)."""


class IPositioningBeacon(Interface, Protocol):
    """A positioning beacon (a satellite, a cell tower ...)."""

    identifier: Any


class INMEAReceiver(Interface, Protocol):
    """Receives parsed NMEA sentences."""

    def sentenceReceived(self, sentence: Any) -> None:
        """An ``nmea.NMEASentence``."""
