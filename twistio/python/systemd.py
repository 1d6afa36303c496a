"""systemd socket activation: the listening descriptors systemd hands a service it starts."""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping, Sequence

__all__ = ["ListenFDs"]


class ListenFDs:
    """The descriptors a process inherited from systemd, in order, with their names.

    Build it with ``fromEnvironment()``; ``serverFromString``'s ``systemd:`` endpoints read it.
    """

    __slots__ = ("_descriptors", "_names")

    #: The first inherited descriptor: systemd passes them from 3 on (after stdio).
    _START = 3

    def __init__(self, descriptors: Sequence[int], names: Sequence[str] = ()) -> None:
        self._descriptors = descriptors
        self._names = names

    @classmethod
    def fromEnvironment(
        cls, environ: Mapping[str, str] | None = None, start: int | None = None
    ) -> ListenFDs:
        """Read ``LISTEN_PID``, ``LISTEN_FDS`` and ``LISTEN_FDNAMES`` (``os.environ`` by default).

        Nothing is inherited unless ``LISTEN_PID`` names this process and ``LISTEN_FDS``
        counts as many descriptors as ``LISTEN_FDNAMES`` names. Once ``LISTEN_PID`` matches,
        it and ``LISTEN_FDS`` are removed from a mutable ``environ``, so that children do not
        take the descriptors for their own.
        """
        env: Mapping[str, str] = os.environ if environ is None else environ
        first = cls._START if start is None else start
        try:
            pid = int(env["LISTEN_PID"])
            count = int(env["LISTEN_FDS"])
        except (KeyError, ValueError):
            return cls([])
        if pid != os.getpid():
            return cls([])
        if isinstance(env, MutableMapping):
            env.pop("LISTEN_PID", None)
            env.pop("LISTEN_FDS", None)
        spelled = env.get("LISTEN_FDNAMES")
        names = () if spelled is None else tuple(spelled.split(":"))
        if count != len(names):
            return cls([])
        return cls(list(range(first, first + count)), names)

    def inheritedDescriptors(self) -> list[int]:
        """The inherited descriptors, in systemd's order."""
        return list(self._descriptors)

    def inheritedNamedDescriptors(self) -> dict[str, int]:
        """Each name (``FileDescriptorName=`` in the socket unit) -> its descriptor."""
        return dict(zip(self._names, self._descriptors, strict=False))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, ListenFDs)
        return (self._descriptors, self._names) == (other._descriptors, other._names)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ListenFDs(_descriptors={self._descriptors!r}, _names={self._names!r})"
