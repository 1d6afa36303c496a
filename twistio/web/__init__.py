"""twisted.web on asyncio: the HTTP server (``server``, ``resource``, ``static``), and in time the client."""
