"""twistio interfaces seen through zope.interface, as ported Twisted code uses them."""

from __future__ import annotations

import pytest

zope_interface = pytest.importorskip("zope.interface")
from zope.interface.exceptions import Invalid  # noqa: E402
from zope.interface.verify import verifyObject  # noqa: E402

from twistio.internet.interfaces import IProtocol, implementer  # noqa: E402
from twistio.internet.protocol import Protocol  # noqa: E402
from twistio.web.resource import IResource, Resource  # noqa: E402


@zope_interface.implementer(IResource)
class ZopeDeclared:
    isLeaf = True

    def getChildWithDefault(self, name: bytes, request: object) -> object:
        return self

    def putChild(self, path: bytes, child: object) -> None:
        pass

    def render(self, request: object) -> bytes:
        return b"x"


def test_zope_implementer_with_twistio_interface() -> None:
    obj = ZopeDeclared()
    assert IResource.providedBy(obj)
    assert verifyObject(IResource, obj)


def test_twistio_implementer_is_seen_by_zope() -> None:
    assert zope_interface.providedBy(Resource()).extends(IResource.__iter__().__next__())
    assert verifyObject(IResource, Resource())
    assert verifyObject(IProtocol, Protocol())


def test_verify_object_finds_missing_methods() -> None:
    @zope_interface.implementer(IResource)
    class Broken:
        pass

    with pytest.raises(Invalid):
        verifyObject(IResource, Broken())


def test_twistio_implementer_still_records_its_own() -> None:
    @implementer(IResource)
    class Mine(Resource):
        pass

    assert IResource.providedBy(Mine())
    assert IResource.implementedBy(Mine)
