"""Floors for Perspective Broker (twistio.spread), added for issue 14 (see test_proof.py)."""

FLOORS = {
    "twisted.spread.test.test_banana": 25,
    "twisted.spread.test.test_jelly": 33,
    "twisted.spread.test.test_pb": 45,
    "twisted.spread.test.test_pbfailure": 29,
}
