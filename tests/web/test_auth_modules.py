"""twistio.web._auth: the modules behind web.guard, at Twisted's paths (no sockets)."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from twistio.cred import checkers, portal
from twistio.internet.interfaces import implementer
from twistio.web import guard, resource
from twistio.web._auth import basic, digest, wrapper
from twistio.web.test.requesthelper import DummyRequest


def test_guard_offers_the_auth_classes() -> None:
    assert guard.BasicCredentialFactory is basic.BasicCredentialFactory
    assert guard.DigestCredentialFactory is digest.DigestCredentialFactory
    assert guard.HTTPAuthSessionWrapper is wrapper.HTTPAuthSessionWrapper
    assert guard.UnauthorizedResource is wrapper.UnauthorizedResource


def test_unknown_scheme_selects_nothing() -> None:
    w = wrapper.HTTPAuthSessionWrapper(object(), [basic.BasicCredentialFactory(b"r")])
    assert w._selectParseHeader(b"Bearer abc") == (None, None)
    chosen, rest = w._selectParseHeader(b"BASIC abc")
    assert isinstance(chosen, basic.BasicCredentialFactory) and rest == b"abc"


class Broken(Exception):
    pass


@implementer(checkers.ICredentialsChecker)
class BrokenChecker:
    credentialInterfaces = checkers.InMemoryUsernamePasswordDatabaseDontUse.credentialInterfaces

    def requestAvatarId(self, credentials: Any) -> Any:
        raise Broken("checker broke")


@implementer(portal.IRealm)
class Realm:
    def requestAvatar(self, avatarId: Any, mind: Any, *interfaces: Any) -> Any:
        return resource.IResource, resource.Resource(), lambda: None


def test_unexpected_login_failure_is_logged_with_its_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = wrapper.HTTPAuthSessionWrapper(
        portal.Portal(Realm(), [BrokenChecker()]), [basic.BasicCredentialFactory(b"r")]
    )
    request = DummyRequest([b""])
    request.requestHeaders.addRawHeader(b"authorization", b"Basic " + base64.b64encode(b"a:b"))
    with caplog.at_level(logging.ERROR, logger="twistio.web.guard"):
        request.render(w)
    assert request.responseCode == 500
    [record] = [r for r in caplog.records if r.name == "twistio.web.guard"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], Broken)
