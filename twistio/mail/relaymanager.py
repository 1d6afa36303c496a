"""Relaying out of a queue: ``Queue`` (a directory of queued messages),
``SmartHostSMTPRelayingManager`` (sends waiting messages to the mail exchange of their
recipient's domain, a few connections at a time), its managed relayers and factories,
and ``MXCalculator`` (finds a domain's mail exchange, avoiding hosts recently found bad).
"""

from __future__ import annotations

import email.utils
import itertools
import os
import pickle
import time
from typing import IO, Any

from twistio.application import internet
from twistio.internet import defer
from twistio.internet.protocol import ClientFactory
from twistio.mail import relay, smtp
from twistio.python import failure, log

__all__ = ["CanonicalNameChainTooLong", "CanonicalNameLoop", "ESMTPManagedRelayer",
           "ESMTPManagedRelayerFactory", "MXCalculator", "ManagedRelayerMixin", "Queue",
           "RelayStateHelper", "SMTPManagedRelayer", "SMTPManagedRelayerFactory",
           "SmartHostESMTPRelayingManager", "SmartHostSMTPRelayingManager"]


def _globalReactor() -> Any:
    from twistio.internet import reactor

    return reactor


class ManagedRelayerMixin:
    """A relayer that reports each message's outcome to its ``manager`` (``notifySuccess``
    or ``notifyFailure``) and the end of its connection (``notifyDone``)."""

    messages: list[Any]
    names: list[Any]

    def __init__(self, manager: Any) -> None:
        self.manager = manager

    @property
    def factory(self) -> Any:
        """The factory that made this relayer (the manager's key for it)."""
        return self._factory

    @factory.setter
    def factory(self, value: Any) -> None:
        self._factory = value

    def sentMail(self, code: int, resp: Any, numOk: Any, addresses: Any, log: Any) -> None:
        """Tell the manager how the current message went; move on to the next."""
        self.messages.pop(0)
        message = self.names.pop(0)
        report = self.manager.notifySuccess if code in smtp.SUCCESS else self.manager.notifyFailure
        report(self.factory, message)

    def connectionLost(self, reason: Any = None) -> None:
        """Tell the manager this relayer is done."""
        self.manager.notifyDone(self.factory)


class SMTPManagedRelayer(ManagedRelayerMixin, relay.SMTPRelayer):
    """A managed relayer over SMTP."""

    def __init__(self, messages: Any, manager: Any, *args: Any, **kw: Any) -> None:
        ManagedRelayerMixin.__init__(self, manager)
        relay.SMTPRelayer.__init__(self, messages, *args, **kw)

    def connectionLost(self, reason: Any = None) -> None:
        relay.SMTPRelayer.connectionLost(self, reason)
        ManagedRelayerMixin.connectionLost(self, reason)


class ESMTPManagedRelayer(ManagedRelayerMixin, relay.ESMTPRelayer):
    """A managed relayer over ESMTP."""

    def __init__(self, messages: Any, manager: Any, *args: Any, **kw: Any) -> None:
        ManagedRelayerMixin.__init__(self, manager)
        relay.ESMTPRelayer.__init__(self, messages, *args, **kw)

    def connectionLost(self, reason: Any = None) -> None:
        relay.ESMTPRelayer.connectionLost(self, reason)
        ManagedRelayerMixin.connectionLost(self, reason)


class SMTPManagedRelayerFactory(ClientFactory):
    """Makes an ``SMTPManagedRelayer`` for ``messages``; a failed connection is reported to
    the manager (``notifyNoConnection``)."""

    protocol: Any = SMTPManagedRelayer

    def __init__(self, messages: Any, manager: Any, *args: Any, **kw: Any) -> None:
        self.messages = messages
        self.manager = manager
        self.pArgs = args
        self.pKwArgs = kw

    def buildProtocol(self, addr: Any) -> Any:
        relayer = self.protocol(self.messages, self.manager, *self.pArgs, **self.pKwArgs)
        relayer.factory = self
        return relayer

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        """Let the manager retry later."""
        self.manager.notifyNoConnection(self)


class ESMTPManagedRelayerFactory(SMTPManagedRelayerFactory):
    """Makes an ``ESMTPManagedRelayer`` (with an AUTH ``secret`` and a TLS ``contextFactory``)."""

    protocol: Any = ESMTPManagedRelayer

    def __init__(self, messages: Any, manager: Any, secret: Any, contextFactory: Any, *args: Any, **kw: Any) -> None:
        self.secret = secret
        self.contextFactory = contextFactory
        SMTPManagedRelayerFactory.__init__(self, messages, manager, *args, **kw)

    def buildProtocol(self, addr: Any) -> Any:
        relayer = self.protocol(self.messages, self.manager, self.secret, self.contextFactory,
                                *self.pArgs, **self.pKwArgs)
        relayer.factory = self
        return relayer


_sequence = itertools.count()


class Queue:
    """A directory of messages to relay; each is waiting or being relayed (that state is
    kept in memory and rebuilt from the directory: every message starts out waiting)."""

    noisy = True

    def __init__(self, directory: Any) -> None:
        self.directory = directory
        self._init()

    def _init(self) -> None:
        self.waiting: dict[Any, int] = {}
        self.relayed: dict[Any, int] = {}
        self.readDirectory()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("waiting", None)
        state.pop("relayed", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init()

    def readDirectory(self) -> None:
        """Add every complete message of the directory not known yet (as waiting)."""
        for name in os.listdir(self.directory):
            if name.endswith("-D"):
                self.addMessage(name[:-2])

    def getWaiting(self) -> list[Any]:
        """Base names of the waiting messages."""
        return list(self.waiting)

    def hasWaiting(self) -> bool:
        """Whether a message waits."""
        return bool(self.waiting)

    def getRelayed(self) -> list[Any]:
        """Base names of the messages being relayed."""
        return list(self.relayed)

    def setRelaying(self, message: Any) -> None:
        """Waiting -> being relayed."""
        del self.waiting[message]
        self.relayed[message] = 1

    def setWaiting(self, message: Any) -> None:
        """Being relayed -> waiting."""
        del self.relayed[message]
        self.waiting[message] = 1

    def addMessage(self, message: Any) -> None:
        """Mark ``message`` waiting, unless it is being relayed."""
        if message not in self.relayed and message not in self.waiting:
            self.waiting[message] = 1
            if self.noisy:
                log.msg(f"Set {message} waiting")

    def done(self, message: Any) -> None:
        """Remove a relayed message (base name or full path) from the queue and the disk."""
        message = os.path.basename(message)
        base = self.getPath(message)
        os.remove(base + "-D")
        os.remove(base + "-H")
        self.relayed.pop(message, None)
        self.waiting.pop(message, None)

    def getPath(self, message: Any) -> Any:
        """The full base path of ``message``."""
        return os.path.join(self.directory, message)

    def getEnvelope(self, message: Any) -> Any:
        """The envelope ``[from, to]`` of ``message``."""
        with self.getEnvelopeFile(message) as f:
            return pickle.load(f)

    def getEnvelopeFile(self, message: Any) -> IO[bytes]:
        """The envelope file of ``message``, open for reading."""
        return open(os.path.join(self.directory, message + "-H"), "rb")

    def createNewMessage(self) -> tuple[IO[bytes], Any]:
        """Start a new message: ``(envelope file, message receiver)``. The message appears
        in the queue (as ``-D``) once the receiver's ``eomReceived`` renames it."""
        from twistio.mail.mail import FileMessage

        base = os.path.join(self.directory, f"{time.time():.6f}_{os.getpid()}_{id(self)}_{next(_sequence)}")
        envelope = open(base + "-H", "wb")  # noqa: SIM115 - the caller writes and closes it
        data = open(base + "-C", "wb")  # noqa: SIM115 - closed by the FileMessage
        return envelope, FileMessage(data, base + "-C", base + "-D")


class _AttemptManager:
    """Follows one relayer's attempt to deliver its messages on behalf of ``manager`` (a
    smart host): removes delivered messages, bounces refused ones, puts the rest back to
    wait, and fires ``getCompletionDeferred`` Deferreds when the attempt ends."""

    def __init__(self, manager: Any, noisy: bool = True, reactor: Any = None) -> None:
        self.manager = manager
        self.noisy = noisy
        self.reactor = reactor if reactor is not None else _globalReactor()
        self._completionDeferreds: list[defer.Deferred[None]] | None = []

    def getCompletionDeferred(self) -> defer.Deferred[None]:
        """A Deferred that fires (None) when the attempt is over."""
        d: defer.Deferred[None] = defer.Deferred()
        if self._completionDeferreds is None:
            d.callback(None)
        else:
            self._completionDeferreds.append(d)
        return d

    def _complete(self) -> None:
        waiting, self._completionDeferreds = self._completionDeferreds, None
        for d in waiting or ():
            d.callback(None)

    def _finish(self, relay: Any, message: Any) -> None:
        self.manager.managed[relay].remove(os.path.basename(message))
        self.manager.queue.done(message)

    def notifySuccess(self, relay: Any, message: Any) -> None:
        """``message`` was delivered: drop it from the queue."""
        if self.noisy:
            log.msg(f"Relayed {message}: removing it from the queue")
        self._finish(relay, message)

    def notifyFailure(self, relay: Any, message: Any) -> None:
        """``message`` was refused: queue a bounce to its sender, drop it."""
        from twistio.mail import bounce

        if self.noisy:
            log.msg(f"Could not relay {message}: bouncing it")
        queue = self.manager.queue
        base = os.path.basename(message)
        with queue.getEnvelopeFile(base) as envelope:
            sender, recipient = pickle.load(envelope)
        with open(queue.getPath(base) + "-D", "rb") as original:
            bounceFrom, bounceTo, contents = bounce.generateBounce(original, sender, recipient)
        envelopeFile, receiver = queue.createNewMessage()
        with envelopeFile:
            pickle.dump([bounceFrom, bounceTo], envelopeFile)
        for line in contents.splitlines():
            receiver.lineReceived(line)
        receiver.eomReceived()
        self._finish(relay, queue.getPath(base))

    def notifyDone(self, relay: Any) -> None:
        """The relayer's connection ended: what it did not deliver waits again."""
        for message in self.manager.managed.get(relay, ()):
            if self.noisy:
                log.msg(f"Setting {message} waiting")
            self.manager.queue.setWaiting(message)
        self.manager.managed.pop(relay, None)
        self._complete()

    def notifyNoConnection(self, relay: Any) -> None:
        """No connection to the exchange: its messages wait again after a pause."""
        try:
            messages = self.manager.managed.pop(relay)
        except KeyError:
            if self.noisy:
                log.msg(f"notifyNoConnection for an unknown relayer {relay!r}")
            return
        if self.noisy:
            log.msg(f"Backing off on delivery of {messages}")

        def setWaiting() -> None:
            for message in messages:
                self.manager.queue.setWaiting(message)

        self.reactor.callLater(30, setWaiting)
        self._complete()


class SmartHostSMTPRelayingManager:
    """Relays the waiting messages of ``queue``: at most ``maxConnections`` relayers at
    once, each to the mail exchange of one domain with at most
    ``maxMessagesPerConnection`` messages. ``checkState`` starts what it can."""

    factory: Any = SMTPManagedRelayerFactory
    PORT = 25
    mxcalc: Any = None

    def __init__(self, queue: Any, maxConnections: int = 2, maxMessagesPerConnection: int = 10) -> None:
        self.maxConnections = maxConnections
        self.maxMessagesPerConnection = maxMessagesPerConnection
        self.managed: dict[Any, list[Any]] = {}
        self.queue = queue
        self.fArgs: tuple[Any, ...] = ()
        self.fKwArgs: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("managed", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.managed = {}

    def checkState(self) -> defer.Deferred[Any] | None:
        """Rescan the queue and start relayers for waiting messages while connections are
        free: a Deferred that fires when they are done (None when nothing was started)."""
        self.queue.readDirectory()
        if len(self.managed) >= self.maxConnections:
            return None
        if not self.queue.hasWaiting():
            return None
        return self._checkStateMX()

    def _checkStateMX(self) -> defer.Deferred[Any]:
        byDomain: dict[str, list[Any]] = {}
        room = self.maxConnections - len(self.managed)
        for message in sorted(self.queue.getWaiting()):
            _sender, recipient = self.queue.getEnvelope(message)
            address = email.utils.parseaddr(recipient if isinstance(recipient, str) else recipient.decode())[1]
            _local, at, domain = address.partition("@")
            if not at or not domain:
                log.err(f"Message {message} has an illegal destination {recipient!r}")
                continue
            if domain not in byDomain:
                if len(byDomain) >= room:
                    continue
                byDomain[domain] = []
            if len(byDomain[domain]) >= self.maxMessagesPerConnection:
                continue
            self.queue.setRelaying(message)
            byDomain[domain].append(self.queue.getPath(message))
        if self.mxcalc is None:
            self.mxcalc = MXCalculator()
        attempts = []
        for domain, paths in byDomain.items():
            attempt = _AttemptManager(self, self.queue.noisy)
            factory = self.factory(paths, attempt, *self.fArgs, **self.fKwArgs)
            self.managed[factory] = [os.path.basename(p) for p in paths]
            finished = attempt.getCompletionDeferred()
            lookup = self.mxcalc.getMX(domain)
            lookup.addCallback(lambda mx: str(mx.name))
            lookup.addCallback(self._cbExchange, self.PORT, factory)
            lookup.addErrback(self._failAttempt, finished)
            lookup.addErrback(self._ebExchange, factory, domain)
            attempts.append(finished)
        return defer.DeferredList(attempts)

    @staticmethod
    def _failAttempt(reason: failure.Failure, finished: defer.Deferred[Any]) -> failure.Failure:
        if not finished.called:
            finished.errback(reason)
        return reason

    def _cbExchange(self, address: str, port: int, factory: Any) -> None:
        """Connect ``factory`` to the exchange at ``address``."""
        _globalReactor().connectTCP(address, port, factory)

    def _ebExchange(self, reason: failure.Failure, factory: Any, domain: str) -> None:
        """No exchange for ``domain``: its messages wait again after a pause."""
        log.err(reason, f"Could not find a mail exchange for {domain}")
        messages = self.managed.pop(factory, [])

        def setWaiting() -> None:
            for message in messages:
                self.queue.setWaiting(message)

        _globalReactor().callLater(30, setWaiting)


class SmartHostESMTPRelayingManager(SmartHostSMTPRelayingManager):
    """A smart host relaying over ESMTP (``fArgs`` then start with the secret and context
    factory)."""

    factory: Any = ESMTPManagedRelayerFactory


def _checkState(manager: Any) -> None:
    manager.checkState()


def RelayStateHelper(manager: Any, delay: float) -> internet.TimerService:
    """A service calling ``manager.checkState()`` every ``delay`` seconds."""
    return internet.TimerService(delay, _checkState, manager)


class CanonicalNameLoop(Exception):
    """Following the CNAME records of a mail exchange lookup went round in a loop."""


class CanonicalNameChainTooLong(Exception):
    """A mail exchange lookup met more CNAME records in a row than allowed."""


class MXCalculator:
    """Finds the mail exchange of a domain through ``resolver`` (the MX of lowest
    preference not marked bad in the last ``timeOutBadMX`` seconds). Without MX records
    the domain's own address is used when ``fallbackToDomain``."""

    timeOutBadMX = 60 * 60
    fallbackToDomain = True

    def __init__(self, resolver: Any = None, clock: Any = None) -> None:
        self.badMXs: dict[str, float] = {}
        if resolver is None:
            from twistio.names.client import createResolver

            resolver = createResolver()
        self.resolver = resolver
        self.clock = clock if clock is not None else _globalReactor()

    def markBad(self, mx: Any) -> None:
        """``mx`` does not work (for ``timeOutBadMX`` seconds)."""
        self.badMXs[str(mx)] = self.clock.seconds() + self.timeOutBadMX

    def markGood(self, mx: Any) -> None:
        """``mx`` works again."""
        self.badMXs.pop(str(mx), None)

    def getMX(self, domain: Any, maximumCanonicalChainLength: int = 3) -> defer.Deferred[Any]:
        """A Deferred firing with the ``Record_MX`` to use for ``domain``: CNAMEs are followed
        at most ``maximumCanonicalChainLength`` times (``CanonicalNameChainTooLong``,
        ``CanonicalNameLoop``)."""
        name = domain.decode("ascii") if isinstance(domain, bytes) else str(domain)
        d = defer.maybeDeferred(self.resolver.lookupMailExchange, name)
        d.addCallback(self._filterRecords)
        d.addCallback(self._cbMX, name, maximumCanonicalChainLength)
        d.addErrback(self._ebMX, name)
        return d

    def _filterRecords(self, records: Any) -> dict[str, list[Any]]:
        """The payloads of the answer records, by owner name."""
        byName: dict[str, list[Any]] = {}
        for rr in records[0]:
            byName.setdefault(str(rr.name), []).append(rr.payload)
        return byName

    def _cbMX(self, answers: dict[str, list[Any]], domain: str, cnamesLeft: int) -> Any:
        from twistio.names import dns, error

        seen = {domain}
        current = domain
        exchanges: list[tuple[int, int, Any]] = []
        pending = list(answers.get(domain, []))
        while pending:
            record = pending.pop(0)
            if record.TYPE == dns.CNAME:
                target = str(record.name)
                if target in answers:
                    if target in seen:
                        return failure.Failure(CanonicalNameLoop(record))
                    seen.add(target)
                    current = target
                    pending = list(answers[target])
                    exchanges = []
                    continue
                if cnamesLeft:
                    return self.getMX(target, cnamesLeft - 1)
                return failure.Failure(CanonicalNameChainTooLong(record))
            if record.TYPE == dns.MX:
                exchanges.append((record.preference, len(exchanges), record))
        if not exchanges:
            return failure.Failure(error.DNSNameError(f"No MX records for {current!r}"))
        exchanges.sort(key=lambda e: (e[0], e[1]))
        now = self.clock.seconds()
        for _, _, record in exchanges:
            host = str(record.name)
            until = self.badMXs.get(host)
            if until is None:
                return record
            if now >= until:
                del self.badMXs[host]
                return record
        return exchanges[0][2]

    def _ebMX(self, reason: failure.Failure, domain: str) -> Any:
        from twistio.internet.error import DNSLookupError
        from twistio.names import dns, error

        reason.trap(error.DNSNameError)
        if not self.fallbackToDomain:
            raise OSError(f"No MX found for {domain!r}")
        d = defer.maybeDeferred(self.resolver.getHostByName, domain)

        def noAddress(why: failure.Failure) -> None:
            why.trap(error.DNSNameError, DNSLookupError)
            raise DNSLookupError(f"Cannot find MX or A records for {domain!r}")

        d.addCallbacks(lambda address: dns.Record_MX(name=address), noAddress)
        return d


