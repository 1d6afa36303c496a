"""Run Twisted's own test modules against twistio, and optionally against Twisted itself.

    python -m tests.proof [--oracle] [--details] [--cache DIR] [--json FILE] [MODULE ...]

Twisted's sdist (the version installed as the test oracle, else ``DEFAULT_VERSION``) is
fetched with ``pip download --no-deps --no-binary :all:`` into ``DIR`` (default
``~/.cache/twistio-proof``) and unpacked there. Each module (all of ``MODULES`` when none is
named; a short name such as ``test_defer`` or ``web.test_http`` will do) runs in a
subprocess with ``twisted`` aliased to twistio: trial, ``internet.testing`` and every helper
twistio has come from twistio; only the modules of Twisted's ``test`` packages that twistio
lacks (the tests themselves and their support modules) come from the sdist. ``--oracle`` also
runs each module on the real Twisted, for comparison.

The table gives, per module, the tests passed (``ok`` and expected failures), failed,
errors and skipped, and the pass rate over the tests not skipped. ``--details`` lists each
test that did not pass with its error and where it was raised, and a classification where
``KNOWN`` has one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VERSION = "26.10.0"
CACHE = Path(os.environ.get("TWISTIO_PROOF_CACHE", Path.home() / ".cache" / "twistio-proof"))

# Twisted 26.10's modules named by issue 14 (test_versions.py is not in Twisted 26.10's sdist:
# twisted.python.versions is incremental's, and so are its tests).
MODULES = [
    "twisted.test.test_defer",
    "twisted.test.test_task",
    "twisted.test.test_failure",
    "twisted.test.test_reflect",
    "twisted.python.test.test_components",
    "twisted.test.test_usage",
    "twisted.test.test_paths",
    "twisted.python.test.test_deprecate",
    "twisted.test.test_compat",
    "twisted.python.test.test_util",
    "twisted.test.test_iosim",
    "twisted.test.test_lockfile",
    "twisted.protocols.test.test_basic",
    "twisted.protocols.test.test_tls",
    "twisted.web.test.test_resource",
    "twisted.web.test.test_web",
    "twisted.web.test.test_http",
    "twisted.web.test.test_static",
    "twisted.web.test.test_template",
]

PASSING = {"ok", "todo"}


class SdistUnavailable(RuntimeError):
    """Twisted's sdist could not be downloaded."""


def twisted_version() -> str:
    """The installed Twisted's version (the oracle), else ``DEFAULT_VERSION``."""
    from importlib import metadata

    try:
        return metadata.version("twisted")
    except metadata.PackageNotFoundError:
        return DEFAULT_VERSION


def sdist_src(version: str, cache: Path = CACHE) -> Path:
    """The ``src`` folder of Twisted ``version``'s unpacked sdist, downloaded once."""
    unpacked = cache / f"twisted-{version}"
    src = unpacked / "src"
    if (src / "twisted" / "__init__.py").exists():
        return src
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"twisted-{version}.tar.gz"
    if not archive.exists():
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                str(cache),
                f"twisted=={version}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode or not archive.exists():
            raise SdistUnavailable(
                f"pip download twisted=={version} failed: {proc.stderr.strip()[-500:]}"
            )
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if "/src/twisted/" in m.name]
        tar.extractall(cache, members=members, filter="data")
    if not (src / "twisted" / "__init__.py").exists():
        raise SdistUnavailable(f"{archive} holds no src/twisted")
    return src


def resolve(name: str) -> str:
    """``test_defer``, ``web.test_http`` or a full dotted name -> the full name."""
    if name.startswith("twisted."):
        return name
    matches = [
        m for m in MODULES if m.endswith("." + name) or m.endswith(name.replace(".", ".test."))
    ]
    if len(matches) != 1:
        raise SystemExit(f"unknown or ambiguous module {name!r}: {matches or MODULES}")
    return matches[0]


@dataclass
class Outcome:
    module: str
    side: str  # "twistio" or "twisted"
    records: list[dict[str, str]] = field(default_factory=list)
    note: str = ""  # a timeout or a crash of the subprocess

    def counts(self) -> Counter[str]:
        return Counter(r["status"] for r in self.records)

    @property
    def passed(self) -> int:
        c = self.counts()
        return c["ok"] + c["todo"]

    @property
    def run(self) -> int:
        """Tests not skipped."""
        return len(self.records) - self.counts()["skip"]


def run_module(
    module: str, src: Path, oracle: bool = False, timeout: float = 900, test_timeout: float = 30
) -> Outcome:
    """Run ``module`` in a subprocess (under the alias, or on Twisted with ``oracle``)."""
    side = "twisted" if oracle else "twistio"
    with tempfile.TemporaryDirectory(prefix="twistio-proof-") as work:
        out = Path(work) / "results.jsonl"
        cmd = [
            sys.executable,
            "-m",
            "tests.proof._child",
            "--sdist",
            str(src),
            "--out",
            str(out),
            "--timeout",
            str(test_timeout),
            module,
        ]
        if oracle:
            cmd.insert(3, "--oracle")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        env.pop("TWISTIO_COMPAT", None)
        note = ""
        try:
            proc = subprocess.run(
                cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout
            )
            if proc.returncode:
                note = f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
        except subprocess.TimeoutExpired:
            note = f"timed out after {timeout:.0f} s"
        records = []
        if out.exists():
            for line in out.read_text(encoding="utf-8").splitlines():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass
    return Outcome(module, side, records, note)


# Failures understood, by test id (or a prefix ending in "."): why each does not pass.
# "name": an artefact of the name (a repr or message spelling ``twisted``/``twistio``);
# "difference": a deliberate difference named in docs/differences.md; "private": the test
# needs a private name of Twisted that twistio does not provide (no reasonable seam).
_NAME = ("name", "the message or repr spells twistio's module path (twistio.x, not twisted.x)")
_PRIVATE = "private"
_DIFF = "difference"
_BUG = "bug"


def _each(prefix: str, names: str, why: tuple[str, str]) -> dict[str, tuple[str, str]]:
    return {f"{prefix}.{n}": why for n in names.split()}


_HTTP = "twisted.web.test.test_http"
_PARSE_AHEAD = (
    _DIFF,
    "the channel parses up to maxPipelined requests ahead of the one being answered, so "
    "HTTPChannel.requests holds them all (Twisted holds one and buffers the rest unparsed; "
    "docs/reliability.md)",
)
_CHANNEL_PRODUCER = (
    _DIFF,
    "the channel becomes its transport's producer once requests queue up behind one "
    "another, not at connection (docs/differences.md, 'A pipelining client')",
)
_CRLF = (
    _DIFF,
    "header values and cookies with CR or LF raise ValueError; Twisted rewrites them "
    "(docs/differences.md, twisted.web)",
)

KNOWN: dict[str, tuple[str, str]] = {
    **{
        f"twisted.internet.test.test_default.{case}.": (
            _DIFF,
            "the default reactor is asyncio's on every platform, not epoll/poll/select by "
            "platform (docs/differences.md, 'One reactor')",
        )
        for case in ("PollReactorTests", "SelectReactorTests")
    },
    "twisted.test.test_tcp_internals.SelectReactorTests.": (
        _DIFF,
        "drives tcp.Port.doRead with a fake socket; twistio's ports accept through asyncio's "
        "create_server and have no doRead/numberAccepts (docs/differences.md, 'A TCP port's "
        "accepting is asyncio's')",
    ),
    "twisted.application.runner.test.test_runner.RunnerTests.test_runInOrder": (
        _DIFF,
        "Runner is a plain class, not an attrs class: the test's @attrs subclass does not "
        "inherit its arguments (docs/differences.md, Running applications)",
    ),
    "twisted.logger.test.test_stdlib.STDLibLogObserverTests.test_name": (
        _DIFF,
        "STDLibLogObserver() logs to the logger named by each event's namespace, not "
        '"twisted" (docs/differences.md, Logging)',
    ),
    "twisted.test.test_defer.DeferredFutureAdapterTests.": (
        _DIFF,
        "Deferred.fromFuture of a cancelled Future (or a cancelled Deferred from one) fails "
        "with defer.CancelledError, not asyncio.CancelledError (docs/differences.md, "
        "'Cancellation across the bridges')",
    ),
    "twisted.test.test_task.ReactorLoopTests.testEveryIteration": (
        _BUG,
        "times out (30 s) on main since 32630e5 (trial runs plain test phases with the "
        "reactor stopped); passed before it, not analysed further",
    ),
    "twisted.test.test_process.PosixProcessTests.test_executionError": (
        _DIFF,
        "the child is started by subprocess.Popen (exec in C), so a patched os.execvpe is "
        "never called; a failed exec raises at spawnProcess (docs/differences.md, Processes)",
    ),
    "twisted.test.test_process.PosixProcessPTYTests.test_executionError": (
        _DIFF,
        "as PosixProcessTests.test_executionError: exec happens in subprocess.Popen",
    ),
    "twisted.internet.test.test_sigchld": (
        _PRIVATE,
        "internet._signals.installHandler drives signal.set_wakeup_fd, which the asyncio loop "
        "owns; twistio watches children with waiter threads, not SIGCHLD",
    ),
    "twisted.test.test_defer.DeferredTests.test_DEFERRED_SUBCLASSES": (
        _PRIVATE,
        "defer._DEFERRED_SUBCLASSES, Twisted's list of its own Deferred subclasses",
    ),
    "twisted.test.test_failure.FailureTests.test_failurePickling": (
        _PRIVATE,
        "the layout of Failure.__getstate__ (Twisted's private attributes)",
    ),
    "twisted.test.test_failure.FailureTests.test_failureWithoutTraceback": (
        _PRIVATE,
        "Failure._withoutTraceback and the layout of Failure.__dict__ (count)",
    ),
    "twisted.protocols.test.test_basic.NetstringReceiverTests.": (
        _PRIVATE,
        "NetstringReceiver._consumeLength/_payloadComplete, Twisted's parser internals",
    ),
    "twisted.web.test.test_web.SiteAccessLogTests.test_combinedLogFormat": (
        _DIFF,
        "Site's access log line leaves the client address unquoted (docs/differences.md, "
        "'The access log')",
    ),
    **_each(
        "twisted.web.test.test_flatten",
        "FlattenChunkingTests.test_chunksSeparatedByFiredDeferred "
        "FlattenChunkingTests.test_someLargeChunks",
        (
            _DIFF,
            "the flattener hands output over in chunks of about BUFFER_SIZE, measured now and "
            "then, and does not flush at an already-fired Deferred (Twisted's own test calls "
            "its buffering an implementation detail)",
        ),
    ),
    **_each(
        "twisted.web.test.test_xml",
        "MicroDOMTests.test_namespaces MicroDOMTests.test_prefixPropagation "
        "MicroDOMTests.test_prefixedTags",
        (_DIFF, "microdom does not track or rewrite namespace prefixes (docs/differences.md)"),
    ),
    "twisted.web.test.test_xml.BrokenHTMLTests.test_brokenClosingTag": (
        _DIFF,
        "lenient microdom keeps an end tag broken by a line break as text (Twisted closes the "
        "open element with it)",
    ),
    "twisted.web.test.test_websocket.WebSocketTests.test_backpressure": (
        _DIFF,
        "a WebSocket connection is its transport's producer itself: on write pressure it stops "
        "reading and pauses the attached producer (Twisted registers the attached producer "
        "with the transport)",
    ),
    "twisted.web.test.test_websocket.WebSocketTests.test_connectionRefusedSlow": (
        _DIFF,
        "the WebSocket client fails with ConnectionRejected once the refusal's body is read "
        "whole (Twisted fails at its head and streams the body)",
    ),
    "twisted.web.test.test_web.SiteTest.test_sessionUIDGeneration": (
        _PRIVATE,
        "Site._entropy",
    ),
    "twisted.web.test.test_static.DirectoryListerTests.": (
        _DIFF,
        "directory listings are twistio's own page (docs/differences.md, twisted.web)",
    ),
    "twisted.web.test.test_static.StaticFileTests.test_forbiddenResource": (
        "root",
        "run as root the unreadable file is readable (fails under Twisted too)",
    ),
    **_each(
        _HTTP,
        "ChannelProductionTests.test_HTTPChannelPropagatesPausedProductionToRequest "
        "ChannelProductionTests.test_HTTPChannelStaysPausedWhenRequestCompletes "
        "ChannelProductionTests.test_HTTPChannelToleratesPullProducers",
        _CHANNEL_PRODUCER,
    ),
    **_each(
        _HTTP,
        "HTTP1_0Tests.test_noPipelining HTTP1_1Tests.test_noPipelining "
        "HTTP1_1_close_Tests.test_noPipelining PipeliningBodyTests.test_stepwiseDumpTruck "
        "PipeliningBodyTests.test_stepwiseTinyTube",
        _PARSE_AHEAD,
    ),
    f"{_HTTP}.ParsingTests.test_chunkedEncoding": (_PRIVATE, "HTTPChannel._transferDecoder"),
    f"{_HTTP}.RequestTests.test_finishCleansConnection": (
        _PRIVATE,
        "HTTPChannel._optimisticEagerReadSize",
    ),
    **_each(
        _HTTP,
        "HTTPChannelSanitizationTests.test_writeHeadersSanitizesLinearWhitespace "
        "HTTPClientSanitizationTests.test_sendHeaderSanitizesLinearWhitespace "
        "RequestTests.test_addCookieSanitization",
        _CRLF,
    ),
    **_each(
        _HTTP,
        "ParsingTests.test_headerStripWhitespace ParsingTests.test_headersMultiline "
        "ParsingTests.test_transferEncodingIdentity HTTP0_9Tests.test_buffer "
        "HTTP0_9Tests.test_noPipeliningApi",
        (
            _DIFF,
            "the stricter parser refuses control characters in values, obsolete line folding "
            "and codings other than a final chunked, and answers once the head is complete "
            "(docs/differences.md, 'Hostile requests')",
        ),
    ),
    **_each(
        _HTTP,
        "ParsingTests.test_headerLimitPerRequest ParsingTests.test_tooManyHeaders "
        "ParsingTests.test_headersTooBigInitialCommand ParsingTests.test_headersTooBigOtherHeaders "
        "ParsingTests.test_headersTooBigPerRequest",
        (
            _DIFF,
            "the head's limits are RequestReader's (parserLimits: max_header_bytes, max_headers), "
            "not HTTPChannel.totalHeadersSize/maxHeaders, and answered with 431/414 "
            "(docs/reliability.md, docs/differences.md)",
        ),
    ),
    **_each(
        _HTTP,
        "ChannelProductionTests.test_HTTPChannelIsAProducer "
        "ChannelProductionTests.test_HTTPChannelUnregistersSelfWhenTimingOut "
        "GenericHTTPChannelTests.test_unregistersProducer",
        _CHANNEL_PRODUCER,
    ),
    **_each(
        _HTTP,
        "ChunkingTests.test_chunkedResponses RequestTests.test_firstWriteHTTP11Chunked",
        (
            _DIFF,
            "the channel decides a response's framing (docs/differences.md, 'The channel "
            "contract'): a Request on a bare DummyChannel writes no Transfer-Encoding or "
            "Connection header",
        ),
    ),
    f"{_HTTP}.GenericHTTPChannelTests.test_h2CancelsH11Timeout": (
        _DIFF,
        "HTTP/2 is chosen by HTTPChannel itself when TLS negotiated h2; the "
        "_GenericHTTPChannelProtocol wrapper does not switch channels",
    ),
    "twisted.python.test.test_deprecate.DeprecatedAttributeTests.test_wrappedModule": (
        _PRIVATE,
        "deprecatedModuleAttribute swaps the module's class in place instead of putting a "
        "deprecate._ModuleProxy in sys.modules (the same module object before and after)",
    ),
    f"{_HTTP}.HTTPClientDeprecationTests.test_deprecated": (
        _BUG,
        "twistio's trial has no SynchronousTestCase.getDeprecatedModuleAttribute",
    ),
    **_each(
        _HTTP,
        "PipeliningBodyTests.test_immediateABiggerTruck PipeliningBodyTests.test_pipeliningReadLimit",
        (_PRIVATE, "HTTPChannel._optimisticEagerReadSize"),
    ),
    # -- twisted.web's client side, http_headers and cred --
    **_each(
        "twisted.web.test.test_http_headers",
        "BytesHeadersTests.test_sanitizeLinearWhitespace "
        "UnicodeHeadersTests.test_sanitizeLinearWhitespace",
        _CRLF,
    ),
    **_each(
        "twisted.web.test.test_newclient.HTTP11ClientProtocolTests",
        "test_proxyStopped test_quiescentCallbackCalled",
        (
            _PRIVATE,
            "HTTP11ClientProtocol._parser: twistio's client reads responses with the shared "
            "codec, not an HTTPClientParser per response (docs/differences.md, HTTP client)",
        ),
    ),
    "twisted.web.test.test_newclient.HTTP11ClientProtocolTests."
    "test_receiveResponseHeadersTooLong": (
        _DIFF,
        "a response head line may be as long as the head's limit (64 KiB); Twisted closes at "
        "16 KiB per line (docs/differences.md, HTTP client)",
    ),
    "twisted.web.test.test_newclient.HTTP11ClientProtocolTests.test_receiveSimplestResponse": (
        _DIFF,
        "after a response that ends the connection the state is CLOSING, not QUIESCENT "
        "(docs/differences.md, HTTP client)",
    ),
    "twisted.web.test.test_newclient.RequestTests.test_sanitizeLinearWhitespaceInRequestHeaders": _CRLF,
    "twisted.web.test.test_proxy.ProxyClientFactoryTests.test_connectionFailed": (
        _DIFF,
        "an unreachable upstream gets 502 Bad Gateway, not 501 Gateway error "
        "(docs/differences.md, 'XML-RPC, proxy, vhost')",
    ),
    "twisted.web.test.test_proxy.ReverseProxyResourceTests.": (
        _DIFF,
        "the test's HTTP/1.1 request has no Host: it gets 400 (docs/differences.md, "
        "'Host is required')",
    ),
    "twisted.web.test.test_xmlrpc.AsyncXMLRPCTests.": (
        _BUG,
        "Resource.render needs a bytes request.method; the test's DummyRequest has the "
        "str 'POST', which Twisted's render accepts",
    ),
    "twisted.cred.test.test_cred.CredTests.test_listCheckers": (
        _BUG,
        "twistio's interface classes do not order (sorted() of them fails); zope's order "
        "by name",
    ),
    "twisted.web.test.test_agent.HTTPConnectionPoolRetryTests.": (
        _PRIVATE,
        "client._RetryingHTTP11ClientProtocol: twistio's pool retries inside its own request "
        "path, without a wrapper protocol",
    ),
    "twisted.web.test.test_agent.HTTPConnectionPoolTests.": (
        _PRIVATE,
        "HTTPConnectionPool._timeouts and the protocol class it builds: twistio's pool sweeps "
        "idle connections with one timer, not one per connection",
    ),
    "twisted.web.test.test_agent.ContentDecoderAgentWithGzipTests.": (
        _DIFF,
        "gzip bodies are decoded at most 1 MiB at a time (decompress(data, max_length)); the "
        "tests' fake decompressor takes no limit (docs/differences.md, HTTP client)",
    ),
    "twisted.web.test.test_agent.WebClientContextFactoryTests.": (
        _DIFF,
        "WebClientContextFactory verifies like BrowserLikePolicyForHTTPS and has no "
        "pyOpenSSL context (docs/differences.md)",
    ),
    "twisted.web.test.test_http_headers.NameEncoderTests.test_maxCachedHeaders": (
        _PRIVATE,
        "Headers keeps lower-cased names and capitalises them when they are listed, so adding "
        "a header does not fill _nameEncoder's cache",
    ),
    # -- twisted.mail and twisted.names --
    "twisted.mail.test.test_pop3.POP3ClientDeprecationTests.test_deprecation": _NAME,
    "twisted.mail.test.test_imap.IMAP4ServerParsingTests.": (
        _PRIVATE,
        "IMAP4Server's arg_*/opt_* parsers, parse_command and per-state command tables "
        "(docs/differences.md, 'IMAP4 server internals')",
    ),
    "twisted.mail.test.test_imap.IMAP4ServerSearchTests.": (
        _PRIVATE,
        "IMAP4Server's search_* methods (twistio's server evaluates SEARCH in _SearchQuery)",
    ),
    **_each(
        "twisted.mail.test.test_imap.HandCraftedTests",
        "testTrailingLiteral test_flagsChangedInsideFetchMessageResponse "
        "test_flagsChangedInsideFetchSpecificResponse test_literalWithoutPrecedingWhitespace "
        "test_nonIntegerLiteralLength test_unsolicitedResponseMixedWithSolicitedResponse",
        (
            _DIFF,
            "the greeting '* OK [IMAP4rev1]' does not stand for an empty capability list: "
            "twistio's client asks CAPABILITY before LOGIN (so that an offered STARTTLS is "
            "not skipped), and the scripted replies answer the wrong tags",
        ),
    ),
    **_each(
        "twisted.mail.test.test_imap",
        "IMAP4ServerTests.testList IMAP4ServerTests.testLSub IMAP4ServerTests.test_LSubNoRegex",
        (
            _DIFF,
            "LIST/LSUB match the reference joined with the pattern, whole, and % stops at the "
            "hierarchy delimiter (RFC 3501; docs/differences.md, IMAP4)",
        ),
    ),
    **_each(
        "twisted.mail.test.test_imap.PipeliningTests",
        "test_bufferedServerStatus test_synchronousFetch",
        (
            _DIFF,
            "a FETCH literal is written inside its response line, before the tagged OK "
            "(Twisted writes it after the tagged response)",
        ),
    ),
    "twisted.mail.test.test_imap.IMAP4ServerTests.testPartialAppend": (
        _PRIVATE,
        "IMAP4Client.__cbContinueAppend, a private step of Twisted's APPEND",
    ),
    "twisted.mail.test.test_imap.CopyWorkerTests.": (
        _PRIVATE,
        "IMAP4Server.__cbCopy, a private step of Twisted's COPY",
    ),
    "twisted.mail.test.test_imap.TLSTests.": (
        _DIFF,
        "the tests' TLS contexts are pyOpenSSL's; twistio's TLS needs an ssl.SSLContext",
    ),
    "twisted.mail.test.test_smtp.TLSTests.testTLS": (
        _DIFF,
        "the test's TLS context is pyOpenSSL's; twistio's TLS needs an ssl.SSLContext",
    ),
    **_each(
        "twisted.mail.test.test_smtp.SSLTestCase",
        "test_esmtpClientTlsModeDeprecationGet test_esmtpClientTlsModeDeprecationSet",
        (_PRIVATE, "ESMTPClient.tlsMode, deprecated since Twisted 13.0, is not provided"),
    ),
    **_each(
        "twisted.mail.test.test_imap",
        "GetBodyStructureTests.test_emptyContentType GetBodyStructureTests.test_onlyMajorContentType "
        "NewFetchTests.testFetchSimplifiedBody NewFetchTests.testFetchSimplifiedBodyUID "
        "NewFetchTests.testFetchFull NewFetchTests.testFetchFullUID",
        (
            _DIFF,
            "a part without a Content-Type (or with only a major type) is text/plain in BODY "
            "and BODYSTRUCTURE, RFC 2045's default (Twisted sends NIL)",
        ),
    ),
    **_each(
        "twisted.names.test.test_names",
        "BindAuthorityTests.test_cnameRecords BindAuthorityTests.test_mxRecords",
        (
            _DIFF,
            "BindAuthority makes names in record data absolute against $ORIGIN "
            "(docs/differences.md, DNS)",
        ),
    ),
    **_each(
        "twisted.names.test.test_client.ResolverTests",
        "test_disallowedPort test_disallowedPortRepeatedly",
        (
            _DIFF,
            "client.Resolver sends from an ephemeral port the system picks, not a port "
            "number it draws itself (docs/differences.md, DNS)",
        ),
    ),
    "twisted.test.test_ftp.FTPClientFailedRETRAndErrbacksUponDisconnectTests.test_FailedRETR": (
        _DIFF,
        "its fake server writes every reply at once on connecting; the test needs "
        "ClientCreator's callLater(0) to run before those bytes are read (Twisted's reactor "
        "runs timers before I/O; asyncio reads first), so the replies come before any "
        "command is queued (docs/differences.md, FTP)",
    ),
}

# A module Twisted's sdist skips as a whole under the alias, and why.
MODULE_NOTES: dict[str, str] = {
    "twisted.internet.test.test_newtls": (
        "private: twisted.internet._newtls, Twisted's TLS over TCP built from "
        "TLSMemoryBIOProtocol (_BypassTLS, transport.protocol); twistio's TLS transports run "
        "their memory BIOs below the TCP connection (docs/differences.md, 'TLS runs on "
        "memory BIOs under asyncio')"
    ),
}


def classify(test_id: str) -> tuple[str, str] | None:
    for key, value in {**KNOWN, **_area_known()}.items():
        if test_id == key or (key.endswith(".") and test_id.startswith(key)):
            return value
    return None


def _area_known() -> dict[str, tuple[str, str]]:
    """The entries of every ``known_*.py`` beside this file (one per area, like the floors,
    so that areas do not edit the same lines); each defines ``KNOWN`` as above."""
    if _AREA_KNOWN:
        return _AREA_KNOWN[0]
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(Path(__file__).parent.glob("known_*.py")):
        scope: dict[str, object] = {"__name__": path.stem}
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), scope)
        entries = scope["KNOWN"]
        assert isinstance(entries, dict)
        found.update(entries)
    _AREA_KNOWN.append(found)
    return found


_AREA_KNOWN: list[dict[str, tuple[str, str]]] = []  # read once


def short(module: str) -> str:
    return module.replace("twisted.", "").replace(".test.", "/")


def table(rows: list[tuple[Outcome, Outcome | None]]) -> str:
    lines = [
        f"{'module':28} {'passed':>7} {'failed':>6} {'errors':>6} {'skipped':>7} {'rate':>6}"
        f"  {'under Twisted':>15}"
    ]
    total_pass = total_run = 0
    for mine, theirs in rows:
        c = mine.counts()
        rate = f"{100 * mine.passed / mine.run:.1f}%" if mine.run else "-"
        oracle = f"{theirs.passed}/{theirs.run}" if theirs is not None else ""
        if not mine.run and mine.records and mine.module in MODULE_NOTES:
            mine.note = mine.note or "module skipped: " + MODULE_NOTES[mine.module][:60]
        lines.append(
            f"{short(mine.module):28} {mine.passed:>3}/{mine.run:<3} {c['fail'] + c['unexpected']:>6} "
            f"{c['error']:>6} {c['skip']:>7} {rate:>6}  {oracle:>15}"
            + (f"  [{mine.note[:80]}]" if mine.note else "")
        )
        total_pass += mine.passed
        total_run += mine.run
    if total_run:
        lines.append(
            f"{'total':28} {total_pass:>3}/{total_run:<5} "
            f"{'':>20} {100 * total_pass / total_run:.1f}%"
        )
    return "\n".join(lines)


def details(mine: Outcome, theirs: Outcome | None) -> str:
    passing_there = (
        {r["id"] for r in theirs.records if r["status"] in PASSING} if theirs is not None else None
    )
    lines = []
    for r in mine.records:
        if r["status"] in PASSING or r["status"] == "skip":
            continue
        known = classify(r["id"])
        tag = f"[{known[0]}: {known[1]}]" if known else "[unclassified]"
        if passing_there is not None and r["id"] not in passing_there:
            tag += " (does not pass under Twisted either)"
        lines.append(
            f"  {r['status']:5} {r['id']} {tag}\n        {' | '.join(r['error'].splitlines()[:4])[:400]}"
            + (f"\n        at {r['where']}" if r.get("where") else "")
        )
    return "\n".join(lines)


def classification(rows: list[tuple[Outcome, Outcome | None]]) -> str:
    """How many tests that do not pass fall in each class, per module."""
    lines = []
    for mine, _ in rows:
        kinds: Counter[str] = Counter()
        for r in mine.records:
            if r["status"] in PASSING or r["status"] == "skip":
                continue
            known = classify(r["id"])
            kinds[known[0] if known else "unclassified"] += 1
        if kinds:
            lines.append(
                f"  {short(mine.module):28} "
                + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.proof",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("modules", nargs="*", metavar="MODULE")
    parser.add_argument("--oracle", action="store_true", help="also run each on real Twisted")
    parser.add_argument("--details", action="store_true", help="list the tests that do not pass")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--json", type=Path, help="write every outcome to this file")
    parser.add_argument("--test-timeout", type=float, default=30.0)
    options = parser.parse_args(argv)
    modules = [resolve(m) for m in options.modules] or MODULES
    version = twisted_version()
    try:
        src = sdist_src(version, options.cache)
    except SdistUnavailable as e:
        print(f"cannot fetch Twisted's sdist: {e}", file=sys.stderr)
        return 2
    print(f"Twisted {version}'s tests from {src}", flush=True)
    rows: list[tuple[Outcome, Outcome | None]] = []
    for module in modules:
        start = time.monotonic()
        mine = run_module(module, src, test_timeout=options.test_timeout)
        theirs = (
            run_module(module, src, oracle=True, test_timeout=options.test_timeout)
            if options.oracle
            else None
        )
        rows.append((mine, theirs))
        print(
            f"  {short(module)}: {mine.passed}/{mine.run} "
            f"({time.monotonic() - start:.0f} s){' ' + mine.note[:200] if mine.note else ''}",
            flush=True,
        )
        if options.details:
            text = details(mine, theirs)
            if text:
                print(text, flush=True)
    print()
    print(table(rows))
    text = classification(rows)
    if text:
        print("\nNot passing, by class (--details lists each test):")
        print(text)
    if options.json:
        options.json.write_text(
            json.dumps(
                [
                    {"module": m.module, "side": m.side, "note": m.note, "records": m.records}
                    for pair in rows
                    for m in pair
                    if m is not None
                ],
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
