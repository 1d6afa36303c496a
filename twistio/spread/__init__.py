"""Perspective Broker: remote objects, method calls and copies over one connection.

``banana`` encodes s-expressions as bytes, ``jelly`` turns objects into s-expressions and
back (under a security policy), ``flavors`` gives the kinds of objects PB sends (by
reference, by copy, cached), and ``pb`` is the protocol, its factories and the login over
``twistio.cred``. The bytes on the wire are Twisted's, so a twistio peer talks to a Twisted
one.
"""
