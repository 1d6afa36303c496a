"""Floors for twistio.conch (and python.fakepwd) under Twisted's own tests (see test_proof.py)."""

FLOORS = {
    "twisted.conch.test.test_transport": 129,
    "twisted.conch.test.test_keys": 86,
    "twisted.conch.test.test_checkers": 44,
    "twisted.conch.test.test_openssh_compat": 3,
    "twisted.conch.test.test_endpoints": 46,
    "twisted.conch.test.test_knownhosts": 82,
    "twisted.conch.test.test_filetransfer": 25,
    "twisted.conch.test.test_unix": 3,
    "twisted.conch.test.test_mixin": 1,
    "twisted.conch.test.test_ckeygen": 36,
    "twisted.conch.test.test_session": 54,
    "twisted.conch.test.test_connection": 26,
    "twisted.conch.test.test_ssh": 17,
    "twisted.conch.test.test_userauth": 33,
    "twisted.conch.test.test_recvline": 48,
    "twisted.conch.test.test_text": 8,
    "twisted.conch.test.test_forwarding": 1,
    "twisted.python.test.test_fakepwd": 26,
    "twisted.conch.test.test_default": 8,
    "twisted.conch.test.test_tap": 7,
}
