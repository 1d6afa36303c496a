"""Memory per idle TLS connection, before and after the handshake (see ``idle.py``).

    python -m benchmarks.idle --tls --quick     # the same, printed as a table
"""

from __future__ import annotations

from typing import Any

from benchmarks import idle


def records(quick: bool = False) -> list[dict[str, Any]]:
    """The suite's entry point (``python -m benchmarks idle_tls``)."""
    return idle.records_tls(quick)
