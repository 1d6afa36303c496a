"""Floors for the lead's modules under Twisted's tests (see test_proof.py)."""

FLOORS = {
    "twisted.runner.test.test_procmon": 36,
    "twisted.runner.test.test_procmontap": 7,
    "twisted.web.test.test_abnf": 11,
    "twisted.internet.test.test_testing": 42,
    "twisted.python.test.test_sendmsg": 12,
    "twisted.trial.test.test_script": 55,
    "twisted.trial._dist.test.test_matchers": 7,
    "twisted.python.test.test_shellcomp": 15,
    "twisted.scripts.test.test_scripts": 3,
    "twisted.web.test.test_distrib": 17,
    "twisted.test.test_error": 8,
    "twisted.test.test_factories": 7,
    "twisted.test.test_adbapi": 9,
    "twisted.test.test_main": 3,
}
