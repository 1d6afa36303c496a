"""Floors for the proof helper's area of issue 14: trial, twisted.python, twisted.logger,
twisted.persisted and the application runner (see test_proof.py)."""

FLOORS = {
    "twisted.cred.test.test_simpleauth": 8,
}
