"""Floors of Twisted's reactor test suites (ReactorBuilder runs each test on each reactor
class it can build: select, poll, epoll, asyncio and threadedselect, all twistio's asyncio
reactor)."""

FLOORS = {
    "twisted.internet.test.test_core": 70,
    "twisted.internet.test.test_socket": 40,
    "twisted.internet.test.test_time": 10,
    "twisted.internet.test.test_threads": 50,
    "twisted.internet.test.test_udp": 180,
    "twisted.internet.test.test_base": 25,
    "twisted.internet.test.test_stdio": 35,
    "twisted.test.test_strerror": 5,
    "twisted.test.test_fdesc": 12,
    "twisted.internet.test.test_inotify": 26,
    "twisted.python.test.test_inotify": 6,
    "twisted.internet.test.test_protocol": 25,
    "twisted.test.test_internet": 60,
    "twisted.test.test_tcp": 31,
}
