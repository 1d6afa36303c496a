"""twistio.conch.ssh.connection, channel, session, factory and avatar over the loopback."""

from __future__ import annotations

import signal
import struct
from typing import Any

import pytest

pytest.importorskip("cryptography")

from twistio.conch import avatar, error  # noqa: E402
from twistio.conch.ssh import channel, common, connection, session, transport  # noqa: E402
from twistio.internet import error as ierror  # noqa: E402
from twistio.internet import task  # noqa: E402
from twistio.internet.testing import StringTransport  # noqa: E402
from twistio.python.failure import Failure  # noqa: E402

from . import _support as S  # noqa: E402


class RecordingChannel(channel.SSHChannel):
    name = b"session"

    def __init__(self, *a: Any, **kw: Any) -> None:
        channel.SSHChannel.__init__(self, *a, **kw)
        self.received: list[bytes] = []
        self.ext: list[tuple[int, bytes]] = []
        self.events: list[Any] = []

    def channelOpen(self, specificData: bytes) -> None:
        self.events.append("open")

    def openFailed(self, reason: Exception) -> None:
        self.events.append(("failed", reason))

    def dataReceived(self, data: bytes) -> None:
        self.received.append(data)

    def extReceived(self, dataType: int, data: bytes) -> None:
        self.ext.append((dataType, data))

    def eofReceived(self) -> None:
        self.events.append("eof")

    def closed(self) -> None:
        self.events.append("closed")

    def stopWriting(self) -> None:
        self.events.append("stop")

    def startWriting(self) -> None:
        self.events.append("start")

    def request_exit_status(self, data: bytes) -> int:
        self.events.append(("exit-status", struct.unpack(">L", data)[0]))
        return 1

    def request_exit_signal(self, data: bytes) -> int:
        self.events.append(("exit-signal", common.getNS(data)[0]))
        return 1


def _connected(factory: Any = None) -> tuple[S.Loopback, S.ReadyConnection]:
    conn = S.ReadyConnection()
    lb = S.loopback(factory, userauth_factory=lambda: S.KeyUserAuth(S.USER, conn,
                                                                    [S.key("id_ecdsa")]))
    lb.pump()
    assert conn.started
    return lb, conn


class EchoChannel(channel.SSHChannel):
    """Server side: echoes data, answers 'ping' requests, closes on EOF."""

    name = b"echo"

    def dataReceived(self, data: bytes) -> None:
        self.write(data)

    def eofReceived(self) -> None:
        self.conn.sendEOF(self)
        self.loseConnection()

    def request_ping(self, data: bytes) -> int:
        return data == b"please"


class Echoer(S.User):
    def __init__(self, name: bytes) -> None:
        S.User.__init__(self, name)
        self.channelLookup[b"echo"] = EchoChannel

    def global_hello(self, data: bytes) -> Any:
        return (1, b"hi " + data)


class EchoRealm(S.Realm):
    def requestAvatar(self, avatarId: bytes, mind: Any, *ifaces: Any) -> Any:
        user = Echoer(avatarId)
        self.avatars.append(user)
        from twistio.conch import interfaces

        return interfaces.IConchUser, user, lambda: None


def _echo_connection() -> tuple[S.Loopback, S.ReadyConnection, RecordingChannel]:
    lb, conn = _connected(S.make_factory(realm=EchoRealm()))
    ch = RecordingChannel(localWindow=64 * 1024, localMaxPacket=16 * 1024)
    ch.name = b"echo"
    conn.openChannel(ch)
    lb.pump()
    assert ch.events == ["open"]
    return lb, conn, ch


def test_channel_echo_window_and_close() -> None:
    lb, conn, ch = _echo_connection()
    payload = bytes(range(256)) * 1200  # 300 KiB: several windows' worth
    ch.write(payload)
    lb.pump()
    assert b"".join(ch.received) == payload
    assert max(len(x) for x in ch.received) <= ch.localMaxPacket
    conn.sendEOF(ch)
    lb.pump()
    assert "eof" in ch.events and ch.events[-1] == "closed"
    assert ch.id not in conn.channels


def test_write_buffers_beyond_the_window() -> None:
    lb, conn, ch = _echo_connection()
    ch.remoteWindowLeft = 10
    ch.write(b"x" * 25)
    assert ch.buf == b"x" * 15 and "stop" in ch.events
    ch.addWindowBytes(100)
    assert ch.buf == b"" and "start" in ch.events
    lb.pump()
    assert b"".join(ch.received) == b"x" * 25


def test_channel_requests_and_replies() -> None:
    lb, conn, ch = _echo_connection()
    results: list[Any] = []
    conn.sendRequest(ch, b"ping", b"please", wantReply=1).addBoth(results.append)
    conn.sendRequest(ch, b"ping", b"no", wantReply=1).addBoth(results.append)
    conn.sendRequest(ch, b"unknown-request", b"", wantReply=1).addBoth(results.append)
    lb.pump()
    assert results[0] == b""
    assert isinstance(results[1], Failure) and results[1].check(error.ConchError)
    assert isinstance(results[2], Failure)


def test_global_requests() -> None:
    lb, conn, ch = _echo_connection()
    results: list[Any] = []
    conn.sendGlobalRequest(b"hello", b"there", wantReply=1).addBoth(results.append)
    conn.sendGlobalRequest(b"nope", b"", wantReply=1).addBoth(results.append)
    lb.pump()
    assert results[0] == b"hi there"
    assert isinstance(results[1], Failure)


def test_unknown_channel_type_is_refused() -> None:
    lb, conn = _connected()
    ch = RecordingChannel()
    ch.name = b"no-such-type"
    conn.openChannel(ch)
    lb.pump()
    kind, reason = ch.events[0]
    assert kind == "failed" and reason.data == connection.OPEN_UNKNOWN_CHANNEL_TYPE
    assert reason.value == b"unknown channel"


def test_too_much_data_drops_the_connection() -> None:
    lb, conn, ch = _echo_connection()
    server_conn = lb.server.service
    server_channel = next(iter(server_conn.channels.values()))
    remote = conn.channelsToRemoteChannel[ch]
    data = b"z" * (server_channel.localMaxPacket + 1)
    lb.client.sendPacket(connection.MSG_CHANNEL_DATA, struct.pack(">2L", remote, len(data)) + data)
    lb.pump()
    assert lb.server_io.disconnecting


def test_data_for_an_unknown_channel_drops_the_connection() -> None:
    lb, conn, ch = _echo_connection()
    lb.client.sendPacket(connection.MSG_CHANNEL_DATA, struct.pack(">2L", 999, 1) + b"x")
    lb.pump()
    assert lb.server_io.disconnecting


def test_channel_count_is_bounded() -> None:
    lb, conn = _connected(S.make_factory(realm=EchoRealm()))
    lb.server.service.max_channels = 3
    channels = []
    for _ in range(5):
        ch = RecordingChannel()
        ch.name = b"echo"
        conn.openChannel(ch)
        channels.append(ch)
    lb.pump()
    assert [c.events[0] for c in channels[:3]] == ["open"] * 3
    for c in channels[3:]:
        assert c.events[0][0] == "failed"
        assert c.events[0][1].data == connection.OPEN_RESOURCE_SHORTAGE


def test_connection_lost_closes_channels_and_fails_requests() -> None:
    lb, conn, ch = _echo_connection()
    pending: list[Any] = []
    conn.sendRequest(ch, b"ping", b"please", wantReply=1).addBoth(pending.append)
    unconfirmed = RecordingChannel()
    unconfirmed.name = b"echo"
    conn.openChannel(unconfirmed)
    lb.client.connectionLost(Failure(ierror.ConnectionLost()))
    assert ch.events[-1] == "closed"
    assert isinstance(pending[0], Failure)
    assert unconfirmed.events[0][0] == "failed"


# ------------------------------------------------------------------ sessions


def test_session_exec_exit_status_and_stderr() -> None:
    lb, conn = _connected()
    ch = RecordingChannel()
    conn.openChannel(ch)
    lb.pump()
    server_session = next(iter(lb.server.service.channels.values()))
    assert isinstance(server_session, session.SSHSession)
    pp = session.SSHSessionProcessProtocol(server_session)
    server_session.client = pp
    pp.makeConnection(StringTransport())
    pp.outReceived(b"stdout bytes")
    pp.errReceived(b"stderr bytes")
    pp.outConnectionLost()
    pp.errConnectionLost()
    pp.processEnded(Failure(ierror.ProcessTerminated(exitCode=4)))
    lb.pump()
    assert ch.received == [b"stdout bytes"]
    assert ch.ext == [(connection.EXTENDED_DATA_STDERR, b"stderr bytes")]
    assert ("exit-status", 4) in ch.events and "eof" in ch.events
    conn.sendClose(ch)
    lb.pump()
    assert ch.events[-1] == "closed"


@pytest.mark.parametrize(("signum", "name"), [(signal.SIGTERM, b"TERM"), (signal.SIGKILL, b"KILL"),
                                              (34, b"RTMIN@linux")])
def test_session_exit_signal(signum: int, name: bytes) -> None:
    import sys

    if name.endswith(b"@linux") and sys.platform != "linux":
        pytest.skip("platform-specific signal name")
    lb, conn = _connected()
    ch = RecordingChannel()
    conn.openChannel(ch)
    lb.pump()
    server_session = next(iter(lb.server.service.channels.values()))
    pp = session.SSHSessionProcessProtocol(server_session)
    pp.makeConnection(StringTransport())
    pp.processEnded(Failure(ierror.ProcessTerminated(signal=signum)))
    lb.pump()
    assert ("exit-signal", name) in ch.events


def test_session_requests_reach_the_avatar() -> None:
    lb, conn = _connected()
    ch = RecordingChannel()
    conn.openChannel(ch)
    lb.pump()
    results: list[Any] = []
    pty = session.packRequest_pty_req(b"xterm", (24, 80, 640, 480), b"\x01\0\0\0\x03\0")
    conn.sendRequest(ch, b"pty-req", pty, wantReply=1).addBoth(results.append)
    conn.sendRequest(ch, b"window-change", session.packRequest_window_change((30, 100, 0, 0)),
                     wantReply=1).addBoth(results.append)
    conn.sendRequest(ch, b"env", common.NS(b"TWISTIO_A") + common.NS(b"1"), wantReply=1
                     ).addBoth(results.append)
    conn.sendRequest(ch, b"env", common.NS(b"PATH") + common.NS(b"/x"), wantReply=1
                     ).addBoth(results.append)
    conn.sendRequest(ch, b"subsystem", common.NS(b"nope"), wantReply=1).addBoth(results.append)
    lb.pump()
    assert results[:3] == [b"", b"", b""]
    assert isinstance(results[3], Failure) and isinstance(results[4], Failure)
    user = lb.server.avatar
    assert ("pty", b"xterm", (24, 80, 640, 480)) in user.events
    assert ("window", (30, 100, 0, 0)) in user.events
    assert user.session().env == {b"TWISTIO_A": b"1"}


def test_session_without_isession_refuses() -> None:
    s = session.SSHSession(avatar=avatar.ConchUser())
    assert s.request_shell(b"") == 0
    assert s.request_exec(common.NS(b"ls")) == 0
    assert s.request_pty_req(session.packRequest_pty_req(b"vt100", (1, 2, 3, 4), b"\0")) == 0


def test_pty_and_window_encodings() -> None:
    data = session.packRequest_pty_req(b"xterm", (24, 80, 1, 2), b"\x01\0\0\0\x03\x02\0\0\0\x04\0")
    assert data[9:13] == struct.pack(">L", 80)  # columns come first on the wire
    assert session.parseRequest_pty_req(data) == (b"xterm", (24, 80, 1, 2), [(1, 3), (2, 4)])
    change = session.packRequest_window_change((24, 80, 1, 2))
    assert session.parseRequest_window_change(change) == (24, 80, 1, 2)
    with pytest.raises(struct.error):
        session.parseRequest_pty_req(b"\0\0")


def test_wrap_protocol_helpers() -> None:
    from twistio.internet.protocol import Protocol

    class Rec(Protocol):
        def __init__(self) -> None:
            self.data: list[bytes] = []

        def dataReceived(self, data: bytes) -> None:
            self.data.append(data)

    p = Rec()
    t = session.wrapProtocol(p)
    t.write(b"a")
    t.writeSequence([b"b", b"c"])
    assert p.data == [b"a", b"bc"]
    pp = session.wrapProcessProtocol(p)
    pp.outReceived(b"d")
    assert p.data[-1] == b"d"


# ------------------------------------------------------------------ factory and avatar


def test_unauthenticated_connections_are_bounded() -> None:
    f = S.make_factory()
    f.clock = task.Clock()
    f.max_unauthenticated = 2
    f.startFactory()
    transports = []
    for _ in range(3):
        proto = f.buildProtocol(None)
        io = StringTransport()
        proto.makeConnection(io)
        transports.append((proto, io))
    assert not transports[0][1].disconnecting and not transports[1][1].disconnecting
    assert transports[2][1].disconnecting
    assert b"too many unauthenticated connections" in transports[2][1].value()
    transports[0][0].connectionLost(Failure(ierror.ConnectionDone()))
    proto = f.buildProtocol(None)
    io = StringTransport()
    proto.makeConnection(io)
    assert not io.disconnecting


def test_logged_in_connections_do_not_count() -> None:
    f = S.make_factory()
    f.max_unauthenticated = 1
    lb, conn = _connected(f)
    assert f._unauthenticated_count == 0
    second, _ = _connected(f)
    assert not second.server_io.disconnecting


def test_handshake_timeout() -> None:
    f = S.make_factory()
    clock = task.Clock()
    f.clock = clock
    f.startFactory()
    proto = f.buildProtocol(None)
    io = StringTransport()
    proto.makeConnection(io)
    clock.advance(f.handshake_timeout + 1)
    assert io.disconnecting
    assert b"key exchange took too long" in io.value()


def test_factory_needs_host_keys() -> None:
    from twistio.conch.ssh.factory import SSHFactory

    f = SSHFactory()
    with pytest.raises(NotImplementedError):
        f.startFactory()
    f.publicKeys = {}
    f.privateKeys = {}
    with pytest.raises(error.ConchError):
        f.startFactory()


def test_avatar_lookups() -> None:
    user = avatar.ConchUser()
    with pytest.raises(error.ConchError) as info:
        user.lookupChannel(b"x", 1, 2, b"")
    assert info.value.value == avatar.OPEN_UNKNOWN_CHANNEL_TYPE
    user.channelLookup[b"session"] = session.SSHSession
    ch = user.lookupChannel(b"session", 100, 200, b"d")
    assert (ch.remoteWindowLeft, ch.remoteMaxPacket, ch.data, ch.avatar) == (100, 200, b"d", user)
    assert user.lookupSubsystem(b"sftp", b"") is None
    made: list[Any] = []
    user.subsystemLookup[b"sftp"] = lambda data, avatar: made.append((data, avatar)) or "proto"
    assert user.lookupSubsystem(b"sftp", b"data") == "proto"
    assert made == [(b"data", user)]
    assert user.gotGlobalRequest(b"tcpip-forward", b"") == 0
    user.conn = "c"
    assert user.conn == "c"


def test_channel_addresses_and_repr() -> None:
    lb, conn, ch = _echo_connection()
    assert ch.getPeer() == lb.client.getPeer()
    assert str(ch).startswith("<SSHChannel echo (lw ")
    assert transport.SSHTransportAddress is not None if hasattr(transport, "SSHTransportAddress") \
        else True


class _LookupAvatar:
    """An avatar whose lookupChannel answers None, or raises ConchError(code, text)."""

    def lookupChannel(self, channelType: bytes, windowSize: int, maxPacket: int,
                      data: bytes) -> Any:
        if channelType == b"raises":
            raise error.ConchError(123, "code first")
        return None


def test_channel_lookups_that_give_nothing_or_raise() -> None:
    conn = connection.SSHConnection()
    sent: list[tuple[int, bytes]] = []

    class Transport:
        avatar = _LookupAvatar()

        def sendPacket(self, kind: int, data: bytes) -> None:
            sent.append((kind, data))

    conn.transport = Transport()
    with pytest.raises(error.ConchError):
        conn.getChannel(b"nothing", 10, 10, b"")
    logged: list[Any] = []
    from twistio.python import log

    log.addObserver(logged.append)
    try:
        conn.ssh_CHANNEL_OPEN(common.NS(b"raises") + b"\x00\x00\x00\x01" * 3)
    finally:
        log.removeObserver(logged.append)
    assert sent == [(connection.MSG_CHANNEL_OPEN_FAILURE,
                     b"\x00\x00\x00\x01\x00\x00\x00\x7b" + common.NS(b"code first")
                     + common.NS(b""))]
    assert any(event.get("isError") for event in logged)
