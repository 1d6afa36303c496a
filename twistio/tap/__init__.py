"""Command-line service makers at Twisted's ``twisted.tap`` paths (``twisted.tap.ftp``)."""
