"""twistio.spread.pb over an in-memory connection: login through cred, calls, references,
copies, caches, errors and reference counting, and the messages on the wire."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from twistio.cred import checkers, portal
from twistio.cred.credentials import Anonymous, UsernamePassword
from twistio.internet.error import ConnectionDone
from twistio.internet.interfaces import implementer
from twistio.python.failure import Failure
from twistio.spread import pb
from twistio.test import iosim


class Other(pb.Referenceable):
    def remote_double(self, x: int) -> int:
        return x * 2


class Thing(pb.Copyable):
    def __init__(self) -> None:
        self.a = 1


class ThingCopy(pb.RemoteCopy):
    pass


pb.setUnjellyableForClass(Thing, ThingCopy)


class Counter(pb.Cacheable):
    def __init__(self) -> None:
        self.observers: list[Any] = []
        self.stopped = 0

    def getStateToCacheAndObserveFor(self, perspective: Any, observer: Any) -> Any:
        self.observers.append(observer)
        return {"value": 5}

    def stoppedObserving(self, perspective: Any, observer: Any) -> None:
        self.stopped += 1


class CounterCopy(pb.RemoteCache):
    def observe_set(self, value: int) -> None:
        self.value = value


pb.setUnjellyableForClass(Counter, CounterCopy)


class Refused(pb.Error):
    pass


class User(pb.Avatar):
    def __init__(self, name: Any) -> None:
        self.name = name
        self.counter = Counter()

    def perspective_echo(self, x: Any, k: Any = None) -> Any:
        return (x, k)

    def perspective_whoami(self) -> Any:
        return self.name

    def perspective_other(self) -> Other:
        return Other()

    def perspective_thing(self) -> Thing:
        return Thing()

    def perspective_counter(self) -> Counter:
        return self.counter

    def perspective_boom(self) -> None:
        raise ValueError("boom")

    def perspective_refuse(self) -> None:
        raise Refused("no")


@implementer(portal.IRealm)
class Realm:
    def __init__(self) -> None:
        self.logouts = 0

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        assert pb.IPerspective in interfaces
        return pb.IPerspective, User(avatarId), self._logout

    def _logout(self) -> None:
        self.logouts += 1


class Wire:
    """A server and a client broker joined in memory, with the messages each received."""

    def __init__(self) -> None:
        self.realm = Realm()
        checker = checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"secret")
        p = portal.Portal(self.realm, [checker, checkers.AllowAnonymousAccess()])
        self.serverFactory = pb.PBServerFactory(p)
        self.clientFactory = pb.PBClientFactory()
        self.received: list[Any] = []
        self.client, self.server, self.pump = iosim.connectedServerAndClient(
            lambda: self._recording(self.serverFactory.buildProtocol(None), "server"),
            lambda: self._recording(self.clientFactory.buildProtocol(None), "client"),
        )
        self.pump.flush()

    def _recording(self, broker: pb.Broker, side: str) -> pb.Broker:
        original = broker.expressionReceived

        def record(sexp: Any) -> None:
            self.received.append((side, sexp))
            original(sexp)

        broker.expressionReceived = record  # type: ignore[method-assign]
        return broker

    def result(self, d: Any) -> Any:
        out: list[Any] = []
        d.addBoth(out.append)
        self.pump.flush()
        assert out, "no result"
        return out[0]

    def login(self, name: bytes = b"alice", password: bytes = b"secret") -> Any:
        return self.result(self.clientFactory.login(UsernamePassword(name, password)))


@pytest.fixture
def wire() -> Wire:
    return Wire()


def test_version_exchanged(wire: Wire) -> None:
    assert ("server", [b"version", 6]) in wire.received
    assert ("client", [b"version", 6]) in wire.received


def test_login_and_call(wire: Wire) -> None:
    avatar = wire.login()
    assert isinstance(avatar, pb.RemoteReference)
    assert wire.result(avatar.callRemote("whoami")) == b"alice"
    assert wire.result(avatar.callRemote("echo", "x", k=[1, (2,)])) == ("x", [1, (2,)])
    login = [s for side, s in wire.received if side == "server" and s[0] == b"message"][0]
    assert login[2:4] == [b"root", b"login"]


def test_wrong_password(wire: Wire) -> None:
    result = wire.login(password=b"wrong")
    assert isinstance(result, Failure)
    assert result.check(
        "twisted.cred.error.UnauthorizedLogin", "twistio.cred.error.UnauthorizedLogin"
    )


def test_anonymous_login(wire: Wire) -> None:
    avatar = wire.result(wire.clientFactory.login(Anonymous()))
    assert isinstance(avatar, pb.RemoteReference)


def test_references_and_decref(wire: Wire) -> None:
    avatar = wire.login()
    other = wire.result(avatar.callRemote("other"))
    assert wire.result(other.callRemote("double", 21)) == 42
    luid = other.luid
    assert wire.server.localObjectForID(luid) is not None
    del other
    gc.collect()
    wire.pump.flush()
    assert ("server", [b"decref", luid]) in wire.received
    assert wire.server.localObjectForID(luid) is None


def test_copy(wire: Wire) -> None:
    avatar = wire.login()
    copy = wire.result(avatar.callRemote("thing"))
    assert isinstance(copy, ThingCopy) and copy.a == 1


def test_cache_observed(wire: Wire) -> None:
    avatar = wire.login()
    first = wire.result(avatar.callRemote("counter"))
    second = wire.result(avatar.callRemote("counter"))
    assert isinstance(first, CounterCopy) and first.value == 5
    assert first == second
    user_counter = [m for m in wire.received if m[1][0] == b"answer"][-1][1][2]
    assert user_counter[0] == b"cached"
    server_counter = wire.server.remotelyCachedForLUID(user_counter[1])
    server_counter.observers[0].callRemote("set", 7)
    wire.pump.flush()
    assert first.value == 7 and second.value == 7
    del first, second
    gc.collect()
    wire.pump.flush()
    assert server_counter.stopped == 1
    assert ("client", [b"uncache", user_counter[1]]) in wire.received


def test_errors(wire: Wire) -> None:
    avatar = wire.login()
    f = wire.result(avatar.callRemote("boom"))
    assert isinstance(f, pb.CopiedFailure)
    assert f.check(ValueError) is ValueError
    assert f.type == b"builtins.ValueError" and f.value == "boom"
    assert f.getTraceback() == "Traceback from remote host -- builtins.ValueError: boom\n"
    with pytest.raises(pb.RemoteError):
        f.raiseException()
    f = wire.result(avatar.callRemote("refuse"))
    assert f.check(Refused.__module__ + ".Refused")
    f = wire.result(avatar.callRemote("nosuch"))
    assert f.check(AttributeError)


def test_connection_lost(wire: Wire) -> None:
    avatar = wire.login()
    d = avatar.callRemote("echo", 1)
    out: list[Any] = []
    d.addBoth(out.append)
    wire.client.connectionLost(Failure(ConnectionDone()))
    wire.server.connectionLost(Failure(ConnectionDone()))
    f = out[0]
    assert isinstance(f, Failure) and f.check(pb.PBConnectionLost)
    assert wire.realm.logouts == 1
    with pytest.raises(pb.DeadReferenceError):
        avatar.callRemote("echo", 1)


def test_respond() -> None:
    from hashlib import md5

    assert pb.respond(b"c" * 16, b"pw") == md5(md5(b"pw").digest() + b"c" * 16).digest()
    assert len(pb.challenge()) == 16


@implementer(pb.IPerspective)
class Plain:
    """A perspective that is not an Avatar: it sees the raw message."""

    def perspectiveMessageReceived(self, broker: Any, message: Any, args: Any, kw: Any) -> Any:
        args = broker.unserialize(args, self)
        kw = broker.unserialize(kw, self)
        return broker.serialize((message, args, kw), self)


def test_message_name_is_str_for_the_perspective(wire: Wire) -> None:
    wire.realm.requestAvatar = lambda *a: (pb.IPerspective, Plain(), lambda: None)  # type: ignore[method-assign]
    avatar = wire.login()
    assert wire.result(avatar.callRemote("ANYTHING", "here", bar="baz")) == (
        "ANYTHING",
        ("here",),
        {"bar": "baz"},
    )


def test_failure_names_travel_as_twisted_names(wire: Wire) -> None:
    avatar = wire.login()
    wire.result(avatar.callRemote("refuse"))
    error = [s for side, s in wire.received if side == "client" and s[0] == b"error"][-1]
    assert error[2][0] == b"twisted.spread.pb.CopyableFailure"
