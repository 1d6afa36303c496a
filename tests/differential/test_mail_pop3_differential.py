"""The same POP3 server class on Twisted and on twistio answers the same scripted sessions
with the same replies (in memory, each on its own StringTransport, producers driven by hand)."""

from __future__ import annotations

import hashlib
import importlib
import warnings
from io import BytesIO
from typing import Any

import pytest

pytest.importorskip("twisted.mail.pop3")

MESSAGES = [b"Subject: a\n\nbody1\n.dot\n..two\n", b"Subject: b\n\nl1\nl2\nl3\n", b"no newline at end"]


def run(pkg: str, lines: list[bytes]) -> list[bytes]:
    pop3 = importlib.import_module(pkg + ".mail.pop3")
    testing = importlib.import_module(pkg + ".internet.testing")
    portal = importlib.import_module(pkg + ".cred.portal")
    checkers = importlib.import_module(pkg + ".cred.checkers")
    defer = importlib.import_module(pkg + ".internet.defer")
    events: list[Any] = []

    class Box:
        def __init__(self) -> None:
            self.deleted: set[int] = set()

        def listMessages(self, i: int | None = None) -> Any:
            if i is None:
                return [0 if j in self.deleted else len(m) for j, m in enumerate(MESSAGES)]
            if i >= len(MESSAGES):
                raise ValueError(i)
            return 0 if i in self.deleted else len(MESSAGES[i])

        def getMessage(self, i: int) -> Any:
            return BytesIO(MESSAGES[i])

        def getUidl(self, i: int) -> bytes:
            if i >= len(MESSAGES):
                raise ValueError(i)
            return b"uid%d" % i

        def deleteMessage(self, i: int) -> None:
            self.deleted.add(i)

        def undeleteMessages(self) -> None:
            self.deleted.clear()

        def sync(self) -> None:
            events.append(("sync", sorted(self.deleted)))

    class Realm:
        def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
            events.append(("avatar", avatarId))
            return pop3.IMailbox, Box(), lambda: events.append(("logout",))

    def schedule(iterator: Any) -> Any:
        for _ in iterator:
            pass
        return defer.succeed(iterator)

    proto = pop3.POP3()
    proto.portal = portal.Portal(Realm(), [checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"pw")])
    proto.magic = b"<1234.5678@example>"
    proto.schedule = schedule
    transport = testing.StringTransport()
    proto.makeConnection(transport)
    out = [transport.value()]
    transport.clear()
    for line in lines:
        proto.dataReceived(line + b"\r\n")
        for _ in range(100):
            if transport.producer is None:
                break
            transport.producer.resumeProducing()
        out.append(transport.value())
        transport.clear()
    proto.connectionLost(None)
    out.append(repr(events).encode())
    return out


APOP_OK = b"APOP alice " + hashlib.md5(b"<1234.5678@example>pw").hexdigest().encode()

SESSIONS = {
    "user_pass": [b"CAPA", b"STAT", b"USER alice", b"PASS no", b"PASS pw", b"USER alice", b"PASS pw", b"STAT",
                  b"LIST", b"LIST 1", b"LIST 3", b"LIST 5", b"LIST x", b"LIST 0", b"UIDL", b"UIDL 2", b"UIDL 9",
                  b"UIDL x", b"NOOP", b"QUIT"],
    "retrieve": [b"user alice", b"pass pw", b"TOP 1 1", b"TOP 1 0", b"TOP 2 x", b"TOP 2 100", b"TOP 9 1",
                 b"RETR 1", b"RETR 3", b"RETR 0", b"RETR x", b"LAST", b"RETR 2", b"LAST", b"QUIT"],
    "delete": [b"USER alice", b"PASS pw", b"DELE 1", b"DELE 1", b"LIST", b"STAT", b"RETR 1", b"TOP 1 1",
               b"LIST 1", b"RSET", b"LIST", b"DELE 2", b"QUIT"],
    "apop_refused": [b"APOP alice 0123", b"APOP nobody 0123", b"STAT", b"QUIT"],
    "unknown_and_refused": [b"FOO", b"", b"RPOP x", b"AUTH", b"AUTH PLAIN", b"PASS x", b"DELE 1", b"QUIT"],
    "pass_with_spaces": [b"USER alice", b"PASS p w", b"QUIT"],
}


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_session(name: str) -> None:
    assert run("twistio", SESSIONS[name]) == run("twisted", SESSIONS[name])


def test_apop_works_over_the_wire_unlike_twisted() -> None:
    """Twisted compares the hex digest as str with the bytes from the wire and always refuses."""
    twisted_out = run("twisted", [APOP_OK, b"QUIT"])
    twistio_out = run("twistio", [APOP_OK, b"QUIT"])
    assert twisted_out[1] == b"-ERR Authentication failed\r\n"
    assert twistio_out[1] == b"+OK Authentication succeeded\r\n"


def old_client_modes(pkg: str) -> list[Any]:
    """The old ``POP3Client`` routing a multi-line answer, a stray line after its ``.``
    and a one-line answer: which handler got each line and the mode after it."""
    pop3 = importlib.import_module(pkg + ".mail.pop3")
    seen: list[Any] = []

    class Client(pop3.POP3Client):  # type: ignore[misc, name-defined]
        def handle_LIST(self, line: bytes) -> None:
            seen.append(("first", line))

        def handle_LIST_continue(self, line: bytes) -> None:
            seen.append(("more", line))

        def handle_LIST_end(self) -> None:
            seen.append("end")

        def handle_DELE(self, line: bytes) -> None:
            seen.append(("short", line))

    class Transport:
        def write(self, data: bytes) -> None:
            seen.append(("sent", data))

        def writeSequence(self, data: list[bytes]) -> None:
            seen.append(("sent", b"".join(data)))

    client = Client()
    client.transport = Transport()
    client.mode = pop3.NONE
    client.sendLong(b"LIST", b"")
    for line in (b"+OK", b"1 2", b"..dot", b".", b"stray"):
        client.lineReceived(line)
        seen.append(client.mode)
    client.sendShort(b"DELE", b"1")
    for line in (b"+OK gone", b"after"):
        client.lineReceived(line)
        seen.append(client.mode)
    return [seen, dict(pop3.NEXT)]


def test_old_client_line_modes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert old_client_modes("twistio") == old_client_modes("twisted")
