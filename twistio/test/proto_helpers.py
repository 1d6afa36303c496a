"""Porting alias: Twisted's ``twisted.test.proto_helpers``; the fakes live in
``twistio.internet.testing``."""

from __future__ import annotations

from twistio.internet.testing import (
    AccumulatingProtocol,
    MemoryReactor,
    MemoryReactorClock,
    NonStreamingProducer,
    RaisingMemoryReactor,
    StringIOWithoutClosing,
    StringTransport,
    StringTransportWithDisconnection,
    waitUntilAllDisconnected,
)

__all__ = [
    "AccumulatingProtocol",
    "MemoryReactor",
    "MemoryReactorClock",
    "NonStreamingProducer",
    "RaisingMemoryReactor",
    "StringIOWithoutClosing",
    "StringTransport",
    "StringTransportWithDisconnection",
    "waitUntilAllDisconnected",
]
