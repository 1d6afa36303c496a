"""The errors of the words chat service."""

from __future__ import annotations

__all__ = [
    "AlreadyLoggedIn",
    "DuplicateGroup",
    "DuplicateUser",
    "NoSuchGroup",
    "NoSuchUser",
    "WordsError",
]


class WordsError(Exception):
    """Base of the chat service's errors; its text names the class."""

    def __str__(self) -> str:
        return f"{type(self).__name__}: {Exception.__str__(self)}"


class NoSuchUser(WordsError):
    """No user has that name."""


class DuplicateUser(WordsError):
    """A user with that name exists already."""


class NoSuchGroup(WordsError):
    """No group has that name."""


class DuplicateGroup(WordsError):
    """A group with that name exists already."""


class AlreadyLoggedIn(WordsError):
    """The user is logged in already (one session per user)."""
