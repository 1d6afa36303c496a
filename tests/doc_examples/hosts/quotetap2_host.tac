"""What ``twistd quote --pb 8787`` does with the TwistedQuotes howto's quotetap2 plugin module.

The howto registers quotetap2 as a twistd plugin (a twisted/plugins entry it does not ship);
this .tac does the same steps twistd does with a plugin: parse its Options, call its
makeService, run the service. Run by tests/doc_examples (catalogue.py) with the howto's
listings folder on PYTHONPATH, so TwistedQuotes and quotetap2 are the unmodified listings.
"""

from TwistedQuotes import quotetap2

from twisted.application import service

options = quotetap2.Options()
options.parseOptions(["--port", "0", "--pb", "8787", "--static", "A quote over PB."])
application = service.Application("quotes")
quotetap2.makeService(options).setServiceParent(application)
