"""Floors for TLS: twisted.protocols.tls, internet.ssl (see test_proof.py)."""

FLOORS = {
    # 53 of 55 today; one test traps pyOpenSSL's Error from a side using twistio's options
    # (known_tls.py), and test_writes_get_aggregated is a hypothesis test whose input
    # generation health check can fail on a loaded machine.
    "twisted.protocols.test.test_tls": 52,
    # 110 of 115 today (5 s): see known_tls.py for the rest.
    "twisted.internet.test.test_tls": 105,
    # 7 of 17 today: startTLS with pyOpenSSL contexts (TLSTests, SpammyTLSTests).
    "twisted.test.test_ssl": 7,
}
