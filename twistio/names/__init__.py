"""Twisted Names on asyncio: DNS wire format, resolvers, and an authoritative server."""
