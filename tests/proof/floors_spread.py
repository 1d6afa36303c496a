"""Floors for Perspective Broker (twistio.spread) and twistio.positioning, added for issue 14
(see test_proof.py)."""

FLOORS = {
    "twisted.spread.test.test_banana": 25,
    "twisted.spread.test.test_jelly": 34,
    "twisted.spread.test.test_pb": 46,
    "twisted.spread.test.test_pbfailure": 29,
    "twisted.positioning.test.test_base": 81,
    "twisted.positioning.test.test_nmea": 66,
    "twisted.positioning.test.test_sentence": 6,
}
