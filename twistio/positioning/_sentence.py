"""Sentences of positioning protocols: parsed fields reachable as attributes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

__all__: list[str] = []


class _BaseSentence:
    """A parsed sentence: each field of ``ALLOWED_ATTRIBUTES`` is an attribute, None when
    the sentence lacks it; any other attribute raises ``AttributeError``."""

    ALLOWED_ATTRIBUTES: ClassVar[set[str]] = set()

    def __init__(self, sentenceData: dict[str, Any]) -> None:
        self._sentenceData = sentenceData

    @property
    def presentAttributes(self) -> Iterable[str]:
        """The names of the fields this sentence has."""
        return iter(self._sentenceData)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_sentenceData":
            raise AttributeError(name)
        if name in self.ALLOWED_ATTRIBUTES:
            return self._sentenceData.get(name)
        raise AttributeError(f"{type(self).__name__} sentences have no {name} attributes")

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}: {value}"
            for name, value in sorted(self._sentenceData.items())
            if name != "type"
        )
        kind = self._sentenceData.get("type") or "unknown type"
        return f"<{type(self).__name__} ({kind}) {{{fields}}}>"


class _PositioningSentenceProducerMixin:
    """For protocols that produce sentences: ``getSentenceAttributes`` lists every field
    name their sentences may have (from the class's ``_SENTENCE_CONTENTS``)."""

    _SENTENCE_CONTENTS: ClassVar[dict[str, list[str | None]]] = {}

    @classmethod
    def getSentenceAttributes(cls) -> set[str]:
        """The field names of every sentence type, with ``type``."""
        names = {"type"}
        for fields in cls._SENTENCE_CONTENTS.values():
            names.update(f for f in fields if f is not None)
        return names
