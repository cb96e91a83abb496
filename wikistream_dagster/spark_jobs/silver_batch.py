"""Silver job: bronze rows not processed yet -> ``silver.wiki_events_cleaned`` (MERGE on id).

Incremental: silver's snapshot summary records the bronze snapshot it has processed up to
(``wikistream.bronze-snapshot-id``), atomically with the rows; the next run reads only bronze
appends after it (Iceberg incremental read). ``--hours`` instead rebuilds those hour partitions
from bronze (backfill after a logic change).

One writer: the MERGE is staged and published only if silver's main branch still points at the
snapshot whose pointer the run read (``iceberg_publish.merge_exclusive``): a second run that
read the same pointer fails with ``SilverConflict`` instead of appending the rows again.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg, runtime
from wikistream_dagster.spark_jobs import iceberg_publish as publish
from wikistream_dagster.spark_jobs.silver_pointer import read_head
from wikistream_dagster.spark_jobs.tables import BRONZE, SILVER, ensure_tables, qualified
from wikistream_dagster.spark_jobs.transforms.silver import clean

log = logging.getLogger(__name__)


class SilverConflict(RuntimeError):
    """Another silver writer committed after this run read silver's bronze pointer."""


def _bronze_increment(spark: SparkSession, start: int | None, end: int, jbronze) -> DataFrame:
    reader = spark.read.format("iceberg")
    if start is not None and jbronze.snapshot(int(start)) is not None:
        return (
            reader.option("start-snapshot-id", str(start))
            .option("end-snapshot-id", str(end))
            .load(qualified(BRONZE))
        )
    if start is not None:
        log.warning("bronze snapshot %s expired: rescanning bronze (MERGE keeps it exact)", start)
    return reader.option("snapshot-id", str(end)).load(qualified(BRONZE))


def _behind(jbronze, end: int, start: int | None) -> bool:
    """True when a pinned ``end`` is older than what silver already processed."""
    if start is None:
        return False
    s_start, s_end = jbronze.snapshot(int(start)), jbronze.snapshot(int(end))
    return (
        s_start is not None
        and s_end is not None
        and (s_end.timestampMillis() < s_start.timestampMillis())
    )


def run(
    spark: SparkSession,
    hours: list[H.Hour] | None = None,
    run_id: str | None = None,
    bronze_end: int | None = None,
    ensure: bool = True,
) -> dict[str, Any]:
    """Process new bronze rows (or rebuild ``hours``) into silver; return what happened.

    ``bronze_end`` pins the last bronze snapshot to read (default: bronze's newest, read just
    before the rows are). ``ensure=False``: the caller has created the tables already.
    """
    started = time.monotonic()
    if ensure:
        ensure_tables(spark, BRONZE, SILVER)
    run_id = run_id or uuid.uuid4().hex
    silver_head = read_head(spark)  # the commit checks silver is still at this snapshot
    expected, wap = silver_head.snapshot_id, silver_head.wap_enabled
    start_raw = (silver_head.latest or {}).get(S.BRONZE_SNAPSHOT)
    start = int(start_raw) if start_raw else None
    jbronze = iceberg._java_table(spark, BRONZE)
    current = jbronze.currentSnapshot()
    end = bronze_end or (current.snapshotId() if current is not None else None)
    timings = {"plan": round(time.monotonic() - started, 2)}
    result: dict[str, Any] = {
        "run_id": run_id,
        "bronze_snapshot_start": start,
        "bronze_snapshot_end": end,
        "mode": "hours" if hours else "incremental",
    }
    if end is None or (not hours and (start == end or _behind(jbronze, end, start))):
        log.info("silver is up to date with bronze (snapshot %s)", end)
        return result | {"rows_read": 0, "rows_written": 0, "hours": []}

    if hours:
        bronze = spark.table(qualified(BRONZE)).where(H.predicate(hours))
        silver = clean(bronze).where(H.predicate(hours)).cache()
    else:
        silver = clean(_bronze_increment(spark, start, end, jbronze)).cache()
    per_hour = silver.groupBy("event_date", "event_hour").count().collect()  # fills the cache
    timings["read"] = round(time.monotonic() - started - timings["plan"], 2)
    touched = sorted((r["event_date"], r["event_hour"]) for r in per_hour)
    rows_read = sum(r["count"] for r in per_hour)
    # A rebuild names every hour it replaced (one left empty too), so gold redoes them all.
    props = {S.RUN_ID: run_id, S.HOURS: H.format_hours(hours or touched)}
    if not hours:
        props[S.BRONZE_SNAPSHOT] = str(end)  # only incremental runs move the pointer
    if hours:
        iceberg.overwrite_where(silver, SILVER, H.predicate(hours), props)
    elif rows_read:
        done = _merge_exclusive(spark, silver, expected, start, touched, props, wap)
        timings |= {"merge": round(done.merge_s, 2), "publish": round(done.publish_s, 2)}
    silver.unpersist()
    snap = iceberg.current_snapshot(spark, SILVER)
    after = None if snap is None else snap["snapshot_id"]
    written = 0
    if after != expected:
        written = int(snap["summary"].get("added-records", 0))
    timings["total"] = round(time.monotonic() - started, 2)
    return result | {
        "rows_read": rows_read,
        "rows_written": written,
        "silver_snapshot_id": after,
        "hours": [H.format_hour(h) for h in touched],
        "timings_s": timings,
    }


def _merge_exclusive(
    spark: SparkSession,
    rows: DataFrame,
    expected: int | None,
    start: int | None,
    touched: list[H.Hour],
    props: dict[str, str],
    wap_enabled: bool,
) -> publish.Published:
    """MERGE ``rows`` (insert new event ids) only if silver is still at ``expected``."""
    try:
        return publish.merge_exclusive(
            spark,
            SILVER,
            expected,
            lambda: iceberg.merge_insert_new(
                spark, rows, SILVER, "event_id", H.predicate(touched, "t"), props
            ),
            wap_enabled=wap_enabled,
            conflicts=lambda snap: snap.operation() != "replace",
        )
    except publish.CommitConflict as exc:
        raise SilverConflict(
            f"another silver writer committed to {SILVER} after this run read its bronze "
            f"pointer ({start}) at snapshot {expected}: {exc}. Nothing was written. Fix: "
            "none needed if that was a medallion run (it processed these rows); keep one "
            "medallion run at a time (the 'medallion' pool) and run silver again."
        ) from exc


def report_result(report: runtime.Reporter, result: dict[str, Any]) -> None:
    """Silver's materialization (to Dagster through Pipes, or the log)."""
    report.materialized(
        SILVER,
        {
            "rows_read": result["rows_read"],
            "rows_written": result["rows_written"],
            "hours": result["hours"],
            "snapshot_id": str(result.get("silver_snapshot_id")),
            "bronze_snapshot_start": str(result["bronze_snapshot_start"]),
            "bronze_snapshot_end": str(result["bronze_snapshot_end"]),
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    runtime.add_hours_arg(parser, "rebuild these hours from bronze")
    parser.add_argument(
        "--bronze-snapshot-end",
        type=int,
        default=None,
        help="incremental mode: read bronze up to this snapshot (default: newest)",
    )
    args = runtime.parse_args(parser, argv)
    hours = H.parse_hours(args.hours) or None
    compute = lambda spark: run(spark, hours, bronze_end=args.bronze_snapshot_end)  # noqa: E731
    runtime.run_batch("wikistream-silver", args, compute, report_result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
