"""Floors for trial's own test modules (see test_proof.py)."""

FLOORS = {
    "twisted.trial.test.test_assertions": 109,
    "twisted.trial.test.test_deferred": 25,
    "twisted.trial.test.test_testcase": 4,
    "twisted.trial.test.test_util": 34,
}
