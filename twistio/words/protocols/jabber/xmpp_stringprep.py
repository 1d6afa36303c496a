"""The stringprep profiles of XMPP addresses (RFC 3920, appendices A and B).

``nodeprep`` prepares the user part of a JID, ``resourceprep`` the resource, and
``nameprep`` the domain (IDNA's nameprep per label, plus the host name rules: letters,
digits and hyphens, no hyphen at either end of a label). Each ``prepare`` returns the
prepared text or raises ``UnicodeError`` saying what is wrong. The tables are the standard
library's ``stringprep`` module (RFC 3454).
"""

from __future__ import annotations

import stringprep
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from encodings import idna
from typing import Protocol

from twistio.internet.interfaces import Interface, implementer
from twistio.python.deprecate import deprecatedModuleAttribute
from twistio.python.versions import Version

__all__ = [
    "EmptyMappingTable",
    "ILookupTable",
    "IMappingTable",
    "LookupTable",
    "LookupTableFromFunction",
    "MappingTableFromFunction",
    "NamePrep",
    "Profile",
    "nameprep",
    "nodeprep",
    "resourceprep",
]

#: False: the standard library's tables are complete (there is no degraded mode).
crippled = False


class ILookupTable(Interface, Protocol):
    """A set of characters."""

    def lookup(self, c: str) -> bool:
        """Whether ``c`` is in the table."""


class IMappingTable(Interface, Protocol):
    """A character mapping."""

    def map(self, c: str) -> str | None:
        """What ``c`` maps to, or None when the table does not map it."""


@implementer(ILookupTable)
class LookupTable:
    """A lookup table over an explicit collection of characters."""

    def __init__(self, table: Iterable[str]) -> None:
        self._table = frozenset(table)

    def lookup(self, c: str) -> bool:
        return c in self._table


@implementer(ILookupTable)
class LookupTableFromFunction:
    """A lookup table over a predicate (one of ``stringprep``'s ``in_table_*``)."""

    def __init__(self, in_table_function: Callable[[str], bool]) -> None:
        self.lookup = in_table_function


@implementer(IMappingTable)
class EmptyMappingTable:
    """Maps the characters of a table to nothing (they are deleted)."""

    def __init__(self, in_table_function: Callable[[str], bool]) -> None:
        self._in_table = in_table_function

    def map(self, c: str) -> str | None:
        return "" if self._in_table(c) else None


@implementer(IMappingTable)
class MappingTableFromFunction:
    """A mapping given by a function (one of ``stringprep``'s ``map_table_*``)."""

    def __init__(self, map_table_function: Callable[[str], str]) -> None:
        self.map = map_table_function


class Profile:
    """A stringprep profile: map, normalise (NFKC), then check prohibited, unassigned and
    bidirectional characters."""

    def __init__(
        self,
        mappings: Sequence[IMappingTable] = (),
        normalize: bool = True,
        prohibiteds: Sequence[ILookupTable] = (),
        check_unassigneds: bool = True,
        check_bidi: bool = True,
    ) -> None:
        self.mappings = list(mappings)
        self.normalize = normalize
        self.prohibiteds = list(prohibiteds)
        self.do_check_unassigneds = check_unassigneds
        self.do_check_bidi = check_bidi

    def prepare(self, string: str) -> str:
        """``string`` prepared; ``UnicodeError`` when the profile forbids it."""
        result = self.map(string)
        if self.normalize:
            result = unicodedata.ucd_3_2_0.normalize("NFKC", result)
        checks = [self.check_prohibiteds]
        checks += [self.check_unassigneds] if self.do_check_unassigneds else []
        checks += [self.check_bidirectionals] if self.do_check_bidi else []
        for check in checks:
            check(result)
        return result

    def map(self, string: str) -> str:
        """Each character replaced by the first mapping table that maps it."""
        out = []
        for c in string:
            for table in self.mappings:
                mapped = table.map(c)
                if mapped is not None:
                    out.append(mapped)
                    break
            else:
                out.append(c)
        return "".join(out)

    def check_prohibiteds(self, string: str) -> None:
        for c in string:
            if any(table.lookup(c) for table in self.prohibiteds):
                raise UnicodeError(f"Invalid character {c!r}")

    def check_unassigneds(self, string: str) -> None:
        for c in string:
            if stringprep.in_table_a1(c):
                raise UnicodeError(f"Unassigned code point {c!r}")

    def check_bidirectionals(self, string: str) -> None:
        """RFC 3454 section 6: right-to-left text has no left-to-right characters and
        starts and ends with right-to-left ones."""
        rtl = [stringprep.in_table_d1(c) for c in string]
        if not any(rtl):
            return
        if any(stringprep.in_table_d2(c) for c in string):
            raise UnicodeError("Violation of BIDI Requirement 2")
        if not (rtl[0] and rtl[-1]):
            raise UnicodeError("Violation of BIDI Requirement 3")


class NamePrep:
    """Domain names: IDNA nameprep per label and the host name rules of RFC 3490 (STD3)."""

    # Every ASCII character but letters, digits, hyphen (and the dot, the separator).
    prohibiteds = [
        chr(n)
        for n in range(128)
        if not (chr(n).isascii() and (chr(n).isalnum() or chr(n) in "-."))
    ]

    def prepare(self, string: str) -> str:
        """The domain with each label prepared (a final dot is kept)."""
        labels = string.split(".")
        trailing = len(labels) > 1 and labels[-1] == ""
        if trailing:
            labels = labels[:-1]
        prepared = ".".join(self.nameprep(label) for label in labels)
        return prepared + "." if trailing else prepared

    def check_prohibiteds(self, string: str) -> None:
        for c in string:
            if c in self.prohibiteds:
                raise UnicodeError(f"Invalid character {c!r}")

    def nameprep(self, label: str) -> str:
        """One label prepared."""
        label = idna.nameprep(label)
        self.check_prohibiteds(label)
        if not label:
            raise UnicodeError("Empty label")
        for end, side in ((label[0], "leading"), (label[-1], "trailing")):
            if end == "-":
                raise UnicodeError(f"Invalid {side} hyphen-minus")
        return label


def _prohibited(section: str) -> LookupTableFromFunction:
    """RFC 3454's appendix C table ``section`` (``"c11"`` for C.1.1...)."""
    return LookupTableFromFunction(getattr(stringprep, "in_table_" + section))


(C_11, C_12, C_21, C_22, C_3, C_4, C_5, C_6, C_7, C_8, C_9) = map(
    _prohibited, ["c11", "c12", "c21", "c22", "c3", "c4", "c5", "c6", "c7", "c8", "c9"]
)
# Appendix B: B.1 deletes ("commonly mapped to nothing"), B.2 case-folds for NFKC.
B_1 = EmptyMappingTable(stringprep.in_table_b1)
B_2 = MappingTableFromFunction(stringprep.map_table_b2)

# Prohibited in every XMPP profile (RFC 3920 A.5 and B.5).
_COMMON = [C_12, C_21, C_22, C_3, C_4, C_5, C_6, C_7, C_8, C_9]

nodeprep = Profile(
    mappings=[B_1, B_2],
    prohibiteds=[C_11, *_COMMON, LookupTable(" \"&'/:<>@")],
)
resourceprep = Profile(mappings=[B_1], prohibiteds=_COMMON)
nameprep = NamePrep()

deprecatedModuleAttribute(
    Version("Twisted", 13, 1, 0),
    "crippled is always False",
    __name__,
    "crippled",
)
