"""Services: objects started and stopped with the application, arranged in a tree.

A ``MultiService`` starts its children in the order they were added and stops them in the
reverse order; ``stopService`` may return a Deferred, and the parent's Deferred fires once
every child's has. ``Application(name)`` returns the root object that a ``.tac`` file names
``application``: ``IService(application)`` and ``IServiceCollection(application)`` give its
``MultiService``, ``IProcess(application)`` its process settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from twistio.internet.defer import Deferred, DeferredList, maybeDeferred
from twistio.internet.interfaces import Interface, implementer
from twistio.plugin import IPlugin
from twistio.python.components import Componentized

__all__ = [
    "Application",
    "IProcess",
    "IService",
    "IServiceCollection",
    "IServiceMaker",
    "MultiService",
    "Process",
    "Service",
    "ServiceMaker",
    "loadApplication",
]

_NO_DEFAULT: Any = object()


def _adapt(iface: Any, obj: Any, default: Any = _NO_DEFAULT) -> Any:
    """``iface(obj)``, or ``iface(obj, default)`` (kept for the modules that call it)."""
    return iface(obj) if default is _NO_DEFAULT else iface(obj, default)


class IService(Interface, Protocol):
    """A service: has a name and a parent, and can be started and stopped."""

    name: str | None
    parent: Any
    running: int

    def setName(self, name: str) -> None: ...

    def setServiceParent(self, parent: Any) -> None: ...

    def disownServiceParent(self) -> Deferred[Any] | None: ...

    def privilegedStartService(self) -> None: ...

    def startService(self) -> None: ...

    def stopService(self) -> Deferred[Any] | None: ...


class IServiceCollection(Interface, Protocol):
    """A container of services, addressable by name."""

    def getServiceNamed(self, serviceName: str) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def addService(self, service: Any) -> None: ...

    def removeService(self, service: Any) -> Deferred[Any] | None: ...


class IProcess(Interface, Protocol):
    """Process settings of an application: its name and the uid/gid to run as."""

    processName: str | None
    uid: int | None
    gid: int | None


@implementer(IService)
class Service:
    """A service doing nothing: subclass it and override ``startService``/``stopService``."""

    running = 0
    name: str | None = None
    parent: Any = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} running={self.running}>"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("running", None)
        return state

    def setName(self, name: str) -> None:
        """Set the name; ``RuntimeError`` once the service has a parent."""
        if self.parent is not None:
            raise RuntimeError("cannot change name when parent exists")
        self.name = name

    def setServiceParent(self, parent: Any) -> None:
        """Add this service to ``parent`` (an ``IServiceCollection`` or an Application)."""
        if self.parent is not None:
            self.disownServiceParent()
        collection = _adapt(IServiceCollection, parent)
        self.parent = collection
        collection.addService(self)

    def disownServiceParent(self) -> Deferred[Any] | None:
        """Leave the parent; returns what the parent's ``removeService`` returned."""
        d: Deferred[Any] | None = self.parent.removeService(self)
        self.parent = None
        return d

    def privilegedStartService(self) -> None:
        """Do what needs privileges (binding low ports), before privileges are dropped."""

    def startService(self) -> None:
        """Start the service."""
        self.running = 1

    def stopService(self) -> Deferred[Any] | None:
        """Stop the service; may return a Deferred that fires once it has stopped."""
        self.running = 0
        return None


@implementer(IServiceCollection)
class MultiService(Service):
    """A service of services: starts children in order, stops them in reverse order."""

    def __init__(self) -> None:
        self.services: list[Any] = []
        self.namedServices: dict[str, Any] = {}
        self.parent = None

    def privilegedStartService(self) -> None:
        Service.privilegedStartService(self)
        for service in self:
            service.privilegedStartService()

    def startService(self) -> None:
        Service.startService(self)
        for service in self:
            service.startService()

    def stopService(self) -> Deferred[Any]:
        """Stop the children, last first; fires once every child's Deferred has fired."""
        Service.stopService(self)
        waiting = [maybeDeferred(service.stopService) for service in reversed(list(self))]
        return DeferredList(waiting)

    def getServiceNamed(self, name: str) -> Any:
        """The child named ``name`` (``KeyError`` if none)."""
        return self.namedServices[name]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.services)

    def addService(self, service: Any) -> None:
        """Add a child; started at once if this service runs.  Names must be unique."""
        if service.name is not None:
            if service.name in self.namedServices:
                raise RuntimeError(f"cannot have two services with same name '{service.name}'")
            self.namedServices[service.name] = service
        self.services.append(service)
        if self.running:
            service.privilegedStartService()
            service.startService()

    def removeService(self, service: Any) -> Deferred[Any] | None:
        """Remove a child; stopped if this service runs (returns its ``stopService`` result)."""
        if service.name:
            del self.namedServices[service.name]
        self.services.remove(service)
        if self.running:
            result: Deferred[Any] | None = service.stopService()
            return result
        return None


@implementer(IProcess)
class Process:
    """Process settings: ``uid``/``gid`` to switch to, and a process name."""

    processName: str | None = None

    def __init__(self, uid: int | None = None, gid: int | None = None) -> None:
        self.uid = uid
        self.gid = gid


def Application(name: str, uid: int | None = None, gid: int | None = None) -> Any:
    """The root object of an application: a ``MultiService`` named ``name``, a ``Process``
    and a ``sob.Persistent`` (``IPersistable(app).save()`` writes ``name.tap``)."""
    from twistio.persisted.sob import Persistent

    ret = Componentized()
    for component in (MultiService(), Process(uid, gid), Persistent(ret, name)):
        ret.addComponent(component, ignoreClass=1)
    _adapt(IService, ret).setName(name)
    return ret


def loadApplication(filename: str, kind: str, passphrase: str | None = None) -> Any:
    """The application saved in ``filename``: ``kind`` ``"python"`` runs it as a ``.tac``
    file and takes its ``application``; ``"pickle"`` and ``"source"`` load what
    ``IPersistable(app).save()`` wrote. (``passphrase``: encrypted files are gone.)"""
    from twistio.persisted import sob

    if passphrase:
        raise TypeError("encrypted applications are not supported: passphrase must be None")
    if kind == "python":
        return sob.loadValueFromFile(filename, "application")
    return sob.load(filename, kind)


class IServiceMaker(Interface, Protocol):
    """A plugin making a service from command line options (``twist NAME ...``)."""

    tapname: str
    description: str
    options: Any

    def makeService(self, options: Any) -> Any:
        """The service ``options`` (parsed with ``options``) describe."""


@implementer(IServiceMaker, IPlugin)
class ServiceMaker:
    """An ``IServiceMaker`` whose ``options`` and ``makeService`` are those of the module
    ``module`` (imported when first used)."""

    def __init__(self, name: str, module: str, description: str, tapname: str) -> None:
        self.name = name
        self.module = module
        self.description = description
        self.tapname = tapname

    @property
    def options(self) -> Any:
        from twistio.python.reflect import namedAny

        return namedAny(self.module).Options

    @property
    def makeService(self) -> Any:
        from twistio.python.reflect import namedAny

        return namedAny(self.module).makeService
