"""A line protocol under test: it greets, answers ``name X``, and hangs up when idle."""

from twistio.internet import defer, protocol, task


class Greeter(protocol.Protocol):
    idleTimeout = 10.0

    def __init__(self, clock, directory=None):
        self.clock = clock
        self.directory = directory or {}
        self._buffer = b""
        self._idle = None

    def connectionMade(self):
        self.transport.write(b"hello?\r\n")
        self._idle = self.clock.callLater(self.idleTimeout, self.timedOut)

    def dataReceived(self, data):
        self._idle.reset(self.idleTimeout)
        lines = (self._buffer + data).split(b"\r\n")
        self._buffer = lines.pop()
        for line in lines:
            self.lineReceived(line)

    def lineReceived(self, line):
        if line == b"quit":
            self.transport.write(b"bye\r\n")
            self.transport.loseConnection()
        elif line.startswith(b"name "):
            self.transport.write(b"hi " + line[5:] + b"\r\n")
        else:
            self.transport.write(b"what?\r\n")

    def timedOut(self):
        self.transport.write(b"bye (idle)\r\n")
        self.transport.loseConnection()

    def connectionLost(self, reason):
        if self._idle is not None and self._idle.active():
            self._idle.cancel()

    def lookup(self, name):
        """A Deferred of ``name``'s greeting, after a second; KeyError if unknown."""
        if name not in self.directory:
            return defer.fail(KeyError(name))
        return task.deferLater(self.clock, 1, lambda: self.directory[name])


class GreeterFactory(protocol.Factory):
    def __init__(self, clock):
        self.clock = clock

    def buildProtocol(self, addr):
        p = Greeter(self.clock)
        p.factory = self
        return p
