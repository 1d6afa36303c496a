"""twistio.protocols.basic: line, netstring and length-prefixed framing, and FileSender."""

from __future__ import annotations

import io
import struct
from typing import Any

import pytest

from twistio.internet.defer import Deferred
from twistio.internet.testing import StringTransport, StringTransportWithDisconnection
from twistio.protocols import basic


def connect(p: Any, transport: StringTransport | None = None) -> StringTransport:
    t = transport if transport is not None else StringTransport()
    p.makeConnection(t)
    return t


class Lines(basic.LineReceiver):
    """Records lines, raw data and over-long data; ``on_line`` lets a test react."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.raw: list[bytes] = []
        self.exceeded: list[bytes] = []
        self.on_line: Any = None
        self.on_raw: Any = None

    def lineReceived(self, line: bytes) -> Any:
        self.lines.append(line)
        if self.on_line is not None:
            return self.on_line(line)
        return None

    def rawDataReceived(self, data: bytes) -> Any:
        self.raw.append(data)
        if self.on_raw is not None:
            return self.on_raw(data)
        return None

    def lineLengthExceeded(self, line: bytes) -> Any:
        self.exceeded.append(line)
        return super().lineLengthExceeded(line)


# ------------------------------------------------------------------ LineReceiver


def test_lines_split_anywhere() -> None:
    stream = b"one\r\ntwo\r\n\r\nthree\r\nfour"
    for cut in range(len(stream) + 1):
        p = Lines()
        connect(p)
        p.dataReceived(stream[:cut])
        p.dataReceived(stream[cut:])
        assert p.lines == [b"one", b"two", b"", b"three"]
        assert p.clearLineBuffer() == b"four"


def test_send_line_and_custom_delimiter() -> None:
    class LF(Lines):
        delimiter = b"\n"

    p = LF()
    t = connect(p)
    p.sendLine(b"hello")
    p.dataReceived(b"a\nb\r\n")
    assert t.value() == b"hello\n"
    assert p.lines == [b"a", b"b\r"]


def test_delimiter_changed_from_line_received() -> None:
    p = Lines()
    connect(p)
    p.on_line = lambda line: setattr(p, "delimiter", b"\n") if line == b"lf" else None
    p.dataReceived(b"lf\r\nx\ny\r\n")
    assert p.lines == [b"lf", b"x", b"y\r"]


def test_line_too_long_gets_line_delimiter_and_rest() -> None:
    p = Lines()
    p.MAX_LENGTH = 3
    t = connect(p)
    p.dataReceived(b"ab\r\nabcd\r\nxy\r\nz")
    assert p.lines == [b"ab"]
    assert p.exceeded == [b"abcd\r\nxy\r\nz"]
    assert t.disconnecting
    assert p.clearLineBuffer() == b""


def test_unterminated_buffer_too_long() -> None:
    """Exceeded once MAX_LENGTH + len(delimiter) bytes arrive without a delimiter."""
    p = Lines()
    p.MAX_LENGTH = 4
    t = connect(p)
    p.dataReceived(b"abcd\r")  # could still be a 4-byte line
    assert p.exceeded == [] and not t.disconnecting
    p.dataReceived(b"e")
    assert p.exceeded == [b"abcd\re"]
    assert t.disconnecting


def test_line_of_max_length_is_fine() -> None:
    p = Lines()
    p.MAX_LENGTH = 4
    connect(p)
    p.dataReceived(b"abcd\r\n")
    assert p.lines == [b"abcd"] and p.exceeded == []


def test_max_length_lowered_from_line_received() -> None:
    p = Lines()
    connect(p)
    p.on_line = lambda line: setattr(p, "MAX_LENGTH", 2)
    p.dataReceived(b"first\r\nab\r\nabc\r\nz\r\n")
    assert p.lines == [b"first", b"ab"]
    assert p.exceeded == [b"abc\r\nz\r\n"]


def test_raw_mode_gets_rest_of_chunk_then_line_mode() -> None:
    """The HTTP pattern: a header line announces N raw bytes, then lines again."""
    p = Lines()
    connect(p)
    left = [0]

    def on_line(line: bytes) -> None:
        if line.startswith(b"body "):
            left[0] = int(line[5:])
            p.setRawMode()

    def on_raw(data: bytes) -> None:
        body, rest = data[: left[0]], data[left[0] :]
        left[0] -= len(body)
        if not left[0]:
            p.setLineMode(rest)

    p.on_line, p.on_raw = on_line, on_raw
    p.dataReceived(b"a\r\nbody 5\r\n12345b\r\nc\r\nbody 2\r\nxy")
    assert p.lines == [b"a", b"body 5", b"b", b"c", b"body 2"]
    assert p.raw == [b"12345b\r\nc\r\nbody 2\r\nxy", b"xy"]
    assert p.line_mode == 1


def test_set_line_mode_returns_what_data_received_returns() -> None:
    p = Lines()
    connect(p)
    p.setRawMode()
    p.on_line = lambda line: "stop"
    assert p.setLineMode(b"a\r\nb\r\n") == "stop"
    assert p.lines == [b"a"]
    assert p.clearLineBuffer() == b"b\r\n"


def test_raw_data_return_value_stops_delivery() -> None:
    p = Lines()
    connect(p)
    p.setRawMode()
    p.on_raw = lambda data: "done"
    assert p.dataReceived(b"xyz") == "done"


def test_clear_line_buffer_from_line_received_returns_unparsed_rest() -> None:
    p = Lines()
    connect(p)
    taken: list[bytes] = []
    p.on_line = lambda line: taken.append(p.clearLineBuffer()) if line == b"take" else None
    p.dataReceived(b"a\r\ntake\r\nb\r\nc\r\npartial")
    assert p.lines == [b"a", b"take"]
    assert taken == [b"b\r\nc\r\npartial"]
    p.dataReceived(b"d\r\n")
    assert p.lines[-1] == b"d"


def test_line_received_return_value_stops_and_keeps_rest() -> None:
    p = Lines()
    connect(p)
    p.on_line = lambda line: "why" if line == b"stop" else None
    assert p.dataReceived(b"a\r\nstop\r\nb\r\n") == "why"
    assert p.lines == [b"a", b"stop"]
    assert p.clearLineBuffer() == b"b\r\n"


def test_no_line_after_lose_connection() -> None:
    p = Lines()
    t = connect(p)
    p.on_line = lambda line: t.loseConnection() if line == b"quit" else None
    p.dataReceived(b"a\r\nquit\r\nb\r\n")
    assert p.lines == [b"a", b"quit"]


def test_pause_from_line_received_buffers_until_resumed() -> None:
    p = Lines()
    t = connect(p)
    p.on_line = lambda line: p.pauseProducing() if line == b"wait" else None
    p.dataReceived(b"a\r\nwait\r\nb\r\n")
    assert p.lines == [b"a", b"wait"]
    assert t.producerState == "paused" and p.paused
    p.dataReceived(b"c\r\n")  # a paused transport may still have had data in flight
    assert p.lines == [b"a", b"wait"]
    p.resumeProducing()
    assert p.lines == [b"a", b"wait", b"b", b"c"]
    assert t.producerState == "producing"


def test_stop_producing() -> None:
    p = Lines()
    t = connect(p)
    p.stopProducing()
    p.dataReceived(b"a\r\n")
    assert p.lines == [] and t.producerState == "stopped"


def test_data_received_from_line_received_comes_after_the_rest() -> None:
    p = Lines()
    connect(p)
    p.on_line = lambda line: p.dataReceived(b"fed\r\n") if line == b"a" else None
    p.dataReceived(b"a\r\nb\r\n")
    assert p.lines == [b"a", b"b", b"fed"]


def test_exception_in_line_received_keeps_the_rest() -> None:
    p = Lines()
    connect(p)

    def boom(line: bytes) -> None:
        if line == b"bad":
            raise ValueError(line)

    p.on_line = boom
    with pytest.raises(ValueError):
        p.dataReceived(b"bad\r\nnext\r\n")
    p.dataReceived(b"")
    assert p.lines == [b"bad", b"next"]


def test_default_line_length_exceeded_closes() -> None:
    class Plain(basic.LineReceiver):
        MAX_LENGTH = 2

        def lineReceived(self, line: bytes) -> None:
            pass

    p = Plain()
    t = StringTransportWithDisconnection()
    t.protocol = p
    lost: list[Any] = []
    p.connectionLost = lost.append  # type: ignore[method-assign]
    connect(p, t)
    p.dataReceived(b"abc\r\n")
    assert len(lost) == 1


def test_unimplemented_callbacks() -> None:
    p = basic.LineReceiver()
    connect(p)
    with pytest.raises(NotImplementedError):
        p.dataReceived(b"a\r\n")
    p = basic.LineReceiver()
    connect(p)
    p.setRawMode()
    with pytest.raises(NotImplementedError):
        p.dataReceived(b"x")


def test_settings_are_per_connection_after_make_connection() -> None:
    """Documented difference: class changes after makeConnection don't reach it."""

    class Mine(Lines):
        MAX_LENGTH = 10

    p = Mine()
    connect(p)
    Mine.MAX_LENGTH = 1
    p.dataReceived(b"abc\r\n")
    assert p.lines == [b"abc"]


def test_works_without_make_connection() -> None:
    p = Lines()
    p.dataReceived(b"a\r\nb")
    assert p.lines == [b"a"]


# -------------------------------------------------------------- LineOnlyReceiver


class OnlyLines(basic.LineOnlyReceiver):
    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.exceeded: list[bytes] = []

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)
        if line == b"quit":
            self.transport.loseConnection()
        if line == b"small":
            self.MAX_LENGTH = 1

    def lineLengthExceeded(self, line: bytes) -> Any:
        self.exceeded.append(line)
        return super().lineLengthExceeded(line)


def test_line_only_receiver_lines_and_send() -> None:
    p = OnlyLines()
    t = connect(p)
    for piece in (b"a\r", b"\nb\r\n\r\nc"):
        p.dataReceived(piece)
    p.sendLine(b"out")
    assert p.lines == [b"a", b"b", b""]
    assert t.value() == b"out\r\n"


def test_line_only_receiver_too_long_line_and_rest() -> None:
    p = OnlyLines()
    p.MAX_LENGTH = 3
    t = connect(p)
    p.dataReceived(b"ab\r\nabcd\r\nx\r\n")
    assert p.lines == [b"ab"] and p.exceeded == [b"abcd"] and t.disconnecting

    p = OnlyLines()
    p.MAX_LENGTH = 3
    t = connect(p)
    p.dataReceived(b"ab\r\nabcde")
    assert p.exceeded == [b"abcde"] and t.disconnecting


def test_line_only_receiver_long_lines_in_big_chunks() -> None:
    """The per-chunk check finds a long line among many short ones."""
    for n in (99, 100, 101):
        p = OnlyLines()
        p.MAX_LENGTH = 100
        connect(p)
        p.dataReceived(b"ab\r\n" * 100 + b"x" * n + b"\r\n" + b"cd\r\n" * 100)
        assert p.exceeded == ([b"x" * n] if n > 100 else [])
        assert len(p.lines) == (100 if n > 100 else 201)


def test_line_only_receiver_overlapping_delimiter() -> None:
    p = OnlyLines()
    p.delimiter = b"||"
    p.MAX_LENGTH = 10
    connect(p)
    p.dataReceived(b"x|||" + b"b" * 10 + b"||y||")
    assert p.lines == [b"x"] and p.exceeded == [b"|" + b"b" * 10]


def test_line_only_receiver_drops_lines_after_close() -> None:
    p = OnlyLines()
    connect(p)
    p.dataReceived(b"a\r\nquit\r\nb\r\n")
    assert p.lines == [b"a", b"quit"]


def test_line_only_receiver_max_length_read_once_per_chunk() -> None:
    """Documented difference: a new MAX_LENGTH applies from the next chunk."""
    p = OnlyLines()
    connect(p)
    p.dataReceived(b"small\r\nabc\r\n")
    assert p.lines == [b"small", b"abc"]
    p.dataReceived(b"def\r\n")
    assert p.exceeded == [b"def"]


def test_line_only_receiver_unimplemented() -> None:
    p = basic.LineOnlyReceiver()
    connect(p)
    with pytest.raises(NotImplementedError):
        p.dataReceived(b"x\r\n")


# -------------------------------------------------------------- NetstringReceiver


class Strings(basic.NetstringReceiver):
    def __init__(self) -> None:
        self.strings: list[bytes] = []

    def stringReceived(self, string: bytes) -> None:
        self.strings.append(string)


def test_netstrings_split_anywhere() -> None:
    stream = b"5:hello,0:,3:a:,,"
    for cut in range(len(stream) + 1):
        p = Strings()
        t = connect(p)
        p.dataReceived(stream[:cut])
        p.dataReceived(stream[cut:])
        assert p.strings == [b"hello", b"", b"a:,"]
        assert not t.disconnecting and not p.brokenPeer


@pytest.mark.parametrize(
    "bad",
    [b"05:hello,", b"x", b":", b"-1:", b" 3:abc,", b"3 :abc,", b"3:abcd", b"3:abc;", b"100000:"],
)
def test_bad_netstring_closes(bad: bytes) -> None:
    p = Strings()
    t = connect(p)
    p.dataReceived(b"1:a," + bad)
    assert p.strings == [b"a"]
    assert t.disconnecting and p.brokenPeer
    p.dataReceived(b"1:b,")
    assert p.strings == [b"a"]


def test_netstring_length_checked_before_colon() -> None:
    p = Strings()
    p.MAX_LENGTH = 50
    t = connect(p)
    p.dataReceived(b"5")
    assert not t.disconnecting
    p.dataReceived(b"1")
    assert t.disconnecting


def test_netstring_send_and_large_payload_in_chunks() -> None:
    p = Strings()
    p.MAX_LENGTH = 200_000
    t = connect(p)
    p.sendString(b"hello")
    assert t.value() == b"5:hello,"
    payload = bytes(range(256)) * 600
    stream = b"%d:%s,2:ok," % (len(payload), payload)
    for i in range(0, len(stream), 1000):
        p.dataReceived(stream[i : i + 1000])
    assert p.strings == [payload, b"ok"]


def test_netstring_unimplemented() -> None:
    p = basic.NetstringReceiver()
    connect(p)
    with pytest.raises(NotImplementedError):
        p.dataReceived(b"1:a,")


def test_netstring_parse_error_type() -> None:
    assert issubclass(basic.NetstringParseError, ValueError)
    assert issubclass(basic.StringTooLongError, AssertionError)


# ---------------------------------------------------------- IntNStringReceiver

INT_CLASSES = [basic.Int8StringReceiver, basic.Int16StringReceiver, basic.Int32StringReceiver]


def recorder(base: type) -> Any:
    class Rec(base):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            self.strings: list[bytes] = []
            self.limits: list[int] = []
            self.on_string: Any = None

        def stringReceived(self, string: bytes) -> None:
            self.strings.append(string)
            if self.on_string is not None:
                self.on_string(string)

        def lengthLimitExceeded(self, length: int) -> None:
            self.limits.append(length)
            super().lengthLimitExceeded(length)

    return Rec()


@pytest.mark.parametrize("cls", INT_CLASSES)
def test_intn_round_trip_split_anywhere(cls: type) -> None:
    sender = recorder(cls)
    t = connect(sender)
    for s in (b"hello", b"", b"x" * 200):
        sender.sendString(s)
    stream = t.value()
    for cut in range(len(stream) + 1):
        p = recorder(cls)
        connect(p)
        p.dataReceived(stream[:cut])
        p.dataReceived(stream[cut:])
        assert p.strings == [b"hello", b"", b"x" * 200]
        assert p.recvd == b""


@pytest.mark.parametrize("cls", INT_CLASSES)
def test_intn_string_too_long_to_send(cls: Any) -> None:
    p = recorder(cls)
    connect(p)
    limit = 2 ** (8 * cls.prefixLength)

    class Huge(bytes):
        def __len__(self) -> int:
            return limit

    with pytest.raises(basic.StringTooLongError):
        p.sendString(Huge())
    p.sendString(b"x" * min(limit - 1, 300))


def test_intn_length_limit_closes_as_soon_as_prefix_arrives() -> None:
    p = recorder(basic.Int32StringReceiver)
    p.MAX_LENGTH = 10
    t = connect(p)
    p.dataReceived(struct.pack("!I", 1) + b"a" + struct.pack("!I", 11))
    assert p.strings == [b"a"] and p.limits == [11] and t.disconnecting
    assert p.recvd == struct.pack("!I", 11)
    p.dataReceived(b"more")  # nothing is delivered twice
    assert p.strings == [b"a"]


def test_intn_recvd_during_callback_and_assignment() -> None:
    p = recorder(basic.Int16StringReceiver)
    connect(p)
    seen: list[bytes] = []

    def on_string(s: bytes) -> None:
        seen.append(p.recvd)
        if s == b"skip":
            p.recvd = p.recvd[3:]  # drop the next message

    p.on_string = on_string
    p.dataReceived(b"\x00\x04skip\x00\x01x\x00\x01y\x00")
    assert p.strings == [b"skip", b"y"]
    assert seen[0] == b"\x00\x01x\x00\x01y\x00"
    assert p.recvd == b"\x00"


def test_intn_pause_and_resume() -> None:
    p = recorder(basic.Int8StringReceiver)
    t = connect(p)
    p.on_string = lambda s: p.pauseProducing() if s == b"p" else None
    p.dataReceived(b"\x01p\x01a\x01b")
    assert p.strings == [b"p"] and t.producerState == "paused"
    p.resumeProducing()
    assert p.strings == [b"p", b"a", b"b"]


def test_intn_data_received_from_callback_is_ordered() -> None:
    p = recorder(basic.Int8StringReceiver)
    connect(p)
    p.on_string = lambda s: p.dataReceived(b"\x01z") if s == b"a" else None
    p.dataReceived(b"\x01a\x01b")
    assert p.strings == [b"a", b"b", b"z"]


def test_intn_exception_does_not_redeliver() -> None:
    p = recorder(basic.Int8StringReceiver)
    connect(p)

    def boom(s: bytes) -> None:
        if s == b"a":
            raise ValueError

    p.on_string = boom
    with pytest.raises(ValueError):
        p.dataReceived(b"\x01a\x01b")
    p.dataReceived(b"")
    assert p.strings == [b"a", b"b"]


def test_intn_unimplemented() -> None:
    p = basic.Int8StringReceiver()
    connect(p)
    with pytest.raises(NotImplementedError):
        p.dataReceived(b"\x01a")


# ------------------------------------------------------------------ FileSender


def test_file_sender_sends_in_chunks_and_fires_with_last_byte() -> None:
    t = StringTransport()
    sender = basic.FileSender()
    sender.CHUNK_SIZE = 4
    d: Deferred[Any] = sender.beginFileTransfer(io.BytesIO(b"abcdefghij"), t, bytes.upper)
    assert t.producer is sender and t.streaming is False
    results: list[Any] = []
    d.addCallback(results.append)
    while t.producer is not None:
        sender.resumeProducing()
    assert t.value() == b"ABCDEFGHIJ"
    assert results == [b"J"]


def test_file_sender_empty_file() -> None:
    t = StringTransport()
    sender = basic.FileSender()
    results: list[Any] = []
    sender.beginFileTransfer(io.BytesIO(b""), t).addCallback(results.append)
    sender.resumeProducing()
    assert results == [""] and t.producer is None


def test_file_sender_stopped_by_consumer() -> None:
    t = StringTransport()
    sender = basic.FileSender()
    failures: list[Any] = []
    sender.beginFileTransfer(io.BytesIO(b"abc"), t).addErrback(failures.append)
    sender.pauseProducing()
    sender.stopProducing()
    assert len(failures) == 1
    assert str(failures[0].value) == "Consumer asked us to stop producing"


def test_line_only_receiver_limit_does_not_depend_on_the_split() -> None:
    # A line of exactly MAX_LENGTH is accepted whether its b"\r\n" comes with it or its b"\r"
    # comes with it and the b"\n" later (Twisted refuses the second; docs/differences.md).
    for chunks in ([b"abc\r\n"], [b"abc\r", b"\n"], [b"ab", b"c", b"\r", b"\n"]):
        p = OnlyLines()
        p.MAX_LENGTH = 3
        t = connect(p)
        for chunk in chunks:
            p.dataReceived(chunk)
        assert p.lines == [b"abc"] and p.exceeded == [] and not t.disconnecting, chunks
    p = OnlyLines()
    p.MAX_LENGTH = 3
    t = connect(p)
    p.dataReceived(b"abcd")  # one more than fits, but a delimiter may still end it: not yet
    assert p.exceeded == [] and not t.disconnecting
    p.dataReceived(b"\r\n")
    assert p.exceeded == [b"abcd"] and t.disconnecting


class _Strings(basic.NetstringReceiver):
    def __init__(self) -> None:
        self.received: list[bytes] = []

    def stringReceived(self, string: bytes) -> None:
        self.received.append(string)


def test_netstring_consume_length_reads_the_length_and_keeps_the_rest() -> None:
    p = _Strings()
    connect(p)
    p._remainingData = b"12:abc"
    p._consumeLength()
    assert p._expectedPayloadSize == 13  # the payload and its comma
    assert p._remainingData == b"abc"
    p.dataReceived(b"defghijkl,")
    assert p.received == [b"abcdefghijkl"]


def test_netstring_consume_length_limits() -> None:
    p = _Strings()
    connect(p)
    p.MAX_LENGTH = 12
    p._remainingData = b"12:"
    p._consumeLength()
    assert p._expectedPayloadSize == 13
    p = _Strings()
    connect(p)
    p.MAX_LENGTH = 11
    for data in (b"12:", b"1000:", b"x2:", b"01:"):
        p._remainingData = data
        with pytest.raises(basic.NetstringParseError):
            p._consumeLength()
    p._remainingData = b"1"
    with pytest.raises(basic.IncompleteNetstring):
        p._consumeLength()


def test_netstring_payload_complete_between_strings_only() -> None:
    p = _Strings()
    connect(p)
    assert p._payloadComplete()
    p.dataReceived(b"4:aa")
    assert not p._payloadComplete()
    assert p._expectedPayloadSize == 5
    p.dataReceived(b"aa,1")  # a whole string, then the start of the next length
    assert p._payloadComplete()
    assert p.received == [b"aaaa"]
    p.dataReceived(b":b,")
    assert p.received == [b"aaaa", b"b"]
    assert p._expectedPayloadSize == 2
