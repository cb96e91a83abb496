"""Real recorded events: bronze batch -> silver -> quality -> gold, checked against plain Python.

Bronze is fed the way the stream feeds it (Kafka-shaped rows through the micro-batch writer);
the Kafka path itself is covered by ``test_bronze_kafka.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, date, datetime

import pytest

from tests.spark import events as ref
from tests.spark.conftest import reset_lake
from wikistream_dagster.local import spark_submit
from wikistream_dagster.spark_jobs import medallion_batch, quality_check, runtime, silver_batch
from wikistream_dagster.spark_jobs.bronze_stream import BronzeBatchWriter
from wikistream_dagster.spark_jobs.tables import (
    BRONZE,
    ENTITY_TRENDS,
    HOURLY_STATS,
    QUALITY_HISTORY,
    RISK_SCORES,
    SILVER,
    qualified,
)
from wikistream_dagster.spark_jobs.transforms.bronze import parse_kafka

pytestmark = pytest.mark.slow

KAFKA_SCHEMA = "value binary, topic string, partition int, offset long, timestamp timestamp"
HOUR = "2018-03-07T16"


def kafka_rows(spark, payloads: list[str], first_offset: int = 0):
    rows = [
        (bytearray(p.encode()), "raw-events", 0, first_offset + i, datetime(2024, 1, 1))
        for i, p in enumerate(payloads)
    ]
    return spark.createDataFrame(rows, KAFKA_SCHEMA)


@pytest.fixture(scope="module")
def lines():
    return ref.recorded_lines()


@pytest.fixture(scope="module")
def events(lines):
    return ref.first_by_id(lines)


@pytest.fixture(scope="module")
def run(lake, lines):
    """Run the whole pipeline once over the recordings (plus two malformed records)."""
    reset_lake(lake)
    writer = BronzeBatchWriter(dlq_sink=None)
    writer(parse_kafka(kafka_rows(lake, lines + ["not json", '{"meta": {}}'])), 0)
    first_batch = dict(writer.last)
    writer(parse_kafka(kafka_rows(lake, lines)), 1)  # the same batch replayed
    # silver -> checks -> gold as the automation runs them: one job, one session
    out = medallion_batch.run(lake, runtime.Reporter(None))
    return {
        "bronze": [first_batch, dict(writer.last)],
        "silver": out["silver"],
        "silver_again": silver_batch.run(lake),
        "quality": out["quality"],
        "gold": out["gold"],
        "blocked": out["blocked"],
    }


def test_bronze_holds_each_event_once(lake, run, lines, events):
    first, replay = run["bronze"]
    assert (first["records"], first["dlq"], first["inserted"]) == (len(lines) + 2, 2, len(events))
    assert first["duplicates"] == len(lines) - len(events)
    assert (replay["inserted"], replay["dlq"]) == (0, 0)
    snap = lake.sql(
        f"SELECT summary FROM {qualified(BRONZE)}.snapshots ORDER BY committed_at LIMIT 1"
    ).first()["summary"]
    assert snap["wikistream.batch-id"] == "0" and snap["wikistream.dlq-records"] == "2"

    def hour(e):
        return time.strftime("%Y-%m-%dT%H", time.gmtime(e["timestamp"]))

    # every hour the batch wrote (not just the max event time's); a later copy of an id with
    # another time is deduplicated away but its hour may be listed: recomputed, harmless
    listed = set(snap["wikistream.hours"].split(","))
    assert {hour(e) for e in events.values()} <= listed <= {hour(json.loads(x)) for x in lines}
    assert json.loads(snap["wikistream.kafka-offsets"]) == {
        "raw-events": {"0": [0, len(lines) + 2]}
    }
    ids = lake.table(qualified(BRONZE)).groupBy("event_id").count()
    assert ids.count() == len(events) and ids.where("count > 1").count() == 0


def test_silver_matches_plain_python(lake, run, events):
    s = run["silver"]
    assert s["mode"] == "incremental" and s["rows_read"] == len(events)
    assert s["rows_written"] == len(events) and HOUR in s["hours"]
    assert run["silver_again"]["rows_read"] == 0  # nothing new in bronze: nothing read
    silver = lake.table(qualified(SILVER))
    by_type = {r["type"]: r["count"] for r in silver.groupBy("type").count().collect()}
    assert by_type == dict(__import__("collections").Counter(e["type"] for e in events.values()))
    assert silver.where("is_bot").count() == sum(1 for e in events.values() if e.get("bot"))
    assert silver.where("is_anonymous").count() == sum(
        1 for e in events.values() if ref.is_anonymous(e.get("user"))
    )
    assert silver.where("envelope = 'current'").count() == 3


def test_silver_reads_only_new_bronze_rows(lake, run, lines):
    """A later bronze batch of 5 events: silver reads exactly those 5 (no rescan)."""
    fresh = []
    for i, line in enumerate(lines[:5]):
        e = json.loads(line)
        e["meta"]["id"] = f"later-{i}"
        fresh.append(json.dumps(e))
    writer = BronzeBatchWriter(dlq_sink=None)
    writer(parse_kafka(kafka_rows(lake, fresh, first_offset=10_000)), 2)
    out = silver_batch.run(lake)
    assert (out["rows_read"], out["rows_written"]) == (5, 5)
    assert out["bronze_snapshot_start"] == run["silver"]["bronze_snapshot_end"]
    # a run pinned to an older bronze snapshot (a late schedule tick) has nothing to do
    stale = silver_batch.run(lake, bronze_end=run["silver"]["bronze_snapshot_end"])
    assert stale["rows_read"] == 0
    lake.sql(f"DELETE FROM {qualified(SILVER)} WHERE event_id LIKE 'later-%'")


def test_quality_passes_on_real_events(lake, run, events):
    q = run["quality"]
    assert q["status"] == "passed", [r for r in q["results"] if not r["passed"]]
    assert q["rows"] == len(events)  # every hour the silver run touched
    names = {r["check_name"] for r in q["results"]}
    assert {
        "event_id_complete",
        "event_id_unique",
        "type_known",
        "event_time_not_future",
        "wiki_domain_consistent",
    } <= names
    uniq = next(r for r in q["results"] if r["check_name"] == "event_id_unique")
    assert uniq == uniq | {"metric": "Uniqueness", "value": 1.0, "severity": "ERROR"}
    history = lake.table(qualified(QUALITY_HISTORY)).where(f"run_id = '{q['run_id']}'")
    assert history.count() == len(q["results"])


def test_gold_hourly_stats_match_plain_python(lake, run, events):
    want = ref.hour_stats(events, "wikidatawiki", "2018-03-07", 16)
    got = (
        lake.table(qualified(HOURLY_STATS))
        .where("wiki = 'wikidatawiki' AND event_date = DATE'2018-03-07' AND event_hour = 16")
        .collect()
    )
    assert len(got) == 1
    g = got[0]
    assert want["events"] == 3818 and want["bot_events"] == 2932  # PROVENANCE.md's figures
    for key in (
        "events",
        "edits",
        "new_pages",
        "log_events",
        "bot_events",
        "anonymous_events",
        "distinct_editors",
        "bytes_added",
        "bytes_removed",
    ):
        assert g[key] == want[key], key
    assert g["events_by_type"] == want["events_by_type"]
    assert g["bot_share"] == pytest.approx(want["bot_events"] / want["events"])
    assert g["mean_abs_byte_delta"] == pytest.approx(want["mean_abs_byte_delta"])
    assert g["p95_abs_byte_delta"] == pytest.approx(want["p95_abs_byte_delta"])
    hours = lake.table(qualified(HOURLY_STATS)).select("event_date", "event_hour").distinct()
    assert len(run["gold"]["hours"]) == hours.count()


def test_gold_trends_and_risk_on_real_events(lake, run, events):
    want = ref.hour_stats(events, "wikidatawiki", "2018-03-07", 16)["editor_counts"]
    top = (
        lake.table(qualified(ENTITY_TRENDS))
        .where(
            "entity_type = 'editor' AND event_hour = 16 AND event_date = DATE'2018-03-07' "
            "AND rank = 1"
        )
        .first()
    )
    busiest = max(want.values())
    assert top["events"] == busiest and want[top["entity"]] == busiest
    assert top["score"] == pytest.approx(busiest / (0 + 0 + 1))  # no history: score = count
    risky = {r["event_id"]: r for r in lake.table(qualified(RISK_SCORES)).collect()}
    redacted = ref.redacted_ids(events)  # Q50570219's edits: deleted on 2018-07-22
    assert len(redacted) == 9
    edits = {i for i, e in events.items() if e["type"] in ("edit", "new")} - redacted
    assert set(risky) == edits
    for i in edits:
        e = events[i]
        assert ("anonymous_editor" in risky[i]["reasons"]) == ref.is_anonymous(e.get("user"))
        assert 0.0 <= risky[i]["risk_score"] <= 1.0
    reverts = [i for i in edits if "undo" in (events[i].get("comment") or "").lower()]
    assert reverts and all("revert_comment" in risky[i]["reasons"] for i in reverts)


def test_quality_fails_on_injected_bad_rows(lake, run):
    """Duplicates, an unknown type and a future time in one hour: blocking checks fail."""
    base = lake.table(qualified(SILVER)).where("event_hour = 16").limit(3).collect()
    bad_hour = (date(2018, 3, 8), 0)
    future = datetime(2100, 1, 1, tzinfo=UTC)
    rows = []
    for i, r in enumerate(base):
        d = r.asDict() | {"event_date": bad_hour[0], "event_hour": bad_hour[1]}
        rows.append(d | {"event_id": "dup"})
        if i == 0:
            rows.append(d | {"event_id": "odd-type", "type": "bogus"})
            rows.append(d | {"event_id": "future", "event_time": future})
    lake.createDataFrame(rows, lake.table(qualified(SILVER)).schema).writeTo(
        qualified(SILVER)
    ).append()
    q = quality_check.run(lake, [bad_hour])
    failed = {r["check_name"] for r in q["results"] if not r["passed"]}
    assert q["status"] == "failed" and q["rows"] == 5
    assert {"event_id_unique", "type_known", "event_time_not_future"} <= failed
    assert "event_id_complete" not in failed
    uniq = next(r for r in q["results"] if r["check_name"] == "event_id_unique")
    assert uniq["value"] == pytest.approx(2 / 5)  # Deequ: rows whose id occurs once / rows
    hist = (
        lake.table(qualified(QUALITY_HISTORY))
        .where(f"run_id = '{q['run_id']}' AND status = 'failed' AND blocking")
        .count()
    )
    assert hist >= 3


def test_quality_job_exits_non_zero_on_blocking_failure(lake, run, catalog):
    """Through spark-submit, as the CLI and Dagster run it (after the injection above)."""
    rc = spark_submit.run_job(catalog, "quality", ["--hours", "2018-03-08T00"], timeout=300)
    assert rc == 1


def test_medallion_job_writes_no_gold_when_a_blocking_check_fails(lake, run, catalog):
    """Through spark-submit, as Dagster runs it: the injected hour fails its blocking checks,
    so the job exits 1 and gold gains nothing for it; the good hours went through (fixture)."""
    assert run["blocked"] == [] and run["gold"]["tables"][HOURLY_STATS] > 0
    bad = "event_date = DATE '2018-03-08' AND event_hour = 0"
    before = lake.table(qualified(HOURLY_STATS)).where(bad).count()
    rc = spark_submit.run_job(
        catalog, "medallion", ["--stages", "quality,gold", "--hours", "2018-03-08T00"], timeout=300
    )
    assert rc == 1
    assert lake.table(qualified(HOURLY_STATS)).where(bad).count() == before == 0


def test_gold_is_readable_from_another_process(lake, run, catalog):
    """pyiceberg + DuckDB in a fresh interpreter read what Spark wrote (no Spark there)."""
    code = (
        "import sys, json\n"
        "from wikistream_dagster.config import load_settings\n"
        "from wikistream_dagster.query import query_rows\n"
        "s = load_settings()\n"
        'cols, rows = query_rows(s, "SELECT events, bot_events FROM gold.hourly_edit_stats '
        "WHERE wiki = 'wikidatawiki' AND event_date = DATE '2018-03-07' AND event_hour = 16\")\n"
        "print(json.dumps(rows))\n"
        "assert 'pyspark' not in sys.modules\n"
    )
    env = {
        "WIKISTREAM_STATE_DIR": str(catalog.state_dir),
        "WIKISTREAM_CATALOG_PORT": str(catalog.catalog_port),
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ref.ROOT,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [[3818, 2932]]
