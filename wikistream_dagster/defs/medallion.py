"""The medallion step: silver, its Deequ checks and gold in one op and one Spark application.

One step instead of three saves two Spark start-ups per run, and silver reads bronze only once
that application is up: what reached bronze while the run was starting is in this run's gold.
Blocking checks keep their meaning: the Spark job writes no gold table when one fails, and
Dagster fails the step after recording the checks (the hours stay pending, the run alerts).
"""

import dagster as dg

from wikistream_dagster.defs.common import (
    GOLD_KEYS,
    HOURLY,
    HOURS_TAG,
    MEDALLION_POOL,
    QUALITY_HISTORY_KEY,
    SETTLED_TAG,
    SILVER_KEY,
    SINGLE_RUN,
    hours_args,
)
from wikistream_dagster.defs.gold import gold_specs
from wikistream_dagster.defs.redact import lake_check_specs, record_redaction
from wikistream_dagster.defs.silver import quality_specs, silver_spec
from wikistream_dagster.resources.spark_runner import SparkJobRunner


def stages(context: dg.AssetExecutionContext) -> list[str]:
    """The Spark job's stages for what the run selected (gold's tables only all together)."""
    keys = set(context.selected_asset_keys)
    gold = keys & set(GOLD_KEYS)
    if gold and gold != set(GOLD_KEYS):
        names = ", ".join(k.to_user_string() for k in GOLD_KEYS)
        raise dg.DagsterInvariantViolationError(
            f"the gold tables are computed together from one silver read: select all of {names}"
        )
    out = ["silver", "redact"] if SILVER_KEY in keys else []
    out += ["quality"] if context.selected_asset_check_keys else []
    return out + (["gold"] if gold else [])


def job_args(context: dg.AssetExecutionContext) -> list[str]:
    """Arguments of the medallion Spark job for this run.

    Automation runs (hour list tag): silver reads new bronze rows, the checks and gold cover the
    listed hours. Manual runs and backfills of hour partitions rebuild those hours' silver from
    bronze first.
    """
    tags, hours = context.run.tags, hours_args(context)
    args = ["--stages", ",".join(stages(context)), "--no-fail", *hours]
    if SILVER_KEY in context.selected_asset_keys and hours and not tags.get(HOURS_TAG):
        args.append("--rebuild-silver")
    if tags.get(SETTLED_TAG):
        args += ["--silver-settled", tags[SETTLED_TAG]]
    return args


def _unreported_checks(context, results: list) -> list[dg.AssetCheckResult]:
    """A selected check the job did not report fails (never a guessed pass): the job reports
    every constraint, also when the hours have no silver rows."""
    reported = {r.check_name for r in results if isinstance(r, dg.AssetCheckResult)}
    return [
        dg.AssetCheckResult(
            asset_key=SILVER_KEY,
            check_name=key.name,
            passed=False,
            metadata={
                "error": "the medallion job reported no result for this check: see the "
                "run's logs (the quality stage may have stopped early)"
            },
        )
        for key in context.selected_asset_check_keys
        if key.name not in reported
    ]


def _record_quality_history(context, checks: list[dg.AssetCheckResult]) -> None:
    failed = [c.check_name for c in checks if not c.passed]
    quarantined = sum(
        int(getattr(c.metadata.get("quarantined_rows"), "value", 0) or 0) for c in checks
    )
    context.instance.report_runless_asset_event(
        dg.AssetMaterialization(
            QUALITY_HISTORY_KEY,
            metadata={
                "checks": len(checks),
                "failed": len(failed),
                "failed_checks": ", ".join(failed) or "none",
                "quarantined_rows": quarantined,
                "dagster_run_id": context.run.run_id,
            },
        )
    )


@dg.multi_asset(
    specs=[silver_spec, *gold_specs],
    check_specs=[*quality_specs, *lake_check_specs],
    partitions_def=HOURLY,
    backfill_policy=SINGLE_RUN,
    can_subset=True,
    name="silver_checks_gold",  # the job is `medallion`: op and job names share one namespace
    pool=MEDALLION_POOL,
)
def silver_checks_gold(context: dg.AssetExecutionContext, spark: SparkJobRunner):
    """Silver for new bronze rows, the Deequ checks, then gold for the run's hours.

    A failed blocking check carries the quarantine in its metadata (``quarantined_rows``, a
    markdown ``quarantine_sample``, ``held_hours``); gold is then not written.
    """
    invocation = spark.run(context, "medallion", job_args(context))
    results = list(invocation.get_results(implicit_materializations=False))
    record_redaction(context, invocation)
    if context.selected_asset_check_keys:
        results += _unreported_checks(context, results)
        _record_quality_history(context, [r for r in results if isinstance(r, dg.AssetCheckResult)])
    # Dagster wants a multi-asset's outputs in topological order: silver, its checks, gold.
    yield from sorted(results, key=_stage_order)


def _stage_order(result) -> int:
    if isinstance(result, dg.AssetCheckResult):
        return 1
    return 0 if result.asset_key == SILVER_KEY else 2


defs = dg.Definitions(assets=[silver_checks_gold])
