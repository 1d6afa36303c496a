"""``DNSServerFactory``: answers DNS queries from authorities, caches and upstream clients.

Serve UDP with ``listenUDP(port, dns.DNSDatagramProtocol(factory))`` and TCP with
``listenTCP(port, factory)``. Queries are answered as Twisted answers them (``aa`` from the
answer records, ``ra`` only when there are clients, the query's ``rd`` not echoed). Where
twistio differs, it follows the RFCs (docs/differences.md):

- an NXDOMAIN from an authority carries the zone's SOA in the authority section and ``aa``
  (RFC 2308), and so does a NOERROR answer with no data from an authority;
- a UDP answer longer than 512 octets (or the query's EDNS payload size, up to 4096) is cut
  there with ``tc`` set, so that clients retry over TCP (Twisted sends it whole);
- replies to other opcodes (NOTIMP) and to queries without a question (REFUSED) are responses
  (``qr`` set; Twisted sends the request back with only the rcode changed);
- a message with ``qr`` set is a response, and is ignored rather than answered;
- a malformed query whose header is readable gets FORMERR (Twisted drops it).
"""

from __future__ import annotations

import time
from typing import Any

from twistio.internet import protocol
from twistio.internet.defer import Deferred
from twistio.names import dns, resolve
from twistio.names.error import AuthoritativeDomainError, DomainError
from twistio.python import log

__all__ = ["DNSServerFactory"]

_UDP_LIMIT = 512
_EDNS_LIMIT = 4096


def _udp_size(message: dns.Message) -> int:
    for rr in message.additional:
        if getattr(rr, "type", None) == dns.OPT:
            return min(max(rr.cls, _UDP_LIMIT), _EDNS_LIMIT)
    return _UDP_LIMIT


class DNSServerFactory(protocol.ServerFactory):
    """The controller of DNS server protocols (UDP and TCP), and the factory of the TCP ones.

    ``resolver`` is a ``ResolverChain`` of ``authorities``, then ``caches``, then ``clients``;
    answers that come from past the authorities are stored in the last cache.
    """

    protocol = dns.DNSProtocol  # type: ignore[assignment]
    cache: Any = None
    _messageFactory = dns.Message

    def __init__(
        self,
        authorities: list[Any] | None = None,
        caches: list[Any] | None = None,
        clients: list[Any] | None = None,
        verbose: int = 0,
    ) -> None:
        resolvers: list[Any] = [*(authorities or ()), *(caches or ()), *(clients or ())]
        self.canRecurse = bool(clients)
        self.resolver = resolve.ResolverChain(resolvers)
        self.verbose = verbose
        if caches:
            self.cache = caches[-1]
        self.connections: list[Any] = []

    def _verboseLog(self, *args: Any, **kwargs: Any) -> None:
        """``log.msg(*args, **kwargs)`` when ``verbose`` is set."""
        if self.verbose:
            log.msg(*args, **kwargs)

    def buildProtocol(self, addr: Any) -> Any:
        """A TCP DNS protocol controlled by this factory."""
        p = self.protocol(self)
        p.factory = self
        return p

    def connectionMade(self, protocol: Any) -> None:
        """Track a TCP connection."""
        self.connections.append(protocol)

    def connectionLost(self, protocol: Any) -> None:
        """Forget a TCP connection."""
        if protocol in self.connections:
            self.connections.remove(protocol)

    def sendReply(self, protocol: Any, message: dns.Message, address: Any) -> None:
        """Send ``message`` over ``protocol`` (to ``address`` over UDP, cut at the size the
        query allows); with ``verbose > 1``, log its records and the time taken."""
        if self.verbose > 1:
            if message.answers or message.authority or message.additional:
                for label, section in (("Answers are", message.answers), ("Authority is", message.authority),
                                       ("Additional is", message.additional)):
                    self._verboseLog(label + " " + " ".join(repr(rr.payload) for rr in section))
            else:
                self._verboseLog("Replying with no answers")
            received = getattr(message, "timeReceived", None)
            if received is not None:
                self._verboseLog(f"Processed query in {time.time() - received:0.3f} seconds")
        if address is None:
            message.maxSize = 0
            protocol.writeMessage(message)
        else:
            limit = getattr(message, "_udpLimit", None)
            if limit is not None:
                message.maxSize = limit
            protocol.writeMessage(message, address)

    def _responseFromMessage(
        self,
        message: dns.Message,
        rCode: int = dns.OK,
        answers: list[Any] | None = None,
        authority: list[Any] | None = None,
        additional: list[Any] | None = None,
    ) -> dns.Message:
        """The response to ``message``: same id, opCode and queries, ``answer`` set."""
        answers = [] if answers is None else answers
        authority = [] if authority is None else authority
        additional = [] if additional is None else additional
        auth = False
        for rr in answers:
            if rr.isAuthoritative():
                auth = True
                break
        else:
            if not answers and rCode in (dns.OK, dns.ENAME):
                for rr in authority:
                    if rr.type == dns.SOA and rr.isAuthoritative():
                        auth = True
                        break
        response: dns.Message = dns._responseFromMessage(
            responseConstructor=self._messageFactory,
            message=message,
            rCode=rCode,
            recAv=self.canRecurse,
            auth=auth,
        )
        response.opCode = message.opCode
        response.maxSize = message.maxSize
        received = getattr(message, "timeReceived", None)
        if received is not None:
            response.timeReceived = received
        # Over UDP the reply is cut at what the query allows (sendReply), after whole records.
        response._udpLimit = _udp_size(message)
        response._wholeRecords = True
        response.answers = answers
        response.authority = authority
        response.additional = additional
        return response

    def gotResolverResponse(
        self, response: Any, protocol: Any, message: dns.Message, address: Any
    ) -> None:
        """Send the resolvers' ``(answers, authority, additional)``; cache it if not ours."""
        ans, auth, add = response
        reply = self._responseFromMessage(
            message=message, rCode=dns.OK, answers=ans, authority=auth, additional=add
        )
        self._verboseLog(f"Lookup found {len(ans) + len(auth) + len(add)} records")
        self.sendReply(protocol, reply, address)
        if self.cache is not None and not reply.auth and message.queries:
            self.cache.cacheResult(message.queries[0], (ans, auth, add))

    def gotResolverError(
        self, failure: Any, protocol: Any, message: dns.Message, address: Any
    ) -> None:
        """Send NXDOMAIN for a name error (with the SOA from an authority), else SERVFAIL."""
        extra: dict[str, Any] = {}
        if failure.check(DomainError, AuthoritativeDomainError):
            rCode = dns.ENAME
            authority = list(getattr(failure.value, "authority", None) or ())
            if authority:
                extra["authority"] = authority
        else:
            rCode = dns.ESERVER
            log.err(failure)
        response = self._responseFromMessage(message=message, rCode=rCode, **extra)
        self.sendReply(protocol, response, address)
        self._verboseLog("Lookup failed")

    def handleQuery(self, message: dns.Message, protocol: Any, address: Any) -> Deferred[Any]:
        """Resolve the first question and reply."""
        d: Deferred[Any] = self.resolver.query(message.queries[0])
        if d.called and not d.paused and type(d.result) is tuple:
            # Answered already (an authority): reply without running a callback chain.
            self.gotResolverResponse(d.result, protocol, message, address)
            return d
        d.addCallback(self.gotResolverResponse, protocol, message, address)
        d.addErrback(self.gotResolverError, protocol, message, address)
        return d

    def _notImplemented(self, message: dns.Message, protocol: Any, address: Any) -> None:
        self.sendReply(protocol, self._responseFromMessage(message, rCode=dns.ENOTIMP), address)

    def handleInverseQuery(self, message: dns.Message, protocol: Any, address: Any) -> None:
        """Inverse queries are not implemented (NOTIMP)."""
        self._verboseLog(f"Inverse query from {address!r}")
        self._notImplemented(message, protocol, address)

    def handleStatus(self, message: dns.Message, protocol: Any, address: Any) -> None:
        """Status requests are not implemented (NOTIMP)."""
        self._verboseLog(f"Status request from {address!r}")
        self._notImplemented(message, protocol, address)

    def handleNotify(self, message: dns.Message, protocol: Any, address: Any) -> None:
        """NOTIFY is not implemented (NOTIMP)."""
        self._verboseLog(f"Notify message from {address!r}")
        self._notImplemented(message, protocol, address)

    def handleOther(self, message: dns.Message, protocol: Any, address: Any) -> None:
        """Other opcodes are not implemented (NOTIMP)."""
        self._verboseLog(f"Unknown op code ({message.opCode}) from {address!r}")
        self._notImplemented(message, protocol, address)

    def allowQuery(self, message: dns.Message, protocol: Any, address: Any) -> bool:
        """Whether to answer ``message`` at all (REFUSED otherwise): it has a question."""
        return len(message.queries) > 0

    def messageReceived(self, message: dns.Message, proto: Any, address: Any = None) -> None:
        """Dispatch a request on its opcode (responses are ignored)."""
        if message.answer:
            return
        message.timeReceived = time.time()
        if self.verbose:
            if not message.queries:
                what = "Empty"
            elif self.verbose > 1:
                what = " ".join(str(q) for q in message.queries)
            else:
                what = " ".join(dns.QUERY_TYPES.get(q.type, "UNKNOWN") for q in message.queries)
            self._verboseLog(f"{what} query from {address!r}")
        if not self.allowQuery(message, proto, address):
            self.sendReply(proto, self._responseFromMessage(message, rCode=dns.EREFUSED), address)
            return
        op = message.opCode
        if op == dns.OP_QUERY:
            self.handleQuery(message, proto, address)
        elif op == dns.OP_INVERSE:
            self.handleInverseQuery(message, proto, address)
        elif op == dns.OP_STATUS:
            self.handleStatus(message, proto, address)
        elif op == dns.OP_NOTIFY:
            self.handleNotify(message, proto, address)
        else:
            self.handleOther(message, proto, address)

    def _malformed(self, data: bytes, proto: Any, address: Any = None) -> None:
        """A query that did not decode: FORMERR if its header is readable and it is a request."""
        if len(data) < 12 or data[2] & 0x80:
            return
        reply = self._messageFactory(
            id=(data[0] << 8) | data[1],
            answer=1,
            opCode=(data[2] >> 3) & 0xF,
            recAv=self.canRecurse,
            rCode=dns.EFORMAT,
        )
        self.sendReply(proto, reply, address)
