"""``mailmail`` (twistio.mail.scripts.mailmail): options and message from stdin, the
configuration file and access rules, errors mailed back; differential against Twisted's
for the options both read the same way."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import defer
from twistio.mail import smtp
from twistio.mail.scripts import mailmail
from twistio.python.failure import Failure


def _parse(monkeypatch: pytest.MonkeyPatch, argv: Any, stdin: str, module: Any = mailmail) -> Any:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return module.parseOptions(argv)


CASES = [
    (["a@b"], "Subject: x\n\nhello\n"),
    (["a@b", "c@d"], "From: Me <me@x>\nSubject: x\n\nhello\n"),
    (["-t"], "To: A <a@b>\nCc: e@f\nBcc: g@h\nSubject: x\n\nbody\n"),
    (["-t", "c@d"], "To: A <a@b>\nCc: c@d\n\nbody\n"),
    (["-F", "Full Name", "-odf", "-oep", "a@b"], "Subject: s\n\nbody\n"),
    (["-odb", "a@b"], "\n"),
]


@pytest.mark.parametrize(("argv", "stdin"), CASES)
def test_options_as_twisted(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str) -> None:
    twisted_mailmail = pytest.importorskip("twisted.mail.scripts.mailmail")
    ours = _parse(monkeypatch, argv, stdin)
    theirs = _parse(monkeypatch, argv, stdin, twisted_mailmail)
    for name in ("to", "sender", "background", "printErrors", "recipientsFromHeaders"):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_message_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    o = _parse(monkeypatch, ["-t"], "To: a@b\nBcc: hidden@c\nSubject: s\n\nbody\n")
    text = o.body.getvalue()
    head, _, body = text.partition("\n\n")
    assert body == "body\n" and "hidden@c" not in text and o.to == ["a@b", "hidden@c"]
    assert [line.split(":")[0] for line in head.splitlines()] == ["To", "Subject", "From", "Date"]
    plain = _parse(monkeypatch, ["-f", "env@x", "a@b"], "just a body line\n")
    assert plain.sender == "env@x"
    assert plain.body.getvalue().endswith("\n\njust a body line\n")
    assert "To: a@b\n" in plain.body.getvalue()
    # Every address of a header counts (Twisted's takes the first of each header only).
    several = _parse(monkeypatch, ["-t", "x@y"], "To: A <a@b>, x@y, c@d\n\nbody\n")
    assert several.to == ["a@b", "c@d"] and several.excludeAddresses == ["x@y"]


@pytest.mark.parametrize("option", ["-bp", "-bs", "-i", "-oi", "-om"])
def test_unsupported(monkeypatch: pytest.MonkeyPatch, option: str) -> None:
    with pytest.raises(SystemExit) as caught:
        _parse(monkeypatch, [option, "a@b"], "\n")
    assert caught.value.args == ("Unsupported option.",)


def test_no_recipients_and_version(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        _parse(monkeypatch, [], "Subject: x\n\nbody\n")
    assert caught.value.args == ("No recipients specified.",)
    with pytest.raises(SystemExit) as version:
        _parse(monkeypatch, ["--version"], "")
    assert version.value.code is None
    assert capsys.readouterr().out == f"mailmail version: {mailmail.version}\n"


def _config(tmp_path: Path, text: str) -> mailmail.Configuration:
    path = tmp_path / "cfg"
    path.write_text(text)
    return mailmail.loadConfig(str(path))


def test_config_and_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from twistio.logger import Logger, formatEvent

    logged: list[str] = []
    monkeypatch.setattr(mailmail, "_log", Logger(observer=lambda event: logged.append(formatEvent(event))))
    c = _config(tmp_path, "[addresses]\nsmarthost=mx.example\ndefault_domain=example.com\n"
                          "[identity]\nmx.example=user:pw\nbad=nocolon\n"
                          "[useraccess]\nallow=7, name\ndeny=8\norder=allow,deny\n")
    assert (c.smarthost, c.domain, c.identities) == ("mx.example", "example.com", {"mx.example": ["user", "pw"]})
    assert (c.allowUIDs, c.denyUIDs, c.useraccess) == ([7], [8], "allow")
    assert logged == ["Illegal UID in [useraccess] section: name", "Illegal entry in [identity] section: nocolon"]
    assert vars(mailmail.loadConfig(str(tmp_path / "missing"))) == vars(mailmail.Configuration())
    uid, gid = os.getuid(), os.getgid()
    assert mailmail.deny(_config(tmp_path, f"[useraccess]\ndeny={uid}\n"))
    assert not mailmail.deny(_config(tmp_path, f"[useraccess]\nallow={uid}\ndeny={uid}\norder=allow,deny\n"))
    assert mailmail.deny(_config(tmp_path, f"[useraccess]\nallow={uid}\ndeny={uid}\norder=deny,allow\n"))
    assert mailmail.deny(_config(tmp_path, f"[groupaccess]\ndeny={gid}\n"))
    assert not mailmail.deny(_config(tmp_path, "[useraccess]\ndeny=123456\n"))


def test_senderror_mails_the_traceback_back(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[Any, ...]] = []

    def fake(host: str, sender: str, to: list[str], body: Any) -> defer.Deferred[None]:
        sent.append((host, sender, to, body.getvalue()))
        return defer.Deferred()

    monkeypatch.setattr(smtp, "sendmail", fake)
    o = mailmail.Options()
    o.sender = "someone@example.com"
    try:
        raise ValueError("broken")
    except ValueError:
        mailmail.senderror(Failure(), o)
    [(host, sender, to, body)] = sent
    assert host == "localhost" and to == ["someone@example.com"] and "postmaster@" in sender
    assert body.startswith("Subject: Failed Message Delivery\n") and "ValueError: broken" in body


def test_run_sends_through_the_smart_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = tmp_path / "local"
    local.write_text("[addresses]\nsmarthost=mx.example\n[identity]\nmx.example=u:p\n")
    monkeypatch.setattr(mailmail, "LOCAL_CFG", str(local))
    monkeypatch.setattr(mailmail, "GLOBAL_CFG", str(tmp_path / "none"))
    monkeypatch.setattr(sys, "argv", ["mailmail", "a@b"])
    monkeypatch.setattr(sys, "stdin", io.StringIO("Subject: s\n\nbody\n"))
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(mailmail, "sendmail", lambda host, o, ident: calls.append((host, o.to, ident)))
    mailmail.run()
    assert calls == [("mx.example", ["a@b"], {"mx.example": ["u", "p"]})]
