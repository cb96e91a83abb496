"""Automation: the 5-minute medallion schedule (silver -> checks -> gold) and failure alerts."""

import dagster as dg

from wikistream_dagster.defs.common import BRONZE, BRONZE_SNAPSHOT_TAG, GOLD, HOURLY, SILVER
from wikistream_dagster.resources.alerts import Alerter
from wikistream_dagster.resources.lake import LakeReader

medallion_job = dg.define_asset_job(
    "medallion",
    selection=dg.AssetSelection.assets(SILVER, *GOLD) | dg.AssetSelection.checks_for_assets(BRONZE),
    partitions_def=HOURLY,
    # The steps run one after the other anyway (silver -> checks -> gold): one process saves
    # a Python start-up and a code-location load per step, i.e. seconds of gold latency.
    executor_def=dg.in_process_executor,
    description="Silver for new bronze rows, the Deequ checks (blocking ones stop gold), then "
    "gold for the affected hours.",
)


def hour_to_key(hour: str) -> str:
    """``2026-11-26T09`` (the jobs' form) -> ``2026-11-26-09:00`` (the partition key)."""
    return f"{hour[:10]}-{hour[11:13]}:00"


def pending_bronze(lake: LakeReader) -> tuple[list[str], int] | None:
    """Hours of bronze snapshots silver has not processed, and the newest snapshot id."""
    done = lake.current_property("silver.wiki_events_cleaned", "bronze-snapshot-id")
    new = lake.snapshots("bronze.wiki_events", int(done) if done else None)
    new = [s for s in new if s["operation"] != "replace"]  # compaction adds no rows
    if not new:
        return None
    hours: set[str] = set()
    for snap in new:
        summary = snap["summary"]
        hours.update(h for h in summary.get("wikistream.hours", "").split(",") if h)
        if not summary.get("wikistream.hours") and summary.get("wikistream.max-event-time"):
            hours.add(summary["wikistream.max-event-time"][:13].replace(" ", "T"))
    return sorted(hours), new[-1]["snapshot_id"]


def medallion_request(
    lake: LakeReader, valid_keys: set[str] | None = None
) -> dg.RunRequest | dg.SkipReason:
    pending = pending_bronze(lake)
    if pending is None:
        return dg.SkipReason("no new bronze data since silver's last run")
    hours, snapshot = pending
    keys = sorted(k for k in map(hour_to_key, hours) if valid_keys is None or k in valid_keys)
    if not keys:
        return dg.SkipReason(f"bronze snapshot {snapshot} has no hours in the partition range")
    return dg.RunRequest(
        run_key=f"bronze-{snapshot}",
        tags={
            BRONZE_SNAPSHOT_TAG: str(snapshot),
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        },
    )


def _medallion_tick(context: dg.ScheduleEvaluationContext, lake: LakeReader):
    return medallion_request(lake)


@dg.run_failure_sensor(name="alert_on_run_failure", default_status=dg.DefaultSensorStatus.RUNNING)
def alert_on_run_failure(context: dg.RunFailureSensorContext, alerter: Alerter):
    """Any failed run raises an alert (a log line and alerts.jsonl locally; SNS on AWS)."""
    message = context.failure_event.message or "run failed"
    alerter.alert(
        f"run {context.dagster_run.run_id[:8]} of {context.dagster_run.job_name} failed", message
    )


def make_schedule(autostart: bool = True) -> dg.ScheduleDefinition:
    """The 5-minute medallion schedule; with ``autostart`` it runs as soon as Dagster starts."""
    status = dg.DefaultScheduleStatus.RUNNING if autostart else dg.DefaultScheduleStatus.STOPPED
    return dg.schedule(
        name="medallion_every_5_minutes",
        job=medallion_job,
        cron_schedule="*/5 * * * *",
        default_status=status,
        description="Every 5 minutes: if bronze has new snapshots, run silver, the quality "
        "checks and gold for the hours they touched.",
    )(_medallion_tick)


medallion_every_5_minutes = make_schedule()


def build_defs(autostart: bool = True) -> dg.Definitions:
    return dg.Definitions(
        jobs=[medallion_job], schedules=[make_schedule(autostart)], sensors=[alert_on_run_failure]
    )
