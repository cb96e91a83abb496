"""Seed the recent-id windows from the tails of the topics, so that dedup survives kill -9.

After a restart the producer resumes from its saved position minus the rewind margin, so it is
sent again what it had already produced (the unsaved last second, plus the margin). The keys of
``raw-events`` are the meta.ids and those of ``dlq-events`` the dead letters' stable keys: the
last records of every partition are exactly the ids a resume can bring back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from producer_service.dedup import RecentKeys
from producer_service.kafka_sink import msk_iam_config
from producer_service.settings import ProducerSettings

log = logging.getLogger("producer_service")


@dataclass
class SeedResult:
    """Keys oldest first (by record timestamp); ``complete`` False if the time bound hit."""

    keys: list[bytes] = field(default_factory=list)
    partitions: int = 0
    complete: bool = True
    error: str | None = None


def consumer_config(settings: ProducerSettings) -> dict[str, Any]:
    """A reader with no group membership or commits: assign()+seek only."""
    conf: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap_servers,
        "client.id": "wikistream-producer-seed",
        "group.id": f"wikistream-producer-seed-{uuid.uuid4().hex[:8]}",  # never joined
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "fetch.message.max.bytes": 4 * 1024 * 1024,
    }
    if settings.security_protocol == "msk-iam":
        conf.update(msk_iam_config(settings.aws_region))
    conf.update(settings.kafka_config)
    return conf


def read_tail_keys(
    conf: dict[str, Any],
    topic: str,
    per_partition: int,
    timeout: float,
    factory: Callable[[dict], Any] | None = None,
) -> SeedResult:
    """The keys of the last ``per_partition`` records of every partition of ``topic``."""
    if factory is None:
        from confluent_kafka import Consumer as factory  # noqa: N813
    from confluent_kafka import KafkaError, TopicPartition

    deadline = time.monotonic() + timeout
    result = SeedResult()
    consumer = factory(conf)
    try:
        meta = consumer.list_topics(topic, timeout=max(0.1, deadline - time.monotonic()))
        tmeta = meta.topics.get(topic)
        if tmeta is None or tmeta.error is not None:
            result.error = f"topic {topic!r} not readable: {tmeta.error if tmeta else 'missing'}"
            return result
        ends: dict[int, int] = {}
        assign = []
        for p in sorted(tmeta.partitions):
            left = max(0.1, deadline - time.monotonic())
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=left)
            start = max(low, high - per_partition)
            if high > start:
                ends[p] = high
                assign.append(TopicPartition(topic, p, start))
        result.partitions = len(tmeta.partitions)
        if not assign:
            return result
        consumer.assign(assign)
        stamped: list[tuple[int, int, bytes]] = []
        while ends and time.monotonic() < deadline:
            for m in consumer.consume(10_000, min(0.5, max(0.0, deadline - time.monotonic()))):
                err = m.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        ends.pop(m.partition(), None)
                    continue
                if m.key():
                    stamped.append((m.timestamp()[1], m.offset(), m.key()))
                if m.offset() + 1 >= ends.get(m.partition(), 0):
                    ends.pop(m.partition(), None)
        result.complete = not ends
        stamped.sort()
        result.keys = [k for _, _, k in stamped]
        return result
    except Exception as exc:  # a seed is an optimisation: never stop the producer for it
        result.complete = False
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    finally:
        consumer.close()


def seed_windows(settings: ProducerSettings, raw: RecentKeys, dlq: RecentKeys, counters) -> None:
    """Fill both windows from the tails of raw-events and dlq-events; log what it took."""
    conf = consumer_config(settings)
    deadline = time.monotonic() + settings.seed_timeout  # one bound for both topics
    for topic, window in ((settings.raw_topic, raw), (settings.dlq_topic, dlq)):
        started = time.monotonic()
        res = read_tail_keys(conf, topic, window.size, max(1.0, deadline - started))
        window.extend(res.keys)
        took = time.monotonic() - started
        counters.seeded_ids += len(res.keys)
        counters.seed_seconds += took
        info = {
            "topic": topic,
            "seeded_ids": len(res.keys),
            "partitions": res.partitions,
            "seconds": round(took, 3),
        }
        if res.complete and not res.error:
            log.info("dedup window seeded from the topic's tail", extra=info)
        else:
            log.warning(
                "dedup window only partly seeded: events re-sent by the resume may be written "
                "twice (bronze still drops them by id); check the broker or raise --seed-timeout",
                extra={**info, "error": res.error or f"not done in {settings.seed_timeout} s"},
            )


def start_seeding(
    settings: ProducerSettings, raw: RecentKeys, dlq: RecentKeys, counters
) -> asyncio.Future:
    """Seed in a daemon thread (a dead broker must not delay a fatal exit); await the future."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future = loop.create_future()

    def work() -> None:
        try:
            seed_windows(settings, raw, dlq, counters)
        except Exception as exc:  # seed_windows reports its own errors; this is a bug
            log.exception("seeding the dedup windows failed", extra={"error": str(exc)})
        try:
            loop.call_soon_threadsafe(lambda: fut.done() or fut.set_result(None))
        except RuntimeError:  # the loop is gone: the producer already stopped
            pass

    threading.Thread(target=work, name="dedup-seed", daemon=True).start()
    return fut
