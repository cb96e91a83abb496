"""Bronze job: Kafka ``raw-events`` -> ``bronze.wiki_events``, exactly once per event id.

Structured Streaming with a processing-time trigger (or ``--available-now`` to drain the backlog
and stop). Each micro-batch is parsed with an explicit schema, bad records go to ``dlq-events``,
the rest is deduplicated and MERGEd on ``event_id`` (insert when not matched) into only the hour
partitions the batch touches. Replaying a batch, restarting without a checkpoint or a re-sent
event never makes a second row. Batch id and Kafka offsets land in the snapshot summary.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from producer_service.event_limits import DLQ_TOPIC, RAW_TOPIC
from wikistream_dagster.contracts.hours import PARTITION_START
from wikistream_dagster.spark_jobs import kafka_io, runtime, stream_progress
from wikistream_dagster.spark_jobs.bronze_writer import BronzeBatchWriter
from wikistream_dagster.spark_jobs.session import build_session
from wikistream_dagster.spark_jobs.tables import BRONZE, ensure_like, ensure_tables, qualified
from wikistream_dagster.spark_jobs.transforms import bronze as B

log = logging.getLogger(__name__)

# Each batch is cached once and read by a few passes: plain columns build faster than
# compressed ones, and the batch lives only for seconds.
SESSION_CONF = {"spark.sql.inMemoryColumnarStorage.compressed": "false"}


def start_merge(
    spark: SparkSession, args, options: dict[str, str]
) -> tuple[StreamingQuery, BronzeBatchWriter]:
    """The production sink: foreachBatch -> DLQ + deduplicated MERGE into ``bronze``."""
    ensure_tables(spark, BRONZE)
    writer = BronzeBatchWriter(
        kafka_io.dlq_sink(args.bootstrap_servers, args.dlq_topic, options), args.checkpoint
    )
    stream = kafka_io.kafka_stream(
        spark,
        args.bootstrap_servers,
        args.topic,
        args.max_offsets_per_trigger,
        options,
        partition_start=args.partition_start,
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
    rows = B.bronze_rows(stream, -1)
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


def arg_parser() -> argparse.ArgumentParser:
    """The job's arguments (the EMR request builder's tests parse its arguments with it)."""
    parser = runtime.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", default=RAW_TOPIC)
    parser.add_argument("--dlq-topic", default=DLQ_TOPIC)
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
    parser.add_argument(
        "--partition-start",
        type=date.fromisoformat,
        default=PARTITION_START,
        help="first hour partition (UTC date); earlier events go to the DLQ "
        f"(default {PARTITION_START}, WIKISTREAM_PARTITION_START)",
    )
    return parser


def kafka_options(args: argparse.Namespace) -> dict[str, str]:
    """The Kafka client settings of ``--kafka-option`` and ``--msk-iam`` (explicit ones win)."""
    options = kafka_io.parse_options(args.kafka_option)
    return kafka_io.MSK_IAM_OPTIONS | options if args.msk_iam else options


def main(argv: list[str] | None = None) -> int:
    args = runtime.parse_args(arg_parser(), argv)
    options = kafka_options(args)
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
        if writer is not None:
            result["phases_s"] = dict(writer.phases)  # where the batches' time went
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
