"""Host names between human text and the ASCII (IDNA) form that goes on the wire.

The ``idna`` package (IDNA 2008, what certificate checks expect) is used when installed;
otherwise Python's own ``idna`` codec (IDNA 2003), which differs on a few rare characters.
"""

from __future__ import annotations

__all__ = ["_idnaBytes", "_idnaText"]


def _idnaBytes(text: str) -> bytes:
    """``"bücher.example"`` -> ``b"xn--bcher-kva.example"``."""
    try:
        import idna
    except ImportError:
        return text.encode("idna")
    result: bytes = idna.encode(text)
    return result


def _idnaText(octets: bytes) -> str:
    """``b"xn--bcher-kva.example"`` -> ``"bücher.example"``."""
    try:
        import idna
    except ImportError:
        return octets.decode("idna")
    result: str = idna.decode(octets)
    return result
