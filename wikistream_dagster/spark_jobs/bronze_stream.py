"""Bronze job: Kafka ``raw-events`` -> ``bronze.wiki_events``, exactly once per event id.

Structured Streaming with a processing-time trigger (or ``--available-now`` to drain the backlog
and stop). Each micro-batch is parsed with an explicit schema, bad records go to ``dlq-events``,
the rest is deduplicated and MERGEd on ``event_id`` (insert when not matched) into only the hour
partitions the batch touches. Replaying a batch, restarting without a checkpoint or a re-sent
event never makes a second row. Batch id and Kafka offsets land in the snapshot summary.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg, kafka_io, runtime, stream_progress
from wikistream_dagster.spark_jobs.session import build_session
from wikistream_dagster.spark_jobs.tables import BRONZE, ensure_like, ensure_tables, qualified
from wikistream_dagster.spark_jobs.transforms import bronze as T

log = logging.getLogger(__name__)

P = iceberg.PREFIX
# Each batch is cached once and read by a few passes: plain columns build faster than
# compressed ones, and the batch lives only for seconds.
SESSION_CONF = {"spark.sql.inMemoryColumnarStorage.compressed": "false"}


class BronzeBatchWriter:
    """The ``foreachBatch`` function; also callable on a static parsed DataFrame (tests)."""

    def __init__(self, dlq_sink: Callable[[DataFrame], None] | None, checkpoint: str = ""):
        self.dlq_sink = dlq_sink
        self.checkpoint = checkpoint
        self.totals = {
            "batches": 0,
            "records": 0,
            "inserted": 0,
            "dlq": 0,
            "canary": 0,
            "duplicates": 0,
            "merge_s": 0.0,
        }
        self.last: dict[str, Any] = {}
        self._table_ready = False

    def __call__(self, parsed: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        spark = parsed.sparkSession
        if not self._table_ready:
            ensure_tables(spark, BRONZE)
            self._table_ready = True
        parsed = parsed.persist()
        try:
            stats = self._write(spark, parsed, batch_id)
        finally:
            parsed.unpersist()
        stats["seconds"] = round(time.monotonic() - started, 3)
        self.last = stats
        for key in ("records", "inserted", "dlq", "canary", "duplicates"):
            self.totals[key] += stats[key]
        self.totals["batches"] += 1
        self.totals["merge_s"] = round(self.totals["merge_s"] + stats.get("merge_s", 0.0), 3)
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
            self.dlq_sink(T.dead_letters(parsed, batch_id))
        if not valid:
            return stats
        rows = T.bronze_rows(parsed, batch_id)
        # Counting distinct ids shuffles only the ids; the full dedup sort runs when needed.
        t0 = time.monotonic()
        stats["duplicates"] = valid - rows.select(F.count_distinct("event_id")).first()[0]
        stats["distinct_s"] = round(time.monotonic() - t0, 3)
        if stats["duplicates"]:
            rows = T.dedup(rows)
        props = {
            P + "batch-id": str(batch_id),
            P + "kafka-offsets": json.dumps(facts["kafka_offsets"], sort_keys=True),
            P + "records": str(facts["records"]),
            P + "dlq-records": str(facts["dlq"]),
            P + "canary-records": str(facts["canary"]),
            P + "max-event-time": str(facts["max_event_time"]),
            # Every hour the batch wrote: the schedule recomputes silver/gold for exactly these
            # (a batch across an hour boundary touches both, not only the max event time's).
            P + "hours": ",".join(stats["hours"]),
            P + "checkpoint": self.checkpoint,
        }
        before = iceberg.current_snapshot_id(spark, BRONZE)
        stats["merge_s"] = round(
            iceberg.merge_insert_new(
                spark, rows, BRONZE, "event_id", H.predicate(partitions, "t"), props
            ),
            3,
        )
        after = iceberg.current_snapshot(spark, BRONZE)
        if after and after["snapshot_id"] != before:
            stats["inserted"] = int(after["summary"].get("added-records", 0))
            stats["snapshot_id"] = after["snapshot_id"]
        return stats


def start_merge(
    spark: SparkSession, args, options: dict[str, str]
) -> tuple[StreamingQuery, BronzeBatchWriter]:
    """The production sink: foreachBatch -> DLQ + deduplicated MERGE into ``bronze``."""
    ensure_tables(spark, BRONZE)
    writer = BronzeBatchWriter(
        kafka_io.dlq_sink(args.bootstrap_servers, args.dlq_topic, options), args.checkpoint
    )
    stream = kafka_io.kafka_stream(
        spark, args.bootstrap_servers, args.topic, args.max_offsets_per_trigger, options
    )
    query = (
        stream.writeStream.queryName("bronze")
        .foreachBatch(writer)
        .option("checkpointLocation", args.checkpoint)
        .trigger(**_trigger(args))
        .start()
    )
    return query, writer


def start_append(spark: SparkSession, args, options: dict[str, str]) -> StreamingQuery:
    """Benchmark baseline: Spark's native Iceberg append sink (no DLQ, no dedup) into
    ``args.table``, same parsing and columns."""
    ensure_like(spark, args.table, BRONZE)
    stream = kafka_io.kafka_stream(
        spark, args.bootstrap_servers, args.topic, args.max_offsets_per_trigger, options
    )
    rows = T.bronze_rows(stream, -1)
    return (
        rows.writeStream.queryName("bronze-append")
        .format("iceberg")
        .outputMode("append")
        .option("checkpointLocation", args.checkpoint)
        .option("fanout-enabled", "true")
        .trigger(**_trigger(args))
        .toTable(qualified(args.table))
    )


def _trigger(args) -> dict[str, Any]:
    if args.available_now:
        return {"availableNow": True}
    return {"processingTime": f"{args.trigger_seconds} seconds"}


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", default="raw-events")
    parser.add_argument("--dlq-topic", default="dlq-events")
    parser.add_argument("--checkpoint", required=True, help="checkpoint directory or URI")
    parser.add_argument("--trigger-seconds", type=float, default=30.0)
    parser.add_argument(
        "--available-now",
        action="store_true",
        help="process the backlog available at start, then stop",
    )
    parser.add_argument("--max-offsets-per-trigger", type=int, default=50_000)
    parser.add_argument(
        "--kafka-option",
        action="append",
        default=None,
        help="extra Kafka client setting, e.g. kafka.security.protocol=SASL_SSL",
    )
    parser.add_argument(
        "--msk-iam",
        action="store_true",
        help="authenticate to Amazon MSK with IAM (SASL_SSL, AWS_MSK_IAM)",
    )
    parser.add_argument(
        "--sink",
        choices=["merge", "append"],
        default="merge",
        help="append: Spark's native Iceberg sink, for benchmarks only",
    )
    parser.add_argument("--table", default=BRONZE, help="target of --sink append")
    args = runtime.parse_args(parser, argv)
    options = kafka_io.parse_options(args.kafka_option)
    if args.msk_iam:
        options = kafka_io.MSK_IAM_OPTIONS | options
    spark = build_session("wikistream-bronze", runtime.catalog_config(args), conf=SESSION_CONF)
    with runtime.reporter() as report:
        started = time.monotonic()
        if args.sink == "merge":
            query, writer = start_merge(spark, args, options)
        else:
            query, writer = start_append(spark, args, options), None
        progress = stream_progress.await_with_progress(query)
        elapsed = time.monotonic() - started
        busy = stream_progress.busy_seconds(progress)
        records = sum(p["numInputRows"] for p in progress)
        result = dict(writer.totals) if writer is not None else {"records": records}
        result |= {
            "seconds": round(elapsed, 3),
            "batch_seconds": round(busy, 3),
            "events_per_s": round(records / busy, 1) if busy else 0.0,
            "wall_events_per_s": round(records / elapsed, 1),
            "sink": args.sink,
        }
        report.materialized(BRONZE, result)
        # Per batch with data: records and execution seconds (benchmarks split off the warm-up).
        result["batch_progress"] = stream_progress.batch_progress(progress)
        runtime.write_result(args, result)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
