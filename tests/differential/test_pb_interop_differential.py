"""Twisted's Perspective Broker and twistio's across a real socket: a server program and a
client program, each on either; every pairing must give what Twisted with Twisted gives.

The client logs in (a wrong password first), calls methods with every jelly type, gets a
reference and calls through it, gets a copy and a cache (and watches the cache change), gets
failures (an exception, a ``pb.Error``, a missing method) and sends a reference back. Each
program runs in a process of its own (two reactors cannot share one).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("twisted.spread.pb")

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent(
    r"""
    import datetime, decimal, json, sys, warnings
    from importlib import import_module
    warnings.simplefilter("ignore")
    PKG, role, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    import_module(PKG + ".internet.reactor")
    reactor = import_module(PKG + ".internet").reactor
    defer = import_module(PKG + ".internet.defer")
    pb = import_module(PKG + ".spread.pb")
    portal = import_module(PKG + ".cred.portal")
    checkers = import_module(PKG + ".cred.checkers")
    credentials = import_module(PKG + ".cred.credentials")

    class Thing(pb.Copyable):
        def __init__(self):
            self.name = "thing"
            self.parts = [1, (2, b"3")]

    class ThingCopy(pb.RemoteCopy):
        pass

    pb.setUnjellyableForClass(Thing, ThingCopy)

    class Score(pb.Cacheable):
        def __init__(self):
            self.observers = []
            self.value = 10

        def getStateToCacheAndObserveFor(self, perspective, observer):
            self.observers.append(observer)
            return {"value": self.value}

        def bump(self):
            self.value += 1
            return defer.DeferredList([o.callRemote("set", self.value) for o in self.observers])

    class ScoreCopy(pb.RemoteCache):
        def observe_set(self, value):
            self.value = value

    pb.setUnjellyableForClass(Score, ScoreCopy)

    class Refused(pb.Error):
        pass

    class Adder(pb.Referenceable):
        def remote_add(self, a, b):
            return a + b

    class User(pb.Avatar):
        def __init__(self, name):
            self.name = name
            self.score = Score()
            self.adder = Adder()

        def perspective_echo(self, *args, **kw):
            return [list(args), kw]

        def perspective_whoami(self):
            return self.name

        def perspective_adder(self):
            return self.adder

        def perspective_isMine(self, ref):
            return ref is self.adder

        def perspective_thing(self):
            return Thing()

        def perspective_score(self):
            return self.score

        def perspective_bump(self):
            return self.score.bump()

        def perspective_later(self, x):
            d = defer.Deferred()
            reactor.callLater(0, d.callback, x * 3)
            return d

        def perspective_boom(self):
            raise ValueError("boom")

        def perspective_refuse(self):
            raise Refused("refused")

    class Realm:
        def requestAvatar(self, avatarId, mind, *interfaces):
            return pb.IPerspective, User(avatarId), lambda: None

    zope = None
    try:
        from zope.interface import implementer
        Realm = implementer(portal.IRealm)(Realm)
    except ImportError:
        pass

    def errname(f):
        value = f.value
        kind = f.type.decode() if isinstance(f.type, bytes) else f.type.__module__ + "." + f.type.__name__
        return [kind.rsplit(".", 1)[-1], f.getErrorMessage()]

    @defer.inlineCallbacks
    def client(factory):
        out = {}
        try:
            yield factory.login(credentials.UsernamePassword(b"alice", b"wrong"))
        except Exception as e:
            out["wrong"] = type(e).__name__
        user = yield factory.login(credentials.UsernamePassword(b"alice", b"secret"))
        out["whoami"] = (yield user.callRemote("whoami")).decode()
        values = [1, -2**40, 2**80, 1.5, b"bytes", "t\u00e9xt", None, True, False,
                  [1, [2]], (3, (4,)), {"k": [5]}, {6}, frozenset([7]),
                  decimal.Decimal("-1.25"), datetime.date(2020, 1, 2),
                  datetime.datetime(2020, 1, 2, 3, 4, 5, 6), datetime.timedelta(1, 2, 3)]
        echoed = yield user.callRemote("echo", *values, key="value")
        out["echo"] = repr(echoed)
        adder = yield user.callRemote("adder")
        out["add"] = yield adder.callRemote("add", 2, 3)
        out["isMine"] = yield user.callRemote("isMine", adder)
        thing = yield user.callRemote("thing")
        out["thing"] = [type(thing).__name__, thing.name, repr(thing.parts)]
        score = yield user.callRemote("score")
        out["score"] = [type(score).__name__, score.value]
        yield user.callRemote("bump")
        out["bumped"] = score.value
        out["later"] = yield user.callRemote("later", 5)
        for name in ("boom", "refuse", "nosuch"):
            try:
                yield user.callRemote(name)
            except Exception as e:
                out[name] = errname(e) if hasattr(e, "getErrorMessage") else [type(e).__name__, str(e)]
        return out

    if role == "server":
        checker = checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"secret")
        f = pb.PBServerFactory(portal.Portal(Realm(), [checker]))
        p = reactor.listenTCP(0, f, interface="127.0.0.1")
        print(p.getHost().port, flush=True)
        reactor.callLater(30, reactor.stop)
        reactor.run()
    else:
        result = {}
        factory = pb.PBClientFactory()
        reactor.connectTCP("127.0.0.1", port, factory)
        def done(r):
            result.update(r)
        def failed(f):
            result["error"] = f.getTraceback()
        client(factory).addCallbacks(done, failed).addBoth(lambda _: reactor.stop())
        reactor.callLater(20, reactor.stop)
        reactor.run()
        print(json.dumps(result, sort_keys=True))
    """
)


def _run(server: str, client: str, tmp_path: Path) -> dict[str, object]:
    script = tmp_path / "pb_program.py"
    script.write_text(PROGRAM)
    srv = subprocess.Popen(
        [sys.executable, str(script), server, "server", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(ROOT),
        text=True,
    )
    try:
        assert srv.stdout is not None
        port = srv.stdout.readline().strip()
        assert port.isdigit(), srv.stderr.read() if srv.stderr else port
        done = subprocess.run(
            [sys.executable, str(script), client, "client", port],
            capture_output=True,
            cwd=str(ROOT),
            text=True,
            timeout=60,
        )
    finally:
        srv.kill()
        srv.wait()
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in result, result["error"]
    return result


_CACHE: list[dict[str, object]] = []


@pytest.mark.parametrize(
    ("server", "client"),
    [("twisted", "twistio"), ("twistio", "twisted"), ("twistio", "twistio")],
)
def test_pb_peers_agree(server: str, client: str, tmp_path: Path) -> None:
    if not _CACHE:
        _CACHE.append(_run("twisted", "twisted", tmp_path))
    expected = _CACHE[0]
    got = _run(server, client, tmp_path)
    assert got == expected
    # What the pairings agree on is what was meant.
    assert got["wrong"] == "RemoteError"  # inlineCallbacks: a CopiedFailure throws RemoteError
    assert got["whoami"] == "alice"
    assert got["add"] == 5 and got["isMine"] is True
    assert got["score"] == ["ScoreCopy", 10] and got["bumped"] == 11
    assert got["boom"] == ["RemoteError", "boom"]
    assert got["later"] == 15
