"""Floors for Twisted Words' XMPP half (xish and jabber; see test_proof.py)."""

FLOORS = {
    "twisted.words.test.test_domish": 72,
    "twisted.words.test.test_xpath": 26,
    "twisted.words.test.test_xishutil": 14,
    "twisted.words.test.test_xmlstream": 15,
}
