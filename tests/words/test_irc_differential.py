"""The same inputs through Twisted's IRC module (the test oracle) and twistio's; the
outputs must agree."""

from __future__ import annotations

from typing import Any

import pytest

twisted_irc = pytest.importorskip("twisted.words.protocols.irc")
twisted_testing = pytest.importorskip("twisted.internet.testing")

from twistio.internet import testing as twistio_testing  # noqa: E402
from twistio.words.protocols import irc as twistio_irc  # noqa: E402

IMPLEMENTATIONS = [(twisted_irc, twisted_testing), (twistio_irc, twistio_testing)]

LINES = [
    ":nick!u@h PRIVMSG #c :hello world", "PING :x", ":srv 001 me :Welcome", "CMD a b c",
    ":p CMD", "cmd  a  b", ":p CMD a :", ":p CMD a :b :c",
]
# Twisted nests several attributes switched on at once in set order (it varies from one
# process to the next), so these texts switch on at most one at a time besides colours.
TEXTS = [
    "hello", "\x02bold\x02 normal", "\x0304red\x03 x", "\x0304,12rb", "\x031,2x\x0f y",
    "\x03", "\x0399x", "\x1fu\x1f\x16r", "\x03,5z", "\x0312", "\x02\x1f\x02x", "a\x02\x02b",
    "\x031,2\x03x", "\x0312,y", "\x0312,345", "\x03123", "a\x03,", "a\x1fb\x1fc",
]
INCOMING = [
    b":srv 004 me srv ver ab cd\r\n", b":srv 005 me MODES=4 PREFIX=(ov)@+ :are supported\r\n",
    b":srv 252 me 3 :ops\r\n", b":me!u@h JOIN #c\r\n", b":bob!u@h PART #c :bye\r\n",
    b":bob!u@h QUIT :gone\r\n", b":bob!u@h MODE #c +o-v me you\r\n", b":bob!u@h MODE #c +q\r\n",
    b":bob!u@h PRIVMSG me :\x01PING 123\x01\r\n", b":bob!u@h PRIVMSG me :\x01CLIENTINFO\x01\r\n",
    b":bob!u@h PRIVMSG me :\x01ERRMSG x\x01\r\n", b":bob!u@h PRIVMSG me :\x01DCC BOGUS a\x01\r\n",
    b":bob!u@h NICK newbob\r\n", b":bob!u@h KICK #c alice :out\r\n",
    b":srv 332 me #c :the topic\r\n", b":srv 433 * irc :in use\r\n", b":srv 999 me a :b\r\n",
    b":bob!u@h TOPIC #c :new\r\n", b":bob!u@h NOTICE me :hi\r\n", b"PING :srv\r\n",
]


def _both(fn: Any) -> list[Any]:
    results = []
    for module, testing in IMPLEMENTATIONS:
        try:
            results.append(fn(module, testing))
        except Exception as e:  # noqa: BLE001 - the exception type is part of the result
            results.append(("raised", type(e).__name__, str(e)))
    return results


@pytest.mark.parametrize("line", LINES)
def test_parsemsg(line: str) -> None:
    theirs, ours = _both(lambda m, t: m.parsemsg(line))
    assert ours == theirs


@pytest.mark.parametrize("text", TEXTS)
def test_formatting(text: str) -> None:
    theirs, ours = _both(lambda m, t: (repr(m.parseFormattedText(text)),
                                       m.assembleFormattedText(m.parseFormattedText(text)),
                                       m.stripFormatting(text)))
    assert ours == theirs


def _client_run(module: Any, testing: Any) -> list[Any]:
    recorded: list[Any] = []

    class Client(module.IRCClient):  # type: ignore[misc, name-defined]
        heartbeatInterval = None

        def __getattribute__(self, name: str) -> Any:
            if name in ("privmsg", "noticed", "joined", "userLeft", "userQuit", "modeChanged",
                        "luserOp", "myInfo", "isupport", "userRenamed", "userKicked",
                        "topicUpdated", "irc_unknown"):
                return lambda *args: recorded.append((name, args))
            return object.__getattribute__(self, name)

    client = Client()
    transport = testing.StringTransport()
    client.makeConnection(transport)
    for data in INCOMING:
        transport.clear()
        client.dataReceived(data)
        recorded.append(transport.value())
    return recorded


def test_client_callbacks_and_replies() -> None:
    theirs, ours = _both(_client_run)
    assert ours == theirs


def _commands(module: Any, testing: Any) -> list[bytes]:
    client = module.IRCClient()
    client.password, client.realname = "pw", "Real"
    transport = testing.StringTransport()
    client.makeConnection(transport)
    client.join("chan", "key")
    client.leave("&chan", "bye")
    client.kick("chan", "u", "bad")
    client.topic("chan", "")
    client.mode("#c", False, "l", limit=5)
    client.say("chan", "hi")
    client.msg("bob", "word " * 150)
    client.notice("bob", "a\nb")
    client.whois("bob", "srv")
    client.describe("#c", "waves")
    client.away()
    client.quit("bye")
    return [transport.value()]


def test_client_commands() -> None:
    theirs, ours = _both(_commands)
    assert ours == theirs
