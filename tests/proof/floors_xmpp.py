"""Floors for Twisted Words' XMPP half (xish and jabber; see test_proof.py)."""

FLOORS = {
    "twisted.words.test.test_domish": 72,
    "twisted.words.test.test_xpath": 26,
    "twisted.words.test.test_xishutil": 14,
    "twisted.words.test.test_xmlstream": 15,
    "twisted.words.test.test_jabberxmlstream": 86,
    "twisted.words.test.test_jabberjid": 25,
    "twisted.words.test.test_jabbererror": 22,
    "twisted.words.test.test_jabbercomponent": 19,
    "twisted.words.test.test_jabbersasl": 15,
    "twisted.words.test.test_jabberclient": 13,
    "twisted.words.test.test_jabbersaslmechanisms": 10,
    "twisted.words.test.test_xmpproutertap": 7,
    "twisted.words.test.test_jabberxmppstringprep": 6,
    "twisted.words.test.test_jabberjstrports": 2,
}
