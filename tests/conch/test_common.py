"""twistio.conch.ssh.common: the SSH wire encodings."""

from __future__ import annotations

import struct

import pytest

from twistio.conch.ssh.common import MP, NS, ffs, getMP, getNS


def test_ns() -> None:
    assert NS(b"ab") == b"\0\0\0\x02ab"
    assert NS("é") == b"\0\0\0\x02\xc3\xa9"
    assert getNS(b"\0\0\0\x02abrest") == (b"ab", b"rest")
    assert getNS(NS(b"a") + NS(b"") + b"x", 2) == (b"a", b"", b"x")


def test_mp() -> None:
    assert MP(0) == b"\0\0\0\0"
    assert MP(0x80) == b"\0\0\0\x02\0\x80"
    assert MP(0x7F) == b"\0\0\0\x01\x7f"
    assert MP(2**64) == b"\0\0\0\x09\x01" + b"\0" * 8
    assert getMP(MP(300) + b"xx") == (300, b"xx")
    assert getMP(MP(1) + MP(2**200), 2) == (1, 2**200, b"")
    with pytest.raises(AssertionError):
        MP(-1)


def test_truncated_input_raises() -> None:
    for bad in [b"", b"\0\0", b"\0\0\0\x09ab"]:
        with pytest.raises(struct.error):
            getNS(bad)
        with pytest.raises(struct.error):
            getMP(bad)
    with pytest.raises(struct.error):
        getNS(NS(b"a"), 2)


def test_ffs() -> None:
    assert ffs([b"a", b"b"], [b"c", b"b"]) == b"b"
    assert ffs([b"x"], [b"y"]) is None


def test_install_is_deprecated() -> None:
    import pytest as _pytest

    from twistio.conch.ssh import common as _common

    with _pytest.warns(DeprecationWarning, match="install was deprecated in Twisted 16.5.0"):
        _common.install()
