"""``twistio mail`` as a command: SMTP delivery, POP3 and IMAP4 retrieval, bad options."""

from __future__ import annotations

import imaplib
import os
import poplib
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

TIMEOUT = 10.0


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _wait_for(port: int, deadline: float) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling a child process's port, not synchronising the loop


def test_twistio_mail_serves_smtp_pop3_imap(tmp_path: Path) -> None:
    smtp_port, pop3_port, imap_port = _free_ports(3)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "twistio", "mail", "-d", f"example.com={tmp_path / 'example.com'}",
         "-u", "alice=secret", "--smtp", f"tcp:{smtp_port}:interface=127.0.0.1",
         "--pop3", f"tcp:{pop3_port}:interface=127.0.0.1", "--imap", f"tcp:{imap_port}:interface=127.0.0.1",
         "--auth"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + TIMEOUT
        for port in (smtp_port, pop3_port, imap_port):
            _wait_for(port, deadline)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=TIMEOUT) as s:
            s.login("alice", "secret")
            s.sendmail("bob@example.org", ["alice@example.com"], b"Subject: cli\r\n\r\nhello\r\n")
        p = poplib.POP3("127.0.0.1", pop3_port, timeout=TIMEOUT)
        p.user("alice")
        p.pass_("secret")
        assert p.retr(1)[1][-2:] == [b"", b"hello"]
        p.quit()
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=TIMEOUT)
        m.login("alice", "secret")
        m.select("INBOX")
        assert m.search(None, "SUBJECT", "cli")[1] == [b"1"]
        m.logout()
    finally:
        proc.terminate()
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_twistio_mail_bad_options() -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    out = subprocess.run([sys.executable, "-m", "twistio", "mail", "-u", "alice=x"], capture_output=True,
                         env=env, timeout=TIMEOUT)
    assert out.returncode == 2
    assert b"--user must follow a --maildirdbmdomain" in out.stderr
