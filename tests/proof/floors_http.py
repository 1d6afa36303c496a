"""Floors for twisted.web's server side, templates and helpers (branch http; see test_proof.py)."""

FLOORS = {
    "twisted.web.test.test_error": 37,
    "twisted.web.test.test_util": 22,
    "twisted.web.test.test_flatten": 32,
    "twisted.web.test.test_web__responses": 1,
    "twisted.web.test.test_html": 1,
}
