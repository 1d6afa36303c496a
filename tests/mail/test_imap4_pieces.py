"""IMAP4 building blocks Twisted's imap4 module exposes (literal readers, the write buffer,
the file and message producers, the FETCH item parser) and the client's wire details that
Twisted's tests pin down; compared with Twisted where it is installed."""

from __future__ import annotations

from collections import OrderedDict
from io import BytesIO
from typing import Any

import pytest

from twistio.internet import defer
from twistio.internet.testing import StringTransport
from twistio.mail import imap4


class _Consumer:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.producer: Any = None

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        assert not streaming
        self.producer = producer
        # A pull consumer asks for data until the producer lets go.
        for _ in range(1000):
            if self.producer is None:
                break
            producer.resumeProducing()

    def unregisterProducer(self) -> None:
        self.producer = None

    def write(self, data: bytes) -> None:
        self.chunks.append(data)


class _Message:
    def __init__(self, headers: dict[str, str], body: bytes, parts: list[Any] | None = None) -> None:
        self.headers, self.body, self.parts = headers, body, parts

    def getHeaders(self, negate: bool, *names: str) -> dict[str, str]:
        return self.headers

    def getBodyFile(self) -> BytesIO:
        return BytesIO(self.body)

    def isMultipart(self) -> bool:
        return self.parts is not None

    def getSubPart(self, part: int) -> Any:
        assert self.parts is not None
        return self.parts[part]


def test_literals_take_what_they_need():
    for factory in (imap4.LiteralString, imap4.LiteralFile):
        d: defer.Deferred[Any] = defer.Deferred()
        literal = factory(4, d)
        assert literal.write(b"da") is None
        assert literal.write(b"tarest") == b"rest"
        literal.callback(b" line")
        data, line = d.result
        assert (data if isinstance(data, bytes) else data.read()) == b"data" and line == b" line"
        assert factory(0, defer.Deferred()).write(b"x") == b"x"


def test_literal_file_spools_to_disk(monkeypatch):
    monkeypatch.setattr(imap4.LiteralFile, "_memoryFileLimit", 1)
    d: defer.Deferred[Any] = defer.Deferred()
    literal = imap4.LiteralFile(3, d)
    assert not isinstance(literal.data, BytesIO)
    literal.write(b"abc")
    literal.callback(b"")
    assert d.result[0].read() == b"abc"
    d.result[0].close()


def test_write_buffer():
    transport = StringTransport()
    buf = imap4.WriteBuffer(transport, size=4)
    buf.write(b"abcd")
    assert transport.value() == b""
    buf.write(b"e")
    assert transport.value() == b"abcde"
    buf.write(b"f")
    buf.flush()
    buf.flush()
    assert transport.value() == b"abcdef"


def test_file_producer_sends_one_literal():
    consumer = _Consumer()
    producer = imap4.FileProducer(BytesIO(b"xyz" * 3))
    producer.CHUNK_SIZE = 2
    d = producer.beginProducing(consumer)
    assert d.result is producer
    assert b"".join(consumer.chunks) == b"{9}\r\nxyzxyzxyz"
    producer.resumeProducing()  # after the end: nothing more
    assert b"".join(consumer.chunks) == b"{9}\r\nxyzxyzxyz"


def test_message_producer_multipart():
    inner = _Message(OrderedDict([("subject", "in"), ("content-type", "text/plain")]), b"body")
    outer = _Message(
        OrderedDict([("from", "a@b"), ("content-type", "multipart/mixed; boundary=xy")]), b"", [inner, inner]
    )
    consumer = _Consumer()
    d = imap4.MessageProducer(outer).beginProducing(consumer)
    expected = (
        b"From: a@b\r\nContent-Type: multipart/mixed; boundary=xy\r\n\r\n"
        b"\r\n--xy\r\nSubject: in\r\nContent-Type: text/plain\r\n\r\nbody"
        b"\r\n--xy\r\nSubject: in\r\nContent-Type: text/plain\r\n\r\nbody\r\n--xy--\r\n"
    )
    assert b"".join(consumer.chunks) == b"{%d}\r\n" % len(expected) + expected
    assert isinstance(d.result, imap4.MessageProducer)


def test_message_producer_makes_a_boundary():
    outer = _Message(OrderedDict([("content-type", "multipart/mixed")]), b"", [_Message({}, b"x")])
    producer = imap4.MessageProducer(outer)
    producer._uuid4 = lambda: type("U", (), {"hex": "abc"})()  # type: ignore[method-assign]
    consumer = _Consumer()
    producer.beginProducing(consumer)
    text = b"".join(consumer.chunks)
    assert b'Content-Type: multipart/mixed; boundary="----=abc"\r\n' in text
    assert text.endswith(b"\r\n------=abc--\r\n")


def test_format_headers():
    assert imap4._formatHeaders({"content-type": "x", "X-FOO-bar": "y\nz"}) == (
        b"Content-Type: x\r\nX-Foo-Bar: y\r\nz\r\n"
    )
    assert imap4._formatHeaders({}) == b"\r\n"


FETCH_ITEMS = [
    b"ENVELOPE", b"FULL", b"ALL", b"FAST", b"(FLAGS UID)", b"RFC822.HEADER", b"BODY", b"BODY.PEEK",
    b"BODY[]", b"BODY[1]", b"BODY.PEEK[1.2]", b"BODY[1.2.TEXT]<5.10>", b"BODY[HEADER]<0.10>",
    b"BODY[HEADER.FIELDS (Subject Cc)]", b"BODY.PEEK[1.3.HEADER.FIELDS.NOT (Message-Id Date)]<1.2>",
    b"BODY[MIME]", b"BODY[1.MIME]", b"(BODY[1] RFC822.SIZE)", b"BODYSTRUCTURE",
    b"BODY[HEADER.FIELDS ((Quoted)]",
]
BAD_FETCH_ITEMS = [
    b"UNKNOWN", b"FLAGS UID", b"BODY[HEADER.FIELDS  ", b"BODY[HEADER.FIELDS!]", b"BODY[UNKNOWN]",
    b"BODY[HEADER", b"BODY[HEADER.FIELDS (SUBJECT)", b"BODY[HEADER.FIELDS Missing)]",
    b"BODY[HEADER.FIELDS (Missing]", b"BODY<01>", b"BODY<0",
]


def _described(items: list[Any]) -> list[tuple[str, str, Any]]:
    out = []
    for item in items:
        fields = getattr(getattr(item, "header", None), "fields", None)
        details = tuple(
            getattr(item, a, None) for a in ("peek", "part", "empty", "partialBegin", "partialLength")
        )
        out.append((type(item).__name__, str(item), (details, fields and list(fields))))
    return out


@pytest.mark.parametrize("text", FETCH_ITEMS)
def test_fetch_parser_matches_twisted(text):
    theirs = pytest.importorskip("twisted.mail.imap4")._FetchParser()
    ours = imap4._FetchParser()
    theirs.parseString(text)
    ours.parseString(text)
    assert _described(ours.result) == _described(theirs.result)


@pytest.mark.parametrize("text", BAD_FETCH_ITEMS)
def test_fetch_parser_refuses(text):
    with pytest.raises(imap4.IllegalClientResponse):
        imap4._FetchParser().parseString(text)


def test_fetch_body_item_bytes():
    parser = imap4._FetchParser()
    parser.parseString(b"BODY.PEEK[1.3.HEADER.FIELDS.NOT (Message-Id Date)]<103.69>")
    body = parser.result[0]
    assert body.part == (0, 2) and body.header.fields == [b"MESSAGE-ID", b"DATE"]
    assert bytes(body) == b"BODY[1.3.HEADER.FIELDS.NOT (Message-Id Date)]<103.69>"
    assert body.getBytes(length=10) == b"BODY[1.3.HEADER.FIELDS.NOT (Message-Id Date)]<103>"


@pytest.mark.parametrize(
    "name, wire",
    [("foobox", b"foobox"), ("foo box", b'"foo box"'), ("", b'""'), ('a"b', b'"a\\"b"'),
     ("a*", b'"a*"'), ("\u00e9", b"&AOk-")],
)
def test_client_quotes_mailbox_names_only_when_needed(name, wire):
    client = imap4.IMAP4Client()
    transport = StringTransport()
    client.makeConnection(transport)
    client.dataReceived(b"* PREAUTH Hello\r\n")
    transport.clear()
    client.select(name)
    assert transport.value() == b"0001 SELECT " + wire + b"\r\n"


def _client() -> tuple[imap4.IMAP4Client, StringTransport]:
    client = imap4.IMAP4Client()
    transport = StringTransport()
    client.makeConnection(transport)
    client.dataReceived(b"* OK [IMAP4rev1]\r\n")
    transport.clear()
    return client, transport


def test_client_capabilities_keep_case_and_mix():
    client, _ = _client()
    d = client.getCapabilities(useCache=False)
    client.dataReceived(b"* CAPABILITY IMAP4rev1 FOO FOO=BAR BAR=FOO BAR\r\n0001 OK done\r\n")
    assert d.result == {b"IMAP4rev1": None, b"FOO": [None, b"BAR"], b"BAR": [b"FOO", None]}


def test_client_refuses_non_numbers_and_fails_with_the_text():
    client, _ = _client()
    d = client.select("box")
    client.dataReceived(b"* OK [UIDNEXT foo] next\r\n0001 OK [READ-WRITE] done\r\n")
    failure = d.result
    d.addErrback(lambda _: None)
    assert failure.check(imap4.IllegalServerResponse)
    d = client.delete("box")
    client.dataReceived(b"0002 NO No such mailbox\r\n")
    errors: list[Any] = []
    d.addErrback(errors.append)
    assert errors[0].value.args == (b"No such mailbox",)
    with pytest.raises(ValueError, match="Unknown names"):
        client.status("box", "IMPOSSIBLE")


def test_query_parenthesises_all_but_one_flag():
    assert imap4.Query(flagged=1) == "FLAGGED"
    assert imap4.Query(before="today") == '(BEFORE "today")'
    assert imap4.Query(messages=1) == '(MESSAGES "1")'
    assert imap4.Query(keyword='twisted (){%*"\\] rocks') == "(KEYWORD twistedrocks)"


def test_imap4_utf7_stream_writer_and_open_shift():
    import codecs

    out = BytesIO()
    codecs.getwriter("imap4-utf-7")(out).write("Hello\xffworld")
    assert out.getvalue() == b"Hello&AP8-world"
    assert b"&AL0".decode("imap4-utf-7") == "\N{VULGAR FRACTION ONE HALF}"


def test_silent_store_result_is_empty_and_flags_go_to_flags_changed():
    class Client(imap4.IMAP4Client):
        def __init__(self) -> None:
            super().__init__()
            self.changed: dict[int, Any] = {}

        def flagsChanged(self, newFlags: dict[int, Any]) -> None:
            self.changed.update(newFlags)

    client = Client()
    transport = StringTransport()
    client.makeConnection(transport)
    client.dataReceived(b"* PREAUTH hi\r\n")
    d = client.setFlags("3", ("\\Read",), True)
    client.dataReceived(b"* 2 FETCH (FLAGS (\\Read))\r\n0001 OK STORE completed\r\n")
    assert d.result == {} and client.changed == {2: ["\\Read"]}


def test_message_set_and_string_helpers():
    m = imap4.MessageSet(None)
    assert len(m) == 1 and str(m) == "*"
    assert list(imap4.MessageSet(1, 3) + (3, 5)) == [1, 2, 3, 4, 5]
    with pytest.raises(TypeError):
        _ = 5 in imap4.MessageSet(1, 3) + None
    with pytest.raises(imap4.IllegalIdentifierError):
        imap4.parseIdList(b"*:*", 10)
    assert imap4.collapseStrings([b"a", b" ", b'"', b"b", b" ", b'"', b"c"]) == [b"a", b"b ", b"c"]
    assert imap4.collapseNestedLists([b"x", BytesIO(b"ab")]) == b'"x" {2}\r\nab'
    with pytest.raises(ValueError):
        imap4.parseNestedParens(b"{-1}", 1)


def test_search_with_unknown_key_is_no_and_logged():
    from twistio.python import log

    class Box:
        def fetch(self, messages: Any, uid: bool) -> list[Any]:
            return []

        def addListener(self, listener: Any) -> None:
            pass

        def removeListener(self, listener: Any) -> None:
            pass

    server = imap4.IMAP4Server()
    transport = StringTransport()
    server.makeConnection(transport)
    server.state, server.mbox = "select", Box()
    transport.clear()
    errors: list[Any] = []
    log.addObserver(errors.append)
    try:
        server.dataReceived(b"01 SEARCH FOO\r\n")
    finally:
        log.removeObserver(errors.append)
        server.connectionLost(None)
    assert transport.value() == b"01 NO SEARCH failed: Invalid search command FOO\r\n"
    assert [e for e in errors if e.get("isError")]


def test_client_pending_commands_fail_with_the_reason():
    from twistio.internet import error

    client, _ = _client()
    d = client.noop()
    client.connectionLost(error.ConnectionDone("closed"))
    failures: list[Any] = []
    d.addErrback(failures.append)
    assert failures[0].check(error.ConnectionDone)
