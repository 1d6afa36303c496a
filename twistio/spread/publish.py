"""Cached PB objects whose state the client also keeps on disk between sessions.

A ``Publishable`` is a ``Cacheable`` sent with a timestamp and a reference to itself; its
``RemotePublished`` copy loads the state saved on disk when it is as recent, and asks the
publisher (``getStateToPublish``) otherwise, then saves it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from twistio.internet import defer
from twistio.spread import banana, flavors, jelly

__all__ = ["Publishable", "RemotePublished", "whenReady"]


class Publishable(flavors.Cacheable):
    """An object whose cached state persists across sessions."""

    def __init__(self, publishedID: Any) -> None:
        self.republish()
        self.publishedID = publishedID

    def republish(self) -> None:
        """Mark the state as changed now."""
        self.timestamp = time.time()

    def view_getStateToPublish(self, perspective: Any) -> Any:
        return self.getStateToPublishFor(perspective)

    def getStateToPublishFor(self, perspective: Any) -> Any:
        """The state for ``perspective`` (``getStateToPublish()`` unless overridden)."""
        return self.getStateToPublish()

    def getStateToPublish(self) -> Any:
        """The state to publish; subclasses give it."""
        raise NotImplementedError()

    def getStateToCacheAndObserveFor(self, perspective: Any, observer: Any) -> Any:
        return {
            "remote": flavors.ViewPoint(perspective, self),
            "publishedID": self.publishedID,
            "time": self.timestamp,
        }


class RemotePublished(flavors.RemoteCache):
    """The client's copy of a ``Publishable``."""

    isActivated = 0
    publishedID: Any = None
    remote: Any = None
    _wasCleanWhenLoaded = 0

    def getFileName(self, ext: str = "pub") -> str:
        """The file the state is saved in."""
        service = getattr(getattr(self, "service", None), "serviceName", "pb")
        perspective = getattr(self, "perspectiveName", "perspective")
        return f"{service}-{perspective}-{self.publishedID}.{ext}"

    def setCopyableState(self, state: Any) -> None:
        self.__dict__.update(state)
        self._activationListeners: list[Any] = []
        saved = self._savedState()
        if saved is not None and saved.get("time") == state["time"]:
            # What is on disk is as new as the publisher's: no need to ask for it.
            self._cbGotUpdate(saved)
            self._wasCleanWhenLoaded = 1
            return
        self.remote.callRemote("getStateToPublish").addCallbacks(self._cbGotUpdate)

    def _savedState(self) -> dict[str, Any] | None:
        path = Path(self.getFileName())
        if not path.is_file():
            return None
        saved = jelly.unjelly(banana.decode(path.read_bytes()))
        return dict(vars(saved))

    def __getstate__(self) -> dict[str, Any]:
        other = self.__dict__.copy()
        for name in ("broker", "remote", "luid", "_activationListeners", "isActivated"):
            other.pop(name, None)
        return other

    def _cbGotUpdate(self, newState: Any) -> None:
        self.__dict__.update(newState)
        self.isActivated = 1
        listeners, self._activationListeners = self._activationListeners, []
        for listener in listeners:
            listener(self)
        self.activated()
        with open(self.getFileName(), "wb") as dataFile:
            dataFile.write(banana.encode(jelly.jelly(self)))

    def activated(self) -> None:
        """Called once the state is here (override to be told)."""

    def callWhenActivated(self, callback: Any) -> None:
        """Call ``callback(self)`` once the state is here (now, if it is)."""
        if self.isActivated:
            callback(self)
        else:
            self._activationListeners.append(callback)


def whenReady(d: defer.Deferred[Any]) -> defer.Deferred[Any]:
    """A Deferred firing once the ``RemotePublished`` that ``d`` gives is activated."""
    d2: defer.Deferred[Any] = defer.Deferred()
    d.addCallbacks(_pubReady, d2.errback, callbackArgs=(d2,))
    return d2


def _pubReady(result: Any, d2: defer.Deferred[Any]) -> None:
    """``whenReady``'s callback."""
    result.callWhenActivated(d2.callback)
