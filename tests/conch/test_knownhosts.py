"""twistio.conch.client.knownhosts: entries, files, the console UI; the same answers as
Twisted's for the same lines."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cryptography")

from twistio.conch.client import knownhosts  # noqa: E402
from twistio.conch.error import HostKeyChanged, InvalidEntry, UserRejectedKey  # noqa: E402
from twistio.conch.ssh.keys import BadKeyError  # noqa: E402
from twistio.internet import defer  # noqa: E402
from twistio.python.filepath import FilePath  # noqa: E402

from . import _support as S  # noqa: E402

ED = S.key("id_ed25519").public()
OTHER = S.key("id_ed25519_other").public()
RSA = S.key("id_rsa").public()
ED_LINE = ED.toString("openssh")


def _result(d: defer.Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    return out[0]


def test_plain_entry() -> None:
    entry = knownhosts.PlainEntry.fromString(b"host1,host2 " + ED_LINE + b" a comment")
    assert entry.matchesHost(b"host2") and entry.matchesHost("host1")
    assert not entry.matchesHost(b"host3") and not entry.matchesHost(b"*.example.com")
    assert entry.keyType == b"ssh-ed25519" and entry.comment == b"a comment"
    assert entry.matchesKey(ED) and not entry.matchesKey(OTHER)
    assert entry.toString() == b"host1,host2 " + ED_LINE + b" a comment"


def test_hashed_entry() -> None:
    salt = b"0123456789abcdefghij"
    digest = hmac.new(salt, b"example.org", hashlib.sha1).digest()
    line = (b"|1|" + base64.b64encode(salt) + b"|" + base64.b64encode(digest) + b" " + ED_LINE)
    entry = knownhosts.HashedEntry.fromString(line)
    assert entry.matchesHost(b"example.org") and not entry.matchesHost(b"example.com")
    assert entry.toString() == line
    assert entry == knownhosts.HashedEntry.fromString(line)


@pytest.mark.parametrize("line", [b"", b"host", b"host ssh-ed25519", b"|1|abc host x",
                                  b"host ssh-ed25519 !!!!"])
def test_bad_entries(line: bytes) -> None:
    # Key data that is not base64 raises binascii.Error, as in Twisted.
    with pytest.raises((InvalidEntry, BadKeyError, binascii.Error)):
        knownhosts.PlainEntry.fromString(line)
    with pytest.raises((InvalidEntry, BadKeyError, binascii.Error)):
        knownhosts.HashedEntry.fromString(line)


def test_default_initializer_starts_empty_and_clobbers(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    path.write_bytes(b"old.example " + ED_LINE + b"\n")
    fresh = knownhosts.KnownHostsFile(FilePath(str(path)))
    assert list(fresh.iterentries()) == []
    key = ED.public()
    entry = fresh.addHostKey(b"new.example", key)
    fresh.save()
    assert path.read_bytes() == entry.toString() + b"\n"
    later = fresh.addHostKey(b"later.example", key)
    fresh.save()
    assert list(fresh.iterentries()) == [entry, later]


def test_comment_loses_its_newline() -> None:
    line = b"host.example " + b" ".join(ED_LINE.split()[:2]) + b" a comment\n"
    assert knownhosts.PlainEntry.fromString(line).toString() == line.rstrip(b"\n")


def _file(tmp_path: Path, text: bytes) -> knownhosts.KnownHostsFile:
    path = tmp_path / "known_hosts"
    path.write_bytes(text)
    return knownhosts.KnownHostsFile.fromPath(str(path))


def test_file_entries_and_lookup(tmp_path: Path) -> None:
    kh = _file(tmp_path, b"# comment\n\nhost1 " + ED_LINE + b"\ngarbage line\n@revoked host9 "
               + ED_LINE + b"\n")
    kinds = [type(e).__name__ for e in kh.iterentries()]
    assert kinds == ["UnparsedEntry", "UnparsedEntry", "PlainEntry", "UnparsedEntry",
                     "UnparsedEntry"]
    assert kh.hasHostKey(b"host1", ED) and not kh.hasHostKey(b"host2", ED)
    assert not kh.hasHostKey(b"host1", RSA)  # another key type is not a change
    with pytest.raises(HostKeyChanged) as info:
        kh.hasHostKey(b"host1", OTHER)
    assert info.value.lineno == 3
    assert info.value.offendingEntry.toString() == b"host1 " + ED_LINE


def test_add_and_save_keep_other_lines(tmp_path: Path) -> None:
    kh = _file(tmp_path, b"# keep me\nhost1 " + ED_LINE)
    entry = kh.addHostKey(b"newhost", OTHER)
    assert isinstance(entry, knownhosts.HashedEntry) and entry.matchesHost(b"newhost")
    assert kh.hasHostKey(b"newhost", OTHER)
    kh.save()
    lines = (tmp_path / "known_hosts").read_bytes().splitlines()
    assert lines[:2] == [b"# keep me", b"host1 " + ED_LINE]
    assert lines[2].startswith(b"|1|")
    again = knownhosts.KnownHostsFile.fromPath(str(tmp_path / "known_hosts"))
    assert again.hasHostKey(b"newhost", OTHER)


def test_save_creates_the_directory(tmp_path: Path) -> None:
    kh = knownhosts.KnownHostsFile.fromPath(str(tmp_path / "sub" / "dir" / "known_hosts"))
    assert list(kh.iterentries()) == []
    kh.addHostKey(b"h", ED)
    kh.save()
    assert (tmp_path / "sub" / "dir" / "known_hosts").read_bytes().startswith(b"|1|")


class _UI:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.prompts: list[bytes] = []
        self.warnings: list[bytes] = []

    def prompt(self, text: bytes) -> defer.Deferred[bool]:
        self.prompts.append(text)
        return defer.succeed(self.answer)

    def warn(self, text: bytes) -> None:
        self.warnings.append(text)


def test_verify_host_key(tmp_path: Path) -> None:
    kh = _file(tmp_path, b"host1 " + ED_LINE + b"\n")
    ui = _UI(False)
    assert _result(kh.verifyHostKey(ui, b"host1", b"10.0.0.1", ED)) is True
    assert ui.warnings and b"10.0.0.1" in ui.warnings[0]
    assert kh.hasHostKey(b"10.0.0.1", ED)
    assert _result(kh.verifyHostKey(ui, b"host2", b"10.0.0.2", ED)).check(UserRejectedKey)
    assert ui.prompts[-1].startswith(b"The authenticity of host 'host2 (10.0.0.2)' can't be ")
    assert _result(kh.verifyHostKey(ui, b"host1", b"10.0.0.1", OTHER)).check(HostKeyChanged)
    yes = _UI(True)
    assert _result(kh.verifyHostKey(yes, b"host3", b"10.0.0.3", RSA)) is True
    assert b"RSA key fingerprint is SHA256:" in yes.prompts[0]
    assert kh.hasHostKey(b"host3", RSA) and kh.hasHostKey(b"10.0.0.3", RSA)


class _Console(io.BytesIO):
    def __init__(self, answers: bytes) -> None:
        super().__init__()
        self.answers = io.BytesIO(answers)

    def readline(self, size: int | None = -1) -> bytes:
        return self.answers.readline()

    def close(self) -> None:
        self.final = self.getvalue()


@pytest.mark.parametrize(("answers", "expected", "written"), [
    (b"yes\n", True, b"Q? "), (b"no\n", False, b"Q? "), (b"", False, b"Q? "),
    (b"maybe\nYES\n", True, b"Q? Please type 'yes' or 'no': "),
])
def test_console_ui(answers: bytes, expected: bool, written: bytes) -> None:
    consoles: list[_Console] = []

    def opener() -> Any:
        consoles.append(_Console(answers))
        return consoles[-1]

    ui = knownhosts.ConsoleUI(opener)
    assert _result(ui.prompt(b"Q? ")) is expected
    assert consoles[0].final == written
    ui.warn(b"careful")
    assert consoles[1].final == b"careful"


def test_console_ui_without_a_console() -> None:
    def opener() -> Any:
        raise OSError("no tty")

    ui = knownhosts.ConsoleUI(opener)
    assert _result(ui.prompt(b"x")).check(OSError)
    ui.warn(b"nothing happens")


# ------------------------------------------------------------------ against Twisted's


@pytest.mark.parametrize("line", [
    b"host1,host2 " + ED_LINE + b" a comment",
    b"host1 " + RSA.toString("openssh"),
    b"|1|MDEyMzQ1Njc4OWFiY2RlZmdoaWo=|" + base64.b64encode(
        hmac.new(b"0123456789abcdefghij", b"h", hashlib.sha1).digest()) + b" " + ED_LINE,
])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_same_entries_as_twisted(line: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_module = pytest.importorskip("twisted.conch.client.knownhosts")
    cls_name = "HashedEntry" if line.startswith(b"|1|") else "PlainEntry"
    theirs = getattr(theirs_module, cls_name).fromString(line)
    ours = getattr(knownhosts, cls_name).fromString(line)
    assert ours.toString() == theirs.toString()
    assert ours.keyType == theirs.keyType
    for host in (b"h", b"host1", b"host2", b"other"):
        assert ours.matchesHost(host) == theirs.matchesHost(host)
