"""Read a topic from its beginning to the end offsets it had when the read started.

assign()+seek only: no consumer group is joined and nothing is committed, so inspecting or
re-driving never moves anyone's position, and records that arrive meanwhile wait for the next run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from wikistream_dagster.dlq.envelope import DeadLetter, parse_record

START_HINT = "start the local broker with `./wikistream kafka start` or pass --bootstrap"


def consumer_config(bootstrap: str, client_conf: dict[str, Any] | None = None) -> dict[str, Any]:
    """A reader that never joins its group (the id is only required by librdkafka)."""
    return {
        "bootstrap.servers": bootstrap,
        "client.id": "wikistream-dlq",
        "group.id": f"wikistream-dlq-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "fetch.message.max.bytes": 4 * 1024 * 1024,
        "log_level": 0,  # no librdkafka retry chatter: failures surface as our own errors
        **(client_conf or {}),
    }


def topic_partitions(client: Any, bootstrap: str, topic: str, timeout: float = 10.0) -> list[int]:
    """The partitions of ``topic``; a clear error if the broker or the topic is missing."""
    from confluent_kafka import KafkaException

    try:
        meta = client.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise RuntimeError(f"Kafka at {bootstrap} does not answer ({exc}): {START_HINT}") from exc
    tmeta = meta.topics.get(topic)
    if tmeta is None or tmeta.error is not None:
        raise RuntimeError(
            f"topic {topic!r} does not exist on {bootstrap}: create the topics with "
            "`./wikistream kafka create-topics` (or check the topic name)"
        )
    return sorted(tmeta.partitions)


def read_dead_letters(
    bootstrap: str,
    topic: str,
    client_conf: dict[str, Any] | None = None,
    idle_timeout: float = 30.0,
) -> Iterator[DeadLetter]:
    """Every record of ``topic`` up to its end offsets at start, as dead letters, streamed.

    Raises RuntimeError when the broker stops delivering for ``idle_timeout`` seconds before
    the end is reached (a partial read would give wrong counts).
    """
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    consumer = Consumer(consumer_config(bootstrap, client_conf))
    try:
        ends: dict[int, int] = {}
        starts = []
        for p in topic_partitions(consumer, bootstrap, topic):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if high > low:  # low: the oldest record retention kept
                ends[p] = high
                starts.append(TopicPartition(topic, p, low))
        consumer.assign(starts)
        last_progress = time.monotonic()
        while ends:
            if time.monotonic() - last_progress > idle_timeout:
                raise RuntimeError(
                    f"reading {topic} on {bootstrap} stalled for {idle_timeout:.0f}s with "
                    f"partitions {sorted(ends)} unfinished: check the broker, then run again"
                )
            for m in consumer.consume(1000, 0.5):
                err = m.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF and m.offset() >= ends.get(
                        m.partition(), 0
                    ):
                        ends.pop(m.partition(), None)
                    continue
                last_progress = time.monotonic()
                p = m.partition()
                if p not in ends or m.offset() >= ends[p]:
                    continue  # arrived after the read started
                yield parse_record(m.key(), m.value(), p, m.offset(), m.timestamp()[1])
                if m.offset() + 1 >= ends[p]:
                    ends.pop(p, None)
    finally:
        consumer.close()
