"""twistio's XMPP components and router talk to Twisted's own, bytes moved between the two
in memory: each side runs the other's half of XEP-0114 (handshake, routing)."""

from __future__ import annotations

from typing import Any

import pytest

from twistio.internet.testing import StringTransport
from twistio.words.protocols.jabber import component, xmlstream
from twistio.words.xish import domish

t_component = pytest.importorskip("twisted.words.protocols.jabber.component")
t_xmlstream = pytest.importorskip("twisted.words.protocols.jabber.xmlstream")
t_domish = pytest.importorskip("twisted.words.xish.domish")
t_testing = pytest.importorskip("twisted.internet.testing")


def pump(*pairs: tuple[Any, Any, Any, Any]) -> None:
    """Move bytes between connected protocols until both sides are quiet (bounded)."""
    for _ in range(50):
        moved = False
        for proto_a, transport_a, proto_b, transport_b in pairs:
            for src, dst in ((transport_a, proto_b), (transport_b, proto_a)):
                data = src.value()
                if data:
                    src.clear()
                    dst.dataReceived(data)
                    moved = True
        if not moved:
            return
    raise AssertionError("the two sides kept talking")


def connect(server: Any, server_transport: Any, client: Any, client_transport: Any) -> tuple:
    server.makeConnection(server_transport)
    client.makeConnection(client_transport)
    return (server, server_transport, client, client_transport)


def test_twistio_component_joins_twisted_router() -> None:
    router = t_component.Router()
    server_factory = t_component.XMPPComponentServerFactory(router, "s3cret")
    client_factory = component.componentFactory("ours.example", "s3cret")
    authd: list[Any] = []
    client_factory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, authd.append)
    server = server_factory.buildProtocol(None)
    client = client_factory.buildProtocol(None)
    pair = connect(server, t_testing.StringTransport(), client, StringTransport())
    pump(pair)
    assert authd == [client]
    assert router.routes["ours.example"] is server


def test_twisted_component_joins_twistio_router_and_messages_route() -> None:
    router = component.Router()
    server_factory = component.XMPPComponentServerFactory(router, "s3cret")
    # Twisted's component on one side, twistio's on the other, both through our router.
    t_factory = t_component.componentFactory("theirs.example", "s3cret")
    o_factory = component.componentFactory("ours.example", "s3cret")
    t_authd: list[Any] = []
    o_authd: list[Any] = []
    t_factory.addBootstrap(t_xmlstream.STREAM_AUTHD_EVENT, t_authd.append)
    o_factory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, o_authd.append)
    t_client = t_factory.buildProtocol(None)
    o_client = o_factory.buildProtocol(None)
    pair_t = connect(
        server_factory.buildProtocol(None), StringTransport(), t_client, t_testing.StringTransport()
    )
    pair_o = connect(
        server_factory.buildProtocol(None), StringTransport(), o_client, StringTransport()
    )
    pump(pair_t, pair_o)
    assert len(t_authd) == 1 and len(o_authd) == 1
    assert set(router.routes) == {"theirs.example", "ours.example"}

    got: list[Any] = []
    t_client.addObserver("/message", got.append)
    message = domish.Element((None, "message"))
    message["to"] = "someone@theirs.example"
    message["from"] = "ours.example"
    message.addElement("body", content="over the router")
    o_client.send(message)
    pump(pair_t, pair_o)
    assert len(got) == 1 and str(got[0].body) == "over the router"
    assert isinstance(got[0], t_domish.Element)


def test_wrong_secret_refused_both_ways() -> None:
    t_router = t_component.Router()
    errors: list[Any] = []
    client_factory = component.componentFactory("ours.example", "wrong")
    client_factory.addBootstrap(xmlstream.STREAM_ERROR_EVENT, errors.append)
    pair = connect(
        t_component.XMPPComponentServerFactory(t_router, "s3cret").buildProtocol(None),
        t_testing.StringTransport(),
        client_factory.buildProtocol(None),
        StringTransport(),
    )
    pump(pair)
    assert errors and errors[0].value.condition == "not-authorized"
    assert t_router.routes == {}
