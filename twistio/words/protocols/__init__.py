"""Chat wire protocols: IRC and Jabber/XMPP."""
