"""``twistd mail``'s options (twistio.mail.tap.Options on usage.Options) and makeService:
parsing as Twisted's, and the built service delivering over SMTP into a Maildir read back
over POP3, relaying through the queue, aliases from a file."""

from __future__ import annotations

import poplib
import smtplib
from pathlib import Path
from typing import Any

import pytest

from tests.mail.conftest import in_thread
from twistio.cred import credentials
from twistio.internet import endpoints
from twistio.mail import alias, protocols, relay, relaymanager, tap
from twistio.python import usage


def _parse(*args: str) -> tap.Options:
    options = tap.Options()
    options.parseOptions(list(args))
    return options


@pytest.mark.parametrize(("args", "message"), [
    (["--user", "a=b"], "Specify a domain before specifying users"),
    (["-d", "nodelimiter"], "Argument to --maildirdbmdomain must be of the form 'name=path'"),
    (["-A", "/nonexistent"], "Specify a domain before specifying aliases"),
    (["-D"], "Specify a domain before specifying using --default"),
    (["--esmtp"], "--esmtp requires --hostname"),
    (["--no-pop3", "--no-smtp"], "You cannot disable all protocols"),
])
def test_usage_errors(args: list[str], message: str) -> None:
    with pytest.raises(usage.UsageError) as caught:
        _parse(*args)
    assert str(caught.value) == message


def test_endpoints_defaults_and_disabling() -> None:
    options = _parse()
    assert [type(e) for e in options["pop3"]] == [endpoints.TCP4ServerEndpoint]
    assert [type(e) for e in options["smtp"]] == [endpoints.TCP4ServerEndpoint]
    assert _parse("--no-pop3")._getEndpoints(None, "pop3") == []
    given = _parse("--smtp", "tcp:1234", "-s", "tcp:1235")
    assert len(given["smtp"]) == 2 and len(given["pop3"]) == 1


def test_auth_and_anonymous_checkers() -> None:
    options = _parse("--auth", "memory:admin:secret")
    [checker] = options["credCheckers"]
    registered = options.service.smtpPortal.checkers
    assert all(registered[i] is checker for i in checker.credentialInterfaces)
    assert credentials.IAnonymous in registered
    assert credentials.IAnonymous not in _parse("--disable-anonymous").service.smtpPortal.checkers


def test_domains_users_aliases_default(tmp_path: Path) -> None:
    aliases = tmp_path / "aliases"
    aliases.write_text("postmaster:\tjoe\n")
    options = _parse("-d", f"example.com={tmp_path / 'ex'}", "-u", "joe=pw", "-A", str(aliases), "-D", "-b")
    domain = options.last_domain
    assert options.service.domains[b"example.com"] is domain and options.service.domains[b""] is domain
    assert options.service.defaultPortal().realm is domain
    assert domain.postmaster and domain.dbm[b"joe"] == b"pw"
    assert isinstance(domain.alias["postmaster"], alias.AliasGroup)
    assert [entry[1] for entry in options.service.monitor.files] == [str(aliases)]
    aliases.write_text("admin:\tjoe\n")
    tap.AliasUpdater(options.service.domains, domain)(str(aliases))
    assert sorted(domain.alias) == ["admin"]


class _Spy:
    factory: Any = None

    def listen(self, factory: Any) -> Any:
        from twistio.internet import defer

        self.factory = factory
        return defer.succeed(None)


def test_make_service_listens_with_the_factories(tmp_path: Path) -> None:
    options = tap.Options()
    pop, smtp_ = _Spy(), _Spy()
    options["pop3"] = [pop]
    options["smtp"] = [smtp_]
    options["relay"] = str(tmp_path / "queue")
    options["hostname"] = "mx.example"
    service = tap.makeService(options)
    service.startService()
    try:
        assert isinstance(pop.factory, protocols.POP3Factory)
        assert isinstance(smtp_.factory, protocols.SMTPFactory) and smtp_.factory.domain == b"mx.example"
        assert isinstance(options.service.queue, relaymanager.Queue)
        assert isinstance(options.service.domains["anywhere.example"], relay.DomainQueuer)
    finally:
        service.stopService()


async def test_smtp_in_pop3_out(tmp_path: Path, listen: Any) -> None:
    options = _parse("-d", f"example.com={tmp_path / 'ex'}", "-u", "joe=pw", "-D")
    service = options.service
    smtp_port = listen(service.getSMTPFactory())
    pop_port = listen(service.getPOP3Factory())

    def client() -> list[bytes]:
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as s:
            s.sendmail("sender@example.org", ["joe@example.com"], b"Subject: hi\r\n\r\nbody line\r\n")
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                s.sendmail("sender@example.org", ["nobody@example.com"], b"Subject: no\r\n\r\nx\r\n")
        p = poplib.POP3("127.0.0.1", pop_port, timeout=5)
        p.user("joe@example.com")
        p.pass_("pw")
        lines = p.retr(1)[1]
        p.quit()
        return lines

    lines = await in_thread(client)
    assert lines[0] == b"Delivered-To: joe@example.com" and lines[-1] == b"body line"
