"""Twisted Conch's ``Key`` and twistio's read and write the same key files to the same bytes.

For every key file in tests/conch/keydata both parse it (or both refuse it, with the same
exception class), and give the same repr, numbers, blobs, fingerprints, public line and
private serialisations (the random check words of v1 files masked). Each verifies the other's
signatures, and reads the other's encrypted output.
"""

from __future__ import annotations

import base64
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cryptography")
pytest.importorskip("bcrypt")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    tkeys = pytest.importorskip("twisted.conch.ssh.keys")

from twistio.conch.ssh import keys as mkeys  # noqa: E402
from twistio.conch.ssh.common import getNS  # noqa: E402

DATA = Path(__file__).parent.parent / "conch" / "keydata"
# Formats only twistio reads (Twisted raises BadKeyError for them).
TWISTIO_ONLY = {"p8_rsa", "p8_ecdsa", "encp8_ecdsa", "spki_rsa.pem", "rfc4716_rsa.pub",
                "enc_ed25519_cbc", "enc_ecdsa384_gcm"}
FILES = sorted(p.name for p in DATA.iterdir())


@pytest.fixture(autouse=True)
def _cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mkeys, "_V1_WRITE_ROUNDS", 2)


def _mask_v1(text: bytes) -> bytes:
    """A v1 private key file with its two random check words replaced."""
    if not text.startswith(b"-----BEGIN OPENSSH PRIVATE KEY"):
        return text
    raw = base64.b64decode(b"".join(text.splitlines()[1:-1]))
    _cipher, _kdf, _opts, rest = getNS(raw[15:], 3)
    _pub, rest = getNS(rest[4:])
    start = len(raw) - len(rest) + 4
    return raw[:start] + b"\0" * 8 + raw[start + 8 :]


def _load(module: Any, name: str, passphrase: bytes | None) -> tuple[Any, str | None]:
    try:
        return module.Key.fromFile(str(DATA / name), passphrase=passphrase), None
    except Exception as e:
        return None, type(e).__name__


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("passphrase", [None, b"secret", b"wrong"])
def test_same_parse_and_serialisation(name: str, passphrase: bytes | None) -> None:
    theirs, their_error = _load(tkeys, name, passphrase)
    ours, our_error = _load(mkeys, name, passphrase)
    if name in TWISTIO_ONLY and their_error == "BadKeyError":
        return
    assert our_error == their_error
    if theirs is None:
        return
    assert repr(ours) == repr(theirs)
    assert ours.data() == theirs.data()
    assert (ours.type(), ours.sshType(), ours.size(), ours.isPublic()) == (
        theirs.type(), theirs.sshType(), theirs.size(), theirs.isPublic())
    assert ours.blob() == theirs.blob()
    assert ours.fingerprint() == theirs.fingerprint()
    sha = mkeys.FingerprintFormats.SHA256_BASE64
    assert ours.fingerprint(sha) == theirs.fingerprint(tkeys.FingerprintFormats.SHA256_BASE64)
    assert ours.public().toString("openssh") == theirs.public().toString("openssh")
    assert ours.public().toString("openssh", comment=b"a comment") == theirs.public().toString(
        "openssh", comment=b"a comment")
    assert ours.supportedSignatureAlgorithms() == theirs.supportedSignatureAlgorithms()
    if ours.isPublic():
        return
    assert ours.privateBlob() == theirs.privateBlob()
    subtypes = [None, "v1"] + ([] if ours.type() == "Ed25519" else ["PEM"])
    for subtype in subtypes:
        for comment in (None, b"c", b"a longer comment"):
            assert _mask_v1(ours.toString("openssh", subtype=subtype, comment=comment)) == _mask_v1(
                theirs.toString("openssh", subtype=subtype, comment=comment)), (subtype, comment)
    if ours.type() in ("RSA", "DSA"):
        assert ours.toString("agentv3") == theirs.toString("agentv3")
        assert mkeys.Key.fromString(theirs.toString("agentv3"), type="agentv3") == ours
    for algorithm in ours.supportedSignatureAlgorithms():
        assert theirs.public().verify(ours.sign(b"payload", algorithm), b"payload")
        assert ours.public().verify(theirs.sign(b"payload", algorithm), b"payload")
        assert not ours.public().verify(theirs.sign(b"payload", algorithm), b"other")
    assert getNS(ours.sign(b"x"))[0] == getNS(theirs.sign(b"x"))[0]


@pytest.mark.parametrize("name", ["id_rsa", "id_ecdsa", "id_ed25519"])
def test_encrypted_output_read_by_the_other(name: str) -> None:
    ours = mkeys.Key.fromFile(str(DATA / name))
    theirs = tkeys.Key.fromFile(str(DATA / name))
    subtypes = ["v1"] + ([] if ours.type() == "Ed25519" else ["PEM"])
    for subtype in subtypes:
        text = ours.toString("openssh", subtype=subtype, passphrase=b"pw")
        assert tkeys.Key.fromString(text, passphrase=b"pw") == theirs
    # Twisted's encrypted v1 output costs 100 bcrypt rounds to read; its PEM output is cheap.
    if ours.type() != "Ed25519":
        text = theirs.toString("openssh", subtype="PEM", passphrase=b"pw")
        assert mkeys.Key.fromString(text, passphrase=b"pw") == ours
        assert text.split(b"\n")[:2] == ours.toString("openssh", subtype="PEM", passphrase=b"pw").split(b"\n")[:2]


def test_same_errors_for_bad_input() -> None:
    for data, kwargs in [(b"", {}), (b"garbage", {}), (b"x", {"type": "nope"}),
                         (b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", {}),
                         (b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", {})]:
        errors = []
        for module in (tkeys, mkeys):
            try:
                module.Key.fromString(data, **kwargs)
                errors.append(None)
            except Exception as e:
                errors.append((type(e).__name__, str(e)))
        assert errors[0] == errors[1]
