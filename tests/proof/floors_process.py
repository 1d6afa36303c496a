"""Floors for Twisted's test modules of the process/threads area (tests that must pass)."""

FLOORS = {
    "twisted._threads.test.test_convenience": 5,
    "twisted._threads.test.test_memory": 3,
    "twisted._threads.test.test_team": 13,
    "twisted._threads.test.test_threadworker": 9,
    "twisted.test.test_threadpool": 19,
    "twisted.test.test_threads": 14,
    "twisted.internet.test.test_endpoints": 180,
    "twisted.python.test.test_systemd": 11,
}
