"""Gold job: recompute the gold tables for the affected hours only (partition overwrite)."""

from __future__ import annotations

import logging
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import iceberg, pointers, runtime, silver_batch
from wikistream_dagster.spark_jobs.quality_check import latest_silver_hours
from wikistream_dagster.spark_jobs.quarantine import exclude_quarantined
from wikistream_dagster.spark_jobs.session import build_session
from wikistream_dagster.spark_jobs.tables import (
    EDITOR_RISK,
    ENTITY_TRENDS,
    HOURLY_STATS,
    RISK_SCORES,
    SILVER,
    ensure_tables,
    qualified,
)
from wikistream_dagster.spark_jobs.transforms import gold, risk

log = logging.getLogger(__name__)

GOLD_TABLES = (HOURLY_STATS, ENTITY_TRENDS, RISK_SCORES, EDITOR_RISK)


def _write(df: DataFrame, table: str, hours: str, props: dict[str, str]) -> int:
    """Replace the ``hours`` (a predicate) of ``table`` with ``df``; return the rows written."""
    spark = df.sparkSession
    before = iceberg.current_snapshot_id(spark, table)
    iceberg.overwrite_where(df, table, hours, props)
    snap = iceberg.current_snapshot(spark, table)
    if snap is None or snap["snapshot_id"] == before:
        return 0
    return int(snap["summary"].get("added-records", 0))


def run(
    spark: SparkSession,
    hours: list[H.Hour] | None = None,
    run_id: str | None = None,
    silver_settled: int | None = None,
) -> dict[str, Any]:
    """Rebuild every gold table's partitions for ``hours`` (default: latest silver run's).

    Silver is read once: the target hours plus the trailing baseline window the trends need
    (the risk windows look back one hour, well inside it).
    """
    ensure_tables(spark, SILVER, *GOLD_TABLES)
    run_id = run_id or uuid.uuid4().hex
    hours = hours or latest_silver_hours(spark)
    if not hours:
        log.info("no hours to compute")
        return {"run_id": run_id, "hours": [], "tables": {}}
    only = H.predicate(hours)
    props = {pointers.RUN_ID: run_id, pointers.HOURS: H.format_hours(hours)}
    # The silver snapshot read below (or an older one: then a later silver write only looks
    # pending and is rebuilt again) and how far it had processed bronze, so the automation
    # knows which silver writes are in gold and bench e2e which bronze rows gold can show.
    silver_at, upto = silver_batch.head(spark)
    if silver_at is not None:
        props[pointers.SILVER_SNAPSHOT] = str(silver_at)
    if upto:
        props[pointers.BRONZE_SNAPSHOT] = upto
    if silver_settled is not None:
        props[pointers.SILVER_SETTLED] = str(silver_settled)
    target = spark.createDataFrame([(d, h) for d, h in hours], "event_date date, event_hour int")
    window = H.time_range_predicate(H.shift(hours[0], -gold.BASELINE_HOURS), hours[-1])
    silver = exclude_quarantined(spark.table(qualified(SILVER)).where(window), spark).cache()
    context = H.time_range_predicate(H.shift(hours[0], -1), hours[-1])

    stats = gold.hourly_edit_stats(silver.where(only)).cache()
    scores = risk.score_edits(silver.where(context)).where(only).cache()
    outputs = {
        HOURLY_STATS: stats,
        ENTITY_TRENDS: gold.entity_trends(silver, target),
        RISK_SCORES: scores,
        EDITOR_RISK: risk.editor_risk(scores),
    }
    silver.count()  # materialise the shared input once, before two writers read it
    # Two chains of writes run at once (Spark runs jobs from several threads concurrently), so
    # one table's planning and commit overlap another's compute on the two cores. Risk scores
    # are written before the rollup that reads their cache.
    chains = [(HOURLY_STATS, ENTITY_TRENDS), (RISK_SCORES, EDITOR_RISK)]
    with ThreadPoolExecutor(max_workers=len(chains)) as pool:
        done = pool.map(lambda ts: {t: _write(outputs[t], t, only, props) for t in ts}, chains)
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
    for df in (stats, scores, silver):
        df.unpersist()
    return {
        "run_id": run_id,
        "hours": [H.format_hour(h) for h in hours],
        "tables": rows,
        "summary": summary,
        "top_risky_edits": top,
    }


def _markdown(top: list[dict[str, Any]]) -> str:
    lines = ["| wiki | title | user | risk | reasons |", "|---|---|---|---|---|"]
    lines += [
        f"| {t['wiki']} | {t['title']} | {t['user']} | {t['risk_score']:.2f} | "
        f"{', '.join(t['reasons'])} |"
        for t in top
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--hours",
        action="append",
        default=None,
        help="UTC hours to compute, e.g. 2018-03-07T16 (default: the latest silver run's)",
    )
    parser.add_argument(
        "--silver-settled",
        type=int,
        default=None,
        help="record that every silver write up to this snapshot is in gold (automation)",
    )
    args = runtime.parse_args(parser, argv)
    spark = build_session("wikistream-gold", runtime.catalog_config(args))
    with runtime.reporter() as report:
        result = run(spark, H.parse_hours(args.hours) or None, silver_settled=args.silver_settled)
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
        runtime.write_result(args, result)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
