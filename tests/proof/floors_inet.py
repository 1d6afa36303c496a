"""Floors of Twisted's reactor test suites (ReactorBuilder runs each test on each reactor
name twistio gives: select, poll, epoll and asyncio, all twistio's asyncio reactor)."""

FLOORS = {
    "twisted.internet.test.test_core": 56,
    "twisted.internet.test.test_socket": 32,
    "twisted.internet.test.test_time": 8,
}
