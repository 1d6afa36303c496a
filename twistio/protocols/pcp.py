"""Producer-consumer proxies: an object that is a consumer to one producer and a producer
to one consumer, passing data through and holding it while its consumer is paused.

``BasicProducerConsumerProxy`` passes pause and resume straight to its producer;
``ProducerConsumerProxy`` buffers instead, and pauses its producer only once more than
``bufferSize`` is held.
"""

from __future__ import annotations

from typing import Any

from twistio.internet.interfaces import IConsumer, IProducer, implementer

__all__ = ["BasicProducerConsumerProxy", "ProducerConsumerProxy"]


def _joined(chunks: list[Any]) -> Any:
    return chunks[0][:0].join(chunks)  # bytes or str, whichever the writer wrote


@implementer(IProducer, IConsumer)
class BasicProducerConsumerProxy:
    """Sits between ``producer`` (registered with ``registerProducer``) and ``consumer``.

    While paused, writes are held and sent in one write on the next ``resumeProducing``.
    With ``iAmStreaming`` false the proxy is a pull producer to its consumer: a write goes
    through only when a ``resumeProducing`` asked for data (``outstandingPull``).
    """

    consumer: Any = None
    producer: Any = None
    producerIsStreaming: bool | None = None
    iAmStreaming = True
    outstandingPull = False
    paused = False
    stopped = False

    def __init__(self, consumer: Any) -> None:
        self._buffer: list[Any] = []
        if consumer is not None:
            self.consumer = consumer
            consumer.registerProducer(self, self.iAmStreaming)

    # -- as a producer, to the consumer

    def pauseProducing(self) -> None:
        self.paused = True
        if self.producer is not None:
            self.producer.pauseProducing()

    def resumeProducing(self) -> None:
        self.paused = False
        if self._buffer:
            if self.consumer is not None:
                self.consumer.write(_joined(self._buffer))
                self._buffer = []
        elif not self.iAmStreaming:
            self.outstandingPull = True
        if self.producer is not None:
            self.producer.resumeProducing()

    def stopProducing(self) -> None:
        if self.producer is not None:
            self.producer.stopProducing()
        self.consumer = None

    # -- as a consumer, of the producer

    def write(self, data: Any) -> None:
        if self.paused or (not self.iAmStreaming and not self.outstandingPull):
            self._buffer.append(data)
        elif self.consumer is not None:
            self.consumer.write(data)
            self.outstandingPull = False

    def finish(self) -> None:
        """The producer is done: finish the consumer and unregister."""
        if self.consumer is not None:
            self.consumer.finish()
        self.unregisterProducer()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.producer = producer
        self.producerIsStreaming = streaming

    def unregisterProducer(self) -> None:
        self.producer = None
        self.producerIsStreaming = None
        if self.consumer is not None:
            self.consumer.unregisterProducer()

    def __repr__(self) -> str:
        return f"<{self.__class__}@{id(self):x} around {self.consumer}>"


class ProducerConsumerProxy(BasicProducerConsumerProxy):
    """A proxy with a buffer: pausing it holds writes without pausing the producer, until
    more than ``bufferSize`` is held; then the producer is paused until a
    ``resumeProducing`` drains the buffer again."""

    bufferSize = 2**16
    producerPaused = False
    unregistered = False

    def _held(self) -> int:
        return sum(len(chunk) for chunk in self._buffer)

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False
        sent = 0
        if self._buffer:
            data = _joined(self._buffer)
            sent = self._writeSomeData(data)
            self._buffer = [data[sent:]] if sent < len(data) else []
            if sent and not self._buffer and self.unregistered and self.consumer is not None:
                self.consumer.unregisterProducer()
        if not self.iAmStreaming:
            # A pull that this call could not serve from the buffer stays outstanding.
            self.outstandingPull = not sent
        if self.producer is not None:
            if self.producerPaused and self._held() < self.bufferSize:
                self.producerPaused = False
                self.producer.resumeProducing()
            elif self.outstandingPull:
                self.producer.resumeProducing()

    def write(self, data: Any) -> None:
        if self.paused or (not self.iAmStreaming and not self.outstandingPull) or self._buffer:
            self._buffer.append(data)
        elif self.consumer is not None:
            sent = self._writeSomeData(data)
            self.outstandingPull = False
            if sent < len(data):
                self._buffer.append(data[sent:])
        if self.producer is not None and self._held() > self.bufferSize:
            self.producerPaused = True
            self.producer.pauseProducing()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.unregistered = False
        BasicProducerConsumerProxy.registerProducer(self, producer, streaming)
        if not streaming:
            producer.resumeProducing()

    def unregisterProducer(self) -> None:
        self.producer = None
        self.producerIsStreaming = None
        self.unregistered = True
        if not self._buffer and self.consumer is not None:
            self.consumer.unregisterProducer()

    def _writeSomeData(self, data: Any) -> int:
        """Write what the consumer takes of ``data`` (here: all of it, if there is a
        consumer); the number of bytes written."""
        if self.consumer is None:
            return 0
        self.consumer.write(data)
        return len(data)
