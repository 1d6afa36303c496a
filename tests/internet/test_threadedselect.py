"""``_threadedselect.ThreadedSelectReactor``: interleaving the reactor with another loop.

The "foreign" loop here is a queue drained by the test's own thread, as a GUI toolkit's
loop would run the functions given to its call-later function.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import pytest

from twistio.internet import _threadedselect, protocol
from twistio.internet._reactor import AsyncioReactor

Work = Callable[[], None] | None


def drain(gui: queue.Queue[Work], until: Callable[[], bool], limit: int = 10_000) -> int:
    """Run what the reactor hands the "main loop" until ``until()``; the number of passes."""
    passes = 0
    while not until():
        work = gui.get(timeout=10)  # a guard: the reactor hands work well before
        if work is None:
            break
        work()
        passes += 1
        assert passes < limit
    return passes


def interleaved() -> tuple[_threadedselect.ThreadedSelectReactor, queue.Queue[Work], list[str]]:
    reactor = _threadedselect.ThreadedSelectReactor()
    gui: queue.Queue[Work] = queue.Queue()
    events: list[str] = []

    def stopped() -> None:
        events.append("after shutdown")
        gui.put(None)

    reactor.addSystemEventTrigger("after", "shutdown", stopped)
    reactor.interleave(gui.put, installSignalHandlers=False)
    return reactor, gui, events


def test_is_twistios_reactor() -> None:
    assert issubclass(_threadedselect.ThreadedSelectReactor, AsyncioReactor)


def test_interleave_runs_everything_on_the_main_thread() -> None:
    reactor, gui, events = interleaved()
    main = threading.current_thread()
    seen: list[tuple[str, bool]] = []

    class Echo(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            seen.append(("server", threading.current_thread() is main))
            self.transport.write(data)

    class Client(protocol.Protocol):
        def connectionMade(self) -> None:
            self.transport.write(b"hi")

        def dataReceived(self, data: bytes) -> None:
            seen.append((data.decode(), threading.current_thread() is main))
            reactor.callLater(0, reactor.stop)

    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
    protocol.ClientCreator(reactor, Client).connectTCP("127.0.0.1", port.getHost().port)
    drain(gui, lambda: False)
    assert seen == [("server", True), ("hi", True)]
    assert events == ["after shutdown"]
    assert not reactor.running


def test_a_call_scheduled_between_passes_wakes_the_selector_thread() -> None:
    # Nothing else is scheduled: without the wake, the selector thread would wait forever.
    reactor, gui, events = interleaved()
    drain(gui, lambda: reactor.running)
    called: list[bool] = []
    reactor.callLater(0, called.append, True)
    drain(gui, lambda: bool(called))
    assert called == [True]
    reactor.stop()
    drain(gui, lambda: False)
    assert events == ["after shutdown"]


def test_stop_between_passes_ends_the_selector_thread() -> None:
    reactor, gui, events = interleaved()
    drain(gui, lambda: reactor.running)
    reactor.stop()
    drain(gui, lambda: False)
    assert events == ["after shutdown"]
    # The selector thread is told to end once the loop stopped.
    for thread in threading.enumerate():
        if thread.name == "twistio ThreadedSelectReactor selector":
            thread.join(10)
            assert not thread.is_alive()


def test_run_without_interleaving() -> None:
    reactor = _threadedselect.ThreadedSelectReactor()
    reactor.callLater(0, reactor.stop)
    reactor.run(installSignalHandlers=False)
    assert not reactor.running


def test_interleave_inside_a_running_loop_is_refused() -> None:
    import asyncio

    from twistio.internet.error import ReactorAlreadyRunning

    async def main() -> None:
        reactor = _threadedselect.ThreadedSelectReactor()
        with pytest.raises(ReactorAlreadyRunning):
            reactor.interleave(lambda f: None)

    asyncio.run(main())
