"""Property: the bronze transform never fails a batch and accounts for every record, and every
event the producer accepts is one bronze accepts (the two read the limits from one module).

Hypothesis generates a few hundred payloads (generation only: a Spark job per example would take
minutes); one Spark job per ANSI mode then runs the transform over all of them at once, on the
shared local session. A failure names the payload, so it can be added to the unit tests.
"""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from producer_service.events import classify
from producer_service.sse_parser import Frame
from tests.event_strategies import payloads
from wikistream_dagster.spark_jobs.hours import PARTITION_START
from wikistream_dagster.spark_jobs.transforms import bronze as B
from wikistream_dagster.spark_jobs.transforms.bronze_checks import BEFORE_PARTITION_START

pytestmark = pytest.mark.slow

KAFKA_SCHEMA = "value binary, topic string, partition int, offset long, timestamp timestamp"
BATCH = 600


def _generated(n: int) -> list[bytes]:
    out: list[bytes] = []

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(payloads())
    def collect(payload: bytes) -> None:
        out.append(payload)

    collect()
    return out


@pytest.mark.parametrize("ansi", ["false", "true"], ids=["ansi-off", "ansi-on"])
def test_bronze_accounts_for_every_record_and_agrees_with_the_producer(spark, ansi):
    batch = _generated(BATCH)
    verdicts = [classify(Frame("message", p, "[{}]", len(p)), 1_000_000)[0] for p in batch]
    assert sum(v.action == "raw" for v in verdicts) > BATCH // 10  # the agreement is exercised
    before = spark.conf.get("spark.sql.ansi.enabled")
    spark.conf.set("spark.sql.ansi.enabled", ansi)
    try:
        frame = spark.createDataFrame(
            [(bytearray(p), "raw-events", 0, i, datetime(2024, 1, 1)) for i, p in enumerate(batch)],
            KAFKA_SCHEMA,
        )
        parsed = B.parse_kafka(frame).cache()
        rows = parsed.select(
            "kafka_offset", "dlq_reason", "is_canary", "event_id", "event_time"
        ).collect()
        n_rows = B.bronze_rows(parsed, 0).count()
        letters = B.dead_letters(parsed, 0).collect()
        parsed.unpersist()
    finally:
        spark.conf.set("spark.sql.ansi.enabled", before)

    assert sorted(r["kafka_offset"] for r in rows) == list(range(len(batch)))
    valid = [r for r in rows if r["dlq_reason"] is None and not r["is_canary"]]
    dead = [r for r in rows if r["dlq_reason"] is not None]
    canary = [r for r in rows if r["dlq_reason"] is None and r["is_canary"]]
    assert len(valid) + len(dead) + len(canary) == len(batch)
    assert n_rows == len(valid) and len(letters) == len(dead)
    assert all(orjson.loads(x["value"])["reason"] for x in letters)
    assert all(r["event_time"] is not None and r["event_id"] for r in valid)
    by_offset = {r["kafka_offset"]: r for r in rows}
    first_hour = datetime(PARTITION_START.year, PARTITION_START.month, PARTITION_START.day)
    for i, verdict in enumerate(verdicts):
        if verdict.action == "raw":
            row = by_offset[i]
            if row["dlq_reason"] == BEFORE_PARTITION_START:  # a rule of bronze's own (#11)
                assert row["event_time"] < first_hour, (batch[i], row)
                continue
            assert row["dlq_reason"] is None and not row["is_canary"], (batch[i], row)
            assert row["event_id"] == verdict.event_id, batch[i]
