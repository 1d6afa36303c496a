"""web.http_headers' name encoder: canonical capitalisation and a bounded cache."""

from __future__ import annotations

import pytest

from twistio.web.http_headers import Headers, _NameEncoder, _nameEncoder


@pytest.mark.parametrize(
    ("name", "canonical"),
    [(b"content-type", b"Content-Type"), ("x-xss-protection", b"X-XSS-Protection"),
     (b"WWW-authenticate", b"WWW-Authenticate"), ("etag", b"ETag"), (b"te", b"TE")],
)
def test_encode(name: bytes | str, canonical: bytes) -> None:
    assert _nameEncoder.encode(name) == canonical


def test_cache_is_bounded() -> None:
    encoder = _NameEncoder()
    for i in range(encoder._MAX_CACHED_HEADERS + 5):
        encoder.encode(b"x-%d" % i)
    assert len(encoder._canonicalHeaderCache) == encoder._MAX_CACHED_HEADERS
    assert encoder.encode(b"x-99999999") == b"X-99999999"


def test_subclass_repr_names_the_subclass() -> None:
    class Funny(Headers):
        pass

    assert repr(Funny({b"a": [b"b"]})) == "Funny({b'A': [b'b']})"
