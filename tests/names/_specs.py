"""Random DNS messages as plain data, built with either Twisted's dns module or twistio's."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

_label = st.sampled_from([b"a", b"B", b"www", b"example", b"EXAMPLE", b"com", b"org", b"x-1", b"mail", b"_sip"])
names = st.lists(_label, min_size=0, max_size=4).map(b".".join)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
s32 = st.integers(-(2**31), 2**31 - 1)
ttls = st.one_of(st.none(), u32)
charstr = st.binary(max_size=20)
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
ipv6 = st.sampled_from(["::", "::1", "2001:db8::1", "fe80::1:2:3:4", "1:2:3:4:5:6:7:8"])

# (record class name, arguments strategy); arguments are positional, then ttl keyword.
records: dict[str, Any] = {
    "Record_A": st.tuples(ipv4),
    "Record_AAAA": st.tuples(ipv6),
    "Record_NS": st.tuples(names),
    "Record_MD": st.tuples(names),
    "Record_MF": st.tuples(names),
    "Record_CNAME": st.tuples(names),
    "Record_MB": st.tuples(names),
    "Record_MG": st.tuples(names),
    "Record_MR": st.tuples(names),
    "Record_PTR": st.tuples(names),
    "Record_DNAME": st.tuples(names),
    "Record_SOA": st.tuples(names, names, u32, s32, s32, s32, u32),
    "Record_NULL": st.tuples(st.binary(min_size=1, max_size=10)),
    "Record_WKS": st.tuples(ipv4, st.integers(0, 255), st.binary(max_size=6)),
    "Record_HINFO": st.tuples(charstr, charstr),
    "Record_MINFO": st.tuples(names, names),
    "Record_MX": st.tuples(u16, names),
    "Record_TXT": st.lists(charstr, min_size=1, max_size=3).map(tuple),
    "Record_SPF": st.lists(charstr, min_size=1, max_size=3).map(tuple),
    "Record_RP": st.tuples(names, names),
    "Record_AFSDB": st.tuples(u16, names),
    "Record_SRV": st.tuples(u16, u16, u16, names),
    "Record_NAPTR": st.tuples(u16, u16, charstr, charstr, charstr, names),
    "Record_SSHFP": st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=20)),
    "Record_A6": st.tuples(st.sampled_from([0, 64, 128]), ipv6, st.sampled_from([b"a.com", b"example.org"])),
    "Record_TSIG": st.tuples(names.filter(bool), st.integers(0, 2**48 - 1), u16, st.binary(max_size=16), u16, u16, st.binary(max_size=6)),
    "UnknownRecord": st.tuples(st.binary(max_size=12)),
}


@st.composite
def record(draw: Any) -> tuple[str, tuple[Any, ...], Any]:
    kind = draw(st.sampled_from(sorted(records)))
    args = draw(records[kind])
    ttl = draw(ttls)
    return kind, args, ttl


@st.composite
def rr(draw: Any) -> tuple[Any, ...]:
    kind, args, ttl = draw(record())
    rtype = draw(st.sampled_from([1234, 65280])) if kind == "UnknownRecord" else None
    return (draw(names), rtype, draw(st.sampled_from([1, 3, 255])), draw(u32), kind, args, ttl, draw(st.booleans()))


@st.composite
def message(draw: Any) -> dict[str, Any]:
    flags = {
        "id": draw(u16),
        "answer": draw(st.integers(0, 1)),
        "opCode": draw(st.integers(0, 15)),
        "recDes": draw(st.integers(0, 1)),
        "recAv": draw(st.integers(0, 1)),
        "auth": draw(st.integers(0, 1)),
        "rCode": draw(st.integers(0, 15)),
        "trunc": draw(st.integers(0, 1)),
        "authenticData": draw(st.integers(0, 1)),
        "checkingDisabled": draw(st.integers(0, 1)),
    }
    return {
        "flags": flags,
        "queries": draw(st.lists(st.tuples(names, u16, u16), max_size=3)),
        "answers": draw(st.lists(rr(), max_size=4)),
        "authority": draw(st.lists(rr(), max_size=3)),
        "additional": draw(st.lists(rr(), max_size=3)),
    }


def build_record(dns: Any, kind: str, args: tuple[Any, ...], ttl: Any) -> Any:
    cls = getattr(dns, kind)
    if kind == "Record_TSIG":
        alg, signed, fudge, mac, orig, err, other = args
        return cls(algorithm=alg, timeSigned=signed, fudge=fudge, MAC=mac, originalID=orig, error=err, otherData=other, ttl=ttl)
    return cls(*args, ttl=ttl)


def build_message(dns: Any, spec: dict[str, Any], maxSize: int = 0) -> Any:
    m = dns.Message(maxSize=maxSize, **spec["flags"])
    m.queries = [dns.Query(n, t, c) for n, t, c in spec["queries"]]
    for section in ("answers", "authority", "additional"):
        out = getattr(m, section)
        for name, rtype, cls, ttl, kind, args, rttl, auth in spec[section]:
            payload = build_record(dns, kind, args, rttl)
            out.append(dns.RRHeader(name, rtype or payload.TYPE, cls, ttl, payload, auth))
    return m
