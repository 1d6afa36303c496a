"""The ``twistio`` command: ``run``, ``echo``, ``web``, ``dns``, ``mail``, ``manhole``,
``compat``, ``trial`` and ``twistd``.

Errors in the command line are one line on stderr and exit status 2; errors starting the
server (a port in use, a missing file) are one line and exit status 1. SIGTERM and SIGINT
stop the server gracefully (stop accepting, stop the services, waiting on them) and the
command exits 0.
"""

from __future__ import annotations

import argparse
import importlib
import os
import runpy
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = ["main"]

_DEFAULT_GRACE = 10.0


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, without the usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


class _UsageError(Exception):
    """A bad command line found after parsing (exit 2)."""


class _StartError(Exception):
    """The server could not start (exit 1)."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid count: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _grace(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def _common(parser: argparse.ArgumentParser, listen: str | None) -> None:
    if listen is not None:
        parser.add_argument(
            "--listen",
            action="append",
            metavar="DESCRIPTION",
            help=f"where to listen, a strports description (repeatable; default {listen}), "
            "e.g. tcp:8080:interface=127.0.0.1, ssl:8443:privateKey=key.pem, unix:/path",
        )
    parser.add_argument("--logfile", metavar="FILE", help="log to FILE instead of stderr")
    parser.add_argument("--pidfile", metavar="FILE", help="write the process id to FILE")
    parser.add_argument(
        "--loop", choices=("asyncio", "uvloop"), default="asyncio", help="event loop to run on"
    )
    if listen is None:
        parser.set_defaults(workers=1, grace=_DEFAULT_GRACE)
        return
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="serve from N processes sharing the listening sockets (default 1)",
    )
    parser.add_argument(
        "--grace",
        type=_grace,
        default=_DEFAULT_GRACE,
        metavar="SECONDS",
        help=f"on shutdown, how long open requests may take to finish (default {_DEFAULT_GRACE:g})",
    )


def _parser() -> _Parser:
    from twistio import __version__

    parser = _Parser(
        prog="twistio", description="Run servers and Twisted programs on twistio (asyncio)."
    )
    parser.add_argument("--version", action="version", version=f"twistio {__version__}")
    # Not required=True: argparse would then report a missing COMMAND before an unknown
    # option, naming the wrong problem; main() checks for the command itself.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run an application file (a .tac file defining 'application')",
        description="Run a Python file that defines 'application' (Twisted's .tac convention).",
    )
    run.add_argument("file", help="the application file")
    _common(run, None)
    run.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="run the application in N processes; its TCP ports are shared with SO_REUSEPORT "
        "(give them fixed port numbers)",
    )

    echo = commands.add_parser(
        "echo", help="an echo server", description="Serve TCP echo on every --listen address."
    )
    _common(echo, "tcp:8000")

    web = commands.add_parser(
        "web",
        help="a web server: static files or a WSGI application",
        description="Serve a folder (with directory listings) or a WSGI application.",
    )
    what = web.add_mutually_exclusive_group()
    what.add_argument(
        "--path",
        metavar="DIR",
        help="serve the files under DIR (default: .); .rpy files run as resource scripts",
    )
    what.add_argument(
        "--wsgi", metavar="MODULE:APP", help="serve a WSGI application, package.module:app"
    )
    what.add_argument(
        "--class", dest="resource_class", metavar="MODULE:CLASS",
        help="serve a Resource made by CLASS() (package.module:Class)",
    )
    web.add_argument(
        "--http2",
        action="store_true",
        help="offer HTTP/2 on every ssl: listener (TLS ALPN: h2, then http/1.1); needs the "
        "http2 extra (h2)",
    )
    web.add_argument(
        "--session-store", metavar="URL",
        help="keep sessions in Redis at URL (redis://host:6379/0), shared by every worker "
        "and host (needs the redis extra)",
    )
    web.add_argument(
        "--session-fallback", action="store_true",
        help="with --session-store: while Redis is down, keep sessions in each process "
        "instead of answering 503",
    )
    _common(web, "tcp:8080")

    from twistio.names import tap as names_tap

    names_tap.addCommand(commands)

    mailcmd = commands.add_parser(
        "mail",
        help="a mail server: SMTP in, POP3 and IMAP4 out, Maildir storage",
        description="Serve Maildir domains: ESMTP in, POP3 and IMAP4 out (twistio.mail.tap).",
    )
    from twistio.mail import tap as mail_tap

    mail_tap.addArguments(mailcmd)
    _common(mailcmd, None)

    from twistio.conch import manhole_tap

    manhole_tap.addCommand(commands)

    compat = commands.add_parser(
        "compat",
        help="run a program written for Twisted, unmodified",
        description="Run SCRIPT as __main__ with 'import twisted...' served by twistio; "
        "ARGS become sys.argv[1:].",
    )
    compat.add_argument(
        "--loop", choices=("asyncio", "uvloop"), default="asyncio", help="event loop to run on"
    )
    compat.add_argument("script", help="the program")
    compat.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")

    trial = commands.add_parser(
        "trial",
        help="run a Twisted project's tests, as trial does",
        description="Run tests with 'import twisted...' served by twistio, taking trial's "
        "arguments (twistio trial --help lists them): twistio trial mypackage.test",
        add_help=False,
    )
    trial.add_argument("args", nargs=argparse.REMAINDER, help="trial's arguments")

    twistd = commands.add_parser(
        "twistd",
        help="run a .tac file or a plugin's service, as twistd does",
        description="twistd with 'import twisted...' served by twistio, taking twistd's "
        "arguments (twistio twistd --help lists them): twistio twistd -ny app.tac, "
        "twistio twistd -n web --path .",
        add_help=False,
        prefix_chars="+",  # so that twistd's own "-y app.tac" is an argument, not an option
    )
    twistd.add_argument("args", nargs=argparse.REMAINDER, help="twistd's arguments")
    return parser


_COMMANDS = ("run", "echo", "web", "dns", "mail", "manhole", "compat", "trial", "twistd")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["twistd"]:
        # As for trial: every later argument is twistd's own.
        return _twistd(args[1:])
    if args[:1] == ["trial"]:
        # Everything after the command is trial's (argparse would take options for its own).
        try:
            return _trial(args[1:])
        except _StartError as e:
            sys.stderr.write(f"twistio trial: {e}\n")
            return 1
    parser = _parser()
    options = parser.parse_args(args)
    if options.command is None:
        parser.error(f"a COMMAND is required ({', '.join(_COMMANDS)}); see twistio --help")
    options.argv = args
    prog = f"twistio {options.command}"
    try:
        if options.command == "compat":
            return _compat(options)
        if options.command == "dns":
            from twistio.names import tap as names_tap

            return names_tap.runCommand(options)
        if options.command == "manhole":
            from twistio.conch import manhole_tap

            return manhole_tap.runCommand(options)
        return _serve(options)
    except _UsageError as e:
        sys.stderr.write(f"{prog}: error: {e}\n")
        return 2
    except _StartError as e:
        sys.stderr.write(f"{prog}: {e}\n")
        return 1


# -- compat ------------------------------------------------------------------------------------


def _compat(options: argparse.Namespace) -> int:
    from twistio import compat
    from twistio.application.app import ApplicationError, installLoop

    script: str = options.script
    if not os.path.isfile(script):
        raise _UsageError(f"no such file: {script}")
    try:
        installLoop(options.loop)
        compat.install()
    except (ApplicationError, compat.TwistedAlreadyImported) as e:
        raise _StartError(str(e)) from None
    sys.argv = [script, *options.args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    # As python itself does for a script: its __file__ (and tracebacks) name it in full.
    runpy.run_path(os.path.abspath(script), run_name="__main__")
    return 0


def _trial(args: Sequence[str]) -> int:
    from twistio import compat

    try:
        compat.install()
    except compat.TwistedAlreadyImported as e:
        raise _StartError(str(e)) from None
    from twistio.trial.__main__ import main as trial_main

    # As trial does: the tests named are found from the current directory too.
    sys.path.insert(0, os.getcwd())
    return trial_main(args, prog="twistio trial")


def _twistd(args: Sequence[str]) -> int:
    from twistio import compat

    try:
        compat.install()
    except compat.TwistedAlreadyImported as e:
        sys.stderr.write(f"twistio twistd: {e}\n")
        return 1
    from twistio.scripts import twistd

    # As twistd does: modules a .tac file imports are found from the current directory.
    sys.path.insert(0, os.getcwd())
    sys.argv = ["twistd", *args]
    try:
        twistd.run()
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        sys.stderr.write(f"{stop.code}\n")
        return 1
    return 0


# -- servers -----------------------------------------------------------------------------------


def _serve(options: argparse.Namespace) -> int:
    from twistio.application.app import ApplicationError, installLoop

    try:
        installLoop(options.loop)
    except ApplicationError as e:
        raise _UsageError(str(e)) from None
    from twistio.application import _workers

    sockets = _workers.workerSockets()
    if sockets is not None:
        options.pidfile = None  # the parent holds it
        return _serve_one(options, sockets)
    if options.workers > 1:
        _build(options, ())  # usage errors now, before any process starts
        try:
            return _workers.supervise(options)
        except _workers.WorkerSetupError as e:
            raise _StartError(str(e)) from None
    return _serve_one(options)


def _serve_one(options: argparse.Namespace, sockets: Sequence[Any] = ()) -> int:
    from twistio.application import app

    build = _build(options, sockets)
    stream: Any = sys.stderr
    try:
        with app.pidFile(options.pidfile):
            application = build()
            # Logging begins once the application exists: it may name its own observer.
            stream = app.startLogging(options.logfile, application)
            try:
                app.runApplication(application)
            except OSError as e:
                raise _StartError(str(e)) from None
            except Exception as e:
                # CannotListenError and kin: one line, not a traceback.
                if type(e).__module__.startswith("twistio"):
                    raise _StartError(str(e)) from None
                raise
    except app.ApplicationError as e:
        raise _StartError(str(e)) from None
    finally:
        if stream is not sys.stderr:
            stream.close()
    return 0


def _build(options: argparse.Namespace, sockets: Sequence[Any]) -> Any:
    """Check the options now (usage errors) and return what builds the application later."""
    from twistio.application import app

    if options.command == "mail":
        from twistio.mail import tap as mail_tap

        config = mail_tap._CLIConfig()

        def usage(message: str) -> NoReturn:
            raise _UsageError(message)

        config.apply(options, usage)
        return lambda: mail_tap.application(config)
    if options.command == "run":
        path: str = options.file
        if not os.path.isfile(path):
            raise _UsageError(f"no such file: {path}")

        def load() -> Any:
            # .tac files written for twistd import twisted: serve those imports too.
            from twistio import compat

            try:
                compat.install()
            except compat.TwistedAlreadyImported:
                pass
            return app.loadApplication(path)

        return load
    descriptions: list[str] = options.listen or [
        "tcp:8000" if options.command == "echo" else "tcp:8080"
    ]
    from twistio.internet import endpoints, reactor

    endpointList: list[Any] = []
    for i, description in enumerate(descriptions):
        if i < len(sockets):
            endpointList.append(_AdoptedEndpoint(reactor, sockets[i]))
            continue
        kind, _, rest = description.partition(":")
        if kind == "unix" and not rest.split(":")[0] and "address=" not in rest:
            raise _UsageError(f"bad --listen {description!r}: unix: needs a path")
        try:
            endpointList.append(endpoints.serverFromString(reactor, description))
        except (ValueError, TypeError, KeyError, OSError) as e:
            raise _UsageError(f"bad --listen {description!r}: {e}") from None
    kinds = [d.partition(":")[0] for d in descriptions]
    if getattr(options, "http2", False):
        _offer_http2(endpointList, kinds)
    if options.command == "echo":
        factoryMaker = _echo_factory
    else:
        factoryMaker = _web_factory(options)

    def build() -> Any:
        return _server_application(
            options.command, endpointList, kinds, factoryMaker(), options.grace
        )

    return build


def _offer_http2(endpointList: Sequence[Any], kinds: Sequence[str]) -> None:
    """``--http2``: the ssl: listeners offer h2 through ALPN (HTTPChannel then hands the
    connection to HTTP/2); plain listeners stay HTTP/1.1, as browsers only speak h2 over TLS."""
    from twistio.internet import endpoints
    from twistio.web.http import H2_ENABLED

    if not H2_ENABLED:
        raise _UsageError("--http2 needs the h2 library: pip install 'twistio[http2]'")
    tls = [e for e, kind in zip(endpointList, kinds, strict=True) if kind == "ssl"]
    if not tls:
        raise _UsageError(
            "--http2 needs an ssl: listener (HTTP/2 is negotiated through TLS ALPN), "
            "e.g. --listen ssl:8443:privateKey=server.pem"
        )
    for endpoint in tls:
        endpoints.offerALPN(endpoint, ["h2", "http/1.1"])


def _echo_factory() -> Any:
    from twistio.internet.protocol import Factory, Protocol

    class Echo(Protocol):
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    return Factory.forProtocol(Echo)


def _web_factory(options: argparse.Namespace) -> Any:
    sessions = _session_store(options)
    if options.wsgi is not None:
        app = _load_wsgi(options.wsgi)

        def wsgi_site() -> Any:
            from twistio.internet import reactor
            from twistio.web import server, wsgi

            return server.Site(
                wsgi.WSGIResource(reactor, reactor.getThreadPool(), app), sessionStore=sessions()
            )

        return wsgi_site
    if options.resource_class is not None:
        cls = _load_named("--class", options.resource_class)

        def class_site() -> Any:
            from twistio.web import server

            return server.Site(cls(), sessionStore=sessions())

        return class_site
    folder: str = options.path or "."
    if not os.path.isdir(folder):
        raise _UsageError(f"--path {folder}: not a directory")

    def static_site() -> Any:
        from twistio import compat
        from twistio.web import script, server, static

        # As ``twistd web --path``: .rpy and .epy files run as resource scripts, and those
        # written for Twisted import ``twisted``.
        try:
            compat.install()
        except compat.TwistedAlreadyImported:
            pass
        root = static.File(os.path.abspath(folder))
        root.processors = {".rpy": script.ResourceScript, ".epy": script.PythonScript}
        return server.Site(root, sessionStore=sessions())

    return static_site


def _session_store(options: argparse.Namespace) -> Any:
    """What makes the --session-store of each worker (checked now: usage errors)."""
    url: str | None = options.session_store
    if url is None:
        if options.session_fallback:
            raise _UsageError("--session-fallback needs --session-store")
        return lambda: None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise _UsageError(
            f"--session-store {url!r}: expected redis://host:port/db, rediss://... or unix://path"
        )
    try:
        import redis  # noqa: F401
    except ImportError:
        raise _UsageError(
            "--session-store needs redis-py: pip install 'twistio[redis]'"
        ) from None
    fallback: bool = options.session_fallback

    def make() -> Any:
        from twistio.web.redissession import RedisSessionStore

        try:
            return RedisSessionStore(url, fallback=fallback)
        except ValueError as e:
            raise _StartError(f"--session-store: {e}") from None

    return make


def _load_wsgi(spec: str) -> Any:
    return _load_named("--wsgi", spec)


def _load_named(option: str, spec: str) -> Any:
    if ":" in spec:
        moduleName, _, attr = spec.partition(":")
    else:
        moduleName, _, attr = spec.rpartition(".")
    if not moduleName or not attr:
        raise _UsageError(f"{option} {spec!r}: expected package.module:app or package.module.app")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(moduleName)
    except ImportError as e:
        raise _UsageError(f"{option} {spec!r}: cannot import {moduleName}: {e}") from None
    app = module
    for part in attr.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise _UsageError(f"{option} {spec!r}: {moduleName} has no attribute {attr!r}") from None
    if not callable(app):
        raise _UsageError(f"{option} {spec!r}: {attr} is not callable")
    return app


def _server_application(
    command: str, endpointList: list[Any], kinds: list[str], factory: Any, grace: float
) -> Any:
    from twistio.application import service
    from twistio.application.internet import StreamServerEndpointService

    application = service.Application(f"twistio-{command}")
    top = service._adapt(service.IServiceCollection, application)
    tracking = _TrackingFactory(factory)
    _DrainService(tracking, grace).setServiceParent(top)

    class Announcing(StreamServerEndpointService):
        kind = "tcp"

        def privilegedStartService(self) -> None:
            StreamServerEndpointService.privilegedStartService(self)
            assert self._waitingForPort is not None
            self._waitingForPort.addCallback(_announce, self.kind)

    for endpoint, kind in zip(endpointList, kinds, strict=True):
        svc = Announcing(endpoint, tracking)
        svc.kind = kind
        svc._raiseSynchronously = True
        svc.setServiceParent(top)
    return application


def _announce(port: Any, kind: str) -> Any:
    from twistio.logger import Logger

    host = port.getHost()
    where = getattr(host, "name", None)
    if where is None:
        scheme = "ssl" if kind == "ssl" else getattr(host, "type", "TCP").lower()
        where = f"{scheme}:{host.host}:{host.port}"
    else:
        where = f"unix:{where.decode() if isinstance(where, bytes) else where}"
    Logger(namespace="twistio").info(
        "twistio: listening on {where} (pid {pid})", where=where, pid=os.getpid()
    )
    return port


class _TrackingFactory:
    """Wraps a factory to know its open connections, so shutdown can wait for them."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.open: set[Any] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.factory, name)

    def doStart(self) -> None:
        self.factory.doStart()

    def doStop(self) -> None:
        self.factory.doStop()

    def buildProtocol(self, addr: Any) -> Any:
        protocol = self.factory.buildProtocol(addr)
        if protocol is None:
            return None
        original = protocol.connectionLost
        opened = self.open

        def connectionLost(reason: Any) -> None:
            opened.discard(protocol)
            original(reason)

        protocol.connectionLost = connectionLost
        opened.add(protocol)
        return protocol


def _busy(protocol: Any) -> bool:
    """Whether a connection is in the middle of something (an HTTP request being answered)."""
    requests = getattr(protocol, "requests", None)
    if requests is None:
        return False  # a plain stream protocol: nothing to wait for
    return bool(requests)


class _DrainService:
    """On stop, waits (at most ``grace`` seconds) for open requests to finish, then closes."""

    def __new__(cls, tracking: _TrackingFactory, grace: float) -> Any:
        from twistio.application.service import Service
        from twistio.internet.defer import Deferred
        from twistio.internet.task import LoopingCall

        class Drain(Service):
            def stopService(self) -> Deferred[None]:
                Service.stopService(self)
                done: Deferred[None] = Deferred()
                from twistio.internet import reactor

                deadline = reactor.seconds() + grace

                def check() -> None:
                    busy = [p for p in tracking.open if _busy(p)]
                    if busy and reactor.seconds() < deadline:
                        return
                    poll.stop()
                    for p in list(tracking.open):
                        transport = getattr(p, "transport", None)
                        if transport is not None:
                            transport.loseConnection()
                    done.callback(None)

                poll = LoopingCall(check)
                poll.start(0.05, now=True)
                return done

        return Drain()


class _AdoptedEndpoint:
    """A server endpoint listening on an already-bound socket (used by ``--workers``)."""

    def __init__(self, reactor: Any, sock: Any) -> None:
        self.reactor = reactor
        self.sock = sock

    def listen(self, factory: Any) -> Any:
        from twistio.application import _workers

        return _workers.adoptPort(self.reactor, self.sock, factory)
