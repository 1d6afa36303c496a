"""Floors for twisted.web's client side, http_headers, web._auth and cred (see test_proof.py)."""

FLOORS = {
    "twisted.cred.test.test_digestauth": 34,
    "twisted.cred.test.test_strcred": 43,
    "twisted.web.test.test_http_headers": 43,
    "twisted.web.test.test_httpauth": 28,
}
