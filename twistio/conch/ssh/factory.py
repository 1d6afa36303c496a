"""``SSHFactory``: builds server transports and holds the host keys, primes and portal."""

from __future__ import annotations

import logging
import random
from typing import Any

from twistio.conch import error
from twistio.conch.ssh import _kex, connection, transport, userauth
from twistio.internet import protocol

__all__ = ["SSHFactory"]

_log = logging.getLogger("twistio.conch")
_UNSET = object()


class SSHFactory(protocol.Factory):
    """The factory of SSH server transports.

    Set ``publicKeys`` and ``privateKeys`` (dicts from key type, e.g. ``b'ssh-ed25519'``, to
    ``Key``; or override ``getPublicKeys``/``getPrivateKeys``), ``portal`` and optionally
    ``primes`` (bits -> [(generator, prime)], for diffie-hellman-group-exchange).

    twistio adds two limits: at most ``max_unauthenticated`` connections may be without a
    logged-in user at a time (more are refused with DISCONNECT_TOO_MANY_CONNECTIONS), and the
    key exchange must be over within ``handshake_timeout`` seconds; ``clock`` (default: the
    reactor) runs the timers.
    """

    protocol = transport.SSHServerTransport
    services: dict[bytes, Any] = {
        b"ssh-userauth": userauth.SSHUserAuthServer,
        b"ssh-connection": connection.SSHConnection,
    }
    max_unauthenticated = 100
    handshake_timeout = 120.0
    clock: Any = None
    portal: Any = None
    publicKeys: dict[bytes, Any]
    privateKeys: dict[bytes, Any]
    _unauthenticated_count = 0

    def startFactory(self) -> None:
        """Load the host keys (and primes) if they were not set, and check there is a key."""
        for attribute, getter in (("publicKeys", self.getPublicKeys),
                                  ("privateKeys", self.getPrivateKeys)):
            if not hasattr(self, attribute):
                setattr(self, attribute, getter())
        if not (self.publicKeys and self.privateKeys):
            raise error.ConchError("no host keys, failing")
        if getattr(self, "primes", _UNSET) is _UNSET:
            self.primes = self.getPrimes()

    def buildProtocol(self, addr: Any) -> Any:
        """A server transport offering the host key types we have keys for."""
        t: Any = protocol.Factory.buildProtocol(self, addr)
        have = set(getattr(self, "privateKeys", None) or ())
        algorithms = []
        for name in t.supportedPublicKeys:
            kind = b"ssh-rsa" if name in (b"rsa-sha2-256", b"rsa-sha2-512") else name
            if kind in have:
                algorithms.append(name)
        t.supportedPublicKeys = algorithms
        if not getattr(self, "primes", None):
            t.supportedKeyExchanges = [
                name for name in t.supportedKeyExchanges
                if (m := _kex.get(name)) is None or m.kind != "gex"
            ]
        return t

    def getPublicKeys(self) -> dict[bytes, Any]:
        """The host public keys by type; set ``publicKeys`` or override this."""
        raise NotImplementedError("SSHFactory needs publicKeys or getPublicKeys()")

    def getPrivateKeys(self) -> dict[bytes, Any]:
        """The host private keys by type; set ``privateKeys`` or override this."""
        raise NotImplementedError("SSHFactory needs privateKeys or getPrivateKeys()")

    def getPrimes(self) -> dict[int, list[tuple[int, int]]] | None:
        """Group exchange primes by size (bits -> [(generator, prime)]); None: no GEX."""
        return None

    def getDHPrime(self, bits: int) -> tuple[int, int]:
        """A (generator, prime) of the size in ``primes`` nearest to ``bits``."""
        primes = getattr(self, "primes", None) or {}
        sizes = sorted(primes, key=lambda size: abs(size - bits))
        if not sizes:
            raise error.ConchError("no primes for group exchange")
        choice: tuple[int, int] = random.choice(primes[sizes[0]])
        return choice

    def getService(self, transport: Any, service: bytes) -> Any:
        """The class of ``service``: userauth always, others once the user logged in."""
        if service == b"ssh-userauth" or hasattr(transport, "avatar"):
            return self.services.get(service)
        return None

    # twistio's bound on connections without a logged-in user.

    def _unauthenticated_started(self, transport: Any) -> bool:
        if self._unauthenticated_count >= self.max_unauthenticated:
            _log.warning("refusing an SSH connection: %d unauthenticated connections",
                         self._unauthenticated_count)
            return False
        self._unauthenticated_count += 1
        return True

    def _unauthenticated_finished(self, transport: Any) -> None:
        self._unauthenticated_count = max(0, self._unauthenticated_count - 1)
