"""Floors for the proof helper's area of issue 14: trial, twisted.python, twisted.logger,
twisted.persisted and the application runner (see test_proof.py)."""

FLOORS = {
    "twisted.cred.test.test_simpleauth": 8,
    "twisted.test.test_failure": 44,
    "twisted.test.test_cooperator": 29,
    "twisted.python.test.test_urlpath": 42,
}
