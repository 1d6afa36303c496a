"""twistio.protocols.memcache over real TCP, against a small in-process memcached stand-in
(asyncio streams) that keeps values, flags and cas identifiers as memcached does."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from twistio.internet._reactor import AsyncioReactor
from twistio.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twistio.internet.error import ConnectionDone
from twistio.protocols.memcache import ClientError, MemCacheProtocol, NoSuchCommand


class FakeMemcached:
    """Enough of memcached's text protocol for the client's commands."""

    def __init__(self) -> None:
        self.items: dict[bytes, tuple[int, bytes, int]] = {}  # key -> (flags, value, cas)
        self.serial = itertools.count(1)
        self.seen: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := (await reader.readline()).rstrip(b"\r\n"):
                self.seen.append(line)
                if line == b"quit":
                    break
                writer.write(await self.answer(line.split(), reader))
                await writer.drain()
        finally:
            writer.close()

    async def answer(self, words: list[bytes], reader: asyncio.StreamReader) -> bytes:
        verb, args = words[0], words[1:]
        if verb in (b"set", b"add", b"replace", b"append", b"prepend", b"cas"):
            key, flags, length = args[0], int(args[1]), int(args[3])
            data = (await reader.readexactly(length + 2))[:-2]
            present = key in self.items
            if verb == b"cas":
                if not present:
                    return b"NOT_FOUND\r\n"
                if self.items[key][2] != int(args[4]):
                    return b"EXISTS\r\n"
            if (verb == b"add" and present) or (
                verb in (b"replace", b"append", b"prepend") and not present
            ):
                return b"NOT_STORED\r\n"
            if verb == b"append":
                flags, data = self.items[key][0], self.items[key][1] + data
            elif verb == b"prepend":
                flags, data = self.items[key][0], data + self.items[key][1]
            self.items[key] = (flags, data, next(self.serial))
            return b"STORED\r\n"
        if verb in (b"get", b"gets"):
            out = b""
            for key in args:
                if key in self.items:
                    flags, data, cas = self.items[key]
                    out += b"VALUE %s %d %d" % (key, flags, len(data))
                    out += b" %d" % cas if verb == b"gets" else b""
                    out += b"\r\n" + data + b"\r\n"
            return out + b"END\r\n"
        if verb in (b"incr", b"decr"):
            if args[0] not in self.items:
                return b"NOT_FOUND\r\n"
            flags, data, _ = self.items[args[0]]
            step = int(args[1]) if verb == b"incr" else -int(args[1])
            number = max(0, int(data) + step)
            self.items[args[0]] = (flags, b"%d" % number, next(self.serial))
            return b"%d\r\n" % number
        if verb == b"delete":
            return b"DELETED\r\n" if self.items.pop(args[0], None) else b"NOT_FOUND\r\n"
        if verb == b"flush_all":
            self.items.clear()
            return b"OK\r\n"
        if verb == b"version":
            return b"VERSION 1.6.0-fake\r\n"
        if verb == b"stats":
            return b"STAT curr_items %d\r\nSTAT pid 1\r\nEND\r\n" % len(self.items)
        return b"ERROR\r\n"


@pytest.fixture
async def server() -> Any:
    fake = FakeMemcached()
    listening = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
    fake.port = listening.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    yield fake
    listening.close()
    await listening.wait_closed()


async def _connect(port: int) -> MemCacheProtocol:
    reactor: Any = AsyncioReactor()
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    return await connectProtocol(endpoint, MemCacheProtocol())  # type: ignore[no-any-return]


async def test_a_session(server: Any) -> None:
    client = await _connect(server.port)
    try:
        assert await client.set(b"greeting", b"hello", flags=7) is True
        assert await client.get(b"greeting") == (7, b"hello")
        assert await client.add(b"greeting", b"again") is False
        assert await client.append(b"greeting", b" world") is True
        assert await client.prepend(b"greeting", b">> ") is True
        flags, cas, value = await client.get(b"greeting", withIdentifier=True)
        assert (flags, value) == (7, b">> hello world")
        assert await client.checkAndSet(b"greeting", b"new", cas) is True
        assert await client.checkAndSet(b"greeting", b"newer", cas) is False
        assert await client.set(b"n", b"41") is True
        assert await client.increment(b"n") == 42
        assert await client.decrement(b"n", 50) == 0
        assert await client.increment(b"missing") is False
        big = bytes(range(256)) * 1024  # crosses many reads, and holds CRLFs
        assert await client.set(b"big", big) is True
        many = await client.getMultiple([b"greeting", b"big", b"nothing"])
        assert many == {b"greeting": (0, b"new"), b"big": (0, big), b"nothing": (0, None)}
        assert (await client.stats())[b"curr_items"] == b"3"
        assert await client.version() == b"1.6.0-fake"
        assert await client.delete(b"n") is True
        assert await client.delete(b"n") is False
        assert await client.flushAll() is True
        assert await client.get(b"greeting") == (0, None)
        with pytest.raises(ClientError, match="Key too long"):
            await client.get(b"k" * 251)
        with pytest.raises(NoSuchCommand):
            await client._set(b"bogus", b"k", b"v", 0, 0, b"")
    finally:
        client.transport.loseConnection()


async def test_pipelined_commands_and_a_server_that_leaves(server: Any) -> None:
    client = await _connect(server.port)
    pending = [client.set(b"k%d" % i, b"v%d" % i) for i in range(50)]
    pending.append(client.getMultiple([b"k%d" % i for i in range(50)]))
    results = [await d for d in pending]
    assert results[:50] == [True] * 50
    assert results[50] == {b"k%d" % i: (0, b"v%d" % i) for i in range(50)}
    client.sendLine(b"quit")  # the stand-in closes the connection
    lost = client.get(b"k1")
    with pytest.raises(ConnectionDone):
        await asyncio.wait_for(lost.asFuture(asyncio.get_running_loop()), 10)
    with pytest.raises(RuntimeError, match="not connected"):
        await client.get(b"k1")
