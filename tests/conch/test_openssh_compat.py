"""twistio.conch.openssh_compat: host keys and moduli from an OpenSSH server's directory."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

pytest.importorskip("cryptography")

from twistio.conch.openssh_compat import factory, primes  # noqa: E402

from . import _support as S  # noqa: E402

MODULI = ("# Time Type Tests Tries Size Generator Modulus\n"
          "20200101000000 2 6 100 2047 2 FFFF\n"
          "20200101000000 2 6 100 4095 5 AB\n"
          "garbage line\n")


def test_parse_moduli(tmp_path: Path) -> None:
    path = tmp_path / "moduli"
    path.write_text(MODULI)
    assert primes.parseModuliFile(str(path)) == {2048: [(2, 0xFFFF)], 4096: [(5, 0xAB)]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pytest.importorskip("twisted.conch.openssh_compat.primes")
    path.write_text(MODULI.replace("garbage line\n", ""))
    assert primes.parseModuliFile(str(path)) == theirs.parseModuliFile(str(path))


def test_factory_reads_host_keys_and_moduli(tmp_path: Path) -> None:
    for name in ("id_ed25519", "id_rsa"):
        kind = name[3:]
        shutil.copy(S.DATA / name, tmp_path / f"ssh_host_{kind}_key")
        shutil.copy(S.DATA / (name + ".pub"), tmp_path / f"ssh_host_{kind}_key.pub")
    (tmp_path / "moduli").write_text(MODULI)
    f = factory.OpenSSHFactory()
    f.dataRoot = f.moduliRoot = str(tmp_path)
    f.portal = None
    f.startFactory()
    assert set(f.publicKeys) == set(f.privateKeys) == {b"ssh-ed25519", b"ssh-rsa"}
    assert f.privateKeys[b"ssh-ed25519"] == S.key("id_ed25519")
    assert 2048 in f.primes
    t = f.buildProtocol(None)
    assert b"diffie-hellman-group-exchange-sha256" in t.supportedKeyExchanges


def test_factory_without_files(tmp_path: Path) -> None:
    f = factory.OpenSSHFactory()
    f.dataRoot = f.moduliRoot = str(tmp_path / "missing")
    assert f.getPublicKeys() == {} and f.getPrimes() is None
