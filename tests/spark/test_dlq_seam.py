"""Seam: bronze's dead letters (``bronze.dead_letters``) as ``dlq show|redrive`` reads them."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.spark.events import RECORDINGS
from wikistream_dagster.dlq.envelope import TRUNCATED, Selection, parse_record
from wikistream_dagster.dlq.redrive import RedriveResult, redrive
from wikistream_dagster.spark_jobs.transforms import bronze as B

pytestmark = pytest.mark.slow
KAFKA_SCHEMA = "value binary, topic string, partition int, offset long, timestamp timestamp"


def test_bronze_dead_letters_read_back_with_their_exact_bytes(spark):
    event = json.loads((RECORDINGS / "eg_revert.ndjson").read_text().splitlines()[0])
    payloads = [
        b"\xff\xfe{",  # invalid UTF-8: kept as base64
        "nope \u00e9".encode(),  # invalid JSON, non-ASCII
        json.dumps(dict(event, timestamp=10_000_000_000_000)).encode(),  # the poison
        b"[" * 70_000,  # more than the 64 KiB bronze keeps
    ]
    rows = [
        (bytearray(p), "raw-events", 1, i, datetime(2024, 1, 1)) for i, p in enumerate(payloads)
    ]
    frame = spark.createDataFrame(rows, KAFKA_SCHEMA)
    out = B.dead_letters(B.parse_kafka(frame), 4).collect()
    letters = sorted(
        (parse_record(r["key"].encode(), r["value"].encode(), 0, 0, 0) for r in out),
        key=lambda d: d.source,
    )
    assert [d.source for d in letters] == [f"kafka://raw-events/1/{i}" for i in range(4)]
    assert {d.writer for d in letters} == {"bronze"}
    assert letters[2].key == event["meta"]["id"] and letters[0].key == "raw-events-1-0"
    assert [d.payload()[0] for d in letters[:3]] == payloads[:3]
    assert letters[3].payload() == (None, TRUNCATED)
    assert letters[0].received() > datetime.fromisoformat("2024-01-01T00:00:00+00:00")
    result = redrive(letters, RedriveResult("d", "r", True), Selection(), 1_000_000, None)
    assert result.redriven == 0 and sum(result.still_invalid.values()) == 3
    assert result.still_invalid["invalid_value"] == 1  # the producer range-checks it too
