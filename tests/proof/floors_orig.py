"""Floors for twistd and twist (the orig branch's area; see test_proof.py)."""

FLOORS = {
    "twisted.test.test_twistd": 89,
    "twisted.application.twist.test.test_twist": 9,
}
