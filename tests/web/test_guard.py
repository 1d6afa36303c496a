"""twistio.web.guard over real sockets: curl --basic/--digest, raw malformed headers, and
nonce expiry and replay driven by a task.Clock."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.web._http_support import connect, read_response, run_curl, serve
from twistio.cred import checkers, error, portal
from twistio.internet.interfaces import implementer
from twistio.internet.task import Clock
from twistio.web import guard, resource

__all__ = ["serve"]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Page(resource.Resource):
    def __init__(self, user: bytes) -> None:
        super().__init__()
        self.user = user

    def getChild(self, path: bytes, request: Any) -> Any:
        page = Page(self.user)
        page.isLeaf = True
        return page

    def render_GET(self, request: Any) -> bytes:
        path: bytes = request.path
        return b"user=" + self.user + b" path=" + path


@implementer(portal.IRealm)
class Realm:
    def __init__(self) -> None:
        self.logouts: list[bytes] = []

    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        if avatarId == b"explode":
            raise RuntimeError("realm broke")
        user = avatarId if avatarId != () else b"anonymous"
        assert resource.IResource in interfaces
        return resource.IResource, Page(user), lambda: self.logouts.append(user)


def wrapper(*extra_checkers: Any, clock: Any = None, algorithm: bytes = b"md5") -> tuple[guard.HTTPAuthSessionWrapper, Realm]:
    realm = Realm()
    db = checkers.InMemoryUsernamePasswordDatabaseDontUse(alice=b"wonderland", explode=b"x")
    p = portal.Portal(realm, [db, *extra_checkers])
    factories = [guard.BasicCredentialFactory(b"test realm"),
                 guard.DigestCredentialFactory(algorithm, b"test realm", clock=clock)]
    return guard.HTTPAuthSessionWrapper(p, factories), realm


async def fetch(port: int, path: bytes = b"/", auth: bytes | None = None, method: bytes = b"GET") -> Any:
    reader, writer = await connect(port)
    head = method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    if auth is not None:
        head += b"Authorization: " + auth + b"\r\n"
    writer.write(head + b"\r\n")
    resp = await read_response(reader, head_request=method == b"HEAD")
    writer.close()
    return resp


def challenges(resp: Any) -> list[bytes]:
    return [v for k, v in resp.headers if k.lower() == b"www-authenticate"]


def params(challenge: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in re.finditer(rb'(\w+)=(?:"([^"]*)"|([^,\s]+))', challenge)}


def assert_unauthorized(resp: Any, stale: bool = False) -> None:
    assert resp.status == 401
    basic, digest = challenges(resp)
    assert basic == b'basic realm="test realm"'
    p = params(digest)
    assert digest.startswith(b"digest ")
    assert p[b"realm"] == b"test realm" and p[b"qop"] == b"auth" and p[b"algorithm"] == b"md5"
    assert len(p[b"nonce"]) == 24 and p[b"opaque"]
    assert (p.get(b"stale") == b"true") is stale


async def test_no_credentials_gets_challenges(serve: Any) -> None:
    w, realm = wrapper()
    port, _ = serve(w)
    resp = await fetch(port)
    assert_unauthorized(resp)
    assert resp.body == b"Unauthorized"
    head = await fetch(port, method=b"HEAD")
    assert_unauthorized(head)
    assert realm.logouts == []


async def test_anonymous_allowed(serve: Any) -> None:
    w, realm = wrapper(checkers.AllowAnonymousAccess())
    port, _ = serve(w)
    resp = await fetch(port, b"/deep/er")
    assert (resp.status, resp.body) == (200, b"user=anonymous path=/deep/er")
    assert realm.logouts == [b"anonymous"]


@pytest.mark.parametrize("auth", [
    b"Basic !!!notbase64",
    b"Basic " + base64.b64encode(b"no-colon"),
    b"Basic",
    b"Bearer abc",
    b"Digest garbage",
    b'Digest username="alice"',
    b'Digest username="alice", nonce="x", opaque="y-z"',
    b"Digest " + b"a" * 2000,
])
async def test_malformed_authorization_is_401(serve: Any, auth: bytes) -> None:
    port, _ = serve(wrapper()[0])
    assert_unauthorized(await fetch(port, auth=auth))


async def test_basic_raw(serve: Any) -> None:
    w, realm = wrapper()
    port, _ = serve(w)
    ok = await fetch(port, b"/a/b", auth=b"bAsIc " + base64.b64encode(b"alice:wonderland"))
    assert (ok.status, ok.body) == (200, b"user=alice path=/a/b")
    assert realm.logouts == [b"alice"]
    bad = await fetch(port, auth=b"Basic " + base64.b64encode(b"alice:wonder"))
    assert_unauthorized(bad)


async def test_realm_error_is_500(serve: Any) -> None:
    port, _ = serve(wrapper()[0])
    resp = await fetch(port, auth=b"Basic " + base64.b64encode(b"explode:x"))
    assert resp.status == 500


async def test_curl_basic(serve: Any) -> None:
    port, _ = serve(wrapper()[0])
    url = f"http://127.0.0.1:{port}/x"
    rc, out, _ = await run_curl("--basic", "-u", "alice:wonderland", url)
    assert (rc, out) == (0, b"user=alice path=/x")
    rc, out, _ = await run_curl("--basic", "-u", "alice:nope", "-o", "/dev/null", "-w", "%{http_code}", url)
    assert out == b"401"


@pytest.mark.parametrize("algorithm", [b"md5", b"MD5-sess", b"SHA-256"])
async def test_curl_digest(serve: Any, algorithm: bytes) -> None:
    port, _ = serve(wrapper(algorithm=algorithm)[0])
    url = f"http://127.0.0.1:{port}/some/where?q=1"
    rc, out, _ = await run_curl("--digest", "-u", "alice:wonderland", url)
    assert (rc, out) == (0, b"user=alice path=/some/where")
    rc, out, _ = await run_curl("--digest", "-u", "alice:nope", "-o", "/dev/null", "-w", "%{http_code}", url)
    assert out == b"401"


def _digest_auth(ch: dict[bytes, bytes], nc: bytes, uri: bytes = b"/", pw: bytes = b"wonderland") -> bytes:
    def h(x: bytes) -> bytes:
        return hashlib.md5(x).hexdigest().encode()

    ha1 = h(b"alice:" + ch[b"realm"] + b":" + pw)
    resp = h(b":".join((ha1, ch[b"nonce"], nc, b"cn", b"auth", h(b"GET:" + uri))))
    return (b'Digest username="alice", realm="%s", nonce="%s", uri="%s", response="%s", qop=auth, '
            b'nc=%s, cnonce="cn", algorithm=md5, opaque="%s"'
            % (ch[b"realm"], ch[b"nonce"], uri, resp, nc, ch[b"opaque"]))


async def test_digest_replay_and_expiry(serve: Any) -> None:
    clock = Clock()
    w, _ = wrapper(clock=clock)
    port, _ = serve(w)
    ch = params(challenges(await fetch(port))[1])
    first = await fetch(port, auth=_digest_auth(ch, b"00000001"))
    assert (first.status, first.body) == (200, b"user=alice path=/")
    replay = await fetch(port, auth=_digest_auth(ch, b"00000001"))
    assert_unauthorized(replay)
    assert (await fetch(port, auth=_digest_auth(ch, b"00000002"))).status == 200
    # a wrong password does not use up the nonce count
    assert_unauthorized(await fetch(port, auth=_digest_auth(ch, b"00000005", pw=b"bad")))
    assert (await fetch(port, auth=_digest_auth(ch, b"00000003"))).status == 200
    clock.advance(guard.DigestCredentialFactory(b"md5", b"r").digest.CHALLENGE_LIFETIME_SECS + 1)
    stale = await fetch(port, auth=_digest_auth(ch, b"00000004"))
    assert_unauthorized(stale, stale=True)
    fresh = params(challenges(stale)[1])
    assert (await fetch(port, auth=_digest_auth(fresh, b"00000001"))).status == 200


async def test_digest_uri_must_match_request(serve: Any) -> None:
    port, _ = serve(wrapper()[0])
    ch = params(challenges(await fetch(port))[1])
    assert_unauthorized(await fetch(port, b"/other", auth=_digest_auth(ch, b"00000001", uri=b"/")))
    ok = await fetch(port, b"/other", auth=_digest_auth(ch, b"00000001", uri=b"/other"))
    assert (ok.status, ok.body) == (200, b"user=alice path=/other")


async def test_put_child_refused() -> None:
    w, _ = wrapper()
    with pytest.raises(NotImplementedError):
        w.putChild(b"x", resource.Resource())
    assert issubclass(error.UnauthorizedLogin, error.LoginFailed)


async def test_guarded_page_example() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "guarded_page.py"), "0",
        env={"PYTHONPATH": str(EXAMPLES.parent), "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 5)
        port = int(line.split()[-1])
        url = f"http://127.0.0.1:{port}/"
        rc, out, _ = await run_curl("--basic", "-u", "alice:wonderland", url)
        assert (rc, out) == (0, b"Hello, alice! You are in.\n")
        rc, out, _ = await run_curl("--digest", "-u", "bob:builder", url)
        assert (rc, out) == (0, b"Hello, bob! You are in.\n")
        rc, out, _ = await run_curl("-o", "/dev/null", "-w", "%{http_code}", url)
        assert out == b"401"
    finally:
        proc.terminate()
        await proc.wait()
