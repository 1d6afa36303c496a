"""twistio.conch.ssh.keys: parsing, serialising, fingerprints, signatures, bad input."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("cryptography")
pytestmark = pytest.mark.filterwarnings("ignore:DSA:DeprecationWarning", "ignore::UserWarning")

from twistio.conch.ssh import keys  # noqa: E402
from twistio.conch.ssh.common import NS, getNS  # noqa: E402
from twistio.conch.ssh.keys import (  # noqa: E402
    BadFingerPrintFormat,
    BadKeyError,
    BadSignatureAlgorithmError,
    EncryptedKeyError,
    FingerprintFormats,
    Key,
    PassphraseNormalizationError,
)

DATA = Path(__file__).parent / "keydata"
PRIVATE = ["id_rsa", "id_ecdsa", "id_ecdsa384", "id_ecdsa521", "id_ed25519", "id_dsa",
           "pem_rsa", "pem_ecdsa", "p8_rsa", "p8_ecdsa"]
ENCRYPTED = ["enc_ed25519", "enc_rsa", "enc_ecdsa384_gcm", "enc_ed25519_cbc", "encpem_rsa",
             "encp8_ecdsa"]
PUBLIC = ["id_rsa.pub", "id_ecdsa.pub", "id_ecdsa384.pub", "id_ecdsa521.pub",
          "id_ed25519.pub", "id_dsa.pub", "spki_rsa.pem", "rfc4716_rsa.pub"]


@pytest.fixture(autouse=True)
def _cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    # Encrypted v1 keys are written with 100 bcrypt rounds (seconds of CPU); tests use 2.
    monkeypatch.setattr(keys, "_V1_WRITE_ROUNDS", 2)


def _expected_type(name: str) -> str:
    if "rsa" in name:
        return "RSA"
    if "dsa" in name and "ecdsa" not in name:
        return "DSA"
    if "ecdsa" in name:
        return "EC"
    return "Ed25519"


@pytest.mark.parametrize("name", PRIVATE)
def test_private_key_files(name: str) -> None:
    key = Key.fromFile(DATA / name)
    assert not key.isPublic()
    assert key.type() == _expected_type(name)
    pub = key.public()
    assert pub.isPublic() and pub.public() is pub
    assert pub == Key.fromString(pub.blob())
    assert key != pub
    assert Key.fromString(key.privateBlob(), type="private_blob") == key
    # Private form round-trips, in both subtypes where both exist.
    assert Key.fromString(key.toString("openssh")) == key
    assert Key.fromString(key.toString("openssh", subtype="v1", comment=b"c")) == key
    if key.type() != "Ed25519":
        text = key.toString("openssh", subtype="PEM")
        assert text.startswith(b"-----BEGIN " + key.type().encode().replace(b"EC", b"EC") )
        assert Key.fromString(text) == key


@pytest.mark.parametrize("name", ["id_rsa", "id_ecdsa", "id_ecdsa384", "id_ecdsa521",
                                  "id_ed25519", "id_dsa"])
def test_public_line_matches_pub_file(name: str) -> None:
    key = Key.fromFile(DATA / name)
    line = (DATA / (name + ".pub")).read_bytes().split()
    assert key.public().toString("openssh") == line[0] + b" " + line[1]
    assert key.public().toString("openssh", comment=line[2] if len(line) > 2 else None) == b" ".join(line)
    blob = base64.b64decode(line[1])
    assert key.blob() == blob == key.public().blob()
    assert key.sshType() == line[0]
    md5 = hashlib.md5(blob).hexdigest()
    assert key.fingerprint() == ":".join(md5[i : i + 2] for i in range(0, 32, 2))
    sha = base64.b64encode(hashlib.sha256(blob).digest()).decode()
    assert key.fingerprint(FingerprintFormats.SHA256_BASE64) == sha


@pytest.mark.parametrize("name", PUBLIC)
def test_public_key_files(name: str) -> None:
    key = Key.fromFile(DATA / name)
    assert key.isPublic()
    assert key.type() == _expected_type(name)
    assert Key.fromString(key.toString("openssh")) == key
    with pytest.raises(BadKeyError, match="key not encrypted"):
        Key.fromFile(DATA / name, passphrase=b"x")


def test_spki_and_rfc4716_are_the_same_keys() -> None:
    assert Key.fromFile(DATA / "rfc4716_rsa.pub") == Key.fromFile(DATA / "id_rsa.pub")
    assert Key.fromFile(DATA / "spki_rsa.pem") == Key.fromFile(DATA / "p8_rsa").public()


def test_sizes_and_types() -> None:
    assert Key.fromFile(DATA / "id_rsa").size() == 2048
    assert Key.fromFile(DATA / "id_ecdsa521").size() == 521
    assert Key.fromFile(DATA / "id_ecdsa384").sshType() == b"ecdsa-sha2-nistp384"
    assert Key.fromFile(DATA / "id_ed25519").size() == 256
    assert Key.fromFile(DATA / "id_dsa").sshType() == b"ssh-dss"
    assert set(Key.fromFile(DATA / "id_ed25519").data()) == {"a", "k"}
    assert set(Key.fromFile(DATA / "id_rsa").data()) == {"n", "e", "d", "p", "q", "u"}
    assert set(Key.fromFile(DATA / "id_ecdsa").data()) == {"x", "y", "privateValue", "curve"}


@pytest.mark.parametrize("name", ENCRYPTED)
def test_encrypted_key_files(name: str) -> None:
    with pytest.raises(EncryptedKeyError):
        Key.fromFile(DATA / name)
    with pytest.raises(BadKeyError):
        Key.fromFile(DATA / name, passphrase=b"wrong")
    key = Key.fromFile(DATA / name, passphrase=b"secret")
    assert Key.fromFile(DATA / name, passphrase="secret") == key
    assert not key.isPublic()


@pytest.mark.parametrize("subtype", ["v1", "PEM"])
def test_encrypted_round_trip(subtype: str) -> None:
    key = Key.fromFile(DATA / "id_ecdsa")
    text = key.toString("openssh", subtype=subtype, passphrase=b"pw")
    assert b"ENCRYPTED" in text or b"aes256-ctr" in base64.b64decode(b"".join(text.splitlines()[1:-1]))
    with pytest.raises(EncryptedKeyError):
        Key.fromString(text)
    assert Key.fromString(text, passphrase=b"pw") == key
    assert Key.fromString(key.toString("openssh", subtype=subtype, extra=b"pw"), passphrase=b"pw") == key


def test_v1_comment_and_padding() -> None:
    key = Key.fromFile(DATA / "id_ed25519")
    text = key.toString("openssh", comment=b"hello")
    raw = base64.b64decode(b"".join(text.splitlines()[1:-1]))
    assert raw.startswith(b"openssh-key-v1\0")
    assert b"hello" in raw
    assert text.endswith(b"-----END OPENSSH PRIVATE KEY-----\n")
    assert all(len(line) <= 64 for line in text.splitlines())


def test_passphrase_normalisation() -> None:
    key = Key.fromFile(DATA / "id_ed25519")
    # NFKC: the ligature "ﬁ" and "fi" are the same passphrase.
    text = key.toString("openssh", passphrase="\ufb01sh")
    assert Key.fromString(text, passphrase="fish") == key
    with pytest.raises(PassphraseNormalizationError):
        Key.fromString(text, passphrase="s\u0378")


@pytest.mark.parametrize("name", ["id_rsa", "id_ecdsa", "id_ecdsa384", "id_ecdsa521",
                                  "id_ed25519", "id_dsa"])
def test_sign_and_verify(name: str) -> None:
    key = Key.fromFile(DATA / name)
    pub = key.public()
    for algorithm in key.supportedSignatureAlgorithms():
        signature = key.sign(b"data", signatureType=algorithm)
        assert getNS(signature)[0] == algorithm
        assert pub.verify(signature, b"data")
        assert not pub.verify(signature, b"datA")
    assert pub.verify(key.sign(b"data"), b"data")
    assert getNS(key.sign(b"data"))[0] == key.sshType()
    other = Key.fromFile(DATA / "id_ed25519_other")
    assert not pub.verify(other.sign(b"data"), b"data")
    assert not pub.verify(b"garbage", b"data")
    assert not pub.verify(NS(key.sshType()) + NS(b"\0" * 3), b"data")
    with pytest.raises(BadSignatureAlgorithmError):
        key.sign(b"data", signatureType=b"ssh-nonesuch")
    with pytest.raises(ValueError):
        pub.sign(b"data")


def test_rsa_algorithms() -> None:
    key = Key.fromFile(DATA / "id_rsa")
    assert key.supportedSignatureAlgorithms() == [b"rsa-sha2-512", b"rsa-sha2-256", b"ssh-rsa"]
    sig = key.sign(b"x", b"rsa-sha2-256")
    # A signature made with one hash does not pass as another.
    forged = NS(b"rsa-sha2-512") + getNS(sig, 2)[1][4:] if False else NS(b"rsa-sha2-512") + NS(getNS(sig, 2)[1])
    assert not key.public().verify(forged, b"x")


def test_fingerprint_format_errors() -> None:
    with pytest.raises(BadFingerPrintFormat):
        Key.fromFile(DATA / "id_rsa.pub").fingerprint("nope")


def test_errors() -> None:
    with pytest.raises(BadKeyError, match="cannot guess"):
        Key.fromString(b"")
    with pytest.raises(BadKeyError, match="cannot guess"):
        Key.fromString(b"garbage")
    with pytest.raises(BadKeyError, match="no _fromString method"):
        Key.fromString(b"x", type="nope")
    # As in Twisted, a Key wrapping no key object is made, and fails when used.
    empty = Key(None)
    assert empty.size() == 0
    for method in (empty.type, empty.sshType, empty.blob, empty.privateBlob, empty.data):
        with pytest.raises(RuntimeError):
            method()
    with pytest.raises(TypeError):
        hash(Key.fromFile(DATA / "id_rsa.pub"))
    with pytest.raises(BadKeyError):
        Key.fromFile(DATA / "id_rsa").toString("bogus")
    with pytest.raises(ValueError, match="subtype"):
        Key.fromFile(DATA / "id_rsa").toString("openssh", subtype="bogus")
    with pytest.raises(ValueError, match="v1"):
        Key.fromFile(DATA / "id_ed25519").toString("openssh", subtype="PEM")
    for bad in [b"ssh-rsa AAAA", b"ssh-rsa !!!!", b"ssh-ed25519 " + base64.b64encode(NS(b"ssh-rsa")),
                b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
                b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
                b"-----BEGIN FOO PRIVATE KEY-----\nAAAA\n-----END FOO PRIVATE KEY-----\n",
                NS(b"ssh-unknown") + NS(b"x")]:
        with pytest.raises(BadKeyError):
            Key.fromString(bad)


def test_repr() -> None:
    text = repr(Key.fromFile(DATA / "id_ed25519.pub"))
    assert text.startswith("<Ed25519 Public Key (256 bits)\nattr a:\n\t")
    assert repr(Key.fromFile(DATA / "id_ecdsa")).startswith("<Elliptic Curve Private Key (256 bits)\ncurve:")


@pytest.mark.parametrize("name", ["id_rsa", "id_ed25519", "id_ecdsa", "enc_ed25519", "enc_rsa",
                                  "id_dsa.pub", "id_ecdsa521.pub"])
def test_mutated_keys_fail_cleanly(name: str) -> None:
    """Bounded fuzz: corrupted key data gives a key or BadKeyError/EncryptedKeyError, nothing else."""
    original = (DATA / name).read_bytes()
    if original.startswith(b"-----"):
        lines = original.splitlines()
        body = base64.b64decode(b"".join(lines[1:-1]))
        rebuild = lambda b: b"\n".join([lines[0], base64.b64encode(b), lines[-1]])  # noqa: E731
    else:
        kind, b64 = original.split()[:2]
        body = base64.b64decode(b64)
        rebuild = lambda b: kind + b" " + base64.b64encode(b)  # noqa: E731
    rng = random.Random(name)
    for _ in range(15 if "enc" in name else 60):
        data = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(3)
            pos = rng.randrange(len(data))
            if op == 0:
                data[pos] = rng.randrange(256)
            elif op == 1:
                del data[pos : pos + rng.randint(1, 40)]
            else:
                data[pos:pos] = os.urandom(rng.randint(1, 8))
        for candidate in (rebuild(bytes(data)), bytes(data)):
            try:
                Key.fromString(candidate, passphrase=b"secret" if b"enc" in name.encode() else None)
            except (BadKeyError, EncryptedKeyError):
                pass


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
@pytest.mark.parametrize("name", ["id_rsa", "id_ecdsa", "id_ed25519"])
def test_ssh_keygen_reads_what_we_write(tmp_path: Path, name: str) -> None:
    key = Key.fromFile(DATA / name)
    for subtype in ["v1", "PEM"] if key.type() != "Ed25519" else ["v1"]:
        path = tmp_path / f"{name}-{subtype}"
        path.write_bytes(key.toString("openssh", subtype=subtype))
        path.chmod(0o600)
        out = subprocess.run(["ssh-keygen", "-y", "-f", str(path)], capture_output=True,
                             check=True, timeout=10).stdout
        assert out.split()[:2] == key.public().toString("openssh").split()
    path = tmp_path / f"{name}-enc"
    path.write_bytes(key.toString("openssh", subtype="v1", passphrase=b"pw"))
    path.chmod(0o600)
    out = subprocess.run(["ssh-keygen", "-y", "-P", "pw", "-f", str(path)], capture_output=True,
                         check=True, timeout=10).stdout
    assert out.split()[:2] == key.public().toString("openssh").split()


def test_bcrypt_rounds_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "_V1_WRITE_ROUNDS", 100_000)
    key = Key.fromFile(DATA / "id_ed25519")
    monkeypatch.setattr(keys, "_bcrypt_kdf", lambda *a: b"\0" * 48)
    text = key.toString("openssh", passphrase=b"pw")
    with pytest.raises(BadKeyError, match="rounds"):
        Key.fromString(text, passphrase=b"pw")


def test_persistent_rsa_key(tmp_path: Path) -> None:
    from twistio.conch.ssh.keys import _getPersistentRSAKey
    from twistio.python.filepath import FilePath

    where = FilePath(str(tmp_path)).child("sub").child("key.pem")
    key = _getPersistentRSAKey(where, keySize=1024)
    assert key.size() == 1024 and where.exists()
    content = where.getContent()
    assert _getPersistentRSAKey(where, keySize=2048) == key
    assert where.getContent() == content


def test_agentv3_is_told_from_a_private_blob() -> None:
    key = Key.fromFile(DATA / "id_rsa")
    assert Key._guessStringType(key.toString("agentv3")) == "agentv3"
    assert Key.fromString(key.toString("agentv3")) == key
    assert Key._guessStringType(key.privateBlob()) == "private_blob"
    assert Key.fromString(key.privateBlob()) == key


def test_dsa_signature_without_its_prefix() -> None:
    private = Key.fromFile(DATA / "id_dsa")
    signature = private.sign(b"data")
    bare = keys.getNS(signature, 2)[1]
    assert len(bare) == 40
    assert private.public().verify(bare, b"data")
    assert not private.public().verify(bare, b"other")


def test_security_key_data_names_its_own_type() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec as _ec

    from twistio.conch.ssh.common import NS as _NS

    point = _ec.generate_private_key(_ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    kind = b"sk-ecdsa-sha2-nistp256@openssh.com"
    key = Key.fromString(_NS(kind) + _NS(b"nistp256") + _NS(point) + _NS(b"ssh:"))
    assert key._sk and key.isSecurityKey() and key.application == b"ssh:"
    assert key.sshType() == kind and key.data()["curve"] == kind
    assert not Key.fromFile(DATA / "id_ecdsa.pub")._sk


@pytest.mark.parametrize("name", ["id_rsa", "id_dsa"])
def test_lsh_round_trip(name: str) -> None:
    private = Key.fromFile(DATA / name)
    lsh = private.toString("lsh")
    assert lsh.startswith(b"(11:private-key(")
    assert Key._guessStringType(lsh) == "private_lsh"
    assert Key.fromString(lsh) == private
    public = private.public().toString("lsh")
    assert public.startswith(b"{") and public.endswith(b"}")
    assert Key._guessStringType(public) == "public_lsh"
    assert Key.fromString(public) == private.public()
    with pytest.raises(BadKeyError):
        Key.fromString(lsh, passphrase=b"unencrypted")


def test_lsh_same_as_twisted() -> None:
    twisted_keys = pytest.importorskip("twisted.conch.ssh.keys")
    for name in ("id_rsa", "id_dsa"):
        ours = Key.fromFile(DATA / name)
        theirs = twisted_keys.Key.fromFile(str(DATA / name))
        assert ours.toString("lsh") == theirs.toString("lsh")
        assert ours.public().toString("lsh") == theirs.public().toString("lsh")
        assert Key.fromString(theirs.toString("lsh")) == ours


def test_plain_v1_files_are_written_the_same_way_each_time() -> None:
    key = Key.fromFile(DATA / "id_ed25519")
    assert key.toString("openssh") == key.toString("openssh", subtype="v1")
    first = key.toString("openssh", passphrase=b"secret")
    assert first != key.toString("openssh", passphrase=b"secret")  # fresh salt and check
    assert Key.fromString(first, passphrase=b"secret") == key
