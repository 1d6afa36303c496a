"""``twist procmon``: the process monitor as a service maker."""

from __future__ import annotations

from twistio.application.service import ServiceMaker

__all__: list[str] = []

TwistedProcmon = ServiceMaker(
    "Twisted Process Monitor",
    "twistio.runner.procmontap",
    "Keeps a command running, restarting it when it exits",
    "procmon",
)
