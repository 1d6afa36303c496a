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
- a context factory whose ``getContext()`` gives pyOpenSSL's ``OpenSSL.SSL.Context`` (or a
  connection creator giving pyOpenSSL's ``Connection``), as code written for Twisted does,
  is driven through pyOpenSSL when it is installed: then errors, ``getHandle()`` and
  ``getPeerCertificate()`` are pyOpenSSL's, as in Twisted;
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

from twistio.internet import error
from twistio.internet.interfaces import IDelayedCall as IDelayedCall
from twistio.internet.interfaces import IHalfCloseableProtocol as IHalfCloseableProtocol
from twistio.internet.interfaces import IHandshakeListener as IHandshakeListener
from twistio.internet.interfaces import ILoggingContext as ILoggingContext
from twistio.internet.interfaces import INegotiated as INegotiated
from twistio.internet.interfaces import (
    IOpenSSLClientConnectionCreator,
    IOpenSSLServerConnectionCreator,
    implementer,
    zope_interface_for,
)
from twistio.internet.interfaces import IProtocol as IProtocol
from twistio.internet.interfaces import IProtocolFactory as IProtocolFactory
from twistio.internet.interfaces import IPushProducer as IPushProducer
from twistio.internet.interfaces import IReactorTime as IReactorTime
from twistio.internet.interfaces import ISSLTransport as ISSLTransport
from twistio.internet.interfaces import ISystemHandle as ISystemHandle
from twistio.internet.interfaces import ITransport as ITransport
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

# Plaintext asked of the engine per read (a TLS record carries at most 16 KiB of it), and
# ciphertext taken from it per read.
_READ_SIZE = 16384
_WRITE_SIZE = 65536

def _the_reactor() -> Any:
    from twistio.internet import reactor

    return reactor


class _ErrorKinds:
    """The exceptions one TLS engine raises: "needs more bytes", "the peer closed (TLS
    close_notify)", and the base of every fatal error."""

    def __init__(
        self,
        wantRead: type[BaseException],
        zeroReturn: type[BaseException],
        fatal: type[BaseException],
    ) -> None:
        self.wantRead = wantRead
        self.zeroReturn = zeroReturn
        self.fatal = fatal


_STDLIB_ERRORS = _ErrorKinds(ssl.SSLWantReadError, ssl.SSLZeroReturnError, ssl.SSLError)


def _pyopenssl_errors() -> _ErrorKinds:
    from OpenSSL import SSL

    return _ErrorKinds(SSL.WantReadError, SSL.ZeroReturnError, SSL.Error)


def _pyopenssl_available() -> bool:
    try:
        import OpenSSL.SSL  # noqa: F401
    except ImportError:
        return False
    return True


def _copy_zope_provides(target: object, source: object) -> None:
    """Declare on ``target``, to zope.interface, the interfaces zope sees ``source``
    provide (code written for Twisted declares its transports' interfaces with zope)."""
    try:
        from zope.interface import alsoProvides, providedBy
    except ImportError:
        return
    shadow = zope_interface_for(ISSLTransport)
    provided = [i for i in providedBy(source) if i is not shadow]
    if provided:
        alsoProvides(target, *provided)


def _is_pyopenssl_connection(obj: object) -> bool:
    try:
        from OpenSSL.SSL import Connection
    except ImportError:
        return False
    return isinstance(obj, Connection)


class _StdlibTLSConnection:
    """An ``ssl.SSLObject`` on two memory BIOs, offered under the names of pyOpenSSL's
    ``Connection`` that the TLS layer calls (so that either engine can sit under it).

    Its errors are the standard library's: ``ssl.SSLWantReadError`` when more bytes are
    needed, ``ssl.SSLZeroReturnError`` once the peer's close_notify is read.
    """

    def __init__(self, sslobj: ssl.SSLObject, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO) -> None:
        self.sslobj = sslobj
        self._incoming = incoming
        self._outgoing = outgoing

    def bio_write(self, data: bytes) -> int:
        """Ciphertext from the peer."""
        return self._incoming.write(data)

    def bio_read(self, size: int) -> bytes:
        """Ciphertext for the peer (``SSLWantReadError`` when there is none)."""
        data = self._outgoing.read(size)
        if not data:
            raise ssl.SSLWantReadError("no bytes for the peer")
        return data

    def do_handshake(self) -> None:
        """Advance the handshake."""
        self.sslobj.do_handshake()

    def recv(self, size: int) -> bytes:
        """Plaintext from the peer's records."""
        while True:
            waiting = self._incoming.pending
            try:
                data = self.sslobj.read(size)
            except ssl.SSLWantReadError:
                # A post-handshake message (a TLS 1.3 session ticket) reads as "want more"
                # even with whole records behind it: go on while bytes were consumed and
                # some remain.
                if self._incoming.pending and self._incoming.pending < waiting:
                    continue
                raise
            if not data:
                raise ssl.SSLZeroReturnError("TLS/SSL connection has been closed (EOF)")
            return data

    def send(self, data: bytes) -> int:
        """Encrypt ``data``."""
        return self.sslobj.write(data)

    def shutdown(self) -> bool:
        """Send close_notify; True once the peer's has been read too."""
        try:
            self.sslobj.unwrap()
        except ssl.SSLWantReadError:
            return False
        return True

    def release(self) -> None:
        """Drop the buffers (the connection is gone; the SSLObject stays for its details)."""
        self._incoming = self._outgoing = _SPENT_BIO

    def peerCertificate(self) -> Any:
        """The peer's certificate as twistio's ``Certificate``, or None."""
        der = self.sslobj.getpeercert(binary_form=True)
        if not der:
            return None
        from twistio.internet.ssl import Certificate

        return Certificate.loadDER(der)

    def alpn(self) -> bytes | None:
        """The ALPN protocol agreed on."""
        selected = self.sslobj.selected_alpn_protocol()
        return None if selected is None else selected.encode("ascii")


@implementer(IPushProducer)
class _ProducerMembrane:
    """Stands for the wrapped protocol's producer before the transport below.

    Pauses and resumes from below reach the producer; ``stopProducing`` does too, once.
    """

    def __init__(self, producer: Any) -> None:
        self._producer = producer
        self._producerPaused = False

    def pauseProducing(self) -> None:
        """Pause the producer (once, however often asked)."""
        if self._producerPaused:
            return
        self._producerPaused = True
        self._producer.pauseProducing()

    def resumeProducing(self) -> None:
        """Resume the producer if it was paused."""
        if not self._producerPaused:
            return
        self._producerPaused = False
        self._producer.resumeProducing()

    def stopProducing(self) -> None:
        """Stop the producer."""
        self._producer.stopProducing()


@implementer(IPushProducer)
class _PullToPush:
    """Drives a pull producer, registered with ``consumer``, as a push producer: the global
    cooperator (``task.cooperate``) calls its ``resumeProducing`` again and again until
    paused or stopped.

    The consumer calls ``startStreaming()`` once it has registered this object and
    ``stopStreaming()`` when the producer is unregistered. A ``resumeProducing`` that raises
    is logged, and the producer is unregistered from the consumer.
    """

    #: The cooperator pulling (the global one when None).
    _cooperator: Any = None
    _pulling = False

    def __init__(self, pullProducer: Any, consumer: Any = None) -> None:
        self._producer = pullProducer
        self._consumer = consumer
        self._coopTask: Any = None
        self._finished = False

    def _pull(self) -> Iterator[None]:
        from twistio.python import log

        while not self._finished:
            self._pulling = True
            try:
                self._producer.resumeProducing()
            except BaseException:
                log.err(None, f"Error while calling resumeProducing on {self._producer!r}")
                self._unregister()
                return
            finally:
                self._pulling = False
            yield None

    def _unregister(self) -> None:
        from twistio.python import log

        if self._consumer is None:
            self.stopStreaming()
            return
        try:
            self._consumer.unregisterProducer()
        except BaseException:
            log.err(None, f"Error while calling unregisterProducer on {self._consumer!r}")
        self.stopStreaming()

    def startStreaming(self) -> None:
        """Begin pulling."""
        from twistio.internet.task import cooperate

        cooperator = self._cooperator
        start = cooperate if cooperator is None else cooperator.cooperate
        self._coopTask = start(self._pull())

    def stopStreaming(self) -> None:
        """Stop pulling for good (the producer was unregistered); safe to call again."""
        if self._finished:
            return
        self._finished = True
        task = self._coopTask
        if task is not None and not self._pulling:  # (a pull in progress ends its task)
            try:
                task.stop()
            except Exception:
                pass  # it had already finished

    def pauseProducing(self) -> None:
        """Stop pulling until resumed."""
        if self._coopTask is not None:
            self._coopTask.pause()

    def resumeProducing(self) -> None:
        """Pull again."""
        if self._coopTask is not None:
            self._coopTask.resume()

    def stopProducing(self) -> None:
        """Stop for good and tell the producer."""
        self.stopStreaming()
        self._producer.stopProducing()


class _AggregateSmallWrites:
    """Gathers the small writes made within one turn of the event loop into one write.

    What is written goes to ``write`` on the next turn (``clock.callLater(0)``), or at once
    when more than ``MAX_BUFFER_SIZE`` bytes are waiting. Whoever uses it calls ``flush()``
    before closing (``close()`` flushes and cancels the pending turn).
    """

    MAX_BUFFER_SIZE = 64000

    def __init__(self, write: Any, clock: Any) -> None:
        self._write = write
        self._clock = clock
        self._buffer: list[bytes] = []
        self._size = 0
        self._scheduled: Any = None

    def write(self, data: bytes) -> None:
        """Gather ``data``; write everything gathered at once past ``MAX_BUFFER_SIZE``."""
        self._buffer.append(data)
        self._size += len(data)
        if self._size > self.MAX_BUFFER_SIZE:
            self.flush()
        elif self._scheduled is None:
            self._scheduled = self._clock.callLater(0, self._scheduledFlush)

    def _scheduledFlush(self) -> None:
        self._scheduled = None
        self.flush()

    def flush(self) -> None:
        """Write what is gathered, now."""
        if self._scheduled is not None:
            if self._scheduled.active():
                self._scheduled.cancel()
            self._scheduled = None
        if not self._buffer:
            return
        data = self._buffer[0] if len(self._buffer) == 1 else b"".join(self._buffer)
        self._buffer = []
        self._size = 0
        self._write(data)

    def close(self) -> None:
        """Write what is gathered; nothing is scheduled afterwards."""
        self.flush()

    def discard(self) -> None:
        """Drop what is gathered (the connection is being aborted)."""
        self._buffer = []
        self._size = 0
        if self._scheduled is not None:
            if self._scheduled.active():
                self._scheduled.cancel()
            self._scheduled = None


@implementer(ISystemHandle, INegotiated, ITransport, IProtocol, ILoggingContext, ISSLTransport)
class TLSMemoryBIOProtocol(ProtocolWrapper):
    """Encrypts what the wrapped protocol writes and decrypts what arrives for it.

    It is the wrapped protocol's transport. ``factory`` is a ``TLSMemoryBIOFactory``;
    ``_connectWrapped=False`` leaves the wrapped protocol's connection alone (for a
    ``startTLS`` on a protocol that is already connected).
    """

    factory: TLSMemoryBIOFactory
    _handshakeDone = False
    _lostTLSConnection = False
    _aborted = False
    _reason: Failure | None = None
    _producer: Any = None
    _tlsShutdown = False
    _peerClosed = False
    _cleanClose = False
    _writeClosed = False
    _writeBlockedOnRead = False
    _readLostTold = False
    _timeoutCall: Any = None
    _tlsConnection: Any = None
    _errors: _ErrorKinds = _STDLIB_ERRORS

    def __init__(self, factory: Any, wrappedProtocol: Any, _connectWrapped: bool = True) -> None:
        super().__init__(factory, wrappedProtocol)
        self._connectWrapped = _connectWrapped
        self._appSendBuffer: list[bytes] = []
        # The standard library's engine works on these (a connection creator of twistio's
        # may wrap them itself).
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()

    @property
    def _sslobj(self) -> ssl.SSLObject | None:
        """The ``ssl.SSLObject`` underneath (None under pyOpenSSL)."""
        connection = self._tlsConnection
        return connection.sslobj if isinstance(connection, _StdlibTLSConnection) else None

    # -- connecting ------------------------------------------------------------------------

    def makeConnection(self, transport: Any) -> None:
        """Connect to ``transport``, start the handshake, then connect the wrapped protocol."""
        self.__twistio_provides__ = tuple(
            i for i in getattr(transport, "__twistio_provides__", ()) if i is not ISSLTransport
        ) + tuple(getattr(type(transport), "__twistio_implements__", ()))
        _copy_zope_provides(self, transport)
        self.connected = 1
        self.transport = transport
        self._tlsConnection, self._errors = self.factory._createConnection(self)
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
        errors = self._errors
        try:
            self._tlsConnection.do_handshake()
        except errors.wantRead:
            self._flushSendBIO()
            return
        except errors.fatal as e:
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
            if self._lostTLSConnection or self._writeBlockedOnRead:
                return
            if self._producer is not None:
                self._producer.resumeProducing()
        if self._writeClosed:
            self._sendCloseNotify()
        if self.disconnecting and self._producer is None:
            self._shutdownTLS()

    # -- bytes from below ----------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        """Ciphertext from the transport: decrypt and deliver it."""
        if self._lostTLSConnection or self._tlsConnection is None:
            return
        self._tlsConnection.bio_write(data)
        if not self._handshakeDone:
            self._checkHandshakeStatus()
            if not self._handshakeDone:
                return
        self._flushReceiveBIO()
        if self._writeBlockedOnRead and not self._lostTLSConnection:
            self._writeBlockedOnRead = False
            self._unbufferPendingWrites()

    def _flushReceiveBIO(self) -> None:
        # Every whole record waiting is decrypted and delivered in one piece.
        errors = self._errors
        connection = self._tlsConnection
        chunks: list[bytes] = []
        eof = False
        failure = None
        while True:
            try:
                chunk = connection.recv(_READ_SIZE)
            except errors.wantRead:
                break
            except errors.zeroReturn:
                eof = True
                break
            except errors.fatal as e:
                failure = Failure(e)
                break
            chunks.append(chunk)
        if chunks and self.wrappedProtocol is not None:
            self.wrappedProtocol.dataReceived(chunks[0] if len(chunks) == 1 else b"".join(chunks))
            if self._aborted or self._lostTLSConnection:
                return
        self._flushSendBIO()  # session tickets, key updates
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
        self._shutdownTLS()
        if not self._cleanClose:
            self._tlsShutdownFinished(None)

    def _tlsFailed(self, reason: Failure) -> None:
        """A fatal TLS error: no more data either way; the transport closes."""
        self._appSendBuffer = []
        self._tlsShutdownFinished(reason)

    def _tlsShutdownFinished(self, reason: Failure | None) -> None:
        """TLS is over: cleanly (``reason`` None; the wrapped protocol will get the
        transport's own reason) or because of ``reason``. The transport is closed."""
        if reason is None:
            self._cleanClose = True
        elif self._reason is None:
            self._reason = reason
        self._lostTLSConnection = True
        self.transport.loseConnection()

    # -- bytes from above ----------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Encrypt and send ``data`` (kept until the handshake is done)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if self._lostTLSConnection or self._writeClosed or self._tlsShutdown or not data:
            return
        if self.disconnecting and self._producer is None:
            return  # closing; a producer still registered may write until it unregisters
        if not self._handshakeDone or self._writeBlockedOnRead:
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
        errors = self._errors
        view = memoryview(bytes(data))
        try:
            while view:
                sent = self._tlsConnection.send(view)
                view = view[sent:]
        except errors.wantRead:
            # The engine must read before it writes again (a renegotiation): the rest
            # waits for bytes from the peer, and so does the producer.
            self._writeBlockedOnRead = True
            self._appSendBuffer.insert(0, bytes(view))
            self._flushSendBIO()
            if self._producer is not None:
                self._producer.pauseProducing()
            return
        except errors.fatal as e:
            self._tlsFailed(Failure(e))
            return
        self._flushSendBIO()

    def _flushSendBIO(self) -> None:
        connection = self._tlsConnection
        if connection is None:
            return
        chunks = []
        while True:
            try:
                chunk = connection.bio_read(_WRITE_SIZE)
            except self._errors.wantRead:
                break
            chunks.append(chunk)
            if len(chunk) < _WRITE_SIZE:
                break  # drained
        if chunks:
            self.transport.write(chunks[0] if len(chunks) == 1 else b"".join(chunks))

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
        """Send our close_notify (once); close the transport if the peer's came already."""
        if self._tlsShutdown:
            return
        self._sendCloseNotify()
        if self._peerClosed and not self._cleanClose:
            self._tlsShutdownFinished(None)

    def _sendCloseNotify(self) -> None:
        if self._tlsShutdown or self._tlsConnection is None:
            return
        self._tlsShutdown = True
        try:
            self._tlsConnection.shutdown()
        except (self._errors.fatal, ValueError):
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
            self._tlsShutdownFinished(None)

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
        elif not (self._cleanClose or self._peerClosed):
            reason = Failure(CONNECTION_LOST)
        self._lostTLSConnection = True
        self.connected = 0
        self._appSendBuffer = []
        connection = self._tlsConnection
        if isinstance(connection, _StdlibTLSConnection):
            connection.release()
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
            pusher = _PullToPush(producer, self)
            producer = pusher
        membrane = _ProducerMembrane(producer)
        self._producer = membrane
        self.transport.registerProducer(membrane, True)
        if pusher is not None:
            pusher.startStreaming()

    def unregisterProducer(self) -> None:
        """Unregister the producer; a ``loseConnection`` waiting for it goes on."""
        membrane = self._producer
        if membrane is None:
            return
        self._producer = None
        inner = membrane._producer
        if isinstance(inner, _PullToPush):
            inner.stopStreaming()
        if self.connected:
            self.transport.unregisterProducer()
        if self.disconnecting and self._handshakeDone and not self._lostTLSConnection:
            self._shutdownTLS()

    def stopConsuming(self) -> None:
        """Unregister the producer and close."""
        self.unregisterProducer()
        self.loseConnection()

    # -- what the transport tells about TLS -------------------------------------------------

    def getHandle(self) -> Any:
        """The TLS connection object doing the work: the ``ssl.SSLObject`` (pyOpenSSL's
        ``Connection`` when the context was pyOpenSSL's)."""
        connection = self._tlsConnection
        if isinstance(connection, _StdlibTLSConnection):
            return connection.sslobj
        return connection

    def getPeerCertificate(self) -> Any:
        """The peer's certificate (``twistio.internet.ssl.Certificate``; pyOpenSSL's ``X509``
        under a pyOpenSSL context), or None."""
        connection = self._tlsConnection
        if connection is None or not self._handshakeDone:
            return None
        if isinstance(connection, _StdlibTLSConnection):
            return connection.peerCertificate()
        return connection.get_peer_certificate()

    @property
    def negotiatedProtocol(self) -> bytes | None:
        """The ALPN protocol agreed on (bytes), or None."""
        connection = self._tlsConnection
        if connection is None or not self._handshakeDone:
            return None
        if isinstance(connection, _StdlibTLSConnection):
            return connection.alpn()
        try:
            selected = connection.get_alpn_proto_negotiated()
        except (NotImplementedError, AttributeError):
            return None
        return selected or None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """asyncio-style TLS details (``ssl_object``, ``sslcontext``, ``peercert``), for code
        that asks a transport the asyncio way."""
        sslobj = self._sslobj
        if name == "ssl_object":
            return sslobj
        if name == "sslcontext":
            return None if sslobj is None else sslobj.context
        if name == "peercert":
            return sslobj.getpeercert() if sslobj is not None else default
        return default

    # -- twistio hook for connection creators ----------------------------------------------

    def wrapBIOHook(
        self, context: ssl.SSLContext, serverSide: bool, hostname: str | None
    ) -> ssl.SSLObject:
        """An ``ssl.SSLObject`` of ``context`` over this protocol's memory BIOs, for the
        ``clientConnectionForTLS``/``serverConnectionForTLS`` of a connection creator on the
        standard library's engine (twistio's hook, as ``twistio.internet.ssl``'s options use
        it; Twisted has none: its creators make pyOpenSSL connections). Called once per
        connection, before the handshake; the BIOs stay this protocol's own."""
        return context.wrap_bio(self._incoming, self._outgoing, serverSide, hostname)


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
    loop into one TLS record (sent on the next turn, or at once past 64,000 bytes; see
    ``_AggregateSmallWrites``)."""

    def __init__(self, factory: Any, wrappedProtocol: Any, _connectWrapped: bool = True) -> None:
        super().__init__(factory, wrappedProtocol, _connectWrapped)
        self._aggregator = _AggregateSmallWrites(self._writeNow, factory._clock)

    def _writeNow(self, data: bytes) -> None:
        TLSMemoryBIOProtocol.write(self, data)

    def write(self, data: bytes) -> None:
        """Gather ``data`` for the next turn of the loop (or send now, past the limit)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if not data:
            return
        self._aggregator.write(bytes(data))

    def writeSequence(self, sequence: Iterable[bytes]) -> None:
        """Gather each chunk of ``sequence``."""
        for data in sequence:
            self.write(data)

    def loseConnection(self) -> None:
        """Send what is gathered, then close as ``TLSMemoryBIOProtocol`` does."""
        self._aggregator.flush()
        TLSMemoryBIOProtocol.loseConnection(self)

    def loseWriteConnection(self) -> None:
        """Send what is gathered, then half-close."""
        self._aggregator.flush()
        TLSMemoryBIOProtocol.loseWriteConnection(self)

    def unregisterProducer(self) -> None:
        """Send what is gathered, then unregister."""
        self._aggregator.flush()
        TLSMemoryBIOProtocol.unregisterProducer(self)

    def abortConnection(self) -> None:
        """Drop what is gathered and abort."""
        self._aggregator.discard()
        TLSMemoryBIOProtocol.abortConnection(self)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Drop what is gathered; then as ``TLSMemoryBIOProtocol``."""
        self._aggregator.discard()
        TLSMemoryBIOProtocol.connectionLost(self, reason)


@implementer(IProtocolFactory, ILoggingContext)
class TLSMemoryBIOFactory(WrappingFactory):
    """Wraps the protocols ``wrappedFactory`` builds in TLS.

    ``contextFactory`` is what ``twistio.internet.ssl`` offers (``CertificateOptions``, the
    result of ``optionsForClientTLS``, ``ClientContextFactory``...), a plain ``ssl.SSLContext``,
    a connection creator (``IOpenSSLClientConnectionCreator``/``IOpenSSLServerConnectionCreator``:
    ``clientConnectionForTLS``/``serverConnectionForTLS`` give an ``ssl.SSLObject`` over the
    protocol's memory BIOs (``wrapBIOHook``), or pyOpenSSL's ``Connection``), or any
    object whose ``getContext()`` returns an ``ssl.SSLContext`` or, with pyOpenSSL installed,
    pyOpenSSL's ``Context`` (an object declaring none of those interfaces gets
    ``LegacyContextFactoryWarning``). ``isClient`` picks the side. ``clock`` (the reactor by
    default) schedules ``BufferingTLSTransport``'s gathered writes and the handshake timeout.
    ``handshakeTimeout`` is twistio's: seconds before an unfinished handshake aborts the
    connection (``connectionLost`` gets ``error.TimeoutError``).
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
        from twistio.internet._sslverify import stdlib_context, to_context
        from twistio.protocols._tls_legacy import legacy_context

        creator = (
            IOpenSSLClientConnectionCreator if self._isClient else IOpenSSLServerConnectionCreator
        )
        # Exactly one of these is set: a standard library context, pyOpenSSL's, or a
        # creator asked for each connection.
        self._context: ssl.SSLContext | None = None
        self._pyContext: Any = None
        self._creator: Any = None
        if isinstance(contextFactory, ssl.SSLContext) or (
            hasattr(contextFactory, "_context_for")
            and stdlib_context(contextFactory, not self._isClient) is not None
        ):
            # twistio's own options (and plain contexts) on the standard library's engine;
            # under pyopenssl_mode they make pyOpenSSL connections as creators (below).
            self._context = to_context(contextFactory, not self._isClient)
        elif creator.providedBy(contextFactory):
            self._creator = contextFactory
        else:
            context = legacy_context(contextFactory, self._isClient, stacklevel=2)
            if isinstance(context, ssl.SSLContext):
                self._context = context
            else:
                self._pyContext = context

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

    def _createConnection(self, protocol: TLSMemoryBIOProtocol) -> tuple[Any, _ErrorKinds]:
        """The TLS connection for ``protocol`` and the kinds of error it raises."""
        server_side = not self._isClient
        if self._context is not None:
            from twistio.internet._sslverify import client_hostname

            hostname = None
            if self._isClient:
                peer = None
                try:
                    peer = getattr(protocol.transport.getPeer(), "host", None)
                except Exception:
                    peer = None
                hostname = client_hostname(self._contextFactory, self._context, peer)
            sslobj = self._context.wrap_bio(
                protocol._incoming, protocol._outgoing, server_side, hostname or None
            )
            return _StdlibTLSConnection(sslobj, protocol._incoming, protocol._outgoing), (
                _STDLIB_ERRORS
            )
        if self._pyContext is not None:
            from OpenSSL import SSL

            connection = SSL.Connection(self._pyContext, None)
            if server_side:
                connection.set_accept_state()
            else:
                connection.set_connect_state()
            return connection, _pyopenssl_errors()
        if self._isClient:
            made = self._creator.clientConnectionForTLS(protocol)
        else:
            made = self._creator.serverConnectionForTLS(protocol)
        if isinstance(made, ssl.SSLObject):
            return _StdlibTLSConnection(made, protocol._incoming, protocol._outgoing), (
                _STDLIB_ERRORS
            )
        if _is_pyopenssl_connection(made) or _pyopenssl_available():
            # pyOpenSSL's Connection, or an object acting as one.
            return made, _pyopenssl_errors()
        raise TypeError(
            f"{self._creator!r} made {type(made).__name__}: a TLS connection must be an "
            "ssl.SSLObject over the protocol's memory BIOs, or pyOpenSSL's Connection"
        )
