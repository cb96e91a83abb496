"""Maintenance job: compact small files, rewrite manifests, expire old snapshots (Iceberg).

The bronze stream commits a snapshot and a few small files every trigger (2,880 a day at 30 s).
Compaction rewrites them into larger files, ``rewrite_manifests`` merges the many one-batch
manifests, and expiry drops old snapshots and their unreferenced files, but never a snapshot a
later stage will read from next (its incremental start): see ``KEEP``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pyspark.sql import SparkSession

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import iceberg, redact_expiry, runtime
from wikistream_dagster.spark_jobs.catalog_conf import CATALOG
from wikistream_dagster.spark_jobs.tables import (
    ALL_TABLES,
    BRONZE,
    EDITOR_RISK,
    ENTITY_TRENDS,
    HOURLY_STATS,
    RISK_SCORES,
    SILVER,
    ensure_tables,
)

log = logging.getLogger(__name__)

COMPACT = (BRONZE, SILVER)
GOLD_TABLES = (HOURLY_STATS, ENTITY_TRENDS, RISK_SCORES, EDITOR_RISK)


def _pointer_time(spark: SparkSession, reader: str, key: str, target: str) -> datetime | None:
    """Commit time of the ``target`` snapshot named by ``reader``'s newest ``key`` property."""
    pointer = iceberg.latest_property(spark, reader, key)
    return iceberg.snapshot_time(spark, target, int(pointer)) if pointer else None


def _silver_start_time(spark: SparkSession) -> datetime | None:
    """When the bronze snapshot silver resumes from was committed (must survive expiry)."""
    return _pointer_time(spark, SILVER, S.BRONZE_SNAPSHOT, BRONZE)


def _gold_start_time(spark: SparkSession) -> datetime | None:
    """The oldest silver snapshot a gold table resumes from, if gold records one."""
    times = [_pointer_time(spark, t, S.SILVER_SNAPSHOT, SILVER) for t in GOLD_TABLES]
    return min((t for t in times if t is not None), default=None)


# table -> functions giving the commit time of a snapshot of that table a stage still needs
# (its incremental start). Expiry keeps it and everything newer. Add a stage's pointer here.
KEEP: dict[str, tuple[Callable[[SparkSession], datetime | None], ...]] = {
    BRONZE: (_silver_start_time,),
    SILVER: (_gold_start_time,),
}


def keep_from(spark: SparkSession, table: str) -> datetime | None:
    """The oldest snapshot time of ``table`` that some stage still needs (None: none)."""
    times = [t for keep in KEEP.get(table, ()) if (t := keep(spark)) is not None]
    return min(times, default=None)


def _state(spark: SparkSession, table: str) -> tuple[int, int]:
    """(data files in the current snapshot, snapshots in the metadata): one metadata load."""
    jtable = iceberg._java_table(spark, table)
    snap = jtable.currentSnapshot()
    files = int(snap.summary().get("total-data-files") or 0) if snap is not None else 0
    return files, jtable.operations().current().snapshots().size()


def maintain(
    spark: SparkSession,
    table: str,
    older_than: datetime,
    retain_last: int,
    compact: bool = True,
    manifests: bool = True,
) -> dict[str, Any]:
    """Compact (bronze, silver), rewrite manifests, then expire ``table``'s old snapshots."""
    files_before, snaps_before = _state(spark, table)
    done: dict[str, Any] = {"data_files_before": files_before, "snapshots_before": snaps_before}
    if compact and table in COMPACT:
        row = spark.sql(
            f"CALL {CATALOG}.system.rewrite_data_files(table => '{table}', "
            "options => map('min-input-files', '5', 'partial-progress.enabled', 'true'))"
        ).first()
        done["rewritten_files"] = row["rewritten_data_files_count"]
        done["added_files"] = row["added_data_files_count"]
    if manifests:
        row = spark.sql(f"CALL {CATALOG}.system.rewrite_manifests(table => '{table}')").first()
        done["manifests_rewritten"] = row["rewritten_manifests_count"]
        done["manifests_added"] = row["added_manifests_count"]
    keep = keep_from(spark, table)
    _, snaps_to_expire = _state(spark, table)  # compaction and rewrites added their own
    cutoff = min(older_than, keep) if keep else older_than
    stamp = cutoff.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    row = spark.sql(
        f"CALL {CATALOG}.system.expire_snapshots(table => '{table}', "
        f"older_than => TIMESTAMP '{stamp}', retain_last => {int(retain_last)})"
    ).first()
    files_after, snaps_after = _state(spark, table)
    done |= {
        "deleted_data_files": row["deleted_data_files_count"],
        "expired_before": stamp,
        "kept_for_next_stage_from": keep.isoformat() if keep else None,
        "data_files_after": files_after,
        "snapshots_after": snaps_after,
        "snapshots_expired": snaps_to_expire - snaps_after,
    }
    log.info("maintained %s: %s", table, done)
    return done


def run(
    spark: SparkSession,
    tables: tuple[str, ...] = ALL_TABLES,
    retain_hours: float = 24,
    retain_last: int = 50,
    compact: bool = True,
    manifests: bool = True,
    redaction_expire_hours: float | None = 24.0,
) -> dict[str, Any]:
    """Maintain each of ``tables``; snapshots older than ``retain_hours`` may be expired.

    ``redaction_expire_hours``: also expire, on every redactable table, the snapshots from
    before the newest redaction (``redact_expiry``; None: leave them).
    """
    ensure_tables(spark, *tables)
    older_than = datetime.now(UTC) - timedelta(hours=retain_hours)
    out = {
        "tables": {
            t: maintain(spark, t, older_than, retain_last, compact, manifests) for t in tables
        }
    }
    if redaction_expire_hours is not None:  # every redactable table, maintained here or not
        ensure_tables(spark, *redact_expiry.REDACTABLE, redact_expiry.REDACTIONS)
        out["redaction_expiry"] = {
            t: redact_expiry.enforce(spark, t, keep_from(spark, t), redaction_expire_hours)
            for t in redact_expiry.REDACTABLE
        }
    return out


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
    parser.add_argument(
        "--redaction-expire-hours",
        type=float,
        default=24.0,
        help="bound on how long snapshots from before a redaction may live (a stage's resume "
        "point is spared until then); pre-redaction snapshots are expired on every run",
    )
    parser.add_argument("--no-compact", action="store_true")
    parser.add_argument("--no-rewrite-manifests", action="store_true")
    args = runtime.parse_args(parser, argv)

    def compute(spark: SparkSession) -> dict[str, Any]:
        tables = tuple(args.table or ALL_TABLES)
        compact, manifests = not args.no_compact, not args.no_rewrite_manifests
        return run(
            spark,
            tables,
            args.retain_hours,
            args.retain_last,
            compact,
            manifests,
            args.redaction_expire_hours,
        )

    def report(reporter: runtime.Reporter, result: dict[str, Any]) -> None:
        reporter.custom({"maintenance": result})

    runtime.run_batch("wikistream-maintenance", args, compute, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
