"""Floors for trial's own test modules (see test_proof.py)."""

FLOORS = {
    "twisted.trial.test.test_assertions": 113,
    "twisted.trial.test.test_deferred": 25,
    "twisted.trial.test.test_testcase": 4,
    "twisted.trial.test.test_util": 37,
    "twisted.trial.test.test_tests": 137,
    "twisted.trial.test.test_reporter": 118,
    "twisted.trial.test.test_runner": 49,
    "twisted.trial.test.test_keyboard": 6,
    "twisted.trial.test.test_output": 13,
    "twisted.trial.test.test_loader": 71,
    "twisted.trial.test.test_log": 17,
    "twisted.trial.test.test_warning": 20,
    "twisted.trial.test.test_pyunitcompat": 10,
}
