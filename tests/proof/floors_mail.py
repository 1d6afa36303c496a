"""Floors for Twisted's mail test modules worked on by the ``mail`` branch (see
test_proof.py); raise a floor when twistio gets better."""

FLOORS = {
    "twisted.mail.test.test_mail": 74,
    "twisted.mail.test.test_mailmail": 15,
    "twisted.mail.test.test_options": 11,
}
