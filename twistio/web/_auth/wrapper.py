"""HTTP authentication in front of a resource tree: ``HTTPAuthSessionWrapper`` and the
``UnauthorizedResource`` it answers with.

A request without ``Authorization`` logs in anonymously; one whose scheme no factory
handles, or whose credentials are malformed or refused, gets ``401 Unauthorized`` with one
``WWW-Authenticate`` challenge per factory (Twisted answers these with 401, never 400).
On success the realm's ``IResource`` avatar renders the request, and the avatar's
``logout`` runs when the request finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, cast

from twistio.cred import error
from twistio.cred.credentials import Anonymous, ICredentials, _StaleNonce
from twistio.internet.interfaces import implementer
from twistio.python.failure import Failure
from twistio.web import util
from twistio.web.iweb import ICredentialFactory, IRequest
from twistio.web.resource import ErrorPage, IResource, RenderResult

if TYPE_CHECKING:
    from twistio.cred.portal import Portal
    from twistio.internet.defer import Deferred


class _Finishing(Protocol):
    """A request that tells when it is finished (``http.Request``'s ``notifyFinish``)."""

    def notifyFinish(self) -> Deferred[None]: ...

__all__ = ["HTTPAuthSessionWrapper", "UnauthorizedResource"]

_log = logging.getLogger("twistio.web.guard")


def _ensure_bytes(s: bytes | str) -> bytes:
    return s.encode("utf-8") if isinstance(s, str) else s


def _quote(s: bytes) -> bytes:
    return b'"' + s.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


@implementer(IResource)
class UnauthorizedResource:
    """``401 Unauthorized`` with a ``WWW-Authenticate`` challenge from each factory.

    ``stale`` (twistio-only) adds ``stale=true`` to digest challenges, telling the client
    its nonce expired and it may retry with the new one without asking the user again.
    """

    isLeaf = True

    def __init__(self, factories: Sequence[ICredentialFactory], stale: bool = False) -> None:
        self._credentialFactories = factories
        self._stale = stale

    def render(self, request: IRequest) -> bytes:
        """The challenges; the body is ``Unauthorized`` (empty for HEAD)."""
        request.setResponseCode(401)
        for factory in self._credentialFactories:
            challenge = factory.getChallenge(request)
            params = b", ".join(
                _ensure_bytes(k) + b"=" + _quote(_ensure_bytes(v)) for k, v in challenge.items()
            )
            if self._stale and factory.scheme == b"digest":
                params += b", stale=true"
            request.responseHeaders.addRawHeader(b"www-authenticate", factory.scheme + b" " + params)
        if request.method == b"HEAD":
            return b""
        return b"Unauthorized"

    def getChildWithDefault(self, path: bytes, request: IRequest) -> IResource:
        """Itself, for any path."""
        return self

    def putChild(self, path: bytes, child: IResource) -> None:
        """Not supported."""
        raise NotImplementedError()


def _internal_error() -> ErrorPage:
    return ErrorPage(500, "Internal Server Error", "Authentication failed unexpectedly.")


@implementer(IResource)
class _AvatarResource:
    """The avatar, rendered as itself, calling ``logout`` when the request is done."""

    def __init__(self, resource: IResource, logout: Callable[[], object]) -> None:
        self.resource = resource
        self._logout = logout

    @property
    def isLeaf(self) -> bool:
        return bool(self.resource.isLeaf)

    def _logoutWhenFinished(self, request: IRequest) -> None:
        cast(_Finishing, request).notifyFinish().addBoth(lambda ignored: self._logout())

    def getChildWithDefault(self, name: bytes, request: IRequest) -> IResource:
        self._logoutWhenFinished(request)
        return self.resource.getChildWithDefault(name, request)

    def render(self, request: IRequest) -> RenderResult:
        self._logoutWhenFinished(request)
        return self.resource.render(request)

    def putChild(self, path: bytes, child: IResource) -> None:
        self.resource.putChild(path, child)

    def __getattr__(self, name: str) -> object:
        return getattr(self.resource, name)



@implementer(IResource)
class HTTPAuthSessionWrapper:
    """Authenticates each request with ``portal`` and renders the ``IResource`` avatar.

    ``credentialFactories`` are tried by scheme (``Basic``, ``Digest`` ...), case-insensitively.
    """

    isLeaf = False

    def __init__(self, portal: Portal, credentialFactories: Sequence[ICredentialFactory]) -> None:
        self._portal = portal
        self._credentialFactories = credentialFactories

    def _authorizedResource(self, request: IRequest) -> IResource:
        # Without an Authorization header the portal is asked for the anonymous avatar; with
        # one, its credentials (a header we cannot decode earns a 401 at once).
        header = request.getHeader(b"authorization")
        credentials: ICredentials = Anonymous()
        if header:
            try:
                credentials = self._decode(header, request)
            except _StaleNonce:
                return UnauthorizedResource(self._credentialFactories, stale=True)
            except error.LoginFailed:
                return UnauthorizedResource(self._credentialFactories)
            except Exception:
                _log.exception("unexpected error decoding credentials")
                return _internal_error()
        return util.DeferredResource(self._login(credentials))

    def _decode(self, header: bytes, request: IRequest) -> ICredentials:
        factory, response = self._selectParseHeader(header)
        if factory is None or response is None:
            raise error.LoginFailed("no credential factory for this scheme")
        return factory.decode(response, request)

    def render(self, request: IRequest) -> RenderResult:
        """Authenticate, then render the avatar (or a 401)."""
        return self._authorizedResource(request).render(request)

    def getChildWithDefault(self, path: bytes, request: IRequest) -> IResource:
        """Authenticate; the avatar is then asked for ``path`` and what follows."""
        request.postpath.insert(0, request.prepath.pop())
        return self._authorizedResource(request)

    def putChild(self, path: bytes, child: IResource) -> None:
        """Not supported: children belong to the avatar."""
        raise NotImplementedError(f"Cannot put child {path!r} on an HTTPAuthSessionWrapper")

    def _login(self, credentials: ICredentials) -> Deferred[IResource]:
        asked = self._portal.login(credentials, None, IResource)
        return asked.addCallbacks(self._loginSucceeded, self._loginFailed)

    def _loginSucceeded(self, args: tuple[object, object, Callable[[], object]]) -> IResource:
        _interface, avatar, logout = args
        # Asked for IResource: the realm's avatar provides it.
        return _AvatarResource(cast(IResource, avatar), logout)

    def _loginFailed(self, result: Failure) -> IResource:
        if result.check(error.Unauthorized, error.LoginFailed):
            return UnauthorizedResource(self._credentialFactories)
        _log.error("HTTPAuthSessionWrapper: unexpected login failure", exc_info=result.value)
        return _internal_error()

    def _selectParseHeader(self, header: bytes) -> tuple[ICredentialFactory | None, bytes | None]:
        # The factory for the header's scheme and the rest of the header; (None, None) when
        # no factory handles that scheme.
        scheme, _, rest = header.partition(b" ")
        wanted = scheme.lower()
        chosen = next((f for f in self._credentialFactories if f.scheme == wanted), None)
        return (chosen, rest) if chosen is not None else (None, None)
