"""The reactor, Deferreds, protocols and transports."""
