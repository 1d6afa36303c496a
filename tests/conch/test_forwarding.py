"""direct-tcpip forwarding: OpenSSH's ``ssh -W`` and ``ssh -L`` through a twistio server, and
twistio's client-side listening forwarder."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("cryptography")

from twistio.conch.ssh import forwarding  # noqa: E402
from twistio.internet import protocol  # noqa: E402

from . import _support as S  # noqa: E402

SSH = shutil.which("ssh")
TIMEOUT = 20.0


class Echo(protocol.Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class ForwardingRealm(S.Realm):
    def requestAvatar(self, avatarId: bytes, mind: Any, *ifaces: Any) -> Any:
        iface, user, logout = S.Realm.requestAvatar(self, avatarId, mind, *ifaces)
        user.channelLookup[b"direct-tcpip"] = forwarding.openConnectForwardingClient
        return iface, user, logout


@pytest_asyncio.fixture
async def ports() -> AsyncIterator[tuple[int, int]]:
    """(ssh server port, echo server port)."""
    from twistio.internet import reactor

    ssh_port = reactor.listenTCP(0, S.make_factory(realm=ForwardingRealm()),
                                 interface="127.0.0.1")
    echo_port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
    try:
        yield ssh_port.getHost().port, echo_port.getHost().port
    finally:
        await ssh_port.stopListening()
        await echo_port.stopListening()


def _options(port: int, tmp_path: Path) -> list[str]:
    return ["-p", str(port), "-i", S.private_key_file(tmp_path, "id_ecdsa"),
            "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={os.devnull}",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", os.devnull]


@pytest.mark.skipif(SSH is None, reason="the OpenSSH client is not installed")
async def test_ssh_stdio_forwarding(ports: tuple[int, int], tmp_path: Path) -> None:
    ssh_port, echo_port = ports
    payload = os.urandom(300_000)
    proc = await asyncio.create_subprocess_exec(
        SSH or "ssh", *_options(ssh_port, tmp_path), "-W", f"127.0.0.1:{echo_port}",
        "alice@127.0.0.1", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(payload)
    await proc.stdin.drain()
    got = await asyncio.wait_for(proc.stdout.readexactly(len(payload)), TIMEOUT)
    assert got == payload
    proc.stdin.close()
    await asyncio.wait_for(proc.wait(), TIMEOUT)


@pytest.mark.skipif(SSH is None, reason="the OpenSSH client is not installed")
async def test_forwarding_to_a_closed_port_closes_the_channel(ports: tuple[int, int],
                                                              tmp_path: Path) -> None:
    ssh_port, _ = ports
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed_port = s.getsockname()[1]
    s.close()
    proc = await asyncio.create_subprocess_exec(
        SSH or "ssh", *_options(ssh_port, tmp_path), "-W", f"127.0.0.1:{closed_port}",
        "alice@127.0.0.1", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(b""), TIMEOUT)
    assert out == b""


async def test_client_side_listening_forwarder(ports: tuple[int, int]) -> None:
    """SSHListenForwardingFactory on our side, direct-tcpip through the twistio server."""
    from twistio.internet import reactor
    from twistio.internet.endpoints import HostnameEndpoint

    ssh_port, echo_port = ports
    conn = S.ReadyConnection()
    started = asyncio.get_running_loop().create_future()

    class Client(S.TestClientTransport):
        def connectionSecure(self) -> None:
            self.requestService(S.KeyUserAuth(S.USER, conn, [S.key("id_ecdsa")]))

    orig = conn.serviceStarted

    def serviceStarted() -> None:
        orig()
        started.set_result(None)

    conn.serviceStarted = serviceStarted  # type: ignore[method-assign]
    f = protocol.Factory()
    f.protocol = Client
    endpoint = HostnameEndpoint(reactor, "127.0.0.1", ssh_port)
    transport = await asyncio.wait_for(endpoint.connect(f), TIMEOUT)
    await asyncio.wait_for(started, TIMEOUT)
    listener = reactor.listenTCP(0, forwarding.SSHListenForwardingFactory(
        conn, ("127.0.0.1", echo_port), forwarding.SSHListenClientForwardingChannel),
        interface="127.0.0.1")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.getHost().port)
        writer.write(b"ping through the tunnel")
        got = await asyncio.wait_for(reader.readexactly(23), TIMEOUT)
        assert got == b"ping through the tunnel"
        writer.close()
    finally:
        await listener.stopListening()
        transport.transport.loseConnection()


def test_open_encodings() -> None:
    data = forwarding.packOpen_direct_tcpip(("h", 22), (b"s", 1234))
    assert forwarding.unpackOpen_direct_tcpip(data) == (("h", 22), ("s", 1234))
    assert forwarding.unpackGlobal_tcpip_forward(
        forwarding.packGlobal_tcpip_forward(("h", 22)) + b"xx") == ("h", 22)
    channel = forwarding.openConnectForwardingClient(100, 200, data, avatar=None)
    assert channel.hostport == ("h", 22) and channel.remoteWindowLeft == 100


def test_connect_channel_closed_before_the_connection_cancels_it() -> None:
    from twistio.conch.ssh import forwarding as _forwarding
    from twistio.internet.testing import MemoryReactorClock

    reactor = MemoryReactorClock()
    channel = _forwarding.SSHConnectForwardingChannel(hostport=("127.0.0.1", 1234))
    channel._reactor = reactor
    channel.channelOpen(b"")
    attempt = channel._channelOpenDeferred
    assert not attempt.called and len(reactor.tcpClients) == 1
    channel.closed()
    assert attempt.called  # cancelled, quietly
    assert channel.client is None
