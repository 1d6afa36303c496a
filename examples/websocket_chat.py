"""A chat room in the browser over WebSockets, served by twistio (needs the ``websocket``
extra: ``pip install twistio[websocket]``).

Run ``python examples/websocket_chat.py [port]`` and open http://localhost:8080/ in two
browser windows: every line typed in one appears in all. With Twisted, only the imports change.

Past one process: with Redis (the ``redis`` extra), every line goes through a Redis channel
and reaches the members connected to any process on any host::

    python examples/websocket_chat.py 8080 redis://127.0.0.1:6379/0
    # or many workers (and the same on other hosts, behind any balancer):
    cd examples && CHAT_REDIS=redis://127.0.0.1:6379/0 \
        twistio web --class websocket_chat:ChatRoot --workers 4 --listen tcp:8080
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from twistio.python.failure import Failure
from twistio.web import resource, server
from twistio.web.websocket import WebSocketResource, WebSocketTransport

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>twistio chat</title></head>
<body>
<h1>twistio chat</h1>
<ul id="log"></ul>
<form id="form"><input id="nick" value="guest" size="8"> <input id="text" size="40" autofocus>
<button>Send</button></form>
<script>
var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat");
function show(text) {
  var li = document.createElement("li");
  li.textContent = text;  // textContent: what others type is never parsed as HTML
  document.getElementById("log").appendChild(li);
}
ws.onmessage = function (ev) { var m = JSON.parse(ev.data); show(m.nick + ": " + m.text); };
ws.onclose = function () { show("(disconnected)"); };
document.getElementById("form").onsubmit = function (ev) {
  ev.preventDefault();
  var text = document.getElementById("text");
  ws.send(JSON.stringify({nick: document.getElementById("nick").value, text: text.value}));
  text.value = "";
};
</script>
</body></html>
"""


class ChatRoom:
    """The connected members; builds one ``Member`` per WebSocket connection."""

    def __init__(self) -> None:
        self.members: set[Member] = set()

    def buildProtocol(self, request: Any) -> Member:
        return Member(self)

    def broadcast(self, message: dict[str, str]) -> None:
        text = json.dumps(message)
        for member in list(self.members):
            member.transport.sendTextMessage(text)


class RedisChatRoom(ChatRoom):
    """A room shared by every process subscribed to one Redis channel.

    ``broadcast`` publishes; the subscription delivers each message (ours included) to the
    members connected here. ``ready`` fires once the subscription is in place.
    """

    channel = b"twistio-chat"

    def __init__(self, url: str) -> None:
        from twistio.redis import PubSub

        super().__init__()
        self.pubsub = PubSub(url)
        self.ready = self.pubsub.subscribe(self.channel, self)

    def broadcast(self, message: dict[str, str]) -> None:
        d = self.pubsub.publish(self.channel, json.dumps(message))
        # Redis is down: the members here still hear it, and the log says why.
        d.addErrback(lambda f: (print("chat:", f.getErrorMessage(), file=sys.stderr),
                                ChatRoom.broadcast(self, message)))

    def messageReceived(self, channel: bytes, data: bytes) -> None:
        text = data.decode("utf-8")
        for member in list(self.members):
            member.transport.sendTextMessage(text)

    def subscriptionLost(self, reason: Failure) -> None:
        print("chat: lost Redis, reconnecting:", reason.getErrorMessage(), file=sys.stderr)

    def subscriptionResumed(self) -> None:
        print("chat: Redis is back", file=sys.stderr)


class Member:
    """One browser (or any WebSocket client) in the room."""

    transport: WebSocketTransport

    def __init__(self, room: ChatRoom) -> None:
        self.room = room

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        self.room.members.add(self)

    def textMessageReceived(self, message: str) -> None:
        try:
            data = json.loads(message)
            nick, text = str(data["nick"])[:32], str(data["text"])[:1000]
        except (ValueError, KeyError, TypeError):
            self.transport.loseConnection(1003)  # unsupported data
            return
        self.room.broadcast({"nick": nick, "text": text})

    def bytesMessageReceived(self, data: bytes) -> None:
        self.transport.loseConnection(1003)

    def pongReceived(self, payload: bytes) -> None:
        pass

    def connectionLost(self, reason: Failure) -> None:
        self.room.members.discard(self)


class Page(resource.Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        return PAGE.encode("utf-8")


class ChatRoot(resource.Resource):
    """The chat's resource tree: the page at ``/``, the WebSocket at ``/chat``; the room is
    shared through Redis when ``$CHAT_REDIS`` names a server (``twistio web --class``)."""

    def __init__(self, room: ChatRoom | None = None) -> None:
        super().__init__()
        if room is None:
            url = os.environ.get("CHAT_REDIS")
            room = RedisChatRoom(url) if url else ChatRoom()
        self.room = room
        self.putChild(b"", Page())
        self.putChild(b"chat", WebSocketResource(room))


def make_site(room: ChatRoom | None = None) -> server.Site:
    """A ``Site`` serving ``ChatRoot(room)``."""
    return server.Site(ChatRoot(room if room is not None else ChatRoom()))


if __name__ == "__main__":
    from twistio.internet import reactor

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    room = RedisChatRoom(sys.argv[2]) if len(sys.argv) > 2 else ChatRoom()
    reactor.listenTCP(port, make_site(room))
    reactor.run()
