"""The service makers ``twist`` can run: ``twist NAME [options]``."""

from __future__ import annotations

from twistio.application.service import ServiceMaker

__all__: list[str] = []

TwistedManhole = ServiceMaker(
    "Twisted Manhole (new)",
    "twistio.conch.manhole_tap",
    "An interactive remote debugger service accessible via telnet and ssh and providing "
    "syntax coloring and basic line editing functionality.",
    "manhole",
)
TwistedMail = ServiceMaker(
    "Twisted Mail", "twistio.mail.tap", "An email service", "mail"
)
TwistedNames = ServiceMaker(
    "Twisted DNS Server", "twistio.names.tap", "A domain name server.", "dns"
)
