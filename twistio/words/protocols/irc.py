"""IRC (RFC 1459 / 2812): the server-side protocol ``IRC``, the client ``IRCClient``, CTCP
and DCC, mIRC formatted text, and the message helpers.

Wire format: a line is ``[":" prefix " "] command params* [" :" trailing] CRLF``, at most
512 bytes with its CRLF; ``parsemsg`` splits one, ``IRC.sendCommand`` builds one (with
IRCv3 message tags). Text is UTF-8 on the wire (``IRC.encoding`` may name another codec
for what a server sends).

``IRCClient`` calls, in order: ``connectionMade`` (which registers with ``NICK``/``USER``
unless ``performLogin`` is false), then one ``irc_<COMMAND>`` per line (numerics by their
symbolic name, ``irc_RPL_WELCOME``...; ``irc_unknown`` otherwise) which turn into the
callbacks a bot overrides (``signedOn``, ``joined``, ``privmsg``, ``userJoined``...),
then ``connectionLost``. Malformed lines go to ``badMessage``; an exception from a
handler is logged, never raised into the reactor.

CTCP (``\\x01``-delimited requests inside PRIVMSG/NOTICE) dispatches to
``ctcpQuery_<TAG>`` and ``ctcpReply_<TAG>``; DCC offers arrive at ``dccDoSend``,
``dccDoChat``, ``dccDoResume`` and ``dccDoAcceptResume``.
"""

from __future__ import annotations

import errno
import operator
import os
import random
import re
import shlex
import socket
import stat
import string
import struct
import sys
import textwrap
import time
import traceback
from functools import reduce
from os import path
from typing import Any, ClassVar, Optional

from twistio.internet import protocol, task
from twistio.internet import reactor as reactor
from twistio.persisted import styles
from twistio.protocols import basic
from twistio.python import _textattributes, log, reflect

__all__ = [
    "IRC",
    "IRCBadMessage",
    "IRCBadModes",
    "IRCClient",
    "IRCPasswordMismatch",
    "ServerSupportedFeatures",
    "UnhandledCommand",
    "assembleFormattedText",
    "attributes",
    "ctcpDequote",
    "ctcpExtract",
    "ctcpQuote",
    "ctcpStringify",
    "dccDescribe",
    "dccParseAddress",
    "fileSize",
    "lowDequote",
    "lowQuote",
    "parseFormattedText",
    "parseModes",
    "parsemsg",
    "split",
    "stripFormatting",
]

# Keep the stdlib names Twisted's module exposes (code reaches them as irc.time etc.).
_EXPOSED = (errno, operator, os, random, re, shlex, socket, stat, string, struct, sys,
            textwrap, time, traceback, reduce, path, Optional)

# Characters of the wire format.
NUL, CR, LF, SPC = "\0", "\r", "\n", " "
NL = LF

# The characters a channel name may start with; the longest line, CRLF included (RFC 1459
# section 2.3).
CHANNEL_PREFIXES = "&#!+"
MAX_COMMAND_LENGTH = 512


class IRCBadMessage(Exception):
    """A line that is not a well-formed IRC message."""


class IRCPasswordMismatch(Exception):
    """The server refused the connection password."""


class IRCBadModes(ValueError):
    """A MODE string that cannot be matched with its parameters."""


class UnhandledCommand(RuntimeError):
    """A dispatcher found neither a handler nor a fallback for a command."""


def parsemsg(s: str) -> tuple[str, str, list[str]]:
    """``(prefix, command, params)`` of one IRC line (without its CRLF); the trailing
    parameter, after `` :``, may hold spaces."""
    if not s:
        raise IRCBadMessage("Empty line.")
    prefix = ""
    if s[0] == ":":
        prefix, _, s = s[1:].partition(" ")
    head, sep, trailing = s.partition(" :")
    params = head.split()
    if sep:
        params.append(trailing)
    command = params.pop(0)
    return prefix, command, params


def split(str: str, length: int = 80) -> list[str]:
    """``str`` cut into lines of at most ``length`` characters, at spaces where it can;
    newlines always cut, and empty lines are dropped."""
    return [chunk for line in str.split("\n") for chunk in textwrap.wrap(line, length)]


def _intOrDefault(value: Any, default: Any = None) -> Any:
    """``int(value)``, or ``default`` when ``value`` is empty or not a number."""
    try:
        return int(value) if value else default
    except (TypeError, ValueError):
        return default


class _CommandDispatcherMixin:
    """Calls ``<prefix>_<name>``, or ``<prefix>_unknown`` when there is none."""

    prefix: ClassVar[str | None] = None

    def dispatch(self, commandName: str, *args: Any) -> Any:
        """The result of the handler for ``commandName`` called with ``args``."""
        handler = getattr(self, f"{self.prefix}_{commandName}", None)
        if handler is not None:
            return handler(*args)
        fallback = getattr(self, f"{self.prefix}_unknown", None)
        if fallback is None:
            raise UnhandledCommand(f"No handler for {f'{self.prefix}_{commandName}'!r} could be found")
        return fallback(commandName, *args)


class ServerSupportedFeatures(_CommandDispatcherMixin):
    """What a server announced in ``RPL_ISUPPORT`` (005), with RFC-ish defaults.

    Known features are parsed into useful values (``PREFIX`` into ``{mode: (symbol,
    rank)}``, ``CHANMODES`` into a dict of mode classes, lengths into ints ...); an unknown
    one keeps its comma-separated values as a tuple.
    """

    prefix = "isupport"

    def __init__(self) -> None:
        # What RFC 2812 servers do when they announce nothing.
        self._features: dict[str, Any] = {"NICKLEN": 9, "CHANNELLEN": 200, "MODES": 3}
        self._features["CHANTYPES"] = ("#", "&")
        self._features["CHANMODES"] = self._parseChanModesParam(["b", "", "lk", ""])
        self._features["PREFIX"] = self._parsePrefixParam("(ovh)@+%")

    @classmethod
    def _splitParamArgs(cls, params: list[str], valueProcessor: Any = None) -> list[tuple[str, Any]]:
        """``"name:value"`` items as ``(name, valueProcessor(value))`` pairs."""
        pairs = []
        for param in params:
            name, _, value = param.partition(":")
            pairs.append((name, value if valueProcessor is None else valueProcessor(value)))
        return pairs

    @classmethod
    def _unescapeParamValue(cls, value: str) -> str:
        """``value`` with its ``\\xHH`` escapes decoded."""
        first, *escaped = value.split("\\x")
        out = [first]
        for piece in escaped:
            digits, rest = piece[:2], piece[2:]
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                raise ValueError(f"Invalid hex octet: {digits!r}") from None
            out.append(rest)
        return "".join(out)

    @classmethod
    def _splitParam(cls, param: str) -> tuple[str, list[str]]:
        """``("NAME", [values])`` of one ``NAME=v1,v2`` token."""
        name, _, values = param.partition("=")
        return name, [cls._unescapeParamValue(v) for v in values.split(",")]

    @classmethod
    def _parsePrefixParam(cls, prefix: str) -> dict[str, tuple[str, int]] | None:
        """``"(ov)@+"`` as ``{"o": ("@", 0), "v": ("+", 1)}``."""
        if not prefix:
            return None
        if prefix[0] != "(" and ")" not in prefix:
            raise ValueError("Malformed PREFIX parameter")
        modes, _, symbols = prefix.partition(")")
        return dict(zip(modes[1:], zip(symbols, range(len(symbols)), strict=False), strict=False))

    @classmethod
    def _parseChanModesParam(cls, params: list[str]) -> dict[str, str]:
        """The four CHANMODES classes, by name."""
        names = ("addressModes", "param", "setParam", "noParam")
        if len(params) > len(names):
            raise ValueError(
                f"Expecting a maximum of {len(names)} channel mode parameters, got {len(params)}")
        return {name: value or "" for name, value in zip(names, params, strict=False)}

    def getFeature(self, feature: str, default: Any = None) -> Any:
        """The parsed value of ``feature``, or ``default``."""
        return self._features.get(feature, default)

    def hasFeature(self, feature: str) -> bool:
        """Whether the server announced (or the defaults hold) ``feature``."""
        return feature in self._features

    def parse(self, params: list[str]) -> None:
        """Take in the tokens of one RPL_ISUPPORT line (``-NAME`` withdraws a feature)."""
        for name, values in map(self._splitParam, params):
            withdrawn = name[1:] if name[:1] == "-" else None
            if withdrawn is None:
                self._features[name] = self.dispatch(name, values)
            else:
                self._features.pop(withdrawn, None)

    def isupport_unknown(self, command: str, params: list[str]) -> tuple[str, ...]:
        """A feature without a parser: its values as a tuple."""
        return tuple(params)

    def isupport_CHANLIMIT(self, params: list[str]) -> Any:
        """``[(prefixes, limit)]``."""
        return self._splitParamArgs(params, _intOrDefault)

    def isupport_CHANMODES(self, params: list[str]) -> Any:
        """The channel mode classes; the previous value if malformed."""
        try:
            return self._parseChanModesParam(params)
        except ValueError:
            return self.getFeature("CHANMODES")

    def isupport_CHANNELLEN(self, params: list[str]) -> Any:
        """The longest channel name."""
        return _intOrDefault(params[0], self.getFeature("CHANNELLEN"))

    def isupport_CHANTYPES(self, params: list[str]) -> Any:
        """The channel prefixes, as a tuple of characters."""
        return tuple(params[0])

    def isupport_EXCEPTS(self, params: list[str]) -> Any:
        """The ban-exception mode letter."""
        return params[0] or "e"

    def isupport_IDCHAN(self, params: list[str]) -> Any:
        """``[(prefix, idLength)]``."""
        return self._splitParamArgs(params)

    def isupport_INVEX(self, params: list[str]) -> Any:
        """The invite-exception mode letter."""
        return params[0] or "I"

    def isupport_KICKLEN(self, params: list[str]) -> Any:
        """The longest kick message."""
        return _intOrDefault(params[0])

    def isupport_MAXLIST(self, params: list[str]) -> Any:
        """``[(modes, limit)]``."""
        return self._splitParamArgs(params, _intOrDefault)

    def isupport_MODES(self, params: list[str]) -> Any:
        """How many parameter modes one MODE may carry."""
        return _intOrDefault(params[0])

    def isupport_NETWORK(self, params: list[str]) -> Any:
        """The network's name."""
        return params[0]

    def isupport_NICKLEN(self, params: list[str]) -> Any:
        """The longest nickname."""
        return _intOrDefault(params[0], self.getFeature("NICKLEN"))

    def isupport_PREFIX(self, params: list[str]) -> Any:
        """Channel status modes and their symbols; the previous value if malformed."""
        try:
            return self._parsePrefixParam(params[0])
        except ValueError:
            return self.getFeature("PREFIX")

    def isupport_SAFELIST(self, params: list[str]) -> Any:
        """LIST will not flood the client."""
        return True

    def isupport_STATUSMSG(self, params: list[str]) -> Any:
        """The status prefixes a message target may carry."""
        return params[0]

    def isupport_TARGMAX(self, params: list[str]) -> Any:
        """``{command: maximum targets}``."""
        return dict(self._splitParamArgs(params, _intOrDefault))

    def isupport_TOPICLEN(self, params: list[str]) -> Any:
        """The longest topic."""
        return _intOrDefault(params[0])


def _dispatchCommand(receiver: Any, command: str, origin: str, params: list[str]) -> None:
    """``receiver.irc_<command>(origin, params)``, or ``irc_unknown``; an exception is logged,
    so that one bad line never ends the connection."""
    try:
        found = getattr(receiver, "irc_" + command, None)
        if found is None:
            receiver.irc_unknown(origin, command, params)
        else:
            found(origin, params)
    except Exception:
        log.deferr()


class IRC(protocol.Protocol):
    """The server's side of an IRC connection: parses commands into ``irc_<COMMAND>``
    calls and offers helpers that send replies (``privmsg``, ``names``, ``whois``...)."""

    buffer = ""
    MAX_LENGTH = 16384
    hostname: str | None = None
    #: The codec for text sent; None means UTF-8.
    encoding: str | None = None

    def connectionMade(self) -> None:
        """Start with no channels; ``hostname`` defaults to this host's name."""
        self.channels: list[Any] = []
        if self.hostname is None:
            self.hostname = socket.getfqdn()

    def sendLine(self, line: str) -> None:
        """Send one line, adding CRLF and encoding it."""
        line = line + CR + LF
        self.transport.write(line.encode(self.encoding or "utf-8"))

    def sendMessage(self, command: str, *parameter_list: str, **prefix: str) -> None:
        """Send ``command`` and its parameters as they are (a trailing one needs its own
        ``:``); ``prefix=`` sets the origin."""
        if not command:
            raise ValueError("IRC message requires a command.")
        if " " in command or command[0] == ":":
            raise ValueError(
                f"Somebody screwed up, 'cuz this doesn't look like a command to me: {command}")
        line = " ".join([command, *parameter_list])
        if "prefix" in prefix:
            line = f":{prefix['prefix']} {line}"
        self.sendLine(line)
        if len(parameter_list) > 15:
            log.msg(f"Message has {len(parameter_list)} parameters (RFC allows 15):\n{line}")

    def sendCommand(self, command: str, parameters: Any, prefix: str | None = None,
                    tags: dict[str, str | None] | None = None) -> None:
        """Send ``command`` with ``parameters`` (joined as given), an optional origin
        ``prefix`` and IRCv3 ``tags`` (``{name: value or None}``)."""
        if not command:
            raise ValueError("IRC message requires a command.")
        if " " in command or command[0] == ":":
            raise ValueError(f'Invalid command: "{command}"')
        line = " ".join([command, *parameters])
        if prefix:
            line = f":{prefix} {line}"
        if tags:
            line = f"@{self._stringTags(tags)} {line}"
        self.sendLine(line)
        if len(parameters) > 15:
            log.msg(f"Message has {len(parameters)} parameters (RFC allows 15):\n{line}")

    def _stringTags(self, tags: dict[str, str | None]) -> str:
        """The tag section (without its ``@``)."""
        self._validateTags(tags)
        return ";".join(
            f"{name}={self._escapeTagValue(value)}" if value else name
            for name, value in tags.items())

    def _validateTags(self, tags: dict[str, str | None]) -> None:
        """Refuse empty tag names and names with characters a tag may not hold."""
        for name in tags:
            if not name:
                raise ValueError("A tag name is required.")
            if any(not (ch.isalnum() or ch in "-/.") for ch in name):
                raise ValueError("Tag contains invalid characters.")

    def _escapeTagValue(self, value: str) -> str:
        """``value`` escaped as IRCv3 message tags require."""
        for raw, escaped in (("\\", "\\\\"), (";", "\\:"), (" ", "\\s"),
                             ("\r", "\\r"), ("\n", "\\n")):
            value = value.replace(raw, escaped)
        return value

    def dataReceived(self, data: bytes | str) -> None:
        """Split into lines (LF, with an optional CR) and handle each command."""
        if isinstance(data, bytes):
            data = data.decode(self.encoding or "utf-8")
        *complete, rest = (self.buffer + data).split(LF)
        self.buffer = "" if len(rest) > self.MAX_LENGTH else rest
        if not self.buffer and rest:
            self.lineLengthExceeded(rest)
            return
        for line in complete:
            if len(line) > self.MAX_LENGTH:
                # The rest of this chunk is dropped with the over-long line.
                self.lineLengthExceeded(line)
                break
            line = line.removesuffix(CR)
            if line:
                origin, command, params = parsemsg(line)
                self.handleCommand(command.upper(), origin, params)

    def lineLengthExceeded(self, line: str) -> None:
        """A line over ``MAX_LENGTH``: drop the connection."""
        self.transport.loseConnection()

    def handleCommand(self, command: str, prefix: str, params: list[str]) -> None:
        """Call ``irc_<command>`` (or ``irc_unknown``), logging what it raises."""
        _dispatchCommand(self, command, prefix, params)

    def irc_unknown(self, prefix: str, command: str, params: list[str]) -> None:
        """A command without a handler: raise (and so log) ``NotImplementedError``."""
        raise NotImplementedError(command, prefix, params)

    # Replies a server sends.

    def privmsg(self, sender: str, recip: str, message: str) -> None:
        """Deliver ``message`` from ``sender`` to ``recip``."""
        self.sendLine(f":{sender} PRIVMSG {recip} :{lowQuote(message)}")

    def notice(self, sender: str, recip: str, message: str) -> None:
        """Deliver a notice from ``sender`` to ``recip``."""
        self.sendLine(f":{sender} NOTICE {recip} :{lowQuote(message)}")

    def action(self, sender: str, recip: str, message: str) -> None:
        """Deliver an action (``/me``) from ``sender`` to ``recip``."""
        self.sendLine(f":{sender} ACTION {recip} :{lowQuote(message)}")

    def topic(self, user: str, channel: str, topic: str | None, author: str | None = None) -> None:
        """Tell ``user`` the topic of ``channel`` (None: there is none); with ``author``,
        announce that ``author`` changed it."""
        if author is not None:
            self.sendLine(f":{author} TOPIC {channel} :{lowQuote(topic or '')}")
        elif topic is None:
            self.sendLine(f":{self.hostname} {RPL_NOTOPIC} {user} {channel} :No topic is set.")
        else:
            self.sendLine(f":{self.hostname} {RPL_TOPIC} {user} {channel} :{lowQuote(topic)}")

    def topicAuthor(self, user: str, channel: str, author: str, date: int) -> None:
        """Tell ``user`` who set the topic of ``channel`` and when (RPL_TOPICWHOTIME, 333)."""
        self.sendLine(f":{self.hostname} 333 {user} {channel} {author} {int(date)}")

    def names(self, user: str, channel: str, names: list[str]) -> None:
        """Send ``user`` the members of ``channel``, in as many RPL_NAMREPLY lines as their
        length needs, then RPL_ENDOFNAMES."""
        # What fits after ":host 353 user = channel :" and before CRLF.
        room = MAX_COMMAND_LENGTH - len(f":{self.hostname} {RPL_NAMREPLY} {user} = {channel} :") - 2
        batch: list[str] = []
        used = 0
        for name in names:
            if batch and used + 1 + len(name) > room:
                self._namesLine(user, channel, batch)
                batch, used = [], 0
            used += len(name) + (1 if batch else 0)
            batch.append(name)
        if batch:
            self._namesLine(user, channel, batch)
        self.sendLine(f":{self.hostname} {RPL_ENDOFNAMES} {user} {channel} :End of /NAMES list")

    def _namesLine(self, user: str, channel: str, batch: list[str]) -> None:
        self.sendLine(f":{self.hostname} {RPL_NAMREPLY} {user} = {channel} :{' '.join(batch)}")

    def who(self, user: str, channel: str, memberInfo: list[tuple[Any, ...]]) -> None:
        """Send ``user`` one RPL_WHOREPLY per ``(username, hostmask, serverName, nickname,
        flag, hops, realName)`` (flag ``H`` here or ``G`` gone), then RPL_ENDOFWHO."""
        for username, hostmask, serverName, nickname, flag, hops, realName in memberInfo:
            if flag not in ("H", "G"):
                raise ValueError(f"WHO flag must be 'H' or 'G', not {flag!r}")
            self.sendLine(
                f":{self.hostname} {RPL_WHOREPLY} {user} {channel} {username} {hostmask} "
                f"{serverName} {nickname} {flag} :{int(hops)} {realName}")
        self.sendLine(f":{self.hostname} {RPL_ENDOFWHO} {user} {channel} :End of /WHO list.")

    def whois(self, user: str, nick: str, username: str, hostname: str, realName: str,
              server: str, serverInfo: str, oper: bool, idle: int, signOn: int,
              channels: list[str]) -> None:
        """Send ``user`` what is known of ``nick``, ending with RPL_ENDOFWHOIS."""
        me = self.hostname
        self.sendLine(f":{me} {RPL_WHOISUSER} {user} {nick} {username} {hostname} * :{realName}")
        self.sendLine(f":{me} {RPL_WHOISSERVER} {user} {nick} {server} :{serverInfo}")
        if oper:
            self.sendLine(f":{me} {RPL_WHOISOPERATOR} {user} {nick} :is an IRC operator")
        self.sendLine(
            f":{me} {RPL_WHOISIDLE} {user} {nick} {int(idle)} {int(signOn)} "
            ":seconds idle, signon time")
        self.sendLine(f":{me} {RPL_WHOISCHANNELS} {user} {nick} :{' '.join(channels)}")
        self.sendLine(f":{me} {RPL_ENDOFWHOIS} {user} {nick} :End of WHOIS list.")

    def join(self, who: str, where: str) -> None:
        """Announce that ``who`` joined ``where``."""
        self.sendLine(f":{who} JOIN {where}")

    def part(self, who: str, where: str, reason: str | None = None) -> None:
        """Announce that ``who`` left ``where``."""
        if reason:
            self.sendLine(f":{who} PART {where} :{reason}")
        else:
            self.sendLine(f":{who} PART {where}")

    def channelMode(self, user: str, channel: str, mode: str, *args: str) -> None:
        """Tell ``user`` the modes of ``channel`` (RPL_CHANNELMODEIS)."""
        self.sendLine(
            f":{self.hostname} {RPL_CHANNELMODEIS} {user} {channel} {mode} {' '.join(args)}")


class IRCClient(basic.LineReceiver):
    """An IRC client: override the callbacks (``signedOn``, ``privmsg``, ``joined``...)
    and call the commands (``join``, ``msg``, ``mode``...).

    ``nickname``, ``password``, ``username`` and ``realname`` are used to register;
    ``lineRate`` (seconds) spaces out what is sent; ``heartbeatInterval`` (seconds, None
    for never) sends a PING that keeps an idle connection noticed.
    """

    hostname: str | None = None
    motd: list[str] | None = None
    nickname = "irc"
    password: str | None = None
    realname: str | None = None
    username: str | None = None
    userinfo: str | None = None
    fingerReply: Any = None
    versionName: str | None = None
    versionNum: str | None = None
    versionEnv: str | None = None
    sourceURL = "http://twistedmatrix.com/downloads/"
    dcc_destdir = "."
    dcc_sessions: list[Any] | None = None
    performLogin = 1
    lineRate: float | None = None
    _queue: list[str] | None = None
    _queueEmptying: Any = None
    delimiter = b"\n"
    _registered = False
    _attemptedNick = ""
    erroneousNickFallback = "defaultnick"
    _heartbeat: Any = None
    heartbeatInterval: float | None = 120
    _pings: dict[tuple[str, str], float] | None = None
    _MAX_PINGRING = 12

    # Sending.

    def _reallySendLine(self, line: str) -> None:
        basic.LineReceiver.sendLine(self, lowQuote(line).encode("utf-8") + b"\r")

    def sendLine(self, line: str) -> None:  # type: ignore[override]
        """Send one line now, or, with ``lineRate``, after those queued before it."""
        if self.lineRate is None:
            self._reallySendLine(line)
            return
        if self._queue is None:
            self._queue = []
        self._queue.append(line)
        if not self._queueEmptying:
            self._sendLine()

    def _sendLine(self) -> None:
        if self._queue:
            self._reallySendLine(self._queue.pop(0))
            self._queueEmptying = reactor.callLater(self.lineRate or 0, self._sendLine)
        else:
            self._queueEmptying = None

    def connectionLost(self, reason: Any = None) -> None:
        """Stop the heartbeat and the send queue."""
        basic.LineReceiver.connectionLost(self, reason)
        self.stopHeartbeat()
        if self._queueEmptying is not None and self._queueEmptying.active():
            self._queueEmptying.cancel()

    # Heartbeat.

    def _createHeartbeat(self) -> task.LoopingCall:
        return task.LoopingCall(self._sendHeartbeat)

    def _sendHeartbeat(self) -> None:
        self.sendLine("PING " + str(self.hostname))

    def stopHeartbeat(self) -> None:
        """Stop sending heartbeat PINGs."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None

    def startHeartbeat(self) -> None:
        """PING the server every ``heartbeatInterval`` seconds (unless it is None)."""
        self.stopHeartbeat()
        if self.heartbeatInterval is None:
            return
        self._heartbeat = self._createHeartbeat()
        self._heartbeat.start(self.heartbeatInterval, now=False)

    # Callbacks about the server (override them).

    def created(self, when: str) -> None:
        """RPL_CREATED: when the server was started."""

    def yourHost(self, info: str) -> None:
        """RPL_YOURHOST: the server's name and version."""

    def myInfo(self, servername: str | None, version: str | None, umodes: str | None,
               cmodes: str | None) -> None:
        """RPL_MYINFO: the server, its version and the user and channel modes it knows."""

    def luserClient(self, info: str) -> None:
        """RPL_LUSERCLIENT: how many users and servers there are."""

    def bounce(self, info: str) -> None:
        """RPL_BOUNCE: another server to try."""

    def isupport(self, options: list[str]) -> None:
        """RPL_ISUPPORT: the raw tokens (``self.supported`` has them parsed)."""

    def luserChannels(self, channels: int) -> None:
        """RPL_LUSERCHANNELS: how many channels exist."""

    def luserOp(self, ops: int) -> None:
        """RPL_LUSEROP: how many operators are online."""

    def luserMe(self, info: str) -> None:
        """RPL_LUSERME: how many clients and servers this server has."""

    # Callbacks about messages and people (override them).

    def privmsg(self, user: str, channel: str, message: str) -> None:
        """A message from ``user`` (``nick!user@host``) to ``channel`` or to us."""

    def joined(self, channel: str) -> None:
        """We joined ``channel``."""

    def left(self, channel: str) -> None:
        """We left ``channel``."""

    def noticed(self, user: str, channel: str, message: str) -> None:
        """A NOTICE; a bot must never answer one automatically (RFC 1459)."""

    def modeChanged(self, user: str, channel: str, set: bool, modes: str,
                    args: tuple[Any, ...]) -> None:
        """``user`` set (``set`` true) or unset ``modes`` on ``channel`` (or a user), with
        one argument per mode (None for a mode without one)."""

    def pong(self, user: str, secs: float) -> None:
        """``user`` answered our CTCP PING after ``secs`` seconds."""

    def signedOn(self) -> None:
        """Registration succeeded (RPL_WELCOME)."""

    def kickedFrom(self, channel: str, kicker: str, message: str) -> None:
        """``kicker`` kicked us out of ``channel``."""

    def nickChanged(self, nick: str) -> None:
        """Our nickname is now ``nick``."""
        self.nickname = nick

    def userJoined(self, user: str, channel: str) -> None:
        """``user`` joined ``channel``."""

    def userLeft(self, user: str, channel: str) -> None:
        """``user`` left ``channel``."""

    def userQuit(self, user: str, quitMessage: str) -> None:
        """``user`` disconnected."""

    def userKicked(self, kickee: str, channel: str, kicker: str, message: str) -> None:
        """``kicker`` kicked ``kickee`` out of ``channel``."""

    def action(self, user: str, channel: str, data: str) -> None:
        """``user`` did an action (``/me``) in ``channel``."""

    def topicUpdated(self, user: str, channel: str, newTopic: str) -> None:
        """The topic of ``channel`` is (now) ``newTopic``; also called on join."""

    def userRenamed(self, oldname: str, newname: str) -> None:
        """Someone else changed nickname."""

    def receivedMOTD(self, motd: list[str] | None) -> None:
        """The whole message of the day, one string per line."""

    # Commands.

    @staticmethod
    def _channel(name: str) -> str:
        return name if name and name[0] in CHANNEL_PREFIXES else "#" + name

    def join(self, channel: str, key: str | None = None) -> None:
        """Join ``channel`` (``#`` is added when it has no channel prefix)."""
        channel = self._channel(channel)
        self.sendLine(f"JOIN {channel} {key}" if key else f"JOIN {channel}")

    def leave(self, channel: str, reason: str | None = None) -> None:
        """Leave ``channel``."""
        channel = self._channel(channel)
        self.sendLine(f"PART {channel} :{reason}" if reason else f"PART {channel}")

    part = leave

    def kick(self, channel: str, user: str, reason: str | None = None) -> None:
        """Kick ``user`` out of ``channel``."""
        channel = self._channel(channel)
        self.sendLine(f"KICK {channel} {user} :{reason}" if reason else f"KICK {channel} {user}")

    def invite(self, user: str, channel: str) -> None:
        """Invite ``user`` to ``channel``."""
        self.sendLine(f"INVITE {user} {self._channel(channel)}")

    def topic(self, channel: str, topic: str | None = None) -> None:
        """Ask for the topic of ``channel``, or set it."""
        channel = self._channel(channel)
        if topic is None:
            self.sendLine(f"TOPIC {channel}")
        else:
            self.sendLine(f"TOPIC {channel} :{topic}")

    def mode(self, chan: str, set: bool, modes: str, limit: int | None = None,
             user: str | None = None, mask: str | None = None) -> None:
        """Set (``set`` true) or unset ``modes`` on a channel or user; ``limit``, ``user``
        or ``mask`` (the first given) is the mode's argument."""
        line = f"MODE {chan} {'+' if set else '-'}{modes}"
        if limit is not None:
            line += f" {int(limit)}"
        elif user is not None:
            line += f" {user}"
        elif mask is not None:
            line += f" {mask}"
        if len(line) + 3 > MAX_COMMAND_LENGTH:
            line = line[:MAX_COMMAND_LENGTH - 3]
        self.sendLine(line)

    def say(self, channel: str, message: str, length: int | None = None) -> None:
        """Send ``message`` to ``channel`` (``#`` added as for ``join``)."""
        self.msg(self._channel(channel), message, length)

    def _safeMaximumLineLength(self, command: str) -> int:
        """How long a line ``command`` may be sent as, so that it fits in 512 bytes once
        the server prefixes it with the longest ``nick!user@host`` it allows."""
        nicklen = self.supported.getFeature("NICKLEN") or 9
        # ":" nick "!" user(10) "@" host(63) " " command, and some slack for servers that
        # count differently.
        relayed = 1 + nicklen + 1 + 10 + 1 + 63 + 1 + len(command)
        return MAX_COMMAND_LENGTH - relayed - 10

    def _sendMessage(self, msgType: str, user: str, message: str, length: int | None = None) -> None:
        lead = f"{msgType} {user} :"
        if length is None:
            length = self._safeMaximumLineLength(lead)
        least = len(lead) + 2
        if length <= least:
            raise ValueError(f"Maximum length must exceed {least} for message to {user}")
        for line in split(message, length - least):
            self.sendLine(lead + line)

    def msg(self, user: str, message: str, length: int | None = None) -> None:
        """Send ``message`` to ``user`` or a channel, as many PRIVMSG lines of at most
        ``length`` bytes (default: what stays under 512 once relayed) as it needs."""
        self._sendMessage("PRIVMSG", user, message, length)

    def notice(self, user: str, message: str, length: int | None = None) -> None:
        """Send a NOTICE, split as ``msg`` splits."""
        self._sendMessage("NOTICE", user, message, length)

    def away(self, message: str = "") -> None:
        """Mark ourselves away."""
        self.sendLine(f"AWAY :{message}")

    def back(self) -> None:
        """Clear the away mark."""
        self.away()

    def whois(self, nickname: str, server: str | None = None) -> None:
        """Ask about ``nickname`` (of ``server``)."""
        if server is None:
            self.sendLine(f"WHOIS {nickname}")
        else:
            self.sendLine(f"WHOIS {server} {nickname}")

    def register(self, nickname: str, hostname: str = "foo", servername: str = "bar") -> None:
        """Register: PASS (with a ``password``), NICK, then USER."""
        if self.password is not None:
            self.sendLine(f"PASS {self.password}")
        self.setNick(nickname)
        if self.username is None:
            self.username = nickname
        self.sendLine(f"USER {self.username} {hostname} {servername} :{self.realname}")

    def setNick(self, nickname: str) -> None:
        """Ask for ``nickname`` (``nickname`` changes once the server agrees)."""
        self._attemptedNick = nickname
        self.sendLine(f"NICK {nickname}")

    def quit(self, message: str = "") -> None:
        """Disconnect with ``message``."""
        self.sendLine(f"QUIT :{message}")

    def describe(self, channel: str, action: str) -> None:
        """Do an action (``/me``) in ``channel`` or to a user."""
        self.ctcpMakeQuery(channel, [("ACTION", action)])

    def ping(self, user: str, text: str | None = None) -> None:
        """CTCP PING ``user``; ``pong`` gets the round trip. A random key when no ``text``;
        only the latest few pings are remembered."""
        if self._pings is None:
            self._pings = {}
        if text is None:
            alphabet = string.ascii_letters + string.digits + string.punctuation
            key = "".join(random.choice(alphabet) for _ in range(12))
        else:
            key = str(text)
        self._pings[(user, key)] = time.time()
        self.ctcpMakeQuery(user, [("PING", key)])
        while len(self._pings) > self._MAX_PINGRING:
            oldest = min(self._pings, key=self._pings.__getitem__)
            del self._pings[oldest]

    def dccSend(self, user: str, file: Any) -> None:
        """Not implemented, as in Twisted: raises ``NotImplementedError``. (Serve the file
        with a ``DccSendFactory`` on a listening port and announce it with
        ``ctcpMakeQuery(user, [("DCC", ["SEND", name, address, port, size])])``.)"""
        raise NotImplementedError(
            "DCC SEND needs a port this client listens on and an address the peer can reach; "
            "set up a DccSendFactory and announce it with ctcpMakeQuery")

    def dccResume(self, user: str, fileName: str, port: int, resumePos: int) -> None:
        """Ask ``user`` to resume the DCC transfer of ``fileName`` at ``resumePos``."""
        self.ctcpMakeQuery(user, [("DCC", ["RESUME", fileName, port, resumePos])])

    def dccAcceptResume(self, user: str, fileName: str, port: int, resumePos: int) -> None:
        """Agree to resume the DCC transfer of ``fileName`` at ``resumePos``."""
        self.ctcpMakeQuery(user, [("DCC", ["ACCEPT", fileName, port, resumePos])])

    # Protocol handlers.

    def irc_ERR_NICKNAMEINUSE(self, prefix: str, params: list[str]) -> None:
        """Try another nickname (``alterCollidedNick``)."""
        self._attemptedNick = self.alterCollidedNick(self._attemptedNick)
        self.setNick(self._attemptedNick)

    def alterCollidedNick(self, nickname: str) -> str:
        """The nickname to try when ``nickname`` is taken."""
        return nickname + "_"

    def irc_ERR_ERRONEUSNICKNAME(self, prefix: str, params: list[str]) -> None:
        """Before registration, fall back to ``erroneousNickFallback``."""
        if not self._registered:
            self.setNick(self.erroneousNickFallback)

    def irc_ERR_PASSWDMISMATCH(self, prefix: str, params: list[str]) -> None:
        """The password was refused."""
        raise IRCPasswordMismatch("Password Incorrect.")

    def irc_RPL_WELCOME(self, prefix: str, params: list[str]) -> None:
        """Registered: our nickname is the one attempted."""
        self.hostname = prefix
        self._registered = True
        self.nickname = self._attemptedNick
        self.signedOn()
        self.startHeartbeat()

    def irc_JOIN(self, prefix: str, params: list[str]) -> None:
        nick = prefix.split("!", 1)[0]
        channel = params[-1]
        if nick == self.nickname:
            self.joined(channel)
        else:
            self.userJoined(nick, channel)

    def irc_PART(self, prefix: str, params: list[str]) -> None:
        nick = prefix.split("!", 1)[0]
        channel = params[0]
        if nick == self.nickname:
            self.left(channel)
        else:
            self.userLeft(nick, channel)

    def irc_QUIT(self, prefix: str, params: list[str]) -> None:
        self.userQuit(prefix.split("!", 1)[0], params[0])

    def irc_MODE(self, user: str, params: list[str]) -> None:
        """Parse the modes with what the server said takes a parameter, then report the
        ones set and the ones unset (``modeChanged``)."""
        target, modes, *args = params
        takesParam = (self.getUserModeParams() if target == self.nickname
                      else self.getChannelModeParams())
        explicit = modes[:1] in ("+", "-")
        try:
            changes = parseModes(modes if explicit else "+" + modes, args, takesParam)
        except IRCBadModes:
            log.err(None, "An error occurred while parsing the following MODE message: "
                    f"MODE {' '.join(params)}")
            return
        for setting, changed in zip((True, False), changes, strict=True):
            if changed:
                self.modeChanged(user, target, setting, "".join(m for m, _ in changed),
                                 tuple(arg for _, arg in changed))

    def irc_PING(self, prefix: str, params: list[str]) -> None:
        self.sendLine(f"PONG {params[-1]}")

    def irc_PRIVMSG(self, prefix: str, params: list[str]) -> None:
        text = params[-1]
        if text:
            text = self._takeCtcp(prefix, params[0], text, self.ctcpQuery)
        if text:
            self.privmsg(prefix, params[0], text)

    def irc_NOTICE(self, prefix: str, params: list[str]) -> None:
        text = params[-1]
        if text[:1] == X_DELIM:
            text = self._takeCtcp(prefix, params[0], text, self.ctcpReply)
            if not text:
                return
        self.noticed(prefix, params[0], text)

    @staticmethod
    def _takeCtcp(user: str, channel: str, text: str, handle: Any) -> str:
        """Hand the CTCP requests of a message that starts with one to ``handle``; what is
        left is the plain text around them, joined by spaces."""
        if not text.startswith(X_DELIM):
            return text
        found = ctcpExtract(text)
        if found["extended"]:
            handle(user, channel, found["extended"])
        return " ".join(found["normal"])

    def irc_NICK(self, prefix: str, params: list[str]) -> None:
        nick = prefix.split("!", 1)[0]
        if nick == self.nickname:
            self.nickChanged(params[0])
        else:
            self.userRenamed(nick, params[0])

    def irc_KICK(self, prefix: str, params: list[str]) -> None:
        kicker = prefix.split("!", 1)[0]
        channel, kicked, message = params[0], params[1], params[-1]
        if kicked.lower() == self.nickname.lower():
            self.kickedFrom(channel, kicker, message)
        else:
            self.userKicked(kicked, channel, kicker, message)

    def irc_TOPIC(self, prefix: str, params: list[str]) -> None:
        self.topicUpdated(prefix.split("!", 1)[0], params[0], params[1])

    def irc_RPL_TOPIC(self, prefix: str, params: list[str]) -> None:
        self.topicUpdated(prefix.split("!", 1)[0], params[1], params[2])

    def irc_RPL_NOTOPIC(self, prefix: str, params: list[str]) -> None:
        self.topicUpdated(prefix.split("!", 1)[0], params[1], "")

    @staticmethod
    def _motdLine(text: str) -> str:
        return text[2:] if text.startswith("- ") else text

    def irc_RPL_MOTDSTART(self, prefix: str, params: list[str]) -> None:
        self.motd = [self._motdLine(params[-1])]

    def irc_RPL_MOTD(self, prefix: str, params: list[str]) -> None:
        if self.motd is None:
            self.motd = []
        self.motd.append(self._motdLine(params[-1]))

    def irc_RPL_ENDOFMOTD(self, prefix: str, params: list[str]) -> None:
        motd, self.motd = self.motd, None
        self.receivedMOTD(motd)

    def irc_RPL_CREATED(self, prefix: str, params: list[str]) -> None:
        self.created(params[1])

    def irc_RPL_YOURHOST(self, prefix: str, params: list[str]) -> None:
        self.yourHost(params[1])

    def irc_RPL_MYINFO(self, prefix: str, params: list[str]) -> None:
        info = (params[1].split(None, 3) + [None] * 4)[:4]
        self.myInfo(*info)

    def irc_RPL_BOUNCE(self, prefix: str, params: list[str]) -> None:
        self.bounce(params[1])

    def irc_RPL_ISUPPORT(self, prefix: str, params: list[str]) -> None:
        tokens = params[1:-1]
        self.supported.parse(tokens)
        self.isupport(tokens)

    def irc_RPL_LUSERCLIENT(self, prefix: str, params: list[str]) -> None:
        self.luserClient(params[1])

    def irc_RPL_LUSEROP(self, prefix: str, params: list[str]) -> None:
        try:
            self.luserOp(int(params[1]))
        except ValueError:
            pass

    def irc_RPL_LUSERCHANNELS(self, prefix: str, params: list[str]) -> None:
        try:
            self.luserChannels(int(params[1]))
        except ValueError:
            pass

    def irc_RPL_LUSERME(self, prefix: str, params: list[str]) -> None:
        self.luserMe(params[1])

    def irc_unknown(self, prefix: str, command: str, params: list[str]) -> None:
        """A command without a handler: ignored."""

    # CTCP queries.

    def ctcpQuery(self, user: str, channel: str, messages: list[tuple[str, str | None]]) -> None:
        """Dispatch each ``(tag, data)`` to ``ctcpQuery_<tag>`` or ``ctcpUnknownQuery``;
        a query repeated in the same message is answered once."""
        seen: set[tuple[str, str | None]] = set()
        for tag, data in messages:
            if (tag, data) in seen:
                continue
            seen.add((tag, data))
            handler = getattr(self, f"ctcpQuery_{tag}", None)
            if handler is None:
                self.ctcpUnknownQuery(user, channel, tag, data)
            else:
                handler(user, channel, data)

    def ctcpUnknownQuery(self, user: str, channel: str, tag: str, data: str | None) -> None:
        """A query nobody handles: log it (no answer, which is what clients expect)."""
        log.msg(f"Unknown CTCP query from {user!r}: {tag!r} {data!r}")

    # The query handlers carry comments rather than docstrings: ``CLIENTINFO <tag>`` answers
    # with the handler's docstring, and Twisted's answer there is empty.

    # An action (``/me``).
    def ctcpQuery_ACTION(self, user: str, channel: str, data: str) -> None:
        self.action(user, channel, data)

    # Echo the data back.
    def ctcpQuery_PING(self, user: str, channel: str, data: str | None) -> None:
        self.ctcpMakeReply(user.split("!", 1)[0], [("PING", data)])

    # Answer with ``fingerReply`` (called if callable), if set.
    def ctcpQuery_FINGER(self, user: str, channel: str, data: str | None) -> None:
        if data is not None:
            self.quirkyMessage(f"Why did {user} send '{data}' with a FINGER query?")
        if not self.fingerReply:
            return
        reply = self.fingerReply() if callable(self.fingerReply) else str(self.fingerReply)
        self.ctcpMakeReply(user.split("!", 1)[0], [("FINGER", reply)])

    # Answer ``versionName:versionNum:versionEnv``, if ``versionName`` is set.
    def ctcpQuery_VERSION(self, user: str, channel: str, data: str | None) -> None:
        if data is not None:
            self.quirkyMessage(f"Why did {user} send '{data}' with a VERSION query?")
        if self.versionName:
            reply = f"{self.versionName}:{self.versionNum or ''}:{self.versionEnv or ''}"
            self.ctcpMakeReply(user.split("!", 1)[0], [("VERSION", reply)])

    # Answer with ``sourceURL`` and the empty SOURCE that ends the list.
    def ctcpQuery_SOURCE(self, user: str, channel: str, data: str | None) -> None:
        if data is not None:
            self.quirkyMessage(f"Why did {user} send '{data}' with a SOURCE query?")
        if self.sourceURL:
            self.ctcpMakeReply(user.split("!", 1)[0],
                               [("SOURCE", self.sourceURL), ("SOURCE", None)])

    # Answer with ``userinfo``, if set.
    def ctcpQuery_USERINFO(self, user: str, channel: str, data: str | None) -> None:
        if data is not None:
            self.quirkyMessage(f"Why did {user} send '{data}' with a USERINFO query?")
        if self.userinfo:
            self.ctcpMakeReply(user.split("!", 1)[0], [("USERINFO", self.userinfo)])

    # Without data, the queries we answer; with a tag, what that query does.
    def ctcpQuery_CLIENTINFO(self, user: str, channel: str, data: str | None) -> None:
        nick = user.split("!", 1)[0]
        if not data:
            names = sorted(set(reflect.prefixedMethodNames(type(self), "ctcpQuery_")))
            self.ctcpMakeReply(nick, [("CLIENTINFO", " ".join(names))])
            return
        tag = data.split()[0]
        handler = getattr(self, f"ctcpQuery_{tag}", None)
        if handler is None:
            self.ctcpMakeReply(nick, [("ERRMSG", f"CLIENTINFO {data} :Unknown query '{tag}'")])
            return
        self.ctcpMakeReply(nick, [("CLIENTINFO", getattr(handler, "__doc__", None))])

    # Say that no error occurred.
    def ctcpQuery_ERRMSG(self, user: str, channel: str, data: str | None) -> None:
        self.ctcpMakeReply(user.split("!", 1)[0],
                           [("ERRMSG", f"{data} :No error has occurred.")])

    # Answer with the local time.
    def ctcpQuery_TIME(self, user: str, channel: str, data: str | None) -> None:
        if data is not None:
            self.quirkyMessage(f"Why did {user} send '{data}' with a TIME query?")
        self.ctcpMakeReply(user.split("!", 1)[0],
                           [("TIME", ":" + time.asctime(time.localtime(time.time())))])

    # Dispatch a DCC offer to ``dcc_<TYPE>``; answer ERRMSG for a type we lack.
    def ctcpQuery_DCC(self, user: str, channel: str, data: str | None) -> None:
        if not data:
            return
        dcctype = data.split(None, 1)[0].upper()
        handler = getattr(self, "dcc_" + dcctype, None)
        if handler is None:
            self.ctcpMakeReply(user.split("!", 1)[0],
                               [("ERRMSG", f"DCC {data} :Unknown DCC type '{dcctype}'")])
            self.quirkyMessage(f"{user} offered unknown DCC type {dcctype}")
            return
        if self.dcc_sessions is None:
            self.dcc_sessions = []
        handler(user, channel, data[len(dcctype) + 1:])

    def dcc_SEND(self, user: str, channel: str, data: str) -> None:
        query = shlex.split(data)
        if len(query) < 3:
            raise IRCBadMessage(f"malformed DCC SEND request: {query!r}")
        filename, address, port = query[:3]
        address = dccParseAddress(address)
        try:
            portNumber = int(port)
        except ValueError:
            raise IRCBadMessage(f"Indecipherable port {port!r}") from None
        self.dccDoSend(user, address, portNumber, filename,
                       _intOrDefault(query[3] if query[3:] else None, -1), query)

    def _resumeQuery(self, data: str, what: str) -> tuple[str, int, int] | None:
        query = shlex.split(data)
        if len(query) < 3:
            raise IRCBadMessage(f"malformed DCC SEND {what} request: {query!r}")
        try:
            return query[0], int(query[1]), int(query[2])
        except ValueError:
            return None

    def dcc_ACCEPT(self, user: str, channel: str, data: str) -> None:
        parsed = self._resumeQuery(data, "ACCEPT")
        if parsed is not None:
            self.dccDoAcceptResume(user, *parsed)

    def dcc_RESUME(self, user: str, channel: str, data: str) -> None:
        parsed = self._resumeQuery(data, "RESUME")
        if parsed is not None:
            self.dccDoResume(user, *parsed)

    def dcc_CHAT(self, user: str, channel: str, data: str) -> None:
        query = shlex.split(data)
        if len(query) < 3:
            raise IRCBadMessage(f"malformed DCC CHAT request: {query!r}")
        address = dccParseAddress(query[1])
        try:
            port = int(query[2])
        except ValueError:
            raise IRCBadMessage(f"Indecipherable port {query[2]!r}") from None
        self.dccDoChat(user, channel, address, port, query)

    def dccDoSend(self, user: str, address: str, port: int, fileName: str, size: int,
                  data: list[str]) -> None:
        """``user`` offers ``fileName`` at ``address:port``; override to accept it (for
        instance with ``reactor.connectTCP`` and a ``DccFileReceive``)."""

    def dccDoResume(self, user: str, file: str, port: int, resumePos: int) -> None:
        """``user`` asks to resume our transfer of ``file`` at ``resumePos``."""

    def dccDoAcceptResume(self, user: str, file: str, port: int, resumePos: int) -> None:
        """``user`` agreed to resume their transfer of ``file`` at ``resumePos``."""

    def dccDoChat(self, user: str, channel: str, address: str, port: int, data: list[str]) -> None:
        """``user`` offers a DCC chat at ``address:port``; override to accept it."""

    # CTCP replies.

    def ctcpMakeReply(self, user: str, messages: list[tuple[str, Any]]) -> None:
        """Send CTCP replies (in a NOTICE)."""
        self.notice(user, ctcpStringify(messages))

    def ctcpMakeQuery(self, user: str, messages: list[tuple[str, Any]]) -> None:
        """Send CTCP queries (in a PRIVMSG)."""
        self.msg(user, ctcpStringify(messages))

    def ctcpReply(self, user: str, channel: str, messages: list[tuple[str, str | None]]) -> None:
        """Dispatch each reply to ``ctcpReply_<tag>`` or ``ctcpUnknownReply``."""
        for tag, data in messages:
            handler = getattr(self, f"ctcpReply_{tag}", None)
            if handler is None:
                self.ctcpUnknownReply(user, channel, tag, data)
            else:
                handler(user, channel, data)

    def ctcpReply_PING(self, user: str, channel: str, data: str | None) -> None:
        """The answer to one of our pings: ``pong`` with the round trip."""
        nick = user.split("!", 1)[0]
        if not self._pings or (nick, data) not in self._pings:
            raise IRCBadMessage(f"Bogus PING response from {user}: {data}")
        sent = self._pings[(nick, data)]  # type: ignore[index]
        self.pong(user, time.time() - sent)

    def ctcpUnknownReply(self, user: str, channel: str, tag: str, data: str | None) -> None:
        """A reply nobody handles: logged."""
        log.msg(f"Unknown CTCP reply from {user}: {tag} {data}\n")

    # Errors.

    def badMessage(self, line: str, excType: Any, excValue: Any, tb: Any) -> None:
        """A line we could not parse: logged with the error."""
        log.msg(line)
        log.msg("".join(traceback.format_exception(excType, excValue, tb)))

    def quirkyMessage(self, s: str) -> None:
        """Something odd but harmless the peer did: logged."""
        log.msg(s + "\n")

    # Receiving.

    def connectionMade(self) -> None:
        """Register, unless ``performLogin`` is false."""
        self.supported = ServerSupportedFeatures()
        self._queue = []
        if self.performLogin:
            self.register(self.nickname)

    def dataReceived(self, data: bytes) -> None:
        """Lines end with LF; CRs are dropped."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        basic.LineReceiver.dataReceived(self, data.replace(b"\r", b""))

    def lineReceived(self, line: bytes | str) -> None:
        """Parse one line and handle its command (numerics by symbolic name)."""
        if isinstance(line, bytes):
            line = line.decode("utf-8")
        line = lowDequote(line)
        try:
            prefix, command, params = parsemsg(line)
        except IRCBadMessage:
            self.badMessage(line, *sys.exc_info())
            return
        command = numeric_to_symbolic.get(command, command)
        self.handleCommand(command, prefix, params)

    def getUserModeParams(self) -> list[str]:
        """Which user modes take a parameter when set and when unset: none."""
        return ["", ""]

    def getChannelModeParams(self) -> list[str]:
        """Which channel modes take a parameter when set and when unset, from the
        server's PREFIX and CHANMODES."""
        statuses = "".join(self.supported.getFeature("PREFIX", {}) or {})
        setting = unsetting = statuses
        chanmodes = self.supported.getFeature("CHANMODES")
        if chanmodes is not None:
            always = chanmodes.get("addressModes", "") + chanmodes.get("param", "")
            setting += always + chanmodes.get("setParam", "")
            unsetting += always
        return [setting, unsetting]

    def handleCommand(self, command: str, prefix: str, params: list[str]) -> None:
        """Call ``irc_<command>`` (or ``irc_unknown``), logging what it raises."""
        _dispatchCommand(self, command, prefix, params)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["dcc_sessions"] = None
        return state


def dccParseAddress(address: str) -> str:
    """A DCC address (dotted, or an IPv4 address as a decimal integer) in dotted form."""
    if "." in address:
        return address
    try:
        number = int(address)
    except ValueError:
        raise IRCBadMessage(f"Indecipherable address {address!r}") from None
    return ".".join(str((number >> shift) & 0xFF) for shift in (24, 16, 8, 0))


class DccFileReceiveBasic(protocol.Protocol, styles.Ephemeral):
    """Receives a DCC file, acknowledging the running byte count after each chunk."""

    bytesReceived = 0

    def __init__(self, resumeOffset: int = 0) -> None:
        self.bytesReceived = resumeOffset
        self.resume = resumeOffset != 0

    def dataReceived(self, data: bytes) -> None:
        """Count and acknowledge."""
        self.bytesReceived += len(data)
        self.transport.write(struct.pack("!i", self.bytesReceived))


class DccSendProtocol(protocol.Protocol, styles.Ephemeral):
    """Sends a file over DCC, one block per acknowledgement of the bytes so far."""

    blocksize = 1024
    file: Any = None
    bytesSent = 0
    completed = 0
    connected = 0

    def __init__(self, file: Any) -> None:
        if isinstance(file, str):
            file = open(file, "rb")  # noqa: SIM115 - closed in connectionLost
        self.file = file

    def connectionMade(self) -> None:
        """Send the first block."""
        self.connected = 1
        self.sendBlock()

    def dataReceived(self, data: bytes) -> None:
        """An acknowledgement: send the next block once everything sent is counted."""
        acked = struct.unpack("!I", data[-4:])[0] if len(data) >= 4 else 0
        if acked == self.bytesSent:
            self.sendBlock()
        elif acked > self.bytesSent:
            # The peer counts more than we sent: it is not talking DCC.
            self.transport.loseConnection()

    def sendBlock(self) -> None:
        """Send the next block, or close when the file is done."""
        block = self.file.read(self.blocksize)
        if block:
            self.transport.write(block)
            self.bytesSent += len(block)
        else:
            self.transport.loseConnection()
            self.completed = 1

    def connectionLost(self, reason: Any = None) -> None:
        """Close the file."""
        self.connected = 0
        if hasattr(self.file, "close"):
            self.file.close()


class DccSendFactory(protocol.Factory):
    """Builds the ``DccSendProtocol`` for one file."""

    protocol = DccSendProtocol  # type: ignore[assignment]

    def __init__(self, file: Any) -> None:
        self.file = file

    def buildProtocol(self, connection: Any) -> Any:
        p = self.protocol(self.file)
        p.factory = self
        return p


def fileSize(file: Any) -> int | None:
    """The size of an open file, or None when it cannot be told."""
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        pass
    name = getattr(file, "name", None)
    if isinstance(name, str) and path.isfile(name):
        return os.stat(name).st_size
    if hasattr(file, "seek") and hasattr(file, "tell"):
        here = file.tell()
        file.seek(0, os.SEEK_END)
        size: int = file.tell()
        file.seek(here)
        return size
    return None


class DccChat(basic.LineReceiver, styles.Ephemeral):
    """A DCC chat: each line the peer sends arrives as a ``privmsg`` on the client."""

    queryData: Any = None
    delimiter = CR.encode() + NL.encode()
    client: Any = None
    remoteParty: Any = None
    buffer = b""

    def __init__(self, client: Any, queryData: Any = None) -> None:
        self.client = client
        if queryData:
            self.queryData = queryData
            self.remoteParty = self.queryData[0]

    def dataReceived(self, data: bytes) -> None:
        """Lines end with LF, with an optional CR."""
        self.buffer = self.buffer + data
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            self.lineReceived(line)

    def lineReceived(self, line: bytes | str) -> None:
        """Hand the line to the client."""
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        log.msg(f"DCC CHAT<{self.remoteParty}> {text}")
        self.client.privmsg(self.remoteParty, self.client.nickname, text)


class DccChatFactory(protocol.ClientFactory):
    """Connects a ``DccChat``; leaves the client's ``dcc_sessions`` when done."""

    protocol = DccChat  # type: ignore[assignment]
    noisy = False

    def __init__(self, client: Any, queryData: Any) -> None:
        self.client = client
        self.queryData = queryData

    def buildProtocol(self, addr: Any) -> Any:
        p = self.protocol(client=self.client, queryData=self.queryData)
        p.factory = self
        return p

    def clientConnectionFailed(self, unused_connector: Any, unused_reason: Any) -> None:
        self.client.dcc_sessions.remove(self)

    def clientConnectionLost(self, unused_connector: Any, unused_reason: Any) -> None:
        self.client.dcc_sessions.remove(self)


def dccDescribe(data: str) -> str:
    """A readable description of a DCC offer (the data itself when it cannot tell)."""
    fields = data.split()
    if len(fields) < 4:
        return data
    dcctype, arg, address, port = fields[:4]
    if "." not in address:
        try:
            address = dccParseAddress(address)
        except IRCBadMessage:
            pass
    if dcctype == "SEND":
        sizeText = ""
        if len(fields) >= 5:
            try:
                sizeText = f" of size {int(fields[4])} bytes"
            except ValueError:
                pass
        return f"SEND for file '{arg}'{sizeText} at host {address}, port {port}"
    if dcctype == "CHAT":
        return f"CHAT for host {address}, port {port}"
    return data


class DccFileReceive(DccFileReceiveBasic):
    """Receives a DCC file into ``destDir``/``filename``."""

    filename = "dcc"
    fileSize = -1
    destDir = "."
    overwrite = 0
    fromUser: Any = None
    queryData: Any = None
    connected = 0

    def __init__(self, filename: str, fileSize: int = -1, queryData: Any = None,
                 destDir: str = ".", resumeOffset: int = 0) -> None:
        super().__init__(resumeOffset)
        self._resumeOffset = resumeOffset
        self.filename, self.fileSize, self.destDir = filename, fileSize, destDir
        if queryData:
            self.queryData, self.fromUser = queryData, queryData[0]

    def set_directory(self, directory: str) -> None:
        """Write into ``directory``; ``OSError`` unless it is a writable directory."""
        if not path.exists(directory):
            raise OSError(errno.ENOENT, "You see no directory there.", directory)
        if not path.isdir(directory):
            raise OSError(errno.ENOTDIR, "You cannot put a file into something which is "
                          "not a directory.", directory)
        if not os.access(directory, os.X_OK | os.W_OK):
            raise OSError(errno.EACCES, "This directory is too hard to write in to.", directory)
        self.destDir = directory

    def set_filename(self, filename: str) -> None:
        """Write to ``filename`` (in the directory)."""
        self.filename = filename

    def set_overwrite(self, boolean: bool) -> None:
        """Whether an existing file may be replaced."""
        self.overwrite = boolean

    def connectionMade(self) -> None:
        """Open the destination: resume it, create it, or refuse to replace it."""
        self.connected = 1
        dst = path.abspath(path.join(self.destDir, self.filename))
        exists = path.exists(dst)
        self.file: Any
        if self.resume and exists:
            self.file = open(dst, "rb+")  # noqa: SIM115 - closed in connectionLost
            self.file.seek(self._resumeOffset)
            self.file.truncate()
            log.msg(f"Attempting to resume {self.file} - starting from {self.file.tell()} bytes")
        elif self.resume and not exists:
            raise OSError(errno.ENOENT,
                          "You cannot resume writing to a file that does not exist!", dst)
        elif self.overwrite or not exists:
            self.file = open(dst, "wb")  # noqa: SIM115
        else:
            raise OSError(errno.EEXIST,
                          "There's a file in the way.  Perhaps that's why you cannot open it.",
                          dst)

    def dataReceived(self, data: bytes) -> None:
        """Write and acknowledge."""
        self.file.write(data)
        DccFileReceiveBasic.dataReceived(self, data)

    def connectionLost(self, reason: Any = None) -> None:
        """Close the file and log how much arrived."""
        self.connected = 0
        note = f"{self} closed."
        if self.fileSize > 0:
            note += f"  {self.bytesReceived}/{self.fileSize} bytes received"
            if self.bytesReceived < self.fileSize:
                note += f" (Warning: {self.fileSize - self.bytesReceived} bytes short)"
            elif self.bytesReceived > self.fileSize:
                note += " (file larger than expected)"
        else:
            note += f"  {self.bytesReceived} bytes received"
        file = getattr(self, "file", None)
        if file is not None:
            note += f" and written to {file.name}.\n"
            if hasattr(file, "close"):
                file.close()
        log.msg(note)

    def __str__(self) -> str:
        if not self.connected:
            return f"<Unconnected DccFileReceive object at {id(self):x}>"
        origin: Any = self.transport.getPeer()
        if self.fromUser:
            origin = f"{self.fromUser} ({origin})"
        return f"DCC transfer of '{self.filename}' from {origin}"

    def __repr__(self) -> str:
        return f"<{type(self)} at {id(self):x}: GET {self.filename}>"


# mIRC formatted text.

# mIRC control codes.
_BOLD, _COLOR, _OFF, _REVERSE_VIDEO, _UNDERLINE = "\x02", "\x03", "\x0f", "\x16", "\x1f"

# The 16 mIRC colours, numbered in this order.
_IRC_COLOR_NAMES = dict(enumerate([
    "white", "black", "blue", "green", "lightRed", "red", "magenta", "orange",
    "yellow", "lightGreen", "cyan", "lightCyan", "lightBlue", "lightMagenta", "gray", "lightGray",
]))
_IRC_COLORS = {name: number for number, name in _IRC_COLOR_NAMES.items()}


class _CharacterAttributes(_textattributes.CharacterAttributesMixin):
    """``attributes``: ``bold``, ``underline``, ``reverseVideo``, ``normal``, and the
    mIRC colours as ``fg.<name>`` / ``bg.<name>``."""

    fg = _textattributes._ColorAttribute(_textattributes._ForegroundColorAttr, _IRC_COLORS)
    bg = _textattributes._ColorAttribute(_textattributes._BackgroundColorAttr, _IRC_COLORS)
    attrs = {"bold": _BOLD, "reverseVideo": _REVERSE_VIDEO, "underline": _UNDERLINE}


attributes = _CharacterAttributes()


class _FormattingState(_textattributes._FormattingStateMixin):
    """The attributes in force at one point of an IRC message."""

    compareAttributes = ("off", "bold", "underline", "reverseVideo", "foreground", "background")

    def __init__(self, off: bool = False, bold: bool = False, underline: bool = False,
                 reverseVideo: bool = False, foreground: int | None = None,
                 background: int | None = None) -> None:
        self.off, self.bold, self.underline = off, bold, underline
        self.reverseVideo = reverseVideo
        self.foreground, self.background = foreground, background

    def toMIRCControlCodes(self) -> str:
        """The control codes that reset, then set this state."""
        switches = ((self.bold, _BOLD), (self.underline, _UNDERLINE),
                    (self.reverseVideo, _REVERSE_VIDEO))
        codes = [_OFF, *(code for on, code in switches if on)]
        if (self.foreground, self.background) != (None, None):
            color = "" if self.foreground is None else f"{self.foreground:02}"
            if self.background is not None:
                color += f",{self.background:02}"
            codes.append(_COLOR + color)
        return "".join(codes)


def _foldr(f: Any, z: Any, xs: Any) -> Any:
    """Right fold: ``f(x0, f(x1, ... f(xn, z)))``."""
    result = z
    for x in reversed(list(xs)):
        result = f(x, result)
    return result


class _FormattingParser(_CommandDispatcherMixin):
    """A character-at-a-time parser of mIRC control codes into an attribute tree.

    States: ``TEXT``, and after ``\\x03`` ``COLOR_FOREGROUND`` then, after a comma,
    ``COLOR_BACKGROUND`` (each colour is at most two digits, taken modulo 16).
    """

    prefix = "state"
    _formatCodes = dict(zip(
        (_BOLD, _UNDERLINE, _REVERSE_VIDEO, _COLOR, _OFF),
        ("bold", "underline", "reverseVideo", "color", "off"), strict=True))

    def __init__(self) -> None:
        self.state = "TEXT"
        self._buffer = ""
        self._attrs: set[str] = set()
        self._result: Any = None
        self.foreground: int | None = None
        self.background: int | None = None

    def process(self, ch: str) -> None:
        """Take in one character."""
        self.dispatch(self.state, ch)

    def complete(self) -> Any:
        """The tree of everything processed (an empty ``normal`` node for no text)."""
        self.emit()
        if self._result is None:
            self._result = attributes.normal
        return self._result

    def emit(self) -> None:
        """Close the pending run of text as a node under the current attributes."""
        if not self._buffer:
            return
        nodes = [getattr(attributes, name) for name in ("bold", "underline", "reverseVideo")
                 if name in self._attrs]
        if self.foreground is not None:
            nodes.append(getattr(attributes.fg, _IRC_COLOR_NAMES[self.foreground]))
        if self.background is not None:
            nodes.append(getattr(attributes.bg, _IRC_COLOR_NAMES[self.background]))
        if not nodes:
            nodes = [attributes.normal]
        run = _foldr(operator.getitem, self._buffer, nodes)
        self._buffer = ""
        if self._result is None:
            self._result = run
        else:
            self._result[run]

    def state_TEXT(self, ch: str) -> None:
        code = self._formatCodes.get(ch)
        if code is None:
            self._buffer += ch
            return
        self.emit()
        if code == "off":
            self._attrs = set()
            self.foreground = self.background = None
        elif code == "color":
            self.state = "COLOR_FOREGROUND"
        else:
            self._attrs ^= {code}

    def state_COLOR_FOREGROUND(self, ch: str) -> None:
        if ch.isdigit() and len(self._buffer) < 2:
            self._buffer += ch
            return
        if self._buffer:
            self.foreground = int(self._buffer) % 16
            self._buffer = ""
        else:
            # A bare colour code: back to the default colours.
            self.foreground = self.background = None
        if ch == "," and self.foreground is not None:
            self.state = "COLOR_BACKGROUND"
        else:
            self.state = "TEXT"
            self.process(ch)

    def state_COLOR_BACKGROUND(self, ch: str) -> None:
        if ch.isdigit() and len(self._buffer) < 2:
            self._buffer += ch
            return
        if self._buffer:
            self.background = int(self._buffer) % 16
            self._buffer = ""
        self.state = "TEXT"
        self.process(ch)


def parseFormattedText(text: str) -> Any:
    """The attribute tree of ``text`` with mIRC control codes (bold, colour, reverse,
    underline, off)."""
    parser = _FormattingParser()
    for ch in text:
        parser.process(ch)
    return parser.complete()


def assembleFormattedText(formatted: Any) -> str:
    """The mIRC-coded text of an attribute tree (``attributes.bold["hi"]``...)."""
    return _textattributes.flatten(formatted, _FormattingState(), "toMIRCControlCodes")


def stripFormatting(text: str) -> str:
    """``text`` without its mIRC control codes."""
    formatted = parseFormattedText(text)
    return _textattributes.flatten(formatted, _textattributes.DefaultFormattingState())


# CTCP and low-level quoting.

X_DELIM = chr(0o01)
M_QUOTE = chr(0o20)
X_QUOTE = "\\"

mQuoteTable = {NUL: M_QUOTE + "0", NL: M_QUOTE + "n", CR: M_QUOTE + "r", M_QUOTE: M_QUOTE + M_QUOTE}
mDequoteTable = {quoted[-1]: raw for raw, quoted in mQuoteTable.items()}
mEscape_re = re.compile(f"{re.escape(M_QUOTE)}.", re.DOTALL)

xQuoteTable = {X_DELIM: X_QUOTE + "a", X_QUOTE: X_QUOTE + X_QUOTE}
xDequoteTable = {quoted[-1]: raw for raw, quoted in xQuoteTable.items()}
xEscape_re = re.compile(f"{re.escape(X_QUOTE)}.", re.DOTALL)


def lowQuote(s: str) -> str:
    """``s`` with NUL, LF, CR and the quote character escaped for the wire."""
    return "".join(mQuoteTable.get(ch, ch) for ch in s)


def lowDequote(s: str) -> str:
    """Undo ``lowQuote`` (an unknown escape stands for the character after it)."""
    return mEscape_re.sub(lambda m: mDequoteTable.get(m.group()[1], m.group()[1]), s)


def ctcpQuote(s: str) -> str:
    """``s`` with the CTCP delimiter and backslash escaped."""
    return "".join(xQuoteTable.get(ch, ch) for ch in s)


def ctcpDequote(s: str) -> str:
    """Undo ``ctcpQuote``."""
    return xEscape_re.sub(lambda m: xDequoteTable.get(m.group()[1], m.group()[1]), s)


def ctcpExtract(message: str) -> dict[str, list[Any]]:
    """``{"extended": [(tag, data or None)], "normal": [text]}`` of a message with CTCP
    requests embedded between ``\\x01`` delimiters."""
    pieces = message.split(X_DELIM)
    normal = [p for p in pieces[0::2] if p]
    extended: list[tuple[str, str | None]] = []
    for piece in pieces[1::2]:
        if not piece:
            continue
        tag, sep, data = ctcpDequote(piece).partition(SPC)
        extended.append((tag, data if sep else None))
    return {"extended": extended, "normal": normal}


def ctcpStringify(messages: list[tuple[str, Any]]) -> str:
    """The wire text of CTCP ``(tag, data)`` requests; data may be None, a string, or a
    list or tuple of words."""
    out = []
    for tag, data in messages:
        if data:
            if isinstance(data, list | tuple):
                data = " ".join(map(str, data))
            body = f"{tag} {data}"
        else:
            body = str(tag)
        out.append(f"{X_DELIM}{ctcpQuote(body)}{X_DELIM}")
    return "".join(out)


def parseModes(modes: str, params: list[str], paramModes: Any = ("", "")) -> tuple[
        list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    """``(added, removed)``: each a list of ``(mode, parameter or None)``.

    ``paramModes`` is a pair of strings, the modes taking a parameter when set and when
    unset. ``IRCBadModes`` for an empty or malformed string, a direction with no modes,
    or parameters that do not match.
    """
    if not modes:
        raise IRCBadModes("Empty mode string")
    if modes[0] not in "+-":
        raise IRCBadModes(f"Malformed modes string: {modes!r}")
    remaining = list(params)
    changes: tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]] = ([], [])
    # Each run is a sign followed by its letters; a sign with no letter is an error.
    for run in re.findall(r"[+-][^+-]*", modes):
        if len(run) == 1:
            raise IRCBadModes(f"Empty mode sequence: {modes!r}")
        direction = 0 if run[0] == "+" else 1
        for letter in run[1:]:
            argument = None
            if letter in paramModes[direction]:
                if not remaining:
                    raise IRCBadModes(f"Not enough parameters: {letter!r}")
                argument = remaining.pop(0)
            changes[direction].append((letter, argument))
    if remaining:
        raise IRCBadModes(f"Too many parameters: {modes!r} {remaining!r}")
    return changes


# Numeric replies (RFC 2812 section 5), by name.
symbolic_to_numeric = {
    "RPL_WELCOME": "001",
    "RPL_YOURHOST": "002",
    "RPL_CREATED": "003",
    "RPL_MYINFO": "004",
    "RPL_ISUPPORT": "005",
    "RPL_BOUNCE": "010",
    "RPL_USERHOST": "302",
    "RPL_ISON": "303",
    "RPL_AWAY": "301",
    "RPL_UNAWAY": "305",
    "RPL_NOWAWAY": "306",
    "RPL_WHOISUSER": "311",
    "RPL_WHOISSERVER": "312",
    "RPL_WHOISOPERATOR": "313",
    "RPL_WHOISIDLE": "317",
    "RPL_ENDOFWHOIS": "318",
    "RPL_WHOISCHANNELS": "319",
    "RPL_WHOWASUSER": "314",
    "RPL_ENDOFWHOWAS": "369",
    "RPL_LISTSTART": "321",
    "RPL_LIST": "322",
    "RPL_LISTEND": "323",
    "RPL_UNIQOPIS": "325",
    "RPL_CHANNELMODEIS": "324",
    "RPL_NOTOPIC": "331",
    "RPL_TOPIC": "332",
    "RPL_INVITING": "341",
    "RPL_SUMMONING": "342",
    "RPL_INVITELIST": "346",
    "RPL_ENDOFINVITELIST": "347",
    "RPL_EXCEPTLIST": "348",
    "RPL_ENDOFEXCEPTLIST": "349",
    "RPL_VERSION": "351",
    "RPL_WHOREPLY": "352",
    "RPL_ENDOFWHO": "315",
    "RPL_NAMREPLY": "353",
    "RPL_ENDOFNAMES": "366",
    "RPL_LINKS": "364",
    "RPL_ENDOFLINKS": "365",
    "RPL_BANLIST": "367",
    "RPL_ENDOFBANLIST": "368",
    "RPL_INFO": "371",
    "RPL_ENDOFINFO": "374",
    "RPL_MOTDSTART": "375",
    "RPL_MOTD": "372",
    "RPL_ENDOFMOTD": "376",
    "RPL_YOUREOPER": "381",
    "RPL_REHASHING": "382",
    "RPL_YOURESERVICE": "383",
    "RPL_TIME": "391",
    "RPL_USERSSTART": "392",
    "RPL_USERS": "393",
    "RPL_ENDOFUSERS": "394",
    "RPL_NOUSERS": "395",
    "RPL_TRACELINK": "200",
    "RPL_TRACECONNECTING": "201",
    "RPL_TRACEHANDSHAKE": "202",
    "RPL_TRACEUNKNOWN": "203",
    "RPL_TRACEOPERATOR": "204",
    "RPL_TRACEUSER": "205",
    "RPL_TRACESERVER": "206",
    "RPL_TRACESERVICE": "207",
    "RPL_TRACENEWTYPE": "208",
    "RPL_TRACECLASS": "209",
    "RPL_TRACERECONNECT": "210",
    "RPL_TRACELOG": "261",
    "RPL_TRACEEND": "262",
    "RPL_STATSLINKINFO": "211",
    "RPL_STATSCOMMANDS": "212",
    "RPL_ENDOFSTATS": "219",
    "RPL_STATSUPTIME": "242",
    "RPL_STATSOLINE": "243",
    "RPL_UMODEIS": "221",
    "RPL_SERVLIST": "234",
    "RPL_SERVLISTEND": "235",
    "RPL_LUSERCLIENT": "251",
    "RPL_LUSEROP": "252",
    "RPL_LUSERUNKNOWN": "253",
    "RPL_LUSERCHANNELS": "254",
    "RPL_LUSERME": "255",
    "RPL_ADMINME": "256",
    "RPL_ADMINLOC1": "257",
    "RPL_ADMINLOC2": "258",
    "RPL_ADMINEMAIL": "259",
    "RPL_TRYAGAIN": "263",
    "ERR_NOSUCHNICK": "401",
    "ERR_NOSUCHSERVER": "402",
    "ERR_NOSUCHCHANNEL": "403",
    "ERR_CANNOTSENDTOCHAN": "404",
    "ERR_TOOMANYCHANNELS": "405",
    "ERR_WASNOSUCHNICK": "406",
    "ERR_TOOMANYTARGETS": "407",
    "ERR_NOSUCHSERVICE": "408",
    "ERR_NOORIGIN": "409",
    "ERR_NORECIPIENT": "411",
    "ERR_NOTEXTTOSEND": "412",
    "ERR_NOTOPLEVEL": "413",
    "ERR_WILDTOPLEVEL": "414",
    "ERR_BADMASK": "415",
    "ERR_TOOMANYMATCHES": "416",
    "ERR_UNKNOWNCOMMAND": "421",
    "ERR_NOMOTD": "422",
    "ERR_NOADMININFO": "423",
    "ERR_FILEERROR": "424",
    "ERR_NONICKNAMEGIVEN": "431",
    "ERR_ERRONEUSNICKNAME": "432",
    "ERR_NICKNAMEINUSE": "433",
    "ERR_NICKCOLLISION": "436",
    "ERR_UNAVAILRESOURCE": "437",
    "ERR_USERNOTINCHANNEL": "441",
    "ERR_NOTONCHANNEL": "442",
    "ERR_USERONCHANNEL": "443",
    "ERR_NOLOGIN": "444",
    "ERR_SUMMONDISABLED": "445",
    "ERR_USERSDISABLED": "446",
    "ERR_NOTREGISTERED": "451",
    "ERR_NEEDMOREPARAMS": "461",
    "ERR_ALREADYREGISTRED": "462",
    "ERR_NOPERMFORHOST": "463",
    "ERR_PASSWDMISMATCH": "464",
    "ERR_YOUREBANNEDCREEP": "465",
    "ERR_YOUWILLBEBANNED": "466",
    "ERR_KEYSET": "467",
    "ERR_CHANNELISFULL": "471",
    "ERR_UNKNOWNMODE": "472",
    "ERR_INVITEONLYCHAN": "473",
    "ERR_BANNEDFROMCHAN": "474",
    "ERR_BADCHANNELKEY": "475",
    "ERR_BADCHANMASK": "476",
    "ERR_NOCHANMODES": "477",
    "ERR_BANLISTFULL": "478",
    "ERR_NOPRIVILEGES": "481",
    "ERR_CHANOPRIVSNEEDED": "482",
    "ERR_CANTKILLSERVER": "483",
    "ERR_RESTRICTED": "484",
    "ERR_UNIQOPPRIVSNEEDED": "485",
    "ERR_NOOPERHOST": "491",
    "ERR_NOSERVICEHOST": "492",
    "ERR_UMODEUNKNOWNFLAG": "501",
    "ERR_USERSDONTMATCH": "502",
}

numeric_to_symbolic = {numeric: name for name, numeric in symbolic_to_numeric.items()}

# Every reply as a module constant: irc.RPL_WELCOME == "001" ...
RPL_WELCOME = "001"
RPL_YOURHOST = "002"
RPL_CREATED = "003"
RPL_MYINFO = "004"
RPL_ISUPPORT = "005"
RPL_BOUNCE = "010"
RPL_USERHOST = "302"
RPL_ISON = "303"
RPL_AWAY = "301"
RPL_UNAWAY = "305"
RPL_NOWAWAY = "306"
RPL_WHOISUSER = "311"
RPL_WHOISSERVER = "312"
RPL_WHOISOPERATOR = "313"
RPL_WHOISIDLE = "317"
RPL_ENDOFWHOIS = "318"
RPL_WHOISCHANNELS = "319"
RPL_WHOWASUSER = "314"
RPL_ENDOFWHOWAS = "369"
RPL_LISTSTART = "321"
RPL_LIST = "322"
RPL_LISTEND = "323"
RPL_UNIQOPIS = "325"
RPL_CHANNELMODEIS = "324"
RPL_NOTOPIC = "331"
RPL_TOPIC = "332"
RPL_INVITING = "341"
RPL_SUMMONING = "342"
RPL_INVITELIST = "346"
RPL_ENDOFINVITELIST = "347"
RPL_EXCEPTLIST = "348"
RPL_ENDOFEXCEPTLIST = "349"
RPL_VERSION = "351"
RPL_WHOREPLY = "352"
RPL_ENDOFWHO = "315"
RPL_NAMREPLY = "353"
RPL_ENDOFNAMES = "366"
RPL_LINKS = "364"
RPL_ENDOFLINKS = "365"
RPL_BANLIST = "367"
RPL_ENDOFBANLIST = "368"
RPL_INFO = "371"
RPL_ENDOFINFO = "374"
RPL_MOTDSTART = "375"
RPL_MOTD = "372"
RPL_ENDOFMOTD = "376"
RPL_YOUREOPER = "381"
RPL_REHASHING = "382"
RPL_YOURESERVICE = "383"
RPL_TIME = "391"
RPL_USERSSTART = "392"
RPL_USERS = "393"
RPL_ENDOFUSERS = "394"
RPL_NOUSERS = "395"
RPL_TRACELINK = "200"
RPL_TRACECONNECTING = "201"
RPL_TRACEHANDSHAKE = "202"
RPL_TRACEUNKNOWN = "203"
RPL_TRACEOPERATOR = "204"
RPL_TRACEUSER = "205"
RPL_TRACESERVER = "206"
RPL_TRACESERVICE = "207"
RPL_TRACENEWTYPE = "208"
RPL_TRACECLASS = "209"
RPL_TRACERECONNECT = "210"
RPL_TRACELOG = "261"
RPL_TRACEEND = "262"
RPL_STATSLINKINFO = "211"
RPL_STATSCOMMANDS = "212"
RPL_ENDOFSTATS = "219"
RPL_STATSUPTIME = "242"
RPL_STATSOLINE = "243"
RPL_UMODEIS = "221"
RPL_SERVLIST = "234"
RPL_SERVLISTEND = "235"
RPL_LUSERCLIENT = "251"
RPL_LUSEROP = "252"
RPL_LUSERUNKNOWN = "253"
RPL_LUSERCHANNELS = "254"
RPL_LUSERME = "255"
RPL_ADMINME = "256"
RPL_ADMINLOC1 = "257"
RPL_ADMINLOC2 = "258"
RPL_ADMINEMAIL = "259"
RPL_TRYAGAIN = "263"
ERR_NOSUCHNICK = "401"
ERR_NOSUCHSERVER = "402"
ERR_NOSUCHCHANNEL = "403"
ERR_CANNOTSENDTOCHAN = "404"
ERR_TOOMANYCHANNELS = "405"
ERR_WASNOSUCHNICK = "406"
ERR_TOOMANYTARGETS = "407"
ERR_NOSUCHSERVICE = "408"
ERR_NOORIGIN = "409"
ERR_NORECIPIENT = "411"
ERR_NOTEXTTOSEND = "412"
ERR_NOTOPLEVEL = "413"
ERR_WILDTOPLEVEL = "414"
ERR_BADMASK = "415"
ERR_TOOMANYMATCHES = "416"
ERR_UNKNOWNCOMMAND = "421"
ERR_NOMOTD = "422"
ERR_NOADMININFO = "423"
ERR_FILEERROR = "424"
ERR_NONICKNAMEGIVEN = "431"
ERR_ERRONEUSNICKNAME = "432"
ERR_NICKNAMEINUSE = "433"
ERR_NICKCOLLISION = "436"
ERR_UNAVAILRESOURCE = "437"
ERR_USERNOTINCHANNEL = "441"
ERR_NOTONCHANNEL = "442"
ERR_USERONCHANNEL = "443"
ERR_NOLOGIN = "444"
ERR_SUMMONDISABLED = "445"
ERR_USERSDISABLED = "446"
ERR_NOTREGISTERED = "451"
ERR_NEEDMOREPARAMS = "461"
ERR_ALREADYREGISTRED = "462"
ERR_NOPERMFORHOST = "463"
ERR_PASSWDMISMATCH = "464"
ERR_YOUREBANNEDCREEP = "465"
ERR_YOUWILLBEBANNED = "466"
ERR_KEYSET = "467"
ERR_CHANNELISFULL = "471"
ERR_UNKNOWNMODE = "472"
ERR_INVITEONLYCHAN = "473"
ERR_BANNEDFROMCHAN = "474"
ERR_BADCHANNELKEY = "475"
ERR_BADCHANMASK = "476"
ERR_NOCHANMODES = "477"
ERR_BANLISTFULL = "478"
ERR_NOPRIVILEGES = "481"
ERR_CHANOPRIVSNEEDED = "482"
ERR_CANTKILLSERVER = "483"
ERR_RESTRICTED = "484"
ERR_UNIQOPPRIVSNEEDED = "485"
ERR_NOOPERHOST = "491"
ERR_NOSERVICEHOST = "492"
ERR_UMODEUNKNOWNFLAG = "501"
ERR_USERSDONTMATCH = "502"
