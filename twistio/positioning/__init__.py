"""Positioning: where a device is, how fast it goes, which satellites it sees.

``base`` has the values (``Coordinate``, ``Heading``, ``Speed``, ``Altitude``,
``PositionError``, ``Satellite`` ...), ``ipositioning`` the receiver interfaces, and ``nmea``
reads NMEA 0183 sentences (a GPS device's serial output) and calls a positioning receiver.
"""
