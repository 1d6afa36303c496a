"""Tests for the greeter, written as a Twisted project writes them."""

from twistio.internet import defer, reactor, task
from twistio.internet.testing import StringTransport
from twistio.python import log
from twistio.trial import unittest

from .greeter import Greeter, GreeterFactory


class GreeterTests(unittest.TestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.transport = StringTransport()
        self.proto = GreeterFactory(self.clock).buildProtocol(("127.0.0.1", 0))
        self.proto.directory = {"ada": "hi ada, welcome back"}
        self.proto.makeConnection(self.transport)

    def test_greets(self):
        self.assertEqual(self.transport.value(), b"hello?\r\n")

    def test_nameInPieces(self):
        self.transport.clear()
        for byte in b"name bob\r\n":
            self.proto.dataReceived(bytes([byte]))
        self.assertEqual(self.transport.value(), b"hi bob\r\n")

    def test_unknownCommand(self):
        self.transport.clear()
        self.proto.dataReceived(b"dance\r\n")
        self.assertEqual(self.transport.value(), b"what?\r\n")

    def test_quit(self):
        self.proto.dataReceived(b"quit\r\n")
        self.assertTrue(self.transport.disconnecting)

    def test_idleTimeout(self):
        self.clock.advance(9)
        self.assertFalse(self.transport.disconnecting)
        self.proto.dataReceived(b"name x\r\n")
        self.clock.advance(9)
        self.assertFalse(self.transport.disconnecting)
        self.clock.advance(1)
        self.assertTrue(self.transport.disconnecting)
        self.assertTrue(self.transport.value().endswith(b"bye (idle)\r\n"))

    def test_lookupNeedsTime(self):
        d = self.proto.lookup("ada")
        self.assertNoResult(d)
        self.clock.advance(1)
        self.assertEqual(self.successResultOf(d), "hi ada, welcome back")

    def test_lookupUnknown(self):
        failure = self.failureResultOf(self.proto.lookup("eve"), KeyError)
        self.assertEqual(failure.value.args, ("eve",))

    def test_assertFailure(self):
        return self.assertFailure(self.proto.lookup("eve"), KeyError)

    def test_returnsDeferred(self):
        d = task.deferLater(reactor, 0, lambda: "later")
        return d.addCallback(self.assertEqual, "later")

    @defer.inlineCallbacks
    def test_inlineCallbacks(self):
        value = yield task.deferLater(reactor, 0, lambda: 7)
        self.assertEqual(value, 7)

    async def test_coroutine(self):
        value = await task.deferLater(reactor, 0, lambda: 8)
        self.assertEqual(value, 8)

    def test_cleanupDeferred(self):
        fired = []

        def cleanup():
            return task.deferLater(reactor, 0, fired.append, "done")

        self.addCleanup(lambda: self.assertEqual(fired, ["done"]))
        self.addCleanup(cleanup)

    def test_loggedErrorFlushed(self):
        log.err(ValueError("logged on purpose"))
        self.assertEqual(len(self.flushLoggedErrors(ValueError)), 1)

    def test_patch(self):
        self.patch(Greeter, "idleTimeout", 1.0)
        self.assertEqual(Greeter.idleTimeout, 1.0)

    def test_patchUndone(self):
        self.assertEqual(Greeter.idleTimeout, 10.0)

    def test_notYet(self):
        pass

    test_notYet.skip = "not written yet"

    def test_knownBug(self):
        self.proto.dataReceived(b"NAME bob\r\n")
        self.assertEqual(self.transport.value()[-8:], b"hi bob\r\n")

    test_knownBug.todo = "commands are case-sensitive"


class DisconnectionTests(unittest.SynchronousTestCase):
    def test_connectionLostCancelsTimer(self):
        clock = task.Clock()
        proto = Greeter(clock)
        proto.makeConnection(StringTransport())
        self.assertEqual(len(clock.getDelayedCalls()), 1)
        proto.connectionLost(None)
        self.assertEqual(clock.getDelayedCalls(), [])
