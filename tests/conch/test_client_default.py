"""conch.client.default and conch.client.options: the interactive client's host key checks,
identities and prompts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cryptography")

from twistio.conch.client import default  # noqa: E402
from twistio.conch.client.knownhosts import KnownHostsFile  # noqa: E402
from twistio.conch.client.options import ConchOptions  # noqa: E402
from twistio.conch.error import ConchError, HostKeyChanged, UserRejectedKey  # noqa: E402
from twistio.internet import defer  # noqa: E402
from twistio.python.filepath import FilePath  # noqa: E402

from . import _support as S  # noqa: E402

ED = S.key("id_ed25519").public()
OTHER = S.key("id_ed25519_other").public()


def _result(d: defer.Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    return out[0]


class _Tty(io.BytesIO):
    def __init__(self, answer: bytes) -> None:
        super().__init__()
        self.answer = answer
        self.written: list[bytes] = []

    def write(self, data: Any) -> int:
        self.written.append(bytes(data))
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self.answer

    def close(self) -> None:
        pass


def _transport(options: dict[str, Any]) -> Any:
    class T:
        class factory:
            pass

    T.factory.options = options  # type: ignore[attr-defined]
    return T


def _hosts(tmp_path: Path) -> str:
    path = tmp_path / "known_hosts"
    known = KnownHostsFile(FilePath(str(path)))
    known.addHostKey(b"known.example", ED)
    known.save()
    path.write_bytes(path.read_bytes() + b"plain.example,10.0.0.1 " + ED.toString("openssh") + b"\n")
    return str(path)


def test_verify_host_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = _hosts(tmp_path)
    tty = _Tty(b"no\n")
    opened: list[tuple[Any, ...]] = []

    def fake_open(name: str, mode: str, buffering: int) -> _Tty:
        opened.append((name, mode, buffering))
        return tty

    monkeypatch.setattr(default, "_open", fake_open)
    options = {"host": b"known.example", "known-hosts": hosts}
    blob = ED.blob()
    assert _result(default.verifyHostKey(_transport(options), b"10.9.9.9", blob, None)) is True
    assert b"Permanently added" in tty.written[0]
    assert _result(default.verifyHostKey(_transport(options), b"10.9.9.9", OTHER.blob(),
                                         None)).check(HostKeyChanged)
    options["host"] = b"new.example"
    assert _result(default.verifyHostKey(_transport(options), b"10.1.1.1", blob, None)).check(
        UserRejectedKey)
    assert opened[-1] == ("/dev/tty", "r+b", 0)


def test_is_in_known_hosts_and_algorithms(tmp_path: Path) -> None:
    hosts = _hosts(tmp_path)
    options = {"known-hosts": hosts}
    assert default.isInKnownHosts("plain.example", ED.blob(), options) == 1
    assert default.isInKnownHosts(b"10.0.0.1", OTHER.blob(), options) == 2
    assert default.isInKnownHosts("nowhere.example", ED.blob(), options) == 0
    assert default.getHostKeyAlgorithms(b"known.example", options) == [b"ssh-ed25519"]
    assert default.getHostKeyAlgorithms(b"nowhere.example", options) is None


def test_options() -> None:
    options = ConchOptions()
    options.parseOptions(["-i", "/a", "-i", "/b", "-c", "aes128-ctr,aes256-gcm@openssh.com",
                          "-m", "hmac-sha2-256", "--host-key-algorithms", "ssh-ed25519"])
    assert options.identitys == ["/a", "/b"]
    assert options["ciphers"] == [b"aes128-ctr", b"aes256-gcm@openssh.com"]
    assert options["macs"] == [b"hmac-sha2-256"]
    assert options["host-key-algorithms"] == [b"ssh-ed25519"]
    md5 = ConchOptions()
    md5.opt_macs("hmac-md5,hmac-sha2-384")  # known, not offered by default
    assert md5["macs"] == [b"hmac-md5", b"hmac-sha2-384"]
    with pytest.raises(SystemExit, match="Unknown mac type 'hmac-ripemd160'"):
        ConchOptions().opt_macs("hmac-ripemd160")
    with pytest.raises(SystemExit, match="Unknown cipher type"):
        ConchOptions().opt_ciphers(b"rot13")


def test_identities_and_passwords(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rsa = S.key("id_rsa")
    (tmp_path / "broken.pub").write_bytes(b"not a key")
    (tmp_path / "broken").write_bytes(b"not a key")
    (tmp_path / "id").write_bytes(rsa.toString("openssh", passphrase=b"pass phrase"))
    (tmp_path / "id.pub").write_bytes(rsa.public().toString("openssh"))
    options = ConchOptions()
    options.identitys = [str(tmp_path / "broken"), str(tmp_path / "id")]
    client = default.SSHUserAuthClient(b"alice", options, None)
    assert client.getPublicKey() == rsa.public()
    assert client.usedFiles == options.identitys
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return "pass phrase"

    monkeypatch.setattr(default.getpass, "getpass", getpass)
    assert _result(client.getPrivateKey()) == rsa
    assert prompts == [f"Enter passphrase for key '{tmp_path / 'id'}': "]
    assert client.getPublicKey() is None
    assert _result(client.getPassword(b"Password? ")) == b"pass phrase"

    def interrupted(prompt: str) -> str:
        raise KeyboardInterrupt()

    monkeypatch.setattr(default.getpass, "getpass", interrupted)
    assert _result(client.getPassword(b"Password? ")).check(ConchError)
    monkeypatch.setattr(default.getpass, "getpass", lambda prompt: "secret")
    monkeypatch.setattr(default, "_input", lambda prompt: "typed")
    answers = client.getGenericAnswers(b"", b"", [(b"pin: ", False), (b"name: ", True)])
    assert _result(answers) == ["secret", "typed"]
