"""Floors for the web modules worked on the names branch (see test_proof.py)."""

FLOORS = {
    "twisted.web.test.test_wsgi": 99,
    "twisted.web.test.test_tap": 19,
}
