"""The SSH connection protocol (RFC 4254): channels and global requests over one transport.

A channel opened by the peer comes from ``getChannel`` (a ``channel_<type>`` method, else
the avatar's ``lookupChannel``); a global request goes to ``gotGlobalRequest`` (a
``global_<type>`` method, else the avatar's). The peer may not send more than a channel's
window or packet size, nor open more than ``max_channels`` channels at once: breaking
either drops the connection.
"""

from __future__ import annotations

import logging
import string
import struct
from typing import Any

from twistio.conch import error
from twistio.conch.ssh import service
from twistio.conch.ssh.common import NS, getNS
from twistio.internet import defer
from twistio.internet.defer import Deferred
from twistio.python import log
from twistio.python.failure import Failure

__all__ = [
    "EXTENDED_DATA_STDERR",
    "MSG_CHANNEL_CLOSE",
    "MSG_CHANNEL_DATA",
    "MSG_CHANNEL_EOF",
    "MSG_CHANNEL_EXTENDED_DATA",
    "MSG_CHANNEL_FAILURE",
    "MSG_CHANNEL_OPEN",
    "MSG_CHANNEL_OPEN_CONFIRMATION",
    "MSG_CHANNEL_OPEN_FAILURE",
    "MSG_CHANNEL_REQUEST",
    "MSG_CHANNEL_SUCCESS",
    "MSG_CHANNEL_WINDOW_ADJUST",
    "MSG_GLOBAL_REQUEST",
    "MSG_REQUEST_FAILURE",
    "MSG_REQUEST_SUCCESS",
    "OPEN_ADMINISTRATIVELY_PROHIBITED",
    "OPEN_CONNECT_FAILED",
    "OPEN_RESOURCE_SHORTAGE",
    "OPEN_UNKNOWN_CHANNEL_TYPE",
    "TRANSLATE_TABLE",
    "SSHConnection",
    "alphanums",
    "messages",
]

_log = logging.getLogger("twistio.conch")

# Message numbers (RFC 4254 section 9): global requests 80-82, then the channel messages 90-100.
MSG_GLOBAL_REQUEST, MSG_REQUEST_SUCCESS, MSG_REQUEST_FAILURE = range(80, 83)
(
    MSG_CHANNEL_OPEN,
    MSG_CHANNEL_OPEN_CONFIRMATION,
    MSG_CHANNEL_OPEN_FAILURE,
    MSG_CHANNEL_WINDOW_ADJUST,
    MSG_CHANNEL_DATA,
    MSG_CHANNEL_EXTENDED_DATA,
    MSG_CHANNEL_EOF,
    MSG_CHANNEL_CLOSE,
    MSG_CHANNEL_REQUEST,
    MSG_CHANNEL_SUCCESS,
    MSG_CHANNEL_FAILURE,
) = range(90, 101)

# Why a channel open is refused (RFC 4254 section 5.1): codes 1 to 4.
(
    OPEN_ADMINISTRATIVELY_PROHIBITED,
    OPEN_CONNECT_FAILED,
    OPEN_UNKNOWN_CHANNEL_TYPE,
    OPEN_RESOURCE_SHORTAGE,
) = range(1, 5)

EXTENDED_DATA_STDERR = 1

messages: dict[int, str] = {
    MSG_GLOBAL_REQUEST: "MSG_GLOBAL_REQUEST",
    MSG_REQUEST_SUCCESS: "MSG_REQUEST_SUCCESS",
    MSG_REQUEST_FAILURE: "MSG_REQUEST_FAILURE",
    MSG_CHANNEL_OPEN: "MSG_CHANNEL_OPEN",
    MSG_CHANNEL_OPEN_CONFIRMATION: "MSG_CHANNEL_OPEN_CONFIRMATION",
    MSG_CHANNEL_OPEN_FAILURE: "MSG_CHANNEL_OPEN_FAILURE",
    MSG_CHANNEL_WINDOW_ADJUST: "MSG_CHANNEL_WINDOW_ADJUST",
    MSG_CHANNEL_DATA: "MSG_CHANNEL_DATA",
    MSG_CHANNEL_EXTENDED_DATA: "MSG_CHANNEL_EXTENDED_DATA",
    MSG_CHANNEL_EOF: "MSG_CHANNEL_EOF",
    MSG_CHANNEL_CLOSE: "MSG_CHANNEL_CLOSE",
    MSG_CHANNEL_REQUEST: "MSG_CHANNEL_REQUEST",
    MSG_CHANNEL_SUCCESS: "MSG_CHANNEL_SUCCESS",
    MSG_CHANNEL_FAILURE: "MSG_CHANNEL_FAILURE",
}

alphanums = (string.ascii_letters + string.digits).encode("ascii")
#: Maps every byte that is not a letter or digit to ``_`` (for method names).
TRANSLATE_TABLE = bytes(c if c in alphanums else ord("_") for c in range(256))

_u32 = struct.Struct(">L")
_u32x2 = struct.Struct(">LL")
_u32x3 = struct.Struct(">LLL")
_MAX_WINDOW = 0xFFFFFFFF
# The largest packet we send on a channel, whatever size the peer allows.
_MAX_SEND_PACKET = 1 << 17


class _ProtocolError(ValueError):
    """The peer broke the connection protocol."""


class SSHConnection(service.SSHService):
    """The ``ssh-connection`` service: multiplexes channels over the transport."""

    name = b"ssh-connection"
    protocolMessages = dict(messages)
    # twistio's bound on channels open at once (no Twisted counterpart).
    max_channels = 1024

    def __init__(self) -> None:
        self.localChannelID = 0
        self.localToRemoteChannel: dict[int, int] = {}
        self.channels: dict[int, Any] = {}
        self.channelsToRemoteChannel: dict[Any, int] = {}
        self.deferreds: dict[Any, list[Deferred[Any]]] = {"global": []}
        self.transport: Any = None

    def serviceStarted(self) -> None:
        """Tell the avatar (on a server) which connection it is on."""
        if hasattr(self.transport, "avatar"):
            self.transport.avatar.conn = self

    def serviceStopped(self) -> None:
        """Close every channel and fail what waits for an answer."""
        for channel in list(self.channelsToRemoteChannel):
            self.channelClosed(channel)
        for channel in list(self.channels.values()):
            # Opened by us, never confirmed.
            del self.channels[channel.id]
            channel.openFailed(error.ConchError("Connection stopped."))
        self._cleanupGlobalDeferreds()

    def _cleanupGlobalDeferreds(self) -> None:
        pending, self.deferreds["global"] = self.deferreds["global"], []
        for d in pending:
            d.errback(error.ConchError("Connection stopped."))

    def _channel(self, localChannel: int) -> Any:
        channel = self.channels.get(localChannel)
        if channel is None:
            raise _ProtocolError(f"no channel {localChannel}")
        return channel

    def packetReceived(self, messageNum: int, packet: bytes) -> None:
        try:
            service.SSHService.packetReceived(self, messageNum, packet)
        except _ProtocolError as e:
            _log.info("SSH connection protocol error: %s", e)
            self.transport.sendDisconnect(2, str(e).encode("ascii", "replace"))

    # ------------------------------------------------------------- global requests

    def ssh_GLOBAL_REQUEST(self, packet: bytes) -> None:
        """A global request: answered (when a reply is wanted) by ``gotGlobalRequest``."""
        requestType, rest = getNS(packet)
        wantReply, rest = rest[0], rest[1:]
        answer = self.gotGlobalRequest(requestType, rest)
        if not wantReply:
            return
        if not answer:
            self.transport.sendPacket(MSG_REQUEST_FAILURE, b"")
            return
        extra = answer[1] if isinstance(answer, (tuple, list)) else b""
        self.transport.sendPacket(MSG_REQUEST_SUCCESS, extra)

    def ssh_REQUEST_SUCCESS(self, packet: bytes) -> None:
        """Our global request succeeded."""
        if not self.deferreds["global"]:
            raise _ProtocolError("unexpected REQUEST_SUCCESS")
        self.deferreds["global"].pop(0).callback(packet)

    def ssh_REQUEST_FAILURE(self, packet: bytes) -> None:
        """Our global request failed."""
        if not self.deferreds["global"]:
            raise _ProtocolError("unexpected REQUEST_FAILURE")
        self.deferreds["global"].pop(0).errback(error.ConchError("global request failed",
                                                                 packet))

    def gotGlobalRequest(self, requestType: bytes, data: bytes) -> Any:
        """Answer a global request: ``global_<type>`` (dashes as underscores) on the
        connection, else the avatar's ``gotGlobalRequest``, else refuse."""
        name = "global_" + requestType.translate(TRANSLATE_TABLE).decode("ascii")
        handler = getattr(self, name, None)
        if handler is not None:
            return handler(data)
        avatar = getattr(self.transport, "avatar", None)
        if avatar is not None:
            return avatar.gotGlobalRequest(requestType, data)
        return 0

    def sendGlobalRequest(self, request: bytes, data: bytes, wantReply: int = 0) -> Deferred[Any] | None:
        """Send a global request; a Deferred of the reply's data if ``wantReply``."""
        self.transport.sendPacket(MSG_GLOBAL_REQUEST,
                                  NS(request) + (b"\xff" if wantReply else b"\0") + data)
        if wantReply:
            d: Deferred[Any] = Deferred()
            self.deferreds["global"].append(d)
            return d
        return None

    # ------------------------------------------------------------- opening channels

    def ssh_CHANNEL_OPEN(self, packet: bytes) -> None:
        """The peer opens a channel: make it with ``getChannel`` and confirm, or refuse."""
        channelType, rest = getNS(packet)
        senderChannel, windowSize, maxPacket = _u32x3.unpack_from(rest)
        extra = rest[12:]
        if len(self.channels) >= self.max_channels:
            self._refuse(senderChannel, OPEN_RESOURCE_SHORTAGE, "too many channels")
            return
        if maxPacket == 0:
            raise _ProtocolError("channel maximum packet size 0")
        try:
            result = self.getChannel(channelType, windowSize, maxPacket, extra)
        except Exception as e:
            self._open_failed(senderChannel, e)
            return
        if isinstance(result, Deferred):
            result.addCallbacks(self._open_confirmed, lambda f: self._open_failed(senderChannel,
                                                                                  f.value),
                                callbackArgs=(senderChannel, extra))
            return
        self._open_confirmed(result, senderChannel, extra)

    def _open_confirmed(self, channel: Any, senderChannel: int, extra: bytes) -> None:
        localChannel = self.localChannelID
        self.localChannelID += 1
        channel.id = localChannel
        channel.conn = self
        channel.remoteMaxPacket = min(channel.remoteMaxPacket, _MAX_SEND_PACKET)
        self.channels[localChannel] = channel
        self.channelsToRemoteChannel[channel] = senderChannel
        self.localToRemoteChannel[localChannel] = senderChannel
        self.transport.sendPacket(
            MSG_CHANNEL_OPEN_CONFIRMATION,
            struct.pack(">4L", senderChannel, localChannel, channel.localWindowSize,
                        channel.localMaxPacket) + channel.specificData)
        channel.channelOpen(extra)

    def _open_failed(self, senderChannel: int, e: BaseException) -> None:
        # Logged as an error, whatever it was, as in Twisted (log.err).
        log.err(Failure(e, type(e), e.__traceback__), "channel open failed")
        if isinstance(e, error.ConchError):
            value, data = e.value, e.data
            if isinstance(value, int):  # ConchError(code, text), the order Conch uses
                reason, text = value, data
            elif isinstance(data, int):  # ConchError(text, code)
                reason, text = data, value
            else:
                reason, text = OPEN_CONNECT_FAILED, value
        else:
            reason, text = OPEN_CONNECT_FAILED, "unknown failure"
        self._refuse(senderChannel, reason, text)

    def _refuse(self, senderChannel: int, reason: int, text: Any) -> None:
        if isinstance(text, str):
            text = text.encode("utf-8")
        self.transport.sendPacket(MSG_CHANNEL_OPEN_FAILURE,
                                  _u32x2.pack(senderChannel, reason) + NS(text or b"")
                                  + NS(b""))

    def ssh_CHANNEL_OPEN_CONFIRMATION(self, packet: bytes) -> None:
        """The peer confirmed a channel we opened."""
        localChannel, remoteChannel, windowSize, maxPacket = struct.unpack_from(">4L", packet)
        specificData = packet[16:]
        channel = self._channel(localChannel)
        if channel in self.channelsToRemoteChannel:
            raise _ProtocolError("channel confirmed twice")
        if maxPacket == 0:
            raise _ProtocolError("channel maximum packet size 0")
        channel.conn = self
        self.localToRemoteChannel[localChannel] = remoteChannel
        self.channelsToRemoteChannel[channel] = remoteChannel
        channel.remoteWindowLeft = windowSize
        channel.remoteMaxPacket = min(maxPacket, _MAX_SEND_PACKET)
        channel.channelOpen(specificData)

    def ssh_CHANNEL_OPEN_FAILURE(self, packet: bytes) -> None:
        """The peer refused a channel we opened."""
        localChannel, reasonCode = _u32x2.unpack_from(packet)
        reasonDesc = getNS(packet[8:])[0]
        channel = self._channel(localChannel)
        if channel in self.channelsToRemoteChannel:
            raise _ProtocolError("open failure for an open channel")
        del self.channels[localChannel]
        channel.conn = self
        channel.openFailed(error.ConchError(reasonDesc, reasonCode))

    def getChannel(self, channelType: bytes, windowSize: int, maxPacket: int, data: bytes) -> Any:
        """The channel for a peer's open request: ``channel_<type>`` on the connection,
        else the avatar's ``lookupChannel``; raise ``ConchError`` to refuse."""
        handler = getattr(self, "channel_" + channelType.translate(TRANSLATE_TABLE).decode(
            "ascii"), None)
        if handler is not None:
            return handler(windowSize, maxPacket, data)
        avatar = getattr(self.transport, "avatar", None)
        if avatar is not None:
            channel = avatar.lookupChannel(channelType, windowSize, maxPacket, data)
            if channel is not None:
                return channel
        raise error.ConchError(OPEN_UNKNOWN_CHANNEL_TYPE, "unknown channel")

    def openChannel(self, channel: Any, extra: bytes = b"") -> None:
        """Ask the peer to open ``channel`` (its ``name`` is the type); ``extra`` follows."""
        _log.debug("opening channel %s with %s %s", self.localChannelID,
                   channel.localWindowSize, channel.localMaxPacket)
        self.transport.sendPacket(
            MSG_CHANNEL_OPEN,
            NS(channel.name) + _u32x3.pack(self.localChannelID, channel.localWindowSize,
                                           channel.localMaxPacket) + extra)
        channel.id = self.localChannelID
        self.channels[self.localChannelID] = channel
        self.localChannelID += 1

    # ------------------------------------------------------------- channel traffic

    def ssh_CHANNEL_WINDOW_ADJUST(self, packet: bytes) -> None:
        """The peer allows more data on a channel."""
        localChannel, bytesToAdd = _u32x2.unpack_from(packet)
        channel = self._channel(localChannel)
        if channel.remoteWindowLeft + bytesToAdd > _MAX_WINDOW:
            bytesToAdd = _MAX_WINDOW - channel.remoteWindowLeft
        channel.addWindowBytes(bytesToAdd)

    def ssh_CHANNEL_DATA(self, packet: bytes) -> None:
        """Data for a channel, within its window."""
        localChannel, dataLength = _u32x2.unpack_from(packet)
        channel = self.channels.get(localChannel)
        if channel is None:
            raise _ProtocolError(f"data for unknown channel {localChannel}")
        if dataLength > channel.localWindowLeft or dataLength > channel.localMaxPacket \
                or len(packet) != 8 + dataLength:
            raise _ProtocolError("channel data beyond the window or the packet size")
        data = packet[8:]
        channel.localWindowLeft -= dataLength
        if channel.localWindowLeft < channel.localWindowSize // 2:
            self.adjustWindow(channel, channel.localWindowSize - channel.localWindowLeft)
        channel.dataReceived(data)

    def ssh_CHANNEL_EXTENDED_DATA(self, packet: bytes) -> None:
        """Extended data (stderr) for a channel, within its window."""
        localChannel, typeCode, dataLength = _u32x3.unpack_from(packet)
        channel = self._channel(localChannel)
        if dataLength > channel.localWindowLeft or dataLength > channel.localMaxPacket \
                or len(packet) != 12 + dataLength:
            raise _ProtocolError("channel data beyond the window or the packet size")
        data = packet[12:]
        channel.localWindowLeft -= dataLength
        if channel.localWindowLeft < channel.localWindowSize // 2:
            self.adjustWindow(channel, channel.localWindowSize - channel.localWindowLeft)
        channel.extReceived(typeCode, data)

    def ssh_CHANNEL_EOF(self, packet: bytes) -> None:
        """The peer will send no more data on a channel."""
        (localChannel,) = _u32.unpack_from(packet)
        self._channel(localChannel).eofReceived()

    def ssh_CHANNEL_CLOSE(self, packet: bytes) -> None:
        """The peer closed a channel."""
        (localChannel,) = _u32.unpack_from(packet)
        channel = self._channel(localChannel)
        if channel.remoteClosed:
            raise _ProtocolError("channel closed twice")
        channel.remoteClosed = True
        channel.closeReceived()
        if channel.localClosed and channel.remoteClosed and channel in \
                self.channelsToRemoteChannel:
            self.channelClosed(channel)

    def ssh_CHANNEL_REQUEST(self, packet: bytes) -> Deferred[Any]:
        """A channel request for the channel's ``requestReceived``."""
        (localChannel,) = _u32.unpack_from(packet)
        requestType, rest = getNS(packet[4:])
        wantReply = rest[0]
        channel = self._channel(localChannel)
        d = defer.maybeDeferred(channel.requestReceived, requestType, rest[1:])
        if wantReply:
            d.addCallback(self._cbChannelRequest, localChannel)
            d.addErrback(self._ebChannelRequest, localChannel)
        else:
            d.addErrback(self._log_request_error, requestType)
        return d

    def _log_request_error(self, reason: Failure, requestType: bytes) -> None:
        _log.error("channel request %r failed", requestType,
                   exc_info=(reason.type, reason.value, reason.getTracebackObject()))

    def _cbChannelRequest(self, result: Any, localChannel: int) -> None:
        if not result:
            raise error.ConchError("failed request")
        remote = self.localToRemoteChannel.get(localChannel)
        if remote is not None:
            self.transport.sendPacket(MSG_CHANNEL_SUCCESS, _u32.pack(remote))

    def _ebChannelRequest(self, result: Failure, localChannel: int) -> None:
        if not result.check(error.ConchError):
            self._log_request_error(result, b"?")
        remote = self.localToRemoteChannel.get(localChannel)
        if remote is not None:
            self.transport.sendPacket(MSG_CHANNEL_FAILURE, _u32.pack(remote))

    def ssh_CHANNEL_SUCCESS(self, packet: bytes) -> None:
        """Our channel request succeeded."""
        (localChannel,) = _u32.unpack_from(packet)
        channel = self._channel(localChannel)
        pending = self.deferreds.get(channel.id)
        if not pending:
            raise _ProtocolError("unexpected CHANNEL_SUCCESS")
        pending.pop(0).callback(b"")

    def ssh_CHANNEL_FAILURE(self, packet: bytes) -> None:
        """Our channel request failed."""
        (localChannel,) = _u32.unpack_from(packet)
        channel = self._channel(localChannel)
        pending = self.deferreds.get(channel.id)
        if not pending:
            raise _ProtocolError("unexpected CHANNEL_FAILURE")
        pending.pop(0).errback(error.ConchError("channel request failed"))

    # ------------------------------------------------------------- sending

    def sendRequest(self, channel: Any, requestType: bytes, data: bytes,
                    wantReply: int = 0) -> Deferred[Any] | None:
        """Send a channel request; a Deferred of the answer if ``wantReply``."""
        if channel.localClosed:
            return None
        self.transport.sendPacket(
            MSG_CHANNEL_REQUEST,
            _u32.pack(self.channelsToRemoteChannel[channel]) + NS(requestType)
            + (b"\x01" if wantReply else b"\0") + data)
        if wantReply:
            d: Deferred[Any] = Deferred()
            self.deferreds.setdefault(channel.id, []).append(d)
            return d
        return None

    def adjustWindow(self, channel: Any, bytesToAdd: int) -> None:
        """Let the peer send ``bytesToAdd`` more bytes on ``channel``."""
        if channel.localClosed:
            return
        self.transport.sendPacket(
            MSG_CHANNEL_WINDOW_ADJUST,
            _u32x2.pack(self.channelsToRemoteChannel[channel], bytesToAdd))
        channel.localWindowLeft += bytesToAdd

    def sendData(self, channel: Any, data: bytes) -> None:
        """Send ``data`` on ``channel`` (the channel minds the window)."""
        if channel.localClosed:
            return
        self.transport.sendPacket(
            MSG_CHANNEL_DATA, _u32x2.pack(self.channelsToRemoteChannel[channel], len(data)) + data)

    def sendExtendedData(self, channel: Any, dataType: int, data: bytes) -> None:
        """Send extended data of ``dataType`` on ``channel``."""
        if channel.localClosed:
            return
        self.transport.sendPacket(
            MSG_CHANNEL_EXTENDED_DATA,
            _u32x3.pack(self.channelsToRemoteChannel[channel], dataType, len(data)) + data)

    def sendEOF(self, channel: Any) -> None:
        """Tell the peer we send no more data on ``channel``."""
        if channel.localClosed:
            return
        self.transport.sendPacket(MSG_CHANNEL_EOF,
                                  _u32.pack(self.channelsToRemoteChannel[channel]))

    def sendClose(self, channel: Any) -> None:
        """Close our side of ``channel``."""
        if channel.localClosed:
            return
        remote = self.channelsToRemoteChannel.get(channel)
        if remote is None:
            return
        self.transport.sendPacket(MSG_CHANNEL_CLOSE, _u32.pack(remote))
        channel.localClosed = True
        if channel.localClosed and channel.remoteClosed:
            self.channelClosed(channel)

    def channelClosed(self, channel: Any) -> None:
        """Both sides closed ``channel``: forget it, fail its requests, call ``closed``."""
        if channel not in self.channelsToRemoteChannel:
            return
        channel.localClosed = channel.remoteClosed = True
        number = channel.id
        self.channelsToRemoteChannel.pop(channel)
        self.localToRemoteChannel.pop(number, None)
        self.channels.pop(number, None)
        waiting = self.deferreds.pop(number, [])
        while waiting:
            waiting.pop(0).errback(error.ConchError("Channel closed."))
        channel.closed()

    def logPrefix(self) -> str:
        return "SSHConnection"
