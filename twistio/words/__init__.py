"""Twisted Words on asyncio: IRC (client, server, the in-memory chat service) and XMPP."""
