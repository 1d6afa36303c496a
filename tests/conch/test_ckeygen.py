"""conch.scripts.ckeygen: making keys, fingerprints, public halves and new passphrases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("cryptography")

from twistio.conch.scripts import ckeygen  # noqa: E402
from twistio.conch.ssh import keys  # noqa: E402

from . import _support as S  # noqa: E402


def test_command_line_makes_a_key_pair(tmp_path: Path) -> None:
    path = tmp_path / "id"
    done = subprocess.run(
        [sys.executable, "-m", "twistio.conch.scripts.ckeygen", "-t", "ecdsa", "-b", "384",
         "-f", str(path), "--no-passphrase"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert "Your identification has been saved in" in done.stdout
    private = keys.Key.fromFile(str(path))
    assert private.type() == "EC" and private.size() == 384
    assert keys.Key.fromFile(str(path) + ".pub") == private.public()
    assert path.stat().st_mode & 0o777 == 0o600
    bad = subprocess.run(
        [sys.executable, "-m", "twistio.conch.scripts.ckeygen", "-t", "foo", "-f", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 1 and "must be one of: rsa, dsa, ecdsa, ed25519" in bad.stderr


def test_fingerprint_public_key_and_passphrase(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    key = S.key("id_ed25519")
    path = tmp_path / "key"
    path.write_bytes(key.toString("openssh", passphrase=b"old"))
    (tmp_path / "key.pub").write_bytes(key.public().toString("openssh"))
    ckeygen.printFingerprint({"filename": str(path), "format": "md5-hex"})
    assert capsys.readouterr().out == f"256 {key.fingerprint()} key.pub\n"
    ckeygen.displayPublicKey({"filename": str(path), "pass": "old"})
    assert capsys.readouterr().out.strip().encode() == key.public().toString("openssh")
    with pytest.raises(SystemExit, match="old passphrase error"):
        ckeygen.changePassPhrase({"filename": str(path), "pass": "wrong"})
    answers = iter(["old", "new", "new"])
    monkeypatch.setattr(ckeygen.getpass, "getpass", lambda prompt: next(answers))
    ckeygen.changePassPhrase({"filename": str(path)})
    assert "saved with the new passphrase" in capsys.readouterr().out
    assert keys.Key.fromFile(str(path), passphrase=b"new") == key
    with pytest.raises(keys.BadFingerPrintFormat, match="Unsupported fingerprint format: x"):
        ckeygen.enumrepresentation({"format": "x"})
    with pytest.raises(SystemExit, match="could not be opened"):
        ckeygen.printFingerprint({"filename": str(tmp_path / "missing"), "format": "md5-hex"})
