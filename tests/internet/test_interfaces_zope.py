"""twistio interfaces seen through zope.interface, as ported Twisted code uses them."""

from __future__ import annotations

import pytest

zope_interface = pytest.importorskip("zope.interface")
from zope.interface.exceptions import Invalid  # noqa: E402
from zope.interface.verify import verifyObject  # noqa: E402

from twistio.internet.interfaces import IProtocol, _zope_shadow, implementer  # noqa: E402
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
    assert zope_interface.providedBy(Resource()).extends(_zope_shadow(IResource))
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


def test_interfaces_sort_by_name_then_module_as_zopes_do() -> None:
    # cred's Portal.listCredentialsInterfaces() is sorted by callers (Twisted's own tests
    # do): twistio's interfaces order among themselves and with zope's, as zope's do.
    import zope.interface

    from twistio.cred.credentials import IAnonymous, IUsernamePassword
    from twistio.internet.interfaces import IAddress, Interface

    class IAddress2(Interface):
        pass

    IAddress2.__name__ = "IAddress"
    IAddress2.__module__ = "aaa"

    class IZope(zope.interface.Interface):
        pass

    assert sorted([IZope, IUsernamePassword, IAddress, IAnonymous, IAddress2]) == [
        IAddress2, IAddress, IAnonymous, IUsernamePassword, IZope,
    ]
    assert IAddress < IZope and IZope > IAddress and not IZope < IAddress
    assert IAddress <= IAddress and IAddress >= IAddress
    with pytest.raises(TypeError):
        IAddress < 3  # noqa: B015
