"""An abstract hierarchy of named entities: ``Collection`` (static entities put by name,
dynamic ones made on demand), ``Constrained`` collections that check names and entities,
and the ``Request``/``Entity`` roles a protocol fills in."""

from __future__ import annotations

from typing import Any

from twistio.python import reflect

__all__ = [
    "Collection",
    "Constrained",
    "ConstraintViolation",
    "Entity",
    "Homogenous",
    "Locked",
    "NotSupportedError",
    "Request",
]


class NotSupportedError(NotImplementedError):
    """An operation this object does not offer."""


def _notImplemented(obj: Any, name: str) -> NotImplementedError:
    return NotImplementedError(f"{reflect.qual(type(obj))}.{name}")


class Request:
    """Something asking an entity for its bytes: a protocol implements ``write`` and
    ``finish``."""

    wireProtocol: Any = None

    def write(self, data: bytes) -> None:
        """Send ``data`` back."""
        raise _notImplemented(self, "write")

    def finish(self) -> None:
        """End the response."""
        raise _notImplemented(self, "finish")


class Entity:
    """A leaf of the hierarchy (strings and numbers are entities too)."""

    def render(self, request: Request) -> None:
        """Write this entity's bytes to ``request`` and finish it."""
        raise _notImplemented(self, "render")


class Collection:
    """Entities by name: static ones (``putEntity``) hide dynamic ones
    (``getDynamicEntity``, for subclasses to make on demand)."""

    def __init__(self, entities: dict[Any, Any] | None = None) -> None:
        self.entities: dict[Any, Any] = {} if entities is None else entities

    def getStaticEntity(self, name: Any) -> Any:
        """The entity put under ``name``, else None."""
        return self.entities.get(name)

    def getDynamicEntity(self, name: Any, request: Any) -> Any:
        """An entity made for ``name`` on demand (none here: None)."""
        return None

    def getEntity(self, name: Any, request: Any) -> Any:
        """The static entity ``name``, else a dynamic one, else None."""
        static = self.getStaticEntity(name)
        if static is not None:
            return static
        return self.getDynamicEntity(name, request)

    def putEntity(self, name: Any, entity: Any) -> None:
        """Put ``entity`` under ``name``."""
        self.entities[name] = entity

    def delEntity(self, name: Any) -> None:
        """Remove the entity put under ``name`` (``KeyError`` if none)."""
        del self.entities[name]

    def storeEntity(self, name: Any, request: Any) -> None:
        """Store an entity for ``name`` from what ``request`` holds (for subclasses)."""
        raise NotSupportedError(f"{reflect.qual(type(self))}.storeEntity")

    def removeEntity(self, name: Any, request: Any) -> None:
        """Remove the entity ``name`` as ``request`` asks (for subclasses)."""
        raise NotSupportedError(f"{reflect.qual(type(self))}.removeEntity")

    def listStaticEntities(self) -> list[tuple[Any, Any]]:
        """Every (name, entity) put here."""
        return list(self.entities.items())

    def listDynamicEntities(self, request: Any = None) -> list[tuple[Any, Any]]:
        """Every (name, entity) that can be made on demand (none here)."""
        return []

    def listEntities(self, request: Any) -> list[tuple[Any, Any]]:
        """Every (name, entity), static then dynamic."""
        return self.listStaticEntities() + self.listDynamicEntities(request)

    def listStaticNames(self) -> list[Any]:
        """The names of the static entities."""
        return list(self.entities)

    def listDynamicNames(self) -> list[Any]:
        """The names of the entities made on demand (none here)."""
        return []

    def listNames(self, request: Any) -> list[Any]:
        """Every name, static then dynamic."""
        return self.listStaticNames() + self.listDynamicNames()


class ConstraintViolation(Exception):
    """A name or an entity a ``Constrained`` collection refuses."""


class Constrained(Collection):
    """A collection that checks each name and entity put into it."""

    def nameConstraint(self, name: Any) -> int:
        """1 if ``name`` may be used (else 0, or raise ``ConstraintViolation``)."""
        return 1

    def entityConstraint(self, entity: Any) -> int:
        """1 if ``entity`` may be put here (else 0, or raise ``ConstraintViolation``)."""
        return 1

    def reallyPutEntity(self, name: Any, entity: Any) -> None:
        Collection.putEntity(self, name, entity)

    def putEntity(self, name: Any, entity: Any) -> None:
        """Put ``entity`` under ``name`` if both constraints allow it, else raise
        ``ConstraintViolation``."""
        if not self.nameConstraint(name):
            raise ConstraintViolation("Name constraint violated.")
        if not self.entityConstraint(entity):
            raise ConstraintViolation("Entity constraint violated.")
        self.reallyPutEntity(name, entity)


class Locked(Constrained):
    """A collection that takes no more entities once ``lock`` is called."""

    locked = 0

    def lock(self) -> None:
        """Refuse every entity from now on."""
        self.locked = 1

    def entityConstraint(self, entity: Any) -> int:
        return int(not self.locked)


class Homogenous(Constrained):
    """A collection of instances of ``entityType`` only."""

    entityType: type = object

    def entityConstraint(self, entity: Any) -> int:
        if isinstance(entity, self.entityType):
            return 1
        raise ConstraintViolation(f"{entity} of incorrect type ({self.entityType})")

    def getNameType(self) -> str:
        return "Name"

    def getEntityType(self) -> str:
        return self.entityType.__name__
