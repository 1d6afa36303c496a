"""Porting alias: Twisted's ``twisted.test.proto_helpers``; the fakes live in
``twistio.internet.testing``."""

from __future__ import annotations

from twistio.internet import testing
from twistio.internet.testing import (
    AccumulatingProtocol,
    EventLoggingObserver,
    FakeDatagramTransport,
    LineSendingProtocol,
    MemoryReactor,
    MemoryReactorClock,
    NonStreamingProducer,
    RaisingMemoryReactor,
    StringIOWithoutClosing,
    StringTransport,
    StringTransportWithDisconnection,
    _FakeConnector,
    _FakePort,
    waitUntilAllDisconnected,
)

__all__ = [
    "AccumulatingProtocol",
    "EventLoggingObserver",
    "FakeDatagramTransport",
    "LineSendingProtocol",
    "MemoryReactor",
    "MemoryReactorClock",
    "NonStreamingProducer",
    "RaisingMemoryReactor",
    "StringIOWithoutClosing",
    "StringTransport",
    "StringTransportWithDisconnection",
    "_FakeConnector",
    "_FakePort",
    "testing",
    "waitUntilAllDisconnected",
]

# Reading any of these from here warns (as it has in Twisted since 19.7.0): they moved to
# twistio.internet.testing, where importing them is quiet.
from twistio.python.deprecate import deprecatedModuleAttribute as _deprecate
from twistio.python.versions import Version as _Version

for _name in __all__:
    if _name != "testing":
        _deprecate(
            _Version("Twisted", 19, 7, 0),
            f"Please use twisted.internet.testing.{_name} instead.",
            __name__,
            _name,
        )
del _name
