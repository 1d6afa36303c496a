"""Floors for Twisted's mail and names test modules worked on by the ``suites`` branch (see
test_proof.py); raise a floor when twistio gets better."""

FLOORS = {
    "twisted.names.test.test_rfc1982": 37,
    "twisted.names.test.test_tap": 5,
}
