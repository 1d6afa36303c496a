"""A real browser against twistio.web.websocket: headless Chromium loads a page (rendered by
twistio.web.template) whose script
opens a WebSocket to the same server, sends text and binary messages, and writes the echoes
into the DOM.

``--dump-dom`` prints the DOM once the page's load event fired. The page holds that event
back with an image (``/gate``) the server answers only when the script, after writing every
echo into the DOM, sends "done" over the WebSocket, so the dump always shows the echoes, and
no sleep or polling is needed. Skipped when Chromium is not installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("wsproto")

from tests.web.test_browser import CHROMIUM, dump_dom  # noqa: E402
from twistio.python.failure import Failure  # noqa: E402
from twistio.web import resource, server  # noqa: E402
from twistio.web.template import Element, TagLoader, raw, renderElement, tags  # noqa: E402
from twistio.web.websocket import WebSocketResource, WebSocketTransport  # noqa: E402

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")

SCRIPT = """
var log = document.getElementById("log");
var ws = new WebSocket("ws://" + location.host + "/ws");
ws.binaryType = "arraybuffer";
var expected = 3;
ws.onopen = function () {
  document.getElementById("state").textContent = "open";
  ws.send("hello ☕");
  ws.send("x".repeat(70000));
  ws.send(new Uint8Array([1, 2, 255]).buffer);
};
ws.onmessage = function (ev) {
  var li = document.createElement("li");
  if (typeof ev.data === "string") {
    li.textContent = ev.data.length > 100 ? "long text: " + ev.data.length : "text: " + ev.data;
  } else {
    li.textContent = "binary: " + Array.from(new Uint8Array(ev.data)).join(",");
  }
  log.appendChild(li);
  if (--expected === 0) { ws.send("done"); }
};
ws.onclose = function (ev) {
  document.getElementById("state").textContent = "closed " + ev.code;
};
"""


class Gate(resource.Resource):
    """An image request answered only when ``release`` is called."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.waiting: list[Any] = []
        self.released = False

    def render_GET(self, request: Any) -> bytes | int:
        if self.released:
            return b""
        self.waiting.append(request)
        return server.NOT_DONE_YET

    def release(self) -> None:
        self.released = True
        waiting, self.waiting = self.waiting, []
        for request in waiting:
            request.setHeader(b"content-type", b"image/gif")
            request.finish()


class BrowserEcho:
    transport: WebSocketTransport

    def __init__(self, gate: Gate, seen: list[Any]) -> None:
        self.gate = gate
        self.seen = seen

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        pass

    def pongReceived(self, payload: bytes) -> None:
        pass

    def textMessageReceived(self, message: str) -> None:
        self.seen.append(message)
        if message == "done":
            self.transport.loseConnection(4000)
            self.gate.release()
        else:
            self.transport.sendTextMessage(message)

    def bytesMessageReceived(self, data: bytes) -> None:
        self.seen.append(data)
        self.transport.sendBytesMessage(data)

    def connectionLost(self, reason: Failure) -> None:
        pass


async def test_chromium_websocket_echo(tmp_path: Path) -> None:
    from twistio.internet import reactor

    gate = Gate()
    seen: list[Any] = []

    class Factory:
        def buildProtocol(self, request: Any) -> BrowserEcho:
            return BrowserEcho(gate, seen)

    class Page(resource.Resource):
        """The page is rendered by twistio.web.template (the script as trusted ``raw``)."""

        isLeaf = True

        def render_GET(self, request: Any) -> Any:
            request.setHeader(b"content-type", b"text/html; charset=utf-8")
            page = tags.html(
                tags.head(tags.meta(charset="utf-8"), tags.title("twistio websocket")),
                tags.body(
                    tags.ul(id="log"),
                    tags.p("not connected", id="state"),
                    tags.script(raw(SCRIPT)),
                    tags.img(src="/gate", alt=""),
                ),
            )
            return renderElement(request, Element(TagLoader(page)))

    root = resource.Resource()
    root.putChild(b"", Page())
    root.putChild(b"ws", WebSocketResource(Factory()))
    root.putChild(b"gate", gate)
    port = reactor.listenTCP(0, server.Site(root), interface="127.0.0.1")
    try:
        dom = await dump_dom(f"http://127.0.0.1:{port.getHost().port}/", tmp_path / "profile")
    finally:
        gate.release()
        await port.stopListening()
    assert "<li>text: hello ☕</li>" in dom
    assert "<li>long text: 70000</li>" in dom
    assert "<li>binary: 1,2,255</li>" in dom
    assert seen == ["hello ☕", "x" * 70000, b"\x01\x02\xff", "done"]
