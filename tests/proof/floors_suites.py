"""Floors for Twisted's mail and names test modules worked on by the ``suites`` branch (see
test_proof.py); raise a floor when twistio gets better."""

FLOORS = {
    "twisted.mail.test.test_bounce": 4,
    "twisted.mail.test.test_pop3": 125,
    "twisted.mail.test.test_smtp": 66,
    "twisted.names.test.test_client": 69,
    "twisted.names.test.test_names": 61,
    "twisted.names.test.test_rfc1982": 37,
    "twisted.names.test.test_server": 62,
    "twisted.names.test.test_tap": 5,
}
