"""Floors for twisted.words' IRC half, added for issue 14 (see test_proof.py).

test_service is absent: it imports twisted.spread (Perspective Broker), which twistio does
not provide.
"""

FLOORS = {
    "twisted.words.test.test_irc": 182,
    "twisted.words.test.test_irc_service": 16,
    "twisted.words.test.test_ircsupport": 14,
    "twisted.words.test.test_basechat": 3,
    "twisted.words.test.test_basesupport": 3,
    "twisted.words.test.test_tap": 3,
}
