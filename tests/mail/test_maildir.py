"""twistio.mail.maildir, mail and protocols: delivery into Maildirs through the domain,
POP3 over MaildirMailbox (delete to .Trash, undelete), the dirdbm password checker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from twistio.cred.credentials import UsernamePassword
from twistio.cred.error import UnauthorizedLogin
from twistio.internet import defer
from twistio.internet.address import IPv4Address
from twistio.internet.testing import StringTransport
from twistio.mail import mail, maildir, pop3, protocols, smtp


def _deliver(domain: Any, delivery: Any, to: bytes, lines: list[bytes]) -> str:
    user = smtp.User(to, (b"client", b"127.0.0.1"), None, b"bob@example.org")
    factory = delivery.validateTo(user)
    results: list[Any] = []
    factory.addCallback(results.append)
    message = results[0]()
    for line in lines:
        message.lineReceived(line)
    names: list[str] = []
    message.eomReceived().addCallback(names.append)
    return names[0]


def test_domain_delivers_into_maildir_and_pop3_reads_it(tmp_path: Path) -> None:
    service = mail.MailService()
    domain = maildir.MaildirDirdbmDomain(service, tmp_path / "example.com")
    domain.addUser(b"alice", b"pw")
    service.addDomain(b"example.com", domain)
    delivery = protocols.ESMTPDomainDelivery(service, None, b"mx.example.com")
    final = _deliver(domain, delivery, b"alice@example.com", [b"Subject: hi", b"", b".dot", b"body"])
    assert os.path.dirname(final).endswith(os.path.join("alice", "new")) and ",S=" in final
    with open(final, "rb") as f:
        assert f.read() == b"Delivered-To: alice@example.com\nSubject: hi\n\n.dot\nbody\n"
    with pytest.raises(smtp.SMTPBadRcpt):
        delivery.validateTo(smtp.User(b"alice@other.org", (b"c", b"h"), None, b"b@x")).result.raiseException()
    failure = delivery.validateTo(smtp.User(b"nobody@example.com", (b"c", b"h"), None, b"b@x"))
    failure.addErrback(lambda f: f.trap(smtp.SMTPBadRcpt))

    results: list[Any] = []
    service.lookupPortal(b"example.com").login(UsernamePassword(b"alice", b"pw"), None, pop3.IMailbox) \
        .addCallback(results.append)
    iface, box, logout = results[0]
    assert iface is pop3.IMailbox and isinstance(box, maildir.MaildirMailbox)
    bad: list[Any] = []
    service.lookupPortal(b"example.com").login(UsernamePassword(b"alice", b"no"), None, pop3.IMailbox) \
        .addErrback(bad.append)
    assert bad[0].check(UnauthorizedLogin)

    p = protocols.VirtualPOP3()
    p.service = service
    p.schedule = _run_now
    p.magic = b"<m>"
    t = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 1))
    p.makeConnection(t)
    p.dataReceived(b"USER alice@example.com\r\nPASS pw\r\nSTAT\r\nDELE 1\r\nLIST\r\nRSET\r\nDELE 1\r\nQUIT\r\n")
    while t.producer is not None:
        t.producer.resumeProducing()
    replies = t.value().split(b"\r\n")
    assert replies[2] == b"+OK Authentication succeeded" and replies[3].startswith(b"+OK 1 ")
    trash = os.listdir(tmp_path / "example.com" / "alice" / ".Trash" / "cur")
    assert len(trash) == 1 and os.listdir(tmp_path / "example.com" / "alice" / "new") == []


def _run_now(iterator: Any) -> Any:
    for _ in iterator:
        pass
    return defer.succeed(iterator)


def test_maildir_mailbox_append_uidl_and_undelete(tmp_path: Path) -> None:
    box = maildir.MaildirMailbox(tmp_path / "box")
    box.appendMessage(b"Subject: a\n\none\n")
    box.appendMessage(b"Subject: b\n\ntwo\n")
    again = maildir.MaildirMailbox(tmp_path / "box")
    assert again.listMessages() == [16, 16]
    uid = again.getUidl(0)
    assert again.getMessage(1).read() == b"Subject: b\n\ntwo\n"
    again.deleteMessage(0)
    assert again.listMessages(0) == 0
    again.undeleteMessages()
    assert maildir.MaildirMailbox(tmp_path / "box").getUidl(0) == uid
    with pytest.raises(ValueError):
        again.listMessages(5)


def test_dirdbm_names_match_twisted(tmp_path: Path) -> None:
    domain = maildir.MaildirDirdbmDomain(mail.MailService(), tmp_path)
    domain.addUser(b"alice", b"pw")
    assert os.listdir(tmp_path / "passwd") == ["YWxpY2U=_"]
    assert domain.userDirectory(b"nobody") is None
    postmaster = maildir.MaildirDirdbmDomain(mail.MailService(), tmp_path / "pm", postmaster=True)
    assert postmaster.userDirectory(b"nobody") == bytes(tmp_path / "pm" / "postmaster")


def test_string_list_mailbox() -> None:
    box = maildir.StringListMailbox(["one", "three"])
    assert box.listMessages() == [3, 5]
    box.deleteMessage(0)
    box.sync()
    box.undeleteMessages()
    assert box.listMessages() == [0, 5] and box.getMessage(1).read() == b"three"
