"""The same SMTP/ESMTP server classes on Twisted and on twistio answer the same scripted
sessions with the same replies, line by line (in memory, on each package's StringTransport).
"""

from __future__ import annotations

import base64
import hmac
import importlib
import re
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("twisted.mail.smtp")


def _pkg(name: str) -> SimpleNamespace:
    mods = {m: importlib.import_module(f"{name}.{p}") for m, p in [
        ("smtp", "mail.smtp"), ("testing", "internet.testing"), ("defer", "internet.defer"),
        ("address", "internet.address"), ("portal", "cred.portal"), ("checkers", "cred.checkers"),
        ("credentials", "cred.credentials"), ("cred", "mail._cred"), ("task", "internet.task"),
    ]}
    return SimpleNamespace(**mods)


PKGS = {name: _pkg(name) for name in ("twisted", "twistio")}


def _delivery(p: SimpleNamespace, record: list[Any]) -> Any:
    smtp, defer = p.smtp, p.defer

    class Message:
        def __init__(self, user: Any) -> None:
            self.user = user
            self.lines: list[bytes] = []

        def lineReceived(self, line: bytes) -> None:
            self.lines.append(line)

        def eomReceived(self) -> Any:
            record.append(("eom", str(self.user), self.lines))
            if self.user.dest.local == b"failing":
                return defer.fail(RuntimeError("disk full"))
            return defer.succeed(None)

        def connectionLost(self) -> None:
            record.append(("lost", str(self.user)))

    class Delivery:
        def receivedHeader(self, helo: Any, origin: Any, recipients: Any) -> bytes:
            return b"Received: from " + helo[0] + b" for " + b",".join(bytes(str(r), "ascii") for r in recipients)

        def validateFrom(self, helo: Any, origin: Any) -> Any:
            record.append(("from", str(origin)))
            if origin.local == b"bad":
                raise smtp.SMTPBadSender(origin)
            if origin.local == b"later":
                return defer.fail(smtp.SMTPServerError(451, "Try again later"))
            if origin.local == b"broken":
                raise ValueError("broken")
            return origin

        def validateTo(self, user: Any) -> Any:
            record.append(("to", str(user)))
            if user.dest.local == b"nobody":
                raise smtp.SMTPBadRcpt(user)
            if user.dest.local == b"full":
                raise smtp.SMTPBadRcpt(user, 552, "Mailbox full")
            if user.dest.local == b"slow":
                return defer.succeed(lambda: Message(user))
            return lambda: Message(user)

    return Delivery()


def _realm(p: SimpleNamespace, record: list[Any]) -> Any:
    smtp = p.smtp

    class Realm:
        def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
            record.append(("avatar", avatarId))
            if smtp.IMessageDelivery in interfaces:
                return smtp.IMessageDelivery, _delivery(p, record), lambda: record.append(("logout",))
            raise NotImplementedError()

    return Realm()


def run(impl: str, cls: str, lines: list[bytes], *, auth: bool = False, delivery: bool = True,
        chunked: bool = False) -> tuple[list[bytes], list[Any], bool]:
    p = PKGS[impl]
    record: list[Any] = []
    if auth:
        proto = getattr(p.smtp, cls)({
            b"LOGIN": p.smtp.LOGINCredentials, b"PLAIN": p.cred.PLAINCredentials,
            b"CRAM-MD5": p.credentials.CramMD5Credentials,
        })
        db = p.checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"secret")
        proto.portal = p.portal.Portal(_realm(p, record), [db])
    else:
        proto = getattr(p.smtp, cls)()
    if delivery:
        proto.delivery = _delivery(p, record)
    transport = p.testing.StringTransport(
        hostAddress=p.address.IPv4Address("TCP", "127.0.0.1", 25),
        peerAddress=p.address.IPv4Address("TCP", "127.0.0.1", 40000),
    )
    proto.host = b"mx.example"
    proto.makeConnection(transport)
    out = [transport.value()]
    transport.clear()
    challenge = b""
    for line in lines:
        if line.startswith(b"CRAM:"):
            digest = hmac.new(line[5:], challenge, "md5").hexdigest().encode()
            line = base64.b64encode(b"alice " + digest)
        if chunked:
            proto.dataReceived(line + b"\r\n")
        else:
            for i in range(len(line)):
                proto.dataReceived(line[i : i + 1])
            proto.dataReceived(b"\r\n")
        value = transport.value()
        transport.clear()
        m = re.match(rb"334 (\S+)\r\n$", value)
        if m:
            challenge = base64.b64decode(m.group(1))
            if challenge.startswith(b"<"):
                value = b"334 <cram challenge>\r\n"
        out.append(value)
    proto.connectionLost(p.testing.StringTransport().__class__ and None)
    return out, record, transport.disconnecting


def b64(s: bytes) -> bytes:
    return base64.b64encode(s)


SESSIONS: dict[str, tuple[str, list[bytes], dict[str, Any]]] = {
    "basic": ("SMTP", [b"HELO client.example", b"MAIL FROM:<a@example.com>", b"RCPT TO:<b@example.org>",
                       b"DATA", b"Subject: hi", b"", b"..dotted", b".x", b"body", b".", b"QUIT"], {}),
    "esmtp_basic": ("ESMTP", [b"EHLO client.example", b"MAIL FROM:<a@example.com>",
                              b"RCPT TO:<b@example.org>", b"RCPT TO:<c@example.org>", b"DATA", b"line", b".",
                              b"QUIT"], {}),
    "ehlo_on_smtp": ("SMTP", [b"EHLO x", b"HELO", b"helo  spaced   name ", b"QUIT"], {}),
    "errors": ("SMTP", [b"", b"   ", b"FOO bar", b"NOOP", b"VRFY a", b"EXPN a", b"HELP", b"TURN",
                        b"RCPT TO:<a@b>", b"DATA", b"MAIL", b"MAIL FROM", b"MAIL TO:<a@b>",
                        b"MAIL FROM:<a@b@c>", b"MAIL FROM:<bad@x>", b"MAIL FROM:<later@x>",
                        b"MAIL FROM:<broken@x>", b"MAIL FROM:<>", b"MAIL FROM:<a@b>", b"RCPT",
                        b"RCPT FROM:<a@b>", b"RCPT TO:<nobody@x>", b"RCPT TO:<full@x>",
                        b"RCPT TO:<a@b@c>", b"DATA", b"RSET", b"DATA", b"QUIT"], {}),
    "params": ("ESMTP", [b"EHLO x", b"MAIL FROM:<a@b> SIZE=100 BODY=8BITMIME",
                         b"RCPT TO:<c@d> NOTIFY=NEVER", b"RCPT TO:c@d", b"rcpt to: <e@f>",
                         b"RCPT TO:<@route,@x:g@h>", b"DATA", b".", b"QUIT"], {}),
    "no_delivery": ("SMTP", [b"HELO x", b"MAIL FROM:<a@b>", b"RCPT TO:<c@d>", b"QUIT"], {"delivery": False}),
    "multiple_messages": ("SMTP", [b"HELO x", b"MAIL FROM:<a@b>", b"RCPT TO:<c@d>", b"DATA", b"one", b".",
                                   b"MAIL FROM:<a@b>", b"RCPT TO:<slow@d>", b"RCPT TO:<failing@d>", b"DATA",
                                   b"two", b".", b"MAIL FROM:<a@b>", b"DATA", b"RCPT TO:<c@d>", b"RSET",
                                   b"RCPT TO:<c@d>", b"QUIT"], {}),
    "lost_in_data": ("SMTP", [b"HELO x", b"MAIL FROM:<a@b>", b"RCPT TO:<c@d>", b"DATA", b"partial"], {}),
    "auth_plain": ("ESMTP", [b"EHLO x", b"MAIL FROM:<a@b>", b"AUTH FOO", b"AUTH PLAIN",
                             b64(b"\0alice\0wrong"), b"AUTH PLAIN", b"*", b"AUTH PLAIN", b64(b"\0alice\0secret"),
                             b"AUTH LOGIN", b"MAIL FROM:<a@b>", b"RCPT TO:<c@d>", b"DATA", b"x", b".",
                             b"QUIT"], {"auth": True, "delivery": False}),
    "auth_plain_initial": ("ESMTP", [b"EHLO x", b"AUTH PLAIN " + b64(b"\0alice\0secret"),
                                     b"MAIL FROM:<a@b>", b"QUIT"], {"auth": True, "delivery": False}),
    "auth_login": ("ESMTP", [b"EHLO x", b"AUTH LOGIN", b64(b"alice"), b64(b"bad"), b"AUTH LOGIN " + b64(b"alice"),
                             b64(b"secret"), b"MAIL FROM:<a@b>", b"QUIT"], {"auth": True, "delivery": False}),
    "auth_cram": ("ESMTP", [b"EHLO x", b"AUTH cram-md5", b"CRAM:wrong", b"AUTH CRAM-MD5", b"CRAM:secret",
                            b"MAIL FROM:<a@b>", b"RCPT TO:<nobody@d>", b"QUIT"], {"auth": True, "delivery": False}),
    "anonymous_refused": ("ESMTP", [b"HELO x", b"MAIL FROM:<a@b>", b"QUIT"], {"auth": True, "delivery": False}),
    "long_line": ("SMTP", [b"HELO x", b"X" * 20000, b"HELO y", b"QUIT"], {"chunked": True}),
    "starttls_unavailable": ("ESMTP", [b"EHLO x", b"STARTTLS", b"QUIT"], {}),
}


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_session(name: str) -> None:
    cls, lines, kw = SESSIONS[name]
    twisted_out = run("twisted", cls, lines, **kw)
    twistio_out = run("twistio", cls, lines, **kw)
    assert twistio_out[0] == twisted_out[0]
    assert twistio_out[1] == twisted_out[1]
    assert twistio_out[2] == twisted_out[2]


def _client_run(impl: str, server_lines: list[bytes], cls: str = "SMTPSender",
                message: bytes = b"Subject: x\n\n.line\nbody\n") -> tuple[list[bytes], Any]:
    """Drive each package's client with the same server replies; compare what it sends."""
    p = PKGS[impl]
    outcome: list[Any] = []
    d = p.defer.Deferred()
    d.addBoth(outcome.append)
    import io

    if cls == "SMTPSender":
        factory = p.smtp.SMTPSenderFactory("from@example.com", ["a@example.org", "b@example.org"],
                                           io.BytesIO(message), d, retries=0)
    else:
        factory = p.smtp.ESMTPSenderFactory(b"alice", b"secret", "from@example.com", ["a@example.org"],
                                            io.BytesIO(message), d, retries=0, requireTransportSecurity=False)
    factory.domain = b"client.example"
    proto = factory.buildProtocol(None)
    transport = p.testing.StringTransport()
    proto.makeConnection(transport)
    sent: list[bytes] = []
    for line in server_lines:
        proto.dataReceived(line + b"\r\n")
        sent.append(transport.value())
        transport.clear()
    result = outcome[0] if outcome else None
    if hasattr(result, "value"):
        result.trap(Exception)
        result = (type(result.value).__name__, getattr(result.value, "code", None))
    return sent, result


CLIENT_SCRIPTS = {
    "ok": ("SMTPSender", [b"220 hi", b"250 hello", b"250 ok", b"250 ok", b"550 no", b"354 go", b"250 done",
                          b"250 reset", b"221 bye"]),
    "refused_greeting": ("SMTPSender", [b"554 go away"]),
    "all_refused": ("SMTPSender", [b"220 hi", b"250 hello", b"250 ok", b"550 no", b"550 no", b"250 reset"]),
    "multiline": ("SMTPSender", [b"220-hi", b"220 there", b"250-hello", b"250 more", b"251 ok", b"250 ok",
                                 b"250 ok", b"354 go", b"451 later", b"250 reset", b"221 bye"]),
    "esmtp_cram": ("ESMTPSender", [b"220 hi", b"250-mx\r\n250 AUTH PLAIN LOGIN CRAM-MD5",
                                   b"334 " + b64(b"<1.2@mx>"), b"235 ok", b"250 ok", b"250 ok", b"354 go",
                                   b"250 done", b"250 reset", b"221 bye"]),
    "esmtp_plain": ("ESMTPSender", [b"220 hi", b"250-mx\r\n250 AUTH PLAIN", b"235 ok", b"250 ok"]),
    "esmtp_declined": ("ESMTPSender", [b"220 hi", b"250-mx\r\n250 AUTH LOGIN", b"334 VXNlcm5hbWU6",
                                       b"334 UGFzc3dvcmQ6", b"535 no", b"221 bye"]),
    "esmtp_no_auth": ("ESMTPSender", [b"220 hi", b"250 mx", b"221 bye"]),
}


@pytest.mark.parametrize("name", sorted(CLIENT_SCRIPTS))
def test_client(name: str) -> None:
    cls, lines = CLIENT_SCRIPTS[name]
    assert _client_run("twistio", lines, cls) == _client_run("twisted", lines, cls)
