"""Perspective Broker: call methods of remote objects, pass objects by reference or copy.

A ``Broker`` is the Banana protocol carrying jellied messages. Each side keeps a table of
the objects it lent the other (by number; the server's root object is named ``b"root"``)
and of the peer's objects it holds ``RemoteReference``\\ s to. The messages, each a list:

- ``[b"version", 6]`` once the dialect is agreed;
- ``[b"message", request id, object id, method name, answer wanted, args, kwargs]`` (and
  ``b"cachemessage"`` for a cached copy's observer methods);
- ``[b"answer", request id, result]`` and ``[b"error", request id, failure or error]``;
- ``[b"decref", id]`` when the last ``RemoteReference`` to a lent object is collected,
  ``[b"decache", id]`` / ``[b"uncache", id]`` for cached copies.

Login (``PBClientFactory.login``) is a challenge and response over ``twistio.cred``: the
root's ``login(username)`` answers a random challenge, the client sends
``md5(md5(password) + challenge)``, and the realm's avatar comes back as a reference.
Errors raised by remote methods come back as ``CopiedFailure``\\ s (their traceback only
when the server sets ``unsafeTracebacks``); a ``pb.Error`` is sent as its message alone,
without a traceback logged.

The bytes on the wire are those Twisted's Perspective Broker sends.
"""

from __future__ import annotations

import random
from hashlib import md5
from io import StringIO
from typing import TYPE_CHECKING, Any, Protocol

from twistio.cred.credentials import (
    Anonymous,
    IAnonymous,
    ICredentials,
    IUsernameHashedPassword,
)
from twistio.cred.portal import Portal
from twistio.internet import defer
from twistio.internet.interfaces import Interface, implementer
from twistio.internet.protocol import ClientFactory, ServerFactory
from twistio.persisted import styles
from twistio.python import failure, log
from twistio.python.components import registerAdapter
from twistio.python.reflect import qual, safe_str
from twistio.spread import banana
from twistio.spread import flavors as _flavors
from twistio.spread import jelly as _jelly
from twistio.spread.interfaces import IJellyable, IUnjellyable

if TYPE_CHECKING:
    from twistio._typing import ConnectionTransport

__all__ = [
    "MAX_BROKER_REFS",
    "AsReferenceable",
    "Avatar",
    "Broker",
    "Cacheable",
    "CopiedFailure",
    "Copyable",
    "CopyableFailure",
    "DeadReferenceError",
    "Error",
    "IJellyable",
    "IPBRoot",
    "IPerspective",
    "IUnjellyable",
    "IUsernameMD5Password",
    "Jellyable",
    "Local",
    "NoSuchMethod",
    "PBClientFactory",
    "PBConnectionLost",
    "PBServerFactory",
    "ProtocolError",
    "Referenceable",
    "RemoteCache",
    "RemoteCacheObserver",
    "RemoteCopy",
    "RemoteError",
    "RemoteMethod",
    "RemoteReference",
    "Root",
    "Serializable",
    "ViewPoint",
    "Viewable",
    "challenge",
    "copyTags",
    "failure2Copyable",
    "respond",
    "setCopierForClass",
    "setCopierForClassTree",
    "setFactoryForClass",
    "setUnjellyableFactoryForClass",
    "setUnjellyableForClass",
    "setUnjellyableForClassTree",
]

# Names of the lower layer this module also offers, as Twisted's does.
Jellyable = _jelly.Jellyable
globalSecurity = _jelly.globalSecurity
jelly = _jelly.jelly
setUnjellyableFactoryForClass = _jelly.setUnjellyableFactoryForClass
setUnjellyableForClass = _jelly.setUnjellyableForClass
setUnjellyableForClassTree = _jelly.setUnjellyableForClassTree
unjelly = _jelly.unjelly

# Names of the lower layer this module also offers, as Twisted's does.
Cacheable = _flavors.Cacheable
Copyable = _flavors.Copyable
IPBRoot = _flavors.IPBRoot
NoSuchMethod = _flavors.NoSuchMethod
Referenceable = _flavors.Referenceable
RemoteCache = _flavors.RemoteCache
RemoteCacheObserver = _flavors.RemoteCacheObserver
RemoteCopy = _flavors.RemoteCopy
Root = _flavors.Root
Serializable = _flavors.Serializable
Viewable = _flavors.Viewable
ViewPoint = _flavors.ViewPoint
_invokeNamed = _flavors._invokeNamed
copyTags = _flavors.copyTags
setCopierForClass = _flavors.setCopierForClass
setCopierForClassTree = _flavors.setCopierForClassTree
setFactoryForClass = _flavors.setFactoryForClass

#: The usual PB port.
portno = 8787

#: The most objects one broker lends its peer at once.
MAX_BROKER_REFS = 1024


class ProtocolError(Exception):
    """The peer sent something the protocol does not allow."""


class DeadReferenceError(ProtocolError):
    """A method was called on a reference whose connection is gone."""


class Error(Exception):
    """An error a remote method raises on purpose: the peer gets its message, and no
    traceback is logged."""


class RemoteError(Exception):
    """A remote failure as an exception (``CopiedFailure`` raises it)."""

    def __init__(self, remoteType: Any, value: Any, remoteTraceback: Any) -> None:
        Exception.__init__(self, value)
        self.remoteType = remoteType
        self.remoteTraceback = remoteTraceback


class PBConnectionLost(Exception):
    """The connection closed while a call awaited its answer."""


class IPerspective(Interface, Protocol):
    """A user's view of the system over PB: what a realm returns for PB logins."""

    def perspectiveMessageReceived(self, broker: Any, message: Any, args: Any, kw: Any) -> Any:
        """Run the method ``message`` asked for; return its serialized result."""


class IUsernameMD5Password(ICredentials, Protocol):
    """A username and the MD5 digest of a password."""

    def checkPassword(self, password: bytes) -> Any:
        """Whether ``password`` is the password."""

    def checkMD5Password(self, password: bytes) -> Any:
        """Whether ``password`` is the MD5 digest of the password."""


@implementer(IPerspective)
class Avatar:
    """Base for PB avatars: ``callRemote("x")`` on the client's reference runs
    ``perspective_x`` with the arguments."""

    def perspectiveMessageReceived(self, broker: Any, message: Any, args: Any, kw: Any) -> Any:
        return _invokeNamed(broker, self, "perspective_", message, args, kw, self, answerFor=self)


class AsReferenceable(Referenceable):
    """A reference that hands calls to ``object.<messageType>MessageReceived``."""

    def __init__(self, object: Any, messageType: str = "remote") -> None:
        self.remoteMessageReceived = getattr(  # type: ignore[method-assign]
            object, f"{messageType}MessageReceived"
        )


@implementer(IUnjellyable)
class RemoteReference(Serializable, styles.Ephemeral):
    """The peer's object, lent by reference: ``callRemote`` calls its methods.

    When the last reference is garbage collected, the peer is told to forget the object.
    """

    def __init__(self, perspective: Any, broker: Any, luid: Any, doRefCount: Any) -> None:
        self.luid = luid
        self.broker = broker
        self.doRefCount = doRefCount
        self.perspective = perspective
        self.disconnectCallbacks: list[Any] = []

    def notifyOnDisconnect(self, callback: Any) -> None:
        """Call ``callback(self)`` when the connection is lost."""
        assert callable(callback)
        self.disconnectCallbacks.append(callback)
        if len(self.disconnectCallbacks) == 1:
            self.broker.notifyOnDisconnect(self._disconnected)

    def dontNotifyOnDisconnect(self, callback: Any) -> None:
        """Forget a ``notifyOnDisconnect`` callback."""
        self.disconnectCallbacks.remove(callback)
        if not self.disconnectCallbacks:
            self.broker.dontNotifyOnDisconnect(self._disconnected)

    def _disconnected(self) -> None:
        for callback in self.disconnectCallbacks:
            callback(self)
        self.disconnectCallbacks = []

    def jellyFor(self, jellier: Any) -> Any:
        if jellier.invoker is None:
            from twistio.spread.jelly import getInstanceState

            return getInstanceState(self, jellier)
        if jellier.invoker is not self.broker:
            raise Error("Can't send references to brokers other than their own.")
        return [b"local", self.luid]

    def unjellyFor(self, unjellier: Any, unjellyList: Any) -> Any:
        self.__init__(  # type: ignore[misc]
            unjellier.invoker.unserializingPerspective, unjellier.invoker, unjellyList[1], 1
        )
        return self

    def callRemote(self, _name: Any, *args: Any, **kw: Any) -> Any:
        """Call method ``_name`` of the remote object; a Deferred of its result.

        The keyword ``pbanswer=False`` sends the call without waiting for (or getting) an
        answer, and returns None.
        """
        if not isinstance(_name, bytes):
            _name = _name.encode("utf-8")
        return self.broker._sendMessage(b"", self.perspective, self.luid, _name, args, kw)

    def remoteMethod(self, key: Any) -> RemoteMethod:
        """``callRemote`` bound to the method ``key``."""
        return RemoteMethod(self, key)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RemoteReference):
            return bool(self.luid == other.luid)
        return False

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.luid)

    def __del__(self) -> None:
        try:
            if self.doRefCount and not self.broker.disconnected:
                self.broker.sendDecRef(self.luid)
        except BaseException:
            pass


setUnjellyableForClass(b"remote", RemoteReference)


class RemoteMethod:
    """One method of a ``RemoteReference``, callable."""

    def __init__(self, obj: RemoteReference, name: Any) -> None:
        self.obj = obj
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteMethod) and (self.obj, self.name) == (
            other.obj,
            other.name,
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.obj, self.name))

    def __call__(self, *args: Any, **kw: Any) -> Any:
        name = self.name.encode("utf-8") if isinstance(self.name, str) else self.name
        return self.obj.broker._sendMessage(
            b"", self.obj.perspective, self.obj.luid, name, args, kw
        )


class Local:
    """An object lent to the peer, with the count of references the peer holds."""

    def __init__(self, object: Any, perspective: Any = None) -> None:
        self.object = object
        self.perspective = perspective
        self.refcount = 1

    def __repr__(self) -> str:
        return f"<pb.Local {self.object!r} ref:{self.refcount}>"

    def incref(self) -> int:
        """Count one more reference; return the count."""
        self.refcount += 1
        return self.refcount

    def decref(self) -> int:
        """Count one reference less; return the count."""
        self.refcount -= 1
        return self.refcount


# -- failures ---------------------------------------------------------------------------


class CopyableFailure(failure.Failure, Copyable):
    """A Failure that can be sent: its type as a name, its value as text, and its
    traceback only when ``unsafeTracebacks`` is set."""

    unsafeTracebacks = 0

    def getTypeToCopy(self) -> bytes:
        return _WIRE_FAILURE_TAG

    def getStateToCopy(self) -> dict[str, Any]:
        typ = self.type
        return {
            "count": self.count,
            "type": _wireName(qual(typ) if isinstance(typ, type) else typ).encode("utf-8"),
            "value": safe_str(self.value),
            "captureVars": self.captureVars,
            "tb": None,
            "unsafeTracebacks": self.unsafeTracebacks,
            "parents": [_wireName(p) for p in self.parents],
            "frames": [],
            "stack": [],
            "traceback": (
                self.getTraceback() if self.unsafeTracebacks else "Traceback unavailable\n"
            ),
        }


#: The tag a failure travels under: Twisted's class name, which both kinds of peer know.
_WIRE_FAILURE_TAG = b"twisted.spread.pb.CopyableFailure"


def _wireName(name: Any) -> str:
    """A class name as the peer knows it: twistio's own classes under Twisted's names."""
    text = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
    if text.startswith("twistio."):
        return "twisted." + text[len("twistio.") :]
    return text


def _localNames(names: list[Any]) -> list[Any]:
    """``names`` and, for Twisted's classes, twistio's spelling of them (so that
    ``check(pb.Error)`` matches a ``twisted.spread.pb.Error`` from a Twisted peer)."""
    extra = [
        "twistio." + n[len("twisted.") :]
        for n in names
        if isinstance(n, str) and n.startswith("twisted.")
    ]
    return [*names, *extra]


def _asBytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


class CopiedFailure(RemoteCopy, failure.Failure):
    """A failure received from the peer: ``type`` is the remote exception's qualified
    name (bytes), ``value`` its message, and ``check``/``trap`` match by name."""

    def setCopyableState(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.count = state.pop("count", 0)
        self.type = state.pop("type", b"")
        self.value = state.pop("value", "")
        self.tb = state.pop("tb", None)
        self.parents = _localNames(list(state.pop("parents", [self.type])))
        self.frames = state.pop("frames", [])
        state.pop("stack", None)
        self.__dict__.update(state)
        self.__dict__.setdefault("traceback", "Traceback unavailable\n")
        self.__dict__["pickled"] = 1

    def _typeName(self) -> str:
        t = self.type
        if isinstance(t, bytes):
            return t.decode("utf-8", "replace")
        return qual(t) if isinstance(t, type) else str(t)

    def printTraceback(
        self, file: Any = None, elideFrameworkCode: int = 0, detail: str = "default"
    ) -> None:
        if file is None:
            file = log.logerr
        file.write(f"Traceback from remote host -- {self._typeName()}: {self.value}\n")

    printBriefTraceback = printTraceback
    printDetailedTraceback = printTraceback

    def getTraceback(self, elideFrameworkCode: int = 0, detail: str = "default") -> str:
        io = StringIO()
        self.printTraceback(io)
        return io.getvalue()

    def getErrorMessage(self) -> str:
        return safe_str(self.value)

    def __repr__(self) -> str:
        return f"<{qual(type(self))} {self._typeName()}: {self.value}>"

    def raiseException(self) -> Any:
        raise RemoteError(self.type, self.value, getattr(self, "traceback", ""))

    def throwExceptionIntoGenerator(self, g: Any) -> Any:
        return g.throw(RemoteError(self.type, self.value, getattr(self, "traceback", "")))


setUnjellyableForClass(CopyableFailure, CopiedFailure)
setUnjellyableForClass(_WIRE_FAILURE_TAG, CopiedFailure)


def failure2Copyable(fail: failure.Failure, unsafeTracebacks: int = 0) -> CopyableFailure:
    """A ``CopyableFailure`` with the state of ``fail``."""
    f = CopyableFailure.__new__(CopyableFailure)
    f._setState(fail._getState())
    f.unsafeTracebacks = unsafeTracebacks
    return f


# -- the broker -------------------------------------------------------------------------


class Broker(banana.Banana):
    """One end of a PB connection: sends calls, answers them, and keeps the tables of
    lent and borrowed objects."""

    transport: ConnectionTransport

    version = 6
    username = None
    factory: Any = None
    maxBrokerRefsViolations = 0
    waitingForAnswers: Any = None

    def __init__(self, isClient: int = 1, security: Any = globalSecurity) -> None:
        banana.Banana.__init__(self, isClient)
        self.security = security
        self.disconnected = 0
        # Callbacks for the three moments of a connection's life; ``connects`` becomes
        # None once the connection is ready.
        self.disconnects: list[Any] = []
        self.failures: list[Any] = []
        self.connects: list[Any] | None = []
        # Objects lent to the peer: id -> Local, and processUniqueID -> id.
        self.localObjects: dict[Any, Local] = {}
        self.luids: dict[Any, Any] = {}
        # Cacheables copied to the peer (the same two maps), and the peer's cacheables
        # copied here.
        self.remotelyCachedObjects: dict[Any, Local] = {}
        self.remotelyCachedLUIDs: dict[Any, Any] = {}
        self.locallyCachedObjects: dict[Any, Any] = {}
        self.waitingForAnswers = {}
        self._localCleanup: dict[Any, Any] = {}
        self.pageProducers: list[Any] = []
        self.currentRequestID = 0
        self.currentLocalID = 0
        self.maxBrokerRefsViolations = 0
        # What the jelly running now is for (read by the flavors' jellyFor).
        self.serializingPerspective: Any = None
        self.unserializingPerspective: Any = None
        self.jellyMethod: Any = None
        self.jellyArgs: Any = None
        self.jellyKw: Any = None

    # -- paging (a pull producer of pagers' pages)

    def resumeProducing(self) -> None:
        """Send the next page of every pager; unregister when none is left."""
        active = []
        for pager in self.pageProducers:
            pager.sendNextPage()
            if pager.stillPaging():
                active.append(pager)
        self.pageProducers[:] = active
        if not active:
            self.transport.unregisterProducer()

    def pauseProducing(self) -> None:
        pass

    def stopProducing(self) -> None:
        pass

    def registerPageProducer(self, pager: Any) -> None:
        """Send ``pager``'s pages as the transport asks for data."""
        first = not self.pageProducers
        self.pageProducers.append(pager)
        if first:
            self.transport.registerProducer(self, False)

    # -- messages

    def expressionReceived(self, sexp: Any) -> None:
        if not isinstance(sexp, list):
            raise ProtocolError("Non-list expression received.")
        command, *fields = sexp
        name = command.decode("utf-8") if isinstance(command, bytes) else str(command)
        handler = getattr(self, "proto_" + name, None)
        if handler is None:
            self.sendCall(b"didNotUnderstand", command)
        else:
            handler(*fields)

    def proto_version(self, vnum: Any) -> None:
        if vnum != self.version:
            raise ProtocolError(f"Version Incompatibility: {self.version} {vnum}")

    def sendCall(self, *exp: Any) -> None:
        """Send one message (a list of its parts)."""
        self.sendEncoded(exp)

    def proto_didNotUnderstand(self, command: Any) -> None:
        log.msg(f"Didn't understand command: {command!r}")

    def _runAll(self, callbacks: list[Any], *args: Any) -> None:
        """Call each of ``callbacks`` with ``args``, logging (not raising) what they raise."""
        for callback in callbacks:
            try:
                callback(*args)
            except BaseException:
                log.deferr()

    def connectionReady(self) -> None:
        self.sendCall(b"version", self.version)
        waiting, self.connects = self.connects or [], None
        self._runAll(waiting)
        made = getattr(self.factory, "clientConnectionMade", None)
        if made is not None:
            made(self)

    def connectionFailed(self) -> None:
        waiting, self.failures = self.failures, []
        self._runAll(waiting)

    def connectionLost(self, reason: Any = None) -> None:
        self.disconnected = 1
        pending, self.waitingForAnswers = self.waitingForAnswers or {}, {}
        for waiting in pending.values():
            self._runAll([waiting.errback], failure.Failure(PBConnectionLost(reason)))
        # Every cacheable the peer held stops being observed.
        for lent in list(self.remotelyCachedObjects.values()):
            self._stopObserving(lent)
        notifiers, self.disconnects = list(self.disconnects), []
        self._runAll(notifiers)
        self.remotelyCachedObjects = {}
        self.remotelyCachedLUIDs = {}
        self.locallyCachedObjects = {}
        self.localObjects = {}
        self.luids = {}

    def _stopObserving(self, lent: Local) -> None:
        observer = RemoteCacheObserver(self, lent.object, lent.perspective)
        self._runAll([lent.object.stoppedObserving], lent.perspective, observer)

    def notifyOnDisconnect(self, notifier: Any) -> None:
        """Call ``notifier()`` when the connection is lost."""
        assert callable(notifier)
        self.disconnects.append(notifier)

    def notifyOnFail(self, notifier: Any) -> None:
        """Call ``notifier()`` if the connection fails."""
        self.failures.append(notifier)

    def notifyOnConnect(self, notifier: Any) -> None:
        """Call ``notifier()`` once the connection is ready (now, if it is)."""
        if self.connects is not None:
            self.connects.append(notifier)
            return
        self._runAll([notifier])

    def dontNotifyOnDisconnect(self, notifier: Any) -> None:
        """Forget a ``notifyOnDisconnect`` notifier."""
        if notifier in self.disconnects:
            self.disconnects.remove(notifier)

    # -- the tables

    def localObjectForID(self, luid: Any) -> Any:
        """The object lent under ``luid``, or None."""
        lent = self.localObjects.get(luid)
        return None if lent is None else lent.object

    def registerReference(self, object: Any) -> Any:
        """Lend ``object`` (again): its id for the peer."""
        assert object is not None
        puid = object.processUniqueID()
        known = self.luids.get(puid)
        if known is not None:
            self.localObjects[known].incref()
            return known
        if len(self.localObjects) > MAX_BROKER_REFS:
            self.maxBrokerRefsViolations += 1
            if self.maxBrokerRefsViolations <= 3:
                raise Error("Maximum PB reference count exceeded.")
            self.transport.loseConnection()
            raise Error("Maximum PB reference count exceeded.  Goodbye.")
        fresh = self.newLocalID()
        self.luids[puid] = fresh
        self.localObjects[fresh] = Local(object, self.serializingPerspective)
        return fresh

    def setNameForLocal(self, name: Any, object: Any) -> None:
        """Lend ``object`` under a fixed ``name`` (the root object is ``b"root"``)."""
        assert object is not None
        self.localObjects[_asBytes(name)] = Local(object)

    def remoteForName(self, name: Any) -> RemoteReference:
        """A reference to the peer's object lent under ``name``."""
        return RemoteReference(None, self, _asBytes(name), 0)

    def cachedRemotelyAs(self, instance: Any, incref: int = 0) -> Any:
        """The id ``instance`` is cached under at the peer, or None (counting one more
        copy when ``incref``)."""
        luid = self.remotelyCachedLUIDs.get(instance.processUniqueID())
        if incref and luid is not None:
            self.remotelyCachedObjects[luid].incref()
        return luid

    def remotelyCachedForLUID(self, luid: Any) -> Any:
        """The cacheable cached at the peer under ``luid``."""
        return self.remotelyCachedObjects[luid].object

    def cacheRemotely(self, instance: Any) -> Any:
        """Record ``instance`` as cached at the peer: its new id."""
        fresh = self.newLocalID()
        if len(self.remotelyCachedObjects) > MAX_BROKER_REFS:
            raise Error("Maximum PB cache count exceeded.")
        self.remotelyCachedObjects[fresh] = Local(instance, self.serializingPerspective)
        self.remotelyCachedLUIDs[instance.processUniqueID()] = fresh
        return fresh

    def cacheLocally(self, cid: Any, instance: Any) -> None:
        """Keep the copy of the peer's cacheable ``cid``."""
        self.locallyCachedObjects[cid] = instance

    def cachedLocallyAs(self, cid: Any) -> Any:
        """The copy of the peer's cacheable ``cid``."""
        return self.locallyCachedObjects[cid]

    # -- serialization

    def serialize(
        self,
        object: Any,
        perspective: Any = None,
        method: Any = None,
        args: Any = None,
        kw: Any = None,
    ) -> Any:
        """Jelly ``object`` for this connection (a Deferred: once it fires)."""
        if isinstance(object, defer.Deferred):
            return object.addCallback(self.serialize, perspective, method, args, kw)
        context = (perspective, method, args, kw)
        (self.serializingPerspective, self.jellyMethod, self.jellyArgs, self.jellyKw) = context
        try:
            return jelly(object, self.security, None, self)
        finally:
            self.serializingPerspective = self.jellyMethod = None
            self.jellyArgs = self.jellyKw = None

    def unserialize(self, sexp: Any, perspective: Any = None) -> Any:
        """Unjelly ``sexp`` from this connection, under its security options."""
        self.unserializingPerspective = perspective
        try:
            return unjelly(sexp, self.security, None, self)
        finally:
            self.unserializingPerspective = None

    def newLocalID(self) -> int:
        """A new id for a lent object."""
        self.currentLocalID += 1
        return self.currentLocalID

    def newRequestID(self) -> int:
        """A new id for a call."""
        self.currentRequestID += 1
        return self.currentRequestID

    # -- calls

    def _sendMessage(
        self, prefix: bytes, perspective: Any, objectID: Any, message: Any, args: Any, kw: Any
    ) -> Any:
        # Three keywords are for PB, not for the remote method.
        callback = kw.pop("pbcallback", None)
        errback = kw.pop("pberrback", None)
        wantAnswer = kw.pop("pbanswer", 1)
        if not wantAnswer and (callback or errback):
            raise ValueError("You can't specify a no-answer requirement.")
        if self.disconnected:
            raise DeadReferenceError("Calling Stale Broker")
        try:
            netArgs, netKw = (
                self.serialize(part, perspective=perspective, method=message) for part in (args, kw)
            )
        except BaseException:
            return defer.fail()
        requestID = self.newRequestID()
        answer: defer.Deferred[Any] | None = None
        if wantAnswer:
            answer = self.waitingForAnswers[requestID] = defer.Deferred()
            if callback or errback:
                log.msg('warning! using deprecated "pbcallback"')
                answer.addCallbacks(callback or _same, errback or _same)
        call = (requestID, objectID, message, wantAnswer, netArgs, netKw)
        self.sendCall(prefix + b"message", *call)
        return answer

    def proto_message(self, *call: Any) -> None:
        self._recvMessage(self.localObjectForID, *call)

    def proto_cachemessage(self, *call: Any) -> None:
        self._recvMessage(self.cachedLocallyAs, *call)

    def _recvMessage(
        self,
        findObjMethod: Any,
        requestID: Any,
        objectID: Any,
        message: Any,
        answerRequired: Any,
        netArgs: Any,
        netKw: Any,
    ) -> None:
        replyTo = requestID if answerRequired else None
        if isinstance(message, bytes):
            message = message.decode("utf-8")  # the method name, as a str for the object
        try:
            outcome = self._deliver(findObjMethod(objectID), message, netArgs, netKw)
        except Error as e:
            # Raised on purpose: no traceback in the log, and the error itself is sent
            # when the peer may rebuild it.
            if replyTo is not None:
                sendable = isinstance(e, Jellyable) or self.security.isClassAllowed(type(e))
                self._sendError(e if sendable else CopyableFailure(e), replyTo)
            return
        except BaseException:
            unexpected = CopyableFailure()
            if replyTo is not None:
                log.msg("Peer will receive following PB traceback:", isError=True)
                self._sendError(unexpected, replyTo)
            log.err(unexpected)
            return
        if replyTo is None:
            return
        if isinstance(outcome, defer.Deferred):
            outcome.addCallbacks(
                self._sendAnswer, self._sendFailureOrError, (replyTo,), None, (replyTo,)
            )
        else:
            self._sendAnswer(outcome, replyTo)

    def _deliver(self, target: Any, message: str, netArgs: Any, netKw: Any) -> Any:
        if target is None:
            raise Error("Invalid Object ID")
        return target.remoteMessageReceived(self, message, netArgs, netKw)

    def _sendAnswer(self, netResult: Any, requestID: Any) -> None:
        self.sendCall(b"answer", requestID, netResult)

    def proto_answer(self, requestID: Any, netResult: Any) -> None:
        waiting = self.waitingForAnswers.pop(requestID)
        waiting.callback(self.unserialize(netResult))

    def _sendFailureOrError(self, fail: failure.Failure, requestID: Any) -> None:
        if fail.check(Error) is not None:
            self._sendError(fail, requestID)
            return
        self._sendFailure(fail, requestID)

    def _sendFailure(self, fail: failure.Failure, requestID: Any) -> None:
        log.msg("Peer will receive following PB traceback:")
        log.err(fail)
        self._sendError(fail, requestID)

    def _sendError(self, fail: Any, requestID: Any) -> None:
        unsafe = getattr(self.factory, "unsafeTracebacks", 0)
        if isinstance(fail, failure.Failure):
            inner = fail.value
            if isinstance(inner, Jellyable) or self.security.isClassAllowed(type(inner)):
                fail = inner  # an exception the peer can rebuild goes as itself
            elif not isinstance(fail, CopyableFailure):
                fail = failure2Copyable(fail, unsafe)
        if isinstance(fail, CopyableFailure):
            fail.unsafeTracebacks = unsafe
        self.sendCall(b"error", requestID, self.serialize(fail))

    def proto_error(self, requestID: Any, fail: Any) -> None:
        waiting = self.waitingForAnswers.pop(requestID)
        waiting.errback(self.unserialize(fail))

    # -- reference counts

    def sendDecRef(self, objectID: Any) -> None:
        """Tell the peer one reference to its object ``objectID`` is gone."""
        self.sendCall(b"decref", objectID)

    def proto_decref(self, objectID: Any) -> None:
        key = _asBytes(objectID) if isinstance(objectID, str) else objectID
        lent = self.localObjects.get(key)
        if lent is None or lent.decref() > 0:
            return
        # The peer holds no reference any more: forget it, and log out an avatar.
        del self.localObjects[key]
        puid = lent.object.processUniqueID()
        self.luids.pop(puid, None)
        self._localCleanup.pop(puid, _nothing)()

    def decCacheRef(self, objectID: Any) -> None:
        """Tell the peer one copy of its cacheable ``objectID`` is gone."""
        self.sendCall(b"decache", objectID)

    def proto_decache(self, objectID: Any) -> None:
        lent = self.remotelyCachedObjects.get(objectID)
        if lent is None or lent.decref() > 0:
            return
        self._stopObserving(lent)
        self.remotelyCachedLUIDs.pop(lent.object.processUniqueID(), None)
        del self.remotelyCachedObjects[objectID]
        self.sendCall(b"uncache", objectID)

    def proto_uncache(self, objectID: Any) -> None:
        copy = self.locallyCachedObjects.pop(objectID, None)
        if copy is not None:
            copy.broker = None


def _same(value: Any) -> Any:
    return value


def _nothing() -> None:
    pass


# -- login --------------------------------------------------------------------------------


def respond(challenge: bytes, password: bytes) -> bytes:
    """The answer to a login challenge: ``md5(md5(password) + challenge)``."""
    return md5(md5(password).digest() + challenge).digest()


def challenge() -> bytes:
    """A new random login challenge (16 bytes)."""
    return md5(random.randbytes(64)).digest()


class PBClientFactory(ClientFactory):
    """Connects to a PB server: ``getRootObject()`` and ``login(credentials)``."""

    protocol = Broker
    unsafeTracebacks = False

    def __init__(self, unsafeTracebacks: bool = False, security: Any = globalSecurity) -> None:
        self.unsafeTracebacks = unsafeTracebacks
        self.security = security
        self._reset()

    def buildProtocol(self, addr: Any) -> Any:
        protocol = self.protocol(isClient=True, security=self.security)
        protocol.factory = self
        return protocol

    def _reset(self) -> None:
        self.rootObjectRequests: list[defer.Deferred[Any]] = []
        self._broker: Any = None
        self._root: Any = None

    def _failAll(self, reason: Any) -> None:
        deferreds = self.rootObjectRequests
        self._reset()
        for d in deferreds:
            d.errback(reason)

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        self._failAll(reason)

    def clientConnectionLost(self, connector: Any, reason: Any, reconnecting: int = 0) -> None:
        if reconnecting:
            # Keep the requests waiting for the next connection.
            self._broker = None
            self._root = None
        else:
            self._failAll(reason)

    def clientConnectionMade(self, broker: Broker) -> None:
        self._broker, self._root = broker, broker.remoteForName("root")
        waiting, self.rootObjectRequests = self.rootObjectRequests, []
        for request in waiting:
            request.callback(self._root)

    def getRootObject(self) -> defer.Deferred[Any]:
        """A Deferred of the server's root object (a ``RemoteReference``)."""
        if self._broker and not self._broker.disconnected:
            return defer.succeed(self._root)
        d: defer.Deferred[Any] = defer.Deferred()
        self.rootObjectRequests.append(d)
        return d

    def disconnect(self) -> None:
        """Close the connection, if there is one."""
        if self._broker:
            self._broker.transport.loseConnection()

    def _cbSendUsername(self, root: Any, username: Any, password: Any, client: Any) -> Any:
        return root.callRemote("login", username).addCallback(self._cbResponse, password, client)

    def _cbResponse(self, challenges: Any, password: Any, client: Any) -> Any:
        challenge, challenger = challenges
        return challenger.callRemote("respond", respond(challenge, password), client)

    def _cbLoginAnonymous(self, root: Any, client: Any) -> Any:
        return root.callRemote("loginAnonymous", client)

    def login(self, credentials: Any, client: Any = None) -> defer.Deferred[Any]:
        """Log in with ``credentials`` (a username and password, or ``Anonymous()``);
        ``client`` is sent as the mind. A Deferred of the avatar's reference."""
        d = self.getRootObject()
        if IAnonymous.providedBy(credentials):
            d.addCallback(self._cbLoginAnonymous, client)
        else:
            d.addCallback(self._cbSendUsername, credentials.username, credentials.password, client)
        return d


class PBServerFactory(ServerFactory):
    """Serves a root object (any ``IPBRoot``; a ``Portal`` gives login)."""

    protocol = Broker
    unsafeTracebacks = False

    def __init__(
        self, root: Any, unsafeTracebacks: bool = False, security: Any = globalSecurity
    ) -> None:
        self.root: Any = IPBRoot(root)  # type: ignore[misc,call-arg]
        self.unsafeTracebacks = unsafeTracebacks
        self.security = security

    def buildProtocol(self, addr: Any) -> Any:
        proto = self.protocol(isClient=False, security=self.security)
        proto.factory = self
        proto.setNameForLocal("root", self.root.rootObject(proto))
        return proto

    def clientConnectionMade(self, protocol: Broker) -> None:
        pass


class _JellyableAvatarMixin:
    """Turns a login's result into the avatar sent back, logging out once when the
    client drops it or the connection goes."""

    broker: Broker

    def _cbLogin(self, result: Any) -> Any:
        (_interface, avatar, logout) = result
        if not IJellyable.providedBy(avatar):
            avatar = AsReferenceable(avatar, "perspective")
        puid = avatar.processUniqueID()
        pending = [logout]

        def maybeLogout() -> None:
            if not pending:
                return
            fn = pending.pop()
            fn()

        self.broker._localCleanup[puid] = maybeLogout
        self.broker.notifyOnDisconnect(maybeLogout)
        return avatar


class _PortalRoot:
    """The root object of a server whose root is a ``Portal``."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def rootObject(self, broker: Broker) -> _PortalWrapper:
        return _PortalWrapper(self.portal, broker)


registerAdapter(_PortalRoot, Portal, IPBRoot)


class _PortalWrapper(Referenceable, _JellyableAvatarMixin):
    """The root each connection to a portal gets: ``login`` and ``loginAnonymous``."""

    def __init__(self, portal: Portal, broker: Broker) -> None:
        self.portal = portal
        self.broker = broker

    def remote_login(self, username: Any) -> Any:
        c = challenge()
        return c, _PortalAuthChallenger(self.portal, self.broker, username, c)

    def remote_loginAnonymous(self, mind: Any) -> Any:
        d = self.portal.login(Anonymous(), mind, IPerspective)
        d.addCallback(self._cbLogin)
        return d


@implementer(IUsernameHashedPassword, IUsernameMD5Password)
class _PortalAuthChallenger(Referenceable, _JellyableAvatarMixin):
    """The credentials of one login: checks the client's response to the challenge."""

    def __init__(self, portal: Portal, broker: Broker, username: Any, challenge: bytes) -> None:
        self.portal = portal
        self.broker = broker
        self.username = username
        self.challenge = challenge
        self.response: bytes | None = None

    def remote_respond(self, response: bytes, mind: Any) -> Any:
        self.response = response
        d = self.portal.login(self, mind, IPerspective)
        d.addCallback(self._cbLogin)
        return d

    def checkPassword(self, password: Any) -> bool:
        if isinstance(password, str):
            password = password.encode("utf-8")
        return self.checkMD5Password(md5(password).digest())

    def checkMD5Password(self, md5Password: bytes) -> bool:
        correct = md5(md5Password + self.challenge).digest()
        return self.response == correct
