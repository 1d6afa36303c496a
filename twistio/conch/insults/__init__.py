"""Insults: VT102 terminals, as a server writes to them and a client draws them."""

from __future__ import annotations
