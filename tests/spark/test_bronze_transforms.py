"""Kafka records -> bronze rows and dead letters, on small explicit DataFrames."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime

import pytest

from tests.spark.events import RECORDINGS
from wikistream_dagster.spark_jobs.transforms import bronze as B

pytestmark = pytest.mark.slow

KAFKA_SCHEMA = "value binary, topic string, partition int, offset long, timestamp timestamp"
LEGACY = (RECORDINGS / "eg_revert.ndjson").read_text().splitlines()[0]
CURRENT = next(
    x[6:]
    for x in (RECORDINGS / "sse_capture_2022-12-11.sse").read_text().splitlines()
    if x.startswith("data: ")
)


def kafka(spark, payloads: list[bytes], partition: int = 0):
    rows = [
        (bytearray(p), "raw-events", partition, i, datetime(2024, 1, 1))
        for i, p in enumerate(payloads)
    ]
    return spark.createDataFrame(rows, KAFKA_SCHEMA)


def test_both_envelopes_parse_into_bronze_columns(spark):
    rows = {
        r["event_id"]: r
        for r in B.bronze_rows(
            B.parse_kafka(kafka(spark, [LEGACY.encode(), CURRENT.encode()])), 7
        ).collect()
    }
    legacy, current = json.loads(LEGACY), json.loads(CURRENT)
    old = rows[legacy["meta"]["id"]]
    assert old["schema_uri"] == "mediawiki/recentchange/1"
    assert old["stream"] == "eqiad.mediawiki.recentchange"  # 2018: only meta.topic
    assert old["event_time"] == datetime.utcfromtimestamp(legacy["timestamp"])
    assert (old["event_date"], old["event_hour"]) == (
        old["event_time"].date(),
        old["event_time"].hour,
    )
    assert old["title"] == legacy["title"] and old["user"] == legacy["user"]
    assert old["revision_new"] == legacy["revision"]["new"]
    assert old["kafka_topic"] == "raw-events" and old["kafka_offset"] == 0
    assert old["batch_id"] == 7 and json.loads(old["raw_json"]) == legacy
    new = rows[current["meta"]["id"]]
    assert new["schema_uri"] == "/mediawiki/recentchange/1.0.0"
    assert new["stream"] == "mediawiki.recentchange"
    assert new["wiki"] == "commonswiki" and new["domain"] == "commons.wikimedia.org"
    assert (new["event_date"], new["event_hour"]) == (date(2022, 12, 11), 4)
    assert new["length_old"] == 344 and new["length_new"] == 1345 and new["bot"] is True


def test_bad_records_get_the_producers_reason_names(spark):
    good = json.loads(LEGACY)
    no_id = dict(good, meta=dict(good["meta"], id=None))
    no_time = dict(good, timestamp=None, meta=dict(good["meta"], dt=None))
    ancient = dict(good, timestamp=0)
    wrong = dict(good, namespace="main")
    canary = dict(good, meta=dict(good["meta"], domain="canary"))
    payloads = [
        b'{"meta": {"id": "x"',
        b"\xff\xfe not utf-8",
        b"[1, 2, 3]",
        json.dumps(wrong).encode(),
        json.dumps(no_id).encode(),
        json.dumps(no_time).encode(),
        json.dumps(ancient).encode(),
        json.dumps(canary).encode(),
        LEGACY.encode(),
    ]
    got = [
        (r["dlq_reason"], r["dlq_detail"], r["is_canary"])
        for r in B.parse_kafka(kafka(spark, payloads)).orderBy("kafka_offset").collect()
    ]
    assert got == [
        ("invalid_json", None, False),
        ("invalid_utf8", None, False),
        ("not_an_object", None, False),
        ("wrong_type", "does not match the recentchange schema", False),
        ("missing_field", "meta.id", False),
        ("missing_field", "timestamp and meta.dt", False),
        ("invalid_value", "timestamp=0 is outside [2001-01-01T00:00:00Z, now + 24 h]", False),
        (None, None, True),
        (None, None, False),
    ]
    assert B.bronze_rows(B.parse_kafka(kafka(spark, payloads)), 0).count() == 1


def test_dead_letter_envelope(spark):
    parsed = B.parse_kafka(kafka(spark, [b"\xff\xfe{", b"nope"], partition=2))
    letters = [
        (r["key"], json.loads(r["value"]))
        for r in B.dead_letters(parsed, 3).orderBy("key").collect()
    ]
    (k1, bad_utf8), (k2, bad_json) = letters
    assert k1 == "raw-events-2-0" and k2 == "raw-events-2-1"
    assert bad_utf8["reason"] == "invalid_utf8" and bad_utf8["raw_encoding"] == "base64"
    assert base64.b64decode(bad_utf8["raw"]) == b"\xff\xfe{"
    assert bad_json == bad_json | {
        "reason": "invalid_json",
        "raw": "nope",
        "raw_encoding": "utf-8",
        "source": "kafka://raw-events/2/1",
        "kafka_partition": 2,
        "kafka_offset": 1,
        "batch_id": 3,
        "raw_bytes": 4,
        "raw_truncated": False,
        "producer": "wikistream-bronze",
    }
    assert datetime.fromisoformat(bad_json["received_at"]).tzinfo is not None


def test_dedup_keeps_the_first_received_copy(spark):
    event = json.loads(LEGACY)
    later = dict(event, timestamp=event["timestamp"] + 7200)  # a curated copy, other hour
    frame = kafka(spark, [json.dumps(event).encode(), json.dumps(later).encode(), LEGACY.encode()])
    rows = B.dedup(B.bronze_rows(B.parse_kafka(frame), 0)).collect()
    assert len(rows) == 1 and rows[0]["kafka_offset"] == 0
    assert B.hour_partitions(B.bronze_rows(B.parse_kafka(frame), 0)) == sorted(
        {
            (r["event_date"], r["event_hour"])
            for r in B.bronze_rows(B.parse_kafka(frame), 0).collect()
        }
    )


@pytest.fixture(params=["false", "true"], ids=["ansi-off", "ansi-on"])
def ansi(spark, request):
    """Run with spark.sql.ansi.enabled off (Spark 3.5's default) and on (EMR may set it)."""
    before = spark.conf.get("spark.sql.ansi.enabled")
    spark.conf.set("spark.sql.ansi.enabled", request.param)
    yield spark
    spark.conf.set("spark.sql.ansi.enabled", before)


def test_extreme_values_become_dead_letters_or_nulls_never_a_failed_batch(ansi):
    """Issue #10: ``"timestamp": 10000000000000`` threw ``long overflow`` for the whole batch."""
    good = json.loads(LEGACY)
    no_ts = {k: v for k, v in good.items() if k != "timestamp"}
    cases = [
        (dict(good, timestamp=10_000_000_000_000), "invalid_value", "timestamp="),
        (dict(good, timestamp=-10_000_000_000_000), "invalid_value", "timestamp="),
        (dict(good, timestamp=2**63 - 1), "invalid_value", "timestamp="),
        (dict(no_ts, meta=dict(good["meta"], dt="garbage")), "invalid_value", "meta.dt="),
        (
            dict(no_ts, meta=dict(good["meta"], dt="+99999-01-01T00:00:00Z")),
            "invalid_value",
            "meta.dt=",
        ),
        (
            dict(no_ts, meta=dict(good["meta"], dt="1999-01-01T00:00:00Z")),
            "invalid_value",
            "meta.dt=",
        ),
        (dict(good, id=2**63), "invalid_value", "id"),
        (dict(good, revision={"old": 1, "new": -(2**63) - 1}), "invalid_value", "revision.new"),
        (dict(good, namespace=2**40), None, None),  # carried: kept, namespace null
        (dict(good, namespace=-(2**31)), None, None),
        (dict(good, length={"old": -5, "new": 2**63 - 1}), None, None),  # carried as is
        (dict(good, meta=dict(good["meta"], dt="garbage")), None, None),  # timestamp is the time
    ]
    payloads = [json.dumps(e).encode() for e, _, _ in cases]
    got = B.parse_kafka(kafka(ansi, payloads)).orderBy("kafka_offset").collect()
    assert len(got) == len(cases)
    for row, (event, reason, detail) in zip(got, cases, strict=True):
        assert row["dlq_reason"] == reason, (event, row["dlq_detail"])
        if detail:
            assert row["dlq_detail"].startswith(detail), row["dlq_detail"]
    kept = {r["kafka_offset"]: r for r in got if r["dlq_reason"] is None}
    assert kept[8]["namespace"] is None and json.loads(kept[8]["raw_json"])["namespace"] == 2**40
    assert kept[9]["namespace"] == -(2**31)
    assert (kept[10]["length_old"], kept[10]["length_new"]) == (-5, 2**63 - 1)
    assert kept[11]["meta_dt"] is None and kept[11]["event_time"] is not None
    letters = B.dead_letters(B.parse_kafka(kafka(ansi, payloads)), 1).collect()
    assert len(letters) == 8


def test_a_record_without_a_value_is_a_dead_letter(ansi):
    """A Kafka tombstone (null value), e.g. from a compaction tool, is dead-lettered, not lost."""
    frame = ansi.createDataFrame([(None, "raw-events", 0, 0, datetime(2024, 1, 1))], KAFKA_SCHEMA)
    parsed = B.parse_kafka(frame)
    assert [(r["dlq_reason"], r["is_canary"]) for r in parsed.collect()] == [
        ("invalid_json", False)
    ]
    (letter,) = B.dead_letters(parsed, 0).collect()
    envelope = json.loads(letter["value"])
    assert letter["key"] == "raw-events-0-0" and envelope["reason"] == "invalid_json"
    assert envelope.get("raw") is None and envelope["source"] == "kafka://raw-events/0/0"


def test_events_before_the_partition_start_are_dead_lettered_with_a_reason(spark):
    """Issue #11: bronze took event times from 2001 on while Dagster's hourly partitions start
    at 2018-03-07, so an old event made an hour key outside the partition set."""
    good = json.loads(LEGACY)
    start = int(datetime(2018, 3, 7).timestamp() - datetime(1970, 1, 1).timestamp())
    no_ts = {k: v for k, v in good.items() if k != "timestamp"}
    cases = [
        dict(good, timestamp=1_104_537_600),  # 2005-01-01: a valid time, before the partitions
        dict(good, timestamp=start - 1),
        dict(no_ts, meta=dict(good["meta"], dt="2010-06-01T12:00:00Z")),
        dict(good, timestamp=start),  # the first second of the first partition
        good,
    ]
    payloads = [json.dumps(e).encode() for e in cases]
    got = B.parse_kafka(kafka(spark, payloads)).orderBy("kafka_offset").collect()
    assert [r["dlq_reason"] for r in got] == ["event_time_before_partition_start"] * 3 + [None] * 2
    assert got[0]["dlq_detail"] == (
        "timestamp=1104537600 is before the first hour partition 2018-03-07 "
        "(WIKISTREAM_PARTITION_START)"
    )
    assert got[2]["dlq_detail"].startswith("meta.dt=2010-06-01T12:00:00Z is before")
    letters = B.dead_letters(B.parse_kafka(kafka(spark, payloads)), 0).collect()
    assert [json.loads(x["value"])["reason"] for x in letters] == [
        "event_time_before_partition_start"
    ] * 3
    from wikistream_dagster.spark_jobs.hours import PARTITION_START

    assert PARTITION_START.isoformat() == "2018-03-07"
    later = B.parse_kafka(kafka(spark, payloads), partition_start=date(2019, 1, 1)).collect()
    assert {r["dlq_reason"] for r in later} == {"event_time_before_partition_start"}
