"""Floors of twisted.pair's test modules (the pair helper's area)."""

FLOORS = {
    "twisted.pair.test.test_ethernet": 9,
    "twisted.pair.test.test_ip": 9,
    "twisted.pair.test.test_rawudp": 9,
}
