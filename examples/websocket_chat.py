"""A chat room in the browser over WebSockets, served by twistio (needs the ``websocket``
extra: ``pip install twistio[websocket]``).

Run ``python examples/websocket_chat.py [port]`` and open http://localhost:8080/ in two
browser windows: every line typed in one appears in all. With Twisted, only the imports change.
"""

from __future__ import annotations

import json
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


def make_site(room: ChatRoom | None = None) -> server.Site:
    """The chat's resource tree: the page at ``/``, the WebSocket at ``/chat``."""
    root = resource.Resource()
    root.putChild(b"", Page())
    root.putChild(b"chat", WebSocketResource(room if room is not None else ChatRoom()))
    return server.Site(root)


if __name__ == "__main__":
    from twistio.internet import reactor

    reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 8080, make_site())
    reactor.run()
