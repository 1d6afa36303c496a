"""TLS as a protocol layer over any transport: ``TLSMemoryBIOProtocol`` and its factory.

The layer sits between a transport (TCP, UNIX, stdio, another TLS layer...) and the protocol
it wraps, which sees it as its transport: bytes from below are decrypted for the wrapped
protocol, its writes are encrypted on the way down. Built on the standard library's
``ssl.MemoryBIO`` and ``ssl.SSLObject``, not pyOpenSSL.

Order of calls, as in Twisted: the wrapped protocol's ``connectionMade`` comes at once (before
the handshake; what it writes waits for the handshake), then ``handshakeCompleted`` if it
provides ``IHandshakeListener``, then ``dataReceived``*, then ``connectionLost`` once.
``connectionLost`` gets ``ConnectionDone`` (or the transport's own reason) after a clean TLS
close; the ``ssl.SSLError`` when the handshake failed; ``ConnectionLost`` when the connection
ended without a close_notify or failed after the handshake.

Where twistio differs from Twisted (pyOpenSSL underneath there):

- the errors are the standard library's: ``ssl.SSLError`` and its subclasses
  (``ssl.SSLCertVerificationError`` for a certificate that fails verification, including a
  name mismatch, where Twisted gives ``OpenSSL.SSL.Error`` or service_identity's
  ``VerificationError``); this module's ``Error``, ``WantReadError``, ``ZeroReturnError`` and
  ``SysCallError`` name them;
- ``getHandle()`` is the ``ssl.SSLObject``; ``getPeerCertificate()`` a
  ``twistio.internet.ssl.Certificate``;
- half-close, which Twisted's TLS lacks: ``loseWriteConnection()`` sends close_notify and
  keeps reading, and a wrapped ``IHalfCloseableProtocol`` gets ``readConnectionLost`` when
  the peer's close_notify arrives (other protocols are disconnected then, as in Twisted);
- ``TLSMemoryBIOFactory`` takes a twistio-only ``handshakeTimeout`` (seconds; None, the
  default, waits for ever as Twisted does).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterable, Iterator
from typing import Any
from typing import cast as _cast

from twistio.internet import error
from twistio.internet._sslverify import read_records
from twistio.internet.interfaces import IDelayedCall as IDelayedCall
from twistio.internet.interfaces import IHalfCloseableProtocol as IHalfCloseableProtocol
from twistio.internet.interfaces import IHandshakeListener as IHandshakeListener
from twistio.internet.interfaces import ILoggingContext as ILoggingContext
from twistio.internet.interfaces import INegotiated as INegotiated
from twistio.internet.interfaces import IProtocol as IProtocol
from twistio.internet.interfaces import IProtocolFactory as IProtocolFactory
from twistio.internet.interfaces import IPushProducer as IPushProducer
from twistio.internet.interfaces import IReactorTime as IReactorTime
from twistio.internet.interfaces import ISSLTransport as ISSLTransport
from twistio.internet.interfaces import ISystemHandle as ISystemHandle
from twistio.internet.interfaces import ITransport as ITransport
from twistio.internet.interfaces import implementer
from twistio.internet.protocol import Protocol as Protocol
from twistio.internet.protocol import connectionDone
from twistio.protocols.policies import ProtocolWrapper, WrappingFactory
from twistio.python.failure import Failure

__all__ = [
    "BufferingTLSTransport",
    "Error",
    "SysCallError",
    "TLSMemoryBIOFactory",
    "TLSMemoryBIOProtocol",
    "WantReadError",
    "ZeroReturnError",
]

_log = logging.getLogger("twistio")

#: The standard library's exceptions standing where Twisted names pyOpenSSL's.
Error = ssl.SSLError
WantReadError = ssl.SSLWantReadError
ZeroReturnError = ssl.SSLZeroReturnError
SysCallError = ssl.SSLSyscallError

#: What ``TLSMemoryBIOFactory`` takes as its context factory: twistio's options, an
#: ``ssl.SSLContext``, or anything with ``getContext()`` returning one.
SomeConnectionCreator = Any

#: What ``connectionLost`` gets when the connection ended without a TLS close.
CONNECTION_LOST = error.ConnectionLost()

def _the_reactor() -> Any:
    from twistio.internet import reactor

    return reactor


@implementer(IPushProducer)
class _ProducerMembrane:
    """Stands for the wrapped protocol's producer before the transport below.

    Pauses and resumes from below reach the producer; ``stopProducing`` does too, once.
    """

    def __init__(self, producer: Any) -> None:
        self._producer = producer
        self._paused = False

    def pauseProducing(self) -> None:
        """Pause the producer (once, however often asked)."""
        if self._paused:
            return
        self._paused = True
        self._producer.pauseProducing()

    def resumeProducing(self) -> None:
        """Resume the producer if it was paused."""
        if not self._paused:
            return
        self._paused = False
        self._producer.resumeProducing()

    def stopProducing(self) -> None:
        """Stop the producer."""
        self._producer.stopProducing()


@implementer(IPushProducer)
class _PullToPush:
    """Drives a pull producer as a push producer: the global cooperator (``task.cooperate``)
    calls its ``resumeProducing`` again and again, until paused, stopped or unregistered."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer
        self._task: Any = None
        self._paused = False

    def _pull(self) -> Iterator[None]:
        while True:
            self._producer.resumeProducing()
            yield None

    def start(self) -> None:
        """Begin pulling."""
        from twistio.internet.task import cooperate

        self._task = cooperate(self._pull())

    def pauseProducing(self) -> None:
        """Stop pulling until resumed."""
        if self._task is not None and not self._paused:
            self._paused = True
            self._task.pause()

    def resumeProducing(self) -> None:
        """Pull again."""
        if self._task is not None and self._paused:
            self._paused = False
            self._task.resume()

    def stopPulling(self) -> None:
        """Stop for good, without telling the producer (it was unregistered)."""
        task = self._task
        self._task = None
        if task is not None:
            try:
                task.stop()
            except Exception:
                pass  # it had already finished

    def stopProducing(self) -> None:
        """Stop for good and tell the producer."""
        if self._task is None:
            return
        self.stopPulling()
        self._producer.stopProducing()


@implementer(ISystemHandle, INegotiated, ITransport, IProtocol, ILoggingContext, ISSLTransport)
class TLSMemoryBIOProtocol(ProtocolWrapper):
    """Encrypts what the wrapped protocol writes and decrypts what arrives for it.

    It is the wrapped protocol's transport. ``factory`` is a ``TLSMemoryBIOFactory``;
    ``_connectWrapped=False`` leaves the wrapped protocol's connection alone (for a
    ``startTLS`` on a protocol that is already connected).
    """

    _handshakeDone = False
    _lostTLSConnection = False
    _aborted = False
    _reason: Failure | None = None
    _producer: Any = None
    _tlsShutdown = False
    _peerClosed = False
    _writeClosed = False
    _readLostTold = False
    _timeoutCall: Any = None
    _sslobj: ssl.SSLObject | None = None

    def __init__(self, factory: Any, wrappedProtocol: Any, _connectWrapped: bool = True) -> None:
        super().__init__(factory, wrappedProtocol)
        self._connectWrapped = _connectWrapped
        self._appSendBuffer: list[bytes] = []
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()

    # -- connecting ------------------------------------------------------------------------

    def makeConnection(self, transport: Any) -> None:
        """Connect to ``transport``, start the handshake, then connect the wrapped protocol."""
        self.__twistio_provides__ = tuple(
            i for i in getattr(transport, "__twistio_provides__", ()) if i is not ISSLTransport
        ) + tuple(getattr(type(transport), "__twistio_implements__", ()))
        self.connected = 1
        self.transport = transport
        self._sslobj = self.factory._createSSLObject(self, self._incoming, self._outgoing)
        self.factory.registerProtocol(self)
        timeout = self.factory.handshakeTimeout
        if timeout is not None:
            self._timeoutCall = self.factory._clock.callLater(timeout, self._handshakeTimedOut)
        self.connectionMade()
        # A client's hello goes out now. A server waits for one before asking OpenSSL
        # anything (which would allocate its buffers for an idle connection).
        if self.factory._isClient:
            self._checkHandshakeStatus()
        if self._connectWrapped and self.wrappedProtocol is not None:
            self.wrappedProtocol.makeConnection(self)

    def _handshakeTimedOut(self) -> None:
        self._timeoutCall = None
        if not self._handshakeDone and self.connected:
            self._reason = Failure(
                error.TimeoutError(
                    string=f"TLS handshake timed out after {self.factory.handshakeTimeout} seconds"
                )
            )
            self.transport.abortConnection()

    def _checkHandshakeStatus(self) -> None:
        sslobj: Any = self._sslobj
        try:
            sslobj.do_handshake()
        except ssl.SSLWantReadError:
            self._flushSendBIO()
            return
        except ssl.SSLError as e:
            self._flushSendBIO()  # the alert that tells the peer why
            self._tlsFailed(Failure(e))
            return
        self._flushSendBIO()
        self._handshakeDone = True
        if self._timeoutCall is not None:
            self._timeoutCall.cancel()
            self._timeoutCall = None
        wrapped = self.wrappedProtocol
        if wrapped is not None and IHandshakeListener.providedBy(wrapped):
            try:
                wrapped.handshakeCompleted()
            except BaseException:
                _log.exception("Unhandled error in %s.handshakeCompleted", type(wrapped).__name__)
                self._tlsFailed(Failure())
                return
        self._unbufferPendingWrites()

    def _unbufferPendingWrites(self) -> None:
        pending = self._appSendBuffer
        self._appSendBuffer = []
        if pending:
            self._encrypt(b"".join(pending))
            if self._producer is not None:
                self._producer.resumeProducing()
        if self._writeClosed:
            self._sendCloseNotify()
        if self.disconnecting and self._producer is None:
            self._shutdownTLS()

    # -- bytes from below ----------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        """Ciphertext from the transport: decrypt and deliver it."""
        if self._lostTLSConnection or self._sslobj is None:
            return
        self._incoming.write(data)
        if not self._handshakeDone:
            self._checkHandshakeStatus()
            if not self._handshakeDone:
                return
        self._flushReceiveBIO()

    def _flushReceiveBIO(self) -> None:
        # Every whole record in the BIO is decrypted and delivered in one piece.
        sslobj = _cast(ssl.SSLObject, self._sslobj)  # made before any record arrives
        chunks, eof, error = read_records(sslobj, self._incoming)
        failure = None if error is None else Failure(error)
        if chunks and self.wrappedProtocol is not None:
            self.wrappedProtocol.dataReceived(chunks[0] if len(chunks) == 1 else b"".join(chunks))
            if self._aborted or self._lostTLSConnection:
                return
        if self._outgoing.pending:  # session tickets, key updates
            self._flushSendBIO()
        if failure is not None:
            self._tlsFailed(failure)
        elif eof:
            self._closeNotifyReceived()

    def _closeNotifyReceived(self) -> None:
        self._peerClosed = True
        wrapped = self.wrappedProtocol
        if (
            wrapped is not None
            and IHalfCloseableProtocol.providedBy(wrapped)
            and not self.disconnecting
        ):
            if not self._readLostTold:
                self._readLostTold = True
                wrapped.readConnectionLost()
            if not self._writeClosed:
                return
        # Answer with ours and close, as TLS asks.
        self._lostTLSConnection = True
        self._sendCloseNotify()
        self.transport.loseConnection()

    def _tlsFailed(self, reason: Failure) -> None:
        """A fatal TLS error: no more data either way; the transport closes."""
        if self._reason is None:
            self._reason = reason
        self._lostTLSConnection = True
        self._appSendBuffer = []
        self.transport.loseConnection()

    # -- bytes from above ----------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Encrypt and send ``data`` (kept until the handshake is done)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if self.disconnecting or self._lostTLSConnection or self._writeClosed or not data:
            return
        if not self._handshakeDone:
            # Held until the handshake is done; a producer waits with it.
            self._appSendBuffer.append(bytes(data))
            if self._producer is not None:
                self._producer.pauseProducing()
            return
        self._encrypt(data)

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        """Write the concatenation of ``iovec``."""
        self.write(b"".join(iovec))

    def _encrypt(self, data: bytes) -> None:
        sslobj: Any = self._sslobj
        try:
            sslobj.write(data)
        except ssl.SSLError as e:
            self._tlsFailed(Failure(e))
            return
        self._flushSendBIO()

    def _flushSendBIO(self) -> None:
        data = self._outgoing.read()
        if data:
            self.transport.write(data)

    # -- closing ---------------------------------------------------------------------------

    def loseConnection(self) -> None:
        """Close cleanly: once pending writes and the producer are done, send close_notify;
        the transport closes when the peer's close_notify comes back."""
        if self.disconnecting or not self.connected:
            return
        self.disconnecting = True
        if self._lostTLSConnection:
            self.transport.loseConnection()
            return
        if self._handshakeDone and self._producer is None:
            self._shutdownTLS()

    def _shutdownTLS(self) -> None:
        if self._tlsShutdown:
            return
        self._sendCloseNotify()
        if self._peerClosed:
            self._lostTLSConnection = True
            self.transport.loseConnection()

    def _sendCloseNotify(self) -> None:
        if self._tlsShutdown or self._sslobj is None:
            return
        self._tlsShutdown = True
        try:
            self._sslobj.unwrap()
        except (ssl.SSLError, ValueError):
            pass  # ours is out; the peer's is still to come
        self._flushSendBIO()

    def loseWriteConnection(self) -> None:
        """Half-close: send close_notify once pending writes are out; reading goes on.

        A twistio addition (Twisted's TLS has no half-close); a half-closeable wrapped
        protocol then gets ``writeConnectionLost``.
        """
        if self._writeClosed or not self.connected or self._lostTLSConnection:
            return
        self._writeClosed = True
        if self._handshakeDone:
            pending = self._appSendBuffer
            self._appSendBuffer = []
            if pending:
                self._encrypt(b"".join(pending))
            self._sendCloseNotify()
        wrapped = self.wrappedProtocol
        if wrapped is not None and IHalfCloseableProtocol.providedBy(wrapped):
            wrapped.writeConnectionLost()
        if self._peerClosed:
            self._lostTLSConnection = True
            self.transport.loseConnection()

    def abortConnection(self) -> None:
        """Close at once: nothing more is sent or delivered."""
        self._aborted = True
        self.disconnecting = True
        self._appSendBuffer = []
        self.transport.abortConnection()

    def failVerification(self, reason: Failure) -> None:
        """Abort because the peer's certificate is not acceptable; ``connectionLost`` gets
        ``reason``."""
        self._reason = reason
        self.abortConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """The transport is gone: tell the wrapped protocol why, in TLS terms."""
        if self._timeoutCall is not None:
            self._timeoutCall.cancel()
            self._timeoutCall = None
        if self._reason is not None:
            reason = self._reason
            if self._handshakeDone and isinstance(reason.value, ssl.SSLError):
                reason = Failure(CONNECTION_LOST)
        elif not (self._peerClosed or (self._tlsShutdown and self._lostTLSConnection)):
            reason = Failure(CONNECTION_LOST)
        self._lostTLSConnection = True
        self.connected = 0
        self._appSendBuffer = []
        # Free the memory BIOs; the SSLObject stays for the peer certificate.
        self._incoming = self._outgoing = _SPENT_BIO
        ProtocolWrapper.connectionLost(self, reason)

    # -- producers -------------------------------------------------------------------------

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Register ``producer``; the transport below pauses and resumes it (a pull producer
        is driven as a push one)."""
        if self._producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}, because producer "
                f"{self._producer!r} was never unregistered."
            )
        if not self.connected or self._lostTLSConnection:
            producer.stopProducing()
            return
        pusher: Any = None
        if not streaming:
            pusher = _PullToPush(producer)
            producer = pusher
        membrane = _ProducerMembrane(producer)
        self._producer = membrane
        self.transport.registerProducer(membrane, True)
        if pusher is not None:
            pusher.start()

    def unregisterProducer(self) -> None:
        """Unregister the producer; a ``loseConnection`` waiting for it goes on."""
        membrane = self._producer
        if membrane is None:
            return
        self._producer = None
        inner = membrane._producer
        if isinstance(inner, _PullToPush):
            inner.stopPulling()
        if self.connected:
            self.transport.unregisterProducer()
        if self.disconnecting and self._handshakeDone and not self._lostTLSConnection:
            self._shutdownTLS()

    def stopConsuming(self) -> None:
        """Unregister the producer and close."""
        self.unregisterProducer()
        self.loseConnection()

    # -- what the transport tells about TLS -------------------------------------------------

    def getHandle(self) -> ssl.SSLObject | None:
        """The ``ssl.SSLObject`` doing the work."""
        return self._sslobj

    def getPeerCertificate(self) -> Any:
        """The peer's certificate (``twistio.internet.ssl.Certificate``), or None."""
        sslobj = self._sslobj
        if sslobj is None or not self._handshakeDone:
            return None
        der = sslobj.getpeercert(binary_form=True)
        if not der:
            return None
        from twistio.internet.ssl import Certificate

        return Certificate.loadDER(der)

    @property
    def negotiatedProtocol(self) -> bytes | None:
        """The ALPN protocol agreed on (bytes), or None."""
        sslobj = self._sslobj
        if sslobj is None or not self._handshakeDone:
            return None
        selected = sslobj.selected_alpn_protocol()
        return None if selected is None else selected.encode("ascii")

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """asyncio-style TLS details (``ssl_object``, ``sslcontext``, ``peercert``), for code
        that asks a transport the asyncio way."""
        if name == "ssl_object":
            return self._sslobj
        if name == "sslcontext":
            return None if self._sslobj is None else self._sslobj.context
        if name == "peercert":
            return self._sslobj.getpeercert() if self._sslobj is not None else default
        return default


class _SpentBIO:
    """Stands for a memory BIO once the connection is gone."""

    pending = 0

    def write(self, data: bytes) -> int:
        return 0

    def read(self, n: int = -1) -> bytes:
        return b""


_SPENT_BIO: Any = _SpentBIO()


class BufferingTLSTransport(TLSMemoryBIOProtocol):
    """A ``TLSMemoryBIOProtocol`` that gathers small writes made in one turn of the event
    loop into one TLS record (sent on the next turn, or at once past 64 KiB)."""

    _BUFFER_LIMIT = 65536
    _flushCall: Any = None

    def __init__(self, factory: Any, wrappedProtocol: Any, _connectWrapped: bool = True) -> None:
        super().__init__(factory, wrappedProtocol, _connectWrapped)
        self._gathered: list[bytes] = []
        self._gatheredSize = 0

    def write(self, data: bytes) -> None:
        """Gather ``data`` for the next turn of the loop (or send now, past 64 KiB)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if not data:
            return
        self._gathered.append(bytes(data))
        self._gatheredSize += len(data)
        if self._gatheredSize > self._BUFFER_LIMIT:
            self._flushGathered()
        elif self._flushCall is None:
            self._flushCall = self.factory._clock.callLater(0, self._flushGathered)

    def writeSequence(self, sequence: Iterable[bytes]) -> None:
        """Gather each chunk of ``sequence``."""
        for data in sequence:
            self.write(data)

    def _flushGathered(self) -> None:
        call = self._flushCall
        self._flushCall = None
        if call is not None and call.active():
            call.cancel()
        gathered = self._gathered
        if not gathered:
            return
        self._gathered = []
        self._gatheredSize = 0
        TLSMemoryBIOProtocol.write(self, gathered[0] if len(gathered) == 1 else b"".join(gathered))

    def loseConnection(self) -> None:
        """Send what is gathered, then close as ``TLSMemoryBIOProtocol`` does."""
        self._flushGathered()
        TLSMemoryBIOProtocol.loseConnection(self)

    def loseWriteConnection(self) -> None:
        """Send what is gathered, then half-close."""
        self._flushGathered()
        TLSMemoryBIOProtocol.loseWriteConnection(self)

    def unregisterProducer(self) -> None:
        """Send what is gathered, then unregister."""
        self._flushGathered()
        TLSMemoryBIOProtocol.unregisterProducer(self)

    def abortConnection(self) -> None:
        """Drop what is gathered and abort."""
        self._gathered = []
        self._gatheredSize = 0
        if self._flushCall is not None:
            self._flushCall.cancel()
            self._flushCall = None
        TLSMemoryBIOProtocol.abortConnection(self)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Drop what is gathered; then as ``TLSMemoryBIOProtocol``."""
        if self._flushCall is not None:
            self._flushCall.cancel()
            self._flushCall = None
        self._gathered = []
        TLSMemoryBIOProtocol.connectionLost(self, reason)


@implementer(IProtocolFactory, ILoggingContext)
class TLSMemoryBIOFactory(WrappingFactory):
    """Wraps the protocols ``wrappedFactory`` builds in TLS.

    ``contextFactory`` is what ``twistio.internet.ssl`` offers (``CertificateOptions``, the
    result of ``optionsForClientTLS``, ``ClientContextFactory``...), a plain ``ssl.SSLContext``,
    or any object whose ``getContext()`` returns one. ``isClient`` picks the side. ``clock``
    (the reactor by default) schedules ``BufferingTLSTransport``'s gathered writes and the
    handshake timeout. ``handshakeTimeout`` is twistio's: seconds before an unfinished
    handshake aborts the connection (``connectionLost`` gets ``error.TimeoutError``).
    """

    protocol: Any = BufferingTLSTransport
    noisy = False

    def __init__(
        self,
        contextFactory: Any,
        isClient: bool,
        wrappedFactory: Any,
        clock: Any = None,
        *,
        handshakeTimeout: float | None = None,
    ) -> None:
        super().__init__(wrappedFactory)
        self._contextFactory = contextFactory
        self._isClient = bool(isClient)
        self._clockGiven = clock
        self.handshakeTimeout = handshakeTimeout
        from twistio.internet._sslverify import to_context

        self._context = to_context(contextFactory, not self._isClient)

    @property
    def _clock(self) -> Any:
        clock = self._clockGiven
        return clock if clock is not None else _the_reactor()

    def logPrefix(self) -> str:
        """The wrapped factory's log prefix, then ``" (TLS)"``."""
        wrapped = self.wrappedFactory
        if hasattr(wrapped, "logPrefix"):
            prefix = str(wrapped.logPrefix())
        else:
            prefix = type(wrapped).__name__
        return f"{prefix} (TLS)"

    def _createSSLObject(
        self, protocol: TLSMemoryBIOProtocol, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO
    ) -> ssl.SSLObject:
        from twistio.internet._sslverify import client_hostname

        hostname = None
        if self._isClient:
            peer = None
            try:
                peer = getattr(protocol.transport.getPeer(), "host", None)
            except Exception:
                peer = None
            hostname = client_hostname(self._contextFactory, self._context, peer)
        return self._context.wrap_bio(incoming, outgoing, not self._isClient, hostname or None)
