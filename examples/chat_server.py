"""A multi-user chat server on LineReceiver, written as a Twisted program would be; only the
imports say twistio instead of twisted.

Run: python examples/chat_server.py [port]   (default 8123; 0 picks a free port)
Then connect a few clients (``nc 127.0.0.1 8123``): each one first gives a name, then every
line it sends goes to everybody else; ``/quit`` leaves.
"""

import sys

from twistio.internet import reactor
from twistio.internet.protocol import Factory
from twistio.protocols.basic import LineReceiver


class ChatUser(LineReceiver):
    MAX_LENGTH = 4096  # a chat line, not a file: longer lines close the connection

    def __init__(self, room):
        self.room = room  # name -> ChatUser, shared by every connection
        self.name = None

    def connectionMade(self):
        self.sendLine(b"What's your name?")

    def connectionLost(self, reason):
        if self.name is not None and self.room.get(self.name) is self:
            del self.room[self.name]
            self.broadcast(f"* {self.name} has left".encode())

    def lineReceived(self, line):
        text = line.decode("utf-8", "replace").strip()
        if self.name is None:
            self.join(text)
        elif text == "/quit":
            self.sendLine(b"Bye!")
            self.transport.loseConnection()
        elif text:
            self.broadcast(f"<{self.name}> {text}".encode())

    def join(self, name):
        if not name or " " in name or name.startswith("/"):
            self.sendLine(b"A name is one word, not starting with '/'. What's your name?")
        elif name in self.room:
            self.sendLine(f"{name} is taken. What's your name?".encode())
        else:
            self.name = name
            others = ", ".join(sorted(self.room)) or "nobody yet"
            self.room[name] = self
            self.sendLine(f"Welcome, {name}! Here: {others}. /quit to leave.".encode())
            self.broadcast(f"* {name} has joined".encode())

    def broadcast(self, message):
        for user in self.room.values():
            if user is not self:
                user.sendLine(message)


class ChatFactory(Factory):
    def __init__(self):
        self.room = {}

    def buildProtocol(self, addr):
        return ChatUser(self.room)


def main(argv):
    port = reactor.listenTCP(int(argv[1]) if len(argv) > 1 else 8123, ChatFactory())
    print(f"chat server listening on port {port.getHost().port}", flush=True)
    reactor.run()


if __name__ == "__main__":
    main(sys.argv)
