"""Floors of twisted.pair's test modules (the pair helper's area)."""

FLOORS = {
    "twisted.pair.test.test_ethernet": 9,
    "twisted.pair.test.test_ip": 9,
    "twisted.pair.test.test_rawudp": 9,
    # 102 of 118: the 16 tests of the real-device classes are skipped when run as root
    # (they create TAP devices; tests/proof/_child.py SKIP_CLASSES_AS_ROOT).
    "twisted.pair.test.test_tuntap": 102,
}
