"""Floors for TLS: twisted.protocols.tls, internet.ssl (see test_proof.py)."""

FLOORS = {
    # 54 of 55 today (on pyOpenSSL under the alias); test_writes_get_aggregated is a
    # hypothesis test whose input generation health check can fail on a loaded machine.
    "twisted.protocols.test.test_tls": 53,
    # 115 of 115 today (5 s).
    "twisted.internet.test.test_tls": 114,
    # 14 of 17 today: startTLS with pyOpenSSL contexts (TLSTests, SpammyTLSTests), the
    # options' pyOpenSSL contexts under the alias, the 26.10 deprecations; the other 3 read
    # Certificate.original as pyOpenSSL's X509 (it is cryptography's).
    "twisted.test.test_ssl": 14,
}
