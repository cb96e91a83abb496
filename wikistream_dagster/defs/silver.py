"""Silver: cleaned, deduplicated events, and the Deequ quality gate on them (blocking checks)."""

import dagster as dg

from wikistream_dagster.defs.common import (
    BRONZE,
    BRONZE_SNAPSHOT_TAG,
    HOURLY,
    MEDALLION_POOL,
    OWNERS,
    QUALITY_HISTORY,
    SILVER,
    SILVER_FROM_TAG,
    SINGLE_RUN,
    hours_args,
)
from wikistream_dagster.defs.schemas import table_metadata
from wikistream_dagster.resources.spark_runner import SparkJobRunner
from wikistream_dagster.spark_jobs.transforms.quality import CONSTRAINTS


@dg.asset(
    key=SILVER,
    deps=[BRONZE],
    partitions_def=HOURLY,
    backfill_policy=SINGLE_RUN,
    group_name="silver",
    kinds={"spark", "iceberg"},
    owners=OWNERS,
    description="Bronze events deduplicated and normalised: UTC event time, wiki/domain, "
    "namespace, title, user, bot and anonymous (IP) flags, revision ids, byte delta, log fields. "
    "Scheduled runs process only bronze rows not processed yet; a manual run or backfill of "
    "hour partitions rebuilds those hours from bronze.",
    metadata=table_metadata("silver.wiki_events_cleaned"),
    pool=MEDALLION_POOL,
)
def wiki_events_cleaned(context: dg.AssetExecutionContext, spark: SparkJobRunner):
    snapshot = context.run.tags.get(BRONZE_SNAPSHOT_TAG)
    if snapshot and snapshot == context.run.tags.get(SILVER_FROM_TAG):
        # The run retries checks/gold only: silver had read bronze up to the pinned snapshot
        # when the run was requested, so a Spark start-up would find nothing to do.
        yield dg.MaterializeResult(
            metadata={"rows_read": 0, "rows_written": 0, "bronze_snapshot_end": snapshot}
        )
        return
    args = ["--bronze-snapshot-end", snapshot] if snapshot else hours_args(context)
    yield from spark.run(context, "silver", args).get_results()


quality_specs = [
    dg.AssetCheckSpec(
        c.name,
        asset=SILVER,
        blocking=c.blocking,
        description=f"Deequ: {c.description}"
        + (
            " (blocking: failing stops gold; the violating rows go to silver.quarantine and "
            "hold their hour until `./wikistream quarantine release|drop`)"
            if c.blocking
            else " (warning)"
        ),
    )
    for c in CONSTRAINTS
]


@dg.multi_asset_check(specs=quality_specs, name="silver_quality", can_subset=False)
def silver_quality(context: dg.AssetCheckExecutionContext, spark: SparkJobRunner):
    """Runs the Deequ quality job over the hours of this run; one result per constraint.

    A failed blocking result carries the quarantine in its metadata (``quarantined_rows``, a
    markdown ``quarantine_sample``, ``held_hours``), reported by the job through Pipes.
    """
    args = ["--no-fail", *hours_args(context)]  # no hours: the latest silver run's hours
    results = list(spark.run(context, "quality", args).get_results())
    reported = {r.check_name for r in results if isinstance(r, dg.AssetCheckResult)}
    # Hours without silver rows: Deequ has nothing to measure, so nothing can be violated.
    results += [
        dg.AssetCheckResult(
            asset_key=SILVER,
            check_name=spec.name,
            passed=True,
            metadata={"rows": 0, "note": "no silver rows in these hours"},
        )
        for spec in quality_specs
        if spec.name not in reported
    ]
    failed = [r.check_name for r in results if isinstance(r, dg.AssetCheckResult) and not r.passed]
    quarantined = sum(
        int(getattr(r.metadata.get("quarantined_rows"), "value", 0) or 0)
        for r in results
        if isinstance(r, dg.AssetCheckResult)
    )
    context.instance.report_runless_asset_event(
        dg.AssetMaterialization(
            QUALITY_HISTORY,
            metadata={
                "checks": len(results),
                "failed": len(failed),
                "failed_checks": ", ".join(failed) or "none",
                "quarantined_rows": quarantined,
                "dagster_run_id": context.run.run_id,
            },
        )
    )
    yield from results


quality_history = dg.AssetSpec(
    QUALITY_HISTORY,
    deps=[SILVER],
    group_name="silver",
    kinds={"iceberg"},
    owners=OWNERS,
    description="Every Deequ constraint result of every quality run (appended by the quality "
    "job): trend the metrics over time with `./wikistream query`.",
    metadata=table_metadata("silver.quality_history"),
)

defs = dg.Definitions(assets=[wiki_events_cleaned, quality_history], asset_checks=[silver_quality])
