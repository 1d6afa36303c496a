"""conch.ssh.session: environment variables through the session object, signal names,
wrapProtocol's transport, closing a subsystem."""

from __future__ import annotations

import signal
import sys
from typing import Any

import pytest

pytest.importorskip("cryptography")

from twistio.conch.interfaces import ISession, ISessionSetEnv  # noqa: E402
from twistio.conch.ssh import common, session  # noqa: E402
from twistio.internet import protocol  # noqa: E402
from twistio.internet.interfaces import implementer  # noqa: E402
from twistio.internet.testing import StringTransport  # noqa: E402
from twistio.python import components  # noqa: E402


class _Avatar:
    def lookupSubsystem(self, name: bytes, data: bytes) -> Any:
        return protocol.Protocol() if name == b"echo" else None


@implementer(ISession, ISessionSetEnv)
class _Session:
    def __init__(self, avatar: Any) -> None:
        self.environ: dict[bytes, bytes] = {}
        self.closedCalls = 0

    def setEnv(self, name: bytes, value: bytes) -> None:
        self.environ[name] = value

    def closed(self) -> None:
        self.closedCalls += 1

    def eofReceived(self) -> None:
        pass


class _Conn:
    def __init__(self) -> None:
        self.transport = StringTransport()

    def sendClose(self, channel: Any) -> None:
        pass


def test_environment_goes_to_the_session_object(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(components, "globalRegistry", components.AdapterRegistry())
    components.registerAdapter(_Session, _Avatar, ISession)
    s = session.SSHSession(remoteWindow=500, remoteMaxPacket=100, conn=_Conn(),
                           avatar=_Avatar())
    assert s.requestReceived(b"env", common.NS(b"LANG") + common.NS(b"C"))
    assert isinstance(s.session, _Session)
    assert s.session.environ == {b"LANG": b"C"}
    # A subsystem started after the environment still closes with the channel.
    assert s.requestReceived(b"subsystem", common.NS(b"echo"))
    lost: list[Any] = []
    s.client.transport.loseConnection = lambda: lost.append(True)  # type: ignore[union-attr]
    s.closed()
    assert lost == [True] and s.session.closedCalls == 1


def test_signal_names_beyond_the_rfc(monkeypatch: pytest.MonkeyPatch) -> None:
    number = signal.NSIG + 1
    monkeypatch.setattr(signal, "SIGTWISTIOTEST", number, raising=False)
    pp = session.SSHSessionProcessProtocol(None)  # type: ignore[arg-type]
    assert pp._getSignalName(number) == f"SIGTWISTIOTEST@{sys.platform}"
    assert pp._getSignalName(number + 1) == f"SIG{number + 1}@{sys.platform}"
    assert pp._getSignalName(signal.SIGTERM) == "SIGTERM"


def test_wrap_protocol_transport() -> None:
    proto = protocol.Protocol()
    received: list[bytes] = []
    proto.dataReceived = received.append  # type: ignore[method-assign]
    proto.makeConnection(StringTransport())
    wrapped = session.wrapProtocol(proto)
    wrapped.write(b"a")
    wrapped.writeSequence([b"b", b"c"])
    assert received == [b"a", b"bc"]
    wrapped.dataReceived(b"back")  # type: ignore[attr-defined]
    assert proto.transport.value() == b"back"  # type: ignore[union-attr]
