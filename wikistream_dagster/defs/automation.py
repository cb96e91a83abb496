"""Automation: the medallion run (silver -> checks -> gold) for exactly the hours that need it.

Two triggers share one request: the 5-minute schedule (default) and, with ``--automation
eager``, a sensor that follows bronze's commits. Either asks for the hours not yet in gold
(``defs/pending.py``) with the bronze snapshot it saw (silver reads at least that far), and
never while a medallion run is queued or running (the ``medallion`` pool keeps the writer
single anyway). Failed runs alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import dagster as dg

from wikistream_dagster.contracts.hours import PARTITION_START, Hour, format_hours
from wikistream_dagster.defs import pending as P
from wikistream_dagster.defs.common import (
    BRONZE_KEY,
    BRONZE_SNAPSHOT_TAG,
    GOLD_KEYS,
    HOURLY,
    HOURS_TAG,
    SETTLED_TAG,
    SILVER_FROM_TAG,
    SILVER_KEY,
    table_name,
)
from wikistream_dagster.resources.alerts import Alerter
from wikistream_dagster.resources.lake import LakeReader

MEDALLION = "medallion"
HELD_TAG = "wikistream/held_hours"
SKIPPED_TAG = "wikistream/skipped_hours"
ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]

# Hours whose rows are held back from gold (the quarantine's; see HeldHours). Given the lake
# resource, returns hours in the ``2018-03-07T16`` form. The schedule never requests them.
HeldHours = Callable[[LakeReader], Iterable[str]]


def no_held_hours(lake: LakeReader) -> set[str]:
    return set()


medallion_job = dg.define_asset_job(
    MEDALLION,
    selection=dg.AssetSelection.assets(SILVER_KEY, *GOLD_KEYS)
    | dg.AssetSelection.checks_for_assets(BRONZE_KEY),
    partitions_def=HOURLY,
    # The steps run one after the other anyway (silver -> checks -> gold): one process saves
    # a Python start-up and a code-location load per step, i.e. seconds of gold latency.
    executor_def=dg.in_process_executor,
    description="Silver for new bronze rows, the Deequ checks (blocking ones stop gold), then "
    "gold for exactly the hours not in gold yet (run tag wikistream/hours).",
)


def hour_to_key(hour: str) -> str:
    """``2026-11-26T09`` (the jobs' form) -> ``2026-11-26-09:00`` (the partition key)."""
    return Hour.parse(hour).partition_key


def in_partitions(hour: str, now: datetime | None = None) -> bool:
    """True if Dagster's hourly partitions (PARTITION_START .. now + 1 h) hold ``hour``."""
    try:
        start = Hour.parse(hour).start.replace(tzinfo=UTC)
    except ValueError:
        return False
    now = now or datetime.now(UTC)
    first = datetime.combine(PARTITION_START, datetime.min.time(), UTC)
    # HOURLY's end_offset=1: the hour in progress is the last partition.
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=HOURLY.end_offset)
    return first <= start < end


def _short(hours: Iterable[str], most: int = 12) -> str:
    hours = sorted(hours)
    more = f" (+{len(hours) - most} more)" if len(hours) > most else ""
    return ",".join(hours[:most]) + more


def medallion_request(
    lake: LakeReader, held: Iterable[str] = (), now: datetime | None = None
) -> dg.RunRequest | dg.SkipReason:
    """The run for every hour that new bronze rows touch or that gold does not hold yet."""
    silver = lake.snapshots(table_name(SILVER_KEY))
    state = P.silver_state(
        silver, {table_name(k): lake.snapshots(table_name(k)) for k in GOLD_KEYS}
    )
    done = P.bronze_pointer(silver)
    new = [s for s in lake.snapshots(table_name(BRONZE_KEY), done) if s["operation"] != "replace"]
    end = new[-1]["snapshot_id"] if new else done
    wanted = state.pending | P.bronze_hours(new)
    if not wanted:
        return dg.SkipReason(f"nothing to do: silver is at bronze snapshot {done}, gold is current")
    outside = {h for h in wanted if not in_partitions(h, now)}
    held_now = (wanted - outside) & set(held)
    hours = sorted(wanted - outside - held_now)
    notes = []
    if held_now:
        notes.append(f"held (quarantined): {_short(held_now)}")
    if outside:
        notes.append(f"outside the hourly partitions (skipped): {_short(outside)}")
    if not hours or end is None:
        return dg.SkipReason("no hour to run; " + "; ".join(notes or ["bronze is empty"]))
    tags = {
        HOURS_TAG: format_hours(map(Hour.parse, hours)),
        BRONZE_SNAPSHOT_TAG: str(end),
        "dagster/asset_partition_range_start": hour_to_key(hours[0]),
        "dagster/asset_partition_range_end": hour_to_key(hours[-1]),
    }
    if done is not None:
        tags[SILVER_FROM_TAG] = str(done)  # == end: no new bronze rows when requested
    settled = state.settle_upto(held_now)
    if settled is not None:
        tags[SETTLED_TAG] = str(settled)
    if held_now:
        tags[HELD_TAG] = _short(held_now)
    if outside:
        tags[SKIPPED_TAG] = _short(outside)
    return dg.RunRequest(tags=tags)


def in_flight(instance: dg.DagsterInstance) -> str | None:
    """The id of a queued or running medallion run, if any."""
    records = instance.get_run_records(dg.RunsFilter(job_name=MEDALLION, statuses=ACTIVE), limit=1)
    return records[0].dagster_run.run_id if records else None


def tick(context, lake: LakeReader, held_hours: HeldHours) -> dg.RunRequest | dg.SkipReason:
    """One evaluation of the schedule or the eager sensor."""
    running = in_flight(context.instance)
    if running:
        return dg.SkipReason(
            f"medallion run {running[:8]} is queued or running; its hours "
            "and any newer ones are picked up once it ends"
        )
    return medallion_request(lake, set(held_hours(lake)))


@dg.run_failure_sensor(name="alert_on_run_failure", default_status=dg.DefaultSensorStatus.RUNNING)
def alert_on_run_failure(context: dg.RunFailureSensorContext, alerter: Alerter):
    """Any failed run raises an alert (a log line and alerts.jsonl locally; SNS on AWS)."""
    message = context.failure_event.message or "run failed"
    alerter.alert(
        f"run {context.dagster_run.run_id[:8]} of {context.dagster_run.job_name} failed", message
    )


# The medallion run's two triggers, keyed by the ``automation`` setting they serve
# (config.AUTOMATIONS): Dagster's decorator, its status enum, and what sets the trigger apart.
TRIGGERS = {
    "schedule": (
        dg.schedule,
        dg.DefaultScheduleStatus,
        {
            "name": "medallion_every_5_minutes",
            "cron_schedule": "*/5 * * * *",
            "description": "Every 5 minutes: silver for new bronze rows, the checks and gold for "
            "every hour not in gold yet (failed hours come back; held ones wait).",
        },
    ),
    "eager": (
        dg.sensor,
        dg.DefaultSensorStatus,
        {
            "name": "medallion_on_bronze",
            "minimum_interval_seconds": 10,
            "description": "Eager automation: as soon as bronze commits new rows (and no "
            "medallion run is in flight), silver, the checks and gold for the hours not in gold "
            "yet, pinned to that bronze snapshot.",
        },
    ),
}


def make_trigger(
    automation: str = "schedule", autostart: bool = True, held_hours: HeldHours = no_held_hours
) -> dg.ScheduleDefinition | dg.SensorDefinition:
    """The medallion trigger of ``automation``: the 5-minute schedule, or (``eager``) a sensor
    that asks for a run as soon as bronze commits (checked every 10 s). Both evaluate
    :func:`tick`; with ``autostart`` the trigger runs as soon as Dagster starts."""
    decorator, status, spec = TRIGGERS[automation]

    def medallion_tick(
        context: dg.ScheduleEvaluationContext | dg.SensorEvaluationContext, lake: LakeReader
    ):
        return tick(context, lake, held_hours)

    default_status = status.RUNNING if autostart else status.STOPPED
    return decorator(job=medallion_job, default_status=default_status, **spec)(medallion_tick)


medallion_every_5_minutes = make_trigger("schedule")


def build_defs(
    autostart: bool = True, eager: bool = False, held_hours: HeldHours = no_held_hours
) -> dg.Definitions:
    """The medallion job with its trigger: the schedule, or the eager sensor (the other one is
    still defined, stopped, so either can be switched on in the UI)."""
    return dg.Definitions(
        jobs=[medallion_job],
        schedules=[make_trigger("schedule", autostart and not eager, held_hours)],
        sensors=[make_trigger("eager", autostart and eager, held_hours), alert_on_run_failure],
    )
