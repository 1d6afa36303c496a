"""conch.ssh.sexpy: canonical S-expressions, read and written, compared with Twisted."""

from __future__ import annotations

import pytest

from twistio.conch.ssh import sexpy

CASES = [
    [b"abc"],
    [b"abc", [b"x"]],
    [],
    [b""],
    [[b"a"], [b"b"]],
    [b"private-key", [b"rsa-pkcs1", [b"n", b"\x00\xff" * 40], [b"e", b"\x01\x00\x01"]]],
]


@pytest.mark.parametrize("sexp", CASES)
def test_round_trip(sexp: list) -> None:
    packed = b"(" + sexpy.pack(sexp) + b")"
    assert sexpy.parse(packed) == sexp


def test_pack_writes_items_one_after_the_other() -> None:
    assert sexpy.pack([b"a", [b"bc", b"d"]]) == b"1:a(2:bc1:d)"
    assert sexpy.pack([[b"public-key", [b"k", [b"p", b"2"]]]]) == b"(10:public-key(1:k(1:p1:2)))"
    assert sexpy.pack([]) == b""


@pytest.mark.parametrize(
    "bad", [b"3:abc", b"(3:abc", b"(3:ab)", b"(3:abc)(1:y)", b"(3:abc[1:x])", b"(x)", b"())"]
)
def test_malformed(bad: bytes) -> None:
    with pytest.raises(ValueError):
        sexpy.parse(bad)


@pytest.mark.parametrize("sexp", CASES)
def test_same_as_twisted(sexp: list) -> None:
    twisted_sexpy = pytest.importorskip("twisted.conch.ssh.sexpy")
    assert sexpy.pack(sexp) == twisted_sexpy.pack(sexp)
    packed = b"(" + sexpy.pack(sexp) + b")"
    assert sexpy.parse(packed) == twisted_sexpy.parse(packed)
