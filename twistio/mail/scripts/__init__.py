"""Command-line programs of twistio.mail (``mailmail``)."""
