"""SSH user authentication (RFC 4252, RFC 4256): the server and client services.

The server checks credentials through the factory's ``portal`` (``publickey`` with
``ISSHPrivateKey`` checkers, ``password`` with ``IUsernamePassword`` ones) and on success
starts the requested service with the avatar. Requests are answered one at a time, in order;
a client that fails ``attemptsBeforeDisconnect`` times, or takes longer than
``loginTimeout`` seconds, is disconnected.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from typing import Any

from twistio.conch import error, interfaces
from twistio.conch.ssh import keys, service, transport
from twistio.conch.ssh.common import NS, getNS
from twistio.conch.ssh.keys import Key
from twistio.cred import credentials
from twistio.cred.error import UnauthorizedLogin
from twistio.internet import defer
from twistio.internet.defer import Deferred
from twistio.python.failure import Failure

__all__ = [
    "MSG_USERAUTH_BANNER",
    "MSG_USERAUTH_FAILURE",
    "MSG_USERAUTH_INFO_REQUEST",
    "MSG_USERAUTH_INFO_RESPONSE",
    "MSG_USERAUTH_PASSWD_CHANGEREQ",
    "MSG_USERAUTH_PK_OK",
    "MSG_USERAUTH_REQUEST",
    "MSG_USERAUTH_SUCCESS",
    "SSHUserAuthClient",
    "SSHUserAuthServer",
]

_log = logging.getLogger("twistio.conch")

# Message numbers (RFC 4252 section 6): 50-53 for every method; 60 and 61 mean what the method in
# use says: publickey's PK_OK, password's PASSWD_CHANGEREQ, keyboard-interactive's INFO_REQUEST
# and INFO_RESPONSE (RFC 4256).
MSG_USERAUTH_REQUEST, MSG_USERAUTH_FAILURE, MSG_USERAUTH_SUCCESS, MSG_USERAUTH_BANNER = range(50, 54)
MSG_USERAUTH_PK_OK = MSG_USERAUTH_PASSWD_CHANGEREQ = MSG_USERAUTH_INFO_REQUEST = 60
MSG_USERAUTH_INFO_RESPONSE = 61

_MESSAGES = {
    MSG_USERAUTH_REQUEST: "MSG_USERAUTH_REQUEST",
    MSG_USERAUTH_FAILURE: "MSG_USERAUTH_FAILURE",
    MSG_USERAUTH_SUCCESS: "MSG_USERAUTH_SUCCESS",
    MSG_USERAUTH_BANNER: "MSG_USERAUTH_BANNER",
    MSG_USERAUTH_INFO_RESPONSE: "MSG_USERAUTH_INFO_RESPONSE",
    MSG_USERAUTH_PK_OK: "MSG_USERAUTH_PK_OK",
}

# The public key algorithms a server accepts for user keys, best first: no SHA-1.
_STRONG_USER_KEY_ALGORITHMS = [
    b"ssh-ed25519",
    b"ecdsa-sha2-nistp256",
    b"ecdsa-sha2-nistp384",
    b"ecdsa-sha2-nistp521",
    b"sk-ssh-ed25519@openssh.com",
    b"sk-ecdsa-sha2-nistp256@openssh.com",
    b"rsa-sha2-512",
    b"rsa-sha2-256",
]
_MAX_QUEUED_REQUESTS = 8
_MAX_KEYBOARD_INTERACTIVE = 3
_MAX_PROMPT_RESPONSES = 32


class _ReactorClock:
    """Class attribute standing for the clock until one is assigned: the factory's
    ``clock`` if it has one, else the global reactor."""

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        factory = getattr(getattr(obj, "transport", None), "factory", None)
        clock = getattr(factory, "clock", None)
        if clock is not None:
            return clock
        from twistio.internet import reactor

        return reactor


def _algorithm_family(algName: bytes) -> bytes:
    if algName in (b"rsa-sha2-256", b"rsa-sha2-512", b"ssh-rsa"):
        return b"ssh-rsa"
    return algName


class SSHUserAuthServer(service.SSHService):
    """The server side of ``ssh-userauth``.

    twistio differs from Twisted in three defaults: ``loginTimeout`` is 120 seconds
    (Twisted: ten hours), user keys signed with SHA-1 (``ssh-rsa``, ``ssh-dss``) are refused
    (``supportedPublicKeyAlgorithms``), and ``keyboard-interactive`` can serve password
    checkers (a ``Password:`` prompt) when ``keyboardInteractivePassword`` is set.
    """

    name = b"ssh-userauth"
    loginTimeout = 120
    attemptsBeforeDisconnect = 20
    passwordDelay = 1
    clock: Any = _ReactorClock()
    protocolMessages = dict(_MESSAGES)
    interfaceToMethod: dict[Any, bytes] = {
        credentials.ISSHPrivateKey: b"publickey",
        credentials.IUsernamePassword: b"password",
    }
    supportedPublicKeyAlgorithms: list[bytes] = list(_STRONG_USER_KEY_ALGORITHMS)
    keyboardInteractivePassword = False

    def serviceStarted(self) -> None:
        """Note the methods the portal can check and start the login timer."""
        self.authenticatedWith: list[bytes] = []
        self.loginAttempts = 0
        self.user: bytes | None = None
        self.nextService: bytes | None = None
        self.method = b""
        self._pamDeferred: Deferred[Any] | None = None
        self._busy = False
        self._queue: list[bytes] = []
        self._done = False
        self.portal = self.transport.factory.portal
        self.supportedAuthentications: list[bytes] = []
        for iface in self.portal.listCredentialsInterfaces() if self.portal else ():
            method = self.interfaceToMethod.get(iface)
            if method is not None and method not in self.supportedAuthentications:
                self.supportedAuthentications.append(method)
        if b"password" in self.supportedAuthentications:
            # Passwords travel client to server: offered once that direction is encrypted.
            if not self.transport.isEncrypted("in"):
                self.supportedAuthentications.remove(b"password")
            elif self.keyboardInteractivePassword:
                self.supportedAuthentications.append(b"keyboard-interactive")
        self._cancelLoginTimeout: Any = None
        if self.loginTimeout:
            self._cancelLoginTimeout = self.clock.callLater(self.loginTimeout,
                                                            self.timeoutAuthentication)

    def serviceStopped(self) -> None:
        """Stop the login timer."""
        if self._cancelLoginTimeout is not None:
            if self._cancelLoginTimeout.active():
                self._cancelLoginTimeout.cancel()
            self._cancelLoginTimeout = None
        if self._pamDeferred is not None:
            d, self._pamDeferred = self._pamDeferred, None
            d.errback(error.ConchError("connection lost"))

    def timeoutAuthentication(self) -> None:
        """The client took too long to log in: disconnect."""
        self._cancelLoginTimeout = None
        self.transport.sendDisconnect(transport.DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                                      b"you took too long")

    def tryAuth(self, kind: bytes, user: bytes, data: bytes) -> Deferred[Any]:
        """Run ``auth_<kind>`` (dashes as underscores) on the request's method data."""
        _log.debug("%r trying auth %r", user, kind)
        if kind not in self.supportedAuthentications:
            return defer.fail(error.ConchError("unsupported authentication, failing"))
        handler = getattr(self, "auth_" + kind.decode("ascii", "replace").replace("-", "_"), None)
        if handler is None:
            return defer.fail(error.ConchError(f"bad auth type: {kind!r}"))
        result: Deferred[Any] | None = handler(data)
        if result is None:
            return defer.fail(error.ConchError(f"{kind!r} return None instead of a Deferred"))
        return result

    def ssh_USERAUTH_REQUEST(self, packet: bytes) -> Deferred[Any] | None:
        """One authentication request: queued behind the one being checked, if any."""
        if self._done:
            return None  # RFC 4252 section 5.1: requests after success are ignored
        if self._busy:
            if len(self._queue) >= _MAX_QUEUED_REQUESTS:
                self.transport.sendDisconnect(transport.DISCONNECT_PROTOCOL_ERROR,
                                              b"too many pending authentication requests")
                return None
            self._queue.append(packet)
            return None
        user, nextService, method, rest = getNS(packet, 3)
        if user != self.user or nextService != self.nextService:
            self.authenticatedWith = []
        self.user = user
        self.nextService = nextService
        self.method = method
        self._busy = True
        d = self.tryAuth(method, user, rest)
        if d is None:  # a tryAuth that answers nothing: the request fails
            d = defer.fail(error.ConchError("auth returned none"))
        d.addCallback(self._cbFinishedAuth)
        d.addErrback(self._ebMaybeBadAuth)
        d.addErrback(self._ebBadAuth)
        d.addBoth(self._next_request)
        return d

    def _next_request(self, result: object) -> None:
        self._busy = False
        if self._queue and not self._done and not self.transport._disconnected:
            self.ssh_USERAUTH_REQUEST(self._queue.pop(0))

    def _cbFinishedAuth(self, result: tuple[Any, Any, Any]) -> None:
        """Logged in: give the transport the avatar and start the requested service."""
        _interface, avatar, logout = result
        self.transport.avatar = avatar
        self.transport.logoutFunction = logout
        service_cls = self.transport.factory.getService(self.transport, self.nextService)
        if not service_cls:
            raise error.ConchError(f"could not get next service: {self.nextService!r}")
        _log.debug("%r authenticated with %r", self.user, self.method)
        self._done = True
        self._queue = []
        self.transport.sendPacket(MSG_USERAUTH_SUCCESS, b"")
        authenticated = getattr(self.transport, "_authenticated", None)
        if authenticated is not None:
            authenticated()
        self.transport.setService(service_cls())

    def _ebMaybeBadAuth(self, reason: Failure) -> None:
        """Partial success (``NotEnoughAuthentication``): ask for another method."""
        reason.trap(error.NotEnoughAuthentication)
        self.authenticatedWith.append(self.method)
        methods = [m for m in self.supportedAuthentications if m not in self.authenticatedWith]
        self.transport.sendPacket(MSG_USERAUTH_FAILURE, NS(b",".join(methods)) + b"\xff")

    def _ebBadAuth(self, reason: Failure) -> None:
        """Refused: count the attempt, tell the client what it may try."""
        if reason.check(error.IgnoreAuthentication):
            return
        if self.method != b"none":
            _log.debug("%r failed auth %r: %s", self.user, self.method, reason.getErrorMessage())
            if not reason.check(UnauthorizedLogin, error.ConchError, keys.BadKeyError):
                _log.error("Error checking auth for user %r", self.user,
                           exc_info=(reason.type, reason.value, reason.getTracebackObject()))
            self.loginAttempts += 1
            if self.loginAttempts > self.attemptsBeforeDisconnect:
                self.transport.sendDisconnect(
                    transport.DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, b"too many bad auths")
                return
        methods = [m for m in self.supportedAuthentications if m not in self.authenticatedWith]
        self.transport.sendPacket(MSG_USERAUTH_FAILURE, NS(b",".join(methods)) + b"\x00")

    def auth_publickey(self, packet: bytes) -> Deferred[Any]:
        """A public key, with a signature or asking whether the key would be accepted."""
        hasSig = packet[0]
        algName, blob, rest = getNS(packet[1:], 2)
        if algName not in self.supportedPublicKeyAlgorithms:
            return defer.fail(UnauthorizedLogin(f"public key algorithm {algName!r} refused"))
        try:
            pubKey = keys.Key.fromString(blob, type="blob")
        except keys.BadKeyError:
            text = f"Unsupported key type {algName.decode('ascii', 'replace')} or bad key"
            _log.debug(text)
            return defer.fail(UnauthorizedLogin(text))
        if _algorithm_family(algName) != pubKey.sshType():
            return defer.fail(UnauthorizedLogin("key type does not match the algorithm"))
        if hasSig:
            signature = getNS(rest)[0]
            # The signed data holds the "has signature" byte as the client sent it (any
            # non-zero value is true), as OpenSSH's server takes it.
            if getNS(signature)[0] != algName:
                return defer.fail(UnauthorizedLogin("signature algorithm does not match"))
            signed = (NS(self.transport.sessionID) + bytes((MSG_USERAUTH_REQUEST,))
                      + NS(self.user or b"") + NS(self.nextService or b"") + NS(b"publickey")
                      + bytes((hasSig,)) + NS(algName) + NS(blob))
            c = credentials.SSHPrivateKey(self.user or b"", algName, blob, signed, signature)
            login: Deferred[Any] = self.portal.login(c, None, interfaces.IConchUser)
            return login
        c = credentials.SSHPrivateKey(self.user or b"", algName, blob, None, None)
        probe: Deferred[Any] = self.portal.login(c, None, interfaces.IConchUser)
        return probe.addErrback(self._ebCheckKey, packet[1:])

    def _ebCheckKey(self, reason: Failure, packet: bytes) -> Failure:
        """The key would do: tell the client to sign with it (PK_OK)."""
        reason.trap(error.ValidPublicKey)
        self.transport.sendPacket(MSG_USERAUTH_PK_OK, packet)
        return Failure(error.IgnoreAuthentication())

    def auth_password(self, packet: bytes) -> Deferred[Any]:
        """A password (a request to change it is refused)."""
        if packet[0]:
            return defer.fail(error.ConchError("password change is not supported"))
        password = getNS(packet[1:])[0]
        c = credentials.UsernamePassword(self.user, password)
        login: Deferred[Any] = self.portal.login(c, None, interfaces.IConchUser)
        return login.addErrback(self._ebPassword)

    def _ebPassword(self, f: Failure) -> Deferred[Any]:
        """Answer a bad password only after ``passwordDelay`` seconds."""
        d: Deferred[Any] = Deferred()
        self.clock.callLater(self.passwordDelay, d.callback, f)
        return d

    def auth_keyboard_interactive(self, packet: bytes) -> Deferred[Any]:
        """keyboard-interactive (RFC 4256) asking for the password with one prompt."""
        if self._pamDeferred is not None:
            self.transport.sendDisconnect(
                transport.DISCONNECT_PROTOCOL_ERROR,
                b"only one keyboard interactive attempt at a time")
            return defer.fail(error.IgnoreAuthentication())
        d = self._pamConv([(b"Password: ", 1)])

        def answered(responses: list[tuple[bytes, int]]) -> Deferred[Any]:
            if len(responses) != 1:
                raise UnauthorizedLogin("one response expected")
            c = credentials.UsernamePassword(self.user, responses[0][0])
            login: Deferred[Any] = self.portal.login(c, None, interfaces.IConchUser)
            return login.addErrback(self._ebPassword)

        return d.addCallback(answered)

    def _pamConv(self, items: list[tuple[bytes, int]]) -> Deferred[list[tuple[bytes, int]]]:
        """Send prompts (kind 1: hidden, 2: echoed, 3/4: messages); a Deferred of the
        responses as ``(answer, 0)`` pairs."""
        prompts = []
        messages = []
        for text, kind in items:
            if kind in (1, 2):
                prompts.append(NS(text) + (b"\x01" if kind == 2 else b"\x00"))
            else:
                messages.append(text)
        instruction = b"\n".join(messages)
        packet = (NS(b"") + NS(instruction) + NS(b"") + struct.pack(">L", len(prompts))
                  + b"".join(prompts))
        self.transport.sendPacket(MSG_USERAUTH_INFO_REQUEST, packet)
        d: Deferred[list[tuple[bytes, int]]] = Deferred()
        self._pamDeferred = d
        return d

    def ssh_USERAUTH_INFO_RESPONSE(self, packet: bytes) -> None:
        """The answers to a keyboard-interactive request."""
        d, self._pamDeferred = self._pamDeferred, None
        if d is None:
            self.transport.sendDisconnect(transport.DISCONNECT_PROTOCOL_ERROR,
                                          b"unexpected INFO_RESPONSE")
            return
        try:
            (count,) = struct.unpack(">L", packet[:4])
            if count > _MAX_PROMPT_RESPONSES:
                raise ValueError("too many responses")
            rest = packet[4:]
            responses = []
            for _ in range(count):
                answer, rest = getNS(rest)
                responses.append((answer, 0))
        except (struct.error, ValueError):
            d.errback(error.ConchError("malformed INFO_RESPONSE"))
            return
        d.callback(responses)


class SSHUserAuthClient(service.SSHService):
    """The client side of ``ssh-userauth``, logging ``user`` in for service ``instance``.

    Methods are tried in ``preferredOrder`` among those the server offers; subclasses give
    the secrets by overriding ``getPublicKey``, ``getPrivateKey``, ``signData``,
    ``getPassword`` and ``getGenericAnswers``.
    """

    name = b"ssh-userauth"
    protocolMessages = dict(_MESSAGES)
    preferredOrder: list[bytes] = [b"publickey", b"password", b"keyboard-interactive"]

    def __init__(self, user: bytes, instance: service.SSHService) -> None:
        self.user = user
        self.instance = instance

    def serviceStarted(self) -> None:
        """Ask the server which methods it accepts (a ``none`` request)."""
        self.lastAuth = self._lastAlgorithm = b""
        self.lastPublicKey: Key | None = None
        self.triedPublicKeys: list[Key] = []
        self.authenticatedWith: list[bytes] = []
        self.askForAuth(b"none", b"")

    def askForAuth(self, kind: bytes, extraData: bytes) -> None:
        """Send an authentication request of method ``kind``."""
        self.lastAuth = kind
        self.transport.sendPacket(MSG_USERAUTH_REQUEST, NS(self.user) + NS(self.instance.name or b"")
                                  + NS(kind) + extraData)

    def tryAuth(self, kind: bytes) -> Deferred[bool] | None:
        """Try method ``kind`` with ``auth_<kind>``: whether it sent a request."""
        handler = getattr(self, "auth_" + kind.decode("ascii", "replace").replace("-", "_"), None)
        if handler is None:
            return None
        _log.debug("trying to auth with %r", kind)
        result: Deferred[bool] | None = handler()
        return result

    def _ebAuth(self, ignored: object, *args: object) -> None:
        """Getting a secret failed: try the next method (through a ``none`` request)."""
        self.askForAuth(b"none", b"")

    def ssh_USERAUTH_SUCCESS(self, packet: bytes) -> None:
        """Logged in: start the service we asked for."""
        authenticated = getattr(self.transport, "_authenticated", None)
        if authenticated is not None:
            authenticated()
        self.transport.setService(self.instance)

    def ssh_USERAUTH_FAILURE(self, packet: bytes) -> Deferred[Any] | None:
        """Refused: try the next method the server accepts, in our preference order."""
        canContinue, partial = getNS(packet)
        if partial[:1] not in (b"", b"\0"):
            self.authenticatedWith.append(self.lastAuth)

        def rank(method: bytes) -> int:
            order = self.preferredOrder
            return order.index(method) if method in order else len(order)

        methods = sorted((m for m in canContinue.split(b",") if m and m not in
                          self.authenticatedWith), key=rank)
        _log.debug("can continue with: %r", methods)
        return self._cbUserauthFailure(None, iter(methods))

    def _cbUserauthFailure(self, result: object, iterator: Iterator[bytes]) -> Deferred[Any] | None:
        if result:
            return None
        try:
            method = next(iterator)
        except StopIteration:
            self.transport.sendDisconnect(transport.DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                                          b"no more authentication methods available")
            return None
        d = defer.maybeDeferred(self.tryAuth, method)
        d.addCallback(self._cbUserauthFailure, iterator)
        return d

    def ssh_USERAUTH_BANNER(self, packet: bytes) -> None:
        """A banner from the server: logged."""
        message = getNS(packet)[0]
        _log.info("SSH banner: %s", message.decode("utf-8", "replace"))

    def ssh_USERAUTH_PK_OK(self, packet: bytes) -> None:
        """Message 60: PK_OK, PASSWD_CHANGEREQ or INFO_REQUEST, by the method we tried."""
        kind = self.lastAuth.decode("ascii", "replace").replace("-", "_")
        handler = getattr(self, "ssh_USERAUTH_PK_OK_" + kind, None)
        if handler is None:
            # Not expected for the method we tried: give it up and go on (as Twisted does,
            # through a ``none`` request that brings the list of methods left).
            _log.debug("unexpected message 60 for %r", self.lastAuth)
            self.askForAuth(b"none", b"")
            return
        handler(packet)

    def ssh_USERAUTH_PK_OK_publickey(self, packet: bytes) -> None:
        """The server accepts our key: sign the request with it."""
        publicKey = self.lastPublicKey
        if publicKey is None:
            self.askForAuth(b"none", b"")
            return
        algorithm = self._lastAlgorithm or publicKey.sshType()
        signed = (NS(self.transport.sessionID) + bytes((MSG_USERAUTH_REQUEST,)) + NS(self.user)
                  + NS(self.instance.name or b"") + NS(b"publickey") + b"\x01" + NS(algorithm)
                  + NS(publicKey.blob()))
        signing = self.signData(publicKey, signed)
        if signing:
            signing.addCallbacks(self._cbSignedData, self._ebAuth)
        else:
            # No signature for this key: let the server's answer move us on.
            self.askForAuth(b"none", b"")

    def ssh_USERAUTH_PK_OK_password(self, packet: bytes) -> None:
        """The server wants the password changed: ask for the old and the new one."""
        prompt = getNS(packet, 2)[0]
        self._oldPass: bytes | None = None
        self._newPass: bytes | None = None
        d = defer.maybeDeferred(self.getPassword, b"Old Password: ")
        d.addCallbacks(self._setOldPass, self._ebAuth)
        d.addCallback(lambda ignored: self.getPassword(prompt))
        d.addCallbacks(self._setNewPass, self._ebAuth)

    def ssh_USERAUTH_PK_OK_keyboard_interactive(self, packet: bytes) -> None:
        """A keyboard-interactive INFO_REQUEST: answer the prompts."""
        name, instruction, _lang, data = getNS(packet, 3)
        (count,) = struct.unpack(">L", data[:4])
        if count > _MAX_PROMPT_RESPONSES:
            self.transport.sendDisconnect(transport.DISCONNECT_PROTOCOL_ERROR,
                                          b"too many prompts")
            return
        data = data[4:]
        prompts = []
        for _ in range(count):
            prompt, data = getNS(data)
            echo = bool(data[0])
            data = data[1:]
            prompts.append((prompt, echo))
        d = defer.maybeDeferred(self.getGenericAnswers, name, instruction, prompts)
        d.addCallback(self._cbGenericAnswers)
        d.addErrback(self._ebAuth)

    def _cbGenericAnswers(self, responses: list[Any]) -> None:
        data = struct.pack(">L", len(responses))
        for response in responses:
            data += NS(response.encode("utf-8") if isinstance(response, str) else response)
        self.transport.sendPacket(MSG_USERAUTH_INFO_RESPONSE, data)

    def _setOldPass(self, op: bytes) -> None:
        self._oldPass = op

    def _setNewPass(self, np: bytes) -> None:
        op = self._oldPass or b""
        self._oldPass = None
        self.askForAuth(b"password", b"\xff" + NS(op) + NS(np))

    def _cbSignedData(self, signedData: bytes) -> None:
        publicKey = self.lastPublicKey
        if publicKey is None:  # pragma: no cover - set before signing
            return
        algorithm = self._lastAlgorithm or publicKey.sshType()
        self.askForAuth(b"publickey", b"\x01" + NS(algorithm) + NS(publicKey.blob())
                        + NS(signedData))

    def _signature_algorithm(self, publicKey: Key) -> bytes:
        """The algorithm to sign with: for RSA the best SHA-2 one the server lists."""
        if publicKey.type() != "RSA":
            return publicKey.sshType()
        listed = getattr(self.transport, "peerExtensions", {}).get(b"server-sig-algs")
        if listed is None:
            return b"rsa-sha2-256"
        offered = listed.split(b",")
        for algorithm in (b"rsa-sha2-512", b"rsa-sha2-256"):
            if algorithm in offered:
                return algorithm
        return b"ssh-rsa"

    def auth_publickey(self) -> Deferred[bool]:
        """Offer the next public key from ``getPublicKey`` (without a signature first)."""
        d = defer.maybeDeferred(self.getPublicKey)
        return d.addBoth(self._cbGetPublicKey)

    def _cbGetPublicKey(self, publicKey: Key | Failure | None) -> bool:
        if not isinstance(publicKey, keys.Key):
            publicKey = None
        if publicKey is None:
            return False
        self.lastPublicKey = publicKey
        self.triedPublicKeys.append(publicKey)
        self._lastAlgorithm = self._signature_algorithm(publicKey)
        _log.debug("using key of type %r", publicKey.type())
        self.askForAuth(b"publickey", b"\x00" + NS(self._lastAlgorithm) + NS(publicKey.blob()))
        return True

    def auth_password(self) -> bool:
        """Send the password from ``getPassword``."""
        d = self.getPassword()
        if d:
            d.addCallbacks(self._cbPassword, self._ebAuth)
            return True
        return False

    def auth_keyboard_interactive(self) -> bool:
        """Start keyboard-interactive (the server then sends prompts); tried at most
        ``_MAX_KEYBOARD_INTERACTIVE`` times, so that a refusing server cannot loop us."""
        self._kbd_tries = getattr(self, "_kbd_tries", 0) + 1
        if self._kbd_tries > _MAX_KEYBOARD_INTERACTIVE:
            return False
        _log.debug("authing with keyboard-interactive")
        self.askForAuth(b"keyboard-interactive", NS(b"") + NS(b""))
        return True

    def _cbPassword(self, password: bytes) -> None:
        self.askForAuth(b"password", b"\x00" + NS(password))

    def signData(self, publicKey: Key, signData: bytes) -> Deferred[bytes] | None:
        """A Deferred of the signature of ``signData`` with ``publicKey``'s private half
        (from ``getPrivateKey``), or None to give up on this key."""
        key = self.getPrivateKey()
        if not key:
            return None
        return key.addCallback(self._cbSignData, signData)

    def _cbSignData(self, privateKey: Key, signData: bytes) -> bytes:
        return privateKey.sign(signData, self._lastAlgorithm or None)

    def getPublicKey(self) -> Key | None:
        """The next public key to offer, or None when there are no more."""
        return None

    def getPrivateKey(self) -> Deferred[Key]:
        """A Deferred of the private key of the last public key offered."""
        return defer.fail(NotImplementedError())

    def getPassword(self, prompt: bytes | None = None) -> Deferred[bytes]:
        """A Deferred of the password (None or a failure: skip password auth)."""
        return defer.fail(NotImplementedError())

    def getGenericAnswers(self, name: bytes, instruction: bytes,
                          prompts: list[tuple[bytes, bool]]) -> Deferred[list[bytes]]:
        """A Deferred of the answers to keyboard-interactive ``prompts`` ((text, echo))."""
        return defer.fail(NotImplementedError())
