"""Floors for twistio.runner (procmon) under Twisted's tests (see test_proof.py)."""

FLOORS = {
    "twisted.runner.test.test_procmon": 32,
    "twisted.runner.test.test_procmontap": 7,
}
