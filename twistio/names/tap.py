"""``twistio dns``: an authoritative (and optionally caching, recursive) DNS server, like
``twistd dns``.

    twistio dns --pyzone example.pyzone --bindzone example.com.zone --listen 127.0.0.1:5353

Every ``--listen [INTERFACE:]PORT`` serves both UDP and TCP; the default is port 53 on all
interfaces, as ``twistd dns``. ``--recursive`` forwards what the zones do not answer to the
servers of ``--resolv-conf`` (and answers from ``--hosts-file``), ``--cache`` keeps those
answers for their TTLs, ``--secondary IP[:PORT]/DOMAIN`` serves a zone transferred from a
primary server.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from twistio.python import usage

__all__ = ["Options", "addCommand", "makeService", "runCommand"]


def _listen(text: str) -> tuple[str, int]:
    interface, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not [INTERFACE:]PORT: {text!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {text!r}")
    return interface.strip("[]"), number


def _secondary(text: str) -> tuple[str, int, str]:
    where, _, domain = text.partition("/")
    host, _, port = where.partition(":")
    if not host or not domain:
        raise argparse.ArgumentTypeError(f"not IP[:PORT]/DOMAIN: {text!r}")
    try:
        return host, int(port or 53), domain
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad port in {text!r}") from None


class Options(usage.Options):
    """``twistd dns``'s options, as Twisted's ``names.tap.Options``.

    After ``parseOptions``: ``zonefiles`` (the ``--pyzone`` files), ``zones`` (the
    authorities: Python zones, BIND zones, then one ``ResolverChain`` per ``--secondary``),
    ``secondaries`` (``((ip, port), [domain])`` each) and ``svcs`` (the
    ``SecondaryAuthorityService`` of each secondary); ``port`` is an ``int``.
    """

    optFlags = [
        ["recursive", "r", "ask other name servers for what the zones do not answer"],
        ["cache", "c", "keep answers from other servers for their TTL"],
        ["verbose", "v", "more logging (repeatable)"],
    ]
    optParameters = [
        ["port", "p", "53", "port to serve UDP and TCP on"],
        ["interface", "i", "", "address to listen on (all by default)"],
        ["hosts-file", None, None, "a hosts file to answer from"],
        ["resolv-conf", None, None, "name servers to ask, resolv.conf style (implies --recursive)"],
    ]
    compData = usage.Completions(optActions={"interface": usage.CompleteNetInterfaces()})

    def __init__(self) -> None:
        super().__init__()
        self["verbose"] = 0
        self.zones: list[Any] = []
        self.zonefiles: list[str] = []
        self.bindzones: list[str] = []
        self.secondaries: list[tuple[tuple[str, int], list[str]]] = []
        self.svcs: list[Any] = []

    def opt_pyzone(self, filename: str) -> None:
        """a zone file written in Python (repeatable)"""
        if not os.path.exists(filename):
            raise usage.UsageError(filename + ": No such file")
        self.zonefiles.append(filename)

    def opt_bindzone(self, filename: str) -> None:
        """a zone file in BIND 9 format (repeatable)"""
        if not os.path.exists(filename):
            raise usage.UsageError(filename + ": No such file")
        self.bindzones.append(filename)

    def opt_secondary(self, ip_domain: str) -> None:
        """serve DOMAIN as a secondary, transferred from IP[:PORT] (IP[:PORT]/DOMAIN)"""
        where, slash, domain = ip_domain.partition("/")
        if not slash or not where or not domain:
            raise usage.UsageError("Argument must be of the form IP[:port]/domain")
        ip, colon, port = where.partition(":")
        number = 53
        if colon:
            try:
                number = int(port)
            except ValueError:
                raise usage.UsageError(f"Specify an integer port number, not {port!r}") from None
        self.secondaries.append(((ip, number), [domain]))

    def opt_verbose(self) -> None:
        """more logging (repeatable)"""
        self["verbose"] += 1

    opt_v = opt_verbose

    def postOptions(self) -> None:
        from twistio.names import authority, resolve, secondary

        if self["resolv-conf"]:
            self["recursive"] = True
        for filename in self.zonefiles:
            try:
                self.zones.append(authority.PySourceAuthority(filename))
            except Exception as e:
                raise usage.UsageError(f"Invalid syntax in {filename}: {e}") from None
        for filename in self.bindzones:
            try:
                self.zones.append(authority.BindAuthority(filename))
            except Exception as e:
                raise usage.UsageError(f"Invalid syntax in {filename}: {e}") from None
        for address, domains in self.secondaries:
            svc = secondary.SecondaryAuthorityService.fromServerAddressAndDomains(
                address, list[str | bytes](domains)
            )
            self.svcs.append(svc)
            self.zones.append(resolve.ResolverChain(svc.domains))
        try:
            self["port"] = int(self["port"])
        except ValueError:
            raise usage.UsageError(f"Invalid port: {self['port']!r}") from None


def _buildResolvers(config: Any) -> tuple[list[Any], list[Any]]:
    """The caches and the clients a server configured by ``config`` (an ``Options``) asks
    after its zones: a ``CacheResolver`` with ``--cache``; the hosts file with
    ``--hosts-file``; with ``--recursive``, last, a ``client.createResolver`` chain."""
    from twistio.names import cache, client, hosts

    caches: list[Any] = []
    clients: list[Any] = []
    if config["cache"]:
        caches.append(cache.CacheResolver(verbose=config["verbose"]))
    if config["hosts-file"]:
        clients.append(hosts.Resolver(file=config["hosts-file"]))
    if config["recursive"]:
        clients.append(
            client.createResolver(resolvconf=config["resolv-conf"], hosts=config["hosts-file"])
        )
    return caches, clients


def addCommand(commands: Any) -> None:
    """Add the ``dns`` subcommand to the ``twistio`` command line's subparsers."""
    dns = commands.add_parser(
        "dns",
        help="a DNS server: zones from Python or BIND files, caching, recursion",
        description="Serve DNS over UDP and TCP from zone files (as twistd dns).",
    )
    dns.add_argument("--pyzone", action="append", default=[], metavar="FILE",
                     help="a zone file in Python (PySourceAuthority); repeatable")
    dns.add_argument("--bindzone", action="append", default=[], metavar="FILE",
                     help="a zone file in BIND format (BindAuthority); repeatable")
    dns.add_argument("--secondary", action="append", default=[], type=_secondary,
                     metavar="IP[:PORT]/DOMAIN", help="serve DOMAIN transferred from IP; repeatable")
    dns.add_argument("--listen", action="append", type=_listen, metavar="[INTERFACE:]PORT",
                     help="where to serve UDP and TCP (repeatable; default 53 on all interfaces)")
    dns.add_argument("--cache", action="store_true", help="cache answers from other servers")
    dns.add_argument("--recursive", action="store_true",
                     help="ask other servers for names outside the zones")
    dns.add_argument("--resolv-conf", default="/etc/resolv.conf", metavar="FILE",
                     help="the name servers to ask with --recursive (default /etc/resolv.conf)")
    dns.add_argument("--hosts-file", default="/etc/hosts", metavar="FILE",
                     help="hosts file answered from with --recursive (default /etc/hosts)")
    dns.add_argument("--verbose", "-v", action="count", default=0, help="log each query")
    dns.add_argument("--logfile", metavar="FILE", help="log to FILE instead of stderr")
    dns.add_argument("--pidfile", metavar="FILE", help="write the process id to FILE")
    dns.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio",
                     help="event loop to run on")


def makeService(config: Any) -> Any:
    """A ``MultiService`` serving the zones of ``config`` on UDP and TCP at each address.

    ``config`` is the parsed ``twistio dns`` command line, or a mapping shaped like Twisted's
    ``names.tap.Options`` (``port``, ``interface``, ``cache``, ``recursive``, ``resolv-conf``,
    ``hosts-file``, ``verbose``, with ``zones`` and ``secondaries`` attributes).
    """
    from twistio.application import internet, service
    from twistio.names import authority, cache, client, dns, hosts, server

    if hasattr(config, "zones"):
        config = _from_twisted_options(config)
    get = config.get if isinstance(config, dict) else lambda k, d=None: getattr(config, k, d)
    authorities: list[Any] = list(get("authorities", []) or [])
    for path in get("pyzone", []) or []:
        authorities.append(authority.PySourceAuthority(path))
    for path in get("bindzone", []) or []:
        authorities.append(authority.BindAuthority(path))
    top = service.MultiService()
    for host, port, domain in get("secondary", []) or []:
        from twistio.names import secondary

        svc = secondary.SecondaryAuthorityService.fromServerAddressAndDomains((host, port), [domain])
        authorities.extend(svc.domains)
        svc.setServiceParent(top)
    caches = [cache.CacheResolver(verbose=get("verbose", 0))] if get("cache") else None
    clients = None
    if get("recursive"):
        clients = [hosts.Resolver(get("hosts_file", "/etc/hosts")),
                   client.Resolver(resolv=get("resolv_conf", "/etc/resolv.conf"))]
    factory = server.DNSServerFactory(authorities, caches, clients, get("verbose", 0))
    for interface, wanted in get("listen") or [("", 53)]:
        port = wanted or _free_port(interface)
        protocol = dns.DNSDatagramProtocol(factory)
        internet.UDPServer(port, protocol, interface=interface).setServiceParent(top)
        internet.TCPServer(port, factory, interface=interface).setServiceParent(top)
    return top


def _from_twisted_options(config: Any) -> dict[str, Any]:
    return {
        "authorities": list(config.zones),
        "secondary": [
            (host, port, domain)
            for (host, port), domains in getattr(config, "secondaries", ())
            for domain in domains
        ],
        "listen": [(config.get("interface", ""), int(config.get("port", 53)))],
        "cache": config.get("cache"),
        "recursive": config.get("recursive") or config.get("resolv-conf"),
        "resolv_conf": config.get("resolv-conf") or "/etc/resolv.conf",
        "hosts_file": config.get("hosts-file") or "/etc/hosts",
        "verbose": config.get("verbose", 0),
    }


def _free_port(interface: str) -> int:
    """A port number free for both UDP and TCP on ``interface`` (for ``--listen HOST:0``)."""
    import socket

    family = socket.AF_INET6 if ":" in interface else socket.AF_INET
    for _ in range(100):
        with socket.socket(family, socket.SOCK_DGRAM) as u:
            u.bind((interface, 0))
            port: int = u.getsockname()[1]
            with socket.socket(family, socket.SOCK_STREAM) as t:
                try:
                    t.bind((interface, port))
                except OSError:
                    continue
                return port
    raise OSError("no port free for both UDP and TCP")


def runCommand(options: argparse.Namespace) -> int:
    """Run ``twistio dns`` with parsed ``options``; returns the exit status."""
    from twistio.application import app

    prog = "twistio dns"
    if not (options.pyzone or options.bindzone or options.secondary or options.recursive):
        sys.stderr.write(f"{prog}: error: give a zone (--pyzone, --bindzone, --secondary) "
                         "or --recursive\n")
        return 2
    for path in [*options.pyzone, *options.bindzone]:
        if not os.path.isfile(path):
            sys.stderr.write(f"{prog}: error: no such file: {path}\n")
            return 2
    return app._runServiceCommand(
        prog, options, lambda: makeService(options), "twistio-dns", _announce,
        "cannot load the zones: ")


def _announce(top: Any) -> None:
    from twistio.logger import Logger

    for svc in top:
        port = getattr(svc, "_port", None)
        if port is None:
            continue
        host = port.getHost()
        Logger(namespace="twistio").info(
            "twistio: listening on {where} (pid {pid})",
            where=f"{host.type.lower()}:{host.host}:{host.port}",
            pid=os.getpid(),
        )
