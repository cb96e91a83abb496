"""Gold job: recompute the gold tables for the affected hours only (partition overwrite)."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.contracts import snapshot as pointers
from wikistream_dagster.spark_jobs import gold_trends, iceberg, runtime, silver_pointer
from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs.quarantine import exclude_quarantined
from wikistream_dagster.spark_jobs.tables import (
    EDITOR_RISK,
    ENTITY_HOURLY,
    ENTITY_TRENDS,
    HOURLY_STATS,
    RISK_SCORES,
    SILVER,
    ensure_tables,
    qualified,
)
from wikistream_dagster.spark_jobs.transforms import gold, risk

log = logging.getLogger(__name__)

GOLD_TABLES = (HOURLY_STATS, ENTITY_HOURLY, ENTITY_TRENDS, RISK_SCORES, EDITOR_RISK)

# The run's cached DataFrames (its silver hours and the tables built from them) are read a few
# times and dropped: compressing them cost ~2 s of a 25-30 s one-hour run (measured 2026-12-02,
# alternating runs in one driver: 1.0-1.5 s vs 3.2-3.9 s to cache the silver). Up to this many
# silver hours (~20 MB each at the live rate) the cache stays uncompressed; a longer rebuild
# keeps Spark's compression so its cache fits in memory instead of spilling.
CACHE_COMPRESSED = "spark.sql.inMemoryColumnarStorage.compressed"
UNCOMPRESSED_CACHE_HOURS = 6


# The silver columns the gold transforms read: the job caches only these.
GOLD_INPUT = (
    "event_id",
    "event_time",
    "event_date",
    "event_hour",
    "wiki",
    "type",
    "title",
    "user",
    "is_bot",
    "is_anonymous",
    "length_old",
    "length_new",
    "byte_delta",
    "comment",
)


def read_silver(spark: SparkSession, hours: list[H.Hour]) -> DataFrame:
    """The silver rows gold reads for ``hours`` (every silver read of the job goes here): never
    a quarantined row (held or dropped), whose hash needs all of silver's columns."""
    rows = spark.table(qualified(SILVER)).where(H.predicate(hours))
    return exclude_quarantined(rows, spark).select(*GOLD_INPUT)


def _write(
    df: DataFrame, table: str, hours: str, props: dict[str, str], timings: dict[str, float]
) -> int:
    """Replace the ``hours`` (a predicate) of ``table`` with ``df``; return the rows written."""
    spark, started = df.sparkSession, time.monotonic()
    before = iceberg.current_snapshot_id(spark, table)
    iceberg.overwrite_where(df, table, hours, props)
    snap = iceberg.current_snapshot(spark, table)
    timings[table] = round(time.monotonic() - started, 2)
    if snap is None or snap["snapshot_id"] == before:
        return 0
    return int(snap["summary"].get("added-records", 0))


def run(
    spark: SparkSession,
    hours: list[H.Hour] | None = None,
    run_id: str | None = None,
    silver_settled: int | None = None,
    ensure: bool = True,
) -> dict[str, Any]:
    """Rebuild every gold table's partitions for ``hours`` (default: latest silver run's).

    Silver is read once, for the target hours and the hour before each (the risk windows look
    back one hour); the trends' 24-hour baseline comes from ``gold.entity_hourly``
    (see :mod:`gold_trends`). ``ensure=False``: the caller has created the tables already.
    """
    started = time.monotonic()
    if ensure:
        ensure_tables(spark, SILVER, *GOLD_TABLES)
    run_id = run_id or uuid.uuid4().hex
    hours = hours or silver_pointer.latest_hours(spark)
    if not hours:
        log.info("no hours to compute")
        return {"run_id": run_id, "hours": [], "tables": {}}
    props = {pointers.RUN_ID: run_id, pointers.HOURS: H.format_hours(hours)}
    # The silver snapshot read below (or an older one: then a later silver write only looks
    # pending and is rebuilt again) and how far it had processed bronze, so the automation
    # knows which silver writes are in gold and bench e2e which bronze rows gold can show.
    silver_at, upto = silver_pointer.head(spark)
    if silver_at is not None:
        props[pointers.SILVER_SNAPSHOT] = str(silver_at)
    if upto:
        props[pointers.BRONZE_SNAPSHOT] = upto
    if silver_settled is not None:
        props[pointers.SILVER_SETTLED] = str(silver_settled)
    context = sorted({c for h in hours for c in (H.shift(h, -1), h)})
    compressed = spark.conf.get(CACHE_COMPRESSED)
    if len(context) <= UNCOMPRESSED_CACHE_HOURS:
        spark.conf.set(CACHE_COMPRESSED, "false")
    try:
        return _build(spark, hours, context, run_id, props, started)
    finally:
        spark.conf.set(CACHE_COMPRESSED, compressed)


def _build(
    spark: SparkSession,
    hours: list[H.Hour],
    context: list[H.Hour],
    run_id: str,
    props: dict[str, str],
    started: float,
) -> dict[str, Any]:
    """``run``'s work: read ``context`` (the hours and the hour before each), write ``hours``."""
    only = H.predicate(hours)
    silver = read_silver(spark, context).cache()

    stats = gold.hourly_edit_stats(silver.where(only)).cache()
    # A redacted edit (deleted page: no title) is no one's risk any more: off the risk lists.
    scores = risk.score_edits(silver.where(F.col("title").isNotNull())).where(only).cache()
    hourly = gold.entity_hourly(silver.where(only)).cache()
    trends = gold_trends.entity_trends(spark, hourly, hours, lambda hs: read_silver(spark, hs))
    outputs = {
        HOURLY_STATS: stats,
        ENTITY_HOURLY: hourly,
        ENTITY_TRENDS: trends.rows,
        RISK_SCORES: scores,
        EDITOR_RISK: risk.editor_risk(scores),
    }
    timings = {"plan": round(time.monotonic() - started, 2)}
    silver.count()  # materialise the shared input once, before two writers read it
    timings["read_silver"] = round(time.monotonic() - started - timings["plan"], 2)
    # Two chains of writes run at once (Spark runs jobs from several threads concurrently), so
    # one table's planning and commit overlap another's compute on the two cores. Risk scores
    # are written before the rollup that reads their cache.
    chains = [(HOURLY_STATS, ENTITY_HOURLY, ENTITY_TRENDS), (RISK_SCORES, EDITOR_RISK)]
    with ThreadPoolExecutor(max_workers=len(chains)) as pool:
        done = pool.map(
            lambda ts: {t: _write(outputs[t], t, only, props, timings) for t in ts}, chains
        )
        rows = {t: n for part in done for t, n in part.items()}
    summary = (
        stats.agg(
            F.sum("events").alias("events"),
            (F.sum("bot_events") / F.sum("events")).alias("bot_share"),
            (F.sum("anonymous_events") / F.sum("events")).alias("anonymous_share"),
        )
        .first()
        .asDict()
    )
    top = [
        r.asDict()
        for r in scores.orderBy(F.desc("risk_score"), "event_id")
        .limit(5)
        .select("wiki", "title", "user", "risk_score", "reasons")
        .collect()
    ]
    for df in (stats, scores, hourly, silver):
        df.unpersist()
    trends.free()
    timings["total"] = round(time.monotonic() - started, 2)
    return {
        "run_id": run_id,
        "hours": [H.format_hour(h) for h in hours],
        "tables": rows,
        "baseline_hours_from_silver": [H.format_hour(h) for h in trends.from_silver],
        "summary": summary,
        "top_risky_edits": top,
        "timings_s": timings,
    }


def _markdown(top: list[dict[str, Any]]) -> str:
    lines = ["| wiki | title | user | risk | reasons |", "|---|---|---|---|---|"]
    lines += [
        f"| {t['wiki']} | {t['title']} | {t['user']} | {t['risk_score']:.2f} | "
        f"{', '.join(t['reasons'])} |"
        for t in top
    ]
    return "\n".join(lines)


def report_result(report: runtime.Reporter, result: dict[str, Any]) -> None:
    """One materialization per gold table (to Dagster through Pipes, or the log)."""
    for table, n in result["tables"].items():
        meta: dict[str, Any] = {"rows": n, "hours": result["hours"]}
        if table == HOURLY_STATS:
            meta |= result["summary"]
        if table == RISK_SCORES:
            meta["top_risky_edits"] = {
                "raw_value": _markdown(result["top_risky_edits"]),
                "type": "md",
            }
        report.materialized(table, meta)


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    runtime.add_hours_arg(parser, "the hours to compute (default: the latest silver run's)")
    parser.add_argument(
        "--silver-settled",
        type=int,
        default=None,
        help="record that every silver write up to this snapshot is in gold (automation)",
    )
    args = runtime.parse_args(parser, argv)
    hours = H.parse_hours(args.hours) or None
    compute = lambda spark: run(spark, hours, silver_settled=args.silver_settled)  # noqa: E731
    runtime.run_batch("wikistream-gold", args, compute, report_result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
