"""Pieces of twistio.names that Twisted's own tests drive: RFC 1982 serial numbers, the compact
message repr, name labels, TXT records longer than their RDLENGTH, and ``names.tap.Options``;
checked against Twisted where it is installed."""

from __future__ import annotations

import itertools
from io import BytesIO

import pytest

from twistio.logger import capturedLogs
from twistio.names import _rfc1982, dns, tap
from twistio.python import usage

SerialNumber = _rfc1982.SerialNumber


def _twisted(module: str):  # type: ignore[no-untyped-def]
    return pytest.importorskip(module)


def test_serial_number_ring_of_8_bits():
    s = lambda n: SerialNumber(n, serialBits=8)  # noqa: E731
    assert s(255) + s(1) == s(0)
    assert s(200) + s(100) == s(44)
    assert s(0) > s(200) and s(100) > s(255) and s(44) > s(0)
    # Half the ring apart: neither equal, less nor greater.
    for a, b in ((0, 128), (127, 255)):
        assert not (s(a) < s(b) or s(a) > s(b) or s(a) <= s(b) or s(a) >= s(b) or s(a) == s(b))
    with pytest.raises(ArithmeticError):
        s(1) + s(128)
    with pytest.raises(TypeError):
        s(1) + SerialNumber(1, serialBits=16)
    with pytest.raises(TypeError):
        _ = s(1) < 3  # type: ignore[operator]
    assert s(1).__eq__(object()) is NotImplemented
    assert repr(s(7)) == "<SerialNumber number=7 serialBits=8>" and str(s(7)) == "7"


def test_serial_number_dates():
    assert SerialNumber.fromRFC4034DateString("20120101000000") == SerialNumber(1325376000)
    assert SerialNumber(-1).toRFC4034DateString() == "21060207062815"


def test_serial_number_matches_twisted():
    theirs = _twisted("twisted.names._rfc1982").SerialNumber
    values = [0, 1, 2, 3, 100, 127, 128, 129, 200, 255]
    for a, b in itertools.product(values, repeat=2):
        ours_a, ours_b = SerialNumber(a, 8), SerialNumber(b, 8)
        t_a, t_b = theirs(a, 8), theirs(b, 8)
        for op in ("__lt__", "__gt__", "__le__", "__ge__", "__eq__"):
            assert getattr(ours_a, op)(ours_b) == getattr(t_a, op)(t_b), (a, b, op)
        if b <= 127:
            assert int(ours_a + ours_b) == int(t_a + t_b)


class _Shown:
    def __init__(self, size: int = 512, name: str = "x", on: bool = False) -> None:
        self.size, self.name, self.on, self.off = size, name, on, True
        self.items: list[int] = []

    def __repr__(self) -> str:
        return dns._compactRepr(
            self, alwaysShow=["name"], flagNames=["on", "off"],
            fieldNames=["size", "name"], sectionNames=["items", "absent"],
        )


def test_compact_repr():
    assert repr(_Shown()) == "<_Shown name='x' flags=off>"
    shown = _Shown(size=10, on=True)
    shown.items = [1, 2]
    assert repr(shown) == "<_Shown size=10 name='x' flags=on,off items=[1, 2]>"
    m = dns.Message(id=5, answer=1, rCode=3)
    assert repr(m) == "<Message id=5 rCode=3 flags=answer>"


def test_name_to_labels_and_ord2bytes():
    assert dns._nameToLabels(b"") == [b""] == dns._nameToLabels(b".")
    assert dns._nameToLabels(b"Foo.COM") == [b"Foo", b"COM", b""]
    assert dns._nameToLabels(b"foo.com.") == [b"foo", b"com", b""]
    assert dns._ord2bytes(0x10) == b"\x10"


def test_txt_string_past_its_rdlength_is_read_and_logged():
    record = dns.Record_TXT()
    with capturedLogs() as short:
        record.decode(BytesIO(b"\x04abcd"), 3)
    assert record.data == [b"abcd"]
    with capturedLogs() as exact:
        record.decode(BytesIO(b"\x04abcd"), 5)
    assert len(short) == 1 and exact == []
    assert "rdlength is 3" in short[0]["log_format"].format(**short[0])


def test_name_equality_defers_to_other_types():
    class Always:
        def __eq__(self, other: object) -> bool:
            return True

    assert dns.Name(b"a") == Always()
    assert not dns.Name(b"a") != Always()
    assert dns.Name(b"a") != b"a"
    assert dns.IEncodable.providedBy(dns._OPTHeader())
    assert dns.IEncodable.providedBy(dns._OPTVariableOption())


def test_str2time_passes_other_objects_through():
    marker = object()
    assert dns.str2time(marker) is marker  # type: ignore[arg-type]
    assert dns.str2time("2H") == 7200


def test_tap_options_secondaries():
    options = tap.Options()
    options.parseOptions(["--secondary", "1.2.3.4:5353/example.com", "--secondary", "1.2.3.5/b.org"])
    assert options.secondaries == [(("1.2.3.4", 5353), ["example.com"]), (("1.2.3.5", 53), ["b.org"])]
    assert [(s.primary, s._port) for s in options.svcs] == [("1.2.3.4", 5353), ("1.2.3.5", 53)]
    assert len(options.zones) == 2 and options["port"] == 53
    for bad in ("", "1.2.3.4", "1.2.3.4:hello/example.com"):
        with pytest.raises(usage.UsageError):
            tap.Options().parseOptions(["--secondary", bad])
    with pytest.raises(usage.UsageError, match="No such file"):
        tap.Options().parseOptions(["--pyzone", "/nonexistent/zone.py"])


def test_tap_build_resolvers(tmp_path):
    from twistio.names import cache, hosts, resolve

    options = tap.Options()
    options.parseOptions(["-c", "-v", "-v", "--hosts-file", str(tmp_path / "hosts")])
    caches, clients = tap._buildResolvers(options)
    assert [type(c) for c in caches] == [cache.CacheResolver]
    assert [type(c) for c in clients] == [hosts.Resolver]
    assert options["verbose"] == 2
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    options = tap.Options()
    options.parseOptions(["--resolv-conf", str(resolv)])
    assert options["recursive"]
    caches, clients = tap._buildResolvers(options)
    assert caches == [] and isinstance(clients[-1], resolve.ResolverChain)
    clients[-1].resolvers[-1]._parseCall.cancel()


class _Sent:
    def __init__(self) -> None:
        self.messages: list[dns.Message] = []

    def writeMessage(self, message: dns.Message, address: object = None) -> None:
        self.messages.append(message)


def _logged(call, *args, **kwargs):  # type: ignore[no-untyped-def]
    from twistio.python import log

    events: list[dict[str, object]] = []
    log.addObserver(events.append)
    try:
        call(*args, **kwargs)
    finally:
        log.removeObserver(events.append)
    return [" ".join(str(m) for m in e["message"]) for e in events if e.get("message")]  # type: ignore[union-attr]


def test_server_verbose_logging():
    from twistio.names import server

    factory = server.DNSServerFactory(verbose=1)
    factory.handleQuery = lambda *a: None  # type: ignore[method-assign]
    query = dns.Message()
    query.addQuery(b"example.com", dns.MX)
    query.addQuery(b"example.com", dns.AAAA)
    assert _logged(factory.messageReceived, query, None, ("192.0.2.1", 53)) == [
        "MX AAAA query from ('192.0.2.1', 53)"
    ]
    factory.verbose = 2
    assert _logged(factory.messageReceived, query, None, ("192.0.2.1", 53)) == [
        "<Query example.com MX IN> <Query example.com AAAA IN> query from ('192.0.2.1', 53)"
    ]
    reply = dns.Message()
    reply.answers.append(dns.RRHeader(payload=dns.Record_A("127.0.0.1")))
    lines = _logged(factory.sendReply, _Sent(), reply, None)
    assert lines[:3] == ["Answers are <A address=127.0.0.1 ttl=None>", "Authority is ", "Additional is "]
    assert _logged(factory.handleStatus, dns.Message(), _Sent(), ("::1", 53))[0] == "Status request from ('::1', 53)"
    factory.verbose = 0
    assert _logged(factory.handleStatus, dns.Message(), _Sent(), ("::1", 53)) == []


def test_server_response_keeps_request_fields_out():
    from twistio.names import server

    factory = server.DNSServerFactory()
    sent = _Sent()
    request = dns.Message(id=7, recDes=1, authenticData=True, checkingDisabled=True, maxSize=0)
    request.timeReceived = 12
    factory.gotResolverResponse(([], [], []), sent, request, None)
    (response,) = sent.messages
    assert (response.id, response.recDes, response.checkingDisabled, response.authenticData) == (7, 0, 0, 0)
    assert response.timeReceived == 12
    assert dns._responseFromMessage(dns.Message, request, rCode=3).recDes == 0


def test_client_resolv_conf_domain_and_search_and_module_resolver():
    from twistio.internet.interfaces import IResolver
    from twistio.names import client

    resolver = client.Resolver(servers=[("127.0.0.1", 53)])
    try:
        resolver.parseConfig([b"domain\n", b"search a.example b.example\n"])
        assert resolver.domain == b"" and resolver.search == [b"a.example", b"b.example"]
        resolver.parseConfig([b"search\n"])
        assert resolver.search == []
    finally:
        resolver._stop_reading_config()
    assert IResolver.providedBy(client)


def test_secondary_service_primary_as_text():
    from twistio.names import secondary

    service = secondary.SecondaryAuthorityService(b"192.168.1.3", [b"example.net", "example.edu"])
    assert service.primary == "192.168.1.3"
    assert [d.primary for d in service.domains] == ["192.168.1.3"] * 2
    assert service.domains[1].domain == b"example.edu"
