"""The reactors ``twist --reactor`` and ``twistd -r`` can name (all twistio's asyncio
reactor, under the names Twisted's programs use)."""

from __future__ import annotations

from twistio.application.reactors import Reactor

__all__: list[str] = []

default = Reactor("default", "twistio.internet.default", "A reasonable default: asyncio's loop.")
select = Reactor("select", "twistio.internet.selectreactor", "asyncio's loop (select() name).")
poll = Reactor("poll", "twistio.internet.pollreactor", "asyncio's loop (poll() name).")
epoll = Reactor("epoll", "twistio.internet.epollreactor", "asyncio's loop (epoll() name).")
asyncio = Reactor("asyncio", "twistio.internet.asyncioreactor", "asyncio's event loop.")
# Listed so that --help-reactors shows it, as unavailable: twistio has no IOCP reactor of its
# own (on Windows, asyncio's loop is a proactor on IOCP already).
iocp = Reactor("iocp", "twistio.internet.iocpreactor", "Win32 IO Completion Ports reactor.")
