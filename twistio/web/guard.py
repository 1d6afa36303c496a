"""HTTP authentication in front of a resource tree: ``HTTPAuthSessionWrapper`` and the
``Basic`` and ``Digest`` credential factories (defined in ``twistio.web._auth``), as in
``twisted.web.guard``."""

from __future__ import annotations

from twistio.web._auth.basic import BasicCredentialFactory
from twistio.web._auth.digest import DigestCredentialFactory
from twistio.web._auth.wrapper import HTTPAuthSessionWrapper, UnauthorizedResource
from twistio.web.iweb import ICredentialFactory

__all__ = [
    "BasicCredentialFactory",
    "DigestCredentialFactory",
    "HTTPAuthSessionWrapper",
    "ICredentialFactory",
    "UnauthorizedResource",
]
