"""Importing this module installs the default reactor and gives the reactor object.

As in Twisted, ``from twistio.internet import reactor`` gives the reactor itself: this module
replaces itself in ``sys.modules`` (and as ``twistio.internet.reactor``) with the installed
reactor, installing the default one first if none was installed with ``install()``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

del sys.modules["twistio.internet.reactor"]

from twistio.internet import default  # noqa: E402

default.install()

if TYPE_CHECKING:
    # For type checkers, this module *is* the reactor: its names are the reactor's.
    from twistio.internet._reactor import AsyncioReactor

    _reactor = AsyncioReactor()
    run = _reactor.run
    stop = _reactor.stop
    crash = _reactor.crash
    running = _reactor.running
    callLater = _reactor.callLater
    callWhenRunning = _reactor.callWhenRunning
    callFromThread = _reactor.callFromThread
    callInThread = _reactor.callInThread
    callMultipleInThread = _reactor.callMultipleInThread
    getThreadPool = _reactor.getThreadPool
    suggestThreadPoolSize = _reactor.suggestThreadPoolSize
    seconds = _reactor.seconds
    getDelayedCalls = _reactor.getDelayedCalls
    addSystemEventTrigger = _reactor.addSystemEventTrigger
    removeSystemEventTrigger = _reactor.removeSystemEventTrigger
    fireSystemEvent = _reactor.fireSystemEvent
    resolve = _reactor.resolve
    installResolver = _reactor.installResolver
    listenTCP = _reactor.listenTCP
    connectTCP = _reactor.connectTCP
    iterate = _reactor.iterate
    loop = _reactor.loop
    startRunning = _reactor.startRunning
    mainLoop = _reactor.mainLoop
    doIteration = _reactor.doIteration
    runUntilCurrent = _reactor.runUntilCurrent
    timeout = _reactor.timeout
    wakeUp = _reactor.wakeUp
    threadpool = _reactor.threadpool
    nameResolver = _reactor.nameResolver
    installNameResolver = _reactor.installNameResolver
    resolver = _reactor.resolver
    addReader = _reactor.addReader
    addWriter = _reactor.addWriter
    removeReader = _reactor.removeReader
    removeWriter = _reactor.removeWriter
    removeAll = _reactor.removeAll
    getReaders = _reactor.getReaders
    getWriters = _reactor.getWriters
    disconnectAll = _reactor.disconnectAll
    adoptStreamPort = _reactor.adoptStreamPort
    adoptStreamConnection = _reactor.adoptStreamConnection
    adoptDatagramPort = _reactor.adoptDatagramPort
    listenUDP = _reactor.listenUDP
    listenMulticast = _reactor.listenMulticast
    listenUNIX = _reactor.listenUNIX
    connectUNIX = _reactor.connectUNIX
    listenUNIXDatagram = _reactor.listenUNIXDatagram
    connectUNIXDatagram = _reactor.connectUNIXDatagram
    listenSSL = _reactor.listenSSL
    connectSSL = _reactor.connectSSL
    spawnProcess = _reactor.spawnProcess
