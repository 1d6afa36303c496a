"""Floors for the protocol modules twistio added for issue 14: AMP, FTP, SIP (see test_proof.py)."""

FLOORS = {
    "twisted.test.test_amp": 139,
}
