"""One IRC session transcript through Twisted's words service (the test oracle) and
twistio's: every line the server sends must be the same (dates and versions masked)."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

pytest.importorskip("twisted.words.service")

SCRIPT: list[tuple[str, str]] = [
    ("john", "PASS pass"), ("john", "NICK john"), ("john", "USER john foo bar :John"),
    ("jane", "NICK jane"), ("jane", "USER jane foo bar :Jane"), ("jane", "PRIVMSG NickServ :pw"),
    ("jane", "JOIN #test"), ("john", "JOIN #test"), ("john", "PRIVMSG #test :hello all"),
    ("john", "PRIVMSG jane :hi jane"), ("john", "PRIVMSG nobody :hi"),
    ("john", "PRIVMSG #nochan :hi"), ("john", "NAMES #test"), ("john", "NAMES #nochan"),
    ("john", "TOPIC #test"), ("john", "TOPIC #test :new topic"), ("john", "TOPIC #test"),
    ("john", "TOPIC #nochan"), ("john", "LIST"), ("john", "LIST #test"), ("john", "WHO #test"),
    ("john", "WHO jane"), ("john", "WHO nobody"), ("john", "WHOIS nobody"),
    ("john", "MODE #test"), ("john", "MODE #test +o jane"), ("john", "MODE john"),
    ("john", "MODE jane"), ("john", "MODE john +i"), ("john", "MODE #nochan"),
    ("john", "PING :foo"), ("john", "OPER a b"), ("john", "PART #test :bye"),
    ("john", "PART #nochan"), ("jane", "PRIVMSG #test :still here"), ("john", "QUIT :gone"),
    ("bob", "PASS wrong"), ("bob", "NICK john"),
]

MASKS = [
    (re.compile(r"created on .*"), "created on DATE"),
    (re.compile(r"running version \S+"), "running version V"),
    (re.compile(r"(:example.com 004 \S+ example.com) \S+ "), r"\1 V "),
    (re.compile(r" \d{9,} "), " TIME "),
]


def transcript(package: str) -> list[tuple[str, str]]:
    service = importlib.import_module(package + ".words.service")
    portal = importlib.import_module(package + ".cred.portal")
    checkers = importlib.import_module(package + ".cred.checkers")
    testing = importlib.import_module(package + ".internet.testing")
    realm = service.InMemoryWordsRealm("example.com")
    realm.createGroupOnRequest = True
    db = checkers.InMemoryUsernamePasswordDatabaseDontUse()
    db.addUser("john", "pass")
    db.addUser("jane", "pw")
    factory = service.IRCFactory(realm, portal.Portal(realm, [db]))
    connections: dict[str, tuple[Any, Any]] = {}
    seen: list[tuple[str, str]] = []
    for who, line in SCRIPT:
        if who not in connections:
            proto = factory.buildProtocol(None)
            transport = testing.StringTransport()
            proto.makeConnection(transport)
            connections[who] = (proto, transport)
        connections[who][0].dataReceived(line.encode() + b"\r\n")
        for name, (_, transport) in connections.items():
            for sent in transport.value().decode().split("\r\n")[:-1]:
                for pattern, replacement in MASKS:
                    sent = pattern.sub(replacement, sent)
                seen.append((name, sent))
            transport.clear()
        seen.append(("--", line))
    return seen


def test_same_transcript() -> None:
    assert transcript("twistio") == transcript("twisted")
