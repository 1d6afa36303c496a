"""Floors for twisted.web's server side, templates and helpers (branch http; see test_proof.py)."""

FLOORS = {
    "twisted.web.test.test_error": 37,
    "twisted.web.test.test_util": 22,
    "twisted.web.test.test_flatten": 35,
    "twisted.web.test.test_web__responses": 1,
    "twisted.web.test.test_html": 1,
    "twisted.web.test.test_vhost": 9,
    "twisted.web.test.test_stan": 12,
    "twisted.web.test.test_script": 5,
    "twisted.web.test.test_websocket": 12,
    "twisted.web.test.test_domhelpers": 31,
    "twisted.web.test.test_xml": 62,
}
