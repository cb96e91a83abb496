"""Maintenance job: compact small files and expire old snapshots (Iceberg procedures).

The bronze stream commits a snapshot and a few small files every trigger (2,880 a day at 30 s).
Compaction rewrites them into larger files; expiry drops old snapshots and their unreferenced
files, but never the bronze snapshot silver will read from next (its incremental start).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.spark_jobs import iceberg, runtime
from wikistream_dagster.spark_jobs.catalog_conf import CATALOG
from wikistream_dagster.spark_jobs.session import build_session
from wikistream_dagster.spark_jobs.silver_batch import PROGRESS
from wikistream_dagster.spark_jobs.tables import ALL_TABLES, BRONZE, SILVER, ensure_tables

log = logging.getLogger(__name__)

COMPACT = (BRONZE, SILVER)


def _silver_start_time(spark: SparkSession) -> datetime | None:
    """When the bronze snapshot silver resumes from was committed (must survive expiry)."""
    pointer = iceberg.latest_property(spark, SILVER, PROGRESS)
    if not pointer:
        return None
    return iceberg.snapshot_time(spark, BRONZE, int(pointer))


def run(
    spark: SparkSession,
    tables: tuple[str, ...] = ALL_TABLES,
    retain_hours: float = 24,
    retain_last: int = 50,
    compact: bool = True,
) -> dict[str, Any]:
    """Compact bronze/silver, then expire snapshots older than ``retain_hours`` in ``tables``."""
    ensure_tables(spark, *tables)
    older_than = datetime.now(UTC) - timedelta(hours=retain_hours)
    keep_from = _silver_start_time(spark)
    out: dict[str, Any] = {}
    for table in tables:
        done: dict[str, Any] = {}
        if compact and table in COMPACT:
            row = spark.sql(
                f"CALL {CATALOG}.system.rewrite_data_files(table => '{table}', "
                "options => map('min-input-files', '5', 'partial-progress.enabled', 'true'))"
            ).first()
            done["rewritten_files"] = row["rewritten_data_files_count"]
            done["added_files"] = row["added_data_files_count"]
        cutoff = min(older_than, keep_from) if table == BRONZE and keep_from else older_than
        stamp = cutoff.strftime("%Y-%m-%d %H:%M:%S")
        row = spark.sql(
            f"CALL {CATALOG}.system.expire_snapshots(table => '{table}', "
            f"older_than => TIMESTAMP '{stamp}', retain_last => {int(retain_last)})"
        ).first()
        done["deleted_data_files"] = row["deleted_data_files_count"]
        done["expired_before"] = stamp
        out[table] = done
        log.info("maintained %s: %s", table, done)
    return {"tables": out}


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--table",
        action="append",
        default=None,
        choices=ALL_TABLES,
        help="table to maintain (repeatable; default: all)",
    )
    parser.add_argument("--retain-hours", type=float, default=24.0)
    parser.add_argument("--retain-last", type=int, default=50)
    parser.add_argument("--no-compact", action="store_true")
    args = runtime.parse_args(parser, argv)
    spark = build_session("wikistream-maintenance", runtime.catalog_config(args))
    with runtime.reporter():
        result = run(
            spark,
            tuple(args.table or ALL_TABLES),
            args.retain_hours,
            args.retain_last,
            not args.no_compact,
        )
        runtime.write_result(args, result)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
