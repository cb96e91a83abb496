"""Gold: hourly statistics, unusual entities and risk scores, recomputed for affected hours."""

from datetime import timedelta

import dagster as dg

from wikistream_dagster.defs.common import (
    EDITOR_RISK,
    ENTITY_HOURLY,
    ENTITY_TRENDS,
    HOURLY,
    HOURLY_STATS,
    MEDALLION_POOL,
    OWNERS,
    RISK_SCORES,
    SETTLED_TAG,
    SILVER,
    SINGLE_RUN,
    hours_args,
    table_name,
)
from wikistream_dagster.defs.schemas import table_metadata
from wikistream_dagster.resources.spark_runner import SparkJobRunner

FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(minutes=20), warn_window=timedelta(minutes=10)
)
DESCRIPTIONS = {
    HOURLY_STATS: "Per wiki and hour: events by type, edits, new pages, distinct editors, bot "
    "and anonymous shares, bytes added/removed, mean and p95 absolute byte delta.",
    ENTITY_HOURLY: "Per wiki, hour and entity (page or editor): events. Rewritten with the "
    "hour's gold; the trends read their 24-hour baseline here instead of rescanning silver.",
    ENTITY_TRENDS: "Pages and editors whose activity in the hour is unusual against their own "
    "trailing baseline: z-like score and rank.",
    RISK_SCORES: "Per edit, a 0-1 vandalism/anomaly risk score with the reasons that "
    "contributed (see README: Risk scoring).",
    EDITOR_RISK: "Per editor and hour: edits, mean/max risk, risky edits and their reasons.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            deps=[SILVER],
            group_name="gold",
            kinds={"spark", "iceberg"},
            owners=OWNERS,
            description=desc,
            partitions_def=HOURLY,
            freshness_policy=FRESHNESS,
            metadata=table_metadata(table_name(key)),
        )
        for key, desc in DESCRIPTIONS.items()
    ],
    partitions_def=HOURLY,
    backfill_policy=SINGLE_RUN,
    can_subset=False,
    name="gold_tables",
    pool=MEDALLION_POOL,
)
def gold_tables(context: dg.AssetExecutionContext, spark: SparkJobRunner):
    """One Spark job computes all gold tables for the run's hours (the affected ones)."""
    settled = context.run.tags.get(SETTLED_TAG)
    args = [*hours_args(context), *(["--silver-settled", settled] if settled else [])]
    yield from spark.run(context, "gold", args).get_results()


defs = dg.Definitions(assets=[gold_tables])
