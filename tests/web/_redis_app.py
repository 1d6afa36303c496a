"""A resource tree for the Redis session tests, served by ``twistio web --class`` in worker
processes (``tests.web._redis_app:Root``): each answer says which process served it."""

from __future__ import annotations

import json
import os
from typing import Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.python.components import registerAdapter
from twistio.web import resource, server
from twistio.web.redissession import RedisSession


class ICounter(Interface, Protocol):
    """A per-session counter (Twisted's session how-to, with an adapter)."""


@implementer(ICounter)
class Counter:
    def __init__(self, session: server.Session) -> None:
        self.value = 0


registerAdapter(Counter, server.Session, ICounter)


def _state(request: server.Request, session: server.Session | None) -> bytes:
    body = {"pid": os.getpid()}
    if session is not None:
        body.update(
            uid=session.uid.decode(),
            count=ICounter(session).value,
            name=getattr(session, "name", None),
        )
    request.setHeader(b"content-type", b"application/json")
    return json.dumps(body).encode()


class Count(resource.Resource):
    isLeaf = True

    def render_GET(self, request: server.Request) -> bytes:
        session = request.getSession()
        ICounter(session).value += 1
        name = request.args.get(b"name")
        if name:
            session.name = name[0].decode()  # type: ignore[attr-defined]
        return _state(request, session)


class Peek(resource.Resource):
    """The session as it is, without changing it."""

    isLeaf = True

    def render_GET(self, request: server.Request) -> bytes:
        return _state(request, request.getSession())


class Expire(resource.Resource):
    isLeaf = True

    def render_GET(self, request: server.Request) -> bytes:
        request.getSession().expire()
        return _state(request, None)


class Pid(resource.Resource):
    isLeaf = True

    def render_GET(self, request: server.Request) -> bytes:
        return _state(request, None)


class ShortSession(RedisSession):
    sessionTimeout = 1


class Root(resource.Resource):
    def __init__(self) -> None:
        super().__init__()
        self.putChild(b"count", Count())
        self.putChild(b"peek", Peek())
        self.putChild(b"expire", Expire())
        self.putChild(b"pid", Pid())
