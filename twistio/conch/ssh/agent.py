"""The ssh-agent protocol (OpenSSH's PROTOCOL.agent): a client for talking to an agent and
a small agent server holding keys in its factory's ``keys`` dict."""

from __future__ import annotations

import struct
from typing import Any

from twistio.conch.error import ConchError, MissingKeyStoreError
from twistio.conch.ssh import keys
from twistio.conch.ssh.common import NS, getNS
from twistio.internet import protocol
from twistio.internet.defer import Deferred

__all__ = [
    "AGENTC_ADD_IDENTITY",
    "AGENTC_REMOVE_ALL_IDENTITIES",
    "AGENTC_REMOVE_ALL_RSA_IDENTITIES",
    "AGENTC_REMOVE_IDENTITY",
    "AGENTC_REMOVE_RSA_IDENTITY",
    "AGENTC_REQUEST_IDENTITIES",
    "AGENTC_REQUEST_RSA_IDENTITIES",
    "AGENTC_SIGN_REQUEST",
    "AGENT_FAILURE",
    "AGENT_IDENTITIES_ANSWER",
    "AGENT_RSA_IDENTITIES_ANSWER",
    "AGENT_SIGN_RESPONSE",
    "AGENT_SUCCESS",
    "SSHAgentClient",
    "SSHAgentServer",
    "messages",
]

# Message numbers of the agent protocol: a request (AGENTC_) with the answer it gets (AGENT_), then
# the requests answered by a plain AGENT_SUCCESS or AGENT_FAILURE.
AGENTC_REQUEST_IDENTITIES, AGENT_IDENTITIES_ANSWER = 11, 12
AGENTC_SIGN_REQUEST, AGENT_SIGN_RESPONSE = 13, 14
AGENT_FAILURE, AGENT_SUCCESS = 5, 6
AGENTC_ADD_IDENTITY, AGENTC_REMOVE_IDENTITY, AGENTC_REMOVE_ALL_IDENTITIES = 17, 18, 19
# the same, for SSH protocol 1's RSA keys
AGENTC_REQUEST_RSA_IDENTITIES, AGENT_RSA_IDENTITIES_ANSWER = 1, 2
AGENTC_REMOVE_RSA_IDENTITY, AGENTC_REMOVE_ALL_RSA_IDENTITIES = 8, 9

messages: dict[int, str] = {
    AGENTC_REQUEST_RSA_IDENTITIES: "REQUEST_RSA_IDENTITIES",
    AGENTC_REMOVE_RSA_IDENTITY: "REMOVE_RSA_IDENTITY",
    AGENTC_REMOVE_ALL_RSA_IDENTITIES: "REMOVE_ALL_RSA_IDENTITIES",
    AGENTC_REQUEST_IDENTITIES: "REQUEST_IDENTITIES",
    AGENTC_SIGN_REQUEST: "SIGN_REQUEST",
    AGENTC_ADD_IDENTITY: "ADD_IDENTITY",
    AGENTC_REMOVE_IDENTITY: "REMOVE_IDENTITY",
    AGENTC_REMOVE_ALL_IDENTITIES: "REMOVE_ALL_IDENTITIES",
}

# Sign request flags (PROTOCOL.agent): RSA signatures with SHA-2.
_RSA_SHA2_256 = 2
_RSA_SHA2_512 = 4
# Agent messages are small; a longer one is an error.
_MAX_MESSAGE = 256 * 1024


def _frames(proto: Any, data: bytes) -> list[bytes]:
    proto.buf += data
    out = []
    while len(proto.buf) >= 4:
        (length,) = struct.unpack(">L", proto.buf[:4])
        if length > _MAX_MESSAGE or length == 0:
            proto.transport.loseConnection()
            proto.buf = b""
            break
        if len(proto.buf) < 4 + length:
            break
        out.append(proto.buf[4 : 4 + length])
        proto.buf = proto.buf[4 + length :]
    return out


class SSHAgentClient(protocol.Protocol):
    """Talks to an ssh-agent: each request returns a Deferred of its answer."""

    def __init__(self) -> None:
        self.buf = b""
        self.deferreds: list[Deferred[Any]] = []

    def dataReceived(self, data: bytes) -> None:
        for packet in _frames(self, data):
            if not self.deferreds:
                continue
            waiting = self.deferreds.pop(0)
            kind = packet[0]
            if kind == AGENT_FAILURE:
                waiting.errback(ConchError("agent failure"))
                continue
            waiting.callback(b"" if kind == AGENT_SUCCESS else packet)

    def connectionLost(self, reason: Any = None) -> None:
        pending, self.deferreds = self.deferreds, []
        for d in pending:
            d.errback(ConchError("agent connection lost"))

    def sendRequest(self, reqType: int, data: bytes) -> Deferred[Any]:
        """Send one request; a Deferred of the answer packet (type byte first)."""
        self.transport.write(struct.pack(">LB", len(data) + 1, reqType) + data)
        d: Deferred[Any] = Deferred()
        self.deferreds.append(d)
        return d

    def requestIdentities(self) -> Deferred[list[tuple[bytes, bytes]]]:
        """The agent's keys: a Deferred of [(public key blob, comment)]."""
        return self.sendRequest(AGENTC_REQUEST_IDENTITIES, b"").addCallback(
            self._cbRequestIdentities)

    def _cbRequestIdentities(self, data: bytes) -> list[tuple[bytes, bytes]]:
        if data[0] != AGENT_IDENTITIES_ANSWER:
            raise ConchError(f"unexpected response: {data[0]}")
        (count,) = struct.unpack(">L", data[1:5])
        rest = data[5:]
        result = []
        for _ in range(count):
            blob, comment, rest = getNS(rest, 2)
            result.append((blob, comment))
        return result

    def addIdentity(self, blob: bytes, comment: bytes = b"") -> Deferred[Any]:
        """Give the agent a private key (``blob`` in the private wire form)."""
        return self.sendRequest(AGENTC_ADD_IDENTITY, blob + NS(comment))

    def signData(self, blob: bytes, data: bytes, flags: int = 0) -> Deferred[bytes]:
        """A Deferred of the agent's signature of ``data`` with key ``blob``.

        ``flags`` (a twistio addition) asks for ``rsa-sha2-256`` (2) or ``rsa-sha2-512`` (4)
        signatures from RSA keys.
        """
        req = NS(blob) + NS(data) + struct.pack(">L", flags)
        return self.sendRequest(AGENTC_SIGN_REQUEST, req).addCallback(self._cbSignData)

    def _cbSignData(self, data: bytes) -> bytes:
        if data[0] != AGENT_SIGN_RESPONSE:
            raise ConchError(f"unexpected data: {data[0]}")
        return getNS(data[1:])[0]

    def removeIdentity(self, blob: bytes) -> Deferred[Any]:
        """Remove the key ``blob`` from the agent."""
        return self.sendRequest(AGENTC_REMOVE_IDENTITY, NS(blob))

    def removeAllIdentities(self) -> Deferred[Any]:
        """Remove every key from the agent."""
        return self.sendRequest(AGENTC_REMOVE_ALL_IDENTITIES, b"")


class SSHAgentServer(protocol.Protocol):
    """An agent: keys live in ``factory.keys`` ({public blob: (Key, comment)})."""

    def __init__(self) -> None:
        self.buf = b""

    def dataReceived(self, data: bytes) -> None:
        for packet in _frames(self, data):
            reqType = packet[0]
            handler = getattr(self, "agentc_" + messages.get(reqType, ""), None)
            if handler is None or reqType not in messages:
                self.sendResponse(AGENT_FAILURE, b"")
                continue
            try:
                handler(packet[1:])
            except MissingKeyStoreError:
                raise
            except Exception:
                self.sendResponse(AGENT_FAILURE, b"")

    def _keys(self) -> dict[bytes, tuple[keys.Key, bytes]]:
        store = getattr(getattr(self, "factory", None), "keys", None)
        if store is None:
            raise MissingKeyStoreError("the agent factory has no keys dict")
        found: dict[bytes, tuple[keys.Key, bytes]] = store
        return found

    def sendResponse(self, reqType: int, data: bytes) -> None:
        """Send one answer."""
        self.transport.write(struct.pack(">LB", len(data) + 1, reqType) + data)

    def agentc_REQUEST_IDENTITIES(self, data: bytes) -> None:
        held = self._keys()
        body = struct.pack(">L", len(held)) + b"".join(
            NS(key.blob()) + NS(comment) for key, comment in held.values())
        self.sendResponse(AGENT_IDENTITIES_ANSWER, body)

    def agentc_SIGN_REQUEST(self, data: bytes) -> None:
        blob, signData, rest = getNS(data, 2)
        (flags,) = struct.unpack(">L", rest[:4]) if len(rest) >= 4 else (0,)
        held = self._keys()
        if blob not in held:
            self.sendResponse(AGENT_FAILURE, b"")
            return
        key = held[blob][0]
        signatureType = None
        if key.type() == "RSA":
            if flags & _RSA_SHA2_512:
                signatureType = b"rsa-sha2-512"
            elif flags & _RSA_SHA2_256:
                signatureType = b"rsa-sha2-256"
        self.sendResponse(AGENT_SIGN_RESPONSE, NS(key.sign(signData, signatureType)))

    def agentc_ADD_IDENTITY(self, data: bytes) -> None:
        key, rest = keys.Key._private_from_blob(data)
        comment = getNS(rest)[0] if rest else b""
        self._keys()[key.blob()] = (key, comment)
        self.sendResponse(AGENT_SUCCESS, b"")

    def agentc_REMOVE_IDENTITY(self, data: bytes) -> None:
        blob = getNS(data)[0]
        self._keys().pop(blob, None)
        self.sendResponse(AGENT_SUCCESS, b"")

    def agentc_REMOVE_ALL_IDENTITIES(self, data: bytes) -> None:
        self._keys().clear()
        self.sendResponse(AGENT_SUCCESS, b"")

    def agentc_REQUEST_RSA_IDENTITIES(self, data: bytes) -> None:
        """SSH protocol 1 keys: there are none."""
        self.sendResponse(AGENT_RSA_IDENTITIES_ANSWER, struct.pack(">L", 0))

    def agentc_REMOVE_RSA_IDENTITY(self, data: bytes) -> None:
        self.sendResponse(AGENT_SUCCESS, b"")

    def agentc_REMOVE_ALL_RSA_IDENTITIES(self, data: bytes) -> None:
        self.sendResponse(AGENT_SUCCESS, b"")
