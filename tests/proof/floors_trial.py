"""Floors for trial's own test modules (see test_proof.py)."""

FLOORS = {
    "twisted.trial.test.test_assertions": 109,
}
