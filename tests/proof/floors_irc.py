"""Floors for twisted.words' IRC half (and the chat service), added for issue 14 (see
test_proof.py)."""

FLOORS = {
    "twisted.words.test.test_irc": 182,
    "twisted.words.test.test_irc_service": 16,
    "twisted.words.test.test_service": 28,
    "twisted.words.test.test_ircsupport": 14,
    "twisted.words.test.test_basechat": 3,
    "twisted.words.test.test_basesupport": 3,
    "twisted.words.test.test_tap": 3,
}
