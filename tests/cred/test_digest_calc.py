"""cred.credentials' RFC 2617 helpers (calcHA1, calcHA2, calcResponse), against Twisted's."""

from __future__ import annotations

import hashlib

import pytest

from twistio.cred import credentials, error

twisted_credentials = pytest.importorskip("twisted.cred.credentials")

CASES = [
    (alg, qop, nc, cnonce)
    for alg in (b"md5", b"md5-sess", b"sha")
    for qop, nc, cnonce in ((None, None, None), (b"auth", b"00000001", b"c0ffee"))
]


@pytest.mark.parametrize(("alg", "qop", "nc", "cnonce"), CASES)
def test_response_matches_twisted(alg: bytes, qop: bytes | None, nc: bytes | None,
                                  cnonce: bytes | None) -> None:
    args = (alg, b"alice", b"realm", b"secret", b"nonce1", cnonce or b"")
    ha1 = credentials.calcHA1(*args)
    assert ha1 == twisted_credentials.calcHA1(*args)
    ha2 = credentials.calcHA2(alg, b"GET", b"/x", qop, None)
    assert ha2 == twisted_credentials.calcHA2(alg, b"GET", b"/x", qop, None)
    ours = credentials.calcResponse(ha1, ha2, alg, b"nonce1", nc, cnonce, qop)
    assert ours == twisted_credentials.calcResponse(ha1, ha2, alg, b"nonce1", nc, cnonce, qop)


def test_auth_int_includes_entity_hash() -> None:
    entity = hashlib.md5(b"body").hexdigest().encode()
    assert credentials.calcHA2(b"md5", b"POST", b"/", b"auth-int", entity) == (
        hashlib.md5(b"POST:/:" + entity).hexdigest().encode()
    )


def test_pre_ha1_is_exclusive_with_password() -> None:
    pre = hashlib.md5(b"alice:realm:secret").hexdigest().encode()
    assert credentials.calcHA1(b"md5", None, None, None, b"n", b"c", preHA1=pre) == pre
    with pytest.raises(TypeError):
        credentials.calcHA1(b"md5", b"alice", None, None, b"n", b"c", preHA1=pre)


def test_malformed_opaque_time_is_named() -> None:
    import base64

    factory = credentials.DigestCredentialFactory(b"md5", b"realm")
    nonce = factory.getChallenge("10.0.0.1")["nonce"]
    bad = b"x-" + base64.b64encode(b",".join((nonce, b"10.0.0.1", b"later")))
    with pytest.raises(error.LoginFailed, match="opaque/time"):
        factory._verifyOpaque(bad, nonce, "10.0.0.1")


def test_nonce_comes_from_generate_nonce() -> None:
    class Fixed(credentials.DigestCredentialFactory):
        def _generateNonce(self) -> bytes:
            return b"fixed"

    assert Fixed(b"md5", b"r").getChallenge(None)["nonce"] == b"fixed"
