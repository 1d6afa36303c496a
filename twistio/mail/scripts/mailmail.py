"""``mailmail``: a sendmail-compatible command that hands a message from stdin to an SMTP
server (the smart host, ``127.0.0.1`` unless configured).

``mailmail [options] recipient...`` reads the message from stdin; ``-t`` takes the
recipients from its To/Cc/Bcc headers instead (the arguments are then left out), ``-F``
gives the sender's name, ``-f`` the envelope sender, ``-odb``/``-odf`` deliver in the
background/foreground, ``-oep`` prints errors instead of mailing them back.

Configuration (``/etc/mailmail``, then ``~/.twisted/mailmail``), an ini file::

    [addresses]
    smarthost = mail.example.com      ; where to send
    default_domain = example.com      ; the name to give ourselves
    [identity]
    mail.example.com = user:password  ; credentials per host
    [useraccess]                      ; which UIDs may send (numbers)
    allow = 1000, 1001
    deny = 0
    order = allow, deny               ; which list is checked first
    [groupaccess]                     ; the same for GIDs
"""

from __future__ import annotations

import email.utils
import getpass
import os
import sys
from configparser import ConfigParser
from io import StringIO
from typing import Any

from twistio.copyright import version
from twistio.logger import Logger, textFileLogObserver
from twistio.mail import smtp
from twistio.python.failure import Failure

__all__ = ["Configuration", "Options", "deny", "failure", "getlogin", "loadConfig", "parseOptions",
           "run", "senderror", "sendmail", "success"]

GLOBAL_CFG = "/etc/mailmail"
LOCAL_CFG = os.path.expanduser("~/.twisted/mailmail")
SMARTHOST = "127.0.0.1"

ERROR_FMT = """\
Subject: Failed Message Delivery

  Message delivery failed.  The following occurred:

  %s
--
The Twisted sendmail application.
"""

_logObserver = textFileLogObserver(sys.stderr)
_log = Logger(observer=_logObserver)


class Options:
    """What the command line (and the message) ask for: ``to`` (recipients), ``sender``,
    ``body`` (the message, a file), ``background``, ``printErrors``,
    ``recipientsFromHeaders`` and ``excludeAddresses``."""

    to: list[str]
    sender: str
    body: Any
    background: bool
    printErrors: bool
    recipientsFromHeaders: bool
    excludeAddresses: list[str]


def getlogin() -> str:
    """The name of the user running this."""
    try:
        return os.getlogin()
    except OSError:
        return getpass.getuser()


_unsupportedOption = SystemExit("Unsupported option.")

_UNSUPPORTED = ("-bp", "-bs", "-i", "-oi", "-om")
_WITH_VALUE = ("-F", "-f", "-B", "-C", "-h", "-N", "-O", "-o", "-p", "-q", "-R", "-V", "-X", "-L")


def _splitMessage(text: str) -> tuple[list[tuple[str, str]], str]:
    """The header fields (unfolded) and the body of ``text``; no headers when the first line
    is not one."""
    lines = text.splitlines(keepends=True)
    headers: list[tuple[str, str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            break
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
        else:
            name, sep, value = line.partition(":")
            if not sep or not name.strip() or " " in name.strip():
                if not headers:
                    return [], text
                break
            headers.append((name.strip(), value.strip()))
        index += 1
    return headers, "".join(lines[index:])


def parseOptions(argv: Any) -> Options:
    """Options from the arguments ``argv`` and the message on stdin. ``SystemExit`` for an
    option this program does not support, for ``--version`` (after printing it) and when
    there is no recipient."""
    o = Options()
    o.to = []
    o.sender = getlogin()
    o.background = True
    o.printErrors = False
    o.recipientsFromHeaders = False
    o.excludeAddresses = []

    if "--version" in argv:
        print(f"mailmail version: {version}")
        raise SystemExit()
    for option in _UNSUPPORTED:
        if option in argv:
            raise _unsupportedOption

    # Flags are looked up by membership, the values and recipients by walking the arguments.
    o.recipientsFromHeaders = "-t" in argv
    o.printErrors = "-oep" in argv
    if "-odf" in argv:
        o.background = False
    if "-odb" in argv:
        o.background = True

    named: str | None = None
    envelopeSender: str | None = None
    positional: list[str] = []
    pending: str | None = None
    for arg in argv:
        if pending is not None:
            if pending == "-F":
                named = arg
            elif pending == "-f":
                envelopeSender = arg
            pending = None
            continue
        if arg in ("-F", "-f"):
            pending = arg
        elif arg.startswith("-F") and len(arg) > 2:
            named = arg[2:]
        elif arg.startswith("-f") and len(arg) > 2:
            envelopeSender = arg[2:]
        elif arg.startswith("-"):
            pass
        else:
            positional.append(arg)
    if named is not None:
        o.sender = named
    if envelopeSender is not None:
        o.sender = envelopeSender

    headers, body = _splitMessage(sys.stdin.read())
    byName: dict[str, list[str]] = {}
    for name, value in headers:
        byName.setdefault(name.lower(), []).append(value)

    if o.recipientsFromHeaders:
        found = email.utils.getaddresses(byName.get("to", []) + byName.get("cc", []) + byName.get("bcc", []))
        o.excludeAddresses = positional
        o.to = [address for _, address in found if address and address not in positional]
        headers = [(n, v) for n, v in headers if n.lower() != "bcc"]
    else:
        o.to = positional
    if not o.to:
        raise SystemExit("No recipients specified.")

    if "from" in byName:
        fromAddress = email.utils.parseaddr(byName["from"][0])[1]
        if fromAddress and envelopeSender is None:
            o.sender = fromAddress
    else:
        headers.append(("From", o.sender))
    if "to" not in byName and not o.recipientsFromHeaders:
        headers.append(("To", ", ".join(o.to)))
    if "date" not in byName:
        headers.append(("Date", smtp.rfc822date().decode("ascii")))

    o.body = StringIO("".join(f"{name}: {value}\n" for name, value in headers) + "\n" + body)
    return o


class Configuration:
    """What a configuration file says: ``allowUIDs``/``denyUIDs``, ``allowGIDs``/``denyGIDs``,
    ``useraccess``/``groupaccess`` (``"allow"`` or ``"deny"``: which list is checked first),
    ``defaultAccess`` (when no list names the user), ``identities`` (host -> [user,
    password]), ``smarthost`` and ``domain`` (None when not given)."""

    def __init__(self) -> None:
        self.allowUIDs: list[int] = []
        self.denyUIDs: list[int] = []
        self.allowGIDs: list[int] = []
        self.denyGIDs: list[int] = []
        self.useraccess = "deny"
        self.groupaccess = "deny"
        self.identities: dict[str, list[str]] = {}
        self.smarthost: str | None = None
        self.domain: str | None = None
        self.defaultAccess = True


def _ids(parser: ConfigParser, section: str, option: str, kind: str) -> list[int]:
    found = []
    for item in parser.get(section, option, fallback="").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            found.append(int(item))
        except ValueError:
            _log.error("Illegal {kind} in [{section}] section: {item}", kind=kind, section=section, item=item)
    return found


def loadConfig(path: str) -> Configuration:
    """The configuration in the file ``path`` (the defaults when it cannot be read); bad
    entries are logged and left out."""
    c = Configuration()
    if not os.access(path, os.R_OK):
        return c
    parser = ConfigParser()
    parser.read(path)
    for section, kind, target in (("useraccess", "UID", "UIDs"), ("groupaccess", "GID", "GIDs")):
        if not parser.has_section(section):
            continue
        setattr(c, "allow" + target, _ids(parser, section, "allow", kind))
        setattr(c, "deny" + target, _ids(parser, section, "deny", kind))
        order = [w.strip().lower() for w in parser.get(section, "order", fallback="").split(",") if w.strip()]
        if order and order[0] in ("allow", "deny"):
            setattr(c, section, order[0])
    if parser.has_section("identity"):
        for host, value in parser.items("identity"):
            user, sep, password = value.partition(":")
            if not sep or ":" in password:
                _log.error("Illegal entry in [identity] section: {value}", value=value)
                continue
            c.identities[host] = [user, password]
    if parser.has_section("addresses"):
        c.smarthost = parser.get("addresses", "smarthost", fallback=None)
        c.domain = parser.get("addresses", "default_domain", fallback=None)
    return c


def _refused(first: str, allow: list[int], refuse: list[int], ident: int) -> bool | None:
    lists = [("allow", allow), ("deny", refuse)]
    if first == "deny":
        lists.reverse()
    for kind, ids in lists:
        if ident in ids:
            return kind == "deny"
    return None


def deny(conf: Configuration) -> bool:
    """Whether ``conf`` forbids the running user (by UID, then by GID) to send mail."""
    for verdict in (_refused(conf.useraccess, conf.allowUIDs, conf.denyUIDs, os.getuid()),
                    _refused(conf.groupaccess, conf.allowGIDs, conf.denyGIDs, os.getgid())):
        if verdict is not None:
            return verdict
    return not conf.defaultAccess


failed: Failure | None = None


def success(result: Any) -> None:
    """The message went: stop the reactor."""
    from twistio.internet import reactor

    reactor.stop()


def failure(f: Failure) -> None:
    """The message did not go: keep the failure (``failed``) and stop the reactor."""
    global failed
    from twistio.internet import reactor

    if reactor.running:
        failed = f
        reactor.stop()
    else:
        failed = f


def sendmail(host: str, options: Options, ident: Any) -> None:
    """Send the message of ``options`` through ``host``, running the reactor until done."""
    from twistio.internet import reactor

    d = smtp.sendmail(host, options.sender, options.to, options.body)
    d.addCallbacks(success, failure)
    reactor.run()


def senderror(failure: Failure, options: Options) -> Any:
    """Mail ``failure`` (its traceback) back to the sender of ``options``."""
    from twistio.internet import reactor

    recipient = [options.sender]
    domain = smtp.DNSNAME.decode("ascii") if isinstance(smtp.DNSNAME, bytes) else smtp.DNSNAME
    sender = f'"Internally Generated Message ({sys.argv[0]})"<postmaster@{domain}>'
    report = StringIO()
    failure.printTraceback(file=report)
    body = StringIO(ERROR_FMT % (report.getvalue(),))
    d = smtp.sendmail("localhost", sender, recipient, body)
    d.addBoth(lambda _: reactor.stop())
    return d


def run() -> None:
    """The ``mailmail`` command: parse, check access, send; errors are printed (``-oep``)
    or mailed back."""
    o = parseOptions(sys.argv[1:])
    gConf = loadConfig(GLOBAL_CFG)
    lConf = loadConfig(LOCAL_CFG)
    if deny(gConf) or deny(lConf):
        _log.error("Permission denied")
        return
    host = lConf.smarthost or gConf.smarthost or SMARTHOST
    ident = dict(gConf.identities)
    ident.update(lConf.identities)
    if lConf.domain:
        smtp.DNSNAME = lConf.domain.encode("idna")
    elif gConf.domain:
        smtp.DNSNAME = gConf.domain.encode("idna")
    sendmail(host, o, ident)
    if failed:
        if o.printErrors:
            _log.failure("Could not send the message", failure=failed)
            raise SystemExit(1)
        senderror(failed, o)
