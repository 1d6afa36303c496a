"""Canonical S-expressions (Rivest's "sexp", the form LSH keys are written in).

An atom is ``<decimal length>:<bytes>``; a list is ``(`` its items ``)``. ``parse`` reads
one list and returns it as nested Python lists of ``bytes``; ``pack`` writes the items of
a Python list one after the other (so ``pack([[b"a"]])`` is ``b"(1:a)"``).
"""

from __future__ import annotations

from typing import Union

__all__ = ["pack", "parse"]

SExp = list[Union[bytes, "SExp"]]


def parse(s: bytes) -> SExp:
    """The list ``s`` holds (it must start with ``(`` and hold nothing after its ``)``)."""
    if not s.startswith(b"("):
        raise ValueError("an S-expression starts with '('")
    stack: list[SExp] = []
    current: SExp = []
    i = 0
    end = len(s)
    while i < end:
        c = s[i : i + 1]
        if c == b"(":
            stack.append(current)
            current = []
            i += 1
        elif c == b")":
            if not stack:
                raise ValueError("unbalanced ')'")
            done = current
            current = stack.pop()
            current.append(done)
            i += 1
            if not stack:
                if i != end:
                    raise ValueError("data after the S-expression")
                result = current[0]
                assert isinstance(result, list)
                return result
        elif c.isdigit():
            colon = s.find(b":", i)
            if colon < 0 or not s[i:colon].isdigit():
                raise ValueError("an atom is <length>:<bytes>")
            length = int(s[i:colon])
            start = colon + 1
            if start + length > end:
                raise ValueError("atom longer than the data")
            current.append(s[start : start + length])
            i = start + length
        else:
            raise ValueError(f"unexpected byte {c!r} at {i}")
    raise ValueError("unterminated S-expression")


def pack(sexp: SExp) -> bytes:
    """The items of ``sexp`` in canonical form, nested lists in parentheses."""
    out: list[bytes] = []
    for item in sexp:
        if isinstance(item, list):
            out.append(b"(" + pack(item) + b")")
        else:
            out.append(b"%d:%s" % (len(item), item))
    return b"".join(out)
