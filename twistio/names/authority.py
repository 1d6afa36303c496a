"""Authoritative resolvers for one zone: from a Python source file or a BIND zone file.

``FileAuthority`` answers from ``records`` (lower-cased owner name -> record list) and ``soa``
(the zone's name and its ``Record_SOA``), as Twisted's does: records without a TTL get the
larger of the SOA's ``minimum`` and ``expire``; a CNAME's target's addresses join the answer,
an MX's or NS's join the additional section; an NS record below the apex is a delegation
(returned in the authority section, not authoritative); a name in the zone with no record of
the type asked gets the SOA in the authority section (with the TTL of the name's last record,
as Twisted); a name not in the zone fails with ``AuthoritativeDomainError`` (twistio sets its
``authority`` to the SOA record with the negative-caching TTL of RFC 2308, the smaller of the
SOA's TTL and ``minimum``, so that ``DNSServerFactory`` puts it in the NXDOMAIN answer); a name outside the zone fails with
``DomainError``.

``BindAuthority`` differs from Twisted's parser where that one is wrong: names in record data
are made absolute against ``$ORIGIN`` (Twisted keeps ``ns1``, ``@`` and trailing dots as
written), quoted strings are parsed (Twisted keeps the quotes and splits on spaces inside
them), and a ``;`` inside quotes is not a comment.
"""

from __future__ import annotations

import os
from builtins import type as type_of
from collections.abc import Callable
from typing import Any

from twistio.internet.defer import Deferred, fail, succeed
from twistio.names import common, dns
from twistio.names.error import AuthoritativeDomainError, DomainError

__all__ = ["BindAuthority", "FileAuthority", "PySourceAuthority", "getSerial"]


def getSerial(filename: str = "/tmp/twisted-names.serial") -> str:
    """A zone serial number ``YYYYMMDDnn`` that increases on each call (kept in ``filename``)."""
    import time

    today = time.strftime("%Y%m%d")
    serial = 0
    if os.path.exists(filename):
        with open(filename) as f:
            stored_day, _, stored = f.read().strip().partition(" ")
        if stored_day == today and stored.isdigit():
            serial = int(stored) + 1
    with open(filename, "w") as f:
        f.write(f"{today} {serial}")
    return f"{today}{serial:02d}"


class FileAuthority(common.ResolverBase):
    """An authority for the zone loaded from ``filename`` by ``loadFile``."""

    _ADDITIONAL_PROCESSING_TYPES = (dns.CNAME, dns.MX, dns.NS)
    _ADDRESS_TYPES = (dns.A, dns.AAAA)

    soa: tuple[bytes, dns.Record_SOA] | None = None
    records: dict[bytes, list[Any]]

    def __init__(self, filename: Any) -> None:
        common.ResolverBase.__init__(self)
        self.records = {}
        self.loadFile(filename)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def loadFile(self, filename: Any) -> None:
        """Fill ``soa`` and ``records``; subclasses read their own format."""
        raise NotImplementedError

    def _default_ttl(self) -> int:
        if self.soa is None:
            return 0
        soa = self.soa[1]
        return max(soa.minimum or 0, soa.expire or 0)

    def _soa_header(self, ttl: int) -> dns.RRHeader:
        assert self.soa is not None
        return dns.RRHeader(self.soa[0], dns.SOA, dns.IN, ttl, self.soa[1], auth=True)

    def _additionalRecords(self, answer: list[Any], authority: list[Any], ttl: int) -> Any:
        """Address records, from this zone, of the names that ``answer`` and ``authority``
        records point at (CNAME, MX and NS targets)."""
        for rr in [*answer, *authority]:
            if rr.type not in self._ADDITIONAL_PROCESSING_TYPES:
                continue
            target = rr.payload.name.name
            for rec in self.records.get(target.lower(), ()):
                if rec.TYPE in self._ADDRESS_TYPES:
                    yield dns.RRHeader(target, rec.TYPE, dns.IN, rec.ttl or ttl, rec, auth=True)

    def _in_zone(self, key: bytes) -> bool:
        zone = self.soa[0].lower() if self.soa is not None else b""
        key = key.rstrip(b".")
        return key == zone or key.endswith(b"." + zone) or not zone

    def _lookup(
        self, name: bytes, cls: int, type: int, timeout: Any = None
    ) -> Deferred[Any]:
        # Answers are remembered per (name, type) while the zone is unchanged: the same
        # records dict, the same list for the name, of the same length, and the same SOA.
        memo = self._memo
        records = self.records
        hit = memo.get((name, type))
        if hit is not None:
            (known, listed, count, soa), result = hit
            current = records.get(name.lower())
            if known is records and listed is current and soa is self.soa and (
                current is None or count == len(current)
            ):
                return succeed((list(result[0]), list(result[1]), list(result[2])))
        d = self._compute(name, type)
        if d.called and type_of(d.result) is tuple:
            current = records.get(name.lower())
            if len(memo) >= self._MEMO_MAX:
                memo.clear()
            stamp = (records, current, len(current) if current is not None else 0, self.soa)
            memo[(name, type)] = (stamp, d.result)
            answers, authority, additional = d.result
            d.result = (list(answers), list(authority), list(additional))
        return d

    _MEMO_MAX = 10000

    @property
    def _memo(self) -> dict[tuple[bytes, int], Any]:
        memo: dict[tuple[bytes, int], Any] | None = self.__dict__.get("_memo_dict")
        if memo is None:
            memo = self.__dict__["_memo_dict"] = {}
        return memo

    def _compute(self, name: bytes, type: int) -> Deferred[Any]:
        key = name.lower()
        if self.soa is None or not self._in_zone(key):
            return fail(DomainError(name))
        ttl = self._default_ttl()
        records = self.records.get(key)
        if records is None:
            error = AuthoritativeDomainError(name)
            soa = self.soa[1]
            negative = min(soa.minimum or 0, soa.ttl if soa.ttl is not None else ttl)
            error.authority = [self._soa_header(negative)]  # type: ignore[attr-defined]
            return fail(error)
        apex = key == self.soa[0].lower()
        owner = dns.Name.__new__(dns.Name)
        owner.name = name
        rr = dns._rr
        answers: list[Any] = []
        delegation: list[Any] = []
        cnames: list[Any] = []
        last_ttl = ttl
        every = type == dns.ALL_RECORDS
        for rec in records:
            rtype = rec.TYPE
            last_ttl = rec.ttl or ttl
            if rtype == dns.NS and not apex:
                delegation.append(rr(owner, rtype, last_ttl, rec, False))
            elif every or rtype == type:
                answers.append(rr(owner, rtype, last_ttl, rec, True))
            if rtype == dns.CNAME:
                cnames.append(rr(owner, rtype, last_ttl, rec, True))
        if delegation and not answers:
            return succeed(([], delegation, list(self._additionalRecords([], delegation, ttl))))
        if not answers:
            if cnames:
                return succeed((cnames + list(self._additionalRecords(cnames, [], ttl)), [], []))
            # As Twisted: the SOA goes with the TTL of the last record of the name.
            return succeed(([], [self._soa_header(last_ttl)], []))
        additional: list[Any] = []
        if type in self._ADDITIONAL_PROCESSING_TYPES or every:
            chased = [r for r in answers if r.type == dns.CNAME]
            others = [r for r in answers if r.type != dns.CNAME]
            answers.extend(self._additionalRecords(chased, [], ttl))
            additional = list(self._additionalRecords(others, [], ttl))
        return succeed((answers, [], additional))

    def lookupZone(self, name: str | bytes, timeout: Any = 10) -> Deferred[Any]:
        """The whole zone, SOA first and last (for AXFR)."""
        raw = dns.domainString(name)
        if self.soa is None or self.soa[0].lower() != raw.lower().rstrip(b"."):
            return fail(DomainError(raw))
        ttl = self._default_ttl()
        soa = self._soa_header(self.soa[1].ttl or ttl)
        body = [
            dns.RRHeader(owner, rec.TYPE, dns.IN, rec.ttl or ttl, rec, auth=True)
            for owner, recs in self.records.items()
            for rec in recs
            if rec.TYPE != dns.SOA
        ]
        return succeed(([soa, *body, soa], (), ()))

    def _add(self, owner: bytes, record: Any) -> None:
        key = owner.lower().rstrip(b".")
        if isinstance(record, dns.Record_SOA):
            self.soa = (key, record)
        self.records.setdefault(key, []).append(record)


class PySourceAuthority(FileAuthority):
    """A zone from a Python file that sets ``zone`` to a list made with ``A(name, address)``,
    ``SOA(name, mname=..., ...)``, ``MX(name, preference, exchange)`` ... (one function per
    record type, taking the record's arguments after the owner name)."""

    def loadFile(self, filename: Any) -> None:
        """Run ``filename`` and load its ``zone`` list."""
        namespace = self.setupConfigNamespace()
        path = getattr(filename, "path", filename)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec")
        exec(code, namespace)
        zone = namespace.get("zone")
        if zone is None:
            raise ValueError(f"No zone defined in {path}")
        self.records = {}
        for owner, record in zone:
            self._add(dns.domainString(owner), record)

    def setupConfigNamespace(self) -> dict[str, Any]:
        """The names a zone file may use: one function per record type."""
        namespace: dict[str, Any] = {}
        for attr in dir(dns):
            if attr.startswith("Record_"):
                namespace[attr[len("Record_") :]] = self.wrapRecord(getattr(dns, attr))
        return namespace

    def wrapRecord(self, type: Any) -> Callable[..., tuple[Any, Any]]:
        """A zone-file function: ``F(name, *args, **kw)`` -> ``(name, type(*args, **kw))``."""
        return lambda name, *args, **kw: (name, type(*args, **kw))


class _ZoneSyntaxError(ValueError):
    """A line of a BIND zone file that cannot be read."""


def _tokens(line: str) -> list[tuple[str, bool]]:
    """The fields of a zone line: (text, was it quoted)."""
    out: list[tuple[str, bool]] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c.isspace():
            i += 1
        elif c == '"':
            j = i + 1
            buf = []
            while j < n and line[j] != '"':
                if line[j] == "\\" and j + 1 < n:
                    buf.append(line[j : j + 2])
                    j += 2
                    continue
                buf.append(line[j])
                j += 1
            if j >= n:
                raise _ZoneSyntaxError(f"unterminated string: {line!r}")
            out.append(("".join(buf), True))
            i = j + 1
        else:
            j = i
            while j < n and not line[j].isspace() and line[j] != '"':
                j += 1
            out.append((line[i:j], False))
            i = j
    return out


def _unescape(text: str) -> bytes:
    """A zone-file string with ``\\X`` and ``\\DDD`` escapes as bytes."""
    out = bytearray()
    raw = text.encode("utf-8")
    i = 0
    while i < len(raw):
        if raw[i] == 0x5C and i + 1 < len(raw):
            if raw[i + 1 : i + 4].isdigit() and len(raw[i + 1 : i + 4]) == 3:
                out.append(int(raw[i + 1 : i + 4]) & 0xFF)
                i += 4
            else:
                out.append(raw[i + 1])
                i += 2
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


class BindAuthority(FileAuthority):
    """A zone from a BIND master file: ``$ORIGIN``, ``$TTL``, ``$INCLUDE``, ``@``, relative
    names, omitted owners, TTLs with units, parentheses across lines, quoted strings."""

    def loadFile(self, filename: Any) -> None:
        """Read the zone file at ``filename``."""
        path = getattr(filename, "path", filename)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        self._path = path
        self.origin = os.path.basename(path).encode("ascii", "replace") + b"."
        self.records = {}
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.readlines()
        self.parseLines(self.collapseContinuations(self.stripComments(lines)))

    def stripComments(self, lines: list[str]) -> list[str]:
        """The lines without ``;`` comments (outside quoted strings)."""
        result = []
        for line in lines:
            quoted = False
            cut = len(line)
            i = 0
            while i < len(line):
                c = line[i]
                if c == "\\":
                    i += 2
                    continue
                if c == '"':
                    quoted = not quoted
                elif c == ";" and not quoted:
                    cut = i
                    break
                i += 1
            result.append(line[:cut].rstrip("\r\n"))
        return result

    def collapseContinuations(self, lines: list[str]) -> list[str]:
        """Lines with parenthesised groups joined into one line each."""
        result: list[str] = []
        pending: str | None = None
        for line in lines:
            depth_line = line
            if pending is not None:
                pending += " " + depth_line
            else:
                pending = depth_line
            if _paren_depth(pending) > 0:
                continue
            if _paren_depth(pending) < 0:
                raise _ZoneSyntaxError(f"unbalanced parentheses: {pending!r}")
            result.append(_drop_parens(pending))
            pending = None
        if pending is not None:
            raise _ZoneSyntaxError("unclosed parenthesis at the end of the zone file")
        return [line for line in result if line.strip()]

    def parseLines(self, lines: list[str]) -> None:
        """Read directives and records."""
        ttl: int | None = None
        owner: bytes | None = None
        for line in lines:
            fields = _tokens(line)
            if not fields:
                continue
            first = fields[0][0]
            if first.upper() == "$ORIGIN":
                self.origin = self._absolute(fields[1][0].encode("ascii"), self.origin) + b"."
                continue
            if first.upper() == "$TTL":
                ttl = dns.str2time(fields[1][0])
                continue
            if first.upper() == "$INCLUDE":
                self._include(fields[1][0], fields[2][0] if len(fields) > 2 else None)
                continue
            if line[:1].isspace():
                if owner is None:
                    raise _ZoneSyntaxError(f"record without an owner: {line!r}")
            else:
                owner = self._absolute(first.encode("ascii"), self.origin)
                fields = fields[1:]
            assert owner is not None
            self.parseRecordLine(owner, ttl, fields)

    def _include(self, name: str, origin: str | None) -> None:
        saved = self.origin
        path = os.path.join(os.path.dirname(self._path), name)
        if origin is not None:
            self.origin = self._absolute(origin.encode("ascii"), self.origin) + b"."
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            self.parseLines(self.collapseContinuations(self.stripComments(f.readlines())))
        self.origin = saved

    def _absolute(self, name: bytes, origin: bytes) -> bytes:
        if name == b"@":
            return origin.rstrip(b".")
        if name.endswith(b"."):
            return name[:-1]
        origin = origin.rstrip(b".")
        return name + b"." + origin if origin else name

    def parseRecordLine(self, origin: bytes, ttl: int | None, line: list[tuple[str, bool]]) -> None:
        """One record: ``[ttl] [class] type rdata`` (TTL and class in either order)."""
        fields = list(line)
        cls = "IN"
        seen_ttl = ttl
        for _ in range(2):
            if not fields:
                break
            word = fields[0][0].upper()
            if word in dns.REV_CLASSES:
                cls = word
                fields.pop(0)
            elif word[:1].isdigit():
                seen_ttl = dns.str2time(word)
                fields.pop(0)
        if not fields:
            raise _ZoneSyntaxError(f"record without a type at {origin!r}")
        rtype = fields.pop(0)[0].upper()
        self.addRecord(origin, seen_ttl, rtype, b"", cls, fields)

    def addRecord(
        self,
        owner: bytes,
        ttl: int | None,
        type: str,
        domain: bytes,
        cls: str,
        rdata: list[tuple[str, bool]],
    ) -> None:
        """Add one record (class IN only, as Twisted)."""
        handler = getattr(self, f"class_{cls}", None)
        if handler is None:
            raise NotImplementedError(f"Record class {cls!r} not supported")
        handler(ttl, type, owner, rdata)

    def class_IN(self, ttl: int | None, type: str, domain: bytes, rdata: list[Any]) -> None:
        """Add an IN-class record of ``type`` from its zone-file fields."""
        words = [w for w, _q in rdata]

        def name(i: int) -> bytes:
            return self._absolute(words[i].encode("ascii"), self.origin)

        def number(i: int) -> int:
            return int(words[i])

        record: Any
        try:
            if type == "A":
                record = dns.Record_A(words[0], ttl)
            elif type == "AAAA":
                record = dns.Record_AAAA(words[0], ttl)
            elif type in ("NS", "CNAME", "PTR", "DNAME", "MB", "MG", "MR", "MD", "MF"):
                record = getattr(dns, f"Record_{type}")(name(0), ttl)
            elif type == "MX":
                record = dns.Record_MX(number(0), name(1), ttl)
            elif type == "SOA":
                # Lenient as Twisted: the serial may carry a unit, missing timers are 0.
                timers = [*words[2:7], *["0"] * max(0, 7 - len(words))]
                record = dns.Record_SOA(
                    mname=name(0),
                    rname=name(1),
                    serial=dns.str2time(timers[0]) or 0,
                    refresh=timers[1],
                    retry=timers[2],
                    expire=timers[3],
                    minimum=timers[4],
                    ttl=ttl,
                )
            elif type in ("TXT", "SPF"):
                strings = [_unescape(w) for w, _q in rdata]
                record = getattr(dns, f"Record_{type}")(*strings, ttl=ttl)
            elif type == "SRV":
                record = dns.Record_SRV(number(0), number(1), number(2), name(3), ttl)
            elif type == "NAPTR":
                record = dns.Record_NAPTR(
                    number(0),
                    number(1),
                    _unescape(words[2]),
                    _unescape(words[3]),
                    _unescape(words[4]),
                    name(5) if words[5] != "." else b"",
                    ttl,
                )
            elif type == "HINFO":
                record = dns.Record_HINFO(_unescape(words[0]), _unescape(words[1]), ttl)
            elif type == "RP":
                record = dns.Record_RP(name(0), name(1), ttl)
            elif type == "MINFO":
                record = dns.Record_MINFO(name(0), name(1), ttl)
            elif type == "AFSDB":
                record = dns.Record_AFSDB(number(0), name(1), ttl)
            elif type == "SSHFP":
                record = dns.Record_SSHFP(
                    number(0), number(1), bytes.fromhex("".join(words[2:])), ttl
                )
            elif type.startswith("TYPE") and type[4:].isdigit() and words[:1] == ["\\#"]:
                record = dns.UnknownRecord(bytes.fromhex("".join(words[2:])), ttl)
                record.TYPE = int(type[4:])
            else:
                raise NotImplementedError(f"Record type {type!r} not supported")
        except (IndexError, ValueError, OSError) as e:
            raise _ZoneSyntaxError(f"bad {type} record at {domain!r}: {e}") from None
        self._add(domain, record)


def _paren_depth(line: str) -> int:
    depth = 0
    quoted = False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
    return depth


def _drop_parens(line: str) -> str:
    out = []
    quoted = False
    for c in line:
        if c == '"':
            quoted = not quoted
        if not quoted and c in "()":
            out.append(" ")
        else:
            out.append(c)
    return "".join(out)
