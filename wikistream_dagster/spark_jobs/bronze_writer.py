"""Bronze's ``foreachBatch`` writer: DLQ, deduplicated MERGE on event id, bookkeeping.

Each micro-batch is split into valid rows, dead letters and canaries; dead letters go to
``dlq-events``, valid rows are MERGEd (insert when not matched) into only the hour partitions
the batch touches, with the batch id, Kafka offsets and counts in the snapshot summary. One
writer per checkpoint: a second one stops with ``WriterConflict`` instead of adding rows.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import checkpoint as ckpt
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg
from wikistream_dagster.spark_jobs import iceberg_publish as publish
from wikistream_dagster.spark_jobs.bronze_ledger import Ledger
from wikistream_dagster.spark_jobs.tables import BRONZE, ensure_tables
from wikistream_dagster.spark_jobs.transforms import bronze as B

log = logging.getLogger(__name__)

# What ``checkpoint.writer_conflict`` reads of the table's newest bronze batch snapshot.
_CONFLICT_KEYS = (S.CHECKPOINT, S.QUERY_ID, S.BATCH_ID)


class WriterConflict(RuntimeError):
    """Another bronze writer on the same checkpoint committed: this one must stop."""


class BronzeBatchWriter:
    """The ``foreachBatch`` function; also callable on a static parsed DataFrame (tests).

    One writer per checkpoint: before its MERGE it checks that the table's newest batch is the
    one it expects (``checkpoint.writer_conflict``), and the MERGE commits with Iceberg's
    conflict validation, so a second writer that raced it fails instead of adding rows twice.
    """

    def __init__(
        self,
        dlq_sink: Callable[[DataFrame], None] | None,
        checkpoint: str = "",
        query_id: str | None = None,
    ):
        self.dlq_sink = dlq_sink
        self.checkpoint = checkpoint
        self.query_id = query_id  # the stream's id (from Spark) unless given
        self.last_committed: int | None = None  # batch id of this writer's newest snapshot
        self.totals = {
            "batches": 0,
            "records": 0,
            "inserted": 0,
            "dlq": 0,
            "canary": 0,
            "duplicates": 0,
            "merge_s": 0.0,
        }
        self.phases: dict[str, float] = {}  # seconds per phase, summed over batches
        self.last: dict[str, Any] = {}
        self._table_ready = False
        self._ledger: Ledger | None = None

    def _ledger_for(self, spark: SparkSession) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(spark, self.checkpoint)
        return self._ledger

    def __call__(self, parsed: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        spark = parsed.sparkSession
        if not self._table_ready:
            ensure_tables(spark, BRONZE)
            self._table_ready = True
        parsed = parsed.persist()
        try:
            stats = self._write(spark, parsed, batch_id)
        except Exception as exc:
            self._ledger = None  # re-read from the checkpoint if this writer goes on
            Ledger(spark, self.checkpoint).record_failure(batch_id, exc)
            raise
        finally:
            parsed.unpersist()
        stats["seconds"] = round(time.monotonic() - started, 3)
        self.last = stats
        for key in ("records", "inserted", "dlq", "canary", "duplicates"):
            self.totals[key] += stats[key]
        self.totals["batches"] += 1
        self.totals["merge_s"] = round(self.totals["merge_s"] + stats.get("merge_s", 0.0), 3)
        for key, value in stats.items():
            if key.endswith("_s"):
                self.phases[key] = round(self.phases.get(key, 0.0) + value, 3)
        log.info("bronze batch %s", json.dumps(stats, default=str))

    @staticmethod
    def _facts(parsed: DataFrame) -> dict[str, Any]:
        """One pass over the batch: counts, Kafka offset ranges, hours touched, max event time."""
        valid_row = F.col("dlq_reason").isNull() & ~F.col("is_canary")
        groups = (
            parsed.groupBy(
                F.col("dlq_reason").isNotNull().alias("dlq"),
                "is_canary",
                "kafka_topic",
                "kafka_partition",
                F.when(valid_row, F.to_date("event_time")).alias("day"),
                F.when(valid_row, F.hour("event_time")).alias("hour"),
            )
            .agg(
                F.count(F.lit(1)).alias("n"),
                F.min("kafka_offset").alias("lo"),
                F.max("kafka_offset").alias("hi"),
                F.max("event_time").alias("max_time"),
            )
            .collect()
        )
        offsets: dict[str, dict[str, list[int]]] = {}
        for r in groups:
            span = offsets.setdefault(r["kafka_topic"], {}).setdefault(
                str(r["kafka_partition"]), [r["lo"], r["hi"] + 1]
            )
            span[0], span[1] = min(span[0], r["lo"]), max(span[1], r["hi"] + 1)
        valid = [r for r in groups if r["day"] is not None]
        return {
            "records": sum(r["n"] for r in groups),
            "dlq": sum(r["n"] for r in groups if r["dlq"]),
            "canary": sum(r["n"] for r in groups if r["is_canary"] and not r["dlq"]),
            "valid": sum(r["n"] for r in valid),
            "kafka_offsets": offsets,
            "partitions": sorted({(r["day"], r["hour"]) for r in valid}),
            "max_event_time": max((r["max_time"] for r in valid), default=None),
        }

    def _write(self, spark: SparkSession, parsed: DataFrame, batch_id: int) -> dict[str, Any]:
        t0 = time.monotonic()
        facts = self._facts(parsed)
        facts_s = round(time.monotonic() - t0, 3)
        partitions = facts.pop("partitions")
        valid = facts.pop("valid")
        stats = {
            "batch_id": batch_id,
            **facts,
            "duplicates": 0,
            "inserted": 0,
            "hours": [H.format_hour(h) for h in partitions],
            "facts_s": facts_s,
        }
        if facts["dlq"] and self.dlq_sink is not None:
            t0 = time.monotonic()
            self.dlq_sink(B.dead_letters(parsed, batch_id))
            stats["dlq_s"] = round(time.monotonic() - t0, 3)
        ledger = self._ledger_for(spark)
        if not valid:  # no snapshot: the next one's summary carries these spans
            ledger.add_pending(batch_id, facts)
            return stats
        rows = B.bronze_rows(parsed, batch_id)
        # Counting distinct ids shuffles only the ids; the full dedup sort runs when needed.
        t0 = time.monotonic()
        stats["duplicates"] = valid - rows.select(F.count_distinct("event_id")).first()[0]
        stats["distinct_s"] = round(time.monotonic() - t0, 3)
        if stats["duplicates"]:
            rows = B.dedup(rows)
        query_id = self.query_id or spark.sparkContext.getLocalProperty("sql.streaming.queryId")
        summary = S.BronzeBatch(
            batch_id=batch_id,
            kafka_offsets=facts["kafka_offsets"],
            records=facts["records"],
            dlq_records=facts["dlq"],
            canary_records=facts["canary"],
            max_event_time=str(facts["max_event_time"]),
            # Every hour the batch wrote: the schedule recomputes silver/gold for exactly these
            # (a batch across an hour boundary touches both, not only the max event time's).
            hours=tuple(stats["hours"]),
            checkpoint=self.checkpoint,
            query_id=query_id or None,
            # Batches without a snapshot since the last one (DLQ or canary only) ride along.
            earlier=ledger.earlier(ledger.pending()),
        )
        props = summary.to_properties()
        t0 = time.monotonic()
        head = publish.read_head(spark, BRONZE, S.BATCH_ID, _CONFLICT_KEYS)
        stats["head_s"] = round(time.monotonic() - t0, 3)
        conflict = ckpt.writer_conflict(
            head.latest, self.checkpoint, query_id, batch_id, self.last_committed
        )
        if conflict:
            raise WriterConflict(conflict)
        try:
            done = publish.merge_exclusive(
                spark,
                BRONZE,
                head.snapshot_id,
                lambda: iceberg.merge_insert_new(
                    spark, rows, BRONZE, "event_id", H.predicate(partitions, "t"), props
                ),
                wap_enabled=head.wap_enabled,
            )
        except publish.CommitConflict as exc:
            raise WriterConflict(
                f"another writer committed to {BRONZE} while batch {batch_id} was being "
                f"merged ({exc}); this batch stops without adding rows. Fix: keep one bronze "
                "job per checkpoint, then restart bronze (Spark replays the batch, the MERGE "
                "skips what the other writer inserted)."
            ) from exc
        stats["merge_s"], stats["publish_s"] = round(done.merge_s, 3), done.publish_s
        t0 = time.monotonic()
        if done.snapshot_id is not None:
            stats["inserted"] = done.added_records
            stats["snapshot_id"] = done.snapshot_id
            self.last_committed = batch_id
            ledger.clear_pending()
        else:
            ledger.add_pending(batch_id, facts)
        stats["ledger_s"] = round(time.monotonic() - t0, 3)
        return stats
