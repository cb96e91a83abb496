"""Redaction on a table another writer commits to: the bronze stream, compaction.

Both directions, with real commits landing at the worst moment:
- a redaction committed while a bronze batch is staged does not fail the batch (it adds no
  rows; ``iceberg_publish`` re-stages the MERGE on top of it, as after a compaction);
- a commit that removes a file the UPDATE is rewriting (here: a metadata-only delete through
  Iceberg's Java API, the way compaction replaces files) fails the UPDATE's validation; it is
  planned and run again, a bounded number of times.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.spark import redact_events as ev
from tests.spark.conftest import reset_lake
from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import iceberg, redact_apply
from wikistream_dagster.spark_jobs.bronze_stream import BronzeBatchWriter
from wikistream_dagster.spark_jobs.tables import BRONZE, qualified
from wikistream_dagster.spark_jobs.transforms.bronze import parse_kafka

pytestmark = pytest.mark.slow

REDACT = {S.RUN_ID: "test", S.REDACTION: "page_deleted"}


def _ingest(spark, writer, evs, batch, offset):
    writer(parse_kafka(ev.kafka_rows(spark, evs, offset)), batch)
    return writer.last


@pytest.fixture()
def bronze(lake, tmp_path):
    reset_lake(lake)
    writer = BronzeBatchWriter(None, checkpoint=str(tmp_path / "ckpt"), query_id="q")
    evs = ev.events("qs_batch_with_new_items.ndjson")
    _ingest(lake, writer, evs[:20], 0, 0)  # two batches: two data files in the hour
    _ingest(lake, writer, evs[20:40], 1, 20)
    return writer, evs


def test_a_redaction_during_a_bronze_batch_does_not_fail_the_batch(lake, bronze, monkeypatch):
    writer, evs = bronze
    real_merge = iceberg.merge_insert_new

    def redact_first(spark, *args, **kwargs):
        # After the batch read bronze's head, before its MERGE is staged: the redaction
        # commits to main, as the medallion job's would (its session stages nothing).
        staging = spark.conf.get("spark.wap.id", None)
        spark.conf.unset("spark.wap.id")
        redact_apply.update(spark, BRONZE, "comment = NULL", "event_hour = 16", REDACT)
        spark.conf.set("spark.wap.id", staging)
        return real_merge(spark, *args, **kwargs)

    monkeypatch.setattr(iceberg, "merge_insert_new", redact_first)
    stats = _ingest(lake, writer, evs[40:], 2, 40)
    assert stats["inserted"] == len(evs) - 40
    bronze = lake.table(qualified(BRONZE))
    assert bronze.count() == len(evs)
    old_ids = ", ".join(f"'{e['meta']['id']}'" for e in evs[:40])
    assert bronze.where(f"event_id IN ({old_ids}) AND comment IS NOT NULL").count() == 0


def _conflict_during_update(lake, tmp_path: Path, name: str) -> threading.Thread:
    """Register UDF ``name``: its first call (inside the UPDATE's Spark job, in a Python
    worker) waits until a driver thread has removed one of bronze's data files through
    Iceberg's Java API (metadata only, no Spark job): the UPDATE then commits against a
    snapshot that no longer has a file it rewrites. Files signal across the processes."""
    signal, done = tmp_path / f"{name}.scanning", tmp_path / f"{name}.removed"

    def udf(_: str) -> bool:
        import os
        import time

        try:
            os.close(os.open(signal, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return True
        for _ in range(600):
            if done.exists():
                break
            time.sleep(0.1)
        return True

    lake.udf.register(name, udf, "boolean")

    def remove_a_file():
        for _ in range(600):
            if signal.exists():
                break
            time.sleep(0.1)
        jtable = iceberg._java_table(lake, BRONZE)
        task = jtable.newScan().planFiles().iterator().next()
        jtable.newDelete().deleteFile(task.file()).commit()
        done.touch()

    remover = threading.Thread(target=remove_a_file, daemon=True)
    remover.start()
    return remover


def test_an_update_that_loses_to_a_file_removal_is_run_again(lake, bronze, tmp_path):
    remover = _conflict_during_update(lake, tmp_path, "conflict_once")
    attempts = redact_apply.update(
        lake,
        BRONZE,
        "comment = NULL",
        "conflict_once(event_id) AND event_hour = 16",
        REDACT,
        backoff_s=0.1,
    )
    remover.join(timeout=60)
    assert attempts == 2  # the first met the removal, the second committed
    assert lake.table(qualified(BRONZE)).where("comment IS NOT NULL").count() == 0
    assert lake.table(qualified(BRONZE)).count() > 0


def test_the_retry_is_bounded_and_says_what_to_do(lake, bronze, tmp_path):
    remover = _conflict_during_update(lake, tmp_path, "conflict_first")
    with pytest.raises(redact_apply.RedactConflict, match="failed 1 times.*Fix: run"):
        redact_apply.update(
            lake, BRONZE, "comment = NULL", "conflict_first(event_id)", REDACT, attempts=1
        )
    remover.join(timeout=60)
