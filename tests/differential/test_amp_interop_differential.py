"""Twisted's AMP and twistio's across a real socket: one server program and one client
program, each on either; every pairing must give the same results.

The client calls commands covering every argument type, declared, fatal and undeclared
errors, unhandled commands, ``amp_`` string responders, answerless commands, a value of
the maximum size, then ``StartTLS`` (no certificates: the server presents a throwaway one)
and a command over TLS. Each program runs in a process of its own (two reactors cannot
share one).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("twisted.protocols.amp")

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
    protocol = import_module(PKG + ".internet.protocol")
    amp = import_module(PKG + ".protocols.amp")

    class Boom(Exception):
        pass

    class Fatal(Exception):
        pass

    class Everything(amp.Command):
        arguments = [
            (b"i", amp.Integer()), (b"s", amp.String()), (b"u", amp.Unicode()),
            (b"fl", amp.Float()), (b"b", amp.Boolean()), (b"d", amp.Decimal()),
            (b"t", amp.DateTime()), (b"l", amp.ListOf(amp.Integer())),
            (b"al", amp.AmpList([(b"x", amp.Integer()), (b"y", amp.Unicode())])),
            (b"opt", amp.Integer(optional=True)), (b"is", amp.Integer()),
        ]
        response = arguments

    class Fail(amp.Command):
        arguments = [(b"how", amp.String())]
        response = [(b"never", amp.Integer())]
        errors = {Boom: b"BOOM"}
        fatalErrors = {Fatal: b"FATAL"}

    class Note(amp.Command):
        arguments = [(b"text", amp.Unicode())]
        requiresAnswer = False

    class Notes(amp.Command):
        response = [(b"notes", amp.ListOf(amp.Unicode()))]

    class Big(amp.Command):
        arguments = [(b"data", amp.String())]
        response = [(b"size", amp.Integer()), (b"data", amp.String())]

    class Unknown(amp.Command):
        pass

    class Secret(amp.Command):
        response = [(b"word", amp.Unicode())]

    class Server(amp.AMP):
        def __init__(self):
            amp.AMP.__init__(self)
            self.notes = []

        @Everything.responder
        def everything(self, **kw):
            kw["i"] += 1
            kw["l"] = kw["l"][::-1]
            return kw

        @Fail.responder
        def fail(self, how):
            if how == b"declared":
                raise Boom("declared failure")
            if how == b"fatal":
                raise Fatal("fatal failure")
            raise RuntimeError("not for the wire")

        @Note.responder
        def note(self, text):
            self.notes.append(text)
            return {}

        @Notes.responder
        def getNotes(self):
            return {"notes": self.notes}

        @Big.responder
        def big(self, data):
            return {"size": len(data), "data": data}

        @Secret.responder
        def secret(self):
            tls = import_module(PKG + ".internet.interfaces").ISSLTransport.providedBy(self.transport)
            return {"word": "encrypted" if tls else "plain"}

        def amp_RAW(self, box):
            return amp.AmpBox(echo=box[b"value"][::-1])

    def errname(e):
        return [type(e).__name__, str(e).splitlines()[0]]

    @defer.inlineCallbacks
    def client(proto):
        out = {}
        tz = amp._FixedOffsetTZInfo.fromSignHoursMinutes("+", 5, 30)
        r = yield proto.callRemote(
            Everything, i=2**70, s=b"\x00\xffbytes", u="\u00e9t\u00e9 \u2603", fl=1.25,
            b=False, d=decimal.Decimal("-1.50E+3"),
            t=datetime.datetime(2031, 2, 3, 4, 5, 6, 789, tzinfo=tz), l=[3, 2, 1],
            al=[{"x": 1, "y": "one"}, {"x": 2, "y": "two"}], Is=7)
        r["d"] = str(r["d"]); r["t"] = r["t"].isoformat(); r["s"] = r["s"].hex()
        out["everything"] = r
        try:
            yield proto.callRemote(Fail, how=b"declared")
        except Exception as e:
            out["fail-declared"] = errname(e)
        try:
            yield proto.callRemote(Unknown)
        except Exception as e:
            out["unknown"] = [type(e).__name__]
        out["note"] = repr(proto.callRemote(Note, text="first"))
        proto.callRemote(Note, text="second")
        out["notes"] = (yield proto.callRemote(Notes))["notes"]
        raw = yield proto.callRemoteString(b"RAW", value=b"abc")
        out["raw"] = sorted((k.decode(), v.decode()) for k, v in raw.items())
        data = bytes(range(256)) * 255 + b"x" * 255
        r = yield proto.callRemote(Big, data=data)
        out["big"] = [r["size"], r["data"] == data]
        yield proto.callRemote(amp.StartTLS)
        out["tls"] = (yield proto.callRemote(Secret))["word"]
        out["everything-tls"] = (yield proto.callRemote(
            Everything, i=1, s=b"", u="", fl=-0.0, b=True, d=decimal.Decimal("NaN"),
            t=datetime.datetime(2000, 1, 1, tzinfo=amp.utc), l=[],
            al=[], Is=0))["u"]
        # Last: an undeclared error, and (on a second connection) a fatal one, each of
        # which closes the connection after its reply.
        for how in (b"other", b"fatal"):
            if how == b"fatal":
                proto = yield protocol.ClientCreator(reactor, amp.AMP).connectTCP(
                    "127.0.0.1", port)
            lost = defer.Deferred()
            proto.connectionLost = lambda reason, lost=lost: lost.callback(
                type(reason.value).__name__)
            try:
                yield proto.callRemote(Fail, how=how)
            except Exception as e:
                out["fail-" + how.decode()] = errname(e)
            out["closed-" + how.decode()] = yield lost
        return out

    if role == "server":
        f = protocol.Factory.forProtocol(Server)
        p = reactor.listenTCP(0, f, interface="127.0.0.1")
        print(p.getHost().port, flush=True)
        reactor.callLater(30, reactor.stop)
        reactor.run()
    else:
        result = {}
        def done(r):
            result.update(r)
        def failed(f):
            result["error"] = f.getTraceback()
        d = protocol.ClientCreator(reactor, amp.AMP).connectTCP("127.0.0.1", port)
        d.addCallback(client).addCallbacks(done, failed).addBoth(lambda _: reactor.stop())
        reactor.callLater(20, reactor.stop)
        reactor.run()
        print(json.dumps(result, sort_keys=True))
    """
)


def _run(server: str, client: str, tmp_path: Path) -> dict[str, object]:
    script = tmp_path / "amp_program.py"
    script.write_text(PROGRAM)
    env_cwd = str(ROOT)
    srv = subprocess.Popen(
        [sys.executable, str(script), server, "server", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=env_cwd,
        text=True,
    )
    try:
        assert srv.stdout is not None
        port = srv.stdout.readline().strip()
        assert port.isdigit(), srv.stderr.read() if srv.stderr else port
        done = subprocess.run(
            [sys.executable, str(script), client, "client", port],
            capture_output=True,
            cwd=env_cwd,
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


@pytest.mark.parametrize(
    ("server", "client"),
    [("twistio", "twisted"), ("twisted", "twistio"), ("twistio", "twistio")],
)
def test_amp_peers_agree(server: str, client: str, tmp_path: Path) -> None:
    expected = _run("twisted", "twisted", tmp_path) if not _CACHE else _CACHE[0]
    if not _CACHE:
        _CACHE.append(expected)
    got = _run(server, client, tmp_path)
    assert got == expected
    # What the pairings agree on is what was meant.
    assert got["tls"] == "encrypted"
    assert got["big"] == [65535, True]
    assert got["fail-declared"] == ["Boom", "declared failure"]
    assert got["fail-fatal"] == ["Fatal", "fatal failure"]
    assert got["fail-other"][0] == "UnknownRemoteError"
    assert got["unknown"] == ["UnhandledCommand"]
    assert got["notes"] == ["first", "second"]


_CACHE: list[dict[str, object]] = []
