"""Services and applications: Twisted's ``twisted.application`` on twistio."""
