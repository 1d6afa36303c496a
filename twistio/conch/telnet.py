"""Telnet (RFC 854) with option negotiation (RFC 1143's Q method, as Conch does it).

``Telnet`` parses the byte stream: application data (``\\r\\n`` becomes ``\\n``, ``\\r\\0``
becomes ``\\r``, ``IAC IAC`` a literal 0xff) goes to ``applicationDataReceived``, commands
to ``commandReceived``, subnegotiations (``IAC SB ... IAC SE``) to ``negotiationMap`` or
``unhandledSubnegotiation`` as a list of one-byte strings. The data of one ``dataReceived``
call is delivered in as few ``applicationDataReceived`` calls as the commands in it allow.

Options: ``will``/``wont``/``do``/``dont`` ask the peer and return a Deferred (True when
agreed, ``OptionRefused`` when not, ``AlreadyEnabled``/``AlreadyDisabled``/
``AlreadyNegotiating`` at once); what the peer asks is put to ``enableLocal``/``enableRemote``
(true to agree) and announced by ``disableLocal``/``disableRemote``.

``TelnetTransport`` is a ``Telnet`` that is also the transport of an ``ITelnetProtocol``:
it escapes what that protocol writes (``\\n`` -> ``\\r\\n``, 0xff doubled) and hands it the
data and the negotiation questions.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Iterable
from typing import Any, Protocol, cast

from twistio.cred import credentials
from twistio.internet import defer
from twistio.internet import protocol as _protocol
from twistio.internet.interfaces import IProtocol, ITransport, implementer
from twistio.logger import Logger
from twistio.protocols import basic
from twistio.python.failure import Failure

__all__ = [
    "AlreadyDisabled",
    "AlreadyEnabled",
    "AlreadyNegotiating",
    "AuthenticatingTelnetProtocol",
    "ITelnetProtocol",
    "ITelnetTransport",
    "NegotiationError",
    "OptionRefused",
    "ProtocolTransportMixin",
    "StatefulTelnetProtocol",
    "Telnet",
    "TelnetBootstrapProtocol",
    "TelnetError",
    "TelnetProtocol",
    "TelnetTransport",
]

_log = logging.getLogger("twistio.conch.telnet")
_logger = Logger()

# Commands (RFC 854).
NULL = bytes([0])
BEL = bytes([7])
BS = bytes([8])
HT = bytes([9])
LF = bytes([10])
VT = bytes([11])
FF = bytes([12])
CR = bytes([13])
SE = bytes([240])
NOP = bytes([241])
DM = bytes([242])
BRK = bytes([243])
IP = bytes([244])
AO = bytes([245])
AYT = bytes([246])
EC = bytes([247])
EL = bytes([248])
GA = bytes([249])
SB = bytes([250])
WILL = bytes([251])
WONT = bytes([252])
DO = bytes([253])
DONT = bytes([254])
IAC = bytes([255])
EOR = bytes([239])

# Options.
ECHO = bytes([1])
SGA = bytes([3])
NAWS = bytes([31])
LINEMODE = bytes([34])

# LINEMODE (RFC 1184).
LINEMODE_MODE = bytes([1])
LINEMODE_FORWARDMASK = bytes([2])
LINEMODE_SLC = bytes([3])
LINEMODE_EDIT = bytes([1])
LINEMODE_TRAPSIG = bytes([2])
LINEMODE_MODE_ACK = bytes([4])
LINEMODE_SOFT_TAB = bytes([8])
LINEMODE_LIT_ECHO = bytes([16])
LINEMODE_EOF = bytes([236])
LINEMODE_SUSP = bytes([237])
LINEMODE_ABORT = bytes([238])
MODE = LINEMODE_MODE
EDIT = 1
TRAPSIG = 2
MODE_ACK = 4
SOFT_TAB = 8
LIT_ECHO = 16

# LINEMODE special line characters (SLC) and their levels.
LINEMODE_SLC_SYNCH = bytes([1])
LINEMODE_SLC_BRK = bytes([2])
LINEMODE_SLC_IP = bytes([3])
LINEMODE_SLC_AO = bytes([4])
LINEMODE_SLC_AYT = bytes([5])
LINEMODE_SLC_EOR = bytes([6])
LINEMODE_SLC_ABORT = bytes([7])
LINEMODE_SLC_EOF = bytes([8])
LINEMODE_SLC_SUSP = bytes([9])
LINEMODE_SLC_EC = bytes([10])
LINEMODE_SLC_EL = bytes([11])
LINEMODE_SLC_EW = bytes([12])
LINEMODE_SLC_RP = bytes([13])
LINEMODE_SLC_LNEXT = bytes([14])
LINEMODE_SLC_XON = bytes([15])
LINEMODE_SLC_XOFF = bytes([16])
LINEMODE_SLC_FORW1 = bytes([17])
LINEMODE_SLC_FORW2 = bytes([18])
LINEMODE_SLC_MCL = bytes([19])
LINEMODE_SLC_MCR = bytes([20])
LINEMODE_SLC_MCWL = bytes([21])
LINEMODE_SLC_MCWR = bytes([22])
LINEMODE_SLC_MCBOL = bytes([23])
LINEMODE_SLC_MCEOL = bytes([24])
LINEMODE_SLC_INSRT = bytes([25])
LINEMODE_SLC_OVER = bytes([26])
LINEMODE_SLC_ECR = bytes([27])
LINEMODE_SLC_EWR = bytes([28])
LINEMODE_SLC_EBOL = bytes([29])
LINEMODE_SLC_EEOL = bytes([30])
LINEMODE_SLC_DEFAULT = bytes([3])
LINEMODE_SLC_VALUE = bytes([2])
LINEMODE_SLC_CANTCHANGE = bytes([1])
LINEMODE_SLC_NOSUPPORT = bytes([0])
LINEMODE_SLC_LEVELBITS = bytes([3])
LINEMODE_SLC_ACK = bytes([128])
LINEMODE_SLC_FLUSHIN = bytes([64])
LINEMODE_SLC_FLUSHOUT = bytes([32])

# Commands that stand alone after IAC (no option byte follows).
_SIMPLE_COMMANDS = frozenset(c[0] for c in (NOP, DM, BRK, IP, AO, AYT, EC, EL, GA, EOR))
_OPTION_COMMANDS = frozenset(c[0] for c in (WILL, WONT, DO, DONT))
_IAC, _SB, _SE, _CR, _LF, _NUL = IAC[0], SB[0], SE[0], CR[0], LF[0], NULL[0]


class ITelnetProtocol(IProtocol, Protocol):
    """A protocol over a ``TelnetTransport``: it answers the option questions."""

    def unhandledCommand(self, command: bytes, argument: bytes | None) -> None:
        """A command no handler took (``NOP``, ``AYT``...; ``argument`` is None for those)."""

    def unhandledSubnegotiation(self, command: bytes, data: list[bytes]) -> None:
        """A subnegotiation for an option without a handler in ``negotiationMap``."""

    def enableLocal(self, option: bytes) -> bool:
        """The peer asks us to enable ``option``: true to agree."""

    def enableRemote(self, option: bytes) -> bool:
        """The peer offers to enable ``option`` on its side: true to agree."""

    def disableLocal(self, option: bytes) -> None:
        """``option`` is now off on our side."""

    def disableRemote(self, option: bytes) -> None:
        """``option`` is now off on the peer's side."""


class ITelnetTransport(ITransport, Protocol):
    """A transport that negotiates telnet options."""

    def do(self, option: bytes) -> defer.Deferred[bool]:
        """Ask the peer to enable ``option``."""

    def dont(self, option: bytes) -> defer.Deferred[bool]:
        """Ask the peer to disable ``option``."""

    def will(self, option: bytes) -> defer.Deferred[bool]:
        """Offer to enable ``option`` on our side."""

    def wont(self, option: bytes) -> defer.Deferred[bool]:
        """Announce that ``option`` goes off on our side."""

    def requestNegotiation(self, about: bytes, data: bytes) -> None:
        """Send the subnegotiation ``IAC SB about data IAC SE`` (0xff in data doubled)."""


class TelnetError(Exception):
    """A telnet protocol error."""


class NegotiationError(TelnetError):
    """An option negotiation could not go ahead."""

    def __str__(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}:{self.args[0]!r}"


class OptionRefused(NegotiationError):
    """The peer refused the option."""


class AlreadyEnabled(NegotiationError):
    """The option is already on."""


class AlreadyDisabled(NegotiationError):
    """The option is already off."""


class AlreadyNegotiating(NegotiationError):
    """A negotiation of this option is under way."""


@implementer(ITelnetProtocol)
class TelnetProtocol(_protocol.Protocol):
    """A base ``ITelnetProtocol``: refuses every option, ignores stray commands."""

    def unhandledCommand(self, command: bytes, argument: bytes | None) -> None:
        """Ignore it."""

    def unhandledSubnegotiation(self, command: bytes, data: list[bytes]) -> None:
        """Ignore it."""

    def enableLocal(self, option: bytes) -> bool:
        """Refuse."""
        return False

    def enableRemote(self, option: bytes) -> bool:
        """Refuse."""
        return False

    def disableLocal(self, option: bytes) -> None:
        """Nothing to undo."""

    def disableRemote(self, option: bytes) -> None:
        """Nothing to undo."""


class _Perspective:
    """One side of an option: its state (``'no'``/``'yes'``) and a negotiation in flight."""

    state = "no"
    negotiating = False
    onResult: defer.Deferred[bool] | None = None

    def __str__(self) -> str:
        return self.state + ("*" if self.negotiating else "")


class _Option:
    """The state of one option: ``us`` (our side) and ``him`` (the peer's)."""

    _Perspective = _Perspective

    def __init__(self) -> None:
        self.us = _Perspective()
        self.him = _Perspective()

    def __repr__(self) -> str:
        return f"<_OptionState us={self.us} him={self.him}>"


_Handler = Callable[["Telnet", _Option, bytes], None]


class Telnet(_protocol.Protocol):
    """The telnet wire protocol; subclass and override ``applicationDataReceived`` and the
    option hooks, or use ``TelnetTransport``."""

    state = "data"
    _MAX_SUBNEGOTIATION_LENGTH = 4096
    _OptionState = _Option

    def __init__(self) -> None:
        self.options: dict[bytes, _Option] = {}
        self.negotiationMap: dict[bytes, Callable[[list[bytes]], Any]] = {}
        self.commandMap: dict[bytes, Callable[[bytes | None], Any]] = {
            WILL: self.telnet_WILL,
            WONT: self.telnet_WONT,
            DO: self.telnet_DO,
            DONT: self.telnet_DONT,
        }
        self._overflowed = False

    def _write(self, data: bytes) -> None:
        self.transport.write(data)

    def getOptionState(self, opt: bytes) -> _Option:
        """The state of ``opt``, created (off on both sides) on first use."""
        state = self.options.get(opt)
        if state is None:
            state = self.options[opt] = self._OptionState()
        return state

    def _do(self, option: bytes) -> None:
        self._write(IAC + DO + option)

    def _dont(self, option: bytes) -> None:
        self._write(IAC + DONT + option)

    def _will(self, option: bytes) -> None:
        self._write(IAC + WILL + option)

    def _wont(self, option: bytes) -> None:
        self._write(IAC + WONT + option)

    def _ask(self, option: bytes, local: bool, enable: bool) -> defer.Deferred[bool]:
        state = self.getOptionState(option)
        if state.us.negotiating or state.him.negotiating:
            return defer.fail(AlreadyNegotiating(option))
        side = state.us if local else state.him
        if enable and side.state == "yes":
            return defer.fail(AlreadyEnabled(option))
        if not enable and side.state == "no":
            return defer.fail(AlreadyDisabled(option))
        side.negotiating = True
        d: defer.Deferred[bool] = defer.Deferred()
        side.onResult = d
        if local:
            (self._will if enable else self._wont)(option)
        else:
            (self._do if enable else self._dont)(option)
        return d

    def will(self, option: bytes) -> defer.Deferred[bool]:
        """Offer to enable ``option`` on our side."""
        return self._ask(option, True, True)

    def wont(self, option: bytes) -> defer.Deferred[bool]:
        """Turn ``option`` off on our side."""
        return self._ask(option, True, False)

    def do(self, option: bytes) -> defer.Deferred[bool]:
        """Ask the peer to enable ``option``."""
        return self._ask(option, False, True)

    def dont(self, option: bytes) -> defer.Deferred[bool]:
        """Ask the peer to turn ``option`` off."""
        return self._ask(option, False, False)

    def requestNegotiation(self, about: bytes, data: bytes) -> None:
        """Send ``IAC SB about data IAC SE``, doubling 0xff in ``data``."""
        self._write(IAC + SB + about + data.replace(IAC, IAC + IAC) + IAC + SE)

    def _subnegotiationLengthExceeded(self) -> None:
        _logger.warn(
            "telnet subnegotiation longer than {limit} bytes; closing the connection",
            limit=self._MAX_SUBNEGOTIATION_LENGTH,
        )
        self._overflowed = True
        self.transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        """Split ``data`` into application data, commands and subnegotiations."""
        if self._overflowed:
            return
        pending: list[bytes] = []
        state = self.state
        i, n = 0, len(data)
        try:
            while i < n:
                if state == "data":
                    # Fast path: copy up to the next IAC or CR in one slice.
                    j = i
                    while j < n and data[j] != _IAC and data[j] != _CR:
                        j += 1
                    if j > i:
                        pending.append(data[i:j])
                    if j == n:
                        break
                    state = "escaped" if data[j] == _IAC else "newline"
                    i = j + 1
                    continue
                b = data[i]
                i += 1
                if state == "escaped":
                    if b == _IAC:
                        pending.append(IAC)
                        state = "data"
                    elif b == _SB:
                        state = "subnegotiation"
                        self.commands: list[bytes] = []
                    elif b in _SIMPLE_COMMANDS:
                        state = "data"
                        self.state = state
                        self._flush(pending)
                        self.commandReceived(bytes([b]), None)
                        state = self.state
                    elif b in _OPTION_COMMANDS:
                        state = "command"
                        self.command = bytes([b])
                    else:
                        # Like Conch: the data before it is dropped with the connection.
                        pending.clear()
                        self.state = state
                        raise ValueError("Stumped", bytes([b]))
                elif state == "command":
                    state = "data"
                    self.state = state
                    command = self.command
                    del self.command
                    self._flush(pending)
                    self.commandReceived(command, bytes([b]))
                    state = self.state
                elif state == "newline":
                    state = "data"
                    if b == _LF:
                        pending.append(LF)
                    elif b == _NUL:
                        pending.append(CR)
                    elif b == _IAC:
                        pending.append(CR)
                        state = "escaped"
                    else:
                        pending.append(CR + bytes([b]))
                elif state == "subnegotiation":
                    if b == _IAC:
                        state = "subnegotiation-escaped"
                    else:
                        if self._subnegotiationTooLong():
                            return
                        self.commands.append(bytes([b]))
                else:  # subnegotiation-escaped
                    if b == _SE:
                        state = "data"
                        self.state = state
                        commands = self.commands
                        del self.commands
                        self._flush(pending)
                        self.negotiate(commands)
                        state = self.state
                    else:
                        state = "subnegotiation"
                        if self._subnegotiationTooLong():
                            return
                        self.commands.append(bytes([b]))
            self.state = state
        finally:
            self._flush(pending)

    def _subnegotiationTooLong(self) -> bool:
        # Called before a byte is added: the buffer never grows past the limit.
        if len(self.commands) >= self._MAX_SUBNEGOTIATION_LENGTH:
            self.state = "subnegotiation"
            self._subnegotiationLengthExceeded()
            return True
        return False

    def _flush(self, pending: list[bytes]) -> None:
        if pending:
            data = b"".join(pending)
            pending.clear()
            self.applicationDataReceived(data)

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Fail every negotiation in flight with ``reason``."""
        for state in self.options.values():
            for side in (state.us, state.him):
                d, side.onResult = side.onResult, None
                if d is not None:
                    d.errback(reason)

    def applicationDataReceived(self, data: bytes) -> None:
        """Application bytes arrived (override)."""

    def unhandledCommand(self, command: bytes, argument: bytes | None) -> None:
        """A command without a handler in ``commandMap`` (override)."""

    def commandReceived(self, command: bytes, argument: bytes | None) -> None:
        """Dispatch ``command`` through ``commandMap``, else to ``unhandledCommand``."""
        handler = self.commandMap.get(command)
        if handler is not None:
            handler(argument)
            return
        self.unhandledCommand(command, argument)

    def unhandledSubnegotiation(self, command: bytes, data: list[bytes]) -> None:
        """A subnegotiation without a handler in ``negotiationMap`` (override)."""

    def negotiate(self, data: list[bytes]) -> None:
        """Dispatch a subnegotiation (its option, then its bytes) through ``negotiationMap``."""
        if not data:
            _log.info("empty telnet subnegotiation ignored")
            return
        handler = self.negotiationMap.get(data[0])
        if handler is not None:
            handler(data[1:])
            return
        self.unhandledSubnegotiation(data[0], data[1:])

    # The peer's WILL/WONT/DO/DONT, by the state of the side it is about: (state, negotiating).

    def _settle(self, side: _Perspective, state: str, ok: bool, option: bytes) -> None:
        side.state, side.negotiating = state, False
        d, side.onResult = side.onResult, None
        if d is not None:
            if ok:
                d.callback(True)
            else:
                d.errback(OptionRefused(option))

    def _side(self, option: bytes, local: bool) -> tuple[_Option, tuple[str, bool]]:
        state = self.getOptionState(option)
        side = state.us if local else state.him
        return state, (side.state, side.negotiating)

    # The shapes of an answer; ``local`` says which side of the option it is about.

    def _offered(self, state: _Option, option: bytes, local: bool) -> None:
        """The peer asks to turn on an option that is off and not being negotiated."""
        agree = self.enableLocal(option) if local else self.enableRemote(option)
        if agree:
            (state.us if local else state.him).state = "yes"
        if local:
            (self._will if agree else self._wont)(option)
        else:
            (self._do if agree else self._dont)(option)

    def _withdrawn(self, state: _Option, option: bytes, local: bool) -> None:
        """The peer turns off an option that is on and not being negotiated."""
        if local:
            side, disable, confirm = state.us, self.disableLocal, self._wont
        else:
            side, disable, confirm = state.him, self.disableRemote, self._dont
        side.state = "no"
        disable(option)
        confirm(option)

    def _answered(self, state: _Option, option: bytes, local: bool, on: bool) -> None:
        """The peer's answer to our request: agreed when the option ends as we asked."""
        side = state.us if local else state.him
        asked_on = side.state == "no"
        self._settle(side, "yes" if on else "no", asked_on == on, option)
        if asked_on == on:
            if on:
                (self.enableLocal if local else self.enableRemote)(option)
            else:
                (self.disableLocal if local else self.disableRemote)(option)

    def _unchanged(self, state: _Option, option: bytes) -> None:
        """The option already is as the peer says: nothing to answer."""

    def telnet_WILL(self, option: bytes | None) -> None:
        assert option is not None
        state, key = self._side(option, False)
        self.willMap[key](self, state, option)

    def will_no_false(self, state: _Option, option: bytes) -> None:
        self._offered(state, option, False)

    def will_no_true(self, state: _Option, option: bytes) -> None:
        self._answered(state, option, False, True)

    will_yes_false = _unchanged

    def will_yes_true(self, state: _Option, option: bytes) -> None:
        # We asked DONT and the peer says WILL: RFC 1143 calls it an error; keep waiting for
        # its WONT (Conch raises AssertionError here).
        _log.info("telnet peer answered DONT %r with WILL; ignored", option)

    willMap: dict[tuple[str, bool], _Handler] = {
        ("no", False): will_no_false, ("no", True): will_no_true,
        ("yes", False): will_yes_false, ("yes", True): will_yes_true,
    }

    def telnet_WONT(self, option: bytes | None) -> None:
        assert option is not None
        state, key = self._side(option, False)
        self.wontMap[key](self, state, option)

    wont_no_false = _unchanged

    def wont_no_true(self, state: _Option, option: bytes) -> None:
        self._answered(state, option, False, False)

    def wont_yes_false(self, state: _Option, option: bytes) -> None:
        self._withdrawn(state, option, False)

    wont_yes_true = wont_no_true

    wontMap: dict[tuple[str, bool], _Handler] = {
        ("no", False): wont_no_false, ("no", True): wont_no_true,
        ("yes", False): wont_yes_false, ("yes", True): wont_yes_true,
    }

    def telnet_DO(self, option: bytes | None) -> None:
        assert option is not None
        state, key = self._side(option, True)
        self.doMap[key](self, state, option)

    def do_no_false(self, state: _Option, option: bytes) -> None:
        self._offered(state, option, True)

    def do_no_true(self, state: _Option, option: bytes) -> None:
        self._answered(state, option, True, True)

    do_yes_false = _unchanged

    def do_yes_true(self, state: _Option, option: bytes) -> None:
        # We said WONT and the peer says DO: keep waiting for its DONT (Conch raises
        # AssertionError here).
        _log.info("telnet peer answered WONT %r with DO; ignored", option)

    doMap: dict[tuple[str, bool], _Handler] = {
        ("no", False): do_no_false, ("no", True): do_no_true,
        ("yes", False): do_yes_false, ("yes", True): do_yes_true,
    }

    def telnet_DONT(self, option: bytes | None) -> None:
        assert option is not None
        state, key = self._side(option, True)
        self.dontMap[key](self, state, option)

    dont_no_false = _unchanged

    def dont_no_true(self, state: _Option, option: bytes) -> None:
        self._answered(state, option, True, False)

    def dont_yes_false(self, state: _Option, option: bytes) -> None:
        self._withdrawn(state, option, True)

    dont_yes_true = dont_no_true

    dontMap: dict[tuple[str, bool], _Handler] = {
        ("no", False): dont_no_false, ("no", True): dont_no_true,
        ("yes", False): dont_yes_false, ("yes", True): dont_yes_true,
    }

    def enableLocal(self, option: bytes) -> bool:
        """The peer asks us to enable ``option``: refuse unless overridden."""
        return False

    def enableRemote(self, option: bytes) -> bool:
        """The peer offers ``option``: refuse unless overridden."""
        return False

    def disableLocal(self, option: bytes) -> None:
        """``option`` went off on our side: a subclass whose ``enableLocal`` accepts options
        must override this (``NotImplementedError`` otherwise, as in Twisted)."""
        raise NotImplementedError(f"Don't know how to disable local telnet option {option!r}")

    def disableRemote(self, option: bytes) -> None:
        """``option`` went off on the peer's side: a subclass whose ``enableRemote`` accepts
        options must override this (``NotImplementedError`` otherwise)."""
        raise NotImplementedError(f"Don't know how to disable remote telnet option {option!r}")


def _dropProtocol(owner: Any, reason: Failure | None) -> None:
    """Tell ``owner``'s inner protocol the connection is gone, and forget it."""
    inner, owner.protocol = owner.protocol, None
    if inner is not None:
        inner.connectionLost(reason)


class ProtocolTransportMixin:
    """Transport methods for an object whose own ``transport`` carries the bytes.

    ``write`` turns ``\\n`` into ``\\r\\n``; ``writeSequence`` passes bytes through as they are.
    """

    transport: Any

    def write(self, data: bytes) -> None:
        self.transport.write(data.replace(b"\n", b"\r\n"))

    def writeSequence(self, seq: Iterable[bytes]) -> None:
        self.transport.writeSequence(seq)

    def loseConnection(self) -> None:
        self.transport.loseConnection()

    def getHost(self) -> Any:
        return self.transport.getHost()

    def getPeer(self) -> Any:
        return self.transport.getPeer()


@implementer(ITelnetTransport)
class TelnetTransport(Telnet, ProtocolTransportMixin):
    """A ``Telnet`` that carries an ``ITelnetProtocol`` built by ``protocolFactory``.

    The protocol sees this object as its transport; the option questions, commands and
    subnegotiations without handlers go to it.
    """

    disconnecting = False
    protocolFactory: Callable[..., Any] | None = None
    protocol: Any = None

    def __init__(self, protocolFactory: Callable[..., Any] | None = None, *a: Any,
                 **kw: Any) -> None:
        Telnet.__init__(self)
        # Run once the connection is lost (the realm's logout after a telnet login).
        self._lostCallbacks: list[Callable[[], None]] = []
        if protocolFactory is not None:
            self.protocolFactory = protocolFactory
            self.protocolArgs = a
            self.protocolKwArgs = kw

    def connectionMade(self) -> None:
        if self.protocolFactory is None:
            return
        self.protocol = self.protocolFactory(*self.protocolArgs, **self.protocolKwArgs)
        factory = getattr(self, "factory", None)
        if factory is not None:
            self.protocol.factory = factory
        self.protocol.makeConnection(self)

    def connectionLost(self, reason: Failure | None = None) -> None:
        Telnet.connectionLost(self, reason)
        _dropProtocol(self, reason)
        callbacks, self._lostCallbacks = self._lostCallbacks, []
        for callback in callbacks:
            callback()

    def enableLocal(self, option: bytes) -> bool:
        return bool(self.protocol.enableLocal(option))

    def enableRemote(self, option: bytes) -> bool:
        return bool(self.protocol.enableRemote(option))

    def disableLocal(self, option: bytes) -> None:
        self.protocol.disableLocal(option)

    def disableRemote(self, option: bytes) -> None:
        self.protocol.disableRemote(option)

    def unhandledSubnegotiation(self, command: bytes, data: list[bytes]) -> None:
        self.protocol.unhandledSubnegotiation(command, data)

    def unhandledCommand(self, command: bytes, argument: bytes | None) -> None:
        self.protocol.unhandledCommand(command, argument)

    def applicationDataReceived(self, data: bytes) -> None:
        self.protocol.dataReceived(data)

    def write(self, data: bytes) -> None:
        """Send application bytes: 0xff doubled, ``\\n`` sent as ``\\r\\n``."""
        self.transport.write(data.replace(IAC, IAC + IAC).replace(b"\n", b"\r\n"))


class TelnetBootstrapProtocol(TelnetProtocol, ProtocolTransportMixin):
    """Negotiates a terminal (LINEMODE, NAWS, SGA, ECHO) and carries a terminal protocol.

    The protocol it builds (``protocolFactory(*args, **kw)``) is typically an insults
    ``ServerProtocol``; window sizes from NAWS go to its ``terminalProtocol.terminalSize``.
    """

    transport: TelnetTransport
    protocol: Any = None

    def __init__(self, protocolFactory: Callable[..., Any], *args: Any, **kw: Any) -> None:
        self.protocolFactory = protocolFactory
        self.protocolArgs = args
        self.protocolKwArgs = kw

    def connectionMade(self) -> None:
        self.transport.negotiationMap[NAWS] = self.telnet_NAWS
        self.transport.negotiationMap[LINEMODE] = self.telnet_LINEMODE
        for option in (LINEMODE, NAWS, SGA):
            self.transport.do(option).addErrback(self._refused, option)
        for option in (ECHO,):
            cast(ITelnetTransport, self.transport).will(option).addErrback(self._refused, option)
        self.protocol = self.protocolFactory(*self.protocolArgs, **self.protocolKwArgs)
        if hasattr(self, "factory"):
            self.protocol.factory = self.factory
        self.protocol.makeConnection(self)

    def _refused(self, reason: Failure, option: bytes) -> None:
        _log.debug("telnet option %r not negotiated: %s", option, reason.value)

    def connectionLost(self, reason: Failure | None = None) -> None:
        _dropProtocol(self, reason)

    def dataReceived(self, data: bytes) -> None:
        self.protocol.dataReceived(data)

    def enableLocal(self, opt: bytes) -> bool:
        return opt in (ECHO, SGA)

    def enableRemote(self, opt: bytes) -> bool:
        if opt == LINEMODE:
            self.transport.requestNegotiation(LINEMODE, MODE + bytes([TRAPSIG]))
            return True
        return opt in (NAWS, SGA)

    def telnet_NAWS(self, data: list[bytes]) -> None:
        """A window size: two 16-bit numbers, width then height."""
        if len(data) != 4:
            _log.info("NAWS subnegotiation of %d bytes ignored", len(data))
            return
        width, height = struct.unpack("!HH", b"".join(data))
        self.protocol.terminalProtocol.terminalSize(width, height)

    linemodeSubcommands = {LINEMODE_SLC: "SLC"}

    def telnet_LINEMODE(self, data: list[bytes]) -> None:
        """A LINEMODE subnegotiation: SLC goes to ``linemode_SLC``, the rest is ignored."""
        if not data:
            return
        name = self.linemodeSubcommands.get(data[0])
        if name is not None:
            getattr(self, "linemode_" + name)(data[1:])

    def linemode_SLC(self, data: list[bytes]) -> None:
        """Special line characters: accepted as the client has them (no answer)."""
        for i in range(0, len(data) - 2, 3):
            _log.debug("SLC %r level %r value %r", data[i], data[i + 1], data[i + 2])


class StatefulTelnetProtocol(basic.LineReceiver, TelnetProtocol):
    """A line protocol whose state names the method for the next line: ``telnet_<state>``.

    The method returns the next state, or None to stay.
    """

    delimiter = b"\n"
    state = "Discard"

    def lineReceived(self, line: bytes) -> None:
        before = self.state
        after = getattr(self, f"telnet_{before}")(line)
        # A handler that switched the state itself keeps its own choice.
        if after is not None and self.state == before:
            self.state = after

    def telnet_Discard(self, line: bytes) -> None:
        """Drop the line."""


class AuthenticatingTelnetProtocol(StatefulTelnetProtocol):
    """Asks for a username and password (echo off while typing it) and logs in through a
    portal; the avatar (an ``ITelnetProtocol``) then takes over the transport.

    twistio calls the realm's logout when that connection is lost (Conch never does).
    """

    state = "User"
    protocol: Any = None

    def __init__(self, portal: Any) -> None:
        self.portal = portal
        self.logout: Callable[[], None] | None = None

    def connectionMade(self) -> None:
        self.transport.write(b"Username: ")

    def connectionLost(self, reason: Failure | None = None) -> None:
        StatefulTelnetProtocol.connectionLost(self, reason)  # type: ignore[arg-type]
        if self.protocol is not None:
            _dropProtocol(self, reason)
            self._logout()

    def _logout(self) -> None:
        logout, self.logout = self.logout, None
        if logout is not None:
            logout()

    def telnet_User(self, line: bytes) -> str:
        self.username = line
        cast(ITelnetTransport, self.transport).will(ECHO)
        self.transport.write(b"Password: ")
        return "Password"

    def telnet_Password(self, line: bytes) -> str:
        creds = credentials.UsernamePassword(self.username, line)
        del self.username
        # Log in once the peer has echo back on its side; a failed echo negotiation is not
        # a failed login.
        cast(ITelnetTransport, self.transport).wont(ECHO).addCallback(self._login, creds)
        return "Discard"

    def _login(self, _echoOff: object, creds: credentials.UsernamePassword) -> None:
        attempt = self.portal.login(creds, None, ITelnetProtocol)
        attempt.addCallback(self._cbLogin).addErrback(self._ebLogin)

    def _cbLogin(self, ial: tuple[Any, Any, Callable[[], None]]) -> None:
        _interface, protocol, logout = ial
        self.protocol = protocol
        self.logout = logout
        self.state = "Command"
        transport = cast(TelnetTransport, self.transport)
        protocol.makeConnection(transport)
        transport.protocol = protocol
        lost = getattr(transport, "_lostCallbacks", None)
        if lost is not None:
            lost.append(self._logout)

    def _ebLogin(self, failure: Failure) -> None:
        self.transport.write(b"\nAuthentication failed\n")
        self.transport.write(b"Username: ")
        self.state = "User"
