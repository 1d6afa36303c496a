"""twistio.names.dns against Twisted's: the same messages give the same bytes, the same bytes
decode to equal objects, and malformed bytes are refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.names import _specs
from twistio.names import dns as ours

tdns = pytest.importorskip("twisted.names.dns")

_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _r(x, f=repr):
    # Twisted's Name has object's default repr (shown inside TSIG's); ours says the name.
    try:
        text = f(x)
    except UnicodeDecodeError:
        return "UnicodeDecodeError"
    text = re.sub(r"<twisted\.names\.dns\.Name object at 0x[0-9a-f]+>", "NAME", text)
    return re.sub(r"Name\(b'[^']*'\)", "NAME", text)


def _decode(module, data):
    m = module.Message()
    m.fromStr(data)
    return m


@_settings
@given(_specs.message())
def test_same_objects_same_bytes(spec):
    theirs = _specs.build_message(tdns, spec).toStr()
    assert _specs.build_message(ours, spec).toStr() == theirs


@_settings
@given(_specs.message())
def test_decoded_equal_and_same_repr(spec):
    data = _specs.build_message(tdns, spec).toStr()
    t = _decode(tdns, data)
    o = _decode(ours, data)
    assert _r(o) == _r(t)
    for section in ("answers", "authority", "additional"):
        for a, b in zip(getattr(o, section), getattr(t, section), strict=True):
            assert _r(a.payload) == _r(b.payload)
            assert _r(a, str) == _r(b, str)
            assert a.rdlength == b.rdlength
    assert [_r(q, str) for q in o.queries] == [_r(q, str) for q in t.queries]
    # Re-encoding the decoded message gives the bytes back, in both.
    assert o.toStr() == t.toStr() == data
    # Our decoded objects equal our freshly built ones wherever Twisted's do.
    assert (_specs.build_message(ours, spec) == o) == (_specs.build_message(tdns, spec) == t)


@_settings
@given(_specs.message(), st.integers(12, 600))
def test_truncation_same_bytes(spec, maxSize):
    t = _specs.build_message(tdns, spec, maxSize)
    o = _specs.build_message(ours, spec, maxSize)
    assert o.toStr() == t.toStr()
    assert o.trunc == t.trunc


@st.composite
def _edns(draw):
    spec = draw(_specs.message())
    kw = dict(spec["flags"])
    kw["rCode"] = draw(st.integers(0, 0xFFF))
    kw["ednsVersion"] = draw(st.one_of(st.none(), st.integers(0, 255)))
    kw["dnssecOK"] = draw(st.booleans())
    kw["maxSize"] = draw(st.integers(512, 65535))
    return spec, kw


def _build_edns(module, spec, kw):
    m = _specs.build_message(module, spec)
    e = module._EDNSMessage(
        queries=m.queries, answers=m.answers, authority=m.authority, additional=m.additional, **kw
    )
    return e


@_settings
@given(_edns())
def test_edns_same_bytes_and_decoding(case):
    spec, kw = case
    data = _build_edns(tdns, spec, kw).toStr()
    assert _build_edns(ours, spec, kw).toStr() == data
    t = tdns._EDNSMessage()
    t.fromStr(data)
    o = ours._EDNSMessage()
    o.fromStr(data)
    assert _r(o) == _r(t)
    assert (o.ednsVersion, o.dnssecOK, o.maxSize, o.rCode) == (t.ednsVersion, t.dnssecOK, t.maxSize, t.rCode)
    assert o.toStr() == t.toStr()


# Where twistio is stricter than Twisted (docs/differences.md): these are the only reasons
# for twistio to refuse bytes that Twisted decodes without losing a record.
_STRICTER = (
    "compression pointer does not point backwards",
    "does not match its length",
    "is not 4 octets",
    "is not 16 octets",
    "name longer than 255 octets",
    "A6 prefix length over 128",
    "unsupported label type",
    "record data runs past the end of the message",
)


def _twisted_lossless(data):
    """Twisted's decoding of ``data`` if it kept every record it announced, else None."""
    m = tdns.Message()
    try:
        m.fromStr(data)
    except Exception:
        return None
    counts = tuple(int.from_bytes(data[i : i + 2], "big") for i in (4, 6, 8, 10))
    if counts != (len(m.queries), len(m.answers), len(m.authority), len(m.additional)):
        return None
    return m


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_specs.message(), st.data())
def test_mutated_bytes_refused_or_decoded_alike(spec, data):
    wire = bytearray(_specs.build_message(tdns, spec).toStr())
    how = data.draw(st.sampled_from(["flip", "cut", "splice", "random"]))
    if how == "flip" and wire:
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(wire) - 1))
            wire[i] ^= 1 << data.draw(st.integers(0, 7))
    elif how == "cut":
        del wire[data.draw(st.integers(0, len(wire))) :]
    elif how == "splice":
        i = data.draw(st.integers(12, max(12, len(wire))))
        wire[i:i] = data.draw(st.binary(min_size=1, max_size=8))
    else:
        wire = bytearray(data.draw(st.binary(max_size=64)))
    wire = bytes(wire)
    theirs = _twisted_lossless(wire)
    o = ours.Message()
    try:
        o.fromStr(wire)
    except ours.DNSDecodeError as e:
        if theirs is not None:
            assert any(reason in str(e) for reason in _STRICTER), str(e)
        return
    if len(wire) > 2 and wire[2] & 2:
        # Truncated (tc): both keep the records before the cut.
        t = tdns.Message()
        try:
            t.fromStr(wire)
        except Exception:
            # Twisted gives up on a truncated message whose tail is broken (a compression loop
            # after the cut, say); twistio keeps the records before it.
            return
        for section in ("answers", "authority", "additional"):
            assert len(getattr(o, section)) <= len(getattr(t, section))
        return
    assert theirs is not None, "twistio accepted what Twisted refused"
    if _r(theirs) != "UnicodeDecodeError":  # Twisted's str(Name) fails on non-ASCII octets
        assert _r(o) == _r(theirs)
    assert o.toStr() == theirs.toStr()
