"""twistio.words.protocols.jabber: JIDs and stringprep, errors, the XMPP stream and its
initializers, SASL, clients, components and the router (in memory and over real sockets)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from twistio.internet import defer, task
from twistio.internet.error import ConnectionLost
from twistio.internet.testing import StringTransport
from twistio.python import failure
from twistio.test import iosim
from twistio.words.protocols.jabber import (
    client,
    component,
    error,
    jid,
    jstrports,
    sasl,
    sasl_mechanisms,
    xmlstream,
    xmpp_stringprep,
)
from twistio.words.xish import domish

# -- jid and stringprep -------------------------------------------------------------------

JIDS = [
    "user@host/res",
    "host",
    "user@host",
    "host/res",
    "@host",
    "user@host/",
    "user@host/res/more@x",
    "USER@HOST/RES",
    "user@host/ res",
    "Ünïcode@Exämple.org/Rés",
    "ﬀ@host",
    "user@",
    "/res",
    "",
    "a@b@c",
    "Us er@host",
    "user@ho st",
    "user@host/re\u05bes",
    "a\u0221@host",
    "user@-host",
]


def _parsed(module: Any, text: str) -> Any:
    try:
        return module.parse(text)
    except module.InvalidFormat as e:
        return ("InvalidFormat", str(e))


@pytest.mark.parametrize("text", JIDS)
def test_jid_parse_matches_twisted(text: str) -> None:
    t_jid = pytest.importorskip("twisted.words.protocols.jabber.jid")
    assert _parsed(jid, text) == _parsed(t_jid, text)


def test_jid_object() -> None:
    j = jid.JID("User@Host/Res")
    assert (j.user, j.host, j.resource) == ("user", "host", "Res")
    assert j.userhost() == "user@host" and j.full() == str(j) == "user@host/Res"
    assert repr(j) == "JID('user@host/Res')"
    assert j == jid.JID(tuple=("user", "host", "Res")) and hash(j) == hash(jid.JID("user@host/Res"))
    assert j != "user@host/Res"
    assert j.userhostJID() == jid.JID("user@host")
    bare = jid.JID("u@h")
    assert bare.userhostJID() is bare
    assert jid.internJID("a@b") is jid.internJID("a@b")
    with pytest.raises(RuntimeError):
        jid.JID()


PREPS = [
    ("nodeprep", "User"),
    ("nodeprep", "a b"),
    ("nodeprep", "a\u0221"),
    ("nodeprep", "ﬀ\u00ad"),
    ("resourceprep", "Res ource"),
    ("resourceprep", "\u05be\u0041"),
    ("resourceprep", "\u05d0\u05d1"),
    ("resourceprep", "\u05d0a\u05d1"),
    ("nameprep", "EXAMPLE.com"),
    ("nameprep", "-ex.com"),
    ("nameprep", "ex-.com"),
    ("nameprep", "ex.com."),
    ("nameprep", "ex_a.com"),
    ("nameprep", "\u00c0.com"),
]


@pytest.mark.parametrize(("profile", "text"), PREPS)
def test_stringprep_matches_twisted(profile: str, text: str) -> None:
    t_prep = pytest.importorskip("twisted.words.protocols.jabber.xmpp_stringprep")

    def run(module: Any) -> Any:
        try:
            return getattr(module, profile).prepare(text)
        except UnicodeError as e:
            return ("UnicodeError", str(e))

    assert run(xmpp_stringprep) == run(t_prep)


# -- errors ------------------------------------------------------------------------------


def test_stanza_error_element_and_response() -> None:
    app = domish.Element(("testns", "myerror"))
    exc = error.StanzaError("bad-request", text="hi", textLang="en", appCondition=app)
    assert (exc.type, exc.code) == ("modify", "400")
    assert str(exc) == "StanzaError with condition 'bad-request': hi"
    assert exc.getElement().toXml() == (
        "<error type='modify' code='400'>"
        "<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>hi</text>"
        "<myerror xmlns='testns'/></error>"
    )
    stanza = domish.Element(("jabber:client", "message"))
    stanza["to"], stanza["from"], stanza["id"] = "a@b", "c@d", "1"
    stanza.addElement("body", content="x")
    response = exc.toResponse(stanza)
    assert response is not stanza
    assert (response["to"], response["from"], response["id"], response["type"]) == (
        "c@d",
        "a@b",
        "1",
        "error",
    )


def test_stream_error_element() -> None:
    exc = error.StreamError("host-unknown", "x")
    assert exc.getElement().toXml() == (
        "<xn0:error xmlns:xn0='http://etherx.jabber.org/streams'>"
        "<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>x</text></xn0:error>"
    )


def test_exception_from_stanza_conditions_and_legacy_codes() -> None:
    stanza = domish.Element(("jabber:client", "message"))
    stanza["type"] = "error"
    err = stanza.addElement("error")
    err["type"] = "cancel"
    err.addElement(("urn:ietf:params:xml:ns:xmpp-stanzas", "feature-not-implemented"))
    err.addElement(("app", "cond"))
    exc = error.exceptionFromStanza(stanza)
    assert (exc.condition, exc.type, exc.code) == ("feature-not-implemented", "cancel", "501")
    assert exc.appCondition.name == "cond"
    assert exc.stanza is stanza  # type: ignore[attr-defined]

    legacy = domish.Element(("jabber:client", "message"))
    old = legacy.addElement("error")
    old["code"] = "502"
    old.addContent("legacy text")
    exc = error.exceptionFromStanza(legacy)
    assert (exc.condition, exc.type, exc.text) == ("service-unavailable", "wait", "legacy text")


# -- the XMPP stream --------------------------------------------------------------------

SERVER_HEADER = (
    b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
    b" from='example.com' id='12345' version='1.0'>"
)


def _client_stream(authenticator: Any = None) -> tuple[Any, StringTransport]:
    if authenticator is None:
        authenticator = xmlstream.ConnectAuthenticator("example.com")
        authenticator.namespace = "jabber:client"
    xs = xmlstream.XmlStream(authenticator)
    transport = StringTransport()
    xs.makeConnection(transport)
    return xs, transport


def _last_id(transport: StringTransport) -> str:
    found = re.findall(rb"id='([^']*)'", transport.value())
    return found[-1].decode()


def test_header_features_and_authd() -> None:
    xs, transport = _client_stream()
    assert transport.value() == (
        b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
        b"xmlns='jabber:client' to='example.com' version='1.0'>"
    )
    events: list[str] = []
    xs.addObserver(xmlstream.STREAM_AUTHD_EVENT, lambda _: events.append("authd"))
    xs.dataReceived(SERVER_HEADER)
    assert xs.sid == "12345" and xs.version == (1, 0) and events == []
    xs.dataReceived(
        b"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
    )
    assert list(xs.features) == [("urn:ietf:params:xml:ns:xmpp-bind", "bind")]
    assert events == ["authd"]


@pytest.mark.parametrize(
    ("version", "agreed"), [(None, (0, 0)), ("0.9", (0, 9)), ("2.0", (1, 0)), ("x", (0, 0))]
)
def test_version_negotiation(version: str | None, agreed: tuple[int, int]) -> None:
    xs, _ = _client_stream()
    attr = f" version='{version}'" if version else ""
    xs.dataReceived(
        f"<stream:stream xmlns='jabber:client' xmlns:stream="
        f"'http://etherx.jabber.org/streams' id='1'{attr}>".encode()
    )
    assert xs.version == agreed


def test_send_uses_the_stream_namespace() -> None:
    xs, transport = _client_stream()
    transport.clear()
    message = domish.Element((None, "message"))
    message.addElement("body", content="x")
    xs.send(message)
    xs.send(domish.Element(("jabber:client", "presence")))
    xs.send(domish.Element(("other", "iq")))
    assert transport.value() == b"<message><body>x</body></message><presence/><iq xmlns='other'/>"


def test_stream_error_received() -> None:
    xs, transport = _client_stream()
    errors: list[failure.Failure] = []
    xs.addObserver(xmlstream.STREAM_ERROR_EVENT, errors.append)
    xs.dataReceived(SERVER_HEADER)
    xs.dataReceived(
        b"<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
    )
    assert errors[0].check(error.StreamError)
    assert errors[0].value.condition == "conflict"
    assert transport.disconnecting


def test_iq_result_error_timeout_and_connection_lost() -> None:
    xs, transport = _client_stream()
    xs.dataReceived(SERVER_HEADER)
    clock = task.Clock()
    xs._callLater = clock.callLater

    results: list[Any] = []
    xmlstream.IQ(xs, "get").send("other@example.com").addBoth(results.append)
    xs.dataReceived(f"<iq type='result' id='{_last_id(transport)}'/>".encode())
    assert results[-1]["type"] == "result"

    xmlstream.IQ(xs, "get").send().addBoth(results.append)
    xs.dataReceived(
        f"<iq type='error' id='{_last_id(transport)}'><error type='cancel'>"
        "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>".encode()
    )
    assert results[-1].value.condition == "item-not-found"

    iq = xmlstream.IQ(xs, "get")
    iq.timeout = 60
    iq.send().addBoth(results.append)
    clock.advance(61)
    assert results[-1].check(xmlstream.TimeoutError) and xs.iqDeferreds == {}

    xmlstream.IQ(xs, "get").send().addBoth(results.append)
    xs.connectionLost(failure.Failure(ConnectionLost()))
    assert results[-1].check(ConnectionLost)


def test_initializers_in_order_with_reset() -> None:
    xs, _ = _client_stream()
    calls: list[int] = []
    events: list[Any] = []

    class Step:
        def __init__(self, n: int, result: Any = None) -> None:
            self.n, self.result = n, result

        def initialize(self) -> Any:
            calls.append(self.n)
            return self.result

    xs.addObserver(xmlstream.STREAM_AUTHD_EVENT, lambda _: events.append("authd"))
    xs.addObserver(xmlstream.INIT_FAILED_EVENT, events.append)
    xs.initializers = [Step(1), Step(2, xmlstream.Reset), Step(3, defer.succeed(None))]
    xs.authenticator.initializeStream()
    assert calls == [1, 2] and events == [] and len(xs.initializers) == 1
    xs.authenticator.initializeStream()
    assert calls == [1, 2, 3] and events == ["authd"] and xs.initializers == []

    xs.initializers = [Step(4, defer.fail(ValueError("no")))]
    xs.authenticator.initializeStream()
    assert events[-1].check(ValueError) and len(xs.initializers) == 1


def test_stream_manager_queues_until_initialized() -> None:
    factory = xmlstream.XmlStreamFactory(xmlstream.ConnectAuthenticator("example.com"))
    manager = xmlstream.StreamManager(factory)
    seen: list[str] = []

    class Handler(xmlstream.XMPPHandler):
        def connectionMade(self) -> None:
            seen.append("made")

        def connectionInitialized(self) -> None:
            seen.append("initialized")

        def connectionLost(self, reason: Any) -> None:
            seen.append("lost")

    handler = Handler()
    handler.setHandlerParent(manager)
    handler.send(domish.Element((None, "presence")))
    xs = factory.buildProtocol(None)
    transport = StringTransport()
    xs.makeConnection(transport)
    transport.clear()
    xs.dispatch(xs, xmlstream.STREAM_AUTHD_EVENT)
    assert transport.value() == b"<presence/>"
    xs.connectionLost(failure.Failure(ConnectionLost()))
    assert seen == ["made", "initialized", "lost"]
    assert manager.xmlstream is None


def test_tls_not_wanted_but_required() -> None:
    xs, _ = _client_stream()
    feature = domish.Element((xmlstream.NS_XMPP_TLS, "starttls"))
    feature.addElement("required")
    xs.features[(xmlstream.NS_XMPP_TLS, "starttls")] = feature
    tls = xmlstream.TLSInitiatingInitializer(xs)
    tls.wanted = False
    failures: list[failure.Failure] = []
    tls.initialize().addErrback(failures.append)
    assert failures[0].check(xmlstream.TLSRequired)


def test_hash_password() -> None:
    assert xmlstream.hashPassword("12345", "secret") == "99567ee91b2c7cabf607f10cb9f4a3634fa820e0"
    with pytest.raises(TypeError):
        xmlstream.hashPassword(b"12345", "secret")  # type: ignore[arg-type]


# -- SASL ---------------------------------------------------------------------------------


def test_digest_md5_rfc2831_example() -> None:
    """The worked example of RFC 2831 section 4 (IMAP, so the digest-uri is imap/...)."""
    mechanism = sasl_mechanisms.DigestMD5("imap", "elwood.innosoft.com", None, "chris", "secret")
    mechanism._gen_nonce = lambda: b"OA6MHXh6VqTrRk"  # type: ignore[method-assign]
    response = mechanism.getResponse(
        b'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",'
        b"algorithm=md5-sess,charset=utf-8"
    )
    directives = mechanism._parse(response)
    assert directives[b"response"] == b"d388dad90d4bbd760a152321f2143af7"
    assert directives[b"digest-uri"] == b"imap/elwood.innosoft.com"
    assert mechanism.getResponse(b"rspauth=ea40f60335c427b5527b84dbabcdfffd") == b""


def test_plain_and_anonymous() -> None:
    assert sasl_mechanisms.Plain(None, "user", "secret").getInitialResponse() == (
        b"\x00user\x00secret"
    )
    assert sasl_mechanisms.Anonymous().getInitialResponse() is None


@pytest.mark.parametrize("bad", ["dGVzdA", "dG=VzdA==", "dGV$dA=="])
def test_strict_base64(bad: str) -> None:
    assert sasl.fromBase64("dGVzdA==") == b"test"
    with pytest.raises(sasl.SASLIncorrectEncodingError):
        sasl.fromBase64(bad)


def _sasl_stream(user_jid: str, mechanisms: list[str]) -> tuple[Any, StringTransport]:
    xs, transport = _client_stream(client.XMPPAuthenticator(jid.JID(user_jid), "secret"))
    xs.dataReceived(SERVER_HEADER)
    feature = domish.Element((sasl.NS_XMPP_SASL, "mechanisms"))
    for name in mechanisms:
        feature.addElement("mechanism", content=name)
    xs.features[(sasl.NS_XMPP_SASL, "mechanisms")] = feature
    transport.clear()
    return xs, transport


def test_sasl_plain_success_restarts_the_stream() -> None:
    xs, transport = _sasl_stream("user@example.com", ["PLAIN"])
    results: list[Any] = []
    sasl.SASLInitiatingInitializer(xs).initialize().addBoth(results.append)
    assert transport.value() == (
        b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AHVzZXIAc2VjcmV0</auth>"
    )
    transport.clear()
    xs.dataReceived(b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
    assert results == [xmlstream.Reset]
    assert transport.value().startswith(b"<stream:stream")


def test_sasl_failure_and_no_mechanism() -> None:
    xs, _ = _sasl_stream("user@example.com", ["PLAIN"])
    results: list[Any] = []
    sasl.SASLInitiatingInitializer(xs).initialize().addBoth(results.append)
    xs.dataReceived(
        b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"
    )
    assert results[0].check(sasl.SASLAuthError)
    assert results[0].value.condition == "not-authorized"

    xs, _ = _sasl_stream("example.com", ["PLAIN"])  # no user part: ANONYMOUS only
    with pytest.raises(sasl.SASLNoAcceptableMechanism):
        sasl.SASLInitiatingInitializer(xs).setMechanism()


# -- client -------------------------------------------------------------------------------


def test_client_initializers_and_binding() -> None:
    factory = client.XMPPClientFactory(jid.JID("user@example.com/res"), "secret")
    xs = factory.buildProtocol(None)
    assert [type(i).__name__ for i in xs.initializers] == [
        "CheckVersionInitializer",
        "TLSInitiatingInitializer",
        "SASLInitiatingInitializer",
        "BindInitializer",
        "SessionInitializer",
    ]
    transport = StringTransport()
    xs.makeConnection(transport)
    xs.dataReceived(SERVER_HEADER)
    transport.clear()
    client.BindInitializer(xs).start()
    assert b"<resource>res</resource>" in transport.value()
    xs.dataReceived(
        f"<iq type='result' id='{_last_id(transport)}'><bind xmlns="
        "'urn:ietf:params:xml:ns:xmpp-bind'><jid>user@example.com/bound</jid></bind></iq>".encode()
    )
    assert xs.authenticator.jid == jid.JID("user@example.com/bound")


def test_iq_auth_digest() -> None:
    factory = client.basicClientFactory(jid.JID("user@example.com/res"), "secret")
    xs = factory.buildProtocol(None)
    transport = StringTransport()
    xs.makeConnection(transport)
    xs.dataReceived(SERVER_HEADER.replace(b" version='1.0'", b""))
    transport.clear()
    results: list[Any] = []
    client.IQAuthInitializer(xs).initialize().addBoth(results.append)
    xs.dataReceived(
        f"<iq type='result' id='{_last_id(transport)}'><query xmlns='jabber:iq:auth'>"
        "<username/><digest/><resource/></query></iq>".encode()
    )
    assert b"<digest>99567ee91b2c7cabf607f10cb9f4a3634fa820e0</digest>" in transport.value()
    xs.dataReceived(f"<iq type='result' id='{_last_id(transport)}'/>".encode())
    assert results == [None]


def test_version_below_one_is_refused() -> None:
    xs, _ = _client_stream()
    xs.version = (0, 9)
    with pytest.raises(error.StreamError):
        client.CheckVersionInitializer(xs).initialize()


# -- components and the router ------------------------------------------------------------


def test_component_handshake_in_memory() -> None:
    router = component.Router()
    server_factory = component.XMPPComponentServerFactory(router, "secret")
    client_factory = component.componentFactory("comp.example.com", "secret")
    authd: list[Any] = []
    client_factory.addBootstrap(xmlstream.STREAM_AUTHD_EVENT, authd.append)
    client_xs = client_factory.buildProtocol(None)
    server_xs = server_factory.buildProtocol(None)
    pump = iosim.connect(
        server_xs, iosim.makeFakeServer(server_xs), client_xs, iosim.makeFakeClient(client_xs)
    )
    pump.flush()
    assert authd == [client_xs]
    assert router.routes == {"comp.example.com": server_xs}
    assert client_xs.thisEntity == jid.JID("comp.example.com")


def test_component_wrong_secret() -> None:
    server_factory = component.XMPPComponentServerFactory(component.Router(), "secret")
    client_factory = component.componentFactory("comp.example.com", "wrong")
    errors: list[Any] = []
    client_factory.addBootstrap(xmlstream.STREAM_ERROR_EVENT, errors.append)
    client_xs = client_factory.buildProtocol(None)
    server_xs = server_factory.buildProtocol(None)
    pump = iosim.connect(
        server_xs, iosim.makeFakeServer(server_xs), client_xs, iosim.makeFakeClient(client_xs)
    )
    pump.flush()
    assert errors and errors[0].value.condition == "not-authorized"


def test_router_routes_by_host_with_default() -> None:
    router = component.Router()

    from twistio.words.xish import utility

    one, other, default = (utility.EventDispatcher() for _ in range(3))
    got: dict[str, list[Any]] = {"one": [], "other": [], "default": []}
    one.send = got["one"].append  # type: ignore[attr-defined]
    other.send = got["other"].append  # type: ignore[attr-defined]
    default.send = got["default"].append  # type: ignore[attr-defined]
    router.addRoute("one.example", one)
    router.addRoute("other.example", other)
    router.addRoute(None, default)
    stanza = domish.Element((None, "message"))
    stanza["to"] = "user@other.example/res"
    one.dispatch(stanza)
    stray = domish.Element((None, "message"))
    stray["to"] = "nowhere.example"
    one.dispatch(stray)
    assert got == {"one": [], "other": [stanza], "default": [stray]}
    router.removeRoute("other.example", other)
    assert "other.example" not in router.routes


def test_jstrports() -> None:
    factory = object()
    assert jstrports.parse("tcp:example.com:5222", factory) == (
        "TCP",
        ("example.com", 5222, factory),
        {},
    )
    assert jstrports.parse("unix:/tmp/x", factory) == ("UNIX", ("/tmp/x", factory), {})
    assert type(jstrports.client("tcp:example.com:5222", factory)).__name__ == "TCPClient"


@pytest.mark.asyncio
async def test_router_tap_routes_between_components_over_tcp() -> None:
    """``twistd xmpp-router``'s service on a real port; two components connect over TCP,
    authenticate, and a message from one reaches the other through the router."""
    from twistio.internet import reactor
    from twistio.words import xmpproutertap

    options = xmpproutertap.Options()
    options.parseOptions(["--port", "tcp:0:interface=127.0.0.1", "--secret", "s3cret"])
    service = xmpproutertap.makeService(options)
    service.startService()
    try:
        port = service._waitingForPort.result  # type: ignore[attr-defined]
        address = port.getHost()
        ready: dict[str, defer.Deferred[Any]] = {}
        streams: dict[str, Any] = {}
        received: defer.Deferred[Any] = defer.Deferred()
        connectors = []
        for name in ("alpha.example", "beta.example"):
            factory = component.componentFactory(name, "s3cret")
            factory.maxRetries = 0
            ready[name] = defer.Deferred()
            factory.addBootstrap(
                xmlstream.STREAM_AUTHD_EVENT,
                lambda xs, name=name: (streams.__setitem__(name, xs), ready[name].callback(xs)),
            )
            connectors.append(reactor.connectTCP(address.host, address.port, factory))
        await defer.gatherResults(list(ready.values()))
        streams["beta.example"].addObserver("/message", received.callback)
        message = domish.Element((None, "message"))
        message["to"] = "user@beta.example"
        message["from"] = "alpha.example"
        message.addElement("body", content="hello through the router")
        streams["alpha.example"].send(message)
        got = await received
        assert str(got.body) == "hello through the router"
        for connector in connectors:
            connector.factory.stopTrying()
            connector.disconnect()
    finally:
        await service.stopService()


def test_xmpp_router_plugin() -> None:
    """``twistd xmpp-router`` is offered by the words plugin module, as in Twisted."""
    from twistio.application.service import IServiceMaker
    from twistio.plugin import getPlugins
    from twistio.words import xmpproutertap

    makers = {maker.tapname: maker for maker in getPlugins(IServiceMaker)}
    router = makers["xmpp-router"]
    assert router.module == "twistio.words.xmpproutertap"
    assert router.options is xmpproutertap.Options
    options = router.options()
    options.parseOptions(["--secret", "x", "-v"])
    service = router.makeService(options)
    assert service.factory.secret == "x" and service.factory.logTraffic
