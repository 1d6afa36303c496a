"""Floors for twisted.words' IRC half, added for issue 14 (see test_proof.py)."""

FLOORS = {
    "twisted.words.test.test_irc": 182,
}
