"""The kinds of objects Perspective Broker sends, and how each travels.

- ``Referenceable``: sent by reference (``[b"remote", id]``); the peer gets a
  ``RemoteReference`` whose ``callRemote("x")`` runs ``remote_x`` here.
- ``Viewable``: like a reference, but each caller's perspective is passed to ``view_x``.
- ``Copyable``: sent by value (``[tag, state]``); the peer rebuilds it with the
  ``RemoteCopy`` class registered for the tag (``setUnjellyableForClass``).
- ``Cacheable``: sent by value once per connection (``[tag, id, state]``, then
  ``[b"cached", id]``), its peer copy, a ``RemoteCache``, kept up to date through an
  observer (``observe_x`` methods).

Every flavor is a ``Jellyable``: outside a broker (no invoker) it jellies as a plain
instance.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.python import log
from twistio.python.reflect import qual
from twistio.spread import jelly as _jelly

__all__ = [
    "Cacheable",
    "Copyable",
    "IPBRoot",
    "NoSuchMethod",
    "Referenceable",
    "RemoteCache",
    "RemoteCacheMethod",
    "RemoteCacheObserver",
    "RemoteCopy",
    "Root",
    "Serializable",
    "ViewPoint",
    "Viewable",
    "copyTags",
    "setCopierForClass",
    "setCopierForClassTree",
    "setFactoryForClass",
    "unjellyCached",
    "unjellyLCache",
    "unjellyLocal",
]

# Names of the lower layer this module also offers, as Twisted's does.
Jellyable = _jelly.Jellyable
Unjellyable = _jelly.Unjellyable
_createBlank = _jelly._createBlank
getInstanceState = _jelly.getInstanceState
setInstanceState = _jelly.setInstanceState
setUnjellyableFactoryForClass = _jelly.setUnjellyableFactoryForClass
setUnjellyableForClass = _jelly.setUnjellyableForClass
setUnjellyableForClassTree = _jelly.setUnjellyableForClassTree
unjellyableRegistry = _jelly.unjellyableRegistry

#: The wire atoms of the flavors.
remote_atom = b"remote"
cache_atom = b"cache"
cached_atom = b"cached"
copy_atom = b"copy"

#: Tag -> the class rebuilding copies sent under it (jelly's registry, by its PB name).
copyTags = unjellyableRegistry
setCopierForClass = setUnjellyableForClass
setCopierForClassTree = setUnjellyableForClassTree
setFactoryForClass = setUnjellyableFactoryForClass


class NoSuchMethod(AttributeError):
    """The remote object has no method of that name."""


def _invokeNamed(
    broker: Any,
    owner: Any,
    prefix: str,
    message: Any,
    netArgs: Any,
    netKw: Any,
    unserializeFor: Any = None,
    *,
    lead: tuple[Any, ...] = (),
    answerFor: Any = None,
    strict: bool = False,
) -> Any:
    """Run ``owner.<prefix><message>(*lead, *args, **kw)`` for a message from ``broker``;
    the result serialized for ``answerFor``. A missing method raises ``NoSuchMethod`` when
    ``strict``, the usual ``AttributeError`` otherwise."""
    args = broker.unserialize(netArgs, unserializeFor)
    kw = broker.unserialize(netKw, unserializeFor)
    name = prefix + (message.decode("utf-8") if isinstance(message, bytes) else message)
    if strict and not hasattr(owner, name):
        raise NoSuchMethod(f"No such method: {name}")
    method = getattr(owner, name)
    try:
        result = method(*lead, *args, **kw)
    except TypeError:
        log.msg(f"{method} didn't accept {args} and {kw}")
        raise
    return broker.serialize(result, answerFor, method, args, kw)


class IPBRoot(Interface, Protocol):
    """The object a PB server offers first, before any login."""

    def rootObject(self, broker: Any) -> Any:
        """The root object for a new connection ``broker``."""


class Serializable(Jellyable):
    """Base of the flavors: something a broker knows how to send."""

    def processUniqueID(self) -> Any:
        """What identifies this object to a broker (objects with the same one are sent as
        the same remote reference)."""
        return id(self)


class Referenceable(Serializable):
    """Sent by reference: the peer calls its ``remote_*`` methods."""

    perspective: Any = None

    def remoteMessageReceived(self, broker: Any, message: Any, args: Any, kw: Any) -> Any:
        """Run ``remote_<message>`` with the unserialized arguments; return the serialized
        result."""
        return _invokeNamed(
            broker, self, "remote_", message, args, kw, answerFor=self.perspective, strict=True
        )

    def jellyFor(self, jellier: Any) -> Any:
        if jellier.invoker is None:
            return getInstanceState(self, jellier)
        return [remote_atom, jellier.invoker.registerReference(self)]


@implementer(IPBRoot)
class Root(Referenceable):
    """A root object: the same object is given to every connection."""

    def rootObject(self, broker: Any) -> Any:
        return self


class ViewPoint(Referenceable):
    """A ``Viewable`` seen by one perspective: calls become ``view_<name>(perspective, ...)``."""

    def __init__(self, perspective: Any, object: Any) -> None:
        self.perspective = perspective
        self.object = object

    def processUniqueID(self) -> Any:
        return (id(self.perspective), id(self.object))

    def remoteMessageReceived(self, broker: Any, message: Any, args: Any, kw: Any) -> Any:
        who = self.perspective
        return _invokeNamed(
            broker, self.object, "view_", message, args, kw, who, lead=(who,), answerFor=who
        )


class Viewable(Serializable):
    """Sent as a ``ViewPoint`` for the perspective it is sent to."""

    def jellyFor(self, jellier: Any) -> Any:
        return ViewPoint(jellier.invoker.serializingPerspective, self).jellyFor(jellier)


class Copyable(Serializable):
    """Sent by value: ``[getTypeToCopyFor(p), getStateToCopyFor(p)]``."""

    def getStateToCopy(self) -> Any:
        """The state to send (``__dict__`` unless overridden)."""
        return self.__dict__

    def getStateToCopyFor(self, perspective: Any) -> Any:
        """The state to send to ``perspective`` (``getStateToCopy()`` unless overridden)."""
        return self.getStateToCopy()

    def getTypeToCopy(self) -> bytes:
        """The tag the peer finds its copy class under: the class's qualified name."""
        return qual(self.__class__).encode("utf-8")

    def getTypeToCopyFor(self, perspective: Any) -> bytes:
        """The tag for ``perspective`` (``getTypeToCopy()`` unless overridden)."""
        return self.getTypeToCopy()

    def jellyFor(self, jellier: Any) -> Any:
        broker = jellier.invoker
        if broker is None:
            return getInstanceState(self, jellier)
        whom = broker.serializingPerspective
        form = jellier.prepare(self)
        form.append(self.getTypeToCopyFor(whom))
        form.append(jellier.jelly(self.getStateToCopyFor(whom)))
        return jellier.preserve(self, form)


class Cacheable(Copyable):
    """Sent by value once per connection, then kept in sync through an observer."""

    def getStateToCacheAndObserveFor(self, perspective: Any, observer: Any) -> Any:
        """The state to send, and ``observer`` (a ``RemoteCacheObserver``) to call the
        copy's ``observe_*`` methods with (keep it until ``stoppedObserving``)."""
        return self.getStateToCopyFor(perspective)

    def jellyFor(self, jellier: Any) -> Any:
        if jellier.invoker is None:
            return getInstanceState(self, jellier)
        broker = jellier.invoker
        known = broker.cachedRemotelyAs(self, 1)
        if known is not None:
            # The peer has a copy already: name it.
            return [cached_atom, known]
        cacheID = broker.cacheRemotely(self)
        whom = broker.serializingPerspective
        tag = self.getTypeToCopyFor(whom)
        state = self.getStateToCacheAndObserveFor(whom, RemoteCacheObserver(broker, self, whom))
        form = jellier.prepare(self)
        form += [tag, cacheID, jellier.jelly(state)]
        return jellier.preserve(self, form)

    def stoppedObserving(self, perspective: Any, observer: Any) -> None:
        """The peer of ``perspective`` dropped its copy (or the connection is gone)."""


class RemoteCopy(Unjellyable):
    """The local copy of a ``Copyable``: ``setCopyableState`` takes the state sent."""

    def setCopyableState(self, state: Any) -> None:
        """Take the state (``__dict__ = state`` unless overridden)."""
        if state is not None:
            self.__dict__ = state

    def unjellyFor(self, unjellier: Any, jellyList: Any) -> Any:
        if unjellier.invoker is None:
            return setInstanceState(self, unjellier, jellyList)
        self.setCopyableState(unjellier.unjelly(jellyList[1]))
        return self


class RemoteCache(RemoteCopy, Serializable):
    """The local copy of a ``Cacheable``; the owner's observer calls its ``observe_*``
    methods.

    Each time the cacheable arrives, the receiver gets a new object sharing the state of
    the one copy the broker keeps; when each is garbage collected the owner is told, and
    it drops its side once they all are.
    """

    broker: Any = None
    luid: Any = None

    def remoteMessageReceived(self, broker: Any, message: Any, args: Any, kw: Any) -> Any:
        return _invokeNamed(broker, self, "observe_", message, args, kw)

    def jellyFor(self, jellier: Any) -> Any:
        if jellier.invoker is None:
            return getInstanceState(self, jellier)
        if jellier.invoker is not self.broker:
            from twistio.spread.pb import Error

            raise Error("Can't send references to brokers other than their own.")
        return [b"lcache", self.luid]

    def unjellyFor(self, unjellier: Any, jellyList: Any) -> Any:
        broker = unjellier.invoker
        if broker is None:
            return setInstanceState(self, unjellier, jellyList)
        cacheID, stateForm = jellyList[1], jellyList[2]
        self.broker, self.luid = broker, cacheID
        view = self._borgify()
        type(view).__init__(view)
        broker.cacheLocally(cacheID, self)
        view.setCopyableState(unjellier.unjelly(stateForm))
        # setCopyableState may have replaced __dict__ rather than updated it: share
        # whichever it ended with.
        self.__dict__ = view.__dict__
        self.broker, self.luid = broker, cacheID
        return view

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteCache) and self.__dict__ is other.__dict__

    def __hash__(self) -> int:
        return int(id(self.__dict__) % sys.maxsize)

    def __del__(self) -> None:
        # Only the copies handed out tell the owner; the broker's own copy was dropped
        # (broker set to None) when the owner said it forgot the object.
        try:
            if self.broker and not getattr(self.broker, "disconnected", 1):
                self.broker.decCacheRef(self.luid)
        except BaseException:
            pass

    def _borgify(self) -> Any:
        """A new object of this class sharing this one's ``__dict__``."""
        blank = _createBlank(self.__class__)
        blank.__dict__ = self.__dict__
        return blank


def unjellyCached(unjellier: Any, unjellyList: Any) -> Any:
    """A cacheable sent again: a new view of the copy already here."""
    luid = unjellyList[1]
    return unjellier.invoker.cachedLocallyAs(luid)._borgify()


def unjellyLCache(unjellier: Any, unjellyList: Any) -> Any:
    """A ``RemoteCache`` sent back to its owner: the owner's cacheable."""
    luid = unjellyList[1]
    return unjellier.invoker.remotelyCachedForLUID(luid)


def unjellyLocal(unjellier: Any, unjellyList: Any) -> Any:
    """A ``RemoteReference`` sent back to its owner: the owner's object."""
    return unjellier.invoker.localObjectForID(unjellyList[1])


setUnjellyableForClass(cached_atom, unjellyCached)
setUnjellyableForClass(b"lcache", unjellyLCache)
setUnjellyableForClass(b"local", unjellyLocal)


class RemoteCacheMethod:
    """A method of the peer's copy of a ``Cacheable``, called through an observer."""

    def __init__(self, name: Any, broker: Any, cached: Any, perspective: Any) -> None:
        self.name = name
        self.broker = broker
        self.perspective = perspective
        self.cached = cached

    def __call__(self, *args: Any, **kw: Any) -> Any:
        cacheID = self.broker.cachedRemotelyAs(self.cached)
        if cacheID is None:
            from twistio.spread.pb import ProtocolError

            raise ProtocolError(
                "You can't call a cached method when the object hasn't been given to the peer yet."
            )
        name = self.name.encode("utf-8") if isinstance(self.name, str) else self.name
        return self.broker._sendMessage(b"cache", self.perspective, cacheID, name, args, kw)


class RemoteCacheObserver:
    """What a ``Cacheable`` calls to reach its copy on one connection:
    ``observer.callRemote("x", ...)`` runs ``observe_x`` there."""

    def __init__(self, broker: Any, cached: Any, perspective: Any) -> None:
        self.broker = broker
        self.cached = cached
        self.perspective = perspective

    def __repr__(self) -> str:
        return (
            f"<RemoteCacheObserver({self.broker!r}, {self.cached!r}, "
            f"{self.perspective!r}) at {id(self)}>"
        )

    def __hash__(self) -> int:
        return (
            (hash(self.broker) % 2**10)
            + (hash(self.perspective) % 2**10)
            + (hash(self.cached) % 2**10)
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RemoteCacheObserver):
            return NotImplemented
        return (self.broker, self.perspective, self.cached) == (
            other.broker,
            other.perspective,
            other.cached,
        )

    def callRemote(self, _name: Any, *args: Any, **kw: Any) -> Any:
        """Call ``observe_<_name>`` on the peer's copy; a Deferred of its result."""
        if not self.broker:
            from twistio.spread.pb import DeadReferenceError

            raise DeadReferenceError("Calling Stale Broker")
        cacheID = self.broker.cachedRemotelyAs(self.cached)
        if cacheID is None:
            from twistio.spread.pb import ProtocolError

            raise ProtocolError(
                "You can't call a cached method when the object hasn't been given to the peer yet."
            )
        name = _name.encode("utf-8") if isinstance(_name, str) else _name
        return self.broker._sendMessage(b"cache", self.perspective, cacheID, name, args, kw)

    def remoteMethod(self, key: Any) -> RemoteCacheMethod:
        """``callRemote`` bound to one method name."""
        return RemoteCacheMethod(key, self.broker, self.cached, self.perspective)
