"""twistio.words.protocols.irc: parsing, quoting, formatting, and the client and server
protocols driven over a StringTransport."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.internet import task
from twistio.internet.testing import StringTransport
from twistio.words.protocols import irc


def test_parsemsg_splits_prefix_command_and_trailing() -> None:
    assert irc.parsemsg(":nick!u@h PRIVMSG #c :hello world") == (
        "nick!u@h", "PRIVMSG", ["#c", "hello world"])
    assert irc.parsemsg("PING :x") == ("", "PING", ["x"])
    assert irc.parsemsg(":p CMD a :") == ("p", "CMD", ["a", ""])
    with pytest.raises(irc.IRCBadMessage):
        irc.parsemsg("")


def test_split_wraps_at_spaces_and_newlines() -> None:
    assert irc.split("hello world this is a long line", 10) == [
        "hello", "world this", "is a long", "line"]
    assert irc.split("a\n\nb c") == ["a", "b c"]
    assert irc.split("abcdefghijk", 5) == ["abcde", "fghij", "k"]


def test_low_and_ctcp_quoting_round_trip() -> None:
    raw = "a\0b\nc\rd\x10e"
    assert "\n" not in irc.lowQuote(raw)
    assert irc.lowDequote(irc.lowQuote(raw)) == raw
    assert irc.ctcpDequote(irc.ctcpQuote("x\x01y\\z")) == "x\x01y\\z"


def test_ctcp_extract_and_stringify() -> None:
    found = irc.ctcpExtract("hi \x01ACTION waves\x01 there \x01PING 1\x01")
    assert found == {"extended": [("ACTION", "waves"), ("PING", "1")],
                     "normal": ["hi ", " there "]}
    assert irc.ctcpStringify([("ACTION", "waves"), ("VERSION", None), ("DCC", ["A", 1])]) == (
        "\x01ACTION waves\x01\x01VERSION\x01\x01DCC A 1\x01")


def test_parse_modes() -> None:
    assert irc.parseModes("+ov-b", ["a", "b", "c"], ("ov", "b")) == (
        [("o", "a"), ("v", "b")], [("b", "c")])
    for modes, params, param_modes in [("", [], ("", "")), ("+", [], ("", "")),
                                       ("o", [], ("", "")), ("+o", [], ("o", "")),
                                       ("+s", ["x"], ("", ""))]:
        with pytest.raises(irc.IRCBadModes):
            irc.parseModes(modes, params, param_modes)


def test_formatted_text_round_trip() -> None:
    A = irc.attributes
    tree = A.bold["a", A.fg.red["b", A.bg.blue["c"]], "d"]
    text = irc.assembleFormattedText(tree)
    assert text == "\x0f\x02a\x0f\x02\x0305b\x0f\x02\x0305,02c\x0f\x02d"
    assert irc.stripFormatting(text) == "abcd"
    assert irc.parseFormattedText("\x02bold\x02 plain") == A.bold["bold", A.normal[" plain"]]
    assert irc.parseFormattedText("\x0304,12x") == A.fg.lightRed[A.bg.lightBlue["x"]]


def test_server_supported_features() -> None:
    features = irc.ServerSupportedFeatures()
    assert features.getFeature("NICKLEN") == 9
    features.parse(["PREFIX=(ohv)@%+", "NICKLEN=30", "TARGMAX=PRIVMSG:3,JOIN:",
                    "FOO=a\\x20b", "-MODES"])
    assert features.getFeature("PREFIX") == {"o": ("@", 0), "h": ("%", 1), "v": ("+", 2)}
    assert features.getFeature("NICKLEN") == 30
    assert features.getFeature("TARGMAX") == {"PRIVMSG": 3, "JOIN": None}
    assert features.getFeature("FOO") == ("a b",)
    assert not features.hasFeature("MODES")


class RecordingClient(irc.IRCClient):
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def __getattribute__(self, name: str) -> Any:
        callbacks = {"signedOn", "joined", "userJoined", "privmsg", "noticed", "action",
                     "modeChanged", "userRenamed", "kickedFrom", "receivedMOTD", "topicUpdated"}
        if name in callbacks:
            events = object.__getattribute__(self, "events")
            return lambda *args: events.append((name, *args))
        return object.__getattribute__(self, name)


def connected_client() -> tuple[RecordingClient, StringTransport]:
    client = RecordingClient()
    transport = StringTransport()
    client.makeConnection(transport)
    return client, transport


def test_client_registers_and_handles_welcome() -> None:
    client, transport = connected_client()
    assert transport.value() == b"NICK irc\r\nUSER irc foo bar :None\r\n"
    client.heartbeatInterval = None
    client.dataReceived(b":srv 001 irc :Welcome\r\n")
    assert client.events == [("signedOn",)]
    assert client.hostname == "srv"


def test_client_dispatches_messages() -> None:
    client, transport = connected_client()
    transport.clear()
    client.dataReceived(
        b":bob!u@h JOIN #c\r\n:irc!u@h JOIN #c\r\n:bob!u@h PRIVMSG #c :hi\r\n"
        b":bob!u@h PRIVMSG irc :\x01ACTION waves\x01\r\n:bob!u@h MODE #c +o-v irc bob\r\n"
        b"PING :123\r\n:srv 375 irc :- motd\r\n:srv 372 irc :- line\r\n:srv 376 irc :End\r\n")
    assert client.events == [
        ("userJoined", "bob", "#c"),
        ("joined", "#c"),
        ("privmsg", "bob!u@h", "#c", "hi"),
        ("action", "bob!u@h", "irc", "waves"),
        ("modeChanged", "bob!u@h", "#c", True, "o", ("irc",)),
        ("modeChanged", "bob!u@h", "#c", False, "v", ("bob",)),
        ("receivedMOTD", ["motd", "line"]),
    ]
    assert transport.value() == b"PONG 123\r\n"


def test_client_answers_ctcp_ping_and_version() -> None:
    client, transport = connected_client()
    client.versionName, client.versionNum = "bot", "1"
    transport.clear()
    client.dataReceived(b":bob!u@h PRIVMSG irc :\x01PING 42\x01\x01VERSION\x01\r\n")
    assert transport.value() == (
        b"NOTICE bob :\x01PING 42\x01\r\nNOTICE bob :\x01VERSION bot:1:\x01\r\n")


def test_client_splits_long_messages() -> None:
    client, transport = connected_client()
    transport.clear()
    client.msg("bob", "x" * 1000)
    lines = transport.value().split(b"\r\n")[:-1]
    assert len(lines) == 3
    assert all(len(line) + 2 <= 512 for line in lines)
    assert b"".join(line[len(b"PRIVMSG bob :"):] for line in lines) == b"x" * 1000
    with pytest.raises(ValueError):
        client.msg("bob", "hello", 5)


def test_client_line_rate_queues_with_the_reactor_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = task.Clock()
    monkeypatch.setattr(irc, "reactor", clock)
    client, transport = connected_client()
    client.lineRate = 1
    transport.clear()
    for word in ("a", "b", "c"):
        client.sendLine(word)
    assert transport.value() == b"a\r\n"
    clock.advance(1)
    clock.advance(1)
    assert transport.value() == b"a\r\nb\r\nc\r\n"


def test_client_nickname_collision() -> None:
    client, transport = connected_client()
    transport.clear()
    client.dataReceived(b":srv 433 * irc :Nickname is already in use\r\n")
    assert transport.value() == b"NICK irc_\r\n"


def test_server_protocol_parses_and_replies() -> None:
    seen: list[tuple[str, list[str]]] = []

    class Server(irc.IRC):
        def irc_PRIVMSG(self, prefix: str, params: list[str]) -> None:
            seen.append((prefix, params))

    server = Server()
    server.hostname = "srv"
    transport = StringTransport()
    server.makeConnection(transport)
    server.dataReceived(b"privmsg #c :hello there\r\n:me PRIVMSG x :y\n")
    assert seen == [("", ["#c", "hello there"]), ("me", ["x", "y"])]
    server.names("me", "#c", ["a", "b"])
    server.sendCommand("PRIVMSG", ["#c", ":hi"], "bob", {"k": "a b;c", "flag": None})
    assert transport.value() == (
        b":srv 353 me = #c :a b\r\n:srv 366 me #c :End of /NAMES list\r\n"
        b"@k=a\\sb\\:c;flag :bob PRIVMSG #c :hi\r\n")
    with pytest.raises(ValueError):
        server.sendCommand("", [])
    with pytest.raises(ValueError):
        server.sendCommand("X", [], tags={"a b": "x"})


def test_server_names_split_under_the_line_limit() -> None:
    server = irc.IRC()
    server.hostname = "srv"
    transport = StringTransport()
    server.makeConnection(transport)
    server.names("me", "#c", [f"n{i:03}" for i in range(200)])
    lines = transport.value().split(b"\r\n")[:-1]
    assert len(lines) > 2
    assert all(len(line) + 2 <= 512 for line in lines)


def test_dcc_helpers() -> None:
    assert irc.dccParseAddress("3232235777") == "192.168.1.1"
    with pytest.raises(irc.IRCBadMessage):
        irc.dccParseAddress("nope")
    assert irc.dccDescribe("SEND f 3232235777 1234 99") == (
        "SEND for file 'f' of size 99 bytes at host 192.168.1.1, port 1234")


def test_dcc_offer_reaches_dccDoSend() -> None:
    offers: list[tuple[Any, ...]] = []

    class Client(irc.IRCClient):
        def dccDoSend(self, *args: Any) -> None:
            offers.append(args)

    client = Client()
    client.makeConnection(StringTransport())
    client.dataReceived(b':bob!u@h PRIVMSG me :\x01DCC SEND "a b" 3232235777 1234 10\x01\r\n')
    assert offers == [("bob!u@h", "192.168.1.1", 1234, "a b", 10,
                       ["a b", "3232235777", "1234", "10"])]
