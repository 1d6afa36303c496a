"""Postfix's TCP lookup table protocol (``tcp_table(5)``): a map server Postfix queries with
``postmap -q KEY tcp:host:port`` or a ``tcp:`` lookup table.

A request is a line ``get KEY``; the answer is ``200 VALUE`` (the value %-encoded), ``500 ``
when there is no entry, or ``400 REASON`` when the lookup failed. ``PostfixTCPMapServer`` asks
its factory's ``get(key)``, which may return the value, None, or a Deferred of either.
``PostfixTCPMapDictServerFactory`` is a dict; ``PostfixTCPMapDeferringDictServerFactory``
answers through Deferreds. Idle connections close after ``timeout`` seconds (600).
"""

from __future__ import annotations

from collections import UserDict
from typing import Any
from urllib.parse import quote as _urlquote
from urllib.parse import unquote_to_bytes

from twistio.internet import defer, protocol
from twistio.protocols import basic, policies
from twistio.python.failure import Failure

__all__ = [
    "PostfixTCPMapDeferringDictServerFactory",
    "PostfixTCPMapDictServerFactory",
    "PostfixTCPMapServer",
    "quote",
    "unquote",
]


def quote(s: bytes | str) -> bytes:
    """``s`` %-encoded as the protocol carries keys and values (letters, digits, ``_.-~/``
    stay as they are)."""
    return _urlquote(s).encode("ascii")


def unquote(s: bytes | str) -> bytes:
    """The bytes that ``s`` %-encodes (a malformed escape stays as it is)."""
    return unquote_to_bytes(s)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


class PostfixTCPMapServer(basic.LineReceiver, policies.TimeoutMixin):
    """Answers ``get KEY`` lines from the factory's ``get``; ``put`` is refused."""

    factory: PostfixTCPMapDictServerFactory | PostfixTCPMapDeferringDictServerFactory
    timeout = 600
    delimiter = b"\n"

    def connectionMade(self) -> None:
        self.setTimeout(self.timeout)

    def sendCode(self, code: int, message: bytes = b"") -> None:
        """Write one answer line: the code, a space, ``message``."""
        self.transport.write(b"%d " % code + message + self.delimiter)

    def lineReceived(self, line: bytes) -> None:
        self.resetTimeout()
        words = line.split(None, 1)
        # "COMMAND PARAMETERS"; a line without parameters is the command whole (so "get "
        # names no command, while "get" is a get without its key).
        command, parameters = (words[0], words[1:]) if len(words) == 2 else (line, [])
        name = command.decode("latin-1")
        handler = getattr(self, "do_" + name, None)
        if handler is None:
            self.sendCode(400, b"unknown command")
        elif not parameters and handler.__code__.co_argcount > 1:
            self._wrongParameters(name)
        else:
            handler(*parameters)

    #: How many parameters each command has, as the error for a bare command says (``put``
    #: takes a key and a value, given to ``do_put`` as one string).
    _parameters = {"get": 1, "put": 2}

    def _wrongParameters(self, name: str) -> None:
        self.sendCode(
            400,
            b"Command '%s' takes %d parameters."
            % (name.encode("ascii", "replace"), self._parameters.get(name, 1)),
        )

    def do_get(self, key: bytes) -> None:
        """Look ``key`` up and answer 200, 500 (no entry) or 400 (the lookup failed)."""
        d = defer.maybeDeferred(self.factory.get, key)
        d.addCallbacks(self._cbGot, self._cbNot)
        d.addErrback(lambda f: None)

    def _cbNot(self, fail: Failure) -> None:
        self.sendCode(400, _as_bytes(fail.getErrorMessage()))

    def _cbGot(self, value: Any) -> None:
        if value is None:
            self.sendCode(500)
        else:
            self.sendCode(200, quote(value))

    def do_put(self, keyAndValue: bytes) -> None:
        """Updates are not supported (a key and a value are still required)."""
        if len(keyAndValue.split(None, 1)) != 2:
            self._wrongParameters("put")
        else:
            self.sendCode(500, b"put is not implemented yet.")


class PostfixTCPMapDictServerFactory(UserDict, protocol.ServerFactory):  # type: ignore[type-arg]
    """A map server over the entries of this dict."""

    protocol = PostfixTCPMapServer


class PostfixTCPMapDeferringDictServerFactory(protocol.ServerFactory):
    """A map server over ``data`` (a dict) whose ``get`` answers through a Deferred."""

    protocol = PostfixTCPMapServer

    def __init__(self, data: dict[bytes, Any] | None = None) -> None:
        self.data: dict[bytes, Any] = {} if data is None else data

    def get(self, key: bytes) -> defer.Deferred[Any]:
        """A Deferred of ``data[key]``, or of None without such an entry."""
        return defer.succeed(self.data.get(key))
