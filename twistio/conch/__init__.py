"""SSH servers and clients with Twisted Conch's API and layering, on ``cryptography``.

The cryptographic primitives come from ``cryptography`` (and ``bcrypt`` for encrypted
OpenSSH keys): install the ``conch`` extra.
"""

from __future__ import annotations
