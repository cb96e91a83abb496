"""Helpers for tests against the real broker: isolated topics, reading a topic to its end."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from wikistream_dagster.local.stack import producer_command

ROOT = Path(__file__).resolve().parent.parent
UA = "WikiStream-tests/0.1 (https://example.org/wikistream; tests@example.org)"


def new_topics(bootstrap: str, prefix: str, partitions: int = 3) -> tuple[str, str]:
    """Fresh raw and DLQ topics, so tests sharing one broker never see each other's data."""
    tag = f"{prefix}-{uuid.uuid4().hex[:8]}"
    raw, dlq = f"{tag}-raw", f"{tag}-dlq"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(raw, partitions, 1), NewTopic(dlq, 1, 1)])
    for f in futures.values():
        f.result(30)
    return raw, dlq


def read_topic(bootstrap: str, topic: str, timeout: float = 30.0) -> list:
    """Every message currently in ``topic`` (all partitions, from the beginning)."""
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"t-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts}
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        out, left = [], {p: e for p, e in ends.items() if e > 0}
        import time

        deadline = time.monotonic() + timeout
        while left and time.monotonic() < deadline:
            for m in c.consume(1000, 1.0):
                if m.error():
                    continue
                out.append(m)
                if m.offset() + 1 >= ends[m.partition()]:
                    left.pop(m.partition(), None)
        assert not left, f"could not read {topic} to its end: {left}"
        return out
    finally:
        c.close()


def producer_cmd(url: str, bootstrap: str, state: Path, raw: str, dlq: str, *extra: str) -> list:
    """The producer on fresh topics, quick to back off and to report progress."""
    flags = {"raw_topic": raw, "dlq_topic": dlq, "metrics_port": 0, "backoff_initial": 0.05}
    flags |= {"backoff_max": 0.5, "progress_every": 1}
    return [*producer_command(url, bootstrap, state, UA, **flags), *extra]


def run_producer(*args, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        producer_cmd(*args, **kw),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=dict(os.environ),
    )


def last_summary(stderr: str) -> dict:
    """The producer's final 'producer stopped' JSON log line."""
    import json

    for line in reversed(stderr.splitlines()):
        if '"producer stopped"' in line or '"stopped with undelivered' in line:
            return json.loads(line)
    raise AssertionError(f"no summary line in producer output:\n{stderr[-3000:]}")
