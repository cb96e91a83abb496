"""One medallion writer on real Spark and Iceberg (issue #11 item 3): two silver runs that read
the same pointer at once leave every event once; gold records the silver snapshot it read."""

from __future__ import annotations

import threading

import pytest

from tests.spark import events as ref
from tests.spark.conftest import reset_lake
from tests.spark.test_pipeline import kafka_rows
from wikistream_dagster.contracts import snapshot as pointers
from wikistream_dagster.local.catalog import warehouse_uri
from wikistream_dagster.resources.lake import LakeReader
from wikistream_dagster.spark_jobs import gold_batch, iceberg, silver_batch, silver_pointer
from wikistream_dagster.spark_jobs.bronze_stream import BronzeBatchWriter
from wikistream_dagster.spark_jobs.tables import HOURLY_STATS, SILVER, qualified
from wikistream_dagster.spark_jobs.transforms.bronze import parse_kafka

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lines():
    return ref.recorded_lines()[:60]


def test_overlapping_silver_runs_leave_no_duplicate(lake, lines, monkeypatch, catalog):
    """Both runs read silver's pointer and plan their MERGE before either commits (a barrier
    holds them at the MERGE). Before the fix both appended: every event twice."""
    reset_lake(lake)
    BronzeBatchWriter(dlq_sink=None)(parse_kafka(kafka_rows(lake, lines)), 0)
    barrier = threading.Barrier(2, timeout=300)
    merge = iceberg.merge_insert_new

    def together(spark, *args, **kwargs):
        if spark.sparkContext is not None and args[1] == SILVER:
            barrier.wait()
        return merge(spark, *args, **kwargs)

    monkeypatch.setattr(iceberg, "merge_insert_new", together)
    outcomes: dict[int, object] = {}

    def run(i: int, session) -> None:
        try:
            outcomes[i] = silver_batch.run(session)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcomes[i] = exc

    threads = [
        threading.Thread(target=run, args=(i, s)) for i, s in enumerate([lake, lake.newSession()])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    monkeypatch.undo()

    silver = lake.table(qualified(SILVER))
    rows, distinct = silver.count(), silver.select("event_id").distinct().count()
    assert rows == distinct == len(ref.first_by_id(lines)), outcomes
    failed = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(failed) == 1 and isinstance(failed[0], silver_batch.SilverConflict), outcomes
    assert "another silver writer committed" in str(failed[0])
    # the loser's rows are not lost: they were the winner's; a later run finds nothing new
    assert silver_batch.run(lake)["rows_read"] == 0
    # the loser's staged snapshot stays in the metadata until expiry, but is not a commit:
    # the automation's reader lists main's snapshots only (one silver write)
    staged = lake.sql(f"SELECT snapshot_id FROM {qualified(SILVER)}.snapshots").count()
    reader = LakeReader(uri=catalog.catalog_uri, warehouse=warehouse_uri(catalog))
    listed = reader.snapshots(SILVER)
    assert staged == len(listed) + 1
    assert sum(1 for snap in listed if pointers.hour_list(snap["summary"])) == 1


def test_gold_records_the_silver_snapshot_it_read(lake, lines):
    """The automation's pointers: gold commits carry silver's snapshot, bronze's and the
    settled silver snapshot it was given."""
    current, upto = silver_pointer.head(lake)
    out = gold_batch.run(lake, silver_settled=current)
    assert out["hours"]
    summary = iceberg.current_snapshot(lake, HOURLY_STATS)["summary"]
    assert summary[pointers.SILVER_SNAPSHOT] == str(current)
    assert summary[pointers.SILVER_SETTLED] == str(current)
    assert summary[pointers.BRONZE_SNAPSHOT] == upto
    assert pointers.hour_list(summary) == out["hours"]


def test_a_rebuilt_hour_left_empty_is_named_for_gold(lake, lines):
    """A backfill of an hour that has no rows any more must still send that hour to gold."""
    from datetime import date

    reset_lake(lake)
    BronzeBatchWriter(dlq_sink=None)(parse_kafka(kafka_rows(lake, lines)), 0)
    silver_batch.run(lake)
    silver_batch.run(lake, hours=[(date(2018, 3, 1), 5)])
    summary = iceberg.current_snapshot(lake, SILVER)["summary"]
    assert pointers.hour_list(summary) == ["2018-03-01T05"]
