"""twisted.mail's aliases, relay queue, relaying manager and MX lookups as twistio gives
them (twistio.mail.alias, relay, relaymanager), with Twisted's behaviour where it runs."""

from __future__ import annotations

import asyncio
import io
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest

from twistio.internet import defer, task
from twistio.internet.address import IPv4Address, UNIXAddress
from twistio.internet.error import DNSLookupError, ProcessTerminated
from twistio.mail import alias, mail, maildir, relay, relaymanager, smtp
from twistio.names import dns
from twistio.names.error import DNSNameError
from twistio.python import failure, log


def _result(d: defer.Deferred[Any]) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "the Deferred has not fired"
    if isinstance(out[0], failure.Failure):
        out[0].raiseException()
    return out[0]


class _Lines:
    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.eom = False
        self.lost = False

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)

    def eomReceived(self) -> defer.Deferred[str]:
        self.eom = True
        return defer.succeed("done")

    def connectionLost(self) -> None:
        self.lost = True


def test_handle_and_load_alias_file(tmp_path: Path) -> None:
    result: dict[str, list[str]] = {}
    alias.handle(result, "user:  a@host\n", "f", 1)
    alias.handle(result, "user: b@host, c@host", "f", 2)
    alias.handle(result, "prog: |/bin/prog", "f", 3)
    assert result == {"user": ["a@host", "b@host", "c@host"], "prog": ["|/bin/prog"]}
    included = tmp_path / "more"
    included.write_text("x@y, z@w\n")
    text = (b"# comment\n   # indented comment\nlist:  one@a, two@b,\n    three@c, |/bin/true\n\n"
            b"other: :" + str(included).encode() + b", /tmp/afile\n")
    groups = alias.loadAliasFile({"": None}, fp=io.BytesIO(text))
    assert sorted(groups) == ["list", "other"]
    assert len(groups["list"]) == 4 and len(groups["other"]) == 3
    assert "three@c" in str(groups["list"]) and "/bin/true" in str(groups["list"])
    assert {type(a) for a in groups["other"].aliases} == {alias.AddressAlias, alias.FileAlias}


def test_multiwrapper_and_file_alias(tmp_path: Path) -> None:
    receivers = [_Lines(), _Lines()]
    multi = alias.MultiWrapper(receivers)
    for line in (b"one", b"", b"two"):
        multi.lineReceived(line)
    assert [ok for ok, _ in _result(multi.eomReceived())] == [True, True]
    assert all(r.eom and r.lines == [b"one", b"", b"two"] for r in receivers)
    target = tmp_path / "box"
    wrapper = alias.FileAlias(str(target), None, None).createMessageReceiver()
    wrapper.lineReceived(b"hello")
    wrapper.lineReceived("world")
    assert _result(wrapper.eomReceived()) == str(target)
    assert target.read_bytes() == b"hello\nworld\n"
    assert str(wrapper) == f"<FileWrapper {target}>"


class _Domain:
    def __init__(self, aliases: dict[str, Any], users: list[str]) -> None:
        self.aliases = aliases
        self.users = users

    def exists(self, user: Any, memo: Any = None) -> Any:
        local = user.dest.local.decode()
        if local in self.users:
            return lambda: alias.AddressAlias(local, None, None)
        if local in self.aliases:
            found = self.aliases[local].resolve(self.aliases, memo)
            if found:
                return lambda: found
        raise smtp.SMTPBadRcpt(user)


class _QuietProcessAlias(alias.ProcessAlias):
    def spawnProcess(self, proto: Any, program: Any, path: Any) -> None:
        pass


class _QuietGroup(alias.AliasGroup):
    processAliasFactory = _QuietProcessAlias


def test_resolution_follows_aliases_and_stops_at_loops() -> None:
    aliases: dict[str, Any] = {}
    domains = {smtp.DNSNAME: _Domain(aliases, ["user1", "user2"])}
    aliases["group"] = _QuietGroup(["user1", "|echo", "/file"], domains, "group")
    aliases["pointer"] = alias.AddressAlias("group", domains, "pointer")
    aliases["loop1"] = alias.AddressAlias("loop2", domains, "loop1")
    aliases["loop2"] = alias.AddressAlias("loop1", domains, "loop2")
    resolved = aliases["pointer"].resolve(aliases)
    assert sorted(str(o) for o in resolved.objs) == sorted(
        ["<Address user1@" + smtp.DNSNAME.decode() + ">", "<ProcessWrapper echo>", "<FileWrapper /file>"])
    assert aliases["loop1"].resolve(aliases) is None
    both = _QuietGroup(["|echo", "loop1"], domains, "both").resolve(aliases)
    assert [str(o) for o in both.objs] == ["<ProcessWrapper echo>"]


class _StubProcess:
    def __init__(self) -> None:
        self.signals: list[str] = []
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def loseConnection(self) -> None:
        pass

    def signalProcess(self, sig: str) -> None:
        self.signals.append(sig)


def test_process_alias_timeout_and_early_end() -> None:
    clock = task.Clock()
    transport = _StubProcess()
    proto = alias.ProcessAliasProtocol()
    proto.makeConnection(transport)
    receiver = alias.MessageWrapper(proto, "prog", clock)
    receiver.lineReceived(b"line")
    d = receiver.eomReceived()
    clock.advance(receiver.completionTimeout)
    with pytest.raises(alias.ProcessAliasTimeout):
        _result(d)
    assert transport.signals == ["KILL"] and transport.written == [b"line\n"]
    proto.processEnded(failure.Failure(ProcessTerminated(signal=9)))
    other = alias.ProcessAliasProtocol()
    other.makeConnection(_StubProcess())
    early = alias.MessageWrapper(other, "prog", clock)
    other.processEnded(failure.Failure(ProcessTerminated(exitCode=1)))
    with pytest.raises(ProcessTerminated):
        _result(early.eomReceived())


@pytest.mark.skipif(sys.platform == "win32", reason="runs /bin/sh")
async def test_process_alias_feeds_the_program(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = tmp_path / "prog.sh"
    script.write_text(f"#!/bin/sh\ncat > {out}\n")
    script.chmod(0o700)
    receiver = alias.ProcessAlias(str(script), None, None).createMessageReceiver()
    for line in (b"first", b"second"):
        receiver.lineReceived(line)
    result = await asyncio.wait_for(receiver.eomReceived().asFuture(asyncio.get_running_loop()), 10)
    assert result == str(script)
    assert out.read_bytes() == b"first\nsecond\n"


class _User(smtp.User):
    def __init__(self, orig: str, dest: str, peer: Any) -> None:
        self.orig = orig  # type: ignore[assignment]
        self.dest = dest  # type: ignore[assignment]
        self.protocol = type("P", (), {})()
        self.protocol.transport = type("T", (), {"getPeer": staticmethod(lambda: peer)})()


def test_domain_queuer_relays_only_for_local_peers(tmp_path: Path) -> None:
    service = mail.MailService()
    service.setQueue(relaymanager.Queue(str(tmp_path)))
    queuer = relay.DomainQueuer(service)
    local = _User("a@here", "b@there", IPv4Address("TCP", "127.0.0.1", 1))
    factory = queuer.exists(local)
    with pytest.raises(smtp.SMTPBadRcpt):
        queuer.exists(_User("a@here", "b@there", IPv4Address("TCP", "10.1.2.3", 1)))
    assert callable(queuer.exists(_User("a@here", "b@there", UNIXAddress("/sock"))))
    message = factory()
    message.lineReceived(b"body")
    _result(message.eomReceived())
    service.queue.readDirectory()
    [name] = service.queue.getWaiting()
    assert service.queue.getEnvelope(name) == ["a@here", "b@there"]
    assert relay.DomainQueuer(service, authenticated=True).willRelay(None, None)


def test_queue_states_and_relayer(tmp_path: Path) -> None:
    queue = relaymanager.Queue(str(tmp_path))
    queue.noisy = False
    for n in range(3):
        envelope, message = queue.createNewMessage()
        with envelope:
            pickle.dump([f"from-{n}@a", f"to-{n}@b"], envelope)
        message.lineReceived(b"body %d" % n)
        message.eomReceived()
    queue.readDirectory()
    waiting = sorted(queue.getWaiting())
    assert len(waiting) == 3 and queue.hasWaiting()
    queue.setRelaying(waiting[0])
    assert queue.getRelayed() == [waiting[0]] and len(queue.getWaiting()) == 2
    queue.setWaiting(waiting[0])
    relayer = relay.RelayerMixin()
    relayer.loadMessages([queue.getPath(m) for m in waiting])
    assert relayer.getMailFrom() == "from-0@a" and relayer.getMailTo() == ["to-0@b"]
    assert relayer.getMailData().read() == "body 0\n"
    relayer.sentMail(250, None, None, None, None)
    relayer.sentMail(550, None, None, None, None)
    assert relayer.getMailFrom() == "from-2@a"
    assert sorted(os.listdir(tmp_path)) == sorted(f"{m}-{s}" for m in waiting[1:] for s in "DH")
    restored = pickle.loads(pickle.dumps(queue))
    assert sorted(restored.getWaiting()) == waiting[1:]


class _Manager:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def notifySuccess(self, factory: Any, message: Any) -> None:
        self.events.append(("ok", message))

    def notifyFailure(self, factory: Any, message: Any) -> None:
        self.events.append(("fail", message))

    def notifyDone(self, factory: Any) -> None:
        self.events.append(("done", factory))


def test_managed_relayer_reports_to_its_manager() -> None:
    manager = _Manager()
    relayer = relaymanager.ManagedRelayerMixin(manager)
    relayer.messages = [1, 2]
    relayer.names = ["m1", "m2"]
    relayer.factory = "F"
    relayer.sentMail(250, None, None, None, None)
    relayer.sentMail(451, None, None, None, None)
    relayer.connectionLost(None)
    assert manager.events == [("ok", "m1"), ("fail", "m2"), ("done", "F")]


def test_attempt_manager(tmp_path: Path) -> None:
    clock = task.Clock()
    queue = relaymanager.Queue(str(tmp_path))
    queue.noisy = False
    names = []
    for n in range(3):
        envelope, message = queue.createNewMessage()
        with envelope:
            pickle.dump([f"from{n}@a", f"to{n}@b"], envelope)
        message.lineReceived(b"Subject: x")
        message.eomReceived()
    queue.readDirectory()
    names = sorted(queue.getWaiting())
    for name in names:
        queue.setRelaying(name)
    smart = relaymanager.SmartHostSMTPRelayingManager(queue)
    smart.managed["R"] = list(names)
    events: list[dict[str, Any]] = []
    log.addObserver(events.append)
    try:
        quiet = relaymanager._AttemptManager(smart, False, clock)
        done = quiet.getCompletionDeferred()
        quiet.notifySuccess("R", queue.getPath(names[0]))
        quiet.notifyFailure("R", queue.getPath(names[1]))
        assert not events
        quiet.notifyDone("R")
        assert _result(done) is None
    finally:
        log.removeObserver(events.append)
    queue.readDirectory()
    assert names[0] not in queue.getWaiting() and names[1] not in queue.getWaiting()
    assert names[2] in queue.getWaiting()
    bounce = [m for m in queue.getWaiting() if m not in names]
    assert len(bounce) == 1
    assert queue.getEnvelope(bounce[0])[1] in ("from1@a", b"from1@a")
    smart.managed["S"] = [names[2]]
    queue.setRelaying(names[2])
    relaymanager._AttemptManager(smart, True, clock).notifyNoConnection("S")
    assert names[2] not in queue.getWaiting()
    clock.advance(60)
    assert names[2] in queue.getWaiting()


class _Resolver:
    def __init__(self, mx: dict[str, list[Any]], hosts: dict[str, str]) -> None:
        self.mx = mx
        self.hosts = hosts

    def lookupMailExchange(self, name: str) -> defer.Deferred[Any]:
        if name in self.mx:
            return defer.succeed((self.mx[name], [], []))
        return defer.fail(DNSNameError(name))

    def getHostByName(self, name: str) -> defer.Deferred[Any]:
        if name in self.hosts:
            return defer.succeed(self.hosts[name])
        return defer.fail(DNSLookupError(name))


def _mx(owner: str, preference: int, name: str) -> dns.RRHeader:
    return dns.RRHeader(name=owner, type=dns.MX, payload=dns.Record_MX(preference, name))


def _cname(owner: str, name: str) -> dns.RRHeader:
    return dns.RRHeader(name=owner, type=dns.CNAME, payload=dns.Record_CNAME(name))


def test_mx_calculator() -> None:
    clock = task.Clock()
    resolver = _Resolver({"d.test": [_mx("d.test", 2, "b.d.test"), _mx("d.test", 1, "a.d.test")],
                          "alias.test": [_cname("alias.test", "d.test")],
                          "l1.test": [_cname("l1.test", "l2.test"), _cname("l2.test", "l1.test")],
                          "empty.test": []},
                         {"empty.test": "192.0.2.1", "nomx.test": "192.0.2.2"})
    calc = relaymanager.MXCalculator(resolver, clock)
    assert str(_result(calc.getMX("d.test")).name) == "a.d.test"
    calc.markBad("a.d.test")
    assert str(_result(calc.getMX("d.test")).name) == "b.d.test"
    calc.markBad("b.d.test")
    assert str(_result(calc.getMX("d.test")).name) == "a.d.test"
    clock.advance(calc.timeOutBadMX)
    calc.markGood("b.d.test")
    assert str(_result(calc.getMX("d.test")).name) == "a.d.test"
    assert str(_result(calc.getMX("alias.test")).name) == "a.d.test"
    with pytest.raises(relaymanager.CanonicalNameLoop):
        _result(calc.getMX("l1.test"))
    with pytest.raises(relaymanager.CanonicalNameChainTooLong):
        _result(calc.getMX("alias.test", 0))
    assert _result(calc.getMX("empty.test")) == dns.Record_MX(name="192.0.2.1")
    assert _result(calc.getMX("nomx.test")) == dns.Record_MX(name="192.0.2.2")
    with pytest.raises(DNSLookupError):
        _result(calc.getMX("nowhere.test"))
    calc.fallbackToDomain = False
    with pytest.raises(OSError):
        _result(calc.getMX("nowhere.test"))


def test_maildir_append_task_failures_leave_nothing(tmp_path: Path) -> None:
    tmp_path = tmp_path / "box"
    maildir.initializeMaildir(str(tmp_path))
    box = maildir.MaildirMailbox(str(tmp_path))

    class NoSpace(maildir._MaildirMailboxAppendMessageTask):
        def oswrite(self, fh: int, data: Any) -> int:
            raise OSError(28, "no space")

    class NoRename(maildir._MaildirMailboxAppendMessageTask):
        def osrename(self, old: Any, new: Any) -> None:
            raise OSError(1, "not permitted")

    for factory in (NoSpace, NoRename):
        box.AppendFactory = factory
        with pytest.raises(OSError):
            _result(box.appendMessage(b"data"))
        assert os.listdir(tmp_path / "tmp") == [] and os.listdir(tmp_path / "new") == []
    box.AppendFactory = maildir._MaildirMailboxAppendMessageTask
    _result(box.appendMessage(b"kept"))
    assert box.listMessages() == [4]
    clock = task.Clock()
    names = maildir._MaildirNameGenerator(clock)
    first = names.generate()
    clock.advance(0.5)
    assert first < names.generate()


async def test_maildir_append_of_a_file_is_copied_in_chunks(tmp_path: Path) -> None:
    box = maildir.MaildirMailbox(str(tmp_path / "box"))
    data = b"x" * 100_000
    d = box.appendMessage(io.BytesIO(data))
    await asyncio.wait_for(d.asFuture(asyncio.get_running_loop()), 10)
    assert box.getMessage(0).read() == data


def test_file_monitoring_service(tmp_path: Path) -> None:
    target = tmp_path / "aliases"
    target.write_text("a: b\n")
    seen: list[Any] = []
    monitor = mail.FileMonitoringService()
    monitor.monitorFile(str(target), seen.append, 5)
    check = monitor._check
    entry = monitor.files[0]
    check(entry)
    assert seen == []
    os.utime(target, (1, 1))
    check(entry)
    assert seen == [str(target)]
    monitor.unmonitorFile(str(target))
    assert monitor.files == []
    assert isinstance(mail.MailService().monitor, mail.FileMonitoringService)
