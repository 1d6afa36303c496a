"""Jabber/XMPP: JIDs, the XMPP stream and its initializers, clients, components, errors."""
