"""Statuses of people in a chat client, and the error of acting while offline."""

from __future__ import annotations

__all__ = ["AWAY", "OFFLINE", "ONLINE", "Enum", "OfflineError", "StatusEnum"]


class Enum:
    """A named constant: its text is ``label``; ``group`` says which family it belongs to
    (shown by ``repr``)."""

    group: str | None = None

    def __init__(self, label: str) -> None:
        self.label = label

    def __str__(self) -> str:
        return str(self.label)

    def __repr__(self) -> str:
        family = str(self.group)
        return f"<{family}: {self}>"


class OfflineError(Exception):
    """The account is not connected."""


class StatusEnum(Enum):
    """A presence status."""

    group = "Status"


# The statuses a person can have (plain Enums, as in Twisted: their group is None).
ONLINE, AWAY, OFFLINE = Enum("Online"), Enum("Away"), Enum("Offline")
