"""Statuses of people in a chat client, and the error of acting while offline."""

from __future__ import annotations

__all__ = ["AWAY", "OFFLINE", "ONLINE", "Enum", "OfflineError", "StatusEnum"]


class Enum:
    """A named constant; ``group`` says which family it belongs to."""

    group: str | None = None

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"<{self.group}: {self.label}>"

    def __str__(self) -> str:
        return self.label


class StatusEnum(Enum):
    """A presence status."""

    group = "Status"


OFFLINE = Enum("Offline")
ONLINE = Enum("Online")
AWAY = Enum("Away")


class OfflineError(Exception):
    """The account is not connected."""
