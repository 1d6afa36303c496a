"""examples/mail_server.py as a program: smtplib delivers (anonymously and with AUTH), the
Maildir on disk holds the message, poplib and imaplib read it back."""

from __future__ import annotations

import imaplib
import os
import poplib
import re
import selectors
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mail_server.py"
TIMEOUT = 10.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Path, dict[str, int]]]:
    env = dict(os.environ, PYTHONPATH=str(EXAMPLE.parent.parent))
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--root", str(tmp_path), "--domain", "example.com",
         "--user", "alice:secret", "--user", "bob:hunter2", "--smtp", "0", "--pop3", "0", "--imap", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            assert sel.select(TIMEOUT), "the server printed nothing"
        line = proc.stdout.readline().decode()
        ports = {name: int(port) for name, port in re.findall(r"(\w+) (\d+)", line)}
        assert set(ports) == {"smtp", "pop3", "imap"}, line
        yield tmp_path, ports
    finally:
        proc.terminate()
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


MESSAGE = b"From: bob@example.com\r\nTo: alice@example.com\r\nSubject: hello\r\n\r\n.dot line\r\nbody\r\n"


def test_smtp_in_pop3_and_imap_out(server: tuple[Path, dict[str, int]]) -> None:
    root, ports = server
    with smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=TIMEOUT) as s:
        s.ehlo("client.example")
        assert s.sendmail("bob@example.com", ["alice@example.com"], MESSAGE) == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
            s.sendmail("bob@example.com", ["nobody@example.com"], MESSAGE)
        assert info.value.recipients["nobody@example.com"][0] == 550
        s.login("bob", "hunter2")
        s.sendmail("bob@example.com", ["alice@example.com"], MESSAGE.replace(b"hello", b"second"))

    new = sorted(os.listdir(root / "example.com" / "alice" / "new"))
    assert len(new) == 2 and all(",S=" in name for name in new)
    stored = (root / "example.com" / "alice" / "new" / new[0]).read_bytes()
    assert stored.startswith(b"Delivered-To: alice@example.com\nReceived: from client.example")
    assert stored.endswith(b"Subject: hello\n\n.dot line\nbody\n")

    p = poplib.POP3("127.0.0.1", ports["pop3"], timeout=TIMEOUT)
    p.user("alice@example.com")
    p.pass_("secret")
    assert p.stat()[0] == 2
    lines = p.retr(1)[1]
    assert lines[-3:] == [b"", b".dot line", b"body"] and b"Subject: hello" in lines
    p.quit()

    m = imaplib.IMAP4("127.0.0.1", ports["imap"], timeout=TIMEOUT)
    m.login("alice", "secret")
    assert m.select("INBOX") == ("OK", [b"2"])
    assert m.search(None, "SUBJECT", "second")[1] == [b"2"]
    body = m.fetch("1", "(BODY.PEEK[TEXT])")[1][0][1]
    assert body == b".dot line\r\nbody\r\n"
    m.store("1", "+FLAGS", "(\\Seen \\Deleted)")
    assert m.expunge()[1] == [b"1"]
    m.logout()
    assert len(os.listdir(root / "example.com" / "alice" / "new")) + \
        len(os.listdir(root / "example.com" / "alice" / "cur")) == 1
