"""``SSHTransportAddress``: the address of the TCP connection an SSH channel runs over."""

from __future__ import annotations

from typing import Any

from twistio.internet.interfaces import IAddress, implementer

__all__ = ["SSHTransportAddress"]


@implementer(IAddress)
class SSHTransportAddress:
    """An SSH peer's address: ``address`` is the underlying (TCP) address."""

    compareAttributes = ("address",)

    def __init__(self, address: Any) -> None:
        self.address = address

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SSHTransportAddress):
            return NotImplemented
        return bool(self.address == other.address)

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, SSHTransportAddress):
            return NotImplemented
        return not self == other

    def __hash__(self) -> int:
        return hash((SSHTransportAddress, self.address))

    def __repr__(self) -> str:
        return f"SSHTransportAddress({self.address!r})"
