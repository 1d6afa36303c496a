"""Floors for the protocol modules twistio added for issue 14: AMP, FTP, SIP (see test_proof.py)."""

FLOORS = {
    "twisted.test.test_amp": 139,
    "twisted.test.test_ftp": 220,
    "twisted.test.test_ftp_options": 4,
    "twisted.test.test_sip": 46,
}
