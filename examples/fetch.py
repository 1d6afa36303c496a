"""Fetch several URLs concurrently through one connection pool; print status and size.

    python examples/fetch.py https://example.com/ http://127.0.0.1:8080/ ...

Each line is ``STATUS SIZE URL`` (or ``ERR`` and the error); the exit status is 1 if any
fetch failed.
"""

from __future__ import annotations

import sys

from twistio.internet import defer, task
from twistio.web.client import Agent, HTTPConnectionPool, readBody


async def fetch(agent: Agent, url: str) -> bool:
    try:
        response = await agent.request(b"GET", url.encode("ascii"))
        body = await readBody(response)
    except Exception as e:
        print(f"ERR {type(e).__name__}: {e} {url}")
        return False
    print(f"{response.code} {len(body):>8} {url}")
    return True


async def main(reactor: object, *urls: str) -> None:
    pool = HTTPConnectionPool(reactor)
    agent = Agent(reactor, pool=pool)
    results = await defer.gatherResults(
        [defer.Deferred.fromCoroutine(fetch(agent, url)) for url in urls]
    )
    await pool.closeCachedConnections()
    if not all(results):
        raise SystemExit(1)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    task.react(lambda reactor: defer.ensureDeferred(main(reactor, *sys.argv[1:])))
