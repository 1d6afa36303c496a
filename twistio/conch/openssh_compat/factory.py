"""``OpenSSHFactory``: an SSH server factory using an OpenSSH server's host keys and moduli."""

from __future__ import annotations

import errno
import logging
import os
from typing import Any

from twistio.conch.openssh_compat import primes
from twistio.conch.ssh import factory, keys

__all__ = ["OpenSSHFactory"]

_log = logging.getLogger("twistio.conch")


class OpenSSHFactory(factory.SSHFactory):
    """Host keys from ``ssh_host_*_key`` files in ``dataRoot``, primes from
    ``moduliRoot/moduli``."""

    dataRoot = "/usr/local/etc"
    moduliRoot = "/usr/local/etc"

    def _host_key_files(self, suffix: str) -> list[str]:
        try:
            names = sorted(os.listdir(self.dataRoot))
        except OSError:
            return []
        return [os.path.join(self.dataRoot, name) for name in names
                if name.startswith("ssh_host_") and name.endswith("_key" + suffix)]

    def getPublicKeys(self) -> dict[bytes, Any]:
        """The host public keys, by type."""
        found: dict[bytes, Any] = {}
        for path in self._host_key_files(".pub"):
            try:
                key = keys.Key.fromFile(path)
            except (keys.BadKeyError, OSError) as e:
                _log.warning("bad public key file %s: %s", path, e)
                continue
            found[key.sshType()] = key
        return found

    def getPrivateKeys(self) -> dict[bytes, Any]:
        """The host private keys, by type (files we may not read are skipped)."""
        found: dict[bytes, Any] = {}
        for path in self._host_key_files(""):
            try:
                key = keys.Key.fromFile(path)
            except OSError as e:
                if e.errno == errno.EACCES:
                    _log.warning("no permission to read %s", path)
                    continue
                raise
            except (keys.BadKeyError, keys.EncryptedKeyError) as e:
                _log.warning("bad private key file %s: %s", path, e)
                continue
            found[key.sshType()] = key
        return found

    def getPrimes(self) -> dict[int, list[tuple[int, int]]] | None:
        """The moduli file's primes, or None without one."""
        try:
            return primes.parseModuliFile(os.path.join(self.moduliRoot, "moduli"))
        except OSError:
            return None
