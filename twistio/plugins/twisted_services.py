"""The service makers ``twistd`` and ``twist`` can run: ``twistd NAME [options]``."""

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
TwistedSSH = ServiceMaker(
    "Twisted Conch Server", "twistio.conch.tap", "A Conch SSH service.", "conch"
)
TwistedMail = ServiceMaker(
    "Twisted Mail", "twistio.mail.tap", "An email service", "mail"
)
TwistedNames = ServiceMaker(
    "Twisted DNS Server", "twistio.names.tap", "A domain name server.", "dns"
)
TwistedWeb = ServiceMaker(
    "Twisted Web",
    "twistio.web.tap",
    "A web server: a directory, a WSGI application, a resource script or class.",
    "web",
)
TwistedFTP = ServiceMaker("Twisted FTP", "twistio.tap.ftp", "An FTP server.", "ftp")
